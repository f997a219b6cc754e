//! Cases and their steps: create from signals, route, move through the allowed statuses, plan
//! and record the visit, close with a resultaat, reopen. Every step is authorised by the
//! store's table and logged, one record per person of the case, in the transaction that makes
//! the change.
//!
//! In files: `schema` (the tables and their versions), `model` (what a case records),
//! `opslag` (rows read back against their seals, and the writes the steps share), `toegang`
//! (who may do what on a case), `logboek` (the records in the processing log), `inzien` and
//! `personen` (what is read from the register), `bevinding` (the verdicts per indicator, given
//! at the visit or at closing), and one module per step: `aanmaken`, `status`, `toewijzen`,
//! `huisbezoek`, `notitie`, `afsluiten`, `heropenen`.

mod aanmaken;
mod afsluiten;
mod bevinding;
mod heropenen;
mod huisbezoek;
mod inzien;
mod logboek;
mod model;
mod notitie;
mod opslag;
mod personen;
mod schema;
mod status;
mod toegang;
mod toewijzen;

pub use aanmaken::{Nieuw, new};
pub use afsluiten::close;
pub use bevinding::parse_oordeel;
pub use heropenen::reopen;
pub use huisbezoek::{BrpOnjuist, MAX_AANWEZIG, Uitkomst, parse_datum, plan_visit, record_visit};
pub use inzien::{ZaakFilter, list, per_status, show, version};
pub use model::{
    Bevinding, Huisbezoek, Notitie, Oordeel, StatusRegel, Zaak, ZaakDetail, ZaakRol, ZaakSignaal,
    Zaakobject,
};
pub use notitie::note;
pub use personen::{
    case_persons, case_persons_key, closed_since, on_open_case_with_signal, persons_in_open_cases,
};
pub(crate) use schema::list_format;
pub use schema::{LIST_COLUMNS, REGISTER_VERSION, create_schema, has_register, register_version};
pub use status::{MIN_REDEN, set_status};
pub use toewijzen::{Toewijzing, assign};

use loep_store::{Problem, ProblemKind, clock};

fn invalid(message: impl Into<String>) -> anyhow::Error {
    Problem::error(ProblemKind::Invalid, message)
}

/// Invalid input in the fields `velden` (named as in the forms; the CLI adds its options).
fn invalid_in(velden: &[&'static str], message: impl Into<String>) -> anyhow::Error {
    Problem::invalid_in(velden, message)
}

fn not_found(id: &str) -> anyhow::Error {
    Problem::with_next(
        ProblemKind::NotFound,
        loep_store::Vervolg::Overzicht(loep_store::Overzicht::Zaken),
        format!("er is geen zaak '{id}' in dit project (of je mag haar niet zien)"),
    )
}

/// Today (UTC, as the register has always dated its cases).
fn today() -> loep_contract::Datum {
    loep_contract::Datum::from_days(clock::today())
}
