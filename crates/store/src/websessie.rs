//! Sessions of the web application, kept in the project's own `store.sqlite`.
//!
//! A session starts with a successful login ([`crate::auth::authenticate`]) and is named by a
//! random token of 256 bits that only the browser holds (in a cookie); the table keeps the
//! token's HMAC under the project's integrity key, so that someone who reads the database cannot
//! take over a session and someone who writes it cannot make one: a row inserted by hand names
//! no token anyone holds. Each row carries a seal (`mac`) over the token's HMAC, the account,
//! the CSRF token and the start, so that a session cannot be moved to another account or made
//! younger; a row that no longer matches its seal is refused, and `loep log verify` reports it
//! ([`tampered`]). Each
//! session has its own CSRF token for the forms it posts. A session ends at logout, after
//! [`IDLE_MINUTES`] without a request, after [`ABSOLUTE_HOURS`] whatever happens, and as soon as
//! its account is disabled, locked or changed outside loep: every resumption reads the account
//! again ([`crate::auth::reload`]).

use anyhow::{Context, Result};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::auth::Gebruiker;
use crate::{Problem, ProblemKind};

/// A session without a request for this long has ended (BIO: lock an unattended session).
pub const IDLE_MINUTES: i64 = 30;
/// No session lasts longer than a working day, whatever its use.
pub const ABSOLUTE_HOURS: i64 = 10;
/// A session's last use is written at most this often.
const TOUCH_SECONDS: i64 = 60;

/// The seal of a session row `w`, as an SQL expression: the token's name, the account, the CSRF
/// token, the start and the last use, and the account row's own seal, so that a session ends
/// when its account changes (a new password, another role, disabled).
fn seal(w: &str) -> String {
    format!(
        "loep_mac('websessie', {w}.sleutel, {w}.gebruiker, {w}.csrf, {w}.aangemaakt, {w}.laatst, \
         (SELECT g.mac FROM gebruiker g WHERE g.naam = {w}.gebruiker))"
    )
}

const CREATE: &str = r#"
CREATE TABLE IF NOT EXISTS websessie (
    sleutel TEXT PRIMARY KEY,
    gebruiker TEXT NOT NULL,
    csrf TEXT NOT NULL,
    aangemaakt TEXT NOT NULL,
    laatst TEXT NOT NULL,
    mac TEXT NOT NULL
);
"#;

/// Whether the table exists in this release's form (with its seal).
fn sealed_table(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('websessie') WHERE name = 'mac')",
        [],
        |r| r.get(0),
    )?)
}

/// Creates the table, or replaces the table of an earlier release, whose sessions were named
/// by an unkeyed hash and had no seal: they end (their users log in again), the safe
/// direction. In one immediate transaction, so that two logins at once cannot both replace it.
pub fn create_schema(conn: &Connection) -> Result<()> {
    let own = conn.is_autocommit();
    if own {
        conn.execute_batch("BEGIN IMMEDIATE")?;
    }
    let done = (|| -> Result<()> {
        let exists: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'websessie')",
            [],
            |r| r.get(0),
        )?;
        if exists && !sealed_table(conn)? {
            conn.execute_batch("DROP TABLE websessie")
                .context("kan de sessies van een eerdere versie niet beëindigen")?;
        }
        conn.execute_batch(CREATE)
            .context("kan de tabel websessie (sessies van de webapplicatie) niet aanmaken")
    })();
    if own {
        conn.execute_batch(if done.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
    }
    done
}

/// The sessions whose rows no longer match their seal (made or changed outside loep), as
/// problems for `loep log verify`.
pub fn tampered(conn: &Connection) -> Result<Vec<String>> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('websessie') WHERE name = 'mac')",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(Vec::new());
    }
    // Rows by number, never by a column an attacker wrote (it could be anything, and the alarm
    // goes into the processing log, which names no users).
    let mut stmt = conn.prepare(&format!(
        "SELECT w.rowid FROM websessie w WHERE w.mac IS NOT {}",
        seal("w")
    ))?;
    let rows = stmt.query_map([], |r| r.get::<_, i64>(0))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(format!(
            "websessie row {} was made or changed outside loep (it does not match its seal)",
            row?
        ));
    }
    Ok(out)
}

/// What the browser holds (`token`, in a cookie) and what its forms carry (`csrf`).
#[derive(Debug, Clone)]
pub struct Started {
    pub token: String,
    pub csrf: String,
}

fn random_hex() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("geen willekeurige bytes: {e}"))?;
    Ok(hex::encode(bytes))
}

/// The name under which the session of `token` is kept: the token's HMAC under the project's
/// integrity key (the SQL function exists only on connections loep opened with the key).
fn key_of(conn: &Connection, token: &str) -> Result<String> {
    conn.query_row("SELECT loep_mac('websessie-token', ?1)", [token], |r| {
        r.get(0)
    })
    .context("de sessie kan niet worden nagegaan: het project heeft geen integriteitssleutel")
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn ended() -> anyhow::Error {
    Problem::error(
        ProblemKind::Refused,
        "uw sessie is verlopen of beëindigd; log opnieuw in",
    )
}

/// Starts a session for `user`, who has just logged in. A new token every time, whatever the
/// browser sent before (no session fixation). Ended sessions are removed on the way.
pub fn start(conn: &Connection, user: &Gebruiker, now: DateTime<Utc>) -> Result<Started> {
    // A project that no writer of this release has opened yet lacks the table.
    create_schema(conn)?;
    purge(conn, now)?;
    let started = Started {
        token: random_hex()?,
        csrf: random_hex()?,
    };
    conn.execute(
        &format!(
            "INSERT INTO websessie (sleutel, gebruiker, csrf, aangemaakt, laatst, mac)
             SELECT w.sleutel, w.gebruiker, w.csrf, w.aangemaakt, w.laatst, {}
             FROM (SELECT ?1 AS sleutel, ?2 AS gebruiker, ?3 AS csrf, ?4 AS aangemaakt,
                          ?4 AS laatst) w",
            seal("w")
        ),
        params![
            key_of(conn, &started.token)?,
            user.naam(),
            started.csrf,
            stamp(now)
        ],
    )
    .context("kan de sessie niet vastleggen")?;
    Ok(started)
}

/// The account and CSRF token of the session `token` names, if it has not ended; marks the
/// session as used now.
pub fn resume(conn: &Connection, token: &str, now: DateTime<Utc>) -> Result<(Gebruiker, String)> {
    // No DDL per request: a table of an earlier release (or none) means no session; the login
    // that follows makes the table anew.
    if !sealed_table(conn)? {
        return Err(ended());
    }
    let key = key_of(conn, token)?;
    let row: Option<(String, String, String, String, bool)> = conn
        .query_row(
            &format!(
                "SELECT w.gebruiker, w.csrf, w.aangemaakt, w.laatst, w.mac IS {}
                 FROM websessie w WHERE w.sleutel = ?1",
                seal("w")
            ),
            params![key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((naam, csrf, aangemaakt, laatst, intact)) = row else {
        return Err(ended());
    };
    if !intact {
        return Err(crate::integrity::tampered("deze websessie"));
    }
    let parse = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .ok()
    };
    let live = match (parse(&aangemaakt), parse(&laatst)) {
        (Some(a), Some(l)) => {
            now - l < TimeDelta::minutes(IDLE_MINUTES)
                && now - a < TimeDelta::hours(ABSOLUTE_HOURS)
                && l <= now + TimeDelta::minutes(1)
        }
        _ => false,
    };
    if !live {
        conn.execute("DELETE FROM websessie WHERE sleutel = ?1", params![key])?;
        return Err(ended());
    }
    let user = match crate::auth::reload(conn, &naam) {
        Ok(u) => u,
        Err(e) => {
            conn.execute("DELETE FROM websessie WHERE sleutel = ?1", params![key])?;
            return Err(e);
        }
    };
    // Marked as used at most once a minute: the idle timeout counts in minutes, and a write
    // per request would make every page wait for the database's write lock.
    let stale = parse(&laatst).is_none_or(|l| now - l >= TimeDelta::seconds(TOUCH_SECONDS));
    if stale {
        conn.execute(
            &format!(
                "UPDATE websessie AS w SET laatst = ?2, mac = {} WHERE w.sleutel = ?1",
                seal("w").replace("w.laatst", "?2")
            ),
            params![key, stamp(now)],
        )?;
    }
    Ok((user, csrf))
}

/// Ends the session `token` names (logout). Ending an unknown session is no error.
pub fn end(conn: &Connection, token: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM websessie WHERE sleutel = ?1",
        params![key_of(conn, token)?],
    )?;
    Ok(())
}

/// Removes the sessions that have ended by time.
fn purge(conn: &Connection, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "DELETE FROM websessie WHERE laatst < ?1 OR aangemaakt < ?2",
        params![
            stamp(now - TimeDelta::minutes(IDLE_MINUTES)),
            stamp(now - TimeDelta::hours(ABSOLUTE_HOURS))
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Rol;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn db() -> (Connection, Gebruiker) {
        let conn = Connection::open_in_memory().unwrap();
        crate::integrity::register(&conn, &crate::integrity::test_key(), 0).unwrap();
        crate::auth::create_schema(&conn).unwrap();
        create_schema(&conn).unwrap();
        crate::integrity::seal_existing(&conn).unwrap();
        crate::integrity::create_triggers(&conn).unwrap();
        crate::auth::add_user(
            &conn,
            None,
            "anna",
            Rol::Beheerder,
            None,
            "een lang wachtwoord",
        )
        .unwrap();
        let user = crate::auth::authenticate(&conn, "anna", "een lang wachtwoord").unwrap();
        (conn, user)
    }

    #[test]
    fn a_session_resumes_until_idle_or_absolute_timeout_or_logout() {
        let (conn, user) = db();
        let t0 = t("2026-06-15T08:00:00Z");
        let s = start(&conn, &user, t0).unwrap();
        assert_eq!(s.token.len(), 64);
        // The database holds the token's hash, not the token.
        let stored: String = conn
            .query_row("SELECT sleutel FROM websessie", [], |r| r.get(0))
            .unwrap();
        assert_ne!(stored, s.token);
        let (u, csrf) = resume(&conn, &s.token, t("2026-06-15T08:29:00Z")).unwrap();
        assert_eq!(u.naam(), "anna");
        assert_eq!(csrf, s.csrf);
        // Used every 20 minutes, it lasts until the absolute limit.
        let mut now = t("2026-06-15T08:29:00Z");
        while now + TimeDelta::minutes(20) < t("2026-06-15T18:00:00Z") {
            now += TimeDelta::minutes(20);
            resume(&conn, &s.token, now).unwrap();
        }
        assert!(now > t("2026-06-15T17:40:00Z"));
        assert!(resume(&conn, &s.token, t("2026-06-15T18:00:01Z")).is_err());
        // Idle for 30 minutes: ended, and stays ended.
        let s = start(&conn, &user, t0).unwrap();
        assert!(resume(&conn, &s.token, t("2026-06-15T08:30:01Z")).is_err());
        assert!(resume(&conn, &s.token, t("2026-06-15T08:30:02Z")).is_err());
        // Logout.
        let s = start(&conn, &user, t0).unwrap();
        end(&conn, &s.token).unwrap();
        assert!(resume(&conn, &s.token, t0).is_err());
        // A made-up token.
        assert!(resume(&conn, &"0".repeat(64), t0).is_err());
    }

    #[test]
    fn every_login_gets_a_new_token_and_a_disabled_account_loses_its_sessions() {
        let (conn, user) = db();
        let t0 = t("2026-06-15T08:00:00Z");
        let a = start(&conn, &user, t0).unwrap();
        let b = start(&conn, &user, t0).unwrap();
        assert_ne!(a.token, b.token);
        assert_ne!(a.csrf, b.csrf);
        crate::auth::add_user(
            &conn,
            Some(&user),
            "bram",
            Rol::Analist,
            None,
            "nog een lang wachtwoord",
        )
        .unwrap();
        let bram = crate::auth::authenticate(&conn, "bram", "nog een lang wachtwoord").unwrap();
        let s = start(&conn, &bram, t0).unwrap();
        crate::auth::disable_user(&conn, &user, "bram").unwrap();
        assert!(resume(&conn, &s.token, t0).is_err());
    }

    /// Red-team row 1 (RELIABILITY.md): with write access to the store, an insider inserts a
    /// session row for a token of their own, or moves their own session to another account.
    #[test]
    fn a_session_row_made_or_moved_outside_loep_is_refused() {
        use sha2::{Digest, Sha256};
        let (conn, anna) = db();
        let t0 = t("2026-06-15T08:00:00Z");
        crate::auth::add_user(
            &conn,
            Some(&anna),
            "bram",
            Rol::Analist,
            None,
            "nog een lang wachtwoord",
        )
        .unwrap();
        let bram = crate::auth::authenticate(&conn, "bram", "nog een lang wachtwoord").unwrap();
        // A row named by the unkeyed hash of a token the attacker chose, with any seal.
        let token = "ab".repeat(32);
        conn.execute(
            "INSERT INTO websessie VALUES (?1, 'anna', 'c', ?2, ?2, 'x')",
            params![hex::encode(Sha256::digest(token.as_bytes())), stamp(t0)],
        )
        .unwrap();
        let e = resume(&conn, &token, t0).unwrap_err();
        assert!(e.to_string().contains("verlopen"), "{e}");
        // bram's own session, moved to anna's account in the database.
        let s = start(&conn, &bram, t0).unwrap();
        assert_eq!(resume(&conn, &s.token, t0).unwrap().0.naam(), "bram");
        conn.execute(
            "UPDATE websessie SET gebruiker = 'anna' WHERE gebruiker = 'bram'",
            [],
        )
        .unwrap();
        let e = resume(&conn, &s.token, t0).unwrap_err();
        assert!(e.to_string().contains("buiten loep om"), "{e}");
        // Both rows are reported to the privacy officer's check.
        let found = crate::integrity::tampered_rows(&conn).unwrap();
        assert_eq!(
            found.iter().filter(|p| p.starts_with("websessie")).count(),
            2,
            "{found:?}"
        );
        // Made younger: the start time is under the seal as well.
        let s = start(&conn, &bram, t0).unwrap();
        let later = t("2026-06-15T17:59:00Z");
        conn.execute(
            "UPDATE websessie SET aangemaakt = ?1, laatst = ?1 WHERE csrf = ?2",
            params![stamp(later), s.csrf],
        )
        .unwrap();
        assert!(resume(&conn, &s.token, later).is_err());
        // Kept alive past the idle timeout by rewriting its last use: the last use is sealed.
        let s = start(&conn, &bram, t0).unwrap();
        let idle = t("2026-06-15T09:00:00Z");
        conn.execute(
            "UPDATE websessie SET laatst = ?1 WHERE csrf = ?2",
            params![stamp(idle), s.csrf],
        )
        .unwrap();
        let e = resume(&conn, &s.token, idle).unwrap_err();
        assert!(e.to_string().contains("buiten loep om"), "{e}");
        // A change of the account by loep (here a new password hash, through the triggers
        // that keep its seal) ends its sessions: the account row's seal is part of theirs.
        let s = start(&conn, &bram, t0).unwrap();
        assert!(resume(&conn, &s.token, t0).is_ok());
        let hash = crate::auth::hash_password("een ander lang wachtwoord").unwrap();
        conn.execute(
            "UPDATE gebruiker SET wachtwoord = ?1 WHERE naam = 'bram'",
            [hash],
        )
        .unwrap();
        assert!(crate::integrity::row_intact(&conn, "gebruiker", "bram").unwrap());
        assert!(resume(&conn, &s.token, t0).is_err());
    }

    #[test]
    fn sessions_of_an_earlier_release_end() {
        let conn = Connection::open_in_memory().unwrap();
        crate::integrity::register(&conn, &crate::integrity::test_key(), 0).unwrap();
        conn.execute_batch(
            "CREATE TABLE websessie (sleutel TEXT PRIMARY KEY, gebruiker TEXT NOT NULL, csrf TEXT NOT NULL, aangemaakt TEXT NOT NULL, laatst TEXT NOT NULL);
             INSERT INTO websessie VALUES ('k', 'anna', 'c', 'a', 'l');",
        )
        .unwrap();
        create_schema(&conn).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM websessie", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }
}
