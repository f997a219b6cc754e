//! Hennepteelt: a home that uses far more electricity than its household explains, with or
//! without a police registration. Look-alike: a large household in a large all-electric home.

use anyhow::Result;

use crate::municipality::{Dwelling, Gen, Living};

const THEME: &str = "hennepteelt";

/// Plants a case of hennepteelt, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, clear: bool, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    if decoy {
        // High but explained: a large household in a large all-electric home.
        let mut dw = g.household();
        while dw.residents.len() < 5 {
            let (vv, last) = (dw.residents[0].p.vv, dw.residents[0].p.last.clone());
            let k = g.person('M', 0, 17, Some((vv, last)));
            let rk = g.resident(k, Living::Child);
            dw.residents.push(rk);
        }
        dw.area = g.rng.range(180, 260);
        dw.use_override = Some((g.rng.range(9_000, 12_000), 0, g.rng.range(200, 300)));
        g.mark(&mut dw, THEME, id, true);
        out.push(dw);
    } else {
        let mut dw = g.household_single('M', Living::Wage(2_000));
        let kwh = if clear {
            g.rng.range(25_000, 45_000)
        } else {
            g.rng.range(10_000, 14_000)
        };
        dw.use_override = Some((kwh, g.rng.range(300, 900), g.rng.range(30, 70)));
        if !clear || g.rng.chance(0.5) {
            let p = dw.residents[0].p.clone();
            dw.police.push(("hennepteelt", vec![(p, "verdachte")]));
        }
        g.mark(&mut dw, THEME, id, false);
        out.push(dw);
    }
    Ok(out)
}
