//! What can go wrong in a use case, typed so that every front end answers alike: the CLI maps
//! the kinds to exit statuses, a web server to HTTP statuses.

use std::fmt;

/// The kind of a failed use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Not allowed for this account, or not now (HTTP 403).
    Refused,
    /// Who asks could not be identified: no valid API key (HTTP 401).
    Unauthenticated,
    /// The thing asked for does not exist (HTTP 404).
    NotFound,
    /// What was given is not valid; the message says what to change (HTTP 400).
    Invalid,
    /// Another command holds the project, or the state changed meanwhile (HTTP 409 / 423).
    Conflict,
    /// A fault of loep or its machine (HTTP 500).
    Internal,
}

/// A failed use case: its kind and a message a person can act on.
#[derive(Debug)]
pub struct AppError {
    pub kind: Kind,
    error: anyhow::Error,
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl AppError {
    pub fn new(kind: Kind, message: impl Into<String>) -> AppError {
        AppError {
            kind,
            error: anyhow::anyhow!(message.into()),
        }
    }
    pub fn refused(message: impl Into<String>) -> AppError {
        AppError::new(Kind::Refused, message)
    }
    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::new(Kind::NotFound, message)
    }
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::new(Kind::Invalid, message)
    }
    pub fn conflict(message: impl Into<String>) -> AppError {
        AppError::new(Kind::Conflict, message)
    }

    /// Invalid input in the fields `velden` (named as in the forms and the contract), which
    /// the message speaks of in words; a front end adds its own hint.
    pub fn invalid_in(velden: &[&'static str], message: impl Into<String>) -> AppError {
        AppError {
            kind: Kind::Invalid,
            error: loep_store::Problem::invalid_in(velden, message),
        }
    }

    /// An error of kind `kind` because the integrity alarm stands: the front end adds how the
    /// privacy officer handles it ([`AppError::next_step_in`]).
    pub fn alarm(kind: Kind, message: impl Into<String>) -> AppError {
        AppError {
            kind,
            error: loep_store::Problem::alarm(message),
        }
    }

    /// An error of kind `kind` whose next step `vervolg` each front end words itself.
    pub fn with_next(
        kind: Kind,
        vervolg: loep_store::Vervolg,
        message: impl Into<String>,
    ) -> AppError {
        let problem = match kind {
            Kind::Refused => loep_store::ProblemKind::Refused,
            Kind::Unauthenticated => loep_store::ProblemKind::Unauthenticated,
            Kind::NotFound => loep_store::ProblemKind::NotFound,
            Kind::Invalid => loep_store::ProblemKind::Invalid,
            Kind::Conflict | Kind::Internal => loep_store::ProblemKind::Busy,
        };
        AppError {
            kind,
            error: loep_store::Problem::with_next(problem, vervolg, message),
        }
    }

    /// The next step an error a front end received asks for (of the [`AppError`] in it, or of
    /// the first problem of the layers below in its chain), which the front end words itself.
    pub fn next_step_in(e: &anyhow::Error) -> Option<loep_store::Vervolg> {
        match e.downcast_ref::<AppError>() {
            Some(a) => loep_store::Problem::next_step_of(&a.error),
            None => loep_store::Problem::next_step_of(e),
        }
    }

    /// The input fields the error is about (see [`AppError::invalid_in`]), if it names any.
    pub fn fields(&self) -> &[&'static str] {
        loep_store::Problem::fields_of(&self.error)
    }

    /// The input fields an error a front end received is about: of the [`AppError`] in it, or
    /// of the first problem of the layers below in its chain.
    pub fn fields_in(e: &anyhow::Error) -> &[&'static str] {
        match e.downcast_ref::<AppError>() {
            Some(a) => a.fields(),
            None => loep_store::Problem::fields_of(e),
        }
    }

    /// The message with its causes.
    pub fn message(&self) -> String {
        format!("{:#}", self.error)
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

impl std::error::Error for AppError {}

/// Errors of the layers below: a [`loep_store::Problem`] anywhere in the chain gives its kind
/// (what a person gave and can change is raised as one: `loep_store::invalid!`), a busy
/// database is a conflict, and anything else is a fault of loep or its machine: internal,
/// shown on the web with a reference number and its details only in the server's log. A value
/// in the database that loep cannot read as it wrote it was changed outside loep: that is the
/// integrity alarm, in words, without the database's own (English) description.
impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> AppError {
        if loep_store::stored_value_changed(&error) {
            return AppError::alarm(Kind::Refused, loep_store::CHANGED_VALUE);
        }
        let kind = error
            .chain()
            .find_map(|e| e.downcast_ref::<loep_store::Problem>())
            .map(|p| match p.kind {
                loep_store::ProblemKind::Refused => Kind::Refused,
                loep_store::ProblemKind::Unauthenticated => Kind::Unauthenticated,
                loep_store::ProblemKind::NotFound => Kind::NotFound,
                loep_store::ProblemKind::Invalid => Kind::Invalid,
                loep_store::ProblemKind::Busy => Kind::Conflict,
            })
            .or_else(|| {
                loep_store::database_fault(&error)
                    .map(|busy| if busy { Kind::Conflict } else { Kind::Internal })
            })
            .unwrap_or(Kind::Internal);
        AppError { kind, error }
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> AppError {
        AppError {
            kind: Kind::Internal,
            error: e.into(),
        }
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> AppError {
        AppError {
            kind: Kind::Internal,
            error: e.into(),
        }
    }
}

/// Adds context to an error while keeping its kind.
pub trait Context<T> {
    fn context_app(self, what: impl Into<String>) -> Result<T>;
}

impl<T> Context<T> for Result<T> {
    fn context_app(self, what: impl Into<String>) -> Result<T> {
        self.map_err(|e| AppError {
            kind: e.kind,
            error: e.error.context(what.into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use loep_store::{Problem, ProblemKind};

    #[test]
    fn each_problem_of_the_store_keeps_its_kind_under_context() {
        for (problem, kind) in [
            (ProblemKind::Refused, Kind::Refused),
            (ProblemKind::Unauthenticated, Kind::Unauthenticated),
            (ProblemKind::NotFound, Kind::NotFound),
            (ProblemKind::Invalid, Kind::Invalid),
            (ProblemKind::Busy, Kind::Conflict),
        ] {
            let e: AppError = Problem::error(problem, "x").context("y").into();
            assert_eq!(e.kind, kind, "{problem:?}");
        }
        // What is not a problem of the store is a fault of loep: never shown as the user's.
        let e: AppError = anyhow::anyhow!("x").into();
        assert_eq!(e.kind, Kind::Internal);
        let e: AppError = std::io::Error::other("schijf vol").into();
        assert_eq!(e.kind, Kind::Internal);
        // The macros raise the kind they name, under context too.
        use anyhow::Context as _;
        fn wrong(kind: &str) -> anyhow::Result<()> {
            match kind {
                "invalid" => loep_store::invalid!("veld {} is leeg", 1),
                "not_found" => loep_store::not_found!("er is geen {kind}"),
                _ => loep_store::refused!("niet nu"),
            }
        }
        for (name, kind) in [
            ("invalid", Kind::Invalid),
            ("not_found", Kind::NotFound),
            ("refused", Kind::Refused),
        ] {
            let e: AppError = wrong(name).context("loep.toml").unwrap_err().into();
            assert_eq!(e.kind, kind, "{name}");
        }
        let e: AppError = wrong("invalid").unwrap_err().into();
        assert_eq!(e.message(), "veld 1 is leeg");
    }

    /// A list in the database that loep cannot read as it wrote it (changed outside loep, then
    /// accepted by the privacy officer, so that the project opens) is the integrity alarm in
    /// Dutch words, not a fault of loep's with the database's English description (the store's
    /// `stored_value_changed` finds it under a database error too).
    #[test]
    fn a_stored_value_changed_outside_loep_is_the_alarm_in_words() {
        for text in ["a,b", "", "[1,2]", "{\"a\":1}"] {
            let list = loep_store::lijst::decode(text).unwrap_err();
            let e: AppError = anyhow::Error::new(list).context("de zaak lezen").into();
            assert_eq!(e.kind, Kind::Refused, "{text}");
            assert_eq!(e.message(), loep_store::CHANGED_VALUE, "{text}");
            assert_eq!(
                AppError::next_step_in(&anyhow::Error::new(e)),
                Some(loep_store::Vervolg::Integriteitsalarm)
            );
        }
    }
}
