//! The loep data contract: what partners deliver (`spec/levering.md`).
//!
//! This crate knows the value types, the tables and their columns, and how one field and one
//! row are validated. It knows nothing of files, stores or pseudonyms: it is the vocabulary
//! that the intake, the store and later the scan share.

pub mod doc;
pub mod nl;
pub mod spreadsheet;
pub mod tables;
pub mod types;
pub mod value;

pub use tables::{
    Column, ColumnType, FORBIDDEN_COLUMNS, Handling, NO_FUTURE_DATES, Partner, ScopeRule, TABLES,
    Table, Thema, payer_of, theme_interest,
};
pub use types::{
    BagId, BagKind, Bedrag, Bsn, CbsCode, CbsKind, Datum, Invalid, Periode, Postcode, shorten,
};
pub use value::{
    ParseOptions, RowRules, Value, check_not_future, check_row, earliest_day, parse_value,
    parse_value_with,
};
