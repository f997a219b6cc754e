//! A project store with accounts and cases from signals, shared by the register's integration
//! tests.
// Each test binary uses its own part of this module.
#![allow(dead_code)]

use loep_contract::Partner;
use loep_store::auth::{self, ActingAccount, Rol};
use loep_store::scan::{ScanRun, Signal};
use loep_store::{Bewaartermijnen, Periode, Project, ProjectConfig};
use loep_zaken::register::{self, Nieuw, Toewijzing};

pub const PW: &str = "een-lang-wachtwoord-voor-de-test";

pub struct World {
    _dir: tempfile::TempDir,
    pub project: Project,
    pub analist: ActingAccount,
    pub projectleider: ActingAccount,
    pub handhaver: ActingAccount,
    /// The number of the next signal (each on an address of its own).
    pub next: i64,
}

/// A project named `naam` for `doel`, with a beheerder, analist, projectleider and handhaver
/// and the case register; `bound`: the access state bound, as a writer binds it.
pub fn world(naam: &str, doel: &str, activiteit: &str, bound: bool) -> World {
    let dir = tempfile::tempdir().unwrap();
    let config = ProjectConfig {
        naam: naam.into(),
        gebied: vec!["GM0392".into()],
        doel: doel.into(),
        grondslag: "Wet SUWI art. 64".into(),
        partners: Partner::ALL.to_vec(),
        verwerkingsactiviteit_id: activiteit.into(),
        periode: Periode {
            van: "2020-01-01".into(),
            tot: "2099-12-31".into(),
        },
        bewaartermijnen: Bewaartermijnen::default(),
        indicatoren: Vec::new(),
        intake: Default::default(),
        publicatie: Default::default(),
        thema: Default::default(),
    };
    let mut project = Project::init(&dir.path().join("p"), config).unwrap();
    if bound {
        project.bind_access().unwrap();
    }
    let tx = project.begin().unwrap();
    auth::add_account(&tx, None, "beheerder", Rol::Beheerder, None, PW).unwrap();
    let beheerder = auth::authenticate(&tx, "beheerder", PW).unwrap();
    for (naam, rol) in [
        ("analist", Rol::Analist),
        ("projectleider", Rol::Projectleider),
        ("handhaver", Rol::Handhaver),
    ] {
        auth::add_account(&tx, Some(&beheerder), naam, rol, None, PW).unwrap();
    }
    tx.commit().unwrap();
    let conn = project.db();
    let analist = auth::authenticate(conn, "analist", PW).unwrap();
    let projectleider = auth::authenticate(conn, "projectleider", PW).unwrap();
    let handhaver = auth::authenticate(conn, "handhaver", PW).unwrap();
    register::create_schema(project.db()).unwrap();
    World {
        _dir: dir,
        project,
        analist,
        projectleider,
        handhaver,
        next: 1,
    }
}

impl World {
    /// A new signal (run `S<nr>`, its own address) of the next number, on `persons`, from
    /// `partners`' data.
    pub fn next_signal(&mut self, persons: Vec<String>, partners: Vec<Partner>) -> Signal {
        let nr = self.next;
        self.next += 1;
        Signal {
            run_id: format!("S{nr:04}"),
            nr: 1,
            indicator: "OVB-01".into(),
            versie: 1,
            thema: loep_contract::Thema::Overbewoning,
            vbo_id: loep_contract::BagId::vbo(&format!("0392010000{nr:06}")).unwrap(),
            buurtcode: None,
            pseudoniemen: persons,
            feiten: std::collections::BTreeMap::new(),
            uitleg: "test".into(),
            sterkte: 1.0,
            partners,
        }
    }

    /// A new case from signal `s`, stored as a certified run of its own (as the scan stores
    /// one, its record in the log naming the certificate), with the handhaver as huisbezoeker.
    pub fn case_from(&mut self, s: Signal) -> String {
        let run = ScanRun {
            run_id: s.run_id.clone(),
            tijdstip: loep_store::clock::now(),
            indicatoren: "[]".into(),
            bronnen: "[]".into(),
            signalen: 1,
            adressen: 1,
        };
        let c = loep_store::certificaat::Certificaat::new(&run, std::slice::from_ref(&s)).unwrap();
        let tx = self.project.begin().unwrap();
        let sha =
            loep_store::scan::insert_run(&tx, &run, std::slice::from_ref(&s), &[], &c).unwrap();
        let now = loep_store::clock::now();
        loep_store::log::append(
            &tx,
            "test",
            loep_store::LogRecord::new("scan", &now, &now)
                .with_attr("run_id", run.run_id.clone())
                .with_attr("certificaat", sha),
        )
        .unwrap();
        tx.commit().unwrap();
        let z = register::new(
            &mut self.project,
            &self.analist,
            &Nieuw {
                signalen: vec![s.id()],
                ..Default::default()
            },
        )
        .unwrap();
        register::assign(
            &mut self.project,
            &self.projectleider,
            &z.identificatie,
            &Toewijzing {
                roltype: "huisbezoeker".into(),
                organisatie: None,
                medewerker: Some("handhaver".into()),
            },
        )
        .unwrap();
        z.identificatie
    }
}
