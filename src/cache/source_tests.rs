//! Cache sources on small in-memory builds: one test per mode, and the
//! multi-stage cases that make inline/mode=min differ from a local cache.

use super::*;
use crate::cache::Cause;
use crate::change::input_from_text;
use crate::context::ContextTree;
use crate::model::BuildOptions;

fn ctx(files: &[(&str, &str)]) -> (tempfile::TempDir, ContextTree) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (p, body) in files {
        std::fs::write(dir.path().join(p), body).unwrap_or_else(|e| panic!("{e}"));
    }
    let tree = ContextTree::load(dir.path(), None).unwrap_or_else(|e| panic!("{e}"));
    (dir, tree)
}

fn input(df: &str, tree: ContextTree, target: Option<&str>) -> BuildInput {
    let opts = BuildOptions {
        target: target.map(str::to_string),
        ..Default::default()
    };
    input_from_text("Dockerfile".into(), df, &opts, tree).unwrap_or_else(|e| panic!("{e}"))
}

/// H hit, M miss, m miss that hits if re-run stages give identical bytes, - not built.
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

struct Case<'a> {
    df: &'a str,
    after_df: Option<&'a str>,
    before: &'a [(&'a str, &'a str)],
    after: &'a [(&'a str, &'a str)],
    before_target: Option<&'a str>,
    target: Option<&'a str>,
}

impl Case<'_> {
    fn run(&self, source: &str) -> Simulation {
        let (_a, t1) = ctx(self.before);
        let (_b, t2) = ctx(self.after);
        let src: CacheSource = source.parse().unwrap_or_else(|e| panic!("{e}"));
        simulate_with_source(
            &input(self.df, t1, self.before_target.or(self.target)),
            &input(self.after_df.unwrap_or(self.df), t2, self.target),
            &src,
        )
    }
}

const MULTI: &str = "FROM a AS builder\nRUN echo deps\nCOPY src.txt /src\nRUN cat /src >/out\n\
FROM a\nRUN echo final\nCOPY --from=builder /out /out\nCOPY f.txt /f\nRUN cat /f\n";

fn multi<'a>(before: &'a [(&'a str, &'a str)], after: &'a [(&'a str, &'a str)]) -> Case<'a> {
    Case {
        df: MULTI,
        after_df: None,
        before,
        after,
        before_target: None,
        target: None,
    }
}

#[test]
fn parse_and_display_round_trip() {
    for s in [
        "none",
        "local",
        "inline",
        "registry,mode=min",
        "registry,mode=max",
        "gha,mode=max,scope=api",
        "gha,mode=min",
        "local-dir,mode=max",
    ] {
        let src: CacheSource = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(src.to_string(), s);
    }
    let buildx: CacheSource = "type=registry,ref=r/x:cache,mode=max"
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        buildx,
        CacheSource::Registry {
            mode: ExportMode::Max
        }
    );
    // BuildKit's default export mode is min.
    assert_eq!(
        "gha".parse::<CacheSource>(),
        Ok(CacheSource::Gha {
            mode: ExportMode::Min,
            scope: None
        })
    );
    assert!(matches!(
        "s3".parse::<CacheSource>(),
        Err(SourceError::Unknown(_))
    ));
    assert!(matches!(
        "registry,mode=all".parse::<CacheSource>(),
        Err(SourceError::Mode(_))
    ));
    assert!(matches!(
        "inline,scope=x".parse::<CacheSource>(),
        Err(SourceError::Option { .. })
    ));
    assert!(CacheSource::Inline.engine_verified());
    assert!(!CacheSource::Registry {
        mode: ExportMode::Max
    }
    .engine_verified());
}

#[test]
fn local_is_todays_simulation() {
    let f = [("src.txt", "1"), ("f.txt", "1")];
    let g = [("src.txt", "2"), ("f.txt", "1")];
    let c = multi(&f, &g);
    let plain = {
        let (_a, t1) = ctx(&f);
        let (_b, t2) = ctx(&g);
        simulate(&input(MULTI, t1, None), &input(MULTI, t2, None))
    };
    let s = c.run("local");
    assert_eq!(verdicts(&s), verdicts(&plain));
    assert_eq!(verdicts(&s), "HMMHmmm");
    assert!(s.steps.iter().all(|st| st.cache_source.is_some()));
    assert_eq!(s.summary.hits, plain.summary.hits);
}

#[test]
fn none_runs_everything() {
    let f = [("src.txt", "1"), ("f.txt", "1")];
    let s = multi(&f, &f).run("none");
    assert_eq!(verdicts(&s), "MMMMMMM");
    assert_eq!(s.summary.misses, 7);
    assert!(matches!(s.steps[0].cause, Cause::NotCached { .. }));
    let v = s.steps[0]
        .cache_source
        .clone()
        .unwrap_or_else(|| panic!("no verdict"));
    assert!(!v.served && v.source == "none", "{v:?}");
}

#[test]
fn inline_unchanged_multistage_hits_through_the_final_stage() {
    // Engine (20.10): every step CACHED; the builder is never needed.
    let f = [("src.txt", "1"), ("f.txt", "1")];
    let s = multi(&f, &f).run("inline");
    assert_eq!(verdicts(&s), "HHHHHHH");
    let builder = s.steps[0]
        .cache_source
        .clone()
        .unwrap_or_else(|| panic!("none"));
    assert!(builder.reason.starts_with("not needed"), "{builder:?}");
    let fin = s.steps[3]
        .cache_source
        .clone()
        .unwrap_or_else(|| panic!("none"));
    assert!(fin.reason.contains("layer of the final image"), "{fin:?}");
}

#[test]
fn inline_builder_change_reruns_the_whole_builder() {
    // Engine: builder 2/4 DONE although unchanged (no result exported), the
    // final stage's first RUN CACHED, everything after the copy DONE.
    let f = [("src.txt", "1"), ("f.txt", "1")];
    let g = [("src.txt", "2"), ("f.txt", "1")];
    let s = multi(&f, &g).run("inline");
    assert_eq!(verdicts(&s), "MMMHmmm");
    assert_eq!(
        s.steps[0].reason,
        "RUN echo deps ← not exported: builder stage `builder`, inline cache"
    );
    let min = multi(&f, &g).run("registry,mode=min");
    assert!(min.steps[0]
        .reason
        .ends_with("builder stage `builder`, mode=min"));
    // mode=max keeps the builder's dependency step.
    assert_eq!(verdicts(&multi(&f, &g).run("registry,mode=max")), "HMMHmmm");
    assert_eq!(
        verdicts(&multi(&f, &g).run("gha,mode=max,scope=x")),
        "HMMHmmm"
    );
    assert_eq!(
        verdicts(&multi(&f, &g).run("local-dir,mode=max")),
        "HMMHmmm"
    );
}

#[test]
fn inline_final_change_after_copy_keeps_builder_cached() {
    let f = [("src.txt", "1"), ("f.txt", "1")];
    let g = [("src.txt", "1"), ("f.txt", "2")];
    let s = multi(&f, &g).run("inline");
    assert_eq!(verdicts(&s), "HHHHHMM");
}

#[test]
fn inline_final_change_before_copy_reruns_builder() {
    // The final stage's RUN changes: the copy's chain moves, so it runs and
    // needs the builder's output, which inline cache does not hold.
    let after = MULTI.replace("echo final", "echo final2");
    let f = [("src.txt", "1"), ("f.txt", "1")];
    let c = Case {
        after_df: Some(&after),
        ..multi(&f, &f)
    };
    assert_eq!(verdicts(&c.run("inline")), "MMMMMMM");
    assert_eq!(verdicts(&c.run("local")), "HHHMMMM");
    assert_eq!(verdicts(&c.run("registry,mode=max")), "HHHMMMM");
}

#[test]
fn identical_builder_output_is_the_other_world() {
    // The builder re-runs (its input changed) but its output may come out
    // byte-identical: then the copy hits through the content key.
    let df = "FROM a AS builder\nCOPY src.txt /src\nRUN head -c1 /src >/out\n\
FROM a\nRUN echo final\nCOPY --from=builder /out /out\nRUN echo last\n";
    let f = [("src.txt", "1a")];
    let g = [("src.txt", "1b")];
    let c = Case {
        df,
        after_df: None,
        before: &f,
        after: &g,
        before_target: None,
        target: None,
    };
    assert_eq!(verdicts(&c.run("inline")), "MMHmm");
}

#[test]
fn single_stage_inline_equals_local() {
    let df = "FROM a\nRUN echo one\nCOPY f.txt /f\nRUN cat /f\n";
    let f = [("f.txt", "1")];
    let g = [("f.txt", "2")];
    let c = Case {
        df,
        after_df: None,
        before: &f,
        after: &g,
        before_target: None,
        target: None,
    };
    assert_eq!(verdicts(&c.run("inline")), verdicts(&c.run("local")));
    assert_eq!(verdicts(&c.run("inline")), "HMM");
}

#[test]
fn target_switch_reuses_only_shared_keys() {
    // The previous run exported target `test`; this run builds `prod`.
    let df = "FROM a AS base\nRUN echo base\n\
FROM base AS test\nRUN echo test\n\
FROM base AS prod\nRUN echo prod\n";
    let f: [(&str, &str); 0] = [];
    let c = Case {
        df,
        after_df: None,
        before: &f,
        after: &f,
        before_target: Some("test"),
        target: Some("prod"),
    };
    // base's RUN is a layer of `test`'s image: imported. prod's RUN never ran.
    assert_eq!(verdicts(&c.run("inline")), "H-M");
    let c2 = Case {
        before_target: Some("prod"),
        target: Some("test"),
        ..c
    };
    assert_eq!(verdicts(&c2.run("inline")), "HM-");
}

#[test]
fn final_chain_follows_from_stage() {
    let df = "FROM a AS one\nRUN echo 1\nFROM one AS two\nRUN echo 2\nFROM a AS other\nRUN echo 3\nFROM two\nRUN echo 4\n";
    let (_d, t) = ctx(&[]);
    let i = input(df, t, None);
    assert_eq!(final_chain(&i.model), vec![3, 1, 0]);
}
