//! A Fellegi–Sunter linker configured by settings: comparisons with levels, blocking rules,
//! thresholds. m-probabilities are estimated by expectation–maximisation over the blocked
//! pairs, u-probabilities from random pairs; nothing needs labels. Every score is a sum of
//! per-comparison match weights that can be shown one by one.
//!
//! Speed comes from the data layout: every value is interned once into a dictionary per column
//! shared by both inputs, so that equality is an integer comparison, blocking keys are
//! integers, and everything a comparison needs of a value (its spelling variant, initials,
//! date parts, term frequency) is computed once per distinct value, not once per pair. A pair's
//! levels are packed into one `u64` (four bits per comparison); training works on the counts of
//! distinct patterns, scoring on a table of weights.
//!
//! The parts: `settings` (what a settings file says, and its checks), `input` (dictionaries
//! and the records as rows), `blocking` (candidate pairs), `training` (u, m and the prior),
//! `scoring` (levels, match weights and their explanation) and `assignment` (from scored
//! pairs to links, clusters and their evaluation). This module builds the `Linker`.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::compare::{Kind, date_parts, initials_of, looks_like_initials, name_variant};
use crate::jaro::signature;

mod assignment;
mod blocking;
mod input;
mod scoring;
mod settings;
mod training;

pub use assignment::{best_per_left, clusters, evaluate, one_to_one};
pub use blocking::{Candidate, Candidates};
pub use input::{Ids, InputBuilder, Side};
pub use scoring::{Contribution, ScoredPair};
pub use settings::{
    BlockingRule, ComparisonSettings, MAX_BLOCKING_RULES, MAX_COMPARISONS, Settings,
};
pub use training::Model;

use blocking::Rule;
use input::{Derive, Dictionary, Interner, Source, Value, pack_date};
use scoring::Comparison;
use settings::{blocking_column, swapped_column};

/// The level of a comparison whose value is missing on either side (levels are four bits).
const MISSING: u8 = 15;

pub struct Linker<'a> {
    pub settings: &'a Settings,
    pub fields: Vec<String>,
    dicts: Vec<Dictionary>,
    left: Side,
    /// `None` when deduplicating one input.
    right: Option<Side>,
    comparisons: Vec<Comparison>,
    rules: Vec<Rule>,
    variants: Vec<Box<str>>,
}

/// log2, kept finite for probabilities of zero (shared by training and scoring).
fn log2(x: f64) -> f64 {
    x.max(1e-12).log2()
}

/// The level of comparison `k` in a packed pattern of levels.
fn level_of(pattern: u64, k: usize) -> u8 {
    ((pattern >> (4 * k)) & 15) as u8
}

impl<'a> Linker<'a> {
    /// Links `left` to `right`, or deduplicates `left` when `right` is `None`.
    pub fn new(
        settings: &'a Settings,
        left: InputBuilder,
        right: Option<InputBuilder>,
    ) -> Result<Linker<'a>, String> {
        settings.check()?;
        if right.is_none() && settings.has_swapped_blocking() {
            return Err(
                "een blokkeerkolom 'a~b' vraagt twee invoerbestanden; bij ontdubbelen wordt één invoer met zichzelf vergeleken"
                    .into(),
            );
        }
        if left.is_empty() || right.as_ref().is_some_and(InputBuilder::is_empty) {
            return Err("niets te koppelen: een invoer heeft geen rijen".into());
        }
        let fields = left.fields.clone();
        let width = fields.len();
        let full = left.width;
        let mut dicts = left.dicts;
        let mut left = Side {
            ids: left.ids,
            true_ids: left.true_ids,
            width: full,
            values: left.values,
        };
        let mut right = right.map(|r| right_side(r, &mut dicts, full));
        let mut der = Derivations {
            width,
            dicts: &dicts,
            derived: Vec::new(),
            variant_tables: FxHashMap::default(),
            variants: Interner::default(),
        };
        der.variants.intern(String::new());
        let sides = Sides {
            left: &left,
            right: right.as_ref(),
        };
        for d in settings.derived() {
            der.slot(d, sides);
        }
        let comparisons: Vec<Comparison> = settings
            .comparisons
            .iter()
            .map(|c| comparison(c, &fields, &mut der, sides))
            .collect();
        let rules: Vec<Rule> = settings
            .blocking_rules
            .iter()
            .map(|r| rule(r, &fields, &mut der, sides))
            .collect();
        if width + der.derived.len() != full {
            return Err(format!(
                "interne fout: rijen hebben {full} plaatsen waar er {} nodig zijn",
                width + der.derived.len()
            ));
        }
        let Derivations {
            derived, variants, ..
        } = der;
        // The derived slots of every row, in place and in parallel.
        let fill = |side: &mut Side| {
            side.values.par_chunks_mut(full).for_each(|row| {
                for (i, (_, source)) in derived.iter().enumerate() {
                    let v = source.value(row);
                    row[width + i] = v;
                }
            });
        };
        fill(&mut left);
        if let Some(r) = &mut right {
            fill(r);
        }
        Ok(Linker {
            settings,
            fields,
            dicts,
            left,
            right,
            comparisons,
            rules,
            variants: variants.values,
        })
    }

    pub fn left(&self) -> &Side {
        &self.left
    }

    /// The right input; the left one when deduplicating.
    pub fn right(&self) -> &Side {
        self.right.as_ref().unwrap_or(&self.left)
    }

    pub fn dedupe(&self) -> bool {
        self.right.is_none()
    }

    /// Every pair of records there is: what the prior λ is a share of.
    pub fn all_pairs(&self) -> f64 {
        let n = self.left.len() as f64;
        if self.dedupe() {
            n * (n - 1.0) / 2.0
        } else {
            n * self.right().len() as f64
        }
    }
}

/// The right input's rows, their values interned into the left input's dictionaries.
fn right_side(r: InputBuilder, dicts: &mut [Dictionary], full: usize) -> Side {
    let maps: Vec<Vec<u32>> = r
        .dicts
        .iter()
        .zip(dicts.iter_mut())
        .map(|(rdict, dict)| rdict.iter().map(|v| dict.intern(v)).collect())
        .collect();
    let mut values = r.values;
    for row in values.chunks_exact_mut(full) {
        for (v, map) in row.iter_mut().zip(&maps) {
            if *v < 1 << 32 {
                *v = Value::from(map[*v as usize]);
            }
        }
    }
    Side {
        ids: r.ids,
        true_ids: r.true_ids,
        width: full,
        values,
    }
}

/// The inputs, for what is derived from both.
#[derive(Clone, Copy)]
struct Sides<'s> {
    left: &'s Side,
    /// `None` when deduplicating.
    right: Option<&'s Side>,
}

impl<'s> Sides<'s> {
    fn iter(self) -> impl Iterator<Item = &'s Side> {
        std::iter::once(self.left).chain(self.right)
    }
}

/// The derived slots of the rows, each made once and placed after the fields, with the
/// spelling variants they intern.
struct Derivations<'d> {
    /// The fields per row: derived slots come after them.
    width: usize,
    dicts: &'d [Dictionary],
    derived: Vec<(Derive, Source)>,
    /// Each field's spelling variants per dictionary value, made once.
    variant_tables: FxHashMap<usize, Vec<Value>>,
    variants: Interner,
}

impl Derivations<'_> {
    /// The slot of `d`, made when it is first asked for.
    fn slot(&mut self, d: Derive, sides: Sides) -> usize {
        if let Some(i) = self.derived.iter().position(|(x, _)| *x == d) {
            return self.width + i;
        }
        let source = self.source(d, sides);
        self.derived.push((d, source));
        self.width + self.derived.len() - 1
    }

    /// The spelling variant of every value of field `f`.
    fn variant_of(&mut self, f: usize) -> Vec<Value> {
        let (dicts, variants) = (self.dicts, &mut self.variants);
        self.variant_tables
            .entry(f)
            .or_insert_with(|| {
                dicts[f]
                    .iter()
                    .map(|v| Value::from(variants.intern(name_variant(v))))
                    .collect()
            })
            .clone()
    }

    /// How derivation `d` is computed from a row.
    fn source(&mut self, d: Derive, sides: Sides) -> Source {
        let dicts = self.dicts;
        let dict = |f: usize| &dicts[f];
        match d {
            Derive::Variant(f) => Source::Table(f, self.variant_of(f)),
            Derive::Initials(f) => Source::Table(
                f,
                dict(f)
                    .iter()
                    .map(|v| {
                        Value::from(self.variants.intern(initials_of(v))) << 1
                            | Value::from(looks_like_initials(v))
                    })
                    .collect(),
            ),
            Derive::NameSignature(f) => Source::Table(
                f,
                dict(f)
                    .iter()
                    .map(|v| signature(&name_variant(v)))
                    .collect(),
            ),
            Derive::TextSignature(f) => Source::Table(f, dict(f).iter().map(signature).collect()),
            Derive::Date(f) => Source::Table(
                f,
                dict(f).iter().map(|v| pack_date(date_parts(v))).collect(),
            ),
            Derive::Prefix(f, n) => {
                let mut ids: FxHashMap<String, Value> = FxHashMap::default();
                Source::Table(
                    f,
                    dict(f)
                        .iter()
                        .map(|v| {
                            if v.is_empty() {
                                return 0;
                            }
                            let next = ids.len() as Value + 1;
                            *ids.entry(v.chars().take(n).collect()).or_insert(next)
                        })
                        .collect(),
                )
            }
            Derive::WithVoorvoegsel(pf, f) => {
                let mut both = FxHashMap::default();
                for side in sides.iter() {
                    for row in side.values.chunks_exact(side.width) {
                        let (p, n) = (row[pf], row[f]);
                        if p != 0 && n != 0 {
                            both.entry((p, n)).or_insert_with(|| {
                                Value::from(self.variants.intern(name_variant(&format!(
                                    "{}{}",
                                    dicts[pf].get(p as u32),
                                    dicts[f].get(n as u32)
                                ))))
                            });
                        }
                    }
                }
                Source::Combined {
                    voorvoegsel: pf,
                    name: f,
                    variant: self.variant_of(f),
                    both,
                }
            }
        }
    }
}

/// The position of field `c` among `fields`.
fn field_of(fields: &[String], c: &str) -> usize {
    fields.iter().position(|f| f == c).unwrap_or_default()
}

/// A comparison as the linker runs it: its field, its term frequencies when it weighs them,
/// and the derived slots its kind reads.
fn comparison(
    c: &ComparisonSettings,
    fields: &[String],
    der: &mut Derivations,
    sides: Sides,
) -> Comparison {
    let field = |c: &str| field_of(fields, c);
    let f = field(&c.column);
    let tf = c.term_frequency.then(|| {
        let mut counts = vec![0.0f64; der.dicts[f].len()];
        for s in sides.iter() {
            for v in s.column(f) {
                counts[v as usize] += 1.0;
            }
        }
        let n: f64 = counts[1..].iter().sum::<f64>().max(1.0);
        counts.iter_mut().for_each(|x| *x /= n);
        counts
    });
    let mut comparison = Comparison {
        kind: c.kind,
        field: f,
        tf,
        variant: 0,
        initials: 0,
        signature: 0,
        with_voorvoegsel: None,
        swap: None,
        date: 0,
        address: c.address_columns().map(|a| a.map(|a| field(a))),
    };
    match c.kind {
        Kind::Name => {
            comparison.variant = der.slot(Derive::Variant(f), sides);
            comparison.initials = der.slot(Derive::Initials(f), sides);
            comparison.signature = der.slot(Derive::NameSignature(f), sides);
            comparison.with_voorvoegsel = c
                .voorvoegsel_column
                .as_ref()
                .map(|vv| der.slot(Derive::WithVoorvoegsel(field(vv), f), sides));
            comparison.swap = c.swap_column.as_ref().map(|sw| {
                let sf = field(sw);
                (sf, der.slot(Derive::Variant(sf), sides))
            });
        }
        Kind::Date => comparison.date = der.slot(Derive::Date(f), sides),
        Kind::Text => comparison.signature = der.slot(Derive::TextSignature(f), sides),
        Kind::Exact | Kind::Address => {}
    }
    comparison
}

/// A blocking rule as the linker runs it: the slots of its parts on either side, and the
/// fields that always agree within its blocks.
fn rule(r: &BlockingRule, fields: &[String], der: &mut Derivations, sides: Sides) -> Rule {
    let field = |c: &str| field_of(fields, c);
    let mut part = |c: &String, right: bool| match (swapped_column(c), blocking_column(c)) {
        (Some((a, b)), _) => der.slot(Derive::Variant(field(if right { b } else { a })), sides),
        (None, (name, Some(n))) => der.slot(Derive::Prefix(field(name), n), sides),
        (None, (name, None)) => field(name),
    };
    Rule {
        parts: r.columns.iter().map(|c| part(c, false)).collect(),
        right_parts: r.columns.iter().map(|c| part(c, true)).collect(),
        // Fields that always agree within the rule's blocks (swapped ones do not).
        fields: r
            .columns
            .iter()
            .filter(|c| swapped_column(c).is_none())
            .map(|c| field(blocking_column(c).0))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn settings(kind: &str, extra: &str) -> Settings {
        toml::from_str(&format!(
            "id_column = \"id\"\n[[blocking]]\ncolumns = [\"a\"]\n[[comparison]]\ncolumn = \"a\"\nkind = \"{kind}\"\n{extra}"
        ))
        .unwrap()
    }

    /// The level of comparison 0 between one record on each side.
    fn level(s: &Settings, left: &[&str], right: &[&str]) -> u8 {
        let mut l = InputBuilder::new(s, false);
        l.push("l", None, left);
        let mut r = InputBuilder::new(s, false);
        r.push("r", None, right);
        let linker = Linker::new(s, l, Some(r)).unwrap();
        linker.level(0, 0, 0)
    }

    #[test]
    fn name_levels() {
        let s = settings("name", "");
        assert_eq!(level(&s, &["Jansen"], &["jansen "]), 0);
        assert_eq!(level(&s, &["Wijnberg"], &["Wynberg"]), 1);
        assert_eq!(level(&s, &["Müller"], &["muller"]), 1);
        assert_eq!(level(&s, &["Jansen"], &["Jansens"]), 2);
        assert_eq!(level(&s, &["J.P."], &["Jan Pieter"]), 5);
        assert_eq!(level(&s, &["Jansen"], &["Bakker"]), 6);
        assert_eq!(level(&s, &["Jansen"], &[""]), MISSING);
    }

    #[test]
    fn voorvoegsel_moved_into_the_name_is_a_variant() {
        let s = settings("name", "voorvoegsel_column = \"v\"");
        assert_eq!(s.fields(), ["a", "v"]);
        assert_eq!(level(&s, &["Dijk", "van"], &["Van Dijk", ""]), 1);
        assert_eq!(level(&s, &["Berg", "van den"], &["vandenberg", ""]), 1);
        assert_eq!(level(&s, &["Dijk", "van"], &["Van Dam", ""]), 6);
    }

    #[test]
    fn swapped_first_and_last_names_have_their_own_level() {
        let s = settings("name", "swap_column = \"b\"");
        assert_eq!(level(&s, &["Jansen", "Pieter"], &["Pieter", "Jansen"]), 4);
        assert_eq!(level(&s, &["Jansen", "Pieter"], &["Pieter", "Bakker"]), 6);
    }

    #[test]
    fn a_settings_file_that_cannot_work_is_refused() {
        let mut s = settings("date", "swap_column = \"b\"");
        assert!(s.check().unwrap_err().contains("kind = \"name\""));
        s = settings("name", "");
        s.blocking_rules[0].columns = vec!["a:x".into()];
        assert!(s.check().unwrap_err().contains("aantal beginletters"));
        s.blocking_rules.clear();
        assert!(s.check().is_err());
    }

    /// `a~b` blocks the left's first name against the right's surname: a record typed the
    /// wrong way round becomes a candidate that no same-column rule would find.
    #[test]
    fn swapped_blocking_finds_names_typed_the_wrong_way_round() {
        let text = |rule: &str| {
            format!(
                "id_column = \"id\"\n[[blocking]]\ncolumns = [\"dob\", \"naam:2\"]\n{rule}\n[[comparison]]\ncolumn = \"voornaam\"\nkind = \"name\"\nswap_column = \"naam\"\n[[comparison]]\ncolumn = \"naam\"\nkind = \"name\"\nswap_column = \"voornaam\"\n[[comparison]]\ncolumn = \"dob\"\nkind = \"date\""
            )
        };
        let pairs = |s: &Settings| {
            let mut l = InputBuilder::new(s, false);
            l.push("l1", None, &["Vischinga", "Dennis", "1997-06-20"]);
            l.push("l2", None, &["Anna", "Bakker", "1980-01-01"]);
            let mut r = InputBuilder::new(s, false);
            r.push("r1", None, &["Dennis", "Vischinga", "1997-06-20"]);
            r.push("r2", None, &["Anna", "Bakker", "1980-01-01"]);
            let linker = Linker::new(s, l, Some(r)).unwrap();
            linker.candidates().len()
        };
        let plain: Settings = toml::from_str(&text("")).unwrap();
        assert_eq!(pairs(&plain), 1);
        let swapped: Settings = toml::from_str(&text(
            "[[blocking]]\ncolumns = [\"dob\", \"voornaam~naam\"]",
        ))
        .unwrap();
        assert_eq!(pairs(&swapped), 2);
        // Only between name comparisons, and only when linking two inputs.
        let bad: Settings =
            toml::from_str(&text("[[blocking]]\ncolumns = [\"voornaam~dob\"]")).unwrap();
        assert!(bad.check().unwrap_err().contains("kind = \"name\""));
        let mut l = InputBuilder::new(&swapped, false);
        l.push("l1", None, &["Anna", "Bakker", "1980-01-01"]);
        assert!(Linker::new(&swapped, l, None).is_err());
    }

    /// Two small sources with a known answer: the engine finds exactly the true pairs, the
    /// prior is about (true pairs / all pairs), and blocking on a prefix finds pairs.
    #[test]
    fn links_two_sources_and_estimates_the_prior() {
        let s: Settings = toml::from_str(
            r#"
id_column = "id"
[[blocking]]
columns = ["dob"]
[[blocking]]
columns = ["naam:2"]
[[comparison]]
column = "voornaam"
kind = "name"
[[comparison]]
column = "naam"
kind = "name"
[[comparison]]
column = "dob"
kind = "date"
"#,
        )
        .unwrap();
        let first = [
            "jan", "piet", "klaas", "anna", "marie", "sophie", "emma", "daan",
        ];
        let last = [
            "jansen", "bakker", "visser", "smit", "meijer", "bos", "mulder", "dekker",
        ];
        let mut l = InputBuilder::new(&s, false);
        let mut r = InputBuilder::new(&s, false);
        let mut n = 0;
        for (i, f) in first.iter().enumerate() {
            for (j, a) in last.iter().enumerate() {
                for y in 0..4 {
                    let dob = format!("19{}-0{}-1{}", 50 + y * 10 + i, 1 + j, y);
                    let id = format!("{n}");
                    l.push(&id, None, &[f, a, &dob]);
                    if n % 5 != 0 {
                        let typo = if n % 7 == 0 {
                            format!("{a}s")
                        } else {
                            a.to_string()
                        };
                        r.push(&id, None, &[f, &typo, &dob]);
                    }
                    n += 1;
                }
            }
        }
        let linker = Linker::new(&s, l, Some(r)).unwrap();
        let c = linker.candidates();
        assert!(c.per_rule.iter().all(|&n| n > 0), "{:?}", c.per_rule);
        let model = linker.train(&c, 1);
        let true_share = 205.0 / linker.all_pairs();
        assert!(
            model.lambda > true_share / 2.0 && model.lambda < true_share * 2.0,
            "λ {} against {true_share}",
            model.lambda
        );
        let links = one_to_one(linker.score(&model, &c, 0.5), 0.9);
        let correct = links
            .iter()
            .filter(|p| linker.left().ids.get(p.left) == linker.right().ids.get(p.right))
            .count();
        assert_eq!(correct, links.len());
        assert!(correct >= 200, "{correct} of 205");
    }

    proptest! {
        #[test]
        fn levels_are_in_range_and_exact_for_equal_values(a in "\\PC{0,20}", b in "\\PC{0,20}") {
            for kind in ["name", "date", "text", "exact"] {
                let s = settings(kind, "");
                let l = level(&s, &[&a], &[&b]);
                prop_assert!(l == MISSING || (l as usize) < s.comparisons[0].kind.levels().len());
                if !a.trim().is_empty() {
                    prop_assert_eq!(level(&s, &[&a], &[&a]), 0);
                }
                if kind != "name" {
                    prop_assert_eq!(l, level(&s, &[&b], &[&a]));
                }
            }
        }
    }
}
