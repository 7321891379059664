//! Colour for terminal output, and only for it: `Paint` says whether stdout gets colour
//! (`--color`, resolved by the command), `Tone` what a piece of text means. Text is escaped
//! for the terminal before it is painted, so a log value never brings its own escape codes,
//! and table cells are styled by comfy-table after it has measured them, so widths stay right.
//! JSON, CSV and Markdown never see a `Paint`.

use anstyle::{AnsiColor, Style};

use super::escape;

/// Whether terminal output gets colour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Paint {
    pub on: bool,
}

/// What a piece of text means, and so its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Plain,
    /// Money lost, a failed check, a hard stop: red.
    Bad,
    /// A check that holds: green.
    Good,
    /// An alert, a skipped check: yellow.
    Warn,
    /// The one figure to read first: bold.
    Strong,
}

impl Tone {
    fn style(self) -> Style {
        let fg = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
        match self {
            Tone::Plain => Style::new(),
            Tone::Bad => fg(AnsiColor::Red).bold(),
            Tone::Good => fg(AnsiColor::Green),
            Tone::Warn => fg(AnsiColor::Yellow),
            Tone::Strong => Style::new().bold(),
        }
    }

    /// The same colour for a comfy-table cell.
    fn comfy(self, cell: comfy_table::Cell) -> comfy_table::Cell {
        use comfy_table::{Attribute, Color};
        match self {
            Tone::Plain => cell,
            Tone::Bad => cell.fg(Color::DarkRed).add_attribute(Attribute::Bold),
            Tone::Good => cell.fg(Color::DarkGreen),
            Tone::Warn => cell.fg(Color::DarkYellow),
            Tone::Strong => cell.add_attribute(Attribute::Bold),
        }
    }
}

impl Paint {
    pub const OFF: Paint = Paint { on: false };
    pub const ON: Paint = Paint { on: true };

    /// `text` escaped for the terminal, then wrapped in its tone's codes when colour is on.
    pub fn text(self, tone: Tone, text: &str) -> String {
        let safe = escape::terminal(text);
        if !self.on || tone == Tone::Plain {
            return safe;
        }
        let style = tone.style();
        format!("{style}{safe}{style:#}")
    }

    /// A table cell of `text` (escaped), coloured when colour is on.
    pub fn cell(self, tone: Tone, text: &str) -> comfy_table::Cell {
        let cell = comfy_table::Cell::new(escape::terminal(text));
        if self.on {
            tone.comfy(cell)
        } else {
            cell
        }
    }
}

/// A line of text in toned spans: plain for Markdown, painted for the terminal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Line(pub Vec<(Tone, String)>);

impl Line {
    pub fn plain_text(text: impl Into<String>) -> Line {
        Line(vec![(Tone::Plain, text.into())])
    }

    /// Appends a span.
    pub fn push(&mut self, tone: Tone, text: impl Into<String>) -> &mut Line {
        self.0.push((tone, text.into()));
        self
    }

    /// The text without colour (not escaped: the caller escapes for its format).
    pub fn plain(&self) -> String {
        self.0.iter().map(|(_, t)| t.as_str()).collect()
    }

    /// Each span escaped for the terminal, then painted.
    pub fn terminal(&self, paint: Paint) -> String {
        self.0.iter().map(|(tone, t)| paint.text(*tone, t)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_wraps_escaped_text_only_when_on() {
        let hostile = "chat\u{1b}[2J";
        assert_eq!(Paint::OFF.text(Tone::Bad, hostile), "chat\\u{1b}[2J");
        // Red and bold around the escaped text; the only ESC bytes are the two codes.
        assert_eq!(Paint::ON.text(Tone::Bad, hostile), "\u{1b}[1m\u{1b}[31mchat\\u{1b}[2J\u{1b}[0m");
        assert_eq!(Paint::ON.text(Tone::Plain, "x"), "x");
        let mut line = Line::plain_text("  ");
        line.push(Tone::Good, "ok").push(Tone::Plain, " done");
        assert_eq!(line.plain(), "  ok done");
        assert_eq!(line.terminal(Paint::ON), "  \u{1b}[32mok\u{1b}[0m done");
    }
}
