//! The API for partner systems under `/api/v1`, in the style of the ZGW Zaken API: JSON with
//! camelCase names, cases by their `uuid`, sub-resources (`statussen`, `huisbezoeken`,
//! `bevindingen`), paged lists (`count`, `next`, `previous`, `results`), errors as
//! `application/problem+json` (RFC 9457), and `Idempotency-Key` on every POST.
//!
//! A call carries a partner's API key (`Authorization: Bearer loep_…`); `loep_app::api` turns
//! it into the key's account and scopes and runs the same use cases as the pages, so the
//! authorisation is the same. The OpenAPI document is generated from these handlers
//! (`utoipa`) and served at `/api/v1/openapi.json`.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use loep_app::api::{ApiSession, StoredAnswer};
use loep_app::types::{self, Uitkomst, ZaakDetail, ZaakFilter};
use loep_app::{AppError, Kind};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

use crate::Server;
use crate::web::blocking;

/// Cases per page of `GET /api/v1/zaken`.
pub const PAGE_SIZE: usize = 100;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "loep API voor partnersystemen",
        version = "1.0.0",
        description = "De zaken van een partner in het interventieteam: lezen, status bijwerken, huisbezoeken plannen en vastleggen, bevindingen en het eigen zaakkenmerk. In de stijl van de ZGW Zaken API. Elke aanroep met persoonsgegevens staat in het verwerkingslog van het project."
    ),
    paths(
        zaken,
        zaak,
        statussen,
        status_nieuw,
        huisbezoeken,
        huisbezoek_nieuw,
        uitkomst_nieuw,
        bevindingen,
        notitie_nieuw
    ),
    components(schemas(
        ZaakPagina,
        Zaak,
        ZaakUitgebreid,
        Zaakobject,
        Kenmerk,
        Status,
        NieuweStatus,
        Huisbezoek,
        NieuwHuisbezoek,
        NieuweUitkomst,
        Bevinding,
        NieuweBevinding,
        NieuweNotitie,
        Probleem
    )),
    modifiers(&Beveiliging),
    security(("apiSleutel" = [])),
    tags((name = "zaken", description = "Zaken van het interventieteam waarop de partner een rol heeft"))
)]
pub struct ApiDoc;

/// The key scheme: an HTTP bearer token.
struct Beveiliging;

impl Modify for Beveiliging {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi
            .components
            .get_or_insert_with(utoipa::openapi::Components::new);
        components.add_security_scheme(
            "apiSleutel",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("loep_<id>_<geheim>")
                    .description(Some(
                        "Een API-sleutel die de beheerder van het project uitgeeft (`loep api-sleutel new`); hij handelt als het account van de partner waarvoor hij is uitgegeven, binnen zijn scopes (zaken.lezen, zaken.bijwerken).",
                    ))
                    .build(),
            ),
        );
    }
}

/// `GET /api/v1/openapi.json`: the document, for anyone (it holds no data).
pub async fn openapi() -> Response {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(json) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            json,
        )
            .into_response(),
        Err(e) => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("het OpenAPI-document kon niet worden gemaakt: {e}"),
        ),
    }
}

/// An error as `application/problem+json`.
#[derive(Serialize, ToSchema)]
pub struct Probleem {
    /// A URI that names the kind of problem.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What was wrong and what to do, in Dutch.
    pub detail: String,
}

fn problem(status: StatusCode, detail: &str) -> Response {
    let (kind, title) = match status {
        StatusCode::UNAUTHORIZED => ("niet-geauthenticeerd", "Geen geldige API-sleutel"),
        StatusCode::FORBIDDEN => ("niet-toegestaan", "Niet toegestaan"),
        StatusCode::NOT_FOUND => ("niet-gevonden", "Niet gevonden"),
        StatusCode::BAD_REQUEST => ("ongeldige-invoer", "Ongeldige invoer"),
        StatusCode::UNPROCESSABLE_ENTITY => ("ongeldige-invoer", "Ongeldige invoer"),
        StatusCode::CONFLICT => ("conflict", "Conflict"),
        StatusCode::TOO_MANY_REQUESTS => ("te-veel-verzoeken", "Te veel verzoeken"),
        _ => ("interne-fout", "Interne fout"),
    };
    let body = Probleem {
        kind: format!("urn:loep:probleem:{kind}"),
        title: title.to_string(),
        status: status.as_u16(),
        detail: detail.to_string(),
    };
    let json = serde_json::to_string(&body).unwrap_or_else(|_| "{}".to_string());
    let mut res = (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        json,
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"loep\""),
        );
    }
    res
}

fn app_problem(e: &AppError) -> Response {
    let status = crate::web::status_of(e.kind);
    let detail = match e.kind {
        Kind::Internal => crate::web::internal_message(&e.message()),
        _ => e.message(),
    };
    problem(status, &detail)
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            &crate::web::internal_message(&e.to_string()),
        ),
    }
}

/// The key from `Authorization: Bearer …`, if the request carries one.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.trim().split_once(' ')?;
    let key = key.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !key.is_empty() && key.len() <= 200)
        .then(|| key.to_string())
}

/// The answer when a client called the API faster than its rate limit allows.
pub fn too_many(wait_seconds: u64) -> Response {
    let mut res = problem(
        StatusCode::TOO_MANY_REQUESTS,
        &format!(
            "te veel verzoeken kort na elkaar van dit adres; probeer het over {wait_seconds} seconden opnieuw"
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&wait_seconds.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

fn unauthorised() -> Response {
    problem(
        StatusCode::UNAUTHORIZED,
        "geef een API-sleutel mee als `Authorization: Bearer loep_…`; de beheerder van het project geeft hem uit",
    )
}

/// Runs `f` with the key's session on the blocking pool, as the server's one writer. The key is
/// checked first on a read-only connection, so that a call with a wrong key never queues for
/// (or holds up) the writes of others.
async fn call<T: Send + 'static>(
    server: &Arc<Server>,
    headers: &HeaderMap,
    f: impl FnOnce(&mut ApiSession) -> loep_app::Result<T> + Send + 'static,
) -> Result<T, Response> {
    let key = bearer(headers)
        .filter(|k| loep_app::api::well_formed(k))
        .ok_or_else(unauthorised)?;
    let pool = server.pool.clone();
    let k = key.clone();
    blocking(move || loep_app::api::check(&pool, &k))
        .await
        .map_err(|e| app_problem(&e))?;
    let turn = server.writer_turn().await;
    let dir = server.dir.clone();
    let result = blocking(move || {
        let _turn = turn;
        let mut s = loep_app::api::open(&dir, &key)?;
        f(&mut s)
    })
    .await;
    result.map_err(|e| app_problem(&e))
}

/// A POST: its body parsed as `B`, and with an `Idempotency-Key` the answer stored, so that a
/// repeated request gets the first answer again and changes nothing twice.
async fn post<B, T>(
    server: &Arc<Server>,
    headers: &HeaderMap,
    method_path: String,
    body: Bytes,
    f: impl FnOnce(&mut ApiSession, B) -> loep_app::Result<T> + Send + 'static,
) -> Response
where
    B: for<'de> Deserialize<'de> + Send + 'static,
    T: Serialize + Send + 'static,
{
    let idem = match headers.get("idempotency-key") {
        None => None,
        Some(v) => match v.to_str() {
            Ok(k) if !k.trim().is_empty() && k.len() <= 255 => Some(k.trim().to_string()),
            _ => {
                return problem(
                    StatusCode::BAD_REQUEST,
                    "Idempotency-Key: geef 1 tot 255 zichtbare ASCII-tekens, bijvoorbeeld een UUID",
                );
            }
        },
    };
    let verzoek = loep_app::api::fingerprint(&method_path, &body);
    let answer = call(server, headers, move |s| {
        // Read after the key was checked: without a valid key, the answer is 401 whatever
        // the body.
        let parsed: B = serde_json::from_slice(&body).map_err(|e| {
            AppError::invalid(format!(
                "de body is geen geldig JSON-object voor deze aanroep: {e} (regel {}, kolom {})",
                e.line(),
                e.column()
            ))
        })?;
        if let Some(k) = &idem
            && let Some(a) = s.stored_answer(k)?
        {
            if a.verzoek != verzoek {
                return Err(AppError::new(
                    Kind::Conflict,
                    "deze Idempotency-Key is al gebruikt voor een ander verzoek; gebruik voor elk nieuw verzoek een nieuwe sleutel",
                ));
            }
            return Ok((a, true));
        }
        let value = f(s, parsed)?;
        let body = serde_json::to_string(&value)
            .map_err(|e| AppError::new(Kind::Internal, e.to_string()))?;
        let a = StoredAnswer {
            verzoek,
            status: StatusCode::CREATED.as_u16(),
            body,
        };
        if let Some(k) = &idem {
            s.store_answer(k, &a)?;
        }
        Ok((a, false))
    })
    .await;
    match answer {
        Ok((a, replayed)) => {
            let status = StatusCode::from_u16(a.status).unwrap_or(StatusCode::CREATED);
            let mut res =
                (status, [(header::CONTENT_TYPE, "application/json")], a.body).into_response();
            if replayed {
                res.headers_mut()
                    .insert("idempotent-replayed", HeaderValue::from_static("true"));
            }
            res
        }
        Err(r) => r,
    }
}

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
    fn of(z: &types::Zaak, adres: Option<&loep_app::zaken::CaseAddress>) -> Zaak {
        Zaak {
            url: format!("/api/v1/zaken/{}", z.uuid),
            uuid: z.uuid.clone(),
            identificatie: z.identificatie.clone(),
            zaaktype: z.zaaktype.clone(),
            omschrijving: z.omschrijving.clone(),
            toelichting: z.toelichting.clone(),
            registratiedatum: z.registratiedatum.clone(),
            startdatum: z.startdatum.clone(),
            einddatum: z.einddatum.clone(),
            vertrouwelijkheidaanduiding: z.vertrouwelijkheidaanduiding.clone(),
            zaakobject: Zaakobject {
                object_type: z.zaakobject.object_type.clone(),
                identificatie: z.zaakobject.identificatie.clone(),
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
    fn of(d: &ZaakDetail, adres: Option<&loep_app::zaken::CaseAddress>) -> ZaakUitgebreid {
        ZaakUitgebreid {
            zaak: Zaak::of(&d.zaak, adres),
            kenmerken: d
                .rollen
                .iter()
                .filter_map(|r| {
                    Some(Kenmerk {
                        kenmerk: r.zaakkenmerk.clone()?,
                        bron: r.organisatie.clone().unwrap_or_default(),
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

fn query_problem(e: &QueryRejection) -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        &format!("de query-parameters kloppen niet: {}", e.body_text()),
    )
}

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
    let filter = ZaakFilter {
        status: q.status.filter(|s| !s.is_empty()),
        vbo_id: q.zaakobject.filter(|s| !s.is_empty()),
        ..ZaakFilter::default()
    };
    let (status_filter, object_filter) = (filter.status.clone(), filter.vbo_id.clone());
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
                    q.push_str(&format!("&zaakobject={}", crate::pages::encode(o)));
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
            gepland: h.gepland.clone(),
            team: h.team.clone(),
            uitgevoerd: h.uitgevoerd.clone(),
            aanwezig: h.aanwezig.clone(),
            uitkomsten: h.uitkomsten.clone(),
            toelichting: h.toelichting.clone(),
        }
    }
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
            let h = s.plan_visit(&uuid, b.gepland.trim(), &b.team)?;
            Ok(Huisbezoek::from(&h))
        },
    )
    .await
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
            oordeel: b.oordeel.clone(),
            tijdstip: b.tijdstip.clone(),
        }
    }
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
            let u = Uitkomst {
                datum: b.uitgevoerd,
                uitkomsten: b.uitkomsten,
                bevindingen: b
                    .bevindingen
                    .into_iter()
                    .map(|x| (x.indicator, x.oordeel))
                    .collect(),
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

/// Any other path under `/api/v1`.
pub async fn not_found() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "deze API-route bestaat niet; /api/v1/openapi.json beschrijft de routes",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_describes_every_route_with_the_key_scheme() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        for p in [
            "/api/v1/zaken",
            "/api/v1/zaken/{uuid}",
            "/api/v1/zaken/{uuid}/statussen",
            "/api/v1/zaken/{uuid}/huisbezoeken",
            "/api/v1/zaken/{uuid}/uitkomsten",
            "/api/v1/zaken/{uuid}/bevindingen",
            "/api/v1/zaken/{uuid}/notities",
        ] {
            assert!(paths.contains_key(p), "{p} missing");
        }
        assert!(paths["/api/v1/zaken/{uuid}/statussen"]["post"].is_object());
        assert_eq!(
            doc["components"]["securitySchemes"]["apiSleutel"]["scheme"],
            "bearer"
        );
        // camelCase fields, as ZGW names them.
        let status = &doc["components"]["schemas"]["Status"]["properties"];
        assert!(status["datumStatusGezet"].is_object(), "{status}");
    }

    #[test]
    fn a_problem_says_what_and_asks_for_a_key_when_there_is_none() {
        let res = problem(StatusCode::UNAUTHORIZED, "x");
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        assert!(res.headers().contains_key(header::WWW_AUTHENTICATE));
        let mut h = HeaderMap::new();
        assert!(bearer(&h).is_none());
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert!(bearer(&h).is_none());
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer loep_0123456789abcdef_x"),
        );
        assert_eq!(bearer(&h).as_deref(), Some("loep_0123456789abcdef_x"));
    }
}
