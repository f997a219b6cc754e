//! Who may do what: the roles, the actions, what an action is done to, the logged-in account,
//! and the one decision ([`decide`]) over them. No SQL.

use anyhow::Result;
use loep_contract::Partner;
use serde::Serialize;

use super::refused;
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
    Account { naam: &'a str },
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
    pub(super) fn on_case(self) -> bool {
        self.changes_case()
            || matches!(
                self,
                Actie::ZakenBekijken | Actie::ZaakHeropenen | Actie::TerugmeldingExporteren
            )
    }
}

/// The account that acts: logged in with its password ([`authenticate`](super::authenticate)),
/// or behind a web session or an API key that the store checked. Nothing else makes one.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ActingAccount {
    pub(super) naam: String,
    pub(super) rol: Rol,
    pub(super) organisatie: Option<Partner>,
    pub(super) bevestigd: bool,
}

impl ActingAccount {
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

    /// For the unit tests of this crate only: every other `ActingAccount` comes from a login.
    #[cfg(test)]
    pub(crate) fn for_test(
        naam: &str,
        rol: Rol,
        organisatie: Option<Partner>,
        bevestigd: bool,
    ) -> ActingAccount {
        ActingAccount {
            naam: naam.to_string(),
            rol,
            organisatie,
            bevestigd,
        }
    }
}

/// Allowed, or refused with the reason (in Dutch).
pub fn decide(user: &ActingAccount, actie: Actie, object: Object<'_>) -> Result<(), String> {
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
        (Actie::GebruikersBeheren, Object::Account { naam }) if naam == user.naam => {
            Err("je kunt je eigen account niet wijzigen; vraag een andere beheerder".to_string())
        }
        (Actie::GebruikersBevestigen, Object::Account { naam }) if naam == user.naam => {
            Err("je kunt je eigen account niet bevestigen; dat doet een andere functionaris gegevensbescherming".to_string())
        }
        _ => Ok(()),
    }
}

/// [`decide`] as an error a command can return (a refusal, starting with "geweigerd: ").
pub fn authorize(user: &ActingAccount, actie: Actie, object: Object<'_>) -> Result<()> {
    decide(user, actie, object).map_err(|reason| refused(format!("geweigerd: {reason}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::test_support::*;

    fn user(naam: &str, rol: Rol) -> ActingAccount {
        ActingAccount::for_test(
            naam,
            rol,
            (rol == Rol::PartnerMedewerker).then_some(Partner::Uwv),
            true,
        )
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
                Object::Account { naam: "beheer" }
            )
            .is_err()
        );
        let fg = user("fg", Rol::FunctionarisGegevensbescherming);
        assert!(
            decide(
                &fg,
                Actie::GebruikersBevestigen,
                Object::Account { naam: "fg" }
            )
            .is_err()
        );
        assert!(
            decide(
                &fg,
                Actie::GebruikersBevestigen,
                Object::Account { naam: "fg2" }
            )
            .is_ok()
        );
    }

    /// An unconfirmed account may do nothing but approve the project (and only an fg may do
    /// that by the table).
    #[test]
    fn unconfirmed_accounts_may_only_approve() {
        for rol in [Rol::Sleutelhouder, Rol::FunctionarisGegevensbescherming] {
            let u = ActingAccount::for_test("nieuw", rol, None, false);
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
}
