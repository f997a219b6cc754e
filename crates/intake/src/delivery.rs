//! Loading one delivery into a project: all of it, or nothing.

use anyhow::{Context, Result, anyhow};
use arrow_array::{Array, RecordBatch, StringArray};
use arrow_schema::SchemaRef;
use loep_contract::{ColumnType, Datum, Partner, TABLES, Table};
use loep_store::catalog::{self, NewDelivery, Reject, Snapshot};
use loep_vault::format::Soort;
use loep_store::{LogRecord, Project, Pseudonym, Pseudonymiser, Status, clock, log};
use parquet::arrow::ArrowWriter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::columns::bsn_schema;
use crate::source::{RawRecord, TableSource};
use crate::validate::{ChunkOut, RejectOut, Scope, TablePlan, process_chunk, pseudonym_hex};

/// Records read per chunk and per parallel task.
const CHUNK: usize = 1 << 16;
const TASK: usize = 1 << 13;
/// The column of a scope file.
const SCOPE_COLUMN: &str = "sleutel";
/// Rows per Parquet row group: large enough for scans, small enough that the writers'
/// buffers stay small and are reused rather than fetched anew from the operating system.
const ROW_GROUP: usize = 1 << 18;
/// How many rejects the report shows in full (all are stored).
const SHOWN_REJECTS: usize = 20;

/// `levering.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryMeta {
    partner: Option<String>,
    peildatum: Option<String>,
}

/// A problem that refuses a file (and so the delivery).
#[derive(Debug, Clone, Serialize)]
pub struct FileProblem {
    pub bestand: String,
    pub regel: Option<u64>,
    pub kolom: Option<String>,
    pub melding: String,
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.bestand)?;
        if let Some(r) = self.regel {
            write!(f, ", line {r}")?;
        }
        if let Some(k) = &self.kolom {
            write!(f, ", column {k}")?;
        }
        write!(f, ": {}", self.melding)
    }
}

#[derive(Debug)]
pub enum IntakeError {
    /// The project may not take data now (not approved, outside its period).
    NotAllowed(anyhow::Error),
    /// One or more files were refused; nothing of the delivery was loaded.
    Refused(Vec<FileProblem>),
    /// Something else went wrong; nothing of the delivery was loaded.
    Failed(anyhow::Error),
}

impl fmt::Display for IntakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntakeError::NotAllowed(e) => write!(f, "{e:#}"),
            IntakeError::Refused(problems) => {
                writeln!(
                    f,
                    "the delivery was refused; nothing of it was loaded. Fix these and deliver again:"
                )?;
                for p in problems {
                    writeln!(f, "  - {p}")?;
                }
                Ok(())
            }
            IntakeError::Failed(e) => write!(
                f,
                "the intake failed and nothing of the delivery was loaded: {e:#}"
            ),
        }
    }
}

impl std::error::Error for IntakeError {}

impl From<anyhow::Error> for IntakeError {
    fn from(e: anyhow::Error) -> Self {
        IntakeError::Failed(e)
    }
}

/// Progress of a long intake; the CLI draws it, tests ignore it.
pub trait Progress: Sync {
    fn table_started(&self, _table: &str, _total: u64) {}
    fn advanced(&self, _position: u64) {}
    fn table_finished(&self, _table: &str) {}
}

pub struct NoProgress;
impl Progress for NoProgress {}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Loaded,
    Unchanged,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableReport {
    pub tabel: String,
    pub bestand: String,
    pub uitkomst: Outcome,
    pub snapshot_id: String,
    pub rijen_gelezen: u64,
    pub rijen_geladen: u64,
    pub rijen_afgewezen: u64,
    pub rijen_buiten_gebied: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct IntakeReport {
    /// `None` when nothing changed and no delivery was registered.
    pub levering_id: Option<String>,
    pub partner: Option<String>,
    pub peildatum: Option<String>,
    pub tabellen: Vec<TableReport>,
    pub afwijzingen_totaal: u64,
    /// Rejected values per `bestand / kolom: reden`.
    pub afwijzingen_per_reden: BTreeMap<String, u64>,
    /// The first rejects, masked.
    pub afwijzingen: Vec<Reject>,
    /// The full (masked) rejects report, relative to the project directory.
    pub afwijzingen_rapport: Option<String>,
    /// The linkage run that followed (`koppeling::link_project`), when one was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub koppeling: Option<crate::koppeling::LinkReport>,
}

impl IntakeReport {
    pub fn unchanged(&self) -> bool {
        self.levering_id.is_none()
    }
}

struct PlannedFile {
    table: &'static Table,
    path: PathBuf,
    file_name: String,
    sha256: String,
}

fn problem(file: &str, msg: impl Into<String>) -> FileProblem {
    FileProblem {
        bestand: file.to_string(),
        regel: None,
        kolom: None,
        melding: msg.into(),
    }
}

/// A reader's refusal of a file as a problem the partner can act on: the reader's own file,
/// line and message when it said them, else the error as text.
fn source_problem(file: &str, e: &anyhow::Error) -> FileProblem {
    match e
        .chain()
        .find_map(|c| c.downcast_ref::<crate::source::SourceError>())
    {
        Some(se) => FileProblem {
            bestand: se.bestand.clone(),
            regel: se.regel,
            kolom: None,
            melding: se.melding.clone(),
        },
        None => problem(file, format!("{e:#}")),
    }
}

fn hash_file(path: &Path) -> Result<String> {
    let mut f = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Lists the delivery's files and checks everything that can be checked without reading rows.
fn plan(
    project: &Project,
    dir: &Path,
) -> Result<(Option<DeliveryMeta>, Vec<PlannedFile>), IntakeError> {
    let mut problems = Vec::new();
    if !dir.is_dir() {
        return Err(IntakeError::Refused(vec![problem(
            &dir.display().to_string(),
            "is not a directory; a delivery is a directory of <table>.csv or <table>.parquet files",
        )]));
    }
    let meta = match std::fs::read_to_string(dir.join("levering.toml")) {
        Ok(text) => match toml::from_str::<DeliveryMeta>(&text) {
            Ok(m) => Some(m),
            Err(e) => {
                problems.push(problem(
                    "levering.toml",
                    format!("is not valid: {e}; it may hold only partner and peildatum"),
                ));
                None
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(IntakeError::Failed(anyhow!(
                "cannot read levering.toml: {e}"
            )));
        }
    };
    let mut partner = None;
    if let Some(m) = &meta {
        if let Some(p) = &m.partner {
            match Partner::parse(p) {
                Ok(p) => {
                    if !project.config.partners.contains(&p) {
                        problems.push(problem(
                            "levering.toml",
                            format!("partner {p} does not take part in this project (partners: {}); the project leader must add it and have the project approved again", project.config.partners.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")),
                        ));
                    }
                    partner = Some(p);
                }
                Err(e) => problems.push(problem("levering.toml", format!("partner: {e}"))),
            }
        }
        if let Some(d) = &m.peildatum
            && let Err(e) = Datum::parse(d)
        {
            problems.push(problem("levering.toml", format!("peildatum '{d}': {e}")));
        }
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| IntakeError::Failed(anyhow!("cannot list {}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let mut files: Vec<PlannedFile> = Vec::new();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') || name == "levering.toml" {
            continue;
        }
        let stem = match name.rsplit_once('.') {
            Some((s, e)) if (e == "csv" || e == "parquet") && path.is_file() => s.to_string(),
            _ => {
                problems.push(problem(&name, "is not a table file; a delivery holds only <table>.csv or <table>.parquet files and levering.toml"));
                continue;
            }
        };
        let Some(table) = Table::by_name(&stem) else {
            let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
            problems.push(problem(
                &name,
                format!(
                    "'{stem}' is not a table of the contract ({})",
                    names.join(", ")
                ),
            ));
            continue;
        };
        if files.iter().any(|f| f.table.name == table.name) {
            problems.push(problem(
                &name,
                format!(
                    "{} is delivered twice (as CSV and as Parquet); deliver one",
                    table.name
                ),
            ));
            continue;
        }
        if let Some(p) = partner
            && p != table.partner
        {
            problems.push(problem(
                &name,
                format!(
                    "{} is delivered by {}, but levering.toml says the partner is {p}",
                    table.name, table.partner
                ),
            ));
        }
        if !project.config.partners.contains(&table.partner) {
            problems.push(problem(
                &name,
                format!(
                    "{} comes from {}, which does not take part in this project",
                    table.name, table.partner
                ),
            ));
        }
        let sha256 = hash_file(&path)?;
        files.push(PlannedFile {
            table,
            path,
            file_name: name,
            sha256,
        });
    }
    if files.is_empty() && problems.is_empty() {
        problems.push(problem(&dir.display().to_string(), "holds no table files; a delivery is a directory of <table>.csv or <table>.parquet files"));
    }
    files.sort_by_key(|f| f.table.order);
    // BAG and BRP define the scope: other tables need them first.
    let has = |name: &str| -> Result<bool> {
        Ok(files.iter().any(|f| f.table.name == name)
            || catalog::current_snapshot(project.conn(), name)?.is_some())
    };
    if files.iter().any(|f| !f.table.defines_scope()) {
        for needed in ["bag_verblijfsobject", "brp_persoon"] {
            if !has(needed)? {
                problems.push(problem(
                    needed,
                    format!("no {needed} has been loaded yet: BAG and BRP define which objects and persons belong to the project area, so they must be delivered first (or in the same delivery)"),
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok((meta, files))
    } else {
        Err(IntakeError::Refused(problems))
    }
}

/// Calls `f` for every value of one text column of a Parquet file, batch by batch, so that no
/// copy of the whole column is held.
fn for_each_value(path: &Path, column: &str, mut f: impl FnMut(&str)) -> Result<()> {
    let file = File::open(path).with_context(|| format!("{} is missing", path.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)?;
    let Some(idx) = builder
        .schema()
        .fields()
        .iter()
        .position(|f| f.name() == column)
    else {
        return Ok(());
    };
    let mask = ProjectionMask::roots(builder.parquet_schema(), [idx]);
    for batch in builder.with_projection(mask).build()? {
        let batch = batch?;
        let col = batch
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .with_context(|| format!("{column} in {} is not text", path.display()))?;
        col.iter().flatten().for_each(&mut f);
    }
    Ok(())
}

fn pseudonym_from_hex(s: &str) -> Option<Pseudonym> {
    let v = hex::decode(s).ok()?;
    v.try_into().ok()
}

/// Calls `f` for every key in the scope file of a table's current snapshot.
fn for_each_scope_key(project: &Project, table: &str, f: impl FnMut(&str)) -> Result<()> {
    match catalog::current_snapshot(project.conn(), table)?.and_then(|s| s.scope_pad) {
        Some(rel) => for_each_value(&project.layout.dir.join(rel), SCOPE_COLUMN, f),
        None => Ok(()),
    }
}

/// The scope of the project as its current snapshots define it.
fn load_scope(project: &Project) -> Result<Scope> {
    let mut scope = Scope {
        area: project.config.area()?,
        ..Scope::default()
    };
    for_each_scope_key(project, "bag_verblijfsobject", |s| {
        scope.objects.extend(s.parse::<u64>().ok());
    })?;
    for_each_scope_key(project, "pol_registratie", |s| {
        scope.registrations.insert(s.to_string());
    })?;
    let set = |t: &str| -> Result<FxHashSet<Pseudonym>> {
        let mut set = FxHashSet::default();
        for_each_scope_key(project, t, |s| set.extend(pseudonym_from_hex(s)))?;
        Ok(set)
    };
    scope.brp = set("brp_persoon")?;
    scope.owners_kad = set("kad_eigendom")?;
    scope.owners_kvk = set("kvk_vestiging")?;
    Ok(scope)
}

/// Writes the scope keys a table defines, one per row of a single text column.
fn write_scope_file(path: &Path, keys: impl Iterator<Item = String>) -> Result<()> {
    let schema = Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
        SCOPE_COLUMN,
        arrow_schema::DataType::Utf8,
        false,
    )]));
    let mut w = parquet_writer(path, schema.clone())?;
    // In batches, so that the keys are never all held as text at once.
    let mut keys = keys.peekable();
    while keys.peek().is_some() {
        let col = StringArray::from_iter_values(keys.by_ref().take(1 << 16));
        w.write(&RecordBatch::try_new(schema.clone(), vec![Arc::new(col)])?)?;
    }
    close_writer(w)
}

/// Loads a delivery into the project. Either the whole delivery is registered (with its
/// snapshots, rejects, vault entries and log records) or nothing is.
pub fn intake(
    project: &mut Project,
    dir: &Path,
    progress: &dyn Progress,
) -> Result<IntakeReport, IntakeError> {
    project
        .ensure_may_process()
        .map_err(IntakeError::NotAllowed)?;
    let started = clock::now();
    let (meta, files) = match plan(project, dir) {
        Ok(p) => p,
        Err(e) => {
            log_refusal(project, &started, &e);
            return Err(e);
        }
    };
    let partner = meta.as_ref().and_then(|m| m.partner.clone());
    let peildatum = meta.as_ref().and_then(|m| m.peildatum.clone());

    // Open every file and check its header before reading any row.
    let mut problems = Vec::new();
    let mut opened = Vec::new();
    for f in &files {
        match TableSource::open(&f.path) {
            Err(e) => problems.push(source_problem(&f.file_name, &e)),
            Ok(src) => match TablePlan::new(f.table, &src.header, src.delimiter) {
                Err(ps) => problems.extend(ps.into_iter().map(|p| {
                    let col = p.split('\'').nth(1).map(str::to_string);
                    FileProblem {
                        bestand: f.file_name.clone(),
                        regel: Some(1),
                        kolom: col,
                        melding: p,
                    }
                })),
                Ok(plan) => opened.push((f, src, plan)),
            },
        }
    }
    if !problems.is_empty() {
        let e = IntakeError::Refused(problems);
        log_refusal(project, &started, &e);
        return Err(e);
    }

    // Which tables changed?
    let mut todo = Vec::new();
    let mut reports = Vec::new();
    for (f, src, plan) in opened {
        match catalog::current_snapshot(project.conn(), f.table.name)? {
            Some(cur) if cur.inhoud_sha256 == f.sha256 => reports.push(TableReport {
                tabel: f.table.name.to_string(),
                bestand: f.file_name.clone(),
                uitkomst: Outcome::Unchanged,
                snapshot_id: cur.snapshot_id,
                rijen_gelezen: 0,
                rijen_geladen: cur.rijen_geladen as u64,
                rijen_afgewezen: 0,
                rijen_buiten_gebied: 0,
            }),
            _ => todo.push((f, src, plan)),
        }
    }
    if todo.is_empty() {
        return Ok(IntakeReport {
            levering_id: None,
            partner,
            peildatum,
            tabellen: reports,
            afwijzingen_totaal: 0,
            afwijzingen_per_reden: BTreeMap::new(),
            afwijzingen: Vec::new(),
            afwijzingen_rapport: None,
            koppeling: None,
        });
    }

    let result = load(
        project,
        dir,
        &started,
        partner.as_deref(),
        peildatum.as_deref(),
        todo,
        reports,
        progress,
    );
    // Whatever happened, the staging areas go; committed files were moved out of them.
    let _ = std::fs::remove_dir_all(project.layout.staging());
    let _ = std::fs::remove_dir_all(project.layout.vault_staging());
    match result {
        Ok(r) => Ok(r),
        Err(e) => {
            log_refusal(project, &started, &e);
            Err(e)
        }
    }
}

fn log_refusal(project: &mut Project, started: &str, e: &IntakeError) {
    let (kind, n) = match e {
        IntakeError::Refused(p) => ("refused", p.len()),
        IntakeError::Failed(_) => ("failed", 1),
        IntakeError::NotAllowed(_) => ("not_allowed", 1),
    };
    let rec = LogRecord::new("intake.levering", started, &clock::now())
        .with_status(Status::Error)
        .with_attr("uitkomst", kind)
        .with_attr("problemen", n as u64);
    // The refusal itself must not be hidden by a failure to log it, nor replace it.
    if let Err(err) = project.log(rec) {
        eprintln!("warning: the refusal could not be written to the processing log: {err:#}");
    }
}

/// The scope keys a table defines, gathered as its chunks come in.
#[derive(Default)]
struct NewKeys {
    objects: FxHashSet<u64>,
    persons: FxHashSet<Pseudonym>,
    owners: FxHashSet<Pseudonym>,
    registrations: std::collections::HashSet<String>,
}

/// Where one table's files go while it loads, and where they end up.
struct Staged {
    /// (staged path, final path relative to the project directory)
    data: (PathBuf, String),
    identity: Option<(PathBuf, String)>,
    bsn: Option<(PathBuf, String)>,
    scope: Option<(PathBuf, String)>,
}

/// The Parquet writers of one table: analysis data, and the vault's identities and BSN map.
struct Sinks {
    data: Option<ArrowWriter<File>>,
    identity: Option<ArrowWriter<File>>,
    bsn: Option<ArrowWriter<File>>,
}

struct ToWriter {
    data: Option<RecordBatch>,
    identities: Option<RecordBatch>,
    bsns: Vec<(Pseudonym, loep_contract::Bsn)>,
}

fn parquet_writer(path: &Path, schema: SchemaRef) -> Result<ArrowWriter<File>> {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).with_context(|| format!("cannot create {}", p.display()))?;
    }
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    // Statistics per column chunk are enough to prune row groups. Columns of (nearly) unique
    // values (pseudonyms, keys, BSNs) overflow any dictionary, and min/max of random values
    // prune nothing: both only cost time there.
    let mut props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
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

fn close_writer(w: ArrowWriter<File>) -> Result<()> {
    let file = w.into_inner()?;
    file.sync_all()?;
    Ok(())
}

impl Sinks {
    fn write(&mut self, msg: ToWriter) -> Result<()> {
        if let (Some(w), Some(b)) = (self.data.as_mut(), &msg.data) {
            w.write(b)?;
        }
        if let (Some(w), Some(b)) = (self.identity.as_mut(), &msg.identities) {
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

struct TableOutput {
    report: TableReport,
    staged: Staged,
    sha256: String,
    started: String,
    ended: String,
}

/// Where a table's rejected rows go: masked to the analysis store, in full to the vault.
struct RejectSink<'a> {
    rows: catalog::RejectRows<'a>,
    full: loep_vault::RejectRows<'a>,
    csv: csv::Writer<File>,
    total: u64,
    per_reason: BTreeMap<String, u64>,
    shown: Vec<Reject>,
}

impl RejectSink<'_> {
    fn record(&mut self, r: &RejectOut, f: &PlannedFile, levering_id: &str) -> Result<()> {
        let shown = r.shown_value();
        self.rows.insert(&catalog::RejectRow {
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
        self.csv.write_record([
            f.table.name,
            &f.file_name,
            &r.line.to_string(),
            &r.column,
            &shown,
            &r.reason,
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
                reden: r.reason.clone(),
            });
        }
        Ok(())
    }
}

/// Streams one file through the three stages: a reader thread parses CSV or Parquet, rayon
/// validates chunks on every core, and a writer thread encodes Parquet. Rejects go to SQLite on
/// this thread, inside the delivery's transaction.
#[allow(clippy::too_many_arguments)]
fn load_table(
    f: &PlannedFile,
    src: &mut TableSource,
    plan: &TablePlan,
    scope: &Scope,
    pseudo: &Pseudonymiser,
    data_sink: Sinks,
    vault_sink: Sinks,
    rejects: &mut RejectSink<'_>,
    levering_id: &str,
    report: &mut TableReport,
    keys: &mut NewKeys,
    progress: &dyn Progress,
) -> Result<()> {
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
    let mut ordinal_counts: HashMap<Vec<u8>, u32> = HashMap::new();
    std::thread::scope(|s| {
        let (rsend, rrecv) = std::sync::mpsc::sync_channel::<Result<(Vec<RawRecord>, u64)>>(2);
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
            .context("cannot start the reader thread")?;
        // Analysis data and vault files are encoded on threads of their own.
        let has_vault = vault_sink.identity.is_some() || vault_sink.bsn.is_some();
        let spawn_writer = |name: &str, mut sinks: Sinks| -> Result<_> {
            let (send, recv) = std::sync::mpsc::sync_channel::<ToWriter>(4);
            let handle = std::thread::Builder::new()
                .name(name.into())
                .spawn_scoped(s, move || -> Result<()> {
                    for msg in recv {
                        sinks.write(msg)?;
                    }
                    sinks.close()
                })
                .with_context(|| format!("cannot start the {name} thread"))?;
            Ok((send, handle))
        };
        let (wsend, writer) = spawn_writer("loep-writer", data_sink)?;
        let (vsend, vault_writer) = spawn_writer("loep-vault", vault_sink)?;
        let mut consume =
            |rrecv: std::sync::mpsc::Receiver<Result<(Vec<RawRecord>, u64)>>| -> Result<()> {
                for msg in rrecv {
                    let (records, pos) = msg.map_err(|e| {
                        anyhow::Error::new(RefusedFile(source_problem(&f.file_name, &e)))
                    })?;
                    if records.is_empty() {
                        break;
                    }
                    let ordinals: Option<Vec<u32>> = ordinal_col.map(|c| {
                        records
                            .iter()
                            .map(|r| {
                                let key = r.fields.bytes(c).unwrap_or_default().to_vec();
                                let n = ordinal_counts.entry(key).or_insert(0);
                                *n += 1;
                                *n
                            })
                            .collect()
                    });
                    let outs: Vec<Result<ChunkOut>> = records
                        .par_chunks(TASK)
                        .enumerate()
                        .map(|(i, part)| {
                            let ord = ordinals
                                .as_ref()
                                .map(|o| &o[i * TASK..(i * TASK + part.len())]);
                            process_chunk(plan, scope, pseudo, part, ord)
                        })
                        .collect();
                    drop(records);
                    for out in outs {
                        let out = out?;
                        report.rijen_gelezen += out.rows_read;
                        report.rijen_geladen += out.rows_loaded;
                        report.rijen_afgewezen += out.rows_rejected;
                        report.rijen_buiten_gebied += out.rows_out_of_area;
                        for r in &out.rejects {
                            rejects.record(r, f, levering_id)?;
                        }
                        keys.objects.extend(out.keys.objects);
                        keys.persons.extend(out.keys.persons);
                        keys.owners.extend(out.keys.owners);
                        keys.registrations.extend(out.keys.registrations);
                        let data = ToWriter {
                            data: out.batch,
                            identities: None,
                            bsns: Vec::new(),
                        };
                        let vault = ToWriter {
                            data: None,
                            identities: out.identities,
                            bsns: out.bsns,
                        };
                        if wsend.send(data).is_err() || (has_vault && vsend.send(vault).is_err()) {
                            // A writer stopped; its error is reported below.
                            return Ok(());
                        }
                    }
                    progress.advanced(pos);
                }
                Ok(())
            };
        let consumed = consume(rrecv);
        drop(wsend);
        drop(vsend);
        let written = writer
            .join()
            .map_err(|_| anyhow!("the Parquet writer stopped unexpectedly"))?;
        let vault_written = vault_writer
            .join()
            .map_err(|_| anyhow!("the vault writer stopped unexpectedly"))?;
        consumed?;
        written?;
        vault_written
    })
}

#[allow(clippy::too_many_arguments)]
fn load(
    project: &mut Project,
    dir: &Path,
    started: &str,
    partner: Option<&str>,
    peildatum: Option<&str>,
    todo: Vec<(&PlannedFile, TableSource, TablePlan)>,
    mut reports: Vec<TableReport>,
    progress: &dyn Progress,
) -> Result<IntakeReport, IntakeError> {
    let pseudo = project.pseudonymiser()?;
    let mut scope = load_scope(project)?;
    let levering_id = catalog::new_delivery_id(project.conn())?;
    let layout = project.layout.clone();
    // Identities are staged inside the vault, never outside it.
    let staging = layout.staging().join(&levering_id);
    let vault_staging = layout.vault_staging().join(&levering_id);
    for d in [&staging, &vault_staging] {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    let activity = project.config.verwerkingsactiviteit_id.clone();

    // The vault's part commits first; a crash before the store's part leaves rows the next
    // writer removes (see loep_vault::Vault::reconcile).
    let mut vault = loep_vault::Vault::open(&layout)?;
    let vtx = vault.begin()?;
    let tx = project.begin()?;
    let mut outputs: Vec<TableOutput> = Vec::new();
    let (rejects_total, per_reason, shown) = {
        let mut rejects = RejectSink {
            rows: catalog::RejectRows::new(&tx)?,
            full: vtx.rejects()?,
            csv: csv::Writer::from_path(staging.join("afwijzingen.csv"))
                .map_err(anyhow::Error::from)?,
            total: 0,
            per_reason: BTreeMap::new(),
            shown: Vec::new(),
        };
        rejects
            .csv
            .write_record(["tabel", "bestand", "regel", "kolom", "waarde", "reden"])
            .map_err(anyhow::Error::from)?;

        for (f, mut src, plan) in todo {
            let t_started = clock::now();
            let name = f.table.name;
            let mut staged = Staged {
                data: (
                    staging.join(format!("{name}.parquet")),
                    format!("data/{name}/{levering_id}.parquet"),
                ),
                identity: plan.identity_schema.as_ref().map(|_| {
                    (
                        vault_staging.join(format!("identiteit-{name}.parquet")),
                        format!("vault/identiteit/{name}/{levering_id}.parquet"),
                    )
                }),
                bsn: f
                    .table
                    .columns
                    .iter()
                    .any(|c| c.ty == ColumnType::Bsn)
                    .then(|| {
                        (
                            vault_staging.join(format!("bsn-{name}.parquet")),
                            format!("vault/bsn/{name}/{levering_id}.parquet"),
                        )
                    }),
                scope: None,
            };
            let data_sink = Sinks {
                data: Some(parquet_writer(&staged.data.0, plan.schema.clone())?),
                identity: None,
                bsn: None,
            };
            let vault_sink = Sinks {
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
            let mut report = TableReport {
                tabel: name.to_string(),
                bestand: f.file_name.clone(),
                uitkomst: Outcome::Loaded,
                snapshot_id: format!("{levering_id}.{name}"),
                rijen_gelezen: 0,
                rijen_geladen: 0,
                rijen_afgewezen: 0,
                rijen_buiten_gebied: 0,
            };
            let mut keys = NewKeys::default();
            progress.table_started(name, if src.delimiter.is_some() { src.size } else { 0 });
            let t0 = std::time::Instant::now();
            let loaded = load_table(
                f,
                &mut src,
                &plan,
                &scope,
                &pseudo,
                data_sink,
                vault_sink,
                &mut rejects,
                &levering_id,
                &mut report,
                &mut keys,
                progress,
            );
            if let Err(e) = loaded {
                return Err(match e.downcast::<RefusedFile>() {
                    Ok(RefusedFile(p)) => IntakeError::Refused(vec![p]),
                    Err(e) => {
                        IntakeError::Failed(e.context(format!("while loading {}", f.file_name)))
                    }
                });
            }
            progress.table_finished(name);
            tracing::debug!(
                table = name,
                rows = report.rijen_gelezen,
                secs = t0.elapsed().as_secs_f64(),
                "table loaded"
            );

            // What this table defines for the tables after it, kept beside the snapshot so that
            // later deliveries see the same scope.
            let path = staging.join(format!("{name}.scope.parquet"));
            let written = match name {
                "bag_verblijfsobject" => {
                    write_scope_file(&path, keys.objects.iter().map(|o| format!("{o:016}")))?;
                    true
                }
                "pol_registratie" => {
                    write_scope_file(&path, keys.registrations.iter().cloned())?;
                    true
                }
                "brp_persoon" => {
                    write_scope_file(&path, keys.persons.iter().map(pseudonym_hex))?;
                    true
                }
                "kad_eigendom" | "kvk_vestiging" => {
                    write_scope_file(&path, keys.owners.iter().map(pseudonym_hex))?;
                    true
                }
                _ => false,
            };
            if written {
                staged.scope = Some((path, format!("scope/{name}/{levering_id}.parquet")));
            }
            match name {
                "bag_verblijfsobject" => scope.objects = keys.objects,
                "pol_registratie" => scope.registrations = keys.registrations,
                "brp_persoon" => scope.brp = keys.persons,
                "kad_eigendom" => scope.owners_kad = keys.owners,
                "kvk_vestiging" => scope.owners_kvk = keys.owners,
                _ => {}
            }
            outputs.push(TableOutput {
                report,
                staged,
                sha256: f.sha256.clone(),
                started: t_started,
                ended: clock::now(),
            });
        }
        rejects.csv.flush().map_err(anyhow::Error::from)?;
        (rejects.total, rejects.per_reason, rejects.shown)
    };

    // Register the delivery. Files move into place first; a crash before the commit leaves them
    // unreferenced, and the next open of the project removes them.
    let now = clock::now();
    let delivery_rel = format!("leveringen/{levering_id}");
    std::fs::create_dir_all(layout.dir.join(&delivery_rel)).map_err(anyhow::Error::from)?;
    let parent = LogRecord::new("intake.levering", started, &now)
        .with_attr("levering_id", levering_id.clone())
        .with_attr("partner", partner.unwrap_or("onbekend"))
        .with_attr("tabellen", outputs.len() as u64);
    catalog::insert_delivery(
        &tx,
        &NewDelivery {
            levering_id: &levering_id,
            partner,
            peildatum,
            map: &dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            tijdstip: &now,
            tabellen_nieuw: outputs.len() as i64,
            tabellen_ongewijzigd: reports.len() as i64,
        },
    )?;
    log::append(&tx, &activity, parent.clone())?;
    for o in &outputs {
        let snapshot_id = &o.report.snapshot_id;
        for (kind, file) in [
            ("data", Some(&o.staged.data)),
            ("identiteit", o.staged.identity.as_ref()),
            ("bsn", o.staged.bsn.as_ref()),
            ("scope", o.staged.scope.as_ref()),
        ] {
            let Some((from, rel)) = file else { continue };
            let target = layout.dir.join(rel);
            if let Some(p) = target.parent() {
                std::fs::create_dir_all(p).map_err(anyhow::Error::from)?;
            }
            std::fs::rename(from, &target)
                .with_context(|| format!("cannot move {} into place", from.display()))?;
            match kind {
                "identiteit" => vtx.insert_file(snapshot_id, Soort::Identiteit, rel)?,
                "bsn" => vtx.insert_file(snapshot_id, Soort::Bsn, rel)?,
                _ => {}
            }
        }
        catalog::insert_snapshot(
            &tx,
            &Snapshot {
                snapshot_id: snapshot_id.clone(),
                levering_id: levering_id.clone(),
                tabel: o.report.tabel.clone(),
                bestand: o.report.bestand.clone(),
                inhoud_sha256: o.sha256.clone(),
                rijen_gelezen: o.report.rijen_gelezen as i64,
                rijen_geladen: o.report.rijen_geladen as i64,
                rijen_afgewezen: o.report.rijen_afgewezen as i64,
                rijen_buiten_gebied: o.report.rijen_buiten_gebied as i64,
                pad: o.staged.data.1.clone(),
                scope_pad: o.staged.scope.as_ref().map(|s| s.1.clone()),
                tijdstip: now.clone(),
            },
        )?;
        let rec = LogRecord::child_of(
            &parent,
            &format!("intake.{}", o.report.tabel),
            &o.started,
            &o.ended,
        )
        .with_subject(format!("snapshot:{snapshot_id}"))
        .with_attr("rijen_geladen", o.report.rijen_geladen)
        .with_attr("rijen_afgewezen", o.report.rijen_afgewezen)
        .with_attr("rijen_buiten_gebied", o.report.rijen_buiten_gebied)
        .with_attr("gepseudonimiseerd", true);
        log::append(&tx, &activity, rec)?;
    }
    std::fs::rename(
        staging.join("afwijzingen.csv"),
        layout.dir.join(&delivery_rel).join("afwijzingen.csv"),
    )
    .map_err(anyhow::Error::from)?;
    loep_store::clock::fault_point("before-commit");
    vtx.commit()?;
    loep_store::clock::fault_point("between-commits");
    tx.commit()?;

    let mut tabellen: Vec<TableReport> = outputs.into_iter().map(|o| o.report).collect();
    tabellen.append(&mut reports);
    tabellen.sort_by_key(|t| Table::by_name(&t.tabel).map_or(u8::MAX, |t| t.order));
    let report = IntakeReport {
        levering_id: Some(levering_id),
        partner: partner.map(str::to_string),
        peildatum: peildatum.map(str::to_string),
        tabellen,
        afwijzingen_totaal: rejects_total,
        afwijzingen_per_reden: per_reason,
        afwijzingen: shown,
        afwijzingen_rapport: Some(format!("{delivery_rel}/afwijzingen.csv")),
        koppeling: None,
    };
    if let Ok(json) = serde_json::to_string_pretty(&report) {
        let _ = std::fs::write(layout.dir.join(&delivery_rel).join("rapport.json"), json);
    }
    Ok(report)
}

#[derive(Debug)]
struct RefusedFile(FileProblem);
impl fmt::Display for RefusedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
impl std::error::Error for RefusedFile {}
