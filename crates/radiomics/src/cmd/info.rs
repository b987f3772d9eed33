//! `radiomics info FILE`: one JSON object, on one line, describing an image, so users can check their inputs
//! against SimpleITK before extracting features.
//!
//! Fields: `size` ([x, y, z] voxels), `spacing` (mm), `origin` (mm, LPS), `direction` (nine values,
//! row-major, as SimpleITK's `GetDirection()`), `datatype` (on-disk type: u8, i8, i16, u16, i32,
//! u32, i64, f32 or f64), `min`, `max` and `sum` of the finite voxel values after NIfTI
//! `scl_slope`/`scl_inter` (`null` when no voxel is finite), `nan_count`, `infinite_count`,
//! `voxel_count`, `format` (nifti1, nifti2 or nrrd), `compressed`, `byte_order`,
//! `orientation_source` (sform, qform, none, space-directions or spacings), `qform_code` and
//! `sform_code` (NIfTI only), `scl_slope`, `scl_inter` and `path`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use radiomics_volume::io::{self, OrientationSource};
use serde::Serialize;

/// Arguments of `radiomics info`.
#[derive(Debug, clap::Args)]
pub struct InfoArgs {
    /// Image file (.nii, .nii.gz or .nrrd).
    pub file: PathBuf,
    /// Indent the JSON object over several lines instead of printing it on one line.
    #[arg(long)]
    pub pretty: bool,
}

/// The JSON object printed by `radiomics info`.
#[derive(Debug, Serialize)]
struct Info {
    path: String,
    format: &'static str,
    compressed: bool,
    datatype: &'static str,
    byte_order: String,
    size: [usize; 3],
    spacing: [f64; 3],
    origin: [f64; 3],
    direction: [f64; 9],
    orientation_source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    qform_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sform_code: Option<i32>,
    scl_slope: f64,
    scl_inter: f64,
    voxel_count: usize,
    min: Option<f64>,
    max: Option<f64>,
    sum: f64,
    nan_count: usize,
    infinite_count: usize,
}

/// Prints the image summary as one JSON object on standard output.
pub fn run(args: InfoArgs) -> anyhow::Result<ExitCode> {
    let (volume, header) = io::read_image(&args.file).context("radiomics info")?;
    let geometry = volume.geometry();
    let stats = volume.statistics();
    let finite = |v: f64| v.is_finite().then_some(v);
    let info = Info {
        path: args.file.display().to_string(),
        format: header.format.name(),
        compressed: header.compressed,
        datatype: header.datatype.name(),
        byte_order: header.byte_order.to_string(),
        size: volume.size(),
        spacing: geometry.spacing(),
        origin: geometry.origin(),
        direction: geometry.direction(),
        orientation_source: match header.orientation_source {
            OrientationSource::Sform => "sform",
            OrientationSource::Qform => "qform",
            OrientationSource::NiftiNone => "none",
            OrientationSource::NrrdSpaceDirections => "space-directions",
            OrientationSource::NrrdSpacings => "spacings",
        },
        qform_code: header.qform_code,
        sform_code: header.sform_code,
        scl_slope: header.scl_slope,
        scl_inter: header.scl_inter,
        voxel_count: volume.len(),
        min: finite(stats.min),
        max: finite(stats.max),
        sum: stats.sum,
        nan_count: stats.nan_count,
        infinite_count: stats.infinite_count,
    };
    let text = if args.pretty { serde_json::to_string_pretty(&info)? } else { serde_json::to_string(&info)? };
    println!("{text}");
    Ok(ExitCode::SUCCESS)
}
