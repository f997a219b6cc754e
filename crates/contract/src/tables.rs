//! The tables of the contract (`spec/levering.md`, "Tables"): their columns, value types,
//! which partner delivers them, and what each column becomes in the analysis store.

use crate::types::*;
use std::fmt;

/// The partners that may deliver data, as named in `levering.toml`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Partner {
    Gemeente,
    Belastingdienst,
    Svb,
    Uwv,
    Kadaster,
    Kvk,
    Woningcorporatie,
    Netbeheerder,
    Politie,
}

impl Partner {
    pub const ALL: [Partner; 9] = [
        Partner::Gemeente,
        Partner::Belastingdienst,
        Partner::Svb,
        Partner::Uwv,
        Partner::Kadaster,
        Partner::Kvk,
        Partner::Woningcorporatie,
        Partner::Netbeheerder,
        Partner::Politie,
    ];

    /// The codes of `partners`, in their order (as stored and exported).
    pub fn codes(partners: &[Partner]) -> Vec<&'static str> {
        partners.iter().map(|p| p.as_str()).collect()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Partner::Gemeente => "gemeente",
            Partner::Belastingdienst => "belastingdienst",
            Partner::Svb => "svb",
            Partner::Uwv => "uwv",
            Partner::Kadaster => "kadaster",
            Partner::Kvk => "kvk",
            Partner::Woningcorporatie => "woningcorporatie",
            Partner::Netbeheerder => "netbeheerder",
            Partner::Politie => "politie",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Partner::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                Invalid::new(
                    "partner",
                    format!(
                        "onbekende partner '{}'; het contract kent {}",
                        shorten(s, 40),
                        Partner::list()
                    ),
                )
            })
    }

    pub fn list() -> String {
        Partner::ALL.map(Partner::as_str).join(", ")
    }
}

impl fmt::Display for Partner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value type of a column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnType {
    Bsn,
    VboId,
    NummeraanduidingId,
    PandId,
    Postcode,
    Huisnummer,
    Huisletter,
    Toevoeging,
    /// A complete date.
    Datum,
    /// A date that may be partly unknown (BRP).
    BrpDatum,
    Periode,
    Bedrag,
    /// An amount that may be negative.
    BedragSigned,
    Buurtcode,
    Wijkcode,
    Gemeentecode,
    JaNee,
    /// One of a closed list of codes.
    Code(&'static [&'static str]),
    /// `|`-separated gebruiksdoelen.
    Gebruiksdoelen,
    /// Free text up to this many characters.
    Text(usize),
    /// A whole number in a range.
    Int(i64, i64),
    /// A non-negative quantity (may have decimals) up to a maximum.
    Quantity(f64),
    /// Exactly this many digits, kept as text (kvk_nummer, vestigingsnummer).
    Digits(usize),
    /// SBI code: 2 to 6 digits.
    SbiCode,
    /// `^[0-9]{9}L[0-9]{2}$`
    Loonheffingennummer,
    /// An ownership share `n/m`.
    Aandeel,
    /// A POLYGON or MULTIPOLYGON in WKT.
    Wkt,
}

/// What a column becomes behind the intake boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    /// Stored in the analysis store as it is (normalised).
    Keep,
    /// A BSN: replaced by a keyed pseudonym in the analysis store; the BSN itself goes only to
    /// the identity vault.
    Pseudonym,
    /// A birth date: the analysis store keeps the year only; the full date goes to the vault.
    BirthYear,
    /// Identifying or free text: only the identity vault holds it.
    VaultOnly,
    /// Free text that may identify someone: only the identity vault holds it, and the analysis
    /// store keeps which of the published topics ([`ONDERWERPEN`]) it mentions, as
    /// `{name}_onderwerpen` (`|`-separated topic codes, empty when it mentions none).
    Topics,
}

/// The topics a free text can be recognised by, each with the word stems (lower case) that
/// mark it. Published with the contract: an indicator may read that a report's description
/// mentions a renovation, never the description itself.
pub const ONDERWERPEN: &[(&str, &[&str])] = &[(
    "verbouwing",
    &[
        "verbouw",
        "renovat",
        "aannemer",
        "bouwlawaai",
        "bouwwerk",
        "bouwvakker",
        "sloopwerk",
        "steiger",
        "klussen",
        "klusser",
        "boren en breken",
        "boormachine",
        "nieuwe keuken",
        "nieuwe badkamer",
    ],
)];

/// The topics of [`ONDERWERPEN`] that `text` mentions, `|`-separated in list order. A stem
/// matches at the start of a word (`verbouw` in `Verbouwing:`, not in `onverbouwd`).
pub fn topics_of(text: &str) -> String {
    let mut words = String::with_capacity(text.len() + 1);
    words.push(' ');
    for c in text.chars().flat_map(char::to_lowercase) {
        words.push(if c.is_alphanumeric() { c } else { ' ' });
    }
    ONDERWERPEN
        .iter()
        .filter(|(_, stems)| stems.iter().any(|s| words.contains(&format!(" {s}"))))
        .map(|(code, _)| *code)
        .collect::<Vec<_>>()
        .join("|")
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
    pub required: bool,
    pub handling: Handling,
}

impl Column {
    /// The column name in the analysis store (`bsn` → `pseudoniem`, `partner_bsn` →
    /// `partner_pseudoniem`, `geboortedatum` → `geboortejaar`); `None` for vault-only columns.
    pub fn analysis_name(&self) -> Option<String> {
        match self.handling {
            Handling::Keep => Some(self.name.to_string()),
            Handling::Pseudonym => Some(match self.name.strip_suffix("bsn") {
                Some(prefix) => format!("{prefix}pseudoniem"),
                None => format!("{}_pseudoniem", self.name),
            }),
            Handling::BirthYear => Some(self.name.replace("geboortedatum", "geboortejaar")),
            Handling::Topics => Some(format!("{}_onderwerpen", self.name)),
            Handling::VaultOnly => None,
        }
    }

    /// The column's SQL type in the analysis store, as the intake writes it (its Arrow type,
    /// `loep_intake::columns::analysis_type`, which a test keeps equal): for a table an
    /// indicator may read without a delivery of it (an empty view of these types).
    pub fn analysis_sql_type(&self) -> &'static str {
        match (self.handling, self.ty) {
            (Handling::BirthYear, _) => "INT",
            (Handling::Pseudonym, _) => "VARCHAR",
            (_, ColumnType::Huisnummer | ColumnType::Int(..)) => "BIGINT",
            (_, ColumnType::Datum) => "DATE",
            (_, ColumnType::Bedrag | ColumnType::BedragSigned) => "DECIMAL(18, 2)",
            (_, ColumnType::Quantity(_)) => "DOUBLE",
            (_, ColumnType::JaNee) => "BOOLEAN",
            _ => "VARCHAR",
        }
    }

    /// Whether a value of this column identifies a person and must be masked outside the vault.
    pub fn is_identifying(&self) -> bool {
        self.handling != Handling::Keep
    }

    /// Whether this column's dates record something that has happened by the delivery's
    /// peildatum (a birth, a death, the start of an address, an acquisition, a registration,
    /// a report), so that a date after it is an error. End dates and starting dates of
    /// benefits and contracts may lie ahead and are not checked.
    pub fn forbids_future(&self) -> bool {
        matches!(self.ty, ColumnType::Datum | ColumnType::BrpDatum)
            && NO_FUTURE_DATES.contains(&self.name)
    }
}

/// Date columns that may not lie after the peildatum (see [`Column::forbids_future`]).
pub const NO_FUTURE_DATES: &[&str] = &[
    "geboortedatum",
    "huurder_geboortedatum",
    "overlijdensdatum",
    "datum_aanvang_adreshouding",
    "datum_aanvang",
    "datum_verkrijging",
    "datum_inschrijving",
    "datum",
];

/// How the intake decides whether a row concerns the project area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeRule {
    /// The row describes an area (cbs_buurt): in scope when its buurt lies in the area.
    Buurt,
    /// The row is a BAG object: in scope when its buurt lies in the area. Defines object scope.
    Object,
    /// In scope when its `vbo_id` is an in-scope object (kad_eigendom, kvk_vestiging, …).
    ByObject,
    /// In scope when its person is in scope, or its `vbo_id` (if it has one) is in scope.
    ByPersonOrObject,
    /// In scope when its person is in scope.
    ByPerson,
    /// The BRP: in scope when registered at an in-scope object, or owning one or a company
    /// established at one. Defines person scope.
    Brp,
    /// Police registrations: by `vbo_id` when geocoded; without one, by the free-text `adres`
    /// (in scope when it names an in-scope BAG object). Defines registration scope.
    Registration,
    /// Police persons involved: in scope when their registration is.
    ByRegistration,
    /// Residents' reports: in scope when the free-text `adres` names an in-scope BAG object.
    Report,
}

#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    pub partner: Partner,
    pub columns: &'static [Column],
    pub scope: ScopeRule,
    /// Load order within a delivery: BAG first, then what defines owners, then the BRP, then
    /// everything scoped by the BRP.
    pub order: u8,
    /// Columns whose values together identify a record for the vault and for linkage
    /// (`record_key` in the analysis store); empty when the pseudonym identifies it.
    pub record_key: &'static [&'static str],
    /// The columns whose values together identify a row within one delivered file: a second
    /// row with the same key is rejected (`dubbele_sleutel`) and the first stays, and a
    /// rejected row whose key the previous snapshot held keeps that row in force. Empty when
    /// the table has none (`uwv_dienstverband`: two employments with one employer in a month;
    /// `pol_betrokkene`: several persons per registration).
    pub key: &'static [&'static str],
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn by_name(name: &str) -> Option<&'static Table> {
        TABLES.iter().find(|t| t.name == name)
    }

    /// BAG, CBS and BRP define the scope of a project; every other table needs them first.
    pub fn defines_scope(&self) -> bool {
        matches!(
            self.scope,
            ScopeRule::Object | ScopeRule::Brp | ScopeRule::Buurt
        ) || self.name == "brp_verblijf_historie"
    }
}

const fn c(name: &'static str, ty: ColumnType, required: bool) -> Column {
    let handling = match ty {
        ColumnType::Bsn => Handling::Pseudonym,
        _ => Handling::Keep,
    };
    Column {
        name,
        ty,
        required,
        handling,
    }
}

const fn vault(name: &'static str, ty: ColumnType, required: bool) -> Column {
    Column {
        name,
        ty,
        required,
        handling: Handling::VaultOnly,
    }
}

const fn topics(name: &'static str, ty: ColumnType, required: bool) -> Column {
    Column {
        name,
        ty,
        required,
        handling: Handling::Topics,
    }
}

const fn birth(name: &'static str, required: bool) -> Column {
    Column {
        name,
        ty: ColumnType::BrpDatum,
        required,
        handling: Handling::BirthYear,
    }
}

use ColumnType as T;

pub const GEBRUIKSDOELEN: &[&str] = &[
    "woonfunctie",
    "bijeenkomstfunctie",
    "celfunctie",
    "gezondheidszorgfunctie",
    "industriefunctie",
    "kantoorfunctie",
    "logiesfunctie",
    "onderwijsfunctie",
    "sportfunctie",
    "winkelfunctie",
    "overige gebruiksfunctie",
];

const NAME: ColumnType = T::Text(200);

pub static TABLES: &[Table] = &[
    Table {
        name: "cbs_buurt",
        partner: Partner::Gemeente,
        scope: ScopeRule::Buurt,
        order: 0,
        record_key: &[],
        key: &["buurtcode"],
        columns: &[
            c("buurtcode", T::Buurtcode, true),
            c("buurtnaam", T::Text(200), true),
            c("wijkcode", T::Wijkcode, true),
            c("wijknaam", T::Text(200), true),
            c("gemeentecode", T::Gemeentecode, true),
            c("geometrie_wkt", T::Wkt, false),
        ],
    },
    Table {
        name: "bag_verblijfsobject",
        partner: Partner::Gemeente,
        scope: ScopeRule::Object,
        order: 1,
        record_key: &[],
        key: &["vbo_id"],
        columns: &[
            c("vbo_id", T::VboId, true),
            c("nummeraanduiding_id", T::NummeraanduidingId, true),
            c("openbare_ruimte", T::Text(200), true),
            c("huisnummer", T::Huisnummer, true),
            c("huisletter", T::Huisletter, false),
            c("huisnummertoevoeging", T::Toevoeging, false),
            c("postcode", T::Postcode, true),
            c("woonplaats", T::Text(200), true),
            c("gebruiksdoelen", T::Gebruiksdoelen, true),
            c("oppervlakte", T::Int(1, 999_999), true),
            c("pand_id", T::PandId, false),
            c("bouwjaar", T::Int(1000, 2100), false),
            c("buurtcode", T::Buurtcode, true),
            c("wijkcode", T::Wijkcode, true),
            c("rd_x", T::Quantity(300_000.0), false),
            c("rd_y", T::Quantity(700_000.0), false),
        ],
    },
    Table {
        name: "kad_eigendom",
        partner: Partner::Kadaster,
        scope: ScopeRule::ByObject,
        order: 2,
        record_key: &[],
        key: &["vbo_id", "eigenaar_bsn", "eigenaar_kvk"],
        columns: &[
            c("vbo_id", T::VboId, true),
            c("eigenaar_bsn", T::Bsn, false),
            c("eigenaar_kvk", T::Digits(8), false),
            c("aandeel", T::Aandeel, false),
            c("datum_verkrijging", T::Datum, true),
            c("koopsom", T::Bedrag, false),
        ],
    },
    Table {
        name: "kvk_vestiging",
        partner: Partner::Kvk,
        scope: ScopeRule::ByObject,
        order: 3,
        record_key: &["vestigingsnummer"],
        key: &["vestigingsnummer"],
        columns: &[
            c("kvk_nummer", T::Digits(8), true),
            c("vestigingsnummer", T::Digits(12), true),
            vault("handelsnaam", T::Text(500), true),
            c(
                "rechtsvorm",
                T::Code(&[
                    "eenmanszaak",
                    "vof",
                    "bv",
                    "nv",
                    "stichting",
                    "vereniging",
                    "overig",
                ]),
                true,
            ),
            c("sbi_code", T::SbiCode, false),
            c("vbo_id", T::VboId, true),
            c("datum_inschrijving", T::Datum, true),
            c("datum_uitschrijving", T::Datum, false),
            c("eigenaar_bsn", T::Bsn, false),
        ],
    },
    Table {
        name: "brp_persoon",
        partner: Partner::Gemeente,
        scope: ScopeRule::Brp,
        order: 4,
        record_key: &["bsn"],
        key: &["bsn"],
        columns: &[
            c("bsn", T::Bsn, true),
            vault("voornamen", NAME, false),
            vault("voorvoegsel", T::Text(20), false),
            vault("geslachtsnaam", NAME, true),
            birth("geboortedatum", true),
            c("geslacht", T::Code(&["M", "V", "O"]), true),
            c("overlijdensdatum", T::BrpDatum, false),
            c(
                "status",
                T::Code(&["ingezetene", "vow", "emigratie", "overleden"]),
                true,
            ),
            c("vbo_id", T::VboId, false),
            c("functie_adres", T::Code(&["W", "B"]), false),
            c("datum_aanvang_adreshouding", T::BrpDatum, false),
            c("partner_bsn", T::Bsn, false),
        ],
    },
    Table {
        name: "brp_verblijf_historie",
        partner: Partner::Gemeente,
        scope: ScopeRule::ByPersonOrObject,
        order: 5,
        record_key: &[],
        key: &["bsn", "vbo_id", "datum_aanvang"],
        columns: &[
            c("bsn", T::Bsn, true),
            c("vbo_id", T::VboId, true),
            c("functie_adres", T::Code(&["W", "B"]), true),
            c("datum_aanvang", T::BrpDatum, true),
            c("datum_einde", T::BrpDatum, false),
        ],
    },
    Table {
        name: "bd_inkomen",
        partner: Partner::Belastingdienst,
        scope: ScopeRule::ByPersonOrObject,
        order: 6,
        record_key: &[],
        key: &["bsn", "belastingjaar", "vbo_id"],
        columns: &[
            c("bsn", T::Bsn, true),
            c("belastingjaar", T::Int(1990, 2100), true),
            c("verzamelinkomen", T::BedragSigned, true),
            c("vermogen_box3", T::Bedrag, false),
            c("fiscaal_partner_bsn", T::Bsn, false),
            c("vbo_id", T::VboId, false),
        ],
    },
    Table {
        name: "bd_toeslag",
        partner: Partner::Belastingdienst,
        scope: ScopeRule::ByPersonOrObject,
        order: 7,
        record_key: &[],
        key: &["bsn", "jaar", "regeling"],
        columns: &[
            c("bsn", T::Bsn, true),
            c("jaar", T::Int(1990, 2100), true),
            c(
                "regeling",
                T::Code(&[
                    "huurtoeslag",
                    "zorgtoeslag",
                    "kinderopvangtoeslag",
                    "kindgebonden_budget",
                ]),
                true,
            ),
            c("toeslagpartner_bsn", T::Bsn, false),
            c("vbo_id", T::VboId, false),
            c("bedrag_jaar", T::Bedrag, true),
            c("medebewoners", T::Int(0, 99), false),
        ],
    },
    Table {
        name: "svb_uitkering",
        partner: Partner::Svb,
        scope: ScopeRule::ByPersonOrObject,
        order: 8,
        record_key: &[],
        key: &["bsn", "regeling", "ingangsdatum"],
        columns: &[
            c("bsn", T::Bsn, true),
            c("regeling", T::Code(&["aow", "anw", "akw"]), true),
            c("leefvorm", T::Code(&["alleenstaand", "samenwonend"]), true),
            c("vbo_id", T::VboId, false),
            c("ingangsdatum", T::Datum, true),
            c("einddatum", T::Datum, false),
            c("bedrag_maand", T::Bedrag, true),
        ],
    },
    Table {
        name: "uwv_uitkering",
        partner: Partner::Uwv,
        scope: ScopeRule::ByPerson,
        order: 9,
        record_key: &[],
        key: &["bsn", "regeling", "ingangsdatum"],
        columns: &[
            c("bsn", T::Bsn, true),
            c(
                "regeling",
                T::Code(&["ww", "wia", "wajong", "zw", "tw"]),
                true,
            ),
            c("ingangsdatum", T::Datum, true),
            c("einddatum", T::Datum, false),
            c("bedrag_maand", T::Bedrag, true),
        ],
    },
    Table {
        name: "uwv_dienstverband",
        partner: Partner::Uwv,
        scope: ScopeRule::ByPerson,
        order: 10,
        record_key: &[],
        key: &[],
        columns: &[
            c("bsn", T::Bsn, true),
            c("loonheffingennummer", T::Loonheffingennummer, true),
            c("periode", T::Periode, true),
            c("loon", T::Bedrag, true),
            c("uren", T::Quantity(744.0), false),
        ],
    },
    Table {
        name: "gem_bijstand",
        partner: Partner::Gemeente,
        scope: ScopeRule::ByPersonOrObject,
        order: 11,
        record_key: &[],
        key: &["bsn", "ingangsdatum"],
        columns: &[
            c("bsn", T::Bsn, true),
            c(
                "norm",
                T::Code(&["alleenstaande", "alleenstaande_ouder", "gehuwden"]),
                true,
            ),
            c("vbo_id", T::VboId, false),
            c("ingangsdatum", T::Datum, true),
            c("einddatum", T::Datum, false),
            c("bedrag_maand", T::Bedrag, true),
        ],
    },
    Table {
        name: "wc_huurcontract",
        partner: Partner::Woningcorporatie,
        scope: ScopeRule::ByObject,
        order: 12,
        record_key: &["corporatie", "contract_id"],
        key: &["corporatie", "contract_id"],
        columns: &[
            c("corporatie", T::Text(100), true),
            c("contract_id", T::Text(64), true),
            c("vbo_id", T::VboId, true),
            vault("huurder_voornamen", NAME, false),
            vault("huurder_voorvoegsel", T::Text(20), false),
            vault("huurder_geslachtsnaam", NAME, true),
            birth("huurder_geboortedatum", true),
            c("ingangsdatum", T::Datum, true),
            c("einddatum", T::Datum, false),
            c("kale_huur_maand", T::Bedrag, true),
            c("sociale_huur", T::JaNee, true),
        ],
    },
    Table {
        name: "nuts_verbruik",
        partner: Partner::Netbeheerder,
        scope: ScopeRule::ByObject,
        order: 13,
        record_key: &[],
        key: &["vbo_id", "jaar"],
        columns: &[
            c("vbo_id", T::VboId, true),
            c("jaar", T::Int(1990, 2100), true),
            c("elektriciteit_kwh", T::Quantity(1e9), false),
            c("gas_m3", T::Quantity(1e9), false),
            c("water_m3", T::Quantity(1e9), false),
        ],
    },
    Table {
        name: "pol_registratie",
        partner: Partner::Politie,
        scope: ScopeRule::Registration,
        order: 14,
        record_key: &["registratie_id"],
        key: &["registratie_id"],
        columns: &[
            c("registratie_id", T::Text(64), true),
            c("datum", T::Datum, true),
            c(
                "categorie",
                T::Code(&[
                    "overlast_jeugd",
                    "woonoverlast",
                    "hennepteelt",
                    "drugshandel",
                    "huiselijk_geweld",
                    "mensenhandel",
                    "inbraak",
                    "overig",
                ]),
                true,
            ),
            c("adres", T::Text(300), true),
            c("vbo_id", T::VboId, false),
            vault("omschrijving", T::Text(4000), false),
        ],
    },
    Table {
        name: "pol_betrokkene",
        partner: Partner::Politie,
        scope: ScopeRule::ByRegistration,
        order: 15,
        // Rows have no key of their own: `registratie_id#n`, the n-th person of the registration.
        record_key: &["registratie_id", "#"],
        key: &[],
        columns: &[
            c("registratie_id", T::Text(64), true),
            c(
                "rol",
                T::Code(&[
                    "verdachte",
                    "slachtoffer",
                    "getuige",
                    "melder",
                    "betrokkene",
                ]),
                true,
            ),
            vault("voornamen", NAME, false),
            vault("voorvoegsel", T::Text(20), false),
            vault("geslachtsnaam", NAME, true),
            birth("geboortedatum", false),
            c("bsn", T::Bsn, false),
        ],
    },
    Table {
        name: "melding",
        partner: Partner::Gemeente,
        scope: ScopeRule::Report,
        order: 16,
        record_key: &["melding_id"],
        key: &["melding_id"],
        columns: &[
            c("melding_id", T::Text(64), true),
            c("datum", T::Datum, true),
            c("adres", T::Text(300), true),
            c(
                "categorie",
                T::Code(&[
                    "woonoverlast",
                    "verdachte_bewoning",
                    "onderverhuur",
                    "overbewoning",
                    "verloedering",
                    "jeugdoverlast",
                    "drugsoverlast",
                    "overig",
                ]),
                true,
            ),
            topics("omschrijving", T::Text(4000), false),
            c("anoniem", T::JaNee, true),
        ],
    },
];

/// Columns that must never enter, whatever table they come with: origin and its proxies.
/// Refused with a reason that says why (domain guide, rule 8).
pub const FORBIDDEN_COLUMNS: &[&str] = &[
    "nationaliteit",
    "nationaliteiten",
    "geboorteland",
    "geboorteplaats",
    "land_van_herkomst",
    "herkomst",
    "migratieachtergrond",
    "taal",
    "inburgering",
    "inburgeringsplicht",
    "etniciteit",
    "religie",
];

/// The closed list of indicator themes (`spec/levering.md`): every indicator declares one, so
/// that results compare across indicator versions and against known outcomes. The one place
/// of a theme's code, its name in words and the partners who act on it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case", try_from = "String")]
pub enum Thema {
    Overbewoning,
    Huisjesmelkerij,
    Samenwoonfraude,
    Adresfraude,
    Onderverhuur,
    Hennepteelt,
    Briefadresmisbruik,
    OndermijningBedrijfsadres,
    VermogenInkomen,
    UitkeringEnLoon,
    UitbuitingZorg,
    MeldingenCluster,
}

impl Thema {
    pub const ALL: [Thema; 12] = [
        Thema::Overbewoning,
        Thema::Huisjesmelkerij,
        Thema::Samenwoonfraude,
        Thema::Adresfraude,
        Thema::Onderverhuur,
        Thema::Hennepteelt,
        Thema::Briefadresmisbruik,
        Thema::OndermijningBedrijfsadres,
        Thema::VermogenInkomen,
        Thema::UitkeringEnLoon,
        Thema::UitbuitingZorg,
        Thema::MeldingenCluster,
    ];

    /// The code as the contract, the catalogue and the stored signals write it.
    pub fn code(self) -> &'static str {
        match self {
            Thema::Overbewoning => "overbewoning",
            Thema::Huisjesmelkerij => "huisjesmelkerij",
            Thema::Samenwoonfraude => "samenwoonfraude",
            Thema::Adresfraude => "adresfraude",
            Thema::Onderverhuur => "onderverhuur",
            Thema::Hennepteelt => "hennepteelt",
            Thema::Briefadresmisbruik => "briefadresmisbruik",
            Thema::OndermijningBedrijfsadres => "ondermijning_bedrijfsadres",
            Thema::VermogenInkomen => "vermogen_inkomen",
            Thema::UitkeringEnLoon => "uitkering_en_loon",
            Thema::UitbuitingZorg => "uitbuiting_zorg",
            Thema::MeldingenCluster => "meldingen_cluster",
        }
    }

    pub fn parse(s: &str) -> Result<Thema, Invalid> {
        Thema::ALL
            .into_iter()
            .find(|t| t.code() == s)
            .ok_or_else(|| {
                Invalid::new(
                    "thema",
                    format!(
                        "onbekend thema '{}'; het contract kent {}",
                        shorten(s, 40),
                        Thema::list()
                    ),
                )
            })
    }

    pub fn list() -> String {
        Thema::ALL.map(Thema::code).join(", ")
    }

    /// The codes of `themas`, in their order (as stored and exported).
    pub fn codes(themas: &[Thema]) -> Vec<&'static str> {
        themas.iter().map(|t| t.code()).collect()
    }

    /// The theme in words, for pages, letters and exports.
    pub fn label(self) -> &'static str {
        match self {
            Thema::Overbewoning => "Overbewoning (te veel bewoners voor de woning)",
            Thema::Huisjesmelkerij => "Huisjesmelkerij (verhuur van te volle woningen)",
            Thema::Samenwoonfraude => "Samenwonen terwijl een uitkering als alleenstaande loopt",
            Thema::Adresfraude => "Adresfraude (inschrijving klopt niet met de bewoning)",
            Thema::Onderverhuur => "Onderverhuur van een sociale huurwoning",
            Thema::Hennepteelt => "Hennepteelt",
            Thema::Briefadresmisbruik => "Misbruik van briefadressen",
            Thema::OndermijningBedrijfsadres => "Bedrijven op een woonadres (ondermijning)",
            Thema::VermogenInkomen => "Vermogen dat niet past bij het inkomen",
            Thema::UitkeringEnLoon => "Uitkering en loon tegelijk",
            Thema::UitbuitingZorg => "Mogelijke uitbuiting: zorg en ondersteuning",
            Thema::MeldingenCluster => "Meerdere meldingen van bewoners over één adres",
        }
    }

    /// The theme in a few words, for a terminal's table or a list of themes on one line.
    pub fn short(self) -> &'static str {
        match self {
            Thema::Overbewoning => "overbewoning",
            Thema::Huisjesmelkerij => "huisjesmelkerij",
            Thema::Samenwoonfraude => "samenwoonfraude",
            Thema::Adresfraude => "adresfraude",
            Thema::Onderverhuur => "onderverhuur",
            Thema::Hennepteelt => "hennepteelt",
            Thema::Briefadresmisbruik => "briefadresmisbruik",
            Thema::OndermijningBedrijfsadres => "ondermijning via bedrijfsadres",
            Thema::VermogenInkomen => "vermogen en inkomen",
            Thema::UitkeringEnLoon => "uitkering en loon",
            Thema::UitbuitingZorg => "uitbuiting en zorg",
            Thema::MeldingenCluster => "cluster van meldingen",
        }
    }

    /// The partners whose competence the theme touches: who acts on a signal of it (corrects
    /// the BRP, stops or recovers a payment, enforces, cuts the power, offers help). Not whose
    /// data the indicator read: an address is a *verwonderadres* when two or more partners
    /// have an interest in it, and those partners are the ones who should join the visit.
    ///
    /// A benefit theme names the payer through [`payer_of`] when the signal says which
    /// regeling it is about; the partner here is who acts when it does not.
    pub fn interest(self) -> &'static [Partner] {
        use Partner::*;
        match self {
            // Bouw- en woningtoezicht and the Huisvestingswet: the municipality.
            Thema::Overbewoning => &[Gemeente],
            // Wet goed verhuurderschap, Woningwet: the municipality.
            Thema::Huisjesmelkerij => &[Gemeente],
            // The payer of the single-person benefit (bijstand, AOW/ANW, toeslagen).
            Thema::Samenwoonfraude => &[Gemeente],
            // BRP-adresonderzoek (Wet BRP art. 2.39): the municipality.
            Thema::Adresfraude | Thema::Briefadresmisbruik => &[Gemeente],
            // The landlord ends the tenancy and frees the home.
            Thema::Onderverhuur => &[Woningcorporatie],
            // A cannabis farm is cleared by the police with the grid operator, who cuts the
            // (often tapped) power; the mayor may close the home (Opiumwet art. 13b).
            Thema::Hennepteelt => &[Politie, Netbeheerder, Gemeente],
            // The Handelsregister is corrected by the KvK; the municipality enforces the use.
            Thema::OndermijningBedrijfsadres => &[Kvk, Gemeente],
            // Undeclared income and assets: the tax authority.
            Thema::VermogenInkomen => &[Belastingdienst],
            // The payer of the benefit (UWV for WW/WIA/ZW, the municipality for bijstand).
            Thema::UitkeringEnLoon => &[Uwv],
            // Care and support: the municipality's social teams.
            Thema::UitbuitingZorg => &[Gemeente],
            // Reports by residents and the police: the municipality's enforcement, with the
            // police.
            Thema::MeldingenCluster => &[Gemeente, Politie],
        }
    }
}

impl TryFrom<String> for Thema {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Thema, Invalid> {
        Thema::parse(&s)
    }
}

impl fmt::Display for Thema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The partners who act on a signal of the theme with code `theme` (none for a code that is
/// no theme): [`Thema::interest`] for a code as stored.
pub fn theme_interest(theme: &str) -> &'static [Partner] {
    Thema::parse(theme).map_or(&[], Thema::interest)
}

/// The partner that pays a regeling, as the contract's tables name them (`gem_bijstand`,
/// `svb_uitkering.regeling`, `uwv_uitkering.regeling`, toeslagen).
pub fn payer_of(regeling: &str) -> Option<Partner> {
    match regeling.trim().to_ascii_lowercase().as_str() {
        "bijstand" => Some(Partner::Gemeente),
        "aow" | "anw" | "akw" => Some(Partner::Svb),
        "ww" | "wia" | "wajong" | "zw" | "tw" => Some(Partner::Uwv),
        "huurtoeslag" | "zorgtoeslag" | "kinderopvangtoeslag" | "kindgebonden_budget" => {
            Some(Partner::Belastingdienst)
        }
        _ => None,
    }
}

#[cfg(test)]
mod interest_tests {
    use super::*;

    /// Every theme names who acts on it, and every regeling the contract knows has a payer:
    /// a new theme or code cannot silently fall out of the verwonderadres.
    #[test]
    fn every_theme_and_regeling_has_a_partner_that_acts() {
        for t in Thema::ALL {
            assert!(!t.interest().is_empty(), "theme {t} names no partner");
            assert_eq!(Thema::parse(t.code()).ok(), Some(t));
            assert_eq!(theme_interest(t.code()), t.interest());
        }
        assert!(theme_interest("onbekend").is_empty());
        let mut codes = 0;
        for table in TABLES {
            for col in table.columns.iter().filter(|c| c.name == "regeling") {
                if let ColumnType::Code(list) = col.ty {
                    for code in list {
                        codes += 1;
                        assert!(payer_of(code).is_some(), "{}.regeling {code}", table.name);
                    }
                }
            }
        }
        assert!(
            codes >= 12,
            "the contract's regelingen were found ({codes})"
        );
        assert_eq!(payer_of("AOW"), Some(Partner::Svb));
        assert_eq!(payer_of("bijstand"), Some(Partner::Gemeente));
        assert_eq!(payer_of("iets"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_text_is_kept_only_as_its_published_topics() {
        assert_eq!(
            topics_of("Verbouwing: boren en breken (nr 12)"),
            "verbouwing"
        );
        assert_eq!(
            topics_of("De AANNEMER begint om zes uur met slopen"),
            "verbouwing"
        );
        assert_eq!(topics_of("Renovatie van de badkamer"), "verbouwing");
        assert_eq!(topics_of("Steeds andere mensen met koffers"), "");
        // At the start of a word only.
        assert_eq!(topics_of("Een onverbouwd pand, steeds andere mensen"), "");
        assert_eq!(topics_of("(verbouwing) lawaai"), "verbouwing");
        assert_eq!(topics_of(""), "");
        // The melding's description is such a column; its analysis name says so.
        let melding = TABLES.iter().find(|t| t.name == "melding").unwrap();
        let col = melding
            .columns
            .iter()
            .find(|c| c.name == "omschrijving")
            .unwrap();
        assert_eq!(col.handling, Handling::Topics);
        assert_eq!(
            col.analysis_name().as_deref(),
            Some("omschrijving_onderwerpen")
        );
        assert!(col.is_identifying());
    }
}
