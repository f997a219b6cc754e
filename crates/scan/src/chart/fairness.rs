//! The fairness chart (`loep fairness --out`): the disparity ratio of every group per
//! dimension (buurt, age band, sex) as bars against a reference line at 1, groups below
//! [`MIN_GROUP`] residents shown as "te klein"; and a reading guide in Dutch that says what a
//! ratio means, that it proves no bias, and what to do about a high one.

use anyhow::Result;
use loep_store::scan::ScanRun;
use std::collections::BTreeMap;

use super::{Doc, GREY, count_nl, date_nl, heading, number_nl, px, ratio_nl, svg_start};
use crate::fairness::{Fairness, Group, MIN_GROUP, Onderdrukt};

/// The dimensions in the order the chart shows them, with their headings.
const DIMENSIONS: [(&str, &str); 3] = [
    ("buurt", "Per buurt"),
    ("leeftijd", "Per leeftijdsgroep"),
    ("geslacht", "Per geslacht"),
];

/// A bar above 1, and one at or below.
const ABOVE: &str = "#d95f02";
const BELOW: &str = "#7a9cc6";

const WIDTH: f64 = 1000.0;
const LABEL_END: f64 = 300.0;
const BAR_X: f64 = 312.0;
const BAR_W: f64 = 500.0;
const ROW: f64 = 24.0;

/// A group's name for readers: `Oude Stad (BU03920101)`, `18–29 jaar`, `vrouw`.
pub fn group_label(dimensie: &str, groep: &str, buurtnamen: &BTreeMap<String, String>) -> String {
    match (dimensie, groep) {
        ("buurt", "onbekend") => "buurt onbekend".into(),
        ("buurt", code) => match buurtnamen.get(code) {
            Some(n) => format!("{n} ({code})"),
            None => code.to_string(),
        },
        ("leeftijd", "onbekend") => "leeftijd onbekend".into(),
        ("leeftijd", band) => match band.strip_suffix('+') {
            Some(from) => format!("{from} jaar en ouder"),
            None => format!("{} jaar", band.replace('-', "–")),
        },
        ("geslacht", "M") => "man".into(),
        ("geslacht", "V") => "vrouw".into(),
        ("geslacht", "O") => "onbekend (O in de BRP)".into(),
        ("geslacht", "onbekend") => "niet geregistreerd".into(),
        (_, g) => g.to_string(),
    }
}

/// Why a group has no ratio.
fn no_ratio(f: &Fairness, g: &Group) -> String {
    if g.bewoners < MIN_GROUP {
        format!("te klein: minder dan {MIN_GROUP} bewoners")
    } else if g.onderdrukt == Some(Onderdrukt::WeinigGemarkeerd) {
        format!("te klein: minder dan {MIN_GROUP} gemarkeerd")
    } else if g.onderdrukt == Some(Onderdrukt::Aanvullend) {
        "weggelaten: anders volgt een klein aantal uit het totaal".into()
    } else if f.bewoners_gemarkeerd == 0 {
        "niet te berekenen: niemand gemarkeerd".into()
    } else {
        "niet berekend".into()
    }
}

/// The number of residents, or "minder dan 10" for a group too small to show.
fn residents(g: &Group) -> String {
    if g.bewoners < MIN_GROUP {
        format!("minder dan {MIN_GROUP}")
    } else {
        count_nl(g.bewoners)
    }
}

fn groups<'a>(f: &'a Fairness, dim: &str) -> Vec<&'a Group> {
    f.groepen.iter().filter(|g| g.dimensie == dim).collect()
}

/// A line of the chart.
enum Row<'a> {
    Heading(&'a str),
    Group(&'a str, &'a Group),
}

/// The right end of the scale: at least 2, a whole or half number past the highest ratio.
fn scale_max(f: &Fairness) -> f64 {
    let max = f
        .groepen
        .iter()
        .filter_map(|g| g.dispariteit)
        .fold(0.0, f64::max);
    ((max * 2.0).ceil() / 2.0).max(2.0)
}

/// The chart's horizontal scale: its right end and the step of its grid.
struct Scale {
    max: f64,
    tick: f64,
}

impl Scale {
    fn of(f: &Fairness) -> Scale {
        let max = scale_max(f);
        Scale {
            max,
            tick: if max <= 4.0 { 0.5 } else { 1.0 },
        }
    }

    /// The x of a ratio; a ratio past the end stands at the end.
    fn x(&self, r: f64) -> f64 {
        BAR_X + r.min(self.max) / self.max * BAR_W
    }
}

/// Where the chart's lines go: a heading per dimension, a row per group.
struct Layout<'a> {
    rows: Vec<(f64, Row<'a>)>,
    top: f64,
    bottom: f64,
}

impl Layout<'_> {
    fn of(f: &Fairness) -> Layout<'_> {
        let chart_top = 176.0;
        let mut y = chart_top + 10.0;
        let mut rows: Vec<(f64, Row)> = Vec::new();
        for (dim, heading) in DIMENSIONS {
            let gs = groups(f, dim);
            if gs.is_empty() {
                continue;
            }
            y += 26.0;
            rows.push((y, Row::Heading(heading)));
            for g in gs {
                y += ROW;
                rows.push((y, Row::Group(dim, g)));
            }
            y += 8.0;
        }
        Layout {
            rows,
            top: chart_top,
            bottom: y + 10.0,
        }
    }
}

/// A bar's value label, drawn after the reference line: (x, y, text).
type ValueLabel = (f64, f64, String);

/// The chart as an SVG document; `buurtnamen` maps buurt codes to names.
pub fn fairness_svg(
    f: &Fairness,
    run: &ScanRun,
    buurtnamen: &BTreeMap<String, String>,
) -> Result<String> {
    let datum = date_nl(&run.tijdstip);
    let scale = Scale::of(f);
    let layout = Layout::of(f);
    let height = layout.bottom + 128.0;

    let titel = "Wie wordt gemarkeerd? Dispariteit per groep";
    let beschrijving = format!(
        "Staafdiagram van scan {} van {datum}: per buurt, leeftijdsgroep en geslacht het aandeel onder de bewoners van gemarkeerde adressen gedeeld door het aandeel in de bevolking. 1 is naar verhouding. Groepen met minder dan {MIN_GROUP} bewoners of gemarkeerden zijn te klein om te tonen.",
        run.run_id
    );
    let mut doc = Doc::new();
    svg_start(&mut doc, WIDTH, height, titel, &beschrijving)?;
    heading(&mut doc, titel)?;
    introduction(&mut doc, f, &run.run_id, &datum)?;
    legend(&mut doc)?;
    grid(&mut doc, &scale, &layout)?;
    // Rows; the values go on top of the reference line, drawn after it.
    let mut values: Vec<ValueLabel> = Vec::new();
    for (y, row) in &layout.rows {
        match row {
            Row::Heading(heading) => {
                doc.text(
                    "text",
                    &[
                        ("x", "20"),
                        ("y", &px(*y)),
                        ("font-size", "15"),
                        ("font-weight", "bold"),
                    ],
                    heading,
                )?;
            }
            Row::Group(dim, g) => {
                let bar = Bar {
                    f,
                    dim,
                    g,
                    y: *y,
                    scale: &scale,
                    buurtnamen,
                };
                values.extend(group_row(&mut doc, &bar)?);
            }
        }
    }
    reference_line(&mut doc, &scale, &layout, &values)?;
    footer(&mut doc, &run.run_id, &datum, layout.bottom)?;
    doc.close("svg")?;
    doc.finish()
}

/// The lines under the title: how many residents were flagged, and what a ratio is.
fn introduction(doc: &mut Doc, f: &Fairness, run_id: &str, datum: &str) -> Result<()> {
    let share = if f.bewoners > 0 {
        100.0 * f.bewoners_gemarkeerd as f64 / f.bewoners as f64
    } else {
        0.0
    };
    for (i, line) in [
        format!(
            "Scan {run_id} van {datum}: {} van de {} bewoners ({}%) wonen op een adres met een signaal.",
            count_nl(f.bewoners_gemarkeerd),
            count_nl(f.bewoners),
            number_nl(share, 1)
        ),
        "Dispariteit = aandeel van de groep onder de gemarkeerde bewoners ÷ aandeel van de groep in de bevolking.".to_string(),
        "1 = naar verhouding; 2 = twee keer zoveel gemarkeerd als het aandeel in de bevolking doet verwachten.".to_string(),
    ]
    .iter()
    .enumerate()
    {
        doc.text(
            "text",
            &[("x", "20"), ("y", &px(58.0 + 18.0 * i as f64)), ("font-size", "13"), ("fill", GREY)],
            line,
        )?;
    }
    Ok(())
}

/// What the two colours of the bars mean.
fn legend(doc: &mut Doc) -> Result<()> {
    let ly = 122.0;
    for (x, colour, label) in [
        (
            20.0,
            ABOVE,
            "boven 1: vaker gemarkeerd dan het aandeel doet verwachten",
        ),
        (470.0, BELOW, "1 of lager: niet vaker"),
    ] {
        doc.empty(
            "rect",
            &[
                ("x", &px(x)),
                ("y", &px(ly - 11.0)),
                ("width", "18"),
                ("height", "13"),
                ("fill", colour),
            ],
        )?;
        doc.text(
            "text",
            &[("x", &px(x + 25.0)), ("y", &px(ly)), ("font-size", "12")],
            label,
        )?;
    }
    Ok(())
}

/// The grid's lines with the scale above and below the chart.
fn grid(doc: &mut Doc, scale: &Scale, layout: &Layout) -> Result<()> {
    doc.open(
        "g",
        &[
            ("id", "schaal"),
            ("font-size", "11"),
            ("fill", GREY),
            ("text-anchor", "middle"),
        ],
    )?;
    let mut r = 0.0;
    while r <= scale.max + 1e-9 {
        let x = px(scale.x(r));
        doc.empty(
            "line",
            &[
                ("x1", &x),
                ("y1", &px(layout.top)),
                ("x2", &x),
                ("y2", &px(layout.bottom)),
                ("stroke", "#e0e0e0"),
                ("stroke-width", "1"),
            ],
        )?;
        doc.text(
            "text",
            &[("x", &x), ("y", &px(layout.top - 4.0))],
            &ratio_nl(r),
        )?;
        doc.text(
            "text",
            &[("x", &x), ("y", &px(layout.bottom + 14.0))],
            &ratio_nl(r),
        )?;
        r += scale.tick;
    }
    doc.close("g")
}

/// One group's line of the chart.
struct Bar<'a> {
    f: &'a Fairness,
    dim: &'a str,
    g: &'a Group,
    /// The line's baseline.
    y: f64,
    scale: &'a Scale,
    buurtnamen: &'a BTreeMap<String, String>,
}

/// A group's name, its bar (or why it has none) and its residents; returns the bar's value
/// label, which is drawn later.
fn group_row(doc: &mut Doc, bar: &Bar) -> Result<Option<ValueLabel>> {
    let Bar {
        f,
        dim,
        g,
        y,
        scale,
        buurtnamen,
    } = *bar;
    let mut value = None;
    doc.open("g", &[("class", "groep")])?;
    doc.text(
        "text",
        &[
            ("x", &px(LABEL_END)),
            ("y", &px(y)),
            ("font-size", "12"),
            ("text-anchor", "end"),
        ],
        &group_label(dim, &g.groep, buurtnamen),
    )?;
    match g.dispariteit {
        Some(d) => {
            let w = (scale.x(d) - BAR_X).max(1.0);
            doc.open(
                "rect",
                &[
                    ("class", "staaf"),
                    ("x", &px(BAR_X)),
                    ("y", &px(y - 12.0)),
                    ("width", &px(w)),
                    ("height", "15"),
                    ("fill", if d > 1.0 { ABOVE } else { BELOW }),
                ],
            )?;
            doc.text(
                "title",
                &[],
                &format!(
                    "{}: dispariteit {} ({} bewoners)",
                    group_label(dim, &g.groep, buurtnamen),
                    ratio_nl(d),
                    count_nl(g.bewoners)
                ),
            )?;
            doc.close("rect")?;
            let label = if d > scale.max {
                format!("{} →", ratio_nl(d))
            } else {
                ratio_nl(d)
            };
            value = Some((BAR_X + w + 6.0, y, label));
        }
        None => {
            doc.text(
                "text",
                &[
                    ("class", "te-klein"),
                    ("x", &px(BAR_X + 6.0)),
                    ("y", &px(y)),
                    ("font-size", "12"),
                    ("font-style", "italic"),
                    ("fill", GREY),
                ],
                &no_ratio(f, g),
            )?;
        }
    }
    doc.text(
        "text",
        &[
            ("x", &px(WIDTH - 20.0)),
            ("y", &px(y)),
            ("font-size", "11"),
            ("fill", GREY),
            ("text-anchor", "end"),
        ],
        &format!("{} bewoners", residents(g)),
    )?;
    doc.close("g")?;
    Ok(value)
}

/// The reference line at 1, over the bars and under their values, then the values.
fn reference_line(
    doc: &mut Doc,
    scale: &Scale,
    layout: &Layout,
    values: &[ValueLabel],
) -> Result<()> {
    let x1 = px(scale.x(1.0));
    doc.empty(
        "line",
        &[
            ("id", "referentie"),
            ("x1", &x1),
            ("y1", &px(layout.top + 2.0)),
            ("x2", &x1),
            ("y2", &px(layout.bottom)),
            ("stroke", "#1a1a1a"),
            ("stroke-width", "1.5"),
            ("stroke-dasharray", "5 3"),
        ],
    )?;
    doc.open(
        "g",
        &[
            ("font-size", "12"),
            ("font-weight", "bold"),
            ("stroke", "#ffffff"),
            ("stroke-width", "3"),
            ("stroke-linejoin", "round"),
            ("paint-order", "stroke"),
        ],
    )?;
    for (x, y, label) in values {
        doc.text(
            "text",
            &[("class", "waarde"), ("x", &px(*x)), ("y", &px(*y))],
            label,
        )?;
    }
    doc.close("g")?;
    doc.text(
        "text",
        &[
            ("x", &px(scale.x(1.0) + 5.0)),
            ("y", &px(layout.top - 20.0)),
            ("font-size", "11"),
        ],
        "1 = naar verhouding",
    )
}

/// Source, what the measurement reads, and how to read a ratio above 1.
fn footer(doc: &mut Doc, run_id: &str, datum: &str, chart_bottom: f64) -> Result<()> {
    let foot = chart_bottom + 42.0;
    for (i, line) in [
        format!(
            "Bron: loep, scan {run_id} van {datum}; bewoners: BRP (ingezetenen); buurt: BAG."
        ),
        "Geslacht, leeftijd en buurt leest alleen deze meting; geen indicator gebruikt ze.".to_string(),
        format!(
            "Groepen met minder dan {MIN_GROUP} bewoners of gemarkeerden zijn te klein: hun verhouding wordt niet getoond."
        ),
        "Een dispariteit boven 1 is geen bewijs van vooroordeel, maar een reden om uit te zoeken waarom: lees de leeswijzer (eerlijkheid.html).".to_string(),
    ]
    .iter()
    .enumerate()
    {
        doc.text(
            "text",
            &[("x", "20"), ("y", &px(foot + 17.0 * i as f64)), ("font-size", "12"), ("fill", GREY)],
            line,
        )?;
    }
    Ok(())
}

/// The group with the highest ratio: the reading guide's example.
fn highest(f: &Fairness) -> Option<&Group> {
    f.groepen
        .iter()
        .filter(|g| g.dispariteit.is_some())
        .max_by(|a, b| {
            a.dispariteit
                .unwrap_or(0.0)
                .total_cmp(&b.dispariteit.unwrap_or(0.0))
        })
}

const STYLE: &str = "body{font-family:'DejaVu Sans','Liberation Sans',Arial,Helvetica,sans-serif;color:#1a1a1a;background:#fff;margin:0;line-height:1.5}\
main{max-width:1040px;margin:0 auto;padding:24px}\
h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin-top:2rem}\
.bron{color:#595959;margin-top:0}\
.voorbeeld{border-left:4px solid #d95f02;background:#fdf3ea;padding:.6rem 1rem}\
figure{margin:1.5rem 0;overflow-x:auto}figure svg{max-width:100%;height:auto}figcaption{color:#595959;font-size:.9rem}\
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.95rem}\
th,td{border-bottom:1px solid #d0d0d0;padding:.3rem .7rem;text-align:left}\
td.getal,th.getal{text-align:right;font-variant-numeric:tabular-nums}\
.boven{color:#a6410b;font-weight:bold}.klein{color:#595959;font-style:italic}";

/// The reading guide as an HTML page, with the chart `svg` (from [`fairness_svg`]) in it.
pub fn fairness_guide_html(
    f: &Fairness,
    run: &ScanRun,
    buurtnamen: &BTreeMap<String, String>,
    svg: &str,
) -> Result<String> {
    let datum = date_nl(&run.tijdstip);
    let mut d = Doc::new();
    d.doctype_html()?;
    d.open("html", &[("lang", "nl")])?;
    guide_head(&mut d, &run.run_id)?;
    d.open("body", &[])?;
    d.open("main", &[])?;
    d.text(
        "h1",
        &[],
        "Wie wordt gemarkeerd? Leeswijzer bij de eerlijkheidsmeting",
    )?;
    d.text(
        "p",
        &[("class", "bron")],
        &format!("Scan {} van {datum}. Gemaakt met loep.", run.run_id),
    )?;
    let share = if f.bewoners > 0 {
        100.0 * f.bewoners_gemarkeerd as f64 / f.bewoners as f64
    } else {
        0.0
    };
    d.text(
        "p",
        &[],
        &format!(
            "Van de {} bewoners in het gebied (ingezetenen in de BRP) wonen er {} ({}%) op een adres met ten minste één signaal. Deze meting vergelijkt per buurt, leeftijdsgroep en geslacht wie er gemarkeerd wordt met wie er woont.",
            count_nl(f.bewoners),
            count_nl(f.bewoners_gemarkeerd),
            number_nl(share, 1)
        ),
    )?;
    d.open("figure", &[])?;
    d.markup(svg.trim_end())?;
    d.text(
        "figcaption",
        &[],
        "De dispariteit per groep. De stippellijn staat bij 1: daar wordt een groep precies zo vaak gemarkeerd als haar aandeel in de bevolking doet verwachten.",
    )?;
    d.close("figure")?;

    how_to_read(&mut d, f, buurtnamen)?;
    limits_and_next_steps(&mut d)?;
    d.text("h2", &[], "Alle groepen")?;
    for (dim, heading) in DIMENSIONS {
        group_table(&mut d, f, dim, heading, buurtnamen)?;
    }
    d.text(
        "p",
        &[("class", "bron")],
        &format!(
            "Bewoners: ingezetenen in de BRP met een adres in het gebied. Gemarkeerd: wonend op een adres met ten minste één signaal van scan {}. Buurt: de buurt van het adres in de BAG. Leeftijd: in jaren, berekend uit het geboortejaar.",
            run.run_id
        ),
    )?;
    d.close("main")?;
    d.close("body")?;
    d.close("html")?;
    d.finish()
}

/// The page's head: its title and style.
fn guide_head(d: &mut Doc, run_id: &str) -> Result<()> {
    d.open("head", &[])?;
    d.empty("meta", &[("charset", "utf-8")])?;
    d.empty(
        "meta",
        &[
            ("name", "viewport"),
            ("content", "width=device-width, initial-scale=1"),
        ],
    )?;
    d.text(
        "title",
        &[],
        &format!("Eerlijkheid van scan {run_id}: leeswijzer"),
    )?;
    // CSS is raw text in HTML: entities are not decoded there, so the constant goes as it is.
    d.open("style", &[])?;
    d.markup(STYLE)?;
    d.close("style")?;
    d.close("head")
}

/// What a ratio means, with this scan's highest as the example.
fn how_to_read(d: &mut Doc, f: &Fairness, buurtnamen: &BTreeMap<String, String>) -> Result<()> {
    d.text("h2", &[], "Zo leest u de figuur")?;
    d.text(
        "p",
        &[],
        "De dispariteit deelt twee aandelen door elkaar: het aandeel van een groep onder de bewoners van gemarkeerde adressen, en het aandeel van die groep in de hele bevolking van het gebied.",
    )?;
    let example = match highest(f) {
        Some(g) => {
            let r = g.dispariteit.unwrap_or(1.0);
            format!(
                "Voorbeeld uit deze scan: {} ({}) heeft een dispariteit van {}. In deze groep worden {} keer zoveel bewoners gemarkeerd als hun aandeel in de bevolking doet verwachten: de groep is {}% van de bevolking en {}% van de gemarkeerde bewoners.",
                group_label(&g.dimensie, &g.groep, buurtnamen),
                match g.dimensie.as_str() {
                    "buurt" => "buurt",
                    "leeftijd" => "leeftijdsgroep",
                    "geslacht" => "geslacht",
                    other => other,
                },
                ratio_nl(r),
                ratio_nl(r),
                number_nl(100.0 * g.aandeel_bevolking, 1),
                number_nl(100.0 * g.aandeel_gemarkeerd, 1),
            )
        }
        None => "Voorbeeld: een dispariteit van 2,6 voor de leeftijdsgroep 18–29 jaar betekent dat in deze groep 2,6 keer zoveel bewoners worden gemarkeerd als hun aandeel in de bevolking doet verwachten. In deze scan kon geen enkele dispariteit worden berekend.".to_string(),
    };
    d.text("p", &[("class", "voorbeeld")], &example)?;
    d.open("ul", &[])?;
    for item in [
        "1: de groep wordt naar verhouding gemarkeerd, niet vaker en niet minder vaak dan haar aandeel in de bevolking.".to_string(),
        "Boven 1 (oranje): de groep wordt vaker gemarkeerd dan haar aandeel doet verwachten; 2 betekent twee keer zo vaak.".to_string(),
        "Onder 1 (blauw): de groep wordt minder vaak gemarkeerd; 0,5 betekent half zo vaak.".to_string(),
        format!("Te klein: de groep telt minder dan {MIN_GROUP} bewoners, of er zijn minder dan {MIN_GROUP} van haar bewoners gemarkeerd. Zo weinig mensen geven een toevallige verhouding, en een klein aantal zou personen herkenbaar kunnen maken; de verhouding en het aandeel gemarkeerd worden daarom niet getoond."),
        "Weggelaten: als in een indeling maar één groep te klein is, volgt haar aantal uit het totaal min de andere groepen. Daarom wordt dan ook de groep met het kleinste aantal gemarkeerden weggelaten.".to_string(),
    ] {
        d.text("li", &[], &item)?;
    }
    d.close("ul")
}

/// What a ratio does not say, and what to do about a high one.
fn limits_and_next_steps(d: &mut Doc) -> Result<()> {
    d.text("h2", &[], "Wat het niet zegt")?;
    d.text(
        "p",
        &[],
        "Een hoge dispariteit is geen bewijs van vooroordeel of discriminatie. Groepen verschillen in hoe en waar ze wonen: jongeren wonen vaker met velen in kleine woningen, ouderen vaker alleen. Een indicator die terecht overbewoning zoekt, markeert dan vaker jongeren. Geen indicator leest geslacht, leeftijd of buurt; die gegevens worden alleen voor deze meting gebruikt.",
    )?;
    d.text(
        "p",
        &[],
        "Het omgekeerde geldt ook: een dispariteit dicht bij 1 bewijst niet dat alles eerlijk is. Een indicator kan via een ander gegeven (zoals woninggrootte of inkomen) toch vooral één groep raken. Daarom wordt deze meting voor en tijdens het gebruik herhaald.",
    )?;

    d.text("h2", &[], "Wat u doet bij een hoge dispariteit")?;
    d.open("ol", &[])?;
    for item in [
        "Zoek uit welke indicatoren de groep markeren. Open de signalen per thema (signalen.xlsx, een blad per thema) of de kaart, en lees bij de signalen van deze groep de uitleg: welke feiten, tegen welke drempels.",
        "Bespreek de uitkomst met de functionaris gegevensbescherming (fg): is het verschil te verklaren uit het doel van de indicator, of raakt de indicator een groep die hij niet bedoelt?",
        "Overweeg de indicator aan te passen: een andere drempel, of een uitzondering voor een eerlijke situatie die erop lijkt. Een aangepaste indicator krijgt een nieuwe versie in de gepubliceerde catalogus; meet daarna opnieuw.",
        "Leg het besluit vast, ook als u niets verandert: wat u zag, met wie u het besprak, wat u besloot en waarom (bijvoorbeeld in de DPIA of het projectdossier).",
    ] {
        d.text("li", &[], item)?;
    }
    d.close("ol")
}

/// The table of every group of dimension `dim`, under `heading`; nothing when it has none.
fn group_table(
    d: &mut Doc,
    f: &Fairness,
    dim: &str,
    heading: &str,
    buurtnamen: &BTreeMap<String, String>,
) -> Result<()> {
    let gs = groups(f, dim);
    if gs.is_empty() {
        return Ok(());
    }
    d.text("h3", &[], heading)?;
    d.open("table", &[])?;
    d.open("thead", &[])?;
    d.open("tr", &[])?;
    for (h, num) in [
        ("Groep", false),
        ("Bewoners", true),
        ("Aandeel in de bevolking", true),
        ("Aandeel onder gemarkeerden", true),
        ("Dispariteit", true),
    ] {
        if num {
            d.text("th", &[("scope", "col"), ("class", "getal")], h)?;
        } else {
            d.text("th", &[("scope", "col")], h)?;
        }
    }
    d.close("tr")?;
    d.close("thead")?;
    d.open("tbody", &[])?;
    for g in gs {
        d.open("tr", &[])?;
        d.text("td", &[], &group_label(dim, &g.groep, buurtnamen))?;
        d.text("td", &[("class", "getal")], &residents(g))?;
        let pct = |x: f64, hidden: bool| {
            if hidden {
                "–".to_string()
            } else {
                format!("{}%", number_nl(100.0 * x, 1))
            }
        };
        let few = g.bewoners < MIN_GROUP;
        d.text("td", &[("class", "getal")], &pct(g.aandeel_bevolking, few))?;
        d.text(
            "td",
            &[("class", "getal")],
            &pct(g.aandeel_gemarkeerd, g.onderdrukt.is_some()),
        )?;
        match g.dispariteit {
            Some(r) => d.text(
                "td",
                &[("class", if r > 1.0 { "getal boven" } else { "getal" })],
                &ratio_nl(r),
            )?,
            None => d.text("td", &[("class", "getal klein")], &no_ratio(f, g))?,
        }
        d.close("tr")?;
    }
    d.close("tbody")?;
    d.close("table")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(dim: &str, g: &str, n: u64, flagged: u64, ratio: Option<f64>) -> Group {
        Group {
            dimensie: dim.into(),
            groep: g.into(),
            bewoners: n,
            bewoners_gemarkeerd: flagged,
            aandeel_bevolking: n as f64 / 1000.0,
            aandeel_gemarkeerd: flagged as f64 / 100.0,
            dispariteit: ratio,
            adressen: None,
            adressen_gemarkeerd: None,
            onderdrukt: (n < MIN_GROUP).then_some(Onderdrukt::WeinigBewoners),
        }
    }

    fn fairness() -> Fairness {
        Fairness {
            run_id: "S0001-test".into(),
            bewoners: 1000,
            bewoners_gemarkeerd: 100,
            groepen: vec![
                group("buurt", "BU03920101", 600, 70, Some(1.17)),
                group("buurt", "BU03920102", 396, 30, Some(0.76)),
                group("buurt", "onbekend", 4, 0, None),
                group("geslacht", "M", 500, 50, Some(1.0)),
                group("geslacht", "V", 500, 50, Some(1.0)),
                Group {
                    onderdrukt: Some(Onderdrukt::WeinigGemarkeerd),
                    ..group("geslacht", "O", 30, 3, None)
                },
                group("leeftijd", "18-29", 200, 52, Some(2.6)),
                group("leeftijd", "65+", 800, 48, Some(0.6)),
            ],
        }
    }

    fn run() -> ScanRun {
        ScanRun {
            run_id: "S0001-test".into(),
            tijdstip: "2026-06-15T10:00:00Z".into(),
            indicatoren: "{}".into(),
            bronnen: "{}".into(),
            signalen: 100,
            adressen: 60,
        }
    }

    fn names() -> BTreeMap<String, String> {
        BTreeMap::from([("BU03920101".to_string(), "A & B <x>".to_string())])
    }

    #[test]
    fn bars_a_reference_line_and_small_groups() {
        let svg = fairness_svg(&fairness(), &run(), &names()).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        let bars: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("staaf"))
            .collect();
        assert_eq!(bars.len(), 6, "one bar per group with a ratio");
        let width = |needle: &str| {
            bars.iter()
                .find(|b| {
                    b.children()
                        .any(|c| c.text().is_some_and(|t| t.starts_with(needle)))
                })
                .and_then(|b| b.attribute("width"))
                .and_then(|w| w.parse::<f64>().ok())
                .unwrap_or_else(|| panic!("no bar for {needle}"))
        };
        // 2.6 against 1.0: the bar is 2.6 times as long, on a scale to 3.
        assert!((width("18–29 jaar") / width("man") - 2.6).abs() < 0.01);
        let texts: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        assert!(texts.contains(&"2,6"), "{texts:?}");
        assert!(texts.contains(&"A & B <x> (BU03920101)"), "{texts:?}");
        assert!(
            texts.contains(&"te klein: minder dan 10 bewoners"),
            "{texts:?}"
        );
        assert!(texts.contains(&"1 = naar verhouding"));
        assert!(texts.contains(&"Per leeftijdsgroep"));
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("Bron: loep, scan S0001-test van 15 juni 2026"))
        );
        assert!(
            doc.descendants()
                .any(|n| n.attribute("id") == Some("referentie"))
        );
        // The small group's count is not shown.
        assert!(texts.contains(&"minder dan 10 bewoners"), "{texts:?}");
        // Nor a ratio that would give away a small number of flagged residents.
        assert!(
            texts.contains(&"te klein: minder dan 10 gemarkeerd"),
            "{texts:?}"
        );
        assert!(!texts.contains(&"4 bewoners"));
    }

    #[test]
    fn the_reading_guide_explains_in_dutch() {
        let svg = fairness_svg(&fairness(), &run(), &names()).unwrap();
        let html = fairness_guide_html(&fairness(), &run(), &names(), &svg).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"));
        // CSS is raw text in HTML: its quotes must not become entities.
        assert!(html.contains("font-family:'DejaVu Sans'"), "{html}");
        // Well-formed as XML too (the chart inside, every text escaped).
        let options = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        let doc = roxmltree::Document::parse_with_options(&html, options)
            .unwrap_or_else(|e| panic!("{e}\n{html}"));
        let all: String = doc
            .descendants()
            .filter_map(|n| n.text())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            all.contains("18–29 jaar (leeftijdsgroep) heeft een dispariteit van 2,6. In deze groep worden 2,6 keer zoveel bewoners gemarkeerd als hun aandeel in de bevolking doet verwachten"),
            "{all}"
        );
        assert!(all.contains("geen bewijs van vooroordeel"));
        assert!(all.contains("functionaris gegevensbescherming"));
        assert!(all.contains("Leg het besluit vast"));
        assert!(all.contains("A & B <x> (BU03920101)"));
        assert!(html.contains("A &amp; B &lt;x&gt;"));
        assert!(doc.descendants().any(|n| n.has_tag_name("svg")));
        assert_eq!(
            doc.descendants().filter(|n| n.has_tag_name("tr")).count(),
            3 + 8,
            "a header per dimension and a row per group"
        );
    }

    #[test]
    fn group_names_for_readers() {
        let n = names();
        assert_eq!(group_label("leeftijd", "65+", &n), "65 jaar en ouder");
        assert_eq!(group_label("leeftijd", "0-17", &n), "0–17 jaar");
        assert_eq!(group_label("geslacht", "V", &n), "vrouw");
        assert_eq!(group_label("buurt", "BU1", &n), "BU1");
    }
}
