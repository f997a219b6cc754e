//! Record linkage for loep.
//!
//! `address` matches free-text Dutch addresses (residents' reports, police registrations) to
//! BAG verblijfsobjecten, preferring no answer to a wrong one. `linker` is a Fellegi–Sunter
//! engine configured by settings (comparisons with levels, blocking rules, thresholds), with
//! m-probabilities by expectation–maximisation and u-probabilities from random pairs, and an
//! explanation of every score; `compare` holds the comparison kinds.

pub mod address;
pub mod compare;
pub mod jaro;
pub mod linker;

pub use address::{AddressIndex, AddressMatch, BagAddress, Floor, ParsedAddress, Unmatched, parse};
