//! Options as each tool's own parser reads them: one place for that
//! knowledge, so that a rule asking "does this `pip install` disable the
//! cache?" and a fix deciding whether to add the flag agree with pip.
//!
//! - pip parses with Python's `optparse`, which takes any unambiguous prefix
//!   of a long option (`--no-cache` is `--no-cache-dir`; `--no-c` is
//!   ambiguous and pip rejects it), and `--opt=value`.
//! - npm parses with `nopt`: shorthands (`-g` is `--global`) and its command
//!   aliases (`i`, `add`, `isntall` are `install`; `ic`, `clean-install` are
//!   `ci`).
//! - apk (apk-tools, `getopt_long`) also takes unambiguous prefixes.

/// How one tool reads a long option written on its command line.
pub struct Grammar {
    /// Every long option it knows (a prefix is matched against these);
    /// one that takes a value (the next word, or after `=`) ends in `=`.
    longs: &'static [&'static str],
    /// Whether an unambiguous prefix of a long option names it.
    abbreviations: bool,
    /// Other spellings of an option (short options, old names).
    aliases: &'static [(&'static str, &'static str)],
}

impl Grammar {
    /// The long option a command-line word names, as the tool reads it (`--opt`
    /// or `--opt=value`); None for a non-option, an unknown or an ambiguous one.
    pub fn resolve(&self, word: &str) -> Option<&'static str> {
        if !word.starts_with('-') || word == "-" || word == "--" {
            return None;
        }
        let name = word.split_once('=').map_or(word, |(n, _)| n);
        if let Some((_, to)) = self.aliases.iter().find(|(a, _)| *a == word || *a == name) {
            return Some(to);
        }
        let bare = |l: &&'static str| -> &'static str { l.strip_suffix('=').unwrap_or(l) };
        if let Some(exact) = self.longs.iter().map(bare).find(|l| *l == name) {
            return Some(exact);
        }
        if !self.abbreviations || !name.starts_with("--") || name.len() < 3 {
            return None;
        }
        let mut hits = self.longs.iter().map(bare).filter(|l| l.starts_with(name));
        match (hits.next(), hits.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    }

    /// Whether option `long` (as [`Self::resolve`] names it) takes a value.
    pub fn takes_value(&self, long: &str) -> bool {
        self.longs.iter().any(|l| l.strip_suffix('=') == Some(long))
    }

    /// Whether `word` is short options written together (`-qq`, `-Uq`), each
    /// a known one that takes no value (optparse reads them one by one).
    pub fn is_flag_cluster(&self, word: &str) -> bool {
        let Some(flags) = word.strip_prefix('-').filter(|f| !f.starts_with('-')) else {
            return false;
        };
        !flags.is_empty()
            && flags.chars().all(|c| {
                self.aliases.iter().any(|(a, long)| {
                    a.strip_prefix('-') == Some(c.encode_utf8(&mut [0; 4]))
                        && !self.takes_value(long)
                })
            })
    }

    /// Whether `args` (up to a `--`) give the option `long`, in any spelling.
    pub fn given<S: AsRef<str>>(&self, args: &[S], long: &str) -> bool {
        args.iter()
            .map(AsRef::as_ref)
            .take_while(|a| *a != "--")
            .any(|a| self.resolve(a) == Some(long))
    }
}

/// `pip install`'s options and pip's general options (pip 23–25).
pub const PIP_INSTALL: Grammar = Grammar {
    longs: &[
        // general options
        "--help",
        "--debug",
        "--isolated",
        "--require-virtualenv",
        "--python=",
        "--verbose",
        "--version",
        "--quiet",
        "--log=",
        "--no-input",
        "--keyring-provider=",
        "--proxy=",
        "--retries=",
        "--timeout=",
        "--exists-action=",
        "--trusted-host=",
        "--cert=",
        "--client-cert=",
        "--cache-dir=",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "--no-color",
        "--no-python-version-warning",
        "--use-feature=",
        "--use-deprecated=",
        "--resume-retries=",
        // install options
        "--requirement=",
        "--constraint=",
        "--no-deps",
        "--pre",
        "--editable=",
        "--dry-run",
        "--target=",
        "--platform=",
        "--python-version=",
        "--implementation=",
        "--abi=",
        "--user",
        "--root=",
        "--prefix=",
        "--src=",
        "--upgrade",
        "--upgrade-strategy=",
        "--force-reinstall",
        "--ignore-installed",
        "--ignore-requires-python",
        "--no-build-isolation",
        "--use-pep517",
        "--no-use-pep517",
        "--check-build-dependencies",
        "--break-system-packages",
        "--config-settings=",
        "--global-option=",
        "--compile",
        "--no-compile",
        "--no-warn-script-location",
        "--no-warn-conflicts",
        "--no-binary=",
        "--only-binary=",
        "--prefer-binary",
        "--require-hashes",
        "--progress-bar=",
        "--root-user-action=",
        "--report=",
        "--no-clean",
        "--index-url=",
        "--extra-index-url=",
        "--no-index",
        "--find-links=",
        "--group=",
    ],
    abbreviations: true,
    aliases: &[
        ("-r", "--requirement"),
        ("-c", "--constraint"),
        ("-e", "--editable"),
        ("-t", "--target"),
        ("-U", "--upgrade"),
        ("-I", "--ignore-installed"),
        ("-i", "--index-url"),
        ("-f", "--find-links"),
        ("-v", "--verbose"),
        ("-q", "--quiet"),
        ("-h", "--help"),
        ("-V", "--version"),
        ("-C", "--config-settings"),
    ],
};

/// npm's options the rules ask about, with nopt's shorthands.
pub const NPM: Grammar = Grammar {
    longs: &[
        "--global",
        "--save",
        "--save-dev",
        "--save-optional",
        "--save-exact",
        "--force",
        "--omit",
        "--include",
        "--production",
        "--ignore-scripts",
        "--cache",
        "--prefer-offline",
        "--offline",
        "--loglevel",
    ],
    // nopt's abbreviation matching covers npm's whole config set, which is
    // not listed here: a prefix is not resolved rather than resolved wrongly.
    abbreviations: false,
    aliases: &[
        ("-g", "--global"),
        ("--location=global", "--global"),
        ("-S", "--save"),
        ("-D", "--save-dev"),
        ("-O", "--save-optional"),
        ("-E", "--save-exact"),
        ("-f", "--force"),
        ("--prod", "--production"),
    ],
};

/// apk's options the rules ask about (apk-tools' `getopt_long`: prefixes).
pub const APK: Grammar = Grammar {
    longs: &[
        "--no-cache",
        "--cache-dir",
        "--cache-max-age",
        "--no-check-certificate",
        "--no-chown",
        "--no-network",
        "--no-progress",
        "--no-interactive",
        "--no-scripts",
        "--no-commit-hooks",
        "--no-logfile",
        "--update-cache",
        "--upgrade",
        "--virtual",
        "--allow-untrusted",
        "--repository",
        "--repositories-file",
        "--root",
        "--arch",
        "--force",
        "--force-overwrite",
        "--force-broken-world",
        "--force-non-repository",
        "--force-old-apk",
        "--force-refresh",
        "--force-missing-repositories",
        "--initdb",
        "--latest",
        "--interactive",
        "--keys-dir",
        "--progress",
        "--progress-fd",
        "--purge",
        "--quiet",
        "--verbose",
        "--print-arch",
        "--wait",
        "--available",
        "--clean-protected",
        "--overlay-from-stdin",
        "--help",
        "--version",
        "--usermode",
    ],
    abbreviations: true,
    aliases: &[
        ("-U", "--update-cache"),
        ("-u", "--upgrade"),
        ("-t", "--virtual"),
        ("-X", "--repository"),
        ("-p", "--root"),
        ("-q", "--quiet"),
        ("-v", "--verbose"),
        ("-f", "--force"),
        ("-i", "--interactive"),
        ("-h", "--help"),
        ("-V", "--version"),
    ],
};

/// npm's command as npm reads it: its aliases and the misspellings npm
/// accepts (`i`, `add`, `isntall` are `install`; `ic` is `ci`).
pub fn npm_command(word: &str) -> Option<&'static str> {
    Some(match word {
        "install" | "add" | "i" | "in" | "ins" | "inst" | "insta" | "instal" | "isnt" | "isnta"
        | "isntal" | "isntall" => "install",
        "ci" | "clean-install" | "ic" | "install-clean" | "isntall-clean" => "ci",
        "cache" => "cache",
        "uninstall" | "unlink" | "remove" | "rm" | "r" | "un" => "uninstall",
        "run" | "run-script" | "rum" | "urn" => "run",
        "prune" => "prune",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Short flags written together are read from the aliases: only ones
    /// that take no value make a cluster (`-qq`, `-Uq`; not `-qr`).
    #[test]
    fn flag_clusters_are_value_less_short_options() {
        for w in ["-qq", "-Uq", "-vvv", "-I"] {
            assert!(PIP_INSTALL.is_flag_cluster(w), "{w}");
        }
        for w in ["-qr", "-f", "--quiet", "-", "-x", "-qx"] {
            assert!(!PIP_INSTALL.is_flag_cluster(w), "{w}");
        }
    }

    #[test]
    fn pip_reads_unambiguous_prefixes_as_optparse_does() {
        for w in [
            "--no-cache-dir",
            "--no-cache",
            "--no-cach",
            "--no-cache-dir=1",
        ] {
            assert_eq!(PIP_INSTALL.resolve(w), Some("--no-cache-dir"), "{w}");
        }
        // --no-c: --no-cache-dir, --no-color, --no-clean, --no-compile
        assert_eq!(PIP_INSTALL.resolve("--no-c"), None);
        // --req: --requirement, --require-virtualenv, --require-hashes
        assert_eq!(PIP_INSTALL.resolve("--req"), None);
        assert_eq!(PIP_INSTALL.resolve("--requirem"), Some("--requirement"));
        assert_eq!(PIP_INSTALL.resolve("-r"), Some("--requirement"));
        assert_eq!(PIP_INSTALL.resolve("flask"), None);
        assert!(PIP_INSTALL.given(&["-q", "--no-cache", "flask"], "--no-cache-dir"));
        assert!(!PIP_INSTALL.given(&["--", "--no-cache-dir"], "--no-cache-dir"));
        // an exact name wins over a longer one it prefixes (--user / --use-feature)
        assert_eq!(PIP_INSTALL.resolve("--user"), Some("--user"));
    }

    #[test]
    fn npm_aliases_and_commands() {
        assert_eq!(NPM.resolve("-g"), Some("--global"));
        assert_eq!(NPM.resolve("--location=global"), Some("--global"));
        assert_eq!(NPM.resolve("--glob"), None, "no guess at npm's prefixes");
        assert_eq!(npm_command("isntall"), Some("install"));
        assert_eq!(npm_command("ic"), Some("ci"));
        assert_eq!(npm_command("start"), None);
    }

    #[test]
    fn apk_reads_prefixes() {
        assert_eq!(APK.resolve("--no-cache"), Some("--no-cache"));
        assert_eq!(APK.resolve("--no-cac"), Some("--no-cache"));
        assert_eq!(APK.resolve("--no-c"), None); // --no-cache, --no-check-certificate, --no-chown, …
    }
}
