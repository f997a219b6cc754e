//! The register's records in the processing log.

use anyhow::Result;
use loep_store::auth::ActingAccount;
use loep_store::log::LogRecord;
use loep_store::{TxDb, clock};

/// One record per person of the case (the standard asks for a line per data subject), in the
/// caller's transaction; no account names in the log.
pub(super) fn log_step(
    tx: &TxDb,
    user: &ActingAccount,
    project_activity: &str,
    name: &str,
    zaak: &str,
    personen: &[String],
    attrs: &[(&str, String)],
) -> Result<()> {
    let now = clock::now();
    let trace = loep_store::log::new_trace_id();
    let subjects: Vec<Option<&String>> = if personen.is_empty() {
        vec![None]
    } else {
        personen.iter().map(Some).collect()
    };
    for p in subjects {
        let mut rec = LogRecord::new(name, &now, &now)
            .with_attr("zaak", zaak.to_string())
            .by(user);
        for (k, v) in attrs {
            rec = rec.with_attr(k, v.clone());
        }
        if let Some(p) = p {
            rec = rec.with_subject(p.clone());
        }
        rec.trace_id = trace.clone();
        loep_store::log::append(tx, project_activity, rec)?;
    }
    Ok(())
}
