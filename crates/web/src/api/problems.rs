//! The API's errors, as `application/problem+json` (RFC 9457): what was wrong and what to do,
//! in Dutch.

use axum::extract::rejection::QueryRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use loep_app::{AppError, Kind};
use serde::Serialize;
use utoipa::ToSchema;

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

pub(super) fn problem(status: StatusCode, detail: &str) -> Response {
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

pub(super) fn app_problem(e: &AppError) -> Response {
    let status = crate::web::status_of(e.kind);
    let detail = match e.kind {
        Kind::Internal => crate::web::internal_message(&e.message()),
        _ => e.message(),
    };
    problem(status, &detail)
}

pub(super) fn query_problem(e: &QueryRejection) -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        &format!("de query-parameters kloppen niet: {}", e.body_text()),
    )
}

pub(super) fn unauthorised() -> Response {
    problem(
        StatusCode::UNAUTHORIZED,
        "geef een API-sleutel mee als `Authorization: Bearer loep_…`; de beheerder van het project geeft hem uit",
    )
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

/// Any other path under `/api/v1`.
pub async fn not_found() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "deze API-route bestaat niet; /api/v1/openapi.json beschrijft de routes",
    )
}
