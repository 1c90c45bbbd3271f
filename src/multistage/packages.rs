//! System packages: which are build-only, and the runtime library each
//! `-dev` package stands for.
//!
//! Debian `-dev` → runtime library (per release where the soname differs):
//!
//! | -dev package                  | buster            | bullseye          | bookworm / trixie |
//! |-------------------------------|-------------------|-------------------|-------------------|
//! | libpq-dev                     | libpq5            | libpq5            | libpq5            |
//! | libjpeg-dev, libjpeg62-turbo-dev | libjpeg62-turbo | libjpeg62-turbo   | libjpeg62-turbo   |
//! | zlib1g-dev                    | zlib1g            | zlib1g            | zlib1g            |
//! | libxml2-dev                   | libxml2           | libxml2           | libxml2           |
//! | libxslt1-dev, libxslt-dev     | libxslt1.1        | libxslt1.1        | libxslt1.1        |
//! | libffi-dev                    | libffi6           | libffi7           | libffi8           |
//! | libssl-dev                    | libssl1.1         | libssl1.1         | libssl3           |
//! | libpng-dev                    | libpng16-16       | libpng16-16       | libpng16-16       |
//! | libyaml-dev                   | libyaml-0-2       | libyaml-0-2       | libyaml-0-2       |
//! | libsqlite3-dev                | libsqlite3-0      | libsqlite3-0      | libsqlite3-0      |
//! | default-libmysqlclient-dev, libmariadb-dev | libmariadb3 | libmariadb3 | libmariadb3   |
//! | libmagic-dev                  | libmagic1         | libmagic1         | libmagic1         |
//! | libfreetype6-dev              | libfreetype6      | libfreetype6      | libfreetype6      |
//! | libcurl4-openssl-dev          | libcurl4          | libcurl4          | libcurl4          |
//! | python3-dev, libc6-dev, linux-libc-dev | (none: headers only)                    |
//!
//! Alpine: postgresql-dev, libpq-dev → libpq; jpeg-dev → libjpeg-turbo;
//! zlib-dev → zlib; libxml2-dev → libxml2; libxslt-dev → libxslt;
//! libffi-dev → libffi; openssl-dev → libssl3; musl-dev, linux-headers → none.
//! A `-dev` package in neither table is a refusal.

/// Packages only a build needs, with a rough installed size in MB.
pub const BUILD_ONLY_MB: &[(&str, u64)] = &[
    ("build-essential", 250),
    ("build-base", 200),
    ("gcc", 100),
    ("g++", 120),
    ("clang", 300),
    ("make", 2),
    ("cmake", 40),
    ("autoconf", 3),
    ("automake", 2),
    ("libtool", 2),
    ("pkg-config", 1),
    ("pkgconf", 1),
    ("git", 40),
    ("musl-dev", 10),
    ("linux-headers", 10),
    ("python3-dev", 20),
    ("libc6-dev", 20),
    ("linux-libc-dev", 7),
];

/// `-dev` packages with no runtime library to keep (headers only).
const HEADERS_ONLY: &[&str] = &[
    "python3-dev",
    "libc6-dev",
    "linux-libc-dev",
    "musl-dev",
    "linux-headers",
];

/// Packages used only to fetch sources or tools, build-only unless the
/// runtime config (CMD, ENTRYPOINT, HEALTHCHECK) names them.
pub const FETCHERS: &[&str] = &["curl", "wget", "ca-certificates", "gnupg", "unzip"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distro {
    /// Debian with the release if the tag names it.
    Debian(Option<&'static str>),
    Alpine,
}

/// What happens to one package in the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Left in the builder.
    BuildOnly,
    /// Replaced by this runtime library.
    Runtime(String),
    /// Installed in the runtime as it is.
    Keep,
}

/// The fate of `pkg`; `runtime_text` is the CMD/ENTRYPOINT/HEALTHCHECK text,
/// which keeps a fetcher like curl when the running app uses it.
pub fn fate(pkg: &str, distro: Distro, runtime_text: &str) -> Result<Fate, String> {
    if pkg.contains('$') {
        return Err(format!("package `{pkg}` uses a variable"));
    }
    if BUILD_ONLY_MB.iter().any(|(p, _)| *p == pkg) {
        return Ok(Fate::BuildOnly);
    }
    if FETCHERS.contains(&pkg) {
        let used = runtime_text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .any(|w| w == pkg);
        return Ok(if used { Fate::Keep } else { Fate::BuildOnly });
    }
    if pkg.ends_with("-dev") {
        if HEADERS_ONLY.contains(&pkg) {
            return Ok(Fate::BuildOnly);
        }
        let lib = match distro {
            Distro::Debian(rel) => debian_runtime_lib(pkg, rel)?,
            Distro::Alpine => alpine_runtime_lib(pkg),
        };
        return lib
            .map(|l| Fate::Runtime(l.to_string()))
            .ok_or_else(|| format!("no known runtime library for `{pkg}`"));
    }
    Ok(Fate::Keep)
}

fn debian_runtime_lib(pkg: &str, rel: Option<&str>) -> Result<Option<&'static str>, String> {
    let need_rel = |table: &[(&str, &'static str)]| -> Result<Option<&'static str>, String> {
        let rel = rel.ok_or_else(|| {
            format!("`{pkg}`'s runtime library depends on the Debian release, which the base tag does not name")
        })?;
        Ok(table.iter().find(|(r, _)| *r == rel).map(|(_, l)| *l))
    };
    Ok(match pkg {
        "libpq-dev" => Some("libpq5"),
        "libjpeg-dev" | "libjpeg62-turbo-dev" => Some("libjpeg62-turbo"),
        "zlib1g-dev" => Some("zlib1g"),
        "libxml2-dev" => Some("libxml2"),
        "libxslt1-dev" | "libxslt-dev" => Some("libxslt1.1"),
        "libpng-dev" => Some("libpng16-16"),
        "libyaml-dev" => Some("libyaml-0-2"),
        "libsqlite3-dev" => Some("libsqlite3-0"),
        "default-libmysqlclient-dev" | "libmariadb-dev" | "libmariadb-dev-compat" => {
            Some("libmariadb3")
        }
        "libmagic-dev" => Some("libmagic1"),
        "libfreetype6-dev" => Some("libfreetype6"),
        "libcurl4-openssl-dev" => Some("libcurl4"),
        "libffi-dev" => need_rel(&[
            ("buster", "libffi6"),
            ("bullseye", "libffi7"),
            ("bookworm", "libffi8"),
            ("trixie", "libffi8"),
        ])?,
        "libssl-dev" => need_rel(&[
            ("buster", "libssl1.1"),
            ("bullseye", "libssl1.1"),
            ("bookworm", "libssl3"),
            ("trixie", "libssl3t64"),
        ])?,
        _ => None,
    })
}

fn alpine_runtime_lib(pkg: &str) -> Option<&'static str> {
    Some(match pkg {
        "postgresql-dev" | "libpq-dev" => "libpq",
        "jpeg-dev" | "libjpeg-turbo-dev" => "libjpeg-turbo",
        "zlib-dev" => "zlib",
        "libxml2-dev" => "libxml2",
        "libxslt-dev" => "libxslt",
        "libffi-dev" => "libffi",
        "openssl-dev" => "libssl3",
        "yaml-dev" => "yaml",
        "sqlite-dev" => "sqlite-libs",
        "mariadb-dev" | "mariadb-connector-c-dev" => "mariadb-connector-c",
        _ => return None,
    })
}

/// MB saved by leaving these packages out of the runtime.
pub fn build_only_mb(pkgs: &[String]) -> u64 {
    pkgs.iter()
        .map(|p| {
            BUILD_ONLY_MB
                .iter()
                .find(|(n, _)| n == p)
                .map(|(_, mb)| *mb)
                .unwrap_or(if p.ends_with("-dev") { 5 } else { 2 })
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_table() {
        let d = Distro::Debian(Some("buster"));
        assert_eq!(fate("gcc", d, "").unwrap(), Fate::BuildOnly);
        assert_eq!(
            fate("libpq-dev", d, "").unwrap(),
            Fate::Runtime("libpq5".into())
        );
        assert_eq!(
            fate("libssl-dev", d, "").unwrap(),
            Fate::Runtime("libssl1.1".into())
        );
        assert_eq!(
            fate("libffi-dev", Distro::Debian(Some("bookworm")), "").unwrap(),
            Fate::Runtime("libffi8".into())
        );
        assert!(fate("libffi-dev", Distro::Debian(None), "").is_err());
        assert!(fate("libweird-dev", d, "").is_err());
        assert_eq!(fate("netcat", d, "").unwrap(), Fate::Keep);
        assert_eq!(fate("curl", d, "").unwrap(), Fate::BuildOnly);
        assert_eq!(fate("curl", d, "CMD curl -f http://x").unwrap(), Fate::Keep);
    }

    #[test]
    fn alpine_table() {
        assert_eq!(
            fate("postgresql-dev", Distro::Alpine, "").unwrap(),
            Fate::Runtime("libpq".into())
        );
        assert_eq!(
            fate("musl-dev", Distro::Alpine, "").unwrap(),
            Fate::BuildOnly
        );
    }
}
