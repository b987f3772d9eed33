//! Shared styling and helpers of the plots.

use std::ops::Range;

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{NomogramError, Result};

/// Colour-blind-safe palette (Okabe and Ito, 2008), in series order.
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
    RGBColor(0, 0, 0),
];

/// Colour of series `i`.
pub(crate) fn series_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Light grey of the grid lines.
pub(crate) const GRID: RGBColor = RGBColor(225, 225, 225);

/// Font family registered from the embedded TTF.
pub(crate) const FONT: &str = "sans-serif";

/// Title, label and tick font sizes in pixels, scaled with the plot height.
pub(crate) struct FontSizes {
    pub title: f64,
    pub label: f64,
    pub tick: f64,
}

pub(crate) fn font_sizes(height: u32) -> FontSizes {
    let k = (f64::from(height) / 600.0).clamp(0.75, 2.5);
    FontSizes { title: 22.0 * k, label: 17.0 * k, tick: 14.0 * k }
}

/// Text style with anchor.
pub(crate) fn text_style(size: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    let mut style = TextStyle::from((FONT, size).into_font()).pos(Pos::new(h, v));
    style.color = color.to_backend_color();
    style
}

/// Draws `text` at pixel `pos` of `area`.
pub(crate) fn draw_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    plot: &str,
    text: &str,
    pos: (i32, i32),
    style: &TextStyle<'_>,
) -> Result<()> {
    area.draw(&Text::new(text.to_string(), pos, style.clone())).map_err(super::backend_error(plot))
}

/// Checks that `values` is finite and not empty.
pub(crate) fn check_series(plot: &str, what: &str, values: &[f64]) -> Result<()> {
    if values.is_empty() {
        return Err(NomogramError::Empty { what: format!("{plot}: {what}"), min: 1 });
    }
    crate::error::check_finite(&format!("{plot}: {what}"), values)
}

/// Smallest and largest finite value.
pub(crate) fn min_max(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)))
}

/// Pads a range so that it is never empty.
pub(crate) fn padded(lo: f64, hi: f64, fraction: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if hi - lo <= f64::EPSILON * lo.abs().max(1.0) {
        return (lo - 0.5, hi + 0.5);
    }
    let pad = (hi - lo) * fraction;
    (lo - pad, hi + pad)
}

/// Formats an axis value compactly.
pub(crate) fn fmt_axis(v: f64) -> String {
    crate::nomogram::format_tick((v * 1e6).round() / 1e6)
}

/// Formats a p-value as journals print it ("p < 0.001", "p = 0.013").
pub fn format_p_value(p: f64) -> String {
    if !p.is_finite() {
        "p = NA".into()
    } else if p < 0.001 {
        "p < 0.001".into()
    } else if p < 0.01 {
        format!("p = {p:.3}")
    } else {
        format!("p = {p:.2}")
    }
}

/// Draws a legend box of coloured squares and labels in the top-right corner of `rect`
/// (pixel bounds `(x0, y0, x1, y1)` of the plotting area).
pub(crate) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    plot: &str,
    entries: &[(String, RGBColor)],
    rect: (i32, i32, i32, i32),
    font: f64,
    corner: LegendCorner,
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let (x0, y0, x1, y1) = rect;
    let line_h = (font * 1.4) as i32;
    let text_w = entries.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(1) as f64 * font * 0.6;
    let box_w = (text_w + font * 2.6) as i32;
    let box_h = line_h * entries.len() as i32 + (font * 0.6) as i32;
    let (bx, by) = match corner {
        LegendCorner::TopRight => (x1 - box_w - 10, y0 + 10),
        LegendCorner::BottomLeft => (x0 + 10, y1 - box_h - 10),
        LegendCorner::TopLeft => (x0 + 10, y0 + 10),
    };
    area.draw(&Rectangle::new([(bx, by), (bx + box_w, by + box_h)], WHITE.mix(0.85).filled()))
        .map_err(super::backend_error(plot))?;
    area.draw(&Rectangle::new([(bx, by), (bx + box_w, by + box_h)], RGBColor(150, 150, 150).stroke_width(1)))
        .map_err(super::backend_error(plot))?;
    let style = text_style(font, BLACK, HPos::Left, VPos::Center);
    for (i, (label, color)) in entries.iter().enumerate() {
        let cy = by + (font * 0.3) as i32 + line_h * i as i32 + line_h / 2;
        let sx = bx + (font * 0.5) as i32;
        let sq = (font * 0.8) as i32;
        area.draw(&Rectangle::new(
            [(sx, cy - sq / 2), (sx + (font * 1.4) as i32, cy + sq / 2 - sq / 4)],
            color.filled(),
        ))
        .map_err(super::backend_error(plot))?;
        draw_text(area, plot, label, (sx + (font * 1.9) as i32, cy), &style)?;
    }
    Ok(())
}

/// Where a legend goes inside the plotting area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LegendCorner {
    TopRight,
    TopLeft,
    BottomLeft,
}

/// A chart with linear f64 axes on both sides.
pub(crate) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Builds the cartesian chart of a plot: `margin` px around it (24 on the right), an x label
/// area of 3.2 label heights, a y label area of `y_label_area` px and the title as caption
/// when it is not empty; the axes span `(x, y)`.
pub(crate) fn build_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    plot: &str,
    fs: &FontSizes,
    title: &str,
    margin: u32,
    y_label_area: u32,
    (x, y): (Range<f64>, Range<f64>),
) -> Result<Chart<'a, DB>> {
    let mut builder = ChartBuilder::on(area);
    builder.margin(margin).margin_right(24).x_label_area_size((fs.label * 3.2) as u32).y_label_area_size(y_label_area);
    if !title.is_empty() {
        builder.caption(title, (FONT, fs.title));
    }
    builder.build_cartesian_2d(x, y).map_err(super::backend_error(plot))
}

/// Draws the mesh of `chart`: grey major grid lines, no minor ones, axis titles `x_desc` and
/// `y_desc`, compact tick labels. `adjust` sets what a plot changes (label counts, no x grid).
pub(crate) fn draw_mesh<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    plot: &str,
    fs: &FontSizes,
    x_desc: &str,
    y_desc: &str,
    adjust: impl FnOnce(&mut MeshStyle<'_, '_, RangedCoordf64, RangedCoordf64, DB>),
) -> Result<()> {
    let mut mesh = chart.configure_mesh();
    mesh.bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|v| fmt_axis(*v))
        .y_label_formatter(&|v| fmt_axis(*v))
        .label_style((FONT, fs.tick))
        .axis_desc_style((FONT, fs.label));
    adjust(&mut mesh);
    mesh.draw().map_err(super::backend_error(plot))
}
