//! What a native log dialect provides, and nothing that knows the dialects: how it is recognised
//! and described (`Dialect`), and the parser that turns its lines into records (`LineParser`).
//! Dialects import this module; the registry (`formats`) and the readers import the dialects.

use serde_json::Value;

use super::prune::Keys;
use super::record::RawRecord;

/// A record built from a parsed JSON line; it owns its strings.
pub type Owned = RawRecord<'static>;

/// One file's parser; it may carry state from line to line (Codex names the model once).
pub trait LineParser {
    /// Appends the calls on `line` to `out`.
    fn parse(&mut self, line: &Value, out: &mut Vec<Owned>) -> Result<(), String>;

    /// Strings (keys or values) at least one of which a line must hold for `parse` to find a
    /// call in it, reject it or change the parser's state; a line holding none is counted as
    /// skipped unparsed (`skim`). Empty: every line is parsed.
    fn needles(&self) -> &'static [&'static str] {
        &[]
    }

    /// Every key `parse` reads, at any depth: a line found valid may be parsed keeping only
    /// these (`prune`), which must give `parse` the same answer as the whole line. `None`:
    /// lines are parsed whole.
    fn keys(&self) -> Option<&'static Keys> {
        None
    }
}

/// A native dialect: how `formats` lists it, how detection recognises it, how it is read.
pub struct Dialect {
    pub name: &'static str,
    /// One line for `llmcost formats`: what it reads and its token convention.
    pub about: &'static str,
    /// Whether one line of the file is recognisably this dialect.
    pub recognises: fn(&Value) -> bool,
    /// What the dialect looks for, for the error when nothing fits.
    pub looks_for: &'static str,
    /// A parser for one file, fresh: it may carry state from line to line.
    pub parser: fn() -> Box<dyn LineParser>,
}

/// Every record a parser makes of `v`, for tests; panics on a rejected value.
#[cfg(test)]
pub fn parse_with(mut parser: impl LineParser, v: &serde_json::Value) -> Vec<Owned> {
    let mut out = Vec::new();
    parser.parse(v, &mut out).unwrap();
    out
}
