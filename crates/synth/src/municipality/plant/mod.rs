//! Planting the cases of the twelve themes, and their honest look-alikes: one module per
//! theme. Each theme plants the variants the domain guide names, with a strength drawn from
//! three ranges (sterk, midden, grens), and look-alikes of every kind the guide lists. The
//! same seed gives the same bytes: every draw happens in a fixed order (the scenario id, the
//! strength, then the theme's own draws).

use anyhow::Result;

use super::{Dwelling, Gen, Strength};

mod adresfraude;
mod briefadresmisbruik;
mod hennepteelt;
mod huisjesmelkerij;
mod meldingen_cluster;
mod ondermijning_bedrijfsadres;
mod onderverhuur;
mod overbewoning;
mod samenwoonfraude;
mod uitbuiting_zorg;
mod uitkering_en_loon;
mod vermogen_inkomen;

impl Gen<'_> {
    /// Plants a case (or look-alike) of `theme`; returns the dwellings it made.
    pub(super) fn plant(&mut self, theme: &'static str, decoy: bool) -> Result<Vec<Dwelling>> {
        let id = self.start_scenario(theme, decoy);
        let u = self.rng.unit();
        let clear = if u < 0.4 {
            Strength::Sterk
        } else if u < 0.75 {
            Strength::Midden
        } else {
            Strength::Grens
        };
        match theme {
            "overbewoning" => overbewoning::plant(self, &id, clear, decoy),
            "huisjesmelkerij" => huisjesmelkerij::plant(self, &id, clear, decoy),
            "samenwoonfraude" => samenwoonfraude::plant(self, &id, clear, decoy),
            "adresfraude" => adresfraude::plant(self, &id, clear, decoy),
            "onderverhuur" => onderverhuur::plant(self, &id, clear, decoy),
            "hennepteelt" => hennepteelt::plant(self, &id, clear, decoy),
            "briefadresmisbruik" => briefadresmisbruik::plant(self, &id, clear, decoy),
            "ondermijning_bedrijfsadres" => {
                ondermijning_bedrijfsadres::plant(self, &id, clear, decoy)
            }
            "vermogen_inkomen" => vermogen_inkomen::plant(self, &id, clear, decoy),
            "uitkering_en_loon" => uitkering_en_loon::plant(self, &id, clear, decoy),
            "uitbuiting_zorg" => uitbuiting_zorg::plant(self, &id, clear, decoy),
            "meldingen_cluster" => meldingen_cluster::plant(self, &id, clear, decoy),
            _ => Ok(Vec::new()),
        }
    }
}
