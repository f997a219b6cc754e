//! Uitbuiting (zorg): vulnerable people (on any benefit, or paid below the legal minimum hourly
//! wage) in crowded units of a landlord, a person or a company: a care signal. Variants: tenants
//! on benefits, workers paid below the minimum wage; one unit or several. Every unit is also a
//! case of overbewoning, and of huisjesmelkerij when the landlord has two or more. Look-alikes:
//! a family on benefits in a suitable home, ordinary landlords.

use anyhow::Result;

use super::huisjesmelkerij::portfolio;
use crate::municipality::{Dwelling, Gen, Strength};

const THEME: &str = "uitbuiting_zorg";

/// Plants a case of uitbuiting_zorg, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, s: Strength, decoy: bool) -> Result<Vec<Dwelling>> {
    portfolio(g, THEME, id, s, decoy)
}
