//! The intake boundary of loep.
//!
//! A delivery (a directory of contract tables, CSV or Parquet) comes in; out come columnar
//! snapshots in the analysis store that hold no BSN and no name, identities in the vault, a
//! rejects report, and processing-log records. Parsing never fails as a whole for one bad row:
//! it yields rows and rejects. A file is refused only for what makes the whole file unusable
//! (an unknown or missing column, no header, a line beyond any sane length), and then the whole
//! delivery is refused, so that a delivery loads completely or not at all.

pub mod beoordeling;
pub mod bronnen;
pub mod carry;
pub mod columns;
pub mod delivery;
pub mod inzage;
pub mod koppeling;
pub mod source;
pub mod validate;
pub mod zipped;

pub use delivery::{
    FileProblem, IntakeError, IntakeReport, NoProgress, Outcome, Progress, TableReport, intake,
    intake_proef,
};
pub use koppeling::{LinkReport, link_project};
