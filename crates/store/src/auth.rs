//! Accounts, roles and the one authorisation decision every command and page asks for.
//!
//! Accounts belong to one project (its own store): nobody reads across projects. Passwords are
//! hashed with Argon2id and must pass a strength estimate ([`check_password`]). [`decide`] is
//! the table of role × action × object; the CLI and the web server call it, and the store's own
//! functions that reveal or destroy data call it again, so that no path around it exists.
//!
//! A [`Gebruiker`] (a logged-in account) comes only from [`authenticate`]: its fields are
//! private and it has no public constructor. Repeated failed logins lock an account for a
//! while. Separation of duties: a sleutelhouder or functionaris gegevensbescherming created by
//! a beheerder can do nothing until a confirmed fg confirms the account (the project's first fg
//! is confirmed when they approve the project), so that no single person holds both halves of
//! the four eyes. Everything that happens to an account is written to [`crate::audit`].

use crate::db::Db;
use anyhow::{Context, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Local, SecondsFormat, TimeDelta, Utc};
use loep_contract::Partner;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::audit::{self, Gebeurtenis};
use crate::clock;
use crate::problem::{Problem, ProblemKind};

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
                "keurt het project goed, leest het verwerkingslog, beantwoordt inzageverzoeken, bevestigt sleutelhouders en fg's"
            }
            Rol::Beheerder => "beheert accounts, laadt leveringen, handhaaft de bewaartermijnen",
        }
    }

    /// Whether an account with this role, created by a beheerder, waits for an fg's
    /// confirmation (separation of duties: these roles hold the second pair of eyes).
    pub fn needs_confirmation(self) -> bool {
        matches!(
            self,
            Rol::Sleutelhouder | Rol::FunctionarisGegevensbescherming
        )
    }

    pub fn parse(s: &str) -> Result<Rol> {
        let t = s.trim().to_lowercase().replace('_', "-");
        if t == "fg" {
            return Ok(Rol::FunctionarisGegevensbescherming);
        }
        Rol::ALL.into_iter().find(|r| r.name() == t).ok_or_else(|| {
            Problem::error(
                ProblemKind::Invalid,
                format!(
                    "onbekende rol '{s}'; kies een van: {}",
                    Rol::ALL.map(Rol::name).join(", ")
                ),
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
    /// Add, disable and re-enable accounts (`loep user add|disable|enable`).
    GebruikersBeheren,
    /// List accounts (`loep user list`).
    GebruikersBekijken,
    /// Confirm a sleutelhouder or fg account a beheerder created (`loep user confirm`).
    GebruikersBevestigen,
    /// Read the audit trail of accounts (`loep user audit`).
    AuditBekijken,
    /// Check the processing log's chain (`loep log verify`).
    LogControleren,
    /// Export the processing log for auditors (`loep log export`).
    LogExporteren,
    /// Enforce the retention periods (`loep retention run`).
    BewaartermijnenHandhaven,
    /// Answer a resident's access request (`loep inzage`).
    InzageOpstellen,
    /// Leave parts of an access letter out while an investigation runs, with a reason and an
    /// end date (article 41 UAVG; `loep inzage --beperk`): the privacy officer's decision.
    InzageBeperken,
    /// Export the Algoritmeregister entry and the catalogue (`loep register export`).
    RegisterExporteren,
    /// Open a case for an address from its signals (`loep zaak new`).
    ZaakAanmaken,
    /// See cases: all of them, or for a partner or handhaver those their organisation or
    /// account holds a role on (`loep zaak list|show`).
    ZakenBekijken,
    /// Move a case on: take it into investigation, plan a visit, cancel (`loep zaak status`,
    /// `loep zaak visit plan`).
    ZaakBehandelen,
    /// Route a case to partners and care partners (`loep zaak assign`).
    ZaakToewijzen,
    /// Record the visit's outcome and the bevinding per indicator (`loep zaak visit record`).
    HuisbezoekVastleggen,
    /// Record a partner's own findings and dossier number on a case (`loep zaak note`).
    BevindingVastleggen,
    /// Close a case with a resultaat (`loep zaak close`).
    ZaakAfsluiten,
    /// Reopen a closed case, with a reason (`loep zaak reopen`).
    ZaakHeropenen,
    /// Hit rates per indicator from the outcomes of closed cases (`loep trefkans`).
    TrefkansBekijken,
    /// Export a report back to the BRP (terugmelding), with the person's BSN (`loep
    /// terugmelding export`).
    TerugmeldingExporteren,
    /// Propose how a doubtful link by name is decided (`/koppelingen`): the first pair of
    /// eyes.
    KoppelingVoorstellen,
    /// Confirm or turn down such a proposal: the second pair of eyes, another role.
    KoppelingBevestigen,
}

impl Actie {
    pub const ALL: [Actie; 32] = [
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
        Actie::GebruikersBevestigen,
        Actie::AuditBekijken,
        Actie::LogControleren,
        Actie::LogExporteren,
        Actie::BewaartermijnenHandhaven,
        Actie::InzageOpstellen,
        Actie::InzageBeperken,
        Actie::RegisterExporteren,
        Actie::ZaakAanmaken,
        Actie::ZakenBekijken,
        Actie::ZaakBehandelen,
        Actie::ZaakToewijzen,
        Actie::HuisbezoekVastleggen,
        Actie::BevindingVastleggen,
        Actie::ZaakAfsluiten,
        Actie::ZaakHeropenen,
        Actie::TrefkansBekijken,
        Actie::TerugmeldingExporteren,
        Actie::KoppelingVoorstellen,
        Actie::KoppelingBevestigen,
    ];

    /// What the action is, in Dutch words a refusal can use ("… mag je niet: <describe>").
    pub fn describe(self) -> &'static str {
        match self {
            Actie::ProjectGoedkeuren => "het project goedkeuren",
            Actie::ProjectBekijken => "de status van het project bekijken",
            Actie::LeveringLaden => "leveringen laden",
            Actie::ScanUitvoeren => "scans uitvoeren",
            Actie::SignalenBekijken => "signalen bekijken",
            Actie::KwaliteitBekijken => "de kwaliteits- en eerlijkheidscijfers bekijken",
            Actie::OnthullingAanvragen => "de identiteiten achter een signaal opvragen",
            Actie::OnthullingBeoordelen => "verzoeken om identiteiten goedkeuren of afwijzen",
            Actie::OnthullingInzien => "onthulde identiteiten inzien",
            Actie::OnthullingenBekijken => "de verzoeken om identiteiten bekijken",
            Actie::GebruikersBeheren => "accounts beheren",
            Actie::GebruikersBekijken => "de accounts bekijken",
            Actie::GebruikersBevestigen => {
                "accounts van sleutelhouders en functionarissen gegevensbescherming bevestigen"
            }
            Actie::AuditBekijken => "het audittrail van de accounts inzien",
            Actie::LogControleren => "het verwerkingslog controleren",
            Actie::LogExporteren => "het verwerkingslog exporteren",
            Actie::BewaartermijnenHandhaven => "de bewaartermijnen handhaven",
            Actie::InzageOpstellen => "inzageverzoeken beantwoorden",
            Actie::InzageBeperken => "delen van een inzage tijdelijk beperken",
            Actie::RegisterExporteren => "de tekst voor het Algoritmeregister exporteren",
            Actie::ZaakAanmaken => "een zaak aanmaken",
            Actie::ZakenBekijken => "zaken bekijken",
            Actie::ZaakBehandelen => {
                "een zaak in behandeling nemen, een huisbezoek plannen of een zaak annuleren"
            }
            Actie::ZaakToewijzen => "een zaak aan partners toewijzen",
            Actie::HuisbezoekVastleggen => "de uitkomst van een huisbezoek vastleggen",
            Actie::BevindingVastleggen => "bevindingen en het eigen zaakkenmerk vastleggen",
            Actie::ZaakAfsluiten => "een zaak afsluiten",
            Actie::ZaakHeropenen => "een afgesloten zaak heropenen",
            Actie::TrefkansBekijken => "de trefkansen per indicator bekijken",
            Actie::TerugmeldingExporteren => "een terugmelding aan de BRP exporteren",
            Actie::KoppelingVoorstellen => "een voorstel doen over een twijfelachtige koppeling",
            Actie::KoppelingBevestigen => {
                "een voorstel over een twijfelachtige koppeling bevestigen of afwijzen"
            }
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
            Actie::GebruikersBevestigen => &[FunctionarisGegevensbescherming],
            Actie::AuditBekijken => &[FunctionarisGegevensbescherming],
            Actie::LogControleren => &[FunctionarisGegevensbescherming, Beheerder],
            Actie::LogExporteren => &[FunctionarisGegevensbescherming],
            Actie::BewaartermijnenHandhaven => &[Beheerder, FunctionarisGegevensbescherming],
            Actie::InzageOpstellen => &[Sleutelhouder, FunctionarisGegevensbescherming],
            Actie::InzageBeperken => &[FunctionarisGegevensbescherming],
            Actie::RegisterExporteren => &[Projectleider, FunctionarisGegevensbescherming],
            Actie::ZaakAanmaken => &[Analist, Projectleider],
            Actie::ZakenBekijken => &[Projectleider, Analist, PartnerMedewerker, Handhaver],
            Actie::ZaakBehandelen => &[Projectleider, Analist, Handhaver],
            Actie::ZaakToewijzen => &[Projectleider],
            Actie::HuisbezoekVastleggen => &[Handhaver],
            Actie::BevindingVastleggen => &[PartnerMedewerker, Handhaver],
            Actie::ZaakAfsluiten => &[Projectleider, Handhaver],
            Actie::ZaakHeropenen => &[Projectleider],
            Actie::TrefkansBekijken => &[Projectleider, Analist, FunctionarisGegevensbescherming],
            Actie::TerugmeldingExporteren => &[Handhaver],
            Actie::KoppelingVoorstellen => &[Analist],
            Actie::KoppelingBevestigen => &[Sleutelhouder],
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
    /// A case: whether the user (their account or their organisation) holds a role on it,
    /// and whether it is closed.
    Zaak { op_zaak: bool, gesloten: bool },
}

impl Actie {
    /// The case actions that change a case (refused on a closed one).
    fn changes_case(self) -> bool {
        matches!(
            self,
            Actie::ZaakBehandelen
                | Actie::ZaakToewijzen
                | Actie::HuisbezoekVastleggen
                | Actie::BevindingVastleggen
                | Actie::ZaakAfsluiten
        )
    }

    /// The case actions (decided on an [`Object::Zaak`]).
    fn on_case(self) -> bool {
        self.changes_case()
            || matches!(
                self,
                Actie::ZakenBekijken | Actie::ZaakHeropenen | Actie::TerugmeldingExporteren
            )
    }
}

/// A logged-in account. Only [`authenticate`] makes one.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Gebruiker {
    naam: String,
    rol: Rol,
    organisatie: Option<Partner>,
    bevestigd: bool,
}

impl Gebruiker {
    pub fn naam(&self) -> &str {
        &self.naam
    }

    pub fn rol(&self) -> Rol {
        self.rol
    }

    /// The partner organisation of a partner-medewerker (or a handhaver's organisation).
    pub fn organisatie(&self) -> Option<Partner> {
        self.organisatie
    }

    /// False for a sleutelhouder or fg account that no fg has confirmed yet: it may only
    /// approve the project (the first fg), nothing else.
    pub fn bevestigd(&self) -> bool {
        self.bevestigd
    }

    /// For the unit tests of this crate only: every other `Gebruiker` comes from a login.
    #[cfg(test)]
    pub(crate) fn for_test(
        naam: &str,
        rol: Rol,
        organisatie: Option<Partner>,
        bevestigd: bool,
    ) -> Gebruiker {
        Gebruiker {
            naam: naam.to_string(),
            rol,
            organisatie,
            bevestigd,
        }
    }
}

/// The state of an account, as `loep user list` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccountStatus {
    /// Can log in and act in its role.
    Actief,
    /// A sleutelhouder or fg that no fg has confirmed yet.
    WachtOpBevestiging,
    /// Disabled by a beheerder; can no longer log in.
    Uitgeschakeld,
    /// Locked for a while after too many failed logins.
    Geblokkeerd,
}

impl AccountStatus {
    /// In words, for the pages.
    pub fn label(self) -> &'static str {
        match self {
            AccountStatus::Actief => "actief",
            AccountStatus::WachtOpBevestiging => "wacht op bevestiging door een fg",
            AccountStatus::Uitgeschakeld => "uitgeschakeld",
            AccountStatus::Geblokkeerd => "tijdelijk geblokkeerd",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Actief => "actief",
            AccountStatus::WachtOpBevestiging => "wacht-op-bevestiging",
            AccountStatus::Uitgeschakeld => "uitgeschakeld",
            AccountStatus::Geblokkeerd => "geblokkeerd",
        }
    }
}

/// An account as listed: no password hash, no way to act with it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Account {
    pub naam: String,
    pub rol: Rol,
    pub organisatie: Option<Partner>,
    pub status: AccountStatus,
    /// RFC 3339, UTC.
    pub aangemaakt: String,
    /// Until when the account is locked (RFC 3339, UTC), while it is.
    pub geblokkeerd_tot: Option<String>,
}

fn refused(message: impl Into<String>) -> anyhow::Error {
    Problem::error(ProblemKind::Refused, message)
}

fn invalid(message: impl Into<String>) -> anyhow::Error {
    Problem::error(ProblemKind::Invalid, message)
}

fn not_found(naam: &str) -> anyhow::Error {
    Problem::error(
        ProblemKind::NotFound,
        format!("er is geen account '{naam}' in dit project"),
    )
}

/// Allowed, or refused with the reason (in Dutch).
pub fn decide(user: &Gebruiker, actie: Actie, object: Object<'_>) -> Result<(), String> {
    // Separation of duties: an unconfirmed account may only approve the project, so that the
    // project's first fg can be confirmed by that approval.
    if !user.bevestigd && actie != Actie::ProjectGoedkeuren {
        return Err(format!(
            "account '{}' ({}) is nog niet bevestigd door een functionaris gegevensbescherming en mag daarom nog niets doen; vraag een fg om het account te bevestigen",
            user.naam,
            user.rol.name()
        ));
    }
    if !actie.roles().contains(&user.rol) {
        let allowed: Vec<&str> = actie.roles().iter().map(|r| r.name()).collect();
        return Err(format!(
            "als {} mag je dit niet: {}; dat mag alleen een {}",
            user.rol.name(),
            actie.describe(),
            allowed.join(" of een ")
        ));
    }
    match (actie, object) {
        (Actie::OnthullingBeoordelen, Object::Onthulling { aanvrager, .. })
            if aanvrager == user.naam =>
        {
            Err("een verzoek om identiteiten vraagt een tweede persoon: je kunt je eigen verzoek niet goedkeuren of afwijzen".to_string())
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
                Err("dit verzoek om identiteiten is (nog) niet goedgekeurd door een sleutelhouder".to_string())
            } else if (aanvrager == user.naam && user.rol == Rol::Analist) || op_zaak {
                Ok(())
            } else {
                Err("onthulde identiteiten zijn alleen te zien voor de analist die erom vroeg en voor de mensen op de zaak die eruit volgde".to_string())
            }
        }
        (Actie::OnthullingBeoordelen | Actie::OnthullingInzien, _) => Err(format!(
            "hiervoor is een verzoek om identiteiten nodig: {}",
            actie.describe()
        )),
        (actie, Object::Zaak { op_zaak, gesloten }) if actie.on_case() => {
            if matches!(user.rol, Rol::PartnerMedewerker | Rol::Handhaver) && !op_zaak {
                Err("deze zaak is niet aan jouw organisatie of aan jou toegewezen".to_string())
            } else if gesloten && actie.changes_case() {
                Err("deze zaak is afgesloten en kan niet meer worden gewijzigd; alleen de projectleider kan haar heropenen, met een reden".to_string())
            } else if !gesloten && actie == Actie::ZaakHeropenen {
                Err("deze zaak is niet afgesloten; heropenen kan alleen een afgesloten zaak".to_string())
            } else {
                Ok(())
            }
        }
        (Actie::GebruikersBeheren, Object::Gebruiker { naam }) if naam == user.naam => {
            Err("je kunt je eigen account niet wijzigen; vraag een andere beheerder".to_string())
        }
        (Actie::GebruikersBevestigen, Object::Gebruiker { naam }) if naam == user.naam => {
            Err("je kunt je eigen account niet bevestigen; dat doet een andere functionaris gegevensbescherming".to_string())
        }
        _ => Ok(()),
    }
}

/// [`decide`] as an error a command can return (a refusal, starting with "geweigerd: ").
pub fn authorize(user: &Gebruiker, actie: Actie, object: Object<'_>) -> Result<()> {
    decide(user, actie, object).map_err(|reason| refused(format!("geweigerd: {reason}")))
}

/// The columns added to `gebruiker` after the first release, with their definitions. An older
/// project's table gets them in place when it is opened; the defaults are what an account made
/// before them is: confirmed (it was created before the rule, and a project must not lose its
/// key holders and fg at an upgrade), without failed logins, not locked.
const ADDED_COLUMNS: [(&str, &str); 3] = [
    ("bevestigd", "INTEGER NOT NULL DEFAULT 1"),
    ("mislukte_pogingen", "INTEGER NOT NULL DEFAULT 0"),
    ("geblokkeerd_tot", "TEXT"),
];

/// Creates the accounts table and its audit trail, or brings an older project's table up to
/// date (idempotent: every open calls it).
pub fn create_schema(conn: &Db) -> Result<()> {
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
    )
    .context("kan de tabel gebruiker (de accounts) niet aanmaken")?;
    let present: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('gebruiker')")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for (column, definition) in ADDED_COLUMNS {
        if !present.iter().any(|c| c == column) {
            conn.execute_batch(&format!(
                "ALTER TABLE gebruiker ADD COLUMN {column} {definition}"
            ))
            .with_context(|| {
                format!("kan de kolom {column} niet aan de tabel gebruiker toevoegen")
            })?;
        }
    }
    audit::create_schema(conn)?;
    crate::websessie::create_schema(conn)
}

/// The shortest password an account may have.
pub const MIN_PASSWORD: usize = 12;

/// The lowest zxcvbn score (0–4) a new password may have: 3 is "safely unguessable: moderate
/// protection from an offline slow-hash scenario" (an estimated 10^8 guesses or more).
pub const MIN_PASSWORD_SCORE: u8 = 3;

/// Failed logins in a row that lock an account, and for how long. The standards bound these
/// rather than fix them: NIST SP 800-63B §5.2.2 requires rate limiting to at most 100
/// consecutive failed attempts per account, OWASP ASVS 4.0.3 V2.2.1 asks for anti-automation
/// such as account lockout, and the OWASP Authentication Cheat Sheet ("Account Lockout")
/// describes a threshold and an observation/lockout period. 5 attempts and 15 minutes is the
/// common choice within those bounds: at most 480 guesses a day online against a password of
/// 10^8 guesses or more.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// See [`MAX_FAILED_LOGINS`].
pub const LOCKOUT_MINUTES: i64 = 15;

/// Argon2id with OWASP's recommended parameters (19 MiB, 2 passes, 1 lane).
fn hasher() -> Result<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|e| anyhow::anyhow!("Argon2-parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| anyhow::anyhow!("geen toeval beschikbaar voor een salt: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("kan het wachtwoord niet hashen: {e}"))?
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
    // Not dots alone: `.` and `..` would be path segments in a page's links.
    let ok = !naam.is_empty()
        && naam.len() <= 64
        && naam
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
        && !naam.chars().all(|c| c == '.');
    if !ok {
        return Err(invalid(format!(
            "accountnaam '{naam}' is niet geldig: gebruik 1 tot 64 letters, cijfers, '.', '-', '_' of '@'"
        )));
    }
    Ok(())
}

/// Checks a new password for account `naam`: at least [`MIN_PASSWORD`] characters and a
/// zxcvbn score of at least [`MIN_PASSWORD_SCORE`], where the account name, its parts and
/// `extra` (words the caller knows the person or project by) count as easy to guess. A
/// password built from those words must be strong without them too (NIST SP 800-63B §5.1.1.2:
/// compare against context-specific words such as the username and derivatives thereof):
/// zxcvbn alone gives `analist-analist` a 3, as any three-part sequence gets.
pub fn check_password(naam: &str, password: &str, extra: &[&str]) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(invalid(format!(
            "het wachtwoord moet minstens {MIN_PASSWORD} tekens hebben; kies bijvoorbeeld een zin van vier of meer losse woorden"
        )));
    }
    let mut inputs: Vec<&str> = vec![naam];
    inputs.extend(
        naam.split(['.', '-', '_', '@'])
            .filter(|p| p.chars().count() >= 3),
    );
    inputs.extend(extra.iter().copied().filter(|w| !w.trim().is_empty()));
    let score = u8::from(zxcvbn::zxcvbn(password, &inputs).score());
    // What is left without the words of the account (words of 3 characters or more).
    let mut rest = password.to_lowercase();
    for word in &inputs {
        let word = word.trim().to_lowercase();
        if word.chars().count() >= 3 {
            rest = rest.replace(&word, "");
        }
    }
    let built_from_name = rest != password.to_lowercase();
    let rest_score = if built_from_name {
        u8::from(zxcvbn::zxcvbn(&rest, &inputs).score())
    } else {
        score
    };
    if score < MIN_PASSWORD_SCORE || rest_score < MIN_PASSWORD_SCORE {
        let (why, score) = if score < MIN_PASSWORD_SCORE {
            let contains_name =
                !naam.is_empty() && password.to_lowercase().contains(&naam.to_lowercase());
            let why = if contains_name {
                "het bevat de accountnaam"
            } else {
                "het lijkt op een bekend wachtwoord, een woord, een herhaling of een reeks"
            };
            (why, score)
        } else {
            ("zonder de accountnaam blijft er te weinig over", rest_score)
        };
        return Err(invalid(format!(
            "dit wachtwoord is te makkelijk te raden ({why}; sterkte {score} van 4, minstens {MIN_PASSWORD_SCORE} nodig): kies bijvoorbeeld vier of meer losse woorden die niet bij elkaar horen, zonder de accountnaam, jaartallen, herhalingen of reeksen als 'aaaa' of '1234'"
        )));
    }
    Ok(())
}

/// Checks a new account's name and password before anything is created.
pub fn check_new_account(naam: &str, password: &str) -> Result<()> {
    check_name(naam)?;
    check_password(naam, password, &[])
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// An account's row.
struct Rij {
    naam: String,
    rol: Rol,
    organisatie: Option<Partner>,
    wachtwoord: String,
    actief: bool,
    bevestigd: bool,
    aangemaakt: String,
    geblokkeerd_tot: Option<DateTime<Utc>>,
}

const SELECT: &str = "SELECT naam, rol, organisatie, wachtwoord, actief, bevestigd, aangemaakt, geblokkeerd_tot FROM gebruiker";

fn conversion(column: usize, e: anyhow::Error) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, e.into())
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Rij> {
    let rol: String = r.get(1)?;
    let organisatie: Option<String> = r.get(2)?;
    let geblokkeerd_tot: Option<String> = r.get(7)?;
    Ok(Rij {
        naam: r.get(0)?,
        rol: Rol::parse(&rol).map_err(|e| conversion(1, e))?,
        organisatie: organisatie
            .map(|o| Partner::parse(&o).map_err(|e| conversion(2, anyhow::anyhow!("{e}"))))
            .transpose()?,
        wachtwoord: r.get(3)?,
        actief: r.get(4)?,
        bevestigd: r.get(5)?,
        aangemaakt: r.get(6)?,
        geblokkeerd_tot: geblokkeerd_tot
            .map(|t| {
                DateTime::parse_from_rfc3339(&t)
                    .map(|d| d.with_timezone(&Utc))
                    .map_err(|e| conversion(7, e.into()))
            })
            .transpose()?,
    })
}

impl Rij {
    fn locked_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.geblokkeerd_tot.filter(|t| *t > now)
    }

    fn account(&self, now: DateTime<Utc>) -> Account {
        let locked = self.locked_until(now);
        let status = if !self.actief {
            AccountStatus::Uitgeschakeld
        } else if locked.is_some() {
            AccountStatus::Geblokkeerd
        } else if !self.bevestigd {
            AccountStatus::WachtOpBevestiging
        } else {
            AccountStatus::Actief
        };
        Account {
            naam: self.naam.clone(),
            rol: self.rol,
            organisatie: self.organisatie,
            status,
            aangemaakt: self.aangemaakt.clone(),
            geblokkeerd_tot: locked.map(stamp),
        }
    }
}

fn find(conn: &Db, naam: &str) -> Result<Option<Rij>> {
    conn.query_row(
        &format!("{SELECT} WHERE naam = ?1"),
        params![naam],
        from_row,
    )
    .optional()
    .with_context(|| format!("kan account '{naam}' niet lezen"))
}

/// Runs `f` in a savepoint: everything it writes (a change and its audit line) commits
/// together or not at all. Works inside a caller's transaction too.
pub(crate) fn atomically<T>(conn: &Db, f: impl FnOnce() -> Result<T>) -> Result<T> {
    conn.execute_batch("SAVEPOINT loep_auth")?;
    let result = f().and_then(|v| {
        conn.execute_batch("RELEASE loep_auth")?;
        Ok(v)
    });
    if result.is_err() {
        // Best effort: the savepoint may be gone already if RELEASE itself failed late.
        let _ = conn.execute_batch("ROLLBACK TO loep_auth; RELEASE loep_auth");
    }
    result
}

/// Adds an account. The first account of a project must be a beheerder and needs no `by`;
/// every later one is added by a beheerder. A sleutelhouder or fg starts as waiting for an
/// fg's confirmation ([`confirm_user`]).
pub fn add_user(
    conn: &Db,
    by: Option<&Gebruiker>,
    naam: &str,
    rol: Rol,
    organisatie: Option<Partner>,
    password: &str,
) -> Result<Account> {
    check_name(naam)?;
    match by {
        Some(by) => authorize(by, Actie::GebruikersBeheren, Object::Gebruiker { naam })?,
        None => {
            let n: i64 = conn.query_row("SELECT COUNT(*) FROM gebruiker", [], |r| r.get(0))?;
            if n > 0 {
                return Err(refused(
                    "dit project heeft al accounts; een beheerder moet nieuwe accounts toevoegen",
                ));
            }
            if rol != Rol::Beheerder {
                return Err(invalid(
                    "het eerste account van een project moet een beheerder zijn",
                ));
            }
        }
    }
    check_password(naam, password, &[])?;
    if rol == Rol::PartnerMedewerker && organisatie.is_none() {
        return Err(Problem::invalid_in(
            &["organisatie"],
            format!(
                "een partner-medewerker hoort bij één organisatie: geef de organisatie ({})",
                Partner::list()
            ),
        ));
    }
    if organisatie.is_some() && !matches!(rol, Rol::PartnerMedewerker | Rol::Handhaver) {
        return Err(Problem::invalid_in(
            &["organisatie"],
            format!(
                "alleen een partner-medewerker of handhaver hoort bij een organisatie; laat de organisatie weg voor een {}",
                rol.name()
            ),
        ));
    }
    if find(conn, naam)?.is_some() {
        return Err(invalid(format!(
            "er is al een account '{naam}' in dit project; kies een andere naam"
        )));
    }
    // Created by a beheerder, the second pair of eyes waits for an fg.
    let bevestigd = by.is_none() || !rol.needs_confirmation();
    let now = clock::now_utc();
    let wachtwoord = hash_password(password)?;
    let mut toelichting = format!("rol {}", rol.name());
    if let Some(o) = organisatie {
        toelichting.push_str(&format!(", organisatie {}", o.as_str()));
    }
    if !bevestigd {
        toelichting.push_str("; wacht op bevestiging door een functionaris gegevensbescherming");
    }
    atomically(conn, || {
        conn.execute(
            "INSERT INTO gebruiker (naam, rol, organisatie, wachtwoord, actief, aangemaakt, bevestigd, mislukte_pogingen) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, 0)",
            params![
                naam,
                rol.name(),
                organisatie.map(|p| p.as_str()),
                wachtwoord,
                stamp(now),
                bevestigd
            ],
        )
        .with_context(|| format!("kan account '{naam}' niet opslaan"))?;
        audit::record(
            conn,
            now,
            Gebeurtenis::Aangemaakt,
            naam,
            by.map(Gebruiker::naam),
            Some(&toelichting),
        )
    })?;
    Ok(Account {
        naam: naam.to_string(),
        rol,
        organisatie,
        status: if bevestigd {
            AccountStatus::Actief
        } else {
            AccountStatus::WachtOpBevestiging
        },
        aangemaakt: stamp(now),
        geblokkeerd_tot: None,
    })
}

/// Every account of the project, by name, with its state now.
pub fn users(conn: &Db) -> Result<Vec<Account>> {
    users_at(conn, clock::now_utc())
}

fn users_at(conn: &Db, now: DateTime<Utc>) -> Result<Vec<Account>> {
    let mut stmt = conn.prepare(&format!("{SELECT} ORDER BY naam"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows
        .collect::<Result<Vec<_>, _>>()
        .context("kan de accounts niet lezen")?
        .iter()
        .map(|r| r.account(now))
        .collect())
}

/// Disables an account: it can no longer log in; what it did stays recorded.
pub fn disable_user(conn: &Db, by: &Gebruiker, naam: &str) -> Result<()> {
    authorize(by, Actie::GebruikersBeheren, Object::Gebruiker { naam })?;
    let now = clock::now_utc();
    let changed = atomically(conn, || {
        let n = conn.execute(
            "UPDATE gebruiker SET actief = 0, uitgeschakeld = ?2 WHERE naam = ?1 AND actief = 1",
            params![naam, stamp(now)],
        )?;
        if n > 0 {
            audit::record(
                conn,
                now,
                Gebeurtenis::Uitgeschakeld,
                naam,
                Some(by.naam()),
                None,
            )?;
            crate::apparaat::forget_all_of(conn, naam)?;
        }
        Ok(n > 0)
    })?;
    if !changed {
        return match find(conn, naam)? {
            None => Err(not_found(naam)),
            Some(_) => Err(invalid(format!("account '{naam}' is al uitgeschakeld"))),
        };
    }
    Ok(())
}

/// Re-enables a disabled account, or lifts the lock of a locked one, by a beheerder other than
/// the account itself. A sleutelhouder or fg keeps its confirmation state.
pub fn enable_user(conn: &Db, by: &Gebruiker, naam: &str) -> Result<()> {
    enable_user_at(conn, by, naam, clock::now_utc())
}

fn enable_user_at(conn: &Db, by: &Gebruiker, naam: &str, now: DateTime<Utc>) -> Result<()> {
    authorize(by, Actie::GebruikersBeheren, Object::Gebruiker { naam })?;
    let Some(row) = find(conn, naam)? else {
        return Err(not_found(naam));
    };
    let toelichting = match (row.actief, row.locked_until(now)) {
        (false, _) => "weer ingeschakeld",
        (true, Some(_)) => "blokkade na mislukte inlogpogingen opgeheven",
        (true, None) => {
            return Err(invalid(format!(
                "account '{naam}' is niet uitgeschakeld of geblokkeerd; er is niets in te schakelen"
            )));
        }
    };
    atomically(conn, || {
        conn.execute(
            "UPDATE gebruiker SET actief = 1, uitgeschakeld = NULL, mislukte_pogingen = 0, geblokkeerd_tot = NULL WHERE naam = ?1",
            params![naam],
        )?;
        audit::record(
            conn,
            now,
            Gebeurtenis::Ingeschakeld,
            naam,
            Some(by.naam()),
            Some(toelichting),
        )
    })
}

/// A confirmed functionaris gegevensbescherming confirms a sleutelhouder or fg account that a
/// beheerder created; never their own.
pub fn confirm_user(conn: &Db, by: &Gebruiker, naam: &str) -> Result<()> {
    authorize(by, Actie::GebruikersBevestigen, Object::Gebruiker { naam })?;
    let Some(row) = find(conn, naam)? else {
        return Err(not_found(naam));
    };
    if !row.rol.needs_confirmation() {
        return Err(invalid(format!(
            "alleen accounts van een sleutelhouder of functionaris gegevensbescherming worden bevestigd; '{naam}' is een {} en kan al aan het werk",
            row.rol.name()
        )));
    }
    if row.bevestigd {
        return Err(invalid(format!("account '{naam}' is al bevestigd")));
    }
    if !row.actief {
        return Err(invalid(format!(
            "account '{naam}' is uitgeschakeld; laat een beheerder het eerst weer inschakelen"
        )));
    }
    let now = clock::now_utc();
    atomically(conn, || {
        conn.execute(
            "UPDATE gebruiker SET bevestigd = 1 WHERE naam = ?1",
            params![naam],
        )?;
        audit::record(
            conn,
            now,
            Gebeurtenis::Bevestigd,
            naam,
            Some(by.naam()),
            Some(&format!("{} bevestigd", row.rol.name())),
        )
    })
}

/// An account changes its own password: the current one must be right, the new one must
/// meet the rules and differ from it. The account's open sessions end with it (their seal
/// covers the account's row), and the audit trail records the change.
pub fn change_password(conn: &Db, user: &Gebruiker, current: &str, new: &str) -> Result<()> {
    let naam = user.naam();
    let Some(row) = find(conn, naam)? else {
        return Err(not_found(naam));
    };
    if !crate::integrity::row_intact(conn, "gebruiker", naam)? {
        return Err(crate::integrity::tampered(&format!("account '{naam}'")));
    }
    if !verify_password(current, &row.wachtwoord) {
        return Err(refused(
            "geweigerd: het huidige wachtwoord klopt niet; het wachtwoord is niet gewijzigd",
        ));
    }
    if current == new {
        return Err(invalid(
            "het nieuwe wachtwoord is gelijk aan het huidige; kies een ander",
        ));
    }
    check_password(naam, new, &[current])?;
    let wachtwoord = hash_password(new)?;
    let now = clock::now_utc();
    atomically(conn, || {
        conn.execute(
            "UPDATE gebruiker SET wachtwoord = ?2 WHERE naam = ?1",
            params![naam, wachtwoord],
        )
        .with_context(|| format!("kan het wachtwoord van '{naam}' niet opslaan"))?;
        crate::apparaat::forget_all_of(conn, naam)?;
        audit::record(
            conn,
            now,
            Gebeurtenis::WachtwoordGewijzigd,
            naam,
            Some(naam),
            Some("eigen wachtwoord gewijzigd; open sessies beëindigd"),
        )
    })
}

/// Whether the project has a confirmed functionaris gegevensbescherming. A disabled one
/// counts too: disabling the fg must not reopen the way for a beheerder's own fg to confirm
/// itself at an approval.
pub fn has_confirmed_fg(conn: &Db) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM gebruiker WHERE rol = ?1 AND bevestigd = 1)",
        params![Rol::FunctionarisGegevensbescherming.name()],
        |r| r.get(0),
    )?)
}

/// The project's first fg is confirmed by approving the project: the caller runs this inside
/// the approval (same transaction), after [`authorize`] for [`Actie::ProjectGoedkeuren`].
/// Nothing to do for an fg that is confirmed already; refused when `fg` is not confirmed and
/// another fg is, because then that fg must confirm this one.
pub fn confirm_first_fg(conn: &Db, fg: &Gebruiker) -> Result<()> {
    if fg.rol != Rol::FunctionarisGegevensbescherming {
        return Err(refused(format!(
            "geweigerd: alleen een functionaris gegevensbescherming wordt bevestigd bij de goedkeuring van het project; '{}' is een {}",
            fg.naam,
            fg.rol.name()
        )));
    }
    let Some(row) = find(conn, &fg.naam)? else {
        return Err(not_found(&fg.naam));
    };
    if row.bevestigd {
        return Ok(());
    }
    if has_confirmed_fg(conn)? {
        return Err(refused(format!(
            "geweigerd: dit project heeft al een bevestigde functionaris gegevensbescherming; die moet account '{}' eerst bevestigen",
            fg.naam
        )));
    }
    let now = clock::now_utc();
    atomically(conn, || {
        conn.execute(
            "UPDATE gebruiker SET bevestigd = 1 WHERE naam = ?1 AND bevestigd = 0",
            params![fg.naam],
        )?;
        audit::record(
            conn,
            now,
            Gebeurtenis::Bevestigd,
            &fg.naam,
            Some(&fg.naam),
            Some(
                "eerste functionaris gegevensbescherming, bevestigd door de goedkeuring van het project",
            ),
        )
    })
}

/// The name as typed, for the audit line of a failed login with an unknown name: at most 64
/// characters, control characters replaced, so that a typed line cannot forge another.
fn as_typed(naam: &str) -> String {
    naam.chars()
        .take(64)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn wrong() -> anyhow::Error {
    refused("onbekend account of verkeerd wachtwoord voor dit project")
}

fn locked(naam: &str, until: DateTime<Utc>) -> anyhow::Error {
    Problem::error(
        ProblemKind::Busy,
        format!(
            "account '{naam}' is tijdelijk geblokkeerd tot {} na te veel mislukte pogingen; probeer het later opnieuw of vraag een beheerder",
            until.with_timezone(&Local).format("%H:%M")
        ),
    )
}

/// Checks a name and password against this project's accounts. A failure is recorded in the
/// audit trail (and counted, so that [`MAX_FAILED_LOGINS`] in a row lock the account for
/// [`LOCKOUT_MINUTES`]); it is written before the error returns, so run this outside a
/// transaction that the error would roll back.
///
/// This is the login of the command line, run on the server by the project's own system
/// user (who can read the stored password hashes anyway): a [`Client::Known`].
pub fn authenticate(conn: &Db, naam: &str, password: &str) -> Result<Gebruiker> {
    authenticate_at(conn, naam, password, clock::now_utc(), Client::Known)
}

/// [`authenticate`] for a login from `client`.
pub fn authenticate_from(
    conn: &Db,
    naam: &str,
    password: &str,
    client: Client,
) -> Result<Gebruiker> {
    authenticate_at(conn, naam, password, clock::now_utc(), client)
}

/// Where a login comes from, for the lockout: failed logins lock an account against clients
/// it does not know, never against the right password from one it knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// A browser (or other network client) not known to have logged in to the account.
    Unknown,
    /// A browser that logged in to the account before ([`crate::apparaat`]), or the command
    /// line on the server.
    Known,
}

fn authenticate_at(
    conn: &Db,
    naam: &str,
    password: &str,
    now: DateTime<Utc>,
    client: Client,
) -> Result<Gebruiker> {
    let Some(row) = find(conn, naam)? else {
        // Spend the same time as for a known account, so that names cannot be probed.
        let _ = verify_password(password, DUMMY_HASH);
        audit::record(
            conn,
            now,
            Gebeurtenis::InlogMislukt,
            &as_typed(naam),
            None,
            Some("onbekende accountnaam"),
        )?;
        return Err(wrong());
    };
    // Always verify, also for a locked or disabled account: every answer costs the same time.
    let right = verify_password(password, &row.wachtwoord);
    let lock = row.locked_until(now);
    // Others' failed logins do not shut out the account's own user: the right password from
    // a known client logs in and lifts the lock (reset with the count below).
    let lifted = lock.filter(|_| right && client == Client::Known);
    if let (Some(until), None) = (lock, lifted) {
        audit::record(
            conn,
            now,
            Gebeurtenis::InlogMislukt,
            naam,
            None,
            Some(&format!("account geblokkeerd tot {}", stamp(until))),
        )?;
        // Only who knows the password learns that the account is locked: to anyone else a
        // locked account answers as an unknown name or a wrong password does, so that names
        // cannot be probed by locking them.
        return Err(if right { locked(naam, until) } else { wrong() });
    }
    if !right {
        let until = now + TimeDelta::minutes(LOCKOUT_MINUTES);
        atomically(conn, || {
            // One statement counts and locks, so that parallel attempts cannot both slip under.
            let (n, now_locked): (i64, bool) = conn.query_row(
                "UPDATE gebruiker SET
                    mislukte_pogingen = CASE WHEN mislukte_pogingen + 1 >= ?2 THEN 0 ELSE mislukte_pogingen + 1 END,
                    geblokkeerd_tot = CASE WHEN mislukte_pogingen + 1 >= ?2 THEN ?3 ELSE geblokkeerd_tot END
                 WHERE naam = ?1
                 RETURNING mislukte_pogingen, geblokkeerd_tot IS ?3",
                params![naam, MAX_FAILED_LOGINS, stamp(until)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let poging = if now_locked { MAX_FAILED_LOGINS } else { n };
            audit::record(
                conn,
                now,
                Gebeurtenis::InlogMislukt,
                naam,
                None,
                Some(&format!(
                    "verkeerd wachtwoord (poging {poging} van {MAX_FAILED_LOGINS})"
                )),
            )?;
            if now_locked {
                audit::record(
                    conn,
                    now,
                    Gebeurtenis::Geblokkeerd,
                    naam,
                    None,
                    Some(&format!(
                        "{MAX_FAILED_LOGINS} mislukte inlogpogingen op rij; geblokkeerd tot {}",
                        stamp(until)
                    )),
                )?;
            }
            Ok(now_locked)
        })?;
        // The attempt that locks the account answers like any wrong password (see above).
        return Err(wrong());
    }
    if !crate::integrity::row_intact(conn, "gebruiker", naam)? {
        audit::record(
            conn,
            now,
            Gebeurtenis::InlogMislukt,
            naam,
            None,
            Some("account buiten loep gewijzigd"),
        )?;
        return Err(crate::integrity::tampered(&format!("account '{naam}'")));
    }
    if !row.actief {
        audit::record(
            conn,
            now,
            Gebeurtenis::InlogMislukt,
            naam,
            None,
            Some("account uitgeschakeld"),
        )?;
        return Err(refused(format!(
            "account '{naam}' is uitgeschakeld; vraag een beheerder om het weer in te schakelen"
        )));
    }
    if let Some(until) = lifted {
        audit::record(
            conn,
            now,
            Gebeurtenis::Ingeschakeld,
            naam,
            None,
            Some(&format!(
                "blokkade tot {} opgeheven: juist wachtwoord van een bekend apparaat of de opdrachtregel",
                stamp(until)
            )),
        )?;
    }
    // A success resets the count; written only when there is something to reset, so that a
    // login that only reads the project writes nothing.
    conn.execute(
        "UPDATE gebruiker SET mislukte_pogingen = 0, geblokkeerd_tot = NULL
         WHERE naam = ?1 AND (mislukte_pogingen <> 0 OR geblokkeerd_tot IS NOT NULL)",
        params![naam],
    )?;
    Ok(Gebruiker {
        naam: row.naam,
        rol: row.rol,
        organisatie: row.organisatie,
        bevestigd: row.bevestigd,
    })
}

/// Whether account `naam` is locked at `now` (too many failed logins): its web sessions end
/// ([`crate::websessie::resume`]); its user logs in again, and the right password from a
/// browser that logged in to it before lifts the lock ([`Client::Known`]). API keys are not
/// affected: whoever fails to log in as an account cannot stop a partner's system.
pub(crate) fn locked_now(conn: &Db, naam: &str, now: DateTime<Utc>) -> Result<bool> {
    Ok(find(conn, naam)?.is_some_and(|row| row.locked_until(now).is_some()))
}

/// The account `naam` as it stands now, for a session that a login started before
/// ([`crate::websessie::resume`]): refused when the account is gone, disabled or changed
/// outside loep. A lockout (failed logins by whoever) does not end a session already open.
pub(crate) fn reload(conn: &Db, naam: &str) -> Result<Gebruiker> {
    let Some(row) = find(conn, naam)? else {
        return Err(refused(format!(
            "account '{naam}' bestaat niet meer; log opnieuw in"
        )));
    };
    if !crate::integrity::row_intact(conn, "gebruiker", naam)? {
        return Err(crate::integrity::tampered(&format!("account '{naam}'")));
    }
    if !row.actief {
        return Err(refused(format!(
            "account '{naam}' is uitgeschakeld; vraag een beheerder om het weer in te schakelen"
        )));
    }
    Ok(Gebruiker {
        naam: row.naam,
        rol: row.rol,
        organisatie: row.organisatie,
        bevestigd: row.bevestigd,
    })
}

/// A valid Argon2id hash of a random password, used to answer unknown names in equal time.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$7nQ0Y1lI5Y3e0PpAaY8o2i0Q1m0zX9nJpT0cJmR1b8s";

#[cfg(test)]
mod tests {
    use super::*;

    const PW: &str = "een lang wachtwoord";

    fn user(naam: &str, rol: Rol) -> Gebruiker {
        Gebruiker::for_test(
            naam,
            rol,
            (rol == Rol::PartnerMedewerker).then_some(Partner::Uwv),
            true,
        )
    }

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-05-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    /// A project with its first beheerder, logged in.
    fn project() -> (rusqlite::Connection, Gebruiker) {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::integrity::register(Db::of(&conn), &crate::integrity::test_key(), 0).unwrap();
        create_schema(Db::of(&conn)).unwrap();
        add_user(Db::of(&conn), None, "beheer", Rol::Beheerder, None, PW).unwrap();
        let b = authenticate(Db::of(&conn), "beheer", PW).unwrap();
        (conn, b)
    }

    fn add(conn: &Db, by: &Gebruiker, naam: &str, rol: Rol) -> Gebruiker {
        add_user(conn, Some(by), naam, rol, None, PW).unwrap();
        authenticate(conn, naam, PW).unwrap()
    }

    fn events(conn: &Db) -> Vec<(Gebeurtenis, String, Option<String>)> {
        audit::records(conn)
            .unwrap()
            .into_iter()
            .map(|r| (r.gebeurtenis, r.account, r.door))
            .collect()
    }

    fn status(conn: &Db, naam: &str, now: DateTime<Utc>) -> Account {
        users_at(conn, now)
            .unwrap()
            .into_iter()
            .find(|a| a.naam == naam)
            .unwrap()
    }

    fn kind(e: &anyhow::Error) -> Option<ProblemKind> {
        e.chain()
            .find_map(|c| c.downcast_ref::<Problem>())
            .map(|p| p.kind)
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
            Actie::GebruikersBeheren | Actie::GebruikersBevestigen => Object::Gebruiker {
                naam: "iemand-anders",
            },
            Actie::ZaakHeropenen => Object::Zaak {
                op_zaak: true,
                gesloten: true,
            },
            a if a.on_case() => Object::Zaak {
                op_zaak: true,
                gesloten: false,
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
            (GebruikersBevestigen, "F"),
            (AuditBekijken, "F"),
            (LogControleren, "F B"),
            (LogExporteren, "F"),
            (BewaartermijnenHandhaven, "F B"),
            (InzageOpstellen, "S F"),
            (InzageBeperken, "F"),
            (RegisterExporteren, "P F"),
            (ZaakAanmaken, "A P"),
            (ZakenBekijken, "P A M H"),
            (ZaakBehandelen, "P A H"),
            (ZaakToewijzen, "P"),
            (HuisbezoekVastleggen, "H"),
            (BevindingVastleggen, "M H"),
            (ZaakAfsluiten, "P H"),
            (ZaakHeropenen, "P"),
            (TrefkansBekijken, "P A F"),
            (TerugmeldingExporteren, "H"),
            (KoppelingVoorstellen, "A"),
            (KoppelingBevestigen, "S"),
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
    fn refusals_say_why_and_keep_their_prefix() {
        let a = user("analist", Rol::Analist);
        let e = authorize(&a, Actie::ProjectGoedkeuren, Object::Project).unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("geweigerd: "), "{msg}");
        assert!(msg.contains("het project goedkeuren"), "{msg}");
        assert!(msg.contains("functionaris-gegevensbescherming"), "{msg}");
        assert_eq!(kind(&e), Some(ProblemKind::Refused));
        for actie in Actie::ALL {
            assert!(!actie.describe().is_empty());
            assert!(!actie.roles().is_empty(), "{actie:?}");
        }
    }

    #[test]
    fn case_rules() {
        let m = user("uwv-1", Rol::PartnerMedewerker);
        let h = user("handhaver", Rol::Handhaver);
        let p = user("pl", Rol::Projectleider);
        let not_ours = Object::Zaak {
            op_zaak: false,
            gesloten: false,
        };
        let ours = Object::Zaak {
            op_zaak: true,
            gesloten: false,
        };
        let closed = Object::Zaak {
            op_zaak: true,
            gesloten: true,
        };
        for u in [&m, &h] {
            assert!(decide(u, Actie::ZakenBekijken, not_ours).is_err());
            assert!(decide(u, Actie::ZakenBekijken, ours).is_ok());
            assert!(decide(u, Actie::BevindingVastleggen, not_ours).is_err());
            assert!(decide(u, Actie::BevindingVastleggen, ours).is_ok());
            assert!(decide(u, Actie::BevindingVastleggen, closed).is_err());
            assert!(decide(u, Actie::ZakenBekijken, closed).is_ok());
        }
        // The projectleider sees every case, changes none that is closed, reopens only those.
        assert!(decide(&p, Actie::ZakenBekijken, not_ours).is_ok());
        assert!(decide(&p, Actie::ZaakToewijzen, closed).is_err());
        assert!(decide(&p, Actie::ZaakHeropenen, closed).is_ok());
        assert!(decide(&p, Actie::ZaakHeropenen, ours).is_err());
        assert!(decide(&h, Actie::ZaakHeropenen, closed).is_err());
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
        let fg = user("fg", Rol::FunctionarisGegevensbescherming);
        assert!(
            decide(
                &fg,
                Actie::GebruikersBevestigen,
                Object::Gebruiker { naam: "fg" }
            )
            .is_err()
        );
        assert!(
            decide(
                &fg,
                Actie::GebruikersBevestigen,
                Object::Gebruiker { naam: "fg2" }
            )
            .is_ok()
        );
    }

    /// An unconfirmed account may do nothing but approve the project (and only an fg may do
    /// that by the table).
    #[test]
    fn unconfirmed_accounts_may_only_approve() {
        for rol in [Rol::Sleutelhouder, Rol::FunctionarisGegevensbescherming] {
            let u = Gebruiker::for_test("nieuw", rol, None, false);
            for actie in Actie::ALL {
                let got = decide(&u, actie, object_for(actie, "nieuw"));
                let may = actie == Actie::ProjectGoedkeuren
                    && rol == Rol::FunctionarisGegevensbescherming;
                assert_eq!(got.is_ok(), may, "{actie:?} by {rol:?}: {got:?}");
                if actie != Actie::ProjectGoedkeuren {
                    assert!(got.unwrap_err().contains("nog niet bevestigd"));
                }
            }
        }
    }

    #[test]
    fn accounts() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::integrity::register(Db::of(&conn), &crate::integrity::test_key(), 0).unwrap();
        create_schema(Db::of(&conn)).unwrap();
        assert!(add_user(Db::of(&conn), None, "analist", Rol::Analist, None, PW).is_err());
        let added = add_user(Db::of(&conn), None, "beheer", Rol::Beheerder, None, PW).unwrap();
        assert_eq!(added.status, AccountStatus::Actief);
        assert_eq!(added.rol, Rol::Beheerder);
        let b = authenticate(Db::of(&conn), "beheer", PW).unwrap();
        assert_eq!(
            (b.naam(), b.rol(), b.bevestigd()),
            ("beheer", Rol::Beheerder, true)
        );
        let e = add_user(Db::of(&conn), None, "b2", Rol::Beheerder, None, PW).unwrap_err();
        assert_eq!(kind(&e), Some(ProblemKind::Refused), "{e}");
        let e = add_user(Db::of(&conn), Some(&b), "a", Rol::Analist, None, "kort").unwrap_err();
        assert!(e.to_string().contains("minstens 12 tekens"), "{e}");
        assert_eq!(kind(&e), Some(ProblemKind::Invalid));
        let e = add_user(
            Db::of(&conn),
            Some(&b),
            "m",
            Rol::PartnerMedewerker,
            None,
            PW,
        )
        .unwrap_err();
        assert!(e.to_string().contains("geef de organisatie"), "{e}");
        assert_eq!(Problem::fields_of(&e), ["organisatie"]);
        let e = add_user(
            Db::of(&conn),
            Some(&b),
            "a",
            Rol::Analist,
            Some(Partner::Uwv),
            PW,
        )
        .unwrap_err();
        assert!(e.to_string().contains("laat de organisatie weg"), "{e}");
        assert_eq!(Problem::fields_of(&e), ["organisatie"]);
        assert!(
            add_user(
                Db::of(&conn),
                Some(&b),
                "naam met spatie",
                Rol::Analist,
                None,
                PW
            )
            .is_err()
        );
        add_user(
            Db::of(&conn),
            Some(&b),
            "m",
            Rol::PartnerMedewerker,
            Some(Partner::Uwv),
            PW,
        )
        .unwrap();
        assert_eq!(
            authenticate(Db::of(&conn), "m", PW).unwrap().organisatie(),
            Some(Partner::Uwv)
        );
        let a = add(Db::of(&conn), &b, "a", Rol::Analist);
        let e = add_user(Db::of(&conn), Some(&b), "a", Rol::Analist, None, PW).unwrap_err();
        assert!(e.to_string().contains("al een account 'a'"), "{e}");
        let e = add_user(Db::of(&conn), Some(&a), "x", Rol::Analist, None, PW).unwrap_err();
        assert!(e.to_string().starts_with("geweigerd: "), "{e}");
        let phc: String = conn
            .query_row(
                "SELECT wachtwoord FROM gebruiker WHERE naam = 'a'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert_eq!(authenticate(Db::of(&conn), "a", PW).unwrap(), a);
        let e = authenticate(Db::of(&conn), "a", "een ander wachtwoord").unwrap_err();
        assert!(e.to_string().contains("verkeerd wachtwoord"), "{e}");
        assert_eq!(kind(&e), Some(ProblemKind::Refused));
        let e = authenticate(Db::of(&conn), "niemand", PW).unwrap_err();
        assert!(e.to_string().contains("onbekend account"), "{e}");
        disable_user(Db::of(&conn), &b, "a").unwrap();
        let e = authenticate(Db::of(&conn), "a", PW).unwrap_err();
        assert!(e.to_string().contains("uitgeschakeld"), "{e}");
        // A disabled account with a wrong password learns nothing more than any other name.
        let e = authenticate(Db::of(&conn), "a", "een ander wachtwoord").unwrap_err();
        assert!(e.to_string().contains("verkeerd wachtwoord"), "{e}");
        assert!(disable_user(Db::of(&conn), &b, "a").is_err());
        let e = disable_user(Db::of(&conn), &b, "niemand").unwrap_err();
        assert_eq!(kind(&e), Some(ProblemKind::NotFound), "{e}");
        let e = disable_user(Db::of(&conn), &b, "beheer").unwrap_err();
        assert!(e.to_string().contains("eigen account"), "{e}");
        let list = users(Db::of(&conn)).unwrap();
        assert_eq!(list.len(), 3);
        let a = list.iter().find(|u| u.naam == "a").unwrap();
        assert_eq!(a.status, AccountStatus::Uitgeschakeld);
        let json = serde_json::to_value(a).unwrap();
        assert_eq!(json["status"], "uitgeschakeld");
        assert_eq!(json["rol"], "analist");
        assert!(json.get("wachtwoord").is_none());
    }

    /// Unknown names cost a full Argon2 verification with the same parameters as a real hash.
    #[test]
    fn the_dummy_hash_costs_what_a_real_one_does() {
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        let real = hash_password(PW).unwrap();
        let real = PasswordHash::new(&real).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        let params = |h: &PasswordHash<'_>| -> Vec<(String, String)> {
            h.params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(params(&dummy), params(&real));
        assert!(!verify_password(PW, DUMMY_HASH));
    }

    #[test]
    fn weak_passwords_are_refused() {
        for (naam, pw) in [
            ("analist", "aaaaaaaaaaaa"),
            ("analist", "123456789012"),
            ("analist", "wachtwoord123"),
            ("sleutelhouder2", "sleutelhouder2"),
            ("analist2", "analist2analist2"),
            ("beheerder", "Beheerder2026!"),
            ("jan.jansen@gemeente.nl", "jan.jansen@gemeente.nl"),
        ] {
            let e = check_new_account(naam, pw).unwrap_err();
            assert!(e.to_string().contains("te makkelijk te raden"), "{pw}: {e}");
            assert_eq!(kind(&e), Some(ProblemKind::Invalid));
        }
        let e = check_new_account("analist2", "analist2analist2").unwrap_err();
        assert!(e.to_string().contains("accountnaam"), "{e}");
        // Without the name as a user input the same password would pass: the name counts.
        assert!(check_password("iemand", "sleutelhouder2sleutelhouder2", &[]).is_ok());
        assert!(check_password("sleutelhouder2", "sleutelhouder2sleutelhouder2", &[]).is_err());
        // Extra words from the caller count as well.
        let words = ["zaandam", "interventieteam"];
        assert!(check_password("x", "interventieteamzaandam", &[]).is_ok());
        assert!(check_password("x", "interventieteamzaandam", &words).is_err());
        // The length rule stays, also for a strong-looking short password.
        let e = check_new_account("analist", "Xq7#pL2!vR").unwrap_err();
        assert!(e.to_string().contains("minstens 12"), "{e}");
        // add_user applies the same check.
        let (conn, b) = project();
        assert!(
            add_user(
                Db::of(&conn),
                Some(&b),
                "analist",
                Rol::Analist,
                None,
                "aaaaaaaaaaaa"
            )
            .is_err()
        );
        assert!(
            add_user(
                Db::of(&conn),
                Some(&b),
                "analist",
                Rol::Analist,
                None,
                "analist-analist"
            )
            .is_err()
        );
        // Built from the name: what is left must be strong on its own.
        for pw in [
            "analist-analist",
            "Analist-2026!",
            "ANALIST.analist",
            "analist-analist-analist",
        ] {
            let e = check_new_account("analist", pw).unwrap_err();
            assert!(e.to_string().contains("te makkelijk te raden"), "{pw}: {e}");
        }
        check_new_account("analist", "analist-wachtwoord-voor-de-tests").unwrap();
        // The passwords the other crates' tests and the demo use pass.
        for pw in [
            "wachtwoord-voor-de-tests",
            "demo-wachtwoord-2026",
            "een lang wachtwoord",
        ] {
            for naam in ["beheerder", "fg", "analist2", "sleutelhouder", "uwv"] {
                check_new_account(naam, pw).unwrap();
            }
        }
    }

    /// Anyone can lock an account by failing to log in to it; the right password from a
    /// client that logged in to it before (a known device, the command line) still logs in
    /// and lifts the lock, so that a stranger cannot shut out the privacy officer.
    #[test]
    fn the_right_password_from_a_known_client_lifts_a_lock_others_caused() {
        let (conn, b) = project();
        add(Db::of(&conn), &b, "fg2", Rol::Analist);
        let t = t0();
        for _ in 0..MAX_FAILED_LOGINS {
            let _ = authenticate_at(
                Db::of(&conn),
                "fg2",
                "niet het goede wachtwoord",
                t,
                Client::Unknown,
            );
        }
        assert_eq!(
            status(Db::of(&conn), "fg2", t).status,
            AccountStatus::Geblokkeerd
        );
        // An unknown client with the right password is still refused.
        let e = authenticate_at(Db::of(&conn), "fg2", PW, t, Client::Unknown).unwrap_err();
        assert!(e.to_string().contains("tijdelijk geblokkeerd"), "{e}");
        // A known client with a wrong password is refused, and the lock stays.
        let e = authenticate_at(
            Db::of(&conn),
            "fg2",
            "nog een verkeerd wachtwoord",
            t,
            Client::Known,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), wrong().to_string());
        assert_eq!(
            status(Db::of(&conn), "fg2", t).status,
            AccountStatus::Geblokkeerd
        );
        // The right password from a known client logs in and lifts the lock.
        assert_eq!(
            authenticate_at(Db::of(&conn), "fg2", PW, t, Client::Known)
                .unwrap()
                .naam(),
            "fg2"
        );
        assert_eq!(
            status(Db::of(&conn), "fg2", t).status,
            AccountStatus::Actief
        );
        assert_eq!(
            authenticate_at(Db::of(&conn), "fg2", PW, t, Client::Unknown)
                .unwrap()
                .naam(),
            "fg2"
        );
        assert!(
            events(Db::of(&conn))
                .iter()
                .any(|(g, a, _)| *g == Gebeurtenis::Ingeschakeld && a == "fg2")
        );
    }

    #[test]
    fn five_failures_lock_the_account_for_fifteen_minutes() {
        let (conn, b) = project();
        add(Db::of(&conn), &b, "a", Rol::Analist);
        let t = t0();
        for i in 1..MAX_FAILED_LOGINS {
            let e = authenticate_at(
                Db::of(&conn),
                "a",
                "niet het goede wachtwoord",
                t,
                Client::Unknown,
            )
            .unwrap_err();
            assert!(e.to_string().contains("verkeerd wachtwoord"), "{i}: {e}");
        }
        assert_eq!(status(Db::of(&conn), "a", t).status, AccountStatus::Actief);
        // The fifth locks, and answers as any wrong password does: to someone without the
        // password a locked account looks like an unknown one.
        let e = authenticate_at(
            Db::of(&conn),
            "a",
            "niet het goede wachtwoord",
            t,
            Client::Unknown,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), wrong().to_string());
        let unknown = authenticate_at(
            Db::of(&conn),
            "onbekend",
            "niet het goede wachtwoord",
            t,
            Client::Unknown,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), unknown.to_string());
        assert_eq!(kind(&e), kind(&unknown));
        let e = authenticate_at(
            Db::of(&conn),
            "a",
            "nog een verkeerd wachtwoord",
            t,
            Client::Unknown,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), unknown.to_string());
        // With the right password the owner learns why.
        let until = t + TimeDelta::minutes(LOCKOUT_MINUTES);
        let hhmm = until.with_timezone(&Local).format("%H:%M").to_string();
        let e = authenticate_at(Db::of(&conn), "a", PW, t, Client::Unknown).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "account 'a' is tijdelijk geblokkeerd tot {hhmm} na te veel mislukte pogingen; probeer het later opnieuw of vraag een beheerder"
            )
        );
        assert_eq!(kind(&e), Some(ProblemKind::Busy));
        let listed = status(Db::of(&conn), "a", t);
        assert_eq!(listed.status, AccountStatus::Geblokkeerd);
        assert_eq!(listed.geblokkeerd_tot, Some(stamp(until)));
        assert_eq!(
            serde_json::to_value(&listed).unwrap()["status"],
            "geblokkeerd"
        );
        // While locked, even the right password is refused, up to the last second.
        for later in [
            TimeDelta::seconds(1),
            TimeDelta::minutes(LOCKOUT_MINUTES) - TimeDelta::seconds(1),
        ] {
            let e =
                authenticate_at(Db::of(&conn), "a", PW, t + later, Client::Unknown).unwrap_err();
            assert!(e.to_string().contains("tijdelijk geblokkeerd tot"), "{e}");
        }
        // After the period the right password works again.
        let after = until + TimeDelta::seconds(1);
        assert_eq!(
            status(Db::of(&conn), "a", after).status,
            AccountStatus::Actief
        );
        assert_eq!(status(Db::of(&conn), "a", after).geblokkeerd_tot, None);
        assert_eq!(
            authenticate_at(Db::of(&conn), "a", PW, after, Client::Unknown)
                .unwrap()
                .naam(),
            "a"
        );
        let trail = events(Db::of(&conn));
        let failed = trail
            .iter()
            .filter(|(g, a, _)| *g == Gebeurtenis::InlogMislukt && a == "a")
            .count();
        assert_eq!(failed as i64, MAX_FAILED_LOGINS + 4);
        assert_eq!(
            trail
                .iter()
                .filter(|(g, a, _)| *g == Gebeurtenis::Geblokkeerd && a == "a")
                .count(),
            1
        );
    }

    #[test]
    fn a_success_resets_the_count() {
        let (conn, b) = project();
        add(Db::of(&conn), &b, "a", Rol::Analist);
        let t = t0();
        for round in 0..3 {
            for _ in 1..MAX_FAILED_LOGINS {
                assert!(
                    authenticate_at(
                        Db::of(&conn),
                        "a",
                        "niet het goede wachtwoord",
                        t,
                        Client::Unknown
                    )
                    .is_err()
                );
            }
            authenticate_at(Db::of(&conn), "a", PW, t, Client::Unknown)
                .unwrap_or_else(|e| panic!("round {round}: {e}"));
        }
        assert_eq!(status(Db::of(&conn), "a", t).status, AccountStatus::Actief);
        // Without the success in between, one more failure would have locked it.
        for _ in 0..MAX_FAILED_LOGINS {
            let _ = authenticate_at(
                Db::of(&conn),
                "a",
                "niet het goede wachtwoord",
                t,
                Client::Unknown,
            );
        }
        assert_eq!(
            status(Db::of(&conn), "a", t).status,
            AccountStatus::Geblokkeerd
        );
    }

    #[test]
    fn failures_with_unknown_names_are_recorded_as_typed() {
        let (conn, _) = project();
        let long = format!("{}\nnep-regel", "x".repeat(80));
        for naam in ["niemand", long.as_str()] {
            let e = authenticate(Db::of(&conn), naam, PW).unwrap_err();
            assert!(e.to_string().contains("onbekend account"), "{e}");
        }
        let failed: Vec<audit::AuditRecord> = audit::records(Db::of(&conn))
            .unwrap()
            .into_iter()
            .filter(|r| r.gebeurtenis == Gebeurtenis::InlogMislukt)
            .collect();
        assert_eq!(failed.len(), 2);
        assert_eq!(failed[0].account, "niemand");
        assert_eq!(failed[1].account, "x".repeat(64));
        assert_eq!(failed[0].door, None);
        assert!(
            failed[0]
                .toelichting
                .as_deref()
                .unwrap()
                .contains("onbekend")
        );
        // A name with a control character inside the first 64 is kept, the character not.
        let _ = authenticate(Db::of(&conn), "a\nb", PW);
        assert_eq!(
            audit::records(Db::of(&conn))
                .unwrap()
                .last()
                .unwrap()
                .account,
            "a?b"
        );
    }

    #[test]
    fn another_beheerder_re_enables() {
        let (conn, b) = project();
        let b2 = add(Db::of(&conn), &b, "beheer2", Rol::Beheerder);
        add(Db::of(&conn), &b, "a", Rol::Analist);
        let e = enable_user(Db::of(&conn), &b, "a").unwrap_err();
        assert!(e.to_string().contains("niets in te schakelen"), "{e}");
        disable_user(Db::of(&conn), &b, "a").unwrap();
        assert!(authenticate(Db::of(&conn), "a", PW).is_err());
        enable_user(Db::of(&conn), &b2, "a").unwrap();
        assert_eq!(authenticate(Db::of(&conn), "a", PW).unwrap().naam(), "a");
        assert_eq!(
            status(Db::of(&conn), "a", clock::now_utc()).status,
            AccountStatus::Actief
        );
        // Not one's own account, not by a non-beheerder, not an unknown one.
        disable_user(Db::of(&conn), &b, "beheer2").unwrap();
        let e = enable_user(Db::of(&conn), &b2, "beheer2").unwrap_err();
        assert!(e.to_string().starts_with("geweigerd: "), "{e}");
        let a = authenticate(Db::of(&conn), "a", PW).unwrap();
        assert!(enable_user(Db::of(&conn), &a, "beheer2").is_err());
        let e = enable_user(Db::of(&conn), &b, "niemand").unwrap_err();
        assert_eq!(kind(&e), Some(ProblemKind::NotFound));
        enable_user(Db::of(&conn), &b, "beheer2").unwrap();
        let trail = events(Db::of(&conn));
        assert!(trail.contains(&(
            Gebeurtenis::Ingeschakeld,
            "a".to_string(),
            Some("beheer2".to_string())
        )));
        assert!(trail.contains(&(
            Gebeurtenis::Uitgeschakeld,
            "a".to_string(),
            Some("beheer".to_string())
        )));
    }

    #[test]
    fn a_beheerder_lifts_a_lock() {
        let (conn, b) = project();
        add(Db::of(&conn), &b, "a", Rol::Analist);
        let t = clock::now_utc();
        for _ in 0..MAX_FAILED_LOGINS {
            let _ = authenticate_at(
                Db::of(&conn),
                "a",
                "niet het goede wachtwoord",
                t,
                Client::Unknown,
            );
        }
        assert!(authenticate_at(Db::of(&conn), "a", PW, t, Client::Unknown).is_err());
        enable_user_at(Db::of(&conn), &b, "a", t).unwrap();
        assert_eq!(
            authenticate_at(Db::of(&conn), "a", PW, t, Client::Unknown)
                .unwrap()
                .naam(),
            "a"
        );
    }

    #[test]
    fn a_pending_sleutelhouder_can_do_nothing_until_an_fg_confirms() {
        let (conn, b) = project();
        let fg = add(
            Db::of(&conn),
            &b,
            "fg",
            Rol::FunctionarisGegevensbescherming,
        );
        let listed = add_user(
            Db::of(&conn),
            Some(&b),
            "sleutel",
            Rol::Sleutelhouder,
            None,
            PW,
        )
        .unwrap();
        assert_eq!(listed.status, AccountStatus::WachtOpBevestiging);
        assert_eq!(
            serde_json::to_value(&listed).unwrap()["status"],
            "wacht-op-bevestiging"
        );
        // It can log in, but every action is refused.
        let s = authenticate(Db::of(&conn), "sleutel", PW).unwrap();
        assert!(!s.bevestigd());
        for actie in Actie::ALL {
            let e = authorize(&s, actie, object_for(actie, "sleutel")).unwrap_err();
            assert!(e.to_string().starts_with("geweigerd: "), "{e}");
        }
        // A beheerder cannot confirm it; nor can an fg that is not confirmed itself.
        assert!(confirm_user(Db::of(&conn), &b, "sleutel").is_err());
        assert!(!fg.bevestigd());
        assert!(confirm_user(Db::of(&conn), &fg, "sleutel").is_err());
        // The first fg is confirmed at the approval, and then confirms the key holder.
        confirm_first_fg(Db::of(&conn), &fg).unwrap();
        let fg = authenticate(Db::of(&conn), "fg", PW).unwrap();
        assert!(fg.bevestigd());
        confirm_user(Db::of(&conn), &fg, "sleutel").unwrap();
        let s = authenticate(Db::of(&conn), "sleutel", PW).unwrap();
        assert!(s.bevestigd());
        let request = Object::Onthulling {
            aanvrager: "analist",
            goedgekeurd: false,
            op_zaak: false,
        };
        authorize(&s, Actie::OnthullingBeoordelen, request).unwrap();
        assert_eq!(
            status(Db::of(&conn), "sleutel", clock::now_utc()).status,
            AccountStatus::Actief
        );
        let e = confirm_user(Db::of(&conn), &fg, "sleutel").unwrap_err();
        assert!(e.to_string().contains("al bevestigd"), "{e}");
        // Other roles need no confirmation.
        let a = add(Db::of(&conn), &b, "a", Rol::Analist);
        assert!(a.bevestigd());
        assert!(confirm_user(Db::of(&conn), &fg, "a").is_err());
        assert!(events(Db::of(&conn)).contains(&(
            Gebeurtenis::Bevestigd,
            "sleutel".to_string(),
            Some("fg".to_string())
        )));
    }

    #[test]
    fn an_fg_cannot_confirm_themselves() {
        let (conn, b) = project();
        let fg = add(
            Db::of(&conn),
            &b,
            "fg",
            Rol::FunctionarisGegevensbescherming,
        );
        confirm_first_fg(Db::of(&conn), &fg).unwrap();
        let fg = authenticate(Db::of(&conn), "fg", PW).unwrap();
        let fg2 = add(
            Db::of(&conn),
            &b,
            "fg2",
            Rol::FunctionarisGegevensbescherming,
        );
        // The second fg can neither confirm themselves nor be confirmed by an approval.
        let e = confirm_user(Db::of(&conn), &fg2, "fg2").unwrap_err();
        assert!(e.to_string().starts_with("geweigerd: "), "{e}");
        let e = confirm_first_fg(Db::of(&conn), &fg2).unwrap_err();
        assert!(e.to_string().contains("al een bevestigde"), "{e}");
        assert!(!authenticate(Db::of(&conn), "fg2", PW).unwrap().bevestigd());
        // A confirmed fg cannot confirm their own account either (the rule, not the state).
        let e = decide(
            &fg,
            Actie::GebruikersBevestigen,
            Object::Gebruiker { naam: "fg" },
        )
        .unwrap_err();
        assert!(e.contains("eigen account"), "{e}");
        confirm_user(Db::of(&conn), &fg, "fg2").unwrap();
        assert!(authenticate(Db::of(&conn), "fg2", PW).unwrap().bevestigd());
    }

    #[test]
    fn the_first_fg_is_confirmed_at_approval_only_when_there_is_none() {
        let (conn, b) = project();
        assert!(!has_confirmed_fg(Db::of(&conn)).unwrap());
        let fg = add(
            Db::of(&conn),
            &b,
            "fg",
            Rol::FunctionarisGegevensbescherming,
        );
        let fg2 = add(
            Db::of(&conn),
            &b,
            "fg2",
            Rol::FunctionarisGegevensbescherming,
        );
        // Unconfirmed, the fg may approve the project and nothing else.
        authorize(&fg, Actie::ProjectGoedkeuren, Object::Project).unwrap();
        assert!(authorize(&fg, Actie::LogExporteren, Object::Project).is_err());
        // Only an fg is confirmed this way.
        assert!(confirm_first_fg(Db::of(&conn), &b).is_err());
        let s = add(Db::of(&conn), &b, "sleutel", Rol::Sleutelhouder);
        assert!(confirm_first_fg(Db::of(&conn), &s).is_err());
        assert!(!has_confirmed_fg(Db::of(&conn)).unwrap());
        confirm_first_fg(Db::of(&conn), &fg).unwrap();
        assert!(has_confirmed_fg(Db::of(&conn)).unwrap());
        // Approving again changes nothing and is no error.
        confirm_first_fg(Db::of(&conn), &fg).unwrap();
        // Now there is one: the second fg waits for the first.
        assert!(confirm_first_fg(Db::of(&conn), &fg2).is_err());
        assert!(!authenticate(Db::of(&conn), "fg2", PW).unwrap().bevestigd());
        // Disabling the confirmed fg does not reopen the way.
        disable_user(Db::of(&conn), &b, "fg").unwrap();
        assert!(has_confirmed_fg(Db::of(&conn)).unwrap());
        assert!(confirm_first_fg(Db::of(&conn), &fg2).is_err());
        let confirmed: Vec<_> = events(Db::of(&conn))
            .into_iter()
            .filter(|(g, _, _)| *g == Gebeurtenis::Bevestigd)
            .collect();
        assert_eq!(
            confirmed,
            vec![(
                Gebeurtenis::Bevestigd,
                "fg".to_string(),
                Some("fg".to_string())
            )]
        );
    }

    #[test]
    fn every_event_is_in_the_audit_trail() {
        let (conn, b) = project();
        let fg = add(
            Db::of(&conn),
            &b,
            "fg",
            Rol::FunctionarisGegevensbescherming,
        );
        confirm_first_fg(Db::of(&conn), &fg).unwrap();
        let fg = authenticate(Db::of(&conn), "fg", PW).unwrap();
        add(Db::of(&conn), &b, "sleutel", Rol::Sleutelhouder);
        confirm_user(Db::of(&conn), &fg, "sleutel").unwrap();
        add(Db::of(&conn), &b, "a", Rol::Analist);
        disable_user(Db::of(&conn), &b, "a").unwrap();
        let b2 = add(Db::of(&conn), &b, "b2", Rol::Beheerder);
        enable_user(Db::of(&conn), &b2, "a").unwrap();
        for _ in 0..MAX_FAILED_LOGINS {
            let _ = authenticate(Db::of(&conn), "a", "niet het goede wachtwoord");
        }
        let _ = authenticate(Db::of(&conn), "niemand", PW);
        add(Db::of(&conn), &b, "hh", Rol::Handhaver);
        // The key's row is sealed: the connection needs the integrity key's MAC function.
        crate::integrity::register(Db::of(&conn), &crate::integrity::test_key(), 0).unwrap();
        let now = crate::clock::now_utc();
        let (k, _) = crate::apisleutel::issue(
            Db::of(&conn),
            &b,
            "hh",
            &[crate::apisleutel::Scope::ZakenLezen],
            "zaaksysteem",
            now,
        )
        .unwrap();
        // What the project's trigger does on insert.
        conn.execute_batch(
            "UPDATE api_sleutel SET mac = loep_mac('api_sleutel', id, hash, gebruiker, scopes, door, ingetrokken)",
        )
        .unwrap();
        crate::apisleutel::revoke(Db::of(&conn), &b2, &k.id, now).unwrap();
        // A password change: only with the current password, never to the same or a weak one.
        let new = "vier losse woorden als nieuw wachtwoord";
        let e = change_password(Db::of(&conn), &b2, "niet het wachtwoord", new).unwrap_err();
        assert!(
            e.to_string().contains("huidige wachtwoord klopt niet"),
            "{e}"
        );
        assert!(change_password(Db::of(&conn), &b2, PW, PW).is_err());
        assert!(change_password(Db::of(&conn), &b2, PW, "kort").is_err());
        change_password(Db::of(&conn), &b2, PW, new).unwrap();
        assert!(authenticate(Db::of(&conn), "b2", PW).is_err());
        assert_eq!(authenticate(Db::of(&conn), "b2", new).unwrap().naam(), "b2");
        let trail = audit::records(Db::of(&conn)).unwrap();
        for g in Gebeurtenis::ALL {
            assert!(trail.iter().any(|r| r.gebeurtenis == g), "{g:?}: {trail:?}");
        }
        // The first beheerder was created by nobody; everything else names who did it.
        assert_eq!(trail[0].account, "beheer");
        assert_eq!(trail[0].door, None);
        let created_sleutel = trail
            .iter()
            .find(|r| r.gebeurtenis == Gebeurtenis::Aangemaakt && r.account == "sleutel")
            .unwrap();
        assert_eq!(created_sleutel.door.as_deref(), Some("beheer"));
        assert!(
            created_sleutel
                .toelichting
                .as_deref()
                .unwrap()
                .contains("wacht op bevestiging")
        );
        // No password, hash or typed password ever reaches the trail.
        let all = serde_json::to_string(&trail).unwrap();
        assert!(!all.contains(PW) && !all.contains("argon2") && !all.contains("niet het goede"));
    }

    /// A project made by the previous release (the old `gebruiker` table, no audit trail)
    /// opens, keeps its accounts, and they can log in and act.
    #[test]
    fn an_old_accounts_table_is_upgraded_in_place() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::integrity::register(Db::of(&conn), &crate::integrity::test_key(), 0).unwrap();
        conn.execute_batch(
            r#"
CREATE TABLE gebruiker (
    naam TEXT PRIMARY KEY,
    rol TEXT NOT NULL,
    organisatie TEXT,
    wachtwoord TEXT NOT NULL,
    actief INTEGER NOT NULL,
    aangemaakt TEXT NOT NULL,
    uitgeschakeld TEXT
);
"#,
        )
        .unwrap();
        let phc = hash_password(PW).unwrap();
        for (naam, rol, actief) in [
            ("beheer", "beheerder", 1),
            ("sleutel", "sleutelhouder", 1),
            ("fg", "functionaris-gegevensbescherming", 1),
            ("weg", "analist", 0),
        ] {
            conn.execute(
                "INSERT INTO gebruiker (naam, rol, organisatie, wachtwoord, actief, aangemaakt) VALUES (?1, ?2, NULL, ?3, ?4, '2026-01-01T00:00:00.000000Z')",
                params![naam, rol, phc, actief],
            )
            .unwrap();
        }
        create_schema(Db::of(&conn)).unwrap();
        // Twice, as every open does.
        create_schema(Db::of(&conn)).unwrap();
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('gebruiker')")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for (c, _) in ADDED_COLUMNS {
            assert_eq!(columns.iter().filter(|x| *x == c).count(), 1, "{c}");
        }
        // Accounts made before the rule count as confirmed.
        let s = authenticate(Db::of(&conn), "sleutel", PW).unwrap();
        assert!(s.bevestigd());
        assert!(has_confirmed_fg(Db::of(&conn)).unwrap());
        let list = users(Db::of(&conn)).unwrap();
        assert_eq!(list.len(), 4);
        let weg = list.iter().find(|a| a.naam == "weg").unwrap();
        assert_eq!(weg.status, AccountStatus::Uitgeschakeld);
        let b = authenticate(Db::of(&conn), "beheer", PW).unwrap();
        add_user(Db::of(&conn), Some(&b), "nieuw", Rol::Analist, None, PW).unwrap();
        // The lockout works on the old rows.
        for _ in 0..MAX_FAILED_LOGINS {
            let _ = authenticate_from(
                Db::of(&conn),
                "sleutel",
                "niet het goede wachtwoord",
                Client::Unknown,
            );
        }
        let e = authenticate_from(Db::of(&conn), "sleutel", PW, Client::Unknown).unwrap_err();
        assert!(e.to_string().contains("tijdelijk geblokkeerd"), "{e}");
    }
}
