//! The BRP as the Haal Centraal BRP Personen API (version 2) answers it, converted into the
//! contract table `brp_persoon`.
//!
//! # The answer format
//!
//! The reference is the API's published OpenAPI document, `specificatie/resolved/openapi.yaml`
//! of BRP-API/Haal-Centraal-BRP-bevragen (version 2.6.0). `POST /personen` answers a
//! `PersonenQueryResponse`: an object whose `type` names the query
//! (`RaadpleegMetBurgerservicenummer`, `ZoekMetGeslachtsnaamEnGeboortedatum`,
//! `ZoekMetNaamEnGemeenteVanInschrijving`, `ZoekMetPostcodeEnHuisnummer`,
//! `ZoekMetStraatHuisnummerEnGemeenteVanInschrijving`, `ZoekMetNummeraanduidingIdentificatie`,
//! `ZoekMetAdresseerbaarObjectIdentificatie`) and whose `personen` is a list of `Persoon`
//! (for `RaadpleegMetBurgerservicenummer`) or `PersoonBeperkt` (the searches; these carry no
//! `verblijfplaats`, `overlijden` or `partners`). The types below model only the fields this
//! table needs, with the API's names; every other field (nationaliteiten, adressering, …) is
//! skipped unread, so that nothing outside the contract gets in.
//!
//! A file may hold one answer, a JSON array of answers, or answers one after another (JSON
//! Lines or simply concatenated); a bare `{"personen": [...]}` is read as an answer without a
//! type. A UTF-8 byte order mark is skipped. The file is streamed: one person at a time is in
//! memory, also inside one answer with millions of persons.
//!
//! Ask the API for (the `fields` of the query; `opschortingBijhouding` comes unasked):
//! [`FIELDS`].
//!
//! # From a person to a row
//!
//! | column | from |
//! |---|---|
//! | bsn | `burgerservicenummer` |
//! | voornamen, voorvoegsel, geslachtsnaam | `naam.voornamen`, `naam.voorvoegsel`, `naam.geslachtsnaam` |
//! | geboortedatum | `geboorte.datum` |
//! | geslacht | `geslacht.code` (`M`, `V`, `O` = onbekend), as delivered |
//! | overlijdensdatum | `overlijden.datum` |
//! | status | see below |
//! | vbo_id | `verblijfplaats.adresseerbaarObjectIdentificatie` of an `Adres`, only for an ingezetene |
//! | functie_adres | `verblijfplaats.functieAdres.code` of an `Adres` or `Locatie`, only for an ingezetene |
//! | datum_aanvang_adreshouding | `verblijfplaats.datumVan` of an `Adres` or `Locatie`, only for an ingezetene |
//! | partner_bsn | `burgerservicenummer` of the current partner |
//!
//! Dates (`AbstractDatum`, by its `type`): `Datum` gives its `datum` as delivered
//! (`JJJJ-MM-DD`); `JaarMaandDatum` gives `JJJJ-MM-00`, `JaarDatum` `JJJJ-00-00` and
//! `DatumOnbekend` `0000-00-00`, each counted as a [`Reading`] for the delivery report. A year
//! or month outside the API's range (`jaar` 1–9999, `maand` 1–12) is written as text the
//! contract refuses (`jaar 0 maand 7`), so that the row is rejected with the value shown.
//!
//! `status`, in this order:
//! 1. `overleden` when the person has an `overlijden`, or the suspension of the record
//!    (`opschortingBijhouding.reden.code`) is `O` (overlijden). Without an `overlijden.datum`
//!    the overlijdensdatum stays empty and the contract rejects the row ("status overleden
//!    vraagt een overlijdensdatum"): the suspension's date is the date of the suspension, not
//!    of the death, and is not taken for it.
//! 2. Suspension `E` (emigratie): `vow` when the verblijfplaats is `VerblijfplaatsOnbekend`
//!    (the BRP's departure to an unknown country, land 0000), else `emigratie` (without any
//!    verblijfplaats in the answer the two cannot be told apart: `emigratie`, counted as
//!    [`Reading::NoVerblijfplaats`]).
//! 3. Suspension `R` (the record was made in the RNI: a non-resident): `emigratie`, counted as
//!    [`Reading::RniAsEmigratie`]; the contract has no status for a non-resident.
//! 4. Any other suspension (`M` ministerieel besluit, `F` fout, `.` onbekend, an unknown code,
//!    or none given): the status is written as `opschorting M (ministerieel besluit)` and so
//!    on, which the contract rejects, so that the row is visible in the rejects report.
//! 5. Without a suspension the record is kept by a municipality: `emigratie` for a
//!    `VerblijfplaatsBuitenland`, else `ingezetene` (for a `VerblijfplaatsOnbekend` without
//!    suspension, an address unknown within the municipality, counted as
//!    [`Reading::UnknownAddressResident`]; without any verblijfplaats in the answer, counted as
//!    [`Reading::NoVerblijfplaats`]).
//!
//! Only an ingezetene has an address in the table (the contract: vbo_id is empty when the
//! status is not ingezetene). The answer for a deceased person still holds the last address;
//! it is not taken over and counted as [`Reading::AddressOfNonResident`]. An
//! `adresseerbaarObjectIdentificatie` of a ligplaats or standplaats (object type `02`, `03`)
//! is no verblijfsobject: vbo_id stays empty, counted as [`Reading::NotAVerblijfsobject`]. Any
//! other identification is written as delivered, for the contract to check.
//!
//! The current partner is a partner without `ontbindingHuwelijkPartnerschap`; with several,
//! the lowest BSN (as text) is taken and counted as [`Reading::SeveralCurrentPartners`]. A
//! person the file holds twice is written twice: the contract's duplicate key check rejects
//! the second. A field that is absent stays empty; no value is made up.
//!
//! # A person that does not fit
//!
//! A person that is not an object, or whose fields do not fit the API's types (a text where
//! a number belongs, a verblijfplaats or date of an unknown `type`, a missing required field of
//! a date), neither refuses the file nor disappears: its row is written with only the BSN
//! (when it is a text) and the status `onleesbaar: <field>` (for example
//! `onleesbaar: verblijfplaats.type`), which the contract rejects, so that the row is in the
//! rejects report; and [`Counts`] counts it, listing the first [`MAX_LISTED_PROBLEMS`] with the
//! answer, the person, the line of the file, the CSV row and a Dutch reason that names the
//! field and never the value.
//!
//! # A file that is refused
//!
//! What is not JSON, an answer without `personen`, `personen` that is not a list, an empty
//! file, or JSON that is no answer at all refuses the file: the error is a [`SourceError`] with
//! the file name, the line, and a Dutch message that says what is wrong (with the column where
//! the JSON parser gives one) and what the partner should do. Its codes: `geen_json`,
//! `afgebroken` (the file ends inside the JSON), `geen_antwoord`, `geen_personen`,
//! `personen_geen_lijst`, `leeg_bestand`, `leesfout`, `onleesbaar`, `geen_gewoon_bestand`.
//! What was written to `out` before an error is incomplete and must be discarded: a delivery
//! loads completely or not at all.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::rc::Rc;

use anyhow::{Context, Result, anyhow};
use loep_contract::{Column, Table, shorten};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

use crate::source::{SourceError, shown_name};

/// The contract table this module writes.
pub const TABLE: &str = "brp_persoon";

/// The `fields` to ask the API for: what [`brp_persoon_csv`] reads, and nothing else.
/// `opschortingBijhouding` is delivered without being asked (and may not be asked for).
pub const FIELDS: &[&str] = &[
    "burgerservicenummer",
    "naam.voornamen",
    "naam.voorvoegsel",
    "naam.geslachtsnaam",
    "geboorte.datum",
    "geslacht",
    "overlijden.datum",
    "verblijfplaats.type",
    "verblijfplaats.adresseerbaarObjectIdentificatie",
    "verblijfplaats.functieAdres",
    "verblijfplaats.datumVan",
    "partners.burgerservicenummer",
    "partners.ontbindingHuwelijkPartnerschap",
];

/// How many persons that did not fit [`Counts`] lists (the rest are only counted).
pub const MAX_LISTED_PROBLEMS: usize = 20;

/// How many persons one answer of [`AnswerWriter`] holds by default: the most one
/// `RaadpleegMetBurgerservicenummer` query may ask for.
pub const PERSONS_PER_ANSWER: usize = 20;

/// How many distinct answer types [`Counts::answer_types`] keeps apart; more are counted
/// together under [`OTHER_TYPE`], so that a hostile file cannot grow the counts.
const MAX_ANSWER_TYPES: usize = 16;
/// The answer type of an answer without `type`.
pub const NO_TYPE: &str = "(zonder type)";
/// Answer types beyond the first 16 that [`Counts::answer_types`] keeps apart.
pub const OTHER_TYPE: &str = "(ander type)";

// ---------------------------------------------------------------------------------------------
// The answer, as the OpenAPI document names it (only what the table needs).
// ---------------------------------------------------------------------------------------------

/// One answer (`PersonenQueryResponse`). The reader streams answers and never builds this
/// type; it is here to write fixtures and to document the format.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Antwoord {
    /// The query: `RaadpleegMetBurgerservicenummer`,
    /// `ZoekMetAdresseerbaarObjectIdentificatie`, ….
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    #[serde(default)]
    pub personen: Vec<Persoon>,
}

/// A person (`Persoon`, or `PersoonBeperkt` for the searches).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Persoon {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burgerservicenummer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub naam: Option<Naam>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geboorte: Option<Geboorte>,
    /// `Waardetabel` with code `M`, `V` or `O` (onbekend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geslacht: Option<Waardetabel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlijden: Option<Overlijden>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verblijfplaats: Option<Verblijfplaats>,
    /// The current partner, or the last dissolved one (the API delivers no older partners).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partners: Option<Vec<Partner>>,
    /// Present when the BRP no longer keeps the record up to date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opschorting_bijhouding: Option<OpschortingBijhouding>,
}

/// `NaamPersoon` (the name parts the contract holds).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Naam {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voornamen: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voorvoegsel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geslachtsnaam: Option<String>,
}

/// `Geboorte` (land and plaats are deliberately not read).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Geboorte {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datum: Option<AbstractDatum>,
}

/// `Overlijden`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Overlijden {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datum: Option<AbstractDatum>,
}

/// `Waardetabel`: a code from a national table with its description.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Waardetabel {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omschrijving: Option<String>,
}

/// `OpschortingBijhouding`: `reden.code` is `O` overlijden, `E` emigratie, `M` ministerieel
/// besluit, `R` (the record was made in the RNI), `F` fout, `.` onbekend.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OpschortingBijhouding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reden: Option<Waardetabel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datum: Option<AbstractDatum>,
}

/// `Partner`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Partner {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burgerservicenummer: Option<String>,
    /// Present when the marriage or partnership has been dissolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ontbinding_huwelijk_partnerschap: Option<OntbindingHuwelijkPartnerschap>,
}

/// `OntbindingHuwelijkPartnerschap`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OntbindingHuwelijkPartnerschap {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datum: Option<AbstractDatum>,
}

/// `AbstractDatum`, by its `type`. `langFormaat` (the date in words) is required by the API
/// but not read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum AbstractDatum {
    /// `VolledigeDatum`, type `Datum`: `datum` is `JJJJ-MM-DD`.
    #[serde(rename = "Datum", rename_all = "camelCase")]
    VolledigeDatum {
        datum: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lang_formaat: Option<String>,
    },
    /// The day is unknown.
    #[serde(rename_all = "camelCase")]
    JaarMaandDatum {
        jaar: i64,
        maand: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lang_formaat: Option<String>,
    },
    /// Month and day are unknown.
    #[serde(rename_all = "camelCase")]
    JaarDatum {
        jaar: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lang_formaat: Option<String>,
    },
    /// Wholly unknown.
    #[serde(rename_all = "camelCase")]
    DatumOnbekend {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        onbekend: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lang_formaat: Option<String>,
    },
}

/// `AbstractVerblijfplaats`, by its `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Verblijfplaats {
    /// An address in the BAG.
    Adres(Adres),
    /// Abroad (land is not read).
    VerblijfplaatsBuitenland(VerblijfplaatsBuitenland),
    /// No address, or departed to an unknown country (land 0000).
    VerblijfplaatsOnbekend(VerblijfplaatsOnbekend),
    /// A place described in words (a houseboat without a BAG address, …).
    Locatie(Locatie),
}

/// `Adres` (the address in words is not read: the contract links by `vbo_id`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Adres {
    /// 16 digits: a verblijfsobject, ligplaats or standplaats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adresseerbaar_object_identificatie: Option<String>,
    /// Code `W` woonadres or `B` briefadres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub functie_adres: Option<Waardetabel>,
    /// The date of the declaration (aangifte) of the address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datum_van: Option<AbstractDatum>,
}

/// `VerblijfplaatsBuitenland`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerblijfplaatsBuitenland {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datum_van: Option<AbstractDatum>,
}

/// `VerblijfplaatsOnbekend`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerblijfplaatsOnbekend {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datum_van: Option<AbstractDatum>,
}

/// `Locatie`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Locatie {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub functie_adres: Option<Waardetabel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datum_van: Option<AbstractDatum>,
}

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

impl AbstractDatum {
    /// The contract's text of this date (a `BrpDatum`), and the notation it was read from
    /// when that is not the API's plain `Datum`.
    pub fn contract_text(&self) -> (String, Option<Reading>) {
        let year_ok = |j: i64| (1..=9999).contains(&j);
        let month_ok = |m: i64| (1..=12).contains(&m);
        match self {
            AbstractDatum::VolledigeDatum { datum, .. } => (datum.clone(), None),
            AbstractDatum::JaarMaandDatum { jaar, maand, .. } => {
                if year_ok(*jaar) && month_ok(*maand) {
                    (
                        format!("{jaar:04}-{maand:02}-00"),
                        Some(Reading::JaarMaandDatum),
                    )
                } else {
                    (format!("jaar {jaar} maand {maand}"), None)
                }
            }
            AbstractDatum::JaarDatum { jaar, .. } => {
                if year_ok(*jaar) {
                    (format!("{jaar:04}-00-00"), Some(Reading::JaarDatum))
                } else {
                    (format!("jaar {jaar}"), None)
                }
            }
            AbstractDatum::DatumOnbekend { .. } => {
                ("0000-00-00".to_string(), Some(Reading::DatumOnbekend))
            }
        }
    }

    /// The API's form of a contract date text: `JJJJ-MM-DD` a `Datum`, `JJJJ-MM-00` a
    /// `JaarMaandDatum`, `JJJJ-00-00` a `JaarDatum`, `0000-00-00` a `DatumOnbekend`, each with
    /// its `langFormaat`. Text that is no valid contract date becomes a `Datum` with that text,
    /// so that it reaches the contract's check unchanged. `None` for an empty text.
    pub fn from_contract_text(s: &str) -> Option<AbstractDatum> {
        if s.is_empty() {
            return None;
        }
        let plain = || AbstractDatum::VolledigeDatum {
            datum: s.to_string(),
            lang_formaat: None,
        };
        let dashed = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
        let Ok(d) = loep_contract::Datum::parse_partial(s) else {
            return Some(plain());
        };
        if !dashed {
            return Some(plain());
        }
        let month = usize::try_from(d.month)
            .ok()
            .and_then(|m| m.checked_sub(1))
            .and_then(|m| MAANDEN.get(m));
        Some(match (d.year, month, d.day) {
            (0, _, _) => AbstractDatum::DatumOnbekend {
                onbekend: Some(true),
                lang_formaat: Some("onbekend".to_string()),
            },
            (y, None, _) => AbstractDatum::JaarDatum {
                jaar: i64::from(y),
                lang_formaat: Some(y.to_string()),
            },
            (y, Some(m), 0) => AbstractDatum::JaarMaandDatum {
                jaar: i64::from(y),
                maand: i64::from(d.month),
                lang_formaat: Some(format!("{m} {y}")),
            },
            (y, Some(m), day) => AbstractDatum::VolledigeDatum {
                datum: s.to_string(),
                lang_formaat: Some(format!("{day} {m} {y}")),
            },
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The contract row.
// ---------------------------------------------------------------------------------------------

/// One row of `brp_persoon` as contract text (an empty text is a missing value).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrpPersoonRow {
    pub bsn: String,
    pub voornamen: String,
    pub voorvoegsel: String,
    pub geslachtsnaam: String,
    pub geboortedatum: String,
    pub geslacht: String,
    pub overlijdensdatum: String,
    pub status: String,
    pub vbo_id: String,
    pub functie_adres: String,
    pub datum_aanvang_adreshouding: String,
    pub partner_bsn: String,
}

impl BrpPersoonRow {
    /// The value of a contract column; `None` for a column the table does not have.
    pub fn get(&self, column: &str) -> Option<&str> {
        Some(match column {
            "bsn" => &self.bsn,
            "voornamen" => &self.voornamen,
            "voorvoegsel" => &self.voorvoegsel,
            "geslachtsnaam" => &self.geslachtsnaam,
            "geboortedatum" => &self.geboortedatum,
            "geslacht" => &self.geslacht,
            "overlijdensdatum" => &self.overlijdensdatum,
            "status" => &self.status,
            "vbo_id" => &self.vbo_id,
            "functie_adres" => &self.functie_adres,
            "datum_aanvang_adreshouding" => &self.datum_aanvang_adreshouding,
            "partner_bsn" => &self.partner_bsn,
            _ => return None,
        })
    }

    fn get_mut(&mut self, column: &str) -> Option<&mut String> {
        Some(match column {
            "bsn" => &mut self.bsn,
            "voornamen" => &mut self.voornamen,
            "voorvoegsel" => &mut self.voorvoegsel,
            "geslachtsnaam" => &mut self.geslachtsnaam,
            "geboortedatum" => &mut self.geboortedatum,
            "geslacht" => &mut self.geslacht,
            "overlijdensdatum" => &mut self.overlijdensdatum,
            "status" => &mut self.status,
            "vbo_id" => &mut self.vbo_id,
            "functie_adres" => &mut self.functie_adres,
            "datum_aanvang_adreshouding" => &mut self.datum_aanvang_adreshouding,
            "partner_bsn" => &mut self.partner_bsn,
            _ => return None,
        })
    }

    /// A row from its fields in the contract's column order (as a CSV record of the table
    /// has them); `None` when the number of fields is not the table's.
    pub fn from_contract_order<S: AsRef<str>>(fields: &[S]) -> Option<BrpPersoonRow> {
        let columns = columns().ok()?;
        if fields.len() != columns.len() {
            return None;
        }
        let mut row = BrpPersoonRow::default();
        for (c, v) in columns.iter().zip(fields) {
            *row.get_mut(c.name)? = v.as_ref().to_string();
        }
        Some(row)
    }

    /// The fields in the contract's column order.
    pub fn to_contract_order(&self) -> Vec<&str> {
        columns()
            .map(|cols| {
                cols.iter()
                    .map(|c| self.get(c.name).unwrap_or(""))
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn columns() -> Result<&'static [Column]> {
    Table::by_name(TABLE)
        .map(|t| t.columns)
        .ok_or_else(|| anyhow!("het contract kent de tabel {TABLE} niet"))
}

// ---------------------------------------------------------------------------------------------
// What the conversion counts.
// ---------------------------------------------------------------------------------------------

/// A value read in another notation or by a rule the delivery report should list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reading {
    /// A `JaarMaandDatum` (day unknown) written as `JJJJ-MM-00`.
    JaarMaandDatum,
    /// A `JaarDatum` (month and day unknown) written as `JJJJ-00-00`.
    JaarDatum,
    /// A `DatumOnbekend` written as `0000-00-00`.
    DatumOnbekend,
    /// Suspension `R` (a record in the RNI: a non-resident) written as status `emigratie`.
    RniAsEmigratie,
    /// A `VerblijfplaatsOnbekend` without suspension: still registered in a municipality with
    /// an unknown address; status `ingezetene` without vbo_id.
    UnknownAddressResident,
    /// No verblijfplaats in the answer: the status follows from the suspension alone.
    NoVerblijfplaats,
    /// The adresseerbaar object is a ligplaats or standplaats, no verblijfsobject: vbo_id is
    /// left empty.
    NotAVerblijfsobject,
    /// The (last) address of a person who is not an ingezetene is not taken over.
    AddressOfNonResident,
    /// Several current partners: the lowest BSN is taken.
    SeveralCurrentPartners,
}

impl Reading {
    /// What the delivery report says of it, in Dutch.
    pub fn label(self) -> &'static str {
        match self {
            Reading::JaarMaandDatum => "JaarMaandDatum (dag onbekend) gelezen als JJJJ-MM-00",
            Reading::JaarDatum => "JaarDatum (maand en dag onbekend) gelezen als JJJJ-00-00",
            Reading::DatumOnbekend => "DatumOnbekend gelezen als 0000-00-00",
            Reading::RniAsEmigratie => {
                "opschorting R (ingeschreven in de RNI, niet-ingezetene) gelezen als status emigratie"
            }
            Reading::UnknownAddressResident => {
                "VerblijfplaatsOnbekend zonder opschorting: ingezetene met onbekend adres, vbo_id leeg"
            }
            Reading::NoVerblijfplaats => {
                "geen verblijfplaats in het antwoord: status alleen uit de opschorting afgeleid (vraag verblijfplaats op)"
            }
            Reading::NotAVerblijfsobject => {
                "adresseerbaar object is een ligplaats of standplaats, geen verblijfsobject: vbo_id leeg"
            }
            Reading::AddressOfNonResident => {
                "(laatste) adres van iemand die geen ingezetene is niet overgenomen"
            }
            Reading::SeveralCurrentPartners => {
                "meer dan één actuele partner: de partner met het laagste BSN genomen"
            }
        }
    }
}

/// A person that did not fit the API's types, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonProblem {
    /// The answer in the file, from 1.
    pub answer: u64,
    /// The person in its answer, from 1.
    pub person: u64,
    /// The line of the file where the person starts.
    pub line: u64,
    /// The row of the CSV written (from 1, after the header) that carries it.
    pub row: u64,
    /// The field that did not fit, as a path (`verblijfplaats.datumVan`; `.` the person
    /// itself).
    pub field: String,
    /// Why, in Dutch, without the value.
    pub reason: String,
}

impl fmt::Display for PersonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = if self.field == "." {
            "de persoon".to_string()
        } else {
            format!("veld {}", self.field)
        };
        write!(
            f,
            "antwoord {}, persoon {} (regel {}, CSV-rij {}): {field}: {}",
            self.answer, self.person, self.line, self.row, self.reason
        )
    }
}

/// What one conversion read and wrote. Every person read is written: `rows == persons`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Answers (objects with `personen`) read.
    pub answers: u64,
    /// Answers per `type` ([`NO_TYPE`] without one, [`OTHER_TYPE`] beyond the first 16 types).
    pub answer_types: BTreeMap<String, u64>,
    /// Persons read.
    pub persons: u64,
    /// Rows written (without the header).
    pub rows: u64,
    /// Persons that did not fit the API's types (their rows carry `onleesbaar: …`).
    pub problems: u64,
    /// The first [`MAX_LISTED_PROBLEMS`] of them.
    pub first_problems: Vec<PersonProblem>,
    /// Values read in another notation or by a rule, per column.
    pub readings: BTreeMap<(&'static str, Reading), u64>,
}

impl Counts {
    /// How often `reading` was applied in `column`.
    pub fn reading(&self, column: &str, reading: Reading) -> u64 {
        self.readings
            .iter()
            .filter(|((c, r), _)| *c == column && *r == reading)
            .map(|(_, n)| *n)
            .sum()
    }

    /// Whether every person read was written.
    pub fn reconciles(&self) -> bool {
        self.rows == self.persons
    }

    /// Lines for the delivery report, in Dutch.
    pub fn report_lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "{} antwoorden van de BRP API gelezen met {} personen; {} rijen voor de personentabel van de BRP geschreven",
            self.answers, self.persons, self.rows
        )];
        for (t, n) in &self.answer_types {
            lines.push(format!("  {n}× antwoord van type {t}"));
        }
        for ((column, reading), n) in &self.readings {
            lines.push(format!("  {column}: {n}× {}", reading.label()));
        }
        if self.problems > 0 {
            lines.push(format!(
                "{} personen passen niet in het antwoordformaat van de BRP API; hun rijen worden afgewezen (status onleesbaar){}",
                self.problems,
                if self.problems > self.first_problems.len() as u64 {
                    format!(", de eerste {}:", self.first_problems.len())
                } else {
                    ":".to_string()
                }
            ));
            for p in &self.first_problems {
                lines.push(format!("  {p}"));
            }
        }
        lines
    }

    fn read(&mut self, column: &'static str, reading: Reading) {
        *self.readings.entry((column, reading)).or_default() += 1;
    }

    fn answer_type(&mut self, t: Option<String>) {
        let t = t.map_or_else(|| NO_TYPE.to_string(), |t| shorten(&t, 60));
        if self.answer_types.contains_key(&t) || self.answer_types.len() < MAX_ANSWER_TYPES {
            *self.answer_types.entry(t).or_default() += 1;
        } else {
            *self.answer_types.entry(OTHER_TYPE.to_string()).or_default() += 1;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// From a person to a row.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Status {
    Ingezetene,
    Vow,
    Emigratie,
    Overleden,
    /// Not a contract status: the text the row carries so that the contract rejects it.
    Other(String),
}

impl Status {
    fn into_text(self) -> String {
        match self {
            Status::Ingezetene => "ingezetene".into(),
            Status::Vow => "vow".into(),
            Status::Emigratie => "emigratie".into(),
            Status::Overleden => "overleden".into(),
            Status::Other(s) => s,
        }
    }
}

/// The status of a suspension this module does not map.
fn suspended(code: &str) -> String {
    match code {
        "M" => "opschorting M (ministerieel besluit)".into(),
        "F" => "opschorting F (fout)".into(),
        "." => "opschorting . (onbekend)".into(),
        "" => "opschorting zonder reden".into(),
        other => format!("opschorting {}", shorten(other, 20)),
    }
}

fn status_of(p: &Persoon, counts: &mut Counts) -> Status {
    let reden = p.opschorting_bijhouding.as_ref().map(|o| {
        o.reden
            .as_ref()
            .and_then(|r| r.code.as_deref())
            .unwrap_or("")
    });
    if p.overlijden.is_some() || reden == Some("O") {
        return Status::Overleden;
    }
    match (reden, &p.verblijfplaats) {
        (Some("E"), Some(Verblijfplaats::VerblijfplaatsOnbekend(_))) => Status::Vow,
        (Some("E"), v) => {
            if v.is_none() {
                counts.read("status", Reading::NoVerblijfplaats);
            }
            Status::Emigratie
        }
        (Some("R"), _) => {
            counts.read("status", Reading::RniAsEmigratie);
            Status::Emigratie
        }
        (Some(code), _) => Status::Other(suspended(code)),
        (None, Some(Verblijfplaats::VerblijfplaatsBuitenland(_))) => Status::Emigratie,
        (None, Some(Verblijfplaats::VerblijfplaatsOnbekend(_))) => {
            counts.read("status", Reading::UnknownAddressResident);
            Status::Ingezetene
        }
        (None, Some(Verblijfplaats::Adres(_) | Verblijfplaats::Locatie(_))) => Status::Ingezetene,
        (None, None) => {
            counts.read("status", Reading::NoVerblijfplaats);
            Status::Ingezetene
        }
    }
}

fn date_text(counts: &mut Counts, column: &'static str, d: Option<&AbstractDatum>) -> String {
    let Some(d) = d else {
        return String::new();
    };
    let (text, reading) = d.contract_text();
    if let Some(r) = reading {
        counts.read(column, r);
    }
    text
}

fn code_of(w: Option<&Waardetabel>) -> String {
    w.and_then(|w| w.code.clone()).unwrap_or_default()
}

/// A 16-digit id of a ligplaats (`02`) or standplaats (`03`).
fn is_ligplaats_or_standplaats(id: &str) -> bool {
    id.len() == 16
        && id.bytes().all(|b| b.is_ascii_digit())
        && matches!(id.get(4..6), Some("02" | "03"))
}

/// The row of a person that fits the API's types (see the module documentation).
pub fn row_of(p: &Persoon, counts: &mut Counts) -> BrpPersoonRow {
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let mut row = BrpPersoonRow {
        bsn: text(&p.burgerservicenummer),
        ..BrpPersoonRow::default()
    };
    if let Some(n) = &p.naam {
        row.voornamen = text(&n.voornamen);
        row.voorvoegsel = text(&n.voorvoegsel);
        row.geslachtsnaam = text(&n.geslachtsnaam);
    }
    row.geboortedatum = date_text(
        counts,
        "geboortedatum",
        p.geboorte.as_ref().and_then(|g| g.datum.as_ref()),
    );
    row.geslacht = code_of(p.geslacht.as_ref());
    row.overlijdensdatum = date_text(
        counts,
        "overlijdensdatum",
        p.overlijden.as_ref().and_then(|o| o.datum.as_ref()),
    );
    let status = status_of(p, counts);
    match (&status, &p.verblijfplaats) {
        (Status::Ingezetene, Some(Verblijfplaats::Adres(a))) => {
            row.vbo_id = match &a.adresseerbaar_object_identificatie {
                Some(id) if is_ligplaats_or_standplaats(id) => {
                    counts.read("vbo_id", Reading::NotAVerblijfsobject);
                    String::new()
                }
                id => text(id),
            };
            row.functie_adres = code_of(a.functie_adres.as_ref());
            row.datum_aanvang_adreshouding =
                date_text(counts, "datum_aanvang_adreshouding", a.datum_van.as_ref());
        }
        (Status::Ingezetene, Some(Verblijfplaats::Locatie(l))) => {
            row.functie_adres = code_of(l.functie_adres.as_ref());
            row.datum_aanvang_adreshouding =
                date_text(counts, "datum_aanvang_adreshouding", l.datum_van.as_ref());
        }
        (_, Some(Verblijfplaats::Adres(_) | Verblijfplaats::Locatie(_))) => {
            counts.read("vbo_id", Reading::AddressOfNonResident);
        }
        _ => {}
    }
    row.status = status.into_text();
    let mut current: Vec<&str> = p
        .partners
        .iter()
        .flatten()
        .filter(|x| x.ontbinding_huwelijk_partnerschap.is_none())
        .filter_map(|x| x.burgerservicenummer.as_deref())
        .filter(|b| !b.is_empty())
        .collect();
    current.sort_unstable();
    current.dedup();
    if current.len() > 1 {
        counts.read("partner_bsn", Reading::SeveralCurrentPartners);
    }
    row.partner_bsn = current.first().map(|b| b.to_string()).unwrap_or_default();
    row
}

/// The row of a person that does not fit: the BSN when it is a text, and a status the contract
/// rejects that names the field.
fn unreadable_row(raw: &str, field: &str) -> BrpPersoonRow {
    #[derive(Deserialize)]
    struct BsnOnly {
        burgerservicenummer: Option<String>,
    }
    BrpPersoonRow {
        bsn: serde_json::from_str::<BsnOnly>(raw)
            .ok()
            .and_then(|b| b.burgerservicenummer)
            .unwrap_or_default(),
        status: format!(
            "onleesbaar: {}",
            if field == "." {
                "persoon".to_string()
            } else {
                shorten(field, 60)
            }
        ),
        ..BrpPersoonRow::default()
    }
}

/// Serde's message without the position serde_json appends.
fn bare_message(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    }
}

/// What kind of JSON value serde's "unexpected" part names, in Dutch (never the value).
fn kind_nl(unexpected: &str) -> &'static str {
    let u = unexpected.trim_start();
    if u.starts_with("string") || u.starts_with("char") {
        "een tekst"
    } else if u.starts_with("integer") {
        "een geheel getal"
    } else if u.starts_with("floating point") {
        "een kommagetal"
    } else if u.starts_with("boolean") {
        "true of false"
    } else if u.starts_with("null") || u.starts_with("unit") {
        "null"
    } else if u.starts_with("map") {
        "een object"
    } else if u.starts_with("sequence") {
        "een lijst"
    } else {
        "een andere waarde"
    }
}

/// What serde expected, in Dutch.
fn expected_nl(expected: &str) -> &'static str {
    let e = expected.trim();
    let integer = ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"].contains(&e);
    if e.starts_with("internally tagged enum") {
        "een object met een type"
    } else if e.contains("string") {
        "een tekst"
    } else if integer || e.contains("integer") {
        "een geheel getal"
    } else if e.starts_with("struct") || e.contains("map") {
        "een object"
    } else if e.contains("sequence") {
        "een lijst"
    } else if e.contains("bool") {
        "true of false"
    } else {
        "een andere waarde"
    }
}

/// The field and the Dutch reason of a person that does not fit.
fn describe(e: &serde_path_to_error::Error<serde_json::Error>) -> (String, String) {
    let field = e.path().to_string();
    let msg = bare_message(e.inner());
    let reason = if let Some(rest) = msg.strip_prefix("invalid type: ") {
        let (unexpected, expected) = rest.rsplit_once(", expected ").unwrap_or((rest, ""));
        format!(
            "{} waar {} hoort",
            kind_nl(unexpected),
            expected_nl(expected)
        )
    } else if let Some(rest) = msg.strip_prefix("unknown variant `") {
        let (name, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let known = tail
            .strip_prefix(", expected one of ")
            .or_else(|| tail.strip_prefix(", expected "))
            .unwrap_or("")
            .replace('`', "");
        format!(
            "onbekend type '{}'; de BRP API kent hier {}",
            shorten(name, 40),
            if known.is_empty() { "andere" } else { &known }
        )
    } else if let Some(rest) = msg.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        format!("het verplichte veld '{}' ontbreekt", shorten(name, 40))
    } else if msg.starts_with("invalid value") {
        "ongeldige waarde".to_string()
    } else if msg.starts_with("invalid length") {
        "verkeerd aantal elementen".to_string()
    } else {
        "past niet in het antwoordformaat van de BRP API".to_string()
    };
    (field, reason)
}

// ---------------------------------------------------------------------------------------------
// The streaming reader.
// ---------------------------------------------------------------------------------------------

/// Reads a file of Haal Centraal BRP Personen answers and writes the contract CSV of table
/// `brp_persoon` (header + one row per person, contract column order) to `out`, streaming.
///
/// A symlink, hard link or anything but a regular file is refused unread, as for any
/// delivered file. On an error, what was written to `out` is incomplete: discard it.
pub fn brp_persoon_csv(path: &Path, out: &mut dyn Write) -> Result<Counts> {
    let name = path
        .file_name()
        .map(|n| shown_name(&n.to_string_lossy()))
        .unwrap_or_default();
    // As `TableSource::open`: not followed, not read, and the file opened is the one checked.
    let (file, _) = crate::source::open_plain(path)?;
    brp_persoon_csv_from(&name, &mut BufReader::with_capacity(1 << 16, file), out)
}

/// [`brp_persoon_csv`] from any input; `bestand` is the name used in messages.
pub fn brp_persoon_csv_from(
    bestand: &str,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<Counts> {
    let columns = columns()?;
    if let Ok(buf) = input.fill_buf()
        && buf.starts_with(b"\xEF\xBB\xBF")
    {
        input.consume(3);
    }
    let lines = Rc::new(Cell::new(0u64));
    let mut run = Run {
        out: csv::Writer::from_writer(out),
        columns,
        counts: Counts::default(),
        lines: Rc::clone(&lines),
        abort: None,
        answer: 0,
        person_in_answer: 0,
        entered_personen: false,
        personen_not_a_list: None,
    };
    run.out
        .write_record(columns.iter().map(|c| c.name))
        .map_err(|e| write_failed(bestand, &e))?;
    let mut de = serde_json::Deserializer::from_reader(LineCount {
        inner: input,
        lines,
    });
    let mut values = 0u64;
    loop {
        // `end` looks past whitespace: Ok at the end of the input, an error when more follows
        // (the byte it saw stays for the next value) or when reading fails.
        match de.end() {
            Ok(()) => break,
            Err(e) if e.is_io() => return Err(run.failure(bestand, e)),
            Err(_) => {}
        }
        values += 1;
        if let Err(e) = (TopSeed { run: &mut run }).deserialize(&mut de) {
            return Err(run.failure(bestand, e));
        }
    }
    if values == 0 {
        return Err(anyhow!(SourceError {
            bestand: bestand.to_string(),
            regel: None,
            code: "leeg_bestand",
            melding: format!("het bestand is leeg. {WHAT_TO_DELIVER}"),
        }));
    }
    run.out.flush().map_err(|e| write_failed(bestand, &e))?;
    Ok(run.counts)
}

/// What a partner should deliver, for the end of a refusal.
const WHAT_TO_DELIVER: &str = "Lever de antwoorden van de BRP API Personen (Haal Centraal, versie 2) zoals de API ze geeft, als JSON: één antwoord, een lijst van antwoorden, of antwoorden na elkaar (één per regel), elk met de lijst 'personen'";

fn write_failed(bestand: &str, e: &dyn fmt::Display) -> anyhow::Error {
    anyhow!("de tabel {TABLE} uit {bestand} kan niet worden geschreven: {e}")
}

/// Counts the line ends that pass, so that a person's line is known while the JSON streams.
struct LineCount<R> {
    inner: R,
    lines: Rc<Cell<u64>>,
}

impl<R: Read> Read for LineCount<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let ends = buf
            .get(..n)
            .map_or(0, |b| memchr::memchr_iter(b'\n', b).count());
        if ends > 0 {
            self.lines.set(self.lines.get() + ends as u64);
        }
        Ok(n)
    }
}

/// Why the stream stopped, recorded before the deserializer unwinds with a bare error.
enum Abort {
    Refuse {
        regel: u64,
        code: &'static str,
        melding: String,
    },
    Write(csv::Error),
}

struct Run<'o> {
    out: csv::Writer<&'o mut dyn Write>,
    columns: &'static [Column],
    counts: Counts,
    /// Line ends read so far.
    lines: Rc<Cell<u64>>,
    abort: Option<Abort>,
    /// The answer being read (from 1) and the last person read in it.
    answer: u64,
    person_in_answer: u64,
    /// Whether the `personen` being read turned out to be a list.
    entered_personen: bool,
    /// The line and answer of a `personen` that failed before its list began.
    personen_not_a_list: Option<(u64, u64)>,
}

impl Run<'_> {
    /// The line being read, from 1.
    fn line(&self) -> u64 {
        self.lines.get() + 1
    }

    fn refuse<E: de::Error>(&mut self, regel: u64, code: &'static str, melding: String) -> E {
        self.abort = Some(Abort::Refuse {
            regel,
            code,
            melding,
        });
        E::custom("geweigerd")
    }

    /// The error for a stream that stopped with `e`.
    fn failure(&mut self, bestand: &str, e: serde_json::Error) -> anyhow::Error {
        let refusal = |regel: u64, code: &'static str, melding: String| {
            anyhow!(SourceError {
                bestand: bestand.to_string(),
                regel: Some(regel.max(1)),
                code,
                melding,
            })
        };
        match self.abort.take() {
            Some(Abort::Write(w)) => write_failed(bestand, &w),
            Some(Abort::Refuse {
                regel,
                code,
                melding,
            }) => refusal(regel, code, melding),
            None if e.is_data()
                && let Some((regel, answer)) = self.personen_not_a_list =>
            {
                refusal(
                    regel,
                    "personen_geen_lijst",
                    format!(
                        "in antwoord {answer} is 'personen' geen lijst (kolom {}). {WHAT_TO_DELIVER}",
                        e.column().max(1)
                    ),
                )
            }
            None if e.is_io() => refusal(
                e.line() as u64,
                "leesfout",
                format!(
                    "het bestand kan niet worden gelezen ({}); lever het opnieuw",
                    bare_message(&e)
                ),
            ),
            None if e.is_eof() => refusal(
                e.line() as u64,
                "afgebroken",
                format!(
                    "het bestand houdt op midden in de JSON (kolom {}): het is afgebroken of onvolledig. Lever het volledige bestand opnieuw. {WHAT_TO_DELIVER}",
                    e.column().max(1)
                ),
            ),
            None if e.is_syntax() => refusal(
                e.line() as u64,
                "geen_json",
                format!(
                    "dit is geen geldige JSON: {} (kolom {}). {WHAT_TO_DELIVER}",
                    syntax_nl(&bare_message(&e)),
                    e.column().max(1)
                ),
            ),
            None => refusal(
                e.line() as u64,
                "geen_antwoord",
                format!(
                    "hier staat geen antwoord van de BRP API (kolom {}): verwacht een JSON-object met 'personen' of een lijst van zulke objecten. {WHAT_TO_DELIVER}",
                    e.column().max(1)
                ),
            ),
        }
    }

    /// Converts and writes one person, kept as its JSON text.
    fn person(&mut self, raw: &RawValue) -> Result<(), ()> {
        self.counts.persons += 1;
        self.person_in_answer += 1;
        let text = raw.get();
        // The reader has just passed the person's last byte: count back over its own lines.
        let own_lines = memchr::memchr_iter(b'\n', text.as_bytes()).count() as u64;
        let start_line = self.line().saturating_sub(own_lines).max(1);
        let mut jd = serde_json::Deserializer::from_str(text);
        let row = match serde_path_to_error::deserialize::<_, Persoon>(&mut jd) {
            Ok(p) => row_of(&p, &mut self.counts),
            Err(e) => {
                let (field, reason) = describe(&e);
                self.counts.problems += 1;
                if self.counts.first_problems.len() < MAX_LISTED_PROBLEMS {
                    self.counts.first_problems.push(PersonProblem {
                        answer: self.answer,
                        person: self.person_in_answer,
                        line: start_line,
                        row: self.counts.rows + 1,
                        field: field.clone(),
                        reason,
                    });
                }
                unreadable_row(text, &field)
            }
        };
        let written = self
            .out
            .write_record(self.columns.iter().map(|c| row.get(c.name).unwrap_or("")));
        match written {
            Ok(()) => {
                self.counts.rows += 1;
                Ok(())
            }
            Err(e) => {
                self.abort = Some(Abort::Write(e));
                Err(())
            }
        }
    }

    /// Reads one answer object (its `{` has been read).
    fn answer<'de, A: MapAccess<'de>>(&mut self, mut map: A) -> Result<(), A::Error> {
        let start = self.line();
        self.counts.answers += 1;
        self.answer = self.counts.answers;
        self.person_in_answer = 0;
        let (mut soort, mut personen) = (None, false);
        let (mut like_person, mut like_error) = (false, false);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => soort = map.next_value::<Option<String>>()?,
                "personen" => {
                    personen = true;
                    map.next_value_seed(PersonenSeed { run: &mut *self })?;
                }
                "burgerservicenummer" | "naam" | "geboorte" | "verblijfplaats" => {
                    like_person = true;
                    map.next_value::<IgnoredAny>()?;
                }
                "status" | "title" | "detail" | "invalidParams" => {
                    like_error = true;
                    map.next_value::<IgnoredAny>()?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !personen {
            let hint = if like_error {
                "Het lijkt een foutbericht van de BRP API in plaats van een antwoord: vraag de personen opnieuw op en lever alleen geslaagde antwoorden."
            } else if like_person {
                "Het lijkt een losse persoon: lever de antwoorden zoals de API ze geeft, met de personen in de lijst 'personen' ({\"type\": \"RaadpleegMetBurgerservicenummer\", \"personen\": [...]})."
            } else {
                "Een antwoord van de BRP API heeft een lijst 'personen' (leeg als er niemand is gevonden)."
            };
            return Err(self.refuse(
                start,
                "geen_personen",
                format!(
                    "antwoord {} heeft geen 'personen'. {hint} {WHAT_TO_DELIVER}",
                    self.answer
                ),
            ));
        }
        self.counts.answer_type(soort);
        Ok(())
    }
}

/// One value at the top of the file: an answer, or a list of answers.
struct TopSeed<'a, 'o> {
    run: &'a mut Run<'o>,
}

impl<'de> DeserializeSeed<'de> for TopSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("een antwoord van de BRP API of een lijst van antwoorden")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.run.answer(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(AnswerSeed {
                run: &mut *self.run,
            })?
            .is_some()
        {}
        Ok(())
    }
}

/// One answer in a list of answers.
struct AnswerSeed<'a, 'o> {
    run: &'a mut Run<'o>,
}

impl<'de> DeserializeSeed<'de> for AnswerSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for AnswerSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("een antwoord van de BRP API")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.run.answer(map)
    }
}

/// The `personen` of an answer, converted one by one as they are read.
struct PersonenSeed<'a, 'o> {
    run: &'a mut Run<'o>,
}

impl<'de> DeserializeSeed<'de> for PersonenSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let start = self.run.line();
        self.run.entered_personen = false;
        let result = d.deserialize_seq(PersonenVisitor {
            run: &mut *self.run,
        });
        if result.is_err() && !self.run.entered_personen {
            // Not a list, unless the error is the file's own (see `Run::failure`).
            self.run.personen_not_a_list = Some((start, self.run.answer));
        }
        result
    }
}

struct PersonenVisitor<'a, 'o> {
    run: &'a mut Run<'o>,
}

impl<'de> Visitor<'de> for PersonenVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("een lijst personen")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.run.entered_personen = true;
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            if self.run.person(&raw).is_err() {
                return Err(de::Error::custom("afgebroken"));
            }
        }
        Ok(())
    }
}

/// The Dutch of serde_json's syntax messages.
fn syntax_nl(msg: &str) -> &'static str {
    match msg {
        "expected value" => {
            "hier verwacht JSON een waarde (een object, een lijst, tekst tussen dubbele aanhalingstekens, een getal, true, false of null)"
        }
        "expected `:`" => "na een veldnaam hoort een dubbele punt",
        "expected `,` or `]`" => {
            "tussen de elementen van een lijst hoort een komma, en de lijst sluit met ]"
        }
        "expected `,` or `}`" => {
            "tussen de velden van een object hoort een komma, en het object sluit met }"
        }
        "key must be a string" => "een veldnaam staat tussen dubbele aanhalingstekens",
        "trailing comma" => "er staat een komma te veel voor het einde van een lijst of object",
        "expected ident" => {
            "onbekend woord (alleen true, false en null staan zonder aanhalingstekens)"
        }
        "recursion limit exceeded" => "de JSON is te diep genest",
        "trailing characters" => "na de JSON volgt nog tekst",
        m if m.starts_with("control character") => {
            "een tekst bevat een stuurteken (zoals een regeleinde) dat niet met \\ is geschreven"
        }
        m if m.starts_with("invalid escape")
            || m.starts_with("invalid unicode")
            || m.contains("surrogate")
            || m.contains("hex escape") =>
        {
            "een tekst bevat een ongeldige \\-code of is geen UTF-8"
        }
        m if m.starts_with("invalid number") || m.starts_with("number out of range") => {
            "een getal is ongeldig"
        }
        _ => "de JSON klopt hier niet",
    }
}

// ---------------------------------------------------------------------------------------------
// Writing answers (fixtures and synthetic data).
// ---------------------------------------------------------------------------------------------

fn reden(code: &str, omschrijving: Option<&str>) -> Waardetabel {
    Waardetabel {
        code: Some(code.to_string()),
        omschrijving: omschrijving.map(str::to_string),
    }
}

impl Persoon {
    /// The person as the API would answer for a contract row, so that the reader gives the
    /// row back (for a row whose status, address and overlijdensdatum agree, as the contract
    /// asks). An address is written only for an ingezetene. A status outside the contract
    /// becomes a suspension with that code (`.` for an empty one), which the reader writes
    /// as a status the contract rejects; other values are passed as they are, so that planted
    /// invalid values reach the contract's checks.
    pub fn from_row(row: &BrpPersoonRow) -> Persoon {
        let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let naam = (!(row.voornamen.is_empty()
            && row.voorvoegsel.is_empty()
            && row.geslachtsnaam.is_empty()))
        .then(|| Naam {
            voornamen: text(&row.voornamen),
            voorvoegsel: text(&row.voorvoegsel),
            geslachtsnaam: text(&row.geslachtsnaam),
        });
        let geslacht = text(&row.geslacht).map(|code| {
            let omschrijving = match code.as_str() {
                "M" => Some("man"),
                "V" => Some("vrouw"),
                "O" => Some("onbekend"),
                _ => None,
            };
            reden(&code, omschrijving)
        });
        let overlijden = text(&row.overlijdensdatum).map(|d| Overlijden {
            datum: AbstractDatum::from_contract_text(&d),
        });
        let adres = || {
            (!(row.vbo_id.is_empty()
                && row.functie_adres.is_empty()
                && row.datum_aanvang_adreshouding.is_empty()))
            .then(|| {
                Verblijfplaats::Adres(Adres {
                    adresseerbaar_object_identificatie: text(&row.vbo_id),
                    functie_adres: text(&row.functie_adres).map(|c| {
                        let omschrijving = match c.as_str() {
                            "W" => Some("woonadres"),
                            "B" => Some("briefadres"),
                            _ => None,
                        };
                        reden(&c, omschrijving)
                    }),
                    datum_van: AbstractDatum::from_contract_text(&row.datum_aanvang_adreshouding),
                })
            })
        };
        let opschorting = |code: &str, omschrijving: Option<&str>, datum: &str| {
            Some(OpschortingBijhouding {
                reden: Some(reden(code, omschrijving)),
                datum: AbstractDatum::from_contract_text(datum),
            })
        };
        let (opschorting_bijhouding, verblijfplaats) = match row.status.as_str() {
            "ingezetene" => (None, adres()),
            "vow" => (
                opschorting("E", Some("emigratie"), ""),
                Some(Verblijfplaats::VerblijfplaatsOnbekend(
                    VerblijfplaatsOnbekend::default(),
                )),
            ),
            "emigratie" => (
                opschorting("E", Some("emigratie"), ""),
                Some(Verblijfplaats::VerblijfplaatsBuitenland(
                    VerblijfplaatsBuitenland::default(),
                )),
            ),
            "overleden" => (
                opschorting("O", Some("overlijden"), &row.overlijdensdatum),
                None,
            ),
            "" => (opschorting(".", Some("onbekend"), ""), None),
            other => (opschorting(other, None, ""), None),
        };
        Persoon {
            burgerservicenummer: text(&row.bsn),
            naam,
            geboorte: text(&row.geboortedatum).map(|d| Geboorte {
                datum: AbstractDatum::from_contract_text(&d),
            }),
            geslacht,
            overlijden,
            verblijfplaats,
            partners: text(&row.partner_bsn).map(|b| {
                vec![Partner {
                    burgerservicenummer: Some(b),
                    ontbinding_huwelijk_partnerschap: None,
                }]
            }),
            opschorting_bijhouding,
        }
    }
}

/// Writes answers of `RaadpleegMetBurgerservicenummer`, one answer per line (JSON Lines), each
/// with at most `per_answer` persons, streaming: a person is written when it is pushed.
pub struct AnswerWriter<W: Write> {
    out: W,
    per_answer: usize,
    in_answer: usize,
    /// Answers completed.
    pub answers: u64,
    /// Persons written.
    pub persons: u64,
}

impl<W: Write> AnswerWriter<W> {
    /// [`PERSONS_PER_ANSWER`] persons per answer, as the API answers a query of that many BSNs.
    pub fn new(out: W) -> AnswerWriter<W> {
        AnswerWriter::with_answer_size(out, PERSONS_PER_ANSWER)
    }

    /// `per_answer` persons per answer; 0 writes all persons in one answer.
    pub fn with_answer_size(out: W, per_answer: usize) -> AnswerWriter<W> {
        AnswerWriter {
            out,
            per_answer,
            in_answer: 0,
            answers: 0,
            persons: 0,
        }
    }

    pub fn push(&mut self, p: &Persoon) -> Result<()> {
        if self.in_answer == 0 {
            self.out
                .write_all(b"{\"type\":\"RaadpleegMetBurgerservicenummer\",\"personen\":[")?;
        } else {
            self.out.write_all(b",")?;
        }
        serde_json::to_writer(&mut self.out, p)?;
        self.in_answer += 1;
        self.persons += 1;
        if self.per_answer != 0 && self.in_answer >= self.per_answer {
            self.close()?;
        }
        Ok(())
    }

    /// Writes the person of a contract row ([`Persoon::from_row`]).
    pub fn push_row(&mut self, row: &BrpPersoonRow) -> Result<()> {
        self.push(&Persoon::from_row(row))
    }

    fn close(&mut self) -> io::Result<()> {
        self.out.write_all(b"]}\n")?;
        self.in_answer = 0;
        self.answers += 1;
        Ok(())
    }

    /// Closes the last answer (an empty answer when no person was written) and flushes.
    pub fn finish(mut self) -> Result<W> {
        if self.in_answer > 0 {
            self.close()?;
        } else if self.answers == 0 {
            self.out
                .write_all(b"{\"type\":\"RaadpleegMetBurgerservicenummer\",\"personen\":[")?;
            self.close()?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes the persons of contract rows as a file of answers ([`AnswerWriter`]).
pub fn write_answers(path: &Path, rows: &[BrpPersoonRow]) -> Result<()> {
    let file =
        File::create(path).with_context(|| format!("kan {} niet aanmaken", path.display()))?;
    let mut w = AnswerWriter::new(BufWriter::new(file));
    for row in rows {
        w.push_row(row)?;
    }
    w.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use loep_contract::{Bsn, RowRules, Value, parse_value};
    use proptest::prelude::*;
    use serde_json::{Value as Json, json};

    /// A valid BSN (elfproef), different for each `seed`.
    fn bsn(seed: u32) -> String {
        (seed * 37 + 10_000_000..)
            .find_map(Bsn::from_prefix)
            .map(|b| b.to_string())
            .unwrap_or_default()
    }

    fn datum(s: &str) -> Json {
        json!({"type": "Datum", "datum": s, "langFormaat": "in woorden"})
    }

    fn adres(vbo: &str, functie: &str, van: &str) -> Json {
        json!({
            "type": "Adres",
            "adresseerbaarObjectIdentificatie": vbo,
            "nummeraanduidingIdentificatie": "0363200000123456",
            "functieAdres": {"code": functie, "omschrijving": "woonadres"},
            "datumVan": datum(van),
            "verblijfadres": {"officieleStraatnaam": "Kerkstraat", "huisnummer": 12, "postcode": "1011AB", "woonplaats": "Amsterdam"}
        })
    }

    /// A person as `RaadpleegMetBurgerservicenummer` answers for an ingezetene.
    fn ingezetene(seed: u32) -> Json {
        json!({
            "burgerservicenummer": bsn(seed),
            "naam": {"voornamen": "Anna Maria", "voorvoegsel": "van", "geslachtsnaam": "Dijk", "voorletters": "A.M."},
            "geboorte": {"datum": datum("1980-03-15"), "land": {"code": "6030", "omschrijving": "Nederland"}},
            "geslacht": {"code": "V", "omschrijving": "vrouw"},
            "verblijfplaats": adres("0363010000123456", "W", "2019-05-01"),
            "nationaliteiten": [{"type": "Nationaliteit", "nationaliteit": {"code": "0001", "omschrijving": "Nederlandse"}}]
        })
    }

    fn answer(personen: Json) -> String {
        json!({"type": "RaadpleegMetBurgerservicenummer", "personen": personen}).to_string()
    }

    fn read_csv(bytes: &[u8]) -> Vec<BrpPersoonRow> {
        let mut r = csv::Reader::from_reader(bytes);
        let header: Vec<String> = r
            .headers()
            .expect("header")
            .iter()
            .map(str::to_string)
            .collect();
        let expected: Vec<&str> = columns().expect("table").iter().map(|c| c.name).collect();
        assert_eq!(header, expected);
        r.records()
            .map(|rec| {
                let rec = rec.expect("record");
                let fields: Vec<&str> = rec.iter().collect();
                BrpPersoonRow::from_contract_order(&fields).expect("row")
            })
            .collect()
    }

    fn convert_bytes(input: &[u8]) -> Result<(Counts, Vec<BrpPersoonRow>)> {
        let mut out = Vec::new();
        let counts = brp_persoon_csv_from("brp.json", &mut &input[..], &mut out)?;
        Ok((counts, read_csv(&out)))
    }

    fn convert(input: &str) -> (Counts, Vec<BrpPersoonRow>) {
        match convert_bytes(input.as_bytes()) {
            Ok(r) => r,
            Err(e) => panic!("refused: {e:#}"),
        }
    }

    fn one(person: Json) -> (Counts, BrpPersoonRow) {
        let (counts, rows) = convert(&answer(json!([person])));
        assert_eq!(rows.len(), 1);
        (counts, rows.into_iter().next().unwrap_or_default())
    }

    fn refusal(input: &[u8]) -> SourceError {
        match convert_bytes(input) {
            Ok((c, _)) => panic!("not refused: {c:?}"),
            Err(e) => match e.downcast::<SourceError>() {
                Ok(s) => s,
                Err(e) => panic!("not a SourceError: {e:#}"),
            },
        }
    }

    /// The contract's verdict on a row: the (column, code) pairs it refuses.
    fn contract_faults(row: &BrpPersoonRow) -> Vec<(&'static str, &'static str)> {
        let table = Table::by_name(TABLE).expect("table");
        let mut values = Vec::new();
        let mut faults = Vec::new();
        for c in table.columns {
            let v = row.get(c.name).expect("column").trim();
            if v.is_empty() {
                if c.required {
                    faults.push((c.name, "verplicht"));
                }
                values.push(Value::Null);
                continue;
            }
            match parse_value(c.ty, v) {
                Ok(x) => values.push(x),
                Err(e) => {
                    faults.push((c.name, e.code));
                    values.push(Value::Null);
                }
            }
        }
        for (column, e) in RowRules::new(table).check(&values) {
            faults.push((column, e.code));
        }
        faults
    }

    #[test]
    fn the_header_is_the_contracts_column_order_and_every_column_has_a_field() {
        let (_, rows) = convert(&answer(json!([ingezetene(1)])));
        assert_eq!(rows.len(), 1);
        let row = BrpPersoonRow::default();
        for c in columns().expect("table") {
            assert!(row.get(c.name).is_some(), "{}", c.name);
        }
        assert_eq!(
            row.to_contract_order().len(),
            columns().expect("table").len()
        );
        assert!(BrpPersoonRow::from_contract_order(&["x"]).is_none());
    }

    #[test]
    fn an_ingezetene_at_an_adres_becomes_a_valid_row() {
        let (counts, row) = one(ingezetene(1));
        assert_eq!(
            row,
            BrpPersoonRow {
                bsn: bsn(1),
                voornamen: "Anna Maria".into(),
                voorvoegsel: "van".into(),
                geslachtsnaam: "Dijk".into(),
                geboortedatum: "1980-03-15".into(),
                geslacht: "V".into(),
                overlijdensdatum: String::new(),
                status: "ingezetene".into(),
                vbo_id: "0363010000123456".into(),
                functie_adres: "W".into(),
                datum_aanvang_adreshouding: "2019-05-01".into(),
                partner_bsn: String::new(),
            }
        );
        assert!(
            contract_faults(&row).is_empty(),
            "{:?}",
            contract_faults(&row)
        );
        assert_eq!(counts.answers, 1);
        assert_eq!(counts.persons, 1);
        assert_eq!(counts.rows, 1);
        assert_eq!(counts.problems, 0);
        assert!(counts.readings.is_empty(), "{:?}", counts.readings);
        assert_eq!(
            counts.answer_types.get("RaadpleegMetBurgerservicenummer"),
            Some(&1)
        );
    }

    #[test]
    fn every_date_form_becomes_the_contract_text() {
        let forms = [
            (datum("1980-03-15"), "1980-03-15", None),
            (
                json!({"type": "JaarMaandDatum", "jaar": 1980, "maand": 3, "langFormaat": "maart 1980"}),
                "1980-03-00",
                Some(Reading::JaarMaandDatum),
            ),
            (
                json!({"type": "JaarDatum", "jaar": 1980, "langFormaat": "1980"}),
                "1980-00-00",
                Some(Reading::JaarDatum),
            ),
            (
                json!({"type": "DatumOnbekend", "onbekend": true, "langFormaat": "onbekend"}),
                "0000-00-00",
                Some(Reading::DatumOnbekend),
            ),
        ];
        for (form, text, reading) in forms {
            let mut p = ingezetene(2);
            p["geboorte"]["datum"] = form.clone();
            p["verblijfplaats"]["datumVan"] = form.clone();
            p["overlijden"] = json!({"datum": form});
            let (counts, row) = one(p);
            assert_eq!(row.geboortedatum, text);
            assert_eq!(row.overlijdensdatum, text);
            // A deceased person has no address in the table.
            assert_eq!(row.datum_aanvang_adreshouding, "");
            assert!(
                matches!(
                    parse_value(loep_contract::ColumnType::BrpDatum, text),
                    Ok(Value::PartialDate(_))
                ),
                "{text}"
            );
            for column in ["geboortedatum", "overlijdensdatum"] {
                let expected = u64::from(reading.is_some());
                let got = reading.map_or(0, |r| counts.reading(column, r));
                assert_eq!(got, expected, "{column} {text}");
            }
            assert_eq!(
                counts
                    .readings
                    .keys()
                    .filter(|(c, _)| *c == "geboortedatum")
                    .count(),
                usize::from(reading.is_some())
            );
        }
        // The address date of an ingezetene is read in each form too.
        let mut p = ingezetene(2);
        p["verblijfplaats"]["datumVan"] = json!({"type": "JaarDatum", "jaar": 2001});
        let (counts, row) = one(p);
        assert_eq!(row.datum_aanvang_adreshouding, "2001-00-00");
        assert_eq!(
            counts.reading("datum_aanvang_adreshouding", Reading::JaarDatum),
            1
        );
    }

    #[test]
    fn a_year_or_month_outside_the_api_range_is_written_for_the_contract_to_reject() {
        for (form, text) in [
            (
                json!({"type": "JaarMaandDatum", "jaar": 1980, "maand": 13}),
                "jaar 1980 maand 13",
            ),
            (
                json!({"type": "JaarMaandDatum", "jaar": 0, "maand": 0}),
                "jaar 0 maand 0",
            ),
            (json!({"type": "JaarDatum", "jaar": 0}), "jaar 0"),
            (json!({"type": "JaarDatum", "jaar": -4}), "jaar -4"),
        ] {
            let mut p = ingezetene(3);
            p["geboorte"]["datum"] = form;
            let (counts, row) = one(p);
            assert_eq!(row.geboortedatum, text);
            assert!(counts.readings.is_empty());
            assert_eq!(contract_faults(&row), vec![("geboortedatum", "datum_vorm")]);
        }
        // A Datum is passed as delivered: the contract judges it.
        let mut p = ingezetene(3);
        p["geboorte"]["datum"] = datum("1980-02-30");
        let (_, row) = one(p);
        assert_eq!(row.geboortedatum, "1980-02-30");
        assert_eq!(
            contract_faults(&row),
            vec![("geboortedatum", "datum_bestaat_niet")]
        );
    }

    #[test]
    fn a_date_in_no_known_form_is_a_visible_problem() {
        for (form, field, reason) in [
            (
                json!({"type": "Tijdstip", "datum": "1980-03-15"}),
                "geboorte.datum.type",
                "onbekend type 'Tijdstip'",
            ),
            (
                json!({"datum": "1980-03-15"}),
                "geboorte.datum",
                "'type' ontbreekt",
            ),
            (
                json!({"type": "Datum"}),
                "geboorte.datum",
                "'datum' ontbreekt",
            ),
            (
                json!({"type": "Datum", "datum": 19800315}),
                "geboorte.datum",
                "een geheel getal waar een tekst hoort",
            ),
            (
                json!("1980-03-15"),
                "geboorte.datum",
                "een tekst waar een object met een type hoort",
            ),
        ] {
            let mut p = ingezetene(4);
            p["geboorte"]["datum"] = form.clone();
            let (counts, row) = one(p);
            assert_eq!(counts.problems, 1, "{form}");
            assert_eq!(counts.rows, 1);
            let problem = &counts.first_problems[0];
            assert_eq!(problem.field, field, "{form}");
            assert!(
                problem.reason.contains(reason),
                "{form}: {}",
                problem.reason
            );
            assert!(!problem.reason.contains("19800315"));
            assert_eq!(row.bsn, bsn(4));
            assert_eq!(row.status, format!("onleesbaar: {field}"));
            assert_eq!(row.geslachtsnaam, "");
            let faults = contract_faults(&row);
            assert!(faults.contains(&("status", "code")), "{faults:?}");
        }
    }

    #[test]
    fn a_locatie_gives_functie_and_date_but_no_vbo_id() {
        let mut p = ingezetene(5);
        p["verblijfplaats"] = json!({
            "type": "Locatie",
            "functieAdres": {"code": "B", "omschrijving": "briefadres"},
            "datumVan": datum("2021-01-04"),
            "verblijfadres": {"locatiebeschrijving": "Woonboot bij de brug"}
        });
        let (counts, row) = one(p);
        assert_eq!(row.status, "ingezetene");
        assert_eq!(row.vbo_id, "");
        assert_eq!(row.functie_adres, "B");
        assert_eq!(row.datum_aanvang_adreshouding, "2021-01-04");
        assert!(counts.readings.is_empty());
        assert!(contract_faults(&row).is_empty());
    }

    #[test]
    fn a_verblijfplaats_buitenland_is_emigratie_without_an_address() {
        let mut p = ingezetene(6);
        p["verblijfplaats"] = json!({
            "type": "VerblijfplaatsBuitenland",
            "datumVan": datum("2022-08-29"),
            "verblijfadres": {"regel1": "Pietermaai 19", "land": {"code": "5107", "omschrijving": "Curaçao"}}
        });
        p["opschortingBijhouding"] = json!({"reden": {"code": "E", "omschrijving": "emigratie"}, "datum": datum("2022-08-29")});
        let (counts, row) = one(p.clone());
        assert_eq!(row.status, "emigratie");
        assert_eq!(
            (
                row.vbo_id.as_str(),
                row.functie_adres.as_str(),
                row.datum_aanvang_adreshouding.as_str()
            ),
            ("", "", "")
        );
        assert!(counts.readings.is_empty(), "{:?}", counts.readings);
        assert!(contract_faults(&row).is_empty());
        // Abroad without a suspension (an RNI-like record) is emigratie too.
        p.as_object_mut().map(|o| o.remove("opschortingBijhouding"));
        assert_eq!(one(p).1.status, "emigratie");
    }

    #[test]
    fn a_verblijfplaats_onbekend_is_vow_after_emigration_and_else_an_unknown_address() {
        let mut p = ingezetene(7);
        p["verblijfplaats"] =
            json!({"type": "VerblijfplaatsOnbekend", "datumVan": datum("2020-11-05")});
        p["opschortingBijhouding"] = json!({"reden": {"code": "E", "omschrijving": "emigratie"}});
        let (counts, row) = one(p.clone());
        assert_eq!(row.status, "vow");
        assert_eq!(row.datum_aanvang_adreshouding, "");
        assert!(counts.readings.is_empty());
        assert!(contract_faults(&row).is_empty());
        // Still registered (no suspension): an ingezetene whose address is unknown.
        p.as_object_mut().map(|o| o.remove("opschortingBijhouding"));
        let (counts, row) = one(p);
        assert_eq!(row.status, "ingezetene");
        assert_eq!(row.vbo_id, "");
        assert_eq!(counts.reading("status", Reading::UnknownAddressResident), 1);
        assert!(contract_faults(&row).is_empty());
    }

    #[test]
    fn a_verblijfplaats_of_unknown_type_is_a_visible_problem() {
        let mut p = ingezetene(8);
        p["verblijfplaats"]["type"] = json!("Woonwagen");
        let (counts, row) = one(p);
        assert_eq!(counts.problems, 1);
        let problem = &counts.first_problems[0];
        assert_eq!(problem.field, "verblijfplaats.type");
        assert!(
            problem.reason.contains("onbekend type 'Woonwagen'")
                && problem.reason.contains("Adres"),
            "{}",
            problem.reason
        );
        assert_eq!(row.status, "onleesbaar: verblijfplaats.type");
        assert_eq!(row.vbo_id, "");
        assert!(contract_faults(&row).contains(&("status", "code")));
    }

    #[test]
    fn each_suspension_reason_gives_its_status() {
        let cases = [
            (Some("O"), "overleden"),
            (Some("E"), "emigratie"),
            (Some("R"), "emigratie"),
            (Some("M"), "opschorting M (ministerieel besluit)"),
            (Some("F"), "opschorting F (fout)"),
            (Some("."), "opschorting . (onbekend)"),
            (Some("Q"), "opschorting Q"),
            (None, "opschorting zonder reden"),
        ];
        for (code, status) in cases {
            let mut p = ingezetene(9);
            p.as_object_mut().map(|o| o.remove("verblijfplaats"));
            p["opschortingBijhouding"] = match code {
                Some(c) => json!({"reden": {"code": c}, "datum": datum("2022-08-29")}),
                None => json!({"datum": datum("2022-08-29")}),
            };
            let (counts, row) = one(p);
            assert_eq!(row.status, status, "{code:?}");
            // The date of suspension is never taken as a date of death.
            assert_eq!(row.overlijdensdatum, "");
            let faults = contract_faults(&row);
            match status {
                "overleden" => assert_eq!(
                    faults,
                    vec![("overlijdensdatum", "overlijdensdatum_ontbreekt")]
                ),
                "emigratie" => assert!(faults.is_empty(), "{faults:?}"),
                _ => assert_eq!(faults, vec![("status", "code")], "{code:?}"),
            }
            assert_eq!(
                counts.reading("status", Reading::RniAsEmigratie),
                u64::from(code == Some("R"))
            );
            assert_eq!(
                counts.reading("status", Reading::NoVerblijfplaats),
                u64::from(code == Some("E"))
            );
            assert_eq!(counts.problems, 0);
        }
    }

    #[test]
    fn a_deceased_person_is_overleden_without_the_last_address() {
        let mut p = ingezetene(10);
        p["overlijden"] = json!({"datum": datum("2023-02-01"), "plaats": {"code": "0363"}});
        p["opschortingBijhouding"] = json!({"reden": {"code": "O", "omschrijving": "overlijden"}});
        let (counts, row) = one(p.clone());
        assert_eq!(row.status, "overleden");
        assert_eq!(row.overlijdensdatum, "2023-02-01");
        assert_eq!(
            (
                row.vbo_id.as_str(),
                row.functie_adres.as_str(),
                row.datum_aanvang_adreshouding.as_str()
            ),
            ("", "", "")
        );
        assert_eq!(counts.reading("vbo_id", Reading::AddressOfNonResident), 1);
        assert!(
            contract_faults(&row).is_empty(),
            "{:?}",
            contract_faults(&row)
        );
        // An overlijden without a suspension is a death too.
        p.as_object_mut().map(|o| o.remove("opschortingBijhouding"));
        assert_eq!(one(p).1.status, "overleden");
    }

    #[test]
    fn only_a_current_partner_is_taken() {
        let (a, b, c) = (bsn(20), bsn(21), bsn(22));
        let ontbonden = json!({"datum": datum("2015-06-01")});
        let cases = [
            (json!([{"burgerservicenummer": a}]), a.clone(), 0),
            (
                json!([{"burgerservicenummer": a, "ontbindingHuwelijkPartnerschap": ontbonden}]),
                String::new(),
                0,
            ),
            (
                json!([{"burgerservicenummer": b, "ontbindingHuwelijkPartnerschap": ontbonden}, {"burgerservicenummer": c}]),
                c.clone(),
                0,
            ),
            // Several current partners: the lowest BSN, counted.
            (
                json!([{"burgerservicenummer": c}, {"burgerservicenummer": a}]),
                a.clone().min(c.clone()),
                1,
            ),
            // A current partner without a BSN gives nothing to write.
            (
                json!([{"naam": {"geslachtsnaam": "Jansen"}}]),
                String::new(),
                0,
            ),
            (json!(null), String::new(), 0),
        ];
        for (partners, expected, several) in cases {
            let mut p = ingezetene(11);
            p["partners"] = partners.clone();
            let (counts, row) = one(p);
            assert_eq!(row.partner_bsn, expected, "{partners}");
            assert_eq!(
                counts.reading("partner_bsn", Reading::SeveralCurrentPartners),
                several,
                "{partners}"
            );
            assert!(contract_faults(&row).is_empty());
        }
        // The same choice whatever the order.
        let mut p = ingezetene(11);
        p["partners"] = json!([{"burgerservicenummer": a}, {"burgerservicenummer": c}]);
        let first = one(p.clone()).1.partner_bsn;
        p["partners"] = json!([{"burgerservicenummer": c}, {"burgerservicenummer": a}]);
        assert_eq!(one(p).1.partner_bsn, first);
    }

    #[test]
    fn a_ligplaats_is_no_verblijfsobject_and_other_ids_reach_the_contract() {
        let mut p = ingezetene(12);
        p["verblijfplaats"]["adresseerbaarObjectIdentificatie"] = json!("0363020000012345");
        let (counts, row) = one(p);
        assert_eq!(row.vbo_id, "");
        assert_eq!(row.functie_adres, "W");
        assert_eq!(counts.reading("vbo_id", Reading::NotAVerblijfsobject), 1);
        assert!(contract_faults(&row).is_empty());
        let mut p = ingezetene(12);
        p["verblijfplaats"]["adresseerbaarObjectIdentificatie"] = json!("0363100000012345");
        let (_, row) = one(p);
        assert_eq!(row.vbo_id, "0363100000012345");
        assert_eq!(contract_faults(&row), vec![("vbo_id", "bag_id_objecttype")]);
    }

    #[test]
    fn nothing_outside_the_contract_is_read() {
        let (_, rows) = convert(&answer(json!([ingezetene(13)])));
        let mut out = Vec::new();
        let input = answer(json!([ingezetene(13)]));
        brp_persoon_csv_from("brp.json", &mut input.as_bytes(), &mut out).expect("read");
        let csv = String::from_utf8(out).expect("utf8");
        for absent in [
            "Nederland",
            "Nederlandse",
            "Kerkstraat",
            "1011AB",
            "A.M.",
            "6030",
        ] {
            assert!(!csv.contains(absent), "{absent} in {csv}");
        }
        assert_eq!(rows.len(), 1);
    }

    #[test]
    fn one_answer_an_array_of_answers_and_concatenated_answers_read_alike() {
        let p: Vec<Json> = (30..35).map(ingezetene).collect();
        let a1 = json!({"type": "RaadpleegMetBurgerservicenummer", "personen": [p[0], p[1]]});
        let a2 = json!({"type": "RaadpleegMetBurgerservicenummer", "personen": [p[2]]});
        let a3 =
            json!({"type": "ZoekMetAdresseerbaarObjectIdentificatie", "personen": [p[3], p[4]]});
        let (_, expected) = convert(&answer(json!(p)));
        assert_eq!(expected.len(), 5);
        let layouts = [
            (json!([a1, a2, a3]).to_string(), 3),
            (format!("{a1}\n{a2}\n{a3}\n"), 3),
            (format!("{a1}{a2}{a3}"), 3),
            (format!("{a1}\r\n\r\n{a2}\r\n{a3}"), 3),
            (
                serde_json::to_string_pretty(&json!([a1, a2, a3])).expect("json"),
                3,
            ),
            (format!("[{a1}]\n[{a2}, {a3}]"), 3),
            (format!("\u{feff}{a1}\n{a2}\n{a3}"), 3),
            (json!({"personen": p}).to_string(), 1),
            (answer(json!(p)), 1),
        ];
        for (input, answers) in layouts {
            let (counts, rows) = convert(&input);
            assert_eq!(rows, expected, "{input}");
            assert_eq!(counts.answers, answers, "{input}");
            assert_eq!(counts.persons, 5);
            assert!(counts.reconciles());
            assert_eq!(counts.answer_types.values().sum::<u64>(), answers);
        }
        let (counts, _) = convert(&format!("{a1}\n{a3}\n{}", json!({"personen": []})));
        assert_eq!(
            counts.answer_types.get("RaadpleegMetBurgerservicenummer"),
            Some(&1)
        );
        assert_eq!(
            counts
                .answer_types
                .get("ZoekMetAdresseerbaarObjectIdentificatie"),
            Some(&1)
        );
        assert_eq!(counts.answer_types.get(NO_TYPE), Some(&1));
    }

    #[test]
    fn an_answer_without_persons_is_read_as_empty() {
        let (counts, rows) = convert(&answer(json!([])));
        assert_eq!((counts.answers, counts.persons, rows.len()), (1, 0, 0));
    }

    #[test]
    fn a_search_answer_without_verblijfplaats_is_read_and_counted() {
        let p = json!({
            "burgerservicenummer": bsn(40),
            "naam": {"geslachtsnaam": "Jansen"},
            "geboorte": {"datum": datum("1970-01-01")},
            "geslacht": {"code": "M", "omschrijving": "man"},
            "leeftijd": 56
        });
        let input =
            json!({"type": "ZoekMetGeslachtsnaamEnGeboortedatum", "personen": [p]}).to_string();
        let (counts, rows) = convert(&input);
        assert_eq!(rows[0].status, "ingezetene");
        assert_eq!(rows[0].vbo_id, "");
        assert_eq!(counts.reading("status", Reading::NoVerblijfplaats), 1);
        assert!(contract_faults(&rows[0]).is_empty());
        assert!(
            counts
                .report_lines()
                .iter()
                .any(|l| l.contains("geen verblijfplaats in het antwoord")),
            "{:?}",
            counts.report_lines()
        );
    }

    #[test]
    fn a_broken_person_among_good_ones_is_written_and_listed() {
        let mut broken = ingezetene(51);
        broken["verblijfplaats"]["datumVan"] = json!({"type": "Datum", "datum": 20190501});
        let mut no_bsn_text = ingezetene(53);
        no_bsn_text["burgerservicenummer"] = json!(123456782);
        let personen = json!([
            ingezetene(50),
            broken,
            42,
            null,
            no_bsn_text,
            ingezetene(54)
        ]);
        let input = format!(
            "{}\n{}\n",
            answer(json!([ingezetene(49)])),
            serde_json::to_string_pretty(
                &json!({"type": "RaadpleegMetBurgerservicenummer", "personen": personen})
            )
            .expect("json")
        );
        let (counts, rows) = convert(&input);
        assert_eq!(counts.persons, 7);
        assert_eq!(rows.len(), 7);
        assert!(counts.reconciles());
        assert_eq!(counts.problems, 4);
        let good: Vec<&BrpPersoonRow> = rows.iter().filter(|r| r.status == "ingezetene").collect();
        assert_eq!(good.len(), 3);
        for r in &good {
            assert!(contract_faults(r).is_empty(), "{r:?}");
        }
        let statuses: Vec<&str> = rows.iter().map(|r| r.status.as_str()).collect();
        assert_eq!(
            statuses,
            [
                "ingezetene",
                "ingezetene",
                // Inside a verblijfplaats (read by its type) the path ends at the verblijfplaats.
                "onleesbaar: verblijfplaats",
                "onleesbaar: persoon",
                "onleesbaar: persoon",
                "onleesbaar: burgerservicenummer",
                "ingezetene"
            ]
        );
        // The broken person keeps its BSN for the rejects report; a BSN that is no text is not
        // written.
        assert_eq!(rows[2].bsn, bsn(51));
        assert_eq!(rows[5].bsn, "");
        for r in rows.iter().filter(|r| r.status.starts_with("onleesbaar")) {
            assert!(contract_faults(r).contains(&("status", "code")), "{r:?}");
        }
        let positions: Vec<(u64, u64, u64)> = counts
            .first_problems
            .iter()
            .map(|p| (p.answer, p.person, p.row))
            .collect();
        assert_eq!(positions, [(2, 2, 3), (2, 3, 4), (2, 4, 5), (2, 5, 6)]);
        let lines: Vec<&str> = input.lines().collect();
        for p in &counts.first_problems {
            let line = lines[(p.line - 1) as usize].trim();
            let expected = match p.person {
                2 | 5 => "{",
                3 => "42,",
                _ => "null,",
            };
            assert_eq!(line, expected, "{p}");
            assert!(!p.to_string().contains("123456782"), "{p}");
            assert!(!p.to_string().contains("20190501"), "{p}");
        }
        assert_eq!(
            counts.first_problems[1].reason,
            "een geheel getal waar een object hoort"
        );
        assert!(counts.first_problems[1].to_string().contains("de persoon"));
        let report = counts.report_lines().join("\n");
        assert!(report.contains("4 personen passen niet"), "{report}");
        assert!(report.contains("antwoord 2, persoon 2"), "{report}");
    }

    #[test]
    fn only_the_first_problems_are_listed_but_all_are_counted() {
        let personen: Vec<Json> = (0..MAX_LISTED_PROBLEMS + 5).map(|_| json!(7)).collect();
        let (counts, rows) = convert(&answer(json!(personen)));
        assert_eq!(counts.problems, (MAX_LISTED_PROBLEMS + 5) as u64);
        assert_eq!(counts.first_problems.len(), MAX_LISTED_PROBLEMS);
        assert_eq!(rows.len(), MAX_LISTED_PROBLEMS + 5);
    }

    #[test]
    fn the_csv_reads_back_through_the_intakes_own_reader() {
        let mut p = ingezetene(110);
        let odd = "Vries, \"de\"; van\nder ";
        p["naam"]["geslachtsnaam"] = json!(odd);
        p["naam"]["voornamen"] = json!("Jan;Piet");
        let input = answer(json!([p, ingezetene(111)]));
        let mut out = Vec::new();
        brp_persoon_csv_from("brp.json", &mut input.as_bytes(), &mut out).expect("read");
        let size = out.len() as u64;
        let mut source = crate::source::TableSource::from_csv_reader(
            "brp_persoon.csv",
            io::Cursor::new(out),
            size,
        )
        .expect("the intake opens it");
        let names: Vec<&str> = columns().expect("table").iter().map(|c| c.name).collect();
        assert_eq!(source.header, names);
        let records = source.next_chunk(10).expect("records");
        assert_eq!(records.len(), 2);
        assert!(records.iter().all(|r| r.fault.is_none()));
        let at = |name: &str| names.iter().position(|n| *n == name).unwrap_or(usize::MAX);
        assert_eq!(records[0].fields.get(at("geslachtsnaam")), Some(Ok(odd)));
        assert_eq!(records[0].fields.get(at("voornamen")), Some(Ok("Jan;Piet")));
        assert_eq!(
            records[1].fields.get(at("bsn")),
            Some(Ok(bsn(111).as_str()))
        );
        assert!(source.next_chunk(10).expect("the end").is_empty());
        assert!(source.counts().reconciles());
    }

    #[test]
    fn persons_the_file_has_twice_are_written_twice() {
        let (counts, rows) = convert(&answer(json!([ingezetene(60), ingezetene(60)])));
        assert_eq!(counts.rows, 2);
        assert_eq!(rows[0], rows[1]);
    }

    #[test]
    fn invalid_json_is_refused_with_a_dutch_message_naming_file_line_and_column() {
        let cases: [(&[u8], &str, u64); 8] = [
            (b"dit is geen json", "geen_json", 1),
            (
                b"{\"personen\": [\n  {\"burgerservicenummer\": \"1\"},\n  {\"naam\" {}}\n]}",
                "geen_json",
                3,
            ),
            (b"{\"personen\": [],}", "geen_json", 1),
            (
                b"{\"personen\": [{}]}\n{\"personen\": [{}]} x",
                "geen_json",
                2,
            ),
            (b"{\"personen\": [\n{}", "afgebroken", 2),
            (b"{\"personen\":\n", "afgebroken", 2),
            (b"{\"personen\": [\"\xff\"]}", "geen_json", 1),
            // serde_json places a raw line end in a text at the start of the next line.
            (b"{\"personen\": [{\"naam\": \"a\nb\"}]}", "geen_json", 2),
        ];
        for (input, code, line) in cases {
            let e = refusal(input);
            let shown = String::from_utf8_lossy(input);
            assert_eq!(e.code, code, "{shown}: {e}");
            assert_eq!(e.bestand, "brp.json");
            assert_eq!(e.regel, Some(line), "{shown}: {e}");
            let text = e.to_string();
            assert!(
                text.starts_with(&format!("brp.json, regel {line}: ")),
                "{text}"
            );
            assert!(text.contains("kolom "), "{text}");
            assert!(text.contains("Lever "), "{text}");
            for english in ["expected", "while parsing", " at line "] {
                assert!(!text.contains(english), "{text}");
            }
        }
    }

    #[test]
    fn a_file_without_answers_is_refused() {
        let cases: [(&[u8], &str, &str); 9] = [
            (b"", "leeg_bestand", "leeg"),
            (b" \n\t\r\n", "leeg_bestand", "leeg"),
            (b"{\"type\": \"RaadpleegMetBurgerservicenummer\"}", "geen_personen", "geen 'personen'"),
            (
                b"{\"type\": \"https://example.org/fout\", \"title\": \"Niet gevonden\", \"status\": 404}",
                "geen_personen",
                "foutbericht",
            ),
            (
                b"[{\"burgerservicenummer\": \"999998870\", \"naam\": {}}]",
                "geen_personen",
                "losse persoon",
            ),
            (b"{\"personen\": {\"burgerservicenummer\": \"1\"}}", "personen_geen_lijst", "geen lijst"),
            (b"{\"personen\": null}", "personen_geen_lijst", "geen lijst"),
            (b"42", "geen_antwoord", "geen antwoord"),
            (b"[[{\"personen\": []}]]", "geen_antwoord", "geen antwoord"),
        ];
        for (input, code, says) in cases {
            let e = refusal(input);
            let shown = String::from_utf8_lossy(input);
            assert_eq!(e.code, code, "{shown}: {e}");
            assert!(e.melding.contains(says), "{shown}: {}", e.melding);
            assert!(e.melding.contains("Lever"), "{shown}: {}", e.melding);
        }
    }

    #[test]
    fn a_refusal_after_good_answers_names_the_answer_and_its_line() {
        let input = format!(
            "{}\n{}\n{{\"type\": \"X\"}}\n",
            answer(json!([ingezetene(70)])),
            answer(json!([]))
        );
        let e = refusal(input.as_bytes());
        assert_eq!(e.code, "geen_personen");
        assert_eq!(e.regel, Some(3));
        assert!(e.melding.starts_with("antwoord 3 "), "{}", e.melding);
    }

    #[test]
    fn a_failing_output_is_an_error_not_a_panic() {
        struct Fails {
            left: usize,
        }
        impl Write for Fails {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                if self.left < buf.len() {
                    return Err(io::Error::other("schijf vol"));
                }
                self.left -= buf.len();
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let personen: Vec<Json> = (0..2000).map(ingezetene).collect();
        let input = answer(json!(personen));
        for left in [0, 100, 20_000] {
            let mut out = Fails { left };
            let e = brp_persoon_csv_from("brp.json", &mut input.as_bytes(), &mut out)
                .expect_err("the output fails");
            let text = e.to_string();
            assert!(text.contains("kan niet worden geschreven"), "{text}");
            assert!(
                e.downcast_ref::<SourceError>().is_none(),
                "not the partner's fault"
            );
        }
    }

    #[test]
    fn the_file_reader_refuses_what_is_not_a_plain_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("brp.json");
        write_answers(
            &real,
            &[BrpPersoonRow {
                bsn: bsn(80),
                geslachtsnaam: "Jansen".into(),
                geboortedatum: "1970-00-00".into(),
                geslacht: "M".into(),
                status: "ingezetene".into(),
                ..BrpPersoonRow::default()
            }],
        )
        .expect("write");
        let mut out = Vec::new();
        let counts = brp_persoon_csv(&real, &mut out).expect("read");
        assert_eq!(counts.rows, 1);
        assert_eq!(read_csv(&out)[0].geboortedatum, "1970-00-00");
        let e = brp_persoon_csv(dir.path(), &mut Vec::new()).expect_err("a directory");
        assert_eq!(
            e.downcast_ref::<SourceError>().map(|s| s.code),
            Some("geen_gewoon_bestand")
        );
        #[cfg(unix)]
        {
            let link = dir.path().join("link.json");
            std::os::unix::fs::symlink(&real, &link).expect("symlink");
            let e = brp_persoon_csv(&link, &mut Vec::new()).expect_err("a symlink");
            assert_eq!(
                e.downcast_ref::<SourceError>().map(|s| s.code),
                Some("geen_gewoon_bestand")
            );
        }
        let e = brp_persoon_csv(&dir.path().join("er-niet.json"), &mut Vec::new())
            .expect_err("missing");
        assert_eq!(
            e.downcast_ref::<SourceError>().map(|s| s.code),
            Some("onleesbaar")
        );
    }

    #[test]
    fn the_fixture_writer_speaks_the_api() {
        let row = BrpPersoonRow {
            bsn: bsn(90),
            voornamen: "Piet".into(),
            geslachtsnaam: "Bakker".into(),
            geboortedatum: "1975-04-00".into(),
            geslacht: "M".into(),
            status: "ingezetene".into(),
            vbo_id: "0363010000999999".into(),
            functie_adres: "W".into(),
            datum_aanvang_adreshouding: "2010-07-01".into(),
            partner_bsn: bsn(91),
            ..BrpPersoonRow::default()
        };
        let text = serde_json::to_string(&Persoon::from_row(&row)).expect("json");
        let v: Json = serde_json::from_str(&text).expect("json");
        assert_eq!(
            v["geboorte"]["datum"],
            json!({"type": "JaarMaandDatum", "jaar": 1975, "maand": 4, "langFormaat": "april 1975"})
        );
        assert_eq!(v["verblijfplaats"]["type"], json!("Adres"));
        assert_eq!(
            v["verblijfplaats"]["adresseerbaarObjectIdentificatie"],
            json!("0363010000999999")
        );
        assert_eq!(
            v["verblijfplaats"]["functieAdres"]["omschrijving"],
            json!("woonadres")
        );
        assert_eq!(
            v["verblijfplaats"]["datumVan"]["langFormaat"],
            json!("1 juli 2010")
        );
        assert_eq!(v["partners"][0]["burgerservicenummer"], json!(bsn(91)));
        assert_eq!(v["geslacht"], json!({"code": "M", "omschrijving": "man"}));
        assert!(v.get("opschortingBijhouding").is_none());
        assert!(v.get("overlijden").is_none());
        // Answers of at most 20 persons, one per line; an empty set is one empty answer.
        let mut w = AnswerWriter::new(Vec::new());
        for _ in 0..45 {
            w.push_row(&row).expect("push");
        }
        let bytes = w.finish().expect("finish");
        let text = String::from_utf8(bytes).expect("utf8");
        assert_eq!(text.lines().count(), 3);
        for line in text.lines() {
            let a: Antwoord = serde_json::from_str(line).expect("an answer");
            assert_eq!(a.r#type.as_deref(), Some("RaadpleegMetBurgerservicenummer"));
            assert!(a.personen.len() <= PERSONS_PER_ANSWER);
        }
        let empty = AnswerWriter::new(Vec::new()).finish().expect("finish");
        let (counts, rows) = convert(&String::from_utf8(empty).expect("utf8"));
        assert_eq!((counts.answers, rows.len()), (1, 0));
    }

    #[test]
    fn every_contract_status_survives_the_fixture_writer() {
        let base = BrpPersoonRow {
            bsn: bsn(95),
            geslachtsnaam: "Visser".into(),
            geboortedatum: "1950-01-01".into(),
            geslacht: "O".into(),
            ..BrpPersoonRow::default()
        };
        let rows = [
            BrpPersoonRow {
                status: "ingezetene".into(),
                functie_adres: "B".into(),
                ..base.clone()
            },
            BrpPersoonRow {
                status: "vow".into(),
                ..base.clone()
            },
            BrpPersoonRow {
                status: "emigratie".into(),
                ..base.clone()
            },
            BrpPersoonRow {
                status: "overleden".into(),
                overlijdensdatum: "0000-00-00".into(),
                ..base.clone()
            },
        ];
        let mut w = AnswerWriter::new(Vec::new());
        for r in &rows {
            w.push_row(r).expect("push");
        }
        let (counts, back) =
            convert(&String::from_utf8(w.finish().expect("finish")).expect("utf8"));
        assert_eq!(back, rows);
        assert_eq!(counts.problems, 0);
        for r in &back {
            assert!(contract_faults(r).is_empty(), "{r:?}");
        }
        // Values outside the contract stay outside it, and are rejected after the round trip.
        let dirty = [
            BrpPersoonRow {
                status: "verhuisd".into(),
                ..base.clone()
            },
            BrpPersoonRow {
                status: "ingezetene".into(),
                geslacht: "X".into(),
                geboortedatum: "1980-02-30".into(),
                ..base.clone()
            },
        ];
        let mut w = AnswerWriter::new(Vec::new());
        for r in &dirty {
            w.push_row(r).expect("push");
        }
        let (_, back) = convert(&String::from_utf8(w.finish().expect("finish")).expect("utf8"));
        assert_eq!(back[0].status, "opschorting verhuisd");
        assert!(contract_faults(&back[0]).contains(&("status", "code")));
        assert_eq!(back[1].geslacht, "X");
        assert_eq!(back[1].geboortedatum, "1980-02-30");
        assert_eq!(contract_faults(&back[1]).len(), 2);
    }

    /// Reads through, counting the bytes handed out.
    struct Counting<R> {
        inner: R,
        read: Rc<Cell<u64>>,
    }

    impl<R: Read> Read for Counting<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read.set(self.read.get() + n as u64);
            Ok(n)
        }
    }

    /// Counts the CSV lines written and notes how much input had been read at the first write.
    struct Sink {
        read: Rc<Cell<u64>>,
        input_at_first_write: Option<u64>,
        lines: u64,
        bytes: u64,
    }

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.input_at_first_write.get_or_insert(self.read.get());
            self.lines += memchr::memchr_iter(b'\n', buf).count() as u64;
            self.bytes += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_large_file_is_streamed() {
        const N: u32 = 200_000;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("groot.json");
        // One answer with all persons: the hardest case to stream.
        let file = File::create(&path).expect("create");
        let mut w = AnswerWriter::with_answer_size(BufWriter::new(file), 0);
        for i in 0..N {
            w.push_row(&BrpPersoonRow {
                bsn: bsn(i),
                geslachtsnaam: "Jansen".into(),
                geboortedatum: "1970-01-01".into(),
                geslacht: "V".into(),
                status: "ingezetene".into(),
                vbo_id: "0363010000123456".into(),
                functie_adres: "W".into(),
                ..BrpPersoonRow::default()
            })
            .expect("push");
        }
        w.finish().expect("finish");
        let size = std::fs::metadata(&path).expect("size").len();
        let read = Rc::new(Cell::new(0u64));
        let mut input = BufReader::new(Counting {
            inner: File::open(&path).expect("open"),
            read: Rc::clone(&read),
        });
        let mut sink = Sink {
            read: Rc::clone(&read),
            input_at_first_write: None,
            lines: 0,
            bytes: 0,
        };
        let counts = brp_persoon_csv_from("groot.json", &mut input, &mut sink).expect("read");
        assert_eq!(counts.answers, 1);
        assert_eq!(counts.persons, u64::from(N));
        assert_eq!(counts.rows, u64::from(N));
        assert_eq!(counts.problems, 0);
        assert_eq!(sink.lines, u64::from(N) + 1);
        assert_eq!(read.get(), size);
        // Rows left before the input was read: the persons were not collected first.
        let first = sink.input_at_first_write.expect("written");
        assert!(
            first < size / 50,
            "first output after {first} of {size} bytes"
        );
        assert!(sink.bytes > 0);
    }

    fn date_text() -> impl Strategy<Value = String> {
        prop_oneof![
            (1900i32..2025, 1u32..13, 1u32..29).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
            (1900i32..2025, 1u32..13).prop_map(|(y, m)| format!("{y}-{m:02}-00")),
            (1900i32..2025).prop_map(|y| format!("{y}-00-00")),
            Just("0000-00-00".to_string()),
        ]
    }

    fn valid_bsn() -> impl Strategy<Value = String> {
        (10_000_000u32..99_999_999)
            .prop_filter_map("elfproef", |p| Bsn::from_prefix(p).map(|b| b.to_string()))
    }

    fn optional(s: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
        prop_oneof![Just(String::new()), s]
    }

    /// A row that the contract accepts, with status, address and death consistent.
    fn valid_row() -> impl Strategy<Value = BrpPersoonRow> {
        (
            (
                valid_bsn(),
                optional("[A-Z][a-z]{1,8}( [A-Z][a-z]{1,8}){0,2}".prop_map(String::from)),
                prop::sample::select(vec!["", "van", "de", "van der", "'t"]),
                "[A-Z][a-z]{1,12}(-[A-Z][a-z]{1,8})?",
                date_text(),
                prop::sample::select(vec!["M", "V", "O"]),
            ),
            (
                prop::sample::select(vec!["ingezetene", "vow", "emigratie", "overleden"]),
                date_text(),
                optional("0[0-9]{3}01[0-9]{10}".prop_map(String::from)),
                prop::sample::select(vec!["", "W", "B"]),
                optional(date_text()),
                optional(valid_bsn()),
            ),
        )
            .prop_map(
                |(
                    (bsn, voornamen, vv, naam, geboorte, geslacht),
                    (status, dood, vbo, functie, aanvang, partner),
                )| {
                    let ingezetene = status == "ingezetene";
                    let keep = |s: String| if ingezetene { s } else { String::new() };
                    BrpPersoonRow {
                        partner_bsn: if partner == bsn {
                            String::new()
                        } else {
                            partner
                        },
                        bsn,
                        voornamen,
                        voorvoegsel: vv.to_string(),
                        geslachtsnaam: naam,
                        geboortedatum: geboorte,
                        geslacht: geslacht.to_string(),
                        overlijdensdatum: if status == "overleden" {
                            dood
                        } else {
                            String::new()
                        },
                        status: status.to_string(),
                        vbo_id: keep(vbo),
                        functie_adres: keep(functie.to_string()),
                        datum_aanvang_adreshouding: keep(aanvang),
                    }
                },
            )
    }

    /// A small file of answers, for cutting and mutating.
    fn sample_file() -> String {
        let mut broken = ingezetene(101);
        broken["verblijfplaats"]["type"] = json!("Woonwagen");
        format!(
            "{}\n{}\n",
            answer(json!([ingezetene(100), broken])),
            serde_json::to_string_pretty(&json!([{"type": "ZoekMetPostcodeEnHuisnummer", "personen": [ingezetene(102), {"geboorte": {"datum": {"type": "JaarDatum", "jaar": 1960}}}]}]))
                .expect("json")
        )
    }

    /// A refusal is a Dutch SourceError for the file; success accounts for every person.
    fn check_outcome(result: Result<(Counts, Vec<BrpPersoonRow>)>) -> Result<(), TestCaseError> {
        match result {
            Ok((counts, rows)) => {
                prop_assert!(counts.reconciles());
                prop_assert_eq!(rows.len() as u64, counts.persons);
                prop_assert!(counts.first_problems.len() <= MAX_LISTED_PROBLEMS);
            }
            Err(e) => {
                let s = e.downcast_ref::<SourceError>();
                prop_assert!(s.is_some(), "{e:#}");
                if let Some(s) = s {
                    prop_assert_eq!(s.bestand.as_str(), "brp.json");
                    prop_assert!(!s.melding.is_empty());
                }
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        #[test]
        fn rows_written_as_answers_read_back_unchanged(rows in prop::collection::vec(valid_row(), 0..30), per in 0usize..7) {
            for r in &rows {
                prop_assert!(contract_faults(r).is_empty(), "{:?}: {:?}", r, contract_faults(r));
            }
            let mut w = AnswerWriter::with_answer_size(Vec::new(), per);
            for r in &rows {
                w.push_row(r).map_err(|e| TestCaseError::fail(e.to_string()))?;
            }
            let bytes = w.finish().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let (counts, back) = convert_bytes(&bytes).map_err(|e| TestCaseError::fail(format!("{e:#}")))?;
            prop_assert_eq!(&back, &rows);
            prop_assert_eq!(counts.problems, 0);
        }

        #[test]
        fn random_bytes_never_panic(input in prop::collection::vec(any::<u8>(), 0..300)) {
            check_outcome(convert_bytes(&input))?;
        }

        #[test]
        fn json_like_text_never_panics(input in "[\\[\\]{}\":,0-9a-zA-Z \\n.\\-]{0,200}") {
            check_outcome(convert_bytes(input.as_bytes()))?;
        }

        #[test]
        fn a_cut_file_never_panics(permille in 0usize..=1000) {
            let file = sample_file();
            let bytes = file.as_bytes();
            let result = convert_bytes(&bytes[..bytes.len() * permille / 1000]);
            if permille == 1000 {
                prop_assert!(result.is_ok());
            }
            check_outcome(result)?;
        }

        #[test]
        fn a_changed_byte_never_panics(at in 0usize..2000, byte in any::<u8>()) {
            let mut bytes = sample_file().into_bytes();
            let i = at % bytes.len();
            bytes[i] = byte;
            check_outcome(convert_bytes(&bytes))?;
        }
    }
}
