//! Symbolic cache keys per op, following spec §1.5, §5, §6, §7.

use super::input::BuildInput;
use crate::context::ContextTree;
use crate::model::env::Entries;
use crate::model::{Base, CopyOp, CopySource, MountKind, Op, RunOp};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;

/// A cache key or content digest: a SHA-256 kept as its 32 bytes. Hex is
/// for display only: a key set of a long file was a third of a
/// simulation's memory as hex strings, and formatting them most of its
/// allocations.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Key(pub [u8; 32]);

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Where an op's content checksum comes from (for explanations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentSource {
    /// Context paths, cleaned ("" is the whole context).
    Context(Vec<String>),
    Stage(usize),
    Image(String),
    /// An unpinned URL or git source: BuildKit re-checks it on every build.
    Remote(String),
    /// A path BuildKit would not find: the build fails at this step.
    Missing(String),
}

#[derive(Debug, Clone)]
pub struct Content {
    pub source: ContentSource,
    pub digest: Key,
}

#[derive(Debug, Clone)]
pub struct OpRecord {
    pub step: usize,
    pub key: Key,
    /// The key of the previous op of the stage (or the stage's base).
    pub chain: Key,
    /// The op's own definition, env and content excluded.
    pub params: Key,
    pub env: crate::model::env::Entries,
    pub contents: Vec<Content>,
    /// `COPY --link`: the copy's own key, which ignores the chain.
    pub link_key: Option<Key>,
}

#[derive(Debug, Clone, Default)]
pub struct BuildKeys {
    /// Per model step: its op's record, if the step emits an op and its stage is built.
    pub ops: Vec<Option<OpRecord>>,
    /// Per stage: the key of its base (image, scratch or stage).
    pub stage_base: Vec<Option<Key>>,
    /// Per stage: the key of its final state.
    pub stage_final: Vec<Option<Key>>,
    /// Per stage: its base image's ONBUILD trigger ops, in order, keyed in
    /// the chain between the base and the stage's own ops. Their `step` is
    /// [`TRIGGER_STEP`]; `trigger` indexes `Stage::onbuild`.
    pub triggers: Vec<Vec<TriggerRecord>>,
}

/// `OpRecord::step` of an ONBUILD trigger op: it is no model step.
pub const TRIGGER_STEP: usize = usize::MAX;

#[derive(Debug, Clone)]
pub struct TriggerRecord {
    /// Index into the stage's `onbuild`.
    pub trigger: usize,
    pub record: OpRecord,
}

struct KeyHasher(Sha256);

impl KeyHasher {
    fn new(kind: &str) -> Self {
        let mut h = KeyHasher(Sha256::new());
        h.field(kind);
        h
    }

    /// Length-prefixed, so field boundaries cannot collide.
    fn field(&mut self, s: &str) -> &mut Self {
        self.0.update((s.len() as u64).to_le_bytes());
        self.0.update(s.as_bytes());
        self
    }

    fn opt(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(v) => self.field("some").field(v),
            None => self.field("none"),
        }
    }

    /// Length-prefixed like [`Self::field`].
    fn key(&mut self, k: &Key) -> &mut Self {
        self.0.update((k.0.len() as u64).to_le_bytes());
        self.0.update(k.0);
        self
    }

    fn opt_key(&mut self, k: Option<&Key>) -> &mut Self {
        match k {
            Some(v) => self.field("some").key(v),
            None => self.field("none"),
        }
    }

    fn finish(self) -> Key {
        Key(self.0.finalize().into())
    }
}

/// How a build sees another stage's output, given that stage's final key.
/// The first build uses the key itself; the "outputs identical" world maps
/// a re-run stage to the key it had in the first build.
pub type StageIdentity<'a> = dyn Fn(usize, &Key) -> Key + 'a;

/// How a build sees a stage's base image: given the stage and the key its
/// reference gives, the chain key to use and a marker for a changed image
/// config (empty when unchanged), which enters RUN keys only: config env,
/// user and cwd reach RUN, not COPY (spec §8).
pub type ImageView<'a> = dyn Fn(usize, &Key) -> (Key, String) + 'a;

/// How a build sees an unpinned remote source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteView {
    /// As fetched in the first build.
    Recorded,
    /// Re-fetched with different content.
    Refetched,
}

/// The digest of each env list RUN keys hash, by list. The RUNs between two
/// ENV/ARG share one list (see [`crate::model::env::Entries`]), and the
/// builds a simulation keys share the model's lists: hashing every entry
/// into every RUN's key was most of the key time on long files. Each list
/// is kept alive here, so its address cannot be reused for another list
/// while the memo lives.
#[derive(Default)]
pub struct EnvDigests(HashMap<usize, (Entries, Key)>);

impl EnvDigests {
    fn digest(&mut self, env: &Entries) -> Key {
        let at = env.address();
        if let Some((_, d)) = self.0.get(&at) {
            return *d;
        }
        let mut h = KeyHasher::new("env");
        for (k, v) in env.iter() {
            h.field(k).field(v);
        }
        let d = h.finish();
        self.0.insert(at, (env.clone(), d));
        d
    }
}

pub fn compute_keys(
    input: &BuildInput,
    identity: &StageIdentity<'_>,
    images: &ImageView<'_>,
    remote: RemoteView,
) -> BuildKeys {
    compute_keys_with(input, identity, images, remote, &mut EnvDigests::default())
}

/// [`compute_keys`] with env digests shared with other calls (the builds of
/// one simulation).
pub fn compute_keys_with(
    input: &BuildInput,
    identity: &StageIdentity<'_>,
    images: &ImageView<'_>,
    remote: RemoteView,
    envs: &mut EnvDigests,
) -> BuildKeys {
    let model = &input.model;
    let reachable = model.reachable();
    let mut keys = BuildKeys {
        ops: vec![None; model.steps.len()],
        stage_base: vec![None; model.stages.len()],
        stage_final: vec![None; model.stages.len()],
        triggers: vec![Vec::new(); model.stages.len()],
    };
    let mut markers: Vec<String> = vec![String::new(); model.stages.len()];
    for stage in &model.stages {
        if !reachable.get(stage.index).copied().unwrap_or(false) {
            continue;
        }
        let base = match &stage.base {
            Base::Image(r) => {
                let mut h = KeyHasher::new("image");
                h.field(r).opt(stage.platform.as_deref());
                h.field(if input.image_moved(r) {
                    "moved"
                } else {
                    "as-before"
                });
                let (key, marker) = images(stage.index, &h.finish());
                markers[stage.index] = marker;
                key
            }
            Base::Scratch => KeyHasher::new("scratch").finish(),
            Base::Stage(b) => {
                markers[stage.index] = markers.get(*b).cloned().unwrap_or_default();
                match keys.stage_final.get(*b).cloned().flatten() {
                    Some(k) => k,
                    None => KeyHasher::new("unknown-stage").finish(),
                }
            }
        };
        let marker = markers[stage.index].clone();
        keys.stage_base[stage.index] = Some(base);
        let mut chain = base;
        // ONBUILD triggers run first (spec §2): keyed like the ops they are.
        for (t, trigger) in stage.onbuild.iter().enumerate() {
            let Some(op) = &trigger.op else { continue };
            let rec = op_record(
                input,
                &keys,
                identity,
                remote,
                TRIGGER_STEP,
                &chain,
                &marker,
                op,
                envs,
            );
            chain = rec.key;
            keys.triggers[stage.index].push(TriggerRecord {
                trigger: t,
                record: rec,
            });
        }
        for i in model.stage_range(stage.index) {
            let step = &model.steps[i];
            let Some(op) = &step.op else { continue };
            let rec = op_record(input, &keys, identity, remote, i, &chain, &marker, op, envs);
            chain = rec.key;
            keys.ops[i] = Some(rec);
        }
        keys.stage_final[stage.index] = Some(chain);
    }
    keys
}

/// The record of one op in a stage's chain: a model step's or an ONBUILD trigger's.
#[allow(clippy::too_many_arguments)]
fn op_record(
    input: &BuildInput,
    keys: &BuildKeys,
    identity: &StageIdentity<'_>,
    remote: RemoteView,
    i: usize,
    chain: &Key,
    marker: &str,
    op: &Op,
    envs: &mut EnvDigests,
) -> OpRecord {
    match op {
        Op::Run(r) => run_record(input, keys, identity, i, chain, marker, r, envs),
        Op::Copy(c) => copy_record(input, keys, identity, remote, i, chain, c),
        Op::Workdir(w) => {
            let params = {
                let mut h = KeyHasher::new("mkdir");
                h.field(&w.path).field(&w.user);
                h.finish()
            };
            let mut h = KeyHasher::new("op");
            h.key(chain).key(&params);
            OpRecord {
                step: i,
                key: h.finish(),
                chain: *chain,
                params,
                env: Default::default(),
                contents: Vec::new(),
                link_key: None,
            }
        }
    }
}

fn stage_content(
    keys: &BuildKeys,
    identity: &StageIdentity<'_>,
    stage: usize,
    paths: &[String],
) -> Key {
    let fin = keys
        .stage_final
        .get(stage)
        .copied()
        .flatten()
        .unwrap_or_default();
    let mut h = KeyHasher::new("stage-content");
    h.key(&identity(stage, &fin));
    for p in paths {
        h.field(p);
    }
    h.finish()
}

fn context_content(tree: &ContextTree, paths: &[String]) -> Content {
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    match tree.select(&refs) {
        Ok(sel) => Content {
            source: ContentSource::Context(paths.to_vec()),
            digest: {
                let mut h = KeyHasher::new("context-content");
                h.field(&sel.digest());
                h.finish()
            },
        },
        Err(e) => Content {
            source: ContentSource::Missing(e.to_string()),
            digest: {
                let mut h = KeyHasher::new("missing");
                h.field(&e.to_string());
                h.finish()
            },
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn run_record(
    input: &BuildInput,
    keys: &BuildKeys,
    identity: &StageIdentity<'_>,
    step: usize,
    chain: &Key,
    config_marker: &str,
    r: &RunOp,
    envs: &mut EnvDigests,
) -> OpRecord {
    let mut p = KeyHasher::new("exec");
    for a in &r.argv {
        p.field(a);
    }
    p.field("heredocs");
    for h in &r.heredocs {
        p.field(h);
    }
    p.field(&r.cwd)
        .field(&r.user)
        .opt(r.network.as_deref())
        .opt(r.security.as_deref());
    let mut contents = Vec::new();
    for (m, from_stage) in r.mounts.iter().zip(&r.mount_stages) {
        p.field("mount")
            .field(&format!("{:?}", m.kind))
            .opt(m.target.as_deref());
        p.field(if m.readwrite { "rw" } else { "ro" });
        for (k, v) in &m.options {
            // Current BuildKit (v0.13+) drops a cache mount's id and sharing from the key.
            if m.kind == MountKind::Cache && (k == "id" || k == "sharing") {
                continue;
            }
            p.field(k).field(v);
        }
        if m.kind == MountKind::Bind {
            let source = crate::model::path::context_relative(m.source.as_deref().unwrap_or(""));
            p.field("source").field(&source);
            match (from_stage, m.from.as_deref()) {
                (Some(s), _) => contents.push(Content {
                    source: ContentSource::Stage(*s),
                    digest: stage_content(keys, identity, *s, std::slice::from_ref(&source)),
                }),
                (None, Some(image)) => contents.push(Content {
                    source: ContentSource::Image(image.to_string()),
                    digest: {
                        let mut h = KeyHasher::new("image-content");
                        h.field(image).field(&source);
                        h.finish()
                    },
                }),
                (None, None) => contents.push(context_content(&input.context, &[source])),
            }
        }
    }
    let params = p.finish();
    let mut h = KeyHasher::new("op");
    h.key(chain).key(&params);
    if !config_marker.is_empty() {
        h.field(config_marker);
    }
    // The env as one digest of its ordered entries: equal lists, equal digests.
    h.key(&envs.digest(&r.env));
    for c in &contents {
        h.key(&c.digest);
    }
    OpRecord {
        step,
        key: h.finish(),
        chain: *chain,
        params,
        env: r.env.clone(),
        contents,
        link_key: None,
    }
}

fn copy_record(
    input: &BuildInput,
    keys: &BuildKeys,
    identity: &StageIdentity<'_>,
    remote: RemoteView,
    step: usize,
    chain: &Key,
    c: &CopyOp,
) -> OpRecord {
    let mut p = KeyHasher::new(if c.add { "add" } else { "copy" });
    let mut local: Vec<String> = Vec::new();
    let mut contents = Vec::new();
    for s in &c.srcs {
        if let Some(body) = &s.inline {
            p.field("inline").field(&s.basename).field(body);
        } else if let Some(url) = &s.remote {
            p.field("remote").field(url);
            let pinned = c.checksum.is_some();
            let mut h = KeyHasher::new("remote-content");
            h.field(url).opt(c.checksum.as_deref());
            if !pinned && remote == RemoteView::Refetched {
                h.field("refetched");
            }
            contents.push(Content {
                source: ContentSource::Remote(url.clone()),
                digest: h.finish(),
            });
        } else {
            // Only the base name is in the op; the path goes to the selector.
            p.field("src")
                .field(&s.basename)
                .field(if s.wildcard { "wildcard" } else { "path" });
            local.push(s.path.clone());
        }
    }
    p.field(&c.dest)
        .opt(c.chown.as_deref())
        .opt(c.chmod.as_deref())
        .field(if c.parents { "parents" } else { "" })
        .opt(c.checksum.as_deref())
        .field(if c.keep_git_dir { "keep-git-dir" } else { "" })
        .opt(c.unpack.as_deref());
    for e in &c.exclude {
        p.field("exclude").field(e);
    }
    if !local.is_empty() {
        contents.push(match &c.source {
            CopySource::Context => context_content(&input.context, &local),
            CopySource::Stage(s) => Content {
                source: ContentSource::Stage(*s),
                digest: stage_content(keys, identity, *s, &local),
            },
            CopySource::Image(image) => {
                let mut h = KeyHasher::new("image-content");
                h.field(image).field(if input.image_moved(image) {
                    "moved"
                } else {
                    "as-before"
                });
                for l in &local {
                    h.field(l);
                }
                Content {
                    source: ContentSource::Image(image.clone()),
                    digest: h.finish(),
                }
            }
        });
    }
    let params = p.finish();
    let own = |with_chain: Option<&Key>| {
        let mut h = KeyHasher::new("op");
        h.opt_key(with_chain).key(&params);
        for ct in &contents {
            h.key(&ct.digest);
        }
        h.finish()
    };
    let (key, link_key) = if c.link && c.chmod.is_none() {
        // `--link` copies onto scratch, then merges: the copy ignores the chain.
        let copy_key = own(None);
        let mut m = KeyHasher::new("merge");
        m.key(chain).key(&copy_key);
        (m.finish(), Some(copy_key))
    } else {
        (own(Some(chain)), None)
    };
    OpRecord {
        step,
        key,
        chain: *chain,
        params,
        env: Default::default(),
        contents,
        link_key,
    }
}
