//! LASSO coefficient paths and the cross-validation curve.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::Plot;
use super::common::{
    LegendCorner, build_chart, draw_legend, draw_mesh, draw_text, font_sizes, min_max, padded, series_color, text_style,
};
use crate::error::{NomogramError, Result, check_finite, check_len};

fn check_lambdas(plot: &str, lambdas: &[f64]) -> Result<()> {
    if lambdas.len() < 2 {
        return Err(NomogramError::Empty { what: format!("{plot}: lambda values"), min: 2 });
    }
    check_finite(&format!("{plot}: lambda"), lambdas)?;
    if let Some(l) = lambdas.iter().find(|l| **l <= 0.0) {
        return Err(NomogramError::InvalidValue {
            what: format!("{plot}: lambda"),
            value: *l,
            reason: "lambda must be positive (the axis is log(lambda))".into(),
        });
    }
    Ok(())
}

fn marker_lines<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    plot: &str,
    markers: &[(f64, &str)],
    x_range: (f64, f64),
    pixels: (std::ops::Range<i32>, std::ops::Range<i32>),
    font: f64,
    at_bottom: bool,
) -> Result<()> {
    let (xr, yr) = pixels;
    let middle = (xr.start + xr.end) / 2;
    let grey = RGBColor(90, 90, 90);
    for (k, (x, label)) in markers.iter().enumerate() {
        let px = xr.start + (((x - x_range.0) / (x_range.1 - x_range.0)) * f64::from(xr.end - xr.start)) as i32;
        // Dashed vertical line.
        let mut y = yr.start;
        while y < yr.end {
            let y_end = (y + 8).min(yr.end);
            area.draw(&PathElement::new(vec![(px, y), (px, y_end)], grey.stroke_width(1)))
                .map_err(super::backend_error(plot))?;
            y += 14;
        }
        // The label goes on the side of the line with more room.
        let right_side = px < middle;
        let v = if at_bottom { VPos::Bottom } else { VPos::Top };
        let h = if right_side { HPos::Left } else { HPos::Right };
        let style = text_style(font, grey, h, v);
        let dx = if right_side { 4 } else { -4 };
        let offset = k as i32 * (font * 1.3) as i32;
        let y = if at_bottom { yr.end - 4 - offset } else { yr.start + 4 + offset };
        draw_text(area, plot, label, (px + dx, y), &style)?;
    }
    Ok(())
}

/// Coefficient paths of a LASSO Cox fit against log(lambda), with lambda.min and lambda.1se
/// marked, like glmnet's `plot(fit, xvar = "lambda")`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LassoPathPlot {
    /// Plot title (may be empty).
    pub title: String,
    /// Penalty values of the path.
    pub lambdas: Vec<f64>,
    /// Feature names, one per path.
    pub feature_names: Vec<String>,
    /// `coefficients[feature][lambda index]`.
    pub coefficients: Vec<Vec<f64>>,
    /// lambda with the smallest cross-validated deviance.
    pub lambda_min: Option<f64>,
    /// Largest lambda within one standard error of the minimum.
    pub lambda_1se: Option<f64>,
    /// Largest number of features named in the legend (those with the largest |coefficient| at
    /// the smallest lambda). Default 8 in the examples.
    pub max_legend: usize,
}

impl Plot for LassoPathPlot {
    fn name(&self) -> &str {
        "LASSO coefficient path plot"
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let name = self.name();
        check_lambdas(name, &self.lambdas)?;
        if self.coefficients.is_empty() {
            return Err(NomogramError::Empty { what: format!("{name}: coefficient paths"), min: 1 });
        }
        check_len("feature names", &self.feature_names, self.coefficients.len(), "coefficient path")?;
        for (f, path) in self.coefficients.iter().enumerate() {
            check_len(&format!("path of {}", self.feature_names[f]), path, self.lambdas.len(), "lambda")?;
            check_finite(&format!("path of {}", self.feature_names[f]), path)?;
        }
        let err = super::backend_error(name);
        let (_, height) = area.dim_in_pixel();
        let fs = font_sizes(height);
        let logs: Vec<f64> = self.lambdas.iter().map(|l| l.ln()).collect();
        let (x_lo, x_hi) = padded(min_max(logs.iter().copied()).0, min_max(logs.iter().copied()).1, 0.02);
        let (y_lo, y_hi) = padded(
            min_max(self.coefficients.iter().flatten().copied()).0.min(0.0),
            min_max(self.coefficients.iter().flatten().copied()).1.max(0.0),
            0.06,
        );
        let mut chart =
            build_chart(area, name, &fs, &self.title, 14, (fs.tick * 5.0) as u32, (x_lo..x_hi, y_lo..y_hi))?;
        draw_mesh(&mut chart, name, &fs, "log(lambda)", "Coefficient (log hazard ratio per unit)", |_| {})?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x_lo, 0.0), (x_hi, 0.0)],
                RGBColor(160, 160, 160).stroke_width(1),
            )))
            .map_err(&err)?;
        // Order features by |coefficient| at the smallest lambda for colours and legend.
        let smallest = logs.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i).unwrap_or(0);
        let mut order: Vec<usize> = (0..self.coefficients.len()).collect();
        order.sort_by(|&a, &b| self.coefficients[b][smallest].abs().total_cmp(&self.coefficients[a][smallest].abs()));
        let mut entries = Vec::new();
        for (rank, &f) in order.iter().enumerate() {
            let color = series_color(rank);
            let mut pts: Vec<(f64, f64)> = logs.iter().copied().zip(self.coefficients[f].iter().copied()).collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            chart.draw_series(std::iter::once(PathElement::new(pts, color.stroke_width(2)))).map_err(&err)?;
            if rank < self.max_legend && self.coefficients[f].iter().any(|c| *c != 0.0) {
                entries.push((self.feature_names[f].clone(), color));
            }
        }
        let pixels = chart.plotting_area().get_pixel_range();
        let mut markers = Vec::new();
        if let Some(l) = self.lambda_min {
            markers.push((l.ln(), "lambda.min"));
        }
        if let Some(l) = self.lambda_1se {
            markers.push((l.ln(), "lambda.1se"));
        }
        marker_lines(area, name, &markers, (x_lo, x_hi), pixels.clone(), fs.tick, false)?;
        let (xr, yr) = pixels;
        draw_legend(area, name, &entries, (xr.start, yr.start, xr.end, yr.end), fs.tick, LegendCorner::BottomLeft)?;
        Ok(())
    }
}

/// Cross-validated partial likelihood deviance against log(lambda) with +/- 1 SE bars and the
/// number of non-zero coefficients along the top, like glmnet's `plot(cv.glmnet)`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LassoCvPlot {
    /// Plot title (may be empty).
    pub title: String,
    /// Penalty values.
    pub lambdas: Vec<f64>,
    /// Mean cross-validated deviance per lambda.
    pub mean: Vec<f64>,
    /// Its standard error per lambda.
    pub std_err: Vec<f64>,
    /// Number of non-zero coefficients per lambda (optional).
    pub nonzero: Option<Vec<usize>>,
    /// lambda.min.
    pub lambda_min: f64,
    /// lambda.1se.
    pub lambda_1se: f64,
    /// Y axis title, e.g. "Partial likelihood deviance".
    pub y_label: String,
}

impl Plot for LassoCvPlot {
    fn name(&self) -> &str {
        "LASSO cross-validation plot"
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let name = self.name();
        check_lambdas(name, &self.lambdas)?;
        check_len("CV mean", &self.mean, self.lambdas.len(), "lambda")?;
        check_len("CV standard error", &self.std_err, self.lambdas.len(), "lambda")?;
        check_finite("CV mean", &self.mean)?;
        check_finite("CV standard error", &self.std_err)?;
        check_lambdas(name, &[self.lambda_min, self.lambda_1se])?;
        if let Some(nz) = &self.nonzero {
            check_len("non-zero counts", nz, self.lambdas.len(), "lambda")?;
        }
        let err = super::backend_error(name);
        let (_, height) = area.dim_in_pixel();
        let fs = font_sizes(height);
        let logs: Vec<f64> = self.lambdas.iter().map(|l| l.ln()).collect();
        let (lx, hx) = min_max(logs.iter().copied());
        let (x_lo, x_hi) = padded(lx, hx, 0.02);
        let lows = self.mean.iter().zip(&self.std_err).map(|(m, s)| m - s);
        let highs = self.mean.iter().zip(&self.std_err).map(|(m, s)| m + s);
        let (y_lo, y_hi) = padded(min_max(lows).0, min_max(highs).1, 0.08);
        // Head room for the row of non-zero counts inside the plotting area.
        let y_hi = y_hi + (y_hi - y_lo) * 0.06;
        let mut chart =
            build_chart(area, name, &fs, &self.title, 14, (fs.tick * 5.0) as u32, (x_lo..x_hi, y_lo..y_hi))?;
        let x_desc = if self.nonzero.is_some() {
            "log(lambda)   (top row: number of non-zero coefficients)"
        } else {
            "log(lambda)"
        };
        draw_mesh(&mut chart, name, &fs, x_desc, &self.y_label, |_| {})?;
        let bar = RGBColor(150, 150, 150);
        let cap = (fs.tick * 0.25) as i32;
        for ((x, m), s) in logs.iter().zip(&self.mean).zip(&self.std_err) {
            chart
                .draw_series(std::iter::once(PathElement::new(vec![(*x, m - s), (*x, m + s)], bar.stroke_width(1))))
                .map_err(&err)?;
            for y in [m - s, m + s] {
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((*x, y)) + PathElement::new(vec![(-cap, 0), (cap, 0)], bar.stroke_width(1)),
                    ))
                    .map_err(&err)?;
            }
        }
        let red = RGBColor(213, 94, 0);
        let mut pts: Vec<(f64, f64)> = logs.iter().copied().zip(self.mean.iter().copied()).collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        chart.draw_series(std::iter::once(PathElement::new(pts.clone(), red.stroke_width(2)))).map_err(&err)?;
        chart.draw_series(pts.iter().map(|p| Circle::new(*p, (fs.tick * 0.28) as i32, red.filled()))).map_err(&err)?;
        let pixels = chart.plotting_area().get_pixel_range();
        marker_lines(
            area,
            name,
            &[(self.lambda_min.ln(), "lambda.min"), (self.lambda_1se.ln(), "lambda.1se")],
            (x_lo, x_hi),
            pixels.clone(),
            fs.tick,
            true,
        )?;
        if let Some(nz) = &self.nonzero {
            let (xr, yr) = pixels;
            let style = text_style(fs.tick * 0.85, BLACK, HPos::Center, VPos::Top);
            let step = (self.lambdas.len() / 10).max(1);
            let mut idx: Vec<usize> = (0..self.lambdas.len()).collect();
            idx.sort_by(|&a, &b| logs[a].total_cmp(&logs[b]));
            for &i in idx.iter().step_by(step) {
                let px = xr.start + (((logs[i] - x_lo) / (x_hi - x_lo)) * f64::from(xr.end - xr.start)) as i32;
                draw_text(area, name, &nz[i].to_string(), (px, yr.start + 4), &style)?;
            }
        }
        Ok(())
    }
}
