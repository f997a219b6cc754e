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

use hashbrown::HashTable;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet, FxHasher};
use serde::Deserialize;
use std::hash::{BuildHasher, Hasher};

use crate::compare::{
    Kind, NamePair, date_level, date_parts, initials_of, looks_like_initials, name_level,
    name_variant, text_level,
};
use crate::jaro::{bound, jaro_winkler, signature};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The column that identifies a record.
    pub id_column: String,
    /// A column whose equal values mark the same entity, for evaluation only.
    pub true_id_column: Option<String>,
    /// Pairs at or above this match probability are links.
    #[serde(default = "default_threshold")]
    pub match_threshold: f64,
    /// Pairs between this and the match threshold go to clerical review.
    pub review_threshold: Option<f64>,
    /// Random pairs drawn to estimate u-probabilities.
    #[serde(default = "default_u_pairs")]
    pub u_pairs: usize,
    /// EM iterations at most.
    #[serde(default = "default_iterations")]
    pub max_iterations: usize,
    #[serde(rename = "blocking")]
    pub blocking_rules: Vec<BlockingRule>,
    #[serde(rename = "comparison")]
    pub comparisons: Vec<ComparisonSettings>,
}

fn default_threshold() -> f64 {
    0.9
}
fn default_u_pairs() -> usize {
    200_000
}
fn default_iterations() -> usize {
    25
}

/// Records are compared when all these columns are equal and present. `column:N` compares the
/// first N characters of the (lower-cased) value only; `a~b` (two name columns) compares the
/// left record's `a` with the right record's `b`, so that names typed the wrong way round still
/// meet (linking two inputs only).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockingRule {
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonSettings {
    pub column: String,
    pub kind: Kind,
    /// Adjust the exact level for how common the value is (common names weigh less).
    #[serde(default)]
    pub term_frequency: bool,
    /// Names only: the voorvoegsel column, so that `van` + `Dijk` on one side agrees with
    /// `Van Dijk` on the other (level "variant").
    pub voorvoegsel_column: Option<String>,
    /// Names only: the other name column, so that first and last name typed the wrong way
    /// round are recognised (level "first and last name swapped").
    pub swap_column: Option<String>,
    /// Addresses only (the comparison's column is the postcode): the house number column
    /// (number with letter and toevoeging as one value).
    pub number_column: Option<String>,
    /// Addresses only: the street column.
    pub street_column: Option<String>,
    /// Addresses only: the place (woonplaats) column.
    pub place_column: Option<String>,
}

impl ComparisonSettings {
    fn address_columns(&self) -> [Option<&String>; 3] {
        [
            self.number_column.as_ref(),
            self.street_column.as_ref(),
            self.place_column.as_ref(),
        ]
    }
}

/// The most comparisons a settings file can have: a pair's levels are packed four bits each
/// into one `u64`.
pub const MAX_COMPARISONS: usize = 16;
/// The most blocking rules: a pair's agreement with the rules is a `u32` bit set.
pub const MAX_BLOCKING_RULES: usize = 32;

const MISSING: u8 = 15;

impl Settings {
    /// Checks what serde cannot: counts, thresholds, and which options go with which kind.
    pub fn check(&self) -> Result<(), String> {
        if self.comparisons.is_empty() || self.blocking_rules.is_empty() {
            return Err("give at least one [[comparison]] and one [[blocking]] rule".into());
        }
        if self.comparisons.len() > MAX_COMPARISONS {
            return Err(format!(
                "{} comparisons; at most {MAX_COMPARISONS} are supported",
                self.comparisons.len()
            ));
        }
        if self.blocking_rules.len() > MAX_BLOCKING_RULES {
            return Err(format!(
                "{} blocking rules; at most {MAX_BLOCKING_RULES} are supported",
                self.blocking_rules.len()
            ));
        }
        if !(0.0..=1.0).contains(&self.match_threshold)
            || self
                .review_threshold
                .is_some_and(|r| !(0.0..=self.match_threshold).contains(&r))
        {
            return Err(
                "match_threshold must lie in [0, 1] and review_threshold in [0, match_threshold]"
                    .into(),
            );
        }
        for c in &self.comparisons {
            if c.kind != Kind::Name && (c.voorvoegsel_column.is_some() || c.swap_column.is_some()) {
                return Err(format!(
                    "comparison '{}': voorvoegsel_column and swap_column apply to kind = \"name\" only",
                    c.column
                ));
            }
            if (c.kind == Kind::Address) != c.address_columns().iter().any(Option::is_some) {
                return Err(format!(
                    "comparison '{}': kind = \"address\" needs number_column, street_column or place_column, and those apply to addresses only",
                    c.column
                ));
            }
        }
        for r in &self.blocking_rules {
            if r.columns.is_empty() {
                return Err("a [[blocking]] rule without columns would compare every pair".into());
            }
            for c in &r.columns {
                if let Some((a, b)) = c.split_once('~') {
                    for x in [a, b] {
                        if !self
                            .comparisons
                            .iter()
                            .any(|k| k.column == x && k.kind == Kind::Name)
                        {
                            return Err(format!(
                                "blocking column '{c}': '{x}' needs a comparison of kind = \"name\""
                            ));
                        }
                    }
                    continue;
                }
                if let Some((_, n)) = c.split_once(':')
                    && n.parse::<usize>().map_or(true, |n| n == 0)
                {
                    return Err(format!(
                        "blocking column '{c}': after ':' give the number of leading characters, at least 1"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether the comparisons and blocking rules only ever test this column's values for
    /// equality (so its values need no dictionary).
    fn equality_only(&self, field: &str) -> bool {
        let textual = self.comparisons.iter().any(|c| {
            (c.column == field
                && (c.term_frequency || !matches!(c.kind, Kind::Exact | Kind::Address)))
                || c.voorvoegsel_column.as_deref() == Some(field)
                || c.swap_column.as_deref() == Some(field)
        });
        let prefix = self.blocking_rules.iter().any(|r| {
            r.columns
                .iter()
                .any(|c| matches!(blocking_column(c), (name, Some(_)) if name == field))
        });
        !textual && !prefix
    }

    /// The values derived from the fields that each row holds beside them, in slot order.
    fn derived(&self) -> Vec<Derive> {
        let fields = self.fields();
        let field = |c: &str| fields.iter().position(|f| f == c).unwrap_or_default();
        let mut out: Vec<Derive> = Vec::new();
        let mut add = |d: Derive| {
            if !out.contains(&d) {
                out.push(d);
            }
        };
        for c in &self.comparisons {
            let f = field(&c.column);
            match c.kind {
                Kind::Name => {
                    add(Derive::Variant(f));
                    add(Derive::Initials(f));
                    add(Derive::NameSignature(f));
                    if let Some(vv) = &c.voorvoegsel_column {
                        add(Derive::WithVoorvoegsel(field(vv), f));
                    }
                    if let Some(sw) = &c.swap_column {
                        add(Derive::Variant(field(sw)));
                    }
                }
                Kind::Date => add(Derive::Date(f)),
                Kind::Text => add(Derive::TextSignature(f)),
                Kind::Exact | Kind::Address => {}
            }
        }
        for r in &self.blocking_rules {
            for c in &r.columns {
                if let (name, Some(n)) = blocking_column(c) {
                    add(Derive::Prefix(field(name), n));
                }
            }
        }
        out
    }

    /// The columns the linker reads, each once, in a fixed order.
    pub fn fields(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut add = |c: &str| {
            if !out.iter().any(|x| x == c) {
                out.push(c.to_string());
            }
        };
        for c in &self.comparisons {
            add(&c.column);
            if let Some(v) = &c.voorvoegsel_column {
                add(v);
            }
            if let Some(s) = &c.swap_column {
                add(s);
            }
            for a in c.address_columns().into_iter().flatten() {
                add(a);
            }
        }
        for r in &self.blocking_rules {
            for c in &r.columns {
                match swapped_column(c) {
                    Some((a, b)) => {
                        add(a);
                        add(b);
                    }
                    None => add(blocking_column(c).0),
                }
            }
        }
        out
    }

    /// Whether a blocking rule compares one column of the left with another of the right.
    fn has_swapped_blocking(&self) -> bool {
        self.blocking_rules
            .iter()
            .any(|r| r.columns.iter().any(|c| swapped_column(c).is_some()))
    }
}

/// `a~b` → (`a`, `b`): the left record's `a` against the right record's `b`.
fn swapped_column(c: &str) -> Option<(&str, &str)> {
    c.split_once('~')
}

/// `column:N` → (`column`, Some(N)).
fn blocking_column(c: &str) -> (&str, Option<usize>) {
    match c.split_once(':') {
        Some((name, n)) => (name, n.parse().ok()),
        None => (c, None),
    }
}

/// Values of one column, each distinct value once, in one buffer; id 0 is the empty (missing)
/// value. The hash table holds only ids (with each value's hash beside), so that looking up a
/// value costs few cache misses even with millions of distinct values.
#[derive(Default)]
struct Dictionary {
    table: HashTable<u32>,
    hashes: Vec<u64>,
    text: String,
    ends: Vec<usize>,
}

fn text_of<'t>(text: &'t str, ends: &[usize], id: u32) -> &'t str {
    let i = id as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &text[start..ends[i]]
}

impl Dictionary {
    fn new() -> Dictionary {
        let mut d = Dictionary::default();
        d.intern("");
        d
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, id: u32) -> &str {
        text_of(&self.text, &self.ends, id)
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len() as u32).map(|i| self.get(i))
    }

    fn intern(&mut self, s: &str) -> u32 {
        // foldhash, not Fx: Fx hashes runs of similar short strings (numbers, postcodes) into
        // long probe chains.
        let h = foldhash::fast::FixedState::with_seed(0x10e9).hash_one(s);
        let Dictionary {
            table,
            hashes,
            text,
            ends,
        } = self;
        if let Some(&id) = table.find(h, |&id| {
            hashes[id as usize] == h && text_of(text, ends, id) == s
        }) {
            return id;
        }
        let id = ends.len() as u32;
        text.push_str(s);
        ends.push(text.len());
        hashes.push(h);
        table.insert_unique(h, id, |&id| hashes[id as usize]);
        id
    }

    /// Trimmed and lower-cased (in `buf`, so that a value seen before costs no allocation);
    /// empty is missing. With `pack_short`, a short value is encoded in the id itself instead
    /// of being stored (see `pack`).
    fn push_raw(&mut self, raw: &str, buf: &mut String, pack_short: bool) -> Value {
        let t = raw.trim();
        buf.clear();
        if t.is_ascii() {
            buf.push_str(t);
            buf.make_ascii_lowercase();
        } else {
            buf.push_str(&t.to_lowercase());
        }
        if pack_short && let Some(v) = pack(buf) {
            return v;
        }
        Value::from(self.intern(buf))
    }
}

/// A value as the linker holds it: a dictionary id (below 2^32), or, for columns whose text
/// the comparisons never read, the value itself packed (`pack`).
type Value = u64;

const PACKED_NUMBER: Value = 1 << 63;
const PACKED_TEXT: Value = 1 << 62;

/// Encodes a normalised value without a dictionary, when it is short: a number without leading
/// zeros (a BSN, a house number) as itself, any other text of at most 7 bytes (a postcode) as
/// its bytes. The encoding is one-to-one and never collides with a dictionary id, so equality
/// stays exact; it spares the hash lookups of columns with millions of distinct values.
fn pack(s: &str) -> Option<Value> {
    let b = s.as_bytes();
    if b.is_empty() {
        return Some(0);
    }
    if b.len() <= 18 && b.iter().all(u8::is_ascii_digit) && (b[0] != b'0' || b.len() == 1) {
        return Some(PACKED_NUMBER | b.iter().fold(0, |n, &d| n * 10 + Value::from(d - b'0')));
    }
    if b.len() <= 7 && !b.contains(&0) {
        return Some(PACKED_TEXT | b.iter().fold(0, |n, &x| n << 8 | Value::from(x)));
    }
    None
}

impl Dictionary {}

/// One input being read: ids and the interned values of the settings' fields.
pub struct InputBuilder {
    fields: Vec<String>,
    ids: Ids,
    true_ids: Option<Vec<String>>,
    /// Row-major: record i is `values[i * width..][..width]`, its fields first, then room for
    /// the values the linker derives from them (`Settings::derived`).
    values: Vec<Value>,
    width: usize,
    dicts: Vec<Dictionary>,
    /// Per field: only compared for equality, so short values are packed (`pack`).
    packed: Vec<bool>,
    buf: String,
}

/// Record ids, in one buffer.
#[derive(Default)]
pub struct Ids {
    text: String,
    ends: Vec<usize>,
}

impl Ids {
    fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The id of record `i`.
    pub fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// The record with this id.
    pub fn find(&self, id: &str) -> Option<u32> {
        (0..self.len() as u32).find(|&i| self.get(i) == id)
    }
}

impl InputBuilder {
    pub fn new(settings: &Settings, with_true_ids: bool) -> InputBuilder {
        let fields = settings.fields();
        let packed = fields.iter().map(|f| settings.equality_only(f)).collect();
        InputBuilder {
            packed,
            width: fields.len() + settings.derived().len(),
            values: Vec::new(),
            dicts: fields.iter().map(|_| Dictionary::new()).collect(),
            fields,
            ids: Ids::default(),
            true_ids: with_true_ids.then(Vec::new),
            buf: String::new(),
        }
    }

    /// Room for `records` more records, so that the values are not copied as they grow.
    pub fn reserve(&mut self, records: usize) {
        self.values.reserve(records * self.width);
        self.ids.ends.reserve(records);
    }

    /// The columns `push` expects, in order.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// Adds a record: its id, its true id (when evaluating), and one value per field.
    pub fn push(&mut self, id: &str, true_id: Option<&str>, values: &[&str]) {
        self.push_batch(
            1,
            |_| id,
            |_| true_id,
            |_, f| values.get(f).copied().unwrap_or_default(),
        );
    }

    /// Adds `rows` records at once, interning column by column so that one column's
    /// dictionary stays in the cache while its values go in: `id(i)`, `true_id(i)` and
    /// `value(i, field)` (fields in `fields()` order) give record `i`'s texts.
    pub fn push_batch<'r>(
        &mut self,
        rows: usize,
        id: impl Fn(usize) -> &'r str,
        true_id: impl Fn(usize) -> Option<&'r str>,
        value: impl Fn(usize, usize) -> &'r str,
    ) {
        let width = self.width;
        let base = self.values.len();
        self.values.resize(base + rows * width, 0);
        for i in 0..rows {
            self.ids.push(id(i));
            if let Some(t) = &mut self.true_ids {
                t.push(true_id(i).unwrap_or_default().trim().to_string());
            }
        }
        for (f, dict) in self.dicts.iter_mut().enumerate() {
            let packed = self.packed[f];
            for (i, slot) in self.values[base..]
                .iter_mut()
                .skip(f)
                .step_by(width)
                .enumerate()
            {
                *slot = dict.push_raw(value(i, f), &mut self.buf, packed);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// One input, read: ids and the values of each field as dictionary ids, record by record
/// (a pair's comparisons then read two short rows, not one cache line per field).
pub struct Side {
    pub ids: Ids,
    pub true_ids: Option<Vec<String>>,
    width: usize,
    values: Vec<Value>,
}

impl Side {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    fn row(&self, rec: u32) -> &[Value] {
        &self.values[rec as usize * self.width..][..self.width]
    }

    fn column(&self, slot: usize) -> impl Iterator<Item = Value> + '_ {
        self.values.chunks_exact(self.width).map(move |r| r[slot])
    }
}

/// The estimated model: per comparison and level, m and u, and the prior.
#[derive(Debug, Clone)]
pub struct Model {
    /// The probability that two records drawn at random are a match.
    pub lambda: f64,
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
    pub iterations: usize,
}

/// A candidate pair with its levels, packed.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    pub left: u32,
    pub right: u32,
    pattern: u64,
}

/// The candidate pairs of a run, and the counts of their level patterns per set of blocking
/// rules they agree on (what training needs).
pub struct Candidates {
    /// In chunks, as the parallel comparison produced them.
    pub pairs: Vec<Vec<Candidate>>,
    /// Pairs each blocking rule added (not found by an earlier rule).
    pub per_rule: Vec<usize>,
    counts: PatternCounts,
}

/// Pairs per (level pattern, blocking rules agreed on).
type PatternCounts = FxHashMap<(u64, u32), f64>;

impl Candidates {
    /// The number of candidate pairs.
    pub fn len(&self) -> usize {
        self.per_rule.iter().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Debug, Clone)]
pub struct ScoredPair {
    pub left: u32,
    pub right: u32,
    pub weight: f64,
    pub probability: f64,
}

/// The contribution of one comparison to a pair's match weight.
#[derive(Debug, Clone)]
pub struct Contribution {
    pub comparison: String,
    pub level: String,
    pub weight: f64,
}

/// A comparison, with the row slots of what it reads. Everything a comparison needs of a
/// record (spelling variant, initials, letter signature, date parts) is computed once per
/// distinct value and kept in the record's row, so that comparing a pair reads two rows and
/// little else.
struct Comparison {
    kind: Kind,
    field: usize,
    /// Share of records with each value (term-frequency adjustment), per dictionary id.
    tf: Option<Vec<f64>>,
    /// Names: slots of the spelling variant (id into `variants`), of the initials
    /// (`id << 1 | written as initials`) and of the signature (`jaro::signature`) of the
    /// variant. Texts: the signature slot of the value.
    variant: usize,
    initials: usize,
    signature: usize,
    /// Names with a voorvoegsel column: the slot of the variant of voorvoegsel and name
    /// together.
    with_voorvoegsel: Option<usize>,
    /// Names with a swap column: that column's field and the slot of its variant.
    swap: Option<(usize, usize)>,
    /// Dates: the slot of the packed date (`pack_date`).
    date: usize,
    /// Addresses: the fields of house number, street and place.
    address: [Option<usize>; 3],
}

struct Rule {
    /// The row slot of each part of the rule: a field, or the prefix of one.
    parts: Vec<usize>,
    /// The same for the right input: differs from `parts` only for `a~b` parts.
    right_parts: Vec<usize>,
    /// The field each part is of.
    fields: Vec<usize>,
}

/// What a derived slot holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Derive {
    Variant(usize),
    Initials(usize),
    NameSignature(usize),
    TextSignature(usize),
    Date(usize),
    Prefix(usize, usize),
    WithVoorvoegsel(usize, usize),
}

/// How a derived slot is computed from a row.
enum Source {
    /// From one field's dictionary id, through a table.
    Table(usize, Vec<Value>),
    /// Voorvoegsel and name together: the name's variant when there is no voorvoegsel, else
    /// the variant of both (looked up).
    Combined {
        voorvoegsel: usize,
        name: usize,
        variant: Vec<Value>,
        both: FxHashMap<(Value, Value), Value>,
    },
}

impl Source {
    fn value(&self, row: &[Value]) -> Value {
        match self {
            Source::Table(f, table) => table[row[*f] as usize],
            Source::Combined {
                voorvoegsel,
                name,
                variant,
                both,
            } => {
                let (p, n) = (row[*voorvoegsel], row[*name]);
                if n == 0 {
                    0
                } else if p == 0 {
                    variant[n as usize]
                } else {
                    both.get(&(p, n)).copied().unwrap_or_default()
                }
            }
        }
    }
}

const NO_DATE: Value = Value::MAX;

fn pack_date(d: Option<(u16, u8, u8)>) -> Value {
    d.map_or(NO_DATE, |(y, m, d)| {
        Value::from(y) << 16 | Value::from(m) << 8 | Value::from(d)
    })
}

fn unpack_date(v: Value) -> Option<(u16, u8, u8)> {
    (v != NO_DATE).then_some(((v >> 16) as u16, (v >> 8) as u8, v as u8))
}

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

fn log2(x: f64) -> f64 {
    x.max(1e-12).log2()
}

fn level_of(pattern: u64, k: usize) -> u8 {
    ((pattern >> (4 * k)) & 15) as u8
}

/// Strings interned into ids, for the variants and initials of names.
#[derive(Default)]
struct Interner {
    ids: FxHashMap<String, u32>,
    values: Vec<Box<str>>,
}

impl Interner {
    fn intern(&mut self, s: String) -> u32 {
        if let Some(&id) = self.ids.get(&s) {
            return id;
        }
        let id = self.values.len() as u32;
        self.values.push(s.as_str().into());
        self.ids.insert(s, id);
        id
    }
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
                "a blocking column 'a~b' needs two inputs; deduplication compares one input with itself"
                    .into(),
            );
        }
        if left.is_empty() || right.as_ref().is_some_and(InputBuilder::is_empty) {
            return Err("nothing to link: an input has no records".into());
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
        let mut right = right.map(|r| {
            let maps: Vec<Vec<u32>> = r
                .dicts
                .iter()
                .zip(&mut dicts)
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
        });
        let field = |c: &str| fields.iter().position(|f| f == c).unwrap_or_default();
        let mut variants = Interner::default();
        variants.intern(String::new());
        // Derived slots, each once, after the fields.
        let mut derived: Vec<(Derive, Source)> = Vec::new();
        let mut variant_tables: FxHashMap<usize, Vec<Value>> = FxHashMap::default();
        let mut slot = |d: Derive, variants: &mut Interner| -> usize {
            if let Some(i) = derived.iter().position(|(x, _)| *x == d) {
                return width + i;
            }
            let dict = |f: usize| &dicts[f];
            let mut variant_of = |f: usize, variants: &mut Interner| -> Vec<Value> {
                variant_tables
                    .entry(f)
                    .or_insert_with(|| {
                        dict(f)
                            .iter()
                            .map(|v| Value::from(variants.intern(name_variant(v))))
                            .collect()
                    })
                    .clone()
            };
            let source = match d {
                Derive::Variant(f) => Source::Table(f, variant_of(f, variants)),
                Derive::Initials(f) => Source::Table(
                    f,
                    dict(f)
                        .iter()
                        .map(|v| {
                            Value::from(variants.intern(initials_of(v))) << 1
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
                Derive::TextSignature(f) => {
                    Source::Table(f, dict(f).iter().map(signature).collect())
                }
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
                    for side in std::iter::once(&left).chain(right.as_ref()) {
                        for row in side.values.chunks_exact(side.width) {
                            let (p, n) = (row[pf], row[f]);
                            if p != 0 && n != 0 {
                                both.entry((p, n)).or_insert_with(|| {
                                    Value::from(variants.intern(name_variant(&format!(
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
                        variant: variant_of(f, variants),
                        both,
                    }
                }
            };
            derived.push((d, source));
            width + derived.len() - 1
        };
        for d in settings.derived() {
            slot(d, &mut variants);
        }
        let mut comparisons = Vec::new();
        for c in &settings.comparisons {
            let f = field(&c.column);
            let tf = c.term_frequency.then(|| {
                let mut counts = vec![0.0f64; dicts[f].len()];
                for s in std::iter::once(&left).chain(right.as_ref()) {
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
                    comparison.variant = slot(Derive::Variant(f), &mut variants);
                    comparison.initials = slot(Derive::Initials(f), &mut variants);
                    comparison.signature = slot(Derive::NameSignature(f), &mut variants);
                    comparison.with_voorvoegsel = c
                        .voorvoegsel_column
                        .as_ref()
                        .map(|vv| slot(Derive::WithVoorvoegsel(field(vv), f), &mut variants));
                    comparison.swap = c.swap_column.as_ref().map(|sw| {
                        let sf = field(sw);
                        (sf, slot(Derive::Variant(sf), &mut variants))
                    });
                }
                Kind::Date => comparison.date = slot(Derive::Date(f), &mut variants),
                Kind::Text => comparison.signature = slot(Derive::TextSignature(f), &mut variants),
                Kind::Exact | Kind::Address => {}
            }
            comparisons.push(comparison);
        }
        let rules: Vec<Rule> = settings
            .blocking_rules
            .iter()
            .map(|r| {
                let mut part =
                    |c: &String, right: bool| match (swapped_column(c), blocking_column(c)) {
                        (Some((a, b)), _) => slot(
                            Derive::Variant(field(if right { b } else { a })),
                            &mut variants,
                        ),
                        (None, (name, Some(n))) => {
                            slot(Derive::Prefix(field(name), n), &mut variants)
                        }
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
            })
            .collect();
        if width + derived.len() != full {
            return Err(format!(
                "internal error: rows have {full} slots where {} are needed",
                width + derived.len()
            ));
        }
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

    fn level(&self, k: usize, l: u32, r: u32) -> u8 {
        self.level_of_rows(k, self.left.row(l), self.right().row(r))
    }

    fn level_of_rows(&self, k: usize, lrow: &[Value], rrow: &[Value]) -> u8 {
        let c = &self.comparisons[k];
        let (a, b) = (lrow[c.field], rrow[c.field]);
        if c.kind == Kind::Address {
            return address_level(c, lrow, rrow);
        }
        if a == 0 || b == 0 {
            return MISSING;
        }
        if a == b {
            return 0;
        }
        match c.kind {
            Kind::Exact | Kind::Address => 1,
            Kind::Text => text_level(bound(lrow[c.signature], rrow[c.signature]), || {
                jaro_winkler(
                    self.dicts[c.field].get(a as u32),
                    self.dicts[c.field].get(b as u32),
                )
            }),
            Kind::Date => date_level(unpack_date(lrow[c.date]), unpack_date(rrow[c.date])),
            Kind::Name => {
                let (va, vb) = (lrow[c.variant], rrow[c.variant]);
                let same_with_voorvoegsel = c.with_voorvoegsel.is_some_and(|s| lrow[s] == rrow[s]);
                let swapped = c.swap.is_some_and(|(sf, sv)| {
                    lrow[sf] != 0 && rrow[sf] != 0 && va == rrow[sv] && lrow[sv] == vb
                });
                let (ia, ib) = (lrow[c.initials], rrow[c.initials]);
                name_level(
                    &NamePair {
                        bound: bound(lrow[c.signature], rrow[c.signature]),
                        same_variant: va == vb,
                        same_with_voorvoegsel,
                        swapped,
                        same_initials: (ia | ib) & 1 == 1 && ia >> 1 != 0 && ia >> 1 == ib >> 1,
                    },
                    || jaro_winkler(&self.variants[va as usize], &self.variants[vb as usize]),
                )
            }
        }
    }

    fn pattern(&self, l: u32, r: u32) -> u64 {
        let (lrow, rrow) = (self.left.row(l), self.right().row(r));
        (0..self.comparisons.len()).fold(0u64, |p, k| {
            p | (u64::from(self.level_of_rows(k, lrow, rrow)) << (4 * k))
        })
    }

    /// The rule's key part `i` of a record, 0 when missing.
    fn key_part(&self, rule: &Rule, i: usize, side: &Side, rec: u32, right: bool) -> Value {
        let parts = if right {
            &rule.right_parts
        } else {
            &rule.parts
        };
        side.row(rec)[parts[i]]
    }

    fn agrees(&self, rule: usize, l: u32, r: u32) -> bool {
        let rule = &self.rules[rule];
        (0..rule.parts.len()).all(|i| {
            let a = self.key_part(rule, i, &self.left, l, false);
            a != 0 && a == self.key_part(rule, i, self.right(), r, true)
        })
    }

    fn keys(&self, rule: usize, side: &Side, right: bool) -> Vec<(u64, u32)> {
        let rule = &self.rules[rule];
        let mut keys: Vec<(u64, u32)> = (0..side.len() as u32)
            .into_par_iter()
            .filter_map(|rec| {
                let mut h = FxHasher::default();
                for i in 0..rule.parts.len() {
                    let v = self.key_part(rule, i, side, rec, right);
                    if v == 0 {
                        return None;
                    }
                    h.write_u64(v);
                }
                Some((h.finish(), rec))
            })
            .collect();
        keys.par_sort_unstable();
        keys
    }

    /// Candidate pairs: equal on every column of at least one blocking rule, each pair once
    /// (under the first rule that finds it), with its levels compared.
    pub fn candidates(&self) -> Candidates {
        let mut pairs = Vec::new();
        let mut counts = PatternCounts::default();
        let mut per_rule = Vec::new();
        for k in 0..self.rules.len() {
            let lk = self.keys(k, &self.left, false);
            let rk = match &self.right {
                Some(r) => self.keys(k, r, true),
                None => Vec::new(),
            };
            let rk = if self.dedupe() { &lk } else { &rk };
            // Blocks: runs of equal keys, split into tasks of at most 64 left records.
            let mut tasks: Vec<(usize, usize, usize, usize)> = Vec::new();
            let (mut i, mut j) = (0, 0);
            while i < lk.len() && j < rk.len() {
                let (a, b) = (lk[i].0, rk[j].0);
                if a < b {
                    i += 1;
                } else if b < a {
                    j += 1;
                } else {
                    let i_end = i + lk[i..].iter().take_while(|x| x.0 == a).count();
                    let j_end = j + rk[j..].iter().take_while(|x| x.0 == a).count();
                    let mut s = i;
                    while s < i_end {
                        let e = (s + 64).min(i_end);
                        tasks.push((s, e, j, j_end));
                        s = e;
                    }
                    (i, j) = (i_end, j_end);
                }
            }
            // Tasks grouped into chunks of about 64k pairs: each chunk fills its own vector,
            // and the chunks are kept as they are (no copying into one large vector).
            let mut chunks: Vec<&[(usize, usize, usize, usize)]> = Vec::new();
            let (mut from, mut size) = (0, 0);
            for (i, t) in tasks.iter().enumerate() {
                size += (t.1 - t.0) * (t.3 - t.2);
                if size >= 1 << 16 || i + 1 == tasks.len() {
                    chunks.push(&tasks[from..=i]);
                    (from, size) = (i + 1, 0);
                }
            }
            let dedupe = self.dedupe();
            let found: Vec<(Vec<Candidate>, PatternCounts)> = chunks
                .par_iter()
                .map(|chunk| {
                    let mut out = Vec::new();
                    let mut counts = PatternCounts::default();
                    for &(s, e, js, je) in chunk.iter() {
                        for (a, &(_, l)) in lk.iter().enumerate().take(e).skip(s) {
                            let from = if dedupe { (a + 1).max(js) } else { js };
                            for &(_, r) in &rk[from.min(je)..je] {
                                if !self.agrees(k, l, r) || (0..k).any(|p| self.agrees(p, l, r)) {
                                    continue;
                                }
                                let mask = (k..self.rules.len())
                                    .filter(|&q| q == k || self.agrees(q, l, r))
                                    .fold(0u32, |m, q| m | 1 << q);
                                let (l, r) = if dedupe && r < l { (r, l) } else { (l, r) };
                                let pattern = self.pattern(l, r);
                                *counts.entry((pattern, mask)).or_insert(0.0) += 1.0;
                                out.push(Candidate {
                                    left: l,
                                    right: r,
                                    pattern,
                                });
                            }
                        }
                    }
                    (out, counts)
                })
                .collect();
            per_rule.push(found.iter().map(|(c, _)| c.len()).sum());
            for (chunk, local) in found {
                if !chunk.is_empty() {
                    pairs.push(chunk);
                }
                for (key, n) in local {
                    *counts.entry(key).or_insert(0.0) += n;
                }
            }
        }
        Candidates {
            pairs,
            per_rule,
            counts,
        }
    }

    /// u-probabilities from random pairs (almost all of them non-matches).
    fn estimate_u(&self, seed: u64) -> Vec<Vec<f64>> {
        let nl = self.left.len() as u64;
        let nr = self.right().len() as u64;
        let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let n = (self.settings.u_pairs as u64).min(nl * nr).max(1) as usize;
        let sample: Vec<(u32, u32)> = (0..n)
            .map(|_| ((next() % nl.max(1)) as u32, (next() % nr.max(1)) as u32))
            .filter(|(l, r)| !(self.dedupe() && l == r))
            .collect();
        let empty = || -> Vec<Vec<f64>> {
            self.settings
                .comparisons
                .iter()
                .map(|c| vec![0.0; c.kind.levels().len()])
                .collect()
        };
        let mut counts = sample
            .par_chunks(4096)
            .map(|chunk| {
                let mut counts = empty();
                for &(l, r) in chunk {
                    for (k, c) in counts.iter_mut().enumerate() {
                        let lv = self.level(k, l, r);
                        if lv != MISSING {
                            c[lv as usize] += 1.0;
                        }
                    }
                }
                counts
            })
            .reduce(empty, |mut a, b| {
                for (x, y) in a.iter_mut().flatten().zip(b.iter().flatten()) {
                    *x += y;
                }
                a
            });
        // One pseudo-count per level, so that no level has u = 0.
        counts.iter_mut().flatten().for_each(|c| *c += 1.0);
        counts
            .into_iter()
            .map(|c| {
                let total: f64 = c.iter().sum();
                c.into_iter().map(|x| x / total).collect()
            })
            .collect()
    }

    /// Estimates the model: u from random pairs; m by EM, once per blocking rule on the pairs
    /// that agree on that rule, leaving out the comparisons of the rule's own columns and those
    /// that 99% of its pairs agree on (they say nothing there); then λ, the probability that two
    /// random records match, as the expected number of matches among the candidates (with m
    /// and u fixed) over all pairs of records, by fixed-point iteration. λ is a share of all
    /// pairs because u is measured on random pairs: prior and Bayes factors then refer to the
    /// same population, so probabilities stay honest however large one side is.
    pub fn train(&self, candidates: &Candidates, seed: u64) -> Model {
        let u = self.estimate_u(seed);
        let initial: Vec<Vec<f64>> = self
            .settings
            .comparisons
            .iter()
            .map(|c| {
                let n = c.kind.levels().len();
                (0..n)
                    .map(|i| {
                        if i == 0 {
                            0.7
                        } else if i == n - 1 {
                            0.05
                        } else {
                            0.25 / (n - 2).max(1) as f64
                        }
                    })
                    .collect()
            })
            .collect();
        let mut sums: Vec<Vec<f64>> = initial.iter().map(|l| vec![0.0; l.len()]).collect();
        let mut estimates = vec![0usize; initial.len()];
        let mut iterations = 0;
        for (q, rule) in self.rules.iter().enumerate() {
            // Comparisons that (almost) every pair of this rule agrees on say nothing about
            // these pairs: the rule's own columns, and columns that follow from them (the
            // street of a postcode and house number).
            let mut exact = vec![0.0f64; self.comparisons.len()];
            let mut present = vec![0.0f64; self.comparisons.len()];
            for (&(p, mask), &n) in &candidates.counts {
                if mask & (1 << q) != 0 {
                    for k in 0..self.comparisons.len() {
                        match level_of(p, k) {
                            MISSING => {}
                            0 => {
                                exact[k] += n;
                                present[k] += n;
                            }
                            _ => present[k] += n,
                        }
                    }
                }
            }
            let excluded: Vec<bool> = self
                .comparisons
                .iter()
                .enumerate()
                .map(|(k, c)| rule.fields.contains(&c.field) || exact[k] >= 0.99 * present[k])
                .collect();
            let clear = excluded
                .iter()
                .enumerate()
                .filter(|(_, x)| **x)
                .fold(0u64, |m, (k, _)| m | 15 << (4 * k));
            let mut patterns: FxHashMap<u64, f64> = FxHashMap::default();
            for (&(p, mask), &n) in &candidates.counts {
                if mask & (1 << q) != 0 {
                    *patterns.entry(p | clear).or_insert(0.0) += n;
                }
            }
            let patterns: Vec<(u64, f64)> = patterns.into_iter().collect();
            let (m, its) = em(&patterns, initial.clone(), &u, self.settings.max_iterations);
            iterations += its;
            for k in (0..m.len()).filter(|&k| !excluded[k]) {
                for (s, x) in sums[k].iter_mut().zip(&m[k]) {
                    *s += x;
                }
                estimates[k] += 1;
            }
        }
        let m: Vec<Vec<f64>> = sums
            .into_iter()
            .zip(initial)
            .zip(&estimates)
            .map(|((s, init), &n)| {
                if n == 0 {
                    init
                } else {
                    s.into_iter().map(|x| x / n as f64).collect()
                }
            })
            .collect();
        let mut patterns: FxHashMap<u64, f64> = FxHashMap::default();
        for (&(p, _), &n) in &candidates.counts {
            *patterns.entry(p).or_insert(0.0) += n;
        }
        let bayes: Vec<(f64, f64)> = patterns
            .iter()
            .map(|(&p, &n)| {
                let b = (0..m.len())
                    .map(|k| level_of(p, k))
                    .enumerate()
                    .filter(|(_, l)| *l != MISSING)
                    .map(|(k, l)| log2(m[k][l as usize]) - log2(u[k][l as usize]))
                    .sum::<f64>();
                (b, n)
            })
            .collect();
        let all = self.all_pairs().max(1.0);
        let smaller = self.left.len().min(self.right().len()) as f64;
        let mut lambda = (smaller / all).clamp(1e-12, 0.5);
        for it in 0..self.settings.max_iterations.max(100) {
            iterations += 1;
            let prior = log2(lambda) - log2(1.0 - lambda);
            let expected: f64 = bayes
                .iter()
                .map(|&(b, n)| {
                    let w = prior + b;
                    n / (1.0 + 2f64.powf(-w))
                })
                .sum();
            let next = (expected / all).clamp(1e-12, 1.0 - 1e-9);
            let change = (next - lambda).abs() / lambda;
            lambda = next;
            if change < 1e-7 || it > 1000 {
                break;
            }
        }
        Model {
            lambda,
            m,
            u,
            iterations,
        }
    }

    /// The weight of level `lv` of comparison `k` for a pair whose left record is `l`.
    fn contribution(&self, model: &Model, k: usize, lv: u8, l: u32) -> f64 {
        if lv == MISSING {
            return 0.0;
        }
        let m = model.m[k][lv as usize];
        let mut u = model.u[k][lv as usize];
        let c = &self.comparisons[k];
        if lv == 0
            && let Some(tf) = &c.tf
        {
            let v = self.left.row(l)[c.field];
            u = tf[v as usize].max(1e-9);
        }
        log2(m) - log2(u)
    }

    /// Match weight and probability of the candidate pairs at or above `min_probability`.
    pub fn score(
        &self,
        model: &Model,
        candidates: &Candidates,
        min_probability: f64,
    ) -> Vec<ScoredPair> {
        let prior = log2(model.lambda) - log2(1.0 - model.lambda);
        let table: Vec<Vec<f64>> = (0..self.comparisons.len())
            .map(|k| {
                (0..model.m[k].len())
                    .map(|lv| log2(model.m[k][lv]) - log2(model.u[k][lv]))
                    .collect()
            })
            .collect();
        let min_weight = log2(min_probability) - log2(1.0 - min_probability);
        candidates
            .pairs
            .par_iter()
            .flat_map_iter(|chunk| chunk.iter())
            .filter_map(|c| {
                let mut weight = prior;
                for (k, row) in table.iter().enumerate() {
                    let lv = level_of(c.pattern, k);
                    if lv == MISSING {
                        continue;
                    }
                    weight += if lv == 0 && self.comparisons[k].tf.is_some() {
                        self.contribution(model, k, 0, c.left)
                    } else {
                        row[lv as usize]
                    };
                }
                (weight >= min_weight).then(|| ScoredPair {
                    left: c.left,
                    right: c.right,
                    weight,
                    probability: 1.0 / (1.0 + 2f64.powf(-weight)),
                })
            })
            .collect()
    }

    /// The waterfall of one pair: the prior, then each comparison's level and weight.
    pub fn explain(&self, model: &Model, l: u32, r: u32) -> Vec<Contribution> {
        let mut out = vec![Contribution {
            comparison: "prior (two random records match)".into(),
            level: format!("λ = {:.3e}", model.lambda),
            weight: log2(model.lambda) - log2(1.0 - model.lambda),
        }];
        for (k, c) in self.settings.comparisons.iter().enumerate() {
            let lv = self.level(k, l, r);
            out.push(Contribution {
                comparison: c.column.clone(),
                level: if lv == MISSING {
                    "missing".into()
                } else {
                    c.kind.levels()[lv as usize].to_string()
                },
                weight: self.contribution(model, k, lv, l),
            });
        }
        out
    }

    /// True pairs from the true-id column: every pair of records that share a true id.
    pub fn true_pairs(&self) -> Option<FxHashSet<(u32, u32)>> {
        let dedupe = self.dedupe();
        let (lt, rt) = (
            self.left.true_ids.as_ref()?,
            self.right().true_ids.as_ref()?,
        );
        let mut by_id: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
        for (i, t) in rt.iter().enumerate() {
            if !t.is_empty() {
                by_id.entry(t).or_default().push(i as u32);
            }
        }
        let mut out = FxHashSet::default();
        for (i, t) in lt.iter().enumerate() {
            for &j in by_id.get(t.as_str()).map(Vec::as_slice).unwrap_or(&[]) {
                if !dedupe || j > i as u32 {
                    out.insert((i as u32, j));
                }
            }
        }
        Some(out)
    }
}

/// Same address (postcode or street and place, with the number), same postcode, same street
/// and place, same place, different; missing when neither postcode nor place can be compared.
fn address_level(c: &Comparison, lrow: &[Value], rrow: &[Value]) -> u8 {
    let same = |f: Option<usize>| -> Option<bool> {
        let f = f?;
        let (a, b) = (lrow[f], rrow[f]);
        (a != 0 && b != 0).then_some(a == b)
    };
    let [number, street, place] = c.address;
    let postcode = same(Some(c.field));
    let (number, street, place) = (same(number), same(street), same(place));
    if postcode.is_none() && place.is_none() && street.is_none() {
        return MISSING;
    }
    let street_and_place = street == Some(true) && place != Some(false);
    if number == Some(true) && (postcode == Some(true) || street_and_place) {
        0
    } else if postcode == Some(true) {
        1
    } else if street_and_place {
        2
    } else if place == Some(true) {
        3
    } else {
        4
    }
}

/// One-to-one links between two sources: the most probable pairs first, each record used once.
pub fn one_to_one(mut pairs: Vec<ScoredPair>, threshold: f64) -> Vec<ScoredPair> {
    pairs.retain(|p| p.probability >= threshold);
    pairs.par_sort_unstable_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then(a.left.cmp(&b.left))
            .then(a.right.cmp(&b.right))
    });
    let mut used_l = FxHashSet::default();
    let mut used_r = FxHashSet::default();
    pairs
        .into_iter()
        .filter(|p| used_l.insert(p.left) && used_r.insert(p.right))
        .collect()
}

/// Each left record to its most probable right record, for linking records to the persons
/// they are about (a person may have several records): a record whose best candidate is not
/// at least `margin` bits of match weight ahead of the next one is left unlinked, since
/// choosing between equally good candidates would be a guess.
pub fn best_per_left(pairs: Vec<ScoredPair>, threshold: f64, margin: f64) -> Vec<ScoredPair> {
    let mut best: FxHashMap<u32, (ScoredPair, f64)> = FxHashMap::default();
    for p in pairs.into_iter().filter(|p| p.probability >= threshold) {
        match best.get_mut(&p.left) {
            None => {
                best.insert(p.left, (p, f64::NEG_INFINITY));
            }
            Some((b, second)) => {
                if p.weight > b.weight || (p.weight == b.weight && p.right < b.right) {
                    *second = second.max(b.weight);
                    *b = p;
                } else {
                    *second = second.max(p.weight);
                }
            }
        }
    }
    let mut out: Vec<ScoredPair> = best
        .into_values()
        .filter(|(b, second)| b.weight - second >= margin)
        .map(|(b, _)| b)
        .collect();
    out.sort_by_key(|p| (p.left, p.right));
    out
}

/// Clusters of one source: connected components of the pairs at or above the threshold.
pub fn clusters(n: usize, pairs: &[ScoredPair], threshold: f64) -> Vec<u32> {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn root(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            parent[x as usize] = parent[parent[x as usize] as usize];
            x = parent[x as usize];
        }
        x
    }
    for p in pairs.iter().filter(|p| p.probability >= threshold) {
        let (a, b) = (root(&mut parent, p.left), root(&mut parent, p.right));
        if a != b {
            parent[a.max(b) as usize] = a.min(b);
        }
    }
    (0..n as u32).map(|i| root(&mut parent, i)).collect()
}

/// Precision, recall and F1 of predicted pairs against true pairs.
pub fn evaluate(
    predicted: &FxHashSet<(u32, u32)>,
    truth: &FxHashSet<(u32, u32)>,
) -> (f64, f64, f64) {
    let tp = predicted.intersection(truth).count() as f64;
    let precision = tp / (predicted.len() as f64).max(1.0);
    let recall = tp / (truth.len() as f64).max(1.0);
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    (precision, recall, f1)
}

/// Expectation–maximisation of m (and the share of matches) over patterns of levels with
/// their counts, u fixed.
fn em(
    patterns: &[(u64, f64)],
    mut m: Vec<Vec<f64>>,
    u: &[Vec<f64>],
    max_iterations: usize,
) -> (Vec<Vec<f64>>, usize) {
    let mut lambda: f64 = 0.1;
    let mut iterations = 0;
    let n = m.len();
    for it in 0..max_iterations {
        iterations = it + 1;
        let mut m_new: Vec<Vec<f64>> = m.iter().map(|l| vec![1e-6; l.len()]).collect();
        let mut total_match = 0.0;
        let mut total = 0.0;
        for &(p, count) in patterns {
            let mut pm = lambda;
            let mut pu = 1.0 - lambda;
            for k in 0..n {
                let l = level_of(p, k);
                if l != MISSING {
                    pm *= m[k][l as usize];
                    pu *= u[k][l as usize];
                }
            }
            let post = pm / (pm + pu).max(1e-300);
            total_match += post * count;
            total += count;
            for (k, row) in m_new.iter_mut().enumerate() {
                let l = level_of(p, k);
                if l != MISSING {
                    row[l as usize] += post * count;
                }
            }
        }
        let new_lambda = (total_match / f64::max(total, 1.0)).clamp(1e-9, 1.0 - 1e-9);
        let mut change = (new_lambda - lambda).abs();
        lambda = new_lambda;
        for row in &mut m_new {
            let s: f64 = row.iter().sum();
            row.iter_mut().for_each(|x| *x /= s);
        }
        change = change.max(
            m.iter()
                .flatten()
                .zip(m_new.iter().flatten())
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max),
        );
        m = m_new;
        if change < 1e-6 {
            break;
        }
    }
    (m, iterations)
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
        assert!(s.check().unwrap_err().contains("leading characters"));
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

    #[test]
    fn a_record_with_two_equally_good_persons_is_not_linked() {
        let p = |left, right, weight: f64| ScoredPair {
            left,
            right,
            weight,
            probability: 1.0 / (1.0 + 2f64.powf(-weight)),
        };
        let links = best_per_left(
            vec![
                p(0, 1, 20.0),
                p(0, 2, 20.0),
                p(1, 3, 20.0),
                p(1, 4, 10.0),
                p(2, 3, 15.0),
            ],
            0.9,
            2.0,
        );
        let got: Vec<(u32, u32)> = links.iter().map(|l| (l.left, l.right)).collect();
        // Record 0 is ambiguous; records 1 and 2 may both belong to person 3.
        assert_eq!(got, [(1, 3), (2, 3)]);
    }

    proptest! {
        #[test]
        fn packing_is_one_to_one_and_apart_from_dictionary_ids(a in "[0-9a-z ]{0,9}", b in "[0-9a-z ]{0,9}") {
            if let (Some(x), Some(y)) = (pack(&a), pack(&b)) {
                prop_assert_eq!(x == y, a == b);
                prop_assert!(a.is_empty() || x >= 1 << 32);
            }
        }

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
