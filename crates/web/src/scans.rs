//! Scans from the browser (`/scans`): an analist starts a run of the indicator catalogue, which
//! runs on a thread of its own (DataFusion with its own threads), off the request path; the
//! page shows its progress per indicator and the runs so far, and every other page stays
//! responsive meanwhile. One scan at a time per server.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use loep_app::scan::ScanProgress;
use loep_app::types::Actie;
use std::sync::{Arc, Mutex};

use crate::Server;
use crate::extract::{ReadSession, Reply, WriteForm};
use crate::formulier::Leeg;
use crate::pages::{Wie, render};
use crate::web::{blocking, page_error};

/// Where the server's scan is.
#[derive(Debug, Clone, Default)]
pub struct ScanState {
    /// Set while a scan runs: who started it, when, and how far it is.
    pub loopt: Option<Voortgang>,
    /// How the last scan of this server ended.
    pub laatste: Option<Result<String, String>>,
}

#[derive(Debug, Clone)]
pub struct Voortgang {
    pub door: String,
    pub gestart: String,
    pub klaar: usize,
    pub totaal: usize,
    pub indicator: String,
}

/// Tells the shared state which indicator runs.
struct Melder(Arc<Mutex<ScanState>>);

impl ScanProgress for Melder {
    fn indicator(&self, done: usize, total: usize, code: &str) {
        if let Ok(mut s) = self.0.lock()
            && let Some(v) = s.loopt.as_mut()
        {
            v.klaar = done;
            v.totaal = total;
            v.indicator = code.to_string();
        }
    }
}

pub struct Run {
    pub run_id: String,
    pub tijdstip: String,
    pub signalen: i64,
    pub adressen: i64,
}

#[derive(Template)]
#[template(path = "scans.html")]
struct Scans {
    wie: Wie,
    mag_starten: bool,
    loopt: Option<Voortgang>,
    laatste: Option<Result<String, String>>,
    runs: Vec<Run>,
    /// The privacy officer and the beheerder see each run's certificate.
    mag_controleren: bool,
}

/// `GET /scans`: the server's scan (running, or how the last ended) and the project's runs.
pub async fn page(State(server): State<Arc<Server>>, ReadSession(s, csrf): ReadSession) -> Reply {
    let state = server.scan.lock().map(|s| s.clone()).unwrap_or_default();
    let p = blocking(move || {
        let status = loep_app::project::status(&s)?;
        Ok(Scans {
            mag_starten: s.may(Actie::ScanUitvoeren),
            mag_controleren: s.may(Actie::LogControleren),
            wie: Wie::of(&s, csrf),
            loopt: state.loopt,
            laatste: state.laatste,
            runs: status
                .scans
                .iter()
                .rev()
                .map(|r| Run {
                    run_id: r.run_id.clone(),
                    tijdstip: loep_app::nl::tijdstip(&r.tijdstip),
                    signalen: r.signalen,
                    adressen: r.adressen,
                })
                .collect(),
        })
    })
    .await?;
    Ok(render(&p))
}

/// One check of a run against its certificate, as the page shows it.
pub struct ControleRegel {
    pub onderdeel: String,
    pub uitkomst: &'static str,
    /// Whether it does not hold (shown as an error).
    pub fout: bool,
    pub toelichting: String,
}

#[derive(Template)]
#[template(path = "certificaat.html")]
struct CertificaatPagina {
    wie: Wie,
    run_id: String,
    tijdstip: String,
    sha256: String,
    c: loep_app::scan::Certificaat,
    controles: Vec<ControleRegel>,
    intact: bool,
    /// Per indicator its parameters written out (`naam = waarde`).
    parameters: Vec<String>,
    /// Per indicator its theme in words.
    themas: Vec<&'static str>,
}

/// `GET /scans/{run}/certificaat`: the run's certificate for the privacy officer, written out,
/// with the checks that need no recomputation (`loep run verifieer` computes the run again).
pub async fn certificaat(
    ReadSession(s, csrf): ReadSession,
    axum::extract::Path(run): axum::extract::Path<String>,
) -> Reply {
    let p = blocking(move || {
        let v = loep_app::scan::certificate(&s, Some(&run))?;
        let controles = v
            .controles
            .iter()
            .map(|k| ControleRegel {
                onderdeel: k.onderdeel.clone(),
                uitkomst: match k.klopt {
                    Some(true) => "klopt",
                    Some(false) => "klopt niet",
                    None => "niet te controleren",
                },
                fout: k.klopt == Some(false),
                toelichting: k.toelichting.clone(),
            })
            .collect();
        let parameters = v
            .certificaat
            .indicatoren
            .iter()
            .map(|i| {
                i.parameters
                    .iter()
                    .map(|(k, x)| {
                        format!(
                            "{k} = {}",
                            loep_app::scan::format_number(*x).replace('.', ",")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect();
        let themas = v
            .certificaat
            .indicatoren
            .iter()
            .map(|i| loep_app::inzage::labels::theme(&i.thema))
            .collect();
        Ok(CertificaatPagina {
            themas,
            wie: Wie::of(&s, csrf),
            run_id: v.certificaat.run_id.clone(),
            tijdstip: loep_app::nl::tijdstip(&v.certificaat.tijdstip),
            intact: v.intact(),
            sha256: v.certificaat_sha256.clone(),
            c: v.certificaat,
            controles,
            parameters,
        })
    })
    .await?;
    Ok(render(&p))
}

/// `GET /scans/{run}/certificaat.json`: the certificate exactly as stored (its SHA-256 is the
/// one the log names), for an auditor to keep.
pub async fn certificaat_json(
    ReadSession(s, _): ReadSession,
    axum::extract::Path(run): axum::extract::Path<String>,
) -> Reply {
    let file = format!("certificaat-{run}.json");
    let text = blocking(move || loep_app::scan::certificate_text(&s, Some(&run))).await;
    let t = text?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/json".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        t,
    )
        .into_response())
}

/// `POST /scans`: starts a scan on a thread of its own and answers at once.
pub async fn start(
    State(server): State<Arc<Server>>,
    WriteForm(s, _, _): WriteForm<Leeg>,
) -> Reply {
    if !s.may(Actie::ScanUitvoeren) {
        return Ok(page_error(
            StatusCode::FORBIDDEN,
            "Dit mag uw account niet: alleen een analist start een scan.",
        ));
    }
    {
        let Ok(mut state) = server.scan.lock() else {
            return Ok(page_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "De toestand van de scan is onleesbaar; start de server opnieuw.",
            ));
        };
        if state.loopt.is_some() {
            return Ok(page_error(
                StatusCode::CONFLICT,
                "Er loopt al een scan. Wacht tot die klaar is; de pagina Scans toont hoe ver hij is.",
            ));
        }
        state.loopt = Some(Voortgang {
            door: s.user().naam().to_string(),
            gestart: loep_app::nl::tijdstip(&loep_app::now()),
            klaar: 0,
            totaal: 0,
            indicator: String::new(),
        });
    }
    // The scan holds the project's own lock, not the server's writer turn: other writes wait
    // briefly and are then told the project is busy, reads go on.
    let mut session = s.into_session();
    let shared = server.scan.clone();
    let spawned = std::thread::Builder::new()
        .name("loep-scan".into())
        // As a CLI's main thread has: planning an indicator's SQL recurses deeply (in a debug
        // build past the 2 MiB a spawned thread gets by default).
        .stack_size(loep_app::scan::STACK_SIZE)
        .spawn(move || {
            let melder = Melder(shared.clone());
            let result = loep_app::scan::run(
                &mut session,
                loep_app::scan::DEFAULT_MEMORY_LIMIT,
                &melder,
            );
            drop(session);
            if let Ok(mut state) = shared.lock() {
                state.loopt = None;
                state.laatste = Some(match result {
                    Ok(r) => Ok(format!(
                        "Scan {} is klaar: {} signalen op {} adressen, waarvan {} verwonderadressen.",
                        r.run_id, r.signalen, r.adressen, r.verwonderadressen
                    )),
                    Err(e) => Err(crate::web::shown(&e)),
                });
            }
        });
    if spawned.is_err() {
        if let Ok(mut state) = server.scan.lock() {
            state.loopt = None;
        }
        return Ok(page_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "De scan kon niet worden gestart (geen thread). Probeer het opnieuw.",
        ));
    }
    Ok(Redirect::to("/scans").into_response())
}
