//! Comparing two built images, the one routine the equivalence oracle and the fuzzer
//! (tests/engine_fuzz) share, and the real-toolchain tier (tests/real) too: every path's type, mode, owner, content hash and link target
//! (from `docker export` of a created container) and the image config (`docker inspect`).
//! Mtimes are not compared: BuildKit stamps them at build time.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::process::Command;

fn docker() -> String {
    std::env::var("DOCKER").unwrap_or_else(|_| "/usr/bin/docker".into())
}

/// Path (without the leading `/`) → "type mode uid:gid content-hash-or-link".
pub type FsMap = BTreeMap<String, String>;

fn octal(b: &[u8]) -> u64 {
    let s: String = b
        .iter()
        .take_while(|c| **c != 0)
        .map(|c| *c as char)
        .collect();
    u64::from_str_radix(s.trim(), 8).unwrap_or(0)
}

fn cstr(b: &[u8]) -> String {
    String::from_utf8_lossy(&b[..b.iter().position(|c| *c == 0).unwrap_or(b.len())]).into_owned()
}

/// Path → "type mode uid:gid content-hash-or-link" for every entry of a tar stream.
pub fn tar_map(data: &[u8]) -> FsMap {
    let mut map = FsMap::new();
    let mut pos = 0;
    let mut long_name: Option<String> = None;
    let mut long_link: Option<String> = None;
    while pos + 512 <= data.len() {
        let h = &data[pos..pos + 512];
        if h.iter().all(|c| *c == 0) {
            break;
        }
        let size = octal(&h[124..136]) as usize;
        let kind = h[156] as char;
        let body = &data[pos + 512..(pos + 512 + size).min(data.len())];
        pos += 512 + size.div_ceil(512) * 512;
        match kind {
            'L' => {
                long_name = Some(cstr(body));
                continue;
            }
            'K' => {
                long_link = Some(cstr(body));
                continue;
            }
            'x' => {
                let text = String::from_utf8_lossy(body);
                for rec in text.split('\n') {
                    if let Some((_, kv)) = rec.split_once(' ') {
                        if let Some(v) = kv.strip_prefix("path=") {
                            long_name = Some(v.to_string());
                        } else if let Some(v) = kv.strip_prefix("linkpath=") {
                            long_link = Some(v.to_string());
                        }
                    }
                }
                continue;
            }
            'g' => continue,
            _ => {}
        }
        let prefix = cstr(&h[345..500]);
        let name = long_name.take().unwrap_or_else(|| {
            let n = cstr(&h[0..100]);
            if prefix.is_empty() {
                n
            } else {
                format!("{prefix}/{n}")
            }
        });
        let link = long_link.take().unwrap_or_else(|| cstr(&h[157..257]));
        let name = name
            .trim_start_matches("./")
            .trim_end_matches('/')
            .to_string();
        let what = match kind {
            '0' | '\0' | '7' => hex::encode(Sha256::digest(body)),
            '1' | '2' => format!("-> {link}"),
            _ => String::new(),
        };
        map.insert(
            name,
            format!(
                "{} {:o} {}:{} {}",
                if kind == '\0' { '0' } else { kind },
                octal(&h[100..108]) & 0o7777,
                octal(&h[108..116]),
                octal(&h[116..124]),
                what
            ),
        );
    }
    map
}

pub fn export(tag: &str) -> Result<FsMap, String> {
    let c = Command::new(docker())
        .args(["create", tag, "/bin/true"])
        .output()
        .map_err(|e| e.to_string())?;
    if !c.status.success() {
        return Err(format!(
            "docker create {tag}: {}",
            String::from_utf8_lossy(&c.stderr)
        ));
    }
    let id = String::from_utf8_lossy(&c.stdout).trim().to_string();
    let out = Command::new(docker()).args(["export", &id]).output();
    let _ = Command::new(docker()).args(["rm", &id]).output();
    let out = out.map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("docker export {tag} failed"));
    }
    Ok(tar_map(&out.stdout))
}

pub const CONFIG_FIELDS: &[&str] = &[
    "Env",
    "Cmd",
    "Entrypoint",
    "WorkingDir",
    "User",
    "ExposedPorts",
    "Labels",
    "Volumes",
    "Healthcheck",
    "StopSignal",
    "Shell",
    "OnBuild",
];

pub fn config(tag: &str) -> Result<serde_json::Value, String> {
    let out = Command::new(docker())
        .args(["image", "inspect", "-f", "{{json .Config}}", tag])
        .output()
        .map_err(|e| e.to_string())?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let mut picked = serde_json::Map::new();
    for f in CONFIG_FIELDS {
        picked.insert(f.to_string(), v.get(*f).cloned().unwrap_or_default());
    }
    Ok(serde_json::Value::Object(picked))
}

pub fn diff_maps(a: &FsMap, b: &FsMap) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in a {
        match b.get(k) {
            None => out.push(format!("only in original: /{k}")),
            Some(w) if w != v => out.push(format!("/{k}: {v} vs {w}")),
            _ => {}
        }
    }
    for k in b.keys() {
        if !a.contains_key(k) {
            out.push(format!("only in fixed: /{k}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal ustar entry: name, mode, uid, gid, type, link target, body.
    fn entry(name: &str, mode: u32, uid: u32, kind: u8, link: &str, body: &[u8]) -> Vec<u8> {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        let mut field = |at: usize, width: usize, v: u64| {
            let s = format!("{v:0w$o}\0", w = width - 1);
            h[at..at + width].copy_from_slice(s.as_bytes());
        };
        field(100, 8, u64::from(mode));
        field(108, 8, u64::from(uid));
        field(116, 8, u64::from(uid));
        field(124, 12, body.len() as u64);
        h[156] = kind;
        h[157..157 + link.len()].copy_from_slice(link.as_bytes());
        let mut out = h.to_vec();
        out.extend_from_slice(body);
        out.resize(512 + body.len().div_ceil(512) * 512, 0);
        out
    }

    fn tar(entries: &[Vec<u8>]) -> Vec<u8> {
        let mut t: Vec<u8> = entries.concat();
        t.extend_from_slice(&[0u8; 1024]);
        t
    }

    #[test]
    fn reads_type_mode_owner_content_and_links() {
        let t = tar(&[
            entry("./app/", 0o755, 1000, b'5', "", b""),
            entry("./app/a.py", 0o644, 1000, b'0', "", b"print(1)\n"),
            entry("./app/req.txt", 0o777, 0, b'2', "reqs/base.txt", b""),
        ]);
        let m = tar_map(&t);
        assert_eq!(m["app"], "5 755 1000:1000 ");
        assert!(m["app/a.py"].starts_with("0 644 1000:1000 "));
        assert_eq!(m["app/req.txt"], "2 777 0:0 -> reqs/base.txt");
    }

    #[test]
    fn diff_names_every_kind_of_difference() {
        let a = tar_map(&tar(&[
            entry("x", 0o644, 0, b'0', "", b"1"),
            entry("y", 0o644, 0, b'0', "", b"1"),
            entry("gone", 0o644, 0, b'0', "", b""),
        ]));
        let b = tar_map(&tar(&[
            entry("x", 0o644, 2000, b'0', "", b"1"),
            entry("y", 0o644, 0, b'0', "", b"2"),
            entry("new", 0o644, 0, b'0', "", b""),
        ]));
        let d = diff_maps(&a, &b);
        assert_eq!(d.len(), 4, "{d:?}");
        assert_eq!(d[0], "only in original: /gone");
        assert!(d[1].starts_with("/x: 0 644 0:0 ") && d[1].contains(" vs 0 644 2000:2000 "));
        assert!(d[2].starts_with("/y: "));
        assert_eq!(d[3], "only in fixed: /new");
        assert!(diff_maps(&a, &a).is_empty());
    }
}
