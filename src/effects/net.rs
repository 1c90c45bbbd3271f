//! Network clients: curl and wget (outputs with `-o`/`-O`/`-P`, config
//! files `~/.curlrc`, `~/.wgetrc`, `/etc/wgetrc`, `@file` data read, proxy
//! variables), and `git clone` (writes the clone directory, reads
//! `~/.gitconfig`, `/etc/gitconfig`, `GIT_*`). Other git commands read the
//! repository found from the cwd upward: this model treats them as unknown.

use super::{read_arg, write_arg, write_cwd, write_rel, Arg, Cmd, Cx, Effects};

pub(super) fn apply(c: &Cmd, cx: &Cx, fx: &mut Effects) -> bool {
    match c.prog {
        "curl" => curl(c, cx, fx),
        "wget" => wget(c, cx, fx),
        "git" => git(c, cx, fx),
        _ => return false,
    }
    true
}

fn proxies(fx: &mut Effects) {
    fx.network = true;
    fx.env_prefix(&[
        "http_",
        "https_",
        "HTTP_",
        "HTTPS_",
        "ftp_",
        "FTP_",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "NO_PROXY",
        "SSL_CERT_",
        "CURL_",
        "WGETRC",
        "GIT_",
        "XDG_CONFIG_HOME",
    ]);
}

fn curl(c: &Cmd, cx: &Cx, fx: &mut Effects) {
    proxies(fx);
    if c.vals().first().is_none_or(|v| *v != Some("-q")) {
        fx.config(&cx.home(".curlrc"));
    }
    for o in c.opt_values(&[
        "-o",
        "--output",
        "-D",
        "--dump-header",
        "-c",
        "--cookie-jar",
        "--trace",
        "--trace-ascii",
        "--stderr",
        "--libcurl",
    ]) {
        match o.as_deref() {
            Some("-" | "/dev/null") => {}
            _ => write_arg(fx, cx, &Arg::text(o)),
        }
    }
    for r in c.opt_values(&[
        "-K",
        "--config",
        "--cacert",
        "--capath",
        "-E",
        "--cert",
        "--key",
        "--netrc-file",
        "-T",
        "--upload-file",
        "-b",
        "--cookie",
    ]) {
        read_arg(fx, cx, &Arg::text(r));
    }
    for d in c.opt_values(&[
        "-d",
        "--data",
        "--data-binary",
        "--data-urlencode",
        "-F",
        "--form",
        "--json",
    ]) {
        match d.as_deref() {
            Some(v) => {
                if let Some(f) = v
                    .split_once('@')
                    .map(|(_, f)| f)
                    .filter(|f| !f.is_empty() && *f != "-")
                {
                    read_arg(
                        fx,
                        cx,
                        &Arg::text(Some(f.split(';').next().unwrap_or(f).to_string())),
                    );
                }
            }
            None => fx.reads = super::PathSet::everything(),
        }
    }
    let remote_name = c.args.iter().filter_map(Arg::str).any(|a| {
        a == "--remote-name"
            || a == "--remote-name-all"
            || (a.starts_with('-') && !a.starts_with("--") && a.contains('O'))
    });
    if remote_name {
        match c.opt_values(&["--output-dir"]).pop() {
            Some(d) => write_arg(fx, cx, &Arg::text(d)),
            None => write_cwd(fx, cx),
        }
    }
}

fn wget(c: &Cmd, cx: &Cx, fx: &mut Effects) {
    proxies(fx);
    fx.config(&cx.home(".wgetrc"));
    fx.config("/etc/wgetrc");
    super::config_from_env(fx, cx, "WGETRC");
    let outputs = c.opt_values(&[
        "-O",
        "--output-document",
        "-o",
        "--output-file",
        "-a",
        "--append-output",
    ]);
    let to_stdout = outputs.iter().any(|o| o.as_deref() == Some("-"));
    for o in outputs {
        if o.as_deref() != Some("-") {
            write_arg(fx, cx, &Arg::text(o));
        }
    }
    for r in c.opt_values(&[
        "-i",
        "--input-file",
        "--ca-certificate",
        "--certificate",
        "--private-key",
        "--load-cookies",
        "--config",
    ]) {
        read_arg(fx, cx, &Arg::text(r));
    }
    match c.opt_values(&["-P", "--directory-prefix"]).pop() {
        Some(d) => write_arg(fx, cx, &Arg::text(d)),
        None if !c.has(&["-O", "--output-document"]) && !to_stdout => write_cwd(fx, cx),
        None => {}
    }
}

fn git(c: &Cmd, cx: &Cx, fx: &mut Effects) {
    proxies(fx);
    fx.config(&cx.home(".gitconfig"));
    fx.config(&cx.home(".config/git"));
    fx.config("/etc/gitconfig");
    fx.config(&cx.home(".ssh"));
    let pos = c.positional_with(&[
        "-b",
        "--branch",
        "--depth",
        "-c",
        "--config",
        "-o",
        "--origin",
        "--reference",
        "--separate-git-dir",
        "-j",
        "--jobs",
        "--filter",
        "-C",
    ]);
    match pos.first().and_then(|a| a.str()) {
        Some("clone") if !c.has(&["-C"]) => {
            match pos.get(2) {
                Some(d) => write_arg(fx, cx, d),
                None => match pos.get(1).and_then(|u| u.str()) {
                    Some(u) => {
                        let name = u
                            .trim_end_matches('/')
                            .rsplit(['/', ':'])
                            .next()
                            .unwrap_or(u);
                        write_rel(fx, cx, name.trim_end_matches(".git"));
                    }
                    None => write_cwd(fx, cx),
                },
            }
            // A local source path is read.
            if let Some(u) = pos.get(1) {
                if u.str()
                    .is_none_or(|v| !v.contains("://") && !v.contains('@'))
                {
                    read_arg(fx, cx, u);
                }
            }
        }
        Some("config") if c.has(&["--global", "--system"]) => {
            fx.write(&cx.home(".gitconfig"));
            fx.write("/etc/gitconfig");
        }
        Some("--version" | "version") => {}
        _ => fx.give_up("this git command works on a repository found from the cwd upward"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::fx;

    #[test]
    fn outputs() {
        let e = fx(
            "curl -fsSL https://x/y.sh -o /tmp/y.sh && wget -q -O /usr/local/bin/z https://z",
            &[],
        );
        assert!(e.network && e.writes_under("/tmp/y.sh") && e.writes_under("/usr/local/bin/z"));
        assert!(!e.writes_under("/app") && !e.unknown);
        assert!(fx("curl -LO https://x/a.tgz", &[]).writes_under("/app/a.tgz"));
        let e = fx("git clone --depth 1 https://github.com/a/b.git /opt/b", &[]);
        assert!(e.writes_under("/opt/b") && !e.writes_under("/app"));
        assert!(fx("git clone https://github.com/a/b.git", &[]).writes_under("/app/b"));
    }
}
