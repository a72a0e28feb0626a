//! Where options come from, merged by figment, each source over the one before: the TOML file
//! (`--config`), the environment (`COBROWSE_*`), the flags. What none of them sets keeps its
//! default (`load`).
//!
//! Environment variables: `COBROWSE_<OPTION>` for a top-level option, its value taken as
//! written (a list comma-separated, as its flag takes it); `COBROWSE_<SECTION>__<KEY>` for a
//! key of a nested section (`[privacy]`, `[widget]`), a list there written as in the file
//! (`["a", "b"]`). Numbers and booleans are read from the text (`true`/`false`, also
//! `yes`/`no`, `on`/`off`, `1`/`0`). An empty variable counts as unset, and a `COBROWSE_*`
//! variable that names no option is an error.

use std::ffi::OsString;
use std::path::Path;

use figment::providers::{Format, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};

use super::options::Options;
use super::ConfigError;

const PREFIX: &str = "COBROWSE_";
/// `COBROWSE_*` variables that are not options: the file's path (read by clap) and the log
/// filter (read by the binary).
const NOT_OPTIONS: [&str; 2] = ["CONFIG", "LOG"];
/// Separates a section from its key in a variable's name.
const NESTING: &str = "__";
/// The environment's name among figment's sources: an error from it is told by it.
const ENVIRONMENT: &str = "environment";

/// The options from the file at `path` (if any), the variables `env` and the `flags`, merged.
pub(super) fn merge(
    path: Option<&Path>,
    env: impl IntoIterator<Item = (OsString, OsString)>,
    flags: &Options,
) -> Result<Options, ConfigError> {
    let mut sources = Figment::new();
    if let Some(path) = path {
        sources = sources.merge(Toml::string(&read_file(path)?));
    }
    sources
        .merge(Environment::read(env)?)
        .merge(Flags(flags))
        // Lossy: a variable's text becomes the number or boolean its option is. (The file was
        // already read strictly: a string there is still refused where a number belongs.)
        .extract_lossy()
        .map_err(|e| {
            let from_env = e.metadata.as_ref().is_some_and(|m| m.name == ENVIRONMENT);
            if !from_env || e.path.is_empty() {
                return ConfigError::Sources(e.to_string());
            }
            let message = match &e.kind {
                // Its list of every option would bury the name.
                figment::error::Kind::UnknownField(..) => {
                    "names no option (`cobrowse-relay --help` lists them)".into()
                }
                kind => kind.to_string(),
            };
            ConfigError::Environment {
                variable: variable_name(&e.path),
                message,
            }
        })
}

/// The file's text, once its keys and values are known good: a syntax error, an unknown key or
/// a wrong type is named here with its line (figment's own errors carry no line).
fn read_file(path: &Path) -> Result<String, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str::<Options>(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: parse_message(&text, &e),
    })?;
    Ok(text)
}

/// The parser's message, prefixed with the key and line it is about (its message alone may be
/// as bare as "invalid socket address syntax").
fn parse_message(text: &str, e: &toml::de::Error) -> String {
    let Some(at) = e.span().map(|s| s.start.min(text.len())) else {
        return e.message().to_string();
    };
    let line_no = text[..at].matches('\n').count() + 1;
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next().unwrap_or_default();
    match line.split_once('=') {
        Some((key, _)) if !key.trim().is_empty() => {
            format!("{}: {} (line {line_no})", key.trim(), e.message())
        }
        _ => format!("{} (line {line_no})", e.message()),
    }
}

/// `["privacy", "mask"]` → `COBROWSE_PRIVACY__MASK`.
fn variable_name<S: AsRef<str>>(path: &[S]) -> String {
    let keys: Vec<&str> = path.iter().map(AsRef::as_ref).collect();
    format!("{PREFIX}{}", keys.join(NESTING).to_ascii_uppercase())
}

/// The `COBROWSE_*` variables, nested by their `__`.
struct Environment(Dict);

impl Environment {
    fn read(vars: impl IntoIterator<Item = (OsString, OsString)>) -> Result<Self, ConfigError> {
        let mut options = Dict::new();
        for (name, value) in vars {
            // A name that is not UTF-8 cannot start with our prefix's text.
            let Some(name) = name.to_str() else { continue };
            let Some(key) = name.strip_prefix(PREFIX) else {
                continue;
            };
            if NOT_OPTIONS.contains(&key) {
                continue;
            }
            let value = value.into_string().map_err(|_| ConfigError::Environment {
                variable: name.to_string(),
                message: "is not UTF-8".into(),
            })?;
            // As clap treated an empty variable: unset.
            if value.is_empty() {
                continue;
            }
            let path: Vec<String> = key.split(NESTING).map(str::to_ascii_lowercase).collect();
            // Top-level values stay text, as written (a token of digits is still a token);
            // in a section, a list is parsed (`["a", "b"]`).
            let value = if path.len() > 1 && value.trim_start().starts_with('[') {
                value.parse().unwrap_or_else(|never| match never {})
            } else {
                Value::from(value)
            };
            if !insert(&mut options, &path, value) {
                return Err(ConfigError::Environment {
                    variable: name.to_string(),
                    message: format!(
                        "{0} is set both as one value and by its keys ({0}__<KEY>)",
                        variable_name(&path[..1])
                    ),
                });
            }
        }
        Ok(Self(options))
    }
}

/// `value` at `path` in `dict`, making the sections on the way; false when a value and a
/// section would take the same place (`COBROWSE_WIDGET` and `COBROWSE_WIDGET__POSITION`): one
/// of them would be lost.
fn insert(dict: &mut Dict, path: &[String], value: Value) -> bool {
    match path {
        [] => true,
        [key] => match dict.get(key) {
            Some(Value::Dict(..)) => false,
            _ => {
                dict.insert(key.clone(), value);
                true
            }
        },
        [section, rest @ ..] => match dict
            .entry(section.clone())
            .or_insert_with(|| Value::from(Dict::new()))
        {
            Value::Dict(_, inner) => insert(inner, rest, value),
            _ => false,
        },
    }
}

impl Provider for Environment {
    fn metadata(&self) -> Metadata {
        Metadata::named(ENVIRONMENT).interpolater(|_: &Profile, keys: &[&str]| variable_name(keys))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.0.clone()))
    }
}

/// The flags given on the command line (those left out are not a source).
struct Flags<'a>(&'a Options);

impl Provider for Flags<'_> {
    fn metadata(&self) -> Metadata {
        Metadata::named("flags")
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let Value::Dict(_, mut given) = Value::serialize(self.0)? else {
            return Err(figment::Error::from(
                "the flags are not a table".to_string(),
            ));
        };
        given.retain(|_, value| !matches!(value, Value::Empty(..)));
        Ok(Profile::Default.collect(given))
    }
}
