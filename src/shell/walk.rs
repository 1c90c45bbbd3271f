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

/// Every pipeline in source order, nested ones (in compound commands and
/// command substitutions) included: `a | b` reads its elements pairwise.
pub fn pipelines(script: &Script) -> Vec<&Pipeline> {
    fn sc<'a>(s: &'a Script, out: &mut Vec<&'a Pipeline>) {
        for item in &s.items {
            for pl in item.and_or.pipelines() {
                out.push(pl);
                for c in &pl.commands {
                    cmd(c, out);
                }
            }
        }
    }
    fn words<'a>(ws: impl IntoIterator<Item = &'a Word>, out: &mut Vec<&'a Pipeline>) {
        for w in ws {
            for sub in w.substitutions() {
                sc(sub, out);
            }
        }
    }
    fn cmd<'a>(c: &'a Command, out: &mut Vec<&'a Pipeline>) {
        match c {
            Command::Simple(s) => words(
                s.assignments
                    .iter()
                    .map(|a| &a.value)
                    .chain(&s.words)
                    .chain(s.redirects.iter().map(|r| &r.target)),
                out,
            ),
            Command::Compound(cp) => {
                words(cp.redirects.iter().map(|r| &r.target), out);
                comp(&cp.kind, out);
            }
            Command::Function { body, .. } => comp(&body.kind, out),
        }
    }
    fn comp<'a>(k: &'a CompoundKind, out: &mut Vec<&'a Pipeline>) {
        match k {
            CompoundKind::Subshell(s) | CompoundKind::Group(s) => sc(s, out),
            CompoundKind::If {
                branches,
                otherwise,
            } => {
                for (c, b) in branches {
                    sc(c, out);
                    sc(b, out);
                }
                if let Some(o) = otherwise {
                    sc(o, out);
                }
            }
            CompoundKind::For {
                words: ws, body, ..
            } => {
                words(ws.iter().flatten(), out);
                sc(body, out);
            }
            CompoundKind::While { cond, body, .. } => {
                sc(cond, out);
                sc(body, out);
            }
            CompoundKind::Case { word, arms } => {
                words(std::iter::once(word), out);
                for (pats, body) in arms {
                    words(pats, out);
                    sc(body, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    sc(script, &mut out);
    out
}

/// Every word of the script (command words, assignment values, redirect
/// targets, `for` lists, `case` words and patterns), nested ones included.
pub fn each_word<'a>(script: &'a Script, f: &mut dyn FnMut(&'a Word)) {
    fn sc<'a>(s: &'a Script, f: &mut dyn FnMut(&'a Word)) {
        for item in &s.items {
            for pl in item.and_or.pipelines() {
                for c in &pl.commands {
                    cmd(c, f);
                }
            }
        }
    }
    fn word<'a>(w: &'a Word, f: &mut dyn FnMut(&'a Word)) {
        f(w);
        for s in w.substitutions() {
            sc(s, f);
        }
    }
    fn cmd<'a>(c: &'a Command, f: &mut dyn FnMut(&'a Word)) {
        match c {
            Command::Simple(s) => {
                for a in &s.assignments {
                    word(&a.value, f);
                }
                for w in &s.words {
                    word(w, f);
                }
                for r in &s.redirects {
                    word(&r.target, f);
                }
            }
            Command::Compound(cp) => {
                for r in &cp.redirects {
                    word(&r.target, f);
                }
                comp(&cp.kind, f);
            }
            Command::Function { body, .. } => comp(&body.kind, f),
        }
    }
    fn comp<'a>(k: &'a CompoundKind, f: &mut dyn FnMut(&'a Word)) {
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
