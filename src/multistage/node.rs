//! Node: the builder installs every dependency, runs the build (`npm run
//! build`, yarn/pnpm equivalents) and prunes devDependencies; the runtime,
//! on the `-slim` variant, gets the app directory: production dependencies
//! plus the built output (dist/, build/, .next/ …), whatever its name.

use super::images::{self, ImageRef};
use super::shell::{CmdKind, NodeTool};
use super::{
    block, check_override, early_config, install_line, late_config, packages, Analysis, Plan,
    Refusal, BUILDER,
};

/// Package scripts that run from production dependencies by convention.
const PROD_SCRIPTS: &[&str] = &["start", "serve:prod", "start:prod"];

pub(crate) fn plan(a: &Analysis, r: &ImageRef, opts: &super::Options) -> Result<Plan, Refusal> {
    let (mut runtime_base, base_saving) = images::node_runtime(r)?;
    if let Some(o) = &opts.runtime_base {
        check_override(o, true, false)?;
        runtime_base = o.clone();
    }
    if let Some(line) = a.user_before_run() {
        return Err(Refusal::new(format!(
            "line {line}: USER before the install steps"
        )));
    }
    let mut tool: Option<NodeTool> = None;
    let mut build = false;
    let mut berry = false;
    let mut prod_only = false;
    for (item, c) in a.cmds() {
        let line = item.ins.start_line;
        match &c.kind {
            CmdKind::NodeInstall(t) => {
                if tool.is_some_and(|x| x != *t) {
                    return Err(Refusal::new(format!("line {line}: two package managers")));
                }
                tool = Some(*t);
                berry |= c.words.iter().any(|w| w == "--immutable");
                // `npm ci --omit=dev`: the builder's node_modules is already
                // what the runtime needs; no prune, and whatever runs found
                // no devDependencies in the original either.
                prod_only |= c.words.iter().any(|w| {
                    w == "--omit=dev"
                        || w == "--production"
                        || w == "--prod"
                        || w == "--only=production"
                        || w == "--only=prod"
                }) || c.var("NODE_ENV") == Some("production");
            }
            CmdKind::NodeBuild(_) => build = true,
            CmdKind::NodeGlobal
            | CmdKind::AptUpdate
            | CmdKind::AptInstall(_)
            | CmdKind::AptHousekeeping
            | CmdKind::ApkAdd(_)
            | CmdKind::ApkHousekeeping
            | CmdKind::Fetch
            | CmdKind::Noop => {}
            CmdKind::Replay => {}
            // `rm -rf node_modules` before the install: the builder runs it as
            // written and the runtime copies the app directory after it; a
            // path outside that directory would still be in the slim image.
            CmdKind::Remove(paths) => {
                let wd = a.workdir();
                if let Some(p) = paths.iter().find(|p| {
                    let at = super::abs(&item.step.cwd, p);
                    wd == "/" || !crate::effects::under(&at, &wd) || at == wd
                }) {
                    return Err(Refusal::of_kind(
                        "removes a path outside the app directory",
                        format!(
                            "line {line}: `{}` removes `{p}`, outside the app directory the runtime copies",
                            c.text
                        ),
                    ));
                }
            }
            k => {
                return Err(Refusal::new(format!(
                    "line {line}: `{}` is not a Node build step ({k:?})",
                    c.text
                )))
            }
        }
    }
    let Some(tool) = tool else {
        return Err(Refusal::new("no npm/yarn/pnpm install: nothing to build"));
    };
    // What runs must not need devDependencies.
    let argv = super::command_line(a.config);
    let rt = a.runtime_text();
    let words: Vec<&str> = if argv.is_empty() {
        rt.split_whitespace().collect()
    } else {
        argv.iter().map(String::as_str).collect()
    };
    let pm = words.first().copied().unwrap_or("");
    if prod_only {
        // The original ran without devDependencies too.
    } else if ["npm", "yarn", "pnpm"].contains(&pm) {
        let script = script_of(&words);
        if !PROD_SCRIPTS.contains(&script.as_str()) {
            return Err(Refusal::new(format!(
                "the command runs package script `{script}`, which may need devDependencies"
            )));
        }
    } else if pm != "node" && !pm.is_empty() {
        return Err(Refusal::new(format!(
            "the command runs `{pm}`: cannot tell whether it needs devDependencies"
        )));
    }
    let prune = match tool {
        _ if prod_only => String::new(),
        NodeTool::Npm => "npm prune --omit=dev".to_string(),
        NodeTool::Pnpm => "pnpm prune --prod".to_string(),
        NodeTool::Yarn if berry => {
            return Err(Refusal::new(
                "Yarn Berry (--immutable): a production-only install needs `yarn workspaces focus`, not converted yet",
            ))
        }
        NodeTool::Yarn => "yarn install --production --frozen-lockfile --ignore-scripts --prefer-offline".to_string(),
    };
    let distro = Analysis::distro(&r.tag);
    let (runtime_pkgs, moved) = a.package_fates(distro)?;
    if runtime_base == a.base && moved.is_empty() && !build {
        return Err(Refusal::new(format!(
            "nothing to split: `{}` is already the slim image, with no build step and no build-only packages",
            a.base
        )));
    }
    let workdir = a.workdir();
    if workdir == "/" {
        return Err(Refusal::new(
            "no WORKDIR: the app directory would be the whole filesystem",
        ));
    }

    let mut b = String::new();
    b.push_str(&a.preamble);
    b.push_str(&a.base_comments());
    b.push_str(&a.stage_line(&a.base, Some(BUILDER)));
    for item in &a.items {
        if super::is_early_config(item.keyword()) {
            b.push_str(a.text(item.ins));
            b.push('\n');
        } else if item.is_run() || item.is_context_copy() {
            b.push_str(&block(a.df, item.ins));
        }
    }
    if !prune.is_empty() {
        // A RUN of its own, not joined to the build: `fix` can still make
        // the install manifest-first (DO101) in front of it.
        b.push_str(
            "# drop devDependencies: the runtime gets production dependencies and the build output\n",
        );
        b.push_str(&format!("RUN {prune}\n"));
    }

    let mut t = String::new();
    t.push_str(&format!("\n{}", a.stage_line(&runtime_base, None)));
    t.push_str(&early_config(a, true));
    if !runtime_pkgs.is_empty() {
        t.push_str("# runtime packages only: build tools stay in the builder\n");
        t.push_str(&install_line(
            Analysis::distro(runtime_base.rsplit_once(':').map_or("", |x| x.1)),
            &runtime_pkgs,
        ));
    }
    // Global tools (pnpm, corepack) and replayed commands, in order.
    for item in a.items.iter().filter(|i| i.is_run()) {
        let keep: Vec<&str> = item
            .cmds
            .iter()
            .filter(|c| matches!(c.kind, CmdKind::NodeGlobal))
            .map(|c| c.text.as_str())
            .collect();
        if !keep.is_empty() {
            t.push_str(&format!("RUN {}\n", keep.join(" && ")));
        }
    }
    t.push_str(&format!("COPY --from={BUILDER} {workdir} {workdir}\n"));
    for item in a.items.iter().filter(|i| i.is_run()) {
        let keep: Vec<&str> = item
            .cmds
            .iter()
            .filter(|c| matches!(c.kind, CmdKind::Replay))
            .map(|c| c.text.as_str())
            .collect();
        if !keep.is_empty() {
            t.push_str(&super::comments(item.ins));
            t.push_str(&format!("RUN {}\n", keep.join(" && ")));
        }
    }
    t.push_str(&late_config(a, &[]));
    let mut notes = vec![if prune.is_empty() {
        format!(
            "the runtime gets {workdir} from the builder: its install was already production-only"
        )
    } else {
        format!(
        "the runtime gets {workdir} from the builder after `{prune}`: production dependencies and the build output"
    )
    }];
    if a.context.is_none() {
        notes
            .push("no context: package.json's scripts were not checked for devDependencies".into());
    }
    if !moved.is_empty() {
        notes.push(format!("left in the builder: {}", moved.join(" ")));
    }
    Ok(Plan {
        text: format!("{b}{t}"),
        runtime_base,
        moved_packages: moved.clone(),
        estimated_saving_mb: Some(base_saving + packages::build_only_mb(&moved)),
        notes,
        changed: Vec::new(),
    })
}

/// The package script a `npm start` / `npm run X` / `yarn X` / `pnpm X` runs.
fn script_of(words: &[&str]) -> String {
    let mut rest: Vec<&str> = Vec::new();
    let mut skip = false;
    for w in &words[1..] {
        if skip {
            skip = false;
            continue;
        }
        if *w == "--filter" || *w == "-F" || *w == "--prefix" || *w == "-C" {
            skip = true;
        } else if !w.starts_with('-') {
            rest.push(w);
        }
    }
    match rest.as_slice() {
        ["run" | "run-script", s, ..] => s.to_string(),
        [s, ..] => s.to_string(),
        [] => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::convert_text;

    #[test]
    fn npm_build_and_prune() {
        let c = convert_text("FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\nCMD [\"node\", \"dist/server.js\"]\n").unwrap();
        assert_eq!(c.runtime_base, "node:20-slim");
        assert!(c.text.contains("RUN npm prune --omit=dev"));
        assert!(c.text.contains("COPY --from=builder /app /app"));
    }

    #[test]
    fn refuses_dev_scripts_and_berry() {
        let e = convert_text(
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"npm\", \"run\", \"dev\"]\n",
        )
        .unwrap_err();
        assert!(e.reason.contains("`dev`"), "{e}");
        let e = convert_text("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn install --immutable\nRUN yarn build\nCMD [\"node\", \"x.js\"]\n").unwrap_err();
        assert!(e.reason.contains("Berry"), "{e}");
    }

    #[test]
    fn pnpm_filter_start() {
        let c = convert_text("FROM node:20-slim\nRUN npm install -g pnpm@9.5.0\nWORKDIR /repo\nCOPY . .\nRUN pnpm install --frozen-lockfile\nRUN pnpm --filter @acme/api build\nCMD [\"pnpm\", \"--filter\", \"@acme/api\", \"start\"]\n").unwrap();
        assert!(c.text.contains("RUN pnpm prune --prod"));
        assert!(
            c.text
                .contains("RUN npm install -g pnpm@9.5.0\nCOPY --from=builder"),
            "{}",
            c.text
        );
    }
}

#[cfg(test)]
mod prod_only_tests {
    use super::super::tests::convert_text;

    #[test]
    fn omit_dev_needs_no_prune_and_rm_node_modules_stays_in_the_builder() {
        let c = convert_text("FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN rm -fr node_modules && npm ci --omit=dev\nCOPY . .\nCMD [\"npm\", \"run\", \"serve\"]\n")
            .unwrap_or_else(|r| panic!("{r}"));
        assert!(!c.text.contains("prune"), "{}", c.text);
        assert!(
            c.text.contains("FROM node:20-slim\n")
                && c.text.contains("COPY --from=builder /app /app"),
            "{}",
            c.text
        );
        let e = convert_text("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN rm -rf /usr/local/lib/node_modules/npm && npm ci\nCMD [\"node\", \"s.js\"]\n").unwrap_err();
        assert!(e.reason.contains("outside the app directory"), "{e}");
    }
}
