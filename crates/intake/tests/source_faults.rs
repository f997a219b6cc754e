//! Fault injection at the layer where a partner's broken export enters: the CSV/Parquet
//! reader and the value parsers. Every case here was seen in issue 13, losing or inventing
//! data with exit status 0; each test fails on the reader and parsers from before the fix.

use loep_contract::{Bsn, Datum, Table};
use loep_intake::source::{MAX_LINE, RawRecord, ReadCounts, SourceError, TableSource};
use loep_intake::validate::{ChunkOut, FUTURE_MARGIN_DAYS, Scope, TablePlan, process_chunk};
use loep_store::Pseudonymiser;
use std::io::Read;
use std::path::Path;

const BRP_HEADER: &str = "bsn,voornamen,voorvoegsel,geslachtsnaam,geboortedatum,geslacht,overlijdensdatum,status,vbo_id,functie_adres,datum_aanvang_adreshouding,partner_bsn";

/// The `n`-th valid BSN (n from 1).
fn bsn(n: u32) -> Bsn {
    (10_000_000 + n * 7..)
        .find_map(Bsn::from_prefix)
        .expect("a valid BSN exists near every prefix")
}

/// A brp_persoon row of a person who left (no address needed to be in scope).
fn brp_row(n: u32, geboortedatum: &str) -> String {
    format!("{},Jan,,Jansen{n},{geboortedatum},M,,vow,,,,", bsn(n))
}

/// Everything a source yields, or the error that refused it.
struct Outcome {
    records: Vec<RawRecord>,
    counts: ReadCounts,
    error: Option<SourceError>,
}

fn read_source(mut src: TableSource) -> Outcome {
    let mut records = Vec::new();
    let error = loop {
        match src.next_chunk(1000) {
            Ok(chunk) if chunk.is_empty() => break None,
            Ok(chunk) => records.extend(chunk),
            Err(e) => {
                break Some(
                    e.downcast_ref::<SourceError>()
                        .cloned()
                        .unwrap_or_else(|| panic!("not a SourceError: {e:#}")),
                );
            }
        }
    };
    Outcome {
        records,
        counts: src.counts(),
        error,
    }
}

fn read_bytes(name: &str, bytes: &[u8]) -> Outcome {
    let src = TableSource::from_csv_reader(name, std::io::Cursor::new(bytes.to_vec()), 0)
        .unwrap_or_else(|e| panic!("the header was refused: {e:#}"));
    read_source(src)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn field(r: &RawRecord, i: usize) -> String {
    String::from_utf8_lossy(r.fields.bytes(i).unwrap_or_default()).into_owned()
}

// 1. Line endings.

#[test]
fn lf_crlf_cr_and_mixed_line_endings_all_read_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        brp_row(1, "1970-01-01"),
        brp_row(2, "1980-02-02"),
        brp_row(3, "1990-03-03"),
    ];
    let mixed = format!("{BRP_HEADER}\r{}\n{}\r\n{}\r", rows[0], rows[1], rows[2]);
    for (name, end) in [("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r")] {
        let text = format!("{BRP_HEADER}{end}{}{end}", rows.join(end));
        let path = write(dir.path(), &format!("{name}.csv"), text.as_bytes());
        let got = read_source(TableSource::open(&path).unwrap());
        assert!(got.error.is_none(), "{name}: {:?}", got.error);
        let lines: Vec<u64> = got.records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 4], "{name}");
        // The last field is not polluted by a CR or LF.
        assert!(
            got.records
                .iter()
                .all(|r| r.fields.len() == 12 && field(r, 11).is_empty())
        );
        assert_eq!(field(&got.records[2], 3), "Jansen3", "{name}");
        assert_eq!(got.counts.lines, 4, "{name}");
        assert!(got.counts.reconciles(), "{name}: {:?}", got.counts);
    }
    let path = write(dir.path(), "mixed.csv", mixed.as_bytes());
    let got = read_source(TableSource::open(&path).unwrap());
    let lines: Vec<u64> = got.records.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 3, 4]);
    assert_eq!(
        got.records.iter().map(|r| field(r, 0)).collect::<Vec<_>>(),
        [bsn(1).to_string(), bsn(2).to_string(), bsn(3).to_string()]
    );
    assert!(got.counts.reconciles(), "{:?}", got.counts);
}

#[test]
fn a_large_cr_only_file_is_not_one_long_line() {
    // 5,000 persons with CR line endings: more than 1 MiB, which the old line guard (that only
    // knew LF) took for a single line.
    let mut text = String::from(BRP_HEADER);
    for n in 1..=25_000 {
        text.push('\r');
        text.push_str(&brp_row(n, "1970-01-01"));
    }
    assert!(text.len() > MAX_LINE);
    let got = read_bytes("brp_persoon.csv", text.as_bytes());
    assert!(got.error.is_none(), "{:?}", got.error);
    assert_eq!(got.records.len(), 25_000);
    assert_eq!(got.records.last().map(|r| r.line), Some(25_001));
    assert!(got.counts.reconciles());
}

// 2. Quotes.

/// A brp_persoon.csv of 2,003 lines whose line 1,002 has a stray `"` at the start of
/// voornamen; `next` replaces line 1,003.
fn with_stray_quote(next: Option<String>) -> String {
    let mut text = String::from(BRP_HEADER);
    text.push('\n');
    for n in 2..=2003u32 {
        let row = match (n, &next) {
            (1002, _) => format!("{},\"Jan,,Jansen,1970-01-01,M,,vow,,,,", bsn(n)),
            (1003, Some(row)) => row.clone(),
            _ => brp_row(n, "1970-01-01"),
        };
        text.push_str(&row);
        text.push('\n');
    }
    text
}

#[test]
fn a_stray_quote_refuses_the_file_naming_the_line_where_it_opened() {
    let got = read_bytes("brp_persoon.csv", with_stray_quote(None).as_bytes());
    let e = got
        .error
        .expect("a quote that swallows rows refuses the file");
    assert_eq!(e.code, "aanhalingsteken_loopt_door");
    assert_eq!(e.regel, Some(1002));
    let text = e.to_string();
    assert!(
        text.starts_with("brp_persoon.csv, regel 1002: ")
            && text.contains("aanhalingsteken")
            && text.contains("regel 1003, die zelf een complete rij van 12 velden is"),
        "{text}"
    );
    assert!(text.len() < 600, "{text}");
    // Nothing from the quote on was handed out as if it were a row.
    assert!(got.records.iter().all(|r| r.line < 1002));
}

#[test]
fn a_quote_open_at_the_end_of_the_file_refuses_it() {
    let text = format!(
        "{BRP_HEADER}\n{}\n{},\"Jan,,Jansen,1970-01-01,M,,vow,,,,\n",
        brp_row(1, "1970-01-01"),
        bsn(2)
    );
    let got = read_bytes("brp_persoon.csv", text.as_bytes());
    let e = got.error.expect("refused");
    assert_eq!(
        (e.code, e.regel),
        ("aanhalingsteken_niet_gesloten", Some(3))
    );
    assert!(e.melding.contains("einde van het bestand"), "{e}");
}

#[test]
fn a_stray_quote_that_closes_on_a_later_quote_refuses_the_file() {
    // The quote "closes" at the opening quote of a properly quoted field on the next line.
    let next = format!("{},\"Anna Maria\",,Jansen,1970-01-01,M,,vow,,,,", bsn(1003));
    let got = read_bytes("brp_persoon.csv", with_stray_quote(Some(next)).as_bytes());
    let e = got.error.expect("refused");
    assert_eq!(
        (e.code, e.regel),
        ("aanhalingsteken_loopt_door", Some(1002))
    );
    assert!(e.melding.contains("sluit pas op regel 1003"), "{e}");

    // It "closes" on a quote at the end of a field (`Jansen 5"`): the record it makes has
    // the wrong number of fields.
    let next = format!("{},Jan,,Jansen 5\",1970-01-01,M,,vow,,,,", bsn(1003));
    let got = read_bytes("brp_persoon.csv", with_stray_quote(Some(next)).as_bytes());
    let e = got.error.expect("refused");
    assert_eq!(
        (e.code, e.regel),
        ("aanhalingsteken_loopt_door", Some(1002))
    );
    assert!(e.melding.contains("10 velden in plaats van 12"), "{e}");
}

#[test]
fn a_properly_quoted_multi_line_field_still_loads() {
    let text = format!(
        "{BRP_HEADER}\r\n{}\r\n{},\"Jan\r\nPiet, \"\"Kees\"\"\",,Jansen,1970-01-01,M,,vow,,,,\r\n{}\r\n",
        brp_row(1, "1970-01-01"),
        bsn(2),
        brp_row(3, "1970-01-01")
    );
    let got = read_bytes("brp_persoon.csv", text.as_bytes());
    assert!(got.error.is_none(), "{:?}", got.error);
    let lines: Vec<u64> = got.records.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 3, 5]);
    assert_eq!(field(&got.records[1], 1), "Jan\r\nPiet, \"Kees\"");
    assert_eq!(
        (
            got.counts.lines,
            got.counts.records,
            got.counts.record_lines
        ),
        (5, 3, 4)
    );
    assert!(got.counts.reconciles());
}

#[test]
fn text_after_a_closing_quote_rejects_only_that_row() {
    let text = format!(
        "{BRP_HEADER}\n{},\"Jan\"tje,,Jansen,1970-01-01,M,,vow,,,,\n{}\n",
        bsn(1),
        brp_row(2, "1970-01-01")
    );
    let got = read_bytes("brp_persoon.csv", text.as_bytes());
    assert!(got.error.is_none());
    assert_eq!(got.records.len(), 2);
    let plan = brp_plan();
    let out = process(&plan, &got.records);
    assert_eq!((out.rows_loaded, out.rows_rejected), (1, 1));
    let r = &out.rejects[0];
    assert_eq!(
        (r.line, r.column.as_str(), r.code),
        (2, "voornamen", "aanhalingsteken")
    );
    assert!(r.reason.contains("aanhalingsteken"), "{}", r.reason);
}

/// A reader that produces a header, then a quoted field of `len` bytes of short lines, without
/// holding it, and counts what was read from it.
struct HugeQuotedField {
    produced: u64,
    len: u64,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Read for HugeQuotedField {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let head = format!("{BRP_HEADER}\n{},\"", bsn(1));
        let mut n = 0;
        while n < buf.len() && self.produced < self.len {
            let i = self.produced as usize;
            buf[n] = match head.as_bytes().get(i) {
                Some(&b) => b,
                None if i % 80 == 79 => b'\n',
                None => b'x',
            };
            n += 1;
            self.produced += 1;
        }
        self.read
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

#[test]
fn a_200_mb_quoted_multi_line_field_is_refused_without_buffering_it() {
    let read = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let reader = HugeQuotedField {
        produced: 0,
        len: 200 << 20,
        read: read.clone(),
    };
    let src = TableSource::from_csv_reader("brp_persoon.csv", reader, 200 << 20).unwrap();
    let got = read_source(src);
    let e = got.error.expect("refused");
    assert_eq!((e.code, e.regel), ("aanhalingsteken_te_lang", Some(2)));
    assert!(got.records.is_empty());
    // It stopped right after the bound: the rest was never read, let alone held.
    let consumed = read.load(std::sync::atomic::Ordering::Relaxed);
    assert!(consumed < (MAX_LINE as u64) * 2, "read {consumed} bytes");
}

#[test]
fn a_long_line_refuses_the_file_with_its_line() {
    let mut text = format!("{BRP_HEADER}\n{}\n", brp_row(1, "1970-01-01")).into_bytes();
    text.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
    let got = read_bytes("brp_persoon.csv", &text);
    let e = got.error.expect("refused");
    assert_eq!((e.code, e.regel), ("regel_te_lang", Some(3)));
    assert!(e.to_string().contains("regel 3 is langer dan"), "{e}");
}

// 3. Every line accounted for.

#[test]
fn every_physical_line_is_accounted_for() {
    // 1 header, 2 empty, 3 a row, 4 spaces, 5-7 a row with a quoted field over three lines,
    // 8 empty (CRLF), 9 a row without a line end.
    let text = format!(
        "\u{feff}{BRP_HEADER}\n\n{}\n   \n{},\"a\nb\nc\",,Jansen,1970-01-01,M,,vow,,,,\r\n\r\n{}",
        brp_row(1, "1970-01-01"),
        bsn(2),
        brp_row(3, "1970-01-01")
    );
    let got = read_bytes("brp_persoon.csv", text.as_bytes());
    assert!(got.error.is_none());
    assert_eq!(
        got.counts,
        ReadCounts {
            lines: 9,
            header_lines: 1,
            records: 3,
            record_lines: 5,
            blank_lines: 3,
            complete: true,
        }
    );
    assert!(got.counts.reconciles());
    let lines: Vec<u64> = got.records.iter().map(|r| r.line).collect();
    assert_eq!(lines, [3, 5, 9]);
    // The caller's check: records = loaded + rejected + outside the area.
    let out = process(&brp_plan(), &got.records);
    assert_eq!(
        out.rows_read,
        out.rows_loaded + out.rows_rejected + out.rows_out_of_area
    );
    assert_eq!(out.rows_read, got.counts.records);
}

#[test]
fn counts_are_incomplete_until_the_end_and_after_a_refusal() {
    let text = format!(
        "{BRP_HEADER}\n{}\n{}\n",
        brp_row(1, "1970-01-01"),
        brp_row(2, "1970-01-01")
    );
    let mut src = TableSource::from_csv_reader(
        "brp_persoon.csv",
        std::io::Cursor::new(text.into_bytes()),
        0,
    )
    .unwrap();
    assert_eq!(src.next_chunk(1).unwrap().len(), 1);
    assert_eq!(src.records_read(), 1);
    assert!(!src.counts().complete);
    let got = read_source(src);
    assert_eq!(got.counts.records, 2);
    assert!(got.counts.reconciles());

    let got = read_bytes("brp_persoon.csv", with_stray_quote(None).as_bytes());
    assert!(got.error.is_some() && !got.counts.complete && !got.counts.reconciles());
}

// 4. Dates.

fn brp_plan() -> TablePlan {
    let table = Table::by_name("brp_persoon").unwrap();
    let header: Vec<String> = BRP_HEADER.split(',').map(str::to_string).collect();
    TablePlan::new(table, &header, Some(b',')).unwrap()
}

fn process(plan: &TablePlan, records: &[RawRecord]) -> ChunkOut {
    process_in(plan, &Scope::default(), records)
}

fn process_in(plan: &TablePlan, scope: &Scope, records: &[RawRecord]) -> ChunkOut {
    let pseudo = Pseudonymiser::from_key(&[7; 32]).unwrap();
    process_chunk(plan, scope, &pseudo, records, None)
        .unwrap_or_else(|e| panic!("an internal error, not a reject: {e:#}"))
}

#[test]
fn unknown_brp_dates_load_as_partly_known_dates() {
    let text = format!(
        "{BRP_HEADER}\n{}\n{}\n{}\n{}\n",
        brp_row(1, "0000-00-00"),
        brp_row(2, "1970-00-00"),
        brp_row(3, "1970-05-00"),
        brp_row(4, "1970-05-17")
    );
    let got = read_bytes("brp_persoon.csv", text.as_bytes());
    let out = process(&brp_plan(), &got.records);
    assert_eq!(
        (out.rows_loaded, out.rows_rejected),
        (4, 0),
        "{:?}",
        out.rejects
    );
    let batch = out.batch.unwrap();
    let years = batch
        .column_by_name("geboortejaar")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::Int32Array>()
        .unwrap();
    let years: Vec<Option<i32>> = years.iter().collect();
    assert_eq!(years, [None, Some(1970), Some(1970), Some(1970)]);
}

#[test]
fn dates_in_the_future_are_rejected_per_row_where_the_contract_forbids_them() {
    let header = "bsn,vbo_id,functie_adres,datum_aanvang,datum_einde";
    let text = format!(
        "{BRP_HEADER}\n{}\n{}\n{}\n{}\n",
        brp_row(1, "9999-12-31"),
        brp_row(2, "2026-05-00"),
        brp_row(3, "2027-00-00"),
        brp_row(4, "2026-01-31")
    );
    let got = read_bytes("brp_persoon.csv", text.as_bytes());
    let peildatum = Datum::parse("2026-01-31").unwrap();
    let plan = brp_plan().with_peildatum(&peildatum);
    assert_eq!(
        plan.latest_date,
        peildatum.days_since_epoch().unwrap() + FUTURE_MARGIN_DAYS
    );
    let out = process(&plan, &got.records);
    assert_eq!((out.rows_loaded, out.rows_rejected), (1, 3));
    for r in &out.rejects {
        assert_eq!(
            (r.column.as_str(), r.code),
            ("geboortedatum", "datum_in_toekomst")
        );
        assert!(
            r.reason.contains("2026-03-03") && r.reason.contains("peildatum"),
            "{}",
            r.reason
        );
        // The birth date is masked outside the vault.
        assert!(r.shown_value().starts_with("[gemaskeerd"));
    }
    // Without a peildatum the limit is today plus the margin: 9999-12-31 is still refused.
    let out = process(&brp_plan(), &got.records[..1]);
    assert_eq!(out.rejects[0].code, "datum_in_toekomst");

    // datum_aanvang may not lie ahead, datum_einde may.
    let table = Table::by_name("brp_verblijf_historie").unwrap();
    let cols: Vec<String> = header.split(',').map(str::to_string).collect();
    let plan = TablePlan::new(table, &cols, Some(b','))
        .unwrap()
        .with_peildatum(&peildatum);
    let text = format!(
        "{header}\n{b},0392010000000001,W,2020-01-01,9999-12-31\n{b},0392010000000002,W,9999-12-31,\n",
        b = bsn(1)
    );
    let got = read_bytes("brp_verblijf_historie.csv", text.as_bytes());
    let mut scope = Scope::default();
    scope
        .objects
        .extend([392_010_000_000_001u64, 392_010_000_000_002]);
    let out = process_in(&plan, &scope, &got.records);
    assert_eq!((out.rows_loaded, out.rows_rejected), (1, 1));
    assert_eq!(
        (
            out.rejects[0].line,
            out.rejects[0].column.as_str(),
            out.rejects[0].code
        ),
        (3, "datum_aanvang", "datum_in_toekomst")
    );
}

// 5. Decimal comma.

#[test]
fn a_decimal_comma_is_an_amount_only_in_a_semicolon_file() {
    let table = Table::by_name("bd_inkomen").unwrap();
    let mut scope = Scope::default();
    let pseudo = Pseudonymiser::from_key(&[7; 32]).unwrap();
    scope.brp.insert(pseudo.pseudonym(bsn(1)));
    scope.brp.insert(pseudo.pseudonym(bsn(2)));

    let text = format!(
        "bsn;belastingjaar;verzamelinkomen;vermogen_box3\n{};2025;1234,56;-0\n{};2025;-99,5;10.5\n",
        bsn(1),
        bsn(2)
    );
    let src =
        TableSource::from_csv_reader("bd_inkomen.csv", std::io::Cursor::new(text.into_bytes()), 0)
            .unwrap();
    let plan = TablePlan::new(table, &src.header, src.delimiter).unwrap();
    let got = read_source(src);
    let out = process_in(&plan, &scope, &got.records);
    // `-0` is a negative vermogen_box3 in form, and refused as before.
    assert_eq!(
        (out.rows_loaded, out.rows_rejected),
        (1, 1),
        "{:?}",
        out.rejects
    );
    let batch = out.batch.unwrap();
    let amounts = batch
        .column_by_name("verzamelinkomen")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::Decimal128Array>()
        .unwrap();
    assert_eq!(amounts.value(0), -9950);

    let text = format!(
        "bsn,belastingjaar,verzamelinkomen\n{},2025,\"1234,56\"\n{},2025,1234.56\n",
        bsn(1),
        bsn(2)
    );
    let src =
        TableSource::from_csv_reader("bd_inkomen.csv", std::io::Cursor::new(text.into_bytes()), 0)
            .unwrap();
    let plan = TablePlan::new(table, &src.header, src.delimiter).unwrap();
    let got = read_source(src);
    let out = process_in(&plan, &scope, &got.records);
    assert_eq!((out.rows_loaded, out.rows_rejected), (1, 1));
    assert_eq!(
        (out.rejects[0].column.as_str(), out.rejects[0].code),
        ("verzamelinkomen", "bedrag_decimaalteken")
    );
}

// 6. Header problems.

#[test]
fn a_header_of_500000_unknown_columns_gives_a_short_answer() {
    let table = Table::by_name("cbs_buurt").unwrap();
    let mut header: Vec<String> = [
        "buurtcode",
        "buurtnaam",
        "wijkcode",
        "wijknaam",
        "gemeentecode",
    ]
    .map(str::to_string)
    .to_vec();
    header.extend((0..500_000).map(|i| format!("kolom{i}")));
    // And a few hundred thousand repeats and forbidden columns for good measure.
    header.extend((0..200_000).map(|i| format!("kolom{}", i % 7)));
    header
        .extend((0..1_000).map(|i| if i % 2 == 0 { "Nationaliteit" } else { "TAAL" }.to_string()));
    let problems = TablePlan::new(table, &header, Some(b',')).err().unwrap();
    let total: usize = problems.iter().map(String::len).sum();
    assert!(
        total < 6_000,
        "{total} bytes in {} problems",
        problems.len()
    );
    assert!(problems.len() <= 4, "{problems:#?}");
    let unknown = problems
        .iter()
        .find(|p| p.contains("staan niet in het contract"))
        .unwrap();
    assert!(
        unknown.starts_with(
            "500000 kolommen staan niet in het contract voor cbs_buurt: 'kolom0', 'kolom1'"
        ),
        "{unknown}"
    );
    assert!(
        unknown.contains("'kolom19'") && !unknown.contains("'kolom20'"),
        "{unknown}"
    );
    assert!(unknown.contains("en nog 499980 andere"), "{unknown}");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("'Nationaliteit'") && p.contains("geweigerd"))
    );
}

#[test]
fn a_header_name_is_shown_shortened_and_without_control_characters() {
    let table = Table::by_name("cbs_buurt").unwrap();
    let long = format!("\u{1b}[31m{}", "x".repeat(10_000));
    let header = vec![long, "buurtcode".to_string()];
    let problems = TablePlan::new(table, &header, Some(b',')).err().unwrap();
    assert!(
        problems
            .iter()
            .all(|p| p.len() < 1_000 && !p.contains('\u{1b}')),
        "{problems:?}"
    );
    // An empty column name (a trailing delimiter on the header) says so.
    let header: Vec<String> = "buurtcode,buurtnaam,wijkcode,wijknaam,gemeentecode,"
        .split(',')
        .map(str::to_string)
        .collect();
    let problems = TablePlan::new(table, &header, Some(b',')).err().unwrap();
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].contains("lege kolomnaam (kolom 6)"),
        "{problems:?}"
    );
}

#[test]
fn a_semicolon_header_over_comma_rows_rejects_every_row_with_a_reason() {
    // The second row has a quoted field with a comma: 4 fields.
    let text = format!(
        "{}\n{}\n{};\"Jan, Piet\";;Jansen,1970-01-01,M,,vow,,,,\n",
        BRP_HEADER.replace(',', ";"),
        brp_row(1, "1970-01-01"),
        bsn(2)
    );
    let src = TableSource::from_csv_reader(
        "brp_persoon.csv",
        std::io::Cursor::new(text.into_bytes()),
        0,
    )
    .unwrap();
    assert_eq!(src.delimiter, Some(b';'));
    let plan = TablePlan::new(
        Table::by_name("brp_persoon").unwrap(),
        &src.header,
        src.delimiter,
    )
    .unwrap();
    let got = read_source(src);
    let out = process(&plan, &got.records);
    assert_eq!((out.rows_read, out.rows_rejected), (2, 2));
    let reasons: Vec<&str> = out.rejects.iter().map(|r| r.reason.as_str()).collect();
    assert!(
        reasons[0].starts_with("verkeerd aantal velden: 1 in plaats van 12; deze rij lijkt ','"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].starts_with("verkeerd aantal velden: 4 in plaats van 12"),
        "{reasons:?}"
    );
    assert!(
        out.rejects
            .iter()
            .all(|r| r.code == "verkeerd_aantal_velden" && r.column == "(rij)")
    );
}

#[test]
fn a_trailing_delimiter_on_every_row_rejects_every_row_with_a_reason() {
    let text = format!(
        "{BRP_HEADER}\n{},\n{},\n",
        brp_row(1, "1970-01-01"),
        brp_row(2, "1970-01-01")
    );
    let got = read_bytes("brp_persoon.csv", text.as_bytes());
    let out = process(&brp_plan(), &got.records);
    assert_eq!((out.rows_read, out.rows_rejected), (2, 2));
    for r in &out.rejects {
        assert_eq!(
            r.reason,
            "verkeerd aantal velden: 13 in plaats van 12; de rij eindigt op een extra scheidingsteken: verwijder het"
        );
    }
}

// 7. Messages: Dutch, bounded, nothing from outside the delivery.

#[cfg(unix)]
#[test]
fn a_symlink_is_refused_without_being_followed() {
    let dir = tempfile::tempdir().unwrap();
    let secret = write(
        dir.path(),
        "geheim.txt",
        b"root:x:0:0:root:/root:/bin/bash\n",
    );
    let link = dir.path().join("brp_persoon.csv");
    std::os::unix::fs::symlink(&secret, &link).unwrap();
    let e = TableSource::open(&link).err().expect("refused");
    let text = format!("{e:#}");
    let se = e.downcast_ref::<SourceError>().unwrap();
    assert_eq!(se.code, "geen_gewoon_bestand");
    assert!(
        text.starts_with("brp_persoon.csv: ") && text.contains("symbolische koppeling"),
        "{text}"
    );
    assert!(
        !text.contains("root") && !text.contains(dir.path().to_str().unwrap()),
        "{text}"
    );

    // A directory or a named pipe is not read either.
    let sub = dir.path().join("bag_verblijfsobject.csv");
    std::fs::create_dir(&sub).unwrap();
    let e = TableSource::open(&sub).err().expect("refused");
    assert_eq!(
        e.downcast_ref::<SourceError>().unwrap().code,
        "geen_gewoon_bestand"
    );
}

#[test]
fn reasons_are_dutch_coded_and_bounded() {
    let long = "x".repeat(5_000);
    let body = format!(
        "vbo_id,nummeraanduiding_id,openbare_ruimte,huisnummer,postcode,woonplaats,gebruiksdoelen,oppervlakte,buurtcode,wijkcode\n\
         0392010000000009,0392200000000009,Kerkstraat,20,0011AB,Haarlem,{long},-40,BU03920101,WK039299\n"
    );
    let src = TableSource::from_csv_reader(
        "bag_verblijfsobject.csv",
        std::io::Cursor::new(body.into_bytes()),
        0,
    )
    .unwrap();
    let table = Table::by_name("bag_verblijfsobject").unwrap();
    let plan = TablePlan::new(table, &src.header, src.delimiter).unwrap();
    let got = read_source(src);
    let mut scope = Scope::default();
    scope
        .area
        .push(loep_contract::CbsCode::parse("GM0392").unwrap());
    let out = process_in(&plan, &scope, &got.records);
    let codes: Vec<(&str, &str)> = out
        .rejects
        .iter()
        .map(|r| (r.column.as_str(), r.code))
        .collect();
    assert_eq!(
        codes,
        [
            ("postcode", "postcode"),
            ("gebruiksdoelen", "gebruiksdoel"),
            ("oppervlakte", "buiten_bereik")
        ]
    );
    for r in &out.rejects {
        assert!(r.reason.len() < 400, "{}", r.reason);
        assert!(!r.reason.contains(&long[..100]));
    }
    assert!(
        out.rejects[0]
            .reason
            .starts_with("een postcode is 4 cijfers")
    );
    assert!(
        out.rejects[2]
            .reason
            .contains("ligt buiten het toegestane bereik")
    );
}

#[test]
fn an_empty_file_and_a_bad_header_are_refused_in_dutch() {
    for (bytes, code) in [
        (&b""[..], "leeg_bestand"),
        (&b"\n\nbsn\n"[..], "leeg_bestand"),
        (&b"bsn,\"geslachtsnaam\n"[..], "kopregel_aanhalingsteken"),
        (&b"bsn,geslachtsn\xe9am\n"[..], "kopregel_geen_utf8"),
    ] {
        let e = TableSource::from_csv_reader(
            "brp_persoon.csv",
            std::io::Cursor::new(bytes.to_vec()),
            0,
        )
        .err()
        .expect("refused");
        let se = e.downcast_ref::<SourceError>().unwrap();
        assert_eq!(se.code, code, "{se}");
        assert!(se.to_string().starts_with("brp_persoon.csv"), "{se}");
    }
    let mut long = vec![b'a'; MAX_LINE + 5];
    long.push(b'\n');
    let e = TableSource::from_csv_reader("x.csv", std::io::Cursor::new(long), 0)
        .err()
        .unwrap();
    assert_eq!(
        e.downcast_ref::<SourceError>().unwrap().code,
        "kopregel_te_lang"
    );
}

#[test]
fn parquet_counts_its_rows() {
    use arrow_array::{RecordBatch, StringArray};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cbs_buurt.parquet");
    let schema = Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
        "buurtcode",
        arrow_schema::DataType::Utf8,
        true,
    )]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(StringArray::from(vec![
            Some("BU03920101"),
            None,
            Some("x"),
        ]))],
    )
    .unwrap();
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema, None)
            .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let got = read_source(TableSource::open(&path).unwrap());
    assert_eq!(got.records.len(), 3);
    assert_eq!(got.counts.records, 3);
    assert!(got.counts.reconciles(), "{:?}", got.counts);

    let bad = write(dir.path(), "kapot.parquet", b"PAR1 not really");
    let e = TableSource::open(&bad).err().unwrap();
    assert_eq!(
        e.downcast_ref::<SourceError>().unwrap().code,
        "parquet_onleesbaar"
    );
}

/// Hands out one byte per read, so that the reader's fast path for whole lines never runs.
struct OneByte(std::io::Cursor<Vec<u8>>);

impl Read for OneByte {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(1);
        self.0.read(&mut buf[..n])
    }
}

#[test]
fn the_line_bound_is_the_same_on_the_fast_and_the_slow_path() {
    for len in [MAX_LINE - 2, MAX_LINE - 1, MAX_LINE, MAX_LINE + 1] {
        for quoted in [false, true] {
            let mut text = b"a,b\n".to_vec();
            let mut row = vec![b'x'; len];
            row[0] = b'1';
            row[1] = b',';
            if quoted {
                row[2] = b'"';
                row[len - 1] = b'"';
            }
            text.extend_from_slice(&row);
            text.push(b'\n');
            let outcome = |src: anyhow::Result<TableSource>| {
                let got = read_source(src.unwrap());
                (
                    got.records.len(),
                    got.error.map(|e| (e.code, e.regel)),
                    got.counts,
                )
            };
            let bulk = outcome(TableSource::from_csv_reader(
                "t.csv",
                std::io::Cursor::new(text.clone()),
                0,
            ));
            let slow = outcome(TableSource::from_csv_reader(
                "t.csv",
                OneByte(std::io::Cursor::new(text)),
                0,
            ));
            assert_eq!(bulk, slow, "len {len}, quoted {quoted}");
            // A line of MAX_LINE bytes with its line end is one byte too long.
            assert_eq!(
                bulk.0 == 1,
                len < MAX_LINE,
                "len {len}, quoted {quoted}: {bulk:?}"
            );
        }
    }
}
