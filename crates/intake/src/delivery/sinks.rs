//! The sinks of one table: Parquet writers for the analysis data and the vault's identity and
//! BSN files, the rejects sink (masked to the store and the CSV report, in full to the vault),
//! and the pipeline that streams a file into them.

use anyhow::{Context, Result, anyhow};
use arrow_array::{RecordBatch, StringArray};
use arrow_schema::SchemaRef;
use loep_store::deliveries::{self, Reject};
use loep_store::{Pseudonym, Pseudonymiser, Tx};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender};
use std::thread::ScopedJoinHandle;

use super::commit::Staged;
use super::keys::DuplicateKeys;
use super::plan::PlannedFile;
use super::scope::NewKeys;
use super::{Progress, RefusedFile, TableReport, source_problem};
use crate::carry::{Carry, Columns, Previous};
use crate::columns::bsn_schema;
use crate::source::{RawRecord, TableSource};
use crate::validate::{
    ChunkOut, RejectOut, Scope, TablePlan, formula_safe, process_chunk, pseudonym_hex,
};

/// Records read per chunk and per parallel task.
const CHUNK: usize = 1 << 16;
const TASK: usize = 1 << 13;
/// Rows per Parquet row group: large enough for scans, small enough that the writers'
/// buffers stay small and are reused rather than fetched anew from the operating system.
const ROW_GROUP: usize = 1 << 18;
/// How many rejects the report shows in full (all are stored).
const SHOWN_REJECTS: usize = 20;

/// The Parquet writers of one table: analysis data, and the vault's identities and BSN map.
pub(super) struct Sinks {
    data: Option<ArrowWriter<File>>,
    identity: Option<ArrowWriter<File>>,
    bsn: Option<ArrowWriter<File>>,
}

struct ToWriter {
    data: Option<RecordBatch>,
    identities: Option<RecordBatch>,
    bsns: Vec<(Pseudonym, loep_contract::Bsn)>,
    /// BSN map rows as they are (carried over from the previous snapshot).
    bsn_rows: Option<RecordBatch>,
}

impl ToWriter {
    /// Rows for the analysis data's writer.
    fn data(data: Option<RecordBatch>) -> ToWriter {
        ToWriter {
            data,
            identities: None,
            bsns: Vec::new(),
            bsn_rows: None,
        }
    }

    /// Rows for the vault's writer: identities, BSNs with their pseudonyms, and BSN map rows
    /// as they are.
    fn vault(
        identities: Option<RecordBatch>,
        bsns: Vec<(Pseudonym, loep_contract::Bsn)>,
        bsn_rows: Option<RecordBatch>,
    ) -> ToWriter {
        ToWriter {
            data: None,
            identities,
            bsns,
            bsn_rows,
        }
    }
}

pub(super) fn parquet_writer(path: &Path, schema: SchemaRef) -> Result<ArrowWriter<File>> {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).with_context(|| format!("kan {} niet aanmaken", p.display()))?;
    }
    let file =
        File::create(path).with_context(|| format!("kan {} niet aanmaken", path.display()))?;
    // Statistics per column chunk are enough to prune row groups. Columns of (nearly) unique
    // values (pseudonyms, keys, BSNs) overflow any dictionary, and min/max of random values
    // prune nothing: both only cost time there.
    // LZ4 (raw): as small as Snappy on this data, and decoded about twice as fast; decoding
    // Snappy pages was the largest single cost of a scan (BENCHMARKS.md, "Pages a scan can
    // read faster").
    let mut props = WriterProperties::builder()
        .set_compression(Compression::LZ4_RAW)
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .set_statistics_enabled(EnabledStatistics::Chunk);
    for f in schema.fields() {
        let name = f.name();
        if name.contains("pseudoniem") || name == "record_key" || name == "bsn" {
            let col = ColumnPath::from(name.as_str());
            props = props
                .set_column_dictionary_enabled(col.clone(), false)
                .set_column_statistics_enabled(col, EnabledStatistics::None);
        }
    }
    Ok(ArrowWriter::try_new(file, schema, Some(props.build()))?)
}

pub(super) fn close_writer(w: ArrowWriter<File>) -> Result<()> {
    let file = w.into_inner()?;
    file.sync_all()?;
    Ok(())
}

impl Sinks {
    /// The writers of one table, at the staged paths: (analysis data, vault files).
    pub(super) fn for_table(staged: &Staged, plan: &TablePlan) -> Result<(Sinks, Sinks)> {
        let data = Sinks {
            data: Some(parquet_writer(&staged.data.0, plan.schema.clone())?),
            identity: None,
            bsn: None,
        };
        let vault = Sinks {
            data: None,
            identity: match (&staged.identity, &plan.identity_schema) {
                (Some((p, _)), Some(schema)) => Some(parquet_writer(p, schema.clone())?),
                _ => None,
            },
            bsn: match &staged.bsn {
                Some((p, _)) => Some(parquet_writer(p, bsn_schema())?),
                None => None,
            },
        };
        Ok((data, vault))
    }

    fn write(&mut self, msg: ToWriter) -> Result<()> {
        if let (Some(w), Some(b)) = (self.data.as_mut(), &msg.data) {
            w.write(b)?;
        }
        if let (Some(w), Some(b)) = (self.identity.as_mut(), &msg.identities) {
            w.write(b)?;
        }
        if let (Some(w), Some(b)) = (self.bsn.as_mut(), &msg.bsn_rows) {
            w.write(b)?;
        }
        if let Some(w) = self.bsn.as_mut() {
            let mut ps = Vec::new();
            let mut bs = Vec::new();
            // Consecutive repeats were left out already; a pair that recurs further on is
            // written again (harmless: it is the same pair).
            for (p, b) in msg.bsns {
                ps.push(pseudonym_hex(&p));
                bs.push(String::from_utf8_lossy(&b.digits()).into_owned());
            }
            if !ps.is_empty() {
                let batch = RecordBatch::try_new(
                    bsn_schema(),
                    vec![
                        Arc::new(StringArray::from(ps)),
                        Arc::new(StringArray::from(bs)),
                    ],
                )?;
                w.write(&batch)?;
            }
        }
        Ok(())
    }

    fn close(self) -> Result<()> {
        if let Some(w) = self.data {
            close_writer(w)?;
        }
        if let Some(w) = self.identity {
            close_writer(w)?;
        }
        if let Some(w) = self.bsn {
            close_writer(w)?;
        }
        Ok(())
    }
}

/// What the intake report says of a delivery's rejects.
pub(super) struct RejectSummary {
    pub(super) total: u64,
    pub(super) per_reason: BTreeMap<String, u64>,
    pub(super) shown: Vec<Reject>,
}

/// Where a table's rejected rows go: masked to the analysis store, in full to the vault.
pub(super) struct RejectSink<'a> {
    rows: deliveries::RejectRows<'a>,
    full: loep_vault::RejectRows<'a>,
    csv: csv::Writer<File>,
    total: u64,
    per_reason: BTreeMap<String, u64>,
    shown: Vec<Reject>,
}

impl<'a> RejectSink<'a> {
    /// A sink that writes into the delivery's transactions and the CSV report at `csv`.
    pub(super) fn new(
        tx: &'a Tx<'_>,
        vtx: &'a loep_vault::VaultTx<'_>,
        csv: &Path,
    ) -> Result<RejectSink<'a>> {
        let mut sink = RejectSink {
            rows: deliveries::RejectRows::new(tx)?,
            full: vtx.rejects()?,
            csv: csv::Writer::from_path(csv)?,
            total: 0,
            per_reason: BTreeMap::new(),
            shown: Vec::new(),
        };
        sink.csv.write_record([
            "tabel", "bestand", "regel", "kolom", "waarde", "code", "reden",
        ])?;
        Ok(sink)
    }

    /// The reasons `file`'s rows were rejected for, most frequent first: (column, reason,
    /// count).
    pub(super) fn reasons_of(&self, file: &str) -> Vec<(String, String, u64)> {
        let prefix = format!("{file} / ");
        let mut out: Vec<(String, String, u64)> = self
            .per_reason
            .iter()
            .filter_map(|(k, n)| {
                let (column, reason) = k.strip_prefix(&prefix)?.split_once(": ")?;
                Some((column.to_string(), reason.to_string(), *n))
            })
            .collect();
        out.sort_by_key(|r| std::cmp::Reverse(r.2));
        out
    }

    /// Flushes the CSV report and returns the totals for the intake report.
    pub(super) fn finish(mut self) -> Result<RejectSummary> {
        self.csv.flush()?;
        Ok(RejectSummary {
            total: self.total,
            per_reason: self.per_reason,
            shown: self.shown,
        })
    }

    pub(super) fn record(
        &mut self,
        r: &RejectOut,
        f: &PlannedFile,
        levering_id: &str,
    ) -> Result<()> {
        let shown = r.shown_value();
        self.rows.insert(&deliveries::RejectRow {
            levering_id,
            tabel: f.table.name,
            bestand: &f.file_name,
            regel: r.line as i64,
            kolom: &r.column,
            getoond: &shown,
            reden: &r.reason,
        })?;
        self.full.insert(
            levering_id,
            &f.file_name,
            r.line as i64,
            &r.column,
            &r.value,
            &r.reason,
            &r.raw,
        )?;
        // The report is opened in spreadsheets: no cell may start a formula (OWASP CSV
        // injection).
        self.csv.write_record([
            f.table.name,
            &formula_safe(&f.file_name),
            &r.line.to_string(),
            &formula_safe(&r.column),
            &formula_safe(&shown),
            r.code,
            &formula_safe(&r.reason),
        ])?;
        self.total += 1;
        *self
            .per_reason
            .entry(format!("{} / {}: {}", f.file_name, r.column, r.reason))
            .or_insert(0) += 1;
        if self.shown.len() < SHOWN_REJECTS {
            self.shown.push(Reject {
                tabel: f.table.name.to_string(),
                bestand: f.file_name.clone(),
                regel: r.line,
                kolom: r.column.clone(),
                waarde: shown,
                code: r.code.to_string(),
                reden: r.reason.clone(),
            });
        }
        Ok(())
    }
}

/// What a table is loaded from and with: the planned file, its plan, the scope so far, the
/// project's key, the delivery, the previous snapshot to compare with, and where progress goes.
pub(super) struct TableLoad<'a> {
    pub(super) f: &'a PlannedFile,
    pub(super) plan: &'a TablePlan,
    pub(super) scope: &'a Scope,
    pub(super) pseudo: &'a Pseudonymiser,
    pub(super) levering_id: &'a str,
    pub(super) previous: Option<&'a Previous>,
    pub(super) progress: &'a dyn Progress,
}

/// What loading a table gives besides its files: its rejects, its report and the scope keys
/// it defines.
pub(super) struct TableResults<'a, 'r> {
    pub(super) rejects: &'a mut RejectSink<'r>,
    pub(super) report: &'a mut TableReport,
    pub(super) keys: &'a mut NewKeys,
}

/// A chunk of records as the reader thread hands it on, with its position in the file.
type ReadChunk = Result<(Vec<RawRecord>, u64)>;

/// The channels to the two writer threads: analysis data, and the vault's files (when the
/// table has any).
struct Writers {
    data: SyncSender<ToWriter>,
    vault: SyncSender<ToWriter>,
    has_vault: bool,
}

/// What the validating loop keeps across a file's chunks.
struct Validation {
    /// The file's field of the first part of a record key with a `#` (ordinal) part.
    ordinal_col: Option<usize>,
    /// How many records so far had each value of that field.
    ordinal_counts: HashMap<Vec<u8>, u32>,
    duplicate_keys: Option<DuplicateKeys>,
    /// Whether key and row hashes are collected: only when there is a previous snapshot to
    /// compare with.
    collect: bool,
    /// The key hashes of the new rows, with their row hashes.
    accepted: FxHashMap<u64, u64>,
    /// The key hashes of rejected rows, with their lines.
    rejected: FxHashMap<u64, u64>,
}

impl Validation {
    fn new(load: &TableLoad) -> Validation {
        let (f, plan) = (load.f, load.plan);
        let ordinal_col = f
            .table
            .record_key
            .contains(&"#")
            .then(|| {
                let key = f.table.record_key[0];
                f.table
                    .columns
                    .iter()
                    .position(|c| c.name == key)
                    .and_then(|i| plan.positions[i])
            })
            .flatten();
        Validation {
            ordinal_col,
            ordinal_counts: HashMap::new(),
            duplicate_keys: DuplicateKeys::new(plan),
            collect: load.previous.is_some() && !plan.carry_columns().is_empty(),
            accepted: FxHashMap::default(),
            rejected: FxHashMap::default(),
        }
    }

    /// Takes apart the records whose key occurred before in the file: (kept, duplicates).
    fn split_duplicates(
        &mut self,
        plan: &TablePlan,
        records: Vec<RawRecord>,
    ) -> (Vec<RawRecord>, Vec<RawRecord>) {
        match self.duplicate_keys.as_mut() {
            Some(d) => {
                let marks = d.mark(plan, &records);
                if marks.iter().any(|m| *m) {
                    let (dups, kept): (Vec<_>, Vec<_>) =
                        records.into_iter().zip(marks).partition(|(_, m)| *m);
                    (
                        kept.into_iter().map(|(r, _)| r).collect(),
                        dups.into_iter().map(|(r, _)| r).collect(),
                    )
                } else {
                    (records, Vec::new())
                }
            }
            None => (records, Vec::new()),
        }
    }

    /// For a table whose record key counts rows, each record's count among the records so far
    /// with the same first key part.
    fn ordinals(&mut self, records: &[RawRecord]) -> Option<Vec<u32>> {
        self.ordinal_col.map(|c| {
            records
                .iter()
                .map(|r| {
                    let key = r.fields.bytes(c).unwrap_or_default().to_vec();
                    let n = self.ordinal_counts.entry(key).or_insert(0);
                    *n += 1;
                    *n
                })
                .collect()
        })
    }
}

/// Streams one file through the three stages: a reader thread parses CSV or Parquet, rayon
/// validates chunks on every core, and a writer thread encodes Parquet. Rejects go to SQLite on
/// this thread, inside the delivery's transaction.
pub(super) fn load_table(
    load: &TableLoad,
    src: &mut TableSource,
    data_sink: Sinks,
    vault_sink: Sinks,
    results: &mut TableResults,
) -> Result<()> {
    let mut validation = Validation::new(load);
    std::thread::scope(|s| {
        let rrecv = spawn_reader(s, src)?;
        // Analysis data and vault files are encoded on threads of their own.
        let has_vault = vault_sink.identity.is_some() || vault_sink.bsn.is_some();
        let (wsend, writer) = spawn_writer(s, "loep-writer", data_sink)?;
        let (vsend, vault_writer) = spawn_writer(s, "loep-vault", vault_sink)?;
        let writers = Writers {
            data: wsend,
            vault: vsend,
            has_vault,
        };
        let mut consumed = consume(load, &mut validation, rrecv, &writers, results);
        // What the previous snapshot held: compared, and rows whose new row was rejected kept.
        if consumed.is_ok()
            && validation.collect
            && let Some(prev) = load.previous
        {
            consumed = carry_over(load, prev, &validation, &writers, results);
        }
        drop(writers);
        let written = writer
            .join()
            .map_err(|_| anyhow!("het schrijven van het Parquet-bestand is onverwacht gestopt"))?;
        let vault_written = vault_writer
            .join()
            .map_err(|_| anyhow!("het schrijven naar de kluis is onverwacht gestopt"))?;
        consumed?;
        written?;
        vault_written
    })
}

/// The thread that reads the file in chunks, until its end or its first error.
fn spawn_reader<'scope>(
    s: &'scope std::thread::Scope<'scope, '_>,
    src: &'scope mut TableSource,
) -> Result<Receiver<ReadChunk>> {
    let (rsend, rrecv) = std::sync::mpsc::sync_channel::<ReadChunk>(2);
    std::thread::Builder::new()
        .name("loep-reader".into())
        .spawn_scoped(s, move || {
            loop {
                let chunk = src.next_chunk(CHUNK);
                let done = matches!(&chunk, Ok(c) if c.is_empty()) || chunk.is_err();
                let pos = src.position();
                if rsend.send(chunk.map(|c| (c, pos))).is_err() || done {
                    break;
                }
            }
        })
        .context("kan de thread die het bestand leest niet starten")?;
    Ok(rrecv)
}

/// A thread that writes what it is sent into `sinks`, and closes them.
fn spawn_writer<'scope>(
    s: &'scope std::thread::Scope<'scope, '_>,
    name: &str,
    mut sinks: Sinks,
) -> Result<(SyncSender<ToWriter>, ScopedJoinHandle<'scope, Result<()>>)> {
    let (send, recv) = std::sync::mpsc::sync_channel::<ToWriter>(4);
    let handle = std::thread::Builder::new()
        .name(name.into())
        .spawn_scoped(s, move || -> Result<()> {
            for msg in recv {
                sinks.write(msg)?;
            }
            sinks.close()
        })
        .with_context(|| format!("kan de thread {name} niet starten"))?;
    Ok((send, handle))
}

/// Validates the chunks the reader sends, counts and records what they give, and sends their
/// rows to the writers.
fn consume(
    load: &TableLoad,
    validation: &mut Validation,
    rrecv: Receiver<ReadChunk>,
    writers: &Writers,
    results: &mut TableResults,
) -> Result<()> {
    let (f, plan) = (load.f, load.plan);
    for msg in rrecv {
        let (records, pos) =
            msg.map_err(|e| anyhow::Error::new(RefusedFile(source_problem(&f.file_name, &e))))?;
        if records.is_empty() {
            break;
        }
        // Rows whose key occurred before in the file are taken apart.
        let (records, duplicates) = validation.split_duplicates(plan, records);
        let ordinals = validation.ordinals(&records);
        let outs: Vec<Result<ChunkOut>> = records
            .par_chunks(TASK)
            .enumerate()
            .map(|(i, part)| {
                let ord = ordinals
                    .as_ref()
                    .map(|o| &o[i * TASK..(i * TASK + part.len())]);
                process_chunk(plan, load.scope, load.pseudo, part, ord)
            })
            .collect();
        drop(records);
        for out in outs {
            let (data, vault) = tally(load, validation, out?, results)?;
            if writers.data.send(data).is_err()
                || (writers.has_vault && writers.vault.send(vault).is_err())
            {
                // A writer stopped; its error is reported below.
                return Ok(());
            }
        }
        if let Some(d) = validation.duplicate_keys.as_ref() {
            reject_duplicates(load, d, &duplicates, results)?;
        }
        load.progress.advanced(pos);
    }
    Ok(())
}

/// Counts a validated chunk into the report, records its rejects and its scope keys (and its
/// hashes, when comparing); returns its rows for the data and the vault writers.
fn tally(
    load: &TableLoad,
    validation: &mut Validation,
    out: ChunkOut,
    results: &mut TableResults,
) -> Result<(ToWriter, ToWriter)> {
    let report = &mut *results.report;
    report.rijen_gelezen += out.rows_read;
    report.rijen_geladen += out.rows_loaded;
    report.rijen_afgewezen += out.rows_rejected;
    report.rijen_buiten_gebied += out.rows_out_of_area;
    for ((column, reading), n) in &out.readings {
        *report
            .lezingen
            .entry(format!("{column}: {}", reading.label()))
            .or_default() += n;
    }
    for r in &out.rejects {
        results.rejects.record(r, load.f, load.levering_id)?;
    }
    results.keys.add(out.keys);
    if validation.collect {
        validation.accepted.extend(out.row_hashes);
        validation
            .rejected
            .extend(out.rejected_keys.into_iter().map(|(l, k)| (k, l)));
    }
    Ok((
        ToWriter::data(out.batch),
        ToWriter::vault(out.identities, out.bsns, None),
    ))
}

/// Rejects the records whose key occurred before in the file. Each is validated and scoped
/// like any row: a duplicate outside the area is only counted, one inside is reported, and
/// what it says about the area still holds.
fn reject_duplicates(
    load: &TableLoad,
    d: &DuplicateKeys,
    duplicates: &[RawRecord],
    results: &mut TableResults,
) -> Result<()> {
    let (f, plan) = (load.f, load.plan);
    for rec in duplicates {
        let out = process_chunk(
            plan,
            load.scope,
            load.pseudo,
            std::slice::from_ref(rec),
            None,
        )?;
        results.report.rijen_gelezen += 1;
        if out.rows_out_of_area > 0 {
            results.report.rijen_buiten_gebied += 1;
            continue;
        }
        results.report.rijen_afgewezen += 1;
        results
            .rejects
            .record(&d.reject(rec, plan), f, load.levering_id)?;
        for r in &out.rejects {
            results.rejects.record(r, f, load.levering_id)?;
        }
        results.keys.add(out.keys);
    }
    Ok(())
}

/// Compares the new rows with the previous snapshot `prev`: the changes go into the report,
/// and the previous rows whose new row was rejected are written again (carried over).
fn carry_over(
    load: &TableLoad,
    prev: &Previous,
    validation: &Validation,
    writers: &Writers,
    results: &mut TableResults,
) -> Result<()> {
    let (f, plan) = (load.f, load.plan);
    let cols = Columns {
        schema: &plan.schema,
        key: plan.carry_columns(),
        identity_schema: plan.identity_schema.as_ref(),
    };
    let mut send = |c: Carry| -> Result<()> {
        let data = ToWriter::data(c.data);
        let vault = ToWriter::vault(c.identities, Vec::new(), c.bsns);
        if (data.data.is_some() && writers.data.send(data).is_err())
            || ((vault.identities.is_some() || vault.bsn_rows.is_some())
                && writers.vault.send(vault).is_err())
        {
            return Err(anyhow!(
                "het schrijven van het Parquet-bestand is onverwacht gestopt"
            ));
        }
        Ok(())
    };
    crate::carry::compare(
        prev,
        &cols,
        &validation.accepted,
        &validation.rejected,
        &mut send,
    )
    .map(|changes| {
        results.report.rijen_overgenomen = changes.overgenomen.len() as u64;
        results.keys.carried(f.table, &changes.overgenomen);
        results.report.wijzigingen = Some(changes);
    })
    .with_context(|| {
        format!(
            "bij het vergelijken met de vorige levering van {}",
            f.table.name
        )
    })
}
