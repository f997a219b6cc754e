//! `loep demo`: the whole chain on generated data, in one command.

use anyhow::{Context, Result, bail};
use loep_app::Mode;
use loep_app::types::{Partner, Rol};
use std::net::SocketAddr;
use std::path::Path;
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

/// Generates, loads, links, scans and reports; true when the processing log verified intact.
pub fn run(dir: &Path, persons: u64) -> Result<bool> {
    let project_dir = dir.join("project");
    let levering = dir.join("levering");
    // Re-running replaces an earlier demo, and nothing else.
    if dir.exists() {
        let is_demo = std::fs::read_to_string(project_dir.join("loep.toml"))
            .map(|t| t.contains(DEMO_NAME))
            .unwrap_or(false);
        let empty = std::fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !is_demo && !empty {
            bail!(
                "{} exists and does not hold an earlier loep demo; choose another place with --dir",
                dir.display()
            );
        }
        std::fs::remove_dir_all(dir)?;
    }
    let t0 = Instant::now();
    println!(
        "1. Een gemeente genereren / Generating a municipality: {persons} persons (gemeente 0392) ..."
    );
    let options = crate::synth_options(persons, 2026, "2026-06-30", "0392", 0.002)?;
    let bar = crate::output::spinner("genereren");
    let summary = loep_synth::write_municipality(dir, &options);
    bar.finish_and_clear();
    let summary = summary?;
    let rows: u64 = summary.tables.iter().map(|(_, n)| n).sum();
    let cases: u64 = summary.themes.iter().map(|t| t.1).sum();
    let decoys: u64 = summary.themes.iter().map(|t| t.2).sum();
    println!(
        "   {} persons, {} objects, {rows} rows in {} tables; {cases} planted cases and {decoys} look-alikes over 12 themes; {} rows with an invalid value",
        summary.persons,
        summary.dwellings,
        summary.tables.len(),
        summary.dirty_rows
    );
    println!(
        "2. Creating the project (loep init) and one account per role (loep user add), password '{DEMO_PASSWORD}' ..."
    );
    loep_app::project::create_with_team(
        &project_dir,
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
        "3. The privacy officer approves it (loep approve, as fg), which confirms the fg account, and confirms the key holder's account (loep user confirm) ..."
    );
    let login = |naam: &str| {
        loep_app::session::login(&project_dir, Mode::Write, naam, DEMO_PASSWORD)
            .with_context(|| format!("demo account {naam}"))
    };

    println!(
        "4. Loading the delivery (loep intake): contract checks, area scope, pseudonymisation, then linkage at the same boundary ..."
    );
    let progress = crate::output::BarProgress::new();
    let loaded = loep_app::intake::load(&mut login("beheerder")?, &levering, &progress);
    progress.clear();
    let (report, took) = loaded.map_err(|r| r.error)?;
    crate::output::print_intake(&report, &project_dir);

    println!(
        "5. Linking (at the boundary): tenants and persons in police registrations to the BRP, free-text addresses to the BAG ..."
    );
    let links = report
        .koppeling
        .clone()
        .context("the intake report holds no linkage")?;
    crate::output::print_links(&links);
    println!("   in {:.1} s", took.linkage_s);

    println!(
        "6. Scanning (loep scan): the published catalogue of explainable indicators over the pseudonymous data ..."
    );
    let mut analist = login("analist")?;
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
    let (_, quality) = loep_app::scan::evaluate(&analist, &dir.join("truth"), Some(&scan.run_id))?;
    println!("   Gemeten tegen de geplante gevallen / measured against the planted cases:");
    println!(
        "   {:<27} {:>9} {:>7} {:>16}",
        "thema", "precision", "recall", "look-alikes hit"
    );
    for t in &quality.themas {
        println!(
            "   {:<27} {:>9.2} {:>7.2} {:>9} of {:<4}",
            t.thema, t.precision, t.recall, t.lokvogels_gemarkeerd, t.lokvogels
        );
    }

    println!(
        "7. Four eyes (loep reveal): the analist asks who lives at the first address, the key holder approves, the analist sees them ..."
    );
    // A person of that signal asks, later, what the project holds about them (step 9).
    let mut resident_bsn: Option<String> = None;
    match signals
        .iter()
        .filter(|s| Some(&s.vbo_id) == scan.top.first().map(|(p, _)| &p.vbo_id))
        .find(|s| s.persons().next().is_some())
    {
        Some(first) => {
            let o = loep_app::reveal::request(
                &mut analist,
                &first.id(),
                "Huisbezoek voorbereiden: wie staan hier ingeschreven en wie moet de handhaver spreken?",
            )?;
            if loep_app::reveal::decide(&mut analist, &o.id, true, "").is_err() {
                println!(
                    "   {}: the analist who asked cannot approve it: refused, that is for a key holder",
                    o.id
                );
            }
            drop(analist);
            loep_app::reveal::decide(&mut login("sleutelhouder")?, &o.id, true, "Reden volstaat.")?;
            let shown = loep_app::reveal::open(&mut login("analist")?, &o.id)?;
            let o = &shown.onthulling;
            println!(
                "   {} for signal {} ({}) at {}: approved by sleutelhouder, {} person(s) revealed to analist only, each with their role there; every step is in the processing log.",
                o.id,
                o.signaal,
                first.indicator,
                shown
                    .adres
                    .as_deref()
                    .unwrap_or("an address outside the BAG"),
                shown.personen.len(),
            );
            resident_bsn = shown.personen.iter().find_map(|p| p.identiteit.bsn.clone());
        }
        None => println!("   (no signal with persons to reveal)"),
    }

    println!(
        "8. Cases (loep zaak): the analist proposes the first {} addresses, the projectleider routes them to partners, the handhaver visits and records what was found ...",
        crate::demo_zaken::CASES
    );
    crate::demo_zaken::run(&project_dir, &dir.join("truth"), &signals, &login)?;

    println!(
        "9. An access request (loep inzage): a resident of the first address asks what the project holds about them; the privacy officer writes the letter ..."
    );
    match &resident_bsn {
        Some(bsn) => {
            let w = loep_app::inzage::report(&mut login("fg")?, bsn, None)?;
            println!(
                "   {} source(s), {} signal(s), {} processing record(s), in plain Dutch without pseudonyms:",
                w.report.bronnen.len(),
                w.report.signalen.len(),
                w.report.verwerkingen.len()
            );
            println!("   {}  (for the screen)", w.html.display());
            println!("   {}  (for the post)", w.pdf.display());
        }
        None => println!("   (no revealed person to write to)"),
    }

    println!("10. Delivering the same data again changes nothing:");
    let (again, _) = loep_app::intake::load(
        &mut login("beheerder")?,
        &levering,
        &loep_app::intake::NoProgress,
    )
    .map_err(|r| r.error)?;
    println!(
        "   {}",
        if again.unchanged() {
            "unchanged, nothing loaded twice"
        } else {
            "UNEXPECTED: loaded again"
        }
    );

    let fg = login("fg")?;
    let published = loep_app::register::export(&fg, None)?;
    println!(
        "11. Publishing (loep register export): {} and {}",
        published.json.display(),
        published.markdown.display()
    );

    // Step 12, the reports (issue 14), kept in one block of its own.
    println!(
        "12. Rapporten / reports (loep signals --format xlsx|csv-nl|geojson|geojson-buurten|parquet|parquet-adressen|kaart, loep fairness --out, loep evaluate --out), as projectleider:"
    );
    // Reading only: the privacy officer's session above still holds the project for writing.
    let reader = loep_app::session::login(&project_dir, Mode::Read, "projectleider", DEMO_PASSWORD)
        .context("demo account projectleider")?;
    let written = crate::demo_rapporten::run(dir, &dir.join("truth"), &scan.run_id, &reader)?;
    for f in &written {
        println!("   {}", f.display());
    }

    let v = loep_app::log::verify(&fg, None)?.verification;
    let loaded: u64 = report.tabellen.iter().map(|t| t.rijen_geladen).sum();
    let p = project_dir.display();
    let truth = dir.join("truth");
    let t = truth.display();
    println!();
    println!(
        "Samenvatting / Summary ({:.1} s)",
        t0.elapsed().as_secs_f64()
    );
    println!(
        "  Geladen / loaded: {loaded} rows, pseudonymised; afgewezen / rejected: {} values, each with file, line and column.",
        report.afwijzingen_totaal
    );
    let linked: u64 = links.personen.iter().map(|p| p.via_bsn + p.via_naam).sum();
    let matched: u64 = links
        .adressen
        .iter()
        .map(|a| a.gekoppeld + a.door_bron)
        .sum();
    println!(
        "  Gekoppeld / linked: {linked} persons to the BRP and {matched} free-text addresses to the BAG, pseudonymously."
    );
    println!(
        "  Gesignaleerd / signalled: {} addresses, {} verwonderadressen (two or more partners have an interest and visit together), each with the facts that fired it (loep signals {p}).",
        scan.adressen, scan.verwonderadressen
    );
    println!(
        "  Gepland / planted: {cases} cases and {decoys} look-alikes; the ground truth is in {t}/adressen.csv."
    );
    println!(
        "  Verwerkingslog / processing log: {} records, {}.",
        v.records,
        if v.intact() { "intact" } else { "BROKEN" }
    );
    println!(
        "Verder kijken / look next (every command runs as an account: export LOEP_WACHTWOORD={DEMO_PASSWORD}):"
    );
    println!(
        "  loep status {p} --gebruiker projectleider        what was loaded, per table and snapshot"
    );
    println!(
        "  loep signals {p} --gebruiker analist             every signal, per address, with its explanation and id"
    );
    println!(
        "  loep signals {p} --format xlsx --out signalen.xlsx --gebruiker analist   for Excel (also csv-nl, geojson, parquet)"
    );
    println!(
        "  loep evaluate {p} --truth {t} --gebruiker analist   precision and recall per theme"
    );
    println!(
        "  loep fairness {p} --gebruiker analist            who is flagged, per buurt, age band and sex"
    );
    println!(
        "  loep reveal list {p} --gebruiker sleutelhouder   requests for identities, who decided and why"
    );
    println!(
        "  loep reveal show {p} O0001 --gebruiker analist  the revealed persons, their address and role there"
    );
    println!(
        "  {p}/vault/inzage/        the access report of step 9: a letter as HTML and PDF, and JSON"
    );
    println!(
        "  loep zaak list {p} --gebruiker projectleider     the cases, their status and result"
    );
    println!(
        "  loep zaak list {p} --gebruiker uwv               a partner sees only the cases routed to it"
    );
    println!(
        "  loep trefkans {p} --gebruiker projectleider      how often each indicator was right, from the visits"
    );
    println!(
        "  loep zaak show {p} ZAAK --gebruiker projectleider   one case (ZAAK from zaak list): statuses, roles, visit, findings"
    );
    println!("  loep catalogue                                     the published indicators");
    println!(
        "  loep retention run {p} --dry-run --gebruiker beheerder   what the retention periods will destroy, and when"
    );
    println!(
        "  loep user audit {p} --gebruiker fg               accounts created, locked, confirmed; failed logins"
    );
    println!(
        "  loep inzage {p} --bsn BSN --gebruiker fg         a resident's access request (letter as HTML and PDF, JSON)"
    );
    println!(
        "  loep register export {p} --gebruiker fg          the Algoritmeregister entry and the catalogue"
    );
    println!(
        "  loep log verify {p} --gebruiker fg               the tamper-evident processing log"
    );
    println!(
        "  loep log export {p} --gebruiker fg               the log for auditors (JSON lines or --format otlp)"
    );
    println!(
        "  {p}/leveringen/          the rejects report of the delivery (values that identify are masked)"
    );
    println!("  {p}/data/                pseudonymous Parquet snapshots: no BSN, no names");
    println!("  {p}/vault/               the identity vault, kept apart");
    Ok(v.intact())
}

/// Serves the demo project in the browser until the process is stopped: the address, and
/// the accounts to log in with.
pub fn serve(dir: &Path, listen: SocketAddr) -> Result<ExitCode> {
    let project = dir.join("project");
    loep_app::project::check_servable(&project)?;
    // The demo must not fail at its very end because another program has the usual port.
    let listen = if listen.port() != 0 && std::net::TcpListener::bind(listen).is_err() {
        println!(
            "   Poort {} is bezet; loep kiest een vrije poort / port {} is taken, loep picks a free one.",
            listen.port(),
            listen.port()
        );
        SocketAddr::new(listen.ip(), 0)
    } else {
        listen
    };
    loep_web::serve(project, listen, |addr| {
        println!();
        println!("De webapplicatie / the web application: http://{addr}/");
        println!("  Log in als / log in as (wachtwoord / password '{DEMO_PASSWORD}'):");
        for (naam, rol, org) in DEMO_ACCOUNTS {
            let org = org
                .map(|o| format!(" ({})", o.as_str()))
                .unwrap_or_default();
            println!("    {naam:<15} {}{org}", rol.name());
        }
        println!("  Openbaar / public: http://{addr}/indicatoren");
        println!(
            "  Stoppen / stop: Ctrl-C   (alleen de samenvatting / summary only: loep demo --no-serve)"
        );
    })?;
    Ok(ExitCode::SUCCESS)
}
