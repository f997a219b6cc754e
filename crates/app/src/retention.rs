//! Retention: destroying what the periods of `loep.toml` say is due, with a record of it.

use loep_store::Project;
use loep_store::auth::Actie;

pub use loep_vault::RetentionReport;

use crate::error::Result;
use crate::session::Session;

/// Enforces the periods on an open project (every command does so when it opens one).
pub(crate) fn enforce(project: &mut Project, dry_run: bool) -> Result<RetentionReport> {
    Ok(loep_vault::enforce_retention(project, dry_run)?)
}

/// `loep retention run`: destroys what is due (or, with `dry_run`, only counts it).
pub fn run(session: &mut Session, dry_run: bool) -> Result<RetentionReport> {
    session.authorize(Actie::BewaartermijnenHandhaven)?;
    enforce(&mut session.project, dry_run)
}
