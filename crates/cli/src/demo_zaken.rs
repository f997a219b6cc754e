//! The demo's case step: the team opens cases for the first addresses, routes them, visits
//! them, records outcomes, exports a terugmelding and prints the hit rates.
//!
//! The visits are simulated from the generator's ground truth: a visit confirms an indicator
//! when its theme was planted at the address (not as a look-alike), as a real visit would find
//! what is really there.

use anyhow::Result;
use loep_app::types::{Nieuw, Oordeel, Partner, Toewijzing, Uitkomst};
use loep_app::zaken::BrpOnjuist;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// How many addresses the demo takes into a case (enough for hit rates above the
/// small-number threshold for the commonest indicators).
pub const CASES: usize = 80;

/// (thema, vbo_id) pairs planted as real cases (look-alikes excluded).
fn planted(truth: &Path) -> Result<HashSet<(String, String)>> {
    let mut out = HashSet::new();
    let mut rdr = csv::Reader::from_path(truth.join("adressen.csv"))?;
    let headers = rdr.headers()?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(t), Some(v), Some(d)) = (col("thema"), col("vbo_id"), col("decoy")) else {
        anyhow::bail!("truth/adressen.csv mist de kolom thema, vbo_id of decoy");
    };
    for rec in rdr.records() {
        let rec = rec?;
        if rec.get(d) != Some("ja") {
            out.insert((
                rec.get(t).unwrap_or_default().to_string(),
                rec.get(v).unwrap_or_default().to_string(),
            ));
        }
    }
    Ok(out)
}

/// What a visit finds for a confirmed theme.
fn outcome(thema: &str) -> &'static str {
    match thema {
        "adresfraude" | "briefadresmisbruik" => "brp_klopt_niet",
        "samenwoonfraude" | "uitkering_en_loon" | "vermogen_inkomen" => "uitkering_teruggevorderd",
        "onderverhuur" => "sociale_huurwoning_vrijgekomen",
        "overbewoning" | "huisjesmelkerij" => "boete",
        "hennepteelt" | "ondermijning_bedrijfsadres" | "meldingen_cluster" => {
            "strafbaar_feit_overgedragen"
        }
        _ => "doorverwezen_zorg",
    }
}

/// A login as one of the demo's accounts.
type Login<'a> = dyn Fn(&str) -> Result<loep_app::Session> + 'a;

/// A case the demo opened, with the signals of its address.
type Case<'s> = (loep_app::types::Zaak, Vec<&'s loep_app::scan::SignalRow>);

/// A case kept open until its terugmelding is sent: (case, terugmelding, person).
type KeptOpen = (String, String, String);

pub fn run(
    project: &Path,
    truth: &Path,
    signals: &[loep_app::scan::SignalRow],
    login: &Login,
) -> Result<()> {
    let planted = planted(truth)?;
    let zaken = propose(signals, login)?;
    let routed = route(&zaken, login)?;
    let (bevestigd, kept_open) = visit(&zaken, &planted, login)?;
    println!(
        "   {} zaken geopend door de analist, {routed} keer uitgezet bij partners door de projectleider, bezocht door de handhaver: {bevestigd} bevestigd, bij {} niets gevonden.",
        zaken.len(),
        zaken.len() - bevestigd
    );
    if let Some(case) = kept_open {
        send_terugmelding(case, login)?;
    }
    print_hit_rates(login)?;
    let _ = project;
    Ok(())
}

/// The analist proposes the first [`CASES`] addresses (in the order of their first signal;
/// signals come ranked by address): a case from each one's signals, taken into investigation
/// and a visit planned with the handhaver.
fn propose<'s>(signals: &'s [loep_app::scan::SignalRow], login: &Login) -> Result<Vec<Case<'s>>> {
    let mut order: Vec<loep_contract::BagId> = Vec::new();
    let mut by_address: BTreeMap<loep_contract::BagId, Vec<&loep_app::scan::SignalRow>> =
        BTreeMap::new();
    for s in signals {
        if !by_address.contains_key(&s.vbo_id) {
            order.push(s.vbo_id);
        }
        by_address.entry(s.vbo_id).or_default().push(s);
    }
    order.truncate(CASES);

    let mut analist = login("analist")?;
    let mut zaken = Vec::new();
    let today =
        loep_app::zaken::parse_datum(&chrono::Utc::now().format("%Y-%m-%d").to_string(), "datum")?;
    for vbo in &order {
        let sigs = &by_address[vbo];
        let z = loep_app::zaken::new(
            &mut analist,
            &Nieuw {
                signalen: sigs.iter().map(|s| s.id()).collect(),
                toelichting: "Voorgesteld door de analist na beoordeling van de signalen.".into(),
                ..Default::default()
            },
        )?;
        loep_app::zaken::set_status(&mut analist, &z.identificatie, "in_onderzoek", "")?;
        loep_app::zaken::plan_visit(
            &mut analist,
            &z.identificatie,
            today,
            &["handhaver".to_string()],
        )?;
        zaken.push((z, sigs.clone()));
    }
    Ok(zaken)
}

/// The projectleider routes each case to the partners its type names (those taking part);
/// how many times a case was routed.
fn route(zaken: &[Case], login: &Login) -> Result<usize> {
    let mut pl = login("projectleider")?;
    let partners = pl.config().partners.clone();
    let mut routed = 0;
    for (z, _) in zaken {
        let zt = loep_app::zaken::case_types()
            .zaaktype(&z.zaaktype)
            .map(|t| t.behandelaars.clone())
            .unwrap_or_default();
        for p in zt.iter().filter_map(|p| Partner::parse(p).ok()) {
            if partners.contains(&p) {
                loep_app::zaken::assign(
                    &mut pl,
                    &z.identificatie,
                    &Toewijzing {
                        roltype: "behandelaar".into(),
                        organisatie: Some(p),
                        medewerker: None,
                    },
                )?;
                routed += 1;
            }
        }
    }
    Ok(routed)
}

/// The handhaver visits each case and records what was found, per indicator, and closes it;
/// the first case with a terugmelding stays open until it is sent. Returns how many visits
/// confirmed something, and that case.
fn visit(
    zaken: &[Case],
    planted: &HashSet<(String, String)>,
    login: &Login,
) -> Result<(usize, Option<KeptOpen>)> {
    let mut handhaver = login("handhaver")?;
    let mut bevestigd = 0;
    let mut terugmelding_case = None;
    for (z, sigs) in zaken {
        let (uitkomst, confirmed) = found(&z.zaakobject.identificatie, sigs, planted);
        if confirmed {
            bevestigd += 1;
        }
        let d = loep_app::zaken::record_visit(&mut handhaver, &z.identificatie, &uitkomst)?;
        if terugmelding_case.is_none()
            && let Some(t) = d.terugmeldingen.first()
        {
            // Kept open until its terugmelding is sent (below).
            terugmelding_case = Some((
                d.zaak.identificatie.clone(),
                t.id.clone(),
                t.pseudoniem.clone(),
            ));
            continue;
        }
        let resultaat = if d
            .bevindingen
            .iter()
            .any(|b| b.oordeel == Oordeel::Bevestigd)
        {
            "onrechtmatigheid_vastgesteld"
        } else {
            "niets_gevonden"
        };
        loep_app::zaken::close(&mut handhaver, &z.identificatie, resultaat, "", &[])?;
    }
    Ok((bevestigd, terugmelding_case))
}

/// What a visit to `vbo` finds, and whether it confirmed anything: an indicator is confirmed
/// where its theme was planted there, with the outcome of that theme; a wrong registration
/// names a person of its signal.
fn found(
    vbo: &loep_contract::BagId,
    sigs: &[&loep_app::scan::SignalRow],
    planted: &HashSet<(String, String)>,
) -> (Uitkomst, bool) {
    let mut bevindingen: BTreeMap<String, Oordeel> = BTreeMap::new();
    let mut uitkomsten: Vec<String> = Vec::new();
    for s in sigs {
        let confirmed = planted.contains(&(s.thema.code().to_string(), vbo.to_string()));
        let oordeel = if confirmed {
            Oordeel::Bevestigd
        } else {
            Oordeel::NietBevestigd
        };
        let e = bevindingen.entry(s.indicator.clone()).or_insert(oordeel);
        if confirmed {
            *e = Oordeel::Bevestigd;
            let u = outcome(s.thema.code()).to_string();
            if !uitkomsten.contains(&u) {
                uitkomsten.push(u);
            }
        }
    }
    let mut brp_onjuist = Vec::new();
    if uitkomsten.iter().any(|u| u == "brp_klopt_niet") {
        match sigs
            .iter()
            .find(|s| s.persons().next().is_some() && outcome(s.thema.code()) == "brp_klopt_niet")
            .and_then(|s| s.persons().next())
        {
            Some(p) => brp_onjuist.push(BrpOnjuist {
                pseudoniem: p.to_string(),
                voorgesteld: None,
            }),
            None => uitkomsten.retain(|u| u != "brp_klopt_niet"),
        }
    }
    let confirmed = !uitkomsten.is_empty();
    if !confirmed {
        uitkomsten.push("niets_gevonden".into());
    }
    let uitkomst = Uitkomst {
        datum: None,
        uitkomsten,
        bevindingen: bevindingen.into_iter().collect(),
        toelichting: "Huisbezoek met twee handhavers.".into(),
        brp_onjuist,
        aanwezig: vec!["handhaver".into(), "tweede handhaver".into()],
    };
    (uitkomst, confirmed)
}

/// A terugmelding to the BRP: it needs the BSN, so an approved request for identities; then
/// the case kept open for it is closed.
fn send_terugmelding((zaak, tid, persoon): KeptOpen, login: &Login) -> Result<()> {
    let d = loep_app::zaken::show(&login("analist")?, &zaak)?;
    let Some(sig) = d
        .signalen
        .iter()
        .find(|s| s.pseudoniemen.contains(&persoon))
    else {
        return Ok(());
    };
    let o = loep_app::reveal::request(
        &mut login("analist")?,
        &sig.signaal,
        "Terugmelding aan de BRP na huisbezoek: de inschrijving klopt niet.",
    )?;
    loep_app::reveal::decide(
        &mut login("sleutelhouder")?,
        &o.id,
        true,
        "Terugmelding is verplicht.",
    )?;
    // The handhaver on the open case may see the identities the request revealed.
    let mut handhaver = login("handhaver")?;
    let (t, path) = loep_app::zaken::terugmelding_export(&mut handhaver, &tid, None)?;
    loep_app::zaken::close(
        &mut handhaver,
        &zaak,
        "onrechtmatigheid_vastgesteld",
        "Terugmelding verstuurd.",
        &[],
    )?;
    println!(
        "   Terugmelding {} (zaak {zaak}) voor de BRP uitgevoerd na een goedgekeurd verzoek om identiteiten: {}",
        t.referentiekenmerk,
        path.display()
    );
    Ok(())
}

/// The hit rates per indicator over the closed cases.
fn print_hit_rates(login: &Login) -> Result<()> {
    let r = loep_app::zaken::trefkans(&login("projectleider")?)?;
    println!(
        "   Trefkans per indicator (afgesloten zaken; minder dan 10 beoordeeld: niet getoond):"
    );
    for t in r.indicatoren.iter().filter(|t| t.periode == "totaal") {
        match t.trefkans {
            Some(k) => println!(
                "     {:<8} {:>5}% van {:>3} beoordeeld (95%: {}–{}%)",
                t.indicator,
                loep_contract::nl::getal(k * 100.0, 1),
                t.beoordeeld,
                loep_contract::nl::getal(t.ondergrens.unwrap_or(0.0) * 100.0, 1),
                loep_contract::nl::getal(t.bovengrens.unwrap_or(0.0) * 100.0, 1)
            ),
            None => println!("     {:<8} < 10 beoordeeld", t.indicator),
        }
    }
    println!("   Alleen bezochte adressen tellen mee: over de andere zegt de trefkans niets.");
    Ok(())
}
