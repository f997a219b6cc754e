//! Every transition of the status table, allowed and refused, driven through the register's
//! own steps on a real project store: from each status, each step either succeeds exactly when
//! the case types allow it or is refused.

use loep_store::auth::{self, ActingAccount, Rol};
use loep_zaken::case_types;
use loep_zaken::register::{self, Uitkomst};
use std::collections::BTreeMap;

mod common;
use common::{PW, World, world};

impl World {
    /// A new case on a new address from one new signal, routed to the handhaver.
    fn case(&mut self) -> String {
        let s = self.next_signal(
            vec![format!("{nr:032x}", nr = self.next)],
            vec![loep_contract::Partner::Gemeente],
        );
        self.case_from(s)
    }

    /// Tries to move case `id` to `naar` with the step that sets that status.
    fn step(&mut self, id: &str, naar: &str) -> anyhow::Result<()> {
        let p = &mut self.project;
        match naar {
            "in_onderzoek" => register::set_status(p, &self.analist, id, naar, "").map(|_| ()),
            "geannuleerd" => register::set_status(
                p,
                &self.projectleider,
                id,
                naar,
                "Geannuleerd in de test van de overgangen.",
            )
            .map(|_| ()),
            "huisbezoek_gepland" => register::plan_visit(
                p,
                &self.analist,
                id,
                loep_contract::Datum::parse("2099-01-01").unwrap(),
                &["handhaver".to_string()],
            )
            .map(|_| ()),
            "huisbezoek_uitgevoerd" => register::record_visit(
                p,
                &self.handhaver,
                id,
                &Uitkomst {
                    uitkomsten: vec!["niets_gevonden".into()],
                    bevindingen: vec![("OVB-01".into(), register::Oordeel::NietBevestigd)],
                    ..Default::default()
                },
            )
            .map(|_| ()),
            "afgerond" => register::close(
                p,
                &self.projectleider,
                id,
                "niets_gevonden",
                "",
                &[("OVB-01".into(), register::Oordeel::NietBevestigd)],
            )
            .map(|_| ()),
            "heropend" => register::reopen(
                p,
                &self.projectleider,
                id,
                "Heropend in de test van de overgangen.",
            )
            .map(|_| ()),
            other => panic!("no step for {other}"),
        }
    }

    fn status(&self, id: &str) -> String {
        register::show(self.project.db(), &self.projectleider, id)
            .unwrap()
            .zaak
            .status
    }

    /// A new case brought to `status` along allowed steps.
    fn case_in(&mut self, status: &str) -> String {
        let path: &[&str] = match status {
            "nieuw" => &[],
            "in_onderzoek" => &["in_onderzoek"],
            "huisbezoek_gepland" => &["in_onderzoek", "huisbezoek_gepland"],
            "huisbezoek_uitgevoerd" => &[
                "in_onderzoek",
                "huisbezoek_gepland",
                "huisbezoek_uitgevoerd",
            ],
            "afgerond" => &["in_onderzoek", "afgerond"],
            "geannuleerd" => &["geannuleerd"],
            "heropend" => &["geannuleerd", "heropend"],
            other => panic!("no path to {other}"),
        };
        let id = self.case();
        for s in path {
            self.step(&id, s).unwrap();
        }
        assert_eq!(self.status(&id), status);
        id
    }
}

#[test]
fn every_transition_is_allowed_exactly_when_the_table_says() {
    let mut w = world(
        "Overgangen",
        "De statusovergangen van zaken testen met alle stappen.",
        "test-overgangen",
        false,
    );
    let c = case_types();
    let statuses: Vec<String> = c.statustypen.iter().map(|s| s.code.clone()).collect();
    let mut tried = 0;
    for from in &statuses {
        for to in statuses.iter().filter(|t| *t != "nieuw") {
            let id = w.case_in(from);
            let got = w.step(&id, to);
            if c.mag(from, to) {
                assert!(got.is_ok(), "{from} -> {to} refused: {got:?}");
                assert_eq!(&w.status(&id), to, "{from} -> {to}");
            } else {
                assert!(got.is_err(), "{from} -> {to} was allowed");
                assert_eq!(&w.status(&id), from, "{from} -> {to} changed the case");
            }
            tried += 1;
        }
    }
    assert_eq!(tried, statuses.len() * (statuses.len() - 1));
}

#[test]
fn closing_sets_the_archive_date_from_the_result_and_reopening_clears_it() {
    let mut w = world(
        "Overgangen",
        "De statusovergangen van zaken testen met alle stappen.",
        "test-overgangen",
        false,
    );
    let id = w.case_in("afgerond");
    let z = register::show(w.project.db(), &w.projectleider, &id)
        .unwrap()
        .zaak;
    assert_eq!(z.resultaat.as_deref(), Some("niets_gevonden"));
    let days = |d: Option<loep_contract::Datum>| d.and_then(|d| d.days_since_epoch()).unwrap();
    assert_eq!(
        days(z.archiefactiedatum) - days(z.einddatum),
        90,
        "niets_gevonden: P3M"
    );
    w.step(&id, "heropend").unwrap();
    let z = register::show(w.project.db(), &w.projectleider, &id)
        .unwrap()
        .zaak;
    assert!(z.einddatum.is_none() && z.archiefactiedatum.is_none() && z.resultaat.is_none());
}

#[test]
fn the_counts_per_status_are_those_of_the_cases_the_account_sees() {
    let mut w = world(
        "Overgangen",
        "De statusovergangen van zaken testen met alle stappen.",
        "test-overgangen",
        false,
    );
    for status in ["nieuw", "in_onderzoek", "afgerond", "nieuw", "geannuleerd"] {
        w.case_in(status);
    }
    let beheerder = auth::authenticate(w.project.db(), "beheerder", PW).unwrap();
    let tx = w.project.begin().unwrap();
    auth::add_account(
        &tx,
        Some(&beheerder),
        "handhaver2",
        Rol::Handhaver,
        None,
        PW,
    )
    .unwrap();
    tx.commit().unwrap();
    let conn = w.project.db();
    let handhaver2 = auth::authenticate(conn, "handhaver2", PW).unwrap();
    let by_list = |user: &ActingAccount| {
        let mut by: BTreeMap<String, (usize, std::collections::BTreeSet<loep_contract::BagId>)> =
            BTreeMap::new();
        for z in register::list(w.project.db(), user, &Default::default()).unwrap() {
            let e = by.entry(z.status).or_default();
            e.0 += 1;
            e.1.insert(z.zaakobject.identificatie);
        }
        by.into_iter()
            .map(|(s, (n, a))| (s, n, a.len()))
            .collect::<Vec<_>>()
    };
    for user in [&w.projectleider, &w.analist, &w.handhaver, &handhaver2] {
        assert_eq!(
            register::per_status(w.project.db(), user).unwrap(),
            by_list(user),
            "{}",
            user.naam()
        );
    }
    let all = register::per_status(w.project.db(), &w.projectleider).unwrap();
    assert_eq!(all.iter().map(|(_, n, _)| n).sum::<usize>(), 5);
    assert!(all.contains(&("nieuw".to_string(), 2, 2)), "{all:?}");
    // Someone on none of the cases counts none of them.
    assert!(
        register::per_status(w.project.db(), &handhaver2)
            .unwrap()
            .is_empty()
    );

    // A case whose status was changed outside loep is not counted: the count refuses, as
    // the list does.
    let outside = rusqlite::Connection::open(w.project.layout.store()).unwrap();
    outside
        .execute_batch(
            "DROP TRIGGER zaak_mac_check; DROP TRIGGER zaak_mac_update; DROP TRIGGER zaak_toegang_update;
             UPDATE zaak SET status = 'afgerond' WHERE identificatie = (SELECT min(identificatie) FROM zaak WHERE status = 'nieuw');",
        )
        .unwrap();
    for user in [&w.projectleider, &w.handhaver] {
        let e = register::per_status(w.project.db(), user).unwrap_err();
        assert!(e.to_string().contains("zaak"), "{e}");
        assert!(register::list(w.project.db(), user, &Default::default()).is_err());
    }
}
