//! loep's case register: from signal to visit to outcome.
//!
//! Shaped after VNG's ZGW APIs (Zaken API, Catalogi API) so that partners recognise it and an
//! export fits: case types as data ([`case_types`]), cases (`zaak`) with an address as their
//! object and the signals they came from, an append-only status history with an explicit
//! table of allowed transitions, roles that route a case to partner organisations and care
//! partners, house visits with their outcomes and a bevinding per indicator, hit rates per
//! indicator ([`trefkans`]), reports back to the BRP ([`terugmelding`]) and destruction at the
//! case's archiefactiedatum ([`retention`]).
//!
//! The register keeps its tables in the project's store database and writes them only inside
//! a store transaction ([`loep_store::Tx`]), so that every step and its record in the
//! processing log commit together. Persons appear as pseudonyms only; their identities stay in
//! the vault, reachable through an approved request for identities on the case's signals.
//! Every function authorises itself with the store's table ([`loep_store::auth`]).

pub mod case_types;
pub mod register;
pub mod retention;
pub mod terugmelding;
pub mod trefkans;

pub use case_types::{CaseTypes, case_types};
pub use register::{Nieuw, Zaak, ZaakDetail, ZaakFilter, create_schema};
