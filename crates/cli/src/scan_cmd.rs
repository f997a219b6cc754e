//! `loep catalogue`, `loep scan`, `loep signals`, `loep evaluate`, `loep fairness`.

use anyhow::{Result, bail};
use clap::{Subcommand, ValueEnum};
use loep_app::Session;
use loep_app::scan::{Page, SignalFilter};
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
    let c = loep_app::scan::catalogue()?;
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
                    loep_app::scan::format_number(p.standaard),
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

pub fn scan(session: &mut Session, json: bool, memory_limit: usize) -> Result<ExitCode> {
    let t = std::time::Instant::now();
    let report = loep_app::scan::run(session, memory_limit)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    print_scan(&report, t.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

pub fn print_scan(report: &loep_app::scan::ScanReport, secs: f64) {
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
                p.themas.join(", "),
                p.partners.join(", ")
            );
            for w in why {
                println!("       - {w}");
            }
        }
    }
}

pub fn signals(session: &Session, run: Option<&str>, format: Format) -> Result<ExitCode> {
    let filter = SignalFilter {
        run: run.map(str::to_string),
        ..SignalFilter::default()
    };
    let loep_app::scan::Signals { run, signals, .. } =
        loep_app::scan::signals(session, &filter, Page::ALL)?;
    let (_, profiles) = loep_app::scan::profiles(session, Some(&run.run_id))?;
    match format {
        Format::Csv => {
            loep_app::scan::write_signals_csv(std::io::stdout().lock(), &signals, &profiles)?
        }
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
                    p.themas.join(", "),
                    p.partners.join(", "),
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
    session: &Session,
    truth: &Path,
    run: Option<&str>,
    json: bool,
) -> Result<ExitCode> {
    let (run, q) = loep_app::scan::evaluate(session, truth, run)?;
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
    if !q.varianten.is_empty() {
        println!("Per variant and strength (look-alikes: flagged of planted):");
        println!(
            "  {:<27} {:<30} {:<7} {:>7} {:>10} {:>7}",
            "thema", "variant", "sterkte", "gepland", "gemarkeerd", "recall"
        );
        for v in &q.varianten {
            let share = if v.gepland == 0 {
                0.0
            } else {
                v.gemarkeerd as f64 / v.gepland as f64
            };
            println!(
                "  {:<27} {:<30} {:<7} {:>7} {:>10} {:>7}",
                v.thema,
                v.variant,
                if v.lokvogel { "lokvogel" } else { &v.sterkte },
                v.gepland,
                v.gemarkeerd,
                if v.lokvogel {
                    String::new()
                } else {
                    format!("{share:.3}")
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn fairness(session: &Session, run: Option<&str>, json: bool) -> Result<ExitCode> {
    let (run, f) = loep_app::scan::fairness(session, run)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&f)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Scan {}: {} of {} residents live at a flagged address. Per group, the share of residents against the share of those flagged; a disparity above 1 means flagged more often than the group's size explains (not computed below {} residents).",
        run.run_id,
        f.bewoners_gemarkeerd,
        f.bewoners,
        loep_app::scan::MIN_GROUP
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
