//! The letter as a PDF for the post: A4, DejaVu Sans (compiled in, so nothing is read at run
//! time), text wrapped to the page, tables of labelled values, page numbers. Only the glyphs the
//! letter uses are embedded (a subset), with a ToUnicode map so that the text can be searched,
//! copied and read aloud.

use anyhow::{Context as _, Result, anyhow};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::BTreeMap;
use std::io::Write;

use super::brief::{Brief, Regel};

const REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");

// A4 in points, and the margins.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 62.0;
const RIGHT: f32 = 62.0;
const TOP: f32 = 64.0;
const BOTTOM: f32 = 72.0;
const WIDTH: f32 = PAGE_W - LEFT - RIGHT;

const BODY: f32 = 10.0;
const SMALL: f32 = 8.5;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stijl {
    Gewoon = 0,
    Vet = 1,
}

struct Font {
    face: ttf_parser::Face<'static>,
    data: &'static [u8],
    base: &'static [u8],
    /// Glyph ids the letter uses, each with the character it shows.
    used: BTreeMap<u16, char>,
}

impl Font {
    fn new(data: &'static [u8], base: &'static [u8]) -> Result<Font> {
        Ok(Font {
            face: ttf_parser::Face::parse(data, 0).map_err(|e| anyhow!("lettertype: {e}"))?,
            data,
            base,
            used: BTreeMap::new(),
        })
    }

    fn glyph(&self, c: char) -> u16 {
        self.face
            .glyph_index(c)
            .or_else(|| self.face.glyph_index('?'))
            .map_or(0, |g| g.0)
    }

    fn units(&self) -> f32 {
        f32::from(self.face.units_per_em())
    }

    fn advance(&self, gid: u16) -> f32 {
        f32::from(
            self.face
                .glyph_hor_advance(ttf_parser::GlyphId(gid))
                .unwrap_or(0),
        )
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.advance(self.glyph(c)))
            .sum::<f32>()
            * size
            / self.units()
    }
}

struct Run {
    stijl: Stijl,
    size: f32,
    x: f32,
    y: f32,
    text: String,
    grijs: bool,
}

#[derive(Default)]
struct Page {
    runs: Vec<Run>,
    /// Horizontal rules: x from, x to, y, and whether heavy.
    rules: Vec<(f32, f32, f32, bool)>,
}

struct Layout {
    fonts: [Font; 2],
    pages: Vec<Page>,
    y: f32,
}

fn line_height(size: f32) -> f32 {
    size * 1.45
}

impl Layout {
    fn new() -> Result<Layout> {
        Ok(Layout {
            fonts: [
                Font::new(REGULAR, b"AAAAAA+DejaVuSans")?,
                Font::new(BOLD, b"AAAAAB+DejaVuSans-Bold")?,
            ],
            pages: vec![Page::default()],
            y: PAGE_H - TOP,
        })
    }

    fn font(&self, s: Stijl) -> &Font {
        &self.fonts[s as usize]
    }

    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Starts a new page when less than `h` is left on this one.
    fn need(&mut self, h: f32) {
        if self.y - h < BOTTOM {
            self.pages.push(Page::default());
            self.y = PAGE_H - TOP;
        }
    }

    fn space(&mut self, h: f32) {
        self.y -= h;
    }

    /// `text` broken into lines of at most `width` points.
    fn wrap(&self, text: &str, stijl: Stijl, size: f32, width: f32) -> Vec<String> {
        let font = self.font(stijl);
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if font.width(&candidate, size) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // A word wider than the line is broken by characters.
                for c in word.chars() {
                    let mut next = line.clone();
                    next.push(c);
                    if !line.is_empty() && font.width(&next, size) > width {
                        lines.push(std::mem::take(&mut line));
                        line.push(c);
                    } else {
                        line = next;
                    }
                }
            }
            lines.push(line);
        }
        lines
    }

    fn run(&mut self, stijl: Stijl, size: f32, x: f32, text: String, grijs: bool) {
        let y = self.y - size;
        self.page().runs.push(Run {
            stijl,
            size,
            x,
            y,
            text,
            grijs,
        });
    }

    fn text(&mut self, text: &str, stijl: Stijl, size: f32, x: f32, width: f32, grijs: bool) {
        for line in self.wrap(text, stijl, size, width) {
            self.need(line_height(size));
            self.run(stijl, size, x, line, grijs);
            self.space(line_height(size));
        }
    }

    fn paragraph(&mut self, text: &str) {
        self.text(text, Stijl::Gewoon, BODY, LEFT, WIDTH, false);
        self.space(5.0);
    }

    fn small(&mut self, text: &str) {
        self.text(text, Stijl::Gewoon, SMALL, LEFT, WIDTH, true);
    }

    fn heading(&mut self, text: &str, size: f32) {
        self.space(size * 0.9);
        // Keep a heading with at least three lines of what follows.
        self.need(line_height(size) + 3.0 * line_height(BODY));
        if size >= 13.0 {
            let y = self.y + 2.0;
            self.page().rules.push((LEFT, PAGE_W - RIGHT, y, true));
            self.space(5.0);
        }
        self.text(text, Stijl::Vet, size, LEFT, WIDTH, false);
        self.space(2.0);
    }

    fn bullet(&mut self, text: &str) {
        let indent = 12.0;
        let lines = self.wrap(text, Stijl::Gewoon, BODY, WIDTH - indent);
        for (i, line) in lines.into_iter().enumerate() {
            self.need(line_height(BODY));
            if i == 0 {
                self.run(Stijl::Gewoon, BODY, LEFT, "•".to_string(), false);
            }
            self.run(Stijl::Gewoon, BODY, LEFT + indent, line, false);
            self.space(line_height(BODY));
        }
        self.space(3.0);
    }

    /// A row of columns (x offset, width, style, grey), each wrapped, line by line so that a
    /// long row may continue on the next page; a thin rule below.
    fn columns(&mut self, cells: &[(f32, f32, Stijl, bool, &str)], size: f32) {
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .map(|(_, w, s, _, t)| self.wrap(t, *s, size, *w))
            .collect();
        let n = wrapped.iter().map(Vec::len).max().unwrap_or(0);
        self.space(3.0);
        for i in 0..n {
            self.need(line_height(size));
            for ((x, _, s, grijs, _), lines) in cells.iter().zip(&wrapped) {
                if let Some(l) = lines.get(i) {
                    self.run(*s, size, LEFT + x, l.clone(), *grijs);
                }
            }
            self.space(line_height(size));
        }
        let y = self.y;
        self.page().rules.push((LEFT, PAGE_W - RIGHT, y, false));
    }

    fn rows(&mut self, rows: &[Regel]) {
        let label = WIDTH * 0.36;
        for r in rows {
            self.columns(
                &[
                    (0.0, label - 10.0, Stijl::Gewoon, true, r.label.as_str()),
                    (
                        label,
                        WIDTH - label,
                        Stijl::Gewoon,
                        false,
                        r.waarde.as_str(),
                    ),
                ],
                BODY,
            );
        }
        self.space(8.0);
    }
}

/// The ToUnicode map of a font: glyph (CID) to character. Written by hand rather than with
/// pdf-writer's `UnicodeCmap`, whose optional `/CMapVersion` and `/WMode` entries some readers
/// (lopdf among them) refuse; this is the minimal form of the PDF specification's example.
fn to_unicode(pairs: impl Iterator<Item = (u16, char)>) -> String {
    use std::fmt::Write as _;
    let pairs: Vec<(u16, char)> = pairs.collect();
    let mut out = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    for chunk in pairs.chunks(100) {
        let _ = writeln!(out, "{} beginbfchar", chunk.len());
        for (g, ch) in chunk {
            let mut units = [0u16; 2];
            let hex: String = ch
                .encode_utf16(&mut units)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            let _ = writeln!(out, "<{g:04X}> <{hex}>");
        }
        out.push_str("endbfchar\n");
    }
    out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    out
}

/// Deflates a stream.
fn deflate(data: &[u8]) -> Result<Vec<u8>> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data)?;
    Ok(e.finish()?)
}

/// Lays the letter out.
fn layout(b: &Brief) -> Result<Layout> {
    let mut l = Layout::new()?;
    head(&mut l, b);
    project_and_sources(&mut l, b);
    signals(&mut l, b);
    processing(&mut l, b);
    rules_rights_and_contact(&mut l, b);
    number_pages(&mut l, b);
    Ok(l)
}

/// The head of the letter: the addresses, date and reference, title, the person and the
/// introduction, and what is restricted.
fn head(l: &mut Layout, b: &Brief) {
    // The head of a letter for a window envelope (window on the left): the return address in
    // small print and the address block in the window, 45 mm from the top, about 22 mm from
    // the left and at most 85 mm wide; date and reference, and the letter itself, below the
    // first fold (a third of the page).
    const MM: f32 = 72.0 / 25.4;
    l.y = PAGE_H - 45.0 * MM;
    l.small(&b.afzender);
    l.space(4.0);
    for line in &b.adresblok {
        l.text(line, Stijl::Gewoon, BODY, LEFT, 85.0 * MM, false);
    }
    l.y = l.y.min(PAGE_H - 100.0 * MM);
    l.rows(&[
        Regel {
            label: "Datum".into(),
            waarde: b.datum.clone(),
        },
        Regel {
            label: "Ons kenmerk".into(),
            waarde: b.kenmerk.clone(),
        },
        Regel {
            label: "Opgesteld".into(),
            waarde: b.opgesteld.clone(),
        },
    ]);
    l.space(10.0);
    l.text(&b.titel, Stijl::Vet, 20.0, LEFT, WIDTH, false);
    l.space(8.0);
    l.rows(&b.persoon);
    for p in &b.inleiding {
        l.paragraph(p);
    }
    if !b.beperking.is_empty() {
        l.heading("Tijdelijke beperking van dit overzicht", 14.0);
        for p in &b.beperking {
            l.paragraph(p);
        }
    }
}

/// The project, and the person's data per source.
fn project_and_sources(l: &mut Layout, b: &Brief) {
    l.heading("Het project", 14.0);
    l.rows(&b.project);

    l.heading("Uw gegevens per bron", 14.0);
    for p in &b.bronnen_uitleg {
        l.paragraph(p);
    }
    for bron in &b.bronnen {
        l.heading(&bron.titel, 11.5);
        for h in &bron.herkomst {
            l.small(&format!("{}: {}", h.label, h.waarde));
        }
        l.space(2.0);
        let many = bron.rijen.len() > 1;
        for (i, rij) in bron.rijen.iter().enumerate() {
            if many {
                l.space(4.0);
                l.need(line_height(BODY) * 3.0);
                l.text(
                    &format!("Regel {}", i + 1),
                    Stijl::Vet,
                    BODY,
                    LEFT,
                    WIDTH,
                    false,
                );
            }
            l.rows(rij);
        }
    }
    if !b.vermeldingen.is_empty() {
        l.heading("Waar u in gegevens van anderen wordt genoemd", 11.5);
        for v in &b.vermeldingen {
            l.paragraph(v);
        }
    }
}

/// The signals about the person.
fn signals(l: &mut Layout, b: &Brief) {
    l.heading("Signalen over u", 14.0);
    for p in &b.signalen_uitleg {
        l.paragraph(p);
    }
    for s in &b.signalen {
        l.heading(&s.titel, 11.5);
        l.rows(&s.regels);
    }
}

/// What was done with the person's data: the processing log as a table.
fn processing(l: &mut Layout, b: &Brief) {
    l.heading("Wat er met uw gegevens is gedaan", 14.0);
    for p in &b.verwerkingen_uitleg {
        l.paragraph(p);
    }
    if !b.verwerkingen.is_empty() {
        let (w1, w2, w3) = (WIDTH * 0.18, WIDTH * 0.40, WIDTH * 0.18);
        let w4 = WIDTH - w1 - w2 - w3;
        l.columns(
            &[
                (0.0, w1 - 8.0, Stijl::Vet, false, "Wanneer"),
                (w1, w2 - 8.0, Stijl::Vet, false, "Wat"),
                (w1 + w2, w3 - 8.0, Stijl::Vet, false, "Door"),
                (w1 + w2 + w3, w4, Stijl::Vet, false, "Bijzonderheden"),
            ],
            SMALL,
        );
        for v in &b.verwerkingen {
            l.columns(
                &[
                    (0.0, w1 - 8.0, Stijl::Gewoon, true, v.tijdstip.as_str()),
                    (w1, w2 - 8.0, Stijl::Gewoon, false, v.wat.as_str()),
                    (w1 + w2, w3 - 8.0, Stijl::Gewoon, false, v.door.as_str()),
                    (w1 + w2 + w3, w4, Stijl::Gewoon, false, v.details.as_str()),
                ],
                SMALL,
            );
        }
        l.space(8.0);
    }
}

/// The indicators, how long the data are kept, the person's rights, contact and signature.
fn rules_rights_and_contact(l: &mut Layout, b: &Brief) {
    l.heading("De regels (indicatoren) van dit project", 14.0);
    for p in &b.indicatoren_uitleg {
        l.paragraph(p);
    }
    for i in &b.indicatoren {
        l.need(line_height(BODY) * 3.0);
        l.text(&i.label, Stijl::Vet, BODY, LEFT, WIDTH, false);
        l.paragraph(&i.waarde);
    }

    l.heading("Hoe lang wij uw gegevens bewaren", 14.0);
    for p in &b.bewaren {
        l.bullet(p);
    }

    l.heading("Uw rechten", 14.0);
    for r in &b.rechten {
        l.heading(&r.label, 11.5);
        l.paragraph(&r.waarde);
    }

    l.heading("Contact", 14.0);
    l.rows(&b.contact);
    l.space(16.0);
    for line in &b.ondertekening {
        l.text(line, Stijl::Gewoon, BODY, LEFT, WIDTH, false);
    }
}

/// Page numbers, now that the number of pages is known.
fn number_pages(l: &mut Layout, b: &Brief) {
    let n = l.pages.len();
    let footer = format!("{} · {}", b.organisatie, b.titel);
    for i in 0..n {
        let text = format!("{footer} · pagina {} van {n}", i + 1);
        let page = &mut l.pages[i];
        page.runs.push(Run {
            stijl: Stijl::Gewoon,
            size: 7.5,
            x: LEFT,
            y: BOTTOM - 34.0,
            text,
            grijs: true,
        });
    }
}

/// The letter as a PDF.
pub fn render(b: &Brief) -> Result<Vec<u8>> {
    let mut l = layout(b)?;
    mark_used_glyphs(&mut l);

    let mut next = Ref::new(1);
    let catalog = next.bump();
    let tree = next.bump();
    let info = next.bump();
    let mut pdf = Pdf::new();
    pdf.document_info(info)
        .title(TextStr(&b.titel))
        .author(TextStr(&b.organisatie))
        .creator(TextStr("loep"));

    // One Type 0 font (a CID font of TrueType outlines, Identity-H) per style, subsetted: the
    // subset's glyph ids are the CIDs.
    let mut remappers = Vec::new();
    let mut font_refs = Vec::new();
    for font in &l.fonts {
        let (remapper, type0) = write_font(&mut pdf, &mut next, font)?;
        remappers.push(remapper);
        font_refs.push(type0);
    }

    // The organisation's PNG logo, on the first page's top right: its colours as an image and
    // its alpha, if any, as the image's soft mask.
    let logo = match b.huisstijl.logo_png.as_deref().map(decode_png) {
        Some(Ok(image)) => Some(image),
        // A logo that does not decode leaves the letter without it, as the web pages do.
        Some(Err(_)) | None => None,
    };
    let logo_ref = match &logo {
        Some(image) => Some(write_logo(&mut pdf, &mut next, image)?),
        None => None,
    };

    let resources = PageResources {
        tree,
        fonts: &l.fonts,
        remappers: &remappers,
        refs: &font_refs,
    };
    let mut page_refs = Vec::new();
    for (n, p) in l.pages.iter().enumerate() {
        // The logo goes on the first page.
        let logo = match (n == 0, &logo, logo_ref) {
            (true, Some(image), Some(r)) => Some((image, r)),
            _ => None,
        };
        page_refs.push(write_page(&mut pdf, &mut next, &resources, b, p, logo)?);
    }
    let count = i32::try_from(page_refs.len()).context("te veel pagina's")?;
    pdf.pages(tree).kids(page_refs).count(count);
    pdf.catalog(catalog).pages(tree);
    Ok(pdf.finish())
}

/// Marks which glyphs each font must carry: those of the text set in it.
fn mark_used_glyphs(l: &mut Layout) {
    for p in &l.pages {
        for r in &p.runs {
            let font = &l.fonts[r.stijl as usize];
            let glyphs: Vec<(u16, char)> = r.text.chars().map(|c| (font.glyph(c), c)).collect();
            let font = &mut l.fonts[r.stijl as usize];
            for (g, c) in glyphs {
                font.used.entry(g).or_insert(c);
            }
        }
    }
}

/// Writes one font of the letter as a Type 0 font with its CID font, descriptor, subsetted
/// file and ToUnicode map; returns how its glyphs were renumbered, and its reference.
fn write_font(
    pdf: &mut Pdf,
    next: &mut Ref,
    font: &Font,
) -> Result<(subsetter::GlyphRemapper, Ref)> {
    let mut remapper = subsetter::GlyphRemapper::new();
    remapper.remap(0);
    for g in font.used.keys() {
        remapper.remap(*g);
    }
    let subset = subsetter::subset(font.data, 0, &remapper)
        .map_err(|e| anyhow!("kan het lettertype niet inperken: {e}"))?;
    let (type0, cid, descriptor, file, cmap) = (
        next.bump(),
        next.bump(),
        next.bump(),
        next.bump(),
        next.bump(),
    );
    let system = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    pdf.type0_font(type0)
        .base_font(Name(font.base))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);
    let scale = 1000.0 / font.units();
    let mut c = pdf.cid_font(cid);
    c.subtype(CidFontType::Type2)
        .base_font(Name(font.base))
        .system_info(system)
        .font_descriptor(descriptor)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    {
        let mut w = c.widths();
        for g in font.used.keys() {
            if let Some(new) = remapper.get(*g) {
                w.consecutive(new, [font.advance(*g) * scale]);
            }
        }
    }
    c.finish();
    let bbox = font.face.global_bounding_box();
    let ascent = f32::from(font.face.ascender()) * scale;
    pdf.font_descriptor(descriptor)
        .name(Name(font.base))
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(
            f32::from(bbox.x_min) * scale,
            f32::from(bbox.y_min) * scale,
            f32::from(bbox.x_max) * scale,
            f32::from(bbox.y_max) * scale,
        ))
        .italic_angle(0.0)
        .ascent(ascent)
        .descent(f32::from(font.face.descender()) * scale)
        .cap_height(
            font.face
                .capital_height()
                .map_or(ascent, |h| f32::from(h) * scale),
        )
        .stem_v(if font.base.ends_with(b"Bold") {
            120.0
        } else {
            80.0
        })
        .font_file2(file);
    let packed = deflate(&subset)?;
    pdf.stream(file, &packed).filter(Filter::FlateDecode).pair(
        Name(b"Length1"),
        i32::try_from(subset.len()).context("lettertype te groot")?,
    );
    let map = to_unicode(
        font.used
            .iter()
            .filter_map(|(g, ch)| Some((remapper.get(*g)?, *ch))),
    );
    pdf.stream(cmap, map.as_bytes());
    Ok((remapper, type0))
}

/// Writes the logo as an image with its alpha as a soft mask; returns the image's reference.
fn write_logo(pdf: &mut Pdf, next: &mut Ref, image: &Logo) -> Result<Ref> {
    let (img, mask) = (next.bump(), next.bump());
    let colour_space = if image.kleur { 3 } else { 1 };
    let packed = deflate(&image.pixels)?;
    let mut x = pdf.image_xobject(img, &packed);
    x.filter(Filter::FlateDecode);
    x.width(image.breedte as i32)
        .height(image.hoogte as i32)
        .bits_per_component(8);
    if colour_space == 3 {
        x.color_space().device_rgb();
    } else {
        x.color_space().device_gray();
    }
    if image.alpha.is_some() {
        x.s_mask(mask);
    }
    x.finish();
    if let Some(alpha) = &image.alpha {
        let packed = deflate(alpha)?;
        let mut m = pdf.image_xobject(mask, &packed);
        m.filter(Filter::FlateDecode);
        m.width(image.breedte as i32)
            .height(image.hoogte as i32)
            .bits_per_component(8);
        m.color_space().device_gray();
        m.finish();
    }
    Ok(img)
}

/// What every page refers to: the page tree, the fonts its text is set in, how their glyphs
/// were renumbered in the subsets, and their references.
struct PageResources<'a> {
    tree: Ref,
    fonts: &'a [Font; 2],
    remappers: &'a [subsetter::GlyphRemapper],
    refs: &'a [Ref],
}

/// Writes one page (its rules, its text and, on the first, the logo) under the page tree;
/// returns its reference.
fn write_page(
    pdf: &mut Pdf,
    next: &mut Ref,
    shared: &PageResources,
    b: &Brief,
    p: &Page,
    logo: Option<(&Logo, Ref)>,
) -> Result<Ref> {
    let (page, contents) = (next.bump(), next.bump());
    let c = page_content(shared, b, p, logo.map(|(image, _)| image));
    let packed = deflate(&c.finish())?;
    pdf.stream(contents, &packed).filter(Filter::FlateDecode);
    let mut pg = pdf.page(page);
    pg.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
        .parent(shared.tree)
        .contents(contents);
    let mut resources = pg.resources();
    resources
        .fonts()
        .pair(Name(b"F1"), shared.refs[0])
        .pair(Name(b"F2"), shared.refs[1]);
    if let Some((_, r)) = logo {
        resources.x_objects().pair(Name(b"Logo"), r);
    }
    resources.finish();
    pg.finish();
    Ok(page)
}

/// The content of one page: its rules in the accent colour or grey, its text runs, and the
/// logo when it has one.
fn page_content(shared: &PageResources, b: &Brief, p: &Page, logo: Option<&Logo>) -> Content {
    let mut c = Content::new();
    for (x0, x1, y, heavy) in &p.rules {
        if *heavy {
            // The organisation's accent colour (`[thema]`), else the letter's blue.
            let [r, g, b] = b.huisstijl.kleur.unwrap_or([0.08, 0.26, 0.45]);
            c.set_stroke_rgb(r, g, b).set_line_width(1.2);
        } else {
            c.set_stroke_rgb(0.8, 0.8, 0.8).set_line_width(0.4);
        }
        c.move_to(*x0, *y).line_to(*x1, *y).stroke();
    }
    for r in &p.runs {
        let i = r.stijl as usize;
        let font = &shared.fonts[i];
        let mut bytes = Vec::with_capacity(r.text.len() * 2);
        for ch in r.text.chars() {
            let g = shared.remappers[i].get(font.glyph(ch)).unwrap_or(0);
            bytes.extend_from_slice(&g.to_be_bytes());
        }
        if r.grijs {
            c.set_fill_rgb(0.3, 0.3, 0.3);
        } else {
            c.set_fill_rgb(0.1, 0.1, 0.1);
        }
        c.begin_text()
            .set_font(Name(if i == 0 { b"F1" } else { b"F2" }), r.size)
            .next_line(r.x, r.y)
            .show(Str(&bytes))
            .end_text();
    }
    if let Some(image) = logo {
        // At most 120 × 40 points, its proportions kept, in the top right margin above
        // the first line of text.
        let scale = (120.0 / image.breedte as f32).min(40.0 / image.hoogte as f32);
        let (w, h) = (image.breedte as f32 * scale, image.hoogte as f32 * scale);
        c.save_state()
            .transform([w, 0.0, 0.0, h, PAGE_W - RIGHT - w, PAGE_H - 20.0 - h])
            .x_object(Name(b"Logo"))
            .restore_state();
    }
    c
}

/// A decoded logo: 8-bit samples, colour (RGB) or grey, and its alpha apart.
struct Logo {
    breedte: u32,
    hoogte: u32,
    kleur: bool,
    pixels: Vec<u8>,
    alpha: Option<Vec<u8>>,
}

/// Decodes a PNG logo to 8-bit grey or RGB samples with the alpha split off, within 32 MiB
/// (a logo of 256 KB that unpacks to more is refused, not decoded).
fn decode_png(bytes: &[u8]) -> Result<Logo> {
    let mut decoder = png::Decoder::new_with_limits(
        std::io::Cursor::new(bytes),
        png::Limits {
            bytes: 32 * 1024 * 1024,
        },
    );
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| anyhow!("logo: {e}"))?;
    // The decoder's limit does not cover the buffer the caller allocates: refuse a logo that
    // would unpack to more than 32 MiB before allocating (a small file can claim any size).
    let (w, h) = reader.info().size();
    if u64::from(w) * u64::from(h) * 4 > 32 * 1024 * 1024 {
        return Err(anyhow!("logo: te groot ({w} × {h} beeldpunten)"));
    }
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| anyhow!("logo: te groot"))?;
    let mut buf = vec![0; size];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| anyhow!("logo: {e}"))?;
    buf.truncate(info.buffer_size());
    let (channels, kleur, alpha) = match info.color_type {
        png::ColorType::Grayscale => (1, false, false),
        png::ColorType::GrayscaleAlpha => (2, false, true),
        png::ColorType::Rgb => (3, true, false),
        png::ColorType::Rgba => (4, true, true),
        png::ColorType::Indexed => return Err(anyhow!("logo: palet niet omgezet")),
    };
    if info.width == 0 || info.height == 0 {
        return Err(anyhow!("logo: leeg"));
    }
    let colour = if kleur { 3 } else { 1 };
    let mut pixels = Vec::with_capacity(buf.len());
    let mut mask = Vec::new();
    for px in buf.chunks_exact(channels) {
        pixels.extend_from_slice(&px[..colour]);
        if alpha {
            mask.push(px[channels - 1]);
        }
    }
    Ok(Logo {
        breedte: info.width,
        hoogte: info.height,
        kleur,
        pixels,
        alpha: alpha.then_some(mask),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG chunk: length, type, data and CRC.
    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
        out
    }

    /// A small file that claims a huge image is refused before anything is allocated for it.
    #[test]
    fn a_logo_that_claims_a_huge_image_is_refused() {
        let mut ihdr = 1_000_000u32.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&1_000_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &ihdr));
        png.extend(chunk(
            b"IDAT",
            &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
        ));
        png.extend(chunk(b"IEND", &[]));
        let e = decode_png(&png).err().expect("refused");
        assert!(
            e.to_string().contains("1000000 × 1000000 beeldpunten"),
            "{e}"
        );
    }
}
