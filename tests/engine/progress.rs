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
    for line in output.lines() {
        let line = line.trim_end_matches('\r');
        let Some(rest) = line.strip_prefix('#') else {
            continue;
        };
        let digits = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            continue;
        }
        let Ok(id) = rest[..digits].parse::<u64>() else {
            continue;
        };
        let Some(body) = rest[digits..].strip_prefix(' ') else {
            continue;
        };
        if let Entry::Vacant(slot) = names.entry(id) {
            if !body.starts_with("sha256:") {
                slot.insert(body.to_string());
                order.push(id);
            }
            continue;
        }
        let st = if body == "CACHED" {
            Some(Status::Cached)
        } else if body == "DONE" || body.starts_with("DONE ") {
            Some(Status::Done)
        } else if body == "ERROR" || body.starts_with("ERROR:") || body.starts_with("ERROR ") {
            Some(Status::Error)
        } else if body == "CANCELED" || body.starts_with("CANCELED ") {
            Some(Status::Canceled)
        } else {
            None
        };
        if let Some(st) = st {
            status.insert(id, st);
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
}
