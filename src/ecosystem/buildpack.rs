//! `buildpack-deps`: Docker's official build-environment image (compilers,
//! headers, version control), and the full (not `-slim`, not `alpine`)
//! variants of the language images built on it. Read by the cost model (an
//! install of these packages only marks them manual) and by DO207 (a build
//! stage saves them only when the final stage moves to the -slim variant).

/// Debian packages every `buildpack-deps:<suite>` image (and so the full `python`, `node`,
/// `golang`, `rust`, `ruby` images built on it) already has: `apt-get install` of these only
/// marks them manual. From buildpack-deps' curl, scm and full Dockerfiles.
pub const PACKAGES: &[&str] = &[
    "autoconf",
    "automake",
    "bzip2",
    "ca-certificates",
    "curl",
    "default-libmysqlclient-dev",
    "dpkg-dev",
    "file",
    "g++",
    "gcc",
    "git",
    "gnupg",
    "imagemagick",
    "libbz2-dev",
    "libc6-dev",
    "libcurl4-openssl-dev",
    "libdb-dev",
    "libevent-dev",
    "libffi-dev",
    "libgdbm-dev",
    "libglib2.0-dev",
    "libgmp-dev",
    "libjpeg-dev",
    "libkrb5-dev",
    "liblzma-dev",
    "libmagickcore-dev",
    "libmagickwand-dev",
    "libmaxminddb-dev",
    "libncurses5-dev",
    "libncursesw5-dev",
    "libpng-dev",
    "libpq-dev",
    "libreadline-dev",
    "libsqlite3-dev",
    "libssl-dev",
    "libtool",
    "libwebp-dev",
    "libxml2-dev",
    "libxslt-dev",
    "libyaml-dev",
    "make",
    "mercurial",
    "netbase",
    "openssh-client",
    "patch",
    "procps",
    "subversion",
    "unzip",
    "wget",
    "xz-utils",
    "zlib1g-dev",
];

/// Whether `image` is a full (buildpack-deps based) Debian image: `python:3.11-bookworm`,
/// `node:18`, `golang:1.19` — not `-slim`, not `alpine`.
pub fn based_on(image: &str) -> bool {
    let last = image.rsplit('/').next().unwrap_or(image);
    let (repo, tag) = last.split_once(':').unwrap_or((last, "latest"));
    let tag = tag.split('@').next().unwrap_or(tag);
    matches!(
        repo,
        "python" | "node" | "golang" | "rust" | "ruby" | "buildpack-deps" | "perl" | "gcc"
    ) && !tag.contains("slim")
        && !tag.contains("alpine")
        && !tag.contains("windows")
}

/// Whether a full buildpack-deps based image already has Debian package `name`
/// (a version pin `name=1.2` is ignored).
pub fn has_package(name: &str) -> bool {
    PACKAGES.contains(&name.split('=').next().unwrap_or(name))
}

/// Whether `image` is buildpack-deps itself: a build environment by choice.
pub fn is_itself(image: &str) -> bool {
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split([':', '@']).next() == Some("buildpack-deps")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_images_are_buildpack_based_slim_and_alpine_are_not() {
        assert!(based_on("python:3.12-bookworm") && based_on("docker.io/library/node:20"));
        assert!(!based_on("python:3.12-slim") && !based_on("node:20-alpine"));
        assert!(is_itself("buildpack-deps:bookworm") && !is_itself("python:3.12"));
        assert!(has_package("gcc") && has_package("make=4.3-4.1") && !has_package("tk-dev"));
    }
}
