//! A small Makefile reader: the recipe `make [TARGET]` runs, for the simple
//! Makefiles Go projects write (variables, rules with tab-indented recipes,
//! prerequisites that are other rules). Whatever it does not understand
//! (includes, conditionals, functions, pattern rules, automatic variables
//! other than `$@`, `define`) is an error with the reason, so a caller
//! refuses rather than guesses.

use std::collections::HashMap;

/// The commands `make [target]` runs, prerequisites' recipes first, each
/// with variables expanded; `Err` says what the reader does not follow.
pub fn recipe(text: &str, target: Option<&str>) -> Result<Vec<String>, String> {
    let mut vars: HashMap<String, String> = HashMap::new();
    let mut rules: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    let mut cur: Option<usize> = None;
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        if raw.trim_end().ends_with('\\') {
            return Err(format!("Makefile line {line_no}: continued lines"));
        }
        if let Some(cmd) = raw.strip_prefix('\t') {
            let Some(i) = cur else {
                return Err(format!(
                    "Makefile line {line_no}: a recipe line outside a rule"
                ));
            };
            let cmd = cmd.trim().trim_start_matches('@').trim();
            if cmd.starts_with('-') || cmd.starts_with('+') {
                return Err(format!(
                    "Makefile line {line_no}: recipe prefix `{}`",
                    &cmd[..1]
                ));
            }
            if !cmd.is_empty() && !cmd.starts_with('#') {
                rules[i].2.push(cmd.to_string());
            }
            continue;
        }
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let first = line.split_whitespace().next().unwrap_or("");
        if matches!(
            first,
            "include"
                | "-include"
                | "sinclude"
                | "ifeq"
                | "ifneq"
                | "ifdef"
                | "ifndef"
                | "define"
                | "export"
                | "unexport"
                | "override"
                | "vpath"
        ) {
            return Err(format!(
                "Makefile line {line_no}: `{first}` is not followed"
            ));
        }
        if let Some((k, op, v)) = assignment(line) {
            let v = expand(v.trim(), &vars, None)
                .map_err(|e| format!("Makefile line {line_no}: {e}"))?;
            match op {
                "+=" => {
                    let e = vars.entry(k.to_string()).or_default();
                    if !e.is_empty() {
                        e.push(' ');
                    }
                    e.push_str(&v);
                }
                "?=" => {
                    vars.entry(k.to_string()).or_insert(v);
                }
                _ => {
                    vars.insert(k.to_string(), v);
                }
            }
            cur = None;
            continue;
        }
        let Some((targets, prereqs)) = line.split_once(':') else {
            return Err(format!("Makefile line {line_no}: not a rule or assignment"));
        };
        if prereqs.starts_with(':') || targets.contains('%') || prereqs.contains(';') {
            return Err(format!(
                "Makefile line {line_no}: double-colon, pattern or inline-recipe rules are not followed"
            ));
        }
        let ts: Vec<&str> = targets.split_whitespace().collect();
        if ts.len() != 1 {
            return Err(format!(
                "Makefile line {line_no}: a rule with several targets"
            ));
        }
        let pre = expand(prereqs.trim(), &vars, None)
            .map_err(|e| format!("Makefile line {line_no}: {e}"))?;
        rules.push((
            ts[0].to_string(),
            pre.split_whitespace().map(str::to_string).collect(),
            Vec::new(),
        ));
        cur = Some(rules.len() - 1);
    }
    let goal = match target {
        Some(t) => t.to_string(),
        None => rules
            .iter()
            .find(|(t, _, _)| !t.starts_with('.'))
            .map(|(t, _, _)| t.clone())
            .ok_or("the Makefile has no target")?,
    };
    let mut out = Vec::new();
    let mut done = Vec::new();
    walk(&goal, &rules, &vars, &mut done, &mut out, 0)?;
    Ok(out)
}

fn walk(
    goal: &str,
    rules: &[(String, Vec<String>, Vec<String>)],
    vars: &HashMap<String, String>,
    done: &mut Vec<String>,
    out: &mut Vec<String>,
    depth: usize,
) -> Result<(), String> {
    if done.iter().any(|d| d == goal) {
        return Ok(());
    }
    if depth > 32 {
        return Err("prerequisites nest too deep (a cycle?)".into());
    }
    done.push(goal.to_string());
    let Some((_, pre, cmds)) = rules.iter().find(|(t, _, _)| t == goal) else {
        if depth == 0 {
            return Err(format!("no rule for target `{goal}`"));
        }
        // A prerequisite file from the sources: nothing to run.
        return Ok(());
    };
    for p in pre {
        walk(p, rules, vars, done, out, depth + 1)?;
    }
    for c in cmds {
        out.push(expand(c, vars, Some(goal))?);
    }
    Ok(())
}

fn assignment(line: &str) -> Option<(&str, &str, &str)> {
    for op in ["::=", ":=", "+=", "?=", "="] {
        if let Some(i) = line.find(op) {
            let k = line[..i].trim();
            if !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !line[..i].contains(':')
            {
                return Some((k, op, &line[i + op.len()..]));
            }
        }
    }
    None
}

/// `$(X)`, `${X}`, `$X` (one letter) and `$@` expanded; functions and other
/// automatic variables are errors.
fn expand(s: &str, vars: &HashMap<String, String>, target: Option<&str>) -> Result<String, String> {
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('$') => return Err("`$$` (a shell variable in a recipe) is not followed".into()),
            Some('@') => match target {
                Some(t) => out.push_str(t),
                None => return Err("`$@` outside a recipe".into()),
            },
            Some(open @ ('(' | '{')) => {
                let close = if open == '(' { ')' } else { '}' };
                let name: String = it.by_ref().take_while(|&ch| ch != close).collect();
                if name.contains(' ') || name.contains(',') || name.contains('$') {
                    return Err(format!("make function or nested reference `$({name})`"));
                }
                out.push_str(&lookup(&name, vars)?);
            }
            Some(ch) if ch.is_ascii_alphabetic() => out.push_str(&lookup(&ch.to_string(), vars)?),
            Some(ch) => return Err(format!("automatic variable `${ch}` is not followed")),
            None => return Err("a trailing `$`".into()),
        }
    }
    Ok(out)
}

fn lookup(name: &str, vars: &HashMap<String, String>) -> Result<String, String> {
    vars.get(name).cloned().ok_or_else(|| {
        format!("variable `{name}` is not set in the Makefile (the environment may set it)")
    })
}

#[cfg(test)]
mod tests {
    use super::recipe;

    #[test]
    fn follows_variables_and_prerequisites() {
        let mk = "BIN := bin/app\nGOFLAGS = -trimpath\n\n.PHONY: build deps\nbuild: deps\n\tgo build $(GOFLAGS) -o $(BIN) ./cmd/app\n\ndeps: go.mod\n\t@go mod download\n";
        assert_eq!(
            recipe(mk, None).unwrap(),
            vec!["go mod download", "go build -trimpath -o bin/app ./cmd/app"]
        );
        assert_eq!(recipe(mk, Some("deps")).unwrap(), vec!["go mod download"]);
    }

    #[test]
    fn refuses_what_it_does_not_follow() {
        for (mk, want) in [
            (
                "include common.mk\nbuild:\n\tgo build -o app .\n",
                "include",
            ),
            (
                "V := $(shell git describe)\nbuild:\n\tgo build -o app .\n",
                "function",
            ),
            ("%.o: %.c\n\tcc -c $<\n", "pattern"),
            ("build:\n\tgo build -o $(OUT) .\n", "not set"),
            ("build:\n\tfor f in *; do echo $$f; done\n", "$$"),
        ] {
            let e = recipe(mk, None).unwrap_err();
            assert!(e.contains(want), "{mk}: {e}");
        }
        assert!(recipe("build:\n\ttrue\n", Some("install")).is_err());
    }
}
