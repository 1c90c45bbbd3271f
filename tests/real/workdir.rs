//! One app's working state: a private copy of its context, the original and safe-fixed
//! Dockerfiles (as dockopt sees them, and mapped for the engine, both outside the context),
//! and the original image with its cold build log. The cold build is cached by recipe hash
//! (Dockerfile, context, base images' recipe): a warm run reuses the image and the log.

use crate::apps::{self, App};
use crate::engine;
use dockopt::rewrite::{self, Settings};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

pub const PREFIX: &str = "dockopt-real/";

pub fn cache_dir() -> PathBuf {
    PathBuf::from(
        std::env::var("DOCKOPT_REAL_CACHE").unwrap_or_else(|_| "/var/cache/dockopt-real".into()),
    )
}

pub struct AppWork {
    pub app: App,
    _tmp: tempfile::TempDir,
    pub root: PathBuf,
    pub ctx: PathBuf,
    pub orig: String,
    pub fixed: String,
    pub fixes: Vec<String>,
    pub orig_df: PathBuf,
    pub fixed_df: PathBuf,
    pub hash: String,
    pub cold_log: PathBuf,
    /// Seconds of the original's cold build (from its log when reused).
    pub cold_seconds: f64,
    pub reused: bool,
    /// How the cold log was measured (`cold_builds`): each try's seconds and load average,
    /// and which was kept; kept next to the log (`<app>-<hash>.json`) and reused with it.
    pub cold_meta: serde_json::Value,
}

/// sha256 of the Dockerfile, every context file (path and bytes) and the images' recipe.
fn recipe_hash(app: &App, recipe: &str) -> Result<String, String> {
    let mut h = Sha256::new();
    h.update(recipe.as_bytes());
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&app.dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        // The probe file is not part of the build context: editing it keeps the images.
        .filter(|e| e.file_name() != "probe")
        .map(|e| e.into_path())
        .collect();
    files.sort();
    for f in files {
        h.update(
            f.strip_prefix(&app.dir)
                .unwrap()
                .to_string_lossy()
                .as_bytes(),
        );
        h.update(std::fs::read(&f).map_err(|e| e.to_string())?);
    }
    Ok(hex::encode(h.finalize())[..16].to_string())
}

impl AppWork {
    pub fn tag(&self, what: &str) -> String {
        format!("dockopt-real-app/{}:{what}", self.app.name)
    }

    /// Copies the context, runs the safe fixes, and builds the original (cold, unless this
    /// recipe's image and log are already there). `cold_builds` > 1 (the apps whose rebuild
    /// costs are measured) builds it that many times with `--no-cache` and keeps the log of
    /// the fastest, the estimator the rebuilds are measured with (`cost::measure`): the cold
    /// log is the model's input, and one build under a load peak made it up to 2.7× slow.
    pub fn prepare(
        app: &App,
        recipe: &str,
        force_cold: bool,
        cold_builds: usize,
    ) -> Result<AppWork, String> {
        let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
        let root = tmp.path().to_path_buf();
        let ctx = root.join("ctx");
        std::fs::create_dir(&ctx).map_err(|e| e.to_string())?;
        apps::copy_context(app, &ctx)?;
        let orig = std::fs::read_to_string(ctx.join("Dockerfile")).map_err(|e| e.to_string())?;
        let out = rewrite::fix_file(&orig, &ctx.join("Dockerfile"), None, &Settings::default())
            .map_err(|e| format!("dockopt fix: {e}"))?;
        let fixes = out.applied.iter().map(|a| a.code.to_string()).collect();
        let (orig_df, fixed_df) = (root.join("orig.Dockerfile"), root.join("fixed.Dockerfile"));
        std::fs::write(&orig_df, engine::for_engine(&orig, PREFIX)).map_err(|e| e.to_string())?;
        std::fs::write(&fixed_df, engine::for_engine(&out.output, PREFIX))
            .map_err(|e| e.to_string())?;
        let hash = recipe_hash(app, recipe)?;
        let logs = cache_dir().join("logs");
        std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
        let cold_log = logs.join(format!("{}-{hash}.log", app.name));
        let mut w = AppWork {
            app: app.clone(),
            _tmp: tmp,
            root,
            ctx,
            orig,
            fixed: out.output,
            fixes,
            orig_df,
            fixed_df,
            hash,
            cold_log,
            cold_seconds: 0.0,
            reused: false,
            cold_meta: serde_json::Value::Null,
        };
        let meta_path = w.cold_log.with_extension("json");
        let tag = w.tag("orig");
        if !force_cold
            && w.cold_log.is_file()
            && engine::label(&tag, "dockopt.real").as_deref() == Some(w.hash.as_str())
        {
            w.reused = true;
            let log = std::fs::read_to_string(&w.cold_log).unwrap_or_default();
            w.cold_seconds = step_seconds(&log);
            w.cold_meta = std::fs::read_to_string(&meta_path)
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or(serde_json::Value::Null);
            return Ok(w);
        }
        let mut tries = Vec::new();
        let mut best: Option<(f64, engine::Built)> = None;
        for _ in 0..cold_builds.max(1) {
            let load = engine::load_average();
            let b = engine::build_labelled(&w.orig_df, &w.ctx, &tag, true, &w.hash)?;
            let spent = crate::cost::engine_seconds(&b.log);
            tries.push(serde_json::json!({
                "seconds": spent, "wall": b.seconds, "load": [load, engine::load_average()],
            }));
            if best.as_ref().is_none_or(|(s, _)| spent < *s) {
                best = Some((spent, b));
            }
        }
        let Some((spent, b)) = best else {
            return Err("no cold build".into());
        };
        let kept = tries
            .iter()
            .position(|t| t["seconds"].as_f64() == Some(spent))
            .unwrap_or(0);
        w.cold_meta = serde_json::json!({"tries": tries, "kept": kept});
        std::fs::write(&w.cold_log, &b.log).map_err(|e| e.to_string())?;
        std::fs::write(&meta_path, w.cold_meta.to_string()).map_err(|e| e.to_string())?;
        w.cold_seconds = b.seconds;
        Ok(w)
    }
}

/// Seconds the engine spent running steps (FROM excluded), from a `--progress=plain` log.
pub fn step_seconds(log: &str) -> f64 {
    dockopt::cost::log::parse(log)
        .map(|l| {
            l.steps
                .iter()
                .filter(|s| !s.is_from())
                .filter_map(|s| s.seconds())
                .sum()
        })
        .unwrap_or(0.0)
}
