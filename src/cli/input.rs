//! Turning path arguments into parsed Dockerfiles, reporting errors.

use super::Reported;
use dockopt::source::{self, SourceFile};
use dockopt::syntax::{self, Dockerfile};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Every Dockerfile the paths name, in order.
pub fn expand_paths(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        out.extend(source::discover(p)?);
    }
    Ok(out)
}

/// Reads and parses one file; a parse error is printed with its code frame.
pub fn load(path: &std::path::Path) -> anyhow::Result<(SourceFile, Dockerfile)> {
    let file = source::read(path)?;
    match syntax::parse(&file.text) {
        Ok(df) => Ok((file, df)),
        Err(e) => {
            eprint!("{}", e.render(&file.name, &file.text));
            Err(Reported.into())
        }
    }
}

/// `IMAGE=FILE` pairs from `--image-config`: each FILE is `docker image inspect IMAGE` output.
pub fn image_configs(
    pairs: &[String],
) -> anyhow::Result<BTreeMap<String, dockopt::model::BaseImageConfig>> {
    let mut out = BTreeMap::new();
    for p in pairs {
        let Some((image, file)) = p
            .split_once('=')
            .filter(|(i, f)| !i.is_empty() && !f.is_empty())
        else {
            anyhow::bail!("bad --image-config `{p}`: expected IMAGE=FILE");
        };
        let text = source::read_text(std::path::Path::new(file), source::MAX_INPUT_BYTES)
            .map_err(|e| anyhow::anyhow!("--image-config {image}: cannot read {e}"))?;
        let config = dockopt::model::BaseImageConfig::from_inspect_json(&text)
            .map_err(|e| anyhow::anyhow!("--image-config {image}: {file}: {e}"))?;
        out.insert(image.to_string(), config);
    }
    Ok(out)
}

/// `K=V` pairs from `--build-arg` (a bare `K` takes the environment's value, as docker does).
pub fn build_args(pairs: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for p in pairs {
        match p.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                out.insert(k.to_string(), v.to_string());
            }
            None if !p.is_empty() => {
                if let Ok(v) = std::env::var(p) {
                    out.insert(p.clone(), v);
                }
            }
            _ => anyhow::bail!("bad --build-arg `{p}`: expected K=V"),
        }
    }
    Ok(out)
}
