//! Temporary target for the multistage engine oracle (merged into `tests/engine` later, which
//! calls `runner::run`):
//!
//!   bash tests/engine_multistage/images.sh
//!   DOCKOPT_ENGINE=1 cargo test --test engine_multistage [-- SUBSTRING...]
//!
//! Without DOCKOPT_ENGINE=1 it prints one line and passes; with it and no engine it fails.

mod runner;

fn main() {
    let requested = std::env::var("DOCKOPT_ENGINE").unwrap_or_default();
    if requested.is_empty() || requested == "0" {
        println!("multistage engine oracle not requested: run `DOCKOPT_ENGINE=1 cargo test --test engine_multistage`");
        return;
    }
    let docker = std::env::var("DOCKOPT_DOCKER").unwrap_or_else(|_| "/usr/bin/docker".into());
    let ok = std::process::Command::new(&docker)
        .args([
            "image",
            "inspect",
            "--format",
            "{{index .Config.Labels \"dockopt.stubs\"}}",
            "python:3.9-slim-buster",
        ])
        .output();
    match ok {
        Err(e) => {
            eprintln!(
                "MULTISTAGE ENGINE ORACLE FAILED: DOCKOPT_ENGINE=1 but `{docker}` cannot run: {e}"
            );
            std::process::exit(2);
        }
        Ok(o) if !String::from_utf8_lossy(&o.stdout).contains("multistage-v1") => {
            eprintln!(
                "MULTISTAGE ENGINE ORACLE FAILED: no engine, or the stub images are missing: run `bash tests/engine_multistage/images.sh` first.\n{}",
                String::from_utf8_lossy(&o.stderr)
            );
            std::process::exit(2);
        }
        Ok(_) => {}
    }
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let (_, failed) = runner::run(&filter);
    if failed > 0 {
        std::process::exit(1);
    }
}
