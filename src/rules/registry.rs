//! Every rule, by stable code. Codes are never reused or renumbered; a
//! retired rule keeps its code reserved.

use super::{cache, ci, compose, correctness, security, size, Rule};

static RULES: &[&Rule] = &[
    // DO1xx cache
    &cache::manifest_after_sources::RULE,
    &cache::volatile_copy_early::RULE,
    &cache::volatile_arg_early::RULE,
    &cache::apt_update_alone::RULE,
    // DO2xx size
    &size::apt_no_install_recommends::RULE,
    &size::apt_lists_left::RULE,
    &size::pip_cache_left::RULE,
    &size::apk_cache_left::RULE,
    &size::npm_cache_left::RULE,
    &size::deleted_in_later_layer::RULE,
    &size::build_tools_in_final::RULE,
    &size::consecutive_run::RULE,
    &size::context_not_ignored::RULE,
    &size::cache_mount_missing::RULE,
    // DO3xx security
    &security::root_user::RULE,
    &security::secret_in_env_arg::RULE,
    &security::curl_pipe_shell::RULE,
    // DO4xx correctness
    &correctness::base_image_tag::latest::RULE,
    &correctness::base_image_tag::untagged::RULE,
    &correctness::unpinned::apt::RULE,
    &correctness::unpinned::apk::RULE,
    &correctness::unpinned::pip::RULE,
    &correctness::unpinned::pip_upgrade::RULE,
    &correctness::unpinned::npm_global::RULE,
    &correctness::add_instead_of_copy::RULE,
    &correctness::shell_form_cmd::RULE,
    &correctness::cd_in_run::RULE,
    &correctness::multiple_processes::RULE,
    &correctness::missing_healthcheck::RULE,
    &correctness::python_env_missing::RULE,
    &correctness::pipefail::RULE,
    &correctness::expansion_fails::RULE,
    // DO5xx compose
    &compose::bind_mount_hides_image::RULE,
    &compose::depends_on_unhealthy::RULE,
    &compose::no_restart_policy::RULE,
    &compose::repeated_blocks::RULE,
    &compose::build_context_missing::RULE,
    // DO6xx ci
    &ci::min_mode_multistage::RULE,
    &ci::no_cache_from::RULE,
    &ci::shared_cache_scope::RULE,
    &ci::no_cache_unpinned_base::RULE,
    &ci::volatile_context::RULE,
];

/// Every rule, in code order.
pub fn all() -> &'static [&'static Rule] {
    RULES
}

/// A rule by code (`DO101`) or name (`manifest-after-sources`), case-insensitive.
pub fn by_code(code: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code) || r.name.eq_ignore_ascii_case(code))
}

/// The rules a hadolint code maps to.
pub fn hadolint_twins(dl: &str) -> Vec<&'static Rule> {
    RULES
        .iter()
        .copied()
        .filter(|r| r.hadolint.iter().any(|h| h.eq_ignore_ascii_case(dl)))
        .collect()
}

/// `docs/rules.md`: the registry table, the hadolint mapping, then every rule's page.
pub fn markdown_catalogue() -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "# dockopt rules\n\nGenerated from the rule sources by `DOCKOPT_UPDATE_DOCS=1 cargo test --test docs`; \
         `dockopt rule CODE` prints the same pages.\n\n\
         | Code | Name | Family | Severity | Fix | hadolint twin |\n|---|---|---|---|---|---|\n",
    );
    for r in all() {
        let _ = writeln!(
            out,
            "| [{}](#{}) | {} | {} | {} | {} | {} |",
            r.code,
            r.code.to_ascii_lowercase(),
            r.name,
            r.family.as_str(),
            r.severity.as_str(),
            r.fix.map(|f| f.as_str()).unwrap_or("-"),
            if r.hadolint.is_empty() {
                "-".to_string()
            } else {
                r.hadolint.join(", ")
            }
        );
    }
    out.push_str(
        "\n## hadolint mapping\n\n`# hadolint ignore=DLxxxx` (and `# hadolint global ignore=`) suppress the dockopt rules \
         mapped to that code; `# dockopt: ignore=DOxxx` works for every rule.\n\n| hadolint | dockopt |\n|---|---|\n",
    );
    let mut dls: Vec<&str> = all()
        .iter()
        .flat_map(|r| r.hadolint.iter().copied())
        .collect();
    dls.sort_unstable();
    dls.dedup();
    for dl in dls {
        let codes: Vec<&str> = hadolint_twins(dl).iter().map(|r| r.code).collect();
        let _ = writeln!(out, "| {dl} | {} |", codes.join(", "));
    }
    out.push_str(&super::precision::markdown());
    for r in all() {
        let _ = write!(
            out,
            "\n<a id=\"{}\"></a>\n\n## {} ({})\n\n",
            r.code.to_ascii_lowercase(),
            r.name,
            r.code
        );
        let mut fenced = false;
        for line in r.docs().lines() {
            if line.starts_with("```") {
                fenced = !fenced;
            }
            if !fenced && line.starts_with('#') {
                out.push('#');
            }
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(&super::precision::line(r.code));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_documented() {
        let mut prev = "";
        for r in all() {
            assert!(r.code > prev, "{} out of order or duplicated", r.code);
            prev = r.code;
            let docs = r.docs();
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "Use instead",
                "## Fix safety",
            ] {
                assert!(docs.contains(section), "{} lacks {section}", r.code);
            }
            assert!(!r.summary().is_empty());
            let family = match &r.code[2..3] {
                "1" => "cache",
                "2" => "size",
                "3" => "security",
                "4" => "correctness",
                "5" => "compose",
                _ => "ci",
            };
            assert_eq!(r.family.as_str(), family, "{}", r.code);
        }
    }
}
