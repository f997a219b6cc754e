//! Reading one delivered file, CSV or Parquet, as a header and a stream of raw records.
//!
//! CSV: UTF-8 (a BOM is tolerated), RFC 4180 quoting, one header row, delimiter `,` or `;`
//! detected from the header. Values stay bytes here: a field that is not UTF-8 is the row's
//! problem, not the file's. A line longer than [`MAX_LINE`] refuses the file, so that a broken
//! file cannot exhaust memory.
//!
//! Parquet: the same columns; every value is cast to its text form and validated exactly as
//! the CSV text would be.

use anyhow::{Context, Result, anyhow, bail};
use arrow_array::{Array, RecordBatch};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// The longest line a CSV may have. Contract rows are short; free-text fields stay far below.
pub const MAX_LINE: usize = 1 << 20;

/// One raw record: its line number in the file (1-based, header is line 1; for Parquet the row
/// number + 1) and its fields (a Parquet null is an empty field: a missing value). A record
/// that is valid UTF-8 as a whole is checked once, on the reader thread.
#[derive(Debug, Clone)]
pub struct RawRecord {
    pub line: u64,
    pub fields: Fields,
}

#[derive(Debug, Clone)]
pub enum Fields {
    Text(csv::StringRecord),
    /// Some field is not UTF-8.
    Bytes(csv::ByteRecord),
}

impl Fields {
    fn from_bytes(rec: csv::ByteRecord) -> Fields {
        match csv::StringRecord::from_byte_record(rec) {
            Ok(text) => Fields::Text(text),
            Err(e) => Fields::Bytes(e.into_byte_record()),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Fields::Text(r) => r.len(),
            Fields::Bytes(r) => r.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Field `i` as text, or its bytes when they are not UTF-8.
    pub fn get(&self, i: usize) -> Option<Result<&str, &[u8]>> {
        match self {
            Fields::Text(r) => r.get(i).map(Ok),
            Fields::Bytes(r) => r.get(i).map(|b| std::str::from_utf8(b).map_err(|_| b)),
        }
    }

    pub fn bytes(&self, i: usize) -> Option<&[u8]> {
        match self {
            Fields::Text(r) => r.get(i).map(str::as_bytes),
            Fields::Bytes(r) => r.get(i),
        }
    }

    /// The record as delivered, joined by `delimiter` (invalid bytes replaced).
    pub fn joined(&self, delimiter: u8) -> String {
        let parts: Vec<String> = (0..self.len())
            .map(|i| String::from_utf8_lossy(self.bytes(i).unwrap_or_default()).into_owned())
            .collect();
        parts.join(&(delimiter as char).to_string())
    }
}

/// A delivered file, opened.
pub struct TableSource {
    pub header: Vec<String>,
    pub delimiter: Option<u8>,
    inner: Inner,
    /// Total bytes of the file, for progress.
    pub size: u64,
}

enum Inner {
    Csv(Box<csv::Reader<LineGuard<BufReader<File>>>>),
    Parquet {
        reader: ParquetRecordBatchReader,
        pending: std::vec::IntoIter<RawRecord>,
        next_line: u64,
    },
}

/// Refuses a file whose lines grow beyond a limit, counting bytes between newlines.
struct LineGuard<R> {
    inner: R,
    run: usize,
    line: u64,
}

impl<R: Read> Read for LineGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let data = &buf[..n];
        let mut prev: Option<usize> = None;
        for pos in memchr::memchr_iter(b'\n', data) {
            let len = match prev {
                None => self.run + pos,
                Some(p) => pos - p - 1,
            };
            if len > MAX_LINE {
                return Err(self.too_long());
            }
            self.line += 1;
            prev = Some(pos);
        }
        self.run = match prev {
            None => self.run + n,
            Some(p) => n - p - 1,
        };
        if self.run > MAX_LINE {
            return Err(self.too_long());
        }
        Ok(n)
    }
}

impl<R> LineGuard<R> {
    fn too_long(&self) -> std::io::Error {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "line {} is longer than {} bytes; this is not a CSV of the contract (check the delimiter and line endings, or split the file)",
                self.line, MAX_LINE
            ),
        )
    }
}

impl TableSource {
    pub fn open(path: &Path) -> Result<TableSource> {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        match path.extension().and_then(|e| e.to_str()) {
            Some("parquet") => Self::open_parquet(path, size),
            _ => Self::open_csv(path, size),
        }
    }

    fn open_csv(path: &Path, size: u64) -> Result<TableSource> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        // Read the header line (bounded) to detect a BOM and the delimiter.
        let mut first = Vec::new();
        let mut limited = (&mut reader).take(MAX_LINE as u64 + 1);
        limited.read_until(b'\n', &mut first)?;
        if first.len() > MAX_LINE {
            bail!(
                "the header line is longer than {MAX_LINE} bytes; this is not a CSV of the contract"
            );
        }
        if first.iter().all(|b| b.is_ascii_whitespace()) {
            bail!(
                "the file is empty: it needs a header row with the column names and then the data rows"
            );
        }
        let body = first.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&first);
        let text = std::str::from_utf8(body).map_err(|_| {
            anyhow!("the header row is not UTF-8; save the file as UTF-8 and deliver it again")
        })?;
        let commas = text.matches(',').count();
        let semis = text.matches(';').count();
        let delimiter = if semis > commas { b';' } else { b',' };
        let mut header_reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .from_reader(text.as_bytes());
        let mut rec = csv::StringRecord::new();
        if !header_reader
            .read_record(&mut rec)
            .context("the header row cannot be read as CSV")?
        {
            bail!("the file is empty: it needs a header row with the column names");
        }
        let header: Vec<String> = rec.iter().map(|h| h.trim().to_string()).collect();
        // The rest of the file, after the header line, is parsed by the csv crate.
        let guard = LineGuard {
            inner: reader,
            run: 0,
            line: 2,
        };
        let csv_reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 20)
            .from_reader(guard);
        Ok(TableSource {
            header,
            delimiter: Some(delimiter),
            inner: Inner::Csv(Box::new(csv_reader)),
            size,
        })
    }

    fn open_parquet(path: &Path, size: u64) -> Result<TableSource> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| {
            anyhow!("this is not a readable Parquet file ({e}); deliver a Parquet or CSV file")
        })?;
        let header = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().trim().to_string())
            .collect();
        let reader = builder.with_batch_size(8192).build()?;
        Ok(TableSource {
            header,
            delimiter: None,
            inner: Inner::Parquet {
                reader,
                pending: Vec::new().into_iter(),
                next_line: 2,
            },
            size,
        })
    }

    /// Reads up to `max` records. An empty vector means the end of the file.
    pub fn next_chunk(&mut self, max: usize) -> Result<Vec<RawRecord>> {
        let mut out = Vec::with_capacity(max.min(1 << 16));
        match &mut self.inner {
            Inner::Csv(reader) => {
                let mut rec = csv::ByteRecord::new();
                while out.len() < max {
                    // Lines are counted from the header line (line 1).
                    let more = reader
                        .read_byte_record(&mut rec)
                        .map_err(|e| match e.kind() {
                            csv::ErrorKind::Io(io) => anyhow!("{io}"),
                            _ => anyhow!("{e}"),
                        })?;
                    if !more {
                        break;
                    }
                    let line = rec.position().map_or(0, |p| p.line() + 1);
                    // A clone is allocated at its exact size; `rec` keeps its buffers.
                    out.push(RawRecord {
                        line,
                        fields: Fields::from_bytes(rec.clone()),
                    });
                }
            }
            Inner::Parquet {
                reader,
                pending,
                next_line,
            } => {
                while out.len() < max {
                    if let Some(r) = pending.next() {
                        out.push(r);
                        continue;
                    }
                    match reader.next() {
                        None => break,
                        Some(batch) => {
                            let batch = batch.context("cannot read the Parquet file")?;
                            let rows = batch_to_records(&batch, *next_line)?;
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
            Inner::Csv(r) => r.position().byte(),
            Inner::Parquet { next_line, .. } => *next_line,
        }
    }
}

fn batch_to_records(batch: &RecordBatch, first_line: u64) -> Result<Vec<RawRecord>> {
    let mut columns = Vec::with_capacity(batch.num_columns());
    for col in batch.columns() {
        let as_text = arrow_cast::cast(col, &arrow_schema::DataType::Utf8)
            .map_err(|e| anyhow!("a Parquet column cannot be read as text: {e}"))?;
        columns.push(as_text);
    }
    let strings: Vec<&arrow_array::StringArray> = columns
        .iter()
        .map(|c| {
            c.as_any()
                .downcast_ref::<arrow_array::StringArray>()
                .context("cast to text failed")
        })
        .collect::<Result<_>>()?;
    Ok((0..batch.num_rows())
        .map(|i| {
            let mut fields = csv::StringRecord::with_capacity(64, strings.len());
            for s in &strings {
                fields.push_field(if s.is_null(i) { "" } else { s.value(i) });
            }
            RawRecord {
                line: first_line + i as u64,
                fields: Fields::Text(fields),
            }
        })
        .collect())
}
