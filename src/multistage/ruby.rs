//! Ruby with Bundler: the builder is the original stage up to its last
//! `bundle install` (compilers and `-dev` headers for native gems); the
//! runtime, on the same Ruby's slim image with the runtime libraries only
//! (`libpq-dev` → `libpq5`, `build-essential` dropped), gets the directory
//! the gems went to, then the sources.
//!
//! ```text
//! FROM ruby:3.3 AS builder                  FROM ruby:3.3-slim
//! RUN apt-get install build-essential …     RUN apt-get install libpq5
//! COPY Gemfile Gemfile.lock ./              COPY --from=builder /usr/local/bundle /usr/local/bundle
//! RUN bundle install                        COPY . .
//! ```
//!
//! Where the gems go ([`GEM_DIRS`]): `BUNDLE_PATH` when set, else
//! `GEM_HOME`, else the official images' `GEM_HOME`, /usr/local/bundle
//! (which is also their `BUNDLE_APP_CONFIG`: settings travel with the gems).
//! `bundle config`, `--deployment`, `--path` and `BUNDLE_DEPLOYMENT` write
//! settings into the app config that say where the gems are: refused, since
//! a runtime with the gems but without those settings cannot find them.

use super::images::{self, ImageRef};
use super::shell::CmdKind;
use super::{abs, check_override, install_line, packages, push_unique, Analysis, Plan, Refusal};
use crate::model::Op;

// What Bundler is (where gems go, which flags record settings) lives in the
// ecosystem table; this module only plans the split.
use crate::ecosystem::bundler::{GEM_DIRS, IMAGE_GEM_HOME, SETTINGS_FLAGS};

pub(crate) fn plan(a: &Analysis, r: &ImageRef, opts: &super::Options) -> Result<Plan, Refusal> {
    let (mut runtime_base, base_saving) = images::ruby_runtime(r)?;
    if let Some(o) = &opts.runtime_base {
        check_override(o, true, false)?;
        runtime_base = o.clone();
    }
    if let Some(line) = a.user_before_run() {
        return Err(Refusal::new(format!(
            "line {line}: USER before the install steps (gems would be installed per user)"
        )));
    }
    let mut dirs: Vec<String> = Vec::new();
    let mut at_item: Vec<(usize, String)> = Vec::new();
    let mut gem_bundler: Option<usize> = None;
    for (idx, item) in a.items.iter().enumerate() {
        let Some(Op::Run(run)) = &item.step.op else {
            continue;
        };
        let line = item.ins.start_line;
        let var = |c: &super::shell::Cmd, name: &str| -> Option<String> {
            c.var(name).map(str::to_string).or_else(|| {
                run.env
                    .iter()
                    .rev()
                    .find(|(k, _)| **k == *name)
                    .map(|(_, v)| v.to_string())
            })
        };
        for c in &item.cmds {
            match &c.kind {
                CmdKind::Bundle { install: false } => {
                    return Err(Refusal::of_kind(
                        "`bundle config` writes settings the runtime would need",
                        format!(
                            "line {line}: `{}` writes Bundler settings into the app config, outside the gem directory the runtime copies",
                            c.text
                        ),
                    ))
                }
                CmdKind::Bundle { install: true } => {
                    let flag = c.words.iter().find(|w| {
                        SETTINGS_FLAGS
                            .iter()
                            .any(|f| *w == f || w.starts_with(&format!("{f}=")))
                    });
                    if let Some(f) = flag.cloned().or_else(|| {
                        var(c, "BUNDLE_DEPLOYMENT").map(|_| "BUNDLE_DEPLOYMENT".to_string())
                    }) {
                        return Err(Refusal::of_kind(
                            "`bundle install` writes settings the runtime would need",
                            format!(
                                "line {line}: `{f}` makes Bundler record where the gems are in its app config, which the runtime would not have"
                            ),
                        ));
                    }
                    let dir = GEM_DIRS
                        .iter()
                        .find_map(|v| var(c, v).filter(|x| !x.is_empty()))
                        .map(|d| abs(&item.step.cwd, &d))
                        .unwrap_or_else(|| IMAGE_GEM_HOME.to_string());
                    push_unique(&mut dirs, &dir);
                    at_item.push((idx, dir));
                }
                CmdKind::GemBundler => gem_bundler = Some(idx),
                k if k.is_shared_setup() => {}
                k => {
                    return Err(Refusal::new(format!(
                        "line {line}: `{}` is not a Ruby build step ({k:?})",
                        c.text
                    )))
                }
            }
        }
    }
    if dirs.is_empty() {
        return Err(Refusal::new("no `bundle install`: nothing to build"));
    }
    // `gem install bundler` wrote the Bundler the lockfile asks for into
    // GEM_HOME: it travels too when the gems went elsewhere.
    if let Some(idx) = gem_bundler {
        let home = a.items[idx]
            .step
            .op
            .as_ref()
            .and_then(|op| match op {
                Op::Run(run) => run
                    .env
                    .iter()
                    .rev()
                    .find(|(k, _)| &**k == "GEM_HOME")
                    .map(|(_, v)| v.to_string()),
                _ => None,
            })
            .unwrap_or_else(|| IMAGE_GEM_HOME.to_string());
        if !dirs.contains(&home) {
            push_unique(&mut dirs, &home);
            at_item.push((idx, home));
        }
    }
    let distro = Analysis::distro(&r.tag);
    let runtime_distro = Analysis::distro(runtime_base.rsplit_once(':').map_or("", |x| x.1));
    let (runtime_pkgs, moved) = a.package_fates(distro)?;
    if runtime_base == a.base && moved.is_empty() {
        return Err(Refusal::new(format!(
            "nothing to split: `{}` is already the slim image and no build-only packages are installed",
            a.base
        )));
    }
    let runtime_install = (!runtime_pkgs.is_empty()).then(|| {
        format!(
            "# runtime libraries only: compilers and -dev headers stay in the builder\n{}",
            install_line(runtime_distro, &runtime_pkgs)
        )
    });
    let (b, t) = super::split_copying_dirs(a, &runtime_base, runtime_install, &at_item)?;
    let mut notes = vec![format!(
        "the runtime gets {} from the builder: the gems (and the Bundler settings kept there)",
        dirs.join(", ")
    )];
    notes.extend(super::left_in_builder(&moved, &runtime_pkgs));
    Ok(Plan {
        text: format!("{b}{t}"),
        runtime_base,
        estimated_saving_mb: Some(base_saving + packages::build_only_mb(&moved)),
        moved_packages: moved,
        notes,
        changed: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::convert_text;

    #[test]
    fn gems_and_runtime_libraries() {
        let c = convert_text("FROM ruby:3.3\nRUN apt-get update && apt-get install -y build-essential libpq-dev\nWORKDIR /app\nCOPY Gemfile Gemfile.lock ./\nRUN bundle install\nCOPY . .\nCMD [\"bundle\", \"exec\", \"ruby\", \"app.rb\"]\n")
            .unwrap_or_else(|r| panic!("{r}"));
        assert_eq!(c.runtime_base, "ruby:3.3-slim");
        assert!(
            c.text.contains("libpq5") && !c.text.contains("build-essential libpq5"),
            "{}",
            c.text
        );
        assert!(
            c.text
                .contains("COPY --from=builder /usr/local/bundle /usr/local/bundle"),
            "{}",
            c.text
        );
        let c = convert_text("FROM ruby:3.3\nWORKDIR /app\nENV BUNDLE_PATH=vendor/bundle\nRUN apt-get update && apt-get install -y build-essential\nCOPY . .\nRUN gem install bundler -v 2.5.6 && bundle install\nCMD [\"bundle\", \"exec\", \"ruby\", \"app.rb\"]\n")
            .unwrap_or_else(|r| panic!("{r}"));
        assert!(
            c.text
                .contains("COPY --from=builder /app/vendor/bundle /app/vendor/bundle"),
            "{}",
            c.text
        );
        assert!(
            c.text
                .contains("COPY --from=builder /usr/local/bundle /usr/local/bundle"),
            "{}",
            c.text
        );
    }

    #[test]
    fn settings_outside_the_gems_are_refused() {
        for (src, want) in [
            (
                "RUN bundle config set --local path vendor/bundle && bundle install",
                "bundle config",
            ),
            ("RUN bundle install --deployment", "--deployment"),
        ] {
            let e = convert_text(&format!(
                "FROM ruby:3.3\nWORKDIR /app\nCOPY . .\n{src}\nCMD [\"ruby\", \"app.rb\"]\n"
            ))
            .unwrap_err();
            assert!(e.reason.contains(want), "{e}");
        }
    }
}
