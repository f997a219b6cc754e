//! Pictures of a run for people who would rather look than read: the map of signals per buurt
//! (`map`), the disparity chart with its reading guide (`fairness`) and the quality chart
//! (`quality`). Each is a standalone SVG document; every text in it is Dutch.
//!
//! The documents are written with quick-xml's writer, which escapes every text and attribute
//! value: a buurt named `A & B <x>` stays text. Numbers are written as Dutch readers read them
//! (`1.234,5`).

pub mod fairness;
pub mod map;
pub mod quality;

use anyhow::{Context, Result};
use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

/// Fonts Debian's Chromium, Windows and macOS all have one of.
pub(crate) const FONT: &str = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif";

/// Text colour, and the colour of secondary text.
pub(crate) const INK: &str = "#1a1a1a";
pub(crate) const GREY: &str = "#595959";

/// An XML document under construction.
pub(crate) struct Doc {
    w: Writer<Vec<u8>>,
}

impl Doc {
    pub(crate) fn new() -> Self {
        Doc {
            w: Writer::new_with_indent(Vec::new(), b' ', 1),
        }
    }

    fn event(&mut self, e: Event<'_>) -> Result<()> {
        self.w
            .write_event(e)
            .context("kan het SVG-document niet schrijven")
    }

    /// `<name attrs…>`; the values are escaped.
    pub(crate) fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> Result<()> {
        self.event(Event::Start(
            BytesStart::new(name).with_attributes(attrs.iter().copied()),
        ))
    }

    pub(crate) fn close(&mut self, name: &str) -> Result<()> {
        self.event(Event::End(BytesEnd::new(name)))
    }

    /// `<name attrs…/>`.
    pub(crate) fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> Result<()> {
        self.event(Event::Empty(
            BytesStart::new(name).with_attributes(attrs.iter().copied()),
        ))
    }

    /// `<name attrs…>text</name>`, the text escaped.
    pub(crate) fn text(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> Result<()> {
        self.open(name, attrs)?;
        self.event(Event::Text(BytesText::new(text)))?;
        self.close(name)
    }

    /// Markup written as it is: only for a document this module built itself.
    pub(crate) fn markup(&mut self, markup: &str) -> Result<()> {
        self.event(Event::Text(BytesText::from_escaped(markup)))
    }

    /// `<!DOCTYPE html>`.
    pub(crate) fn doctype_html(&mut self) -> Result<()> {
        self.event(Event::DocType(BytesText::from_escaped("html")))
    }

    pub(crate) fn finish(self) -> Result<String> {
        let mut s = String::from_utf8(self.w.into_inner()).context("de SVG is geen UTF-8")?;
        s.push('\n');
        Ok(s)
    }
}

/// The visible title of a chart, top left, as every chart writes it.
pub(crate) fn heading(doc: &mut Doc, titel: &str) -> Result<()> {
    doc.text(
        "text",
        &[
            ("x", "20"),
            ("y", "34"),
            ("font-size", "21"),
            ("font-weight", "bold"),
        ],
        titel,
    )
}

/// Opens an `<svg>` of `width` × `height` with its accessible title and description.
pub(crate) fn svg_start(
    doc: &mut Doc,
    width: f64,
    height: f64,
    titel: &str,
    beschrijving: &str,
) -> Result<()> {
    let (w, h) = (px(width), px(height));
    doc.open(
        "svg",
        &[
            ("xmlns", "http://www.w3.org/2000/svg"),
            ("version", "1.1"),
            ("lang", "nl"),
            ("width", &w),
            ("height", &h),
            ("viewBox", &format!("0 0 {w} {h}")),
            ("role", "img"),
            ("aria-labelledby", "titel beschrijving"),
            ("font-family", FONT),
            ("fill", INK),
        ],
    )?;
    doc.text("title", &[("id", "titel")], titel)?;
    doc.text("desc", &[("id", "beschrijving")], beschrijving)?;
    // A white page: viewers with a dark background still show black text on white.
    doc.empty(
        "rect",
        &[("width", "100%"), ("height", "100%"), ("fill", "#ffffff")],
    )
}

/// A coordinate in the document: one decimal is finer than a pixel.
pub(crate) fn px(x: f64) -> String {
    let s = format!("{x:.1}");
    match s.strip_suffix(".0") {
        Some(whole) if whole != "-0" => whole.to_string(),
        Some(_) => "0".to_string(),
        None => s,
    }
}

/// A number as a Dutch reader writes it: `.` between thousands, a decimal comma, `decimals`
/// decimals (`1.234,5`); `–` for what is not a number.
pub fn number_nl(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "–".to_string();
    }
    loep_contract::nl::getal(x, decimals)
}

/// A whole number with `.` between thousands (`12.345`).
pub fn count_nl(n: u64) -> String {
    number_nl(n as f64, 0)
}

/// A ratio with up to two decimals, trailing zeros dropped (`2,6`, `1`, `0,85`).
pub fn ratio_nl(x: f64) -> String {
    let s = number_nl(x, 2);
    if s.contains(',') {
        s.trim_end_matches('0').trim_end_matches(',').to_string()
    } else {
        s
    }
}

/// The date of an RFC 3339 time as Dutch readers write it, in Dutch local time
/// (`15 juni 2026`); a plain date in words; the text itself otherwise.
pub fn date_nl(tijdstip: &str) -> String {
    let moment = loep_contract::nl::tijdstip_in_woorden(tijdstip);
    match moment.rsplit_once(", ") {
        Some((date, _)) if moment != tijdstip => date.to_string(),
        _ => loep_contract::nl::datum(tijdstip),
    }
}

/// The smallest of 1, 2, 2.5 and 5 times a power of ten that is at least `x` (> 0).
pub(crate) fn nice_step(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(x.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * p >= x * (1.0 - 1e-9) {
            return m * p;
        }
    }
    10.0 * p
}

/// An estimate of a text's width in pixels at `size` (DejaVu Sans averages a little over half
/// the font size per character).
pub(crate) fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.58
}

/// `"Kerkbuurt"` and then lines of at most `max` characters, split at spaces.
pub(crate) fn wrap(s: &str, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > max {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_numbers_and_dates() {
        assert_eq!(number_nl(1234.56, 1), "1.234,6");
        assert_eq!(number_nl(1234567.0, 0), "1.234.567");
        assert_eq!(number_nl(999.0, 0), "999");
        assert_eq!(number_nl(-0.01, 1), "0,0");
        assert_eq!(number_nl(-12.5, 1), "-12,5");
        assert_eq!(count_nl(45_123), "45.123");
        assert_eq!(ratio_nl(2.6), "2,6");
        assert_eq!(ratio_nl(1.0), "1");
        assert_eq!(ratio_nl(0.85), "0,85");
        assert_eq!(date_nl("2026-06-15T10:00:00.000000Z"), "15 juni 2026");
        assert_eq!(date_nl("2026-13-15"), "2026-13-15");
        assert_eq!(date_nl("gisteren"), "gisteren");
        assert_eq!(date_nl("é"), "é");
    }

    #[test]
    fn steps_coordinates_and_lines() {
        assert_eq!(nice_step(3.2), 5.0);
        assert_eq!(nice_step(0.18), 0.2);
        assert_eq!(nice_step(2.2), 2.5);
        assert_eq!(nice_step(10.0), 10.0);
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(px(12.0), "12");
        assert_eq!(px(12.345), "12.3");
        assert_eq!(px(-0.01), "0");
        assert_eq!(
            wrap("Gemarkeerde adressen per 1.000 adressen", 20),
            ["Gemarkeerde adressen", "per 1.000 adressen"]
        );
    }
}
