//! The contract's value parsers on arbitrary text: never a panic, and what parses writes back
//! to a form that parses to the same value (`parse(x.to_string()) == x`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use loep_contract::{Bsn, Datum};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(b) = Bsn::parse(s) {
        assert_eq!(Bsn::parse(&b.to_string()).ok(), Some(b));
    }
    if let Ok(d) = Datum::parse(s) {
        assert_eq!(Datum::parse(&d.to_string()).ok(), Some(d));
    }
});
