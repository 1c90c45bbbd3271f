//! `dockopt parse`.

use super::args::{ParseArgs, ParseFormat};
use super::input::{expand_paths, load};
use super::{Outcome, Reported};
use dockopt::report::parse as report;

pub fn run(a: ParseArgs) -> anyhow::Result<Outcome> {
    let files = expand_paths(&a.paths)?;
    let mut failed = false;
    let mut docs = Vec::new();
    for path in &files {
        match load(path) {
            Ok((file, df)) => match a.format {
                ParseFormat::Text => print!("{}", super::masked(&report::to_text(&file.name, &df))),
                ParseFormat::Json => {
                    // JSON splits `ENV NAME value` into fields the patterns no
                    // longer recognise: mask the file's secret values as such.
                    let mut v = report::to_json(&file.name, &df);
                    let mut m = dockopt::report::mask::Masker::new();
                    m.add_dockerfile(&df);
                    m.json(&mut v);
                    docs.push(super::masked_json(v))
                }
            },
            Err(e) => {
                if e.downcast_ref::<Reported>().is_none() {
                    eprintln!("error: {}", super::render_error(&e));
                }
                failed = true;
            }
        }
    }
    if a.format == ParseFormat::Json {
        let out = if docs.len() == 1 && files.len() == 1 {
            docs.remove(0)
        } else {
            serde_json::Value::Array(docs)
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    if failed {
        return Err(Reported.into());
    }
    Ok(Outcome::Clean)
}
