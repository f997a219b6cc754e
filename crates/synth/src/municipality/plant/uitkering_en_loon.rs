//! Uitkering en loon: wages in months a benefit that must be reduced for work (bijstand, WW,
//! ZW) was paid in full, for many months or even one. Look-alikes: the final pay of the old job
//! in the first month of the WW; bijstand already reduced for declared part-time pay; a job that
//! began when the benefit ended; WIA/WGA or Wajong with steady part-time work, which those
//! benefits are made to combine with.

use anyhow::Result;

use crate::municipality::{Dwelling, Gen, Living, Moonlight, Strength};

const THEME: &str = "uitkering_en_loon";

/// Plants a case of uitkering_en_loon, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, s: Strength, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    let months = g.months();
    let month_start = |k: usize| {
        months
            .get(k)
            .and_then(|(y, m)| {
                loep_contract::Datum {
                    year: *y,
                    month: *m,
                    day: 1,
                }
                .days_since_epoch()
            })
            .unwrap_or(0)
    };
    let mut dw = g.household_single('M', Living::Nothing);
    dw.residents[0].living = Living::Nothing;
    let variant;
    let m = if decoy {
        match g.rng.below(4) {
            0 => {
                // WW from mid-month k; the last pay of the old job in that month.
                let k = g.rng.range(1, 8) as usize;
                variant = "laatste_loon_eerste_ww_maand";
                Moonlight {
                    regeling: "ww",
                    start: month_start(k) + g.rng.range(0, 20) as i32,
                    end: None,
                    amount: 1_800,
                    months: vec![k],
                    wage: g.rng.range(900, 3_500),
                }
            }
            1 => {
                // Bijstand reduced for declared part-time pay.
                variant = "bijstand_verrekend";
                let wage = g.rng.range(300, 700);
                Moonlight {
                    regeling: "bijstand",
                    start: g.today - g.rng.range(500, 1_500) as i32,
                    end: None,
                    amount: 1_400 - wage,
                    months: (0..12).collect(),
                    wage,
                }
            }
            3 => {
                // WIA/WGA or Wajong beside steady part-time pay: lawful, and meant to be.
                let regeling = *g.rng.pick(&["wia", "wajong"]);
                variant = if regeling == "wia" {
                    "wia_met_deeltijdwerk"
                } else {
                    "wajong_met_deeltijdwerk"
                };
                Moonlight {
                    regeling,
                    start: g.today - g.rng.range(400, 1_500) as i32,
                    end: None,
                    amount: g.rng.range(900, 1_900),
                    months: (0..12).collect(),
                    wage: g.rng.range(500, 1_600),
                }
            }
            _ => {
                // The benefit ends in month k; the job begins the next day.
                let k = g.rng.range(3, 9) as usize;
                variant = "werk_na_uitkering";
                let end = month_start(k) + g.rng.range(5, 25) as i32;
                Moonlight {
                    regeling: ["ww", "zw", "bijstand"][g.rng.below(3) as usize],
                    start: end - g.rng.range(200, 600) as i32,
                    end: Some(end),
                    amount: if g.rng.chance(0.5) { 1_800 } else { 1_400 },
                    months: (k..12).collect(),
                    wage: g.rng.range(2_000, 3_000),
                }
            }
        }
    } else {
        let regeling = *g.rng.pick(&["ww", "bijstand", "zw"]);
        variant = regeling;
        let n = s.pick(&mut g.rng, (6, 10), (2, 4), (1, 1)) as usize;
        // The benefit runs over the whole year; wages in n months well inside it.
        let first = g.rng.range(1, (12 - n) as u64) as usize;
        let amount = match regeling {
            "bijstand" => 1_400,
            _ => g.rng.range(1_500, 2_400),
        };
        Moonlight {
            regeling,
            start: g.today - g.rng.range(400, 1_200) as i32,
            end: None,
            amount,
            months: (first..first + n).collect(),
            wage: s.pick(&mut g.rng, (1_500, 3_000), (600, 1_500), (250, 600)),
        }
    };
    dw.residents[0].moonlight = Some(m);
    g.mark_v(&mut dw, THEME, id, decoy, variant, s);
    out.push(dw);
    Ok(out)
}
