//! pip: requirements files (with their `-r`/`-c` includes, resolved
//! relative to the including file as pip's `req_file.py` does), `pip
//! install .` of a local project.

use super::registry::{Dep, Kind, RegistryFile};
use super::{sub, Class, Ecosystem, Files, Install, TwoPhase};
use crate::rewrite::fixes::run_view::is_relative_pathish;

pub const ECOSYSTEM: Ecosystem = Ecosystem {
    name: "pip",
    manifests: &[
        "requirements.txt",
        "pyproject.toml",
        "setup.py",
        "setup.cfg",
    ],
    lockfiles: &[],
    effects: "pip",
    installs: &[
        "pip install -r requirements.txt",
        "python -m pip install -r requirements.txt",
        "pip install .",
    ],
    caches: &["/root/.cache/pip"],
    install_outputs: &[],
    build_outputs: &["build", "dist", "*.egg-info"],
    runtime_images: &["python"],
    toolchain: None,
    git_sources: &[
        ("requirements.txt", "git+"),
        ("pyproject.toml", "git+"),
        ("setup.py", "git+"),
        ("setup.cfg", "git+"),
    ],
    plain_value_flags: &[],
    elsewhere: &[],
    detect,
    classify,
};

/// The variable that turns pip's download cache off. Any value does: pip's
/// option callback for `--no-cache-dir` turns the cache off for false
/// values too (`0`, `false`, `off`: kept for backward compatibility), and a
/// value that is no boolean makes pip exit with an error.
pub const NO_CACHE_ENV: &str = "PIP_NO_CACHE_DIR";

/// `requirements.txt`, `requirements-dev.txt`, `requirements_prod.txt`.
pub fn is_requirements_name(base: &str) -> bool {
    base.starts_with("requirements") && base.ends_with(".txt")
}

/// `pip`, `pip3`, `pip3.12`.
pub fn is_pip(prog: &str) -> bool {
    prog.strip_prefix("pip")
        .is_some_and(|r| r.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

fn is_python(prog: &str) -> bool {
    prog.strip_prefix("python")
        .is_some_and(|r| r.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// pip's own arguments (`pip …`, `python -m pip …`), None for other programs.
pub(super) fn pip_args<'a, 'b>(prog: &str, args: &'a [&'b str]) -> Option<&'a [&'b str]> {
    if is_pip(prog) {
        return Some(args);
    }
    if is_python(prog) && args.len() >= 2 && args[0] == "-m" && is_pip(args[1]) {
        return Some(&args[2..]);
    }
    None
}

fn detect(prog: &str, args: &[&str]) -> Option<&'static [&'static str]> {
    let (s, rest) = sub(pip_args(prog, args)?);
    if s != "install" {
        return None;
    }
    use crate::shell::options::{Parsed, PIP_INSTALL};
    let words: Vec<Option<&str>> = rest.iter().map(|a| Some(*a)).collect();
    let parsed = PIP_INSTALL.parse(&words);
    let given = |name: &str| {
        parsed
            .iter()
            .any(|p| matches!(p, Parsed::Opt { long, .. } if *long == name))
    };
    if given("--requirement") {
        Some(&["requirements.txt"])
    } else if given("--editable") || rest.contains(&".") {
        Some(&["pyproject.toml", "setup.py"])
    } else {
        None
    }
}

fn classify(prog: &str, args: &[&str], files: &dyn Files) -> Option<Class> {
    let own = pip_args(prog, args)?;
    let mut class = install(own, files, "pip")?;
    // `python -m pip`: the first install keeps `-m pip`.
    if let Class::Project(t) = &mut class {
        let lead = &args[..args.len() - own.len()];
        t.pre.splice(0..0, lead.iter().map(|s| s.to_string()));
    }
    Some(class)
}

/// Follows `-r`/`-c` includes of a requirements file; Err on local or editable requirements.
fn requirements(
    path: &str,
    files: &dyn Files,
    seen: &mut Vec<String>,
    depth: usize,
) -> Result<(), String> {
    if seen.iter().any(|s| s == path) {
        return Ok(());
    }
    if depth > 8 {
        return Err("requirements includes nest too deeply".into());
    }
    let Some(text) = files.read(path) else {
        return Err(super::absent(files, path));
    };
    seen.push(path.to_string());
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    };
    for line in text.lines() {
        let line = match line.find(" #") {
            Some(i) => &line[..i],
            None => line,
        }
        .trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let (flag, val) = match words.first().copied() {
            Some(w) if w.starts_with('-') => match w.split_once('=') {
                Some((f, v)) => (f, Some(v)),
                None => (w, words.get(1).copied()),
            },
            _ => ("", None),
        };
        match flag {
            "-r" | "--requirement" | "-c" | "--constraint" => {
                let v = val.ok_or_else(|| format!("{path}: `{line}` has no file"))?;
                if v.contains("://") {
                    return Err(format!("{path} includes a remote file"));
                }
                if v.starts_with('/') {
                    return Err(format!("{path} includes an absolute path {v}"));
                }
                // pip resolves an include relative to the including file.
                let inc = crate::model::path::clean(&format!("{dir}{v}"));
                if inc.starts_with("..") {
                    return Err(format!("{path} includes {v}, outside the project"));
                }
                requirements(&inc, files, seen, depth + 1)?;
            }
            "-e" | "--editable" => {
                return Err(format!(
                    "{path} has an editable requirement (`{line}`), which reads the source tree"
                ))
            }
            "-f" | "--find-links" if !val.is_some_and(|v| v.contains("://")) => {
                return Err(format!("{path} finds links in a local directory"));
            }
            "-i" | "--index-url" | "--extra-index-url"
                if val.is_none_or(|v| v.starts_with("file:") || !v.contains("://")) =>
            {
                return Err(format!(
                    "{path} reads a local package index (`{line}`), which is not copied first"
                ));
            }
            "" if line.starts_with('.')
                || line.starts_with('/')
                || line.starts_with("file:")
                || line.contains("@ file:")
                || line.ends_with(".whl")
                || line.ends_with(".tar.gz") =>
            {
                return Err(format!(
                    "{path} installs a local path (`{line}`), which is not copied first"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// `pip install …` (args after the program); `eco` names it in messages
/// (`uv pip install` shares the grammar).
pub(super) fn install(args: &[&str], files: &dyn Files, eco: &'static str) -> Option<Class> {
    if args.first() != Some(&"install") {
        return None;
    }
    use crate::shell::options::{Parsed, PIP_INSTALL};
    let mut reqs = Vec::new();
    // The project paths (`.`, `./pkg`), by index: installing them needs the sources.
    let mut project: Vec<usize> = Vec::new();
    // Read as pip's optparse reads them (`-Ur req.txt`, `-creq.txt`,
    // `--constr=c.txt`): a file named any way is a file read.
    let words: Vec<Option<&str>> = args[1..].iter().map(|a| Some(*a)).collect();
    for p in PIP_INSTALL.parse(&words) {
        match p {
            Parsed::Opaque(_) => return Some(Class::Other),
            Parsed::Unknown(_) => return Some(Class::Other),
            Parsed::Opt { long, value: v } => match long {
                "--requirement" | "--constraint" => match v.and_then(|v| v.word(&words)) {
                    Some(f) => reqs.push(f.to_string()),
                    None => return Some(Class::Other),
                },
                "--editable" => {
                    return Some(Class::Unsafe(
                        "an editable install reads the source tree".into(),
                    ))
                }
                "--find-links" | "--index-url" | "--extra-index-url" => {
                    let Some(v) = v.and_then(|v| v.word(&words)) else {
                        return Some(Class::Other);
                    };
                    // A remote URL is kept. A directory (or a file: URL) is read
                    // by the install, and the manifest COPY would not bring it.
                    if v.starts_with("file:") || !v.contains("://") {
                        return Some(Class::Unsafe(format!(
                            "`{long} {v}` reads a local directory, which is not copied first"
                        )));
                    }
                }
                "--target" | "--prefix" | "--root" | "--src" | "--dest" | "--wheel-dir"
                | "--python" | "--cert" | "--client-cert" | "--log" | "--report" => {
                    return Some(Class::Other)
                }
                _ => {}
            },
            Parsed::Operand(i) => {
                let Some(pkg) = words[i] else {
                    return Some(Class::Other);
                };
                if pkg == "." || pkg == "./" {
                    project.push(i);
                    continue;
                }
                if is_relative_pathish(pkg) || pkg.starts_with('/') || pkg.contains("file:") {
                    return Some(Class::Unsafe(format!(
                        "`{eco} install {pkg}` installs from the source tree, which is not copied first"
                    )));
                }
                if pkg.contains('$') {
                    return Some(Class::Other);
                }
            }
        }
    }
    // What the first install of a two-phase split runs: the same words
    // without the project.
    let kept: Vec<&str> = std::iter::once("install")
        .chain(
            words
                .iter()
                .enumerate()
                .filter(|(i, _)| !project.contains(i))
                .filter_map(|(_, w)| *w),
        )
        .collect();
    let mut seen = Vec::new();
    for r in &reqs {
        if let Err(e) = requirements(r, files, &mut seen, 0) {
            return Some(Class::Unsafe(e));
        }
    }
    let install = Install {
        eco,
        required: seen,
        optional: Vec::new(),
        outputs: vec![],
    };
    if !project.is_empty() {
        if reqs.is_empty() {
            // No dependency-only form: a manifest-only install before it in
            // the same RUN can still run first.
            return Some(Class::Project(TwoPhase {
                install,
                pre: Vec::new(),
                unsafe_reason: None,
            }));
        }
        // `pip install -r requirements.txt .` → `pip install -r requirements.txt` first.
        return Some(Class::Project(TwoPhase {
            install,
            pre: kept.iter().map(|s| s.to_string()).collect(),
            unsafe_reason: Some(format!(
                "the first `{eco} install` resolves the requirements without the project's own dependency constraints, so it may pick other versions than the single install did"
            )),
        }));
    }
    if reqs.is_empty() {
        return Some(Class::Neutral);
    }
    Some(Class::Install(install))
}

// ---- PyPI: what a requirement downloads (`dockopt estimate --registry`) ----

/// PEP 503's normalized name: lowercase, runs of `-`, `_`, `.` as one `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The packages a requirements file names (not its options, includes, URLs or local paths),
/// normalized, each with its version when pinned with `==`.
pub fn named_requirements(text: &str) -> Vec<Dep> {
    let mut out: Vec<Dep> = Vec::new();
    for line in text.lines() {
        let line = match line.find(" #") {
            Some(i) => &line[..i],
            None => line,
        }
        .trim();
        if line.is_empty()
            || line.starts_with('#')
            || line.starts_with('-')
            || line.starts_with('.')
            || line.starts_with('/')
            || line.contains("://") && !line.contains(" @ ")
        {
            continue;
        }
        let end = line
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or(line.len());
        if end == 0 {
            continue;
        }
        let name = normalize(&line[..end]);
        let mut rest = line[end..].trim_start();
        if rest.starts_with('[') {
            rest = rest.find(']').map_or("", |i| &rest[i + 1..]).trim_start();
        }
        let rest = rest.split(';').next().unwrap_or("").trim();
        let version = rest
            .strip_prefix("==")
            .filter(|v| !v.starts_with('='))
            .map(|v| v.trim().split([',', ' ']).next().unwrap_or("").to_string())
            .filter(|v| !v.is_empty() && !v.contains('*'));
        if !out.iter().any(|d| d.name == name) {
            out.push(Dep {
                kind: Kind::Pypi,
                name,
                version,
            });
        }
    }
    out
}

/// The interpreter a wheel must fit: CPython `major.minor` when the base image says it
/// (`python:3.11-slim`), and whether the C library is musl (Alpine).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PyTarget {
    pub cpython: Option<(u32, u32)>,
    pub musl: bool,
}

/// The target of an image reference: the official `python` image's tag names its version.
pub fn python_target(image: &str) -> PyTarget {
    let last = image.rsplit('/').next().unwrap_or(image);
    let (repo, tag) = last.split_once(':').unwrap_or((last, "latest"));
    let tag = tag.split('@').next().unwrap_or(tag);
    let mut nums = tag
        .split(|c: char| !c.is_ascii_digit())
        .take(2)
        .map(|n| n.parse::<u32>().ok());
    let cpython = match (repo, nums.next().flatten(), nums.next().flatten()) {
        ("python", Some(3), Some(minor)) if tag.starts_with("3.") => Some((3, minor)),
        _ => None,
    };
    PyTarget {
        cpython,
        musl: tag.contains("alpine"),
    }
}

/// The PyPI JSON API's URL for `name` (at `version`, else the project's own page, which
/// names the latest version and lists every release's files).
pub fn pypi_url(base: &str, name: &str, version: Option<&str>) -> String {
    let base = base.trim_end_matches('/');
    match version {
        Some(v) => format!("{base}/{name}/{v}/json"),
        None => format!("{base}/{name}/json"),
    }
}

/// The file pip would download for `version` (else the latest) from a PyPI JSON answer
/// (a version's page or the project's): the best-fitting wheel for `t` on x86_64 Linux —
/// this CPython's own, then the stable ABI's, then a pure-Python one (without a known
/// CPython: pure, else the newest CPython's) — else the source distribution.
pub fn pypi_pick(
    doc: &serde_json::Value,
    version: Option<&str>,
    t: PyTarget,
) -> Option<RegistryFile> {
    let latest = doc["info"]["version"].as_str();
    let version = version.or(latest)?;
    // `urls`: the files of the page's own version (a version's page, or the latest's).
    let files = match doc["urls"].as_array() {
        Some(u) if latest == Some(version) && !u.is_empty() => u,
        _ => doc["releases"][version].as_array()?,
    };
    let mut best: Option<((u32, i64), &str, u64)> = None;
    let mut sdist = None;
    for f in files {
        let (Some(name), Some(size)) = (f["filename"].as_str(), f["size"].as_u64()) else {
            continue;
        };
        if f["packagetype"] == "sdist" {
            sdist.get_or_insert((name, size));
            continue;
        }
        if let Some(rank) = wheel_rank(name, t) {
            if best.is_none_or(|(r, _, _)| rank < r) {
                best = Some((rank, name, size));
            }
        }
    }
    let (file, bytes) = best.map(|(_, n, s)| (n, s)).or(sdist)?;
    Some(RegistryFile {
        version: version.to_string(),
        file: file.to_string(),
        bytes,
    })
}

/// How well wheel `file` fits `t` (lower is better), `None` when pip would not take it.
fn wheel_rank(file: &str, t: PyTarget) -> Option<(u32, i64)> {
    let stem = file.strip_suffix(".whl")?;
    let parts: Vec<&str> = stem.split('-').collect();
    if parts.len() < 5 {
        return None;
    }
    let (py, abi, plat) = (
        parts[parts.len() - 3],
        parts[parts.len() - 2],
        parts[parts.len() - 1],
    );
    let linux = plat.split('.').any(|p| {
        p.ends_with("x86_64")
            && if t.musl {
                p.starts_with("musllinux")
            } else {
                p.starts_with("manylinux") || p == "linux_x86_64"
            }
    });
    if plat != "any" && !linux {
        return None;
    }
    let cps: Vec<i64> = py
        .split('.')
        .filter_map(|p| p.strip_prefix("cp3"))
        .filter_map(|m| m.parse().ok())
        .collect();
    let pure = py.split('.').any(|p| p.starts_with("py3")) && abi == "none";
    match t.cpython {
        Some((_, minor)) => {
            let minor = minor as i64;
            if cps.contains(&minor) && abi != "abi3" {
                Some((0, 0))
            } else if abi == "abi3" && cps.iter().any(|&c| c <= minor) {
                Some((1, 0))
            } else if pure {
                Some((2, 0))
            } else {
                None
            }
        }
        None if pure => Some((0, 0)),
        None => cps.iter().max().map(|&c| (1, -c)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::mem;
    use super::super::{classify, Class};

    #[test]
    fn follows_includes_relative_to_the_including_file() {
        let f = mem(&[
            ("requirements.txt", "-r base.txt\nflask==2\n"),
            ("base.txt", "-c constraints.txt\nrequests\n"),
            ("constraints.txt", "urllib3<2\n"),
        ]);
        match classify(&["pip", "install", "-r", "requirements.txt"], &f) {
            Class::Install(i) => assert_eq!(
                i.required,
                vec!["requirements.txt", "base.txt", "constraints.txt"]
            ),
            c => panic!("{c:?}"),
        }
        let f = mem(&[
            ("requirements/prod.txt", "-r base.txt\n-r ../extra.txt\n"),
            ("requirements/base.txt", "flask\n"),
            ("extra.txt", "x\n"),
        ]);
        match classify(&["pip", "install", "-r", "requirements/prod.txt"], &f) {
            Class::Install(i) => assert_eq!(
                i.required,
                vec![
                    "requirements/prod.txt",
                    "requirements/base.txt",
                    "extra.txt"
                ]
            ),
            c => panic!("{c:?}"),
        }
    }

    #[test]
    fn editable_and_local_are_unsafe() {
        let f = mem(&[("requirements.txt", "-e .\n")]);
        assert!(matches!(
            classify(&["pip", "install", "-r", "requirements.txt"], &f),
            Class::Unsafe(_)
        ));
        assert!(matches!(
            classify(&["pip", "install", "."], &f),
            Class::Project(t) if t.pre.is_empty()
        ));
        assert_eq!(
            classify(&["pip", "install", "--upgrade", "pip"], &f),
            Class::Neutral
        );
    }

    /// `--find-links DIR` on the command line reads DIR: the split is refused
    /// with that reason (it was "not an install" before, so `fix` said
    /// nothing while `check` flagged DO101). A URL is kept like an index.
    #[test]
    fn find_links_to_a_directory_is_unsafe_and_a_url_is_kept() {
        let f = mem(&[("requirements.txt", "flask\n")]);
        for argv in [
            &[
                "pip",
                "install",
                "--no-index",
                "--find-links",
                "./wheels",
                "-r",
                "requirements.txt",
            ][..],
            &[
                "pip",
                "install",
                "--find-links=wheels",
                "-r",
                "requirements.txt",
            ][..],
            &["pip", "install", "-f", "/wheels", "-r", "requirements.txt"][..],
            &[
                "pip",
                "install",
                "--index-url",
                "file:///app/simple",
                "-r",
                "requirements.txt",
            ][..],
        ] {
            match classify(argv, &f) {
                Class::Unsafe(why) => assert!(why.contains("reads a local directory"), "{why}"),
                c => panic!("{argv:?}: {c:?}"),
            }
        }
        match classify(
            &[
                "pip",
                "install",
                "-f",
                "https://example.com/wheels",
                "-r",
                "requirements.txt",
            ],
            &f,
        ) {
            Class::Install(i) => assert_eq!(i.required, vec!["requirements.txt"]),
            c => panic!("{c:?}"),
        }
        // The same options inside the requirements file.
        for text in [
            "--index-url file:///app/simple\nflask\n",
            "--extra-index-url file:./simple\nflask\n",
            "-i simple\nflask\n",
        ] {
            let f = mem(&[("requirements.txt", text)]);
            match classify(&["pip", "install", "-r", "requirements.txt"], &f) {
                Class::Unsafe(why) => assert!(why.contains("local package index"), "{why}"),
                c => panic!("{text:?}: {c:?}"),
            }
        }
        let f = mem(&[(
            "requirements.txt",
            "--extra-index-url https://x/simple\nflask\n",
        )]);
        assert!(matches!(
            classify(&["pip", "install", "-r", "requirements.txt"], &f),
            Class::Install(_)
        ));
    }

    /// Files named the ways optparse reads them: a cluster whose last letter
    /// takes the next word, an attached value, a long prefix. Each is read
    /// as `-r FILE` is; an option pip does not know is not split.
    #[test]
    fn options_are_read_as_optparse_reads_them() {
        let f = mem(&[("requirements.txt", "flask\n"), ("c.txt", "a<2\n")]);
        for line in [
            "pip install -Ur requirements.txt",
            "pip install -qr requirements.txt",
            "pip install -rrequirements.txt",
            "pip install --requirem=requirements.txt",
            "pip install -r requirements.txt -cc.txt",
        ] {
            let argv: Vec<&str> = line.split(' ').collect();
            match classify(&argv, &f) {
                Class::Install(i) => {
                    assert!(i.required.contains(&"requirements.txt".into()), "{line}")
                }
                c => panic!("{line}: {c:?}"),
            }
        }
        let argv = ["pip", "install", "-r", "requirements.txt", "-cc.txt"];
        match classify(&argv, &f) {
            Class::Install(i) => assert!(i.required.contains(&"c.txt".into())),
            c => panic!("{c:?}"),
        }
        let argv = ["pip", "install", "-fwheels", "-r", "requirements.txt"];
        assert!(matches!(classify(&argv, &f), Class::Unsafe(_)));
        for line in [
            "pip install -xr requirements.txt",
            "pip install --req requirements.txt",
        ] {
            let argv: Vec<&str> = line.split(' ').collect();
            assert!(matches!(classify(&argv, &f), Class::Other), "{line}");
        }
    }

    #[test]
    fn requirements_and_project_in_one_install_is_two_phase() {
        let f = mem(&[("requirements.txt", "flask\n")]);
        match classify(
            &[
                "pip",
                "install",
                "--no-cache-dir",
                "-r",
                "requirements.txt",
                ".",
            ],
            &f,
        ) {
            Class::Project(t) => {
                assert_eq!(
                    t.pre,
                    ["install", "--no-cache-dir", "-r", "requirements.txt"]
                );
                assert!(t.unsafe_reason.is_some());
            }
            c => panic!("{c:?}"),
        }
    }
}

#[cfg(test)]
mod registry_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requirements_name_their_packages_and_pins() {
        let text =
            "# top\nFlask==3.0.3  # web\nrequests>=2\nnumpy == 1.26.4 ; python_version > '3'\n\
                    uvicorn[standard]==0.30.1\n-r base.txt\n--index-url https://x\n./local\n\
                    pkg @ https://example.com/pkg.whl\nzope.interface===5\nsix==1.*\nflask==9\n";
        let got: Vec<(String, Option<String>)> = named_requirements(text)
            .into_iter()
            .map(|d| (d.name, d.version))
            .collect();
        let want = [
            ("flask", Some("3.0.3")),
            ("requests", None),
            ("numpy", Some("1.26.4")),
            ("uvicorn", Some("0.30.1")),
            ("pkg", None),
            ("zope-interface", None),
            ("six", None),
        ];
        let want: Vec<(String, Option<String>)> = want
            .iter()
            .map(|(n, v)| (n.to_string(), v.map(str::to_string)))
            .collect();
        assert_eq!(got, want);
        assert_eq!(normalize("Zope__Interface.x"), "zope-interface-x");
    }

    #[test]
    fn the_base_image_names_the_interpreter() {
        let t = |i: &str| python_target(i);
        assert_eq!(
            t("python:3.11-slim-bookworm"),
            PyTarget {
                cpython: Some((3, 11)),
                musl: false
            }
        );
        assert_eq!(
            t("docker.io/library/python:3.12-alpine3.20"),
            PyTarget {
                cpython: Some((3, 12)),
                musl: true
            }
        );
        assert_eq!(t("python:latest").cpython, None);
        assert_eq!(
            t("node:20-alpine"),
            PyTarget {
                cpython: None,
                musl: true
            }
        );
        assert_eq!(t("mypython:3.11").cpython, None);
    }

    fn file(name: &str, size: u64) -> serde_json::Value {
        let kind = if name.ends_with(".whl") {
            "bdist_wheel"
        } else {
            "sdist"
        };
        json!({"filename": name, "size": size, "packagetype": kind})
    }

    #[test]
    fn the_wheel_pip_would_take_else_the_sdist() {
        let files = json!([
            file("numpy-1.26.4.tar.gz", 15_786_129),
            file("numpy-1.26.4-cp311-cp311-win_amd64.whl", 15_811_913),
            file(
                "numpy-1.26.4-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
                14_222_994
            ),
            file(
                "numpy-1.26.4-cp311-cp311-musllinux_1_1_x86_64.whl",
                18_093_567
            ),
            file(
                "numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                17_950_613
            ),
            file(
                "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                18_252_005
            ),
        ]);
        // A project page: the pinned version from `releases`, not the latest's `urls`.
        let project = json!({
            "info": {"version": "2.0.0"},
            "urls": [file("numpy-2.0.0-cp311-cp311-manylinux_2_17_x86_64.whl", 1)],
            "releases": {"1.26.4": files, "2.0.0": []},
        });
        let py311 = PyTarget {
            cpython: Some((3, 11)),
            musl: false,
        };
        let pick = |doc: &serde_json::Value, v: Option<&str>, t: PyTarget| {
            pypi_pick(doc, v, t).map(|f| (f.version, f.file, f.bytes))
        };
        let (v, f, b) = pick(&project, Some("1.26.4"), py311).unwrap();
        assert_eq!((v.as_str(), b), ("1.26.4", 18_252_005), "{f}");
        let musl = PyTarget {
            cpython: Some((3, 11)),
            musl: true,
        };
        assert_eq!(pick(&project, Some("1.26.4"), musl).unwrap().2, 18_093_567);
        // Unknown interpreter: the newest CPython's Linux wheel.
        assert_eq!(
            pick(&project, Some("1.26.4"), PyTarget::default())
                .unwrap()
                .2,
            17_950_613
        );
        // No wheel for this interpreter: the sdist.
        let py39 = PyTarget {
            cpython: Some((3, 9)),
            musl: false,
        };
        assert_eq!(pick(&project, Some("1.26.4"), py39).unwrap().2, 15_786_129);
        // Unpinned: the latest, from `urls`; a version the page does not list: nothing.
        assert_eq!(pick(&project, None, py311).unwrap().0, "2.0.0");
        assert_eq!(pick(&project, Some("0.1"), py311), None);
        // A version's own page (no `releases`); pure and stable-ABI wheels fit any CPython.
        let page = json!({
            "info": {"version": "1.16.0"},
            "urls": [file("six-1.16.0-py2.py3-none-any.whl", 11_053), file("six-1.16.0.tar.gz", 34_041)],
        });
        assert_eq!(pick(&page, Some("1.16.0"), py311).unwrap().2, 11_053);
        let abi3 = json!({
            "info": {"version": "42.0.0"},
            "urls": [file("cryptography-42.0.0-cp39-abi3-manylinux_2_28_x86_64.whl", 4_600_000)],
        });
        assert_eq!(pick(&abi3, None, py311).unwrap().2, 4_600_000);
        assert_eq!(pick(&json!({"urls": []}), None, py311), None);
    }
}
