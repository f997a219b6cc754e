//! The case register on the command line: `loep zaak …`, `loep trefkans`,
//! `loep terugmelding export`. What people read here is Dutch.

use anyhow::{Result, bail};
use clap::Subcommand;
use loep_app::Mode;
use loep_app::types::{
    Nieuw, Oordeel, Partner, Thema, Toewijzing, Uitkomst, ZaakDetail, ZaakFilter,
};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::access;

// The doc comments of the clap types in this module are the user's help text (Dutch).
#[derive(Subcommand)]
pub enum ZaakCommand {
    /// Open een zaak voor het adres van een of meer signalen (analist, projectleider).
    New {
        dir: PathBuf,
        /// Een signaal van het adres, RUN/NR zoals `loep signals` het toont (herhaal voor meer).
        #[arg(long = "signaal", required = true, value_name = "SIGNAAL")]
        signalen: Vec<String>,
        /// Het zaaktype (standaard: dat van het thema van het eerste signaal); zie
        /// `loep zaak catalogus`.
        #[arg(long)]
        zaaktype: Option<String>,
        /// Een korte omschrijving (standaard: die van het zaaktype, met het adres).
        #[arg(long)]
        omschrijving: Option<String>,
        /// Waarom de zaak wordt geopend.
        #[arg(long, default_value = "")]
        toelichting: String,
        /// De hoofdzaak waar deze zaak bij hoort (één verhuurder, een zaak per adres).
        #[arg(long)]
        hoofdzaak: Option<String>,
        /// De vertrouwelijkheidaanduiding volgens ZGW (standaard: die van het zaaktype).
        #[arg(long)]
        vertrouwelijkheid: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// De zaken die u mag zien (een partner: die bij zijn organisatie zijn uitgezet), de
    /// nieuwste eerst.
    List {
        dir: PathBuf,
        /// Alleen zaken met deze status (bijvoorbeeld in_onderzoek).
        #[arg(long)]
        status: Option<String>,
        /// Alleen zaken van dit zaaktype.
        #[arg(long)]
        zaaktype: Option<String>,
        /// Alleen open zaken.
        #[arg(long, conflicts_with = "gesloten")]
        open: bool,
        /// Alleen gesloten zaken.
        #[arg(long)]
        gesloten: bool,
        /// Alleen zaken over dit adres (het BAG-verblijfsobject, 16 cijfers).
        #[arg(long, value_parser = crate::waarde::vbo)]
        adres: Option<loep_contract::BagId>,
        #[arg(long)]
        json: bool,
    },
    /// Een zaak met haar statussen, signalen, rollen, huisbezoeken, bevindingen en
    /// terugmeldingen.
    Show {
        dir: PathBuf,
        /// De identificatie van de zaak (LOEP-2026-000001) of de uuid.
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Neem een zaak in onderzoek (`in_onderzoek`) of annuleer haar (`geannuleerd`, met een
    /// reden).
    Status {
        dir: PathBuf,
        id: String,
        /// De nieuwe status: in_onderzoek of geannuleerd.
        #[arg(long)]
        naar: String,
        /// Waarom (verplicht bij annuleren, minstens 20 tekens).
        #[arg(long, default_value = "")]
        toelichting: String,
    },
    /// Zet een zaak uit bij een partnerorganisatie, een zorgpartner of een handhaver
    /// (projectleider).
    Assign {
        dir: PathBuf,
        id: String,
        /// behandelaar (handhaving), zorgpartner (zorg) of huisbezoeker (huisbezoek).
        #[arg(long)]
        rol: String,
        /// Een partnerorganisatie van het project (gemeente, uwv, svb, belastingdienst, …).
        #[arg(long)]
        organisatie: Option<String>,
        /// Een account van het project (een partner-medewerker of handhaver).
        #[arg(long)]
        medewerker: Option<String>,
    },
    /// Plan een huisbezoek of leg het vast.
    Visit {
        #[command(subcommand)]
        command: VisitCommand,
    },
    /// Leg de eigen bevindingen van uw organisatie bij een zaak vast, en haar eigen
    /// dossiernummer.
    Note {
        dir: PathBuf,
        id: String,
        /// Wat uw organisatie heeft gevonden.
        #[arg(long, default_value = "")]
        tekst: String,
        /// Het eigen dossiernummer van uw organisatie voor de zaak.
        #[arg(long)]
        zaakkenmerk: Option<String>,
    },
    /// Sluit een zaak af met een resultaat; elke indicator die haar opleverde, heeft een
    /// bevinding nodig.
    Close {
        dir: PathBuf,
        id: String,
        /// Het resultaat: onrechtmatigheid_vastgesteld, zorg_geboden, niets_gevonden,
        /// niet_vast_te_stellen.
        #[arg(long)]
        resultaat: String,
        #[arg(long, default_value = "")]
        toelichting: String,
        /// INDICATOR=bevestigd|niet_bevestigd|niet_vast_te_stellen, voor indicatoren die het
        /// huisbezoek niet beoordeelde.
        #[arg(long = "bevinding", value_name = "BEVINDING")]
        bevindingen: Vec<String>,
    },
    /// Heropen een afgesloten zaak (projectleider), met een reden van minstens 20 tekens.
    Reopen {
        dir: PathBuf,
        id: String,
        #[arg(long)]
        reden: String,
    },
    /// De gepubliceerde catalogus van zaaktypen, statussen, resultaten, rollen en uitkomsten.
    Catalogus {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum VisitCommand {
    /// Plan een huisbezoek; de accounts van het team krijgen de rol huisbezoeker.
    Plan {
        dir: PathBuf,
        id: String,
        /// De dag van het huisbezoek (JJJJ-MM-DD).
        #[arg(long)]
        datum: String,
        /// De accounts die op bezoek gaan (handhavers, zorgverleners), gescheiden door komma's.
        #[arg(long, value_delimiter = ',', required = true)]
        team: Vec<String>,
    },
    /// Leg de uitkomsten van het huisbezoek vast en een bevinding per indicator (de handhaver
    /// op de zaak).
    Record {
        dir: PathBuf,
        id: String,
        /// Een uitkomst (herhaal voor meer): brp_gecorrigeerd, uitgeschreven, brp_klopt_niet,
        /// uitkering_gestopt, uitkering_teruggevorderd, boete, sociale_huurwoning_vrijgekomen,
        /// strafbaar_feit_overgedragen, doorverwezen_zorg, doorverwezen_schuldhulp,
        /// niets_gevonden.
        #[arg(long = "uitkomst", required = true, value_name = "UITKOMST")]
        uitkomsten: Vec<String>,
        /// De dag waarop het huisbezoek plaatsvond (JJJJ-MM-DD; standaard vandaag): niet in de
        /// toekomst.
        #[arg(long)]
        datum: Option<String>,
        /// INDICATOR=bevestigd|niet_bevestigd|niet_vast_te_stellen, voor elke indicator van de
        /// zaak.
        #[arg(long = "bevinding", value_name = "BEVINDING")]
        bevindingen: Vec<String>,
        #[arg(long, default_value = "")]
        toelichting: String,
        /// Bij de uitkomst brp_klopt_niet: PSEUDONIEM[=VOORGESTELDE_WAARDE] van de persoon van
        /// wie de inschrijving niet klopt (er wordt een terugmelding opgesteld).
        #[arg(long = "brp-onjuist", value_name = "PSEUDONIEM")]
        brp_onjuist: Vec<String>,
        /// Wie er gingen (accounts of namen, gescheiden door komma's; standaard: uzelf).
        #[arg(long, value_delimiter = ',')]
        aanwezig: Vec<String>,
    },
}

#[derive(Subcommand)]
pub enum TerugmeldingCommand {
    /// Exporteer een terugmelding aan de BRP met het BSN van de persoon (de handhaver op de
    /// zaak; vraagt een goedgekeurd verzoek om identiteiten bij het signaal van de zaak).
    /// Komt in de kluis, tenzij --out iets anders zegt.
    Export {
        dir: PathBuf,
        /// De terugmelding (T000001), zoals `loep zaak show` haar noemt.
        id: String,
        /// Waar het bestand heen gaat (standaard: in de kluis, onder de bewaartermijn daarvan).
        #[arg(long, value_name = "BESTAND")]
        out: Option<PathBuf>,
    },
}

fn parse_bevindingen(items: &[String]) -> Result<Vec<(String, Oordeel)>> {
    items
        .iter()
        .map(|b| match b.split_once('=') {
            Some((i, o)) if !i.trim().is_empty() => {
                let indicator = i.trim().to_uppercase();
                let oordeel =
                    loep_app::zaken::parse_oordeel(&indicator, &o.trim().to_lowercase())?;
                Ok((indicator, oordeel))
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
    loep_app::zaken::case_types()
        .statustype(code)
        .map(|s| s.omschrijving.clone())
        .unwrap_or_else(|| code.to_string())
}

/// The address written out, or where the BAG does not hold it, its id.
fn adres_text(a: Option<&loep_app::zaken::CaseAddress>, vbo_id: &loep_contract::BagId) -> String {
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
            .map(|e| format!(", afgesloten {e}"))
            .unwrap_or_default()
    );
    if let Some(r) = &z.resultaat {
        println!(
            "  Resultaat: {r}; te vernietigen op {}",
            z.archiefactiedatum
                .map_or_else(|| "?".to_string(), |d| d.to_string())
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
            r.organisatie.map_or("", Partner::as_str),
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
        println!("  Bevinding {}: {}", b.indicator, b.oordeel.as_str());
    }
    for n in &d.notities {
        println!(
            "  Notitie {} ({}): {}",
            n.volgnr,
            n.organisatie.map_or("gemeente", Partner::as_str),
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
            let nieuw = Nieuw {
                signalen,
                zaaktype,
                omschrijving,
                toelichting,
                hoofdzaak,
                vertrouwelijkheidaanduiding: vertrouwelijkheid,
            };
            new_case(&dir, &nieuw, json, who)?;
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
            list(&dir, &filter, json, who)?;
        }
        ZaakCommand::Show { dir, id, json } => show(&dir, &id, json, who)?,
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
                r.organisatie.map_or("", Partner::as_str),
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
            let datum = loep_app::zaken::parse_datum(&datum, "datum")?;
            let h = loep_app::zaken::plan_visit(&mut s, &id, datum, &team)?;
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
            // Not given or empty: today.
            let datum = match datum.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(d) => Some(loep_app::zaken::parse_datum(d, "datum")?),
            };
            let uitkomst = Uitkomst {
                datum,
                uitkomsten: uitkomsten.iter().map(|u| u.trim().to_lowercase()).collect(),
                bevindingen: parse_bevindingen(&bevindingen)?,
                toelichting,
                brp_onjuist: parse_brp_onjuist(&brp_onjuist),
                aanwezig,
            };
            record_visit(&dir, &id, &uitkomst, who)?;
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
                z.archiefactiedatum
                    .map_or_else(|| "?".to_string(), |d| d.to_string())
            );
        }
        ZaakCommand::Reopen { dir, id, reden } => {
            let mut s = access::open(&dir, Mode::Write, who)?;
            let z = loep_app::zaken::reopen(&mut s, &id, &reden)?;
            println!("Zaak {} heropend.", z.identificatie);
        }
        ZaakCommand::Catalogus { json } => print_case_types(json)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `loep zaak new`: opens a case from signals.
fn new_case(dir: &std::path::Path, nieuw: &Nieuw, json: bool, who: Option<&str>) -> Result<()> {
    let mut s = access::open(dir, Mode::Write, who)?;
    let z = loep_app::zaken::new(&mut s, nieuw)?;
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
    Ok(())
}

/// `loep zaak list`: the cases the filter selects, with their addresses.
fn list(dir: &std::path::Path, filter: &ZaakFilter, json: bool, who: Option<&str>) -> Result<()> {
    let s = access::open(dir, Mode::Read, who)?;
    let zaken = loep_app::zaken::list(&s, filter)?;
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
                // Padded: a date's Display writes its ten characters whatever the width.
                z.registratiedatum.to_string(),
                adres_text(adres_van(z), &z.zaakobject.identificatie),
            );
        }
        println!(
            "{} {}.",
            zaken.len(),
            if zaken.len() == 1 { "zaak" } else { "zaken" }
        );
    }
    Ok(())
}

/// `loep zaak show`: one case in full, with its address and the persons involved.
fn show(dir: &std::path::Path, id: &str, json: bool, who: Option<&str>) -> Result<()> {
    let s = access::open(dir, Mode::Read, who)?;
    let d = loep_app::zaken::show(&s, id)?;
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
    Ok(())
}

/// `--brp-onjuist PSEUDONIEM[=VOORSTEL]`: the persons whose registration the visit found wrong,
/// with what it should be.
fn parse_brp_onjuist(brp_onjuist: &[String]) -> Vec<loep_app::zaken::BrpOnjuist> {
    brp_onjuist
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
        .collect()
}

/// `loep zaak visit record`: records a visit's outcome, and says which reports back to the
/// BRP it drew up.
fn record_visit(
    dir: &std::path::Path,
    id: &str,
    uitkomst: &Uitkomst,
    who: Option<&str>,
) -> Result<()> {
    let mut s = access::open(dir, Mode::Write, who)?;
    let d = loep_app::zaken::record_visit(&mut s, id, uitkomst)?;
    let h = d.huisbezoeken.iter().rev().find(|h| h.uitgevoerd.is_some());
    if let Some(h) = h
        && let Some(uitgevoerd) = h.uitgevoerd
        && uitgevoerd != h.gepland
    {
        println!(
            "Let op: uitgevoerd op {uitgevoerd}, gepland op {}; dat staat in de geschiedenis van de zaak.",
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
    Ok(())
}

/// `loep zaak catalogus`: the case types, statuses, results and visit outcomes.
fn print_case_types(json: bool) -> Result<()> {
    let c = loep_app::zaken::case_types();
    if json {
        print_json(c)?;
    } else {
        println!("Zaaktypen (catalogus versie {}):", c.versie);
        for z in &c.zaaktypen {
            println!(
                "  {:<16} {} [thema's: {}; partners: {}]",
                z.code,
                z.omschrijving,
                Thema::codes(&z.themas).join(", "),
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
    Ok(())
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
