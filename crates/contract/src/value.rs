//! Parsing one field of a table into a typed, normalised value, and the rules that span
//! several fields of a row.

use crate::tables::{ColumnType, GEBRUIKSDOELEN, Table};
use crate::types::*;

/// A validated, normalised value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(String),
    /// One of a closed list of codes (no allocation).
    Code(&'static str),
    Int(i64),
    Float(f64),
    /// A complete date, as days since 1970-01-01.
    Date(i32),
    /// A date that may be partly unknown.
    PartialDate(Datum),
    /// Cents.
    Amount(i64),
    Bool(bool),
    Bsn(Bsn),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// Parses a field. The input has already been trimmed; an empty field never reaches here.
pub fn parse_value(ty: ColumnType, s: &str) -> Result<Value, Invalid> {
    Ok(match ty {
        ColumnType::Bsn => Value::Bsn(Bsn::parse(s)?),
        // A valid BAG id is already in its normal form: 16 digits.
        ColumnType::VboId => {
            BagId::parse(s, BagKind::Verblijfsobject)?;
            Value::Text(s.to_string())
        }
        ColumnType::NummeraanduidingId => {
            BagId::parse(s, BagKind::Nummeraanduiding)?;
            Value::Text(s.to_string())
        }
        ColumnType::PandId => {
            BagId::parse(s, BagKind::Pand)?;
            Value::Text(s.to_string())
        }
        ColumnType::Postcode => Value::Text(Postcode::parse(s)?.to_string()),
        ColumnType::Huisnummer => Value::Int(parse_huisnummer(s)?),
        ColumnType::Huisletter => Value::Text(parse_huisletter(s)?),
        ColumnType::Toevoeging => Value::Text(parse_toevoeging(s)?),
        ColumnType::Datum => {
            let d = Datum::parse(s)?;
            Value::Date(
                d.days_since_epoch()
                    .ok_or_else(|| Invalid("date out of range".into()))?,
            )
        }
        ColumnType::BrpDatum => Value::PartialDate(Datum::parse_partial(s)?),
        // A valid period is already in its normal form.
        ColumnType::Periode => {
            Periode::parse(s)?;
            Value::Text(s.to_string())
        }
        ColumnType::Bedrag => Value::Amount(Bedrag::parse(s, false)?.0),
        ColumnType::BedragSigned => Value::Amount(Bedrag::parse(s, true)?.0),
        ColumnType::Buurtcode => Value::Text(CbsCode::parse_kind(s, CbsKind::Buurt)?.to_string()),
        ColumnType::Wijkcode => Value::Text(CbsCode::parse_kind(s, CbsKind::Wijk)?.to_string()),
        ColumnType::Gemeentecode => Value::Text(CbsCode::parse_kind(s, CbsKind::Gemeente)?.digits),
        ColumnType::JaNee => Value::Bool(parse_ja_nee(s)?),
        ColumnType::Code(codes) => {
            if let Some(code) = codes.iter().find(|c| **c == s) {
                Value::Code(code)
            } else {
                return Err(Invalid(format!(
                    "unknown code; allowed: {}",
                    codes.join(", ")
                )));
            }
        }
        ColumnType::Gebruiksdoelen => Value::Text(parse_gebruiksdoelen(s)?),
        ColumnType::Text(max) => Value::Text(parse_text(s, max)?),
        ColumnType::Int(min, max) => {
            let n = s
                .parse::<i64>()
                .map_err(|_| Invalid(format!("expected a whole number from {min} to {max}")))?;
            if !(min..=max).contains(&n) {
                return Err(Invalid(format!(
                    "{n} is outside the allowed range {min} to {max}"
                )));
            }
            Value::Int(n)
        }
        ColumnType::Quantity(max) => {
            let ok = !s.is_empty()
                && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                && s.bytes().filter(|&b| b == b'.').count() <= 1
                && !s.starts_with('.')
                && !s.ends_with('.');
            let n: f64 = if ok {
                s.parse().unwrap_or(f64::NAN)
            } else {
                f64::NAN
            };
            if !n.is_finite() {
                return Err(Invalid(format!(
                    "expected a number from 0 to {max} with '.' as decimal separator (negative values are not allowed)"
                )));
            }
            if n > max {
                return Err(Invalid(format!("{s} is above the maximum {max}")));
            }
            Value::Float(n)
        }
        ColumnType::Digits(n) => {
            if s.len() == n && s.bytes().all(|b| b.is_ascii_digit()) {
                Value::Text(s.to_string())
            } else {
                return Err(Invalid(format!("expected exactly {n} digits")));
            }
        }
        ColumnType::SbiCode => {
            if (2..=6).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
                Value::Text(s.to_string())
            } else {
                return Err(Invalid("an SBI code is 2 to 6 digits".into()));
            }
        }
        ColumnType::Loonheffingennummer => {
            let b = s.as_bytes();
            if b.len() == 12
                && b[..9].iter().all(u8::is_ascii_digit)
                && b[9] == b'L'
                && b[10..].iter().all(u8::is_ascii_digit)
            {
                Value::Text(s.to_string())
            } else {
                return Err(Invalid(
                    "a loonheffingennummer is 9 digits, L, 2 digits, e.g. 123456789L01".into(),
                ));
            }
        }
        ColumnType::Aandeel => Value::Text(parse_aandeel(s)?),
        ColumnType::Wkt => Value::Text(parse_wkt(s)?),
    })
}

fn parse_text(s: &str, max: usize) -> Result<String, Invalid> {
    if s.chars().count() > max {
        return Err(Invalid(format!("text longer than {max} characters")));
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(Invalid("text contains control characters".into()));
    }
    Ok(s.to_string())
}

fn parse_gebruiksdoelen(s: &str) -> Result<String, Invalid> {
    let mut seen: Vec<&str> = Vec::new();
    for part in s.split('|').map(str::trim) {
        if !GEBRUIKSDOELEN.contains(&part) {
            return Err(Invalid(format!(
                "unknown gebruiksdoel '{part}'; separate with '|' and choose from: {}",
                GEBRUIKSDOELEN.join(", ")
            )));
        }
        if seen.contains(&part) {
            return Err(Invalid(format!("gebruiksdoel '{part}' appears twice")));
        }
        seen.push(part);
    }
    Ok(seen.join("|"))
}

fn parse_aandeel(s: &str) -> Result<String, Invalid> {
    let bad = || Invalid("a share is written n/m with 0 < n <= m, e.g. 1/2".into());
    let (n, m) = s.split_once('/').ok_or_else(bad)?;
    let n: u32 = n.trim().parse().map_err(|_| bad())?;
    let m: u32 = m.trim().parse().map_err(|_| bad())?;
    if n == 0 || m == 0 || n > m {
        return Err(bad());
    }
    Ok(format!("{n}/{m}"))
}

fn parse_wkt(s: &str) -> Result<String, Invalid> {
    let upper = s.trim_start().to_ascii_uppercase();
    let body = if let Some(b) = upper.strip_prefix("MULTIPOLYGON") {
        b
    } else if let Some(b) = upper.strip_prefix("POLYGON") {
        b
    } else {
        return Err(Invalid(
            "geometrie_wkt must be a POLYGON or MULTIPOLYGON in WKT (EPSG:28992)".into(),
        ));
    };
    let mut depth = 0i32;
    let mut max_depth = 0;
    for ch in body.chars() {
        match ch {
            '(' => {
                depth += 1;
                max_depth = max_depth.max(depth);
            }
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err(Invalid("unbalanced parentheses in geometrie_wkt".into()));
                }
            }
            c if c.is_ascii_digit()
                || c == '.'
                || c == '-'
                || c == ','
                || c == 'E'
                || c == '+'
                || c.is_whitespace() => {}
            c => {
                return Err(Invalid(format!(
                    "unexpected character '{c}' in geometrie_wkt"
                )));
            }
        }
    }
    if depth != 0 || max_depth < 2 {
        return Err(Invalid(
            "unbalanced or missing parentheses in geometrie_wkt".into(),
        ));
    }
    Ok(s.trim().to_string())
}

/// The row rules of one table, with the columns they read looked up once.
pub struct RowRules {
    table: &'static Table,
    /// Whether any rule applies to this table at all.
    active: bool,
    index: Vec<(&'static str, usize)>,
}

impl RowRules {
    pub fn new(table: &'static Table) -> RowRules {
        const READS: &[&str] = &[
            "ingangsdatum",
            "einddatum",
            "datum_aanvang",
            "datum_einde",
            "datum_inschrijving",
            "datum_uitschrijving",
            "status",
            "vbo_id",
            "overlijdensdatum",
            "bsn",
            "partner_bsn",
            "eigenaar_bsn",
            "eigenaar_kvk",
            "rechtsvorm",
            "kvk_nummer",
            "vestigingsnummer",
            "buurtcode",
            "wijkcode",
            "gemeentecode",
            "fiscaal_partner_bsn",
        ];
        let index: Vec<(&'static str, usize)> = READS
            .iter()
            .filter_map(|n| {
                table
                    .columns
                    .iter()
                    .position(|c| c.name == *n)
                    .map(|i| (*n, i))
            })
            .collect();
        let has_period = [
            ("ingangsdatum", "einddatum"),
            ("datum_aanvang", "datum_einde"),
            ("datum_inschrijving", "datum_uitschrijving"),
        ]
        .iter()
        .any(|(a, b)| table.column(a).is_some() && table.column(b).is_some());
        let special = matches!(
            table.name,
            "brp_persoon"
                | "kad_eigendom"
                | "kvk_vestiging"
                | "bag_verblijfsobject"
                | "cbs_buurt"
                | "bd_inkomen"
        );
        RowRules {
            table,
            active: has_period || special,
            index,
        }
    }

    /// Checks one row whose values are in the table's column order.
    pub fn check(&self, values: &[Value]) -> Vec<(&'static str, String)> {
        if !self.active {
            return Vec::new();
        }
        let get = |name: &str| {
            self.index
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, i)| values.get(*i))
        };
        check_row(self.table, &get)
    }
}

/// A rule that spans several fields of one row. Returns `(column, reason)` pairs.
pub fn check_row<'a>(
    table: &Table,
    get: &dyn Fn(&str) -> Option<&'a Value>,
) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    let present = |name: &str| get(name).is_some_and(|v| !v.is_null());
    let text = |name: &str| match get(name) {
        Some(Value::Text(t)) => Some(t.as_str()),
        Some(Value::Code(c)) => Some(*c),
        _ => None,
    };
    // A period must not end before it starts.
    for (start, end) in [
        ("ingangsdatum", "einddatum"),
        ("datum_aanvang", "datum_einde"),
        ("datum_inschrijving", "datum_uitschrijving"),
    ] {
        if let (Some(a), Some(b)) = (get(start), get(end))
            && ends_before(a, b)
        {
            errors.push((
                end,
                format!("{end} lies before {start}: the period is impossible"),
            ));
        }
    }
    match table.name {
        "brp_persoon" => {
            if text("status").is_some_and(|s| s != "ingezetene") && present("vbo_id") {
                errors.push((
                    "vbo_id",
                    "vbo_id must be empty when status is not ingezetene".into(),
                ));
            }
            if text("status").is_some_and(|s| s == "overleden") && !present("overlijdensdatum") {
                errors.push((
                    "overlijdensdatum",
                    "status overleden needs an overlijdensdatum".into(),
                ));
            }
            if let (Some(Value::Bsn(a)), Some(Value::Bsn(b))) = (get("bsn"), get("partner_bsn"))
                && a == b
            {
                errors.push(("partner_bsn", "a person cannot be their own partner".into()));
            }
        }
        "kad_eigendom" if present("eigenaar_bsn") == present("eigenaar_kvk") => {
            errors.push((
                "eigenaar_bsn",
                "give exactly one of eigenaar_bsn and eigenaar_kvk".into(),
            ));
        }
        "kvk_vestiging" => {
            if present("eigenaar_bsn") && text("rechtsvorm").is_some_and(|r| r != "eenmanszaak") {
                errors.push((
                    "eigenaar_bsn",
                    "eigenaar_bsn is only given for an eenmanszaak".into(),
                ));
            }
            if let (Some(k), Some(v)) = (text("kvk_nummer"), text("vestigingsnummer"))
                && k == v
            {
                errors.push((
                    "vestigingsnummer",
                    "vestigingsnummer equals kvk_nummer".into(),
                ));
            }
        }
        "bag_verblijfsobject" | "cbs_buurt" => {
            if let (Some(b), Some(w)) = (text("buurtcode"), text("wijkcode"))
                && b[2..8] != w[2..]
            {
                errors.push((
                    "wijkcode",
                    format!("wijkcode {w} does not contain buurtcode {b}"),
                ));
            }
            if let (Some(b), Some(g)) = (text("buurtcode"), text("gemeentecode"))
                && &b[2..6] != g
            {
                errors.push((
                    "gemeentecode",
                    format!("gemeentecode {g} does not contain buurtcode {b}"),
                ));
            }
        }
        "bd_inkomen" => {
            if let (Some(Value::Bsn(a)), Some(Value::Bsn(b))) =
                (get("bsn"), get("fiscaal_partner_bsn"))
                && a == b
            {
                errors.push((
                    "fiscaal_partner_bsn",
                    "a person cannot be their own fiscal partner".into(),
                ));
            }
        }
        _ => {}
    }
    errors
}

fn ends_before(start: &Value, end: &Value) -> bool {
    match (start, end) {
        (Value::Date(a), Value::Date(b)) => b < a,
        (Value::PartialDate(a), Value::PartialDate(b)) => {
            a.is_complete() && b.is_complete() && b < a
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_and_lists() {
        assert!(parse_value(ColumnType::Gebruiksdoelen, "woonfunctie|winkelfunctie").is_ok());
        assert!(parse_value(ColumnType::Gebruiksdoelen, "woonfunctie|woonfunctie").is_err());
        assert!(parse_value(ColumnType::Gebruiksdoelen, "wonen").is_err());
        assert!(parse_value(ColumnType::Loonheffingennummer, "123456789L01").is_ok());
        assert!(parse_value(ColumnType::Loonheffingennummer, "123456789B01").is_err());
        assert!(parse_value(ColumnType::Aandeel, "1/2").is_ok());
        assert!(parse_value(ColumnType::Aandeel, "3/2").is_err());
        assert!(parse_value(ColumnType::Wkt, "POLYGON((0 0,1 0,1 1,0 0))").is_ok());
        assert!(parse_value(ColumnType::Wkt, "POINT(0 0)").is_err());
        assert!(parse_value(ColumnType::Wkt, "POLYGON((0 0,1 0").is_err());
        assert!(parse_value(ColumnType::Quantity(10.0), "-1").is_err());
        assert!(parse_value(ColumnType::Int(1, 999_999), "-40").is_err());
    }

    proptest! {
        #[test]
        fn no_column_type_panics(s in "\\PC{0,60}") {
            for ty in [
                ColumnType::Gebruiksdoelen, ColumnType::Aandeel, ColumnType::Wkt, ColumnType::Quantity(1e9),
                ColumnType::Int(0, 10), ColumnType::Text(5), ColumnType::Digits(8), ColumnType::SbiCode,
                ColumnType::Loonheffingennummer, ColumnType::Periode, ColumnType::BrpDatum, ColumnType::Datum,
                ColumnType::Buurtcode, ColumnType::Wijkcode, ColumnType::Gemeentecode,
            ] {
                if let Err(e) = parse_value(ty, &s) {
                    prop_assert!(!e.0.is_empty());
                }
            }
        }

        #[test]
        fn quantities_round_trip(n in 0u32..1_000_000, frac in 0u32..100) {
            let s = format!("{n}.{frac:02}");
            match parse_value(ColumnType::Quantity(1e9), &s) {
                Ok(Value::Float(f)) => prop_assert!((f - s.parse::<f64>().unwrap()).abs() < 1e-9),
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }
}
