//! What well-known tools are asked to do, read from an [`Invocation`]: the
//! queries rules, the multistage converter and the cost model share, so that
//! `sudo pip3 install x` and `python -m pip install x` are the same install
//! everywhere.

use super::ast::Word;
use super::command::Invocation;

impl Invocation<'_> {
    /// The program word as written, then the arguments (expansions as written):
    /// the command as a message quotes it, wrappers peeled.
    pub fn display(&self) -> String {
        std::iter::once(self.program_word.lossy())
            .chain(self.lossy())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `program` is one of `programs` and its first non-option argument one of `subs`.
    pub fn is_sub(&self, programs: &[&str], subs: &[&str]) -> bool {
        self.is(programs)
            && self
                .subcommand()
                .is_some_and(|s| subs.contains(&s.as_str()))
    }

    /// Arguments after the first non-option one (apt-get's packages after `install`).
    pub fn after_subcommand(&self) -> &[Word] {
        let first = self.args.iter().position(|w| !w.lossy().starts_with('-'));
        match first {
            Some(i) => &self.args[i + 1..],
            None => &[],
        }
    }

    /// An argument is exactly `a` (quotes removed).
    pub fn has_arg(&self, a: &str) -> bool {
        self.args.iter().any(|w| w.lossy() == a)
    }

    /// An argument starts with `p`.
    pub fn has_arg_prefix(&self, p: &str) -> bool {
        self.args.iter().any(|w| w.lossy().starts_with(p))
    }

    /// Python's pip in any spelling: `pip`, `pip3`, `pip3.11`, `python -m pip`.
    pub fn is_pip(&self) -> bool {
        let p = self.program.as_str();
        if p == "pip" || p.starts_with("pip3") {
            return true;
        }
        p.starts_with("python")
            && matches!(self.lossy().as_slice(), [m, pip, ..] if m == "-m" && (pip == "pip" || pip == "pip3"))
    }

    /// pip's arguments after `install`; None when this is not `pip install`.
    pub fn pip_install_args(&self) -> Option<&[Word]> {
        if !self.is_pip() {
            return None;
        }
        let start = if self.program.starts_with("python") {
            2
        } else {
            0
        };
        let rest = self.args.get(start..)?;
        let i = rest.iter().position(|w| !w.lossy().starts_with('-'))?;
        (rest[i].lossy() == "install").then(|| &rest[i + 1..])
    }

    pub fn is_apt_install(&self) -> bool {
        self.is_sub(&["apt-get", "apt"], &["install"])
    }

    pub fn is_apt_update(&self) -> bool {
        self.is_sub(&["apt-get", "apt"], &["update"])
    }

    /// What this command does with apt's package lists
    /// (`/var/lib/apt/lists`): `update` refreshes them; installing,
    /// upgrading, downloading or querying reads them (and fails, or finds
    /// nothing, without them); `rm` of them leaves none to read.
    pub fn apt_index_use(&self) -> IndexUse {
        match self.program.as_str() {
            "apt-get" | "apt" | "aptitude" => match self.subcommand().as_deref() {
                Some("update") => IndexUse::Refreshes,
                Some(
                    "install" | "reinstall" | "upgrade" | "dist-upgrade" | "full-upgrade"
                    | "build-dep" | "source" | "download" | "satisfy" | "search" | "show"
                    | "showsrc" | "policy" | "list" | "madison" | "changelog" | "depends"
                    | "rdepends",
                ) => IndexUse::Reads,
                _ => IndexUse::Neither,
            },
            "apt-cache" => IndexUse::Reads,
            "rm" if self.has_arg_prefix("/var/lib/apt/lists") => IndexUse::Refreshes,
            _ => IndexUse::Neither,
        }
    }

    /// What this command does with apk's index cache (`/var/cache/apk`):
    /// `apk update` and `apk add -U` refresh it; a package command without
    /// `-U` or `--no-cache` reads it (an image without it finds no
    /// package); `rm` of it leaves none to read.
    pub fn apk_index_use(&self) -> IndexUse {
        match self.program.as_str() {
            "apk" => {
                let args = self.lossy();
                match self.subcommand().as_deref() {
                    Some("update") => IndexUse::Refreshes,
                    Some(
                        "add" | "upgrade" | "fix" | "fetch" | "search" | "dot" | "policy" | "list"
                        | "info",
                    ) => {
                        if super::options::APK.given(&args, "--no-cache") {
                            IndexUse::Neither
                        } else if super::options::APK.given(&args, "--update-cache") {
                            IndexUse::Refreshes
                        } else {
                            IndexUse::Reads
                        }
                    }
                    _ => IndexUse::Neither,
                }
            }
            "rm" if self.has_arg_prefix("/var/cache/apk") => IndexUse::Refreshes,
            _ => IndexUse::Neither,
        }
    }

    pub fn is_apk_add(&self) -> bool {
        self.is_sub(&["apk"], &["add"])
    }

    /// `npm install` or `npm ci`, in any of the spellings npm accepts.
    pub fn is_npm_install(&self) -> bool {
        matches!(self.npm_command(), Some((_, "install" | "ci")))
    }

    /// npm's command word as written and as npm reads it (`i` is
    /// `install`), wherever it stands among the options (`npm --prefix web
    /// ci`); None for another program or a command npm's table lacks.
    pub fn npm_command(&self) -> Option<(String, &'static str)> {
        if !self.is(&["npm"]) {
            return None;
        }
        let args = self.lossy();
        let (at, _) = super::options::npm_words(&args);
        let word = args.into_iter().nth(at?)?;
        let command = super::options::npm_command(&word)?;
        Some((word, command))
    }

    /// `npm cache clean` (or its aliases `clear` and `rm`): empties npm's
    /// download cache. Not `npm cache verify`, `add` or `ls`.
    pub fn npm_cache_cleans(&self) -> bool {
        self.is_sub(&["npm"], &["cache"])
            && self
                .after_subcommand()
                .iter()
                .map(|w| w.lossy())
                .find(|a| !a.starts_with('-'))
                .is_some_and(|a| matches!(a.as_str(), "clean" | "clear" | "rm"))
    }

    /// What this command does with npm's download cache (`~/.npm/_cacache`):
    /// an install with `--offline` reads it alone (and fails on a package it
    /// lacks); [`Self::npm_cache_cleans`] leaves none to read. An online install only
    /// fills it: a later offline one may still need what it did not fetch.
    pub fn npm_cache_use(&self) -> IndexUse {
        if !self.is(&["npm"]) {
            return IndexUse::Neither;
        }
        if self.npm_cache_cleans() {
            return IndexUse::Refreshes;
        }
        // nopt: the last of `--offline[=true]` / `--no-offline` /
        // `--offline=false` wins.
        let offline = self
            .lossy()
            .iter()
            .take_while(|a| *a != "--")
            .filter_map(|a| match a.as_str() {
                "--offline" | "--offline=true" => Some(true),
                "--no-offline" | "--offline=false" => Some(false),
                _ => None,
            })
            .last()
            .unwrap_or(false);
        if offline && self.is_npm_install() {
            IndexUse::Reads
        } else {
            IndexUse::Neither
        }
    }

    /// `pip install` with the long option `long` in any spelling pip accepts
    /// (`--no-cache` is `--no-cache-dir`); false when this is not `pip install`.
    pub fn pip_install_gives(&self, long: &str) -> bool {
        // pip's general options may come before `install` too
        self.pip_install_args().is_some() && super::options::PIP_INSTALL.given(&self.lossy(), long)
    }

    /// `apk add` with the long option `long` in any spelling apk accepts.
    pub fn apk_add_gives(&self, long: &str) -> bool {
        self.is_apk_add() && super::options::APK.given(&self.lossy(), long)
    }
}

/// What a command does with a package manager's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexUse {
    Reads,
    /// Makes it anew (or removes it): what was there before is not read.
    Refreshes,
    Neither,
}

/// Words as strings, expansions as written (`${V}`).
pub fn lossy(words: &[Word]) -> Vec<String> {
    words.iter().map(Word::lossy).collect()
}
