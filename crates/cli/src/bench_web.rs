//! `loep bench web`: the web application under load. A generated municipality is loaded,
//! scanned and given cases (through the same use cases as people), then `loep serve` runs in
//! this process on loopback and a load generator of N concurrent clients (each its own
//! logged-in session, as a person in a browser) requests the queue, address, case and
//! dashboard pages; per page it prints the latency percentiles and the throughput.

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The pages measured and the paths each is requested at.
struct Kind {
    naam: &'static str,
    paths: Vec<String>,
}

/// Makes cases until the project has `zaken`: one per address, from its signals, as the
/// analist proposes them.
pub fn ensure_cases(session: &mut loep_app::Session, zaken: usize) -> Result<Vec<String>> {
    let mut have: Vec<String> =
        loep_app::zaken::list(session, &loep_app::types::ZaakFilter::default())?
            .into_iter()
            .map(|z| z.identificatie)
            .collect();
    if have.len() >= zaken {
        have.truncate(zaken);
        return Ok(have);
    }
    let listing = loep_app::scan::listing(session, &loep_app::scan::SignalFilter::default())?;
    let mut by_address: std::collections::BTreeMap<loep_contract::BagId, Vec<String>> =
        Default::default();
    for s in &listing.signals {
        by_address.entry(s.vbo_id).or_default().push(s.id());
    }
    let taken: std::collections::HashSet<loep_contract::BagId> =
        loep_app::zaken::list(session, &loep_app::types::ZaakFilter::default())?
            .into_iter()
            .map(|z| z.zaakobject.identificatie)
            .collect();
    let t = Instant::now();
    let mut made = 0;
    for (vbo, signalen) in by_address {
        if have.len() >= zaken {
            break;
        }
        if taken.contains(&vbo) {
            continue;
        }
        let z = loep_app::zaken::new(
            session,
            &loep_app::types::Nieuw {
                signalen,
                toelichting: "Voorgesteld in de benchmark.".into(),
                ..Default::default()
            },
        )?;
        have.push(z.identificatie);
        made += 1;
    }
    println!(
        "bench web: {made} zaken gemaakt in {:.1} s ({} in totaal)",
        t.elapsed().as_secs_f64(),
        have.len()
    );
    if have.len() < zaken {
        println!(
            "bench web: maar {} adressen met signalen, dus {} zaken (gevraagd: {zaken})",
            have.len(),
            have.len()
        );
    }
    Ok(have)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// Logs in as `naam` and returns the session cookie (`name=value`).
fn login(base: &str, naam: &str, password: &str) -> Result<String> {
    let r = agent()
        .post(format!("{base}/inloggen"))
        .send_form([("gebruiker", naam), ("wachtwoord", password)])
        .context("kan loep serve niet bereiken")?;
    if r.status().as_u16() != 303 {
        bail!("inloggen als {naam} gaf {}", r.status());
    }
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .context("het inloggen zette geen cookie")?;
    Ok(cookie.to_string())
}

struct Measured {
    latencies: Vec<Duration>,
    failures: usize,
    wall: Duration,
}

/// `clients` threads, each with its own session, request `requests` paths in all (round robin
/// over `paths`); the latency of every request.
fn load(base: &str, cookies: &[String], paths: &[String], requests: usize) -> Result<Measured> {
    let clients = cookies.len();
    let paths = Arc::new(paths.to_vec());
    let start = Instant::now();
    let handles: Vec<_> = cookies
        .iter()
        .enumerate()
        .map(|(c, cookie)| {
            let (base, cookie, paths) = (base.to_string(), cookie.clone(), paths.clone());
            let n = requests / clients + usize::from(c < requests % clients);
            std::thread::spawn(move || {
                let agent = agent();
                let mut lat = Vec::with_capacity(n);
                let mut failures = 0;
                for i in 0..n {
                    let path = &paths[(c + i * clients) % paths.len()];
                    let t = Instant::now();
                    let ok = agent
                        .get(format!("{base}{path}"))
                        .header("Cookie", &cookie)
                        .call()
                        .map(|mut r| {
                            let status = r.status().as_u16();
                            let _ = r.body_mut().read_to_vec();
                            status == 200
                        })
                        .unwrap_or(false);
                    lat.push(t.elapsed());
                    failures += usize::from(!ok);
                }
                (lat, failures)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(requests);
    let mut failures = 0;
    for h in handles {
        let (l, f) = h
            .join()
            .map_err(|_| anyhow::anyhow!("een belastingclient is gestopt"))?;
        latencies.extend(l);
        failures += f;
    }
    Ok(Measured {
        latencies,
        failures,
        wall: start.elapsed(),
    })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// Serves `project` in this process and measures the pages with `clients` concurrent clients.
pub fn measure(
    project: &Path,
    account: &str,
    password: &str,
    zaken: &[String],
    clients: usize,
    requests: usize,
) -> Result<()> {
    let (tx, rx) = std::sync::mpsc::channel();
    let dir = project.to_path_buf();
    std::thread::spawn(move || {
        let result = loep_web::serve(
            dir,
            "127.0.0.1:0".parse().expect("a constant address"),
            |a| {
                let _ = tx.send(a);
            },
        );
        if let Err(e) = result {
            eprintln!("bench web: de server is gestopt: {e:#}");
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .context("loep serve is niet gestart")?;
    let base = format!("http://{addr}");

    // What to request: pages of the queue, the addresses of the signals, the cases.
    let session = loep_app::session::login(project, loep_app::Mode::Read, account, password)?;
    let listing = loep_app::scan::listing(&session, &loep_app::scan::SignalFilter::default())?;
    let signals = listing.signals.len();
    let mut addresses: Vec<String> = listing
        .signals
        .iter()
        .map(|s| s.vbo_id.to_string())
        .collect();
    addresses.sort_unstable();
    addresses.dedup();
    drop(session);
    let pages = signals.div_ceil(50).max(1);
    let kinds = [
        Kind {
            naam: "wachtrij (/signalen?pagina=P)",
            paths: (1..=pages)
                .map(|p| format!("/signalen?pagina={p}"))
                .collect(),
        },
        Kind {
            naam: "adres (/adressen/{vbo_id})",
            paths: addresses.iter().map(|a| format!("/adressen/{a}")).collect(),
        },
        Kind {
            naam: "zaak (/zaken/{id})",
            paths: zaken.iter().map(|z| format!("/zaken/{z}")).collect(),
        },
        Kind {
            naam: "overzicht (/)",
            paths: vec!["/".to_string()],
        },
    ];
    println!(
        "bench web: {signals} signalen op {} adressen, {} zaken; {clients} clients, {requests} verzoeken per pagina",
        addresses.len(),
        zaken.len()
    );
    let t = Instant::now();
    let cookies = (0..clients)
        .map(|_| login(&base, account, password))
        .collect::<Result<Vec<_>>>()?;
    println!(
        "bench web: {clients} keer ingelogd in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    println!(
        "  {:<32} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9}",
        "pagina", "p50 ms", "p90 ms", "p99 ms", "max ms", "verz/s", "mislukt"
    );
    for k in kinds {
        if k.paths.is_empty() {
            println!("  {:<32} (niets op te vragen)", k.naam);
            continue;
        }
        // Warm up: every client once.
        load(&base, &cookies, &k.paths, clients)?;
        let mut m = load(&base, &cookies, &k.paths, requests)?;
        m.latencies.sort_unstable();
        println!(
            "  {:<32} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>9.1} {:>9}",
            k.naam,
            percentile(&m.latencies, 50.0),
            percentile(&m.latencies, 90.0),
            percentile(&m.latencies, 99.0),
            percentile(&m.latencies, 100.0),
            m.latencies.len() as f64 / m.wall.as_secs_f64(),
            m.failures
        );
    }
    Ok(())
}
