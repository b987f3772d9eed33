//! Resampling of image and mask to a new spacing (PyRadiomics `resampleImage`).

use radiomics_volume::{LabelMap, Volume};

use crate::error::{Result, TextureError};
use crate::settings::Interpolator;

/// Resamples the image (with `interpolator`) and the mask (nearest neighbour) to `spacing`
/// `[x, y, z]` mm on PyRadiomics' grid: aligned with the ROI bounding box corner, padded by
/// `pad` voxels.
pub fn resample_case(
    _image: &Volume<f64>,
    _mask: &Volume<bool>,
    spacing: [f64; 3],
    _interpolator: Interpolator,
    _pad: usize,
) -> Result<(Volume<f64>, Volume<bool>)> {
    Err(TextureError::NotApplicable {
        family: "resampling".into(),
        reason: format!(
            "resampledPixelSpacing {spacing:?} is not implemented yet; resample the image beforehand"
        ),
    })
}

/// Nearest-neighbour resampling of a label map onto the grid of `reference` (PyRadiomics
/// `correctMask`). Errors when no labelled voxel falls inside the reference grid.
pub fn mask_onto_grid<T>(labels: &LabelMap, reference: &Volume<T>) -> Result<LabelMap> {
    let g = *reference.geometry();
    let src = labels.0.geometry();
    let [sx, sy, sz] = labels.0.size();
    let data = labels.0.array();
    let (nz, ny, nx) = reference.array().dim();
    let out = ndarray::Array3::from_shape_fn((nz, ny, nx), |(z, y, x)| {
        let p = g.index_to_point([x as f64, y as f64, z as f64]);
        let c = src.point_to_index(p);
        let r = c.map(|v| v.round());
        if r.iter()
            .zip([sx, sy, sz])
            .any(|(v, n)| *v < 0.0 || *v >= n as f64)
        {
            0
        } else {
            data[[r[2] as usize, r[1] as usize, r[0] as usize]]
        }
    });
    let v = Volume::new(out, g)?;
    if !v.array().iter().any(|&l| l != 0) {
        return Err(TextureError::EmptyRoi {
            stage: "after resampling the mask onto the image grid (correctMask)".into(),
        });
    }
    Ok(LabelMap(v))
}
