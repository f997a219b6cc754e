//! The audit trail of accounts: who created, disabled, re-enabled or confirmed which account,
//! which accounts were locked, and every failed login.
//!
//! The processing log keeps no user names (the standard asks so); this table is the place for
//! who did what to an account. Only [`crate::auth`] writes it; the functionaris
//! gegevensbescherming reads it ([`crate::auth::Actie::AuditBekijken`]). It is append-only:
//! triggers refuse UPDATE and DELETE, as for the processing log; and each line carries a seal
//! (an HMAC under the integrity key) over its content and the seal of the line before, so that
//! a line changed, inserted or removed outside loep (with the triggers dropped) breaks the
//! chain from there on ([`tampered`]).

use crate::db::Db;
use anyhow::{Context, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::params;
use serde::Serialize;

pub fn create_schema(conn: &Db) -> Result<()> {
    conn.execute_batch(
        r#"
CREATE TABLE IF NOT EXISTS gebruiker_audit (
    id INTEGER PRIMARY KEY,
    tijdstip TEXT NOT NULL,
    gebeurtenis TEXT NOT NULL,
    account TEXT NOT NULL,
    door TEXT,
    toelichting TEXT,
    mac TEXT
);
CREATE TRIGGER IF NOT EXISTS gebruiker_audit_no_update BEFORE UPDATE ON gebruiker_audit
BEGIN SELECT RAISE(ABORT, 'het audittrail van de accounts kan alleen worden aangevuld, niet gewijzigd'); END;
CREATE TRIGGER IF NOT EXISTS gebruiker_audit_no_delete BEFORE DELETE ON gebruiker_audit
BEGIN SELECT RAISE(ABORT, 'het audittrail van de accounts kan alleen worden aangevuld, niet gewist'); END;
"#,
    )
    .context("kan de tabel gebruiker_audit (audittrail van de accounts) niet aanmaken")?;
    Ok(())
}

/// What happened to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gebeurtenis {
    /// A beheerder created the account (or the project's first beheerder was created).
    Aangemaakt,
    /// A beheerder disabled the account.
    Uitgeschakeld,
    /// A beheerder re-enabled the account or lifted its lock, or the account's user lifted
    /// the lock with the right password from a known device.
    Ingeschakeld,
    /// A functionaris gegevensbescherming confirmed a sleutelhouder or fg account (or the
    /// first fg was confirmed at the project's approval).
    Bevestigd,
    /// A login failed: wrong password, unknown name (recorded as typed), locked or disabled.
    InlogMislukt,
    /// Too many failed logins in a row locked the account for a while.
    Geblokkeerd,
    /// A beheerder issued an API key that acts as the account (`loep api-sleutel new`).
    ApiSleutelUitgegeven,
    /// A beheerder revoked an API key of the account.
    ApiSleutelIngetrokken,
    /// The account changed its own password (its open sessions ended).
    WachtwoordGewijzigd,
}

impl Gebeurtenis {
    pub const ALL: [Gebeurtenis; 9] = [
        Gebeurtenis::Aangemaakt,
        Gebeurtenis::Uitgeschakeld,
        Gebeurtenis::Ingeschakeld,
        Gebeurtenis::Bevestigd,
        Gebeurtenis::InlogMislukt,
        Gebeurtenis::Geblokkeerd,
        Gebeurtenis::ApiSleutelUitgegeven,
        Gebeurtenis::ApiSleutelIngetrokken,
        Gebeurtenis::WachtwoordGewijzigd,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Gebeurtenis::Aangemaakt => "aangemaakt",
            Gebeurtenis::Uitgeschakeld => "uitgeschakeld",
            Gebeurtenis::Ingeschakeld => "ingeschakeld",
            Gebeurtenis::Bevestigd => "bevestigd",
            Gebeurtenis::InlogMislukt => "inlog-mislukt",
            Gebeurtenis::Geblokkeerd => "geblokkeerd",
            Gebeurtenis::ApiSleutelUitgegeven => "api-sleutel-uitgegeven",
            Gebeurtenis::ApiSleutelIngetrokken => "api-sleutel-ingetrokken",
            Gebeurtenis::WachtwoordGewijzigd => "wachtwoord-gewijzigd",
        }
    }

    /// In words, for the pages.
    pub fn label(self) -> &'static str {
        match self {
            Gebeurtenis::Aangemaakt => "aangemaakt",
            Gebeurtenis::Uitgeschakeld => "uitgeschakeld",
            Gebeurtenis::Ingeschakeld => "ingeschakeld",
            Gebeurtenis::Bevestigd => "bevestigd",
            Gebeurtenis::InlogMislukt => "inloggen mislukt",
            Gebeurtenis::Geblokkeerd => "geblokkeerd",
            Gebeurtenis::ApiSleutelUitgegeven => "API-sleutel uitgegeven",
            Gebeurtenis::ApiSleutelIngetrokken => "API-sleutel ingetrokken",
            Gebeurtenis::WachtwoordGewijzigd => "wachtwoord gewijzigd",
        }
    }

    fn parse(s: &str) -> Option<Gebeurtenis> {
        Gebeurtenis::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// One line of the audit trail.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditRecord {
    pub id: i64,
    /// RFC 3339, UTC.
    pub tijdstip: String,
    pub gebeurtenis: Gebeurtenis,
    /// The account it happened to; for a failed login with an unknown name, the name as typed
    /// (at most 64 characters).
    pub account: String,
    /// The account that did it, when someone did (a beheerder, an fg); none for a login.
    pub door: Option<String>,
    pub toelichting: Option<String>,
}

/// Appends one line. Only `auth` and `apisleutel` call this, in the same savepoint as the change it records.
pub(crate) fn record(
    conn: &Db,
    tijdstip: DateTime<Utc>,
    gebeurtenis: Gebeurtenis,
    account: &str,
    door: Option<&str>,
    toelichting: Option<&str>,
) -> Result<()> {
    // Sealed where the key is (a project of an earlier release gets it at its first writer,
    // before any line is written with it: see `seal_existing`).
    let sealed = has_mac(conn)? && crate::integrity::table_exists(conn, "gebruiker_audit")?;
    let sql = if sealed {
        "INSERT INTO gebruiker_audit (id, tijdstip, gebeurtenis, account, door, toelichting, mac)
         SELECT n.id, ?1, ?2, ?3, ?4, ?5,
                loep_mac('gebruiker_audit', n.id, ?1, ?2, ?3, ?4, ?5,
                         (SELECT mac FROM gebruiker_audit WHERE id = n.id - 1))
         FROM (SELECT COALESCE(MAX(id), 0) + 1 AS id FROM gebruiker_audit) n"
    } else {
        "INSERT INTO gebruiker_audit (tijdstip, gebeurtenis, account, door, toelichting) VALUES (?1, ?2, ?3, ?4, ?5)"
    };
    conn.execute(
        sql,
        params![
            tijdstip.to_rfc3339_opts(SecondsFormat::Micros, true),
            gebeurtenis.as_str(),
            account,
            door,
            toelichting
        ],
    )
    .with_context(|| {
        format!(
            "kan de gebeurtenis '{}' van account '{account}' niet in het audittrail vastleggen",
            gebeurtenis.as_str()
        )
    })?;
    Ok(())
}

pub(crate) fn has_mac(conn: &Db) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('gebruiker_audit') WHERE name = 'mac')",
        [],
        |r| r.get(0),
    )?)
}

/// The seal a line must have: over its content and the seal of the line before.
const CHAIN: &str =
    "loep_mac('gebruiker_audit', a.id, a.tijdstip, a.gebeurtenis, a.account, a.door, a.toelichting,
                              (SELECT p.mac FROM gebruiker_audit p WHERE p.id = a.id - 1))";

/// Seals the lines of a trail of an earlier release as they are, in order (schema version 6).
pub(crate) fn seal_existing(tx: &Db) -> Result<()> {
    if !crate::integrity::table_exists(tx, "gebruiker_audit")? {
        return Ok(());
    }
    if !has_mac(tx)? {
        tx.execute_batch("ALTER TABLE gebruiker_audit ADD COLUMN mac TEXT")?;
    }
    let ids: Vec<i64> = {
        let mut stmt =
            tx.prepare("SELECT id FROM gebruiker_audit WHERE mac IS NULL ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    if ids.is_empty() {
        return Ok(());
    }
    // The append-only trigger stands aside for this one sealing (in the migration's
    // transaction), and is back before it commits.
    tx.execute_batch("DROP TRIGGER IF EXISTS gebruiker_audit_no_update")?;
    for id in ids {
        tx.execute(
            &format!("UPDATE gebruiker_audit AS a SET mac = {CHAIN} WHERE a.id = ?1"),
            [id],
        )?;
    }
    create_schema(tx)
}

/// The lines of the trail that no longer match their seal or whose line before is gone, as
/// problems for `loep log verify`; the first break names where the chain stops holding.
pub fn tampered(conn: &Db) -> Result<Vec<String>> {
    if !crate::integrity::table_exists(conn, "gebruiker_audit")? {
        return Ok(Vec::new());
    }
    if !has_mac(conn)? {
        // From schema version 6 on (which cannot be set back) the trail is sealed.
        return Ok(if crate::schema::version(conn)? >= 6 {
            vec!["het audittrail van de accounts heeft geen zegelkolom meer: die is buiten loep om verwijderd".to_string()]
        } else {
            Vec::new()
        });
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT a.id FROM gebruiker_audit a
         WHERE a.mac IS NOT {CHAIN}
            OR (a.id > 1 AND NOT EXISTS (SELECT 1 FROM gebruiker_audit p WHERE p.id = a.id - 1))
         ORDER BY a.id LIMIT 1"
    ))?;
    let first: Option<i64> = stmt.query_map([], |r| r.get(0))?.next().transpose()?;
    Ok(first
        .map(|id| {
            vec![format!(
                "het audittrail van de accounts is buiten loep om gewijzigd vanaf regel {id} (een regel veranderd, ingevoegd of verwijderd)"
            )]
        })
        .unwrap_or_default())
}

/// The whole trail, oldest first. The caller checks [`crate::auth::Actie::AuditBekijken`].
pub fn records(conn: &Db) -> Result<Vec<AuditRecord>> {
    let mut stmt = conn.prepare(
        "SELECT id, tijdstip, gebeurtenis, account, door, toelichting FROM gebruiker_audit ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, tijdstip, gebeurtenis, account, door, toelichting) =
            row.context("kan het audittrail van de accounts niet lezen")?;
        let gebeurtenis = Gebeurtenis::parse(&gebeurtenis).with_context(|| {
            format!(
                "regel {id} van het audittrail heeft een onbekende gebeurtenis '{gebeurtenis}' (gemaakt door een nieuwere versie van loep?)"
            )
        })?;
        out.push(AuditRecord {
            id,
            tijdstip,
            gebeurtenis,
            account,
            door,
            toelichting,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> rusqlite::Connection {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::integrity::register(Db::of(&conn), &crate::integrity::test_key(), 0).unwrap();
        create_schema(Db::of(&conn)).unwrap();
        conn
    }

    #[test]
    fn records_come_back_in_order() {
        let conn = conn();
        let t = DateTime::parse_from_rfc3339("2026-05-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        record(
            Db::of(&conn),
            t,
            Gebeurtenis::Aangemaakt,
            "a",
            Some("b"),
            Some("rol analist"),
        )
        .unwrap();
        record(Db::of(&conn), t, Gebeurtenis::InlogMislukt, "x", None, None).unwrap();
        let r = records(Db::of(&conn)).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].gebeurtenis, Gebeurtenis::Aangemaakt);
        assert_eq!(r[0].door.as_deref(), Some("b"));
        assert_eq!(r[0].tijdstip, "2026-05-01T10:00:00.000000Z");
        assert_eq!(r[1].gebeurtenis, Gebeurtenis::InlogMislukt);
        assert_eq!(r[1].account, "x");
        // Serialised as the Dutch words stored in the table.
        let json = serde_json::to_value(&r[1]).unwrap();
        assert_eq!(json["gebeurtenis"], "inlog-mislukt");
        for g in Gebeurtenis::ALL {
            assert_eq!(Gebeurtenis::parse(g.as_str()), Some(g));
            assert_eq!(serde_json::to_value(g).unwrap(), g.as_str());
        }
    }

    #[test]
    fn rows_cannot_be_changed_or_removed() {
        let conn = conn();
        record(
            Db::of(&conn),
            Utc::now(),
            Gebeurtenis::Geblokkeerd,
            "a",
            None,
            Some("5 mislukte pogingen"),
        )
        .unwrap();
        let e = conn
            .execute("UPDATE gebruiker_audit SET account = 'b'", [])
            .unwrap_err();
        assert!(e.to_string().contains("alleen worden aangevuld"), "{e}");
        let e = conn.execute("DELETE FROM gebruiker_audit", []).unwrap_err();
        assert!(e.to_string().contains("alleen worden aangevuld"), "{e}");
        assert_eq!(records(Db::of(&conn)).unwrap()[0].account, "a");
        // Creating the schema again (every open does) keeps the rows and the triggers.
        create_schema(Db::of(&conn)).unwrap();
        assert_eq!(records(Db::of(&conn)).unwrap().len(), 1);
        assert!(conn.execute("DELETE FROM gebruiker_audit", []).is_err());
    }

    #[test]
    fn an_unknown_event_is_an_error_not_a_guess() {
        let conn = conn();
        conn.execute(
            "INSERT INTO gebruiker_audit (tijdstip, gebeurtenis, account) VALUES ('t', 'iets-nieuws', 'a')",
            [],
        )
        .unwrap();
        let e = records(Db::of(&conn)).unwrap_err();
        assert!(e.to_string().contains("iets-nieuws"), "{e}");
    }
}
