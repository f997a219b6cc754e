//! A resident's access request (AVG art. 15): everything the project holds about one person,
//! per source and field, every signal that involved them with its explanation, and every
//! processing-log record with their pseudonym; in Dutch, as JSON and as a readable HTML page.

use anyhow::{Context, Result};
use arrow_array::{Array, ArrayRef, StringArray};
use arrow_schema::DataType;
use loep_contract::Table;
use loep_store::{LogRecord, Project, catalog, clock, log};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::path::Path;

use crate::koppeling::for_each_row;
use loep_vault::{Grant, Identiteit};

/// One indicator of the published catalogue, as the report explains it.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorUitleg {
    pub code: String,
    pub versie: u32,
    pub thema: String,
    pub titel: String,
    pub beschrijving: String,
}

/// The rows of one source that concern the person.
#[derive(Debug, Clone, Serialize)]
pub struct Bron {
    pub tabel: String,
    pub partner: String,
    pub snapshot_id: String,
    /// Where it is kept: `analyse` (pseudonymous) or `kluis` (the identity vault).
    pub opslag: String,
    /// How the rows were found: by pseudonym, or linked by name and date of birth.
    pub via: String,
    pub rijen: Vec<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignaalRegel {
    pub signaal: String,
    pub indicator: String,
    pub versie: i64,
    pub thema: String,
    pub vbo_id: String,
    pub uitleg: String,
    pub feiten: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verwerking {
    pub tijdstip: String,
    pub handeling: String,
    pub status: String,
    pub kenmerken: serde_json::Value,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Inzage {
    pub project: String,
    pub doel: String,
    pub grondslag: String,
    pub gebied: Vec<String>,
    pub periode: String,
    pub opgesteld: String,
    pub pseudoniem: String,
    pub identiteit: Identiteit,
    pub bronnen: Vec<Bron>,
    pub signalen: Vec<SignaalRegel>,
    pub verwerkingen: Vec<Verwerking>,
    pub indicatoren: Vec<IndicatorUitleg>,
    pub bewaartermijnen: String,
}

/// Every row of a Parquet file whose `matches` says so, all columns as text.
fn matching_rows(
    path: &Path,
    matches: impl Fn(&BTreeMap<&str, &str>) -> bool,
) -> Result<Vec<BTreeMap<String, String>>> {
    let file = File::open(path).with_context(|| format!("{} is missing", path.display()))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("{} is not a readable Parquet file", path.display()))?;
    let schema = reader.schema().clone();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let mut out = Vec::new();
    for batch in reader.build()? {
        let batch = batch?;
        let texts: Vec<ArrayRef> = batch
            .columns()
            .iter()
            .map(|c| arrow_cast::cast(c, &DataType::Utf8))
            .collect::<Result<_, _>>()?;
        let texts: Vec<&StringArray> = texts
            .iter()
            .map(|a| a.as_any().downcast_ref::<StringArray>().context("not text"))
            .collect::<Result<_>>()?;
        for i in 0..batch.num_rows() {
            let row: BTreeMap<&str, &str> = names
                .iter()
                .zip(&texts)
                .filter(|(_, c)| !c.is_null(i))
                .map(|(n, c)| (*n, c.value(i)))
                .collect();
            if matches(&row) {
                out.push(
                    row.into_iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                );
            }
        }
    }
    Ok(out)
}

fn holds(row: &BTreeMap<&str, &str>, p: &str, keys: &HashSet<String>) -> bool {
    row.iter().any(|(k, v)| {
        (k.contains("pseudoniem") && *v == p)
            || (*k == "record_key"
                && (v.split([':', '#']).any(|part| part == p) || keys.contains(*v)))
    })
}

/// Collects the report for the person an access request's grant names; the report's making is
/// logged with the person's pseudonym.
pub fn report(
    project: &mut Project,
    grant: &Grant,
    indicatoren: Vec<IndicatorUitleg>,
) -> Result<Inzage> {
    let Some(p) = grant.pseudonyms().first().cloned() else {
        anyhow::bail!("an access request names one person");
    };
    let started = clock::now();
    let conn = project.conn();

    // Records of other sources linked to this person by name and date of birth.
    let mut linked: BTreeMap<String, (HashSet<String>, String)> = BTreeMap::new();
    if let Some(k) = catalog::current_koppeling(conn)? {
        for_each_row(
            &project.layout.dir.join(&k.pad_personen),
            &[
                "bron",
                "record_key",
                "pseudoniem",
                "kans",
                "methode",
                "status",
            ],
            |r| {
                if r[2] == Some(p.as_str()) {
                    let e = linked
                        .entry(r[0].unwrap_or_default().to_string())
                        .or_insert_with(|| (HashSet::new(), String::new()));
                    e.0.insert(r[1].unwrap_or_default().to_string());
                    e.1 = format!(
                        "gekoppeld op naam en geboortedatum ({}, kans {}, {})",
                        r[4].unwrap_or_default(),
                        r[3].unwrap_or_default(),
                        r[5].unwrap_or_default()
                    );
                }
                Ok(())
            },
        )?;
    }

    let mut bronnen = Vec::new();
    let vault = loep_vault::Vault::open(&project.layout)?;
    let snapshots: Vec<catalog::Snapshot> = loep_contract::TABLES
        .iter()
        .filter_map(|t| catalog::current_snapshot(conn, t.name).transpose())
        .collect::<Result<_>>()?;
    let empty = HashSet::new();
    for s in &snapshots {
        let partner = Table::by_name(&s.tabel)
            .map(|t| t.partner.as_str().to_string())
            .unwrap_or_default();
        let (keys, via_link) = linked
            .get(&s.tabel)
            .map(|(k, v)| (k, v.clone()))
            .unwrap_or((&empty, String::new()));
        let rows = matching_rows(&project.layout.dir.join(&s.pad), |row| holds(row, &p, keys))?;
        if !rows.is_empty() {
            let via = if keys.is_empty() {
                "pseudoniem".to_string()
            } else {
                format!("pseudoniem of {via_link}")
            };
            bronnen.push(Bron {
                tabel: s.tabel.clone(),
                partner: partner.clone(),
                snapshot_id: s.snapshot_id.clone(),
                opslag: "analyse".to_string(),
                via,
                rijen: rows,
            });
        }
        if let Some(file) = vault.file(&s.snapshot_id, loep_vault::format::Soort::Identiteit)? {
            let rows = matching_rows(&project.layout.dir.join(file), |row| holds(row, &p, keys))?;
            if !rows.is_empty() {
                bronnen.push(Bron {
                    tabel: s.tabel.clone(),
                    partner,
                    snapshot_id: s.snapshot_id.clone(),
                    opslag: "kluis".to_string(),
                    via: "pseudoniem".to_string(),
                    rijen: rows,
                });
            }
        }
    }
    let identiteit = loep_vault::identities(project, grant)?
        .pop()
        .unwrap_or_default();

    let signalen = loep_store::scan::signals_of_person(project.conn(), &p)?
        .into_iter()
        .map(|s| SignaalRegel {
            signaal: s.id(),
            indicator: s.indicator,
            versie: s.versie,
            thema: s.thema,
            vbo_id: s.vbo_id,
            uitleg: s.uitleg,
            feiten: serde_json::to_value(&s.feiten).unwrap_or(serde_json::Value::Null),
        })
        .collect();
    let verwerkingen = log::records(project.conn())?
        .into_iter()
        .filter(|r| r.data_subject_id.as_deref() == Some(p.as_str()))
        .map(|r| Verwerking {
            tijdstip: r.start_time,
            handeling: r.name,
            status: r.status_code,
            kenmerken: serde_json::from_str(&r.attributes).unwrap_or(serde_json::Value::Null),
        })
        .collect();
    let c = &project.config;
    let t = &c.bewaartermijnen;
    let inzage = Inzage {
        project: c.naam.clone(),
        doel: c.doel.clone(),
        grondslag: c.grondslag.clone(),
        gebied: c.gebied.clone(),
        periode: format!("{} tot en met {}", c.periode.van, c.periode.tot),
        opgesteld: started.clone(),
        pseudoniem: p.clone(),
        identiteit,
        bronnen,
        signalen,
        verwerkingen,
        indicatoren,
        bewaartermijnen: format!(
            "Identiteitsgegevens van personen zonder signaal worden uiterlijk {} dagen na het einde van het project vernietigd; signalen die niet tot een zaak leiden na {} dagen; zaken na {} jaar.",
            t.identiteiten_na_einde_dagen, t.signalen_dagen, t.zaken_jaren
        ),
    };
    let rec = LogRecord::new("inzage", &started, &clock::now())
        .with_subject(p)
        .with_attr("bronnen", inzage.bronnen.len() as u64)
        .with_attr("signalen", inzage.signalen.len() as u64);
    project.log(rec)?;
    Ok(inzage)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The report as a standalone HTML page, in Dutch.
pub fn to_html(r: &Inzage) -> String {
    let mut h = String::new();
    let naam = [
        r.identiteit.voornamen.as_deref(),
        r.identiteit.voorvoegsel.as_deref(),
        r.identiteit.geslachtsnaam.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    h.push_str("<!doctype html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str(&format!(
        "<title>Inzage persoonsgegevens – {}</title>\n",
        esc(&r.project)
    ));
    h.push_str("<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left;vertical-align:top}caption{text-align:left;font-weight:bold}</style>\n</head>\n<body>\n<main>\n");
    h.push_str("<h1>Inzage: welke gegevens dit project over u verwerkt</h1>\n");
    h.push_str(&format!(
        "<p>Project <strong>{}</strong> ({}), gebied {}. Doel: {} Wettelijke grondslag: {}.</p>\n",
        esc(&r.project),
        esc(&r.periode),
        esc(&r.gebied.join(", ")),
        esc(&r.doel),
        esc(&r.grondslag)
    ));
    h.push_str(&format!(
        "<p>Opgesteld op {}. Binnen het project heet u <code>{}</code> (een pseudoniem: analisten zien uw naam en BSN niet).</p>\n",
        esc(&r.opgesteld),
        esc(&r.pseudoniem)
    ));
    h.push_str("<h2>Uw identiteit</h2>\n<table><tbody>\n");
    for (k, v) in [
        ("Naam", Some(naam.as_str()).filter(|s| !s.is_empty())),
        ("Geboortedatum", r.identiteit.geboortedatum.as_deref()),
        ("BSN", r.identiteit.bsn.as_deref()),
    ] {
        h.push_str(&format!(
            "<tr><th scope=\"row\">{k}</th><td>{}</td></tr>\n",
            esc(v.unwrap_or("niet in het project"))
        ));
    }
    h.push_str("</tbody></table>\n");
    h.push_str("<h2>Gegevens per bron</h2>\n");
    if r.bronnen.is_empty() {
        h.push_str("<p>Het project heeft geen gegevens van partners over u.</p>\n");
    }
    for b in &r.bronnen {
        let opslag = if b.opslag == "kluis" {
            "identiteitskluis"
        } else {
            "analysegegevens (gepseudonimiseerd)"
        };
        h.push_str(&format!(
            "<table><caption>{} van {} – {} (levering {}; gevonden via {})</caption>\n<thead><tr><th>veld</th><th>waarde</th></tr></thead><tbody>\n",
            esc(&b.tabel),
            esc(&b.partner),
            opslag,
            esc(&b.snapshot_id),
            esc(&b.via)
        ));
        for (i, row) in b.rijen.iter().enumerate() {
            if b.rijen.len() > 1 {
                h.push_str(&format!(
                    "<tr><th colspan=\"2\">regel {}</th></tr>\n",
                    i + 1
                ));
            }
            for (k, v) in row {
                h.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td></tr>\n",
                    esc(k),
                    esc(v)
                ));
            }
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("<h2>Signalen over u</h2>\n");
    if r.signalen.is_empty() {
        h.push_str(
            "<p>Geen enkele indicator heeft een signaal gegeven waarbij u betrokken bent.</p>\n",
        );
    } else {
        h.push_str("<p>Een signaal is een reden om te kijken, nooit een besluit. U kunt een signaal betwisten: de uitleg noemt de feiten en de grenzen waarop het berust.</p>\n<table><thead><tr><th>signaal</th><th>indicator</th><th>thema</th><th>adres (BAG)</th><th>uitleg</th></tr></thead><tbody>\n");
        for s in &r.signalen {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{} (versie {})</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                esc(&s.signaal),
                esc(&s.indicator),
                s.versie,
                esc(&s.thema),
                esc(&s.vbo_id),
                esc(&s.uitleg)
            ));
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("<h2>Verwerkingen van uw gegevens</h2>\n");
    if r.verwerkingen.is_empty() {
        h.push_str("<p>Het verwerkingslog bevat geen regels met uw pseudoniem. Verwerkingen van een hele levering staan in het log op naam van die levering.</p>\n");
    } else {
        h.push_str("<table><thead><tr><th>tijdstip</th><th>handeling</th><th>status</th><th>kenmerken</th></tr></thead><tbody>\n");
        for v in &r.verwerkingen {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>\n",
                esc(&v.tijdstip),
                esc(&v.handeling),
                esc(&v.status),
                esc(&v.kenmerken.to_string())
            ));
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("<h2>De indicatoren van dit project</h2>\n<p>Dit zijn alle indicatoren die het project mag gebruiken. De volledige catalogus met regels, drempels en onderbouwing is openbaar.</p>\n<dl>\n");
    for i in &r.indicatoren {
        h.push_str(&format!(
            "<dt><strong>{}</strong> (versie {}, {}): {}</dt><dd>{}</dd>\n",
            esc(&i.code),
            i.versie,
            esc(&i.thema),
            esc(&i.titel),
            esc(&i.beschrijving)
        ));
    }
    h.push_str("</dl>\n");
    h.push_str(&format!(
        "<h2>Bewaartermijnen en uw rechten</h2>\n<p>{}</p>\n<p>U kunt onjuiste gegevens laten verbeteren bij de bron (de partner die ze leverde) en bezwaar maken tegen een signaal bij de projectleider. De functionaris gegevensbescherming ziet toe op dit project.</p>\n",
        esc(&r.bewaartermijnen)
    ));
    h.push_str("</main>\n</body>\n</html>\n");
    h
}
