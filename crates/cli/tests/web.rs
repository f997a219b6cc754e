//! The web application as a browser uses it: `loep serve` runs as a process, and the tests
//! talk HTTP to it: logging in, the session cookie and its protections, CSRF, the pages of a
//! logged-in account, the public catalogue, and what happens without a session.

mod common;
use common::*;
use sha2::Digest;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running `loep serve`, stopped when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path) -> Server {
    start(&["serve", dir.to_str().unwrap(), "--listen", "127.0.0.1:0"])
}

/// Starts `loep ARGS` and waits for the line with the address it serves on; the rest of its
/// output is read on, so that the process never writes into a closed pipe.
fn start(args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_loep"))
        .args(args)
        .env("LOEP_NOW", NOW)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("loep starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let base = loop {
        let Some(Ok(line)) = lines.next() else {
            panic!("loep {args:?} ended without serving: {seen:#?}");
        };
        if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
            break url.trim_end_matches('/').to_string();
        }
        seen.push(line);
    };
    std::thread::spawn(move || for _ in lines {});
    Server { child, base }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into()
}

struct Answer {
    status: u16,
    location: Option<String>,
    cookie: Option<String>,
    headers: Vec<(String, String)>,
    body: String,
}

fn answer(mut r: ureq::http::Response<ureq::Body>) -> Answer {
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (location, cookie) = (header("location"), header("set-cookie"));
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    Answer {
        status: r.status().as_u16(),
        location,
        cookie,
        headers,
        body: r.body_mut().read_to_string().unwrap_or_default(),
    }
}

fn get(s: &Server, path: &str, cookie: Option<&str>) -> Answer {
    let mut req = agent().get(format!("{}{path}", s.base));
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    answer(req.call().unwrap())
}

fn post(s: &Server, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Answer {
    post_from(s, path, cookie, form, None)
}

fn post_from(
    s: &Server,
    path: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
    origin: Option<&str>,
) -> Answer {
    let mut req = agent().post(format!("{}{path}", s.base));
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    if let Some(o) = origin {
        req = req.header("Origin", o);
    }
    answer(req.send_form(form.iter().copied()).unwrap())
}

/// Logs in and returns the `name=value` of the session cookie.
fn login(s: &Server, naam: &str) -> String {
    login_with(s, naam, PASSWORD)
}

fn login_with(s: &Server, naam: &str, wachtwoord: &str) -> String {
    let a = post(
        s,
        "/inloggen",
        None,
        &[("gebruiker", naam), ("wachtwoord", wachtwoord)],
    );
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(a.location.as_deref(), Some("/"));
    let cookie = a.cookie.expect("a session cookie");
    for part in [
        "__Host-loep=",
        "Secure",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
    ] {
        assert!(cookie.contains(part), "{cookie}");
    }
    cookie.split(';').next().unwrap().to_string()
}

fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    page[at..at + 64].to_string()
}

#[test]
fn logging_in_browsing_and_logging_out() {
    let root = tempfile::tempdir().unwrap();
    let world = root.path().join("world");
    ok(loep(&[
        "synth",
        "--persons",
        "3000",
        "--seed",
        "7",
        "--out",
        world.to_str().unwrap(),
    ]));
    let dir = approved_project(root.path());
    intake_json(&dir, &world.join("levering"));
    let d = dir.to_str().unwrap();
    ok(loep(&["scan", d]));
    let s = serve(&dir);

    // Without a session every project page leads to the login; the catalogue is public.
    for path in ["/", "/signalen", "/signalen?thema=overbewoning"] {
        let a = get(&s, path, None);
        assert_eq!(a.status, 303, "{path}");
        assert_eq!(a.location.as_deref(), Some("/inloggen"), "{path}");
    }
    let catalogue = get(&s, "/indicatoren", None);
    assert_eq!(catalogue.status, 200);
    assert!(catalogue.body.contains("<html lang=\"nl\">"));
    assert!(catalogue.body.contains("OVB-01"), "{}", catalogue.body);
    assert!(catalogue.body.contains("Niet bedoeld voor"));
    let form = get(&s, "/inloggen", None);
    assert_eq!(form.status, 200);
    assert!(form.body.contains("name=\"gebruiker\"") && form.body.contains("name=\"wachtwoord\""));
    for (name, value) in [
        ("content-security-policy", "default-src 'none'"),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
    ] {
        assert!(
            form.headers
                .iter()
                .any(|(k, v)| k == name && v.starts_with(value)),
            "{name}: {:?}",
            form.headers
        );
    }

    // A wrong password: the form again, with the reason, and no session.
    let wrong = post(
        &s,
        "/inloggen",
        None,
        &[
            ("gebruiker", "analist"),
            ("wachtwoord", "niet het wachtwoord"),
        ],
    );
    assert_eq!(wrong.status, 401);
    assert!(wrong.cookie.is_none());
    assert!(
        wrong.body.contains("Inloggen is niet gelukt"),
        "{}",
        wrong.body
    );
    assert!(wrong.body.contains("value=\"analist\""));

    // A made-up or foreign cookie is no session.
    let forged = format!("__Host-loep={}", "ab".repeat(32));
    assert_eq!(get(&s, "/", Some(&forged)).status, 303);

    // The analist's dashboard and queue.
    let cookie = login(&s, "analist");
    let home = get(&s, "/", Some(&cookie));
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("analist (analist)"), "{}", home.body);
    assert!(home.body.contains("Per thema") && home.body.contains("<svg"));
    assert!(
        home.headers
            .iter()
            .any(|(k, v)| k == "cache-control" && v == "no-store")
    );
    let queue = get(&s, "/signalen?thema=overbewoning", Some(&cookie));
    assert_eq!(queue.status, 200, "{}", queue.body);
    assert!(queue.body.contains("OVB-0"), "{}", queue.body);
    assert!(!queue.body.contains("<td>HNP-0"), "filtered on a theme");
    assert!(queue.body.contains("m² per persoon"));
    // The queue: one row per address, in the ranking order of the exports (verwonderadressen
    // first), the rank shown; a buurt is chosen, or typed, by its name.
    let all = get(&s, "/signalen", Some(&cookie));
    let ranks = ranks_of(&all.body);
    assert_eq!(ranks.first(), Some(&1), "{}", all.body);
    assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{ranks:?}");
    let first_row = &all.body[all.body.find("<tbody>").unwrap()..];
    let first_row = &first_row[..first_row.find("</tr>").unwrap()];
    assert!(first_row.contains("verwonderadres"), "{first_row}");
    let (code, naam) = first_option(&all.body, "buurt");
    let by_name = get(
        &s,
        &format!("/signalen?buurt={}", naam.replace(' ', "%20")),
        Some(&cookie),
    );
    assert!(
        by_name.body.contains(&format!("value=\"{code}\" selected")),
        "{}",
        by_name.body
    );
    assert!(!ranks_of(&by_name.body).is_empty());
    // The filtered set as a file: xlsx and csv-nl, by the same writers as `loep signals`.
    let csv = get(
        &s,
        "/signalen/export?thema=overbewoning&formaat=csv-nl",
        Some(&cookie),
    );
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(csv.headers.iter().any(|(k, v)| k == "content-disposition"
        && v.starts_with("attachment; filename=\"signalen-")
        && v.ends_with(".csv\"")));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(lines.len() > 1 && lines[0].contains(';'), "{}", csv.body);
    assert!(csv.body.contains("overbewoning") && !csv.body.contains("hennepteelt"));
    let xlsx = agent()
        .get(format!("{}/signalen/export?formaat=xlsx", s.base))
        .header("Cookie", &cookie)
        .call()
        .unwrap();
    assert_eq!(xlsx.status().as_u16(), 200);
    let bytes = xlsx.into_body().read_to_vec().unwrap();
    assert_eq!(&bytes[..2], b"PK", "an xlsx is a zip file");
    assert_eq!(
        get(&s, "/signalen/export?formaat=pdf", Some(&cookie)).status,
        400
    );

    // Each login gets a new session; the old one keeps working until it is ended.
    let again = login(&s, "analist");
    assert_ne!(again, cookie);

    // Logging out needs the session's CSRF token, and a post from another site is refused.
    let csrf = csrf_of(&home.body);
    let no_token = post(&s, "/uitloggen", Some(&cookie), &[("csrf", "0")]);
    assert_eq!(no_token.status, 403);
    let foreign = post_from(
        &s,
        "/uitloggen",
        Some(&cookie),
        &[("csrf", &csrf)],
        Some("https://elders.example"),
    );
    assert_eq!(foreign.status, 403);
    let cross_site = agent()
        .post(format!("{}/uitloggen", s.base))
        .header("Cookie", &cookie)
        .header("Sec-Fetch-Site", "cross-site")
        .send_form([("csrf", csrf.as_str())])
        .unwrap();
    assert_eq!(answer(cross_site).status, 403);
    assert_eq!(get(&s, "/", Some(&cookie)).status, 200, "still logged in");
    let out = post(&s, "/uitloggen", Some(&cookie), &[("csrf", &csrf)]);
    assert_eq!(out.status, 303);
    assert!(out.cookie.unwrap().contains("Max-Age=0"));
    assert_eq!(get(&s, "/", Some(&cookie)).status, 303, "the session ended");
    assert_eq!(
        get(&s, "/", Some(&again)).status,
        200,
        "the other session lives"
    );

    // An account changes its own password in the browser; all its sessions end with it.
    let hh = login(&s, "handhaver");
    let hh_other = login(&s, "handhaver");
    let form = get(&s, "/wachtwoord", Some(&hh));
    assert_eq!(form.status, 200, "{}", form.body);
    let hh_csrf = csrf_of(&form.body);
    let nieuw = "vier losse woorden voor de handhaver";
    for (huidig, eerst, dan, why) in [
        (PASSWORD, nieuw, "iets anders dan eerst", "verschillen"),
        ("niet het wachtwoord", nieuw, nieuw, "klopt niet"),
        (PASSWORD, "kort", "kort", "tekens"),
    ] {
        let a = post(
            &s,
            "/wachtwoord",
            Some(&hh),
            &[
                ("csrf", &hh_csrf),
                ("huidig", huidig),
                ("nieuw", eerst),
                ("herhaling", dan),
            ],
        );
        assert_eq!(a.status, 400, "{why}: {}", a.body);
        assert!(a.body.contains(why), "{why}: {}", a.body);
    }
    let changed = post(
        &s,
        "/wachtwoord",
        Some(&hh),
        &[
            ("csrf", &hh_csrf),
            ("huidig", PASSWORD),
            ("nieuw", nieuw),
            ("herhaling", nieuw),
        ],
    );
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(
        changed.location.as_deref(),
        Some("/inloggen?wachtwoord=gewijzigd")
    );
    assert_eq!(
        get(&s, "/zaken", Some(&hh)).status,
        303,
        "this session ended"
    );
    assert_eq!(
        get(&s, "/zaken", Some(&hh_other)).status,
        303,
        "and the other"
    );
    assert!(
        get(&s, "/inloggen?wachtwoord=gewijzigd", None)
            .body
            .contains("Uw wachtwoord is gewijzigd")
    );
    let hh = login_with(&s, "handhaver", nieuw);
    assert_eq!(get(&s, "/zaken", Some(&hh)).status, 200);

    // A partner's employee may not see the signals: the core refuses, the page says so.
    let uwv = login(&s, "uwv");
    let refused = get(&s, "/signalen", Some(&uwv));
    assert_eq!(refused.status, 403, "{}", refused.body);
    let refused = get(&s, "/signalen/export?formaat=xlsx", Some(&uwv));
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("Niet toegestaan"));

    // The database keeps no session token, only its hash.
    let token = again.split_once('=').unwrap().1;
    let store = std::fs::read(dir.join("store.sqlite")).unwrap();
    assert!(
        !store.windows(token.len()).any(|w| w == token.as_bytes()),
        "the token is in store.sqlite"
    );

    // Unknown pages and oversized forms.
    assert_eq!(get(&s, "/bestaat-niet", Some(&again)).status, 404);
    let big = "x".repeat(100 * 1024);
    let too_big = post(
        &s,
        "/inloggen",
        None,
        &[("gebruiker", &big), ("wachtwoord", "x")],
    );
    assert_eq!(too_big.status, 413);
}

#[test]
fn the_demo_ends_by_serving_with_an_account_for_every_role() {
    let root = tempfile::tempdir().unwrap();
    let demo = root.path().join("demo");
    let s = start(&[
        "demo",
        "--dir",
        demo.to_str().unwrap(),
        "--persons",
        "3000",
        "--listen",
        "127.0.0.1:0",
    ]);
    // Every role the demo printed can log in with the demo password and sees the overview.
    for naam in [
        "beheerder",
        "fg",
        "projectleider",
        "analist",
        "sleutelhouder",
        "uwv",
        "handhaver",
    ] {
        let cookie = login_with(&s, naam, "demo-wachtwoord-2026");
        let mut home = get(&s, "/", Some(&cookie));
        if matches!(naam, "uwv" | "handhaver") {
            // They work on cases and see nothing of the project as a whole.
            assert_eq!(home.status, 303, "{naam}");
            assert_eq!(home.location.as_deref(), Some("/zaken"), "{naam}");
            home = get(&s, "/zaken", Some(&cookie));
        }
        assert_eq!(home.status, 200, "{naam}: {}", home.body);
        assert!(home.body.contains(naam), "{naam}");
    }
    let catalogue = get(&s, "/indicatoren", None);
    assert_eq!(catalogue.status, 200);
}

/// A project with a scan of a generated municipality of 3,000 persons.
fn scanned_project(root: &Path) -> std::path::PathBuf {
    scanned_with(root, |_| {})
}

/// A generated town of 3,000 persons (seed 7), its delivery changed by `edit` before it is
/// loaded into an approved project and scanned.
fn scanned_with(root: &Path, edit: impl FnOnce(&Path)) -> std::path::PathBuf {
    let world = root.join("world");
    ok(loep(&[
        "synth",
        "--persons",
        "3000",
        "--seed",
        "7",
        "--out",
        world.to_str().unwrap(),
    ]));
    edit(&world.join("levering"));
    let dir = approved_project(root);
    intake_json(&dir, &world.join("levering"));
    ok(loep(&["scan", dir.to_str().unwrap()]));
    dir
}

/// The first `href="/PREFIX…"` of a page.
fn first_link(page: &str, prefix: &str) -> String {
    first_attribute(page, "href", prefix)
}

/// The value of the first attribute `name` of a page that starts with `prefix`.
fn first_attribute(page: &str, name: &str, prefix: &str) -> String {
    let at = page
        .find(&format!("{name}=\"{prefix}"))
        .unwrap_or_else(|| panic!("no {name} to {prefix} in {page}"))
        + name.len()
        + 2;
    page[at..at + page[at..].find('"').unwrap()].to_string()
}

#[test]
fn from_a_signal_to_identities_and_a_case_with_its_visit() {
    let root = tempfile::tempdir().unwrap();
    let dir = scanned_project(root.path());
    let s = serve(&dir);

    // The analist opens an address from the queue: signals, persons as pseudonyms.
    let analist = login(&s, "analist");
    let queue = get(&s, "/signalen?thema=overbewoning", Some(&analist));
    let address = first_link(&queue.body, "/adressen/");
    let page = get(&s, &address, Some(&analist));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("OVB-0") && page.body.contains("Pseudoniem"));
    // Overcrowding is about the persons registered there: the page names their role, from
    // the index the server keeps.
    assert!(
        page.body.contains("ingeschreven op dit adres (BRP)"),
        "{}",
        page.body
    );
    let csrf = csrf_of(&page.body);
    let signaal = {
        let at = page.body.find("name=\"signaal\" value=\"").unwrap() + 22;
        page.body[at..at + page.body[at..].find('"').unwrap()].to_string()
    };
    let vbo = address.trim_start_matches("/adressen/").to_string();
    let written = {
        let h1 = page.body.find("<h1>").unwrap() + 4;
        page.body[h1..h1 + page.body[h1..].find("</h1>").unwrap()].to_string()
    };
    assert_eq!(get(&s, "/adressen/12345", Some(&analist)).status, 400);

    // A request for identities needs a reason; then it waits for a sleutelhouder.
    let short = post(
        &s,
        "/onthullingen",
        Some(&analist),
        &[
            ("csrf", &csrf),
            ("vbo_id", &vbo),
            ("signaal", &signaal),
            ("reden", "kort"),
        ],
    );
    assert_eq!(short.status, 400);
    assert!(short.body.contains("Niet verwerkt"), "{}", short.body);
    let asked = post(
        &s,
        "/onthullingen",
        Some(&analist),
        &[
            ("csrf", &csrf),
            ("vbo_id", &vbo),
            ("signaal", &signaal),
            (
                "reden",
                "Huisbezoek voorbereiden: wie staat hier ingeschreven?",
            ),
        ],
    );
    assert_eq!(asked.status, 303, "{}", asked.body);
    // Back to the list of requests, at the new one, which waits for a sleutelhouder.
    let at = asked.location.unwrap();
    let id = at
        .strip_prefix("/onthullingen#verzoek-")
        .unwrap_or_else(|| panic!("{at}"))
        .to_string();
    let mine = get(&s, "/onthullingen", Some(&analist));
    assert!(
        mine.body.contains("wacht op een sleutelhouder"),
        "{}",
        mine.body
    );
    let request = format!("/onthullingen/{id}");
    let not_yet = get(&s, &request, Some(&analist));
    assert_eq!(not_yet.status, 403, "{}", not_yet.body);

    // The sleutelhouder decides; the requester then sees the identities, nobody else does.
    let sleutelhouder = login(&s, "sleutelhouder");
    // What waits for the sleutelhouder is on the start page.
    let start = get(&s, "/", Some(&sleutelhouder));
    assert!(
        start.body.contains("Wat wacht op u")
            && start
                .body
                .contains("1 verzoek om identiteiten wacht op uw besluit"),
        "{}",
        start.body
    );
    let queue = get(&s, "/onthullingen", Some(&sleutelhouder));
    assert!(queue.body.contains("Goedkeuren"), "{}", queue.body);
    // The sleutelhouder decides with the address, the indicator and its explanation in view,
    // and how many persons the request would reveal; no person is named.
    assert!(queue.body.contains(&written), "{written}: {}", queue.body);
    assert!(
        queue.body.contains("Waarom dit signaal") && queue.body.contains(&signaal),
        "{}",
        queue.body
    );
    assert!(queue.body.contains("Te onthullen"), "{}", queue.body);
    assert!(!queue.body.contains("BSN"), "{}", queue.body);
    let sh_csrf = csrf_of(&queue.body);
    let forged = post(
        &s,
        &format!("/onthullingen/{id}/besluit"),
        Some(&sleutelhouder),
        &[("csrf", &"0".repeat(64)), ("besluit", "goedkeuren")],
    );
    assert_eq!(forged.status, 403);
    let approved = post(
        &s,
        &format!("/onthullingen/{id}/besluit"),
        Some(&sleutelhouder),
        &[
            ("csrf", &sh_csrf),
            ("besluit", "goedkeuren"),
            ("toelichting", "akkoord"),
        ],
    );
    assert_eq!(approved.status, 303, "{}", approved.body);
    assert!(
        get(&s, "/", Some(&analist))
            .body
            .contains("1 verzoek van u is goedgekeurd"),
        "the analist's start page says the request was approved"
    );
    let shown = get(&s, &request, Some(&analist));
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(shown.body.contains("BSN") && shown.body.contains("Geboortedatum"));
    let other = login(&s, "analist2");
    assert_eq!(get(&s, &request, Some(&other)).status, 403);
    assert_eq!(get(&s, &request, Some(&sleutelhouder)).status, 403);

    // A case from the address's signals, routed by the projectleider.
    let made = post(
        &s,
        "/zaken",
        Some(&analist),
        &[("csrf", &csrf), ("vbo_id", &vbo), ("signaal", &signaal)],
    );
    assert_eq!(made.status, 303, "{}", made.body);
    let case = made.location.unwrap();
    assert!(case.starts_with("/zaken/"), "{case}");
    // The case names its persons as the people who go there need them (numbered, with the
    // birth year and their roles at the address), and links the approved request for the
    // analist who may open it; nobody else gets the link.
    let link = format!("href=\"/onthullingen/{id}\"");
    let mine = get(&s, &case, Some(&analist));
    assert!(
        mine.body.contains("persoon 1, geboren in")
            && mine.body.contains("ingeschreven op dit adres (BRP)")
            && mine.body.contains(&link),
        "{}",
        mine.body
    );
    let pl = login(&s, "projectleider");
    let page = get(&s, &case, Some(&pl));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Nieuw") && page.body.contains(&signaal));
    assert!(
        page.body.contains("persoon 1, geboren in") && !page.body.contains(&link),
        "{}",
        page.body
    );
    let pl_csrf = csrf_of(&page.body);
    // A partner sees no case that is not routed to it.
    let uwv = login(&s, "uwv");
    assert_ne!(get(&s, &case, Some(&uwv)).status, 200);
    assert!(!get(&s, "/zaken", Some(&uwv)).body.contains(&case));
    for (actie, form) in [
        (
            "toewijzen",
            vec![("roltype", "behandelaar"), ("organisatie", "uwv")],
        ),
        (
            "toewijzen",
            vec![("roltype", "huisbezoeker"), ("medewerker", "handhaver")],
        ),
        (
            "status",
            vec![("naar", "in_onderzoek"), ("toelichting", "start")],
        ),
        (
            "bezoek-plannen",
            vec![("datum", "2026-06-20"), ("team", "handhaver")],
        ),
    ] {
        let mut f = vec![("csrf", pl_csrf.as_str())];
        f.extend(form);
        let a = post(&s, &format!("{case}/{actie}"), Some(&pl), &f);
        assert_eq!(a.status, 303, "{actie}: {}", a.body);
    }
    // A transition the catalogue does not allow: the page again, with the reason.
    let wrong = post(
        &s,
        &format!("{case}/status"),
        Some(&pl),
        &[("csrf", &pl_csrf), ("naar", "nieuw")],
    );
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert!(wrong.body.contains("Niet verwerkt"));

    // The partner now sees it and records its own dossier number; it sees where to go, as
    // the address page writes it, on the case and in its list of cases.
    let uwv_page = get(&s, &case, Some(&uwv));
    assert_eq!(uwv_page.status, 200, "{}", uwv_page.body);
    assert!(
        uwv_page.body.contains(&written),
        "{written}: {}",
        uwv_page.body
    );
    assert!(get(&s, "/zaken", Some(&uwv)).body.contains(&written));
    let noted = post(
        &s,
        &format!("{case}/notitie"),
        Some(&uwv),
        &[
            ("csrf", &csrf_of(&uwv_page.body)),
            ("tekst", "Bekend bij UWV, geen WW."),
            ("zaakkenmerk", "UWV-2026-77"),
        ],
    );
    assert_eq!(noted.status, 303, "{}", noted.body);
    // The partner may not move the case on.
    let moved = post(
        &s,
        &format!("{case}/status"),
        Some(&uwv),
        &[("csrf", &csrf_of(&uwv_page.body)), ("naar", "geannuleerd")],
    );
    assert_eq!(moved.status, 403);

    // The handhaver records the visit with a finding for the case's indicator; the start
    // page (the cases) said a visit was planned.
    let hh = login(&s, "handhaver");
    let hh_start = get(&s, "/zaken", Some(&hh));
    assert!(
        hh_start.body.contains("1 huisbezoek is gepland"),
        "{}",
        hh_start.body
    );
    let hh_page = get(&s, &case, Some(&hh));
    assert_eq!(hh_page.status, 200, "{}", hh_page.body);
    // The visit sheet: where, when, who goes, what the data say and what to check; no person.
    let sheet = get(&s, &format!("{case}/bezoekblad"), Some(&hh));
    assert_eq!(sheet.status, 200, "{}", sheet.body);
    for part in [
        written.as_str(),
        "20 juni 2026",
        "handhaver",
        "Ter plekke nagaan",
        "Bevinding",
        "persoon 1, geboren in",
    ] {
        assert!(sheet.body.contains(part), "{part}: {}", sheet.body);
    }
    assert!(!sheet.body.contains("BSN"), "{}", sheet.body);
    assert_ne!(
        get(&s, &format!("{case}/bezoekblad"), Some(&sleutelhouder)).status,
        200,
        "who may not see cases sees no sheet"
    );
    let indicator = {
        let at = hh_page.body.find("name=\"bevinding_").unwrap() + 16;
        hh_page.body[at..at + hh_page.body[at..].find('"').unwrap()].to_string()
    };
    let field = format!("bevinding_{indicator}");
    let visited = post(
        &s,
        &format!("{case}/huisbezoek"),
        Some(&hh),
        &[
            ("csrf", &csrf_of(&hh_page.body)),
            ("uitkomst", "doorverwezen_zorg"),
            (&field, "bevestigd"),
            ("toelichting", "Acht personen in twee kamers."),
            ("aanwezig", "handhaver, wijkagent Jansen"),
        ],
    );
    assert_eq!(visited.status, 303, "{}", visited.body);
    // The form offered the planned team as who went; who really went is on the case.
    assert!(
        hh_page
            .body
            .contains("name=\"aanwezig\" type=\"text\" size=\"40\" value=\"handhaver\""),
        "{}",
        hh_page.body
    );
    let after = get(&s, &case, Some(&pl));
    assert!(after.body.contains("UWV-2026-77"), "{}", after.body);
    assert!(after.body.contains("Bekend bij UWV"));
    assert!(after.body.contains("Acht personen"), "{}", after.body);
    assert!(after.body.contains("Bevestigd"));
    assert!(after.body.contains("Huisbezoek uitgevoerd"));
    assert!(
        after.body.contains("<td>handhaver, wijkagent Jansen</td>"),
        "{}",
        after.body
    );
}

/// The value of the hidden field `name` in a form.
fn hidden(page: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = page
        .find(&key)
        .unwrap_or_else(|| panic!("no field {name} in {page}"))
        + key.len();
    page[at..at + page[at..].find('"').unwrap()].to_string()
}

/// The ranks in the first cell of each row of the queue's table.
fn ranks_of(page: &str) -> Vec<i64> {
    let Some(body) = page.find("<tbody>").map(|i| &page[i..]) else {
        return Vec::new();
    };
    body.split("<tr><td>")
        .skip(1)
        .filter_map(|row| row[..row.find("</td>")?].parse().ok())
        .collect()
}

/// The first real choice (code, name) of a select on a page.
fn first_option(page: &str, select: &str) -> (String, String) {
    let at = page.find(&format!("<select id=\"{select}\"")).unwrap();
    let rest = &page[at..];
    let second = rest.match_indices("<option value=\"").nth(1).unwrap().0;
    let rest = &rest[second + "<option value=\"".len()..];
    let code = rest[..rest.find('"').unwrap()].to_string();
    let label = &rest[rest.find('>').unwrap() + 1..rest.find("</option>").unwrap()];
    let naam = label[..label.rfind(" (").unwrap_or(label.len())].to_string();
    (code, naam)
}

/// The first address of the queue, as its address page writes it in its heading.
fn first_address(s: &Server, cookie: &str) -> String {
    let queue = get(s, "/signalen", Some(cookie));
    let page = get(s, &first_link(&queue.body, "/adressen/"), Some(cookie));
    let h1 = page.body.find("<h1>").unwrap() + 4;
    page.body[h1..h1 + page.body[h1..].find("</h1>").unwrap()].to_string()
}

#[test]
fn a_resident_reports_an_address_and_follows_it_by_code() {
    let root = tempfile::tempdir().unwrap();
    let dir = scanned_project(root.path());
    let s = serve(&dir);

    // An address of the project's BAG, as the address page writes it.
    let analist = login(&s, "analist");
    let adres = first_address(&s, &analist);

    let form = get(&s, "/melden", None);
    assert_eq!(form.status, 200);
    assert!(form.body.contains("name=\"adres\"") && form.body.contains("name=\"website\""));
    // The form names who receives the report and links the project's privacy statement.
    assert!(
        form.body.contains("Gemeente Haarlem")
            && form
                .body
                .contains("href=\"https://oudestad.example/privacy\""),
        "{}",
        form.body
    );
    let t = hidden(&form.body, "t");
    let report = |extra: &[(&str, &str)]| {
        let mut f = vec![
            ("t", t.as_str()),
            ("adres", adres.as_str()),
            ("categorie", "overbewoning"),
            (
                "omschrijving",
                "Elke week nieuwe mensen, matrassen bij het grofvuil.",
            ),
        ];
        f.extend_from_slice(extra);
        post(&s, "/melden", None, &f)
    };
    // Sent faster than a person types: refused, the form comes back filled in.
    let fast = report(&[]);
    assert_eq!(fast.status, 400, "{}", fast.body);
    assert!(fast.body.contains("erg snel") && fast.body.contains("matrassen"));
    std::thread::sleep(std::time::Duration::from_millis(3100));
    // What a bot fills in.
    let bot = report(&[("website", "http://spam.example")]);
    assert_eq!(bot.status, 400);
    // An address outside the BAG: told what to change.
    let nowhere = post(
        &s,
        "/melden",
        None,
        &[
            ("t", &t),
            ("adres", "Nergensstraat 1"),
            ("categorie", "overbewoning"),
            ("omschrijving", "x"),
        ],
    );
    assert_eq!(nowhere.status, 400);
    assert!(nowhere.body.contains("kennen we niet"), "{}", nowhere.body);
    // First the address as the BAG writes it, to confirm; then the report is filed.
    let check = report(&[]);
    assert_eq!(check.status, 200, "{}", check.body);
    assert!(
        check.body.contains("Bedoelt u dit adres?"),
        "{}",
        check.body
    );
    let vbo = hidden(&check.body, "vbo_id");
    let filed = report(&[("vbo_id", &vbo)]);
    assert_eq!(filed.status, 200, "{}", filed.body);
    assert!(filed.body.contains("Uw melding is ontvangen"));
    // Sent again (a reload of the receipt): not filed twice.
    let again = report(&[("vbo_id", &vbo)]);
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains("al ontvangen"));
    let at = filed.body.find("class=\"code-waarde\"><strong>").unwrap() + 28;
    let code = filed.body[at..at + 19].to_string();
    assert!(
        code.len() == 19 && code.split('-').all(|g| g.len() == 4),
        "{code}"
    );

    // The code shows the state, however it is typed; another code shows nothing.
    let stand = post(
        &s,
        "/melden/status",
        None,
        &[("code", &code.to_lowercase().replace('-', " "))],
    );
    assert_eq!(stand.status, 200, "{}", stand.body);
    assert!(
        stand.body.contains("<strong>ontvangen</strong>"),
        "{}",
        stand.body
    );
    let unknown = post(
        &s,
        "/melden/status",
        None,
        &[("code", "AAAA-BBBB-CCCC-DDDD")],
    );
    assert_eq!(unknown.status, 404);

    // The team sees the report at the address and moves it on; the resident sees that.
    let list = get(&s, "/meldingen", Some(&analist));
    assert!(list.body.contains("matrassen") && list.body.contains(&vbo));
    let pl = login(&s, "projectleider");
    let list = get(&s, "/meldingen", Some(&pl));
    let id = hidden(&list.body, "csrf");
    let moved = post(
        &s,
        "/meldingen/W000001/status",
        Some(&pl),
        &[("csrf", &id), ("status", "in_behandeling")],
    );
    assert_eq!(moved.status, 303, "{}", moved.body);
    let back = post(
        &s,
        "/meldingen/W000001/status",
        Some(&pl),
        &[("csrf", &id), ("status", "ontvangen")],
    );
    assert_eq!(back.status, 400, "a report only goes forward");
    let stand = post(&s, "/melden/status", None, &[("code", &code)]);
    assert!(
        stand.body.contains("<strong>in behandeling</strong>"),
        "{}",
        stand.body
    );
    let address = get(&s, &format!("/adressen/{vbo}"), Some(&analist));
    assert!(address.body.contains("W000001"), "{}", address.body);
    assert_eq!(get(&s, "/meldingen", Some(&login(&s, "uwv"))).status, 403);
    // A handhaver handles cases but does not read reports, nor moves them on.
    let hh = login(&s, "handhaver");
    let hh_csrf = csrf_of(&get(&s, "/zaken", Some(&hh)).body);
    let moved = post(
        &s,
        "/meldingen/W000001/status",
        Some(&hh),
        &[("csrf", &hh_csrf), ("status", "afgerond")],
    );
    assert_eq!(moved.status, 403);

    // The store keeps no code, only its keyed hash.
    let store = std::fs::read(dir.join("store.sqlite")).unwrap();
    for form in [code.clone(), code.replace('-', "")] {
        assert!(
            !store.windows(form.len()).any(|w| w == form.as_bytes()),
            "the code is in store.sqlite"
        );
    }

    // Reports are kept as long as signals: after that the code finds nothing.
    let r = json(ok(loep_env(
        &["retention", "run", dir.to_str().unwrap(), "--json"],
        &[("LOEP_NOW", "2027-06-15T12:00:00Z")],
    )));
    assert_eq!(r["meldingen"]["aantal"], 1, "{r}");
    let gone = post(&s, "/melden/status", None, &[("code", &code)]);
    assert_eq!(gone.status, 404, "{}", gone.body);
    // A new report gets a new number, never the destroyed one's.
    let form = get(&s, "/melden", None);
    let t2 = hidden(&form.body, "t");
    std::thread::sleep(std::time::Duration::from_millis(3100));
    let f = |extra: &[(&str, &str)]| {
        let mut f = vec![
            ("t", t2.as_str()),
            ("adres", adres.as_str()),
            ("categorie", "drugsoverlast"),
            ("omschrijving", "Hennepgeur in het trappenhuis."),
        ];
        f.extend_from_slice(extra);
        post(&s, "/melden", None, &f)
    };
    assert_eq!(f(&[("vbo_id", &vbo)]).status, 200);
    let list = get(&s, "/meldingen", Some(&analist));
    assert!(
        list.body.contains("W000002") && !list.body.contains("W000001"),
        "{}",
        list.body
    );

    // Many posts from one client in a row are slowed down.
    let statuses: Vec<u16> = (0..12)
        .map(|_| post(&s, "/melden/status", None, &[("code", &code)]).status)
        .collect();
    assert!(statuses.contains(&429), "{statuses:?}");
    let limited = post(&s, "/melden/status", None, &[("code", &code)]);
    assert_eq!(limited.status, 429);
    assert!(limited.headers.iter().any(|(k, _)| k == "retry-after"));
    assert!(limited.body.contains("Wacht"));
}

/// Red-team row 8 of issue 25: one report form confirmed six times at once filed six reports.
#[test]
fn one_form_sent_six_times_at_once_files_one_report() {
    let root = tempfile::tempdir().unwrap();
    let dir = scanned_project(root.path());
    let s = serve(&dir);
    let analist = login(&s, "analist");
    let adres = first_address(&s, &analist);
    let t = hidden(&get(&s, "/melden", None).body, "t");
    std::thread::sleep(std::time::Duration::from_millis(3100));
    let mut form = vec![
        ("t", t.as_str()),
        ("adres", adres.as_str()),
        ("categorie", "onderverhuur"),
        ("omschrijving", "De huurder woont er al maanden niet meer."),
    ];
    let check = post(&s, "/melden", None, &form);
    assert_eq!(check.status, 200, "{}", check.body);
    let vbo = hidden(&check.body, "vbo_id");
    form.push(("vbo_id", vbo.as_str()));
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let sends: Vec<_> = (0..6)
            .map(|_| scope.spawn(|| post(&s, "/melden", None, &form).status))
            .collect();
        sends.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|&&c| c == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|&c| c == 200 || c == 409),
        "{statuses:?}"
    );
    let list = get(&s, "/meldingen", Some(&analist));
    assert!(
        list.body.contains("W000001") && !list.body.contains("W000002"),
        "{}",
        list.body
    );
}

/// A request to the partner API with a key (or none) and a JSON body (or none).
fn api(
    s: &Server,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<&str>,
    idempotency_key: Option<&str>,
) -> Answer {
    api_at(&s.base, method, path, key, body, idempotency_key)
}

fn api_at(
    base: &str,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<&str>,
    idempotency_key: Option<&str>,
) -> Answer {
    let url = format!("{base}{path}");
    let mut req = ureq::http::Request::builder().method(method).uri(url);
    if let Some(k) = key {
        req = req.header("Authorization", format!("Bearer {k}"));
    }
    if let Some(i) = idempotency_key {
        req = req.header("Idempotency-Key", i);
    }
    let r = match body {
        Some(b) => agent().run(
            req.header("Content-Type", "application/json")
                .body(b.to_string())
                .unwrap(),
        ),
        None => agent().run(req.body(()).unwrap()),
    };
    answer(r.unwrap())
}

fn header<'a>(a: &'a Answer, name: &str) -> Option<&'a str> {
    a.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `loep api-sleutel new` as the beheerder: the key it prints.
fn issue_key(dir: &Path, naam: &str, scopes: &[&str]) -> String {
    let mut args = vec!["api-sleutel", "new", dir.to_str().unwrap(), naam];
    for s in scopes {
        args.extend(["--scope", s]);
    }
    args.extend(["--omschrijving", "zaaksysteem van de partner"]);
    let out = ok(loep(&args));
    out.lines()
        .find(|l| l.starts_with("loep_"))
        .unwrap_or_else(|| panic!("no key in {out}"))
        .to_string()
}

#[test]
fn a_partner_system_works_its_cases_through_the_api() {
    let root = tempfile::tempdir().unwrap();
    let dir = scanned_project(root.path());
    let d = dir.to_str().unwrap();
    let signals = json(ok(loep(&["signals", d, "--format", "json"])));
    let signals = signals["signalen"].as_array().unwrap();
    let id_of = |s: &serde_json::Value| {
        format!(
            "{}/{}",
            s["run_id"].as_str().unwrap(),
            s["nr"].as_i64().unwrap()
        )
    };
    // Two cases at two addresses; only the first is routed to the UWV and the handhaver.
    let first = &signals[0];
    let other = signals
        .iter()
        .find(|s| s["vbo_id"] != first["vbo_id"])
        .unwrap();
    let case = json(ok(loep_as(
        "analist",
        &["zaak", "new", d, "--signaal", &id_of(first), "--json"],
    )));
    let unrouted = json(ok(loep_as(
        "analist",
        &["zaak", "new", d, "--signaal", &id_of(other), "--json"],
    )));
    let id = case["identificatie"].as_str().unwrap();
    let uuid = case["uuid"].as_str().unwrap();
    for args in [
        vec!["--rol", "behandelaar", "--organisatie", "uwv"],
        vec!["--rol", "huisbezoeker", "--medewerker", "handhaver"],
    ] {
        let mut a = vec!["zaak", "assign", d, id];
        a.extend(args);
        ok(loep_as("projectleider", &a));
    }

    // Keys: only the beheerder issues them, only for a partner's or handhaver's account.
    refused(loep_as(
        "analist",
        &[
            "api-sleutel",
            "new",
            d,
            "uwv",
            "--scope",
            "zaken.lezen",
            "--omschrijving",
            "x",
        ],
    ));
    let wrong_role = loep(&[
        "api-sleutel",
        "new",
        d,
        "analist",
        "--scope",
        "zaken.lezen",
        "--omschrijving",
        "x",
    ]);
    assert!(!wrong_role.status.success());
    assert!(stderr(&wrong_role).contains("partner-medewerker of handhaver"));
    // A key that changes cases also reads them (it gets them back).
    let write_only = loep(&[
        "api-sleutel",
        "new",
        d,
        "uwv",
        "--scope",
        "zaken.bijwerken",
        "--omschrijving",
        "x",
    ]);
    assert!(
        stderr(&write_only).contains("zaken.lezen"),
        "{}",
        stderr(&write_only)
    );
    let uwv = issue_key(&dir, "uwv", &["zaken.lezen", "zaken.bijwerken"]);
    let hh_read = issue_key(&dir, "handhaver", &["zaken.lezen"]);
    let hh = issue_key(&dir, "handhaver", &["zaken.lezen", "zaken.bijwerken"]);
    // The database holds no key.
    let store = std::fs::read(dir.join("store.sqlite")).unwrap();
    let secret = uwv.rsplit('_').next().unwrap();
    assert!(!store.windows(secret.len()).any(|w| w == secret.as_bytes()));

    let s = serve(&dir);
    // The document is public and describes the API.
    let doc = get(&s, "/api/v1/openapi.json", None);
    assert_eq!(doc.status, 200);
    let doc: serde_json::Value = serde_json::from_str(&doc.body).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/api/v1/zaken/{uuid}/statussen"]["post"].is_object());

    // Without a key, or with a wrong one: 401 as problem+json.
    for key in [None, Some("loep_0123456789abcdef_nope"), Some("nonsense")] {
        let a = api(&s, "GET", "/api/v1/zaken", key, None, None);
        assert_eq!(a.status, 401, "{key:?}: {}", a.body);
        assert_eq!(header(&a, "content-type"), Some("application/problem+json"));
        assert!(header(&a, "www-authenticate").is_some());
        let p: serde_json::Value = serde_json::from_str(&a.body).unwrap();
        assert_eq!(p["status"], 401);
    }

    // The UWV's system sees its one case, camelCase, paged.
    let list = api(&s, "GET", "/api/v1/zaken", Some(&uwv), None, None);
    assert_eq!(list.status, 200, "{}", list.body);
    let list: serde_json::Value = serde_json::from_str(&list.body).unwrap();
    assert_eq!(list["count"], 1, "{list}");
    assert_eq!(list["results"][0]["uuid"], uuid);
    assert_eq!(
        list["results"][0]["zaakobject"]["objectType"],
        "verblijfsobject"
    );
    // Where to go: the address written out, and the buurt by name.
    let adres = list["results"][0]["zaakobject"]["adres"]
        .as_str()
        .unwrap_or_default();
    assert!(
        adres.chars().any(|c| c.is_ascii_digit()) && adres.contains(", "),
        "{list}"
    );
    assert!(
        list["results"][0]["zaakobject"]["buurtnaam"].is_string(),
        "{list}"
    );
    assert!(list["next"].is_null() && list["previous"].is_null());
    assert_eq!(
        api(&s, "GET", "/api/v1/zaken?page=2", Some(&uwv), None, None).status,
        404
    );
    assert_eq!(
        api(&s, "GET", "/api/v1/zaken?page=x", Some(&uwv), None, None).status,
        400
    );
    let path = format!("/api/v1/zaken/{uuid}");
    let one = api(&s, "GET", &path, Some(&uwv), None, None);
    assert_eq!(one.status, 200, "{}", one.body);
    let one: serde_json::Value = serde_json::from_str(&one.body).unwrap();
    assert_eq!(one["identificatie"], id);
    assert_eq!(one["indicatoren"][0], first["indicator"]);
    // Not its case, and no such case.
    let theirs = format!("/api/v1/zaken/{}", unrouted["uuid"].as_str().unwrap());
    // A case the key may not see is "not found", as one that does not exist; and cases are
    // named by uuid only, not by their (sequential) number.
    assert_eq!(api(&s, "GET", &theirs, Some(&uwv), None, None).status, 404);
    assert_eq!(
        api(
            &s,
            "GET",
            &format!("/api/v1/zaken/{id}"),
            Some(&uwv),
            None,
            None
        )
        .status,
        404
    );
    assert_eq!(
        api(&s, "GET", "/api/v1/zaken/geen-zaak", Some(&uwv), None, None).status,
        404
    );
    // A partner may not move the case on, whatever its key's scopes.
    let moved = api(
        &s,
        "POST",
        &format!("{path}/statussen"),
        Some(&uwv),
        Some(r#"{"statustype":"geannuleerd","statustoelichting":"niet onze zaak"}"#),
        None,
    );
    assert_eq!(moved.status, 403, "{}", moved.body);

    // Its own dossier number, once however often the request is repeated.
    let note = r#"{"tekst":"Bekend bij UWV.","zaakkenmerk":"UWV-API-1"}"#;
    let notes = format!("{path}/notities");
    let first_answer = api(&s, "POST", &notes, Some(&uwv), Some(note), Some("k-1"));
    assert_eq!(first_answer.status, 201, "{}", first_answer.body);
    let again = api(&s, "POST", &notes, Some(&uwv), Some(note), Some("k-1"));
    assert_eq!(again.status, 201);
    assert_eq!(again.body, first_answer.body);
    assert_eq!(header(&again, "idempotent-replayed"), Some("true"));
    let other_body = api(
        &s,
        "POST",
        &notes,
        Some(&uwv),
        Some(r#"{"tekst":"Iets anders."}"#),
        Some("k-1"),
    );
    assert_eq!(other_body.status, 409, "{}", other_body.body);
    let shown = json(ok(loep_as(
        "projectleider",
        &["zaak", "show", d, id, "--json"],
    )));
    let kept: Vec<&serde_json::Value> = shown["notities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["tekst"] == "Bekend bij UWV.")
        .collect();
    assert_eq!(kept.len(), 1, "{shown}");
    let updated: serde_json::Value = serde_json::from_str(&first_answer.body).unwrap();
    assert_eq!(updated["kenmerken"][0]["kenmerk"], "UWV-API-1");
    // Bad JSON and unknown fields: 400 with the reason.
    for bad in ["{", r#"{"tekst":"x","onbekend":1}"#, "[]"] {
        let a = api(&s, "POST", &notes, Some(&uwv), Some(bad), None);
        assert_eq!(a.status, 400, "{bad}: {}", a.body);
        assert_eq!(header(&a, "content-type"), Some("application/problem+json"));
    }

    // A key without zaken.bijwerken reads but changes nothing.
    let statussen = format!("{path}/statussen");
    let start = r#"{"statustype":"in_onderzoek","statustoelichting":"via API"}"#;
    let no_scope = api(&s, "POST", &statussen, Some(&hh_read), Some(start), None);
    assert_eq!(no_scope.status, 403, "{}", no_scope.body);
    assert!(no_scope.body.contains("zaken.bijwerken"));
    // The handhaver's system works the case through to the visit's outcome.
    let started = api(&s, "POST", &statussen, Some(&hh), Some(start), None);
    assert_eq!(started.status, 201, "{}", started.body);
    let planned = api(
        &s,
        "POST",
        &format!("{path}/huisbezoeken"),
        Some(&hh),
        Some(r#"{"gepland":"2026-06-20","team":["handhaver"]}"#),
        None,
    );
    assert_eq!(planned.status, 201, "{}", planned.body);
    let outcome = format!(
        r#"{{"uitkomsten":["doorverwezen_zorg"],"bevindingen":[{{"indicator":{},"oordeel":"bevestigd"}}],"toelichting":"Acht personen in twee kamers."}}"#,
        first["indicator"]
    );
    let recorded = api(
        &s,
        "POST",
        &format!("{path}/uitkomsten"),
        Some(&hh),
        Some(&outcome),
        None,
    );
    assert_eq!(recorded.status, 201, "{}", recorded.body);
    let history = api(&s, "GET", &statussen, Some(&hh_read), None, None);
    let history: serde_json::Value = serde_json::from_str(&history.body).unwrap();
    let last = history.as_array().unwrap().last().unwrap();
    assert_eq!(last["statustype"], "huisbezoek_uitgevoerd", "{history}");
    let found = api(
        &s,
        "GET",
        &format!("{path}/bevindingen"),
        Some(&uwv),
        None,
        None,
    );
    let found: serde_json::Value = serde_json::from_str(&found.body).unwrap();
    assert_eq!(found[0]["oordeel"], "bevestigd");

    // Issuing and revoking keys is in the accounts' audit trail.
    let audit = ok(loep_as("fg", &["user", "audit", d]));
    assert!(audit.contains("api-sleutel-uitgegeven"), "{audit}");

    // Every read of personal data is in the processing log.
    let log = ok(loep_as("fg", &["log", "export", d, "--format", "jsonl"]));
    assert!(log.contains("api.zaak.lezen") && log.contains("api.zaken.lijst"));
    ok(loep_as("fg", &["log", "verify", d]));

    // Many writers at once: the server's own follow one another and none is lost; a command
    // on the same project meanwhile waits, or is refused as busy with a clear message, and
    // never corrupts anything.
    let base = s.base.clone();
    let writers: Vec<_> = (0..8)
        .map(|i| {
            let (base, notes, uwv) = (base.clone(), notes.clone(), uwv.clone());
            std::thread::spawn(move || {
                let body = format!(r#"{{"tekst":"Gelijktijdig {i}."}}"#);
                api_at(&base, "POST", &notes, Some(&uwv), Some(&body), None).status
            })
        })
        .collect();
    let mut cli_notes = 0;
    for i in 0..3 {
        let o = loep_as(
            "uwv",
            &[
                "zaak",
                "note",
                d,
                id,
                "--tekst",
                &format!("Vanaf de opdrachtregel {i}."),
            ],
        );
        if o.status.success() {
            cli_notes += 1;
        } else {
            assert!(busy(o).contains("een andere loep-opdracht"));
        }
    }
    let statuses: Vec<u16> = writers.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let shown = json(ok(loep_as(
        "projectleider",
        &["zaak", "show", d, id, "--json"],
    )));
    let texts: Vec<&str> = shown["notities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["tekst"].as_str())
        .collect();
    for i in 0..8 {
        assert!(
            texts.contains(&format!("Gelijktijdig {i}.").as_str()),
            "{texts:?}"
        );
    }
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.starts_with("Vanaf de opdrachtregel"))
            .count(),
        cli_notes
    );
    ok(loep_as("fg", &["log", "verify", d]));

    // A revoked key is refused from then on.
    let listed = ok(loep(&["api-sleutel", "list", d]));
    let key_id = uwv.split('_').nth(1).unwrap();
    assert!(listed.contains(key_id) && !listed.contains(secret));
    ok(loep(&["api-sleutel", "revoke", d, key_id]));
    assert!(ok(loep_as("fg", &["user", "audit", d])).contains("api-sleutel-ingetrokken"));
    assert_eq!(
        api(&s, "GET", "/api/v1/zaken", Some(&uwv), None, None).status,
        401
    );
    assert_eq!(
        api(&s, "GET", "/api/v1/bestaat-niet", Some(&hh), None, None).status,
        404
    );

    // A client calling in a tight loop is slowed down, with a problem and when to retry;
    // the pages are not (the limit is the API's own).
    let mut calls = 0;
    let limited = loop {
        let a = api(&s, "GET", "/api/v1/openapi.json", None, None, None);
        if a.status == 429 {
            break a;
        }
        calls += 1;
        assert!(calls < 5000, "no limit after {calls} calls");
    };
    assert!(calls >= 100, "a burst is allowed; limited after {calls}");
    // Every route of the API shares the client's limit.
    assert!((0..5).any(|_| api(&s, "GET", "/api/v1/zaken", Some(&hh), None, None).status == 429));
    assert!(header(&limited, "retry-after").is_some());
    assert_eq!(
        header(&limited, "content-type"),
        Some("application/problem+json")
    );
    assert_eq!(get(&s, "/indicatoren", None).status, 200);
}

/// The whole `Set-Cookie` of the known-device cookie an answer sets, if any.
fn device_cookie(a: &Answer) -> Option<String> {
    a.headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .map(|(_, v)| v.clone())
        .find(|v| v.starts_with("__Host-loep-apparaat="))
}

/// Anyone can lock an account by failing to log in to it, but not shut its user out: the
/// browser that logged in to it before (it keeps a device cookie) still logs in with the right
/// password, and lifts the lock. An unknown browser waits out the lock, and is told so only
/// when it gives the right password.
#[test]
fn a_lock_others_caused_does_not_stop_a_known_browser() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let s = serve(&dir);
    let first = post(
        &s,
        "/inloggen",
        None,
        &[("gebruiker", "fg"), ("wachtwoord", PASSWORD)],
    );
    assert_eq!(first.status, 303);
    let device = device_cookie(&first).expect("the browser becomes a known device of the account");
    for part in [
        "Secure",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
        "Max-Age=",
    ] {
        assert!(device.contains(part), "{device}");
    }
    let device = device.split(';').next().unwrap().to_string();
    let session = first
        .cookie
        .clone()
        .expect("a session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(get(&s, "/", Some(&session)).status, 200);

    // A stranger locks the account.
    for _ in 0..5 {
        let a = post(
            &s,
            "/inloggen",
            None,
            &[("gebruiker", "fg"), ("wachtwoord", "een verkeerde gok")],
        );
        assert_eq!(a.status, 401);
    }
    // The lock ends the account's open sessions: the browser is sent to log in again.
    let ended = get(&s, "/", Some(&session));
    assert_eq!(ended.status, 303, "{}", ended.body);
    assert_eq!(ended.location.as_deref(), Some("/inloggen"));
    // Another browser with the right password: locked (only it learns so).
    let other = post(
        &s,
        "/inloggen",
        None,
        &[("gebruiker", "fg"), ("wachtwoord", PASSWORD)],
    );
    assert_eq!(other.status, 429, "{}", other.body);
    assert!(
        other.body.contains("tijdelijk geblokkeerd"),
        "{}",
        other.body
    );
    // The known browser logs in, and the lock is lifted.
    let known = post(
        &s,
        "/inloggen",
        Some(&device),
        &[("gebruiker", "fg"), ("wachtwoord", PASSWORD)],
    );
    assert_eq!(known.status, 303, "{}", known.body);
    let again = post(
        &s,
        "/inloggen",
        None,
        &[("gebruiker", "fg"), ("wachtwoord", PASSWORD)],
    );
    assert_eq!(again.status, 303, "{}", again.body);
    // A device cookie does not help a wrong password, and is not valid for another account.
    let wrong = post(
        &s,
        "/inloggen",
        Some(&device),
        &[("gebruiker", "fg"), ("wachtwoord", "een verkeerde gok")],
    );
    assert_eq!(wrong.status, 401);
    let audit = ok(loep_as("fg", &["user", "audit", dir.to_str().unwrap()]));
    assert!(
        audit.contains("juist wachtwoord van een bekend apparaat"),
        "{audit}"
    );
}

/// One client address guessing passwords is slowed: after ten failed logins it waits (429,
/// with Retry-After) before any password is checked, whatever account it tries.
#[test]
fn a_client_that_keeps_failing_to_log_in_waits() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let s = serve(&dir);
    // The analist's browser logged in before (successful logins are not counted).
    let first = post(
        &s,
        "/inloggen",
        None,
        &[("gebruiker", "analist"), ("wachtwoord", PASSWORD)],
    );
    assert_eq!(first.status, 303);
    let device = device_cookie(&first).unwrap();
    let device = device.split(';').next().unwrap().to_string();
    for i in 0..10 {
        let a = post(
            &s,
            "/inloggen",
            None,
            &[("gebruiker", &format!("gok{i}")), ("wachtwoord", "een gok")],
        );
        assert_eq!(a.status, 401, "attempt {i}");
    }
    let slowed = post(
        &s,
        "/inloggen",
        None,
        &[("gebruiker", "analist"), ("wachtwoord", PASSWORD)],
    );
    assert_eq!(slowed.status, 429, "{}", slowed.body);
    assert!(
        slowed.body.contains("te veel mislukte inlogpogingen"),
        "{}",
        slowed.body
    );
    let wait: u64 = slowed
        .headers
        .iter()
        .find(|(k, _)| k == "retry-after")
        .map(|(_, v)| v.parse().unwrap())
        .expect("Retry-After");
    assert!((1..=6).contains(&wait), "{wait}");
    // The analist's own browser is not kept waiting.
    let known = post(
        &s,
        "/inloggen",
        Some(&device),
        &[("gebruiker", "analist"), ("wachtwoord", PASSWORD)],
    );
    assert_eq!(known.status, 303, "{}", known.body);
    // A made-up device cookie is no way around the wait.
    let made_up = format!("__Host-loep-apparaat={}", "ab".repeat(32));
    let slowed = post(
        &s,
        "/inloggen",
        Some(&made_up),
        &[("gebruiker", "analist"), ("wachtwoord", PASSWORD)],
    );
    assert_eq!(slowed.status, 429);
    // Nothing was checked: the audit trail holds the ten failures and nothing after them.
    let audit = ok(loep_as("fg", &["user", "audit", dir.to_str().unwrap()]));
    assert_eq!(
        audit.matches("onbekende accountnaam").count(),
        10,
        "{audit}"
    );
}

/// The privacy officer reaches each scan's certificate from the list of scans: written out,
/// every check holding, and as the exact JSON whose SHA-256 the processing log names; no one
/// else may open it.
#[test]
fn the_privacy_officer_reads_a_run_certificate() {
    let root = tempfile::tempdir().unwrap();
    let dir = scanned_project(root.path());
    let s = serve(&dir);
    let fg = login(&s, "fg");
    let scans = get(&s, "/scans", Some(&fg)).body;
    let page_path = first_link(&scans, "/scans/");
    assert!(page_path.ends_with("/certificaat"), "{page_path}");
    let page = get(&s, &page_path, Some(&fg));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("In orde"), "{}", page.body);
    assert!(page.body.contains("brp_persoon"), "{}", page.body);
    assert!(!page.body.contains("<strong>klopt niet"), "{}", page.body);
    let saved = get(&s, &format!("{page_path}.json"), Some(&fg));
    assert_eq!(saved.status, 200);
    let sha = hex::encode(sha2::Sha256::digest(saved.body.as_bytes()));
    assert!(
        page.body.contains(&sha),
        "the page names the certificate's SHA-256"
    );
    let log = ok(loep(&["log", "export", dir.to_str().unwrap()]));
    assert!(log.contains(&sha), "the log names the same certificate");
    for role in ["analist", "projectleider"] {
        let cookie = login(&s, role);
        assert_eq!(get(&s, &page_path, Some(&cookie)).status, 403, "{role}");
        assert_eq!(
            get(&s, &format!("{page_path}.json"), Some(&cookie)).status,
            403,
            "{role}"
        );
        assert!(
            !get(&s, "/scans", Some(&cookie))
                .body
                .contains("/certificaat")
        );
    }
}

/// Every page for every role, as the authorisation table says: 200 where the role may, 403
/// where it may not (partners and handhavers start at their cases), the login page without a
/// session, and the public pages for everyone. The menu offers exactly the pages a role may
/// open.
#[test]
fn every_route_answers_every_role_as_the_table_says() {
    let root = tempfile::tempdir().unwrap();
    let dir = scanned_project(root.path());
    let s = serve(&dir);
    let roles = [
        "beheerder",
        "fg",
        "projectleider",
        "analist",
        "sleutelhouder",
        "uwv",
        "handhaver",
    ];
    // (path, the roles that may open it, whether the menu links it)
    let table: [(&str, &[&str], bool); 16] = [
        ("/wachtwoord", &roles, false),
        ("/leveringen", &["beheerder"], true),
        (
            "/scans",
            &[
                "beheerder",
                "fg",
                "projectleider",
                "analist",
                "sleutelhouder",
            ],
            false,
        ),
        ("/signalen", &["projectleider", "analist"], true),
        (
            "/signalen/export?formaat=csv-nl",
            &["projectleider", "analist"],
            false,
        ),
        ("/meldingen", &["projectleider", "analist"], true),
        (
            "/zaken",
            &["projectleider", "analist", "uwv", "handhaver"],
            true,
        ),
        ("/onthullingen", &["fg", "analist", "sleutelhouder"], true),
        ("/koppelingen", &["analist", "sleutelhouder"], true),
        ("/trefkansen", &["fg", "projectleider", "analist"], true),
        ("/eerlijkheid", &["fg", "projectleider", "analist"], true),
        ("/verwerkingslog", &["beheerder", "fg"], true),
        ("/accounts", &["beheerder", "fg", "projectleider"], true),
        ("/algoritmeregister", &["fg", "projectleider"], true),
        ("/inzage", &["fg", "sleutelhouder"], true),
        (
            "/",
            &[
                "beheerder",
                "fg",
                "projectleider",
                "analist",
                "sleutelhouder",
            ],
            false,
        ),
    ];
    for role in roles {
        let cookie = login(&s, role);
        // The menu as on the role's start page.
        let start = if ["uwv", "handhaver"].contains(&role) {
            "/zaken"
        } else {
            "/"
        };
        let menu = get(&s, start, Some(&cookie)).body;
        assert!(menu.contains("Hoofdmenu"), "{role}: {menu}");
        for (path, allowed, in_menu) in table {
            let a = get(&s, path, Some(&cookie));
            if allowed.contains(&role) {
                assert_eq!(a.status, 200, "{role} {path}: {}", a.body);
                if in_menu {
                    assert!(
                        menu.contains(&format!("href=\"{path}\"")),
                        "{role}: {path} not in the menu"
                    );
                }
            } else if path == "/" {
                // Partners and handhavers start at their cases.
                assert_eq!(a.status, 303, "{role} {path}");
                assert_eq!(a.location.as_deref(), Some("/zaken"));
            } else {
                assert_eq!(a.status, 403, "{role} {path}: {}", a.body);
                assert!(
                    !menu.contains(&format!("href=\"{path}\"")),
                    "{role}: {path} in the menu"
                );
            }
        }
        for public in [
            "/indicatoren",
            "/melden",
            "/melden/status",
            "/api/v1/openapi.json",
        ] {
            assert_eq!(
                get(&s, public, Some(&cookie)).status,
                200,
                "{role} {public}"
            );
        }
    }
    // Without a session: to the login page; the public pages open.
    for (path, _, _) in table {
        let a = get(&s, path, None);
        assert_eq!(a.status, 303, "{path}");
        assert_eq!(a.location.as_deref(), Some("/inloggen"), "{path}");
    }
    for public in ["/indicatoren", "/melden", "/melden/status", "/inloggen"] {
        assert_eq!(get(&s, public, None).status, 200, "{public}");
    }

    // What the accountability pages say.
    let fg = login(&s, "fg");
    let log = get(&s, "/verwerkingslog", Some(&fg)).body;
    assert!(
        log.contains("In orde") && log.contains("Ondertekende kop"),
        "{log}"
    );
    let accounts = get(&s, "/accounts", Some(&fg)).body;
    assert!(accounts.contains("Audittrail") && accounts.contains("sleutelhouder2"));
    let pl = login(&s, "projectleider");
    assert!(!get(&s, "/accounts", Some(&pl)).body.contains("Audittrail"));
    let register = get(&s, "/algoritmeregister", Some(&pl)).body;
    assert!(register.contains("In gebruik"), "{register}");
    // Lists and impact assessments read as words, never as the exported JSON.
    assert!(
        register.contains("<dt>Type algoritme</dt><dd>") && register.contains("Impacttoetsen"),
        "{register}"
    );
    for json in ["[&#34;", "[&quot;", "{&#34;", "{&quot;", "[\"", "{\""] {
        assert!(!register.contains(json), "JSON on the page: {json}");
    }
    let fair = get(&s, "/eerlijkheid", Some(&pl)).body;
    assert!(
        fair.contains("<svg") && fair.contains("Dispariteit"),
        "{fair}"
    );
    let rates = get(&s, "/trefkansen", Some(&pl)).body;
    assert!(rates.contains("Trefkansen per indicator"));
    let home = get(&s, "/", Some(&pl)).body;
    assert!(home.contains("Zaken per status") && home.contains("Trend over de scans"));

    // An access request: the privacy officer draws up the report for a resident's BSN and
    // opens it; a wrong BSN is said, an analist may not, and only the report's own names open.
    let bsn = csv_rows(&root.path().join("world/levering/brp_persoon.csv"))
        .into_iter()
        .find(|r| r["status"] == "ingezetene")
        .map(|r| r["bsn"].clone())
        .unwrap();
    let form = get(&s, "/inzage", Some(&fg));
    assert!(form.body.contains("nog geen overzicht"), "{}", form.body);
    let csrf = csrf_of(&form.body);
    let wrong = post(
        &s,
        "/inzage",
        Some(&fg),
        &[("csrf", &csrf), ("bsn", "12345")],
    );
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert!(wrong.body.contains("Niet verwerkt"), "{}", wrong.body);
    let made = post(&s, "/inzage", Some(&fg), &[("csrf", &csrf), ("bsn", &bsn)]);
    assert_eq!(made.status, 303, "{}", made.body);
    let listed = get(&s, "/inzage", Some(&fg)).body;
    assert!(!listed.contains(&bsn), "the list names no person");
    let pdf_link = first_link(&listed, "/inzage/inzage-");
    assert!(pdf_link.ends_with(".pdf"), "{pdf_link}");
    let pdf = get(&s, &pdf_link, Some(&fg));
    assert_eq!(pdf.status, 200);
    assert_eq!(header(&pdf, "content-type"), Some("application/pdf"));
    assert!(header(&pdf, "content-disposition").is_some_and(|d| d.starts_with("attachment")));
    assert!(header(&pdf, "content-length").is_some_and(|n| n.parse::<usize>().unwrap() > 1000));
    let logged: i64 = rusqlite::Connection::open(dir.join("store.sqlite"))
        .unwrap()
        .query_row(
            "SELECT count(*) FROM verwerkingslog WHERE name IN ('inzage', 'inzage.geopend')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(logged, 2, "drawing up and opening are logged");
    // The privacy officer may restrict a letter (article 41 UAVG); a restriction without its
    // reason is said, one with it is drawn up and logged.
    assert!(
        listed.contains("Tijdelijk beperken (artikel 41 UAVG)"),
        "{listed}"
    );
    let short = post(
        &s,
        "/inzage",
        Some(&fg),
        &[
            ("csrf", &csrf),
            ("bsn", &bsn),
            ("beperk", "zaken"),
            ("reden", "kort"),
            ("tot", "2099-01-01"),
        ],
    );
    assert_eq!(short.status, 400, "{}", short.body);
    assert!(
        short.body.contains("ten minste 20 tekens"),
        "{}",
        short.body
    );
    // A month after the server's day (it runs at NOW).
    let tot = "2026-07-15";
    let restricted = post(
        &s,
        "/inzage",
        Some(&fg),
        &[
            ("csrf", &csrf),
            ("bsn", &bsn),
            ("beperk", "zaken"),
            ("reden", "Lopend onderzoek naar adresfraude op dit adres."),
            ("tot", tot),
        ],
    );
    assert_eq!(restricted.status, 303, "{}", restricted.body);
    let restrictions: i64 = rusqlite::Connection::open(dir.join("store.sqlite"))
        .unwrap()
        .query_row(
            "SELECT count(*) FROM verwerkingslog WHERE name = 'inzage.beperkt'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(restrictions, 1);
    // It is listed for the privacy officer, who lifts it when the investigation is over.
    let listed = get(&s, "/inzage", Some(&fg)).body;
    assert!(listed.contains("Beperkingen die gelden"), "{listed}");
    let lift = first_link_action(&listed, "/inzage/beperking/");
    let lifted = post(&s, &lift, Some(&fg), &[("csrf", &csrf)]);
    assert_eq!(lifted.status, 303, "{}", lifted.body);
    assert!(
        !get(&s, "/inzage", Some(&fg))
            .body
            .contains("Beperkingen die gelden")
    );
    assert_eq!(post(&s, &lift, Some(&fg), &[("csrf", &csrf)]).status, 400);
    for bad in [
        "/inzage/store.sqlite",
        "/inzage/..%2Fstore.sqlite",
        "/inzage/inzage-2026-06-15-1.json",
    ] {
        assert_eq!(get(&s, bad, Some(&fg)).status, 404, "{bad}");
    }
    let analist = login(&s, "analist");
    assert_eq!(
        post(
            &s,
            "/inzage",
            Some(&analist),
            &[("csrf", &csrf), ("bsn", &bsn)]
        )
        .status,
        403
    );

    // A scan from the browser: only an analist starts one; it runs off the request path
    // while the other pages answer, and the page shows how it ended.
    let scans = get(&s, "/scans", Some(&pl));
    assert!(!scans.body.contains("Scan starten"));
    let refused = post(&s, "/scans", Some(&pl), &[("csrf", &csrf_of(&scans.body))]);
    assert_eq!(refused.status, 403);
    let analist = login(&s, "analist");
    let page = get(&s, "/scans", Some(&analist)).body;
    assert!(page.contains("Scan starten"), "{page}");
    let runs_before = page.matches("<tr><td>").count();
    let started = post(&s, "/scans", Some(&analist), &[("csrf", &csrf_of(&page))]);
    assert_eq!(started.status, 303, "{}", started.body);
    let mut done = String::new();
    for _ in 0..600 {
        let now = get(&s, "/scans", Some(&analist)).body;
        if now.contains("Er loopt een scan") {
            std::thread::sleep(std::time::Duration::from_millis(200));
            continue;
        }
        done = now;
        break;
    }
    assert!(done.contains("is klaar"), "{done}");
    assert_eq!(done.matches("<tr><td>").count(), runs_before + 1, "{done}");
}

/// A tenant's contract is linked to a person by name: the linkage keeps the waterfall of
/// match weights that explains each such link (its weights add up to the link's probability),
/// and the address page shows it for the persons of its signals, in Dutch.
#[test]
fn an_address_explains_its_links_by_name_with_their_waterfall() {
    let root = tempfile::tempdir().unwrap();
    let dir = scanned_project(root.path());
    let db = rusqlite::Connection::open(dir.join("store.sqlite")).unwrap();
    let pad: String = db
        .query_row(
            "SELECT pad_personen FROM koppeling ORDER BY tijdstip DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let links = parquet_rows(&dir.join(pad));
    let by_name: Vec<_> = links
        .iter()
        .filter(|l| l["methode"].as_deref() == Some("naam_geboortedatum_adres"))
        .collect();
    assert!(
        !by_name.is_empty(),
        "no links by name in the generated town"
    );
    for l in &by_name {
        let uitleg = l["uitleg"].as_deref().expect("a link by name is explained");
        let weights: Vec<f64> = uitleg
            .lines()
            .map(|s| s.rsplit('\t').next().unwrap().parse().unwrap())
            .collect();
        assert!(weights.len() >= 3, "{uitleg}");
        assert!(weights[0] < 0.0, "the prior comes first: {uitleg}");
        let kans: f64 = l["kans"].as_deref().unwrap().parse().unwrap();
        if kans < 0.999_999 {
            let total: f64 = weights.iter().sum();
            let odds = (kans / (1.0 - kans)).log2();
            assert!((total - odds).abs() < 0.05, "{total} vs {odds}: {uitleg}");
        }
    }
    for l in links
        .iter()
        .filter(|l| l["methode"].as_deref() == Some("bsn"))
    {
        assert_eq!(l["uitleg"], None);
    }

    // An address where a tenant linked by name is a person of a signal.
    let contracts_pad: String = db
        .query_row(
            "SELECT pad FROM snapshot WHERE tabel = 'wc_huurcontract' ORDER BY tijdstip DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let contract_at: std::collections::HashMap<String, String> =
        parquet_rows(&dir.join(contracts_pad))
            .into_iter()
            .filter_map(|r| Some((r["record_key"].clone()?, r["vbo_id"].clone()?)))
            .collect();
    let mut stmt = db
        .prepare(
            "SELECT DISTINCT s.vbo_id, p.pseudoniem FROM signaal_persoon p
             JOIN signaal s ON s.run_id = p.run_id AND s.nr = p.nr",
        )
        .unwrap();
    let flagged: std::collections::HashSet<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let vbo = by_name
        .iter()
        .filter(|l| l["status"].as_deref() == Some("gekoppeld"))
        .find_map(|l| {
            let vbo = contract_at.get(l["record_key"].as_deref()?)?;
            flagged
                .contains(&(vbo.clone(), l["pseudoniem"].clone()?))
                .then(|| vbo.clone())
        })
        .expect("a flagged person is a tenant linked by name");
    let s = serve(&dir);
    let analist = login(&s, "analist");
    let page = get(&s, &format!("/adressen/{vbo}"), Some(&analist));
    assert_eq!(page.status, 200, "{}", page.body);
    for text in [
        "Koppelingen op naam",
        "huurcontract van de woningcorporatie gekoppeld aan",
        "vooraf: twee willekeurige records horen bij elkaar",
        "kans 1 op ",
        "Opgeteld",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    // The BAG's facts of the object and the scans' history are on the page too.
    assert!(page.body.contains("Oppervlakte") && page.body.contains(" m²"));
    assert!(page.body.contains("Geschiedenis over de scans"));
}

/// A doubtful link by name is decided by two people: the analist proposes on a ground from
/// the list, a sleutelhouder confirms; the project links anew and the pair is linked from
/// then on. Neither may do the other's half, a pair outside the review list cannot be
/// proposed, and the steps are in the processing log with the acting organisation.
#[test]
fn doubtful_links_are_decided_with_four_eyes() {
    let root = tempfile::tempdir().unwrap();
    // A corporation that keeps only a tenant's initial and a different spelling of the rest
    // of the surname: same first names and birth date, so the linkage doubts.
    let dir = scanned_with(root.path(), |levering| {
        let contracts = levering.join("wc_huurcontract.csv");
        let text = std::fs::read_to_string(&contracts).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let at = lines[0]
            .split(',')
            .position(|c| c == "huurder_geslachtsnaam")
            .unwrap();
        for line in lines.iter_mut().skip(1).take(4) {
            let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
            let first: String = cells[at].chars().take(1).collect();
            cells[at] = format!("{first}xqzwvk");
            *line = cells.join(",");
        }
        std::fs::write(&contracts, lines.join("\n") + "\n").unwrap();
    });
    let s = serve(&dir);
    let analist = login(&s, "analist");
    let page = get(&s, "/koppelingen", Some(&analist));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("form method=\"post\" action=\"/koppelingen\""),
        "no doubtful link in the generated town: {}",
        page.body
    );
    // No names on the page: the reviewers judge by the linkage's reasoning.
    assert!(page.body.contains("Hoe de koppeling woog"), "{}", page.body);
    let form_at = page.body.find("action=\"/koppelingen\"").unwrap();
    let form = &page.body[form_at..];
    let (bron, key, p) = (
        hidden(form, "bron"),
        hidden(form, "record_key"),
        hidden(form, "pseudoniem"),
    );
    let csrf = csrf_of(&page.body);
    let propose = |cookie: &str, csrf: &str, grond: &str, key: &str| {
        post(
            &s,
            "/koppelingen",
            Some(cookie),
            &[
                ("csrf", csrf),
                ("bron", &bron),
                ("record_key", key),
                ("pseudoniem", &p),
                ("grond", grond),
            ],
        )
    };
    // Not a ground from the list; not a pair under review.
    assert_eq!(propose(&analist, &csrf, "gevoel", &key).status, 400);
    let other = propose(&analist, &csrf, "schrijfwijze", "geen-record");
    assert_eq!(other.status, 400, "{}", other.body);
    assert!(
        other.body.contains("niet ter beoordeling"),
        "{}",
        other.body
    );
    // The sleutelhouder may not propose.
    let sleutelhouder = login(&s, "sleutelhouder");
    let sh_csrf = csrf_of(&get(&s, "/koppelingen", Some(&sleutelhouder)).body);
    assert_eq!(
        propose(&sleutelhouder, &sh_csrf, "schrijfwijze", &key).status,
        403
    );
    let made = propose(&analist, &csrf, "schrijfwijze", &key);
    assert_eq!(made.status, 303, "{}", made.body);
    // Once: a second proposal about the same pair waits for the first.
    let again = propose(&analist, &csrf, "naamgenoot", &key);
    assert_eq!(again.status, 400, "{}", again.body);
    assert!(
        again.body.contains("al een voorstel open"),
        "{}",
        again.body
    );

    // The sleutelhouder sees it waiting, on the landing page too.
    let home = get(&s, "/", Some(&sleutelhouder)).body;
    assert!(
        home.contains("voorstel over een twijfelachtige koppeling wacht op uw bevestiging"),
        "{home}"
    );
    let list = get(&s, "/koppelingen", Some(&sleutelhouder)).body;
    let action = first_link_action(&list, "/koppelingen/");
    assert!(action.ends_with("/besluit"), "{action}");
    // The analist cannot confirm its own proposal.
    let by_analist = post(
        &s,
        &action,
        Some(&analist),
        &[("csrf", &csrf), ("besluit", "bevestigen")],
    );
    assert_eq!(by_analist.status, 403, "{}", by_analist.body);
    let before: String = rusqlite::Connection::open(dir.join("store.sqlite"))
        .unwrap()
        .query_row(
            "SELECT koppeling_id FROM koppeling ORDER BY rowid DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let done = post(
        &s,
        &action,
        Some(&sleutelhouder),
        &[("csrf", &sh_csrf), ("besluit", "bevestigen")],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    let twice = post(
        &s,
        &action,
        Some(&sleutelhouder),
        &[("csrf", &sh_csrf), ("besluit", "afwijzen")],
    );
    assert_eq!(twice.status, 400, "{}", twice.body);

    // Linked anew: the pair is linked by review in the new run.
    let db = rusqlite::Connection::open(dir.join("store.sqlite")).unwrap();
    let (after, pad): (String, String) = db
        .query_row(
            "SELECT koppeling_id, pad_personen FROM koppeling ORDER BY rowid DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_ne!(before, after, "a confirmation links anew");
    let row = parquet_rows(&dir.join(pad))
        .into_iter()
        .find(|r| {
            r["bron"].as_deref() == Some(bron.as_str())
                && r["record_key"].as_deref() == Some(key.as_str())
                && r["pseudoniem"].as_deref() == Some(p.as_str())
        })
        .expect("the pair in the new run");
    assert_eq!(row["status"].as_deref(), Some("gekoppeld"), "{row:?}");
    assert_eq!(row["methode"].as_deref(), Some("beoordeeld"), "{row:?}");
    let shown = get(&s, "/koppelingen", Some(&analist)).body;
    assert!(shown.contains("gekoppeld na beoordeling"), "{shown}");

    // A second pair kept apart ("niet koppelen", confirmed), a third proposal turned down.
    let decide_next = |grond: &str, besluit: &str| -> (String, String, String) {
        // The next pair still to review, else one reviewed before (which may be proposed
        // again).
        let page = get(&s, "/koppelingen", Some(&analist)).body;
        let at = page
            .find("te beoordelen</h2>")
            .and_then(|i| Some(i + page[i..].find("action=\"/koppelingen\"")?))
            .or_else(|| page.find("action=\"/koppelingen\""))
            .expect("another pair to review");
        let form = &page[at..];
        let (b, k, q) = (
            hidden(form, "bron"),
            hidden(form, "record_key"),
            hidden(form, "pseudoniem"),
        );
        let made = post(
            &s,
            "/koppelingen",
            Some(&analist),
            &[
                ("csrf", &csrf),
                ("bron", &b),
                ("record_key", &k),
                ("pseudoniem", &q),
                ("grond", grond),
            ],
        );
        assert_eq!(made.status, 303, "{}", made.body);
        let list = get(&s, "/koppelingen", Some(&sleutelhouder)).body;
        let action = first_link_action(&list, "/koppelingen/");
        let done = post(
            &s,
            &action,
            Some(&sleutelhouder),
            &[("csrf", &sh_csrf), ("besluit", besluit)],
        );
        assert_eq!(done.status, 303, "{}", done.body);
        (b, k, q)
    };
    let latest_rows = || {
        let pad: String = rusqlite::Connection::open(dir.join("store.sqlite"))
            .unwrap()
            .query_row(
                "SELECT pad_personen FROM koppeling ORDER BY rowid DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        parquet_rows(&dir.join(pad))
    };
    let kept_apart = decide_next("naamgenoot", "bevestigen");
    let before = latest_rows();
    let turned_down = decide_next("schrijfwijze", "afwijzen");
    let rows = latest_rows();
    let status_in = |rows: &[std::collections::HashMap<String, Option<String>>],
                     (b, k, q): &(String, String, String)| {
        rows.iter()
            .find(|r| {
                r["bron"].as_deref() == Some(b.as_str())
                    && r["record_key"].as_deref() == Some(k.as_str())
                    && r["pseudoniem"].as_deref() == Some(q.as_str())
            })
            .and_then(|r| r["status"].clone())
    };
    assert_eq!(status_in(&rows, &kept_apart).as_deref(), Some("verworpen"));
    // Turned down: nothing changes.
    assert_eq!(
        status_in(&rows, &turned_down),
        status_in(&before, &turned_down)
    );
    let shown = get(&s, "/koppelingen", Some(&analist)).body;
    assert!(shown.contains("niet gekoppeld na beoordeling"), "{shown}");

    // Both steps are records about the person, naming the project's team.
    let mut stmt = db
        .prepare(
            "SELECT name, json_extract(attributes, '$.door_organisatie') FROM verwerkingslog
             WHERE data_subject_id = ?1 AND name LIKE 'beoordeling.%' ORDER BY seq",
        )
        .unwrap();
    let steps: Vec<(String, String)> = stmt
        .query_map([&p], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        steps[..2],
        [
            ("beoordeling.voorstel".to_string(), "project".to_string()),
            ("beoordeling.bevestigd".to_string(), "project".to_string()),
        ]
    );
}

#[test]
fn an_address_says_when_its_data_comes_from_the_previous_delivery() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    ok(intake(&dir, &fixtures().join("basis")));
    // The redelivery's row of Pieter Jansen (at object 2) is rejected: his previous row stays.
    let lev = copy_fixture("basis", root.path(), "opnieuw");
    let brp = std::fs::read_to_string(lev.join("brp_persoon.csv")).unwrap();
    std::fs::write(
        lev.join("brp_persoon.csv"),
        brp.replace("1970-05-00,M", "1970-05-00,X"),
    )
    .unwrap();
    let r = intake_json(&dir, &lev);
    let levering = r["levering_id"].as_str().unwrap();
    let s = serve(&dir);
    let cookie = login(&s, "analist");
    let page = get(&s, "/adressen/0392010000000002", Some(&cookie));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Gegevens uit de vorige levering"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&format!(
            "brp_persoon: de rij op regel 4 van levering {levering} is afgewezen; de gegevens uit levering L0001-"
        )),
        "{}",
        page.body
    );
    let other = get(&s, "/adressen/0392010000000001", Some(&cookie));
    assert_eq!(other.status, 200, "{}", other.body);
    assert!(
        !other.body.contains("Gegevens uit de vorige levering"),
        "{}",
        other.body
    );
}

/// A zip of the files of `dir` (flat).
fn zip_dir(dir: &Path) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for p in names {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        w.start_file(
            format!("levering/{name}"),
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        w.write_all(&std::fs::read(&p).unwrap()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Posts `zip` as the file of the upload form, multipart as a browser sends it.
fn upload(s: &Server, cookie: &str, csrf: &str, zip: &[u8]) -> Answer {
    let boundary = "----loepgrens7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"bestand\"; filename=\"levering.zip\"\r\nContent-Type: application/zip\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(zip);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    answer(
        agent()
            .post(format!("{}/leveringen/proef", s.base))
            .header("Cookie", cookie)
            .header(
                "Content-Type",
                &format!("multipart/form-data; boundary={boundary}"),
            )
            .send(&body[..])
            .unwrap(),
    )
}

#[test]
fn the_beheerder_uploads_a_delivery_sees_its_dry_run_and_then_loads_it() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    ok(intake(&dir, &fixtures().join("basis")));
    // The redelivery: Pieter Jansen's row is rejected (his previous row stays), Maria is left out.
    let lev = copy_fixture("basis", root.path(), "opnieuw");
    let brp = std::fs::read_to_string(lev.join("brp_persoon.csv")).unwrap();
    let brp: Vec<&str> = brp
        .lines()
        .filter(|l| !l.starts_with("111222345"))
        .collect();
    std::fs::write(
        lev.join("brp_persoon.csv"),
        format!(
            "{}\n",
            brp.join("\n").replace("1970-05-00,M", "1970-05-00,X")
        ),
    )
    .unwrap();
    let s = serve(&dir);
    let cookie = login(&s, "beheerder");
    let page = get(&s, "/leveringen", Some(&cookie));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("L0001-"), "{}", page.body);
    let csrf = csrf_of(&page.body);

    let proef = upload(&s, &cookie, &csrf, &zip_dir(&lev));
    assert_eq!(proef.status, 200, "{}", proef.body);
    assert!(proef.body.contains("Dit is een proef"), "{}", proef.body);
    assert!(
        proef.body.contains("1 verwijderd, 1 overgenomen"),
        "{}",
        proef.body
    );
    assert!(
        proef.body.contains("regel 3: pseudoniem="),
        "{}",
        proef.body
    );
    assert!(!proef.body.contains("111222"), "a BSN on the page");
    // Nothing was loaded yet.
    assert_eq!(status_json(&dir)["leveringen"].as_array().unwrap().len(), 1);
    let token = hidden(&proef.body, "upload");

    // Another account cannot load it, nor a guessed upload.
    let fg = login(&s, "fg");
    let fg_page = get(&s, "/", Some(&fg));
    let a = post(
        &s,
        "/leveringen/laden",
        Some(&fg),
        &[("csrf", &csrf_of(&fg_page.body)), ("upload", &token)],
    );
    assert_eq!(a.status, 404, "{}", a.body);
    let a = post(
        &s,
        "/leveringen/laden",
        Some(&cookie),
        &[("csrf", &csrf), ("upload", "0000000000000000")],
    );
    assert_eq!(a.status, 404, "{}", a.body);

    let geladen = post(
        &s,
        "/leveringen/laden",
        Some(&cookie),
        &[("csrf", &csrf), ("upload", &token)],
    );
    assert_eq!(geladen.status, 200, "{}", geladen.body);
    assert!(
        geladen.body.contains("De levering is geladen als L0002-"),
        "{}",
        geladen.body
    );
    assert_eq!(status_json(&dir)["leveringen"].as_array().unwrap().len(), 2);
    // Its files are gone from the project; the list shows its report.
    assert_eq!(
        std::fs::read_dir(dir.join("upload")).unwrap().count(),
        0,
        "the upload's files stay behind"
    );
    let page = get(&s, "/leveringen", Some(&cookie));
    assert!(page.body.contains("L0002-"), "{}", page.body);
    assert!(
        page.body
            .contains("de gegevens uit de vorige levering blijven gelden"),
        "{}",
        page.body
    );

    // A zip that is not one, and a delivery the dry run refuses.
    let a = upload(&s, &cookie, &csrf, b"PK geen zip");
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(a.body.contains("geen leesbaar zipbestand"), "{}", a.body);
    std::fs::write(lev.join("adressen.csv"), "a,b\n").unwrap();
    let a = upload(&s, &cookie, &csrf, &zip_dir(&lev));
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(
        a.body.contains("Deze levering wordt geweigerd"),
        "{}",
        a.body
    );
    assert!(a.body.contains("adressen"), "{}", a.body);
    // Someone without the right to load deliveries cannot upload one.
    let a = upload(&s, &fg, &csrf_of(&fg_page.body), &zip_dir(&lev));
    assert_eq!(a.status, 403, "{}", a.body);
}

/// One register of residents' reports: what residents file through the public form counts in
/// MLC-01 beside the delivered reports, and the explanation says where they came from.
#[test]
fn reports_filed_through_the_form_count_in_the_cluster_indicator() {
    let root = tempfile::tempdir().unwrap();
    let dir = scanned_project(root.path());
    let d = dir.to_str().unwrap();
    let s = serve(&dir);
    let analist = login(&s, "analist");
    let adres = first_address(&s, &analist);
    let mlc_at = |vbo: &str| -> Vec<String> {
        let v: serde_json::Value =
            serde_json::from_str(&ok(loep(&["signals", d, "--format", "json"]))).unwrap();
        v["signalen"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["indicator"] == "MLC-01" && x["vbo_id"] == vbo)
            .map(|x| x["uitleg"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    // Three residents, three forms, three subjects about one address.
    let tokens: Vec<String> = (0..3)
        .map(|_| hidden(&get(&s, "/melden", None).body, "t"))
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(3100));
    let mut vbo = String::new();
    for (t, categorie) in tokens
        .iter()
        .zip(["woonoverlast", "overbewoning", "onderverhuur"])
    {
        let mut f = vec![
            ("t", t.as_str()),
            ("adres", adres.as_str()),
            ("categorie", categorie),
            ("omschrijving", "Steeds andere mensen, 's nachts herrie."),
        ];
        let check = post(&s, "/melden", None, &f);
        assert_eq!(check.status, 200, "{}", check.body);
        vbo = hidden(&check.body, "vbo_id");
        f.push(("vbo_id", &vbo));
        let filed = post(&s, "/melden", None, &f);
        assert_eq!(filed.status, 200, "{}", filed.body);
    }
    assert!(mlc_at(&vbo).is_empty(), "no cluster before the next scan");
    ok(loep(&["scan", d]));
    let found = mlc_at(&vbo);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("meldformulier"), "{found:?}");

    // One register: the delivered reports beside the form's, each with its source, on one
    // page; an address the linkage put a delivered report at lists it on its page.
    let list = get(&s, "/meldingen", Some(&analist));
    assert!(
        list.body.contains("meldformulier (W000001)")
            && list.body.contains("<td>levering van de gemeente</td>"),
        "{}",
        list.body
    );
    let linked = list
        .body
        .split("<tr>")
        .filter(|row| row.contains("<td>levering van de gemeente</td>"))
        .find_map(|row| {
            let at = row.find("href=\"/adressen/")? + 6;
            Some(row[at..at + row[at..].find('"')?].to_string())
        })
        .expect("a delivered report linked to an address");
    let page = get(&s, &linked, Some(&analist));
    assert!(
        page.body.contains("levering van de gemeente"),
        "{}",
        page.body
    );
    let form_page = get(&s, &format!("/adressen/{vbo}"), Some(&analist));
    assert!(form_page.body.contains("meldformulier (W000001)"));
    // Paged: a page past the end is the last one.
    assert_eq!(get(&s, "/meldingen?pagina=999", Some(&analist)).status, 200);
}

/// The beheerder adds, disables and enables accounts in the browser; a key holder added waits
/// for a privacy officer, who confirms it there; the privacy officer browses the processing
/// log by kind, person and period. Others may do neither.
#[test]
fn the_beheerder_manages_accounts_and_the_fg_browses_the_log() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    ok(intake(&dir, &fixtures().join("basis")));
    let s = serve(&dir);
    let beheerder = login(&s, "beheerder");
    let page = get(&s, "/accounts", Some(&beheerder));
    assert!(page.body.contains("Account toevoegen"), "{}", page.body);
    assert!(!page.body.contains("wacht-op-bevestiging"), "no raw codes");
    let csrf = csrf_of(&page.body);
    let weak = post(
        &s,
        "/accounts",
        Some(&beheerder),
        &[
            ("csrf", &csrf),
            ("naam", "nieuwe-analist"),
            ("rol", "analist"),
            ("wachtwoord", "kort"),
        ],
    );
    assert_eq!(weak.status, 400, "{}", weak.body);
    assert!(weak.body.contains("Niet verwerkt"), "{}", weak.body);
    let added = post(
        &s,
        "/accounts",
        Some(&beheerder),
        &[
            ("csrf", &csrf),
            ("naam", "nieuwe-analist"),
            ("rol", "analist"),
            ("wachtwoord", PASSWORD),
        ],
    );
    assert_eq!(added.status, 200, "{}", added.body);
    assert!(added.body.contains("is aangemaakt"), "{}", added.body);
    login(&s, "nieuwe-analist");
    let off = post(
        &s,
        "/accounts/nieuwe-analist/uitschakelen",
        Some(&beheerder),
        &[("csrf", &csrf)],
    );
    assert_eq!(off.status, 303, "{}", off.body);
    let refused = post(
        &s,
        "/inloggen",
        None,
        &[("gebruiker", "nieuwe-analist"), ("wachtwoord", PASSWORD)],
    );
    assert_ne!(refused.status, 303, "a disabled account logs in no more");
    let on = post(
        &s,
        "/accounts/nieuwe-analist/inschakelen",
        Some(&beheerder),
        &[("csrf", &csrf)],
    );
    assert_eq!(on.status, 303, "{}", on.body);
    // A key holder waits for the privacy officer.
    let sh = post(
        &s,
        "/accounts",
        Some(&beheerder),
        &[
            ("csrf", &csrf),
            ("naam", "tweede-sleutelhouder"),
            ("rol", "sleutelhouder"),
            ("wachtwoord", PASSWORD),
        ],
    );
    assert!(sh.body.contains("moet het nog bevestigen"), "{}", sh.body);
    let fg = login(&s, "fg");
    let fg_page = get(&s, "/accounts", Some(&fg));
    assert!(
        fg_page
            .body
            .contains("/accounts/tweede-sleutelhouder/bevestigen"),
        "{}",
        fg_page.body
    );
    assert!(!fg_page.body.contains("Account toevoegen"));
    let confirmed = post(
        &s,
        "/accounts/tweede-sleutelhouder/bevestigen",
        Some(&fg),
        &[("csrf", &csrf_of(&fg_page.body))],
    );
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    // Others may not.
    let analist = login(&s, "analist");
    let a_csrf = csrf_of(&get(&s, "/", Some(&analist)).body);
    for (path, form) in [
        (
            "/accounts",
            vec![
                ("csrf", a_csrf.as_str()),
                ("naam", "x-y"),
                ("rol", "beheerder"),
                ("wachtwoord", PASSWORD),
            ],
        ),
        (
            "/accounts/beheerder/uitschakelen",
            vec![("csrf", a_csrf.as_str())],
        ),
    ] {
        assert_eq!(post(&s, path, Some(&analist), &form).status, 403, "{path}");
    }
    assert_eq!(
        post(
            &s,
            "/accounts/fg/weggooien",
            Some(&beheerder),
            &[("csrf", &csrf)]
        )
        .status,
        404
    );

    // The privacy officer browses the log; the beheerder checks it but reads no records.
    let log = get(&s, "/verwerkingslog?handeling=intake.", Some(&fg));
    assert_eq!(log.status, 200, "{}", log.body);
    assert!(
        log.body.contains("Records doorzoeken") && log.body.contains("<td>Ingelezen: "),
        "{}",
        log.body
    );
    // Kinds and attributes in Dutch, not as the codes the log stores.
    assert!(
        !log.body.contains("<td>intake.") && !log.body.contains("rijen_geladen:"),
        "{}",
        log.body
    );
    assert!(log.body.contains("Rijen geladen: "), "{}", log.body);
    let person = {
        let all = get(&s, "/verwerkingslog", Some(&fg)).body;
        let at = all.find("/verwerkingslog?persoon=").map(|i| i + 24);
        at.map(|i| all[i..i + all[i..].find('"').unwrap()].to_string())
    };
    if let Some(p) = person {
        let theirs = get(&s, &format!("/verwerkingslog?persoon={p}"), Some(&fg)).body;
        assert!(theirs.contains(&p), "{theirs}");
    }
    let bad = get(&s, "/verwerkingslog?van=gisteren", Some(&fg));
    assert!(bad.body.contains("geen datum"), "{}", bad.body);
    let none = get(&s, "/verwerkingslog?van=2099-01-01", Some(&fg));
    assert!(none.body.contains("Geen records gevonden"), "{}", none.body);
    let b = get(&s, "/verwerkingslog", Some(&beheerder));
    assert_eq!(b.status, 200);
    assert!(!b.body.contains("Records doorzoeken"));
}

/// The first `action="/PREFIX…"` of a page's forms.
fn first_link_action(page: &str, prefix: &str) -> String {
    first_attribute(page, "action", prefix)
}

/// The municipality's own look: the tokens and the logo `[thema]` names in `loep.toml`
/// (approved again by the privacy officer, as any change of the configuration) are on every
/// page, the public ones included; without them the example theme stays.
#[test]
fn the_municipality_s_theme_is_on_every_page() {
    let root = tempfile::tempdir().unwrap();
    let dir = approved_project(root.path());
    let plain = serve(&dir);
    let css = get(&plain, "/thema.css", None);
    assert_eq!(css.status, 200);
    assert!(!css.body.contains("--basis"), "{}", css.body);
    assert_eq!(get(&plain, "/thema/logo", None).status, 404);
    drop(plain);

    std::fs::create_dir_all(dir.join("thema")).unwrap();
    std::fs::write(
        dir.join("thema/logo.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><rect width=\"10\" height=\"10\" fill=\"#b40000\"/></svg>",
    )
    .unwrap();
    let toml = dir.join("loep.toml");
    let mut config = std::fs::read_to_string(&toml).unwrap();
    config.push_str(
        "\n[thema]\nlogo = \"thema/logo.svg\"\n\n[thema.tokens]\nbasis-color-action-1-color-default = \"#b40000\"\n",
    );
    std::fs::write(&toml, config).unwrap();
    // Not approved yet: the example theme stays.
    let unapproved = serve(&dir);
    assert!(
        !get(&unapproved, "/thema.css", None)
            .body
            .contains("--basis")
    );
    assert_eq!(get(&unapproved, "/thema/logo", None).status, 404);
    drop(unapproved);
    ok(loep(&[
        "approve",
        dir.to_str().unwrap(),
        "--dpia",
        "DPIA-thema",
    ]));
    let s = serve(&dir);
    for page in ["/inloggen", "/melden"] {
        let p = get(&s, page, None);
        assert!(p.body.contains("href=\"/thema.css\""), "{page}");
    }
    let css = get(&s, "/thema.css", None);
    assert!(
        css.body
            .contains("--basis-color-action-1-color-default: #b40000;")
            && css.body.contains("url(/thema/logo)"),
        "{}",
        css.body
    );
    assert_eq!(
        header(&css, "content-type"),
        Some("text/css; charset=utf-8")
    );
    let logo = get(&s, "/thema/logo", None);
    assert_eq!(logo.status, 200);
    assert_eq!(header(&logo, "content-type"), Some("image/svg+xml"));
    assert!(
        header(&logo, "content-security-policy").is_some_and(|c| c.contains("sandbox")),
        "the logo can run nothing"
    );
    assert!(logo.body.contains("<svg"));
    // A logo reached through a link is not served.
    std::fs::remove_file(dir.join("thema/logo.svg")).unwrap();
    std::os::unix::fs::symlink(dir.join("loep.toml"), dir.join("thema/logo.svg")).unwrap();
    assert_eq!(get(&s, "/thema/logo", None).status, 404);
}
