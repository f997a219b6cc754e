//! Who runs a command: the account name and password as the terminal gives them, handed to
//! the application core, which logs in, authorises and enforces retention.

use anyhow::{Context, Result, bail};
use loep_app::{Mode, Session};
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
            "inloggen: geef uw account met --gebruiker NAAM (of LOEP_GEBRUIKER); het wachtwoord komt uit LOEP_WACHTWOORD of wordt gevraagd"
        ),
    }
}

/// A password from the environment variable `var`, or asked on the terminal.
pub fn password(var: &str, prompt: &str) -> Result<String> {
    if let Ok(p) = std::env::var(var) {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "geen wachtwoord: zet {var} of start het commando in een terminal, dan wordt ernaar gevraagd"
        );
    }
    rpassword::prompt_password(prompt).context("kan het wachtwoord niet van de terminal lezen")
}

/// A new password, asked twice on a terminal (or taken from `var`).
pub fn new_password(var: &str, whose: &str) -> Result<String> {
    if let Ok(p) = std::env::var(var) {
        return Ok(p);
    }
    let first = password(var, &format!("Nieuw wachtwoord voor {whose}: "))?;
    let second = password(var, "Nogmaals: ")?;
    if first != second {
        bail!("de twee wachtwoorden verschillen; er is niets gewijzigd");
    }
    Ok(first)
}

pub fn credentials(gebruiker: Option<&str>) -> Result<(String, String)> {
    let naam = account_name(gebruiker)?;
    let pw = password("LOEP_WACHTWOORD", &format!("Wachtwoord van {naam}: "))?;
    Ok((naam, pw))
}

/// Opens the project at `dir` as the account of this command; retention is enforced first and
/// what it destroyed is reported on standard error.
pub fn open(dir: &Path, mode: Mode, gebruiker: Option<&str>) -> Result<Session> {
    let (naam, pw) = credentials(gebruiker)?;
    let (session, destroyed) = loep_app::session::open(dir, mode, &naam, &pw)?;
    if let Some(r) = destroyed {
        eprintln!("{}", crate::output::retention_summary(&r));
    }
    Ok(session)
}

/// Logs in as the privacy officer to verify the log and the seals, also while the access
/// state raised the alarm (`loep log verify`).
pub fn login_to_verify(dir: &Path, gebruiker: Option<&str>) -> Result<Session> {
    let (naam, pw) = credentials(gebruiker)?;
    Ok(loep_app::session::login_to_verify(dir, &naam, &pw)?)
}

/// Opens the project and logs in, without enforcing retention (for `loep retention run`,
/// whose dry run must change nothing).
pub fn login(dir: &Path, mode: Mode, gebruiker: Option<&str>) -> Result<Session> {
    let (naam, pw) = credentials(gebruiker)?;
    Ok(loep_app::session::login(dir, mode, &naam, &pw)?)
}
