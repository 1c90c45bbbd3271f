use crate::model::Op;
use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};

declare_rule! {
    /// ## What it does
    /// Finds `rm` of files that an earlier layer of the same image added (a
    /// `COPY`/`ADD` destination, a `curl -o`/`wget -O` download, apt's lists).
    ///
    /// ## Why is this bad?
    /// Layers only add: deleting in a later layer hides the files but the earlier
    /// layer still ships them, so the image is no smaller.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY app.tar.gz /tmp/
    /// RUN tar -xzf /tmp/app.tar.gz -C /opt
    /// RUN rm /tmp/app.tar.gz
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN --mount=type=bind,source=app.tar.gz,target=/tmp/app.tar.gz tar -xzf /tmp/app.tar.gz -C /opt
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe (`dockopt fix --unsafe-fixes`): the deleting RUN is merged into the
    /// one that created the files, so the layers, and the image, change.
    code: "DO206",
    name: "deleted-in-later-layer",
    family: Size,
    severity: Warning,
    hadolint: [],
    fix: Some(Applicability::Unsafe),
    fixer: crate::fixes::delete_in_creating_layer::check,
    check: Dockerfile(check),
}

fn norm(p: &str) -> String {
    let p = p.trim_end_matches('*').trim_end_matches('/');
    if p.is_empty() {
        "/".into()
    } else {
        p.to_string()
    }
}

/// Whether `inner` is `outer` or below it (both normalised).
fn within(inner: &str, outer: &str) -> bool {
    outer == "/" || inner == outer || inner.starts_with(&format!("{outer}/"))
}

/// What an earlier instruction put at a path.
#[derive(Clone)]
struct Added {
    path: String,
    line: usize,
    /// For a COPY/ADD of the build context: the context path that landed at
    /// `path` (so a delete below it can be checked against what the context
    /// really holds). None for downloads, apt's lists and other stages' files.
    from_context: Option<String>,
    /// A directory COPY: only what the source holds landed below it.
    dir: bool,
    /// What put it there, which decides the advice.
    by: By,
}

/// The kind of instruction that added a path.
#[derive(Clone, Copy, PartialEq)]
enum By {
    /// COPY/ADD from the build context: a `.dockerignore` entry can leave it out.
    Context,
    /// COPY/ADD from another stage or an image.
    OtherCopy,
    /// ADD of a URL or a git repository.
    Remote,
    /// A RUN (a download, apt's lists): the same RUN can delete it.
    Run,
}

/// An absolute path for an `rm`/`-o` argument, or None when it cannot be
/// known (relative after a `cd` in the same RUN, or an expansion).
fn absolute(arg: &str, cwd: &str, changes_dir: bool) -> Option<String> {
    if arg.contains('$') || arg.contains('`') {
        return None;
    }
    if arg.starts_with('/') {
        Some(crate::model::path::clean(arg))
    } else if changes_dir {
        None
    } else {
        Some(crate::model::path::join_abs(cwd, arg))
    }
}

/// Whether the context holds anything at `rel` (a file or a directory's files).
fn context_has(cx: &DockerfileCtx, rel: &str) -> Option<bool> {
    let ctx = cx.context?;
    let rel = rel.trim_matches('/');
    if rel.is_empty() {
        return Some(ctx.filtered.file_count() > 0);
    }
    Some(
        ctx.filtered.get(rel).is_some()
            || ctx
                .filtered
                .entries()
                .any(|(p, _)| p.starts_with(&format!("{rel}/"))),
    )
}

/// The earlier layer's content that `rm` of `removed` deletes, as the
/// message names it; None when the earlier layer put nothing there.
fn deletes(cx: &DockerfileCtx, a: &Added, removed: &str) -> Option<String> {
    let (added, removed) = (norm(&a.path), norm(removed));
    if within(&added, &removed) {
        // The whole of what the layer added (or more) goes.
        return Some(added);
    }
    if !a.dir || !within(&removed, &added) {
        return None;
    }
    // Below a directory COPY: the layer holds it only when the source did
    // (the install in the same RUN may have made it, e.g. node_modules
    // under a `COPY . .` whose .dockerignore leaves it out).
    let src = a.from_context.as_deref()?;
    let tail = removed[added.len()..].trim_start_matches('/');
    let rel = crate::model::path::clean(&format!("{src}/{tail}"));
    context_has(cx, &rel)?.then_some(removed)
}

/// What earlier layers of a stage added, by normalised path, in order. An
/// `rm` looks up its target, the target's ancestors and its descendants
/// instead of scanning every addition (a scan per RUN was quadratic in the
/// stage's length).
#[derive(Clone, Default)]
struct Layers {
    by_path: std::collections::BTreeMap<String, Vec<(usize, Added)>>,
    next: usize,
}

impl Layers {
    /// Forget what an `rm` of `removed` deleted: a later `rm` of the same
    /// path deletes nothing more, and names no longer what is gone.
    fn remove_within(&mut self, removed: &str) {
        let r = norm(removed);
        if r == "/" {
            self.by_path.clear();
            return;
        }
        let below: Vec<String> = self
            .by_path
            .range(format!("{r}/")..format!("{r}0"))
            .map(|(k, _)| k.clone())
            .collect();
        for k in below.iter().chain([&r]) {
            self.by_path.remove(k);
        }
    }

    fn push(&mut self, a: Added) {
        let n = self.next;
        self.next += 1;
        self.by_path.entry(norm(&a.path)).or_default().push((n, a));
    }

    /// The additions an `rm` of `removed` may touch, earliest first: those at
    /// `removed`, above it and below it.
    fn near(&self, removed: &str) -> Vec<&Added> {
        let r = norm(removed);
        let mut keys: Vec<&str> = r
            .match_indices('/')
            .map(|(i, _)| i)
            .filter(|&i| i > 0)
            .map(|i| &r[..i])
            .chain([r.as_str(), "/"])
            .collect();
        keys.dedup();
        let base = r.trim_end_matches('/');
        let below = self
            .by_path
            .range(format!("{base}/")..format!("{base}0"))
            .flat_map(|(_, v)| v);
        let mut hits: Vec<&(usize, Added)> = keys
            .into_iter()
            .filter_map(|k| self.by_path.get(k))
            .flatten()
            .chain(below)
            .collect();
        hits.sort_by_key(|e| e.0);
        hits.dedup_by_key(|e| e.0);
        hits.into_iter().map(|e| &e.1).collect()
    }
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    // what earlier layers added, per stage, following the FROM chain
    let mut added: Vec<Layers> = vec![Layers::default(); cx.model.stages.len()];
    // per stage: each RUN's line and the absolute paths its commands other
    // than `rm` name (to tell whether a copied file was used before its delete)
    let mut used: Vec<Vec<(usize, Vec<String>)>> = vec![Vec::new(); cx.model.stages.len()];
    // The stages built FROM each stage: the last of them takes its state
    // instead of copying it (a chain of stages each FROM the one before
    // copied the whole chain's state per stage, quadratic in the file).
    let mut children = vec![0usize; cx.model.stages.len()];
    for stage in &cx.model.stages {
        if let crate::model::Base::Stage(b) = stage.base {
            if let Some(c) = children.get_mut(b) {
                *c += 1;
            }
        }
    }
    for (si, stage) in cx.model.stages.iter().enumerate() {
        if let crate::model::Base::Stage(b) = stage.base {
            // A stage's base comes before it in the file.
            if b < si {
                children[b] -= 1;
                if children[b] == 0 {
                    added[si] = std::mem::take(&mut added[b]);
                    used[si] = std::mem::take(&mut used[b]);
                } else {
                    added[si] = added[b].clone();
                    used[si] = used[b].clone();
                }
            }
        }
        for step in cx.model.stage_steps(si) {
            let ins = cx.ins(step.instruction);
            match &step.op {
                Some(Op::Copy(c)) => {
                    let from_context = matches!(c.source, crate::model::CopySource::Context);
                    for s in &c.srcs {
                        if s.path.is_empty() && s.inline.is_none() && !from_context {
                            continue;
                        }
                        // `COPY . /app/`, `COPY src/ /app/`: a directory's
                        // contents land at dest; a named file lands at dest/name
                        // when dest ends with `/`.
                        let is_dir = s.wildcard
                            || s.path.is_empty()
                            || s.raw.ends_with('/')
                            || (from_context
                                && context_has(cx, &format!("{}/", s.path)) == Some(true)
                                && cx
                                    .context
                                    .is_some_and(|ctx| ctx.filtered.get(&s.path).is_none()));
                        let dest = crate::model::path::clean(&if c.dest.ends_with('/')
                            && !is_dir
                            && !s.basename.is_empty()
                        {
                            format!("{}{}", c.dest, s.basename)
                        } else {
                            c.dest.clone()
                        });
                        if norm(&dest) == "/" {
                            continue;
                        }
                        added[si].push(Added {
                            path: dest,
                            line: ins.start_line,
                            from_context: (from_context && s.remote.is_none() && !s.wildcard)
                                .then(|| s.path.clone()),
                            dir: is_dir,
                            by: if s.remote.is_some() {
                                By::Remote
                            } else if from_context {
                                By::Context
                            } else {
                                By::OtherCopy
                            },
                        });
                    }
                }
                Some(Op::Run(r)) => {
                    let cmds = cx.cmds(step.instruction);
                    let changes_dir = cmds.iter().any(|c| {
                        matches!(c.program(), "cd" | "pushd" | "popd") || c.chdir.is_some()
                    });
                    // Each operand with where the `rm` names it in the file.
                    let targets: Vec<(String, Option<String>, Option<crate::syntax::Span>)> = cmds
                        .iter()
                        .filter(|c| c.program() == "rm")
                        .flat_map(|c| {
                            c.args()
                                .iter()
                                .filter(|a| !a.starts_with('-'))
                                .map(move |t| (c, t))
                        })
                        .map(|(c, t)| {
                            (
                                t.clone(),
                                absolute(t, &r.cwd, changes_dir),
                                cx.arg_span(ins, c, t),
                            )
                        })
                        .collect();
                    let names: Vec<String> = cmds
                        .iter()
                        .filter(|c| c.program() != "rm")
                        .flat_map(|c| {
                            std::iter::once(c.program()).chain(c.args().iter().map(String::as_str))
                        })
                        .filter(|a| !a.starts_with('-'))
                        .filter_map(|a| absolute(a, &r.cwd, false))
                        .collect();
                    used[si].push((ins.start_line, names));
                    // removals first: they only count against earlier layers
                    if cx.shipped[si] {
                        for (target, abs, at) in &targets {
                            let Some(abs) = abs else { continue };
                            let hit = added[si]
                                .near(abs)
                                .into_iter()
                                .find_map(|a| deletes(cx, a, abs).map(|p| (p, a)));
                            if let Some((p, a)) = hit {
                                let line = a.line;
                                // A COPY cannot delete in its own layer: the file
                                // is left out of it, or, when a RUN uses it, is
                                // mounted into that RUN instead of copied.
                                let read = used[si].iter().any(|(l, names)| {
                                    *l > line && names.iter().any(|n| within(n, &norm(&p)))
                                });
                                let advice = match a.by {
                                    By::Run => format!("remove it in the same RUN as line {line}, or use a bind mount or a build stage"),
                                    By::Remote => format!("download it in the RUN that uses it and delete it there, instead of the ADD on line {line}, or use a build stage"),
                                    _ if read => format!("instead of the COPY/ADD on line {line}, mount it into the RUN that uses it (`RUN --mount=type=bind,...`; `--mount=from=...` for another stage's files), or use a build stage"),
                                    // Named by the COPY itself: a .dockerignore entry would make that COPY fail.
                                    By::Context if !a.dir => format!("drop it from the COPY on line {line}, which names it, or use a bind mount or a build stage"),
                                    By::Context => format!("leave it out of the COPY on line {line} (a .dockerignore entry or a narrower source), or use a bind mount or a build stage"),
                                    By::OtherCopy => format!("leave it out of the COPY/ADD on line {line} (a narrower source), or use a bind mount or a build stage"),
                                };
                                out.push(
                                    cx.finding(&RULE, at.unwrap_or_else(|| cx.find_in(ins, target)), format!("`rm {target}` deletes {p}, which line {line} added in an earlier layer: the image still ships it"))
                                        .with_fix(Fix::display(advice)),
                                );
                            }
                        }
                    }
                    // what this RUN deleted is gone from every later view
                    for (_, abs, _) in &targets {
                        if let Some(abs) = abs {
                            added[si].remove_within(abs);
                        }
                    }
                    let mut made = Vec::new();
                    for c in cmds {
                        if c.is_apt_update() {
                            made.push("/var/lib/apt/lists".to_string());
                        }
                        let flags: &[&str] = match c.program() {
                            "curl" => &["-o", "--output"],
                            "wget" => &["-O", "--output-document"],
                            _ => &[],
                        };
                        if !flags.is_empty() {
                            let args: Vec<Option<&str>> =
                                c.args().iter().map(|a| Some(a.as_str())).collect();
                            for out in crate::shell::options::getopt_values(&args, flags)
                                .into_iter()
                                .flatten()
                                .filter(|o| o != "-")
                            {
                                made.extend(absolute(&out, &r.cwd, changes_dir));
                            }
                        }
                    }
                    // deleted in the same RUN: no longer in any layer
                    for p in made {
                        let gone = targets.iter().any(|(_, t, _)| {
                            t.as_deref().is_some_and(|t| within(&norm(&p), &norm(t)))
                        });
                        if !gone {
                            added[si].push(Added {
                                path: p,
                                line: ins.start_line,
                                from_context: None,
                                dir: false,
                                by: By::Run,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    fn lines(text: &str) -> Vec<usize> {
        crate::rules::testutil::findings(text, "DO206")
            .into_iter()
            .map(|f| f.start.line)
            .collect()
    }

    /// The finding sits on the `rm`'s operand, not on the first place the
    /// RUN names the same path (a script run before it is deleted).
    #[test]
    fn the_finding_is_on_the_rm() {
        let text = "FROM debian:12\nCOPY setup.sh /tmp/setup.sh\nRUN bash /tmp/setup.sh && \\\n    rm /tmp/setup.sh\n";
        let f = crate::rules::testutil::findings(text, "DO206");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].start.line, f[0].start.column), (4, 8), "{:?}", f[0]);
    }

    /// A download's output read as curl and wget read their options: in a
    /// cluster of short flags and in the `--opt=value` form.
    #[test]
    fn downloads_named_in_any_spelling_are_found() {
        for get in [
            "curl -fsSLo /tmp/x.tgz https://h/x.tgz",
            "curl -fsSL --output=/tmp/x.tgz https://h/x.tgz",
            "curl -fsSL -o /tmp/x.tgz https://h/x.tgz",
            "wget -qO /tmp/x.tgz https://h/x.tgz",
            "wget -q --output-document=/tmp/x.tgz https://h/x.tgz",
        ] {
            let text = format!("FROM debian:12\nRUN {get}\nRUN rm /tmp/x.tgz\n");
            assert_eq!(lines(&text), vec![3], "{get}");
        }
        // to stdout: nothing lands on disk
        let text = "FROM debian:12\nRUN curl -fsSLo- https://h/x.tgz\nRUN rm /tmp/x.tgz\n";
        assert!(lines(text).is_empty());
    }
}
