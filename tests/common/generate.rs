//! A seeded generator of random but plausible Dockerfiles: continuations
//! with comment and blank lines inside, CRLF, BOM, lowercase keywords, tabs,
//! valid and invalid JSON, flags, heredocs, the escape directive and ONBUILD.
//! Deterministic for a seed, so a failing case can be replayed.

/// xorshift64*: small, fast, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True with probability `pct`%.
    pub fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

struct Style {
    escape: char,
    newline: &'static str,
}

/// One instruction: its words (keyword first) and heredoc bodies to append.
struct Ins {
    words: Vec<String>,
    heredocs: Vec<(String, String)>,
}

fn keyword(rng: &mut Rng, kw: &str) -> String {
    match rng.below(6) {
        0 => kw.to_ascii_lowercase(),
        1 => {
            let mut s = kw.to_ascii_lowercase();
            s[..1].make_ascii_uppercase();
            s
        }
        _ => kw.to_string(),
    }
}

const IMAGES: [&str; 5] = [
    "alpine:3.19",
    "debian:bookworm-slim",
    "${BASE:-ubuntu}",
    "ghcr.io/x/y@sha256:abc",
    "scratch",
];
const WORDS: [&str; 19] = [
    "'<<EOF'",
    "#not-a-comment",
    "\"unterminated",
    "x\\\\",
    "`",
    "echo",
    "hi",
    "'a b'",
    "\"c d\"",
    "&&",
    "$HOME",
    "${X:-y}",
    "a\\ b",
    "x=1",
    "--flag",
    "-y",
    "|",
    "é",
    "\\$x",
];

/// Between 1 and `max` shell words.
fn shell_words(rng: &mut Rng, max: usize) -> Vec<String> {
    let n = 1 + rng.below(max);
    (0..n).map(|_| rng.pick(&WORDS).to_string()).collect()
}

fn json_array(rng: &mut Rng) -> String {
    match rng.below(8) {
        0 => "['sh', '-c', 'x']".into(),
        1 => "[\"a\",]".into(),
        2 => "[\"a\" \"b\"]".into(),
        3 => "[]".into(),
        4 => "[\"a\\\"q\", \"\\t\", \"\\u00e9\"]".into(),
        _ => {
            let n = 1 + rng.below(3);
            let items: Vec<String> = (0..n)
                .map(|_| {
                    format!(
                        "\"{}\"",
                        rng.pick(&["npm", "start", "a b", "-c", "/bin/sh"])
                    )
                })
                .collect();
            let sep = rng.pick(&[", ", ",", " , "]);
            format!("[{}]", items.join(sep))
        }
    }
}

fn heredoc(rng: &mut Rng, style: &Style, names: &mut Vec<(String, String)>) -> String {
    let name = rng.pick(&["EOF", "EOT", "PY", "END"]).to_string();
    let (opener, chomp) = match rng.below(5) {
        0 => (format!("<<-{name}"), true),
        1 => (format!("<<'{name}'"), false),
        2 => (format!("<<\"{name}\""), false),
        3 => (format!("3<<{name}"), false),
        _ => (format!("<<{name}"), false),
    };
    let mut body = String::new();
    for _ in 0..rng.below(4) {
        let indent = if chomp && rng.chance(50) { "\t" } else { "" };
        body.push_str(indent);
        body.push_str(rng.pick(&[
            "echo hi",
            "set -e",
            "  x = 1",
            "",
            "# not a comment",
            "RUN x \\",
        ]));
        body.push_str(style.newline);
    }
    let term = if chomp && rng.chance(50) {
        format!("\t{name}")
    } else {
        name
    };
    names.push((term, body));
    opener
}

fn instruction(rng: &mut Rng, style: &Style, allow_onbuild: bool) -> Ins {
    let mut heredocs = Vec::new();
    let mut w: Vec<String> = Vec::new();
    match rng.below(19) {
        0..=2 => {
            w.push(keyword(rng, "RUN"));
            if rng.chance(30) {
                w.push(
                    rng.pick(&[
                        "--mount=type=cache,target=/root/.cache",
                        "--network=none",
                        "--mount=type=bind,source=a,target=/a",
                        "--security=insecure",
                    ])
                    .into(),
                );
            }
            match rng.below(5) {
                0 => w.push(json_array(rng)),
                1 => {
                    w.push(heredoc(rng, style, &mut heredocs));
                    if rng.chance(30) {
                        w.push("&&".into());
                        w.push("cat".into());
                        w.push(heredoc(rng, style, &mut heredocs));
                    }
                }
                2 => {
                    w.push("python3".into());
                    w.push(heredoc(rng, style, &mut heredocs));
                }
                _ => w.extend(shell_words(rng, 6)),
            }
        }
        3 | 4 => {
            w.push({
                let k = rng.pick(&["COPY", "ADD"]);
                keyword(rng, k)
            });
            if rng.chance(40) {
                w.push(
                    rng.pick(&[
                        "--from=build",
                        "--chown=1:1",
                        "--link",
                        "--chmod=755",
                        "--link=false",
                        "--chown=\"a b\"",
                    ])
                    .into(),
                );
            }
            match rng.below(4) {
                0 => w.push("[\"a b\", \"/dst/\"]".into()),
                1 => {
                    w.push(heredoc(rng, style, &mut heredocs));
                    w.push("/d/".into());
                }
                _ => {
                    w.push(rng.pick(&["src", ".", "*.txt", "a\\ b"]).into());
                    w.push(rng.pick(&["/app/", "dst", "."]).into());
                }
            }
        }
        5 => {
            w.push(keyword(rng, "ENV"));
            match rng.below(4) {
                0 => {
                    w.push("K".into());
                    w.extend(shell_words(rng, 3));
                }
                1 => w.push("X=".into()),
                _ => {
                    for _ in 0..1 + rng.below(3) {
                        w.push(
                            rng.pick(&["A=1", "B=\"2 3\"", "C=a\\ b", "D='q r'", "E=${A}"])
                                .into(),
                        );
                    }
                }
            }
        }
        6 => {
            w.push(keyword(rng, "LABEL"));
            if rng.chance(30) {
                w.push("k".into());
                w.push("v w".into());
            } else {
                w.push(rng.pick(&["\"c d\"=\"e f\"", "a=b", "x.y=\"1\""]).into());
            }
        }
        7 => {
            w.push(keyword(rng, "ARG"));
            w.push(rng.pick(&["V", "V=1", "V=\"a b\"", "A B=2"]).into());
        }
        8 => {
            w.push({
                let k = rng.pick(&["CMD", "ENTRYPOINT"]);
                keyword(rng, k)
            });
            if rng.chance(50) {
                w.push(json_array(rng));
            } else {
                w.extend(shell_words(rng, 4));
            }
        }
        9 => {
            w.push(keyword(rng, "EXPOSE"));
            w.push("80".into());
            if rng.chance(50) {
                w.push("443/tcp".into());
            }
        }
        10 => {
            w.push(keyword(rng, "WORKDIR"));
            w.push(rng.pick(&["/app", "/a b", "$HOME/x"]).into());
        }
        11 => {
            w.push(keyword(rng, "USER"));
            w.push(rng.pick(&["0", "app:app", "1000"]).into());
        }
        12 => {
            w.push(keyword(rng, "VOLUME"));
            w.push(rng.pick(&["/data", "[\"/a\", \"/b\"]", "/a /b"]).into());
        }
        13 => {
            w.push(keyword(rng, "HEALTHCHECK"));
            match rng.below(3) {
                0 => w.push("NONE".into()),
                1 => {
                    w.push("--interval=5s".into());
                    w.push("CMD".into());
                    w.push(json_array(rng));
                }
                _ => {
                    w.push("CMD".into());
                    w.extend(shell_words(rng, 3));
                }
            }
        }
        14 => {
            w.push(keyword(rng, "SHELL"));
            w.push("[\"/bin/bash\", \"-c\"]".into());
        }
        15 => {
            w.push(keyword(rng, "STOPSIGNAL"));
            w.push("SIGTERM".into());
        }
        16 => {
            w.push(keyword(rng, "MAINTAINER"));
            w.push("A".into());
            w.push("<a@b.c>".into());
        }
        17 if allow_onbuild => {
            w.push(keyword(rng, "ONBUILD"));
            let inner = instruction(rng, style, false);
            w.extend(inner.words);
            heredocs.extend(inner.heredocs);
        }
        _ => {
            w.push(keyword(rng, "FROM"));
            if rng.chance(20) {
                w.push("--platform=$BUILDPLATFORM".into());
            }
            w.push(rng.pick(&IMAGES).into());
            if rng.chance(50) {
                w.push(rng.pick(&["AS", "as", "As"]).into());
                w.push(rng.pick(&["build", "Runtime", "s1"]).into());
            }
        }
    }
    Ins { words: w, heredocs }
}

/// Writes one instruction, maybe spread over several lines.
fn write_instruction(rng: &mut Rng, style: &Style, ins: &Ins, out: &mut String, last: bool) {
    let nl = style.newline;
    if rng.chance(15) {
        out.push_str(rng.pick(&["  ", "\t", " "]));
    }
    let has_heredoc = !ins.heredocs.is_empty();
    for (i, word) in ins.words.iter().enumerate() {
        if i > 0 {
            if rng.chance(20) {
                // A continuation, possibly with blanks, comments and empty lines inside.
                out.push(' ');
                out.push(style.escape);
                if rng.chance(20) {
                    out.push_str(rng.pick(&[" ", "\t", "  "]));
                }
                out.push_str(nl);
                for _ in 0..rng.below(3) {
                    match rng.below(4) {
                        0 => out.push_str("# inside"),
                        1 => out.push_str("    # indented comment \\"),
                        2 => out.push_str("   "),
                        _ => {}
                    }
                    out.push_str(nl);
                }
                out.push_str(rng.pick(&["  ", "\t", "", "    "]));
            } else {
                out.push_str(rng.pick(&[" ", " ", " ", "\t", "  "]));
            }
        }
        out.push_str(word);
    }
    if !has_heredoc && rng.chance(3) {
        out.push_str(rng.pick(&[" \\", " `"]));
    }
    if rng.chance(5) {
        out.push_str(rng.pick(&[" ", "\t"]));
    }
    if !last || has_heredoc || rng.chance(70) {
        out.push_str(nl);
    }
    for (term, body) in &ins.heredocs {
        out.push_str(body);
        out.push_str(term);
        if !last || rng.chance(70) {
            out.push_str(nl);
        }
    }
}

/// A random, plausible Dockerfile for `seed`.
pub fn dockerfile(seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let style = Style {
        escape: if rng.chance(15) { '`' } else { '\\' },
        newline: if rng.chance(20) { "\r\n" } else { "\n" },
    };
    let nl = style.newline;
    let mut out = String::new();
    if rng.chance(10) {
        out.push('\u{feff}');
    }
    let mut directives: Vec<String> = Vec::new();
    if rng.chance(30) {
        directives.push("# syntax=docker/dockerfile:1".into());
    }
    if style.escape == '`' {
        directives.push(
            rng.pick(&["# escape=`", "#escape = `", "# ESCAPE=`"])
                .into(),
        );
    } else if rng.chance(10) {
        directives.push("# escape=\\".into());
    }
    if rng.chance(15) {
        directives.push("# check=skip=JSONArgsRecommended".into());
    }
    for _ in 0..directives.len() {
        let (a, b) = (rng.below(directives.len()), rng.below(directives.len()));
        directives.swap(a, b);
    }
    for d in &directives {
        out.push_str(d);
        out.push_str(nl);
    }
    if rng.chance(30) {
        out.push_str("# a comment");
        out.push_str(nl);
    }
    if rng.chance(20) {
        out.push_str("ARG BASE=alpine");
        out.push_str(nl);
    }
    let n = 1 + rng.below(9);
    let first = Ins {
        words: vec![keyword(&mut rng, "FROM"), rng.pick(&IMAGES).to_string()],
        heredocs: Vec::new(),
    };
    write_instruction(&mut rng, &style, &first, &mut out, n == 0);
    for i in 0..n {
        match rng.below(8) {
            0 => {
                out.push_str(rng.pick(&["", "  ", "\t"]));
                out.push_str(nl);
            }
            1 => {
                out.push_str(rng.pick(&[
                    "# comment",
                    "  # indented",
                    "#",
                    "# comment ending in \\",
                    "\\",
                    "  \\ ",
                ]));
                out.push_str(nl);
            }
            _ => {}
        }
        let ins = instruction(&mut rng, &style, true);
        write_instruction(&mut rng, &style, &ins, &mut out, i + 1 == n);
    }
    out
}
