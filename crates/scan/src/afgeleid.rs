//! The derived layer: named, versioned building blocks (`catalogue/afgeleid/*.toml`) that
//! indicators read instead of rebuilding the same facts in their own SQL: who lived where and
//! when (`bewoning`), one income per person and year (`inkomen`), who is related to whom
//! (`relatie`), who is registered at an address now (`bezetting`), who owns what (`bezit`).
//!
//! A building block states the rules of the domain it implements (`regels`) and what each of
//! its columns means (`kolommen`), both in Dutch and published on `/indicatoren`; it declares
//! what it reads exactly as an indicator does, and the same checks apply (forbidden inputs,
//! known tables and columns). During a scan each block an indicator names under `afgeleid` is
//! computed once, from the same snapshots, into a Parquet file of the scan's work directory
//! (DataFusion spills where it must), and every indicator that names it reads that file. The
//! rule is written, tested and published once; the work is done once.

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

include!(concat!(env!("OUT_DIR"), "/afgeleid_files.rs"));

/// One building block of the derived layer.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Bouwsteen {
    /// The name indicators use for it, and the name of its table in their SQL.
    pub naam: String,
    pub versie: u32,
    pub titel: String,
    /// What it holds, in Dutch.
    pub beschrijving: String,
    /// The rules of the domain it implements, each one sentence in Dutch.
    pub regels: Vec<String>,
    /// Every column it returns and what it means.
    pub kolommen: BTreeMap<String, String>,
    /// Tables and the columns read from each.
    #[serde(default)]
    pub leest: BTreeMap<String, Vec<String>>,
    /// Tables of `leest` that only add evidence: without a delivery of one the block is
    /// computed as if it held no rows (as for an indicator).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub optioneel: Vec<String>,
    /// Building blocks this one reads (computed before it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub afgeleid: Vec<String>,
    /// DataFusion SQL over the tables of `leest` and the blocks of `afgeleid`.
    pub sql: String,
}

impl Bouwsteen {
    pub fn check(&self) -> Result<()> {
        let naam = &self.naam;
        if naam.is_empty()
            || !naam
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
        {
            bail!("afgeleid {naam:?}: een naam bestaat uit kleine letters, cijfers en '_'");
        }
        if loep_contract::Table::by_name(naam).is_some()
            || crate::catalogue::LINK_TABLES.iter().any(|(t, _)| t == naam)
        {
            bail!("afgeleid {naam}: die naam is al een tabel van de levering of de koppeling");
        }
        for (field, text) in [
            ("titel", &self.titel),
            ("beschrijving", &self.beschrijving),
            ("sql", &self.sql),
        ] {
            if text.trim().is_empty() {
                bail!("afgeleid {naam}: '{field}' is leeg");
            }
        }
        if self.regels.is_empty() || self.regels.iter().any(|r| r.trim().is_empty()) {
            bail!("afgeleid {naam}: noem onder 'regels' de regels van het domein die het toepast");
        }
        if self.kolommen.is_empty() || self.kolommen.values().any(|b| b.trim().is_empty()) {
            bail!("afgeleid {naam}: beschrijf onder [kolommen] elke kolom die het teruggeeft");
        }
        if self.leest.is_empty() && self.afgeleid.is_empty() {
            bail!("afgeleid {naam}: noem onder [leest] wat het leest");
        }
        crate::catalogue::check_reads(&format!("afgeleid {naam}"), &self.leest, &self.optioneel)?;
        if self.sql.contains("${") {
            bail!(
                "afgeleid {naam}: een bouwsteen heeft geen parameters; zet drempels in de indicator"
            );
        }
        Ok(())
    }
}

/// The published blocks, checked, by name.
pub fn published() -> Result<BTreeMap<String, Bouwsteen>> {
    from_files(
        FILES
            .iter()
            .map(|(n, t)| ((*n).to_string(), (*t).to_string())),
    )
}

/// Blocks from (file name, TOML) pairs; each is checked and named after its file, and every
/// block it reads exists (no cycles).
pub fn from_files(
    files: impl IntoIterator<Item = (String, String)>,
) -> Result<BTreeMap<String, Bouwsteen>> {
    let mut out = BTreeMap::new();
    for (name, text) in files {
        let b: Bouwsteen = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("catalogue/afgeleid/{name} is onleesbaar: {e}"))?;
        if format!("{}.toml", b.naam) != name {
            bail!(
                "catalogue/afgeleid/{name}: het bestand moet naar de bouwsteen heten ({}.toml)",
                b.naam
            );
        }
        b.check()
            .map_err(|e| anyhow::anyhow!("catalogue/afgeleid/{name}: {e:#}"))?;
        if out.insert(b.naam.clone(), b).is_some() {
            bail!("catalogue/afgeleid/{name} komt twee keer voor");
        }
    }
    for naam in out.keys() {
        resolve(&out, std::slice::from_ref(naam))?;
    }
    Ok(out)
}

/// The blocks `names` need, each after the blocks it reads, each once.
pub fn resolve(all: &BTreeMap<String, Bouwsteen>, names: &[String]) -> Result<Vec<Bouwsteen>> {
    fn visit(
        all: &BTreeMap<String, Bouwsteen>,
        naam: &str,
        path: &mut Vec<String>,
        out: &mut Vec<Bouwsteen>,
    ) -> Result<()> {
        if out.iter().any(|b| b.naam == naam) {
            return Ok(());
        }
        if path.iter().any(|p| p == naam) {
            bail!(
                "afgeleid: {} leest zichzelf (via {})",
                naam,
                path.join(" → ")
            );
        }
        let Some(b) = all.get(naam) else {
            bail!("er is geen bouwsteen '{naam}' in catalogue/afgeleid");
        };
        path.push(naam.to_string());
        for d in &b.afgeleid {
            visit(all, d, path, out)?;
        }
        path.pop();
        out.push(b.clone());
        Ok(())
    }
    let mut out = Vec::new();
    for n in names {
        visit(all, n, &mut Vec::new(), &mut out)?;
    }
    Ok(out)
}

/// Every table and column `blocks` read, merged.
pub fn reads(blocks: &[Bouwsteen]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for b in blocks {
        for (t, cols) in &b.leest {
            let e = out.entry(t.clone()).or_default();
            for c in cols {
                if !e.contains(c) {
                    e.push(c.clone());
                }
            }
        }
    }
    out
}

/// The tables some of `blocks` read that every block reading them reads only as optional.
pub fn optional_reads(blocks: &[Bouwsteen]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for b in blocks {
        for t in b.leest.keys() {
            let everywhere = blocks
                .iter()
                .filter(|x| x.leest.contains_key(t))
                .all(|x| x.optioneel.contains(t));
            if everywhere && !out.contains(t) {
                out.push(t.clone());
            }
        }
    }
    out
}

/// (file name, text) of the published block `naam`: part of the definition of every indicator
/// that reads it.
pub fn file_of(naam: &str) -> Option<(&'static str, &'static str)> {
    let name = format!("{naam}.toml");
    FILES.iter().find(|(n, _)| *n == name).copied()
}

#[cfg(test)]
mod tests {
    //! Each block on small hand-made cases that state the rule it implements, computed by the
    //! engine as a scan computes it and read through an indicator as an indicator reads it.
    use super::*;
    use crate::catalogue::Catalogue;
    use crate::engine::{Engine, Row, Sources};
    use datafusion::dataframe::DataFrameWriteOptions;
    use datafusion::prelude::SessionContext;
    use std::path::{Path, PathBuf};

    /// A Parquet table `name` in `dir` with the rows of `select` (DataFusion SQL).
    fn table(dir: &Path, name: &str, select: &str) -> PathBuf {
        let path = dir.join(format!("{name}.parquet"));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let ctx = SessionContext::new();
            ctx.sql(select)
                .await
                .unwrap()
                .write_parquet(
                    &path.to_string_lossy(),
                    DataFrameWriteOptions::new().with_single_file_output(true),
                    None,
                )
                .await
                .unwrap();
        });
        path
    }

    fn engine(dir: &Path, tables: &[(&str, &str)]) -> Engine {
        let sources = Sources {
            tables: tables
                .iter()
                .map(|(n, sql)| (n.to_string(), ("L1".to_string(), table(dir, n, sql))))
                .collect(),
        };
        Engine::new(sources, 64 << 20, &dir.join("spill")).unwrap()
    }

    /// The rows of `sql` over block `naam`, read by an indicator as a scan reads it.
    fn read(e: &Engine, naam: &str, sql: &str) -> Vec<Row> {
        let cols = published().unwrap()[naam]
            .kolommen
            .keys()
            .map(|k| format!("\"{k}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let text = format!(
            "code = \"T-01\"\nversie = 1\nthema = \"adresfraude\"\ntitel = \"t\"\nbeschrijving = \"b\"\nonderbouwing = \"o\"\ndoel = \"d\"\ngrondslag = \"g\"\nniet_bedoeld = \"n\"\nuitleg = \"u {{x}}\"\nmarge = \"m {{x}}\"\nafgeleid = {{ {naam} = [{cols}] }}\nsql = \"{sql}\"\n"
        );
        let c = Catalogue::from_files([("T-01.toml".to_string(), text)]).unwrap();
        let i = &c.indicators[0];
        assert!(e.missing_tables(i).is_empty(), "{:?}", e.missing_tables(i));
        e.run(i, &i.defaults()).unwrap()
    }

    fn fact<'a>(rows: &'a [Row], vbo: &str, pseudoniem: &str, k: &str) -> &'a str {
        rows.iter()
            .find(|r| r.vbo_id == vbo && r.pseudoniemen == [pseudoniem])
            .and_then(|r| r.facts.get(k))
            .map_or("(geen rij)", String::as_str)
    }

    const HISTORIE: &str = "SELECT * FROM (VALUES \
        ('a', 'v1', 'W', '2020-05-00', '2021-00-00'), \
        ('b', 'v1', 'W', '0000-00-00', CAST(NULL AS VARCHAR)), \
        ('c', 'v2', 'B', '2019-03-04', '0000-00-00'), \
        ('a', 'v3', 'W', '2023-02-10', CAST(NULL AS VARCHAR))) \
        AS t(pseudoniem, vbo_id, functie_adres, datum_aanvang, datum_einde)";

    #[test]
    fn bewoning_reads_partial_and_unknown_dates_as_the_rules_say() {
        let dir = tempfile::tempdir().unwrap();
        let e = engine(dir.path(), &[("brp_verblijf_historie", HISTORIE)]);
        let rows = read(
            &e,
            "bewoning",
            "SELECT vbo_id, pseudoniem AS pseudoniemen, functie_adres AS x, CAST(aanvang AS VARCHAR) AS aanvang, aanvang_precisie, CAST(einde AS VARCHAR) AS einde, einde_precisie, CAST(lopend AS VARCHAR) AS lopend FROM bewoning",
        );
        assert_eq!(rows.len(), 4, "every registration of the whole history");
        // A day unknown: the first of the month; a month unknown: the first of the year.
        assert_eq!(fact(&rows, "v1", "a", "aanvang"), "2020-05-01");
        assert_eq!(fact(&rows, "v1", "a", "aanvang_precisie"), "maand");
        assert_eq!(fact(&rows, "v1", "a", "einde"), "2021-01-01");
        assert_eq!(fact(&rows, "v1", "a", "einde_precisie"), "jaar");
        assert_eq!(fact(&rows, "v1", "a", "lopend"), "false");
        // A wholly unknown start is unknown, not early; no end means still running.
        assert_eq!(fact(&rows, "v1", "b", "aanvang"), "-");
        assert_eq!(fact(&rows, "v1", "b", "lopend"), "true");
        // A wholly unknown end is unknown: no date, and not running.
        assert_eq!(fact(&rows, "v2", "c", "einde"), "-");
        assert_eq!(fact(&rows, "v2", "c", "lopend"), "false");
        assert_eq!(fact(&rows, "v2", "c", "x"), "B");
        assert_eq!(fact(&rows, "v3", "a", "aanvang_precisie"), "dag");
    }

    #[test]
    fn a_block_is_computed_once_per_engine_and_needs_its_tables() {
        let dir = tempfile::tempdir().unwrap();
        let e = engine(dir.path(), &[("brp_verblijf_historie", HISTORIE)]);
        let blocks = published().unwrap();
        let b = &blocks["bewoning"];
        assert!(e.bereken(b).unwrap(), "computed the first time");
        assert!(!e.bereken(b).unwrap(), "and not again");
        // Without the BRP's history an indicator on `bewoning` cannot run: the block's table
        // is missing, so the indicator's is.
        let other = engine(
            dir.path(),
            &[("brp_persoon", "SELECT 'a' AS pseudoniem, 'v1' AS vbo_id")],
        );
        let c = Catalogue::published().unwrap();
        let adf = c.get("ADF-02").unwrap();
        let missing = other.missing_tables(adf);
        assert!(
            missing.contains(&"brp_verblijf_historie".to_string())
                && !missing.contains(&"brp_persoon".to_string()),
            "{missing:?}"
        );
        // The work directory goes with the engine.
        let work: Vec<_> = std::fs::read_dir(dir.path().join("spill"))
            .unwrap()
            .collect();
        assert!(!work.is_empty());
        drop(e);
        drop(other);
        assert_eq!(
            std::fs::read_dir(dir.path().join("spill")).unwrap().count(),
            0
        );
    }

    #[test]
    fn bezetting_counts_residents_not_postal_addresses_and_knows_care_housing() {
        let dir = tempfile::tempdir().unwrap();
        let e = engine(
            dir.path(),
            &[
                (
                    "brp_persoon",
                    "SELECT * FROM (VALUES \
                     ('a', 'v1', 'ingezetene', 'W'), ('b', 'v1', 'ingezetene', 'W'), \
                     ('c', 'v1', 'ingezetene', 'B'), ('d', 'v1', 'geemigreerd', 'W'), \
                     ('e', 'v2', 'ingezetene', 'W'), ('f', 'v2', 'ingezetene', 'W')) \
                     AS t(pseudoniem, vbo_id, status, functie_adres)",
                ),
                (
                    "bag_verblijfsobject",
                    "SELECT * FROM (VALUES ('v1', 30.0, 'woonfunctie'), \
                     ('v2', 20.0, 'woonfunctie,logiesfunctie')) AS t(vbo_id, oppervlakte, gebruiksdoelen)",
                ),
            ],
        );
        let rows = read(
            &e,
            "bezetting",
            "SELECT vbo_id, personen AS x, m2_per_persoon, CAST(gewone_woning AS VARCHAR) AS gewoon FROM bezetting",
        );
        let v1 = rows.iter().find(|r| r.vbo_id == "v1").unwrap();
        assert_eq!(
            v1.facts["x"], "2",
            "the postal address and the emigrant do not live there"
        );
        assert_eq!(v1.facts["m2_per_persoon"], "15.00");
        assert_eq!(v1.facts["gewoon"], "true");
        let v2 = rows.iter().find(|r| r.vbo_id == "v2").unwrap();
        assert_eq!(v2.facts["gewoon"], "false", "logies is no ordinary home");
    }

    #[test]
    fn inkomen_is_one_value_per_person_and_year_never_a_sum() {
        let dir = tempfile::tempdir().unwrap();
        let e = engine(
            dir.path(),
            &[(
                "bd_inkomen",
                "SELECT * FROM (VALUES \
                 ('a', 2024, CAST(30000 AS DECIMAL(18,2)), CAST(NULL AS DECIMAL(18,2)), 'v1'), \
                 ('a', 2024, CAST(31000 AS DECIMAL(18,2)), CAST(5000 AS DECIMAL(18,2)), 'v2'), \
                 ('b', 2024, CAST(-4000 AS DECIMAL(18,2)), CAST(NULL AS DECIMAL(18,2)), 'v1')) \
                 AS t(pseudoniem, belastingjaar, verzamelinkomen, vermogen_box3, vbo_id)",
            )],
        );
        let rows = read(
            &e,
            "inkomen",
            "SELECT 'x' AS vbo_id, pseudoniem AS pseudoniemen, verzamelinkomen AS x, vermogen_box3 AS v, regels FROM inkomen",
        );
        assert_eq!(rows.len(), 2, "one row per person and year");
        assert_eq!(
            fact(&rows, "x", "a", "x"),
            "31000.00",
            "the highest, not the sum"
        );
        assert_eq!(fact(&rows, "x", "a", "v"), "5000.00");
        assert_eq!(fact(&rows, "x", "a", "regels"), "2");
        assert_eq!(
            fact(&rows, "x", "b", "x"),
            "-4000.00",
            "a loss stays a loss"
        );
        assert_eq!(
            fact(&rows, "x", "b", "v"),
            "-",
            "unknown wealth stays unknown"
        );
    }

    #[test]
    fn relatie_holds_from_both_sides_per_year_and_runs_without_toeslagen() {
        let dir = tempfile::tempdir().unwrap();
        let e = engine(
            dir.path(),
            &[
                (
                    "brp_persoon",
                    "SELECT * FROM (VALUES ('a', 'b'), ('b', CAST(NULL AS VARCHAR)), ('c', CAST(NULL AS VARCHAR))) \
                     AS t(pseudoniem, partner_pseudoniem)",
                ),
                (
                    "bd_inkomen",
                    "SELECT * FROM (VALUES ('c', 2023, 'd'), ('c', 2024, CAST(NULL AS VARCHAR))) \
                     AS t(pseudoniem, belastingjaar, fiscaal_partner_pseudoniem)",
                ),
            ],
        );
        let rows = read(
            &e,
            "relatie",
            "SELECT 'x' AS vbo_id, concat(pseudoniem, '>', partner_pseudoniem) AS pseudoniemen, soort AS x, coalesce(CAST(jaar AS VARCHAR), '-') AS jaar FROM relatie",
        );
        let pairs: Vec<(String, String, String)> = rows
            .iter()
            .map(|r| {
                (
                    r.pseudoniemen.join(","),
                    r.facts["x"].clone(),
                    r.facts["jaar"].clone(),
                )
            })
            .collect();
        for want in [
            ("a>b", "brp_partner", "-"),
            ("b>a", "brp_partner", "-"),
            ("c>d", "fiscaal_partner", "2023"),
            ("d>c", "fiscaal_partner", "2023"),
        ] {
            assert!(
                pairs.contains(&(want.0.into(), want.1.into(), want.2.into())),
                "{want:?} in {pairs:?}"
            );
        }
        assert_eq!(
            pairs.len(),
            4,
            "a partner of 2023 is not one of 2024: {pairs:?}"
        );
    }

    #[test]
    fn adresopgave_compares_like_periods_and_runs_without_toeslagen() {
        let dir = tempfile::tempdir().unwrap();
        let e = engine(
            dir.path(),
            &[
                (
                    "brp_verblijf_historie",
                    "SELECT * FROM (VALUES \
                     ('a', 'v1', 'W', '2018-01-01', '2020-06-30'), \
                     ('a', 'v2', 'W', '2022-03-01', CAST(NULL AS VARCHAR)), \
                     ('b', 'v3', 'W', '2015-01-01', '0000-00-00')) \
                     AS t(pseudoniem, vbo_id, functie_adres, datum_aanvang, datum_einde)",
                ),
                (
                    "bd_inkomen",
                    "SELECT * FROM (VALUES \
                     ('a', 2020, 'v1'), ('a', 2020, 'v1'), ('a', 2021, 'v1'), ('a', 2019, 'v2'), \
                     ('a', 2022, CAST(NULL AS VARCHAR)), ('b', 2025, 'v3'), ('b', 2025, 'v4')) \
                     AS t(pseudoniem, belastingjaar, vbo_id)",
                ),
            ],
        );
        let rows = read(
            &e,
            "adresopgave",
            "SELECT concat(vbo_id, '/', CAST(jaar AS VARCHAR)) AS vbo_id, pseudoniem AS pseudoniemen, wie AS x, CAST(brp_bekend AS VARCHAR) AS bekend FROM adresopgave",
        );
        assert_eq!(
            rows.len(),
            5,
            "one row per person, year, source and address; none without an address"
        );
        // Registered there in that year (until June): known.
        assert_eq!(fact(&rows, "v1/2020", "a", "bekend"), "true");
        assert_eq!(fact(&rows, "v1/2020", "a", "x"), "de Belastingdienst");
        // The registration ended the year before: not known.
        assert_eq!(fact(&rows, "v1/2021", "a", "bekend"), "false");
        // Registered there only later: he lived there, known.
        assert_eq!(fact(&rows, "v2/2019", "a", "bekend"), "true");
        // An unknown end counts as still running; an address the BRP never had is not known.
        assert_eq!(fact(&rows, "v3/2025", "b", "bekend"), "true");
        assert_eq!(fact(&rows, "v4/2025", "b", "bekend"), "false");
    }

    #[test]
    fn bezit_knows_owners_shares_unknown_prices_and_the_own_home() {
        let dir = tempfile::tempdir().unwrap();
        let e = engine(
            dir.path(),
            &[
                (
                    "kad_eigendom",
                    "SELECT * FROM (VALUES \
                     ('v1', 'a', CAST(NULL AS VARCHAR), '1/2', DATE '2024-03-01', CAST(300000 AS DECIMAL(18,2))), \
                     ('v2', 'a', CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), DATE '2010-01-01', CAST(NULL AS DECIMAL(18,2))), \
                     ('v3', CAST(NULL AS VARCHAR), '12345678', '1/1', DATE '2020-01-01', CAST(500000 AS DECIMAL(18,2)))) \
                     AS t(vbo_id, eigenaar_pseudoniem, eigenaar_kvk, aandeel, datum_verkrijging, koopsom)",
                ),
                (
                    "brp_persoon",
                    "SELECT * FROM (VALUES ('a', 'v1', 'ingezetene', 'W')) \
                     AS t(pseudoniem, vbo_id, status, functie_adres)",
                ),
            ],
        );
        let rows = read(
            &e,
            "bezit",
            "SELECT vbo_id, eigenaar AS x, soort, koopsom_deel, CAST(eigen_woning AS VARCHAR) AS eigen FROM bezit",
        );
        let get = |v: &str, k: &str| {
            rows.iter()
                .find(|r| r.vbo_id == v)
                .map(|r| r.facts[k].clone())
                .unwrap_or_default()
        };
        assert_eq!(
            get("v1", "koopsom_deel"),
            "150000.00",
            "half of the price for half a share"
        );
        assert_eq!(get("v1", "eigen"), "true", "the owner lives there");
        assert_eq!(
            get("v2", "koopsom_deel"),
            "-",
            "an inheritance has no price, not zero"
        );
        assert_eq!(get("v2", "eigen"), "false");
        assert_eq!(get("v3", "x"), "kvk:12345678");
        assert_eq!(get("v3", "soort"), "bedrijf");
    }

    #[test]
    fn an_indicator_sees_only_the_block_columns_it_declares_and_an_empty_block_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let e = engine(
            dir.path(),
            &[(
                "brp_persoon",
                "SELECT * FROM (VALUES ('a', CAST(NULL AS VARCHAR))) AS t(pseudoniem, partner_pseudoniem)",
            )],
        );
        let text = |cols: &str, sql: &str| {
            format!(
                "code = \"T-01\"\nversie = 1\nthema = \"samenwoonfraude\"\ntitel = \"t\"\nbeschrijving = \"b\"\nonderbouwing = \"o\"\ndoel = \"d\"\ngrondslag = \"g\"\nniet_bedoeld = \"n\"\nuitleg = \"u {{x}}\"\nmarge = \"m {{x}}\"\nafgeleid = {{ relatie = [{cols}] }}\nsql = \"{sql}\"\n"
            )
        };
        let c = Catalogue::from_files([(
            "T-01.toml".to_string(),
            text(
                "\"pseudoniem\"",
                "SELECT pseudoniem AS vbo_id, soort AS x FROM relatie",
            ),
        )])
        .unwrap();
        let i = &c.indicators[0];
        let err = format!("{:#}", e.run(i, &i.defaults()).unwrap_err());
        assert!(err.contains("werkt niet zoals opgegeven"), "{err}");
        // A column the block does not have is refused when the catalogue is read.
        let bad = Catalogue::from_files([(
            "T-01.toml".to_string(),
            text("\"leeftijd\"", "SELECT 1 AS x"),
        )])
        .unwrap_err();
        assert!(
            format!("{bad:#}").contains("geen kolom 'leeftijd'"),
            "{bad:#}"
        );
        // No partner anywhere, no Toeslagen or Belastingdienst delivery: an empty block, and
        // the indicator runs on it.
        let rows = read(
            &e,
            "relatie",
            "SELECT pseudoniem AS vbo_id, soort AS x FROM relatie",
        );
        assert!(rows.is_empty());
    }

    #[test]
    fn blocks_are_checked_like_indicators_and_may_not_loop() {
        let block = |naam: &str, leest: &str, afgeleid: &str| {
            (
                format!("{naam}.toml"),
                format!(
                    "naam = \"{naam}\"\nversie = 1\ntitel = \"t\"\nbeschrijving = \"b\"\nregels = [\"r\"]\nafgeleid = [{afgeleid}]\nsql = \"SELECT 1 AS x\"\n[kolommen]\nx = \"x\"\n[leest]\n{leest}\n"
                ),
            )
        };
        let e =
            from_files([block("leeftijd", "brp_persoon = [\"geboortejaar\"]", "")]).unwrap_err();
        assert!(
            format!("{e:#}").contains("mag nooit tot een signaal leiden"),
            "{e:#}"
        );
        let e =
            from_files([block("een", "", "\"twee\""), block("twee", "", "\"een\"")]).unwrap_err();
        assert!(format!("{e:#}").contains("leest zichzelf"), "{e:#}");
        let e = from_files([block("brp_persoon", "brp_persoon = [\"vbo_id\"]", "")]).unwrap_err();
        assert!(format!("{e:#}").contains("al een tabel"), "{e:#}");
        let e = from_files([block("los", "", "\"nergens\"")]).unwrap_err();
        assert!(
            format!("{e:#}").contains("geen bouwsteen 'nergens'"),
            "{e:#}"
        );
    }
}
