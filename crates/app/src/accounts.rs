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
    Partner::parse(organisatie.trim()).map_err(|e| AppError::invalid(format!("--organisatie: {e}")))
}

/// `loep user add` (beheerder). Key holders and privacy officers wait for a privacy officer's
/// confirmation before they can act.
pub fn add(
    session: &Session,
    naam: &str,
    rol: Rol,
    organisatie: Option<Partner>,
    password: &str,
) -> Result<Account> {
    session.authorize_on(Actie::GebruikersBeheren, Object::Gebruiker { naam })?;
    Ok(auth::add_user(
        session.project.conn(),
        Some(&session.user),
        naam,
        rol,
        organisatie,
        password,
    )?)
}

/// `loep user list`.
pub fn list(session: &Session) -> Result<Vec<Account>> {
    session.authorize(Actie::GebruikersBekijken)?;
    Ok(auth::users(session.project.conn())?)
}

/// `loep user disable` (another beheerder).
pub fn disable(session: &Session, naam: &str) -> Result<()> {
    session.authorize_on(Actie::GebruikersBeheren, Object::Gebruiker { naam })?;
    Ok(auth::disable_user(
        session.project.conn(),
        &session.user,
        naam,
    )?)
}

/// `loep user enable` (another beheerder).
pub fn enable(session: &Session, naam: &str) -> Result<()> {
    session.authorize_on(Actie::GebruikersBeheren, Object::Gebruiker { naam })?;
    Ok(auth::enable_user(
        session.project.conn(),
        &session.user,
        naam,
    )?)
}

/// `loep user confirm` (privacy officer): a key holder or privacy officer account may act.
pub fn confirm(session: &Session, naam: &str) -> Result<()> {
    session.authorize(Actie::GebruikersBevestigen)?;
    Ok(auth::confirm_user(
        session.project.conn(),
        &session.user,
        naam,
    )?)
}

/// `loep user audit` (privacy officer): who created, disabled, confirmed or locked which
/// account, and every failed login.
pub fn audit(session: &Session) -> Result<Vec<AuditRecord>> {
    session.authorize(Actie::AuditBekijken)?;
    Ok(loep_store::audit::records(session.project.conn())?)
}

/// Checks a new account's name and password before anything is created.
pub fn check_new(naam: &str, password: &str) -> Result<()> {
    Ok(auth::check_new_account(naam, password)?)
}
