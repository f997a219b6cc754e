//! Readers for what partners deliver in their own registry's format rather than as contract
//! tables. Each converts one source file into the contract CSV of a table, so that the rest of
//! the intake (validation, scope, pseudonymisation, rejects) treats it like any other delivery.

pub mod haal_centraal;
