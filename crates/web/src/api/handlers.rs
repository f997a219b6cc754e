//! The routes under `/api/v1/zaken`, each with its `#[utoipa::path]`, from which the OpenAPI
//! document is made.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use loep_app::types::{self, Uitkomst, ZaakDetail, ZaakFilter};
use loep_app::{AppError, Kind};
use std::sync::Arc;

use super::aanroep::{call, json, post};
use super::problems::{Probleem, problem, query_problem};
use super::types::{
    Bevinding, Huisbezoek, NieuwHuisbezoek, NieuweNotitie, NieuweStatus, NieuweUitkomst, Status,
    Zaak, ZaakPagina, ZaakUitgebreid, ZakenQuery,
};
use crate::Server;

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
        (status = 401, description = "Geen geldige API-sleutel", body = Probleem, content_type = "application/problem+json"),
        (status = 429, description = "Te veel verzoeken kort na elkaar van dit adres; opnieuw na de seconden in Retry-After", body = Probleem, content_type = "application/problem+json"),
        (status = 403, description = "Niet toegestaan", body = Probleem, content_type = "application/problem+json"),
        (status = 404, description = "Geen zaken op deze pagina", body = Probleem, content_type = "application/problem+json"),
        (status = 409, description = "Het project is bezet of weigert verwerking tot de functionaris gegevensbescherming heeft gekeken", body = Probleem, content_type = "application/problem+json")
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

async fn detail(
    server: &Arc<Server>,
    headers: &HeaderMap,
    uuid: String,
) -> Result<ZaakDetail, Response> {
    call(server, headers, move |s| s.zaak(&uuid)).await
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
        (status = 401, description = "Geen geldige API-sleutel", body = Probleem, content_type = "application/problem+json"),
        (status = 429, description = "Te veel verzoeken kort na elkaar van dit adres; opnieuw na de seconden in Retry-After", body = Probleem, content_type = "application/problem+json"),
        (status = 403, description = "Niet toegestaan", body = Probleem, content_type = "application/problem+json"),
        (status = 404, description = "Geen zaak met deze uuid die deze sleutel mag zien", body = Probleem, content_type = "application/problem+json"),
        (status = 409, description = "Het project is bezet of weigert verwerking tot de functionaris gegevensbescherming heeft gekeken", body = Probleem, content_type = "application/problem+json")
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
        (status = 401, description = "Geen geldige API-sleutel", body = Probleem, content_type = "application/problem+json"),
        (status = 429, description = "Te veel verzoeken kort na elkaar van dit adres; opnieuw na de seconden in Retry-After", body = Probleem, content_type = "application/problem+json"),
        (status = 403, description = "Niet toegestaan", body = Probleem, content_type = "application/problem+json"),
        (status = 404, description = "Geen zaak met deze uuid die deze sleutel mag zien", body = Probleem, content_type = "application/problem+json"),
        (status = 409, description = "Het project is bezet of weigert verwerking tot de functionaris gegevensbescherming heeft gekeken", body = Probleem, content_type = "application/problem+json")
    )
)]
pub async fn statussen(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
) -> Response {
    match detail(&server, &headers, uuid).await {
        Ok(d) => json(
            StatusCode::OK,
            &d.statussen.iter().map(Status::from).collect::<Vec<_>>(),
        ),
        Err(r) => r,
    }
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
        (status = 401, description = "Geen geldige API-sleutel", body = Probleem, content_type = "application/problem+json"),
        (status = 429, description = "Te veel verzoeken kort na elkaar van dit adres; opnieuw na de seconden in Retry-After", body = Probleem, content_type = "application/problem+json"),
        (status = 403, description = "Niet toegestaan", body = Probleem, content_type = "application/problem+json"),
        (status = 404, description = "Geen zaak met deze uuid die deze sleutel mag zien", body = Probleem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key voor een ander verzoek gebruikt, of het project is bezet", body = Probleem, content_type = "application/problem+json")
    )
)]
pub async fn status_nieuw(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
    body: Bytes,
) -> Response {
    let what = format!("{} /zaken/{uuid}/statussen", Method::POST);
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
        (status = 401, description = "Geen geldige API-sleutel", body = Probleem, content_type = "application/problem+json"),
        (status = 429, description = "Te veel verzoeken kort na elkaar van dit adres; opnieuw na de seconden in Retry-After", body = Probleem, content_type = "application/problem+json"),
        (status = 403, description = "Niet toegestaan", body = Probleem, content_type = "application/problem+json"),
        (status = 404, description = "Geen zaak met deze uuid die deze sleutel mag zien", body = Probleem, content_type = "application/problem+json"),
        (status = 409, description = "Het project is bezet of weigert verwerking tot de functionaris gegevensbescherming heeft gekeken", body = Probleem, content_type = "application/problem+json")
    )
)]
pub async fn huisbezoeken(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
) -> Response {
    match detail(&server, &headers, uuid).await {
        Ok(d) => json(
            StatusCode::OK,
            &d.huisbezoeken
                .iter()
                .map(Huisbezoek::from)
                .collect::<Vec<_>>(),
        ),
        Err(r) => r,
    }
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
        (status = 401, description = "Geen geldige API-sleutel", body = Probleem, content_type = "application/problem+json"),
        (status = 429, description = "Te veel verzoeken kort na elkaar van dit adres; opnieuw na de seconden in Retry-After", body = Probleem, content_type = "application/problem+json"),
        (status = 403, description = "Niet toegestaan", body = Probleem, content_type = "application/problem+json"),
        (status = 404, description = "Geen zaak met deze uuid die deze sleutel mag zien", body = Probleem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key voor een ander verzoek gebruikt, of het project is bezet", body = Probleem, content_type = "application/problem+json")
    )
)]
pub async fn huisbezoek_nieuw(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
    body: Bytes,
) -> Response {
    let what = format!("{} /zaken/{uuid}/huisbezoeken", Method::POST);
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
        (status = 401, description = "Geen geldige API-sleutel", body = Probleem, content_type = "application/problem+json"),
        (status = 429, description = "Te veel verzoeken kort na elkaar van dit adres; opnieuw na de seconden in Retry-After", body = Probleem, content_type = "application/problem+json"),
        (status = 403, description = "Niet toegestaan", body = Probleem, content_type = "application/problem+json"),
        (status = 404, description = "Geen zaak met deze uuid die deze sleutel mag zien", body = Probleem, content_type = "application/problem+json"),
        (status = 409, description = "Het project is bezet of weigert verwerking tot de functionaris gegevensbescherming heeft gekeken", body = Probleem, content_type = "application/problem+json")
    )
)]
pub async fn bevindingen(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
) -> Response {
    match detail(&server, &headers, uuid).await {
        Ok(d) => json(
            StatusCode::OK,
            &d.bevindingen
                .iter()
                .map(Bevinding::from)
                .collect::<Vec<_>>(),
        ),
        Err(r) => r,
    }
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
        (status = 401, description = "Geen geldige API-sleutel", body = Probleem, content_type = "application/problem+json"),
        (status = 429, description = "Te veel verzoeken kort na elkaar van dit adres; opnieuw na de seconden in Retry-After", body = Probleem, content_type = "application/problem+json"),
        (status = 403, description = "Niet toegestaan", body = Probleem, content_type = "application/problem+json"),
        (status = 404, description = "Geen zaak met deze uuid die deze sleutel mag zien", body = Probleem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key voor een ander verzoek gebruikt, of het project is bezet", body = Probleem, content_type = "application/problem+json")
    )
)]
pub async fn uitkomst_nieuw(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
    body: Bytes,
) -> Response {
    let what = format!("{} /zaken/{uuid}/uitkomsten", Method::POST);
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
        (status = 401, description = "Geen geldige API-sleutel", body = Probleem, content_type = "application/problem+json"),
        (status = 429, description = "Te veel verzoeken kort na elkaar van dit adres; opnieuw na de seconden in Retry-After", body = Probleem, content_type = "application/problem+json"),
        (status = 403, description = "Niet toegestaan", body = Probleem, content_type = "application/problem+json"),
        (status = 404, description = "Geen zaak met deze uuid die deze sleutel mag zien", body = Probleem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key voor een ander verzoek gebruikt, of het project is bezet", body = Probleem, content_type = "application/problem+json")
    )
)]
pub async fn notitie_nieuw(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Path(uuid): Path<String>,
    body: Bytes,
) -> Response {
    let what = format!("{} /zaken/{uuid}/notities", Method::POST);
    post(&server, &headers, what, body, move |s, b: NieuweNotitie| {
        let d = s.note(&uuid, &b.tekst, b.zaakkenmerk.as_deref())?;
        uitgebreid(s, &d)
    })
    .await
}
