//! DO101 manifest-first: copy the dependency manifests and install before
//! copying the whole source tree.
//!
//! ## What it does
//! Finds a `COPY` (or `ADD`) of a directory (`COPY . .`, `COPY src/ /app/`)
//! followed by a dependency install (`pip install -r requirements.txt`,
//! `npm ci`, `go mod download`, `bundle install`, `dotnet restore
//! App.csproj`, …; the ecosystem table `crate::ecosystem` says which) and
//! splits it: a `COPY` of just the manifests the install reads (to the same
//! place, with the same `--chown`/`--chmod`), the install, then the full
//! `COPY`. `ENV`, `ARG`, `USER`, `WORKDIR` and `RUN` instructions between
//! the COPY and the install move up with it when they may cross the COPY
//! (a `RUN` by the hazard check, a `WORKDIR` when the COPY's destination is
//! absolute and it has no `--chown`/`--chmod`). COPYs of named context
//! files or folders between the full COPY and the install (`COPY
//! pb/demo.proto Accounting/protos/` after `COPY src/accounting/
//! Accounting/`, `COPY ./pb/ ./pb/` after `COPY ./src/cart/ ./`) stay where
//! they are, and the install moves above them too when the hazard check
//! lets it cross each: it reads nothing they write and writes nothing where
//! they do. A build argument in the install is refused unless it is the
//! value of a flag that names no file (`dotnet restore -r
//! linux-$TARGETARCH`: the ecosystem table's `plain_value_flags`).
//!
//! An install that also installs the project (`poetry install` without
//! `--no-root`, `uv sync` without `--no-install-project`, `pip install -r
//! requirements.txt && pip install .`) gets a two-phase split: the
//! manifests and the dependency-only form (`poetry install … --no-root`,
//! `uv sync … --frozen --no-install-project`, the installs before `pip
//! install .`) go above the full COPY, and the original install stays after
//! it, where it finds the dependencies in place and adds only the project.
//! The equivalence guard accepts the inserted RUN only as exactly that form
//! of the RUN it precedes.
//!
//! Cargo has no command that fetches and builds only the dependencies, so a
//! `cargo build` (or `cargo install --path .`) after the full `COPY` gets
//! the classic dummy-crate split instead: `COPY Cargo.toml Cargo.lock ./`
//! (the manifests the context has, plus `rust-toolchain[.toml]`), a `RUN`
//! that writes dummy sources (`fn main() {}` in `src/main.rs` for a binary,
//! an empty `src/lib.rs` for a library, as Cargo.toml and the context say),
//! runs the same cargo command, then deletes `src` and the dummy crate's own
//! artifacts under `target/<profile>`; the full `COPY` and the original
//! build stay after it. A second run sees the cargo `RUN` above the full
//! `COPY` and leaves the split alone.
//!
//! ## Why is this bad?
//! BuildKit keys a `COPY . .` on every file of the context. Any source edit
//! misses it, and every step after it re-runs, including the slow install
//! whose real inputs (the manifests) did not change. For Rust that means
//! recompiling every dependency on each edit.
//!
//! ## Example
//! ```dockerfile
//! WORKDIR /app
//! COPY . .
//! RUN pip install -r requirements.txt
//! ```
//! Use instead:
//! ```dockerfile
//! WORKDIR /app
//! COPY requirements.txt ./
//! RUN pip install -r requirements.txt
//! COPY . .
//! ```
//! And for a binary crate `ledger` (with `--unsafe-fixes`):
//! ```dockerfile
//! WORKDIR /app
//! COPY Cargo.toml Cargo.lock ./
//! RUN mkdir -p src && echo 'fn main() {}' > src/main.rs && cargo build --release && rm -rf src target/release/deps/ledger-* target/release/ledger target/release/ledger.d target/release/.fingerprint/ledger-*
//! COPY . .
//! RUN cargo build --release
//! ```
//!
//! ## Fix safety
//! Safe when the install reads nothing but the manifests, which the fix
//! checks against the real context: the manifests exist and are not
//! ignored, requirements includes (`-r`, `-c`) are followed, and the fix is
//! skipped (with the reason) for editable or local installs, `pip install .`
//! with no requirements installed before it, `uv sync` without
//! `--frozen`/`--locked` and `poetry install` without a lock (unsafe: the
//! two installs may resolve differently), npm/yarn/pnpm lifecycle scripts or workspaces,
//! a `binding.gyp` beside package.json (the install runs `node-gyp
//! rebuild` on the sources; npm's `"gypfile": false` and `--ignore-scripts`
//! turn it off), a Gemfile whose Ruby may read other files (`ruby file:`,
//! `File.`/`IO.`/`Dir`, `__dir__`, `require_relative`, `load`, `eval`,
//! `path:`, `gemspec`, `eval_gemfile`, …: `ecosystem::bundler`), a
//! `vendor/cache` (Bundler's app cache) in the context, composer
//! repositories of type `path` or `artifact` or with a local or `file://`
//! url whose folder the full COPY brings,
//! an `ADD` whose copied set holds an archive (by name or first bytes),
//! `composer install` without
//! `--no-scripts`, multi-module Maven/Gradle/.NET builds, and when the
//! context also holds a directory the install writes (`node_modules`,
//! `vendor`, `.venv`, `obj`…), which the full COPY would overwrite.
//!
//! On top of that, the install is checked against its effects
//! (`crate::effects`, with the files the full COPY brings): every file it
//! reads that the full COPY brings is copied first — tool configuration
//! such as `.npmrc`, `poetry.toml`, `.python-version` or the `pip.conf` an
//! `ENV PIP_CONFIG_FILE` points at is added to the manifest COPY — and the
//! split is refused, with the reason, when the install reads a whole
//! directory the manifests do not cover, when a manifest is a symlink whose
//! target is not copied too (the full COPY copies the link itself; the manifest COPY, which names it, follows it), or when the
//! hazard check (`rewrite::hazard`) refuses moving it above the full COPY.
//!
//! Installs that may rewrite their lock file (`npm install`, `yarn install`,
//! `bundle install` with a lock present and no frozen flag) are split as an
//! Unsafe fix: the later full COPY puts the original lock back, so the image
//! can differ in that one file.
//!
//! The cargo split is unsafe: the image gets an extra layer of dependency
//! artifacts compiled for the dummy crate, and the real build recompiles
//! the crate only because the dummy's artifacts and fingerprints are
//! deleted (cargo would otherwise trust the dummy build, whose fingerprint
//! is newer than the copied sources). It is skipped, with the reason, for
//! workspaces with members (or a `Cargo.toml` above the crate), explicit
//! build scripts or `[[example]]`/`[[test]]`/`[[bench]]` targets, target
//! sources outside `src/`, cargo flags it does not know to repeat, a
//! `CARGO_TARGET_DIR`/`CARGO_BUILD_TARGET` in the environment, commands
//! before cargo in the same `RUN`, and a context holding `target/` or
//! `.cargo/`.

use super::run_view::{parse_run, program, Script};
use super::{config_only, step_of};
use crate::ecosystem::{classify, Class, Files, Install};
use crate::model::{path, CopyOp, CopySource, Model, Op, Step};
use crate::rewrite::edit::{block_text, delete_block, insert_above};
use crate::rewrite::{hazard, Applicability, Checker, Fix, Transform};
use crate::syntax::{Dockerfile, Instruction, Keyword};
use mapped::{full_copy, plain, FullCopy, Mapped};
use std::borrow::Cow;

mod cargo;
mod mapped;
mod reads;
#[cfg(test)]
mod tests;

pub const CODE: &str = "DO101";

/// DO101's fix, in steps: find the full COPY the install follows
/// ([`locate`]), read the COPY ([`copy_of`]), classify the RUN's commands
/// ([`plan`]), list the files to copy first ([`manifests`]), check what
/// moves against the hazard check ([`between_may_cross`],
/// [`reads::effects_allow`]) and emit the split ([`emit`]). Every install
/// it does not split gets the reason.
pub fn check(c: &mut Checker) {
    let broad = BroadCopies::new(c.model);
    let stops = stops_above(c.df);
    for idx in 0..c.df.instructions.len() {
        match split_one(c, &broad, &stops, idx) {
            Some(Ok(fix)) => c.fix(fix),
            Some(Err(why)) => {
                let line = c.df.instructions[idx].start_line;
                c.skip(CODE, line, format!("not split: {why}"));
            }
            None => {}
        }
    }
}

/// None when instruction `idx` is not a dependency install after a COPY;
/// else the fix, or why there is none. The COPY right above the install is
/// tried first; when it is not the install's sources (a file, a folder the
/// install does not read its manifests from: `COPY pb/demo.proto
/// Accounting/protos/`, `COPY ./pb/ ./pb/`), each folder COPY above it in
/// turn, the install then crossing the COPYs below (see [`crossing_sites`]).
fn split_one(
    c: &Checker,
    broad: &BroadCopies,
    stops: &[Option<usize>],
    idx: usize,
) -> Option<Result<Fix, String>> {
    let df = c.df;
    let ins = &df.instructions[idx];
    if ins.keyword != Keyword::Run {
        return None;
    }
    let run_step = step_of(c.model, idx)?;
    let script = parse_run(df, c.model, ins)?;
    // Only installs a rule reports get a reason when the COPY does not fit.
    let site = match locate(c, stops, idx, run_step) {
        Ok(Some(site)) => site,
        Ok(None) => return None,
        Err(why) => return detected(&script).then_some(Err(why)),
    };
    let first = split_at(c, broad, idx, run_step, &script, site.clone());
    if matches!(first, Some(Ok(_))) {
        return first;
    }
    // Which reason to give when nothing splits: the nearest COPY's, unless
    // it only says that COPY is not the sources; then why the install may
    // not cross it to the folder COPY above.
    let not_sources = |r: &Option<Result<Fix, String>>| match r {
        None => true,
        Some(Err(why)) => why.contains(NOT_THE_SOURCES),
        Some(Ok(_)) => false,
    };
    let mut reason = first;
    for farther in crossing_sites(c, stops, &site, run_step) {
        match split_at(c, broad, idx, run_step, &script, farther) {
            Some(Ok(fix)) => return Some(Ok(fix)),
            Some(Err(why)) if not_sources(&reason) => reason = Some(Err(why)),
            _ => {}
        }
    }
    reason
}

/// Whether a word of the RUN names a file or folder the full COPY brings.
fn names_a_path_inside(script: &Script, mapped: &Mapped) -> bool {
    script.commands.iter().any(|cmd| {
        cmd.argv()
            .iter()
            .filter(|w| !w.starts_with('-') && !w.contains('$'))
            .any(|w| mapped.rel(w).is_some_and(|r| !r.is_empty()) && mapped.kind(w).is_some())
    })
}

/// The words of the reason that the COPY above an install is not its sources.
const NOT_THE_SOURCES: &str = "sits between the copy of the whole context";

/// [`split_one`] for one choice of the full COPY (`site`).
fn split_at(
    c: &Checker,
    broad: &BroadCopies,
    idx: usize,
    run_step: &Step,
    script: &Script,
    mut site: Site,
) -> Option<Result<Fix, String>> {
    let df = c.df;
    let ins = &df.instructions[idx];
    // A COPY right before the install that is not the copy of the sources
    // (files, or a directory the install does not run in), after the whole
    // context was copied (what DO101 reports): say which instruction stops it.
    let not_the_sources = |at: usize| {
        let broad = broad.before(c, at, run_step.stage)?;
        let stop = &df.instructions[at];
        detected(script).then(|| {
            Err(format!(
                "line {} ({}) {NOT_THE_SOURCES} (line {broad}) and the install",
                stop.start_line,
                stop.first_line(&df.source).trim()
            ))
        })
    };
    let (cop, src_dir) = match copy_of(c, &site) {
        Ok(Some(x)) => x,
        Ok(None) => return not_the_sources(site.copy),
        Err(why) => return detected(script).then_some(Err(why)),
    };
    let cop: &CopyOp = &cop;
    // `RUN cd web && npm ci`: the install runs (and reads its manifests) there.
    let cd = leading_cd(c.model, script);
    let mapped = Mapped {
        checker: c,
        cwd: match cd {
            Some(dir) => path::join_abs(&run_step.cwd, dir),
            None => path::clean(&run_step.cwd),
        },
        dest: path::clean(&cop.dest),
        src_dir,
    };
    // The install runs outside what the COPY wrote (`COPY .yarn/releases
    // ./.yarn/releases/` above `yarn install` in /app): its manifests come
    // from elsewhere, so this COPY is nothing to split. An install run in a
    // folder above it (`COPY src/api/ Api/` then `dotnet restore
    // Api/Api.csproj` in /src) may name manifests inside it: the plan maps
    // each path it reads, and one outside the COPY refuses the split.
    let above_copy = mapped.rel(".").is_none();
    let below_cwd = crate::effects::under(&mapped.dest, &mapped.cwd) && mapped.dest != mapped.cwd;
    if above_copy && !below_cwd {
        return not_the_sources(site.copy);
    }
    // Cargo has no install that reads only the manifests: the unsafe
    // dummy-crate split (or nothing, when already split).
    if let Some(k) = script
        .commands
        .iter()
        .position(|cmd| cargo::is_cargo_build(&cmd.argv()))
    {
        if cargo::dummy_build_above(c, site.copy) {
            return None;
        }
        if cd.is_some() {
            return Some(Err(
                "the cargo build runs after a `cd`; the dummy-crate split is made only in the RUN's working directory".into(),
            ));
        }
        site.fill_between(df, idx);
        if !site.between.is_empty() || !site.crossed.is_empty() {
            return Some(Err(
                "instructions sit between the COPY and the cargo build".into()
            ));
        }
        return Some(cargo::cargo_split(c, &mapped, script, k, idx, site.copy));
    }
    let plan = match plan(c, ins, script, &mapped, cd.is_some()) {
        Ok(Some(p)) => p,
        Ok(None) => return None,
        // Run above the COPY, the install is this COPY's when it names a
        // path inside it (`pip install -r app/requirements.txt`): its reason
        // is then the one to give.
        Err(_) if above_copy && !names_a_path_inside(script, &mapped) => {
            return not_the_sources(site.copy)
        }
        Err(why) => return Some(Err(why)),
    };
    // Run above the COPY, the install is this COPY's only when every
    // manifest it needs is inside it (`yarn install` in /app after `COPY
    // .yarn/releases ./.yarn/releases/` reads /app/package.json: not this one).
    if above_copy
        && !plan
            .installs
            .iter()
            .all(|i| !i.required.is_empty() && i.required.iter().all(|r| mapped.rel(r).is_some()))
    {
        return not_the_sources(site.copy);
    }
    let eco = plan.installs.last().map(|i| i.eco).unwrap_or("");
    if plan.pre.is_some() && pre_install_above(c, site.copy, eco) {
        return None; // split already (ours or by hand)
    }
    site.fill_between(df, idx);
    if !site.crossed.is_empty() {
        let line = |i: usize| df.instructions[i].start_line;
        if plan.pre.is_some() {
            return Some(Err(format!(
                "the COPY on line {} sits between the full COPY and the install, which needs a two-phase split",
                line(site.crossed[0])
            )));
        }
        if let Some(&b) = site.between.first() {
            return Some(Err(format!(
                "line {} sits between the COPYs and the install",
                line(b)
            )));
        }
    }
    Some(finish(c, idx, run_step, &site, cop, &mapped, plan))
}

/// The farther sites for an install whose nearest COPY is not its
/// sources: each COPY above it, up through copies of named context files or
/// folders with nothing but config-only instructions between them, with
/// the COPYs below it to cross. At most four COPYs are crossed.
fn crossing_sites(c: &Checker, stops: &[Option<usize>], site: &Site, run_step: &Step) -> Vec<Site> {
    let mut out = Vec::new();
    let mut crossed = Vec::new();
    let mut at = site.copy;
    while crossable_copy(c, at) && crossed.len() < 4 {
        crossed.push(at);
        let Some(j) = stops.get(at).copied().flatten() else {
            break;
        };
        let above = &c.df.instructions[j];
        let same_stage = step_of(c.model, j).is_some_and(|s| s.stage == run_step.stage);
        // Only config-only instructions between: a RUN or ENV there would
        // have to cross the COPY below as well.
        let clean = (j + 1..at).all(|k| config_only(c.df.instructions[k].keyword));
        if !matches!(above.keyword, Keyword::Copy | Keyword::Add) || !same_stage || !clean {
            break;
        }
        at = j;
        out.push(Site {
            copy: at,
            between: Vec::new(),
            crossed: crossed.iter().rev().copied().collect(),
        });
    }
    out
}

/// A COPY of named context files or folders (no pattern, link, URL,
/// heredoc, build argument or `--link`/`--parents`/`--exclude`): what it
/// writes is read from the context, for the hazard check.
fn crossable_copy(c: &Checker, idx: usize) -> bool {
    let (Some(step), Some(ctx)) = (step_of(c.model, idx), c.context) else {
        return false;
    };
    let Some(Op::Copy(cp)) = step.op.as_ref() else {
        return false;
    };
    !cp.add
        && cp.source == CopySource::Context
        && !cp.link
        && !cp.parents
        && cp.exclude.is_empty()
        && !cp.srcs.is_empty()
        && build_arg_named(c.model, step).is_none()
        && cp.srcs.iter().all(|s| {
            !s.wildcard
                && s.inline.is_none()
                && s.remote.is_none()
                && ctx.get(&s.path).is_some_and(|e| {
                    matches!(
                        e.kind,
                        crate::context::EntryKind::File | crate::context::EntryKind::Dir
                    )
                })
        })
}

/// The checks that need the plan, then the fix.
fn finish(
    c: &Checker,
    idx: usize,
    run_step: &Step,
    site: &Site,
    cop: &CopyOp,
    mapped: &Mapped,
    plan: Plan,
) -> Result<Fix, String> {
    let ins = &c.df.instructions[idx];
    let Some(Op::Run(run)) = &run_step.op else {
        return Err("the install is not a RUN op".into());
    };
    let mut items = manifests(c, &plan.installs, mapped)?;
    // What the ops above the full COPY leave, then each moved one.
    let mut before = before_copy(c, site.copy);
    between_may_cross(c, site, cop, &mut before)?;
    let crossed = crossed_states(c, site, &before);
    let above = reads::Above {
        ins,
        run,
        pre_text: plan.pre.as_ref().map(|p| p.text.as_str()),
        before: &before,
        crossed: &crossed,
    };
    reads::effects_allow(
        c,
        above,
        cop,
        mapped,
        &mut items,
        plan.lock_reason.is_some(),
    )?;
    if items.iter().any(|i| !plain(i)) {
        return Err("a manifest path needs quoting".into());
    }
    emit(c, idx, site, mapped, &items, &plan)
}

/// Each COPY the install crosses besides the full one, with what the ops
/// above it leave (the full COPY's files, the crossed COPYs before it).
fn crossed_states<'m>(
    c: &'m Checker,
    site: &Site,
    before: &hazard::Before,
) -> Vec<reads::Crossed<'m>> {
    let op_at = |i: usize| step_of(c.model, i).and_then(|s| s.op.as_ref());
    let mut state = before.clone();
    let mut out = Vec::new();
    let mut last = site.copy;
    for &x in &site.crossed {
        if let Some(op) = op_at(last) {
            state.extend(hazard::Before::of_in(std::iter::once(op), c.context));
        }
        if let Some(Op::Copy(cp)) = op_at(x) {
            out.push(reads::Crossed {
                copy: cp,
                line: c.df.instructions[x]
                    .first_line(&c.df.source)
                    .trim()
                    .to_string(),
                before: state.clone(),
            });
        }
        last = x;
    }
    out
}

/// Whether the instruction above the full COPY (config-only ones skipped)
/// is a RUN that already installs `eco`'s dependencies: a two-phase split
/// made already (ours, or by hand with bind mounts).
fn pre_install_above(c: &Checker, copy_idx: usize, eco: &str) -> bool {
    let df = c.df;
    let Some(prev) = df.instructions[..copy_idx]
        .iter()
        .rev()
        .find(|i| !config_only(i.keyword))
    else {
        return false;
    };
    prev.keyword == Keyword::Run
        && parse_run(df, c.model, prev).is_some_and(|s| {
            s.commands.iter().any(|cmd| {
                let argv = cmd.argv();
                let (prog, i) = program(&argv);
                crate::ecosystem::detect(&prog, &argv[(i + 1).min(argv.len())..])
                    .is_some_and(|(e, _)| e.name == eco)
            })
        })
}

/// The full COPY an install follows and the instructions between them.
#[derive(Clone)]
struct Site {
    copy: usize,
    /// Instructions between the COPY and the install that move above the
    /// COPY with it (config-only ones stay where they are).
    between: Vec<usize>,
    /// COPYs of single context files between the full COPY and the install
    /// (`COPY pb/demo.proto Accounting/protos/` after `COPY src/accounting/
    /// Accounting/`), in order: they stay in place, and the install moves
    /// above them too when the hazard check lets it cross each.
    crossed: Vec<usize>,
}

impl Site {
    fn fill_between(&mut self, df: &Dockerfile, idx: usize) {
        self.between = (self.copy + 1..idx)
            .filter(|&b| moves_with_install(df.instructions[b].keyword))
            .collect();
    }
}

/// Instructions that move above the full COPY with the install.
fn moves_with_install(k: Keyword) -> bool {
    matches!(
        k,
        Keyword::Env | Keyword::Arg | Keyword::Run | Keyword::Workdir | Keyword::User
    )
}

/// Per instruction: the nearest one above it that is neither config-only
/// nor one that moves with an install — where [`locate`]'s walk back
/// stops. One pass: walking back per RUN was quadratic in a stage of many
/// RUNs (20k `RUN echo` lines took 8 s).
fn stops_above(df: &Dockerfile) -> Vec<Option<usize>> {
    let mut out = Vec::with_capacity(df.instructions.len());
    let mut last = None;
    for (j, ins) in df.instructions.iter().enumerate() {
        out.push(last);
        if !config_only(ins.keyword) && !moves_with_install(ins.keyword) {
            last = Some(j);
        }
    }
    out
}

/// Walks back from the install to the COPY (or ADD) it follows. `Ok(None)`
/// when there is none in the stage; Err when something between cannot move.
fn locate(
    c: &Checker,
    stops: &[Option<usize>],
    idx: usize,
    run_step: &Step,
) -> Result<Option<Site>, String> {
    let df = c.df;
    let Some(j) = stops.get(idx).copied().flatten() else {
        return Ok(None);
    };
    let other = &df.instructions[j];
    let k = other.keyword;
    if k == Keyword::From || step_of(c.model, j).is_some_and(|s| s.stage != run_step.stage) {
        return Ok(None);
    }
    match k {
        // `between` is filled once the RUN is known to be an install
        // ([`Site::fill_between`]): most RUNs are not.
        Keyword::Copy | Keyword::Add => Ok(Some(Site {
            copy: j,
            between: Vec::new(),
            crossed: Vec::new(),
        })),
        _ => Err(format!(
            "line {} ({}) sits between the COPY and the install",
            other.start_line,
            other.first_line(&df.source).trim()
        )),
    }
}

/// Where the copies of the whole context are, per model step, for
/// [`BroadCopies::before`]. Built once per run: walking the stage's steps
/// per install was quadratic in the stage (10k-instruction stages).
struct BroadCopies {
    /// Per step: the latest step at or above it in its stage that copies
    /// the whole context.
    last: Vec<Option<usize>>,
    /// Per stage: its first step that reads a manifest from the context.
    first_manifest: Vec<Option<usize>>,
}

impl BroadCopies {
    fn new(model: &Model) -> Self {
        let mut last = Vec::with_capacity(model.steps.len());
        let mut first_manifest = vec![None; model.stages.len()];
        let mut cur: Option<usize> = None;
        for (j, s) in model.steps.iter().enumerate() {
            if j == 0 || model.steps[j - 1].stage != s.stage {
                cur = None;
            }
            let whole = match &s.op {
                Some(Op::Copy(cp)) => {
                    cp.source == CopySource::Context
                        && cp
                            .srcs
                            .iter()
                            .any(|x| x.inline.is_none() && x.remote.is_none() && x.path.is_empty())
                }
                _ => false,
            };
            if whole {
                cur = Some(j);
            }
            last.push(cur);
            let reads_manifest = || {
                s.context_reads()
                    .iter()
                    .any(|p| !p.is_empty() && crate::ecosystem::is_manifest(p))
            };
            if let Some(slot) = first_manifest.get_mut(s.stage) {
                if slot.is_none() && reads_manifest() {
                    *slot = Some(j);
                }
            }
        }
        BroadCopies {
            last,
            first_manifest,
        }
    }

    /// The line of a COPY of the whole context above instruction `before`
    /// in the stage, with no manifest copied ahead of it (the shape DO101
    /// reports).
    fn before(&self, c: &Checker, before: usize, stage: usize) -> Option<usize> {
        let steps = &c.model.steps;
        // Steps are in instruction order, so a stage's steps are contiguous.
        let stage_start = steps.partition_point(|s| s.stage < stage);
        let stage_end = steps.partition_point(|s| s.stage <= stage);
        let above = steps
            .partition_point(|s| s.instruction < before)
            .min(stage_end);
        if above <= stage_start {
            return None;
        }
        let pos = self.last.get(above - 1).copied().flatten()?;
        let manifest_first = self
            .first_manifest
            .get(stage)
            .copied()
            .flatten()
            .is_some_and(|m| m < pos);
        (!manifest_first).then(|| c.df.instructions[steps[pos].instruction].start_line)
    }
}

/// Whether a rule would call this RUN a dependency install.
fn detected(script: &Script) -> bool {
    script.commands.iter().any(|cmd| {
        let argv = cmd.argv();
        let (prog, i) = program(&argv);
        crate::ecosystem::detect(&prog, &argv[(i + 1).min(argv.len())..]).is_some()
    })
}

/// The full COPY's op and the context directory it copies. `Ok(None)` when
/// it is not a copy of one context directory (nothing to split).
fn copy_of<'m>(c: &'m Checker, site: &Site) -> Result<Option<(Cow<'m, CopyOp>, String)>, String> {
    let Some(step) = step_of(c.model, site.copy) else {
        return Ok(None);
    };
    let Some(Op::Copy(cop)) = step.op.as_ref() else {
        return Ok(None);
    };
    if cop.source != CopySource::Context
        || cop.srcs.len() != 1
        || cop.srcs[0].wildcard
        || cop.srcs[0].inline.is_some()
        || cop.srcs[0].remote.is_some()
    {
        return Ok(None);
    }
    let Some(ctx) = c.context else {
        return Ok(None);
    };
    let src_dir = cop.srcs[0].path.clone();
    if !ctx.get(&src_dir).is_some_and(|e| e.is_dir()) {
        return Ok(None);
    }
    if cop.link || cop.parents || !cop.exclude.is_empty() {
        return Err("the COPY uses --link, --parents or --exclude".into());
    }
    if let Some(arg) = build_arg_named(c.model, step) {
        return Err(format!(
            "the COPY names the build argument {arg}: the manifests it copies are known only for the default value"
        ));
    }
    if cop.add {
        // ADD of a local directory copies it as COPY does, unless it holds
        // an archive; the hazard checks then read it as that COPY.
        let root = c.root.ok_or("the build context is not known")?;
        return hazard::add_as_copy(cop, ctx, root).map(|plain| Some((Cow::Owned(plain), src_dir)));
    }
    Ok(Some((Cow::Borrowed(cop), src_dir)))
}

/// A build argument that `step`'s text expands: a variable whose latest
/// definition above it in the stage is an `ARG` (an `ENV` fixes the value;
/// a global ARG is not seen in a stage unless declared there). A build may
/// set another value, and the split writes the paths the default gives.
fn build_arg_named<'m>(model: &Model, step: &'m Step) -> Option<&'m str> {
    if step.var_refs.is_empty() {
        return None;
    }
    let at = model
        .steps
        .partition_point(|s| s.instruction < step.instruction);
    step.var_refs
        .iter()
        .find(|v| {
            model.steps[..at]
                .iter()
                .rev()
                .take_while(|s| s.stage == step.stage)
                .find(|s| matches!(s.keyword, Keyword::Arg | Keyword::Env) && s.defines.contains(v))
                .is_some_and(|s| s.keyword == Keyword::Arg)
        })
        .map(String::as_str)
}

/// Whether every word that expands a variable is the value of an install
/// flag whose value names no file (`dotnet restore -r linux-$TARGETARCH`):
/// a build argument there cannot change what the install reads, where one
/// in `pip install -r $REQS` can.
fn vars_name_no_file(script: &Script, cd_first: bool) -> bool {
    script
        .commands
        .iter()
        .enumerate()
        .filter(|&(k, _)| !(k == 0 && cd_first))
        .all(|(_, cmd)| {
            let argv = cmd.argv();
            let (prog, i) = program(&argv);
            let flags = crate::ecosystem::detect(&prog, &argv[(i + 1).min(argv.len())..])
                .map_or(&[][..], |(e, _)| e.plain_value_flags);
            argv.iter().enumerate().all(|(k, w)| {
                if !w.contains('$') {
                    return true;
                }
                let after_flag = k > i && argv.get(k - 1).is_some_and(|f| flags.contains(f));
                let joined = w
                    .split_once('=')
                    .is_some_and(|(f, _)| !f.contains('$') && flags.contains(&f));
                after_flag || joined
            })
        })
}

/// What goes above the full COPY.
struct Plan {
    installs: Vec<Install>,
    /// Set for a manifest-only install that may rewrite its lock (unsafe).
    lock_reason: Option<String>,
    /// A two-phase split: the dependency-only RUN; the original stays.
    pre: Option<Pre>,
}

struct Pre {
    text: String,
    unsafe_reason: Option<String>,
}

/// The folder of a leading `cd DIR &&` that the rest of the RUN runs in:
/// one plain path (not `-`, not `~…`, no variables), joined by `&&` (a
/// failed `cd` stops the RUN), and no CDPATH set by the Dockerfile (which
/// would send a relative `cd` elsewhere).
fn leading_cd<'s>(model: &Model, script: &'s Script) -> Option<&'s str> {
    let first = script.commands.first()?;
    if script.commands.len() < 2 || first.sep != "&&" || script.has_vars {
        return None;
    }
    let [prog, dir] = first.argv()[..] else {
        return None;
    };
    let cdpath = || {
        model.steps.iter().any(|s| {
            matches!(s.keyword, Keyword::Env | Keyword::Arg)
                && s.defines.iter().any(|d| d == "CDPATH")
        })
    };
    (prog == "cd" && plain(dir) && dir != "-" && !dir.starts_with('~') && !cdpath()).then_some(dir)
}

/// Classifies the RUN's commands (after a leading `cd` when `cd_first`:
/// `mapped` already runs in its folder). `Ok(None)`: no dependency install.
fn plan(
    c: &Checker,
    ins: &Instruction,
    script: &Script,
    mapped: &Mapped,
    cd_first: bool,
) -> Result<Option<Plan>, String> {
    let mut installs = Vec::new();
    let mut other = None;
    let mut unsafe_reason = None;
    let mut lock_reason: Option<String> = None;
    let mut project = None;
    // A `cd` before the install moves it out of the RUN's working directory,
    // where this fix reads its manifests: say so, rather than what the
    // manifests look like from the wrong folder.
    let mut cd: Option<String> = None;
    for (k, cmd) in script.commands.iter().enumerate() {
        if k == 0 && cd_first {
            continue;
        }
        let argv = cmd.argv();
        let (prog, i) = program(&argv);
        if matches!(prog.as_str(), "cd" | "pushd" | "popd") {
            cd.get_or_insert_with(|| argv[i..].join(" "));
            continue;
        }
        if let Some(cd) = &cd {
            if crate::ecosystem::detect(&prog, &argv[(i + 1).min(argv.len())..]).is_some() {
                return Err(format!(
                    "the install runs after `{cd}`, and this fix reads the manifests only in the RUN's working directory ({}), not where a `cd` goes",
                    mapped.cwd
                ));
            }
        }
        match classify(&argv, mapped) {
            Class::Install(i) => installs.push(i),
            Class::LockMayChange(i, r) => {
                installs.push(i);
                lock_reason = Some(r);
            }
            Class::Project(t) if project.is_none() => project = Some((k, t)),
            Class::Project(_) => {
                unsafe_reason.get_or_insert_with(|| {
                    format!("`{}` is a second project install", argv.join(" "))
                });
            }
            Class::Unsafe(r) => {
                unsafe_reason.get_or_insert(r);
            }
            Class::Neutral => {}
            Class::Other => other = Some(argv.join(" ")),
        }
    }
    if installs.is_empty() && unsafe_reason.is_none() && project.is_none() {
        return Ok(None);
    }
    if let Some(r) = unsafe_reason {
        return Err(r);
    }
    if script.complex || (script.has_vars && !vars_name_no_file(script, cd_first)) {
        return Err("the RUN uses shell constructs or variables this fix does not follow".into());
    }
    if let Some((k, t)) = project {
        let (text, installs) = two_phase(c, ins, script, mapped, k, &t)?;
        return Ok(Some(Plan {
            installs,
            lock_reason,
            pre: Some(Pre {
                text,
                unsafe_reason: t.unsafe_reason,
            }),
        }));
    }
    if let Some(o) = other {
        return Err(format!(
            "the RUN also runs `{o}`, which may read files not copied yet"
        ));
    }
    Ok(Some(Plan {
        installs,
        lock_reason,
        pre: None,
    }))
}

/// The dependency-only RUN of a two-phase split: the commands before the
/// project install (each a manifest-only install, which the original RUN
/// repeats after the full COPY and finds done), then the project install's
/// dependency-only form. Its text and the installs it runs.
fn two_phase(
    c: &Checker,
    ins: &Instruction,
    script: &Script,
    mapped: &Mapped,
    k: usize,
    t: &crate::ecosystem::TwoPhase,
) -> Result<(String, Vec<Install>), String> {
    let src = &c.df.source;
    let mut installs = Vec::new();
    let mut parts = Vec::new();
    let mut prev_end = ins.arguments.span().start;
    for (i, cmd) in script.commands[..=k].iter().enumerate() {
        let (Some(first), Some(last)) = (cmd.words.first(), cmd.words.last()) else {
            return Err("the RUN has an empty command".into());
        };
        // The text is rebuilt from words: an assignment prefix would be lost.
        if src.get(prev_end..first.start).unwrap_or("").contains('=') {
            return Err("a command of the RUN has variable assignments before it".into());
        }
        prev_end = last.end;
        if i > 0 && script.commands[i - 1].sep != "&&" {
            return Err("the commands before the project install are not joined by `&&`".into());
        }
        let argv = cmd.argv();
        if i < k {
            // Repeated by the original RUN after the full COPY, so each must
            // find its work done: manifest-only installs, and the tools'
            // own commands (`poetry config …`, `pip install poetry`).
            match crate::ecosystem::classify_known(&argv, mapped) {
                Some(Class::Install(inst)) => installs.push(inst),
                Some(Class::Neutral) => {}
                _ => {
                    return Err(format!(
                        "`{}` runs before the project install, and only dependency installs are repeated before the sources",
                        argv.join(" ")
                    ))
                }
            }
            parts.push(src.get(first.start..last.end).unwrap_or("").to_string());
            continue;
        }
        if t.pre.is_empty() {
            // No dependency-only form (`pip install .`): the installs before it are the first phase.
            if parts.is_empty() {
                return Err(format!(
                    "`{}` installs the project, and no requirements file or dependency-only install comes before it",
                    argv.join(" ")
                ));
            }
            break;
        }
        let (_, p) = program(&argv);
        let mut words: Vec<&str> = argv[..=p].to_vec();
        words.extend(t.pre.iter().map(String::as_str));
        if let Some(w) = words.iter().find(|w| !cargo::shell_plain(w)) {
            return Err(format!("the install has `{w}`, which would need quoting"));
        }
        parts.push(words.join(" "));
        installs.push(t.install.clone());
    }
    Ok((parts.join(" && "), installs))
}

/// The files to copy first: every install's manifests (and lock files and
/// directories beside them), checked against the context.
fn manifests(c: &Checker, installs: &[Install], mapped: &Mapped) -> Result<Vec<String>, String> {
    let ctx = c.context.ok_or("the build context is not known")?;
    let mut items: Vec<String> = Vec::new();
    for inst in installs {
        for r in &inst.required {
            if mapped.kind(r).is_none() {
                return Err(crate::ecosystem::absent(mapped, r));
            }
        }
        for o in &inst.outputs {
            if let Some(p) = mapped.ctx(o).filter(|p| ctx.get(p).is_some()) {
                return Err(format!(
                    "the context has {p}, which the install also writes: the full COPY would overwrite the install's output (add it to .dockerignore)"
                ));
            }
        }
        for p in inst.required.iter().chain(&inst.optional) {
            let r = mapped
                .rel(p)
                .ok_or_else(|| format!("{p} is outside the copied directory"))?;
            if !items.contains(&r) {
                items.push(r);
            }
        }
    }
    Ok(items)
}

/// What the ops above the full COPY (instruction `copy`) left that decides
/// where the moved RUNs' paths land: the links made above it in its stage
/// and in the stages it is built FROM (read once per file).
fn before_copy(c: &Checker, copy: usize) -> hazard::Before {
    let Some(stage) = step_of(c.model, copy).map(|s| s.stage) else {
        return hazard::Before::default();
    };
    let bases: Vec<usize> = c.model.from_chain(stage).skip(1).collect();
    let made: Vec<&hazard::LinksMade> = c
        .links_made()
        .iter()
        .filter(|m| (m.stage == stage && m.instruction < copy) || bases.contains(&m.stage))
        .collect();
    hazard::Before {
        folders: Default::default(),
        links: made.iter().flat_map(|m| m.links.iter().cloned()).collect(),
        zones: made.iter().flat_map(|m| m.zones.iter().cloned()).collect(),
        packages: made.iter().any(|m| m.packages),
    }
}

/// Each instruction between the COPY and the install moves above the COPY
/// with it: ENV/ARG when the COPY does not read them, USER and WORKDIR when
/// the COPY does not depend on them, a RUN when the hazard check lets it
/// cross.
fn between_may_cross(
    c: &Checker,
    site: &Site,
    cop: &CopyOp,
    before: &mut hazard::Before,
) -> Result<(), String> {
    let df = c.df;
    let copy_ins = &df.instructions[site.copy];
    let copy_words = copy_ins.words().join(" ");
    for &b in &site.between {
        let other = &df.instructions[b];
        let line = other.start_line;
        match other.keyword {
            Keyword::Env | Keyword::Arg => {
                for w in other.words() {
                    let n = w.split('=').next().unwrap_or("");
                    if copy_words.contains(&format!("${n}"))
                        || copy_words.contains(&format!("${{{n}"))
                    {
                        return Err(format!("the COPY reads ${n}, which line {line} sets"));
                    }
                }
            }
            Keyword::User => {
                if cop.chown.is_some() || cop.chmod.is_some() {
                    return Err(format!(
                        "the USER on line {line} would move above a COPY with --chown/--chmod"
                    ));
                }
            }
            Keyword::Workdir => {
                let raw = copy_ins.words().last().cloned().unwrap_or_default();
                if !raw.starts_with('/') {
                    return Err(format!(
                        "the WORKDIR on line {line} would move above a COPY whose destination ({raw}) is relative to it"
                    ));
                }
                let Some(Op::Workdir(w)) = step_of(c.model, b).and_then(|s| s.op.as_ref()) else {
                    return Err(format!("the WORKDIR on line {line} is not a plain WORKDIR"));
                };
                hazard::workdir_may_cross(&w.user, &w.path, cop).map_err(|why| {
                    format!("the WORKDIR on line {line} cannot move above the COPY: {why}")
                })?;
            }
            Keyword::Run => {
                let Some(Op::Run(r)) = step_of(c.model, b).and_then(|s| s.op.as_ref()) else {
                    return Err(format!("the RUN on line {line} is not a plain RUN"));
                };
                let fx = super::run_effects(c, b, r);
                hazard::run_may_cross_where(&fx, r, cop, c.context, before).map_err(|w| {
                    format!("the RUN on line {line} cannot move above the COPY: {w}")
                })?;
            }
            _ => return Err(format!("line {line} cannot move above the COPY")),
        }
        // What it leaves (a link, a folder) is there for the next one.
        if let Some(op) = step_of(c.model, b).and_then(|s| s.op.as_ref()) {
            before.extend(hazard::Before::of_in(std::iter::once(op), c.context));
        }
    }
    Ok(())
}

/// The fix: the instructions between (moved), the manifest COPYs, and the
/// install (moved) or its dependency-only form (inserted; the original
/// stays after the full COPY), all above the full COPY.
fn emit(
    c: &Checker,
    idx: usize,
    site: &Site,
    mapped: &Mapped,
    items: &[String],
    plan: &Plan,
) -> Result<Fix, String> {
    let df = c.df;
    let ins = &df.instructions[idx];
    let copy_idx = site.copy;
    let copy_ins = &df.instructions[copy_idx];
    let FullCopy {
        kw,
        flags,
        base,
        eol,
    } = full_copy(df, copy_ins).ok_or("the COPY destination needs quoting")?;
    // ADD of a directory copies as COPY does; the manifests go with COPY.
    let kw = if kw.eq_ignore_ascii_case("add") {
        "COPY".to_string()
    } else {
        kw
    };
    let src_prefix = mapped.src_prefix();
    // Files grouped by parent directory; directories each get their own COPY.
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut dir_lines = String::new();
    let mut dirs = 0;
    for it in items {
        if mapped.kind(&mapped.at(it)) == Some(true) {
            dir_lines.push_str(&format!(
                "{kw} {flags}{src_prefix}{it} {}{eol}",
                mapped::dest_for(&base, it)
            ));
            dirs += 1;
            continue;
        }
        let parent = it
            .rsplit_once('/')
            .map(|(p, _)| p)
            .unwrap_or("")
            .to_string();
        match groups.iter_mut().find(|(p, _)| *p == parent) {
            Some((_, v)) => v.push(format!("{src_prefix}{it}")),
            None => groups.push((parent, vec![format!("{src_prefix}{it}")])),
        }
    }
    let mut new_text = String::new();
    for &b in &site.between {
        new_text.push_str(&block_text(df, &df.instructions[b]));
    }
    for (parent, files) in &groups {
        new_text.push_str(&format!(
            "{kw} {flags}{} {}{eol}",
            files.join(" "),
            mapped::dest_for(&base, parent)
        ));
    }
    new_text.push_str(&dir_lines);
    let mut transforms: Vec<Transform> = site
        .between
        .iter()
        .map(|&b| Transform::Move {
            ins: b,
            above: copy_idx,
        })
        .collect();
    transforms.extend(vec![
        Transform::Insert { above: copy_idx };
        groups.len() + dirs
    ]);
    let names = items.join(", ");
    let copy_line = copy_ins.first_line(&df.source).trim().to_string();
    let mut reasons: Vec<&str> = Vec::new();
    let mut message = match &plan.pre {
        Some(pre) => {
            let run_kw = &df.source[ins.keyword_span.start..ins.keyword_span.end];
            let run_flags: String = ins
                .flags
                .iter()
                .map(|f| format!("{} ", &df.source[f.span.start..f.span.end]))
                .collect();
            new_text.push_str(&format!("{run_kw} {run_flags}{}{eol}", pre.text));
            transforms.push(Transform::Insert { above: copy_idx });
            if let Some(r) = &pre.unsafe_reason {
                reasons.push(r);
            }
            format!(
                "copy {names} and install the dependencies alone (`{}`) before `{copy_line}`, keeping the full install after it: source edits re-run only that",
                pre.text
            )
        }
        None => {
            new_text.push_str(&block_text(df, ins));
            transforms.push(Transform::Move {
                ins: idx,
                above: copy_idx,
            });
            let ecos: Vec<&str> = plan.installs.iter().map(|i| i.eco).collect();
            format!(
                "copy {names} and run the {} install before `{copy_line}`: source edits no longer re-run it",
                ecos.join("/")
            )
        }
    };
    if !site.between.is_empty() {
        let lines: Vec<String> = site
            .between
            .iter()
            .map(|&b| df.instructions[b].start_line.to_string())
            .collect();
        message.push_str(&format!("; line(s) {} move up with it", lines.join(", ")));
    }
    // The lock the install may rewrite is put back by the full COPY: the
    // image can differ in that one file.
    if let Some(r) = &plan.lock_reason {
        reasons.push(r);
    }
    let applicability = if reasons.is_empty() {
        Applicability::Safe
    } else {
        message.push_str(&format!(" (unsafe: {})", reasons.join("; ")));
        Applicability::Unsafe
    };
    let mut edits = vec![insert_above(df, copy_ins, &new_text)];
    for &b in &site.between {
        edits.push(delete_block(df, &df.instructions[b]));
    }
    if plan.pre.is_none() {
        edits.push(delete_block(df, ins));
    }
    Ok(Fix {
        transforms,
        code: CODE,
        message,
        applicability,
        line: ins.start_line,
        edits,
    })
}
