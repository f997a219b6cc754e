//! Loading one delivery into a project: all of it, or nothing.

use anyhow::{Context, Result, anyhow};
use arrow_array::{Array, StringArray};
use loep_contract::{Datum, Partner, TABLES, Table};
use loep_store::catalog::{self, NewDelivery, Snapshot};
use loep_store::{LogRecord, Project, Pseudonym, Status, clock, log};
use parquet::arrow::ArrowWriter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;
use rusqlite::params;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::source::{RawRecord, TableSource};
use crate::validate::{ChunkOut, RejectOut, Scope, TablePlan, process_chunk};

/// Records read per chunk and per parallel task.
const CHUNK: usize = 1 << 16;
const TASK: usize = 1 << 13;
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
pub struct ShownReject {
    pub bestand: String,
    pub regel: u64,
    pub kolom: String,
    pub waarde: String,
    pub reden: String,
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
    pub afwijzingen: Vec<ShownReject>,
    /// The full (masked) rejects report, relative to the project directory.
    pub afwijzingen_rapport: Option<String>,
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

/// Reads one string column of a stored snapshot.
fn read_column(project: &Project, table: &str, column: &str) -> Result<Vec<String>> {
    let Some(snap) = catalog::current_snapshot(project.conn(), table)? else {
        return Ok(Vec::new());
    };
    let path = project.layout.dir.join(&snap.pad);
    let file = File::open(&path).with_context(|| {
        format!(
            "snapshot {} is missing: {}",
            snap.snapshot_id,
            path.display()
        )
    })?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)?;
    let Some(idx) = builder
        .schema()
        .fields()
        .iter()
        .position(|f| f.name() == column)
    else {
        return Ok(Vec::new());
    };
    let mask = ProjectionMask::roots(builder.parquet_schema(), [idx]);
    let reader = builder.with_projection(mask).build()?;
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch?;
        let col = batch
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .with_context(|| format!("{table}.{column} is not text"))?;
        out.extend(col.iter().flatten().map(str::to_string));
    }
    Ok(out)
}

fn pseudonym_from_hex(s: &str) -> Option<Pseudonym> {
    let v = hex::decode(s).ok()?;
    v.try_into().ok()
}

/// The scope of the project as its current snapshots define it.
struct ScopeParts {
    brp: HashSet<Pseudonym>,
    owners_kad: HashSet<Pseudonym>,
    owners_kvk: HashSet<Pseudonym>,
}

impl ScopeParts {
    fn rebuild(&self, scope: &mut Scope) {
        scope.owners = self.owners_kad.union(&self.owners_kvk).copied().collect();
        scope.persons = self.brp.union(&scope.owners).copied().collect();
    }
}

fn load_scope(project: &Project) -> Result<(Scope, ScopeParts)> {
    let mut scope = Scope {
        area: project.config.area()?,
        ..Scope::default()
    };
    scope.objects = read_column(project, "bag_verblijfsobject", "vbo_id")?
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    scope.registrations = read_column(project, "pol_registratie", "registratie_id")?
        .into_iter()
        .collect();
    let set = |t: &str, c: &str| -> Result<HashSet<Pseudonym>> {
        Ok(read_column(project, t, c)?
            .iter()
            .filter_map(|s| pseudonym_from_hex(s))
            .collect())
    };
    let parts = ScopeParts {
        brp: set("brp_persoon", "pseudoniem")?,
        owners_kad: set("kad_eigendom", "eigenaar_pseudoniem")?,
        owners_kvk: set("kvk_vestiging", "eigenaar_pseudoniem")?,
    };
    parts.rebuild(&mut scope);
    Ok((scope, parts))
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
            Err(e) => problems.push(problem(&f.file_name, format!("{e:#}"))),
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
    // Whatever happened, the staging area goes; committed files were moved out of it.
    let _ = std::fs::remove_dir_all(project.layout.staging());
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

struct TableOutput {
    report: TableReport,
    staged: PathBuf,
    sha256: String,
    started: String,
    ended: String,
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
    let (mut scope, mut parts) = load_scope(project)?;
    let levering_id = catalog::new_delivery_id(project.conn())?;
    let staging = project.layout.staging().join(&levering_id);
    std::fs::create_dir_all(&staging)
        .with_context(|| format!("cannot create {}", staging.display()))?;
    let layout = project.layout.clone();
    let activity = project.config.verwerkingsactiviteit_id.clone();

    let tx = project
        .conn_mut()
        .transaction()
        .map_err(anyhow::Error::from)?;
    let mut rejects_total = 0u64;
    let mut per_reason: BTreeMap<String, u64> = BTreeMap::new();
    let mut shown = Vec::new();
    let mut rejects_csv =
        csv::Writer::from_path(staging.join("afwijzingen.csv")).map_err(anyhow::Error::from)?;
    rejects_csv
        .write_record(["tabel", "bestand", "regel", "kolom", "waarde", "reden"])
        .map_err(anyhow::Error::from)?;
    let mut outputs: Vec<TableOutput> = Vec::new();
    let mut seen_bsn: HashSet<Pseudonym> = HashSet::new();
    {
        let mut ins_bsn = tx
            .prepare("INSERT OR IGNORE INTO vault.bsn (pseudoniem, bsn) VALUES (?1, ?2)")
            .map_err(anyhow::Error::from)?;
        let mut ins_id = tx
            .prepare("INSERT INTO vault.identiteit (snapshot_id, record_key, velden) VALUES (?1, ?2, ?3)")
            .map_err(anyhow::Error::from)?;
        let mut ins_rej = tx
            .prepare("INSERT INTO afwijzing (levering_id, tabel, bestand, regel, kolom, waarde, reden) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
            .map_err(anyhow::Error::from)?;
        let mut ins_rej_vault = tx
            .prepare("INSERT INTO vault.afwijzing (levering_id, bestand, regel, kolom, waarde, reden, ruwe_regel) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
            .map_err(anyhow::Error::from)?;

        for (f, mut src, plan) in todo {
            let t_started = clock::now();
            let snapshot_id = format!("{levering_id}.{}", f.table.name);
            let staged = staging.join(format!("{}.parquet", f.table.name));
            let file = File::create(&staged)
                .with_context(|| format!("cannot create {}", staged.display()))?;
            let props = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .build();
            let mut writer = ArrowWriter::try_new(file, plan.schema.clone(), Some(props))
                .map_err(anyhow::Error::from)?;
            let mut report = TableReport {
                tabel: f.table.name.to_string(),
                bestand: f.file_name.clone(),
                uitkomst: Outcome::Loaded,
                snapshot_id: snapshot_id.clone(),
                rijen_gelezen: 0,
                rijen_geladen: 0,
                rijen_afgewezen: 0,
                rijen_buiten_gebied: 0,
            };
            let mut keys = crate::validate::ScopeKeys::default();
            progress.table_started(
                f.table.name,
                if src.delimiter.is_some() { src.size } else { 0 },
            );
            let ordinal_col = f
                .table
                .record_key
                .contains(&"#")
                .then(|| {
                    plan.positions[f
                        .table
                        .columns
                        .iter()
                        .position(|c| c.name == f.table.record_key[0])
                        .unwrap_or(0)]
                })
                .flatten();
            let mut ordinal_counts: HashMap<Vec<u8>, u32> = HashMap::new();

            let stream_result: Result<()> = std::thread::scope(|s| {
                let (send, recv) =
                    std::sync::mpsc::sync_channel::<Result<(Vec<RawRecord>, u64)>>(2);
                let src_ref = &mut src;
                s.spawn(move || {
                    loop {
                        let chunk = src_ref.next_chunk(CHUNK);
                        let done = matches!(&chunk, Ok(c) if c.is_empty()) || chunk.is_err();
                        let pos = src_ref.position();
                        if send.send(chunk.map(|c| (c, pos))).is_err() || done {
                            break;
                        }
                    }
                });
                for msg in recv {
                    let (records, pos) = msg.map_err(|e| {
                        let msg = format!("{e:#}");
                        let line = msg
                            .split("line ")
                            .nth(1)
                            .and_then(|r| r.split_whitespace().next())
                            .and_then(|n| n.parse().ok());
                        anyhow::Error::new(RefusedFile(FileProblem {
                            bestand: f.file_name.clone(),
                            regel: line,
                            kolom: None,
                            melding: msg,
                        }))
                    })?;
                    if records.is_empty() {
                        break;
                    }
                    let ordinals: Option<Vec<u32>> = ordinal_col.map(|c| {
                        records
                            .iter()
                            .map(|r| {
                                let key = r.fields.get(c).cloned().flatten().unwrap_or_default();
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
                            process_chunk(&plan, &scope, &pseudo, part, ord)
                        })
                        .collect();
                    for out in outs {
                        let out = out?;
                        report.rijen_gelezen += out.rows_read;
                        report.rijen_geladen += out.rows_loaded;
                        report.rijen_afgewezen += out.rows_rejected;
                        report.rijen_buiten_gebied += out.rows_out_of_area;
                        if let Some(b) = &out.batch {
                            writer.write(b)?;
                        }
                        for (p, b) in &out.bsns {
                            if seen_bsn.insert(*p) {
                                ins_bsn.execute(params![hex::encode(p), b.to_string()])?;
                            }
                        }
                        for (key, json) in &out.identities {
                            ins_id.execute(params![snapshot_id, key, json])?;
                        }
                        for r in &out.rejects {
                            record_reject(
                                r,
                                f,
                                &levering_id,
                                &mut ins_rej,
                                &mut ins_rej_vault,
                                &mut rejects_csv,
                            )?;
                            rejects_total += 1;
                            *per_reason
                                .entry(format!("{} / {}: {}", f.file_name, r.column, r.reason))
                                .or_insert(0) += 1;
                            if shown.len() < SHOWN_REJECTS {
                                shown.push(ShownReject {
                                    bestand: f.file_name.clone(),
                                    regel: r.line,
                                    kolom: r.column.clone(),
                                    waarde: r.shown_value(),
                                    reden: r.reason.clone(),
                                });
                            }
                        }
                        keys.objects.extend(out.keys.objects);
                        keys.persons.extend(out.keys.persons);
                        keys.owners.extend(out.keys.owners);
                        keys.registrations.extend(out.keys.registrations);
                    }
                    progress.advanced(pos);
                }
                Ok(())
            });
            if let Err(e) = stream_result {
                return Err(match e.downcast::<RefusedFile>() {
                    Ok(RefusedFile(p)) => IntakeError::Refused(vec![p]),
                    Err(e) => {
                        IntakeError::Failed(e.context(format!("while loading {}", f.file_name)))
                    }
                });
            }
            let file = writer.into_inner().map_err(anyhow::Error::from)?;
            file.sync_all().map_err(anyhow::Error::from)?;
            progress.table_finished(f.table.name);

            // What this table defines for the tables after it.
            match f.table.name {
                "bag_verblijfsobject" => scope.objects = keys.objects.into_iter().collect(),
                "brp_persoon" => parts.brp = keys.persons.into_iter().collect(),
                "kad_eigendom" => parts.owners_kad = keys.owners.into_iter().collect(),
                "kvk_vestiging" => parts.owners_kvk = keys.owners.into_iter().collect(),
                "pol_registratie" => scope.registrations = keys.registrations.into_iter().collect(),
                _ => {}
            }
            parts.rebuild(&mut scope);
            outputs.push(TableOutput {
                report,
                staged,
                sha256: f.sha256.clone(),
                started: t_started,
                ended: clock::now(),
            });
        }
    }
    rejects_csv.flush().map_err(anyhow::Error::from)?;
    drop(rejects_csv);

    // Register the delivery. Files move into place first; a crash before the commit leaves them
    // unreferenced, and the next open of the project removes them.
    let now = clock::now();
    let delivery_rel = format!("leveringen/{levering_id}");
    std::fs::create_dir_all(layout.dir.join(&delivery_rel)).map_err(anyhow::Error::from)?;
    let parent = LogRecord::new("intake.levering", started, &now)
        .with_attr("levering_id", levering_id.clone())
        .with_attr("partner", partner.unwrap_or("onbekend"))
        .with_attr("tabellen", outputs.len() as u64);
    let new_tables = outputs.len() as i64;
    let unchanged_tables = reports.len() as i64;
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
            tabellen_nieuw: new_tables,
            tabellen_ongewijzigd: unchanged_tables,
        },
    )?;
    log::append(&tx, &activity, parent.clone())?;
    for o in &outputs {
        let rel = format!("data/{}/{}.parquet", o.report.tabel, levering_id);
        let target = layout.dir.join(&rel);
        if let Some(p) = target.parent() {
            std::fs::create_dir_all(p).map_err(anyhow::Error::from)?;
        }
        std::fs::rename(&o.staged, &target)
            .with_context(|| format!("cannot move {} into place", o.staged.display()))?;
        catalog::insert_snapshot(
            &tx,
            &Snapshot {
                snapshot_id: o.report.snapshot_id.clone(),
                levering_id: levering_id.clone(),
                tabel: o.report.tabel.clone(),
                bestand: o.report.bestand.clone(),
                inhoud_sha256: o.sha256.clone(),
                rijen_gelezen: o.report.rijen_gelezen as i64,
                rijen_geladen: o.report.rijen_geladen as i64,
                rijen_afgewezen: o.report.rijen_afgewezen as i64,
                rijen_buiten_gebied: o.report.rijen_buiten_gebied as i64,
                pad: rel,
                tijdstip: now.clone(),
            },
        )?;
        let rec = LogRecord::child_of(
            &parent,
            &format!("intake.{}", o.report.tabel),
            &o.started,
            &o.ended,
        )
        .with_subject(format!("snapshot:{}", o.report.snapshot_id))
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
    fault_point("before-commit");
    tx.commit().map_err(anyhow::Error::from)?;

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

fn record_reject(
    r: &RejectOut,
    f: &PlannedFile,
    levering_id: &str,
    ins: &mut rusqlite::Statement<'_>,
    ins_vault: &mut rusqlite::Statement<'_>,
    csv_out: &mut csv::Writer<File>,
) -> Result<()> {
    let shown = r.shown_value();
    ins.execute(params![
        levering_id,
        f.table.name,
        f.file_name,
        r.line as i64,
        r.column,
        shown,
        r.reason
    ])?;
    ins_vault.execute(params![
        levering_id,
        f.file_name,
        r.line as i64,
        r.column,
        r.value,
        r.reason,
        r.raw
    ])?;
    csv_out.write_record([
        f.table.name,
        &f.file_name,
        &r.line.to_string(),
        &r.column,
        &shown,
        &r.reason,
    ])?;
    Ok(())
}

/// Test hook: `LOEP_FAULT=before-commit` aborts the process at that point, as a power cut
/// would, so tests can show that an interrupted intake leaves the previous state intact.
fn fault_point(name: &str) {
    if std::env::var("LOEP_FAULT").is_ok_and(|v| v == name) {
        std::process::abort();
    }
}
