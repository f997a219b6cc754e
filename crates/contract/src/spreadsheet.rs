//! Text for a cell of a CSV file that people open in a spreadsheet: one rule for every CSV
//! loep writes (signals, rejects reports, exports, linkage results).
//!
//! A value that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a
//! formula (OWASP CSV injection): it gets a leading `'`, so that it stays text. A NUL byte, which
//! spreadsheets and text tools cut a value at, is written as `␀` (U+2400), visibly.

use std::borrow::Cow;

/// `s` as a spreadsheet cell that cannot start a formula and holds no NUL byte.
pub fn formula_safe(s: &str) -> Cow<'_, str> {
    let starts_formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let has_nul = s.contains('\0');
    if !starts_formula && !has_nul {
        return Cow::Borrowed(s);
    }
    let body = if has_nul {
        Cow::Owned(s.replace('\0', "\u{2400}"))
    } else {
        Cow::Borrowed(s)
    };
    if starts_formula {
        Cow::Owned(format!("'{body}"))
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_nul_bytes_show() {
        assert_eq!(formula_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(formula_safe("+31 6"), "'+31 6");
        assert_eq!(formula_safe("-5 punten"), "'-5 punten");
        assert_eq!(formula_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(formula_safe("\t=1"), "'\t=1");
        assert_eq!(formula_safe("\r=1"), "'\r=1");
        assert_eq!(formula_safe("Kerkstraat 12A"), "Kerkstraat 12A");
        assert!(matches!(formula_safe("Kerkstraat 12A"), Cow::Borrowed(_)));
        assert_eq!(formula_safe("a\0b"), "a\u{2400}b");
        assert_eq!(formula_safe("=a\0"), "'=a\u{2400}");
        assert_eq!(formula_safe(""), "");
    }
}
