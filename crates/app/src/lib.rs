//! loep's application core: one function per thing a person does, for every front end.
//!
//! A [`Session`] comes only from [`session::login`] (or [`session::open`], which also enforces
//! the retention periods), and every use case asks the authorisation table for its own action
//! before it does anything, so that the CLI and a web server cannot differ in what they allow.
//! Errors are typed ([`Kind`]): refused, not found, invalid input, conflict, internal.
//!
//! The front ends depend on this crate only (and on the stand-alone tools `synth` and
//! `linkage`); the types they print are re-exported here.

pub mod accounts;
pub mod api;
pub mod beoordeling;
pub mod error;
pub mod intake;
pub mod inzage;
pub mod log;
pub mod melden;
pub mod project;
pub mod register;
pub mod retention;
pub mod reveal;
pub mod scan;
pub mod session;
pub mod wachtend;
pub mod zaken;

pub use error::{AppError, Kind, Result};
/// How values are written for Dutch readers (numbers, amounts, dates, local times).
pub use loep_contract::nl;
pub use loep_store::{Overzicht, Vervolg, Zaakstap};
pub use session::{Mode, Session};

/// The current time as loep records it (RFC 3339, UTC; the test clock in tests).
pub fn now() -> String {
    loep_store::clock::now()
}

/// Today as loep records dates (`2026-12-06`, UTC; the test clock in tests).
pub fn today() -> String {
    loep_store::clock::now_utc().format("%Y-%m-%d").to_string()
}

/// Types the front ends show.
pub mod types {
    pub use loep_contract::{BagId, Datum, Partner, Thema};
    pub use loep_store::auth::{Account, Actie, ActingAccount, Rol};
    pub use loep_store::deliveries::ProjectStatus;
    pub use loep_store::retention::Destroyed;
    pub use loep_store::reveal::Onthulling;
    pub use loep_store::{Approval, Bewaartermijnen, ProjectConfig, Publicatie};
    pub use loep_zaken::register::{
        Bevinding, Huisbezoek, Nieuw, Notitie, Oordeel, StatusRegel, Toewijzing, Uitkomst, Zaak,
        ZaakDetail, ZaakFilter, ZaakRol, ZaakSignaal,
    };
    pub use loep_zaken::terugmelding::Terugmelding;
    pub use loep_zaken::trefkans::{Rapport as TrefkansRapport, Trefkans};
}
