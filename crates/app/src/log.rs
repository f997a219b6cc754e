//! The processing log: verifying the chain, and exporting it for auditors.

use loep_store::auth::Actie;

pub use loep_store::log::Verification;

use crate::error::{AppError, Result};
use crate::session::Session;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON lines with the Logboek Dataverwerkingen fields.
    Jsonl,
    /// OTLP/JSON spans (an ExportTraceServiceRequest).
    Otlp,
}

/// What `loep log verify` found.
pub struct Checked {
    pub verification: Verification,
    /// The head as the privacy officer keeps it (`N:HASH:SIGNATURE`), for `--sinds` later.
    pub signed_head: Option<String>,
    /// An integrity alarm that stands until the privacy officer handles it.
    pub alarm: Option<String>,
}

/// `loep log verify`: checks the whole chain with the project's key, the vault's copy of its
/// head, the head a writer verified last and, with `sinds`, a signed head kept earlier: each
/// must still be in the chain, so that removing or rewriting records is found even after new
/// ones were added. Also lists rows that grant access and were changed outside loep.
pub fn verify(session: &Session, sinds: Option<&str>) -> Result<Checked> {
    session.authorize(Actie::LogControleren)?;
    let p = &session.project;
    let mut known: Vec<(i64, String)> = p.verified_head()?.into_iter().collect();
    if let Some(token) = sinds {
        known.push(p.check_signed_head(token).map_err(|e| {
            // What was typed is the user's; a fault of the project (no key) is not.
            let e = AppError::from(e);
            match e.kind {
                crate::Kind::Invalid => {
                    AppError::invalid_in(&["sinds"], format!("de bewaarde kop: {}", e.message()))
                }
                _ => e,
            }
        })?);
    }
    let mut v = loep_store::log::verify(p.db(), crate::session::vault_head(p)?, &known)?;
    v.problems
        .extend(loep_store::integrity::tampered_rows(p.db())?);
    v.problems
        .extend(loep_store::integrity::tampered_decisions(p.db())?);
    // The signals too: identities are asked for by them (checked again at every use).
    v.problems
        .extend(loep_store::scan::tampered_signals(p.db())?);
    // Each run against its certificate, and each certificate against the log's record of
    // its scan.
    v.problems
        .extend(loep_store::certificaat::problems(p.db(), true)?);
    // And the access state as a whole against its anchor (older copies of rows, rollbacks)
    // and against the log's last record of it.
    v.problems.extend(p.access_problems()?);
    v.problems.extend(p.logged_access_problems()?);
    Ok(Checked {
        signed_head: p.signed_head().ok(),
        alarm: loep_store::integrity::alarm(&p.layout)?,
        verification: v,
    })
}

/// `loep log herstel` (privacy officer): records in the log that the alarm was looked into,
/// with the reason, and lets processing resume from the current head.
pub fn acknowledge(
    dir: &std::path::Path,
    naam: &str,
    password: &str,
    reden: &str,
) -> Result<Vec<String>> {
    let mut session = crate::session::login_despite_alarm(dir, naam, password)?;
    session.authorize(Actie::LogExporteren)?;
    if reden.trim().chars().count() < 20 {
        return Err(AppError::invalid_in(
            &["reden"],
            "zeg in de reden in ten minste 20 tekens wat er is gevonden en wat ermee is gedaan",
        ));
    }
    Ok(session.project.acknowledge_alarm(reden.trim())?)
}

/// `loep log export`: the whole log in `format`, with the number of records; refused when the
/// chain is broken, so that an auditor never receives a log that was changed.
pub fn export(session: &Session, format: Format) -> Result<(String, usize)> {
    session.authorize(Actie::LogExporteren)?;
    let v = verify_for_export(session)?;
    if !v.intact() {
        return Err(AppError::alarm(
            crate::Kind::Conflict,
            format!(
                "het verwerkingslog is buiten loep om gewijzigd ({}). Er is niets geëxporteerd.",
                v.problems.join("; ")
            ),
        ));
    }
    let records = loep_store::log::records(session.project.db())?;
    let text = match format {
        Format::Jsonl => {
            let mut t = String::new();
            for r in &records {
                t.push_str(&loep_store::log::to_logboek_json(r).to_string());
                t.push('\n');
            }
            t
        }
        Format::Otlp => loep_store::log::to_otlp_json(&records).to_string() + "\n",
    };
    Ok((text, records.len()))
}

fn verify_for_export(session: &Session) -> Result<Verification> {
    let p = &session.project;
    let known: Vec<(i64, String)> = p.verified_head()?.into_iter().collect();
    let mut v = loep_store::log::verify(p.db(), crate::session::vault_head(p)?, &known)?;
    v.problems
        .extend(loep_store::integrity::tampered_rows(p.db())?);
    v.problems.extend(p.access_problems()?);
    Ok(v)
}

/// The signed head of the log, for the privacy officer to keep beside an export.
pub fn signed_head(session: &Session) -> Result<String> {
    session.authorize(Actie::LogExporteren)?;
    Ok(session.project.signed_head()?)
}

/// One record as the privacy officer browses it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Regel {
    pub seq: i64,
    pub tijdstip: String,
    pub naam: String,
    /// The kind of record in Dutch.
    pub wat: String,
    pub persoon: Option<String>,
    /// Its attributes as `label: value`.
    pub kenmerken: Vec<String>,
    /// For a record about a request for identities: who asked, and why.
    pub wie_waarom: Option<String>,
    pub gelukt: bool,
}

/// One page of [`browse`].
pub struct Bladzijde {
    pub regels: Vec<Regel>,
    pub meer: bool,
    /// The kinds of record in the log, to filter on: code and Dutch name.
    pub namen: Vec<(String, String)>,
}

/// The records per page of [`browse`].
pub const PER_PAGINA: usize = 100;

pub use loep_store::log::Filter;

use crate::inzage::labels;

/// The privacy officer browses the processing log: who was looked at, when and why,
/// filtered by person (pseudonym), kind and period, the newest first. A record about a
/// request for identities names who asked and why (from the request itself: the log keeps no
/// names).
pub fn browse(session: &Session, filter: &Filter, pagina: usize) -> Result<Bladzijde> {
    session.authorize(Actie::LogExporteren)?;
    // The days as the page shows times (Amsterdam), as bounds in UTC as the log writes them:
    // from the start of `van` up to the start of the day after `tot`.
    let start_of = |d: &str, extra: u64| -> Result<String> {
        let day = chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .ok()
            .filter(|day| day.format("%Y-%m-%d").to_string() == d.trim())
            .and_then(|day| day.checked_add_days(chrono::Days::new(extra)))
            .ok_or_else(|| AppError::invalid(format!("'{d}' is geen datum: geef JJJJ-MM-DD")))?;
        let local = day
            .and_hms_opt(0, 0, 0)
            .and_then(|t| {
                t.and_local_timezone(chrono_tz::Europe::Amsterdam)
                    .earliest()
            })
            .ok_or_else(|| AppError::invalid(format!("'{d}' is geen datum: geef JJJJ-MM-DD")))?;
        // Without a zone letter, so that a record at that very second with fractions
        // (`…T08:00:00.12Z`) sorts after the bound, as it is.
        Ok(local
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string())
    };
    let bounded = Filter {
        persoon: filter.persoon.clone(),
        naam: filter.naam.clone(),
        van: filter.van.as_deref().map(|d| start_of(d, 0)).transpose()?,
        tot: filter.tot.as_deref().map(|d| start_of(d, 1)).transpose()?,
    };
    let pagina = pagina.clamp(1, 1_000_000);
    let conn = session.project.db();
    let (records, meer) =
        loep_store::log::browse(conn, &bounded, (pagina - 1) * PER_PAGINA, PER_PAGINA)?;
    // Records of reviews name their accounts by a keyed fingerprint: the privacy officer
    // reads the account's name (the log itself holds none).
    let accounts: std::collections::HashMap<String, String> =
        if records.iter().any(|r| r.attributes.contains("\"account\"")) {
            loep_store::auth::accounts(conn)?
                .into_iter()
                .map(|a| Ok((loep_store::log::account_fingerprint(conn, &a.naam)?, a.naam)))
                .collect::<anyhow::Result<_>>()?
        } else {
            std::collections::HashMap::new()
        };
    let regels = records
        .into_iter()
        .map(|r| {
            let attrs: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&r.attributes).unwrap_or_default();
            let wie_waarom = attrs
                .get("onthulling")
                .and_then(|v| v.as_str())
                .and_then(|id| loep_store::reveal::get(conn, id).ok())
                .map(|o| format!("aangevraagd door {}: {}", o.aanvrager, o.reden));
            Regel {
                seq: r.seq,
                tijdstip: crate::nl::tijdstip(&r.start_time),
                wat: labels::action_name(&r.name),
                naam: r.name,
                persoon: r.data_subject_id,
                kenmerken: attrs
                    .iter()
                    .map(|(k, v)| {
                        let v = match v {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        let v = match k.as_str() {
                            loep_store::log::DOOR_ORGANISATIE | "organisatie" => {
                                organisatie(session, &v)
                            }
                            "account" => accounts
                                .get(&v)
                                .cloned()
                                .unwrap_or_else(|| "een account dat niet meer bestaat".to_string()),
                            other => labels::log_value(other, &v),
                        };
                        format!("{}: {v}", labels::log_attribute(k))
                    })
                    .collect(),
                wie_waarom,
                gelukt: r.status_code != "STATUS_CODE_ERROR",
            }
        })
        .collect();
    Ok(Bladzijde {
        regels,
        meer,
        namen: loep_store::log::names(conn)?
            .into_iter()
            .map(|n| {
                let l = labels::action_name(&n);
                (n, l)
            })
            .collect(),
    })
}

/// An organisation a record names (see [`labels::organisation`]).
fn organisatie(session: &Session, code: &str) -> String {
    let project = session
        .project
        .config
        .publicatie
        .organisatie
        .as_deref()
        .unwrap_or("het projectteam");
    labels::organisation(code, project)
}
