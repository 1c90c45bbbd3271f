//! DO4xx: correctness, reproducibility and runtime best practice.

pub mod add_instead_of_copy;
pub mod base_image_tag;
pub mod cd_in_run;
pub mod expansion_fails;
pub mod missing_healthcheck;
pub mod multiple_processes;
pub mod pipefail;
pub mod python_env_missing;
pub mod shell_form_cmd;
pub mod unpinned;
