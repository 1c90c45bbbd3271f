//! Alpine's apk: system trees only; `--repositories-file`, `--keys-dir` and
//! local `.apk` files are read; `-X`/`--repository` URLs are network.

use super::{read_arg, system, Arg, Cmd, Cx, Effects};

pub(super) fn apply(c: &Cmd, cx: &Cx, fx: &mut Effects) -> bool {
    if c.prog != "apk" {
        return false;
    }
    system(fx);
    // Packages make links in the system folders (busybox's applets).
    fx.package_links = true;
    fx.network = true;
    fx.env_prefix(&[
        "http_", "https_", "HTTP_", "HTTPS_", "no_proxy", "NO_PROXY", "APK_",
    ]);
    let value_opts = [
        "-X",
        "--repository",
        "-t",
        "--virtual",
        "-p",
        "--root",
        "--repositories-file",
        "--keys-dir",
        "--cache-dir",
        "--arch",
    ];
    for a in c.positional_with(&value_opts) {
        match a.str() {
            Some(v) if !(v.contains('/') || v.ends_with(".apk")) => {}
            _ => read_arg(fx, cx, a),
        }
    }
    for opt in [
        "--repositories-file",
        "--keys-dir",
        "-p",
        "--root",
        "--cache-dir",
    ] {
        for v in c.opt_values(&[opt]) {
            let a = Arg::text(v);
            read_arg(fx, cx, &a);
            if !matches!(opt, "--repositories-file" | "--keys-dir") {
                super::write_arg(fx, cx, &a);
            }
        }
    }
    for v in c.opt_values(&["-X", "--repository"]) {
        if let Some(v) = v.filter(|v| !v.contains("://")) {
            read_arg(fx, cx, &Arg::text(Some(v)));
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::testutil::fx;

    #[test]
    fn system_only() {
        let e = fx(
            "apk add --no-cache curl && apk add --virtual .deps gcc",
            &[],
        );
        assert!(!e.unknown && !e.reads_under("/app") && e.writes_under("/usr"));
        assert!(fx("apk add --allow-untrusted ./x.apk", &[]).reads_under("/app/x.apk"));
    }
}
