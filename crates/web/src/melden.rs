//! The public report form for residents (`/melden`, no login) and the follow-up by code
//! (`/melden/status`); for the team, the list of reports (`/meldingen`) and their status.
//!
//! The address is matched to the BAG on the server, so the form works without JavaScript: a
//! first submit shows the address as the BAG writes it, the second files the report. Abuse
//! protection without a CAPTCHA: a rate limit per client on the posts (in `web`), the body
//! limit, a field people do not see (bots fill it), and a signed time stamp that refuses
//! forms sent faster than a person types.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use loep_app::Kind;
use loep_app::melden::{CATEGORIEEN, MAX_OMSCHRIJVING, STATUSSEN};
use loep_app::types::Actie;
use serde::Deserialize;
use std::sync::Arc;

use crate::Server;
use crate::extract::{ReadSession, Reply, WriteForm};
use crate::formulier::{Formulier, text};
use crate::pages::{Wie, render};
use crate::web::{app_error, blocking, page_error};
use crate::zaken::Keuze;

/// A form sent sooner than this after it was handed out was not typed by a person.
const MIN_SECONDS: i64 = 3;
/// A form older than this has expired.
pub const MAX_SECONDS: i64 = 4 * 3600;

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn categorieen() -> Vec<Keuze> {
    CATEGORIEEN
        .iter()
        .map(|(c, o)| Keuze {
            code: c.to_string(),
            omschrijving: o.to_string(),
        })
        .collect()
}

/// A field's error, for the error summary and beside the field.
pub struct Fout {
    pub veld: &'static str,
    pub tekst: String,
}

#[derive(Template)]
#[template(path = "melden.html")]
struct Melden {
    /// Who receives the report (the organisation with the lead) and its privacy statement.
    organisatie: Option<String>,
    privacyverklaring: Option<String>,
    contact: Option<String>,
    token: String,
    adres: String,
    categorie: String,
    omschrijving: String,
    categorieen: Vec<Keuze>,
    fouten: Vec<Fout>,
    /// The BAG object found, to confirm: (vbo_id, address written out).
    gevonden: Option<(String, String)>,
    max: usize,
}

impl Melden {
    fn fout(&self, veld: &str) -> Option<&str> {
        self.fouten
            .iter()
            .find(|f| f.veld == veld)
            .map(|f| f.tekst.as_str())
    }
}

fn form(server: &Server) -> anyhow::Result<Melden> {
    let p = server.pool.publicatie()?;
    Ok(Melden {
        organisatie: p.organisatie,
        privacyverklaring: p.privacyverklaring,
        contact: p.contact,
        token: server.formulier.token(now_unix())?,
        adres: String::new(),
        categorie: String::new(),
        omschrijving: String::new(),
        categorieen: categorieen(),
        fouten: vec![],
        gevonden: None,
        max: MAX_OMSCHRIJVING,
    })
}

fn unavailable() -> Response {
    page_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "Het meldformulier is even niet beschikbaar. Probeer het later opnieuw.",
    )
}

pub async fn form_page(State(server): State<Arc<Server>>) -> Response {
    match form(&server) {
        Ok(page) => render(&page),
        Err(_) => unavailable(),
    }
}

#[derive(Template)]
#[template(path = "gemeld.html")]
struct Gemeld {
    code: String,
    adres: String,
}

/// The report form (`melden.html`): what the resident typed, the address the BAG knows that
/// they confirmed (`vbo_id`, from the second send on), the form's signed time stamp (`t`), and
/// `website`, a field hidden from people.
#[derive(Deserialize)]
pub struct MeldForm {
    #[serde(default, deserialize_with = "text")]
    website: String,
    #[serde(default, deserialize_with = "text")]
    adres: String,
    #[serde(default, deserialize_with = "text")]
    categorie: String,
    #[serde(default, deserialize_with = "text")]
    omschrijving: String,
    #[serde(default, deserialize_with = "text")]
    t: String,
    #[serde(default, deserialize_with = "text")]
    vbo_id: String,
    /// Sent by the button that checks the address again: show it, do not file.
    #[serde(default, deserialize_with = "text")]
    opnieuw: String,
}

pub async fn file(
    State(server): State<Arc<Server>>,
    Formulier(v): Formulier<MeldForm>,
) -> Response {
    // A field hidden from people: whatever fills it is not a person.
    if !v.website.is_empty() {
        return page_error(
            StatusCode::BAD_REQUEST,
            "Uw melding kon niet worden verwerkt. Vul alleen de zichtbare velden in en probeer het opnieuw.",
        );
    }
    let Ok(mut page) = form(&server) else {
        return unavailable();
    };
    page.adres = v.adres;
    page.categorie = v.categorie;
    page.omschrijving = v.omschrijving;
    let mut nonce = None;
    match server.formulier.check(&v.t, now_unix()) {
        Some((age, _)) if age < MIN_SECONDS => page.fouten.push(Fout {
            veld: "omschrijving",
            tekst: "U verstuurde het formulier erg snel. Controleer uw melding en verstuur haar opnieuw.".into(),
        }),
        // One form files one report: sent again (a reload of the receipt), it is not filed
        // twice.
        Some((_, n)) if server.used(&n) => {
            return page_error(
                StatusCode::CONFLICT,
                "Deze melding is al ontvangen; u kreeg de code na het versturen. Wilt u nog iets melden? Open het meldformulier opnieuw.",
            );
        }
        // The time counts from when the form was first handed out: confirming the address
        // right away is a person's second click, not a bot's first.
        Some((age, n)) if age <= MAX_SECONDS => {
            page.token = v.t;
            nonce = Some(n);
        }
        _ => page.fouten.push(Fout {
            veld: "omschrijving",
            tekst: "Het formulier was verlopen. Controleer uw melding en verstuur haar opnieuw.".into(),
        }),
    }
    if !CATEGORIEEN.iter().any(|(c, _)| *c == page.categorie) {
        page.fouten.push(Fout {
            veld: "categorie",
            tekst: "Kies waar uw melding over gaat.".into(),
        });
    }
    let n = page.omschrijving.chars().count();
    if n == 0 {
        page.fouten.push(Fout {
            veld: "omschrijving",
            tekst: "Beschrijf wat u ziet of hoort.".into(),
        });
    } else if n > MAX_OMSCHRIJVING {
        page.fouten.push(Fout {
            veld: "omschrijving",
            tekst: format!(
                "Uw beschrijving is {n} tekens; het kan ten hoogste {MAX_OMSCHRIJVING}."
            ),
        });
    }
    let vinder = match server.adresvinder().await {
        Ok(f) => f,
        Err(e) => return app_error(&e),
    };
    let found = vinder.find(&page.adres);
    let bevestigd = v.vbo_id;
    match &found {
        Err(why) => page.fouten.push(Fout {
            veld: "adres",
            tekst: why.clone(),
        }),
        Ok((vbo, w)) => page.gevonden = Some((vbo.clone(), w.clone())),
    }
    // The first send shows the address as the BAG knows it; the second, confirmed, files.
    let confirmed = v.opnieuw.is_empty() && matches!(&found, Ok((vbo, _)) if *vbo == bevestigd);
    if !page.fouten.is_empty() || !confirmed {
        let status = if page.fouten.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        return (status, render(&page)).into_response();
    }
    let (dir, adres, categorie, omschrijving) = (
        server.dir.clone(),
        page.adres.clone(),
        page.categorie.clone(),
        page.omschrijving.clone(),
    );
    let written = page.gevonden.clone().map(|g| g.1).unwrap_or_default();
    // One form files one report, also when it is sent several times at once.
    if let Some(n) = &nonce
        && !server.reserve_nonce(n, now_unix())
    {
        return page_error(
            StatusCode::CONFLICT,
            "Deze melding is al ontvangen; u kreeg de code na het versturen. Wilt u nog iets melden? Open het meldformulier opnieuw.",
        );
    }
    // Filing writes the project: as the server's one writer.
    let turn = server.writer_turn().await;
    let filed = blocking(move || {
        let _turn = turn;
        loep_app::melden::file(&dir, &vinder, &adres, &bevestigd, &categorie, &omschrijving)
    })
    .await;
    match filed {
        Ok(o) => render(&Gemeld {
            code: o.code,
            adres: written,
        }),
        // Said on the form, which keeps what the resident wrote: residents have no account,
        // and a busy project is a reason to try again (with the same form).
        Err(e) if e.kind != Kind::Internal => {
            if let Some(n) = &nonce {
                server.release_nonce(n);
            }
            let status = match e.kind {
                Kind::Invalid => StatusCode::BAD_REQUEST,
                Kind::Conflict => StatusCode::CONFLICT,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            page.fouten.push(Fout {
                veld: "adres",
                tekst: if e.kind == Kind::Conflict {
                    "Het meldpunt is even bezig. Verstuur uw melding over een minuut opnieuw."
                        .into()
                } else {
                    e.message()
                },
            });
            (status, render(&page)).into_response()
        }
        Err(e) => {
            if let Some(n) = &nonce {
                server.release_nonce(n);
            }
            app_error(&e)
        }
    }
}

#[derive(Template)]
#[template(path = "melden-status.html")]
struct MeldenStatus {
    code: String,
    /// (state in plain words, received, last changed) of the report the code names.
    stand: Option<(String, String, String)>,
    fout: Option<String>,
}

pub async fn status_form() -> Response {
    render(&MeldenStatus {
        code: String::new(),
        stand: None,
        fout: None,
    })
}

/// The form that asks for the state of a report by its follow-up code.
#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default, deserialize_with = "text")]
    code: String,
}

pub async fn status(
    State(server): State<Arc<Server>>,
    Formulier(CodeForm { code }): Formulier<CodeForm>,
) -> Reply {
    let dir = server.dir.clone();
    let c = code.clone();
    Ok(match blocking(move || loep_app::melden::stand(&dir, &c)).await? {
        Some(s) => render(&MeldenStatus {
            code,
            stand: Some((
                STATUSSEN
                    .iter()
                    .find(|(k, _)| *k == s.status)
                    .map_or("ontvangen", |(_, t)| t)
                    .to_string(),
                loep_app::nl::tijdstip(&s.ontvangen),
                loep_app::nl::tijdstip(&s.bijgewerkt),
            )),
            fout: None,
        }),
        None => (
            StatusCode::NOT_FOUND,
            render(&MeldenStatus {
                code,
                stand: None,
                fout: Some("Met deze code is geen melding te vinden. Controleer de code: 16 letters en cijfers, zoals u die kreeg na het melden.".into()),
            }),
        )
            .into_response(),
    })
}

pub struct MeldingRegel {
    pub id: String,
    pub ontvangen: String,
    pub adres: String,
    pub vbo_id: String,
    pub categorie: String,
    pub omschrijving: String,
    pub status: String,
    /// The states it may go to next.
    pub volgende: Vec<Keuze>,
}

pub fn melding_regel(m: &loep_app::melden::Burgermelding) -> MeldingRegel {
    let at = STATUSSEN
        .iter()
        .position(|(k, _)| *k == m.status)
        .unwrap_or(0);
    MeldingRegel {
        id: m.melding_id.clone(),
        ontvangen: loep_app::nl::tijdstip(&m.ontvangen),
        adres: m.adres.clone(),
        vbo_id: m.vbo_id.to_string(),
        categorie: m.categorie.clone(),
        omschrijving: m.omschrijving.clone(),
        status: STATUSSEN[at].1.to_string(),
        volgende: STATUSSEN[at + 1..]
            .iter()
            .map(|(k, t)| Keuze {
                code: k.to_string(),
                omschrijving: t.to_string(),
            })
            .collect(),
    }
}

/// One report of the one register: from the form or from the municipality's delivery.
pub struct RegisterRegel {
    /// JJJJ-MM-DD, for the order.
    pub dag: String,
    pub datum: String,
    pub bron: &'static str,
    pub categorie: String,
    /// The address as the resident gave it.
    pub adres: String,
    /// The BAG object (confirmed by the resident, or found by the linkage).
    pub vbo_id: Option<String>,
    /// The state (form reports), or what is known of a delivered one.
    pub status: String,
    /// Further words: the topics of a delivered report, the description of a form report.
    pub over: String,
    /// The anchor of a form report's section with its status form.
    pub anker: Option<String>,
}

/// A code of the contract's report categories in words (`verdachte_bewoning`: verdachte bewoning).
fn categorie(code: &str) -> String {
    code.replace('_', " ")
}

pub fn register_regels(
    form: &[loep_app::melden::Burgermelding],
    delivered: &[loep_app::melden::GeleverdeMelding],
) -> Vec<RegisterRegel> {
    let mut out: Vec<RegisterRegel> = form
        .iter()
        .map(|m| {
            let r = melding_regel(m);
            RegisterRegel {
                dag: m.ontvangen.get(..10).unwrap_or_default().to_string(),
                datum: r.ontvangen,
                bron: "meldformulier",
                categorie: categorie(&m.categorie),
                adres: m.adres.clone(),
                vbo_id: Some(m.vbo_id.to_string()),
                status: r.status,
                over: m.omschrijving.clone(),
                anker: Some(m.melding_id.clone()),
            }
        })
        .collect();
    out.extend(delivered.iter().map(|m| {
        RegisterRegel {
            dag: m.datum.to_string(),
            datum: loep_app::nl::datum(&m.datum.to_string()),
            bron: "levering van de gemeente",
            categorie: categorie(&m.categorie),
            adres: if m.anoniem {
                format!("{} (anoniem gemeld)", m.adres)
            } else {
                m.adres.clone()
            },
            vbo_id: m.vbo_id.map(|v| v.to_string()),
            status: match &m.vbo_id {
                Some(_) => "in het meldingensysteem van de gemeente".to_string(),
                None => "adres niet zeker aan een BAG-object gekoppeld".to_string(),
            },
            over: m
                .onderwerpen
                .as_deref()
                .map(|o| format!("onderwerp: {}", o.replace(',', ", ")))
                .unwrap_or_default(),
            anker: None,
        }
    }));
    // The newest first; on one day the form's before the delivery's.
    out.sort_by(|a, b| b.dag.cmp(&a.dag));
    out
}

/// Rows per page of the register.
const PER_PAGINA: usize = 100;

#[derive(Template)]
#[template(path = "meldingen.html")]
struct Meldingen {
    wie: Wie,
    register: Vec<RegisterRegel>,
    /// Form reports with their status forms.
    meldingen: Vec<MeldingRegel>,
    mag_behandelen: bool,
    formulier: usize,
    geleverd: usize,
    pagina: usize,
    paginas: usize,
}

#[derive(Deserialize)]
pub struct Pagina {
    #[serde(default)]
    pagina: Option<usize>,
}

/// `GET /meldingen`: one register of residents' reports, from the form and from the
/// municipality's delivery, the newest first and paged; below it the form's reports with
/// their status.
pub async fn list(
    ReadSession(s, csrf): ReadSession,
    axum::extract::Query(q): axum::extract::Query<Pagina>,
) -> Reply {
    let p = blocking(move || {
        let all = loep_app::melden::list(&s)?;
        let delivered = loep_app::melden::delivered(&s, None)?;
        let register = register_regels(&all, &delivered);
        let paginas = register.len().div_ceil(PER_PAGINA).max(1);
        let pagina = q.pagina.unwrap_or(1).clamp(1, paginas);
        Ok(Meldingen {
            mag_behandelen: s.may(Actie::SignalenBekijken) && s.may(Actie::ZaakBehandelen),
            wie: Wie::of(&s, csrf),
            formulier: all.len(),
            geleverd: delivered.len(),
            register: register
                .into_iter()
                .skip((pagina - 1) * PER_PAGINA)
                .take(PER_PAGINA)
                .collect(),
            meldingen: all.iter().map(melding_regel).collect(),
            pagina,
            paginas,
        })
    })
    .await?;
    Ok(render(&p))
}

/// The team's form that moves a report on.
#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default, deserialize_with = "text")]
    status: String,
}

pub async fn set_status(
    Path(id): Path<String>,
    WriteForm(mut s, _, StatusForm { status }): WriteForm<StatusForm>,
) -> Reply {
    let m = blocking(move || loep_app::melden::set_status(&mut s, &id, &status)).await?;
    Ok(Redirect::to(&format!("/meldingen#melding-{}", m.melding_id)).into_response())
}
