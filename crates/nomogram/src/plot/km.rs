//! Kaplan-Meier curves with confidence bands, censoring marks, a number-at-risk table and the
//! test p-value.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::Plot;
use super::common::{
    GRID, LegendCorner, build_chart, check_series, draw_legend, draw_mesh, draw_text, fmt_axis, font_sizes,
    series_color, text_style,
};
use crate::calibration::normal_quantile;
use crate::error::{NomogramError, Result, check_len};
use crate::pretty::pretty;

/// One survival step curve: S(t) is `survival[i]` on `[times[i], times[i + 1])` and 1 before
/// `times[0]`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StepCurve {
    /// Legend label, e.g. "Low risk (n = 61)".
    pub label: String,
    /// Increasing times of the steps (event times; censoring times may be included).
    pub times: Vec<f64>,
    /// Survival after each time, in [0, 1].
    pub survival: Vec<f64>,
    /// Lower confidence limit after each time (optional).
    pub lower: Option<Vec<f64>>,
    /// Upper confidence limit after each time (optional).
    pub upper: Option<Vec<f64>>,
    /// Times of censored observations, marked with a "+" on the curve.
    pub censor_times: Vec<f64>,
}

impl StepCurve {
    /// Kaplan-Meier estimate of `time` / `event` with pointwise confidence limits on the log
    /// scale, exp(log S +/- z * se(log S)) with Greenwood's se, clipped at 1: R `survfit`'s
    /// default `conf.type = "log"`.
    ///
    /// # Errors
    /// Empty input, length mismatch, negative or non-finite times, confidence outside (0, 1).
    pub fn kaplan_meier(label: &str, time: &[f64], event: &[bool], confidence: f64) -> Result<Self> {
        if time.is_empty() {
            return Err(NomogramError::Empty { what: format!("survival times of {label}"), min: 1 });
        }
        check_len(&format!("event indicators of {label}"), event, time.len(), "patient")?;
        crate::error::check_finite(&format!("survival times of {label}"), time)?;
        if let Some(t) = time.iter().find(|t| **t < 0.0) {
            return Err(NomogramError::InvalidValue {
                what: format!("survival time of {label}"),
                value: *t,
                reason: "times must be >= 0".into(),
            });
        }
        if !(confidence > 0.0 && confidence < 1.0) {
            return Err(NomogramError::InvalidParameter {
                name: "confidence".into(),
                value: confidence.to_string(),
                reason: "must lie strictly between 0 and 1".into(),
            });
        }
        let z = normal_quantile(0.5 + confidence / 2.0);
        let mut order: Vec<usize> = (0..time.len()).collect();
        order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
        let mut curve = Self {
            label: label.into(),
            times: vec![],
            survival: vec![],
            lower: Some(vec![]),
            upper: Some(vec![]),
            censor_times: vec![],
        };
        let (mut s, mut var, mut at_risk) = (1.0, 0.0, time.len() as f64);
        let mut i = 0;
        while i < order.len() {
            let t = time[order[i]];
            let (mut d, mut c) = (0.0, 0.0);
            while i < order.len() && time[order[i]] == t {
                if event[order[i]] {
                    d += 1.0
                } else {
                    c += 1.0
                }
                i += 1;
            }
            if d > 0.0 {
                s *= 1.0 - d / at_risk;
                if at_risk > d {
                    var += d / (at_risk * (at_risk - d));
                }
                curve.times.push(t);
                curve.survival.push(s);
                let se = var.sqrt();
                let (lo, hi) = if s > 0.0 { (s * (-z * se).exp(), (s * (z * se).exp()).min(1.0)) } else { (0.0, 0.0) };
                curve.lower.as_mut().expect("set above").push(lo);
                curve.upper.as_mut().expect("set above").push(hi);
            }
            if c > 0.0 {
                curve.censor_times.push(t);
            }
            at_risk -= d + c;
        }
        Ok(curve)
    }

    /// Returns S(t) of the step function.
    pub fn at(&self, t: f64) -> f64 {
        let idx = self.times.partition_point(|&x| x <= t);
        if idx == 0 { 1.0 } else { self.survival[idx - 1] }
    }

    fn validate(&self, plot: &str) -> Result<()> {
        if !self.times.is_empty() {
            check_series(plot, &format!("times of {}", self.label), &self.times)?;
        }
        check_len(&format!("survival of {}", self.label), &self.survival, self.times.len(), "time")?;
        crate::error::check_finite(&format!("survival of {}", self.label), &self.survival)?;
        for band in [&self.lower, &self.upper].into_iter().flatten() {
            check_len(&format!("confidence limits of {}", self.label), band, self.times.len(), "time")?;
        }
        if let Some(w) = self.times.windows(2).find(|w| w[1] <= w[0]) {
            return Err(NomogramError::InvalidValue {
                what: format!("times of {}", self.label),
                value: w[1],
                reason: format!("times must increase strictly (previous {})", w[0]),
            });
        }
        if let Some(s) = self.survival.iter().find(|s| !(0.0..=1.0).contains(*s)) {
            return Err(NomogramError::InvalidValue {
                what: format!("survival of {}", self.label),
                value: *s,
                reason: "survival must lie in [0, 1]".into(),
            });
        }
        Ok(())
    }

    /// Vertices of the step path from t = 0 to `x_max`.
    fn step_points(&self, values: &[f64], x_max: f64) -> Vec<(f64, f64)> {
        let mut pts = vec![(0.0, 1.0)];
        let mut last = 1.0;
        for (&t, &s) in self.times.iter().zip(values) {
            if t > x_max {
                break;
            }
            pts.push((t, last));
            pts.push((t, s));
            last = s;
        }
        pts.push((x_max, last));
        pts
    }
}

/// Row label of the at-risk table: the curve label without a trailing "(n = ...)".
fn table_label(label: &str) -> &str {
    label.split(" (n =").next().unwrap_or(label).trim()
}

/// Numbers at risk per curve at given times, drawn as a table under the time axis.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AtRiskTable {
    /// Times of the columns.
    pub times: Vec<f64>,
    /// `counts[curve][column]`: patients still at risk (time >= column time).
    pub counts: Vec<Vec<usize>>,
}

impl AtRiskTable {
    /// Counts the patients with follow-up >= each time, per group.
    pub fn from_groups(times: &[f64], group_times: &[&[f64]]) -> Self {
        Self {
            times: times.to_vec(),
            counts: group_times
                .iter()
                .map(|g| times.iter().map(|&t| g.iter().filter(|&&x| x >= t).count()).collect())
                .collect(),
        }
    }
}

/// Kaplan-Meier plot of one or more groups.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KaplanMeierPlot {
    /// Plot title (may be empty).
    pub title: String,
    /// Time axis title with unit, e.g. "Time (days)".
    pub x_label: String,
    /// Survival axis title, e.g. "Overall survival probability".
    pub y_label: String,
    /// The curves, in legend order.
    pub curves: Vec<StepCurve>,
    /// Number-at-risk table (one row per curve).
    pub at_risk: Option<AtRiskTable>,
    /// Text of the test result, e.g. "Log-rank p = 0.013" (see [`super::common::format_p_value`]).
    pub p_value_text: Option<String>,
    /// End of the time axis; defaults to the last curve time.
    pub x_max: Option<f64>,
    /// Time axis tick positions; default R's `pretty(0, x_max)`.
    pub x_ticks: Option<Vec<f64>>,
}

impl KaplanMeierPlot {
    fn x_range(&self) -> (f64, Vec<f64>) {
        let last = self.curves.iter().flat_map(|c| c.times.iter().chain(&c.censor_times)).copied().fold(0.0, f64::max);
        let x_max = self.x_max.unwrap_or(last).max(f64::MIN_POSITIVE);
        let ticks = self
            .x_ticks
            .clone()
            .unwrap_or_else(|| pretty(0.0, x_max, 6).into_iter().filter(|t| *t <= x_max * 1.0001).collect());
        (x_max, ticks)
    }

    fn validate(&self) -> Result<()> {
        if self.curves.is_empty() {
            return Err(NomogramError::Empty { what: "Kaplan-Meier curves".into(), min: 1 });
        }
        for c in &self.curves {
            c.validate(self.name())?;
        }
        if let Some(table) = &self.at_risk {
            check_len("number-at-risk rows", &table.counts, self.curves.len(), "curve")?;
            for row in &table.counts {
                check_len("number-at-risk columns", row, table.times.len(), "at-risk time")?;
            }
        }
        Ok(())
    }
}

impl Plot for KaplanMeierPlot {
    fn name(&self) -> &str {
        "Kaplan-Meier plot"
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        self.validate()?;
        let name = self.name();
        let err = super::backend_error(name);
        let (_, height) = area.dim_in_pixel();
        let fs = font_sizes(height);
        let (x_max, ticks) = self.x_range();
        let table_rows = self.at_risk.as_ref().map_or(0, |t| t.counts.len());
        let table_h = if table_rows > 0 { ((table_rows as f64 + 1.6) * fs.tick * 1.5) as u32 + 8 } else { 0 };
        let (upper, lower) = area.split_vertically(height.saturating_sub(table_h));
        // The left margin holds the survival tick labels and the at-risk row labels.
        let row_label_chars = self.curves.iter().map(|c| table_label(&c.label).chars().count()).max().unwrap_or(0);
        let label_area = if table_rows > 0 {
            (fs.tick * 4.5).max(row_label_chars as f64 * fs.tick * 0.62 + fs.tick * 2.2 + 8.0)
        } else {
            fs.tick * 4.5
        } as u32;

        let mut chart = build_chart(&upper, name, &fs, &self.title, 12, label_area, (0.0..x_max, 0.0..1.0))?;
        draw_mesh(&mut chart, name, &fs, &self.x_label, &self.y_label, |mesh| {
            mesh.disable_x_mesh().x_labels(0).y_labels(6);
        })?;

        // Time ticks are drawn here, at the same positions as the number-at-risk columns.
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let to_px = |t: f64| xr.start + ((t / x_max) * f64::from(xr.end - xr.start)).round() as i32;
        let tick_style = text_style(fs.tick, BLACK, HPos::Center, VPos::Top);
        for &t in &ticks {
            let px = to_px(t);
            upper.draw(&PathElement::new(vec![(px, yr.start), (px, yr.end)], GRID.stroke_width(1))).map_err(&err)?;
            upper.draw(&PathElement::new(vec![(px, yr.end), (px, yr.end + 5)], BLACK.stroke_width(1))).map_err(&err)?;
            draw_text(&upper, name, &fmt_axis(t), (px, yr.end + 8), &tick_style)?;
        }
        for (i, curve) in self.curves.iter().enumerate() {
            let color = series_color(i);
            if let (Some(lo), Some(hi)) = (&curve.lower, &curve.upper) {
                let mut band = curve.step_points(hi, x_max);
                let mut bottom = curve.step_points(lo, x_max);
                bottom.reverse();
                band.extend(bottom);
                chart.draw_series(std::iter::once(Polygon::new(band, color.mix(0.18).filled()))).map_err(&err)?;
            }
        }
        for (i, curve) in self.curves.iter().enumerate() {
            let color = series_color(i);
            chart
                .draw_series(std::iter::once(PathElement::new(
                    curve.step_points(&curve.survival, x_max),
                    color.stroke_width(2),
                )))
                .map_err(&err)?;
            let tick = (fs.tick * 0.45) as i32;
            let marks = curve.censor_times.iter().filter(|t| **t <= x_max).map(|&t| {
                EmptyElement::at((t, curve.at(t)))
                    + PathElement::new(vec![(0, -tick), (0, tick)], color.stroke_width(1))
                    + PathElement::new(vec![(-tick, 0), (tick, 0)], color.stroke_width(1))
            });
            chart.draw_series(marks).map_err(&err)?;
        }

        let entries: Vec<(String, RGBColor)> =
            self.curves.iter().enumerate().map(|(i, c)| (c.label.clone(), series_color(i))).collect();
        if self.curves.len() > 1 || !self.curves[0].label.is_empty() {
            draw_legend(area, name, &entries, (xr.start, yr.start, xr.end, yr.end), fs.tick, LegendCorner::TopRight)?;
        }
        if let Some(p) = &self.p_value_text {
            let style = text_style(fs.label, BLACK, HPos::Left, VPos::Bottom);
            draw_text(area, name, p, (xr.start + 12, yr.end - 10), &style)?;
        }

        if let Some(table) = &self.at_risk {
            let row_h = (fs.tick * 1.5) as i32;
            let head = text_style(fs.tick, BLACK, HPos::Left, VPos::Center);
            draw_text(&lower, name, "Number at risk", (8, row_h / 2 + 2), &head)?;
            for (r, row) in table.counts.iter().enumerate() {
                let y = row_h * (r as i32 + 1) + row_h / 2 + 4;
                let color = series_color(r);
                let label_style = text_style(fs.tick, color, HPos::Right, VPos::Center);
                draw_text(
                    &lower,
                    name,
                    table_label(&self.curves[r].label),
                    (xr.start - (fs.tick * 2.2) as i32, y),
                    &label_style,
                )?;
                let cell = text_style(fs.tick, color, HPos::Center, VPos::Center);
                for (t, n) in table.times.iter().zip(row) {
                    if *t <= x_max * 1.0001 {
                        draw_text(&lower, name, &n.to_string(), (to_px(*t), y), &cell)?;
                    }
                }
            }
        }
        Ok(())
    }
}
