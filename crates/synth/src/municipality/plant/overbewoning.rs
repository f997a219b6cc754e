//! Overbewoning: many unrelated lodgers of low means in a small dwelling let by a private
//! landlord. Look-alike: a large family in a large home, or registered student housing.

use anyhow::Result;

use crate::municipality::{Dwelling, Gen, Living, Owner};

const THEME: &str = "overbewoning";

/// Plants a case of overbewoning, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, clear: bool, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    if decoy {
        // A large family in a large home, or registered student housing.
        let mut dw = if g.rng.chance(0.5) {
            let mut dw = g.household();
            while dw.residents.len() < 7 {
                let (vv, last) = (dw.residents[0].p.vv, dw.residents[0].p.last.clone());
                let k = g.person('V', 0, 17, Some((vv, last)));
                let rk = g.resident(k, Living::Child);
                dw.residents.push(rk);
            }
            dw.area = g.rng.range(150, 210);
            dw
        } else {
            let area = g.rng.range(250, 400);
            let mut dw = g.new_dwelling("logiesfunctie", area);
            let count = g.rng.range(12, 24);
            dw.residents = g.lodgers(count, Living::Student);
            dw
        };
        g.mark(&mut dw, THEME, id, true);
        out.push(dw);
    } else {
        let (n, area) = if clear {
            (g.rng.range(6, 9), g.rng.range(28, 45))
        } else {
            (5, g.rng.range(40, 48))
        };
        let mut dw = g.new_dwelling("woonfunctie", area);
        dw.residents = g.lodgers(n, Living::Wage(1_700));
        if let Some(l) = g.landlord() {
            dw.owner = Owner::Person(l.bsn);
        }
        g.mark(&mut dw, THEME, id, false);
        out.push(dw);
    }
    Ok(out)
}
