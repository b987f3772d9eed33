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
//! * Reading a file gives `f64` voxels with NIfTI `scl_slope`/`scl_inter` applied and the same
//!   size, spacing, origin and direction that SimpleITK reports for it (checked bit for bit on
//!   the IBSI phantom, PyRadiomics' brain1 NRRD files and a raw and a preprocessed BraTS case).
//!   How the NIfTI sform or qform is chosen is described in [`io`].
//!
//! # Example
//!
//! ```
//! use radiomics_volume::io::{self, DataType};
//! use radiomics_volume::ndarray::Array3;
//! use radiomics_volume::{Geometry, LabelMap, Volume};
//!
//! # fn main() -> Result<(), radiomics_volume::VolumeError> {
//! let geometry = Geometry::new([0.9, 0.9, 5.5], [-113.6, 74.6, -46.9], [1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0])?;
//! let image = Volume::new(Array3::<f64>::from_elem((4, 4, 5), 120.0), geometry)?;
//! assert_eq!(image.size(), [5, 4, 4]); // [x, y, z]
//! let p = image.geometry().index_to_point([1.0, 0.0, 0.0]);
//! assert!((p[0] - (-112.7)).abs() < 1e-12);
//!
//! // Write as int16 NIfTI and read it back.
//! let dir = std::env::temp_dir().join(format!("radiomics-volume-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("t1.nii.gz");
//! io::write_volume_as(&image, &path, DataType::I16)?;
//! let (back, info) = io::read_image(&path)?;
//! assert_eq!(info.datatype, DataType::I16);
//! assert_eq!(back.array(), image.array());
//!
//! // A label map and the union of two labels (BraTS tumour core = necrosis 1 + enhancing 4).
//! let labels = LabelMap(image.map(|_| 4u32));
//! io::write_label_map(&labels, dir.join("seg.nrrd"))?;
//! let core = io::read_mask(dir.join("seg.nrrd"), &[1, 4])?;
//! assert_eq!(core.count(), 80);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok(())
//! # }
//! ```
//!
//! # Errors
//!
//! All fallible functions return [`VolumeError`]; every variant names the file or value at
//! fault and says how to fix it:
//!
//! | variant | meaning |
//! |---|---|
//! | [`VolumeError::Open`] | the file does not exist or cannot be opened |
//! | [`VolumeError::Io`] | reading or writing failed part way |
//! | [`VolumeError::UnknownFormat`] | neither NIfTI nor NRRD magic bytes (or, when writing, an unknown extension) |
//! | [`VolumeError::CorruptCompressedData`] | the gzip stream is truncated or corrupt |
//! | [`VolumeError::DataLength`] | fewer (or, for NRRD, more) voxel bytes than the header announces |
//! | [`VolumeError::InvalidHeader`] | a header field is malformed (bad `dim`, zero `pixdim`, unparsable NRRD field, ...) |
//! | [`VolumeError::UnsupportedDatatype`] | complex, RGB, `u64`, 128-bit or NRRD `block` voxels |
//! | [`VolumeError::Unsupported`] | a layout we do not read: Analyze 7.5, `.hdr`/`.img` pairs, NRRD bzip2/hex, data file lists |
//! | [`VolumeError::NotThreeDimensional`] | a 4-D, time-series or vector image; the message says how to extract one volume |
//! | [`VolumeError::NonOrthonormalOrientation`] | the NIfTI transform is sheared or scaled and there is no qform to fall back on |
//! | [`VolumeError::NonOrthonormalDirection`] | a direction matrix given in code is not a rotation |
//! | [`VolumeError::InvalidSpacing`], [`VolumeError::InvalidOrigin`] | spacing not finite and > 0, origin not finite |
//! | [`VolumeError::ValueOutOfRange`] | writing a value the requested data type cannot hold |
//! | [`VolumeError::InvalidLabelValue`] | a label image holds a negative or fractional value |
//! | [`VolumeError::EmptyMask`] | the requested labels select no voxel |
//! | [`VolumeError::GeometryMismatch`], [`VolumeError::ShapeMismatch`] | two images are not on the same grid |
//! | [`VolumeError::OutOfBounds`] | a crop or index lies outside the image |
//!
//! NaN and infinite voxels are not an error: readers keep them and log their count with a
//! `tracing` warning; [`Volume::statistics`] skips and counts them.
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
