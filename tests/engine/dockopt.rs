//! Running `dockopt simulate` and checking its answer against what the engine printed.
//!
//! The JSON contract (`--format json`):
//! `{"steps":[{"stage":0,"stage_name":null,"line":3,"instruction":"COPY a /a","result":"hit",
//!   "reason":"..","cause":{"kind":..},"progress":{"stage":"stage-0","k":2,"n":4}}],
//!   "summary":{"hits":1,"misses":0}}`
//! Steps are the ops BuildKit prints (RUN, COPY, ADD, WORKDIR other than `/`).

use crate::progress::{Status, Step};
use serde::Deserialize;
use std::path::Path;
use std::process::Command;

/// Fields the harness does not read are still parsed: they are part of the contract.
#[derive(Debug, Clone, Deserialize)]
#[allow(dead_code)]
pub struct SimOutput {
    pub steps: Vec<SimStep>,
    #[serde(default)]
    pub summary: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[allow(dead_code)]
pub struct SimStep {
    pub stage: usize,
    #[serde(default)]
    pub stage_name: Option<String>,
    pub line: usize,
    pub instruction: String,
    /// "hit" | "miss" | "not-built"
    pub result: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub cause: Option<serde_json::Value>,
    #[serde(default)]
    pub progress: Option<SimProgress>,
    /// The verdict if re-run stages and changed images turn out byte-identical.
    #[serde(default)]
    pub if_outputs_identical: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SimProgress {
    /// BuildKit's progress label: the stage name or `stage-<index>`.
    pub stage: String,
    pub k: u32,
    pub n: u32,
}

impl SimStep {
    fn built(&self) -> bool {
        self.result != "not-built"
    }

    fn describe(&self) -> String {
        let mut s = format!("line {} `{}`", self.line, self.instruction);
        if let Some(p) = &self.progress {
            s.push_str(&format!(" [{} {}/{}]", p.stage, p.k, p.n));
        }
        s
    }

    fn why(&self) -> String {
        match (&self.reason, &self.cause) {
            (Some(r), _) if !r.is_empty() => format!(" (dockopt: {r})"),
            (_, Some(c)) => format!(" (dockopt cause: {c})"),
            _ => String::new(),
        }
    }
}

/// The arguments of the `dockopt simulate` invocation for one scenario.
pub struct SimArgs<'a> {
    pub before: &'a Path,
    pub after: &'a Path,
    pub dockerfile: &'a str,
    pub target: Option<&'a str>,
    pub build_args: &'a [(String, String)],
    pub after_build_args: &'a [(String, String)],
    /// Only for base changes of kind `layers` or `env`.
    pub base_changed: Option<&'a str>,
    /// `--image-config IMAGE=FILE` pairs: FILE is `docker image inspect IMAGE` output.
    pub image_configs: &'a [(String, std::path::PathBuf)],
}

/// `dockopt simulate --before B --after A [-f DF] [--target T] [--build-arg K=V]...
/// [--after-build-arg K=V]... [--base-changed IMAGE] [--image-config IMAGE=FILE]... --format json`
pub fn command(bin: &Path, a: &SimArgs) -> Command {
    let mut c = Command::new(bin);
    c.arg("simulate")
        .arg("--before")
        .arg(a.before)
        .arg("--after")
        .arg(a.after);
    if a.dockerfile != "Dockerfile" {
        c.arg("-f").arg(a.dockerfile);
    }
    if let Some(t) = a.target {
        c.arg("--target").arg(t);
    }
    for (k, v) in a.build_args {
        c.arg("--build-arg").arg(format!("{k}={v}"));
    }
    for (k, v) in a.after_build_args {
        c.arg("--after-build-arg").arg(format!("{k}={v}"));
    }
    if let Some(img) = a.base_changed {
        c.arg("--base-changed").arg(img);
    }
    for (img, file) in a.image_configs {
        let mut v = std::ffi::OsString::from(format!("{img}="));
        v.push(file);
        c.arg("--image-config").arg(v);
    }
    c.arg("--format").arg("json");
    c
}

/// Runs the binary and parses its JSON; errors say clearly what went wrong.
pub fn simulate(bin: &Path, a: &SimArgs) -> Result<SimOutput, String> {
    let cmd = command(bin, a);
    let shown = format!("{cmd:?}");
    let out = crate::engine::run_with_timeout(cmd, std::time::Duration::from_secs(60))
        .map_err(|e| format!("cannot run dockopt ({}): {e}", bin.display()))?;
    if !out.success {
        return Err(format!(
            "dockopt simulate failed (exit {:?}): {}\n    command: {shown}",
            out.code,
            crate::engine::tail(&out.text, 8).replace('\n', "\n    ")
        ));
    }
    parse_output(&out.stdout).map_err(|e| {
        format!(
            "{e}\n    command: {shown}\n    stderr: {}",
            crate::engine::tail(&out.stderr, 4).replace('\n', "\n    ")
        )
    })
}

pub fn parse_output(text: &str) -> Result<SimOutput, String> {
    let start = text.find('{').ok_or_else(|| {
        format!(
            "dockopt simulate printed no JSON (is `simulate --format json` implemented yet?); output: {:?}",
            crate::engine::tail(text, 3)
        )
    })?;
    let mut de = serde_json::Deserializer::from_str(&text[start..]);
    let v: SimOutput = serde::Deserialize::deserialize(&mut de)
        .map_err(|e| format!("dockopt simulate output does not follow the JSON contract: {e}"))?;
    Ok(v)
}

/// Compares the engine's after-build steps (FROM lines already removed) with dockopt's answer.
/// dockopt answers for two worlds: re-run stages (and changed images) produce different
/// bytes (`result`) or identical bytes (`if_outputs_identical`, where it differs). The engine
/// must agree with one world on every step. `modern` replaces the engine's verdict for
/// steps where current BuildKit differs from this engine. Empty means they agree.
pub fn compare(
    engine: &[Step],
    sim: &SimOutput,
    modern: &[(Option<String>, u32, String)],
) -> Vec<String> {
    let differ = compare_world(engine, sim, modern, false);
    if differ.is_empty() {
        return differ;
    }
    let identical = compare_world(engine, sim, modern, true);
    if identical.is_empty() {
        return identical;
    }
    differ
}

fn compare_world(
    engine: &[Step],
    sim: &SimOutput,
    modern: &[(Option<String>, u32, String)],
    identical: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut matched = vec![false; sim.steps.len()];
    for e in engine {
        let candidates: Vec<usize> = sim
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| match (&e.stage, &s.progress) {
                (_, None) => false,
                (Some(label), Some(p)) => &p.stage == label && p.k == e.k,
                (None, Some(p)) => s.built() && p.k == e.k,
            })
            .map(|(i, _)| i)
            .collect();
        let i = match candidates.as_slice() {
            [] => {
                problems.push(format!(
                    "engine step {} ({}) has no dockopt step",
                    e.label(),
                    e.status.as_str()
                ));
                continue;
            }
            [i] => *i,
            many => {
                let which: Vec<String> = many.iter().map(|&i| sim.steps[i].describe()).collect();
                problems.push(format!(
                    "engine step {} matches several dockopt steps: {}",
                    e.label(),
                    which.join(", ")
                ));
                for &i in many {
                    matched[i] = true;
                }
                continue;
            }
        };
        matched[i] = true;
        let s = &sim.steps[i];
        let modern_verdict = modern
            .iter()
            .find(|(stage, k, _)| *stage == e.stage && *k == e.k)
            .map(|(_, _, r)| r.as_str());
        let engine_verdict = match e.status {
            _ if modern_verdict.is_some() => modern_verdict.unwrap_or_default(),
            Status::Cached => "hit",
            Status::Done => "miss",
            other => {
                problems.push(format!(
                    "engine step {} ended {}",
                    e.label(),
                    other.as_str()
                ));
                continue;
            }
        };
        let dockopt_verdict = match (&s.if_outputs_identical, identical) {
            (Some(v), true) => v.as_str(),
            _ => s.result.as_str(),
        };
        if dockopt_verdict != engine_verdict {
            problems.push(format!(
                "{}: engine {} ({}{}), dockopt {}{}{}",
                e.label(),
                engine_verdict,
                e.status.as_str(),
                if modern_verdict.is_some() {
                    ", current BuildKit"
                } else {
                    ""
                },
                dockopt_verdict,
                if identical {
                    " if outputs are identical"
                } else {
                    ""
                },
                s.why()
            ));
        }
    }
    for (i, s) in sim.steps.iter().enumerate() {
        if matched[i] {
            continue;
        }
        match s.result.as_str() {
            "hit" | "miss" => problems.push(format!(
                "dockopt step {} is {} but the engine printed no such step{}",
                s.describe(),
                s.result,
                s.why()
            )),
            "not-built" => {}
            other => problems.push(format!(
                "dockopt step {} has unknown result {other:?}",
                s.describe()
            )),
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress;

    const MULTI: &str = "#1 [internal] load build definition from Dockerfile\n#1 DONE 0.0s\n\n\
        #4 [builder 1/3] FROM docker.io/library/bkbase\n#4 DONE 0.0s\n\n\
        #5 [builder 2/3] COPY src.txt /src.txt\n#5 sha256:00\n#5 DONE 0.0s\n\n\
        #6 [builder 3/3] RUN wc -c </src.txt >/out.txt\n#6 DONE 0.1s\n\n\
        #7 [stage-1 2/3] COPY --from=builder /out.txt /out.txt\n#7 CACHED\n\n\
        #8 [stage-1 3/3] RUN echo after\n#8 CACHED\n";

    fn sim(json: &str) -> SimOutput {
        parse_output(json).unwrap()
    }

    fn step(
        stage: usize,
        name: Option<&str>,
        line: usize,
        instr: &str,
        result: &str,
        prog: (&str, u32, u32),
    ) -> String {
        format!(
            r#"{{"stage":{stage},"stage_name":{},"line":{line},"instruction":{},"result":"{result}","reason":"r","cause":{{"kind":"x"}},"progress":{{"stage":"{}","k":{},"n":{}}}}}"#,
            serde_json::to_string(&name).unwrap(),
            serde_json::to_string(instr).unwrap(),
            prog.0,
            prog.1,
            prog.2
        )
    }

    fn doc(steps: &[String]) -> String {
        format!(
            r#"{{"steps":[{}],"summary":{{"hits":0,"misses":0}}}}"#,
            steps.join(",")
        )
    }

    fn multi_sim(final_copy: &str) -> SimOutput {
        sim(&doc(&[
            step(
                0,
                Some("builder"),
                2,
                "COPY src.txt /src.txt",
                "miss",
                ("builder", 2, 3),
            ),
            step(
                0,
                Some("builder"),
                3,
                "RUN wc -c </src.txt >/out.txt",
                "miss",
                ("builder", 3, 3),
            ),
            step(
                1,
                Some("unused"),
                6,
                "RUN echo u",
                "not-built",
                ("unused", 2, 2),
            ),
            step(
                2,
                None,
                8,
                "COPY --from=builder /out.txt /out.txt",
                final_copy,
                ("stage-2", 2, 3),
            ),
            step(2, None, 9, "RUN echo after", "hit", ("stage-2", 3, 3)),
        ]))
    }

    #[test]
    fn multi_stage_agreement_and_labels() {
        let engine = progress::ops(MULTI);
        assert_eq!(engine.len(), 4);
        // dockopt labels the final stage "stage-2" but the engine says "stage-1": no match.
        let problems = compare(&engine, &multi_sim("hit"), &[]);
        assert_eq!(problems.len(), 4, "{problems:#?}");
        let fixed = MULTI.replace("stage-1", "stage-2");
        let engine = progress::ops(&fixed);
        assert!(compare(&engine, &multi_sim("hit"), &[]).is_empty());
        let problems = compare(&engine, &multi_sim("miss"), &[]);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].contains("engine hit (CACHED), dockopt miss (dockopt: r)"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn single_stage_matches_by_k_among_built_steps() {
        let engine = progress::ops(include_str!("fixtures/single-warm.txt"));
        let s = sim(&doc(&[
            step(0, None, 2, "RUN echo s00 >/scen", "hit", ("stage-0", 2, 5)),
            step(0, None, 3, "COPY a.txt /a", "miss", ("stage-0", 3, 5)),
            step(0, None, 4, "WORKDIR /w", "miss", ("stage-0", 4, 5)),
            step(0, None, 5, "RUN echo r", "miss", ("stage-0", 5, 5)),
            // An unreachable stage with the same k must not confuse the unlabeled match.
            step(1, Some("x"), 7, "RUN echo x", "not-built", ("x", 2, 2)),
        ]));
        assert!(
            compare(&engine, &s, &[]).is_empty(),
            "{:#?}",
            compare(&engine, &s, &[])
        );
    }

    #[test]
    fn missing_and_extra_and_not_built() {
        let engine = progress::ops(include_str!("fixtures/single-warm.txt"));
        let s = sim(&doc(&[
            step(0, None, 2, "RUN echo s00 >/scen", "hit", ("stage-0", 2, 5)),
            step(0, None, 3, "COPY a.txt /a", "miss", ("stage-0", 3, 5)),
            step(0, None, 5, "RUN echo r", "miss", ("stage-0", 5, 5)),
            step(0, None, 6, "RUN echo extra", "hit", ("stage-0", 6, 6)),
        ]));
        let p = compare(&engine, &s, &[]);
        assert_eq!(p.len(), 2, "{p:#?}");
        assert!(p[0].contains("[4/5] WORKDIR /w (DONE) has no dockopt step"));
        assert!(p[1]
            .contains("RUN echo extra` [stage-0 6/6] is hit but the engine printed no such step"));

        // A labelled engine step that dockopt calls not-built is a disagreement.
        let engine = progress::ops(&MULTI.replace("stage-1", "stage-2"));
        let s = sim(&doc(&[
            step(
                0,
                Some("builder"),
                2,
                "COPY src.txt /src.txt",
                "miss",
                ("builder", 2, 3),
            ),
            step(
                0,
                Some("builder"),
                3,
                "RUN wc",
                "not-built",
                ("builder", 3, 3),
            ),
            step(
                2,
                None,
                8,
                "COPY --from=builder /out.txt /out.txt",
                "hit",
                ("stage-2", 2, 3),
            ),
            step(2, None, 9, "RUN echo after", "hit", ("stage-2", 3, 3)),
        ]));
        let p = compare(&engine, &s, &[]);
        assert_eq!(p.len(), 1, "{p:#?}");
        assert!(p[0].contains("engine miss (DONE), dockopt not-built"));
    }

    #[test]
    fn unimplemented_binary_is_reported_clearly() {
        let e = parse_output("").unwrap_err();
        assert!(
            e.contains("is `simulate --format json` implemented yet?"),
            "{e}"
        );
        let e = parse_output("{\"nope\":1}").unwrap_err();
        assert!(e.contains("JSON contract"), "{e}");
    }

    #[test]
    fn command_line() {
        let args = SimArgs {
            before: Path::new("/b"),
            after: Path::new("/a"),
            dockerfile: "sub/app.Dockerfile",
            target: Some("one"),
            build_args: &[("A".into(), "1".into())],
            after_build_args: &[("B".into(), "2".into())],
            base_changed: Some("bkenv"),
            image_configs: &[("bkonbuild".into(), "/i.json".into())],
        };
        let c = command(Path::new("dockopt"), &args);
        let argv: Vec<String> = c
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            argv.join(" "),
            "simulate --before /b --after /a -f sub/app.Dockerfile --target one --build-arg A=1 \
             --after-build-arg B=2 --base-changed bkenv --image-config bkonbuild=/i.json --format json"
        );
    }
}
