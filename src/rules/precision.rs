//! Precision on the field corpus (`../shared/field/`: real build contexts of
//! public projects): per rule, how many findings `dockopt check` reports over
//! every context and how many of them a careful engineer would reject,
//! judged by hand finding by finding. The rule catalogue (docs/rules.md)
//! prints it; the field tier (`tests/field.rs`) fails when the counts it
//! measures differ from `findings` here, so the table cannot go stale.

/// One rule's figures on the field corpus.
#[derive(Debug, Clone, Copy)]
pub struct Precision {
    pub code: &'static str,
    /// Findings before the precision review (issue #15), for comparison.
    pub before: u32,
    /// Findings now.
    pub findings: u32,
    /// Of `findings`, those a careful engineer would reject.
    pub false_positives: u32,
    pub note: &'static str,
}

/// The field corpus's size when the table was made.
pub const CONTEXTS: u32 = 42;

/// Rules with no finding on the field corpus (before or now) are not listed.
pub const FIELD: &[Precision] = &[
    Precision {
        code: "DO101",
        before: 2,
        findings: 5,
        false_positives: 0,
        note: "check also reports what the fix finds (one registry): atsea-app's npm install before `COPY react-app .`; rustypaste's hand-written dependency pre-build (a dummy main, `cargo build`, `rm` of its artifacts, a few lines above `COPY . .`) no longer gets a second dummy build proposed; since s15 opentelemetry-demo's accounting and cart: `dotnet restore … -r linux-$TARGETARCH` after the service folder and a proto COPY (a file into it, `COPY ./pb/ ./pb/` beside it), which the install crosses (right: any source edit re-runs the restore)",
    },
    Precision {
        code: "DO102",
        before: 1,
        findings: 2,
        false_positives: 0,
        note: "`apk add git && composer install` no longer fires: the RUN reads the sources; check now also reports the fix's moves: a pip upgrade above a `COPY --from=builder`, rustypaste's `mkdir`/`echo` above `COPY Cargo.toml` (tiny gains, not wrong; one finding since s12: a stage's moves are one fix)",
    },
    Precision {
        code: "DO103",
        before: 19,
        findings: 4,
        false_positives: 0,
        note: "VITE_*, NODE_ENV, MSBuild's environment and ARG→ENV no longer fire; left: an ARG before a `useradd` (redash) and three read only by a LABEL (dashy), whose advice now moves the LABEL too",
    },
    Precision {
        code: "DO104",
        before: 4,
        findings: 4,
        false_positives: 0,
        note: "`apk update` alone before `apk add --no-cache`: the update layer is useless, the fix's merge harmless",
    },
    Precision {
        code: "DO201",
        before: 8,
        findings: 8,
        false_positives: 0,
        note: "two installs in one RUN: each finding now edits its own command",
    },
    Precision {
        code: "DO202",
        before: 6,
        findings: 6,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO203",
        before: 10,
        findings: 8,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO204",
        before: 9,
        findings: 9,
        false_positives: 0,
        note: "two `apk add` in one RUN: each finding now edits its own command",
    },
    Precision {
        code: "DO205",
        before: 3,
        findings: 5,
        false_positives: 0,
        note: "one more: `npm clean-install` is `npm ci` (npm's aliases); one more since s9 searches hidden folders: redash's `.ci/Dockerfile.cypress` (`npm install -g pnpm` leaves npm's cache in the CI image)",
    },
    Precision {
        code: "DO207",
        before: 25,
        findings: 5,
        false_positives: 0,
        note: "left: compilers and headers that a later step compiles with (pip, bundle, PECL, make) and httpbin's git, which its Pipfile's git dependency needs; genproto/Dockerfile ×3 (protoc is what they run: nothing compiles after the install, or the final stage is a builder with no CMD) and git_services' images ×2 (git is what the program runs: no build step uses it) no longer fire, nor development images (`Dockerfile.dev`, a `dev` target, compose-only Dockerfiles with the source mounted)",
    },
    Precision {
        code: "DO208",
        before: 90,
        findings: 69,
        false_positives: 0,
        note: "style (hadolint DL3059); builder stages no longer fire",
    },
    Precision {
        code: "DO209",
        before: 11,
        findings: 0,
        false_positives: 0,
        note: "three-file contexts, `!` re-includes and env templates with no secret no longer fire",
    },
    Precision {
        code: "DO210",
        before: 15,
        findings: 12,
        false_positives: 0,
        note: "GOCACHE in a cache mount and `npm cache clean --force` no longer fire",
    },
    Precision {
        code: "DO301",
        before: 39,
        findings: 31,
        false_positives: 0,
        note: ".NET chiseled and nanoserver bases and development images no longer fire; redash's `.ci/Dockerfile.cypress`, found since s9 searches hidden folders, is a CI image (its folder says so) and does not either; s19: robot-shop's payment runs uWSGI with `uid = 1` in its `payment.ini`, which drops every process to uid 1",
    },
    Precision {
        code: "DO303",
        before: 4,
        findings: 4,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO401",
        before: 2,
        findings: 2,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO403",
        before: 24,
        findings: 24,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO404",
        before: 46,
        findings: 46,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO405",
        before: 5,
        findings: 5,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO406",
        before: 5,
        findings: 5,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO408",
        before: 6,
        findings: 6,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO409",
        before: 5,
        findings: 5,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO410",
        before: 3,
        findings: 3,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO412",
        before: 37,
        findings: 37,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO413",
        before: 17,
        findings: 17,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO414",
        before: 5,
        findings: 4,
        false_positives: 0,
        note: "s18: a pipe whose left side cannot fail (`echo`, `printf`) no longer fires",
    },
    Precision {
        code: "DO501",
        before: 5,
        findings: 2,
        false_positives: 0,
        note: "both name what the mount hides (node_modules), not an entrypoint.sh",
    },
    Precision {
        code: "DO502",
        before: 9,
        findings: 18,
        false_positives: 0,
        note: "9 more since s9 searches hidden folders: redash's `.ci/compose.ci.yaml` and `.ci/compose.cypress.yaml` start the server, workers and Cypress as soon as postgres and redis containers start (a race in CI)",
    },
    Precision {
        code: "DO503",
        before: 38,
        findings: 17,
        false_positives: 0,
        note: "development and CI compose files no longer fire; since s9 a compose file's folder counts too (redash's `.ci/compose.cypress.yaml`, found now that hidden folders are searched)",
    },
    Precision {
        code: "DO504",
        before: 4,
        findings: 3,
        false_positives: 0,
        note: "one fewer (s9): redash's worker `environment` is `<<: *redash-environment` plus one setting, stated once at the anchor, not a copy",
    },
    Precision {
        code: "DO505",
        before: 1,
        findings: 1,
        false_positives: 1,
        note: "false: robotshop's `../payment` exists in the real repository; the field context was cut down to one service",
    },
    Precision {
        code: "DO601",
        before: 1,
        findings: 1,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO602",
        before: 4,
        findings: 4,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO603",
        before: 3,
        findings: 3,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO604",
        before: 1,
        findings: 1,
        false_positives: 0,
        note: "",
    },
];

/// One rule's figures on the shared corpus (`../shared/corpus/`: about 300
/// real Dockerfiles, text only, with the compose files beside them), whose
/// findings were judged by hand on a sample.
#[derive(Debug, Clone, Copy)]
pub struct Sampled {
    pub code: &'static str,
    /// Findings before this review (session 8), same command.
    pub before: u32,
    /// Findings now (`cargo test --test field shared_corpus` checks them).
    pub findings: u32,
    /// How many findings were read (all when 30 or fewer; otherwise 30 or
    /// more, chosen at random with a fixed seed).
    pub sample: u32,
    /// Of the sample as it was before the fixes, those a careful engineer
    /// would reject (the finding, or the advice it gives).
    pub false_before: u32,
    /// Of the sample now.
    pub false_now: u32,
    pub note: &'static str,
}

/// The shared corpus's size (Dockerfiles) when the table was made.
pub const CORPUS_FILES: u32 = 303;

/// The review of the shared corpus (issue #15), rule by rule.
pub const CORPUS: &[Sampled] = &[
    Sampled {
        code: "DO101",
        before: 9,
        findings: 8,
        sample: 9,
        false_before: 1,
        false_now: 0,
        note: "fixed: laradock's production Dockerfile runs `composer install` only `if [ -f composer.json ]`, where copying composer.json first fails in projects without one; with no context the message names a made-up edited file (`src/app.code`)",
    },
    Sampled {
        code: "DO102",
        before: 7,
        findings: 3,
        sample: 5,
        false_before: 0,
        false_now: 0,
        note: "with `--no-context`; read as a context, a corpus folder (the Dockerfile alone) would also let `yarn global add`/`npm install -g` move above `COPY . .`, which a real .npmrc or .yarnrc could make wrong. One fewer since s8-traps: laradock's `ln -snf … /etc/localtime` is no longer moved, an earlier RUN makes a link at `${ORACLE_HOME}`, a place the hazard check cannot tell. One fewer since s9: laradock/openresty's `echo … > upstream.conf` would land right after another RUN (a new DO208); it stays, with that reason. One fewer since s9-traps: jenkins' move above a COPY into /usr/share after a package install is refused (the packages' links there are unknown). One fewer since s17: a devcontainer's `gem install bundler jekyll` (cwd /) above a COPY below /: RubyGems installs a `*.gem` of the cwd over the remote gem, and without the files known the whole cwd counts as read",
    },
    Sampled {
        code: "DO103",
        before: 15,
        findings: 15,
        sample: 15,
        false_before: 0,
        false_now: 0,
        note: "",
    },
    Sampled {
        code: "DO104",
        before: 9,
        findings: 4,
        sample: 9,
        false_before: 5,
        false_now: 0,
        note: "fixed: `apt-get update && bash common-debian.sh` (vscode-dev-containers) is not alone: the script installs; DO104 is now silent when the effects model cannot read the RUN",
    },
    Sampled {
        code: "DO201",
        before: 149,
        findings: 149,
        sample: 30,
        false_before: 0,
        false_now: 0,
        note: "in laradock's long `if` chains every finding points at the RUN's first line",
    },
    Sampled {
        code: "DO202",
        before: 49,
        findings: 49,
        sample: 30,
        false_before: 0,
        false_now: 0,
        note: "",
    },
    Sampled {
        code: "DO203",
        before: 21,
        findings: 23,
        sample: 23,
        false_before: 0,
        false_now: 0,
        note: "session 16: each install of a RUN is its own finding (0279's two RUNs of two `python -m pip install` each: +2, both true)",
    },
    Sampled {
        code: "DO204",
        before: 47,
        findings: 47,
        sample: 30,
        false_before: 0,
        false_now: 0,
        note: "",
    },
    Sampled {
        code: "DO205",
        before: 22,
        findings: 22,
        sample: 22,
        false_before: 0,
        false_now: 0,
        note: "",
    },
    Sampled {
        code: "DO206",
        before: 25,
        findings: 25,
        sample: 25,
        false_before: 20,
        false_now: 0,
        note: "every finding was true, the message or advice of 20 was not: a second `rm -rf /tmp/library-scripts` named the file an earlier RUN had deleted; files a RUN then uses were to be left out of their COPY; wildcard COPYs and URL ADDs got \"remove it in the same RUN as line N\" (N a COPY). Fixed, and the unsafe merge no longer merges an `rm` into the RUN after a COPY; left: a glob (`rm /tmp/id_rsa*`) is read as one path",
    },
    Sampled {
        code: "DO207",
        before: 104,
        findings: 96,
        sample: 30,
        false_before: 3,
        false_now: 0,
        note: "fixed: moby/buildkit's `AS validate` CI stages (5), docker-library/python's slim images (`apt-mark auto` + `purge --auto-remove`, 2) and its full image `FROM buildpack-deps` (1); a full base now gets the -slim advice; left outside the sample: buildkit's vendor.Dockerfile, whose last stage (`gomod-updates`) is a CI report",
    },
    Sampled {
        code: "DO208",
        before: 167,
        findings: 167,
        sample: 30,
        false_before: 0,
        false_now: 0,
        note: "style (hadolint DL3059); fixed in the rewrite: DO102's move on laradock/openresty put two RUNs side by side (one DO208 more after `fix`); a move no longer lands a RUN right after another",
    },
    Sampled {
        code: "DO210",
        before: 53,
        findings: 47,
        sample: 30,
        false_before: 4,
        false_now: 0,
        note: "fixed: `go build -a` rebuilds everything and never reads the build cache (jessfraz/dockerfiles, 5); s18: a cache mount over part of npm's cache (`/root/.npm/_cacache`) counts, and `fix` no longer nests a second one over it",
    },
    Sampled {
        code: "DO301",
        before: 211,
        findings: 190,
        sample: 30,
        false_before: 9,
        false_now: 0,
        note: "fixed: scratch (no useradd, no /etc/passwd: a numeric USER) and Alpine (BusyBox `adduser`) got `useradd -r app`; node gets `USER node`, distroless `:nonroot`; buildkit's validate stages no longer fire; s9: a scratch image with nothing to run (no ENTRYPOINT/CMD, or one naming an .apk or other package: files to export) and a Dockerfile below a test folder (`test/telemetry/`) no longer fire, 6 fewer: the two left before, vscode-dev-containers' `test/regression` image and three `FROM scratch` output stages (dotnet's sdk-build, buildkit's create-certs and govulncheck); s19: 8 fewer, images that do not run as root: the mongo, mysql, mariadb, postgis and redis images with their server as CMD (their entrypoint re-executes as the service user through gosu), solr and grafana/k6 (their own `USER`)",
    },
    Sampled {
        code: "DO302",
        before: 5,
        findings: 4,
        sample: 5,
        false_before: 1,
        false_now: 0,
        note: "fixed: `ENV HUBOT_SLACK_TOKEN=` (empty: nothing stored)",
    },
    Sampled {
        code: "DO303",
        before: 17,
        findings: 15,
        sample: 17,
        false_before: 2,
        false_now: 0,
        note: "s18 (a second review of every finding): `curl -o FILE URL | bash` pipes nothing to the shell (laradock's workspace, 2); a second `curl | bash` of a RUN is reported on its own line",
    },
    Sampled {
        code: "DO401",
        before: 31,
        findings: 31,
        sample: 31,
        false_before: 0,
        false_now: 0,
        note: "",
    },
    Sampled {
        code: "DO402",
        before: 31,
        findings: 31,
        sample: 31,
        false_before: 0,
        false_now: 0,
        note: "",
    },
    Sampled {
        code: "DO403",
        before: 217,
        findings: 217,
        sample: 30,
        false_before: 0,
        false_now: 0,
        note: "pinning (hadolint DL3008): mechanically true",
    },
    Sampled {
        code: "DO404",
        before: 165,
        findings: 165,
        sample: 30,
        false_before: 0,
        false_now: 0,
        note: "pinning (hadolint DL3018): mechanically true",
    },
    Sampled {
        code: "DO405",
        before: 16,
        findings: 16,
        sample: 16,
        false_before: 0,
        false_now: 0,
        note: "",
    },
    Sampled {
        code: "DO406",
        before: 9,
        findings: 9,
        sample: 9,
        false_before: 0,
        false_now: 0,
        note: "",
    },
    Sampled {
        code: "DO407",
        before: 11,
        findings: 11,
        sample: 11,
        false_before: 0,
        false_now: 0,
        note: "",
    },
    Sampled {
        code: "DO408",
        before: 33,
        findings: 33,
        sample: 33,
        false_before: 0,
        false_now: 0,
        note: "no local archive among them (ADD would unpack it)",
    },
    Sampled {
        code: "DO409",
        before: 14,
        findings: 11,
        sample: 14,
        false_before: 3,
        false_now: 0,
        note: "fixed: moby/buildkit's parser test file stacks CMDs, and only the last one runs; also a CMD cleared by a later stage's ENTRYPOINT or ignored by a shell-form ENTRYPOINT, and `ENTRYPOINT exec …` (the app is PID 1)",
    },
    Sampled {
        code: "DO410",
        before: 66,
        findings: 27,
        sample: 66,
        false_before: 39,
        false_now: 0,
        note: "fixed: nginx's `cd \"$tempDir\"` (a variable the RUN sets: WORKDIR cannot name it); s19, every finding read: 38 were a `cd` WORKDIR cannot replace, in an `if` branch (laradock's optional extensions, 31), a subshell (couchpotato), or into a folder the RUN deletes again (docker-library/python's `/usr/src/python`, logspout, open-vmdk: a split would keep the build in a layer)",
    },
    Sampled {
        code: "DO411",
        before: 4,
        findings: 4,
        sample: 4,
        false_before: 0,
        false_now: 0,
        note: "",
    },
    Sampled {
        code: "DO412",
        before: 97,
        findings: 93,
        sample: 30,
        false_before: 4,
        false_now: 0,
        note: "fixed: the message read \"serves /tcp\" for `EXPOSE ${PORT}` with an unset build argument (opentelemetry-demo); s19: 4 fewer, images whose every compose service defines a `healthcheck:` (robot-shop's cart, shipping and web, awesome-compose's nginx-wsgi-flask); compose files are read under `--no-context` too",
    },
    Sampled {
        code: "DO413",
        before: 27,
        findings: 27,
        sample: 27,
        false_before: 0,
        false_now: 0,
        note: "",
    },
    Sampled {
        code: "DO414",
        before: 145,
        findings: 120,
        sample: 30,
        false_before: 0,
        false_now: 0,
        note: "the advice now fits the base: Alpine has no bash for a SHELL, and dash (Debian's, Ubuntu's /bin/sh) rejects `set -o pipefail` before Debian 13 and Ubuntu 25.04; each old advice offered one option that worked. s18: 25 fewer, pipes whose left side cannot fail (`echo \"$SHA  f\" | sha256sum -c -`, `printf | pecl install`), and `yes |`, which pipefail would make fail; the finding is on its pipe, not on the first `|` of a `||`",
    },
    Sampled {
        code: "DO415",
        before: 31,
        findings: 1,
        sample: 1,
        false_before: 30,
        false_now: 0,
        note: "new in s10; true: moby's parser test file `ENV name='a\\'b'` (single quotes take no escape; Docker 20.10 fails it). The 30 first drafts reported were dev container templates' `${templateOption:…}` placeholders, which the template tool fills in: no longer reported",
    },
    Sampled {
        code: "DO501",
        before: 8,
        findings: 7,
        sample: 8,
        false_before: 2,
        false_now: 0,
        note: "fixed: full-stack-fastapi-template's override mounts ./backend over /app, which an unreadable install \"wrote\"; awesome-compose/vuejs named Yarn 2+ Plug'n'Play files (.pnp.cjs) for a Yarn 1 project (no .yarnrc.yml, no `packageManager`), now only its yarn.lock; that one and 4 more name files the corpus lacks beside the compose file (yarn.lock, bin/www, package-lock.json), which a real checkout has",
    },
    Sampled {
        code: "DO502",
        before: 56,
        findings: 56,
        sample: 30,
        false_before: 0,
        false_now: 0,
        note: "",
    },
    Sampled {
        code: "DO503",
        before: 74,
        findings: 60,
        sample: 30,
        false_before: 4,
        false_now: 0,
        note: "fixed: a compose file that mounts a service's build context over its image (`build: ./app`, `./app/:/usr/src/app/`) is a development file; a swarm stack's files (an external secret, overlay network or swarm-only `deploy` key, in the file or a sibling defining its services) no longer fire: `docker stack deploy` ignores `restart:` and restarts by default (BretFisher's swarm-stack-3, 4 fewer)",
    },
    Sampled {
        code: "DO504",
        before: 20,
        findings: 10,
        sample: 20,
        false_before: 10,
        false_now: 0,
        note: "s9, judged again: robot-shop's 10 `logging: {<<: *logging}` repeat nothing but the alias (the block is stated once, at the anchor), false; what a block takes from an anchor no longer counts",
    },
    Sampled {
        code: "DO505",
        before: 55,
        findings: 0,
        sample: 0,
        false_before: 0,
        false_now: 0,
        note: "fixed: `--no-context` (no build context, as here) now silences it like the other rules that read the context; the 55 named directories the corpus does not keep",
    },
];

/// The corpus figures for one rule (None: no finding on the shared corpus).
pub fn corpus_of(code: &str) -> Option<&'static Sampled> {
    CORPUS.iter().find(|p| p.code == code)
}

/// The figures for one rule (None: no finding on the field corpus).
pub fn of(code: &str) -> Option<&'static Precision> {
    FIELD.iter().find(|p| p.code == code)
}

/// The catalogue's section: a table of every rule with findings.
pub fn markdown() -> String {
    use std::fmt::Write as _;
    let (n, f): (u32, u32) = FIELD
        .iter()
        .fold((0, 0), |(n, f), p| (n + p.findings, f + p.false_positives));
    let before: u32 = FIELD.iter().map(|p| p.before).sum();
    let mut out = format!(
        "\n## Precision on real projects\n\n`dockopt check` over the {CONTEXTS} real build contexts of \
         `../shared/field/` (public projects; `cargo test --test field -- --nocapture` counts the findings \
         and fails when they differ from this table). The findings were read by hand (those of the style and \
         pinning rules DO208, DO403, DO404, DO412 and DO413, whose statement is mechanically true, by sample); \
         a false positive is one a careful engineer would reject. {n} findings, {f} false ({:.1}%); {before} before the review.\n\n\
         | Rule | Findings | False positives | Rate | Before | Notes |\n|---|---:|---:|---:|---:|---|\n",
        rate(f, n)
    );
    for p in FIELD {
        let _ = writeln!(
            out,
            "| [{}](#{}) | {} | {} | {:.0}% | {} | {} |",
            p.code,
            p.code.to_ascii_lowercase(),
            p.findings,
            p.false_positives,
            rate(p.false_positives, p.findings),
            p.before,
            p.note
        );
    }
    out.push_str(&corpus_markdown());
    out
}

/// The shared corpus's table (the catalogue's second precision section).
fn corpus_markdown() -> String {
    use std::fmt::Write as _;
    let n: u32 = CORPUS.iter().map(|p| p.findings).sum();
    let before: u32 = CORPUS.iter().map(|p| p.before).sum();
    let sample: u32 = CORPUS.iter().map(|p| p.sample).sum();
    let (fb, fnow): (u32, u32) = CORPUS
        .iter()
        .fold((0, 0), |(a, b), p| (a + p.false_before, b + p.false_now));
    let mut out = format!(
        "\n### On the shared corpus\n\n`dockopt check --no-context` over the {CORPUS_FILES} Dockerfiles of \
         `../shared/corpus/` (real files, text only, no build context) and the compose files kept beside \
         them, laid out at their paths in their repositories, a compose file several entries share checked \
         once (`cargo test --test field shared_corpus -- --nocapture` counts the findings and fails when \
         they differ from this table). Per rule, every finding was read when there are 30 or fewer, \
         otherwise 30 chosen at random with a fixed seed; a false positive is a finding, or its advice, \
         that a careful engineer would reject. {n} findings ({before} before this review); {sample} read, \
         {fb} false before the fixes, {fnow} now ({:.1}%).\n\n\
         | Rule | Findings | Before | Read | False before | False now | Notes |\n|---|---:|---:|---:|---:|---:|---|\n",
        rate(fnow, sample)
    );
    for p in CORPUS {
        let _ = writeln!(
            out,
            "| [{}](#{}) | {} | {} | {} | {} | {} | {} |",
            p.code,
            p.code.to_ascii_lowercase(),
            p.findings,
            p.before,
            p.sample,
            p.false_before,
            p.false_now,
            p.note
        );
    }
    out
}

/// The line a rule's page in the catalogue ends with.
pub fn line(code: &str) -> String {
    let field = match of(code) {
        Some(p) => format!(
            "\n### Precision on real projects\n\n{} finding(s) on the field corpus, {} false positive(s) ({:.0}%).\n",
            p.findings,
            p.false_positives,
            rate(p.false_positives, p.findings)
        ),
        None => "\n### Precision on real projects\n\nNo finding on the field corpus.\n".to_string(),
    };
    let corpus = match corpus_of(code) {
        Some(p) if p.sample > 0 => format!(
            "On the shared corpus: {} finding(s), {} read, {} false ({} before this review's fixes).\n",
            p.findings, p.sample, p.false_now, p.false_before
        ),
        Some(p) if p.findings == 0 => "No finding on the shared corpus now.\n".to_string(),
        Some(p) => format!(
            "On the shared corpus: {} finding(s), not judged (the corpus holds no build context).\n",
            p.findings
        ),
        None => "No finding on the shared corpus.\n".to_string(),
    };
    format!("{field}\n{corpus}")
}

fn rate(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * f64::from(part) / f64::from(whole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_code_is_a_rule_and_false_positives_are_findings() {
        for p in FIELD {
            assert!(
                crate::rules::all().iter().any(|r| r.code == p.code),
                "{}",
                p.code
            );
            assert!(p.false_positives <= p.findings, "{}", p.code);
        }
    }
}
