//! The letter a resident receives on an access request, as plain Dutch text: what the HTML and
//! the PDF both show. Built from the report (`Inzage`) and the addresses of the objects it
//! names; it holds no pseudonym and no BAG id: persons other than the resident are "een andere
//! persoon", objects are written out as addresses, times are Amsterdam time.

use loep_contract::{ColumnType, Table};
use loep_scan::address::Addresses;
use loep_store::ProjectConfig;
use serde::Serialize;
use std::collections::BTreeMap;

use super::labels;
use loep_intake::inzage::{Bron, Inzage};

/// A label and its value.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Regel {
    pub label: String,
    pub waarde: String,
}

impl Regel {
    fn new(label: impl Into<String>, waarde: impl Into<String>) -> Regel {
        Regel {
            label: label.into(),
            waarde: waarde.into(),
        }
    }
}

/// The rows of one source.
#[derive(Debug, Clone, Serialize)]
pub struct BronBlok {
    pub titel: String,
    /// Who delivered it, where it is kept, how it was found.
    pub herkomst: Vec<Regel>,
    /// Each row as labelled values, in the contract's order.
    pub rijen: Vec<Vec<Regel>>,
}

/// One signal.
#[derive(Debug, Clone, Serialize)]
pub struct SignaalBlok {
    pub titel: String,
    pub regels: Vec<Regel>,
}

/// One record of the processing log.
#[derive(Debug, Clone, Serialize)]
pub struct Handeling {
    pub tijdstip: String,
    pub wat: String,
    /// The organisation that processed the data (art. 15 AVG: to whom they were provided).
    pub door: String,
    pub details: String,
}

/// The letter.
#[derive(Debug, Clone, Serialize)]
pub struct Brief {
    pub organisatie: String,
    /// The organisation's own look (`[thema]` in loep.toml): its design tokens as CSS
    /// declarations for the HTML letter, its logo, and its accent colour for the PDF.
    pub huisstijl: Huisstijl,
    /// The return address above the address block (organisation and postal address).
    pub afzender: String,
    /// The address block for a window envelope: name, street and number, postcode and place
    /// (from the BRP row of the person and the BAG).
    pub adresblok: Vec<String>,
    /// "Ons kenmerk": the project, the day and the report's number (`INZ-3F9A21-2026-12-07-4`).
    pub kenmerk: String,
    /// The day, in words.
    pub datum: String,
    pub titel: String,
    pub opgesteld: String,
    /// What the privacy officer left out for a while (article 41 UAVG), as paragraphs; empty
    /// when nothing is.
    pub beperking: Vec<String>,
    /// The signature block: greeting, the privacy officer's name, office and organisation.
    pub ondertekening: Vec<String>,
    /// The address block holds no postal address: the project's BRP data have none for the
    /// person (not registered as living in the municipality).
    #[serde(skip)]
    pub zonder_adres: bool,
    pub persoon: Vec<Regel>,
    pub inleiding: Vec<String>,
    pub project: Vec<Regel>,
    pub bronnen_uitleg: Vec<String>,
    pub bronnen: Vec<BronBlok>,
    pub vermeldingen: Vec<String>,
    pub signalen_uitleg: Vec<String>,
    pub signalen: Vec<SignaalBlok>,
    pub verwerkingen_uitleg: Vec<String>,
    pub verwerkingen: Vec<Handeling>,
    pub indicatoren_uitleg: Vec<String>,
    pub indicatoren: Vec<Regel>,
    pub bewaren: Vec<String>,
    /// Heading and text: correction, objection, the human decision, a complaint.
    pub rechten: Vec<Regel>,
    pub contact: Vec<Regel>,
}

/// The organisation's look in a letter (see [`Brief::huisstijl`]).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Huisstijl {
    /// `--name: value;` per design token that computes on its own (checked as on load).
    pub tokens: String,
    /// The logo as a `data:` URI.
    pub logo: Option<String>,
    /// The accent colour (headings' rules in the PDF) as RGB from 0 to 1.
    pub kleur: Option<[f32; 3]>,
    /// A PNG logo's bytes, for the PDF (which cannot carry an SVG logo).
    #[serde(skip)]
    pub logo_png: Option<Vec<u8>>,
}

impl Huisstijl {
    pub(crate) fn of(thema: &loep_store::Thema, logo: Option<String>) -> Huisstijl {
        use base64::Engine;
        let logo_png = logo
            .as_deref()
            .and_then(|uri| uri.strip_prefix("data:image/png;base64,"))
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok());
        let tokens: Vec<(&str, &str)> = thema.standalone_tokens().collect();
        // loep's own accent, else the colour the NL Design System themes give actions and
        // accents, in that order.
        let kleur = [
            "accent",
            "basis-color-action-1-color-default",
            "basis-color-accent-1-color-default",
            "basis-heading-color",
        ]
        .iter()
        .find_map(|want| {
            tokens
                .iter()
                .find(|(n, _)| n == want)
                .and_then(|(_, v)| hex_colour(v))
        });
        Huisstijl {
            tokens: tokens
                .iter()
                .map(|(n, v)| format!("--{n}: {v};"))
                .collect::<Vec<_>>()
                .join(" "),
            logo,
            kleur,
            logo_png,
        }
    }
}

/// `#rgb` or `#rrggbb` as RGB from 0 to 1.
fn hex_colour(v: &str) -> Option<[f32; 3]> {
    let h = v.trim().strip_prefix('#')?;
    let digits: Vec<u8> = match h.len() {
        3 => h
            .chars()
            .map(|c| c.to_digit(16).map(|d| (d * 17) as u8))
            .collect::<Option<_>>()?,
        6 => (0..3)
            .map(|i| u8::from_str_radix(h.get(2 * i..2 * i + 2)?, 16).ok())
            .collect::<Option<_>>()?,
        _ => return None,
    };
    Some([
        f32::from(digits[0]) / 255.0,
        f32::from(digits[1]) / 255.0,
        f32::from(digits[2]) / 255.0,
    ])
}

pub use loep_contract::nl::{datum, maand_jaar, tijdstip_in_woorden as tijdstip};

/// A number as Dutch writes it (`12.000`, `0,25`; a year stays `2025`); what is not a number
/// is returned as it is.
pub fn getal(s: &str) -> String {
    let t = s.trim();
    match t.parse::<f64>() {
        Ok(x) if x.is_finite() && !t.contains(['e', 'E']) => {
            let decimals = t.split_once('.').map_or(0, |(_, f)| f.len());
            if decimals == 0 && (1000..=2999).contains(&(x as i64)) && t.len() == 4 {
                t.to_string()
            } else {
                loep_contract::nl::getal(x, decimals)
            }
        }
        _ => t.to_string(),
    }
}

/// An amount in euros with cents: `€ 1.234,50`.
pub fn bedrag(s: &str) -> String {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => format!("€ {}", loep_contract::nl::getal(v, 2)),
        _ => s.to_string(),
    }
}

/// Replaces what a letter must not show: a 32-character pseudonym becomes "een andere
/// persoon", a 16-digit BAG id the address (or "een adres").
pub fn scrub(text: &str, adressen: &Addresses) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit())
            .count();
        if run == 0 {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let token: String = chars[i..i + run].iter().collect();
        if run >= 32 {
            out.push_str("een andere persoon");
        } else if run == 16 && token.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(adressen.adres(&token).unwrap_or("een adres"));
        } else {
            out.push_str(&token);
        }
        i += run;
    }
    out
}

/// An address written out with its buurt: "Kerkstraat 12A, 2011AB (Oude Stad)".
pub fn adres(
    vbo_id: &(impl loep_scan::address::ObjectKey + ?Sized),
    adressen: &Addresses,
) -> String {
    match adressen.get(vbo_id) {
        Some(a) => {
            let mut s = a.adres.clone();
            if let Some(w) = &a.woonplaats {
                s.push(' ');
                s.push_str(w);
            }
            if let Some(b) = adressen.buurtnaam(a.buurtcode.as_deref()) {
                s.push_str(&format!(" (buurt {b})"));
            }
            s
        }
        None => "een adres dat niet in de adresgegevens van het project staat".to_string(),
    }
}

/// Everything the report needs besides the report itself.
pub struct Context<'a> {
    pub config: &'a ProjectConfig,
    pub adressen: &'a Addresses,
    /// The letter's reference.
    pub kenmerk: String,
    /// What the privacy officer left out of the report for a while.
    pub beperking: Option<&'a super::Beperking>,
    /// The organisation's look (`[thema]`) while the configuration that names it is approved,
    /// else the example theme (as the web pages do), and its logo as a `data:` URI, for a
    /// letter that stands on its own.
    pub thema: &'a loep_store::Thema,
    pub logo: Option<String>,
}

impl Context<'_> {
    fn organisatie(&self) -> String {
        self.config
            .publicatie
            .organisatie
            .clone()
            .unwrap_or_else(|| "de gemeente".to_string())
    }

    /// The organisation that processed a line of the log, from its `door_organisatie`: a
    /// partner by its full name, the project's own team (and the project's automated steps,
    /// which name no organisation) as the organisation responsible for the project.
    fn door(&self, handeling: &str, kenmerken: &serde_json::Value) -> String {
        let org = self.organisatie();
        match kenmerken
            .get(loep_store::log::DOOR_ORGANISATIE)
            .and_then(|v| v.as_str())
        {
            // A step a person takes, recorded before loep named the organisation.
            None if labels::by_a_person(handeling) => "niet vastgelegd".to_string(),
            None => org,
            Some(code) => labels::organisation(code, &org),
        }
    }

    fn contact(&self) -> Option<&str> {
        self.config.publicatie.contact.as_deref()
    }

    /// The value of field `name` of `table` as a resident reads it.
    fn waarde(&self, table: &Table, name: &str, value: &str, zelf: &str) -> String {
        if labels::is_person(table, name) {
            return if value == zelf {
                "u".to_string()
            } else {
                "een andere persoon (in dit overzicht niet genoemd)".to_string()
            };
        }
        let Some(col) = labels::column(table, name) else {
            return scrub(value, self.adressen);
        };
        let shown = match col.ty {
            ColumnType::VboId => adres(value, self.adressen),
            ColumnType::NummeraanduidingId | ColumnType::PandId => {
                "vastgelegd in de BAG".to_string()
            }
            // A birth year (the analysis store's `geboortejaar`) stays a year.
            ColumnType::Datum | ColumnType::BrpDatum => datum(value),
            ColumnType::Periode => maand_jaar(value),
            ColumnType::Bedrag | ColumnType::BedragSigned => bedrag(value),
            ColumnType::Int(..) | ColumnType::Quantity(_) => getal(value),
            ColumnType::Gebruiksdoelen => value.replace('|', ", "),
            ColumnType::Buurtcode => self
                .adressen
                .buurtnaam(Some(value))
                .map(str::to_string)
                .unwrap_or_else(|| value.to_string()),
            ColumnType::JaNee | ColumnType::Code(_) => labels::code(name, value)
                .map(str::to_string)
                .unwrap_or_else(|| value.replace('_', " ")),
            _ => value.to_string(),
        };
        scrub(&shown, self.adressen)
    }

    /// One row of a source as labelled values, in the order of the contract; internal keys
    /// (`record_key`) are left out: they are in the JSON for machines.
    fn rij(&self, table: &Table, row: &BTreeMap<String, String>, zelf: &str) -> Vec<Regel> {
        let mut out = Vec::new();
        for c in table.columns {
            let names = [Some(c.name.to_string()), c.analysis_name()];
            for n in names.iter().flatten() {
                // The row's subject is the reader: "Persoon: u" says nothing.
                if n == "pseudoniem" && row.get(n).map(String::as_str) == Some(zelf) {
                    break;
                }
                if let Some(v) = row.get(n)
                    && !v.is_empty()
                {
                    let label = labels::field(table.name, n).unwrap_or(c.name);
                    out.push(Regel::new(label, self.waarde(table, n, v, zelf)));
                    break;
                }
            }
        }
        out
    }

    fn bron(&self, b: &Bron, zelf: &str) -> Option<BronBlok> {
        let table = Table::by_name(&b.tabel)?;
        let kluis = b.opslag == "kluis";
        let mut herkomst = vec![Regel::new(
            "Geleverd door",
            labels::partner_named(&b.partner),
        )];
        herkomst.push(Regel::new(
            "Bewaard",
            if kluis {
                "in de beveiligde identiteitskluis: uw naam en geboortedatum, alleen in te zien na toestemming van twee personen"
            } else {
                "in de analysegegevens, onder een pseudoniem in plaats van uw naam en BSN"
            },
        ));
        herkomst.push(Regel::new(
            "Gevonden",
            if b.via.starts_with("pseudoniem of") {
                "op uw BSN, of door koppeling op naam en geboortedatum"
            } else if kluis {
                "op uw BSN"
            } else {
                "op uw BSN (als pseudoniem)"
            },
        ));
        Some(BronBlok {
            titel: format!(
                "{}{}",
                labels::table(&b.tabel).unwrap_or("Andere bron"),
                if kluis { " – identiteitskluis" } else { "" }
            ),
            herkomst,
            rijen: b
                .rijen
                .iter()
                .map(|r| self.rij(table, r, zelf))
                .filter(|r| !r.is_empty())
                .collect(),
        })
    }

    /// The project's area in words: buurten and wijken by name.
    fn gebied(&self, codes: &[String]) -> String {
        codes
            .iter()
            .map(|c| {
                if c.starts_with("BU") {
                    match self.adressen.buurtnaam(Some(c)) {
                        Some(n) => format!("buurt {n}"),
                        None => format!("buurt {c}"),
                    }
                } else if c.starts_with("WK") {
                    match self
                        .adressen
                        .buurten
                        .values()
                        .find(|b| b.wijkcode.as_deref() == Some(c.as_str()))
                        .and_then(|b| b.wijknaam.clone())
                    {
                        Some(n) => format!("wijk {n}"),
                        None => format!("wijk {c}"),
                    }
                } else {
                    match self
                        .config
                        .publicatie
                        .organisatie
                        .as_deref()
                        .and_then(|o| o.strip_prefix("Gemeente "))
                    {
                        Some(plaats) => format!("de hele gemeente {plaats}"),
                        None => format!("de hele gemeente ({c})"),
                    }
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn naam(r: &Inzage) -> String {
    [
        r.identiteit.voornamen.as_deref(),
        r.identiteit.voorvoegsel.as_deref(),
        r.identiteit.geslachtsnaam.as_deref(),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" ")
}

/// The address block of the person's letter: the name, then street and number and postcode
/// and place as the post asks them (`2011 AB  HAARLEM`), from the address the BRP holds for
/// them (their home or their correspondence address).
fn adresblok(r: &Inzage, n: &str, adressen: &Addresses) -> Vec<String> {
    let mut lines = vec![if n.is_empty() {
        "De bewoner".to_string()
    } else {
        n.to_string()
    }];
    // Only an address where the BRP says the person lives (or takes post): not the last
    // address of someone who left for an unknown address, emigrated or died.
    let vbo = r
        .bronnen
        .iter()
        .filter(|b| b.tabel == "brp_persoon")
        .flat_map(|b| b.rijen.iter())
        .filter(|row| row.get("status").is_none_or(|s| s == "ingezetene"))
        .find_map(|row| row.get("vbo_id").filter(|v| !v.is_empty()));
    if let Some(a) = vbo.and_then(|v| adressen.get(v)) {
        let straat = a.adres.split(", ").next().unwrap_or(&a.adres).to_string();
        lines.push(straat);
        let postcode = a
            .postcode
            .as_deref()
            .map(|p| match (p.get(..4), p.get(4..)) {
                (Some(c), Some(l)) => format!("{c} {l}"),
                _ => p.to_string(),
            });
        let plaats = a.woonplaats.as_deref().map(str::to_uppercase);
        let regel = [postcode, plaats]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("  ");
        if !regel.is_empty() {
            lines.push(regel);
        }
    }
    lines
}

/// The date `days` days after `date` (`YYYY-MM-DD`), in words.
fn na(date: &str, days: u32) -> Option<String> {
    let d = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
    let later = d.checked_add_days(chrono::Days::new(u64::from(days)))?;
    Some(datum(&later.format("%Y-%m-%d").to_string()))
}

/// The letter for report `r`.
pub fn brief(r: &Inzage, ctx: &Context<'_>) -> Brief {
    let org = ctx.organisatie();
    let c = ctx.config;
    let n = naam(r);
    let bronnen: Vec<BronBlok> = r
        .bronnen
        .iter()
        .filter_map(|b| ctx.bron(b, r.pseudoniem.as_str()))
        .collect();
    let signalen = signalen(r, ctx);
    let verwerkingen = verwerkingen(r, ctx);
    let adresblok = adresblok(r, &n, ctx.adressen);
    Brief {
        huisstijl: Huisstijl::of(ctx.thema, ctx.logo.clone()),
        afzender: match &c.publicatie.postadres {
            Some(p) => format!("{org}, {}", p.trim()),
            None => org.clone(),
        },
        zonder_adres: adresblok.len() < 2,
        adresblok,
        kenmerk: ctx.kenmerk.clone(),
        datum: datum(r.opgesteld.get(..10).unwrap_or_default()),
        beperking: beperking(ctx, &org),
        ondertekening: ondertekening(c, &org),
        titel: "Inzage in uw persoonsgegevens".to_string(),
        opgesteld: tijdstip(&r.opgesteld),
        persoon: persoon(r, &n),
        inleiding: inleiding(ctx, &org),
        project: project(ctx, &org),
        bronnen_uitleg: bronnen_uitleg(bronnen.is_empty()),
        bronnen,
        vermeldingen: vermeldingen(r),
        signalen_uitleg: signalen_uitleg(ctx, signalen.is_empty()),
        signalen,
        verwerkingen_uitleg: verwerkingen_uitleg(ctx, verwerkingen.is_empty()),
        verwerkingen,
        indicatoren_uitleg: vec![
            "Dit zijn alle regels (indicatoren) die het project mag gebruiken. De volledige catalogus met de precieze regels, grenzen en onderbouwing is openbaar, net als de vermelding van het project in het Algoritmeregister van de overheid.".to_string(),
        ],
        indicatoren: indicatoren(r),
        bewaren: bewaren(c, &org),
        rechten: rechten(ctx, &org),
        contact: contact(ctx, &org),
        organisatie: org,
    }
}

/// Who the letter is about: name, birth date and BSN, as far as the project knows them.
fn persoon(r: &Inzage, n: &str) -> Vec<Regel> {
    vec![
        Regel::new(
            "Naam",
            if n.is_empty() {
                "niet bekend in de BRP-gegevens van het project".to_string()
            } else {
                n.to_string()
            },
        ),
        Regel::new(
            "Geboortedatum",
            r.identiteit
                .geboortedatum
                .as_deref()
                .map(datum)
                .unwrap_or_else(|| "niet bekend".to_string()),
        ),
        Regel::new(
            "Burgerservicenummer (BSN)",
            r.identiteit
                .bsn
                .clone()
                .unwrap_or_else(|| "niet in het project".to_string()),
        ),
    ]
}

/// What the person asked, and what the overview holds.
fn inleiding(ctx: &Context<'_>, org: &str) -> Vec<String> {
    let c = ctx.config;
    vec![
        format!(
            "U heeft gevraagd welke persoonsgegevens {org} over u verwerkt in het project \u{201c}{}\u{201d} (artikel 15 van de Algemene verordening gegevensbescherming, AVG).",
            c.naam
        ),
        if ctx.beperking.is_some() {
            "In dit overzicht staan de gegevens die het project over u heeft, per organisatie die ze leverde; de signalen waarbij u betrokken bent en hoe die tot stand kwamen; en wat er binnen het project met uw gegevens is gedaan, behalve het deel dat hieronder tijdelijk is beperkt. Aan het eind leest u hoe lang wij de gegevens bewaren, hoe u bezwaar maakt en bij wie u terechtkunt.".to_string()
        } else {
            "In dit overzicht staan alle gegevens die het project over u heeft, per organisatie die ze leverde; de signalen waarbij u betrokken bent en hoe die tot stand kwamen; en alles wat er binnen het project met uw gegevens is gedaan. Aan het eind leest u hoe lang wij de gegevens bewaren, hoe u bezwaar maakt en bij wie u terechtkunt.".to_string()
        },
    ]
}

/// What is left out for a while (article 41 UAVG), and how to object; empty when nothing is.
fn beperking(ctx: &Context<'_>, org: &str) -> Vec<String> {
    match ctx.beperking {
        None => Vec::new(),
        Some(b) => vec![
            format!(
                "{org} heeft besloten een deel van de gegevens over u tijdelijk niet in dit overzicht op te nemen: {}.",
                b.delen
                    .iter()
                    .map(|d| d.omschrijving())
                    .collect::<Vec<_>>()
                    .join(", en ")
            ),
            format!(
                "Dat mag op grond van artikel 41, eerste lid, van de Uitvoeringswet Algemene verordening gegevensbescherming (UAVG), onder meer ter voorkoming, opsporing en vervolging van strafbare feiten en voor het toezicht en de controle die de overheid uitoefent. Deze beperking geldt tot en met {}. Daarna kunt u opnieuw om inzage vragen; u krijgt dan ook dit deel, voor zover het dan nog wordt bewaard.",
                datum(&b.tot)
            ),
            format!(
                "Bent u het niet eens met dit besluit, dan kunt u binnen zes weken na de datum van deze brief bezwaar maken bij {org} (artikel 34 UAVG en de Algemene wet bestuursrecht). U kunt ook een klacht indienen bij de Autoriteit Persoonsgegevens (zie ‘Uw rechten’)."
            ),
        ],
    }
}

/// The project: who is responsible, why, on what ground, where and until when.
fn project(ctx: &Context<'_>, org: &str) -> Vec<Regel> {
    let c = ctx.config;
    vec![
        Regel::new("Project", c.naam.clone()),
        Regel::new("Verantwoordelijk", org),
        Regel::new("Doel", c.doel.clone()),
        Regel::new("Wettelijke grondslag", c.grondslag.clone()),
        Regel::new("Gebied", ctx.gebied(&c.gebied)),
        Regel::new(
            "Looptijd",
            format!(
                "{} tot en met {}",
                datum(&c.periode.van),
                datum(&c.periode.tot)
            ),
        ),
    ]
}

/// How the partners' data come in; and that there are none, when there are none.
fn bronnen_uitleg(geen: bool) -> Vec<String> {
    let mut bronnen_uitleg = vec![
        "Partners leveren alleen de gegevens die in het convenant zijn afgesproken. Uw BSN wordt bij binnenkomst vervangen door een pseudoniem: een code waaruit uw naam niet af te leiden is. Analisten werken alleen met die code. Uw naam en geboortedatum staan apart, in een beveiligde identiteitskluis.".to_string(),
    ];
    if geen {
        bronnen_uitleg.push("Het project heeft geen gegevens van partners over u.".to_string());
    }
    bronnen_uitleg
}

/// Where the person is named in another person's rows (which the overview leaves out).
fn vermeldingen(r: &Inzage) -> Vec<String> {
    r
        .vermeldingen
        .iter()
        .map(|v| {
            let veld = labels::field(&v.tabel, &v.veld).unwrap_or("partner");
            let (regels, gaan) = if v.rijen == 1 {
                ("1 regel".to_string(), "Die regel gaat")
            } else {
                (format!("{} regels", v.rijen), "Die regels gaan")
            };
            format!(
                "U wordt genoemd als {} in {regels} van een andere persoon in \u{201c}{}\u{201d}. {gaan} over die ander en {} daarom niet in dit overzicht.",
                veld.to_lowercase(),
                labels::table(&v.tabel).unwrap_or("een andere bron"),
                if v.rijen == 1 { "staat" } else { "staan" },
            )
        })
        .collect()
}

/// Every signal the person is involved in, with the facts the rule saw.
fn signalen(r: &Inzage, ctx: &Context<'_>) -> Vec<SignaalBlok> {
    let titels: BTreeMap<&str, &str> = r
        .indicatoren
        .iter()
        .map(|i| (i.code.as_str(), i.titel.as_str()))
        .collect();
    r.signalen
        .iter()
        .map(|s| {
            let mut regels = vec![
                Regel::new("Thema", labels::theme(s.thema.code())),
                Regel::new("Adres", adres(&s.vbo_id, ctx.adressen)),
                Regel::new("Uitleg", scrub(&s.uitleg, ctx.adressen)),
            ];
            if let Some(feiten) = s.feiten.as_object() {
                for (k, v) in feiten {
                    let v = match v {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    if v.is_empty() || v == "-" {
                        continue;
                    }
                    let shown = loep_contract::nl::feit(k, &v);
                    let label = labels::fact(k).map(str::to_string).unwrap_or_else(|| {
                        let mut l = k.replace('_', " ");
                        if let Some(f) = l.get(..1) {
                            l = f.to_uppercase() + l.get(1..).unwrap_or_default();
                        }
                        l
                    });
                    regels.push(Regel::new(label, scrub(&shown, ctx.adressen)));
                }
            }
            regels.push(Regel::new("Kenmerk van het signaal", s.signaal.clone()));
            SignaalBlok {
                titel: match titels.get(s.indicator.as_str()) {
                    Some(t) => format!("{t} ({}, versie {})", s.indicator, s.versie),
                    None => format!("Indicator {} (versie {})", s.indicator, s.versie),
                },
                regels,
            }
        })
        .collect()
}

/// What a signal is; and that a part is restricted, or that there are none.
fn signalen_uitleg(ctx: &Context<'_>, geen: bool) -> Vec<String> {
    let beperkt = |d: super::Deel| ctx.beperking.is_some_and(|b| b.delen.contains(&d));
    let mut signalen_uitleg = vec![
        "Een signaal betekent dat de gegevens over een adres voldoen aan een gepubliceerde regel (een indicator). Een signaal is een reden om beter te kijken, nooit een besluit over u. Hieronder staat per signaal welke feiten de regel zag en welke grens gold; klopt een feit niet, dan kunt u dat laten weten.".to_string(),
    ];
    if beperkt(super::Deel::Signalen) {
        signalen_uitleg.push(
            "Dit deel staat tijdelijk niet in het overzicht: zie de beperking bovenaan."
                .to_string(),
        );
    } else if geen {
        signalen_uitleg.push(
            "Geen enkele indicator heeft een signaal gegeven waarbij u betrokken bent.".to_string(),
        );
    }
    signalen_uitleg
}

/// Every record of the processing log about the person, in words.
fn verwerkingen(r: &Inzage, ctx: &Context<'_>) -> Vec<Handeling> {
    r.verwerkingen
        .iter()
        .map(|v| {
            let mut details: Vec<String> = v
                .kenmerken
                .as_object()
                .map(|o| {
                    o.iter()
                        .filter_map(|(k, val)| {
                            let label = labels::action_detail(k)?;
                            let val = match val {
                                serde_json::Value::String(s) => s.clone(),
                                other => other.to_string(),
                            };
                            let val = if k == "datum" {
                                datum(&val)
                            } else {
                                labels::log_value(k, &val)
                            };
                            Some(format!("{label}: {}", scrub(&val, ctx.adressen)))
                        })
                        .collect()
                })
                .unwrap_or_default();
            if v.status.to_uppercase().contains("ERROR") {
                details.push("niet gelukt".to_string());
            }
            Handeling {
                tijdstip: tijdstip(&v.tijdstip),
                wat: labels::action(&v.handeling).to_string(),
                door: ctx.door(&v.handeling, &v.kenmerken),
                details: details.join("; "),
            }
        })
        .collect()
}

/// What the processing log is; and that a part is restricted, or that there are none.
fn verwerkingen_uitleg(ctx: &Context<'_>, geen: bool) -> Vec<String> {
    let mut verwerkingen_uitleg = vec![
        "Elke verwerking van uw gegevens wordt vastgelegd in een verwerkingslog dat niet te wijzigen is zonder dat het opvalt. Dit zijn de regels die over u gaan, met de tijd (Nederlandse tijd). Verwerkingen van een hele levering (zoals het inlezen van alle gegevens van een partner) staan in het log op naam van die levering.".to_string(),
    ];
    if ctx.beperking.is_some() {
        verwerkingen_uitleg.push(
            "Regels die horen bij het deel dat tijdelijk is beperkt, staan hier niet: zie de beperking bovenaan."
                .to_string(),
        );
    } else if geen {
        verwerkingen_uitleg.push("Het verwerkingslog bevat geen regels over u.".to_string());
    }
    verwerkingen_uitleg
}

/// Every indicator the project may use, with its theme.
fn indicatoren(r: &Inzage) -> Vec<Regel> {
    r.indicatoren
        .iter()
        .map(|i| {
            Regel::new(
                format!("{}: {}", i.code, i.titel),
                format!(
                    "{} Thema: {}.",
                    i.beschrijving,
                    labels::theme(i.thema.code()).to_lowercase()
                ),
            )
        })
        .collect()
}

/// How long the data are kept.
fn bewaren(c: &ProjectConfig, org: &str) -> Vec<String> {
    let t = &c.bewaartermijnen;
    let mut bewaren = vec![match na(&c.periode.tot, t.identiteiten_na_einde_dagen) {
        Some(d) => format!(
            "Gegevens van personen bij wie geen signaal is gevonden, worden uiterlijk {} dagen na het einde van het project vernietigd, dus uiterlijk op {d}.",
            t.identiteiten_na_einde_dagen
        ),
        None => format!(
            "Gegevens van personen bij wie geen signaal is gevonden, worden uiterlijk {} dagen na het einde van het project vernietigd.",
            t.identiteiten_na_einde_dagen
        ),
    }];
    bewaren.push(format!(
        "Een signaal dat niet tot een onderzoek (zaak) leidt, wordt na {} dagen vernietigd.",
        t.signalen_dagen
    ));
    bewaren.push(format!(
        "Een zaak wordt na afsluiting bewaard zolang de uitkomst vraagt (bijvoorbeeld drie maanden als er niets is gevonden), en nooit langer dan {} jaar.",
        t.zaken_jaren
    ));
    bewaren.push(format!(
        "De kopie van dit overzicht die {org} bewaart, wordt na {} dagen vernietigd.",
        t.signalen_dagen
    ));
    bewaren.push("Het verwerkingslog wordt niet gewist: zo kan een toezichthouder altijd nagaan wat er met gegevens is gebeurd. Het bevat geen namen, alleen pseudoniemen.".to_string());
    bewaren
}

/// The person's rights: correction, objection, the human decision, a complaint.
fn rechten(ctx: &Context<'_>, org: &str) -> Vec<Regel> {
    let waar = match ctx.contact() {
        Some(c) => format!("naar {c}"),
        None => format!("naar {org}"),
    };
    vec![
        Regel::new(
            "Klopt een gegeven niet?",
            "Vraag de organisatie die het gegeven leverde om het te verbeteren (artikel 16 AVG); bij elk gegeven staat wie dat is. Het project neemt de verbetering over met de volgende levering. U mag het ons ook laten weten; wij geven het dan door.",
        ),
        Regel::new(
            "Bezwaar maken",
            format!(
                "U kunt bezwaar maken tegen het gebruik van uw gegevens in dit project (artikel 21 AVG). Stuur uw bezwaar met de reden {waar}. U krijgt binnen een maand antwoord (artikel 12 AVG). Zolang wij uw bezwaar beoordelen, kunt u vragen het gebruik van uw gegevens te beperken (artikel 18 AVG)."
            ),
        ),
        Regel::new(
            "Een signaal is geen besluit",
            "Een computer beslist in dit project niets over u (artikel 22 AVG). Een besluit, zoals een boete, een andere inschrijving of het stoppen van een uitkering, neemt altijd een mens. U krijgt daarover een aparte brief, waartegen u bezwaar en beroep kunt instellen.",
        ),
        Regel::new(
            "Een klacht indienen",
            format!(
                "Bent u het niet eens met de manier waarop {org} met uw gegevens omgaat, dan kunt u een klacht indienen bij de Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl; artikel 77 AVG). Dat kan ook zonder eerst bezwaar te maken."
            ),
        ),
    ]
}

/// Whom to ask: the privacy officer, and about this overview.
fn contact(ctx: &Context<'_>, org: &str) -> Vec<Regel> {
    let mut contact = vec![Regel::new(
        format!("Functionaris gegevensbescherming van {org}"),
        match ctx.contact() {
            Some(c) => c.to_string(),
            None => format!("via het algemene adres van {org}"),
        },
    )];
    contact.push(Regel::new(
        "Vragen over dit overzicht",
        match ctx.contact() {
            Some(c) => format!("{c}; vermeld de datum van dit overzicht"),
            None => format!("{org}; vermeld de datum van dit overzicht"),
        },
    ));
    contact
}

/// The signature: greeting, organisation, the privacy officer's name and office.
fn ondertekening(c: &ProjectConfig, org: &str) -> Vec<String> {
    let mut ondertekening = vec![
        "Met vriendelijke groet,".to_string(),
        format!("namens {org},"),
    ];
    if let Some(f) = &c.publicatie.functionaris {
        ondertekening.push(f.trim().to_string());
    }
    ondertekening.push("Functionaris gegevensbescherming".to_string());
    ondertekening
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_times_and_amounts_in_dutch() {
        assert_eq!(datum("2015-03-01"), "1 maart 2015");
        assert_eq!(datum("1970-05-00"), "mei 1970");
        assert_eq!(datum("1970-00-00"), "1970");
        assert_eq!(datum("0000-00-00"), "onbekend");
        assert_eq!(maand_jaar("2025-03"), "maart 2025");
        // Summer time: UTC+2.
        assert_eq!(
            tijdstip("2026-06-15T10:00:00.123456Z"),
            "15 juni 2026, 12:00"
        );
        assert_eq!(tijdstip("2026-01-15T10:00:00Z"), "15 januari 2026, 11:00");
        assert_eq!(bedrag("1234.5"), "€ 1.234,50");
        assert_eq!(bedrag("-1200.50"), "€ -1.200,50");
        assert_eq!(bedrag("612.4"), "€ 612,40");
        assert_eq!(getal("12000"), "12.000");
        assert_eq!(getal("2025"), "2025");
        assert_eq!(getal("0.25"), "0,25");
        assert_eq!(getal("Kerkstraat"), "Kerkstraat");
    }

    #[test]
    fn pseudonyms_and_bag_ids_are_scrubbed() {
        let a = Addresses::default();
        let p = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            scrub(&format!("naast {p}."), &a),
            "naast een andere persoon."
        );
        assert_eq!(scrub("op 0392010000000001", &a), "op een adres");
        assert_eq!(
            scrub("S0001-1a2b3c4d/3 en 2025", &a),
            "S0001-1a2b3c4d/3 en 2025"
        );
    }
}
