//! The pages: each resumes the session (or is public), calls one or two use cases of the core
//! on the blocking pool, and renders a template.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use loep_app::scan::{Page, SignalFilter};
use loep_app::types::Actie;
use loep_app::{Kind, Mode};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::Server;
use crate::extract::{ReadSession, Reply, WriteForm};
use crate::formulier::raw;
use crate::web::{app_error, blocking, clear_cookie, page_error, session, set_cookie, token};

/// Signals per page of the queue.
const PAGE_SIZE: usize = 50;

pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(body) => Html(body).into_response(),
        Err(e) => page_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &crate::web::internal_message(&format!("de pagina kon niet worden opgebouwd: {e}")),
        ),
    }
}

/// Who is logged in, for the page header: the menu offers what the role may open.
pub struct Wie {
    pub naam: String,
    pub rol: String,
    pub csrf: String,
    pub overzicht: bool,
    pub signalen: bool,
    pub zaken: bool,
    pub onthullingen: bool,
    pub trefkansen: bool,
    pub eerlijkheid: bool,
    pub verwerkingslog: bool,
    pub accounts: bool,
    pub algoritmeregister: bool,
    pub inzage: bool,
    pub leveringen: bool,
    pub koppelingen: bool,
}

impl Wie {
    pub fn of(s: &loep_app::Session, csrf: String) -> Wie {
        Wie {
            naam: s.user().naam().to_string(),
            rol: s.user().rol().name().to_string(),
            csrf,
            overzicht: s.may(Actie::ProjectBekijken),
            signalen: s.may(Actie::SignalenBekijken),
            zaken: s.may(Actie::ZakenBekijken),
            onthullingen: s.may(Actie::OnthullingenBekijken),
            trefkansen: s.may(Actie::TrefkansBekijken),
            eerlijkheid: s.may(Actie::KwaliteitBekijken),
            verwerkingslog: s.may(Actie::LogControleren),
            accounts: s.may(Actie::GebruikersBekijken),
            algoritmeregister: s.may(Actie::RegisterExporteren),
            leveringen: s.may(Actie::LeveringLaden),
            inzage: s.may(Actie::InzageOpstellen),
            koppelingen: s.may(Actie::KoppelingVoorstellen) || s.may(Actie::KoppelingBevestigen),
        }
    }
}

#[derive(Template)]
#[template(path = "inloggen.html")]
struct Inloggen {
    gebruiker: String,
    fout: Option<String>,
    melding: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct LoginVraag {
    #[serde(default)]
    wachtwoord: String,
}

pub async fn login_form(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Query(q): Query<LoginVraag>,
) -> Response {
    if token(&headers).is_some() && session(&server, &headers, Mode::Read).await.is_ok() {
        return Redirect::to("/").into_response();
    }
    render(&Inloggen {
        gebruiker: String::new(),
        fout: None,
        melding: (q.wachtwoord == "gewijzigd")
            .then(|| "Uw wachtwoord is gewijzigd. Log in met het nieuwe wachtwoord.".to_string()),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    gebruiker: String,
    #[serde(default)]
    wachtwoord: String,
}

pub async fn login(
    State(server): State<Arc<Server>>,
    axum::extract::ConnectInfo(client): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let naam = form.gebruiker.trim().to_string();
    if naam.is_empty() || form.wachtwoord.is_empty() {
        let page = render(&Inloggen {
            gebruiker: naam,
            fout: Some("Vul uw accountnaam en uw wachtwoord in.".into()),
            melding: None,
        });
        return (StatusCode::BAD_REQUEST, page).into_response();
    }
    // An address with too many failed logins waits before anything is checked; a browser
    // known to the account does not.
    let ip = client.ip();
    let apparaat = crate::web::device_token(&headers);
    let taken = match server.inlogrem.take(ip) {
        Ok(()) => true,
        Err(wait) => {
            let known = match apparaat.clone() {
                Some(t) => {
                    let (server, naam) = (server.clone(), naam.clone());
                    blocking(move || server.pool.known_device(&t, &naam))
                        .await
                        .unwrap_or(false)
                }
                None => false,
            };
            if !known {
                return too_many_logins(&naam, wait);
            }
            false
        }
    };
    let dir = server.dir.clone();
    let (n, pw) = (naam.clone(), form.wachtwoord);
    let login = blocking(move || {
        loep_app::session::login_web(&dir, &n, &pw, apparaat.as_deref())
            .map(|l| (l.started, l.apparaat))
    })
    .await;
    match login {
        Ok((started, apparaat)) => {
            if taken {
                server.inlogrem.refund(ip);
            }
            let mut res = Redirect::to("/").into_response();
            if let Ok(v) = HeaderValue::from_str(&set_cookie(&started.token)) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            if let Some(t) = apparaat
                && let Ok(v) = HeaderValue::from_str(&crate::web::set_device_cookie(&t))
            {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) if matches!(e.kind, Kind::Refused | Kind::Conflict) => {
            // Only a wrong guess (wrong password, unknown or disabled account) keeps its
            // token; a lock told to the right password, or a busy project, gives it back.
            if taken && e.kind != Kind::Refused {
                server.inlogrem.refund(ip);
            }
            let status = if e.kind == Kind::Refused {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::TOO_MANY_REQUESTS
            };
            let page = render(&Inloggen {
                gebruiker: naam,
                fout: Some(crate::web::shown(&e)),
                melding: None,
            });
            (status, page).into_response()
        }
        Err(e) => {
            if taken {
                server.inlogrem.refund(ip);
            }
            app_error(&e)
        }
    }
}

/// The login form again, with a 429 and `Retry-After`: too many failed logins from this
/// address.
fn too_many_logins(gebruiker: &str, wait: std::time::Duration) -> Response {
    // Rounded up: a client that waits as long as it is told is let in.
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    let mut res = render(&Inloggen {
        gebruiker: gebruiker.to_string(),
        fout: Some(format!(
            "Er zijn vanaf uw adres te veel mislukte inlogpogingen kort na elkaar gedaan. Wacht {secs} {} en probeer het dan opnieuw.",
            if secs == 1 { "seconde" } else { "seconden" }
        )),
        melding: None,
    });
    *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// The answer to a form whose CSRF token is not its session's; `None` when it is.
pub fn csrf_refused(given: &str, csrf: &str) -> Option<Response> {
    (!same_token(given, csrf)).then(|| {
        page_error(
            StatusCode::FORBIDDEN,
            "Dit formulier is verlopen of kwam niet van deze website. Laad de pagina opnieuw en probeer het nog eens.",
        )
    })
}

/// A page shown again after invalid input (400) or a conflict (409), with the reason on top.
pub fn again(kind: Kind, page: &impl Template) -> Response {
    let status = if kind == Kind::Conflict {
        StatusCode::CONFLICT
    } else {
        StatusCode::BAD_REQUEST
    };
    (status, render(page)).into_response()
}

/// Compares in constant time, so that the token cannot be guessed byte by byte.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub async fn logout(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Reply {
    let (_, csrf) = session(&server, &headers, Mode::Read).await?;
    if let Some(refused) = csrf_refused(&form.csrf, &csrf) {
        return Ok(refused);
    }
    if let Some(t) = token(&headers) {
        let dir = server.dir.clone();
        if let Err(e) = blocking(move || loep_app::session::logout_web(&dir, &t)).await {
            return Ok(app_error(&e));
        }
    }
    let mut res = Redirect::to("/inloggen").into_response();
    if let Ok(v) = HeaderValue::from_str(&clear_cookie()) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

#[derive(Template)]
#[template(path = "wachtwoord.html")]
struct Wachtwoord {
    wie: Wie,
    fout: Option<String>,
}

/// `GET /wachtwoord`: the form to change one's own password.
pub async fn password_form(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    match session(&server, &headers, Mode::Read).await {
        Ok((s, csrf)) => render(&Wachtwoord {
            wie: Wie::of(&s, csrf),
            fout: None,
        }),
        Err(r) => r,
    }
}

/// The form that changes one's own password. Passwords are taken as typed: spaces count.
#[derive(Deserialize)]
pub struct WachtwoordForm {
    #[serde(default, deserialize_with = "raw")]
    huidig: String,
    #[serde(default, deserialize_with = "raw")]
    nieuw: String,
    #[serde(default, deserialize_with = "raw")]
    herhaling: String,
}

/// `POST /wachtwoord`: changes the account's own password; every open session of the account
/// ends with it, this one too, so the browser goes to the login.
pub async fn change_password(WriteForm(mut s, csrf, f): WriteForm<WachtwoordForm>) -> Reply {
    let (huidig, nieuw, herhaling) = (f.huidig, f.nieuw, f.herhaling);
    let done = blocking(move || {
        if nieuw != herhaling {
            return Ok(Err((
                Wie::of(&s, csrf),
                "De twee nieuwe wachtwoorden verschillen; typ ze opnieuw.".to_string(),
            )));
        }
        match loep_app::accounts::change_password(&mut s, &huidig, &nieuw) {
            Ok(()) => Ok(Ok(())),
            Err(e) if matches!(e.kind, Kind::Invalid | Kind::Refused) => {
                Ok(Err((Wie::of(&s, csrf), crate::web::shown(&e))))
            }
            Err(e) => Err(e),
        }
    })
    .await;
    Ok(match done? {
        Ok(()) => {
            let mut res = Redirect::to("/inloggen?wachtwoord=gewijzigd").into_response();
            if let Ok(v) = HeaderValue::from_str(&clear_cookie()) {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            res
        }
        Err((wie, fout)) => (
            StatusCode::BAD_REQUEST,
            render(&Wachtwoord {
                wie,
                fout: Some(fout),
            }),
        )
            .into_response(),
    })
}

/// A theme's or buurt's count on the dashboard.
#[derive(Clone)]
pub struct Telling {
    pub naam: String,
    pub signalen: usize,
    pub adressen: usize,
}

impl Telling {
    /// The theme in words, for a count per theme (its `naam` is the code the filter takes).
    pub fn thema(&self) -> &'static str {
        loep_app::inzage::labels::theme(&self.naam)
    }
}

pub struct Scanregel {
    pub run_id: String,
    pub tijdstip: String,
    pub signalen: i64,
    pub adressen: i64,
}

#[derive(Template)]
#[template(path = "overzicht.html")]
struct Overzicht {
    wie: Wie,
    /// What waits for this account.
    wachtend: Vec<loep_app::wachtend::Wachtend>,
    project: String,
    doel: String,
    periode: String,
    laatste: Option<Scanregel>,
    scans: Vec<Scanregel>,
    themas: Vec<Telling>,
    buurten: Vec<Telling>,
    verwonderadressen: usize,
    kaart: Option<String>,
    /// Whether the account's role may see signals (analist, projectleider).
    signalen_zichtbaar: bool,
    zaken: bool,
    /// Cases per status, in the catalogue's order (for those who may see cases).
    zaken_per_status: Vec<Telling>,
}

fn counts(pairs: impl Iterator<Item = (String, loep_app::types::BagId)>) -> Vec<Telling> {
    let mut by: BTreeMap<String, (usize, std::collections::BTreeSet<loep_app::types::BagId>)> =
        BTreeMap::new();
    for (key, vbo) in pairs {
        let e = by.entry(key).or_default();
        e.0 += 1;
        e.1.insert(vbo);
    }
    by.into_iter()
        .map(|(naam, (signalen, a))| Telling {
            naam,
            signalen,
            adressen: a.len(),
        })
        .collect()
}

/// What the dashboard shows of the newest run: the same for everyone who may see signals,
/// so made once per run (the whole listing and its map) and kept by the server.
#[derive(Clone, Default)]
pub struct RunOverview {
    themas: Vec<Telling>,
    buurten: Vec<Telling>,
    verwonder: usize,
    kaart: Option<String>,
}

impl RunOverview {
    pub fn of(s: &loep_app::Session) -> loep_app::Result<RunOverview> {
        let listing = loep_app::scan::listing(s, &SignalFilter::default())?;
        let themas = counts(
            listing
                .signals
                .iter()
                .map(|x| (x.thema.code().to_string(), x.vbo_id)),
        );
        let buurten = counts(listing.signals.iter().map(|x| {
            let code = listing
                .addresses
                .buurt_of(&x.vbo_id, x.buurtcode.as_deref());
            let name = listing.addresses.buurtnaam(code);
            let label = match (name, code) {
                (Some(n), Some(c)) => format!("{n} ({c})"),
                (None, Some(c)) => c.to_string(),
                _ => "onbekend".to_string(),
            };
            (label, x.vbo_id)
        }));
        Ok(RunOverview {
            themas,
            buurten,
            verwonder: listing.profiles.iter().filter(|p| p.verwonderadres).count(),
            kaart: Some(loep_app::scan::map_svg(&listing)?),
        })
    }
}

pub async fn dashboard(
    State(server): State<Arc<Server>>,
    ReadSession(s, csrf): ReadSession,
) -> Reply {
    // A partner-medewerker or handhaver works on cases and sees nothing of the project as a
    // whole: their start page is the list of their cases.
    if !s.may(Actie::ProjectBekijken) {
        return Ok(Redirect::to("/zaken").into_response());
    }
    let server = server.clone();
    let page = blocking(move || {
        let status = loep_app::project::summary(&s)?;
        let zichtbaar = s.may(Actie::SignalenBekijken);
        let scans: Vec<Scanregel> = status
            .scans
            .iter()
            .rev()
            .map(|r| Scanregel {
                run_id: r.run_id.clone(),
                tijdstip: loep_app::nl::tijdstip(&r.tijdstip),
                signalen: r.signalen,
                adressen: r.adressen,
            })
            .collect();
        let run = if zichtbaar && !status.scans.is_empty() {
            server.run_overview(&s)?
        } else {
            Arc::new(RunOverview::default())
        };
        let RunOverview {
            themas,
            buurten,
            verwonder,
            kaart,
        } = (*run).clone();
        let counted_cases = if s.may(Actie::ZakenBekijken) {
            Some(server.cases_per_status(&s)?)
        } else {
            None
        };
        let zaken_per_status = if let Some(counted) = &counted_cases {
            loep_app::zaken::case_types()
                .statustypen
                .iter()
                .map(|st| {
                    let (signalen, adressen) = counted
                        .iter()
                        .find(|(code, _, _)| *code == st.code)
                        .map_or((0, 0), |(_, n, a)| (*n, *a));
                    Telling {
                        naam: st.omschrijving.clone(),
                        signalen,
                        adressen,
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        let periode = format!(
            "{} tot en met {}",
            loep_app::nl::datum(&status.periode.0),
            loep_app::nl::datum(&status.periode.1)
        );
        Ok(Overzicht {
            wachtend: loep_app::wachtend::wachtend(&s, counted_cases.as_deref().map(|c| &c[..]))?,
            laatste: scans.first().map(|r| Scanregel {
                run_id: r.run_id.clone(),
                tijdstip: r.tijdstip.clone(),
                signalen: r.signalen,
                adressen: r.adressen,
            }),
            wie: Wie::of(&s, csrf),
            project: status.naam,
            doel: status.doel,
            periode,
            scans,
            themas,
            buurten,
            verwonderadressen: verwonder,
            kaart,
            signalen_zichtbaar: zichtbaar,
            zaken: s.may(Actie::ZakenBekijken),
            zaken_per_status,
        })
    })
    .await?;
    Ok(render(&page))
}

#[derive(Deserialize, Default)]
pub struct Filter {
    #[serde(default)]
    thema: String,
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    buurt: String,
    #[serde(default)]
    verwonderadres: String,
    #[serde(default)]
    pagina: Option<usize>,
    /// For the export: `xlsx` or `csv-nl`.
    #[serde(default)]
    formaat: String,
}

impl Filter {
    /// The filter, its theme parsed (an unknown one is refused with the codes there are).
    fn signal_filter(&self) -> loep_app::Result<SignalFilter> {
        let some = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_string());
        let thema = some(&self.thema)
            .map(|t| loep_app::types::Thema::parse(&t))
            .transpose()
            .map_err(|e| loep_app::AppError::invalid(e.reason))?;
        Ok(SignalFilter {
            run: None,
            thema,
            indicator: some(&self.indicator).map(|i| i.to_uppercase()),
            buurt: some(&self.buurt),
            verwonderadres: !self.verwonderadres.is_empty(),
        })
    }

    /// The filter with a buurt typed by its name (in any case) read as its code.
    fn with_buurt_code(mut self, addresses: &loep_app::scan::Addresses) -> Filter {
        let typed = self.buurt.trim();
        if !typed.is_empty()
            && !addresses.buurten.contains_key(typed)
            && let Some(b) = addresses
                .buurten
                .values()
                .find(|b| b.buurtnaam.eq_ignore_ascii_case(typed))
        {
            self.buurt = b.buurtcode.clone();
        }
        self
    }
}

/// One address of the queue.
pub struct Rij {
    pub rang: i64,
    pub vbo_id: String,
    pub adres: String,
    pub buurt: String,
    /// The themes of its signals, in words.
    pub themas: Vec<String>,
    /// The partners with an interest, who join the visit; "geen" when none of the project.
    pub belang: String,
    pub verwonderadres: bool,
    /// The strongest signal that matches the filter: its indicator and explanation.
    pub indicator: String,
    pub uitleg: String,
    /// The address's other signals in the run.
    pub overig: usize,
}

#[derive(Template)]
#[template(path = "signalen.html")]
struct Signalen {
    wie: Wie,
    thema: String,
    indicator: String,
    buurt: String,
    verwonderadres: bool,
    /// (value, label) of each choice.
    themas: Vec<(String, String)>,
    indicatoren: Vec<(String, String)>,
    buurten: Vec<(String, String)>,
    rijen: Vec<Rij>,
    /// Addresses that match.
    totaal: usize,
    /// Signals that match.
    signalen: usize,
    pagina: usize,
    paginas: usize,
    vorige: Option<String>,
    volgende: Option<String>,
    run: String,
    export_xlsx: String,
    export_csv: String,
}

/// `GET /signalen/export?formaat=xlsx|csv-nl&…`: the filtered signals of the newest run as a
/// file, written by the same code as `loep signals --format xlsx|csv-nl`.
pub async fn export(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Query(f): Query<Filter>,
) -> Reply {
    let (s, _) = session(&server, &headers, Mode::Read).await?;
    let (content_type, ext) = match f.formaat.as_str() {
        "xlsx" => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        "csv-nl" => ("text/csv; charset=utf-8", "csv"),
        _ => {
            return Ok(page_error(
                StatusCode::BAD_REQUEST,
                "Kies een formaat voor de export: xlsx (Excel) of csv-nl.",
            ));
        }
    };
    let formaat = f.formaat.clone();
    let (run, bytes) = blocking(move || {
        let listing = loep_app::scan::listing(&s, &f.signal_filter()?)?;
        let mut out = Vec::new();
        if formaat == "xlsx" {
            loep_app::scan::write_signals_xlsx(&mut out, &listing)?;
        } else {
            loep_app::scan::write_signals_csv_nl(&mut out, &listing)?;
        }
        Ok((listing.run.run_id.clone(), out))
    })
    .await?;
    let name = format!(
        "attachment; filename=\"signalen-{}.{ext}\"",
        run.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    );
    let mut res = ([(header::CONTENT_TYPE, content_type.to_string())], bytes).into_response();
    if let Ok(v) = HeaderValue::from_str(&name) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// The query string of the same filter with `extra` (`pagina=2`, `formaat=xlsx`).
fn filter_link(f: &Filter, path: &str, extra: &str) -> String {
    let mut parts = vec![];
    for (k, v) in [
        ("thema", &f.thema),
        ("indicator", &f.indicator),
        ("buurt", &f.buurt),
    ] {
        if !v.is_empty() {
            parts.push(format!("{k}={}", encode(v)));
        }
    }
    if !f.verwonderadres.is_empty() {
        parts.push("verwonderadres=ja".into());
    }
    parts.push(extra.to_string());
    format!("{path}?{}", parts.join("&"))
}

/// The query string for page `n` of the same filter.
fn page_link(f: &Filter, n: usize) -> String {
    filter_link(f, "/signalen", &format!("pagina={n}"))
}

/// Percent-encodes a query value (letters, digits and `-_.~` stay).
pub fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The published indicators as (code, "code – title") for the queue's filter: read and
/// checked once (the catalogue is compiled into the binary).
fn indicator_choices() -> loep_app::Result<Vec<(String, String)>> {
    static CHOICES: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    if let Some(c) = CHOICES.get() {
        return Ok(c.clone());
    }
    let c: Vec<(String, String)> = loep_app::scan::catalogue()?
        .indicators
        .into_iter()
        .map(|i| (i.code.clone(), format!("{} – {}", i.code, i.titel)))
        .collect();
    Ok(CHOICES.get_or_init(|| c).clone())
}

/// `GET /signalen`: the queue the team works from, one row per address in the ranking order
/// of the exports (verwonderadressen first), with its themes, who has an interest, and the
/// strongest signal that matches the filter.
pub async fn signals(
    State(server): State<Arc<Server>>,
    ReadSession(s, csrf): ReadSession,
    Query(f): Query<Filter>,
) -> Reply {
    let page = blocking(move || {
        let addresses = server.address_book(&s)?;
        let f = f.with_buurt_code(&addresses);
        let filter = f.signal_filter()?;
        let n = f.pagina.unwrap_or(1).max(1);
        let queue = loep_app::scan::queue(
            &s,
            &filter,
            Page {
                number: n - 1,
                size: PAGE_SIZE,
            },
            &server.wachtrij,
        )?;
        let partner = |p: &str| loep_app::inzage::labels::partner_named(p);
        let rijen = queue
            .rows
            .iter()
            .map(|r| {
                let code = addresses.buurt_of(&r.profile.vbo_id, r.profile.buurtcode.as_deref());
                let strongest = r
                    .signals
                    .iter()
                    .filter(|x| filter.matches(x))
                    .max_by(|a, b| a.sterkte.total_cmp(&b.sterkte))
                    .or(r.signals.first());
                Rij {
                    rang: r.profile.rang,
                    vbo_id: r.profile.vbo_id.to_string(),
                    adres: addresses
                        .adres(&r.profile.vbo_id)
                        .unwrap_or("adres onbekend in de BAG")
                        .to_string(),
                    buurt: addresses
                        .buurtnaam(code)
                        .or(code)
                        .unwrap_or("onbekend")
                        .to_string(),
                    themas: r
                        .profile
                        .themas
                        .iter()
                        .map(|t| loep_app::inzage::labels::theme(t.code()).to_string())
                        .collect(),
                    belang: if r.belanghebbenden.is_empty() {
                        "geen".to_string()
                    } else {
                        r.belanghebbenden
                            .iter()
                            .map(|p| partner(p))
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                    verwonderadres: r.profile.verwonderadres,
                    indicator: strongest.map(|x| x.indicator.clone()).unwrap_or_default(),
                    uitleg: strongest.map(|x| x.uitleg.clone()).unwrap_or_default(),
                    overig: r.signals.len().saturating_sub(1),
                }
            })
            .collect();
        let paginas = queue.total.div_ceil(PAGE_SIZE).max(1);
        let mut buurten: Vec<(String, String)> = addresses
            .buurten
            .values()
            .map(|b| (b.buurtcode.clone(), b.buurtnaam.clone()))
            .collect();
        buurten.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        let indicatoren = indicator_choices()?;
        Ok(Signalen {
            wie: Wie::of(&s, csrf),
            themas: loep_app::scan::themes()
                .iter()
                .map(|t| (t.code().to_string(), t.label().to_string()))
                .collect(),
            indicatoren,
            buurten,
            thema: f.thema.clone(),
            indicator: f.indicator.trim().to_uppercase(),
            buurt: f.buurt.clone(),
            verwonderadres: !f.verwonderadres.is_empty(),
            rijen,
            totaal: queue.total,
            signalen: queue.signalen,
            pagina: n,
            paginas,
            export_xlsx: filter_link(&f, "/signalen/export", "formaat=xlsx"),
            export_csv: filter_link(&f, "/signalen/export", "formaat=csv-nl"),
            vorige: (n > 1).then(|| page_link(&f, n - 1)),
            volgende: (n < paginas).then(|| page_link(&f, n + 1)),
            run: queue.run.run_id,
        })
    })
    .await;
    Ok(match page {
        Ok(p) => render(&p),
        Err(e) if e.kind == Kind::NotFound => page_error(
            StatusCode::NOT_FOUND,
            "Er is nog geen scan in dit project; er zijn dus nog geen signalen.",
        ),
        Err(e) => return Err(e.into()),
    })
}

pub struct Uitleg {
    pub code: String,
    pub versie: u32,
    pub thema: String,
    pub titel: String,
    pub beschrijving: String,
    pub grondslag: String,
    pub niet_bedoeld: String,
    pub ontbrekend: String,
    /// The explanation of a signal and its margin, with `{feit}` where a value goes.
    pub uitleg: String,
    pub marge: String,
    /// The building blocks of the derived layer it reads: (name, title).
    pub afgeleid: Vec<(String, String)>,
}

/// A building block of the derived layer as the public page describes it.
pub struct Bouwsteen {
    pub naam: String,
    pub versie: u32,
    pub titel: String,
    pub beschrijving: String,
    pub regels: Vec<String>,
    pub kolommen: Vec<(String, String)>,
    /// What it reads, in words: `tabel (kolom, kolom)`.
    pub leest: Vec<String>,
    /// The codes of the indicators that read it.
    pub gelezen_door: Vec<String>,
}

#[derive(Template)]
#[template(path = "indicatoren.html")]
struct Indicatoren {
    indicatoren: Vec<Uitleg>,
    bouwstenen: Vec<Bouwsteen>,
}

/// The published catalogue in plain Dutch, for everyone (no login).
pub async fn indicators() -> Reply {
    let c = loep_app::scan::catalogue()?;
    Ok(render(&Indicatoren {
        bouwstenen: c
            .bouwstenen
            .values()
            .map(|b| Bouwsteen {
                naam: b.naam.clone(),
                versie: b.versie,
                titel: b.titel.clone(),
                beschrijving: b.beschrijving.clone(),
                regels: b.regels.clone(),
                kolommen: b
                    .kolommen
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                leest: b
                    .leest
                    .iter()
                    .map(|(t, cols)| format!("{t} ({})", cols.join(", ")))
                    .chain(b.afgeleid.iter().map(|d| format!("afgeleide gegevens {d}")))
                    .collect(),
                gelezen_door: c
                    .indicators
                    .iter()
                    .filter(|i| i.bouwstenen.iter().any(|x| x.naam == b.naam))
                    .map(|i| i.code.clone())
                    .collect(),
            })
            .collect(),
        indicatoren: c
            .indicators
            .into_iter()
            .map(|i| Uitleg {
                afgeleid: i
                    .afgeleid
                    .keys()
                    .map(|n| {
                        let titel = i
                            .bouwstenen
                            .iter()
                            .find(|b| &b.naam == n)
                            .map(|b| b.titel.clone())
                            .unwrap_or_default();
                        (n.clone(), titel)
                    })
                    .collect(),
                uitleg: i.uitleg_sjabloon(),
                marge: i.marge_sjabloon(),
                code: i.code,
                versie: i.versie,
                thema: i.thema.label().to_string(),
                titel: i.titel,
                beschrijving: i.beschrijving,
                grondslag: i.grondslag,
                niet_bedoeld: i.niet_bedoeld,
                ontbrekend: i.ontbrekend,
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links_keep_the_filter_and_encode_it() {
        let f = Filter {
            thema: "overbewoning".into(),
            buurt: "Oude Stad & <x>".into(),
            verwonderadres: "ja".into(),
            ..Filter::default()
        };
        assert_eq!(
            page_link(&f, 3),
            "/signalen?thema=overbewoning&buurt=Oude%20Stad%20%26%20%3Cx%3E&verwonderadres=ja&pagina=3"
        );
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
        assert!(!same_token("", "a"));
    }
}
