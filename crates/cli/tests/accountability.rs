//! Accounts and roles, four-eyes de-pseudonymisation, retention, purpose limitation, access
//! requests, the log export and the Algoritmeregister entry: each from the CLI, with its
//! refusals.

mod common;
use common::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A small synthetic world (with some invalid values, so that there are rejects) loaded into
/// `project`.
fn world(root: &Path) -> PathBuf {
    let world = root.join("world");
    ok(loep(&[
        "synth",
        "--persons",
        "4000",
        "--seed",
        "11",
        "--dirty",
        "0.01",
        "--out",
        world.to_str().unwrap(),
    ]));
    world
}

/// An approved project with every test account, the world loaded and scanned at `scan_at`.
fn scanned(root: &Path, extra_init: &[&str], scan_at: &str) -> (PathBuf, PathBuf) {
    let world = world(root);
    let dir = init_project_with(root, extra_init);
    approve(&dir, "DPIA-7");
    ok(intake(&dir, &world.join("levering")));
    ok(loep_env(
        &["scan", dir.to_str().unwrap()],
        &[("LOEP_NOW", scan_at)],
    ));
    (world, dir)
}

fn signals(dir: &Path) -> Vec<serde_json::Value> {
    json(ok(loep(&[
        "signals",
        dir.to_str().unwrap(),
        "--format",
        "json",
    ])))["signalen"]
        .as_array()
        .unwrap()
        .clone()
}

fn persons(signal: &serde_json::Value) -> BTreeSet<String> {
    signal["pseudoniemen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect()
}

fn signal_id(signal: &serde_json::Value) -> String {
    format!(
        "{}/{}",
        signal["run_id"].as_str().unwrap(),
        signal["nr"].as_i64().unwrap()
    )
}

fn log_rows(dir: &Path, name: &str) -> Vec<(Option<String>, String)> {
    let conn = rusqlite::Connection::open(dir.join("store.sqlite")).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT data_subject_id, attributes FROM verwerkingslog WHERE name = ?1 ORDER BY seq",
        )
        .unwrap();
    stmt.query_map([name], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Whether `text` holds a run of exactly `len` characters that `is` accepts.
fn has_run(text: &str, len: usize, is: impl Fn(char) -> bool) -> Option<String> {
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if is(c) {
            run.push(c);
        } else {
            if run.chars().count() == len {
                return Some(run);
            }
            run.clear();
        }
    }
    None
}

/// A letter to a resident shows no pseudonym (32 hex characters) and no BAG id (16 digits).
fn assert_no_ids(text: &str) {
    if let Some(p) = has_run(text, 32, |c| c.is_ascii_hexdigit()) {
        panic!("a pseudonym in the letter: {p}");
    }
    if let Some(v) = has_run(text, 16, |c| c.is_ascii_digit()) {
        panic!("a BAG id in the letter: {v}");
    }
}

/// The text of a PDF, page by page.
fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).expect("a readable PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    assert!(!pages.is_empty());
    doc.extract_text(&pages).expect("its text")
}

/// What a resident receives: a letter in plain Dutch, as HTML and PDF, about them alone.
#[test]
fn the_access_letter_is_plain_dutch_and_about_one_person() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let d = dir.to_str().unwrap();
    // The resident's name with a diaeresis, which the PDF must carry.
    let basis = copy_fixture("basis", root.path(), "basis");
    let brp = std::fs::read_to_string(basis.join("brp_persoon.csv")).unwrap();
    std::fs::write(
        basis.join("brp_persoon.csv"),
        brp.replace("Wubbo Jan,van,Oeverzicht", "Wubbo Jaël,van,Oeverzicht"),
    )
    .unwrap();
    ok(intake(&dir, &basis));
    for f in ["belastingdienst", "corporatie"] {
        ok(intake(&dir, &fixtures().join(f)));
    }
    let out = root.path().join("brief");
    let printed = ok(loep(&[
        "inzage",
        d,
        "--bsn",
        "111222333",
        "--out",
        out.to_str().unwrap(),
    ]));
    let file = |ext: &str| {
        files_under(&out)
            .into_iter()
            .find(|f| f.extension().is_some_and(|e| e == ext))
            .unwrap_or_else(|| panic!("no .{ext} in {printed}"))
    };
    let (html_file, pdf_file, json_file) = (file("html"), file("pdf"), file("json"));
    assert!(printed.contains(pdf_file.to_str().unwrap()), "{printed}");
    // Named by date and number, not by (a part of) the pseudonym; a second letter does not
    // overwrite the first.
    assert_eq!(html_file.file_name().unwrap(), "inzage-2026-06-15-1.html");
    ok(loep(&[
        "inzage",
        d,
        "--bsn",
        "111222333",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(out.join("inzage-2026-06-15-2.pdf").is_file());
    assert!(out.join("inzage-2026-06-15-1.pdf").is_file());
    let html = std::fs::read_to_string(&html_file).unwrap();

    // Plain Dutch labels, partners in full, not table and column names.
    for label in [
        "Inschrijving in de gemeente (BRP)",
        "Ingeschreven sinds",
        "1 maart 2015",
        "Adressen waar u ingeschreven stond (BRP)",
        "Inkomen (Belastingdienst)",
        "Verzamelinkomen",
        "€ 31.250,00",
        "Belastingdienst",
        "woonadres",
    ] {
        assert!(html.contains(label), "{label} missing");
    }
    for raw in [
        "brp_persoon",
        "datum_aanvang_adreshouding",
        "verzamelinkomen",
        "functie_adres",
    ] {
        assert!(!html.contains(raw), "{raw} in the letter");
    }
    // Addresses written out with their buurt, never as BAG ids; no pseudonyms.
    assert!(html.contains("Kerkstraat 12A, 2011AB Haarlem (buurt Oude Stad)"));
    assert!(
        html.contains("Molenweg 3, 2012CD Haarlem"),
        "an earlier address"
    );
    assert_no_ids(&html);
    // Amsterdam time, to the minute (the tests run at 10:00 UTC in June).
    assert!(html.contains("15 juni 2026, 12:00"));
    // Whom to contact, how to object and complain, how long data is kept.
    for text in [
        "Functionaris gegevensbescherming van Gemeente Haarlem",
        "privacy@oudestad.example",
        "artikel 21 AVG",
        "Autoriteit Persoonsgegevens",
        "dagen na het einde van het project",
    ] {
        assert!(html.contains(text), "{text} missing");
    }
    // About one person: the partner at the same address is not named, nor is her income; the
    // letter says only that the resident is named in her rows.
    assert!(!html.contains("Quistenburg") && !html.contains("Maria"));
    assert!(!html.contains("1.200,50"), "the partner's income");
    assert!(
        html.contains("U wordt genoemd als fiscaal partner"),
        "a mention"
    );
    assert!(html.contains("een andere persoon"));

    // The JSON keeps the pseudonyms, for machines.
    let r = json(std::fs::read_to_string(&json_file).unwrap());
    if r["bronnen"]
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["tabel"] == "wc_huurcontract")
    {
        // The tenancy, linked on name and date of birth.
        for label in [
            "Huurcontract (woningcorporatie)",
            "Kale huur per maand",
            "Woningcorporatie",
        ] {
            assert!(html.contains(label), "{label} missing");
        }
    }
    assert_eq!(r["pseudoniem"].as_str().unwrap().len(), 32);
    assert!(
        r["bronnen"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|b| b["rijen"].as_array().unwrap())
            .all(|row| row["pseudoniem"]
                .as_str()
                .is_none_or(|p| p == r["pseudoniem"])),
        "only the resident's own rows"
    );

    // The PDF for the post says the same, with the diaeresis and the euro sign.
    let pdf = std::fs::read(&pdf_file).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let text = pdf_text(&pdf);
    for t in [
        "Wubbo Jaël van Oeverzicht",
        "Inschrijving in de gemeente (BRP)",
        "Kerkstraat 12A, 2011AB Haarlem",
        "€ 31.250,00",
        "privacy@oudestad.example",
    ] {
        assert!(text.contains(t), "{t} not in the PDF's text:\n{text}");
    }
    assert_no_ids(&text);
}

#[test]
fn logging_in_and_the_role_of_every_command() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let d = dir.to_str().unwrap();
    ok(intake(&dir, &fixtures().join("basis")));

    // Who may run what, through the CLI, for every test account.
    let out_dir = root.path().join("out");
    let o = out_dir.to_str().unwrap();
    let basis = fixtures().join("basis");
    let b = basis.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &[&str])> = vec![
        (vec!["approve", d, "--dpia", "DPIA-2"], &["fg"]),
        (vec!["intake", d, b], &["beheerder"]),
        (
            vec!["status", d],
            &[
                "beheerder",
                "fg",
                "projectleider",
                "analist",
                "analist2",
                "sleutelhouder",
                "sleutelhouder2",
            ],
        ),
        (vec!["scan", d], &["analist", "analist2"]),
        (
            vec!["signals", d],
            &["projectleider", "analist", "analist2"],
        ),
        (
            vec!["user", "list", d],
            &["beheerder", "fg", "projectleider"],
        ),
        (vec!["log", "verify", d], &["beheerder", "fg"]),
        (vec!["log", "export", d], &["fg"]),
        (
            vec!["register", "export", d, "--out", o],
            &["fg", "projectleider"],
        ),
        (
            vec!["inzage", d, "--bsn", "111222333", "--out", o],
            &["fg", "sleutelhouder", "sleutelhouder2"],
        ),
        (
            vec!["retention", "run", d, "--dry-run"],
            &["beheerder", "fg"],
        ),
        (
            vec!["reveal", "list", d],
            &[
                "fg",
                "analist",
                "analist2",
                "sleutelhouder",
                "sleutelhouder2",
            ],
        ),
    ];
    for (args, allowed) in &cases {
        for (user, _, _) in ACCOUNTS {
            let out = loep_as(user, args);
            if allowed.contains(&user) {
                ok(out);
            } else {
                let err = refused(out);
                assert!(
                    err.contains("geweigerd: als "),
                    "{user} running {args:?}: {err}"
                );
            }
        }
    }

    // Without an account, with a wrong password, with an account of another project, or
    // disabled: refused.
    let no_user = std::process::Command::new(env!("CARGO_BIN_EXE_loep"))
        .args(["status", d])
        .env("LOEP_NOW", NOW)
        .env_remove("LOEP_GEBRUIKER")
        .env("LOEP_WACHTWOORD", PASSWORD)
        .output()
        .unwrap();
    assert!(refused(no_user).contains("--gebruiker"));
    let err = refused(loep_env(
        &["status", d],
        &[("LOEP_WACHTWOORD", "niet het goede wachtwoord")],
    ));
    assert!(err.contains("verkeerd wachtwoord"), "{err}");
    let err = refused(loep_as("iemand", &["status", d]));
    assert!(err.contains("onbekend account"), "{err}");
    // Every account changes its own password, knowing the current one.
    let nieuw = "vier losse woorden voor analist twee";
    let err = refused(loep_env(
        &["user", "wachtwoord", d],
        &[
            ("LOEP_GEBRUIKER", "analist2"),
            ("LOEP_WACHTWOORD", "niet het goede wachtwoord"),
            ("LOEP_NIEUW_WACHTWOORD", nieuw),
        ],
    ));
    assert!(
        err.contains("verkeerd wachtwoord") || err.contains("klopt niet"),
        "{err}"
    );
    let out = ok(loep_env(
        &["user", "wachtwoord", d],
        &[
            ("LOEP_GEBRUIKER", "analist2"),
            ("LOEP_NIEUW_WACHTWOORD", nieuw),
        ],
    ));
    assert!(out.contains("is gewijzigd"), "{out}");
    refused(loep_as("analist2", &["status", d]));
    ok(loep_env(
        &["status", d],
        &[("LOEP_GEBRUIKER", "analist2"), ("LOEP_WACHTWOORD", nieuw)],
    ));
    assert!(ok(loep_as("fg", &["user", "audit", d])).contains("wachtwoord-gewijzigd"));
    ok(loep(&["user", "disable", d, "analist2"]));
    let err = refused(loep_env(
        &["signals", d],
        &[("LOEP_GEBRUIKER", "analist2"), ("LOEP_WACHTWOORD", nieuw)],
    ));
    assert!(err.contains("uitgeschakeld"), "{err}");
    let err = refused(loep(&["user", "disable", d, "beheerder"]));
    assert!(err.contains("eigen account"), "{err}");
    // Accounts: the password is stored as an Argon2id hash, never as given.
    let conn = rusqlite::Connection::open(dir.join("store.sqlite")).unwrap();
    let hashes: Vec<String> = conn
        .prepare("SELECT wachtwoord FROM gebruiker")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(hashes.len(), ACCOUNTS.len());
    assert!(hashes.iter().all(|h| h.starts_with("$argon2id$v=19$")));
    assert!(
        files_under(&dir)
            .iter()
            .all(|f| { !String::from_utf8_lossy(&std::fs::read(f).unwrap()).contains(PASSWORD) })
    );
    // A partner-medewerker belongs to one organisation.
    let err = refused(loep(&[
        "user",
        "add",
        d,
        "bd",
        "--rol",
        "partner-medewerker",
    ]));
    assert!(err.contains("--organisatie"), "{err}");
    let err = refused(loep_env(
        &["user", "add", d, "kort", "--rol", "analist"],
        &[("LOEP_NIEUW_WACHTWOORD", "kort")],
    ));
    assert!(err.contains("minstens 12"), "{err}");
}

#[test]
fn four_eyes_reveal() {
    let root = tempfile::tempdir().unwrap();
    let (_, dir) = scanned(root.path(), &[], NOW);
    let d = dir.to_str().unwrap();
    let all = signals(&dir);
    let with_persons: Vec<&serde_json::Value> =
        all.iter().filter(|s| !persons(s).is_empty()).collect();
    let first = with_persons[0];
    let other = with_persons
        .iter()
        .find(|s| persons(s).is_disjoint(&persons(first)))
        .expect("two signals with different persons");
    let (id1, id2) = (signal_id(first), signal_id(other));

    let reason = "Huisbezoek voorbereiden: wie wonen hier werkelijk?";
    // A reason is required; only an analist asks.
    let err = refused(loep(&["reveal", "request", d, &id1, "--reden", "kijken"]));
    assert!(err.contains("reden van ten minste 20 tekens"), "{err}");
    let err = refused(loep_as(
        "projectleider",
        &["reveal", "request", d, &id1, "--reden", reason],
    ));
    assert!(err.contains("geweigerd"), "{err}");
    let err = refused(loep(&[
        "reveal",
        "request",
        d,
        "S9999-00000000/1",
        "--reden",
        reason,
    ]));
    assert!(err.contains("geen signaal"), "{err}");
    let out = ok(loep(&["reveal", "request", d, &id1, "--reden", reason]));
    assert!(out.contains("O0001"), "{out}");
    ok(loep_as(
        "analist2",
        &["reveal", "request", d, &id2, "--reden", reason],
    ));

    // Not yet approved: nothing to see. Self-approval is refused.
    let err = refused(loep(&["reveal", "show", d, "O0001"]));
    assert!(err.contains("niet goedgekeurd"), "{err}");
    let err = refused(loep_as("analist", &["reveal", "approve", d, "O0001"]));
    assert!(err.contains("geweigerd"), "{err}");
    let err = refused(loep_as("sleutelhouder", &["reveal", "refuse", d, "O0001"]));
    assert!(err.contains("--toelichting"), "{err}");

    ok(loep_as("sleutelhouder", &["reveal", "approve", d, "O0001"]));
    let err = refused(loep_as(
        "sleutelhouder2",
        &["reveal", "approve", d, "O0001"],
    ));
    assert!(err.contains("al goedgekeurd"), "{err}");
    ok(loep_as(
        "sleutelhouder2",
        &[
            "reveal",
            "refuse",
            d,
            "O0002",
            "--toelichting",
            "Geen reden voor een huisbezoek.",
        ],
    ));

    // Only the requester sees the identities, only of that signal's persons.
    for who in [
        "analist2",
        "sleutelhouder",
        "projectleider",
        "uwv",
        "handhaver",
        "fg",
    ] {
        let err = refused(loep_as(who, &["reveal", "show", d, "O0001"]));
        assert!(err.contains("geweigerd"), "{who}: {err}");
    }
    let shown = json(ok(loep(&["reveal", "show", d, "O0001", "--json"])));
    let revealed: BTreeSet<String> = shown["personen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let bsn = p["bsn"].as_str().unwrap();
            assert!(
                bsn.len() == 9 && bsn.bytes().all(|b| b.is_ascii_digit()),
                "{p}"
            );
            p["pseudoniem"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(revealed, persons(first));
    assert!(revealed.is_disjoint(&persons(other)));
    assert!(
        shown["personen"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["geslachtsnaam"].is_string()),
        "{shown}"
    );
    // A refused request reveals nothing, also not to its requester.
    let err = refused(loep_as("analist2", &["reveal", "show", d, "O0002"]));
    assert!(err.contains("niet goedgekeurd"), "{err}");

    // Every step is in the log, one line per person, without user names.
    for (name, n) in [
        (
            "onthulling.aanvraag",
            persons(first).len() + persons(other).len(),
        ),
        ("onthulling.goedkeuring", persons(first).len()),
        ("onthulling.weigering", persons(other).len()),
        ("onthulling.inzien", persons(first).len()),
    ] {
        let rows = log_rows(&dir, name);
        assert_eq!(rows.len(), n, "{name}");
        for (subject, attrs) in &rows {
            assert!(
                subject.as_ref().is_some_and(|s| s.len() == 32),
                "{name}: {subject:?}"
            );
            assert!(
                !attrs.contains("analist") && !attrs.contains("sleutelhouder"),
                "{attrs}"
            );
        }
    }
    assert!(ok(loep(&["log", "verify", d])).contains("intact"));
}

/// The bytes of every file under `dir`, as one lossy string.
fn all_bytes(dir: &Path) -> String {
    files_under(dir)
        .iter()
        .map(|f| String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn vault_pseudonyms(dir: &Path) -> BTreeSet<String> {
    files_under(&dir.join("vault/bsn"))
        .iter()
        .flat_map(|f| parquet_rows(f))
        .filter_map(|r| r.get("pseudoniem").cloned().flatten())
        .collect()
}

#[test]
fn retention_destroys_data_in_the_files() {
    let root = tempfile::tempdir().unwrap();
    // Scanned on the last days of the project, signals kept 60 days.
    let (_, dir) = scanned(
        root.path(),
        &["--signalen-dagen", "60"],
        "2026-12-30T09:00:00Z",
    );
    let d = dir.to_str().unwrap();
    let all = signals(&dir);
    let in_signals: BTreeSet<String> = all.iter().flat_map(persons).collect();
    let uitleg = all[0]["uitleg"].as_str().unwrap().to_string();
    let before = vault_pseudonyms(&dir);
    assert!(before.len() > in_signals.len() * 2);
    let conn = rusqlite::Connection::open(dir.join("vault/vault.sqlite")).unwrap();
    let raw: String = conn
        .query_row("SELECT ruwe_regel FROM afwijzing LIMIT 1", [], |r| r.get(0))
        .expect("the dirty world has rejects");
    drop(conn);
    assert!(all_bytes(&dir.join("vault")).contains(&raw));
    ok(loep_as(
        "analist",
        &[
            "reveal",
            "request",
            d,
            &signal_id(&all[0]),
            "--reden",
            "Huisbezoek voorbereiden op dit adres.",
        ],
    ));
    ok(loep_as("sleutelhouder", &["reveal", "approve", d, "O0001"]));

    let at = |now: &'static str| [("LOEP_NOW", now)];
    // Within the grace period after the end, identities stay.
    let r = json(ok(loep_env(
        &["retention", "run", d, "--json"],
        &at("2027-01-15T12:00:00Z"),
    )));
    assert_eq!(r["identiteiten_termijn_verstreken"], false, "{r}");
    assert_eq!(vault_pseudonyms(&dir), before);

    // After it: a dry run counts, changes nothing.
    let r = json(ok(loep_env(
        &["retention", "run", d, "--dry-run", "--json"],
        &at("2027-02-01T12:00:00Z"),
    )));
    let due: u64 = r["identiteiten"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["aantal"].as_u64().unwrap())
        .sum();
    assert!(due > 0, "{r}");
    assert_eq!(vault_pseudonyms(&dir), before);

    // Any command that opens the project enforces it: only persons in a signal keep their
    // identity, and the full rejects are gone from the vault's files.
    ok(loep_env(&["status", d], &at("2027-02-01T12:00:00Z")));
    let after = vault_pseudonyms(&dir);
    assert!(!after.is_empty());
    assert!(
        after.is_subset(&in_signals),
        "{} kept outside signals",
        after.difference(&in_signals).count()
    );
    assert!(
        !all_bytes(&dir.join("vault")).contains(&raw),
        "a destroyed reject is still in the vault files"
    );
    let rows = log_rows(&dir, "bewaartermijn.vernietiging");
    assert!(!rows.is_empty());
    for (subject, attrs) in &rows {
        assert!(subject.is_some());
        let a: serde_json::Value = serde_json::from_str(attrs).unwrap();
        assert!(
            a["aantal"].as_u64().unwrap() > 0 && a["sha256"].as_str().unwrap().len() == 64,
            "{a}"
        );
    }
    // Running again destroys nothing more and logs nothing.
    ok(loep_env(
        &["retention", "run", d],
        &at("2027-02-02T12:00:00Z"),
    ));
    assert_eq!(
        log_rows(&dir, "bewaartermijn.vernietiging").len(),
        rows.len()
    );

    // When the signals' own period ends, they go, and with them their persons' identities.
    assert!(all_bytes(&dir).contains(&uitleg));
    let out = ok(loep_env(
        &["retention", "run", d],
        &at("2027-03-05T12:00:00Z"),
    ));
    assert!(out.contains("vernietigd"), "{out}");
    assert!(vault_pseudonyms(&dir).is_empty());
    assert!(
        !all_bytes(&dir).contains(&uitleg),
        "a destroyed signal is still in the store files"
    );
    let left: serde_json::Value = json(ok(loep_env(
        &["signals", d, "--format", "json"],
        &at("2027-03-05T12:00:00Z"),
    )));
    assert_eq!(left["signalen"].as_array().unwrap().len(), 0);
    let err = refused(loep_env(
        &["reveal", "show", d, "O0001"],
        &at("2027-03-05T12:00:00Z"),
    ));
    assert!(err.contains("vernietigd"), "{err}");
    assert!(ok(loep_env(&["log", "verify", d], &at("2027-03-05T12:00:00Z"))).contains("intact"));
    // The run's certificate stays (it holds no personal data) and records the destruction.
    let cert = json(ok(loep_env(
        &["run", "certificaat", d, "--json"],
        &at("2027-03-05T12:00:00Z"),
    )));
    assert_eq!(cert["intact"], true, "{cert}");
    assert!(
        cert["certificaat"]["signalen"].as_u64().unwrap() > 0,
        "{cert}"
    );
    assert!(
        cert["controles"].to_string().contains("vernietigd op"),
        "{cert}"
    );
}

#[test]
fn projects_are_kept_apart() {
    let root = tempfile::tempdir().unwrap();
    let a = approved_project(&root.path().join("a"));
    let b = approved_project(&root.path().join("b"));
    for p in [&a, &b] {
        ok(intake(p, &fixtures().join("basis")));
    }
    // The same persons have different pseudonyms in each project.
    let brp = |p: &Path| -> BTreeSet<String> {
        files_under(&p.join("data/brp_persoon"))
            .iter()
            .flat_map(|f| parquet_rows(f))
            .filter_map(|r| r.get("pseudoniem").cloned().flatten())
            .collect()
    };
    let (pa, pb) = (brp(&a), brp(&b));
    assert!(!pa.is_empty() && pa.len() == pb.len());
    assert!(pa.is_disjoint(&pb));
    assert_ne!(
        std::fs::read(a.join("sleutel/pseudonimisering.key")).unwrap(),
        std::fs::read(b.join("sleutel/pseudonimisering.key")).unwrap()
    );
    // An account of one project does not open the other.
    ok(loep(&[
        "user",
        "add",
        a.to_str().unwrap(),
        "alleen-a",
        "--rol",
        "analist",
    ]));
    ok(loep_as(
        "alleen-a",
        &["reveal", "list", a.to_str().unwrap()],
    ));
    let err = refused(loep_as("alleen-a", &["status", b.to_str().unwrap()]));
    assert!(err.contains("onbekend account"), "{err}");
    // An access request in B knows only B's pseudonym of the person.
    let bsn = "111222333";
    let out_a = root.path().join("inzage-a");
    let out_b = root.path().join("inzage-b");
    ok(loep(&[
        "inzage",
        a.to_str().unwrap(),
        "--bsn",
        bsn,
        "--out",
        out_a.to_str().unwrap(),
    ]));
    let written = json(ok(loep(&[
        "inzage",
        b.to_str().unwrap(),
        "--bsn",
        bsn,
        "--out",
        out_b.to_str().unwrap(),
        "--json",
    ])));
    // --json says where the letter went and what it holds, not the letter itself.
    for f in ["html", "pdf", "json"] {
        let p = Path::new(written[f].as_str().unwrap());
        assert!(p.starts_with(&out_b) && p.exists(), "{written}");
    }
    assert!(written["bronnen"].as_u64().unwrap() > 0, "{written}");
    assert!(!written.to_string().contains(bsn), "{written}");
    let read = |d: &Path| -> serde_json::Value {
        let f = files_under(d)
            .into_iter()
            .find(|f| f.extension().is_some_and(|e| e == "json"))
            .unwrap();
        json(std::fs::read_to_string(f).unwrap())
    };
    let (ra, rb) = (read(&out_a), read(&out_b));
    assert_ne!(ra["pseudoniem"], rb["pseudoniem"]);
    assert!(pa.contains(ra["pseudoniem"].as_str().unwrap()));
    assert!(pb.contains(rb["pseudoniem"].as_str().unwrap()));
}

#[test]
fn access_request_log_export_and_register() {
    let root = tempfile::tempdir().unwrap();
    let (_, dir) = scanned(root.path(), &[], NOW);
    let d = dir.to_str().unwrap();
    let all = signals(&dir);
    let s = all.iter().find(|s| !persons(s).is_empty()).unwrap();
    ok(loep(&[
        "reveal",
        "request",
        d,
        &signal_id(s),
        "--reden",
        "Huisbezoek voorbereiden op dit adres.",
    ]));
    ok(loep_as("sleutelhouder", &["reveal", "approve", d, "O0001"]));
    let shown = json(ok(loep(&["reveal", "show", d, "O0001", "--json"])));
    let person = &shown["personen"][0];
    let bsn = person["bsn"].as_str().unwrap();
    let p = person["pseudoniem"].as_str().unwrap();
    // The signal's address written out, and what links each person to it.
    assert_eq!(shown["vbo_id"], s["vbo_id"]);
    let adres = shown["adres"].as_str().unwrap();
    assert!(adres.contains(", ") && !adres.contains(s["vbo_id"].as_str().unwrap()));
    let roles: Vec<&str> = shown["personen"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["rollen"].as_array().unwrap())
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(!roles.is_empty(), "{shown}");
    let text = ok(loep(&["reveal", "show", d, "O0001"]));
    assert!(text.contains(&format!("Adres: {adres}")), "{text}");
    assert!(text.contains("rol: "), "{text}");

    // The access request: everything about the person, their signals, their log lines.
    let out = root.path().join("inzage");
    let err = refused(loep_as(
        "analist",
        &["inzage", d, "--bsn", bsn, "--out", out.to_str().unwrap()],
    ));
    assert!(err.contains("geweigerd"), "{err}");
    let err = refused(loep(&[
        "inzage",
        d,
        "--bsn",
        "123456789",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(err.contains("--bsn"), "{err}");
    ok(loep_as(
        "sleutelhouder",
        &["inzage", d, "--bsn", bsn, "--out", out.to_str().unwrap()],
    ));
    let files = files_under(&out);
    let json_file = files
        .iter()
        .find(|f| f.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let html_file = files
        .iter()
        .find(|f| f.extension().is_some_and(|e| e == "html"))
        .unwrap();
    let r = json(std::fs::read_to_string(json_file).unwrap());
    assert_eq!(r["pseudoniem"], p);
    assert_eq!(r["identiteit"]["bsn"], bsn);
    let tables: BTreeSet<&str> = r["bronnen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["tabel"].as_str().unwrap())
        .collect();
    assert!(tables.contains("brp_persoon"), "{tables:?}");
    assert!(
        r["bronnen"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["opslag"] == "kluis")
    );
    let sigs: Vec<&str> = r["signalen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["signaal"].as_str().unwrap())
        .collect();
    assert!(sigs.contains(&signal_id(s).as_str()), "{sigs:?}");
    // A signal that involves others too gives no facts: they may be about the others.
    for sig in r["signalen"].as_array().unwrap() {
        let n = sig["personen"].as_u64().unwrap();
        assert!(n >= 1, "{sig}");
        if n > 1 {
            assert!(sig["feiten"].is_null(), "{sig}");
            assert!(
                sig["uitleg"].as_str().unwrap().contains("andere persoon"),
                "{sig}"
            );
        }
    }
    let acts: BTreeSet<&str> = r["verwerkingen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["handeling"].as_str().unwrap())
        .collect();
    for a in [
        "scan.signaal",
        "onthulling.aanvraag",
        "onthulling.goedkeuring",
        "onthulling.inzien",
    ] {
        assert!(acts.contains(a), "{a} missing in {acts:?}");
    }
    assert!(r["indicatoren"].as_array().unwrap().len() >= 12);
    let html = std::fs::read_to_string(html_file).unwrap();
    assert!(html.contains("<html lang=\"nl\">") && html.contains("Signalen over u"));
    assert!(html.contains(&s["indicator"].as_str().unwrap().to_string()));
    assert!(!html.contains("<script"));
    assert_no_ids(&html);
    assert!(html.contains(adres), "the signal's address written out");
    // The access request is itself a logged processing of the person.
    assert!(
        log_rows(&dir, "inzage")
            .iter()
            .any(|(subj, _)| subj.as_deref() == Some(p))
    );
    // A letter that can be posted: the address block from the BRP, the reference, the
    // signature.
    for part in [
        "Ons kenmerk",
        "INZ-",
        "Met vriendelijke groet,",
        "Functionaris gegevensbescherming",
    ] {
        assert!(html.contains(part), "{part}");
    }

    // While an investigation runs the privacy officer leaves the cases' part out (article 41
    // UAVG): the letter says that a restriction applies and until when, not why; the log
    // records why. A key holder may draw up letters, not restrict them.
    let later = "2026-12-07T10:00:00Z";
    let beperkt = root.path().join("beperkt");
    let o = beperkt.to_str().unwrap();
    let reden = "Lopend onderzoek naar adresfraude; een huisbezoek is gepland.";
    let restrict = |user: &str, tot: &str| {
        loep_env(
            &[
                "inzage", d, "--bsn", bsn, "--out", o, "--beperk", "zaken", "--reden", reden,
                "--tot", tot,
            ],
            &[("LOEP_GEBRUIKER", user), ("LOEP_NOW", later)],
        )
    };
    let err = refused(restrict("sleutelhouder", "2027-02-01"));
    assert!(err.contains("beperken"), "{err}");
    let err = refused(restrict("fg", "2028-02-01"));
    assert!(err.contains("ten hoogste 365 dagen"), "{err}");
    let said = ok(restrict("fg", "2027-02-01"));
    assert!(said.contains("Beperkt tot en met 2027-02-01"), "{said}");
    let files = files_under(&beperkt);
    let restricted = std::fs::read_to_string(
        files
            .iter()
            .find(|f| f.extension().is_some_and(|e| e == "html"))
            .unwrap(),
    )
    .unwrap();
    assert!(
        restricted.contains("Tijdelijke beperking van dit overzicht")
            && restricted.contains("artikel 41")
            && restricted.contains("1 februari 2027"),
        "{restricted}"
    );
    assert!(
        !restricted.contains(reden),
        "the reason stays out of the letter"
    );
    // "Ons kenmerk" is the project's and the report's, not the output directory's: a letter
    // written elsewhere does not get the first letter's reference again.
    let kenmerk = |html: &str| {
        let at = html.find("INZ-").expect("a reference");
        html[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
    };
    assert_eq!(
        kenmerk(&html).split('-').nth(1),
        kenmerk(&restricted).split('-').nth(1),
        "the same project"
    );
    let machine = json(
        std::fs::read_to_string(
            files
                .iter()
                .find(|f| f.extension().is_some_and(|e| e == "json"))
                .unwrap(),
        )
        .unwrap(),
    );
    assert!(
        machine["verwerkingen"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| !v["handeling"].as_str().unwrap().starts_with("onthulling.")),
        "{machine}"
    );
    assert_eq!(machine["beperking"]["tot"], "2027-02-01");
    assert_eq!(
        machine["kenmerk"].as_str(),
        Some(kenmerk(&restricted).as_str())
    );
    let logged = ok(loep_as("fg", &["log", "export", d]));
    let rec = logged
        .lines()
        .find(|l| l.contains("\"inzage.beperkt\""))
        .expect("the restriction is in the log");
    // The log (never destroyed) records for whom and until when, not the reason.
    assert!(!rec.contains(reden) && rec.contains("2027-02-01"), "{rec}");
    // Every later letter for the person applies it until its end, whoever draws it up.
    let again = root.path().join("later");
    ok(loep_env(
        &["inzage", d, "--bsn", bsn, "--out", again.to_str().unwrap()],
        &[("LOEP_GEBRUIKER", "sleutelhouder"), ("LOEP_NOW", later)],
    ));
    let later_html = std::fs::read_to_string(
        files_under(&again)
            .iter()
            .find(|f| f.extension().is_some_and(|e| e == "html"))
            .unwrap(),
    )
    .unwrap();
    assert!(
        later_html.contains("Tijdelijke beperking van dit overzicht"),
        "{later_html}"
    );
    // Drawn up the same day as the restricted letter, into another directory: its own
    // reference (the directory's file sequence would have given both `-1`).
    assert_ne!(kenmerk(&restricted), kenmerk(&later_html));
    assert_eq!(
        kenmerk(&restricted).rsplit('-').nth(1),
        kenmerk(&later_html).rsplit('-').nth(1),
        "the same day"
    );

    // The log for auditors: JSON lines with the Logboek fields, and OTLP spans.
    let records = json(ok(loep(&["log", "verify", d, "--json"])))["records"]
        .as_u64()
        .unwrap();
    let lines = ok(loep(&["log", "export", d]));
    let lines: Vec<serde_json::Value> = lines.lines().map(|l| json(l.to_string())).collect();
    assert_eq!(lines.len() as u64, records);
    for l in &lines {
        for f in ["trace_id", "operation_id", "name", "start_time", "end_time"] {
            assert!(l[f].is_string(), "{f} in {l}");
        }
        // The standard's enumeration and a structured resource.
        assert!(
            ["STATUS_CODE_OK", "STATUS_CODE_ERROR"].contains(&l["status_code"].as_str().unwrap()),
            "{l}"
        );
        assert_eq!(l["resource"]["attributes"]["service.name"], "loep", "{l}");
        assert!(l["resource"]["attributes"]["service.version"].is_string());
        assert!(l["attributes"]["dpl.core.processing_activity_id"].is_string());
        if let Some(s) = l["attributes"]["dpl.core.data_subject_id"].as_str() {
            let kind = l["attributes"]["dpl.core.data_subject_id_type"]
                .as_str()
                .unwrap();
            assert_eq!(
                kind,
                if s.starts_with("snapshot:") {
                    "snapshot"
                } else {
                    "pseudoniem"
                }
            );
        }
    }
    assert!(
        lines
            .iter()
            .any(|l| l["attributes"]["dpl.core.data_subject_id"] == p
                && l["name"] == "onthulling.inzien")
    );
    assert!(
        lines
            .iter()
            .any(|l| l["name"] == "bewaartermijn" || l["name"] == "scan")
    );
    let otlp = json(ok(loep(&["log", "export", d, "--format", "otlp"])));
    let spans = otlp["resourceSpans"][0]["scopeSpans"][0]["spans"]
        .as_array()
        .unwrap();
    assert_eq!(spans.len() as u64, records);
    assert!(
        spans
            .iter()
            .all(|s| s["traceId"].as_str().unwrap().len() == 32
                && s["spanId"].as_str().unwrap().len() == 16)
    );
    assert!(spans.iter().any(|s| s["parentSpanId"].is_string()));
    assert!(
        spans[0]["startTimeUnixNano"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 1_700_000_000_000_000_000
    );
    let err = refused(loep_as("analist", &["log", "export", d]));
    assert!(err.contains("geweigerd"), "{err}");

    // The Algoritmeregister entry and the catalogue for publication.
    let pubdir = root.path().join("publicatie");
    ok(loep(&[
        "register",
        "export",
        d,
        "--out",
        pubdir.to_str().unwrap(),
    ]));
    let entry = json(std::fs::read_to_string(pubdir.join("algoritmeregister.json")).unwrap());
    // It passes the publication standard's schema: mandatory fields, lengths, values, one
    // organisation, months as YYYY-MM, no end date while in use.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../standards/algoritmeregister-1.0.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&entry)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{entry:#}");
    // The schema can fail: an end date while in use, a long description, a missing contact.
    for (field, value) in [
        ("end_date", serde_json::json!("2026-12")),
        ("description_short", serde_json::json!("x".repeat(351))),
        ("begin_date", serde_json::json!("2026-01-01")),
        ("status", serde_json::json!("in gebruik")),
    ] {
        let mut bad = entry.clone();
        bad[field] = value;
        assert!(!validator.is_valid(&bad), "{field} passed");
    }
    let mut bad = entry.clone();
    bad.as_object_mut().unwrap().remove("contact_email");
    assert!(!validator.is_valid(&bad));
    assert_eq!(entry["status"], "In gebruik");
    assert_eq!(entry["organization"], "Gemeente Haarlem");
    assert!(entry["impacttoetsen"].as_str().unwrap().contains("DPIA-7"));
    assert_eq!(entry["lawful_basis"], "Wet SUWI art. 64");
    let md = std::fs::read_to_string(pubdir.join("indicatorcatalogus.md")).unwrap();
    let catalogue = json(ok(loep(&["catalogue", "--json"])));
    let mut shown = 0;
    for i in catalogue.as_array().unwrap() {
        let code = i["code"].as_str().unwrap();
        if entry["methods_and_models"].as_str().unwrap().contains(code) {
            assert!(
                md.contains(&format!("## {code}")),
                "{code} not in the Markdown"
            );
            shown += 1;
        }
    }
    assert!(shown > 10, "{shown} indicators named");
    assert!(md.contains("```sql"));
}

/// Retention killed at its two critical moments (kill -9 as a power cut would): before its
/// record commits nothing is destroyed; after it, the record stands and the next run finishes
/// the destruction. Never a destruction without its record.
#[test]
fn retention_interrupted_never_destroys_unrecorded() {
    let root = tempfile::tempdir().unwrap();
    let (_, dir) = scanned(
        root.path(),
        &["--signalen-dagen", "60"],
        "2026-12-30T09:00:00Z",
    );
    let d = dir.to_str().unwrap();
    let in_signals: BTreeSet<String> = signals(&dir).iter().flat_map(persons).collect();
    let before = vault_pseudonyms(&dir);
    let at = "2027-02-01T12:00:00Z";
    let aborted = |fault: &str| {
        let o = loep_env(
            &["retention", "run", d],
            &[("LOEP_NOW", at), ("LOEP_FAULT", fault)],
        );
        assert_eq!(
            o.status.code(),
            None,
            "expected an abort at {fault}: {}",
            stderr(&o)
        );
    };

    aborted("retention-before-commit");
    assert_eq!(
        vault_pseudonyms(&dir),
        before,
        "destroyed before the record committed"
    );
    assert!(log_rows(&dir, "bewaartermijn.vernietiging").is_empty());

    aborted("retention-after-commit");
    let recorded = log_rows(&dir, "bewaartermijn.vernietiging").len();
    assert!(recorded > 0, "the destruction was not recorded");

    // The next run finishes it (and records what it destroys).
    ok(loep_env(&["retention", "run", d], &[("LOEP_NOW", at)]));
    let after = vault_pseudonyms(&dir);
    assert!(!after.is_empty() && after.is_subset(&in_signals));
    assert!(log_rows(&dir, "bewaartermijn.vernietiging").len() >= recorded);
    ok(loep_env(&["log", "verify", d], &[("LOEP_NOW", at)]));
}

/// An access report holds identities: by default it goes into the vault (private, under its
/// retention), not beside the project, and retention removes it with a record of it.
#[test]
fn access_reports_stay_in_the_vault_and_expire() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    ok(intake(&dir, &fixtures().join("basis")));
    let d = dir.to_str().unwrap();
    ok(loep(&["inzage", d, "--bsn", "111222333"]));
    assert!(!dir.join("inzage").exists());
    let reports: Vec<_> = files_under(&dir.join("vault/inzage"));
    assert_eq!(reports.len(), 3, "HTML, PDF and JSON: {reports:?}");
    // Long after the report was made (and after the project), retention removes it.
    ok(loep_env(
        &["retention", "run", d],
        &[("LOEP_NOW", "2028-01-01T00:00:00Z")],
    ));
    assert!(files_under(&dir.join("vault/inzage")).is_empty());
    assert!(
        log_rows(&dir, "bewaartermijn.vernietiging")
            .iter()
            .any(|(subject, _)| subject.as_deref() == Some("inzage"))
    );
}
