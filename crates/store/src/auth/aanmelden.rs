//! Logging in: a name and password checked against the project's accounts, failed logins
//! counted and recorded, and the lockout after too many of them.

use anyhow::Result;
use chrono::{DateTime, Local, TimeDelta, Utc};
use rusqlite::params;

use super::accounts::{Rij, atomically, find, stamp};
use super::policy::ActingAccount;
use super::wachtwoord::{DUMMY_HASH, verify_password};
use super::{refused, tampered};
use crate::audit::{self, Gebeurtenis};
use crate::clock;
use crate::db::Db;
use crate::problem::{Problem, ProblemKind};

/// Failed logins in a row that lock an account, and for how long. The standards bound these
/// rather than fix them: NIST SP 800-63B §5.2.2 requires rate limiting to at most 100
/// consecutive failed attempts per account, OWASP ASVS 4.0.3 V2.2.1 asks for anti-automation
/// such as account lockout, and the OWASP Authentication Cheat Sheet ("Account Lockout")
/// describes a threshold and an observation/lockout period. 5 attempts and 15 minutes is the
/// common choice within those bounds: at most 480 guesses a day online against a password of
/// 10^8 guesses or more.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// See [`MAX_FAILED_LOGINS`].
pub const LOCKOUT_MINUTES: i64 = 15;

/// The name as typed, for the audit line of a failed login with an unknown name: at most 64
/// characters, control characters replaced, so that a typed line cannot forge another.
fn as_typed(naam: &str) -> String {
    naam.chars()
        .take(64)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn wrong() -> anyhow::Error {
    refused("onbekend account of verkeerd wachtwoord voor dit project")
}

fn locked(naam: &str, until: DateTime<Utc>) -> anyhow::Error {
    Problem::error(
        ProblemKind::Busy,
        format!(
            "account '{naam}' is tijdelijk geblokkeerd tot {} na te veel mislukte pogingen; probeer het later opnieuw of vraag een beheerder",
            until.with_timezone(&Local).format("%H:%M")
        ),
    )
}

/// A disabled account's refusal.
fn disabled(naam: &str) -> anyhow::Error {
    refused(format!(
        "account '{naam}' is uitgeschakeld; vraag een beheerder om het weer in te schakelen"
    ))
}

/// The logged-in account of a row that passed every check.
fn user_of(row: Rij) -> ActingAccount {
    ActingAccount {
        naam: row.naam,
        rol: row.rol,
        organisatie: row.organisatie,
        bevestigd: row.bevestigd,
    }
}

/// Records a failed login to `account` in the audit trail, with why.
fn failed_login(conn: &Db, now: DateTime<Utc>, account: &str, why: &str) -> Result<()> {
    audit::record(
        conn,
        now,
        Gebeurtenis::InlogMislukt,
        account,
        None,
        Some(why),
    )
}

/// Checks a name and password against this project's accounts. A failure is recorded in the
/// audit trail (and counted, so that [`MAX_FAILED_LOGINS`] in a row lock the account for
/// [`LOCKOUT_MINUTES`]); it is written before the error returns, so run this outside a
/// transaction that the error would roll back.
///
/// This is the login of the command line, run on the server by the project's own system
/// user (who can read the stored password hashes anyway): a [`Client::Known`].
pub fn authenticate(conn: &Db, naam: &str, password: &str) -> Result<ActingAccount> {
    authenticate_at(conn, naam, password, clock::now_utc(), Client::Known)
}

/// [`authenticate`] for a login from `client`.
pub fn authenticate_from(
    conn: &Db,
    naam: &str,
    password: &str,
    client: Client,
) -> Result<ActingAccount> {
    authenticate_at(conn, naam, password, clock::now_utc(), client)
}

/// Where a login comes from, for the lockout: failed logins lock an account against clients
/// it does not know, never against the right password from one it knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// A browser (or other network client) not known to have logged in to the account.
    Unknown,
    /// A browser that logged in to the account before ([`crate::apparaat`]), or the command
    /// line on the server.
    Known,
}

pub(super) fn authenticate_at(
    conn: &Db,
    naam: &str,
    password: &str,
    now: DateTime<Utc>,
    client: Client,
) -> Result<ActingAccount> {
    let Some(row) = find(conn, naam)? else {
        // Spend the same time as for a known account, so that names cannot be probed.
        let _ = verify_password(password, DUMMY_HASH);
        failed_login(conn, now, &as_typed(naam), "onbekende accountnaam")?;
        return Err(wrong());
    };
    // Always verify, also for a locked or disabled account: every answer costs the same time.
    let right = verify_password(password, &row.wachtwoord);
    let lock = row.locked_until(now);
    // Others' failed logins do not shut out the account's own user: the right password from
    // a known client logs in and lifts the lock (reset with the count below).
    let lifted = lock.filter(|_| right && client == Client::Known);
    if let (Some(until), None) = (lock, lifted) {
        failed_login(
            conn,
            now,
            naam,
            &format!("account geblokkeerd tot {}", stamp(until)),
        )?;
        // Only who knows the password learns that the account is locked: to anyone else a
        // locked account answers as an unknown name or a wrong password does, so that names
        // cannot be probed by locking them.
        return Err(if right { locked(naam, until) } else { wrong() });
    }
    if !right {
        let until = now + TimeDelta::minutes(LOCKOUT_MINUTES);
        atomically(conn, || {
            // One statement counts and locks, so that parallel attempts cannot both slip under.
            let (n, now_locked): (i64, bool) = conn.query_row(
                "UPDATE gebruiker SET
                    mislukte_pogingen = CASE WHEN mislukte_pogingen + 1 >= ?2 THEN 0 ELSE mislukte_pogingen + 1 END,
                    geblokkeerd_tot = CASE WHEN mislukte_pogingen + 1 >= ?2 THEN ?3 ELSE geblokkeerd_tot END
                 WHERE naam = ?1
                 RETURNING mislukte_pogingen, geblokkeerd_tot IS ?3",
                params![naam, MAX_FAILED_LOGINS, stamp(until)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let poging = if now_locked { MAX_FAILED_LOGINS } else { n };
            failed_login(
                conn,
                now,
                naam,
                &format!("verkeerd wachtwoord (poging {poging} van {MAX_FAILED_LOGINS})"),
            )?;
            if now_locked {
                audit::record(
                    conn,
                    now,
                    Gebeurtenis::Geblokkeerd,
                    naam,
                    None,
                    Some(&format!(
                        "{MAX_FAILED_LOGINS} mislukte inlogpogingen op rij; geblokkeerd tot {}",
                        stamp(until)
                    )),
                )?;
            }
            Ok(now_locked)
        })?;
        // The attempt that locks the account answers like any wrong password (see above).
        return Err(wrong());
    }
    if !crate::integrity::row_intact(conn, "gebruiker", naam)? {
        failed_login(conn, now, naam, "account buiten loep gewijzigd")?;
        return Err(tampered(naam));
    }
    if !row.actief {
        failed_login(conn, now, naam, "account uitgeschakeld")?;
        return Err(disabled(naam));
    }
    if let Some(until) = lifted {
        audit::record(
            conn,
            now,
            Gebeurtenis::Ingeschakeld,
            naam,
            None,
            Some(&format!(
                "blokkade tot {} opgeheven: juist wachtwoord van een bekend apparaat of de opdrachtregel",
                stamp(until)
            )),
        )?;
    }
    // A success resets the count; written only when there is something to reset, so that a
    // login that only reads the project writes nothing.
    conn.execute(
        "UPDATE gebruiker SET mislukte_pogingen = 0, geblokkeerd_tot = NULL
         WHERE naam = ?1 AND (mislukte_pogingen <> 0 OR geblokkeerd_tot IS NOT NULL)",
        params![naam],
    )?;
    Ok(user_of(row))
}

/// Whether account `naam` is locked at `now` (too many failed logins): its web sessions end
/// ([`crate::websessie::resume`]); its user logs in again, and the right password from a
/// browser that logged in to it before lifts the lock ([`Client::Known`]). API keys are not
/// affected: whoever fails to log in as an account cannot stop a partner's system.
pub(crate) fn locked_now(conn: &Db, naam: &str, now: DateTime<Utc>) -> Result<bool> {
    Ok(find(conn, naam)?.is_some_and(|row| row.locked_until(now).is_some()))
}

/// The account `naam` as it stands now, for a session that a login started before
/// ([`crate::websessie::resume`]): refused when the account is gone, disabled or changed
/// outside loep. A lockout (failed logins by whoever) does not end a session already open.
pub(crate) fn reload(conn: &Db, naam: &str) -> Result<ActingAccount> {
    let Some(row) = find(conn, naam)? else {
        return Err(refused(format!(
            "account '{naam}' bestaat niet meer; log opnieuw in"
        )));
    };
    if !crate::integrity::row_intact(conn, "gebruiker", naam)? {
        return Err(tampered(naam));
    }
    if !row.actief {
        return Err(disabled(naam));
    }
    Ok(user_of(row))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::test_support::*;
    use crate::auth::{AccountStatus, Rol};

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-05-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    /// Anyone can lock an account by failing to log in to it; the right password from a
    /// client that logged in to it before (a known device, the command line) still logs in
    /// and lifts the lock, so that a stranger cannot shut out the privacy officer.
    #[test]
    fn the_right_password_from_a_known_client_lifts_a_lock_others_caused() {
        let (conn, b) = project();
        add(Db::of(&conn), &b, "fg2", Rol::Analist);
        let t = t0();
        lock(Db::of(&conn), "fg2", t);
        assert_eq!(
            status(Db::of(&conn), "fg2", t).status,
            AccountStatus::Geblokkeerd
        );
        // An unknown client with the right password is still refused.
        let e = authenticate_at(Db::of(&conn), "fg2", PW, t, Client::Unknown).unwrap_err();
        assert!(e.to_string().contains("tijdelijk geblokkeerd"), "{e}");
        // A known client with a wrong password is refused, and the lock stays.
        let e = authenticate_at(
            Db::of(&conn),
            "fg2",
            "nog een verkeerd wachtwoord",
            t,
            Client::Known,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), wrong().to_string());
        assert_eq!(
            status(Db::of(&conn), "fg2", t).status,
            AccountStatus::Geblokkeerd
        );
        // The right password from a known client logs in and lifts the lock.
        assert_eq!(
            authenticate_at(Db::of(&conn), "fg2", PW, t, Client::Known)
                .unwrap()
                .naam(),
            "fg2"
        );
        assert_eq!(
            status(Db::of(&conn), "fg2", t).status,
            AccountStatus::Actief
        );
        assert_eq!(
            authenticate_at(Db::of(&conn), "fg2", PW, t, Client::Unknown)
                .unwrap()
                .naam(),
            "fg2"
        );
        assert!(
            events(Db::of(&conn))
                .iter()
                .any(|(g, a, _)| *g == Gebeurtenis::Ingeschakeld && a == "fg2")
        );
    }

    #[test]
    fn five_failures_lock_the_account_for_fifteen_minutes() {
        let (conn, b) = project();
        add(Db::of(&conn), &b, "a", Rol::Analist);
        let t = t0();
        for i in 1..MAX_FAILED_LOGINS {
            let e = wrong_password(Db::of(&conn), "a", t).unwrap_err();
            assert!(e.to_string().contains("verkeerd wachtwoord"), "{i}: {e}");
        }
        assert_eq!(status(Db::of(&conn), "a", t).status, AccountStatus::Actief);
        // The fifth locks, and answers as any wrong password does: to someone without the
        // password a locked account looks like an unknown one.
        let e = wrong_password(Db::of(&conn), "a", t).unwrap_err();
        assert_eq!(e.to_string(), wrong().to_string());
        let unknown = wrong_password(Db::of(&conn), "onbekend", t).unwrap_err();
        assert_eq!(e.to_string(), unknown.to_string());
        assert_eq!(kind(&e), kind(&unknown));
        let e = authenticate_at(
            Db::of(&conn),
            "a",
            "nog een verkeerd wachtwoord",
            t,
            Client::Unknown,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), unknown.to_string());
        // With the right password the owner learns why.
        let until = t + TimeDelta::minutes(LOCKOUT_MINUTES);
        let hhmm = until.with_timezone(&Local).format("%H:%M").to_string();
        let e = authenticate_at(Db::of(&conn), "a", PW, t, Client::Unknown).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "account 'a' is tijdelijk geblokkeerd tot {hhmm} na te veel mislukte pogingen; probeer het later opnieuw of vraag een beheerder"
            )
        );
        assert_eq!(kind(&e), Some(ProblemKind::Busy));
        let listed = status(Db::of(&conn), "a", t);
        assert_eq!(listed.status, AccountStatus::Geblokkeerd);
        assert_eq!(listed.geblokkeerd_tot, Some(stamp(until)));
        assert_eq!(
            serde_json::to_value(&listed).unwrap()["status"],
            "geblokkeerd"
        );
        // While locked, even the right password is refused, up to the last second.
        for later in [
            TimeDelta::seconds(1),
            TimeDelta::minutes(LOCKOUT_MINUTES) - TimeDelta::seconds(1),
        ] {
            let e =
                authenticate_at(Db::of(&conn), "a", PW, t + later, Client::Unknown).unwrap_err();
            assert!(e.to_string().contains("tijdelijk geblokkeerd tot"), "{e}");
        }
        // After the period the right password works again.
        let after = until + TimeDelta::seconds(1);
        assert_eq!(
            status(Db::of(&conn), "a", after).status,
            AccountStatus::Actief
        );
        assert_eq!(status(Db::of(&conn), "a", after).geblokkeerd_tot, None);
        assert_eq!(
            authenticate_at(Db::of(&conn), "a", PW, after, Client::Unknown)
                .unwrap()
                .naam(),
            "a"
        );
        let trail = events(Db::of(&conn));
        let failed = trail
            .iter()
            .filter(|(g, a, _)| *g == Gebeurtenis::InlogMislukt && a == "a")
            .count();
        assert_eq!(failed as i64, MAX_FAILED_LOGINS + 4);
        assert_eq!(
            trail
                .iter()
                .filter(|(g, a, _)| *g == Gebeurtenis::Geblokkeerd && a == "a")
                .count(),
            1
        );
    }

    #[test]
    fn a_success_resets_the_count() {
        let (conn, b) = project();
        add(Db::of(&conn), &b, "a", Rol::Analist);
        let t = t0();
        for round in 0..3 {
            for _ in 1..MAX_FAILED_LOGINS {
                assert!(wrong_password(Db::of(&conn), "a", t).is_err());
            }
            authenticate_at(Db::of(&conn), "a", PW, t, Client::Unknown)
                .unwrap_or_else(|e| panic!("round {round}: {e}"));
        }
        assert_eq!(status(Db::of(&conn), "a", t).status, AccountStatus::Actief);
        // Without the success in between, one more failure would have locked it.
        lock(Db::of(&conn), "a", t);
        assert_eq!(
            status(Db::of(&conn), "a", t).status,
            AccountStatus::Geblokkeerd
        );
    }

    #[test]
    fn failures_with_unknown_names_are_recorded_as_typed() {
        let (conn, _) = project();
        let long = format!("{}\nnep-regel", "x".repeat(80));
        for naam in ["niemand", long.as_str()] {
            let e = authenticate(Db::of(&conn), naam, PW).unwrap_err();
            assert!(e.to_string().contains("onbekend account"), "{e}");
        }
        let failed: Vec<audit::AuditRecord> = audit::records(Db::of(&conn))
            .unwrap()
            .into_iter()
            .filter(|r| r.gebeurtenis == Gebeurtenis::InlogMislukt)
            .collect();
        assert_eq!(failed.len(), 2);
        assert_eq!(failed[0].account, "niemand");
        assert_eq!(failed[1].account, "x".repeat(64));
        assert_eq!(failed[0].door, None);
        assert!(
            failed[0]
                .toelichting
                .as_deref()
                .unwrap()
                .contains("onbekend")
        );
        // A name with a control character inside the first 64 is kept, the character not.
        let _ = authenticate(Db::of(&conn), "a\nb", PW);
        assert_eq!(
            audit::records(Db::of(&conn))
                .unwrap()
                .last()
                .unwrap()
                .account,
            "a?b"
        );
    }
}
