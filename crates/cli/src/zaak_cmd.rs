//! The case register on the command line: `loep zaak …`, `loep trefkans`,
//! `loep terugmelding export`. What people read here is Dutch.

use anyhow::{Result, bail};
use clap::Subcommand;
use loep_app::Mode;
use loep_app::types::{Nieuw, Partner, Toewijzing, Uitkomst, ZaakDetail, ZaakFilter};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::access;

#[derive(Subcommand)]
pub enum ZaakCommand {
    /// Open a case for the address of one or more signals (analist, projectleider).
    New {
        dir: PathBuf,
        /// A signal of the address, RUN/NR as `loep signals` shows it (repeat for more).
        #[arg(long = "signaal", required = true)]
        signalen: Vec<String>,
        /// The case type (default: the one of the first signal's theme); `loep zaak catalogus`.
        #[arg(long)]
        zaaktype: Option<String>,
        /// A short description (default: the case type's, with the address).
        #[arg(long)]
        omschrijving: Option<String>,
        /// Why the case is opened.
        #[arg(long, default_value = "")]
        toelichting: String,
        /// The main case this one belongs to (one landlord, a case per address).
        #[arg(long)]
        hoofdzaak: Option<String>,
        /// ZGW's vertrouwelijkheidaanduiding (default: the case type's).
        #[arg(long)]
        vertrouwelijkheid: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The cases you may see (a partner: those routed to its organisation), newest first.
    List {
        dir: PathBuf,
        /// Only cases with this status (e.g. in_onderzoek).
        #[arg(long)]
        status: Option<String>,
        /// Only cases of this type.
        #[arg(long)]
        zaaktype: Option<String>,
        /// Only open cases.
        #[arg(long, conflicts_with = "gesloten")]
        open: bool,
        /// Only closed cases.
        #[arg(long)]
        gesloten: bool,
        /// Only cases about this address (16-digit BAG verblijfsobject id).
        #[arg(long)]
        adres: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// A case with its statuses, signals, roles, visits, findings and terugmeldingen.
    Show {
        dir: PathBuf,
        /// The case's identificatie (LOEP-2026-000001) or uuid.
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Take a case into investigation (`in_onderzoek`) or cancel it (`geannuleerd`, with a reason).
    Status {
        dir: PathBuf,
        id: String,
        /// The new status: in_onderzoek or geannuleerd.
        #[arg(long)]
        naar: String,
        /// Why (required when cancelling, at least 20 characters).
        #[arg(long, default_value = "")]
        toelichting: String,
    },
    /// Route a case to a partner organisation, a care partner or a handhaver (projectleider).
    Assign {
        dir: PathBuf,
        id: String,
        /// behandelaar (enforcement), zorgpartner (care) or huisbezoeker (visit).
        #[arg(long)]
        rol: String,
        /// A partner organisation of the project (gemeente, uwv, svb, belastingdienst, …).
        #[arg(long)]
        organisatie: Option<String>,
        /// An account of the project (a partner-medewerker or handhaver).
        #[arg(long)]
        medewerker: Option<String>,
    },
    /// Plan or record a house visit.
    Visit {
        #[command(subcommand)]
        command: VisitCommand,
    },
    /// Record your organisation's own findings on a case, and its own dossier number.
    Note {
        dir: PathBuf,
        id: String,
        /// What your organisation found.
        #[arg(long, default_value = "")]
        tekst: String,
        /// Your organisation's own dossier number for the case.
        #[arg(long)]
        zaakkenmerk: Option<String>,
    },
    /// Close a case with a resultaat; every indicator that raised it needs a bevinding.
    Close {
        dir: PathBuf,
        id: String,
        /// The resultaat: onrechtmatigheid_vastgesteld, zorg_geboden, niets_gevonden, niet_vast_te_stellen.
        #[arg(long)]
        resultaat: String,
        #[arg(long, default_value = "")]
        toelichting: String,
        /// INDICATOR=bevestigd|niet_bevestigd|niet_vast_te_stellen, for indicators the visit did not judge.
        #[arg(long = "bevinding")]
        bevindingen: Vec<String>,
    },
    /// Reopen a closed case (projectleider), with a reason of at least 20 characters.
    Reopen {
        dir: PathBuf,
        id: String,
        #[arg(long)]
        reden: String,
    },
    /// The published catalogue of case types, statuses, results, roles and outcomes.
    Catalogus {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum VisitCommand {
    /// Plan a house visit; the team's accounts get the role huisbezoeker.
    Plan {
        dir: PathBuf,
        id: String,
        /// The day of the visit (YYYY-MM-DD).
        #[arg(long)]
        datum: String,
        /// The visiting accounts (handhavers, care workers), comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        team: Vec<String>,
    },
    /// Record the visit's outcomes and a bevinding per indicator (handhaver on the case).
    Record {
        dir: PathBuf,
        id: String,
        /// An outcome (repeat for more): brp_gecorrigeerd, uitgeschreven, brp_klopt_niet,
        /// uitkering_gestopt, uitkering_teruggevorderd, boete, sociale_huurwoning_vrijgekomen,
        /// strafbaar_feit_overgedragen, doorverwezen_zorg, doorverwezen_schuldhulp, niets_gevonden.
        #[arg(long = "uitkomst", required = true)]
        uitkomsten: Vec<String>,
        /// The day the visit took place (JJJJ-MM-DD; default today): not in the future.
        #[arg(long)]
        datum: Option<String>,
        /// INDICATOR=bevestigd|niet_bevestigd|niet_vast_te_stellen, for every indicator of the case.
        #[arg(long = "bevinding")]
        bevindingen: Vec<String>,
        #[arg(long, default_value = "")]
        toelichting: String,
        /// With outcome brp_klopt_niet: PSEUDONIEM[=VOORGESTELDE_WAARDE] of the person whose
        /// registration is wrong (a terugmelding is drawn up).
        #[arg(long = "brp-onjuist")]
        brp_onjuist: Vec<String>,
        /// Who went (accounts or names, comma-separated; default: you).
        #[arg(long, value_delimiter = ',')]
        aanwezig: Vec<String>,
    },
}

#[derive(Subcommand)]
pub enum TerugmeldingCommand {
    /// Export a terugmelding to the BRP with the person's BSN (handhaver on the case; needs an
    /// approved request for identities on the case's signal). Written inside the vault unless --out.
    Export {
        dir: PathBuf,
        /// The terugmelding (T000001), as `loep zaak show` lists it.
        id: String,
        /// Where the file goes (default: inside the vault, under its retention).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn parse_bevindingen(items: &[String]) -> Result<Vec<(String, String)>> {
    items
        .iter()
        .map(|b| match b.split_once('=') {
            Some((i, o)) if !i.trim().is_empty() => {
                Ok((i.trim().to_uppercase(), o.trim().to_lowercase()))
            }
            _ => bail!(
                "--bevinding '{b}': schrijf INDICATOR=bevestigd, INDICATOR=niet_bevestigd of INDICATOR=niet_vast_te_stellen"
            ),
        })
        .collect()
}

fn print_json(v: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn statustekst(code: &str) -> String {
    loep_app::zaken::catalogus()
        .statustype(code)
        .map(|s| s.omschrijving.clone())
        .unwrap_or_else(|| code.to_string())
}

/// The address written out, or where the BAG does not hold it, its id.
fn adres_text(a: Option<&loep_app::zaken::CaseAddress>, vbo_id: &str) -> String {
    a.and_then(|a| a.adres.clone())
        .unwrap_or_else(|| format!("verblijfsobject {vbo_id} (niet in de huidige BAG)"))
}

/// A case with its address, for `--json`: the case as the register keeps it, and `adres`.
fn with_address(
    z: &impl serde::Serialize,
    a: Option<&loep_app::zaken::CaseAddress>,
) -> Result<serde_json::Value> {
    let mut v = serde_json::to_value(z)?;
    if let Some(o) = v.as_object_mut() {
        o.insert("adres".into(), serde_json::to_value(a)?);
    }
    Ok(v)
}

fn print_detail(
    d: &ZaakDetail,
    a: Option<&loep_app::zaken::CaseAddress>,
    personen: &[loep_app::zaken::CasePerson],
) {
    let z = &d.zaak;
    println!("Zaak {} ({})", z.identificatie, z.zaaktype);
    println!("  {}", z.omschrijving);
    if !z.toelichting.is_empty() {
        println!("  Toelichting: {}", z.toelichting);
    }
    println!(
        "  Adres: {}; buurt {} (verblijfsobject {})",
        adres_text(a, &z.zaakobject.identificatie),
        a.and_then(|a| a.buurtnaam.clone().or(a.buurtcode.clone()))
            .unwrap_or_else(|| "onbekend".into()),
        z.zaakobject.identificatie
    );
    println!(
        "  Status: {}; geregistreerd {}{}",
        statustekst(&z.status),
        z.registratiedatum,
        z.einddatum
            .as_deref()
            .map(|e| format!(", afgesloten {e}"))
            .unwrap_or_default()
    );
    if let Some(r) = &z.resultaat {
        println!(
            "  Resultaat: {r}; te vernietigen op {}",
            z.archiefactiedatum.as_deref().unwrap_or("?")
        );
    }
    if let Some(h) = &z.hoofdzaak {
        println!("  Hoofdzaak: {h}");
    }
    if !d.deelzaken.is_empty() {
        println!("  Deelzaken: {}", d.deelzaken.join(", "));
    }
    println!("  Signalen:");
    for s in &d.signalen {
        println!(
            "    {} {} ({}): {}",
            s.signaal, s.indicator, s.thema, s.uitleg
        );
    }
    println!("  Personen:");
    if personen.is_empty() {
        println!("    geen (de signalen noemen niemand)");
    }
    let today = loep_app::today();
    for p in personen {
        println!(
            "    {} (pseudoniem {}){}",
            p.label(&today),
            p.pseudoniem,
            p.onthulling
                .as_deref()
                .map(|o| format!("; identiteit: loep reveal show PROJECTMAP {o}"))
                .unwrap_or_default()
        );
        if p.rollen.is_empty() {
            println!(
                "      {}",
                if p.verborgen {
                    "wat deze persoon aan het adres verbindt, is voor u niet zichtbaar (gegevens van andere organisaties)"
                } else {
                    "geen bron koppelt deze persoon aan dit adres"
                }
            );
        }
        for r in &p.rollen {
            println!("      {r}");
        }
    }
    println!("  Rollen:");
    for r in &d.rollen {
        println!(
            "    {:<12} {}{}{}",
            r.roltype,
            r.organisatie.as_deref().unwrap_or(""),
            r.medewerker
                .as_deref()
                .map(|m| format!(" {m}"))
                .unwrap_or_default(),
            r.zaakkenmerk
                .as_deref()
                .map(|k| format!(" (kenmerk {k})"))
                .unwrap_or_default()
        );
    }
    for h in &d.huisbezoeken {
        println!(
            "  Huisbezoek {}: gepland {} met {}; {}",
            h.volgnr,
            h.gepland,
            h.team.join(", "),
            match &h.uitgevoerd {
                Some(u) => format!(
                    "uitgevoerd {u} door {}, uitkomst {}",
                    if h.aanwezig.is_empty() {
                        "(niet vastgelegd)".to_string()
                    } else {
                        h.aanwezig.join(", ")
                    },
                    h.uitkomsten.join(", ")
                ),
                None => "nog niet uitgevoerd".to_string(),
            }
        );
    }
    for b in &d.bevindingen {
        println!("  Bevinding {}: {}", b.indicator, b.oordeel);
    }
    for n in &d.notities {
        println!(
            "  Notitie {} ({}): {}",
            n.volgnr,
            n.organisatie.as_deref().unwrap_or("gemeente"),
            n.tekst
        );
    }
    for t in &d.terugmeldingen {
        println!(
            "  Terugmelding {} ({}): {} → {} [{}]",
            t.id, t.referentiekenmerk, t.betwijfelde_waarde, t.voorgestelde_waarde, t.status
        );
    }
    println!("  Statusgeschiedenis:");
    for s in &d.statussen {
        println!(
            "    {} {:<22} {} ({})",
            loep_contract::nl::tijdstip(&s.datum_status_gezet),
            s.statustype,
            s.statustoelichting,
            s.door
        );
    }
}

pub fn zaak(cmd: ZaakCommand, who: Option<&str>) -> Result<ExitCode> {
    match cmd {
        ZaakCommand::New {
            dir,
            signalen,
            zaaktype,
            omschrijving,
            toelichting,
            hoofdzaak,
            vertrouwelijkheid,
            json,
        } => {
            let mut s = access::open(&dir, Mode::Write, who)?;
            let z = loep_app::zaken::new(
                &mut s,
                &Nieuw {
                    signalen,
                    zaaktype,
                    omschrijving,
                    toelichting,
                    hoofdzaak,
                    vertrouwelijkheidaanduiding: vertrouwelijkheid,
                },
            )?;
            if json {
                print_json(&z)?;
            } else {
                println!(
                    "Zaak {} ({}) aangemaakt voor verblijfsobject {}.",
                    z.identificatie, z.zaaktype, z.zaakobject.identificatie
                );
                println!(
                    "Volgende stap: `loep zaak assign {} {} --rol behandelaar --organisatie PARTNER` (projectleider).",
                    dir.display(),
                    z.identificatie
                );
            }
        }
        ZaakCommand::List {
            dir,
            status,
            zaaktype,
            open,
            gesloten,
            adres,
            json,
        } => {
            let s = access::open(&dir, Mode::Read, who)?;
            let filter = ZaakFilter {
                status,
                zaaktype,
                open: if open {
                    Some(true)
                } else if gesloten {
                    Some(false)
                } else {
                    None
                },
                vbo_id: adres,
            };
            let zaken = loep_app::zaken::list(&s, &filter)?;
            let adressen = loep_app::zaken::addresses_of(&s, &zaken.iter().collect::<Vec<_>>())?;
            let adres_van = |z: &loep_app::types::Zaak| adressen.get(&z.zaakobject.identificatie);
            if json {
                let v = zaken
                    .iter()
                    .map(|z| with_address(z, adres_van(z)))
                    .collect::<Result<Vec<_>>>()?;
                print_json(&v)?;
            } else if zaken.is_empty() {
                println!("Geen zaken.");
            } else {
                println!(
                    "{:<17} {:<16} {:<22} {:<12} adres",
                    "zaak", "zaaktype", "status", "geregistreerd"
                );
                for z in &zaken {
                    println!(
                        "{:<17} {:<16} {:<22} {:<12} {}",
                        z.identificatie,
                        z.zaaktype,
                        statustekst(&z.status),
                        z.registratiedatum,
                        adres_text(adres_van(z), &z.zaakobject.identificatie),
                    );
                }
                println!(
                    "{} {}.",
                    zaken.len(),
                    if zaken.len() == 1 { "zaak" } else { "zaken" }
                );
            }
        }
        ZaakCommand::Show { dir, id, json } => {
            let s = access::open(&dir, Mode::Read, who)?;
            let d = loep_app::zaken::show(&s, &id)?;
            let adressen = loep_app::zaken::addresses_of(&s, &[&d.zaak])?;
            let a = adressen.get(&d.zaak.zaakobject.identificatie);
            let personen = loep_app::zaken::persons_of(&s, &d)?;
            if json {
                let mut v = with_address(&d, a)?;
                if let Some(o) = v.as_object_mut() {
                    o.insert("betrokkenen".into(), serde_json::to_value(&personen)?);
                }
                print_json(&v)?;
            } else {
                print_detail(&d, a, &personen);
            }
        }
        ZaakCommand::Status {
            dir,
            id,
            naar,
            toelichting,
        } => {
            let mut s = access::open(&dir, Mode::Write, who)?;
            let z = loep_app::zaken::set_status(&mut s, &id, &naar, &toelichting)?;
            println!(
                "Zaak {}: {}.",
                z.identificatie,
                statustekst(&z.status).to_lowercase()
            );
        }
        ZaakCommand::Assign {
            dir,
            id,
            rol,
            organisatie,
            medewerker,
        } => {
            let organisatie = match organisatie {
                Some(o) => Some(Partner::parse(&o).map_err(|e| {
                    anyhow::anyhow!("--organisatie '{o}': {e} (kies uit {})", Partner::list())
                })?),
                None => None,
            };
            let mut s = access::open(&dir, Mode::Write, who)?;
            let r = loep_app::zaken::assign(
                &mut s,
                &id,
                &Toewijzing {
                    roltype: rol.trim().to_lowercase(),
                    organisatie,
                    medewerker,
                },
            )?;
            println!(
                "Zaak {id}: rol {} toegewezen aan {}{}.",
                r.roltype,
                r.organisatie.as_deref().unwrap_or(""),
                r.medewerker
                    .as_deref()
                    .map(|m| format!(" {m}"))
                    .unwrap_or_default()
            );
        }
        ZaakCommand::Visit {
            command:
                VisitCommand::Plan {
                    dir,
                    id,
                    datum,
                    team,
                },
        } => {
            let mut s = access::open(&dir, Mode::Write, who)?;
            let h = loep_app::zaken::plan_visit(&mut s, &id, &datum, &team)?;
            println!(
                "Zaak {id}: huisbezoek {} gepland op {} met {}.",
                h.volgnr,
                h.gepland,
                h.team.join(", ")
            );
        }
        ZaakCommand::Visit {
            command:
                VisitCommand::Record {
                    dir,
                    id,
                    uitkomsten,
                    datum,
                    bevindingen,
                    toelichting,
                    brp_onjuist,
                    aanwezig,
                },
        } => {
            let bevindingen = parse_bevindingen(&bevindingen)?;
            let brp_onjuist = brp_onjuist
                .iter()
                .map(|b| match b.split_once('=') {
                    Some((p, v)) => loep_app::zaken::BrpOnjuist {
                        pseudoniem: p.trim().to_string(),
                        voorgesteld: Some(v.trim().to_string()).filter(|v| !v.is_empty()),
                    },
                    None => loep_app::zaken::BrpOnjuist {
                        pseudoniem: b.trim().to_string(),
                        voorgesteld: None,
                    },
                })
                .collect();
            let mut s = access::open(&dir, Mode::Write, who)?;
            let d = loep_app::zaken::record_visit(
                &mut s,
                &id,
                &Uitkomst {
                    datum,
                    uitkomsten: uitkomsten.iter().map(|u| u.trim().to_lowercase()).collect(),
                    bevindingen,
                    toelichting,
                    brp_onjuist,
                    aanwezig,
                },
            )?;
            let h = d.huisbezoeken.iter().rev().find(|h| h.uitgevoerd.is_some());
            if let Some(h) = h
                && h.uitgevoerd.as_deref() != Some(h.gepland.as_str())
            {
                println!(
                    "Let op: uitgevoerd op {}, gepland op {}; dat staat in de geschiedenis van de zaak.",
                    h.uitgevoerd.as_deref().unwrap_or_default(),
                    h.gepland
                );
            }
            println!(
                "Zaak {}: huisbezoek vastgelegd ({}).",
                d.zaak.identificatie,
                h.map(|h| h.uitkomsten.join(", ")).unwrap_or_default()
            );
            for t in d.terugmeldingen.iter().filter(|t| t.status == "opgesteld") {
                println!(
                    "Terugmelding {} opgesteld; exporteer met `loep terugmelding export {} {}`.",
                    t.id,
                    dir.display(),
                    t.id
                );
            }
        }
        ZaakCommand::Note {
            dir,
            id,
            tekst,
            zaakkenmerk,
        } => {
            let mut s = access::open(&dir, Mode::Write, who)?;
            let d = loep_app::zaken::note(&mut s, &id, &tekst, zaakkenmerk.as_deref())?;
            println!("Zaak {}: bevinding vastgelegd.", d.zaak.identificatie);
        }
        ZaakCommand::Close {
            dir,
            id,
            resultaat,
            toelichting,
            bevindingen,
        } => {
            let bevindingen = parse_bevindingen(&bevindingen)?;
            let mut s = access::open(&dir, Mode::Write, who)?;
            let z =
                loep_app::zaken::close(&mut s, &id, resultaat.trim(), &toelichting, &bevindingen)?;
            println!(
                "Zaak {} afgerond met resultaat {}; de gegevens worden vernietigd op {}.",
                z.identificatie,
                z.resultaat.as_deref().unwrap_or("?"),
                z.archiefactiedatum.as_deref().unwrap_or("?")
            );
        }
        ZaakCommand::Reopen { dir, id, reden } => {
            let mut s = access::open(&dir, Mode::Write, who)?;
            let z = loep_app::zaken::reopen(&mut s, &id, &reden)?;
            println!("Zaak {} heropend.", z.identificatie);
        }
        ZaakCommand::Catalogus { json } => {
            let c = loep_app::zaken::catalogus();
            if json {
                print_json(c)?;
            } else {
                println!("Zaaktypen (catalogus versie {}):", c.versie);
                for z in &c.zaaktypen {
                    println!(
                        "  {:<16} {} [thema's: {}; partners: {}]",
                        z.code,
                        z.omschrijving,
                        z.themas.join(", "),
                        z.behandelaars.join(", ")
                    );
                }
                println!("Statussen:");
                for s in &c.statustypen {
                    println!(
                        "  {} {:<22} {} → {}",
                        s.volgnummer,
                        s.code,
                        s.statustekst,
                        c.overgangen
                            .get(&s.code)
                            .map(|v| v.join(", "))
                            .unwrap_or_default()
                    );
                }
                println!("Resultaten:");
                for r in &c.resultaattypen {
                    println!(
                        "  {:<30} {} ({}, na {})",
                        r.code, r.omschrijving, r.archiefnominatie, r.archiefactietermijn
                    );
                }
                println!("Uitkomsten van een huisbezoek:");
                for u in &c.uitkomsten {
                    println!("  {:<30} {}", u.code, u.omschrijving);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Percentages the Dutch way: `62,5%`.
fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0).replace('.', ",")
}

pub fn trefkans(dir: &std::path::Path, json: bool, who: Option<&str>) -> Result<ExitCode> {
    let s = access::open(dir, Mode::Read, who)?;
    let r = loep_app::zaken::trefkans(&s)?;
    if json {
        print_json(&r)?;
        return Ok(ExitCode::SUCCESS);
    }
    if r.indicatoren.is_empty() {
        println!("Nog geen afgeronde zaken met bevindingen: er is nog geen trefkans.");
    } else {
        println!(
            "{:<10} {:<8} {:>9} {:>14} {:>8} {:>10}  95%-interval",
            "indicator", "periode", "bevestigd", "niet bevestigd", "onbepaald", "trefkans"
        );
        for t in &r.indicatoren {
            if t.onderdrukt {
                println!(
                    "{:<10} {:<8} {:>9} {:>14} {:>8} {:>10}  -",
                    t.indicator, t.periode, "< 10", "", "", "-"
                );
            } else {
                println!(
                    "{:<10} {:<8} {:>9} {:>14} {:>8} {:>10}  {} – {}",
                    t.indicator,
                    t.periode,
                    t.bevestigd,
                    t.niet_bevestigd,
                    t.niet_vast_te_stellen,
                    t.trefkans.map(pct).unwrap_or_default(),
                    t.ondergrens.map(pct).unwrap_or_default(),
                    t.bovengrens.map(pct).unwrap_or_default()
                );
            }
        }
    }
    println!("{}", r.toelichting);
    Ok(ExitCode::SUCCESS)
}

pub fn terugmelding(cmd: TerugmeldingCommand, who: Option<&str>) -> Result<ExitCode> {
    let TerugmeldingCommand::Export { dir, id, out } = cmd;
    let mut s = access::open(&dir, Mode::Write, who)?;
    let (t, path) = loep_app::zaken::terugmelding_export(&mut s, &id, out.as_deref())?;
    println!(
        "Terugmelding {} ({}) geëxporteerd naar {}.",
        t.id,
        t.referentiekenmerk,
        path.display()
    );
    println!("Het bestand bevat een BSN: stuur het alleen naar de BRP en verwijder het daarna.");
    Ok(ExitCode::SUCCESS)
}
