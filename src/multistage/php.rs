//! PHP with Composer: the builder is the original stage up to its last
//! composer step (`composer install`, `composer dump-autoload`) with the
//! fetch tools (git, unzip) and the composer binary; the runtime, on the
//! same PHP image (the official images have no slimmer variant), keeps the
//! other system packages and replays the extension builds
//! (`docker-php-ext-install`, `pecl install`: compiled where they run), then
//! gets vendor/ from the builder at the last step that wrote it.
//!
//! ```text
//! FROM php:8.3-cli AS builder                     FROM php:8.3-cli
//! RUN apt-get install git unzip libzip-dev        RUN apt-get install libzip-dev
//! RUN docker-php-ext-install zip                  RUN docker-php-ext-install zip
//! COPY --from=composer:2 /usr/bin/composer …      COPY composer.json composer.lock ./
//! COPY composer.json composer.lock ./             COPY . .
//! RUN composer install --no-scripts …             COPY --from=builder /app/vendor /app/vendor
//! COPY . .
//! RUN composer dump-autoload --optimize
//! ```
//!
//! Refused where composer writes outside vendor/ (what the runtime would
//! lack): install scripts without `--no-scripts` (read from composer.json,
//! so the context is needed), `vendor-dir`/`bin-dir`/`installer-paths`,
//! `COMPOSER_VENDOR_DIR`/`COMPOSER_BIN_DIR`.

use super::images::ImageRef;
use super::shell::CmdKind;
use super::{
    abs, check_override, install_line, packages, push_unique, Analysis, ContextFiles, Plan, Refusal,
};
use crate::ecosystem::composer as eco;
use crate::effects::Files;
use crate::model::Op;

pub(crate) fn plan(a: &Analysis, r: &ImageRef, opts: &super::Options) -> Result<Plan, Refusal> {
    let mut runtime_base = a.base.clone();
    if let Some(o) = &opts.runtime_base {
        check_override(o, true, false)?;
        runtime_base = o.clone();
    }
    if let Some(line) = a.user_before_run() {
        return Err(Refusal::new(format!(
            "line {line}: USER before the install steps (vendor/ would be owned by that user)"
        )));
    }
    let mut at_item: Vec<(usize, String)> = Vec::new();
    for (idx, item) in a.items.iter().enumerate() {
        let Some(Op::Run(run)) = &item.step.op else {
            continue;
        };
        let line = item.ins.start_line;
        for c in &item.cmds {
            match &c.kind {
                CmdKind::Composer { .. } => {
                    let env_set = |name: &str| {
                        c.var(name).is_some() || run.env.iter().any(|(k, _)| **k == *name)
                    };
                    if let Some(v) = eco::OUTSIDE_VENDOR_ENV.iter().find(|v| env_set(v)) {
                        return Err(Refusal::of_kind(
                            "composer writes outside vendor/",
                            format!("line {line}: `{v}` moves composer's output outside vendor/"),
                        ));
                    }
                    let json_path = abs(&item.step.cwd, "composer.json");
                    if !c.words.iter().any(|w| w == "--no-scripts") {
                        scripts_refusal(a, &json_path, line, &c.text)?;
                    }
                    outside_vendor_refusal(a, &json_path, line)?;
                    let dir = abs(&item.step.cwd, eco::ECOSYSTEM.install_outputs[0]);
                    at_item.push((idx, dir));
                }
                CmdKind::PhpExt => {}
                // `rm -f`/`-rf` is replayed in the runtime at the same place: the
                // same paths go (a path only the builder had is simply absent).
                CmdKind::Remove(_) if forced(&c.words) => {}
                k if k.is_shared_setup() => {}
                k => {
                    return Err(Refusal::new(format!(
                        "line {line}: `{}` is not a PHP build step ({k:?})",
                        c.text
                    )))
                }
            }
        }
    }
    if at_item.is_empty() {
        return Err(Refusal::new("no `composer install`: nothing to build"));
    }
    // Fetch tools stay in the builder; every other package stays in the
    // runtime as installed: the extension builds replayed there need their
    // -dev headers (the images keep the compiler, PHPIZE_DEPS).
    let rt = a.runtime_text();
    let mut runtime_pkgs = Vec::new();
    let mut moved = Vec::new();
    for (_, c) in a.cmds() {
        let pkgs = match &c.kind {
            CmdKind::AptInstall(p) | CmdKind::ApkAdd(p) => p,
            _ => continue,
        };
        for p in pkgs {
            let used = rt
                .split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '-'))
                .any(|w| w == p);
            if eco::FETCH_TOOLS.contains(&p.as_str()) && !used {
                push_unique(&mut moved, p);
            } else {
                push_unique(&mut runtime_pkgs, p);
            }
        }
    }
    let distro = Analysis::distro(&r.tag);
    let runtime_install = (!runtime_pkgs.is_empty()).then(|| {
        format!(
            "# composer's fetch tools (git, unzip) stay in the builder\n{}",
            install_line(distro, &runtime_pkgs)
        )
    });
    let composer_copy = a.items.iter().any(|i| i.is_composer_copy());
    let (b, t) = super::split_copying_dirs(a, &runtime_base, runtime_install, &at_item)?;
    let vendor: Vec<&str> = {
        let mut v: Vec<&str> = Vec::new();
        for (_, d) in &at_item {
            if !v.contains(&d.as_str()) {
                v.push(d);
            }
        }
        v
    };
    let mut notes = vec![format!(
        "the runtime gets {} from the builder; composer, its cache{} stay in the builder",
        vendor.join(", "),
        if moved.is_empty() {
            String::new()
        } else {
            format!(" and {}", moved.join(" "))
        }
    )];
    if !composer_copy {
        notes.push(
            "composer itself was not copied from the composer image: check where it came from"
                .into(),
        );
    }
    Ok(Plan {
        text: format!("{b}{t}"),
        runtime_base,
        estimated_saving_mb: Some(packages::build_only_mb(&moved) + 3),
        moved_packages: moved,
        notes,
        changed: Vec::new(),
    })
}

/// `rm` with `-f` (alone or in a cluster like `-Rf`) or `--force`: a path
/// that is absent is no error.
fn forced(words: &[String]) -> bool {
    words
        .iter()
        .skip(1)
        .any(|w| w == "--force" || (w.starts_with('-') && !w.starts_with("--") && w.contains('f')))
}

/// composer.json as the RUN finds it, parsed; the refusal says why not.
fn composer_json(a: &Analysis, path: &str, line: usize) -> Result<serde_json::Value, Refusal> {
    let text = ContextFiles { a }.read(path).ok_or_else(|| {
        Refusal::of_kind(
            "composer.json not readable from the context",
            format!("line {line}: cannot read `{path}` from the context: its scripts and settings decide what composer writes outside vendor/"),
        )
    })?;
    serde_json::from_str(&text)
        .map_err(|e| Refusal::new(format!("line {line}: `{path}` is not valid JSON: {e}")))
}

/// Install scripts run by a composer step without `--no-scripts` may read
/// the sources and write anywhere: refused when composer.json has one.
fn scripts_refusal(a: &Analysis, path: &str, line: usize, text: &str) -> Result<(), Refusal> {
    let json = composer_json(a, path, line)?;
    if let Some(ev) = eco::SCRIPT_EVENTS
        .iter()
        .find(|ev| json.get("scripts").and_then(|s| s.get(**ev)).is_some())
    {
        return Err(Refusal::of_kind(
            "composer scripts may write outside vendor/",
            format!("line {line}: `{text}` runs composer.json's `{ev}` scripts, which may write outside vendor/ (the runtime gets vendor/ only); add --no-scripts if they are not needed"),
        ));
    }
    Ok(())
}

fn outside_vendor_refusal(a: &Analysis, path: &str, line: usize) -> Result<(), Refusal> {
    // Without the context the settings are unknown: only an install whose
    // scripts were checked has read the file; read it here too.
    let json = composer_json(a, path, line)?;
    if let Some((sec, key)) = eco::OUTSIDE_VENDOR
        .iter()
        .find(|(s, k)| json.get(*s).and_then(|x| x.get(*k)).is_some())
    {
        return Err(Refusal::of_kind(
            "composer writes outside vendor/",
            format!(
                "line {line}: composer.json's `{sec}.{key}` puts installed files outside vendor/"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::{convert_ctx, convert_text};

    const APP: &str = "FROM php:8.3-cli\nRUN apt-get update && apt-get install -y git unzip libzip-dev && rm -rf /var/lib/apt/lists/*\nRUN docker-php-ext-install zip\nCOPY --from=composer:2 /usr/bin/composer /usr/bin/composer\nWORKDIR /app\nCOPY composer.json composer.lock ./\nRUN composer install --no-dev --no-scripts --no-autoloader\nCOPY . .\nRUN composer dump-autoload --optimize\nCMD [\"php\", \"index.php\"]\n";

    #[test]
    fn vendor_from_the_builder_extensions_replayed() {
        let c = convert_ctx(&[
            ("Dockerfile", APP, 0o644),
            (
                "composer.json",
                "{\"require\": {\"slim/slim\": \"^4\"}}",
                0o644,
            ),
            ("composer.lock", "{}", 0o644),
            ("index.php", "<?php\n", 0o644),
        ])
        .unwrap_or_else(|r| panic!("{r}"));
        let (builder, runtime) = c.text.split_once("\nFROM php:8.3-cli\n").unwrap();
        assert!(builder.contains("COPY --from=composer:2"), "{}", c.text);
        assert!(
            runtime.contains("install -y --no-install-recommends libzip-dev"),
            "{}",
            c.text
        );
        assert!(runtime.contains("docker-php-ext-install zip"), "{}", c.text);
        assert!(
            !runtime.contains("install -y --no-install-recommends git")
                && !runtime.contains("/usr/bin/composer"),
            "{}",
            c.text
        );
        // vendor/ arrives after the full COPY: dump-autoload rewrote it there.
        let full = runtime.find("COPY . .").unwrap();
        let vendor = runtime
            .find("COPY --from=builder /app/vendor /app/vendor")
            .unwrap();
        assert!(full < vendor, "{}", c.text);
        assert_eq!(c.moved_packages, vec!["git", "unzip"]);
    }

    #[test]
    fn forced_rm_is_replayed_after_vendor() {
        let df = "FROM php:7.4-apache\nRUN apt-get update && apt-get install -yqq unzip libzip-dev && docker-php-ext-install zip\nRUN echo \"x=1\" > \"/usr/local/etc/php/conf.d/zz.ini\"\nRUN a2enmod rewrite\nWORKDIR /var/www/html\nCOPY html/ /var/www/html\nCOPY --from=composer /usr/bin/composer /usr/bin/composer\nRUN composer install\nRUN rm -Rf /var/www/var/*\nRUN chown -R www-data /var/www\n";
        let c = convert_ctx(&[
            ("Dockerfile", df, 0o644),
            ("html/composer.json", "{\"require\": {}}", 0o644),
        ])
        .unwrap_or_else(|r| panic!("{r}"));
        let runtime = c.text.split("\nFROM php:7.4-apache\n").nth(1).unwrap();
        let order: Vec<usize> = [
            "conf.d/zz.ini",
            "a2enmod rewrite",
            "COPY html/",
            "COPY --from=builder /var/www/html/vendor",
            "rm -Rf /var/www/var/*",
            "chown -R www-data /var/www",
        ]
        .iter()
        .map(|s| runtime.find(s).unwrap_or_else(|| panic!("{s}: {}", c.text)))
        .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", c.text);
        let e = convert_ctx(&[
            ("Dockerfile", &df.replace("rm -Rf", "rm -R"), 0o644),
            ("html/composer.json", "{}", 0o644),
        ])
        .unwrap_err();
        assert!(e.reason.contains("not a PHP build step"), "{e}");
    }

    #[test]
    fn scripts_and_installer_paths_are_refused() {
        for (json, want) in [
            (
                "{\"scripts\": {\"post-install-cmd\": [\"php bin/warm.php\"]}}",
                "post-install-cmd",
            ),
            (
                "{\"extra\": {\"installer-paths\": {\"web/{$name}\": []}}}",
                "installer-paths",
            ),
            ("{\"config\": {\"vendor-dir\": \"lib\"}}", "vendor-dir"),
        ] {
            let df = "FROM php:8.3-cli\nRUN apt-get update && apt-get install -y git\nWORKDIR /app\nCOPY . .\nRUN composer install\nCMD [\"php\", \"index.php\"]\n";
            let e = convert_ctx(&[("Dockerfile", df, 0o644), ("composer.json", json, 0o644)])
                .unwrap_err();
            assert!(e.reason.contains(want), "{e}");
        }
    }

    #[test]
    fn without_the_context_composer_json_is_unknown() {
        let e = convert_text("FROM php:8.3-cli\nWORKDIR /app\nCOPY . .\nRUN composer install --no-dev --no-scripts\nCMD [\"php\", \"index.php\"]\n").unwrap_err();
        assert!(e.reason.contains("composer.json"), "{e}");
    }

    #[test]
    fn vendor_env_is_refused() {
        let e = convert_text("FROM php:8.3-cli\nENV COMPOSER_VENDOR_DIR=/opt/vendor\nWORKDIR /app\nCOPY . .\nRUN composer install --no-scripts\nCMD [\"php\", \"index.php\"]\n").unwrap_err();
        assert!(e.reason.contains("COMPOSER_VENDOR_DIR"), "{e}");
    }

    #[test]
    fn composer_image_copy_is_refused_elsewhere() {
        let e = convert_text("FROM python:3.12\nCOPY --from=composer:2 /usr/bin/composer /usr/bin/composer\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"python\", \"app.py\"]\n").unwrap_err();
        assert!(e.reason.contains("composer"), "{e}");
    }
}
