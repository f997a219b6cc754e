//! Accountability pages: hit rates per indicator (`/trefkansen`), who a run flags against who
//! lives in the area (`/eerlijkheid`), and for the privacy officer the processing log with its
//! verification and signed head (`/verwerkingslog`), the accounts and their audit trail
//! (`/accounts`) and the Algoritmeregister entry (`/algoritmeregister`). Each page calls one use
//! case of the core, which authorises itself.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use loep_app::Mode;
use std::sync::Arc;

use crate::Server;
use crate::pages::{Wie, render};
use crate::web::{app_error, blocking, session};

fn procent(x: f64) -> String {
    format!("{:.0}%", x * 100.0).replace('.', ",")
}

pub struct TrefkansRegel {
    pub indicator: String,
    pub periode: String,
    pub bevestigd: i64,
    pub niet_bevestigd: i64,
    pub niet_vast_te_stellen: i64,
    pub beoordeeld: i64,
    /// "62% (48% tot 75%)", or why not shown.
    pub trefkans: String,
    pub onderdrukt: bool,
}

#[derive(Template)]
#[template(path = "trefkansen.html")]
struct Trefkansen {
    wie: Wie,
    toelichting: String,
    minimum: i64,
    regels: Vec<TrefkansRegel>,
}

/// `GET /trefkansen`: per indicator, how often a closed case confirmed what it signalled, with
/// a 95% interval; fewer than the minimum of judged cases are not shown.
pub async fn trefkansen(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let (s, csrf) = match session(&server, &headers, Mode::Read).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let page = blocking(move || {
        let r = loep_app::zaken::trefkans(&s)?;
        let regels = r
            .indicatoren
            .iter()
            .map(|t| TrefkansRegel {
                indicator: t.indicator.clone(),
                periode: t.periode.clone(),
                bevestigd: t.bevestigd,
                niet_bevestigd: t.niet_bevestigd,
                niet_vast_te_stellen: t.niet_vast_te_stellen,
                beoordeeld: t.beoordeeld,
                trefkans: match (t.trefkans, t.ondergrens, t.bovengrens) {
                    (Some(p), Some(lo), Some(hi)) if !t.onderdrukt => {
                        format!("{} ({} tot {})", procent(p), procent(lo), procent(hi))
                    }
                    _ => format!("niet getoond: minder dan {} beoordeeld", r.minimum),
                },
                onderdrukt: t.onderdrukt,
            })
            .collect();
        Ok(Trefkansen {
            wie: Wie::of(&s, csrf),
            toelichting: r.toelichting.clone(),
            minimum: r.minimum,
            regels,
        })
    })
    .await;
    match page {
        Ok(p) => render(&p),
        Err(e) => app_error(&e),
    }
}

pub struct GroepRegel {
    pub dimensie: String,
    pub groep: String,
    /// Empty when suppressed.
    pub bewoners: String,
    pub gemarkeerd: String,
    pub dispariteit: String,
    pub boven: bool,
}

#[derive(Template)]
#[template(path = "eerlijkheid.html")]
struct Eerlijkheid {
    wie: Wie,
    run_id: String,
    tijdstip: String,
    bewoners: u64,
    gemarkeerd: u64,
    min_groep: u64,
    svg: String,
    groepen: Vec<GroepRegel>,
}

/// `GET /eerlijkheid`: the latest run's fairness chart with its figures and a reading guide.
pub async fn eerlijkheid(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let (s, csrf) = match session(&server, &headers, Mode::Read).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let page = blocking(move || {
        let (run, f, svg) = loep_app::scan::fairness_chart(&s, None)?;
        let groepen = f
            .groepen
            .iter()
            .map(|g| {
                let shown = g.onderdrukt.is_none();
                GroepRegel {
                    dimensie: g.dimensie.clone(),
                    groep: g.groep.clone(),
                    bewoners: if g.bewoners >= loep_app::scan::MIN_GROUP {
                        g.bewoners.to_string()
                    } else {
                        format!("< {}", loep_app::scan::MIN_GROUP)
                    },
                    gemarkeerd: if shown {
                        g.bewoners_gemarkeerd.to_string()
                    } else {
                        "niet getoond".to_string()
                    },
                    dispariteit: g
                        .dispariteit
                        .filter(|_| shown)
                        .map(|d| format!("{d:.2}").replace('.', ","))
                        .unwrap_or_else(|| "niet getoond".to_string()),
                    boven: shown && g.dispariteit.is_some_and(|d| d > 1.25),
                }
            })
            .collect();
        Ok(Eerlijkheid {
            wie: Wie::of(&s, csrf),
            run_id: run.run_id.clone(),
            tijdstip: loep_app::nl::tijdstip(&run.tijdstip),
            bewoners: f.bewoners,
            gemarkeerd: f.bewoners_gemarkeerd,
            min_groep: loep_app::scan::MIN_GROUP,
            svg,
            groepen,
        })
    })
    .await;
    match page {
        Ok(p) => render(&p),
        Err(e) => app_error(&e),
    }
}

#[derive(Template)]
#[template(path = "verwerkingslog.html")]
struct Verwerkingslog {
    wie: Wie,
    intact: bool,
    records: usize,
    head_hash: String,
    problemen: Vec<String>,
    signed_head: Option<String>,
    alarm: Option<String>,
}

/// `GET /verwerkingslog`: the whole chain checked now, the signed head to keep, and any alarm.
pub async fn verwerkingslog(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let (s, csrf) = match session(&server, &headers, Mode::Read).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let page = blocking(move || {
        let c = loep_app::log::verify(&s, None)?;
        Ok(Verwerkingslog {
            wie: Wie::of(&s, csrf),
            intact: c.verification.intact() && c.alarm.is_none(),
            records: c.verification.records,
            head_hash: c.verification.head_hash.clone(),
            problemen: c.verification.problems.clone(),
            signed_head: c.signed_head.clone(),
            alarm: c.alarm.clone(),
        })
    })
    .await;
    match page {
        Ok(p) => render(&p),
        Err(e) => app_error(&e),
    }
}

pub struct AccountRegel {
    pub naam: String,
    pub rol: String,
    pub organisatie: String,
    pub status: String,
}

pub struct AuditRegel {
    pub tijdstip: String,
    pub gebeurtenis: String,
    pub account: String,
    pub door: String,
    pub toelichting: String,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct Accounts {
    wie: Wie,
    accounts: Vec<AccountRegel>,
    audit: Option<Vec<AuditRegel>>,
}

/// `GET /accounts`: the project's accounts, and for the privacy officer their audit trail
/// (created, disabled, enabled, confirmed, locked, every failed login), newest first.
pub async fn accounts(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let (s, csrf) = match session(&server, &headers, Mode::Read).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let page = blocking(move || {
        let accounts = loep_app::accounts::list(&s)?
            .into_iter()
            .map(|a| AccountRegel {
                naam: a.naam.clone(),
                rol: a.rol.name().to_string(),
                organisatie: a
                    .organisatie
                    .map(|o| o.as_str().to_string())
                    .unwrap_or_default(),
                status: a.status.as_str().to_string(),
            })
            .collect();
        let audit = if s.may(loep_app::types::Actie::AuditBekijken) {
            let mut rows: Vec<AuditRegel> = loep_app::accounts::audit(&s)?
                .into_iter()
                .map(|r| AuditRegel {
                    tijdstip: loep_app::nl::tijdstip(&r.tijdstip),
                    gebeurtenis: r.gebeurtenis.as_str().to_string(),
                    account: r.account.clone(),
                    door: r.door.clone().unwrap_or_default(),
                    toelichting: r.toelichting.clone().unwrap_or_default(),
                })
                .collect();
            rows.reverse();
            Some(rows)
        } else {
            None
        };
        Ok(Accounts {
            wie: Wie::of(&s, csrf),
            accounts,
            audit,
        })
    })
    .await;
    match page {
        Ok(p) => render(&p),
        Err(e) => app_error(&e),
    }
}

pub struct Veld {
    pub naam: String,
    pub waarde: String,
}

#[derive(Template)]
#[template(path = "algoritmeregister.html")]
struct Algoritmeregister {
    wie: Wie,
    status: String,
    indicatoren: usize,
    ontbreekt: Vec<String>,
    velden: Vec<Veld>,
}

/// `GET /algoritmeregister`: the entry as `loep register export` writes it, field by field.
pub async fn algoritmeregister(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let (s, csrf) = match session(&server, &headers, Mode::Read).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let page = blocking(move || {
        let e = loep_app::register::entry(&s)?;
        let velden = e
            .entry
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| Veld {
                        naam: k.clone(),
                        waarde: match v {
                            serde_json::Value::String(t) => t.clone(),
                            serde_json::Value::Null => String::new(),
                            other => other.to_string(),
                        },
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Algoritmeregister {
            wie: Wie::of(&s, csrf),
            status: e.status.to_string(),
            indicatoren: e.indicatoren,
            ontbreekt: e.ontbreekt,
            velden,
        })
    })
    .await;
    match page {
        Ok(p) => render(&p),
        Err(e) => app_error(&e),
    }
}
