//! `dockopt rule CODE` and `dockopt rule --list`.

use super::Outcome;
use dockopt::rules::{all, by_code};
use serde_json::json;

#[derive(clap::Args)]
pub struct RuleArgs {
    /// A rule code (DO101) or name (manifest-after-sources).
    #[arg(required_unless_present = "list")]
    pub code: Option<String>,
    /// List every rule: code, name, severity, fix, hadolint twin.
    #[arg(long, conflicts_with = "code")]
    pub list: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: RuleFormat,
}

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum RuleFormat {
    Text,
    Json,
}

fn rule_json(r: &dockopt::rules::Rule) -> serde_json::Value {
    json!({
        "code": r.code,
        "name": r.name,
        "family": r.family.as_str(),
        "severity": r.severity.as_str(),
        "fix": r.fix.map(|a| a.as_str()),
        "hadolint": r.hadolint,
        "summary": r.summary(),
        "doc": r.docs(),
    })
}

pub fn run(a: RuleArgs) -> anyhow::Result<Outcome> {
    if a.list {
        match a.format {
            RuleFormat::Json => println!(
                "{}",
                serde_json::to_string_pretty(
                    &all().iter().map(|r| rule_json(r)).collect::<Vec<_>>()
                )?
            ),
            RuleFormat::Text => {
                println!(
                    "{:<6} {:<28} {:<12} {:<8} {:<13} {:<15} summary",
                    "code", "name", "family", "severity", "fix", "hadolint"
                );
                for r in all() {
                    println!(
                        "{:<6} {:<28} {:<12} {:<8} {:<13} {:<15} {}",
                        r.code,
                        r.name,
                        r.family.as_str(),
                        r.severity.as_str(),
                        r.fix.map(|f| f.as_str()).unwrap_or("-"),
                        if r.hadolint.is_empty() {
                            "-".to_string()
                        } else {
                            r.hadolint.join(",")
                        },
                        r.summary()
                    );
                }
            }
        }
        return Ok(Outcome::Clean);
    }
    let code = a.code.unwrap_or_default();
    let Some(r) = by_code(&code) else {
        anyhow::bail!("no rule `{code}` (see `dockopt rule --list`)");
    };
    match a.format {
        RuleFormat::Json => println!("{}", serde_json::to_string_pretty(&rule_json(r))?),
        RuleFormat::Text => {
            println!("# {} ({})\n", r.name, r.code);
            println!(
                "Family: {}. Default severity: {}. Fix: {}.{}\n",
                r.family.as_str(),
                r.severity.as_str(),
                r.fix.map(|f| f.as_str()).unwrap_or("none"),
                if r.hadolint.is_empty() {
                    String::new()
                } else {
                    format!(
                        " hadolint twin: {} (its ignore pragmas apply).",
                        r.hadolint.join(", ")
                    )
                }
            );
            print!("{}", r.docs());
        }
    }
    Ok(Outcome::Clean)
}
