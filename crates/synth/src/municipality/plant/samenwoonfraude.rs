//! Samenwoonfraude: a woman on bijstand with an earning partner, registered at her address or
//! registered elsewhere but known at her address to the Belastingdienst and Toeslagen.
//! Look-alike: an AOW couple at the couple rate.

use anyhow::Result;

use crate::municipality::{Dwelling, Gen, Living};
use crate::names;

const THEME: &str = "samenwoonfraude";

/// Plants a case of samenwoonfraude, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, clear: bool, decoy: bool) -> Result<Vec<Dwelling>> {
    let mut out = Vec::new();
    if decoy {
        // An AOW couple at the couple rate.
        let (vv, last) = names::surname(&mut g.rng);
        let a = g.person('M', 68, 85, Some((vv, last)));
        let b = g.person('V', 67, 85, None);
        let mut ra = g.resident(a, Living::Aow);
        let mut rb = g.resident(b, Living::Aow);
        rb.since = ra.since;
        ra.partner = Some(rb.p.bsn);
        rb.partner = Some(ra.p.bsn);
        let area = g.rng.range(60, 90);
        let mut dw = g.new_dwelling("woonfunctie", area);
        dw.residents = vec![ra, rb];
        g.tenure(&mut dw);
        g.mark(&mut dw, THEME, id, true);
        out.push(dw);
    } else {
        let mut dw = g.household_single('V', Living::Bijstand);
        let partner = g.person('M', 25, 60, None);
        let wage = g.rng.range(2_500, 4_500);
        let mut rp = g.resident(partner, Living::Wage(wage));
        g.person_truth(id, &dw.residents[0].p.clone(), "uitkeringsgerechtigde")?;
        g.person_truth(id, &rp.p.clone(), "partner")?;
        if clear {
            // He is registered at the same address.
            rp.since = dw.residents[0].since + 200;
            dw.residents.push(rp);
        } else {
            // He is registered elsewhere, but the Belastingdienst has him at her address
            // and Toeslagen knows him as her allowance partner.
            dw.residents[0].toeslagpartner = Some(rp.p.bsn);
            rp.bd_vbo = Some(dw.vbo);
            let mut other = g.household_single('M', Living::Wage(2_000));
            other.residents.push(rp);
            out.push(other);
        }
        g.mark(&mut dw, THEME, id, false);
        out.push(dw);
    }
    Ok(out)
}
