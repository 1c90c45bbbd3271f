//! The image config a stage ends with: what `docker inspect` shows.

use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImageConfig {
    /// Env set by the Dockerfile (the base image's env is not known here).
    pub env: Vec<(String, String)>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
    pub cmd: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    pub exposed_ports: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub volumes: Vec<String>,
    pub healthcheck: Option<String>,
    pub stop_signal: Option<String>,
    pub shell: Option<Vec<String>>,
    pub onbuild: Vec<String>,
}
