//! Logging in. A [`Session`] is the only way to a project for a person: it comes from a
//! successful login and holds the logged-in account, which nothing outside the store's `auth`
//! module can construct.

use loep_store::auth::{self, Actie, ActingAccount, Object};
use loep_store::{Access, Project};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::{AppError, Result};

/// A logged-in account with its project open.
pub struct Session {
    pub(crate) project: Opened,
    pub(crate) user: ActingAccount,
}

/// The project a session works on: opened for this session alone, or lent by a [`ReadPool`]
/// and given back to it when the session ends.
pub(crate) struct Opened {
    /// Present until the session is dropped.
    project: Option<Project>,
    home: Option<Arc<Mutex<Vec<Project>>>>,
}

impl Opened {
    pub(crate) fn own(project: Project) -> Opened {
        Opened {
            project: Some(project),
            home: None,
        }
    }
}

impl std::ops::Deref for Opened {
    type Target = Project;
    fn deref(&self) -> &Project {
        // Taken out only by `drop`.
        self.project
            .as_ref()
            .expect("a session's project stays until the session ends")
    }
}

impl std::ops::DerefMut for Opened {
    fn deref_mut(&mut self) -> &mut Project {
        self.project
            .as_mut()
            .expect("a session's project stays until the session ends")
    }
}

impl Drop for Opened {
    fn drop(&mut self) {
        if let (Some(project), Some(home)) = (self.project.take(), self.home.as_ref())
            && project.db().is_autocommit()
            && let Ok(mut idle) = home.lock()
            && idle.len() < POOL_SIZE
        {
            idle.push(project);
        }
    }
}

/// How many read-only connections a [`ReadPool`] keeps between requests: more than the
/// requests two cores answer at once, fewer than would hold many open files.
const POOL_SIZE: usize = 16;

/// Projects opened to read, kept between the requests of a long-running front end (the web
/// server), so that a page does not open the project anew: opening reads and hashes the
/// definition, opens SQLite and registers the integrity functions. Before each use a kept
/// project is checked to be as it was opened ([`Project::reusable`]); one that is not is
/// closed and the project opened again, with every check an open makes.
#[derive(Clone)]
pub struct ReadPool {
    dir: PathBuf,
    idle: Arc<Mutex<Vec<Project>>>,
}

impl ReadPool {
    pub fn new(dir: &Path) -> ReadPool {
        ReadPool {
            dir: dir.to_path_buf(),
            idle: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// A project opened to read: a kept one that is still as it was opened, or a new one.
    pub(crate) fn take(&self) -> Result<Opened> {
        loop {
            let kept = match self.idle.lock() {
                Ok(mut idle) => idle.pop(),
                Err(_) => None,
            };
            match kept {
                Some(project) if project.reusable() => {
                    return Ok(Opened {
                        project: Some(project),
                        home: Some(self.idle.clone()),
                    });
                }
                Some(changed) => drop(changed),
                None => break,
            }
        }
        Ok(Opened {
            project: Some(Project::open_read_only(&self.dir)?),
            home: Some(self.idle.clone()),
        })
    }

    /// [`resume`] to read, on a kept project.
    pub fn resume(&self, token: &str) -> Result<(Session, String)> {
        let mut project = self.take()?;
        project.check_access()?;
        let (user, csrf) =
            loep_store::websessie::resume(&mut project, token, loep_store::clock::now_utc())?;
        Ok((Session { project, user }, csrf))
    }

    /// The project directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether `apparaat` names a browser known to account `naam`, on a kept project (the
    /// login throttle asks for every throttled attempt that carries a device cookie).
    pub fn known_device(&self, apparaat: &str, naam: &str) -> Result<bool> {
        let project = self.take()?;
        Ok(loep_store::apparaat::known(
            project.db(),
            apparaat,
            naam,
            loep_store::clock::now_utc(),
        )?)
    }

    /// What the project publishes about itself (organisation, contact, privacy statement):
    /// for pages anyone may open, such as the public report form.
    pub fn publicatie(&self) -> Result<loep_store::Publicatie> {
        Ok(self.take()?.config.publicatie.clone())
    }

    /// The project's own look (`[thema]`): for every page, the public ones included. Only
    /// from a `loep.toml` the privacy officer approved as it is: an edited one shows the
    /// example theme until it is approved again.
    pub fn thema(&self) -> Result<loep_store::Thema> {
        let project = self.take()?;
        Ok(match project.approval()? {
            Some(a) if a.geldig => project.config.thema.clone(),
            _ => loep_store::Thema::default(),
        })
    }

    /// The project's logo as an approved theme names it: its bytes and media type; `None`
    /// without one. Only a regular file of at most 256 KB with one name, under the project's
    /// `thema/` directory, reached without a symbolic link (each part of the path is opened
    /// as it is, never followed).
    pub fn logo(&self) -> Result<Option<(Vec<u8>, &'static str)>> {
        let project = self.take()?;
        if !matches!(project.approval()?, Some(a) if a.geldig) {
            return Ok(None);
        }
        let Some(logo) = project.config.thema.logo.clone() else {
            return Ok(None);
        };
        let Some(kind) = loep_store::Thema::logo_type(&logo) else {
            return Ok(None);
        };
        Ok(read_logo(&project.layout.dir, &logo).map(|bytes| (bytes, kind)))
    }

    /// How many opened projects wait for the next request.
    pub fn kept(&self) -> usize {
        self.idle.lock().map_or(0, |idle| idle.len())
    }
}

/// The logo file `rel` under `dir/thema/`, read without following any symbolic link, as one
/// regular file of at most [`loep_store::project::MAX_LOGO_BYTES`]; `None` otherwise.
#[cfg(unix)]
pub(crate) fn read_logo(dir: &Path, rel: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let parts: Vec<&str> = rel.split('/').collect();
    if parts.len() < 2 || parts[0] != "thema" || parts.iter().any(|p| p.is_empty() || *p == "..") {
        return None;
    }
    // Every directory on the way is checked not to be a link: a link placed in the path
    // could lead anywhere.
    let mut path = dir.to_path_buf();
    for p in &parts[..parts.len() - 1] {
        path.push(p);
        let m = std::fs::symlink_metadata(&path).ok()?;
        if !m.file_type().is_dir() {
            return None;
        }
    }
    path.push(parts[parts.len() - 1]);
    // Not a link, then opened without waiting on a FIFO, and the file opened must be the one
    // looked at (same device and inode: no link put in its place in between).
    let seen = std::fs::symlink_metadata(&path).ok()?;
    if !seen.file_type().is_file() {
        return None;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(O_NONBLOCK)
        .open(&path)
        .ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file()
        || meta.dev() != seen.dev()
        || meta.ino() != seen.ino()
        || meta.nlink() != 1
        || meta.len() > loep_store::project::MAX_LOGO_BYTES
    {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(loep_store::project::MAX_LOGO_BYTES + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    (bytes.len() as u64 <= loep_store::project::MAX_LOGO_BYTES).then_some(bytes)
}

/// O_NONBLOCK (the same value on every Linux architecture): a FIFO is not waited on.
#[cfg(unix)]
const O_NONBLOCK: i32 = 0o4000;

#[cfg(not(unix))]
fn read_logo(_dir: &Path, _rel: &str) -> Option<Vec<u8>> {
    None
}

/// Whether a use case only reads the project or changes it.
pub use loep_store::Access as Mode;

impl Session {
    /// The logged-in account.
    pub fn user(&self) -> &ActingAccount {
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

    /// Whether the logged-in account's role may do `actie` to the project: for a front end to offer
    /// only what can succeed. The use cases decide again, on the object itself.
    pub fn may(&self, actie: Actie) -> bool {
        match actie {
            // Decided on a request, never on the project: the role is what a page can know.
            Actie::OnthullingBeoordelen | Actie::OnthullingInzien => {
                actie.roles().contains(&self.user.rol())
            }
            _ => auth::decide(&self.user, actie, Object::Project).is_ok(),
        }
    }

    /// Refuses unless the logged-in account may do `actie` to the project.
    pub(crate) fn authorize(&self, actie: Actie) -> Result<()> {
        self.authorize_on(actie, Object::Project)
    }

    /// Refuses unless the logged-in account may do `actie` to `object`.
    pub(crate) fn authorize_on(&self, actie: Actie, object: Object<'_>) -> Result<()> {
        auth::decide(&self.user, actie, object)
            .map_err(|reason| AppError::refused(format!("geweigerd: {reason}")))
    }
}

/// Opens the project at `dir` and logs in as `naam`, without enforcing retention (for the
/// retention use case itself, whose dry run must change nothing).
pub fn login(dir: &Path, mode: Access, naam: &str, password: &str) -> Result<Session> {
    Ok(login_via(dir, mode, naam, password, Via::CommandLine)?.0)
}

/// How a login reaches loep, for the lockout ([`auth::Client`]).
#[derive(Debug, Clone, Copy)]
pub enum Via<'a> {
    /// The command line on the server, as the project's own system user.
    CommandLine,
    /// A browser, with the device token its cookie holds (if any).
    Browser { apparaat: Option<&'a str> },
}

/// [`login`] from `via`; also says whether the client was a known one.
fn login_via(
    dir: &Path,
    mode: Access,
    naam: &str,
    password: &str,
    via: Via<'_>,
) -> Result<(Session, auth::Client)> {
    let mut project = match mode {
        Access::Write => Project::open(dir)?,
        Access::Read => Project::open_read_only(dir)?,
    };
    // A writer's guard (below) checks the access state with the log, before anything is done.
    if mode == Access::Read {
        project.check_access()?;
    }
    let known_device = match via {
        Via::CommandLine => None,
        Via::Browser { apparaat } => match apparaat {
            Some(t)
                if loep_store::apparaat::known(
                    project.db(),
                    t,
                    naam,
                    loep_store::clock::now_utc(),
                )? =>
            {
                Some(t)
            }
            _ => None,
        },
    };
    let client = match (via, known_device) {
        (Via::CommandLine, _) | (_, Some(_)) => auth::Client::Known,
        _ => auth::Client::Unknown,
    };
    let user = match auth::authenticate_from(project.db(), naam, password, client) {
        Ok(u) => u,
        Err(e) => {
            // A known device that gives a wrong password is known no longer (the answer is the
            // login's, whatever forgetting it says).
            if let Some(t) = known_device {
                let _ = loep_store::apparaat::forget(&mut project, t);
            }
            return Err(e.into());
        }
    };
    if mode == Access::Write {
        attach_vault(&mut project)?;
        guard(&mut project)?;
    }
    Ok((
        Session {
            project: Opened::own(project),
            user,
        },
        client,
    ))
}

/// Opens the project to read as the privacy officer, to verify the log and the seals
/// (`loep log verify`) also when the access state no longer matches its anchor: whoever must
/// look into that alarm can still log in (the account's own row is checked against its seal
/// by the login). Only an account that may verify the log gets a session this way.
pub fn login_to_verify(dir: &Path, naam: &str, password: &str) -> Result<Session> {
    let project = Project::open_read_only(dir)?;
    let user = auth::authenticate(project.db(), naam, password)?;
    let session = Session {
        project: Opened::own(project),
        user,
    };
    session.authorize(Actie::LogControleren)?;
    Ok(session)
}

/// Opens the project for writing as the privacy officer while an integrity alarm stands, to
/// handle it (`loep log herstel`).
pub(crate) fn login_despite_alarm(dir: &Path, naam: &str, password: &str) -> Result<Session> {
    let mut project = Project::open(dir)?;
    let user = auth::authenticate(project.db(), naam, password)?;
    attach_vault(&mut project)?;
    Ok(Session {
        project: Opened::own(project),
        user,
    })
}

/// Fails closed: a writer checks the log and the rows that grant access, and refuses to go on
/// when they were changed outside loep (or an earlier check found so and nobody has looked).
pub(crate) fn guard(project: &mut Project) -> Result<()> {
    let copy = vault_head(project)?;
    // Only an announced head left unrecorded needs settling (the vault is opened again then).
    let announced = copy.as_ref().is_some_and(|c| c.pending.is_some());
    let problems = project.check_integrity(copy)?;
    if problems.is_empty() {
        return if announced {
            settle_head(project)
        } else {
            Ok(())
        };
    }
    Err(AppError::alarm(
        crate::Kind::Conflict,
        format!(
            "het verwerkingslog of de rijen die toegang geven of iets beslissen zijn buiten loep om gewijzigd, dus weigert dit project verdere verwerking tot de functionaris gegevensbescherming heeft gekeken en vastgelegd dat het is afgehandeld. Gevonden: {}",
            problems.join("; ")
        ),
    ))
}

/// Connects a project opened for writing to its identity vault and case register: what an interrupted delivery
/// left in the vault is removed, and every commit that extends the processing log copies the
/// new head into the vault and beside the integrity key.
pub(crate) fn attach_vault(project: &mut Project) -> Result<()> {
    // The case register's tables (and their seals) exist for every writer.
    loep_zaken::create_schema(project.db())?;
    let mut vault = loep_vault::Vault::open(&project.layout)?;
    vault.reconcile(&project.layout, &project.delivery_ids()?)?;
    // The new head goes to the vault and to the verified head beside the integrity key, where
    // a writer of the databases cannot change it: truncating the log is then found at the next
    // open, however the vault's copy was edited.
    let layout = project.layout.clone();
    project.set_head_mirror(Box::new(VaultMirror { vault, layout }));
    project.bind_access()?;
    Ok(())
}

/// Where a writer's commits copy the log's new head: announced in the vault before the
/// store commits, recorded in the vault and as the verified head beside the integrity key
/// after it.
struct VaultMirror {
    vault: loep_vault::Vault,
    layout: loep_store::Layout,
}

impl loep_store::project::HeadMirror for VaultMirror {
    fn prepare(&self, seq: i64, hash: &str) -> anyhow::Result<()> {
        self.vault.prepare_head(seq, hash)
    }

    fn record(&self, seq: i64, hash: &str) -> anyhow::Result<()> {
        self.vault.record_head(seq, hash)?;
        loep_store::integrity::set_checkpoint(&self.layout, seq, hash)
    }
}

/// After the guard found the log whole: a commit interrupted between the store's commit and
/// the vault's leaves a head announced in the vault and not recorded. When the log stands at
/// it (the store committed), the vault records it; when the log stands at the recorded head,
/// the log gets a record of what was announced and what is there (a write interrupted before
/// its commit, or records removed since: the log alone cannot tell, the privacy officer can,
/// with a signed head kept earlier), committed through the mirror as every write.
fn settle_head(project: &mut Project) -> Result<()> {
    let head = loep_store::log::head(project.db())?;
    let Some((seq, hash)) = loep_vault::Vault::open(&project.layout)?.settle_head(&head)? else {
        return Ok(());
    };
    let now = loep_store::clock::now();
    let activity = project.config.verwerkingsactiviteit_id.clone();
    let tx = project.begin()?;
    loep_store::log::append(
        &tx,
        &activity,
        loep_store::log::LogRecord::new("log.schrijven_onderbroken", &now, &now)
            .with_attr("aangekondigd_record", seq)
            .with_attr("aangekondigde_hash", hash)
            .with_attr("vastgelegd_record", head.0)
            .with_attr("vastgelegde_hash", head.1),
    )?;
    tx.commit()?;
    Ok(())
}

/// The identity vault's copy of the processing log's head.
pub(crate) fn vault_head(project: &Project) -> Result<Option<loep_store::log::HeadCopy>> {
    Ok(loep_vault::Vault::open(&project.layout)?.head_copy()?)
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
    let destroyed = enforce_retention(&mut session, mode)?;
    Ok((session, destroyed))
}

/// Enforces the retention periods for a session that just logged in (a reader only when
/// something is due); what was destroyed, if anything.
fn enforce_retention(
    session: &mut Session,
    mode: Access,
) -> Result<Option<crate::retention::RetentionReport>> {
    let dir = session.project.layout.dir.clone();
    let dir = dir.as_path();
    let destroyed = match mode {
        Access::Write => Some(crate::retention::enforce(&mut session.project, false)?),
        // A reader takes the write lock only when something is due (retention needs a
        // writer); with an integrity alarm standing nothing is processed, but reading (to
        // look into it) goes on.
        Access::Read if !crate::retention::due(&session.project)? => None,
        Access::Read => match Project::open(dir) {
            Ok(mut writer) => {
                attach_vault(&mut writer)?;
                if guard(&mut writer).is_ok() {
                    Some(crate::retention::enforce(&mut writer, false)?)
                } else {
                    None
                }
            }
            Err(_) => None,
        },
    };
    Ok(destroyed.filter(|r| r.destroyed_anything()))
}

/// What a browser keeps of a web session: the token (in a cookie) and the CSRF token its
/// forms carry.
pub use loep_store::websessie::Started as WebSession;

/// Logs in for the web application: checks the password as [`open`] does (lockout and audit
/// included) and starts a new web session, never reusing one the browser brought along.
pub fn login_web(
    dir: &Path,
    naam: &str,
    password: &str,
    apparaat: Option<&str>,
) -> Result<WebLogin> {
    let (mut session, client) =
        login_via(dir, Access::Read, naam, password, Via::Browser { apparaat })?;
    enforce_retention(&mut session, Access::Read)?;
    let now = loep_store::clock::now_utc();
    let started = loep_store::websessie::start(&mut session.project, &session.user, now)?;
    // The browser is remembered as a known device of the account (a new token every time: a
    // device token is never handed to another account).
    // A known one gets a new token (its old one is forgotten), so that it stays known for
    // half a year after its last login.
    if let (auth::Client::Known, Some(old)) = (client, apparaat) {
        loep_store::apparaat::forget(&mut session.project, old)?;
    }
    let apparaat = Some(loep_store::apparaat::remember(
        &mut session.project,
        session.user.naam(),
        now,
    )?);
    Ok(WebLogin {
        session,
        started,
        apparaat,
    })
}

/// How long a browser stays a known device of an account after its last login there.
pub const KNOWN_DEVICE_DAYS: i64 = loep_store::apparaat::DAYS;

/// What a browser's login gives: the session, its tokens, and a new device token for the
/// browser to keep when it was not yet a known device of the account.
pub struct WebLogin {
    pub session: Session,
    pub started: WebSession,
    pub apparaat: Option<String>,
}

/// The session of the web session `token` names, with the project opened as `mode` says
/// (a writer waits for another writer as a command does), and the session's CSRF token.
/// Refused when the web session has ended (logout, idle or absolute timeout) or its account
/// was disabled.
pub fn resume(dir: &Path, mode: Access, token: &str) -> Result<(Session, String)> {
    let mut project = match mode {
        Access::Write => Project::open(dir)?,
        Access::Read => Project::open_read_only(dir)?,
    };
    if mode == Access::Read {
        project.check_access()?;
    }
    let (user, csrf) =
        loep_store::websessie::resume(&mut project, token, loep_store::clock::now_utc())?;
    if mode == Access::Write {
        attach_vault(&mut project)?;
        guard(&mut project)?;
    }
    Ok((
        Session {
            project: Opened::own(project),
            user,
        },
        csrf,
    ))
}

/// Ends the web session `token` names (logout).
pub fn logout_web(dir: &Path, token: &str) -> Result<()> {
    let mut project = Project::open_read_only(dir)?;
    loep_store::websessie::end(&mut project, token)?;
    Ok(())
}
