//! Every escaper the renderers use, one per destination. Log values (routes, models, users,
//! notes) are untrusted: each output keeps them from turning into markup, formulas, workflow
//! commands or terminal control sequences. Renderers call these and keep no copies.

/// GitHub-flavoured Markdown text (table cells, list items, headings): the characters that
/// would break a pipe table or start markup get a backslash; line breaks become spaces. A log
/// value must not ping people or link out of a PR comment either: a zero-width space after
/// `@` stops a mention, and one inside `://` and `www.` stops an autolink (invisible when read).
/// Other control characters are shown as `\u{1b}`, as in the terminal.
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
            // Shown, not acted on, where the Markdown is printed to a terminal (a CI log).
            c if c.is_control() => out.extend(c.escape_unicode()),
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
/// span) is replaced, and control characters are shown as in the terminal.
pub fn markdown_code(text: &str) -> String {
    format!("`{}`", terminal(text).replace('`', "'"))
}

/// A CSV cell: control characters are shown as in the terminal (`\u{1b}`), where CSV is read
/// as often as in a spreadsheet, and a cell a spreadsheet would run as a formula (=, +, -, @
/// first; a tab or CR first is shown as text by then) gets a leading `'`.
pub fn neutralise(cell: &str) -> String {
    let cell = terminal(cell);
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@') => format!("'{cell}"),
        _ => cell,
    }
}

/// Text for HTML element content and attribute values; control characters other than a
/// newline or tab are shown as `\u{1b}`.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Not valid in HTML, and acted on when the file is printed: shown instead.
            c if c.is_control() && c != '\n' && c != '\t' => out.extend(c.escape_unicode()),
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

/// The message of a GitHub Actions workflow command (`::error ...::MESSAGE`): `%`, CR and LF
/// encoded; other control characters shown as `\u{1b}` (the Actions log acts on ANSI escapes).
pub fn workflow_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if c.is_control() => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// A property value of a workflow command (`title=...`): also `:` and `,`, which end it.
pub fn workflow_property(text: &str) -> String {
    workflow_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CSV cell neither runs in a spreadsheet nor moves the cursor when the file is printed (#12).
    #[test]
    fn csv_cells_neither_run_nor_control_the_terminal_r12() {
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("\u{1b}]0;pwned\u{7}x"), "\\u{1b}]0;pwned\\u{7}x");
        assert_eq!(neutralise("\tcmd"), "\\u{9}cmd");
        assert_eq!(neutralise("two\nlines"), "two\\u{a}lines");
        assert_eq!(neutralise("chat.answer"), "chat.answer");
    }

    #[test]
    fn markdown_neither_mentions_nor_links_r12() {
        let md = markdown("[click](https://evil.example) @octocat www.evil.example");
        assert_eq!(md, "\\[click\\](https:\u{200B}//evil.example) @\u{200B}octocat www\u{200B}.evil.example");
        assert_eq!(markdown("note: plain text"), "note: plain text", "no change where nothing links");
        assert_eq!(markdown("a\u{1b}[2J\u{7}b"), "a\\u{1b}\\[2J\\u{7}b", "control characters are shown");
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
        assert_eq!(markdown_code("evil\u{1b}[2J"), "`evil\\u{1b}[2J`");
    }

    #[test]
    fn every_formula_lead_is_neutralised() {
        for lead in ["=", "+", "-", "@"] {
            let cell = format!("{lead}cmd|' /C calc'!A0");
            assert_eq!(neutralise(&cell), format!("'{cell}"));
        }
        // A tab or CR first is shown as text, which no spreadsheet runs.
        assert_eq!(neutralise("\tcmd|' /C calc'!A0"), "\\u{9}cmd|' /C calc'!A0");
        assert_eq!(neutralise("\rcmd"), "\\u{d}cmd");
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("chat.answer"), "chat.answer");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(html("<b a='1'>&\"</b>"), "&lt;b a=&#39;1&#39;&gt;&amp;&quot;&lt;/b&gt;");
        assert_eq!(html("a\u{1b}[2J\nb"), "a\\u{1b}[2J\nb", "#12");
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
        assert_eq!(workflow_data("evil\u{1b}[2J\u{7}"), "evil\\u{1b}[2J\\u{7}", "#12");
    }
}
