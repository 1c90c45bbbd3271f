//! Materialising a revision of the repository that holds the context.

use super::ChangeError;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// `A..B` → (A, Some(B)); `A..` or `A` → (A, None): to the working tree.
pub fn parse_range(range: &str) -> Result<(String, Option<String>), ChangeError> {
    if range.contains("...") {
        return Err(ChangeError::Git(format!(
            "`{range}`: use REV1..REV2 (two dots)"
        )));
    }
    let (a, b) = match range.split_once("..") {
        Some((a, b)) => (a.trim(), Some(b.trim()).filter(|b| !b.is_empty())),
        None => (range.trim(), None),
    };
    if a.is_empty() {
        return Err(ChangeError::Git(format!("`{range}`: expected REV1..REV2")));
    }
    Ok((a.to_string(), b.map(str::to_string)))
}

/// Runs `git -C dir args…`; stdout as is, or git's stderr (or why it could not run).
pub fn run_git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn git(dir: &Path, args: &[&str]) -> Result<String, ChangeError> {
    run_git(dir, args)
        .map(|s| s.trim().to_string())
        .map_err(ChangeError::Git)
}

/// Extracts `rev`'s copy of the context directory — only it: a blob missing
/// elsewhere in the repository (a partial clone, a pruned object) is not
/// needed — into a temporary directory; returns the context's path inside it.
pub fn checkout(context: &Path, rev: &str) -> Result<(PathBuf, tempfile::TempDir), ChangeError> {
    let top = git(context, &["rev-parse", "--show-toplevel"])?;
    let prefix = git(context, &["rev-parse", "--show-prefix"])?;
    let commit = git(
        context,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| ChangeError::Git(format!("unknown revision `{rev}`")))?;
    let short = &commit[..commit.len().min(10)];
    let prefix = prefix.trim_end_matches('/');
    // The context must exist at that revision (its Dockerfile is inside it).
    if !prefix.is_empty()
        && run_git(
            Path::new(&top),
            &["cat-file", "-e", &format!("{commit}:{prefix}")],
        )
        .is_err()
    {
        return Err(ChangeError::Git(format!(
            "{rev} ({short}): the context {prefix}/ does not exist in that revision"
        )));
    }
    let tmp = tempfile::tempdir().map_err(|e| ChangeError::Git(e.to_string()))?;
    let mut args = vec!["archive", "--format=tar", commit.as_str()];
    if !prefix.is_empty() {
        args.extend(["--", prefix]);
    }
    let mut archive = Command::new("git")
        .arg("-C")
        .arg(&top)
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| ChangeError::Git(format!("cannot run git archive: {e}")))?;
    let stdout = archive
        .stdout
        .take()
        .ok_or_else(|| ChangeError::Git("git archive gave no output".into()))?;
    // git's own message says why (a missing object); read it beside tar so
    // neither blocks on a full pipe.
    let stderr = archive.stderr.take();
    let git_err = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut e) = stderr {
            let _ = std::io::Read::read_to_string(&mut e, &mut s);
        }
        s
    });
    let tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(tmp.path())
        .stdin(stdout)
        .output()
        .map_err(|e| ChangeError::Git(format!("cannot run tar: {e}")))?;
    let status = archive
        .wait()
        .map_err(|e| ChangeError::Git(e.to_string()))?;
    let git_err = git_err.join().unwrap_or_default();
    if !status.success() || !tar.status.success() {
        let first = |t: &str| {
            t.lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("")
                .to_string()
        };
        let why = match first(&git_err) {
            g if !g.is_empty() => g,
            _ => format!("tar: {}", first(&String::from_utf8_lossy(&tar.stderr))),
        };
        let what = if prefix.is_empty() {
            "the repository".to_string()
        } else {
            format!("the context {prefix}/")
        };
        return Err(ChangeError::Git(format!(
            "cannot read {what} at {rev} ({short}): {why}"
        )));
    }
    let dir = tmp.path().join(prefix);
    if !dir.is_dir() {
        return Err(ChangeError::Git(format!(
            "{rev} ({short}): the context does not exist in that revision"
        )));
    }
    Ok((dir, tmp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert!(matches!(parse_range("a..b"), Ok((a, Some(b))) if a == "a" && b == "b"));
        assert!(matches!(parse_range("HEAD~3.."), Ok((a, None)) if a == "HEAD~3"));
        assert!(parse_range("..b").is_err());
        assert!(parse_range("a...b").is_err());
    }
}
