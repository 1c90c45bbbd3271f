//! The files a shell reads before the script it is given with `-c`: a
//! startup file brought by a COPY changes what a RUN does even when the
//! script names no file (the RUN cannot move above that COPY).
//!
//! - bash, not invoked as `sh`: `$BASH_ENV` when non-interactive (bash(1),
//!   INVOCATION); `-l`/`--login`: /etc/profile, then ~/.bash_profile,
//!   ~/.bash_login or ~/.profile; `-i`: /etc/bash.bashrc and ~/.bashrc.
//! - sh, dash, ash, ksh, mksh: `-l`: /etc/profile and ~/.profile; `-i`: `$ENV`.
//! - zsh: always /etc/zshenv (or /etc/zsh/zshenv) and `$ZDOTDIR/.zshenv`,
//!   more for login and interactive shells.
//!
//! Each of these files may source any other, so the answer is only whether
//! startup files are read, and which, for the message.

/// Why the shell `prefix` (the argv before the script, ending in `-c`) reads
/// startup files before its script, or None when it reads none. `env` looks
/// a variable up in the RUN's environment.
pub fn startup_files(prefix: &[String], env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let first = prefix.first()?;
    let mut name = first.rsplit('/').next().unwrap_or(first);
    let mut flags = &prefix[1..];
    if name == "busybox" {
        name = flags.first().map(String::as_str).unwrap_or("");
        flags = flags.get(1..).unwrap_or(&[]);
    }
    let (mut login, mut interactive) = (name.starts_with('-'), false);
    let mut it = flags.iter().map(String::as_str);
    while let Some(a) = it.next() {
        match a {
            "-c" => break,
            "--login" => login = true,
            "--noprofile" => login = false,
            "--rcfile" | "--init-file" => {
                it.next();
                interactive = true;
            }
            _ if a.starts_with('-') && !a.starts_with("--") => {
                for ch in a.chars().skip(1) {
                    match ch {
                        'l' => login = true,
                        'i' => interactive = true,
                        // `-o NAME` takes the next word
                        'o' => {
                            it.next();
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    let name = name.trim_start_matches('-');
    match name {
        "zsh" => Some("zsh reads /etc/zshenv and ~/.zshenv before the script".into()),
        _ if login => Some(format!(
            "`{name}` runs as a login shell, which reads /etc/profile and the home directory's profile first"
        )),
        _ if interactive => Some(format!(
            "`{name}` runs as an interactive shell, which reads its rc files first"
        )),
        "bash" => env("BASH_ENV")
            .filter(|v| !v.is_empty())
            .map(|v| format!("bash reads $BASH_ENV ({v}) before the script")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(prefix: &[&str], bash_env: Option<&str>) -> Option<String> {
        let p: Vec<String> = prefix.iter().map(|s| s.to_string()).collect();
        let env = |k: &str| {
            (k == "BASH_ENV")
                .then(|| bash_env.map(str::to_string))
                .flatten()
        };
        startup_files(&p, &env)
    }

    #[test]
    fn plain_shells_read_nothing_first() {
        assert_eq!(why(&["/bin/sh", "-c"], None), None);
        assert_eq!(why(&["/bin/bash", "-o", "pipefail", "-c"], None), None);
        assert_eq!(why(&["/bin/bash", "-eux", "-c"], None), None);
        // BASH_ENV is bash's: sh (dash, or bash as sh) does not read it.
        assert_eq!(why(&["/bin/sh", "-c"], Some("/app/env.sh")), None);
        assert_eq!(why(&["/bin/bash", "-c"], Some("")), None);
    }

    #[test]
    fn login_interactive_bash_env_and_zsh_read_startup_files() {
        for (p, env) in [
            (&["/bin/bash", "-l", "-c"][..], None),
            (&["/bin/bash", "--login", "-c"][..], None),
            (&["/bin/bash", "-eil", "-c"][..], None),
            (&["/bin/sh", "-l", "-c"][..], None),
            (&["busybox", "sh", "-l", "-c"][..], None),
            (&["/bin/bash", "-i", "-c"][..], None),
            (&["/bin/bash", "-c"][..], Some("/app/env.sh")),
            (&["/usr/bin/zsh", "-c"][..], None),
        ] {
            assert!(why(p, env).is_some(), "{p:?} {env:?}");
        }
        assert!(why(&["/bin/bash", "-c"], Some("/app/env.sh"))
            .unwrap()
            .contains("/app/env.sh"));
        assert_eq!(
            why(&["/bin/bash", "--login", "--noprofile", "-c"], None),
            None
        );
    }
}
