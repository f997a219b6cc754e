//! `loep bench`: commands that measure and print figures for BENCHMARKS.md.

use anyhow::{Context, Result};
use clap::Subcommand;
use loep_app::Mode;
use loep_app::types::Rol;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

// The doc comments of the clap types in this module are the user's help text (Dutch).
#[derive(Subcommand)]
pub enum BenchCommand {
    /// Genereer een levering met elke tabel voor N personen, laad die in een nieuw project, en
    /// toon rijen per seconde en het piekgeheugen.
    Intake {
        /// Personen in de gegenereerde levering.
        #[arg(long, default_value_t = 1_000_000)]
        persons: u64,
        /// Werkmap (standaard: een tijdelijke map, die daarna wordt verwijderd).
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Wat de levering genereert: de synthetische gemeente, of gelijkmatige rijen in bulk.
        #[arg(long, value_enum, default_value_t = Generator::Synth)]
        generator: Generator,
    },
    /// Genereer een synthetische gemeente van N personen en toon de tijd, rijen per seconde en
    /// het piekgeheugen.
    Synth {
        #[arg(long, default_value_t = 1_000_000)]
        persons: u64,
        /// Uitvoermap (standaard: een tijdelijke map, die daarna wordt verwijderd).
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Genereer een synthetische gemeente van N personen, laad en koppel die in een nieuw
    /// project, en pas dan de indicatorcatalogus toe; toon de tijd van de scan, signalen per
    /// seconde, het piekgeheugen, en de kwaliteit per thema tegen de geplante werkelijkheid.
    Scan {
        #[arg(long, default_value_t = 1_000_000)]
        persons: u64,
        /// Werkmap (standaard: een tijdelijke map, die daarna wordt verwijderd).
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = loep_app::scan::DEFAULT_MEMORY_LIMIT)]
        memory_limit: usize,
        /// Scan het project dat een eerdere keer in --dir achterbleef opnieuw, in dit nieuwe
        /// proces, zodat het getoonde piekgeheugen dat van de scan zelf is.
        #[arg(long)]
        reuse: bool,
    },
    /// De webapplicatie onder belasting: genereer een gemeente van N personen, laad en scan
    /// die en maak zaken (of gebruik het project dat een eerdere keer in --dir achterbleef),
    /// start de webapplicatie op loopback in dit proces, en vraag de pagina's van de wachtrij,
    /// de adressen, de zaken en het overzicht op vanuit --clients gelijktijdige clients, elk
    /// met een eigen sessie; toon per pagina de percentielen van de wachttijd en de doorvoer.
    Web {
        #[arg(long, default_value_t = 1_000_000)]
        persons: u64,
        /// Zaken in het project (hoogstens één per adres met signalen).
        #[arg(long, default_value_t = 10_000)]
        zaken: usize,
        /// Gelijktijdige clients, elk met een eigen ingelogde sessie.
        #[arg(long, default_value_t = 50)]
        clients: usize,
        /// Verzoeken per pagina, verdeeld over de clients.
        #[arg(long, default_value_t = 2_000)]
        requests: usize,
        /// Werkmap (standaard: een tijdelijke map, die daarna wordt verwijderd); een project
        /// dat een eerdere keer hier achterbleef, wordt opnieuw gebruikt.
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Schrijf een BAG-GeoPackage volgens het schema van PDOK met N objecten over het hele
    /// land (ongeveer 1% in één gemeente van 100 buurten) en zet het om zoals de intake dat
    /// doet, als stroom: toon de tijd, objecten per seconde en het piekgeheugen. Het bestand
    /// blijft in --dir staan voor een tweede keer.
    BagGpkg {
        /// Objecten in de laag (de landelijke BAG heeft er ongeveer 9 tot 10 miljoen).
        #[arg(long, default_value_t = 9_000_000)]
        objects: u64,
        /// Waar het bestand komt (standaard: een tijdelijke map, die daarna wordt verwijderd).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Genereer twee bestanden van elk N persoonsgegevens in Nederlandse stijl (80% dezelfde
    /// personen, typefouten, verhuisde adressen, ontbrekende BSN's), koppel ze dan met
    /// `loep link` als apart proces met `docs/linkage/personen.toml`, en toon de cijfers.
    Link {
        /// Rijen per bestand.
        #[arg(long, default_value_t = 1_000_000)]
        records: u64,
        /// Waar de bestanden komen (standaard: een tijdelijke map, die daarna wordt
        /// verwijderd); een bestaande `a.csv`, `b.csv` en `truth.csv` van dezelfde grootte en
        /// startwaarde worden opnieuw gebruikt.
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
    /// De gemeente van `loep synth`: huishoudens, geplante gevallen, elke tabel.
    Synth,
    /// Gelijkmatige geldige rijen van elke tabel in vaste verhoudingen.
    Bulk,
}

fn work_dir(dir: Option<PathBuf>) -> Result<(PathBuf, Option<tempfile::TempDir>)> {
    Ok(match dir {
        Some(d) => (d, None),
        None => {
            let tmp = tempfile::tempdir().context("kan geen tijdelijke map maken")?;
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
        "bench: {persons} personen gegenereerd in {:.1} s",
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
    println!("koppeling in {:.1} s", took.linkage_s);
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
        } => web(dir, persons, seed, zaken, clients, requests),
        BenchCommand::Scan {
            persons,
            dir,
            seed,
            memory_limit,
            reuse,
        } => scan(dir, persons, seed, memory_limit, reuse),
        BenchCommand::BagGpkg { objects, dir } => bag_gpkg(dir, objects),
        BenchCommand::Link { records, dir, seed } => link(dir, records, seed),
        BenchCommand::Synth { persons, dir, seed } => synth(dir, persons, seed),
        BenchCommand::Intake {
            persons,
            dir,
            seed,
            generator,
        } => intake(dir, persons, seed, generator),
    }
}

/// `loep bench web`: serves a scanned project (set up once in `dir`) and drives it with
/// concurrent clients.
fn web(
    dir: Option<PathBuf>,
    persons: u64,
    seed: u64,
    zaken: usize,
    clients: usize,
    requests: usize,
) -> Result<ExitCode> {
    if clients == 0 || requests < clients {
        anyhow::bail!("--clients moet minstens 1 zijn en --requests minstens --clients");
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
            "scan: {} signalen op {} adressen in {:.1} s",
            report.signalen,
            report.adressen,
            t.elapsed().as_secs_f64()
        );
    }
    let ids =
        crate::bench_web::ensure_cases(&mut bench_login(&project_dir, "bench-analist")?, zaken)?;
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

/// `loep bench scan`: scans a generated municipality (or, with `reuse`, the one scanned
/// before), with the time per indicator and the quality against the planted cases.
fn scan(
    dir: Option<PathBuf>,
    persons: u64,
    seed: u64,
    memory_limit: usize,
    reuse: bool,
) -> Result<ExitCode> {
    let (work, _tmp) = work_dir(dir)?;
    let project_dir = work.join("project");
    if reuse {
        if !project_dir.exists() {
            anyhow::bail!(
                "--reuse: {} bevat geen project; draai de benchmark eerst zonder --reuse",
                project_dir.display()
            );
        }
    } else {
        if project_dir.exists() {
            anyhow::bail!(
                "{} bestaat al; geef een lege --dir (of --reuse om het opnieuw te scannen)",
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
        "scan: {} indicatoren, {} signalen, {} adressen in {secs:.2} s; piekgeheugen (hele proces) {:.0} MiB (vóór de scan {:.0} MiB)",
        report.indicatoren.len(),
        report.signalen,
        report.adressen,
        peak_memory() as f64 / (1024.0 * 1024.0),
        before as f64 / (1024.0 * 1024.0)
    );
    let (_, q) = loep_app::scan::evaluate(&analist, &work.join("truth"), Some(&report.run_id))?;
    println!(
        "  {:<27} {:>7} {:>9} {:>7} {:>16}",
        "thema", "gepland", "precisie", "recall", "lijkt-erops geraakt"
    );
    for t in q.themas.iter().chain(std::iter::once(&q.verwonderadressen)) {
        println!(
            "  {:<27} {:>7} {:>9.3} {:>7.3} {:>9} van {:<5}",
            t.thema, t.gepland, t.precision, t.recall, t.lokvogels_gemarkeerd, t.lokvogels
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `loep bench bag-gpkg`: writes a BAG GeoPackage of `objects` objects and converts it.
fn bag_gpkg(dir: Option<PathBuf>, objects: u64) -> Result<ExitCode> {
    let (work, _tmp) = work_dir(dir)?;
    let b = loep_app::intake::bench_bag_gpkg(&work, objects)?;
    println!(
        "BAG-GeoPackage: {} objecten, {:.0} MB, geschreven in {:.1} s",
        b.objects,
        b.bytes as f64 / 1e6,
        b.write_s
    );
    println!(
        "omgezet (als stroom, punt in buurt): {:.1} s, {:.0} objecten/s; {} in de gemeente geschreven, {} erbuiten",
        b.convert_s,
        b.objects as f64 / b.convert_s.max(1e-9),
        b.written,
        b.outside
    );
    println!(
        "piekgeheugen van dit proces: {:.0} MB",
        peak_memory() as f64 / 1e6
    );
    Ok(ExitCode::SUCCESS)
}

/// `loep bench link`: links two generated files of persons with `loep link`, as a process
/// of its own.
fn link(dir: Option<PathBuf>, records: u64, seed: u64) -> Result<ExitCode> {
    let (work, _tmp) = work_dir(dir)?;
    let stamp = work.join("bench-link.txt");
    let wanted = format!("records {records} seed {seed}");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        let t = Instant::now();
        let files = loep_synth::write_person_files(&work, records, seed)?;
        std::fs::write(&stamp, &wanted)?;
        println!(
            "2 × {} rijen gegenereerd ({} echte paren) in {:.1} s, in {}",
            files.records,
            files.true_pairs,
            t.elapsed().as_secs_f64(),
            work.display()
        );
    }
    let settings = work.join("personen.toml");
    std::fs::write(&settings, PERSONEN_SETTINGS)?;
    let exe = std::env::current_exe().context("kan het programma loep niet vinden")?;
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
        .context("kan loep link niet starten")?;
    println!(
        "loep link duurde {:.2} s (wandklok) als apart proces",
        t.elapsed().as_secs_f64()
    );
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `loep bench synth`: how fast a municipality is generated.
fn synth(dir: Option<PathBuf>, persons: u64, seed: u64) -> Result<ExitCode> {
    let (work, _tmp) = work_dir(dir)?;
    let options = crate::synth_options(persons, seed, "2026-06-30", "0392", 0.0)?;
    let t = Instant::now();
    let summary = loep_synth::write_municipality(&work, &options)?;
    let secs = t.elapsed().as_secs_f64();
    let rows: u64 = summary.tables.iter().map(|(_, n)| n).sum();
    let bytes = dir_size(&work.join("levering"));
    println!(
        "synth: {} personen, {rows} rijen ({:.0} MB) in {secs:.1} s = {:.0} rijen/s",
        summary.persons,
        bytes as f64 / 1e6,
        rows as f64 / secs
    );
    println!(
        "piekgeheugen (hele proces): {:.0} MiB",
        peak_memory() as f64 / (1024.0 * 1024.0)
    );
    Ok(ExitCode::SUCCESS)
}

/// `loep bench intake`: how fast a generated delivery is loaded.
fn intake(dir: Option<PathBuf>, persons: u64, seed: u64, generator: Generator) -> Result<ExitCode> {
    let (work, _tmp) = work_dir(dir)?;
    let levering = work.join("levering");
    let project_dir = work.join("project");
    if project_dir.exists() {
        anyhow::bail!("{} bestaat al; geef een lege --dir", project_dir.display());
    }
    println!(
        "bench intake: {persons} personen, startwaarde {seed}, in {}",
        work.display()
    );
    let t = Instant::now();
    let rows = match generator {
        Generator::Bulk => loep_synth::write_bulk_delivery(&levering, persons, seed, 392)?.total(),
        Generator::Synth => {
            let options = crate::synth_options(persons, seed, "2026-06-30", "0392", 0.0)?;
            let summary = loep_synth::write_municipality(&work, &options)?;
            summary.tables.iter().map(|(_, n)| n).sum()
        }
    };
    let gen_secs = t.elapsed().as_secs_f64();
    let bytes = dir_size(&levering);
    println!(
        "{rows} rijen gegenereerd ({:.0} MB) in {gen_secs:.1} s",
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
    println!(
        "{:<24} {:>12} {:>12}",
        "tabel", "rijen gelezen", "rijen geladen"
    );
    for t in &report.tabellen {
        println!(
            "{:<24} {:>12} {:>12}",
            t.tabel, t.rijen_gelezen, t.rijen_geladen
        );
    }
    println!(
        "intake: {read} rijen in {secs:.2} s = {:.0} rijen/s ({:.0} MB/s); geladen {loaded}; afgewezen {}",
        read as f64 / secs,
        bytes as f64 / 1e6 / secs,
        report.afwijzingen_totaal
    );
    println!(
        "piekgeheugen (hele proces): {:.0} MiB",
        peak_memory() as f64 / (1024.0 * 1024.0)
    );
    Ok(ExitCode::SUCCESS)
}

/// When each indicator of a scan started, to print how long each took (the last one's time
/// includes storing the run).
/// The derived layer's building blocks are computed before the first indicator starts, each
/// with its own time.
#[derive(Default)]
struct IndicatorTimes(
    std::sync::Mutex<Vec<(String, Instant)>>,
    std::sync::Mutex<Vec<(String, f64)>>,
    /// When the last indicator was done.
    std::sync::Mutex<Option<Instant>>,
);

impl loep_app::scan::ScanProgress for IndicatorTimes {
    fn indicator(&self, _done: usize, _total: usize, code: &str) {
        if let Ok(mut v) = self.0.lock() {
            v.push((code.to_string(), Instant::now()));
        }
    }
    fn bouwsteen(&self, naam: &str, seconds: f64) {
        if let Ok(mut v) = self.1.lock() {
            v.push((naam.to_string(), seconds));
        }
    }
    fn klaar(&self) {
        if let Ok(mut k) = self.2.lock() {
            *k = Some(Instant::now());
        }
    }
}

impl IndicatorTimes {
    fn print(&self) {
        let Ok(v) = self.0.lock() else { return };
        let now = Instant::now();
        let end = self.2.lock().ok().and_then(|k| *k).unwrap_or(now);
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
        println!("tijd per indicator (traagste eerst): {}", line.join(", "));
        if let Ok(blocks) = self.1.lock()
            && !blocks.is_empty()
        {
            let line: Vec<String> = blocks
                .iter()
                .map(|(n, s)| format!("{n} {s:.1} s"))
                .collect();
            println!(
                "tijd per afgeleide bouwsteen (vooraf, eenmaal): {}",
                line.join(", ")
            );
        }
        println!(
            "daarna (signalen ordenen en opslaan, certificaat, verwerkingslog): {:.1} s",
            now.duration_since(end).as_secs_f64()
        );
    }
}
