//! The web application as a browser uses it: `loep serve` runs as a process, and the tests
//! talk HTTP to it: logging in, the session cookie and its protections, CSRF, the pages of a
//! logged-in account, the public catalogue, and what happens without a session.

mod common;
use common::*;

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
    let mut child = Command::new(env!("CARGO_BIN_EXE_loep"))
        .args(["serve", dir.to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .env("LOEP_NOW", NOW)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("loep serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches('/')
        .to_string();
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
    let a = post(
        s,
        "/inloggen",
        None,
        &[("gebruiker", naam), ("wachtwoord", PASSWORD)],
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
    assert!(!queue.body.contains("HNP-01</td>"), "filtered on a theme");
    assert!(queue.body.contains("m² per persoon"));

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

    // A partner's employee may not see the signals: the core refuses, the page says so.
    let uwv = login(&s, "uwv");
    let refused = get(&s, "/signalen", Some(&uwv));
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
