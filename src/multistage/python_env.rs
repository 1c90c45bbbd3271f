//! Python with an environment directory: `python -m venv DIR` then pip
//! through that venv, `uv sync` (`.venv`), `poetry install` with an
//! in-project venv, `pipenv install` with `PIPENV_VENV_IN_PROJECT`. The
//! builder is the original stage as written (so it has every file the
//! installs read); the runtime, on the same Python's slim image, gets the
//! environment directories from the builder where the install ran, the
//! context COPYs in their original order, and the replayed commands.
//!
//! ```text
//! FROM python:3.11 AS builder               FROM python:3.11-slim
//! ENV PATH=/opt/venv/bin:$PATH              ENV PATH=/opt/venv/bin:$PATH
//! RUN python -m venv /opt/venv              COPY --from=builder /opt/venv /opt/venv
//! COPY requirements.txt .                   COPY . .
//! RUN pip install -r requirements.txt
//! COPY . .
//! ```
//!
//! A venv's `bin/python` is a link to the interpreter that made it
//! (`/usr/local/bin/python3` in the official images, slim included), so the
//! runtime must be the same Python at the same path: a venv made by another
//! interpreter, or a `--runtime-base` that is not the same Python, is a
//! refusal. So is any install that writes outside the copied directories
//! (pip into the system site-packages, poetry with `virtualenvs.create
//! false`, `pipenv --system`), and a command run through poetry/uv/pipenv,
//! which stay in the builder.

use super::images::{self, ImageRef};
use super::python_tools::{env_dir, pip_target, PipTarget, TOOLS};
use super::shell::{CmdKind, PyTool};
use super::{abs, check_override, install_line, packages, push_unique, Analysis, Plan, Refusal};
use crate::model::Op;

/// Whether this stage uses an environment directory (this pattern applies).
pub(crate) fn applies(a: &Analysis) -> bool {
    a.cmds().any(|(_, c)| {
        matches!(
            c.kind,
            CmdKind::Venv(_) | CmdKind::PyTool { install: true, .. }
        )
    })
}

pub(crate) fn plan(a: &Analysis, r: &ImageRef, opts: &super::Options) -> Result<Plan, Refusal> {
    let (mut runtime_base, base_saving) = images::python_runtime(r)?;
    if let Some(o) = &opts.runtime_base {
        check_override(o, true, false)?;
        let same = ImageRef::parse(o)
            .ok()
            .and_then(|x| (x.name == "python").then(|| images::python_runtime(&x).ok())?);
        if same.is_none_or(|(rt, _)| {
            rt.split(['-', ':']).nth(1) != runtime_base.split(['-', ':']).nth(1)
        }) {
            return Err(Refusal::of_kind(
                "a virtual environment needs the same Python in the runtime",
                format!(
                    "`{o}` is not the builder's Python (`{}`): a virtual environment links to the interpreter that made it",
                    a.base
                ),
            ));
        }
        runtime_base = o.clone();
    }
    if let Some(line) = a.user_before_run() {
        return Err(Refusal::new(format!(
            "line {line}: USER before the install steps (the environment would belong to that user)"
        )));
    }
    // Where each install writes: the environment directories, per item.
    let mut env_dirs: Vec<String> = Vec::new();
    let mut at_item: Vec<(usize, String)> = Vec::new(); // (item index, dir)
    let mut poetry_cfg: Vec<(String, String)> = Vec::new();
    for (idx, item) in a.items.iter().enumerate() {
        let Some(Op::Run(run)) = &item.step.op else {
            continue;
        };
        let line = item.ins.start_line;
        let cwd = item.step.cwd.clone();
        for c in &item.cmds {
            match &c.kind {
                CmdKind::Venv(d) => {
                    if !is_image_python(&c.program) {
                        return Err(Refusal::of_kind(
                            "the venv's interpreter is not the image's Python",
                            format!(
                                "line {line}: the venv is made by `{}`, not the image's Python (/usr/local/bin): the runtime image may not have that interpreter at that path",
                                c.program
                            ),
                        ));
                    }
                    let dir = abs(&cwd, d);
                    push_unique(&mut env_dirs, &dir);
                    at_item.push((idx, dir));
                }
                CmdKind::Pip(p) => {
                    match pip_target(c, run, &env_dirs) {
                        PipTarget::Env(dir) => at_item.push((idx, dir)),
                        PipTarget::System if p.tooling_only || tools_only(&p.packages) => {}
                        PipTarget::System => {
                            return Err(Refusal::of_kind(
                                "an install writes outside the copied environment",
                                format!(
                                    "line {line}: `{}` installs into the system site-packages, outside the environment the runtime copies ({})",
                                    c.text,
                                    if env_dirs.is_empty() { "none yet".to_string() } else { env_dirs.join(", ") }
                                ),
                            ))
                        }
                    }
                    if p.local {
                        // `pip install .`/`-e .` into the venv: the project's
                        // files are read from the context COPYs the builder has.
                    }
                }
                CmdKind::PyTool { tool, install } => {
                    if *tool == PyTool::Poetry && !install {
                        // `poetry config NAME VALUE`: kept for env_dir.
                        let pos: Vec<&String> = c
                            .words
                            .iter()
                            .skip(2)
                            .filter(|w| !w.starts_with('-'))
                            .collect();
                        if let [k, v] = pos.as_slice() {
                            poetry_cfg.push((k.to_string(), v.to_string()));
                        }
                        continue;
                    }
                    if !install {
                        continue;
                    }
                    let dir = env_dir(*tool, c, run, &cwd, &poetry_cfg, a).map_err(|why| {
                        Refusal::of_kind(
                            format!(
                                "{} installs outside a copyable environment",
                                tool_name(*tool)
                            ),
                            format!("line {line}: `{}` {why}", c.text),
                        )
                    })?;
                    push_unique(&mut env_dirs, &dir);
                    at_item.push((idx, dir));
                }
                k if k.is_shared_setup() => {}
                k => {
                    return Err(Refusal::new(format!(
                        "line {line}: `{}` is not a Python build step ({k:?})",
                        c.text
                    )))
                }
            }
        }
    }
    if env_dirs.is_empty() {
        return Err(Refusal::new("no environment directory: nothing to copy"));
    }
    // What runs must not need a tool that stays in the builder.
    let argv = super::command_line(a.config);
    let rt = a.runtime_text();
    let first = argv
        .first()
        .cloned()
        .or_else(|| rt.split_whitespace().nth(1).map(str::to_string))
        .unwrap_or_default();
    let prog = first.rsplit('/').next().unwrap_or("");
    if TOOLS.contains(&prog) {
        return Err(Refusal::of_kind(
            "the command runs through poetry/uv/pipenv",
            format!("the command runs `{prog}`, which stays in the builder: run the environment's program instead (e.g. `/app/.venv/bin/…`)"),
        ));
    }
    let distro = Analysis::distro(&r.tag);
    let runtime_distro = Analysis::distro(runtime_base.rsplit_once(':').map_or("", |x| x.1));
    let (runtime_pkgs, moved) = a.package_fates(distro)?;

    let runtime_install = (!runtime_pkgs.is_empty()).then(|| {
        format!(
            "# runtime libraries only: compilers and -dev headers stay in the builder\n{}",
            install_line(runtime_distro, &runtime_pkgs)
        )
    });
    let (b, t) = super::split_copying_dirs(a, &runtime_base, runtime_install, &at_item)?;

    if runtime_base == a.base && moved.is_empty() {
        return Err(Refusal::new(format!(
            "nothing to split: `{}` is already the slim image and no build-only packages are installed",
            a.base
        )));
    }
    let mut notes = vec![format!(
        "the runtime gets {} from the builder: the environment the installs wrote, made by the same Python",
        env_dirs.join(", ")
    )];
    notes.extend(super::left_in_builder(&moved, &runtime_pkgs));
    Ok(Plan {
        text: format!("{b}{t}"),
        runtime_base,
        estimated_saving_mb: Some(base_saving + packages::build_only_mb(&moved)),
        moved_packages: moved,
        notes,
        changed: Vec::new(),
    })
}

fn tool_name(t: PyTool) -> &'static str {
    match t {
        PyTool::Poetry => "poetry",
        PyTool::Uv => "uv",
        PyTool::Pipenv => "pipenv",
    }
}

/// The image's own Python: a bare `python*` (PATH finds /usr/local/bin's
/// first in the official images) or a path under /usr/local/bin.
fn is_image_python(program: &str) -> bool {
    let base = program.rsplit('/').next().unwrap_or(program);
    base.starts_with("python") && (!program.contains('/') || program.starts_with("/usr/local/bin/"))
}

/// Packages that are installers the builder needs and the runtime does not.
fn tools_only(pkgs: &[String]) -> bool {
    !pkgs.is_empty()
        && pkgs.iter().all(|p| {
            let name = p
                .split(|c: char| "=<>!~[ ".contains(c))
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            TOOLS.contains(&name.as_str())
                || ["pip", "setuptools", "wheel", "virtualenv"].contains(&name.as_str())
        })
}

#[cfg(test)]
mod tests {
    use super::super::tests::convert_text;

    fn ok(src: &str) -> String {
        let c = convert_text(src).unwrap_or_else(|r| panic!("{r}\n{src}"));
        c.text
    }

    fn refused(src: &str) -> String {
        convert_text(src).unwrap_err().reason
    }

    #[test]
    fn venv_is_copied_into_the_same_pythons_slim_image() {
        let t = ok("FROM python:3.11\nWORKDIR /app\nENV PATH=/opt/venv/bin:$PATH\nRUN python -m venv /opt/venv\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nCMD [\"python\", \"main.py\"]\n");
        assert!(t.contains("FROM python:3.11 AS builder"), "{t}");
        let rt = t.split("FROM python:3.11-slim\n").nth(1).expect(&t);
        let copy = rt
            .find("COPY --from=builder /opt/venv /opt/venv")
            .expect(rt);
        assert!(rt.find("COPY . .").unwrap() > copy, "{rt}");
        assert!(rt.contains("ENV PATH=/opt/venv/bin:$PATH"), "{rt}");
        // pip named by its path in the venv
        ok("FROM python:3.11\nWORKDIR /app\nRUN python3 -m venv .venv && .venv/bin/pip install flask\nCOPY . .\nCMD [\"/app/.venv/bin/python\", \"main.py\"]\n");
    }

    #[test]
    fn writes_outside_the_environment_are_refused() {
        let r = refused("FROM python:3.11\nWORKDIR /app\nRUN python -m venv /opt/venv\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"python\", \"main.py\"]\n");
        assert!(
            r.starts_with(
                "line 5: `pip install -r requirements.txt` installs into the system site-packages"
            ),
            "{r}"
        );
        let r = refused("FROM python:3.11\nRUN apt-get update && apt-get install -y python3-venv\nRUN /usr/bin/python3 -m venv /opt/venv\nCMD [\"/opt/venv/bin/python\", \"x.py\"]\n");
        assert!(r.contains("not the image's Python"), "{r}");
        let r = refused("FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install poetry && poetry config virtualenvs.create false && poetry install --no-root\nCMD [\"python\", \"main.py\"]\n");
        assert!(r.contains("virtualenvs.create false"), "{r}");
        let r = refused("FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install pipenv && pipenv install --system --deploy\nCMD [\"python\", \"main.py\"]\n");
        assert!(r.contains("--system"), "{r}");
        let r = refused("FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install poetry && poetry install\nCMD [\"python\", \"main.py\"]\n");
        assert!(r.contains("virtualenvs.in-project"), "{r}");
    }

    #[test]
    fn poetry_uv_pipenv_in_project() {
        let t = ok("FROM python:3.12-bookworm\nWORKDIR /app\nRUN pip install poetry==1.8.3\nCOPY pyproject.toml poetry.lock ./\nRUN poetry config virtualenvs.in-project true && poetry install --no-root --only main\nCOPY . .\nCMD [\"/app/.venv/bin/python\", \"main.py\"]\n");
        assert!(
            t.contains("FROM python:3.12-slim-bookworm\n")
                && t.contains("COPY --from=builder /app/.venv /app/.venv"),
            "{t}"
        );
        let t = ok("FROM python:3.12\nWORKDIR /app\nRUN pip install uv\nCOPY . .\nRUN uv sync --frozen --no-dev\nENV PATH=/app/.venv/bin:$PATH\nCMD [\"python\", \"main.py\"]\n");
        assert!(
            t.contains("COPY --from=builder /app/.venv /app/.venv"),
            "{t}"
        );
        let t = ok("FROM python:3.12\nWORKDIR /app\nENV PIPENV_VENV_IN_PROJECT=1\nRUN pip install pipenv\nCOPY Pipfile Pipfile.lock ./\nRUN pipenv install --deploy\nCOPY . .\nCMD [\"/app/.venv/bin/python\", \"main.py\"]\n");
        assert!(
            t.contains("COPY --from=builder /app/.venv /app/.venv"),
            "{t}"
        );
        let r = refused("FROM python:3.12\nWORKDIR /app\nRUN pip install uv\nCOPY . .\nRUN uv sync --frozen\nCMD [\"uv\", \"run\", \"main.py\"]\n");
        assert!(r.contains("runs `uv`"), "{r}");
    }
}
