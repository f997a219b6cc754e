//! The data contract as a document: [`levering_md`] writes `docs/levering.md` from the
//! contract's own tables, types and lists, so that what partners read cannot drift from what
//! the intake checks.
//!
//! Only the explanatory prose lives here, as constants. Every table, column, value type, code
//! list, partner, forbidden column and theme comes from [`crate::tables`]; a new
//! [`ColumnType`], [`Handling`] or [`ScopeRule`] does not compile until it is described here.
//! The test `published_contract_is_current` compares `docs/levering.md` with [`levering_md`];
//! `LOEP_BLESS=1 cargo test -p loep-contract doc::` rewrites the file.

use std::fmt::{self, Write as _};

use crate::tables::{
    Column, ColumnType, FORBIDDEN_COLUMNS, GEBRUIKSDOELEN, Handling, Partner, ScopeRule, TABLES,
    Table, Thema,
};

/// The key of a table within one file ([`Table::key`]); `None` when it has none.
pub fn unique_key(table: &Table) -> Option<&'static [&'static str]> {
    (!table.key.is_empty()).then_some(table.key)
}

/// A rule that spans several columns of one row, as the intake checks it
/// ([`crate::value::check_row`]). The test `row_rules_are_what_the_intake_checks` feeds each
/// rule's `breaks` row to the intake's check and expects it to be refused on `column`.
struct RowRule {
    table: &'static str,
    column: &'static str,
    nl: &'static str,
    en: &'static str,
    /// A row (column, delivered text) that breaks the rule.
    #[cfg_attr(not(test), allow(dead_code))]
    breaks: &'static [(&'static str, &'static str)],
}

const ROW_RULES: &[RowRule] = &[
    RowRule {
        table: "brp_persoon",
        column: "vbo_id",
        nl: "`vbo_id` is leeg als `status` niet `ingezetene` is.",
        en: "`vbo_id` is empty unless `status` is `ingezetene`.",
        breaks: &[("status", "emigratie"), ("vbo_id", "0392010000012345")],
    },
    RowRule {
        table: "brp_persoon",
        column: "overlijdensdatum",
        nl: "Bij `status` `overleden` hoort een `overlijdensdatum`.",
        en: "`status` `overleden` requires an `overlijdensdatum`.",
        breaks: &[("status", "overleden")],
    },
    RowRule {
        table: "brp_persoon",
        column: "partner_bsn",
        nl: "`partner_bsn` is niet het eigen `bsn`.",
        en: "`partner_bsn` is not the person's own `bsn`.",
        breaks: &[("bsn", "111222333"), ("partner_bsn", "111222333")],
    },
    RowRule {
        table: "kad_eigendom",
        column: "eigenaar_bsn",
        nl: "Precies één van `eigenaar_bsn` en `eigenaar_kvk` is gevuld.",
        en: "Exactly one of `eigenaar_bsn` and `eigenaar_kvk` is filled in.",
        breaks: &[("vbo_id", "0392010000012345")],
    },
    RowRule {
        table: "kvk_vestiging",
        column: "eigenaar_bsn",
        nl: "`eigenaar_bsn` wordt alleen gegeven bij `rechtsvorm` `eenmanszaak`.",
        en: "`eigenaar_bsn` is given only for `rechtsvorm` `eenmanszaak`.",
        breaks: &[("rechtsvorm", "bv"), ("eigenaar_bsn", "111222333")],
    },
    RowRule {
        table: "bag_verblijfsobject",
        column: "wijkcode",
        nl: "De buurt (`buurtcode`) ligt in de wijk (`wijkcode`).",
        en: "The buurt (`buurtcode`) lies in the wijk (`wijkcode`).",
        breaks: &[("buurtcode", "BU03920101"), ("wijkcode", "WK039202")],
    },
    RowRule {
        table: "cbs_buurt",
        column: "wijkcode",
        nl: "De buurt (`buurtcode`) ligt in de wijk (`wijkcode`).",
        en: "The buurt (`buurtcode`) lies in the wijk (`wijkcode`).",
        breaks: &[("buurtcode", "BU03920101"), ("wijkcode", "WK039202")],
    },
    RowRule {
        table: "cbs_buurt",
        column: "gemeentecode",
        nl: "De buurt (`buurtcode`) ligt in de gemeente (`gemeentecode`).",
        en: "The buurt (`buurtcode`) lies in the gemeente (`gemeentecode`).",
        breaks: &[("buurtcode", "BU03920101"), ("gemeentecode", "0393")],
    },
    RowRule {
        table: "bd_inkomen",
        column: "fiscaal_partner_bsn",
        nl: "`fiscaal_partner_bsn` is niet het eigen `bsn`.",
        en: "`fiscaal_partner_bsn` is not the person's own `bsn`.",
        breaks: &[("bsn", "111222333"), ("fiscaal_partner_bsn", "111222333")],
    },
];

const GENERATED: &str =
    "<!-- Gegenereerd uit crates/contract/src/doc.rs: niet met de hand bewerken. \
Opnieuw maken: LOEP_BLESS=1 cargo test -p loep-contract doc:: -->

# Data-uitvraag: wat partners leveren

> Dit bestand wordt gemaakt uit de contract-crate van loep (`crates/contract`), dezelfde code
> waarmee de intake elke levering controleert; het kan dus niet afwijken van wat loep aanneemt.
> Bewerk het niet met de hand: `LOEP_BLESS=1 cargo test -p loep-contract doc::` maakt het
> opnieuw.
>
> *This file is generated from loep's contract crate (`crates/contract`), the code the intake
> checks every delivery with, so it cannot differ from what loep accepts. Do not edit it by
> hand: `LOEP_BLESS=1 cargo test -p loep-contract doc::` regenerates it.*
";

const INTRO_NL: &str = "Dit is het contract tussen loep en de partners die gegevens leveren. Echte \
leveringen, testbestanden en synthetische gegevens volgen het allemaal. Kolomnamen zijn de namen \
uit de basisregistraties (Haal Centraal BRP, IMBAG), in snake_case.";

const INTRO_EN: &str = "This is the contract between loep and the partners that supply data. Real \
deliveries, test files and synthetic data all follow it. Column names are the Dutch registry \
names (Haal Centraal BRP, IMBAG), in snake_case.";

const DELIVERY_NL: &str = "Een levering is een map. Elk bestand erin is één tabel, met de naam \
`<tabel>.csv` of `<tabel>.parquet` (dezelfde kolommen). Een levering bevat alleen de tabellen die \
de partner levert. Een optioneel bestand `levering.toml` zegt wie leverde en per wanneer:";

const DELIVERY_AFTER_NL: &str = "Noemt `levering.toml` een partner, dan moet elke tabel in de \
levering een tabel van die partner zijn (zie bij elke tabel), en de partner moet aan het project \
deelnemen. De peildatum is de datum waarop het extract de stand weergeeft: een datum die iets \
vastlegt dat al gebeurd is, mag niet later liggen (zie de regels hieronder).";

const DELIVERY_EN: &str = "A delivery is a directory. Each file in it is one table, named \
`<tabel>.csv` or `<tabel>.parquet` (same columns); a delivery holds only the tables of its \
partner. An optional `levering.toml` names the partner and the peildatum (the reference date of \
the extract). When it names a partner, every table in the delivery must be one that partner \
delivers, and the partner must take part in the project.";

const CSV_NL: &str = "- UTF-8 (een BOM mag), aanhalingstekens volgens RFC 4180, één kopregel.
- Scheidingsteken `,` of `;` (herkend aan de kopregel); regels eindigen op LF, CRLF of CR.
- Een leeg veld is een ontbrekende waarde; spaties rond een waarde tellen niet mee.
- De volgorde van de kolommen is vrij.
- Kolomnamen worden gelezen zonder onderscheid tussen hoofdletters en kleine letters, en spaties \
rond een naam tellen niet mee: `BSN` en `Bsn` zijn `bsn`. Het leveringsverslag noemt elke \
kolomnaam die zo is gelezen.
- In een bestand met `;` als scheidingsteken mag een bedrag een decimale komma hebben \
(`1234,56`); met `,` als scheidingsteken niet.
- Een veld tussen aanhalingstekens loopt nooit voorbij het einde van het bestand of van zijn \
rij: een aanhalingsteken dat niet wordt gesloten, weigert het bestand, zodat er geen rijen \
ongemerkt verdwijnen.
";

const CSV_EN: &str = "UTF-8 (a BOM is tolerated), RFC 4180 quoting, one header row, delimiter \
`,` or `;` (detected from the header), lines ending in LF, CRLF or CR. An empty field is a \
missing value; spaces around a value do not count. Column order is free. Header names are \
matched without regard to case or surrounding spaces (`BSN` and `Bsn` are `bsn`); the delivery \
report lists every such reading. In a file with `;` as delimiter an amount may have a decimal \
comma (`1234,56`). An unbalanced quote refuses the file, so that no row disappears unnoticed.";

const RULES_NL: &str = "- Een kolom die dit contract niet voor de tabel noemt, wordt geweigerd, \
met de naam van de kolom erbij. Zo wordt dataminimalisatie afgedwongen: niets buiten de \
afgesproken velden komt binnen. Sommige kolommen zijn in elke tabel verboden (zie \
[Verboden kolommen](#verboden-kolommen--forbidden-columns)).
- Ontbreekt een verplichte kolom, dan wordt het hele bestand geweigerd. Een onbekende, verboden \
of ontbrekende kolom weigert de levering voordat er één rij is gelezen.
- Een rij met een ongeldige waarde wordt niet geladen en gaat niet verloren: ze komt in het \
afwijzingenverslag met bestand, regelnummer, kolom, waarde en reden (in het Nederlands, met een \
vaste code zoals `bsn_elfproef`). Een identificerende waarde, zoals een BSN, staat daar \
gemaskeerd; alleen de identiteitskluis bewaart haar. De rest van het bestand wordt geladen.
- Een periode eindigt niet voor ze begint: een einddatum in een rij ligt niet voor de begindatum \
in dezelfde rij.
- Een datum die iets vastlegt dat al gebeurd is (een geboorte, een overlijden, het begin van een \
adres, een verkrijging, een inschrijving, een registratie, een melding) ligt niet na de \
peildatum van de levering. In de tabellen hieronder staat bij zo'n kolom *niet na de \
peildatum*; een onbekende datum laat je leeg.
- Een levering wordt helemaal geladen of helemaal niet: een crash halverwege laat de vorige \
stand staan.
- Hetzelfde bestand twee keer leveren verandert niets.
- Binnen één bestand komt de sleutel van een tabel (zie bij elke tabel) één keer voor; een \
tweede rij met dezelfde sleutel wordt afgewezen (`dubbele_sleutel`), de eerste blijft.
- Een nieuwe levering van een tabel vervangt de vorige als geheel, maar verliest nooit stil een \
rij: wordt een rij afgewezen waarvan de sleutel in de vorige levering stond, dan blijft die \
vorige rij gelden (*overgenomen*), en het verslag noemt de regel. Een sleutel verdwijnt alleen \
als hij in een verder geldige levering ontbreekt; het verslag telt die verwijderde rijen en \
noemt de eerste. Het verslag zegt per tabel ook hoeveel rijen nieuw, gewijzigd en ongewijzigd \
zijn.
- Elke regel telt: gelezen = geladen + afgewezen + buiten het gebied. Rijen buiten het \
projectgebied worden niet bewaard (zie *Gebied* bij elke tabel).
- Een tabel met meer afgewezen rijen dan de grens van het project (standaard 5%, \
`max_afgewezen` in `loep.toml`), of zonder één geldige rij, weigert de hele levering: een kapotte \
export vervangt nooit goede gegevens. De grens geldt voor tabellen met minstens 100 rijen in het \
gebied; een kleinere tabel wordt alleen geweigerd als ze geen geldige rij heeft.
";

const RULES_EN: &str = "A column the contract does not list for the table is refused, naming \
it: this is how data minimisation is enforced; some columns are forbidden in every table. A \
missing required column refuses the whole file; header problems refuse the delivery before any \
row is read. A row with an invalid value is not loaded and not lost: it goes to the rejects \
report with file, line number, column, value (masked when identifying) and reason; the rest of \
the file loads. A period never ends before it starts. A date that records something that has \
happened (marked “not after the peildatum”) may not lie after the delivery's peildatum. A delivery \
loads completely or not at all; delivering the same file twice changes nothing. Within one file \
a table's key occurs once; a second row with the same key is rejected (`dubbele_sleutel`). A \
new delivery of a table replaces the previous one as a whole but never loses a row silently: \
when a row is rejected whose key the previous delivery held, that previous row stays in force \
(carried over) and the report names the line; a key is removed only by leaving it out of an \
otherwise valid delivery, and the report counts and names the removals. Every \
line is accounted for: read = loaded + rejected + outside the area. A table whose share of \
rejected rows is above the project's limit (default 5%, `max_afgewezen`; for tables of at least \
100 rows in the area), or that has no valid row at all, refuses the delivery.";

const TYPES_NL: &str = "Elke kolom heeft een van deze typen. Een waarde wordt genormaliseerd \
opgeslagen: in de vorm uit de tabel, ook als ze in een andere toegestane vorm is geleverd.";

const TYPES_EN: &str = "Every column has one of these types. A value is stored normalised, in the \
form shown, also when it was delivered in another accepted form.";

const TOLERANCE_NL: &str = "Toegestane andere schrijfwijzen (het leveringsverslag telt ze per \
kolom):";

/// The other notations the intake reads, with a delivered example and what it is read as.
/// The test `tolerated_notations_are_accepted` parses each example.
const TOLERANCES: &[(&str, &str, &str, &str)] = &[
    (
        "datum, brp_datum",
        "19800312",
        "GBA-notatie `JJJJMMDD`, met `00` voor een onbekende maand of dag (`19800500`, `19800000`); gelezen als `1980-03-12`",
        "GBA notation `JJJJMMDD`, with `00` for an unknown month or day; read as `1980-03-12`",
    ),
    (
        "gemeentecode",
        "GM0392",
        "met het CBS-voorvoegsel `GM` (ook `gm0392`); gelezen als `0392`",
        "with CBS's `GM` prefix (also `gm0392`); read as `0392`",
    ),
    (
        "postcode",
        "2011 ab",
        "met spatie of kleine letters; gelezen als `2011AB`",
        "with a space or lower case; read as `2011AB`",
    ),
    (
        "huisletter, huisnummertoevoeging",
        "a",
        "kleine letters; gelezen als hoofdletters (`A`)",
        "lower case; read as upper case (`A`)",
    ),
];

const TOLERANCE_EN: &str = "Other accepted notations: dates in the GBA notation `JJJJMMDD` \
(with `00` for an unknown month or day), a gemeentecode with CBS's `GM` prefix, postcodes with a \
space or in lower case, house letters and additions in lower case. Header names are matched \
case-insensitively (see CSV). The delivery report counts each reading per column.";

const TABLES_NL: &str = "Per tabel: welke partner haar levert, haar sleutel, welke rijen bij het \
projectgebied horen, en haar kolommen. *In loep* zegt wat er met een kolom gebeurt: *bewaard* \
(in de analyseopslag, genormaliseerd), *gepseudonimiseerd* (een BSN wordt in de analyseopslag een \
pseudoniem; het BSN zelf staat alleen in de identiteitskluis), *alleen geboortejaar* (de \
analyseopslag houdt het jaar; de volledige datum staat alleen in de kluis) of *alleen in de \
kluis* (namen en vrije tekst).";

const TABLES_EN: &str = "Per table: the partner that delivers it, its key, which rows belong to \
the project area, and its columns. The column “in loep” says what happens to a column: kept (in the \
analysis store, normalised), pseudonymised (a BSN becomes a pseudonym; the BSN itself is only in \
the identity vault), birth year only (the full date only in the vault), or identity vault only \
(names and free text).";

const SCOPE_TABLES_NL: &str = "Deze tabellen bepalen welke objecten en personen bij het \
projectgebied horen; lever ze eerst:";

const SCOPE_TABLES_EN: &str = "These tables define which objects and persons belong to the \
project area; deliver them first:";

const NO_KEY_NL: &str = "geen: dezelfde waarden mogen vaker voorkomen";
const NO_KEY_EN: &str = "none: the same values may occur more than once";

const FORBIDDEN_NL: &str = "Herkomst en wat ernaar verwijst komen nooit binnen: nationaliteit, \
geboorteland of -plaats en wat daarvan is afgeleid ontbreken bewust in het contract. Een kolom \
met een van deze namen (hoofdletters tellen niet) wordt in elke tabel geweigerd, met de reden \
erbij, en daarmee de levering:";

const FORBIDDEN_EN: &str = "Origin and its proxies never get in: nationality, country or place of \
birth and anything derived from them are deliberately absent from the contract. A column with \
one of these names (in any case) is refused in every table, with the reason, and with it the \
delivery.";

const THEMES_NL: &str = "Elke indicator noemt één thema uit deze gesloten lijst, zodat uitkomsten \
te vergelijken zijn tussen versies van indicatoren en met bekende uitkomsten. Bij elk thema de \
partners die op een signaal kunnen handelen (en dus bij een huisbezoek horen):";

const THEMES_EN: &str = "Every indicator declares one theme from this closed list, so that \
results can be compared across indicator versions and against known outcomes. With each theme, \
the partners who act on a signal of it.";

/// How a value type is described: its place in the value types table, its name, and its form
/// and checks in both languages.
struct TypeDoc {
    rank: u8,
    kind: &'static str,
    nl: &'static str,
    en: &'static str,
}

/// The description of a value type. Parameters (a text's length, a number's range) differ per
/// column and are shown there ([`type_label`]).
fn type_doc(ty: ColumnType) -> TypeDoc {
    let (rank, kind, nl, en) = match ty {
        ColumnType::Bsn => (
            0,
            "bsn",
            "9 cijfers die de elfproef halen: 9·d1 + 8·d2 + … + 2·d8 − 1·d9 is deelbaar door 11; niet alleen nullen",
            "9 digits passing the elfproef: 9·d1 + 8·d2 + … + 2·d8 − 1·d9 ≡ 0 (mod 11); not all zeros",
        ),
        ColumnType::VboId => (
            1,
            "vbo_id",
            "16 cijfers: 4 cijfers gemeentecode, objecttype `01`, 10 cijfers volgnummer (BAG)",
            "16 digits: 4-digit gemeentecode, object type `01`, 10-digit number (BAG)",
        ),
        ColumnType::NummeraanduidingId => (
            2,
            "nummeraanduiding_id",
            "16 cijfers, objecttype `20` (cijfers 5–6)",
            "16 digits, object type `20` (digits 5–6)",
        ),
        ColumnType::PandId => (
            3,
            "pand_id",
            "16 cijfers, objecttype `10` (cijfers 5–6)",
            "16 digits, object type `10` (digits 5–6)",
        ),
        ColumnType::Postcode => (
            4,
            "postcode",
            "4 cijfers (niet beginnend met 0) en 2 letters",
            "4 digits (not starting with 0) and 2 letters",
        ),
        ColumnType::Huisnummer => (
            5,
            "huisnummer",
            "geheel getal van 1 tot en met 99999",
            "whole number from 1 to 99999",
        ),
        ColumnType::Huisletter => (6, "huisletter", "één letter A–Z", "one letter A–Z"),
        ColumnType::Toevoeging => (
            7,
            "huisnummertoevoeging",
            "1 tot 4 letters of cijfers",
            "1 to 4 letters or digits",
        ),
        ColumnType::Datum => (
            8,
            "datum",
            "volledige datum `JJJJ-MM-DD` die bestaat; jaar vanaf 1800",
            "a complete date `YYYY-MM-DD` that exists; year from 1800",
        ),
        ColumnType::BrpDatum => (
            9,
            "brp_datum",
            "`JJJJ-MM-DD` zoals de BRP levert: deels onbekend mag, `1970-05-00` (dag onbekend), `1970-00-00` (maand en dag onbekend), `0000-00-00` (helemaal onbekend)",
            "`YYYY-MM-DD` as the BRP delivers it: partly unknown is allowed, `1970-05-00` (day unknown), `1970-00-00` (month and day unknown), `0000-00-00` (wholly unknown)",
        ),
        ColumnType::Periode => (
            10,
            "periode",
            "`JJJJ-MM`, maand 01–12, jaar vanaf 1900",
            "`YYYY-MM`, month 01–12, year from 1900",
        ),
        ColumnType::Bedrag => (
            11,
            "bedrag",
            "euro's met hoogstens 2 decimalen en `.` als decimaalteken (in een bestand met `;` ook `,`); geen scheidingsteken voor duizendtallen; niet negatief",
            "euros with at most 2 decimals and `.` as decimal separator (in a file with `;` also `,`); no thousands separator; not negative",
        ),
        ColumnType::BedragSigned => (
            12,
            "bedrag ±",
            "als bedrag, maar mag negatief zijn (`-1500.00`)",
            "as bedrag, but may be negative (`-1500.00`)",
        ),
        ColumnType::Buurtcode => (
            13,
            "buurtcode",
            "`BU` en 8 cijfers (CBS)",
            "`BU` and 8 digits (CBS)",
        ),
        ColumnType::Wijkcode => (
            14,
            "wijkcode",
            "`WK` en 6 cijfers (CBS)",
            "`WK` and 6 digits (CBS)",
        ),
        ColumnType::Gemeentecode => (15, "gemeentecode", "4 cijfers (CBS)", "4 digits (CBS)"),
        ColumnType::JaNee => (16, "ja_nee", "`ja` of `nee`", "`ja` or `nee`"),
        ColumnType::Code(_) => (
            17,
            "code",
            "één van de codes die bij de kolom staan, precies zo geschreven",
            "one of the codes listed with the column, written exactly so",
        ),
        ColumnType::Gebruiksdoelen => (
            18,
            "gebruiksdoelen",
            "één of meer gebruiksdoelen uit de BAG (zie de kolom), gescheiden door `|`, elk hoogstens één keer",
            "one or more BAG gebruiksdoelen (see the column), separated by `|`, each at most once",
        ),
        ColumnType::Text(_) => (
            19,
            "tekst",
            "vrije tekst van hoogstens het aantal tekens bij de kolom; geen stuurtekens behalve regeleinde en tab",
            "free text of at most the number of characters given with the column; no control characters except line break and tab",
        ),
        ColumnType::Int(..) => (
            20,
            "geheel getal",
            "geheel getal binnen het bereik bij de kolom",
            "whole number within the range given with the column",
        ),
        ColumnType::Quantity(_) => (
            21,
            "getal",
            "getal van 0 tot en met het maximum bij de kolom, `.` als decimaalteken; niet negatief",
            "number from 0 to the maximum given with the column, `.` as decimal separator; not negative",
        ),
        ColumnType::Digits(_) => (
            22,
            "cijfers",
            "precies het aantal cijfers bij de kolom (voorloopnullen tellen mee)",
            "exactly the number of digits given with the column (leading zeros count)",
        ),
        ColumnType::SbiCode => (
            23,
            "sbi_code",
            "2 tot 6 cijfers (Standaard Bedrijfsindeling)",
            "2 to 6 digits (Standaard Bedrijfsindeling)",
        ),
        ColumnType::Loonheffingennummer => (
            24,
            "loonheffingennummer",
            "9 cijfers, `L`, 2 cijfers",
            "9 digits, `L`, 2 digits",
        ),
        ColumnType::Aandeel => (25, "aandeel", "`n/m` met 0 < n ≤ m", "`n/m` with 0 < n ≤ m"),
        ColumnType::Wkt => (
            26,
            "wkt",
            "POLYGON of MULTIPOLYGON in WKT, coördinaten in EPSG:28992 (RD)",
            "POLYGON or MULTIPOLYGON in WKT, coordinates in EPSG:28992 (RD)",
        ),
    };
    TypeDoc { rank, kind, nl, en }
}

/// The type of one column, with its parameters: `tekst ≤ 200`, `geheel getal 1–999999`.
fn type_label(ty: ColumnType) -> String {
    let kind = type_doc(ty).kind;
    match ty {
        ColumnType::Text(n) => format!("{kind} ≤ {n}"),
        ColumnType::Int(min, max) => format!("{kind} {min}–{max}"),
        ColumnType::Quantity(max) => format!("{kind} 0–{max}"),
        ColumnType::Digits(n) => format!("{n} {kind}"),
        _ => kind.to_string(),
    }
}

/// A valid value of the type, as a partner would deliver it (the test
/// `every_example_is_valid` parses each one).
fn example(ty: ColumnType) -> String {
    match ty {
        ColumnType::Bsn => "111222333".into(),
        ColumnType::VboId => "0392010000012345".into(),
        ColumnType::NummeraanduidingId => "0392200000012345".into(),
        ColumnType::PandId => "0392100000012345".into(),
        ColumnType::Postcode => "2011AB".into(),
        ColumnType::Huisnummer => "12".into(),
        ColumnType::Huisletter => "A".into(),
        ColumnType::Toevoeging => "2HG".into(),
        ColumnType::Datum => "2026-06-30".into(),
        ColumnType::BrpDatum => "1970-05-00".into(),
        ColumnType::Periode => "2026-05".into(),
        ColumnType::Bedrag => "1234.50".into(),
        ColumnType::BedragSigned => "-1500.00".into(),
        ColumnType::Buurtcode => "BU03920101".into(),
        ColumnType::Wijkcode => "WK039201".into(),
        ColumnType::Gemeentecode => "0392".into(),
        ColumnType::JaNee => "ja".into(),
        ColumnType::Code(codes) => codes.first().copied().unwrap_or_default().into(),
        ColumnType::Gebruiksdoelen => GEBRUIKSDOELEN.first().copied().unwrap_or_default().into(),
        ColumnType::Text(n) => "Kerkstraat".chars().take(n).collect(),
        ColumnType::Int(min, max) => (if (min..=max).contains(&2026) {
            2026
        } else {
            min
        })
        .to_string(),
        ColumnType::Quantity(max) => (if max >= 12.5 { "12.5" } else { "0" }).into(),
        ColumnType::Digits(n) => (1..=n).map(|i| char::from(b'0' + (i % 10) as u8)).collect(),
        ColumnType::SbiCode => "4711".into(),
        ColumnType::Loonheffingennummer => "123456789L01".into(),
        ColumnType::Aandeel => "1/2".into(),
        ColumnType::Wkt => {
            "POLYGON((100000 450000,100100 450000,100100 450100,100000 450000))".into()
        }
    }
}

/// What the analysis store makes of a column, in Dutch and English.
fn handling(col: &Column) -> String {
    let name = col.analysis_name().unwrap_or_default();
    match col.handling {
        Handling::Keep => "bewaard / kept".to_string(),
        Handling::Pseudonym => format!(
            "gepseudonimiseerd als `{name}`; het BSN alleen in de kluis / pseudonymised as `{name}`; the BSN in the vault only"
        ),
        Handling::BirthYear => format!(
            "alleen geboortejaar (`{name}`); de volledige datum alleen in de kluis / birth year only (`{name}`); the full date in the vault only"
        ),
        Handling::VaultOnly => "alleen in de identiteitskluis / identity vault only".to_string(),
        Handling::Topics => {
            let topics = crate::tables::ONDERWERPEN
                .iter()
                .map(|(c, stems)| {
                    let stems: Vec<String> = stems.iter().map(|s| format!("`{s}…`")).collect();
                    format!("{c} ({})", stems.join(", "))
                })
                .collect::<Vec<_>>()
                .join("; ");
            format!(
                "de tekst alleen in de kluis; bewaard wordt alleen welke gepubliceerde onderwerpen hij noemt, herkend aan het begin van een woord (`{name}`: {topics}) / the text in the vault only; kept is only which published topics it mentions, recognised at the start of a word"
            )
        }
    }
}

/// Which rows of a table belong to the project area, in Dutch and English.
fn scope(rule: ScopeRule) -> (&'static str, &'static str) {
    match rule {
        ScopeRule::Buurt => (
            "een rij hoort bij het gebied als haar buurt in het projectgebied ligt.",
            "a row belongs to the area when its buurt lies in the project area.",
        ),
        ScopeRule::Object => (
            "een object hoort bij het gebied als zijn buurt in het projectgebied ligt; deze tabel bepaalt welke objecten bij het project horen.",
            "an object belongs to the area when its buurt lies in the project area; this table defines which objects belong to the project.",
        ),
        ScopeRule::ByObject => (
            "een rij hoort bij het gebied als haar `vbo_id` een object in het gebied is.",
            "a row belongs to the area when its `vbo_id` is an object in the area.",
        ),
        ScopeRule::ByPersonOrObject => (
            "een rij hoort bij het gebied als haar persoon bij het gebied hoort, of haar `vbo_id` (als die gevuld is) een object in het gebied is.",
            "a row belongs to the area when its person does, or its `vbo_id` (when given) is an object in the area.",
        ),
        ScopeRule::ByPerson => (
            "een rij hoort bij het gebied als haar persoon bij het gebied hoort.",
            "a row belongs to the area when its person does.",
        ),
        ScopeRule::Brp => (
            "een persoon hoort bij het gebied als hij staat ingeschreven op een object in het gebied, of er een bezit of er een bedrijf gevestigd heeft; deze tabel bepaalt welke personen bij het project horen.",
            "a person belongs to the area when registered at an object in the area, or owning one or a company established at one; this table defines which persons belong to the project.",
        ),
        ScopeRule::Registration => (
            "een registratie hoort bij het gebied via `vbo_id` als de politie het adres heeft gegeocodeerd; anders als het vrije `adres` een BAG-object in het gebied noemt.",
            "a registration belongs to the area by its `vbo_id` when the police geocoded it; otherwise when the free-text `adres` names a BAG object in the area.",
        ),
        ScopeRule::ByRegistration => (
            "een betrokkene hoort bij het gebied als zijn registratie erbij hoort.",
            "a person involved belongs to the area when their registration does.",
        ),
        ScopeRule::Report => (
            "een melding hoort bij het gebied als het vrije `adres` een BAG-object in het gebied noemt.",
            "a report belongs to the area when its free-text `adres` names a BAG object in the area.",
        ),
    }
}

/// Text for a Markdown table cell: a `|` would end the cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn code_list(codes: &[&str]) -> String {
    codes
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The key of a table as the document shows it, Dutch then English.
fn key_text(table: &Table) -> (String, String) {
    match unique_key(table) {
        Some(cols) => {
            let k = code_list(cols);
            (k.clone(), k)
        }
        None => {
            // A `#` part of the record key numbers the rows within the other parts.
            let numbered: Vec<&str> = table
                .record_key
                .iter()
                .copied()
                .filter(|c| *c != "#")
                .collect();
            if table.record_key.contains(&"#") && !numbered.is_empty() {
                let within = code_list(&numbered);
                (
                    format!("{NO_KEY_NL}; de rijen worden genummerd binnen hun {within}"),
                    format!("{NO_KEY_EN}; rows are numbered within their {within}"),
                )
            } else {
                (NO_KEY_NL.to_string(), NO_KEY_EN.to_string())
            }
        }
    }
}

/// The values a column accepts beyond its type, and whether its date may lie ahead.
fn values_text(col: &Column) -> String {
    let mut parts = Vec::new();
    match col.ty {
        ColumnType::Code(codes) => parts.push(code_list(codes)),
        ColumnType::Gebruiksdoelen => parts.push(code_list(GEBRUIKSDOELEN)),
        _ => {}
    }
    if col.forbids_future() {
        parts.push("*niet na de peildatum / not after the peildatum*".to_string());
    }
    parts.join("; ")
}

fn write_table(out: &mut String, table: &Table) -> fmt::Result {
    writeln!(out, "### {}", table.name)?;
    writeln!(out)?;
    let (key_nl, key_en) = key_text(table);
    let (scope_nl, scope_en) = scope(table.scope);
    writeln!(out, "- **Partner:** `{}`", table.partner)?;
    writeln!(out, "- **Sleutel:** {key_nl}")?;
    writeln!(out, "- **Gebied:** {scope_nl}")?;
    writeln!(out)?;
    writeln!(
        out,
        "*Delivered by `{}`. Key: {key_en}. Area: {scope_en}*",
        table.partner
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| kolom / column | type | verplicht / required | waarden / values | in loep |"
    )?;
    writeln!(out, "|---|---|---|---|---|")?;
    for col in table.columns {
        writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            col.name,
            cell(&type_label(col.ty)),
            if col.required { "ja / yes" } else { "nee / no" },
            cell(&values_text(col)),
            cell(&handling(col)),
        )?;
    }
    writeln!(out)?;
    let rules: Vec<&RowRule> = ROW_RULES.iter().filter(|r| r.table == table.name).collect();
    if !rules.is_empty() {
        writeln!(
            out,
            "Regels over meer kolommen (een rij die er een breekt, wordt afgewezen op de genoemde kolom) / rules across columns (a row that breaks one is rejected on the column named):"
        )?;
        writeln!(out)?;
        for r in rules {
            writeln!(out, "- `{}`: {} / {}", r.column, r.nl, r.en)?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn write_doc(out: &mut String) -> fmt::Result {
    writeln!(out, "{GENERATED}")?;
    writeln!(out, "{INTRO_NL}")?;
    writeln!(out)?;
    writeln!(out, "*{INTRO_EN}*")?;
    writeln!(out)?;

    writeln!(out, "## Een levering — A delivery")?;
    writeln!(out)?;
    writeln!(out, "{DELIVERY_NL}")?;
    writeln!(out)?;
    let partners = Partner::ALL.map(Partner::as_str).join(" | ");
    writeln!(out, "```toml")?;
    writeln!(
        out,
        "partner = \"{}\"  # {partners}",
        Partner::Belastingdienst
    )?;
    writeln!(
        out,
        "peildatum = \"2026-06-30\"  # de peildatum van het extract / the reference date of the extract"
    )?;
    writeln!(out, "```")?;
    writeln!(out)?;
    writeln!(out, "{DELIVERY_AFTER_NL}")?;
    writeln!(out)?;
    writeln!(out, "*{DELIVERY_EN}*")?;
    writeln!(out)?;

    writeln!(out, "## CSV-bestanden — CSV files")?;
    writeln!(out)?;
    writeln!(out, "{CSV_NL}")?;
    writeln!(out, "*{CSV_EN}*")?;
    writeln!(out)?;

    writeln!(out, "## Regels voor elke tabel — Rules for every table")?;
    writeln!(out)?;
    writeln!(out, "{RULES_NL}")?;
    writeln!(out, "*{RULES_EN}*")?;
    writeln!(out)?;

    writeln!(out, "## Waardetypen — Value types")?;
    writeln!(out)?;
    writeln!(out, "{TYPES_NL}")?;
    writeln!(out)?;
    writeln!(out, "*{TYPES_EN}*")?;
    writeln!(out)?;
    writeln!(
        out,
        "| type | vorm en controles | form and checks | voorbeeld / example |"
    )?;
    writeln!(out, "|---|---|---|---|")?;
    // Each type that a column of the contract has, once, with the example of its first column.
    let mut types: Vec<(TypeDoc, ColumnType)> = Vec::new();
    for col in TABLES.iter().flat_map(|t| t.columns) {
        let doc = type_doc(col.ty);
        if !types.iter().any(|(d, _)| d.kind == doc.kind) {
            types.push((doc, col.ty));
        }
    }
    types.sort_by_key(|(d, _)| d.rank);
    for (doc, ty) in &types {
        writeln!(
            out,
            "| `{}` | {} | {} | `{}` |",
            doc.kind,
            cell(doc.nl),
            cell(doc.en),
            cell(&example(*ty)),
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{TOLERANCE_NL}")?;
    writeln!(out)?;
    for (types, delivered, nl, en) in TOLERANCES {
        writeln!(out, "- {types}: `{delivered}`: {nl} / {en}.")?;
    }
    writeln!(out)?;
    writeln!(out, "*{TOLERANCE_EN}*")?;
    writeln!(out)?;

    writeln!(out, "## Tabellen — Tables")?;
    writeln!(out)?;
    writeln!(out, "{TABLES_NL}")?;
    writeln!(out)?;
    writeln!(out, "*{TABLES_EN}*")?;
    writeln!(out)?;
    let scope_tables = code_list(
        &TABLES
            .iter()
            .filter(|t| t.defines_scope())
            .map(|t| t.name)
            .collect::<Vec<_>>(),
    );
    writeln!(out, "{SCOPE_TABLES_NL} {scope_tables}.")?;
    writeln!(out)?;
    writeln!(out, "*{SCOPE_TABLES_EN} {scope_tables}.*")?;
    writeln!(out)?;
    writeln!(
        out,
        "| tabel / table | partner | sleutel / key | kolommen (verplicht) / columns (required) |"
    )?;
    writeln!(out, "|---|---|---|---|")?;
    for t in TABLES {
        let key = unique_key(t).map(code_list).unwrap_or_else(|| "—".into());
        let required = t.columns.iter().filter(|c| c.required).count();
        writeln!(
            out,
            "| [`{0}`](#{0}) | `{1}` | {2} | {3} ({4}) |",
            t.name,
            t.partner,
            cell(&key),
            t.columns.len(),
            required
        )?;
    }
    writeln!(out)?;
    for t in TABLES {
        write_table(out, t)?;
    }

    writeln!(out, "## Verboden kolommen — Forbidden columns")?;
    writeln!(out)?;
    writeln!(out, "{FORBIDDEN_NL}")?;
    writeln!(out)?;
    writeln!(out, "{}", code_list(FORBIDDEN_COLUMNS))?;
    writeln!(out)?;
    writeln!(out, "*{FORBIDDEN_EN}*")?;
    writeln!(out)?;

    writeln!(out, "## Thema's van indicatoren — Indicator themes")?;
    writeln!(out)?;
    writeln!(out, "{THEMES_NL}")?;
    writeln!(out)?;
    writeln!(out, "*{THEMES_EN}*")?;
    writeln!(out)?;
    writeln!(
        out,
        "| thema / theme | partners die handelen / partners who act |"
    )?;
    writeln!(out, "|---|---|")?;
    for theme in Thema::ALL {
        let partners: Vec<&str> = theme.interest().iter().map(|p| p.as_str()).collect();
        writeln!(out, "| `{theme}` | {} |", code_list(&partners))?;
    }
    Ok(())
}

/// The whole data contract as Markdown (`docs/levering.md`): the delivery, the CSV rules, the
/// rules for every table, the value types, every table with its partner, key, area and columns,
/// the forbidden columns and the indicator themes. Dutch first, English beneath.
pub fn levering_md() -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = write_doc(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Value, check_row, parse_value};

    /// The published contract, beside the code.
    const DOC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/levering.md");

    /// `None` when `actual` is `expected`; otherwise where they first differ.
    fn differs(expected: &str, actual: &str) -> Option<String> {
        if expected == actual {
            return None;
        }
        let mut e = expected.lines();
        let mut a = actual.lines();
        let mut line = 1;
        loop {
            match (e.next(), a.next()) {
                (Some(x), Some(y)) if x == y => line += 1,
                (None, None) => {
                    return Some(format!(
                        "the texts differ only in line endings or a final newline ({} against {} bytes)",
                        expected.len(),
                        actual.len()
                    ));
                }
                (x, y) => {
                    return Some(format!(
                        "first difference at line {line}:\n  file:      {}\n  generated: {}",
                        x.unwrap_or("<end of file>"),
                        y.unwrap_or("<end of text>")
                    ));
                }
            }
        }
    }

    #[test]
    fn published_contract_is_current() {
        let generated = levering_md();
        if std::env::var("LOEP_BLESS").as_deref() == Ok("1") {
            if let Err(e) = std::fs::write(DOC_PATH, &generated) {
                panic!("cannot write {DOC_PATH}: {e}");
            }
            return;
        }
        let published = std::fs::read_to_string(DOC_PATH).unwrap_or_else(|e| {
            panic!(
                "cannot read docs/levering.md ({e}); write it with \
                 `LOEP_BLESS=1 cargo test -p loep-contract doc::` and commit it"
            )
        });
        if let Some(diff) = differs(&published, &generated) {
            panic!(
                "docs/levering.md does not match the contract in crates/contract: {diff}\n\
                 Regenerate it with `LOEP_BLESS=1 cargo test -p loep-contract doc::` and commit it."
            );
        }
    }

    #[test]
    fn differs_finds_a_changed_text() {
        let doc = levering_md();
        assert_eq!(differs(&doc, &doc), None);
        // One word changed in the middle of the document.
        let changed = doc.replacen("elfproef", "elvenproef", 1);
        assert_ne!(changed, doc);
        let msg = differs(&doc, &changed).expect("a changed word is a difference");
        let line = doc
            .lines()
            .position(|l| l.contains("elfproef"))
            .expect("the document names the elfproef")
            + 1;
        assert!(msg.contains(&format!("line {line}:")), "{msg}");
        assert!(msg.contains("elvenproef"), "{msg}");
        // A line left out, a line added, a missing final newline.
        let mut lines: Vec<&str> = doc.lines().collect();
        lines.remove(3);
        assert!(differs(&doc, &lines.join("\n")).is_some());
        assert!(
            differs(&doc, &format!("{doc}extra\n"))
                .expect("an added line")
                .contains("<end of file>")
        );
        assert!(differs(&doc, doc.trim_end()).is_some());
        assert!(differs("", &doc).is_some());
    }

    /// The part of the document about one table: from its heading to the next heading.
    fn section<'a>(doc: &'a str, table: &str) -> &'a str {
        let heading = format!("\n### {table}\n");
        let start = doc
            .find(&heading)
            .unwrap_or_else(|| panic!("no section for table {table}"));
        let rest = &doc[start + heading.len()..];
        let end = rest
            .find("\n## ")
            .into_iter()
            .chain(rest.find("\n### "))
            .min();
        &rest[..end.unwrap_or(rest.len())]
    }

    #[test]
    fn every_table_and_column_is_documented() {
        let doc = levering_md();
        for table in TABLES {
            let s = section(&doc, table.name);
            assert!(
                s.contains(&format!("**Partner:** `{}`", table.partner)),
                "{}: partner",
                table.name
            );
            if let Some(key) = unique_key(table) {
                assert!(
                    s.contains(&format!("**Sleutel:** {}", code_list(key))),
                    "{}: key",
                    table.name
                );
            }
            for col in table.columns {
                let row = s
                    .lines()
                    .find(|l| l.starts_with(&format!("| `{}` |", col.name)))
                    .unwrap_or_else(|| panic!("{}.{} is not documented", table.name, col.name));
                let required = if col.required { "ja / yes" } else { "nee / no" };
                assert!(row.contains(required), "{}.{}: {row}", table.name, col.name);
                assert!(
                    row.contains(&cell(&type_label(col.ty))),
                    "{}.{}: {row}",
                    table.name,
                    col.name
                );
                if let ColumnType::Code(codes) = col.ty {
                    for code in codes {
                        assert!(
                            row.contains(&format!("`{code}`")),
                            "{}.{} code {code}",
                            table.name,
                            col.name
                        );
                    }
                }
                if let Some(name) = col.analysis_name().filter(|n| n != col.name) {
                    assert!(row.contains(&format!("`{name}`")), "{row}");
                }
                assert_eq!(
                    row.contains("not after the peildatum"),
                    col.forbids_future(),
                    "{row}"
                );
            }
            // No row for a column the table does not have.
            let rows = s.lines().filter(|l| l.starts_with("| `")).count();
            assert_eq!(rows, table.columns.len(), "{}", table.name);
        }
        for doel in GEBRUIKSDOELEN {
            assert!(
                section(&doc, "bag_verblijfsobject").contains(&format!("`{doel}`")),
                "{doel}"
            );
        }
        for name in FORBIDDEN_COLUMNS {
            assert!(
                doc.contains(&format!("`{name}`")),
                "forbidden column {name}"
            );
        }
        for theme in Thema::ALL {
            assert!(doc.contains(&format!("| `{theme}` |")), "theme {theme}");
        }
        for partner in Partner::ALL {
            assert!(doc.contains(partner.as_str()), "partner {partner}");
        }
        // Every type a column has is described.
        for col in TABLES.iter().flat_map(|t| t.columns) {
            let kind = type_doc(col.ty).kind;
            assert!(doc.contains(&format!("| `{kind}` |")), "type {kind}");
        }
    }

    #[test]
    fn every_example_is_valid() {
        for table in TABLES {
            for col in table.columns {
                let ex = example(col.ty);
                assert!(
                    parse_value(col.ty, &ex).is_ok(),
                    "{}.{}: example {ex}",
                    table.name,
                    col.name
                );
            }
        }
    }

    #[test]
    fn tolerated_notations_are_accepted() {
        let ty = |name: &str| {
            TABLES
                .iter()
                .flat_map(|t| t.columns)
                .find(|c| type_doc(c.ty).kind == name)
                .map(|c| c.ty)
                .unwrap_or_else(|| panic!("no column of type {name}"))
        };
        for (types, delivered, _, _) in TOLERANCES {
            for name in types.split(", ") {
                assert!(
                    parse_value(ty(name), delivered).is_ok(),
                    "{name}: {delivered}"
                );
            }
        }
        assert_eq!(
            parse_value(ty("datum"), "19800312"),
            parse_value(ty("datum"), "1980-03-12")
        );
        assert_eq!(
            parse_value(ty("gemeentecode"), "gm0392"),
            Ok(Value::Text("0392".into()))
        );
    }

    #[test]
    fn row_rules_are_what_the_intake_checks() {
        for rule in ROW_RULES {
            let table = Table::by_name(rule.table).expect("a table of the contract");
            assert!(table.column(rule.column).is_some(), "{}", rule.column);
            let values: Vec<(&str, Value)> = rule
                .breaks
                .iter()
                .map(|(c, raw)| {
                    let col = table.column(c).expect("a column of the table");
                    (*c, parse_value(col.ty, raw).expect("a valid value"))
                })
                .collect();
            let get = |name: &str| values.iter().find(|(c, _)| *c == name).map(|(_, v)| v);
            let errors = check_row(table, &get);
            assert!(
                errors.iter().any(|(c, _)| *c == rule.column),
                "{}: {} is not refused: {errors:?}",
                rule.table,
                rule.nl
            );
        }
        // The period rule holds for every table with a start and an end date.
        for (start, end) in [
            ("ingangsdatum", "einddatum"),
            ("datum_aanvang", "datum_einde"),
            ("datum_inschrijving", "datum_uitschrijving"),
        ] {
            for table in TABLES {
                let (Some(s), Some(e)) = (table.column(start), table.column(end)) else {
                    continue;
                };
                let a = parse_value(s.ty, "2026-06-30").expect("a date");
                let b = parse_value(e.ty, "2026-01-01").expect("a date");
                let get = |n: &str| match n {
                    n if n == start => Some(&a),
                    n if n == end => Some(&b),
                    _ => None,
                };
                assert!(
                    check_row(table, &get).iter().any(|(c, _)| *c == end),
                    "{}: {end} before {start}",
                    table.name
                );
            }
        }
    }

    #[test]
    fn keys_name_the_contracts_columns() {
        for table in TABLES {
            for c in table.key {
                assert!(table.column(c).is_some(), "{}.{c}", table.name);
                assert!(
                    table
                        .column(c)
                        .is_some_and(|c| c.required || table.key.len() > 1),
                    "{}.{c}: a key of one column must be required",
                    table.name
                );
            }
        }
        // Every table but the two whose rows repeat a key has one.
        let keyless: Vec<&str> = TABLES
            .iter()
            .filter(|t| t.key.is_empty())
            .map(|t| t.name)
            .collect();
        assert_eq!(keyless, ["uwv_dienstverband", "pol_betrokkene"]);
    }
}
