//! Shells run as programs: `sh -c 'TEXT'` is read as a script of its own
//! (in the same cwd and env); `sh script.sh`, `bash x` read the script and,
//! since it is not read here, everything.

use super::{read_arg, Cmd, Cx, Effects};
use crate::shell;

pub(super) fn apply(c: &Cmd, cx: &Cx, fx: &mut Effects) -> bool {
    if !matches!(
        c.prog,
        "sh" | "bash" | "dash" | "ash" | "ksh" | "mksh" | "zsh"
    ) {
        return false;
    }
    let vals = c.vals();
    if let Some(i) = vals.iter().position(|v| *v == Some("-c")) {
        let only_flags = vals[..i]
            .iter()
            .all(|v| v.is_some_and(|v| v.starts_with('-') || v == "pipefail"));
        if let (true, Some(Some(text))) = (only_flags, vals.get(i + 1)) {
            let prefix: Vec<String> = std::iter::once(c.prog.to_string())
                .chain(vals[..=i].iter().map(|v| v.unwrap_or_default().to_string()))
                .collect();
            if let Some(why) = shell::startup_files(&prefix, &|k| cx.env.shell_var(k)) {
                fx.give_up(why);
                return true;
            }
            if let Ok(script) = shell::parse(text, 0) {
                let run = crate::model::RunOp {
                    argv: Vec::new(),
                    heredocs: Vec::new(),
                    env: cx
                        .env
                        .iter()
                        .filter_map(|(k, v)| Some((k.into(), v?.into())))
                        .collect::<Vec<_>>()
                        .into(),
                    cwd: cx.cwd.clone().unwrap_or_else(|| "/".into()),
                    user: if cx.home == "/root" {
                        "root".into()
                    } else {
                        cx.home.trim_start_matches("/home/").to_string()
                    },
                    network: None,
                    security: None,
                    mounts: Vec::new(),
                    mount_stages: Vec::new(),
                };
                let inner = super::of_script(&script, &run, cx.files);
                merge(fx, inner, cx.cwd.is_none());
                return true;
            }
        }
    }
    if let Some(script) = c.positional_with(&["-o", "+o"]).first() {
        read_arg(fx, cx, script);
    }
    fx.give_up(format!(
        "`{}` runs a script this model does not read",
        c.prog
    ));
    true
}

fn merge(fx: &mut Effects, inner: Effects, cwd_unknown: bool) {
    if inner.unknown || cwd_unknown {
        fx.give_up(
            inner
                .why
                .first()
                .cloned()
                .unwrap_or_else(|| "a nested shell in an unknown directory".into()),
        );
    }
    fx.reads.extend(&inner.reads);
    fx.writes.extend(&inner.writes);
    fx.env_read.everything |= inner.env_read.everything;
    fx.env_read.names.extend(inner.env_read.names);
    fx.env_read.prefixes.extend(inner.env_read.prefixes);
    fx.config_files.extend(inner.config_files);
    for (p, by) in inner.named {
        fx.named.entry(p).or_insert(by);
    }
    fx.programs.extend(inner.programs);
    // The links a nested shell makes are in the image as much as its files.
    fx.links.extend(inner.links);
    fx.link_zones.extend(inner.link_zones);
    fx.package_links |= inner.package_links;
    fx.userdb |= inner.userdb;
    fx.umask |= inner.umask;
    fx.network |= inner.network;
}

#[cfg(test)]
mod tests {
    use super::super::testutil::fx;

    #[test]
    fn nested_and_scripts() {
        let e = fx("sh -c 'apt-get update && touch /x'", &[]);
        assert!(!e.unknown && e.writes_under("/x") && !e.reads_under("/app"));
        let e = fx("bash ./setup.sh", &[]);
        assert!(e.unknown && e.reads_under("/app/setup.sh"));
        assert!(fx("./configure", &[]).unknown);
    }

    /// The links a nested shell makes are the RUN's (they were dropped).
    #[test]
    fn nested_links() {
        let e = fx("sh -c 'ln -s /srv/app /app'", &[]);
        assert!(e
            .links
            .iter()
            .any(|(l, t)| l == "/app" && t.as_deref() == Some("/srv/app")));
        assert!(!fx("sh -c 'tar xf a.tar -C /opt/t'", &[])
            .link_zones
            .is_empty());
        assert!(fx("bash -c 'apt-get install -y python3'", &[]).package_links);
    }
}
