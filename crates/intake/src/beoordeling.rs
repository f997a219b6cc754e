//! Clerical review of links by name (`beoordelen`): a pair between the review and the match
//! threshold is not a fact until two people have judged it. One (`KoppelingVoorstellen`, the
//! analist) proposes to link or not to link, on a ground from a fixed list; a second
//! (`KoppelingBevestigen`, the key holder: another role, so another person) confirms or turns
//! the proposal down. A confirmed decision holds for that pair (source, record, person) in
//! every later linkage run: linked as `beoordeeld`, or `verworpen`.
//!
//! The decisions live in the processing log, not in a table of their own: the log is
//! append-only, chained and keyed, so a decision cannot be forged, edited or removed without
//! the integrity check finding it; and each step is a record about the person it concerns
//! (their access letter names it). The records carry codes only, never free text, so the log
//! holds no names.

use anyhow::{Context, Result, bail};
use arrow_array::{Array, Float64Array, StringArray};
use loep_store::auth::{self, Actie, ActingAccount, Object};
use loep_store::log::StoredRecord;
use loep_store::{LogRecord, Project, clock, deliveries};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowPredicateFn, ParquetRecordBatchReaderBuilder, RowFilter};
use std::collections::BTreeMap;

/// The log records of a proposal and of its confirmation or refusal.
pub const VOORSTEL: &str = "beoordeling.voorstel";
pub const BEVESTIGD: &str = "beoordeling.bevestigd";
pub const AFGEWEZEN: &str = "beoordeling.afgewezen";

/// Link the pair, or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Besluit {
    Koppelen,
    NietKoppelen,
}

impl Besluit {
    pub fn code(self) -> &'static str {
        match self {
            Besluit::Koppelen => "koppelen",
            Besluit::NietKoppelen => "niet koppelen",
        }
    }

    fn parse(code: &str) -> Option<Besluit> {
        match code {
            "koppelen" => Some(Besluit::Koppelen),
            "niet koppelen" => Some(Besluit::NietKoppelen),
            _ => None,
        }
    }
}

/// The grounds a reviewer can give: the decision each belongs to, its code (in the log) and
/// its words. Fixed, so that the log never holds free text about a person.
pub const GRONDEN: [(Besluit, &str, &str); 6] = [
    (
        Besluit::Koppelen,
        "schrijfwijze",
        "Dezelfde persoon: de naam verschilt alleen in schrijfwijze, voorletters of een tikfout",
    ),
    (
        Besluit::Koppelen,
        "verhuisd",
        "Dezelfde persoon: het adres verschilt omdat de persoon verhuisde",
    ),
    (
        Besluit::Koppelen,
        "partner",
        "Dezelfde persoon: de partner die de gegevens leverde heeft het bevestigd",
    ),
    (
        Besluit::NietKoppelen,
        "naamgenoot",
        "Een andere persoon: een naamgenoot",
    ),
    (
        Besluit::NietKoppelen,
        "geboortedatum",
        "Een andere persoon: de geboortedatum verschilt echt",
    ),
    (
        Besluit::NietKoppelen,
        "onvoldoende",
        "Niet vast te stellen met deze gegevens: niet koppelen",
    ),
];

/// The words of ground `code`.
pub fn grond_tekst(code: &str) -> Option<&'static str> {
    GRONDEN.iter().find(|g| g.1 == code).map(|g| g.2)
}

/// A pair of the current linkage run that waits for review (or was reviewed).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Kandidaat {
    pub bron: String,
    pub record_key: String,
    pub pseudoniem: String,
    pub kans: f64,
    /// `beoordelen`, or after a confirmed review `gekoppeld` or `verworpen`.
    pub status: String,
    /// The record's address (the tenancy's dwelling, the registration's object), if known.
    pub vbo_id: Option<loep_contract::BagId>,
    /// The waterfall of match weights, a line per step (`comparison<TAB>level<TAB>weight`).
    pub uitleg: Option<String>,
}

/// The pair a review is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Paar {
    pub bron: String,
    pub record_key: String,
    pub pseudoniem: String,
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Stand {
    Open,
    Bevestigd,
    Afgewezen,
}

/// A proposal, as the log holds it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Voorstel {
    /// Its record's number in the log: the proposal's number.
    pub nr: i64,
    pub paar: Paar,
    pub besluit: Besluit,
    pub grond: String,
    pub tijdstip: String,
    pub stand: Stand,
    /// When it was confirmed or turned down.
    pub beoordeeld: Option<String>,
    /// The keyed fingerprints of the accounts that proposed and decided
    /// ([`loep_store::log::account_fingerprint`]).
    pub voorgesteld_door: String,
    pub beoordeeld_door: Option<String>,
    /// The decision record's number: a later one overrides an earlier one about the pair.
    pub besluit_nr: Option<i64>,
}

/// The pairs of the current linkage run reviewed or to review: those between the thresholds,
/// and those a review decided. None without a linkage run.
pub fn kandidaten(project: &Project) -> Result<Vec<Kandidaat>> {
    let Some(k) = deliveries::current_koppeling(project.db())? else {
        return Ok(Vec::new());
    };
    let path = project.layout.dir.join(&k.pad_personen);
    let file = std::fs::File::open(&path)
        .with_context(|| format!("kan de koppeling {} niet lezen", path.display()))?;
    // Only the rows under review or reviewed are decoded in full: the status and method are
    // read first (a national run holds millions of links, a handful of them doubtful).
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)?;
    let schema = builder.parquet_schema();
    let leaf = |name: &str| (0..schema.num_columns()).find(|&i| schema.column(i).name() == name);
    let (Some(status_at), Some(methode_at)) = (leaf("status"), leaf("methode")) else {
        bail!(
            "de koppeling {} mist de kolom status of methode",
            path.display()
        );
    };
    let mask = ProjectionMask::leaves(schema, [status_at, methode_at]);
    let wanted = ArrowPredicateFn::new(mask, |batch: arrow_array::RecordBatch| {
        let text = |name: &str| {
            batch
                .column_by_name(name)
                .and_then(|c| c.as_any().downcast_ref::<StringArray>())
                .cloned()
        };
        let (Some(status), Some(methode)) = (text("status"), text("methode")) else {
            return Err(arrow_schema::ArrowError::SchemaError(
                "status en methode zijn geen tekst".to_string(),
            ));
        };
        Ok((0..batch.num_rows())
            .map(|i| {
                Some(
                    status.value(i) == "beoordelen"
                        || status.value(i) == VERWORPEN
                        || methode.value(i) == METHODE,
                )
            })
            .collect::<arrow_array::BooleanArray>())
    });
    let reader = builder
        .with_row_filter(RowFilter::new(vec![Box::new(wanted)]))
        .build()?;
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch?;
        let text = |name: &str| -> Result<StringArray> {
            batch
                .column_by_name(name)
                .and_then(|c| c.as_any().downcast_ref::<StringArray>())
                .cloned()
                .with_context(|| format!("de koppeling {} mist de kolom {name}", path.display()))
        };
        let (bron, key, p, methode, status, uitleg) = (
            text("bron")?,
            text("record_key")?,
            text("pseudoniem")?,
            text("methode")?,
            text("status")?,
            text("uitleg")?,
        );
        // A run of an earlier release has no addresses.
        let vbo = batch
            .column_by_name("vbo_id")
            .and_then(|c| c.as_any().downcast_ref::<StringArray>())
            .cloned();
        let kans = batch
            .column_by_name("kans")
            .and_then(|c| c.as_any().downcast_ref::<Float64Array>())
            .cloned()
            .with_context(|| format!("de koppeling {} mist de kolom kans", path.display()))?;
        for i in 0..batch.num_rows() {
            let reviewed = methode.value(i) == METHODE || status.value(i) == VERWORPEN;
            if status.value(i) != "beoordelen" && !reviewed {
                continue;
            }
            out.push(Kandidaat {
                bron: bron.value(i).to_string(),
                record_key: key.value(i).to_string(),
                pseudoniem: p.value(i).to_string(),
                kans: kans.value(i),
                status: status.value(i).to_string(),
                // Written by the linkage from the contract's ids.
                vbo_id: vbo
                    .as_ref()
                    .filter(|v| !v.is_null(i) && !v.value(i).is_empty())
                    .map(|v| loep_contract::BagId::vbo(v.value(i)))
                    .transpose()
                    .with_context(|| format!("de koppeling {} is onleesbaar", path.display()))?,
                uitleg: (!uitleg.is_null(i)).then(|| uitleg.value(i).to_string()),
            });
        }
    }
    out.sort_by(|a, b| {
        b.kans
            .total_cmp(&a.kans)
            .then_with(|| a.record_key.cmp(&b.record_key))
    });
    Ok(out)
}

/// The method of a link a confirmed review made.
pub const METHODE: &str = "beoordeeld";
/// The status of a pair a confirmed review turned down.
pub const VERWORPEN: &str = "verworpen";

/// Every record of the reviews, oldest first, each checked against its keyed hash.
fn records(project: &Project) -> Result<Vec<StoredRecord>> {
    loep_store::log::records_named(project.db(), "beoordeling.")
}

/// Every proposal, oldest first, with where it stands.
pub fn voorstellen(project: &Project) -> Result<Vec<Voorstel>> {
    let mut out: Vec<Voorstel> = Vec::new();
    for r in records(project)? {
        let attrs: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&r.attributes).unwrap_or_default();
        let get = |k: &str| attrs.get(k).and_then(|v| v.as_str()).unwrap_or_default();
        if r.name == VOORSTEL {
            let Some(besluit) = Besluit::parse(get("besluit")) else {
                continue;
            };
            out.push(Voorstel {
                nr: r.seq,
                paar: Paar {
                    bron: get("bron").to_string(),
                    record_key: get("record_key").to_string(),
                    pseudoniem: r.data_subject_id.clone().unwrap_or_default(),
                },
                besluit,
                grond: get("grond").to_string(),
                tijdstip: r.start_time.clone(),
                stand: Stand::Open,
                beoordeeld: None,
                voorgesteld_door: get("account").to_string(),
                beoordeeld_door: None,
                besluit_nr: None,
            });
        } else if r.name == BEVESTIGD || r.name == AFGEWEZEN {
            let nr = attrs.get("voorstel").and_then(serde_json::Value::as_i64);
            if let Some(v) = out
                .iter_mut()
                .find(|v| Some(v.nr) == nr && v.stand == Stand::Open)
            {
                v.stand = if r.name == BEVESTIGD {
                    Stand::Bevestigd
                } else {
                    Stand::Afgewezen
                };
                v.beoordeeld = Some(r.start_time.clone());
                v.beoordeeld_door = Some(get("account").to_string());
                v.besluit_nr = Some(r.seq);
            }
        }
    }
    Ok(out)
}

/// The confirmed decisions, the latest per pair: what every linkage run applies.
pub fn besluiten(project: &Project) -> Result<BTreeMap<Paar, Besluit>> {
    let mut out = BTreeMap::new();
    let mut confirmed: Vec<Voorstel> = voorstellen(project)?
        .into_iter()
        .filter(|v| v.stand == Stand::Bevestigd)
        .collect();
    // In the log's order of the decisions: a later review of the same pair overrides.
    confirmed.sort_by_key(|v| v.besluit_nr);
    for v in confirmed {
        out.insert(v.paar, v.besluit);
    }
    Ok(out)
}

/// `user` proposes to link the pair (or not), on ground `grond`; the proposal waits for a
/// second person. Only a pair of the current linkage run between the thresholds, or one
/// reviewed before, can be proposed, and not while a proposal about it is open.
pub fn propose(
    project: &mut Project,
    user: &ActingAccount,
    paar: &Paar,
    besluit: Besluit,
    grond: &str,
) -> Result<i64> {
    auth::authorize(user, Actie::KoppelingVoorstellen, Object::Project)?;
    project.ensure_may_process()?;
    let Some((_, code, _)) = GRONDEN.iter().find(|g| g.0 == besluit && g.1 == grond) else {
        loep_store::invalid!(
            "'{grond}' is geen grond om te {}: kies er een uit de lijst",
            besluit.code()
        );
    };
    let known = kandidaten(project)?.into_iter().any(|k| {
        k.bron == paar.bron && k.record_key == paar.record_key && k.pseudoniem == paar.pseudoniem
    });
    if !known {
        loep_store::invalid!(
            "dit paar staat niet ter beoordeling in de huidige koppeling; vernieuw de pagina"
        );
    }
    if voorstellen(project)?
        .iter()
        .any(|v| v.paar == *paar && v.stand == Stand::Open)
    {
        loep_store::invalid!(
            "over dit paar staat al een voorstel open; dat wacht op een tweede beoordelaar"
        );
    }
    let account = loep_store::log::account_fingerprint(project.db(), user.naam())?;
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let now = clock::now();
    let tx = project.begin()?;
    let nr = loep_store::log::append(
        &tx,
        &activity,
        LogRecord::new(VOORSTEL, &now, &now)
            .with_subject(paar.pseudoniem.clone())
            .with_attr("bron", paar.bron.clone())
            .with_attr("record_key", paar.record_key.clone())
            .with_attr("besluit", besluit.code())
            .with_attr("grond", *code)
            .with_attr("account", account)
            .by(user),
    )?;
    tx.commit()?;
    Ok(nr)
}

/// A second person confirms proposal `nr` (or turns it down). The caller links anew after a
/// confirmation, so that it takes effect.
pub fn decide(
    project: &mut Project,
    user: &ActingAccount,
    nr: i64,
    bevestigen: bool,
) -> Result<Voorstel> {
    auth::authorize(user, Actie::KoppelingBevestigen, Object::Project)?;
    project.ensure_may_process()?;
    let Some(v) = voorstellen(project)?.into_iter().find(|v| v.nr == nr) else {
        loep_store::not_found!("er is geen voorstel {nr}");
    };
    if v.stand != Stand::Open {
        loep_store::invalid!("voorstel {nr} is al beoordeeld");
    }
    // A confirmation needs the pair's evidence: a pair the current run no longer holds can
    // only be turned down.
    if bevestigen
        && !kandidaten(project)?.iter().any(|k| {
            k.bron == v.paar.bron
                && k.record_key == v.paar.record_key
                && k.pseudoniem == v.paar.pseudoniem
        })
    {
        loep_store::invalid!(
            "het paar van voorstel {nr} staat niet meer in de huidige koppeling; u kunt het voorstel alleen afwijzen"
        );
    }
    // Four eyes: never the account that proposed, whatever roles it holds.
    let me = loep_store::log::account_fingerprint(project.db(), user.naam())?;
    if v.voorgesteld_door == me {
        loep_store::refused!("u deed voorstel {nr} zelf; een andere sleutelhouder beslist erover");
    }
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let now = clock::now();
    let tx = project.begin()?;
    loep_store::log::append(
        &tx,
        &activity,
        LogRecord::new(if bevestigen { BEVESTIGD } else { AFGEWEZEN }, &now, &now)
            .with_subject(v.paar.pseudoniem.clone())
            .with_attr("voorstel", nr)
            .with_attr("bron", v.paar.bron.clone())
            .with_attr("record_key", v.paar.record_key.clone())
            .with_attr("besluit", v.besluit.code())
            .with_attr("account", me.clone())
            .by(user),
    )?;
    let besluit_nr = loep_store::log::head(&tx)?.0;
    tx.commit()?;
    Ok(Voorstel {
        beoordeeld_door: Some(me),
        besluit_nr: Some(besluit_nr),
        stand: if bevestigen {
            Stand::Bevestigd
        } else {
            Stand::Afgewezen
        },
        beoordeeld: Some(now),
        ..v
    })
}

/// A digest of the confirmed decisions, so that a linkage run after a new one links anew.
pub fn besluiten_digest(decisions: &BTreeMap<Paar, Besluit>) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for (p, b) in decisions {
        h.update(format!(
            "{}\t{}\t{}\t{}\n",
            p.bron,
            p.record_key,
            p.pseudoniem,
            b.code()
        ));
    }
    hex::encode(h.finalize())
}
