//! The HTTP side: routes, the session cookie, CSRF, security headers, and how the core's
//! errors become pages.

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use loep_app::{AppError, Kind, Mode, Session};
use std::sync::Arc;
use tower_governor::GovernorLayer;
use tower_governor::errors::GovernorError;
use tower_governor::governor::GovernorConfigBuilder;

use crate::Server;
use crate::adres;
use crate::api;
use crate::inzage;
use crate::koppelingen;
use crate::leveringen;
use crate::melden;
use crate::pages;
use crate::scans;
use crate::verantwoording;
use crate::zaken;

/// The session cookie. `__Host-` makes the browser accept it only when Secure, without a
/// Domain and with path `/`: no other host or path can set or shadow it.
pub const COOKIE: &str = "__Host-loep";

/// Forms are small; anything larger is refused before it is read.
const BODY_LIMIT: usize = 64 * 1024;

pub fn router(server: Arc<Server>) -> Router {
    // A rate limit per client address: `burst` requests at once, then one per `every`;
    // `answer` says so (given the seconds to wait).
    let rate_limit = |every: std::time::Duration, burst: u32, answer: fn(u64) -> Response| {
        let mut config = GovernorConfigBuilder::default();
        config.period(every).burst_size(burst);
        // Non-zero constants: finish() returns None only for a zero burst or period.
        let config = config
            .finish()
            .expect("the rate limit's burst and period are non-zero constants");
        // Clients that stopped posting are forgotten, so that the table stays small.
        let limiter = config.limiter().clone();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(60));
                limiter.retain_recent();
            }
        });
        GovernorLayer::new(config).error_handler(move |e| {
            let wait = match &e {
                GovernorError::TooManyRequests { wait_time, .. } => (*wait_time).max(1),
                _ => every.as_secs().max(1),
            };
            answer(wait)
        })
    };
    let form_limit = || {
        rate_limit(
            std::time::Duration::from_secs(REPLENISH_SECONDS),
            BURST,
            too_many_forms,
        )
    };
    let api_limit = || rate_limit(API_EVERY, API_BURST, api::too_many);
    Router::new()
        .route("/", get(pages::dashboard))
        .route("/inloggen", get(pages::login_form).post(pages::login))
        .route("/uitloggen", post(pages::logout))
        .route(
            "/wachtwoord",
            get(pages::password_form).post(pages::change_password),
        )
        .route("/signalen", get(pages::signals))
        .route("/signalen/export", get(pages::export))
        .route("/indicatoren", get(pages::indicators))
        .route("/zaken", get(zaken::list).post(adres::new_case))
        .route("/adressen/{vbo_id}", get(adres::show))
        .route("/onthullingen", get(adres::list).post(adres::request))
        .route("/onthullingen/{id}", get(adres::open))
        .route("/onthullingen/{id}/besluit", post(adres::decide))
        .route(
            "/koppelingen",
            get(koppelingen::list).post(koppelingen::propose),
        )
        .route("/koppelingen/{nr}/besluit", post(koppelingen::decide))
        .route("/zaken/{id}", get(zaken::show))
        .route("/zaken/{id}/bezoekblad", get(zaken::visit_sheet))
        .route("/zaken/{id}/status", post(zaken::set_status))
        .route("/zaken/{id}/toewijzen", post(zaken::assign))
        .route("/zaken/{id}/bezoek-plannen", post(zaken::plan_visit))
        .route("/zaken/{id}/huisbezoek", post(zaken::record_visit))
        .route("/zaken/{id}/notitie", post(zaken::note))
        .route("/zaken/{id}/afsluiten", post(zaken::close))
        .route("/zaken/{id}/heropenen", post(zaken::reopen))
        .route("/zaken/{id}/{actie}", post(zaken::unknown_action))
        .route("/meldingen", get(melden::list))
        .route("/leveringen", get(leveringen::page))
        .route(
            "/leveringen/proef",
            post(leveringen::proef).layer(DefaultBodyLimit::max(leveringen::UPLOAD_LIMIT)),
        )
        .route("/leveringen/laden", post(leveringen::laden))
        .route("/scans", get(scans::page).post(scans::start))
        .route("/scans/{run}/certificaat", get(scans::certificaat))
        .route(
            "/scans/{run}/certificaat.json",
            get(scans::certificaat_json),
        )
        .route("/trefkansen", get(verantwoording::trefkansen))
        .route("/eerlijkheid", get(verantwoording::eerlijkheid))
        .route("/verwerkingslog", get(verantwoording::verwerkingslog))
        .route(
            "/accounts",
            get(verantwoording::accounts).post(verantwoording::account_add),
        )
        .route(
            "/accounts/{naam}/{actie}",
            post(verantwoording::account_act),
        )
        .route("/algoritmeregister", get(verantwoording::algoritmeregister))
        .route("/inzage", get(inzage::list).post(inzage::draw_up))
        .route("/inzage/{bestand}", get(inzage::open))
        .route("/inzage/beperking/{id}/opheffen", post(inzage::lift))
        .route("/meldingen/{id}/status", post(melden::set_status))
        // The public form: its posts are rate limited per client (the pages are not).
        .route(
            "/melden",
            post(melden::file)
                .layer(form_limit())
                .get(melden::form_page),
        )
        .route(
            "/melden/status",
            post(melden::status)
                .layer(form_limit())
                .get(melden::status_form),
        )
        .merge(
            Router::new()
                .route("/api/v1/openapi.json", get(api::openapi))
                .route("/api/v1/zaken", get(api::zaken))
                .route("/api/v1/zaken/{uuid}", get(api::zaak))
                .route(
                    "/api/v1/zaken/{uuid}/statussen",
                    get(api::statussen).post(api::status_nieuw),
                )
                .route(
                    "/api/v1/zaken/{uuid}/huisbezoeken",
                    get(api::huisbezoeken).post(api::huisbezoek_nieuw),
                )
                .route("/api/v1/zaken/{uuid}/uitkomsten", post(api::uitkomst_nieuw))
                .route("/api/v1/zaken/{uuid}/bevindingen", get(api::bevindingen))
                .route("/api/v1/zaken/{uuid}/notities", post(api::notitie_nieuw))
                .route("/api/v1/{*rest}", axum::routing::any(api::not_found))
                // Partner systems per client address: a sync may burst, a loop is slowed.
                .layer(api_limit()),
        )
        .route("/static/loep.css", get(stylesheet))
        .route("/static/nlds/utrecht-html.css", get(utrecht_css))
        .route("/static/nlds/voorbeeld-theme.css", get(theme_css))
        .route("/thema.css", get(own_theme_css))
        .route("/thema/logo", get(own_logo))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(guard))
        .with_state(server)
}

/// Posts to the public form per client address: a burst of 10, then one every 6 seconds
/// (a resident files a report or two; a script filing hundreds is slowed to ten a minute).
const BURST: u32 = 10;
const REPLENISH_SECONDS: u64 = 6;

/// Calls to the partner API per client address: a burst of 200 (a partner system syncing
/// its cases), then 20 a second.
const API_BURST: u32 = 200;
const API_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

fn too_many_forms(wait: u64) -> Response {
    let mut res = page_error(
        StatusCode::TOO_MANY_REQUESTS,
        &format!(
            "U hebt veel formulieren kort na elkaar verstuurd. Wacht {wait} seconden en probeer het dan opnieuw."
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

fn css(text: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        text,
    )
}

async fn stylesheet() -> impl IntoResponse {
    css(include_str!("../static/loep.css"))
}

/// The NL Design System's Utrecht components for plain HTML (vendored, EUPL-1.2).
async fn utrecht_css() -> impl IntoResponse {
    css(include_str!("../static/nlds/utrecht-html.css"))
}

/// The NL Design System's neutral example theme (vendored, EUPL-1.2).
async fn theme_css() -> impl IntoResponse {
    css(include_str!("../static/nlds/voorbeeld-theme.css"))
}

/// The organisation's own theme (`[thema]` in `loep.toml`) over the example theme: its design
/// tokens and its logo in the page header. Empty rules without one.
async fn own_theme_css(
    axum::extract::State(server): axum::extract::State<Arc<Server>>,
) -> Response {
    let server = server.clone();
    match blocking(move || server.pool.thema()).await {
        Ok(t) => (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            t.css(),
        )
            .into_response(),
        Err(e) => app_error(&e),
    }
}

/// The organisation's logo the theme names, as an image that can run nothing.
async fn own_logo(axum::extract::State(server): axum::extract::State<Arc<Server>>) -> Response {
    let server = server.clone();
    match blocking(move || server.pool.logo()).await {
        Ok(Some((bytes, kind))) => (
            [
                (header::CONTENT_TYPE, kind),
                (header::CACHE_CONTROL, "no-cache"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox",
                ),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => not_found().await,
        Err(e) => app_error(&e),
    }
}

async fn not_found() -> Response {
    page_error(
        StatusCode::NOT_FOUND,
        "Deze pagina bestaat niet. Ga naar het overzicht of de lijst met signalen.",
    )
}

/// Refuses a state-changing request from another site (its `Origin` names another host) and
/// adds the security headers to every answer.
async fn guard(req: Request, next: Next) -> Response {
    // The API is called by partner systems with a key in a header that no browser adds by
    // itself: no cross-site forgery to guard against there.
    if req.method() == Method::POST
        && !req.uri().path().starts_with("/api/")
        && !same_origin(req.headers())
    {
        return page_error(
            StatusCode::FORBIDDEN,
            "Dit formulier kwam niet van deze website en is daarom niet verwerkt.",
        );
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // A handler that sets a stricter policy of its own (the logo, sandboxed) keeps it.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        );
    }
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        // `same-origin`, not `no-referrer`: under `no-referrer` Chromium sends `Origin: null`
        // with this site's own form posts, which the same-origin check must refuse. Other
        // sites still never learn an address of a page.
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        // Pages with personal data stay out of caches and the back-forward history.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// True when the browser says the request comes from this site: `Sec-Fetch-Site:
/// same-origin` where the browser sends it; otherwise an `Origin` whose host is the `Host` it
/// was sent to, or no `Origin` at all (a form posted by an older browser or a script of a
/// partner system; the session's CSRF token still guards what changes data).
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return site.as_bytes() == b"same-origin";
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// The session token from the request's cookie.
pub fn token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, COOKIE)
}

/// The value of cookie `name` when it is a token of 256 bits in hex.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The known-device cookie (`loep_store::apparaat`): it outlives sessions, so that a lock
/// others caused does not stop this browser's right password.
pub const DEVICE_COOKIE: &str = "__Host-loep-apparaat";

/// The device token the browser holds, if any.
pub fn device_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, DEVICE_COOKIE)
}

/// `Set-Cookie` for a browser that becomes a known device of an account.
pub fn set_device_cookie(token: &str) -> String {
    format!(
        "{DEVICE_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={}",
        loep_app::session::KNOWN_DEVICE_DAYS * 24 * 3600
    )
}

/// `Set-Cookie` for a new session.
pub fn set_cookie(token: &str) -> String {
    format!("{COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict")
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// A logged-in request's session. A writer's holds the server's writer turn
/// ([`Server::writer_turn`]), a reader's a reader place ([`Server::reader_turn`]), until the
/// request is done with it.
pub struct Held {
    session: Session,
    _turn: Option<crate::WriterTurn>,
}

impl Held {
    /// The session without the writer turn: for work that runs on after the request (a scan,
    /// which holds the project's own lock instead).
    pub fn into_session(self) -> Session {
        self.session
    }
}

impl std::ops::Deref for Held {
    type Target = Session;
    fn deref(&self) -> &Session {
        &self.session
    }
}

impl std::ops::DerefMut for Held {
    fn deref_mut(&mut self) -> &mut Session {
        &mut self.session
    }
}

/// A logged-in request's session and CSRF token, or the answer to give instead: to the login
/// page when there is no live session. A writer first waits for its turn as the server's one
/// writer.
pub async fn session(
    server: &Arc<Server>,
    headers: &HeaderMap,
    mode: Mode,
) -> Result<(Held, String), Response> {
    let Some(token) = token(headers) else {
        return Err(to_login());
    };
    // A writer waits for the one writer turn; a reader for one of the reader places, so that
    // a crowd of requests queues here instead of all working the database at once.
    let turn = match mode {
        Mode::Write => server.writer_turn().await,
        Mode::Read => server.reader_turn().await,
    };
    let dir = server.dir.clone();
    let pool = server.pool.clone();
    blocking(move || match mode {
        Mode::Read => pool.resume(&token),
        Mode::Write => loep_app::session::resume(&dir, mode, &token),
    })
    .await
    .map(|(session, csrf)| {
        (
            Held {
                session,
                _turn: turn,
            },
            csrf,
        )
    })
    .map_err(|e| match e.kind {
        Kind::Refused | Kind::Unauthenticated => to_login(),
        _ => app_error(&e),
    })
}

/// Runs `f` on the blocking pool (SQLite, Argon2, file reads).
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> loep_app::Result<T> + Send + 'static,
) -> loep_app::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(AppError::new(Kind::Internal, format!("interne fout: {e}"))))
}

fn to_login() -> Response {
    let mut res = Redirect::to("/inloggen").into_response();
    if let Ok(v) = HeaderValue::from_str(&clear_cookie()) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// The HTTP status of each kind of error of the core, for the pages and the API alike.
pub fn status_of(kind: Kind) -> StatusCode {
    match kind {
        Kind::Refused => StatusCode::FORBIDDEN,
        Kind::Unauthenticated => StatusCode::UNAUTHORIZED,
        Kind::NotFound => StatusCode::NOT_FOUND,
        Kind::Invalid => StatusCode::BAD_REQUEST,
        Kind::Conflict => StatusCode::CONFLICT,
        Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// What a person reads about a fault of loep or its machine: a reference number to quote to
/// the administrator, never the details, which go to the server's log under that number.
pub fn internal_message(details: &str) -> String {
    let mut bytes = [0u8; 4];
    let reference = match getrandom::fill(&mut bytes) {
        Ok(()) => format!("F-{:08X}", u32::from_be_bytes(bytes)),
        Err(_) => format!(
            "F-{:08X}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        ),
    };
    tracing::error!(referentie = %reference, "interne fout: {details}");
    format!(
        "Er ging iets mis in loep (referentie {reference}). Probeer het opnieuw; blijft het misgaan, meld dan deze referentie bij de beheerder van het project."
    )
}

/// An error of the core as a form or page says it: its message, or for a fault of loep the
/// reference number only.
pub fn shown(e: &AppError) -> String {
    match e.kind {
        Kind::Internal => internal_message(&e.message()),
        _ => e.message(),
    }
}

/// The page for an error of the core: refused, unauthenticated, not found, invalid, conflict or
/// internal.
pub fn app_error(e: &AppError) -> Response {
    let status = status_of(e.kind);
    let text = match e.kind {
        Kind::Refused => {
            let m = e.message();
            format!(
                "Dit mag uw account niet: {}",
                m.strip_prefix("geweigerd: ").unwrap_or(&m)
            )
        }
        Kind::Internal => internal_message(&e.message()),
        _ => e.message(),
    };
    page_error(status, &text)
}

#[derive(Template)]
#[template(path = "fout.html")]
struct Fout<'a> {
    titel: &'a str,
    melding: &'a str,
}

pub fn page_error(status: StatusCode, melding: &str) -> Response {
    let titel = match status {
        StatusCode::FORBIDDEN => "Niet toegestaan",
        StatusCode::NOT_FOUND => "Niet gevonden",
        StatusCode::BAD_REQUEST => "Onjuiste invoer",
        StatusCode::CONFLICT => "Even niet mogelijk",
        _ => "Fout",
    };
    let body = Fout { titel, melding }
        .render()
        .unwrap_or_else(|_| melding.to_string());
    (status, Html(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    /// A fault of loep reaches the person as a reference number, never with its details; what
    /// they gave wrong is said as it is.
    #[test]
    fn an_internal_error_shows_a_reference_and_hides_its_details() {
        let e = AppError::new(Kind::Internal, "SQL: no such table geheim_detail");
        let a = shown(&e);
        let b = shown(&e);
        assert!(!a.contains("geheim_detail"), "{a}");
        assert!(a.contains("referentie F-"), "{a}");
        assert_ne!(a, b, "every occurrence has its own reference");
        let page = app_error(&e);
        assert_eq!(page.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let e = AppError::invalid("de datum ligt in het verleden");
        assert_eq!(shown(&e), "de datum ligt in het verleden");
        assert_eq!(app_error(&e).status(), StatusCode::BAD_REQUEST);
        // An error of the layers below without a problem of theirs is internal.
        let e: AppError = anyhow::anyhow!("kan bestand x.parquet niet lezen").into();
        assert!(!shown(&e).contains("x.parquet"));
    }

    #[test]
    fn the_cookie_is_read_only_when_well_formed() {
        let t = "ab".repeat(32);
        let h = headers(&[(header::COOKIE, &format!("x=1; {COOKIE}={t}; y=2"))]);
        assert_eq!(token(&h).as_deref(), Some(t.as_str()));
        for bad in ["", "zz", &"g".repeat(64), &format!("{t}0")] {
            let h = headers(&[(header::COOKIE, &format!("{COOKIE}={bad}"))]);
            assert_eq!(token(&h), None, "{bad}");
        }
        // A cookie of another name that ends the same way is not it.
        let h = headers(&[(header::COOKIE, &format!("x{COOKIE}={t}"))]);
        assert_eq!(token(&h), None);
    }

    #[test]
    fn a_post_from_another_site_is_not_same_origin() {
        let host = (header::HOST, "127.0.0.1:8080");
        assert!(same_origin(&headers(std::slice::from_ref(&host))));
        assert!(same_origin(&headers(&[
            host.clone(),
            (header::ORIGIN, "http://127.0.0.1:8080")
        ])));
        assert!(!same_origin(&headers(&[
            host.clone(),
            (header::ORIGIN, "https://evil.example")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            (header::ORIGIN, "http://127.0.0.1:8081")
        ])));
        assert!(!same_origin(&headers(&[(header::ORIGIN, "null")])));
        // What the browser says about the request's site comes first.
        let fetch = header::HeaderName::from_static("sec-fetch-site");
        assert!(same_origin(&headers(&[
            (fetch.clone(), "same-origin"),
            (header::ORIGIN, "null")
        ])));
        for other in ["cross-site", "same-site", "none"] {
            assert!(!same_origin(&headers(&[
                (fetch.clone(), other),
                (header::HOST, "127.0.0.1:8080"),
                (header::ORIGIN, "http://127.0.0.1:8080")
            ])));
        }
    }

    #[test]
    fn the_cookie_has_every_protection() {
        let c = set_cookie("abc");
        for part in [
            "__Host-loep=abc",
            "Path=/",
            "Secure",
            "HttpOnly",
            "SameSite=Strict",
        ] {
            assert!(c.contains(part), "{c}");
        }
        assert!(!c.contains("Domain"));
    }
}
