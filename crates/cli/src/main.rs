//! `loep`: the command line. The only crate that knows the terminal.

mod access;
mod accountability;
mod bench;
mod bench_web;
mod demo;
mod demo_rapporten;
mod demo_zaken;
mod link;
mod output;
mod scan_cmd;
mod zaak_cmd;

use anyhow::Result;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use loep_app::Mode;
use loep_app::types::Bewaartermijnen;
use std::path::PathBuf;
use std::process::ExitCode;

/// The form `loep synth` writes its delivery in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Formaat {
    /// Every table as the contract's CSV.
    Contract,
    /// BAG, CBS buurtkaart and BRP as their publishers ship them.
    Echt,
}

/// Intake moves tens of millions of small values between threads; mimalloc handles that
/// allocation pattern far better than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "loep",
    version,
    about = "loep: put partner data side by side, lawfully, inside an approved project",
    long_about = "loep lets an interventieteam put the data of a municipality and national agencies side by side, \
neighbourhood by neighbourhood, inside an approved project: deliveries are checked against the data contract, \
persons are pseudonymised at the boundary, and every processing is logged in a tamper-evident log.\n\n\
A project runs: loep init (creates the first beheerder account) -> loep user add (the other roles) -> loep approve \
(privacy officer) -> loep intake (per delivery) -> loep scan (analist) -> loep reveal (four eyes) -> loep retention / \
loep inzage / loep log export / loep register export. Every command on a project runs as one of its accounts."
)]
struct Cli {
    /// The project account to run the command as (default: LOEP_GEBRUIKER). The password comes
    /// from LOEP_WACHTWOORD or is asked on the terminal.
    #[arg(long, global = true)]
    gebruiker: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a project directory: loep.toml, the stores, the identity vault, a fresh key, and
    /// the first account, a beheerder named by --gebruiker (password from LOEP_WACHTWOORD or asked).
    Init {
        /// The new project directory (must not exist or be empty).
        dir: PathBuf,
        /// The project's name.
        #[arg(long)]
        naam: String,
        /// The area as CBS codes, comma-separated: GM0392 (gemeente), WK039201 (wijk), BU03920101 (buurt).
        #[arg(long, value_delimiter = ',', required = true)]
        gebied: Vec<String>,
        /// The purpose of the project, in a sentence or more.
        #[arg(long)]
        doel: String,
        /// The legal basis (e.g. "Wet SUWI art. 64; convenant LSI").
        #[arg(long)]
        grondslag: String,
        /// First day of the project (YYYY-MM-DD).
        #[arg(long)]
        van: String,
        /// Last day of the project (YYYY-MM-DD).
        #[arg(long)]
        tot: String,
        /// Participating partners, comma-separated (default: all partners of the contract).
        #[arg(long, value_delimiter = ',')]
        partners: Vec<String>,
        /// Days after the project's end within which identities of persons without a signal are destroyed (max 28).
        #[arg(long, default_value_t = 28)]
        identiteiten_na_einde_dagen: u32,
        /// Days after which signals not taken into a case are destroyed.
        #[arg(long, default_value_t = 28)]
        signalen_dagen: u32,
        /// Years cases are kept.
        #[arg(long, default_value_t = 2)]
        zaken_jaren: u32,
        /// The catalogue's indicators the project may run (codes, comma-separated; default:
        /// every indicator whose partners take part).
        #[arg(long, value_delimiter = ',')]
        indicatoren: Vec<String>,
        /// The full name of the organisation with the lead, as published (e.g. "Gemeente
        /// Haarlem"); the Algoritmeregister entry names it.
        #[arg(long)]
        organisatienaam: Option<String>,
        /// Where residents ask about the project: an e-mail address or an https:// page (the
        /// Algoritmeregister's contactgegevens, and the access reports).
        #[arg(long)]
        contact: Option<String>,
        /// The organisation's privacy statement (an https:// page), linked from the public
        /// report form.
        #[arg(long)]
        privacyverklaring: Option<String>,
        /// The postal address letters to residents give as sender (e.g. "Postbus 511, 2003 PB
        /// Haarlem").
        #[arg(long)]
        postadres: Option<String>,
        /// The name of the privacy officer who signs the access letters.
        #[arg(long)]
        functionaris: Option<String>,
    },
    /// Record the privacy officer's approval of the project (required before any intake); run
    /// as the functionaris gegevensbescherming's account.
    Approve {
        dir: PathBuf,
        /// Reference of the DPIA that supports the approval.
        #[arg(long)]
        dpia: String,
    },
    /// Load a partner delivery (a directory of <table>.csv / <table>.parquet and an optional levering.toml).
    ///
    /// Exit status 0 when the delivery loaded (also with rejected rows, which go to the rejects
    /// report), 1 when it was refused or failed (then nothing of it was loaded).
    Intake {
        dir: PathBuf,
        /// The delivery: a directory of <table>.csv / <table>.parquet files (or the BAG and
        /// CBS buurtkaart as GeoPackages, the BRP as Haal Centraal answers).
        levering: PathBuf,
        /// Print the intake report as JSON.
        #[arg(long)]
        json: bool,
        /// A dry run: read and check the delivery and say per table what it would change
        /// against the project's current data (new, changed, removed, rejected, carried
        /// over), without loading anything.
        #[arg(long)]
        proef: bool,
    },
    /// Serve the web application for the project: Dutch pages for every account of the
    /// project, who log in in the browser (the dashboard, the signals, the public catalogue).
    Serve {
        /// The project directory.
        dir: PathBuf,
        /// Where to listen (address:port); port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
    },
    /// Show the project, its approval, its deliveries and snapshots, rows per table.
    Status {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// The processing log.
    Log {
        #[command(subcommand)]
        command: LogCommand,
    },
    /// Generate a synthetic municipality: a delivery of every contract table with planted
    /// cases of all twelve themes, honest look-alikes, and the ground truth.
    ///
    /// Writes OUT/levering/ (load it with `loep intake`) and OUT/truth/ (adressen.csv,
    /// personen.csv, links.csv, adres_links.csv, dirty.csv). The same seed gives the same bytes.
    Synth {
        /// Persons in the municipality.
        #[arg(long)]
        persons: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output directory (created; must not hold an earlier levering/).
        #[arg(long)]
        out: PathBuf,
        /// Reference date of the extract (YYYY-MM-DD).
        #[arg(long, default_value = "2026-06-30")]
        peildatum: String,
        /// CBS gemeentecode of the municipality (4 digits).
        #[arg(long, default_value = "0392")]
        gemeentecode: String,
        /// Fraction of rows (0-1) that get one invalid value, listed in truth/dirty.csv
        /// (with `--formaat echt` only in the partners' own tables: the published registers
        /// are validated).
        #[arg(long, default_value_t = 0.0)]
        dirty: f64,
        /// `contract`: every table as the contract's CSV. `echt`: the CBS buurtkaart and the
        /// BAG as GeoPackages and the BRP as Haal Centraal BRP Personen answers (JSON), as
        /// their publishers ship them; the other tables as CSV.
        #[arg(long, value_enum, default_value_t = Formaat::Contract)]
        formaat: Formaat,
        #[arg(long)]
        json: bool,
    },
    /// Link or deduplicate records of any CSV with the Fellegi-Sunter engine (settings in TOML).
    ///
    /// One input deduplicates, two inputs link one-to-one. Writes PAIRS.csv with left_id,
    /// right_id, match_weight, match_probability; with --truth (a CSV of true pairs) or a
    /// true_id_column in the settings it prints precision, recall and F1. See docs/linkage.md.
    Link {
        /// The linkage settings (TOML): columns, comparisons, blocking rules.
        #[arg(long)]
        settings: PathBuf,
        /// The (left) CSV file of records.
        #[arg(long)]
        left: PathBuf,
        /// The right CSV file to link to (without it, --left is deduplicated).
        #[arg(long)]
        right: Option<PathBuf>,
        /// Where the pairs go (CSV).
        #[arg(long)]
        out: PathBuf,
        /// A CSV of true pairs (left_id,right_id).
        #[arg(long)]
        truth: Option<PathBuf>,
        /// Show why two records match: LEFT_ID,RIGHT_ID.
        #[arg(long)]
        explain: Option<String>,
    },
    /// The published indicator catalogue: every indicator with its theme and partners.
    Catalogue {
        #[command(subcommand)]
        command: Option<scan_cmd::CatalogueCommand>,
        #[arg(long)]
        json: bool,
    },
    /// Run the project's indicators on its current snapshots and links, and store the run.
    Scan {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
        /// Memory DataFusion may hold before it spills to disk (bytes).
        #[arg(long, default_value_t = loep_app::scan::DEFAULT_MEMORY_LIMIT)]
        memory_limit: usize,
    },
    /// A scan run's certificate: what it read, ran and found, sealed and named in the log;
    /// and its verification by computing the run again.
    Run {
        #[command(subcommand)]
        command: RunCommand,
    },
    /// The signals of a scan run (the newest by default), per address, with explanations.
    Signals {
        dir: PathBuf,
        #[arg(long)]
        run: Option<String>,
        /// How to write the signals (see the values below).
        #[arg(long, value_enum, default_value_t = scan_cmd::Format::Table)]
        format: scan_cmd::Format,
        /// Write to this file instead of standard output (needed for xlsx and parquet).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Precision, recall and F1 per theme of a scan run against a ground truth (truth/adressen.csv).
    Evaluate {
        dir: PathBuf,
        /// The truth directory of `loep synth` (holds adressen.csv).
        #[arg(long)]
        truth: PathBuf,
        #[arg(long)]
        run: Option<String>,
        #[arg(long)]
        json: bool,
        /// Write kwaliteit.svg (a chart with the targets) and kwaliteit.json into this directory.
        #[arg(long, conflicts_with = "json")]
        out: Option<PathBuf>,
    },
    /// Who a scan run flags, per buurt, age band and sex, against who lives in the area.
    Fairness {
        dir: PathBuf,
        #[arg(long)]
        run: Option<String>,
        #[arg(long)]
        json: bool,
        /// Write eerlijkheid.svg (a chart), eerlijkheid.json and eerlijkheid.html (the chart
        /// with a reading guide in Dutch) into this directory.
        #[arg(long, conflicts_with = "json")]
        out: Option<PathBuf>,
    },
    /// The project's accounts and their roles.
    User {
        #[command(subcommand)]
        command: accountability::UserCommand,
    },
    /// API keys of partner systems for `/api/v1` (beheerder).
    ApiSleutel {
        #[command(subcommand)]
        command: accountability::ApiSleutelCommand,
    },
    /// Four-eyes de-pseudonymisation: request (analist), approve or refuse (sleutelhouder), show.
    Reveal {
        #[command(subcommand)]
        command: accountability::RevealCommand,
    },
    /// The retention periods of loep.toml (also enforced when any command opens the project).
    Retention {
        #[command(subcommand)]
        command: accountability::RetentionCommand,
    },
    /// A resident's access request: everything the project holds about one person, as a letter
    /// in plain Dutch (HTML and PDF) and as JSON (sleutelhouder or functionaris
    /// gegevensbescherming).
    Inzage {
        dir: PathBuf,
        /// The resident's BSN.
        #[arg(long)]
        bsn: String,
        /// Where the report goes (default: DIR/vault/inzage, inside the vault and under its
        /// retention).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        /// Leave parts out while an investigation runs (article 41 UAVG; privacy officer
        /// only): signalen, zaken (comma-separated). Needs --reden and --tot.
        #[arg(long, value_delimiter = ',', requires_all = ["reden", "tot"])]
        beperk: Vec<String>,
        /// Why the parts are left out: which investigation showing them would harm (logged,
        /// not in the letter).
        #[arg(long, requires = "beperk")]
        reden: Option<String>,
        /// The last day the restriction applies (JJJJ-MM-DD, at most a year ahead).
        #[arg(long, requires = "beperk")]
        tot: Option<String>,
    },
    /// The Algoritmeregister entry of the project.
    Register {
        #[command(subcommand)]
        command: accountability::RegisterCommand,
    },
    /// The case register: from signal to visit to outcome (`loep zaak new|list|show|status|
    /// assign|visit|note|close|reopen|catalogus`).
    Zaak {
        #[command(subcommand)]
        command: zaak_cmd::ZaakCommand,
    },
    /// Hit rates per indicator from the outcomes of closed cases (projectleider, analist, fg).
    Trefkans {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Reports back to the BRP (terugmelding) drawn up by a visit.
    Terugmelding {
        #[command(subcommand)]
        command: zaak_cmd::TerugmeldingCommand,
    },
    /// Benchmarks that print figures (for BENCHMARKS.md).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
    /// Run loep end to end on generated data: create, approve and load a demo project, then
    /// serve it in the browser with an account for every role (stop with Ctrl-C).
    Demo {
        /// Where the demo project and its data go.
        #[arg(long, default_value = "loep-demo")]
        dir: PathBuf,
        /// Persons in the generated municipality (Haarlem, gemeente 0392, has about 160,000).
        #[arg(long, default_value_t = 160_000)]
        persons: u64,
        /// Print the summary and exit instead of serving the web application.
        #[arg(long)]
        no_serve: bool,
        /// Where the web application listens (address:port); when that port is taken, a free
        /// one is used. Port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
    },
}

#[derive(Subcommand)]
enum RunCommand {
    /// Print the run's certificate (the snapshots' hashes, the catalogue and indicator
    /// versions, the parameters, loep's version, the signals per indicator and their digest)
    /// with the checks that need no recomputation; exit status 1 when one fails.
    Certificaat {
        dir: PathBuf,
        run: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Compute the run again from the files its certificate names, with the indicators and
    /// parameters it names, and confirm the same signals; exit status 0 only then.
    Verifieer {
        dir: PathBuf,
        run: Option<String>,
        #[arg(long)]
        json: bool,
        /// Memory DataFusion may hold before it spills to disk (bytes).
        #[arg(long, default_value_t = loep_app::scan::DEFAULT_MEMORY_LIMIT)]
        memory_limit: usize,
    },
}

#[derive(Subcommand)]
enum LogCommand {
    /// Check the keyed hash chain of the processing log, the vault's copy of its head and the
    /// rows that grant access; exit status 1 when anything was changed outside loep. Prints a
    /// signed head to keep: give it to --sinds later to prove the log still holds it.
    Verify {
        dir: PathBuf,
        /// A signed head printed earlier (N:HASH:SIGNATURE): record N must still have that hash.
        #[arg(long)]
        sinds: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Record that the privacy officer looked into an integrity alarm (functionaris
    /// gegevensbescherming); processing resumes from the current head.
    Herstel {
        dir: PathBuf,
        /// What was found and what was done about it (at least 20 characters).
        #[arg(long)]
        reden: String,
    },
    /// Export the processing log for auditors (functionaris gegevensbescherming).
    Export {
        dir: PathBuf,
        /// JSON lines (Logboek Dataverwerkingen) or OTLP/JSON spans.
        #[arg(long, value_enum, default_value_t = accountability::LogFormat::Jsonl)]
        format: accountability::LogFormat,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// What the arguments many commands share are for, said once: `--help` describes every
/// argument (tested), and the same argument reads the same everywhere.
fn shared_description(parent: &str, command: &str, id: &str) -> Option<&'static str> {
    Some(match (parent, id) {
        (_, "dir") => "The project directory (made by `loep init`)",
        (_, "json") => "Print the result as JSON (for scripts) instead of text",
        (_, "run") => "The scan run, by its id as `loep status` lists it (default: the newest run)",
        (_, "seed") => "Seed of the generator: the same seed gives the same data",
        (_, "persons") => "Persons in the generated municipality",
        ("user", "naam") => "The account's name",
        ("reveal", "id") => "The request (O0001), as `loep reveal list` shows it",
        ("zaak" | "visit", "id") => {
            "The case's identificatie (LOEP-2026-000001), as `loep zaak list` shows it, or uuid"
        }
        ("reveal", "toelichting") if command == "approve" => {
            "A note with the decision (kept in the processing log)"
        }
        ("zaak", "toelichting") => "Why, in a sentence (kept with the case's history)",
        ("catalogue", "code") => "The indicator's code, e.g. OVB-01 (in any case)",
        ("visit", "toelichting") => "What the visit found, in a sentence",
        (_, "reden") => "Why, in words another person can check",
        _ => return None,
    })
}

/// The command line: the derived parser with the shared descriptions filled in.
fn command() -> clap::Command {
    fn describe(cmd: clap::Command, parent: &str) -> clap::Command {
        let name = cmd.get_name().to_string();
        cmd.mut_args(|a| {
            if a.get_help().is_some() || a.get_long_help().is_some() {
                return a;
            }
            match shared_description(parent, &name, a.get_id().as_str()) {
                Some(help) => a.help(help),
                None => a,
            }
        })
        .mut_subcommands(|sub| describe(sub, &name))
    }
    describe(Cli::command(), "")
}

/// mimalloc's `mi_option_purge_delay` (mimalloc 2.x option enum; the binding does not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Keep freed memory for reuse instead of returning it to the OS at once: the intake frees
    // and reallocates the same chunk buffers many times a second, and fresh pages cost a page
    // fault and zeroing each.
    // SAFETY: sets a process-wide allocator option; no allocation is in flight that depends on it.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    // Everything loep writes is private to the account it runs as: files 0600, directories
    // 0700 (stores, vault, key, Parquet snapshots, reports with identities).
    // SAFETY: umask only sets the process's file-creation mask.
    unsafe { libc::umask(0o077) };
    // A closed pipe (`loep log export DIR | head`) ends the process quietly, as it does for
    // other Unix tools, instead of a panic on the next write. A transaction in flight then
    // rolls back, so nothing is left half done.
    // SAFETY: restores the default disposition of SIGPIPE before any thread is started.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LOEP_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = match Cli::from_arg_matches(&command().get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("fout: {e:#}");
            exit_code(&e)
        }
    }
}

/// Exit statuses: 1 refused or invalid (what was asked cannot be done; the message says why),
/// 3 the project is busy or its state conflicts (try again later), 4 an internal fault.
fn exit_code(e: &anyhow::Error) -> ExitCode {
    match e.downcast_ref::<loep_app::AppError>().map(|a| a.kind) {
        Some(loep_app::Kind::Conflict) => ExitCode::from(3),
        Some(loep_app::Kind::Internal) => ExitCode::from(4),
        _ => ExitCode::FAILURE,
    }
}

/// Checks `loep synth`'s options as a user typed them.
pub fn synth_options(
    persons: u64,
    seed: u64,
    peildatum: &str,
    gemeentecode: &str,
    dirty: f64,
) -> Result<loep_synth::Options> {
    let peildatum = loep_contract::Datum::parse(peildatum)
        .map_err(|e| anyhow::anyhow!("--peildatum '{peildatum}': {e}"))?;
    let gm = loep_contract::CbsCode::parse_kind(gemeentecode, loep_contract::CbsKind::Gemeente)
        .map_err(|e| anyhow::anyhow!("--gemeentecode '{gemeentecode}': {e}"))?;
    if !(0.0..=1.0).contains(&dirty) {
        anyhow::bail!("--dirty is een fractie van 0 tot en met 1, bijvoorbeeld 0.01");
    }
    if persons == 0 {
        anyhow::bail!("--persons moet minstens 1 zijn");
    }
    Ok(loep_synth::Options {
        persons,
        seed,
        peildatum,
        gemeentecode: gm.digits.parse().unwrap_or(392),
        dirty,
        clean_registers: false,
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    let who = cli.gebruiker.as_deref();
    match cli.command {
        Command::Init {
            dir,
            naam,
            gebied,
            doel,
            grondslag,
            van,
            tot,
            partners,
            identiteiten_na_einde_dagen,
            signalen_dagen,
            zaken_jaren,
            indicatoren,
            organisatienaam,
            contact,
            privacyverklaring,
            postadres,
            functionaris,
        } => {
            let config = loep_app::project::NewProject {
                naam,
                gebied,
                doel,
                grondslag,
                van,
                tot,
                partners,
                bewaartermijnen: Bewaartermijnen {
                    identiteiten_na_einde_dagen,
                    signalen_dagen,
                    zaken_jaren,
                },
                indicatoren,
                publicatie: loep_app::types::Publicatie {
                    organisatie: organisatienaam,
                    contact,
                    privacyverklaring,
                    postadres,
                    functionaris,
                },
            }
            .config()?;
            let beheerder = access::account_name(who)?;
            let pw = access::new_password("LOEP_WACHTWOORD", &beheerder)?;
            loep_app::accounts::check_new(&beheerder, &pw)?;
            let project = loep_app::project::create(&dir, config, &beheerder, &pw)?;
            println!(
                "Project '{}' aangemaakt in {}.",
                project.config.naam,
                dir.display()
            );
            println!(
                "Sleutel: {} (modus 0600; bewaar hem gescheiden van de gegevens).",
                project.layout.key().display()
            );
            println!(
                "Identiteitskluis: {}.",
                project.layout.vault_dir().display()
            );
            println!("Account '{beheerder}' (beheerder) aangemaakt.");
            println!(
                "Volgende stap: voeg de andere accounts toe met `loep user add {} NAAM --rol ROL`; daarna keurt de functionaris gegevensbescherming het project goed met `loep approve {} --dpia REF`.",
                dir.display(),
                dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Approve { dir, dpia } => {
            let mut session = access::open(&dir, Mode::Write, who)?;
            let a = loep_app::project::approve(&mut session, &dpia)?;
            println!(
                "Project '{}' goedgekeurd op {} (DPIA {}).",
                session.config().naam,
                loep_contract::nl::tijdstip(&a.tijdstip),
                a.dpia
            );
            println!(
                "Volgende stap: laad leveringen met `loep intake {} LEVERINGSMAP`.",
                dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Intake {
            dir,
            levering,
            json,
            proef,
        } => {
            let mut session = access::open(&dir, Mode::Write, who)?;
            let progress = output::BarProgress::new();
            let loaded = if proef {
                loep_app::intake::proef(&mut session, &levering, &progress).map(|r| (r, ()))
            } else {
                loep_app::intake::load(&mut session, &levering, &progress).map(|(r, _)| (r, ()))
            };
            progress.clear();
            match loaded {
                Ok((report, _)) => {
                    if json {
                        println!("{}", serde_json::to_string_pretty(&report)?);
                    } else {
                        output::print_intake(&report, &dir);
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(refusal) => {
                    if json {
                        let problems = if refusal.problems.is_empty() {
                            serde_json::json!([{ "melding": refusal.error.to_string() }])
                        } else {
                            serde_json::to_value(&refusal.problems)?
                        };
                        println!(
                            "{}",
                            serde_json::json!({ "geweigerd": true, "problemen": problems })
                        );
                    }
                    Err(refusal.error.into())
                }
            }
        }
        Command::Serve { dir, listen } => {
            // The project must exist and open before anyone is told to browse to it.
            loep_app::project::check_servable(&dir)?;
            loep_web::serve(dir.clone(), listen, |addr| {
                println!(
                    "loep serveert project {} op http://{addr}/ (stoppen: Ctrl-C)",
                    dir.display()
                );
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Status { dir, json } => {
            let session = access::open(&dir, Mode::Read, who)?;
            let status = loep_app::project::status(&session)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                output::print_status(&status);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Log {
            command: LogCommand::Verify { dir, sinds, json },
        } => {
            let session = access::login_to_verify(&dir, who)?;
            let checked = loep_app::log::verify(&session, sinds.as_deref())?;
            let v = &checked.verification;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "records": v.records,
                        "head_hash": v.head_hash,
                        "problems": v.problems,
                        "intact": v.intact(),
                        "signed_head": checked.signed_head,
                        "alarm": checked.alarm,
                    }))?
                );
            }
            if v.intact() && checked.alarm.is_none() {
                if !json {
                    println!(
                        "Verwerkingslog intact: {} regels, kop {}.",
                        v.records, v.head_hash
                    );
                    if let Some(h) = &checked.signed_head {
                        println!(
                            "Ondertekende kop (bewaar hem; `loep log verify --sinds` bewijst later dat het log hem nog bevat):\n  {h}"
                        );
                    }
                }
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("fout: het verwerkingslog is buiten loep gewijzigd:");
                for p in &v.problems {
                    eprintln!("  - {p}");
                }
                if let Some(a) = &checked.alarm {
                    eprintln!(
                        "  Er staat een integriteitsalarm (verwerking wordt geweigerd tot het is afgehandeld):"
                    );
                    for line in a.lines() {
                        eprintln!("    {line}");
                    }
                }
                eprintln!(
                    "Meld dit aan de functionaris gegevensbescherming en laat de bestanden voor onderzoek zoals ze zijn. Na afhandeling: `loep log herstel {} --reden \"…\"`.",
                    dir.display()
                );
                Ok(ExitCode::FAILURE)
            }
        }
        Command::Log {
            command: LogCommand::Herstel { dir, reden },
        } => {
            let naam = access::account_name(who)?;
            let pw = access::password("LOEP_WACHTWOORD", &format!("Wachtwoord van {naam}: "))?;
            let problems = loep_app::log::acknowledge(&dir, &naam, &pw, &reden)?;
            println!(
                "In het verwerkingslog vastgelegd dat het alarm is afgehandeld ({} {}); de verwerking gaat verder vanaf de huidige kop.",
                problems.len(),
                if problems.len() == 1 {
                    "probleem"
                } else {
                    "problemen"
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Synth {
            persons,
            seed,
            out,
            peildatum,
            gemeentecode,
            dirty,
            formaat,
            json,
        } => {
            let mut options = synth_options(persons, seed, &peildatum, &gemeentecode, dirty)?;
            // BAG, buurtkaart and BRP as published are validated registers: with --dirty,
            // only the partners' own exports get invalid values.
            options.clean_registers = formaat == Formaat::Echt;
            if out.join("levering").exists() {
                anyhow::bail!(
                    "{} already holds a levering/; choose an empty --out",
                    out.display()
                );
            }
            let t = std::time::Instant::now();
            let bar = output::spinner(format!("een gemeente van {persons} personen genereren"));
            let summary = loep_synth::write_municipality(&out, &options);
            bar.finish_and_clear();
            let summary = summary?;
            if formaat == Formaat::Echt {
                loep_app::intake::write_as_published(&out.join("levering"), "Haarlem")?;
            }
            if json {
                let v = serde_json::json!({
                    "levering": out.join("levering"),
                    "truth": out.join("truth"),
                    "persons": summary.persons,
                    "objects": summary.dwellings,
                    "tables": summary.tables.iter().map(|(t, n)| serde_json::json!({"tabel": t, "rijen": n})).collect::<Vec<_>>(),
                    "themes": summary.themes.iter().map(|(t, c, d)| serde_json::json!({"thema": t, "gevallen": c, "lokvogels": d})).collect::<Vec<_>>(),
                    "dirty_rows": summary.dirty_rows,
                    "seconds": t.elapsed().as_secs_f64(),
                });
                println!("{}", serde_json::to_string_pretty(&v)?);
                return Ok(ExitCode::SUCCESS);
            }
            output::print_synth(&summary, &out, t.elapsed().as_secs_f64());
            Ok(ExitCode::SUCCESS)
        }
        Command::Link {
            settings,
            left,
            right,
            out,
            truth,
            explain,
        } => link::run(link::LinkArgs {
            settings: &settings,
            left: &left,
            right: right.as_deref(),
            out: &out,
            truth: truth.as_deref(),
            explain: explain.as_deref(),
        }),
        Command::Log {
            command: LogCommand::Export { dir, format, out },
        } => accountability::log_export(&dir, format, out, who),
        Command::User { command } => accountability::user(command, who),
        Command::Reveal { command } => accountability::reveal(command, who),
        Command::ApiSleutel { command } => accountability::api_sleutel(command, who),
        Command::Retention { command } => accountability::retention(command, who),
        Command::Inzage {
            dir,
            bsn,
            out,
            json,
            beperk,
            reden,
            tot,
        } => {
            let beperking = match (beperk.is_empty(), reden, tot) {
                (true, _, _) => None,
                (false, Some(reden), Some(tot)) => Some(loep_app::inzage::Beperking::new(
                    &beperk,
                    &reden,
                    &tot,
                    &loep_app::today(),
                )?),
                _ => anyhow::bail!("--beperk vraagt ook --reden en --tot"),
            };
            accountability::inzage(&dir, &bsn, out, json, beperking.as_ref(), who)
        }
        Command::Register { command } => accountability::register(command, who),
        Command::Zaak { command } => zaak_cmd::zaak(command, who),
        Command::Trefkans { dir, json } => zaak_cmd::trefkans(&dir, json, who),
        Command::Terugmelding { command } => zaak_cmd::terugmelding(command, who),
        Command::Bench { command } => bench::run(command),
        Command::Demo {
            dir,
            persons,
            no_serve,
            listen,
        } => {
            if !demo::run(&dir, persons)? {
                return Ok(ExitCode::FAILURE);
            }
            if no_serve {
                return Ok(ExitCode::SUCCESS);
            }
            demo::serve(&dir, listen)
        }
        Command::Catalogue { command, json } => scan_cmd::catalogue(command, json),
        Command::Scan {
            dir,
            json,
            memory_limit,
        } => {
            let mut session = access::open(&dir, Mode::Write, who)?;
            scan_cmd::scan(&mut session, json, memory_limit)
        }
        Command::Run {
            command: RunCommand::Certificaat { dir, run, json },
        } => {
            let session = access::login_to_verify(&dir, who)?;
            scan_cmd::certificate(&session, run.as_deref(), json)
        }
        Command::Run {
            command:
                RunCommand::Verifieer {
                    dir,
                    run,
                    json,
                    memory_limit,
                },
        } => {
            let session = access::login_to_verify(&dir, who)?;
            scan_cmd::verify(&session, run.as_deref(), json, memory_limit)
        }
        Command::Signals {
            dir,
            run,
            format,
            out,
        } => {
            let session = access::open(&dir, Mode::Read, who)?;
            scan_cmd::signals(&session, run.as_deref(), format, out.as_deref())
        }
        Command::Evaluate {
            dir,
            truth,
            run,
            json,
            out,
        } => {
            let session = access::open(&dir, Mode::Read, who)?;
            scan_cmd::evaluate(&session, &truth, run.as_deref(), json, out.as_deref())
        }
        Command::Fairness {
            dir,
            run,
            json,
            out,
        } => {
            let session = access::open(&dir, Mode::Read, who)?;
            scan_cmd::fairness(&session, run.as_deref(), json, out.as_deref())
        }
    }
}

#[cfg(test)]
mod tests {

    /// Every subcommand, every argument and every option says what it is for in `--help`.
    #[test]
    fn every_argument_has_a_description() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let here = format!("{path} {}", cmd.get_name());
            if cmd.get_about().is_none() && path.contains(' ') {
                missing.push(format!("{here}: the command"));
            }
            for a in cmd.get_arguments() {
                let builtin = matches!(a.get_id().as_str(), "help" | "version");
                if !builtin && a.get_help().is_none() && a.get_long_help().is_none() {
                    missing.push(format!("{here}: {}", a.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &here, missing);
            }
        }
        let cmd = super::command();
        cmd.clone().debug_assert();
        let mut missing = Vec::new();
        walk(&cmd, "", &mut missing);
        assert!(
            missing.is_empty(),
            "arguments without a description in --help:\n{}",
            missing.join("\n")
        );
    }
}
