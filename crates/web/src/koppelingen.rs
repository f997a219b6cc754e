//! `/koppelingen`: clerical review of links by name in the browser, with four eyes (an analist
//! proposes on a fixed ground, a key holder confirms or turns down).

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use loep_app::Mode;
use loep_app::beoordeling::{self, Besluit, GRONDEN, Paar};
use serde::Deserialize;
use std::sync::Arc;

use crate::Server;
use crate::extract::{ReadSession, Reply};
use crate::pages::{Wie, csrf_refused, render};
use crate::web::{blocking, page_error, session};

/// One pair on the page.
pub struct PaarRegel {
    pub bron: String,
    pub bron_code: String,
    pub record_key: String,
    pub pseudoniem: String,
    pub adres: Option<String>,
    pub kans: String,
    /// Where it stands, in words.
    pub stand: String,
    /// The linkage's waterfall: comparison, outcome, weight.
    pub stappen: Vec<(String, String, String)>,
    pub open: Option<OpenVoorstel>,
    pub besloten: Option<String>,
    /// The pair is no longer in the current linkage run: its proposal can only be turned down.
    pub verdwenen: bool,
}

pub struct OpenVoorstel {
    pub nr: i64,
    pub tekst: String,
}

#[derive(Template)]
#[template(path = "koppelingen.html")]
struct Koppelingen {
    wie: Wie,
    regels: Vec<PaarRegel>,
    mag_voorstellen: bool,
    mag_bevestigen: bool,
    /// The grounds to choose from: code and words (with the decision they mean).
    gronden: Vec<(&'static str, String)>,
    melding: Option<String>,
    totaal: usize,
    pagina: usize,
    paginas: usize,
}

/// A decision and its ground in words.
fn voorstel_tekst(besluit: Besluit, grond: &str) -> String {
    let wat = match besluit {
        Besluit::Koppelen => "koppelen",
        Besluit::NietKoppelen => "niet koppelen",
    };
    match loep_app::beoordeling::GRONDEN.iter().find(|g| g.1 == grond) {
        Some(g) => format!("{wat}; grond: {}", g.2),
        None => wat.to_string(),
    }
}

#[derive(Deserialize, Default)]
pub struct KoppelingenQuery {
    #[serde(default)]
    gedaan: Option<String>,
    #[serde(default)]
    pagina: Option<usize>,
}

/// `GET /koppelingen`: the pairs of the current linkage run to review, with the linkage's
/// reasoning; a form to propose, or to confirm a proposal.
pub async fn list(
    ReadSession(s, csrf): ReadSession,
    q: Result<Query<KoppelingenQuery>, QueryRejection>,
) -> Reply {
    // A page number that is not one shows the first page.
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let p = blocking(move || {
        let o = beoordeling::overzicht(&s, q.pagina.unwrap_or(1))?;
        let regels = o
            .regels
            .into_iter()
            .map(|r| {
                let k = &r.kandidaat;
                let stand = match (&r.open, k.status.as_str()) {
                    (Some(_), beoordeling::STALE) => format!(
                        "voorstel wacht op een tweede beoordelaar; het paar staat {}",
                        beoordeling::STALE
                    ),
                    (Some(_), _) => "voorstel wacht op een tweede beoordelaar".to_string(),
                    (None, "beoordelen") => "te beoordelen".to_string(),
                    (None, beoordeling::STALE) => beoordeling::STALE.to_string(),
                    (None, "gekoppeld") => "gekoppeld na beoordeling".to_string(),
                    (None, _) => "niet gekoppeld na beoordeling".to_string(),
                };
                PaarRegel {
                    bron: r.bron.clone(),
                    bron_code: k.bron.clone(),
                    record_key: k.record_key.clone(),
                    pseudoniem: k.pseudoniem.clone(),
                    adres: r.adres.clone(),
                    verdwenen: k.status == beoordeling::STALE,
                    kans: format!("{} %", loep_app::nl::getal(k.kans * 100.0, 1)),
                    stand,
                    stappen: r
                        .stappen
                        .iter()
                        .map(|st| {
                            (
                                st.vergelijking.clone(),
                                st.niveau.clone(),
                                loep_app::nl::getal(st.gewicht, 2),
                            )
                        })
                        .collect(),
                    open: r.open.as_ref().map(|v| OpenVoorstel {
                        nr: v.nr,
                        tekst: format!(
                            "{} ({})",
                            voorstel_tekst(v.besluit, &v.grond),
                            loep_app::nl::tijdstip(&v.tijdstip)
                        ),
                    }),
                    besloten: r.besloten.as_ref().map(|v| {
                        format!(
                            "{}, bevestigd {}",
                            voorstel_tekst(v.besluit, &v.grond),
                            v.beoordeeld
                                .as_deref()
                                .map(loep_app::nl::tijdstip)
                                .unwrap_or_default()
                        )
                    }),
                }
            })
            .collect();
        Ok(Koppelingen {
            wie: Wie::of(&s, csrf),
            regels,
            mag_voorstellen: o.mag_voorstellen,
            mag_bevestigen: o.mag_bevestigen,
            gronden: GRONDEN
                .iter()
                .map(|(b, code, words)| {
                    let wat = match b {
                        Besluit::Koppelen => "Koppelen",
                        Besluit::NietKoppelen => "Niet koppelen",
                    };
                    (*code, format!("{wat}: {words}"))
                })
                .collect(),
            melding: match q.gedaan.as_deref() {
                Some("voorstel") => Some(
                    "Uw voorstel is vastgelegd. Het telt pas als een sleutelhouder het bevestigt."
                        .to_string(),
                ),
                Some("bevestigd") => Some(
                    "Bevestigd. De gegevens zijn opnieuw gekoppeld; de volgende scan leest het besluit."
                        .to_string(),
                ),
                Some("afgewezen") => Some("Het voorstel is afgewezen.".to_string()),
                Some("later") => Some(
                    "Bevestigd, maar opnieuw koppelen lukte nu niet. Het besluit staat vast: de volgende koppeling, na een levering, past het toe."
                        .to_string(),
                ),
                _ => None,
            },
            totaal: o.totaal,
            pagina: o.pagina,
            paginas: o.paginas,
        })
    })
    .await?;
    Ok(render(&p))
}

/// The writing session of a form's post, its CSRF token checked.
async fn writer(
    server: &Arc<Server>,
    headers: &HeaderMap,
    token: &str,
) -> Result<crate::web::Held, Response> {
    let (s, csrf) = session(server, headers, Mode::Write).await?;
    match csrf_refused(token, &csrf) {
        Some(refused) => Err(refused),
        None => Ok(s),
    }
}

/// A form that lacks a field (an old page, a hand-made request): said in Dutch.
fn incomplete() -> Response {
    page_error(
        StatusCode::BAD_REQUEST,
        "Het formulier is niet volledig. Open de pagina Koppelingen opnieuw en probeer het nog eens.",
    )
}

/// The form of a proposal.
#[derive(Deserialize)]
pub struct VoorstelForm {
    csrf: String,
    bron: String,
    record_key: String,
    pseudoniem: String,
    grond: String,
}

/// `POST /koppelingen`: an analist proposes, on a ground from the list.
pub async fn propose(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    form: Result<Form<VoorstelForm>, FormRejection>,
) -> Reply {
    let Ok(Form(form)) = form else {
        return Ok(incomplete());
    };
    let mut s = writer(&server, &headers, &form.csrf).await?;
    let paar = Paar {
        bron: form.bron,
        record_key: form.record_key,
        pseudoniem: form.pseudoniem,
    };
    let grond = form.grond;
    blocking(move || beoordeling::voorstellen(&mut s, &paar, &grond)).await?;
    Ok(Redirect::to("/koppelingen?gedaan=voorstel").into_response())
}

/// The form of a decision.
#[derive(Deserialize)]
pub struct BesluitForm {
    csrf: String,
    besluit: String,
}

/// `POST /koppelingen/{nr}/besluit`: a key holder confirms the proposal (and the project links
/// anew) or turns it down.
pub async fn decide(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    nr: Result<Path<i64>, PathRejection>,
    form: Result<Form<BesluitForm>, FormRejection>,
) -> Reply {
    let Ok(Path(nr)) = nr else {
        return Ok(page_error(
            StatusCode::NOT_FOUND,
            "Dit voorstel bestaat niet.",
        ));
    };
    let Ok(Form(form)) = form else {
        return Ok(incomplete());
    };
    let mut s = writer(&server, &headers, &form.csrf).await?;
    let bevestigen = match form.besluit.as_str() {
        "bevestigen" => true,
        "afwijzen" => false,
        _ => {
            return Ok(page_error(
                StatusCode::BAD_REQUEST,
                "Kies bevestigen of afwijzen.",
            ));
        }
    };
    Ok(
        match blocking(move || beoordeling::beslissen(&mut s, nr, bevestigen)).await? {
            // The decision stands; the reason linking failed is for the beheerder (the CLI's
            // `loep intake` links again and says it), not for this page.
            (_, Some(_)) => Redirect::to("/koppelingen?gedaan=later").into_response(),
            (_, None) => Redirect::to(if bevestigen {
                "/koppelingen?gedaan=bevestigd"
            } else {
                "/koppelingen?gedaan=afgewezen"
            })
            .into_response(),
        },
    )
}
