//! User and group management: every one changes the user/group database
//! (`/etc/passwd`, `/etc/group`, `/etc/shadow`, `/etc/gshadow`, subuid/subgid)
//! that a later `COPY --chown=name` resolves names against. Home
//! directories are written where the command creates them; commands that
//! re-own a home whose place the command does not name (`usermod -u`,
//! `userdel -r`) write everything.

use super::{write_arg, Arg, Cmd, Cx, Effects, PathSet};

const DB: &[&str] = &[
    "/etc/passwd",
    "/etc/group",
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/subuid",
    "/etc/subgid",
    "/etc/passwd-",
    "/etc/group-",
    "/etc/shadow-",
    "/etc/gshadow-",
    "/etc/.pwd.lock",
];

pub(super) fn apply(c: &Cmd, cx: &Cx, fx: &mut Effects) -> bool {
    let p = c.prog;
    let known = matches!(
        p,
        "useradd"
            | "adduser"
            | "usermod"
            | "userdel"
            | "deluser"
            | "groupadd"
            | "addgroup"
            | "groupmod"
            | "groupdel"
            | "delgroup"
            | "gpasswd"
            | "chpasswd"
            | "passwd"
            | "chsh"
            | "chfn"
            | "newusers"
            | "chage"
            | "chgpasswd"
            | "vipw"
            | "vigr"
    );
    if !known {
        return false;
    }
    fx.userdb = true;
    for f in DB {
        fx.read(f);
        fx.write(f);
    }
    for f in [
        "/etc/login.defs",
        "/etc/default/useradd",
        "/etc/adduser.conf",
        "/etc/skel",
        "/etc/nsswitch.conf",
        "/etc/pam.d",
        "/etc/security",
    ] {
        fx.read(f);
    }
    fx.write("/var/mail");
    fx.write("/var/spool/mail");
    fx.write("/var/log/lastlog");
    fx.write("/var/log/faillog");
    // `useradd -k DIR` / `adduser -k DIR`: the skeleton copied into the home.
    for k in c.opt_values(&["-k", "--skel"]) {
        super::read_arg(fx, cx, &Arg::text(k));
    }
    let homes = c.opt_values(&["-d", "--home", "--home-dir"]);
    let named_home = !homes.is_empty();
    for h in homes {
        write_arg(fx, cx, &Arg::text(h));
    }
    let vals = c.vals();
    match p {
        // The default home: /home/NAME (the last operand is the name;
        // Debian's `adduser USER GROUP` adds to a group and creates nothing).
        "useradd" | "adduser" if !named_home => {
            let base = c
                .opt_values(&["-b", "--base-dir"])
                .pop()
                .flatten()
                .unwrap_or_else(|| "/home".into());
            fx.write(&base);
        }
        "usermod" => {
            let reowns = vals.iter().any(|v| {
                matches!(
                    v,
                    Some(
                        "-u" | "--uid"
                            | "-g"
                            | "--gid"
                            | "-m"
                            | "--move-home"
                            | "-d"
                            | "--home"
                            | "-l"
                            | "--login"
                    )
                )
            });
            if reowns {
                // It re-owns (or moves) the user's home, wherever that is.
                fx.writes = PathSet::everything();
                fx.why.push(format!(
                    "`{p}` re-owns files in a home directory it does not name"
                ));
            }
        }
        "userdel" | "deluser"
            if vals.iter().any(|v| {
                matches!(
                    v,
                    Some("-r" | "--remove" | "--remove-home" | "--remove-all-files")
                )
            }) =>
        {
            fx.writes = PathSet::everything();
        }
        _ => {}
    }
    let _ = cx;
    true
}

#[cfg(test)]
mod tests {
    use super::super::testutil::fx;

    /// The skeleton a home is made from: /etc/skel, or `-k DIR`.
    #[test]
    fn skeleton_named_by_flag() {
        assert!(fx("useradd -m -k /srv/skel app", &[]).reads_under("/srv/skel"));
        assert!(fx("adduser -D -k /srv/skel app", &[]).reads_under("/srv/skel"));
        assert!(!fx("useradd -m app", &[]).reads_under("/srv/skel"));
    }

    #[test]
    fn user_database() {
        let e = fx(
            "groupadd -r app && useradd -r -g app -d /srv/app -m app",
            &[],
        );
        assert!(e.userdb && e.writes_under("/etc/passwd") && e.writes_under("/srv/app"));
        assert!(!e.writes_under("/app") && !e.unknown);
        let e = fx("usermod -u 2000 app", &[]);
        assert!(e.userdb && e.writes.is_everything());
        let e = fx("adduser -D app", &[]);
        assert!(e.writes_under("/home") && !e.writes_under("/app"));
    }
}
