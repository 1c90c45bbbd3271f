//! apt's index files (`/var/lib/apt/lists`) hold what the live Debian mirror published when
//! `apt-get update` ran. A safe fix that moves or merges `apt-get update` runs it again, later
//! than the original did; if the mirror published new indexes in between (bookworm-security
//! and bookworm-updates do, several times a day) the lists differ although nothing about the
//! fix is wrong. Two back-to-back baseline builds rarely straddle such a publication, so a
//! baseline cannot be relied on to observe it. The evidence is checked per difference instead:
//! a list file is excused only when its suite's signed `InRelease` carries a different `Date:`
//! in the two images, i.e. the mirror itself changed between the builds.

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

fn release_dates(tag: &str) -> Result<BTreeMap<String, String>, String> {
    let out = engine::output(&[
        "run",
        "--rm",
        "--network=none",
        "--entrypoint",
        "sh",
        tag,
        "-c",
        "grep -H '^Date:' /var/lib/apt/lists/*_InRelease || true",
    ])?;
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
    let (still, evidence) = split(bad, &release_dates(orig_tag)?, &release_dates(fixed_tag)?);
    for e in &evidence {
        println!("      excused: the Debian mirror published new indexes between the builds ({e})");
    }
    let excused = n - still.len();
    Ok((still, excused))
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
}
