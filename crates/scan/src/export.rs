//! A run's signals in the forms Dutch users open them: CSV for Excel NL, an Excel workbook,
//! GeoJSON for QGIS, Parquet for Power BI; every one with the address written out and the
//! buurt's name beside the BAG id.
//!
//! The files for people and their tools (CSV for Excel, workbook, GeoJSON, Parquet) carry the
//! number of persons a signal involves, not their pseudonyms: those files leave loep for
//! shared drives and dashboards, and nobody reads a 32-character pseudonym there. The
//! pseudonyms stay in `--format json|csv`, and a request for identities names the signal.

use anyhow::{Context, Result};
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int64Builder, RecordBatch, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::parquet::arrow::ArrowWriter;
use loep_contract::{BagId, Partner, Thema};
use loep_store::scan::{AddressProfile, ScanRun, Signal};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::address::{Addresses, Buurt};

/// Cells of buurten with fewer flagged addresses than this are not shown (small-cell
/// suppression): a count of 1 to 9 in a buurt can point at a household.
pub const MIN_CELL: usize = 10;

/// The EPSG:28992 (RD New) name as GeoJSON readers such as QGIS and GDAL read it from the
/// `crs` member (RFC 7946 dropped that member and assumes WGS 84; the BAG is in RD).
pub const CRS_RD: &str = "urn:ogc:def:crs:EPSG::28992";

/// A run's signals, their address profiles and the addresses of those objects.
#[derive(Debug, Clone)]
pub struct Listing {
    pub run: ScanRun,
    pub signals: Vec<Signal>,
    pub profiles: Vec<AddressProfile>,
    pub addresses: Addresses,
    /// The project's partners: who can join a visit (`belanghebbenden`).
    pub team: Vec<loep_contract::Partner>,
}

impl Listing {
    fn profile_of(&self) -> HashMap<BagId, &AddressProfile> {
        self.profiles.iter().map(|p| (p.vbo_id, p)).collect()
    }

    fn buurtcode<'a>(&'a self, vbo_id: &BagId, recorded: Option<&'a str>) -> Option<&'a str> {
        self.addresses.buurt_of(vbo_id, recorded)
    }

    /// Signals in the order people read them: by their address's rank, then indicator.
    fn signals_by_rank(&self) -> Vec<&Signal> {
        let rank = self.profile_of();
        let mut v: Vec<&Signal> = self.signals.iter().collect();
        v.sort_by_key(|s| {
            (
                rank.get(&s.vbo_id).map_or(i64::MAX, |p| p.rang),
                s.indicator.as_str(),
                s.nr,
            )
        });
        v
    }

    /// `--format json`: the run, the signals and the profiles, each with `adres` and `buurt`.
    pub fn to_json(&self) -> Result<Value> {
        let mut signalen = Vec::with_capacity(self.signals.len());
        for s in &self.signals {
            let mut v = serde_json::to_value(s)?;
            if let Some(o) = v.as_object_mut() {
                o.insert("adres".into(), json!(self.addresses.adres(&s.vbo_id)));
                o.insert(
                    "buurt".into(),
                    json!(
                        self.addresses
                            .buurtnaam(self.buurtcode(&s.vbo_id, s.buurtcode.as_deref()))
                    ),
                );
            }
            signalen.push(v);
        }
        let mut per_address: HashMap<BagId, Vec<&Signal>> = HashMap::new();
        for s in &self.signals {
            per_address.entry(s.vbo_id).or_default().push(s);
        }
        let mut adressen = Vec::with_capacity(self.profiles.len());
        for p in &self.profiles {
            let mut v = serde_json::to_value(p)?;
            if let Some(o) = v.as_object_mut() {
                let signals = per_address.get(&p.vbo_id).cloned().unwrap_or_default();
                o.insert(
                    "belanghebbenden".into(),
                    json!(crate::interested_partners(signals, &self.team)),
                );
                let a = self.addresses.get(&p.vbo_id);
                o.insert("adres".into(), json!(a.map(|a| &a.adres)));
                o.insert(
                    "buurt".into(),
                    json!(
                        self.addresses
                            .buurtnaam(self.buurtcode(&p.vbo_id, p.buurtcode.as_deref()))
                    ),
                );
                o.insert("rd_x".into(), json!(a.and_then(|a| a.rd_x)));
                o.insert("rd_y".into(), json!(a.and_then(|a| a.rd_y)));
            }
            adressen.push(v);
        }
        Ok(json!({ "run": self.run, "signalen": signalen, "adressen": adressen }))
    }
}

/// One cell of an export for people.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    /// A number that is an identifier (16-digit BAG id): text everywhere, never a number.
    Id(String),
    Int(i64),
    Num(f64),
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn opt(s: Option<&str>) -> Cell {
    Cell::Text(s.unwrap_or_default().to_string())
}

/// Headers and rows of a table for people, with Dutch headers.
struct Sheet {
    headers: &'static [&'static str],
    rows: Vec<Vec<Cell>>,
}

const SIGNAL_HEADERS: &[&str] = &[
    "Signaal",
    "Rang",
    "Adres",
    "Postcode",
    "Woonplaats",
    "Buurt",
    "Buurtcode",
    "Verblijfsobject (BAG-id)",
    "Thema",
    "Indicator",
    "Versie",
    "Verwonderadres",
    "Sterkte",
    "Personen",
    "Partners",
    "Uitleg",
];

fn signal_sheet<'a>(l: &Listing, signals: impl Iterator<Item = &'a Signal>) -> Sheet {
    let profile = l.profile_of();
    let rows = signals
        .map(|s| {
            let a = l.addresses.get(&s.vbo_id);
            let p = profile.get(&s.vbo_id);
            let bu = l.buurtcode(&s.vbo_id, s.buurtcode.as_deref());
            vec![
                text(s.id()),
                p.map_or(text(""), |p| Cell::Int(p.rang)),
                opt(a.map(|a| a.adres.as_str())),
                opt(a.and_then(|a| a.postcode.as_deref())),
                opt(a.and_then(|a| a.woonplaats.as_deref())),
                opt(l.addresses.buurtnaam(bu)),
                opt(bu),
                Cell::Id(s.vbo_id.to_string()),
                text(s.thema.code()),
                text(&s.indicator),
                Cell::Int(s.versie),
                text(if p.is_some_and(|p| p.verwonderadres) {
                    "ja"
                } else {
                    "nee"
                }),
                Cell::Num(s.sterkte),
                Cell::Int(s.pseudoniemen.len() as i64),
                text(Partner::codes(&s.partners).join(", ")),
                text(&s.uitleg),
            ]
        })
        .collect();
    Sheet {
        headers: SIGNAL_HEADERS,
        rows,
    }
}

const PROFILE_HEADERS: &[&str] = &[
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
    "Sterkte",
];

fn profile_sheet(l: &Listing) -> Sheet {
    let rows = l
        .profiles
        .iter()
        .map(|p| {
            let a = l.addresses.get(&p.vbo_id);
            let bu = l.buurtcode(&p.vbo_id, p.buurtcode.as_deref());
            vec![
                Cell::Int(p.rang),
                opt(a.map(|a| a.adres.as_str())),
                opt(a.and_then(|a| a.postcode.as_deref())),
                opt(a.and_then(|a| a.woonplaats.as_deref())),
                opt(l.addresses.buurtnaam(bu)),
                opt(bu),
                Cell::Id(p.vbo_id.to_string()),
                text(Thema::codes(&p.themas).join(", ")),
                text(Partner::codes(&p.partners).join(", ")),
                text(if p.verwonderadres { "ja" } else { "nee" }),
                Cell::Int(p.signalen),
                Cell::Num(p.sterkte),
            ]
        })
        .collect();
    Sheet {
        headers: PROFILE_HEADERS,
        rows,
    }
}

/// A decimal number as Dutch Excel reads it: decimal comma, no thousands separator, at most
/// three decimals, trailing zeros dropped (`1,25`, `2`).
pub fn decimal_nl(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    let s = if s == "-0" { "0" } else { s };
    s.replace('.', ",")
}

pub use loep_contract::spreadsheet::formula_safe as escape_formula;

/// CSV for Excel NL (`--format csv-nl`): a UTF-8 byte order mark (without it Excel reads the
/// file as Windows-1252 and "m²" garbles), `;` between fields and a decimal comma (Excel NL's
/// list separator and decimal sign, so a double-click opens it in columns with numbers as
/// numbers), CRLF line ends, Dutch headers, one row per signal ranked as the addresses are.
///
/// A BAG id is written as `="0392010000001234"`: Excel turns any field that looks like a
/// number into a number, which drops the leading zero and keeps only 15 significant digits
/// (`392010000001234` becomes `3,9201E+14`), and neither a text-format hint nor quoting
/// survives opening a CSV. A leading apostrophe only marks text when typed into a cell: in
/// a CSV Excel keeps it as a visible character of the value. The formula `="…"` is evaluated
/// on opening into the text value, all 16 digits, in every language version of Excel (it
/// names no function and uses no separator); LibreOffice does the same when it evaluates
/// formulas on import. Only ids, which the contract makes 16 digits, are written this way;
/// every text cell that would start a formula is escaped ([`escape_formula`]).
pub fn write_csv_nl(mut out: impl std::io::Write, l: &Listing) -> Result<()> {
    out.write_all("\u{feff}".as_bytes())
        .context("kan de signalen niet schrijven")?;
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let sheet = signal_sheet(l, l.signals_by_rank().into_iter());
    w.write_record(sheet.headers.iter().map(|h| escape_formula(h).into_owned()))?;
    for row in &sheet.rows {
        w.write_record(row.iter().map(|c| match c {
            Cell::Text(s) => escape_formula(s).into_owned(),
            Cell::Id(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                format!("=\"{s}\"")
            }
            Cell::Id(s) => escape_formula(s).into_owned(),
            Cell::Int(i) => i.to_string(),
            Cell::Num(x) => decimal_nl(*x),
        }))?;
    }
    w.flush().context("kan de signalen niet schrijven")?;
    Ok(())
}

/// Width of a column in characters: its longest value, between 8 and 60 (Uitleg wraps past
/// that).
fn width(headers: &[&str], rows: &[Vec<Cell>], col: usize) -> f64 {
    let longest = rows
        .iter()
        .filter_map(|r| r.get(col))
        .map(|c| match c {
            Cell::Text(s) | Cell::Id(s) => s.chars().count(),
            Cell::Int(i) => i.to_string().len(),
            Cell::Num(x) => decimal_nl(*x).len(),
        })
        .chain(headers.get(col).map(|h| h.chars().count()))
        .max()
        .unwrap_or(8);
    (longest + 2).clamp(8, 60) as f64
}

fn write_sheet(
    ws: &mut rust_xlsxwriter::Worksheet,
    sheet: &Sheet,
    bold: &rust_xlsxwriter::Format,
    as_text: &rust_xlsxwriter::Format,
    wrap: &rust_xlsxwriter::Format,
) -> Result<()> {
    // Excel's limit is 1,048,576 rows, the header included.
    if sheet.rows.len() >= 1 << 20 {
        loep_store::invalid!(
            "{} rijen passen niet in één Excel-blad; exporteer ze als Parquet of CSV",
            sheet.rows.len()
        );
    }
    for (c, h) in sheet.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, bold)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                // A string cell is never a formula: no escaping needed here.
                Cell::Text(s) if s.chars().count() > 60 => {
                    ws.write_string_with_format(r, c, s, wrap)?;
                }
                Cell::Text(s) => {
                    ws.write_string(r, c, s)?;
                }
                // Text, formatted as text (`@`), so that editing the cell keeps it text.
                Cell::Id(s) => {
                    ws.write_string_with_format(r, c, s, as_text)?;
                }
                Cell::Int(i) => {
                    ws.write_number(r, c, *i as f64)?;
                }
                Cell::Num(x) => {
                    ws.write_number(r, c, *x)?;
                }
            }
        }
    }
    let last_col = sheet.headers.len().saturating_sub(1) as u16;
    for c in 0..sheet.headers.len() {
        ws.set_column_width(c as u16, width(sheet.headers, &sheet.rows, c))?;
    }
    ws.autofilter(0, 0, sheet.rows.len() as u32, last_col)?;
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// An Excel workbook (`--format xlsx`): an overview sheet of the ranked addresses, one sheet
/// per theme with its signals, and a sheet that says what the file is. Dutch headers, BAG ids
/// as text, column widths fitted, a filter on every header and the header row frozen.
pub fn write_xlsx(out: impl std::io::Write + Send, l: &Listing) -> Result<()> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let as_text = Format::new().set_num_format("@");
    let wrap = Format::new().set_text_wrap();

    let overview = wb.add_worksheet();
    overview.set_name("Overzicht")?;
    write_sheet(overview, &profile_sheet(l), &bold, &as_text, &wrap)?;

    let mut by_theme: BTreeMap<&str, Vec<&Signal>> = BTreeMap::new();
    for s in l.signals_by_rank() {
        by_theme.entry(s.thema.code()).or_default().push(s);
    }
    for theme in crate::catalogue::Thema::ALL.map(crate::catalogue::Thema::code) {
        let Some(signals) = by_theme.remove(theme) else {
            continue;
        };
        let ws = wb.add_worksheet();
        ws.set_name(theme)?;
        write_sheet(
            ws,
            &signal_sheet(l, signals.into_iter()),
            &bold,
            &as_text,
            &wrap,
        )?;
    }
    // A theme outside the closed list cannot occur (the catalogue refuses it); should it, its
    // signals still get a sheet rather than vanish.
    for (theme, signals) in by_theme {
        let ws = wb.add_worksheet();
        ws.set_name(theme.chars().take(31).collect::<String>())?;
        write_sheet(
            ws,
            &signal_sheet(l, signals.into_iter()),
            &bold,
            &as_text,
            &wrap,
        )?;
    }

    let about = wb.add_worksheet();
    about.set_name("Toelichting")?;
    let lines = [
        ("Scan", l.run.run_id.clone()),
        ("Tijdstip", l.run.tijdstip.clone()),
        ("Signalen", l.run.signalen.to_string()),
        ("Adressen", l.run.adressen.to_string()),
        (
            "Let op",
            "Een signaal is een reden om te kijken, geen besluit. Rang: eerst het aantal partners met belang (verwonderadressen eerst), dan het aantal thema's, dan het aantal partners van wie de gegevens komen, dan de sterkte (hoe ver de signalen over hun drempel liggen)."
                .to_string(),
        ),
        (
            "Personen",
            "Het aantal personen per signaal; wie het zijn, ziet alleen wie daarvoor toestemming kreeg (loep reveal request met het signaalnummer).".to_string(),
        ),
    ];
    for (r, (k, v)) in lines.iter().enumerate() {
        about.write_string_with_format(r as u32, 0, *k, &bold)?;
        about.write_string(r as u32, 1, v)?;
    }
    about.set_column_width(0, 12)?;
    about.set_column_width(1, 100)?;

    wb.save_to_writer(out)
        .context("kan de Excel-werkmap niet schrijven")?;
    Ok(())
}

/// GeoJSON of the flagged addresses (`--format geojson`): one Point per address with RD
/// coordinates (EPSG:28992, named in the `crs` member), its rank, address, buurt, themes and
/// partners. Returns the collection and how many flagged addresses it leaves out because the
/// BAG delivery has no coordinates for them.
pub fn geojson_addresses(l: &Listing) -> (Value, usize) {
    let mut features = Vec::new();
    let mut without = 0;
    for p in &l.profiles {
        let a = l.addresses.get(&p.vbo_id);
        let (Some(x), Some(y)) = (a.and_then(|a| a.rd_x), a.and_then(|a| a.rd_y)) else {
            without += 1;
            continue;
        };
        let bu = l.buurtcode(&p.vbo_id, p.buurtcode.as_deref());
        features.push(json!({
            "type": "Feature",
            "id": p.vbo_id,
            "geometry": { "type": "Point", "coordinates": [x, y] },
            "properties": {
                "rang": p.rang,
                "vbo_id": p.vbo_id,
                "adres": a.map(|a| &a.adres),
                "postcode": a.and_then(|a| a.postcode.as_deref()),
                "woonplaats": a.and_then(|a| a.woonplaats.as_deref()),
                "buurtcode": bu,
                "buurt": l.addresses.buurtnaam(bu),
                "themas": p.themas,
                "partners": p.partners,
                "verwonderadres": p.verwonderadres,
                "signalen": p.signalen,
                "sterkte": p.sterkte,
            },
        }));
    }
    let fc = json!({
        "type": "FeatureCollection",
        "name": format!("loep-signalen-{}", l.run.run_id),
        "crs": { "type": "name", "properties": { "name": CRS_RD } },
        "features": features,
    });
    (fc, without)
}

/// One buurt's count of flagged addresses, as every buurt export shows it.
#[derive(Debug, Clone, Copy)]
pub struct BuurtCount<'a> {
    pub code: &'a str,
    /// The buurt from `cbs_buurt`, when delivered.
    pub buurt: Option<&'a Buurt>,
    /// Flagged addresses in the buurt.
    pub flagged: usize,
    /// Addresses (verblijfsobjecten) the BAG holds in the buurt.
    pub addresses: Option<u64>,
}

impl BuurtCount<'_> {
    /// Whether the count may be shown: [`MIN_CELL`] or more flagged addresses.
    pub fn shown(&self) -> bool {
        self.flagged >= MIN_CELL
    }

    /// Flagged addresses per 1,000 addresses, rounded to one decimal; `None` when the count
    /// is suppressed or the BAG holds no addresses there.
    pub fn per_1000(&self) -> Option<f64> {
        match (self.shown(), self.addresses) {
            (true, Some(t)) if t > 0 => {
                Some((self.flagged as f64 * 1000.0 / t as f64 * 10.0).round() / 10.0)
            }
            _ => None,
        }
    }
}

/// Every buurt of the project (in code order), then any buurt a flagged address names that
/// `cbs_buurt` lacks, each with its count of flagged addresses.
pub fn buurt_counts(l: &Listing) -> Vec<BuurtCount<'_>> {
    let mut flagged: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &l.profiles {
        if let Some(bu) = l.buurtcode(&p.vbo_id, p.buurtcode.as_deref()) {
            *flagged.entry(bu).or_default() += 1;
        }
    }
    let mut codes: Vec<&str> = l.addresses.buurten.keys().map(String::as_str).collect();
    for c in flagged.keys() {
        if !l.addresses.buurten.contains_key(*c) {
            codes.push(c);
        }
    }
    codes
        .into_iter()
        .map(|code| BuurtCount {
            code,
            buurt: l.addresses.buurten.get(code),
            flagged: flagged.get(code).copied().unwrap_or(0),
            addresses: l.addresses.objecten_per_buurt.get(code).copied(),
        })
        .collect()
}

/// Flagged addresses whose buurt neither the scan nor the BAG records.
pub fn flagged_without_buurt(l: &Listing) -> usize {
    l.profiles
        .iter()
        .filter(|p| l.buurtcode(&p.vbo_id, p.buurtcode.as_deref()).is_none())
        .count()
}

/// GeoJSON of the buurten (`--format geojson-buurten`): per buurt its polygon from
/// `cbs_buurt` (EPSG:28992), the number of flagged addresses, of addresses in the BAG and
/// flagged per 1,000 addresses. A buurt with fewer than [`MIN_CELL`] flagged addresses shows
/// no count (`onderdrukt: true`, `adressen_gemarkeerd: null`, label `< 10`).
pub fn geojson_buurten(l: &Listing) -> Value {
    let features: Vec<Value> = buurt_counts(l)
        .into_iter()
        .map(|c| {
            let b = c.buurt;
            let shown = c.shown();
            let geometry = b
                .and_then(|b| b.geometrie_wkt.as_deref())
                .and_then(wkt_to_geojson);
            json!({
                "type": "Feature",
                "id": c.code,
                "geometry": geometry,
                "properties": {
                    "buurtcode": c.code,
                    "buurt": b.map(|b| &b.buurtnaam),
                    "wijkcode": b.and_then(|b| b.wijkcode.as_deref()),
                    "wijk": b.and_then(|b| b.wijknaam.as_deref()),
                    "adressen": c.addresses,
                    "adressen_gemarkeerd": shown.then_some(c.flagged),
                    "per_1000_adressen": c.per_1000(),
                    "onderdrukt": !shown,
                    "label": if shown { c.flagged.to_string() } else { format!("< {MIN_CELL}") },
                },
            })
        })
        .collect();
    json!({
        "type": "FeatureCollection",
        "name": format!("loep-buurten-{}", l.run.run_id),
        "crs": { "type": "name", "properties": { "name": CRS_RD } },
        "features": features,
    })
}

/// A ring of points `[x, y]`.
pub type Ring = Vec<[f64; 2]>;

/// A WKT POLYGON or MULTIPOLYGON as its polygons, each a list of rings (the outer ring
/// first, then holes); `None` where [`wkt_to_geojson`] gives `None`.
pub fn wkt_polygons(wkt: &str) -> Option<Vec<Vec<Ring>>> {
    let g = wkt_to_geojson(wkt)?;
    let rings = |poly: &Value| -> Option<Vec<Ring>> {
        poly.as_array()?
            .iter()
            .map(|ring| {
                ring.as_array()?
                    .iter()
                    .map(|p| Some([p.get(0)?.as_f64()?, p.get(1)?.as_f64()?]))
                    .collect()
            })
            .collect()
    };
    let coordinates = g.get("coordinates")?;
    if g.get("type")? == "Polygon" {
        Some(vec![rings(coordinates)?])
    } else {
        coordinates.as_array()?.iter().map(rings).collect()
    }
}

/// A WKT POLYGON or MULTIPOLYGON (as the contract admits in `geometrie_wkt`) as a GeoJSON
/// geometry; `None` for anything else or a malformed text.
pub fn wkt_to_geojson(wkt: &str) -> Option<Value> {
    let t = wkt.trim();
    let upper = t.to_ascii_uppercase();
    let (kind, body) = if let Some(rest) = upper.strip_prefix("MULTIPOLYGON") {
        ("MultiPolygon", &t[t.len() - rest.len()..])
    } else if let Some(rest) = upper.strip_prefix("POLYGON") {
        ("Polygon", &t[t.len() - rest.len()..])
    } else {
        return None;
    };
    let v = nested(body.trim())?;
    // A Polygon is a list of rings (depth 3 with the points); a MultiPolygon one deeper.
    let depth = |v: &Value| {
        let mut d = 0;
        let mut cur = v;
        while let Some(first) = cur.as_array().and_then(|a| a.first()) {
            d += 1;
            cur = first;
        }
        d
    };
    let want = if kind == "Polygon" { 3 } else { 4 };
    (depth(&v) == want).then(|| json!({ "type": kind, "coordinates": v }))
}

/// `((x y, x y), (…))` → nested arrays with `[x, y]` points.
fn nested(s: &str) -> Option<Value> {
    let s = s.trim();
    if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        let inner = inner.trim();
        if inner.starts_with('(') {
            // Split on commas at depth 0.
            let mut parts = Vec::new();
            let (mut depth, mut start) = (0i32, 0usize);
            for (i, c) in inner.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    ',' if depth == 0 => {
                        parts.push(&inner[start..i]);
                        start = i + 1;
                    }
                    _ => {}
                }
                if depth < 0 {
                    return None;
                }
            }
            parts.push(&inner[start..]);
            let items: Option<Vec<Value>> = parts.into_iter().map(nested).collect();
            return Some(Value::Array(items?));
        }
        let points: Option<Vec<Value>> = inner
            .split(',')
            .map(|p| {
                let mut xy = p.split_whitespace().map(|n| n.parse::<f64>().ok());
                match (xy.next(), xy.next(), xy.next()) {
                    (Some(Some(x)), Some(Some(y)), None) if x.is_finite() && y.is_finite() => {
                        Some(json!([x, y]))
                    }
                    _ => None,
                }
            })
            .collect();
        return Some(Value::Array(points?));
    }
    None
}

/// Parquet for Power BI (`--format parquet`): one row per signal with its address, buurt,
/// RD coordinates, rank and whether its address is a verwonderadres; typed columns (numbers
/// as numbers, ids as text).
pub fn write_parquet(out: impl std::io::Write + Send, l: &Listing) -> Result<()> {
    let text_fields = [
        "signaal",
        "run_id",
        "indicator",
        "thema",
        "vbo_id",
        "adres",
        "postcode",
        "woonplaats",
        "buurtcode",
        "buurt",
        "partners",
        "uitleg",
        "feiten",
    ];
    let mut fields: Vec<Field> = Vec::new();
    for f in &text_fields[..5] {
        fields.push(Field::new(*f, DataType::Utf8, false));
    }
    for f in &text_fields[5..10] {
        fields.push(Field::new(*f, DataType::Utf8, true));
    }
    for f in &text_fields[10..] {
        fields.push(Field::new(*f, DataType::Utf8, false));
    }
    fields.extend([
        Field::new("nr", DataType::Int64, false),
        Field::new("versie", DataType::Int64, false),
        Field::new("rang", DataType::Int64, true),
        Field::new("verwonderadres", DataType::Boolean, false),
        Field::new("sterkte", DataType::Float64, false),
        Field::new("personen", DataType::Int64, false),
        Field::new("rd_x", DataType::Float64, true),
        Field::new("rd_y", DataType::Float64, true),
    ]);
    let schema = Arc::new(Schema::new(fields));
    let profile = l.profile_of();
    let mut w = ArrowWriter::try_new(out, schema.clone(), None)?;
    for chunk in l.signals_by_rank().chunks(64 * 1024) {
        let mut text: Vec<StringBuilder> =
            text_fields.iter().map(|_| StringBuilder::new()).collect();
        let (mut nr, mut versie, mut rang, mut personen) = (
            Int64Builder::new(),
            Int64Builder::new(),
            Int64Builder::new(),
            Int64Builder::new(),
        );
        let mut verwonder = BooleanBuilder::new();
        let (mut sterkte, mut x, mut y) = (
            Float64Builder::new(),
            Float64Builder::new(),
            Float64Builder::new(),
        );
        for s in chunk {
            let a = l.addresses.get(&s.vbo_id);
            let p = profile.get(&s.vbo_id);
            let bu = l.buurtcode(&s.vbo_id, s.buurtcode.as_deref());
            let values: [Option<String>; 13] = [
                Some(s.id()),
                Some(s.run_id.clone()),
                Some(s.indicator.clone()),
                Some(s.thema.code().to_string()),
                Some(s.vbo_id.to_string()),
                a.map(|a| a.adres.clone()),
                a.and_then(|a| a.postcode.clone()),
                a.and_then(|a| a.woonplaats.clone()),
                bu.map(str::to_string),
                l.addresses.buurtnaam(bu).map(str::to_string),
                Some(Partner::codes(&s.partners).join(",")),
                Some(s.uitleg.clone()),
                Some(serde_json::to_string(&s.feiten)?),
            ];
            for (b, v) in text.iter_mut().zip(values) {
                b.append_option(v);
            }
            nr.append_value(s.nr);
            versie.append_value(s.versie);
            rang.append_option(p.map(|p| p.rang));
            verwonder.append_value(p.is_some_and(|p| p.verwonderadres));
            sterkte.append_value(s.sterkte);
            personen.append_value(s.pseudoniemen.len() as i64);
            x.append_option(a.and_then(|a| a.rd_x));
            y.append_option(a.and_then(|a| a.rd_y));
        }
        let mut columns: Vec<ArrayRef> = text
            .into_iter()
            .map(|mut b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        columns.extend([
            Arc::new(nr.finish()) as ArrayRef,
            Arc::new(versie.finish()),
            Arc::new(rang.finish()),
            Arc::new(verwonder.finish()),
            Arc::new(sterkte.finish()),
            Arc::new(personen.finish()),
            Arc::new(x.finish()),
            Arc::new(y.finish()),
        ]);
        w.write(&RecordBatch::try_new(schema.clone(), columns)?)?;
    }
    w.close()
        .context("kan het Parquet-bestand niet schrijven")?;
    Ok(())
}

/// Parquet of the address profiles for Power BI (`--format parquet-adressen`): one typed row
/// per flagged address in rank order, with its address, buurt, themes, the partners whose
/// data the signals read, the partners with an interest (who should visit), whether it is a
/// verwonderadres, the number of signals, strength and RD coordinates. It joins the signals'
/// Parquet on `vbo_id` (and `run_id`).
pub fn write_profiles_parquet(out: impl std::io::Write + Send, l: &Listing) -> Result<()> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("run_id", DataType::Utf8, false),
        Field::new("rang", DataType::Int64, false),
        Field::new("vbo_id", DataType::Utf8, false),
        Field::new("adres", DataType::Utf8, true),
        Field::new("postcode", DataType::Utf8, true),
        Field::new("woonplaats", DataType::Utf8, true),
        Field::new("buurtcode", DataType::Utf8, true),
        Field::new("buurt", DataType::Utf8, true),
        Field::new("themas", DataType::Utf8, false),
        Field::new("partners", DataType::Utf8, false),
        Field::new("belanghebbenden", DataType::Utf8, false),
        Field::new("verwonderadres", DataType::Boolean, false),
        Field::new("signalen", DataType::Int64, false),
        Field::new("sterkte", DataType::Float64, false),
        Field::new("rd_x", DataType::Float64, true),
        Field::new("rd_y", DataType::Float64, true),
    ]));
    let mut per_address: HashMap<BagId, Vec<&Signal>> = HashMap::new();
    for s in &l.signals {
        per_address.entry(s.vbo_id).or_default().push(s);
    }
    let mut w = ArrowWriter::try_new(out, schema.clone(), None)?;
    for chunk in l.profiles.chunks(64 * 1024) {
        let mut text: Vec<StringBuilder> = (0..10).map(|_| StringBuilder::new()).collect();
        let (mut rang, mut signalen) = (Int64Builder::new(), Int64Builder::new());
        let mut verwonder = BooleanBuilder::new();
        let (mut sterkte, mut x, mut y) = (
            Float64Builder::new(),
            Float64Builder::new(),
            Float64Builder::new(),
        );
        for p in chunk {
            let a = l.addresses.get(&p.vbo_id);
            let bu = l.buurtcode(&p.vbo_id, p.buurtcode.as_deref());
            let belang = crate::interested_partners(
                per_address.get(&p.vbo_id).into_iter().flatten().copied(),
                &l.team,
            );
            let values: [Option<String>; 10] = [
                Some(p.run_id.clone()),
                Some(p.vbo_id.to_string()),
                a.map(|a| a.adres.clone()),
                a.and_then(|a| a.postcode.clone()),
                a.and_then(|a| a.woonplaats.clone()),
                bu.map(str::to_string),
                l.addresses.buurtnaam(bu).map(str::to_string),
                Some(Thema::codes(&p.themas).join(",")),
                Some(Partner::codes(&p.partners).join(",")),
                Some(belang.into_iter().collect::<Vec<_>>().join(",")),
            ];
            for (b, v) in text.iter_mut().zip(values) {
                b.append_option(v);
            }
            rang.append_value(p.rang);
            verwonder.append_value(p.verwonderadres);
            signalen.append_value(p.signalen);
            sterkte.append_value(p.sterkte);
            x.append_option(a.and_then(|a| a.rd_x));
            y.append_option(a.and_then(|a| a.rd_y));
        }
        let mut text = text
            .into_iter()
            .map(|mut b| Arc::new(b.finish()) as ArrayRef);
        let mut next = || text.next().context("een tekstkolom");
        let columns: Vec<ArrayRef> = vec![
            next()?,
            Arc::new(rang.finish()),
            next()?,
            next()?,
            next()?,
            next()?,
            next()?,
            next()?,
            next()?,
            next()?,
            next()?,
            Arc::new(verwonder.finish()),
            Arc::new(signalen.finish()),
            Arc::new(sterkte.finish()),
            Arc::new(x.finish()),
            Arc::new(y.finish()),
        ];
        w.write(&RecordBatch::try_new(schema.clone(), columns)?)?;
    }
    w.close()
        .context("kan het Parquet-bestand niet schrijven")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_formulas_for_dutch_excel() {
        assert_eq!(decimal_nl(1.25), "1,25");
        assert_eq!(decimal_nl(2.0), "2");
        assert_eq!(decimal_nl(-0.0001), "0");
        assert_eq!(decimal_nl(1234.5678), "1234,568");
        assert_eq!(escape_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(escape_formula("-5 punten"), "'-5 punten");
        assert_eq!(escape_formula("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(escape_formula("Kerkstraat 12A"), "Kerkstraat 12A");
    }

    #[test]
    fn wkt_polygons_become_geojson() {
        let p = wkt_to_geojson("POLYGON((0 0,10 0,10 10,0 0))").unwrap();
        assert_eq!(p["type"], "Polygon");
        assert_eq!(p["coordinates"][0][1], json!([10.0, 0.0]));
        let m = wkt_to_geojson("MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5),(5.2 5.2,5.5 5.2,5.5 5.5,5.2 5.2)))")
            .unwrap();
        assert_eq!(m["type"], "MultiPolygon");
        assert_eq!(m["coordinates"].as_array().unwrap().len(), 2);
        assert_eq!(m["coordinates"][1].as_array().unwrap().len(), 2);
        assert!(wkt_to_geojson("POLYGON((0 0,1 x))").is_none());
        assert!(wkt_to_geojson("POINT(1 2)").is_none());
        assert!(wkt_to_geojson("MULTIPOLYGON((0 0,1 0,1 1,0 0))").is_none());
        let rings = wkt_polygons("MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5),(5.2 5.2,5.5 5.2,5.5 5.5,5.2 5.2)))").unwrap();
        assert_eq!(rings.len(), 2);
        assert_eq!(rings[1].len(), 2);
        assert_eq!(rings[1][1][0], [5.2, 5.2]);
        assert_eq!(
            wkt_polygons("POLYGON((0 0,10 0,10 10,0 0))").unwrap()[0][0].len(),
            4
        );
        assert!(wkt_polygons("POINT(1 2)").is_none());
    }
}
