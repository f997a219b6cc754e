//! `loep catalogue`, `loep scan`, `loep signals`, `loep evaluate`, `loep fairness`.

use anyhow::{Context, Result, bail};
use clap::{Subcommand, ValueEnum};
use loep_scan::{Catalogue, Engine, Sources};
use loep_store::Project;
use std::path::Path;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum CatalogueCommand {
    /// One indicator in full: purpose, legal basis, rationale, what it reads, parameters, SQL.
    Show { code: String },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

pub fn catalogue(cmd: Option<CatalogueCommand>, json: bool) -> Result<ExitCode> {
    let c = Catalogue::published()?;
    match cmd {
        Some(CatalogueCommand::Show { code }) => {
            let Some(i) = c.get(&code) else {
                bail!(
                    "no indicator {code}; `loep catalogue` lists them ({})",
                    c.indicators
                        .iter()
                        .map(|i| i.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            };
            if json {
                println!("{}", serde_json::to_string_pretty(i)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!("{} versie {}: {}", i.code, i.versie, i.titel);
            println!("Thema:          {}", i.thema);
            println!(
                "Partners:       {}",
                i.partners()
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            println!("Beschrijving:   {}", i.beschrijving);
            println!("Onderbouwing:   {}", i.onderbouwing);
            println!("Doel:           {}", i.doel);
            println!("Grondslag:      {}", i.grondslag);
            println!("Niet bedoeld:   {}", i.niet_bedoeld);
            println!("Leest:");
            for (t, cols) in &i.leest {
                println!("  {t}: {}", cols.join(", "));
            }
            println!("Parameters:");
            for (k, p) in &i.parameters {
                println!(
                    "  {k} = {}: {}",
                    loep_scan::catalogue::format_number(p.standaard),
                    p.betekenis
                );
            }
            println!("Uitleg:         {}", i.uitleg);
            println!("SQL:\n{}", i.sql.trim_end());
        }
        None => {
            if json {
                println!("{}", serde_json::to_string_pretty(&c.indicators)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{:<8} {:>5}  {:<27} {:<40} partners",
                "code", "versie", "thema", "titel"
            );
            for i in &c.indicators {
                let mut title = i.titel.clone();
                if title.chars().count() > 40 {
                    title = title.chars().take(39).collect::<String>() + "…";
                }
                println!(
                    "{:<8} {:>5}  {:<27} {:<40} {}",
                    i.code,
                    i.versie,
                    i.thema,
                    title,
                    i.partners()
                        .iter()
                        .map(|p| p.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            println!(
                "{} indicators over {} themes; `loep catalogue show CODE` prints one in full.",
                c.indicators.len(),
                c.indicators
                    .iter()
                    .map(|i| i.thema.as_str())
                    .collect::<std::collections::BTreeSet<_>>()
                    .len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn scan(project: &mut Project, json: bool, memory_limit: usize) -> Result<ExitCode> {
    let c = Catalogue::published()?;
    let t = std::time::Instant::now();
    let report = loep_scan::scan(project, &c, memory_limit)?;
    loep_scan::clean_spill(&project.layout.dir);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    print_scan(&report, t.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

pub fn print_scan(report: &loep_scan::ScanReport, secs: f64) {
    println!(
        "Scan {}: {} signals on {} addresses, {} verwonderadressen ({secs:.1} s).",
        report.run_id, report.signalen, report.adressen, report.verwonderadressen
    );
    println!("  {:<8} {:<27} {:>8}", "code", "thema", "signalen");
    for i in &report.indicatoren {
        match &i.niet_gedraaid {
            None => println!("  {:<8} {:<27} {:>8}", i.code, i.thema, i.signalen),
            Some(why) => println!("  {:<8} {:<27} not run: {why}", i.code, i.thema),
        }
    }
    if !report.top.is_empty() {
        println!(
            "Eerste adressen / first addresses (by number of themes, then partners, then strength):"
        );
        for (p, why) in report.top.iter().take(5) {
            println!(
                "  {}. {} (buurt {}){}: {} | partners: {}",
                p.rang,
                p.vbo_id,
                p.buurtcode.as_deref().unwrap_or("-"),
                if p.verwonderadres {
                    ", verwonderadres"
                } else {
                    ""
                },
                p.themas,
                p.partners
            );
            for w in why {
                println!("       - {w}");
            }
        }
    }
}

fn run_of(project: &Project, run: Option<&str>) -> Result<loep_store::scan::ScanRun> {
    loep_store::scan::run(project.conn(), run)?.with_context(|| match run {
        Some(id) => format!("there is no scan run {id}; `loep status` lists the runs"),
        None => "there is no scan yet; run `loep scan DIR` first".to_string(),
    })
}

pub fn signals(project: &Project, run: Option<&str>, format: Format) -> Result<ExitCode> {
    let run = run_of(project, run)?;
    let signals = loep_store::scan::signals(project.conn(), &run.run_id)?;
    let profiles = loep_store::scan::profiles(project.conn(), &run.run_id)?;
    match format {
        Format::Csv => loep_scan::write_signals_csv(std::io::stdout().lock(), &signals, &profiles)?,
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "run": run, "signalen": signals, "adressen": profiles
            }))?
        ),
        Format::Table => {
            println!(
                "Scan {} of {}: {} signals on {} addresses",
                run.run_id, run.tijdstip, run.signalen, run.adressen
            );
            for p in &profiles {
                println!(
                    "{:>4}. {} buurt {} | {} | partners {}{}",
                    p.rang,
                    p.vbo_id,
                    p.buurtcode.as_deref().unwrap_or("-"),
                    p.themas,
                    p.partners,
                    if p.verwonderadres {
                        " | verwonderadres"
                    } else {
                        ""
                    }
                );
                for s in signals.iter().filter(|s| s.vbo_id == p.vbo_id) {
                    println!("        {} {}: {}", s.indicator, s.thema, s.uitleg);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn evaluate(
    project: &Project,
    truth: &Path,
    run: Option<&str>,
    json: bool,
) -> Result<ExitCode> {
    let run = run_of(project, run)?;
    let signals = loep_store::scan::signals(project.conn(), &run.run_id)?;
    let profiles = loep_store::scan::profiles(project.conn(), &run.run_id)?;
    let q = loep_scan::evaluate::evaluate(&run.run_id, &signals, &profiles, truth)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&q)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("Scan {} against {}:", run.run_id, truth.display());
    println!(
        "  {:<27} {:>7} {:>10} {:>6} {:>9} {:>7} {:>6} {:>8} {:>13}",
        "thema",
        "gepland",
        "gemarkeerd",
        "juist",
        "precision",
        "recall",
        "F1",
        "decoys",
        "decoys flagged"
    );
    for t in q.themas.iter().chain(std::iter::once(&q.verwonderadressen)) {
        println!(
            "  {:<27} {:>7} {:>10} {:>6} {:>9.3} {:>7.3} {:>6.3} {:>8} {:>13}",
            t.thema,
            t.gepland,
            t.gemarkeerd,
            t.juist,
            t.precision,
            t.recall,
            t.f1,
            t.lokvogels,
            t.lokvogels_gemarkeerd
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn fairness(project: &Project, run: Option<&str>, json: bool) -> Result<ExitCode> {
    let run = run_of(project, run)?;
    let profiles = loep_store::scan::profiles(project.conn(), &run.run_id)?;
    let spill = tempfile::tempdir().context("cannot create a temporary directory")?;
    let engine = Engine::new(
        Sources::of(project)?,
        loep_scan::DEFAULT_MEMORY_LIMIT,
        spill.path(),
    )?;
    let year = i64::from(chrono::Datelike::year(&loep_store::clock::now_utc()));
    let f = loep_scan::fairness::fairness(&engine, &run.run_id, &profiles, year)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&f)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Scan {}: {} of {} residents live at a flagged address. Per group, the share of residents against the share of those flagged; a disparity above 1 means flagged more often than the group's size explains (not computed below {} residents).",
        run.run_id,
        f.bewoners_gemarkeerd,
        f.bewoners,
        loep_scan::fairness::MIN_GROUP
    );
    println!(
        "  {:<10} {:<14} {:>9} {:>10} {:>11} {:>12} {:>11} {:>9} {:>10}",
        "dimensie",
        "groep",
        "bewoners",
        "gemarkeerd",
        "% bevolking",
        "% gemarkeerd",
        "dispariteit",
        "adressen",
        "gemarkeerd"
    );
    for g in &f.groepen {
        println!(
            "  {:<10} {:<14} {:>9} {:>10} {:>10.1}% {:>11.1}% {:>11} {:>9} {:>10}",
            g.dimensie,
            g.groep,
            g.bewoners,
            g.bewoners_gemarkeerd,
            100.0 * g.aandeel_bevolking,
            100.0 * g.aandeel_gemarkeerd,
            g.dispariteit.map_or("-".into(), |d| format!("{d:.2}")),
            g.adressen.map_or("-".into(), |a| a.to_string()),
            g.adressen_gemarkeerd.map_or("-".into(), |a| a.to_string()),
        );
    }
    Ok(ExitCode::SUCCESS)
}
