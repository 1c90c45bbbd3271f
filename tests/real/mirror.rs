//! apt's index files (`/var/lib/apt/lists`) hold what the live Debian mirror published when
//! `apt-get update` ran. A safe fix that moves or merges `apt-get update` runs it again, later
//! than the original did; if the mirror published new indexes in between (bookworm-security
//! and bookworm-updates do, several times a day) the lists differ although nothing about the
//! fix is wrong. Two back-to-back baseline builds rarely straddle such a publication, so a
//! baseline cannot be relied on to observe it. The evidence is checked per difference instead:
//! a list file is excused only when its suite's signed `InRelease` carries a different `Date:`
//! in the two images, i.e. the mirror itself changed between the builds.
//!
//! A republished suite can also carry a new version of a package the Dockerfile installs
//! (a security update of `libheif1` between the two `apt-get install`s). Such a package's
//! files are excused only on evidence of the same kind: the installed package sets are the
//! same, only versions differ, and each image's own indexes list the version it installed
//! while the other image's indexes do not, i.e. each build installed what its mirror offered.

use crate::engine;
use crate::excuses::diff_path;
use std::collections::BTreeMap;

const LISTS: &str = "var/lib/apt/lists/";

/// The suite a list file belongs to: `deb.debian.org_debian_dists_bookworm-updates_main_…`
/// → `deb.debian.org_debian_dists_bookworm-updates` (its `InRelease` is `<suite>_InRelease`).
pub fn suite_of(path: &str) -> Option<String> {
    let name = path.strip_prefix(LISTS)?;
    let (host, rest) = name.split_once("_dists_")?;
    let suite = rest.split('_').next()?;
    Some(format!("{host}_dists_{suite}"))
}

/// `grep -H ^Date:` output → suite → date.
pub fn parse_dates(grep: &str) -> BTreeMap<String, String> {
    grep.lines()
        .filter_map(|l| {
            let (path, date) = l.split_once(":Date:")?;
            let file = path.rsplit('/').next()?;
            Some((
                file.strip_suffix("_InRelease")?.to_string(),
                date.trim().to_string(),
            ))
        })
        .collect()
}

/// Runs `script` with `sh -c` in a container of `tag` (no network), with
/// `args` as its positional parameters; its standard output.
fn sh_in(tag: &str, script: &str, args: &[&str]) -> Result<String, String> {
    let mut argv = vec![
        "run",
        "--rm",
        "--network=none",
        "--entrypoint",
        "sh",
        tag,
        "-c",
        script,
        "sh",
    ];
    argv.extend_from_slice(args);
    engine::output(&argv)
}

fn release_dates(tag: &str) -> Result<BTreeMap<String, String>, String> {
    let out = sh_in(
        tag,
        "grep -H '^Date:' /var/lib/apt/lists/*_InRelease || true",
        &[],
    )?;
    Ok(parse_dates(&out))
}

/// Splits `bad` into (still bad, excused with evidence) by the rule above.
pub fn split(
    bad: Vec<String>,
    orig_dates: &BTreeMap<String, String>,
    fixed_dates: &BTreeMap<String, String>,
) -> (Vec<String>, Vec<String>) {
    let mut still = Vec::new();
    let mut excused = Vec::new();
    for d in bad {
        let evidence =
            suite_of(diff_path(&d)).and_then(|s| match (orig_dates.get(&s), fixed_dates.get(&s)) {
                (Some(a), Some(b)) if a != b => Some(format!("{s}: Date {a} vs {b}")),
                _ => None,
            });
        match evidence {
            Some(e) => excused.push(e),
            None => still.push(d),
        }
    }
    excused.sort();
    excused.dedup();
    (still, excused)
}

/// Applies the rule to a fix's unexcused differences, reading both images' release dates
/// only when some difference is an apt list. Returns (still bad, excused count).
pub fn excuse_updates(
    orig_tag: &str,
    fixed_tag: &str,
    bad: Vec<String>,
) -> Result<(Vec<String>, usize), String> {
    if !bad.iter().any(|d| diff_path(d).starts_with(LISTS)) {
        return Ok((bad, 0));
    }
    let n = bad.len();
    let (orig_dates, fixed_dates) = (release_dates(orig_tag)?, release_dates(fixed_tag)?);
    let (still, evidence) = split(bad, &orig_dates, &fixed_dates);
    for e in &evidence {
        println!("      excused: the Debian mirror published new indexes between the builds ({e})");
    }
    let republished = orig_dates
        .iter()
        .any(|(s, d)| fixed_dates.get(s).is_some_and(|f| f != d));
    let still = if republished && !still.is_empty() {
        excuse_upgrades(orig_tag, fixed_tag, still)?
    } else {
        still
    };
    let excused = n - still.len();
    Ok((still, excused))
}

/// `dpkg-query` lines `name<TAB>version<TAB>status` → name → (version, status).
pub fn parse_installed(out: &str) -> BTreeMap<String, (String, String)> {
    out.lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            let (name, version, status) = (f.next()?, f.next()?, f.next()?);
            Some((name.to_string(), (version.to_string(), status.to_string())))
        })
        .collect()
}

/// The packages whose version alone differs, or None when the installed sets (or any
/// package's state) differ: then the fix changed what is installed, which no mirror excuses.
pub fn upgraded(
    orig: &BTreeMap<String, (String, String)>,
    fixed: &BTreeMap<String, (String, String)>,
) -> Option<Vec<(String, String, String)>> {
    if orig.len() != fixed.len() {
        return None;
    }
    let mut out = Vec::new();
    for (name, (v, st)) in orig {
        let (fv, fst) = fixed.get(name)?;
        if st != fst {
            return None;
        }
        if v != fv {
            out.push((name.clone(), v.clone(), fv.clone()));
        }
    }
    Some(out)
}

/// What one image knows about some packages: the versions its indexes list and the
/// non-directory paths the package installed.
#[derive(Default, Debug, PartialEq)]
pub struct PackageFacts {
    pub listed: Vec<String>,
    pub files: Vec<String>,
}

/// Output of the per-image script below → package → facts.
pub fn parse_facts(out: &str) -> BTreeMap<String, PackageFacts> {
    let mut facts: BTreeMap<String, PackageFacts> = BTreeMap::new();
    let mut current: Option<String> = None;
    for l in out.lines() {
        if let Some(p) = l.strip_prefix("== ") {
            current = Some(p.trim().to_string());
            facts.entry(p.trim().to_string()).or_default();
        } else if let (Some(p), Some(v)) = (&current, l.strip_prefix("v ")) {
            facts
                .entry(p.clone())
                .or_default()
                .listed
                .push(v.trim().to_string());
        } else if let (Some(p), Some(f)) = (&current, l.strip_prefix("f ")) {
            let f = f.trim_start_matches('/').to_string();
            facts.entry(p.clone()).or_default().files.push(f);
        }
    }
    facts
}

fn package_name_is_plain(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.:".contains(c))
}

fn installed(tag: &str) -> Result<BTreeMap<String, (String, String)>, String> {
    let out = sh_in(
        tag,
        "dpkg-query -W -f '${binary:Package}\\t${Version}\\t${Status}\\n' 2>/dev/null || true",
        &[],
    )?;
    Ok(parse_installed(&out))
}

fn package_facts(tag: &str, names: &[&str]) -> Result<BTreeMap<String, PackageFacts>, String> {
    let script = "for p in \"$@\"; do echo \"== $p\"; \
         apt-cache madison \"$p\" 2>/dev/null | awk -F'|' '{gsub(/ /, \"\", $2); print \"v \" $2}'; \
         dpkg -L \"$p\" 2>/dev/null | while read -r f; do [ -d \"$f\" ] || echo \"f $f\"; done; done";
    Ok(parse_facts(&sh_in(tag, script, names)?))
}

/// Splits `bad` by the upgrade rule of the module's header, given both images' facts.
pub fn split_upgrades(
    bad: Vec<String>,
    changed: &[(String, String, String)],
    orig: &BTreeMap<String, PackageFacts>,
    fixed: &BTreeMap<String, PackageFacts>,
) -> (Vec<String>, Vec<String>) {
    let mut paths = std::collections::BTreeSet::new();
    let mut evidence = Vec::new();
    for (name, ov, fv) in changed {
        let (Some(o), Some(f)) = (orig.get(name), fixed.get(name)) else {
            return (bad, Vec::new());
        };
        let each_took_its_own = o.listed.contains(ov)
            && !o.listed.contains(fv)
            && f.listed.contains(fv)
            && !f.listed.contains(ov);
        if !each_took_its_own {
            return (bad, Vec::new());
        }
        evidence.push(format!(
            "{name} {ov} vs {fv}: each build's indexes list only its own version"
        ));
        paths.extend(o.files.iter().chain(&f.files).cloned());
        let bare = name.split(':').next().unwrap_or(name);
        paths.insert(format!("var/lib/dpkg/info/{bare}."));
        paths.insert(format!("var/lib/dpkg/info/{bare}:"));
    }
    if evidence.is_empty() {
        return (bad, Vec::new());
    }
    let is_excused = |p: &str| {
        p == "var/lib/dpkg/status"
            || p == "var/lib/dpkg/status-old"
            || paths.contains(p)
            || paths
                .iter()
                .any(|q| q.ends_with(['.', ':']) && p.starts_with(q.as_str()))
    };
    let (excused, still): (Vec<String>, Vec<String>) =
        bad.into_iter().partition(|d| is_excused(diff_path(d)));
    if excused.is_empty() {
        return (still, Vec::new());
    }
    (still, evidence)
}

fn excuse_upgrades(
    orig_tag: &str,
    fixed_tag: &str,
    bad: Vec<String>,
) -> Result<Vec<String>, String> {
    let Some(changed) = upgraded(&installed(orig_tag)?, &installed(fixed_tag)?) else {
        return Ok(bad);
    };
    if changed.is_empty() || !changed.iter().all(|(n, _, _)| package_name_is_plain(n)) {
        return Ok(bad);
    }
    let names: Vec<&str> = changed.iter().map(|(n, _, _)| n.as_str()).collect();
    let (o, f) = (
        package_facts(orig_tag, &names)?,
        package_facts(fixed_tag, &names)?,
    );
    let (still, evidence) = split_upgrades(bad, &changed, &o, &f);
    for e in &evidence {
        println!(
            "      excused: the Debian mirror published a new package between the builds ({e})"
        );
    }
    Ok(still)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_excused_only_when_its_suite_was_republished() {
        assert_eq!(
            suite_of("var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages")
                .as_deref(),
            Some("deb.debian.org_debian-security_dists_bookworm-security")
        );
        assert_eq!(suite_of("usr/lib/x"), None);
        let dates = |sec: &str| {
            parse_dates(&format!(
                "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease:Date: Sat, 10 May 2025 09:00:00 UTC\n\
                 /var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_InRelease:Date: {sec}\n"
            ))
        };
        let (a, b) = (
            dates("Fri, 05 Dec 2026 08:00:00 UTC"),
            dates("Fri, 05 Dec 2026 09:30:00 UTC"),
        );
        let sec = "/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages: 0 644 0:0 aa vs 0 644 0:0 bb".to_string();
        let main = "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages: 0 644 0:0 aa vs 0 644 0:0 bb".to_string();
        let app = "/app/x.py: 0 644 0:0 aa vs 0 644 0:0 bb".to_string();
        let (still, ev) = split(vec![sec.clone(), main.clone(), app.clone()], &a, &b);
        // bookworm-security was republished: excused; bookworm's Date is the same: not.
        assert_eq!(still, vec![main, app]);
        assert_eq!(ev.len(), 1);
        // the same dates: nothing is excused.
        assert_eq!(split(vec![sec.clone()], &a, &a).0, vec![sec]);
    }

    #[test]
    fn an_upgraded_package_is_excused_only_when_each_build_took_what_its_mirror_listed() {
        let inst = |v: &str| {
            parse_installed(&format!(
                "libheif1:amd64\t{v}\tinstall ok installed\nbash\t5.2\tinstall ok installed\n"
            ))
        };
        let changed = upgraded(&inst("1.15.1-1+deb12u1"), &inst("1.15.1-1+deb12u2")).unwrap();
        assert_eq!(changed.len(), 1);
        // a package the fix added or removed: nothing is an upgrade.
        let mut more = inst("1.15.1-1+deb12u1");
        more.insert("curl".into(), ("8".into(), "install ok installed".into()));
        assert_eq!(upgraded(&more, &inst("1.15.1-1+deb12u1")), None);

        let lib = "usr/lib/x86_64-linux-gnu/libheif.so.1.15.1";
        let bad = vec![
            format!("/{lib}: 0 644 0:0 aa vs 0 644 0:0 bb"),
            "/var/lib/dpkg/info/libheif1:amd64.md5sums: 0 644 0:0 aa vs 0 644 0:0 bb".to_string(),
            "/var/lib/dpkg/status: 0 644 0:0 aa vs 0 644 0:0 bb".to_string(),
            "/app/main.py: 0 644 0:0 aa vs 0 644 0:0 bb".to_string(),
        ];
        let orig = parse_facts(&format!(
            "== libheif1:amd64\nv 1.15.1-1+deb12u1\nv 1.15.1-1\nf /{lib}\n"
        ));
        let fixed = parse_facts(&format!(
            "== libheif1:amd64\nv 1.15.1-1+deb12u2\nv 1.15.1-1\nf /{lib}\n"
        ));
        let (still, ev) = split_upgrades(bad.clone(), &changed, &orig, &fixed);
        assert_eq!(still, vec![bad[3].clone()]);
        assert_eq!(ev.len(), 1);
        // the original's indexes also list the new version: it could have installed it, so
        // the difference is not the mirror's doing.
        let both = parse_facts(&format!(
            "== libheif1:amd64\nv 1.15.1-1+deb12u2\nv 1.15.1-1+deb12u1\nf /{lib}\n"
        ));
        assert_eq!(split_upgrades(bad.clone(), &changed, &both, &fixed).0, bad);
    }
}
