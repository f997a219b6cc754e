//! A delivery in the contract's CSV rewritten into the forms the sources are published in: the
//! CBS wijk- en buurtkaart and PDOK's BAG as GeoPackages, the BRP as Haal Centraal BRP
//! Personen answers. `loep synth --formaat echt` writes the synthetic municipality this way,
//! so that the intake of real formats is exercised end to end, and a test can check that both
//! forms of the same data load and scan alike.
//!
//! Only what the published forms hold is written: a BAG object needs its point (`rd_x`,
//! `rd_y`), a buurt its `geometrie_wkt`; a row without them is refused here, not dropped.

use anyhow::{Context, Result, anyhow, bail};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use super::gpkg::{BagGpkgWriter, BagObject, CbsBuurt, CbsWijk, parse_wkt_area, write_cbs_gpkg};
use super::haal_centraal::{AnswerWriter, BrpPersoonRow};

/// The file names the published forms get in the delivery.
pub const CBS_FILE: &str = "wijkenbuurten.gpkg";
pub const BAG_FILE: &str = "bag-light.gpkg";
pub const BRP_FILE: &str = "brp-personen.json";

fn rows(path: &Path) -> Result<(csv::StringRecord, csv::Reader<File>)> {
    let mut r = csv::Reader::from_path(path)
        .with_context(|| format!("kan {} niet lezen", path.display()))?;
    let header = r.headers()?.clone();
    Ok((header, r))
}

fn field<'a>(header: &csv::StringRecord, rec: &'a csv::StringRecord, name: &str) -> &'a str {
    header
        .iter()
        .position(|h| h == name)
        .and_then(|i| rec.get(i))
        .unwrap_or("")
        .trim()
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// Rewrites `cbs_buurt.csv`, `bag_verblijfsobject.csv` and `brp_persoon.csv` of the delivery
/// in `dir` into their published forms ([`CBS_FILE`], [`BAG_FILE`], [`BRP_FILE`]) and removes
/// the CSVs. `gemeentenaam` names the gemeente in the CBS map.
pub fn as_published(dir: &Path, gemeentenaam: &str) -> Result<()> {
    // CBS: one buurt per row, the wijken from the buurten.
    let (header, mut r) = rows(&dir.join("cbs_buurt.csv"))?;
    let mut buurten = Vec::new();
    let mut wijken: BTreeMap<String, CbsWijk> = BTreeMap::new();
    for rec in r.records() {
        let rec = rec?;
        let f = |n| field(&header, &rec, n);
        let geometrie = parse_wkt_area(f("geometrie_wkt"))
            .map_err(|why| anyhow!("buurt {}: geometrie_wkt: {why}", f("buurtcode")))?;
        let gm = format!("GM{}", f("gemeentecode"));
        wijken.entry(f("wijkcode").to_string()).or_insert(CbsWijk {
            wijkcode: f("wijkcode").to_string(),
            wijknaam: f("wijknaam").to_string(),
            gemeentecode: gm.clone(),
            gemeentenaam: gemeentenaam.to_string(),
            geometrie: None,
        });
        buurten.push(CbsBuurt {
            buurtcode: f("buurtcode").to_string(),
            buurtnaam: f("buurtnaam").to_string(),
            wijkcode: f("wijkcode").to_string(),
            gemeentecode: gm,
            gemeentenaam: gemeentenaam.to_string(),
            water: false,
            geometrie,
        });
    }
    let wijken: Vec<CbsWijk> = wijken.into_values().collect();
    write_cbs_gpkg(&dir.join(CBS_FILE), &buurten, &wijken)?;

    // BAG: every object with its point, as in use.
    let (header, mut r) = rows(&dir.join("bag_verblijfsobject.csv"))?;
    let mut w = BagGpkgWriter::create(&dir.join(BAG_FILE))?;
    for rec in r.records() {
        let rec = rec?;
        let f = |n| field(&header, &rec, n);
        let (Ok(x), Ok(y)) = (f("rd_x").parse::<f64>(), f("rd_y").parse::<f64>()) else {
            bail!(
                "verblijfsobject {} heeft geen punt (rd_x, rd_y); de BAG van PDOK heeft er altijd een",
                f("vbo_id")
            );
        };
        w.add(&BagObject {
            identificatie: f("vbo_id").to_string(),
            status: "Verblijfsobject in gebruik".into(),
            gebruiksdoel: f("gebruiksdoelen").replace('|', ","),
            oppervlakte: f("oppervlakte").parse().ok(),
            openbare_ruimte_naam: f("openbare_ruimte").to_string(),
            huisnummer: f("huisnummer").parse().unwrap_or_default(),
            huisletter: opt(f("huisletter")),
            toevoeging: opt(f("huisnummertoevoeging")),
            postcode: opt(f("postcode")),
            woonplaats_naam: f("woonplaats").to_string(),
            bouwjaar: f("bouwjaar").parse().ok(),
            pand_identificatie: opt(f("pand_id")),
            pandstatus: Some("Pand in gebruik".into()),
            nummeraanduiding_hoofdadres_identificatie: f("nummeraanduiding_id").to_string(),
            x,
            y,
        })?;
    }
    w.finish()?;

    // BRP: the persons as answers of RaadpleegMetBurgerservicenummer.
    let brp = loep_contract::Table::by_name("brp_persoon")
        .ok_or_else(|| anyhow!("het contract heeft geen brp_persoon"))?;
    let (header, mut r) = rows(&dir.join("brp_persoon.csv"))?;
    let file = File::create(dir.join(BRP_FILE))?;
    let mut w = AnswerWriter::new(BufWriter::new(file));
    for rec in r.records() {
        let rec = rec?;
        let fields: Vec<&str> = brp
            .columns
            .iter()
            .map(|c| field(&header, &rec, c.name))
            .collect();
        let row = BrpPersoonRow::from_contract_order(&fields)
            .ok_or_else(|| anyhow!("brp_persoon.csv: een rij met een ander aantal velden"))?;
        w.push_row(&row)?;
    }
    w.finish()?;

    for t in ["cbs_buurt", "bag_verblijfsobject", "brp_persoon"] {
        std::fs::remove_file(dir.join(format!("{t}.csv")))?;
    }
    Ok(())
}

/// What [`bench_bag`] wrote and measured.
#[derive(Debug, Clone)]
pub struct BagBench {
    pub objects: u64,
    pub bytes: u64,
    pub write_s: f64,
    pub convert_s: f64,
    pub written: u64,
    pub outside: u64,
}

/// The south-west corner (RD New) of the gemeente of [`national_bag`].
const NATIONAL_GEMEENTE: (f64, f64) = (100_000.0, 485_000.0);

/// The 10 × 10 buurten of 1 km² of the gemeente of [`national_bag`].
fn national_buurten() -> Result<super::gpkg::BuurtIndex> {
    use geo::{Coord, Rect};
    let (x0, y0) = NATIONAL_GEMEENTE;
    let mut buurten = Vec::new();
    for i in 0..10u32 {
        for j in 0..10u32 {
            let min = Coord {
                x: x0 + f64::from(i) * 1000.0,
                y: y0 + f64::from(j) * 1000.0,
            };
            let max = Coord {
                x: min.x + 1000.0,
                y: min.y + 1000.0,
            };
            buurten.push((
                format!("BU0392{i:02}{j:02}"),
                format!("WK0392{i:02}"),
                geo::MultiPolygon(vec![Rect::new(min, max).to_polygon()]),
            ));
        }
    }
    super::gpkg::BuurtIndex::new(buurten)
}

/// A BAG GeoPackage the size of a country, for benchmarks: `objects` objects spread over the
/// Netherlands' extent in RD New, about 1% of them in one gemeente of 10 × 10 buurten of
/// 1 km², whose index is returned.
pub fn national_bag(path: &Path, objects: u64) -> Result<super::gpkg::BuurtIndex> {
    let (x0, y0) = NATIONAL_GEMEENTE;
    let index = national_buurten()?;
    // A fixed sequence (xorshift), so that the same size gives the same file.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut w = BagGpkgWriter::create(path)?;
    for n in 0..objects {
        let (x, y) = if n % 100 == 0 {
            (x0 + next() * 10_000.0, y0 + next() * 10_000.0)
        } else {
            (
                13_000.0 + next() * 265_000.0,
                306_000.0 + next() * 314_000.0,
            )
        };
        w.add(&BagObject {
            identificatie: format!("{:016}", 3_630_100_000_000_000u64 + n),
            status: "Verblijfsobject in gebruik".into(),
            gebruiksdoel: "woonfunctie".into(),
            oppervlakte: Some(40 + (n % 120) as i64),
            openbare_ruimte_naam: format!("Straat {}", n % 5_000),
            huisnummer: 1 + (n % 300) as i64,
            huisletter: None,
            toevoeging: None,
            postcode: Some(format!("{:04}AB", 1000 + n % 9000)),
            woonplaats_naam: "Ergens".into(),
            bouwjaar: Some(1900 + (n % 120) as i64),
            pand_identificatie: Some(format!("{:016}", 3_631_000_000_000_000u64 + n / 4)),
            pandstatus: Some("Pand in gebruik".into()),
            nummeraanduiding_hoofdadres_identificatie: format!(
                "{:016}",
                3_632_000_000_000_000u64 + n
            ),
            x,
            y,
        })?;
    }
    w.finish()?;
    Ok(index)
}

/// Writes a national-size BAG GeoPackage into `work` (kept, and used again when a file of
/// that size is there) and times its conversion, streamed, into a discarded CSV.
pub fn bench_bag(work: &Path, objects: u64) -> Result<BagBench> {
    std::fs::create_dir_all(work)?;
    let path = work.join(format!("bag-{objects}.gpkg"));
    let t = std::time::Instant::now();
    let index = if path.exists() {
        national_buurten()?
    } else {
        national_bag(&path, objects)?
    };
    let write_s = t.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(&path)?.len();
    let t = std::time::Instant::now();
    let counts = super::gpkg::bag_csv(&path, &index, &mut std::io::sink())?;
    Ok(BagBench {
        objects: counts.read,
        bytes,
        write_s,
        convert_s: t.elapsed().as_secs_f64(),
        written: counts.written,
        outside: counts.outside.rows,
    })
}
