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

/// `loep log verify`: checks the hash chain and the vault's copy of its head.
pub fn verify(session: &Session) -> Result<Verification> {
    session.authorize(Actie::LogControleren)?;
    let head = crate::session::vault_head(&session.project)?;
    Ok(loep_store::log::verify(session.project.conn(), head)?)
}

/// `loep log export`: the whole log in `format`, with the number of records; refused when the
/// chain is broken, so that an auditor never receives a log that was changed.
pub fn export(session: &Session, format: Format) -> Result<(String, usize)> {
    session.authorize(Actie::LogExporteren)?;
    let head = crate::session::vault_head(&session.project)?;
    let v = loep_store::log::verify(session.project.conn(), head)?;
    if !v.intact() {
        return Err(AppError::conflict(format!(
            "the processing log was tampered with ({}); `loep log verify` lists the problems. Nothing was exported.",
            v.problems.join("; ")
        )));
    }
    let records = loep_store::log::records(session.project.conn())?;
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
