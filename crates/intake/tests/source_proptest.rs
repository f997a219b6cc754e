//! Property tests over the CSV reader: arbitrary bytes and arbitrary mutations of a valid
//! file never panic, every refusal is a short `SourceError`, and a valid file of any shape
//! (quotes, delimiters and line breaks inside fields, LF, CRLF and CR mixed, blank lines,
//! a BOM) yields exactly its rows, on their own line numbers, with every line accounted for.
//!
//! Bounded in time: a few hundred cases of small inputs per property (a few seconds in a
//! debug build). `PROPTEST_CASES` raises it for a longer run.

use loep_intake::source::{RawRecord, ReadCounts, SourceError, TableSource};
use proptest::prelude::*;

/// Reads everything; `Err` is the refusal. Panics (fails the property) only when the reader
/// breaks its own promises.
fn read_all(
    bytes: &[u8],
    chunk: usize,
) -> Result<(Vec<String>, Vec<RawRecord>, ReadCounts), SourceError> {
    let as_source_error = |e: anyhow::Error| -> SourceError {
        e.downcast_ref::<SourceError>()
            .cloned()
            .unwrap_or_else(|| panic!("an error that is not a SourceError: {e:#}"))
    };
    let mut src = TableSource::from_csv_reader("t.csv", std::io::Cursor::new(bytes.to_vec()), 0)
        .map_err(as_source_error)?;
    let header = src.header.clone();
    let mut records = Vec::new();
    loop {
        let c = src.next_chunk(chunk).map_err(as_source_error)?;
        if c.is_empty() {
            break;
        }
        assert!(c.len() <= chunk);
        records.extend(c);
    }
    Ok((header, records, src.counts()))
}

/// A reader that hands out one byte per read: no whole line is ever in the buffer, so the
/// reader's fast path for quote-free lines never runs.
struct OneByte(std::io::Cursor<Vec<u8>>);

impl std::io::Read for OneByte {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(1);
        self.0.read(&mut buf[..n])
    }
}

/// Everything observable about a read, for comparing two readers.
type Observed =
    Result<(Vec<String>, Vec<(u64, Vec<Vec<u8>>, bool)>, ReadCounts), (&'static str, Option<u64>)>;

fn observe(src: anyhow::Result<TableSource>) -> Observed {
    let code = |e: anyhow::Error| {
        let se = e
            .downcast_ref::<SourceError>()
            .cloned()
            .unwrap_or_else(|| panic!("{e:#}"));
        (se.code, se.regel)
    };
    let mut src = src.map_err(code)?;
    let mut records = Vec::new();
    loop {
        let c = src.next_chunk(7).map_err(code)?;
        if c.is_empty() {
            break;
        }
        for r in c {
            let fields = (0..r.fields.len())
                .map(|i| r.fields.bytes(i).unwrap_or_default().to_vec())
                .collect();
            records.push((r.line, fields, r.fault.is_some()));
        }
    }
    Ok((src.header.clone(), records, src.counts()))
}

fn same_either_way(bytes: &[u8]) {
    let bulk = observe(TableSource::from_csv_reader(
        "t.csv",
        std::io::Cursor::new(bytes.to_vec()),
        0,
    ));
    let dribbled = observe(TableSource::from_csv_reader(
        "t.csv",
        OneByte(std::io::Cursor::new(bytes.to_vec())),
        0,
    ));
    assert_eq!(bulk, dribbled, "{:?}", String::from_utf8_lossy(bytes));
}

fn check_refusal(e: &SourceError) {
    assert!(e.to_string().len() < 1_000, "{e}");
    assert!(e.to_string().starts_with("t.csv"), "{e}");
    assert!(!e.code.is_empty());
}

fn check_read(records: &[RawRecord], counts: &ReadCounts) {
    assert!(counts.complete);
    assert!(counts.reconciles(), "{counts:?}");
    assert_eq!(counts.records, records.len() as u64);
    // Records start after the header, in order, on distinct lines.
    let mut last = 1;
    for r in records {
        assert!(r.line > last, "line {} after {last}", r.line);
        last = r.line;
    }
    assert!(last <= counts.lines.max(1));
}

/// One field's content: letters, digits, spaces, and the bytes that need quoting.
fn field() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            8 => prop::sample::select(vec!['a', 'B', '1', ' ', 'é', '-', '.']),
            1 => prop::sample::select(vec![',', ';', '"', '\n', '\r']),
        ],
        0..8,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

/// Whether a field must be quoted: it holds a delimiter (either: a one-column header says
/// nothing about the delimiter), a quote or a line break, or is empty or blank (a row of one
/// such field would be a blank line).
fn needs_quotes(f: &str) -> bool {
    f.contains([',', ';', '"', '\n', '\r'])
        || f.is_empty()
        || f.trim_matches([' ', '\t']).is_empty()
}

fn quote(f: &str) -> String {
    format!("\"{}\"", f.replace('"', "\"\""))
}

/// How many physical lines a text holds line breaks for (CRLF is one).
fn breaks(s: &str) -> u64 {
    let b = s.as_bytes();
    (0..b.len())
        .filter(|&i| b[i] == b'\n' && (i == 0 || b[i - 1] != b'\r') || b[i] == b'\r')
        .count() as u64
}

#[derive(Debug, Clone)]
struct ValidFile {
    bytes: Vec<u8>,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// The line each row starts on.
    lines: Vec<u64>,
    total_lines: u64,
}

fn valid_file() -> impl Strategy<Value = ValidFile> {
    (
        prop::sample::select(vec![',', ';']),
        1usize..6,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_flat_map(|(delimiter, width, bom, last_end)| {
            let row = prop::collection::vec(field(), width);
            let ending = prop::sample::select(vec!["\n", "\r\n", "\r"]);
            (
                Just((delimiter, width, bom, last_end)),
                prop::collection::vec((row, ending.clone(), 0usize..2), 0..12),
                ending,
            )
        })
        .prop_map(|((delimiter, width, bom, last_end), rows, header_end)| {
            let header: Vec<String> = (0..width).map(|i| format!("k{i}")).collect();
            let mut text = String::new();
            if bom {
                text.push('\u{feff}');
            }
            text.push_str(&header.join(&delimiter.to_string()));
            text.push_str(header_end);
            // A CR followed by a LF would be one line end: write CR CRLF instead.
            let push_end = |text: &mut String, end: &str| {
                if text.ends_with('\r') && end == "\n" {
                    text.push_str("\r\n");
                } else {
                    text.push_str(end);
                }
            };
            let mut line = 2u64;
            let mut lines = Vec::new();
            let mut kept = Vec::new();
            let n = rows.len();
            for (i, (fields, end, blank)) in rows.into_iter().enumerate() {
                for _ in 0..blank {
                    push_end(&mut text, end);
                    line += 1;
                }
                let written: Vec<String> = fields
                    .iter()
                    // A single empty field would be a blank line: quote it.
                    .map(|f| if needs_quotes(f) { quote(f) } else { f.clone() })
                    .collect();
                let row_text = written.join(&delimiter.to_string());
                lines.push(line);
                line += breaks(&row_text);
                text.push_str(&row_text);
                if i + 1 < n || last_end {
                    push_end(&mut text, end);
                }
                line += 1;
                kept.push(fields);
            }
            let total_lines = if n == 0 { 1 + line - 2 } else { line - 1 };
            ValidFile {
                bytes: text.into_bytes(),
                header,
                rows: kept,
                lines,
                total_lines,
            }
        })
}

fn fields_of(r: &RawRecord) -> Vec<String> {
    (0..r.fields.len())
        .map(|i| String::from_utf8_lossy(r.fields.bytes(i).unwrap_or_default()).into_owned())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 384,
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(
            prop_oneof![
                4 => prop::sample::select(b"ab1 ,;\"\n\r\t".to_vec()),
                1 => any::<u8>(),
            ],
            0..600,
        ),
        chunk in 1usize..50,
    ) {
        match read_all(&bytes, chunk) {
            Ok((_, records, counts)) => check_read(&records, &counts),
            Err(e) => check_refusal(&e),
        }
    }

    #[test]
    fn a_valid_file_yields_exactly_its_rows(file in valid_file(), chunk in 1usize..20) {
        let (header, records, counts) = read_all(&file.bytes, chunk)
            .unwrap_or_else(|e| panic!("a valid file was refused: {e}\n{:?}", String::from_utf8_lossy(&file.bytes)));
        prop_assert_eq!(&header, &file.header);
        let got: Vec<Vec<String>> = records.iter().map(fields_of).collect();
        prop_assert_eq!(&got, &file.rows);
        let lines: Vec<u64> = records.iter().map(|r| r.line).collect();
        prop_assert_eq!(&lines, &file.lines);
        prop_assert!(records.iter().all(|r| r.fault.is_none()));
        prop_assert_eq!(counts.lines, file.total_lines, "{:?}", counts);
        check_read(&records, &counts);
    }

    #[test]
    fn the_fast_path_reads_as_the_state_machine_does(
        bytes in prop::collection::vec(
            prop_oneof![
                6 => prop::sample::select(b"ab1 ,;\n\r".to_vec()),
                1 => prop::sample::select(b"\"\t\xff".to_vec()),
            ],
            0..400,
        ),
        file in valid_file(),
    ) {
        same_either_way(&bytes);
        same_either_way(&file.bytes);
    }

    #[test]
    fn mutations_of_a_valid_file_never_panic(
        file in valid_file(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(b"\",;\n\r\xff a".to_vec())), 1..6),
        chunk in 1usize..20,
    ) {
        let mut bytes = file.bytes.clone();
        for (at, kind, b) in edits {
            let i = if bytes.is_empty() { 0 } else { at.index(bytes.len()) };
            match kind {
                0 => bytes.insert(i, b),
                1 if !bytes.is_empty() => { bytes.remove(i); }
                _ if !bytes.is_empty() => bytes[i] = b,
                _ => bytes.push(b),
            }
        }
        match read_all(&bytes, chunk) {
            Ok((_, records, counts)) => check_read(&records, &counts),
            Err(e) => check_refusal(&e),
        }
        same_either_way(&bytes);
    }
}
