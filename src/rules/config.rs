//! `.dockopt.toml`: which rules run, at what severity, and per-file ignores.
//!
//! ```toml
//! select = ["ALL"]              # codes, prefixes (DO1, DO20) or names
//! ignore = ["DO403"]
//! fail-on = "warning"           # error | warning | info
//! [severity]
//! DO412 = "warning"
//! [per-file-ignores]
//! "legacy/**" = ["DO4"]
//! ```
//! Found by walking up from the checked file; `--config FILE` overrides.

use super::{Rule, Severity};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub const FILE_NAME: &str = ".dockopt.toml";

/// [`Settings::discover`] for the many files of one run: each folder is
/// looked at once and each config file read once. Files in sibling folders
/// share their ancestors; checking a corpus of 300 files had looked for a
/// config in every ancestor of every file.
#[derive(Default)]
pub struct Discovery {
    /// Folder → the nearest config at or above it.
    nearest: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    loaded: Mutex<HashMap<PathBuf, Settings>>,
}

impl Discovery {
    /// The settings of the nearest `.dockopt.toml` in `start` (a file or a
    /// folder) or its ancestors, else defaults.
    pub fn settings_for(&self, start: &Path) -> Result<Settings, ConfigError> {
        let abs = start.canonicalize().unwrap_or_else(|_| start.to_path_buf());
        let dir = if abs.is_dir() {
            Some(abs.as_path())
        } else {
            abs.parent()
        };
        let Some(found) = dir.and_then(|d| self.nearest(d)) else {
            return Ok(Settings::default());
        };
        if let Some(s) = lock(&self.loaded).get(&found) {
            return Ok(s.clone());
        }
        let s = Settings::load(&found)?;
        lock(&self.loaded).insert(found, s.clone());
        Ok(s)
    }

    fn nearest(&self, dir: &Path) -> Option<PathBuf> {
        let mut memo = lock(&self.nearest);
        let mut walked = Vec::new();
        let mut at = Some(dir);
        let mut found = None;
        while let Some(d) = at {
            if let Some(known) = memo.get(d) {
                found = known.clone();
                break;
            }
            walked.push(d.to_path_buf());
            let candidate = d.join(FILE_NAME);
            if candidate.is_file() {
                found = Some(candidate);
                break;
            }
            at = d.parent();
        }
        for d in walked {
            memo.insert(d, found.clone());
        }
        found
    }
}

/// A poisoned lock only means another file's check panicked; the memo is
/// still right.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ConfigFile {
    pub select: Option<Vec<String>>,
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub extend_select: Vec<String>,
    pub fail_on: Option<String>,
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
    #[serde(default)]
    pub per_file_ignores: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error(transparent)]
    Read(#[from] crate::source::SourceError),
}

/// Settings in effect for one file.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Where the config came from (`None`: defaults).
    pub path: Option<PathBuf>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub fail_on: Option<Severity>,
    pub severity: BTreeMap<String, Severity>,
    per_file: Vec<(globset::GlobMatcher, Vec<String>)>,
    base: PathBuf,
}

fn selector_matches(sel: &str, rule: &Rule) -> bool {
    sel.eq_ignore_ascii_case("ALL")
        || rule
            .code
            .to_ascii_uppercase()
            .starts_with(&sel.to_ascii_uppercase())
        || rule.name.eq_ignore_ascii_case(sel)
        || rule.family.as_str().eq_ignore_ascii_case(sel)
}

/// `line:col` (1-based, in characters) of where `word` is written in a
/// TOML text: as a quoted string, else as a bare key before `=`. TOML's
/// parser gives positions for its own errors; these checks of the values
/// come after it, and the user still needs to find the typo.
fn position_of(text: &str, word: &str) -> Option<(usize, usize)> {
    let quoted = [format!("\"{word}\""), format!("'{word}'")];
    let at = quoted
        .iter()
        .filter_map(|q| text.find(q.as_str()))
        .min()
        .or_else(|| {
            text.match_indices(word).map(|(i, _)| i).find(|&i| {
                let before = text[..i].chars().next_back();
                let after = text[i + word.len()..].trim_start_matches([' ', '\t']);
                before.is_none_or(|c| c == '\n' || c == ' ' || c == '\t' || c == '.')
                    && after.starts_with('=')
            })
        })?;
    let line = text[..at].matches('\n').count() + 1;
    let line_start = text[..at].rfind('\n').map_or(0, |k| k + 1);
    Some((line, text[line_start..at].chars().count() + 1))
}

impl Settings {
    pub fn parse(text: &str, path: &Path) -> Result<Settings, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.display().to_string(),
            message,
        };
        // A value's error at the place it is written.
        let invalid_at = |word: &str, message: String| ConfigError::Invalid {
            path: match position_of(text, word) {
                Some((l, c)) => format!("{}:{l}:{c}", path.display()),
                None => path.display().to_string(),
            },
            message,
        };
        let cf: ConfigFile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let mut s = Settings {
            path: Some(path.to_path_buf()),
            base: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            ..Settings::default()
        };
        s.select = cf.select.unwrap_or_default();
        s.select.extend(cf.extend_select);
        s.ignore = cf.ignore;
        if let Some(f) = cf.fail_on {
            s.fail_on = Some(
                Severity::parse(&f)
                    .ok_or_else(|| invalid_at(&f, format!("fail-on: unknown severity `{f}`")))?,
            );
        }
        for (code, sev) in cf.severity {
            let sev = Severity::parse(&sev).ok_or_else(|| {
                invalid_at(&sev, format!("severity.{code}: unknown severity `{sev}`"))
            })?;
            s.severity.insert(code.to_ascii_uppercase(), sev);
        }
        for sel in s.select.iter().chain(&s.ignore).chain(s.severity.keys()) {
            if !super::all().iter().any(|r| selector_matches(sel, r)) {
                return Err(invalid_at(sel, format!("`{sel}` matches no rule")));
            }
        }
        // A severity applies to one rule, found by its exact code or name: a
        // prefix or family there (`DO4`) matched rules but changed nothing.
        for key in s.severity.keys() {
            if !super::all()
                .iter()
                .any(|r| r.code == key.as_str() || r.name.eq_ignore_ascii_case(key))
            {
                return Err(invalid_at(
                    key,
                    format!("severity.{key}: `{key}` is not one rule's code or name"),
                ));
            }
        }
        for (glob, codes) in cf.per_file_ignores {
            // A typo here would silently keep reporting what the user meant to
            // ignore for those files, or hide that the entry does nothing.
            if let Some(sel) = codes
                .iter()
                .find(|c| !super::all().iter().any(|r| selector_matches(c, r)))
            {
                return Err(invalid_at(
                    sel,
                    format!("per-file-ignores.\"{glob}\": `{sel}` matches no rule"),
                ));
            }
            let m = globset::Glob::new(&glob)
                .map_err(|e| invalid(format!("per-file-ignores: {e}")))?
                .compile_matcher();
            s.per_file.push((m, codes));
        }
        Ok(s)
    }

    pub fn load(path: &Path) -> Result<Settings, ConfigError> {
        let text = crate::source::read_text(path, crate::source::MAX_INPUT_BYTES)?;
        Settings::parse(&text, path)
    }

    /// The nearest `.dockopt.toml` in `start` or its ancestors, else defaults.
    pub fn discover(start: &Path) -> Result<Settings, ConfigError> {
        Discovery::default().settings_for(start)
    }

    /// `--select` replaces the configured selection; `--ignore` adds to it.
    /// Rejects selectors that match no rule: a typo in `--select DO999`
    /// would otherwise turn every check off and pass CI.
    pub fn check_selectors<'a>(
        selectors: impl IntoIterator<Item = &'a String>,
        origin: &str,
    ) -> Result<(), ConfigError> {
        for sel in selectors {
            if !super::all().iter().any(|r| selector_matches(sel, r)) {
                return Err(ConfigError::Invalid {
                    path: origin.to_string(),
                    message: format!("`{sel}` matches no rule (see `dockopt rule --list`)"),
                });
            }
        }
        Ok(())
    }

    pub fn with_cli(mut self, select: &[String], ignore: &[String]) -> Settings {
        if !select.is_empty() {
            self.select = select.to_vec();
        }
        self.ignore.extend(ignore.iter().cloned());
        self
    }

    /// The severity `rule` reports at in `file`, or `None` when it is off.
    pub fn severity_for(&self, rule: &Rule, file: &Path) -> Option<Severity> {
        let selected = if self.select.is_empty() {
            true
        } else {
            self.select.iter().any(|s| selector_matches(s, rule))
        };
        if !selected || self.ignore.iter().any(|s| selector_matches(s, rule)) {
            return None;
        }
        if !self.per_file.is_empty() {
            let abs = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
            let base = self
                .base
                .canonicalize()
                .unwrap_or_else(|_| self.base.clone());
            let rel = abs.strip_prefix(&base).unwrap_or(&abs);
            for (m, codes) in &self.per_file {
                if (m.is_match(rel) || m.is_match(file))
                    && codes.iter().any(|c| selector_matches(c, rule))
                {
                    return None;
                }
            }
        }
        Some(
            self.severity
                .get(rule.code)
                .or_else(|| self.severity.get(&rule.name.to_ascii_uppercase()))
                .copied()
                .unwrap_or(rule.severity),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_ignore_severity_per_file() {
        let s = Settings::parse(
            "select = [\"DO1\", \"DO4\"]\nignore = [\"DO403\"]\n[severity]\nDO412 = \"error\"\n[per-file-ignores]\n\"legacy/*\" = [\"DO101\"]\n",
            Path::new("/x/.dockopt.toml"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let r = |c| super::super::by_code(c).unwrap_or_else(|| panic!("{c}"));
        let f = Path::new("/x/Dockerfile");
        assert_eq!(s.severity_for(r("DO101"), f), Some(Severity::Warning));
        assert_eq!(s.severity_for(r("DO201"), f), None);
        assert_eq!(s.severity_for(r("DO403"), f), None);
        assert_eq!(s.severity_for(r("DO412"), f), Some(Severity::Error));
        assert_eq!(
            s.severity_for(r("DO101"), Path::new("/x/legacy/Dockerfile")),
            None
        );
        assert!(Settings::parse("select = [\"DO999\"]", Path::new("c.toml")).is_err());
        assert!(Settings::parse("colour = 1", Path::new("c.toml")).is_err());
    }

    #[test]
    fn unknown_codes_are_rejected_everywhere() {
        let err = |text: &str| match Settings::parse(text, Path::new("c.toml")) {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => e.to_string(),
        };
        // At the value's line and column, as TOML's own errors are.
        assert_eq!(
            err("ignore = [\"DO999\"]"),
            "c.toml:1:11: `DO999` matches no rule"
        );
        assert_eq!(
            err("[per-file-ignores]\n\"*.Dockerfile\" = [\"DOX\"]\n"),
            "c.toml:2:19: per-file-ignores.\"*.Dockerfile\": `DOX` matches no rule"
        );
        assert!(err("[severity]\nDO999 = \"error\"\n").starts_with("c.toml:2:1: "));
        assert!(err("[severity]\nDO412 = \"fatal\"\n").starts_with("c.toml:2:9: "));
        // One bad code among good ones is still an error.
        assert!(err("[per-file-ignores]\n\"a/*\" = [\"DO101\", \"DO9\"]\n").contains("`DO9`"));
        assert!(err("extend-select = [\"DO999\"]").contains("`DO999`"));
        assert!(err("[severity]\nDO999 = \"error\"\n").contains("`DO999`"));
        assert!(err("[severity]\nDO4 = \"error\"\n").contains("not one rule's code or name"));
        assert!(Settings::parse(
            "[severity]\ndo412 = \"error\"\nroot-user = \"info\"\n",
            Path::new("c.toml")
        )
        .is_ok());
        // Prefixes, names and families are selectors there as in `ignore`.
        assert!(Settings::parse(
            "[per-file-ignores]\n\"a/*\" = [\"DO1\", \"root-user\", \"ALL\"]\n",
            Path::new("c.toml")
        )
        .is_ok());
    }
}
