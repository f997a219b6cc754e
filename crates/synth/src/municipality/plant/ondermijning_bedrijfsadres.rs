//! Ondermijning (bedrijfsadres): many companies, most of them short-lived, registered at a
//! home. Look-alike: two companies, one of them the resident's own eenmanszaak.

use anyhow::Result;

use crate::municipality::{Company, Dwelling, Gen, Living};

const THEME: &str = "ondermijning_bedrijfsadres";

/// Plants a case of ondermijning_bedrijfsadres, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, clear: bool, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    let mut dw = g.household_single('M', Living::Wage(2_000));
    let n = if decoy {
        2
    } else if clear {
        g.rng.range(7, 12)
    } else {
        5
    };
    for k in 0..n {
        let start = g.today - g.rng.range(100, 1_500) as i32;
        let end = if decoy || k % 3 == 0 {
            None
        } else {
            Some(start + g.rng.range(60, 300) as i32)
        };
        let owner = (decoy && k == 0).then(|| dw.residents[0].p.bsn);
        let rechtsvorm = if owner.is_some() { "eenmanszaak" } else { "bv" };
        let name = format!("Handelsonderneming {}", g.rng.range(100, 999));
        dw.companies.push(Company {
            name,
            rechtsvorm,
            start,
            end,
            owner,
        });
    }
    g.mark(&mut dw, THEME, id, decoy);
    out.push(dw);
    Ok(out)
}
