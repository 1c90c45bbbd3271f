//! Parser for `docker build --progress=plain` output (spec §11).
//!
//! 1. Map `#N` to the name on its first `#N <name>` line; `#N sha256:` lines are ignored.
//! 2. Keep names matching `[<platform> ]<stage> <k>/<n>] <INSTR>` (stage optional).
//! 3. The last `CACHED`/`DONE`/`ERROR`/`CANCELED` line of `#N` is its status; none = not run.
//!
//! `FROM` steps are parsed like the others; callers drop them (`ops`) because their status is
//! meaningless (§11 "Status quirks").

use std::collections::hash_map::Entry;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Cached,
    Done,
    Error,
    Canceled,
    /// The vertex was announced but never finished (the build stopped).
    NotRun,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Cached => "CACHED",
            Status::Done => "DONE",
            Status::Error => "ERROR",
            Status::Canceled => "CANCELED",
            Status::NotRun => "not run",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The stage label: the stage name or `stage-<index>`; `None` in single-stage builds.
    pub stage: Option<String>,
    pub k: u32,
    pub n: u32,
    /// As displayed (keyword upper-cased, variables expanded for display only).
    pub instruction: String,
    pub status: Status,
}

impl Step {
    pub fn is_from(&self) -> bool {
        self.instruction.starts_with("FROM ")
    }

    pub fn label(&self) -> String {
        match &self.stage {
            Some(s) => format!("[{s} {}/{}] {}", self.k, self.n, self.instruction),
            None => format!("[{}/{}] {}", self.k, self.n, self.instruction),
        }
    }
}

/// Splits a vertex name into (stage, k, n, instruction) when it is a `[.. k/n] INSTR` step.
pub fn parse_step_name(name: &str) -> Option<(Option<String>, u32, u32, String)> {
    let rest = name.strip_prefix('[')?;
    // Platform and stage names never contain ']', so the first one closes the header.
    let close = rest.find(']')?;
    let header = &rest[..close];
    let instr = rest[close + 1..].strip_prefix(' ')?;
    let mut tokens: Vec<&str> = header.split_whitespace().collect();
    let kn = tokens.pop()?;
    let (k, n) = kn.split_once('/')?;
    if k.is_empty() || n.is_empty() || !k.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (k, n) = (k.parse().ok()?, n.parse().ok()?);
    let stage = match tokens.as_slice() {
        [] => None,
        // A lone token with a '/' is a platform (`linux/amd64`); stage names cannot hold '/'.
        [one] if one.contains('/') => None,
        [one] => Some((*one).to_string()),
        [plat, stage] if plat.contains('/') => Some((*stage).to_string()),
        _ => return None,
    };
    Some((stage, k, n, instr.to_string()))
}

/// Every `[.. k/n]` step of the output, in order of first appearance.
pub fn parse(output: &str) -> Vec<Step> {
    let mut order: Vec<u64> = Vec::new();
    let mut names: HashMap<u64, String> = HashMap::new();
    let mut status: HashMap<u64, Status> = HashMap::new();
    for raw in output.lines() {
        for line in split_glued_status(raw.trim_end_matches('\r')) {
            scan_line(line, &mut order, &mut names, &mut status);
        }
    }
    order
        .into_iter()
        .filter_map(|id| {
            let (stage, k, n, instruction) = parse_step_name(&names[&id])?;
            Some(Step {
                stage,
                k,
                n,
                instruction,
                status: status.get(&id).copied().unwrap_or(Status::NotRun),
            })
        })
        .collect()
}

fn status_of(body: &str) -> Option<Status> {
    if body == "CACHED" {
        Some(Status::Cached)
    } else if body == "DONE" || body.starts_with("DONE ") {
        Some(Status::Done)
    } else if body == "ERROR" || body.starts_with("ERROR:") || body.starts_with("ERROR ") {
        Some(Status::Error)
    } else if body == "CANCELED" || body.starts_with("CANCELED ") {
        Some(Status::Canceled)
    } else {
        None
    }
}

/// RUN output that does not end in a newline gets the status glued to it:
/// `#8 0.040 bbb#8 DONE 0.0s` (captured on 20.10). Split such a line in two when its tail is
/// `#<same N> <status>`.
fn split_glued_status(line: &str) -> Vec<&str> {
    let Some(rest) = line.strip_prefix('#') else {
        return vec![line];
    };
    let digits = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return vec![line];
    }
    let marker = &line[..digits + 1];
    let mut from = marker.len();
    while let Some(pos) = line[from..].find(marker) {
        let at = from + pos;
        let tail = &line[at..];
        if let Some(body) = tail[marker.len()..].strip_prefix(' ') {
            if status_of(body).is_some() {
                return vec![&line[..at], tail];
            }
        }
        from = at + 1;
    }
    vec![line]
}

fn scan_line(
    line: &str,
    order: &mut Vec<u64>,
    names: &mut HashMap<u64, String>,
    status: &mut HashMap<u64, Status>,
) {
    let Some(rest) = line.strip_prefix('#') else {
        return;
    };
    let digits = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return;
    }
    let Ok(id) = rest[..digits].parse::<u64>() else {
        return;
    };
    let Some(body) = rest[digits..].strip_prefix(' ') else {
        return;
    };
    if let Entry::Vacant(slot) = names.entry(id) {
        if !body.starts_with("sha256:") {
            slot.insert(body.to_string());
            order.push(id);
        }
        return;
    }
    if let Some(st) = status_of(body) {
        status.insert(id, st);
    }
}

/// The steps that are cache-relevant ops: everything but `FROM`.
pub fn ops(output: &str) -> Vec<Step> {
    parse(output).into_iter().filter(|s| !s.is_from()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_names() {
        assert_eq!(
            parse_step_name("[3/5] COPY a.txt /a"),
            Some((None, 3, 5, "COPY a.txt /a".into()))
        );
        assert_eq!(
            parse_step_name("[builder  2/12] RUN echo [x]"),
            Some((Some("builder".into()), 2, 12, "RUN echo [x]".into()))
        );
        assert_eq!(
            parse_step_name("[stage-1  1/3] FROM docker.io/library/bkbase"),
            Some((
                Some("stage-1".into()),
                1,
                3,
                "FROM docker.io/library/bkbase".into()
            ))
        );
        assert_eq!(
            parse_step_name("[linux/amd64 build 4/4] RUN x"),
            Some((Some("build".into()), 4, 4, "RUN x".into()))
        );
        assert_eq!(
            parse_step_name("[linux/arm64 2/3] RUN x"),
            Some((None, 2, 3, "RUN x".into()))
        );
        assert_eq!(parse_step_name("[ 1/12] RUN x").map(|s| s.1), Some(1));
        assert_eq!(
            parse_step_name("[3/2] RUN echo triggered").map(|s| (s.1, s.2)),
            Some((3, 2))
        );
        assert_eq!(parse_step_name("[internal] load build context"), None);
        assert_eq!(parse_step_name("exporting to image"), None);
        assert_eq!(parse_step_name("[a/b] RUN x"), None);
    }

    #[test]
    fn captured_single_stage_cold() {
        let steps = parse(include_str!("fixtures/single-cold.txt"));
        let got: Vec<_> = steps.iter().map(|s| (s.label(), s.status)).collect();
        assert_eq!(
            got,
            vec![
                (
                    "[1/5] FROM docker.io/library/bkbase".to_string(),
                    Status::Done
                ),
                ("[2/5] RUN echo s00 >/scen".to_string(), Status::Done),
                ("[3/5] COPY a.txt /a".to_string(), Status::Done),
                ("[4/5] WORKDIR /w".to_string(), Status::Done),
                ("[5/5] RUN echo r".to_string(), Status::Done),
            ]
        );
        assert_eq!(ops(include_str!("fixtures/single-cold.txt")).len(), 4);
    }

    #[test]
    fn captured_single_stage_warm() {
        let steps = ops(include_str!("fixtures/single-warm.txt"));
        let got: Vec<_> = steps.iter().map(|s| (s.k, s.status)).collect();
        assert_eq!(
            got,
            vec![
                (2, Status::Cached),
                (3, Status::Done),
                (4, Status::Done),
                (5, Status::Done)
            ]
        );
        assert!(steps.iter().all(|s| s.stage.is_none() && s.n == 5));
    }

    #[test]
    fn last_status_wins_and_interleaving() {
        let out =
            "#5 [b 2/3] RUN sleep 1\n#5 sha256:abc\n#5 ...\n\n#6 [a 2/2] COPY x /x\n#6 CACHED\n\n\
                   #5 [b 2/3] RUN sleep 1\n#5 0.512 DONE not a status\n#5 DONE 1.0s\n\
                   #7 [b 3/3] RUN false\n#7 ERROR: executor failed\n#8 [b 4/4] RUN never\n";
        let steps = parse(out);
        let got: Vec<_> = steps.iter().map(|s| (s.label(), s.status)).collect();
        assert_eq!(
            got,
            vec![
                ("[b 2/3] RUN sleep 1".to_string(), Status::Done),
                ("[a 2/2] COPY x /x".to_string(), Status::Cached),
                ("[b 3/3] RUN false".to_string(), Status::Error),
                ("[b 4/4] RUN never".to_string(), Status::NotRun),
            ]
        );
    }

    fn labels(out: &str) -> Vec<(String, Status)> {
        ops(out).iter().map(|s| (s.label(), s.status)).collect()
    }

    #[test]
    fn captured_status_glued_to_output_without_newline() {
        // `RUN cat /a` of a file without a trailing newline: `#8 0.044 bbb#8 DONE 0.0s`.
        let got = labels(include_str!("fixtures/glued-status.txt"));
        assert_eq!(
            got.last().unwrap(),
            &("[4/4] RUN cat /a".to_string(), Status::Done)
        );
        assert_eq!(
            split_glued_status("#8 0.044 bbb#8 DONE 0.0s"),
            ["#8 0.044 bbb", "#8 DONE 0.0s"]
        );
        assert_eq!(
            split_glued_status("#8 0.044 #80 DONE"),
            ["#8 0.044 #80 DONE"]
        );
        assert_eq!(
            split_glued_status("#8 0.044 #8 DONEX"),
            ["#8 0.044 #8 DONEX"]
        );
    }

    #[test]
    fn captured_multi_stage() {
        // s48: a `FROM builder` stage has no FROM line and starts at k=1; the final stage is
        // unnamed and labelled stage-2.
        let got = labels(include_str!("fixtures/multi-stage.txt"));
        let want: Vec<(String, Status)> = [
            ("[builder 2/4] RUN echo s48 >/scen", Status::Cached),
            ("[builder 3/4] COPY src.txt /src.txt", Status::Done),
            ("[builder 4/4] RUN wc -c </src.txt >/out.txt", Status::Done),
            ("[child 1/1] RUN echo child >/child.txt", Status::Done),
            (
                "[stage-2 2/4] RUN --mount=type=bind,from=builder,source=/out.txt,target=/o cat /o",
                Status::Cached,
            ),
            (
                "[stage-2 3/4] COPY --from=child /out.txt /out.txt",
                Status::Cached,
            ),
            ("[stage-2 4/4] RUN echo s48-final", Status::Cached),
        ]
        .iter()
        .map(|(l, s)| (l.to_string(), *s))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn captured_single_stage_with_mount_is_labelled() {
        let steps = ops(include_str!("fixtures/stage0-mount.txt"));
        assert!(steps.iter().all(|s| s.stage.as_deref() == Some("stage-0")));
        assert_eq!(steps.len(), 3);
        assert_eq!(steps[2].status, Status::Done);
    }

    #[test]
    fn captured_onbuild_numbered_past_total() {
        let got: Vec<(u32, u32, Status)> = ops(include_str!("fixtures/onbuild.txt"))
            .iter()
            .map(|s| (s.k, s.n, s.status))
            .collect();
        assert_eq!(
            got,
            [
                (2, 2, Status::Done),
                (3, 2, Status::Done),
                (4, 2, Status::Done)
            ]
        );
        // The FROM line said CACHED although the base is the same: its status means nothing.
        assert!(parse(include_str!("fixtures/onbuild.txt"))[0].is_from());
    }
}
