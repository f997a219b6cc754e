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

impl Progress for BarProgress {
    fn table_started(&self, table: &str, total: u64) {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{msg:>22} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(table.to_string());
        if let Ok(mut b) = self.bar.lock() {
            if let Some(old) = b.take() {
                old.finish_and_clear();
            }
            *b = Some(bar);
        }
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
        None => {
            println!("This delivery was loaded before: nothing changed, nothing was loaded again.");
            for t in &r.tabellen {
                println!("  {:<24} unchanged (snapshot {})", t.tabel, t.snapshot_id);
            }
            return;
        }
        Some(id) => println!(
            "Delivery {id} loaded{}.",
            r.partner
                .as_ref()
                .map(|p| format!(" from {p}"))
                .unwrap_or_default()
        ),
    }
    println!(
        "  {:<24} {:>10} {:>10} {:>10} {:>12}",
        "table", "read", "loaded", "rejected", "outside area"
    );
    for t in &r.tabellen {
        if t.uitkomst == Outcome::Unchanged {
            println!("  {:<24} unchanged (snapshot {})", t.tabel, t.snapshot_id);
        } else {
            println!(
                "  {:<24} {:>10} {:>10} {:>10} {:>12}",
                t.tabel, t.rijen_gelezen, t.rijen_geladen, t.rijen_afgewezen, t.rijen_buiten_gebied
            );
        }
    }
    if r.afwijzingen_totaal > 0 {
        println!();
        println!(
            "{} values were rejected (identifying values are masked here):",
            r.afwijzingen_totaal
        );
        for (reason, n) in r.afwijzingen_per_reden.iter().take(15) {
            println!("  {n:>8} x {reason}");
        }
        println!("First rejected rows:");
        for x in &r.afwijzingen {
            println!(
                "  {} line {}, column {}: '{}': {}",
                x.bestand, x.regel, x.kolom, x.waarde, x.reden
            );
        }
        if let Some(p) = &r.afwijzingen_rapport {
            println!(
                "Full report: {}. Send it to the partner to correct and redeliver those rows.",
                dir.join(p).display()
            );
        }
    }
}

/// The linkage run that follows an intake.
pub fn print_links(k: &LinkReport) {
    if k.ongewijzigd {
        println!(
            "Linkage: the linked sources did not change; run {} stands.",
            k.koppeling_id
        );
        return;
    }
    println!(
        "Linkage {} (pseudonymous results in the analysis store; names were read in the vault only):",
        k.koppeling_id
    );
    print_link_lines(k);
}

fn print_link_lines(k: &LinkReport) {
    for p in &k.personen {
        println!(
            "  {:<18} {:>8} persons: {:>7} by BSN pseudonym, {:>7} by name, birth date and address, {:>5} for clerical review, {:>6} not linked",
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
            "  {:<18} {:>8} addresses: {:>7} coded by the source, {:>7} matched to a BAG object, {:>6} not ({})",
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

pub fn print_status(s: &ProjectStatus) {
    println!("Project   {}", s.naam);
    println!("Gebied    {}", s.gebied.join(", "));
    println!("Doel      {}", s.doel);
    println!("Grondslag {}", s.grondslag);
    println!("Periode   {} t/m {}", s.periode.0, s.periode.1);
    println!("Partners  {}", s.partners.join(", "));
    match &s.goedkeuring {
        None => println!(
            "Approval  none: intake is refused until the privacy officer runs `loep approve`"
        ),
        Some(a) if !a.geldig => println!(
            "Approval  WITHDRAWN: loep.toml changed after the approval of {}",
            a.tijdstip
        ),
        Some(a) => println!("Approval  {} on {} (DPIA {})", a.door, a.tijdstip, a.dpia),
    }
    println!();
    println!("Deliveries ({}):", s.leveringen.len());
    for d in &s.leveringen {
        println!(
            "  {}  {}  partner {}  peildatum {}  {} tables",
            d.levering_id,
            d.tijdstip,
            d.partner.as_deref().unwrap_or("-"),
            d.peildatum.as_deref().unwrap_or("-"),
            d.snapshots.len()
        );
    }
    println!();
    println!(
        "  {:<24} {:<32} {:>10} {:>10} {:>12} {:>6}",
        "table", "current snapshot", "rows", "rejected", "outside area", "older"
    );
    for t in &s.tabellen {
        println!(
            "  {:<24} {:<32} {:>10} {:>10} {:>12} {:>6}",
            t.tabel, t.snapshot_id, t.rijen, t.afgewezen, t.buiten_gebied, t.oudere_snapshots
        );
    }
    println!();
    match &s.koppeling {
        None => println!("Linkage: none yet (it runs after every intake)."),
        Some(k) => match serde_json::from_str::<LinkReport>(&k.samenvatting) {
            Ok(report) => {
                println!("Linkage {} of {}:", k.koppeling_id, k.tijdstip);
                print_link_lines(&report);
                println!(
                    "  person links in {}, addresses in {} (status `beoordelen`: the clerical-review list)",
                    k.pad_personen, k.pad_adressen
                );
            }
            Err(_) => println!("Linkage {} of {}", k.koppeling_id, k.tijdstip),
        },
    }
    println!();
    println!(
        "Processing log: {} records (check with `loep log verify`).",
        s.logregels
    );
}

pub fn print_synth(s: &loep_synth::Summary, out: &Path, secs: f64) {
    println!(
        "Generated {} persons in {} objects in {:.1} s: {}/levering (deliver with `loep intake`) and {}/truth.",
        s.persons,
        s.dwellings,
        secs,
        out.display(),
        out.display()
    );
    println!("  {:<24} {:>10}", "table", "rows");
    for (t, n) in &s.tables {
        println!("  {t:<24} {n:>10}");
    }
    println!("  {:<28} {:>6} {:>7}", "theme", "cases", "decoys");
    for (t, cases, decoys) in &s.themes {
        println!("  {t:<28} {cases:>6} {decoys:>7}");
    }
    if s.dirty_rows > 0 {
        println!(
            "  {} rows carry an invalid value (truth/dirty.csv).",
            s.dirty_rows
        );
    }
}

/// What a retention run destroyed (or would destroy), in a few lines.
pub fn retention_summary(r: &loep_app::retention::RetentionReport) -> String {
    let verb = if r.dry_run {
        "would destroy"
    } else {
        "destroyed"
    };
    let mut out = format!("Retention (signals older than {}):", r.signalen_voor);
    let signals: u64 = r.signalen.iter().map(|d| d.aantal).sum();
    out.push_str(&format!(
        "\n  signals: {verb} {signals} of {} run(s)",
        r.signalen.len()
    ));
    if r.identiteiten_termijn_verstreken {
        let ids: u64 = r.identiteiten.iter().map(|d| d.aantal).sum();
        out.push_str(&format!(
            "\n  identities of persons without a signal (the project has ended): {verb} {ids} row(s) in {} vault file(s)",
            r.identiteiten.iter().filter(|d| d.aantal > 0).count()
        ));
        if let Some(a) = &r.afwijzingen {
            out.push_str(&format!(
                "\n  rejected rows kept in full: {verb} {}",
                a.aantal
            ));
        }
    } else {
        out.push_str(
            "\n  identities: kept while the project runs (and its grace period after the end)",
        );
    }
    if !r.dry_run && r.destroyed_anything() {
        out.push_str("\n  Each destruction is in the processing log with its count and SHA-256.");
    }
    out
}
