//! The quality chart (`loep evaluate --out`): precision and recall per theme as bars, the
//! targets ([`TARGET_PRECISION`], [`TARGET_RECALL`]) as lines, and per theme how many honest
//! look-alikes were flagged against [`TARGET_LOOKALIKES`].

use anyhow::Result;
use loep_store::scan::ScanRun;

use super::{Doc, GREY, count_nl, date_nl, heading, number_nl, px, svg_start};
use crate::evaluate::{Quality, TARGET_LOOKALIKES, TARGET_PRECISION, TARGET_RECALL, ThemeQuality};

const PRECISION: &str = "#1f4e79";
const RECALL: &str = "#6baed6";
const TARGET: &str = "#b2182b";

const WIDTH: f64 = 1000.0;
const LABEL_END: f64 = 240.0;
const BAR_X: f64 = 252.0;
const BAR_W: f64 = 480.0;
const ROW: f64 = 40.0;

/// A fraction as Dutch readers write it, two decimals (`0,98`).
fn fraction(x: f64) -> String {
    number_nl(x, 2)
}

/// What the chart says where a measure has no value: precision without flagged addresses,
/// recall without planted cases.
fn undefined(t: &ThemeQuality, measure: &str) -> Option<&'static str> {
    match measure {
        "precisie" if t.gemarkeerd == 0 => Some("niets gemarkeerd"),
        "recall" if t.gepland == 0 => Some("geen geplante gevallen"),
        _ => None,
    }
}

/// The theme's name for readers (`uitkering en loon`).
fn theme_label(t: &str) -> String {
    if t == "verwonderadres" {
        "verwonderadressen".into()
    } else {
        t.replace('_', " ")
    }
}

/// The x of a fraction on the bars' scale.
fn sx(x: f64) -> f64 {
    BAR_X + x.clamp(0.0, 1.0) * BAR_W
}

/// The chart as an SVG document; `truth` names the ground truth it was measured against.
pub fn quality_svg(q: &Quality, run: &ScanRun, truth: &str) -> Result<String> {
    let datum = date_nl(&run.tijdstip);
    let themes: Vec<&ThemeQuality> = q
        .themas
        .iter()
        .chain(std::iter::once(&q.verwonderadressen))
        .collect();
    let chart_top = 130.0;
    let chart_bottom = chart_top + 12.0 + ROW * themes.len() as f64 + 12.0;
    let height = chart_bottom + 100.0;

    let titel = "Kwaliteit per thema: precisie en recall";
    let beschrijving = format!(
        "Staafdiagram van scan {} van {datum}, gemeten tegen {truth}: per thema de precisie (welk deel van de gemarkeerde adressen een echt geval is) en de recall (welk deel van de echte gevallen gemarkeerd is), met de doelen als lijnen.",
        run.run_id
    );
    let mut doc = Doc::new();
    svg_start(&mut doc, WIDTH, height, titel, &beschrijving)?;
    heading(&mut doc, titel)?;
    introduction(&mut doc, &run.run_id, &datum, truth)?;
    legend(&mut doc)?;
    grid(&mut doc, chart_top, chart_bottom)?;
    doc.text(
        "text",
        &[
            ("x", &px(WIDTH - 20.0)),
            ("y", &px(chart_top - 4.0)),
            ("font-size", "12"),
            ("font-weight", "bold"),
            ("text-anchor", "end"),
        ],
        "gelijkende gevallen gemarkeerd",
    )?;
    for (i, t) in themes.iter().enumerate() {
        theme_row(&mut doc, t, chart_top + 12.0 + ROW * i as f64)?;
    }
    targets(&mut doc, chart_top, chart_bottom)?;
    footer(&mut doc, &run.run_id, &datum, truth, chart_bottom)?;
    doc.close("svg")?;
    doc.finish()
}

/// The lines under the title: what was measured against what.
fn introduction(doc: &mut Doc, run_id: &str, datum: &str, truth: &str) -> Result<()> {
    for (i, line) in [
        format!("Scan {run_id} van {datum}, gemeten tegen de geplante gevallen in {truth}."),
        "Precisie: welk deel van de gemarkeerde adressen een echt geval is. Recall: welk deel van de echte gevallen gemarkeerd is.".to_string(),
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

/// The two measures' colours and the targets' line.
fn legend(doc: &mut Doc) -> Result<()> {
    let ly = 106.0;
    for (x, colour, label) in [(20.0, PRECISION, "precisie"), (130.0, RECALL, "recall")] {
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
    doc.empty(
        "line",
        &[
            ("x1", "230"),
            ("y1", &px(ly - 5.0)),
            ("x2", "254"),
            ("y2", &px(ly - 5.0)),
            ("stroke", TARGET),
            ("stroke-width", "2"),
            ("stroke-dasharray", "5 3"),
        ],
    )?;
    doc.text(
        "text",
        &[("x", "262"), ("y", &px(ly)), ("font-size", "12")],
        &format!(
            "doel: precisie en recall ten minste {}",
            fraction(TARGET_PRECISION.min(TARGET_RECALL))
        ),
    )
}

/// The grid's lines at every quarter, with the scale below the chart.
fn grid(doc: &mut Doc, chart_top: f64, chart_bottom: f64) -> Result<()> {
    doc.open(
        "g",
        &[
            ("id", "schaal"),
            ("font-size", "11"),
            ("fill", GREY),
            ("text-anchor", "middle"),
        ],
    )?;
    for i in 0..=4 {
        let v = f64::from(i) * 0.25;
        let x = px(sx(v));
        doc.empty(
            "line",
            &[
                ("x1", &x),
                ("y1", &px(chart_top)),
                ("x2", &x),
                ("y2", &px(chart_bottom)),
                ("stroke", "#e0e0e0"),
                ("stroke-width", "1"),
            ],
        )?;
        doc.text(
            "text",
            &[("x", &x), ("y", &px(chart_bottom + 14.0))],
            &fraction(v),
        )?;
    }
    doc.close("g")
}

/// A theme's name, its two bars and its look-alikes, from `y`.
fn theme_row(doc: &mut Doc, t: &ThemeQuality, y: f64) -> Result<()> {
    doc.open("g", &[("class", "thema")])?;
    doc.text(
        "text",
        &[
            ("x", &px(LABEL_END)),
            ("y", &px(y + 17.0)),
            ("font-size", "13"),
            ("text-anchor", "end"),
        ],
        &theme_label(&t.thema),
    )?;
    for (j, (measure, value, colour)) in [
        ("precisie", t.precision, PRECISION),
        ("recall", t.recall, RECALL),
    ]
    .into_iter()
    .enumerate()
    {
        let top = y + 3.0 + 15.0 * j as f64;
        match undefined(t, measure) {
            Some(why) => {
                doc.text(
                    "text",
                    &[
                        ("class", "geen-waarde"),
                        ("x", &px(BAR_X + 4.0)),
                        ("y", &px(top + 11.0)),
                        ("font-size", "11"),
                        ("font-style", "italic"),
                        ("fill", GREY),
                    ],
                    &format!("{measure}: {why}"),
                )?;
            }
            None => measure_bar(doc, t, (measure, value, colour), top)?,
        }
    }
    lookalikes(doc, t, y)?;
    doc.close("g")
}

/// The bar of one measure (its name, value and colour) of a theme, its top at `top`.
fn measure_bar(
    doc: &mut Doc,
    t: &ThemeQuality,
    (measure, value, colour): (&str, f64, &str),
    top: f64,
) -> Result<()> {
    let w = (sx(value) - BAR_X).max(1.0);
    doc.open(
        "rect",
        &[
            ("class", measure),
            ("x", &px(BAR_X)),
            ("y", &px(top)),
            ("width", &px(w)),
            ("height", "13"),
            ("fill", colour),
        ],
    )?;
    doc.text(
        "title",
        &[],
        &format!(
            "{}: {measure} {} ({} juist van {} gemarkeerd, {} gepland)",
            theme_label(&t.thema),
            fraction(value),
            count_nl(t.juist as u64),
            count_nl(t.gemarkeerd as u64),
            count_nl(t.gepland as u64)
        ),
    )?;
    doc.close("rect")?;
    doc.text(
        "text",
        &[
            ("class", "waarde"),
            ("x", &px(BAR_X + w + 5.0)),
            ("y", &px(top + 11.0)),
            ("font-size", "11"),
        ],
        &fraction(value),
    )
}

/// How many of a theme's look-alikes were flagged, marked when above the target.
fn lookalikes(doc: &mut Doc, t: &ThemeQuality, y: f64) -> Result<()> {
    let over =
        t.lokvogels > 0 && t.lokvogels_gemarkeerd as f64 > TARGET_LOOKALIKES * t.lokvogels as f64;
    let lookalikes = if t.lokvogels == 0 {
        "geen geplant".to_string()
    } else {
        format!(
            "{} van {}",
            count_nl(t.lokvogels_gemarkeerd as u64),
            count_nl(t.lokvogels as u64)
        )
    };
    doc.text(
        "text",
        &[
            (
                "class",
                if over {
                    "lokvogels boven-doel"
                } else {
                    "lokvogels"
                },
            ),
            ("x", &px(WIDTH - 20.0)),
            ("y", &px(y + 17.0)),
            ("font-size", "12"),
            ("text-anchor", "end"),
            ("fill", if over { TARGET } else { GREY }),
            ("font-weight", if over { "bold" } else { "normal" }),
        ],
        &lookalikes,
    )
}

/// The targets, over the bars.
fn targets(doc: &mut Doc, chart_top: f64, chart_bottom: f64) -> Result<()> {
    let mut targets = vec![(TARGET_PRECISION, "doel")];
    if (TARGET_RECALL - TARGET_PRECISION).abs() > 1e-9 {
        targets = vec![
            (TARGET_PRECISION, "doel precisie"),
            (TARGET_RECALL, "doel recall"),
        ];
    }
    for (k, (v, label)) in targets.into_iter().enumerate() {
        let x = px(sx(v));
        doc.empty(
            "line",
            &[
                ("class", "doel"),
                ("x1", &x),
                ("y1", &px(chart_top - 8.0)),
                ("x2", &x),
                ("y2", &px(chart_bottom)),
                ("stroke", TARGET),
                ("stroke-width", "2"),
                ("stroke-dasharray", "5 3"),
            ],
        )?;
        doc.text(
            "text",
            &[
                ("x", &x),
                ("y", &px(chart_top - 12.0 - 14.0 * k as f64)),
                ("font-size", "11"),
                ("fill", TARGET),
                ("text-anchor", "middle"),
            ],
            &format!("{label} {}", fraction(v)),
        )?;
    }
    Ok(())
}

/// Source, the targets, and what the verwonderadressen are measured against.
fn footer(doc: &mut Doc, run_id: &str, datum: &str, truth: &str, chart_bottom: f64) -> Result<()> {
    let foot = chart_bottom + 44.0;
    for (i, line) in [
        format!("Bron: loep, scan {run_id} van {datum}; grondwaarheid: {truth}."),
        format!(
            "Doelen (BENCHMARKS.md): precisie en recall ten minste {} en {}; ten hoogste {}% van de gelijkende gevallen (eerlijke situaties die op een geval lijken) gemarkeerd.",
            fraction(TARGET_PRECISION),
            fraction(TARGET_RECALL),
            number_nl(100.0 * TARGET_LOOKALIKES, 0)
        ),
        "Verwonderadressen: precisie tegen alle geplante adressen, recall tegen adressen met gevallen van twee of meer thema's.".to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn theme(
        thema: &str,
        gepland: usize,
        gemarkeerd: usize,
        juist: usize,
        lokvogels: (usize, usize),
    ) -> ThemeQuality {
        let precision = if gemarkeerd == 0 {
            1.0
        } else {
            juist as f64 / gemarkeerd as f64
        };
        let recall = if gepland == 0 {
            1.0
        } else {
            juist as f64 / gepland as f64
        };
        ThemeQuality {
            thema: thema.into(),
            gepland,
            gemarkeerd,
            juist,
            precision,
            recall,
            f1: 0.0,
            lokvogels: lokvogels.0,
            lokvogels_gemarkeerd: lokvogels.1,
        }
    }

    #[test]
    fn bars_per_theme_with_target_lines() {
        let q = Quality {
            run_id: "S0001-test".into(),
            themas: vec![
                theme("overbewoning", 40, 40, 40, (20, 0)),
                theme("hennepteelt", 50, 40, 36, (10, 1)),
                theme("uitkering_en_loon", 0, 0, 0, (0, 0)),
            ],
            varianten: Vec::new(),
            verwonderadressen: theme("verwonderadres", 10, 8, 8, (30, 0)),
        };
        let run = ScanRun {
            run_id: "S0001-test".into(),
            tijdstip: "2026-06-15T10:00:00Z".into(),
            indicatoren: "{}".into(),
            bronnen: "{}".into(),
            signalen: 1,
            adressen: 1,
        };
        let svg = quality_svg(&q, &run, "wereld & <waarheid>").unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        let count = |class: &str| {
            doc.descendants()
                .filter(|n| n.attribute("class") == Some(class))
                .count()
        };
        // Three themes with both measures; the one without cases says so instead of a bar.
        assert_eq!(count("precisie"), 3);
        assert_eq!(count("recall"), 3);
        assert_eq!(count("geen-waarde"), 2);
        assert_eq!(count("doel"), 1);
        // 1 of 10 look-alikes is above the 2% target.
        assert_eq!(count("lokvogels boven-doel"), 1);
        let texts: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        assert!(texts.contains(&"uitkering en loon"));
        assert!(texts.contains(&"precisie: niets gemarkeerd"));
        assert!(texts.contains(&"recall: geen geplante gevallen"));
        assert!(
            texts.contains(&"0,72"),
            "hennepteelt's recall 36/50: {texts:?}"
        );
        assert!(texts.contains(&"doel 0,90"));
        assert!(texts.contains(&"1 van 10"));
        assert!(
            texts
                .iter()
                .any(|t| t.contains("grondwaarheid: wereld & <waarheid>"))
        );
        // The target line stands at 0.9 of the scale.
        let line = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("doel"))
            .unwrap();
        let x: f64 = line.attribute("x1").unwrap().parse().unwrap();
        assert!((x - (BAR_X + 0.9 * BAR_W)).abs() < 0.1);
    }
}
