//! MRI preprocessing of the radiomics method, natively in Rust: N4 bias field correction, skull
//! stripping, resampling to 1 mm isotropic spacing, rigid registration onto T1C and histogram
//! matching, with a `Pipeline` that runs them in the method's order for one patient.
//!
//! Intensity images are `Volume<f32>` (ITK's N4 and registration also work in single
//! precision); arithmetic is done in `f64`. Physical space, spacing and direction follow the
//! conventions of `radiomics_volume` (ITK's LPS space).
#![warn(missing_docs)]
#![deny(clippy::float_cmp)]

pub mod bspline;
mod error;
pub mod filters;
pub mod histogram;
pub mod n4;
pub mod pipeline;
pub mod registration;
pub mod resample;
pub mod skull_strip;
mod surface;
pub mod transform;

pub use error::{PreprocError, Result};
pub use resample::{Alignment, Grid, Interpolator};
pub use transform::Euler3D;

use radiomics_volume::Volume;

/// Checks that every voxel is finite.
///
/// # Errors
/// [`PreprocError::NonFiniteVoxels`] with the count and the first offending index `[x, y, z]`.
pub fn check_finite(image: &Volume<f32>, what: &str) -> Result<()> {
    let mut count = 0usize;
    let mut first = None;
    for ((z, y, x), v) in image.array().indexed_iter() {
        if !v.is_finite() {
            count += 1;
            first.get_or_insert([x, y, z]);
        }
    }
    match first {
        None => Ok(()),
        Some(first) => Err(PreprocError::NonFiniteVoxels { what: what.to_string(), count, first }),
    }
}
