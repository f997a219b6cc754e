//! A resident's access request (AVG art. 15): everything the project holds about one person,
//! per source and field, every signal that involved them with its explanation, and every
//! processing-log record with their pseudonym, in Dutch, as JSON. The application core turns it
//! into the letter the resident reads (HTML and PDF).
//!
//! Only rows about the person are in it: a row of another person in which they are named (as
//! fiscal or allowance partner, say) belongs to that other person, and the report says only
//! that they are named there (`vermeldingen`), not what else the row holds.

use anyhow::{Context, Result};
use arrow_array::{Array, ArrayRef, StringArray};
use arrow_schema::DataType;
use loep_contract::Table;
use loep_store::{LogRecord, Project, clock, deliveries, log};
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
    pub thema: loep_contract::Thema,
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

/// The person is named in other persons' rows of a source, as `veld` (a partner column): the
/// rows themselves are those persons' data and stay out of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Vermelding {
    pub tabel: String,
    pub partner: String,
    /// The analysis column that names the person (`fiscaal_partner_pseudoniem`, …).
    pub veld: String,
    pub rijen: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignaalRegel {
    pub signaal: String,
    pub indicator: String,
    pub versie: i64,
    pub thema: loep_contract::Thema,
    pub vbo_id: loep_contract::BagId,
    /// How many persons the signal involves, the resident included.
    pub personen: usize,
    /// The explanation and the facts; when the signal involves others as well, a sentence
    /// saying so instead and no facts: they may be about the others (a co-resident's income,
    /// a landlord's houses), which one person's access request does not give.
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
    /// Where the person is named in another person's rows.
    pub vermeldingen: Vec<Vermelding>,
    pub signalen: Vec<SignaalRegel>,
    pub verwerkingen: Vec<Verwerking>,
    pub indicatoren: Vec<IndicatorUitleg>,
    pub bewaartermijnen: String,
}

/// Every row of a Parquet file whose `matches` says so, all columns as text.
fn matching_rows(
    path: &Path,
    mut matches: impl FnMut(&BTreeMap<&str, &str>) -> bool,
) -> Result<Vec<BTreeMap<String, String>>> {
    let file = File::open(path).with_context(|| format!("{} ontbreekt", path.display()))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("{} is geen leesbaar Parquet-bestand", path.display()))?;
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
            .map(|a| {
                a.as_any()
                    .downcast_ref::<StringArray>()
                    .context("geen tekst")
            })
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

/// Whether a pseudonym column names the row's own subject (`pseudoniem`, an owner's
/// `eigenaar_pseudoniem`) rather than another person beside them (a partner column).
fn names_subject(column: &str) -> bool {
    column.contains("pseudoniem") && !column.contains("partner")
}

/// Whether the row is about the person: their pseudonym as its subject, or its `record_key`
/// theirs or linked to them.
fn holds(row: &BTreeMap<&str, &str>, p: &str, keys: &HashSet<String>) -> bool {
    row.iter().any(|(k, v)| {
        (names_subject(k) && *v == p)
            || (*k == "record_key"
                && (v.split([':', '#']).any(|part| part == p) || keys.contains(*v)))
    })
}

/// The partner columns of a row of another person that name the person.
fn mentions<'r>(row: &BTreeMap<&'r str, &str>, p: &str) -> Vec<&'r str> {
    row.iter()
        .filter(|(k, v)| k.contains("pseudoniem") && !names_subject(k) && **v == p)
        .map(|(k, _)| *k)
        .collect()
}

/// Collects the report for the person an access request's grant names; the report's making is
/// logged with the person's pseudonym.
pub fn report(
    project: &mut Project,
    grant: &Grant,
    indicatoren: Vec<IndicatorUitleg>,
) -> Result<Inzage> {
    let Some(p) = grant.pseudonyms().first().cloned() else {
        anyhow::bail!("een inzageverzoek gaat over één persoon");
    };
    let started = clock::now();
    let linked = linked_records(project, &p)?;
    let (bronnen, vermeldingen) = sources(project, &p, &linked)?;
    let identiteit = loep_vault::identities(project, grant)?
        .pop()
        .unwrap_or_default();
    let signalen = signals(project, &p)?;
    let verwerkingen = processing(project, &p)?;
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
        vermeldingen,
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
        .with_attr("signalen", inzage.signalen.len() as u64)
        // Only accounts of the project's own team may answer an access request.
        .with_attr(loep_store::log::DOOR_ORGANISATIE, loep_store::log::PROJECT);
    project.log(rec)?;
    Ok(inzage)
}

/// Records of other sources linked to person `p` by name and date of birth, per source: their
/// record keys, and how they were linked in words.
type Linked = BTreeMap<String, (HashSet<String>, String)>;

/// The records of other sources linked to person `p` (see [`Linked`]).
fn linked_records(project: &Project, p: &str) -> Result<Linked> {
    let conn = project.db();
    let mut linked: Linked = BTreeMap::new();
    if let Some(k) = deliveries::current_koppeling(conn)? {
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
                // Only links at or above the match threshold: a review candidate may be
                // another person, whose record must not reach this person's report.
                if r[2] == Some(p) && r[5] == Some("gekoppeld") {
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
    Ok(linked)
}

/// Person `p`'s rows in every current snapshot (analysis store and vault), and per table and
/// field how many rows of other persons name them.
fn sources(project: &Project, p: &str, linked: &Linked) -> Result<(Vec<Bron>, Vec<Vermelding>)> {
    let conn = project.db();
    let mut bronnen = Vec::new();
    let mut vermeldingen: BTreeMap<(String, String), u64> = BTreeMap::new();
    let vault = loep_vault::Vault::open(&project.layout)?;
    let snapshots: Vec<deliveries::Snapshot> = loep_contract::TABLES
        .iter()
        .filter_map(|t| deliveries::current_snapshot(conn, t.name).transpose())
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
        let mut named = Vec::new();
        let rows = matching_rows(&project.layout.dir.join(&s.pad), |row| {
            if holds(row, p, keys) {
                return true;
            }
            named.extend(mentions(row, p).into_iter().map(str::to_string));
            false
        })?;
        for veld in named {
            *vermeldingen.entry((s.tabel.clone(), veld)).or_default() += 1;
        }
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
            let rows = matching_rows(&project.layout.dir.join(file), |row| holds(row, p, keys))?;
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
    let vermeldingen = vermeldingen
        .into_iter()
        .map(|((tabel, veld), rijen)| Vermelding {
            partner: Table::by_name(&tabel)
                .map(|t| t.partner.as_str().to_string())
                .unwrap_or_default(),
            tabel,
            veld,
            rijen,
        })
        .collect();
    Ok((bronnen, vermeldingen))
}

/// The signals person `p` is involved in; the facts only of those about them alone.
fn signals(project: &Project, p: &str) -> Result<Vec<SignaalRegel>> {
    Ok(loep_store::scan::signals_of_person(project.db(), p)?
        .into_iter()
        .map(|s| {
            let signaal = s.id();
            let personen = s.pseudoniemen.len().max(1);
            let (uitleg, feiten) = if personen > 1 {
                (
                    format!(
                        "Bij dit signaal zijn ook {} andere persoon/personen betrokken; de feiten kunnen over hen gaan en worden daarom hier niet getoond.",
                        personen - 1
                    ),
                    serde_json::Value::Null,
                )
            } else {
                (
                    s.uitleg,
                    serde_json::to_value(&s.feiten).unwrap_or(serde_json::Value::Null),
                )
            };
            SignaalRegel {
                signaal,
                indicator: s.indicator,
                versie: s.versie,
                thema: s.thema,
                vbo_id: s.vbo_id,
                personen,
                uitleg,
                feiten,
            }
        })
        .collect())
}

/// The processing log's records about person `p`, without what is not theirs.
fn processing(project: &Project, p: &str) -> Result<Vec<Verwerking>> {
    Ok(log::records(project.db())?
        .into_iter()
        .filter(|r| r.data_subject_id.as_deref() == Some(p))
        .map(|r| Verwerking {
            tijdstip: r.start_time,
            handeling: r.name,
            status: r.status_code,
            kenmerken: {
                let mut k: serde_json::Value =
                    serde_json::from_str(&r.attributes).unwrap_or(serde_json::Value::Null);
                // Not the resident's: an account's fingerprint, an API key's id, and another
                // source's record key (a review may have found it a namesake's).
                if let Some(o) = k.as_object_mut() {
                    for private in ["account", "api_sleutel", "record_key"] {
                        o.remove(private);
                    }
                }
                k
            },
        })
        .collect())
}
