//! `loep signals` for the tools Dutch users open: addresses written out beside the BAG id,
//! CSV for Excel NL (checked byte by byte), an Excel workbook read back with a reader crate,
//! GeoJSON for QGIS, Parquet for Power BI.

mod common;
use common::*;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A valid BSN (elfproef) from eight digits.
fn bsn(first8: u32) -> String {
    let digits: Vec<u32> = format!("{first8:08}")
        .chars()
        .map(|c| c.to_digit(10).unwrap())
        .collect();
    let sum: u32 = digits.iter().zip((2..=9).rev()).map(|(d, w)| d * w).sum();
    let check = sum % 11;
    assert!(check < 10, "no check digit for {first8}");
    format!("{first8:08}{check}")
}

fn valid_bsns(from: u32, n: usize) -> Vec<String> {
    (from..)
        .filter(|f| {
            let digits: u32 = format!("{f:08}")
                .chars()
                .zip((2..=9).rev())
                .map(|(c, w)| c.to_digit(10).unwrap() * w)
                .sum();
            digits % 11 < 10
        })
        .take(n)
        .map(bsn)
        .collect()
}

/// The basis fixture with two crowded homes: four persons on Kerkstraat 12A's 40 m², and two
/// on 20 m² in a street whose name starts like a spreadsheet formula.
fn crowded(root: &Path) -> PathBuf {
    let lev = copy_fixture("basis", root, "levering");
    let mut bag = std::fs::OpenOptions::new()
        .append(true)
        .open(lev.join("bag_verblijfsobject.csv"))
        .unwrap();
    writeln!(
        bag,
        "0392010000000005,0392200000000005,=Kade,5,,,2011AC,Haarlem,woonfunctie,20,,1950,BU03920102,WK039201,103500,488500"
    )
    .unwrap();
    let mut brp = std::fs::OpenOptions::new()
        .append(true)
        .open(lev.join("brp_persoon.csv"))
        .unwrap();
    let bsns = valid_bsns(20_000_000, 4);
    for (i, b) in bsns.iter().enumerate() {
        let vbo = if i < 2 {
            "0392010000000001"
        } else {
            "0392010000000005"
        };
        writeln!(
            brp,
            "{b},Test,,Persoon{i},1990-01-01,V,,ingezetene,{vbo},W,2020-01-01,"
        )
        .unwrap();
    }
    lev
}

#[test]
fn csv_for_dutch_excel_byte_by_byte() {
    let root = tempfile::tempdir().unwrap();
    let project = approved_project(root.path());
    let lev = crowded(root.path());
    let r = intake_json(&project, &lev);
    assert_eq!(
        table(&r, "bag_verblijfsobject")["rijen_afgewezen"],
        0,
        "{r}"
    );
    let dir = project.to_str().unwrap();
    let report = json(ok(loep(&["scan", dir, "--json"])));
    let run = report["run_id"].as_str().unwrap();
    let listed = json(ok(loep(&["signals", dir, "--format", "json"])));
    let signals = listed["signalen"].as_array().unwrap();
    let nr_of = |vbo: &str| {
        signals
            .iter()
            .find(|s| s["vbo_id"] == vbo && s["indicator"] == "OVB-01")
            .unwrap_or_else(|| panic!("no OVB-01 signal at {vbo}: {listed}"))["nr"]
            .as_i64()
            .unwrap()
    };
    let (kerk, kade) = (nr_of("0392010000000001"), nr_of("0392010000000005"));
    // The JSON carries the address and the buurt's name as well.
    let s = signals
        .iter()
        .find(|s| s["vbo_id"] == "0392010000000001")
        .unwrap();
    assert_eq!(s["adres"], "Kerkstraat 12A, 2011AB");
    assert_eq!(s["buurt"], "Oude Stad");

    let bytes = loep(&["signals", dir, "--format", "csv-nl"]).stdout;
    // A byte order mark first, so that Excel reads UTF-8 ("m²" stays "m²").
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    // Every line ends in CRLF; no bare LF or CR anywhere.
    assert!(text.ends_with("\r\n"));
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "bare LF"
    );
    assert_eq!(text.matches('\r').count(), text.matches("\r\n").count());
    let lines: Vec<&str> = text.split_terminator("\r\n").collect();
    assert_eq!(
        lines[0],
        "Signaal;Rang;Adres;Postcode;Woonplaats;Buurt;Buurtcode;Verblijfsobject (BAG-id);Thema;Indicator;Versie;Verwonderadres;Sterkte;Personen;Partners;Uitleg"
    );
    assert_eq!(lines.len(), 1 + signals.len());
    // Kerkstraat 12A: 4 persons on 40 m², strength 12 / 10 = 1.2 written with a decimal
    // comma; the id as a formula that Excel evaluates to the 16-digit text.
    let kerk_line = format!(
        "{run}/{kerk};1;Kerkstraat 12A, 2011AB;2011AB;Haarlem;Oude Stad;BU03920101;\"=\"\"0392010000000001\"\"\";overbewoning;OVB-01;4;nee;1,2;4;gemeente;4 personen ingeschreven op 40 m²: 10,00 m² per persoon, niet meer dan de norm van 12 m² (vanaf 2 personen). Met 1 persoon minder ingeschreven, of bij meer dan 48 m² voor deze 4 personen, was dit signaal er niet geweest.",
    );
    // The street that starts with "=" is escaped with a leading apostrophe; strength 12 / 10.
    let kade_line = format!(
        "{run}/{kade};2;'=Kade 5, 2011AC;2011AC;Haarlem;Nieuwe Stad;BU03920102;\"=\"\"0392010000000005\"\"\";overbewoning;OVB-01;4;nee;1,2;2;gemeente;2 personen ingeschreven op 20 m²: 10,00 m² per persoon, niet meer dan de norm van 12 m² (vanaf 2 personen). Met 1 persoon minder ingeschreven, of bij meer dan 24 m² voor deze 2 personen, was dit signaal er niet geweest.",
    );
    assert!(
        lines.contains(&kerk_line.as_str()),
        "{kerk_line}\nnot in\n{text}"
    );
    assert!(
        lines.contains(&kade_line.as_str()),
        "{kade_line}\nnot in\n{text}"
    );
    // Every row has the header's 16 fields (no stray `;` from a text).
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    for rec in r.records() {
        assert_eq!(rec.unwrap().len(), 16);
    }

    // The plain CSV and the table carry the address too.
    let plain = ok(loep(&["signals", dir, "--format", "csv"]));
    let mut r = csv::Reader::from_reader(plain.as_bytes());
    let h = r.headers().unwrap().clone();
    let (ia, ib) = (
        h.iter().position(|c| c == "adres").unwrap(),
        h.iter().position(|c| c == "buurt").unwrap(),
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert!(
        rows.iter()
            .any(|x| &x[ia] == "Kerkstraat 12A, 2011AB" && &x[ib] == "Oude Stad")
    );
    // Red-team row 10: the plain CSV escapes a street that starts a formula, as csv-nl does.
    assert!(rows.iter().any(|x| &x[ia] == "'=Kade 5, 2011AC"), "{plain}");
    assert!(
        rows.iter().all(|x| x.iter().all(|c| !c.starts_with('='))),
        "{plain}"
    );
    let t = ok(loep(&["signals", dir]));
    assert!(
        t.contains("Kerkstraat 12A, 2011AB (0392010000000001), buurt Oude Stad (BU03920101)"),
        "{t}"
    );
    // The scan's own list of first addresses, too.
    let again = ok(loep(&["scan", dir]));
    assert!(
        again.contains("Kerkstraat 12A, 2011AB (0392010000000001)"),
        "{again}"
    );

    // Binary formats go to a file, never to a terminal or a pipe.
    for f in ["xlsx", "parquet", "parquet-adressen"] {
        let err = refused(loep(&["signals", dir, "--format", f]));
        assert!(err.contains("--out"), "{err}");
    }
}

/// A world of `persons` from `loep synth`, loaded and scanned.
fn scanned(root: &Path, persons: &str) -> PathBuf {
    let world = root.join("world");
    ok(loep(&[
        "synth",
        "--persons",
        persons,
        "--seed",
        "37",
        "--out",
        world.to_str().unwrap(),
    ]));
    let project = approved_project(root);
    intake_json(&project, &world.join("levering"));
    ok(loep(&["scan", project.to_str().unwrap()]));
    project
}

fn is_bag_id(s: &str) -> bool {
    s.len() == 16 && s.starts_with("0392") && s.bytes().all(|b| b.is_ascii_digit())
}

#[test]
fn workbook_geojson_and_parquet_of_a_scan() {
    use calamine::{Data, Reader};
    let root = tempfile::tempdir().unwrap();
    let project = scanned(root.path(), "6000");
    let dir = project.to_str().unwrap();
    let listed = json(ok(loep(&["signals", dir, "--format", "json"])));
    let signals = listed["signalen"].as_array().unwrap();
    let profiles = listed["adressen"].as_array().unwrap();
    assert!(profiles.len() > 20, "too few flagged addresses to test");
    assert!(
        profiles.iter().all(|p| p["adres"].is_string()),
        "every flagged address is written out"
    );

    // Excel: an overview, a sheet per theme, a sheet that says what it is; ids intact text.
    let xlsx = root.path().join("signalen.xlsx");
    ok(loep(&[
        "signals",
        dir,
        "--format",
        "xlsx",
        "--out",
        xlsx.to_str().unwrap(),
    ]));
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let names = wb.sheet_names();
    let themes: std::collections::BTreeSet<&str> = signals
        .iter()
        .map(|s| s["thema"].as_str().unwrap())
        .collect();
    assert_eq!(names.first().map(String::as_str), Some("Overzicht"));
    assert_eq!(names.last().map(String::as_str), Some("Toelichting"));
    assert_eq!(
        names[1..names.len() - 1]
            .iter()
            .map(String::as_str)
            .collect::<std::collections::BTreeSet<_>>(),
        themes
    );
    let overview = wb.worksheet_range("Overzicht").unwrap();
    let header: Vec<String> = overview
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        header,
        [
            "Rang",
            "Adres",
            "Postcode",
            "Woonplaats",
            "Buurt",
            "Buurtcode",
            "Verblijfsobject (BAG-id)",
            "Thema's",
            "Partners",
            "Verwonderadres",
            "Signalen",
            "Sterkte"
        ]
    );
    assert_eq!(overview.rows().count(), 1 + profiles.len());
    for (row, p) in overview.rows().skip(1).zip(profiles) {
        match &row[6] {
            Data::String(id) => {
                assert!(is_bag_id(id), "{id}");
                assert_eq!(id, p["vbo_id"].as_str().unwrap());
            }
            other => panic!("the BAG id is not text: {other:?}"),
        }
        assert_eq!(row[0], Data::Float(p["rang"].as_f64().unwrap()));
        assert_eq!(row[1].to_string(), p["adres"].as_str().unwrap());
        assert!(!row[4].to_string().is_empty(), "buurt name");
    }
    let mut in_sheets = 0;
    for theme in &themes {
        let sheet = wb.worksheet_range(theme).unwrap();
        let header: Vec<String> = sheet
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(header[0], "Signaal");
        assert_eq!(header[7], "Verblijfsobject (BAG-id)");
        assert_eq!(header[15], "Uitleg");
        for row in sheet.rows().skip(1) {
            in_sheets += 1;
            assert!(
                matches!(&row[7], Data::String(id) if is_bag_id(id)),
                "{:?}",
                row[7]
            );
            assert_eq!(row[8].to_string(), *theme);
        }
    }
    assert_eq!(in_sheets, signals.len());

    // GeoJSON of the flagged addresses: points in RD within the Netherlands.
    let geo = json(ok(loep(&["signals", dir, "--format", "geojson"])));
    assert_eq!(geo["type"], "FeatureCollection");
    assert_eq!(
        geo["crs"]["properties"]["name"],
        "urn:ogc:def:crs:EPSG::28992"
    );
    let features = geo["features"].as_array().unwrap();
    assert_eq!(
        features.len(),
        profiles.len(),
        "synth gives every object coordinates"
    );
    let in_rd =
        |x: f64, y: f64| (0.0..=300_000.0).contains(&x) && (300_000.0..=625_000.0).contains(&y);
    for f in features {
        assert_eq!(f["type"], "Feature");
        assert_eq!(f["geometry"]["type"], "Point");
        let c = f["geometry"]["coordinates"].as_array().unwrap();
        let (x, y) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        assert!(in_rd(x, y), "{x} {y}");
        assert!(is_bag_id(f["properties"]["vbo_id"].as_str().unwrap()));
        assert!(f["properties"]["adres"].is_string());
    }

    // GeoJSON of the buurten: polygons in RD; a buurt with fewer than 10 flagged addresses
    // shows no count.
    let buurten = json(ok(loep(&["signals", dir, "--format", "geojson-buurten"])));
    assert_eq!(
        buurten["crs"]["properties"]["name"],
        "urn:ogc:def:crs:EPSG::28992"
    );
    let features = buurten["features"].as_array().unwrap();
    assert!(!features.is_empty());
    let mut shown = 0;
    let mut counted = 0;
    for f in features {
        assert_eq!(f["geometry"]["type"], "Polygon");
        for ring in f["geometry"]["coordinates"].as_array().unwrap() {
            for pt in ring.as_array().unwrap() {
                assert!(in_rd(pt[0].as_f64().unwrap(), pt[1].as_f64().unwrap()));
            }
        }
        let p = &f["properties"];
        assert!(p["buurt"].is_string());
        match p["adressen_gemarkeerd"].as_u64() {
            Some(n) => {
                assert!(n >= 10, "{p}");
                assert_eq!(p["onderdrukt"], false);
                assert_eq!(p["label"], n.to_string());
                assert!(p["per_1000_adressen"].as_f64().unwrap() > 0.0);
                shown += 1;
                counted += n;
            }
            None => {
                assert_eq!(p["onderdrukt"], true, "{p}");
                assert_eq!(p["label"], "< 10");
                assert!(p["per_1000_adressen"].is_null());
            }
        }
    }
    assert!(shown > 0, "some buurt has 10 or more flagged addresses");
    assert!(counted as usize <= profiles.len());

    // Parquet for Power BI: one typed row per signal, ids as text, addresses filled.
    let pq = root.path().join("signalen.parquet");
    ok(loep(&[
        "signals",
        dir,
        "--format",
        "parquet",
        "--out",
        pq.to_str().unwrap(),
    ]));
    let rows = parquet_rows(&pq);
    assert_eq!(rows.len(), signals.len());
    for r in &rows {
        assert!(is_bag_id(r["vbo_id"].as_deref().unwrap()));
        assert!(r["adres"].is_some() && r["buurt"].is_some());
        assert!(r["rd_x"].is_some() && r["rang"].is_some());
        assert!(
            !r.contains_key("pseudoniemen"),
            "no pseudonyms leave for dashboards"
        );
    }

    // And one row per flagged address, its profile, joining the signals on vbo_id.
    let pq = root.path().join("adressen.parquet");
    ok(loep(&[
        "signals",
        dir,
        "--format",
        "parquet-adressen",
        "--out",
        pq.to_str().unwrap(),
    ]));
    let adressen = parquet_rows(&pq);
    assert_eq!(adressen.len(), profiles.len());
    let signal_ids: std::collections::BTreeSet<&str> = rows
        .iter()
        .map(|r| r["vbo_id"].as_deref().unwrap())
        .collect();
    for (i, a) in adressen.iter().enumerate() {
        let vbo = a["vbo_id"].as_deref().unwrap();
        assert!(is_bag_id(vbo) && signal_ids.contains(vbo));
        assert_eq!(a["rang"].as_deref(), Some((i + 1).to_string().as_str()));
        assert!(a["adres"].is_some() && a["themas"].is_some());
        let belang = a["belanghebbenden"].as_deref().unwrap();
        let verwonder = a["verwonderadres"].as_deref().unwrap();
        assert_eq!(verwonder == "true", belang.split(',').count() >= 2, "{a:?}");
        assert!(!a.contains_key("pseudoniemen"));
    }
}

/// An SVG or HTML file parsed as XML (the test fails with the text when it is not).
fn xml(text: &str) -> roxmltree::Document<'_> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, options)
        .unwrap_or_else(|e| panic!("not well-formed ({e}):\n{text}"))
}

fn with_class<'a, 'i>(
    doc: &'a roxmltree::Document<'i>,
    class: &'a str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> + 'a {
    doc.descendants()
        .filter(move |n| n.attribute("class") == Some(class))
}

/// The tooltip of an SVG shape.
fn title_of(n: &roxmltree::Node) -> String {
    n.children()
        .find(|c| c.has_tag_name("title"))
        .and_then(|t| t.text())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn kaart_of_a_small_project_hatches_every_buurt() {
    let root = tempfile::tempdir().unwrap();
    let project = approved_project(root.path());
    intake_json(&project, &crowded(root.path()));
    let dir = project.to_str().unwrap();
    ok(loep(&["scan", dir]));
    let out = root.path().join("kaart.svg");
    ok(loep(&[
        "signals",
        dir,
        "--format",
        "kaart",
        "--out",
        out.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&out).unwrap();
    // The same map on standard output.
    assert_eq!(ok(loep(&["signals", dir, "--format", "kaart"])), text);
    let doc = xml(&text);
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    // Oude Stad has a polygon and 1 flagged address: hatched, labelled, no number. The other
    // buurten have no polygon in the fixture.
    let paths: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("path") && n.attribute("class").is_some())
        .collect();
    assert_eq!(paths.len(), 1, "{text}");
    assert_eq!(paths[0].attribute("class"), Some("buurt onderdrukt"));
    assert_eq!(paths[0].attribute("fill"), Some("url(#arcering)"));
    assert!(
        title_of(&paths[0]).starts_with("Oude Stad (BU03920101): minder dan 10"),
        "{}",
        title_of(&paths[0])
    );
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    assert!(texts.contains(&"minder dan 10"), "{texts:?}");
    // Nieuwe Stad has a flagged address but no polygon: listed beside the map, suppressed too.
    assert!(
        texts.contains(&"Nieuwe Stad (BU03920102): minder dan 10"),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("Bron: loep, scan S0001-")),
        "{texts:?}"
    );
}

#[test]
fn map_fairness_and_quality_charts_of_a_scan() {
    let root = tempfile::tempdir().unwrap();
    let project = scanned(root.path(), "6000");
    let dir = project.to_str().unwrap();

    // The map: a polygon per buurt of the GeoJSON, coloured with its rate or hatched.
    let buurten = json(ok(loep(&["signals", dir, "--format", "geojson-buurten"])));
    let kaart = root.path().join("kaart.svg");
    ok(loep(&[
        "signals",
        dir,
        "--format",
        "kaart",
        "--out",
        kaart.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&kaart).unwrap();
    let doc = xml(&text);
    let features = buurten["features"].as_array().unwrap();
    let (mut shown, mut hatched) = (0, 0);
    for f in features {
        let p = &f["properties"];
        let name = p["buurt"].as_str().unwrap();
        let path = doc
            .descendants()
            .filter(|n| n.has_tag_name("path"))
            .find(|n| title_of(n).starts_with(&format!("{name} (")))
            .unwrap_or_else(|| panic!("no polygon for {name}"));
        match p["per_1000_adressen"].as_f64() {
            Some(rate) => {
                shown += 1;
                assert_eq!(path.attribute("class"), Some("buurt getoond"));
                assert!(path.attribute("fill").unwrap().starts_with('#'));
                let dutch = format!("{rate:.1}").replace('.', ",");
                assert!(
                    title_of(&path).contains(&format!("{dutch} per 1.000 adressen")),
                    "{} against {rate}",
                    title_of(&path)
                );
            }
            None => {
                hatched += 1;
                assert_eq!(path.attribute("fill"), Some("url(#arcering)"));
                assert!(title_of(&path).contains("minder dan 10"));
            }
        }
    }
    assert!(shown > 0, "some buurt shows a rate");
    assert_eq!(
        with_class(&doc, "buurt getoond").count() + with_class(&doc, "buurt onderdrukt").count(),
        shown + hatched
    );

    // Fairness: the chart, the figures and the reading guide.
    let out = root.path().join("rapport/eerlijkheid");
    let printed = ok(loep(&["fairness", dir, "--out", out.to_str().unwrap()]));
    // The privacy officer, who sees no signals, may read the fairness figures too.
    let fg_out = root.path().join("rapport/eerlijkheid-fg");
    ok(loep_as(
        "fg",
        &["fairness", dir, "--out", fg_out.to_str().unwrap()],
    ));
    for f in ["eerlijkheid.svg", "eerlijkheid.json", "eerlijkheid.html"] {
        assert!(
            printed.contains(&out.join(f).display().to_string()),
            "{printed}"
        );
    }
    let figures = json(std::fs::read_to_string(out.join("eerlijkheid.json")).unwrap());
    let mut expected = json(ok(loep(&["fairness", dir, "--json"])));
    expected["min_groep"] = 10.into();
    // The file keeps out what the chart does: every count of a group of fewer than 10
    // residents; the flagged count of a group with 1 to 9 flagged, and of the one more group
    // per dimension that subtraction from the total would otherwise give away.
    for g in expected["groepen"].as_array_mut().unwrap() {
        let n = g["bewoners"].as_u64().unwrap();
        let flagged = g["bewoners_gemarkeerd"].as_u64().unwrap();
        match g["onderdrukt"].as_str() {
            None => {
                assert!(n >= 10 && !(1..10).contains(&flagged), "{g}");
                assert!(g["dispariteit"].is_f64() || flagged == 0, "{g}");
            }
            Some(why) => {
                assert!(g["dispariteit"].is_null(), "{g}");
                match why {
                    "weinig_bewoners" => assert!(n < 10),
                    "weinig_gemarkeerd" => assert!((1..10).contains(&flagged)),
                    _ => assert_eq!(why, "aanvullend"),
                }
                let hidden: &[&str] = if why == "weinig_bewoners" {
                    &["bewoners", "aandeel_bevolking", "adressen"]
                } else {
                    &[]
                };
                for k in hidden.iter().chain(&[
                    "bewoners_gemarkeerd",
                    "aandeel_gemarkeerd",
                    "adressen_gemarkeerd",
                ]) {
                    g[*k] = serde_json::Value::Null;
                }
            }
        }
        if g["adressen_gemarkeerd"]
            .as_u64()
            .is_some_and(|a| (1..10).contains(&a))
        {
            g["adressen_gemarkeerd"] = serde_json::Value::Null;
        }
    }
    assert_eq!(figures, expected);
    // Per dimension, never exactly one group hidden.
    for dim in ["buurt", "leeftijd", "geslacht"] {
        let of_dim: Vec<_> = figures["groepen"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["dimensie"] == dim)
            .collect();
        let hidden = of_dim.iter().filter(|g| !g["onderdrukt"].is_null()).count();
        assert!(hidden != 1 || of_dim.len() == 1, "{dim}: {figures}");
    }
    let groups = figures["groepen"].as_array().unwrap();
    let with_ratio = groups.iter().filter(|g| g["dispariteit"].is_f64()).count();
    assert!(with_ratio > 0);
    let svg = std::fs::read_to_string(out.join("eerlijkheid.svg")).unwrap();
    let doc = xml(&svg);
    assert_eq!(with_class(&doc, "staaf").count(), with_ratio);
    assert_eq!(
        with_class(&doc, "te-klein").count(),
        groups.len() - with_ratio
    );
    assert!(
        doc.descendants()
            .any(|n| n.attribute("id") == Some("referentie"))
    );
    let html = std::fs::read_to_string(out.join("eerlijkheid.html")).unwrap();
    let guide = xml(&html);
    let words: String = guide
        .descendants()
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join(" ");
    for needle in [
        "keer zoveel bewoners gemarkeerd als hun aandeel in de bevolking doet verwachten",
        "geen bewijs van vooroordeel",
        "functionaris gegevensbescherming",
        "Leg het besluit vast",
    ] {
        assert!(words.contains(needle), "{needle} not in the guide");
    }
    assert!(guide.descendants().any(|n| n.has_tag_name("svg")));

    // Quality: precision and recall per theme against the targets.
    let truth = root.path().join("world/truth");
    let out = root.path().join("kwaliteit");
    ok(loep(&[
        "evaluate",
        dir,
        "--truth",
        truth.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    let q = json(std::fs::read_to_string(out.join("kwaliteit.json")).unwrap());
    let expected = json(ok(loep(&[
        "evaluate",
        dir,
        "--truth",
        truth.to_str().unwrap(),
        "--json",
    ])));
    assert_eq!(q["themas"], expected["themas"]);
    assert_eq!(q["doelen"]["precision"], 0.9);
    assert_eq!(q["doelen"]["recall"], 0.9);
    let svg = std::fs::read_to_string(out.join("kwaliteit.svg")).unwrap();
    let doc = xml(&svg);
    let themes = q["themas"].as_array().unwrap();
    let flagged = themes.iter().filter(|t| t["gemarkeerd"] != 0).count();
    let planted = themes.iter().filter(|t| t["gepland"] != 0).count();
    let verwonder = &q["verwonderadressen"];
    assert_eq!(
        with_class(&doc, "precisie").count(),
        flagged + usize::from(verwonder["gemarkeerd"] != 0)
    );
    assert_eq!(
        with_class(&doc, "recall").count(),
        planted + usize::from(verwonder["gepland"] != 0)
    );
    assert_eq!(with_class(&doc, "doel").count(), 1);
}
