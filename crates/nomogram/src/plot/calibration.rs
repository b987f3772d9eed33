//! Calibration curve: predicted against observed survival at a fixed time.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::Plot;
use super::common::{
    LegendCorner, build_chart, draw_legend, draw_mesh, draw_text, fmt_axis, font_sizes, series_color, text_style,
};
use crate::calibration::Calibration;
use crate::error::{NomogramError, Result};

/// Mean prediction, observed survival and its confidence interval of one group.
type GroupPoint = (f64, f64, Option<(f64, f64)>);

/// Calibration plot of a [`Calibration`]: mean predicted survival (x) against Kaplan-Meier
/// observed survival (y) per group, with the confidence interval of each KM estimate, the
/// bias-corrected estimates when a bootstrap was run, and the ideal line y = x.
#[derive(Debug, Clone)]
pub struct CalibrationPlot<'a> {
    /// The calibration table.
    pub calibration: &'a Calibration,
    /// Plot title (may be empty).
    pub title: String,
    /// Axis title of the time, e.g. "1-year" (used as "Predicted 1-year survival").
    pub time_label: String,
}

impl Plot for CalibrationPlot<'_> {
    fn name(&self) -> &str {
        "calibration plot"
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let name = self.name();
        let err = super::backend_error(name);
        let (_, height) = area.dim_in_pixel();
        let fs = font_sizes(height);
        let apparent: Vec<GroupPoint> = self
            .calibration
            .groups
            .iter()
            .filter_map(|g| Some((g.mean_predicted?, g.observed?, g.observed_ci)))
            .collect();
        if apparent.is_empty() {
            return Err(NomogramError::Empty { what: "calibration groups with an estimate".into(), min: 1 });
        }
        let corrected: Vec<(f64, f64)> =
            self.calibration.groups.iter().filter_map(|g| Some((g.mean_predicted?, g.observed_corrected?))).collect();

        let mut chart = build_chart(area, name, &fs, &self.title, 14, (fs.tick * 4.5) as u32, (0.0..1.0, 0.0..1.0))?;
        let x_desc = format!("Predicted {} survival", self.time_label);
        let y_desc = format!("Observed {} survival (Kaplan-Meier)", self.time_label);
        draw_mesh(&mut chart, name, &fs, &x_desc, &y_desc, |mesh| {
            mesh.x_labels(6).y_labels(6);
        })?;

        let ideal = RGBColor(150, 150, 150);
        chart
            .draw_series(std::iter::once(PathElement::new(vec![(0.0, 0.0), (1.0, 1.0)], ideal.stroke_width(1))))
            .map_err(&err)?;
        let c0 = series_color(0);
        let cap = (fs.tick * 0.35) as i32;
        for (x, _, ci) in &apparent {
            if let Some((lo, hi)) = ci {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(*x, *lo), (*x, *hi)],
                        c0.mix(0.8).stroke_width(1),
                    )))
                    .map_err(&err)?;
                for yv in [*lo, *hi] {
                    chart
                        .draw_series(std::iter::once(
                            EmptyElement::at((*x, yv))
                                + PathElement::new(vec![(-cap, 0), (cap, 0)], c0.stroke_width(1)),
                        ))
                        .map_err(&err)?;
                }
            }
        }
        let mut pts: Vec<(f64, f64)> = apparent.iter().map(|(x, y, _)| (*x, *y)).collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        chart.draw_series(std::iter::once(PathElement::new(pts.clone(), c0.stroke_width(2)))).map_err(&err)?;
        chart.draw_series(pts.iter().map(|p| Circle::new(*p, (fs.tick * 0.35) as i32, c0.filled()))).map_err(&err)?;
        let mut entries = vec![("Apparent (KM, 95% CI)".to_string(), c0)];
        if !corrected.is_empty() && self.calibration.resamples_drawn > 0 {
            let c1 = series_color(1);
            let mut cpts = corrected.clone();
            cpts.sort_by(|a, b| a.0.total_cmp(&b.0));
            chart.draw_series(std::iter::once(PathElement::new(cpts.clone(), c1.stroke_width(2)))).map_err(&err)?;
            chart
                .draw_series(cpts.iter().map(|p| TriangleMarker::new(*p, (fs.tick * 0.45) as i32, c1.filled())))
                .map_err(&err)?;
            entries.push((format!("Bias-corrected (B = {})", self.calibration.resamples_drawn), c1));
        }
        entries.push(("Ideal".to_string(), ideal));
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        draw_legend(area, name, &entries, (xr.start, yr.start, xr.end, yr.end), fs.tick, LegendCorner::TopLeft)?;
        let n: usize = self.calibration.groups.iter().map(|g| g.n).sum();
        let note =
            format!("n = {n}, {} groups, t = {}", self.calibration.groups.len(), fmt_axis(self.calibration.time));
        draw_text(
            area,
            name,
            &note,
            (xr.end - 10, yr.end - 10),
            &text_style(fs.tick, BLACK, HPos::Right, VPos::Bottom),
        )?;
        Ok(())
    }
}
