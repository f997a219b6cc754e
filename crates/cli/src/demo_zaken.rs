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

pub fn run(
    project: &Path,
    truth: &Path,
    signals: &[loep_app::scan::SignalRow],
    login: &dyn Fn(&str) -> Result<loep_app::Session>,
) -> Result<()> {
    let planted = planted(truth)?;
    // Addresses in the order of their first signal (signals come ranked by address).
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

    // The analist proposes each address: a case from its signals, taken into investigation
    // and a visit planned with the handhaver.
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
    drop(analist);

    // The projectleider routes each case to the partners its type names (those taking part).
    let mut pl = login("projectleider")?;
    let partners = pl.config().partners.clone();
    let mut routed = 0;
    for (z, _) in &zaken {
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
    drop(pl);

    // The handhaver visits and records what was found, per indicator.
    let mut handhaver = login("handhaver")?;
    let mut bevestigd = 0;
    let mut terugmelding_case = None;
    for (z, sigs) in &zaken {
        let vbo = &z.zaakobject.identificatie;
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
                .find(|s| {
                    s.persons().next().is_some() && outcome(s.thema.code()) == "brp_klopt_niet"
                })
                .and_then(|s| s.persons().next())
            {
                Some(p) => brp_onjuist.push(BrpOnjuist {
                    pseudoniem: p.to_string(),
                    voorgesteld: None,
                }),
                None => uitkomsten.retain(|u| u != "brp_klopt_niet"),
            }
        }
        if uitkomsten.is_empty() {
            uitkomsten.push("niets_gevonden".into());
        } else {
            bevestigd += 1;
        }
        let d = loep_app::zaken::record_visit(
            &mut handhaver,
            &z.identificatie,
            &Uitkomst {
                datum: None,
                uitkomsten,
                bevindingen: bevindingen.into_iter().collect(),
                toelichting: "Huisbezoek met twee handhavers.".into(),
                brp_onjuist,
                aanwezig: vec!["handhaver".into(), "tweede handhaver".into()],
            },
        )?;
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
    drop(handhaver);
    println!(
        "   {} zaken geopend door de analist, {routed} keer uitgezet bij partners door de projectleider, bezocht door de handhaver: {bevestigd} bevestigd, bij {} niets gevonden.",
        zaken.len(),
        zaken.len() - bevestigd
    );

    // A terugmelding to the BRP: needs the BSN, so an approved request for identities.
    if let Some((zaak, tid, persoon)) = terugmelding_case {
        let d = loep_app::zaken::show(&login("analist")?, &zaak)?;
        if let Some(sig) = d
            .signalen
            .iter()
            .find(|s| s.pseudoniemen.contains(&persoon))
        {
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
        }
    }

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
    let _ = project;
    Ok(())
}
