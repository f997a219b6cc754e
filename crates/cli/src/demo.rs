//! `loep demo`: the whole chain on generated data, in one command.

use anyhow::{Context, Result, bail};
use loep_app::Mode;
use loep_app::intake::{IntakeReport, LinkReport};
use loep_app::scan::ScanReport;
use loep_app::types::{Partner, Rol};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const DEMO_NAME: &str = "Demo Haarlem (gegenereerde gegevens)";

/// The password of every demo account: the demo holds generated data only.
pub const DEMO_PASSWORD: &str = "demo-wachtwoord-2026";

/// One demo account per role: (name, role, organisation).
const DEMO_ACCOUNTS: [(&str, Rol, Option<Partner>); 7] = [
    ("beheerder", Rol::Beheerder, None),
    ("fg", Rol::FunctionarisGegevensbescherming, None),
    ("projectleider", Rol::Projectleider, None),
    ("analist", Rol::Analist, None),
    ("sleutelhouder", Rol::Sleutelhouder, None),
    ("uwv", Rol::PartnerMedewerker, Some(Partner::Uwv)),
    ("handhaver", Rol::Handhaver, None),
];

/// Where the demo works: its directory, the project and the generated delivery in it.
struct Demo<'a> {
    dir: &'a Path,
    project_dir: PathBuf,
    levering: PathBuf,
}

/// What the generated municipality holds in planted cases: (cases, honest look-alikes).
struct Planted {
    cases: u64,
    decoys: u64,
}

impl Demo<'_> {
    /// Logs in as demo account `naam`, to write.
    fn login(&self, naam: &str) -> Result<loep_app::Session> {
        loep_app::session::login(&self.project_dir, Mode::Write, naam, DEMO_PASSWORD)
            .with_context(|| format!("demo-account {naam}"))
    }

    /// Where the generated municipality's ground truth is.
    fn truth(&self) -> PathBuf {
        self.dir.join("truth")
    }
}

/// Generates, loads, links, scans and reports; true when the processing log verified intact.
pub fn run(dir: &Path, persons: u64) -> Result<bool> {
    let demo = Demo {
        dir,
        project_dir: dir.join("project"),
        levering: dir.join("levering"),
    };
    replace_earlier(&demo)?;
    let t0 = Instant::now();
    let planted = generate(&demo, persons)?;
    create_project(&demo)?;
    let (report, links) = load(&demo)?;
    let Scanned {
        analist,
        scan,
        signals,
    } = scan(&demo)?;
    let resident_bsn = reveal(&demo, analist, &scan, &signals)?;
    println!(
        "8. Zaken (loep zaak): de analist stelt de eerste {} adressen voor, de projectleider zet ze uit bij partners, de handhaver gaat op huisbezoek en legt vast wat er is aangetroffen ...",
        crate::demo_zaken::CASES
    );
    crate::demo_zaken::run(&demo.project_dir, &demo.truth(), &signals, &|naam| {
        demo.login(naam)
    })?;
    access_request(&demo, resident_bsn.as_deref())?;
    load_again(&demo)?;

    let fg = demo.login("fg")?;
    let published = loep_app::register::export(&fg, None)?;
    println!(
        "11. Publiceren (loep register export): {} en {}",
        published.json.display(),
        published.markdown.display()
    );
    reports(&demo, &scan.run_id)?;

    let v = loep_app::log::verify(&fg, None)?.verification;
    println!();
    println!(
        "Samenvatting ({} s)",
        loep_contract::nl::getal(t0.elapsed().as_secs_f64(), 1)
    );
    print_summary(&demo, &report, &links, &scan, &planted, &v);
    print_next_steps(&demo);
    Ok(v.intact())
}

/// Re-running replaces an earlier demo, and nothing else.
fn replace_earlier(demo: &Demo) -> Result<()> {
    let dir = demo.dir;
    if dir.exists() {
        let is_demo = std::fs::read_to_string(demo.project_dir.join("loep.toml"))
            .map(|t| t.contains(DEMO_NAME))
            .unwrap_or(false);
        let empty = std::fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !is_demo && !empty {
            bail!(
                "{} bestaat al en bevat geen eerdere loep-demo; kies een andere plek met --dir",
                dir.display()
            );
        }
        std::fs::remove_dir_all(dir)?;
    }
    Ok(())
}

/// Step 1: a municipality of `persons` persons, its registers as their publishers ship them.
fn generate(demo: &Demo, persons: u64) -> Result<Planted> {
    println!(
        "1. Een gemeente genereren: {persons} personen (gemeente 0392); de BAG en de buurtkaart als GeoPackage zoals PDOK en CBS ze publiceren, de BRP als antwoorden van Haal Centraal BRP Personen, de rest als CSV van het leveringscontract ..."
    );
    let mut options = crate::synth_options(persons, 2026, "2026-06-30", "0392", 0.002)?;
    // The gemeente's own registers come as their publishers ship them (below); invalid
    // values are planted only in the partners' exports.
    options.clean_registers = true;
    let bar = crate::output::spinner("genereren");
    let summary = loep_synth::write_municipality(demo.dir, &options)
        .and_then(|s| loep_app::intake::write_as_published(&demo.levering, "Haarlem").map(|()| s));
    bar.finish_and_clear();
    let summary = summary?;
    let rows: u64 = summary.tables.iter().map(|(_, n)| n).sum();
    let cases: u64 = summary.themes.iter().map(|t| t.1).sum();
    let decoys: u64 = summary.themes.iter().map(|t| t.2).sum();
    println!(
        "   {} personen, {} verblijfsobjecten, {rows} rijen in {} tabellen; {cases} geplante gevallen en {decoys} eerlijke lijkt-erops over 12 thema's; {} rijen met een ongeldige waarde in de exports van partners",
        summary.persons,
        summary.dwellings,
        summary.tables.len(),
        summary.dirty_rows
    );
    Ok(Planted { cases, decoys })
}

/// Steps 2 and 3: the project with one account per role, approved by the fg, who confirms the
/// key holder (all done by `create_with_team`).
fn create_project(demo: &Demo) -> Result<()> {
    println!(
        "2. Het project aanmaken (loep init) en één account per rol (loep user add), wachtwoord '{DEMO_PASSWORD}' ..."
    );
    loep_app::project::create_with_team(
        &demo.project_dir,
        loep_app::project::demo_config(DEMO_NAME),
        &DEMO_ACCOUNTS,
        DEMO_PASSWORD,
        "DPIA-DEMO-2026",
    )?;
    println!(
        "   {}",
        DEMO_ACCOUNTS
            .iter()
            .map(|(naam, rol, _)| format!("{naam} ({})", rol.name()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "3. De functionaris gegevensbescherming keurt het goed (loep approve, als fg), wat het account van de fg bevestigt, en bevestigt het account van de sleutelhouder (loep user confirm) ..."
    );
    Ok(())
}

/// Steps 4 and 5: the delivery loaded and linked.
fn load(demo: &Demo) -> Result<(IntakeReport, LinkReport)> {
    println!(
        "4. De levering laden (loep intake): bronnen omzetten, contractcontrole, afbakening tot het gebied, pseudonimisering en koppeling aan dezelfde grens ..."
    );
    let progress = crate::output::BarProgress::new();
    let loaded = loep_app::intake::load(&mut demo.login("beheerder")?, &demo.levering, &progress);
    progress.clear();
    let (report, took) = loaded.map_err(|r| r.error)?;
    crate::output::print_intake(&report, &demo.project_dir);

    println!(
        "5. Koppelen (aan de grens): huurders en betrokkenen in politieregistraties aan de BRP, vrij ingevoerde adressen aan de BAG ..."
    );
    let links = report
        .koppeling
        .clone()
        .context("het verslag van de levering bevat geen koppeling")?;
    crate::output::print_links(&links);
    println!("   in {} s", loep_contract::nl::getal(took.linkage_s, 1));
    Ok((report, links))
}

/// What step 6 leaves for the steps after it.
struct Scanned {
    /// The analist's session: step 7 goes on with it.
    analist: loep_app::Session,
    scan: ScanReport,
    signals: Vec<loep_app::scan::SignalRow>,
}

/// Step 6: the scan, as the analist, measured against the planted cases.
fn scan(demo: &Demo) -> Result<Scanned> {
    println!(
        "6. Signaleren (loep scan): de gepubliceerde catalogus van uitlegbare indicatoren over de gepseudonimiseerde gegevens ..."
    );
    let mut analist = demo.login("analist")?;
    let t_scan = Instant::now();
    let progress = crate::output::BarProgress::new();
    let scan = loep_app::scan::run(
        &mut analist,
        loep_app::scan::DEFAULT_MEMORY_LIMIT,
        &progress,
    );
    progress.clear();
    let scan = scan?;
    crate::scan_cmd::print_scan(&scan, t_scan.elapsed().as_secs_f64());
    let signals = loep_app::scan::signals(
        &analist,
        &loep_app::scan::SignalFilter {
            run: Some(scan.run_id.clone()),
            ..Default::default()
        },
        loep_app::scan::Page::ALL,
    )?
    .signals;
    let (_, quality) = loep_app::scan::evaluate(&analist, &demo.truth(), Some(&scan.run_id))?;
    println!("   Gemeten tegen de geplante gevallen:");
    println!(
        "   {:<30} {:>9} {:>7} {:>16}",
        "thema", "precisie", "recall", "lijkt-erops geraakt"
    );
    for t in &quality.themas {
        println!(
            "   {:<30} {:>9} {:>7} {:>9} van {:<4}",
            crate::scan_cmd::theme(&t.thema),
            loep_contract::nl::getal(t.precision, 2),
            loep_contract::nl::getal(t.recall, 2),
            t.lokvogels_gemarkeerd,
            t.lokvogels
        );
    }
    Ok(Scanned {
        analist,
        scan,
        signals,
    })
}

/// Step 7: four eyes. The analist asks who lives at the first address with registered persons,
/// the key holder approves, the analist sees them. Returns the BSN of one of them, who asks
/// for access in step 9. The analist's session ends here: the key holder needs the project.
fn reveal(
    demo: &Demo,
    mut analist: loep_app::Session,
    scan: &ScanReport,
    signals: &[loep_app::scan::SignalRow],
) -> Result<Option<String>> {
    println!(
        "7. Vier ogen (loep reveal): de analist vraagt wie er wonen op het eerste adres met ingeschreven personen, de sleutelhouder keurt goed, de analist ziet hen ..."
    );
    // The highest-ranked address whose signals name persons (a cannabis farm in an empty
    // dwelling has none).
    let (_, ranked) = loep_app::scan::profiles(&analist, Some(&scan.run_id))?;
    let first = ranked.iter().find_map(|p| {
        signals
            .iter()
            .find(|s| s.vbo_id == p.vbo_id && s.persons().next().is_some())
    });
    let Some(first) = first else {
        drop(analist);
        println!("   (geen signaal met personen om te onthullen)");
        return Ok(None);
    };
    let o = loep_app::reveal::request(
        &mut analist,
        &first.id(),
        "Huisbezoek voorbereiden: wie staan hier ingeschreven en wie moet de handhaver spreken?",
    )?;
    if loep_app::reveal::decide(&mut analist, &o.id, true, "").is_err() {
        println!(
            "   {}: de analist die het vroeg kan het niet zelf goedkeuren: geweigerd, dat doet een sleutelhouder",
            o.id
        );
    }
    drop(analist);
    loep_app::reveal::decide(
        &mut demo.login("sleutelhouder")?,
        &o.id,
        true,
        "Reden volstaat.",
    )?;
    let shown = loep_app::reveal::open(&mut demo.login("analist")?, &o.id)?;
    let o = &shown.onthulling;
    println!(
        "   {} voor signaal {} ({}) op {}: goedgekeurd door de sleutelhouder, {} persoon/personen alleen aan de analist getoond, ieder met de rol op dat adres; elke stap staat in het verwerkingslog.",
        o.id,
        o.signaal,
        first.indicator,
        shown.adres.as_deref().unwrap_or("een adres buiten de BAG"),
        shown.personen.len(),
    );
    Ok(shown.personen.iter().find_map(|p| p.identiteit.bsn.clone()))
}

/// Step 9: a resident of the revealed address asks what the project holds about them.
fn access_request(demo: &Demo, resident_bsn: Option<&str>) -> Result<()> {
    println!(
        "9. Een inzageverzoek (loep inzage): een bewoner van dat adres vraagt wat het project over hem of haar heeft; de fg stelt de brief op ..."
    );
    match resident_bsn {
        Some(bsn) => {
            let w = loep_app::inzage::report(&mut demo.login("fg")?, bsn, None, None)?;
            println!(
                "   {} bron(nen), {} signaal/signalen, {} verwerking(en), in gewoon Nederlands en zonder pseudoniemen:",
                w.report.bronnen.len(),
                w.report.signalen.len(),
                w.report.verwerkingen.len()
            );
            println!("   {}  (voor het scherm)", w.html.display());
            println!("   {}  (voor de post)", w.pdf.display());
        }
        None => println!("   (geen onthulde persoon om aan te schrijven)"),
    }
    Ok(())
}

/// Step 10: loading the same delivery again changes nothing.
fn load_again(demo: &Demo) -> Result<()> {
    println!("10. Dezelfde levering nog eens laden verandert niets:");
    let (again, _) = loep_app::intake::load(
        &mut demo.login("beheerder")?,
        &demo.levering,
        &loep_app::intake::NoProgress,
    )
    .map_err(|r| r.error)?;
    println!(
        "   {}",
        if again.unchanged() {
            "ongewijzigd, niets twee keer geladen"
        } else {
            "ONVERWACHT: opnieuw geladen"
        }
    );
    Ok(())
}

/// Step 12, the reports (issue 14), as the projectleider.
fn reports(demo: &Demo, run_id: &str) -> Result<()> {
    println!(
        "12. Rapporten (loep signals --format xlsx|csv-nl|geojson|geojson-buurten|parquet|parquet-adressen|kaart, loep fairness --out, loep evaluate --out), als projectleider:"
    );
    // Reading only: the privacy officer's session still holds the project for writing.
    let reader = loep_app::session::login(
        &demo.project_dir,
        Mode::Read,
        "projectleider",
        DEMO_PASSWORD,
    )
    .context("demo-account projectleider")?;
    let written = crate::demo_rapporten::run(demo.dir, &demo.truth(), run_id, &reader)?;
    for f in &written {
        println!("   {}", f.display());
    }
    Ok(())
}

/// What was loaded, linked, signalled and planted, and whether the log is intact.
fn print_summary(
    demo: &Demo,
    report: &IntakeReport,
    links: &LinkReport,
    scan: &ScanReport,
    planted: &Planted,
    v: &loep_app::log::Verification,
) {
    let loaded: u64 = report.tabellen.iter().map(|t| t.rijen_geladen).sum();
    let p = demo.project_dir.display();
    let truth = demo.truth();
    let t = truth.display();
    println!(
        "  Geladen: {loaded} rijen, gepseudonimiseerd; afgewezen: {} waarden, elk met bestand, regel en kolom.",
        report.afwijzingen_totaal
    );
    let linked: u64 = links.personen.iter().map(|p| p.via_bsn + p.via_naam).sum();
    let matched: u64 = links
        .adressen
        .iter()
        .map(|a| a.gekoppeld + a.door_bron)
        .sum();
    println!(
        "  Gekoppeld: {linked} personen aan de BRP en {matched} vrij ingevoerde adressen aan de BAG, op pseudoniemen."
    );
    println!(
        "  Gesignaleerd: {} adressen, waarvan {} verwonderadressen (twee of meer partners hebben er belang bij en gaan samen), elk met de feiten die het signaal gaven (loep signals {p}).",
        scan.adressen, scan.verwonderadressen
    );
    println!(
        "  Gepland: {} gevallen en {} lijkt-erops; de werkelijkheid staat in {t}/adressen.csv.",
        planted.cases, planted.decoys
    );
    println!(
        "  Verwerkingslog: {} regels, {}.",
        v.records,
        if v.intact() {
            "ongeschonden"
        } else {
            "GESCHONDEN"
        }
    );
}

/// The commands to look further with, as the demo's accounts.
fn print_next_steps(demo: &Demo) {
    let p = demo.project_dir.display();
    let truth = demo.truth();
    let t = truth.display();
    println!(
        "Verder kijken (elk commando draait als een account: export LOEP_WACHTWOORD={DEMO_PASSWORD}):"
    );
    println!(
        "  loep status {p} --gebruiker projectleider        wat er is geladen, per tabel en levering"
    );
    println!(
        "  loep signals {p} --gebruiker analist             elk signaal, per adres, met uitleg en kenmerk"
    );
    println!(
        "  loep signals {p} --format xlsx --out signalen.xlsx --gebruiker analist   voor Excel (ook csv-nl, geojson, parquet)"
    );
    println!("  loep evaluate {p} --truth {t} --gebruiker analist   precisie en recall per thema");
    println!(
        "  loep fairness {p} --gebruiker analist            wie een signaal krijgt, per buurt, leeftijdsgroep en geslacht"
    );
    println!(
        "  loep reveal list {p} --gebruiker sleutelhouder   verzoeken om identiteiten, wie besliste en waarom"
    );
    println!(
        "  loep reveal show {p} O0001 --gebruiker analist  de onthulde personen, hun adres en hun rol daar"
    );
    println!(
        "  {p}/vault/inzage/        het inzageverslag van stap 9: een brief als HTML en PDF, en JSON"
    );
    println!(
        "  loep zaak list {p} --gebruiker projectleider     de zaken, hun status en resultaat"
    );
    println!(
        "  loep zaak list {p} --gebruiker uwv               een partner ziet alleen de zaken die bij hem zijn uitgezet"
    );
    println!(
        "  loep trefkans {p} --gebruiker projectleider      hoe vaak elke indicator raak was, volgens de huisbezoeken"
    );
    println!(
        "  loep zaak show {p} ZAAK --gebruiker projectleider   één zaak (ZAAK uit zaak list): statussen, rollen, huisbezoek, bevindingen"
    );
    println!("  loep catalogue                                     de gepubliceerde indicatoren");
    println!(
        "  loep retention run {p} --dry-run --gebruiker beheerder   wat de bewaartermijnen zullen vernietigen, en wanneer"
    );
    println!(
        "  loep user audit {p} --gebruiker fg               accounts aangemaakt, geblokkeerd, bevestigd; mislukte aanmeldingen"
    );
    println!(
        "  loep inzage {p} --bsn BSN --gebruiker fg         het inzageverzoek van een bewoner (brief als HTML en PDF, JSON)"
    );
    println!(
        "  loep register export {p} --gebruiker fg          de beschrijving voor het Algoritmeregister en de catalogus"
    );
    println!(
        "  loep log verify {p} --gebruiker fg               het verwerkingslog controleren op wijzigingen"
    );
    println!(
        "  loep log export {p} --gebruiker fg               het log voor auditors (JSON-regels of --format otlp)"
    );
    println!(
        "  {p}/leveringen/          het verslag van de levering met afgewezen waarden (wat identificeert is gemaskeerd)"
    );
    println!(
        "  {p}/data/                gepseudonimiseerde Parquet-bestanden: geen BSN, geen namen"
    );
    println!("  {p}/vault/               de kluis met identiteiten, apart bewaard");
}

/// Serves the demo project in the browser until the process is stopped: the address, and
/// the accounts to log in with.
pub fn serve(dir: &Path, listen: SocketAddr) -> Result<ExitCode> {
    let project = dir.join("project");
    loep_app::project::check_servable(&project)?;
    // The demo must not fail at its very end because another program has the usual port.
    let listen = if listen.port() != 0 && std::net::TcpListener::bind(listen).is_err() {
        println!(
            "   Poort {} is bezet; loep kiest een vrije poort.",
            listen.port()
        );
        SocketAddr::new(listen.ip(), 0)
    } else {
        listen
    };
    loep_web::serve(project, listen, |addr| {
        println!();
        println!("De webapplicatie: http://{addr}/");
        println!("  Log in als (wachtwoord '{DEMO_PASSWORD}'):");
        for (naam, rol, org) in DEMO_ACCOUNTS {
            let org = org
                .map(|o| format!(" ({})", o.as_str()))
                .unwrap_or_default();
            println!("    {naam:<15} {}{org}", rol.name());
        }
        println!("  Openbaar: http://{addr}/indicatoren");
        println!("  Stoppen: Ctrl-C   (alleen de samenvatting: loep demo --no-serve)");
    })?;
    Ok(ExitCode::SUCCESS)
}
