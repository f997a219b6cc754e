//! The register's lists from version 2 (joined with commas) to version 3 (JSON): a visit's
//! team, outcomes and who went, and the persons of a case's signals read the same before and
//! after; a sealed row that held its seal holds it after, one changed outside loep is still
//! reported; and the access state and the rights the log recorded raise no alarm.

use loep_store::{Db, lijst};
use loep_zaken::register::{self, Uitkomst};

mod common;
use common::{World, world};

impl World {
    /// A new case on a new address from one new signal with two persons, with a handhaver.
    fn case(&mut self) -> String {
        let s = self.next_signal(
            vec![
                format!("{:032x}", self.next * 10),
                format!("{:032x}", self.next * 10 + 1),
            ],
            vec![
                loep_contract::Partner::Gemeente,
                loep_contract::Partner::Politie,
            ],
        );
        let id = self.case_from(s);
        register::set_status(&mut self.project, &self.analist, &id, "in_onderzoek", "").unwrap();
        register::plan_visit(
            &mut self.project,
            &self.analist,
            &id,
            loep_contract::Datum::parse("2099-01-01").unwrap(),
            &["handhaver".to_string()],
        )
        .unwrap();
        id
    }

    fn show(&self, id: &str) -> anyhow::Result<register::ZaakDetail> {
        register::show(self.project.db(), &self.projectleider, id)
    }

    fn db(&self) -> &Db {
        self.project.db()
    }

    /// The rows (id, list) of a table's list column, as stored.
    fn stored(&self, sql: &str) -> Vec<(String, Option<String>)> {
        let mut stmt = self.db().sql().prepare(sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// What the checks of a writer and of `loep log verify` report about the seals and the
    /// access state.
    fn problems(&self) -> Vec<String> {
        let mut out = loep_store::integrity::tampered_rows(self.db()).unwrap();
        out.extend(self.project.access_problems().unwrap());
        out.extend(self.project.logged_access_problems().unwrap());
        out
    }
}

/// Every list column of the register, as (row, value) in a fixed order.
const LISTS: [&str; 4] = [
    "SELECT id, pseudoniemen FROM zaak_signaal ORDER BY id",
    "SELECT zaak || '/' || volgnr, team FROM huisbezoek ORDER BY zaak, volgnr",
    "SELECT zaak || '/' || volgnr, uitkomsten FROM huisbezoek ORDER BY zaak, volgnr",
    "SELECT zaak || '/' || volgnr, aanwezig FROM huisbezoek ORDER BY zaak, volgnr",
];

#[test]
fn a_register_of_version_2_migrates_its_lists_without_blessing_a_changed_row() {
    let mut w = world(
        "Lijsten",
        "De lijsten van het zakenregister van komma's naar JSON brengen.",
        "test-lijsten",
        true,
    );
    // A: its visit carried out (team, outcomes, who went); B: its visit planned (no outcomes
    // or who went yet); C: one whose signal row will be changed outside loep.
    let (a, b, c) = (w.case(), w.case(), w.case());
    register::record_visit(
        &mut w.project,
        &w.handhaver,
        &a,
        &Uitkomst {
            uitkomsten: vec!["niets_gevonden".into()],
            bevindingen: vec![("OVB-01".into(), register::Oordeel::NietBevestigd)],
            aanwezig: vec!["handhaver".into(), "J. de Vries".into()],
            ..Default::default()
        },
    )
    .unwrap();
    let (detail_a, detail_b) = (w.show(&a).unwrap(), w.show(&b).unwrap());
    assert_eq!(detail_a.huisbezoeken[0].team, ["handhaver"]);
    assert_eq!(detail_a.huisbezoeken[0].uitkomsten, ["niets_gevonden"]);
    assert_eq!(
        detail_a.huisbezoeken[0].aanwezig,
        ["handhaver", "J. de Vries"]
    );
    assert!(detail_b.huisbezoeken[0].uitkomsten.is_empty());
    assert_eq!(detail_a.personen.len(), 2);
    let since = "2000-01-01";
    let persons_open = register::persons_in_open_cases(w.db(), since).unwrap();
    let mut case_persons = register::case_persons(w.db()).unwrap().1;
    case_persons.sort();
    assert_eq!(persons_open.len(), 6);

    // This release wrote JSON; the register as the release before wrote it: the same lists
    // joined with commas, sealed as they were (through loep's own triggers, in its
    // transaction), at version 2.
    let json: Vec<Vec<(String, Option<String>)>> = LISTS.iter().map(|q| w.stored(q)).collect();
    assert!(
        json.iter()
            .flatten()
            .all(|(_, v)| v.as_deref().is_none_or(|v| lijst::decode(v).is_ok())),
        "{json:?}"
    );
    let commas = |v: &Option<String>| -> Option<String> {
        v.as_deref().map(|v| lijst::decode(v).unwrap().join(","))
    };
    let tx = w.project.begin().unwrap();
    for (id, v) in &json[0] {
        tx.sql()
            .execute(
                "UPDATE zaak_signaal SET pseudoniemen = ?2 WHERE id = ?1",
                rusqlite::params![id, commas(v)],
            )
            .unwrap();
    }
    for (column, rows) in ["team", "uitkomsten", "aanwezig"].iter().zip(&json[1..]) {
        for (key, v) in rows {
            let (zaak, volgnr) = key.rsplit_once('/').unwrap();
            tx.sql()
                .execute(
                    &format!("UPDATE huisbezoek SET {column} = ?3 WHERE zaak = ?1 AND volgnr = ?2"),
                    rusqlite::params![zaak, volgnr, commas(v)],
                )
                .unwrap();
        }
    }
    tx.sql()
        .execute("UPDATE zaak_schema SET versie = 2", [])
        .unwrap();
    tx.commit().unwrap();
    assert_eq!(register::register_version(w.db()).unwrap(), 2);
    let old: Vec<Vec<(String, Option<String>)>> = LISTS.iter().map(|q| w.stored(q)).collect();
    assert!(
        old[0].iter().all(|(_, v)| v
            .as_deref()
            .is_some_and(|v| v.contains(',') && !v.contains('['))),
        "{old:?}"
    );

    // Someone adds a person to C's signal with the triggers dropped: the row no longer
    // matches its seal. The privacy officer looked (`loep log herstel`), so the access state
    // as it is is the accepted one, but the row stays refused.
    let c_row: String = w
        .db()
        .sql()
        .query_row("SELECT id FROM zaak_signaal WHERE zaak = ?1", [&c], |r| {
            r.get(0)
        })
        .unwrap();
    w.db()
        .sql()
        .execute_batch(&format!(
            "DROP TRIGGER zaak_signaal_mac_check; DROP TRIGGER zaak_signaal_mac_update;
             DROP TRIGGER zaak_signaal_toegang_update;
             UPDATE zaak_signaal SET pseudoniemen = pseudoniemen || ',{:032x}' WHERE id = '{c_row}';",
            999
        ))
        .unwrap();
    w.project
        .acknowledge_alarm("test: de toestand aanvaard")
        .unwrap();
    loep_store::integrity::create_triggers(w.db()).unwrap();
    let problems = w.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains(&c_row), "{problems:?}");
    let c_text = w.stored(LISTS[0]).into_iter().find(|(id, _)| *id == c_row);
    let c_items = lijst::from_commas(c_text.unwrap().1.as_deref().unwrap());
    assert_eq!(c_items.len(), 3);

    let old: Vec<Vec<(String, Option<String>)>> = LISTS.iter().map(|q| w.stored(q)).collect();

    // A reader of this release reads the register of version 2 as it is.
    assert_eq!(w.show(&a).unwrap(), detail_a);
    assert_eq!(w.show(&b).unwrap(), detail_b);
    assert_eq!(
        register::persons_in_open_cases(w.db(), since)
            .unwrap()
            .len(),
        7
    );

    // A writer opens it: version 3.
    register::create_schema(w.db()).unwrap();
    assert_eq!(register::register_version(w.db()).unwrap(), 3);
    let new: Vec<Vec<(String, Option<String>)>> = LISTS.iter().map(|q| w.stored(q)).collect();
    for (before, after) in old.iter().zip(&new) {
        assert_eq!(before.len(), after.len());
        for ((id, o), (id2, n)) in before.iter().zip(after) {
            assert_eq!(id, id2);
            match (o, n) {
                (None, None) => {}
                (Some(o), Some(n)) => {
                    assert_eq!(lijst::decode(n).unwrap(), lijst::from_commas(o), "{id}");
                }
                _ => panic!("{id}: {o:?} became {n:?}"),
            }
        }
    }
    // Read the same.
    assert_eq!(w.show(&a).unwrap(), detail_a);
    assert_eq!(w.show(&b).unwrap(), detail_b);
    let mut after = register::case_persons(w.db()).unwrap().1;
    after.sort();
    let with_c: Vec<(String, String)> = after
        .iter()
        .filter(|(_, p)| *p != format!("{:032x}", 999))
        .cloned()
        .collect();
    assert_eq!(with_c, case_persons);
    assert_eq!(
        register::persons_in_open_cases(w.db(), since).unwrap(),
        persons_open
            .iter()
            .cloned()
            .chain([format!("{:032x}", 999)])
            .collect()
    );
    // The rows that held their seal hold it; C is still changed outside loep, with its list
    // in JSON like every other, and nothing else is reported (the access state and the rights
    // in the log read the lists by their items).
    for (id, _) in &new[0] {
        assert_eq!(
            loep_store::integrity::row_intact(w.db(), "zaak_signaal", id).unwrap(),
            *id != c_row,
            "{id}"
        );
    }
    assert_eq!(w.problems(), problems);
    let c_now = new[0].iter().find(|(id, _)| *id == c_row).unwrap();
    assert_eq!(lijst::decode(c_now.1.as_deref().unwrap()).unwrap(), c_items);
    let e = w.show(&c).unwrap_err();
    assert!(e.to_string().contains("buiten loep om gewijzigd"), "{e}");

    // The step again (its version set back): nothing changes.
    w.db()
        .sql()
        .execute("UPDATE zaak_schema SET versie = 2", [])
        .unwrap();
    register::create_schema(w.db()).unwrap();
    let again: Vec<Vec<(String, Option<String>)>> = LISTS.iter().map(|q| w.stored(q)).collect();
    assert_eq!(again, new);
    assert_eq!(w.problems(), problems);

    // What this release records is JSON, and reads back as it was given.
    let name = "M. \"Mo\" O'Neill [buurtteam]";
    let done = register::record_visit(
        &mut w.project,
        &w.handhaver,
        &b,
        &Uitkomst {
            uitkomsten: vec!["niets_gevonden".into()],
            bevindingen: vec![("OVB-01".into(), register::Oordeel::NietBevestigd)],
            aanwezig: vec![name.into()],
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(done.huisbezoeken[0].aanwezig, [name]);
    assert_eq!(w.show(&b).unwrap().huisbezoeken[0].aanwezig, [name]);
    let stored: String = w
        .db()
        .sql()
        .query_row(
            "SELECT aanwezig FROM huisbezoek WHERE zaak = ?1",
            [&b],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, lijst::encode(&[name]));
}
