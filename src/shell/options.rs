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
            && flags
                .chars()
                .all(|c| self.short(c).is_some_and(|long| !self.takes_value(long)))
    }

    /// Whether `args` (up to a `--`) give the option `long`, in any spelling.
    pub fn given<S: AsRef<str>>(&self, args: &[S], long: &str) -> bool {
        args.iter()
            .map(AsRef::as_ref)
            .take_while(|a| *a != "--")
            .any(|a| self.resolve(a) == Some(long))
    }
}

/// The values of the options `flags` in `args` (None for a word that is not
/// literal), as getopt reads them: `-o f`, `--out f`, `--out=f`, and a
/// short option inside a cluster (`-sSLo f`, `-ofile`, `-qO-`), whose value
/// is the rest of the word after its letter, or the next word when the
/// letter ends it. Network clients and coreutils parse this way.
pub fn getopt_values<S: AsRef<str>>(args: &[Option<S>], flags: &[&str]) -> Vec<Option<String>> {
    let word = |i: usize| args.get(i).and_then(|a| a.as_ref().map(AsRef::as_ref));
    let next = |i: usize| word(i + 1).map(str::to_string);
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let Some(a) = word(i) else {
            i += 1;
            continue;
        };
        if flags.contains(&a) {
            out.push(next(i));
            i += 2;
            continue;
        }
        for f in flags.iter().filter(|f| f.starts_with("--")) {
            if let Some(v) = a.strip_prefix(f).and_then(|r| r.strip_prefix('=')) {
                out.push(Some(v.to_string()));
            }
        }
        if a.len() > 2 && a.starts_with('-') && !a.starts_with("--") {
            // The first letter of the cluster that is one of `flags` takes
            // the rest of the word: letters after it are its value.
            let letter_at = a[1..]
                .char_indices()
                .find(|(_, c)| flags.iter().any(|f| f.len() == 2 && f[1..].starts_with(*c)));
            if let Some((at, c)) = letter_at {
                let rest = &a[1 + at + c.len_utf8()..];
                if rest.is_empty() {
                    out.push(next(i));
                    i += 2;
                    continue;
                }
                out.push(Some(rest.to_string()));
            }
        }
        i += 1;
    }
    out
}

/// Where an option's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptValue<'a> {
    /// In the same word: `--opt=value`, `-ovalue`.
    Inline(&'a str),
    /// The next word, at this index of the arguments.
    Next(usize),
    /// The option ends the command line: no value.
    Missing,
}

impl<'a> OptValue<'a> {
    /// The value's text (None: missing, or a next word that is not literal).
    pub fn word(self, args: &[Option<&'a str>]) -> Option<&'a str> {
        match self {
            OptValue::Inline(x) => Some(x),
            OptValue::Next(i) => args.get(i).copied().flatten(),
            OptValue::Missing => None,
        }
    }
}

/// A word of a command line as Python's `optparse` reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// A known option (its long name), with its value when it takes one.
    Opt {
        long: &'static str,
        value: Option<OptValue<'a>>,
    },
    /// An operand, at this index of the arguments.
    Operand(usize),
    /// An option word the tool does not know, an ambiguous prefix, or a
    /// value given to an option that takes none: the tool stops with an
    /// error, or reads it in a way this grammar cannot tell.
    Unknown(&'a str),
    /// A word that is not literal (an expansion), at this index: an option
    /// or an operand, and whatever it names, is not known.
    Opaque(usize),
}

impl Grammar {
    /// The short option (`-r`) a letter names, as its long name.
    fn short(&self, c: char) -> Option<&'static str> {
        self.aliases.iter().find_map(|(a, long)| {
            let mut it = a.strip_prefix('-')?.chars();
            (it.next() == Some(c) && it.next().is_none()).then_some(*long)
        })
    }

    /// Reads `args` as optparse does: `--` ends the options; `--opt=value`
    /// and `--opt value` (an unambiguous prefix where the tool allows one);
    /// short options written together, where the first that takes a value
    /// takes the rest of the word, or the next word when it ends the word
    /// (`-Ur req.txt`, `-qrreq.txt`, `-cfile`); options anywhere among the
    /// operands. `None` in `args` is a word that is not literal.
    pub fn parse<'a>(&self, args: &[Option<&'a str>]) -> Vec<Parsed<'a>> {
        let mut out = Vec::new();
        let mut i = 0;
        let mut options = true;
        while i < args.len() {
            let Some(w) = args[i] else {
                out.push(Parsed::Opaque(i));
                i += 1;
                continue;
            };
            if !options || !w.starts_with('-') || w == "-" {
                out.push(Parsed::Operand(i));
                i += 1;
                continue;
            }
            if w == "--" {
                options = false;
                i += 1;
                continue;
            }
            let next = |i: usize| {
                if i + 1 < args.len() {
                    OptValue::Next(i + 1)
                } else {
                    OptValue::Missing
                }
            };
            if w.starts_with("--") {
                let inline = w.split_once('=').map(|(_, v)| v);
                let Some(long) = self.resolve(w).filter(|l| l.starts_with("--")) else {
                    out.push(Parsed::Unknown(w));
                    i += 1;
                    continue;
                };
                let value = match (self.takes_value(long), inline) {
                    (true, Some(v)) => Some(OptValue::Inline(v)),
                    (true, None) => Some(next(i)),
                    (false, None) => None,
                    (false, Some(_)) => {
                        out.push(Parsed::Unknown(w));
                        i += 1;
                        continue;
                    }
                };
                i += if matches!(value, Some(OptValue::Next(_))) {
                    2
                } else {
                    1
                };
                out.push(Parsed::Opt { long, value });
                continue;
            }
            // Short options, one letter at a time.
            let mut step = 1;
            for (at, c) in w.char_indices().skip(1) {
                let Some(long) = self.short(c) else {
                    out.push(Parsed::Unknown(w));
                    break;
                };
                if !self.takes_value(long) {
                    out.push(Parsed::Opt { long, value: None });
                    continue;
                }
                let rest = &w[at + c.len_utf8()..];
                let value = if rest.is_empty() {
                    let v = next(i);
                    if matches!(v, OptValue::Next(_)) {
                        step = 2;
                    }
                    v
                } else {
                    OptValue::Inline(rest)
                };
                out.push(Parsed::Opt {
                    long,
                    value: Some(value),
                });
                break;
            }
            i += step;
        }
        out
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
        // download, wheel and uninstall
        "--dest=",
        "--wheel-dir=",
        "--yes",
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
        ("-d", "--dest"),
        ("-w", "--wheel-dir"),
        ("-y", "--yes"),
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

/// npm's options that take a value: nopt gives them the next word unless
/// written `--opt=value`. Any other option is a flag to nopt, known or not
/// (an unknown `--foo bar` leaves `bar` a positional word).
pub const NPM_VALUED: &[&str] = &[
    "--prefix",
    "-C",
    "--cache",
    "--userconfig",
    "--globalconfig",
    "--registry",
    "--loglevel",
    "--workspace",
    "-w",
    "--omit",
    "--include",
    "--tag",
    "--cafile",
    "--ca",
    "--cert",
    "--key",
    "--proxy",
    "--https-proxy",
    "--noproxy",
    "--install-strategy",
    "--fetch-timeout",
    "--fetch-retries",
    "--fetch-retry-mintimeout",
    "--fetch-retry-maxtimeout",
    "--fetch-retry-factor",
    "--maxsockets",
    "--location",
    "--auth-type",
    "--otp",
    "--scope",
    "--script-shell",
    "--before",
    "--os",
    "--cpu",
    "--libc",
    "--only",
    "--also",
    "--shell",
    "--node-options",
    "--user-agent",
    "--umask",
    "--depth",
    "--lockfile-version",
    "--replace-registry-host",
    "--access",
    "--preid",
    "--message",
    "-m",
    "--call",
    "-c",
    "--logs-dir",
    "--logs-max",
    "--init-module",
    "--pack-destination",
    "--local-address",
    "--which",
    "--tag-version-prefix",
    "--cache-max",
    "--cache-min",
];

/// Where npm's command word is among its arguments, and its operands: nopt
/// reads options anywhere, so `npm --prefix web ci` runs `ci` (the value of
/// a [`NPM_VALUED`] option is no operand); after `--` every word is one.
pub fn npm_words<S: AsRef<str>>(args: &[S]) -> (Option<usize>, Vec<usize>) {
    let mut positional = Vec::new();
    let mut i = 0;
    let mut opts_done = false;
    while let Some(a) = args.get(i).map(AsRef::as_ref) {
        if !opts_done && a == "--" {
            opts_done = true;
        } else if !opts_done && a.starts_with('-') && a != "-" {
            if NPM_VALUED.contains(&a) {
                i += 1;
            }
        } else {
            positional.push(i);
        }
        i += 1;
    }
    let command = positional.first().copied();
    let operands = positional.into_iter().skip(1).collect();
    (command, operands)
}

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

    #[test]
    fn npm_reads_its_command_after_options() {
        assert_eq!(npm_words(&["--prefix", "web", "ci"]), (Some(2), vec![]));
        assert_eq!(npm_words(&["ci", "--prefix", "web"]), (Some(0), vec![]));
        assert_eq!(npm_words(&["--prefix=web", "ci"]), (Some(1), vec![]));
        // an unknown option is a flag: its next word is an operand
        assert_eq!(
            npm_words(&["install", "--foo", "left-pad"]),
            (Some(0), vec![2])
        );
        assert_eq!(
            npm_words(&["-w", "api", "install", "--", "-x"]),
            (Some(2), vec![4])
        );
        assert_eq!(npm_words::<&str>(&["-g"]), (None, vec![]));
    }

    #[test]
    fn getopt_values_reads_clusters_and_long_forms() {
        fn args(s: &str) -> Vec<Option<&str>> {
            s.split(' ').map(Some).collect()
        }
        let o = ["-o", "--output"];
        let got = |s: &str| getopt_values(&args(s), &o);
        assert_eq!(got("-fsSLo /tmp/a u"), vec![Some("/tmp/a".into())]);
        assert_eq!(got("-ofile u"), vec![Some("file".into())]);
        assert_eq!(
            got("--output=/x -o /y"),
            vec![Some("/x".into()), Some("/y".into())]
        );
        // `-oc`: getopt gives `c` to -o; the c is no option of its own
        assert_eq!(
            getopt_values(&args("-oc u"), &["-o", "-c"]),
            vec![Some("c".into())]
        );
        assert!(got("-fsSL u").is_empty());
        let unknown: Vec<Option<&str>> = vec![Some("-o"), None];
        assert_eq!(getopt_values(&unknown, &o), vec![None]);
    }

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

    /// optparse's reading: clusters whose last letter takes the next word
    /// (`-Ur req.txt`), attached values (`-creq.txt`, `-qrreq.txt`),
    /// prefixes, `--`, and words it cannot know.
    #[test]
    fn pip_command_lines_as_optparse_reads_them() {
        fn parse(s: &str) -> Vec<Parsed<'_>> {
            let words: Vec<Option<&str>> = s.split(' ').map(|w| (w != "$X").then_some(w)).collect();
            PIP_INSTALL.parse(&words)
        }
        let req = |value| Parsed::Opt {
            long: "--requirement",
            value: Some(value),
        };
        let flag = |long| Parsed::Opt { long, value: None };
        assert_eq!(
            parse("install -Ur r.txt flask"),
            vec![
                Parsed::Operand(0),
                flag("--upgrade"),
                req(OptValue::Next(2)),
                Parsed::Operand(3)
            ]
        );
        assert_eq!(
            parse("-qrr.txt"),
            vec![flag("--quiet"), req(OptValue::Inline("r.txt"))]
        );
        assert_eq!(
            parse("--requirem=a.txt --constr b.txt -r"),
            vec![
                req(OptValue::Inline("a.txt")),
                Parsed::Opt {
                    long: "--constraint",
                    value: Some(OptValue::Next(2))
                },
                req(OptValue::Missing)
            ]
        );
        assert_eq!(
            parse("-qx --no-c --upgrade=1 -- -r $X"),
            vec![
                flag("--quiet"),
                Parsed::Unknown("-qx"),
                Parsed::Unknown("--no-c"),
                Parsed::Unknown("--upgrade=1"),
                Parsed::Operand(4),
                Parsed::Opaque(5)
            ]
        );
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
