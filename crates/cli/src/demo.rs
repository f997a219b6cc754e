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
        "1. Generating a delivery of every contract table for {persons} persons (gemeente 0392) ..."
    );
    let counts = loep_synth::write_bulk_delivery(&levering, persons, 2026, 392)?;
    println!(
        "   {} rows in {} tables, in {}",
        counts.total(),
        counts.per_table.len(),
        levering.display()
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

    println!("5. Delivering the same data again changes nothing:");
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
    println!(
        "6. Processing log: {} records, chain {}.",
        v.records,
        if v.intact() { "intact" } else { "BROKEN" }
    );
    println!();
    println!(
        "Done in {:.1} s. Project in {}.",
        t0.elapsed().as_secs_f64(),
        project_dir.display()
    );
    println!("Look next:");
    println!(
        "  loep status {}            what was loaded, per table and snapshot",
        project_dir.display()
    );
    println!(
        "  loep log verify {}        the tamper-evident processing log",
        project_dir.display()
    );
    println!(
        "  {}/data/                  pseudonymous Parquet snapshots (no BSN, no names)",
        project_dir.display()
    );
    println!(
        "  {}/vault/                 the identity vault, kept apart",
        project_dir.display()
    );
    Ok(if v.intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
