//! The identity vault behind the boundary.
//!
//! The vault holds what identifies a person: names and full birth dates (`vault/identiteit/`),
//! the map from pseudonym to BSN (`vault/bsn/`), rejected rows in full and the copy of the
//! log head (`vault/vault.sqlite`). This crate is the one reader of those files. Reading
//! identities needs a [`Grant`], and a grant comes only from an approved, logged reveal
//! ([`Grant::for_reveal`]) or an authorised access request ([`Grant::for_access_request`]):
//! no other path to a name or a BSN exists in the workspace. Only the intake boundary (which
//! writes the vault and links on names) and the application core depend on this crate; the
//! scan and everything after it cannot (tested in `crates/app/tests/architecture.rs`).
//!
//! Vault retention lives here too ([`enforce_retention`]).

mod db;
pub mod format;
mod grant;
mod retention;

pub use db::{RejectRows, Vault, VaultTx};
pub use grant::{Grant, Identiteit, identities};
pub use retention::{RetentionReport, enforce_retention, retention_due};

/// Where access reports (which hold identities) go by default: inside the vault, under its
/// retention.
pub fn inzage_dir(layout: &loep_store::Layout) -> std::path::PathBuf {
    layout.vault_dir().join("inzage")
}

/// Where exported terugmeldingen (which hold a BSN) go by default: inside the vault, under its
/// retention like access reports.
pub fn terugmelding_dir(layout: &loep_store::Layout) -> std::path::PathBuf {
    layout.vault_dir().join("terugmelding")
}
