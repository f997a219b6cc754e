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

/// A next step that a front end words itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vervolg {
    /// The integrity alarm stands: the privacy officer looks into what was changed outside
    /// loep and records that it was handled; until then nothing is processed.
    Integriteitsalarm,
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
