//! The content a case keeps of its signals (explanation, facts, theme, persons: what the
//! people who decide on the case read) is sealed with the row: an edit outside loep is refused
//! where the case is read and reported by the privacy officer's check. A store of version 8,
//! whose seal did not cover the content yet, is sealed again over it only where the row held
//! its seal and its content is the signal's as the store still holds it.

use loep_contract::Partner;
use loep_store::Project;
use loep_zaken::register;

mod common;
use common::{World, world};

impl World {
    fn signal_case(&mut self) -> String {
        let s = self.next_signal(
            vec![format!("{:032x}", self.next * 10)],
            vec![Partner::Gemeente],
        );
        self.case_from(s)
    }

    fn show(&self, id: &str) -> anyhow::Result<register::ZaakDetail> {
        register::show(self.project.db(), &self.projectleider, id)
    }

    fn row_of(&self, zaak: &str) -> String {
        self.project
            .db()
            .sql()
            .query_row("SELECT id FROM zaak_signaal WHERE zaak = ?1", [zaak], |r| {
                r.get(0)
            })
            .unwrap()
    }

    /// An insider with the SQLite shell: the seal's triggers dropped, the explanation changed.
    fn edit_content(&self, zaak: &str) {
        let row = self.row_of(zaak);
        self.project
            .db()
            .sql()
            .execute_batch(&format!(
                "DROP TRIGGER IF EXISTS zaak_signaal_mac_check;
                 DROP TRIGGER IF EXISTS zaak_signaal_mac_update;
                 UPDATE zaak_signaal SET inhoud = json_set(inhoud, '$.uitleg', 'Bewoner is zeker een fraudeur.')
                 WHERE id = '{row}';"
            ))
            .unwrap();
    }

    fn problems(&self) -> Vec<String> {
        let mut out = loep_store::integrity::tampered_rows(self.project.db()).unwrap();
        out.extend(self.project.access_problems().unwrap());
        out
    }

    /// The project closed and opened again by a writer, as the next command does.
    fn reopen(&mut self) {
        let dir = self.project.layout.dir.clone();
        let reader = Project::open_read_only(&dir).unwrap();
        drop(std::mem::replace(&mut self.project, reader));
        self.project = Project::open(&dir).unwrap();
        register::create_schema(self.project.db()).unwrap();
    }
}

#[test]
fn a_case_signals_content_changed_outside_loep_is_refused_and_reported() {
    let mut w = world(
        "Inhoud",
        "De inhoud van de signalen van een zaak bewaken.",
        "test-inhoud",
        true,
    );
    let (a, b) = (w.signal_case(), w.signal_case());
    assert_eq!(w.show(&a).unwrap().signalen[0].uitleg, "test");
    assert!(w.problems().is_empty());
    w.edit_content(&a);
    let e = w.show(&a).unwrap_err();
    assert!(e.to_string().contains("buiten loep om gewijzigd"), "{e}");
    let problems = w.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains(&w.row_of(&a)), "{problems:?}");
    // The other case is untouched, and loep's own writes keep sealing (triggers made again).
    loep_store::integrity::create_triggers(w.project.db()).unwrap();
    assert!(w.show(&b).is_ok());
    let c = w.signal_case();
    assert!(w.show(&c).is_ok());
    assert_eq!(w.problems().len(), 1);
}

#[test]
fn a_store_of_version_8_is_sealed_over_the_content_without_blessing_a_changed_row() {
    let mut w = world(
        "Inhoud",
        "De inhoud van de signalen van een zaak bewaken na een upgrade.",
        "test-inhoud-8",
        true,
    );
    // A: untouched; B: its content changed (while its seal, over the other columns, holds);
    // C: its signal destroyed in the store after its retention period; D: a row whose seal
    // already failed.
    let (a, b, c, d) = (
        w.signal_case(),
        w.signal_case(),
        w.signal_case(),
        w.signal_case(),
    );
    let run_of = |w: &World, zaak: &str| -> String {
        w.show(zaak).unwrap().signalen[0]
            .signaal
            .split('/')
            .next()
            .unwrap()
            .to_string()
    };
    let run_c = run_of(&w, &c);
    // As the release before sealed them: over id, zaak, signaal and persons only.
    let db = w.project.db().sql();
    db.execute_batch(
        "DROP TRIGGER zaak_signaal_mac_check; DROP TRIGGER zaak_signaal_mac_update;
         UPDATE zaak_signaal SET mac = loep_mac('zaak_signaal', id, zaak, signaal, pseudoniemen);",
    )
    .unwrap();
    db.execute(
        "UPDATE zaak_signaal SET mac = 'gewijzigd' WHERE zaak = ?1",
        [&d],
    )
    .unwrap();
    db.execute("DELETE FROM signaal WHERE run_id = ?1", [&run_c])
        .unwrap();
    db.execute_batch("PRAGMA user_version = 8").unwrap();
    std::fs::write(w.project.layout.key_dir().join("schema-versie"), "8").unwrap();
    w.edit_content(&b);
    // A reader of this release reads the store of version 8 as that release sealed it.
    assert!(w.show(&a).is_ok());
    assert!(w.show(&b).is_ok(), "not yet sealed over the content");
    assert!(w.show(&d).is_err());

    w.reopen();
    assert_eq!(loep_store::schema::version(w.project.db()).unwrap(), 9);
    assert!(w.show(&a).is_ok());
    assert!(
        w.show(&c).is_ok(),
        "nothing to compare with: sealed as it is"
    );
    let e = w.show(&b).unwrap_err();
    assert!(e.to_string().contains("buiten loep om gewijzigd"), "{e}");
    assert!(w.show(&d).is_err());
    let mut problems = w.problems();
    problems.sort();
    let mut expected = vec![w.row_of(&b), w.row_of(&d)];
    expected.sort();
    assert_eq!(problems.len(), 2, "{problems:?}");
    for (p, row) in problems.iter().zip(&expected) {
        assert!(p.contains(row.as_str()), "{problems:?}");
    }
    // Now sealed over the content: an edit of A's is found as well.
    w.edit_content(&a);
    assert!(w.show(&a).is_err());
}
