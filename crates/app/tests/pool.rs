//! The read pool of a long-running front end: a kept project answers a request only while it is
//! as it was opened; a changed definition or a removed key is seen at the next request.

use loep_app::session::{ReadPool, login_web};
use loep_store::auth::Rol;

const PASSWORD: &str = "wachtwoord-voor-de-pool";

fn project() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("p");
    loep_app::project::create_with_team(
        &dir,
        loep_app::project::demo_config("Pooltest"),
        &[
            ("beheerder", Rol::Beheerder, None),
            ("fg", Rol::FunctionarisGegevensbescherming, None),
            ("analist", Rol::Analist, None),
        ],
        PASSWORD,
        "DPIA-1",
    )
    .unwrap();
    (tmp, dir)
}

#[test]
fn a_kept_project_is_given_back_and_used_again() {
    let (_tmp, dir) = project();
    let web = login_web(&dir, "analist", PASSWORD, None).unwrap().started;
    let pool = ReadPool::new(&dir);
    assert_eq!(pool.kept(), 0);
    let (s, _) = pool.resume(&web.token).unwrap();
    assert_eq!(s.user().naam(), "analist");
    assert_eq!(pool.kept(), 0, "lent out while the session lives");
    drop(s);
    assert_eq!(pool.kept(), 1, "given back when the session ends");
    let (a, _) = pool.resume(&web.token).unwrap();
    let (b, _) = pool.resume(&web.token).unwrap();
    drop((a, b));
    assert_eq!(pool.kept(), 2);
    // A web session that ended is refused on a kept project too.
    loep_app::session::logout_web(&dir, &web.token).unwrap();
    assert!(pool.resume(&web.token).is_err());
}

#[test]
fn a_changed_definition_is_read_again() {
    let (_tmp, dir) = project();
    let web = login_web(&dir, "analist", PASSWORD, None).unwrap().started;
    let pool = ReadPool::new(&dir);
    drop(pool.resume(&web.token).unwrap());
    assert_eq!(pool.kept(), 1);
    let config = dir.join("loep.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("Pooltest", "Anders genoemd")).unwrap();
    let (s, _) = pool.resume(&web.token).unwrap();
    assert_eq!(s.config().naam, "Anders genoemd");
}

#[test]
fn a_removed_integrity_key_is_noticed_by_a_kept_project() {
    let (_tmp, dir) = project();
    let web = login_web(&dir, "analist", PASSWORD, None).unwrap().started;
    let pool = ReadPool::new(&dir);
    drop(pool.resume(&web.token).unwrap());
    let key = dir.join("sleutel").join("integriteit.key");
    let saved = std::fs::read(&key).unwrap();
    std::fs::remove_file(&key).unwrap();
    let e = pool
        .resume(&web.token)
        .err()
        .expect("refused without its key");
    assert!(
        e.message().contains("integriteitssleutel"),
        "{}",
        e.message()
    );
    // Back in place, the pool works again.
    std::fs::write(&key, saved).unwrap();
    assert!(pool.resume(&web.token).is_ok());
}

#[test]
fn a_database_put_in_place_of_the_kept_one_is_the_one_read() {
    let (_tmp, dir) = project();
    let store = dir.join("store.sqlite");
    let before = dir.join("voor-de-login.sqlite");
    std::fs::copy(&store, &before).unwrap();
    let web = login_web(&dir, "analist", PASSWORD, None).unwrap().started;
    let pool = ReadPool::new(&dir);
    drop(pool.resume(&web.token).unwrap());
    assert_eq!(pool.kept(), 1);
    // A copy from before the login is restored: it holds no such web session.
    std::fs::rename(&before, &store).unwrap();
    assert!(
        pool.resume(&web.token).is_err(),
        "the kept connection still read the replaced file"
    );
}
