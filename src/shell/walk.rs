//! Visiting a script's simple commands in the order the shell reaches them,
//! with what a reader of effects needs to know about where each one runs.

use super::ast::*;

/// Where a simple command stands in its script.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Place {
    /// Ids of the subshells around it (`( … )`, `$( … )`, a pipeline
    /// element): a `cd` in scope S applies to later commands inside S only.
    pub scopes: Vec<usize>,
    /// It may not run: after `||`/`&&`, in an `if`/`case` branch, a loop body
    /// or a function body.
    pub conditional: bool,
    /// Inside a loop body: may run several times.
    pub repeated: bool,
    /// Inside a command substitution.
    pub substitution: bool,
    /// Part of a pipeline with more than one command.
    pub piped: bool,
    /// Runs in the background (`&`).
    pub background: bool,
    /// Redirections of enclosing compound commands apply to it too.
    pub outer_redirects: usize,
}

struct Walker<'a> {
    out: Vec<(&'a SimpleCommand, Place)>,
    next_scope: usize,
}

impl<'a> Walker<'a> {
    fn scope(&mut self) -> usize {
        self.next_scope += 1;
        self.next_scope
    }

    fn script(&mut self, s: &'a Script, place: &Place) {
        for item in &s.items {
            let mut p = place.clone();
            p.background |= item.background;
            self.pipeline(&item.and_or.first, &p);
            for (_, pl) in &item.and_or.rest {
                let mut q = p.clone();
                q.conditional = true;
                self.pipeline(pl, &q);
            }
        }
    }

    fn pipeline(&mut self, pl: &'a Pipeline, place: &Place) {
        let piped = pl.commands.len() > 1;
        for c in &pl.commands {
            let mut p = place.clone();
            if piped {
                p.piped = true;
                let id = self.scope();
                p.scopes.push(id);
            }
            self.command(c, &p);
        }
    }

    fn words(&mut self, ws: &'a [Word], place: &Place) {
        for w in ws {
            self.word(w, place);
        }
    }

    fn word(&mut self, w: &'a Word, place: &Place) {
        for s in w.substitutions() {
            let mut p = place.clone();
            p.substitution = true;
            let id = self.scope();
            p.scopes.push(id);
            self.script(s, &p);
        }
    }

    fn command(&mut self, c: &'a Command, place: &Place) {
        match c {
            Command::Simple(s) => {
                // Expansions run before the command itself.
                for a in &s.assignments {
                    self.word(&a.value, place);
                }
                self.words(&s.words, place);
                for r in &s.redirects {
                    self.word(&r.target, place);
                }
                self.out.push((s, place.clone()));
            }
            Command::Compound(cp) => {
                let mut p = place.clone();
                p.outer_redirects += cp.redirects.len();
                for r in &cp.redirects {
                    self.word(&r.target, place);
                }
                self.compound(&cp.kind, &p);
            }
            Command::Function { body, .. } => {
                let mut p = place.clone();
                p.conditional = true;
                self.compound(&body.kind, &p);
            }
        }
    }

    fn compound(&mut self, k: &'a CompoundKind, place: &Place) {
        match k {
            CompoundKind::Subshell(s) => {
                let mut p = place.clone();
                let id = self.scope();
                p.scopes.push(id);
                self.script(s, &p);
            }
            CompoundKind::Group(s) => self.script(s, place),
            CompoundKind::If {
                branches,
                otherwise,
            } => {
                let mut cond = place.clone();
                for (i, (c, b)) in branches.iter().enumerate() {
                    if i > 0 {
                        cond.conditional = true;
                    }
                    self.script(c, &cond);
                    let mut body = place.clone();
                    body.conditional = true;
                    self.script(b, &body);
                }
                if let Some(o) = otherwise {
                    let mut body = place.clone();
                    body.conditional = true;
                    self.script(o, &body);
                }
            }
            CompoundKind::For { words, body, .. } => {
                if let Some(ws) = words {
                    self.words(ws, place);
                }
                let mut p = place.clone();
                p.conditional = true;
                p.repeated = true;
                self.script(body, &p);
            }
            CompoundKind::While { cond, body, .. } => {
                let mut c = place.clone();
                c.repeated = true;
                self.script(cond, &c);
                let mut p = c.clone();
                p.conditional = true;
                self.script(body, &p);
            }
            CompoundKind::Case { word, arms } => {
                self.word(word, place);
                for (pats, body) in arms {
                    self.words(pats, place);
                    let mut p = place.clone();
                    p.conditional = true;
                    self.script(body, &p);
                }
            }
        }
    }
}

/// Every simple command with its place, in the order the shell reaches them
/// (command substitutions before the command that uses them).
pub fn commands(script: &Script) -> Vec<(&SimpleCommand, Place)> {
    let mut w = Walker {
        out: Vec::new(),
        next_scope: 0,
    };
    w.script(script, &Place::default());
    w.out
}

/// What the one read-only traversal reports.
enum Node<'a> {
    Pipeline(&'a Pipeline),
    Word(&'a Word),
    Redirect(&'a Redirect),
    /// A word the shell expands into file names when it holds a pattern
    /// (also visited as a `Word`).
    Fields(&'a Word),
}

/// Every pipeline, word and redirection in source order (pre-order: a
/// pipeline before its commands, a word before the commands of its
/// substitutions, a redirection after its target), nested ones in compound
/// commands and command substitutions included. The listings below are
/// filters of this one walk, so they cannot disagree on the tree's shape.
fn visit<'a>(script: &'a Script, f: &mut dyn FnMut(Node<'a>)) {
    fn sc<'a>(s: &'a Script, f: &mut dyn FnMut(Node<'a>)) {
        for item in &s.items {
            for pl in item.and_or.pipelines() {
                f(Node::Pipeline(pl));
                for c in &pl.commands {
                    cmd(c, f);
                }
            }
        }
    }
    fn word<'a>(w: &'a Word, f: &mut dyn FnMut(Node<'a>)) {
        f(Node::Word(w));
        for s in w.substitutions() {
            sc(s, f);
        }
    }
    fn redirect<'a>(r: &'a Redirect, f: &mut dyn FnMut(Node<'a>)) {
        word(&r.target, f);
        f(Node::Redirect(r));
    }
    fn cmd<'a>(c: &'a Command, f: &mut dyn FnMut(Node<'a>)) {
        match c {
            Command::Simple(s) => {
                for a in &s.assignments {
                    word(&a.value, f);
                }
                for w in &s.words {
                    f(Node::Fields(w));
                    word(w, f);
                }
                for r in &s.redirects {
                    redirect(r, f);
                }
            }
            Command::Compound(cp) => {
                for r in &cp.redirects {
                    redirect(r, f);
                }
                comp(&cp.kind, f);
            }
            Command::Function { body, .. } => comp(&body.kind, f),
        }
    }
    fn comp<'a>(k: &'a CompoundKind, f: &mut dyn FnMut(Node<'a>)) {
        match k {
            CompoundKind::Subshell(s) | CompoundKind::Group(s) => sc(s, f),
            CompoundKind::If {
                branches,
                otherwise,
            } => {
                for (c, b) in branches {
                    sc(c, f);
                    sc(b, f);
                }
                if let Some(o) = otherwise {
                    sc(o, f);
                }
            }
            CompoundKind::For { words, body, .. } => {
                for w in words.iter().flatten() {
                    f(Node::Fields(w));
                    word(w, f);
                }
                sc(body, f);
            }
            CompoundKind::While { cond, body, .. } => {
                sc(cond, f);
                sc(body, f);
            }
            CompoundKind::Case { word: w, arms } => {
                word(w, f);
                for (pats, body) in arms {
                    for p in pats {
                        word(p, f);
                    }
                    sc(body, f);
                }
            }
        }
    }
    sc(script, f);
}

/// Every pipeline in source order, nested ones (in compound commands and
/// command substitutions) included: `a | b` reads its elements pairwise.
pub fn pipelines(script: &Script) -> Vec<&Pipeline> {
    let mut out = Vec::new();
    visit(script, &mut |n| {
        if let Node::Pipeline(p) = n {
            out.push(p);
        }
    });
    out
}

/// Every word of the script (command words, assignment values, redirect
/// targets, `for` lists, `case` words and patterns), nested ones included.
pub fn each_word<'a>(script: &'a Script, f: &mut dyn FnMut(&'a Word)) {
    visit(script, &mut |n| {
        if let Node::Word(w) = n {
            f(w);
        }
    });
}

/// Every word the shell expands into file names when it holds an unquoted
/// pattern (`echo /opt/*`, `for f in *.conf`): the words of simple commands
/// and `for` lists, nested ones included. Not assignment values or `case`
/// patterns, which are never matched against files, nor redirection targets
/// (see [`each_redirect`]).
pub fn each_field_word<'a>(script: &'a Script, f: &mut dyn FnMut(&'a Word)) {
    visit(script, &mut |n| {
        if let Node::Fields(w) = n {
            f(w);
        }
    });
}

/// Every redirection of the script — of simple and compound commands, nested
/// ones and those inside command substitutions included — for readers that
/// need every file the script opens, whatever branch runs.
pub fn each_redirect<'a>(script: &'a Script, f: &mut dyn FnMut(&'a Redirect)) {
    visit(script, &mut |n| {
        if let Node::Redirect(r) = n {
            f(r);
        }
    });
}

/// Where the script's last word or redirection ends (offsets as its spans):
/// the place to append a command the shell reads. The script's own spans
/// run on over trailing blanks and a `# comment`, where an appended command
/// would be commented out. None for a script with no word.
pub fn code_end(script: &Script) -> Option<usize> {
    let mut end = None;
    each_word(script, &mut |w| end = end.max(Some(w.span.end)));
    each_redirect(script, &mut |r| end = end.max(Some(r.span.end)));
    end
}

/// Every redirection (simple and compound commands), mutably, top level only
/// plus nested compounds (not inside command substitutions).
pub(super) fn each_redirect_mut(script: &mut Script, f: &mut dyn FnMut(&mut Redirect)) {
    fn sc(s: &mut Script, f: &mut dyn FnMut(&mut Redirect)) {
        for item in &mut s.items {
            let ao = &mut item.and_or;
            pl(&mut ao.first, f);
            for (_, p) in &mut ao.rest {
                pl(p, f);
            }
        }
    }
    fn pl(p: &mut Pipeline, f: &mut dyn FnMut(&mut Redirect)) {
        for c in &mut p.commands {
            match c {
                Command::Simple(s) => s.redirects.iter_mut().for_each(&mut *f),
                Command::Compound(cp) => {
                    cp.redirects.iter_mut().for_each(&mut *f);
                    comp(&mut cp.kind, f);
                }
                Command::Function { body, .. } => comp(&mut body.kind, f),
            }
        }
    }
    fn comp(k: &mut CompoundKind, f: &mut dyn FnMut(&mut Redirect)) {
        match k {
            CompoundKind::Subshell(s) | CompoundKind::Group(s) => sc(s, f),
            CompoundKind::If {
                branches,
                otherwise,
            } => {
                for (c, b) in branches {
                    sc(c, f);
                    sc(b, f);
                }
                if let Some(o) = otherwise {
                    sc(o, f);
                }
            }
            CompoundKind::For { body, .. } => sc(body, f),
            CompoundKind::While { cond, body, .. } => {
                sc(cond, f);
                sc(body, f);
            }
            CompoundKind::Case { arms, .. } => {
                for (_, body) in arms {
                    sc(body, f);
                }
            }
        }
    }
    sc(script, f);
}

/// The script as a token sequence that ignores spans and the blanks between
/// words (the only place the shell ignores them): operators, keywords and
/// each word's parts with their quoting. Two scripts with the same tokens run
/// the same commands; `A && B` merged from two scripts has exactly the tokens
/// of A, then `&&`, then the tokens of B.
pub fn tokens(script: &Script) -> Vec<String> {
    let mut out = Vec::new();
    tok_script(script, &mut out);
    out
}

fn tok_script(s: &Script, out: &mut Vec<String>) {
    for (i, item) in s.items.iter().enumerate() {
        if i > 0 {
            out.push(";".into());
        }
        tok_pipeline(&item.and_or.first, out);
        for (c, p) in &item.and_or.rest {
            out.push(c.as_str().into());
            tok_pipeline(p, out);
        }
        if item.background {
            out.push("&".into());
        }
    }
}

fn tok_pipeline(p: &Pipeline, out: &mut Vec<String>) {
    if p.negated {
        out.push("!".into());
    }
    for (i, c) in p.commands.iter().enumerate() {
        if i > 0 {
            out.push("|".into());
        }
        tok_command(c, out);
    }
}

fn tok_redirect(r: &Redirect, out: &mut Vec<String>) {
    out.push(format!("redir:{:?}:{:?}", r.fd, r.op));
    out.push(tok_word(&r.target));
    if let Some(h) = &r.heredoc {
        out.push(format!("heredoc:{h}"));
    }
}

fn tok_command(c: &Command, out: &mut Vec<String>) {
    match c {
        Command::Simple(s) => {
            for a in &s.assignments {
                out.push(format!("assign:{}={}", a.name, tok_word(&a.value)));
            }
            for w in &s.words {
                out.push(tok_word(w));
            }
            for r in &s.redirects {
                tok_redirect(r, out);
            }
        }
        Command::Compound(cp) => {
            tok_compound(&cp.kind, out);
            for r in &cp.redirects {
                tok_redirect(r, out);
            }
        }
        Command::Function { name, body, .. } => {
            out.push(format!("function:{name}"));
            tok_compound(&body.kind, out);
        }
    }
}

fn tok_compound(k: &CompoundKind, out: &mut Vec<String>) {
    let sub = |kw: &str, s: &Script, out: &mut Vec<String>| {
        out.push(kw.to_string());
        tok_script(s, out);
    };
    match k {
        CompoundKind::Subshell(s) => {
            sub("(", s, out);
            out.push(")".into());
        }
        CompoundKind::Group(s) => {
            sub("{", s, out);
            out.push("}".into());
        }
        CompoundKind::If {
            branches,
            otherwise,
        } => {
            for (c, b) in branches {
                sub("if", c, out);
                sub("then", b, out);
            }
            if let Some(o) = otherwise {
                sub("else", o, out);
            }
            out.push("fi".into());
        }
        CompoundKind::For { var, words, body } => {
            out.push(format!("for:{var}"));
            if let Some(ws) = words {
                out.push("in".into());
                out.extend(ws.iter().map(tok_word));
            }
            sub("do", body, out);
            out.push("done".into());
        }
        CompoundKind::While { until, cond, body } => {
            sub(if *until { "until" } else { "while" }, cond, out);
            sub("do", body, out);
            out.push("done".into());
        }
        CompoundKind::Case { word, arms } => {
            out.push(format!("case:{}", tok_word(word)));
            for (pats, body) in arms {
                out.push("pat".into());
                out.extend(pats.iter().map(tok_word));
                sub(")", body, out);
                out.push(";;".into());
            }
            out.push("esac".into());
        }
    }
}

/// One word as a token: each part with its quoting, substitutions as tokens.
fn tok_word(w: &Word) -> String {
    fn parts(ps: &[Part], out: &mut String) {
        for p in ps {
            match p {
                Part::Lit(s) => out.push_str(&format!("L{}:{s}", s.len())),
                Part::Quoted(s) => out.push_str(&format!("Q{}:{s}", s.len())),
                Part::Double(inner) => {
                    out.push_str("D(");
                    parts(inner, out);
                    out.push(')');
                }
                Part::Param(p) => out.push_str(&format!("P({:?})", p)),
                Part::Command(s) => out.push_str(&format!("C({:?})", tokens(s))),
                Part::Arith(a) => out.push_str(&format!("A{}:{a}", a.len())),
            }
        }
    }
    let mut out = String::from("w:");
    parts(&w.parts, &mut out);
    out
}
