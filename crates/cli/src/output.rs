//! What the terminal shows.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use loep_app::intake::{IntakeReport, LinkReport, Outcome, Progress};
use loep_app::types::ProjectStatus;
use std::path::Path;
use std::sync::Mutex;

/// A progress bar per table; draws nothing when stderr is not a terminal.
pub struct BarProgress {
    bar: Mutex<Option<ProgressBar>>,
}

impl BarProgress {
    pub fn new() -> BarProgress {
        BarProgress {
            bar: Mutex::new(None),
        }
    }

    pub fn clear(&self) {
        if let Ok(mut b) = self.bar.lock()
            && let Some(bar) = b.take()
        {
            bar.finish_and_clear();
        }
    }
}

/// A spinner with the step's name and the time spent, on stderr; hidden when stderr is not a
/// terminal. For steps whose size is not known beforehand.
pub fn spinner(msg: impl Into<String>) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message(msg.into());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

impl BarProgress {
    fn replace(&self, bar: ProgressBar) {
        if let Ok(mut b) = self.bar.lock() {
            if let Some(old) = b.take() {
                old.finish_and_clear();
            }
            *b = Some(bar);
        }
    }
}

impl loep_app::scan::ScanProgress for BarProgress {
    fn indicator(&self, done: usize, total: usize, code: &str) {
        let mut guard = match self.bar.lock() {
            Ok(g) => g,
            Err(_) => return,
        };
        let bar = guard.get_or_insert_with(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{msg:>10} [{bar:30}] {pos}/{len} indicatoren ({elapsed})",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        bar.set_message(code.to_string());
        bar.set_position(done as u64);
    }
}

impl Progress for BarProgress {
    fn step(&self, what: &str) {
        self.replace(spinner(what.to_string()));
    }

    fn table_started(&self, table: &str, total: u64) {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{msg:>22} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} nog {eta}",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(table.to_string());
        self.replace(bar);
    }

    fn advanced(&self, position: u64) {
        if let Ok(b) = self.bar.lock()
            && let Some(bar) = b.as_ref()
        {
            bar.set_position(position);
        }
    }

    fn table_finished(&self, _table: &str) {
        self.clear();
    }
}

pub fn print_intake(r: &IntakeReport, dir: &Path) {
    print_delivery(r, dir);
    if let Some(k) = &r.koppeling {
        print_links(k);
    }
}

fn print_delivery(r: &IntakeReport, dir: &Path) {
    match &r.levering_id {
        None if r.proef => println!(
            "Proef: deze levering is gelezen en gecontroleerd zoals bij het laden; er is niets geladen of veranderd."
        ),
        None => {
            println!(
                "Deze levering is al eerder geladen: er is niets veranderd en niets opnieuw geladen."
            );
            for t in &r.tabellen {
                println!("  {:<24} ongewijzigd (stand {})", t.tabel, t.snapshot_id);
            }
            return;
        }
        Some(id) => println!(
            "Levering {id} geladen{}.",
            r.partner
                .as_ref()
                .map(|p| format!(" van {p}"))
                .unwrap_or_default()
        ),
    }
    println!(
        "  {:<24} {:>10} {:>10} {:>10} {:>12}",
        "tabel", "gelezen", "geladen", "afgewezen", "buiten gebied"
    );
    for t in &r.tabellen {
        if t.uitkomst == Outcome::Unchanged {
            println!("  {:<24} ongewijzigd (stand {})", t.tabel, t.snapshot_id);
        } else {
            println!(
                "  {:<24} {:>10} {:>10} {:>10} {:>12}",
                t.tabel, t.rijen_gelezen, t.rijen_geladen, t.rijen_afgewezen, t.rijen_buiten_gebied
            );
        }
    }
    if r.tabellen.iter().any(|t| !t.bron.is_empty()) {
        println!();
        println!("Omgezet uit de vorm waarin de bron publiceert:");
        for t in &r.tabellen {
            for line in &t.bron {
                println!("  {} / {line}", t.bestand);
            }
        }
    }
    if r.tabellen.iter().any(|t| !t.lezingen.is_empty()) {
        println!();
        println!("Gelezen in een andere notatie dan die van het contract:");
        for t in &r.tabellen {
            for (what, n) in &t.lezingen {
                println!("  {} / {what}: {n}x", t.bestand);
            }
        }
    }
    print_changes(r);
    if r.afwijzingen_totaal > 0 {
        println!();
        println!(
            "{} {} afgewezen (identificerende waarden zijn hier gemaskeerd):",
            r.afwijzingen_totaal,
            if r.afwijzingen_totaal == 1 {
                "waarde is"
            } else {
                "waarden zijn"
            }
        );
        for (reason, n) in r.afwijzingen_per_reden.iter().take(15) {
            println!("  {n:>8} x {reason}");
        }
        println!("De eerste afgewezen rijen:");
        for x in &r.afwijzingen {
            println!(
                "  {} regel {}, kolom {}: '{}': {}",
                x.bestand, x.regel, x.kolom, x.waarde, x.reden
            );
        }
        if let Some(p) = &r.afwijzingen_rapport {
            println!(
                "Het hele verslag: {}. Stuur het naar de partner om die rijen te verbeteren en opnieuw te leveren.",
                dir.join(p).display()
            );
        }
    }
}

/// What each new snapshot changes against the one it replaces: rows added, changed and
/// removed, and the previous rows kept in force because their new row was rejected.
fn print_changes(r: &IntakeReport) {
    let changed: Vec<_> = r
        .tabellen
        .iter()
        .filter_map(|t| t.wijzigingen.as_ref().map(|w| (t, w)))
        .collect();
    if changed.is_empty() {
        return;
    }
    println!();
    println!("Tegenover de vorige levering:");
    println!(
        "  {:<24} {:>10} {:>10} {:>11} {:>12} {:>12}",
        "tabel", "nieuw", "gewijzigd", "ongewijzigd", "verwijderd", "overgenomen"
    );
    for (t, w) in &changed {
        println!(
            "  {:<24} {:>10} {:>10} {:>11} {:>12} {:>12}",
            t.tabel,
            w.rijen_toegevoegd,
            w.rijen_gewijzigd,
            w.rijen_ongewijzigd,
            w.rijen_verwijderd,
            w.overgenomen.len()
        );
    }
    for (t, w) in &changed {
        if !w.overgenomen.is_empty() {
            println!(
                "{} / {}: de rij is afgewezen, de gegevens uit de vorige levering ({}) blijven gelden:",
                t.bestand, t.tabel, w.vorige_snapshot
            );
            for c in &w.overgenomen {
                println!("  regel {}: {}", c.regel, c.sleutel);
            }
        }
        if w.rijen_verwijderd > 0 {
            println!(
                "{} / {}: {} {} van de vorige levering niet meer geleverd en dus verwijderd{}:",
                t.bestand,
                t.tabel,
                w.rijen_verwijderd,
                if w.rijen_verwijderd == 1 {
                    "rij is"
                } else {
                    "rijen zijn"
                },
                if w.rijen_verwijderd > w.verwijderd.len() as u64 {
                    format!(" (de eerste {})", w.verwijderd.len())
                } else {
                    String::new()
                }
            );
            for k in &w.verwijderd {
                println!("  {k}");
            }
        }
    }
}

/// The linkage run that follows an intake.
pub fn print_links(k: &LinkReport) {
    if k.ongewijzigd {
        println!(
            "Koppeling: de gekoppelde bronnen zijn niet veranderd; koppeling {} blijft staan.",
            k.koppeling_id
        );
        return;
    }
    println!(
        "Koppeling {} (de uitkomsten staan gepseudonimiseerd in de analyseopslag; namen zijn alleen in de kluis gelezen):",
        k.koppeling_id
    );
    print_link_lines(k);
}

fn print_link_lines(k: &LinkReport) {
    for p in &k.personen {
        println!(
            "  {:<18} {:>8} personen: {:>7} via BSN-pseudoniem, {:>7} via naam, geboortedatum en adres, {:>5} te beoordelen, {:>6} niet gekoppeld",
            p.bron, p.records, p.via_bsn, p.via_naam, p.beoordelen, p.niet_gekoppeld
        );
    }
    for a in &k.adressen {
        let unmatched: u64 = a.niet_gekoppeld.values().sum();
        let reasons: Vec<String> = a
            .niet_gekoppeld
            .iter()
            .map(|(r, n)| format!("{n} {r}"))
            .collect();
        println!(
            "  {:<18} {:>8} adressen: {:>7} gecodeerd door de bron, {:>7} gekoppeld aan een BAG-object, {:>6} niet ({})",
            a.bron,
            a.records,
            a.door_bron,
            a.gekoppeld,
            unmatched,
            if reasons.is_empty() {
                "-".to_string()
            } else {
                reasons.join(", ")
            }
        );
    }
}

/// A table for the terminal: columns sized to their content, numbers right-aligned.
pub fn table(header: &[&str], right: &[usize]) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
        .set_header(header.iter().copied());
    for &i in right {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(comfy_table::CellAlignment::Right);
        }
    }
    t
}

/// `loep status`, in Dutch: the project, its approval, deliveries, tables, linkage and scans.
pub fn print_status(s: &ProjectStatus) {
    use loep_contract::nl::{getal, tijdstip};
    println!("Project     {}", s.naam);
    println!("Gebied      {}", s.gebied.join(", "));
    println!("Doel        {}", s.doel);
    println!("Grondslag   {}", s.grondslag);
    println!("Periode     {} t/m {}", s.periode.0, s.periode.1);
    println!("Partners    {}", s.partners.join(", "));
    match &s.goedkeuring {
        None => println!(
            "Goedkeuring geen: leveringen worden geweigerd tot de functionaris gegevensbescherming `loep approve` geeft"
        ),
        Some(a) if !a.geldig => println!(
            "Goedkeuring INGETROKKEN: loep.toml is gewijzigd na de goedkeuring van {}",
            tijdstip(&a.tijdstip)
        ),
        Some(a) => println!(
            "Goedkeuring door {} op {} (DPIA {})",
            a.door,
            tijdstip(&a.tijdstip),
            a.dpia
        ),
    }
    println!();
    println!("Leveringen ({}):", s.leveringen.len());
    if !s.leveringen.is_empty() {
        let mut t = table(
            &["levering", "ontvangen", "partner", "peildatum", "tabellen"],
            &[4],
        );
        for d in &s.leveringen {
            t.add_row(vec![
                d.levering_id.clone(),
                tijdstip(&d.tijdstip),
                d.partner.clone().unwrap_or_else(|| "-".into()),
                d.peildatum.clone().unwrap_or_else(|| "-".into()),
                d.snapshots.len().to_string(),
            ]);
        }
        println!("{t}");
    }
    println!();
    println!("Tabellen ({}):", s.tabellen.len());
    if !s.tabellen.is_empty() {
        let mut t = table(
            &[
                "tabel",
                "huidige snapshot",
                "rijen",
                "waarvan overgenomen",
                "afgewezen",
                "buiten gebied",
                "oudere snapshots",
            ],
            &[2, 3, 4, 5, 6],
        );
        for r in &s.tabellen {
            t.add_row(vec![
                r.tabel.clone(),
                r.snapshot_id.clone(),
                getal(r.rijen as f64, 0),
                getal(r.overgenomen as f64, 0),
                getal(r.afgewezen as f64, 0),
                getal(r.buiten_gebied as f64, 0),
                r.oudere_snapshots.to_string(),
            ]);
        }
        println!("{t}");
    }
    println!();
    match &s.koppeling {
        None => println!("Koppeling: nog niet (die loopt na elke levering)."),
        Some(k) => match serde_json::from_str::<LinkReport>(&k.samenvatting) {
            Ok(report) => {
                println!(
                    "Koppeling {} van {}:",
                    k.koppeling_id,
                    tijdstip(&k.tijdstip)
                );
                print_link_lines(&report);
                println!(
                    "  persoonskoppelingen in {}, adressen in {} (status `beoordelen`: de lijst voor handmatige beoordeling)",
                    k.pad_personen, k.pad_adressen
                );
            }
            Err(_) => println!("Koppeling {} van {}", k.koppeling_id, tijdstip(&k.tijdstip)),
        },
    }
    println!();
    println!("Scans ({}):", s.scans.len());
    if s.scans.is_empty() {
        println!("  nog geen: `loep scan` draait de indicatoren (analist).");
    } else {
        let mut t = table(
            &["scan", "tijdstip", "indicatoren", "signalen", "adressen"],
            &[2, 3, 4],
        );
        for r in &s.scans {
            let indicatoren = serde_json::from_str::<serde_json::Value>(&r.indicatoren)
                .ok()
                .and_then(|v| {
                    v.as_array()
                        .map(Vec::len)
                        .or(v.as_object().map(|o| o.len()))
                })
                .map(|n| n.to_string())
                .unwrap_or_else(|| "-".into());
            t.add_row(vec![
                r.run_id.clone(),
                tijdstip(&r.tijdstip),
                indicatoren,
                getal(r.signalen as f64, 0),
                getal(r.adressen as f64, 0),
            ]);
        }
        println!("{t}");
        println!("  `loep signals PROJECTMAP --run SCAN` toont de signalen van een scan.");
    }
    println!();
    println!(
        "Verwerkingslog: {} regels (controleer met `loep log verify`).",
        s.logregels
    );
}

pub fn print_synth(s: &loep_synth::Summary, out: &Path, secs: f64) {
    println!(
        "{} personen in {} verblijfsobjecten gegenereerd in {:.1} s: {}/levering (laden met `loep intake`) en {}/truth.",
        s.persons,
        s.dwellings,
        secs,
        out.display(),
        out.display()
    );
    println!("  {:<24} {:>10}", "tabel", "rijen");
    for (t, n) in &s.tables {
        println!("  {t:<24} {n:>10}");
    }
    println!("  {:<28} {:>8} {:>11}", "thema", "gevallen", "lijkt-erops");
    for (t, cases, decoys) in &s.themes {
        println!("  {t:<28} {cases:>8} {decoys:>11}");
    }
    if s.dirty_rows > 0 {
        println!(
            "  {} rijen hebben een ongeldige waarde (truth/dirty.csv).",
            s.dirty_rows
        );
    }
}

/// `1 scan`, `2 scans`: a count with its noun in the right number.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What a retention run destroyed (or would destroy), in a few lines.
pub fn retention_summary(r: &loep_app::retention::RetentionReport) -> String {
    let verb = if r.dry_run {
        "te vernietigen"
    } else {
        "vernietigd"
    };
    let mut out = format!("Bewaartermijnen (signalen van vóór {}):", r.signalen_voor);
    let signals: u64 = r.signalen.iter().map(|d| d.aantal).sum();
    out.push_str(&format!(
        "\n  signalen: {} {verb}, uit {}",
        count(signals, "signaal", "signalen"),
        count(r.signalen.len() as u64, "scan", "scans")
    ));
    if let Some(m) = r.meldingen.as_ref().filter(|m| m.aantal > 0) {
        out.push_str(&format!(
            "\n  meldingen van bewoners, ontvangen vóór die datum: {} {verb}",
            count(m.aantal, "melding", "meldingen")
        ));
    }
    if r.identiteiten_termijn_verstreken {
        let ids: u64 = r.identiteiten.iter().map(|d| d.aantal).sum();
        out.push_str(&format!(
            "\n  identiteiten van personen zonder signaal (het project is afgelopen): {} {verb}, in {}",
            count(ids, "rij", "rijen"),
            count(
                r.identiteiten.iter().filter(|d| d.aantal > 0).count() as u64,
                "kluisbestand",
                "kluisbestanden"
            )
        ));
        if let Some(a) = &r.afwijzingen {
            out.push_str(&format!(
                "\n  volledig bewaarde afgewezen rijen: {} {verb}",
                count(a.aantal, "rij", "rijen")
            ));
        }
    } else {
        out.push_str(
            "\n  identiteiten: bewaard zolang het project loopt (en de termijn na het einde)",
        );
    }
    if !r.dry_run && r.destroyed_anything() {
        out.push_str(
            "\n  Elke vernietiging staat in het verwerkingslog, met het aantal en de SHA-256.",
        );
    }
    out
}
