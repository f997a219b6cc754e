//! The dependency rules of ARCHITECTURE.md, read from `cargo metadata`; the rule that only
//! the store speaks SQL to the project's databases; that libraries never print; that what
//! ARCHITECTURE.md cites (paths, routes) exists; and that the code words its glossary retired
//! do not come back. Each check names the rule it enforces, so
//! that a violation says what to change, and each is shown to fail on a violating input.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/app lies two levels below the workspace root")
        .to_path_buf()
}

/// Every workspace crate with its normal (non-dev, non-build) dependencies inside the workspace.
fn workspace_dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");
    let packages = meta["packages"].as_array().expect("packages");
    let names: BTreeSet<String> = packages
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect();
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|d| d["kind"].is_null())
                .filter_map(|d| d["name"].as_str())
                .filter(|d| names.contains(*d))
                .map(str::to_string)
                .collect();
            (p["name"].as_str().unwrap_or_default().to_string(), deps)
        })
        .collect()
}

/// What each crate may depend on inside the workspace (normal dependencies).
const ALLOWED: &[(&str, &[&str])] = &[
    ("loep-contract", &[]),
    ("loep-linkage", &[]),
    ("loep-synth", &["loep-contract"]),
    ("loep-store", &["loep-contract"]),
    ("loep-vault", &["loep-contract", "loep-store"]),
    (
        "loep-intake",
        &["loep-contract", "loep-store", "loep-vault", "loep-linkage"],
    ),
    ("loep-scan", &["loep-contract", "loep-store"]),
    // The case register: its tables live in the store's database, written in the store's
    // transactions; it never reaches the vault (identities come through the core's grant).
    ("loep-zaken", &["loep-contract", "loep-store"]),
    (
        "loep-app",
        &[
            "loep-contract",
            "loep-store",
            "loep-vault",
            "loep-intake",
            "loep-scan",
            "loep-zaken",
        ],
    ),
    // The CLI is a front end: the application core, the vocabulary, and the stand-alone
    // tools that need no project (`loep synth`, `loep link`).
    (
        "loep",
        &[
            "loep-app",
            "loep-web",
            "loep-contract",
            "loep-synth",
            "loep-linkage",
        ],
    ),
    // The web application is a front end over the application core and nothing else.
    ("loep-web", &["loep-app"]),
];

#[test]
fn crates_depend_only_on_what_the_architecture_allows() {
    let deps = workspace_dependencies();
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    for (krate, uses) in &deps {
        let Some(ok) = allowed.get(krate.as_str()) else {
            panic!(
                "{krate} is not in ARCHITECTURE.md's dependency rules (add it to ALLOWED there and here)"
            );
        };
        for d in uses {
            assert!(
                ok.contains(&d.as_str()),
                "{krate} depends on {d}, which ARCHITECTURE.md does not allow"
            );
        }
    }
    for (krate, _) in ALLOWED {
        assert!(
            deps.contains_key(*krate),
            "{krate} is listed but not in the workspace"
        );
    }
}

#[test]
fn nothing_depends_on_a_front_end() {
    for (krate, uses) in workspace_dependencies() {
        assert!(!uses.contains("loep"), "{krate} depends on the CLI");
        if krate != "loep" {
            assert!(
                !uses.contains("loep-web"),
                "{krate} depends on the web application"
            );
        }
    }
}

/// The scan (and everything after intake) never reaches the intake boundary or the vault,
/// where names and BSNs are handled; only the boundary and the application core reach the
/// vault.
#[test]
fn only_the_boundary_and_the_core_reach_the_vault() {
    let deps = workspace_dependencies();
    assert!(
        !deps["loep-scan"].contains("loep-intake"),
        "the scan depends on the intake boundary"
    );
    for (krate, uses) in &deps {
        if uses.contains("loep-vault") {
            assert!(
                krate == "loep-intake" || krate == "loep-app",
                "{krate} depends on the identity vault"
            );
        }
    }
}

/// Source files of `krate` (under crates/<dir>/src).
fn sources(dir: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![workspace_root().join("crates").join(dir).join("src")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out
}

/// What speaking SQL to the project's SQLite databases looks like in Rust source. (The scan's
/// own SQL is DataFusion over Parquet snapshots, not the project's databases: its `SELECT`s
/// are not matched.)
const DATABASE_ACCESS: [&str; 14] = [
    "rusqlite",
    // The connection behind the store's `Db`, for the case register only.
    ".sql()",
    "Db::sql",
    "::sql(",
    "conn()",
    ".execute(",
    ".prepare(",
    "query_row",
    "query_map",
    ".transaction()",
    "INSERT INTO",
    "DELETE FROM",
    "ATTACH DATABASE",
    "PRAGMA",
];

/// The one file outside the store that speaks SQLite: the intake's reader of delivered
/// GeoPackages (PDOK's BAG, CBS's buurtkaart are SQLite files), which opens the delivered file
/// read-only and never a project database; its fixture writers write GeoPackages for tests.
const GEOPACKAGE_READER: &str = "crates/intake/src/bronnen/gpkg.rs";

/// Only the store and the vault (each its own database), and the case register (its own
/// tables in the store's database, inside the store's transactions), query the project's
/// SQLite databases: no other crate (the web application included) names rusqlite, reaches the connection behind the store's `Db`, writes SQL for them or opens a
/// transaction of its own. The GeoPackage reader opens delivered files only, read-only.
#[test]
fn no_database_access_outside_the_store() {
    let forbidden = DATABASE_ACCESS;
    let mut found = Vec::new();
    let reader = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(GEOPACKAGE_READER),
    )
    .unwrap();
    assert!(
        reader.contains("SQLITE_OPEN_READ_ONLY")
            && !reader.contains("Project")
            && !reader.contains("loep_store"),
        "{GEOPACKAGE_READER} opens delivered files read-only and knows nothing of a project"
    );
    for dir in [
        "app", "cli", "intake", "scan", "synth", "linkage", "contract", "web",
    ] {
        for f in sources(dir) {
            if f.ends_with(GEOPACKAGE_READER) {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            for (n, line) in text.lines().enumerate() {
                if forbidden.iter().any(|w| line.contains(w)) {
                    found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "database access outside the store:\n{}",
        found.join("\n")
    );
}

/// Outside the intake boundary, identities are read only with a grant: the application core
/// never reads the vault's files itself (no `format` reader, no file lookup).
#[test]
fn the_core_reads_identities_only_with_a_grant() {
    let mut found = Vec::new();
    for f in sources("app") {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            if ["loep_vault::format", "for_each_row", ".file(", "Soort::"]
                .iter()
                .any(|w| line.contains(w))
            {
                found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the application core reads the vault's files without a grant:\n{}",
        found.join("\n")
    );
}

/// The rule checker itself: a violation of each kind is caught.
#[test]
fn the_checks_can_fail() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    assert!(!allowed["loep-scan"].contains(&"loep-intake"));
    assert!(!allowed["loep"].contains(&"loep-store"));
    assert!(!allowed["loep-store"].contains(&"loep-intake"));
    let sample = "let tx = project.conn_mut().transaction()?;";
    assert!(DATABASE_ACCESS.iter().any(|w| sample.contains(w)));
    for sample in [
        "let n: i64 = project.db().sql().query_row(q, [], |r| r.get(0))?;",
        "let c = loep_store::Db::sql(project.db());",
        "let c = session.project.conn();",
    ] {
        assert!(
            DATABASE_ACCESS.iter().any(|w| sample.contains(w)),
            "{sample}"
        );
    }
    assert!(
        !DATABASE_ACCESS
            .iter()
            .any(|w| "loep_store::deliveries::current_snapshot(project.db(), t)".contains(w))
    );
    assert!(
        !DATABASE_ACCESS
            .iter()
            .any(|w| "SELECT vbo_id FROM brp_persoon".contains(w))
    );
}

/// Libraries never print: what a person reads comes from a front end (the CLI, the web
/// pages); a library returns it, or logs through `tracing`, which the front end directs.
#[test]
fn libraries_never_print() {
    let mut found = Vec::new();
    for dir in [
        "contract", "store", "vault", "intake", "linkage", "scan", "zaken", "synth", "app", "web",
    ] {
        for f in sources(dir) {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            for (n, line) in text.lines().enumerate() {
                if ["println!(", "eprintln!(", "print!(", "eprint!(", "dbg!("]
                    .iter()
                    .any(|w| line.contains(w))
                {
                    found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(found.is_empty(), "a library prints:\n{}", found.join("\n"));
}

/// What ARCHITECTURE.md cites that is not where it says: a repository path (`crates/…`,
/// `docs/…`, `.ci/…`, `tools/…`, `catalogue/…`) that does not exist, a crate-relative one
/// (`templates/…`, `static/…`, `fonts/…`) that no crate holds, or a web route (`/…`) that the
/// web application does not serve. `root` is the repository, `routes` the router's source.
fn false_citations(text: &str, root: &Path, routes: &str) -> Vec<String> {
    let mut wrong = Vec::new();
    let crates: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    for cited in text.split('`').skip(1).step_by(2) {
        if cited.contains(' ') || cited.contains('<') || cited.contains('*') {
            continue;
        }
        let bare = cited.trim_end_matches('/');
        if ["crates/", "docs/", ".ci/", "tools/", "catalogue/"]
            .iter()
            .any(|p| cited.starts_with(p))
        {
            if !root.join(bare).exists() {
                wrong.push(format!("`{cited}`: no such file or directory"));
            }
        } else if ["templates/", "static/", "fonts/"]
            .iter()
            .any(|p| cited.starts_with(p))
        {
            if !crates.iter().any(|c| c.join(bare).exists()) {
                wrong.push(format!("`{cited}`: no crate holds it"));
            }
        } else if cited.starts_with('/') && cited.len() > 1 {
            let served =
                routes.contains(&format!("\"{cited}\"")) || routes.contains(&format!("\"{cited}/"));
            if !served {
                wrong.push(format!(
                    "`{cited}`: the web application serves no such route"
                ));
            }
        }
    }
    wrong
}

/// ARCHITECTURE.md stays true where a test can read it: every path it cites exists and
/// every route it names is served.
#[test]
fn what_architecture_md_cites_exists() {
    let root = workspace_root();
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let routes =
        std::fs::read_to_string(root.join("crates/web/src/web.rs")).expect("the web router");
    let wrong = false_citations(&text, &root, &routes);
    assert!(
        wrong.is_empty(),
        "ARCHITECTURE.md cites what is not there:\n{}",
        wrong.join("\n")
    );
}

/// The check of citations fails on a tree that violates it: a missing file, a template no
/// crate holds, a route nobody serves.
#[test]
fn the_citation_check_can_fail() {
    let tree = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir_all(tree.path().join("crates/web/templates")).unwrap();
    std::fs::create_dir_all(tree.path().join("docs")).unwrap();
    std::fs::write(tree.path().join("docs/echt.md"), "").unwrap();
    std::fs::write(tree.path().join("crates/web/templates/a.html"), "").unwrap();
    let routes = r#".route("/zaken", get(x)).route("/api/v1/zaken", get(y))"#;
    let text = "`docs/echt.md` `docs/weg.md` `templates/a.html` `templates/b.html` \
                `/zaken` `/api/v1` `/nergens` `koppeling/<K>.parquet` `a b`";
    let wrong = false_citations(text, tree.path(), routes);
    assert_eq!(wrong.len(), 3, "{wrong:?}");
    assert!(wrong[0].contains("docs/weg.md"));
    assert!(wrong[1].contains("templates/b.html"));
    assert!(wrong[2].contains("/nergens"));
}

/// What joining or splitting a list on commas looks like.
const COMMA_LIST: [&str; 4] = ["split(',')", "join(\",\")", "split(\",\")", "join(',')"];

/// The comma-joined lines of `text` that are not marked as something other than a stored
/// list (a marker "Not a stored list" on the line or one of the three before it).
fn comma_lists(text: &str) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().collect();
    (0..lines.len())
        .filter(|&i| COMMA_LIST.iter().any(|w| lines[i].contains(w)))
        .filter(|&i| {
            !lines[i.saturating_sub(3)..=i]
                .iter()
                .any(|l| l.contains("Not a stored list"))
        })
        .map(|i| i + 1)
        .collect()
}

/// Lists in the project's databases are JSON arrays written and read by one codec
/// (`loep_store::lijst`): the persistence crates join or split no list on commas elsewhere,
/// except where a line says what else it is (a log record's attribute, a digest's input).
#[test]
fn no_comma_joined_lists_in_the_databases() {
    let mut found = Vec::new();
    for dir in ["store", "zaken", "vault"] {
        for f in sources(dir) {
            if f.ends_with("crates/store/src/lijst.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            for n in comma_lists(&text) {
                found.push(format!("{}:{n}", f.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "comma-joined lists outside loep_store::lijst:\n{}",
        found.join("\n")
    );
    // The check itself catches one, and accepts a marked one.
    assert_eq!(comma_lists("let a = 1;\nlet s = team.join(\",\");\n"), [2]);
    assert!(
        comma_lists("// Not a stored list: a digest's input.\nlet s = ids.join(\",\");\n")
            .is_empty()
    );
}

/// The vault speaks SQL to its own database only: it never reaches the connection behind the
/// store's `Db` (only the case register does, for its tables beside the store's).
#[test]
fn the_vault_never_reaches_the_stores_connection() {
    let mut found = Vec::new();
    for f in sources("vault") {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            if [".sql()", "Db::sql", "conn()"]
                .iter()
                .any(|w| line.contains(w))
            {
                found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the vault reaches the store's connection:\n{}",
        found.join("\n")
    );
}

/// Lines of `text` outside comments that name a CLI command (`` `loep …` ``) or option
/// (`--reden`) in what is shown to people.
fn named_commands(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim_start();
            !t.starts_with("//") && (t.contains("`loep ") || names_option(t))
        })
        .map(|(n, _)| n + 1)
        .collect()
}

/// Whether `line` holds an option as a command line has it: ` --name` or `"--name` (not a
/// CSS custom property, `--name:` or `var(--name)`).
fn names_option(line: &str) -> bool {
    line.match_indices("--").any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let name: String = line[i + 2..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
            .collect();
        let after = line[i + 2 + name.len()..].chars().next();
        matches!(before, Some(' ' | '"' | '`')) && name.len() > 1 && !matches!(after, Some(':'))
    })
}

/// The messages of the core and the web name no CLI command or option: the web and the API
/// show them as they are, and the CLI adds its own next step (`Vervolg`). Files that speak to
/// someone at the machine's command line on purpose are named here with why.
#[test]
fn messages_outside_the_cli_name_no_command() {
    const AT_THE_COMMAND_LINE: [(&str, &str); 5] = [
        // The privacy officer's to-do item: handling the alarm is done at the command line.
        (
            "crates/app/src/wachtend.rs",
            "the alarm is handled with the CLI",
        ),
        // The OpenAPI document tells a partner's developer who issues keys, and how.
        ("crates/web/src/api/mod.rs", "how an API key is issued"),
        // The header of loep.toml, a file edited on the machine.
        ("crates/store/src/project.rs", "loep.toml's header"),
        // The evaluation reads the truth files `loep synth` writes, a developer's tool.
        ("crates/scan/src/evaluate.rs", "the synthetic truth"),
        // The server is started from the CLI: its listen address is an option.
        ("crates/web/src/lib.rs", "loep serve's --listen"),
    ];
    let root = workspace_root();
    let mut found = Vec::new();
    for dir in [
        "app", "store", "scan", "zaken", "intake", "vault", "linkage", "web",
    ] {
        for f in sources(dir) {
            let rel = f
                .strip_prefix(&root)
                .unwrap_or(&f)
                .to_string_lossy()
                .into_owned();
            if AT_THE_COMMAND_LINE.iter().any(|(p, _)| rel == *p) {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            // Unit tests (at the end of a file) show nobody anything.
            let shown = text.split("#[cfg(test)]").next().unwrap_or_default();
            for n in named_commands(shown) {
                found.push(format!("{rel}:{n}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "messages that name a CLI command or option (give the next step as a `Vervolg`):\n{}",
        found.join("\n")
    );
    // The check catches a command and an option in a message, not in a comment or an
    // ordinary dash.
    assert_eq!(
        named_commands("/// `loep scan DIR`\nlet m = \"draai eerst `loep scan DIR`\";\n"),
        [2]
    );
    assert_eq!(
        named_commands(
            "let m = \"geef --reden\";\nlet x = a - -b;\nlet c = \"--kleur: #fff; var(--ander)\";\n"
        ),
        [1]
    );
}

/// Code words retired so that one concept has one word (ARCHITECTURE.md, "Glossary"): a
/// module of one of these names, or a path or `use` through one.
const RETIRED_MODULES: [&str; 6] = [
    "catalog",
    "catalogus",
    "bewaren",
    "eerlijkheid",
    "kaart",
    "kwaliteit",
];

/// Retired words that are no identifier at all any more (the case types' `catalogus()` and
/// `Catalogus`, the acting account's `Gebruiker`).
const RETIRED_ANYWHERE: [&str; 4] = ["catalogus", "Catalogus", "CATALOGUS", "Gebruiker"];

/// Where a retired word is something else: the clap variant that is the subcommand
/// `loep zaak catalogus`, a name users type.
const RETIRED_ALLOWED: [(&str, &str); 1] = [("crates/cli/src/zaak_cmd.rs", "Catalogus")];

/// `text` with its comments, string and character literals blanked (lines kept), so that
/// Dutch text and prose do not count as identifiers.
fn code_only(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let blank = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < c.len() {
        let start = i;
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            i += 2;
            while i < c.len() && !(c[i] == '*' && c.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i = (i + 2).min(c.len());
        } else if c[i] == 'r'
            && (i == 0 || !ident(c[i - 1]) || c[i - 1] == 'b')
            && matches!(c.get(i + 1), Some('"' | '#'))
        {
            let mut j = i + 1;
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                // A raw identifier (`r#type`), not a string.
                out.push(c[i]);
                i += 1;
                continue;
            }
            j += 1;
            while j < c.len() && !(c[j] == '"' && (1..=hashes).all(|k| c.get(j + k) == Some(&'#')))
            {
                j += 1;
            }
            i = (j + 1 + hashes).min(c.len());
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i = (i + 1).min(c.len());
        } else if c[i] == '\'' && c.get(i + 1) == Some(&'\\') {
            i += 2;
            while i < c.len() && c[i] != '\'' {
                i += 1;
            }
            i = (i + 1).min(c.len());
        } else if c[i] == '\'' && c.get(i + 2) == Some(&'\'') {
            i += 3;
        } else {
            out.push(c[i]);
            i += 1;
            continue;
        }
        out.extend(c[start..i.min(c.len())].iter().map(|&ch| blank(ch)));
    }
    out
}

/// The retired code words `text` (Rust source of `file`) uses as identifiers, as
/// `line: word`.
fn retired_words(file: &str, text: &str) -> Vec<String> {
    let code = code_only(text);
    let mut found = Vec::new();
    let mut previous = "";
    let mut in_use = false;
    let mut line = 1;
    let mut rest = code.as_str();
    while let Some(ch) = rest.chars().next() {
        if ch.is_alphabetic() || ch == '_' {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let word = &rest[..end];
            let after = rest[end..].trim_start();
            let module = RETIRED_MODULES.contains(&word)
                && (previous == "mod" || in_use || after.starts_with("::"));
            let anywhere = RETIRED_ANYWHERE.contains(&word)
                && !RETIRED_ALLOWED
                    .iter()
                    .any(|(f, w)| file.ends_with(f) && *w == word);
            if module || anywhere {
                found.push(format!("{line}: {word}"));
            }
            if word == "use" {
                in_use = true;
            }
            previous = word;
            rest = &rest[end..];
        } else {
            match ch {
                '\n' => line += 1,
                ';' => in_use = false,
                _ => {}
            }
            rest = &rest[ch.len_utf8()..];
        }
    }
    found
}

/// One concept, one code word: the words the glossary retired do not come back as a module,
/// a path, a type or a function in the workspace's sources and tests, nor as a file name.
#[test]
fn retired_code_words_do_not_come_back() {
    let root = workspace_root();
    let mut found = Vec::new();
    let mut stack: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .expect("crates/")
        .flatten()
        .flat_map(|e| [e.path().join("src"), e.path().join("tests")])
        .collect();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            let shown = p.strip_prefix(&root).unwrap_or(&p).display().to_string();
            let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            if RETIRED_MODULES.contains(&stem) {
                found.push(format!("{shown}: a file named {stem}"));
            }
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                for w in retired_words(&shown, &text) {
                    found.push(format!("{shown}:{w}"));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "retired code words (see the glossary in ARCHITECTURE.md):\n{}",
        found.join("\n")
    );
}

/// The check of retired words catches each kind, and leaves Dutch text, prose and other
/// concepts that share a spelling alone.
#[test]
fn the_retired_words_check_can_fail() {
    let caught = |src: &str| retired_words("crates/x/src/lib.rs", src);
    for src in [
        "use loep_store::catalog;",
        "use loep_store::{Project, catalog, reveal};",
        "let s = catalog::current_snapshot(db, t)?;",
        "pub mod eerlijkheid;",
        "loep_zaken::bewaren::due(db)?",
        "let c = catalogus();",
        "fn f(user: &Gebruiker) {}",
        "let z = ZaakCommand::Catalogus { json };",
    ] {
        assert_eq!(caught(src).len(), 1, "{src}");
    }
    assert_eq!(
        caught("let a = 1;\nuse chart::kaart;\n"),
        ["2: kaart".to_string()]
    );
    for src in [
        r#"bail!("de catalogus heeft een status 'nieuw' nodig");"#,
        "// the catalog of deliveries; Gebruiker",
        "/* kaart::x */ let k = '\"'; let s = \"Gebruiker \\\" catalogus\";",
        r##"let sql = r#"SELECT catalogus FROM "x""#;"##,
        "pdf.catalog(catalog).pages(tree);",
        ".route(\"/eerlijkheid\", get(verantwoording::eerlijkheid))",
        "kaart: Some(map_svg(&listing)?),",
        "Actie::GebruikersBeheren => x, c.catalogus_sha256",
        "fn f<'a>(x: &'a str) -> &'a str { x }",
    ] {
        assert!(caught(src).is_empty(), "{src}: {:?}", caught(src));
    }
    assert!(
        retired_words(
            "crates/cli/src/zaak_cmd.rs",
            "ZaakCommand::Catalogus { json } => {}"
        )
        .is_empty()
    );
}

/// The most lines a function may have, from the line of its `fn` to that of its closing brace.
const MAX_FUNCTION_LINES: usize = 200;

/// The functions that may be longer because they are tables, each as (file, function, why). A
/// function leaves this list when it is split: the test fails for an entry that is not long.
const LONG_FUNCTIONS: &[(&str, &str, &str)] = &[(
    "crates/cli/src/main.rs",
    "run",
    "the table of subcommands: one arm per command, mapping clap's fields to a call",
)];

/// Whether byte `c` can be part of an identifier.
fn ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// `text` with its comments and its string and character literals blanked (their newlines
/// kept), so that the braces left are the code's.
fn code_braces(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to.min(b.len())] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    let mut i = 0;
    while i < b.len() {
        let next = b.get(i + 1).copied();
        let raw_start = b[i] == b'r'
            && (i == 0
                || !ident_byte(b[i - 1])
                || (b[i - 1] == b'b' && (i < 2 || !ident_byte(b[i - 2]))));
        if b[i] == b'/' && next == Some(b'/') {
            let end = text[i..].find('\n').map_or(b.len(), |k| i + k);
            blank(&mut out, i, end);
            i = end;
        } else if b[i] == b'/' && next == Some(b'*') {
            let (mut depth, mut j) = (0usize, i);
            while j < b.len() {
                if text[j..].starts_with("/*") {
                    depth += 1;
                    j += 2;
                } else if text[j..].starts_with("*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if raw_start && matches!(next, Some(b'#' | b'"')) {
            let hashes = text[i + 1..].bytes().take_while(|c| *c == b'#').count();
            let open = i + 1 + hashes;
            if b.get(open) != Some(&b'"') {
                i += 1;
                continue;
            }
            let close = format!("\"{}", "#".repeat(hashes));
            let end = text[open + 1..]
                .find(&close)
                .map_or(b.len(), |k| open + 1 + k + close.len());
            blank(&mut out, i, end);
            i = end;
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            blank(&mut out, i, j + 1);
            i = j + 1;
        } else if b[i] == b'\'' {
            // A character literal ('x', '\n', '\u{..}'); else a lifetime or a label.
            let end = if next == Some(b'\\') {
                text[i + 2..].find('\'').map(|k| i + 2 + k + 1)
            } else {
                let len = text[i + 1..].chars().next().map_or(0, char::len_utf8);
                (b.get(i + 1 + len) == Some(&b'\'')).then_some(i + 2 + len)
            };
            match end {
                Some(end) => {
                    blank(&mut out, i, end);
                    i = end;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The functions of `text` longer than `max` lines: (name, line of its `fn`, lines).
fn long_functions(text: &str, max: usize) -> Vec<(String, usize, usize)> {
    let code = code_braces(text);
    let b = code.as_bytes();
    let line_of = |pos: usize| 1 + b[..pos].iter().filter(|c| **c == b'\n').count();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(k) = code[from..].find("fn ") {
        let at = from + k;
        from = at + 3;
        if at > 0 && ident_byte(b[at - 1]) {
            continue;
        }
        let name: String = code[at + 3..]
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            continue;
        }
        // The body opens at the first `{` outside parentheses and brackets (`[u8; 4]`); a
        // `;` there first ends a declaration without one.
        let mut depth = 0i32;
        let mut open = None;
        for (j, c) in b.iter().enumerate().skip(at) {
            match c {
                b'(' | b'[' => depth += 1,
                b')' | b']' => depth -= 1,
                b'{' if depth == 0 => {
                    open = Some(j);
                    break;
                }
                b';' if depth == 0 => break,
                _ => {}
            }
        }
        let Some(open) = open else { continue };
        let mut depth = 0i32;
        let close = b.iter().enumerate().skip(open).find_map(|(j, c)| {
            match c {
                b'{' => depth += 1,
                b'}' => depth -= 1,
                _ => {}
            }
            (depth == 0).then_some(j)
        });
        let Some(close) = close else { continue };
        let lines = line_of(close) - line_of(at) + 1;
        if lines > max {
            found.push((name, line_of(at), lines));
        }
    }
    found
}

/// Functions hold one step each: none is longer than [`MAX_FUNCTION_LINES`], except the tables
/// [`LONG_FUNCTIONS`] names (and each of those is long still).
#[test]
fn no_function_is_longer_than_a_table_needs() {
    let root = workspace_root();
    let mut too_long = Vec::new();
    let mut allowed_found = BTreeSet::new();
    let crates = std::fs::read_dir(root.join("crates")).expect("the crates directory");
    for dir in crates.flatten().filter(|e| e.path().is_dir()) {
        for f in sources(&dir.file_name().to_string_lossy()) {
            let rel = f
                .strip_prefix(&root)
                .unwrap_or(&f)
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            for (name, line, lines) in long_functions(&text, MAX_FUNCTION_LINES) {
                if LONG_FUNCTIONS
                    .iter()
                    .any(|(file, fun, _)| *file == rel && *fun == name)
                {
                    allowed_found.insert((rel.clone(), name));
                } else {
                    too_long.push(format!("{rel}:{line}: fn {name}, {lines} lines"));
                }
            }
        }
    }
    assert!(
        too_long.is_empty(),
        "functions longer than {MAX_FUNCTION_LINES} lines (split them into a function per step, \
         or name a table in LONG_FUNCTIONS with why):\n{}",
        too_long.join("\n")
    );
    for (file, fun, _) in LONG_FUNCTIONS {
        assert!(
            allowed_found.contains(&(file.to_string(), fun.to_string())),
            "{file}: fn {fun} is no longer than {MAX_FUNCTION_LINES} lines (or gone): take it off LONG_FUNCTIONS"
        );
    }
}

/// The length check catches a long function, and is not fooled by braces in comments, strings,
/// raw strings and character literals, nor by a `;` in a parameter's type.
#[test]
fn the_length_check_can_fail() {
    let body = "    n += 1;\n".repeat(MAX_FUNCTION_LINES);
    let text = format!(
        "// fn in a comment {{\n\
         /* a block {{ /* nested }} */ comment {{ */\n\
         fn short(a: [u8; 4], s: &'static str) -> char {{\n    \
             let t = \"}} \\\" }}\";\n    \
             let r = r#\"}} \"}}\"#;\n    \
             let c = '{{';\n    \
             'outer: loop {{ break 'outer; }}\n    \
             '}}'\n\
         }}\n\
         fn long(mut n: u32) {{\n{body}}}\n\
         fn exactly_at_the_limit() {{\n{}}}\n",
        "    x();\n".repeat(MAX_FUNCTION_LINES - 2)
    );
    let found = long_functions(&text, MAX_FUNCTION_LINES);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "long");
    assert_eq!(found[0].2, MAX_FUNCTION_LINES + 2);
    // Its line is the line of its `fn`.
    assert_eq!(
        text.lines().nth(found[0].1 - 1).map(str::trim_start),
        Some("fn long(mut n: u32) {")
    );
}
