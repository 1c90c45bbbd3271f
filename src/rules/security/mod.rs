//! DO3xx: what exposes the container or leaks secrets.

pub mod curl_pipe_shell;
pub mod root_user;
pub mod runs_as;
pub mod secret_in_env_arg;
