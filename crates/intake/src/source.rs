//! Reading one delivered file, CSV or Parquet, as a header and a stream of raw records.
//!
//! CSV: UTF-8 (a BOM is tolerated), RFC 4180 quoting, one header row, delimiter `,` or `;`
//! detected from the header, lines ending in LF, CRLF or CR (old Mac exports), mixed within
//! one file if need be. Values stay bytes here: a field that is not UTF-8 is the row's
//! problem, not the file's.
//!
//! The reader is written so that a broken export cannot lose rows unnoticed:
//! - A record (one line, or several when a quoted field holds line breaks) longer than
//!   [`MAX_LINE`] refuses the file, so that a broken file cannot exhaust memory: nothing beyond
//!   that bound is ever buffered.
//! - A quoted field that is still open at the end of the file, that runs past [`MAX_LINE`], or
//!   that spans lines and then does not end where a field ends (a stray `"` that "closes" on a
//!   later quote), refuses the file with the line where the quote opened. So does a quoted field
//!   spanning lines whose record then has another number of fields than the header: that is
//!   what a stray quote swallowing lines looks like; and so does a quoted field with a whole
//!   line inside it that has exactly a row's number of delimiters (tables of 4 or more
//!   columns): a row swallowed by a stray quote.
//! - Text after a closing quote on the same line (`"abc"def`) is the row's problem: the record
//!   carries a [`RecordFault`] and is rejected, the file goes on.
//! - Every physical line is counted ([`ReadCounts`]): the header, the lines of each record, and
//!   empty (or blank) lines, which hold no data and are skipped.
//!
//! Parquet: the same columns; every value is cast to its text form and validated exactly as
//! the CSV text would be.
//!
//! Errors that refuse a file are [`SourceError`]s (inside the `anyhow::Error`, so that callers
//! can `downcast_ref`): Dutch, bounded in length, naming the file and the line, and never
//! echoing anything but the delivery's own bytes.

use anyhow::{Result, anyhow};
use arrow_array::{Array, RecordBatch};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// The longest record a CSV may have, in bytes (a line, or the lines of a record whose quoted
/// field holds line breaks). Contract rows are short; free-text fields stay far below.
pub const MAX_LINE: usize = 1 << 20;

/// How many bytes of the file are read at a time.
const READ_BUFFER: usize = 1 << 16;

/// One raw record: its line number in the file (1-based, header is line 1; the line where the
/// record starts when a quoted field spans lines; for Parquet the row number + 1) and its
/// fields (a Parquet null is an empty field: a missing value). A record that is valid UTF-8 as
/// a whole is checked once, on the reader thread.
#[derive(Debug, Clone)]
pub struct RawRecord {
    pub line: u64,
    pub fields: Fields,
    /// Something the reader found wrong with this record that concerns the row only.
    pub fault: Option<RecordFault>,
}

/// A fault in one record that rejects the row but not the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordFault {
    /// Field `field` (0-based, in file order) was quoted and more text followed its closing
    /// quote on the same line (`"abc"def`). RFC 4180 does not allow it, so what the partner
    /// meant cannot be known.
    TextAfterQuote { field: usize },
}

/// The fields of one record: their bytes in one buffer, one separator byte between two
/// fields, and where each field ends. Checked for UTF-8 once, when the record is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    data: Data,
    /// The end of each field in the buffer; field `i` starts one byte after field `i - 1`
    /// ends.
    ends: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Data {
    /// Every field is UTF-8.
    Text(String),
    /// Some field is not UTF-8.
    Bytes(Vec<u8>),
}

impl Fields {
    /// Fields from a buffer and the field ends (as described at [`Fields`]).
    fn new(buf: Vec<u8>, ends: Vec<usize>) -> Fields {
        let mut fields = Fields {
            data: Data::Bytes(buf),
            ends,
        };
        let valid = match &fields.data {
            // One separator byte (ASCII) between fields: an ASCII buffer is ASCII fields.
            Data::Bytes(b) if b.is_ascii() => true,
            Data::Bytes(_) => (0..fields.len()).all(|i| {
                fields
                    .bytes(i)
                    .is_some_and(|f| std::str::from_utf8(f).is_ok())
            }),
            Data::Text(_) => true,
        };
        if valid && let Data::Bytes(b) = fields.data {
            // Fields of valid UTF-8 with ASCII separators between them are valid UTF-8.
            fields.data = match String::from_utf8(b) {
                Ok(text) => Data::Text(text),
                Err(e) => Data::Bytes(e.into_bytes()),
            };
        }
        fields
    }

    /// Fields from separate values (Parquet), with `sep` between them in the buffer.
    fn from_values<'a>(values: impl Iterator<Item = &'a str>, sep: u8) -> Fields {
        let mut buf = Vec::new();
        let mut ends = Vec::new();
        for (i, v) in values.enumerate() {
            if i > 0 {
                buf.push(sep);
            }
            buf.extend_from_slice(v.as_bytes());
            ends.push(buf.len());
        }
        Fields::new(buf, ends)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn range(&self, i: usize) -> Option<std::ops::Range<usize>> {
        let end = *self.ends.get(i)?;
        let start = match i {
            0 => 0,
            _ => self.ends.get(i - 1)? + 1,
        };
        (start <= end).then_some(start..end)
    }

    fn buffer(&self) -> &[u8] {
        match &self.data {
            Data::Text(t) => t.as_bytes(),
            Data::Bytes(b) => b,
        }
    }

    /// Field `i` as text, or its bytes when they are not UTF-8.
    pub fn get(&self, i: usize) -> Option<Result<&str, &[u8]>> {
        let r = self.range(i)?;
        match &self.data {
            Data::Text(t) => t
                .get(r.clone())
                .map(Ok)
                .or_else(|| t.as_bytes().get(r).map(Err)),
            Data::Bytes(b) => b.get(r).map(|f| std::str::from_utf8(f).map_err(|_| f)),
        }
    }

    pub fn bytes(&self, i: usize) -> Option<&[u8]> {
        self.buffer().get(self.range(i)?)
    }

    /// The record as delivered, joined by `delimiter` (invalid bytes replaced).
    pub fn joined(&self, delimiter: u8) -> String {
        let parts: Vec<String> = (0..self.len())
            .map(|i| String::from_utf8_lossy(self.bytes(i).unwrap_or_default()).into_owned())
            .collect();
        parts.join(&(delimiter as char).to_string())
    }
}

/// Why a file is refused while it is opened or read. The `melding` is Dutch, bounded in
/// length, and written for the partner who has to fix the file; `code` is a stable machine
/// code (see the list at [`SourceError::code`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    /// The file's name (never its full path).
    pub bestand: String,
    /// The line it concerns (for a quote: where the quote opened).
    pub regel: Option<u64>,
    /// Stable machine code:
    /// `geen_gewoon_bestand` (a symlink, directory, device or pipe; not followed, not read),
    /// `onleesbaar` (cannot be opened), `leeg_bestand`, `kopregel_te_lang`,
    /// `kopregel_geen_utf8`, `kopregel_aanhalingsteken`, `regel_te_lang`,
    /// `aanhalingsteken_niet_gesloten` (open at the end of the file),
    /// `aanhalingsteken_te_lang` (open past [`MAX_LINE`]),
    /// `aanhalingsteken_loopt_door` (a quote spanning lines that swallowed rows),
    /// `leesfout` (an I/O error while reading), `parquet_onleesbaar`.
    pub code: &'static str,
    /// What is wrong and what to do, in Dutch, without the file name and line.
    pub melding: String,
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.regel {
            Some(r) => write!(f, "{}, regel {r}: {}", self.bestand, self.melding),
            None => write!(f, "{}: {}", self.bestand, self.melding),
        }
    }
}

impl std::error::Error for SourceError {}

/// A refusal found by the lexer, before the file name is added.
#[derive(Debug)]
struct Fault {
    regel: Option<u64>,
    code: &'static str,
    melding: String,
}

impl Fault {
    fn new(regel: Option<u64>, code: &'static str, melding: impl Into<String>) -> Fault {
        Fault {
            regel,
            code,
            melding: melding.into(),
        }
    }

    fn into_error(self, bestand: &str) -> SourceError {
        SourceError {
            bestand: bestand.to_string(),
            regel: self.regel,
            code: self.code,
            melding: self.melding,
        }
    }
}

/// What a reader has accounted for so far. When the whole file has been read
/// (`complete`), every physical line is in exactly one of: the header, a record, or a blank
/// line: `lines == header_lines + record_lines + blank_lines` ([`ReadCounts::reconciles`]).
/// The caller then checks `records == loaded + rejected + outside the area`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadCounts {
    /// Physical lines of the file: each LF, CRLF or CR ends one, and a last line without an
    /// ending counts too. For Parquet: the rows + 1 (a notional header line).
    pub lines: u64,
    /// Physical lines of the header (1; 0 for an empty file).
    pub header_lines: u64,
    /// Records (rows) handed out by [`TableSource::next_chunk`].
    pub records: u64,
    /// Physical lines those records span (more than `records` when quoted fields hold line
    /// breaks).
    pub record_lines: u64,
    /// Empty lines, or lines of only spaces and tabs: they hold no data and are skipped.
    pub blank_lines: u64,
    /// Whether the whole file has been read (the last chunk was empty).
    pub complete: bool,
}

impl ReadCounts {
    /// Whether every physical line read is accounted for. Only meaningful once `complete`.
    pub fn reconciles(&self) -> bool {
        self.complete && self.lines == self.header_lines + self.record_lines + self.blank_lines
    }
}

/// A delivered file, opened.
pub struct TableSource {
    pub header: Vec<String>,
    pub delimiter: Option<u8>,
    inner: Inner,
    /// Total bytes of the file, for progress.
    pub size: u64,
    /// The file's name, for messages.
    name: String,
}

enum Inner {
    Csv(Box<CsvBody>),
    Parquet {
        reader: ParquetRecordBatchReader,
        pending: std::vec::IntoIter<RawRecord>,
        next_line: u64,
        records: u64,
        complete: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a line, before any byte of a record.
    RecordStart,
    /// At the start of a field.
    FieldStart,
    Unquoted,
    Quoted,
    /// Just after a `"` inside a quoted field: an escaped quote or the end of the field.
    QuotedQuote,
}

/// The CSV state machine. It is fed bytes as they come and never holds more than one record
/// (at most [`MAX_LINE`] bytes).
struct Lexer {
    delimiter: u8,
    /// How many fields a record should have (the header's), once known.
    expected: Option<usize>,
    state: State,
    /// The previous byte was a CR that ended a line: a LF right after it belongs to it.
    skip_lf: bool,
    /// The physical line the next byte is on.
    line: u64,
    /// The line where the current record starts.
    record_line: u64,
    /// Bytes of the current record so far (including delimiters and quoted line breaks).
    record_bytes: usize,
    /// The line where the current quoted field opened.
    quote_line: u64,
    /// The line where the first quoted field of the record that spans lines opened.
    spanning_quote: Option<u64>,
    /// Whether any field of the record was quoted.
    any_quote: bool,
    /// Delimiters seen on the current line of the current quoted field.
    quoted_delimiters: usize,
    /// Whether the current line of the quoted field began after a line break inside it (a
    /// whole line inside the quotes, not its first).
    quoted_inner_line: bool,
    fault: Option<RecordFault>,
    /// The current record's bytes so far, in the layout of [`Fields`] (state machine).
    buf: Vec<u8>,
    /// The ends of its fields so far.
    ends: Vec<usize>,
    /// The record just completed, until it is taken.
    complete: Option<Fields>,
    blank_lines: u64,
}

fn is_line_end(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

impl Lexer {
    fn new(delimiter: u8, first_line: u64) -> Lexer {
        Lexer {
            delimiter,
            expected: None,
            state: State::RecordStart,
            skip_lf: false,
            line: first_line,
            record_line: first_line,
            record_bytes: 0,
            quote_line: first_line,
            spanning_quote: None,
            any_quote: false,
            quoted_delimiters: 0,
            quoted_inner_line: false,
            fault: None,
            buf: Vec::with_capacity(1 << 10),
            ends: Vec::with_capacity(64),
            complete: None,
            blank_lines: 0,
        }
    }

    /// A line ended with byte `b` (LF or CR).
    fn end_line(&mut self, b: u8) {
        self.line += 1;
        self.skip_lf = b == b'\r';
    }

    fn too_long(&self) -> Fault {
        match self.state {
            State::Quoted | State::QuotedQuote if self.quote_line != self.line => Fault::new(
                Some(self.quote_line),
                "aanhalingsteken_te_lang",
                format!(
                    "het aanhalingsteken dat op regel {} een veld opent, is na {MAX_LINE} bytes (1 MiB) nog niet gesloten; waarschijnlijk staat er een los aanhalingsteken of ontbreekt het sluitende. Het bestand is geweigerd, zodat er geen rijen ongemerkt verdwijnen",
                    self.quote_line
                ),
            ),
            _ => Fault::new(
                Some(self.line),
                "regel_te_lang",
                format!(
                    "regel {} is langer dan {MAX_LINE} bytes (1 MiB); dit is geen CSV volgens het contract: controleer het scheidingsteken en de regeleinden, of splits het bestand",
                    self.line
                ),
            ),
        }
    }

    fn push(&mut self, bytes: &[u8]) -> Result<(), Fault> {
        self.record_bytes += bytes.len();
        if self.record_bytes > MAX_LINE {
            return Err(self.too_long());
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    /// A delimiter or line end that is not field content.
    fn count_byte(&mut self) -> Result<(), Fault> {
        self.record_bytes += 1;
        if self.record_bytes > MAX_LINE {
            return Err(self.too_long());
        }
        Ok(())
    }

    fn end_field(&mut self) {
        self.ends.push(self.buf.len());
        // The separator before the next field (dropped again at the end of the record).
        self.buf.push(self.delimiter);
    }

    fn begin_record(&mut self) {
        self.record_line = self.line;
        self.record_bytes = 0;
        self.spanning_quote = None;
        self.any_quote = false;
        self.fault = None;
        self.buf.clear();
        self.ends.clear();
    }

    /// The record is complete (its last line has been counted). Returns whether it is a
    /// record (`false`: a line of only spaces and tabs, counted as blank).
    fn end_record(&mut self) -> Result<bool, Fault> {
        self.state = State::RecordStart;
        let fields = self.ends.len();
        self.buf.truncate(self.ends.last().copied().unwrap_or(0));
        if fields == 1 && !self.any_quote && self.buf.iter().all(|&b| b == b' ' || b == b'\t') {
            self.blank_lines += self.line - self.record_line;
            return Ok(false);
        }
        if let (Some(q), Some(n)) = (self.spanning_quote, self.expected)
            && fields != n
        {
            return Err(Fault::new(
                Some(q),
                "aanhalingsteken_loopt_door",
                format!(
                    "het aanhalingsteken dat op regel {q} een veld opent, loopt door tot regel {}; de rij die zo ontstaat heeft {} velden in plaats van {n}. Waarschijnlijk staat er op regel {q} een los aanhalingsteken: verdubbel een aanhalingsteken in een veld (\"\") of zet het hele veld tussen aanhalingstekens. Het bestand is geweigerd, zodat er geen rijen ongemerkt verdwijnen",
                    self.line - 1,
                    fields
                ),
            ));
        }
        self.complete = Some(Fields::new(self.buf.clone(), self.ends.clone()));
        Ok(true)
    }

    /// Consumes bytes of `data` until a record is complete or the bytes run out. Returns how
    /// many bytes were consumed and whether a record is complete.
    fn feed(&mut self, data: &[u8]) -> Result<(usize, bool), Fault> {
        let mut i = 0;
        while i < data.len() {
            if self.skip_lf {
                self.skip_lf = false;
                if data[i] == b'\n' {
                    // The LF of a CRLF: part of the line end just counted.
                    if self.state == State::Quoted {
                        self.push(b"\n")?;
                    } else if self.state != State::RecordStart {
                        self.count_byte()?;
                    }
                    i += 1;
                    continue;
                }
            }
            match self.state {
                State::RecordStart => {
                    let b = data[i];
                    if is_line_end(b) {
                        self.blank_lines += 1;
                        self.end_line(b);
                        i += 1;
                        continue;
                    }
                    self.begin_record();
                    // The common case, fast: a whole line without a quote in this buffer is
                    // split at its delimiters, straight into a record of its exact size.
                    // Anything else goes through the state machine byte by byte (with the
                    // same result).
                    let rest = &data[i..];
                    if let Some(p) = memchr::memchr3(b'\n', b'\r', b'"', rest)
                        && rest[p] != b'"'
                    {
                        let line = &rest[..p];
                        self.record_bytes = line.len() + 1;
                        if self.record_bytes > MAX_LINE {
                            return Err(self.too_long());
                        }
                        let mut ends = Vec::with_capacity(self.expected.unwrap_or(8));
                        ends.extend(memchr::memchr_iter(self.delimiter, line));
                        ends.push(line.len());
                        i += p + 1;
                        self.end_line(rest[p]);
                        if ends.len() == 1 && line.iter().all(|&b| b == b' ' || b == b'\t') {
                            self.blank_lines += 1;
                            continue;
                        }
                        self.complete = Some(Fields::new(line.to_vec(), ends));
                        return Ok((i, true));
                    }
                    self.state = State::FieldStart;
                }
                State::FieldStart => {
                    if data[i] == b'"' {
                        self.count_byte()?;
                        self.state = State::Quoted;
                        self.quote_line = self.line;
                        self.any_quote = true;
                        self.quoted_delimiters = 0;
                        self.quoted_inner_line = false;
                        i += 1;
                    } else {
                        self.state = State::Unquoted;
                    }
                }
                State::Unquoted => {
                    let rest = &data[i..];
                    match memchr::memchr3(self.delimiter, b'\n', b'\r', rest) {
                        None => {
                            self.push(rest)?;
                            i = data.len();
                        }
                        Some(p) => {
                            self.push(&rest[..p])?;
                            self.count_byte()?;
                            let b = rest[p];
                            i += p + 1;
                            self.end_field();
                            if b == self.delimiter {
                                self.state = State::FieldStart;
                            } else {
                                self.end_line(b);
                                if self.end_record()? {
                                    return Ok((i, true));
                                }
                            }
                        }
                    }
                }
                State::Quoted => {
                    let rest = &data[i..];
                    let (content, special) = match memchr::memchr3(b'"', b'\n', b'\r', rest) {
                        None => (rest, None),
                        Some(p) => (&rest[..p], Some(rest[p])),
                    };
                    self.push(content)?;
                    self.quoted_delimiters += memchr::memchr_iter(self.delimiter, content).count();
                    i += content.len();
                    match special {
                        None => {}
                        Some(b'"') => {
                            i += 1;
                            self.count_byte()?;
                            self.state = State::QuotedQuote;
                        }
                        Some(b) => {
                            i += 1;
                            // A line break inside a quoted field is content, unless the line
                            // it ends is a whole row by itself: then a stray quote is
                            // swallowing rows.
                            self.swallowed_row()?;
                            self.push(&[b])?;
                            self.spanning_quote.get_or_insert(self.quote_line);
                            self.end_line(b);
                            self.quoted_inner_line = true;
                            self.quoted_delimiters = 0;
                        }
                    }
                }
                State::QuotedQuote => {
                    let b = data[i];
                    if b == b'"' {
                        self.push(b"\"")?;
                        self.state = State::Quoted;
                        i += 1;
                    } else if b == self.delimiter {
                        self.count_byte()?;
                        self.end_field();
                        self.state = State::FieldStart;
                        i += 1;
                    } else if is_line_end(b) {
                        self.count_byte()?;
                        self.end_field();
                        self.end_line(b);
                        i += 1;
                        if self.end_record()? {
                            return Ok((i, true));
                        }
                    } else if self.quote_line != self.line {
                        // A quote that ran over lines "closes" on a quote that opens or sits
                        // inside a later field: a stray quote swallowed those lines.
                        return Err(Fault::new(
                            Some(self.quote_line),
                            "aanhalingsteken_loopt_door",
                            format!(
                                "het aanhalingsteken dat op regel {q} een veld opent, sluit pas op regel {l}, en daar volgt na het sluitende aanhalingsteken nog tekst. Waarschijnlijk staat er op regel {q} een los aanhalingsteken: verdubbel een aanhalingsteken in een veld (\"\") of zet het hele veld tussen aanhalingstekens. Het bestand is geweigerd, zodat er geen rijen ongemerkt verdwijnen",
                                q = self.quote_line,
                                l = self.line
                            ),
                        ));
                    } else {
                        // `"abc"def` on one line: the row is rejected, the rest of the field is
                        // read as unquoted text so that the next fields stay in place.
                        self.fault.get_or_insert(RecordFault::TextAfterQuote {
                            field: self.ends.len(),
                        });
                        self.state = State::Unquoted;
                    }
                }
            }
        }
        Ok((i, false))
    }

    /// Refuses a whole line inside a quoted field that has exactly the delimiters of a row
    /// (with at least 4 fields, so that ordinary text with a comma or two is not mistaken
    /// for one).
    fn swallowed_row(&self) -> Result<(), Fault> {
        match self.expected {
            Some(n) if n >= 4 && self.quoted_inner_line && self.quoted_delimiters + 1 == n => {
                Err(Fault::new(
                    Some(self.quote_line),
                    "aanhalingsteken_loopt_door",
                    format!(
                        "het aanhalingsteken dat op regel {q} een veld opent, loopt door over regel {l}, die zelf een complete rij van {n} velden is. Waarschijnlijk staat er op regel {q} een los aanhalingsteken: verdubbel een aanhalingsteken in een veld (\"\") of zet het hele veld tussen aanhalingstekens. Het bestand is geweigerd, zodat er geen rijen ongemerkt verdwijnen",
                        q = self.quote_line,
                        l = self.line
                    ),
                ))
            }
            _ => Ok(()),
        }
    }

    /// The input has ended. Returns whether a last record (without a line end) is complete.
    fn finish(&mut self) -> Result<bool, Fault> {
        self.skip_lf = false;
        match self.state {
            State::RecordStart => Ok(false),
            State::Quoted => Err(Fault::new(
                Some(self.quote_line),
                "aanhalingsteken_niet_gesloten",
                format!(
                    "het aanhalingsteken dat op regel {} een veld opent, wordt tot het einde van het bestand niet gesloten. Waarschijnlijk staat er een los aanhalingsteken: verdubbel een aanhalingsteken in een veld (\"\") of zet het hele veld tussen aanhalingstekens. Het bestand is geweigerd, zodat er geen rijen ongemerkt verdwijnen",
                    self.quote_line
                ),
            )),
            State::FieldStart | State::Unquoted | State::QuotedQuote => {
                self.end_field();
                // The last line had no line end; it counts all the same.
                self.line += 1;
                self.end_record()
            }
        }
    }
}

/// The CSV body after the header: the input and the lexer.
struct CsvBody {
    input: Box<dyn BufRead + Send>,
    lexer: Lexer,
    /// Bytes consumed, header included.
    position: u64,
    header_lines: u64,
    records: u64,
    record_lines: u64,
    done: bool,
    /// A refusal is final: every later read returns it again.
    failed: Option<SourceError>,
}

impl CsvBody {
    fn next_record(&mut self) -> Result<Option<RawRecord>, Fault> {
        if self.done {
            return Ok(None);
        }
        loop {
            let buf = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(Fault::new(
                        None,
                        "leesfout",
                        format!("het bestand kan niet verder worden gelezen ({e})"),
                    ));
                }
            };
            if buf.is_empty() {
                self.done = true;
                return Ok(if self.lexer.finish()? {
                    Some(self.take())
                } else {
                    None
                });
            }
            let (n, complete) = self.lexer.feed(buf)?;
            self.input.consume(n);
            self.position += n as u64;
            if complete {
                return Ok(Some(self.take()));
            }
        }
    }

    fn take(&mut self) -> RawRecord {
        let lx = &mut self.lexer;
        let fields = lx
            .complete
            .take()
            .unwrap_or_else(|| Fields::new(Vec::new(), vec![0]));
        self.records += 1;
        self.record_lines += lx.line - lx.record_line;
        RawRecord {
            line: lx.record_line,
            fields,
            fault: lx.fault,
        }
    }

    fn counts(&self) -> ReadCounts {
        ReadCounts {
            // `line` is the line the next byte would be on; the header was line 1.
            lines: self.lexer.line - 1,
            header_lines: self.header_lines,
            records: self.records,
            record_lines: self.record_lines,
            blank_lines: self.lexer.blank_lines,
            complete: self.done && self.failed.is_none(),
        }
    }
}

/// Up to 64 characters of a name from a file, with control characters replaced, for messages.
pub fn shown_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(64)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().nth(64).is_some() {
        out.push('…');
    }
    out
}

/// The first line of the input, without its line end, and the line end (`None` at the end of
/// the input). Refuses a line longer than [`MAX_LINE`].
fn read_first_line(input: &mut dyn BufRead) -> Result<(Vec<u8>, Option<u8>), Fault> {
    let mut line = Vec::new();
    loop {
        let buf = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(Fault::new(
                    None,
                    "leesfout",
                    format!("het bestand kan niet worden gelezen ({e})"),
                ));
            }
        };
        if buf.is_empty() {
            return Ok((line, None));
        }
        match memchr::memchr2(b'\n', b'\r', buf) {
            Some(p) => {
                let end = buf[p];
                line.extend_from_slice(&buf[..p]);
                input.consume(p + 1);
                if line.len() > MAX_LINE {
                    break;
                }
                return Ok((line, Some(end)));
            }
            None => {
                let n = buf.len();
                line.extend_from_slice(buf);
                input.consume(n);
                if line.len() > MAX_LINE {
                    break;
                }
            }
        }
    }
    Err(Fault::new(
        Some(1),
        "kopregel_te_lang",
        format!(
            "de kopregel is langer dan {MAX_LINE} bytes (1 MiB); dit is geen CSV volgens het contract: controleer het scheidingsteken en de regeleinden"
        ),
    ))
}

/// `;` when the header has more semicolons than commas outside quotes, else `,`.
fn detect_delimiter(header: &[u8]) -> u8 {
    let (mut commas, mut semis, mut quoted) = (0usize, 0usize, false);
    for &b in header {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semis += 1,
            _ => {}
        }
    }
    if semis > commas { b';' } else { b',' }
}

/// Why a delivered file at `meta` (read without following a link) is not read: a symbolic
/// link, anything but a regular file, or a regular file with more than one hard link (another
/// name for a file elsewhere, such as `/etc/passwd`). `None` for a plain file.
pub fn not_a_plain_file(meta: &std::fs::Metadata) -> Option<&'static str> {
    if meta.file_type().is_symlink() {
        return Some(
            "is een symbolische koppeling (symlink); een levering bevat alleen gewone bestanden. De koppeling is niet gevolgd en niet gelezen",
        );
    }
    if !meta.is_file() {
        return Some(
            "is geen gewoon bestand (maar een map, apparaat of pipe); een levering bevat alleen gewone bestanden. Het is niet gelezen",
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return Some(
                "heeft meer dan één naam (een harde koppeling, hard link, naar een bestand elders); een levering bevat alleen gewone bestanden. Kopieer het bestand in de levering; het is niet gelezen",
            );
        }
    }
    None
}

/// Opens a delivered file for reading: a symlink, a hard link or anything but a regular file
/// is refused without being followed or read ([`not_a_plain_file`]), and the file opened is
/// the one checked. The refusal is a [`SourceError`] naming the file.
pub fn open_plain(path: &Path) -> Result<(File, std::fs::Metadata)> {
    let name = path
        .file_name()
        .map(|n| shown_name(&n.to_string_lossy()))
        .unwrap_or_default();
    let refuse = |code: &'static str, melding: String| {
        anyhow!(SourceError {
            bestand: name.clone(),
            regel: None,
            code,
            melding,
        })
    };
    let meta = std::fs::symlink_metadata(path)
        .map_err(|e| refuse("onleesbaar", format!("kan niet worden gelezen ({e})")))?;
    if let Some(why) = not_a_plain_file(&meta) {
        return Err(refuse("geen_gewoon_bestand", why.into()));
    }
    let file = File::open(path)
        .map_err(|e| refuse("onleesbaar", format!("kan niet worden geopend ({e})")))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let opened = file
            .metadata()
            .map_err(|e| refuse("onleesbaar", format!("kan niet worden gelezen ({e})")))?;
        if (opened.dev(), opened.ino()) != (meta.dev(), meta.ino()) || !opened.is_file() {
            return Err(refuse(
                "geen_gewoon_bestand",
                "is tijdens het openen door iets anders vervangen; lever het bestand opnieuw"
                    .into(),
            ));
        }
    }
    Ok((file, meta))
}

impl TableSource {
    /// Opens a delivered file: Parquet by its extension, CSV otherwise. A symlink, a hard link
    /// or anything but a regular file is refused without being followed or read
    /// ([`not_a_plain_file`]).
    pub fn open(path: &Path) -> Result<TableSource> {
        let (file, meta) = open_plain(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let size = meta.len();
        match path.extension().and_then(|e| e.to_str()) {
            Some("parquet") => Self::open_parquet(file, &name, size),
            _ => Self::from_csv_reader(&name, file, size),
        }
    }

    /// Reads a CSV from any source (a file, or bytes in memory for tests). `name` is the file
    /// name used in messages; `size` the total bytes, for progress (0 when unknown).
    pub fn from_csv_reader(
        name: &str,
        reader: impl Read + Send + 'static,
        size: u64,
    ) -> Result<TableSource> {
        Self::csv(name, reader, size).map_err(|f| anyhow!(f.into_error(name)))
    }

    fn csv(
        name: &str,
        reader: impl Read + Send + 'static,
        size: u64,
    ) -> Result<TableSource, Fault> {
        let mut input: Box<dyn BufRead + Send> =
            Box::new(BufReader::with_capacity(READ_BUFFER, reader));
        let (first, end) = read_first_line(&mut input)?;
        let consumed = first.len() as u64 + u64::from(end.is_some());
        let body = first.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&first);
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(Fault::new(
                None,
                "leeg_bestand",
                "het bestand is leeg of begint met een lege regel: het heeft eerst een kopregel met de kolomnamen nodig en dan de rijen",
            ));
        }
        if std::str::from_utf8(body).is_err() {
            return Err(Fault::new(
                Some(1),
                "kopregel_geen_utf8",
                "de kopregel is geen UTF-8; sla het bestand op als UTF-8 en lever het opnieuw",
            ));
        }
        let delimiter = detect_delimiter(body);
        let mut header_lexer = Lexer::new(delimiter, 1);
        let (_, complete) = header_lexer.feed(body)?;
        let parsed = complete
            || header_lexer.finish().map_err(|_| {
                Fault::new(
                    Some(1),
                    "kopregel_aanhalingsteken",
                    "de kopregel heeft een aanhalingsteken dat op dezelfde regel niet sluit; een kolomnaam loopt nooit over meer regels",
                )
            })?;
        let mut header = Vec::new();
        if parsed && let Some(names) = header_lexer.complete.take() {
            header = (0..names.len())
                .map(|i| {
                    String::from_utf8_lossy(names.bytes(i).unwrap_or_default())
                        .trim()
                        .to_string()
                })
                .collect();
        }
        let mut lexer = Lexer::new(delimiter, 2);
        lexer.expected = Some(header.len());
        lexer.skip_lf = end == Some(b'\r');
        let csv = CsvBody {
            input,
            lexer,
            position: consumed,
            header_lines: 1,
            records: 0,
            record_lines: 0,
            done: false,
            failed: None,
        };
        // A header without a line end is the whole file.
        let mut csv = csv;
        if end.is_none() {
            csv.done = true;
            csv.lexer.line = 2;
        }
        Ok(TableSource {
            header,
            delimiter: Some(delimiter),
            inner: Inner::Csv(Box::new(csv)),
            size,
            name: name.to_string(),
        })
    }

    fn open_parquet(file: File, name: &str, size: u64) -> Result<TableSource> {
        let refuse = |e: &dyn fmt::Display| {
            anyhow!(SourceError {
                bestand: name.to_string(),
                regel: None,
                code: "parquet_onleesbaar",
                melding: format!(
                    "is geen leesbaar Parquet-bestand ({}); lever een Parquet- of CSV-bestand",
                    shorten(&e.to_string(), 200)
                ),
            })
        };
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| refuse(&e))?;
        let header = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().trim().to_string())
            .collect();
        let reader = builder
            .with_batch_size(8192)
            .build()
            .map_err(|e| refuse(&e))?;
        Ok(TableSource {
            header,
            delimiter: None,
            inner: Inner::Parquet {
                reader,
                pending: Vec::new().into_iter(),
                next_line: 2,
                records: 0,
                complete: false,
            },
            size,
            name: name.to_string(),
        })
    }

    /// The file's name, as used in messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads up to `max` records. An empty vector means the end of the file. An error refuses
    /// the file: it holds a [`SourceError`] (use `downcast_ref`), and every later call returns
    /// it again.
    pub fn next_chunk(&mut self, max: usize) -> Result<Vec<RawRecord>> {
        let mut out = Vec::with_capacity(max.min(1 << 16));
        match &mut self.inner {
            Inner::Csv(csv) => {
                if let Some(e) = &csv.failed {
                    return Err(anyhow!(e.clone()));
                }
                while out.len() < max {
                    match csv.next_record() {
                        Ok(Some(r)) => out.push(r),
                        Ok(None) => break,
                        Err(f) => {
                            let e = f.into_error(&self.name);
                            csv.failed = Some(e.clone());
                            return Err(anyhow!(e));
                        }
                    }
                }
            }
            Inner::Parquet {
                reader,
                pending,
                next_line,
                records,
                complete,
            } => {
                while out.len() < max {
                    if let Some(r) = pending.next() {
                        *records += 1;
                        out.push(r);
                        continue;
                    }
                    match reader.next() {
                        None => {
                            *complete = true;
                            break;
                        }
                        Some(batch) => {
                            let batch = batch.map_err(|e| {
                                anyhow!(SourceError {
                                    bestand: self.name.clone(),
                                    regel: None,
                                    code: "parquet_onleesbaar",
                                    melding: format!(
                                        "het Parquet-bestand kan niet verder worden gelezen ({})",
                                        shorten(&e.to_string(), 200)
                                    ),
                                })
                            })?;
                            let rows = batch_to_records(&batch, *next_line, &self.name)?;
                            *next_line += batch.num_rows() as u64;
                            *pending = rows.into_iter();
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// Bytes consumed so far (CSV) or rows read (Parquet), for progress.
    pub fn position(&self) -> u64 {
        match &self.inner {
            Inner::Csv(r) => r.position,
            Inner::Parquet { next_line, .. } => *next_line,
        }
    }

    /// Records handed out so far by [`TableSource::next_chunk`].
    pub fn records_read(&self) -> u64 {
        self.counts().records
    }

    /// What has been read and accounted for so far; see [`ReadCounts`].
    pub fn counts(&self) -> ReadCounts {
        match &self.inner {
            Inner::Csv(csv) => csv.counts(),
            Inner::Parquet {
                records, complete, ..
            } => ReadCounts {
                lines: records + 1,
                header_lines: 1,
                records: *records,
                record_lines: *records,
                blank_lines: 0,
                complete: *complete,
            },
        }
    }
}

/// At most `max` characters of `s`, with `…` when cut.
fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn batch_to_records(batch: &RecordBatch, first_line: u64, name: &str) -> Result<Vec<RawRecord>> {
    let refuse = |melding: String| {
        anyhow!(SourceError {
            bestand: name.to_string(),
            regel: None,
            code: "parquet_onleesbaar",
            melding,
        })
    };
    let mut columns = Vec::with_capacity(batch.num_columns());
    for col in batch.columns() {
        let as_text = arrow_cast::cast(col, &arrow_schema::DataType::Utf8).map_err(|e| {
            refuse(format!(
                "een kolom van het Parquet-bestand kan niet als tekst worden gelezen ({})",
                shorten(&e.to_string(), 200)
            ))
        })?;
        columns.push(as_text);
    }
    let strings: Vec<&arrow_array::StringArray> = columns
        .iter()
        .map(|c| {
            c.as_any()
                .downcast_ref::<arrow_array::StringArray>()
                .ok_or_else(|| refuse("een kolom kan niet als tekst worden gelezen".into()))
        })
        .collect::<Result<_>>()?;
    Ok((0..batch.num_rows())
        .map(|i| {
            let values = strings
                .iter()
                .map(|s| if s.is_null(i) { "" } else { s.value(i) });
            RawRecord {
                line: first_line + i as u64,
                fields: Fields::from_values(values, b','),
                fault: None,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    type Rows = Vec<(u64, Vec<String>)>;

    fn read_all(bytes: &[u8]) -> Result<(Vec<String>, Rows, ReadCounts)> {
        let mut src =
            TableSource::from_csv_reader("t.csv", std::io::Cursor::new(bytes.to_vec()), 0)?;
        let mut rows = Vec::new();
        loop {
            let chunk = src.next_chunk(3)?;
            if chunk.is_empty() {
                break;
            }
            for r in chunk {
                let fields = (0..r.fields.len())
                    .map(|i| {
                        String::from_utf8_lossy(r.fields.bytes(i).unwrap_or_default()).into_owned()
                    })
                    .collect();
                rows.push((r.line, fields));
            }
        }
        Ok((src.header.clone(), rows, src.counts()))
    }

    #[test]
    fn crlf_split_over_buffers_counts_once() {
        // A CR at the end of one read and its LF at the start of the next.
        struct Dribble(Vec<u8>, usize);
        impl Read for Dribble {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.1 >= self.0.len() || buf.is_empty() {
                    return Ok(0);
                }
                buf[0] = self.0[self.1];
                self.1 += 1;
                Ok(1)
            }
        }
        let bytes = b"a,b\r\n1,\"x\r\ny\"\r\n\r\n2,3\r\n".to_vec();
        let mut src = TableSource::from_csv_reader("t.csv", Dribble(bytes, 0), 0).unwrap();
        let mut lines = Vec::new();
        loop {
            let c = src.next_chunk(10).unwrap();
            if c.is_empty() {
                break;
            }
            lines.extend(c.iter().map(|r| r.line));
        }
        assert_eq!(lines, vec![2, 5]);
        let c = src.counts();
        assert_eq!((c.lines, c.record_lines, c.blank_lines), (5, 3, 1));
        assert!(c.reconciles(), "{c:?}");
    }

    #[test]
    fn a_header_without_line_end_is_the_whole_file() {
        let (h, rows, c) = read_all(b"a;b").unwrap();
        assert_eq!(h, vec!["a", "b"]);
        assert!(rows.is_empty());
        assert_eq!((c.lines, c.header_lines), (1, 1));
        assert!(c.reconciles());
    }

    #[test]
    fn utf8_is_checked_per_field() {
        // `\xC3` and `\xA9` are each invalid, though together they are `é`.
        let mut src = TableSource::from_csv_reader(
            "t.csv",
            std::io::Cursor::new(b"a,b\n\xC3,\xA9\n\"\xC3\",ok\n\xC3\xA9,\"x\"\n".to_vec()),
            0,
        )
        .unwrap();
        let rows = src.next_chunk(10).unwrap();
        assert_eq!(rows[0].fields.get(0), Some(Err(&b"\xC3"[..])));
        assert_eq!(rows[0].fields.get(1), Some(Err(&b"\xA9"[..])));
        assert_eq!(rows[1].fields.get(0), Some(Err(&b"\xC3"[..])));
        assert_eq!(rows[1].fields.get(1), Some(Ok("ok")));
        assert_eq!(rows[2].fields.get(0), Some(Ok("é")));
        assert_eq!(rows[2].fields.get(1), Some(Ok("x")));
        assert_eq!(rows[2].fields.get(2), None);
        assert_eq!(rows[2].fields.joined(b';'), "é;x");
    }

    #[test]
    fn quoted_fields_keep_their_content() {
        let (_, rows, c) = read_all(b"a,b\n\"x,\"\"y\"\"\",\"\"\n").unwrap();
        assert_eq!(rows, vec![(2, vec!["x,\"y\"".to_string(), String::new()])]);
        assert!(c.reconciles());
    }
}
