//! Accounts, four-eyes de-pseudonymisation, retention, access requests, the log export and
//! the Algoritmeregister entry, on the command line.

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use loep_store::auth::{self, Actie, Rol};
use loep_store::{Access, reveal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::access::{self, Session};

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add an account (beheerder). The new password comes from LOEP_NIEUW_WACHTWOORD or is asked.
    Add {
        dir: PathBuf,
        /// The new account's name.
        naam: String,
        /// projectleider, analist, sleutelhouder, partner-medewerker, handhaver,
        /// functionaris-gegevensbescherming (fg) or beheerder.
        #[arg(long)]
        rol: String,
        /// The partner organisation of a partner-medewerker (or handhaver).
        #[arg(long)]
        organisatie: Option<String>,
    },
    /// List the project's accounts and their roles.
    List {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Disable an account: it can no longer log in; what it did stays recorded.
    Disable { dir: PathBuf, naam: String },
}

#[derive(Subcommand)]
pub enum RevealCommand {
    /// Ask for the identities behind one signal's persons (analist), with a written reason.
    Request {
        dir: PathBuf,
        /// The signal, RUN/NR as `loep signals` shows it.
        signaal: String,
        #[arg(long)]
        reden: String,
    },
    /// Approve a request (sleutelhouder, not the requester).
    Approve {
        dir: PathBuf,
        id: String,
        #[arg(long, default_value = "")]
        toelichting: String,
    },
    /// Refuse a request, saying why (sleutelhouder, not the requester).
    Refuse {
        dir: PathBuf,
        id: String,
        /// Why: the analist must be able to act on it.
        #[arg(long, default_value = "")]
        toelichting: String,
    },
    /// Show the identities of an approved request (the analist who asked).
    Show {
        dir: PathBuf,
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// The requests and their state.
    List {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum RetentionCommand {
    /// Destroy what the retention periods of loep.toml say is due, and record it.
    Run {
        dir: PathBuf,
        /// Only count what is due; change nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum RegisterCommand {
    /// Write the Algoritmeregister entry (JSON) and the indicator catalogue (Markdown).
    Export {
        dir: PathBuf,
        /// Where the files go (default: DIR/publicatie).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum LogFormat {
    /// JSON lines with the Logboek Dataverwerkingen fields.
    Jsonl,
    /// OTLP/JSON spans (an ExportTraceServiceRequest).
    Otlp,
}

pub fn user(cmd: UserCommand, gebruiker: Option<&str>) -> Result<ExitCode> {
    match cmd {
        UserCommand::Add {
            dir,
            naam,
            rol,
            organisatie,
        } => {
            let rol = Rol::parse(&rol)?;
            let organisatie = organisatie
                .map(|o| {
                    loep_contract::Partner::parse(o.trim())
                        .map_err(|e| anyhow::anyhow!("--organisatie: {e}"))
                })
                .transpose()?;
            let s = access::open(&dir, Access::Write, Actie::GebruikersBeheren, gebruiker)?;
            let pw = access::new_password("LOEP_NIEUW_WACHTWOORD", &naam)?;
            let u = auth::add_user(
                s.project.conn(),
                Some(&s.user),
                &naam,
                rol,
                organisatie,
                &pw,
            )?;
            println!(
                "Account '{}' added as {}{}.",
                u.naam,
                u.rol.name(),
                u.organisatie
                    .map(|o| format!(" of {}", o.as_str()))
                    .unwrap_or_default()
            );
        }
        UserCommand::List { dir, json } => {
            let s = access::open(&dir, Access::Read, Actie::GebruikersBekijken, gebruiker)?;
            let users = auth::users(s.project.conn())?;
            if json {
                println!("{}", serde_json::to_string_pretty(&users)?);
            } else {
                for u in users {
                    println!(
                        "{:<20} {:<34} {:<16} {}",
                        u.naam,
                        u.rol.name(),
                        u.organisatie.map(|o| o.as_str()).unwrap_or("-"),
                        if u.actief { "actief" } else { "uitgeschakeld" }
                    );
                }
            }
        }
        UserCommand::Disable { dir, naam } => {
            let s = access::open(&dir, Access::Write, Actie::GebruikersBeheren, gebruiker)?;
            auth::disable_user(s.project.conn(), &s.user, &naam)?;
            println!("Account '{naam}' disabled.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn reveal(cmd: RevealCommand, gebruiker: Option<&str>) -> Result<ExitCode> {
    match cmd {
        RevealCommand::Request {
            dir,
            signaal,
            reden,
        } => {
            let Session { mut project, user } =
                access::open(&dir, Access::Write, Actie::OnthullingAanvragen, gebruiker)?;
            let o = reveal::request(&mut project, &user, &signaal, &reden)?;
            println!(
                "Request {} for the {} person(s) of signal {} recorded. A key holder (sleutelhouder) other than you approves or refuses it: `loep reveal approve {} {}`.",
                o.id,
                o.pseudoniemen.len(),
                o.signaal,
                dir.display(),
                o.id
            );
        }
        RevealCommand::Approve {
            dir,
            id,
            toelichting,
        } => {
            let Session { mut project, user } =
                access::open(&dir, Access::Write, Actie::OnthullingBeoordelen, gebruiker)?;
            let o = reveal::decide(&mut project, &user, &id, true, &toelichting)?;
            println!(
                "Request {} approved: {} may now see the identities of signal {} (`loep reveal show {} {}`).",
                o.id,
                o.aanvrager,
                o.signaal,
                dir.display(),
                o.id
            );
        }
        RevealCommand::Refuse {
            dir,
            id,
            toelichting,
        } => {
            let Session { mut project, user } =
                access::open(&dir, Access::Write, Actie::OnthullingBeoordelen, gebruiker)?;
            let o = reveal::decide(&mut project, &user, &id, false, &toelichting)?;
            println!(
                "Request {} refused: {}",
                o.id,
                o.toelichting.unwrap_or_default()
            );
        }
        RevealCommand::Show { dir, id, json } => {
            let Session { mut project, user } =
                access::open(&dir, Access::Write, Actie::OnthullingInzien, gebruiker)?;
            let o = reveal::open(&mut project, &user, &id)?;
            let ids = loep_intake::vault::identities(&project, &o.pseudoniemen)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "onthulling": o, "personen": ids
                    }))?
                );
            } else {
                println!(
                    "Request {} for signal {} (approved by a key holder on {}); reason: {}",
                    o.id,
                    o.signaal,
                    o.beoordeeld.as_deref().unwrap_or("?"),
                    o.reden
                );
                for i in ids {
                    let naam = [
                        i.voornamen.as_deref(),
                        i.voorvoegsel.as_deref(),
                        i.geslachtsnaam.as_deref(),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                    println!(
                        "  {}  BSN {}  {}  geboren {}",
                        i.pseudoniem,
                        i.bsn.as_deref().unwrap_or("onbekend"),
                        if naam.is_empty() {
                            "(naam niet in de BRP)"
                        } else {
                            &naam
                        },
                        i.geboortedatum.as_deref().unwrap_or("onbekend")
                    );
                }
                println!("This view is recorded in the processing log.");
            }
        }
        RevealCommand::List { dir, json } => {
            let s = access::open(&dir, Access::Read, Actie::OnthullingenBekijken, gebruiker)?;
            let all = reveal::list(s.project.conn(), &s.user)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                for o in all {
                    println!(
                        "{} {:<12} signal {} by {} on {}: {}",
                        o.id, o.status, o.signaal, o.aanvrager, o.aangevraagd, o.reden
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn retention(cmd: RetentionCommand, gebruiker: Option<&str>) -> Result<ExitCode> {
    let RetentionCommand::Run { dir, dry_run, json } = cmd;
    // Opening enforces the periods already; a dry run must not, so it only logs in.
    let Session { mut project, .. } = access::login(
        &dir,
        Access::Write,
        Actie::BewaartermijnenHandhaven,
        gebruiker,
    )?;
    let r = loep_intake::vault::enforce_retention(&mut project, dry_run)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        println!("{}", crate::output::retention_summary(&r));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn inzage(
    dir: &Path,
    bsn: &str,
    out: Option<PathBuf>,
    gebruiker: Option<&str>,
) -> Result<ExitCode> {
    let Session { mut project, .. } =
        access::open(dir, Access::Write, Actie::InzageOpstellen, gebruiker)?;
    let catalogue = loep_scan::Catalogue::published()?;
    let (run, _) = catalogue.for_project(&project.config.indicatoren, &project.config.partners)?;
    let indicatoren = run
        .iter()
        .map(|i| loep_intake::inzage::IndicatorUitleg {
            code: i.code.clone(),
            versie: i.versie,
            thema: i.thema.clone(),
            titel: i.titel.clone(),
            beschrijving: i.beschrijving.clone(),
        })
        .collect();
    let r = loep_intake::inzage::report(&mut project, bsn, indicatoren)?;
    let out = out.unwrap_or_else(|| project.layout.dir.join("inzage"));
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let stem = format!("inzage-{}", r.pseudoniem.get(..12).unwrap_or(&r.pseudoniem));
    let json_path = out.join(format!("{stem}.json"));
    let html_path = out.join(format!("{stem}.html"));
    std::fs::write(&json_path, serde_json::to_string_pretty(&r)?)
        .with_context(|| format!("cannot write {}", json_path.display()))?;
    std::fs::write(&html_path, loep_intake::inzage::to_html(&r))
        .with_context(|| format!("cannot write {}", html_path.display()))?;
    println!(
        "Access report: {} source(s), {} signal(s), {} processing record(s).",
        r.bronnen.len(),
        r.signalen.len(),
        r.verwerkingen.len()
    );
    println!("  {}\n  {}", html_path.display(), json_path.display());
    println!("It holds identities: hand it to the resident only, and remove it afterwards.");
    Ok(ExitCode::SUCCESS)
}

pub fn log_export(
    dir: &Path,
    format: LogFormat,
    out: Option<PathBuf>,
    gebruiker: Option<&str>,
) -> Result<ExitCode> {
    let s = access::open(dir, Access::Read, Actie::LogExporteren, gebruiker)?;
    let v = loep_store::log::verify(s.project.conn())?;
    if !v.intact() {
        bail!(
            "the processing log was tampered with ({}); `loep log verify` lists the problems. Nothing was exported.",
            v.problems.join("; ")
        );
    }
    let records = loep_store::log::records(s.project.conn())?;
    let text = match format {
        LogFormat::Jsonl => {
            let mut t = String::new();
            for r in &records {
                t.push_str(&loep_store::log::to_logboek_json(r).to_string());
                t.push('\n');
            }
            t
        }
        LogFormat::Otlp => loep_store::log::to_otlp_json(&records).to_string() + "\n",
    };
    match out {
        Some(path) => {
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("{} records written to {}.", records.len(), path.display());
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn register(cmd: RegisterCommand, gebruiker: Option<&str>) -> Result<ExitCode> {
    let RegisterCommand::Export { dir, out } = cmd;
    let s = access::open(&dir, Access::Read, Actie::RegisterExporteren, gebruiker)?;
    let catalogue = loep_scan::Catalogue::published()?;
    let (run, _) =
        catalogue.for_project(&s.project.config.indicatoren, &s.project.config.partners)?;
    let approval = s.project.approval()?;
    let status = match &approval {
        Some(a) if a.geldig => "in gebruik",
        _ => "in ontwikkeling",
    };
    let dpia = approval
        .as_ref()
        .filter(|a| a.geldig)
        .map(|a| a.dpia.as_str());
    let entry = loep_scan::register::entry(&s.project.config, &run, dpia, status);
    let out = out.unwrap_or_else(|| s.project.layout.dir.join("publicatie"));
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let json_path = out.join("algoritmeregister.json");
    let md_path = out.join("indicatorcatalogus.md");
    std::fs::write(&json_path, serde_json::to_string_pretty(&entry)? + "\n")
        .with_context(|| format!("cannot write {}", json_path.display()))?;
    std::fs::write(&md_path, loep_scan::register::catalogue_markdown(&run))
        .with_context(|| format!("cannot write {}", md_path.display()))?;
    println!(
        "Algoritmeregister entry ({} indicators, status {status}): {}\nCatalogue for publication: {}",
        run.len(),
        json_path.display(),
        md_path.display()
    );
    Ok(ExitCode::SUCCESS)
}
