//! One API call: the partner's key from `Authorization: Bearer …`, the use case run with the
//! key's session on the blocking pool, the answer as JSON, and for a POST the
//! `Idempotency-Key`, so that a repeated request changes nothing twice.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use loep_app::api::{ApiSession, StoredAnswer};
use loep_app::{AppError, Kind};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use super::problems::{app_problem, problem, unauthorised};
use crate::Server;
use crate::web::blocking;

pub(super) fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            &crate::web::internal_message(&e.to_string()),
        ),
    }
}

/// The key from `Authorization: Bearer …`, if the request carries one.
pub(super) fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.trim().split_once(' ')?;
    let key = key.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !key.is_empty() && key.len() <= 200)
        .then(|| key.to_string())
}

/// Runs `f` with the key's session on the blocking pool, as the server's one writer. The key is
/// checked first on a read-only connection, so that a call with a wrong key never queues for
/// (or holds up) the writes of others.
pub(super) async fn call<T: Send + 'static>(
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
pub(super) async fn post<B, T>(
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
