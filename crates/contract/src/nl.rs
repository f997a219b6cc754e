//! Values written for Dutch readers: numbers with a decimal comma and a thousands point
//! (`5,50`, `€ 1.508.015`), dates in words (`3 maart 2026`) and moments in Dutch local time
//! (`15-06-2026 12:00:05`, Europe/Amsterdam, no fractions of seconds).
//!
//! Machines keep reading the contract's own forms (ISO dates, RFC 3339 UTC, `.` decimals);
//! these functions are for what people read: explanations, lists, reports.

use chrono::{DateTime, Datelike, NaiveDate};
use chrono_tz::Europe::Amsterdam;

const MAANDEN: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

/// `x` with `decimals` decimals, a decimal comma and a point between thousands:
/// `getal(1508015.0, 0)` is `1.508.015`, `getal(5.5, 2)` is `5,50`.
pub fn getal(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').unwrap_or((s.as_str(), ""));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let zero = s.chars().all(|c| c == '0' || c == '.');
    let sign = if x < 0.0 && !zero { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{frac}")
    }
}

/// A number as a sentence writes it: whole numbers without decimals (`1.508.015`), others
/// with two (`5,50`).
pub fn getal_vrij(x: f64) -> String {
    if x.fract() == 0.0 {
        getal(x, 0)
    } else {
        getal(x, 2)
    }
}

/// An amount in euros: `€ 1.508.015`, `€ 12,50`.
pub fn bedrag(x: f64) -> String {
    format!("€ {}", getal_vrij(x))
}

/// An ISO date (`2026-03-03`) in words (`3 maart 2026`); the BRP's partly unknown dates lose
/// the unknown part (`1970-05-00` is `mei 1970`, `1970-00-00` `1970`, `0000-00-00`
/// `onbekend`). Anything else is returned as it is.
pub fn datum(iso: &str) -> String {
    let t = iso.trim();
    let parts: Vec<&str> = t.get(..10).unwrap_or(t).split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return t.to_string();
    };
    if (y.len(), m.len(), d.len()) != (4, 2, 2) {
        return t.to_string();
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<usize>(), d.parse::<u32>()) else {
        return t.to_string();
    };
    if m > 12 || d > 31 {
        return t.to_string();
    }
    let maand = m.checked_sub(1).and_then(|i| MAANDEN.get(i));
    match (y, maand, d) {
        (0, _, _) => "onbekend".to_string(),
        (y, None, _) => y.to_string(),
        (y, Some(m), 0) => format!("{m} {y}"),
        (y, Some(m), d) => format!("{d} {m} {y}"),
    }
}

/// A month (`2025-03`) in words: `maart 2025`; anything else unchanged.
pub fn maand_jaar(s: &str) -> String {
    match s.trim().split_once('-') {
        Some((y, m)) => match m.parse::<usize>().ok().and_then(|m| m.checked_sub(1)) {
            Some(i) if i < 12 => format!("{} {y}", MAANDEN[i]),
            _ => s.to_string(),
        },
        None => s.to_string(),
    }
}

/// An RFC 3339 moment in Dutch local time, in words and to the minute, as a letter writes it:
/// `15 juni 2026, 12:00`. Text that is not such a moment is returned unchanged.
pub fn tijdstip_in_woorden(rfc3339: &str) -> String {
    match DateTime::parse_from_rfc3339(rfc3339.trim()) {
        Ok(t) => {
            let t = t.with_timezone(&Amsterdam);
            format!(
                "{} {} {}, {}",
                t.day(),
                MAANDEN[t.month0() as usize],
                t.year(),
                t.format("%H:%M")
            )
        }
        Err(_) => rfc3339.to_string(),
    }
}

/// An RFC 3339 moment (as the log and the stores keep them, in UTC) in Dutch local time,
/// to the second: `2026-06-15T10:00:00.123456Z` is `15-06-2026 12:00:00`. Text that is not
/// such a moment is returned unchanged.
pub fn tijdstip(rfc3339: &str) -> String {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t
            .with_timezone(&Amsterdam)
            .format("%d-%m-%Y %H:%M:%S")
            .to_string(),
        Err(_) => rfc3339.to_string(),
    }
}

/// A fact of an explanation, as the sentence should read it: a date in words, a number in
/// Dutch notation (a year, a fact named `jaar`, without a thousands point; a number the
/// engine wrote with decimals keeps two, so `10.00` is `10,00` like its neighbour `8,33`),
/// text unchanged.
pub fn feit(naam: &str, waarde: &str) -> String {
    let w = waarde.trim();
    if w.len() == 10 && NaiveDate::parse_from_str(w, "%Y-%m-%d").is_ok() {
        return datum(w);
    }
    let numeric = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        && w.chars().any(|c| c.is_ascii_digit());
    match w.parse::<f64>() {
        Ok(x) if numeric && x.is_finite() => {
            if naam == "jaar" || naam.ends_with("_jaar") {
                w.to_string()
            } else if w.contains('.') || w.contains(['e', 'E']) {
                getal(x, 2)
            } else {
                getal(x, 0)
            }
        }
        _ => waarde.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_dutch_readers_write_them() {
        assert_eq!(getal(1_508_015.0, 0), "1.508.015");
        assert_eq!(getal(5.5, 2), "5,50");
        assert_eq!(getal(999.0, 0), "999");
        assert_eq!(getal(1000.0, 0), "1.000");
        assert_eq!(getal(-1234.5, 1), "-1.234,5");
        assert_eq!(getal(-0.001, 2), "0,00");
        assert_eq!(getal(0.0, 0), "0");
        assert_eq!(getal_vrij(12.0), "12");
        assert_eq!(getal_vrij(0.333), "0,33");
        assert_eq!(bedrag(1_508_015.0), "€ 1.508.015");
        assert_eq!(bedrag(12.5), "€ 12,50");
    }

    #[test]
    fn dates_and_moments() {
        assert_eq!(datum("2026-03-03"), "3 maart 2026");
        assert_eq!(datum("2026-12-31"), "31 december 2026");
        assert_eq!(datum("31-12-2026"), "31-12-2026");
        assert_eq!(datum("1970-05-00"), "mei 1970");
        assert_eq!(datum("1970-00-00"), "1970");
        assert_eq!(datum("0000-00-00"), "onbekend");
        assert_eq!(datum("2026-13-01"), "2026-13-01");
        assert_eq!(maand_jaar("2025-03"), "maart 2025");
        assert_eq!(maand_jaar("2025-13"), "2025-13");
        assert_eq!(
            tijdstip_in_woorden("2026-06-15T10:00:00.123456Z"),
            "15 juni 2026, 12:00"
        );
        assert_eq!(
            tijdstip_in_woorden("2026-01-15T10:00:00Z"),
            "15 januari 2026, 11:00"
        );
        // Summer time: UTC+2; winter: UTC+1; fractions dropped.
        assert_eq!(
            tijdstip("2026-06-15T10:00:00.123456Z"),
            "15-06-2026 12:00:00"
        );
        assert_eq!(tijdstip("2026-12-01T23:30:00Z"), "02-12-2026 00:30:00");
        assert_eq!(tijdstip("gisteren"), "gisteren");
    }

    #[test]
    fn facts_in_sentences() {
        assert_eq!(feit("oppervlakte", "40"), "40");
        assert_eq!(feit("m2_per_persoon", "5.5"), "5,50");
        assert_eq!(feit("m2_per_persoon", "10.00"), "10,00");
        assert_eq!(feit("inkomen", "1508015"), "1.508.015");
        assert_eq!(feit("jaar", "2025"), "2025");
        assert_eq!(feit("laatste", "2026-03-03"), "3 maart 2026");
        assert_eq!(feit("regeling", "bijstand"), "bijstand");
        assert_eq!(feit("categorie", "e-mail"), "e-mail");
        assert_eq!(feit("postcode", "2011AB"), "2011AB");
        assert_eq!(feit("x", "inf"), "inf");
        assert_eq!(feit("x", "NaN"), "NaN");
    }
}
