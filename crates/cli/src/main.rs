//! `loep`: the command line. The only crate that knows the terminal.
//!
//! The doc comments on the clap types below (`Cli`, `Command`, their fields, and the
//! subcommand and value enums in the other modules) are the user's `--help` text, so they are
//! written in Dutch; `cli_nl` puts clap's own words (headings, built-in flags, errors) in
//! Dutch too.

mod access;
mod accountability;
mod bench;
mod bench_web;
mod cli_nl;
mod demo;
mod demo_rapporten;
mod demo_zaken;
mod link;
mod output;
mod scan_cmd;
mod waarde;
mod zaak_cmd;

use anyhow::Result;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use loep_app::Mode;
use loep_app::types::Bewaartermijnen;
use std::path::PathBuf;
use std::process::ExitCode;

/// The form `loep synth` writes its delivery in.
// The variants' doc comments are the values' help text (Dutch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Formaat {
    /// Elke tabel als CSV volgens het contract.
    Contract,
    /// BAG, CBS-buurtkaart en BRP zoals hun uitgevers ze leveren.
    Echt,
}

/// Intake moves tens of millions of small values between threads; mimalloc handles that
/// allocation pattern far better than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// The doc comments from here to `LogCommand` are the user's help text (Dutch).
#[derive(Parser)]
#[command(
    name = "loep",
    version,
    about = "loep: gegevens van partners naast elkaar leggen, rechtmatig, binnen een goedgekeurd project",
    long_about = "Met loep legt een interventieteam de gegevens van een gemeente en landelijke instanties naast elkaar, \
buurt voor buurt, binnen een goedgekeurd project: leveringen worden getoetst aan het gegevenscontract, personen worden \
aan de grens gepseudonimiseerd en elke verwerking komt in een verwerkingslog dat niet ongemerkt te wijzigen is.\n\n\
Zo verloopt een project: `loep init` (maakt het eerste account, een beheerder) -> `loep user add` (de andere rollen) -> \
`loep approve` (functionaris gegevensbescherming) -> `loep intake` (per levering) -> `loep scan` (analist) -> \
`loep reveal` (vier ogen) -> `loep retention` / `loep inzage` / `loep log export` / `loep register export`. \
Elke opdracht op een project werkt als een van de accounts van dat project.",
    after_help = "Meer over een opdracht: `loep help OPDRACHT` of `loep OPDRACHT --help`."
)]
struct Cli {
    /// Het account waarmee de opdracht werkt (standaard: LOEP_GEBRUIKER). Het wachtwoord komt
    /// uit LOEP_WACHTWOORD of wordt in de terminal gevraagd.
    #[arg(long, global = true, value_name = "NAAM")]
    gebruiker: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Maak een projectmap: loep.toml, de opslag, de identiteitskluis, een nieuwe sleutel en
    /// het eerste account, een beheerder met de naam uit --gebruiker (wachtwoord uit
    /// LOEP_WACHTWOORD of gevraagd).
    Init {
        /// De nieuwe projectmap (bestaat nog niet, of is leeg).
        dir: PathBuf,
        /// De naam van het project.
        #[arg(long)]
        naam: String,
        /// Het gebied als CBS-codes, gescheiden door komma's: GM0392 (gemeente), WK039201
        /// (wijk), BU03920101 (buurt).
        #[arg(long, value_delimiter = ',', required = true)]
        gebied: Vec<String>,
        /// Het doel van het project, in een zin of meer.
        #[arg(long)]
        doel: String,
        /// De wettelijke grondslag (bijvoorbeeld "Wet SUWI art. 64; convenant LSI").
        #[arg(long)]
        grondslag: String,
        /// De eerste dag van het project (JJJJ-MM-DD).
        #[arg(long)]
        van: String,
        /// De laatste dag van het project (JJJJ-MM-DD).
        #[arg(long)]
        tot: String,
        /// De deelnemende partners, gescheiden door komma's (standaard: alle partners van het
        /// contract).
        #[arg(long, value_delimiter = ',', value_parser = waarde::partner)]
        partners: Vec<loep_contract::Partner>,
        /// Dagen na het einde van het project waarbinnen de identiteiten van personen zonder
        /// signaal worden vernietigd (hoogstens 28).
        #[arg(long, default_value_t = 28, value_name = "DAGEN")]
        identiteiten_na_einde_dagen: u32,
        /// Dagen waarna signalen die niet in een zaak zijn opgenomen, worden vernietigd.
        #[arg(long, default_value_t = 28, value_name = "DAGEN")]
        signalen_dagen: u32,
        /// Jaren dat zaken worden bewaard.
        #[arg(long, default_value_t = 2, value_name = "JAREN")]
        zaken_jaren: u32,
        /// De indicatoren uit de catalogus die het project mag gebruiken (codes, gescheiden door
        /// komma's; standaard: elke indicator waarvan de partners deelnemen).
        #[arg(long, value_delimiter = ',')]
        indicatoren: Vec<String>,
        /// De volledige naam van de organisatie met de regie, zoals gepubliceerd (bijvoorbeeld
        /// "Gemeente Haarlem"); de registratie in het Algoritmeregister noemt haar.
        #[arg(long)]
        organisatienaam: Option<String>,
        /// Waar bewoners terechtkunnen met vragen over het project: een e-mailadres of een
        /// https://-pagina (de contactgegevens in het Algoritmeregister en in de inzageverslagen).
        #[arg(long)]
        contact: Option<String>,
        /// De privacyverklaring van de organisatie (een https://-pagina), waarnaar het openbare
        /// meldformulier verwijst.
        #[arg(long)]
        privacyverklaring: Option<String>,
        /// Het postadres dat brieven aan bewoners als afzender noemen (bijvoorbeeld "Postbus
        /// 511, 2003 PB Haarlem").
        #[arg(long)]
        postadres: Option<String>,
        /// De naam van de functionaris gegevensbescherming die de inzagebrieven ondertekent.
        #[arg(long)]
        functionaris: Option<String>,
    },
    /// Leg de goedkeuring van het project door de functionaris gegevensbescherming vast (nodig
    /// vóór elke levering); uit te voeren met het account van de functionaris
    /// gegevensbescherming.
    Approve {
        dir: PathBuf,
        /// Het kenmerk van de DPIA waarop de goedkeuring steunt.
        #[arg(long)]
        dpia: String,
    },
    /// Laad een levering van een partner (een map met <tabel>.csv / <tabel>.parquet en
    /// eventueel levering.toml).
    ///
    /// Afsluitstatus 0 als de levering is geladen (ook met afgewezen rijen; die staan in het
    /// verslag van de afwijzingen), 1 als ze is geweigerd of mislukt (dan is er niets van
    /// geladen).
    Intake {
        dir: PathBuf,
        /// De levering: een map met <tabel>.csv / <tabel>.parquet-bestanden (of de BAG en de
        /// CBS-buurtkaart als GeoPackage, de BRP als antwoorden van Haal Centraal).
        #[arg(value_name = "LEVERINGSMAP")]
        levering: PathBuf,
        /// Geef het leveringsverslag als JSON.
        #[arg(long)]
        json: bool,
        /// Een proef: lees en controleer de levering en zeg per tabel wat ze zou veranderen aan
        /// de huidige gegevens van het project (nieuw, gewijzigd, verwijderd, afgewezen,
        /// overgenomen), zonder iets te laden.
        #[arg(long)]
        proef: bool,
    },
    /// Start de webapplicatie van het project: Nederlandse pagina's voor elk account van het
    /// project, dat in de browser inlogt (het overzicht, de signalen, de openbare catalogus).
    Serve {
        /// De projectmap.
        dir: PathBuf,
        /// Waar de webapplicatie luistert (adres:poort); poort 0 kiest een vrije poort.
        #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADRES")]
        listen: std::net::SocketAddr,
    },
    /// Toon het project, de goedkeuring, de leveringen en standen, en de rijen per tabel.
    Status {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Het verwerkingslog.
    Log {
        #[command(subcommand)]
        command: LogCommand,
    },
    /// Genereer een synthetische gemeente: een levering van elke contracttabel met geplante
    /// gevallen van alle twaalf thema's, eerlijke gevallen die erop lijken, en de werkelijkheid.
    ///
    /// Schrijft `MAP/levering/` (te laden met `loep intake`) en `MAP/truth/` (`adressen.csv`,
    /// `personen.csv`, `links.csv`, `adres_links.csv`, `dirty.csv`). Dezelfde startwaarde geeft
    /// dezelfde bytes.
    Synth {
        /// Personen in de gemeente.
        #[arg(long)]
        persons: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// De uitvoermap (wordt aangemaakt; mag geen `levering/` van een eerdere keer bevatten).
        #[arg(long, value_name = "MAP")]
        out: PathBuf,
        /// De peildatum van het uittreksel (JJJJ-MM-DD).
        #[arg(long, default_value = "2026-06-30")]
        peildatum: String,
        /// De CBS-gemeentecode van de gemeente (4 cijfers).
        #[arg(long, default_value = "0392")]
        gemeentecode: String,
        /// Het deel van de rijen (0-1) dat één ongeldige waarde krijgt, vermeld in
        /// `truth/dirty.csv` (met `--formaat echt` alleen in de eigen tabellen van de
        /// partners: de gepubliceerde registers zijn gevalideerd).
        #[arg(long, default_value_t = 0.0, value_name = "FRACTIE")]
        dirty: f64,
        /// In welke vorm de levering wordt geschreven.
        #[arg(long, value_enum, default_value_t = Formaat::Contract)]
        formaat: Formaat,
        #[arg(long)]
        json: bool,
    },
    /// Koppel of ontdubbel de rijen van een willekeurig CSV-bestand met de Fellegi-Sunter-methode
    /// (instellingen in TOML).
    ///
    /// Met één invoer wordt ontdubbeld, met twee wordt één-op-één gekoppeld. Schrijft naar
    /// --out de paren met `left_id`, `right_id`, `match_weight`, `match_probability`; met
    /// --truth (een CSV van echte paren) of een `true_id_column` in de instellingen geeft het
    /// precisie, recall en F1. Zie `docs/linkage.md`.
    Link {
        /// De koppelinstellingen (TOML): kolommen, vergelijkingen, blokkeerregels.
        #[arg(long, value_name = "BESTAND")]
        settings: PathBuf,
        /// Het (linker) CSV-bestand met rijen.
        #[arg(long, value_name = "BESTAND")]
        left: PathBuf,
        /// Het rechter CSV-bestand om aan te koppelen (zonder dit wordt --left ontdubbeld).
        #[arg(long, value_name = "BESTAND")]
        right: Option<PathBuf>,
        /// Waar de paren heen gaan (CSV).
        #[arg(long, value_name = "BESTAND")]
        out: PathBuf,
        /// Een CSV van echte paren (`left_id,right_id`).
        #[arg(long, value_name = "BESTAND")]
        truth: Option<PathBuf>,
        /// Laat zien waarom twee rijen overeenkomen.
        #[arg(long, value_name = "LINKS_ID,RECHTS_ID")]
        explain: Option<String>,
    },
    /// De gepubliceerde indicatorcatalogus: elke indicator met zijn thema en partners.
    Catalogue {
        #[command(subcommand)]
        command: Option<scan_cmd::CatalogueCommand>,
        #[arg(long)]
        json: bool,
    },
    /// Pas de indicatoren van het project toe op de huidige standen en koppelingen, en bewaar
    /// de uitkomst als scan.
    Scan {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value_t = loep_app::scan::DEFAULT_MEMORY_LIMIT)]
        memory_limit: usize,
    },
    /// Het certificaat van een scan: wat hij las, toepaste en vond, verzegeld en genoemd in het
    /// log; en de controle ervan door de scan opnieuw te berekenen.
    Run {
        #[command(subcommand)]
        command: RunCommand,
    },
    /// De signalen van een scan (standaard de nieuwste), per adres, met uitleg.
    Signals {
        dir: PathBuf,
        #[arg(long)]
        run: Option<String>,
        /// Hoe de signalen worden geschreven.
        #[arg(long, value_enum, default_value_t = scan_cmd::Format::Table)]
        format: scan_cmd::Format,
        /// Schrijf naar dit bestand in plaats van naar de standaarduitvoer (nodig voor xlsx en
        /// parquet).
        #[arg(long, value_name = "BESTAND")]
        out: Option<PathBuf>,
    },
    /// Precisie, recall en F1 per thema van een scan tegen een werkelijkheid
    /// (`truth/adressen.csv`).
    Evaluate {
        dir: PathBuf,
        /// De map `truth` die `loep synth` schreef (met `adressen.csv`).
        #[arg(long, value_name = "MAP")]
        truth: PathBuf,
        #[arg(long)]
        run: Option<String>,
        #[arg(long)]
        json: bool,
        /// Schrijf `kwaliteit.svg` (een grafiek met de doelen) en `kwaliteit.json` in deze map.
        #[arg(long, conflicts_with = "json", value_name = "MAP")]
        out: Option<PathBuf>,
    },
    /// Wie een scan markeert, per buurt, leeftijdsgroep en geslacht, tegenover wie er in het
    /// gebied woont.
    Fairness {
        dir: PathBuf,
        #[arg(long)]
        run: Option<String>,
        #[arg(long)]
        json: bool,
        /// Schrijf `eerlijkheid.svg` (een grafiek), `eerlijkheid.json` en `eerlijkheid.html` (de
        /// grafiek met een leeswijzer) in deze map.
        #[arg(long, conflicts_with = "json", value_name = "MAP")]
        out: Option<PathBuf>,
    },
    /// De accounts van het project en hun rollen.
    User {
        #[command(subcommand)]
        command: accountability::UserCommand,
    },
    /// API-sleutels van systemen van partners voor `/api/v1` (beheerder).
    ApiSleutel {
        #[command(subcommand)]
        command: accountability::ApiSleutelCommand,
    },
    /// Depseudonimiseren met vier ogen: aanvragen (analist), goedkeuren of weigeren
    /// (sleutelhouder), inzien.
    Reveal {
        #[command(subcommand)]
        command: accountability::RevealCommand,
    },
    /// De bewaartermijnen van loep.toml (ook gehandhaafd telkens als een opdracht het project
    /// opent).
    Retention {
        #[command(subcommand)]
        command: accountability::RetentionCommand,
    },
    /// Een inzageverzoek van een bewoner: alles wat het project over één persoon heeft, als
    /// brief in gewoon Nederlands (HTML en PDF) en als JSON (sleutelhouder of functionaris
    /// gegevensbescherming).
    Inzage {
        dir: PathBuf,
        /// Het BSN van de bewoner.
        #[arg(long)]
        bsn: String,
        /// Waar het verslag heen gaat (standaard: PROJECTMAP/vault/inzage, in de kluis en onder
        /// de bewaartermijn daarvan).
        #[arg(long, value_name = "MAP")]
        out: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        /// Laat delen weg zolang een onderzoek loopt (artikel 41 UAVG; alleen de functionaris
        /// gegevensbescherming): signalen, zaken (gescheiden door komma's). Vraagt ook --reden
        /// en --tot.
        #[arg(long, value_delimiter = ',', requires_all = ["reden", "tot"], value_name = "DELEN")]
        beperk: Vec<String>,
        /// Waarom de delen worden weggelaten: welk onderzoek zou worden geschaad als ze getoond
        /// werden (komt in het log, niet in de brief).
        #[arg(long, requires = "beperk")]
        reden: Option<String>,
        /// De laatste dag dat de beperking geldt (JJJJ-MM-DD, hoogstens een jaar vooruit).
        #[arg(long, requires = "beperk", value_name = "DATUM")]
        tot: Option<String>,
    },
    /// De registratie van het project in het Algoritmeregister.
    Register {
        #[command(subcommand)]
        command: accountability::RegisterCommand,
    },
    /// Het zakenregister: van signaal via huisbezoek naar uitkomst (`loep zaak
    /// new|list|show|status|assign|visit|note|close|reopen|catalogus`).
    Zaak {
        #[command(subcommand)]
        command: zaak_cmd::ZaakCommand,
    },
    /// Trefkansen per indicator uit de uitkomsten van afgesloten zaken (projectleider,
    /// analist, fg).
    Trefkans {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Terugmeldingen aan de BRP die een huisbezoek heeft opgesteld.
    Terugmelding {
        #[command(subcommand)]
        command: zaak_cmd::TerugmeldingCommand,
    },
    /// Benchmarks die cijfers geven (voor BENCHMARKS.md).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
    /// Laat loep van begin tot eind werken op gegenereerde gegevens: maak, keur goed en laad
    /// een demoproject, en open het daarna in de browser met een account voor elke rol
    /// (stoppen met Ctrl-C).
    Demo {
        /// Waar het demoproject en zijn gegevens komen.
        #[arg(long, default_value = "loep-demo", value_name = "MAP")]
        dir: PathBuf,
        /// Personen in de gegenereerde gemeente (Haarlem, gemeente 0392, heeft er ongeveer
        /// 160.000).
        #[arg(long, default_value_t = 160_000)]
        persons: u64,
        /// Toon de samenvatting en stop, zonder de webapplicatie te starten.
        #[arg(long)]
        no_serve: bool,
        /// Waar de webapplicatie luistert (adres:poort); is die poort bezet, dan kiest loep een
        /// vrije. Poort 0 kiest altijd een vrije poort.
        #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADRES")]
        listen: std::net::SocketAddr,
    },
}

#[derive(Subcommand)]
enum RunCommand {
    /// Toon het certificaat van de scan (de hashes van de standen, de versies van de catalogus
    /// en de indicatoren, de parameters, de versie van loep, de signalen per indicator en hun
    /// SHA-256) met de controles die geen herberekening vragen; afsluitstatus 1 als er een
    /// niet klopt.
    Certificaat {
        dir: PathBuf,
        run: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Bereken de scan opnieuw uit de bestanden die zijn certificaat noemt, met de indicatoren
    /// en parameters die het noemt, en bevestig dezelfde signalen; alleen dan afsluitstatus 0.
    Verifieer {
        dir: PathBuf,
        run: Option<String>,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value_t = loep_app::scan::DEFAULT_MEMORY_LIMIT)]
        memory_limit: usize,
    },
}

#[derive(Subcommand)]
enum LogCommand {
    /// Controleer de hashketen met sleutel van het verwerkingslog, de kopie van de kop in de
    /// kluis en de rijen die toegang geven; afsluitstatus 1 als er iets buiten loep is
    /// gewijzigd. Toont een ondertekende kop om te bewaren: geef die later aan --sinds om te
    /// bewijzen dat het log hem nog bevat.
    Verify {
        dir: PathBuf,
        /// Een eerder getoonde ondertekende kop (N:HASH:HANDTEKENING): regel N moet nog die
        /// hash hebben.
        #[arg(long, value_name = "KOP")]
        sinds: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Leg vast dat de functionaris gegevensbescherming een integriteitsalarm heeft onderzocht;
    /// de verwerking gaat verder vanaf de huidige kop.
    Herstel {
        dir: PathBuf,
        /// Wat er is gevonden en wat eraan is gedaan (minstens 20 tekens).
        #[arg(long)]
        reden: String,
    },
    /// Exporteer het verwerkingslog voor auditors (functionaris gegevensbescherming).
    Export {
        dir: PathBuf,
        /// JSON-regels (Logboek Dataverwerkingen) of OTLP/JSON-spans.
        #[arg(long, value_enum, default_value_t = accountability::LogFormat::Jsonl)]
        format: accountability::LogFormat,
        /// Schrijf naar dit bestand in plaats van naar de standaarduitvoer.
        #[arg(long, value_name = "BESTAND")]
        out: Option<PathBuf>,
    },
}

/// What the arguments many commands share are for, said once: `--help` describes every
/// argument (tested), and the same argument reads the same everywhere. The texts are the
/// user's help (Dutch).
fn shared_description(parent: &str, command: &str, id: &str) -> Option<&'static str> {
    Some(match (parent, id) {
        (_, "dir") => "De projectmap (gemaakt met `loep init`)",
        (_, "json") => "Geef de uitkomst als JSON (voor scripts) in plaats van als tekst",
        (_, "run") => "De scan, met het kenmerk dat `loep status` toont (standaard: de nieuwste)",
        (_, "seed") => "Startwaarde van de generator: dezelfde startwaarde geeft dezelfde gegevens",
        (_, "persons") => "Personen in de gegenereerde gemeente",
        (_, "memory_limit") => {
            "Geheugen dat DataFusion mag gebruiken voordat het naar schijf uitwijkt (bytes)"
        }
        ("user", "naam") => "De naam van het account",
        ("reveal", "id") => "Het verzoek (O0001), zoals `loep reveal list` het toont",
        ("zaak" | "visit", "id") => {
            "De identificatie van de zaak (LOEP-2026-000001), zoals `loep zaak list` die toont, of de uuid"
        }
        ("reveal", "toelichting") if command == "approve" => {
            "Een toelichting bij het besluit (komt in het verwerkingslog)"
        }
        ("zaak", "toelichting") => "Waarom, in een zin (komt in de geschiedenis van de zaak)",
        ("catalogue", "code") => {
            "De code van de indicator, bijvoorbeeld OVB-01 (hoofdletters of niet)"
        }
        ("visit", "toelichting") => "Wat het huisbezoek opleverde, in een zin",
        (_, "reden") => "Waarom, in woorden die een ander kan controleren",
        _ => return None,
    })
}

/// The placeholder `--help` shows for the values of arguments many commands share (Dutch).
fn shared_value_name(a: &clap::Arg) -> Option<&'static str> {
    Some(match a.get_id().as_str() {
        "dir" if a.is_positional() => "PROJECTMAP",
        "dir" => "MAP",
        "persons" | "records" | "objects" | "clients" | "requests" | "zaken" => "AANTAL",
        "seed" => "GETAL",
        "memory_limit" => "BYTES",
        "format" => "FORMAAT",
        _ => return None,
    })
}

/// The command line: the derived parser with the shared descriptions filled in, and clap's
/// own words in Dutch.
fn command() -> clap::Command {
    fn describe(cmd: clap::Command, parent: &str) -> clap::Command {
        let name = cmd.get_name().to_string();
        cmd.mut_args(|a| {
            // Only where the derive gave its default, the field's name in capitals.
            let derived = a.get_id().as_str().to_uppercase();
            let a = match shared_value_name(&a) {
                Some(v) if a.get_value_names().is_none_or(|n| n == [derived.as_str()]) => {
                    a.value_name(v)
                }
                _ => a,
            };
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
    cli_nl::dutch(describe(Cli::command(), ""))
}

const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Keep freed memory for reuse instead of returning it to the OS at once: the intake frees
    // and reallocates the same chunk buffers many times a second, and fresh pages cost a page
    // fault and zeroing each.
    // SAFETY: sets a process-wide allocator option; no allocation is in flight that depends on it.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    // No transparent huge pages: a scan's operators touch their buffers sparsely, and each first
    // touch of a huge page zeroes 2 MiB (about a tenth of a scan's time went to zeroing pages;
    // BENCHMARKS.md, "Pages a scan can read faster"). The allocator's first arena is mapped
    // before `main`, so its own option comes too late; the process flag holds at every fault.
    // SAFETY: prctl with these arguments only sets a flag of this process.
    unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
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
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut cmd = command();
    let matches = match cmd.try_get_matches_from_mut(&args) {
        Ok(m) => m,
        Err(e) => return cli_nl::report(&e, &cmd, &args),
    };
    if let Some(code) = cli_nl::help_subcommand(&cmd, &matches) {
        return code;
    }
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => return cli_nl::report(&e, &cmd, &args),
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("fout: {e:#}");
            if let Some(hint) = option_hint(&e, &cmd, &matches) {
                eprintln!("{hint}");
            }
            if let Some(step) = loep_app::AppError::next_step_in(&e) {
                eprintln!("{}", next_step(step));
            }
            exit_code(&e)
        }
    }
}

/// The next step a message of the core asks for, in the CLI's own commands (the core's
/// messages say it in words and name no command: the web and the API show them too).
fn next_step(step: loep_app::Vervolg) -> &'static str {
    use loep_app::{Overzicht, Vervolg, Zaakstap};
    match step {
        Vervolg::Integriteitsalarm => {
            "(de functionaris gegevensbescherming: `loep log verify` toont wat en waar is gewijzigd; `loep log herstel --reden \"…\"` legt vast dat het is afgehandeld)"
        }
        Vervolg::Goedkeuren => {
            "(de functionaris gegevensbescherming keurt goed met `loep approve`)"
        }
        Vervolg::ProjectMaken => "(`loep init` maakt een project)",
        Vervolg::Scannen => "(`loep scan DIR` draait een scan)",
        Vervolg::Overzicht(o) => match o {
            Overzicht::Scans => "(`loep status` toont de scans)",
            Overzicht::Signalen => "(`loep signals` toont de huidige signalen)",
            Overzicht::Verzoeken => "(`loep reveal list` toont de verzoeken)",
            Overzicht::ApiSleutels => "(`loep api-sleutel list` toont de sleutels)",
            Overzicht::Zaken => "(`loep zaak list` toont de zaken die je mag zien)",
            Overzicht::Zaak => {
                "(`loep zaak show` toont de personen en terugmeldingen van een zaak)"
            }
        },
        Vervolg::IdentiteitenVragen => {
            "(`loep reveal request` vraagt het aan; een sleutelhouder keurt het goed)"
        }
        Vervolg::Zaakstap(z) => match z {
            Zaakstap::BezoekPlannen => "(`loep zaak visit plan`)",
            Zaakstap::BezoekVastleggen => "(`loep zaak visit record`)",
            Zaakstap::Afsluiten => "(`loep zaak close`, met een resultaat)",
            Zaakstap::Heropenen => "(`loep zaak reopen`, door de projectleider, met een reden)",
        },
    }
}

/// The messages of the core speak of input fields in words (`het zaaktype`) and name them
/// (`zaaktype`): the CLI adds the options of the command that was run that set those fields.
fn option_hint(
    e: &anyhow::Error,
    cmd: &clap::Command,
    matches: &clap::ArgMatches,
) -> Option<String> {
    let fields = loep_app::AppError::fields_in(e);
    if fields.is_empty() {
        return None;
    }
    let (mut leaf, mut m) = (cmd, matches);
    while let Some((name, sub)) = m.subcommand() {
        let Some(c) = leaf.find_subcommand(name) else {
            break;
        };
        (leaf, m) = (c, sub);
    }
    let options: Vec<String> = fields
        .iter()
        .map(|f| f.replace('_', "-"))
        .filter(|long| leaf.get_arguments().any(|a| a.get_long() == Some(long)))
        .map(|long| format!("--{long}"))
        .collect();
    (!options.is_empty()).then(|| format!("(optie: {})", options.join(", ")))
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
            init(&dir, config, who)
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
        } => intake(&dir, &levering, json, proef, who),
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
        } => log_verify(&dir, sinds.as_deref(), json, who),
        Command::Log {
            command: LogCommand::Herstel { dir, reden },
        } => log_herstel(&dir, &reden, who),
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
            let options = synth_options(persons, seed, &peildatum, &gemeentecode, dirty)?;
            synth(options, formaat, &out, json)
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

/// `loep init`: creates the project with its first account, a beheerder.
fn init(
    dir: &std::path::Path,
    config: loep_app::types::ProjectConfig,
    who: Option<&str>,
) -> Result<ExitCode> {
    let beheerder = access::account_name(who)?;
    let pw = access::new_password("LOEP_WACHTWOORD", &beheerder)?;
    loep_app::accounts::check_new(&beheerder, &pw)?;
    let project = loep_app::project::create(dir, config, &beheerder, &pw)?;
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

/// `loep intake`: loads a delivery (or, with `--proef`, only checks it) and prints the report,
/// or the refusal as JSON with `--json`.
fn intake(
    dir: &std::path::Path,
    levering: &std::path::Path,
    json: bool,
    proef: bool,
    who: Option<&str>,
) -> Result<ExitCode> {
    let mut session = access::open(dir, Mode::Write, who)?;
    let progress = output::BarProgress::new();
    let loaded = if proef {
        loep_app::intake::proef(&mut session, levering, &progress).map(|r| (r, ()))
    } else {
        loep_app::intake::load(&mut session, levering, &progress).map(|(r, _)| (r, ()))
    };
    progress.clear();
    match loaded {
        Ok((report, _)) => {
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                output::print_intake(&report, dir);
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

/// `loep log verify`: checks the processing log and prints its signed head, or what is wrong
/// (then the exit status is a failure).
fn log_verify(
    dir: &std::path::Path,
    sinds: Option<&str>,
    json: bool,
    who: Option<&str>,
) -> Result<ExitCode> {
    let session = access::login_to_verify(dir, who)?;
    let checked = loep_app::log::verify(&session, sinds)?;
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

/// `loep log herstel`: the privacy officer records that the integrity alarm was handled.
fn log_herstel(dir: &std::path::Path, reden: &str, who: Option<&str>) -> Result<ExitCode> {
    let naam = access::account_name(who)?;
    let pw = access::password("LOEP_WACHTWOORD", &format!("Wachtwoord van {naam}: "))?;
    let problems = loep_app::log::acknowledge(dir, &naam, &pw, reden)?;
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

/// `loep synth`: generates a municipality's delivery and its ground truth in `out`.
fn synth(
    mut options: loep_synth::Options,
    formaat: Formaat,
    out: &std::path::Path,
    json: bool,
) -> Result<ExitCode> {
    // BAG, buurtkaart and BRP as published are validated registers: with --dirty,
    // only the partners' own exports get invalid values.
    options.clean_registers = formaat == Formaat::Echt;
    if out.join("levering").exists() {
        anyhow::bail!(
            "{} bevat al een levering/; kies een lege map met --out",
            out.display()
        );
    }
    let t = std::time::Instant::now();
    let bar = output::spinner(format!(
        "een gemeente van {} personen genereren",
        options.persons
    ));
    let summary = loep_synth::write_municipality(out, &options);
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
    output::print_synth(&summary, out, t.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
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
                if a.get_help().is_none() && a.get_long_help().is_none() {
                    missing.push(format!("{here}: {}", a.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &here, missing);
            }
        }
        // clap checks a tree as it builds it (in debug builds); `command()` returns it built.
        super::cli_nl::before_build(<super::Cli as clap::CommandFactory>::command(), true)
            .debug_assert();
        let cmd = super::command();
        let mut missing = Vec::new();
        walk(&cmd, "", &mut missing);
        assert!(
            missing.is_empty(),
            "arguments without a description in --help:\n{}",
            missing.join("\n")
        );
    }
}
