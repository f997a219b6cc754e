//! Loading one delivery into a project: all of it, or nothing.
//!
//! `plan` lists and checks the delivery's files before any row is read; `scope` knows the
//! project area as the current snapshots define it; `sinks` streams each table through the
//! validation into Parquet writers and the rejects sink; `commit` moves the files into place
//! and registers the delivery, vault first, store second. This module holds the entry point,
//! [`intake`], and the report and error types.

mod checks;
mod commit;
mod convert;
mod keys;
mod plan;
mod scope;
mod sinks;

use anyhow::{Context, Result};
use loep_contract::{ColumnType, Datum, ScopeRule};
use loep_store::deliveries::{self, Reject};
use loep_store::{LogRecord, Project, Status, clock};
use loep_vault::format::Soort;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::source::TableSource;
use crate::validate::{Scope, TablePlan};
use commit::{Delivery, Staged, TableOutput};
use plan::{PlannedFile, plan};
use scope::{NewKeys, load_scope};
use sinks::{RejectSink, Sinks, TableLoad, TableResults, load_table};

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
            write!(f, ", regel {r}")?;
        }
        if let Some(k) = &self.kolom {
            write!(f, ", kolom {k}")?;
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
                    "de levering is geweigerd; er is niets van geladen. Verbeter dit en lever opnieuw:"
                )?;
                for p in problems {
                    writeln!(f, "  - {p}")?;
                }
                Ok(())
            }
            IntakeError::Failed(e) => write!(
                f,
                "het laden is mislukt en er is niets van de levering geladen: {e:#}"
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
    /// A step whose size is not known beforehand (the linkage after the tables).
    fn step(&self, _what: &str) {}
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
    /// Empty (or blank) lines of the file: no data, skipped, and counted.
    #[serde(skip_serializing_if = "is_zero")]
    pub lege_regels: u64,
    /// What was read in another notation than the contract's (a header name in other case, a
    /// GBA date, a `GM` gemeentecode), with how often: `kolom: wat` for values.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub lezingen: BTreeMap<String, u64>,
    /// What the conversion of a source in its publisher's form (a GeoPackage, Haal Centraal
    /// answers) says: what it read, wrote and left out, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bron: Vec<String>,
    /// Rows of the previous snapshot kept in force because their new row was rejected.
    #[serde(skip_serializing_if = "is_zero")]
    pub rijen_overgenomen: u64,
    /// What this snapshot changes against the previous one (`None`: there was none, or the
    /// table has no key to compare by).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wijzigingen: Option<crate::carry::Changes>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Serialize)]
pub struct IntakeReport {
    /// `None` when nothing changed and no delivery was registered, or in a dry run.
    pub levering_id: Option<String>,
    /// A dry run ([`intake_proef`]): read and checked as an intake would, nothing written.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub proef: bool,
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

fn problem(file: &str, msg: impl Into<String>) -> FileProblem {
    FileProblem {
        bestand: file.to_string(),
        regel: None,
        kolom: None,
        melding: msg.into(),
    }
}

/// A reader's refusal of a file as a problem the partner can act on: the reader's own file,
/// line and message when it said them; a fault of the machine (an error of the operating
/// system) without its details, which go to the log; else the error as text (a format the
/// reader could not read, in the words of the library that read it).
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
        // An error of the operating system (no such file, no access, disk full): a broken
        // or truncated file of the partner is a format error, without one.
        None if e.chain().any(|c| {
            c.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.raw_os_error().is_some())
        }) =>
        {
            tracing::error!(
                bestand = file,
                "kan een bestand van de levering niet lezen: {e:#}"
            );
            problem(
                file,
                "het bestand kon op de server niet worden gelezen of verwerkt; dat ligt niet aan het bestand zelf: lever het later opnieuw, of vraag de beheerder van het project naar de foutmelding in het log van loep",
            )
        }
        None => problem(file, format!("{e:#}")),
    }
}

/// Loads a delivery into the project. Either the whole delivery is registered (with its
/// snapshots, rejects, vault entries and log records) or nothing is.
pub fn intake(
    project: &mut Project,
    dir: &Path,
    progress: &dyn Progress,
) -> Result<IntakeReport, IntakeError> {
    run(project, dir, progress, false)
}

/// A dry run of [`intake`]: reads, converts, validates and compares the delivery with the
/// project's current snapshots exactly as an intake would, and reports per table what it
/// would change (rows new, changed, unchanged, removed, rejected, carried over), but
/// registers nothing: no snapshot, no vault file, no reject, no log record; staged files are
/// removed. What it shows holds no identity: counts, and keys as the analysis store holds them.
pub fn intake_proef(
    project: &mut Project,
    dir: &Path,
    progress: &dyn Progress,
) -> Result<IntakeReport, IntakeError> {
    run(project, dir, progress, true)
}

fn run(
    project: &mut Project,
    dir: &Path,
    progress: &dyn Progress,
    proef: bool,
) -> Result<IntakeReport, IntakeError> {
    project
        .ensure_may_process()
        .map_err(IntakeError::NotAllowed)?;
    let started = clock::now();
    let (meta, files) = match plan(project, dir) {
        Ok(p) => p,
        Err(e) => {
            if !proef {
                log_refusal(project, &started, &e);
            }
            return Err(e);
        }
    };
    // Sources in their publisher's form become contract CSVs first.
    let converted =
        match convert::convert_all(project, &files, &project.layout.staging().join("bronnen")) {
            Ok(c) => c,
            Err(problems) => {
                let _ = std::fs::remove_dir_all(project.layout.staging());
                let e = IntakeError::Refused(problems);
                if !proef {
                    log_refusal(project, &started, &e);
                }
                return Err(e);
            }
        };
    let run = Run {
        dir,
        started: &started,
        partner: meta.as_ref().and_then(|m| m.partner.clone()),
        peildatum: meta.as_ref().and_then(|m| m.peildatum.clone()),
        converted: &converted,
        progress,
        proef,
    };
    let result = read_and_load(project, &run, &files);
    // Whatever happened, the staging areas go; committed files were moved out of them.
    let _ = std::fs::remove_dir_all(project.layout.staging());
    let _ = std::fs::remove_dir_all(project.layout.vault_staging());
    result
}

/// What the steps of one intake share.
struct Run<'a> {
    /// The delivered directory.
    dir: &'a Path,
    /// When the intake started.
    started: &'a str,
    partner: Option<String>,
    peildatum: Option<String>,
    /// The sources in their publisher's form, converted to contract CSVs.
    converted: &'a BTreeMap<&'static str, convert::Converted>,
    progress: &'a dyn Progress,
    /// A dry run: nothing is registered.
    proef: bool,
}

/// A planned file opened with its header checked, and its table's plan.
type Opened<'a> = (&'a PlannedFile, TableSource, TablePlan);

impl TableReport {
    /// The report of a table before any row is counted.
    fn new(f: &PlannedFile, uitkomst: Outcome, snapshot_id: String) -> TableReport {
        TableReport {
            tabel: f.table.name.to_string(),
            bestand: f.file_name.clone(),
            uitkomst,
            snapshot_id,
            rijen_gelezen: 0,
            rijen_geladen: 0,
            rijen_afgewezen: 0,
            rijen_buiten_gebied: 0,
            lege_regels: 0,
            lezingen: BTreeMap::new(),
            bron: Vec::new(),
            rijen_overgenomen: 0,
            wijzigingen: None,
        }
    }
}

/// Opens every file of a planned delivery, loads the tables that changed and registers them.
fn read_and_load(
    project: &mut Project,
    run: &Run,
    files: &[PlannedFile],
) -> Result<IntakeReport, IntakeError> {
    // The plan refused a peildatum that does not parse.
    let peildatum = run.peildatum.as_deref().and_then(|d| Datum::parse(d).ok());
    let opened = match open_all(files, run.converted, peildatum.as_ref()) {
        Ok(opened) => opened,
        Err(problems) => {
            let e = IntakeError::Refused(problems);
            if !run.proef {
                log_refusal(project, run.started, &e);
            }
            return Err(e);
        }
    };
    let (todo, reports) = changed_tables(project, opened)?;
    if todo.is_empty() {
        return Ok(IntakeReport {
            levering_id: None,
            proef: run.proef,
            partner: run.partner.clone(),
            peildatum: run.peildatum.clone(),
            tabellen: reports,
            afwijzingen_totaal: 0,
            afwijzingen_per_reden: BTreeMap::new(),
            afwijzingen: Vec::new(),
            afwijzingen_rapport: None,
            koppeling: None,
        });
    }

    let result = load(project, run, todo, reports);
    // Whatever happened, the staging areas go; committed files were moved out of them.
    let _ = std::fs::remove_dir_all(project.layout.staging());
    let _ = std::fs::remove_dir_all(project.layout.vault_staging());
    match result {
        Ok(r) => Ok(r),
        Err(e) => {
            if !run.proef {
                log_refusal(project, run.started, &e);
            }
            Err(e)
        }
    }
}

/// Opens every file (its converted CSV, for a source in its publisher's form) and checks its
/// header before any row is read; every problem of every file, or the files with their plans.
fn open_all<'a>(
    files: &'a [PlannedFile],
    converted: &BTreeMap<&'static str, convert::Converted>,
    peildatum: Option<&Datum>,
) -> Result<Vec<Opened<'a>>, Vec<FileProblem>> {
    let mut problems = Vec::new();
    let mut opened = Vec::new();
    for f in files {
        let source = match converted.get(f.table.name) {
            Some(c) => std::fs::File::open(&c.csv)
                .map_err(anyhow::Error::from)
                .and_then(|file| {
                    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
                    TableSource::from_csv_reader(&f.file_name, file, size)
                }),
            None => TableSource::open(&f.path),
        };
        match source {
            Err(e) => problems.push(source_problem(&f.file_name, &e)),
            Ok(src) => match TablePlan::new(f.table, &src.header, src.delimiter).map(|plan| {
                match peildatum {
                    // Dates that may not lie in the future are checked against the peildatum.
                    Some(d) => plan.with_peildatum(d),
                    None => plan,
                }
            }) {
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
    if problems.is_empty() {
        Ok(opened)
    } else {
        Err(problems)
    }
}

/// The opened files whose table changed, and the reports of those that did not (the same
/// content as the current snapshot).
fn changed_tables<'a>(
    project: &Project,
    opened: Vec<Opened<'a>>,
) -> Result<(Vec<Opened<'a>>, Vec<TableReport>)> {
    let mut todo = Vec::new();
    let mut reports = Vec::new();
    for (f, src, plan) in opened {
        match deliveries::current_snapshot(project.db(), f.table.name)? {
            Some(cur) if cur.inhoud_sha256 == f.sha256 => reports.push(TableReport {
                rijen_geladen: cur.rijen_geladen as u64,
                ..TableReport::new(f, Outcome::Unchanged, cur.snapshot_id)
            }),
            _ => todo.push((f, src, plan)),
        }
    }
    Ok((todo, reports))
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
        tracing::warn!("de weigering kon niet in het verwerkingslog worden geschreven: {err:#}");
    }
}

/// Loads the changed tables in the vault's and the store's transactions, and registers the
/// delivery (or, in a dry run, only reports it).
fn load(
    project: &mut Project,
    run: &Run,
    todo: Vec<Opened>,
    reports: Vec<TableReport>,
) -> Result<IntakeReport, IntakeError> {
    let pseudo = project.pseudonymiser()?;
    let mut scope = load_scope(project)?;
    let levering_id = deliveries::new_delivery_id(project.db())?;
    let layout = project.layout.clone();
    // Identities are staged inside the vault, never outside it.
    let staging = layout.staging().join(&levering_id);
    let vault_staging = layout.vault_staging().join(&levering_id);
    for d in [&staging, &vault_staging] {
        std::fs::create_dir_all(d).with_context(|| format!("kan {} niet aanmaken", d.display()))?;
    }
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let limit = checks::max_afgewezen(project);
    // The in-area addresses that place reports and uncoded police registrations: of the BAG
    // this delivery loads, else of the current one.
    let current_bag = deliveries::current_snapshot(project.db(), "bag_verblijfsobject")?
        .map(|s| layout.dir.join(s.pad));

    // The vault's part commits first; a crash before the store's part leaves rows the next
    // writer removes (see loep_vault::Vault::reconcile).
    let mut vault = loep_vault::Vault::open(&layout)?;
    // The birth dates that dates of the address history are checked against: of the BRP this
    // delivery loads, else of the current one (in the vault).
    let current_births = match deliveries::current_snapshot(project.db(), "brp_persoon")? {
        Some(s) => vault
            .file(&s.snapshot_id, Soort::Identiteit)?
            .map(|rel| layout.dir.join(rel)),
        None => None,
    };
    let mut previous = previous_snapshots(project, &vault, &todo)?;
    let loading = Loading {
        run,
        layout: &layout,
        levering_id: &levering_id,
        staging: &staging,
        vault_staging: &vault_staging,
        pseudo: &pseudo,
        limit,
        current_bag,
        current_births,
    };
    let vtx = vault.begin()?;
    let tx = project.begin()?;
    let mut outputs: Vec<TableOutput> = Vec::new();
    let rejects = {
        let mut rejects = RejectSink::new(&tx, &vtx, &staging.join("afwijzingen.csv"))?;
        for opened in todo {
            let previous = previous.remove(opened.0.table.name);
            let output = loading.table(opened, previous, &mut scope, &outputs, &mut rejects)?;
            outputs.push(output);
        }
        rejects.finish()?
    };

    if run.proef {
        // Nothing is registered: the transactions roll back, the staged files are removed.
        drop(tx);
        drop(vtx);
        return Ok(commit::report_of(
            None,
            run.partner.as_deref(),
            run.peildatum.as_deref(),
            outputs,
            reports,
            rejects,
            None,
        ));
    }
    // Register the delivery. Files move into place first; a crash before the commit leaves them
    // unreferenced, and the next open of the project removes them.
    commit::register(
        &layout,
        tx,
        vtx,
        &Delivery {
            dir: run.dir,
            levering_id: &levering_id,
            started: run.started,
            partner: run.partner.as_deref(),
            peildatum: run.peildatum.as_deref(),
            activity: &activity,
            staging: &staging,
        },
        outputs,
        reports,
        rejects,
    )
}

/// The snapshots this delivery replaces, to compare with and to carry rows over from.
fn previous_snapshots(
    project: &Project,
    vault: &loep_vault::Vault,
    todo: &[Opened],
) -> Result<BTreeMap<&'static str, crate::carry::Previous>> {
    let layout = &project.layout;
    let mut previous = BTreeMap::new();
    for (f, _, _) in todo {
        if let Some(s) = deliveries::current_snapshot(project.db(), f.table.name)? {
            let in_vault = |kind| -> Result<_> {
                Ok(vault
                    .file(&s.snapshot_id, kind)?
                    .map(|rel| layout.dir.join(rel)))
            };
            let prev = crate::carry::Previous {
                data: layout.dir.join(&s.pad),
                identity: in_vault(Soort::Identiteit)?,
                bsn: in_vault(Soort::Bsn)?,
                snapshot_id: s.snapshot_id,
            };
            previous.insert(f.table.name, prev);
        }
    }
    Ok(previous)
}

/// What the tables of one delivery are loaded with.
struct Loading<'a> {
    run: &'a Run<'a>,
    layout: &'a loep_store::Layout,
    levering_id: &'a str,
    /// Where the analysis files are staged, and (inside the vault) the identities.
    staging: &'a Path,
    vault_staging: &'a Path,
    pseudo: &'a loep_store::Pseudonymiser,
    /// The largest share of rejected rows a table may have.
    limit: f64,
    /// The current BAG and BRP identities, for a delivery that does not bring its own.
    current_bag: Option<PathBuf>,
    current_births: Option<PathBuf>,
}

impl Loading<'_> {
    /// Loads one table: staged, validated and counted, checked, and what it defines for the
    /// tables after it kept in `scope`. `outputs` are the tables loaded before it.
    fn table(
        &self,
        (f, mut src, mut plan): Opened,
        previous: Option<crate::carry::Previous>,
        scope: &mut Scope,
        outputs: &[TableOutput],
        rejects: &mut RejectSink,
    ) -> Result<TableOutput, IntakeError> {
        let t_started = clock::now();
        let name = f.table.name;
        let levering_id = self.levering_id;
        let mut staged = self.staged(f, &plan);
        self.complete_scope(f, scope, outputs)?;
        let (data_sink, vault_sink) = Sinks::for_table(&staged, &plan)?;
        let mut report = TableReport {
            lezingen: plan
                .header_readings
                .iter()
                .map(|h| (h.clone(), 1))
                .collect(),
            bron: self
                .run
                .converted
                .get(name)
                .map(|c| c.bron.clone())
                .unwrap_or_default(),
            ..TableReport::new(f, Outcome::Loaded, format!("{levering_id}.{name}"))
        };
        plan.compare = previous.is_some();
        let mut keys = NewKeys::default();
        let progress = self.run.progress;
        progress.table_started(name, if src.delimiter.is_some() { src.size } else { 0 });
        let t0 = std::time::Instant::now();
        let load = TableLoad {
            f,
            plan: &plan,
            scope,
            pseudo: self.pseudo,
            levering_id,
            previous: previous.as_ref(),
            progress,
        };
        let mut results = TableResults {
            rejects,
            report: &mut report,
            keys: &mut keys,
        };
        let loaded = load_table(&load, &mut src, data_sink, vault_sink, &mut results);
        if let Err(e) = loaded {
            return Err(match e.downcast::<RefusedFile>() {
                Ok(RefusedFile(p)) => IntakeError::Refused(vec![p]),
                Err(e) => {
                    IntakeError::Failed(e.context(format!("bij het laden van {}", f.file_name)))
                }
            });
        }
        // The file must still be the one planned: a file that changed while it was read
        // would otherwise be stored, partly, under the hash of the whole.
        if let Some(p) = plan::changed_since_plan(f) {
            return Err(IntakeError::Refused(vec![p]));
        }
        // Nothing replaces the current snapshot unless every line is accounted for and
        // the table is not a broken export.
        let counts = src.counts();
        report.lege_regels = counts.blank_lines;
        checks::reconciles(&report, &counts).map_err(|p| IntakeError::Refused(vec![p]))?;
        checks::within_limits(&report, self.limit, &rejects.reasons_of(&f.file_name))
            .map_err(IntakeError::Refused)?;
        progress.table_finished(name);
        tracing::debug!(
            table = name,
            rows = report.rijen_gelezen,
            secs = t0.elapsed().as_secs_f64(),
            "table loaded"
        );
        // What this table defines for the tables after it.
        let rel = self.layout.scope_file(name, levering_id);
        staged.scope = scope::keep(name, keys, self.staging, rel, scope)?;
        Ok(TableOutput {
            report,
            staged,
            sha256: f.sha256.clone(),
            started: t_started,
            ended: clock::now(),
        })
    }

    /// Where a table's files are staged, and where they go when the delivery is registered.
    fn staged(&self, f: &PlannedFile, plan: &TablePlan) -> Staged {
        let (layout, levering_id) = (self.layout, self.levering_id);
        let name = f.table.name;
        Staged {
            data: (
                self.staging.join(format!("{name}.parquet")),
                layout.data_file(name, levering_id),
            ),
            identity: plan.identity_schema.as_ref().map(|_| {
                (
                    self.vault_staging
                        .join(format!("identiteit-{name}.parquet")),
                    layout.vault_file(Soort::Identiteit.as_str(), name, levering_id),
                )
            }),
            bsn: f
                .table
                .columns
                .iter()
                .any(|c| c.ty == ColumnType::Bsn)
                .then(|| {
                    (
                        self.vault_staging.join(format!("bsn-{name}.parquet")),
                        layout.vault_file(Soort::Bsn.as_str(), name, levering_id),
                    )
                }),
            scope: None,
        }
    }

    /// What the table's scope rule needs and the scope lacks so far: the addresses that place
    /// reports and uncoded police registrations, and the birth dates the address history is
    /// checked against; of the BAG or BRP this delivery loaded before it, else of the current.
    fn complete_scope(
        &self,
        f: &PlannedFile,
        scope: &mut Scope,
        outputs: &[TableOutput],
    ) -> Result<()> {
        if matches!(f.table.scope, ScopeRule::Report | ScopeRule::Registration)
            && scope.addresses.is_none()
        {
            let bag = outputs
                .iter()
                .find(|o| o.report.tabel == "bag_verblijfsobject")
                .map(|o| o.staged.data.0.clone())
                .or_else(|| self.current_bag.clone());
            if let Some(bag) = bag {
                let rejected = std::mem::take(&mut scope.rejected_addresses);
                scope.addresses = Some(crate::koppeling::address_index_at(&bag, rejected)?);
            }
        }
        if f.table.name == "brp_verblijf_historie" && scope.births.is_empty() {
            let births = outputs
                .iter()
                .find(|o| o.report.tabel == "brp_persoon")
                .and_then(|o| o.staged.identity.as_ref().map(|(p, _)| p.clone()))
                .or_else(|| self.current_births.clone());
            if let Some(births) = births {
                scope.births = scope::birth_dates(&births)?;
            }
        }
        Ok(())
    }
}

#[derive(Debug)]
/// A file refused while its rows were read, carried through `anyhow` to [`intake`].
struct RefusedFile(FileProblem);
impl fmt::Display for RefusedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
impl std::error::Error for RefusedFile {}
