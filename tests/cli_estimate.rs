//! End-to-end tests of `dockopt estimate` and `dockopt profile record`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_dockopt");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The Dockerfile of `src/cost/testdata/single-stage.plain.log` (captured from the engine).
const LOGGED_DF: &str = "FROM bkbase\nRUN echo costcap1 >/scen\nRUN sleep 2\nCOPY a.txt /a\nWORKDIR /w\nRUN echo hi && sleep 1\n";

fn log_path() -> PathBuf {
    Path::new(ROOT).join("src/cost/testdata/single-stage.plain.log")
}

fn dockopt(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run dockopt")
}

fn json(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("JSON output")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn logged_context() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("Dockerfile"), LOGGED_DF).unwrap();
    std::fs::write(d.path().join("a.txt"), "hello\n").unwrap();
    d
}

#[test]
fn changed_file_with_a_real_log() {
    let d = logged_context();
    let log = log_path();
    let o = dockopt(
        d.path(),
        &[
            "estimate",
            "--changed",
            "a.txt",
            "--log",
            log.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let v = json(&o);
    let r = &v["rebuild"];
    // 1.3 s of steps plus the per-build overhead this log shows: 0.1 s loading the context,
    // 0.05 s naming the image, and the export of the re-run layers at the log's rate (0.3 s
    // exported 3.8 s of steps: 0.1 s for these 1.3 s).
    assert_eq!(r["seconds"], 1.55);
    assert_eq!(r["overhead_seconds"], 0.25);
    assert_eq!(r["steps_rerun"], 3);
    assert_eq!(r["steps_total"], 5);
    assert_eq!(r["layers_to_push"], 2);
    assert!(r["bytes"].is_u64());
    assert!(r["share"].as_f64().unwrap() > 0.3);
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 5);
    for s in steps {
        assert!(s["seconds"].is_f64() && s["bytes"].is_u64(), "{s}");
        assert!(s["result"].is_string() && s["reason"].is_string() && s["line"].is_u64());
        assert_eq!(s["cost_source"], "log");
        assert_eq!(s["cost_match"], "label");
    }
    assert_eq!(steps[1]["instruction"], "RUN sleep 2");
    assert_eq!(steps[1]["seconds"], 2.1);
    assert_eq!(steps[1]["result"], "hit");
    assert_eq!(v["warnings"].as_array().unwrap().len(), 0);

    // Text output says the same.
    let t = dockopt(
        d.path(),
        &[
            "estimate",
            "--changed",
            "a.txt",
            "--log",
            log.to_str().unwrap(),
        ],
    );
    let text = String::from_utf8_lossy(&t.stdout);
    assert!(
        text.contains("1.6 s to rebuild (0.2 s of it per-build overhead;"),
        "{text}"
    );
    assert!(
        text.contains("MATCH") && text.contains("log        label"),
        "{text}"
    );
}

#[test]
fn log_of_another_dockerfile_warns_and_uses_heuristics() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("Dockerfile"),
        "FROM debian\nRUN apt-get update && apt-get install -y curl\nCOPY . /src\n",
    )
    .unwrap();
    let log = log_path();
    let o = dockopt(
        d.path(),
        &[
            "estimate",
            "--changed",
            "x.txt",
            "--log",
            log.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let v = json(&o);
    let err = stderr(&o);
    assert!(err.contains("does not match"), "{err}");
    assert!(err.contains("line 2 `RUN apt-get update"), "{err}");
    assert!(v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["cost_source"] == "heuristic"));
    assert_eq!(v["rebuild"]["steps_rerun"], 1);

    // Not a log at all: a warning, still an estimate.
    std::fs::write(d.path().join("junk.log"), "hello\n").unwrap();
    let o = dockopt(
        d.path(),
        &["estimate", "--log", "junk.log", "--format", "json"],
    );
    assert!(stderr(&o).contains("no build steps found"));
    assert_eq!(json(&o)["rebuild"]["steps_rerun"], 0);

    // A missing log is a usage error.
    let o = dockopt(d.path(), &["estimate", "--log", "missing.log"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read the build log: missing.log: no such file or directory"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn profile_round_trip_and_default_location() {
    let d = logged_context();
    let log = log_path();
    let rec = dockopt(
        d.path(),
        &[
            "profile",
            "record",
            log.to_str().unwrap(),
            "-f",
            "Dockerfile",
        ],
    );
    let profile = json(&rec);
    assert_eq!(profile["format"], "dockopt-profile/1");
    assert_eq!(profile["steps"][1]["line"], 3);
    assert!(stderr(&rec).is_empty(), "{}", stderr(&rec));
    std::fs::create_dir(d.path().join(".dockopt")).unwrap();
    std::fs::write(d.path().join(".dockopt/profile.json"), &rec.stdout).unwrap();
    let explicit = json(&dockopt(
        d.path(),
        &[
            "estimate",
            "--changed",
            "a.txt",
            "--profile",
            ".dockopt/profile.json",
            "--format",
            "json",
        ],
    ));
    // The profile keeps the log's overhead in its learned rates.
    assert_eq!(explicit["rebuild"]["seconds"], 1.55);
    assert_eq!(explicit["steps"][4]["cost_source"], "profile");
    // Picked up without flags.
    let auto = json(&dockopt(
        d.path(),
        &["estimate", "--changed", "a.txt", "--format", "json"],
    ));
    assert_eq!(auto["rebuild"], explicit["rebuild"]);
    assert!(auto["notes"][0]
        .as_str()
        .unwrap()
        .contains("stored profile"));
}

#[test]
fn several_logs_give_each_step_its_fastest_build() {
    // Three builds of the same file: `RUN sleep 2` took 2.1, 1.8 and 6.0 s, `RUN echo hi &&
    // sleep 1` 1.3, 4.0 and 0.9 s (load only adds time).
    let d = logged_context();
    let text = std::fs::read_to_string(log_path()).unwrap();
    let variant = |sleep2: &str, last: &str| {
        text.replace("#6 DONE 2.1s", &format!("#6 DONE {sleep2}s"))
            .replace("#10 DONE 1.3s", &format!("#10 DONE {last}s"))
    };
    std::fs::write(d.path().join("b.log"), variant("1.8", "4.0")).unwrap();
    std::fs::write(d.path().join("c.log"), variant("6.0", "0.9")).unwrap();
    let log = log_path();
    let args = |logs: &[&str]| {
        let mut v = vec!["estimate", "--changed", "a.txt", "--format", "json"];
        for l in logs {
            v.extend(["--log", l]);
        }
        v.iter().map(|s| s.to_string()).collect::<Vec<String>>()
    };
    let run = |logs: &[&str]| {
        let a = args(logs);
        json(&dockopt(
            d.path(),
            &a.iter().map(String::as_str).collect::<Vec<_>>(),
        ))
    };
    let one = run(&[log.to_str().unwrap()]);
    let three = run(&[log.to_str().unwrap(), "b.log", "c.log"]);
    let last = |v: &Value| v["steps"][4].clone();
    assert_eq!(last(&one)["seconds"], 1.3);
    assert_eq!(last(&three)["seconds"], 0.9);
    assert_eq!(three["steps"][1]["seconds"], 1.8);
    assert!(
        last(&three)["cost_basis"]
            .as_str()
            .unwrap()
            .contains("0.9s (fastest of 3 builds)"),
        "{}",
        last(&three)
    );
    assert_eq!(last(&three)["cost_match"], "label");
    // A file that is not a log is left out of the combination, with a warning.
    std::fs::write(d.path().join("junk.log"), "hello\n").unwrap();
    let o = dockopt(
        d.path(),
        &args(&["b.log", "junk.log", "c.log"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(
        stderr(&o).contains("left out of the combined logs"),
        "{}",
        stderr(&o)
    );
    assert_eq!(last(&json(&o))["seconds"], 0.9);
    // `profile record` combines the same way.
    let rec = json(&dockopt(
        d.path(),
        &[
            "profile",
            "record",
            log.to_str().unwrap(),
            "b.log",
            "c.log",
            "-f",
            "Dockerfile",
        ],
    ));
    assert_eq!(rec["steps"][1]["seconds"], 1.8);
    assert_eq!(rec["steps"][4]["seconds"], 0.9);
    assert_eq!(rec["steps"][4]["line"], 6);
}

#[test]
fn compare_on_the_same_change() {
    let d = logged_context();
    // The slow step moved after the COPY in the other file: now it re-runs too.
    std::fs::write(
        d.path().join("Dockerfile.slow"),
        "FROM bkbase\nRUN echo costcap1 >/scen\nCOPY a.txt /a\nRUN sleep 2\nWORKDIR /w\nRUN echo hi && sleep 1\n",
    )
    .unwrap();
    let log = log_path();
    let v = json(&dockopt(
        d.path(),
        &[
            "estimate",
            "--changed",
            "a.txt",
            "--log",
            log.to_str().unwrap(),
            "--compare",
            "Dockerfile.slow",
            "--format",
            "json",
        ],
    ));
    assert_eq!(v["rebuild"]["seconds"], 1.55);
    assert_eq!(v["compare"]["dockerfile"], "Dockerfile.slow");
    assert_eq!(v["compare"]["rebuild"]["seconds"], 3.82);
    // Steps of the other file are found in the log by their text, and say so.
    let matches: Vec<&str> = v["compare"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["cost_match"].as_str())
        .collect();
    assert!(
        matches.contains(&"text") && matches.contains(&"label"),
        "{matches:?}"
    );
    assert!(v["compare"]["change"].as_f64().unwrap() > 1.0);
}

// ---- history -------------------------------------------------------------------------------

fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@t.invalid"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn append(dir: &Path, file: &str, text: &str) {
    let p = dir.join(file);
    let mut s = std::fs::read_to_string(&p).unwrap_or_default();
    s.push_str(text);
    std::fs::write(p, s).unwrap();
}

fn commit(dir: &Path, msg: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", msg]);
}

/// The hand-fixed flask-notebook Dockerfile: requirements installed before `COPY . .`.
pub const FLASK_FIXED: &str = "FROM python:3.9-buster\nWORKDIR /app\nENV FLASK_APP=manage.py\nENV PYTHONUNBUFFERED=1\nRUN apt-get update\nRUN apt-get install -y gcc libpq-dev netcat\nRUN pip install --upgrade pip\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nRUN chmod +x entrypoint.sh\nEXPOSE 5555\nENTRYPOINT [\"./entrypoint.sh\"]\nCMD [\"gunicorn\", \"--bind\", \"0.0.0.0:5555\", \"manage:app\"]\n";

/// A repository made from corpus/flask-notebook with ten commits after the import, touching
/// app files, requirements.txt and the Dockerfile.
fn flask_repo() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let src = Path::new(ROOT).join("corpus/flask-notebook");
    for e in walkdir::WalkDir::new(&src) {
        let e = e.unwrap();
        let dest = d.path().join(e.path().strip_prefix(&src).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
    let r = d.path();
    git(r, &["init", "-q"]);
    commit(r, "import flask-notebook");
    append(r, "project/__init__.py", "\n# health check route\n");
    commit(r, "app: health check");
    append(r, "project/templates/index.html", "\n<!-- footer -->\n");
    commit(r, "template: footer");
    append(r, "requirements.txt", "requests==2.31.0\n");
    commit(r, "deps: add requests");
    append(r, "manage.py", "\n# cli command\n");
    commit(r, "manage: cli command");
    let df = std::fs::read_to_string(r.join("Dockerfile")).unwrap();
    std::fs::write(
        r.join("Dockerfile"),
        df.replace(
            "RUN pip install --upgrade pip",
            "RUN pip install --upgrade pip setuptools",
        ),
    )
    .unwrap();
    commit(r, "docker: upgrade setuptools too");
    append(r, "project/config.py", "\nSESSION_COOKIE_SECURE = True\n");
    commit(r, "config: secure cookies");
    append(r, "README.md", "\n## Deploying\n");
    commit(r, "docs: deploying");
    append(r, "entrypoint.sh", "\n# wait for db\n");
    commit(r, "entrypoint: wait for db");
    append(r, "requirements.txt", "Flask-Migrate==4.0.5\n");
    commit(r, "deps: add Flask-Migrate");
    append(r, "project/__init__.py", "\n# blueprints\n");
    commit(r, "app: blueprints");
    d
}

#[test]
fn flask_notebook_history_and_fixed_dockerfile() {
    let repo = flask_repo();
    let fixed_dir = tempfile::tempdir().unwrap();
    let fixed = fixed_dir.path().join("Dockerfile.fixed");
    std::fs::write(&fixed, FLASK_FIXED).unwrap();
    let r = repo.path();
    let v = json(&dockopt(
        r,
        &[
            "estimate",
            "--history",
            "10",
            "--compare",
            fixed.to_str().unwrap(),
            "--format",
            "json",
        ],
    ));
    let commits = v["commits"].as_array().unwrap();
    assert_eq!(commits.len(), 10);
    assert_eq!(v["total"]["commits"], 10);
    for c in commits {
        assert!(c["rev"].as_str().unwrap().len() == 40);
        assert!(c["rebuild"]["seconds"].is_f64());
        assert!(c["compare"]["rebuild"]["seconds"].is_f64());
    }
    let total = v["total"]["seconds"].as_f64().unwrap();
    let fixed_total = v["compare"]["total"]["seconds"].as_f64().unwrap();
    let sum: f64 = commits
        .iter()
        .map(|c| c["rebuild"]["seconds"].as_f64().unwrap())
        .sum();
    assert!((sum - total).abs() < 0.05, "{sum} vs {total}");
    assert!(fixed_total < total * 0.5, "fixed {fixed_total} vs {total}");
    assert!(v["compare"]["change"].as_f64().unwrap() < -0.5);
    // App-only commits re-run the pip install in the original, not in the fixed one.
    let app = &commits[0];
    assert_eq!(app["subject"], "app: health check");
    assert!(
        app["rebuild"]["seconds"].as_f64().unwrap()
            > app["compare"]["rebuild"]["seconds"].as_f64().unwrap() * 5.0
    );

    let text = dockopt(
        r,
        &[
            "estimate",
            "--history",
            "10",
            "--compare",
            fixed.to_str().unwrap(),
        ],
    );
    let out = String::from_utf8_lossy(&text.stdout);
    println!("{out}");
    assert!(out.contains("over the last 10 commits"), "{out}");
    assert!(out.contains("would have rebuilt"), "{out}");

    // --git REV1..REV2 replays that range only.
    let v = json(&dockopt(
        r,
        &[
            "estimate",
            "--history",
            "0",
            "--git",
            "HEAD~3..HEAD",
            "--format",
            "json",
        ],
    ));
    assert_eq!(v["commits"].as_array().unwrap().len(), 3);
    // Without --history, --git is one change (as in simulate).
    let one = json(&dockopt(
        r,
        &["estimate", "--git", "HEAD~1..HEAD", "--format", "json"],
    ));
    assert_eq!(one["rebuild"]["seconds"], commits[9]["rebuild"]["seconds"]);
}

#[test]
fn history_without_a_repository_or_commits() {
    let d = logged_context();
    let o = dockopt(d.path(), &["estimate", "--history", "5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not inside a git repository"),
        "{}",
        stderr(&o)
    );

    // Only the root commit: nothing can be compared.
    git(d.path(), &["init", "-q"]);
    commit(d.path(), "only");
    let o = dockopt(d.path(), &["estimate", "--history", "5"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("first commit") && err.contains("nothing to estimate"),
        "{err}"
    );
}

#[test]
fn shallow_clone_and_merges_are_explained() {
    let d = logged_context();
    let r = d.path();
    git(r, &["init", "-q"]);
    commit(r, "one");
    for i in 0..3 {
        append(r, "a.txt", &format!("{i}\n"));
        commit(r, &format!("edit {i}"));
    }
    git(r, &["checkout", "-q", "-b", "topic"]);
    append(r, "b.txt", "topic\n");
    commit(r, "topic work");
    git(r, &["checkout", "-q", "main"]);
    append(r, "a.txt", "main\n");
    commit(r, "main work");
    git(r, &["merge", "-q", "--no-ff", "topic", "-m", "merge topic"]);

    let v = json(&dockopt(
        r,
        &["estimate", "--history", "10", "--format", "json"],
    ));
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("1 merge commit compared with its first parent"),
        "{notes}"
    );
    assert!(notes.contains("first commit"), "{notes}");
    // First-parent: the topic commit itself is not replayed.
    let subjects: Vec<&str> = v["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects,
        ["edit 0", "edit 1", "edit 2", "main work", "merge topic"]
    );

    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", r.display());
    git(clone.path(), &["clone", "-q", "--depth", "2", &url, "c"]);
    let c = clone.path().join("c");
    let o = dockopt(&c, &["estimate", "--history", "10", "--format", "json"]);
    let v = json(&o);
    let notes = v["notes"].to_string();
    assert!(notes.contains("shallow"), "{notes}");
    assert_eq!(v["commits"].as_array().unwrap().len(), 1);
}

/// Deletes the loose object of `rev:path` (what a partial clone lacks).
fn drop_blob(repo: &Path, spec: &str) -> String {
    let id = git(repo, &["rev-parse", spec]);
    let obj = repo.join(".git/objects").join(&id[..2]).join(&id[2..]);
    std::fs::remove_file(&obj).unwrap_or_else(|e| panic!("{}: {e}", obj.display()));
    id
}

#[test]
fn git_and_history_read_only_the_context_and_name_the_failing_revision() {
    // A repository whose context is app/: a blob outside it (docs/big.bin)
    // is missing from the object store, as in a partial clone.
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    std::fs::create_dir_all(r.join("app")).unwrap();
    std::fs::create_dir_all(r.join("docs")).unwrap();
    std::fs::write(
        r.join("app/Dockerfile"),
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\nCMD [\"python\", \"app.py\"]\n",
    )
    .unwrap();
    std::fs::write(r.join("app/requirements.txt"), "flask==3.0.3\n").unwrap();
    std::fs::write(r.join("app/app.py"), "print(1)\n").unwrap();
    std::fs::write(r.join("docs/big.bin"), "outside the context\n").unwrap();
    git(r, &["init", "-q"]);
    commit(r, "one");
    append(r, "app/app.py", "print(2)\n");
    commit(r, "two");
    append(r, "app/app.py", "print(3)\n");
    commit(r, "three");
    drop_blob(r, "HEAD:docs/big.bin");
    let app = r.join("app");

    let o = dockopt(
        &app,
        &["simulate", "--git", "HEAD~1..HEAD", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        !text.contains("/tmp/") && !text.contains(".tmp"),
        "a temporary path in the report:\n{text}"
    );
    let o = dockopt(&app, &["estimate", "--history", "5"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
    assert!(!all.contains("skipped: git"), "{all}");

    // A blob of the context itself missing: the revision is named, with git's reason.
    let id = drop_blob(r, "HEAD~1:app/app.py");
    let o = dockopt(&app, &["simulate", "--git", "HEAD~1..HEAD"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("HEAD~1") && err.contains("app/"), "{err}");
    assert!(
        err.contains(&id[..7]) || err.contains("missing") || err.contains("unable"),
        "{err}"
    );
    assert!(!err.contains("tar:"), "git's reason, not tar's: {err}");
    let o = dockopt(&app, &["estimate", "--history", "5"]);
    let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
    assert!(
        all.contains("skipped") && all.contains("cannot read the context app/"),
        "{all}"
    );

    // --changed outside the context is an input error, not "a new file".
    for cmd in ["simulate", "estimate"] {
        let o = dockopt(&app, &[cmd, "--changed", "/etc/hostname"]);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        assert!(
            stderr(&o).contains("outside the build context"),
            "{cmd}: {}",
            stderr(&o)
        );
    }
}

// ---- learned rates (issue #17) ---------------------------------------------------------------

#[test]
fn rates_learned_by_profile_record_replace_the_defaults() {
    // An earlier build on this machine: 4 locked packages installed in 2.1 s.
    let earlier = tempfile::tempdir().unwrap();
    let df =
        "FROM python:3.11-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n";
    std::fs::write(earlier.path().join("Dockerfile"), df).unwrap();
    std::fs::write(
        earlier.path().join("requirements.txt"),
        "a==1\nb==1\nc==1\nd==1\n",
    )
    .unwrap();
    let log = "#1 [internal] load build definition from Dockerfile\n#1 DONE 0.1s\n\
               #2 [internal] load build context\n#2 DONE 0.1s\n\
               #3 [1/3] FROM docker.io/library/python:3.11-slim\n#3 CACHED\n\
               #4 [2/3] COPY requirements.txt .\n#4 DONE 0.1s\n\
               #5 [3/3] RUN pip install -r requirements.txt\n#5 DONE 2.1s\n";
    std::fs::write(earlier.path().join("build.log"), log).unwrap();
    let rec = dockopt(
        earlier.path(),
        &["profile", "record", "build.log", "-f", "Dockerfile"],
    );
    let p = json(&rec);
    // (2.1 s - 0.15 s RUN overhead) / 4 requirements.
    let pip = &p["rates"]["packages"]["pip -r"];
    assert_eq!(pip["count"], 4.0, "{p}");
    assert!((pip["seconds"].as_f64().unwrap() - 1.95).abs() < 1e-9);
    assert_eq!(p["rates"]["overhead"]["seconds"], 0.2);
    std::fs::write(earlier.path().join("profile.json"), &rec.stdout).unwrap();

    // Another project, no log of its own: 8 requirements at the learned rate.
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("Dockerfile"), df).unwrap();
    std::fs::write(d.path().join("requirements.txt"), "x==1\n".repeat(8)).unwrap();
    let profile = earlier.path().join("profile.json");
    let v = json(&dockopt(
        d.path(),
        &[
            "estimate",
            "--changed",
            "requirements.txt",
            "--rates",
            profile.to_str().unwrap(),
            "--format",
            "json",
        ],
    ));
    let install = &v["steps"][1];
    assert_eq!(install["cost_source"], "heuristic");
    assert_eq!(install["cost_match"], serde_json::Value::Null);
    assert_eq!(install["cost_basis"], "pip install -r (8 requirements)");
    assert_eq!(install["seconds"], 4.05, "{install}");
    assert!(v["rebuild"]["overhead_seconds"].as_f64().unwrap() >= 0.25);
}

/// A PyPI on 127.0.0.1 that knows numpy 1.26.4 (only its project page, as some mirrors);
/// anything else is 404. Returns its base URL.
fn fake_pypi() -> String {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/pypi", l.local_addr().unwrap());
    let numpy = serde_json::json!({
        "info": {"version": "2.1.0"},
        "urls": [],
        "releases": {"1.26.4": [
            {"filename": "numpy-1.26.4.tar.gz", "size": 15_786_129, "packagetype": "sdist"},
            {"filename": "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
             "size": 18_252_005, "packagetype": "bdist_wheel"}]},
    })
    .to_string();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { return };
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            // Asked directly (`GET /pypi/…`) or as a proxy (`GET http://host/pypi/…`).
            let path = req
                .strip_prefix("GET ")
                .map(|r| match r.strip_prefix("http://") {
                    Some(abs) => abs.find('/').map_or("", |i| &abs[i..]),
                    None => r,
                })
                .unwrap_or("");
            let (status, body) = if path.starts_with("/pypi/numpy/json ") {
                ("200 OK", numpy.as_str())
            } else {
                ("404 Not Found", "")
            };
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    base
}

/// pip-tiny's cold build as the real tier logged it: one 90 kB wheel.
const PIP_LOG: &str = "#6 [2/3] COPY . .\n#6 DONE 0.0s\n\n#7 [3/3] RUN pip install --no-cache-dir -r requirements.txt\n#7 0.378 Collecting bottle==0.12.25\n#7 0.410   Downloading bottle-0.12.25-py3-none-any.whl (90 kB)\n#7 0.421 Installing collected packages: bottle\n#7 0.476 Successfully installed bottle-0.12.25\n#7 DONE 0.5s\n";

#[test]
fn registry_sizes_an_added_package_and_falls_back_when_unreachable() {
    let root = tempfile::tempdir().unwrap();
    let df = "FROM python:3.11-slim-bookworm\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n";
    for (side, reqs) in [
        ("before", "bottle==0.12.25\n"),
        ("after", "bottle==0.12.25\nnumpy==1.26.4\n"),
    ] {
        let d = root.path().join(side);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("Dockerfile"), df).unwrap();
        std::fs::write(d.join("requirements.txt"), reqs).unwrap();
    }
    std::fs::write(root.path().join("cold.log"), PIP_LOG).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let run = |pypi: &str, extra: &[&str]| {
        let mut c = Command::new(BIN);
        c.current_dir(root.path())
            .args(["estimate", "--before", "before", "--after", "after"])
            .args(["--log", "cold.log"])
            .args(extra)
            .env("DOCKOPT_PYPI_URL", pypi)
            .env("DOCKOPT_CACHE_DIR", cache.path())
            .env("DOCKOPT_REGISTRY_TIMEOUT", "5");
        if !extra.contains(&"--format") {
            c.args(["--format", "json"]);
        }
        c.output().expect("run dockopt")
    };
    let pypi = fake_pypi();
    let by_count = json(&run(&pypi, &[]));
    assert!(by_count.get("registry").is_none());
    let sized = json(&run(&pypi, &["--registry"]));
    let reg = &sized["registry"];
    assert_eq!(reg["sized"][0]["name"], "numpy");
    assert_eq!(reg["sized"][0]["version"], "1.26.4");
    assert_eq!(reg["sized"][0]["bytes"], 18_252_005);
    assert_eq!(reg["sized"][0]["source"], format!("{pypi}/numpy/json"));
    assert_eq!(reg["sized"][0]["cached"], false);
    // The wheel for the base image's CPython 3.11 on Linux x86_64.
    assert!(
        reg["sized"][0]["file"]
            .as_str()
            .unwrap()
            .contains("cp311-cp311-manylinux"),
        "{reg}"
    );
    let secs = |v: &Value| v["rebuild"]["seconds"].as_f64().unwrap();
    // 18.2 MB beyond bottle's 0.09 at the default 0.09 s/MB (the cold log is under 1 MB:
    // it teaches no per-MB rate): about 1.6 s more than by count.
    let more = secs(&sized) - secs(&by_count);
    assert!((1.5..1.8).contains(&more), "{more}: {sized}");
    let install = sized["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["instruction"].as_str().unwrap().contains("pip install"))
        .unwrap();
    assert!(
        install["cost_basis"]
            .as_str()
            .unwrap()
            .contains("numpy 18.3 MB (PyPI)"),
        "{install}"
    );
    assert!(sized["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("numpy 1.26.4 sized from PyPI")));

    // The registry gone: the answer comes from the cache.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/pypi", l.local_addr().unwrap())
    };
    let again = json(&run(&closed, &["--registry"]));
    assert_eq!(again["registry"]["sized"][0]["cached"], true);
    assert_eq!(secs(&again), secs(&sized));

    // Nothing cached and nothing answers: the package count, a note, exit 0; text too.
    std::fs::remove_dir_all(cache.path()).unwrap();
    let offline = json(&run(&closed, &["--registry"]));
    assert_eq!(offline["registry"]["sized"], serde_json::json!([]));
    assert_eq!(offline["registry"]["not_sized"][0]["name"], "numpy");
    assert!(offline["registry"]["not_sized"][0]["error"]
        .as_str()
        .unwrap()
        .contains("PyPI unreachable"));
    assert_eq!(secs(&offline), secs(&by_count));
    let text = run(&closed, &["--registry", "--format", "text"]);
    assert!(text.status.success(), "{}", stderr(&text));
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(
        out.contains("numpy 1.26.4 not sized (PyPI unreachable")
            && out.contains("costed by the package count"),
        "{out}"
    );
}

#[test]
fn registry_sizes_a_package_a_dockerfile_edit_names() {
    let root = tempfile::tempdir().unwrap();
    for (side, run) in [
        ("before", "pip install --no-cache-dir bottle==0.12.25"),
        (
            "after",
            "pip install --no-cache-dir bottle==0.12.25 numpy==1.26.4",
        ),
    ] {
        let d = root.path().join(side);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("Dockerfile"),
            format!("FROM python:3.11-slim-bookworm\nRUN {run}\n"),
        )
        .unwrap();
    }
    let log = "#5 [2/2] RUN pip install --no-cache-dir bottle==0.12.25\n#5 0.378 Collecting bottle==0.12.25\n#5 0.410   Downloading bottle-0.12.25-py3-none-any.whl (90 kB)\n#5 0.421 Installing collected packages: bottle\n#5 0.476 Successfully installed bottle-0.12.25\n#5 DONE 0.5s\n";
    std::fs::write(root.path().join("cold.log"), log).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let pypi = fake_pypi();
    let run = |extra: &[&str]| {
        let o = Command::new(BIN)
            .current_dir(root.path())
            .args(["estimate", "--before", "before", "--after", "after"])
            .args(["--log", "cold.log", "--format", "json"])
            .args(extra)
            .env("DOCKOPT_PYPI_URL", &pypi)
            .env("DOCKOPT_CACHE_DIR", cache.path())
            .output()
            .expect("run dockopt");
        json(&o)
    };
    let by_count = run(&[]);
    let sized = run(&["--registry"]);
    assert_eq!(sized["registry"]["sized"][0]["name"], "numpy", "{sized}");
    let secs = |v: &Value| v["rebuild"]["seconds"].as_f64().unwrap();
    // 18.2 MB beyond the logged mean at the default 0.09 s/MB.
    let more = secs(&sized) - secs(&by_count);
    assert!((1.5..1.8).contains(&more), "{more}: {sized}");
}

#[test]
fn registry_requests_honour_the_proxy_variables() {
    let root = tempfile::tempdir().unwrap();
    for (side, reqs) in [
        ("before", "bottle==0.12.25\n"),
        ("after", "bottle==0.12.25\nnumpy==1.26.4\n"),
    ] {
        let d = root.path().join(side);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("Dockerfile"),
            "FROM python:3.11-slim-bookworm\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n",
        )
        .unwrap();
        std::fs::write(d.join("requirements.txt"), reqs).unwrap();
    }
    std::fs::write(root.path().join("cold.log"), PIP_LOG).unwrap();
    // The fake PyPI answers as a proxy; the registry's own host does not exist.
    let proxy = fake_pypi().trim_end_matches("/pypi").to_string();
    let run = |vars: &[(&str, &str)]| {
        let cache = tempfile::tempdir().unwrap();
        let mut c = Command::new(BIN);
        c.current_dir(root.path())
            .args(["estimate", "--before", "before", "--after", "after"])
            .args(["--log", "cold.log", "--registry", "--format", "json"])
            .env("DOCKOPT_PYPI_URL", "http://pypi.invalid/pypi")
            .env("DOCKOPT_CACHE_DIR", cache.path())
            .env("DOCKOPT_REGISTRY_TIMEOUT", "5");
        for k in [
            "http_proxy",
            "https_proxy",
            "all_proxy",
            "no_proxy",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "NO_PROXY",
        ] {
            c.env_remove(k);
        }
        c.envs(vars.iter().copied());
        json(&c.output().expect("run dockopt"))
    };
    let via = run(&[("HTTP_PROXY", &proxy)]);
    assert_eq!(via["registry"]["sized"][0]["name"], "numpy", "{via}");
    assert_eq!(via["registry"]["sized"][0]["bytes"], 18_252_005);
    let all = run(&[("ALL_PROXY", &proxy)]);
    assert_eq!(all["registry"]["sized"][0]["name"], "numpy", "{all}");
    // NO_PROXY names the registry's host: asked directly, which fails, and the count is kept.
    let bypassed = run(&[("HTTP_PROXY", &proxy), ("NO_PROXY", ".invalid")]);
    assert_eq!(bypassed["registry"]["sized"], serde_json::json!([]));
    assert_eq!(bypassed["registry"]["not_sized"][0]["name"], "numpy");
    // An https proxy URL for http requests is not consulted.
    let other = run(&[("HTTPS_PROXY", &proxy)]);
    assert_eq!(
        other["registry"]["not_sized"][0]["name"], "numpy",
        "{other}"
    );
}

#[test]
fn history_sizes_each_commits_added_packages() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    std::fs::write(
        r.join("Dockerfile"),
        "FROM python:3.11-slim-bookworm\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n",
    )
    .unwrap();
    std::fs::write(r.join("requirements.txt"), "bottle==0.12.25\n").unwrap();
    std::fs::write(r.join("app.py"), "print(1)\n").unwrap();
    git(r, &["init", "-q"]);
    commit(r, "import");
    append(r, "app.py", "print(2)\n");
    commit(r, "app: two");
    append(r, "requirements.txt", "numpy==1.26.4\n");
    commit(r, "deps: add numpy");
    let cache = tempfile::tempdir().unwrap();
    let pypi = fake_pypi();
    let run = |extra: &[&str]| {
        let o = Command::new(BIN)
            .current_dir(r)
            .args(["estimate", "--history", "0", "--format", "json"])
            .args(extra)
            .env("DOCKOPT_PYPI_URL", &pypi)
            .env("DOCKOPT_CACHE_DIR", cache.path())
            .env("DOCKOPT_REGISTRY_TIMEOUT", "5")
            .output()
            .expect("run dockopt");
        assert!(
            !stderr(&o).contains("--registry is not used"),
            "{}",
            stderr(&o)
        );
        json(&o)
    };
    let by_count = run(&[]);
    let sized = run(&["--registry"]);
    let commits = |v: &Value| v["commits"].as_array().unwrap().clone();
    let (c0, c1) = (commits(&by_count), commits(&sized));
    assert_eq!(c1.len(), 2, "{sized}");
    let secs = |c: &Value| c["rebuild"]["seconds"].as_f64().unwrap();
    // The app edit adds nothing: the same figure, no registry object.
    assert_eq!(c1[0]["subject"], "app: two");
    assert!(c1[0].get("registry").is_none(), "{}", c1[0]);
    assert_eq!(secs(&c1[0]), secs(&c0[0]));
    // The numpy commit: sized, and dearer by its megabytes (18.2 MB at the default 0.09 s/MB
    // beyond a heuristic install's mean of 0).
    assert_eq!(c1[1]["registry"]["sized"][0]["name"], "numpy", "{}", c1[1]);
    let more = secs(&c1[1]) - secs(&c0[1]);
    assert!(more > 1.5, "{more}: {} vs {}", c1[1], c0[1]);
    assert!(
        sized["notes"].as_array().unwrap().iter().any(|n| n
            .as_str()
            .unwrap()
            .contains(": --registry: numpy 1.26.4 sized from PyPI")),
        "{sized}"
    );
}
