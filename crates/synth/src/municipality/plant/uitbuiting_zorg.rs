//! Uitbuiting (zorg): the huisjesmelkerij portfolio with tenants who live on bijstand; every
//! unit is also a case of overbewoning and huisjesmelkerij. Look-alike: as for huisjesmelkerij.

use anyhow::Result;

use super::huisjesmelkerij::portfolio;
use crate::municipality::{Dwelling, Gen};

const THEME: &str = "uitbuiting_zorg";

/// Plants a case of uitbuiting_zorg, or (`decoy`) a look-alike.
pub(super) fn plant(g: &mut Gen<'_>, id: &str, _clear: bool, decoy: bool) -> Result<Vec<Dwelling>> {
    portfolio(g, THEME, id, decoy)
}
