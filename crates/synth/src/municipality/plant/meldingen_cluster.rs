//! Meldingen (cluster): several residents' reports about one address. Look-alike: a single
//! report.

use anyhow::Result;

use crate::municipality::{Dwelling, Gen};

const THEME: &str = "meldingen_cluster";

/// Plants a case of meldingen_cluster, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, clear: bool, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    let mut dw = g.household();
    dw.reports = if decoy {
        1
    } else if clear {
        g.rng.range(4, 7) as u32
    } else {
        3
    };
    g.mark(&mut dw, THEME, id, decoy);
    out.push(dw);
    Ok(out)
}
