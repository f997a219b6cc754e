//! Onderverhuur: the tenant of a social-housing home lives elsewhere while strangers are
//! registered in it. Look-alike: an old contract that ended, and the new tenant living there
//! on a new contract.

use anyhow::Result;

use crate::municipality::{Dwelling, Gen, Living, Owner};

const THEME: &str = "onderverhuur";

/// Plants a case of onderverhuur, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, clear: bool, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    if decoy {
        // The old contract ended, and the new tenant lives there with a new contract.
        let mut dw = g.household_single('V', Living::Wage(2_600));
        let old = g.person('M', 40, 80, None);
        let end = dw.residents[0].since - 10;
        dw.owner = Owner::Corporation;
        let tenant = dw.residents[0].p.clone();
        dw.contract = Some((tenant, dw.residents[0].since, None, 620));
        dw.passed_through.push((old.clone(), end - 4_000, end));
        // The old contract is written too, with its end date.
        dw.old_contract = Some((old, end - 4_000, end, 540));
        g.mark(&mut dw, THEME, id, true);
        out.push(dw);
    } else {
        // The tenant lives elsewhere; strangers are registered in the social home.
        let area = g.rng.range(45, 75);
        let mut dw = g.new_dwelling("woonfunctie", area);
        let tenant = g.person('M', 30, 65, None);
        dw.owner = Owner::Corporation;
        dw.contract = Some((tenant.clone(), g.today - 3_000, None, g.rng.range(500, 700)));
        dw.residents = g.lodgers(if clear { 3 } else { 1 }, Living::Wage(1_900));
        let mut home = g.household();
        let r = g.resident(tenant.clone(), Living::Wage(3_000));
        home.residents.push(r);
        g.person_truth(id, &tenant, "huurder")?;
        g.mark(&mut dw, THEME, id, false);
        out.push(home);
        out.push(dw);
    }
    Ok(out)
}
