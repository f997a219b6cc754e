//! Accounts, four-eyes de-pseudonymisation, retention, access requests, the log export and
//! the Algoritmeregister entry, on the command line.

use anyhow::{Context, Result};
use clap::Subcommand;
use loep_app::Mode;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::access;

// The doc comments of the clap types in this module are the user's help text (Dutch).
#[derive(Subcommand)]
pub enum UserCommand {
    /// Voeg een account toe (beheerder). Het nieuwe wachtwoord komt uit LOEP_NIEUW_WACHTWOORD
    /// of wordt gevraagd.
    Add {
        dir: PathBuf,
        /// De naam van het nieuwe account.
        naam: String,
        /// projectleider, analist, sleutelhouder, partner-medewerker, handhaver,
        /// functionaris-gegevensbescherming (fg) of beheerder.
        #[arg(long)]
        rol: String,
        /// De partnerorganisatie van een partner-medewerker (of handhaver).
        #[arg(long)]
        organisatie: Option<String>,
    },
    /// Wijzig uw eigen wachtwoord (elk account). Het huidige wachtwoord komt uit
    /// LOEP_WACHTWOORD of wordt gevraagd; het nieuwe uit LOEP_NIEUW_WACHTWOORD of wordt twee
    /// keer gevraagd. Uw open sessies in de browser worden beëindigd.
    Wachtwoord { dir: PathBuf },
    /// Toon de accounts van het project en hun rollen.
    List {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Schakel een account uit: het kan niet meer inloggen; wat het deed, blijft vastgelegd.
    Disable { dir: PathBuf, naam: String },
    /// Schakel een uitgeschakeld account weer in (een andere beheerder).
    Enable { dir: PathBuf, naam: String },
    /// Bevestig het account van een sleutelhouder of functionaris gegevensbescherming (door de
    /// functionaris gegevensbescherming): tot dan kan het niets, zodat geen beheerder beide
    /// helften van de vier ogen in handen heeft.
    Confirm { dir: PathBuf, naam: String },
    /// Het spoor van de accounts: aangemaakt, uitgeschakeld, ingeschakeld, bevestigd,
    /// geblokkeerd, en elke mislukte aanmelding (functionaris gegevensbescherming).
    Audit {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum ApiSleutelCommand {
    /// Geef een API-sleutel uit voor een systeem van een partner (beheerder). De sleutel werkt
    /// als het account NAAM (een partner-medewerker of handhaver), binnen zijn scopes; hij
    /// wordt één keer getoond en alleen als hash bewaard.
    New {
        dir: PathBuf,
        /// Het account waarvoor de sleutel werkt.
        naam: String,
        /// zaken.lezen en/of zaken.bijwerken (herhaal de optie).
        #[arg(long = "scope", required = true, value_name = "SCOPE")]
        scopes: Vec<String>,
        /// Welk systeem de sleutel gebruikt (bijvoorbeeld "Suite van de UWV-handhaving").
        #[arg(long)]
        omschrijving: String,
    },
    /// Toon de API-sleutels (nooit hun geheim).
    List {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Trek een API-sleutel in: vanaf nu wordt elk verzoek ermee geweigerd.
    Revoke {
        dir: PathBuf,
        /// Het kenmerk van de sleutel (de 16 hexadecimale tekens na `loep_`, zoals `list` ze
        /// toont).
        id: String,
    },
}

#[derive(Subcommand)]
pub enum RevealCommand {
    /// Vraag de identiteiten achter de personen van één signaal op (analist), met een
    /// geschreven reden.
    Request {
        dir: PathBuf,
        /// Het signaal, RUN/NR zoals `loep signals` het toont.
        signaal: String,
        #[arg(long)]
        reden: String,
    },
    /// Keur een verzoek goed (sleutelhouder, niet de aanvrager).
    Approve {
        dir: PathBuf,
        id: String,
        #[arg(long, default_value = "")]
        toelichting: String,
    },
    /// Weiger een verzoek, met de reden (sleutelhouder, niet de aanvrager).
    Refuse {
        dir: PathBuf,
        id: String,
        /// Waarom: de analist moet ermee verder kunnen.
        #[arg(long, default_value = "")]
        toelichting: String,
    },
    /// Toon de identiteiten van een goedgekeurd verzoek (aan de analist die het vroeg): het
    /// adres voluit, en per persoon de rol daar (ingeschreven, eigenaar, huurder, …).
    Show {
        dir: PathBuf,
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// De verzoeken en hun stand.
    List {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum RetentionCommand {
    /// Vernietig wat volgens de bewaartermijnen van loep.toml aan de beurt is, en leg dat
    /// vast.
    Run {
        dir: PathBuf,
        /// Tel alleen wat aan de beurt is; verander niets.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum RegisterCommand {
    /// Schrijf de registratie voor het Algoritmeregister (JSON) en de indicatorcatalogus
    /// (Markdown).
    Export {
        dir: PathBuf,
        /// Waar de bestanden heen gaan (standaard: PROJECTMAP/publicatie).
        #[arg(long, value_name = "MAP")]
        out: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum LogFormat {
    /// JSON-regels met de velden van Logboek Dataverwerkingen.
    Jsonl,
    /// OTLP/JSON-spans (een ExportTraceServiceRequest).
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
            let rol = loep_app::accounts::parse_role(&rol)?;
            let organisatie = organisatie
                .map(|o| loep_app::accounts::parse_partner(&o))
                .transpose()?;
            let mut s = access::open(&dir, Mode::Write, gebruiker)?;
            let pw = access::new_password("LOEP_NIEUW_WACHTWOORD", &naam)?;
            let u = loep_app::accounts::add(&mut s, &naam, rol, organisatie, &pw)?;
            println!(
                "Account '{}' toegevoegd als {}{}.",
                u.naam,
                u.rol.name(),
                u.organisatie
                    .map(|o| format!(" van {}", o.as_str()))
                    .unwrap_or_default()
            );
            if u.status == loep_app::accounts::AccountStatus::WachtOpBevestiging {
                println!(
                    "Het wacht op bevestiging door een functionaris gegevensbescherming: `loep user confirm {} {}` (als fg; de eerste fg van het project wordt bevestigd door het project goed te keuren).",
                    dir.display(),
                    u.naam
                );
            }
        }
        UserCommand::Wachtwoord { dir } => {
            let (naam, pw) = access::credentials(gebruiker)?;
            let mut s = loep_app::session::login(&dir, Mode::Write, &naam, &pw)?;
            let new = access::new_password("LOEP_NIEUW_WACHTWOORD", &naam)?;
            loep_app::accounts::change_password(&mut s, &pw, &new)?;
            println!(
                "Het wachtwoord van '{naam}' is gewijzigd; open sessies in de browser zijn beëindigd."
            );
        }
        UserCommand::List { dir, json } => {
            let s = access::open(&dir, Mode::Read, gebruiker)?;
            let users = loep_app::accounts::list(&s)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&users)?);
            } else {
                for u in users {
                    println!(
                        "{:<20} {:<34} {:<16} {}",
                        u.naam,
                        u.rol.name(),
                        u.organisatie.map(|o| o.as_str()).unwrap_or("-"),
                        u.status.as_str()
                    );
                }
            }
        }
        UserCommand::Disable { dir, naam } => {
            let mut s = access::open(&dir, Mode::Write, gebruiker)?;
            loep_app::accounts::disable(&mut s, &naam)?;
            println!("Account '{naam}' uitgeschakeld.");
        }
        UserCommand::Enable { dir, naam } => {
            let mut s = access::open(&dir, Mode::Write, gebruiker)?;
            loep_app::accounts::enable(&mut s, &naam)?;
            println!("Account '{naam}' weer ingeschakeld.");
        }
        UserCommand::Confirm { dir, naam } => {
            let mut s = access::open(&dir, Mode::Write, gebruiker)?;
            loep_app::accounts::confirm(&mut s, &naam)?;
            println!("Account '{naam}' bevestigd: het mag nu in zijn rol werken.");
        }
        UserCommand::Audit { dir, json } => {
            let s = access::open(&dir, Mode::Read, gebruiker)?;
            let records = loep_app::accounts::audit(&s)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&records)?);
            } else {
                for r in records {
                    println!(
                        "{} {:<14} {:<20} door {:<16} {}",
                        loep_contract::nl::tijdstip(&r.tijdstip),
                        r.gebeurtenis.as_str(),
                        r.account,
                        r.door.as_deref().unwrap_or("-"),
                        r.toelichting.as_deref().unwrap_or("")
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn scope_list(scopes: &[loep_app::api::Scope], sep: &str) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(sep)
}

pub fn api_sleutel(cmd: ApiSleutelCommand, gebruiker: Option<&str>) -> Result<ExitCode> {
    match cmd {
        ApiSleutelCommand::New {
            dir,
            naam,
            scopes,
            omschrijving,
        } => {
            let scopes = scopes
                .iter()
                .map(|s| loep_app::api::parse_scope(s))
                .collect::<Result<Vec<_>, _>>()?;
            let mut s = access::open(&dir, Mode::Write, gebruiker)?;
            let (k, key) = loep_app::api::issue(&mut s, &naam, &scopes, &omschrijving)?;
            println!(
                "API-sleutel {} uitgegeven voor account '{}' met scope(s) {}.",
                k.id,
                k.gebruiker,
                scope_list(&k.scopes, ", ")
            );
            println!(
                "Geef hem over een veilig kanaal aan het systeem van de partner; hij wordt alleen nu getoond:"
            );
            println!("{key}");
        }
        ApiSleutelCommand::List { dir, json } => {
            let s = access::open(&dir, Mode::Read, gebruiker)?;
            let keys = loep_app::api::list(&s)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&keys)?);
            } else {
                for k in keys {
                    println!(
                        "{} {:<16} {:<30} {:<22} {}",
                        k.id,
                        k.gebruiker,
                        scope_list(&k.scopes, ","),
                        k.ingetrokken
                            .as_deref()
                            .map(|t| format!("ingetrokken {t}"))
                            .unwrap_or_else(|| "geldig".to_string()),
                        k.omschrijving
                    );
                }
            }
        }
        ApiSleutelCommand::Revoke { dir, id } => {
            let mut s = access::open(&dir, Mode::Write, gebruiker)?;
            let k = loep_app::api::revoke(&mut s, &id)?;
            println!(
                "API-sleutel {} ingetrokken; verzoeken ermee worden vanaf nu geweigerd.",
                k.id
            );
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
            let mut s = access::open(&dir, Mode::Write, gebruiker)?;
            let o = loep_app::reveal::request(&mut s, &signaal, &reden)?;
            println!(
                "Verzoek {} om de {} persoon/personen van signaal {} vastgelegd. Een andere sleutelhouder dan u keurt het goed of weigert het: `loep reveal approve {} {}`.",
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
            let mut s = access::open(&dir, Mode::Write, gebruiker)?;
            let o = loep_app::reveal::decide(&mut s, &id, true, &toelichting)?;
            println!(
                "Verzoek {} goedgekeurd: {} mag nu de identiteiten van signaal {} zien (`loep reveal show {} {}`).",
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
            let mut s = access::open(&dir, Mode::Write, gebruiker)?;
            let o = loep_app::reveal::decide(&mut s, &id, false, &toelichting)?;
            println!(
                "Verzoek {} geweigerd: {}",
                o.id,
                o.toelichting.unwrap_or_default()
            );
        }
        RevealCommand::Show { dir, id, json } => {
            let mut s = access::open(&dir, Mode::Write, gebruiker)?;
            let shown = loep_app::reveal::open(&mut s, &id)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&shown)?);
            } else {
                let o = &shown.onthulling;
                println!(
                    "Verzoek {} voor signaal {} (goedgekeurd door een sleutelhouder op {}); reden: {}",
                    o.id,
                    o.signaal,
                    o.beoordeeld.as_deref().unwrap_or("?"),
                    o.reden
                );
                match (&shown.adres, &shown.vbo_id) {
                    (Some(a), Some(v)) => println!(
                        "Adres: {a}{} (BAG {v})",
                        shown
                            .buurt
                            .as_deref()
                            .map(|b| format!(", buurt {b}"))
                            .unwrap_or_default()
                    ),
                    (None, Some(v)) => println!("Adres: BAG {v} (niet in de BAG van het project)"),
                    _ => println!("Adres: onbekend (het signaal is intussen vernietigd)"),
                }
                for p in &shown.personen {
                    let i = &p.identiteit;
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
                    if p.rollen.is_empty() {
                        println!("      rol: geen bron verbindt deze persoon met dit adres");
                    }
                    for r in &p.rollen {
                        println!("      rol: {r}");
                    }
                }
                println!("Dit inzien staat in het verwerkingslog.");
            }
        }
        RevealCommand::List { dir, json } => {
            let s = access::open(&dir, Mode::Read, gebruiker)?;
            let all = loep_app::reveal::list(&s)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                for o in all {
                    println!(
                        "{} {:<12} signaal {}, gevraagd door {} op {}: {}",
                        o.id,
                        o.status,
                        o.signaal,
                        o.aanvrager,
                        loep_contract::nl::tijdstip(&o.aangevraagd),
                        o.reden
                    );
                    // Who decided, when and why (issue 14).
                    if let Some(b) = &o.beoordelaar {
                        println!(
                            "      {} door {} op {}{}",
                            o.status,
                            b,
                            o.beoordeeld
                                .as_deref()
                                .map(loep_contract::nl::tijdstip)
                                .unwrap_or_else(|| "?".into()),
                            o.toelichting
                                .as_deref()
                                .filter(|t| !t.is_empty())
                                .map(|t| format!(": {t}"))
                                .unwrap_or_default()
                        );
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn retention(cmd: RetentionCommand, gebruiker: Option<&str>) -> Result<ExitCode> {
    let RetentionCommand::Run { dir, dry_run, json } = cmd;
    // Opening enforces the periods already; a dry run must not, so it only logs in.
    let mut s = access::login(&dir, Mode::Write, gebruiker)?;
    let r = loep_app::retention::run(&mut s, dry_run)?;
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
    json: bool,
    beperking: Option<&loep_app::inzage::Beperking>,
    gebruiker: Option<&str>,
) -> Result<ExitCode> {
    let mut s = access::open(dir, Mode::Write, gebruiker)?;
    let w = loep_app::inzage::report(&mut s, bsn, out.as_deref(), beperking)?;
    if json {
        // Where the letter is and what it holds, not the letter itself: that names the
        // resident and stays in its files.
        let v = serde_json::json!({
            "html": w.html,
            "pdf": w.pdf,
            "json": w.json,
            "bronnen": w.report.bronnen.len(),
            "signalen": w.report.signalen.len(),
            "verwerkingen": w.report.verwerkingen.len(),
            "zonder_contact": w.zonder_contact,
            "zonder_adres": w.zonder_adres,
            "beperking": w.beperking,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Inzageverslag: {} bron(nen), {} signaal/signalen, {} verwerking(en).",
        w.report.bronnen.len(),
        w.report.signalen.len(),
        w.report.verwerkingen.len()
    );
    println!(
        "  {}  (brief, voor het scherm)\n  {}  (brief, voor de post)\n  {}  (hetzelfde voor machines, met pseudoniemen)",
        w.html.display(),
        w.pdf.display(),
        w.json.display()
    );
    if let Some(b) = &w.beperking {
        println!(
            "Beperkt tot en met {} (artikel 41 UAVG): {}; de reden staat bij de beperking, niet in de brief.",
            b.tot,
            b.delen
                .iter()
                .map(|d| d.code())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    println!("Het bevat identiteiten: geef het alleen aan de bewoner en verwijder het daarna.");
    if w.zonder_adres {
        eprintln!(
            "let op: de BRP-gegevens van het project hebben geen adres om de brief heen te sturen (de persoon woont niet (meer) in de gemeente): overhandig de brief, of stuur hem naar het adres dat in het verzoek staat."
        );
    }
    if w.zonder_contact {
        eprintln!(
            "let op: loep.toml heeft geen contact onder [publicatie], dus de brief kan niet zeggen waar bezwaar heen moet: voeg `contact` toe onder [publicatie] (de functionaris gegevensbescherming keurt het project dan opnieuw goed) en stel het verslag opnieuw op."
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn log_export(
    dir: &Path,
    format: LogFormat,
    out: Option<PathBuf>,
    gebruiker: Option<&str>,
) -> Result<ExitCode> {
    let s = access::open(dir, Mode::Read, gebruiker)?;
    let format = match format {
        LogFormat::Jsonl => loep_app::log::Format::Jsonl,
        LogFormat::Otlp => loep_app::log::Format::Otlp,
    };
    let (text, n) = loep_app::log::export(&s, format)?;
    if let Ok(head) = loep_app::log::signed_head(&s) {
        eprintln!("Ondertekende kop van deze export (bewaar die bij de export): {head}");
    }
    match out {
        Some(path) => {
            std::fs::write(&path, text)
                .with_context(|| format!("kan {} niet schrijven", path.display()))?;
            eprintln!("{n} regels geschreven naar {}.", path.display());
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn register(cmd: RegisterCommand, gebruiker: Option<&str>) -> Result<ExitCode> {
    let RegisterCommand::Export { dir, out, json } = cmd;
    let s = access::open(&dir, Mode::Read, gebruiker)?;
    let p = loep_app::register::export(&s, out.as_deref())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&p)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Algoritmeregister-registratie ({} indicatoren, status {}): {}\nCatalogus voor publicatie: {}",
        p.indicatoren,
        p.status,
        p.json.display(),
        p.markdown.display()
    );
    for o in &p.ontbreekt {
        eprintln!("let op: het register neemt de registratie pas aan met {o}");
    }
    Ok(ExitCode::SUCCESS)
}
