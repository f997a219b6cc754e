//! Destroying identities when their retention period is over: rows of persons without a
//! remaining signal are removed from the vault's files, and each destruction is recorded.

use anyhow::{Context, Result};
use arrow_array::{Array, ArrayRef, BooleanArray, StringArray};
use arrow_schema::DataType;
use loep_store::retention::{self, Destroyed};
use loep_store::{LogRecord, Project, clock, log};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fs::File;

/// Whether a row of a vault file belongs to a person whose identity stays: a BSN map row by
/// its pseudonym, an identity row by any pseudonym in its record key.
fn kept(key: &str, soort: &str, keep: &HashSet<String>) -> bool {
    if soort == "bsn" {
        keep.contains(key)
    } else {
        key.split([':', '#']).any(|part| keep.contains(part))
    }
}

/// Writes a copy of one vault file without the rows of persons not in `keep` (into the vault's
/// staging area) and returns what it removes with the copy and the file it replaces; the
/// caller renames it into place once the destruction is recorded.
fn filter_file(
    project: &Project,
    rel: &str,
    soort: &str,
    keep: &HashSet<String>,
    dry_run: bool,
) -> Result<(Destroyed, Option<(std::path::PathBuf, std::path::PathBuf)>)> {
    let path = project.layout.dir.join(rel);
    let mut replacement = None;
    let key_column = if soort == "bsn" {
        "pseudoniem"
    } else {
        "record_key"
    };
    let mut hash = Sha256::new();
    let mut removed = 0u64;
    let mut batches = Vec::new();
    let schema;
    {
        let file = File::open(&path).with_context(|| format!("{} ontbreekt", path.display()))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .with_context(|| format!("{} is geen leesbaar Parquet-bestand", path.display()))?;
        schema = reader.schema().clone();
        for batch in reader.build()? {
            let batch = batch?;
            let keys = batch
                .column_by_name(key_column)
                .with_context(|| format!("{} heeft geen kolom {key_column}", path.display()))?;
            let keys = arrow_cast::cast(keys, &DataType::Utf8)?;
            let keys = keys
                .as_any()
                .downcast_ref::<StringArray>()
                .context("een sleutelkolom omgezet naar tekst is geen tekst")?;
            let mask: BooleanArray = (0..batch.num_rows())
                .map(|i| Some(!keys.is_null(i) && kept(keys.value(i), soort, keep)))
                .collect();
            let texts: Vec<ArrayRef> = batch
                .columns()
                .iter()
                .map(|c| arrow_cast::cast(c, &DataType::Utf8))
                .collect::<Result<_, _>>()?;
            for i in 0..batch.num_rows() {
                if mask.value(i) {
                    continue;
                }
                removed += 1;
                for col in &texts {
                    if let Some(s) = col.as_any().downcast_ref::<StringArray>()
                        && !s.is_null(i)
                    {
                        hash.update(s.value(i).as_bytes());
                    }
                    hash.update(b"\x1f");
                }
                hash.update(b"\x1e");
            }
            batches.push(arrow_select::filter::filter_record_batch(&batch, &mask)?);
        }
    }
    if removed > 0 && !dry_run {
        let staging = project.layout.vault_staging();
        std::fs::create_dir_all(&staging)?;
        let tmp = staging.join(format!("bewaartermijn-{}.parquet", rel.replace('/', "_")));
        {
            let out = File::create(&tmp)
                .with_context(|| format!("kan {} niet schrijven", tmp.display()))?;
            let mut w = parquet::arrow::ArrowWriter::try_new(out, schema, None)?;
            for b in &batches {
                w.write(b)?;
            }
            w.close()?;
        }
        File::open(&tmp)?.sync_all()?;
        replacement = Some((tmp, path));
    }
    Ok((
        Destroyed {
            soort: format!("{soort}:{rel}"),
            aantal: removed,
            sha256: hex::encode(hash.finalize()),
        },
        replacement,
    ))
}

/// What a retention run destroyed (or, dry, would destroy).
#[derive(Debug, Clone, Serialize, Default)]
pub struct RetentionReport {
    pub dry_run: bool,
    /// Signals older than this were due (RFC 3339).
    pub signalen_voor: String,
    pub signalen: Vec<Destroyed>,
    /// Whether the project ended longer ago than its grace period for identities.
    pub identiteiten_termijn_verstreken: bool,
    pub identiteiten: Vec<Destroyed>,
    pub afwijzingen: Option<Destroyed>,
    /// Residents' reports received before `signalen_voor`.
    pub meldingen: Option<Destroyed>,
    /// Cases destroyed at their archiefactiedatum (filled in by the application core, which
    /// runs the case register's retention).
    pub zaken: Vec<String>,
    /// SHA-256 of what those cases were (as recorded in the processing log).
    pub zaken_sha256: Option<String>,
}

impl RetentionReport {
    pub fn destroyed_anything(&self) -> bool {
        self.signalen.iter().any(|d| d.aantal > 0)
            || self.identiteiten.iter().any(|d| d.aantal > 0)
            || self.afwijzingen.as_ref().is_some_and(|d| d.aantal > 0)
            || self.meldingen.as_ref().is_some_and(|d| d.aantal > 0)
            || !self.zaken.is_empty()
    }
}

/// Files in `dir` (access reports, exported terugmeldingen) older than `days`: a copy handed
/// to the resident or sent to the BRP, not kept.
fn expired_reports(
    dir: &std::path::Path,
    now: chrono::DateTime<chrono::Utc>,
    days: u32,
) -> Result<Vec<std::path::PathBuf>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let cutoff = now - chrono::Duration::days(i64::from(days));
    let mut out = Vec::new();
    for e in entries {
        let p = e?.path();
        let modified: chrono::DateTime<chrono::Utc> = std::fs::metadata(&p)?.modified()?.into();
        if p.is_file() && modified < cutoff {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// Whether anything may be due under the retention periods, found without changing or
/// locking anything: a reader then leaves the project alone and the next writer enforces
/// them. (Signals older than `signalen_dagen`, or the grace period for identities over with
/// anything in the vault still to check.)
pub fn retention_due(project: &Project) -> Result<bool> {
    let now = clock::now_utc();
    let termijnen = &project.config.bewaartermijnen;
    let cutoff = (now - chrono::Duration::days(i64::from(termijnen.signalen_dagen)))
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    if !retention::expired_runs(project.db(), &cutoff)?.is_empty() {
        return Ok(true);
    }
    let (_, tot) = project.config.period_days()?;
    let ids_due_day = tot + termijnen.identiteiten_na_einde_dagen as i32;
    Ok(clock::today() > ids_due_day)
}

/// Enforces the retention periods of `loep.toml`: signals older than `signalen_dagen` are
/// destroyed (cases, which keep theirs for `zaken_jaren`, come with the case register); once
/// the project ended more than `identiteiten_na_einde_dagen` ago, the vault keeps only the
/// identities of persons in a remaining signal and no full rejects. Each destruction is
/// recorded with its count and SHA-256 in the processing log, and the store files are
/// compacted so that destroyed rows are gone from the disk.
///
/// `in_open_cases`: the persons of the open cases (the case register's answer); their
/// identities are kept past the project's end, as are those of persons in signals that are
/// not yet due. `cases_closed_since_last`: a case closed since the identities were last
/// filtered, so its persons' identities are due now.
pub fn enforce_retention(
    project: &mut Project,
    dry_run: bool,
    in_open_cases: &std::collections::HashSet<String>,
    cases_closed_since_last: bool,
) -> Result<RetentionReport> {
    let now = clock::now_utc();
    let termijnen = project.config.bewaartermijnen.clone();
    let cutoff = (now - chrono::Duration::days(i64::from(termijnen.signalen_dagen)))
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let (_, tot) = project.config.period_days()?;
    let ids_due_day = tot + termijnen.identiteiten_na_einde_dagen as i32;
    let mut report = RetentionReport {
        dry_run,
        signalen_voor: cutoff.clone(),
        identiteiten_termijn_verstreken: clock::today() > ids_due_day,
        ..RetentionReport::default()
    };
    let started = clock::now();
    let mut vault = crate::Vault::open(&project.layout)?;
    let asked = Asked {
        dry_run,
        in_open_cases,
        cases_closed_since_last,
    };
    let due = find_due(project, &mut vault, &asked, &cutoff, &mut report)?;
    let old_inzage = expired_reports(
        &crate::inzage_dir(&project.layout),
        now,
        termijnen.signalen_dagen,
    )?;
    let old_terugmeldingen = expired_reports(
        &crate::terugmelding_dir(&project.layout),
        now,
        termijnen.signalen_dagen,
    )?;
    if dry_run {
        if report.identiteiten_termijn_verstreken {
            report.afwijzingen = Some(vault.purge_rejects(true)?);
        }
        return Ok(report);
    }
    let reports = ExpiredReports {
        inzage: old_inzage,
        terugmelding: old_terugmeldingen,
    };
    let recorded = record_destruction(project, &mut vault, &due, &reports, &started, &mut report)?;
    destroy(project, &mut vault, &due, reports, &recorded, &report)?;
    Ok(report)
}

/// What a retention run was asked: only to count (`dry_run`), the persons of the open cases,
/// and whether a case closed since the identities were last filtered.
struct Asked<'a> {
    dry_run: bool,
    in_open_cases: &'a std::collections::HashSet<String>,
    cases_closed_since_last: bool,
}

/// What a retention run destroys, found (and counted into the report) before anything is.
struct Due {
    /// The cut-off of signals and residents' reports.
    cutoff: String,
    /// The runs whose signals are due.
    runs: Vec<String>,
    /// Whether the vault's identities are filtered, and the snapshots of the files filtered.
    filter_identities: bool,
    snapshots: Vec<String>,
    /// Rewritten vault files, beside the originals until the destruction is recorded.
    replacements: Vec<(std::path::PathBuf, std::path::PathBuf)>,
}

/// Letters to residents and terugmeldingen past their term.
struct ExpiredReports {
    inzage: Vec<std::path::PathBuf>,
    terugmelding: Vec<std::path::PathBuf>,
}

/// What the recording of a destruction leaves for the destroying: when it ended, and whether
/// anything was recorded.
struct Recorded {
    ended: String,
    anything: bool,
}

/// Counts what is due: the expired runs' signals and residents' reports (in a transaction
/// that is dropped), and, when the identities' term has passed, the vault's files filtered to
/// the persons still in a signal or an open case (as replacements beside them).
fn find_due(
    project: &mut Project,
    vault: &mut crate::Vault,
    asked: &Asked,
    cutoff: &str,
    report: &mut RetentionReport,
) -> Result<Due> {
    let runs = retention::expired_runs(project.db(), cutoff)?;
    let mut snapshots = Vec::new();
    let mut replacements: Vec<(std::path::PathBuf, std::path::PathBuf)> = Vec::new();
    // Identities first computed against the signals that remain after this run.
    let tx = project.begin()?;
    for run in &runs {
        report.signalen.push(retention::purge_run(&tx, run, true)?);
    }
    report.meldingen = Some(loep_store::burgermelding::purge_before(&tx, cutoff, true)?);
    drop(tx);
    let filter_identities = report.identiteiten_termijn_verstreken
        && (!runs.is_empty()
            || asked.cases_closed_since_last
            || retention::identities_due(project.db())?
            || !vault.identities_done()?);
    if filter_identities {
        let mut keep = retention::persons_in_signals(project.db(), &runs)?;
        keep.extend(asked.in_open_cases.iter().cloned());
        for (snapshot_id, soort, pad) in vault.files()? {
            let (d, replacement) = filter_file(project, &pad, &soort, &keep, asked.dry_run)?;
            snapshots.push(snapshot_id);
            report.identiteiten.push(d);
            replacements.extend(replacement);
        }
    }
    Ok(Due {
        cutoff: cutoff.to_string(),
        runs,
        filter_identities,
        snapshots,
        replacements,
    })
}

/// Destroys what is due in the store and records every destruction (its count and SHA-256)
/// in the processing log, in one transaction; the vault's files and the reports go after it
/// commits ([`destroy`]).
fn record_destruction(
    project: &mut Project,
    vault: &mut crate::Vault,
    due: &Due,
    reports: &ExpiredReports,
    started: &str,
    report: &mut RetentionReport,
) -> Result<Recorded> {
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let (cutoff, runs, snapshots) = (&due.cutoff, &due.runs, &due.snapshots);
    let ended = clock::now();
    let tx = project.begin()?;
    let parent =
        LogRecord::new("bewaartermijn", started, &ended).with_attr("signalen_voor", cutoff.clone());
    let mut records = Vec::new();
    for run in runs {
        let d = retention::purge_run(&tx, run, false)?;
        records.push((format!("run:{run}"), d));
    }
    let d = loep_store::burgermelding::purge_before(&tx, cutoff, false)?;
    report.meldingen = Some(d.clone());
    if d.aantal > 0 {
        records.push(("meldingen".to_string(), d));
    }
    if report.identiteiten_termijn_verstreken {
        // Counted now, destroyed once the record of it has committed.
        let d = vault.purge_rejects(true)?;
        report.afwijzingen = Some(d.clone());
        if d.aantal > 0 {
            records.push(("afwijzingen".to_string(), d));
        }
        if !report.identiteiten.is_empty() {
            let total = Destroyed {
                soort: "identiteiten".to_string(),
                aantal: report.identiteiten.iter().map(|d| d.aantal).sum(),
                sha256: hex::encode(Sha256::digest(
                    report
                        .identiteiten
                        .iter()
                        .map(|d| d.sha256.as_str())
                        .collect::<Vec<_>>()
                        // Not a stored list: the input of a digest.
                        .join(",")
                        .as_bytes(),
                )),
            };
            retention::record(&tx, &ended, &total)?;
            for (d, snapshot_id) in report.identiteiten.iter().zip(snapshots) {
                if d.aantal > 0 {
                    records.push((format!("snapshot:{snapshot_id}"), d.clone()));
                }
            }
        }
    }
    for (soort, files) in [
        ("inzage", &reports.inzage),
        ("terugmelding", &reports.terugmelding),
    ] {
        if files.is_empty() {
            continue;
        }
        let mut hash = Sha256::new();
        for p in files {
            hash.update(std::fs::read(p).unwrap_or_default());
        }
        records.push((
            soort.to_string(),
            Destroyed {
                soort: soort.to_string(),
                aantal: files.len() as u64,
                sha256: hex::encode(hash.finalize()),
            },
        ));
    }
    let anything = !records.is_empty();
    if anything {
        log::append(&tx, &activity, parent.clone())?;
    }
    for (subject, d) in &records {
        retention::record(&tx, &ended, d)?;
        let rec = LogRecord::child_of(&parent, "bewaartermijn.vernietiging", started, &ended)
            .with_subject(subject.clone())
            .with_attr("soort", d.soort.clone())
            .with_attr("aantal", d.aantal)
            .with_attr("sha256", d.sha256.clone());
        log::append(&tx, &activity, rec)?;
    }
    loep_store::clock::fault_point("retention-before-commit");
    tx.commit()?;
    // Recorded first, destroyed after: an interruption from here on leaves data that the
    // next run destroys and records again, never a destruction without a record.
    loep_store::clock::fault_point("retention-after-commit");
    Ok(Recorded { ended, anything })
}

/// After the record has committed: the copies of destroyed residents' reports, the vault's
/// filtered files (sealed, then in place), its full rejects, the expired letters and
/// terugmeldingen; then both databases compacted.
fn destroy(
    project: &mut Project,
    vault: &mut crate::Vault,
    due: &Due,
    reports: ExpiredReports,
    recorded: &Recorded,
    report: &RetentionReport,
) -> Result<()> {
    let (filter_identities, ended, anything) =
        (due.filter_identities, &recorded.ended, recorded.anything);
    let old_reports: Vec<std::path::PathBuf> = reports
        .inzage
        .into_iter()
        .chain(reports.terugmelding)
        .collect();
    // The register of reports as scans read it (`data/burgermelding/`) holds copies of the
    // reports just destroyed: every copy goes (a run that read one can then no longer be
    // computed again, which its verification says).
    if report.meldingen.as_ref().is_some_and(|d| d.aantal > 0) {
        let copies = project.layout.data().join("burgermelding");
        if copies.exists() {
            std::fs::remove_dir_all(&copies)
                .with_context(|| format!("kan {} niet verwijderen", copies.display()))?;
        }
    }
    if filter_identities {
        // Not complete until the files are replaced: an interruption below makes the next
        // run filter again.
        vault.set_identities_done(false, ended)?;
    }
    for (tmp, path) in &due.replacements {
        // The copy is sealed before it takes the file's place: an interruption in between
        // leaves a file that no longer matches its seal, which is refused until the next run
        // filters it again.
        if let Ok(rel) = path.strip_prefix(&project.layout.dir) {
            vault.reseal(&rel.to_string_lossy(), tmp)?;
        }
        std::fs::rename(tmp, path)
            .with_context(|| format!("kan {} niet vervangen", path.display()))?;
    }
    if report.identiteiten_termijn_verstreken {
        vault.purge_rejects(false)?;
    }
    if filter_identities {
        vault.set_identities_done(true, ended)?;
    }
    for p in &old_reports {
        std::fs::remove_file(p).with_context(|| format!("kan {} niet verwijderen", p.display()))?;
    }
    if anything {
        retention::compact(project.db())?;
        vault.compact()?;
    }
    Ok(())
}
