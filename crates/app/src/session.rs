//! Logging in. A [`Session`] is the only way to a project for a person: it comes from a
//! successful login and holds the logged-in account, which nothing outside the store's `auth`
//! module can construct.

use loep_store::auth::{self, Actie, Gebruiker, Object};
use loep_store::{Access, Project};
use std::path::Path;

use crate::error::{AppError, Result};

/// A logged-in account with its project open.
pub struct Session {
    pub(crate) project: Project,
    pub(crate) user: Gebruiker,
}

/// Whether a use case only reads the project or changes it.
pub use loep_store::Access as Mode;

impl Session {
    /// The logged-in account.
    pub fn user(&self) -> &Gebruiker {
        &self.user
    }

    /// The project's definition (name, area, purpose, partners, period).
    pub fn config(&self) -> &loep_store::ProjectConfig {
        &self.project.config
    }

    /// The project directory.
    pub fn dir(&self) -> &Path {
        &self.project.layout.dir
    }

    /// Refuses unless the logged-in account may do `actie` to the project.
    pub(crate) fn authorize(&self, actie: Actie) -> Result<()> {
        self.authorize_on(actie, Object::Project)
    }

    /// Refuses unless the logged-in account may do `actie` to `object`.
    pub(crate) fn authorize_on(&self, actie: Actie, object: Object<'_>) -> Result<()> {
        auth::decide(&self.user, actie, object)
            .map_err(|reason| AppError::refused(format!("refused: {reason}")))
    }
}

/// Opens the project at `dir` and logs in as `naam`, without enforcing retention (for the
/// retention use case itself, whose dry run must change nothing).
pub fn login(dir: &Path, mode: Access, naam: &str, password: &str) -> Result<Session> {
    let mut project = match mode {
        Access::Write => Project::open(dir)?,
        Access::Read => Project::open_read_only(dir)?,
    };
    let user = auth::authenticate(project.conn(), naam, password)?;
    if mode == Access::Write {
        attach_vault(&mut project)?;
    }
    Ok(Session { project, user })
}

/// Connects a project opened for writing to its identity vault: what an interrupted delivery
/// left in the vault is removed, and every commit that extends the processing log copies the
/// new head into the vault.
pub(crate) fn attach_vault(project: &mut Project) -> Result<()> {
    let mut vault = loep_vault::Vault::open(&project.layout)?;
    vault.reconcile(&project.layout, &project.delivery_ids()?)?;
    project.set_head_mirror(Box::new(move |seq, hash| vault.record_head(seq, hash)));
    Ok(())
}

/// The identity vault's copy of the processing log's head.
pub(crate) fn vault_head(project: &Project) -> Result<Option<(i64, String)>> {
    Ok(loep_vault::Vault::open(&project.layout)?.head()?)
}

/// Opens the project, logs in, and enforces the retention periods first: a writer always, a
/// reader when no writer is busy (the writer has done so when it started). What was destroyed
/// comes back for the front end to show.
pub fn open(
    dir: &Path,
    mode: Access,
    naam: &str,
    password: &str,
) -> Result<(Session, Option<crate::retention::RetentionReport>)> {
    let mut session = login(dir, mode, naam, password)?;
    let destroyed = match mode {
        Access::Write => Some(crate::retention::enforce(&mut session.project, false)?),
        Access::Read => match Project::open(dir) {
            Ok(mut writer) => {
                attach_vault(&mut writer)?;
                Some(crate::retention::enforce(&mut writer, false)?)
            }
            Err(_) => None,
        },
    };
    Ok((session, destroyed.filter(|r| r.destroyed_anything())))
}
