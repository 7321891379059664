//! The report's charts as SVG strings drawn with plotters' SVG backend: daily spend stacked by
//! model, the Pareto curve, cache hit rate per route, cost by feature, retry and fallback cost
//! by route. plotters escapes text; labels from the logs are also cut to a readable length.

use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::analyze::review::period::DailyStack;
use crate::analyze::sections::pareto::Dist;
use crate::render::escape;

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type DrawResult = std::result::Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Okabe–Ito: distinguishable in colour, for colour-blind readers and in greyscale print.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(240, 228, 66),
    RGBColor(153, 153, 153),
];
const WIDTH: u32 = 960;
const FONT: &str = "sans-serif";

/// Draws into a fresh SVG of `height` pixels.
fn svg(height: u32, draw: impl FnOnce(&Area) -> DrawResult) -> Result<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow!("chart: {e}"))?;
        draw(&root).map_err(|e| anyhow!("chart: {e}"))?;
        root.present().map_err(|e| anyhow!("chart: {e}"))?;
    }
    Ok(out)
}

/// A label from the logs, its control characters shown (`\u{1b}`: plotters escapes markup,
/// not those), cut to `max` characters.
fn short(label: &str, max: usize) -> String {
    let label = escape::terminal(label);
    if label.chars().count() <= max {
        return label;
    }
    let cut: String = label.chars().take(max - 1).collect();
    format!("{cut}…")
}

/// Daily spend as bars stacked by model, with a legend.
pub fn daily(stack: &DailyStack) -> Result<String> {
    let n = stack.days.len().max(1);
    let totals: Vec<f64> =
        (0..stack.days.len()).map(|d| stack.series.iter().map(|s| s.1[d].to_f64()).sum()).collect();
    let y_max = totals.iter().copied().fold(0.0, f64::max).max(1e-9) * 1.1;
    svg(420, |root| {
        let (plot, key) = root.split_horizontally(WIDTH - 250);
        let caption = format!("Daily spend by model (USD per day, {})", stack.zone.name());
        let mut chart = ChartBuilder::on(&plot)
            .caption(caption, (FONT, 22))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(80)
            .build_cartesian_2d(0f64..n as f64, 0f64..y_max)?;
        let days = stack.days.clone();
        let step = n.div_ceil(12).max(1);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.min(40))
            .x_label_formatter(&|x| label_at(&days, *x, step))
            .y_label_formatter(&|y| format!("${y:.2}"))
            .x_desc(format!("day ({})", stack.zone.name()))
            .y_desc("spend (USD)")
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()?;
        let mut base = vec![0.0; stack.days.len()];
        for (i, (_, costs)) in stack.series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let bars: Vec<Rectangle<(f64, f64)>> = costs
                .iter()
                .enumerate()
                .map(|(d, c)| {
                    let (lo, hi) = (base[d], base[d] + c.to_f64());
                    base[d] = hi;
                    Rectangle::new([(d as f64 + 0.1, lo), (d as f64 + 0.9, hi)], color.filled())
                })
                .collect();
            chart.draw_series(bars)?;
        }
        side_legend(&key, stack.series.iter().map(|s| s.0.as_str()))
    })
}

/// A legend in its own area beside the plot, so it never hides a bar.
fn side_legend<'a>(area: &Area, names: impl Iterator<Item = &'a str>) -> DrawResult {
    let style = (FONT, 14).into_text_style(area).pos(Pos::new(HPos::Left, VPos::Center));
    area.draw(&Text::new(
        "model",
        (8, 56),
        (FONT, 15).into_text_style(area).pos(Pos::new(HPos::Left, VPos::Center)),
    ))?;
    for (i, name) in names.enumerate() {
        let y = 82 + i as i32 * 24;
        area.draw(&Rectangle::new([(8, y - 7), (22, y + 7)], PALETTE[i % PALETTE.len()].filled()))?;
        area.draw(&Text::new(short(name, 28), (30, y), style.clone()))?;
    }
    Ok(())
}

fn label_at(days: &[String], x: f64, step: usize) -> String {
    let i = x.floor() as usize;
    match days.get(i) {
        Some(d) if (x - i as f64).abs() < 1e-9 && i.is_multiple_of(step) => {
            d.get(5..).unwrap_or(d).to_string()
        }
        _ => String::new(),
    }
}

fn legend<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    at: SeriesLabelPosition,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(at)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font((FONT, 14))
        .draw()
        .map_err(|e| format!("{e}").into())
}

/// The Pareto curve: share of cost against share of items, costliest first.
pub fn pareto(dist: &Dist, items: &str) -> Result<String> {
    let points: Vec<(f64, f64)> = dist.curve.iter().map(|[x, y]| (x * 100.0, y * 100.0)).collect();
    svg(420, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(format!("Pareto curve: share of cost by share of {items}"), (FONT, 22))
            .margin(12)
            .margin_right(36)
            .x_label_area_size(48)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..100f64, 0f64..100f64)?;
        chart
            .configure_mesh()
            .x_desc(format!("{items}, costliest first (% of {items})"))
            .y_desc("cumulative cost (% of total)")
            .x_label_formatter(&|x| format!("{x:.0}%"))
            .y_label_formatter(&|y| format!("{y:.0}%"))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()?;
        let target = dist.target_share * 100.0;
        chart
            .draw_series(LineSeries::new([(0.0, target), (100.0, target)], BLACK.mix(0.4).stroke_width(1)))?;
        chart
            .draw_series(LineSeries::new(points, PALETTE[0].stroke_width(3)))?
            .label(format!("{:.1}% of {items} make {target:.0}% of cost", dist.share_of_items * 100.0))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], PALETTE[0].stroke_width(3)));
        legend(&mut chart, SeriesLabelPosition::LowerRight)
    })
}

/// One series of a horizontal bar chart: name, one value per category, colour index.
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// Horizontal bars, one group per category (several series side by side), labels at the left.
pub fn hbars(
    title: &str,
    x_desc: &str,
    categories: &[String],
    series: &[Series],
    percent: bool,
) -> Result<String> {
    let n = categories.len().max(1);
    let height = (120 + n * 34 * series.len().max(1)).max(260) as u32;
    let x_max = series.iter().flat_map(|s| &s.values).copied().fold(0.0, f64::max).max(if percent {
        100.0
    } else {
        1e-9
    });
    let x_max = if percent { 100.0 } else { x_max * 1.3 };
    svg(height, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 22))
            .margin(12)
            .margin_right(36)
            .x_label_area_size(48)
            .y_label_area_size(230)
            .build_cartesian_2d(0f64..x_max, 0f64..n as f64)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_desc(x_desc)
            .x_label_formatter(&|x| if percent { format!("{x:.0}%") } else { format!("${x:.2}") })
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()?;
        let band = 0.8 / series.len().max(1) as f64;
        for (s_i, s) in series.iter().enumerate() {
            let color = PALETTE[s_i % PALETTE.len()];
            let bars = s.values.iter().enumerate().map(|(c, v)| {
                let top = n as f64 - c as f64 - 0.1 - band * s_i as f64;
                Rectangle::new([(0.0, top - band), (*v, top)], color.filled())
            });
            let drawn = chart.draw_series(bars)?;
            if series.len() > 1 {
                drawn
                    .label(escape::terminal(&s.name))
                    .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], color.filled()));
            }
        }
        let style = (FONT, 14).into_text_style(root).pos(Pos::new(HPos::Right, VPos::Center));
        for (c, label) in categories.iter().enumerate() {
            let (_, y) = chart.backend_coord(&(0.0, n as f64 - c as f64 - 0.5));
            root.draw(&Text::new(short(label, 30), (232, y), style.clone()))?;
        }
        if series.len() > 1 {
            legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_text_is_escaped() {
        let svg = hbars(
            "t",
            "USD",
            &["<script>alert(1)</script>".into()],
            &[Series { name: "a&b".into(), values: vec![1.0] }],
            false,
        )
        .unwrap();
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"));
        let svg = hbars(
            "t",
            "USD",
            &["r\u{1b}[2J".into()],
            &[Series { name: "m\u{7}".into(), values: vec![1.0] }],
            true,
        )
        .unwrap();
        assert!(!svg.contains(['\u{1b}', '\u{7}']), "{svg}");
    }

    #[test]
    fn long_labels_are_cut() {
        assert_eq!(short("abcdef", 4), "abc…");
        assert_eq!(short("abc", 4), "abc");
    }
}
