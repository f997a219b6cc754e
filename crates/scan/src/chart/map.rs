//! The map (`loep signals --format kaart`): flagged addresses per 1,000 addresses per buurt,
//! drawn from the `cbs_buurt` polygons in RD (EPSG:28992), north up. Five colour classes with
//! a legend; a buurt with fewer than [`MIN_CELL`] flagged addresses is hatched and labelled
//! "minder dan 10" instead of a number, as in the GeoJSON of the buurten.

use anyhow::Result;

use super::{
    Doc, GREY, count_nl, date_nl, heading, nice_step, number_nl, px, svg_start, text_width, wrap,
};
use crate::export::{
    BuurtCount, Listing, MIN_CELL, Ring, buurt_counts, flagged_without_buurt, wkt_polygons,
};

/// Five classes, light to dark (ColorBrewer YlOrRd, readable for the colour-blind and in grey).
const CLASSES: [&str; 5] = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
/// A buurt whose count is shown but whose addresses the BAG does not hold: no rate.
const NO_RATE: &str = "#d9d9d9";
/// The id of the hatch pattern of suppressed buurten.
pub const HATCH: &str = "arcering";

const WIDTH: f64 = 1000.0;
const MAP_X: f64 = 20.0;
const MAP_Y: f64 = 96.0;
const MAP_W: f64 = 620.0;
const MAP_H_MAX: f64 = 700.0;
const LEGEND_X: f64 = 672.0;

/// A buurt on the map.
struct Cell<'a> {
    count: BuurtCount<'a>,
    name: String,
    polygons: Vec<Vec<Ring>>,
}

impl Cell<'_> {
    fn value_label(&self) -> String {
        if !self.count.shown() {
            format!("minder dan {MIN_CELL}")
        } else {
            match self.count.per_1000() {
                Some(r) => format!("{} per 1.000", number_nl(r, 1)),
                None => format!("{} adressen", count_nl(self.count.flagged as u64)),
            }
        }
    }

    /// The tooltip: name, code, and what the map shows.
    fn title(&self) -> String {
        let what = if !self.count.shown() {
            format!("minder dan {MIN_CELL} gemarkeerde adressen (niet getoond)")
        } else {
            match (self.count.per_1000(), self.count.addresses) {
                (Some(r), Some(t)) => format!(
                    "{} per 1.000 adressen ({} gemarkeerd van {})",
                    number_nl(r, 1),
                    count_nl(self.count.flagged as u64),
                    count_nl(t)
                ),
                _ => format!(
                    "{} gemarkeerde adressen; de BAG heeft hier geen adressen",
                    count_nl(self.count.flagged as u64)
                ),
            }
        };
        format!("{} ({}): {what}", self.name, self.count.code)
    }
}

/// The colour classes: upper bounds of five equal steps of a round size that reach the
/// highest rate shown.
fn class_bounds(rates: &[f64]) -> Option<[f64; 5]> {
    let max = rates.iter().copied().fold(f64::NAN, f64::max);
    if !(max.is_finite() && max > 0.0) {
        return None;
    }
    let step = nice_step(max / 5.0);
    Some([step, 2.0 * step, 3.0 * step, 4.0 * step, 5.0 * step])
}

fn class_of(bounds: &[f64; 5], rate: f64) -> usize {
    bounds
        .iter()
        .position(|b| rate < *b)
        .unwrap_or(bounds.len() - 1)
}

/// Signed area and centroid of a ring.
fn area_centroid(ring: &Ring) -> (f64, [f64; 2]) {
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for w in ring.windows(2) {
        let ([x0, y0], [x1, y1]) = (w[0], w[1]);
        let cross = x0 * y1 - x1 * y0;
        a += cross;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
    }
    // A ring that does not repeat its first point closes here.
    if let (Some(&[x0, y0]), Some(&[x1, y1])) = (ring.last(), ring.first())
        && (x0, y0) != (x1, y1)
    {
        let cross = x0 * y1 - x1 * y0;
        a += cross;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
    }
    a /= 2.0;
    if a.abs() < 1e-9 {
        let (b0, b1) = bbox(ring.iter());
        return (0.0, [(b0[0] + b1[0]) / 2.0, (b0[1] + b1[1]) / 2.0]);
    }
    (a, [cx / (6.0 * a), cy / (6.0 * a)])
}

fn bbox<'a>(points: impl Iterator<Item = &'a [f64; 2]>) -> ([f64; 2], [f64; 2]) {
    let mut lo = [f64::INFINITY; 2];
    let mut hi = [f64::NEG_INFINITY; 2];
    for p in points {
        for i in 0..2 {
            lo[i] = lo[i].min(p[i]);
            hi[i] = hi[i].max(p[i]);
        }
    }
    (lo, hi)
}

/// The map's frame: the bounding box of every polygon in RD, and how it is scaled onto the
/// page, north up.
struct Frame {
    lo: [f64; 2],
    hi: [f64; 2],
    /// The width of the bounding box in metres.
    dx: f64,
    /// Whether there is anything to draw: a bounding box of some width and height.
    drawable: bool,
    scale: f64,
    /// The height the map takes on the page.
    map_h: f64,
}

impl Frame {
    fn of(cells: &[Cell]) -> Frame {
        let (lo, hi) = bbox(
            cells
                .iter()
                .flat_map(|c| c.polygons.iter().flatten().flatten()),
        );
        let (dx, dy) = (hi[0] - lo[0], hi[1] - lo[1]);
        let drawable = dx.is_finite() && dy.is_finite() && dx > 0.0 && dy > 0.0;
        let scale = if drawable {
            (MAP_W / dx).min(MAP_H_MAX / dy)
        } else {
            1.0
        };
        let map_h = if drawable { dy * scale } else { 120.0 };
        Frame {
            lo,
            hi,
            dx,
            drawable,
            scale,
            map_h,
        }
    }

    /// The page's x of an RD x.
    fn tx(&self, x: f64) -> f64 {
        MAP_X + (x - self.lo[0]) * self.scale
    }

    /// The page's y of an RD y: RD's y grows northwards, the SVG's downwards.
    fn ty(&self, y: f64) -> f64 {
        MAP_Y + (self.hi[1] - y) * self.scale
    }
}

/// What the legend shows beside the colour classes.
struct Legend<'a> {
    bounds: Option<[f64; 5]>,
    /// Whether some buurt shows a count but no rate.
    any_no_rate: bool,
    /// Buurten with something to say that have no polygon.
    off_map: Vec<&'a Cell<'a>>,
    /// Flagged addresses whose buurt nobody records.
    without_buurt: usize,
}

impl Legend<'_> {
    /// The legend's height, which decides the page's when the map is short.
    fn height(&self) -> f64 {
        let mut legend_h =
            40.0 + 5.0 * 22.0 + 22.0 + if self.any_no_rate { 22.0 } else { 0.0 } + 90.0;
        if !self.off_map.is_empty() {
            legend_h += 30.0 + 16.0 * self.off_map.len().min(8) as f64;
        }
        if self.without_buurt > 0 {
            legend_h += 36.0;
        }
        legend_h
    }
}

/// The map as an SVG document.
pub fn map_svg(l: &Listing) -> Result<String> {
    let cells = cells(l);
    let rates: Vec<f64> = cells.iter().filter_map(|c| c.count.per_1000()).collect();
    let frame = Frame::of(&cells);
    let legend = Legend {
        bounds: class_bounds(&rates),
        any_no_rate: cells
            .iter()
            .any(|c| c.count.shown() && c.count.per_1000().is_none()),
        off_map: cells
            .iter()
            .filter(|c| c.polygons.is_empty() && (c.count.flagged > 0 || c.count.buurt.is_none()))
            .collect(),
        without_buurt: flagged_without_buurt(l),
    };
    let body_h = (frame.map_h + 40.0).max(legend.height());
    let height = MAP_Y + body_h + 70.0;

    let datum = date_nl(&l.run.tijdstip);
    let titel = "Signalen per 1.000 adressen, per buurt";
    let beschrijving = format!(
        "Kaart van de buurten met het aantal adressen met ten minste één signaal in scan {} van {datum}, per 1.000 adressen in de BAG. Buurten met minder dan {MIN_CELL} gemarkeerde adressen zijn gearceerd en tonen geen aantal.",
        l.run.run_id
    );
    let mut doc = Doc::new();
    svg_start(&mut doc, WIDTH, height, titel, &beschrijving)?;
    hatch_pattern(&mut doc)?;
    header(&mut doc, titel, &l.run.run_id, &datum)?;
    buurten(&mut doc, &cells, &frame, legend.bounds)?;
    labels(&mut doc, &cells, &frame)?;
    if frame.drawable {
        scale_bar(&mut doc, &frame)?;
    }
    legend_of(&mut doc, &legend)?;
    footer(&mut doc, height, &l.run.run_id, &datum, &cells)?;
    doc.close("svg")?;
    doc.finish()
}

/// Every buurt of the listing with its name and polygons.
fn cells(l: &Listing) -> Vec<Cell<'_>> {
    buurt_counts(l)
        .into_iter()
        .map(|count| Cell {
            name: count
                .buurt
                .map_or_else(|| count.code.to_string(), |b| b.buurtnaam.clone()),
            polygons: count
                .buurt
                .and_then(|b| b.geometrie_wkt.as_deref())
                .and_then(wkt_polygons)
                .unwrap_or_default(),
            count,
        })
        .collect()
}

/// The hatch pattern of suppressed buurten.
fn hatch_pattern(doc: &mut Doc) -> Result<()> {
    doc.open("defs", &[])?;
    doc.open(
        "pattern",
        &[
            ("id", HATCH),
            ("patternUnits", "userSpaceOnUse"),
            ("width", "8"),
            ("height", "8"),
            ("patternTransform", "rotate(45)"),
        ],
    )?;
    doc.empty(
        "rect",
        &[("width", "8"), ("height", "8"), ("fill", "#f2f2f2")],
    )?;
    doc.empty(
        "line",
        &[
            ("x1", "0"),
            ("y1", "0"),
            ("x2", "0"),
            ("y2", "8"),
            ("stroke", "#7f7f7f"),
            ("stroke-width", "2.5"),
        ],
    )?;
    doc.close("pattern")?;
    doc.close("defs")
}

/// The title and the two lines under it.
fn header(doc: &mut Doc, titel: &str, run_id: &str, datum: &str) -> Result<()> {
    heading(doc, titel)?;
    doc.text(
        "text",
        &[("x", "20"), ("y", "58"), ("font-size", "13"), ("fill", GREY)],
        &format!(
            "Adressen met ten minste één signaal per 1.000 adressen (verblijfsobjecten in de BAG). Scan {run_id} van {datum}."
        ),
    )?;
    doc.text(
        "text",
        &[
            ("x", "20"),
            ("y", "76"),
            ("font-size", "13"),
            ("fill", GREY),
        ],
        "Een signaal is een reden om te kijken, geen besluit.",
    )
}

/// The buurten's polygons, filled by their class, with their tooltips.
fn buurten(doc: &mut Doc, cells: &[Cell], frame: &Frame, bounds: Option<[f64; 5]>) -> Result<()> {
    doc.open(
        "g",
        &[
            ("id", "buurten"),
            ("stroke", "#4d4d4d"),
            ("stroke-width", "0.8"),
            ("stroke-linejoin", "round"),
        ],
    )?;
    if !frame.drawable {
        doc.text(
            "text",
            &[
                ("x", &px(MAP_X)),
                ("y", &px(MAP_Y + 40.0)),
                ("font-size", "14"),
                ("stroke", "none"),
            ],
            "Geen buurtgrenzen in cbs_buurt: de kaart kan niet getekend worden.",
        )?;
    }
    for c in cells.iter().filter(|c| !c.polygons.is_empty()) {
        let fill = if !c.count.shown() {
            format!("url(#{HATCH})")
        } else {
            match (c.count.per_1000(), bounds) {
                (Some(r), Some(b)) => CLASSES[class_of(&b, r)].to_string(),
                _ => NO_RATE.to_string(),
            }
        };
        let class = if c.count.shown() {
            "buurt getoond"
        } else {
            "buurt onderdrukt"
        };
        doc.open(
            "path",
            &[
                ("class", class),
                ("d", &path_data(c, frame)),
                ("fill", &fill),
                ("fill-rule", "evenodd"),
            ],
        )?;
        doc.text("title", &[], &c.title())?;
        doc.close("path")?;
    }
    doc.close("g")
}

/// A buurt's rings as the `d` of an SVG path.
fn path_data(c: &Cell, frame: &Frame) -> String {
    let mut d = String::new();
    for ring in c.polygons.iter().flatten() {
        for (i, [x, y]) in ring.iter().enumerate() {
            d.push_str(if i == 0 { "M" } else { "L" });
            d.push_str(&px(frame.tx(*x)));
            d.push(' ');
            d.push_str(&px(frame.ty(*y)));
        }
        d.push('Z');
    }
    d
}

/// Labels on top of every polygon, so that a neighbour never covers one.
fn labels(doc: &mut Doc, cells: &[Cell], frame: &Frame) -> Result<()> {
    doc.open(
        "g",
        &[
            ("id", "labels"),
            ("text-anchor", "middle"),
            ("stroke", "#ffffff"),
            ("stroke-width", "3"),
            ("stroke-linejoin", "round"),
            ("paint-order", "stroke"),
        ],
    )?;
    for c in cells.iter().filter(|c| !c.polygons.is_empty()) {
        label(doc, c, frame)?;
    }
    doc.close("g")
}

/// A buurt's name and value at the centre of its largest polygon, as far as they fit.
fn label(doc: &mut Doc, c: &Cell, frame: &Frame) -> Result<()> {
    let Some((_, centre, ring)) = c
        .polygons
        .iter()
        .filter_map(|p| p.first())
        .map(|r| {
            let (a, centre) = area_centroid(r);
            (a.abs(), centre, r)
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
    else {
        return Ok(());
    };
    let (rlo, rhi) = bbox(ring.iter());
    let (w, h) = (
        (rhi[0] - rlo[0]) * frame.scale,
        (rhi[1] - rlo[1]) * frame.scale,
    );
    let (x, y) = (frame.tx(centre[0]), frame.ty(centre[1]));
    let value = c.value_label();
    let mut size = 11.0;
    let fits = |s: &str, size: f64| text_width(s, size) <= w * 0.92;
    while size > 7.0 && !(fits(&c.name, size) && fits(&value, size)) {
        size -= 0.5;
    }
    let two_lines = h >= size * 2.6;
    let (xs, size_s) = (px(x), px(size));
    let italic = if c.count.shown() { "normal" } else { "italic" };
    if two_lines && fits(&c.name, size) {
        doc.text(
            "text",
            &[
                ("class", "buurtnaam"),
                ("x", &xs),
                ("y", &px(y - 0.15 * size)),
                ("font-size", &size_s),
                ("font-weight", "bold"),
            ],
            &c.name,
        )?;
        if fits(&value, size) {
            doc.text(
                "text",
                &[
                    ("class", "waarde"),
                    ("x", &xs),
                    ("y", &px(y + 1.05 * size)),
                    ("font-size", &size_s),
                    ("font-style", italic),
                ],
                &value,
            )?;
        }
    } else if h >= size * 1.3 && fits(&value, size) {
        doc.text(
            "text",
            &[
                ("class", "waarde"),
                ("x", &xs),
                ("y", &px(y + 0.35 * size)),
                ("font-size", &size_s),
                ("font-style", italic),
            ],
            &value,
        )?;
    }
    Ok(())
}

/// A scale bar of a round length about a quarter of the map's width.
fn scale_bar(doc: &mut Doc, frame: &Frame) -> Result<()> {
    let metres = nice_step(frame.dx / 4.0);
    let bar = metres * frame.scale;
    let y = MAP_Y + frame.map_h + 24.0;
    let label = if metres >= 1000.0 {
        format!(
            "{} km",
            number_nl(metres / 1000.0, if metres % 1000.0 == 0.0 { 0 } else { 1 })
        )
    } else {
        format!("{} m", number_nl(metres, 0))
    };
    doc.open("g", &[("id", "schaal")])?;
    doc.empty(
        "rect",
        &[
            ("x", &px(MAP_X)),
            ("y", &px(y - 6.0)),
            ("width", &px(bar)),
            ("height", "6"),
            ("fill", "#1a1a1a"),
        ],
    )?;
    doc.text(
        "text",
        &[
            ("x", &px(MAP_X + bar + 8.0)),
            ("y", &px(y)),
            ("font-size", "12"),
        ],
        &label,
    )?;
    doc.close("g")
}

/// The legend: the classes, what hatching means, what the map cannot show, and north.
fn legend_of(doc: &mut Doc, legend: &Legend) -> Result<()> {
    doc.open("g", &[("id", "legenda"), ("font-size", "13")])?;
    let y = legend_classes(doc, legend, MAP_Y + 8.0)?;
    let y = legend_hatching(doc, y)?;
    let y = legend_off_map(doc, legend, y)?;
    north(doc, y + 30.0)?;
    doc.close("g")
}

/// One square of colour with its label, at `y`.
fn swatch(doc: &mut Doc, y: f64, fill: &str, label: &str) -> Result<()> {
    doc.empty(
        "rect",
        &[
            ("x", &px(LEGEND_X)),
            ("y", &px(y - 12.0)),
            ("width", "22"),
            ("height", "15"),
            ("fill", fill),
            ("stroke", "#4d4d4d"),
            ("stroke-width", "0.8"),
        ],
    )?;
    doc.text("text", &[("x", &px(LEGEND_X + 30.0)), ("y", &px(y))], label)
}

/// The legend's title and a swatch per class (hatched and without a rate too), from `y`;
/// returns the `y` after them.
fn legend_classes(doc: &mut Doc, legend: &Legend, mut y: f64) -> Result<f64> {
    for line in wrap("Gemarkeerde adressen per 1.000 adressen", 24) {
        doc.text(
            "text",
            &[("x", &px(LEGEND_X)), ("y", &px(y)), ("font-weight", "bold")],
            &line,
        )?;
        y += 17.0;
    }
    y += 6.0;
    match legend.bounds {
        Some(b) => {
            for (i, colour) in CLASSES.iter().enumerate() {
                let from = if i == 0 { 0.0 } else { b[i - 1] };
                let decimals = if b[0] < 1.0 { 1 } else { 0 };
                let label = if i + 1 == CLASSES.len() {
                    format!("{} of meer", number_nl(from, decimals))
                } else {
                    format!(
                        "{} tot {}",
                        number_nl(from, decimals),
                        number_nl(b[i], decimals)
                    )
                };
                swatch(doc, y, colour, &label)?;
                y += 22.0;
            }
        }
        None => {
            doc.text(
                "text",
                &[("x", &px(LEGEND_X)), ("y", &px(y)), ("fill", GREY)],
                "Geen buurt met 10 of meer gemarkeerde adressen.",
            )?;
            y += 22.0;
        }
    }
    swatch(
        doc,
        y,
        &format!("url(#{HATCH})"),
        &format!("minder dan {MIN_CELL} gemarkeerd"),
    )?;
    y += 22.0;
    if legend.any_no_rate {
        swatch(doc, y, NO_RATE, "geen adressen in de BAG")?;
        y += 22.0;
    }
    Ok(y)
}

/// Why some buurten are hatched, from `y`; returns the `y` after it.
fn legend_hatching(doc: &mut Doc, mut y: f64) -> Result<f64> {
    y += 8.0;
    for line in wrap(
        &format!(
            "Gearceerd: minder dan {MIN_CELL} gemarkeerde adressen; het aantal wordt niet getoond, zodat geen huishouden herkenbaar is."
        ),
        40,
    ) {
        doc.text(
            "text",
            &[
                ("x", &px(LEGEND_X)),
                ("y", &px(y)),
                ("font-size", "11"),
                ("fill", GREY),
            ],
            &line,
        )?;
        y += 14.0;
    }
    Ok(y)
}

/// The buurten without a polygon and the flagged addresses without a buurt, from `y`;
/// returns the `y` after them.
fn legend_off_map(doc: &mut Doc, legend: &Legend, mut y: f64) -> Result<f64> {
    let off_map = &legend.off_map;
    if !off_map.is_empty() {
        y += 12.0;
        doc.text(
            "text",
            &[("x", &px(LEGEND_X)), ("y", &px(y)), ("font-weight", "bold")],
            "Niet op de kaart (geen grens in cbs_buurt):",
        )?;
        y += 16.0;
        for c in off_map.iter().take(7) {
            doc.text(
                "text",
                &[("x", &px(LEGEND_X)), ("y", &px(y)), ("font-size", "12")],
                &format!("{} ({}): {}", c.name, c.count.code, c.value_label()),
            )?;
            y += 16.0;
        }
        if off_map.len() > 7 {
            doc.text(
                "text",
                &[("x", &px(LEGEND_X)), ("y", &px(y)), ("font-size", "12")],
                &format!("en nog {} buurten", off_map.len() - 7),
            )?;
            y += 16.0;
        }
    }
    if legend.without_buurt > 0 {
        y += 12.0;
        let n = if legend.without_buurt >= MIN_CELL {
            count_nl(legend.without_buurt as u64)
        } else {
            format!("minder dan {MIN_CELL}")
        };
        doc.text(
            "text",
            &[("x", &px(LEGEND_X)), ("y", &px(y)), ("font-size", "12")],
            &format!("Gemarkeerde adressen zonder buurt: {n}"),
        )?;
        y += 16.0;
    }
    Ok(y)
}

/// The north arrow, its top at `ny`.
fn north(doc: &mut Doc, ny: f64) -> Result<()> {
    doc.open("g", &[("id", "noorden")])?;
    doc.empty(
        "path",
        &[
            (
                "d",
                &format!(
                    "M{} {}L{} {}L{} {}Z",
                    px(LEGEND_X + 11.0),
                    px(ny),
                    px(LEGEND_X + 3.0),
                    px(ny + 26.0),
                    px(LEGEND_X + 19.0),
                    px(ny + 26.0)
                ),
            ),
            ("fill", "#1a1a1a"),
        ],
    )?;
    doc.text(
        "text",
        &[
            ("x", &px(LEGEND_X + 28.0)),
            ("y", &px(ny + 22.0)),
            ("font-size", "15"),
            ("font-weight", "bold"),
        ],
        "N",
    )?;
    doc.text(
        "text",
        &[
            ("x", &px(LEGEND_X + 48.0)),
            ("y", &px(ny + 22.0)),
            ("font-size", "12"),
            ("fill", GREY),
        ],
        "noorden boven",
    )?;
    doc.close("g")
}

/// Source and date, and how many buurten the map shows.
fn footer(doc: &mut Doc, height: f64, run_id: &str, datum: &str, cells: &[Cell]) -> Result<()> {
    let foot = height - 42.0;
    doc.text(
        "text",
        &[("x", "20"), ("y", &px(foot)), ("font-size", "12"), ("fill", GREY)],
        &format!(
            "Bron: loep, scan {run_id} van {datum}; buurtgrenzen: CBS-wijk- en buurtkaart; adressen: BAG. Coördinaten: RD (EPSG:28992)."
        ),
    )?;
    doc.text(
        "text",
        &[
            ("x", "20"),
            ("y", &px(foot + 18.0)),
            ("font-size", "12"),
            ("fill", GREY),
        ],
        // No exact total: with the shown buurten's counts it would give away the sum of the
        // hatched ones (a single hatched buurt's count, 1 to 9, by subtraction).
        &format!(
            "{} buurten, waarvan {} met minstens {MIN_CELL} gemarkeerde adressen. Alleen aantallen, geen personen.",
            count_nl(cells.len() as u64),
            count_nl(cells.iter().filter(|c| c.count.shown()).count() as u64)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::{Address, Addresses, Buurt};
    use loep_store::scan::{AddressProfile, ScanRun};

    fn square(x: f64, y: f64) -> String {
        format!(
            "POLYGON(({x} {y},{} {y},{} {},{x} {},{x} {y}))",
            x + 1000.0,
            x + 1000.0,
            y + 1000.0,
            y + 1000.0
        )
    }

    /// Two buurten: `A & B <x>` (north, 3 flagged of 100) and `Zuid` (south, 12 of 400).
    fn listing() -> Listing {
        let mut a = Addresses::default();
        for (code, name, wkt, total) in [
            ("BU03920101", "A & B <x>", square(100_000.0, 481_000.0), 100),
            (
                "BU03920102",
                "Zuid \"oud\"",
                square(100_000.0, 480_000.0),
                400,
            ),
        ] {
            a.buurten.insert(
                code.into(),
                Buurt {
                    buurtcode: code.into(),
                    buurtnaam: name.into(),
                    wijkcode: None,
                    wijknaam: None,
                    geometrie_wkt: Some(wkt),
                },
            );
            a.objecten_per_buurt.insert(code.into(), total);
        }
        let mut profiles = Vec::new();
        for (i, code) in std::iter::repeat_n("BU03920101", 3)
            .chain(std::iter::repeat_n("BU03920102", 12))
            .enumerate()
        {
            let vbo = format!("03920100000{i:05}");
            a.objecten.insert(
                vbo.clone(),
                Address {
                    adres: format!("Straat {i}"),
                    openbare_ruimte: "Straat".into(),
                    huisnummer: Some(i as i64),
                    huisletter: None,
                    huisnummertoevoeging: None,
                    postcode: None,
                    woonplaats: None,
                    buurtcode: Some(code.into()),
                    rd_x: None,
                    rd_y: None,
                },
            );
            profiles.push(AddressProfile {
                run_id: "S0001-test".into(),
                rang: i as i64 + 1,
                vbo_id: loep_contract::BagId::vbo(&vbo).unwrap(),
                buurtcode: Some(code.into()),
                themas: vec![loep_contract::Thema::Overbewoning],
                partners: vec![loep_contract::Partner::Gemeente],
                verwonderadres: false,
                signalen: 1,
                sterkte: 1.0,
            });
        }
        Listing {
            run: ScanRun {
                run_id: "S0001-test".into(),
                tijdstip: "2026-06-15T10:00:00Z".into(),
                indicatoren: "{}".into(),
                bronnen: "{}".into(),
                signalen: 15,
                adressen: 15,
            },
            signals: Vec::new(),
            profiles,
            addresses: a,
            team: loep_contract::Partner::ALL.to_vec(),
        }
    }

    fn texts(doc: &roxmltree::Document) -> Vec<String> {
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn buurten_are_polygons_north_up_with_small_cells_hatched() {
        let svg = map_svg(&listing()).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        // The hatch is defined and used by the suppressed buurt only.
        assert!(
            doc.descendants()
                .any(|n| n.has_tag_name("pattern") && n.attribute("id") == Some(HATCH))
        );
        let paths: Vec<_> = doc
            .descendants()
            .filter(|n| {
                n.attribute("class")
                    .is_some_and(|c| c.starts_with("buurt "))
            })
            .collect();
        assert_eq!(paths.len(), 2);
        let title = |n: &roxmltree::Node| {
            n.children()
                .find(|c| c.has_tag_name("title"))
                .and_then(|t| t.text())
                .unwrap_or_default()
                .to_string()
        };
        let north = paths
            .iter()
            .find(|p| title(p).starts_with("A & B <x>"))
            .unwrap();
        let south = paths
            .iter()
            .find(|p| title(p).starts_with("Zuid \"oud\""))
            .unwrap();
        assert_eq!(north.attribute("fill"), Some("url(#arcering)"));
        assert_eq!(north.attribute("class"), Some("buurt onderdrukt"));
        assert!(title(north).contains("minder dan 10"), "{}", title(north));
        assert_ne!(south.attribute("fill"), Some("url(#arcering)"));
        assert!(CLASSES.contains(&south.attribute("fill").unwrap()));
        // 12 of 400: 30 per 1,000, in the class from 30 to 40 (steps of 10 reach it).
        assert!(title(south).contains("30,0 per 1.000 adressen (12 gemarkeerd van 400)"));
        assert_eq!(south.attribute("fill"), Some(CLASSES[3]));
        assert!(texts(&doc).iter().any(|s| s == "30 tot 40"));
        // North up: the northern buurt is drawn above the southern one.
        let top = |p: &roxmltree::Node| {
            p.attribute("d")
                .unwrap()
                .split(['M', 'L', 'Z'])
                .filter(|s| !s.is_empty())
                .map(|xy| xy.split(' ').nth(1).unwrap().parse::<f64>().unwrap())
                .fold(f64::INFINITY, f64::min)
        };
        assert!(top(north) < top(south), "y is not flipped");
        // Labels: the names as text, escaped in the file, and no number for the small cell.
        let t = texts(&doc);
        assert!(t.iter().any(|s| s == "A & B <x>"), "{t:?}");
        assert!(t.iter().any(|s| s == "minder dan 10"), "{t:?}");
        assert!(t.iter().any(|s| s == "30,0 per 1.000"), "{t:?}");
        assert!(!t.iter().any(|s| s.contains("3 per") || s == "3"), "{t:?}");
        assert!(svg.contains("A &amp; B &lt;x&gt;"));
        // Title, legend, source and date.
        assert!(
            t.iter()
                .any(|s| s == "Signalen per 1.000 adressen, per buurt")
        );
        assert!(t.iter().any(|s| s == "minder dan 10 gemarkeerd"), "{t:?}");
        assert!(
            t.iter()
                .any(|s| s.starts_with("Bron: loep, scan S0001-test van 15 juni 2026"))
        );
        assert!(t.iter().any(|s| s == "N"));
    }

    #[test]
    fn a_map_without_polygons_still_says_what_it_is() {
        let mut l = listing();
        for b in l.addresses.buurten.values_mut() {
            b.geometrie_wkt = None;
        }
        let svg = map_svg(&l).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let t = texts(&doc);
        assert!(
            t.iter().any(|s| s.starts_with("Geen buurtgrenzen")),
            "{t:?}"
        );
        assert!(
            t.iter()
                .any(|s| s == "Zuid \"oud\" (BU03920102): 30,0 per 1.000"),
            "{t:?}"
        );
        assert!(
            t.iter()
                .any(|s| s == "A & B <x> (BU03920101): minder dan 10"),
            "{t:?}"
        );
    }

    #[test]
    fn classes_reach_the_highest_rate() {
        let b = class_bounds(&[3.0, 12.5, 31.0]).unwrap();
        assert_eq!(b, [10.0, 20.0, 30.0, 40.0, 50.0]);
        assert_eq!(class_of(&b, 0.5), 0);
        assert_eq!(class_of(&b, 31.0), 3);
        assert_eq!(class_of(&b, 50.0), 4);
        assert!(class_bounds(&[]).is_none());
        let (a, c) = area_centroid(&vec![
            [0.0, 0.0],
            [2.0, 0.0],
            [2.0, 2.0],
            [0.0, 2.0],
            [0.0, 0.0],
        ]);
        assert_eq!((a, c), (4.0, [1.0, 1.0]));
    }
}
