//! What the register records: a case, as ZGW's Zaken API names its fields, and everything
//! recorded on it (status history, signals, roles, visits, bevindingen, notes).

use loep_contract::{Datum, Partner};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use crate::case_types::case_types;

/// The address a case is about (ZGW's zaakobject).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Zaakobject {
    /// `verblijfsobject` (IMBAG).
    pub object_type: String,
    /// The 16-digit BAG id.
    pub identificatie: loep_contract::BagId,
    pub buurtcode: Option<String>,
}

/// A case, as ZGW's Zaken API names its fields.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Zaak {
    pub identificatie: String,
    pub uuid: String,
    pub zaaktype: String,
    pub omschrijving: String,
    pub toelichting: String,
    pub registratiedatum: Datum,
    pub startdatum: Datum,
    pub einddatum: Option<Datum>,
    pub vertrouwelijkheidaanduiding: String,
    pub hoofdzaak: Option<String>,
    pub zaakobject: Zaakobject,
    /// The current status (code of a statustype of the case types).
    pub status: String,
    pub resultaat: Option<String>,
    pub resultaat_toelichting: Option<String>,
    pub archiefnominatie: Option<String>,
    pub archiefactiedatum: Option<Datum>,
}

impl Zaak {
    pub fn gesloten(&self) -> bool {
        case_types().is_eind(&self.status)
    }
}

/// One step in a case's status history.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StatusRegel {
    pub volgnr: i64,
    pub statustype: String,
    /// When it was set (RFC 3339), though ZGW names it a date.
    pub datum_status_gezet: String,
    pub statustoelichting: String,
    /// The account that set it.
    pub door: String,
}

/// A signal taken into a case: kept with the case (a copy), whatever the signal retention
/// does to the scan run it came from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ZaakSignaal {
    pub signaal: String,
    pub indicator: String,
    pub thema: String,
    pub uitleg: String,
    pub feiten: BTreeMap<String, String>,
    pub pseudoniemen: Vec<String>,
}

/// A role on a case: an organisation and/or an account, with its own dossier number.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ZaakRol {
    pub id: String,
    pub roltype: String,
    /// The partner organisation holding the role.
    pub organisatie: Option<Partner>,
    pub medewerker: Option<String>,
    /// The partner's own dossier number for the case.
    pub zaakkenmerk: Option<String>,
    pub toegewezen: String,
    pub door: String,
}

/// A house visit: planned, then carried out with its outcomes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Huisbezoek {
    pub volgnr: i64,
    pub gepland: Datum,
    pub team: Vec<String>,
    pub uitgevoerd: Option<Datum>,
    /// Who went, once it was carried out (the plan's team says who was to go).
    #[serde(default)]
    pub aanwezig: Vec<String>,
    pub uitkomsten: Vec<String>,
    pub toelichting: Option<String>,
}

/// Whether the visit confirmed what an indicator said.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Bevinding {
    pub indicator: String,
    pub oordeel: Oordeel,
    pub tijdstip: String,
    pub door: String,
}

/// The verdict of a finding about one indicator after a visit: the one Rust type for the
/// verdicts, as the register stores them (`as_str`) and as people read them (`label`). The
/// schema's CHECK and the hit-rate SQL spell the stored forms too. Serialised (serde) in its
/// stored form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Oordeel {
    Bevestigd,
    NietBevestigd,
    NietVastTeStellen,
}

impl Oordeel {
    pub const ALL: [Oordeel; 3] = [
        Oordeel::Bevestigd,
        Oordeel::NietBevestigd,
        Oordeel::NietVastTeStellen,
    ];

    /// As the register, the API and the CLI write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Oordeel::Bevestigd => "bevestigd",
            Oordeel::NietBevestigd => "niet_bevestigd",
            Oordeel::NietVastTeStellen => "niet_vast_te_stellen",
        }
    }

    /// In words, for pages and letters.
    pub fn label(self) -> &'static str {
        match self {
            Oordeel::Bevestigd => "Bevestigd",
            Oordeel::NietBevestigd => "Niet bevestigd",
            Oordeel::NietVastTeStellen => "Niet vast te stellen",
        }
    }

    pub fn parse(s: &str) -> Option<Oordeel> {
        Oordeel::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// A partner's own note on a case.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Notitie {
    pub volgnr: i64,
    /// The partner organisation of the account that wrote it.
    pub organisatie: Option<Partner>,
    pub door: String,
    pub tijdstip: String,
    pub tekst: String,
}

/// A case with everything recorded on it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ZaakDetail {
    pub zaak: Zaak,
    pub statussen: Vec<StatusRegel>,
    pub signalen: Vec<ZaakSignaal>,
    pub rollen: Vec<ZaakRol>,
    pub huisbezoeken: Vec<Huisbezoek>,
    pub bevindingen: Vec<Bevinding>,
    pub notities: Vec<Notitie>,
    /// Cases with this one as their hoofdzaak.
    pub deelzaken: Vec<String>,
    /// The persons of the case's signals, as pseudonyms.
    pub personen: Vec<String>,
    pub terugmeldingen: Vec<crate::terugmelding::Terugmelding>,
}

impl ZaakDetail {
    /// The indicators that raised the case.
    pub fn indicatoren(&self) -> BTreeSet<String> {
        self.signalen.iter().map(|s| s.indicator.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A verdict is serialised in the form the register stores, and read back from it.
    #[test]
    fn a_verdict_serialises_as_it_is_stored() {
        for o in Oordeel::ALL {
            let json = serde_json::to_string(&o).unwrap();
            assert_eq!(json, format!("\"{}\"", o.as_str()));
            assert_eq!(serde_json::from_str::<Oordeel>(&json).unwrap(), o);
            assert_eq!(Oordeel::parse(o.as_str()), Some(o));
        }
    }
}
