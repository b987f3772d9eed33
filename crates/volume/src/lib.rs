//! The 3-D image type of radiomics-rs, label masks, and NIfTI/NRRD reading and writing.
//!
//! Every imaging crate of the workspace builds on this one; it depends on none of them.
//!
//! # Conventions
//!
//! * Voxels are stored in an [`ndarray::Array3`] indexed `[z, y, x]`, so `x` varies fastest in
//!   memory, which is the on-disk order of NIfTI and NRRD.
//! * Geometry follows ITK/SimpleITK: spacing in mm given as `(x, y, z)`, origin in mm (the
//!   physical position of voxel `[0, 0, 0]`'s centre) and a 3x3 direction-cosine matrix whose
//!   columns are the physical directions of the `x`, `y` and `z` index axes. Physical space is
//!   LPS (left, posterior, superior), as in ITK and DICOM. NIfTI files are RAS on disk and are
//!   converted on reading and writing.
//! * The physical point of continuous index `(i, j, k)` (with `i` along `x`) is
//!   `origin + direction * diag(spacing) * (i, j, k)`.
//!
//! # Example
//!
//! ```
//! use radiomics_volume::{Geometry, Volume};
//! use ndarray::Array3;
//!
//! let geometry = Geometry::with_spacing([2.0, 2.0, 2.0]);
//! let image = Volume::new(Array3::<f32>::zeros((4, 4, 5)), geometry).unwrap();
//! assert_eq!(image.size(), [5, 4, 4]); // [x, y, z]
//! let p = image.geometry().index_to_point([1.0, 0.0, 0.0]);
//! assert_eq!(p, [2.0, 0.0, 0.0]);
//! ```
#![warn(missing_docs)]
#![deny(clippy::float_cmp)]

mod error;
mod geometry;
mod mask;
mod volume;

pub mod io;
pub mod synthetic;

pub use error::VolumeError;
pub use geometry::{DEFAULT_GEOMETRY_TOLERANCE, Geometry};
pub use io::{DataType, VoxelValue};
pub use mask::{BoundingBox, LabelMap, Mask};
/// The `ndarray` version this crate's [`Volume`] is built on, re-exported so callers construct
/// voxel arrays with a matching version.
pub use ndarray;
pub use volume::{Volume, VoxelStatistics};

/// Result type of this crate.
pub type Result<T, E = VolumeError> = std::result::Result<T, E>;
