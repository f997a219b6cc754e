//! A loep project on disk.
//!
//! The project directory holds `loep.toml`, the analysis store (`store.sqlite` for the
//! register of deliveries and the processing log, `data/` for columnar snapshots), the
//! identity vault (`vault/`, its own store) and the pseudonymisation key (`sleutel/`, mode
//! 0600). This crate owns their layout, the approval, the append-only hash-chained processing
//! log, and the keyed pseudonyms. It knows nothing of CSV or Parquet.

pub mod apisleutel;
pub mod apparaat;
pub mod audit;
pub mod auth;
pub mod beperking;
pub mod burgermelding;
pub mod certificaat;
pub mod clock;
pub mod db;
pub mod deliveries;
pub mod integrity;
pub mod kolom;
pub mod lijst;
pub mod log;
pub mod problem;
pub mod project;
pub mod pseudonym;
pub mod retention;
pub mod reveal;
pub mod scan;
pub mod schema;
pub mod toegang;
pub mod websessie;

pub use db::{Db, TxDb};
pub use log::{LogRecord, Status};
pub use problem::{
    CHANGED_VALUE, Overzicht, Problem, ProblemKind, Vervolg, Zaakstap, database_fault,
    stored_value_changed,
};
pub use project::{
    Access, Approval, Bewaartermijnen, IntakeGrenzen, Layout, Periode, Project, ProjectConfig,
    Publicatie, Thema, Tx,
};
pub use pseudonym::{Pseudonym, Pseudonymiser};
