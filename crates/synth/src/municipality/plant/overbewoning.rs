//! Overbewoning: more people registered than the floor area allows (the LAA profile's example is
//! six adults on 40 m²; many municipal rules use about 12 m² per person). Variants: rooms let to
//! unrelated lodgers, a small unit with two or three people, a family in a home far too small.
//! Look-alikes: a large family in a large home, registered student housing, care and shelter
//! housing (logies- and gezondheidszorgfunctie).

use anyhow::Result;

use crate::municipality::{Dwelling, Gen, Living, Owner, Strength};

const THEME: &str = "overbewoning";

/// Floor area per person (m²) for a strength: far below, below, or at the 12 m² norm.
pub(super) fn m2_per_person(g: &mut Gen<'_>, s: Strength) -> u64 {
    s.pick(&mut g.rng, (5, 7), (8, 10), (11, 12))
}

/// Plants a case of overbewoning, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, s: Strength, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    if decoy {
        let kind = g.rng.below(4);
        let (mut dw, variant) = match kind {
            0 => {
                let mut dw = g.household();
                while dw.residents.len() < 7 {
                    let (vv, last) = (dw.residents[0].p.vv, dw.residents[0].p.last.clone());
                    let k = g.person('V', 0, 17, Some((vv, last)));
                    let rk = g.resident(k, Living::Child);
                    dw.residents.push(rk);
                }
                dw.area = g.rng.range(150, 210);
                (dw, "groot_gezin_grote_woning")
            }
            1 => {
                let area = g.rng.range(250, 400);
                let doelen = if g.rng.chance(0.5) {
                    "logiesfunctie"
                } else {
                    "woonfunctie|logiesfunctie"
                };
                let mut dw = g.new_dwelling(doelen, area);
                let count = g.rng.range(25, 40);
                dw.residents = g.lodgers(count, Living::Student);
                dw.owner = Owner::Company(format!("{:08}", 72_000_000 + g.rng.below(50)));
                (dw, "studentenhuisvesting")
            }
            2 => {
                let area = g.rng.range(300, 600);
                let mut dw = g.new_dwelling("woonfunctie|gezondheidszorgfunctie", area);
                let count = g.rng.range(30, 60);
                dw.residents = g.lodgers(count, Living::Nothing);
                dw.owner = Owner::Company(format!("{:08}", 73_000_000 + g.rng.below(50)));
                (dw, "zorg_opvang")
            }
            _ => {
                // A family that is large for its home, but within the norm.
                let mut dw = g.household();
                while dw.residents.len() < 6 {
                    let (vv, last) = (dw.residents[0].p.vv, dw.residents[0].p.last.clone());
                    let k = g.person('M', 0, 17, Some((vv, last)));
                    let rk = g.resident(k, Living::Child);
                    dw.residents.push(rk);
                }
                dw.area = dw.residents.len() as u64 * g.rng.range(13, 15);
                (dw, "gezin_krap_binnen_norm")
            }
        };
        g.mark_v(&mut dw, THEME, id, true, variant, s);
        out.push(dw);
        return Ok(out);
    }
    let m2 = m2_per_person(g, s);
    let kind = g.rng.below(3);
    let (mut dw, variant) = match kind {
        0 => {
            let n = g.rng.range(4, 9);
            let mut dw = g.new_dwelling("woonfunctie", n * m2);
            let pay = g.rng.range(1_500, 2_200);
            dw.residents = g.lodgers(n, Living::Wage(pay));
            // An owner with no other crowded dwellings: one with several is a huisjesmelker.
            if g.rng.chance(0.4) {
                g.next_kvk += 1;
                dw.owner = Owner::Company(format!("{:08}", 74_000_000 + g.next_kvk));
            } else if let Some(l) = g.sole_landlord() {
                dw.owner = Owner::Person(l.bsn);
            }
            (dw, "kamerverhuur")
        }
        1 => {
            let n = g.rng.range(2, 3);
            let mut dw = g.new_dwelling("woonfunctie", (n * m2).max(10));
            let pay = g.rng.range(1_500, 2_500);
            dw.residents = g.lodgers(n, Living::Wage(pay));
            if let Some(l) = g.sole_landlord() {
                dw.owner = Owner::Person(l.bsn);
            }
            (dw, "kleine_eenheid")
        }
        _ => {
            let mut dw = g.household();
            while dw.residents.len() < 5 {
                let (vv, last) = (dw.residents[0].p.vv, dw.residents[0].p.last.clone());
                let k = g.person('V', 0, 17, Some((vv, last)));
                let rk = g.resident(k, Living::Child);
                dw.residents.push(rk);
            }
            dw.area = dw.residents.len() as u64 * m2;
            (dw, "gezin_te_klein")
        }
    };
    g.mark_v(&mut dw, THEME, id, false, variant, s);
    out.push(dw);
    Ok(out)
}
