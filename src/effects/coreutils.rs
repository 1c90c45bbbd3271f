//! File utilities (coreutils, busybox, findutils, tar, unzip, sed, tee…):
//! the paths they read and write, by each one's argument grammar.

use super::{read_arg, read_cwd, write_arg, write_cwd, Arg, Cmd, Cx, Effects};

/// Options that take a separate value, per tool (the value is not a path
/// unless the tool's rule below says so).
fn value_opts(prog: &str) -> &'static [&'static str] {
    match prog {
        "cp" | "mv" | "ln" | "install" => &[
            "-t",
            "-S",
            "--suffix",
            "-m",
            "--mode",
            "-o",
            "--owner",
            "-g",
            "--group",
            "--target-directory",
        ],
        "mkdir" => &["-m", "--mode"],
        "chmod" | "chown" | "chgrp" => &["--reference"],
        "head" | "tail" => &["-n", "-c", "--lines", "--bytes"],
        "grep" | "egrep" | "fgrep" => &[
            "-e",
            "-f",
            "-m",
            "-A",
            "-B",
            "-C",
            "--include",
            "--exclude",
            "--regexp",
            "--file",
        ],
        "sed" => &["-e", "-f", "--expression", "--file", "-l"],
        "sort" => &["-o", "-k", "-t", "-S", "-T", "--output", "--key"],
        "cut" => &["-d", "-f", "-c", "-b"],
        "touch" => &["-d", "-t", "-r", "--date", "--reference"],
        "tar" | "bsdtar" => &[
            "-f",
            "--file",
            "-C",
            "--directory",
            "-T",
            "--files-from",
            "-X",
            "--exclude-from",
            "--exclude",
            "--strip-components",
            "--owner",
            "--group",
            "--mode",
            "-I",
            "--use-compress-program",
            "--transform",
        ],
        "unzip" => &["-d", "-x"],
        "stat" => &["-c", "--format", "--printf"],
        "wc" | "cat" | "ls" | "du" | "readlink" | "realpath" | "file" | "rm" | "rmdir" => {
            &["--block-size", "-B"]
        }
        _ => &[],
    }
}

const READERS: &[&str] = &[
    "cat",
    "head",
    "tail",
    "wc",
    "ls",
    "stat",
    "du",
    "readlink",
    "realpath",
    "file",
    "md5sum",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "cksum",
    "diff",
    "cmp",
    "strings",
    "od",
    "xxd",
    "hexdump",
    "less",
    "more",
    "nl",
    "tac",
    "base64",
    "ldd",
    "sort",
    "uniq",
    "cut",
    "paste",
    "comm",
    "join",
    "md5",
    "shasum",
    "zcat",
    "lsattr",
];

const WRITERS: &[&str] = &[
    "rm", "rmdir", "mkdir", "touch", "shred", "unlink", "truncate",
];

/// The user and group database, as name lookups read it (NSS).
const USER_NAMES: &[&str] = &["/etc/passwd", "/etc/group", "/etc/nsswitch.conf"];

/// The local time zone, as the C library's `tzset` reads it (when `TZ` does
/// not name one: `/etc/localtime`; a `TZ` name: under the zoneinfo folder)
/// and Debian's `/etc/timezone`. Tools that print or parse local times read it.
const LOCAL_TIME: &[&str] = &["/etc/localtime", "/etc/timezone", "/usr/share/zoneinfo"];

/// Whether the tool prints or parses local times (`ls -l`'s dates, `date`,
/// `touch -d 12:00`, `find -newermt`, `tar tv`).
fn reads_local_time(prog: &str) -> bool {
    matches!(
        prog,
        "date" | "ls" | "stat" | "find" | "tar" | "bsdtar" | "touch"
    )
}

pub(super) fn apply(c: &Cmd, cx: &Cx, fx: &mut Effects) -> bool {
    let p = c.prog;
    let pos = c.positional_with(value_opts(p));
    match option_files(c) {
        Ok(named) => named.iter().for_each(|a| read_arg(fx, cx, a)),
        Err(why) => {
            fx.give_up(why);
            return true;
        }
    }
    // Tools that turn ids into names or names into ids: `ls -l` and `stat`
    // print owners' names, `find -user app` matches them, `tar` restores
    // and records owners by name. A COPY that brings /etc/passwd changes
    // what they do.
    if matches!(p, "ls" | "stat" | "find" | "tar" | "bsdtar") {
        for f in USER_NAMES {
            fx.read(f);
        }
    }
    if reads_local_time(p) {
        fx.env(&["TZ"]);
        for f in LOCAL_TIME {
            fx.read(f);
        }
    }
    match p {
        _ if READERS.contains(&p) => {
            for a in &pos {
                read_arg(fx, cx, a);
            }
            // With no operand these list the working directory (the others
            // read stdin).
            if pos.is_empty() && matches!(p, "ls" | "du") {
                read_cwd(fx, cx);
            }
            for o in c
                .opt_values(&["-o", "--output"])
                .into_iter()
                .filter(|_| p == "sort")
            {
                write_arg(fx, cx, &Arg::text(o));
            }
        }
        _ if WRITERS.contains(&p) => {
            for a in &pos {
                write_arg(fx, cx, a);
                if p == "rm" || p == "rmdir" {
                    read_arg(fx, cx, a);
                }
            }
        }
        "grep" | "egrep" | "fgrep" => {
            let pattern_in_opt = c.has(&["-e", "-f", "--regexp", "--file"]);
            let files = if pattern_in_opt {
                &pos[..]
            } else {
                pos.get(1..).unwrap_or(&[])
            };
            for a in files {
                read_arg(fx, cx, a);
            }
            for f in c.opt_values(&["-f", "--file"]) {
                read_arg(fx, cx, &Arg::text(f));
            }
            if c.has(&["-r", "-R", "--recursive"]) && files.is_empty() {
                read_cwd(fx, cx);
            }
        }
        "chmod" | "chown" | "chgrp" => {
            let targets = if c.has(&["--reference"]) {
                &pos[..]
            } else {
                pos.get(1..).unwrap_or(&[])
            };
            for a in targets {
                write_arg(fx, cx, a);
                read_arg(fx, cx, a);
            }
            if p != "chmod" {
                for f in USER_NAMES {
                    fx.read(f);
                }
            }
        }
        "cp" | "mv" | "ln" | "install" => copy_like(c, cx, fx, &pos),
        "sed" => return sed(c, cx, fx, &pos),
        "tee" => {
            for a in &pos {
                write_arg(fx, cx, a);
            }
        }
        "tar" | "bsdtar" => return tar(c, cx, fx),
        "unzip" => {
            if let Some(z) = pos.first() {
                read_arg(fx, cx, z);
            }
            let into = match c.opt_values(&["-d"]).pop() {
                Some(d) => Arg::text(d),
                None => Arg::text(Some(".".into())),
            };
            write_arg(fx, cx, &into);
            // An archive may hold symbolic links.
            link_zone(
                fx,
                cx,
                &into,
                "`unzip` extracts an archive, which may hold symbolic links,",
            );
        }
        "gzip" | "gunzip" | "bzip2" | "bunzip2" | "xz" | "unxz" | "zstd" | "unzstd" => {
            let to_stdout = c.has(&["-c", "--stdout", "-t", "--test", "-l", "--list"]);
            for a in &pos {
                read_arg(fx, cx, a);
                if !to_stdout {
                    // Replaced by its (de)compressed sibling: the directory changes.
                    write_arg(fx, cx, &parent_of(a));
                }
            }
        }
        "find" => return find(c, cx, fx),
        // Its local time and `-r FILE`/`-f FILE` are read above.
        "date" => {}
        "test" | "[" | "[[" => {
            let vals = c.vals();
            for (i, v) in vals.iter().enumerate() {
                let file_op = v.is_some_and(|v| {
                    matches!(
                        v,
                        "-e" | "-f"
                            | "-d"
                            | "-r"
                            | "-w"
                            | "-x"
                            | "-s"
                            | "-L"
                            | "-h"
                            | "-b"
                            | "-c"
                            | "-p"
                            | "-S"
                            | "-g"
                            | "-u"
                            | "-k"
                            | "-O"
                            | "-G"
                            | "-N"
                            | "-nt"
                            | "-ot"
                            | "-ef"
                    )
                });
                if file_op {
                    if let Some(a) = c.args.get(i + 1) {
                        read_arg(fx, cx, a);
                    }
                    if matches!(v, Some("-nt" | "-ot" | "-ef")) && i > 0 {
                        read_arg(fx, cx, &c.args[i - 1]);
                    }
                }
            }
        }
        "mktemp" => {
            fx.env(&["TMPDIR"]);
            fx.write("/tmp");
            for a in &pos {
                write_arg(fx, cx, &parent_of(a));
            }
            if c.has(&["-p", "--tmpdir"]) {
                for d in c.opt_values(&["-p", "--tmpdir"]) {
                    write_arg(fx, cx, &Arg::text(d));
                }
            }
        }
        _ => return false,
    }
    true
}

/// `sed [-n] [-i[SUFFIX]] (SCRIPT | -e SCRIPT… | -f FILE…) [FILE…]`: the
/// input files, and what each script names itself (`r FILE`, `w FILE`).
fn sed(c: &Cmd, cx: &Cx, fx: &mut Effects, pos: &[&Arg]) -> bool {
    let from_files = c.opt_values(&["-f", "--file"]);
    let mut scripts = c.opt_values(&["-e", "--expression"]);
    let files = if scripts.is_empty() && from_files.is_empty() {
        scripts.push(pos.first().and_then(|a| a.value.clone()));
        pos.get(1..).unwrap_or(&[])
    } else {
        pos
    };
    for f in &from_files {
        let a = Arg::text(f.clone());
        read_arg(fx, cx, &a);
        // The script file's own commands, when its text is known.
        scripts.push(
            f.as_deref()
                .and_then(|f| cx.abs(f))
                .and_then(|p| cx.files.read(&p)),
        );
    }
    for script in &scripts {
        let Some(script) = script else {
            fx.give_up("a sed script this model cannot read");
            return true;
        };
        match super::sed_script::files(script) {
            Ok(named) => {
                for (names, write) in [(named.reads, false), (named.writes, true)] {
                    for n in names {
                        let a = Arg::text(Some(n));
                        if write {
                            write_arg(fx, cx, &a);
                        } else {
                            read_arg(fx, cx, &a);
                        }
                    }
                }
            }
            Err(why) => {
                fx.give_up(why);
                return true;
            }
        }
    }
    // `-i` edits each file in place (`-i.bak` keeps a copy beside it).
    let mut in_place = false;
    let mut backup = false;
    for a in c
        .args
        .iter()
        .filter_map(Arg::str)
        .take_while(|a| *a != "--")
    {
        if let Some(rest) = a.strip_prefix("--in-place") {
            in_place = true;
            backup |= rest.starts_with('=');
        } else if let Some(short) = a.strip_prefix('-').filter(|s| !s.starts_with('-')) {
            // In a cluster, `i` takes the rest of the word as its suffix.
            if let Some(at) = short
                .find('i')
                .filter(|&at| !short[..at].contains(['e', 'f', 'l']))
            {
                in_place = true;
                backup |= at + 1 < short.len();
            }
        }
    }
    for a in files {
        read_arg(fx, cx, a);
        if in_place {
            write_arg(fx, cx, a);
            if backup {
                write_arg(fx, cx, &parent_of(a));
            }
        }
    }
    true
}

/// Files named by options that compare with or list from a file, by
/// tool: `touch -r F`, `date -r F`/`-f F`, `chmod --reference=F`,
/// `tar -T F`/`-X F`. `--files0-from F` (`wc`, `du`, `sort`) names the
/// files to read inside F: Err, nothing known of them.
fn option_files(c: &Cmd) -> Result<Vec<Arg>, String> {
    let flags: &[&str] = match c.prog {
        "touch" => &["-r", "--reference"],
        "date" => &["-r", "--reference", "-f", "--file"],
        "chmod" | "chown" | "chgrp" | "chcon" | "truncate" => &["--reference"],
        "tar" | "bsdtar" => &["-T", "--files-from", "-X", "--exclude-from"],
        "wc" | "du" | "sort" => {
            if c.has(&["--files0-from"]) {
                return Err(format!(
                    "`{} --files0-from` reads the files a file lists",
                    c.prog
                ));
            }
            &[]
        }
        _ => &[],
    };
    Ok(c.opt_values(flags).into_iter().map(Arg::text).collect())
}

/// The directory an argument's path is in.
fn parent_of(a: &Arg) -> Arg {
    let value = a
        .value
        .as_ref()
        .map(|v| match v.trim_end_matches('/').rsplit_once('/') {
            Some(("", _)) => "/".to_string(),
            Some((d, _)) => d.to_string(),
            None => ".".to_string(),
        });
    Arg {
        value,
        glob: a.glob,
    }
}

/// `cp/mv/ln/install [opts] SRC… DEST`, `-t DIR SRC…`, `install -d DIR…`.
fn copy_like(c: &Cmd, cx: &Cx, fx: &mut Effects, pos: &[&Arg]) {
    let p = c.prog;
    if p == "install" && c.has(&["-d", "--directory"]) {
        for a in pos {
            write_arg(fx, cx, a);
        }
    } else {
        let target_dir = c.opt_values(&["-t", "--target-directory"]).pop();
        let target_dir_given = target_dir.is_some();
        let (srcs, dest): (&[&Arg], Option<Arg>) = match target_dir {
            Some(d) => (pos, Some(Arg::text(d))),
            None if pos.len() == 1 && p == "ln" => (pos, Some(Arg::text(Some(".".into())))),
            None => match pos.split_last() {
                Some((d, s)) => (s, Some((*d).clone())),
                None => (&[], None),
            },
        };
        let symbolic = p == "ln"
            && c.args.iter().filter_map(Arg::str).any(|a| {
                a == "--symbolic" || (a.starts_with('-') && !a.starts_with("--") && a.contains('s'))
            });
        if symbolic {
            record_links(cx, fx, srcs, dest.as_ref(), target_dir_given);
        }
        for s in srcs {
            // A symlink's target is text, not read (a relative one resolves
            // against the link's directory at use time, not now).
            if !symbolic {
                read_arg(fx, cx, s);
            }
            if p == "mv" {
                write_arg(fx, cx, s);
            }
        }
        // `cp -r/-a/-P/-d` copies the links of a tree as links; `mv` moves a
        // path that may be a link (with its target text, relative or not).
        let keeps_links = match p {
            "mv" => true,
            "cp" => {
                let short = |a: &str| a.starts_with('-') && !a.starts_with("--");
                let follows = c.has(&["--dereference"])
                    || c.args
                        .iter()
                        .filter_map(Arg::str)
                        .any(|a| short(a) && a.contains('L'));
                !follows
                    && c.args.iter().filter_map(Arg::str).any(|a| {
                        matches!(
                            a,
                            "--recursive" | "--archive" | "--no-dereference" | "--preserve=links"
                        ) || (a.starts_with('-')
                            && !a.starts_with("--")
                            && a.contains(['r', 'R', 'a', 'P', 'd']))
                    })
            }
            _ => false,
        };
        if let (true, Some(d)) = (keeps_links, dest.as_ref()) {
            let what = if p == "mv" {
                "`mv` moves a path that may be a symbolic link"
            } else {
                "`cp` copies a tree with its symbolic links kept"
            };
            link_zone(fx, cx, d, &format!("{what} to {},", d.str().unwrap_or("?")));
        }
        if let Some(d) = dest {
            write_arg(fx, cx, &d);
        }
    }
    if c.has(&["-o", "--owner", "-g", "--group"]) {
        for f in USER_NAMES {
            fx.read(f);
        }
    }
}

/// Records that links this model cannot name may be made at or under `a`
/// (anywhere, when `a` is not a literal path).
fn link_zone(fx: &mut Effects, cx: &Cx, a: &Arg, what: &str) {
    let dir = a
        .str()
        .filter(|_| !a.glob)
        .and_then(|v| cx.abs(v))
        .unwrap_or_else(|| "/".into());
    fx.link_zones.push((dir, what.to_string()));
}

/// The links `ln -s TARGET… DEST` may make: `DEST` itself when one target
/// is given and no `-t` (unless DEST is a folder), and `DEST/basename` (when
/// DEST is a folder, which this model cannot tell). A link's target is
/// resolved against the link's folder; one that is not literal is unknown.
fn record_links(cx: &Cx, fx: &mut Effects, srcs: &[&Arg], dest: Option<&Arg>, into_dir: bool) {
    use crate::model::path;
    let Some(dest) = dest.and_then(|d| if d.glob { None } else { d.str() }) else {
        // A link somewhere this model cannot name.
        fx.links.push(("/".into(), None));
        return;
    };
    let Some(dest) = cx.abs(dest) else {
        fx.links.push(("/".into(), None));
        return;
    };
    let target_of = |link: &str, s: &Arg| -> Option<String> {
        let t = s.str().filter(|_| !s.glob)?;
        let dir = link
            .rsplit_once('/')
            .map_or("/", |(d, _)| if d.is_empty() { "/" } else { d });
        Some(path::join_abs(dir, t))
    };
    for s in srcs {
        if srcs.len() == 1 && !into_dir {
            fx.links.push((dest.clone(), target_of(&dest, s)));
        }
        match s.str().filter(|_| !s.glob) {
            Some(t) => {
                let link = path::join_abs(&dest, &path::base_name(t));
                let target = target_of(&link, s);
                fx.links.push((link, target));
            }
            None => fx.links.push((dest.clone(), None)),
        }
    }
}

/// `tar`: extract writes into `-C` (or the cwd), create reads its operands there.
fn tar(c: &Cmd, cx: &Cx, fx: &mut Effects) -> bool {
    let vals = c.vals();
    let Some(Some(first)) = vals.first() else {
        return false;
    };
    // Old-style bundled first word (`xzf`), or options.
    let letters: String = if first.starts_with('-') {
        vals.iter()
            .flatten()
            .filter(|a| a.starts_with('-') && !a.starts_with("--"))
            .map(|a| a.trim_start_matches('-'))
            .collect()
    } else {
        first.to_string()
    };
    let long = |f: &str| c.has(&[f]);
    let extract = letters.contains('x') || long("--extract") || long("--get");
    let create = letters.contains('c')
        || long("--create")
        || letters.contains('r')
        || letters.contains('u')
        || long("--append");
    let list = letters.contains('t') || long("--list");
    if !(extract || create || list) {
        return false;
    }
    let mut file: Option<Arg> = c.opt_values(&["-f", "--file"]).pop().map(Arg::text);
    if file.is_none() && !first.starts_with('-') && first.contains('f') {
        file = c.args.get(1).cloned();
    }
    // A short-option cluster ending in `f` (`-xzf FILE`) takes the next word.
    if file.is_none() {
        if let Some(i) = vals.iter().position(|v| {
            v.is_some_and(|v| v.starts_with('-') && !v.starts_with("--") && v.ends_with('f'))
        }) {
            file = c.args.get(i + 1).cloned();
        }
    }
    let base_cx;
    let cx = match c.opt_values(&["-C", "--directory"]).pop() {
        Some(Some(d)) => {
            base_cx = Cx {
                cwd: cx.abs(&d),
                home: cx.home.clone(),
                env: cx.env.clone(),
                files: cx.files,
            };
            &base_cx
        }
        Some(None) => {
            fx.reads = super::PathSet::everything();
            fx.writes = super::PathSet::everything();
            if extract {
                fx.link_zones.push((
                    "/".into(),
                    "`tar x` extracts an archive into a folder this model cannot tell,".into(),
                ));
            }
            return true;
        }
        None => cx,
    };
    fx.env(&["TAPE", "TAR_OPTIONS"]);
    if let Some(f) = &file {
        if f.str() != Some("-") {
            if create {
                write_arg(fx, cx, f);
            } else {
                read_arg(fx, cx, f);
            }
        }
    }
    if extract {
        write_cwd(fx, cx);
        // An archive may hold symbolic links.
        let here = Arg::text(Some(".".into()));
        link_zone(
            fx,
            cx,
            &here,
            "`tar x` extracts an archive, which may hold symbolic links,",
        );
    }
    if create {
        let skip = if first.starts_with('-') { 0 } else { 1 };
        let pos = c.positional_with(value_opts("tar"));
        for a in pos.iter().skip(skip) {
            if Some(a.str()) != file.as_ref().map(|f| f.str()) {
                read_arg(fx, cx, a);
            }
        }
    }
    true
}

/// `find START… EXPR`: reads the start points; `-delete` writes them; `-exec`
/// runs a command this model does not follow.
fn find(c: &Cmd, cx: &Cx, fx: &mut Effects) -> bool {
    let vals = c.vals();
    if vals
        .iter()
        .any(|v| matches!(v, Some("-exec" | "-execdir" | "-ok" | "-okdir")))
    {
        fx.give_up("`find -exec` runs a command this model does not follow");
        return true;
    }
    // `-H`, `-L`, `-P`, `-D OPTS` and `-OLEVEL` come before the start points.
    let mut first = 0;
    while let Some(v) = c.args.get(first).and_then(Arg::str) {
        match v {
            "-H" | "-L" | "-P" => first += 1,
            "-D" => first += 2,
            _ if v.starts_with("-O") => first += 1,
            _ => break,
        }
    }
    let starts: Vec<&Arg> = c
        .args
        .iter()
        .skip(first)
        .take_while(|a| {
            a.str()
                .is_none_or(|v| !v.starts_with('-') && v != "(" && v != "!")
        })
        .collect();
    let deletes = vals.iter().any(|v| matches!(v, Some("-delete")));
    // Tests that compare with a file (`-newer F`, `-samefile F`; `-newerXY F`
    // unless Y is `t`, a date), and actions that write one (`-fprint F`).
    for (i, v) in vals.iter().enumerate() {
        let Some(v) = v else { continue };
        let next = || c.args.get(i + 1).cloned().unwrap_or(Arg::text(None));
        let newer_xy = v
            .strip_prefix("-newer")
            .is_some_and(|xy| xy.len() == 2 && !xy.ends_with('t'));
        if matches!(*v, "-newer" | "-anewer" | "-cnewer" | "-samefile") || newer_xy {
            read_arg(fx, cx, &next());
        } else if matches!(*v, "-fprint" | "-fprint0" | "-fprintf" | "-fls") {
            write_arg(fx, cx, &next());
        } else if *v == "-files0-from" {
            fx.give_up("`find -files0-from` starts from paths listed in a file");
            return true;
        }
    }
    if starts.is_empty() {
        read_cwd(fx, cx);
        if deletes {
            write_cwd(fx, cx);
        }
    }
    for a in starts {
        read_arg(fx, cx, a);
        if deletes {
            write_arg(fx, cx, a);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::testutil::fx;

    #[test]
    fn path_grammar() {
        let e = fx(
            "cp -r src/ /opt/x && mv a.txt /tmp/ && chmod +x run.sh && mkdir -p /data",
            &[],
        );
        assert!(e.reads_under("/app/src") && e.writes_under("/opt/x"));
        assert!(e.reads_under("/app/a.txt") && e.writes_under("/app/a.txt"));
        assert!(e.writes_under("/app/run.sh") && e.writes_under("/data"));
        assert!(!e.writes_under("/srv") && !e.unknown);
        let e = fx("ln -s /usr/bin/python3 /usr/local/bin/python", &[]);
        assert!(!e.reads_under("/usr/bin/python3") && e.writes_under("/usr/local/bin/python"));
        let e = fx("sed -i 's/a/b/' /etc/conf && echo x | tee -a /etc/y", &[]);
        assert!(e.writes_under("/etc/conf") && e.writes_under("/etc/y"));
        let e = fx("tar -xzf /tmp/a.tgz -C /opt", &[]);
        assert!(e.reads_under("/tmp/a.tgz") && e.writes_under("/opt") && !e.writes_under("/app"));
        let e = fx("tar xzf a.tgz", &[]);
        assert!(e.reads_under("/app/a.tgz") && e.writes_under("/app"));
        let e = fx("find /usr/local -name '*.pyc' -delete", &[]);
        assert!(e.writes_under("/usr/local") && !e.writes_under("/app"));
        assert!(fx("find . -exec rm {} +", &[]).unknown);
        let e = fx(
            "rm -rf /var/lib/apt/lists/* && [ -f /etc/x ] && chown -R app /data",
            &[],
        );
        assert!(e.writes_under("/var/lib/apt/lists") && e.reads_under("/etc/x"));
        assert!(e.reads_under("/etc/passwd") && e.writes_under("/data"));
        let e = fx("unzip /tmp/x.zip -d /opt/x && cat *.txt", &[]);
        assert!(e.writes_under("/opt/x") && e.reads_under("/app"));
    }

    /// Owner names come from the user database: `ls -l`, `stat`, `find
    /// -user`, `tar` read it; `cat` and `cp` do not (what every RUN reads
    /// for its USER is `EVERY_RUN_READS`, the hazard check's).
    #[test]
    fn owner_names_read_the_user_database() {
        for c in [
            "ls -l /data > /l",
            "stat -c %U /data",
            "find /data -user app",
            "tar -xf /x.tar -C /data",
        ] {
            assert!(fx(c, &[]).reads_under("/etc/passwd"), "{c}");
        }
        for c in ["cat /data/x", "cp -a /data /data2"] {
            assert!(!fx(c, &[]).reads_under("/etc/passwd"), "{c}");
        }
    }

    /// Local times are printed and parsed in the time zone of
    /// /etc/localtime: `date`, `ls -l`, `touch -d` read it; `cat` does not.
    /// `whoami` prints a name from the user database.
    #[test]
    fn local_time_and_user_names() {
        for c in [
            "date -d @0 +%H > /h",
            "ls -l /data > /l",
            "touch -d 12:00 /x",
            "find / -newermt 2024-01-01",
        ] {
            let e = fx(c, &[]);
            assert!(e.reads_under("/etc/localtime") && e.reads_env("TZ"), "{c}");
        }
        assert!(!fx("cat /data/x", &[]).reads_under("/etc/localtime"));
        assert!(fx("whoami > /u", &[]).reads_under("/etc/passwd"));
    }

    /// Files named inside a sed script (`r`, `w`, `s///w`), and scripts that
    /// run commands (`e`); find's options before its start points and its
    /// file-valued tests; options that name a reference or list file.
    #[test]
    fn files_named_by_scripts_and_options() {
        let e = fx("echo MARK | sed '/MARK/r /srv/extra.txt' > /out.txt", &[]);
        assert!(e.reads_under("/srv/extra.txt") && !e.unknown);
        let e = fx("sed --expression='1r /srv/x' /etc/passwd > /o", &[]);
        assert!(e.reads_under("/srv/x") && e.reads_under("/etc/passwd"));
        let e = fx("sed -n '/root/w /srv/roots.txt' /etc/passwd", &[]);
        assert!(e.writes_under("/srv/roots.txt") && !e.writes_under("/etc/passwd"));
        assert!(fx("sed -e 's/x/date/e' /etc/x", &[]).unknown);
        assert!(fx("sed -f script.sed in.txt", &[]).unknown);
        let e = fx("sed -i.bak 's/a/b/' /etc/conf", &[]);
        assert!(e.writes_under("/etc/conf") && e.writes_under("/etc"));
        let e = fx("sed -i 's/a/b/' /etc/conf", &[]);
        assert!(e.writes_under("/etc/conf") && !e.writes_under("/etc/other"));
        for c in [
            "find -L /srv -type f",
            "find -H /srv",
            "find -O3 -P /srv -name x",
        ] {
            let e = fx(c, &[]);
            assert!(e.reads_under("/srv") && !e.reads_under("/app"), "{c}");
        }
        for c in [
            "find /etc -newer /srv/extra.txt",
            "find /etc -samefile /srv/extra.txt",
            "find /etc -newermm /srv/extra.txt",
            "touch -r /srv/extra.txt /stamp",
            "touch --reference=/srv/extra.txt /stamp",
            "date -r /srv/extra.txt +%s",
            "chmod --reference=/srv/extra.txt /x",
            "tar -cf /o.tar -T /srv/extra.txt",
        ] {
            assert!(fx(c, &[]).reads_under("/srv/extra.txt"), "{c}");
        }
        assert!(!fx("find /etc -newermt 2024-01-01", &[]).reads_under("/app/2024-01-01"));
        let e = fx("find /etc -name x -fprint /srv/found", &[]);
        assert!(e.writes_under("/srv/found") && !e.writes_under("/etc"));
        assert!(fx("wc --files0-from=/srv/list", &[]).unknown);
        assert!(
            fx("apk add --allow-untrusted -U /srv/pkgs/x.apk", &[]).reads_under("/srv/pkgs/x.apk")
        );
    }

    /// `cd DIR` needs DIR to exist, and `ls`/`du` alone list the cwd: a RUN
    /// like `cd /srv && ls` cannot move above the COPY that creates /srv.
    #[test]
    fn cd_and_bare_listing_read_their_directory() {
        let e = fx("cd /srv && ls", &[]);
        assert!(e.reads_under("/srv") && !e.reads_under("/opt"));
        assert!(fx("du", &[]).reads_under("/app"));
        assert!(fx("cd /srv/x", &[]).reads_under("/srv/x"));
        assert!(fx("cd \"$DIR\"", &[]).reads_under("/opt"));
    }
}
