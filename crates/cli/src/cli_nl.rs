//! clap's own words in Dutch: the help template and its headings, the built-in `-h`/`--help`
//! and `-V`/`--version` flags, the `help` subcommand, the `[standaard: …]` and
//! `[mogelijke waarden: …]` notes, the usage line, and the parse errors.
//!
//! clap writes these in English and has no translation hook, so the command tree is adjusted
//! in two passes: before it is built (what must exist when clap builds it: our own help and
//! version flags and help subcommand instead of clap's), and after (texts that need the built
//! arguments: headings, notes, usage lines). Parse errors are rendered here from clap's
//! structured context instead of clap's English message.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, ArgMatches, Command};
use std::ffi::OsString;
use std::process::ExitCode;

/// The heading of the positional arguments.
const ARGUMENTEN: &str = "Argumenten";
/// The heading of the options.
const OPTIES: &str = "Opties";
/// The id and name of the help subcommand's argument.
const HELP_ARG: &str = "opdracht";

/// The derived command tree with clap's words in Dutch, built and ready to parse.
pub fn dutch(cmd: Command) -> Command {
    let mut cmd = before_build(cmd, true);
    cmd.build();
    after_build(cmd)
}

/// Replaces clap's generated flags and help subcommand by our own, on every command.
pub fn before_build(cmd: Command, root: bool) -> Command {
    let has_subcommands = cmd.has_subcommands();
    let mut cmd = cmd
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .subcommand_value_name("OPDRACHT")
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("Toon deze hulp (uitgebreider met --help)")
                .long_help("Toon deze hulp (beknopter met -h)")
                .help_heading(OPTIES),
        );
    if root {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("Toon het versienummer van loep")
                .help_heading(OPTIES),
        );
    }
    if has_subcommands {
        cmd = cmd
            .mut_subcommands(|sub| before_build(sub, false))
            .subcommand(before_build(
                Command::new("help")
                    .about("Toon deze hulp, of die van de genoemde opdracht")
                    .arg(
                        Arg::new(HELP_ARG)
                            .action(ArgAction::Append)
                            .num_args(..)
                            .value_name("OPDRACHT")
                            .help("De opdracht (en subopdracht) waarvan u de hulp wilt zien"),
                    ),
                false,
            ));
    }
    cmd
}

/// The template of every help text: clap's default with `Gebruik:` for `Usage:`.
fn template(cmd: &Command) -> String {
    let style = cmd.get_styles().get_usage();
    format!(
        "{{before-help}}{{about-with-newline}}\n{style}Gebruik:{style:#} {{usage}}\n\n{{all-args}}{{after-help}}"
    )
}

/// Headings, notes and usage lines in Dutch, on every command of a built tree.
fn after_build(mut cmd: Command) -> Command {
    // The usage clap computes, with its one English word replaced; clap writes it after
    // `Usage: `, which the template and `usage()` replace by `Gebruik: `.
    let usage = without_heading(&cmd.render_usage().to_string()).replace("[OPTIONS]", "[OPTIES]");
    let template = template(&cmd);
    cmd.override_usage(usage)
        .help_template(template)
        .subcommand_help_heading("Opdrachten")
        .mut_args(dutch_arg)
        .mut_subcommands(after_build)
}

/// An argument's heading and its default and possible values, in Dutch.
fn dutch_arg(a: Arg) -> Arg {
    let mut a = if a.get_help_heading().is_some() {
        a
    } else if a.is_positional() {
        a.help_heading(ARGUMENTEN)
    } else {
        a.help_heading(OPTIES)
    };
    if !a.get_action().takes_values() {
        return a;
    }
    let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
    let long = a.get_long_help().map(|h| h.to_string());
    let mut short_notes = Vec::new();
    let mut long_notes = Vec::new();
    let values: Vec<_> = a
        .get_possible_values()
        .into_iter()
        .filter(|v| !v.is_hide_set())
        .collect();
    if !values.is_empty() && !a.is_hide_possible_values_set() {
        let names: Vec<&str> = values.iter().map(|v| v.get_name()).collect();
        short_notes.push(format!("[mogelijke waarden: {}]", names.join(", ")));
        if values.iter().any(|v| v.get_help().is_some()) {
            let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
            let list: Vec<String> = values
                .iter()
                .map(|v| match v.get_help() {
                    Some(h) => format!("- {:<width$}  {h}", v.get_name()),
                    None => format!("- {}", v.get_name()),
                })
                .collect();
            long_notes.push(format!("Mogelijke waarden:\n{}", list.join("\n")));
        } else {
            long_notes.push(short_notes[0].clone());
        }
        a = a.hide_possible_values(true);
    }
    let defaults: Vec<String> = a
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if !defaults.is_empty() && !a.is_hide_default_value_set() {
        let note = format!("[standaard: {}]", defaults.join(" "));
        short_notes.push(note.clone());
        long_notes.push(note);
        a = a.hide_default_value(true);
    }
    if short_notes.is_empty() {
        return a;
    }
    let short = if help.is_empty() {
        short_notes.join(" ")
    } else {
        format!("{help} {}", short_notes.join(" "))
    };
    let long_base = long.unwrap_or(help);
    let long = if long_base.is_empty() {
        long_notes.join("\n\n")
    } else {
        format!("{long_base}\n\n{}", long_notes.join("\n\n"))
    };
    a.help(short).long_help(long)
}

/// `loep … help [OPDRACHT …]`: the help the user asked for, as `--help` shows it, or an
/// unknown command's error. `None` when the command line does not ask for help.
pub fn help_subcommand(cmd: &Command, matches: &ArgMatches) -> Option<ExitCode> {
    let (mut here, mut m) = (cmd, matches);
    loop {
        let (name, sub) = m.subcommand()?;
        let next = here.find_subcommand(name)?;
        if name != "help" {
            (here, m) = (next, sub);
            continue;
        }
        let mut target = here;
        for wanted in sub.get_many::<String>(HELP_ARG).into_iter().flatten() {
            match target.find_subcommand(wanted) {
                Some(t) => target = t,
                None => {
                    eprintln!(
                        "fout: onbekende opdracht '{wanted}'\n\nGebruik: {}\n\nDe opdrachten staan in `{} --help`.",
                        usage_of(target),
                        target.get_bin_name().unwrap_or_else(|| target.get_name())
                    );
                    return Some(ExitCode::from(2));
                }
            }
        }
        // clap leaves out the colours when standard output is not a terminal.
        return Some(match target.clone().print_long_help() {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::FAILURE,
        });
    }
}

/// A command's usage line (without `Gebruik:`).
fn usage_of(cmd: &Command) -> String {
    without_heading(&cmd.clone().render_usage().to_string())
}

/// A usage line as clap renders it, without its English heading `Usage:`.
fn without_heading(usage: &str) -> String {
    usage
        .strip_prefix("Usage:")
        .unwrap_or(usage)
        .trim()
        .to_string()
}

/// The command the arguments name (`loep zaak visit plan …` → `plan`), for the usage line
/// of an error clap gave without one: subcommand names are followed, option values skipped.
fn command_of<'a>(cmd: &'a Command, args: &[OsString]) -> &'a Command {
    let mut here = cmd;
    let mut skip_value = false;
    for a in args.iter().skip(1) {
        let a = a.to_string_lossy();
        if skip_value {
            skip_value = false;
            continue;
        }
        if a == "--" {
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            skip_value = !long.contains('=')
                && here
                    .get_arguments()
                    .find(|x| x.get_long() == Some(long))
                    .is_some_and(|x| x.get_action().takes_values());
            continue;
        }
        if a.starts_with('-') {
            continue;
        }
        if let Some(sub) = here.find_subcommand(a.as_ref()) {
            here = sub;
        }
    }
    here
}

/// A list of names for a message: `'a', 'b' en 'c'`.
fn quoted(items: &[String]) -> String {
    let q: Vec<String> = items.iter().map(|i| format!("'{i}'")).collect();
    match q.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} en {last}", rest.join(", ")),
    }
}

fn string(e: &clap::Error, kind: ContextKind) -> Option<String> {
    match e.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) if !v.is_empty() => Some(v.join(", ")),
        _ => None,
    }
}

fn strings(e: &clap::Error, kind: ContextKind) -> Vec<String> {
    match e.get(kind) {
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::Strings(v)) => v.clone(),
        _ => Vec::new(),
    }
}

fn number(e: &clap::Error, kind: ContextKind) -> Option<isize> {
    match e.get(kind)? {
        ContextValue::Number(n) => Some(*n),
        _ => None,
    }
}

/// Why a value could not be read, for the value parsers loep's arguments use (numbers,
/// fractions, network addresses); the standard library says it in English.
fn reason(source: &str) -> Option<&'static str> {
    Some(match source {
        "invalid digit found in string" => "dat is geen geheel getal",
        "cannot parse integer from empty string" => "de waarde is leeg, er hoort een getal",
        "number too large to fit in target type" => "het getal is te groot",
        "number too small to fit in target type" => "het getal is te klein",
        "invalid float literal" => "dat is geen getal (schrijf bijvoorbeeld 0.01)",
        "invalid socket address syntax" | "invalid IP address syntax" => {
            "dat is geen adres met poort (bijvoorbeeld 127.0.0.1:8080)"
        }
        _ => return None,
    })
}

/// The Dutch message of a parse error (without `fout: `).
fn message(e: &clap::Error) -> String {
    let arg = string(e, ContextKind::InvalidArg).unwrap_or_default();
    let value = string(e, ContextKind::InvalidValue).unwrap_or_default();
    let mut msg = match e.kind() {
        ErrorKind::UnknownArgument => format!("onbekend argument '{arg}'"),
        ErrorKind::InvalidSubcommand => format!(
            "onbekende opdracht '{}'",
            string(e, ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        ErrorKind::InvalidValue if value.is_empty() => {
            format!("'{arg}' vraagt een waarde, maar er is er geen gegeven")
        }
        ErrorKind::InvalidValue => {
            let mut m = format!("ongeldige waarde '{value}' voor '{arg}'");
            let valid = strings(e, ContextKind::ValidValue);
            if !valid.is_empty() {
                m.push_str(&format!("\n  mogelijke waarden: {}", valid.join(", ")));
            }
            m
        }
        ErrorKind::ValueValidation => {
            // The contract's parsers say why in Dutch themselves.
            let why = std::error::Error::source(e)
                .and_then(|s| match s.downcast_ref::<loep_contract::Invalid>() {
                    Some(i) => Some(i.reason.clone()),
                    None => reason(&s.to_string()).map(str::to_string),
                })
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            format!("ongeldige waarde '{value}' voor '{arg}'{why}")
        }
        ErrorKind::MissingRequiredArgument => {
            let missing = strings(e, ContextKind::InvalidArg);
            if missing.len() == 1 {
                format!("het verplichte argument {} ontbreekt", missing[0])
            } else {
                format!(
                    "deze verplichte argumenten ontbreken:\n  {}",
                    missing.join("\n  ")
                )
            }
        }
        ErrorKind::MissingSubcommand => {
            let mut m = format!(
                "'{}' vraagt een opdracht",
                string(e, ContextKind::InvalidSubcommand).unwrap_or_default()
            );
            let valid = strings(e, ContextKind::ValidSubcommand);
            if !valid.is_empty() {
                m.push_str(&format!("; kies uit {}", quoted(&valid)));
            }
            m
        }
        ErrorKind::ArgumentConflict => {
            let prior = strings(e, ContextKind::PriorArg);
            if prior.len() == 1 && prior[0] == arg {
                format!("'{arg}' mag maar één keer worden gegeven")
            } else if prior.is_empty() {
                format!("'{arg}' gaat niet samen met de andere argumenten")
            } else {
                format!("'{arg}' gaat niet samen met {}", quoted(&prior))
            }
        }
        ErrorKind::NoEquals => format!("geef de waarde van '{arg}' met een '=' ({arg}=WAARDE)"),
        ErrorKind::TooManyValues => {
            format!("onverwachte waarde '{value}' voor '{arg}': er hoort geen waarde meer")
        }
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            let wanted = number(e, ContextKind::MinValues)
                .or(number(e, ContextKind::ExpectedNumValues))
                .unwrap_or(1);
            let given = number(e, ContextKind::ActualNumValues).unwrap_or(0);
            format!("'{arg}' vraagt {wanted} waarde(n), er zijn er {given} gegeven")
        }
        ErrorKind::InvalidUtf8 => "een argument is geen geldige UTF-8-tekst".to_string(),
        _ => "de opdrachtregel is niet te lezen".to_string(),
    };
    let suggestions = [
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedArg,
        ContextKind::SuggestedValue,
    ]
    .into_iter()
    .flat_map(|k| strings(e, k))
    .collect::<Vec<_>>();
    if !suggestions.is_empty() {
        msg.push_str(&format!("\n  bedoelt u {}?", quoted(&suggestions)));
    }
    if e.kind() == ErrorKind::UnknownArgument
        && arg.starts_with('-')
        && matches!(e.get(ContextKind::Suggested), Some(ContextValue::StyledStrs(s)) if !s.is_empty())
    {
        msg.push_str(&format!(
            "\n  tip: is '{arg}' een waarde, schrijf dan '-- {arg}'"
        ));
    }
    msg
}

/// Reports a parse error (or a request for help or the version) the way loep reports its
/// other errors, in Dutch, and returns the exit status: 0 for help and version (on standard
/// output), 2 for a command line that cannot be parsed.
pub fn report(e: &clap::Error, cmd: &Command, args: &[OsString]) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // The texts are ours (Dutch); clap prints them to standard output.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // The help of the command that needs a subcommand, on standard error.
            eprint!("fout: geef een van de opdrachten hieronder\n\n");
            let _ = e.print();
            return ExitCode::from(2);
        }
        _ => {}
    }
    let usage = match e.get(ContextKind::Usage) {
        Some(ContextValue::StyledStr(u)) => without_heading(&u.to_string()),
        _ => usage_of(command_of(cmd, args)),
    };
    // The command's name: the usage line up to its first option or placeholder.
    let name: Vec<&str> = usage
        .split_whitespace()
        .take_while(|w| !w.starts_with(['[', '<', '-']))
        .collect();
    eprintln!(
        "fout: {}\n\nGebruik: {usage}\n\nMeer hulp: `{} --help`.",
        message(e),
        name.join(" ")
    );
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd() -> Command {
        dutch(
            Command::new("loep")
                .arg(Arg::new("dir").required(true))
                .arg(
                    Arg::new("format")
                        .long("format")
                        .value_parser(["table", "csv"])
                        .default_value("table"),
                )
                .arg(
                    Arg::new("persons")
                        .long("persons")
                        .value_parser(clap::value_parser!(u64)),
                )
                .subcommand(Command::new("init").about("Maak een project")),
        )
    }

    fn error(args: &[&str]) -> String {
        let e = cmd().try_get_matches_from(args).unwrap_err();
        message(&e)
    }

    #[test]
    fn errors_name_the_argument_in_dutch() {
        assert!(error(&["loep", "d", "--bogus"]).starts_with("onbekend argument '--bogus'"));
        assert_eq!(
            error(&["loep", "d", "--format", "xml"]),
            "ongeldige waarde 'xml' voor '--format <format>'\n  mogelijke waarden: table, csv"
        );
        assert_eq!(
            error(&["loep", "d", "--persons", "veel"]),
            "ongeldige waarde 'veel' voor '--persons <persons>': dat is geen geheel getal"
        );
        assert_eq!(error(&["loep"]), "het verplichte argument <dir> ontbreekt");
    }

    #[test]
    fn help_is_dutch() {
        let help = cmd().render_long_help().to_string();
        for word in [
            "Gebruik: loep [OPTIES]",
            "Argumenten:",
            "Opties:",
            "Opdrachten:",
        ] {
            assert!(help.contains(word), "{word}:\n{help}");
        }
        assert!(help.contains("[standaard: table]"), "{help}");
        assert!(help.contains("Toon deze hulp"), "{help}");
        for word in ["Usage", "Options", "Commands", "Print", "default:"] {
            assert!(!help.contains(word), "{word}:\n{help}");
        }
    }
}
