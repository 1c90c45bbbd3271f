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

fn covers(added: &str, removed: &str) -> bool {
    let (a, r) = (norm(added), norm(removed));
    a == r || a.starts_with(&format!("{r}/")) || r.starts_with(&format!("{a}/"))
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    // (path, line that added it) per stage, following the FROM chain
    let mut added: Vec<Vec<(String, usize)>> = vec![Vec::new(); cx.model.stages.len()];
    for (si, stage) in cx.model.stages.iter().enumerate() {
        if let crate::model::Base::Stage(b) = stage.base {
            added[si] = added[b].clone();
        }
        for step in cx.model.stage_steps(si) {
            let ins = cx.ins(step.instruction);
            match &step.op {
                Some(Op::Copy(c)) => {
                    for s in &c.srcs {
                        let dest = if c.dest.ends_with('/') && !s.basename.is_empty() && !s.wildcard
                        {
                            format!("{}{}", c.dest, s.basename)
                        } else {
                            c.dest.clone()
                        };
                        if dest != "/" && !s.path.is_empty() {
                            added[si].push((dest, ins.start_line));
                        }
                    }
                }
                Some(Op::Run(r)) => {
                    let cmds = cx.cmds(step.instruction);
                    // removals first: they only count against earlier layers
                    if cx.shipped[si] {
                        for c in cmds.iter().filter(|c| c.program() == "rm") {
                            for target in c.args().iter().filter(|a| !a.starts_with('-')) {
                                let abs = if target.starts_with('/') {
                                    target.clone()
                                } else {
                                    format!("{}/{}", r.cwd.trim_end_matches('/'), target)
                                };
                                if let Some((p, line)) =
                                    added[si].iter().find(|(p, _)| covers(p, &abs))
                                {
                                    out.push(
                                        cx.finding(&RULE, cx.find_in(ins, target), format!("`rm {target}` deletes {p}, which line {line} added in an earlier layer: the image still ships it"))
                                            .with_fix(Fix::display(format!("remove it in the same RUN as line {line}, or use a bind mount or a build stage"))),
                                    );
                                    break;
                                }
                            }
                        }
                    }
                    for c in &cmds {
                        if c.is_apt_update() {
                            added[si].push(("/var/lib/apt/lists".into(), ins.start_line));
                        }
                        let args = c.args();
                        let flag = match c.program() {
                            "curl" => Some(["-o", "--output"]),
                            "wget" => Some(["-O", "--output-document"]),
                            _ => None,
                        };
                        if let Some(flags) = flag {
                            for w in args.windows(2) {
                                if flags.contains(&w[0].as_str()) && w[1] != "-" {
                                    let p = if w[1].starts_with('/') {
                                        w[1].clone()
                                    } else {
                                        format!("{}/{}", r.cwd.trim_end_matches('/'), w[1])
                                    };
                                    added[si].push((p, ins.start_line));
                                }
                            }
                        }
                    }
                    // deleted in the same RUN: no longer in any layer
                    let removed: Vec<String> = cmds
                        .iter()
                        .filter(|c| c.program() == "rm")
                        .flat_map(|c| c.args().iter().filter(|a| !a.starts_with('-')).cloned())
                        .collect();
                    added[si].retain(|(p, l)| {
                        *l != ins.start_line || !removed.iter().any(|r| covers(p, r))
                    });
                }
                _ => {}
            }
        }
    }
}
