//! Base images: which ecosystem an image belongs to, the runtime image of
//! the same family, and the estimated size difference between the two.
//!
//! The tables are deliberately small and explicit: an image or tag not in
//! them is a refusal, never a guess.
//!
//! | builder                                  | runtime                              | est. saving |
//! |------------------------------------------|--------------------------------------|-------------|
//! | `python:V[-buster|-bullseye|-bookworm]`  | `python:V-slim[-buster|…]`           | 850 MB      |
//! | `python:V-slim*`, `python:V-alpine*`     | the same image                       | 0           |
//! | `node:V[-bookworm|…]`                    | `node:V-slim[-bookworm|…]`           | 900 MB      |
//! | `node:V-slim*`, `node:V-alpine*`         | the same image                       | 0           |
//! | `golang:V[-bookworm|-bullseye|-buster]`  | `debian:<release>-slim`              | 740 MB      |
//! | `golang:V-alpineX.Y`                     | `alpine:X.Y`                         | 230 MB      |
//! | `rust:V[-slim][-bookworm|…]`             | `debian:<release>-slim`              | 1400 MB     |
//! | `rust:V-alpineX.Y`                       | `alpine:X.Y`                         | 800 MB      |
//! | `maven:V-eclipse-temurin-J[-alpine]`     | `eclipse-temurin:J-jre[-alpine]`     | 230 MB      |
//! | `gradle:V-jdkJ[-alpine]`                 | `eclipse-temurin:J-jre[-alpine]`     | 450 MB      |
//! | `mcr.microsoft.com/dotnet/sdk:V`         | `…/aspnet:V` (or `…/runtime:V`)      | 600 MB      |
//! | `ruby:V[-buster|-bullseye|-bookworm]`    | `ruby:V-slim[-buster|…]`             | 800 MB      |
//!
//! `latest` builders and alpine tags without the Alpine release are refused:
//! the runtime tag would move (and `check` flags `:latest`, DO401).
//!
//! Savings are rough uncompressed linux/amd64 figures of the current tags
//! (Docker Hub / MCR, 2024), plus the packages of `packages::BUILD_ONLY_MB`
//! left out of the runtime.

use super::Ecosystem;

/// Debian releases and their default when a tag does not name one.
pub const DEBIAN_RELEASES: [&str; 4] = ["buster", "bullseye", "bookworm", "trixie"];

/// Python minor versions and the Debian releases with a `-slim-<release>` tag.
const PYTHON_SLIM: &[(&str, &[&str])] = &[
    ("3.6", &["buster", "bullseye"]),
    ("3.7", &["buster", "bullseye", "bookworm"]),
    ("3.8", &["buster", "bullseye", "bookworm"]),
    ("3.9", &["buster", "bullseye", "bookworm", "trixie"]),
    ("3.10", &["buster", "bullseye", "bookworm", "trixie"]),
    ("3.11", &["buster", "bullseye", "bookworm", "trixie"]),
    ("3.12", &["bullseye", "bookworm", "trixie"]),
    ("3.13", &["bullseye", "bookworm", "trixie"]),
    ("3.14", &["bookworm", "trixie"]),
];

/// A parsed `name:tag` reference (no digest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub name: String,
    pub tag: String,
}

impl ImageRef {
    pub fn parse(image: &str) -> Result<ImageRef, String> {
        if image.contains('@') {
            return Err(format!(
                "base image `{image}` is pinned by digest: the runtime variant's digest is unknown"
            ));
        }
        if image.contains('$') {
            return Err(format!("base image `{image}` uses variables"));
        }
        let (name, tag) = match image.rsplit_once(':') {
            Some((n, t)) if !t.contains('/') => (n, t),
            _ => (image, "latest"),
        };
        let name = name.strip_prefix("docker.io/").unwrap_or(name);
        let name = name.strip_prefix("library/").unwrap_or(name);
        Ok(ImageRef {
            name: name.to_string(),
            tag: tag.to_string(),
        })
    }
}

/// The ecosystem a builder image belongs to, if any.
/// Read from the ecosystem table: a compiler's image (`Ecosystem::toolchain`)
/// or, for an interpreted ecosystem, one of its runtime images (which carry
/// its installer too).
pub fn ecosystem_of(r: &ImageRef) -> Option<Ecosystem> {
    let table = crate::ecosystem::toolchain_of_image(&r.name)
        .map(|(e, _)| e)
        .or_else(|| {
            crate::ecosystem::ALL
                .iter()
                .copied()
                .filter(|e| e.toolchain.is_none())
                .find(|e| e.runtime_images.contains(&r.name.as_str()))
        })?;
    Some(match table.name {
        "pip" | "uv" | "poetry" | "pipenv" => Ecosystem::Python,
        "npm" | "yarn" | "pnpm" => Ecosystem::Node,
        "go" => Ecosystem::Go,
        "cargo" => Ecosystem::Rust,
        "maven" | "gradle" => Ecosystem::Java,
        "dotnet" => Ecosystem::Dotnet,
        "bundler" => Ecosystem::Ruby,
        "composer" => Ecosystem::Php,
        _ => return None,
    })
}

/// A tag split into version and variant words: `3.9-slim-buster` →
/// (`3.9`, [`slim`, `buster`]).
fn split_tag(tag: &str) -> (&str, Vec<&str>) {
    let mut parts = tag.split('-');
    let version = parts.next().unwrap_or("");
    (version, parts.collect())
}

fn is_version(v: &str) -> bool {
    !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// The Debian release a tag names, if any.
pub fn debian_release(tag: &str) -> Option<&'static str> {
    let (_, words) = split_tag(tag);
    DEBIAN_RELEASES.iter().copied().find(|r| words.contains(r))
}

pub fn is_alpine(tag: &str) -> bool {
    tag.split('-').any(|w| w.starts_with("alpine"))
}

fn alpine_version(tag: &str) -> String {
    tag.split('-')
        .find_map(|w| w.strip_prefix("alpine"))
        .filter(|v| !v.is_empty())
        .unwrap_or("latest")
        .to_string()
}

/// `python:X` → `python:X-slim[-release]`; slim and alpine tags run as they are.
pub fn python_runtime(r: &ImageRef) -> Result<(String, u64), String> {
    let (version, words) = split_tag(&r.tag);
    if r.tag
        .split('-')
        .any(|w| w == "slim" || w.starts_with("alpine"))
    {
        return Ok((format!("python:{}", r.tag), 0));
    }
    let known = || {
        format!(
            "no known slim variant of `python:{}` (known: python 3.6–3.14 with -buster, -bullseye, -bookworm, -trixie)",
            r.tag
        )
    };
    if r.tag == "latest" {
        // There is no `python:latest-slim`, and `python:slim` moves too.
        return Err("`python:latest` moves: pin the builder's tag first (e.g. python:3.12)".into());
    }
    if r.tag == "3" {
        return Ok(("python:3-slim".to_string(), 850));
    }
    if !is_version(version) {
        return Err(known());
    }
    let minor: String = version.split('.').take(2).collect::<Vec<_>>().join(".");
    let releases = PYTHON_SLIM
        .iter()
        .find(|(v, _)| *v == minor)
        .map(|(_, r)| *r)
        .ok_or_else(known)?;
    match words.as_slice() {
        [] => Ok((format!("python:{version}-slim"), 850)),
        [rel] if releases.contains(rel) => Ok((format!("python:{version}-slim-{rel}"), 850)),
        _ => Err(known()),
    }
}

/// `node:X` → `node:X-slim`; slim and alpine tags run as they are.
pub fn node_runtime(r: &ImageRef) -> Result<(String, u64), String> {
    let (version, words) = split_tag(&r.tag);
    if r.tag
        .split('-')
        .any(|w| w == "slim" || w.starts_with("alpine"))
    {
        return Ok((format!("node:{}", r.tag), 0));
    }
    let unknown = || format!("no known slim variant of `node:{}`", r.tag);
    if version == "latest" {
        return Err("`node:latest` moves: pin the builder's tag first (e.g. node:20)".into());
    }
    let v_ok = is_version(version) || ["lts", "current"].contains(&version);
    if !v_ok {
        return Err(unknown());
    }
    match words.as_slice() {
        [] => Ok((format!("node:{version}-slim"), 900)),
        [rel] if DEBIAN_RELEASES.contains(rel) => Ok((format!("node:{version}-{rel}-slim"), 900)),
        _ => Err(unknown()),
    }
}

/// `ruby:X[-release]` → `ruby:X-slim[-release]`; slim and alpine tags run as they are.
pub fn ruby_runtime(r: &ImageRef) -> Result<(String, u64), String> {
    let (version, words) = split_tag(&r.tag);
    if r.tag
        .split('-')
        .any(|w| w == "slim" || w.starts_with("alpine"))
    {
        return Ok((format!("ruby:{}", r.tag), 0));
    }
    if version == "latest" {
        return Err("`ruby:latest` moves: pin the builder's tag first (e.g. ruby:3.3)".into());
    }
    let unknown = || format!("no known slim variant of `ruby:{}`", r.tag);
    if !is_version(version) {
        return Err(unknown());
    }
    match words.as_slice() {
        [] => Ok((format!("ruby:{version}-slim"), 800)),
        [rel] if DEBIAN_RELEASES.contains(rel) => Ok((format!("ruby:{version}-slim-{rel}"), 800)),
        _ => Err(unknown()),
    }
}

/// The small image of the same family for a compiled program (Go, Rust).
pub fn native_runtime(r: &ImageRef, full_mb: u64, alpine_mb: u64) -> Result<(String, u64), String> {
    let (version, _) = split_tag(&r.tag);
    if !(is_version(version) || version == "latest" || version == "alpine") {
        return Err(format!("unknown tag `{}:{}`", r.name, r.tag));
    }
    if version == "latest" {
        return Err(format!(
            "`{}:latest` moves (and with it the Debian release its programs link against): pin the builder's tag first",
            r.name
        ));
    }
    if is_alpine(&r.tag) {
        let v = alpine_version(&r.tag);
        if v == "latest" {
            // `alpine:latest` would be flagged by check (DO401) and does not
            // follow the builder's Alpine; the tag must name it.
            return Err(format!(
                "`{}:{}` does not name its Alpine release: the runtime would be `alpine:latest`; use a tag such as `{}:{}-alpine3.20`",
                r.name, r.tag, r.name, if is_version(version) { version } else { "V" }
            ));
        }
        return Ok((format!("alpine:{v}"), alpine_mb));
    }
    let rel = debian_release(&r.tag).unwrap_or("bookworm");
    if r.tag != "latest" && debian_release(&r.tag).is_none() {
        // Only `V`, `V-slim` and `V-<release>[-slim]` are known.
        let words = split_tag(&r.tag).1;
        if !(words.is_empty() || words == ["slim"]) {
            return Err(format!("unknown tag `{}:{}`", r.name, r.tag));
        }
    }
    Ok((format!("debian:{rel}-slim"), full_mb))
}

/// maven/gradle → the Eclipse Temurin JRE of the same Java version.
pub fn java_runtime(r: &ImageRef) -> Result<(String, u64), String> {
    let (_, words) = split_tag(&r.tag);
    let alpine = words.contains(&"alpine");
    let java = match r.name.as_str() {
        // maven:3.9-eclipse-temurin-21[-alpine]
        "maven" => match words.as_slice() {
            ["eclipse", "temurin", j, rest @ ..] if j.chars().all(|c| c.is_ascii_digit()) => {
                if rest.iter().any(|w| *w != "alpine") {
                    None
                } else {
                    Some(j.to_string())
                }
            }
            _ => None,
        },
        // gradle:8.8-jdk21[-alpine]
        "gradle" => match words.as_slice() {
            [j, rest @ ..] if j.starts_with("jdk") => {
                let v = &j[3..];
                if v.is_empty()
                    || !v.chars().all(|c| c.is_ascii_digit())
                    || rest.iter().any(|w| *w != "alpine")
                {
                    None
                } else {
                    Some(v.to_string())
                }
            }
            _ => None,
        },
        _ => None,
    };
    let java = java.ok_or_else(|| {
        format!(
            "no known JRE for `{}:{}` (known: maven:V-eclipse-temurin-J[-alpine], gradle:V-jdkJ[-alpine])",
            r.name, r.tag
        )
    })?;
    let saving = if r.name == "maven" { 230 } else { 450 };
    let suffix = if alpine { "-alpine" } else { "" };
    Ok((format!("eclipse-temurin:{java}-jre{suffix}"), saving))
}

/// dotnet/sdk:V → dotnet/aspnet:V (web) or dotnet/runtime:V.
pub fn dotnet_runtime(r: &ImageRef, web: bool) -> Result<(String, u64), String> {
    let (version, words) = split_tag(&r.tag);
    if !is_version(version)
        || words
            .iter()
            .any(|w| w.starts_with("windows") || w.starts_with("nanoserver"))
    {
        return Err(format!("no known runtime image for `{}:{}`", r.name, r.tag));
    }
    let kind = if web { "aspnet" } else { "runtime" };
    Ok((format!("mcr.microsoft.com/dotnet/{kind}:{}", r.tag), 600))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn py(t: &str) -> Result<String, String> {
        python_runtime(&ImageRef::parse(t).unwrap()).map(|x| x.0)
    }

    #[test]
    fn python_table() {
        assert_eq!(py("python:3.9-buster").unwrap(), "python:3.9-slim-buster");
        assert_eq!(
            py("python:3.9.18-bullseye").unwrap(),
            "python:3.9.18-slim-bullseye"
        );
        assert_eq!(py("python:3.12").unwrap(), "python:3.12-slim");
        assert_eq!(py("python:3.12-slim").unwrap(), "python:3.12-slim");
        assert!(py("python:3.12-buster").is_err());
        assert!(py("python:3.9-windowsservercore").is_err());
        assert!(py("python:2.7").is_err());
    }

    #[test]
    fn other_tables() {
        let r = |s: &str| ImageRef::parse(s).unwrap();
        assert_eq!(
            native_runtime(&r("golang:1.22"), 1, 1).unwrap().0,
            "debian:bookworm-slim"
        );
        assert_eq!(
            native_runtime(&r("golang:1.22-alpine3.20"), 1, 1)
                .unwrap()
                .0,
            "alpine:3.20"
        );
        assert!(native_runtime(&r("golang:alpine"), 1, 1)
            .unwrap_err()
            .contains("does not name its Alpine release"));
        assert!(native_runtime(&r("golang:1.22-alpine"), 1, 1)
            .unwrap_err()
            .contains("golang:1.22-alpine3.20"));
        assert!(native_runtime(&r("rust:latest"), 1, 1).is_err());
        assert_eq!(
            native_runtime(&r("rust:1.72.0-buster"), 1, 1).unwrap().0,
            "debian:buster-slim"
        );
        assert_eq!(
            java_runtime(&r("maven:3.9-eclipse-temurin-21")).unwrap().0,
            "eclipse-temurin:21-jre"
        );
        assert_eq!(
            java_runtime(&r("gradle:8.8-jdk21")).unwrap().0,
            "eclipse-temurin:21-jre"
        );
        assert!(java_runtime(&r("maven:3-openjdk-17")).is_err());
        assert_eq!(
            dotnet_runtime(&r("mcr.microsoft.com/dotnet/sdk:8.0"), true)
                .unwrap()
                .0,
            "mcr.microsoft.com/dotnet/aspnet:8.0"
        );
        assert!(ImageRef::parse("python:3.9@sha256:00").is_err());
        assert_eq!(node_runtime(&r("node:20")).unwrap().0, "node:20-slim");
    }
}
