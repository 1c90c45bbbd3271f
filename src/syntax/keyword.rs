//! The instruction keywords BuildKit's frontend knows.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
}

impl Keyword {
    pub const ALL: [Keyword; 18] = [
        Keyword::Add,
        Keyword::Arg,
        Keyword::Cmd,
        Keyword::Copy,
        Keyword::Entrypoint,
        Keyword::Env,
        Keyword::Expose,
        Keyword::From,
        Keyword::Healthcheck,
        Keyword::Label,
        Keyword::Maintainer,
        Keyword::Onbuild,
        Keyword::Run,
        Keyword::Shell,
        Keyword::Stopsignal,
        Keyword::User,
        Keyword::Volume,
        Keyword::Workdir,
    ];

    /// Keywords are case-insensitive, as in BuildKit.
    pub fn parse(word: &str) -> Option<Keyword> {
        Keyword::ALL
            .iter()
            .copied()
            .find(|k| k.as_str().eq_ignore_ascii_case(word))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::Add => "ADD",
            Keyword::Arg => "ARG",
            Keyword::Cmd => "CMD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Env => "ENV",
            Keyword::Expose => "EXPOSE",
            Keyword::From => "FROM",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Run => "RUN",
            Keyword::Shell => "SHELL",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Workdir => "WORKDIR",
        }
    }

    /// Instructions whose line may open heredocs.
    pub fn can_have_heredoc(self) -> bool {
        matches!(self, Keyword::Run | Keyword::Copy | Keyword::Add)
    }

    /// The flags BuildKit's current frontend accepts, and whether each
    /// needs a value (`false`: a boolean flag, the value is optional).
    pub fn flags(self) -> &'static [(&'static str, bool)] {
        match self {
            Keyword::Run => &[
                ("mount", true),
                ("network", true),
                ("security", true),
                ("device", true),
            ],
            Keyword::Copy => &[
                ("from", true),
                ("chown", true),
                ("chmod", true),
                ("link", false),
                ("parents", false),
                ("exclude", true),
            ],
            Keyword::Add => &[
                ("chown", true),
                ("chmod", true),
                ("link", false),
                ("keep-git-dir", false),
                ("checksum", true),
                ("exclude", true),
                ("unpack", false),
            ],
            Keyword::From => &[("platform", true)],
            Keyword::Healthcheck => &[
                ("interval", true),
                ("timeout", true),
                ("start-period", true),
                ("start-interval", true),
                ("retries", true),
            ],
            _ => &[],
        }
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
