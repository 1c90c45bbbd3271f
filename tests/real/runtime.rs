//! (c) the multistage rewrite on the real toolchain: convert, build, start the runtime image
//! on the host network, probe it (the seed lab against the real PostgreSQL), and record the
//! real sizes. The original image is probed the same way first, so a probe that cannot pass
//! is caught as a broken app, not blamed on the rewrite.

use crate::apps::App;
use crate::engine::{self, Running};
use crate::postgres::Postgres;
use crate::probe;
use crate::workdir::{AppWork, PREFIX};
use dockopt::context::ContextTree;
use dockopt::model::{self, BuildOptions};
use dockopt::multistage::{self, Options};
use dockopt::syntax;
use std::path::Path;
use std::time::Duration;

pub struct Sizes {
    pub original_mb: f64,
    /// None when the converter refused (the reason is in `note`).
    pub runtime_mb: Option<f64>,
    pub note: String,
}

/// `dockopt multistage` as the CLI runs it (with the context).
pub fn convert(text: &str, ctx: &Path) -> Result<String, String> {
    let df = syntax::parse(text).map_err(|e| e.to_string())?;
    let m = model::build(&df, &BuildOptions::default()).map_err(|e| e.to_string())?;
    let tree = ContextTree::load(ctx, Some(&ctx.join("Dockerfile"))).map_err(|e| e.to_string())?;
    let opts = Options {
        context_root: Some(ctx.to_path_buf()),
        ..Options::default()
    };
    multistage::convert(&df, &m, Some(&tree), &opts)
        .map(|c| c.text)
        .map_err(|r| r.reason)
}

fn env_for(app: &App, pg: Option<&Postgres>) -> Vec<String> {
    let port = pg.map(|p| p.port.to_string()).unwrap_or_default();
    app.env
        .iter()
        .map(|e| e.replace("{PGPORT}", &port))
        .collect()
}

/// Runs the image and checks its probe.
pub fn probe_image(app: &App, tag: &str, pg: Option<&Postgres>) -> Result<(), String> {
    if let Some(pg) = pg {
        pg.reset()?;
    }
    let env = env_for(app, pg);
    if app.cmd {
        let mut args = vec!["run", "--rm", "--network=host"];
        let pairs: Vec<String> = env.iter().flat_map(|e| ["-e".into(), e.clone()]).collect();
        args.extend(pairs.iter().map(String::as_str));
        args.push(tag);
        let out = engine::output(&args)?;
        return if out.contains(&app.expect) {
            Ok(())
        } else {
            Err(format!(
                "`{tag}` printed {out:?}, expected {:?}",
                app.expect
            ))
        };
    }
    let port = app.port.expect("probe has port or cmd");
    if probe::port_taken(port) {
        return Err(format!("port {port} is already taken on this machine"));
    }
    let c = Running::start(tag, &env, &[])?;
    let r = probe::wait_http(
        port,
        &app.path,
        &app.expect,
        Duration::from_secs(90),
        &|| c.alive(),
    );
    if let Err(e) = r {
        return Err(format!("{e}\n--- container log:\n{}", c.logs()));
    }
    if let (Some(pg), Some(sql)) = (pg, &app.sql) {
        pg.psql("contacts", sql)
            .map_err(|e| format!("after the probe, `{sql}` failed: {e}"))?;
    }
    drop(c);
    // The port is free again before the next image starts.
    for _ in 0..50 {
        if !probe::port_taken(port) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

pub fn run(w: &AppWork, pg: Option<&Postgres>) -> Result<Sizes, String> {
    let app = &w.app;
    probe_image(app, &w.tag("orig"), pg).map_err(|e| format!("original image: {e}"))?;
    let original_mb = engine::size_mb(&w.tag("orig"))?;
    let text = match convert(&w.orig, &w.ctx) {
        Ok(t) => t,
        Err(reason) => {
            return Ok(Sizes {
                original_mb,
                runtime_mb: None,
                note: format!("multistage refused: {reason}"),
            })
        }
    };
    let df = w.root.join("multistage.Dockerfile");
    std::fs::write(&df, engine::for_engine(&text, PREFIX)).map_err(|e| e.to_string())?;
    let tag = w.tag("multistage");
    engine::build_labelled(&df, &w.ctx, &tag, false, &w.hash)
        .map_err(|e| format!("multistage build: {e}\n--- converted:\n{text}"))?;
    probe_image(app, &tag, pg).map_err(|e| format!("multistage image: {e}"))?;
    Ok(Sizes {
        original_mb,
        runtime_mb: Some(engine::size_mb(&tag)?),
        note: String::new(),
    })
}
