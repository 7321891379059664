//! Route and model patterns: shell-style globs (`chat.*`), and which of several patterns
//! matching a route is the most specific.

use anyhow::{Context, Result};

pub fn check_glob(p: &str) -> Result<&str> {
    glob::Pattern::new(p).with_context(|| format!("bad pattern {p:?}"))?;
    Ok(p)
}

pub fn glob_matches(pattern: &str, text: &str) -> bool {
    glob::Pattern::new(pattern).is_ok_and(|p| p.matches(text))
}

/// (no wildcard at all, count of literal characters): higher is more specific.
pub fn specificity(p: &str) -> (bool, usize) {
    let wild = |c: char| matches!(c, '*' | '?' | '[' | ']');
    (!p.contains(wild), p.chars().filter(|c| !wild(*c)).count())
}
