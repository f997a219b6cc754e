//! The case register from the command line: a case walked through every allowed and refused
//! transition and role, partners kept to their own cases and identities, closed cases
//! read-only, hit rates from outcomes (also in the register export), terugmelding through an
//! approved request, retention of cases by moving the test clock, and tampering refused.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// An approved project with the test accounts plus a second partner and handhaver, a small
/// world loaded and scanned.
fn scanned(root: &Path) -> PathBuf {
    let world = root.join("world");
    ok(loep(&[
        "synth",
        "--persons",
        "4000",
        "--seed",
        "5",
        "--out",
        world.to_str().unwrap(),
    ]));
    let dir = init_project(root);
    let d = dir.to_str().unwrap();
    ok(loep(&[
        "user",
        "add",
        d,
        "corporatie",
        "--rol",
        "partner-medewerker",
        "--organisatie",
        "woningcorporatie",
    ]));
    ok(loep(&[
        "user",
        "add",
        d,
        "handhaver2",
        "--rol",
        "handhaver",
    ]));
    approve(&dir, "DPIA-15");
    ok(intake(&dir, &world.join("levering")));
    ok(loep(&["scan", d]));
    dir
}

/// Signals grouped by address, in the order `loep signals` gives them.
fn addresses(dir: &Path) -> Vec<(String, Vec<serde_json::Value>)> {
    let v = json(ok(loep(&[
        "signals",
        dir.to_str().unwrap(),
        "--format",
        "json",
    ])));
    let mut out: Vec<(String, Vec<serde_json::Value>)> = Vec::new();
    for s in v["signalen"].as_array().unwrap() {
        let vbo = s["vbo_id"].as_str().unwrap().to_string();
        match out.iter_mut().find(|(a, _)| *a == vbo) {
            Some((_, list)) => list.push(s.clone()),
            None => out.push((vbo, vec![s.clone()])),
        }
    }
    out
}

fn signal_id(s: &serde_json::Value) -> String {
    format!(
        "{}/{}",
        s["run_id"].as_str().unwrap(),
        s["nr"].as_i64().unwrap()
    )
}

fn as_(user: &str, args: &[&str]) -> std::process::Output {
    loep_as(user, args)
}

/// `loep zaak assign` of case `id` to the UWV as behandelaar, by `user`.
fn route_to_uwv(user: &str, d: &str, id: &str) -> std::process::Output {
    as_(
        user,
        &[
            "zaak",
            "assign",
            d,
            id,
            "--rol",
            "behandelaar",
            "--organisatie",
            "uwv",
        ],
    )
}

fn new_case(dir: &Path, signals: &[serde_json::Value]) -> serde_json::Value {
    let mut args = vec![
        "zaak".to_string(),
        "new".into(),
        dir.to_str().unwrap().into(),
        "--json".into(),
    ];
    for s in signals {
        args.push("--signaal".into());
        args.push(signal_id(s));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    json(ok(as_("analist", &args)))
}

fn show(dir: &Path, user: &str, id: &str) -> serde_json::Value {
    json(ok(as_(
        user,
        &["zaak", "show", dir.to_str().unwrap(), id, "--json"],
    )))
}

fn bevindingen(signals: &[serde_json::Value], oordeel: &str) -> Vec<String> {
    let mut inds: Vec<String> = signals
        .iter()
        .map(|s| s["indicator"].as_str().unwrap().to_string())
        .collect();
    inds.sort();
    inds.dedup();
    inds.iter()
        .flat_map(|i| ["--bevinding".to_string(), format!("{i}={oordeel}")])
        .collect()
}

fn log_names(dir: &Path) -> Vec<String> {
    let out = ok(as_(
        "fg",
        &["log", "export", dir.to_str().unwrap(), "--format", "jsonl"],
    ));
    out.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["name"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn a_case_from_signal_to_outcome_with_every_role() {
    let root = tempfile::tempdir().unwrap();
    let dir = scanned(root.path());
    let d = dir.to_str().unwrap();
    let addrs = addresses(&dir);
    assert!(addrs.len() >= 3, "the scan found too few addresses");
    let (vbo, sigs) = &addrs[0];

    // Who may open a case.
    for user in ["uwv", "handhaver", "sleutelhouder", "fg", "beheerder"] {
        let msg = refused(as_(
            user,
            &["zaak", "new", d, "--signaal", &signal_id(&sigs[0])],
        ));
        assert!(msg.contains("zaak aanmaken"), "{user}: {msg}");
    }
    // A case is about one address.
    let other = &addrs[1].1[0];
    let msg = refused(as_(
        "analist",
        &[
            "zaak",
            "new",
            d,
            "--signaal",
            &signal_id(&sigs[0]),
            "--signaal",
            &signal_id(other),
        ],
    ));
    assert!(msg.contains("één adres"), "{msg}");
    refused(as_("analist", &["zaak", "new", d, "--signaal", "R9999/1"]));

    let z = new_case(&dir, sigs);
    let id = z["identificatie"].as_str().unwrap().to_string();
    assert!(id.starts_with("LOEP-2026-"), "{id}");
    assert_eq!(z["status"], "nieuw");
    assert_eq!(z["zaakobject"]["identificatie"].as_str().unwrap(), vbo);
    // The same signal cannot go into a second open case.
    let msg = refused(as_(
        "analist",
        &["zaak", "new", d, "--signaal", &signal_id(&sigs[0])],
    ));
    assert!(msg.contains("al in de open zaak"), "{msg}");

    // Persons appear as pseudonyms only; the signals are copied into the case.
    let detail = show(&dir, "analist", &id);
    assert_eq!(
        detail["signalen"].as_array().unwrap().len(),
        sigs.len(),
        "{detail}"
    );
    for p in detail["personen"].as_array().unwrap() {
        assert_eq!(p.as_str().unwrap().len(), 32, "not a pseudonym: {p}");
    }
    // ... and as the people who go there need them: numbered, with the birth year and what
    // links them to the address, no identity without an approved request.
    let betrokkenen = detail["betrokkenen"].as_array().unwrap();
    assert_eq!(
        betrokkenen.len(),
        detail["personen"].as_array().unwrap().len(),
        "{detail}"
    );
    assert_eq!(betrokkenen[0]["nummer"], 1, "{detail}");
    assert!(
        betrokkenen
            .iter()
            .any(|p| p["geboortejaar"].is_i64() && !p["rollen"].as_array().unwrap().is_empty()),
        "{detail}"
    );
    assert!(betrokkenen.iter().all(|p| p["onthulling"].is_null()));
    let text = ok(as_("analist", &["zaak", "show", d, &id]));
    assert!(text.contains("persoon 1"), "{text}");

    // Not routed yet: the partner and the handhaver see nothing of it.
    for user in ["uwv", "handhaver"] {
        let list = json(ok(as_(user, &["zaak", "list", d, "--json"])));
        assert!(list.as_array().unwrap().is_empty(), "{user}: {list}");
        let msg = refused(as_(user, &["zaak", "show", d, &id]));
        assert!(msg.contains("niet aan jouw organisatie"), "{msg}");
    }

    // Refused transitions: straight to closed, visit recorded before planned, unknown status.
    let msg = refused(as_(
        "handhaver",
        &["zaak", "close", d, &id, "--resultaat", "niets_gevonden"],
    ));
    assert!(msg.contains("niet aan jouw organisatie"), "{msg}");
    let msg = refused(as_(
        "projectleider",
        &["zaak", "close", d, &id, "--resultaat", "niets_gevonden"],
    ));
    assert!(msg.contains("kan niet naar 'afgerond'"), "{msg}");
    let msg = refused(as_(
        "analist",
        &["zaak", "status", d, &id, "--naar", "afgerond"],
    ));
    assert!(msg.contains("loep zaak close"), "{msg}");
    refused(as_(
        "analist",
        &["zaak", "status", d, &id, "--naar", "gesloten"],
    ));
    // Routing is the projectleider's.
    let msg = refused(route_to_uwv("analist", d, &id));
    assert!(msg.contains("toewijzen"), "{msg}");
    ok(route_to_uwv("projectleider", d, &id));
    // Now the UWV sees it; the corporation still does not.
    let list = json(ok(as_("uwv", &["zaak", "list", d, "--json"])));
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(show(&dir, "uwv", &id)["zaak"]["identificatie"], id.as_str());
    // The partner learns where to go: the address written out, in the list, the case and
    // the text of `zaak show`.
    let adres = list[0]["adres"]["adres"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        adres.contains(", ") && list[0]["adres"]["buurtnaam"].is_string(),
        "{list}"
    );
    assert_eq!(show(&dir, "uwv", &id)["adres"]["adres"], adres.as_str());
    let text = ok(as_("uwv", &["zaak", "show", d, &id]));
    assert!(text.contains(&format!("Adres: {adres}")), "{text}");
    assert!(ok(as_("uwv", &["zaak", "list", d])).contains(&adres));
    refused(as_("corporatie", &["zaak", "show", d, &id]));
    assert!(
        json(ok(as_("corporatie", &["zaak", "list", d, "--json"])))
            .as_array()
            .unwrap()
            .is_empty()
    );
    // The partner records its findings and dossier number; it cannot move the case.
    ok(as_(
        "uwv",
        &[
            "zaak",
            "note",
            d,
            &id,
            "--tekst",
            "Uitkering loopt sinds 2024.",
            "--zaakkenmerk",
            "UWV-2026-77",
        ],
    ));
    refused(as_(
        "corporatie",
        &["zaak", "note", d, &id, "--tekst", "Niet onze zaak."],
    ));
    refused(as_(
        "uwv",
        &["zaak", "status", d, &id, "--naar", "in_onderzoek"],
    ));
    let detail = show(&dir, "projectleider", &id);
    assert!(
        detail["rollen"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["zaakkenmerk"] == "UWV-2026-77"),
        "{detail}"
    );

    ok(as_(
        "analist",
        &["zaak", "status", d, &id, "--naar", "in_onderzoek"],
    ));
    // A visit in the past is refused; the team must be handhavers or partners.
    refused(as_(
        "analist",
        &[
            "zaak",
            "visit",
            "plan",
            d,
            &id,
            "--datum",
            "2026-01-02",
            "--team",
            "handhaver",
        ],
    ));
    // The team is handhavers: a partner joins only through the projectleider's routing.
    for who in ["sleutelhouder", "corporatie"] {
        refused(as_(
            "analist",
            &[
                "zaak",
                "visit",
                "plan",
                d,
                &id,
                "--datum",
                "2026-07-01",
                "--team",
                who,
            ],
        ));
    }
    ok(as_(
        "analist",
        &[
            "zaak",
            "visit",
            "plan",
            d,
            &id,
            "--datum",
            "2026-07-01",
            "--team",
            "handhaver",
        ],
    ));
    // The planned handhaver now sees the case; the other handhaver does not.
    show(&dir, "handhaver", &id);
    refused(as_("handhaver2", &["zaak", "show", d, &id]));

    // Recording needs a bevinding for every indicator that raised the case.
    let msg = refused(as_(
        "handhaver",
        &[
            "zaak",
            "visit",
            "record",
            d,
            &id,
            "--uitkomst",
            "niets_gevonden",
        ],
    ));
    assert!(msg.contains("ontbreekt"), "{msg}");
    // brp_klopt_niet needs the person; only persons of the case.
    let mut args: Vec<String> = [
        "zaak",
        "visit",
        "record",
        d,
        &id,
        "--uitkomst",
        "brp_klopt_niet",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(bevindingen(sigs, "bevestigd"));
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let msg = refused(as_("handhaver", &a));
    assert!(msg.contains("--brp-onjuist"), "{msg}");
    let persoon = detail["personen"][0].as_str().map(str::to_string);
    let mut with_person = args.clone();
    with_person.extend(["--brp-onjuist".to_string(), "f".repeat(32)]);
    let a: Vec<&str> = with_person.iter().map(String::as_str).collect();
    let msg = refused(as_("handhaver", &a));
    assert!(msg.contains("hoort niet bij zaak"), "{msg}");
    // The analist may not record a visit.
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    refused(as_("analist", &a));
    match &persoon {
        Some(p) => args.extend(["--brp-onjuist".to_string(), p.clone()]),
        None => {
            // A signal without persons: record another outcome instead.
            args[6] = "boete".into();
        }
    }
    // The visit as it happened: never in the future, never before the case.
    for (datum, why) in [
        ("2026-06-16", "in de toekomst"),
        ("2026-06-14", "voor de registratie"),
        ("15-06-2026", "geen datum"),
    ] {
        let mut dated = args.clone();
        dated.extend(["--datum".to_string(), datum.to_string()]);
        let a: Vec<&str> = dated.iter().map(String::as_str).collect();
        let msg = refused(as_("handhaver", &a));
        assert!(msg.contains(why), "{datum}: {msg}");
    }
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = ok(as_("handhaver", &a));
    assert!(out.contains("huisbezoek vastgelegd"), "{out}");
    // Today, not on the planned day: said, and kept in the case's history.
    assert!(
        out.contains("uitgevoerd op 2026-06-15, gepland op 2026-07-01"),
        "{out}"
    );
    let detail = show(&dir, "handhaver", &id);
    assert_eq!(detail["zaak"]["status"], "huisbezoek_uitgevoerd");
    assert_eq!(detail["huisbezoeken"][0]["uitgevoerd"], "2026-06-15");
    assert!(
        detail["statussen"]
            .as_array()
            .unwrap()
            .iter()
            .any(|st| st["statustoelichting"]
                .as_str()
                .is_some_and(|t| t.contains("gepland op 2026-07-01"))),
        "{detail}"
    );

    // Terugmelding: without an approved request for identities, no BSN, no export.
    if let Some(p) = &persoon {
        let t = detail["terugmeldingen"][0].clone();
        let tid = t["id"].as_str().unwrap().to_string();
        assert!(t["referentiekenmerk"].as_str().unwrap().len() <= 12);
        let msg = refused(as_("handhaver", &["terugmelding", "export", d, &tid]));
        assert!(msg.contains("goedgekeurd verzoek"), "{msg}");
        // The analist asks for the signal that holds the person; a key holder approves.
        let sig = detail["signalen"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| {
                s["pseudoniemen"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x.as_str() == Some(p))
            })
            .unwrap()["signaal"]
            .as_str()
            .unwrap()
            .to_string();
        ok(as_(
            "analist",
            &[
                "reveal",
                "request",
                d,
                &sig,
                "--reden",
                "Terugmelding aan de BRP na het huisbezoek.",
            ],
        ));
        ok(as_(
            "sleutelhouder",
            &["reveal", "approve", d, "O0001", "--toelichting", "ok"],
        ));
        // The handhaver on the open case sees the identities; the second handhaver and the
        // corporation (not on the case) do not.
        let shown = ok(as_("handhaver", &["reveal", "show", d, "O0001", "--json"]));
        assert!(shown.contains(p.as_str()), "{shown}");
        refused(as_("handhaver2", &["reveal", "show", d, "O0001"]));
        refused(as_("corporatie", &["reveal", "show", d, "O0001"]));
        refused(as_("uwv", &["terugmelding", "export", d, &tid]));
        let out_file = root.path().join("terugmelding.json");
        ok(as_(
            "handhaver",
            &[
                "terugmelding",
                "export",
                d,
                &tid,
                "--out",
                out_file.to_str().unwrap(),
            ],
        ));
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
        assert_eq!(doc["registratie"], "BRP");
        let bsn = doc["objectIdentificatie"]["burgerservicenummer"]
            .as_str()
            .unwrap();
        assert_eq!(bsn.len(), 9, "{doc}");
        assert!(doc["referentiekenmerk"].as_str().unwrap().len() <= 12);
        assert_eq!(
            doc["terugMeldingGegevens"][0]["betwijfeldeWaarde"].as_str(),
            Some(vbo.as_str())
        );
        assert!(doc["terugMeldingGegevens"][0]["attribuutUrn"].is_string());
        assert!(doc["datumMelding"].is_string());
        let detail = show(&dir, "projectleider", &id);
        assert_eq!(detail["terugmeldingen"][0]["status"], "geexporteerd");

        // The person's access letter says which organisation processed their data: UWV
        // recorded a finding on the case, the project's own team did the rest (art. 15 AVG).
        let out = root.path().join("inzage");
        ok(as_(
            "fg",
            &["inzage", d, "--bsn", bsn, "--out", out.to_str().unwrap()],
        ));
        let html_file = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|f| f.extension().is_some_and(|e| e == "html"))
            .unwrap();
        let html = std::fs::read_to_string(html_file).unwrap();
        assert!(html.contains("<th scope=\"col\">Door</th>"), "{html}");
        let rows: Vec<&str> = html
            .split("<tr>")
            .filter(|r| r.contains("Bij de zaak is vastgelegd wat het onderzoek opleverde"))
            .collect();
        assert!(
            rows.iter()
                .any(|r| r.contains("<td>UWV (Uitvoeringsinstituut Werknemersverzekeringen)</td>")),
            "{rows:?}"
        );
        let opened = html
            .split("<tr>")
            .find(|r| r.contains("Er is een zaak geopend"))
            .unwrap();
        assert!(!opened.contains("UWV"), "the project opened it: {opened}");
    }

    // Closing: the handhaver on it, with a resultaat.
    refused(as_(
        "handhaver",
        &["zaak", "close", d, &id, "--resultaat", "opgelost"],
    ));
    refused(as_(
        "handhaver",
        &["zaak", "close", d, &id, "--resultaat", "ingetrokken"],
    ));
    ok(as_(
        "handhaver",
        &[
            "zaak",
            "close",
            d,
            &id,
            "--resultaat",
            "onrechtmatigheid_vastgesteld",
        ],
    ));
    let z = show(&dir, "projectleider", &id)["zaak"].clone();
    assert_eq!(z["status"], "afgerond");
    assert_eq!(z["einddatum"], "2026-06-15");
    assert_eq!(z["archiefnominatie"], "vernietigen");
    assert!(z["archiefactiedatum"].as_str().unwrap() > "2026-06-15");

    // A closed case is read-only for everyone; only the projectleider reopens, with a reason.
    for (user, args) in [
        ("uwv", vec!["zaak", "note", d, &id, "--tekst", "nog iets"]),
        (
            "projectleider",
            vec![
                "zaak",
                "assign",
                d,
                &id,
                "--rol",
                "zorgpartner",
                "--medewerker",
                "handhaver2",
            ],
        ),
        (
            "analist",
            vec!["zaak", "status", d, &id, "--naar", "in_onderzoek"],
        ),
    ] {
        let msg = refused(as_(user, &args));
        assert!(msg.contains("afgesloten"), "{user}: {msg}");
    }
    // With the case closed, the handhaver no longer sees the identities.
    if persoon.is_some() {
        refused(as_("handhaver", &["reveal", "show", d, "O0001"]));
    }
    refused(as_(
        "handhaver",
        &[
            "zaak",
            "reopen",
            d,
            &id,
            "--reden",
            "Er is nieuwe informatie binnen.",
        ],
    ));
    refused(as_(
        "projectleider",
        &["zaak", "reopen", d, &id, "--reden", "kort"],
    ));
    ok(as_(
        "projectleider",
        &[
            "zaak",
            "reopen",
            d,
            &id,
            "--reden",
            "Er is nieuwe informatie van de corporatie binnen.",
        ],
    ));
    let z = show(&dir, "projectleider", &id)["zaak"].clone();
    assert_eq!(z["status"], "heropend");
    assert!(z["einddatum"].is_null());
    let msg = refused(as_(
        "projectleider",
        &[
            "zaak",
            "reopen",
            d,
            &id,
            "--reden",
            "Nog een keer heropenen dan.",
        ],
    ));
    assert!(msg.contains("niet afgesloten"), "{msg}");
    // Cancelling closes: not the analist's; and a case with bevindingen closes with a
    // resultaat instead (cancelling would shorten its retention).
    let cancel = [
        "zaak",
        "status",
        d,
        &id,
        "--naar",
        "geannuleerd",
        "--toelichting",
        "Bewoners zijn inmiddels verhuisd, onderzoek gestopt.",
    ];
    let msg = refused(as_("analist", &cancel));
    assert!(msg.contains("afsluiten"), "{msg}");
    let msg = refused(as_("projectleider", &cancel));
    assert!(msg.contains("bevindingen"), "{msg}");
    // The resultaat must agree with the bevindingen.
    let msg = refused(as_(
        "projectleider",
        &["zaak", "close", d, &id, "--resultaat", "niets_gevonden"],
    ));
    assert!(msg.contains("bevestigde bevinding"), "{msg}");
    ok(as_(
        "projectleider",
        &[
            "zaak",
            "close",
            d,
            &id,
            "--resultaat",
            "onrechtmatigheid_vastgesteld",
        ],
    ));
    let detail = show(&dir, "projectleider", &id);
    assert_eq!(detail["zaak"]["resultaat"], "onrechtmatigheid_vastgesteld");
    let history: Vec<&str> = detail["statussen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["statustype"].as_str().unwrap())
        .collect();
    assert_eq!(
        history,
        [
            "nieuw",
            "in_onderzoek",
            "huisbezoek_gepland",
            "huisbezoek_uitgevoerd",
            "afgerond",
            "heropend",
            "afgerond"
        ]
    );

    // Every step is in the processing log, and the log is intact.
    let names = log_names(&dir);
    for step in [
        "zaak.aanmaken",
        "zaak.toewijzen",
        "zaak.bevinding",
        "zaak.status",
        "zaak.huisbezoek_gepland",
        "zaak.huisbezoek_uitgevoerd",
        "zaak.afsluiten",
        "zaak.heropenen",
    ] {
        assert!(names.iter().any(|n| n == step), "no {step} in the log");
    }
    if persoon.is_some() {
        assert!(names.iter().any(|n| n == "zaak.terugmelding_export"));
    }
    ok(as_("fg", &["log", "verify", d]));
}

/// Cases closed with bevindingen give hit rates per indicator (small numbers suppressed),
/// shown by `loep trefkans` and in the register export; closed cases are destroyed at their
/// archiefactiedatum with a record, and the counts survive.
#[test]
fn hit_rates_and_retention_of_cases() {
    let root = tempfile::tempdir().unwrap();
    let dir = scanned(root.path());
    let d = dir.to_str().unwrap();
    // The indicator that flagged the most addresses: bevindingen pile up on it.
    let addrs = addresses(&dir);
    let mut by_indicator: std::collections::BTreeMap<String, Vec<Vec<serde_json::Value>>> =
        Default::default();
    for (_, sigs) in &addrs {
        let mut inds: Vec<&str> = sigs
            .iter()
            .map(|s| s["indicator"].as_str().unwrap())
            .collect();
        inds.sort();
        inds.dedup();
        for i in inds {
            by_indicator
                .entry(i.to_string())
                .or_default()
                .push(sigs.clone());
        }
    }
    let (indicator, cases) = by_indicator
        .iter()
        .max_by_key(|(_, v)| v.len())
        .expect("no address with one indicator");
    assert!(
        cases.len() >= 12,
        "too few addresses for {indicator}: {}",
        cases.len()
    );
    let mut ids = Vec::new();
    for (i, sigs) in cases.iter().take(12).enumerate() {
        let z = new_case(&dir, sigs);
        let id = z["identificatie"].as_str().unwrap().to_string();
        ok(as_(
            "analist",
            &["zaak", "status", d, &id, "--naar", "in_onderzoek"],
        ));
        // 9 confirmed, 3 not: closed without a visit, with the bevinding given at closing.
        let oordeel = if i < 9 { "bevestigd" } else { "niet_bevestigd" };
        let resultaat = if i < 9 {
            "onrechtmatigheid_vastgesteld"
        } else {
            "niets_gevonden"
        };
        let mut args: Vec<String> = ["zaak", "close", d, &id, "--resultaat", resultaat]
            .iter()
            .map(|s| s.to_string())
            .collect();
        if i == 0 {
            // Without the bevinding, closing is refused.
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            let msg = refused(as_("projectleider", &a));
            assert!(msg.contains("bevinding"), "{msg}");
        }
        // The chosen indicator is judged; the others of the address could not be.
        for b in bevindingen(sigs, "niet_vast_te_stellen") {
            if b.starts_with(&format!("{indicator}=")) {
                args.push(format!("{indicator}={oordeel}"));
            } else {
                args.push(b);
            }
        }
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(as_("projectleider", &a));
        ids.push(id);
    }
    // One more, left open: its persons' identities outlive the project in the vault.
    let open = new_case(&dir, &cases[12.min(cases.len() - 1)]);
    let _ = open;

    let r = json(ok(as_("projectleider", &["trefkans", d, "--json"])));
    let totaal = r["indicatoren"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["indicator"] == indicator.as_str() && t["periode"] == "totaal")
        .cloned()
        .unwrap_or_else(|| panic!("{r}"));
    assert_eq!(totaal["bevestigd"], 9, "{totaal}");
    assert_eq!(totaal["niet_bevestigd"], 3);
    assert_eq!(totaal["beoordeeld"], 12);
    assert!((totaal["trefkans"].as_f64().unwrap() - 0.75).abs() < 1e-9);
    let lo = totaal["ondergrens"].as_f64().unwrap();
    let hi = totaal["bovengrens"].as_f64().unwrap();
    assert!(lo > 0.4 && lo < 0.75 && hi > 0.75 && hi < 1.0, "{lo} {hi}");
    assert!(r["toelichting"].as_str().unwrap().contains("bezochte"));
    // Other indicators, with fewer than 10 judged, are suppressed.
    for t in r["indicatoren"].as_array().unwrap() {
        if t["beoordeeld"].as_i64().unwrap_or(0) == 0 {
            assert!(t["trefkans"].is_null());
        }
    }
    let text = ok(as_("analist", &["trefkans", d]));
    assert!(text.contains("75,0%"), "{text}");
    refused(as_("uwv", &["trefkans", d]));
    refused(as_("handhaver", &["trefkans", d]));

    // The register export carries the hit rates.
    let out = root.path().join("register");
    ok(as_(
        "fg",
        &["register", "export", d, "--out", out.to_str().unwrap()],
    ));
    let entry: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("algoritmeregister.json")).unwrap())
            .unwrap();
    let proportionality = entry["proportionality"].as_str().unwrap();
    assert!(
        proportionality.contains("Gemeten trefkans per indicator")
            && proportionality.contains(&format!("{indicator} 75% (12 beoordeeld")),
        "{proportionality}"
    );
    let md = std::fs::read_to_string(out.join("indicatorcatalogus.md")).unwrap();
    assert!(md.contains("## Trefkans per indicator"), "{md}");

    // Retention: "niets_gevonden" cases go after 3 months, confirmed ones after 2 years.
    let later = "2026-10-01T10:00:00Z";
    let out = ok(loep_env(
        &["retention", "run", d, "--json"],
        &[("LOEP_NOW", later), ("LOEP_GEBRUIKER", "beheerder")],
    ));
    let report = json(out);
    let destroyed: Vec<&str> = report["zaken"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z.as_str().unwrap())
        .collect();
    assert_eq!(
        destroyed,
        ids[9..].iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert_eq!(report["zaken_sha256"].as_str().unwrap().len(), 64);
    for id in &ids[9..] {
        let o = loep_env(
            &["zaak", "show", d, id],
            &[("LOEP_NOW", later), ("LOEP_GEBRUIKER", "projectleider")],
        );
        assert!(!o.status.success(), "{id} survived its archiefactiedatum");
    }
    for id in &ids[..9] {
        ok(loep_env(
            &["zaak", "show", d, id],
            &[("LOEP_NOW", later), ("LOEP_GEBRUIKER", "projectleider")],
        ));
    }
    // The hit rate still counts the destroyed cases.
    let r = json(ok(loep_env(
        &["trefkans", d, "--json"],
        &[("LOEP_NOW", later), ("LOEP_GEBRUIKER", "projectleider")],
    )));
    let totaal = r["indicatoren"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["indicator"] == indicator.as_str() && t["periode"] == "totaal")
        .cloned()
        .unwrap();
    assert_eq!(totaal["beoordeeld"], 12, "{totaal}");
    let log = ok(loep_env(
        &["log", "export", d],
        &[("LOEP_NOW", later), ("LOEP_GEBRUIKER", "fg")],
    ));
    let rec = log
        .lines()
        .find(|l| l.contains("bewaartermijn.zaken"))
        .unwrap_or_else(|| panic!("no record of the destruction"));
    assert!(rec.contains("\"loep.aantal\":3"), "{rec}");
    // And one line per person of the destroyed cases, naming the case.
    let per_person = log
        .lines()
        .filter(|l| l.contains("\"bewaartermijn.zaak\"") && l.contains("dpl.core.data_subject_id"))
        .count();
    assert!(per_person >= 3, "{per_person} per-person records");

    // A finding deleted, or a count of the archive that outlives destroyed cases changed,
    // with their triggers dropped: no row is left to fail its seal, but the findings and the
    // archive are bound with the access state beside the key and in the log, so nobody is let
    // in until the privacy officer has looked (and accepted the state as it is).
    let fg = [("LOEP_NOW", later), ("LOEP_GEBRUIKER", "fg")];
    for (what, edit) in [
        (
            "a finding deleted",
            "DROP TRIGGER IF EXISTS zaak_bevinding_toegang_delete;
             DELETE FROM zaak_bevinding
             WHERE rowid = (SELECT MIN(rowid) FROM zaak_bevinding WHERE oordeel = 'bevestigd')",
        ),
        (
            "the archive's count changed",
            "DROP TRIGGER IF EXISTS trefkans_archief_toegang_update;
             UPDATE trefkans_archief SET niet_bevestigd = 0",
        ),
    ] {
        let conn = rusqlite::Connection::open(dir.join("store.sqlite")).unwrap();
        assert!(conn.execute_batch(edit).is_ok(), "{what}");
        drop(conn);
        let msg = refused(loep_env(
            &["trefkans", d],
            &[("LOEP_NOW", later), ("LOEP_GEBRUIKER", "projectleider")],
        ));
        assert!(msg.contains("bevindingen van bezoeken"), "{what}: {msg}");
        let v = loep_env(&["log", "verify", d], &fg);
        assert!(!v.status.success(), "{what}");
        assert!(
            stderr(&v).contains("iets beslissen"),
            "{what}: {}",
            stderr(&v)
        );
        ok(loep_env(
            &[
                "log",
                "herstel",
                d,
                "--reden",
                "Onderzocht: rij hersteld uit de back-up.",
            ],
            &fg,
        ));
        ok(loep_env(
            &["trefkans", d],
            &[("LOEP_NOW", later), ("LOEP_GEBRUIKER", "projectleider")],
        ));
    }

    // Someone with the database file changes a finding, to move the hit rate: the hit rates
    // are refused, and the privacy officer's check names the row.
    let conn = rusqlite::Connection::open(dir.join("store.sqlite")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER IF EXISTS zaak_bevinding_mac_check; DROP TRIGGER IF EXISTS zaak_bevinding_mac_update;
         DROP TRIGGER IF EXISTS zaak_bevinding_toegang_update;",
    )
    .unwrap();
    let changed = conn
        .execute(
            "UPDATE zaak_bevinding SET oordeel = 'niet_bevestigd'
             WHERE rowid = (SELECT MIN(rowid) FROM zaak_bevinding WHERE oordeel = 'bevestigd')",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(conn);
    let msg = refused(loep_env(
        &["trefkans", d],
        &[("LOEP_NOW", later), ("LOEP_GEBRUIKER", "projectleider")],
    ));
    assert!(msg.contains("bevinding"), "{msg}");
    assert!(msg.contains("buiten loep om gewijzigd"), "{msg}");
    let v = loep_env(
        &["log", "verify", d],
        &[("LOEP_NOW", later), ("LOEP_GEBRUIKER", "fg")],
    );
    assert!(!v.status.success());
    assert!(stderr(&v).contains("zaak_bevinding"), "{}", stderr(&v));
}

/// Editing the register's rows outside loep (routing a case to oneself, reopening it) is
/// found and refused.
#[test]
fn tampering_with_cases_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let dir = scanned(root.path());
    let d = dir.to_str().unwrap();
    let addrs = addresses(&dir);
    let z = new_case(&dir, &addrs[0].1);
    let id = z["identificatie"].as_str().unwrap().to_string();
    ok(route_to_uwv("projectleider", d, &id));
    // Someone with the database file routes the case to the corporation as well.
    let conn = rusqlite::Connection::open(dir.join("store.sqlite")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER IF EXISTS zaak_rol_mac_check; DROP TRIGGER IF EXISTS zaak_rol_mac_update;
         DROP TRIGGER IF EXISTS zaak_rol_toegang_update;",
    )
    .unwrap();
    conn.execute(
        "UPDATE zaak_rol SET organisatie = 'woningcorporatie' WHERE roltype = 'behandelaar'",
        [],
    )
    .unwrap();
    drop(conn);
    let msg = refused(as_("corporatie", &["zaak", "show", d, &id]));
    assert!(msg.contains("buiten loep om"), "{msg}");
    assert!(!as_("projectleider", &["zaak", "list", d]).status.success());
    // The next writer raises the alarm.
    let o = as_(
        "analist",
        &["zaak", "status", d, &id, "--naar", "in_onderzoek"],
    );
    assert!(!o.status.success());
    let v = as_("fg", &["log", "verify", d]);
    assert!(!v.status.success());
    assert!(stderr(&v).contains("zaak_rol"), "{}", stderr(&v));
}

/// All BSNs held anywhere in the vault's files.
fn vault_bsns(dir: &Path) -> std::collections::BTreeSet<String> {
    files_under(&dir.join("vault"))
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "parquet"))
        .flat_map(|f| parquet_rows(&f))
        .filter_map(|row| row.get("bsn").cloned().flatten())
        .collect()
}

/// After the project's end and its grace period, the vault keeps the identities of persons in
/// an open case (and, through it, the people on the case still see them), and destroys them
/// once the case is closed.
#[test]
fn identities_outlive_the_project_only_while_their_case_is_open() {
    let root = tempfile::tempdir().unwrap();
    let dir = scanned(root.path());
    let d = dir.to_str().unwrap();
    let addrs = addresses(&dir);
    let (_, sigs) = addrs
        .iter()
        .find(|(_, s)| {
            s.iter()
                .any(|x| !x["pseudoniemen"].as_array().unwrap().is_empty())
        })
        .unwrap();
    let with_person = sigs
        .iter()
        .find(|x| !x["pseudoniemen"].as_array().unwrap().is_empty())
        .unwrap();
    let z = new_case(&dir, sigs);
    let id = z["identificatie"].as_str().unwrap().to_string();
    ok(as_(
        "projectleider",
        &[
            "zaak",
            "assign",
            d,
            &id,
            "--rol",
            "huisbezoeker",
            "--medewerker",
            "handhaver",
        ],
    ));
    ok(as_(
        "analist",
        &[
            "reveal",
            "request",
            d,
            &signal_id(with_person),
            "--reden",
            "Huisbezoek voorbereiden: wie woont hier?",
        ],
    ));
    ok(as_(
        "sleutelhouder",
        &[
            "reveal",
            "approve",
            d,
            "O0001",
            "--toelichting",
            "Reden volstaat.",
        ],
    ));
    // The list says who decided, when and why.
    let list = ok(as_("sleutelhouder", &["reveal", "list", d]));
    assert!(
        list.contains("goedgekeurd door sleutelhouder") && list.contains("Reden volstaat."),
        "{list}"
    );
    // Long after the project (ended 2026-12-31) and its 28 days of grace.
    let after = |user: &'static str, at: &'static str| {
        move |args: &[&str]| loep_env(args, &[("LOEP_NOW", at), ("LOEP_GEBRUIKER", user)])
    };
    let before_end = vault_bsns(&dir).len();
    ok(after("beheerder", "2027-03-01T10:00:00Z")(&[
        "retention",
        "run",
        d,
    ]));
    let kept = vault_bsns(&dir);
    assert!(
        !kept.is_empty() && kept.len() < before_end,
        "{} of {before_end}",
        kept.len()
    );
    // The handhaver on the open case still sees them.
    let shown = json(ok(after("handhaver", "2027-03-01T11:00:00Z")(&[
        "reveal", "show", d, "O0001", "--json",
    ])));
    let bsns: Vec<String> = shown["personen"]
        .as_array()
        .unwrap_or_else(|| panic!("{shown}"))
        .iter()
        .filter_map(|i| i["bsn"].as_str().map(str::to_string))
        .collect();
    assert!(!bsns.is_empty(), "{shown}");
    for b in &bsns {
        assert!(kept.contains(b), "{b} was not kept for the open case");
    }
    // The case closes: the next retention run destroys its persons' identities.
    ok(after("analist", "2027-03-02T09:00:00Z")(&[
        "zaak",
        "status",
        d,
        &id,
        "--naar",
        "in_onderzoek",
    ]));
    let mut args: Vec<String> = ["zaak", "close", d, &id, "--resultaat", "niets_gevonden"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(bevindingen(sigs, "niet_bevestigd"));
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(after("projectleider", "2027-03-02T10:00:00Z")(&a));
    ok(after("beheerder", "2027-03-03T10:00:00Z")(&[
        "retention",
        "run",
        d,
    ]));
    let left = vault_bsns(&dir);
    for b in &bsns {
        assert!(!left.contains(b), "{b} outlived its closed case");
    }
}
