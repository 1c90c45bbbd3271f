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
    /// recipe's image and log are already there).
    pub fn prepare(app: &App, recipe: &str, force_cold: bool) -> Result<AppWork, String> {
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
        };
        let tag = w.tag("orig");
        if !force_cold
            && w.cold_log.is_file()
            && engine::label(&tag, "dockopt.real").as_deref() == Some(w.hash.as_str())
        {
            w.reused = true;
            let log = std::fs::read_to_string(&w.cold_log).unwrap_or_default();
            w.cold_seconds = step_seconds(&log);
            return Ok(w);
        }
        let b = engine::build_labelled(&w.orig_df, &w.ctx, &tag, true, &w.hash)?;
        std::fs::write(&w.cold_log, &b.log).map_err(|e| e.to_string())?;
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
