//! What a loaded table must show before it may replace the current snapshot: every line of
//! the file accounted for, at least one valid row, and no more rejected rows than the
//! project's limit. A table that fails refuses the whole delivery: a broken export never
//! replaces good data.

use loep_store::Project;

use super::{FileProblem, TableReport};
use crate::source::ReadCounts;

/// A share says nothing about a handful of rows (one typo in a table of 4 is 25%): the limit
/// applies to tables with at least this many rows in the area. A smaller table is refused
/// only when it has no valid row at all.
pub(super) const MIN_ROWS_FOR_SHARE: u64 = 100;

/// How many of the most frequent reasons a refusal lists.
const REASONS: usize = 5;

/// The project's limit on the share of rejected rows per table.
pub(super) fn max_afgewezen(project: &Project) -> f64 {
    project.config.intake.max_afgewezen
}

fn refused(file: &str, melding: String) -> FileProblem {
    FileProblem {
        bestand: file.to_string(),
        regel: None,
        kolom: None,
        melding,
    }
}

/// Every physical line is accounted for: the reader read the whole file and every line is the
/// header, part of a record, or blank; and every record was loaded, rejected or lies outside
/// the area.
pub(super) fn reconciles(report: &TableReport, counts: &ReadCounts) -> Result<(), FileProblem> {
    let accounted = report.rijen_geladen + report.rijen_afgewezen + report.rijen_buiten_gebied;
    if counts.complete
        && counts.reconciles()
        && counts.records == report.rijen_gelezen
        && report.rijen_gelezen == accounted
    {
        return Ok(());
    }
    Err(refused(
        &report.bestand,
        format!(
            "niet elke regel is verantwoord: {} regels gelezen ({} kopregel, {} in {} rijen, {} leeg{}), {} rijen verwerkt: {} geladen, {} afgewezen, {} buiten het projectgebied. Er is niets geladen; meld dit aan de beheerder van loep met het bestand",
            counts.lines,
            counts.header_lines,
            counts.record_lines,
            counts.records,
            counts.blank_lines,
            if counts.complete {
                ""
            } else {
                ", niet tot het einde gelezen"
            },
            report.rijen_gelezen,
            report.rijen_geladen,
            report.rijen_afgewezen,
            report.rijen_buiten_gebied,
        ),
    ))
}

/// `12,5` for 0.125.
fn percent(share: f64) -> String {
    format!("{:.1}", share * 100.0).replace('.', ",")
}

/// A table without rows, with no valid row (rows in the area, all rejected), or with more
/// rejected rows than `limit` allows, refuses the delivery. (Valid rows that all lie outside
/// the area are not a broken export: the area simply has none.) The problems name the table, the counts and the limit, then the most frequent
/// reasons (`reasons`: `(column, reason, count)`).
pub(super) fn within_limits(
    report: &TableReport,
    limit: f64,
    reasons: &[(String, String, u64)],
) -> Result<(), Vec<FileProblem>> {
    let file = &report.bestand;
    let tail = "Een tabel die zo binnenkomt vervangt nooit de huidige gegevens: de hele levering is geweigerd en er is niets van geladen. Herstel de export en lever opnieuw";
    let in_area = report.rijen_geladen + report.rijen_afgewezen;
    let first = if report.rijen_gelezen == 0 {
        format!(
            "{} bevat geen enkele rij, alleen een kopregel. {tail}",
            report.tabel
        )
    } else if report.rijen_geladen == 0 && report.rijen_afgewezen > 0 {
        format!(
            "{} heeft geen enkele geldige rij in het projectgebied: {} rijen gelezen, 0 geladen, {} afgewezen, {} buiten het projectgebied. {tail}",
            report.tabel, report.rijen_gelezen, report.rijen_afgewezen, report.rijen_buiten_gebied
        )
    } else if in_area >= MIN_ROWS_FOR_SHARE
        && report.rijen_afgewezen as f64 > limit * in_area as f64
    {
        format!(
            "{} heeft te veel afgewezen rijen: {} van de {} rijen in het projectgebied ({}%), meer dan de grens van {}% van dit project (max_afgewezen in loep.toml); {} rijen geladen, {} buiten het projectgebied. {tail}",
            report.tabel,
            report.rijen_afgewezen,
            in_area,
            percent(report.rijen_afgewezen as f64 / in_area as f64),
            percent(limit),
            report.rijen_geladen,
            report.rijen_buiten_gebied,
        )
    } else {
        return Ok(());
    };
    let mut problems = vec![refused(file, first)];
    for (column, reason, n) in reasons.iter().take(REASONS) {
        problems.push(FileProblem {
            bestand: file.clone(),
            regel: None,
            kolom: Some(column.clone()),
            melding: format!("{n} rijen afgewezen: {reason}"),
        });
    }
    Err(problems)
}
