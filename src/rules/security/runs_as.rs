//! Who the image's process runs as when the Dockerfile's own `USER` does not
//! say: base images whose config sets a non-root user, official images whose
//! entrypoint drops to a service user, and commands that drop privileges
//! themselves (`gosu`, `su-exec`, `sudo -u`, uWSGI's `uid`), in the
//! ENTRYPOINT/CMD or in an entrypoint script the build context brings.
//!
//! Each table entry was read in the image's own Dockerfile or entrypoint; an
//! image not listed is taken to run as root (the finding stays).

use crate::context::EntryKind;
use crate::model::{CopySource, Op, Stage};
use crate::rules::DockerfileCtx;
use crate::shell::{self, Script};

/// Words in an image's name or tag that mean its config sets a non-root
/// user: distroless `nonroot`, .NET `chiseled` (user `app`), Windows
/// `nanoserver` (`ContainerUser`), `rootless` and `*-unprivileged` variants.
const NON_ROOT_TAG_WORDS: &[&str] = &[
    "nonroot",
    "rootless",
    "chiseled",
    "nanoserver",
    "unprivileged",
];

/// Images whose Dockerfile ends with a non-root `USER`, with that user.
const NON_ROOT_IMAGES: &[(&str, &str)] = &[
    ("solr", "solr"),
    ("grafana/grafana", "grafana (472)"),
    ("grafana/grafana-oss", "grafana (472)"),
    ("grafana/grafana-enterprise", "grafana (472)"),
    ("grafana/k6", "k6 (12345)"),
    ("grafana/loki", "10001"),
    ("prom/prometheus", "nobody"),
    ("prom/alertmanager", "nobody"),
    ("quay.io/prometheus/prometheus", "nobody"),
    ("quay.io/prometheus/alertmanager", "nobody"),
    ("jenkins/jenkins", "jenkins"),
    ("jenkins/inbound-agent", "jenkins"),
    ("sonarqube", "sonarqube"),
    ("memcached", "memcache"),
    ("haproxy", "haproxy"),
    (
        "docker.elastic.co/elasticsearch/elasticsearch",
        "elasticsearch (1000)",
    ),
    ("docker.elastic.co/kibana/kibana", "kibana (1000)"),
    ("docker.elastic.co/logstash/logstash", "logstash (1000)"),
    ("quay.io/keycloak/keycloak", "1000"),
    ("keycloak/keycloak", "1000"),
    ("nodered/node-red", "node-red"),
    ("sonatype/nexus3", "nexus"),
];

/// Image name prefixes whose images all set a non-root user (Bitnami's
/// images run as 1001, except its plain Debian base; CircleCI's `circleci`,
/// Jupyter's `jovyan`, Selenium's `seluser`).
const NON_ROOT_PREFIXES: &[(&str, &str)] = &[
    ("bitnami/", "1001"),
    ("cimg/", "circleci"),
    ("jupyter/", "jovyan"),
    ("quay.io/jupyter/", "jovyan"),
    ("selenium/", "seluser"),
];
const ROOT_UNDER_PREFIXES: &[&str] = &["bitnami/minideb"];

/// Official images whose `docker-entrypoint.sh` re-executes itself through
/// `gosu` as the service user when it starts the server as root: the image,
/// the user, and the first CMD words that start the server (an option, `-…`,
/// also does: the script puts the server in front of it).
struct Dropping {
    image: &'static str,
    user: &'static str,
    servers: &'static [&'static str],
}

const ENTRYPOINT_DROPS: &[Dropping] = &[
    Dropping {
        image: "postgres",
        user: "postgres",
        servers: &["postgres"],
    },
    Dropping {
        image: "postgis/postgis",
        user: "postgres",
        servers: &["postgres"],
    },
    Dropping {
        image: "timescale/timescaledb",
        user: "postgres",
        servers: &["postgres"],
    },
    Dropping {
        image: "mysql",
        user: "mysql",
        servers: &["mysqld"],
    },
    Dropping {
        image: "mariadb",
        user: "mysql",
        servers: &["mariadbd", "mysqld"],
    },
    Dropping {
        image: "mongo",
        user: "mongodb",
        servers: &["mongod", "mongos"],
    },
    Dropping {
        image: "redis",
        user: "redis",
        servers: &["redis-server"],
    },
    Dropping {
        image: "zookeeper",
        user: "zookeeper",
        servers: &["zkServer.sh"],
    },
];

/// Scripts longer than this are not read for a privilege drop.
const SCRIPT_LIMIT: u64 = 256 * 1024;

/// Whether `user` (a `USER` value, `name[:group]`) is root.
pub fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user).trim();
    name == "root" || name == "0"
}

/// The image's name without registry noise, tag or digest, lowercased:
/// `docker.io/library/postgres:16` → `postgres`.
fn image_name(reference: &str) -> String {
    let r = reference.to_ascii_lowercase();
    let r = r.split('@').next().unwrap_or(&r);
    let name = match r.rsplit_once(':') {
        Some((n, tag)) if !tag.contains('/') => n,
        _ => r,
    };
    let name = ["docker.io/", "index.docker.io/", "registry.docker.com/"]
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name);
    name.strip_prefix("library/").unwrap_or(name).to_string()
}

/// Why a base image runs as a non-root user of its own, if it does.
pub fn base_sets_user(reference: &str) -> Option<String> {
    let last = reference.rsplit('/').next().unwrap_or(reference);
    let last = last.to_ascii_lowercase();
    if let Some(w) = NON_ROOT_TAG_WORDS.iter().find(|w| last.contains(*w)) {
        return Some(format!(
            "`{reference}` is a `{w}` image: it sets a non-root user"
        ));
    }
    let name = image_name(reference);
    let user = NON_ROOT_IMAGES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, u)| *u)
        .or_else(|| {
            let root = ROOT_UNDER_PREFIXES.iter().any(|p| name.starts_with(p));
            NON_ROOT_PREFIXES
                .iter()
                .find(|(p, _)| !root && name.starts_with(p))
                .map(|(_, u)| *u)
        })?;
    Some(format!("`{name}` runs as its own user {user}"))
}

/// Why the process of `stage` (the image's target) does not run as root
/// although its user is root: the base image's entrypoint drops to a
/// service user, or the ENTRYPOINT/CMD (or the entrypoint script the context
/// brings) runs the main process through `gosu`/`su-exec`/`sudo -u` or
/// uWSGI with a `uid`.
pub fn drops_privileges(
    cx: &DockerfileCtx,
    stage: &Stage,
    root_image: Option<&str>,
) -> Option<String> {
    let config = &stage.config;
    if config.entrypoint.is_none() {
        if let Some(why) =
            root_image.and_then(|img| base_entrypoint_drops(img, config.cmd.as_deref()))
        {
            return Some(why);
        }
    }
    let mut argv = config.entrypoint.clone().unwrap_or_default();
    argv.extend(config.cmd.clone().unwrap_or_default());
    if argv.is_empty() {
        return None;
    }
    let chain = cx.from_chain(stage.index);
    let cwd = config.working_dir.as_deref().unwrap_or("/");
    let script = shell::from_argv(&argv).ok()?;
    if let Some(why) = script_drops(cx, &chain, cwd, &script, false) {
        return Some(why);
    }
    // `ENTRYPOINT ["/docker-entrypoint.sh"]`: the script the context brings.
    let program = main_programs(&script).into_iter().next()?;
    let path = image_path(&program, cwd);
    let (rel, text) = context_script(cx, &chain, &path)?;
    let inner = shell::parse(&text, 0).ok()?;
    script_drops(cx, &chain, cwd, &inner, true).map(|why| format!("its entrypoint `{rel}` {why}"))
}

fn base_entrypoint_drops(image: &str, cmd: Option<&[String]>) -> Option<String> {
    let name = image_name(image);
    let d = ENTRYPOINT_DROPS.iter().find(|d| d.image == name)?;
    let starts_server = match cmd.and_then(|c| c.first()) {
        None => true,
        Some(first) => {
            first.starts_with('-')
                || d.servers.contains(&first.as_str())
                || (d.image == "redis" && first.ends_with(".conf"))
        }
    };
    starts_server.then(|| {
        format!(
            "`{name}`'s entrypoint drops from root to its `{}` user to start the server",
            d.user
        )
    })
}

/// The program words of the commands that become the container's process:
/// those run with `exec`, else the script's last command.
fn main_programs(script: &Script) -> Vec<String> {
    main_commands(script)
        .iter()
        .filter_map(|c| c.invocation())
        .filter_map(|inv| inv.program_word.literal())
        .collect()
}

fn main_commands(script: &Script) -> Vec<&shell::SimpleCommand> {
    let all = shell::commands(script);
    let exec: Vec<_> = all
        .iter()
        .filter(|(c, _)| {
            c.invocation()
                .is_some_and(|inv| inv.wrappers.iter().any(|w| w == "exec"))
        })
        .map(|(c, _)| *c)
        .collect();
    if !exec.is_empty() {
        return exec;
    }
    all.last().map(|(c, _)| *c).into_iter().collect()
}

/// Why a main command of `script` runs as a non-root user, if one does. In
/// an entrypoint script (`any`), one `exec gosu app …` among several is
/// enough: that is how official images start their server.
fn script_drops(
    cx: &DockerfileCtx,
    chain: &[usize],
    cwd: &str,
    script: &Script,
    any: bool,
) -> Option<String> {
    let mains = main_commands(script);
    let mut reasons = mains.iter().filter_map(|c| {
        let inv = c.invocation()?;
        if let Some(u) = inv.user.as_deref().filter(|u| !is_root(u) && !u.is_empty()) {
            let via = inv
                .wrappers
                .iter()
                .find(|w| ["gosu", "su-exec", "sudo"].contains(&w.as_str()))
                .cloned()
                .unwrap_or_default();
            return Some(format!("runs its process as `{u}` through `{via}`"));
        }
        (inv.program == "uwsgi")
            .then(|| uwsgi_uid(cx, chain, cwd, &inv.lossy()))
            .flatten()
    });
    if any {
        reasons.next()
    } else {
        let first = reasons.next()?;
        // Every main command must drop (`exec` in two branches).
        (mains.len() == 1).then_some(first)
    }
}

/// uWSGI drops every process, master included, to `uid` once its sockets
/// are bound: `--uid X` on the command line or `uid =` in the `[uwsgi]`
/// section of an `--ini` file the context brings.
fn uwsgi_uid(cx: &DockerfileCtx, chain: &[usize], cwd: &str, args: &[String]) -> Option<String> {
    let mut inis = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if let Some(v) = a.strip_prefix("--uid=") {
            return (!is_root(v)).then(|| format!("runs uWSGI as `{v}` (`--uid`)"));
        }
        if a == "--uid" {
            let v = args.get(i + 1)?;
            return (!is_root(v)).then(|| format!("runs uWSGI as `{v}` (`--uid`)"));
        }
        if let Some(v) = a.strip_prefix("--ini=") {
            inis.push(v.to_string());
        } else if a == "--ini" {
            inis.extend(args.get(i + 1).cloned());
            i += 1;
        } else if !a.starts_with('-') && a.ends_with(".ini") {
            inis.push(a.clone());
        }
        i += 1;
    }
    inis.iter().find_map(|ini| {
        let (rel, text) = context_script(cx, chain, &image_path(ini, cwd))?;
        let uid = ini_value(&text, "uwsgi", "uid")?;
        (!is_root(&uid)).then(|| format!("runs uWSGI as `{uid}` (`uid` in `{rel}`)"))
    })
}

/// `key = value` of `[section]` in an INI file.
fn ini_value(text: &str, section: &str, key: &str) -> Option<String> {
    let mut current = String::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = s.trim().to_string();
            continue;
        }
        if current != section {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            if k.trim() == key {
                let v = v.trim().trim_matches(['"', '\'']);
                return (!v.is_empty()).then(|| v.to_string());
            }
        }
    }
    None
}

/// An absolute image path for a program or file word: `./x` and `x/y`
/// against the working directory; a bare name (a PATH lookup) as
/// `/usr/local/bin/NAME`, where images put their entrypoint scripts.
fn image_path(word: &str, cwd: &str) -> String {
    if word.contains('/') || word.ends_with(".ini") {
        crate::model::path::join_abs(cwd, word)
    } else {
        format!("/usr/local/bin/{word}")
    }
}

/// The context file a COPY of `chain` puts at `path` (the last one that
/// does), with its text when it is a regular file the build sees.
fn context_script(cx: &DockerfileCtx, chain: &[usize], path: &str) -> Option<(String, String)> {
    let ctx = cx.context?;
    let rel = cx
        .model
        .steps
        .iter()
        .rev()
        .filter(|s| chain.contains(&s.stage))
        .find_map(|s| match &s.op {
            Some(Op::Copy(c)) if c.source == CopySource::Context => {
                copied_from(c, path, |rel| ctx.filtered.get(rel).map(|e| e.kind))
            }
            _ => None,
        })?;
    let text = crate::source::read_text(&ctx.root.join(&rel), SCRIPT_LIMIT).ok()?;
    Some((rel, text))
}

/// The source path that COPY `c` puts at image `path`: a file source at its
/// destination (or in it, for a `/`-ended or multi-source destination), a
/// folder source's contents under the destination.
fn copied_from(
    c: &crate::model::CopyOp,
    path: &str,
    kind: impl Fn(&str) -> Option<EntryKind>,
) -> Option<String> {
    let dest = c.dest.trim_end_matches('/');
    let into_folder = c.dest.ends_with('/') || c.srcs.len() > 1;
    c.srcs
        .iter()
        .filter(|s| s.inline.is_none() && s.remote.is_none() && !s.wildcard)
        .find_map(|s| {
            let file_at = if into_folder {
                format!("{dest}/{}", s.basename)
            } else {
                dest.to_string()
            };
            if file_at == path && kind(&s.path) == Some(EntryKind::File) {
                return Some(s.path.clone());
            }
            let rest = path.strip_prefix(dest)?.strip_prefix('/')?;
            let rel = if s.path.is_empty() {
                rest.to_string()
            } else {
                format!("{}/{rest}", s.path)
            };
            (kind(&s.path).is_none_or(|k| k == EntryKind::Dir)
                && kind(&rel) == Some(EntryKind::File))
            .then_some(rel)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_lose_registry_tag_and_digest() {
        assert_eq!(
            image_name("docker.io/library/postgres:16@sha256:ab"),
            "postgres"
        );
        assert_eq!(image_name("registry.docker.com/library/redis"), "redis");
        assert_eq!(image_name("localhost:5000/app:1"), "localhost:5000/app");
        assert_eq!(image_name("Grafana/K6:0.50"), "grafana/k6");
    }

    #[test]
    fn non_root_bases() {
        assert!(base_sets_user("solr:9").is_some());
        assert!(base_sets_user("bitnami/redis:7.2").is_some());
        assert!(base_sets_user("bitnami/minideb:bookworm").is_none());
        assert!(base_sets_user("gcr.io/distroless/static:nonroot").is_some());
        assert!(base_sets_user("nginxinc/nginx-unprivileged:1.25").is_some());
        assert!(base_sets_user("nginx:1.25").is_none());
        assert!(base_sets_user("postgres:16").is_none());
    }

    #[test]
    fn official_entrypoints_drop_only_for_their_server() {
        let cmd = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(base_entrypoint_drops("postgres:16", None).is_some());
        assert!(base_entrypoint_drops("postgres:16", Some(&cmd(&["-c", "fsync=off"]))).is_some());
        assert!(base_entrypoint_drops("postgres:16", Some(&cmd(&["python", "x.py"]))).is_none());
        assert!(base_entrypoint_drops("redis:7", Some(&cmd(&["/etc/redis.conf"]))).is_some());
        assert!(base_entrypoint_drops("mariadb:11", Some(&cmd(&["mariadbd"]))).is_some());
        // rabbitmq's entrypoint no longer drops (its gosu block is commented out)
        assert!(base_entrypoint_drops("rabbitmq:3", None).is_none());
    }

    #[test]
    fn ini_values_by_section() {
        let ini = "[uwsgi]\n; comment\nuid = 1\n[other]\ngid = 2\n";
        assert_eq!(ini_value(ini, "uwsgi", "uid").as_deref(), Some("1"));
        assert_eq!(ini_value(ini, "uwsgi", "gid"), None);
        assert_eq!(ini_value("uid = 5\n", "uwsgi", "uid"), None);
    }

    #[test]
    fn image_paths() {
        assert_eq!(image_path("./run.sh", "/app"), "/app/run.sh");
        assert_eq!(
            image_path("docker-entrypoint.sh", "/app"),
            "/usr/local/bin/docker-entrypoint.sh"
        );
        assert_eq!(
            image_path("payment.ini", "/opt/app"),
            "/opt/app/payment.ini"
        );
        assert_eq!(image_path("/entrypoint.sh", "/app"), "/entrypoint.sh");
    }
}
