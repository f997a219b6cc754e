//! `loep catalogue`, `loep scan`, `loep signals`, `loep evaluate`, `loep fairness`.

use anyhow::{Context, Result, bail};
use clap::{Subcommand, ValueEnum};
use loep_app::Session;
use loep_app::scan::SignalFilter;
use std::path::Path;
use std::process::ExitCode;

// The doc comments of the clap types in this module are the user's help text (Dutch).
#[derive(Subcommand)]
pub enum CatalogueCommand {
    /// Eén indicator volledig: doel, grondslag, onderbouwing, wat hij leest, parameters, SQL.
    Show { code: String },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Per adres, in volgorde, met de uitleg van de signalen (om te lezen).
    Table,
    /// CSV met `,` en `.` (voor programma's), met `adres` en `buurt`.
    Csv,
    /// CSV voor Excel NL: `;`, decimale komma, BOM, CRLF, kenmerken van 16 cijfers heel,
    /// Nederlandse kolomnamen.
    CsvNl,
    /// De scan, de signalen en de adressen in volgorde, als JSON.
    Json,
    /// Een Excel-werkmap: overzicht, een blad per thema, kenmerken als tekst (vraagt --out).
    Xlsx,
    /// GeoJSON van de gemarkeerde adressen in RD-coördinaten (EPSG:28992), voor QGIS.
    Geojson,
    /// GeoJSON van de buurten: vlakken en gemarkeerde adressen, aantallen onder 10 weggelaten.
    GeojsonBuurten,
    /// Parquet voor Power BI: één getypeerde rij per signaal (vraagt --out).
    Parquet,
    /// Parquet voor Power BI: één rij per gemarkeerd adres, met zijn profiel (vraagt --out).
    ParquetAdressen,
    /// Een kaart (SVG) van gemarkeerde adressen per 1.000 adressen per buurt; aantallen onder
    /// 10 gearceerd.
    Kaart,
}

pub fn catalogue(cmd: Option<CatalogueCommand>, json: bool) -> Result<ExitCode> {
    let c = loep_app::scan::catalogue()?;
    match cmd {
        Some(CatalogueCommand::Show { code }) => {
            // `ovb-01` and ` OVB-01 ` name the same indicator as `OVB-01`.
            let wanted = code.trim().to_uppercase();
            let Some(i) = c.get(&wanted) else {
                bail!(
                    "er is geen indicator {code}; `loep catalogue` toont ze ({})",
                    c.indicators
                        .iter()
                        .map(|i| i.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            };
            if json {
                println!("{}", serde_json::to_string_pretty(i)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!("{} versie {}: {}", i.code, i.versie, i.titel);
            println!("Thema:          {}", i.thema);
            println!(
                "Partners:       {}",
                i.partners()
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            println!("Beschrijving:   {}", i.beschrijving);
            println!("Onderbouwing:   {}", i.onderbouwing);
            println!("Doel:           {}", i.doel);
            println!("Grondslag:      {}", i.grondslag);
            println!("Niet bedoeld:   {}", i.niet_bedoeld);
            println!("Leest:");
            for (t, cols) in &i.leest {
                let optioneel = if i.optioneel.contains(t) {
                    " (aanvullend)"
                } else {
                    ""
                };
                println!("  {t}{optioneel}: {}", cols.join(", "));
            }
            for (naam, cols) in &i.afgeleid {
                if let Some(b) = i.bouwstenen.iter().find(|b| &b.naam == naam) {
                    println!(
                        "  afgeleide gegevens {naam} (versie {}, {}): {}",
                        b.versie,
                        b.titel,
                        cols.join(", ")
                    );
                }
            }
            println!("Leest via afgeleide gegevens:");
            for (t, cols) in i.alle_leest() {
                if !i.leest.contains_key(&t) {
                    println!("  {t}: {}", cols.join(", "));
                }
            }
            println!("Parameters:");
            for (k, p) in &i.parameters {
                println!(
                    "  {k} = {}: {}",
                    loep_app::scan::format_number(p.standaard),
                    p.betekenis
                );
            }
            println!("Uitleg:         {}", i.uitleg_sjabloon());
            println!("Marge:          {}", i.marge_sjabloon());
            println!("SQL:\n{}", i.sql.trim_end());
        }
        None => {
            if json {
                println!("{}", serde_json::to_string_pretty(&c.indicators)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{:<8} {:>5}  {:<30} {:<40} partners",
                "code", "versie", "thema", "titel"
            );
            for i in &c.indicators {
                let mut title = i.titel.clone();
                if title.chars().count() > 40 {
                    title = title.chars().take(39).collect::<String>() + "…";
                }
                println!(
                    "{:<8} {:>5}  {:<30} {:<40} {}",
                    i.code,
                    i.versie,
                    i.thema.short(),
                    title,
                    i.partners()
                        .iter()
                        .map(|p| p.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            println!(
                "{} indicatoren over {} thema's; `loep catalogue show CODE` toont er één volledig.",
                c.indicators.len(),
                c.indicators
                    .iter()
                    .map(|i| i.thema)
                    .collect::<std::collections::BTreeSet<_>>()
                    .len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn scan(session: &mut Session, json: bool, memory_limit: usize) -> Result<ExitCode> {
    let t = std::time::Instant::now();
    let progress = crate::output::BarProgress::new();
    let report = loep_app::scan::run(session, memory_limit, &progress);
    progress.clear();
    let report = report?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    print_scan(&report, t.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

/// `loep run certificaat`: the run's certificate and the checks that need no recomputation.
pub fn certificate(session: &Session, run: Option<&str>, json: bool) -> Result<ExitCode> {
    let v = loep_app::scan::certificate(session, run)?;
    print_verification(&v, json)
}

/// `loep run verifieer`: the run computed again from its certificate's sources; exit status
/// 0 only when it gives the certified signals and everything else holds.
pub fn verify(
    session: &Session,
    run: Option<&str>,
    json: bool,
    memory_limit: usize,
) -> Result<ExitCode> {
    let progress = crate::output::BarProgress::new();
    let v = loep_app::scan::verify_run(session, run, memory_limit, &progress);
    progress.clear();
    let v = v?;
    print_verification(&v, json)?;
    Ok(if v.bevestigd() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_verification(v: &loep_app::scan::Verificatie, json: bool) -> Result<ExitCode> {
    let c = &v.certificaat;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "certificaat": c,
                // The exact text whose SHA-256 the log names.
                "inhoud": v.inhoud,
                "sha256": v.certificaat_sha256,
                "controles": v.controles,
                "herberekend": v.herberekend,
                "intact": v.intact(),
            }))?
        );
    } else {
        println!(
            "Certificaat van scan {} (SHA-256 {})",
            c.run_id, v.certificaat_sha256
        );
        println!("  tijdstip:       {}", c.tijdstip);
        if c.achteraf {
            println!("  opgesteld:      achteraf, bij de upgrade (scan van een eerdere versie)");
        } else {
            println!("  loep:           {}", c.loep_versie);
        }
        if let Some(cat) = &c.catalogus_sha256 {
            println!("  catalogus:      {cat}");
        }
        println!(
            "  signalen:       {} op {} adressen, SHA-256 {}",
            c.signalen, c.adressen, c.signalen_sha256
        );
        println!("  bronnen:");
        for b in &c.bronnen {
            println!(
                "    {:<22} {:<36} {}",
                b.tabel,
                b.id,
                b.sha256.as_deref().unwrap_or("(hash onbekend)")
            );
        }
        println!("  indicatoren:");
        for i in &c.indicatoren {
            match &i.niet_gedraaid {
                None => println!(
                    "    {:<8} v{:<3} {:>8} signalen{}",
                    i.code,
                    i.versie,
                    i.signalen,
                    zonder(&i.zonder)
                ),
                Some(why) => println!("    {:<8} v{:<3} niet gedraaid: {why}", i.code, i.versie),
            }
        }
        println!("Controles:");
        for k in &v.controles {
            let mark = match k.klopt {
                Some(true) => "klopt",
                Some(false) => "KLOPT NIET",
                None => "niet te controleren",
            };
            println!("  {}: {mark}: {}", k.onderdeel, k.toelichting);
        }
    }
    Ok(if v.intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// ` (zonder gegevens van …)` for the optional tables an indicator ran without.
fn zonder(tables: &[String]) -> String {
    if tables.is_empty() {
        String::new()
    } else {
        format!(" (zonder gegevens van {})", tables.join(", "))
    }
}

/// A theme in words for the terminal.
pub fn theme(code: &str) -> String {
    loep_app::inzage::labels::theme_short(code)
}

/// Themes in words, comma-separated.
pub fn themes(themas: &[loep_contract::Thema]) -> String {
    themas
        .iter()
        .map(|t| theme(t.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn print_scan(report: &loep_app::scan::ScanReport, secs: f64) {
    println!(
        "Scan {}: {} signalen op {} adressen, {} verwonderadressen ({} s).",
        report.run_id,
        report.signalen,
        report.adressen,
        report.verwonderadressen,
        loep_contract::nl::getal(secs, 1)
    );
    println!("  {:<8} {:<30} {:>8}", "code", "thema", "signalen");
    for i in &report.indicatoren {
        match &i.niet_gedraaid {
            None => println!(
                "  {:<8} {:<30} {:>8}{}",
                i.code,
                theme(&i.thema),
                i.signalen,
                zonder(&i.zonder)
            ),
            Some(why) => println!(
                "  {:<8} {:<30} niet gedraaid: {why}",
                i.code,
                theme(&i.thema)
            ),
        }
    }
    if !report.top.is_empty() {
        println!(
            "Eerste adressen (op aantal partners met belang, dan thema's, dan partners met gegevens, dan sterkte):"
        );
        for (p, why) in report.top.iter().take(5) {
            let place = report.top_adressen.get(&p.vbo_id);
            println!(
                "  {}. {}{}: {} | partners: {}",
                p.rang,
                place_line(
                    &p.vbo_id,
                    place.and_then(|a| a.adres.as_deref()),
                    p.buurtcode.as_deref(),
                    place.and_then(|a| a.buurt.as_deref())
                ),
                if p.verwonderadres {
                    ", verwonderadres"
                } else {
                    ""
                },
                themes(&p.themas),
                loep_contract::Partner::codes(&p.partners).join(", ")
            );
            for w in why {
                println!("       - {w}");
            }
        }
    }
}

/// `Kerkstraat 12A, 2011AB (0392010000000001), buurt Oude Stad (BU03920101)`; the id alone
/// where the BAG holds no address.
fn place_line(
    vbo_id: &loep_contract::BagId,
    adres: Option<&str>,
    buurtcode: Option<&str>,
    buurt: Option<&str>,
) -> String {
    let mut s = match adres {
        Some(a) => format!("{a} ({vbo_id})"),
        None => vbo_id.to_string(),
    };
    match (buurt, buurtcode) {
        (Some(n), Some(c)) => s.push_str(&format!(", buurt {n} ({c})")),
        (None, Some(c)) => s.push_str(&format!(", buurt {c}")),
        _ => {}
    }
    s
}

pub fn signals(
    session: &Session,
    run: Option<&str>,
    format: Format,
    out: Option<&Path>,
) -> Result<ExitCode> {
    let binary = matches!(
        format,
        Format::Xlsx | Format::Parquet | Format::ParquetAdressen
    );
    if binary && out.is_none() {
        bail!(
            "--format {} schrijft een bestand dat niet voor een terminal is: geef --out BESTAND",
            format
                .to_possible_value()
                .map(|v| v.get_name().to_string())
                .unwrap_or_default()
        );
    }
    let filter = SignalFilter {
        run: run.map(str::to_string),
        ..SignalFilter::default()
    };
    let bar = out.map(|p| crate::output::spinner(format!("{} schrijven", p.display())));
    let l = loep_app::scan::listing(session, &filter)?;
    match out {
        Some(path) => {
            write_export_file(&l, format, path)?;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            eprintln!(
                "{} signalen op {} adressen geschreven naar {}.",
                l.signals.len(),
                l.profiles.len(),
                path.display()
            );
        }
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout());
            write_export(&l, format, &mut w)?;
            std::io::Write::flush(&mut w)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a listing in `format` to `w`.
fn write_export(
    l: &loep_app::scan::Listing,
    format: Format,
    w: &mut (dyn std::io::Write + Send),
) -> Result<()> {
    match format {
        Format::Csv => loep_app::scan::write_signals_csv(w, l)?,
        Format::CsvNl => loep_app::scan::write_signals_csv_nl(w, l)?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut *w, &l.to_json()?)?;
            writeln!(w)?;
        }
        Format::Geojson => {
            let (fc, without) = loep_app::scan::signals_geojson(l);
            serde_json::to_writer(&mut *w, &fc)?;
            writeln!(w)?;
            if without > 0 {
                eprintln!(
                    "{without} van de {} gemarkeerde adressen weggelaten: de BAG-levering heeft voor hen geen rd_x/rd_y.",
                    l.profiles.len()
                );
            }
        }
        Format::GeojsonBuurten => {
            serde_json::to_writer(&mut *w, &loep_app::scan::buurten_geojson(l))?;
            writeln!(w)?;
        }
        Format::Xlsx => loep_app::scan::write_signals_xlsx(w, l)?,
        Format::Parquet => loep_app::scan::write_signals_parquet(w, l)?,
        Format::ParquetAdressen => loep_app::scan::write_profiles_parquet(w, l)?,
        Format::Kaart => w.write_all(loep_app::scan::map_svg(l)?.as_bytes())?,
        Format::Table => print_signals(l, w)?,
    }
    Ok(())
}

/// Writes a listing in `format` to the file `path`, through a file beside it and moved into
/// place: an interrupted export never leaves half a file under the name.
pub fn write_export_file(l: &loep_app::scan::Listing, format: Format, path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("kan niet schrijven in {}", dir.display()))?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        write_export(l, format, &mut w)?;
        std::io::Write::flush(&mut w)
            .with_context(|| format!("kan {} niet schrijven", path.display()))?;
    }
    tmp.persist(path)
        .with_context(|| format!("kan {} niet schrijven", path.display()))?;
    Ok(())
}

fn print_signals(l: &loep_app::scan::Listing, w: &mut (dyn std::io::Write + Send)) -> Result<()> {
    writeln!(
        w,
        "Scan {} van {}: {} signalen op {} adressen",
        l.run.run_id,
        loep_contract::nl::tijdstip(&l.run.tijdstip),
        l.run.signalen,
        l.run.adressen
    )?;
    let mut by_address: std::collections::HashMap<
        loep_contract::BagId,
        Vec<&loep_app::scan::SignalRow>,
    > = std::collections::HashMap::new();
    for s in &l.signals {
        by_address.entry(s.vbo_id).or_default().push(s);
    }
    for p in &l.profiles {
        let buurtcode = l.addresses.buurt_of(&p.vbo_id, p.buurtcode.as_deref());
        let signals = by_address.get(&p.vbo_id);
        let belang =
            loep_app::scan::interested_partners(signals.into_iter().flatten().copied(), &l.team);
        writeln!(
            w,
            "{:>4}. {} | {} | gegevens van {} | belang: {}{}",
            p.rang,
            place_line(
                &p.vbo_id,
                l.addresses.adres(&p.vbo_id),
                buurtcode,
                l.addresses.buurtnaam(buurtcode)
            ),
            themes(&p.themas),
            loep_contract::Partner::codes(&p.partners).join(", "),
            belang.into_iter().collect::<Vec<_>>().join(", "),
            if p.verwonderadres {
                " | verwonderadres: samen op huisbezoek"
            } else {
                ""
            }
        )?;
        for s in signals.into_iter().flatten() {
            // The signal's id is what `loep reveal request` and `loep zaak new` ask for.
            writeln!(
                w,
                "        [{}] {} {}: {}",
                s.id(),
                s.indicator,
                theme(s.thema.code()),
                s.uitleg
            )?;
        }
    }
    Ok(())
}

pub fn evaluate(
    session: &Session,
    truth: &Path,
    run: Option<&str>,
    json: bool,
    out: Option<&Path>,
) -> Result<ExitCode> {
    if let Some(out) = out {
        let r = loep_app::scan::quality_report(session, truth, run, out)?;
        print_written(&r.files);
        return Ok(ExitCode::SUCCESS);
    }
    let (run, q) = loep_app::scan::evaluate(session, truth, run)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&q)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("Scan {} tegen {}:", run.run_id, truth.display());
    println!(
        "  {:<30} {:>7} {:>10} {:>6} {:>9} {:>7} {:>6} {:>8} {:>13}",
        "thema",
        "gepland",
        "gemarkeerd",
        "juist",
        "precisie",
        "recall",
        "F1",
        "gelijkend",
        "gemarkeerd"
    );
    for t in q.themas.iter().chain(std::iter::once(&q.verwonderadressen)) {
        println!(
            "  {:<30} {:>7} {:>10} {:>6} {:>9} {:>7} {:>6} {:>8} {:>13}",
            if t.thema == "verwonderadres" {
                "verwonderadressen".to_string()
            } else {
                theme(&t.thema)
            },
            t.gepland,
            t.gemarkeerd,
            t.juist,
            loep_contract::nl::getal(t.precision, 3),
            loep_contract::nl::getal(t.recall, 3),
            loep_contract::nl::getal(t.f1, 3),
            t.lokvogels,
            t.lokvogels_gemarkeerd
        );
    }
    if !q.varianten.is_empty() {
        println!(
            "Per variant en sterkte (eerlijke gevallen die erop lijken: gemarkeerd van gepland):"
        );
        println!(
            "  {:<30} {:<30} {:<7} {:>7} {:>10} {:>7}",
            "thema", "variant", "sterkte", "gepland", "gemarkeerd", "recall"
        );
        for v in &q.varianten {
            let share = if v.gepland == 0 {
                0.0
            } else {
                v.gemarkeerd as f64 / v.gepland as f64
            };
            println!(
                "  {:<30} {:<30} {:<7} {:>7} {:>10} {:>7}",
                theme(&v.thema),
                v.variant,
                if v.lokvogel { "gelijkend" } else { &v.sterkte },
                v.gepland,
                v.gemarkeerd,
                if v.lokvogel {
                    String::new()
                } else {
                    loep_contract::nl::getal(share, 3)
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn fairness(
    session: &Session,
    run: Option<&str>,
    json: bool,
    out: Option<&Path>,
) -> Result<ExitCode> {
    if let Some(out) = out {
        let r = loep_app::scan::fairness_report(session, run, out)?;
        print_written(&r.files);
        return Ok(ExitCode::SUCCESS);
    }
    let (run, f) = loep_app::scan::fairness(session, run)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&f)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "Scan {}: {} van de {} bewoners wonen op een gemarkeerd adres. Per groep het aandeel in de bevolking tegenover het aandeel onder de gemarkeerden; een dispariteit boven 1 betekent vaker gemarkeerd dan de omvang van de groep verklaart (niet berekend onder {} bewoners).",
        run.run_id,
        f.bewoners_gemarkeerd,
        f.bewoners,
        loep_app::scan::MIN_GROUP
    );
    println!(
        "  {:<10} {:<14} {:>9} {:>10} {:>11} {:>12} {:>11} {:>9} {:>10}",
        "dimensie",
        "groep",
        "bewoners",
        "gemarkeerd",
        "% bevolking",
        "% gemarkeerd",
        "dispariteit",
        "adressen",
        "gemarkeerd"
    );
    for g in &f.groepen {
        println!(
            "  {:<10} {:<14} {:>9} {:>10} {:>10.1}% {:>11.1}% {:>11} {:>9} {:>10}",
            g.dimensie,
            g.groep,
            g.bewoners,
            g.bewoners_gemarkeerd,
            100.0 * g.aandeel_bevolking,
            100.0 * g.aandeel_gemarkeerd,
            g.dispariteit.map_or("-".into(), |d| format!("{d:.2}")),
            g.adressen.map_or("-".into(), |a| a.to_string()),
            g.adressen_gemarkeerd.map_or("-".into(), |a| a.to_string()),
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// One line per file written.
pub fn print_written(files: &[std::path::PathBuf]) {
    for f in files {
        println!("Geschreven: {}", f.display());
    }
}
