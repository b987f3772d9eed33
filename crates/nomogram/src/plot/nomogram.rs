//! Drawing of an rms-style nomogram.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::Plot;
use super::common::{draw_text, fmt_axis, font_sizes, text_style};
use crate::error::Result;
use crate::nomogram::Nomogram;
use crate::pretty::pretty;

/// A nomogram drawing: the points ruler, one axis per covariate, total points, the linear
/// predictor and one survival axis per time. Covariate axes share the points scale
/// (0 to `max_scale`); the total points, linear predictor and survival axes share the total
/// points scale, as `plot.nomogram` in rms draws them.
#[derive(Debug, Clone)]
pub struct NomogramPlot<'a> {
    /// The computed nomogram.
    pub nomogram: &'a Nomogram,
    /// Plot title (may be empty).
    pub title: String,
    /// Whether to draw the linear predictor axis.
    pub show_linear_predictor: bool,
}

struct Row {
    label: String,
    /// (position on its scale, tick label)
    ticks: Vec<(f64, String)>,
    total_scale: bool,
    color: RGBColor,
}

impl NomogramPlot<'_> {
    fn rows(&self) -> Vec<Row> {
        let nom = self.nomogram;
        let mut rows = Vec::new();
        let ruler = pretty(0.0, nom.max_scale, 10);
        rows.push(Row {
            label: "Points".into(),
            ticks: ruler.iter().map(|&p| (p, fmt_axis(p))).collect(),
            total_scale: false,
            color: BLACK,
        });
        for axis in &nom.covariates {
            rows.push(Row {
                label: axis.label.clone(),
                ticks: axis.points.iter().copied().zip(axis.value_labels.iter().cloned()).collect(),
                total_scale: false,
                color: RGBColor(0, 114, 178),
            });
        }
        rows.push(Row {
            label: "Total points".into(),
            ticks: nom.total_points_axis.iter().map(|&p| (p, fmt_axis(p))).collect(),
            total_scale: true,
            color: BLACK,
        });
        if self.show_linear_predictor {
            let lp = &nom.linear_predictor_axis;
            rows.push(Row {
                label: lp.label.clone(),
                ticks: lp.points.iter().copied().zip(lp.values.iter().map(|&v| fmt_axis(v))).collect(),
                total_scale: true,
                color: RGBColor(120, 120, 120),
            });
        }
        for axis in &nom.survival_axes {
            rows.push(Row {
                label: axis.label.clone(),
                ticks: axis.points.iter().copied().zip(axis.values.iter().map(|&v| fmt_axis(v))).collect(),
                total_scale: true,
                color: RGBColor(213, 94, 0),
            });
        }
        rows
    }
}

impl Plot for NomogramPlot<'_> {
    fn name(&self) -> &str {
        "nomogram plot"
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let name = self.name();
        let err = super::backend_error(name);
        let (width, height) = area.dim_in_pixel();
        let fs = font_sizes(height.min(width * 3 / 4));
        let rows = self.rows();
        let title_h = if self.title.is_empty() { 10 } else { (fs.title * 2.0) as i32 };
        if !self.title.is_empty() {
            let style = text_style(fs.title, BLACK, HPos::Center, VPos::Center);
            draw_text(area, name, &self.title, (width as i32 / 2, title_h / 2), &style)?;
        }
        let label_w = rows.iter().map(|r| r.label.chars().count()).max().unwrap_or(6) as f64 * fs.label * 0.58;
        let x0 = (label_w + 24.0) as i32;
        let x1 = width as i32 - (fs.tick * 2.0) as i32;
        let row_h = (height as i32 - title_h - 10) / rows.len() as i32;
        let points_max = self.nomogram.max_scale;
        let total_max = self.nomogram.total_points_axis.iter().copied().fold(points_max, f64::max);
        let to_px = |v: f64, total: bool| {
            let m = if total { total_max } else { points_max };
            x0 + ((v / m) * f64::from(x1 - x0)).round() as i32
        };
        let tick_len = (fs.tick * 0.5) as i32;
        let label_style = text_style(fs.label, BLACK, HPos::Right, VPos::Center);

        for (r, row) in rows.iter().enumerate() {
            let y = title_h + row_h * r as i32 + (row_h as f64 * 0.62) as i32;
            draw_text(area, name, &row.label, (x0 - 16, y), &label_style)?;
            if row.ticks.is_empty() {
                continue;
            }
            let (lo, hi) =
                row.ticks.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), t| (a.min(t.0), b.max(t.0)));
            area.draw(&PathElement::new(
                vec![(to_px(lo, row.total_scale), y), (to_px(hi, row.total_scale), y)],
                row.color.stroke_width(2),
            ))
            .map_err(&err)?;
            // Ticks in increasing position; a label overlapping the previous one is skipped.
            let mut ticks: Vec<&(f64, String)> = row.ticks.iter().collect();
            ticks.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut last_right = i32::MIN;
            let tick_style = text_style(fs.tick, row.color, HPos::Center, VPos::Bottom);
            for (pos, text) in ticks {
                let px = to_px(*pos, row.total_scale);
                area.draw(&PathElement::new(vec![(px, y), (px, y - tick_len)], row.color.stroke_width(1)))
                    .map_err(&err)?;
                let half = (text.chars().count() as f64 * fs.tick * 0.3) as i32;
                if px - half > last_right + 4 {
                    draw_text(area, name, text, (px, y - tick_len - 2), &tick_style)?;
                    last_right = px + half;
                }
            }
        }
        Ok(())
    }
}
