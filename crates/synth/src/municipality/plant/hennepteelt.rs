//! Hennepteelt: a home that uses far more electricity than its household and floor area
//! explain (gas use taken into account), sometimes with nobody registered, or a police
//! registration. Look-alikes: an all-electric home with a heat pump and no gas, an electric
//! car, a large household in a large home, shops, offices and workshops.

use anyhow::Result;

use crate::municipality::Strength;
use crate::municipality::{Dwelling, Gen, Living, Owner};

const THEME: &str = "hennepteelt";

/// Plants a case of hennepteelt, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, s: Strength, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    if decoy {
        let kind = g.rng.below(4);
        let (mut dw, variant) = match kind {
            0 => {
                // All-electric with a heat pump, and an electric car.
                let mut dw = g.household();
                dw.area = g.rng.range(110, 200);
                let n = dw.residents.len() as u64;
                let heat = 30 * dw.area;
                let car = g.rng.range(2_000, 3_500);
                let kwh = (900 + 650 * n + 12 * dw.area + heat + car) * g.rng.range(90, 115) / 100;
                dw.use_override = Some((kwh, 0, 10 + 44 * n));
                (dw, "warmtepomp_en_auto")
            }
            1 => {
                let mut dw = g.household();
                while dw.residents.len() < 6 {
                    let (vv, last) = (dw.residents[0].p.vv, dw.residents[0].p.last.clone());
                    let k = g.person('M', 0, 17, Some((vv, last)));
                    let rk = g.resident(k, Living::Child);
                    dw.residents.push(rk);
                }
                dw.area = g.rng.range(150, 260);
                let n = dw.residents.len() as u64;
                let kwh = (900 + 650 * n + 12 * dw.area) * g.rng.range(100, 130) / 100;
                dw.use_override = Some((kwh, g.rng.range(1_500, 2_500), 10 + 44 * n));
                (dw, "groot_gezin")
            }
            _ => {
                let (doelen, area) = match g.rng.below(3) {
                    0 => ("winkelfunctie", g.rng.range(80, 400)),
                    1 => ("industriefunctie", g.rng.range(200, 1_500)),
                    _ => ("woonfunctie|winkelfunctie", g.rng.range(100, 300)),
                };
                let mut dw = g.new_dwelling(doelen, area);
                if doelen.starts_with("woon") {
                    dw.residents = g.lodgers(1, Living::Wage(2_500));
                }
                dw.owner = Owner::Company(format!("{:08}", 76_000_000 + g.rng.below(9_000)));
                dw.use_override = Some((
                    g.rng.range(20_000, 90_000),
                    g.rng.range(0, 4_000),
                    g.rng.range(20, 200),
                ));
                (dw, "bedrijfspand")
            }
        };
        g.mark_v(&mut dw, THEME, id, true, variant, s);
        out.push(dw);
        return Ok(out);
    }
    let kind = g.rng.below(3);
    let (mut dw, variant) = match kind {
        0 | 1 => {
            let empty = kind == 1;
            let mut dw = if empty {
                let area = g.rng.range(50, 110);
                g.new_dwelling("woonfunctie", area)
            } else {
                g.household()
            };
            let n = dw.residents.len() as u64;
            let normal = 900 + 650 * n + 12 * dw.area;
            // The grow's own use on top of the household's.
            let grow = s.pick(
                &mut g.rng,
                (20_000, 60_000),
                (9_000, 16_000),
                (5_500, 8_000),
            );
            let gas = if g.rng.chance(0.8) {
                g.rng.range(400, 1_400)
            } else {
                0
            };
            // A home without gas that people live in is heated with electricity, as every
            // all-electric home is (an empty one is warmed by the lamps).
            let heat = if gas == 0 && n > 0 { 30 * dw.area } else { 0 };
            dw.use_override = Some((normal + heat + grow, gas, g.rng.range(10, 40) + 44 * n));
            // Sometimes the police registered it too; the suspect is someone from the BRP.
            if g.rng.chance(0.25)
                && let Some(p) = g.landlord()
            {
                dw.police.push(("hennepteelt", vec![(p, "verdachte")]));
            }
            (dw, if empty { "leeg_pand" } else { "verbruik" })
        }
        _ => {
            // Power taken past the meter: the reading is ordinary, the police found it.
            let mut dw = g.household();
            let p = dw.residents[0].p.clone();
            dw.police.push(("hennepteelt", vec![(p, "verdachte")]));
            (dw, "politie")
        }
    };
    if let Some(l) = g.landlord()
        && !matches!(dw.owner, Owner::Person(_))
    {
        dw.owner = Owner::Person(l.bsn);
    }
    g.mark_v(&mut dw, THEME, id, false, variant, s);
    out.push(dw);
    Ok(out)
}
