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
}

impl Problem {
    /// The problem as an error to return.
    pub fn error(kind: ProblemKind, message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(Problem {
            kind,
            message: message.into(),
        })
    }
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
