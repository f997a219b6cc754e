//! Accounts, roles and the one authorisation decision every command and page asks for.
//!
//! Accounts belong to one project (its own store): nobody reads across projects. Passwords are
//! hashed with Argon2id. [`decide`] is the table of role × action × object; the CLI and the
//! web server call it, and the store's own functions that reveal or destroy data call it again,
//! so that no path around it exists.

use anyhow::{Context, Result, bail};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use loep_contract::Partner;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::clock;

/// The roles of the domain guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rol {
    Projectleider,
    Analist,
    Sleutelhouder,
    PartnerMedewerker,
    Handhaver,
    FunctionarisGegevensbescherming,
    Beheerder,
}

impl Rol {
    pub const ALL: [Rol; 7] = [
        Rol::Projectleider,
        Rol::Analist,
        Rol::Sleutelhouder,
        Rol::PartnerMedewerker,
        Rol::Handhaver,
        Rol::FunctionarisGegevensbescherming,
        Rol::Beheerder,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Rol::Projectleider => "projectleider",
            Rol::Analist => "analist",
            Rol::Sleutelhouder => "sleutelhouder",
            Rol::PartnerMedewerker => "partner-medewerker",
            Rol::Handhaver => "handhaver",
            Rol::FunctionarisGegevensbescherming => "functionaris-gegevensbescherming",
            Rol::Beheerder => "beheerder",
        }
    }

    /// What the role does, in Dutch (for `loep user list` and the web pages).
    pub fn omschrijving(self) -> &'static str {
        match self {
            Rol::Projectleider => {
                "stuurt het project, leest de overzichten en exporteert de registertekst"
            }
            Rol::Analist => "voert scans uit, beoordeelt signalen, vraagt om de-pseudonimisering",
            Rol::Sleutelhouder => {
                "beheert de sleutel, keurt de-pseudonimisering goed of af (tweede paar ogen)"
            }
            Rol::PartnerMedewerker => {
                "ziet alleen de zaken van de eigen organisatie en legt bevindingen vast"
            }
            Rol::Handhaver => "doet het huisbezoek en legt de uitkomst vast",
            Rol::FunctionarisGegevensbescherming => {
                "keurt het project goed, leest het verwerkingslog, beantwoordt inzageverzoeken"
            }
            Rol::Beheerder => "beheert accounts, laadt leveringen, handhaaft de bewaartermijnen",
        }
    }

    pub fn parse(s: &str) -> Result<Rol> {
        let t = s.trim().to_lowercase().replace('_', "-");
        if t == "fg" {
            return Ok(Rol::FunctionarisGegevensbescherming);
        }
        Rol::ALL
            .into_iter()
            .find(|r| r.name() == t)
            .with_context(|| {
                format!(
                    "unknown role '{s}'; choose one of {}",
                    Rol::ALL.map(Rol::name).join(", ")
                )
            })
    }
}

/// Everything a user can ask loep to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Actie {
    /// Approve the project (`loep approve`).
    ProjectGoedkeuren,
    /// See the project, its deliveries and counts (`loep status`); no personal data.
    ProjectBekijken,
    /// Load a partner delivery (`loep intake`).
    LeveringLaden,
    /// Run the indicator catalogue (`loep scan`).
    ScanUitvoeren,
    /// See signals and address profiles, pseudonymous (`loep signals`).
    SignalenBekijken,
    /// Quality and fairness figures of a run (`loep evaluate`, `loep fairness`).
    KwaliteitBekijken,
    /// Ask for the identities behind a signal (`loep reveal request`).
    OnthullingAanvragen,
    /// Approve or refuse a request for identities (`loep reveal approve|refuse`).
    OnthullingBeoordelen,
    /// See the identities of an approved request (`loep reveal show`).
    OnthullingInzien,
    /// List requests for identities and their state (`loep reveal list`).
    OnthullingenBekijken,
    /// Add and disable accounts (`loep user add|disable`).
    GebruikersBeheren,
    /// List accounts (`loep user list`).
    GebruikersBekijken,
    /// Check the processing log's chain (`loep log verify`).
    LogControleren,
    /// Export the processing log for auditors (`loep log export`).
    LogExporteren,
    /// Enforce the retention periods (`loep retention run`).
    BewaartermijnenHandhaven,
    /// Answer a resident's access request (`loep inzage`).
    InzageOpstellen,
    /// Export the Algoritmeregister entry and the catalogue (`loep register export`).
    RegisterExporteren,
}

impl Actie {
    pub const ALL: [Actie; 17] = [
        Actie::ProjectGoedkeuren,
        Actie::ProjectBekijken,
        Actie::LeveringLaden,
        Actie::ScanUitvoeren,
        Actie::SignalenBekijken,
        Actie::KwaliteitBekijken,
        Actie::OnthullingAanvragen,
        Actie::OnthullingBeoordelen,
        Actie::OnthullingInzien,
        Actie::OnthullingenBekijken,
        Actie::GebruikersBeheren,
        Actie::GebruikersBekijken,
        Actie::LogControleren,
        Actie::LogExporteren,
        Actie::BewaartermijnenHandhaven,
        Actie::InzageOpstellen,
        Actie::RegisterExporteren,
    ];

    /// What the action is, in words a refusal can use.
    pub fn describe(self) -> &'static str {
        match self {
            Actie::ProjectGoedkeuren => "approve the project",
            Actie::ProjectBekijken => "see the project's status",
            Actie::LeveringLaden => "load deliveries",
            Actie::ScanUitvoeren => "run scans",
            Actie::SignalenBekijken => "see signals",
            Actie::KwaliteitBekijken => "see quality and fairness figures",
            Actie::OnthullingAanvragen => "request the identities behind a signal",
            Actie::OnthullingBeoordelen => "approve or refuse requests for identities",
            Actie::OnthullingInzien => "see revealed identities",
            Actie::OnthullingenBekijken => "list requests for identities",
            Actie::GebruikersBeheren => "manage accounts",
            Actie::GebruikersBekijken => "list accounts",
            Actie::LogControleren => "verify the processing log",
            Actie::LogExporteren => "export the processing log",
            Actie::BewaartermijnenHandhaven => "enforce the retention periods",
            Actie::InzageOpstellen => "answer access requests",
            Actie::RegisterExporteren => "export the Algoritmeregister entry",
        }
    }

    /// The roles the table allows this action, before any object rule.
    pub fn roles(self) -> &'static [Rol] {
        use Rol::*;
        match self {
            Actie::ProjectGoedkeuren => &[FunctionarisGegevensbescherming],
            Actie::ProjectBekijken => &[
                Projectleider,
                Analist,
                Sleutelhouder,
                FunctionarisGegevensbescherming,
                Beheerder,
            ],
            Actie::LeveringLaden => &[Beheerder],
            Actie::ScanUitvoeren => &[Analist],
            Actie::SignalenBekijken => &[Analist, Projectleider],
            Actie::KwaliteitBekijken => &[Analist, Projectleider, FunctionarisGegevensbescherming],
            Actie::OnthullingAanvragen => &[Analist],
            Actie::OnthullingBeoordelen => &[Sleutelhouder],
            Actie::OnthullingInzien => &[Analist, PartnerMedewerker, Handhaver],
            Actie::OnthullingenBekijken => {
                &[Analist, Sleutelhouder, FunctionarisGegevensbescherming]
            }
            Actie::GebruikersBeheren => &[Beheerder],
            Actie::GebruikersBekijken => {
                &[Beheerder, Projectleider, FunctionarisGegevensbescherming]
            }
            Actie::LogControleren => &[FunctionarisGegevensbescherming, Beheerder],
            Actie::LogExporteren => &[FunctionarisGegevensbescherming],
            Actie::BewaartermijnenHandhaven => &[Beheerder, FunctionarisGegevensbescherming],
            Actie::InzageOpstellen => &[Sleutelhouder, FunctionarisGegevensbescherming],
            Actie::RegisterExporteren => &[Projectleider, FunctionarisGegevensbescherming],
        }
    }
}

/// What an action is done to, where the decision depends on it.
#[derive(Debug, Clone, Copy)]
pub enum Object<'a> {
    /// The project as a whole.
    Project,
    /// A request for identities: who asked, its state, and whether the user is on the case
    /// that resulted from it.
    Onthulling {
        aanvrager: &'a str,
        goedgekeurd: bool,
        op_zaak: bool,
    },
    /// An account.
    Gebruiker { naam: &'a str },
}

/// A logged-in account.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Gebruiker {
    pub naam: String,
    pub rol: Rol,
    /// The partner organisation of a partner-medewerker (or a handhaver's organisation).
    pub organisatie: Option<Partner>,
    pub actief: bool,
    pub aangemaakt: String,
}

/// Allowed, or refused with the reason.
pub fn decide(user: &Gebruiker, actie: Actie, object: Object<'_>) -> Result<(), String> {
    if !user.actief {
        return Err(format!("account '{}' is disabled", user.naam));
    }
    if !actie.roles().contains(&user.rol) {
        let allowed: Vec<&str> = actie.roles().iter().map(|r| r.name()).collect();
        return Err(format!(
            "a {} may not {}; that is for: {}",
            user.rol.name(),
            actie.describe(),
            allowed.join(", ")
        ));
    }
    match (actie, object) {
        (Actie::OnthullingBeoordelen, Object::Onthulling { aanvrager, .. })
            if aanvrager == user.naam =>
        {
            Err("a request for identities needs a second person: you cannot approve or refuse your own request".to_string())
        }
        (Actie::OnthullingBeoordelen, Object::Onthulling { .. }) => Ok(()),
        (
            Actie::OnthullingInzien,
            Object::Onthulling {
                aanvrager,
                goedgekeurd,
                op_zaak,
            },
        ) => {
            if !goedgekeurd {
                Err("this request for identities has not been approved by a key holder".to_string())
            } else if (aanvrager == user.naam && user.rol == Rol::Analist) || op_zaak {
                Ok(())
            } else {
                Err("revealed identities are shown only to the analist who asked and to the people on the resulting case".to_string())
            }
        }
        (Actie::OnthullingBeoordelen | Actie::OnthullingInzien, _) => {
            Err(format!("{} needs a request for identities", actie.describe()))
        }
        (Actie::GebruikersBeheren, Object::Gebruiker { naam }) if naam == user.naam => {
            Err("you cannot change your own account; ask another beheerder".to_string())
        }
        _ => Ok(()),
    }
}

/// [`decide`] as an error a command can return.
pub fn authorize(user: &Gebruiker, actie: Actie, object: Object<'_>) -> Result<()> {
    decide(user, actie, object).map_err(|reason| anyhow::anyhow!("refused: {reason}"))
}

pub fn create_schema(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        r#"
CREATE TABLE IF NOT EXISTS gebruiker (
    naam TEXT PRIMARY KEY,
    rol TEXT NOT NULL,
    organisatie TEXT,
    wachtwoord TEXT NOT NULL,
    actief INTEGER NOT NULL,
    aangemaakt TEXT NOT NULL,
    uitgeschakeld TEXT
);
"#,
    )?;
    Ok(())
}

/// The shortest password an account may have.
pub const MIN_PASSWORD: usize = 12;

/// Argon2id with OWASP's recommended parameters (19 MiB, 2 passes, 1 lane).
fn hasher() -> Result<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|e| anyhow::anyhow!("Argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no randomness for a salt: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?
        .to_string())
}

fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    hasher()
        .map(|h| h.verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

fn check_name(naam: &str) -> Result<()> {
    let ok = !naam.is_empty()
        && naam.len() <= 64
        && naam
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
    if !ok {
        bail!(
            "account name '{naam}' is not valid: use 1 to 64 letters, digits, '.', '-', '_' or '@'"
        );
    }
    Ok(())
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Gebruiker, String)> {
    let rol: String = r.get(1)?;
    let organisatie: Option<String> = r.get(2)?;
    Ok((
        Gebruiker {
            naam: r.get(0)?,
            // Only `add_user` writes these columns, from parsed values.
            rol: Rol::parse(&rol).unwrap_or(Rol::Handhaver),
            organisatie: organisatie.and_then(|o| Partner::parse(&o).ok()),
            actief: r.get(4)?,
            aangemaakt: r.get(5)?,
        },
        r.get(3)?,
    ))
}

fn find(conn: &Connection, naam: &str) -> Result<Option<(Gebruiker, String)>> {
    Ok(conn
        .query_row(
            "SELECT naam, rol, organisatie, wachtwoord, actief, aangemaakt FROM gebruiker WHERE naam = ?1",
            params![naam],
            from_row,
        )
        .optional()?)
}

/// Checks a new account's name and password before anything is created.
pub fn check_new_account(naam: &str, password: &str) -> Result<()> {
    check_name(naam)?;
    if password.chars().count() < MIN_PASSWORD {
        bail!("the password must have at least {MIN_PASSWORD} characters");
    }
    Ok(())
}

/// Adds an account. The first account of a project must be a beheerder and needs no `by`;
/// every later one is added by a beheerder.
pub fn add_user(
    conn: &Connection,
    by: Option<&Gebruiker>,
    naam: &str,
    rol: Rol,
    organisatie: Option<Partner>,
    password: &str,
) -> Result<Gebruiker> {
    check_name(naam)?;
    match by {
        Some(by) => authorize(by, Actie::GebruikersBeheren, Object::Gebruiker { naam })?,
        None => {
            if !users(conn)?.is_empty() {
                bail!("this project has accounts already; a beheerder must add new ones");
            }
            if rol != Rol::Beheerder {
                bail!("the first account of a project must be a beheerder");
            }
        }
    }
    if password.chars().count() < MIN_PASSWORD {
        bail!("the password must have at least {MIN_PASSWORD} characters");
    }
    if rol == Rol::PartnerMedewerker && organisatie.is_none() {
        bail!(
            "a partner-medewerker belongs to one organisation: give --organisatie ({})",
            Partner::list()
        );
    }
    if organisatie.is_some() && !matches!(rol, Rol::PartnerMedewerker | Rol::Handhaver) {
        bail!(
            "only a partner-medewerker or handhaver is bound to an organisation; leave out --organisatie for a {}",
            rol.name()
        );
    }
    if find(conn, naam)?.is_some() {
        bail!("an account '{naam}' exists already");
    }
    let user = Gebruiker {
        naam: naam.to_string(),
        rol,
        organisatie,
        actief: true,
        aangemaakt: clock::now(),
    };
    conn.execute(
        "INSERT INTO gebruiker (naam, rol, organisatie, wachtwoord, actief, aangemaakt) VALUES (?1, ?2, ?3, ?4, 1, ?5)",
        params![
            user.naam,
            rol.name(),
            organisatie.map(|p| p.as_str()),
            hash_password(password)?,
            user.aangemaakt
        ],
    )?;
    Ok(user)
}

pub fn users(conn: &Connection) -> Result<Vec<Gebruiker>> {
    let mut stmt = conn.prepare(
        "SELECT naam, rol, organisatie, wachtwoord, actief, aangemaakt FROM gebruiker ORDER BY naam",
    )?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(|(u, _)| u)
        .collect())
}

/// Disables an account: it can no longer log in; what it did stays recorded.
pub fn disable_user(conn: &Connection, by: &Gebruiker, naam: &str) -> Result<()> {
    authorize(by, Actie::GebruikersBeheren, Object::Gebruiker { naam })?;
    let n = conn.execute(
        "UPDATE gebruiker SET actief = 0, uitgeschakeld = ?2 WHERE naam = ?1 AND actief = 1",
        params![naam, clock::now()],
    )?;
    if n == 0 {
        match find(conn, naam)? {
            None => bail!("there is no account '{naam}' in this project"),
            Some(_) => bail!("account '{naam}' is disabled already"),
        }
    }
    Ok(())
}

/// Checks a name and password against this project's accounts.
pub fn authenticate(conn: &Connection, naam: &str, password: &str) -> Result<Gebruiker> {
    let Some((user, phc)) = find(conn, naam)? else {
        // Spend the same time as for a known account, so that names cannot be probed.
        let _ = verify_password(password, DUMMY_HASH);
        bail!("unknown account or wrong password for this project");
    };
    if !verify_password(password, &phc) {
        bail!("unknown account or wrong password for this project");
    }
    if !user.actief {
        bail!("account '{naam}' is disabled; ask a beheerder");
    }
    Ok(user)
}

/// A valid Argon2id hash of a random password, used to answer unknown names in equal time.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$7nQ0Y1lI5Y3e0PpAaY8o2i0Q1m0zX9nJpT0cJmR1b8s";

#[cfg(test)]
mod tests {
    use super::*;

    fn user(naam: &str, rol: Rol) -> Gebruiker {
        Gebruiker {
            naam: naam.to_string(),
            rol,
            organisatie: (rol == Rol::PartnerMedewerker).then_some(Partner::Uwv),
            actief: true,
            aangemaakt: String::new(),
        }
    }

    fn object_for(actie: Actie, naam: &str) -> Object<'_> {
        match actie {
            Actie::OnthullingBeoordelen => Object::Onthulling {
                aanvrager: "iemand-anders",
                goedgekeurd: false,
                op_zaak: false,
            },
            Actie::OnthullingInzien => Object::Onthulling {
                aanvrager: naam,
                goedgekeurd: true,
                op_zaak: false,
            },
            Actie::GebruikersBeheren => Object::Gebruiker {
                naam: "iemand-anders",
            },
            _ => Object::Project,
        }
    }

    /// The whole table: every role, every action. The expected answers are written out here,
    /// apart from `Actie::roles`, so that a change to either shows.
    #[test]
    fn the_whole_table() {
        use Actie::*;
        let expected: &[(Actie, &str)] = &[
            (ProjectGoedkeuren, "F"),
            (ProjectBekijken, "P A S F B"),
            (LeveringLaden, "B"),
            (ScanUitvoeren, "A"),
            (SignalenBekijken, "P A"),
            (KwaliteitBekijken, "P A F"),
            (OnthullingAanvragen, "A"),
            (OnthullingBeoordelen, "S"),
            (OnthullingInzien, "A"),
            (OnthullingenBekijken, "A S F"),
            (GebruikersBeheren, "B"),
            (GebruikersBekijken, "P F B"),
            (LogControleren, "F B"),
            (LogExporteren, "F"),
            (BewaartermijnenHandhaven, "F B"),
            (InzageOpstellen, "S F"),
            (RegisterExporteren, "P F"),
        ];
        assert_eq!(expected.len(), Actie::ALL.len());
        let letter = |r: Rol| match r {
            Rol::Projectleider => "P",
            Rol::Analist => "A",
            Rol::Sleutelhouder => "S",
            Rol::PartnerMedewerker => "M",
            Rol::Handhaver => "H",
            Rol::FunctionarisGegevensbescherming => "F",
            Rol::Beheerder => "B",
        };
        for (actie, allowed) in expected {
            let allowed: Vec<&str> = allowed.split(' ').collect();
            for rol in Rol::ALL {
                let u = user("ik", rol);
                let got = decide(&u, *actie, object_for(*actie, "ik"));
                assert_eq!(
                    got.is_ok(),
                    allowed.contains(&letter(rol)),
                    "{actie:?} by a {}: {got:?}",
                    rol.name()
                );
            }
        }
    }

    #[test]
    fn object_rules() {
        let s = user("sleutel", Rol::Sleutelhouder);
        let own = Object::Onthulling {
            aanvrager: "sleutel",
            goedgekeurd: false,
            op_zaak: false,
        };
        assert!(decide(&s, Actie::OnthullingBeoordelen, own).is_err());
        let a = user("analist", Rol::Analist);
        let pending = Object::Onthulling {
            aanvrager: "analist",
            goedgekeurd: false,
            op_zaak: false,
        };
        assert!(decide(&a, Actie::OnthullingInzien, pending).is_err());
        let other = Object::Onthulling {
            aanvrager: "analist2",
            goedgekeurd: true,
            op_zaak: false,
        };
        assert!(decide(&a, Actie::OnthullingInzien, other).is_err());
        let on_case = Object::Onthulling {
            aanvrager: "analist2",
            goedgekeurd: true,
            op_zaak: true,
        };
        assert!(
            decide(
                &user("uwv", Rol::PartnerMedewerker),
                Actie::OnthullingInzien,
                on_case
            )
            .is_ok()
        );
        assert!(decide(&a, Actie::OnthullingInzien, on_case).is_ok());
        let b = user("beheer", Rol::Beheerder);
        assert!(
            decide(
                &b,
                Actie::GebruikersBeheren,
                Object::Gebruiker { naam: "beheer" }
            )
            .is_err()
        );
        let mut off = user("analist", Rol::Analist);
        off.actief = false;
        assert!(decide(&off, Actie::ScanUitvoeren, Object::Project).is_err());
    }

    #[test]
    fn accounts() {
        let conn = Connection::open_in_memory().unwrap();
        create_schema(&conn).unwrap();
        assert!(
            add_user(
                &conn,
                None,
                "analist",
                Rol::Analist,
                None,
                "een lang wachtwoord"
            )
            .is_err()
        );
        let b = add_user(
            &conn,
            None,
            "beheer",
            Rol::Beheerder,
            None,
            "een lang wachtwoord",
        )
        .unwrap();
        assert!(
            add_user(
                &conn,
                None,
                "b2",
                Rol::Beheerder,
                None,
                "een lang wachtwoord"
            )
            .is_err()
        );
        assert!(add_user(&conn, Some(&b), "a", Rol::Analist, None, "kort").is_err());
        assert!(
            add_user(
                &conn,
                Some(&b),
                "m",
                Rol::PartnerMedewerker,
                None,
                "een lang wachtwoord"
            )
            .is_err()
        );
        add_user(
            &conn,
            Some(&b),
            "m",
            Rol::PartnerMedewerker,
            Some(Partner::Uwv),
            "een lang wachtwoord",
        )
        .unwrap();
        let a = add_user(
            &conn,
            Some(&b),
            "a",
            Rol::Analist,
            None,
            "een lang wachtwoord",
        )
        .unwrap();
        assert!(
            add_user(
                &conn,
                Some(&a),
                "x",
                Rol::Analist,
                None,
                "een lang wachtwoord"
            )
            .is_err()
        );
        let phc: String = conn
            .query_row(
                "SELECT wachtwoord FROM gebruiker WHERE naam = 'a'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert_eq!(authenticate(&conn, "a", "een lang wachtwoord").unwrap(), a);
        assert!(authenticate(&conn, "a", "een ander wachtwoord").is_err());
        assert!(authenticate(&conn, "niemand", "een lang wachtwoord").is_err());
        // Unknown names cost a full Argon2 verification too.
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        disable_user(&conn, &b, "a").unwrap();
        let e = authenticate(&conn, "a", "een lang wachtwoord").unwrap_err();
        assert!(e.to_string().contains("disabled"), "{e}");
        assert!(disable_user(&conn, &b, "beheer").is_err());
        assert_eq!(users(&conn).unwrap().len(), 3);
    }
}
