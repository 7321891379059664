//! Every escaper the renderers use, one per destination. Log values (routes, models, users,
//! notes) are untrusted: each output keeps them from turning into markup, formulas, workflow
//! commands or terminal control sequences. Renderers call these and keep no copies.

/// GitHub-flavoured Markdown text (table cells, list items, headings): the characters that
/// would break a pipe table or start markup get a backslash; line breaks become spaces. A log
/// value must not ping people or link out of a PR comment either: a zero-width space after
/// `@` stops a mention, and one inside `://` and `www.` stops an autolink (invisible when read).
pub fn markdown(text: &str) -> String {
    const ZWSP: char = '\u{200B}';
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' | '\r' => out.push(' '),
            '@' => {
                out.push('@');
                out.push(ZWSP);
            }
            _ => out.push(ch),
        }
    }
    if out.contains("://") || out.contains("www.") || out.contains("WWW.") {
        out =
            out.replace("://", ":\u{200B}//").replace("www.", "www\u{200B}.").replace("WWW.", "WWW\u{200B}.");
    }
    out
}

/// A Markdown code span: nothing inside is markup, so only a backtick (which would end the
/// span) is replaced.
pub fn markdown_code(text: &str) -> String {
    format!("`{}`", text.replace('`', "'"))
}

/// A CSV cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading `'`.
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// Text for HTML element content and attribute values.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// Text for a terminal: control characters (ESC of an ANSI sequence, CR, BEL, C1 controls,
/// newlines that would forge table rows) are shown as `\u{1b}` instead of acted on. Printable
/// text, however exotic, passes unchanged.
pub fn terminal(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        if ch.is_control() {
            out.extend(ch.escape_unicode());
        } else {
            out.push(ch);
        }
    }
    out
}

/// The message of a GitHub Actions workflow command (`::error ...::MESSAGE`): `%`, CR and LF.
pub fn workflow_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A property value of a workflow command (`title=...`): also `:` and `,`, which end it.
pub fn workflow_property(text: &str) -> String {
    workflow_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_neither_mentions_nor_links_r12() {
        let md = markdown("[click](https://evil.example) @octocat www.evil.example");
        assert_eq!(md, "\\[click\\](https:\u{200B}//evil.example) @\u{200B}octocat www\u{200B}.evil.example");
        assert_eq!(markdown("note: plain text"), "note: plain text", "no change where nothing links");
    }

    #[test]
    fn markdown_escapes_pipes_and_markup() {
        assert_eq!(markdown("a|b <script>"), "a\\|b \\<script\\>");
        assert_eq!(markdown("a|b<script>*_[x](y)"), "a\\|b\\<script\\>\\*\\_\\[x\\](y)");
        assert_eq!(markdown("# one\r\ntwo `x` \\"), "\\# one  two \\`x\\` \\\\");
        assert_eq!(markdown("chat.answer (none) $0.01 → +15.0%"), "chat.answer (none) $0.01 → +15.0%");
    }

    #[test]
    fn code_spans_cannot_be_closed_early() {
        assert_eq!(markdown_code("a `b` | c"), "`a 'b' | c`");
    }

    #[test]
    fn every_formula_lead_is_neutralised() {
        for lead in ["=", "+", "-", "@", "\t", "\r"] {
            let cell = format!("{lead}cmd|' /C calc'!A0");
            assert_eq!(neutralise(&cell), format!("'{cell}"));
        }
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("chat.answer"), "chat.answer");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(html("<b a='1'>&\"</b>"), "&lt;b a=&#39;1&#39;&gt;&amp;&quot;&lt;/b&gt;");
    }

    #[test]
    fn terminal_shows_control_characters_instead_of_running_them() {
        assert_eq!(terminal("\u{1b}[31mred\u{1b}[0m"), "\\u{1b}[31mred\\u{1b}[0m");
        assert_eq!(terminal("a\r\nb\u{7}\u{9b}"), "a\\u{d}\\u{a}b\\u{7}\\u{9b}");
        assert_eq!(terminal("chat.answer → gpt-4o (—) ×1.2"), "chat.answer → gpt-4o (—) ×1.2");
    }

    #[test]
    fn workflow_commands_are_escaped() {
        assert_eq!(workflow_data("+15.0% a\nb"), "+15.0%25 a%0Ab");
        assert_eq!(workflow_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
