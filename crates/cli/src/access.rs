//! Who runs a command: every command on a project logs in with one of the project's accounts,
//! is checked against the authorisation table, and enforces the retention periods first.

use anyhow::{Context, Result, bail};
use loep_store::auth::{self, Actie, Gebruiker, Object};
use loep_store::{Access, Project};
use std::io::IsTerminal;
use std::path::Path;

/// The account name: `--gebruiker`, else `LOEP_GEBRUIKER`.
pub fn account_name(gebruiker: Option<&str>) -> Result<String> {
    match gebruiker
        .map(str::to_string)
        .or_else(|| std::env::var("LOEP_GEBRUIKER").ok())
        .filter(|s| !s.trim().is_empty())
    {
        Some(n) => Ok(n.trim().to_string()),
        None => bail!(
            "log in: give your account with --gebruiker NAAM (or LOEP_GEBRUIKER); the password comes from LOEP_WACHTWOORD or is asked"
        ),
    }
}

/// A password from the environment variable `var`, or asked on the terminal.
pub fn password(var: &str, prompt: &str) -> Result<String> {
    if let Ok(p) = std::env::var(var) {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        bail!("no password: set {var} or run the command in a terminal to be asked");
    }
    rpassword::prompt_password(prompt).context("cannot read the password from the terminal")
}

/// A new password, asked twice on a terminal (or taken from `var`).
pub fn new_password(var: &str, whose: &str) -> Result<String> {
    if let Ok(p) = std::env::var(var) {
        return Ok(p);
    }
    let first = password(var, &format!("Nieuw wachtwoord voor {whose}: "))?;
    let second = password(var, "Nogmaals: ")?;
    if first != second {
        bail!("the two passwords differ; nothing was changed");
    }
    Ok(first)
}

pub struct Session {
    pub project: Project,
    pub user: Gebruiker,
}

/// Opens the project at `dir`, logs in, checks `actie` on the project (actions on a request
/// for identities or an account are checked again on their object by the store), and enforces
/// the retention periods when no other command is writing.
pub fn open(dir: &Path, access: Access, actie: Actie, gebruiker: Option<&str>) -> Result<Session> {
    let mut session = login(dir, access, actie, gebruiker)?;
    match access {
        Access::Write => enforce_retention(&mut session.project)?,
        // A reader never waits for a writer: it enforces retention only when none is busy
        // (the writer has done so when it started).
        Access::Read => {
            if let Ok(mut writer) = Project::open(dir) {
                enforce_retention(&mut writer)?;
            }
        }
    }
    Ok(session)
}

/// Opens the project, logs in and checks `actie`, without enforcing retention (for
/// `loep retention run`, whose dry run must change nothing).
pub fn login(dir: &Path, access: Access, actie: Actie, gebruiker: Option<&str>) -> Result<Session> {
    let naam = account_name(gebruiker)?;
    let project = match access {
        Access::Write => Project::open(dir)?,
        Access::Read => Project::open_read_only(dir)?,
    };
    let pw = password("LOEP_WACHTWOORD", &format!("Wachtwoord van {naam}: "))?;
    let user = auth::authenticate(project.conn(), &naam, &pw)?;
    let object = match actie {
        // Decided on the request itself, once it is loaded.
        Actie::OnthullingBeoordelen | Actie::OnthullingInzien => None,
        Actie::GebruikersBeheren => None,
        _ => Some(Object::Project),
    };
    match object {
        Some(o) => auth::authorize(&user, actie, o)?,
        None if !actie.roles().contains(&user.rol) => {
            auth::authorize(&user, actie, Object::Project)?
        }
        None => {}
    }
    Ok(Session { project, user })
}

fn enforce_retention(project: &mut Project) -> Result<()> {
    let r = loep_intake::vault::enforce_retention(project, false)?;
    if r.destroyed_anything() {
        eprintln!("{}", crate::output::retention_summary(&r));
    }
    Ok(())
}
