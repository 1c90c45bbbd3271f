//! Physical lines and the logical lines BuildKit joins from them.

use super::span::Span;

/// One physical line: `start..content_end` is its text without the line
/// ending (trailing `\r`s and `\n` removed, as BuildKit's `trimNewline`),
/// `content_end..end` the line ending.
#[derive(Debug, Clone, Copy)]
pub struct PhysLine {
    pub start: usize,
    pub content_end: usize,
    pub end: usize,
}

pub fn physical_lines(text: &str, first_start: usize) -> Vec<PhysLine> {
    physical_lines_from(text, first_start).collect()
}

/// The physical lines from `first_start` on, one at a time: a caller that
/// needs only an instruction's few lines must not split the rest of the
/// file (once per RUN, that made `check` quadratic in the file's length).
pub fn physical_lines_from(text: &str, first_start: usize) -> impl Iterator<Item = PhysLine> + '_ {
    let bytes = text.as_bytes();
    let mut start = first_start;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let end = match bytes[start..].iter().position(|&b| b == b'\n') {
            Some(i) => start + i + 1,
            None => bytes.len(),
        };
        let mut content_end = end;
        while content_end > start && matches!(bytes[content_end - 1], b'\n' | b'\r') {
            content_end -= 1;
        }
        let line = PhysLine {
            start,
            content_end,
            end,
        };
        start = end;
        Some(line)
    })
}

/// Where a line continues: the escape character followed only by blanks,
/// and either first on the line or not itself escaped (BuildKit's
/// `([^\\])\\[ \t]*$|^\\[ \t]*$`, so `echo \\` ends the instruction).
/// Returns the offset of the escape character within `content`.
pub fn continuation_at(content: &str, escape: char) -> Option<usize> {
    let trimmed = content.trim_end_matches([' ', '\t']);
    let before = trimmed.strip_suffix(escape)?;
    if before.ends_with(escape) {
        return None;
    }
    Some(before.len())
}

/// Whether an instruction's text (`text`, its lines as written) ends inside an
/// open continuation: its last line that is neither blank nor a comment ends
/// with the escape character, and the file ended before the instruction did.
/// A line inserted after such an instruction would join it.
pub fn ends_open(text: &str, escape: char) -> bool {
    text.lines()
        .map(|l| l.trim_end_matches('\r'))
        .rfind(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#')
        })
        .is_some_and(|l| continuation_at(l, escape).is_some())
}

/// A logical line: pieces of physical lines joined, with a map back to the
/// source so that any offset in the joined text has a source offset.
#[derive(Debug, Clone, Default)]
pub struct Logical {
    pub text: String,
    /// `(logical start, source start, length)`, in order.
    segments: Vec<(usize, usize, usize)>,
}

impl Logical {
    pub fn push(&mut self, source_start: usize, piece: &str) {
        if piece.is_empty() {
            return;
        }
        self.segments
            .push((self.text.len(), source_start, piece.len()));
        self.text.push_str(piece);
    }

    /// Source offset of the logical offset `off` (a start position).
    pub fn source_start(&self, off: usize) -> usize {
        for &(l, s, len) in &self.segments {
            if off < l + len {
                return s + off.saturating_sub(l);
            }
        }
        self.source_end(off)
    }

    /// Source offset just past the logical offset `off - 1` (an end position).
    pub fn source_end(&self, off: usize) -> usize {
        if off == 0 {
            return self.segments.first().map(|&(_, s, _)| s).unwrap_or(0);
        }
        let last = off - 1;
        for &(l, s, len) in &self.segments {
            if last < l + len {
                return s + (last - l) + 1;
            }
        }
        self.segments
            .last()
            .map(|&(_, s, len)| s + len)
            .unwrap_or(0)
    }

    /// `(source start, length)` of each piece, in order.
    pub fn pieces(&self) -> Vec<(usize, usize)> {
        self.segments.iter().map(|&(_, s, len)| (s, len)).collect()
    }

    pub fn span(&self, start: usize, end: usize) -> Span {
        if end <= start {
            let s = self.source_start(start);
            return Span::new(s, s);
        }
        Span::new(self.source_start(start), self.source_end(end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instruction_the_end_of_file_leaves_open() {
        assert!(ends_open("FROM x\\\n  # c\n", '\\'));
        assert!(ends_open("FROM x \\\n\n", '\\'));
        assert!(ends_open("FROM x`\r\n", '`'));
        assert!(!ends_open("FROM x\n", '\\'));
        assert!(!ends_open("RUN a \\\n  b\n", '\\'));
        assert!(!ends_open("RUN echo \\\\\n", '\\'));
    }

    #[test]
    fn lines_split_endings() {
        let t = "a\r\nb\n\nc";
        let l = physical_lines(t, 0);
        assert_eq!(l.len(), 4);
        assert_eq!(&t[l[0].start..l[0].content_end], "a");
        assert_eq!(&t[l[0].content_end..l[0].end], "\r\n");
        assert_eq!(&t[l[3].start..l[3].content_end], "c");
    }

    #[test]
    fn continuation_marker() {
        assert_eq!(continuation_at("RUN a \\  ", '\\'), Some(6));
        assert_eq!(continuation_at("RUN a", '\\'), None);
        assert_eq!(continuation_at("RUN a `", '`'), Some(6));
        assert_eq!(continuation_at("\\ ", '\\'), Some(0));
        assert_eq!(continuation_at("RUN echo \\\\", '\\'), None);
        assert_eq!(continuation_at("RUN a ``", '`'), None);
    }

    #[test]
    fn logical_maps_back() {
        let mut l = Logical::default();
        l.push(10, "RUN a ");
        l.push(20, "  b");
        assert_eq!(l.text, "RUN a   b");
        assert_eq!(l.span(4, 5), Span::new(14, 15));
        assert_eq!(l.span(8, 9), Span::new(22, 23));
        assert_eq!(l.span(4, 9), Span::new(14, 23));
    }
}
