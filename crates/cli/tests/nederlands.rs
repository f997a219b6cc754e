//! What the command line says to its user is Dutch: the `--help` and `-h` of every command
//! and subcommand (found by walking the help itself, so a new command is checked without
//! being listed here), the `help` subcommand, and clap's parse errors, which start with
//! `fout:` like loep's other errors.

mod common;
use common::*;

/// Common English words that are not also Dutch words. ("of", "is", "project", "argument",
/// "data", "link", "match", "was" and "had" are Dutch too, and so are left out.)
const ENGLISH: &[&str] = &[
    "the",
    "and",
    "to",
    "with",
    "are",
    "for",
    "this",
    "that",
    "from",
    "must",
    "when",
    "which",
    "file",
    "files",
    "error",
    "usage",
    "options",
    "option",
    "commands",
    "command",
    "print",
    "help",
    "show",
    "run",
    "runs",
    "create",
    "creates",
    "created",
    "not",
    "no",
    "or",
    "by",
    "at",
    "it",
    "its",
    "be",
    "been",
    "were",
    "has",
    "have",
    "can",
    "cannot",
    "will",
    "would",
    "should",
    "into",
    "only",
    "each",
    "every",
    "all",
    "new",
    "list",
    "write",
    "writes",
    "written",
    "read",
    "reads",
    "default",
    "value",
    "values",
    "required",
    "arguments",
    "subcommand",
    "subcommands",
    "found",
    "unexpected",
    "invalid",
    "possible",
    "see",
    "more",
    "summary",
    "version",
    "directory",
    "output",
    "input",
    "path",
    "name",
    "person",
    "persons",
    "records",
    "row",
    "rows",
    "table",
    "tables",
    "delivery",
    "approved",
    "refused",
    "destroyed",
    "identities",
    "linked",
    "pairs",
    "truth",
    "precision",
    "signals",
    "address",
    "addresses",
    "case",
    "cases",
    "visit",
    "outcome",
    "outcomes",
    "key",
    "keys",
    "theme",
    "themes",
    "municipality",
    "generate",
    "generated",
    "load",
    "loaded",
    "use",
    "used",
    "uses",
    "using",
    "give",
    "gives",
    "take",
    "takes",
    "need",
    "needs",
    "ask",
    "asks",
    "asked",
    "after",
    "before",
    "until",
    "while",
    "since",
    "under",
    "if",
    "then",
    "than",
    "there",
    "their",
    "they",
    "what",
    "who",
    "why",
    "how",
    "where",
    "you",
    "your",
    "one",
    "two",
    "first",
    "here",
    "days",
    "years",
    "so",
    "an",
    "on",
    "as",
];

/// clap's own English, which the word list would miss (capitals are taken for placeholders).
const CLAP_ENGLISH: &[&str] = &[
    "Usage:",
    "Options:",
    "Commands:",
    "Arguments:",
    "[OPTIONS]",
    "<COMMAND>",
    "[COMMAND]",
    "[default:",
    "[possible values:",
    "Possible values:",
    "Print help",
    "Print version",
    "error:",
    "For more information",
    "e.g.",
    "i.e.",
];

/// Text with its code spans (`…`) left out.
fn without_backticks(text: &str) -> String {
    let mut out = String::new();
    let mut code = false;
    for c in text.chars() {
        if c == '`' {
            code = !code;
        } else if !code {
            out.push(c);
        }
    }
    out
}

/// A line with the names in it cut out: the values after `mogelijke waarden:` and
/// `standaard:` (up to `]` or the end), and the suggestions after `bedoelt u`.
fn without_value_lists(line: &str) -> String {
    let mut line = line.to_string();
    for marker in ["mogelijke waarden:", "standaard:", "bedoelt u"] {
        while let Some(start) = line.find(marker) {
            let rest = &line[start..];
            let end = rest.find(']').map_or(line.len(), |e| start + e + 1);
            line.replace_range(start..end, " ");
        }
    }
    line
}

/// Whether a word is code, not prose: a flag, a placeholder, a code, a file name, a path, a
/// value such as `adres:poort`, an abbreviation or a number.
fn is_code(word: &str) -> bool {
    let w = word.trim_matches(|c: char| "()[]{},;:.?!\"'…".contains(c));
    w.is_empty()
        || w.starts_with('-')
        || w.contains(|c: char| "<>_/=|:\\.@".contains(c) || c.is_ascii_digit())
        || (w.chars().count() > 1 && w.chars().all(|c| !c.is_alphabetic() || c.is_uppercase()))
}

/// The English words in `text`, a help or error text of the command `path` (`["zaak",
/// "visit"]`), each with its line; and clap's English markers.
fn english_in(text: &str, path: &[String]) -> Vec<String> {
    let mut found: Vec<String> = CLAP_ENGLISH
        .iter()
        .filter(|m| text.contains(*m))
        .map(|m| format!("{m:?} (clap)"))
        .collect();
    let mut in_commands = false;
    for line in without_backticks(text).lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if indent == 0 && !trimmed.is_empty() {
            in_commands = COMMANDS_HEADINGS.contains(&trimmed);
        }
        let cleaned = without_value_lists(line);
        let mut words: Vec<&str> = cleaned.split_whitespace().collect();
        if in_commands && indent == 2 && !words.is_empty() {
            // The command's name.
            words.remove(0);
        }
        if trimmed.starts_with("- ") && words.len() > 1 {
            // A possible value's name.
            words.remove(1);
        }
        if trimmed.starts_with("Gebruik:") || trimmed.starts_with("fout: onbekende opdracht") {
            words.retain(|w| w.trim_matches('\'') != "loep" && !path.iter().any(|p| p == w));
        }
        for w in words.into_iter().filter(|w| !is_code(w)) {
            let w = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-');
            for part in w.split('-') {
                if ENGLISH.contains(&part.to_lowercase().as_str()) {
                    found.push(format!("{part:?} in: {}", line.trim()));
                }
            }
        }
    }
    found
}

/// The heading of the subcommands, and clap's own: the walk goes on should the heading
/// turn English again (which `CLAP_ENGLISH` then reports).
const COMMANDS_HEADINGS: [&str; 2] = ["Opdrachten:", "Commands:"];

/// The names under `Opdrachten:` of a help text.
fn subcommands(help: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_commands = false;
    for line in help.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            in_commands = COMMANDS_HEADINGS.contains(&line);
        } else if in_commands
            && line.starts_with("  ")
            && !line.starts_with("   ")
            && let Some(name) = line.split_whitespace().next()
        {
            names.push(name.to_string());
        }
    }
    names
}

fn run(args: &[String]) -> std::process::Output {
    loep(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn every_command_helps_in_dutch() {
    let mut problems = Vec::new();
    let mut commands = 0;
    let mut queue: Vec<Vec<String>> = vec![vec![]];
    while let Some(path) = queue.pop() {
        commands += 1;
        for flag in ["--help", "-h"] {
            let args: Vec<String> = path.iter().cloned().chain([flag.to_string()]).collect();
            let out = run(&args);
            let help = stdout(&out);
            let what = format!("loep {}", args.join(" "));
            assert_eq!(out.status.code(), Some(0), "{what}:\n{}", stderr(&out));
            assert!(stderr(&out).is_empty(), "{what}:\n{}", stderr(&out));
            for p in english_in(&help, &path) {
                problems.push(format!("{what}: {p}"));
            }
            for heading in ["Gebruik: loep", "Opties:"] {
                if !help.contains(heading) {
                    problems.push(format!("{what}: no {heading:?}"));
                }
            }
            if flag == "-h" {
                continue;
            }
            let subs = subcommands(&help);
            if !subs.is_empty() {
                assert!(subs.iter().any(|s| s == "help"), "{what}:\n{help}");
                // `loep … help SUB` shows what `loep … SUB --help` shows.
                let first = &subs[0];
                let via_help: Vec<String> = path
                    .iter()
                    .cloned()
                    .chain(["help".to_string(), first.clone()])
                    .collect();
                let direct: Vec<String> = path
                    .iter()
                    .cloned()
                    .chain([first.clone(), "--help".to_string()])
                    .collect();
                assert_eq!(
                    stdout(&run(&via_help)),
                    stdout(&run(&direct)),
                    "loep {}",
                    via_help.join(" ")
                );
            }
            // `help` is walked below, once.
            for sub in subs.into_iter().filter(|s| s != "help") {
                queue.push(path.iter().cloned().chain([sub]).collect());
            }
        }
    }
    assert!(
        problems.is_empty(),
        "English in the help:\n{}",
        problems.join("\n")
    );
    // The walk found the tree (some 70 commands), not only the top.
    assert!(commands > 50, "only {commands} commands found");
    // `loep help` is `loep --help`; and the help subcommand has a help of its own.
    assert_eq!(stdout(&loep(&["help"])), stdout(&loep(&["--help"])));
    let out = loep(&["help", "--help"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let english = english_in(&stdout(&out), &["help".to_string()]);
    assert!(english.is_empty(), "loep help --help: {english:?}");
}

#[test]
fn wrong_command_lines_are_refused_in_dutch() {
    let cases: &[(&[&str], &str)] = &[
        (&["onbekend"], "'onbekend'"),
        (&["--bogus"], "'--bogus'"),
        (&["status"], "<PROJECTMAP>"),
        (&["init", "map"], "--naam"),
        (&["init", "map", "--naam"], "--naam"),
        (&["scan", "map", "nog-een"], "'nog-een'"),
        (&["signals", "map", "--format", "xml"], "'xml'"),
        (
            &["synth", "--persons", "veel", "--out", "x"],
            "geen geheel getal",
        ),
        (&["serve", "map", "--listen", "nergens"], "adres met poort"),
        (
            &["zaak", "list", "map", "--open", "--gesloten"],
            "--gesloten",
        ),
        (&["zaak"], "Opdrachten:"),
        (&["help", "onbekend"], "'onbekend'"),
        (&["zaak", "help", "visit", "nergens"], "'nergens'"),
    ];
    let mut problems = Vec::new();
    for (args, named) in cases {
        let out = loep(args);
        let what = format!("loep {}", args.join(" "));
        let err = stderr(&out);
        let path: Vec<String> = args
            .iter()
            .take_while(|a| !a.starts_with('-'))
            .map(|a| a.to_string())
            .collect();
        for p in english_in(&err, &path) {
            problems.push(format!("{what}: {p}"));
        }
        assert_eq!(out.status.code(), Some(2), "{what}:\n{err}");
        assert!(stdout(&out).is_empty(), "{what}:\n{}", stdout(&out));
        if !err.starts_with("fout: ") || !err.contains("Gebruik: loep") {
            problems.push(format!(
                "{what}: not `fout: …` with `Gebruik: loep …`:\n{err}"
            ));
        }
        if !err.contains(named) {
            problems.push(format!("{what}: does not name {named}:\n{err}"));
        }
    }
    assert!(
        problems.is_empty(),
        "English in the errors:\n{}",
        problems.join("\n")
    );
    // The version goes to standard output, as the help does.
    let out = loep(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("loep "), "{}", stdout(&out));
}

/// The check finds what loep printed before its command line was Dutch.
#[test]
fn the_check_finds_english() {
    let help = "Run loep end to end on generated data\n\nUsage: loep demo [OPTIONS]\n\n\
Options:\n      --dir <DIR>  Where the demo project and its data go [default: loep-demo]\n  \
-h, --help  Print help (see more with '--help')\n";
    let found = english_in(help, &["demo".to_string()]);
    for word in [
        "\"Usage:\"",
        "\"Options:\"",
        "\"Print help\"",
        "\"the\"",
        "\"Where\"",
    ] {
        assert!(
            found.iter().any(|f| f.starts_with(word)),
            "{word}: {found:?}"
        );
    }
    let error = "error: unexpected argument '--bogus' found\n\nUsage: loep [OPTIONS] <COMMAND>\n\n\
For more information, try '--help'.\n";
    let found = english_in(error, &[]);
    assert!(
        found.iter().any(|f| f.starts_with("\"error:\"")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|f| f.starts_with("\"unexpected\"")),
        "{found:?}"
    );
    // Code is not prose: flags, placeholders, backticked text, codes and commands' names.
    let dutch = "Toon de signalen (`loep signals --run RUN`), zie --format <FORMAAT>; \
brp_klopt_niet, loep.toml [standaard: table]\n\nOpdrachten:\n  show  Toon één zaak\n";
    assert_eq!(english_in(dutch, &[]), Vec::<String>::new());
}
