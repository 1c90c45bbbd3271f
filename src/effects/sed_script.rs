//! The files a sed script itself names, by GNU sed's grammar (`compile.c`):
//! `r FILE` / `R FILE` read one, `w FILE` / `W FILE` and the `s///w FILE`
//! flag write one (opened, and truncated, when the script is read, even if
//! no line is ever written), and `e` (the command, or the `s` flag) runs a
//! shell command this model does not follow. A file name runs to the end of
//! its line: a `;` or `}` after it is part of the name.

/// What a script names: files it reads and writes.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Named {
    pub reads: Vec<String>,
    pub writes: Vec<String>,
}

/// Reads `script`; Err with the reason when it runs a command or is not a
/// script this reader knows (the caller then knows nothing of it).
pub(super) fn files(script: &str) -> Result<Named, String> {
    let b = script.as_bytes();
    let mut out = Named::default();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\n' | b';' | b'}' | b'{' | b'!' => {
                i += 1;
                continue;
            }
            b'#' => {
                i = line_end(b, i);
                continue;
            }
            _ => {}
        }
        i = address(b, i)?;
        if i < b.len() && b[i] == b',' {
            i = address(b, i + 1)?;
        }
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'!') {
            i += 1;
        }
        let Some(&cmd) = b.get(i) else { break };
        i += 1;
        match cmd {
            b'{' | b'}' | b';' | b'\n' => {}
            b'=' | b'd' | b'D' | b'g' | b'G' | b'h' | b'H' | b'n' | b'N' | b'p' | b'P' | b'x'
            | b'z' | b'F' => {}
            // A label, a branch's label, a version, an exit code: to `;` or the line's end.
            b':' | b'b' | b't' | b'T' | b'v' | b'q' | b'Q' | b'l' | b'L' => {
                while i < b.len() && !matches!(b[i], b';' | b'\n' | b'}') {
                    i += 1;
                }
            }
            // Text to the end of the line, and the lines a trailing `\` continues.
            b'a' | b'i' | b'c' => loop {
                let end = line_end(b, i);
                let continued = end > i && b[end - 1] == b'\\';
                i = end + 1;
                if !continued || i >= b.len() {
                    break;
                }
            },
            b'r' | b'R' => out.reads.push(file_name(script, &mut i)?),
            b'w' | b'W' => out.writes.push(file_name(script, &mut i)?),
            b'e' => return Err("`sed`'s `e` command runs a shell command".into()),
            b's' => {
                let d = delimiter(b, i)?;
                i = delimited(b, i + 1, d)?;
                i = delimited(b, i, d)?;
                while i < b.len() {
                    match b[i] {
                        b'g' | b'p' | b'i' | b'I' | b'm' | b'M' | b'0'..=b'9' => i += 1,
                        b'e' => return Err("`sed`'s `s///e` runs a shell command".into()),
                        b'w' => {
                            i += 1;
                            out.writes.push(file_name(script, &mut i)?);
                            break;
                        }
                        _ => break,
                    }
                }
            }
            b'y' => {
                let d = delimiter(b, i)?;
                i = delimited(b, i + 1, d)?;
                i = delimited(b, i, d)?;
            }
            c => {
                return Err(format!(
                    "`{}` is not a sed command this model knows",
                    char::from(c)
                ))
            }
        }
    }
    Ok(out)
}

fn line_end(b: &[u8], from: usize) -> usize {
    b[from..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |k| from + k)
}

/// A file name after `r`, `w` or the `w` flag: blanks, then the rest of the line.
fn file_name(script: &str, i: &mut usize) -> Result<String, String> {
    let b = script.as_bytes();
    while *i < b.len() && matches!(b[*i], b' ' | b'\t') {
        *i += 1;
    }
    let end = line_end(b, *i);
    let name = script
        .get(*i..end)
        .ok_or("a sed file name that is not text")?;
    *i = end;
    if name.is_empty() {
        return Err("a sed `r`/`w` without a file name".into());
    }
    Ok(name.to_string())
}

/// The delimiter of an `s` or `y` command at `i`.
fn delimiter(b: &[u8], i: usize) -> Result<u8, String> {
    match b.get(i) {
        Some(&d) if d != b'\n' && d != b'\\' && d.is_ascii() => Ok(d),
        _ => Err("a sed `s`/`y` command this model cannot read".into()),
    }
}

/// Past the part that `d` closes (a backslash escapes the next byte).
fn delimited(b: &[u8], mut i: usize, d: u8) -> Result<usize, String> {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == d => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err("an unterminated sed `s`/`y` command".into())
}

/// Past an address at `i` (none is fine): a line number (`3`, `0~4`,
/// `+2`, `~3`), `$`, `/regex/` or `\cregexc`, with `I`/`M` after a regex.
fn address(b: &[u8], mut i: usize) -> Result<usize, String> {
    while i < b.len() && matches!(b[i], b' ' | b'\t') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0'..=b'9' | b'+' | b'~') => {
            i += 1;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'~') {
                i += 1;
            }
        }
        Some(b'$') => i += 1,
        Some(b'/') => i = delimited(b, i + 1, b'/')?,
        Some(b'\\') => {
            let d = delimiter(b, i + 1)?;
            i = delimited(b, i + 2, d)?;
        }
        _ => return Ok(i),
    }
    while i < b.len() && matches!(b[i], b'I' | b'M') {
        i += 1;
    }
    Ok(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(s: &str) -> (Vec<String>, Vec<String>) {
        let n = files(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        (n.reads, n.writes)
    }

    #[test]
    fn reads_and_writes_the_files_a_script_names() {
        assert_eq!(named("/MARK/r /srv/extra.txt").0, ["/srv/extra.txt"]);
        assert_eq!(
            named("1r /srv/x; 2d").0,
            ["/srv/x; 2d"],
            "the name runs to the line's end"
        );
        assert_eq!(named("$R list.txt\np").0, ["list.txt"]);
        assert_eq!(named("/root/w /srv/roots.txt").1, ["/srv/roots.txt"]);
        assert_eq!(named("s/a/b/gw out.txt").1, ["out.txt"]);
        assert_eq!(named("s|/usr|/opt|w /tmp/log").1, ["/tmp/log"]);
        assert_eq!(named("1,/x/{W w.txt\n}").1, ["w.txt"]);
    }

    #[test]
    fn plain_scripts_name_nothing() {
        for s in [
            "s/a/b/g",
            "s/#.*//; /^$/d",
            "s/\\/usr/\\/opt/g",
            "y/abc/xyz/",
            "/^#/!s/^/# /",
            "$a\\\nlast line",
            "1i header text; with r inside",
            ":a;N;$!ba;s/\\n/ /g",
            "0~3 p",
            "\\,x, d",
            "/start/I,+2 d",
            "s/x/y/3p",
            "# comment r file\np",
            "q 5",
        ] {
            assert_eq!(named(s), (vec![], vec![]), "{s}");
        }
    }

    #[test]
    fn commands_and_unknowns_are_refused() {
        for s in ["1e date", "s/x/date/e", "s/a/b", "K", "r"] {
            assert!(files(s).is_err(), "{s}");
        }
    }
}
