//! `loep demo`: the whole chain on generated data, in one command.

use anyhow::{Context, Result, bail};
use loep_contract::Partner;
use loep_store::Project;
use loep_store::auth::{self, Rol};
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

pub fn run(dir: &Path, persons: u64) -> Result<ExitCode> {
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
    let summary = loep_synth::write_municipality(dir, &options)?;
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
    let mut project = Project::init(&project_dir, crate::bench::demo_config(DEMO_NAME))?;
    let mut users = Vec::new();
    for (naam, rol, org) in DEMO_ACCOUNTS {
        let by = users.first();
        users.push(auth::add_user(
            project.conn(),
            by,
            naam,
            rol,
            org,
            DEMO_PASSWORD,
        )?);
    }
    let user = |rol: Rol| users.iter().find(|u| u.rol == rol).context("demo account");
    println!(
        "   {}",
        users
            .iter()
            .map(|u| format!("{} ({})", u.naam, u.rol.name()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("3. The privacy officer approves it (loep approve, as fg) ...");
    let fg = user(Rol::FunctionarisGegevensbescherming)?;
    auth::authorize(fg, auth::Actie::ProjectGoedkeuren, auth::Object::Project)?;
    project.approve(&fg.naam, "DPIA-DEMO-2026")?;

    println!(
        "4. Loading the delivery (loep intake): contract checks, area scope, pseudonymisation ..."
    );
    let progress = crate::output::BarProgress::new();
    let report = loep_intake::intake(&mut project, &levering, &progress)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    progress.clear();
    crate::output::print_intake(&report, &project_dir);

    println!(
        "5. Linking (at the boundary): tenants and persons in police registrations to the BRP, free-text addresses to the BAG ..."
    );
    let t_link = Instant::now();
    let links = loep_intake::link_project(&mut project)?;
    crate::output::print_links(&links);
    println!("   in {:.1} s", t_link.elapsed().as_secs_f64());

    println!(
        "6. Scanning (loep scan): the published catalogue of explainable indicators over the pseudonymous data ..."
    );
    let catalogue = loep_scan::Catalogue::published()?;
    let t_scan = Instant::now();
    let scan = loep_scan::scan(&mut project, &catalogue, loep_scan::DEFAULT_MEMORY_LIMIT)?;
    loep_scan::clean_spill(&project_dir);
    crate::scan_cmd::print_scan(&scan, t_scan.elapsed().as_secs_f64());
    let signals = loep_store::scan::signals(project.conn(), &scan.run_id)?;
    let profiles = loep_store::scan::profiles(project.conn(), &scan.run_id)?;
    let quality =
        loep_scan::evaluate::evaluate(&scan.run_id, &signals, &profiles, &dir.join("truth"))?;
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
    match signals
        .iter()
        .filter(|s| Some(&s.vbo_id) == scan.top.first().map(|(p, _)| &p.vbo_id))
        .find(|s| s.persons().next().is_some())
    {
        Some(first) => {
            let analist = user(Rol::Analist)?.clone();
            let sleutelhouder = user(Rol::Sleutelhouder)?.clone();
            let o = loep_store::reveal::request(
                &mut project,
                &analist,
                &first.id(),
                "Huisbezoek voorbereiden: wie staan hier ingeschreven en wie moet de handhaver spreken?",
            )?;
            if loep_store::reveal::decide(&mut project, &analist, &o.id, true, "").is_err() {
                println!(
                    "   {}: the analist who asked cannot approve it: refused, that is for a key holder",
                    o.id
                );
            }
            loep_store::reveal::decide(
                &mut project,
                &sleutelhouder,
                &o.id,
                true,
                "Reden volstaat.",
            )?;
            let o = loep_store::reveal::open(&mut project, &analist, &o.id)?;
            let ids = loep_intake::vault::identities(&project, &o.pseudoniemen)?;
            println!(
                "   {} for signal {} ({}): approved by {}, {} person(s) revealed to {} only; every step is in the processing log.",
                o.id,
                o.signaal,
                first.indicator,
                sleutelhouder.naam,
                ids.len(),
                analist.naam
            );
        }
        None => println!("   (no signal with persons to reveal)"),
    }

    println!("8. Delivering the same data again changes nothing:");
    let again = loep_intake::intake(&mut project, &levering, &loep_intake::NoProgress)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "   {}",
        if again.unchanged() {
            "unchanged, nothing loaded twice"
        } else {
            "UNEXPECTED: loaded again"
        }
    );

    let publicatie = project_dir.join("publicatie");
    let catalogue_run = catalogue
        .for_project(&project.config.indicatoren, &project.config.partners)?
        .0;
    std::fs::create_dir_all(&publicatie)?;
    std::fs::write(
        publicatie.join("algoritmeregister.json"),
        serde_json::to_string_pretty(&loep_scan::register::entry(
            &project.config,
            &catalogue_run,
            Some("DPIA-DEMO-2026"),
            "in gebruik",
        ))? + "\n",
    )?;
    std::fs::write(
        publicatie.join("indicatorcatalogus.md"),
        loep_scan::register::catalogue_markdown(&catalogue_run),
    )?;
    println!(
        "9. Publishing (loep register export): {}/algoritmeregister.json and indicatorcatalogus.md",
        publicatie.display()
    );

    let v = loep_store::log::verify(project.conn())?;
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
        "  Gesignaleerd / signalled: {} addresses, {} verwonderadressen (two or more partners' data), each with the facts that fired it (loep signals {p}).",
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
        "  loep signals {p} --gebruiker analist             every signal, per address, with its explanation"
    );
    println!(
        "  loep evaluate {p} --truth {t} --gebruiker analist   precision and recall per theme"
    );
    println!(
        "  loep fairness {p} --gebruiker analist            who is flagged, per buurt, age band and sex"
    );
    println!(
        "  loep reveal list {p} --gebruiker sleutelhouder   requests for identities and their state"
    );
    println!("  loep catalogue                                     the published indicators");
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
    Ok(if v.intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
