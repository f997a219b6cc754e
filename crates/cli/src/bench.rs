//! `loep bench`: commands that measure and print figures for BENCHMARKS.md.

use anyhow::{Context, Result};
use clap::Subcommand;
use loep_app::Mode;
use loep_app::types::Rol;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Generate a delivery with every table for N persons, load it into a fresh project, and
    /// print rows/s and peak memory.
    Intake {
        /// Persons in the generated delivery.
        #[arg(long, default_value_t = 1_000_000)]
        persons: u64,
        /// Work directory (default: a temporary directory, removed afterwards).
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// What generates the delivery: the synthetic municipality, or uniform bulk rows.
        #[arg(long, value_enum, default_value_t = Generator::Synth)]
        generator: Generator,
    },
    /// Generate a synthetic municipality of N persons and print time, rows/s and peak memory.
    Synth {
        #[arg(long, default_value_t = 1_000_000)]
        persons: u64,
        /// Output directory (default: a temporary directory, removed afterwards).
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Generate a synthetic municipality of N persons, load and link it into a fresh project,
    /// then run the indicator catalogue; print the scan's time, signals per second, peak
    /// memory, and the quality per theme against the planted truth.
    Scan {
        #[arg(long, default_value_t = 1_000_000)]
        persons: u64,
        /// Work directory (default: a temporary directory, removed afterwards).
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Memory DataFusion may hold before it spills to disk (bytes).
        #[arg(long, default_value_t = loep_app::scan::DEFAULT_MEMORY_LIMIT)]
        memory_limit: usize,
        /// Scan the project an earlier run left in --dir again, in this fresh process, so that
        /// the peak memory printed is the scan's own.
        #[arg(long)]
        reuse: bool,
    },
    /// The web application under load: generate a municipality of N persons, load, scan and
    /// give it cases (or reuse the project an earlier run left in --dir), serve it on loopback
    /// in this process, and request the queue, address, case and dashboard pages from
    /// --clients concurrent clients, each with its own session; print latency percentiles and
    /// throughput per page.
    Web {
        #[arg(long, default_value_t = 1_000_000)]
        persons: u64,
        /// Cases to have in the project (one per address with signals, at most).
        #[arg(long, default_value_t = 10_000)]
        zaken: usize,
        /// Concurrent clients, each with its own logged-in session.
        #[arg(long, default_value_t = 50)]
        clients: usize,
        /// Requests per page, spread over the clients.
        #[arg(long, default_value_t = 2_000)]
        requests: usize,
        /// Work directory (default: a temporary directory, removed afterwards); a project an
        /// earlier run left here is used again.
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Write a BAG GeoPackage in PDOK's schema with N objects over the whole country (about 1%
    /// in one gemeente of 100 buurten) and convert it as the intake does, streamed: print the
    /// time, objects per second and peak memory. The file is kept in --dir for a second run.
    BagGpkg {
        /// Objects in the layer (the national BAG holds about 9 to 10 million).
        #[arg(long, default_value_t = 9_000_000)]
        objects: u64,
        /// Where the file goes (default: a temporary directory, removed afterwards).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Generate two files of N Dutch-style person records each (80% shared persons, typing
    /// errors, moved addresses, missing BSNs), then run `loep link` on them as a separate
    /// process with docs/linkage/personen.toml, and print its figures.
    Link {
        /// Records per file.
        #[arg(long, default_value_t = 1_000_000)]
        records: u64,
        /// Where the files go (default: a temporary directory, removed afterwards); an existing
        /// a.csv, b.csv and truth.csv of the same size and seed are reused.
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// The settings `loep bench link` links with (also in docs/linkage/).
pub const PERSONEN_SETTINGS: &str = include_str!("../../../docs/linkage/personen.toml");

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Generator {
    /// `loep synth`'s municipality: households, planted cases, every table.
    Synth,
    /// Uniform valid rows of every table in fixed proportions.
    Bulk,
}

fn work_dir(dir: Option<PathBuf>) -> Result<(PathBuf, Option<tempfile::TempDir>)> {
    Ok(match dir {
        Some(d) => (d, None),
        None => {
            let tmp = tempfile::tempdir().context("cannot create a temporary directory")?;
            (tmp.path().to_path_buf(), Some(tmp))
        }
    })
}

fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Peak resident memory of this process so far, in bytes (Linux; 0 elsewhere).
pub fn peak_memory() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// The benchmark's accounts: a beheerder who loads, a privacy officer who approves, an
/// analist who scans. The password only guards generated data.
const BENCH_TEAM: [(&str, Rol, Option<loep_app::types::Partner>); 3] = [
    ("bench-beheerder", Rol::Beheerder, None),
    ("bench-fg", Rol::FunctionarisGegevensbescherming, None),
    ("bench-analist", Rol::Analist, None),
];
const BENCH_PASSWORD: &str = "bench-wachtwoord-gegenereerd-2026";

/// Creates and approves a benchmark project in `dir`.
fn bench_project(dir: &std::path::Path) -> Result<()> {
    Ok(loep_app::project::create_with_team(
        dir,
        loep_app::project::demo_config("Benchmark"),
        &BENCH_TEAM,
        BENCH_PASSWORD,
        "DPIA-BENCH",
    )?)
}

fn bench_login(dir: &std::path::Path, naam: &str) -> Result<loep_app::Session> {
    Ok(loep_app::session::login(
        dir,
        Mode::Write,
        naam,
        BENCH_PASSWORD,
    )?)
}

/// Generates `persons`, makes the benchmark project in `work/project`, loads and links the
/// delivery.
fn setup(work: &std::path::Path, persons: u64, seed: u64) -> Result<PathBuf> {
    let project_dir = work.join("project");
    let t = Instant::now();
    let options = crate::synth_options(persons, seed, "2026-06-30", "0392", 0.0)?;
    loep_synth::write_municipality(work, &options)?;
    println!(
        "bench: generated {persons} persons in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    bench_project(&project_dir)?;
    let (_, took) = loep_app::intake::load(
        &mut bench_login(&project_dir, "bench-beheerder")?,
        &work.join("levering"),
        &loep_app::intake::NoProgress,
    )
    .map_err(|r| r.error)?;
    println!("intake in {:.1} s", took.intake_s);
    println!("linkage in {:.1} s", took.linkage_s);
    Ok(project_dir)
}

pub fn run(cmd: BenchCommand) -> Result<ExitCode> {
    match cmd {
        BenchCommand::Web {
            persons,
            zaken,
            clients,
            requests,
            dir,
            seed,
        } => {
            if clients == 0 || requests < clients {
                anyhow::bail!("--clients must be at least 1 and --requests at least --clients");
            }
            let (work, _tmp) = work_dir(dir)?;
            let project_dir = work.join("project");
            if !project_dir.exists() {
                setup(&work, persons, seed)?;
                let t = Instant::now();
                let report = loep_app::scan::run(
                    &mut bench_login(&project_dir, "bench-analist")?,
                    loep_app::scan::DEFAULT_MEMORY_LIMIT,
                    &loep_app::scan::NoScanProgress,
                )?;
                println!(
                    "scan: {} signals on {} addresses in {:.1} s",
                    report.signalen,
                    report.adressen,
                    t.elapsed().as_secs_f64()
                );
            }
            let ids = crate::bench_web::ensure_cases(
                &mut bench_login(&project_dir, "bench-analist")?,
                zaken,
            )?;
            crate::bench_web::measure(
                &project_dir,
                "bench-analist",
                BENCH_PASSWORD,
                &ids,
                clients,
                requests,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::Scan {
            persons,
            dir,
            seed,
            memory_limit,
            reuse,
        } => {
            let (work, _tmp) = work_dir(dir)?;
            let project_dir = work.join("project");
            if reuse {
                if !project_dir.exists() {
                    anyhow::bail!(
                        "--reuse: {} holds no project; run the bench without --reuse first",
                        project_dir.display()
                    );
                }
            } else {
                if project_dir.exists() {
                    anyhow::bail!(
                        "{} exists; give an empty --dir (or --reuse to scan it again)",
                        project_dir.display()
                    );
                }
                setup(&work, persons, seed)?;
            }
            let mut analist = bench_login(&project_dir, "bench-analist")?;
            let before = peak_memory();
            let t = Instant::now();
            let timings = IndicatorTimes::default();
            let report = loep_app::scan::run(&mut analist, memory_limit, &timings)?;
            let secs = t.elapsed().as_secs_f64();
            crate::scan_cmd::print_scan(&report, secs);
            timings.print();
            println!(
                "scan: {} indicators, {} signals, {} addresses in {secs:.2} s; peak memory (whole process) {:.0} MiB (before the scan {:.0} MiB)",
                report.indicatoren.len(),
                report.signalen,
                report.adressen,
                peak_memory() as f64 / (1024.0 * 1024.0),
                before as f64 / (1024.0 * 1024.0)
            );
            let (_, q) =
                loep_app::scan::evaluate(&analist, &work.join("truth"), Some(&report.run_id))?;
            println!(
                "  {:<27} {:>7} {:>9} {:>7} {:>16}",
                "thema", "gepland", "precision", "recall", "look-alikes hit"
            );
            for t in q.themas.iter().chain(std::iter::once(&q.verwonderadressen)) {
                println!(
                    "  {:<27} {:>7} {:>9.3} {:>7.3} {:>9} of {:<5}",
                    t.thema, t.gepland, t.precision, t.recall, t.lokvogels_gemarkeerd, t.lokvogels
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::BagGpkg { objects, dir } => {
            let (work, _tmp) = work_dir(dir)?;
            let b = loep_app::intake::bench_bag_gpkg(&work, objects)?;
            println!(
                "BAG GeoPackage: {} objects, {:.0} MB, written in {:.1} s",
                b.objects,
                b.bytes as f64 / 1e6,
                b.write_s
            );
            println!(
                "converted (streamed, point in buurt): {:.1} s, {:.0} objects/s; {} in the gemeente written, {} outside it",
                b.convert_s,
                b.objects as f64 / b.convert_s.max(1e-9),
                b.written,
                b.outside
            );
            println!(
                "peak memory of this process: {:.0} MB",
                peak_memory() as f64 / 1e6
            );
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::Link { records, dir, seed } => {
            let (work, _tmp) = work_dir(dir)?;
            let stamp = work.join("bench-link.txt");
            let wanted = format!("records {records} seed {seed}");
            if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
                let t = Instant::now();
                let files = loep_synth::write_person_files(&work, records, seed)?;
                std::fs::write(&stamp, &wanted)?;
                println!(
                    "generated 2 × {} records ({} true pairs) in {:.1} s, in {}",
                    files.records,
                    files.true_pairs,
                    t.elapsed().as_secs_f64(),
                    work.display()
                );
            }
            let settings = work.join("personen.toml");
            std::fs::write(&settings, PERSONEN_SETTINGS)?;
            let exe = std::env::current_exe().context("cannot find the loep executable")?;
            let t = Instant::now();
            let status = std::process::Command::new(exe)
                .arg("link")
                .arg("--settings")
                .arg(&settings)
                .arg("--left")
                .arg(work.join("a.csv"))
                .arg("--right")
                .arg(work.join("b.csv"))
                .arg("--truth")
                .arg(work.join("truth.csv"))
                .arg("--out")
                .arg(work.join("pairs.csv"))
                .status()
                .context("cannot run loep link")?;
            println!(
                "loep link took {:.2} s wall-clock as a process",
                t.elapsed().as_secs_f64()
            );
            Ok(if status.success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        BenchCommand::Synth { persons, dir, seed } => {
            let (work, _tmp) = work_dir(dir)?;
            let options = crate::synth_options(persons, seed, "2026-06-30", "0392", 0.0)?;
            let t = Instant::now();
            let summary = loep_synth::write_municipality(&work, &options)?;
            let secs = t.elapsed().as_secs_f64();
            let rows: u64 = summary.tables.iter().map(|(_, n)| n).sum();
            let bytes = dir_size(&work.join("levering"));
            println!(
                "synth: {} persons, {rows} rows ({:.0} MB) in {secs:.1} s = {:.0} rows/s",
                summary.persons,
                bytes as f64 / 1e6,
                rows as f64 / secs
            );
            println!(
                "peak memory (whole process): {:.0} MiB",
                peak_memory() as f64 / (1024.0 * 1024.0)
            );
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::Intake {
            persons,
            dir,
            seed,
            generator,
        } => {
            let (work, _tmp) = work_dir(dir)?;
            let levering = work.join("levering");
            let project_dir = work.join("project");
            if project_dir.exists() {
                anyhow::bail!("{} exists; give an empty --dir", project_dir.display());
            }
            println!(
                "bench intake: {persons} persons, seed {seed}, in {}",
                work.display()
            );
            let t = Instant::now();
            let rows = match generator {
                Generator::Bulk => {
                    loep_synth::write_bulk_delivery(&levering, persons, seed, 392)?.total()
                }
                Generator::Synth => {
                    let options = crate::synth_options(persons, seed, "2026-06-30", "0392", 0.0)?;
                    let summary = loep_synth::write_municipality(&work, &options)?;
                    summary.tables.iter().map(|(_, n)| n).sum()
                }
            };
            let gen_secs = t.elapsed().as_secs_f64();
            let bytes = dir_size(&levering);
            println!(
                "generated {rows} rows ({:.0} MB) in {gen_secs:.1} s",
                bytes as f64 / 1e6
            );
            bench_project(&project_dir)?;
            let mut beheerder = bench_login(&project_dir, "bench-beheerder")?;
            let (report, took) =
                loep_app::intake::load(&mut beheerder, &levering, &loep_app::intake::NoProgress)
                    .map_err(|r| r.error)?;
            let secs = took.intake_s;
            let read: u64 = report.tabellen.iter().map(|t| t.rijen_gelezen).sum();
            let loaded: u64 = report.tabellen.iter().map(|t| t.rijen_geladen).sum();
            println!("{:<24} {:>12} {:>12}", "table", "rows read", "rows loaded");
            for t in &report.tabellen {
                println!(
                    "{:<24} {:>12} {:>12}",
                    t.tabel, t.rijen_gelezen, t.rijen_geladen
                );
            }
            println!(
                "intake: {read} rows in {secs:.2} s = {:.0} rows/s ({:.0} MB/s); loaded {loaded}; rejected {}",
                read as f64 / secs,
                bytes as f64 / 1e6 / secs,
                report.afwijzingen_totaal
            );
            println!(
                "peak memory (whole process): {:.0} MiB",
                peak_memory() as f64 / (1024.0 * 1024.0)
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// When each indicator of a scan started, to print how long each took (the last one's time
/// includes storing the run).
#[derive(Default)]
struct IndicatorTimes(std::sync::Mutex<Vec<(String, Instant)>>);

impl loep_app::scan::ScanProgress for IndicatorTimes {
    fn indicator(&self, _done: usize, _total: usize, code: &str) {
        if let Ok(mut v) = self.0.lock() {
            v.push((code.to_string(), Instant::now()));
        }
    }
}

impl IndicatorTimes {
    fn print(&self) {
        let Ok(v) = self.0.lock() else { return };
        let end = Instant::now();
        let mut times: Vec<(&str, f64)> = v
            .iter()
            .enumerate()
            .map(|(i, (code, start))| {
                let until = v.get(i + 1).map_or(end, |next| next.1);
                (code.as_str(), until.duration_since(*start).as_secs_f64())
            })
            .collect();
        times.sort_by(|a, b| b.1.total_cmp(&a.1));
        let line: Vec<String> = times.iter().map(|(c, s)| format!("{c} {s:.1} s")).collect();
        println!("time per indicator (slowest first): {}", line.join(", "));
    }
}
