//! Vermogen en inkomen: an expensive home bought recently on a low declared income.
//! Look-alike: the same kind of home on a high income.

use anyhow::Result;

use crate::municipality::{Dwelling, Gen, Living, Owner};

const THEME: &str = "vermogen_inkomen";

/// Plants a case of vermogen_inkomen, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, clear: bool, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    let wage = g.rng.range(700, 1_400);
    let mut dw = g.household_single('M', Living::Wage(if decoy { 12_000 } else { wage }));
    let h = dw.residents[0].p.bsn;
    dw.owner = Owner::Person(h);
    dw.contract = None;
    dw.koopsom = Some(if clear || decoy {
        g.rng.range(750_000, 1_200_000)
    } else {
        g.rng.range(450_000, 550_000)
    });
    dw.acquired = g.today - g.rng.range(60, 700) as i32;
    dw.area = g.rng.range(140, 220);
    g.mark(&mut dw, THEME, id, decoy);
    out.push(dw);
    Ok(out)
}
