//! Inline suppression: `# dockopt: ignore=DO101,DO201` on the line(s) directly
//! above an instruction, and hadolint's `# hadolint ignore=DL3008` for rules
//! with a hadolint twin (`# hadolint global ignore=...` anywhere for the whole file).

use super::{by_code, Finding};
use crate::syntax::Dockerfile;

/// Codes (DO or DL) listed after `ignore=` in a comment, if it is a pragma.
pub fn pragma_codes(comment: &str) -> Option<(bool, Vec<String>)> {
    let c = comment.trim_start_matches('#').trim();
    let (global, rest) = if let Some(r) = c.strip_prefix("dockopt:") {
        (false, r.trim())
    } else if let Some(r) = c.strip_prefix("hadolint") {
        let r = r.trim();
        match r.strip_prefix("global") {
            Some(g) => (true, g.trim()),
            None => (false, r),
        }
    } else {
        return None;
    };
    let list = rest
        .strip_prefix("ignore")?
        .trim_start()
        .strip_prefix('=')?;
    Some((
        global,
        list.split([',', ' '])
            .map(|s| s.trim().to_ascii_uppercase())
            .filter(|s| !s.is_empty())
            .collect(),
    ))
}

fn matches(code: &str, f: &Finding) -> bool {
    if code == "ALL" || code.eq_ignore_ascii_case(f.code) || code.eq_ignore_ascii_case(f.name) {
        return true;
    }
    code.starts_with("DL")
        && by_code(f.code).is_some_and(|r| r.hadolint.iter().any(|h| h.eq_ignore_ascii_case(code)))
}

/// Drops findings an inline pragma suppresses.
pub fn apply(df: &Dockerfile, findings: &mut Vec<Finding>) {
    let mut global: Vec<String> = Vec::new();
    let mut per_line: Vec<(usize, usize, Vec<String>)> = Vec::new();
    for ins in &df.instructions {
        let mut codes = Vec::new();
        for c in &ins.comments {
            if let Some((g, list)) = pragma_codes(&c.text) {
                if g {
                    global.extend(list)
                } else {
                    codes.extend(list)
                }
            }
        }
        if !codes.is_empty() {
            per_line.push((ins.start_line, ins.end_line, codes));
        }
    }
    for c in &df.trailing_comments {
        if let Some((true, list)) = pragma_codes(&c.text) {
            global.extend(list);
        }
    }
    findings.retain(|f| {
        if global.iter().any(|c| matches(c, f)) {
            return false;
        }
        !per_line.iter().any(|(s, e, codes)| {
            (*s..=*e).contains(&f.start.line) && codes.iter().any(|c| matches(c, f))
        })
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pragmas() {
        assert_eq!(
            pragma_codes("dockopt: ignore=DO101, DO201"),
            Some((false, vec!["DO101".into(), "DO201".into()]))
        );
        assert_eq!(
            pragma_codes("hadolint ignore=DL3008,DL3009"),
            Some((false, vec!["DL3008".into(), "DL3009".into()]))
        );
        assert_eq!(
            pragma_codes("hadolint global ignore=DL3008"),
            Some((true, vec!["DL3008".into()]))
        );
        assert_eq!(pragma_codes("install deps"), None);
    }
}
