//! The case generator: small Dockerfiles and contexts drawn from the hazard vocabulary of
//! issue 11, deterministic in (seed, index).
//!
//! Biased two ways at once: most cases have a shape `dockopt fix` wants to rewrite (a full
//! `COPY . <dest>` followed by installs: DO101 manifest-first, DO102 reorder, DO104 a lone
//! `apt-get update`), and many of those carry a trap that makes the naive rewrite wrong (the
//! install reads a config file the COPY brings or an ENV points into the copy, a user database
//! change before a `COPY --chown` resolves, a write under the copy destination, a manifest that
//! includes another file or is a symlink, local paths in requirements, npm `file:` deps and
//! postinstall scripts). The generator tracks enough state (cwd, copy destination, users,
//! context files) that the original almost always builds.
//!
//! Symbolic links not made in the RUN that reads through them (session 9) are drawn from a
//! second stream of the same (seed, index), so the other draws of a case are what they were:
//! a link into the copy destination made by `ln -s`, `tar x`, `cp -a` or `mv` before the full
//! COPY, or one the full COPY brings from the context; a later COPY lands through it, then a
//! RUN reads the file by the link target's name.

use super::case::{Case, Entry};
use super::rng::Rng;

/// The fuzz base image (`images.sh`).
pub const BASE: &str = "dockopt-fuzz/base:v1";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Pip,
    Npm,
    Poetry,
    Plain,
}

struct Gen<'r> {
    r: &'r mut Rng,
    case: Case,
    lines: Vec<String>,
    kind: Kind,
    /// The current WORKDIR (`/` before any).
    cwd: String,
    /// Where the whole context was copied (absolute, no trailing `/`), once it was.
    dest: Option<String>,
    /// Users that exist in the image at this point.
    users: Vec<&'static str>,
    /// The requirements file (context path) pip installs from.
    req: Option<&'static str>,
    /// Whether RUNs run as root (they may write system paths).
    root: bool,
    /// The link hazard of this case (see the module doc), drawn from its own stream.
    link: Option<usize>,
}

/// Generates case `index` of `seed`.
pub fn generate(seed: u64, index: u64) -> Case {
    let mut r = Rng::for_case(seed, index);
    let mut lk = Rng::for_case(seed ^ 0x6c69_6e6b_7321, index);
    let link = lk.chance(30).then(|| lk.below(5));
    let kind = match r.weighted(&[45, 25, 12, 18]) {
        0 => Kind::Pip,
        1 => Kind::Npm,
        2 => Kind::Poetry,
        _ => Kind::Plain,
    };
    let mut g = Gen {
        r: &mut r,
        case: Case::default(),
        lines: vec![format!("FROM {BASE}")],
        kind,
        cwd: "/".into(),
        dest: None,
        users: vec!["root", "app"],
        req: None,
        root: true,
        link,
    };
    g.context();
    g.dockerfile();
    let mut case = g.case;
    case.dockerfile = g.lines.join("\n") + "\n";
    case
}

fn abs_dest(arg: &str, cwd: &str) -> String {
    let t = arg.trim_end_matches('/');
    let p = if arg.starts_with('/') {
        t.to_string()
    } else if t.is_empty() || t == "." {
        cwd.to_string()
    } else {
        format!(
            "{}/{}",
            cwd.trim_end_matches('/'),
            t.trim_start_matches("./")
        )
    };
    if p.is_empty() {
        "/".into()
    } else {
        p
    }
}

impl Gen<'_> {
    fn line(&mut self, l: impl Into<String>) {
        self.lines.push(l.into());
    }

    // ---- context ------------------------------------------------------------------------------

    fn context(&mut self) {
        self.case.file("app.py", "print('hi')\n");
        match self.kind {
            Kind::Pip => self.pip_context(),
            Kind::Npm => self.npm_context(),
            Kind::Poetry => self.poetry_context(),
            Kind::Plain => {
                self.case.file("run.sh", "#!/bin/sh\necho run\n");
            }
        }
        if self.r.chance(35) {
            self.case.file("tmp/junk.txt", "junk\n");
        }
        if self.r.chance(25) {
            self.case.file("data/seed.txt", "seed\n");
        }
        if self.r.chance(20) {
            self.case.file(
                "setup.sh",
                "#!/bin/sh\nset -e\ncat app.py > /etc/app-setup\n",
            );
        }
        if self.r.chance(20) {
            self.case.file("src/main.py", "import app\n");
        }
        if self.r.chance(8) {
            self.case.file(".dockerignore", "tmp\n");
        }
        if self.link.is_some() {
            self.case.file("note.conf", "note v1\n");
        }
        if self.link == Some(4) {
            self.case.link("shared", "/srv/shared");
        }
    }

    /// Before the full COPY to `dest`: a link `dest/shared` → /srv/shared, made as variant
    /// `v` says (as root only).
    fn link_maker(&mut self, dest: &str) {
        let d = dest.trim_end_matches('/');
        let make = match self.link {
            Some(0) => format!("ln -s /srv/shared {d}/shared"),
            Some(1) => format!(
                "mkdir -p /tmp/t && ln -s /srv/shared /tmp/t/shared && tar cf /tmp/t.tar -C /tmp/t shared && tar xf /tmp/t.tar -C {d} && rm -rf /tmp/t /tmp/t.tar"
            ),
            Some(2) => format!(
                "mkdir -p /tmp/t && ln -s /srv/shared /tmp/t/shared && cp -a /tmp/t/shared {d}/shared && rm -rf /tmp/t"
            ),
            Some(3) => format!("ln -s /srv/shared /tmp/shared && mv /tmp/shared {d}/shared"),
            _ => return,
        };
        self.line(format!("RUN mkdir -p /srv/shared {d} && {make}"));
    }

    /// After the full COPY to `dest` (which brought the link in variant 4): a COPY lands
    /// through `dest/shared`, then a RUN reads the note by the link target's name. (BuildKit
    /// follows a link on a COPY's destination path, but fails to copy a folder onto one: the
    /// full COPY brings no `shared/` folder.)
    fn link_reader(&mut self, dest: &str) {
        if self.link.is_none() || !self.root {
            return;
        }
        let d = dest.trim_end_matches('/');
        self.line(format!("COPY note.conf {d}/shared/note.conf"));
        self.line("RUN cat /srv/shared/note.conf > /tmp/note-seen || true");
    }

    fn pip_context(&mut self) {
        let req = match self.r.weighted(&[20, 14, 10, 14, 16, 10, 10, 6]) {
            0 => {
                self.case.file("requirements.txt", "flask\nrequests\n");
                "requirements.txt"
            }
            1 => {
                self.case.file("requirements.txt", "-r base.txt\nflask\n");
                self.case.file("base.txt", "requests\n");
                "requirements.txt"
            }
            2 => {
                self.case
                    .file("requirements.txt", "-c constraints.txt\nflask\n");
                self.case.file("constraints.txt", "flask==3.0.0\n");
                "requirements.txt"
            }
            3 => {
                self.case
                    .file("requirements.txt", "-r requirements/prod.txt\n");
                self.case
                    .file("requirements/prod.txt", "-r common.txt\ngunicorn\n");
                self.case.file("requirements/common.txt", "flask\n");
                "requirements.txt"
            }
            4 => {
                self.case.link("requirements.txt", "reqs/base.txt");
                self.case.file("reqs/base.txt", "flask\n");
                "requirements.txt"
            }
            5 => {
                self.case.file("requirements.txt", "-e .\nflask\n");
                self.case
                    .file("setup.py", "from setuptools import setup\nsetup()\n");
                "requirements.txt"
            }
            6 => {
                self.case.file("requirements.txt", "./libs/x\nflask\n");
                self.case
                    .file("libs/x/setup.py", "from setuptools import setup\n");
                "requirements.txt"
            }
            _ => {
                self.case
                    .file("requirements/dev.txt", "-r ../base.txt\npytest\n");
                self.case.file("base.txt", "flask\n");
                "requirements/dev.txt"
            }
        };
        self.req = Some(req);
        if self.r.chance(20) {
            // Read only when $HOME is the copy destination (`ENV HOME=`, or USER app in its home).
            self.case
                .file(".config/pip/pip.conf", "[global]\nno-cache-dir = true\n");
        }
        if self.r.chance(45) {
            let conf = if self.r.chance(60) {
                "[global]\nno-cache-dir = true\n"
            } else {
                "[global]\nindex-url = https://pypi.example.invalid/simple\n"
            };
            self.case.file("pip.conf", conf);
        }
    }

    fn npm_context(&mut self) {
        self.case.file("index.js", "console.log('hi')\n");
        let pkg = match self.r.weighted(&[50, 25, 25]) {
            0 => r#"{"name":"app","dependencies":{"left-pad":"1.3.0"}}"#.to_string(),
            1 => {
                self.case
                    .file("scripts/post.sh", "#!/bin/sh\ncat index.js > built.txt\n");
                r#"{"name":"app","scripts":{"postinstall": "sh scripts/post.sh"}}"#.to_string()
            }
            _ => {
                self.case
                    .file("libs/util/package.json", r#"{"name":"util"}"#);
                r#"{"name":"app","dependencies":{"util":"file:./libs/util"}}"#.to_string()
            }
        };
        self.case.file("package.json", &(pkg + "\n"));
        if self.r.chance(60) {
            self.case
                .file("package-lock.json", "{\"lockfileVersion\":3}\n");
        }
        if self.r.chance(45) {
            let rc = *self.r.pick(&[
                "cache=/tmp/npm-cache\n",
                "save-exact=true\n",
                "registry=https://npm.example.invalid/\n",
            ]);
            self.case.file(".npmrc", rc);
        }
    }

    fn poetry_context(&mut self) {
        self.case
            .file("pyproject.toml", "[tool.poetry]\nname = \"app\"\n");
        if self.r.chance(70) {
            self.case.file("poetry.lock", "# lock\n");
        }
        if self.r.chance(55) {
            let conf = if self.r.chance(60) {
                "[virtualenvs]\nin-project = true\n"
            } else {
                "[virtualenvs]\ncreate = false\n"
            };
            self.case.file("poetry.toml", conf);
        }
    }

    // ---- Dockerfile ---------------------------------------------------------------------------

    fn dockerfile(&mut self) {
        for _ in 0..self.r.weighted(&[45, 40, 15]) {
            self.prelude_item();
        }
        match self.r.weighted(&[22, 48, 18, 12]) {
            0 => {}
            1 => self.workdir("/app"),
            2 => self.workdir("/srv/app"),
            _ => {
                // The project in the user's home: its .npmrc and .config/pip are the user's config.
                self.line("USER app");
                self.root = false;
                self.workdir("/home/app");
            }
        }
        let dest_arg = self.pick_dest();
        let dest = abs_dest(&dest_arg, &self.cwd);
        // Traps before the COPY: ENV pointing at a file the COPY brings.
        if self.case.has("pip.conf") && self.r.chance(30) {
            self.line(format!("ENV PIP_CONFIG_FILE={dest}/pip.conf"));
        }
        if self.case.has(".npmrc") && self.r.chance(30) {
            self.line(format!("ENV NPM_CONFIG_USERCONFIG={dest}/.npmrc"));
        }
        if self.root && dest != "/" {
            self.link_maker(&dest);
        } else {
            self.link = None;
        }
        let full = match self.r.weighted(&[70, 8, 8, 6, 8]) {
            0 => {
                let chown = self.chown();
                self.line(format!("COPY {chown}. {dest_arg}"));
                true
            }
            1 => {
                let chown = self.chown();
                self.line(format!("ADD {chown}. {dest_arg}"));
                true
            }
            2 if self.self_contained() => {
                // Already manifest-first: the fixes should leave the shape alone. One COPY per
                // directory: several sources into one dest would flatten `requirements/`.
                let mut by_dir: std::collections::BTreeMap<String, Vec<String>> =
                    Default::default();
                for m in self.manifests() {
                    let parent = m.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                    by_dir.entry(parent.to_string()).or_default().push(m);
                }
                let base = dest.trim_end_matches('/').to_string();
                for (parent, files) in by_dir {
                    let d = if parent.is_empty() {
                        format!("{base}/")
                    } else {
                        format!("{base}/{parent}/")
                    };
                    self.line(format!("COPY {} {d}", files.join(" ")));
                }
                self.dest = Some(dest.clone());
                self.install();
                self.line(format!("COPY . {dest_arg}"));
                true
            }
            3 => {
                self.line(format!("COPY app.py {}/app.py", dest.trim_end_matches('/')));
                false
            }
            _ => {
                if !self.case.has("src/main.py") {
                    self.case.file("src/main.py", "import app\n");
                }
                self.line(format!("COPY src {}/src", dest.trim_end_matches('/')));
                false
            }
        };
        if full {
            self.link_reader(&dest);
            self.dest = Some(dest);
        }
        for _ in 0..1 + self.r.weighted(&[30, 35, 25, 10]) {
            self.body_item();
        }
        if !full && self.r.chance(60) {
            let d = self.dest.clone().unwrap_or_else(|| dest_arg.clone());
            self.line(format!("COPY . {d}"));
        }
        if self.r.chance(20) {
            self.line("EXPOSE 8000");
        }
        if self.r.chance(50) {
            self.line(r#"CMD ["python", "app.py"]"#);
        }
    }

    fn workdir(&mut self, dir: &str) {
        self.line(format!("WORKDIR {dir}"));
        self.cwd = dir.to_string();
    }

    fn pick_dest(&mut self) -> String {
        if self.cwd != "/" {
            let cwd = self.cwd.clone();
            self.r
                .pick(&[".".to_string(), "./".into(), cwd.clone(), format!("{cwd}/")])
                .clone()
        } else {
            self.r
                .pick(&["/app".to_string(), "/app/".into(), "/srv/app/sub/".into()])
                .clone()
        }
    }

    fn chown(&mut self) -> String {
        if !self.r.chance(35) {
            return String::new();
        }
        let mut opts = vec!["app", "1000:1000", "app:app"];
        if self.users.contains(&"web") {
            opts.push("web");
        }
        if !self.users.contains(&"app") {
            opts.retain(|o| o.starts_with('1'));
        }
        format!("--chown={} ", self.r.pick(&opts))
    }

    /// Every file the project's install reads (config files aside).
    fn manifests(&self) -> Vec<String> {
        let keep = |p: &str| match self.kind {
            Kind::Pip => p.ends_with(".txt") && !p.starts_with("tmp/") && !p.starts_with("data/"),
            Kind::Npm => p == "package.json" || p == "package-lock.json",
            Kind::Poetry => p == "pyproject.toml" || p == "poetry.lock",
            Kind::Plain => p == "run.sh",
        };
        self.case
            .files
            .keys()
            .filter(|p| keep(p))
            .cloned()
            .collect()
    }

    /// Whether the install reads only its manifests (no local paths, no scripts), so a
    /// hand-written manifest-first Dockerfile builds.
    fn self_contained(&self) -> bool {
        ![
            "setup.py",
            "libs/x/setup.py",
            "libs/util/package.json",
            "scripts/post.sh",
        ]
        .iter()
        .any(|p| self.case.has(p))
    }

    /// How a RUN at the current cwd names context file `p` after the full copy.
    fn at(&mut self, p: &str) -> String {
        let dest = self.dest.clone().unwrap_or_else(|| "/app".into());
        if dest == self.cwd && self.r.chance(60) {
            p.to_string()
        } else {
            format!("{}/{p}", dest.trim_end_matches('/'))
        }
    }

    fn prelude_item(&mut self) {
        match self.r.weighted(&[20, 15, 15, 25, 15, 10]) {
            0 if !self.users.contains(&"web") => {
                self.line("RUN adduser -D -u 1001 web");
                self.users.push("web");
            }
            1 => self.line("ARG VERSION=1"),
            2 => self.line("ENV LANG=C.UTF-8"),
            3 => self.line("RUN apt-get update"),
            4 => self.line("RUN mkdir -p /opt/tools"),
            5 if self.case.has("pip.conf") => self.line("RUN mkdir -p /root/.config/pip"),
            _ => self.line("LABEL org.example.fuzz=1"),
        }
    }

    fn body_item(&mut self) {
        if !self.root {
            // Most system writes would fail: stay with what a user may run.
            return match self.r.weighted(&[40, 20, 20, 20]) {
                0 => self.install(),
                1 => self.line("RUN pip install flask"),
                2 => self.env_arg(),
                _ => self.user_switch(),
            };
        }
        match self.r.weighted(&[34, 20, 15, 9, 11, 10, 4, 3, 4]) {
            0 => self.install(),
            1 => self.system_install(),
            2 if self.dest.is_some() => self.dest_rw(),
            3 | 2 => self.outside(),
            4 => self.userdb(),
            5 => self.env_arg(),
            6 => self.user_switch(),
            7 if self.dest.is_some() => {
                let d = format!("{}/sub", self.dest.clone().unwrap_or_default());
                self.workdir(&d);
            }
            8 if self.dest.is_some() && self.case.has("setup.sh") => {
                let p = self.at("setup.sh");
                self.line(format!("RUN sh {p}"));
            }
            _ => self.system_install(),
        }
    }

    /// The project's dependency install, reading what the full copy brought.
    fn install(&mut self) {
        let Some(dest) = self.dest.clone() else {
            return if self.root {
                self.system_install()
            } else {
                self.line("RUN pip install flask")
            };
        };
        // Tools that work on the cwd get a `cd` when the cwd is not the project.
        let cd = if dest == self.cwd {
            String::new()
        } else {
            format!("cd {dest} && ")
        };
        match self.kind {
            Kind::Pip => {
                let req = self.req.unwrap_or("requirements.txt");
                let p = if cd.is_empty() {
                    self.at(req)
                } else {
                    format!("{dest}/{req}")
                };
                let cmd = match self.r.weighted(&[45, 20, 10, 10, 15]) {
                    0 => format!("pip install -r {p}"),
                    1 => format!("pip install --no-cache-dir -r {p}"),
                    2 if self.case.has("setup.py") && cd.is_empty() => "pip install -e .".into(),
                    3 => format!("{cd}pip install -r {req}"),
                    _ => "pip install flask gunicorn".into(),
                };
                self.line(format!("RUN {cmd}"));
            }
            Kind::Npm => {
                let cmd = match self.r.weighted(&[40, 40, 20]) {
                    0 if self.case.has("package-lock.json") => "npm ci",
                    2 => "npm install --omit=dev",
                    _ => "npm install",
                };
                self.line(format!("RUN {cd}{cmd}"));
            }
            Kind::Poetry => {
                let cmd = if self.r.chance(60) {
                    "poetry install --no-root"
                } else {
                    "poetry install"
                };
                self.line(format!("RUN {cd}{cmd}"));
            }
            Kind::Plain => {
                let p = self.at("run.sh");
                self.line(format!("RUN sh {p}"));
            }
        }
    }

    /// Installs that read nothing from the context: what DO102/DO104 move and merge.
    fn system_install(&mut self) {
        match self.r.weighted(&[25, 15, 15, 15, 10, 10, 10]) {
            0 => self.line("RUN apt-get update && apt-get install -y curl"),
            1 => {
                self.line("RUN apt-get update");
                if self.r.chance(30) {
                    self.line("ENV DEBIAN_FRONTEND=noninteractive");
                }
                self.line("RUN apt-get install -y git");
            }
            2 => self.line("RUN apk add --no-cache curl"),
            3 => self.line("RUN pip install flask"),
            4 => self.line("RUN pip install --no-cache-dir requests"),
            5 => self.line("RUN npm install -g typescript"),
            _ => self.line("RUN apk update && apk add jq"),
        }
    }

    /// Reads and writes under the copy destination.
    fn dest_rw(&mut self) {
        let d = self.dest.clone().unwrap_or_default();
        let d = d.trim_end_matches('/').to_string();
        let here = d == self.cwd;
        let cmd = match self.r.weighted(&[12, 8, 10, 12, 8, 8, 10, 10, 8, 6, 8]) {
            0 if self.case.has("pip.conf") => format!("cat {d}/pip.conf > /etc/pip.conf"),
            1 if self.case.has("pip.conf") => {
                format!("mkdir -p /root/.config/pip && cp {d}/pip.conf /root/.config/pip/pip.conf")
            }
            2 if self.case.has("tmp/junk.txt") => format!("rm -rf {d}/tmp"),
            3 => format!("mkdir -p {d}/data"),
            4 => format!("chmod -R 755 {d}"),
            5 => format!("chmod 600 {d}/app.py"),
            6 if here => "touch ./built.flag".into(),
            7 => format!("sed -i 's/hi/ho/' {d}/app.py"),
            8 if self.users.contains(&"app") => format!("chown -R app {d}"),
            9 => format!("ln -s {d}/app.py /usr/local/bin/app"),
            10 if self.case.has("data/seed.txt") => {
                format!("mkdir -p /data && cp {d}/data/seed.txt /data/")
            }
            _ => format!("touch {d}/built.flag"),
        };
        self.line(format!("RUN {cmd}"));
    }

    fn outside(&mut self) {
        let cmd = match self.r.weighted(&[20, 15, 15, 15, 15, 10, 10]) {
            0 => "mkdir -p /var/log/app",
            1 => "touch /etc/marker",
            2 => "mkdir -p /opt/tools && chmod 700 /opt/tools",
            3 => "rm -rf /var/cache/apk",
            4 => "echo hello > /etc/motd",
            5 => "ln -sf /bin/busybox /usr/local/bin/bb",
            _ => "mkdir -p /srv && chmod 750 /srv",
        };
        self.line(format!("RUN {cmd}"));
    }

    fn userdb(&mut self) {
        let has_app = self.users.contains(&"app");
        let has_web = self.users.contains(&"web");
        match self.r.weighted(&[35, 15, 20, 10, 10, 10]) {
            0 if has_app => self.line("RUN usermod -u 2000 app"),
            1 if has_app => self.line("RUN groupmod -g 2001 app"),
            2 if !has_web => {
                self.line("RUN adduser -D -u 1001 web");
                self.users.push("web");
            }
            3 if has_app && !self.lines.iter().any(|l| l.starts_with("USER")) => {
                self.line("RUN deluser app");
                self.users.retain(|u| *u != "app");
            }
            4 if has_app => self.line("RUN addgroup -g 3000 devs && adduser app devs"),
            5 if has_web && self.dest.is_some() => {
                let d = self.dest.clone().unwrap_or_default();
                self.line(format!("RUN chown -R web {d}"));
            }
            _ => self.line("RUN addgroup -g 3001 ops"),
        }
    }

    fn env_arg(&mut self) {
        let d = self.dest.clone().unwrap_or_else(|| "/app".into());
        let l = match self.r.weighted(&[15, 15, 15, 10, 15, 10, 10, 10]) {
            0 => "ENV PIP_NO_CACHE_DIR=1".to_string(),
            1 if self.case.has("pip.conf") => format!("ENV PIP_CONFIG_FILE={d}/pip.conf"),
            2 if self.case.has(".npmrc") => format!("ENV NPM_CONFIG_USERCONFIG={d}/.npmrc"),
            3 => "ENV npm_config_cache=/tmp/npm".into(),
            4 => "ARG BUILD=1".into(),
            5 => format!("ENV APP_HOME={d}"),
            6 if self.kind == Kind::Poetry => "ENV POETRY_VIRTUALENVS_IN_PROJECT=true".into(),
            7 if self.r.chance(50) => format!("ENV HOME={d}"),
            7 => "ENV HOME=/tmp/home".into(),
            _ => "ENV LANG=C.UTF-8".into(),
        };
        self.line(l);
    }

    fn user_switch(&mut self) {
        let u = if self.users.contains(&"app") && self.r.chance(60) {
            "app"
        } else if self.r.chance(50) {
            "1000"
        } else {
            "root"
        };
        self.line(format!("USER {u}"));
        self.root = u == "root";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_per_seed_and_index() {
        for i in 0..50 {
            assert_eq!(generate(7, i), generate(7, i));
        }
        let distinct: std::collections::BTreeSet<String> =
            (0..50).map(|i| generate(7, i).dockerfile).collect();
        assert!(distinct.len() > 40, "{}", distinct.len());
    }

    #[test]
    fn covers_the_vocabulary() {
        let all: Vec<Case> = (0..600).map(|i| generate(11, i)).collect();
        let text: String = all.iter().map(|c| c.dockerfile.as_str()).collect();
        for needle in [
            "COPY . ",
            "COPY --chown=",
            "ADD . ",
            "RUN usermod -u 2000 app",
            "RUN deluser app",
            "ENV PIP_CONFIG_FILE=",
            "ENV NPM_CONFIG_USERCONFIG=",
            "RUN apt-get update\n",
            "pip install -r ",
            "npm ci",
            "poetry install",
            "cat /",
            "rm -rf /",
            "touch ./built.flag",
            "sed -i",
            "USER app",
            "WORKDIR /app",
            "USER app\nWORKDIR /home/app",
            "ENV HOME=/",
        ] {
            assert!(text.contains(needle), "no case contains {needle:?}");
        }
        let link = all
            .iter()
            .any(|c| matches!(c.files.get("requirements.txt"), Some(Entry::Link(_))));
        assert!(link, "no symlinked manifest");
        for needle in [
            "ln -s /srv/shared /app/shared",
            "tar xf /tmp/t.tar -C",
            "cp -a /tmp/t/shared",
            "mv /tmp/shared",
            "shared/note.conf\nRUN cat /srv/shared/note.conf",
        ] {
            assert!(text.contains(needle), "no case contains {needle:?}");
        }
        assert!(all
            .iter()
            .any(|c| matches!(c.files.get("shared"), Some(Entry::Link(_)))));
        assert!(all.iter().any(|c| c.has("requirements/common.txt")));
        assert!(all.iter().any(|c| c.has("poetry.toml")));
        assert!(all.iter().any(|c| c.has(".config/pip/pip.conf")));
    }

    #[test]
    fn every_case_starts_from_the_fuzz_base() {
        for i in 0..100 {
            let c = generate(3, i);
            assert!(c.dockerfile.starts_with(&format!("FROM {BASE}\n")));
            assert!(c.has("app.py"));
        }
    }

    #[test]
    fn dest_paths() {
        assert_eq!(abs_dest(".", "/app"), "/app");
        assert_eq!(abs_dest("./", "/app"), "/app");
        assert_eq!(abs_dest("/srv/app/sub/", "/"), "/srv/app/sub");
        assert_eq!(abs_dest("x/", "/app"), "/app/x");
        assert_eq!(abs_dest(".", "/"), "/");
    }
}
