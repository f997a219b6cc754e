//! Meldingen (cluster): several distinct residents' reports about one address, in the
//! categories an interventieteam works on, within some months (also across a year's end).
//! Look-alikes: nuisance of a renovation, a care institution, one resident who reports the same
//! thing again and again, reports spread over years.

use anyhow::Result;

use crate::municipality::{Dwelling, Gen, Strength};

const THEME: &str = "meldingen_cluster";

/// Every category of the contract an interventieteam works on (not `overig`).
const CATEGORIES: [&str; 7] = [
    "woonoverlast",
    "verdachte_bewoning",
    "overbewoning",
    "onderverhuur",
    "verloedering",
    "jeugdoverlast",
    "drugsoverlast",
];

/// Plants a case of meldingen_cluster, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, s: Strength, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    if decoy {
        let kind = g.rng.below(4);
        let (mut dw, variant) = match kind {
            0 => {
                let mut dw = g.household();
                let end = g.rng.range(10, 300) as i32;
                for _ in 0..g.rng.range(3, 6) {
                    let text = format!(
                        "Verbouwing: {} (nr {})",
                        *g.rng.pick(&[
                            "boren en breken",
                            "geluid van de aannemer",
                            "container voor de deur",
                            "stof en lawaai"
                        ]),
                        g.rng.range(1, 999)
                    );
                    let ago = end + g.rng.range(0, 60) as i32;
                    dw.reports.push((ago, "woonoverlast", text));
                }
                (dw, "verbouwing")
            }
            1 => {
                let area = g.rng.range(800, 2_000);
                let mut dw = g.new_dwelling("gezondheidszorgfunctie", area);
                let count = g.rng.range(15, 30);
                dw.residents = g.lodgers(count, crate::municipality::Living::Nothing);
                let end = g.rng.range(10, 300) as i32;
                for _ in 0..g.rng.range(3, 6) {
                    let cat = *g.rng.pick(&CATEGORIES);
                    let text = g.report_text();
                    dw.reports
                        .push((end + g.rng.range(0, 120) as i32, cat, text));
                }
                (dw, "zorginstelling")
            }
            2 => {
                let mut dw = g.household();
                let cat = *g.rng.pick(&CATEGORIES);
                let text = g.report_text();
                let end = g.rng.range(10, 300) as i32;
                for _ in 0..g.rng.range(3, 6) {
                    dw.reports
                        .push((end + g.rng.range(0, 150) as i32, cat, text.clone()));
                }
                dw.same_hand = true;
                (dw, "herhaalde_melding")
            }
            _ => {
                // Two or three reports spread over years.
                let mut dw = g.household();
                let mut ago = g.rng.range(10, 200) as i32;
                for _ in 0..g.rng.range(2, 3) {
                    let cat = *g.rng.pick(&CATEGORIES);
                    let text = g.report_text();
                    dw.reports.push((ago, cat, text));
                    ago += g.rng.range(300, 500) as i32;
                }
                (dw, "verspreid")
            }
        };
        g.mark_v(&mut dw, THEME, id, true, variant, s);
        out.push(dw);
        return Ok(out);
    }
    let mut dw = g.household();
    let n = s.pick(&mut g.rng, (6, 9), (4, 5), (3, 3));
    // Within a few months; sometimes around the turn of the year.
    let span = s.pick(&mut g.rng, (20, 90), (60, 150), (120, 170)) as i32;
    let newyear = g.rng.chance(0.3);
    let end = if newyear {
        let p = loep_contract::Datum::from_days(g.today);
        let jan1 = loep_contract::Datum {
            year: p.year,
            month: 1,
            day: 1,
        }
        .days_since_epoch()
        .unwrap_or(g.today - 100);
        (g.today - jan1 - 20).max(1)
    } else {
        g.rng.range(5, 300) as i32
    };
    for k in 0..n {
        let ago = if k == 0 {
            end
        } else if k == 1 {
            end + span
        } else {
            end + g.rng.range(0, span as u64) as i32
        };
        let cat = *g.rng.pick(&CATEGORIES);
        let text = g.report_text();
        dw.reports.push((ago, cat, text));
    }
    let variant = if newyear { "jaarwisseling" } else { "cluster" };
    g.mark_v(&mut dw, THEME, id, false, variant, s);
    out.push(dw);
    Ok(out)
}
