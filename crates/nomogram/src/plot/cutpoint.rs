//! Cut-point plot: the log-rank statistic over candidate cuts with the chosen cut.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::Plot;
use super::common::{
    build_chart, draw_mesh, draw_text, fmt_axis, font_sizes, min_max, padded, series_color, text_style,
};
use crate::error::{NomogramError, Result, check_finite, check_len};

/// Rounds to `digits` significant digits for labels.
fn round_significant(v: f64, digits: i32) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(digits - 1 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

/// Standardised log-rank statistic (or chi-square) against candidate cut-off values.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CutpointPlot {
    /// Plot title (may be empty).
    pub title: String,
    /// X axis title with unit, e.g. "Radiomics score cut-off".
    pub x_label: String,
    /// Y axis title, e.g. "Standardised log-rank statistic".
    pub y_label: String,
    /// Candidate cuts, increasing.
    pub cuts: Vec<f64>,
    /// Statistic at each cut.
    pub statistics: Vec<f64>,
    /// The chosen cut; must lie within the candidate range.
    pub chosen: f64,
    /// Optional critical value drawn as a horizontal line (e.g. maxstat's 95% quantile).
    pub critical_value: Option<f64>,
}

impl Plot for CutpointPlot {
    fn name(&self) -> &str {
        "cut-point plot"
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let name = self.name();
        if self.cuts.len() < 2 {
            return Err(NomogramError::Empty { what: format!("{name}: candidate cuts"), min: 2 });
        }
        check_len("cut-point statistics", &self.statistics, self.cuts.len(), "candidate cut")?;
        check_finite("candidate cuts", &self.cuts)?;
        check_finite("cut-point statistics", &self.statistics)?;
        let (c_lo, c_hi) = min_max(self.cuts.iter().copied());
        if !(self.chosen.is_finite() && self.chosen >= c_lo && self.chosen <= c_hi) {
            return Err(NomogramError::InvalidValue {
                what: "chosen cut-off".into(),
                value: self.chosen,
                reason: format!("must lie within the candidate cuts [{c_lo}, {c_hi}]"),
            });
        }
        let err = super::backend_error(name);
        let (_, height) = area.dim_in_pixel();
        let fs = font_sizes(height);
        let (x_lo, x_hi) = padded(c_lo, c_hi, 0.03);
        let (s_lo, s_hi) = min_max(self.statistics.iter().copied().chain(self.critical_value));
        let (y_lo, y_hi) = padded(s_lo.min(0.0), s_hi, 0.08);
        let mut chart =
            build_chart(area, name, &fs, &self.title, 14, (fs.tick * 5.0) as u32, (x_lo..x_hi, y_lo..y_hi))?;
        draw_mesh(&mut chart, name, &fs, &self.x_label, &self.y_label, |_| {})?;
        let grey = RGBColor(110, 110, 110);
        if let Some(c) = self.critical_value {
            chart
                .draw_series(std::iter::once(PathElement::new(vec![(x_lo, c), (x_hi, c)], grey.stroke_width(1))))
                .map_err(&err)?;
        }
        let color = series_color(0);
        let mut pts: Vec<(f64, f64)> = self.cuts.iter().copied().zip(self.statistics.iter().copied()).collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        chart.draw_series(std::iter::once(PathElement::new(pts.clone(), color.stroke_width(2)))).map_err(&err)?;
        chart
            .draw_series(pts.iter().map(|p| Circle::new(*p, (fs.tick * 0.22) as i32, color.filled())))
            .map_err(&err)?;
        let chosen_color = series_color(1);
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(self.chosen, y_lo), (self.chosen, y_hi)],
                chosen_color.stroke_width(1),
            )))
            .map_err(&err)?;
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let px = xr.start + (((self.chosen - x_lo) / (x_hi - x_lo)) * f64::from(xr.end - xr.start)) as i32;
        let right_half = px > (xr.start + xr.end) / 2;
        let style = text_style(fs.tick, chosen_color, if right_half { HPos::Right } else { HPos::Left }, VPos::Top);
        draw_text(
            area,
            name,
            &format!("chosen cut = {}", fmt_axis(round_significant(self.chosen, 4))),
            (px + if right_half { -6 } else { 6 }, yr.start + 6),
            &style,
        )?;
        if let Some(c) = self.critical_value {
            let cy = yr.start + (((y_hi - c) / (y_hi - y_lo)) * f64::from(yr.end - yr.start)) as i32;
            draw_text(
                area,
                name,
                &format!("critical value {}", fmt_axis((c * 1000.0).round() / 1000.0)),
                (xr.end - 6, cy - 4),
                &text_style(fs.tick, grey, HPos::Right, VPos::Bottom),
            )?;
        }
        Ok(())
    }
}
