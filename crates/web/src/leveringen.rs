//! The beheerder's deliveries in the browser (`/leveringen`): every delivery with its report
//! (tables, rejects by reason, changes against the previous delivery, rows carried over), and
//! an upload of a new delivery as one zip file. An upload is unpacked inside the project,
//! checked by a dry run (the same report, nothing loaded), and loaded only when the beheerder
//! confirms it; a delivery not confirmed is removed when the next one is uploaded or after an
//! hour.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use loep_app::Mode;
use loep_app::intake::{IntakeReport, Upload};
use loep_app::types::Actie;
use std::sync::Arc;

use crate::Server;
use crate::extract::{ReadSession, Reply, WriteForm};
use crate::formulier::text;
use crate::pages::{Wie, csrf_refused, render};
use crate::web::{blocking, page_error, session};

/// The largest zip the browser may upload (larger deliveries go through `loep intake`).
pub const UPLOAD_LIMIT: usize = 512 << 20;
/// How long an unconfirmed upload is kept.
const KEPT_SECONDS: u64 = 3600;

/// An upload waiting for the beheerder's confirmation.
pub struct Waiting {
    pub upload: Upload,
    pub door: String,
    pub sinds: std::time::Instant,
}

/// One table of a report, as a row of the page.
pub struct TabelRegel {
    pub tabel: String,
    pub bestand: String,
    pub uitkomst: String,
    pub gelezen: u64,
    pub geladen: u64,
    pub afgewezen: u64,
    pub buiten_gebied: u64,
    /// "12 nieuw, 3 gewijzigd, 1 verwijderd" against the previous delivery, when there was one.
    pub wijzigingen: String,
    /// Rows of the previous delivery kept in force, per line.
    pub overgenomen: Vec<String>,
    /// The first keys removed.
    pub verwijderd: Vec<String>,
    /// What the conversion of a published form said.
    pub bron: Vec<String>,
}

/// A report as the page shows it.
pub struct Verslag {
    pub tabellen: Vec<TabelRegel>,
    /// (count, "bestand / kolom: reden"), most first.
    pub redenen: Vec<(u64, String)>,
    pub afgewezen: u64,
    /// The first rejected values with file, line and column (identifying values masked).
    pub eerste: Vec<String>,
}

fn u(v: &serde_json::Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

fn texts(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A report (as the intake wrote it, or of a dry run) for the page.
fn verslag(r: &serde_json::Value) -> Verslag {
    let tabellen = r["tabellen"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .map(|t| {
                    let w = &t["wijzigingen"];
                    let unchanged = t["uitkomst"].as_str() == Some("unchanged");
                    TabelRegel {
                        tabel: t["tabel"].as_str().unwrap_or_default().to_string(),
                        bestand: t["bestand"].as_str().unwrap_or_default().to_string(),
                        uitkomst: match t["uitkomst"].as_str() {
                            Some("unchanged") => "ongewijzigd".into(),
                            _ => "nieuwe stand".into(),
                        },
                        gelezen: u(&t["rijen_gelezen"]),
                        geladen: u(&t["rijen_geladen"]),
                        afgewezen: u(&t["rijen_afgewezen"]),
                        buiten_gebied: u(&t["rijen_buiten_gebied"]),
                        wijzigingen: if unchanged {
                            "niets: hetzelfde bestand als de huidige stand".into()
                        } else if w.is_object() {
                            format!(
                                "{} nieuw, {} gewijzigd, {} ongewijzigd, {} verwijderd, {} overgenomen",
                                u(&w["rijen_toegevoegd"]),
                                u(&w["rijen_gewijzigd"]),
                                u(&w["rijen_ongewijzigd"]),
                                u(&w["rijen_verwijderd"]),
                                w["overgenomen"].as_array().map_or(0, Vec::len)
                            )
                        } else {
                            "geen vorige levering".into()
                        },
                        overgenomen: w["overgenomen"]
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .map(|c| {
                                        format!(
                                            "regel {}: {}",
                                            u(&c["regel"]),
                                            c["sleutel"].as_str().unwrap_or_default()
                                        )
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                        verwijderd: texts(&w["verwijderd"]),
                        bron: texts(&t["bron"]),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let mut redenen: Vec<(u64, String)> = r["afwijzingen_per_reden"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (u(v), k.clone())).collect())
        .unwrap_or_default();
    redenen.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let eerste = r["afwijzingen"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    format!(
                        "{} regel {}, kolom {}: '{}': {}",
                        x["bestand"].as_str().unwrap_or_default(),
                        u(&x["regel"]),
                        x["kolom"].as_str().unwrap_or_default(),
                        x["waarde"].as_str().unwrap_or_default(),
                        x["reden"].as_str().unwrap_or_default()
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Verslag {
        tabellen,
        redenen,
        afgewezen: u(&r["afwijzingen_totaal"]),
        eerste,
    }
}

pub struct LeveringRegel {
    pub id: String,
    pub partner: String,
    pub peildatum: String,
    pub map: String,
    pub tijdstip: String,
    pub verslag: Option<Verslag>,
}

#[derive(Template)]
#[template(path = "leveringen.html")]
struct Leveringen {
    wie: Wie,
    leveringen: Vec<LeveringRegel>,
    limiet_mb: usize,
}

#[derive(Template)]
#[template(path = "levering-proef.html")]
struct Proef {
    wie: Wie,
    /// The upload to confirm, when the dry run found nothing that refuses it.
    bevestig: Option<String>,
    bestanden: Vec<String>,
    verslag: Option<Verslag>,
    /// Why the delivery would be refused, per file.
    problemen: Vec<String>,
    /// After a real intake: its delivery id.
    geladen: Option<String>,
}

/// `GET /leveringen`: every delivery with its report, and the upload form.
pub async fn page(ReadSession(s, csrf): ReadSession) -> Reply {
    let p = blocking(move || {
        let list = loep_app::intake::deliveries(&s)?;
        Ok(Leveringen {
            wie: Wie::of(&s, csrf),
            limiet_mb: UPLOAD_LIMIT >> 20,
            leveringen: list
                .into_iter()
                .map(|(d, r)| LeveringRegel {
                    id: d.levering_id,
                    partner: d.partner.unwrap_or_else(|| "onbekend".into()),
                    peildatum: d.peildatum.unwrap_or_else(|| "niet opgegeven".into()),
                    map: d.map,
                    tijdstip: loep_app::nl::tijdstip(&d.tijdstip),
                    verslag: r.as_ref().map(verslag),
                })
                .collect(),
        })
    })
    .await?;
    Ok(render(&p))
}

/// Uploads older than an hour go, with their files.
fn expire(server: &Server) {
    if let Ok(mut w) = server.uploads.lock() {
        w.retain(|_, u| {
            let keep = u.sinds.elapsed().as_secs() < KEPT_SECONDS;
            if !keep {
                loep_app::intake::drop_upload(&u.upload);
            }
            keep
        });
    }
}

fn report_json(r: &IntakeReport) -> serde_json::Value {
    serde_json::to_value(r).unwrap_or_default()
}

/// `POST /leveringen/proef` (multipart: `csrf`, `bestand`): unpacks the zip, runs the dry run
/// and shows what the delivery would change, with a button to load it.
pub async fn proef(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Reply {
    // Who may not load deliveries is refused before the body is read, and the body (up to
    // the limit) is read before the writer's turn is taken, so that a slow upload does not
    // hold up the server's other writes.
    {
        let (reader, _) = session(&server, &headers, Mode::Read).await?;
        if !reader.may(Actie::LeveringLaden) {
            return Ok(page_error(
                StatusCode::FORBIDDEN,
                "Dit mag uw account niet: alleen de beheerder laadt leveringen.",
            ));
        }
    }
    let mut given = String::new();
    let mut zip: Option<Vec<u8>> = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                match field.bytes().await {
                    Ok(b) if name == "csrf" => given = String::from_utf8_lossy(&b).into_owned(),
                    Ok(b) if name == "bestand" => zip = Some(b.to_vec()),
                    Ok(_) => {}
                    Err(e) => {
                        return Ok(page_error(
                            StatusCode::BAD_REQUEST,
                            &format!(
                                "Het bestand kwam niet heel aan ({}). Een levering via de browser is hooguit {} MB; lever een grotere met loep intake.",
                                e.body_text(),
                                UPLOAD_LIMIT >> 20
                            ),
                        ));
                    }
                }
            }
            Ok(None) => break,
            Err(e) => {
                return Ok(page_error(
                    StatusCode::BAD_REQUEST,
                    &format!("Het formulier is onleesbaar ({}).", e.body_text()),
                ));
            }
        }
    }
    let (mut s, csrf) = session(&server, &headers, Mode::Write).await?;
    if let Some(refused) = csrf_refused(&given, &csrf) {
        return Ok(refused);
    }
    let Some(zip) = zip.filter(|z| !z.is_empty()) else {
        return Ok(page_error(
            StatusCode::BAD_REQUEST,
            "Kies een zipbestand met de levering (de tabelbestanden en levering.toml).",
        ));
    };
    expire(&server);
    let door = s.user().naam().to_string();
    let (upload, result, wie) = blocking(move || {
        let upload = loep_app::intake::unpack_upload(&s, &zip)?;
        let result = loep_app::intake::proef(&mut s, &upload.dir, &loep_app::intake::NoProgress);
        Ok((upload, result, Wie::of(&s, csrf)))
    })
    .await?;
    let bestanden = upload.files.clone();
    Ok(match result {
        Ok(report) => {
            let id = upload.id.clone();
            if let Ok(mut w) = server.uploads.lock() {
                w.insert(
                    id.clone(),
                    Waiting {
                        upload,
                        door,
                        sinds: std::time::Instant::now(),
                    },
                );
            }
            render(&Proef {
                wie,
                bevestig: Some(id),
                bestanden,
                verslag: Some(verslag(&report_json(&report))),
                problemen: Vec::new(),
                geladen: None,
            })
        }
        Err(refusal) => {
            loep_app::intake::drop_upload(&upload);
            let problemen = if refusal.problems.is_empty() {
                vec![crate::web::shown(&refusal.error)]
            } else {
                refusal.problems.iter().map(|p| p.to_string()).collect()
            };
            (
                StatusCode::BAD_REQUEST,
                render(&Proef {
                    wie,
                    bevestig: None,
                    bestanden,
                    verslag: None,
                    problemen,
                    geladen: None,
                }),
            )
                .into_response()
        }
    })
}

/// The form that confirms loading an upload after its dry run.
#[derive(serde::Deserialize)]
pub struct LadenForm {
    #[serde(default, deserialize_with = "text")]
    upload: String,
}

/// `POST /leveringen/laden` (`csrf`, `upload`): loads an upload whose dry run the same
/// beheerder saw, then removes its files.
pub async fn laden(
    State(server): State<Arc<Server>>,
    WriteForm(mut s, csrf, LadenForm { upload: id }): WriteForm<LadenForm>,
) -> Reply {
    let naam = s.user().naam().to_string();
    let waiting = server.uploads.lock().ok().and_then(|mut w| {
        // Only who uploaded it may load it.
        match w.get(&id) {
            Some(x) if x.door == naam => w.remove(&id),
            _ => None,
        }
    });
    let Some(waiting) = waiting else {
        return Ok(page_error(
            StatusCode::NOT_FOUND,
            "Deze levering wacht niet (meer) op bevestiging: upload haar opnieuw.",
        ));
    };
    let done = blocking(move || {
        let result =
            loep_app::intake::load(&mut s, &waiting.upload.dir, &loep_app::intake::NoProgress);
        loep_app::intake::drop_upload(&waiting.upload);
        Ok((result, Wie::of(&s, csrf), waiting.upload.files))
    })
    .await;
    Ok(match done? {
        (Ok((report, _)), wie, bestanden) => render(&Proef {
            wie,
            bevestig: None,
            bestanden,
            geladen: Some(
                report
                    .levering_id
                    .clone()
                    .unwrap_or_else(|| "niets nieuws: al eerder geladen".into()),
            ),
            verslag: Some(verslag(&report_json(&report))),
            problemen: Vec::new(),
        }),
        (Err(refusal), wie, bestanden) => (
            StatusCode::BAD_REQUEST,
            render(&Proef {
                wie,
                bevestig: None,
                bestanden,
                verslag: None,
                problemen: if refusal.problems.is_empty() {
                    vec![crate::web::shown(&refusal.error)]
                } else {
                    refusal.problems.iter().map(|p| p.to_string()).collect()
                },
                geladen: None,
            }),
        )
            .into_response(),
    })
}
