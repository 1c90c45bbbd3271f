//! Debian and RPM package managers (apt-get, apt, dpkg, yum, dnf, microdnf,
//! zypper, rpm) and the system maintenance tools their packages call
//! (ldconfig, update-ca-certificates, locale-gen…). They read and write the
//! system trees; maintainer scripts may add system users (additions only).
//! Local package files (`./x.deb`) are read.

use super::{read_arg, system, Cmd, Cx, Effects};

const MANAGERS: &[&str] = &[
    "apt-get", "apt", "aptitude", "dpkg", "yum", "dnf", "microdnf", "zypper", "rpm", "tdnf",
];

const SYSTEM_TOOLS: &[&str] = &[
    "ldconfig",
    "update-ca-certificates",
    "update-ca-trust",
    "locale-gen",
    "localedef",
    "update-locale",
    "update-alternatives",
    "dpkg-reconfigure",
    "debconf-set-selections",
    "apt-mark",
    "apt-key",
    "add-apt-repository",
    "fc-cache",
    "update-mime-database",
    "pecl",
    "docker-php-ext-install",
    "docker-php-ext-configure",
    "docker-php-ext-enable",
    "docker-php-source",
];

/// The managers' options that take a value as the next word.
const VALUE_OPTIONS: &[&str] = &[
    "-o",
    "-c",
    "-t",
    "--option",
    "--config-file",
    "--target-release",
    "--root",
    "--installroot",
    "--setopt",
    "--exclude",
    "-x",
    "--enablerepo",
    "--disablerepo",
    "--releasever",
];

/// Subcommands of apt-get, apt, aptitude, yum, dnf, microdnf, zypper and
/// tdnf that refresh, query or download, and so install no package (and
/// make none of a package's links).
const NO_PACKAGE_CHANGE: &[&str] = &[
    "update",
    "clean",
    "autoclean",
    "makecache",
    "check",
    "check-update",
    "list",
    "search",
    "show",
    "showpkg",
    "showsrc",
    "policy",
    "madison",
    "info",
    "download",
    "changelog",
    "depends",
    "rdepends",
    "refresh",
    "repolist",
    "provides",
    "whatprovides",
];

/// Whether the manager only refreshes, queries or downloads (`apt-get
/// update`): dpkg and rpm, whose actions are options, always count as
/// installing.
fn installs_nothing(c: &Cmd) -> bool {
    if matches!(c.prog, "dpkg" | "rpm") {
        return false;
    }
    c.positional_with(VALUE_OPTIONS)
        .first()
        .and_then(|a| a.str())
        .is_some_and(|sub| NO_PACKAGE_CHANGE.contains(&sub))
}

pub(super) fn apply(c: &Cmd, cx: &Cx, fx: &mut Effects) -> bool {
    let p = c.prog;
    if !MANAGERS.contains(&p) && !SYSTEM_TOOLS.contains(&p) {
        return false;
    }
    system(fx);
    // Packages (and update-alternatives) make links in the system folders.
    fx.package_links |=
        (MANAGERS.contains(&p) && !installs_nothing(c)) || p == "update-alternatives";
    fx.read("/root");
    fx.env(&[
        "DEBIAN_FRONTEND",
        "DEBCONF_NONINTERACTIVE_SEEN",
        "LANG",
        "LANGUAGE",
        "TZ",
    ]);
    fx.env_prefix(&[
        "APT_",
        "DEBCONF_",
        "DPKG_",
        "LC_",
        "http_",
        "https_",
        "HTTP_",
        "HTTPS_",
        "no_proxy",
        "NO_PROXY",
        "ftp_",
        "all_proxy",
        "ALL_PROXY",
        "PHP_",
        "PECL_",
    ]);
    fx.network |= !matches!(p, "dpkg" | "rpm" | "ldconfig" | "locale-gen" | "localedef");
    if p == "debconf-set-selections" || (p == "apt-key" && c.has(&["add"])) {
        for a in c.positional_with(&[]) {
            read_arg(fx, cx, a);
        }
    }
    if MANAGERS.contains(&p) {
        // Package names are not paths; anything that could be a file is read.
        for a in c.positional_with(VALUE_OPTIONS) {
            match a.str() {
                Some(v) if !(v.contains('/') || v.ends_with(".deb") || v.ends_with(".rpm")) => {}
                _ => read_arg(fx, cx, a),
            }
        }
        for opt in ["-c", "--config-file", "--root", "--installroot"] {
            for v in c.opt_values(&[opt]) {
                let a = super::Arg::text(v);
                read_arg(fx, cx, &a);
                if opt != "-c" && opt != "--config-file" {
                    super::write_arg(fx, cx, &a);
                }
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::testutil::fx;

    #[test]
    fn system_only() {
        let e = fx("apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*", &[]);
        assert!(!e.unknown && e.network && !e.userdb);
        assert!(e.writes_under("/usr") && !e.reads_under("/app") && !e.writes_under("/app"));
        assert!(e.reads_env("DEBIAN_FRONTEND"));
        let e = fx("apt-get install -y ./pkg.deb", &[]);
        assert!(e.reads_under("/app/pkg.deb"));
        assert!(fx("apt-get install -y $PKGS", &[]).reads.is_everything());
    }

    /// `apt-get update` refreshes lists and installs nothing: it makes none
    /// of a package's links (a COPY into /etc after it was refused naming
    /// "an earlier RUN installs packages"). An install, or a subcommand
    /// that cannot be read, still counts.
    #[test]
    fn only_installs_make_package_links() {
        assert!(!fx("apt-get update", &[]).package_links);
        assert!(!fx("apt-get -o Acquire::Retries=3 update", &[]).package_links);
        assert!(!fx("dnf makecache", &[]).package_links);
        assert!(fx("apt-get update && apt-get install -y curl", &[]).package_links);
        assert!(fx("apt-get -y upgrade", &[]).package_links);
        assert!(fx("apt-get $CMD", &[]).package_links);
        assert!(fx("dpkg -i x.deb", &[]).package_links);
    }
}
