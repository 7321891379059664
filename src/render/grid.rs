//! The one `Grid` — a titled table of text cells — that every table-shaped output lays out
//! (report sections, `diff`/`check`/`budget` verdicts, the export pack, `pricing`), and the
//! only two places that draw one: `comfy` for the terminal, `markdown` for a GitHub pipe
//! table. Cells are escaped here, so no caller can forget.

use std::io::Write;

use anyhow::Result;
use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, ContentArrangement, Table};

use super::escape;
use super::paint::{Paint, Tone};

/// One titled grid; `numeric[i]` says whether column `i` is right-aligned. `footer` lines
/// follow the grid (a Pareto bar, flags, what a figure means).
#[derive(Default)]
pub struct Grid {
    pub title: String,
    pub headers: Vec<String>,
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
    pub footer: Vec<String>,
    /// The last row sums the others: it stays when the rows are cut to `--top`.
    pub total_row: bool,
    /// What a cell means, from its row and column: its colour in a terminal (none in
    /// Markdown). Read from the cells, so it holds however the rows are cut.
    pub tone: Option<fn(&[String], usize) -> Tone>,
}

impl Grid {
    /// A grid with `headers`, the first column text and the rest numbers.
    pub fn new(title: impl Into<String>, headers: &[&str]) -> Grid {
        Grid {
            title: title.into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            numeric: (0..headers.len()).map(|i| i > 0).collect(),
            ..Grid::default()
        }
    }

    /// Whether column `column` holds numbers (right-aligned).
    pub fn is_numeric(&self, column: usize) -> bool {
        self.numeric.get(column).copied().unwrap_or(false)
    }
}

/// How a terminal table is laid out. The three callers differed before they shared this
/// code, and their output is kept as it was; each is one named choice here.
#[derive(Clone, Copy, Debug)]
pub struct Terminal {
    /// Right-align the `numeric` columns (otherwise every column is left-aligned).
    pub align_numbers: bool,
    /// Wrap cells to fit the terminal's width (comfy-table's dynamic arrangement; no effect
    /// when the output is not a terminal).
    pub wrap: bool,
    /// Colour the cells that have a tone.
    pub paint: Paint,
}

impl Terminal {
    /// `report`: numbers right-aligned, wrapped to the terminal.
    pub const REPORT: Terminal = Terminal { align_numbers: true, wrap: true, paint: Paint::OFF };
    /// `diff`, `check`, `budget`: wrapped, every column left-aligned.
    pub const VERDICT: Terminal = Terminal { align_numbers: false, wrap: true, paint: Paint::OFF };
    /// `pricing list|show`: numbers right-aligned, never wrapped.
    pub const PRICING: Terminal = Terminal { align_numbers: true, wrap: false, paint: Paint::OFF };

    /// The same layout, coloured by `paint`.
    pub fn painted(self, paint: Paint) -> Terminal {
        Terminal { paint, ..self }
    }
}

/// The grid's headers and rows as a comfy-table (title and footer are the caller's), every
/// cell made safe for a terminal, then coloured by its tone when `how.paint` is on.
pub fn comfy(grid: &Grid, how: Terminal) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    if how.wrap {
        t.set_content_arrangement(ContentArrangement::Dynamic);
    }
    if how.paint.on {
        // --color always colours a pipe too (comfy-table would only style a terminal), and
        // wins over NO_COLOR, which crossterm (comfy-table's styling) would otherwise obey
        // on its own. With colour off no cell is styled, so neither setting matters then.
        t.enforce_styling();
        crossterm::style::force_color_output(true);
    }
    t.set_header(grid.headers.iter().map(|h| escape::terminal(h)));
    for row in &grid.rows {
        let tone = |i: usize| grid.tone.map_or(Tone::Plain, |f| f(row, i));
        t.add_row(row.iter().enumerate().map(|(i, c)| how.paint.cell(tone(i), c)));
    }
    if how.align_numbers {
        for i in 0..grid.headers.len() {
            if let Some(col) = t.column_mut(i) {
                let numeric = grid.is_numeric(i);
                col.set_cell_alignment(if numeric { CellAlignment::Right } else { CellAlignment::Left });
            }
        }
    }
    t
}

/// The delimiter row of a Markdown table. GitHub renders both alike; reports and verdicts
/// wrote different ones before they shared this code, and their bytes are kept.
#[derive(Clone, Copy, Debug)]
pub enum Delimiter {
    /// `|---|---:|`: the report and the export's summary.md.
    Compact,
    /// `| --- | --: |`: the verdicts of `diff`, `check` and `budget`.
    Spaced,
}

/// The grid's headers and rows as a GitHub pipe table, every cell Markdown-escaped, numeric
/// columns right-aligned (title and footer are the caller's).
pub fn markdown(grid: &Grid, delimiter: Delimiter, out: &mut dyn Write) -> Result<()> {
    let line = |cells: &[String]| {
        let cells: Vec<String> = cells.iter().map(|c| escape::markdown(c)).collect();
        format!("| {} |", cells.join(" | "))
    };
    writeln!(out, "{}", line(&grid.headers))?;
    let columns = 0..grid.headers.len();
    let rule = match delimiter {
        Delimiter::Compact => {
            let marks: Vec<&str> = columns.map(|i| if grid.is_numeric(i) { "---:" } else { "---" }).collect();
            format!("|{}|", marks.join("|"))
        }
        Delimiter::Spaced => {
            let marks: Vec<&str> = columns.map(|i| if grid.is_numeric(i) { "--:" } else { "---" }).collect();
            format!("| {} |", marks.join(" | "))
        }
    };
    writeln!(out, "{rule}")?;
    for row in &grid.rows {
        writeln!(out, "{}", line(row))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hostile() -> Grid {
        let mut g = Grid::new("t", &["route", "cost"]);
        g.rows = vec![vec!["a|b<script>*_[x](y)".into(), "$1.00".into()]];
        g
    }

    #[test]
    fn markdown_delimiters_follow_the_numeric_columns() {
        let mut out = Vec::new();
        markdown(&hostile(), Delimiter::Compact, &mut out).unwrap();
        let compact = String::from_utf8(out).unwrap();
        assert_eq!(compact, "| route | cost |\n|---|---:|\n| a\\|b\\<script\\>\\*\\_\\[x\\](y) | $1.00 |\n");
        let mut out = Vec::new();
        markdown(&hostile(), Delimiter::Spaced, &mut out).unwrap();
        let spaced = String::from_utf8(out).unwrap();
        assert_eq!(spaced, compact.replace("|---|---:|", "| --- | --: |"));
    }

    #[test]
    fn terminal_cells_cannot_carry_escape_sequences() {
        let mut g = hostile();
        g.rows[0][0] = "\u{1b}[2Jgone".into();
        let text = comfy(&g, Terminal::REPORT).to_string();
        assert!(!text.contains('\u{1b}'));
        assert!(text.contains("\\u{1b}[2Jgone"));
    }

    #[test]
    fn numbers_align_right_only_when_asked() {
        let mut g = Grid::new("t", &["k", "value"]);
        g.rows = vec![vec!["a".into(), "1".into()], vec!["b".into(), "1,000".into()]];
        let right = comfy(&g, Terminal::REPORT).to_string();
        let left = comfy(&g, Terminal::VERDICT).to_string();
        assert!(right.contains("┆     1 │"), "{right}");
        assert!(left.contains("┆ 1     │"), "{left}");
    }

    #[test]
    fn colour_keeps_the_columns_as_wide_as_without() {
        let mut g = Grid::new("t", &["status", "detail"]);
        g.rows = vec![vec!["FAIL".into(), "\u{1b}[31mfake".into()], vec!["pass".into(), "ok".into()]];
        g.tone = Some(|row, col| match (col, row[0].as_str()) {
            (0, "FAIL") => Tone::Bad,
            (0, _) => Tone::Good,
            _ => Tone::Plain,
        });
        let plain = comfy(&g, Terminal::VERDICT).to_string();
        let painted = comfy(&g, Terminal::VERDICT.painted(Paint::ON)).to_string();
        assert!(!plain.contains('\u{1b}'), "{plain}");
        assert!(painted.contains("\u{1b}[38;5;1m"), "{painted:?}");
        // Without the SGR codes the painted table is the plain one, byte for byte.
        let stripped: String = strip_sgr(&painted);
        assert_eq!(stripped, plain);
        // The log value's own ESC was escaped before any colour went on: it reads as text.
        assert!(stripped.contains("\\u{1b}[31mfake"), "{stripped}");
    }

    /// `text` without `ESC [ … m` sequences.
    fn strip_sgr(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                chars.by_ref().find(|&c| c == 'm');
            } else {
                out.push(c);
            }
        }
        out
    }
}
