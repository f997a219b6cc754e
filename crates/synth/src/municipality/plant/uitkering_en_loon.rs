//! Uitkering en loon: wages during a WW or bijstand benefit (every month, or the last three).
//! Look-alike: wages only after the benefit ended.

use anyhow::Result;

use crate::municipality::{Dwelling, Gen, Living};

const THEME: &str = "uitkering_en_loon";

/// Plants a case of uitkering_en_loon, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, clear: bool, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    let living = if g.rng.chance(0.5) {
        Living::Ww
    } else {
        Living::Bijstand
    };
    let mut dw = g.household_single('M', living);
    // Decoy: the benefit ended before the job began. Case: wages during the benefit.
    dw.residents[0].moonlight = Some((decoy, clear));
    g.mark(&mut dw, THEME, id, decoy);
    out.push(dw);
    Ok(out)
}
