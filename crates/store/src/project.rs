//! A project: its configuration (`loep.toml`), its directory layout and its approval.

use anyhow::{Context, Result, bail};
use loep_contract::{CbsCode, Datum, Partner};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

use crate::clock;
use crate::db::{Db, TxDb};
use crate::integrity::{self, IntegrityKey};
use crate::log::{self, LogRecord};
use crate::pseudonym::{self, Pseudonymiser};

/// `loep.toml`: what the project is, where, why, on what legal basis, with whom, and for how long.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    pub naam: String,
    /// CBS area codes: `GM0392` (gemeente), `WK039201` (wijk), `BU03920101` (buurt).
    pub gebied: Vec<String>,
    pub doel: String,
    pub grondslag: String,
    pub partners: Vec<Partner>,
    /// The processing activity every log record refers to; derived from name and purpose.
    pub verwerkingsactiviteit_id: String,
    pub periode: Periode,
    pub bewaartermijnen: Bewaartermijnen,
    /// The indicators of the catalogue the project may run (codes); none listed means every
    /// indicator whose partners take part. Part of what the privacy officer approves.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indicatoren: Vec<String>,
    /// Limits on what a delivery may hold before it is refused as a broken export.
    #[serde(default, skip_serializing_if = "IntakeGrenzen::is_default")]
    pub intake: IntakeGrenzen,
    /// Who is responsible and whom residents contact (the Algoritmeregister entry, access
    /// reports).
    #[serde(default, skip_serializing_if = "Publicatie::is_empty")]
    pub publicatie: Publicatie,
    /// The organisation's own look: its logo and NL Design System tokens.
    #[serde(default, skip_serializing_if = "Thema::is_empty")]
    pub thema: Thema,
}

/// `[thema]` in `loep.toml`: the organisation's own look on every page of the web application
/// and the public forms. Without it the NL Design System example theme stays.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Thema {
    /// The organisation's logo, an SVG or PNG file of at most 256 KB, relative to the project
    /// directory (e.g. `thema/logo.svg`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// NL Design System design tokens with their values, as the organisation's theme package
    /// names them without the leading dashes (e.g. `basis-color-action-1-color-default =
    /// "#b40000"`, `basis-text-font-family-default = "Verdana, sans-serif"`): they override the
    /// example theme's.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tokens: std::collections::BTreeMap<String, String>,
}

/// Whether a token's value is a plain value: a colour, a size, a number, a font list, or
/// those combined with the functions that compute them. Nothing that could end the
/// declaration, escape a character, or load anything (`url(`, `image-set(`, …).
fn token_value_ok(value: &str) -> bool {
    const FUNCTIONS: [&str; 9] = [
        "var", "calc", "rgb", "rgba", "hsl", "hsla", "min", "max", "clamp",
    ];
    let allowed = |c: char| c.is_ascii_alphanumeric() || " #%.,+*/()'\"-_".contains(c);
    if !value.chars().all(allowed) || value.contains("/*") {
        return false;
    }
    // Quotes in pairs (a font's name), read as CSS reads them: every string that opens also
    // closes, so that no string runs on into the rules after the value.
    let mut open: Option<char> = None;
    for c in value.chars() {
        match (open, c) {
            (None, '\'' | '"') => open = Some(c),
            (Some(q), c) if c == q => open = None,
            _ => {}
        }
    }
    if open.is_some() {
        return false;
    }
    let mut depth = 0i32;
    for c in value.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    if depth != 0 {
        return false;
    }
    // Every name before a bracket is one of the computing functions.
    let bytes: Vec<char> = value.chars().collect();
    for (i, c) in bytes.iter().enumerate() {
        if *c == '(' {
            let mut start = i;
            while start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == '-')
            {
                start -= 1;
            }
            let name: String = bytes[start..i].iter().collect::<String>().to_lowercase();
            if !name.is_empty() && !FUNCTIONS.contains(&name.as_str()) {
                return false;
            }
        }
    }
    true
}

/// The largest logo a theme may name.
pub const MAX_LOGO_BYTES: u64 = 256 * 1024;

impl Thema {
    fn is_empty(&self) -> bool {
        *self == Thema::default()
    }

    /// Checks the theme: token names as design tokens are named, values that cannot end the
    /// declaration or load anything, a logo inside the project directory.
    pub fn validate(&self) -> Result<()> {
        if self.tokens.len() > 500 {
            crate::invalid!("thema.tokens: geef ten hoogste 500 tokens");
        }
        for (name, value) in &self.tokens {
            let good_name = !name.is_empty()
                && name.len() <= 100
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !good_name {
                crate::invalid!(
                    "thema.tokens: '{name}' is geen naam van een design token (kleine letters, cijfers en '-', zoals basis-color-action-1-color-default)"
                );
            }
            let good_value =
                !value.trim().is_empty() && value.chars().count() <= 200 && token_value_ok(value);
            if !good_value {
                crate::invalid!(
                    "thema.tokens.{name}: geef een kleur, maat, getal of lijst van lettertypen van ten hoogste 200 tekens: letters, cijfers, spaties en # % . , + * / ( ) ' \" -, en geen functie behalve var, calc, rgb(a), hsl(a), min, max of clamp"
                );
            }
        }
        if let Some(logo) = &self.logo {
            let p = std::path::Path::new(logo);
            let inside = p.is_relative()
                && p.components()
                    .all(|c| matches!(c, std::path::Component::Normal(_)));
            let kind = Thema::logo_type(logo);
            if !inside || kind.is_none() {
                crate::invalid!(
                    "thema.logo '{logo}': geef een .svg- of .png-bestand in de projectmap (bijvoorbeeld thema/logo.svg)"
                );
            }
        }
        Ok(())
    }

    /// The tokens a document outside the web application (the access letter) may carry as
    /// they are: valid names and values that compute without the example theme's other tokens
    /// (no `var(`).
    pub fn standalone_tokens(&self) -> impl Iterator<Item = (&str, &str)> {
        self.tokens
            .iter()
            .filter(|(n, v)| {
                !n.is_empty()
                    && n.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && token_value_ok(v)
                    && !v.contains("var(")
            })
            .map(|(n, v)| (n.as_str(), v.trim()))
    }

    /// The media type of a logo by its name.
    pub fn logo_type(logo: &str) -> Option<&'static str> {
        let lower = logo.to_lowercase();
        if lower.ends_with(".svg") {
            Some("image/svg+xml")
        } else if lower.ends_with(".png") {
            Some("image/png")
        } else {
            None
        }
    }

    /// The style sheet of the theme: the tokens over the example theme's, and the logo before
    /// the name in the page header.
    pub fn css(&self) -> String {
        let mut css = String::from("/* [thema] in loep.toml */\n.voorbeeld-theme {\n");
        for (name, value) in &self.tokens {
            css.push_str(&format!("  --{name}: {};\n", value.trim()));
        }
        css.push_str("}\n");
        if self.logo.is_some() {
            css.push_str(
                ".kop .merk::before { content: \"\"; display: inline-block; vertical-align: middle; width: 2.5rem; height: 2.5rem; margin-inline-end: .5rem; background: url(/thema/logo) no-repeat center / contain; }\n",
            );
        }
        css
    }
}

/// `[publicatie]` in `loep.toml`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Publicatie {
    /// The full name of the organisation with the lead, as the TOOI list writes it
    /// (e.g. "Gemeente Haarlem"); at most 100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisatie: Option<String>,
    /// Where residents, press and others ask about the project: an e-mail address or an
    /// https:// page (the privacy officer's desk, usually).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// The page (https://) where residents read how the organisation handles their data: the
    /// privacy statement, linked from the public report form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacyverklaring: Option<String>,
    /// The postal address letters to residents give as sender and for answers (e.g.
    /// "Postbus 511, 2003 PB Haarlem"); at most 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postadres: Option<String>,
    /// The name of the privacy officer who signs letters to residents (an access letter);
    /// without it the letter is signed with the office alone. At most 100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub functionaris: Option<String>,
}

impl Publicatie {
    fn is_empty(&self) -> bool {
        *self == Publicatie::default()
    }

    /// Checks the fields as the Algoritmeregister standard asks them.
    pub fn validate(&self) -> Result<()> {
        if let Some(o) = &self.organisatie
            && (o.trim().is_empty() || o.chars().count() > 100)
        {
            crate::invalid!(
                "publicatie.organisatie: geef de volledige naam van de organisatie, ten hoogste 100 tekens"
            );
        }
        if let Some(c) = &self.contact {
            let c = c.trim();
            let mail = c.split_once('@').is_some_and(|(u, d)| {
                !u.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
            }) && !c.contains(char::is_whitespace);
            let page = c.starts_with("https://") && c.len() > "https://".len();
            if !(mail || page) || c.chars().count() > 500 {
                crate::invalid!(
                    "publicatie.contact '{c}': geef een e-mailadres of een webpagina die begint met https://"
                );
            }
        }
        for (name, value, max) in [
            ("postadres", &self.postadres, 200),
            ("functionaris", &self.functionaris, 100),
        ] {
            if let Some(v) = value
                && (v.trim().is_empty()
                    || v.chars().count() > max
                    || v.chars().any(char::is_control))
            {
                crate::invalid!("publicatie.{name}: geef ten hoogste {max} tekens op één regel");
            }
        }
        if let Some(p) = &self.privacyverklaring {
            let p = p.trim();
            if !p.starts_with("https://")
                || p.len() <= "https://".len()
                || p.contains(char::is_whitespace)
                || p.chars().count() > 500
            {
                crate::invalid!(
                    "publicatie.privacyverklaring '{p}': geef het adres van de privacyverklaring, een webpagina die begint met https://"
                );
            }
        }
        Ok(())
    }
}

/// `[intake]` in `loep.toml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IntakeGrenzen {
    /// The largest share of rejected rows a table may have (0 to 1) before the whole delivery
    /// is refused and nothing of it replaces the current snapshots. Default 5%, as the data
    /// contract (spec/levering.md) says.
    #[serde(default = "default_max_afgewezen")]
    pub max_afgewezen: f64,
}

fn default_max_afgewezen() -> f64 {
    0.05
}

impl Default for IntakeGrenzen {
    fn default() -> Self {
        IntakeGrenzen {
            max_afgewezen: default_max_afgewezen(),
        }
    }
}

impl IntakeGrenzen {
    fn is_default(&self) -> bool {
        *self == IntakeGrenzen::default()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Periode {
    pub van: String,
    pub tot: String,
}

/// Retention periods (domain guide, rule 6).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Bewaartermijnen {
    /// Identity data of persons without a signal is destroyed this many days after the project
    /// ends (at most 28).
    pub identiteiten_na_einde_dagen: u32,
    /// Signals not taken into a case are destroyed after this many days.
    pub signalen_dagen: u32,
    /// Cases are kept this many years.
    pub zaken_jaren: u32,
}

impl Default for Bewaartermijnen {
    fn default() -> Self {
        Bewaartermijnen {
            identiteiten_na_einde_dagen: 28,
            signalen_dagen: 28,
            zaken_jaren: 2,
        }
    }
}

impl ProjectConfig {
    /// Checks the configuration as a privacy officer would before approving it.
    pub fn validate(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.intake.max_afgewezen) {
            crate::invalid!(
                "loep.toml: [intake] max_afgewezen moet een aandeel van 0 tot en met 1 zijn (0.05 is 5%), niet {}",
                self.intake.max_afgewezen
            );
        }
        if self.naam.trim().is_empty() {
            crate::invalid!("loep.toml: naam is leeg; geef het project een naam");
        }
        // Context, not a new message: the Problem inside keeps its kind.
        self.publicatie.validate().context("loep.toml")?;
        self.thema.validate().context("loep.toml")?;
        if self.doel.trim().len() < 10 {
            crate::invalid!(
                "loep.toml: beschrijf bij doel in ten minste een zin waarvoor het project is"
            );
        }
        if self.grondslag.trim().is_empty() {
            crate::invalid!(
                "loep.toml: grondslag is leeg; noem de wettelijke grondslag (bijvoorbeeld Wet SUWI art. 64)"
            );
        }
        if self.gebied.is_empty() {
            crate::invalid!(
                "loep.toml: gebied is leeg; geef een of meer CBS-codes, zoals GM0392, WK039201 of BU03920101"
            );
        }
        self.area()?;
        if self.partners.is_empty() {
            crate::invalid!(
                "loep.toml: partners is leeg; noem de partners die meedoen ({})",
                Partner::list()
            );
        }
        let (van, tot) = self.period_days()?;
        if tot < van {
            crate::invalid!(
                "loep.toml: periode.tot ({}) ligt vóór periode.van ({})",
                self.periode.tot,
                self.periode.van
            );
        }
        if self.bewaartermijnen.identiteiten_na_einde_dagen > 28 {
            crate::invalid!(
                "loep.toml: bewaartermijnen.identiteiten_na_einde_dagen mag ten hoogste 28 zijn (vier weken)"
            );
        }
        Ok(())
    }

    pub fn area(&self) -> Result<Vec<CbsCode>> {
        self.gebied
            .iter()
            .map(|g| {
                CbsCode::parse(g).map_err(|e| {
                    crate::Problem::error(
                        crate::ProblemKind::Invalid,
                        format!("loep.toml: gebied '{g}': {e}"),
                    )
                })
            })
            .collect()
    }

    /// The project period as days since 1970-01-01.
    pub fn period_days(&self) -> Result<(i32, i32)> {
        let day = |field: &str, s: &str| -> Result<i32> {
            Datum::parse(s)
                .ok()
                .and_then(|d| d.days_since_epoch())
                .ok_or_else(|| {
                    crate::Problem::error(
                        crate::ProblemKind::Invalid,
                        format!(
                            "loep.toml: periode.{field} '{s}' is geen datum; schrijf JJJJ-MM-DD"
                        ),
                    )
                })
        };
        Ok((
            day("van", &self.periode.van)?,
            day("tot", &self.periode.tot)?,
        ))
    }

    /// A stable id for the processing activity, derived from the project's name and purpose.
    pub fn derive_activity_id(naam: &str, doel: &str) -> String {
        let slug: String = naam
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
            .split('-')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let digest = Sha256::digest(format!("{naam}\n{doel}").as_bytes());
        format!("loep-{slug}-{}", &hex::encode(digest)[..12])
    }
}

/// The files and folders of a project directory.
#[derive(Debug, Clone)]
pub struct Layout {
    pub dir: PathBuf,
}

impl Layout {
    pub fn config(&self) -> PathBuf {
        self.dir.join("loep.toml")
    }
    pub fn store(&self) -> PathBuf {
        self.dir.join("store.sqlite")
    }
    /// Columnar analysis tables: `data/<table>/<snapshot>.parquet`.
    pub fn data(&self) -> PathBuf {
        self.dir.join("data")
    }
    /// Work in progress of an intake; removed when the project is opened.
    pub fn staging(&self) -> PathBuf {
        self.dir.join("staging")
    }
    /// Per delivery: the (masked) rejects report.
    pub fn deliveries(&self) -> PathBuf {
        self.dir.join("leveringen")
    }
    /// The identity vault: its own store, to be kept on other storage under other access rules.
    pub fn vault_dir(&self) -> PathBuf {
        self.dir.join("vault")
    }
    pub fn vault(&self) -> PathBuf {
        self.vault_dir().join("vault.sqlite")
    }
    /// Work in progress of an intake that holds identities: inside the vault.
    pub fn vault_staging(&self) -> PathBuf {
        self.vault_dir().join("staging")
    }
    /// Where a delivery's snapshot of `table` lives, relative to the project directory.
    pub fn data_file(&self, table: &str, levering_id: &str) -> String {
        format!("data/{table}/{levering_id}.parquet")
    }
    /// The keys a scope-defining snapshot adds, relative to the project directory.
    pub fn scope_file(&self, table: &str, levering_id: &str) -> String {
        format!("scope/{table}/{levering_id}.parquet")
    }
    /// A vault file (`identiteit` or `bsn`) of a delivery's snapshot of `table`, relative to
    /// the project directory.
    pub fn vault_file(&self, kind: &str, table: &str, levering_id: &str) -> String {
        format!("vault/{kind}/{table}/{levering_id}.parquet")
    }
    /// A delivery's reports (`afwijzingen.csv`, `rapport.json`), relative to the project.
    pub fn delivery_reports(&self, levering_id: &str) -> String {
        format!("leveringen/{levering_id}")
    }
    /// Held by the one command that writes to the project.
    pub fn lock(&self) -> PathBuf {
        self.dir.join("loep.lock")
    }
    pub fn key_dir(&self) -> PathBuf {
        self.dir.join("sleutel")
    }
    pub fn key(&self) -> PathBuf {
        self.key_dir().join("pseudonimisering.key")
    }
}

/// A recorded approval by the privacy officer.
#[derive(Debug, Clone, Serialize)]
pub struct Approval {
    pub door: String,
    pub dpia: String,
    pub tijdstip: String,
    /// Whether `loep.toml` is still the text that was approved.
    pub geldig: bool,
}

pub struct Project {
    pub layout: Layout,
    pub config: ProjectConfig,
    config_sha256: String,
    conn: Connection,
    /// The integrity key (`None` only for a project of an earlier release opened to read).
    integrity: Option<IntegrityKey>,
    /// Told the processing log's new head after each commit that appended to it.
    head_mirror: Option<Box<dyn HeadMirror>>,
    /// What the open transaction changed of the access state ([`crate::toegang`]); `None`
    /// without an integrity key.
    ledger: Option<std::sync::Arc<crate::toegang::Ledger>>,
    /// Held for as long as this project is open for writing: one writer at a time.
    _lock: Option<std::fs::File>,
    /// What the files that decide how the project is opened (definition, integrity key and
    /// where its keyed log starts, the vault's storage) held when it was opened: a front end
    /// that keeps it open to answer many requests checks this before each one.
    opened_as: String,
}

/// How a command opens a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Commands that change the project (intake, approve): one at a time.
    Write,
    /// Commands that only read (status, log verify): never wait for a writer.
    Read,
}

pub(crate) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS goedkeuring (
    id INTEGER PRIMARY KEY,
    door TEXT NOT NULL,
    dpia TEXT NOT NULL,
    tijdstip TEXT NOT NULL,
    config_sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS levering (
    levering_id TEXT PRIMARY KEY,
    partner TEXT,
    peildatum TEXT,
    map TEXT NOT NULL,
    tijdstip TEXT NOT NULL,
    tabellen_nieuw INTEGER NOT NULL,
    tabellen_ongewijzigd INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshot (
    snapshot_id TEXT PRIMARY KEY,
    levering_id TEXT NOT NULL REFERENCES levering(levering_id),
    tabel TEXT NOT NULL,
    bestand TEXT NOT NULL,
    inhoud_sha256 TEXT NOT NULL,
    rijen_gelezen INTEGER NOT NULL,
    rijen_geladen INTEGER NOT NULL,
    rijen_afgewezen INTEGER NOT NULL,
    rijen_buiten_gebied INTEGER NOT NULL,
    pad TEXT NOT NULL,
    tijdstip TEXT NOT NULL,
    scope_pad TEXT
);
CREATE INDEX IF NOT EXISTS snapshot_tabel ON snapshot(tabel, tijdstip);
CREATE TABLE IF NOT EXISTS afwijzing (
    levering_id TEXT NOT NULL,
    tabel TEXT NOT NULL,
    bestand TEXT NOT NULL,
    regel INTEGER NOT NULL,
    kolom TEXT NOT NULL,
    waarde TEXT NOT NULL,
    reden TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS afwijzing_levering ON afwijzing(levering_id);
CREATE TABLE IF NOT EXISTS overgenomen_rij (
    snapshot_id TEXT NOT NULL REFERENCES snapshot(snapshot_id),
    tabel TEXT NOT NULL,
    regel INTEGER NOT NULL,
    uit_snapshot_id TEXT NOT NULL,
    sleutel TEXT NOT NULL,
    vbo_id TEXT,
    pseudoniem TEXT
);
CREATE INDEX IF NOT EXISTS overgenomen_rij_vbo ON overgenomen_rij(vbo_id);
CREATE INDEX IF NOT EXISTS overgenomen_rij_persoon ON overgenomen_rij(pseudoniem);
CREATE TABLE IF NOT EXISTS scan_run (
    run_id TEXT PRIMARY KEY,
    tijdstip TEXT NOT NULL,
    indicatoren TEXT NOT NULL,
    bronnen TEXT NOT NULL,
    signalen INTEGER NOT NULL,
    adressen INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS signaal (
    run_id TEXT NOT NULL REFERENCES scan_run(run_id),
    nr INTEGER NOT NULL,
    indicator TEXT NOT NULL,
    versie INTEGER NOT NULL,
    thema TEXT NOT NULL,
    vbo_id TEXT NOT NULL,
    buurtcode TEXT,
    pseudoniemen TEXT NOT NULL,
    feiten TEXT NOT NULL,
    uitleg TEXT NOT NULL,
    sterkte REAL NOT NULL,
    partners TEXT NOT NULL,
    mac TEXT
);
CREATE INDEX IF NOT EXISTS signaal_run ON signaal(run_id, vbo_id);
CREATE UNIQUE INDEX IF NOT EXISTS signaal_nr ON signaal(run_id, nr);
-- The queue's filters and paging read only this index, and the table's rows of one page.
CREATE INDEX IF NOT EXISTS signaal_filter ON signaal(run_id, nr, thema, indicator, buurtcode, vbo_id);
CREATE TABLE IF NOT EXISTS signaal_persoon (
    run_id TEXT NOT NULL,
    nr INTEGER NOT NULL,
    pseudoniem TEXT NOT NULL,
    PRIMARY KEY (run_id, nr, pseudoniem)
);
CREATE INDEX IF NOT EXISTS signaal_persoon_pseudoniem ON signaal_persoon(pseudoniem);
CREATE TABLE IF NOT EXISTS adresprofiel (
    run_id TEXT NOT NULL REFERENCES scan_run(run_id),
    rang INTEGER NOT NULL,
    vbo_id TEXT NOT NULL,
    buurtcode TEXT,
    themas TEXT NOT NULL,
    partners TEXT NOT NULL,
    verwonderadres INTEGER NOT NULL,
    signalen INTEGER NOT NULL,
    sterkte REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS adresprofiel_run ON adresprofiel(run_id, rang);
CREATE INDEX IF NOT EXISTS adresprofiel_vbo ON adresprofiel(run_id, vbo_id);
CREATE TABLE IF NOT EXISTS koppeling (
    koppeling_id TEXT PRIMARY KEY,
    tijdstip TEXT NOT NULL,
    bronnen TEXT NOT NULL,
    pad_personen TEXT NOT NULL,
    pad_adressen TEXT NOT NULL,
    samenvatting TEXT NOT NULL
);
"#;

/// Removes every file in the table directories under `root` (`root/<table>/<file>`) whose
/// path relative to the project directory `dir` is not in `known`: what an interrupted writer
/// left behind. Used for the analysis store's files here and for the vault's by the vault.
pub fn remove_unregistered(
    dir: &Path,
    root: &Path,
    known: &std::collections::HashSet<String>,
) -> Result<()> {
    let Ok(tables) = std::fs::read_dir(root) else {
        return Ok(());
    };
    for table_dir in tables {
        let table_dir = table_dir?.path();
        if !table_dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&table_dir)? {
            let f = f?.path();
            let rel = f
                .strip_prefix(dir)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !known.contains(&rel) {
                std::fs::remove_file(&f)
                    .with_context(|| format!("kan {} niet verwijderen", f.display()))?;
            }
        }
    }
    Ok(())
}

/// How much of `store.sqlite` SQLite maps into memory (address space, not memory in use).
const MMAP_BYTES: i64 = 1 << 32;

/// A hash of the files [`Project::reusable`] watches; a file that cannot be read hashes as
/// such, so that its loss is a change too.
/// `loep.toml`, read and checked.
fn read_config(layout: &Layout, dir: &Path) -> Result<ProjectConfig> {
    let text = std::fs::read_to_string(layout.config()).map_err(|_| {
        crate::Problem::with_next(
            crate::ProblemKind::NotFound,
            crate::Vervolg::ProjectMaken,
            format!(
                "{} is geen loep-project (er is geen leesbare loep.toml); maak er eerst een project",
                dir.display()
            ),
        )
    })?;
    let config: ProjectConfig = toml::from_str(&text).map_err(|e| {
        crate::Problem::error(
            crate::ProblemKind::Invalid,
            format!("{} is ongeldig: {e}", layout.config().display()),
        )
    })?;
    config.validate()?;
    Ok(config)
}

/// The project's lock file, and whether it is held exclusively. One writer at a time: a writer
/// waits a little for another (a reader that enforces retention holds the lock briefly) and is
/// refused as busy after; a reader never waits, and cleans up after a crashed writer only
/// when no writer runs.
fn take_lock(layout: &Layout, access: Access, dir: &Path) -> Result<(std::fs::File, bool)> {
    let lock_file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(layout.lock())
        .with_context(|| format!("kan {} niet openen", layout.lock().display()))?;
    // A writer waits a little for another writer (a reader that enforces retention holds
    // the lock briefly); a reader never waits.
    let wait = match access {
        Access::Write => LOCK_WAIT,
        Access::Read => std::time::Duration::ZERO,
    };
    let started = std::time::Instant::now();
    let exclusive = loop {
        match lock_file.try_lock() {
            Ok(()) => break true,
            Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < wait => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(std::fs::TryLockError::WouldBlock) => break false,
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e)
                    .with_context(|| format!("kan {} niet vergrendelen", layout.lock().display()));
            }
        }
    };
    if access == Access::Write && !exclusive {
        return Err(crate::Problem::error(
            crate::ProblemKind::Busy,
            format!(
                "een andere loep-opdracht wijzigt project {} op dit moment (een levering?); wacht tot die klaar is en probeer het opnieuw",
                dir.display()
            ),
        ));
    }
    Ok((lock_file, exclusive))
}

/// The store's connection, with its pragmas (the journal's only when `exclusive`).
fn open_store(layout: &Layout, exclusive: bool) -> Result<Connection> {
    let conn = Connection::open(layout.store()).with_context(|| {
        format!(
            "kan de opslag van het project {} niet openen",
            layout.store().display()
        )
    })?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    // Pages are read from a memory map of the file rather than copied in by a read call
    // each: the web server's many small queries over large tables spent a fifth of their
    // time copying pages.
    conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    if exclusive {
        conn.pragma_update(None, "journal_mode", "DELETE")?;
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Deleted rows are overwritten, not merely unlinked: retention destroys data in the
    // files themselves. (The identity vault is a database of its own, opened by the vault
    // crate on its own connection.)
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(conn)
}

/// The integrity key: loaded when the project has one; made once, for a project of an earlier
/// release, by its first writer (keying the log from its next record on).
fn integrity_key(
    layout: &Layout,
    conn: &Connection,
    version: i64,
    exclusive: bool,
) -> Result<Option<IntegrityKey>> {
    Ok(match IntegrityKey::load(layout)? {
        Some(k) => Some(k),
        None if version >= crate::schema::KEYED => {
            bail!(
                "de integriteitssleutel {} ontbreekt: hij is verwijderd, of de opslag van de sleutels is niet aangekoppeld; zonder die sleutel is niets na te gaan",
                layout.key_dir().join("integriteit.key").display()
            )
        }
        None if exclusive => {
            log::create_schema(Db::of(conn))?;
            let (seq, _) = log::head(Db::of(conn))?;
            Some(IntegrityKey::create(layout, seq + 1)?)
        }
        None => None,
    })
}

/// Registers the SQL functions of the seals and the access state on the connection; returns
/// the access state's ledger.
fn register_integrity(
    layout: &Layout,
    conn: &Connection,
    k: &IntegrityKey,
) -> Result<std::sync::Arc<crate::toegang::Ledger>> {
    integrity::register(Db::of(conn), k, integrity::mac_from(layout)?)?;
    let ledger = std::sync::Arc::new(crate::toegang::Ledger::default());
    crate::toegang::register(Db::of(conn), k, ledger.clone())?;
    Ok(ledger)
}

/// A writer's part of opening: every table created, the schema migrated (from version 7 with
/// the access state's anchor moved along), the floor raised and the integrity triggers made.
fn create_and_migrate(
    layout: &Layout,
    conn: &mut Connection,
    key: Option<&IntegrityKey>,
    version: i64,
) -> Result<()> {
    conn.execute_batch(SCHEMA)?;
    log::create_schema(Db::of(conn))?;
    crate::auth::create_schema(Db::of(conn))?;
    crate::reveal::create_schema(Db::of(conn))?;
    crate::retention::create_schema(Db::of(conn))?;
    crate::burgermelding::create_schema(Db::of(conn))?;
    crate::beperking::create_schema(Db::of(conn))?;
    crate::apisleutel::create_schema(Db::of(conn))?;
    crate::certificaat::create_schema(Db::of(conn))?;
    // From schema version 7 the decisions are bound with the access state: the
    // anchor moves with that step (both states accepted while it commits), which
    // takes the locks in the order every commit does: the store's write lock, then
    // the anchor's. The floor is raised before the anchor is left with the new state
    // alone, so that the old version cannot be set back to have the step again.
    let decisions = crate::toegang::DECISIONS_FROM;
    if let Some(k) = key
        && version < decisions
    {
        crate::schema::migrate_to(conn, decisions - 1)?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let prepared = crate::toegang::prepare_decisions(Db::of(&tx), layout, k)?;
        let done = crate::schema::step_in(TxDb::of(&tx), decisions).and_then(|()| Ok(tx.commit()?));
        let raised = match &done {
            Ok(()) => crate::schema::raise_floor(layout, Db::of(conn)),
            Err(_) => Ok(()),
        };
        crate::toegang::finish(prepared, done.is_ok())?;
        done?;
        raised?;
    }
    crate::schema::migrate(conn)?;
    crate::schema::raise_floor(layout, Db::of(conn))?;
    integrity::create_triggers(Db::of(conn))?;
    Ok(())
}

fn fingerprint(layout: &Layout) -> String {
    let mut h = Sha256::new();
    for path in [
        layout.config(),
        layout.key_dir().join("integriteit.key"),
        layout.key_dir().join("log-mac-vanaf"),
    ] {
        match std::fs::read(&path) {
            Ok(bytes) => {
                h.update((bytes.len() as u64).to_le_bytes());
                h.update(&bytes);
            }
            Err(_) => h.update(u64::MAX.to_le_bytes()),
        }
    }
    h.update([u8::from(layout.vault().parent().is_some_and(Path::exists))]);
    // The database file itself: one put in its place (a restore, a copy) is another file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match std::fs::metadata(layout.store()) {
            Ok(m) => {
                h.update(m.dev().to_le_bytes());
                h.update(m.ino().to_le_bytes());
            }
            Err(_) => h.update(u64::MAX.to_le_bytes()),
        }
    }
    hex::encode(h.finalize())
}

fn sha256_file(path: &Path) -> Result<String> {
    let bytes =
        std::fs::read(path).with_context(|| format!("kan {} niet lezen", path.display()))?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

/// A new project in `dir` for the unit tests of this crate, open for writing.
#[cfg(test)]
pub(crate) fn test_project(dir: &Path) -> Project {
    let today = clock::now_utc().date_naive();
    let naam = "Testproject";
    let doel = "Een project om de opslag van loep mee te testen, met een doel van een zin.";
    let config = ProjectConfig {
        verwerkingsactiviteit_id: ProjectConfig::derive_activity_id(naam, doel),
        naam: naam.to_string(),
        gebied: vec!["GM0392".to_string()],
        doel: doel.to_string(),
        grondslag: "Wet SUWI art. 64".to_string(),
        partners: vec![Partner::Gemeente],
        periode: Periode {
            van: (today - chrono::Days::new(1)).to_string(),
            tot: (today + chrono::Days::new(100)).to_string(),
        },
        bewaartermijnen: Bewaartermijnen::default(),
        indicatoren: Vec::new(),
        intake: Default::default(),
        publicatie: Publicatie::default(),
        thema: Thema::default(),
    };
    drop(Project::init(dir, config).unwrap());
    let mut p = Project::open(dir).unwrap();
    p.bind_access().unwrap();
    p
}

impl Project {
    /// Creates a new project directory with its configuration, stores and a fresh key.
    pub fn init(dir: &Path, config: ProjectConfig) -> Result<Project> {
        config.validate()?;
        let layout = Layout {
            dir: dir.to_path_buf(),
        };
        if layout.config().exists() || layout.store().exists() {
            crate::invalid!(
                "{} bevat al een project; kies een andere map of open dit project",
                dir.display()
            );
        }
        if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
            crate::invalid!(
                "{} bestaat al en is niet leeg; loep maakt een project in een nieuwe of lege map",
                dir.display()
            );
        }
        std::fs::create_dir_all(dir)
            .with_context(|| format!("kan {} niet aanmaken", dir.display()))?;
        for d in [layout.data(), layout.deliveries(), layout.vault_dir()] {
            std::fs::create_dir_all(&d)
                .with_context(|| format!("kan {} niet aanmaken", d.display()))?;
        }
        pseudonym::create_key(&layout.key_dir(), &layout.key())?;
        IntegrityKey::create(&layout, 1)?;
        let text = toml::to_string_pretty(&config)?;
        let header = "# loep-project. Wie dit bestand na de goedkeuring wijzigt, trekt de goedkeuring in:\n# de functionaris gegevensbescherming moet dan opnieuw `loep approve` uitvoeren.\n";
        std::fs::write(layout.config(), format!("{header}{text}"))?;
        let mut project = Project::open(dir)?;
        let now = clock::now();
        // Not a stored list: a log record's attribute, hash-chained as records always were.
        let rec =
            LogRecord::new("project.init", &now, &now).with_attr("gebied", config.gebied.join(","));
        project.log(rec)?;
        Ok(project)
    }

    /// Opens an existing project for writing, checks its configuration, and clears what an
    /// interrupted intake left behind.
    pub fn open(dir: &Path) -> Result<Project> {
        Self::open_with(dir, Access::Write)
    }

    /// Opens an existing project to read it, also while another command writes to it.
    pub fn open_read_only(dir: &Path) -> Result<Project> {
        Self::open_with(dir, Access::Read)
    }

    fn open_with(dir: &Path, access: Access) -> Result<Project> {
        let layout = Layout {
            dir: dir.to_path_buf(),
        };
        // Taken before anything is read: a file changed while opening shows as changed later.
        let opened_as = fingerprint(&layout);
        let config = read_config(&layout, dir)?;
        if !layout.vault().parent().is_some_and(Path::exists) {
            bail!(
                "de identiteitskluis {} is niet beschikbaar; koppel de opslag van de kluis aan en probeer het opnieuw",
                layout.vault_dir().display()
            );
        }
        let (lock_file, exclusive) = take_lock(&layout, access, dir)?;
        let mut conn = open_store(&layout, exclusive)?;
        let version = crate::schema::version(Db::of(&conn))?;
        // A schema version lower than one this project had means the version was set back
        // by hand (to run a migration again over rows changed meanwhile): refused.
        crate::schema::check_floor(&layout, version)?;
        let key = integrity_key(&layout, &conn, version, exclusive)?;
        let ledger = match &key {
            Some(k) => Some(register_integrity(&layout, &conn, k)?),
            None => None,
        };
        if exclusive {
            create_and_migrate(&layout, &mut conn, key.as_ref(), version)?;
        } else if version > crate::schema::CURRENT {
            bail!(
                "dit project is gemaakt met een nieuwere versie van loep; gebruik die versie of een nieuwere"
            );
        }
        let config_sha256 = sha256_file(&layout.config())?;
        let project = Project {
            layout,
            config,
            config_sha256,
            conn,
            integrity: key,
            head_mirror: None,
            ledger,
            _lock: None,
            opened_as,
        };
        if exclusive {
            project.clear_staging()?;
        }
        Ok(Project {
            _lock: (access == Access::Write).then_some(lock_file),
            ..project
        })
    }

    /// Removes what an interrupted intake left behind in the analysis store: its staging area
    /// and any Parquet file that no committed snapshot refers to. (The vault cleans its own:
    /// `loep_vault::Vault::reconcile`.)
    fn clear_staging(&self) -> Result<()> {
        let staging = self.layout.staging();
        if staging.exists() {
            std::fs::remove_dir_all(&staging).with_context(|| {
                format!(
                    "kan de achtergebleven tussenmap {} niet verwijderen",
                    staging.display()
                )
            })?;
        }
        let mut known = std::collections::HashSet::new();
        for sql in [
            "SELECT pad FROM snapshot",
            "SELECT scope_pad FROM snapshot WHERE scope_pad IS NOT NULL",
            "SELECT pad_personen FROM koppeling",
            "SELECT pad_adressen FROM koppeling",
            // What a certified run read stays as long as its signals (its register of
            // reports filed through the form), so that the run can be computed again; retention
            // removes the copies when it destroys reports.
            "SELECT json_extract(b.value, '$.pad') FROM run_certificaat c, json_each(c.inhoud, '$.bronnen') b
             WHERE c.vernietigd IS NULL AND json_extract(b.value, '$.pad') <> ''",
        ] {
            let mut stmt = self.conn.prepare(sql)?;
            for pad in stmt.query_map([], |r| r.get::<_, String>(0))? {
                known.insert(pad?);
            }
        }
        for root in [
            self.layout.data(),
            self.layout.dir.join("scope"),
            self.layout.dir.join("koppeling"),
        ] {
            remove_unregistered(&self.layout.dir, &root, &known)?;
        }
        Ok(())
    }

    /// The ids of the committed deliveries (the vault keeps only what belongs to these).
    pub fn delivery_ids(&self) -> Result<std::collections::HashSet<String>> {
        let mut stmt = self.conn.prepare("SELECT levering_id FROM levering")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Sets what is told the processing log's new head (record count and hash) after every
    /// commit that appended to it: the application core keeps a copy in the identity vault,
    /// so that removing the newest records is detected.
    pub fn set_head_mirror(&mut self, mirror: Box<dyn HeadMirror>) {
        self.head_mirror = Some(mirror);
    }

    /// The project's database, to hand to the store's functions (see [`Db`]).
    pub fn db(&self) -> &Db {
        Db::of(&self.conn)
    }

    /// Whether this project, opened to read, may answer another request as it is: no
    /// transaction is left open; the project's definition, its integrity key and the start of
    /// its keyed log are what they were at the open, the database is the same file, with the
    /// vault's storage still there; and no newer release has migrated the database. Otherwise
    /// it is to be opened anew (which checks them all again). About three small file reads.
    pub fn reusable(&self) -> bool {
        self._lock.is_none()
            && self.head_mirror.is_none()
            && self.conn.is_autocommit()
            && fingerprint(&self.layout) == self.opened_as
            && crate::schema::version(self.db()).is_ok_and(|v| v <= crate::schema::CURRENT)
    }

    /// An HMAC-SHA-256 of `parts` under the project's integrity key (kept outside the store):
    /// for values that must be recognised later but never be readable or guessable from
    /// `store.sqlite` alone.
    pub fn keyed(&self, parts: &[Option<&str>]) -> Result<String> {
        match &self.integrity {
            Some(k) => Ok(k.mac(parts)),
            None => bail!(
                "dit project heeft nog geen integriteitssleutel: open het eenmaal om te schrijven met deze versie van loep"
            ),
        }
    }

    /// Starts a write transaction on the store (and the vault attached to it): what is done
    /// through it commits together or not at all. Other crates pass it to the store's
    /// functions and never see SQL.
    pub fn begin(&mut self) -> Result<Tx<'_>> {
        let head = log::head(self.db())?;
        // Immediate: the write lock from the start, so that the access state this
        // transaction changes is the one the anchor holds (see `crate::toegang`).
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let access = match (self.ledger.as_deref(), self.integrity.as_ref()) {
            (Some(ledger), Some(key)) => {
                ledger.open(Db::of(&tx))?;
                Some(AccessOpen {
                    ledger,
                    layout: &self.layout,
                    key,
                })
            }
            _ => None,
        };
        Ok(Tx {
            tx,
            head_before: head,
            mirror: self.head_mirror.as_deref(),
            access,
            activity: self.config.verwerkingsactiviteit_id.clone(),
        })
    }

    pub fn pseudonymiser(&self) -> Result<Pseudonymiser> {
        Pseudonymiser::load(&self.layout.key())
    }

    /// Records the privacy officer's approval of the current `loep.toml`.
    pub fn approve(&mut self, door: &str, dpia: &str) -> Result<Approval> {
        if door.trim().is_empty() {
            return Err(crate::Problem::invalid_in(
                &["door"],
                "wie goedkeurt is niet genoemd: noem de functionaris gegevensbescherming die goedkeurt",
            ));
        }
        if dpia.trim().is_empty() {
            return Err(crate::Problem::invalid_in(
                &["dpia"],
                "het kenmerk van de DPIA is leeg: geef het kenmerk van de DPIA waarop de goedkeuring steunt",
            ));
        }
        let now = clock::now();
        let activity = self.config.verwerkingsactiviteit_id.clone();
        let sha = self.config_sha256.clone();
        let tx = self.begin()?;
        tx.execute(
            "INSERT INTO goedkeuring (door, dpia, tijdstip, config_sha256) VALUES (?1, ?2, ?3, ?4)",
            params![door, dpia, now, sha],
        )?;
        // The approver's name stays in the approval record: log lines carry no user names.
        let rec = LogRecord::new("project.approve", &now, &now)
            .with_attr("dpia", dpia.to_string())
            .with_attr("config_sha256", sha.clone());
        log::append(&tx, &activity, rec)?;
        tx.commit()?;
        self.approval()?
            .context("de goedkeuring is niet vastgelegd")
    }

    pub fn approval(&self) -> Result<Option<Approval>> {
        let found = self
            .conn
            .query_row(
                "SELECT id, door, dpia, tijdstip, config_sha256 FROM goedkeuring ORDER BY id DESC LIMIT 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        Approval {
                            door: r.get(1)?,
                            dpia: r.get(2)?,
                            tijdstip: r.get(3)?,
                            geldig: r.get::<_, String>(4)? == self.config_sha256,
                        },
                    ))
                },
            )
            .optional()?;
        match found {
            Some((id, a)) => {
                if !self.row_intact("goedkeuring", &id.to_string())? {
                    return Err(integrity::tampered("de goedkeuring van het project"));
                }
                Ok(Some(a))
            }
            None => Ok(None),
        }
    }

    /// What a writer checks when it opens the project: the whole log chain when this process
    /// has not verified it in the last [`integrity::FULL_CHECK_EVERY`] (so every CLI command
    /// that writes, and a server at its first write and then regularly), otherwise the records
    /// since the head verified last (and that head still in place), the vault's copy of the head, and every row that
    /// grants access against its seal. Problems found raise the alarm, which stays until the
    /// privacy officer has looked ([`Project::acknowledge_alarm`]); while it stands this
    /// returns the alarm. With nothing found, the head becomes the new verified head.
    pub fn check_integrity(&self, vault_head: Option<log::HeadCopy>) -> Result<Vec<String>> {
        if let Some(alarm) = integrity::alarm(&self.layout)? {
            return Ok(alarm.lines().map(str::to_string).collect());
        }
        let checkpoint = integrity::checkpoint(&self.layout)?;
        // The whole chain when this process has not verified it lately (a record deleted or
        // rewritten before the verified head); else the records since that head.
        let full = integrity::full_check_due(&self.layout.dir);
        let mut problems = if full {
            let known: Vec<(i64, String)> = checkpoint.iter().cloned().collect();
            log::verify(self.db(), vault_head, &known)?.problems
        } else {
            log::verify_since(self.db(), checkpoint, vault_head)?.problems
        };
        problems.extend(integrity::tampered_rows(self.db())?);
        problems.extend(self.access_problems()?);
        if full {
            // With the whole chain: the sealed decisions and the audit trail, the rights
            // against the log's last record of them, and each run's certificate against the
            // log (its signals are checked where they are used).
            problems.extend(integrity::tampered_decisions(self.db())?);
            problems.extend(self.logged_access_problems()?);
            problems.extend(crate::certificaat::problems(self.db(), false)?);
        }
        if problems.is_empty() {
            let (seq, hash) = log::head(self.db())?;
            integrity::set_checkpoint(&self.layout, seq, &hash)?;
            if full {
                integrity::fully_checked(&self.layout.dir);
            }
        } else {
            integrity::raise_alarm(&self.layout, &problems)?;
        }
        Ok(problems)
    }

    /// The privacy officer has looked at the alarm: it is recorded in the log with `reden` and
    /// the problems, the current head becomes the verified head, and processing may resume.
    pub fn acknowledge_alarm(&mut self, reden: &str) -> Result<Vec<String>> {
        let problems: Vec<String> = integrity::alarm(&self.layout)?
            .map(|a| a.lines().map(str::to_string).collect())
            .unwrap_or_default();
        let now = clock::now();
        let rec = LogRecord::new("log.alarm_afgehandeld", &now, &now)
            .with_attr("reden", reden.to_string())
            .with_attr("problemen", problems.join("; "));
        self.log(rec)?;
        let (seq, hash) = log::head(self.db())?;
        integrity::set_checkpoint(&self.layout, seq, &hash)?;
        // The access state as it is now is the one accepted from here on, in the log too.
        if let Some(k) = self.integrity.clone() {
            crate::toegang::bind(self.db(), &self.layout, &k)?;
            let rights = crate::toegang::rights_digest(self.db(), &k)?;
            let now = clock::now();
            self.log(rights.record(crate::toegang::STAAT, &now))?;
            let (seq, hash) = log::head(self.db())?;
            integrity::set_checkpoint(&self.layout, seq, &hash)?;
        }
        integrity::clear_alarm(&self.layout)?;
        Ok(problems)
    }

    /// What differs between the access state in the store and its anchor beside the
    /// integrity key ([`crate::toegang`]), as problems.
    pub fn access_problems(&self) -> Result<Vec<String>> {
        let Some(k) = &self.integrity else {
            return Ok(Vec::new());
        };
        Ok(match crate::toegang::check(self.db(), &self.layout, k)? {
            crate::toegang::Staat::Gewijzigd(what) => vec![what],
            _ => Vec::new(),
        })
    }

    /// Refuses, and raises the alarm, when the access state is not what loep last wrote: run
    /// before an account, web session or API key of this project is trusted.
    pub fn check_access(&self) -> Result<()> {
        let problems = self.access_problems()?;
        if problems.is_empty() {
            return Ok(());
        }
        integrity::raise_alarm(&self.layout, &problems)?;
        Err(crate::Problem::alarm(format!(
            "geweigerd: {}. Er wordt niemand toegelaten tot de functionaris gegevensbescherming heeft gekeken en vastgelegd dat het is afgehandeld",
            problems.join("; ")
        )))
    }

    /// Binds the access state to an anchor beside the integrity key, once: for a project
    /// made before the anchor existed, by its first writer; recorded in the processing log, so
    /// that a removed anchor is found later.
    pub fn bind_access(&mut self) -> Result<()> {
        let Some(k) = self.integrity.clone() else {
            return Ok(());
        };
        if crate::toegang::anchor(&self.layout)?.is_some() || crate::toegang::was_bound(self.db())?
        {
            return Ok(());
        }
        crate::toegang::bind(self.db(), &self.layout, &k)?;
        let rights = crate::toegang::rights_digest(self.db(), &k)?;
        let now = clock::now();
        self.log(rights.record(crate::toegang::BEWAAKT, &now))
    }

    /// Whether the access state in the store is the one the keyed log recorded last (with
    /// every change of access, [`Tx::commit`]), as problems. The anchor beside the key can be
    /// put back with an older store; the log, whose head is kept in the vault and by whoever
    /// keeps a signed head, cannot.
    pub fn logged_access_problems(&self) -> Result<Vec<String>> {
        let Some(k) = &self.integrity else {
            return Ok(Vec::new());
        };
        // One snapshot for the log and the rows: a commit in between cannot make them differ.
        let own = self.conn.is_autocommit();
        if own {
            self.conn.execute_batch("BEGIN DEFERRED")?;
        }
        let found = self
            .logged_access_state(k)
            .and_then(|state| Ok((state, crate::toegang::logged_audit_problems(self.db())?)));
        if own {
            self.conn.execute_batch("COMMIT")?;
        }
        let (found, audit) = found?;
        let mut problems = audit;
        if let Some((seq, logged, now)) = found
            && now != logged
        {
            problems.push(format!(
                "de rijen die toegang geven of iets beslissen zijn niet meer zoals het verwerkingslog ze het laatst vastlegde (regel {seq}): een oudere kopie van rijen is teruggezet, of er is buiten loep om iets gewijzigd of verwijderd"
            ));
        }
        Ok(problems)
    }

    /// The log's last record of the access state (its number and digest) and the digest of
    /// the state in the store; `None` before the log recorded any.
    fn logged_access_state(&self, k: &IntegrityKey) -> Result<Option<(i64, String, String)>> {
        let Some(logged) = crate::toegang::logged_rights(self.db())? else {
            return Ok(None);
        };
        let now = crate::toegang::rights_as_logged(self.db(), k, logged.decisions)?;
        Ok(Some((logged.seq, logged.digest, now)))
    }

    /// The head verified last by a writer.
    pub fn verified_head(&self) -> Result<Option<(i64, String)>> {
        integrity::checkpoint(&self.layout)
    }

    /// Whether a guarded row still matches its seal (see [`integrity`]).
    pub fn row_intact(&self, table: &str, id: &str) -> Result<bool> {
        integrity::row_intact(self.db(), table, id)
    }

    /// A signed head of the processing log (`N:HASH:SIGNATURE`) for the privacy officer to
    /// keep, and to give to `loep log verify --sinds` later.
    pub fn signed_head(&self) -> Result<String> {
        let (seq, hash) = log::head(self.db())?;
        match &self.integrity {
            Some(k) => Ok(integrity::signed_head(k, seq, &hash)),
            None => bail!(
                "dit project heeft nog geen integriteitssleutel: open het eenmaal om te schrijven"
            ),
        }
    }

    /// Checks a signed head and that the log still holds it: record N has that hash.
    pub fn check_signed_head(&self, token: &str) -> Result<(i64, String)> {
        let Some(k) = &self.integrity else {
            bail!(
                "dit project heeft nog geen integriteitssleutel: open het eenmaal om te schrijven"
            );
        };
        integrity::check_signed_head(k, token)
    }

    /// Refuses, with the reason, unless the project is approved and within its period.
    pub fn ensure_may_process(&self) -> Result<()> {
        let approve = |message: String| {
            Err(crate::Problem::with_next(
                crate::ProblemKind::Invalid,
                crate::Vervolg::Goedkeuren,
                message,
            ))
        };
        match self.approval()? {
            None => {
                return approve(format!(
                    "project '{}' is niet goedgekeurd: de functionaris gegevensbescherming moet het eerst goedkeuren",
                    self.config.naam
                ));
            }
            Some(a) if !a.geldig => {
                return approve(format!(
                    "loep.toml is gewijzigd nadat het op {} is goedgekeurd: de goedkeuring geldt niet meer; de functionaris gegevensbescherming moet het project opnieuw goedkeuren",
                    a.tijdstip
                ));
            }
            Some(_) => {}
        }
        let (van, tot) = self.config.period_days()?;
        let today = clock::today();
        if today < van {
            crate::invalid!(
                "project '{}' begint op {}: daarvoor mogen geen gegevens worden verwerkt",
                self.config.naam,
                self.config.periode.van
            );
        }
        if today > tot {
            crate::invalid!(
                "project '{}' is geëindigd op {}: er mogen geen gegevens meer worden verwerkt",
                self.config.naam,
                self.config.periode.tot
            );
        }
        Ok(())
    }

    /// Appends one record to the processing log in its own transaction.
    pub fn log(&mut self, rec: LogRecord) -> Result<()> {
        let activity = self.config.verwerkingsactiviteit_id.clone();
        let tx = self.begin()?;
        log::append(&tx, &activity, rec)?;
        tx.commit()?;
        Ok(())
    }
}

/// What is told the processing log's new head (record count, hash of the newest record), in
/// two steps around the store's commit, so that a process killed between the two databases'
/// commits leaves a head the next check recognises rather than a false alarm.
pub trait HeadMirror: Send {
    /// The head the log will have if the store's commit that follows succeeds (written
    /// durably before it; when this fails the store does not commit).
    fn prepare(&self, seq: i64, hash: &str) -> Result<()>;
    /// The head the log has now that the store committed.
    fn record(&self, seq: i64, hash: &str) -> Result<()>;
}

/// How long a writer waits for another writer before it gives up with "busy".
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// A write transaction of the store; see [`Project::begin`]. When it appended to the
/// processing log, committing tells the head mirror the new head.
pub struct Tx<'a> {
    tx: rusqlite::Transaction<'a>,
    head_before: (i64, String),
    mirror: Option<&'a dyn HeadMirror>,
    access: Option<AccessOpen<'a>>,
    /// The project's processing activity, for the log record of a change of access.
    activity: String,
}

/// The access ledger of an open transaction: closed when the transaction ends, however.
struct AccessOpen<'a> {
    ledger: &'a crate::toegang::Ledger,
    layout: &'a Layout,
    key: &'a IntegrityKey,
}

impl Drop for AccessOpen<'_> {
    fn drop(&mut self) {
        self.ledger.close();
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = TxDb;
    fn deref(&self) -> &TxDb {
        TxDb::of(&self.tx)
    }
}

impl Tx<'_> {
    pub fn commit(self) -> Result<()> {
        let Tx {
            tx,
            head_before,
            mirror,
            access,
            activity,
        } = self;
        let prepared = match &access {
            Some(a) => {
                let delta = a.ledger.close();
                // A change of rights is a record of the keyed log, with the digest of the
                // rights after it: every signed head commits to them, and a store whose access
                // rows were put back with their anchor no longer matches the log. (Sessions
                // alone change with every login: they are bound by the anchor only.)
                // Only a writer's transaction (its guard checked the rights against the log
                // first, and it copies the new head to the vault): a reader changes sessions,
                // never rights.
                // A writer also records the rights again when the accounts' audit trail grew
                // since the last record (a lock lifted, failed logins): the record names the
                // trail's newest line, binding the trail up to it.
                if mirror.is_some() {
                    let logged = crate::toegang::logged_rights(Db::of(&tx))?;
                    if delta != [0; 32]
                        || crate::toegang::audit_moved(Db::of(&tx), logged.as_ref())?
                    {
                        let rights = crate::toegang::rights_digest(Db::of(&tx), a.key)?;
                        if !logged.as_ref().is_some_and(|l| l.says(&rights)) {
                            let now = clock::now();
                            log::append(
                                TxDb::of(&tx),
                                &activity,
                                rights.record(crate::toegang::STAAT, &now),
                            )?;
                        }
                    }
                }
                crate::toegang::prepare(a.layout, delta, || {
                    crate::toegang::digest(Db::of(&tx), a.key)
                })?
            }
            None => None,
        };
        let head = log::head(Db::of(&tx))?;
        let mirror = mirror.filter(|_| head != head_before);
        if let Some(mirror) = mirror {
            // Announced before the commit: killed between the two commits, the vault knows
            // the head the log may now have.
            if let Err(e) = mirror.prepare(head.0, &head.1) {
                crate::toegang::finish(prepared, false)?;
                return Err(e.context(
                    "de nieuwe kop van het verwerkingslog kon niet in de identiteitskluis worden aangekondigd; er is niets vastgelegd",
                ));
            }
        }
        if mirror.is_some() {
            clock::fault_point("log-head-announced");
        }
        let done = tx.commit();
        crate::toegang::finish(prepared, done.is_ok())?;
        done?;
        if let Some(mirror) = mirror {
            clock::fault_point("log-head-unrecorded");
            mirror.record(head.0, &head.1).context(
                "het verwerkingslog is geschreven, maar de kop ervan kon niet naar de identiteitskluis worden gekopieerd",
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A theme's tokens become custom properties over the example theme; a value that could
    /// end the declaration, load something or a name that is no token is refused, and so is
    /// a logo outside the project directory.
    #[test]
    fn a_theme_is_checked_and_written_as_css() {
        let mut t = Thema {
            logo: Some("thema/logo.svg".into()),
            tokens: [
                (
                    "basis-color-action-1-color-default".to_string(),
                    "#b40000".to_string(),
                ),
                (
                    "basis-text-font-family-default".to_string(),
                    "Verdana, sans-serif".to_string(),
                ),
            ]
            .into_iter()
            .collect(),
        };
        t.validate().unwrap();
        let css = t.css();
        assert!(
            css.contains("--basis-color-action-1-color-default: #b40000;"),
            "{css}"
        );
        assert!(css.contains("url(/thema/logo)"), "{css}");
        for bad in [
            "red; } body { display: none",
            "url(https://elders.example/x.png)",
            "image-set(\"data:image/svg+xml,x\" 1x)",
            "#fff</style><script>",
            "",
            "a /* b */",
            "a\\3b b",
            "red\n",
            "@import x",
            "expression(x)",
            "(",
            "\"",
            // Two quotes of each kind, but one string left open: `'"'` then `"`.
            "'\"'\"",
        ] {
            let mut b = t.clone();
            b.tokens.insert("basis-color-x".into(), bad.into());
            assert!(b.validate().is_err(), "{bad}");
        }
        let mut b = t.clone();
        b.tokens.insert("Basis Color".into(), "#fff".into());
        assert!(b.validate().is_err());
        for logo in ["../logo.svg", "/etc/logo.svg", "thema/logo.gif"] {
            t.logo = Some(logo.into());
            assert!(t.validate().is_err(), "{logo}");
        }
        assert!(!Thema::default().css().contains("url("));
        // What a theme gives: colours, sizes, font lists, computed values.
        let mut good = Thema::default();
        for v in [
            "#b40000",
            "rgb(180 0 0 / 50%)",
            "calc(1rem + 2px)",
            "\"Fira Sans\", Verdana, sans-serif",
            "var(--basis-color-x)",
        ] {
            good.tokens.insert("basis-x".into(), v.into());
            assert!(good.validate().is_ok(), "{v}");
        }
        let tokens_only = Thema {
            logo: None,
            tokens: good.tokens.clone(),
        };
        assert!(!tokens_only.css().contains("url("));
    }

    #[test]
    fn what_the_project_publishes_is_checked() {
        let ok = Publicatie {
            organisatie: Some("Gemeente Haarlem".into()),
            contact: Some("privacy@haarlem.example".into()),
            privacyverklaring: Some("https://haarlem.example/privacy".into()),
            postadres: Some("Postbus 511, 2003 PB Haarlem".into()),
            functionaris: Some("A. de Vries".into()),
        };
        ok.validate().unwrap();
        for (postadres, functionaris) in [
            (Some("x\ny".to_string()), None),
            (Some(" ".to_string()), None),
            (None, Some("n".repeat(101))),
        ] {
            let p = Publicatie {
                postadres,
                functionaris,
                ..ok.clone()
            };
            assert!(p.validate().is_err());
        }
        for bad in [
            "haarlem.example/privacy",
            "http://haarlem.example/privacy",
            "https://",
            "https://haarlem.example/privacy verklaring",
        ] {
            let p = Publicatie {
                privacyverklaring: Some(bad.into()),
                ..ok.clone()
            };
            let e = p.validate().unwrap_err();
            assert!(e.to_string().contains("privacyverklaring"), "{bad}: {e}");
        }
        let p = Publicatie {
            contact: Some("geen adres".into()),
            ..ok.clone()
        };
        assert!(p.validate().is_err());
    }
}
