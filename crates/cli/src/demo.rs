//! `loep demo`: the whole chain on generated data, in one command.

use anyhow::{Result, bail};
use loep_store::Project;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

const DEMO_NAME: &str = "Demo Haarlem (gegenereerde gegevens)";

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
    println!("2. Creating the project (loep init) ...");
    let mut project = Project::init(&project_dir, crate::bench::demo_config(DEMO_NAME))?;
    println!("3. The privacy officer approves it (loep approve) ...");
    project.approve(
        "F. G. Demo (functionaris gegevensbescherming)",
        "DPIA-DEMO-2026",
    )?;

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

    println!("7. Delivering the same data again changes nothing:");
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
    println!("Verder kijken / look next:");
    println!("  loep status {p}          what was loaded, per table and snapshot");
    println!("  loep signals {p}         every signal, per address, with its explanation");
    println!("  loep evaluate {p} --truth {t}   precision and recall per theme");
    println!("  loep fairness {p}        who is flagged, per buurt, age band and sex");
    println!("  loep catalogue           the published indicators");
    println!("  loep log verify {p}      the tamper-evident processing log");
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
