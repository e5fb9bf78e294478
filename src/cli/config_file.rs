//! `--config FILE`: the settings of `serve` (and of `config check`) as a
//! TOML file, one key per flag with the flag's own name (`max-key-days =
//! 30` for `--max-key-days 30`). A flag on the command line or its
//! environment variable overrides the file. The file's keys become flags
//! before clap reads the command line, so every value is checked by the
//! same rules as a flag; what is wrong in the file is named with its line.

use std::{
    collections::BTreeMap,
    ffi::OsString,
    path::{Path, PathBuf},
};

use clap::{Arg, ArgAction, ArgMatches, CommandFactory, FromArgMatches, parser::ValueSource};
use toml::de::{DeTable, DeValue};

use super::Cli;

/// The command line read with its configuration file, and where each key
/// of the file was (for `config check`).
pub struct Parsed {
    pub cli: Cli,
    pub matches: ArgMatches,
    pub from_file: FileKeys,
}

/// The keys a configuration file set (and that nothing overrode): the
/// flag's ID and the line it is on.
#[derive(Default, Clone)]
pub struct FileKeys {
    pub file: Option<PathBuf>,
    pub lines: BTreeMap<String, usize>,
}

/// Reads the command line, and the configuration file it names (`--config`
/// or `MC_CONFIG`) for `serve` and `config check`. Clap's own answers
/// (`--help`, a wrong flag) exit as usual.
pub fn parse(args: Vec<OsString>) -> anyhow::Result<Parsed> {
    let command = Cli::command();
    let matches = command.clone().try_get_matches_from(&args).unwrap_or_else(|e| e.exit());
    let Some((path, settings)) = settings_of(&command, &matches) else {
        let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        return Ok(Parsed {
            cli,
            matches,
            from_file: FileKeys::default(),
        });
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|err| anyhow::anyhow!("cannot read the configuration file {}: {err}", path.display()))?;
    let flags = as_flags(&text, &settings.arguments, settings.matches)
        .map_err(|err| anyhow::anyhow!("{}:{err}", path.display()))?;
    let mut args = args;
    let mut lines = BTreeMap::new();
    for flag in flags {
        args.extend(flag.args);
        lines.insert(flag.id, flag.line);
    }
    let final_matches = match command.clone().try_get_matches_from(&args) {
        Ok(matches) => matches,
        Err(err) => {
            // A value of the file that clap refused: say where it is.
            let said = err.to_string();
            let culprit = settings
                .arguments
                .iter()
                .filter(|arg| lines.contains_key(arg.get_id().as_str()))
                .find(|arg| arg.get_long().is_some_and(|long| said.contains(&format!("--{long}"))));
            match culprit {
                Some(arg) => anyhow::bail!(
                    "{}:{}: {}: {}",
                    path.display(),
                    lines[arg.get_id().as_str()],
                    arg.get_long().unwrap_or_default(),
                    said.lines().next().unwrap_or_default().trim_start_matches("error: ")
                ),
                None => err.exit(),
            }
        }
    };
    let cli = Cli::from_arg_matches(&final_matches).unwrap_or_else(|e| e.exit());
    Ok(Parsed {
        cli,
        matches: final_matches,
        from_file: FileKeys {
            file: Some(path),
            lines,
        },
    })
}

/// The settings a file may give: the arguments of the command it is for
/// and what the command line already says of them.
struct Settings<'a> {
    arguments: Vec<Arg>,
    matches: &'a ArgMatches,
}

/// The file named for `serve` or `config check`, and that command's settings.
fn settings_of<'a>(command: &clap::Command, matches: &'a ArgMatches) -> Option<(PathBuf, Settings<'a>)> {
    let (name, sub_matches) = matches.subcommand()?;
    let (sub_command, sub_matches) = match (name, sub_matches.subcommand()) {
        ("serve", _) => (command.find_subcommand("serve")?, sub_matches),
        ("config", Some(("check", check))) => (command.find_subcommand("config")?.find_subcommand("check")?, check),
        _ => return None,
    };
    let path = sub_matches.get_one::<PathBuf>("config")?.clone();
    let arguments = settable(command, sub_command);
    Some((
        path,
        Settings {
            arguments,
            matches: sub_matches,
        },
    ))
}

/// The settings of `sub_command` a file may give: its flags and the top
/// command's global ones (`--db`), not `--config`, `--help` or `--version`.
fn settable(command: &clap::Command, sub_command: &clap::Command) -> Vec<Arg> {
    command
        .get_arguments()
        .filter(|arg| arg.is_global_set())
        .chain(sub_command.get_arguments())
        .filter(|arg| !matches!(arg.get_id().as_str(), "config" | "help" | "version"))
        .cloned()
        .collect()
}

/// One key of the file as the flag it stands for.
#[derive(Debug)]
struct Flag {
    id: String,
    line: usize,
    args: Vec<OsString>,
}

/// The file's keys as flags, leaving out those the command line or the
/// environment already set; the first key that is unknown or of the wrong
/// type is refused as `LINE: why`.
fn as_flags(text: &str, arguments: &[Arg], given: &ArgMatches) -> Result<Vec<Flag>, String> {
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let table = DeTable::parse(text).map_err(|err| {
        let line = err.span().map_or(1, |span| line_of(span.start));
        format!("{line}: {}", err.message().trim())
    })?;
    let mut keys: Vec<_> = table.get_ref().iter().collect();
    keys.sort_by_key(|(key, _)| key.span().start);
    let mut flags = Vec::new();
    for (key, value) in keys {
        let line = line_of(key.span().start);
        let name = key.get_ref().as_ref();
        let Some(arg) = arguments.iter().find(|arg| arg.get_long() == Some(name)) else {
            return Err(format!(
                "{line}: unknown key {name:?} (the keys are the flags of serve without their dashes, e.g. max-key-days)"
            ));
        };
        let id = arg.get_id().as_str().to_string();
        let overridden = matches!(
            given.value_source(&id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        );
        let args =
            flag_args(name, arg, value.get_ref()).map_err(|expected| format!("{line}: {name} must be {expected}"))?;
        if !overridden {
            flags.push(Flag { id, line, args });
        }
    }
    Ok(flags)
}

/// `--name=VALUE` for a value of the type the flag takes; otherwise what it takes.
fn flag_args(name: &str, arg: &Arg, value: &DeValue) -> Result<Vec<OsString>, &'static str> {
    let flag = |value: &str| vec![OsString::from(format!("--{name}={value}"))];
    match (arg.get_action(), value) {
        (ArgAction::SetTrue, DeValue::Boolean(true)) => Ok(vec![OsString::from(format!("--{name}"))]),
        (ArgAction::SetTrue, DeValue::Boolean(false)) => Ok(Vec::new()),
        (ArgAction::SetTrue, _) => Err("true or false"),
        (_, DeValue::Integer(number)) if takes_integer(arg) => {
            let digits = number.as_str().replace('_', "");
            i64::from_str_radix(&digits, number.radix())
                .map(|number| flag(&number.to_string()))
                .map_err(|_| "a whole number")
        }
        (_, _) if takes_integer(arg) => Err("a whole number"),
        (_, DeValue::String(text)) => Ok(flag(text)),
        (_, DeValue::Array(items)) if arg.get_value_delimiter().is_some() => {
            let mut texts = Vec::new();
            for item in items.iter() {
                match item.get_ref() {
                    DeValue::String(text) => texts.push(text.to_string()),
                    _ => return Err("a list of strings"),
                }
            }
            Ok(flag(&texts.join(",")))
        }
        (_, _) if arg.get_value_delimiter().is_some() => Err("a list of strings"),
        (_, _) => Err("a string"),
    }
}

fn takes_integer(arg: &Arg) -> bool {
    arg.get_value_parser().type_id() == std::any::TypeId::of::<i64>()
}

/// The settings in effect, one `key = value` line each with where it came
/// from, as TOML (a password in a URL masked): what `config check` prints.
pub fn describe(matches: &ArgMatches, arguments: &[Arg], from_file: &FileKeys) -> String {
    let mut out = String::new();
    for arg in arguments {
        let (Some(long), id) = (arg.get_long(), arg.get_id().as_str()) else {
            continue;
        };
        let raw: Vec<String> = matches
            .get_raw(id)
            .map(|values| values.map(|v| masked(&v.to_string_lossy())).collect())
            .unwrap_or_default();
        let source = match (from_file.lines.get(id), matches.value_source(id)) {
            (Some(line), _) => format!("file, line {line}"),
            (None, Some(ValueSource::CommandLine)) => "flag".to_string(),
            (None, Some(ValueSource::EnvVariable)) => format!(
                "environment, {}",
                arg.get_env().map(|env| env.to_string_lossy()).unwrap_or_default()
            ),
            (None, _) => "default".to_string(),
        };
        let value = match raw.as_slice() {
            [] => {
                out.push_str(&format!("# {long} is not set\n"));
                continue;
            }
            [one] if matches!(arg.get_action(), ArgAction::SetTrue) || takes_integer(arg) => one.clone(),
            [one] if arg.get_value_delimiter().is_none() => quoted(one),
            many => format!("[{}]", many.iter().map(|v| quoted(v)).collect::<Vec<_>>().join(", ")),
        };
        out.push_str(&format!("{long} = {value}  # {source}\n"));
    }
    out
}

fn quoted(text: &str) -> String {
    format!("{text:?}")
}

/// A URL's password as `****` (`postgres://mc:****@db/mc`); other text as it is.
fn masked(value: &str) -> String {
    let Some((scheme, rest)) = value.split_once("://") else {
        return value.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return value.to_string();
    };
    match rest[..at].split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:****{}", &rest[at..]),
        None => value.to_string(),
    }
}

/// The arguments `config check` describes: those of `config check` (which
/// are `serve`'s) and the global ones.
pub fn check_arguments() -> Vec<Arg> {
    let command = Cli::command();
    command
        .find_subcommand("config")
        .and_then(|config| config.find_subcommand("check"))
        .map_or_else(Vec::new, |check| settable(&command, check))
}

/// Whether `path` can be read, as a line saying what is wrong.
pub fn readable(what: &str, path: &Path) -> Result<(), String> {
    std::fs::File::open(path)
        .map(|_| ())
        .map_err(|err| format!("{what} {}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::masked;

    #[test]
    fn a_password_in_a_url_is_masked_and_nothing_else() {
        assert_eq!(
            masked("postgres://mc:s3cret@db:5432/mc"),
            "postgres://mc:****@db:5432/mc"
        );
        assert_eq!(masked("postgres://mc@db/mc"), "postgres://mc@db/mc");
        assert_eq!(masked("smtp://mail:25"), "smtp://mail:25");
        assert_eq!(masked("/var/lib/mc/member-center.db"), "/var/lib/mc/member-center.db");
    }
}
