//! Where a field of a policy file is: the span of every key and value of the file as it was
//! written, for TOML (the `toml` crate's spanned parse) and JSON (a small scanner), so that a
//! check of the deserialized file can name the line of the field it refuses, and an error of
//! the deserializer can name the field at its position.

use std::{fmt, ops::Range};

use toml::de::{DeTable, DeValue};

/// One step of a [`FieldPath`]: a key of a table or an index into an array.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Seg {
    /// A table's key.
    Key(String),
    /// An array's index.
    Index(usize),
}

/// A field of a policy file, as `rule[1].args.amount`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    /// The file itself.
    #[must_use]
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path and a key.
    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(key.to_owned()));
        p
    }

    /// This path and an index.
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(index));
        p
    }

    /// Whether this is the file itself.
    #[must_use]
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) => {
                    let bare = !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    if bare {
                        f.write_str(k)?;
                    } else {
                        write!(f, "{k:?}")?;
                    }
                }
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A key or value of the file and its span (byte offsets).
#[derive(Clone, Debug)]
struct Node {
    /// The value's span.
    span: Range<usize>,
    /// The key's span, for a table's member.
    key: Option<Range<usize>>,
    children: Children,
}

#[derive(Clone, Debug)]
enum Children {
    Leaf,
    Table(Vec<(String, Node)>),
    Array(Vec<Node>),
}

/// The spans of a file's keys and values, and its line starts.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    root: Option<Node>,
    line_starts: Vec<usize>,
    text: String,
}

/// A position in the file: 1-based line and column (characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl SourceMap {
    /// No file (a policy embedded in a compiled file): nothing is located.
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }

    fn new(text: &str, root: Option<Node>) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { root, line_starts, text: text.to_owned() }
    }

    /// The map of a TOML file (no nodes when it does not parse).
    #[must_use]
    pub fn toml(text: &str) -> Self {
        // With recovery, a file with a syntax error still maps the fields before and around it.
        let (table, _) = DeTable::parse_recoverable(text);
        let root = Node { span: table.span(), key: None, children: toml_table(table.get_ref()) };
        Self::new(text, Some(root))
    }

    /// The map of a JSON file (no nodes when it does not scan).
    #[must_use]
    pub fn json(text: &str) -> Self {
        let mut scanner = Scanner { text, pos: 0, depth: 0 };
        let root = scanner.value().ok();
        Self::new(text, root)
    }

    /// The line and column of a byte offset.
    #[must_use]
    pub fn position(&self, offset: usize) -> Option<Position> {
        if self.line_starts.is_empty() || offset > self.text.len() {
            return None;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let column = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count()) + 1;
        Some(Position { line: line + 1, column })
    }

    /// The field of the last key named `key` written before `offset` (for a duplicate key,
    /// the first one: the same field).
    #[must_use]
    pub fn key_before(&self, key: &str, offset: usize) -> Option<FieldPath> {
        fn search(node: &Node, path: &mut Vec<Seg>, key: &str, offset: usize, best: &mut Option<(usize, Vec<Seg>)>) {
            if let Children::Table(members) = &node.children {
                for (k, n) in members {
                    path.push(Seg::Key(k.clone()));
                    if let Some(span) = &n.key {
                        if k == key && span.start < offset && best.as_ref().is_none_or(|(s, _)| span.start > *s) {
                            *best = Some((span.start, path.clone()));
                        }
                    }
                    search(n, path, key, offset, best);
                    path.pop();
                }
            } else if let Children::Array(items) = &node.children {
                for (i, n) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    search(n, path, key, offset, best);
                    path.pop();
                }
            }
        }
        let mut best = None;
        search(self.root.as_ref()?, &mut Vec::new(), key, offset, &mut best);
        best.map(|(_, p)| FieldPath(p))
    }

    /// The text of a span, when it lies in the file.
    #[must_use]
    pub fn text(&self, span: Range<usize>) -> Option<&str> {
        self.text.get(span)
    }

    /// The byte offset of a 1-based line and column (serde_json's, which counts bytes).
    #[must_use]
    pub fn offset(&self, line: usize, column: usize) -> Option<usize> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        Some((start + column.saturating_sub(1)).min(self.text.len()))
    }

    /// Where `path` is written: its key (for a table's member) or its value; for a path that
    /// is not in the file (a missing field), the deepest part of it that is.
    #[must_use]
    pub fn locate(&self, path: &FieldPath) -> Option<Position> {
        let mut node = self.root.as_ref()?;
        for seg in &path.0 {
            let next = match (seg, &node.children) {
                (Seg::Key(k), Children::Table(members)) => members.iter().find(|(name, _)| name == k).map(|(_, n)| n),
                (Seg::Index(i), Children::Array(items)) => items.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        self.position(node.key.as_ref().unwrap_or(&node.span).start)
    }

    /// The innermost field whose key or value holds `offset` (the file itself when none
    /// does). Every node is searched, so a table whose own span does not cover its members
    /// (an array of tables is spread over the file) still yields them.
    #[must_use]
    pub fn path_at(&self, offset: usize) -> FieldPath {
        fn search(node: &Node, path: &mut Vec<Seg>, offset: usize, best: &mut Vec<Seg>) {
            let inside = |r: &Range<usize>| r.start <= offset && offset < r.end.max(r.start + 1);
            if (inside(&node.span) || node.key.as_ref().is_some_and(inside)) && path.len() > best.len() {
                best.clone_from(path);
            }
            let mut visit = |seg: Seg, child: &Node| {
                path.push(seg);
                search(child, path, offset, best);
                path.pop();
            };
            match &node.children {
                Children::Table(members) => members.iter().for_each(|(k, n)| visit(Seg::Key(k.clone()), n)),
                Children::Array(items) => items.iter().enumerate().for_each(|(i, n)| visit(Seg::Index(i), n)),
                Children::Leaf => {}
            }
        }
        let mut best = Vec::new();
        if let Some(root) = &self.root {
            search(root, &mut Vec::new(), offset, &mut best);
        }
        FieldPath(best)
    }
}

fn toml_table(table: &DeTable<'_>) -> Children {
    let members = table
        .iter()
        .map(|(k, v)| {
            let mut node = toml_node(v.get_ref(), v.span());
            node.key = Some(k.span());
            (k.get_ref().to_string(), node)
        })
        .collect();
    Children::Table(members)
}

fn toml_node(value: &DeValue<'_>, span: Range<usize>) -> Node {
    let children = match value {
        DeValue::Table(t) => toml_table(t),
        DeValue::Array(a) => Children::Array(a.iter().map(|v| toml_node(v.get_ref(), v.span())).collect()),
        _ => Children::Leaf,
    };
    Node { span, key: None, children }
}

/// A JSON scanner that records spans; it gives up (`Err`) on anything malformed, where the
/// deserializer's own error names the position.
struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

/// The deepest nesting the scanner follows (serde_json refuses deeper still: 128).
const MAX_NESTING: usize = 128;

impl Scanner<'_> {
    fn ws(&mut self) {
        let b = self.text.as_bytes();
        while self.pos < b.len() && matches!(b[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn expect(&mut self, c: u8) -> Result<(), ()> {
        self.ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(())
        }
    }

    /// A string's span (quotes included) and its decoded text.
    fn string(&mut self) -> Result<(Range<usize>, String), ()> {
        self.ws();
        let start = self.pos;
        if self.peek() != Some(b'"') {
            return Err(());
        }
        self.pos += 1;
        let b = self.text.as_bytes();
        while self.pos < b.len() {
            match b[self.pos] {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    let raw = self.text.get(start..self.pos).ok_or(())?;
                    let decoded: String = serde_json::from_str(raw).map_err(|_| ())?;
                    return Ok((start..self.pos, decoded));
                }
                _ => self.pos += 1,
            }
        }
        Err(())
    }

    fn value(&mut self) -> Result<Node, ()> {
        self.depth += 1;
        let node = if self.depth > MAX_NESTING { Err(()) } else { self.value_inner() };
        self.depth -= 1;
        node
    }

    fn value_inner(&mut self) -> Result<Node, ()> {
        self.ws();
        let start = self.pos;
        let children = match self.peek().ok_or(())? {
            b'{' => {
                self.pos += 1;
                let mut members = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                } else {
                    loop {
                        let (key_span, key) = self.string()?;
                        self.expect(b':')?;
                        let mut node = self.value()?;
                        node.key = Some(key_span);
                        members.push((key, node));
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b'}') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(()),
                        }
                    }
                }
                Children::Table(members)
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                } else {
                    loop {
                        items.push(self.value()?);
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(()),
                        }
                    }
                }
                Children::Array(items)
            }
            b'"' => {
                self.string()?;
                Children::Leaf
            }
            _ => {
                let b = self.text.as_bytes();
                while self.pos < b.len() && !matches!(b[self.pos], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    self.pos += 1;
                }
                if self.pos == start {
                    return Err(());
                }
                Children::Leaf
            }
        };
        Ok(Node { span: start..self.pos, key: None, children })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(segs: &[Seg]) -> FieldPath {
        FieldPath(segs.to_vec())
    }

    fn k(s: &str) -> Seg {
        Seg::Key(s.to_owned())
    }

    #[test]
    fn locates_toml_keys_in_tables_arrays_of_tables_and_inline_tables() {
        let text = "version = 1\n\n[[rule]]\nname = \"a\"\nthreshold = 0\n\n[[rule]]\nname = \"b\"\nargs = { amount = \"<= 5\" }\n\n[roles]\nt = [\"1\", \"2\"]\n";
        let map = SourceMap::toml(text);
        let at = |p: &FieldPath| map.locate(p).map(|p| (p.line, p.column));
        assert_eq!(at(&path(&[k("version")])), Some((1, 1)));
        assert_eq!(at(&path(&[k("rule"), Seg::Index(0), k("threshold")])), Some((5, 1)));
        assert_eq!(at(&path(&[k("rule"), Seg::Index(1), k("args"), k("amount")])), Some((9, 10)));
        assert_eq!(at(&path(&[k("roles"), k("t"), Seg::Index(1)])), Some((12, 11)));
        // A missing field: the deepest part that exists.
        assert_eq!(at(&path(&[k("rule"), Seg::Index(1), k("delay")])), at(&path(&[k("rule"), Seg::Index(1)])));
        let offset = text.find("<= 5").unwrap();
        assert_eq!(map.path_at(offset).to_string(), "rule[1].args.amount");
    }

    #[test]
    fn locates_json_keys_and_elements() {
        let text = "{\n  \"version\": 1,\n  \"rule\": [\n    {\"name\": \"a\",\n     \"threshold\": 0}\n  ],\n  \"roles\": {\"t\": [\"1\"]}\n}\n";
        let map = SourceMap::json(text);
        let at = |p: &FieldPath| map.locate(p).map(|p| (p.line, p.column));
        assert_eq!(at(&path(&[k("version")])), Some((2, 3)));
        assert_eq!(at(&path(&[k("rule"), Seg::Index(0), k("threshold")])), Some((5, 6)));
        assert_eq!(at(&path(&[k("roles"), k("t"), Seg::Index(0)])), Some((7, 19)));
        let offset = map.offset(5, 19).unwrap();
        assert_eq!(map.path_at(offset).to_string(), "rule[0].threshold");
        assert_eq!(FieldPath::root().key("roles").key("my role").index(2).to_string(), "roles.\"my role\"[2]");
    }
}
