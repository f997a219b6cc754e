//! The routes under `/api/v1/zaken`, each with its `#[utoipa::path]`, from which the OpenAPI
//! document is made.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use loep_app::types::{self, Uitkomst, ZaakDetail, ZaakFilter};
use loep_app::{AppError, Kind};
use serde::Serialize;
use std::sync::Arc;
use utoipa::IntoResponses;

use super::aanroep::{call, json, post};
use super::problems::{Probleem, problem, query_problem};
use super::types::{
    Bevinding, Huisbezoek, NieuwHuisbezoek, NieuweNotitie, NieuweStatus, NieuweUitkomst, Status,
    Zaak, ZaakPagina, ZaakUitgebreid, ZakenQuery,
};
use crate::Server;

// The answers the routes share, besides their own, as the OpenAPI document describes them.
// Only that document uses these types; the handlers answer with [`super::problems::problem`].

/// No key, too many requests, or not allowed.
#[derive(IntoResponses)]
#[expect(dead_code, reason = "describes answers for the OpenAPI document only")]
pub enum Toegang {
    #[response(
        status = 401,
        description = "Geen geldige API-sleutel",
        content_type = "application/problem+json"
    )]
    GeenSleutel(Probleem),
    #[response(
        status = 429,
        description = "Te veel verzoeken kort na elkaar van dit adres; opnieuw na de seconden in Retry-After",
        content_type = "application/problem+json"
    )]
    TeVeel(Probleem),
    #[response(
        status = 403,
        description = "Niet toegestaan",
        content_type = "application/problem+json"
    )]
    NietToegestaan(Probleem),
}

/// No case with the uuid that the key may see.
#[derive(IntoResponses)]
#[response(
    status = 404,
    description = "Geen zaak met deze uuid die deze sleutel mag zien",
    content_type = "application/problem+json"
)]
#[expect(dead_code, reason = "describes answers for the OpenAPI document only")]
pub struct GeenZaak(Probleem);

/// A read refused while the project is busy or alarmed.
#[derive(IntoResponses)]
#[response(
    status = 409,
    description = "Het project is bezet of weigert verwerking tot de functionaris gegevensbescherming heeft gekeken",
    content_type = "application/problem+json"
)]
#[expect(dead_code, reason = "describes answers for the OpenAPI document only")]
pub struct Bezet(Probleem);

/// A change refused for a reused `Idempotency-Key` or a busy project.
#[derive(IntoResponses)]
#[response(
    status = 409,
    description = "Idempotency-Key voor een ander verzoek gebruikt, of het project is bezet",
    content_type = "application/problem+json"
)]
#[expect(dead_code, reason = "describes answers for the OpenAPI document only")]
pub struct Conflict(Probleem);

/// Cases per page of `GET /api/v1/zaken`.
pub const PAGE_SIZE: usize = 100;

/// The partner's cases, newest first, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/zaken",
    tag = "zaken",
    params(ZakenQuery),
    responses(
        (status = 200, description = "Een pagina zaken", body = ZaakPagina),
        (status = 400, description = "Ongeldige parameters", body = Probleem, content_type = "application/problem+json"),
        (status = 404, description = "Geen zaken op deze pagina", body = Probleem, content_type = "application/problem+json"),
        Toegang,
        Bezet
    )
)]
pub async fn zaken(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    query: Result<Query<ZakenQuery>, QueryRejection>,
) -> Response {
    let Query(q) = match query {
        Ok(q) => q,
        Err(e) => return query_problem(&e),
    };
    let page = q.page.unwrap_or(1);
    if page == 0 {
        return problem(StatusCode::BAD_REQUEST, "page begint bij 1");
    }
    // The address filter is a verblijfsobject's id: parsed here, so that a mistyped one is
    // said to be one instead of matching no case.
    let vbo_id = match q.zaakobject.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(o) => match types::BagId::vbo(o) {
            Ok(v) => Some(v),
            Err(e) => return problem(StatusCode::BAD_REQUEST, &format!("zaakobject: {e}")),
        },
    };
    let filter = ZaakFilter {
        status: q.status.filter(|s| !s.is_empty()),
        vbo_id,
        ..ZaakFilter::default()
    };
    let (status_filter, object_filter) = (filter.status.clone(), filter.vbo_id);
    let result = call(&server, &headers, move |s| {
        let all = s.zaken(&filter)?;
        let start = (page as usize - 1).saturating_mul(PAGE_SIZE);
        if start >= all.len() && page > 1 {
            return Err(AppError::not_found(format!(
                "pagina {page} bestaat niet: er zijn {} zaken, {PAGE_SIZE} per pagina",
                all.len()
            )));
        }
        let results: Vec<types::Zaak> = all.iter().skip(start).take(PAGE_SIZE).cloned().collect();
        s.log_list(&results)?;
        let adressen = s.addresses_of(&results.iter().collect::<Vec<_>>())?;
        let results: Vec<Zaak> = results
            .iter()
            .map(|z| Zaak::of(z, adressen.get(&z.zaakobject.identificatie)))
            .collect();
        Ok((all.len(), results))
    })
    .await;
    match result {
        Ok((count, results)) => {
            let link = |p: u32| {
                let mut q = format!("/api/v1/zaken?page={p}");
                if let Some(st) = &status_filter {
                    q.push_str(&format!("&status={}", crate::pages::encode(st)));
                }
                if let Some(o) = &object_filter {
                    q.push_str(&format!("&zaakobject={o}"));
                }
                q
            };
            let pages = count.div_ceil(PAGE_SIZE).max(1);
            json(
                StatusCode::OK,
                &ZaakPagina {
                    count,
                    next: ((page as usize) < pages).then(|| link(page + 1)),
                    previous: (page > 1).then(|| link(page - 1)),
                    results,
                },
            )
        }
        Err(r) => r,
    }
}

/// A part of case `uuid` as a list: the answer of the GETs of its statuses, visits and
/// bevindingen.
async fn part<T: Serialize>(
    server: &Arc<Server>,
    headers: &HeaderMap,
    uuid: String,
    of: impl FnOnce(&ZaakDetail) -> Vec<T>,
) -> Response {
    match call(server, headers, move |s| s.zaak(&uuid)).await {
        Ok(d) => json(StatusCode::OK, &of(&d)),
        Err(r) => r,
    }
}

/// What a POST to `part` of case `uuid` is called in the stored answers of an
/// `Idempotency-Key`.
fn posted_to(uuid: &str, part: &str) -> String {
    format!("{} /zaken/{uuid}/{part}", Method::POST)
}

/// A case as the API shows it in full, its address written out.
fn uitgebreid(s: &loep_app::api::ApiSession, d: &ZaakDetail) -> loep_app::Result<ZaakUitgebreid> {
    let adressen = s.addresses_of(&[&d.zaak])?;
    Ok(ZaakUitgebreid::of(
        d,
        adressen.get(&d.zaak.zaakobject.identificatie),
    ))
}

/// One case, with the partners' dossier numbers, its indicators and bevindingen.
#[utoipa::path(
    get,
    path = "/api/v1/zaken/{uuid}",
    tag = "zaken",
    params(("uuid" = String, Path, description = "De uuid van de zaak")),
    responses(
        (status = 200, description = "De zaak", body = ZaakUitgebreid),
        Toegang,
        GeenZaak,
        Bezet
    )
)]
pub async fn zaak(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
) -> Response {
    match call(&server, &headers, move |s| {
        let d = s.zaak(&uuid)?;
        uitgebreid(s, &d)
    })
    .await
    {
        Ok(z) => json(StatusCode::OK, &z),
        Err(r) => r,
    }
}

/// The case's status history, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/zaken/{uuid}/statussen",
    tag = "zaken",
    params(("uuid" = String, Path, description = "De uuid van de zaak")),
    responses(
        (status = 200, description = "De statussen", body = Vec<Status>),
        Toegang,
        GeenZaak,
        Bezet
    )
)]
pub async fn statussen(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
) -> Response {
    part(&server, &headers, uuid, |d| {
        d.statussen.iter().map(Status::from).collect()
    })
    .await
}

/// Moves the case on by the allowed transitions (handhaver, with scope zaken.bijwerken).
#[utoipa::path(
    post,
    path = "/api/v1/zaken/{uuid}/statussen",
    tag = "zaken",
    params(
        ("uuid" = String, Path, description = "De uuid van de zaak"),
        ("Idempotency-Key" = Option<String>, Header, description = "Een herhaald verzoek met dezelfde sleutel krijgt het eerste antwoord en verandert niets")
    ),
    request_body = NieuweStatus,
    responses(
        (status = 201, description = "De nieuwe status", body = Status),
        (status = 400, description = "Ongeldige invoer of overgang", body = Probleem, content_type = "application/problem+json"),
        Toegang,
        GeenZaak,
        Conflict
    )
)]
pub async fn status_nieuw(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
    body: Bytes,
) -> Response {
    let what = posted_to(&uuid, "statussen");
    post(&server, &headers, what, body, move |s, b: NieuweStatus| {
        let d = s.set_status(&uuid, b.statustype.trim(), &b.statustoelichting)?;
        d.statussen
            .last()
            .map(Status::from)
            .ok_or_else(|| AppError::new(Kind::Internal, "de zaak heeft geen status"))
    })
    .await
}

/// The case's visits.
#[utoipa::path(
    get,
    path = "/api/v1/zaken/{uuid}/huisbezoeken",
    tag = "zaken",
    params(("uuid" = String, Path, description = "De uuid van de zaak")),
    responses(
        (status = 200, description = "De huisbezoeken", body = Vec<Huisbezoek>),
        Toegang,
        GeenZaak,
        Bezet
    )
)]
pub async fn huisbezoeken(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
) -> Response {
    part(&server, &headers, uuid, |d| {
        d.huisbezoeken.iter().map(Huisbezoek::from).collect()
    })
    .await
}

/// Plans the visit (handhaver, with scope zaken.bijwerken).
#[utoipa::path(
    post,
    path = "/api/v1/zaken/{uuid}/huisbezoeken",
    tag = "zaken",
    params(
        ("uuid" = String, Path, description = "De uuid van de zaak"),
        ("Idempotency-Key" = Option<String>, Header, description = "Een herhaald verzoek met dezelfde sleutel krijgt het eerste antwoord en verandert niets")
    ),
    request_body = NieuwHuisbezoek,
    responses(
        (status = 201, description = "Het geplande huisbezoek", body = Huisbezoek),
        (status = 400, description = "Ongeldige invoer", body = Probleem, content_type = "application/problem+json"),
        Toegang,
        GeenZaak,
        Conflict
    )
)]
pub async fn huisbezoek_nieuw(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
    body: Bytes,
) -> Response {
    let what = posted_to(&uuid, "huisbezoeken");
    post(
        &server,
        &headers,
        what,
        body,
        move |s, b: NieuwHuisbezoek| {
            let gepland = loep_app::zaken::parse_datum(&b.gepland, "datum")?;
            let h = s.plan_visit(&uuid, gepland, &b.team)?;
            Ok(Huisbezoek::from(&h))
        },
    )
    .await
}

/// The case's bevindingen per indicator.
#[utoipa::path(
    get,
    path = "/api/v1/zaken/{uuid}/bevindingen",
    tag = "zaken",
    params(("uuid" = String, Path, description = "De uuid van de zaak")),
    responses(
        (status = 200, description = "De bevindingen", body = Vec<Bevinding>),
        Toegang,
        GeenZaak,
        Bezet
    )
)]
pub async fn bevindingen(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
) -> Response {
    part(&server, &headers, uuid, |d| {
        d.bevindingen.iter().map(Bevinding::from).collect()
    })
    .await
}

/// Records the visit's outcome and a bevinding per indicator (handhaver, with scope
/// zaken.bijwerken).
#[utoipa::path(
    post,
    path = "/api/v1/zaken/{uuid}/uitkomsten",
    tag = "zaken",
    params(
        ("uuid" = String, Path, description = "De uuid van de zaak"),
        ("Idempotency-Key" = Option<String>, Header, description = "Een herhaald verzoek met dezelfde sleutel krijgt het eerste antwoord en verandert niets")
    ),
    request_body = NieuweUitkomst,
    responses(
        (status = 201, description = "De zaak met de vastgelegde uitkomst", body = ZaakUitgebreid),
        (status = 400, description = "Ongeldige invoer", body = Probleem, content_type = "application/problem+json"),
        Toegang,
        GeenZaak,
        Conflict
    )
)]
pub async fn uitkomst_nieuw(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
    body: Bytes,
) -> Response {
    let what = posted_to(&uuid, "uitkomsten");
    post(
        &server,
        &headers,
        what,
        body,
        move |s, b: NieuweUitkomst| {
            // None or empty: today.
            let datum = match b.uitgevoerd.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(d) => Some(loep_app::zaken::parse_datum(d, "datum")?),
            };
            let u = Uitkomst {
                datum,
                uitkomsten: b.uitkomsten,
                bevindingen: b
                    .bevindingen
                    .into_iter()
                    .map(|x| {
                        let o = loep_app::zaken::parse_oordeel(&x.indicator, &x.oordeel)?;
                        Ok((x.indicator, o))
                    })
                    .collect::<loep_app::Result<_>>()?,
                toelichting: b.toelichting,
                brp_onjuist: Vec::new(),
                aanwezig: b.aanwezig,
            };
            let d = s.record_visit(&uuid, &u)?;
            uitgebreid(s, &d)
        },
    )
    .await
}

/// Records the partner's own findings and dossier number (partner-medewerker or handhaver,
/// with scope zaken.bijwerken).
#[utoipa::path(
    post,
    path = "/api/v1/zaken/{uuid}/notities",
    tag = "zaken",
    params(
        ("uuid" = String, Path, description = "De uuid van de zaak"),
        ("Idempotency-Key" = Option<String>, Header, description = "Een herhaald verzoek met dezelfde sleutel krijgt het eerste antwoord en verandert niets")
    ),
    request_body = NieuweNotitie,
    responses(
        (status = 201, description = "De zaak met de notitie en het zaakkenmerk", body = ZaakUitgebreid),
        (status = 400, description = "Ongeldige invoer", body = Probleem, content_type = "application/problem+json"),
        Toegang,
        GeenZaak,
        Conflict
    )
)]
pub async fn notitie_nieuw(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
    body: Bytes,
) -> Response {
    let what = posted_to(&uuid, "notities");
    post(&server, &headers, what, body, move |s, b: NieuweNotitie| {
        let d = s.note(&uuid, &b.tekst, b.zaakkenmerk.as_deref())?;
        uitgebreid(s, &d)
    })
    .await
}
