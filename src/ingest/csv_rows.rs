//! CSV rows from physical lines, so that no row can swallow the ones after it (#12). A row
//! ends at a newline outside quotes; a quoted cell may hold line breaks, so a row may span
//! several lines. A quote left open is told apart from a cell holding line breaks by where it
//! ends: a row whose quoted cell is still open at the end of the input, or after
//! `--max-line-bytes` bytes, or that spans lines and does not have the header's number of
//! cells, is an unterminated quote. That row is rejected at the line it starts on, naming the
//! column whose quote is open, and the lines it would have swallowed are read again, each a
//! row of its own (a quote left open on one of them rejects that line alone), so every line
//! stays in the account and no line is read more than twice.
//!
//! Lines are split on `\n` (a `\r` before it is dropped); an empty or all-blank line outside
//! a quoted cell is counted as blank. Cells are parsed by `csv_core` (RFC 4180: `""` inside
//! quotes is a quote), the parser under the `csv` crate.

use std::collections::VecDeque;
use std::io::BufRead;

use super::limits;
use super::record::Field;

/// One row's cells (valid UTF-8); its buffers are reused from row to row.
#[derive(Default)]
pub struct Row {
    text: String,
    /// Cell bytes as parsed (scratch: only `out` bytes are the row's).
    buf: Vec<u8>,
    out: usize,
    /// Where each cell ends in `buf` (scratch: only `cells` are the row's).
    ends: Vec<usize>,
    cells: usize,
    /// The line the row starts on, 1-based.
    pub line: u64,
    /// How many physical lines it spans.
    pub lines: u64,
}

impl Row {
    pub fn len(&self) -> usize {
        self.cells
    }

    pub fn is_empty(&self) -> bool {
        self.cells == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let ends = &self.ends[..self.cells];
        std::iter::once(0).chain(ends.iter().copied()).zip(ends).map(|(s, &e)| &self.text[s..e])
    }

    /// Bytes of cell text, for progress.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    fn clear(&mut self) {
        self.out = 0;
        self.cells = 0;
    }
}

/// What `Rows::next` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// A row, in the `Row` passed.
    Row,
    /// A line that holds nothing (counted apart, like a blank JSON line).
    Blank,
    /// A line rejected, with the column (0-based) the reason is about, if any.
    Bad {
        line: u64,
        column: Option<usize>,
        reason: String,
    },
    /// A line longer than the cap, skipped unread.
    TooLong {
        line: u64,
    },
    End,
}

/// Splits CSV text into rows; see the module doc.
pub struct Rows<R> {
    input: std::io::BufReader<limits::CappedLines<R>>,
    max: usize,
    core: csv_core::Reader,
    /// Lines read from the input so far.
    line_no: u64,
    /// Lines to read again one by one (after an unterminated quote), with their numbers.
    again: VecDeque<(u64, Vec<u8>)>,
    /// The lines of the row being read, or of the last row handed out, one after the other
    /// (each ending in `\n`, or cut at `max + 1` bytes; one buffer, reused row after row)…
    held: Vec<u8>,
    /// … and each one's number and end in `held`.
    held_lines: Vec<(u64, usize)>,
    /// Whether `held` is a row already handed out.
    held_done: bool,
    /// Cells expected per row (the header's), once known.
    width: Option<usize>,
    line: Vec<u8>,
}

impl<R: BufRead> Rows<R> {
    pub fn new(input: R, max: usize) -> Self {
        let core = csv_core::ReaderBuilder::new().terminator(csv_core::Terminator::Any(b'\n')).build();
        Rows {
            input: std::io::BufReader::new(limits::CappedLines::new(input, max)),
            max,
            core,
            line_no: 0,
            again: VecDeque::new(),
            held: Vec::new(),
            held_lines: Vec::new(),
            held_done: false,
            width: None,
            line: Vec::new(),
        }
    }

    /// The line cap (`--max-line-bytes`).
    pub fn max(&self) -> usize {
        self.max
    }

    /// Rows spanning lines must have `width` cells, else they are an unterminated quote.
    pub fn set_width(&mut self, width: usize) {
        self.width = Some(width);
    }

    /// The next row, blank line or rejected line.
    pub fn next(&mut self, row: &mut Row) -> std::io::Result<Next> {
        row.clear();
        if self.held_done {
            self.clear_held();
        }
        loop {
            let Some((line_no, again)) = self.next_line()? else {
                return Ok(match self.held_lines.first() {
                    None => Next::End,
                    Some(_) => {
                        let open_cell = Some(row.cells);
                        self.unterminated(row, open_cell, "at the end of the input")
                    }
                });
            };
            let open = !self.held_lines.is_empty();
            if !open && self.line.trim_ascii().is_empty() {
                return Ok(Next::Blank);
            }
            if self.line.strip_suffix(b"\n").unwrap_or(&self.line).len() > self.max {
                if open {
                    // Read again, this line is rejected as too long on its own.
                    self.held.extend_from_slice(&self.line);
                    self.held_lines.push((line_no, self.held.len()));
                    let when = format!("after {} bytes (--max-line-bytes)", self.max);
                    let open_cell = Some(row.cells);
                    return Ok(self.unterminated(row, open_cell, &when));
                }
                return Ok(Next::TooLong { line: line_no });
            }
            let content = self.line.strip_suffix(b"\n").unwrap_or(&self.line);
            let content = content.strip_suffix(b"\r").unwrap_or(content);
            let start = self.held.len();
            self.held.extend_from_slice(content);
            self.held.push(b'\n');
            self.held_lines.push((line_no, self.held.len()));
            let done = feed(&mut self.core, &self.held[start..], row);
            if done {
                return Ok(self.finish(row));
            }
            if again {
                // A line read again is a row of its own: an open quote on it is its own fault.
                let column = Some(row.cells);
                self.reset(row);
                self.clear_held();
                return Ok(Next::Bad {
                    line: line_no,
                    column,
                    reason: open_reason("at the end of this line"),
                });
            }
            if self.held.len() > self.max {
                let when = format!("after {} bytes (--max-line-bytes)", self.max);
                let open_cell = Some(row.cells);
                return Ok(self.unterminated(row, open_cell, &when));
            }
        }
    }

    /// Reads the header row (blank lines before it are counted in `blank`) and takes its
    /// width; `None` for an input with no row at all.
    pub fn header(&mut self, row: &mut Row, blank: &mut u64) -> anyhow::Result<Option<Vec<String>>> {
        loop {
            match self.next(row)? {
                Next::Blank => *blank += 1,
                Next::End => return Ok(None),
                Next::TooLong { .. } => {
                    anyhow::bail!("the CSV header is longer than {} bytes (--max-line-bytes)", self.max)
                }
                Next::Bad { line, reason, .. } => {
                    anyhow::bail!("line {line}: reading the CSV header: {reason}")
                }
                Next::Row => {
                    let names: Vec<String> = row.iter().map(|h| h.trim().to_string()).collect();
                    self.set_width(names.len());
                    return Ok(Some(names));
                }
            }
        }
    }

    /// Reads the last row's lines after its first again, each a row of its own: the caller
    /// rejected it, and a wrong row spanning lines is likelier a stray quote than a real cell.
    pub fn read_again(&mut self) {
        if self.held_done {
            self.queue_held();
        }
    }

    /// The next physical line into `self.line`: first the ones to read again.
    fn next_line(&mut self) -> std::io::Result<Option<(u64, bool)>> {
        if let Some((no, text)) = self.again.pop_front() {
            self.line = text;
            return Ok(Some((no, true)));
        }
        self.line.clear();
        if self.input.read_until(b'\n', &mut self.line)? == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        if self.line_no == 1 {
            // A byte-order mark is not part of the first cell (csv_core would drop it too,
            // but only at its first read, and a BOM-only line would then look like an open row).
            if let Some(rest) = self.line.strip_prefix(b"\xef\xbb\xbf") {
                self.line = rest.to_vec();
            }
        }
        Ok(Some((self.line_no, false)))
    }

    /// A finished row: checked and handed out, or an unterminated quote.
    fn finish(&mut self, row: &mut Row) -> Next {
        let spans = self.held_lines.len() as u64;
        if let Some(width) = self.width.filter(|&w| spans > 1 && w != row.cells) {
            let why = format!("(the row spans {spans} lines and has {} cells, not {width})", row.cells);
            // The stray quote opened the first cell holding a line break.
            let mut start = 0;
            let column = row.ends[..row.cells].iter().position(|&end| {
                let spans_lines = row.buf[start..end].contains(&b'\n');
                start = end;
                spans_lines
            });
            return self.unterminated(row, column, &why);
        }
        row.line = self.held_lines[0].0;
        row.lines = spans;
        self.held_done = true;
        match std::str::from_utf8(&row.buf[..row.out]) {
            Ok(text) => {
                row.text.clear();
                row.text.push_str(text);
                Next::Row
            }
            Err(e) => {
                let column = row.ends[..row.cells].iter().position(|&end| end > e.valid_up_to());
                if spans > 1 {
                    self.queue_held();
                }
                Next::Bad { line: row.line, column, reason: "invalid UTF-8".to_string() }
            }
        }
    }

    /// Rejects the held row at its first line and queues the lines after it to be read again.
    fn unterminated(&mut self, row: &mut Row, column: Option<usize>, when: &str) -> Next {
        self.reset(row);
        let line = self.queue_held();
        Next::Bad { line, column, reason: open_reason(when) }
    }

    /// Queues the held lines after the first to be read next, in order; the first's number.
    fn queue_held(&mut self) -> u64 {
        let (line, mut start) = self.held_lines[0];
        for (i, &(no, end)) in self.held_lines[1..].iter().enumerate() {
            self.again.insert(i, (no, self.held[start..end].to_vec()));
            start = end;
        }
        self.clear_held();
        line
    }

    fn clear_held(&mut self) {
        self.held.clear();
        self.held_lines.clear();
        self.held_done = false;
    }

    fn reset(&mut self, row: &mut Row) {
        self.core.reset();
        row.clear();
    }
}

/// Feeds one line to the parser; true when it ended the row.
fn feed(core: &mut csv_core::Reader, mut input: &[u8], row: &mut Row) -> bool {
    use csv_core::ReadRecordResult::*;
    if row.buf.len() < row.out + input.len() {
        row.buf.resize(row.out + input.len(), 0);
    }
    if row.ends.len() < 8 {
        row.ends.resize(8, 0);
    }
    loop {
        let (res, nin, nout, nend) =
            core.read_record(input, &mut row.buf[row.out..], &mut row.ends[row.cells..]);
        // Cell ends count from the row's first byte (csv_core keeps the offset).
        row.out += nout;
        row.cells += nend;
        input = &input[nin..];
        match res {
            Record => return true,
            InputEmpty | End if input.is_empty() => return false,
            OutputFull => row.buf.resize(row.buf.len() * 2 + 8, 0),
            OutputEndsFull => row.ends.resize(row.ends.len() * 2, 0),
            InputEmpty | End => {}
        }
    }
}

/// The canonical field a rejected cell is in, and the reason naming its column.
pub fn cell_reject(
    headers: &[String],
    column: Option<usize>,
    reason: String,
) -> (Option<&'static str>, String) {
    let Some(c) = column else { return (None, reason) };
    match headers.get(c) {
        Some(name) => match Field::from_name(name) {
            Some(field) => (Some(field.name()), format!("column {}: {reason}", c + 1)),
            None => (None, format!("column {} ({name:?}): {reason}", c + 1)),
        },
        None => (None, format!("column {} (past the header's {}): {reason}", c + 1, headers.len())),
    }
}

fn open_reason(when: &str) -> String {
    format!("unterminated quoted cell: its quote is still open {when}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each thing `Rows` finds in `text` (width 3 after the header), rows as their line,
    /// span and cells joined by `|`.
    fn split(text: &str, max: usize) -> Vec<String> {
        let mut rows = Rows::new(text.as_bytes(), max);
        let mut row = Row::default();
        let mut blank = 0;
        let header = rows.header(&mut row, &mut blank).unwrap().unwrap();
        let mut out = vec![format!("header {} after {blank} blank", header.join("|"))];
        loop {
            out.push(match rows.next(&mut row).unwrap() {
                Next::End => return out,
                Next::Blank => "blank".to_string(),
                Next::TooLong { line } => format!("{line}: too long"),
                Next::Bad { line, column, reason } => format!("{line}: bad {column:?} {reason}"),
                Next::Row => {
                    format!("{}+{}: {}", row.line, row.lines, row.iter().collect::<Vec<_>>().join("|"))
                }
            });
        }
    }

    #[test]
    fn rows_blank_lines_crlf_bom_and_quoted_line_breaks() {
        let text = "\u{feff}a,b,c\r\n1,\"x,\"\"y\"\"\",3\r\n\n  \n4,\"two\nlines\",6\n7,8,9";
        assert_eq!(
            split(text, 100),
            [
                "header a|b|c after 0 blank",
                "2+1: 1|x,\"y\"|3",
                "blank",
                "blank",
                "5+2: 4|two\nlines|6",
                "7+1: 7|8|9",
            ]
        );
    }

    /// The issue's case: `a,"oops` and three good rows after it. The quote never closes, so
    /// line 2 is rejected (column 2 is the open one) and lines 3–5 are rows: 1 + 3 + header
    /// = 5 lines, all accounted for (#12).
    #[test]
    fn an_unterminated_quote_rejects_its_row_only_r12() {
        let text = "a,b,c\na,\"oops\n1,2,3\n4,5,6\n7,8,9\n";
        assert_eq!(
            split(text, 100),
            [
                "header a|b|c after 0 blank",
                "2: bad Some(1) unterminated quoted cell: its quote is still open at the end of the input",
                "3+1: 1|2|3",
                "4+1: 4|5|6",
                "5+1: 7|8|9",
            ]
        );
    }

    /// A later quote closes the stray one: the row spans lines 2–4 and has 4 cells (x, then
    /// `oops␤1,2,3␤4,5`, 6, 7), not the header's 3, so it is rejected at line 2 naming the
    /// cell that spans lines (column 2), and lines 3 and 4 are read again on their own:
    /// line 3 is a row, line 4's own quote is open at its end (#12).
    #[test]
    fn a_row_spanning_lines_with_the_wrong_width_is_a_stray_quote_r12() {
        let text = "a,b,c\nx,\"oops\n1,2,3\n4,\"5,6,7\n7,8,9\n";
        assert_eq!(
            split(text, 100),
            [
                "header a|b|c after 0 blank",
                "2: bad Some(1) unterminated quoted cell: its quote is still open (the row spans 3 lines and has 4 cells, not 3)",
                "3+1: 1|2|3",
                "4: bad Some(1) unterminated quoted cell: its quote is still open at the end of this line",
                "5+1: 7|8|9",
            ]
        );
    }

    #[test]
    fn read_again_gives_back_the_lines_of_a_rejected_row() {
        let text = "a,b\nx,\"oops\n1,2\n3,\"4\n";
        let mut rows = Rows::new(text.as_bytes(), 100);
        let mut row = Row::default();
        rows.header(&mut row, &mut 0).unwrap();
        assert_eq!(rows.next(&mut row).unwrap(), Next::Row);
        assert_eq!((row.line, row.lines, row.len()), (2, 3, 2), "x | oops\\n1,2\\n3,4");
        rows.read_again();
        assert_eq!(rows.next(&mut row).unwrap(), Next::Row);
        assert_eq!((row.line, row.lines, row.iter().collect::<Vec<_>>()), (3, 1, vec!["1", "2"]));
        assert!(matches!(rows.next(&mut row).unwrap(), Next::Bad { line: 4, column: Some(1), .. }));
        assert_eq!(rows.next(&mut row).unwrap(), Next::End);
    }

    /// Over the cap a quote still open is a stray one; a line over the cap inside it is
    /// rejected on its own when read again.
    #[test]
    fn an_open_quote_stops_at_the_line_cap_r12() {
        let text = "a,b,c\n1,\"x\n2,2,2\n3,3,3\n4,4,4\n";
        let got = split(text, 12);
        assert_eq!(got[1], "2: bad Some(1) unterminated quoted cell: its quote is still open after 12 bytes (--max-line-bytes)");
        assert_eq!(got[2..], ["3+1: 2|2|2", "4+1: 3|3|3", "5+1: 4|4|4"]);
        let text = format!("a,b,c\n1,\"x\n{}\n4,4,4\n", "z".repeat(50));
        assert_eq!(split(&text, 12)[2..], ["3: too long", "4+1: 4|4|4"]);
    }

    /// Lines that each keep a quote open whichever state they start in (`a","`): each is
    /// read at most twice, so the work stays linear (1,000 lines, 1,000 rejects).
    #[test]
    fn lines_that_all_leave_a_quote_open_are_each_one_reject() {
        let text = format!("a,b\n{}", "a\",\"\n".repeat(1000));
        let got = split(&text, 1 << 20);
        assert_eq!(got.len(), 1001);
        // Its open cell is the 1001st: each `",` on the way closed one.
        assert!(got[1].starts_with("2: bad Some(1000) unterminated quoted cell"), "{}", got[1]);
        assert!(got[1000].starts_with("1001: bad"), "{}", got[1000]);
    }

    #[test]
    fn invalid_utf8_names_its_column() {
        let mut rows = Rows::new(&b"a,b\nok,\xff\n"[..], 100);
        let mut row = Row::default();
        rows.header(&mut row, &mut 0).unwrap();
        assert_eq!(
            rows.next(&mut row).unwrap(),
            Next::Bad { line: 2, column: Some(1), reason: "invalid UTF-8".to_string() }
        );
    }
}
