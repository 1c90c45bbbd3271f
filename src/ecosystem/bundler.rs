//! Bundler: `bundle install` reads Gemfile and Gemfile.lock (`.bundle/config`
//! and `BUNDLE_*` are the effects model's `ruby` family).

use super::{has, opt, sub, Class, Ecosystem, Files, Install};

pub const ECOSYSTEM: Ecosystem = Ecosystem {
    name: "bundler",
    manifests: &["Gemfile"],
    lockfiles: &["Gemfile.lock"],
    effects: "ruby",
    installs: &["bundle install", "bundle install --frozen"],
    caches: &["/usr/local/bundle/cache"],
    install_outputs: &[".bundle", "vendor/bundle"],
    build_outputs: &[],
    runtime_images: &["ruby"],
    toolchain: None,
    git_sources: &[
        ("Gemfile", "git:"),
        ("Gemfile", "github:"),
        ("Gemfile", ":git"),
        ("Gemfile.lock", "GIT\n"),
    ],
    detect,
    classify,
};

/// The official ruby images' gem directory (their `GEM_HOME`, `BUNDLE_APP_CONFIG`).
pub const IMAGE_GEM_HOME: &str = "/usr/local/bundle";

/// Variables naming where Bundler installs, most specific first.
pub const GEM_DIRS: &[&str] = &["BUNDLE_PATH", "GEM_HOME"];

/// Flags that make Bundler record settings (where the gems are) in its app
/// config, outside the gem directory.
pub const SETTINGS_FLAGS: &[&str] = &["--deployment", "--path", "--system"];

fn detect(prog: &str, args: &[&str]) -> Option<&'static [&'static str]> {
    (prog == "bundle" && matches!(sub(args).0, "install" | ""))
        .then_some(&["Gemfile", "Gemfile.lock"][..])
}

fn classify(prog: &str, args: &[&str], files: &dyn Files) -> Option<Class> {
    if !matches!(prog, "bundle" | "bundler") || args.first() != Some(&"install") {
        return None;
    }
    let Some(gemfile) = files.read("Gemfile") else {
        return Some(super::missing("Gemfile"));
    };
    if gemfile.contains("gemspec") || gemfile.contains("path:") || gemfile.contains(":path") {
        return Some(Class::Unsafe(
            "the Gemfile reads a gemspec or local path gems".into(),
        ));
    }
    let lock = opt(files, &["Gemfile.lock"]);
    let rewrite = (!lock.is_empty() && !has(args, &["--frozen", "--deployment"])).then(|| {
        "`bundle install` may rewrite Gemfile.lock, which the later full COPY puts back (--frozen or --deployment makes the split safe)".to_string()
    });
    if files.kind(".bundle").is_some() {
        return Some(Class::Unsafe(
            "the context has a .bundle directory the install also writes".into(),
        ));
    }
    let install = Install {
        eco: "bundler",
        required: vec!["Gemfile".into()],
        optional: lock,
        outputs: vec![".bundle", "vendor/bundle"],
    };
    Some(match rewrite {
        Some(r) => Class::LockMayChange(install, r),
        None => Class::Install(install),
    })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::mem;
    use super::super::{classify, Class};

    #[test]
    fn lock_may_change_without_frozen() {
        let f = mem(&[("Gemfile", "source 'x'\n"), ("Gemfile.lock", "")]);
        assert!(matches!(
            classify(&["bundle", "install"], &f),
            Class::LockMayChange(..)
        ));
        assert!(matches!(
            classify(&["bundle", "install", "--frozen"], &f),
            Class::Install(_)
        ));
    }
}
