//! Composer: `composer.json` (or `COMPOSER`), `composer.lock`, `auth.json`
//! in the project and in `COMPOSER_HOME` (`~/.composer`, `~/.config/composer`),
//! `COMPOSER_*`. Scripts (without `--no-scripts`) and an optimized or
//! classmap autoloader read the project tree; path, artifact and local-url
//! repositories (`ecosystem::composer::local_repositories`) their folders.

use super::{config_from_env, config_rel, read_cwd, write_rel, Cmd, Cx, Effects};

pub(super) fn apply(c: &Cmd, cx: &Cx, fx: &mut Effects) -> bool {
    if !matches!(c.prog, "composer" | "composer.phar") {
        return false;
    }
    fx.env_prefix(&["COMPOSER", "PHP_", "http_", "https_", "HTTP_", "HTTPS_"]);
    fx.network = true;
    config_from_env(fx, cx, "COMPOSER");
    config_from_env(fx, cx, "COMPOSER_AUTH");
    let home = cx
        .var("COMPOSER_HOME")
        .map(str::to_string)
        .unwrap_or_else(|| cx.home(".composer"));
    for f in ["config.json", "auth.json"] {
        fx.config(&crate::model::path::join_abs(&home, f));
        fx.config(&cx.home(&format!(".config/composer/{f}")));
    }
    fx.read_write(&home);
    fx.read_write(&cx.home(".cache/composer"));
    fx.read("/usr/local/etc/php");
    let vals = c.vals();
    let sub = vals.iter().flatten().find(|v| !v.starts_with('-')).copied();
    match sub {
        Some("install" | "i") => {
            for f in ["composer.json", "composer.lock", "auth.json"] {
                config_rel(fx, cx, f);
            }
            let json = cx.abs("composer.json").and_then(|p| cx.files.read(&p));
            let optimize = c.has(&[
                "-o",
                "--optimize-autoloader",
                "-a",
                "--classmap-authoritative",
            ]);
            let repos = json
                .as_deref()
                .map(crate::ecosystem::composer::local_repositories);
            let reads_tree = json.as_deref().is_none_or(|j| {
                !c.has(&["--no-autoloader"]) && (optimize || j.contains("\"classmap\""))
            }) || !c.has(&["--no-scripts"])
                || matches!(repos, Some(Err(_)));
            if reads_tree {
                read_cwd(fx, cx);
            }
            // Path, artifact and local-url repositories read their folders.
            for r in repos.into_iter().flat_map(|r| r.unwrap_or_default()) {
                super::read_rel(fx, cx, &r.dir);
            }
            let vendor = cx
                .var("COMPOSER_VENDOR_DIR")
                .unwrap_or("vendor")
                .to_string();
            write_rel(fx, cx, &vendor);
            // `composer install` writes a lock only when there is none.
            if super::read_file_rel(cx, "composer.lock").is_none() {
                write_rel(fx, cx, "composer.lock");
            }
        }
        Some("global") => {}
        Some("--version" | "-V" | "config" | "self-update" | "diagnose" | "clear-cache") => {}
        _ => {
            read_cwd(fx, cx);
            super::write_cwd(fx, cx);
            fx.give_up("this composer command may run project scripts this model does not read");
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::testutil::fx_files;

    #[test]
    fn install() {
        let e = fx_files(
            "composer install --no-scripts --no-autoloader",
            &[("/app/composer.json", "{}")],
        );
        assert!(
            e.reads_under("/app/auth.json")
                && !e.reads_under("/app/src")
                && e.reads_env("COMPOSER_AUTH")
        );
        let e = fx_files("composer install", &[("/app/composer.json", "{}")]);
        assert!(e.reads_under("/app/src"));
        let e = fx_files(
            "composer install --no-scripts --no-autoloader",
            &[(
                "/app/composer.json",
                r#"{"repositories":[{"type":"artifact","url":"artifacts/"}]}"#,
            )],
        );
        assert!(e.reads_under("/app/artifacts/lib-1.0.0.zip") && !e.reads_under("/app/src"));
    }
}
