//! report.html: one self-contained page (inline CSS and SVG, no script, font or network
//! fetch) with the review's tables and charts, laid out to print to PDF. Every text from the
//! logs is HTML-escaped; the charts' SVG is escaped by plotters.

use std::fmt::Write as _;

use anyhow::Result;

use super::charts::{self, Series};
use super::summary::review_grids;
use super::Export;
use crate::render::escape;
use crate::render::grid::Grid;
use crate::render::key_label;
use crate::render::sections::{epilogue, preamble};

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1000px;color:#111;padding:0 16px}
h1{font-size:28px;margin-bottom:4px}h2{font-size:20px;margin:28px 0 8px;border-bottom:1px solid #ccc;padding-bottom:4px}
ul.meta{color:#444;padding-left:18px}
table{border-collapse:collapse;margin:8px 0;font-size:14px;width:100%}
th,td{border:1px solid #d0d0d0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr:nth-child(even) td{background:#fafafa}
p.note{color:#444;font-size:13px;margin:4px 0}
figure{margin:16px 0}svg{max-width:100%;height:auto;display:block}
@media print{body{margin:0;max-width:none}figure,table{break-inside:avoid}h2{break-after:avoid}}
";

pub fn render(e: &Export) -> Result<Vec<u8>> {
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>LLM cost review</title>\n");
    let _ =
        writeln!(h, "<style>{STYLE}</style>\n</head>\n<body>\n<h1>LLM cost review</h1>\n<ul class=\"meta\">");
    for line in preamble(e.report) {
        let _ = writeln!(h, "<li>{}</li>", escape::html(&line));
    }
    if let Some(at) = &e.generated_at {
        let _ = writeln!(
            h,
            "<li>generated at {} by {}</li>",
            escape::html(at),
            escape::html(&e.report.generator)
        );
    }
    h.push_str("</ul>\n");
    let mut grids = review_grids(e).into_iter();
    if let Some(headline) = grids.next() {
        grid(&mut h, &headline);
    }
    h.push_str("<h2>Charts</h2>\n");
    for svg in charts_of(e)? {
        let _ = writeln!(h, "<figure>{svg}</figure>");
    }
    grids.for_each(|g| grid(&mut h, &g));
    h.push_str("<h2>Lines read</h2>\n<ul class=\"meta\">\n");
    for line in epilogue(e.report) {
        let _ = writeln!(h, "<li>{}</li>", escape::html(line.trim_start()));
    }
    h.push_str("</ul>\n</body>\n</html>\n");
    Ok(h.into_bytes())
}

fn grid(h: &mut String, g: &Grid) {
    let _ = writeln!(h, "<h2>{}</h2>\n<table>\n<thead><tr>", escape::html(&g.title));
    let class = |i: usize| if g.is_numeric(i) { " class=\"n\"" } else { "" };
    for (i, head) in g.headers.iter().enumerate() {
        let _ = write!(h, "<th{}>{}</th>", class(i), escape::html(head));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for row in &g.rows {
        h.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let _ = write!(h, "<td{}>{}</td>", class(i), escape::html(cell));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
    for line in &g.footer {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", escape::html(line));
    }
}

/// The charts the data allows, in page order.
fn charts_of(e: &Export) -> Result<Vec<String>> {
    const TOP: usize = 12;
    let r = e.report;
    let mut out = Vec::new();
    if let Some(stack) = e.daily.as_ref().filter(|s| !s.days.is_empty()) {
        out.push(charts::daily(stack)?);
    }
    if let Some(x) = r.sections.savings.as_ref() {
        // Where to save, ranked: each lever alone (the what-if on prices is not a fix).
        let levers: Vec<_> =
            x.levers.iter().filter(|l| l.in_combined && l.saved_usd.to_f64() > 0.0).collect();
        if !levers.is_empty() {
            let labels = levers.iter().map(|l| l.title.to_string()).collect::<Vec<_>>();
            let values = levers.iter().map(|l| l.saved_usd.to_f64()).collect();
            out.push(charts::hbars(
                "Where to save: each lever alone (USD this period)",
                "saved (USD)",
                &labels,
                &[Series { name: "saved".into(), values }],
                false,
            )?);
        }
    }
    if let Some(p) = r.sections.pareto.as_ref().filter(|p| p.route.curve.len() > 1) {
        out.push(charts::pareto(&p.route, "routes")?);
    }
    if let Some(c) = r.sections.cache.as_ref().filter(|c| !c.routes.is_empty()) {
        let rows: Vec<_> = c.routes.iter().take(TOP).collect();
        let labels = rows.iter().map(|g| key_label(&g.route).to_string()).collect::<Vec<_>>();
        let values = rows.iter().map(|g| g.stats.token_hit_rate.unwrap_or(0.0) * 100.0).collect();
        let title = format!("Prompt-cache token hit rate by {}", c.group_by);
        out.push(charts::hbars(
            &title,
            "cache-read tokens (% of input tokens)",
            &labels,
            &[Series { name: "hit rate".into(), values }],
            true,
        )?);
    }
    if let Some((_, b)) =
        e.tables.iter().find(|(stem, _)| stem == "by_feature").filter(|(_, b)| !b.rows.is_empty())
    {
        let rows: Vec<_> = b.rows.iter().take(TOP).collect();
        let labels = rows.iter().map(|row| key_label(&row.key).to_string()).collect::<Vec<_>>();
        let values = rows.iter().map(|row| row.sums.cost.to_f64()).collect();
        out.push(charts::hbars(
            "Cost by feature (USD)",
            "cost (USD)",
            &labels,
            &[Series { name: "cost".into(), values }],
            false,
        )?);
    }
    if let Some(svg) = retry_fallback(e, TOP)? {
        out.push(svg);
    }
    Ok(out)
}

/// Failed attempts that were retried, and calls on a fallback model, per route.
fn retry_fallback(e: &Export, top: usize) -> Result<Option<String>> {
    let (Some(rt), Some(fb)) = (e.report.sections.retries.as_ref(), e.report.sections.fallbacks.as_ref())
    else {
        return Ok(None);
    };
    let mut keys: Vec<Option<String>> =
        rt.routes.iter().filter(|g| g.figures.failed_cost_usd.atto() > 0).map(|g| g.route.clone()).collect();
    for g in fb.routes.iter().filter(|g| g.figures.escalated_cost_usd.atto() > 0) {
        if !keys.contains(&g.route) {
            keys.push(g.route.clone());
        }
    }
    keys.truncate(top);
    if keys.is_empty() {
        return Ok(None);
    }
    let retry = keys
        .iter()
        .map(|k| rt.routes.iter().find(|g| g.route == *k).map_or(0.0, |g| g.figures.failed_cost_usd.to_f64()))
        .collect();
    let fall = keys
        .iter()
        .map(|k| {
            fb.routes.iter().find(|g| g.route == *k).map_or(0.0, |g| g.figures.escalated_cost_usd.to_f64())
        })
        .collect();
    let labels: Vec<String> = keys.iter().map(|k| key_label(k).to_string()).collect();
    let series = [
        Series { name: "failed attempts that were retried".into(), values: retry },
        Series { name: "calls on a fallback model".into(), values: fall },
    ];
    let title = format!("Retry and fallback cost by {} (USD)", rt.group_by);
    charts::hbars(&title, "cost (USD)", &labels, &series, false).map(Some)
}
