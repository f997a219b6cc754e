//! Converters from the forms in which sources are published to the contract's tables: the BAG
//! and the CBS wijk- en buurtkaart as GeoPackages (`gpkg`), the BRP as Haal Centraal BRP
//! Personen answers (`haal_centraal`).
//!
//! A converter reads a source as its publisher ships it and writes the contract CSV of one
//! table; the delivery then goes through the intake like any other (validation, scope,
//! pseudonymisation, rejects). Nothing here validates contract values: that stays the
//! contract's job, so that a converted file and a hand-made one are judged alike.

pub mod echt;
pub mod gpkg;
pub mod haal_centraal;
