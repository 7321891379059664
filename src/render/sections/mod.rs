//! The report laid out as titled grids of text, shared by the table-shaped formats (terminal
//! and Markdown) so both show the same sections with the same digits. One file per section.

mod spend;

use super::count;
use super::grid::Grid;
use crate::analyze::Report;

/// Lines above the grids: what was read, over which period, priced with what.
pub fn preamble(r: &Report) -> Vec<String> {
    // The period is kept in UTC; it reads in the zone the days and hours are counted in.
    let local =
        |t: &str| crate::time::rfc3339_ms(t).map_or_else(|| t.to_string(), |ms| r.time_zone.rfc3339(ms));
    let period = match (&r.period.from, &r.period.to) {
        (Some(f), Some(t)) => format!("{} → {} ({})", local(f), local(t), r.time_zone.name()),
        _ => "no calls".to_string(),
    };
    let mut lines = vec![
        format!("{} calls{}, {period}", count(r.totals.sums.calls), buckets(r.totals.aggregate_rows)),
        format!("pricing: {} (hash {})", r.pricing.source, r.pricing.hash),
    ];
    if let Some(at) = &r.pricing.as_of {
        lines.push(format!("every call priced as of {at} (--price-as-of)"));
    }
    lines
}

/// Says how many rows were usage-API buckets, when some were.
fn buckets(rows: u64) -> String {
    match rows {
        0 => String::new(),
        n => format!(" (counting the requests of {} pre-aggregated usage-API bucket rows)", count(n)),
    }
}

/// The renderer of each leak section is the module named as in the registry
/// (`analyze::sections::for_each_section!`), with a `grids` function for its type.
macro_rules! section_renderers {
    ($($variant:ident $module:ident $ty:ident $kind:ident [$($col:ident)*];)*) => {
        $(mod $module;)*

        /// Each wanted section's grids, in report order.
        fn section_grids(r: &Report) -> Vec<Vec<Grid>> {
            let s = &r.sections;
            [$(s.$module.as_ref().map($module::grids)),*].into_iter().flatten().collect()
        }
    };
}
crate::analyze::sections::for_each_section!(section_renderers);

pub fn grids(r: &Report) -> Vec<Grid> {
    let mut grids = spend::grids(r);
    let top = r.display_top.unwrap_or(usize::MAX);
    grids.extend(section_grids(r).into_iter().flatten().map(|g| cut(g, top)));
    grids
}

/// Keeps a section grid to `top` rows (plus its total row), saying how many were left out:
/// a `--by user` grid would otherwise list every user. JSON keeps every row.
fn cut(mut grid: Grid, top: usize) -> Grid {
    let total = if grid.total_row { grid.rows.pop() } else { None };
    if grid.rows.len() > top {
        let left_out = grid.rows.len() - top;
        grid.rows.truncate(top);
        grid.footer.insert(0, format!("… {left_out} more rows (raise --top, or see --format json)"));
    }
    grid.rows.extend(total);
    grid
}

/// Lines below the grids: the line account, rejects and notes.
pub fn epilogue(r: &Report) -> Vec<String> {
    let l = &r.lines;
    let mut account = format!(
        "lines: {} read = {} accepted + {} rejected",
        count(l.read),
        count(l.accepted),
        count(l.rejected)
    );
    if l.skipped + l.duplicates > 0 {
        account.push_str(&format!(
            " + {} without a call + {} repeating a call",
            count(l.skipped),
            count(l.duplicates)
        ));
    }
    account.push_str(&format!(" ({} blank skipped)", count(l.blank)));
    let mut lines = vec![account];
    if r.filtered_out > 0 {
        lines.push(format!("{} accepted calls outside --since/--until/--filter", count(r.filtered_out)));
    }
    if l.rejected > 0 {
        let shown = r.rejected.len() as u64;
        let more = if l.rejected > shown { format!(" (first {shown} shown)") } else { String::new() };
        lines.push(format!("rejected lines{more}:"));
        lines.extend(r.rejected.iter().map(|rej| format!("  {rej}")));
    }
    if !r.unpriced.is_empty() {
        lines.push(
            "—: no priced call in the group; *: the cost leaves out the group's unpriced calls".to_string(),
        );
    }
    lines.extend(r.notes.iter().map(|n| format!("note: {n}")));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_keeps_top_rows_and_the_total() {
        let mut g = Grid::new("t", &["k", "v"]);
        g.rows = (0..5).map(|i| vec![i.to_string(), String::new()]).collect();
        g.rows.push(vec!["(all)".into(), String::new()]);
        g.total_row = true;
        let g = cut(g, 2);
        let keys: Vec<&str> = g.rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(keys, ["0", "1", "(all)"]);
        assert!(g.footer[0].contains("3 more rows"));
        let short = cut(Grid::new("t", &["k"]), 2);
        assert!(short.footer.is_empty());
    }
}
