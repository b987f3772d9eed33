//! Heat map of feature z-scores, patients sorted by score, cohorts side by side.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::Plot;
use super::common::{draw_text, fmt_axis, font_sizes, text_style};
use crate::error::{NomogramError, Result, check_finite, check_len};

/// One cohort of the heat map.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HeatmapCohort {
    /// Cohort name, e.g. "Training".
    pub name: String,
    /// Risk score per patient; patients are drawn in increasing score order.
    pub scores: Vec<f64>,
    /// Feature values, `values[patient][feature]`.
    pub values: Vec<Vec<f64>>,
}

/// Which mean and standard deviation standardise the features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum ZScoreReference {
    /// Mean and SD of the first cohort (the training set) for all cohorts, so that validation
    /// cohorts are shown on the training scale.
    #[default]
    FirstCohort,
    /// Each cohort standardised by its own mean and SD.
    EachCohort,
}

/// Heat map of z-scores (value - mean) / SD (SD with n - 1), clipped to +/- `clip`, blue for
/// low and red for high.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ZScoreHeatmap {
    /// Plot title (may be empty).
    pub title: String,
    /// Feature names, one per column of `values`.
    pub feature_names: Vec<String>,
    /// Cohorts, drawn left to right.
    pub cohorts: Vec<HeatmapCohort>,
    /// Standardisation reference.
    pub reference: ZScoreReference,
    /// Colour scale limit; z-scores beyond it get the end colour. Default 3 in the examples.
    pub clip: f64,
    /// Label of the score strip, e.g. "Radiomics score".
    pub score_label: String,
}

/// Diverging blue-white-red colour of `z` in [-1, 1].
fn diverging(z: f64) -> RGBColor {
    let z = z.clamp(-1.0, 1.0);
    let (lo, mid, hi) = ((33.0, 102.0, 172.0), (247.0, 247.0, 247.0), (178.0, 24.0, 43.0));
    let (a, b, t) = if z < 0.0 { (mid, lo, -z) } else { (mid, hi, z) };
    let mix = |x: f64, y: f64| (x + (y - x) * t).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn mean_sd(columns: &[Vec<f64>], f: usize) -> (f64, f64) {
    let n = columns.len() as f64;
    let mean = columns.iter().map(|r| r[f]).sum::<f64>() / n;
    let var = columns.iter().map(|r| (r[f] - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

impl ZScoreHeatmap {
    fn validate(&self) -> Result<()> {
        if self.cohorts.is_empty() {
            return Err(NomogramError::Empty { what: "heat map cohorts".into(), min: 1 });
        }
        if self.feature_names.is_empty() {
            return Err(NomogramError::Empty { what: "heat map features".into(), min: 1 });
        }
        if !(self.clip.is_finite() && self.clip > 0.0) {
            return Err(NomogramError::InvalidParameter {
                name: "clip".into(),
                value: self.clip.to_string(),
                reason: "the z-score colour limit must be positive".into(),
            });
        }
        let p = self.feature_names.len();
        for c in &self.cohorts {
            if c.scores.len() < 2 {
                return Err(NomogramError::Empty { what: format!("patients of cohort {}", c.name), min: 2 });
            }
            check_len(&format!("feature rows of cohort {}", c.name), &c.values, c.scores.len(), "patient")?;
            check_finite(&format!("scores of cohort {}", c.name), &c.scores)?;
            for row in &c.values {
                check_len(&format!("features of cohort {}", c.name), row, p, "feature name")?;
                check_finite(&format!("features of cohort {}", c.name), row)?;
            }
        }
        Ok(())
    }

    /// Returns the z-scores per cohort, `z[cohort][patient][feature]`, patients in score order.
    pub fn z_scores(&self) -> Result<Vec<Vec<Vec<f64>>>> {
        self.validate()?;
        let p = self.feature_names.len();
        let reference: Vec<(f64, f64)> = (0..p).map(|f| mean_sd(&self.cohorts[0].values, f)).collect();
        let mut out = Vec::with_capacity(self.cohorts.len());
        for c in &self.cohorts {
            let own: Vec<(f64, f64)> = (0..p).map(|f| mean_sd(&c.values, f)).collect();
            let stats = match self.reference {
                ZScoreReference::FirstCohort => &reference,
                ZScoreReference::EachCohort => &own,
            };
            let mut order: Vec<usize> = (0..c.scores.len()).collect();
            order.sort_by(|&a, &b| c.scores[a].total_cmp(&c.scores[b]));
            out.push(
                order
                    .iter()
                    .map(|&i| {
                        (0..p)
                            .map(|f| {
                                let (m, sd) = stats[f];
                                if sd > 0.0 { (c.values[i][f] - m) / sd } else { 0.0 }
                            })
                            .collect()
                    })
                    .collect(),
            );
        }
        Ok(out)
    }
}

impl Plot for ZScoreHeatmap {
    fn name(&self) -> &str {
        "z-score heat map"
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let z = self.z_scores()?;
        let name = self.name();
        let err = super::backend_error(name);
        let (width, height) = area.dim_in_pixel();
        let fs = font_sizes(height.min(width));
        let p = self.feature_names.len();
        let title_h = if self.title.is_empty() { 8 } else { (fs.title * 1.8) as i32 };
        if !self.title.is_empty() {
            draw_text(
                area,
                name,
                &self.title,
                (width as i32 / 2, title_h / 2),
                &text_style(fs.title, BLACK, HPos::Center, VPos::Center),
            )?;
        }
        let names_w = (self
            .feature_names
            .iter()
            .chain(std::iter::once(&self.score_label))
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(8) as f64
            * fs.tick
            * 0.6) as i32
            + 16;
        let legend_w = (fs.tick * 6.0) as i32;
        let x0 = names_w;
        let x1 = width as i32 - legend_w;
        let gap = 14;
        let cohort_h = (fs.label * 1.6) as i32;
        let strip_h = (fs.tick * 1.6) as i32;
        let y_top = title_h + cohort_h;
        let y_cells = y_top + strip_h + 6;
        let y_bottom = height as i32 - (fs.tick * 2.5) as i32;
        let cell_h = f64::from(y_bottom - y_cells) / p as f64;
        let total_patients: usize = self.cohorts.iter().map(|c| c.scores.len()).sum();
        let usable = f64::from(x1 - x0 - gap * (self.cohorts.len() as i32 - 1));
        let cell_w = usable / total_patients as f64;
        let (s_lo, s_hi) = super::common::min_max(self.cohorts.iter().flat_map(|c| c.scores.iter().copied()));

        let mut x = f64::from(x0);
        for (c, cohort) in self.cohorts.iter().enumerate() {
            let n = cohort.scores.len();
            let cx0 = x;
            let cx1 = x + cell_w * n as f64;
            draw_text(
                area,
                name,
                &format!("{} (n = {n})", cohort.name),
                (((cx0 + cx1) / 2.0) as i32, title_h + cohort_h / 2),
                &text_style(fs.label, BLACK, HPos::Center, VPos::Center),
            )?;
            let mut sorted = cohort.scores.clone();
            sorted.sort_by(f64::total_cmp);
            for (i, s) in sorted.iter().enumerate() {
                let t = if s_hi > s_lo { (s - s_lo) / (s_hi - s_lo) } else { 0.5 };
                let grey = (235.0 - 200.0 * t) as u8;
                let px0 = (cx0 + cell_w * i as f64) as i32;
                let px1 = (cx0 + cell_w * (i + 1) as f64).ceil() as i32;
                area.draw(&Rectangle::new([(px0, y_top), (px1, y_top + strip_h)], RGBColor(grey, grey, grey).filled()))
                    .map_err(&err)?;
            }
            for (i, row) in z[c].iter().enumerate() {
                let px0 = (cx0 + cell_w * i as f64) as i32;
                let px1 = (cx0 + cell_w * (i + 1) as f64).ceil() as i32;
                for (f, value) in row.iter().enumerate() {
                    let py0 = y_cells + (cell_h * f as f64) as i32;
                    let py1 = y_cells + (cell_h * (f + 1) as f64).ceil() as i32;
                    area.draw(&Rectangle::new([(px0, py0), (px1, py1)], diverging(value / self.clip).filled()))
                        .map_err(&err)?;
                }
            }
            x = cx1 + f64::from(gap);
        }
        let right = text_style(fs.tick, BLACK, HPos::Right, VPos::Center);
        draw_text(area, name, &self.score_label, (x0 - 6, y_top + strip_h / 2), &right)?;
        for (f, feature) in self.feature_names.iter().enumerate() {
            let y = y_cells + (cell_h * (f as f64 + 0.5)) as i32;
            draw_text(area, name, feature, (x0 - 6, y), &right)?;
        }
        draw_text(
            area,
            name,
            "Patients sorted by score (low to high)",
            ((x0 + x1) / 2, y_bottom + (fs.tick * 1.2) as i32),
            &text_style(fs.tick, BLACK, HPos::Center, VPos::Center),
        )?;

        // Colour bar.
        let bx0 = x1 + (fs.tick * 1.2) as i32;
        let bx1 = bx0 + (fs.tick * 1.2) as i32;
        let steps = 60;
        let bar_h = f64::from(y_bottom - y_cells);
        for k in 0..steps {
            let t = 1.0 - 2.0 * (k as f64 + 0.5) / steps as f64;
            let py0 = y_cells + (bar_h * k as f64 / steps as f64) as i32;
            let py1 = y_cells + (bar_h * (k + 1) as f64 / steps as f64).ceil() as i32;
            area.draw(&Rectangle::new([(bx0, py0), (bx1, py1)], diverging(t).filled())).map_err(&err)?;
        }
        let left = text_style(fs.tick, BLACK, HPos::Left, VPos::Center);
        for (frac, v) in [(0.0, self.clip), (0.5, 0.0), (1.0, -self.clip)] {
            draw_text(area, name, &fmt_axis(v), (bx1 + 4, y_cells + (bar_h * frac) as i32), &left)?;
        }
        draw_text(area, name, "z-score", (bx0, y_top + strip_h / 2), &left)?;
        Ok(())
    }
}
