//! What goes over the wire: the request and response bodies, named as the ZGW Zaken API
//! names them (camelCase), and how a case of `loep-app` becomes one.

use loep_app::types::{self, ZaakDetail};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The address a case is about (ZGW's zaakobject).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Zaakobject {
    /// `verblijfsobject` (IMBAG).
    pub object_type: String,
    /// The 16-digit BAG id of the verblijfsobject.
    pub identificatie: String,
    pub buurtcode: Option<String>,
    /// The address written out from the current BAG (`Kerkstraat 12A-2, 2011AB Haarlem`);
    /// null when the current BAG does not hold the object.
    pub adres: Option<String>,
    /// The buurt's name (CBS).
    pub buurtnaam: Option<String>,
}

/// A case, as the ZGW Zaken API names its fields.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Zaak {
    /// Where the case is in this API.
    pub url: String,
    pub uuid: String,
    /// The case number within the project (`Z2026-000001`).
    pub identificatie: String,
    pub zaaktype: String,
    pub omschrijving: String,
    pub toelichting: String,
    pub registratiedatum: String,
    pub startdatum: String,
    pub einddatum: Option<String>,
    pub vertrouwelijkheidaanduiding: String,
    pub zaakobject: Zaakobject,
    /// The current status (a statustype code of the catalogue).
    pub status: String,
    pub resultaat: Option<String>,
    pub resultaat_toelichting: Option<String>,
}

impl Zaak {
    /// The case as the API shows it, with its address written out.
    pub(super) fn of(z: &types::Zaak, adres: Option<&loep_app::zaken::CaseAddress>) -> Zaak {
        Zaak {
            url: format!("/api/v1/zaken/{}", z.uuid),
            uuid: z.uuid.clone(),
            identificatie: z.identificatie.clone(),
            zaaktype: z.zaaktype.clone(),
            omschrijving: z.omschrijving.clone(),
            toelichting: z.toelichting.clone(),
            registratiedatum: z.registratiedatum.to_string(),
            startdatum: z.startdatum.to_string(),
            einddatum: z.einddatum.map(|d| d.to_string()),
            vertrouwelijkheidaanduiding: z.vertrouwelijkheidaanduiding.clone(),
            zaakobject: Zaakobject {
                object_type: z.zaakobject.object_type.clone(),
                identificatie: z.zaakobject.identificatie.to_string(),
                buurtcode: z.zaakobject.buurtcode.clone(),
                adres: adres.and_then(|a| a.adres.clone()),
                buurtnaam: adres.and_then(|a| a.buurtnaam.clone()),
            },
            status: z.status.clone(),
            resultaat: z.resultaat.clone(),
            resultaat_toelichting: z.resultaat_toelichting.clone(),
        }
    }
}

/// A partner's own dossier number on the case (ZGW's kenmerken).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Kenmerk {
    pub kenmerk: String,
    /// The organisation whose number it is.
    pub bron: String,
}

/// A case with what the partner needs to act on it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ZaakUitgebreid {
    #[serde(flatten)]
    pub zaak: Zaak,
    /// The partners' own dossier numbers.
    pub kenmerken: Vec<Kenmerk>,
    /// The indicators that raised the case: each needs a bevinding before it closes.
    pub indicatoren: Vec<String>,
    pub bevindingen: Vec<Bevinding>,
}

impl ZaakUitgebreid {
    pub(super) fn of(
        d: &ZaakDetail,
        adres: Option<&loep_app::zaken::CaseAddress>,
    ) -> ZaakUitgebreid {
        ZaakUitgebreid {
            zaak: Zaak::of(&d.zaak, adres),
            kenmerken: d
                .rollen
                .iter()
                .filter_map(|r| {
                    Some(Kenmerk {
                        kenmerk: r.zaakkenmerk.clone()?,
                        bron: r
                            .organisatie
                            .map(|o| o.as_str().to_string())
                            .unwrap_or_default(),
                    })
                })
                .collect(),
            indicatoren: d.indicatoren().into_iter().collect(),
            bevindingen: d.bevindingen.iter().map(Bevinding::from).collect(),
        }
    }
}

/// A page of cases.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ZaakPagina {
    /// How many cases match in all.
    pub count: usize,
    /// The next page, if any.
    pub next: Option<String>,
    /// The previous page, if any.
    pub previous: Option<String>,
    pub results: Vec<Zaak>,
}

/// The filters and page of `GET /api/v1/zaken`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ZakenQuery {
    /// The page, from 1; 100 cases a page.
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Only cases with this status (a statustype code).
    pub status: Option<String>,
    /// Only cases about this verblijfsobject (16-digit BAG id).
    #[serde(rename = "zaakobject")]
    #[param(rename = "zaakobject")]
    pub zaakobject: Option<String>,
}

/// One step in a case's status history.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub volgnr: i64,
    /// A statustype code of the catalogue.
    pub statustype: String,
    pub datum_status_gezet: String,
    pub statustoelichting: String,
}

impl From<&types::StatusRegel> for Status {
    fn from(s: &types::StatusRegel) -> Status {
        Status {
            volgnr: s.volgnr,
            statustype: s.statustype.clone(),
            datum_status_gezet: s.datum_status_gezet.clone(),
            statustoelichting: s.statustoelichting.clone(),
        }
    }
}

/// A new status.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NieuweStatus {
    /// The statustype to move to, by the allowed transitions.
    pub statustype: String,
    /// Why (required for a cancellation).
    #[serde(default)]
    pub statustoelichting: String,
}

/// A visit, planned and perhaps carried out.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Huisbezoek {
    pub volgnr: i64,
    /// The planned date (YYYY-MM-DD).
    pub gepland: String,
    /// The organisations or people who go.
    pub team: Vec<String>,
    pub uitgevoerd: Option<String>,
    /// Who went, once the visit was carried out.
    pub aanwezig: Vec<String>,
    pub uitkomsten: Vec<String>,
    pub toelichting: Option<String>,
}

impl From<&types::Huisbezoek> for Huisbezoek {
    fn from(h: &types::Huisbezoek) -> Huisbezoek {
        Huisbezoek {
            volgnr: h.volgnr,
            gepland: h.gepland.to_string(),
            team: h.team.clone(),
            uitgevoerd: h.uitgevoerd.map(|d| d.to_string()),
            aanwezig: h.aanwezig.clone(),
            uitkomsten: h.uitkomsten.clone(),
            toelichting: h.toelichting.clone(),
        }
    }
}

/// A visit to plan.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NieuwHuisbezoek {
    /// The date (YYYY-MM-DD), today or later.
    pub gepland: String,
    /// Who goes (organisations or names).
    #[serde(default)]
    pub team: Vec<String>,
}

/// A verdict on one indicator of the case.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Bevinding {
    pub indicator: String,
    /// bevestigd, niet_bevestigd or niet_vast_te_stellen.
    pub oordeel: String,
    pub tijdstip: String,
}

impl From<&types::Bevinding> for Bevinding {
    fn from(b: &types::Bevinding) -> Bevinding {
        Bevinding {
            indicator: b.indicator.clone(),
            oordeel: b.oordeel.as_str().to_string(),
            tijdstip: b.tijdstip.clone(),
        }
    }
}

/// A verdict to record.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NieuweBevinding {
    pub indicator: String,
    /// bevestigd, niet_bevestigd or niet_vast_te_stellen.
    pub oordeel: String,
}

/// The outcome of the planned visit.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NieuweUitkomst {
    /// The day the visit took place (`2026-12-06`; default today): never in the future.
    #[serde(default)]
    pub uitgevoerd: Option<String>,
    /// Outcome codes of the catalogue (e.g. `geen_bijzonderheden`, `brp_klopt_niet`).
    pub uitkomsten: Vec<String>,
    /// A verdict for every indicator that raised the case.
    pub bevindingen: Vec<NieuweBevinding>,
    #[serde(default)]
    pub toelichting: String,
    /// Who went (accounts or names, at most 12); default: the account of the key.
    #[serde(default)]
    pub aanwezig: Vec<String>,
}

/// A note, the partner's own dossier number, or both.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NieuweNotitie {
    /// The partner's own findings (may be empty when only the zaakkenmerk is given).
    #[serde(default)]
    pub tekst: String,
    /// The partner's own dossier number, 1 to 40 characters.
    pub zaakkenmerk: Option<String>,
}
