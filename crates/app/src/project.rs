//! Defining, approving and inspecting a project.

use loep_contract::Partner;
use loep_store::auth::{self, Actie, Rol};
use loep_store::deliveries::ProjectStatus;
use loep_store::{Approval, Bewaartermijnen, Periode, Project, ProjectConfig};
use std::path::Path;

use crate::error::{AppError, Result};
use crate::session::Session;

/// What a person gives to define a project (`loep init`).
pub struct NewProject {
    pub naam: String,
    pub gebied: Vec<String>,
    pub doel: String,
    pub grondslag: String,
    pub van: String,
    pub tot: String,
    /// Empty: every partner of the contract.
    pub partners: Vec<Partner>,
    pub bewaartermijnen: Bewaartermijnen,
    /// Empty: every indicator whose partners take part.
    pub indicatoren: Vec<String>,
    /// The organisation with the lead and the contact for residents (`[publicatie]`).
    pub publicatie: loep_store::Publicatie,
}

impl NewProject {
    pub fn config(&self) -> Result<ProjectConfig> {
        let partners = if self.partners.is_empty() {
            Partner::ALL.to_vec()
        } else {
            self.partners.clone()
        };
        Ok(ProjectConfig {
            verwerkingsactiviteit_id: ProjectConfig::derive_activity_id(&self.naam, &self.doel),
            naam: self.naam.clone(),
            gebied: self
                .gebied
                .iter()
                .map(|g| g.trim().to_uppercase())
                .collect(),
            doel: self.doel.clone(),
            grondslag: self.grondslag.clone(),
            partners,
            periode: Periode {
                van: self.van.clone(),
                tot: self.tot.clone(),
            },
            bewaartermijnen: self.bewaartermijnen.clone(),
            indicatoren: self
                .indicatoren
                .iter()
                .map(|c| c.trim().to_uppercase())
                .filter(|c| !c.is_empty())
                .collect(),
            intake: Default::default(),
            publicatie: self.publicatie.clone(),
            thema: Default::default(),
        })
    }
}

/// Creates the project directory and its first account, a beheerder (`loep init`).
pub fn create(
    dir: &Path,
    config: ProjectConfig,
    beheerder: &str,
    password: &str,
) -> Result<Project> {
    auth::check_new_account(beheerder, password)?;
    let mut project = Project::init(dir, config)?;
    // The vault starts with a copy of the new log's head (the project's creation).
    let (seq, hash) = loep_store::log::head(project.db())?;
    loep_vault::Vault::open(&project.layout)?.record_head(seq, &hash)?;
    loep_store::integrity::set_checkpoint(&project.layout, seq, &hash)?;
    let tx = project.begin()?;
    auth::add_account(&tx, None, beheerder, Rol::Beheerder, None, password)?;
    tx.commit()?;
    // The access state is bound from the start (recorded in the log, whose new head the
    // vault and the verified head beside the key copy).
    project.bind_access()?;
    let (seq, hash) = loep_store::log::head(project.db())?;
    loep_vault::Vault::open(&project.layout)?.record_head(seq, &hash)?;
    loep_store::integrity::set_checkpoint(&project.layout, seq, &hash)?;
    Ok(project)
}

/// The privacy officer approves the current `loep.toml` (`loep approve`). The project's first
/// privacy officer account is confirmed by this act: from then on only a confirmed privacy
/// officer confirms key holders and other privacy officers.
pub fn approve(session: &mut Session, dpia: &str) -> Result<Approval> {
    session.authorize(Actie::ProjectGoedkeuren)?;
    if !session.user.bevestigd() {
        if auth::has_confirmed_fg(session.project.db())? {
            return Err(AppError::refused(
                "geweigerd: uw account wacht op bevestiging door de functionaris gegevensbescherming van het project",
            ));
        }
        let tx = session.project.begin()?;
        auth::confirm_first_fg(&tx, &session.user)?;
        tx.commit()?;
    }
    let naam = session.user.naam().to_string();
    Ok(session.project.approve(&naam, dpia)?)
}

/// What a start page shows of a project: its name, purpose, period and kept scans.
pub struct Summary {
    pub naam: String,
    pub doel: String,
    pub periode: (String, String),
    pub scans: Vec<loep_store::scan::ScanRun>,
}

/// The project's name, purpose, period and kept scans (the dashboard): [`status`] without
/// the counts that read whole tables.
pub fn summary(session: &Session) -> Result<Summary> {
    session.authorize(Actie::ProjectBekijken)?;
    let c = &session.project.config;
    Ok(Summary {
        naam: c.naam.clone(),
        doel: c.doel.clone(),
        periode: (c.periode.van.clone(), c.periode.tot.clone()),
        scans: loep_store::scan::runs(session.project.db())?,
    })
}

/// Approval, deliveries, snapshots, rows per table (`loep status`).
pub fn status(session: &Session) -> Result<ProjectStatus> {
    session.authorize(Actie::ProjectBekijken)?;
    Ok(loep_store::deliveries::status(&session.project)?)
}

/// A project definition for generated data in gemeente 0392, running from 30 days ago for
/// a year (the demo and the benchmarks).
pub fn demo_config(naam: &str) -> ProjectConfig {
    let today = loep_store::clock::now_utc().date_naive();
    let van = today
        .checked_sub_days(chrono::Days::new(30))
        .unwrap_or(today);
    let tot = today
        .checked_add_days(chrono::Days::new(335))
        .unwrap_or(today);
    let doel = "Adreskwaliteit, uitkeringsfraude, onderverhuur en uitbuiting in de wijk gezamenlijk aanpakken (demonstratie op gegenereerde gegevens).";
    ProjectConfig {
        verwerkingsactiviteit_id: ProjectConfig::derive_activity_id(naam, doel),
        naam: naam.to_string(),
        gebied: vec!["GM0392".to_string()],
        doel: doel.to_string(),
        grondslag: "Wet SUWI art. 64; convenant Landelijke Stuurgroep Interventieteams".to_string(),
        partners: Partner::ALL.to_vec(),
        periode: Periode {
            van: van.to_string(),
            tot: tot.to_string(),
        },
        bewaartermijnen: Bewaartermijnen::default(),
        indicatoren: Vec::new(),
        intake: Default::default(),
        publicatie: loep_store::Publicatie {
            organisatie: Some("Gemeente Haarlem".to_string()),
            contact: Some("privacy@demo-gemeente.example".to_string()),
            privacyverklaring: Some("https://demo-gemeente.example/privacyverklaring".to_string()),
            postadres: Some("Postbus 511, 2003 PB Haarlem".to_string()),
            functionaris: Some("A. de Vries".to_string()),
        },
        thema: Default::default(),
    }
}

/// Sets up a project with its team in the order the rules ask: the first account (a
/// beheerder, the first of `team`) creates the project and the other accounts; the first
/// privacy officer approves it (which confirms that account) and confirms the key holders
/// and any further privacy officers. Every account gets `password`.
pub fn create_with_team(
    dir: &Path,
    config: ProjectConfig,
    team: &[(&str, Rol, Option<Partner>)],
    password: &str,
    dpia: &str,
) -> Result<()> {
    let Some(((beheerder, Rol::Beheerder, None), rest)) = team.split_first() else {
        return Err(AppError::invalid(
            "een team begint met zijn beheerder, die het project aanmaakt",
        ));
    };
    drop(create(dir, config, beheerder, password)?);
    {
        let mut b = crate::session::login(dir, loep_store::Access::Write, beheerder, password)?;
        for (naam, rol, org) in rest {
            crate::accounts::add(&mut b, naam, *rol, *org, password)?;
        }
    }
    let Some((fg, _, _)) = rest
        .iter()
        .find(|(_, r, _)| *r == Rol::FunctionarisGegevensbescherming)
    else {
        return Err(AppError::invalid(
            "een team heeft een functionaris gegevensbescherming nodig om het project goed te keuren",
        ));
    };
    approve(
        &mut crate::session::login(dir, loep_store::Access::Write, fg, password)?,
        dpia,
    )?;
    // Logged in again: the account is confirmed now.
    let mut s = crate::session::login(dir, loep_store::Access::Write, fg, password)?;
    for (naam, rol, _) in rest {
        if naam != fg
            && matches!(
                rol,
                Rol::Sleutelhouder | Rol::FunctionarisGegevensbescherming
            )
        {
            crate::accounts::confirm(&mut s, naam)?;
        }
    }
    Ok(())
}

/// Refuses when `dir` is not a project that can be served: not a project, its vault not
/// mounted, made by a newer release. Opens it for reading only; no login.
pub fn check_servable(dir: &Path) -> Result<()> {
    drop(loep_store::Project::open_read_only(dir)?);
    Ok(())
}
