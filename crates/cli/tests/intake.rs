//! Intake as a user meets it: deliveries made by hand, bad input of every kind, area scope,
//! pseudonymisation, atomicity and idempotence.

mod common;
use common::*;
use std::path::Path;

#[test]
fn a_delivery_made_by_hand_loads() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let r = intake_json(&dir, &fixtures().join("basis"));
    assert!(r["levering_id"].as_str().unwrap().starts_with("L0001-"));
    assert_eq!(r["partner"], "gemeente");
    let t = table(&r, "cbs_buurt");
    assert_eq!(
        (
            t["rijen_geladen"].as_u64(),
            t["rijen_buiten_gebied"].as_u64()
        ),
        (Some(2), Some(1))
    );
    let t = table(&r, "bag_verblijfsobject");
    assert_eq!(
        (
            t["rijen_geladen"].as_u64(),
            t["rijen_buiten_gebied"].as_u64()
        ),
        (Some(3), Some(1))
    );
    // Four persons concern the area (one vertrokken onbekend waarheen); one lives elsewhere.
    let t = table(&r, "brp_persoon");
    assert_eq!(
        (
            t["rijen_geladen"].as_u64(),
            t["rijen_buiten_gebied"].as_u64()
        ),
        (Some(4), Some(1))
    );
    let t = table(&r, "brp_verblijf_historie");
    assert_eq!(
        (
            t["rijen_geladen"].as_u64(),
            t["rijen_buiten_gebied"].as_u64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(r["afwijzingen_totaal"], 0);

    // The second partner: a bad BSN is rejected with file, line and column; the rest loads.
    let out = intake(&dir, &fixtures().join("belastingdienst"));
    let text = ok(out);
    assert!(text.contains("bd_inkomen.csv regel 6, kolom bsn"), "{text}");
    assert!(text.contains("elfproef"), "{text}");
    assert!(
        !text.contains("111222384"),
        "a BSN was shown on the terminal:\n{text}"
    );
    let s = status_json(&dir);
    let rows = |name: &str| {
        s["tabellen"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["tabel"] == name)
            .unwrap()["rijen"]
            .as_i64()
    };
    // In scope: two residents, and an address in the area held for someone who does not live there.
    assert_eq!(rows("bd_inkomen"), Some(3));
    // Semicolon-delimited file.
    assert_eq!(rows("bd_toeslag"), Some(2));
}

fn basis_with(root: &Path, name: &str, file: &str, content: &[u8]) -> std::path::PathBuf {
    let d = copy_fixture("basis", root, name);
    std::fs::write(d.join(file), content).unwrap();
    d
}

/// Delivers `content` as `file` in a copy of the basis delivery and returns the JSON report or
/// the refusal text.
fn deliver(file: &str, content: &[u8]) -> (Option<serde_json::Value>, String) {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let lev = basis_with(root.path(), "levering", file, content);
    let out = loep(&[
        "intake",
        dir.to_str().unwrap(),
        lev.to_str().unwrap(),
        "--json",
    ]);
    if out.status.success() {
        (
            Some(serde_json::from_str(&stdout(&out)).unwrap()),
            String::new(),
        )
    } else {
        let err = refused(out);
        // Nothing of a refused delivery was loaded.
        assert_eq!(status_json(&dir)["leveringen"].as_array().unwrap().len(), 0);
        (None, err)
    }
}

const BAG_HEADER: &str = "vbo_id,nummeraanduiding_id,openbare_ruimte,huisnummer,huisletter,huisnummertoevoeging,postcode,woonplaats,gebruiksdoelen,oppervlakte,pand_id,bouwjaar,buurtcode,wijkcode,rd_x,rd_y";
const BAG_ROW: &str = "0392010000000009,0392200000000009,Kerkstraat,20,,,2011AB,Haarlem,woonfunctie,70,,,BU03920101,WK039201,,";

fn bag_with_row(row: &str) -> Vec<u8> {
    format!("{BAG_HEADER}\n{BAG_ROW}\n{row}\n").into_bytes()
}

/// Asserts that exactly one value was rejected, at line 3 of bag_verblijfsobject.csv in
/// `column`, and that the valid row loaded.
fn assert_bag_reject(row: &str, column: &str, reason_part: &str) {
    let (r, err) = deliver("bag_verblijfsobject.csv", &bag_with_row(row));
    let r = r.unwrap_or_else(|| panic!("refused: {err}"));
    assert_eq!(r["afwijzingen_totaal"], 1, "{r}");
    let rej = &r["afwijzingen"][0];
    assert_eq!(rej["bestand"], "bag_verblijfsobject.csv");
    assert_eq!(rej["regel"], 3);
    assert_eq!(rej["kolom"], column, "{rej}");
    assert!(
        rej["reden"].as_str().unwrap().contains(reason_part),
        "{rej}"
    );
    // A stable machine code beside the Dutch reason.
    let code = rej["code"].as_str().unwrap();
    assert!(
        !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
        "{rej}"
    );
    assert_eq!(table(&r, "bag_verblijfsobject")["rijen_geladen"], 1);
}

#[test]
fn bad_values_are_rejected_per_row() {
    assert_bag_reject(
        "0392010000000010,0392200000000010,Kerkstraat,21,,,0011AB,Haarlem,woonfunctie,70,,,BU03920101,WK039201,,",
        "postcode",
        "postcode",
    );
    assert_bag_reject(
        "0392010000000010,0392200000000010,Kerkstraat,21,,,2011AB,Haarlem,woonfunctie,-40,,,BU03920101,WK039201,,",
        "oppervlakte",
        "bereik",
    );
    assert_bag_reject(
        "0392010000000010,0392200000000010,Kerkstraat,21,,,2011AB,Haarlem,wonen,70,,,BU03920101,WK039201,,",
        "gebruiksdoelen",
        "onbekend gebruiksdoel",
    );
    assert_bag_reject(
        "0392100000000010,0392200000000010,Kerkstraat,21,,,2011AB,Haarlem,woonfunctie,70,,,BU03920101,WK039201,,",
        "vbo_id",
        "moeten 01 zijn",
    );
    assert_bag_reject(
        "0392010000000010,0392200000000010,Kerkstraat,,,,2011AB,Haarlem,woonfunctie,70,,,BU03920101,WK039201,,",
        "huisnummer",
        "verplicht",
    );
}

#[test]
fn impossible_dates_and_unknown_codes_are_rejected() {
    let brp = "bsn,voornamen,voorvoegsel,geslachtsnaam,geboortedatum,geslacht,overlijdensdatum,status,vbo_id,functie_adres,datum_aanvang_adreshouding,partner_bsn\n\
111222333,Jan,,Jansen,2023-02-30,M,,ingezetene,0392010000000001,W,,\n\
111222345,Els,,Jansen,1970-00-00,X,,ingezetene,0392010000000001,W,,\n\
111222357,Piet,,Jansen,1970-13-01,M,,verhuisd,0392010000000001,W,,\n\
111222370,Kees,,Jansen,1960-00-00,M,,ingezetene,0392010000000001,W,2010-05-00,\n";
    let (r, err) = deliver("brp_persoon.csv", brp.as_bytes());
    let r = r.unwrap_or_else(|| panic!("{err}"));
    let rejects: Vec<(u64, String)> = r["afwijzingen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["regel"].as_u64().unwrap(),
                x["kolom"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        rejects.contains(&(2, "geboortedatum".into())),
        "{rejects:?}"
    );
    assert!(rejects.contains(&(3, "geslacht".into())), "{rejects:?}");
    assert!(
        rejects.contains(&(4, "geboortedatum".into())),
        "{rejects:?}"
    );
    assert!(rejects.contains(&(4, "status".into())), "{rejects:?}");
    assert_eq!(table(&r, "brp_persoon")["rijen_afgewezen"], 3);
    assert_eq!(
        table(&r, "brp_persoon")["rijen_geladen"],
        1,
        "partly unknown BRP dates are valid"
    );
    // Birth dates identify: the value is masked outside the vault.
    let shown = r["afwijzingen"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kolom"] == "geboortedatum")
        .unwrap();
    assert!(
        shown["waarde"].as_str().unwrap().starts_with("[gemaskeerd"),
        "{shown}"
    );
}

#[test]
fn unknown_and_forbidden_columns_refuse_the_file_and_the_delivery() {
    let (_, err) = deliver(
        "brp_persoon.csv",
        b"bsn,geslachtsnaam,geboortedatum,geslacht,status,nationaliteit\n111222333,Jansen,1970-01-01,M,vow,NL\n",
    );
    assert!(
        err.contains("brp_persoon.csv") && err.contains("'nationaliteit' wordt geweigerd"),
        "{err}"
    );
    assert!(err.contains("verwijder de kolom"), "{err}");
    let (_, err) = deliver(
        "cbs_buurt.csv",
        b"buurtcode,buurtnaam,wijkcode,wijknaam,gemeentecode,inwoners\n",
    );
    assert!(
        err.contains("kolom 'inwoners' staat niet in het contract voor cbs_buurt"),
        "{err}"
    );
    assert!(err.contains("regel 1"), "{err}");
}

#[test]
fn a_missing_required_column_refuses_the_file() {
    let (_, err) = deliver(
        "cbs_buurt.csv",
        b"buurtcode,buurtnaam,wijkcode,gemeentecode\nBU03920101,A,WK039201,0392\n",
    );
    assert!(
        err.contains("cbs_buurt.csv") && err.contains("verplichte kolom 'wijknaam' ontbreekt"),
        "{err}"
    );
}

#[test]
fn a_wrong_delimiter_refuses_the_file_with_a_hint() {
    let (_, err) = deliver("cbs_buurt.csv", b"buurtcode\tbuurtnaam\twijkcode\twijknaam\tgemeentecode\nBU03920101\tA\tWK039201\tC\t0392\n");
    assert!(
        err.contains("cbs_buurt.csv") && err.contains("delimiter"),
        "{err}"
    );
}

#[test]
fn bom_semicolons_and_quoted_newlines_are_read() {
    let content = "\u{feff}buurtcode;buurtnaam;wijkcode;wijknaam;gemeentecode\nBU03920101;\"Oude\nStad; binnen\";WK039201;Centrum;0392\nBU03920102;Nieuw;WK039299;Centrum;0392\n";
    let (r, err) = deliver("cbs_buurt.csv", content.as_bytes());
    let r = r.unwrap_or_else(|| panic!("{err}"));
    assert_eq!(table(&r, "cbs_buurt")["rijen_geladen"], 1);
    // The quoted field spans lines 2-3, so the bad wijkcode is on line 4.
    let rej = &r["afwijzingen"][0];
    assert_eq!(
        (rej["regel"].as_u64(), rej["kolom"].as_str()),
        (Some(4), Some("wijkcode")),
        "{rej}"
    );
}

#[test]
fn an_empty_file_is_refused() {
    let (_, err) = deliver("cbs_buurt.csv", b"");
    assert!(
        err.contains("cbs_buurt.csv") && err.contains("leeg"),
        "{err}"
    );
}

#[test]
fn non_utf8_bytes_reject_the_row_not_the_file() {
    let mut content = format!("{BAG_HEADER}\n{BAG_ROW}\n").into_bytes();
    content.extend_from_slice(b"0392010000000010,0392200000000010,Kerkstra\xe9t,21,,,2011AB,Haarlem,woonfunctie,70,,,BU03920101,WK039201,,\n");
    let (r, err) = deliver("bag_verblijfsobject.csv", &content);
    let r = r.unwrap_or_else(|| panic!("{err}"));
    let rej = &r["afwijzingen"][0];
    assert_eq!(
        (rej["regel"].as_u64(), rej["kolom"].as_str()),
        (Some(3), Some("openbare_ruimte")),
        "{rej}"
    );
    assert!(rej["reden"].as_str().unwrap().contains("UTF-8"), "{rej}");
}

#[test]
fn a_row_with_too_few_fields_is_rejected() {
    let (r, _) = deliver(
        "bag_verblijfsobject.csv",
        &bag_with_row("0392010000000010,0392200000000010,Kerkstraat"),
    );
    let r = r.unwrap();
    assert_eq!(r["afwijzingen"][0]["kolom"], "(rij)");
    assert_eq!(r["afwijzingen"][0]["regel"], 3);
}

#[test]
fn a_one_gib_line_refuses_the_file_without_exhausting_memory() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let lev = copy_fixture("basis", root.path(), "levering");
    let path = lev.join("bag_verblijfsobject.csv");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&path).unwrap();
        writeln!(f, "{BAG_HEADER}").unwrap();
        writeln!(f, "{BAG_ROW}").unwrap();
        // A sparse 1 GiB run of bytes without a newline.
        let len = f.metadata().unwrap().len();
        f.set_len(len + (1 << 30)).unwrap();
    }
    let err = refused(intake(&dir, &lev));
    assert!(
        err.contains("bag_verblijfsobject.csv, regel 3") && err.contains("langer dan"),
        "{err}"
    );
    assert_eq!(status_json(&dir)["leveringen"].as_array().unwrap().len(), 0);
    assert!(!dir.join("staging").exists());
}

#[test]
fn files_that_are_not_tables_or_from_the_wrong_partner_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let lev = copy_fixture("basis", root.path(), "l1");
    std::fs::write(lev.join("adressen.csv"), "a,b\n").unwrap();
    let err = refused(intake(&dir, &lev));
    assert!(
        err.contains("'adressen' is geen tabel van het contract"),
        "{err}"
    );

    let lev = copy_fixture("belastingdienst", root.path(), "l2");
    std::fs::copy(
        fixtures().join("basis/cbs_buurt.csv"),
        lev.join("cbs_buurt.csv"),
    )
    .unwrap();
    let err = refused(intake(&dir, &lev));
    assert!(err.contains("cbs_buurt wordt geleverd door gemeente, maar levering.toml zegt dat de partner belastingdienst is"), "{err}");
}

#[test]
fn other_tables_need_bag_and_brp_first() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let err = refused(intake(&dir, &fixtures().join("belastingdienst")));
    assert!(
        err.contains("er is nog geen bag_verblijfsobject geladen"),
        "{err}"
    );
    assert!(err.contains("er is nog geen brp_persoon geladen"), "{err}");
}

#[test]
fn partners_outside_the_project_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("p");
    ok(loep(&[
        "init",
        dir.to_str().unwrap(),
        "--naam",
        "Alleen gemeente",
        "--gebied",
        "GM0392",
        "--doel",
        "Adreskwaliteit in de wijk verbeteren.",
        "--grondslag",
        "Wet BRP",
        "--van",
        "2026-01-01",
        "--tot",
        "2026-12-31",
        "--partners",
        "gemeente",
    ]));
    add_accounts(&dir);
    approve(&dir, "D1");
    ok(intake(&dir, &fixtures().join("basis")));
    let err = refused(intake(&dir, &fixtures().join("belastingdienst")));
    assert!(err.contains("doet niet mee aan dit project"), "{err}");
}

#[test]
fn the_same_delivery_twice_changes_nothing_and_a_newer_one_supersedes() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let basis = fixtures().join("basis");
    ok(intake(&dir, &basis));
    let before = status_json(&dir);
    let out = ok(intake(&dir, &basis));
    assert!(out.contains("niets veranderd"), "{out}");
    let after = status_json(&dir);
    assert_eq!(before["tabellen"], after["tabellen"]);
    assert_eq!(after["leveringen"].as_array().unwrap().len(), 1);

    // A newer BAG: a new snapshot; the others stay; the old snapshot stays addressable.
    let lev = copy_fixture("basis", root.path(), "newer");
    let bag = std::fs::read_to_string(lev.join("bag_verblijfsobject.csv")).unwrap();
    std::fs::write(
        lev.join("bag_verblijfsobject.csv"),
        format!("{bag}{BAG_ROW}\n"),
    )
    .unwrap();
    let r = intake_json(&dir, &lev);
    assert_eq!(table(&r, "bag_verblijfsobject")["uitkomst"], "loaded");
    assert_eq!(table(&r, "bag_verblijfsobject")["rijen_geladen"], 4);
    assert_eq!(table(&r, "brp_persoon")["uitkomst"], "unchanged");
    let s = status_json(&dir);
    let bag = s["tabellen"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tabel"] == "bag_verblijfsobject")
        .unwrap();
    assert_eq!(bag["oudere_snapshots"], 1);
    let first = before["tabellen"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tabel"] == "bag_verblijfsobject")
        .unwrap();
    let old_id = first["snapshot_id"].as_str().unwrap();
    let old_file = dir.join(format!(
        "data/bag_verblijfsobject/{}.parquet",
        old_id.split('.').next().unwrap()
    ));
    assert!(
        old_file.exists(),
        "the superseded snapshot is kept for reproducible scans"
    );
}

/// Every planted identity of the fixtures, as it must never appear outside the vault.
const PLANTED: &[&str] = &[
    "111222333",
    "111222345",
    "111222357",
    "111222369",
    "111222370",
    "Oeverzicht",
    "Quistenburg",
    "Wubbo",
    "1911-11-11",
];

#[test]
fn no_bsn_or_name_is_written_outside_the_vault() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let mut terminal = String::new();
    for lev in ["basis", "belastingdienst", "politie", "corporatie"] {
        let out = intake(&dir, &fixtures().join(lev));
        terminal += &stdout(&out);
        terminal += &stderr(&out);
        assert!(out.status.success());
    }
    // A delivery with rejected identifying values too.
    let lev = copy_fixture("basis", root.path(), "bad");
    let brp = std::fs::read_to_string(lev.join("brp_persoon.csv")).unwrap();
    std::fs::write(
        lev.join("brp_persoon.csv"),
        brp.replace("1911-11-11,M", "1911-11-11,Q")
            .replace("111222357", "111222358"),
    )
    .unwrap();
    let out = intake(&dir, &lev);
    terminal += &stdout(&out);
    terminal += &stderr(&out);
    for args in [vec!["status"], vec!["log", "verify"]] {
        let mut a = args.clone();
        a.push(dir.to_str().unwrap());
        terminal += &ok(loep(&a));
    }
    let mut planted: Vec<&str> = PLANTED.to_vec();
    planted.push("111222358");
    for p in &planted {
        assert!(!terminal.contains(p), "{p} was shown on the terminal");
    }
    let mut checked = 0;
    for f in files_under(&dir) {
        if f.starts_with(dir.join("vault")) {
            continue;
        }
        let mut text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        if f.extension().is_some_and(|e| e == "parquet") {
            // Compressed pages could hide a value from a byte search: read the values too.
            text += &parquet_text(&f);
        }
        for p in &planted {
            assert!(!text.contains(p), "{p} found in {}", f.display());
        }
        checked += 1;
    }
    assert!(checked > 10, "only {checked} files checked");
    // The vault does hold them, so the search above would have found them.
    let vault = String::from_utf8_lossy(&std::fs::read(dir.join("vault/vault.sqlite")).unwrap())
        .into_owned();
    assert!(
        vault.contains("111222358"),
        "the rejected BSN is missing from the vault's rejects"
    );
    let mut vault_values = String::new();
    for f in files_under(&dir.join("vault")) {
        if f.extension().is_some_and(|e| e == "parquet") {
            vault_values += &parquet_text(&f);
        }
    }
    // Fenna Buitendijk (111222369) lives outside the area: she is nowhere, not even in the vault.
    for p in PLANTED {
        let held = vault_values.contains(p) || vault.contains(p);
        assert_eq!(held, *p != "111222369", "{p}: held by the vault = {held}");
    }
}

fn parquet_text(path: &Path) -> String {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut out = String::new();
    for batch in reader {
        let batch = batch.unwrap();
        for col in batch.columns() {
            let s = arrow_cast::cast(col, &arrow_schema::DataType::Utf8).unwrap();
            let s = s
                .as_any()
                .downcast_ref::<arrow_array::StringArray>()
                .unwrap();
            for v in s.iter().flatten() {
                out.push_str(v);
                out.push('\n');
            }
        }
    }
    out
}

#[test]
fn the_analysis_store_keeps_pseudonyms_and_birth_years() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let r = intake_json(&dir, &fixtures().join("basis"));
    let id = r["levering_id"].as_str().unwrap();
    let text = parquet_text(&dir.join(format!("data/brp_persoon/{id}.parquet")));
    assert!(text.contains("1911\n"), "birth year kept");
    let pseudonyms: Vec<&str> = text
        .lines()
        .filter(|l| l.len() == 32 && l.chars().all(|c| c.is_ascii_hexdigit()))
        .collect();
    assert!(pseudonyms.len() >= 4, "{text}");
}

#[test]
fn a_parquet_delivery_loads_like_csv() {
    use arrow_array::{RecordBatch, StringArray};
    use std::sync::Arc;
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let lev = copy_fixture("basis", root.path(), "pq");
    std::fs::remove_file(lev.join("cbs_buurt.csv")).unwrap();
    let schema = Arc::new(arrow_schema::Schema::new(
        [
            "buurtcode",
            "buurtnaam",
            "wijkcode",
            "wijknaam",
            "gemeentecode",
        ]
        .map(|n| arrow_schema::Field::new(n, arrow_schema::DataType::Utf8, true))
        .to_vec(),
    ));
    let cols: Vec<Arc<dyn arrow_array::Array>> = vec![
        Arc::new(StringArray::from(vec![
            "BU03920101",
            "BU03920102",
            "BU0392",
        ])),
        Arc::new(StringArray::from(vec!["A", "B", "C"])),
        Arc::new(StringArray::from(vec!["WK039201", "WK039201", "WK039201"])),
        Arc::new(StringArray::from(vec!["W", "W", "W"])),
        Arc::new(StringArray::from(vec![Some("0392"), Some("0392"), None])),
    ];
    let batch = RecordBatch::try_new(schema.clone(), cols).unwrap();
    let f = std::fs::File::create(lev.join("cbs_buurt.parquet")).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(f, schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let r = intake_json(&dir, &lev);
    assert_eq!(table(&r, "cbs_buurt")["rijen_geladen"], 2);
    assert_eq!(table(&r, "cbs_buurt")["rijen_afgewezen"], 1);
    let rejects: Vec<&str> = r["afwijzingen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["kolom"].as_str().unwrap())
        .collect();
    assert!(
        rejects.contains(&"buurtcode") && rejects.contains(&"gemeentecode"),
        "{rejects:?}"
    );
}

#[test]
fn a_crash_before_commit_leaves_the_previous_state() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    ok(intake(&dir, &fixtures().join("basis")));
    let before = status_json(&dir);
    let out = loep_env(
        &[
            "intake",
            dir.to_str().unwrap(),
            fixtures().join("belastingdienst").to_str().unwrap(),
        ],
        &[("LOEP_FAULT", "before-commit")],
    );
    assert!(!out.status.success(), "the fault hook aborts the process");
    // Files had already been moved into data/ when the process died.
    assert!(dir.join("staging").exists() || files_under(&dir.join("data")).len() > 4);
    let after = status_json(&dir);
    assert_eq!(before["tabellen"], after["tabellen"]);
    assert_eq!(after["leveringen"].as_array().unwrap().len(), 1);
    ok(loep(&["log", "verify", dir.to_str().unwrap()]));
    // Nothing of the aborted delivery remains, and it can be delivered again.
    assert!(!dir.join("staging").exists());
    assert_eq!(files_under(&dir.join("data")).len(), 4);
    ok(intake(&dir, &fixtures().join("belastingdienst")));
    assert_eq!(status_json(&dir)["leveringen"].as_array().unwrap().len(), 2);
}

#[test]
fn killing_the_process_mid_intake_leaves_the_previous_state() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    ok(intake(&dir, &fixtures().join("basis")));
    let before = status_json(&dir);
    // A delivery large enough to be mid-way when killed.
    let lev = root.path().join("big");
    loep_synth::write_bulk_delivery(&lev, 60_000, 3, 392).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_loep"))
        .args(["intake", dir.to_str().unwrap(), lev.to_str().unwrap()])
        .env("LOEP_NOW", NOW)
        .env("LOEP_GEBRUIKER", "beheerder")
        .env("LOEP_WACHTWOORD", PASSWORD)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until it has written its first snapshot into staging, then kill it (SIGKILL).
    let start = std::time::Instant::now();
    while !staged_parquet_exists(&dir)
        && child.try_wait().unwrap().is_none()
        && start.elapsed().as_secs() < 120
    {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the intake ended before it could be killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let after = status_json(&dir);
    assert_eq!(before["tabellen"], after["tabellen"]);
    ok(loep(&["log", "verify", dir.to_str().unwrap()]));
    assert!(!dir.join("staging").exists());
    let r = intake_json(&dir, &lev);
    assert!(r["levering_id"].is_string(), "{r}");
}

fn staged_parquet_exists(project: &Path) -> bool {
    let Ok(deliveries) = std::fs::read_dir(project.join("staging")) else {
        return false;
    };
    deliveries.flatten().any(|d| {
        std::fs::read_dir(d.path())
            .map(|files| {
                files
                    .flatten()
                    .any(|f| f.path().extension().is_some_and(|e| e == "parquet"))
            })
            .unwrap_or(false)
    })
}

#[test]
fn police_and_corporation_rows_are_scoped_and_keyed_for_linkage() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    ok(intake(&dir, &fixtures().join("basis")));
    let r = intake_json(&dir, &fixtures().join("politie"));
    let t = table(&r, "pol_registratie");
    assert_eq!(
        (
            t["rijen_geladen"].as_u64(),
            t["rijen_buiten_gebied"].as_u64()
        ),
        (Some(2), Some(1)),
        "{r}"
    );
    let t = table(&r, "pol_betrokkene");
    assert_eq!(
        (
            t["rijen_geladen"].as_u64(),
            t["rijen_buiten_gebied"].as_u64()
        ),
        (Some(3), Some(1)),
        "{r}"
    );
    let id = r["levering_id"].as_str().unwrap();
    let keys = parquet_text(&dir.join(format!("data/pol_betrokkene/{id}.parquet")));
    for k in ["PL-2026-001#1", "PL-2026-001#2", "PL-2026-003#1"] {
        assert!(keys.contains(k), "record key {k} missing:\n{keys}");
    }
    // The vault holds the names under the same record keys.
    let names = parquet_text(&dir.join(format!("vault/identiteit/pol_betrokkene/{id}.parquet")));
    assert!(
        names.contains("PL-2026-001#2") && names.contains("Zwartveld"),
        "{names}"
    );

    let r = intake_json(&dir, &fixtures().join("corporatie"));
    let t = table(&r, "wc_huurcontract");
    assert_eq!(
        (
            t["rijen_geladen"].as_u64(),
            t["rijen_buiten_gebied"].as_u64()
        ),
        (Some(2), Some(1)),
        "{r}"
    );
    let id = r["levering_id"].as_str().unwrap();
    let data = parquet_text(&dir.join(format!("data/wc_huurcontract/{id}.parquet")));
    assert!(
        data.contains("Woonstede:HC-1") && data.contains("1911\n"),
        "{data}"
    );
}

#[test]
fn a_rejected_row_still_places_its_object_and_person_in_the_area() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let lev = copy_fixture("basis", root.path(), "l");
    let bag = std::fs::read_to_string(lev.join("bag_verblijfsobject.csv")).unwrap();
    // Object 2 gets an invalid postcode: the row is rejected, but the object lies in the area.
    let bag = bag.replace("14,,2,2011AB", "14,,2,0011AB");
    std::fs::write(lev.join("bag_verblijfsobject.csv"), bag).unwrap();
    let brp = std::fs::read_to_string(lev.join("brp_persoon.csv")).unwrap();
    // Pieter Jansen, who lives there, gets an invalid sex: rejected, yet still in scope.
    std::fs::write(
        lev.join("brp_persoon.csv"),
        brp.replace("1970-05-00,M", "1970-05-00,X"),
    )
    .unwrap();
    let r = intake_json(&dir, &lev);
    let t = table(&r, "bag_verblijfsobject");
    assert_eq!(
        (t["rijen_geladen"].as_u64(), t["rijen_afgewezen"].as_u64()),
        (Some(2), Some(1)),
        "{r}"
    );
    let t = table(&r, "brp_persoon");
    assert_eq!(
        (t["rijen_geladen"].as_u64(), t["rijen_afgewezen"].as_u64()),
        (Some(3), Some(1)),
        "{r}"
    );
    // His allowances (bd_toeslag, by person or address) therefore still concern the project.
    let r = intake_json(&dir, &fixtures().join("belastingdienst"));
    assert_eq!(table(&r, "bd_toeslag")["rijen_geladen"], 2, "{r}");
    assert_eq!(table(&r, "bd_toeslag")["rijen_buiten_gebied"], 0, "{r}");
}

/// `text` with every contract date `JJJJ-MM-DD` written in GBA notation `JJJJMMDD`.
fn gba_dates(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            line.split(',')
                .map(|f| {
                    let b = f.as_bytes();
                    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
                        f.replace('-', "")
                    } else {
                        f.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Issue 24, item 5: GBA dates (`19800312`, `19800000`), header names in any case and `GM`
/// gemeentecodes load as their contract forms, and the report lists each such reading.
#[test]
fn gba_notation_header_case_and_gm_codes_load_as_the_contract_forms() {
    let root = tempfile::tempdir().unwrap();
    for d in ["a", "b", "c"] {
        std::fs::create_dir_all(root.path().join(d)).unwrap();
    }
    let plain = approved_project(&root.path().join("a"));
    let r_plain = intake_json(&plain, &fixtures().join("basis"));

    let lev = copy_fixture("basis", root.path(), "gba");
    for file in ["brp_persoon.csv", "brp_verblijf_historie.csv"] {
        let text = std::fs::read_to_string(lev.join(file)).unwrap();
        let mut text = gba_dates(&text);
        // Upper-case header names, as many registry exports write them.
        let header_end = text.find('\n').unwrap();
        let header = text[..header_end].to_uppercase();
        text.replace_range(..header_end, &header);
        std::fs::write(lev.join(file), text).unwrap();
    }
    let buurt = std::fs::read_to_string(lev.join("cbs_buurt.csv")).unwrap();
    std::fs::write(
        lev.join("cbs_buurt.csv"),
        buurt.replace(",0392,", ",GM0392,"),
    )
    .unwrap();
    let gba = approved_project(&root.path().join("b"));
    let r = intake_json(&gba, &lev);
    assert_eq!(r["afwijzingen_totaal"], 0, "{r}");
    for t in ["brp_persoon", "brp_verblijf_historie", "cbs_buurt"] {
        assert_eq!(
            table(&r, t)["rijen_geladen"],
            table(&r_plain, t)["rijen_geladen"],
            "{t}: {r}"
        );
    }
    let lezingen = &table(&r, "brp_persoon")["lezingen"];
    assert_eq!(lezingen["kolomnaam 'BSN' gelezen als 'bsn'"], 1, "{r}");
    let gba_births =
        lezingen["geboortedatum: datum in GBA-notatie JJJJMMDD gelezen als JJJJ-MM-DD"]
            .as_u64()
            .unwrap_or(0);
    assert_eq!(gba_births, 4, "{r}");
    assert!(
        table(&r, "cbs_buurt")["lezingen"]
            ["gemeentecode: gemeentecode met voorvoegsel GM gelezen als 4 cijfers"]
            .as_u64()
            .unwrap_or(0)
            >= 1,
        "{r}"
    );
    // The plain delivery lists no readings.
    assert!(table(&r_plain, "brp_persoon").get("lezingen").is_none());
    // The same data: the stored analysis files are equal row for row (pseudonyms differ per
    // project, so compare what does not depend on the key).
    let rows_of = |dir: &Path, report: &serde_json::Value, t: &str| {
        let id = report["levering_id"].as_str().unwrap();
        let mut rows: Vec<String> = parquet_rows(&dir.join(format!("data/{t}/{id}.parquet")))
            .into_iter()
            .map(|r| {
                let mut kv: Vec<String> = r
                    .into_iter()
                    .filter(|(k, v)| {
                        !k.contains("pseudoniem")
                            && !k.ends_with("_bsn")
                            && v.as_deref().is_none_or(|v| v.len() != 32)
                    })
                    .map(|(k, v)| format!("{k}={v:?}"))
                    .collect();
                kv.sort();
                kv.join(" ")
            })
            .collect();
        rows.sort();
        rows
    };
    for t in ["brp_persoon", "brp_verblijf_historie", "cbs_buurt"] {
        assert_eq!(rows_of(&gba, &r, t), rows_of(&plain, &r_plain, t), "{t}");
    }
    // The terminal report says it in Dutch.
    let again = copy_fixture("basis", root.path(), "gba2");
    std::fs::write(
        again.join("brp_persoon.csv"),
        gba_dates(&std::fs::read_to_string(lev.join("brp_persoon.csv")).unwrap()),
    )
    .unwrap();
    let c = approved_project(&root.path().join("c"));
    let text = ok(intake(&c, &again));
    assert!(
        text.contains("Gelezen in een andere notatie")
            && text.contains("brp_persoon.csv / kolomnaam 'BSN' gelezen als 'bsn': 1x"),
        "{text}"
    );
}

/// The rows of the current snapshot of `table`, from its analysis file.
fn current_rows(
    project: &Path,
    table: &str,
) -> Vec<std::collections::HashMap<String, Option<String>>> {
    let s = status_json(project);
    let id = s["tabellen"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tabel"] == table)
        .unwrap()["snapshot_id"]
        .as_str()
        .unwrap()
        .to_string();
    let levering = id.split('.').next().unwrap();
    parquet_rows(&project.join(format!("data/{table}/{levering}.parquet")))
}

#[test]
fn a_rejected_row_of_a_redelivery_keeps_the_previous_row_and_a_left_out_row_is_listed_removed() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    ok(intake(&dir, &fixtures().join("basis")));
    let persons_before = current_rows(&dir, "brp_persoon");
    assert_eq!(persons_before.len(), 4);

    // The redelivery: Pieter Jansen's row has an invalid sex (rejected), Maria Quistenburg is
    // left out, Kees Vertrokken emigrated; the object Pieter lives at has a bad postcode.
    let lev = copy_fixture("basis", root.path(), "opnieuw");
    let brp = std::fs::read_to_string(lev.join("brp_persoon.csv")).unwrap();
    let brp: Vec<&str> = brp
        .lines()
        .filter(|l| !l.starts_with("111222345"))
        .collect();
    let brp = brp
        .join("\n")
        .replace("1970-05-00,M", "1970-05-00,X")
        .replace("1960-00-00,M,,vow", "1960-00-00,M,,emigratie");
    std::fs::write(lev.join("brp_persoon.csv"), format!("{brp}\n")).unwrap();
    let bag = std::fs::read_to_string(lev.join("bag_verblijfsobject.csv")).unwrap();
    std::fs::write(
        lev.join("bag_verblijfsobject.csv"),
        bag.replace("14,,2,2011AB", "14,,2,0011AB"),
    )
    .unwrap();
    // First a dry run: the same report, nothing written.
    let before = (
        status_json(&dir),
        files_under(&dir.join("data")),
        files_under(&dir.join("vault")),
    );
    let out = loep(&[
        "intake",
        dir.to_str().unwrap(),
        lev.to_str().unwrap(),
        "--json",
        "--proef",
    ]);
    let proef: serde_json::Value = serde_json::from_str(&ok(out)).unwrap();
    assert_eq!(proef["proef"], true, "{proef}");
    assert_eq!(proef["levering_id"], serde_json::Value::Null, "{proef}");
    let w = &table(&proef, "brp_persoon")["wijzigingen"];
    assert_eq!(
        (
            w["rijen_verwijderd"].as_u64(),
            w["overgenomen"][0]["regel"].as_u64()
        ),
        (Some(1), Some(3)),
        "{w}"
    );
    let after = (
        status_json(&dir),
        files_under(&dir.join("data")),
        files_under(&dir.join("vault")),
    );
    assert_eq!(before.0["tabellen"], after.0["tabellen"]);
    assert_eq!(before.0["leveringen"], after.0["leveringen"]);
    assert_eq!(
        before.0["logregels"], after.0["logregels"],
        "a dry run writes nothing, not even the log"
    );
    assert_eq!((&before.1, &before.2), (&after.1, &after.2));
    assert!(!staged_parquet_exists(&dir));
    let text = ok(loep(&[
        "intake",
        dir.to_str().unwrap(),
        lev.to_str().unwrap(),
        "--proef",
    ]));
    assert!(text.contains("Proef: deze levering is gelezen"), "{text}");
    assert!(text.contains("Tegenover de vorige levering"), "{text}");

    let out = loep(&[
        "intake",
        dir.to_str().unwrap(),
        lev.to_str().unwrap(),
        "--json",
    ]);
    let r: serde_json::Value = serde_json::from_str(&ok(out)).unwrap();
    let t = table(&r, "brp_persoon");
    assert_eq!(t["rijen_afgewezen"], 1, "{t}");
    assert_eq!(t["rijen_overgenomen"], 1, "{t}");
    let w = &t["wijzigingen"];
    assert_eq!(w["rijen_verwijderd"], 1, "{w}");
    assert_eq!(w["rijen_gewijzigd"], 1, "{w}");
    assert_eq!(w["rijen_ongewijzigd"], 1, "{w}");
    assert_eq!(w["rijen_toegevoegd"], 0, "{w}");
    assert_eq!(w["overgenomen"][0]["regel"], 3, "{w}");
    assert_eq!(w["overgenomen"][0]["vbo_id"], "0392010000000002", "{w}");
    assert!(
        w["verwijderd"][0]
            .as_str()
            .unwrap()
            .starts_with("pseudoniem="),
        "{w}"
    );
    let b = &table(&r, "bag_verblijfsobject")["wijzigingen"];
    assert_eq!(b["overgenomen"][0]["vbo_id"], "0392010000000002", "{b}");
    assert_eq!(b["rijen_verwijderd"], 0, "{b}");

    // The status counts the rows in force, the carried one among them.
    let st = status_json(&dir);
    let brp_status = st["tabellen"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tabel"] == "brp_persoon")
        .unwrap();
    assert_eq!(
        (
            brp_status["rijen"].as_i64(),
            brp_status["overgenomen"].as_i64()
        ),
        (Some(3), Some(1)),
        "{brp_status}"
    );
    // Pieter is still in the project, as he was: his previous row, with his identity in the
    // vault; Maria is not.
    let persons = current_rows(&dir, "brp_persoon");
    assert_eq!(persons.len(), 3, "{persons:?}");
    let pieter = persons_before
        .iter()
        .find(|p| p["vbo_id"].as_deref() == Some("0392010000000002"))
        .unwrap();
    assert!(persons.contains(pieter), "{persons:?}");
    let objects = current_rows(&dir, "bag_verblijfsobject");
    assert!(
        objects
            .iter()
            .any(|o| o["vbo_id"].as_deref() == Some("0392010000000002")
                && o["postcode"].as_deref() == Some("2011AB")),
        "{objects:?}"
    );
    let levering = r["levering_id"].as_str().unwrap();
    let vault = parquet_text(&dir.join(format!("vault/identiteit/brp_persoon/{levering}.parquet")));
    assert!(vault.contains("Jansen"), "{vault}");
    assert!(!vault.contains("Quistenburg"), "{vault}");
    let bsns = parquet_text(&dir.join(format!("vault/bsn/brp_persoon/{levering}.parquet")));
    assert!(bsns.contains("111222357"), "{bsns}");

    // The terminal says it per line, and names what was removed.
    let lev2 = copy_fixture("basis", root.path(), "derde");
    std::fs::write(
        lev2.join("brp_persoon.csv"),
        std::fs::read_to_string(lev.join("brp_persoon.csv"))
            .unwrap()
            .replace("1911-11-11,M", "1911-11-11,Q"),
    )
    .unwrap();
    std::fs::copy(
        lev.join("bag_verblijfsobject.csv"),
        lev2.join("bag_verblijfsobject.csv"),
    )
    .unwrap();
    let text = ok(intake(&dir, &lev2));
    assert!(text.contains("Tegenover de vorige levering"), "{text}");
    assert!(
        text.contains(
            "brp_persoon.csv / brp_persoon: de rij is afgewezen, de gegevens uit de vorige levering"
        ),
        "{text}"
    );
    assert!(text.contains("regel 2: pseudoniem="), "{text}");
    assert!(text.contains("regel 3: pseudoniem="), "{text}");
    assert!(!text.contains("111222"), "a BSN on the terminal:\n{text}");
    // Carried twice over: Pieter's row comes from the first delivery, through the second.
    assert_eq!(current_rows(&dir, "brp_persoon").len(), 3);
}
