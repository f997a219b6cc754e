//! Errors the store raises that the layers above answer differently: a refusal, someone who
//! could not be identified, something that does not exist, invalid input, or a project busy
//! with another command.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    Refused,
    /// Who asks is not known: no valid key (the API's "who are you", not "not allowed").
    Unauthenticated,
    NotFound,
    Invalid,
    Busy,
}

/// A typed error with a message a person can act on.
#[derive(Debug)]
pub struct Problem {
    pub kind: ProblemKind,
    pub message: String,
    /// The input fields the message is about, by their names in the contract and the forms
    /// (`zaaktype`, `brp_onjuist`): the message speaks of them in words, and a front end adds
    /// its own hint (the CLI names the option, `--brp-onjuist`).
    pub velden: Vec<&'static str>,
    /// What the person is to do next, when each front end says it in its own terms (the CLI
    /// names its commands; the web and the API do not).
    pub vervolg: Option<Vervolg>,
}

/// A next step that a front end words itself: the core's messages say what is needed in
/// words (the web and the API show them as they are), and the CLI adds its own command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vervolg {
    /// The integrity alarm stands: the privacy officer looks into what was changed outside
    /// loep and records that it was handled; until then nothing is processed.
    Integriteitsalarm,
    /// The privacy officer approves the project (again).
    Goedkeuren,
    /// A project is made first.
    ProjectMaken,
    /// A scan is run first.
    Scannen,
    /// What exists is listed by the overview named.
    Overzicht(Overzicht),
    /// A request for identities on one of the case's signals, approved by a key holder.
    IdentiteitenVragen,
    /// The case's own step sets this status.
    Zaakstap(Zaakstap),
}

/// An overview that lists what may be asked for ([`Vervolg::Overzicht`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overzicht {
    Scans,
    Signalen,
    Verzoeken,
    ApiSleutels,
    Zaken,
    /// One case, with its persons and its reports to the partners.
    Zaak,
}

/// A step of a case that has its own form and command ([`Vervolg::Zaakstap`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zaakstap {
    BezoekPlannen,
    BezoekVastleggen,
    Afsluiten,
    Heropenen,
}

impl Problem {
    /// The problem as an error to return.
    pub fn error(kind: ProblemKind, message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(Problem {
            kind,
            message: message.into(),
            velden: Vec::new(),
            vervolg: None,
        })
    }

    /// A refusal because the integrity alarm stands (see [`Vervolg::Integriteitsalarm`]).
    pub fn alarm(message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(Problem {
            kind: ProblemKind::Refused,
            message: message.into(),
            velden: Vec::new(),
            vervolg: Some(Vervolg::Integriteitsalarm),
        })
    }

    /// A problem of `kind` whose next step `vervolg` each front end words itself.
    pub fn with_next(
        kind: ProblemKind,
        vervolg: Vervolg,
        message: impl Into<String>,
    ) -> anyhow::Error {
        anyhow::Error::new(Problem {
            kind,
            message: message.into(),
            velden: Vec::new(),
            vervolg: Some(vervolg),
        })
    }

    /// Invalid input in the fields `velden`.
    pub fn invalid_in(velden: &[&'static str], message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(Problem {
            kind: ProblemKind::Invalid,
            message: message.into(),
            velden: velden.to_vec(),
            vervolg: None,
        })
    }

    /// The next step the first problem in `e`'s chain asks for, if any.
    pub fn next_step_of(e: &anyhow::Error) -> Option<Vervolg> {
        e.chain()
            .find_map(|c| c.downcast_ref::<Problem>())
            .and_then(|p| p.vervolg)
    }

    /// The fields named by the first problem in `e`'s chain.
    pub fn fields_of(e: &anyhow::Error) -> &[&'static str] {
        e.chain()
            .find_map(|c| c.downcast_ref::<Problem>())
            .map_or(&[], |p| p.velden.as_slice())
    }
}

/// Returns early with a [`Problem`] of kind Invalid, formatted as `format!` does: input a
/// person gave and can change (a field, a file they wrote, an id they typed). Errors raised
/// otherwise are faults of loep or its machine: the web shows them with a reference number.
#[macro_export]
macro_rules! invalid {
    ($($arg:tt)*) => {
        return Err($crate::Problem::error($crate::ProblemKind::Invalid, format!($($arg)*)).into())
    };
}

/// Returns early with a [`Problem`] of kind NotFound: what was asked for does not exist.
#[macro_export]
macro_rules! not_found {
    ($($arg:tt)*) => {
        return Err($crate::Problem::error($crate::ProblemKind::NotFound, format!($($arg)*)).into())
    };
}

/// Returns early with a [`Problem`] of kind Refused: not allowed, or not now.
#[macro_export]
macro_rules! refused {
    ($($arg:tt)*) => {
        return Err($crate::Problem::error($crate::ProblemKind::Refused, format!($($arg)*)).into())
    };
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Problem {}

/// Whether `e` says that a value read from the database is not one loep writes there (a list
/// that is no JSON list, a code or a JSON text that does not parse as what loep wrote): it was
/// changed outside loep. The layers above answer it as the integrity alarm
/// ([`CHANGED_VALUE`]), never as a fault of loep's.
pub fn stored_value_changed(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.is::<crate::lijst::Unreadable>()
            || matches!(
                c.downcast_ref::<rusqlite::Error>(),
                Some(rusqlite::Error::FromSqlConversionFailure(..))
            )
    })
}

/// What a person is told when a use case read a value changed outside loep
/// ([`stored_value_changed`]).
pub const CHANGED_VALUE: &str = "geweigerd: een waarde in de opslag is buiten loep om gewijzigd (loep kan haar niet lezen zoals het haar schreef); er wordt niets mee gedaan. De functionaris gegevensbescherming moet dit onderzoeken";

/// How a database error in `e`'s chain should be answered: `Some(true)` when the database was
/// busy or locked (try again), `Some(false)` for any other database fault, `None` when the
/// error did not come from the database.
pub fn database_fault(e: &anyhow::Error) -> Option<bool> {
    e.chain()
        .find_map(|c| c.downcast_ref::<rusqlite::Error>())
        .map(|d| {
            matches!(
                d.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    /// A list or a code read from a row that loep did not write so is found under the
    /// database's error and the context above it; other database faults are not.
    #[test]
    fn a_stored_value_loep_cannot_read_is_found_as_changed() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (lijst TEXT, code TEXT);
             INSERT INTO t VALUES ('a,b', 'BD');
             INSERT INTO t VALUES ('[\"a\"]', 'onbekend');",
        )
        .unwrap();
        let read = |rowid: i64, f: &dyn Fn(&rusqlite::Row<'_>) -> rusqlite::Result<()>| {
            Db::of(&conn)
                .query_row("SELECT lijst, code FROM t WHERE rowid = ?1", [rowid], f)
                .map_err(|e| anyhow::Error::new(e).context("de rij lezen"))
        };
        let list = read(1, &|r| crate::lijst::column(r, 0).map(drop)).unwrap_err();
        assert!(stored_value_changed(&list), "{list:#}");
        let code = read(2, &|r| {
            let c: String = r.get(1)?;
            loep_contract::Partner::parse(&c).map(drop).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    1,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })
        })
        .unwrap_err();
        assert!(stored_value_changed(&code), "{code:#}");
        let other = read(3, &|_| Ok(())).unwrap_err();
        assert!(!stored_value_changed(&other), "{other:#}");
        assert!(!stored_value_changed(&anyhow::anyhow!("iets anders")));
    }
}
