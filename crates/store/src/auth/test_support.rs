//! What the unit tests of the parts of `auth` share: a project with its first beheerder, and
//! ways to look at accounts, the audit trail and errors.

use chrono::{DateTime, Utc};

use super::aanmelden::authenticate_at;
use super::accounts::accounts_at;
use super::{
    Account, Actie, ActingAccount, Client, MAX_FAILED_LOGINS, Object, Rol, add_account,
    authenticate, confirm_first_fg, create_schema,
};
use crate::audit::{self, Gebeurtenis};
use crate::db::Db;
use crate::problem::{Problem, ProblemKind};

pub(super) const PW: &str = "een lang wachtwoord";

/// A project with its first beheerder, logged in.
pub(super) fn project() -> (rusqlite::Connection, ActingAccount) {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    crate::integrity::register(Db::of(&conn), &crate::integrity::test_key(), 0).unwrap();
    create_schema(Db::of(&conn)).unwrap();
    add_account(Db::of(&conn), None, "beheer", Rol::Beheerder, None, PW).unwrap();
    let b = authenticate(Db::of(&conn), "beheer", PW).unwrap();
    (conn, b)
}

pub(super) fn add(conn: &Db, by: &ActingAccount, naam: &str, rol: Rol) -> ActingAccount {
    add_account(conn, Some(by), naam, rol, None, PW).unwrap();
    authenticate(conn, naam, PW).unwrap()
}

/// An fg account, confirmed as the project's first (by its approval), logged in.
pub(super) fn confirmed_fg(conn: &Db, by: &ActingAccount) -> ActingAccount {
    let fg = add(conn, by, "fg", Rol::FunctionarisGegevensbescherming);
    confirm_first_fg(conn, &fg).unwrap();
    authenticate(conn, "fg", PW).unwrap()
}

/// A login to `naam` at `t` with a wrong password, from a client not known to the account.
pub(super) fn wrong_password(
    conn: &Db,
    naam: &str,
    t: DateTime<Utc>,
) -> anyhow::Result<ActingAccount> {
    authenticate_at(conn, naam, "niet het goede wachtwoord", t, Client::Unknown)
}

/// Locks account `naam` at `t`: [`MAX_FAILED_LOGINS`] wrong passwords in a row.
pub(super) fn lock(conn: &Db, naam: &str, t: DateTime<Utc>) {
    for _ in 0..MAX_FAILED_LOGINS {
        let _ = wrong_password(conn, naam, t);
    }
}

pub(super) fn events(conn: &Db) -> Vec<(Gebeurtenis, String, Option<String>)> {
    audit::records(conn)
        .unwrap()
        .into_iter()
        .map(|r| (r.gebeurtenis, r.account, r.door))
        .collect()
}

pub(super) fn status(conn: &Db, naam: &str, now: DateTime<Utc>) -> Account {
    accounts_at(conn, now)
        .unwrap()
        .into_iter()
        .find(|a| a.naam == naam)
        .unwrap()
}

pub(super) fn kind(e: &anyhow::Error) -> Option<ProblemKind> {
    e.chain()
        .find_map(|c| c.downcast_ref::<Problem>())
        .map(|p| p.kind)
}

pub(super) fn object_for(actie: Actie, naam: &str) -> Object<'_> {
    match actie {
        Actie::OnthullingBeoordelen => Object::Onthulling {
            aanvrager: "iemand-anders",
            goedgekeurd: false,
            op_zaak: false,
        },
        Actie::OnthullingInzien => Object::Onthulling {
            aanvrager: naam,
            goedgekeurd: true,
            op_zaak: false,
        },
        Actie::GebruikersBeheren | Actie::GebruikersBevestigen => Object::Account {
            naam: "iemand-anders",
        },
        Actie::ZaakHeropenen => Object::Zaak {
            op_zaak: true,
            gesloten: true,
        },
        a if a.on_case() => Object::Zaak {
            op_zaak: true,
            gesloten: false,
        },
        _ => Object::Project,
    }
}
