//! The accounts in the project's store: the `gebruiker` table and its upgrades, an account's
//! row, and what a beheerder or fg does to accounts (add, list, disable, enable, confirm) and
//! an account to its own password. Every change is written to the audit trail with it.

use anyhow::{Context, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use loep_contract::Partner;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::policy::{Actie, ActingAccount, Object, Rol, authorize};
use super::wachtwoord::{check_name, check_password, hash_password, verify_password};
use super::{invalid, not_found, refused, tampered};
use crate::audit::{self, Gebeurtenis};
use crate::clock;
use crate::db::Db;
use crate::problem::Problem;

/// The state of an account, as `loep user list` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccountStatus {
    /// Can log in and act in its role.
    Actief,
    /// A sleutelhouder or fg that no fg has confirmed yet.
    WachtOpBevestiging,
    /// Disabled by a beheerder; can no longer log in.
    Uitgeschakeld,
    /// Locked for a while after too many failed logins.
    Geblokkeerd,
}

impl AccountStatus {
    /// In words, for the pages.
    pub fn label(self) -> &'static str {
        match self {
            AccountStatus::Actief => "actief",
            AccountStatus::WachtOpBevestiging => "wacht op bevestiging door een fg",
            AccountStatus::Uitgeschakeld => "uitgeschakeld",
            AccountStatus::Geblokkeerd => "tijdelijk geblokkeerd",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Actief => "actief",
            AccountStatus::WachtOpBevestiging => "wacht-op-bevestiging",
            AccountStatus::Uitgeschakeld => "uitgeschakeld",
            AccountStatus::Geblokkeerd => "geblokkeerd",
        }
    }
}

/// An account as listed: no password hash, no way to act with it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Account {
    pub naam: String,
    pub rol: Rol,
    pub organisatie: Option<Partner>,
    pub status: AccountStatus,
    /// RFC 3339, UTC.
    pub aangemaakt: String,
    /// Until when the account is locked (RFC 3339, UTC), while it is.
    pub geblokkeerd_tot: Option<String>,
}

/// The columns added to `gebruiker` after the first release, with their definitions. An older
/// project's table gets them in place when it is opened; the defaults are what an account made
/// before them is: confirmed (it was created before the rule, and a project must not lose its
/// key holders and fg at an upgrade), without failed logins, not locked.
const ADDED_COLUMNS: [(&str, &str); 3] = [
    ("bevestigd", "INTEGER NOT NULL DEFAULT 1"),
    ("mislukte_pogingen", "INTEGER NOT NULL DEFAULT 0"),
    ("geblokkeerd_tot", "TEXT"),
];

/// Creates the accounts table and its audit trail, or brings an older project's table up to
/// date (idempotent: every open calls it).
pub fn create_schema(conn: &Db) -> Result<()> {
    conn.execute_batch(
        r#"
CREATE TABLE IF NOT EXISTS gebruiker (
    naam TEXT PRIMARY KEY,
    rol TEXT NOT NULL,
    organisatie TEXT,
    wachtwoord TEXT NOT NULL,
    actief INTEGER NOT NULL,
    aangemaakt TEXT NOT NULL,
    uitgeschakeld TEXT
);
"#,
    )
    .context("kan de tabel gebruiker (de accounts) niet aanmaken")?;
    let present: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('gebruiker')")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for (column, definition) in ADDED_COLUMNS {
        if !present.iter().any(|c| c == column) {
            conn.execute_batch(&format!(
                "ALTER TABLE gebruiker ADD COLUMN {column} {definition}"
            ))
            .with_context(|| {
                format!("kan de kolom {column} niet aan de tabel gebruiker toevoegen")
            })?;
        }
    }
    audit::create_schema(conn)?;
    crate::websessie::create_schema(conn)
}

pub(super) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// An account's row.
pub(super) struct Rij {
    pub(super) naam: String,
    pub(super) rol: Rol,
    pub(super) organisatie: Option<Partner>,
    pub(super) wachtwoord: String,
    pub(super) actief: bool,
    pub(super) bevestigd: bool,
    pub(super) aangemaakt: String,
    pub(super) geblokkeerd_tot: Option<DateTime<Utc>>,
}

const SELECT: &str = "SELECT naam, rol, organisatie, wachtwoord, actief, bevestigd, aangemaakt, geblokkeerd_tot FROM gebruiker";

fn conversion(column: usize, e: anyhow::Error) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, e.into())
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Rij> {
    let rol: String = r.get(1)?;
    let organisatie: Option<String> = r.get(2)?;
    let geblokkeerd_tot: Option<String> = r.get(7)?;
    Ok(Rij {
        naam: r.get(0)?,
        rol: Rol::parse(&rol).map_err(|e| conversion(1, e))?,
        organisatie: organisatie
            .map(|o| Partner::parse(&o).map_err(|e| conversion(2, anyhow::anyhow!("{e}"))))
            .transpose()?,
        wachtwoord: r.get(3)?,
        actief: r.get(4)?,
        bevestigd: r.get(5)?,
        aangemaakt: r.get(6)?,
        geblokkeerd_tot: geblokkeerd_tot
            .map(|t| {
                DateTime::parse_from_rfc3339(&t)
                    .map(|d| d.with_timezone(&Utc))
                    .map_err(|e| conversion(7, e.into()))
            })
            .transpose()?,
    })
}

impl Rij {
    pub(super) fn locked_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.geblokkeerd_tot.filter(|t| *t > now)
    }

    fn account(&self, now: DateTime<Utc>) -> Account {
        let locked = self.locked_until(now);
        let status = if !self.actief {
            AccountStatus::Uitgeschakeld
        } else if locked.is_some() {
            AccountStatus::Geblokkeerd
        } else if !self.bevestigd {
            AccountStatus::WachtOpBevestiging
        } else {
            AccountStatus::Actief
        };
        Account {
            naam: self.naam.clone(),
            rol: self.rol,
            organisatie: self.organisatie,
            status,
            aangemaakt: self.aangemaakt.clone(),
            geblokkeerd_tot: locked.map(stamp),
        }
    }
}

pub(super) fn find(conn: &Db, naam: &str) -> Result<Option<Rij>> {
    conn.query_row(
        &format!("{SELECT} WHERE naam = ?1"),
        params![naam],
        from_row,
    )
    .optional()
    .with_context(|| format!("kan account '{naam}' niet lezen"))
}

/// Account `naam`'s row; not found when there is none.
pub(super) fn existing(conn: &Db, naam: &str) -> Result<Rij> {
    find(conn, naam)?.ok_or_else(|| not_found(naam))
}

/// Runs `f` in a savepoint: everything it writes (a change and its audit line) commits
/// together or not at all. Works inside a caller's transaction too.
pub(crate) fn atomically<T>(conn: &Db, f: impl FnOnce() -> Result<T>) -> Result<T> {
    conn.execute_batch("SAVEPOINT loep_auth")?;
    let result = f().and_then(|v| {
        conn.execute_batch("RELEASE loep_auth")?;
        Ok(v)
    });
    if result.is_err() {
        // Best effort: the savepoint may be gone already if RELEASE itself failed late.
        let _ = conn.execute_batch("ROLLBACK TO loep_auth; RELEASE loep_auth");
    }
    result
}

/// Adds an account. The first account of a project must be a beheerder and needs no `by`;
/// every later one is added by a beheerder. A sleutelhouder or fg starts as waiting for an
/// fg's confirmation ([`confirm_account`]).
pub fn add_account(
    conn: &Db,
    by: Option<&ActingAccount>,
    naam: &str,
    rol: Rol,
    organisatie: Option<Partner>,
    password: &str,
) -> Result<Account> {
    check_name(naam)?;
    match by {
        Some(by) => authorize(by, Actie::GebruikersBeheren, Object::Account { naam })?,
        None => {
            let n: i64 = conn.query_row("SELECT COUNT(*) FROM gebruiker", [], |r| r.get(0))?;
            if n > 0 {
                return Err(refused(
                    "dit project heeft al accounts; een beheerder moet nieuwe accounts toevoegen",
                ));
            }
            if rol != Rol::Beheerder {
                return Err(invalid(
                    "het eerste account van een project moet een beheerder zijn",
                ));
            }
        }
    }
    check_password(naam, password, &[])?;
    if rol == Rol::PartnerMedewerker && organisatie.is_none() {
        return Err(Problem::invalid_in(
            &["organisatie"],
            format!(
                "een partner-medewerker hoort bij één organisatie: geef de organisatie ({})",
                Partner::list()
            ),
        ));
    }
    if organisatie.is_some() && !matches!(rol, Rol::PartnerMedewerker | Rol::Handhaver) {
        return Err(Problem::invalid_in(
            &["organisatie"],
            format!(
                "alleen een partner-medewerker of handhaver hoort bij een organisatie; laat de organisatie weg voor een {}",
                rol.name()
            ),
        ));
    }
    if find(conn, naam)?.is_some() {
        return Err(invalid(format!(
            "er is al een account '{naam}' in dit project; kies een andere naam"
        )));
    }
    // Created by a beheerder, the second pair of eyes waits for an fg.
    let bevestigd = by.is_none() || !rol.needs_confirmation();
    let now = clock::now_utc();
    let wachtwoord = hash_password(password)?;
    let mut toelichting = format!("rol {}", rol.name());
    if let Some(o) = organisatie {
        toelichting.push_str(&format!(", organisatie {}", o.as_str()));
    }
    if !bevestigd {
        toelichting.push_str("; wacht op bevestiging door een functionaris gegevensbescherming");
    }
    atomically(conn, || {
        conn.execute(
            "INSERT INTO gebruiker (naam, rol, organisatie, wachtwoord, actief, aangemaakt, bevestigd, mislukte_pogingen) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, 0)",
            params![
                naam,
                rol.name(),
                organisatie.map(|p| p.as_str()),
                wachtwoord,
                stamp(now),
                bevestigd
            ],
        )
        .with_context(|| format!("kan account '{naam}' niet opslaan"))?;
        audit::record(
            conn,
            now,
            Gebeurtenis::Aangemaakt,
            naam,
            by.map(ActingAccount::naam),
            Some(&toelichting),
        )
    })?;
    Ok(Account {
        naam: naam.to_string(),
        rol,
        organisatie,
        status: if bevestigd {
            AccountStatus::Actief
        } else {
            AccountStatus::WachtOpBevestiging
        },
        aangemaakt: stamp(now),
        geblokkeerd_tot: None,
    })
}

/// Every account of the project, by name, with its state now.
pub fn accounts(conn: &Db) -> Result<Vec<Account>> {
    accounts_at(conn, clock::now_utc())
}

pub(super) fn accounts_at(conn: &Db, now: DateTime<Utc>) -> Result<Vec<Account>> {
    let mut stmt = conn.prepare(&format!("{SELECT} ORDER BY naam"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows
        .collect::<Result<Vec<_>, _>>()
        .context("kan de accounts niet lezen")?
        .iter()
        .map(|r| r.account(now))
        .collect())
}

/// Disables an account: it can no longer log in; what it did stays recorded.
pub fn disable_account(conn: &Db, by: &ActingAccount, naam: &str) -> Result<()> {
    authorize(by, Actie::GebruikersBeheren, Object::Account { naam })?;
    let now = clock::now_utc();
    let changed = atomically(conn, || {
        let n = conn.execute(
            "UPDATE gebruiker SET actief = 0, uitgeschakeld = ?2 WHERE naam = ?1 AND actief = 1",
            params![naam, stamp(now)],
        )?;
        if n > 0 {
            audit::record(
                conn,
                now,
                Gebeurtenis::Uitgeschakeld,
                naam,
                Some(by.naam()),
                None,
            )?;
            crate::apparaat::forget_all_of(conn, naam)?;
        }
        Ok(n > 0)
    })?;
    if !changed {
        return match find(conn, naam)? {
            None => Err(not_found(naam)),
            Some(_) => Err(invalid(format!("account '{naam}' is al uitgeschakeld"))),
        };
    }
    Ok(())
}

/// Re-enables a disabled account, or lifts the lock of a locked one, by a beheerder other than
/// the account itself. A sleutelhouder or fg keeps its confirmation state.
pub fn enable_account(conn: &Db, by: &ActingAccount, naam: &str) -> Result<()> {
    enable_account_at(conn, by, naam, clock::now_utc())
}

fn enable_account_at(conn: &Db, by: &ActingAccount, naam: &str, now: DateTime<Utc>) -> Result<()> {
    authorize(by, Actie::GebruikersBeheren, Object::Account { naam })?;
    let row = existing(conn, naam)?;
    let toelichting = match (row.actief, row.locked_until(now)) {
        (false, _) => "weer ingeschakeld",
        (true, Some(_)) => "blokkade na mislukte inlogpogingen opgeheven",
        (true, None) => {
            return Err(invalid(format!(
                "account '{naam}' is niet uitgeschakeld of geblokkeerd; er is niets in te schakelen"
            )));
        }
    };
    atomically(conn, || {
        conn.execute(
            "UPDATE gebruiker SET actief = 1, uitgeschakeld = NULL, mislukte_pogingen = 0, geblokkeerd_tot = NULL WHERE naam = ?1",
            params![naam],
        )?;
        audit::record(
            conn,
            now,
            Gebeurtenis::Ingeschakeld,
            naam,
            Some(by.naam()),
            Some(toelichting),
        )
    })
}

/// A confirmed functionaris gegevensbescherming confirms a sleutelhouder or fg account that a
/// beheerder created; never their own.
pub fn confirm_account(conn: &Db, by: &ActingAccount, naam: &str) -> Result<()> {
    authorize(by, Actie::GebruikersBevestigen, Object::Account { naam })?;
    let row = existing(conn, naam)?;
    if !row.rol.needs_confirmation() {
        return Err(invalid(format!(
            "alleen accounts van een sleutelhouder of functionaris gegevensbescherming worden bevestigd; '{naam}' is een {} en kan al aan het werk",
            row.rol.name()
        )));
    }
    if row.bevestigd {
        return Err(invalid(format!("account '{naam}' is al bevestigd")));
    }
    if !row.actief {
        return Err(invalid(format!(
            "account '{naam}' is uitgeschakeld; laat een beheerder het eerst weer inschakelen"
        )));
    }
    let now = clock::now_utc();
    atomically(conn, || {
        conn.execute(
            "UPDATE gebruiker SET bevestigd = 1 WHERE naam = ?1",
            params![naam],
        )?;
        audit::record(
            conn,
            now,
            Gebeurtenis::Bevestigd,
            naam,
            Some(by.naam()),
            Some(&format!("{} bevestigd", row.rol.name())),
        )
    })
}

/// An account changes its own password: the current one must be right, the new one must
/// meet the rules and differ from it. The account's open sessions end with it (their seal
/// covers the account's row), and the audit trail records the change.
pub fn change_password(conn: &Db, user: &ActingAccount, current: &str, new: &str) -> Result<()> {
    let naam = user.naam();
    let row = existing(conn, naam)?;
    if !crate::integrity::row_intact(conn, "gebruiker", naam)? {
        return Err(tampered(naam));
    }
    if !verify_password(current, &row.wachtwoord) {
        return Err(refused(
            "geweigerd: het huidige wachtwoord klopt niet; het wachtwoord is niet gewijzigd",
        ));
    }
    if current == new {
        return Err(invalid(
            "het nieuwe wachtwoord is gelijk aan het huidige; kies een ander",
        ));
    }
    check_password(naam, new, &[current])?;
    let wachtwoord = hash_password(new)?;
    let now = clock::now_utc();
    atomically(conn, || {
        conn.execute(
            "UPDATE gebruiker SET wachtwoord = ?2 WHERE naam = ?1",
            params![naam, wachtwoord],
        )
        .with_context(|| format!("kan het wachtwoord van '{naam}' niet opslaan"))?;
        crate::apparaat::forget_all_of(conn, naam)?;
        audit::record(
            conn,
            now,
            Gebeurtenis::WachtwoordGewijzigd,
            naam,
            Some(naam),
            Some("eigen wachtwoord gewijzigd; open sessies beëindigd"),
        )
    })
}

/// Whether the project has a confirmed functionaris gegevensbescherming. A disabled one
/// counts too: disabling the fg must not reopen the way for a beheerder's own fg to confirm
/// itself at an approval.
pub fn has_confirmed_fg(conn: &Db) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM gebruiker WHERE rol = ?1 AND bevestigd = 1)",
        params![Rol::FunctionarisGegevensbescherming.name()],
        |r| r.get(0),
    )?)
}

/// The project's first fg is confirmed by approving the project: the caller runs this inside
/// the approval (same transaction), after [`authorize`] for [`Actie::ProjectGoedkeuren`].
/// Nothing to do for an fg that is confirmed already; refused when `fg` is not confirmed and
/// another fg is, because then that fg must confirm this one.
pub fn confirm_first_fg(conn: &Db, fg: &ActingAccount) -> Result<()> {
    if fg.rol != Rol::FunctionarisGegevensbescherming {
        return Err(refused(format!(
            "geweigerd: alleen een functionaris gegevensbescherming wordt bevestigd bij de goedkeuring van het project; '{}' is een {}",
            fg.naam,
            fg.rol.name()
        )));
    }
    let row = existing(conn, &fg.naam)?;
    if row.bevestigd {
        return Ok(());
    }
    if has_confirmed_fg(conn)? {
        return Err(refused(format!(
            "geweigerd: dit project heeft al een bevestigde functionaris gegevensbescherming; die moet account '{}' eerst bevestigen",
            fg.naam
        )));
    }
    let now = clock::now_utc();
    atomically(conn, || {
        conn.execute(
            "UPDATE gebruiker SET bevestigd = 1 WHERE naam = ?1 AND bevestigd = 0",
            params![fg.naam],
        )?;
        audit::record(
            conn,
            now,
            Gebeurtenis::Bevestigd,
            &fg.naam,
            Some(&fg.naam),
            Some(
                "eerste functionaris gegevensbescherming, bevestigd door de goedkeuring van het project",
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::aanmelden::authenticate_at;
    use crate::auth::test_support::*;
    use crate::auth::{Client, MAX_FAILED_LOGINS, authenticate, authenticate_from, decide};
    use crate::problem::ProblemKind;

    #[test]
    fn accounts() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::integrity::register(Db::of(&conn), &crate::integrity::test_key(), 0).unwrap();
        create_schema(Db::of(&conn)).unwrap();
        assert!(add_account(Db::of(&conn), None, "analist", Rol::Analist, None, PW).is_err());
        let added = add_account(Db::of(&conn), None, "beheer", Rol::Beheerder, None, PW).unwrap();
        assert_eq!(added.status, AccountStatus::Actief);
        assert_eq!(added.rol, Rol::Beheerder);
        let b = authenticate(Db::of(&conn), "beheer", PW).unwrap();
        assert_eq!(
            (b.naam(), b.rol(), b.bevestigd()),
            ("beheer", Rol::Beheerder, true)
        );
        let e = add_account(Db::of(&conn), None, "b2", Rol::Beheerder, None, PW).unwrap_err();
        assert_eq!(kind(&e), Some(ProblemKind::Refused), "{e}");
        let e = add_account(Db::of(&conn), Some(&b), "a", Rol::Analist, None, "kort").unwrap_err();
        assert!(e.to_string().contains("minstens 12 tekens"), "{e}");
        assert_eq!(kind(&e), Some(ProblemKind::Invalid));
        let e = add_account(
            Db::of(&conn),
            Some(&b),
            "m",
            Rol::PartnerMedewerker,
            None,
            PW,
        )
        .unwrap_err();
        assert!(e.to_string().contains("geef de organisatie"), "{e}");
        assert_eq!(Problem::fields_of(&e), ["organisatie"]);
        let e = add_account(
            Db::of(&conn),
            Some(&b),
            "a",
            Rol::Analist,
            Some(Partner::Uwv),
            PW,
        )
        .unwrap_err();
        assert!(e.to_string().contains("laat de organisatie weg"), "{e}");
        assert_eq!(Problem::fields_of(&e), ["organisatie"]);
        assert!(
            add_account(
                Db::of(&conn),
                Some(&b),
                "naam met spatie",
                Rol::Analist,
                None,
                PW
            )
            .is_err()
        );
        add_account(
            Db::of(&conn),
            Some(&b),
            "m",
            Rol::PartnerMedewerker,
            Some(Partner::Uwv),
            PW,
        )
        .unwrap();
        assert_eq!(
            authenticate(Db::of(&conn), "m", PW).unwrap().organisatie(),
            Some(Partner::Uwv)
        );
        let a = add(Db::of(&conn), &b, "a", Rol::Analist);
        let e = add_account(Db::of(&conn), Some(&b), "a", Rol::Analist, None, PW).unwrap_err();
        assert!(e.to_string().contains("al een account 'a'"), "{e}");
        let e = add_account(Db::of(&conn), Some(&a), "x", Rol::Analist, None, PW).unwrap_err();
        assert!(e.to_string().starts_with("geweigerd: "), "{e}");
        let phc: String = conn
            .query_row(
                "SELECT wachtwoord FROM gebruiker WHERE naam = 'a'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert_eq!(authenticate(Db::of(&conn), "a", PW).unwrap(), a);
        let e = authenticate(Db::of(&conn), "a", "een ander wachtwoord").unwrap_err();
        assert!(e.to_string().contains("verkeerd wachtwoord"), "{e}");
        assert_eq!(kind(&e), Some(ProblemKind::Refused));
        let e = authenticate(Db::of(&conn), "niemand", PW).unwrap_err();
        assert!(e.to_string().contains("onbekend account"), "{e}");
        disable_account(Db::of(&conn), &b, "a").unwrap();
        let e = authenticate(Db::of(&conn), "a", PW).unwrap_err();
        assert!(e.to_string().contains("uitgeschakeld"), "{e}");
        // A disabled account with a wrong password learns nothing more than any other name.
        let e = authenticate(Db::of(&conn), "a", "een ander wachtwoord").unwrap_err();
        assert!(e.to_string().contains("verkeerd wachtwoord"), "{e}");
        assert!(disable_account(Db::of(&conn), &b, "a").is_err());
        let e = disable_account(Db::of(&conn), &b, "niemand").unwrap_err();
        assert_eq!(kind(&e), Some(ProblemKind::NotFound), "{e}");
        let e = disable_account(Db::of(&conn), &b, "beheer").unwrap_err();
        assert!(e.to_string().contains("eigen account"), "{e}");
        let list = super::accounts(Db::of(&conn)).unwrap();
        assert_eq!(list.len(), 3);
        let a = list.iter().find(|u| u.naam == "a").unwrap();
        assert_eq!(a.status, AccountStatus::Uitgeschakeld);
        let json = serde_json::to_value(a).unwrap();
        assert_eq!(json["status"], "uitgeschakeld");
        assert_eq!(json["rol"], "analist");
        assert!(json.get("wachtwoord").is_none());
    }

    #[test]
    fn another_beheerder_re_enables() {
        let (conn, b) = project();
        let b2 = add(Db::of(&conn), &b, "beheer2", Rol::Beheerder);
        add(Db::of(&conn), &b, "a", Rol::Analist);
        let e = enable_account(Db::of(&conn), &b, "a").unwrap_err();
        assert!(e.to_string().contains("niets in te schakelen"), "{e}");
        disable_account(Db::of(&conn), &b, "a").unwrap();
        assert!(authenticate(Db::of(&conn), "a", PW).is_err());
        enable_account(Db::of(&conn), &b2, "a").unwrap();
        assert_eq!(authenticate(Db::of(&conn), "a", PW).unwrap().naam(), "a");
        assert_eq!(
            status(Db::of(&conn), "a", clock::now_utc()).status,
            AccountStatus::Actief
        );
        // Not one's own account, not by a non-beheerder, not an unknown one.
        disable_account(Db::of(&conn), &b, "beheer2").unwrap();
        let e = enable_account(Db::of(&conn), &b2, "beheer2").unwrap_err();
        assert!(e.to_string().starts_with("geweigerd: "), "{e}");
        let a = authenticate(Db::of(&conn), "a", PW).unwrap();
        assert!(enable_account(Db::of(&conn), &a, "beheer2").is_err());
        let e = enable_account(Db::of(&conn), &b, "niemand").unwrap_err();
        assert_eq!(kind(&e), Some(ProblemKind::NotFound));
        enable_account(Db::of(&conn), &b, "beheer2").unwrap();
        let trail = events(Db::of(&conn));
        assert!(trail.contains(&(
            Gebeurtenis::Ingeschakeld,
            "a".to_string(),
            Some("beheer2".to_string())
        )));
        assert!(trail.contains(&(
            Gebeurtenis::Uitgeschakeld,
            "a".to_string(),
            Some("beheer".to_string())
        )));
    }

    #[test]
    fn a_beheerder_lifts_a_lock() {
        let (conn, b) = project();
        add(Db::of(&conn), &b, "a", Rol::Analist);
        let t = clock::now_utc();
        lock(Db::of(&conn), "a", t);
        assert!(authenticate_at(Db::of(&conn), "a", PW, t, Client::Unknown).is_err());
        enable_account_at(Db::of(&conn), &b, "a", t).unwrap();
        assert_eq!(
            authenticate_at(Db::of(&conn), "a", PW, t, Client::Unknown)
                .unwrap()
                .naam(),
            "a"
        );
    }

    #[test]
    fn a_pending_sleutelhouder_can_do_nothing_until_an_fg_confirms() {
        let (conn, b) = project();
        let fg = add(
            Db::of(&conn),
            &b,
            "fg",
            Rol::FunctionarisGegevensbescherming,
        );
        let listed = add_account(
            Db::of(&conn),
            Some(&b),
            "sleutel",
            Rol::Sleutelhouder,
            None,
            PW,
        )
        .unwrap();
        assert_eq!(listed.status, AccountStatus::WachtOpBevestiging);
        assert_eq!(
            serde_json::to_value(&listed).unwrap()["status"],
            "wacht-op-bevestiging"
        );
        // It can log in, but every action is refused.
        let s = authenticate(Db::of(&conn), "sleutel", PW).unwrap();
        assert!(!s.bevestigd());
        for actie in Actie::ALL {
            let e = authorize(&s, actie, object_for(actie, "sleutel")).unwrap_err();
            assert!(e.to_string().starts_with("geweigerd: "), "{e}");
        }
        // A beheerder cannot confirm it; nor can an fg that is not confirmed itself.
        assert!(confirm_account(Db::of(&conn), &b, "sleutel").is_err());
        assert!(!fg.bevestigd());
        assert!(confirm_account(Db::of(&conn), &fg, "sleutel").is_err());
        // The first fg is confirmed at the approval, and then confirms the key holder.
        confirm_first_fg(Db::of(&conn), &fg).unwrap();
        let fg = authenticate(Db::of(&conn), "fg", PW).unwrap();
        assert!(fg.bevestigd());
        confirm_account(Db::of(&conn), &fg, "sleutel").unwrap();
        let s = authenticate(Db::of(&conn), "sleutel", PW).unwrap();
        assert!(s.bevestigd());
        let request = Object::Onthulling {
            aanvrager: "analist",
            goedgekeurd: false,
            op_zaak: false,
        };
        authorize(&s, Actie::OnthullingBeoordelen, request).unwrap();
        assert_eq!(
            status(Db::of(&conn), "sleutel", clock::now_utc()).status,
            AccountStatus::Actief
        );
        let e = confirm_account(Db::of(&conn), &fg, "sleutel").unwrap_err();
        assert!(e.to_string().contains("al bevestigd"), "{e}");
        // Other roles need no confirmation.
        let a = add(Db::of(&conn), &b, "a", Rol::Analist);
        assert!(a.bevestigd());
        assert!(confirm_account(Db::of(&conn), &fg, "a").is_err());
        assert!(events(Db::of(&conn)).contains(&(
            Gebeurtenis::Bevestigd,
            "sleutel".to_string(),
            Some("fg".to_string())
        )));
    }

    #[test]
    fn an_fg_cannot_confirm_themselves() {
        let (conn, b) = project();
        let fg = confirmed_fg(Db::of(&conn), &b);
        let fg2 = add(
            Db::of(&conn),
            &b,
            "fg2",
            Rol::FunctionarisGegevensbescherming,
        );
        // The second fg can neither confirm themselves nor be confirmed by an approval.
        let e = confirm_account(Db::of(&conn), &fg2, "fg2").unwrap_err();
        assert!(e.to_string().starts_with("geweigerd: "), "{e}");
        let e = confirm_first_fg(Db::of(&conn), &fg2).unwrap_err();
        assert!(e.to_string().contains("al een bevestigde"), "{e}");
        assert!(!authenticate(Db::of(&conn), "fg2", PW).unwrap().bevestigd());
        // A confirmed fg cannot confirm their own account either (the rule, not the state).
        let e = decide(
            &fg,
            Actie::GebruikersBevestigen,
            Object::Account { naam: "fg" },
        )
        .unwrap_err();
        assert!(e.contains("eigen account"), "{e}");
        confirm_account(Db::of(&conn), &fg, "fg2").unwrap();
        assert!(authenticate(Db::of(&conn), "fg2", PW).unwrap().bevestigd());
    }

    #[test]
    fn the_first_fg_is_confirmed_at_approval_only_when_there_is_none() {
        let (conn, b) = project();
        assert!(!has_confirmed_fg(Db::of(&conn)).unwrap());
        let fg = add(
            Db::of(&conn),
            &b,
            "fg",
            Rol::FunctionarisGegevensbescherming,
        );
        let fg2 = add(
            Db::of(&conn),
            &b,
            "fg2",
            Rol::FunctionarisGegevensbescherming,
        );
        // Unconfirmed, the fg may approve the project and nothing else.
        authorize(&fg, Actie::ProjectGoedkeuren, Object::Project).unwrap();
        assert!(authorize(&fg, Actie::LogExporteren, Object::Project).is_err());
        // Only an fg is confirmed this way.
        assert!(confirm_first_fg(Db::of(&conn), &b).is_err());
        let s = add(Db::of(&conn), &b, "sleutel", Rol::Sleutelhouder);
        assert!(confirm_first_fg(Db::of(&conn), &s).is_err());
        assert!(!has_confirmed_fg(Db::of(&conn)).unwrap());
        confirm_first_fg(Db::of(&conn), &fg).unwrap();
        assert!(has_confirmed_fg(Db::of(&conn)).unwrap());
        // Approving again changes nothing and is no error.
        confirm_first_fg(Db::of(&conn), &fg).unwrap();
        // Now there is one: the second fg waits for the first.
        assert!(confirm_first_fg(Db::of(&conn), &fg2).is_err());
        assert!(!authenticate(Db::of(&conn), "fg2", PW).unwrap().bevestigd());
        // Disabling the confirmed fg does not reopen the way.
        disable_account(Db::of(&conn), &b, "fg").unwrap();
        assert!(has_confirmed_fg(Db::of(&conn)).unwrap());
        assert!(confirm_first_fg(Db::of(&conn), &fg2).is_err());
        let confirmed: Vec<_> = events(Db::of(&conn))
            .into_iter()
            .filter(|(g, _, _)| *g == Gebeurtenis::Bevestigd)
            .collect();
        assert_eq!(
            confirmed,
            vec![(
                Gebeurtenis::Bevestigd,
                "fg".to_string(),
                Some("fg".to_string())
            )]
        );
    }

    #[test]
    fn every_event_is_in_the_audit_trail() {
        let (conn, b) = project();
        let fg = confirmed_fg(Db::of(&conn), &b);
        add(Db::of(&conn), &b, "sleutel", Rol::Sleutelhouder);
        confirm_account(Db::of(&conn), &fg, "sleutel").unwrap();
        add(Db::of(&conn), &b, "a", Rol::Analist);
        disable_account(Db::of(&conn), &b, "a").unwrap();
        let b2 = add(Db::of(&conn), &b, "b2", Rol::Beheerder);
        enable_account(Db::of(&conn), &b2, "a").unwrap();
        for _ in 0..MAX_FAILED_LOGINS {
            let _ = authenticate(Db::of(&conn), "a", "niet het goede wachtwoord");
        }
        let _ = authenticate(Db::of(&conn), "niemand", PW);
        add(Db::of(&conn), &b, "hh", Rol::Handhaver);
        // The key's row is sealed: the connection needs the integrity key's MAC function.
        crate::integrity::register(Db::of(&conn), &crate::integrity::test_key(), 0).unwrap();
        let now = crate::clock::now_utc();
        let (k, _) = crate::apisleutel::issue(
            Db::of(&conn),
            &b,
            "hh",
            &[crate::apisleutel::Scope::ZakenLezen],
            "zaaksysteem",
            now,
        )
        .unwrap();
        // What the project's trigger does on insert.
        conn.execute_batch(
            "UPDATE api_sleutel SET mac = loep_mac('api_sleutel', id, hash, gebruiker, scopes, door, ingetrokken)",
        )
        .unwrap();
        crate::apisleutel::revoke(Db::of(&conn), &b2, &k.id, now).unwrap();
        // A password change: only with the current password, never to the same or a weak one.
        let new = "vier losse woorden als nieuw wachtwoord";
        let e = change_password(Db::of(&conn), &b2, "niet het wachtwoord", new).unwrap_err();
        assert!(
            e.to_string().contains("huidige wachtwoord klopt niet"),
            "{e}"
        );
        assert!(change_password(Db::of(&conn), &b2, PW, PW).is_err());
        assert!(change_password(Db::of(&conn), &b2, PW, "kort").is_err());
        change_password(Db::of(&conn), &b2, PW, new).unwrap();
        assert!(authenticate(Db::of(&conn), "b2", PW).is_err());
        assert_eq!(authenticate(Db::of(&conn), "b2", new).unwrap().naam(), "b2");
        let trail = audit::records(Db::of(&conn)).unwrap();
        for g in Gebeurtenis::ALL {
            assert!(trail.iter().any(|r| r.gebeurtenis == g), "{g:?}: {trail:?}");
        }
        // The first beheerder was created by nobody; everything else names who did it.
        assert_eq!(trail[0].account, "beheer");
        assert_eq!(trail[0].door, None);
        let created_sleutel = trail
            .iter()
            .find(|r| r.gebeurtenis == Gebeurtenis::Aangemaakt && r.account == "sleutel")
            .unwrap();
        assert_eq!(created_sleutel.door.as_deref(), Some("beheer"));
        assert!(
            created_sleutel
                .toelichting
                .as_deref()
                .unwrap()
                .contains("wacht op bevestiging")
        );
        // No password, hash or typed password ever reaches the trail.
        let all = serde_json::to_string(&trail).unwrap();
        assert!(!all.contains(PW) && !all.contains("argon2") && !all.contains("niet het goede"));
    }

    /// A project made by the previous release (the old `gebruiker` table, no audit trail)
    /// opens, keeps its accounts, and they can log in and act.
    #[test]
    fn an_old_accounts_table_is_upgraded_in_place() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::integrity::register(Db::of(&conn), &crate::integrity::test_key(), 0).unwrap();
        conn.execute_batch(
            r#"
CREATE TABLE gebruiker (
    naam TEXT PRIMARY KEY,
    rol TEXT NOT NULL,
    organisatie TEXT,
    wachtwoord TEXT NOT NULL,
    actief INTEGER NOT NULL,
    aangemaakt TEXT NOT NULL,
    uitgeschakeld TEXT
);
"#,
        )
        .unwrap();
        let phc = hash_password(PW).unwrap();
        for (naam, rol, actief) in [
            ("beheer", "beheerder", 1),
            ("sleutel", "sleutelhouder", 1),
            ("fg", "functionaris-gegevensbescherming", 1),
            ("weg", "analist", 0),
        ] {
            conn.execute(
                "INSERT INTO gebruiker (naam, rol, organisatie, wachtwoord, actief, aangemaakt) VALUES (?1, ?2, NULL, ?3, ?4, '2026-01-01T00:00:00.000000Z')",
                params![naam, rol, phc, actief],
            )
            .unwrap();
        }
        create_schema(Db::of(&conn)).unwrap();
        // Twice, as every open does.
        create_schema(Db::of(&conn)).unwrap();
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('gebruiker')")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for (c, _) in ADDED_COLUMNS {
            assert_eq!(columns.iter().filter(|x| *x == c).count(), 1, "{c}");
        }
        // Accounts made before the rule count as confirmed.
        let s = authenticate(Db::of(&conn), "sleutel", PW).unwrap();
        assert!(s.bevestigd());
        assert!(has_confirmed_fg(Db::of(&conn)).unwrap());
        let list = super::accounts(Db::of(&conn)).unwrap();
        assert_eq!(list.len(), 4);
        let weg = list.iter().find(|a| a.naam == "weg").unwrap();
        assert_eq!(weg.status, AccountStatus::Uitgeschakeld);
        let b = authenticate(Db::of(&conn), "beheer", PW).unwrap();
        add_account(Db::of(&conn), Some(&b), "nieuw", Rol::Analist, None, PW).unwrap();
        // The lockout works on the old rows.
        for _ in 0..MAX_FAILED_LOGINS {
            let _ = authenticate_from(
                Db::of(&conn),
                "sleutel",
                "niet het goede wachtwoord",
                Client::Unknown,
            );
        }
        let e = authenticate_from(Db::of(&conn), "sleutel", PW, Client::Unknown).unwrap_err();
        assert!(e.to_string().contains("tijdelijk geblokkeerd"), "{e}");
    }
}
