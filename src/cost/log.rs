//! Reading step timings from a real build's output: `docker build --progress=plain`
//! (20.10 CLI / BuildKit v0.8 printer and newer buildx) and `--progress=rawjson`
//! (one `SolveStatus` JSON object per line). Spec: buildkit-cache.md §11.

use serde::Deserialize;
use std::collections::BTreeMap;

/// How a step ended in the logged build.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Status {
    /// Ran, taking this many seconds.
    Done(f64),
    /// Taken from the cache: the log says nothing about its cost.
    Cached,
    Error,
    Canceled,
    /// Never printed a status (the build stopped first).
    NotRun,
}

/// One `[stage k/n] INSTR` vertex of the log.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedStep {
    /// The stage label; `None` when the build had one stage (BuildKit omits it).
    pub stage: Option<String>,
    pub k: usize,
    pub n: usize,
    /// The instruction as displayed (keyword upper-cased, variables expanded).
    pub instruction: String,
    pub status: Status,
    /// What the step printed, with the seconds since it started (`#8 12.345 text`; plain
    /// logs only): installers print what they fetched ([`crate::ecosystem::install_log`]).
    pub output: Vec<(f64, String)>,
    /// How many builds' logs timed this step: 1 in a parsed log; in logs [`combine`]d, those
    /// whose step ran (its figure and output are the fastest one's).
    pub builds: usize,
}

impl LoggedStep {
    pub fn seconds(&self) -> Option<f64> {
        match self.status {
            Status::Done(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_from(&self) -> bool {
        self.instruction
            .split_whitespace()
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case("FROM"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Plain,
    RawJson,
}

#[derive(Debug, Clone)]
pub struct BuildLog {
    pub format: LogFormat,
    /// Labelled steps in order of first appearance (internal vertices dropped).
    pub steps: Vec<LoggedStep>,
    /// The per-build vertices (`[internal] load build context`, `exporting to image`…)
    /// with how they ended: the build's overhead.
    pub internal: Vec<(String, Status)>,
}

impl BuildLog {
    /// Seconds of the per-build vertices matching `keep` (by name).
    pub fn internal_seconds(&self, keep: impl Fn(&str) -> bool) -> f64 {
        self.internal
            .iter()
            .filter(|(n, _)| keep(n))
            .filter_map(|(_, s)| match s {
                Status::Done(t) => Some(*t),
                _ => None,
            })
            .sum()
    }

    /// The fixed per-build overhead: loading the definition, `.dockerignore` and the context
    /// (not the base images' metadata, a registry round trip only when not local, nor the
    /// export, which grows with the layers written).
    pub fn fixed_overhead(&self) -> f64 {
        self.internal_seconds(|n| n.starts_with("[internal]") && !n.contains("load metadata"))
    }

    /// Seconds of `exporting to image`.
    pub fn export_seconds(&self) -> f64 {
        self.internal_seconds(|n| n.starts_with("exporting"))
    }

    /// Seconds the steps of the image's own stage ran (FROM excluded): the layers the export
    /// writes. That stage is the one of the last step the log lists (BuildKit finishes the
    /// target last); earlier stages' layers are not exported.
    pub fn final_stage_seconds(&self) -> f64 {
        let Some(last) = self.steps.iter().rev().find(|s| !s.is_from()) else {
            return 0.0;
        };
        self.steps
            .iter()
            .filter(|s| !s.is_from() && s.stage == last.stage)
            .filter_map(LoggedStep::seconds)
            .sum()
    }
}

/// A per-build vertex's name.
fn is_internal(name: &str) -> bool {
    name.starts_with("[internal]") || name.starts_with("exporting ")
}

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("no build steps found: expected `docker build --progress=plain` (lines like `#5 [2/4] RUN …` / `#5 DONE 1.2s`) or `--progress=rawjson` output")]
    Empty,
    #[error("line {line}: not a BuildKit rawjson status: {message}")]
    Json { line: usize, message: String },
}

/// Parses plain or rawjson output, detected from the first non-blank line.
pub fn parse(text: &str) -> Result<BuildLog, LogError> {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty());
    let log = match first {
        Some(l) if l.starts_with('{') => parse_rawjson(text)?,
        _ => parse_plain(text),
    };
    if log.steps.is_empty() {
        return Err(LogError::Empty);
    }
    Ok(log)
}

/// `[<platform> ][<stage> ]k/n] INSTR` → (stage, k, n, instr). Step 2 of §11.
pub fn parse_label(name: &str) -> Option<(Option<String>, usize, usize, String)> {
    let rest = name.strip_prefix('[')?;
    let close = rest.find("] ")?;
    let (inside, instr) = (&rest[..close], &rest[close + 2..]);
    let mut words: Vec<&str> = inside.split_whitespace().collect();
    let kn = words.pop()?;
    let (k, n) = kn.split_once('/')?;
    let (k, n) = (k.parse().ok()?, n.parse().ok()?);
    // A leading `os/arch` word is the platform (multi-platform builds).
    if words.len() == 2 || words.first().is_some_and(|w| w.contains('/')) {
        words.remove(0);
    }
    let stage = match words.as_slice() {
        [] => None,
        [s] => Some(s.to_string()),
        _ => return None,
    };
    Some((stage, k, n, instr.to_string()))
}

/// `#N …` → (N, rest).
fn split_vertex(line: &str) -> Option<(u32, &str)> {
    let rest = line.strip_prefix('#')?;
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let n = rest[..end].parse().ok()?;
    Some((n, rest[end..].strip_prefix(' ').unwrap_or("")))
}

fn status_of(rest: &str) -> Option<Status> {
    if rest == "CACHED" {
        Some(Status::Cached)
    } else if let Some(t) = rest.strip_prefix("DONE ") {
        t.trim().strip_suffix('s')?.parse().ok().map(Status::Done)
    } else if rest.starts_with("ERROR") {
        Some(Status::Error)
    } else if rest.starts_with("CANCELED") {
        Some(Status::Canceled)
    } else {
        None
    }
}

pub fn parse_plain(text: &str) -> BuildLog {
    let mut names: BTreeMap<u32, usize> = BTreeMap::new();
    let mut order: Vec<(u32, String)> = Vec::new();
    let mut status: BTreeMap<u32, Status> = BTreeMap::new();
    let mut output: BTreeMap<u32, Vec<(f64, String)>> = BTreeMap::new();
    for raw in text.lines() {
        let line = raw.trim_end_matches('\r');
        // A RUN whose output lacks a final newline glues the status on: `#8 0.044 bbb#8 DONE 0.0s`.
        let mut pieces = vec![line];
        if let Some((n, _)) = split_vertex(line) {
            let tag = format!("#{n} ");
            if let Some(pos) = line[1..].rfind(&tag).map(|p| p + 1) {
                pieces = vec![&line[..pos], &line[pos..]];
            }
        }
        for piece in pieces {
            let Some((n, rest)) = split_vertex(piece) else {
                continue;
            };
            if let Some(s) = status_of(rest) {
                // The last status wins (step 3).
                status.insert(n, s);
                continue;
            }
            if rest.starts_with("sha256:") {
                continue;
            }
            if is_output_line(rest) {
                let (t, said) = rest.split_once(' ').unwrap_or((rest, ""));
                if let Ok(t) = t.parse::<f64>() {
                    output.entry(n).or_default().push((t, said.to_string()));
                }
                continue;
            }
            if names.contains_key(&n) {
                continue;
            }
            names.insert(n, order.len());
            order.push((n, rest.to_string()));
        }
    }
    let internal = order
        .iter()
        .filter(|(_, name)| is_internal(name))
        .map(|(n, name)| {
            (
                name.clone(),
                status.get(n).copied().unwrap_or(Status::NotRun),
            )
        })
        .collect();
    let steps = order
        .into_iter()
        .filter_map(|(n, name)| {
            let (stage, k, total, instruction) = parse_label(&name)?;
            Some(LoggedStep {
                stage,
                k,
                n: total,
                instruction,
                status: status.get(&n).copied().unwrap_or(Status::NotRun),
                output: output.remove(&n).unwrap_or_default(),
                builds: 1,
            })
        })
        .collect();
    BuildLog {
        format: LogFormat::Plain,
        steps,
        internal,
    }
}

/// `0.123 text`: a RUN output line (step 4).
fn is_output_line(rest: &str) -> bool {
    let word = rest.split(' ').next().unwrap_or("");
    match word.split_once('.') {
        Some((a, b)) => {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

#[derive(Deserialize)]
struct RawStatus {
    #[serde(default)]
    vertexes: Vec<RawVertex>,
}

#[derive(Deserialize)]
struct RawVertex {
    digest: String,
    #[serde(default)]
    name: String,
    started: Option<String>,
    completed: Option<String>,
    #[serde(default)]
    cached: bool,
    #[serde(default)]
    error: Option<String>,
}

pub fn parse_rawjson(text: &str) -> Result<BuildLog, LogError> {
    struct Acc {
        name: String,
        started: Option<f64>,
        completed: Option<f64>,
        cached: bool,
        error: bool,
    }
    let mut order: Vec<String> = Vec::new();
    let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let st: RawStatus = serde_json::from_str(line).map_err(|e| LogError::Json {
            line: i + 1,
            message: e.to_string(),
        })?;
        for v in st.vertexes {
            let a = acc.entry(v.digest.clone()).or_insert_with(|| {
                order.push(v.digest.clone());
                Acc {
                    name: String::new(),
                    started: None,
                    completed: None,
                    cached: false,
                    error: false,
                }
            });
            if !v.name.is_empty() {
                a.name = v.name;
            }
            if let Some(t) = v.started.as_deref().and_then(rfc3339_seconds) {
                a.started = Some(t);
            }
            if let Some(t) = v.completed.as_deref().and_then(rfc3339_seconds) {
                a.completed = Some(t);
            }
            a.cached |= v.cached;
            a.error |= v.error.is_some_and(|e| !e.is_empty());
        }
    }
    let status_of = |a: &Acc| {
        if a.error {
            Status::Error
        } else if a.cached {
            Status::Cached
        } else {
            match (a.started, a.completed) {
                (Some(s), Some(c)) => Status::Done(((c - s).max(0.0) * 10.0).round() / 10.0),
                _ => Status::NotRun,
            }
        }
    };
    let internal = order
        .iter()
        .map(|d| &acc[d])
        .filter(|a| is_internal(&a.name))
        .map(|a| (a.name.clone(), status_of(a)))
        .collect();
    let steps = order
        .iter()
        .filter_map(|d| {
            let a = &acc[d];
            let (stage, k, n, instruction) = parse_label(&a.name)?;
            let status = status_of(a);
            Some(LoggedStep {
                stage,
                k,
                n,
                instruction,
                status,
                output: Vec::new(),
                builds: 1,
            })
        })
        .collect();
    Ok(BuildLog {
        format: LogFormat::RawJson,
        steps,
        internal,
    })
}

/// Several logs of builds of the same Dockerfile (a user's earlier builds, a CI's last runs)
/// as one: each `[stage k/n] INSTR` step, and each per-build vertex (by name and occurrence),
/// takes the **fastest** of the builds that ran it, with that build's output (so that an
/// installer's timeline still adds up). Steps in the order the first log lists them, then the
/// others' new ones. A step no log timed keeps the first log's status. `None` without a log.
///
/// Why the fastest: load only ever adds time, and on a loaded machine one build's step can
/// take several times its quiet time; a single log's noise is shared by every change
/// estimated from it. Measured on the real tier's run 19 (docs/cost-model.md, "Several logs of
/// the same build"): each step's fastest of three cold builds ranked the rebuilds better than
/// the fastest whole build and than each step's median.
pub fn combine(logs: &[BuildLog]) -> Option<BuildLog> {
    let first = logs.first()?;
    if logs.len() == 1 {
        return Some(first.clone());
    }
    type Key = (Option<String>, usize, usize, String);
    let key = |s: &LoggedStep| -> Key { (s.stage.clone(), s.k, s.n, s.instruction.clone()) };
    let mut keys: Vec<Key> = Vec::new();
    let mut runs: BTreeMap<Key, Vec<&LoggedStep>> = BTreeMap::new();
    for l in logs {
        for s in &l.steps {
            let k = key(s);
            let seen = runs.entry(k.clone()).or_default();
            if seen.is_empty() {
                keys.push(k);
            }
            seen.push(s);
        }
    }
    let steps = keys
        .iter()
        .filter_map(|k| {
            let all = runs.get(k)?;
            let timed: Vec<&LoggedStep> = all
                .iter()
                .copied()
                .filter(|s| s.seconds().is_some())
                .collect();
            let mut s = match fastest(&timed, |s| s.seconds().unwrap_or(0.0)) {
                Some(m) => (*m).clone(),
                None => (*all.first()?).clone(),
            };
            s.builds = timed.iter().map(|t| t.builds).sum();
            Some(s)
        })
        .collect();
    // Per-build vertices: the i-th vertex of a name in each log.
    let mut names: Vec<(String, usize)> = Vec::new();
    let mut ends: BTreeMap<(String, usize), Vec<Status>> = BTreeMap::new();
    for l in logs {
        let mut nth: BTreeMap<&str, usize> = BTreeMap::new();
        for (name, st) in &l.internal {
            let i = nth.entry(name.as_str()).or_default();
            let k = (name.clone(), *i);
            *i += 1;
            let seen = ends.entry(k.clone()).or_default();
            if seen.is_empty() {
                names.push(k);
            }
            seen.push(*st);
        }
    }
    let internal = names
        .into_iter()
        .filter_map(|k| {
            let all = ends.get(&k)?;
            let done: Vec<f64> = all
                .iter()
                .filter_map(|s| match s {
                    Status::Done(t) => Some(*t),
                    _ => None,
                })
                .collect();
            let st = match fastest(&done, |t| *t) {
                Some(t) => Status::Done(*t),
                None => *all.first()?,
            };
            Some((k.0, st))
        })
        .collect();
    Some(BuildLog {
        format: first.format,
        steps,
        internal,
    })
}

/// The element of `items` with the least `by`.
fn fastest<T>(items: &[T], by: impl Fn(&T) -> f64) -> Option<&T> {
    items.iter().min_by(|a, b| by(a).total_cmp(&by(b)))
}

/// Seconds since 1970 of an RFC 3339 timestamp (`2024-05-01T10:00:01.5+02:00`).
pub fn rfc3339_seconds(s: &str) -> Option<f64> {
    let (date, time) = s.split_once(['T', 't', ' '])?;
    let mut d = date.split('-');
    let y: i64 = d.next()?.parse().ok()?;
    let m: i64 = d.next()?.parse().ok()?;
    let day: i64 = d.next()?.parse().ok()?;
    let (clock, offset) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
        (c, 0.0)
    } else if let Some(pos) = time.rfind(['+', '-']) {
        let (c, o) = time.split_at(pos);
        let sign = if o.starts_with('-') { -1.0 } else { 1.0 };
        let (oh, om) = o[1..].split_once(':')?;
        let off = oh.parse::<f64>().ok()? * 3600.0 + om.parse::<f64>().ok()? * 60.0;
        (c, sign * off)
    } else {
        (time, 0.0)
    };
    let mut c = clock.split(':');
    let h: f64 = c.next()?.parse().ok()?;
    let mi: f64 = c.next()?.parse().ok()?;
    let sec: f64 = c.next()?.parse().ok()?;
    // Days from civil (Howard Hinnant).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days as f64 * 86_400.0 + h * 3600.0 + mi * 60.0 + sec - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SINGLE: &str = include_str!("testdata/single-stage.plain.log");
    const REBUILD: &str = include_str!("testdata/single-stage-rebuild.plain.log");
    const MULTI: &str = include_str!("testdata/multi-stage.plain.log");

    /// A plain log of `RUN` steps taking `secs` (step k+1 of n), each printing one line at
    /// half its time, then exporting in `export` seconds.
    fn timed(secs: &[f64], export: f64) -> BuildLog {
        let n = secs.len() + 1;
        let mut text =
            String::from("#1 [internal] load build definition from Dockerfile\n#1 DONE 0.1s\n");
        for (i, s) in secs.iter().enumerate() {
            let v = i + 2;
            text.push_str(&format!(
                "#{v} [{}/{n}] RUN step{i}\n#{v} {:.3} said {s}\n#{v} DONE {s:.1}s\n",
                i + 2,
                s / 2.0
            ));
        }
        text.push_str(&format!("#9 exporting to image\n#9 DONE {export:.1}s\n"));
        parse(&text).unwrap()
    }

    #[test]
    fn several_logs_combine_to_each_steps_fastest_build() {
        let logs = [
            timed(&[1.0, 9.0], 0.3),
            timed(&[4.0, 2.0], 0.9),
            timed(&[2.0, 3.0], 0.5),
        ];
        let c = combine(&logs).unwrap();
        let got: Vec<(usize, Option<f64>, usize)> = c
            .steps
            .iter()
            .map(|s| (s.k, s.seconds(), s.builds))
            .collect();
        // Each step its own fastest build: 1.0 of {1, 4, 2} (the first), 2.0 of {9, 2, 3}
        // (the second).
        assert_eq!(got, vec![(2, Some(1.0), 3), (3, Some(2.0), 3)]);
        // With the output of the build whose time it took.
        assert_eq!(c.steps[1].output, vec![(1.0, "said 2".to_string())]);
        assert_eq!(c.export_seconds(), 0.3);
        assert_eq!(c.fixed_overhead(), 0.1);
        // Faster than any one build: 3.0 s of steps, the builds took 10, 6 and 5.
        let steps = |l: &BuildLog| l.steps.iter().filter_map(LoggedStep::seconds).sum::<f64>();
        assert_eq!(steps(&c), 3.0);
        assert!(logs.iter().all(|l| steps(l) >= 5.0));
        let two = combine(&logs[1..]).unwrap();
        assert_eq!(two.steps[0].seconds(), Some(2.0));
        assert_eq!(two.steps[1].seconds(), Some(2.0));
        assert_eq!(combine(&logs[..1]).unwrap().steps, logs[0].steps);
        assert!(combine(&[]).is_none());
    }

    #[test]
    fn combined_logs_keep_steps_only_some_builds_ran() {
        // The second build had the step cached and one more step: the cached one keeps the
        // first build's time, the new one its only time.
        let a = timed(&[5.0], 0.2);
        let mut b = timed(&[6.0, 1.0], 0.2);
        b.steps[0].status = Status::Cached;
        let mut a2 = a.clone();
        a2.steps[0].n = 3;
        let c = combine(&[a2, b.clone()]).unwrap();
        let got: Vec<(usize, Option<f64>, usize)> = c
            .steps
            .iter()
            .map(|s| (s.k, s.seconds(), s.builds))
            .collect();
        assert_eq!(got, vec![(2, Some(5.0), 1), (3, Some(1.0), 1)]);
        let none = combine(&[b.clone(), b]).unwrap();
        assert_eq!(
            (none.steps[0].status, none.steps[0].builds),
            (Status::Cached, 0)
        );
    }

    #[test]
    fn captured_single_stage_cold_build() {
        let log = parse(SINGLE).unwrap();
        assert_eq!(log.format, LogFormat::Plain);
        let got: Vec<(Option<&str>, usize, &str, Status)> = log
            .steps
            .iter()
            .map(|s| (s.stage.as_deref(), s.k, s.instruction.as_str(), s.status))
            .collect();
        assert_eq!(
            got,
            vec![
                (None, 1, "FROM docker.io/library/bkbase", Status::Cached),
                (None, 2, "RUN echo costcap1 >/scen", Status::Done(0.4)),
                (None, 3, "RUN sleep 2", Status::Done(2.1)),
                (None, 4, "COPY a.txt /a", Status::Done(0.0)),
                (None, 5, "WORKDIR /w", Status::Done(0.0)),
                (None, 6, "RUN echo hi && sleep 1", Status::Done(1.3)),
            ]
        );
        assert!(log.steps.iter().all(|s| s.n == 6));
        assert!(log.fixed_overhead() >= 0.0 && !log.internal.is_empty());
    }

    #[test]
    fn the_exported_stage_is_the_last_one_logged() {
        // stage-1 ran 0.2 + 0.0 + 0.0 s; the builder's 1.3 s are not in the image.
        let log = parse(include_str!("testdata/multi-stage.plain.log")).unwrap();
        assert!((log.final_stage_seconds() - 0.2).abs() < 1e-9);
        let single = parse(SINGLE).unwrap();
        assert!((single.final_stage_seconds() - 3.8).abs() < 1e-9);
    }

    #[test]
    fn overhead_of_a_real_build() {
        let text = "#1 [internal] load build definition from orig.Dockerfile\n#1 DONE 0.1s\n\
                    #2 [internal] load .dockerignore\n#2 DONE 0.1s\n\
                    #3 [internal] load metadata for docker.io/dockopt-real/python:3.11-bookworm\n#3 DONE 0.4s\n\
                    #6 [internal] load build context\n#6 DONE 0.2s\n\
                    #4 [1/2] FROM docker.io/dockopt-real/python:3.11-bookworm\n#4 DONE 0.2s\n\
                    #8 [2/2] RUN pip install -r requirements.txt\n#8 DONE 93.6s\n\
                    #9 exporting to image\n#9 exporting layers\n#9 exporting layers 1.5s done\n#9 DONE 1.6s\n";
        let log = parse(text).unwrap();
        assert!((log.fixed_overhead() - 0.4).abs() < 1e-9);
        assert!((log.export_seconds() - 1.6).abs() < 1e-9);
        assert_eq!(log.steps.len(), 2);
    }

    #[test]
    fn captured_rebuild_has_cached_steps() {
        let log = parse(REBUILD).unwrap();
        let status: Vec<Status> = log.steps.iter().map(|s| s.status).collect();
        assert_eq!(
            status,
            vec![
                Status::Done(0.0),
                Status::Cached,
                Status::Cached,
                Status::Done(0.1),
                Status::Done(0.0),
                Status::Done(1.1),
            ]
        );
    }

    #[test]
    fn captured_multi_stage_labels() {
        let log = parse(MULTI).unwrap();
        let labels: Vec<(Option<&str>, usize, usize)> = log
            .steps
            .iter()
            .map(|s| (s.stage.as_deref(), s.k, s.n))
            .collect();
        assert_eq!(
            labels,
            vec![
                (Some("stage-1"), 1, 4),
                (Some("stage-1"), 2, 4),
                (Some("builder"), 2, 3),
                (Some("builder"), 3, 3),
                (Some("stage-1"), 3, 4),
                (Some("stage-1"), 4, 4),
            ]
        );
        assert_eq!(log.steps[3].seconds(), Some(1.1));
    }

    #[test]
    fn interleaved_blocks_glued_status_and_errors() {
        let text = "#5 [build 2/4] RUN make\n#6 [build 3/4] RUN sleep 1\n#5 0.100 cc -o x\n\
                    #6 DONE 1.0s\n#5 0.200 partial#5 DONE 12.5s\n#7 [build 4/4] RUN false\n\
                    #7 ERROR: process \"/bin/sh -c false\" did not complete successfully\n\
                    #8 [linux/arm64 build 1/4] COPY . .\n";
        let log = parse_plain(text);
        let s: Vec<(usize, Status)> = log.steps.iter().map(|s| (s.k, s.status)).collect();
        assert_eq!(
            s,
            vec![
                (2, Status::Done(12.5)),
                (3, Status::Done(1.0)),
                (4, Status::Error),
                (1, Status::NotRun)
            ]
        );
        assert_eq!(log.steps[3].stage.as_deref(), Some("build"));
    }

    #[test]
    fn labels() {
        assert_eq!(
            parse_label("[ 2/12] RUN x"),
            Some((None, 2, 12, "RUN x".into()))
        );
        assert_eq!(
            parse_label("[linux/amd64 stage-0 3/4] COPY a b"),
            Some((Some("stage-0".into()), 3, 4, "COPY a b".into()))
        );
        assert_eq!(parse_label("[internal] load build context"), None);
    }

    #[test]
    fn rawjson_stream() {
        let text = r#"{"vertexes":[{"digest":"sha256:a","name":"[1/3] FROM docker.io/library/bkbase","started":"2024-05-01T10:00:00Z","completed":"2024-05-01T10:00:00.1Z","cached":true}]}
{"vertexes":[{"digest":"sha256:b","name":"[2/3] RUN sleep 2","started":"2024-05-01T10:00:00.2Z"}]}
{"vertexes":[{"digest":"sha256:b","name":"[2/3] RUN sleep 2","started":"2024-05-01T10:00:00.2Z","completed":"2024-05-01T12:00:02.5+02:00"}],"logs":[{"vertex":"sha256:b","data":"aGkK"}]}
{"vertexes":[{"digest":"sha256:c","name":"[3/3] COPY a /a","started":"2024-05-01T10:00:03Z"}]}
"#;
        let log = parse(text).unwrap();
        assert_eq!(log.format, LogFormat::RawJson);
        let s: Vec<Status> = log.steps.iter().map(|s| s.status).collect();
        assert_eq!(s, vec![Status::Cached, Status::Done(2.3), Status::NotRun]);
    }

    #[test]
    fn not_a_log() {
        assert!(matches!(parse("hello\nworld\n"), Err(LogError::Empty)));
        assert!(matches!(
            parse("{\"vertexes\": 3}\n"),
            Err(LogError::Json { line: 1, .. })
        ));
    }
}
