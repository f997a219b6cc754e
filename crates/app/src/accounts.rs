//! The project's accounts, and the audit trail of what happened to them.

use loep_contract::Partner;
use loep_store::auth::{self, Account, Actie, Object, Rol};

pub use loep_store::audit::AuditRecord;
pub use loep_store::auth::{AccountStatus, Rol as Role};

use crate::error::{AppError, Result};
use crate::session::Session;

/// Parses a role as a person types it.
pub fn parse_role(rol: &str) -> Result<Rol> {
    Ok(Rol::parse(rol)?)
}

/// Parses a partner organisation as a person types it.
pub fn parse_partner(organisatie: &str) -> Result<Partner> {
    Partner::parse(organisatie.trim())
        .map_err(|e| AppError::invalid_in(&["organisatie"], format!("organisatie: {e}")))
}

/// `loep user add` (beheerder). Key holders and privacy officers wait for a privacy officer's
/// confirmation before they can act.
pub fn add(
    session: &mut Session,
    naam: &str,
    rol: Rol,
    organisatie: Option<Partner>,
    password: &str,
) -> Result<Account> {
    session.authorize_on(Actie::GebruikersBeheren, Object::Account { naam })?;
    let tx = session.project.begin()?;
    let account = auth::add_account(&tx, Some(&session.user), naam, rol, organisatie, password)?;
    tx.commit()?;
    Ok(account)
}

/// `loep user wachtwoord` and the browser's password form: the logged-in account changes its
/// own password (the current one must be right). Its open web sessions end.
pub fn change_password(session: &mut Session, current: &str, new: &str) -> Result<()> {
    let tx = session.project.begin()?;
    auth::change_password(&tx, &session.user, current, new)?;
    tx.commit()?;
    Ok(())
}

/// `loep user list`.
pub fn list(session: &Session) -> Result<Vec<Account>> {
    session.authorize(Actie::GebruikersBekijken)?;
    Ok(auth::accounts(session.project.db())?)
}

/// `loep user disable` (another beheerder).
pub fn disable(session: &mut Session, naam: &str) -> Result<()> {
    session.authorize_on(Actie::GebruikersBeheren, Object::Account { naam })?;
    let tx = session.project.begin()?;
    auth::disable_account(&tx, &session.user, naam)?;
    tx.commit()?;
    Ok(())
}

/// `loep user enable` (another beheerder).
pub fn enable(session: &mut Session, naam: &str) -> Result<()> {
    session.authorize_on(Actie::GebruikersBeheren, Object::Account { naam })?;
    let tx = session.project.begin()?;
    auth::enable_account(&tx, &session.user, naam)?;
    tx.commit()?;
    Ok(())
}

/// `loep user confirm` (privacy officer): a key holder or privacy officer account may act.
pub fn confirm(session: &mut Session, naam: &str) -> Result<()> {
    session.authorize(Actie::GebruikersBevestigen)?;
    let tx = session.project.begin()?;
    auth::confirm_account(&tx, &session.user, naam)?;
    tx.commit()?;
    Ok(())
}

/// `loep user audit` (privacy officer): who created, disabled, confirmed or locked which
/// account, and every failed login.
pub fn audit(session: &Session) -> Result<Vec<AuditRecord>> {
    session.authorize(Actie::AuditBekijken)?;
    Ok(loep_store::audit::records(session.project.db())?)
}

/// Checks a new account's name and password before anything is created.
pub fn check_new(naam: &str, password: &str) -> Result<()> {
    Ok(auth::check_new_account(naam, password)?)
}
