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

use crate::db::Db;
use anyhow::{Context, Result};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use rusqlite::{OptionalExtension, params};

use crate::auth::ActingAccount;
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
fn sealed_table(conn: &Db) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('websessie') WHERE name = 'mac')",
        [],
        |r| r.get(0),
    )?)
}

/// Creates the table, or replaces the table of an earlier release, whose sessions were named
/// by an unkeyed hash and had no seal: they end (their users log in again), the safe
/// direction. In one immediate transaction, so that two logins at once cannot both replace it.
pub fn create_schema(conn: &Db) -> Result<()> {
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

/// (Re)creates the trigger that ends an account's sessions when its row gets a new seal: a
/// change through loep (disabled, enabled, confirmed, a new password) gives the account row a
/// new seal, which every session of it is sealed over; the sessions end with it, in the same
/// transaction, rather than be left behind as rows that no longer match their seal.
pub(crate) fn create_triggers(conn: &Db) -> Result<()> {
    let ready: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('gebruiker') WHERE name = 'mac')
            AND EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'websessie')",
        [],
        |r| r.get(0),
    )?;
    if ready {
        conn.execute_batch(
            "DROP TRIGGER IF EXISTS gebruiker_sessies_einde;
             CREATE TRIGGER gebruiker_sessies_einde AFTER UPDATE OF mac ON gebruiker
             WHEN old.mac IS NOT new.mac
             BEGIN DELETE FROM websessie WHERE gebruiker = new.naam; END;",
        )
        .context("kan de sessies niet aan de accounts binden")?;
    }
    Ok(())
}

/// The sessions whose rows no longer match their seal (made or changed outside loep), as
/// problems for `loep log verify`.
pub fn tampered(conn: &Db) -> Result<Vec<String>> {
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
            "websessie-rij {} is buiten loep om gemaakt of gewijzigd (klopt niet met het zegel)",
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
fn key_of(conn: &Db, token: &str) -> Result<String> {
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
pub fn start(
    project: &mut crate::Project,
    user: &ActingAccount,
    now: DateTime<Utc>,
) -> Result<Started> {
    // A project that no writer of this release has opened yet lacks the table.
    create_schema(project.db())?;
    let tx = project.begin()?;
    purge(&tx, now)?;
    let started = Started {
        token: random_hex()?,
        csrf: random_hex()?,
    };
    tx.execute(
        &format!(
            "INSERT INTO websessie (sleutel, gebruiker, csrf, aangemaakt, laatst, mac)
             SELECT w.sleutel, w.gebruiker, w.csrf, w.aangemaakt, w.laatst, {}
             FROM (SELECT ?1 AS sleutel, ?2 AS gebruiker, ?3 AS csrf, ?4 AS aangemaakt,
                          ?4 AS laatst) w",
            seal("w")
        ),
        params![
            key_of(&tx, &started.token)?,
            user.naam(),
            started.csrf,
            stamp(now)
        ],
    )
    .context("kan de sessie niet vastleggen")?;
    tx.commit().context("kan de sessie niet vastleggen")?;
    Ok(started)
}

/// Removes the session named `key` (ended by time, or its account gone).
fn remove(project: &mut crate::Project, key: &str) -> Result<()> {
    let tx = project.begin()?;
    tx.execute("DELETE FROM websessie WHERE sleutel = ?1", params![key])?;
    tx.commit()
}

/// The account and CSRF token of the session `token` names, if it has not ended; marks the
/// session as used now.
pub fn resume(
    project: &mut crate::Project,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(ActingAccount, String)> {
    let conn = project.db();
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
        remove(project, &key)?;
        return Err(ended());
    }
    let user = match crate::auth::reload(conn, &naam) {
        Ok(u) => u,
        Err(e) => {
            remove(project, &key)?;
            return Err(e);
        }
    };
    // A lock ends the account's sessions (whoever caused it: the user logs in again, and from
    // a browser that logged in before the right password lifts it).
    if crate::auth::locked_now(project.db(), &naam, now)? {
        remove(project, &key)?;
        return Err(ended());
    }
    let conn = project.db();
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
pub fn end(project: &mut crate::Project, token: &str) -> Result<()> {
    let key = key_of(project.db(), token)?;
    remove(project, &key)
}

/// Removes the sessions that have ended by time.
fn purge(conn: &Db, now: DateTime<Utc>) -> Result<()> {
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
    use crate::Project;
    use crate::auth::Rol;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn add(p: &mut Project, by: Option<&ActingAccount>, naam: &str, rol: Rol) -> ActingAccount {
        let tx = p.begin().unwrap();
        crate::auth::add_account(&tx, by, naam, rol, None, "een lang wachtwoord").unwrap();
        tx.commit().unwrap();
        crate::auth::authenticate(p.db(), naam, "een lang wachtwoord").unwrap()
    }

    fn db() -> (tempfile::TempDir, Project, ActingAccount) {
        let dir = tempfile::tempdir().unwrap();
        let mut p = crate::project::test_project(&dir.path().join("p"));
        create_schema(p.db()).unwrap();
        crate::integrity::create_triggers(p.db()).unwrap();
        let user = add(&mut p, None, "anna", Rol::Beheerder);
        (dir, p, user)
    }

    /// What an insider with the sqlite3 shell must do first: the triggers that count changes
    /// of the access state call a function only loep's connections have.
    fn drop_access_triggers(conn: &Db) {
        let names: Vec<String> = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_toegang_%'",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for n in names {
            conn.execute_batch(&format!("DROP TRIGGER {n}")).unwrap();
        }
    }

    #[test]
    fn a_session_resumes_until_idle_or_absolute_timeout_or_logout() {
        let (_d, mut p, user) = db();
        let t0 = t("2026-06-15T08:00:00Z");
        let s = start(&mut p, &user, t0).unwrap();
        assert_eq!(s.token.len(), 64);
        // The database holds the token's hash, not the token.
        let stored: String = p
            .db()
            .query_row("SELECT sleutel FROM websessie", [], |r| r.get(0))
            .unwrap();
        assert_ne!(stored, s.token);
        let (u, csrf) = resume(&mut p, &s.token, t("2026-06-15T08:29:00Z")).unwrap();
        assert_eq!(u.naam(), "anna");
        assert_eq!(csrf, s.csrf);
        // Used every 20 minutes, it lasts until the absolute limit.
        let mut now = t("2026-06-15T08:29:00Z");
        while now + TimeDelta::minutes(20) < t("2026-06-15T18:00:00Z") {
            now += TimeDelta::minutes(20);
            resume(&mut p, &s.token, now).unwrap();
        }
        assert!(now > t("2026-06-15T17:40:00Z"));
        assert!(resume(&mut p, &s.token, t("2026-06-15T18:00:01Z")).is_err());
        // Idle for 30 minutes: ended, and stays ended.
        let s = start(&mut p, &user, t0).unwrap();
        assert!(resume(&mut p, &s.token, t("2026-06-15T08:30:01Z")).is_err());
        assert!(resume(&mut p, &s.token, t("2026-06-15T08:30:02Z")).is_err());
        // Logout.
        let s = start(&mut p, &user, t0).unwrap();
        end(&mut p, &s.token).unwrap();
        assert!(resume(&mut p, &s.token, t0).is_err());
        // A made-up token.
        assert!(resume(&mut p, &"0".repeat(64), t0).is_err());
        // Every start, use and end kept the access state in step with its anchor.
        p.check_access().unwrap();
    }

    #[test]
    fn every_login_gets_a_new_token_and_a_disabled_account_loses_its_sessions() {
        let (_d, mut p, user) = db();
        let t0 = t("2026-06-15T08:00:00Z");
        let a = start(&mut p, &user, t0).unwrap();
        let b = start(&mut p, &user, t0).unwrap();
        assert_ne!(a.token, b.token);
        assert_ne!(a.csrf, b.csrf);
        let bram = add(&mut p, Some(&user), "bram", Rol::Analist);
        let s = start(&mut p, &bram, t0).unwrap();
        let tx = p.begin().unwrap();
        crate::auth::disable_account(&tx, &user, "bram").unwrap();
        tx.commit().unwrap();
        assert!(resume(&mut p, &s.token, t0).is_err());
        p.check_access().unwrap();
    }

    /// Red-team row 2 (RELIABILITY.md): a logged-out session's row, copied back with its
    /// cookie, passes its own seal; the access state no longer matches its anchor.
    #[test]
    fn a_logged_out_session_copied_back_is_found() {
        let (_d, mut p, user) = db();
        let t0 = t("2026-06-15T08:00:00Z");
        let s = start(&mut p, &user, t0).unwrap();
        let row: Vec<String> = p
            .db()
            .query_row(
                "SELECT sleutel, gebruiker, csrf, aangemaakt, laatst, mac FROM websessie",
                [],
                |r| (0..6).map(|i| r.get(i)).collect(),
            )
            .unwrap();
        end(&mut p, &s.token).unwrap();
        p.check_access().unwrap();
        drop_access_triggers(p.db());
        p.db()
            .execute(
                "INSERT INTO websessie VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params_from_iter(row.iter()),
            )
            .unwrap();
        // The row itself passes its seal ...
        assert!(tampered(p.db()).unwrap().is_empty());
        // ... but the state is not what loep left.
        let e = p.check_access().unwrap_err();
        assert!(e.to_string().contains("oudere kopie"), "{e}");
        assert!(crate::integrity::alarm(&p.layout).unwrap().is_some());
    }

    /// Red-team row 1 (RELIABILITY.md): with write access to the store, an insider inserts a
    /// session row for a token of their own, or moves their own session to another account.
    #[test]
    fn a_session_row_made_or_moved_outside_loep_is_refused() {
        use sha2::{Digest, Sha256};
        let (_d, mut p, anna) = db();
        let t0 = t("2026-06-15T08:00:00Z");
        let bram = add(&mut p, Some(&anna), "bram", Rol::Analist);
        drop_access_triggers(p.db());
        // A row named by the unkeyed hash of a token the attacker chose, with any seal.
        let token = "ab".repeat(32);
        p.db()
            .execute(
                "INSERT INTO websessie VALUES (?1, 'anna', 'c', ?2, ?2, 'x')",
                params![hex::encode(Sha256::digest(token.as_bytes())), stamp(t0)],
            )
            .unwrap();
        let e = resume(&mut p, &token, t0).unwrap_err();
        assert!(e.to_string().contains("verlopen"), "{e}");
        assert!(p.check_access().is_err());
        crate::integrity::clear_alarm(&p.layout).unwrap();
        crate::integrity::create_triggers(p.db()).unwrap();
        // bram's own session, moved to anna's account in the database.
        let s = start(&mut p, &bram, t0).unwrap();
        assert_eq!(resume(&mut p, &s.token, t0).unwrap().0.naam(), "bram");
        drop_access_triggers(p.db());
        p.db()
            .execute(
                "UPDATE websessie SET gebruiker = 'anna' WHERE gebruiker = 'bram'",
                [],
            )
            .unwrap();
        let e = resume(&mut p, &s.token, t0).unwrap_err();
        assert!(e.to_string().contains("buiten loep om"), "{e}");
        // Both rows are reported to the privacy officer's check.
        let found = crate::integrity::tampered_rows(p.db()).unwrap();
        assert_eq!(
            found.iter().filter(|p| p.starts_with("websessie")).count(),
            2,
            "{found:?}"
        );
        p.db().execute_batch("DELETE FROM websessie").unwrap();
        crate::integrity::create_triggers(p.db()).unwrap();
        // Made younger: the start time is under the seal as well.
        let s = start(&mut p, &bram, t0).unwrap();
        let later = t("2026-06-15T17:59:00Z");
        drop_access_triggers(p.db());
        p.db()
            .execute(
                "UPDATE websessie SET aangemaakt = ?1, laatst = ?1 WHERE csrf = ?2",
                params![stamp(later), s.csrf],
            )
            .unwrap();
        assert!(resume(&mut p, &s.token, later).is_err());
        crate::integrity::create_triggers(p.db()).unwrap();
        // Kept alive past the idle timeout by rewriting its last use: the last use is sealed.
        let s = start(&mut p, &bram, t0).unwrap();
        let idle = t("2026-06-15T09:00:00Z");
        p.db()
            .execute(
                "UPDATE websessie SET laatst = ?1 WHERE csrf = ?2",
                params![stamp(idle), s.csrf],
            )
            .unwrap();
        let e = resume(&mut p, &s.token, idle).unwrap_err();
        assert!(e.to_string().contains("buiten loep om"), "{e}");
        // A change of the account by loep (here a new password hash, through the triggers
        // that keep its seal) ends its sessions: the account row's seal is part of theirs.
        let s = start(&mut p, &bram, t0).unwrap();
        assert!(resume(&mut p, &s.token, t0).is_ok());
        let hash = crate::auth::hash_password("een ander lang wachtwoord").unwrap();
        let tx = p.begin().unwrap();
        tx.execute(
            "UPDATE gebruiker SET wachtwoord = ?1 WHERE naam = 'bram'",
            [hash],
        )
        .unwrap();
        tx.commit().unwrap();
        assert!(crate::integrity::row_intact(p.db(), "gebruiker", "bram").unwrap());
        // Ended, not left behind as a row that no longer matches its seal (which the privacy
        // officer's check would report as changed outside loep).
        let left: i64 = p
            .db()
            .query_row(
                "SELECT count(*) FROM websessie WHERE gebruiker = 'bram'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 0);
        assert!(tampered(p.db()).unwrap().is_empty());
        assert!(resume(&mut p, &s.token, t0).is_err());
    }

    #[test]
    fn sessions_of_an_earlier_release_end() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::integrity::register(Db::of(&conn), &crate::integrity::test_key(), 0).unwrap();
        conn.execute_batch(
            "CREATE TABLE websessie (sleutel TEXT PRIMARY KEY, gebruiker TEXT NOT NULL, csrf TEXT NOT NULL, aangemaakt TEXT NOT NULL, laatst TEXT NOT NULL);
             INSERT INTO websessie VALUES ('k', 'anna', 'c', 'a', 'l');",
        )
        .unwrap();
        create_schema(Db::of(&conn)).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM websessie", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }
}
