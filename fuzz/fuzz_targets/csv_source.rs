//! The CSV reader on arbitrary bytes: it never panics, never hands out more records than
//! asked, numbers records on strictly increasing lines, and every refusal is a bounded
//! `SourceError` (the promises of crates/intake/src/source.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use loep_intake::source::{SourceError, TableSource};

fuzz_target!(|data: &[u8]| {
    let refused = |e: anyhow::Error| {
        let se = e
            .downcast_ref::<SourceError>()
            .unwrap_or_else(|| panic!("a refusal that is not a SourceError: {e:#}"));
        assert!(se.to_string().chars().count() < 2_000, "an unbounded message");
    };
    let mut src = match TableSource::from_csv_reader("t.csv", std::io::Cursor::new(data.to_vec()), 0) {
        Ok(s) => s,
        Err(e) => return refused(e),
    };
    let mut last = 0;
    loop {
        match src.next_chunk(5) {
            Ok(c) if c.is_empty() => break,
            Ok(c) => {
                assert!(c.len() <= 5);
                for r in &c {
                    assert!(r.line > last, "line {} after {last}", r.line);
                    last = r.line;
                }
            }
            Err(e) => return refused(e),
        }
    }
});
