//! Record linkage for loep.
//!
//! `address` matches free-text Dutch addresses (residents' reports, police registrations) to
//! BAG verblijfsobjecten, preferring no answer to a wrong one.

pub mod address;

pub use address::{AddressIndex, AddressMatch, BagAddress, ParsedAddress, Unmatched, parse};
