//! Known devices: a browser that logged in to an account keeps a device token of 256 bits (a
//! cookie of its own, for [`DAYS`] days). Failed logins by anyone lock an account for a while
//! ([`crate::auth::MAX_FAILED_LOGINS`]), which would let an anonymous client shut out the
//! privacy officer or a key holder at will; the right password from a device that logged in
//! to the account before still logs in, and lifts the lock (the OWASP "device cookie"
//! defence). A known device that gives a wrong password is known no longer; a device is
//! forgotten when its account's password changes or the account is disabled, and its token
//! is replaced at every login from it.
//!
//! As with web sessions, the table keeps the token's HMAC under the project's integrity key
//! (a row inserted by hand names no token anyone holds) and a seal over the row (a device
//! cannot be moved to another account).

use crate::db::Db;
use anyhow::{Context, Result};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use rusqlite::{OptionalExtension, params};

/// How long a device stays known after its last login.
pub const DAYS: i64 = 180;

const CREATE: &str = r#"
CREATE TABLE IF NOT EXISTS apparaat (
    sleutel TEXT PRIMARY KEY,
    gebruiker TEXT NOT NULL,
    aangemaakt TEXT NOT NULL,
    mac TEXT NOT NULL
);
"#;

pub fn create_schema(conn: &Db) -> Result<()> {
    conn.execute_batch(CREATE)
        .context("kan de tabel apparaat (bekende apparaten) niet aanmaken")
}

fn key_of(conn: &Db, token: &str) -> Result<String> {
    conn.query_row("SELECT loep_mac('apparaat-token', ?1)", [token], |r| {
        r.get(0)
    })
    .context("het apparaat kan niet worden nagegaan: het project heeft geen integriteitssleutel")
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn exists(conn: &Db) -> Result<bool> {
    crate::integrity::table_exists(conn, "apparaat")
}

/// Whether `token` names a device that logged in to account `naam` within [`DAYS`] days (its
/// row intact).
pub fn known(conn: &Db, token: &str, naam: &str, now: DateTime<Utc>) -> Result<bool> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) || !exists(conn)? {
        return Ok(false);
    }
    let key = key_of(conn, token)?;
    let row: Option<bool> = conn
        .query_row(
            "SELECT mac IS loep_mac('apparaat', sleutel, gebruiker, aangemaakt)
             FROM apparaat WHERE sleutel = ?1 AND gebruiker = ?2 AND aangemaakt >= ?3",
            params![key, naam, stamp(now - TimeDelta::days(DAYS))],
            |r| r.get(0),
        )
        .optional()?;
    Ok(row == Some(true))
}

/// Remembers the browser of a successful login to `naam` as a known device: a new token, to
/// be kept in its cookie. Devices of the account not used for [`DAYS`] days are forgotten.
pub fn remember(project: &mut crate::Project, naam: &str, now: DateTime<Utc>) -> Result<String> {
    create_schema(project.db())?;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("geen willekeurige bytes: {e}"))?;
    let token = hex::encode(bytes);
    let tx = project.begin()?;
    tx.execute(
        "DELETE FROM apparaat WHERE aangemaakt < ?1",
        params![stamp(now - TimeDelta::days(DAYS))],
    )?;
    let key = key_of(&tx, &token)?;
    let at = stamp(now);
    tx.execute(
        "INSERT INTO apparaat (sleutel, gebruiker, aangemaakt, mac)
         VALUES (?1, ?2, ?3, loep_mac('apparaat', ?1, ?2, ?3))",
        params![key, naam, at],
    )
    .context("kan het apparaat niet vastleggen")?;
    tx.commit().context("kan het apparaat niet vastleggen")?;
    Ok(token)
}

/// Forgets the device `token` names (it gave a wrong password).
pub fn forget(project: &mut crate::Project, token: &str) -> Result<()> {
    if !exists(project.db())? {
        return Ok(());
    }
    let tx = project.begin()?;
    let key = key_of(&tx, token)?;
    tx.execute("DELETE FROM apparaat WHERE sleutel = ?1", params![key])?;
    tx.commit()
}

/// Forgets every device of account `naam` (its password changed, or it was disabled: a device
/// is known to the account as it was).
pub(crate) fn forget_all_of(conn: &Db, naam: &str) -> Result<()> {
    if exists(conn)? {
        conn.execute("DELETE FROM apparaat WHERE gebruiker = ?1", params![naam])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_known_to_its_account_only_and_for_a_while() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = crate::project::test_project(&dir.path().join("p"));
        let now = crate::clock::now_utc();
        let token = remember(&mut p, "fg", now).unwrap();
        assert!(known(p.db(), &token, "fg", now).unwrap());
        assert!(!known(p.db(), &token, "analist", now).unwrap());
        assert!(!known(p.db(), &"0".repeat(64), "fg", now).unwrap());
        assert!(!known(p.db(), "kort", "fg", now).unwrap());
        let later = now + TimeDelta::days(DAYS + 1);
        assert!(!known(p.db(), &token, "fg", later).unwrap());

        // A row inserted or moved by hand is not a known device.
        p.db()
            .execute("UPDATE apparaat SET gebruiker = 'sleutelhouder'", [])
            .unwrap();
        assert!(!known(p.db(), &token, "sleutelhouder", now).unwrap());
        p.db()
            .execute("UPDATE apparaat SET gebruiker = 'fg'", [])
            .unwrap();
        assert!(known(p.db(), &token, "fg", now).unwrap());
        forget(&mut p, &token).unwrap();
        assert!(!known(p.db(), &token, "fg", now).unwrap());
    }
}
