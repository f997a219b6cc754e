//! The case types as data (`zaaktypen.toml`, after ZGW's Catalogi API): case types with the
//! themes they take signals of and the partners that act on them, status types with the
//! allowed transitions, result types with their archive terms, role types, and the outcomes of
//! a visit.

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

use loep_contract::Thema;

/// The case types as published.
pub const TOML: &str = include_str!("../zaaktypen.toml");

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CaseTypes {
    pub versie: u32,
    #[serde(rename = "statustype")]
    pub statustypen: Vec<Statustype>,
    /// From a status, the statuses it may go to.
    pub overgangen: BTreeMap<String, Vec<String>>,
    #[serde(rename = "resultaattype")]
    pub resultaattypen: Vec<Resultaattype>,
    #[serde(rename = "roltype")]
    pub roltypen: Vec<Roltype>,
    #[serde(rename = "uitkomst")]
    pub uitkomsten: Vec<Uitkomst>,
    #[serde(rename = "zaaktype")]
    pub zaaktypen: Vec<Zaaktype>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Statustype {
    pub code: String,
    pub volgnummer: u32,
    pub omschrijving: String,
    /// What the status means, in plain Dutch (for residents and partners).
    pub statustekst: String,
    /// A closing status: the case gets its einddatum and becomes read-only.
    #[serde(default)]
    pub eind: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Resultaattype {
    pub code: String,
    pub omschrijving: String,
    /// `vernietigen` or `blijvend_bewaren`.
    pub archiefnominatie: String,
    /// ISO 8601 duration after the einddatum: `P3M`, `P2Y`, `P8W`, `P30D`.
    pub archiefactietermijn: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Roltype {
    pub code: String,
    pub omschrijving: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Uitkomst {
    pub code: String,
    pub omschrijving: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Zaaktype {
    pub code: String,
    pub omschrijving: String,
    /// `openbaar` … `geheim` (ZGW's vertrouwelijkheidaanduiding).
    pub vertrouwelijkheidaanduiding: String,
    /// ISO 8601 duration the case should take.
    pub doorlooptijd: String,
    /// The indicator themes whose signals lead to this case type (an unknown theme is refused
    /// when the file is read).
    pub themas: Vec<Thema>,
    /// The partners whose competence the case type touches (who act on it).
    pub behandelaars: Vec<String>,
}

/// ZGW's values of `vertrouwelijkheidaanduiding`.
pub const VERTROUWELIJKHEID: [&str; 8] = [
    "openbaar",
    "beperkt_openbaar",
    "intern",
    "zaakvertrouwelijk",
    "vertrouwelijk",
    "confidentieel",
    "geheim",
    "zeer_geheim",
];

/// The published case types, parsed and checked once.
pub fn case_types() -> &'static CaseTypes {
    static CASE_TYPES: OnceLock<CaseTypes> = OnceLock::new();
    CASE_TYPES.get_or_init(|| match parse(TOML) {
        Ok(c) => c,
        // The file is part of the binary and checked by a unit test; a broken one cannot ship.
        Err(e) => panic!("zaaktypen.toml is invalid: {e:#}"),
    })
}

/// Parses and checks a set of case types.
pub fn parse(text: &str) -> Result<CaseTypes> {
    let c: CaseTypes = toml::from_str(text)?;
    c.check()?;
    Ok(c)
}

/// Days of an ISO 8601 duration of one unit (`P3M`, `P2Y`, `P8W`, `P30D`); months count 30
/// days and years 365, rounded up to whole days at the end.
pub fn duration_days(d: &str) -> Result<i64> {
    let Some(rest) = d.strip_prefix('P') else {
        bail!("'{d}' is geen ISO 8601-duur (P3M, P2Y, P8W, P30D)");
    };
    let Some((at, unit)) = rest.char_indices().last() else {
        bail!("'{d}' is geen ISO 8601-duur (P3M, P2Y, P8W, P30D)");
    };
    let n: i64 = rest[..at]
        .parse()
        .map_err(|_| anyhow::anyhow!("'{d}' is geen ISO 8601-duur (P3M, P2Y, P8W, P30D)"))?;
    Ok(match unit {
        'D' => n,
        'W' => n * 7,
        'M' => n * 30,
        'Y' => n * 365,
        _ => bail!("'{d}' is geen ISO 8601-duur (P3M, P2Y, P8W, P30D)"),
    })
}

impl CaseTypes {
    fn check(&self) -> Result<()> {
        let statuses: Vec<&str> = self.statustypen.iter().map(|s| s.code.as_str()).collect();
        for (from, tos) in &self.overgangen {
            if !statuses.contains(&from.as_str()) {
                bail!("overgangen: onbekende status '{from}'");
            }
            for to in tos {
                if !statuses.contains(&to.as_str()) {
                    bail!("overgangen.{from}: onbekende status '{to}'");
                }
            }
        }
        if self.statustype("nieuw").is_none() {
            bail!("de catalogus heeft een status 'nieuw' nodig (daar begint elke zaak)");
        }
        for r in &self.resultaattypen {
            duration_days(&r.archiefactietermijn)?;
            if !["vernietigen", "blijvend_bewaren"].contains(&r.archiefnominatie.as_str()) {
                bail!(
                    "resultaattype {}: archiefnominatie moet vernietigen of blijvend_bewaren zijn",
                    r.code
                );
            }
        }
        for z in &self.zaaktypen {
            duration_days(&z.doorlooptijd)?;
            if !VERTROUWELIJKHEID.contains(&z.vertrouwelijkheidaanduiding.as_str()) {
                bail!(
                    "zaaktype {}: onbekende vertrouwelijkheidaanduiding '{}'",
                    z.code,
                    z.vertrouwelijkheidaanduiding
                );
            }
            for p in &z.behandelaars {
                if loep_contract::Partner::parse(p).is_err() {
                    bail!("zaaktype {}: onbekende partner '{p}'", z.code);
                }
            }
        }
        Ok(())
    }

    pub fn zaaktype(&self, code: &str) -> Option<&Zaaktype> {
        self.zaaktypen.iter().find(|z| z.code == code)
    }

    pub fn statustype(&self, code: &str) -> Option<&Statustype> {
        self.statustypen.iter().find(|s| s.code == code)
    }

    pub fn resultaattype(&self, code: &str) -> Option<&Resultaattype> {
        self.resultaattypen.iter().find(|s| s.code == code)
    }

    pub fn roltype(&self, code: &str) -> Option<&Roltype> {
        self.roltypen.iter().find(|s| s.code == code)
    }

    pub fn uitkomst(&self, code: &str) -> Option<&Uitkomst> {
        self.uitkomsten.iter().find(|s| s.code == code)
    }

    /// Whether a case may go from `van` to `naar`.
    pub fn mag(&self, van: &str, naar: &str) -> bool {
        self.overgangen
            .get(van)
            .is_some_and(|tos| tos.iter().any(|t| t == naar))
    }

    /// Whether `status` closes a case.
    pub fn is_eind(&self, status: &str) -> bool {
        self.statustype(status).is_some_and(|s| s.eind)
    }

    /// The case type a theme's signals lead to.
    pub fn zaaktype_voor_thema(&self, thema: Thema) -> Option<&Zaaktype> {
        self.zaaktypen.iter().find(|z| z.themas.contains(&thema))
    }

    /// The codes of a list, for a message ("kies uit: …").
    pub fn codes<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
        items.into_iter().collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_case_types_are_valid_and_cover_every_theme() {
        let c = parse(TOML).unwrap();
        for t in Thema::ALL {
            assert!(
                c.zaaktype_voor_thema(t).is_some(),
                "theme {} leads to no case type",
                t.code()
            );
        }
        // Every non-closing status can be left, every closing one only by reopening.
        for s in &c.statustypen {
            let tos = c.overgangen.get(&s.code).cloned().unwrap_or_default();
            assert!(!tos.is_empty(), "status {} is a dead end", s.code);
            if s.eind {
                assert_eq!(tos, vec!["heropend".to_string()], "{}", s.code);
            }
        }
        assert!(c.mag("nieuw", "in_onderzoek"));
        assert!(!c.mag("nieuw", "afgerond"));
        assert!(!c.mag("afgerond", "in_onderzoek"));
    }

    #[test]
    fn broken_case_types_are_refused() {
        let bad = TOML.replace(
            "nieuw = [\"in_onderzoek\", \"geannuleerd\"]",
            "nieuw = [\"bestaat_niet\"]",
        );
        assert!(parse(&bad).is_err());
        let bad = TOML.replace(
            "archiefactietermijn = \"P3M\"",
            "archiefactietermijn = \"3 maanden\"",
        );
        assert!(parse(&bad).is_err());
        let bad = TOML.replace(
            "themas = [\"overbewoning\"]",
            "themas = [\"overbevolking\"]",
        );
        assert!(parse(&bad).is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(duration_days("P3M").unwrap(), 90);
        assert_eq!(duration_days("P2Y").unwrap(), 730);
        assert_eq!(duration_days("P8W").unwrap(), 56);
        assert_eq!(duration_days("P30D").unwrap(), 30);
        assert!(duration_days("3M").is_err());
        assert!(duration_days("P").is_err());
        assert!(duration_days("PXM").is_err());
        assert!(duration_days("P3Q").is_err());
        assert!(duration_days("P3é").is_err());
        assert!(duration_days("Pé").is_err());
    }
}
