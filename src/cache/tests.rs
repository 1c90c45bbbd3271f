//! Simulator tests on small in-memory builds, for the rules the engine
//! tier cannot exercise (features newer than its BuildKit v0.8, remote
//! sources) and for the explanations. The recorded engine scenarios are
//! replayed in tests/recorded.rs.

use super::*;
use crate::change::{input_from_text, ChangeKind, ChangeSpec};
use crate::context::ContextTree;
use crate::model::BuildOptions;

fn ctx(files: &[(&str, &str)]) -> (tempfile::TempDir, ContextTree) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (p, body) in files {
        let path = dir.path().join(p);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(path, body).unwrap_or_else(|e| panic!("{e}"));
    }
    let tree = ContextTree::load(dir.path(), None).unwrap_or_else(|e| panic!("{e}"));
    (dir, tree)
}

fn input(df: &str, tree: ContextTree, args: &[(&str, &str)]) -> BuildInput {
    let opts = BuildOptions {
        build_args: args
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        target: None,
        ..Default::default()
    };
    input_from_text("Dockerfile".into(), df, &opts, tree).unwrap_or_else(|e| panic!("{e}"))
}

fn verdicts(sim: &Simulation) -> String {
    sim.steps
        .iter()
        .map(|s| match (s.result, s.if_outputs_identical) {
            (Verdict::Hit, _) => "H",
            (Verdict::Miss, Some(Verdict::Hit)) => "m",
            (Verdict::Miss, _) => "M",
            (Verdict::NotBuilt, _) => "-",
        })
        .collect()
}

fn sim_files(
    df_before: &str,
    df_after: &str,
    before: &[(&str, &str)],
    after: &[(&str, &str)],
) -> Simulation {
    let (_a, t1) = ctx(before);
    let (_b, t2) = ctx(after);
    simulate(&input(df_before, t1, &[]), &input(df_after, t2, &[]))
}

#[test]
fn unchanged_rebuild_hits_everything() {
    let df = "FROM a\nWORKDIR /w\nCOPY a.txt .\nRUN echo r\n";
    let s = sim_files(df, df, &[("a.txt", "1")], &[("a.txt", "1")]);
    assert_eq!(verdicts(&s), "HHH");
}

#[test]
fn content_change_cascades_and_is_explained() {
    let df = "FROM a\nCOPY b.txt /b\nCOPY a.txt /a\nRUN echo r\n";
    let s = sim_files(
        df,
        df,
        &[("a.txt", "1"), ("b.txt", "2")],
        &[("a.txt", "x"), ("b.txt", "2")],
    );
    assert_eq!(verdicts(&s), "HMM");
    assert_eq!(s.steps[1].reason, "COPY a.txt /a ← a.txt changed (content)");
    assert!(matches!(&s.steps[2].cause, Cause::Upstream { line: 3, .. }));
}

#[test]
fn metadata_instructions_change_nothing() {
    let before = "FROM a\nLABEL a=1\nCOPY a.txt /a\nRUN echo r\nCMD [\"sh\"]\n";
    let after = "FROM a\n# note\nLABEL a=2\nCOPY a.txt /a\nEXPOSE 80\nRUN echo r\nCMD [\"bash\"]\nHEALTHCHECK NONE\n";
    let s = sim_files(before, after, &[("a.txt", "1")], &[("a.txt", "1")]);
    assert_eq!(verdicts(&s), "HH");
}

#[test]
fn env_and_arg_changes_miss_later_runs_only() {
    let before = "FROM a\nARG UNUSED=1\nCOPY a.txt /a\nWORKDIR /w\nRUN echo r\n";
    let after = before.replace("UNUSED=1", "UNUSED=2");
    let s = sim_files(before, &after, &[("a.txt", "1")], &[("a.txt", "1")]);
    assert_eq!(verdicts(&s), "HHM");
    assert!(matches!(&s.steps[2].cause, Cause::Arg { name, .. } if name == "UNUSED"));
    let (_d, t) = ctx(&[("a.txt", "1")]);
    let df = "FROM a\nARG V\nRUN echo r1\n";
    let s = simulate(
        &input(df, t.clone(), &[]),
        &input(df, t.clone(), &[("V", "1")]),
    );
    assert_eq!(verdicts(&s), "M");
    let s = simulate(&input(df, t.clone(), &[]), &input(df, t, &[("OTHER", "1")]));
    assert_eq!(verdicts(&s), "H", "undeclared build args are not keyed");
}

#[test]
fn env_order_is_keyed() {
    let s = sim_files(
        "FROM a\nENV A=1\nENV B=2\nRUN echo r\n",
        "FROM a\nENV B=2\nENV A=1\nRUN echo r\n",
        &[],
        &[],
    );
    assert_eq!(verdicts(&s), "M");
}

#[test]
fn shell_and_exec_forms_share_a_key() {
    let s = sim_files(
        "FROM a\nRUN echo hi\n",
        "FROM a\nRUN [\"/bin/sh\",\"-c\",\"echo hi\"]\n",
        &[],
        &[],
    );
    assert_eq!(verdicts(&s), "H");
    let s = sim_files(
        "FROM a\nRUN echo a && echo b\n",
        "FROM a\nRUN echo a && \\\n echo b\n",
        &[],
        &[],
    );
    assert_eq!(verdicts(&s), "M", "continuation whitespace is in the key");
}

#[test]
fn copy_keys_use_base_names_and_content() {
    let s = sim_files(
        "FROM a\nCOPY dir1/a.txt /dst/\nCOPY b.txt /b\n",
        "FROM a\nCOPY dir2/a.txt /dst/\nCOPY c.txt /b\n",
        &[("dir1/a.txt", "A"), ("b.txt", "B")],
        &[("dir2/a.txt", "A"), ("c.txt", "B")],
    );
    assert_eq!(verdicts(&s), "HM");
    let s = sim_files(
        "FROM a\nCOPY a.txt b.txt /d/\n",
        "FROM a\nCOPY b.txt a.txt /d/\n",
        &[("a.txt", "1"), ("b.txt", "2")],
        &[("a.txt", "1"), ("b.txt", "2")],
    );
    assert_eq!(verdicts(&s), "M", "source order is in the op");
    let s = sim_files(
        "FROM a\nCOPY d /d\nCOPY a.txt /a\n",
        "FROM a\nCOPY d/ /d\nCOPY ./a.txt /a\n",
        &[("a.txt", "1"), ("d/x", "2")],
        &[("a.txt", "1"), ("d/x", "2")],
    );
    assert_eq!(verdicts(&s), "HH", "sources are cleaned");
}

#[test]
fn wildcard_gains_a_matching_file() {
    let df = "FROM a\nCOPY *.txt /t/\nCOPY *.md /m/\nRUN echo r\n";
    let s = sim_files(
        df,
        df,
        &[("a.txt", "1"), ("r.md", "2")],
        &[
            ("a.txt", "1"),
            ("b.txt", "3"),
            ("c.cfg", "4"),
            ("r.md", "2"),
        ],
    );
    assert_eq!(verdicts(&s), "MMM");
}

#[test]
fn stage_outputs_are_three_valued() {
    let df = "FROM a AS builder\nCOPY src.txt /src.txt\nRUN wc -c </src.txt >/out.txt\nFROM a\nCOPY --from=builder /out.txt /out.txt\nRUN echo after\n";
    let s = sim_files(df, df, &[("src.txt", "abc")], &[("src.txt", "xyz")]);
    assert_eq!(
        verdicts(&s),
        "MMmm",
        "COPY --from hits if the builder's output is byte-identical"
    );
}

#[test]
fn unreachable_stages_are_not_built() {
    let df = "FROM a AS unused\nCOPY u.txt /u\nFROM a\nCOPY a.txt /a\n";
    let s = sim_files(
        df,
        df,
        &[("u.txt", "1"), ("a.txt", "1")],
        &[("u.txt", "2"), ("a.txt", "1")],
    );
    assert_eq!(verdicts(&s), "-H");
    assert!(s.steps[0].reason.starts_with("not built"));
}

#[test]
fn workdir_user_shell() {
    let s = sim_files(
        "FROM a\nUSER root\nCOPY a.txt /a\nWORKDIR /w\nRUN echo r\n",
        "FROM a\nUSER nobody\nCOPY a.txt /a\nWORKDIR /w\nRUN echo r\n",
        &[("a.txt", "1")],
        &[("a.txt", "1")],
    );
    assert_eq!(verdicts(&s), "HMM");
    assert!(
        s.steps[1].reason.contains("USER changed"),
        "{}",
        s.steps[1].reason
    );
    let s = sim_files(
        "FROM a\nWORKDIR a\nWORKDIR b\nRUN pwd\n",
        "FROM a\nWORKDIR a\nWORKDIR /a/b\nRUN pwd\n",
        &[],
        &[],
    );
    assert_eq!(verdicts(&s), "HHH");
    let s = sim_files(
        "FROM a\nSHELL [\"/bin/sh\",\"-c\"]\nRUN echo r\n",
        "FROM a\nSHELL [\"/bin/sh\",\"-ec\"]\nRUN echo r\n",
        &[],
        &[],
    );
    assert_eq!(verdicts(&s), "M");
    assert!(
        s.steps[0].reason.contains("SHELL changed"),
        "{}",
        s.steps[0].reason
    );
}

#[test]
fn features_newer_than_the_test_engine() {
    // Current BuildKit drops a cache mount's id from the key (v0.13+).
    let s = sim_files(
        "FROM a\nRUN --mount=type=cache,target=/c,id=x echo r\n",
        "FROM a\nRUN --mount=type=cache,target=/c,id=y echo r\n",
        &[],
        &[],
    );
    assert_eq!(verdicts(&s), "H");
    // Heredoc bodies are in the key.
    let s = sim_files(
        "FROM a\nRUN <<EOF\necho 1\nEOF\n",
        "FROM a\nRUN <<EOF\necho 2\nEOF\n",
        &[],
        &[],
    );
    assert_eq!(verdicts(&s), "M");
    // COPY --link ignores the chain: an upstream miss re-runs only the merge.
    let s = sim_files(
        "FROM a\nRUN echo 1\nCOPY --link a.txt /a\n",
        "FROM a\nRUN echo 2\nCOPY --link a.txt /a\n",
        &[("a.txt", "1")],
        &[("a.txt", "1")],
    );
    assert_eq!(verdicts(&s), "MM");
    // An unpinned URL is re-checked every build; a pinned one is stable.
    let s = sim_files(
        "FROM a\nADD https://e.com/x.tgz /x\n",
        "FROM a\nADD https://e.com/x.tgz /x\n",
        &[],
        &[],
    );
    assert_eq!(verdicts(&s), "m");
    let pinned = "FROM a\nADD --checksum=sha256:00 https://e.com/x.tgz /x\n";
    let s = sim_files(pinned, pinned, &[], &[]);
    assert_eq!(verdicts(&s), "H");
}

#[test]
fn bind_mounts_are_content_keyed() {
    let df = "FROM a\nRUN --mount=type=bind,source=req.txt,target=/tmp/req.txt cat /tmp/req.txt\nRUN --mount=type=bind,target=/ctx ls /ctx\nRUN echo r\n";
    let s = sim_files(
        df,
        df,
        &[("req.txt", "1"), ("other.txt", "1")],
        &[("req.txt", "1"), ("other.txt", "2")],
    );
    assert_eq!(verdicts(&s), "HMM");
}

#[test]
fn changed_paths_and_base_images() {
    let (dir, _) = ctx(&[
        (
            "Dockerfile",
            "FROM python:3.9\nCOPY req.txt .\nRUN pip install -r req.txt\nCOPY . .\n",
        ),
        ("req.txt", "x"),
        ("app.py", "y"),
    ]);
    let spec = |kind: ChangeKind, base: Vec<String>| ChangeSpec {
        context: Some(dir.path().to_path_buf()),
        kind,
        base_changed: base,
        ..Default::default()
    };
    let p = crate::change::prepare(&spec(ChangeKind::Paths(vec!["app.py".into()]), vec![]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(verdicts(&simulate(&p.before, &p.after)), "HHM");
    let p = crate::change::prepare(&spec(ChangeKind::Nothing, vec!["python".into()]))
        .unwrap_or_else(|e| panic!("{e}"));
    let s = simulate(&p.before, &p.after);
    // If the moved base kept its layers, only its config changed: COPY hits, RUN misses.
    assert_eq!(verdicts(&s), "mMM");
    assert!(matches!(&s.steps[0].cause, Cause::Base { image } if image == "python:3.9"));
}

fn with_config(image: &str, json: &str) -> BuildOptions {
    let mut opts = BuildOptions::default();
    opts.image_configs.insert(
        image.to_string(),
        crate::model::BaseImageConfig::from_inspect_json(json).unwrap_or_else(|e| panic!("{e}")),
    );
    opts
}

fn sim_with(
    df: &str,
    before: (&BuildOptions, &[(&str, &str)]),
    after: (&BuildOptions, &[(&str, &str)]),
) -> Simulation {
    let (_a, t1) = ctx(before.1);
    let (_b, t2) = ctx(after.1);
    let load = |o: &BuildOptions, t| {
        input_from_text("Dockerfile".into(), df, o, t).unwrap_or_else(|e| panic!("{e}"))
    };
    simulate(&load(before.0, t1), &load(after.0, t2))
}

const ONBUILD_BASE: &str =
    r#"[{"Config":{"Env":["PATH=/bin"],"OnBuild":["COPY a.txt /a","RUN echo triggered"]}}]"#;

#[test]
fn onbuild_triggers_run_first_and_cascade() {
    let df = "FROM bkonbuild\nRUN echo child\n";
    let opts = with_config("bkonbuild", ONBUILD_BASE);
    let s = sim_with(df, (&opts, &[("a.txt", "a")]), (&opts, &[("a.txt", "b")]));
    assert_eq!(verdicts(&s), "MMM");
    let shown: Vec<(&str, usize, usize, usize)> = s
        .steps
        .iter()
        .map(|st| {
            let p = st.progress.as_ref().unwrap_or_else(|| panic!("no label"));
            (st.instruction.as_str(), st.line, p.k, p.n)
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("ONBUILD COPY a.txt /a", 1, 2, 4),
            ("ONBUILD RUN echo triggered", 1, 3, 4),
            ("RUN echo child", 2, 4, 4),
        ]
    );
    assert_eq!(
        s.steps[0].reason,
        "ONBUILD trigger of bkonbuild: a.txt changed (content)"
    );
    assert!(matches!(&s.steps[0].cause, Cause::File { paths } if paths[0].path == "a.txt"));
    assert!(
        matches!(&s.steps[1].cause, Cause::Upstream { line: 1, instruction, .. } if instruction == "ONBUILD COPY a.txt /a")
    );
    assert!(
        matches!(&s.steps[2].cause, Cause::Upstream { line: 1, instruction, .. } if instruction == "ONBUILD RUN echo triggered")
    );
    assert_eq!(s.summary.misses, 3);

    // Unchanged: everything hits, triggers included.
    let s = sim_with(df, (&opts, &[("a.txt", "a")]), (&opts, &[("a.txt", "a")]));
    assert_eq!(verdicts(&s), "HHH");
    assert_eq!(s.summary.hits, 3);

    // Without the config the child's own step is all dockopt sees.
    let plain = BuildOptions::default();
    let s = sim_with(df, (&plain, &[("a.txt", "a")]), (&plain, &[("a.txt", "b")]));
    assert_eq!(verdicts(&s), "H");
    assert_eq!(s.steps[0].progress.as_ref().map(|p| p.k), Some(2));
}

#[test]
fn base_config_seeds_env_cwd_and_user() {
    let df = "FROM img\nRUN echo $X\nCOPY a.txt rel\n";
    let m = |json: &str| {
        let opts = with_config("img", json);
        let d = crate::syntax::parse(df).unwrap_or_else(|e| panic!("{e}"));
        crate::model::build(&d, &opts).unwrap_or_else(|e| panic!("{e}"))
    };
    let seeded = m(r#"{"Config":{"Env":["X=1"],"WorkingDir":"/srv","User":"app"}}"#);
    let Some(crate::model::Op::Run(r)) = &seeded.steps[0].op else {
        panic!("no RUN")
    };
    assert_eq!(r.env.to_vec(), vec![("X".into(), "1".into())]);
    assert_eq!((r.cwd.as_str(), r.user.as_str()), ("/srv", "app"));
    let Some(crate::model::Op::Copy(c)) = &seeded.steps[1].op else {
        panic!("no COPY")
    };
    assert_eq!(c.dest, "/srv/rel");

    // The base config is part of the RUN key: a different Env misses RUN, COPY
    // (whose key holds no env) hits on its own key but follows the chain.
    let a = with_config("img", r#"{"Config":{"Env":["X=1"]}}"#);
    let b = with_config("img", r#"{"Config":{"Env":["X=2"]}}"#);
    let files: &[(&str, &str)] = &[("a.txt", "a")];
    assert_eq!(verdicts(&sim_with(df, (&a, files), (&a, files))), "HH");
    assert_eq!(verdicts(&sim_with(df, (&a, files), (&b, files))), "MM");
}

#[test]
fn base_changed_with_a_known_config_behaves_as_before() {
    let (dir, _) = ctx(&[
        (
            "Dockerfile",
            "FROM python:3.9\nCOPY req.txt .\nRUN pip install -r req.txt\n",
        ),
        ("req.txt", "x"),
    ]);
    let inspect = dir.path().join("inspect.json");
    std::fs::write(
        &inspect,
        r#"[{"Config":{"Env":["PYTHON_VERSION=3.9"],"WorkingDir":"/app"}}]"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let config = crate::model::BaseImageConfig::from_inspect_json(
        &std::fs::read_to_string(&inspect).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let spec = ChangeSpec {
        context: Some(dir.path().to_path_buf()),
        kind: ChangeKind::Nothing,
        base_changed: vec!["python".into()],
        image_configs: [("python:3.9".to_string(), config)].into_iter().collect(),
        ..Default::default()
    };
    let p = crate::change::prepare(&spec).unwrap_or_else(|e| panic!("{e}"));
    let s = simulate(&p.before, &p.after);
    assert_eq!(verdicts(&s), "mM");
    assert!(matches!(&s.steps[0].cause, Cause::Base { image } if image == "python:3.9"));
    let Some(crate::model::Op::Copy(c)) = &p.after.model.steps[0].op else {
        panic!("no COPY")
    };
    assert_eq!(c.dest, "/app/");
}

/// The rules' lean simulation (`cache::verdicts`) gives every step the
/// verdict and line the full simulation gives, whatever it leaves out.
#[test]
fn lean_verdicts_match_the_full_simulation() {
    let lean_vs_full = |before: &BuildInput, after: &BuildInput| {
        let full = simulate(before, after);
        let lean = super::verdicts(before, after);
        let pairs = |s: &Simulation| -> Vec<(usize, Verdict)> {
            s.steps.iter().map(|r| (r.line, r.result)).collect()
        };
        assert_eq!(pairs(&lean), pairs(&full));
        assert_eq!(lean.summary.misses, full.summary.misses);
        assert_eq!(lean.summary.hits, full.summary.hits);
        assert!(lean.steps.iter().all(|r| r.reason.is_empty()));
        full
    };
    let staged = "FROM a AS builder\nCOPY src.txt /src.txt\nRUN wc -c </src.txt >/out.txt\nFROM a AS unused\nCOPY u.txt /u\nFROM a\nARG V=1\nCOPY --from=builder /out.txt /out.txt\nRUN echo $V\nCOPY . /app\nRUN echo after\n";
    let files: &[(&str, &str)] = &[("src.txt", "abc"), ("u.txt", "u")];
    let edited: &[(&str, &str)] = &[("src.txt", "xyz"), ("u.txt", "u")];
    let (_a, t1) = ctx(files);
    let (_b, t2) = ctx(edited);
    let full = lean_vs_full(&input(staged, t1.clone(), &[]), &input(staged, t2, &[]));
    assert!(full.summary.misses > 0 && full.summary.not_built > 0);
    // A build arg changed: the RUN after the ARG misses.
    lean_vs_full(
        &input(staged, t1.clone(), &[]),
        &input(staged, t1, &[("V", "2")]),
    );
    // ONBUILD triggers of the base image.
    let df = "FROM bkonbuild\nRUN echo child\n";
    let opts = with_config("bkonbuild", ONBUILD_BASE);
    let (_c, t3) = ctx(&[("a.txt", "a")]);
    let (_d, t4) = ctx(&[("a.txt", "b")]);
    let load =
        |t| input_from_text("Dockerfile".into(), df, &opts, t).unwrap_or_else(|e| panic!("{e}"));
    lean_vs_full(&load(t3), &load(t4));
}
