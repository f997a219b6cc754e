//! The indicator catalogue: one TOML file per indicator in `catalogue/` of the repository,
//! compiled into the binary, so that what runs is what is published.
//!
//! An indicator declares what it is for (theme, purpose, legal basis, rationale), what it reads
//! (tables and columns), its parameters with their meaning, the SQL that finds addresses, and
//! the Dutch explanation filled from the facts the SQL returns. The declarations are enforced:
//! the SQL sees only the declared columns, fields that must never drive a signal are refused,
//! and a table of a partner the project does not include is refused.

use anyhow::{Context, Result, bail};
use loep_contract::{Partner, Table};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::afgeleid::{self, Bouwsteen};

include!(concat!(env!("OUT_DIR"), "/catalogue_files.rs"));

pub use loep_contract::Thema;

/// Columns that must never drive a signal: sex, age (birth year) and neighbourhood. They are
/// used only to monitor fairness (`loep fairness`).
pub const FORBIDDEN_INPUTS: [&str; 4] = ["geslacht", "geboortejaar", "buurtcode", "wijkcode"];

/// Tables the linkage writes, readable by indicators beside the contract's tables.
pub const LINK_TABLES: [(&str, &[&str]); 3] = [
    (
        "koppeling_persoon",
        &["bron", "record_key", "pseudoniem", "kans", "methode"],
    ),
    (
        "koppeling_adres",
        &["bron", "record_key", "vbo_id", "zekerheid"],
    ),
    // The residents' reports of the public form, beside the delivered `melding`.
    (crate::meldformulier::TABLE, &crate::meldformulier::COLUMNS),
];

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    pub standaard: f64,
    pub betekenis: String,
    /// Where the default comes from (a law, a norm, a profile, a published figure).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub bron: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub code: String,
    pub versie: u32,
    pub thema: Thema,
    pub titel: String,
    pub beschrijving: String,
    pub onderbouwing: String,
    pub doel: String,
    pub grondslag: String,
    /// Honest situations that look alike, and why this indicator does not fire on them.
    pub niet_bedoeld: String,
    /// What missing data means for this indicator (absent is unknown, not zero).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ontbrekend: String,
    /// Tables and the columns read from each (besides the building blocks of `afgeleid`).
    #[serde(default)]
    pub leest: BTreeMap<String, Vec<String>>,
    /// Tables of `leest` that only add evidence (a benign explanation, another way to show
    /// the same pattern): without a delivery of one the indicator runs as if it held no
    /// rows, and the run says so. Every other table is needed: without it the indicator
    /// does not run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub optioneel: Vec<String>,
    /// Building blocks of the derived layer (`catalogue/afgeleid/`) the SQL reads as tables,
    /// and the columns read from each: the SQL sees a view of only these.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub afgeleid: BTreeMap<String, Vec<String>>,
    /// The blocks of `afgeleid` and the blocks they read, in the order they are computed;
    /// filled when the catalogue is read (shown, never read from a file).
    #[serde(skip_deserializing, skip_serializing_if = "Vec::is_empty")]
    pub bouwstenen: Vec<Bouwsteen>,
    #[serde(default)]
    pub parameters: BTreeMap<String, Parameter>,
    /// Dutch explanation with `{fact}` and `{parameter}` placeholders.
    pub uitleg: String,
    /// The margin: what would have had to differ for the signal not to fire, with the
    /// boundary for this address (same placeholders as `uitleg`). Every signal's explanation
    /// ends with it.
    pub marge: String,
    /// DataFusion SQL; `${parameter}` is replaced by the parameter's value. It returns one row
    /// per address: `vbo_id`, optionally `pseudoniemen` (comma-separated) and `sterkte` (how
    /// far beyond the threshold, 1 = at it), and the facts the explanation names.
    pub sql: String,
}

impl Indicator {
    /// The partners whose data this indicator reads (the BAG, open reference data, and the
    /// linkage's own tables excepted).
    pub fn partners(&self) -> Vec<Partner> {
        self.partners_without(&[])
    }

    /// [`Indicator::partners`] but for the optional tables in `absent`, which no partner
    /// delivered: a signal rests only on the data that was there.
    pub fn partners_without(&self, absent: &[String]) -> Vec<Partner> {
        let mut out: Vec<Partner> = self
            .alle_leest()
            .keys()
            .filter(|t| t.as_str() != "bag_verblijfsobject" && !absent.contains(t))
            .filter_map(|t| Table::by_name(t).map(|t| t.partner))
            .collect();
        out.sort_by_key(|p| p.as_str());
        out.dedup();
        out
    }

    /// Every table and column the indicator reads, itself or through its building blocks.
    pub fn alle_leest(&self) -> BTreeMap<String, Vec<String>> {
        let mut out = self.leest.clone();
        for (t, cols) in afgeleid::reads(&self.bouwstenen) {
            let e = out.entry(t).or_default();
            for c in cols {
                if !e.contains(&c) {
                    e.push(c);
                }
            }
        }
        out
    }

    /// The tables of [`Indicator::alle_leest`] that only add evidence wherever they are read:
    /// without a delivery the indicator runs as if they held no rows. A table the indicator
    /// or one of its blocks needs is not among them.
    pub fn alle_optioneel(&self) -> Vec<String> {
        let via_blocks = afgeleid::optional_reads(&self.bouwstenen);
        self.alle_leest()
            .into_keys()
            .filter(|t| !self.leest.contains_key(t) || self.optioneel.contains(t))
            .filter(|t| {
                !self.bouwstenen.iter().any(|b| b.leest.contains_key(t)) || via_blocks.contains(t)
            })
            .collect()
    }

    /// The SQL with parameter values put in.
    pub fn sql_with(&self, values: &BTreeMap<String, f64>) -> Result<String> {
        let mut sql = self.sql.clone();
        for (name, v) in values {
            sql = sql.replace(&format!("${{{name}}}"), &format_number(*v));
        }
        if let Some(i) = sql.find("${") {
            let rest: String = sql[i..].chars().take(40).collect();
            bail!(
                "indicator {}: de SQL gebruikt een parameter die niet onder [parameters] is opgegeven: {rest}",
                self.code
            );
        }
        Ok(sql)
    }

    fn check(&self) -> Result<()> {
        let code = &self.code;
        for (field, text) in [
            ("titel", &self.titel),
            ("beschrijving", &self.beschrijving),
            ("onderbouwing", &self.onderbouwing),
            ("doel", &self.doel),
            ("grondslag", &self.grondslag),
            ("niet_bedoeld", &self.niet_bedoeld),
            ("uitleg", &self.uitleg),
            ("marge", &self.marge),
        ] {
            if text.trim().is_empty() {
                bail!("indicator {code}: '{field}' is leeg; elke indicator vult het in");
            }
        }
        if self.leest.is_empty() && self.afgeleid.is_empty() {
            bail!("indicator {code}: noem onder [leest] de tabellen die de indicator leest");
        }
        check_reads(&format!("indicator {code}"), &self.leest, &self.optioneel)?;
        for (field, text) in [("uitleg", &self.uitleg), ("marge", &self.marge)] {
            let placeholders =
                placeholders(text).with_context(|| format!("indicator {code}: {field}"))?;
            check_parts(text).with_context(|| format!("indicator {code}: {field}"))?;
            if field == "marge" && placeholders.is_empty() {
                bail!(
                    "indicator {code}: de marge noemt geen grens; zeg met een plaatshouder waar het signaal er niet was geweest"
                );
            }
            for p in &placeholders {
                if self.parameters.contains_key(p) {
                    continue;
                }
                if !self.sql.contains(p.as_str()) {
                    bail!(
                        "indicator {code}: {field} noemt '{{{p}}}', maar dat is geen parameter en geen kolom die de SQL teruggeeft"
                    );
                }
            }
        }
        self.sql_with(&self.defaults())?;
        Ok(())
    }

    pub fn defaults(&self) -> BTreeMap<String, f64> {
        self.parameters
            .iter()
            .map(|(k, p)| (k.clone(), p.standaard))
            .collect()
    }

    /// The explanation with facts and parameters filled in, as a Dutch reader writes them:
    /// `5,50 m²`, `€ 1.508.015`, `3 maart 2026` (`loep_contract::nl`), followed by the margin
    /// (what would have had to differ for the signal not to fire). A placeholder may agree in
    /// number: `{n|korte inschrijving|korte inschrijvingen}` writes the number and the
    /// singular form when it is exactly 1, the plural otherwise ("1 korte inschrijving",
    /// "0,80 bewoners"); `{~n|is|zijn}` writes only the form.
    pub fn explain(
        &self,
        facts: &BTreeMap<String, String>,
        params: &BTreeMap<String, f64>,
    ) -> String {
        let mut out = fill(&self.uitleg, facts, params);
        let marge = fill(&self.marge, facts, params);
        if !marge.trim().is_empty() {
            out.push(' ');
            out.push_str(marge.trim());
        }
        out
    }

    /// The names of the facts and parameters the explanation and the margin refer to.
    pub fn placeholder_names(&self) -> Vec<String> {
        let mut names = placeholders(&self.uitleg).unwrap_or_default();
        for n in placeholders(&self.marge).unwrap_or_default() {
            if !names.contains(&n) {
                names.push(n);
            }
        }
        names
    }

    /// The explanation as the catalogue publishes it: every placeholder as `{name}`, with
    /// the plural form where it agrees in number (`{n} korte inschrijvingen`).
    pub fn uitleg_sjabloon(&self) -> String {
        sjabloon(&self.uitleg)
    }

    /// The margin as the catalogue publishes it (see [`Indicator::uitleg_sjabloon`]).
    pub fn marge_sjabloon(&self) -> String {
        sjabloon(&self.marge)
    }
}

/// An error for a `[[ ]]` part of `template` that is not closed, one inside another, or a
/// `]]` that closes nothing. (A margin may be made of such parts only, one of which applies to
/// every row, as HJM-01's: the owner's pattern or the unit's own rent.)
fn check_parts(template: &str) -> Result<()> {
    let mut rest = template;
    while let Some(i) = rest.find("[[") {
        let Some(j) = rest[i + 2..].find("]]") else {
            bail!("een deel dat met [[ begint, wordt niet met ]] gesloten");
        };
        if rest[..i].contains("]]") {
            bail!("]] sluit een deel dat niet met [[ is geopend");
        }
        if rest[i + 2..i + 2 + j].contains("[[") {
            bail!("een deel in [[ ]] bevat een ander deel");
        }
        rest = &rest[i + 2 + j + 2..];
    }
    if rest.contains("]]") {
        bail!("]] sluit een deel dat niet met [[ is geopend");
    }
    Ok(())
}

/// `template` with facts and parameters filled in (see [`Indicator::explain`]). A part in
/// `[[` and `]]` is written only when every fact it names has a value (a fact the query
/// left empty reads `-`): a margin that applies to one kind of case only.
fn fill(
    template: &str,
    facts: &BTreeMap<String, String>,
    params: &BTreeMap<String, f64>,
) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(i) = rest.find("[[") {
        let Some(j) = rest[i..].find("]]") else { break };
        out.push_str(&fill_part(&rest[..i], facts, params));
        let part = &rest[i + 2..i + j];
        let known = placeholders(part).unwrap_or_default().iter().all(|name| {
            params.contains_key(name) || facts.get(name).is_some_and(|v| v.trim() != "-")
        });
        if known {
            out.push_str(&fill_part(part, facts, params));
        }
        rest = &rest[i + j + 2..];
    }
    out.push_str(&fill_part(rest, facts, params));
    out
}

/// [`fill`] of a template without conditional parts.
fn fill_part(
    template: &str,
    facts: &BTreeMap<String, String>,
    params: &BTreeMap<String, f64>,
) -> String {
    let value = |name: &str| -> Option<(String, Option<f64>)> {
        if let Some(v) = facts.get(name) {
            return Some((
                loep_contract::nl::feit(name, v),
                v.trim().parse::<f64>().ok(),
            ));
        }
        params
            .get(name)
            .map(|v| (loep_contract::nl::getal_vrij(*v), Some(*v)))
    };
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else { break };
        out.push_str(&rest[..i]);
        let token = &rest[i + 1..i + j];
        let p = Placeholder::parse(token);
        match value(p.name) {
            Some((text, number)) => match p.forms {
                None => out.push_str(&text),
                Some((een, meer)) => {
                    let form = if number == Some(1.0) { een } else { meer };
                    if !p.form_only {
                        out.push_str(&text);
                        out.push(' ');
                    }
                    out.push_str(form);
                }
            },
            // A fact the row did not give stays visible as its placeholder.
            None => out.push_str(&rest[i..=i + j]),
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

/// A template as the catalogue publishes it (see [`Indicator::uitleg_sjabloon`]).
fn sjabloon(template: &str) -> String {
    // A part that applies to some signals only stays marked: "[, of bij een bijstand …]".
    let template = template.replace("[[", "[").replace("]]", "]");
    let mut out = String::with_capacity(template.len());
    let mut rest = template.as_str();
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else { break };
        out.push_str(&rest[..i]);
        let p = Placeholder::parse(&rest[i + 1..i + j]);
        match (p.forms, p.form_only) {
            (None, _) => out.push_str(&format!("{{{}}}", p.name)),
            (Some((_, meer)), true) => out.push_str(meer),
            (Some((_, meer)), false) => out.push_str(&format!("{{{}}} {meer}", p.name)),
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

/// One `{...}` of an explanation: `name`, `name|singular|plural` or `~name|singular|plural`.
struct Placeholder<'a> {
    name: &'a str,
    forms: Option<(&'a str, &'a str)>,
    form_only: bool,
}

impl<'a> Placeholder<'a> {
    fn parse(token: &'a str) -> Placeholder<'a> {
        let (form_only, token) = match token.strip_prefix('~') {
            Some(t) => (true, t),
            None => (false, token),
        };
        let mut parts = token.splitn(3, '|');
        let name = parts.next().unwrap_or_default();
        let forms = match (parts.next(), parts.next()) {
            (Some(een), Some(meer)) => Some((een, meer)),
            _ => None,
        };
        Placeholder {
            name,
            forms,
            form_only,
        }
    }
}

/// Checks what an indicator or building block (`owner`) reads: tables that exist, columns the
/// analysis store holds, never a forbidden input or the buurt table, and optional tables that
/// are read and delivered.
pub(crate) fn check_reads(
    owner: &str,
    leest: &BTreeMap<String, Vec<String>>,
    optioneel: &[String],
) -> Result<()> {
    for t in optioneel {
        if !leest.contains_key(t) {
            bail!(
                "{owner}: optionele tabel '{t}' staat niet onder [leest] bij de tabellen die hij leest"
            );
        }
        if Table::by_name(t).is_none() && !t.starts_with("koppeling_") {
            bail!(
                "{owner}: alleen een geleverde tabel of een tabel van een koppeling kan optioneel zijn, '{t}' niet"
            );
        }
    }
    for (table, columns) in leest {
        if table == "cbs_buurt" {
            bail!("{owner}: de buurt mag geen adressen selecteren; cbs_buurt is geen invoer");
        }
        let known: Vec<String> = match Table::by_name(table) {
            Some(t) => {
                let mut c: Vec<String> =
                    t.columns.iter().filter_map(|c| c.analysis_name()).collect();
                if !t.record_key.is_empty() {
                    c.push("record_key".into());
                }
                c
            }
            None => match LINK_TABLES.iter().find(|(n, _)| n == table) {
                Some((_, cols)) => cols.iter().map(|c| c.to_string()).collect(),
                None => bail!("{owner}: er is geen tabel '{table}'"),
            },
        };
        for c in columns {
            if FORBIDDEN_INPUTS.contains(&c.as_str()) {
                bail!(
                    "{owner}: {table}.{c} mag nooit tot een signaal leiden (geslacht, leeftijd en buurt worden alleen gebruikt om de eerlijkheid te bewaken)"
                );
            }
            if !known.contains(c) {
                bail!(
                    "{owner}: {table} heeft geen kolom '{c}' in de analyseopslag (wel: {})",
                    known.join(", ")
                );
            }
        }
    }
    Ok(())
}

/// A number as SQL and explanations write it: integers without a decimal point.
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The names the explanation's placeholders refer to; an error for a placeholder that
/// agrees in number without both forms (`{n|inschrijving}`).
fn placeholders(text: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else { break };
        let token = &rest[i + 1..i + j];
        let p = Placeholder::parse(token);
        if (token.contains('|') || token.starts_with('~'))
            && p.forms.is_none_or(|(a, b)| a.is_empty() || b.is_empty())
        {
            bail!(
                "'{{{token}}}' in de uitleg moet het enkelvoud en het meervoud geven: {{{}|enkelvoud|meervoud}}",
                p.name
            );
        }
        out.push(p.name.to_string());
        rest = &rest[i + j + 1..];
    }
    Ok(out)
}

/// SHA-256 over the published catalogue's files (each name, NUL, text, NUL; in name order):
/// what a run certificate names as the catalogue it ran.
pub fn published_digest() -> String {
    use sha2::{Digest, Sha256};
    let mut files: Vec<&(&str, &str)> = FILES.iter().collect();
    files.sort_by_key(|(n, _)| *n);
    let mut h = Sha256::new();
    for (name, text) in files {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    // The derived layer is part of what ran.
    let mut blocks: Vec<&(&str, &str)> = afgeleid::FILES.iter().collect();
    blocks.sort_by_key(|(n, _)| *n);
    for (name, text) in blocks {
        h.update(format!("afgeleid/{name}").as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

/// SHA-256 of one indicator's definition in the published catalogue: its file's text, and
/// for an indicator that reads building blocks, each block's file (name, NUL, text, NUL) after
/// it, in the order they are computed.
pub fn definition_digest(code: &str) -> Option<String> {
    use sha2::{Digest, Sha256};
    let name = format!("{code}.toml");
    let (_, text) = FILES.iter().find(|(n, _)| *n == name)?;
    #[derive(Deserialize)]
    struct Reads {
        #[serde(default)]
        afgeleid: BTreeMap<String, Vec<String>>,
    }
    let names: Vec<String> = toml::from_str::<Reads>(text)
        .ok()?
        .afgeleid
        .into_keys()
        .collect();
    if names.is_empty() {
        return Some(hex::encode(Sha256::digest(text.as_bytes())));
    }
    let blocks = afgeleid::resolve(&afgeleid::published().ok()?, &names).ok()?;
    let mut h = Sha256::new();
    h.update(text.as_bytes());
    for b in blocks {
        let (file, block) = afgeleid::file_of(&b.naam)?;
        h.update([0]);
        h.update(format!("afgeleid/{file}").as_bytes());
        h.update([0]);
        h.update(block.as_bytes());
    }
    Some(hex::encode(h.finalize()))
}

/// Refuses SQL with an intermediate result (`naam AS (`) named like a delivered table, a
/// linkage table or a building block: it would silently hide what the name means elsewhere.
fn shadows(sql: &str, bouwstenen: &BTreeMap<String, Bouwsteen>) -> Result<()> {
    let flat = sql
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let names = loep_contract::TABLES
        .iter()
        .map(|t| t.name)
        .chain(LINK_TABLES.iter().map(|(n, _)| *n))
        .chain(bouwstenen.keys().map(String::as_str));
    for name in names {
        let hit = ["as (", "as materialized (", "as not materialized ("]
            .iter()
            .flat_map(|tail| {
                flat.match_indices(&format!("{name} {tail}"))
                    .collect::<Vec<_>>()
            })
            .any(|(i, _)| !flat[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_'));
        if hit {
            bail!(
                "de SQL noemt een tussenresultaat '{name}', zo heet al een tabel of bouwsteen; geef het een andere naam"
            );
        }
    }
    Ok(())
}

/// An indicator the project may not run: its code and why.
pub type Refusal = (String, String);

/// The catalogue: every indicator, by code.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub indicators: Vec<Indicator>,
    /// The derived layer the indicators read, by name.
    pub bouwstenen: BTreeMap<String, Bouwsteen>,
}

impl Catalogue {
    /// The published catalogue compiled into this binary.
    pub fn published() -> Result<Catalogue> {
        Catalogue::from_files(FILES.iter().map(|(n, t)| (n.to_string(), t.to_string())))
    }

    /// A catalogue from (file name, TOML) pairs; every indicator is checked.
    pub fn from_files(files: impl IntoIterator<Item = (String, String)>) -> Result<Catalogue> {
        Catalogue::from_parts(files, afgeleid::published()?)
    }

    /// A catalogue of indicators (file name, TOML) over the building blocks `bouwstenen`;
    /// every indicator is checked and each block it names must exist.
    pub fn from_parts(
        files: impl IntoIterator<Item = (String, String)>,
        bouwstenen: BTreeMap<String, Bouwsteen>,
    ) -> Result<Catalogue> {
        // Every block is checked, wherever it comes from.
        for b in bouwstenen.values() {
            b.check()
                .with_context(|| format!("catalogue/afgeleid/{}.toml", b.naam))?;
            shadows(&b.sql, &bouwstenen)
                .with_context(|| format!("catalogue/afgeleid/{}.toml", b.naam))?;
        }
        let mut indicators: Vec<Indicator> = Vec::new();
        for (name, text) in files {
            let i: Indicator =
                toml::from_str(&text).with_context(|| format!("catalogue/{name} is onleesbaar"))?;
            if format!("{}.toml", i.code) != name {
                bail!(
                    "catalogue/{name}: het bestand moet naar zijn code heten ({}.toml)",
                    i.code
                );
            }
            let mut i = i;
            i.check().with_context(|| format!("catalogue/{name}"))?;
            shadows(&i.sql, &bouwstenen).with_context(|| format!("catalogue/{name}"))?;
            // The intermediate results it computes first can be taken apart, and none of them
            // is registered under the name of a table or block (however the SQL is spaced).
            let split = crate::stappen::opsplitsen(&i.sql_with(&i.defaults())?)
                .with_context(|| format!("catalogue/{name}"))?;
            for (stap, _) in &split.stappen {
                shadows(&format!("{stap} as ("), &bouwstenen)
                    .with_context(|| format!("catalogue/{name}"))?;
            }
            let names: Vec<String> = i.afgeleid.keys().cloned().collect();
            i.bouwstenen = afgeleid::resolve(&bouwstenen, &names)
                .with_context(|| format!("catalogue/{name}"))?;
            for (naam, cols) in &i.afgeleid {
                let Some(b) = bouwstenen.get(naam) else {
                    continue;
                };
                if cols.is_empty() {
                    bail!("catalogue/{name}: noem de kolommen die de indicator uit {naam} leest");
                }
                for c in cols {
                    if !b.kolommen.contains_key(c) {
                        bail!(
                            "catalogue/{name}: {naam} heeft geen kolom '{c}' (wel: {})",
                            b.kolommen.keys().cloned().collect::<Vec<_>>().join(", ")
                        );
                    }
                }
            }
            if indicators.iter().any(|x| x.code == i.code) {
                bail!("catalogue/{name}: code {} komt twee keer voor", i.code);
            }
            indicators.push(i);
        }
        indicators.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(Catalogue {
            indicators,
            bouwstenen,
        })
    }

    pub fn get(&self, code: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.code == code)
    }

    /// The indicators a project may run: those it lists (all when it lists none) whose tables'
    /// partners take part in the project; the others with the reason.
    pub fn for_project(
        &self,
        listed: &[String],
        partners: &[Partner],
    ) -> Result<(Vec<&Indicator>, Vec<Refusal>)> {
        for code in listed {
            if self.get(code).is_none() {
                loep_store::invalid!(
                    "loep.toml noemt indicator {code}, maar die staat niet in de catalogus"
                );
            }
        }
        let mut run = Vec::new();
        let mut refused = Vec::new();
        for i in &self.indicators {
            if !listed.is_empty() && !listed.contains(&i.code) {
                continue;
            }
            // An optional table of a partner outside the project is read as empty.
            let optioneel = i.alle_optioneel();
            let reads = i.alle_leest();
            let missing: Vec<&str> = reads
                .keys()
                .filter(|t| !optioneel.contains(*t))
                .filter_map(|t| Table::by_name(t))
                .filter(|t| !partners.contains(&t.partner))
                .map(|t| t.name)
                .collect();
            if missing.is_empty() {
                run.push(i);
            } else {
                refused.push((
                    i.code.clone(),
                    format!(
                        "leest {} van een partner die niet in het project zit",
                        missing.join(", ")
                    ),
                ));
            }
        }
        Ok((run, refused))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indicator(leest: &str, sql: &str, uitleg: &str) -> (String, String) {
        (
            "T-01.toml".into(),
            format!(
                r#"code = "T-01"
versie = 1
thema = "overbewoning"
titel = "t"
beschrijving = "b"
onderbouwing = "o"
doel = "d"
grondslag = "g"
niet_bedoeld = "n"
uitleg = "{uitleg}"
marge = "Bij meer dan {{grens}} m² was het er niet geweest."
sql = "{sql}"
[leest]
{leest}
[parameters.grens]
standaard = 12
betekenis = "m"
"#
            ),
        )
    }

    #[test]
    fn the_published_catalogue_is_valid_and_covers_every_theme() {
        let c = Catalogue::published().unwrap();
        for t in Thema::ALL {
            assert!(
                c.indicators.iter().any(|i| i.thema == t),
                "no indicator for {t}"
            );
        }
    }

    #[test]
    fn every_published_indicator_says_what_missing_data_means_and_where_defaults_come_from() {
        let c = Catalogue::published().unwrap();
        for i in &c.indicators {
            assert!(
                !i.ontbrekend.trim().is_empty(),
                "{}: no 'ontbrekend'",
                i.code
            );
            for (k, p) in &i.parameters {
                assert!(
                    !p.bron.trim().is_empty(),
                    "{}: parameter {k} has no 'bron'",
                    i.code
                );
            }
        }
    }

    #[test]
    fn forbidden_inputs_are_refused() {
        for (table, col) in [
            ("brp_persoon", "geslacht"),
            ("brp_persoon", "geboortejaar"),
            ("bag_verblijfsobject", "buurtcode"),
            ("bag_verblijfsobject", "wijkcode"),
        ] {
            let f = indicator(
                &format!("{table} = [\"vbo_id\", \"{col}\"]"),
                "SELECT vbo_id FROM x WHERE y > ${grens}",
                "u",
            );
            let e = Catalogue::from_files([f]).unwrap_err();
            assert!(
                format!("{e:#}").contains("mag nooit tot een signaal leiden"),
                "{e:#}"
            );
        }
        let f = indicator("cbs_buurt = [\"buurtcode\"]", "SELECT 1", "u");
        assert!(Catalogue::from_files([f]).is_err());
    }

    #[test]
    fn what_an_indicator_reads_as_optional_stays_optional_through_its_blocks() {
        // A block that needs a table the indicator only reads as evidence would stop the
        // indicator in every project without that delivery.
        let c = Catalogue::published().unwrap();
        for i in &c.indicators {
            let optioneel = i.alle_optioneel();
            for t in &i.optioneel {
                assert!(
                    optioneel.contains(t),
                    "{}: {t} is optional for the indicator but one of its blocks needs it",
                    i.code
                );
            }
        }
    }

    #[test]
    fn an_intermediate_result_may_not_hide_a_table_or_block() {
        for hint in ["", "MATERIALIZED ", "NOT  MATERIALIZED "] {
            let f = indicator(
                "brp_persoon = [\"vbo_id\"]",
                &format!(
                    "WITH bewoning AS {hint}(SELECT vbo_id FROM brp_persoon) SELECT vbo_id, ${{grens}} AS x FROM bewoning"
                ),
                "u",
            );
            let e = Catalogue::from_files([f]).unwrap_err();
            assert!(
                format!("{e:#}").contains("tussenresultaat 'bewoning'"),
                "{hint}: {e:#}"
            );
        }
        // However it is spaced.
        let f = indicator(
            "brp_persoon = [\"vbo_id\"]",
            "WITH Bewoning AS MATERIALIZED(SELECT vbo_id FROM brp_persoon) SELECT vbo_id, ${grens} AS x FROM bewoning",
            "u",
        );
        let e = Catalogue::from_files([f]).unwrap_err();
        assert!(
            format!("{e:#}").contains("tussenresultaat 'bewoning'"),
            "{e:#}"
        );
        // An intermediate result computed first that cannot be taken apart is refused when
        // the catalogue is made, not during a scan.
        let f = indicator(
            "brp_persoon = [\"vbo_id\"]",
            "WITH mijn(vbo_id) AS MATERIALIZED (SELECT vbo_id FROM brp_persoon) SELECT vbo_id, ${grens} AS x FROM mijn",
            "u",
        );
        let e = Catalogue::from_files([f]).unwrap_err();
        assert!(format!("{e:#}").contains("tussenresultaat mijn"), "{e:#}");
        let f = indicator(
            "brp_persoon = [\"vbo_id\"]",
            "WITH mijn_bewoning AS (SELECT vbo_id FROM brp_persoon) SELECT vbo_id, ${grens} AS x FROM mijn_bewoning",
            "u",
        );
        assert!(Catalogue::from_files([f]).is_ok());
    }

    #[test]
    fn undeclared_parameters_unknown_columns_and_themes_are_refused() {
        let f = indicator("brp_persoon = [\"vbo_id\"]", "SELECT ${andere}", "u");
        assert!(
            format!("{:#}", Catalogue::from_files([f]).unwrap_err())
                .contains("niet onder [parameters]")
        );
        let f = indicator("brp_persoon = [\"naam\"]", "SELECT 1", "u");
        assert!(format!("{:#}", Catalogue::from_files([f]).unwrap_err()).contains("geen kolom"));
        let f = indicator("brp_persoon = [\"vbo_id\"]", "SELECT 1", "{onbekend}");
        assert!(format!("{:#}", Catalogue::from_files([f]).unwrap_err()).contains("uitleg"));
        let (n, t) = indicator("brp_persoon = [\"vbo_id\"]", "SELECT 1", "u");
        let f = (n, t.replace("overbewoning", "iets_anders"));
        assert!(
            format!("{:#}", Catalogue::from_files([f]).unwrap_err()).contains("onbekend thema")
        );
    }

    #[test]
    fn explanations_are_filled_from_facts_and_parameters() {
        let (_, t) = indicator(
            "brp_persoon = [\"vbo_id\"]",
            "SELECT vbo_id, 3 AS personen WHERE 1 > ${grens}",
            "{personen} personen, grens {grens}",
        );
        let i: Indicator = toml::from_str(&t).unwrap();
        let facts = BTreeMap::from([("personen".to_string(), "3".to_string())]);
        assert_eq!(
            i.explain(&facts, &i.defaults()),
            "3 personen, grens 12 Bij meer dan 12 m² was het er niet geweest."
        );
        assert!(i.sql_with(&i.defaults()).unwrap().contains("1 > 12"));

        // Dutch notation in the sentence, the SQL's own in the query.
        let facts = BTreeMap::from([("personen".to_string(), "1508015.5".to_string())]);
        let params = BTreeMap::from([("grens".to_string(), 12.5)]);
        assert_eq!(
            i.explain(&facts, &params),
            "1.508.015,50 personen, grens 12,50 Bij meer dan 12,50 m² was het er niet geweest."
        );
        assert!(i.sql_with(&params).unwrap().contains("1 > 12.5"));
    }

    #[test]
    fn explanations_agree_in_number() {
        let (_, t) = indicator(
            "brp_persoon = [\"vbo_id\"]",
            "SELECT vbo_id, 3 AS personen WHERE 1 > ${grens}",
            "{personen|bewoner|bewoners} {~personen|is|zijn} te veel (grens {grens|persoon|personen})",
        );
        let i: Indicator = toml::from_str(&t).unwrap();
        let margin = " Bij meer dan 12 m² was het er niet geweest.";
        let said = |n: &str| {
            let facts = BTreeMap::from([("personen".to_string(), n.to_string())]);
            let all = i.explain(&facts, &i.defaults());
            assert!(all.ends_with(margin), "{all}");
            all.trim_end_matches(margin).to_string()
        };
        assert_eq!(said("1"), "1 bewoner is te veel (grens 12 personen)");
        assert_eq!(said("1.0"), "1,00 bewoner is te veel (grens 12 personen)");
        assert_eq!(said("0"), "0 bewoners zijn te veel (grens 12 personen)");
        assert_eq!(
            said("0.8"),
            "0,80 bewoners zijn te veel (grens 12 personen)"
        );
        assert_eq!(said("3"), "3 bewoners zijn te veel (grens 12 personen)");
        assert_eq!(
            i.uitleg_sjabloon(),
            "{personen} bewoners zijn te veel (grens {grens} personen)"
        );
        assert_eq!(i.placeholder_names(), ["personen", "personen", "grens"]);

        // Both forms are required.
        for bad in ["{personen|bewoner}", "{~personen}", "{personen||bewoners}"] {
            let f = indicator(
                "brp_persoon = [\"vbo_id\"]",
                "SELECT vbo_id, 3 AS personen WHERE 1 > ${grens}",
                bad,
            );
            let e = format!("{:#}", Catalogue::from_files([f]).unwrap_err());
            assert!(e.contains("enkelvoud|meervoud"), "{bad}: {e}");
        }
    }

    /// A margin's part in `[[ ]]` is written only where the row gave every fact it names.
    #[test]
    fn a_margin_says_only_what_applies() {
        let (_, t) = indicator(
            "brp_persoon = [\"vbo_id\"]",
            "SELECT vbo_id, 3 AS personen, 1 AS bijstand_grens WHERE 1 > ${grens}",
            "{personen} personen",
        );
        let t = t.replace(
            "marge = \"Bij meer dan {grens} m² was het er niet geweest.\"",
            "marge = \"Met minder dan {personen} personen[[, of bij een bijstand onder € {bijstand_grens} per maand]], was er geen signaal.\"",
        );
        let i: Indicator = toml::from_str(&t).unwrap();
        let facts = |b: &str| {
            BTreeMap::from([
                ("personen".to_string(), "3".to_string()),
                ("bijstand_grens".to_string(), b.to_string()),
            ])
        };
        assert_eq!(
            i.explain(&facts("1234.5"), &i.defaults()),
            "3 personen Met minder dan 3 personen, of bij een bijstand onder € 1.234,50 per maand, was er geen signaal."
        );
        assert_eq!(
            i.explain(&facts("-"), &i.defaults()),
            "3 personen Met minder dan 3 personen, was er geen signaal."
        );
        assert_eq!(
            i.marge_sjabloon(),
            "Met minder dan {personen} personen[, of bij een bijstand onder € {bijstand_grens} per maand], was er geen signaal."
        );
        // A margin without a boundary is refused.
        let bare = t.replace(
            "marge = \"Met minder dan {personen} personen[[, of bij een bijstand onder € {bijstand_grens} per maand]], was er geen signaal.\"",
            "marge = \"Anders niet.\"",
        );
        let e = format!(
            "{:#}",
            Catalogue::from_files([("T-01.toml".to_string(), bare)]).unwrap_err()
        );
        assert!(e.contains("marge noemt geen grens"), "{e}");
    }

    /// An optional table of a partner outside the project does not stop the indicator; a
    /// needed one does. A part in `[[ ]]` must be closed, and the margin must name a boundary
    /// outside such parts.
    #[test]
    fn optional_tables_and_conditional_parts_are_checked() {
        let (n, t) = indicator(
            "brp_persoon = [\"vbo_id\"]\nwc_huurcontract = [\"vbo_id\"]",
            "SELECT vbo_id, 3 AS personen WHERE 1 > ${grens}",
            "{personen} personen",
        );
        let with = |extra: &str| {
            (
                n.clone(),
                t.replace("[leest]", &format!("{extra}\n[leest]")),
            )
        };
        let gemeente = [Partner::Gemeente];
        let c = Catalogue::from_files([with("")]).unwrap();
        let (run, refused) = c.for_project(&[], &gemeente).unwrap();
        assert!(run.is_empty());
        assert!(refused[0].1.contains("wc_huurcontract"), "{refused:?}");
        let c = Catalogue::from_files([with("optioneel = [\"wc_huurcontract\"]")]).unwrap();
        let (run, refused) = c.for_project(&[], &gemeente).unwrap();
        assert_eq!(run.len(), 1, "{refused:?}");
        assert_eq!(
            run[0].partners_without(&["wc_huurcontract".to_string()]),
            gemeente
        );
        assert_eq!(run[0].partners().len(), 2);
        for bad in [
            "marge = \"Bij meer dan {grens} m²[[ of {personen}\"",
            "marge = \"Bij meer dan {grens} m²]] niet\"",
            "marge = \"Niet.\"",
        ] {
            let f = (
                n.clone(),
                t.replace(
                    "marge = \"Bij meer dan {grens} m² was het er niet geweest.\"",
                    bad,
                ),
            );
            assert!(Catalogue::from_files([f]).is_err(), "{bad}");
        }
    }

    /// No published explanation writes "bewoner(s)" or "persoon/personen": a number agrees.
    #[test]
    fn published_explanations_do_not_hedge_on_number() {
        let c = Catalogue::published().unwrap();
        for i in &c.indicators {
            for hedge in ["(s)", "(en)", "(n)", "persoon/personen", "ander(e)"] {
                assert!(!i.uitleg.contains(hedge), "{}: {hedge}", i.code);
            }
        }
    }
}

#[cfg(test)]
mod project_tests {
    use super::*;

    #[test]
    fn indicators_of_partners_outside_the_project_are_refused() {
        let c = Catalogue::published().unwrap();
        let (run, refused) = c.for_project(&[], &[Partner::Gemeente]).unwrap();
        // What runs needs only the municipality's data (other partners' tables it may read
        // only as optional evidence, empty here).
        assert!(run.iter().all(|i| {
            i.partners_without(&i.optioneel)
                .iter()
                .all(|p| *p == Partner::Gemeente)
        }));
        assert!(
            refused
                .iter()
                .any(|(code, why)| code == "HNP-01" && why.contains("nuts_verbruik"))
        );
        assert!(c.for_project(&["XYZ-99".into()], &Partner::ALL).is_err());
        let (run, _) = c.for_project(&["OVB-01".into()], &Partner::ALL).unwrap();
        assert_eq!(run.len(), 1);
    }
}
