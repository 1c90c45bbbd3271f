//! Bundler and RubyGems: `Gemfile` (or `BUNDLE_GEMFILE`), `Gemfile.lock`,
//! `gems.rb`/`gems.locked`, `.bundle/config` in the project and
//! `~/.bundle/config` (or `BUNDLE_APP_CONFIG`), `BUNDLE_*`, `GEM_*`,
//! `~/.gemrc`, `/etc/gemrc`. A Gemfile with code that may read other files
//! (`gemspec`, `path:` gems, `ruby file:`, `File.read`…: see
//! `ecosystem::bundler::gemfile_reads_files`), or one this model cannot
//! read, reads the project tree; `bundle install` also reads and writes the
//! app cache (`BUNDLE_CACHE_PATH`, else `vendor/cache`).

use super::{
    config_from_env, config_rel, read_arg, read_cwd, read_rel, write_rel, Cmd, Cx, Effects,
};

pub(super) fn apply(c: &Cmd, cx: &Cx, fx: &mut Effects) -> bool {
    let bundle = matches!(c.prog, "bundle" | "bundler");
    if !bundle && c.prog != "gem" {
        return false;
    }
    fx.env_prefix(&[
        "BUNDLE_", "GEM_", "RUBY", "http_", "https_", "HTTP_", "HTTPS_", "MAKE", "CC", "CFLAGS",
    ]);
    fx.network = true;
    fx.config(&cx.home(".gemrc"));
    fx.config("/etc/gemrc");
    fx.config("/usr/local/etc/gemrc");
    for s in [
        "/usr/local/bundle",
        "/usr/local/lib/ruby",
        "/var/lib/gems",
        "/usr/lib/ruby",
        "/usr/local/bin",
        "/tmp",
    ] {
        fx.read_write(s);
    }
    fx.read_write(&cx.home(".gem"));
    fx.read_write(&cx.home(".bundle"));
    let vals = c.vals();
    let sub = vals.iter().flatten().find(|v| !v.starts_with('-')).copied();
    if bundle {
        config_from_env(fx, cx, "BUNDLE_GEMFILE");
        config_from_env(fx, cx, "BUNDLE_APP_CONFIG");
        for f in [
            "Gemfile",
            "Gemfile.lock",
            "gems.rb",
            "gems.locked",
            ".bundle/config",
        ] {
            config_rel(fx, cx, f);
        }
        fx.config(&cx.home(".bundle/config"));
        fx.config("/usr/local/bundle/config");
        // `--gemfile F` names the Gemfile (and the lock beside it) as
        // BUNDLE_GEMFILE does.
        let flag_gemfile = c.opt_values(&["--gemfile"]).pop();
        if let Some(g) = &flag_gemfile {
            let a = super::Arg::text(g.clone());
            super::read_arg(fx, cx, &a);
            if let Some(g) = g {
                super::read_arg(fx, cx, &super::Arg::text(Some(format!("{g}.lock"))));
                write_rel(fx, cx, &format!("{g}.lock"));
            }
        }
        match sub {
            Some("install") | None => {
                let gemfile = flag_gemfile
                    .as_ref()
                    .and_then(|g| g.as_deref())
                    .or(cx.var("BUNDLE_GEMFILE"))
                    .unwrap_or("Gemfile");
                let local = cx
                    .abs(gemfile)
                    .and_then(|p| cx.files.read(&p))
                    .is_none_or(|t| crate::ecosystem::bundler::gemfile_reads_files(&t).is_some());
                if local {
                    read_cwd(fx, cx);
                }
                // The app cache (`BUNDLE_CACHE_PATH`, else vendor/cache,
                // beside the Gemfile): gems are installed from it first, and
                // cached into it when it exists.
                fx.env(&["BUNDLE_CACHE_PATH"]);
                let root = gemfile.rsplit_once('/').map(|(d, _)| d).unwrap_or(".");
                let cache = cx
                    .var("BUNDLE_CACHE_PATH")
                    .filter(|v| !v.is_empty())
                    .unwrap_or(crate::ecosystem::bundler::APP_CACHE);
                let cache = if cache.starts_with('/') {
                    cache.to_string()
                } else {
                    format!("{root}/{cache}")
                };
                read_rel(fx, cx, &cache);
                write_rel(fx, cx, &cache);
                write_rel(fx, cx, ".bundle");
                write_rel(fx, cx, "vendor/bundle");
                if !c.has(&["--frozen", "--deployment"]) {
                    write_rel(fx, cx, "Gemfile.lock");
                }
            }
            Some("config") => {
                write_rel(fx, cx, ".bundle");
            }
            Some("--version" | "version") => {}
            _ => fx.give_up("this bundler command runs project code this model does not read"),
        }
    } else {
        match sub {
            Some("install" | "i" | "update") => {
                for a in c
                    .positional_with(&[
                        "-v",
                        "--version",
                        "-i",
                        "--install-dir",
                        "-n",
                        "--bindir",
                        "--source",
                        "-s",
                        "--platform",
                    ])
                    .into_iter()
                    .skip(1)
                {
                    if a.str()
                        .is_none_or(|v| v.ends_with(".gem") || v.contains('/'))
                    {
                        read_arg(fx, cx, a);
                    }
                }
                if c.has(&["-g", "--file"]) {
                    read_cwd(fx, cx);
                }
                // RubyGems looks for the gem among the `*.gem` files of the
                // cwd before the remote source (Gem::Source::Local), unless
                // told to use the remote one alone.
                if !c.has(&["-r", "--remote"]) {
                    match cx.cwd.as_deref().and_then(|d| cx.files.list(d)) {
                        Some(names) => {
                            for n in names.iter().filter(|n| n.ends_with(".gem")) {
                                read_rel(fx, cx, n);
                            }
                        }
                        None => read_cwd(fx, cx),
                    }
                }
                for d in c.opt_values(&["-i", "--install-dir", "-n", "--bindir"]) {
                    super::write_arg(fx, cx, &super::Arg::text(d));
                }
            }
            Some("env" | "list" | "sources") | None => {}
            _ => fx.give_up("this gem command runs code this model does not read"),
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{fx, fx_files};

    /// `bundle install --gemfile F` reads F and the lock beside it.
    #[test]
    fn gemfile_named_by_flag() {
        for c in [
            "bundle install --gemfile /srv/deps/Gemfile",
            "bundle install --gemfile=/srv/deps/Gemfile",
        ] {
            let e = fx(c, &[]);
            assert!(
                e.reads_under("/srv/deps/Gemfile") && e.reads_under("/srv/deps/Gemfile.lock"),
                "{c}"
            );
        }
    }

    /// `gem install NAME` installs a `NAME-*.gem` of the cwd when there is
    /// one (Gem::Source::Local reads `Dir["*.gem"]`), the remote gem
    /// otherwise; `--remote` skips the cwd.
    #[test]
    fn gem_install_reads_the_cwd_s_gem_files() {
        let e = fx_files(
            "gem install bundler",
            &[("/app/bundler-9.gem", ""), ("/app/app.rb", "")],
        );
        assert!(e.reads_under("/app/bundler-9.gem") && !e.reads_under("/app/app.rb"));
        let e = fx_files(
            "gem install --remote bundler",
            &[("/app/bundler-9.gem", "")],
        );
        assert!(!e.reads_under("/app/bundler-9.gem"));
        // files not known: the whole cwd
        assert!(fx("gem install bundler", &[]).reads_under("/app/app.rb"));
    }

    #[test]
    fn bundler() {
        let e = fx_files(
            "bundle install --deployment",
            &[("/app/Gemfile", "source 'x'\ngem 'rails'\n")],
        );
        assert!(e.reads_under("/app/Gemfile.lock") && e.reads_under("/app/.bundle/config"));
        assert!(!e.reads_under("/app/app") && e.reads_env("BUNDLE_WITHOUT"));
        assert!(fx("bundle install", &[]).reads_under("/app/app"));
        assert!(e.reads_under("/app/vendor/cache/rack-3.0.0.gem"));
        let e = fx_files(
            "bundle install --frozen",
            &[(
                "/app/Gemfile",
                "ruby File.read(File.join(__dir__, \".ruby-version\"))\n",
            )],
        );
        assert!(e.reads_under("/app/.ruby-version"));
        let e = fx("bundle install --frozen", &[("BUNDLE_CACHE_PATH", "gems")]);
        assert!(e.reads_under("/app/gems/rack.gem") && e.reads_env("BUNDLE_CACHE_PATH"));
        let e = fx_files("gem install bundler -v 2.4", &[("/app/app.rb", "")]);
        assert!(!e.reads_under("/app/Gemfile") && !e.unknown);
    }
}
