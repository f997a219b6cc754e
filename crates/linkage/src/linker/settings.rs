//! The settings: comparisons with their options, blocking rules and thresholds, as read from
//! TOML, with the checks serde cannot make and what the linker derives from them (the columns
//! it reads, the values it computes beside them).

use serde::Deserialize;

use super::input::Derive;
use crate::compare::Kind;

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
    pub(super) fn address_columns(&self) -> [Option<&String>; 3] {
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

impl Settings {
    /// Checks what serde cannot: counts, thresholds, and which options go with which kind.
    pub fn check(&self) -> Result<(), String> {
        if self.comparisons.is_empty() || self.blocking_rules.is_empty() {
            return Err("geef ten minste één [[comparison]] en één [[blocking]]-regel".into());
        }
        if self.comparisons.len() > MAX_COMPARISONS {
            return Err(format!(
                "{} vergelijkingen; er kunnen er hoogstens {MAX_COMPARISONS} zijn",
                self.comparisons.len()
            ));
        }
        if self.blocking_rules.len() > MAX_BLOCKING_RULES {
            return Err(format!(
                "{} blokkeerregels; er kunnen er hoogstens {MAX_BLOCKING_RULES} zijn",
                self.blocking_rules.len()
            ));
        }
        if !(0.0..=1.0).contains(&self.match_threshold)
            || self
                .review_threshold
                .is_some_and(|r| !(0.0..=self.match_threshold).contains(&r))
        {
            return Err(
                "match_threshold moet tussen 0 en 1 liggen en review_threshold tussen 0 en match_threshold"
                    .into(),
            );
        }
        for c in &self.comparisons {
            if c.kind != Kind::Name && (c.voorvoegsel_column.is_some() || c.swap_column.is_some()) {
                return Err(format!(
                    "vergelijking '{}': voorvoegsel_column en swap_column gelden alleen voor kind = \"name\"",
                    c.column
                ));
            }
            if (c.kind == Kind::Address) != c.address_columns().iter().any(Option::is_some) {
                return Err(format!(
                    "vergelijking '{}': kind = \"address\" vraagt number_column, street_column of place_column, en die gelden alleen voor adressen",
                    c.column
                ));
            }
        }
        for r in &self.blocking_rules {
            if r.columns.is_empty() {
                return Err("een [[blocking]]-regel zonder kolommen zou elk paar vergelijken; geef ten minste één kolom".into());
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
                                "blokkeerkolom '{c}': voor '{x}' is een vergelijking met kind = \"name\" nodig"
                            ));
                        }
                    }
                    continue;
                }
                if let Some((_, n)) = c.split_once(':')
                    && n.parse::<usize>().map_or(true, |n| n == 0)
                {
                    return Err(format!(
                        "blokkeerkolom '{c}': geef na ':' het aantal beginletters, ten minste 1"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether the comparisons and blocking rules only ever test this column's values for
    /// equality (so its values need no dictionary).
    pub(super) fn equality_only(&self, field: &str) -> bool {
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
    pub(super) fn derived(&self) -> Vec<Derive> {
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
    pub(super) fn has_swapped_blocking(&self) -> bool {
        self.blocking_rules
            .iter()
            .any(|r| r.columns.iter().any(|c| swapped_column(c).is_some()))
    }
}

/// `a~b` → (`a`, `b`): the left record's `a` against the right record's `b`.
pub(super) fn swapped_column(c: &str) -> Option<(&str, &str)> {
    c.split_once('~')
}

/// `column:N` → (`column`, Some(N)).
pub(super) fn blocking_column(c: &str) -> (&str, Option<usize>) {
    match c.split_once(':') {
        Some((name, n)) => (name, n.parse().ok()),
        None => (c, None),
    }
}
