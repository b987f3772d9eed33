//! Survival plots rendered with `plotters` to SVG text or PNG bytes.
//!
//! Every plot is a plain struct (the data to draw plus titles) implementing [`Plot`]; render it
//! with [`render_svg`], [`render_png`] or [`save`]. Text uses the DejaVu Sans font embedded in
//! this crate, so PNG output does not depend on the fonts installed on the machine.
//!
//! Series lines are drawn 2 px wide and everything else (axes, ticks, bands) thinner, so an SVG
//! consumer can find the series as the `<polyline>` elements with `stroke-width="2"`.

mod calibration;
mod common;
mod cutpoint;
mod heatmap;
mod km;
mod lasso;
mod nomogram;

pub use calibration::CalibrationPlot;
pub use common::format_p_value;
pub use cutpoint::CutpointPlot;
pub use heatmap::{HeatmapCohort, ZScoreHeatmap, ZScoreReference};
pub use km::{AtRiskTable, KaplanMeierPlot, StepCurve};
pub use lasso::{LassoCvPlot, LassoPathPlot};
pub use nomogram::NomogramPlot;

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{NomogramError, Result};

/// The embedded font (DejaVu Sans 2.37, Bitstream Vera licence, see `assets/`).
static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Registers the embedded font as "sans-serif" once per process.
pub(crate) fn ensure_font() -> Result<()> {
    static REGISTERED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok =
        *REGISTERED.get_or_init(|| plotters::style::register_font("sans-serif", FontStyle::Normal, FONT_BYTES).is_ok());
    if ok {
        Ok(())
    } else {
        Err(NomogramError::Plot {
            plot: "font".into(),
            reason: "the embedded DejaVu Sans font could not be parsed".into(),
        })
    }
}

/// A plot that can be drawn on any `plotters` backend.
pub trait Plot {
    /// Short name used in error messages, e.g. "Kaplan-Meier plot".
    fn name(&self) -> &str;

    /// Checks the input and draws the plot on `area`.
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()>;
}

/// Converts a backend error into [`NomogramError::Plot`].
pub(crate) fn backend_error<E: std::fmt::Debug>(plot: &str) -> impl Fn(E) -> NomogramError + '_ {
    move |e| NomogramError::Plot { plot: plot.to_string(), reason: format!("{e:?}") }
}

fn check_size(plot: &str, width: u32, height: u32) -> Result<()> {
    if width < 200 || height < 150 || width > 20_000 || height > 20_000 {
        return Err(NomogramError::InvalidParameter {
            name: format!("{plot} size"),
            value: format!("{width}x{height}"),
            reason: "width must lie in 200..=20000 and height in 150..=20000 pixels".into(),
        });
    }
    Ok(())
}

/// Renders `plot` as an SVG document of `width` x `height` pixels.
pub fn render_svg<P: Plot>(plot: &P, width: u32, height: u32) -> Result<String> {
    ensure_font()?;
    check_size(plot.name(), width, height)?;
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        area.fill(&WHITE).map_err(backend_error(plot.name()))?;
        plot.draw(&area)?;
        area.present().map_err(backend_error(plot.name()))?;
    }
    Ok(svg)
}

/// Renders `plot` as a PNG image of `width` x `height` pixels and returns the encoded bytes.
pub fn render_png<P: Plot>(plot: &P, width: u32, height: u32) -> Result<Vec<u8>> {
    ensure_font()?;
    check_size(plot.name(), width, height)?;
    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        area.fill(&WHITE).map_err(backend_error(plot.name()))?;
        plot.draw(&area)?;
        area.present().map_err(backend_error(plot.name()))?;
    }
    let image = image::RgbImage::from_raw(width, height, rgb).ok_or_else(|| NomogramError::Plot {
        plot: plot.name().into(),
        reason: "pixel buffer has the wrong size".into(),
    })?;
    let mut png = Vec::new();
    image.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).map_err(backend_error(plot.name()))?;
    Ok(png)
}

/// Renders `plot` to `path`, as SVG when the extension is `.svg` and as PNG when it is `.png`.
pub fn save<P: Plot>(plot: &P, path: &Path, width: u32, height: u32) -> Result<()> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let bytes = match ext.as_deref() {
        Some("svg") => render_svg(plot, width, height)?.into_bytes(),
        Some("png") => render_png(plot, width, height)?,
        _ => {
            return Err(NomogramError::InvalidParameter {
                name: "path".into(),
                value: path.display().to_string(),
                reason: "the file name must end in .svg or .png".into(),
            });
        }
    };
    std::fs::write(path, bytes).map_err(|source| NomogramError::Io { path: path.display().to_string(), source })
}
