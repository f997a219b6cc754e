//! Retention: destroying what the periods of `loep.toml` say is due, with a record of it.

use loep_store::Project;
use loep_store::auth::Actie;

pub use loep_vault::RetentionReport;

use crate::error::Result;
use crate::session::Session;

/// Enforces the periods on an open project (every command does so when it opens one): cases
/// past their archiefactiedatum first, then signals and identities (the vault keeps those of
/// persons in open cases).
pub(crate) fn enforce(project: &mut Project, dry_run: bool) -> Result<RetentionReport> {
    let zaken = if loep_zaken::retention::due(project.db())?.is_empty() {
        loep_zaken::retention::Vernietigd::default()
    } else {
        let activity = project.config.verwerkingsactiviteit_id.clone();
        let tx = project.begin()?;
        let v = loep_zaken::retention::destroy(&tx, &activity, dry_run)?;
        if !dry_run {
            tx.commit()?;
        }
        v
    };
    let since = (loep_store::clock::now_utc()
        - chrono::Duration::days(
            i64::from(project.config.bewaartermijnen.zaken_jaren.max(1)) * 365,
        ))
    .format("%Y-%m-%d")
    .to_string();
    let in_open_cases = loep_zaken::register::persons_in_open_cases(project.db(), &since)?;
    let closed = match loep_store::retention::last_identities_destruction(project.db())? {
        Some(t) => loep_zaken::register::closed_since(project.db(), &t)?,
        None => false,
    };
    if !dry_run {
        loep_store::apisleutel::purge_answers(project.db(), loep_store::clock::now_utc())?;
    }
    let mut report = loep_vault::enforce_retention(project, dry_run, &in_open_cases, closed)?;
    if !zaken.zaken.is_empty() {
        report.zaken_sha256 = Some(zaken.sha256);
        report.zaken = zaken.zaken;
    }
    Ok(report)
}

/// Whether anything is due (a reader then takes the write lock to enforce it).
pub(crate) fn due(project: &Project) -> Result<bool> {
    Ok(
        loep_vault::retention_due(project)?
            || !loep_zaken::retention::due(project.db())?.is_empty(),
    )
}

/// `loep retention run`: destroys what is due (or, with `dry_run`, only counts it).
pub fn run(session: &mut Session, dry_run: bool) -> Result<RetentionReport> {
    session.authorize(Actie::BewaartermijnenHandhaven)?;
    enforce(&mut session.project, dry_run)
}
