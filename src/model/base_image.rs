//! A base image's config, as `docker image inspect` prints it: what FROM
//! seeds the stage with (env, cwd, user, shell) and the ONBUILD triggers the
//! child build runs first (spec §2, §8). A static tool cannot see it, so the
//! user hands it over with `--image-config IMAGE=FILE`.

use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaseImageConfig {
    /// `Config.Env`, in order.
    pub env: Vec<(String, String)>,
    /// `Config.WorkingDir` (None when empty).
    pub working_dir: Option<String>,
    /// `Config.User` (None when empty).
    pub user: Option<String>,
    pub shell: Option<Vec<String>>,
    /// `Config.OnBuild`: trigger instructions, as stored (`COPY a.txt /a`).
    pub onbuild: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageConfigError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error(
        "expected the output of `docker image inspect` (an array with one object, or the object)"
    )]
    Shape,
    #[error("`{field}` has the wrong type (expected {expected})")]
    Field {
        field: &'static str,
        expected: &'static str,
    },
}

fn strings(
    v: Option<&Value>,
    field: &'static str,
) -> Result<Option<Vec<String>>, ImageConfigError> {
    let bad = || ImageConfigError::Field {
        field,
        expected: "an array of strings or null",
    };
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string).ok_or_else(bad))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(bad()),
    }
}

fn string(v: Option<&Value>, field: &'static str) -> Result<Option<String>, ImageConfigError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ImageConfigError::Field {
            field,
            expected: "a string",
        }),
    }
}

impl BaseImageConfig {
    /// Reads `.[0].Config` of `docker image inspect IMAGE` output (a bare
    /// object is accepted too). Missing fields mean the defaults.
    pub fn from_inspect_json(text: &str) -> Result<Self, ImageConfigError> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| ImageConfigError::Json(e.to_string()))?;
        let obj = match &v {
            Value::Array(items) if items.len() == 1 => &items[0],
            Value::Object(_) => &v,
            _ => return Err(ImageConfigError::Shape),
        };
        let Value::Object(obj) = obj else {
            return Err(ImageConfigError::Shape);
        };
        let config = match obj.get("Config") {
            None | Some(Value::Null) => return Ok(Self::default()),
            Some(Value::Object(c)) => c,
            Some(_) => {
                return Err(ImageConfigError::Field {
                    field: "Config",
                    expected: "an object",
                })
            }
        };
        let env = strings(config.get("Env"), "Config.Env")?
            .unwrap_or_default()
            .into_iter()
            .map(|e| match e.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (e, String::new()),
            })
            .collect();
        Ok(BaseImageConfig {
            env,
            working_dir: string(config.get("WorkingDir"), "Config.WorkingDir")?,
            user: string(config.get("User"), "Config.User")?,
            shell: strings(config.get("Shell"), "Config.Shell")?,
            onbuild: strings(config.get("OnBuild"), "Config.OnBuild")?.unwrap_or_default(),
        })
    }
}

/// An image reference without Docker Hub's implicit `docker.io/` and
/// `library/` prefixes, lower case.
pub fn strip_hub_prefixes(reference: &str) -> String {
    reference
        .trim_start_matches("docker.io/")
        .trim_start_matches("library/")
        .to_ascii_lowercase()
}

/// An image reference in a comparable form: no `docker.io/` or `library/`,
/// lower case, `:latest` when it names no tag or digest.
pub fn normalize_image(reference: &str) -> String {
    let s = strip_hub_prefixes(reference);
    let last = s.rsplit('/').next().unwrap_or(&s);
    if s.contains('@') || last.contains(':') {
        s
    } else {
        format!("{s}:latest")
    }
}

/// The config given for the image FROM names, if any.
pub fn config_for<'a>(
    configs: &'a BTreeMap<String, BaseImageConfig>,
    reference: &str,
) -> Option<&'a BaseImageConfig> {
    configs.get(reference).or_else(|| {
        let want = normalize_image(reference);
        configs
            .iter()
            .find(|(k, _)| normalize_image(k) == want)
            .map(|(_, v)| v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_docker_inspect_output() {
        let text = r#"[{"Id":"sha256:1","Config":{"User":"app","Env":["PATH=/usr/bin","X=a=b"],
            "WorkingDir":"/srv","Shell":["/bin/bash","-c"],"OnBuild":["COPY a.txt /a","RUN echo t"]}}]"#;
        let c = BaseImageConfig::from_inspect_json(text).unwrap();
        assert_eq!(
            c.env,
            vec![
                ("PATH".to_string(), "/usr/bin".to_string()),
                ("X".to_string(), "a=b".to_string())
            ]
        );
        assert_eq!(c.working_dir.as_deref(), Some("/srv"));
        assert_eq!(c.user.as_deref(), Some("app"));
        assert_eq!(
            c.shell,
            Some(vec!["/bin/bash".to_string(), "-c".to_string()])
        );
        assert_eq!(c.onbuild, ["COPY a.txt /a", "RUN echo t"]);
        // A single object works too.
        let one =
            BaseImageConfig::from_inspect_json(r#"{"Config":{"OnBuild":["RUN x"]}}"#).unwrap();
        assert_eq!(one.onbuild, ["RUN x"]);
    }

    #[test]
    fn missing_and_null_fields_are_defaults() {
        let c = BaseImageConfig::from_inspect_json(
            r#"[{"Config":{"Env":null,"WorkingDir":"","User":"","OnBuild":null}}]"#,
        )
        .unwrap();
        assert_eq!(c, BaseImageConfig::default());
        assert_eq!(
            BaseImageConfig::from_inspect_json(r#"[{"Id":"x"}]"#).unwrap(),
            BaseImageConfig::default()
        );
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        assert!(matches!(
            BaseImageConfig::from_inspect_json("not json"),
            Err(ImageConfigError::Json(_))
        ));
        assert_eq!(
            BaseImageConfig::from_inspect_json("[]"),
            Err(ImageConfigError::Shape)
        );
        assert_eq!(
            BaseImageConfig::from_inspect_json("[1]"),
            Err(ImageConfigError::Shape)
        );
        assert!(matches!(
            BaseImageConfig::from_inspect_json(r#"{"Config":{"Env":"X=1"}}"#),
            Err(ImageConfigError::Field {
                field: "Config.Env",
                ..
            })
        ));
    }

    #[test]
    fn references_match_normalised() {
        let mut m = BTreeMap::new();
        m.insert("bkonbuild".to_string(), BaseImageConfig::default());
        assert!(config_for(&m, "bkonbuild").is_some());
        assert!(config_for(&m, "docker.io/library/bkonbuild:latest").is_some());
        assert!(config_for(&m, "bkonbuild:v2").is_none());
        assert!(config_for(&m, "other").is_none());
        assert_eq!(
            normalize_image("localhost:5000/x"),
            "localhost:5000/x:latest"
        );
    }
}
