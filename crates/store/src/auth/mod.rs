//! Accounts, roles and the one authorisation decision every command and page asks for.
//!
//! Accounts belong to one project (its own store): nobody reads across projects. Passwords are
//! hashed with Argon2id and must pass a strength estimate ([`check_password`]). [`decide`] is
//! the table of role × action × object; the CLI and the web server call it, and the store's own
//! functions that reveal or destroy data call it again, so that no path around it exists.
//!
//! An [`ActingAccount`] (the account that acts) comes only from logging in ([`authenticate`])
//! or from a web session or API key the store checked: its fields are private and it has no
//! public constructor. Repeated failed logins lock an account for a while. Separation of
//! duties: a sleutelhouder or functionaris gegevensbescherming created by a beheerder can do
//! nothing until a confirmed fg confirms the account (the project's first fg is confirmed when
//! they approve the project), so that no single person holds both halves of the four eyes.
//! Everything that happens to an account is written to [`crate::audit`].
//!
//! One idea per file: `policy` (who may do what), `wachtwoord` (password rules and hashing),
//! `aanmelden` (logging in and the lockout) and `accounts` (the accounts' table and what is
//! done to accounts).

mod aanmelden;
mod accounts;
mod policy;
#[cfg(test)]
mod test_support;
mod wachtwoord;

pub use aanmelden::{Client, LOCKOUT_MINUTES, MAX_FAILED_LOGINS, authenticate, authenticate_from};
pub(crate) use aanmelden::{locked_now, reload};
pub(crate) use accounts::atomically;
pub use accounts::{
    Account, AccountStatus, accounts, add_account, change_password, confirm_account,
    confirm_first_fg, create_schema, disable_account, enable_account, has_confirmed_fg,
};
pub use policy::{Actie, ActingAccount, Object, Rol, authorize, decide};
pub use wachtwoord::{
    MIN_PASSWORD, MIN_PASSWORD_SCORE, check_new_account, check_password, hash_password,
};

use crate::problem::{Problem, ProblemKind};

fn refused(message: impl Into<String>) -> anyhow::Error {
    Problem::error(ProblemKind::Refused, message)
}

fn invalid(message: impl Into<String>) -> anyhow::Error {
    Problem::error(ProblemKind::Invalid, message)
}

fn not_found(naam: &str) -> anyhow::Error {
    Problem::error(
        ProblemKind::NotFound,
        format!("er is geen account '{naam}' in dit project"),
    )
}

/// Account `naam`'s row was changed outside loep (its seal does not hold).
fn tampered(naam: &str) -> anyhow::Error {
    crate::integrity::tampered(&format!("account '{naam}'"))
}
