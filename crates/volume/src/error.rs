use std::path::PathBuf;

/// Errors of the volume crate: invalid geometry, mismatched grids and unreadable files.
///
/// Every variant names the offending value or file so that the message alone tells the user what
/// to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VolumeError {
    /// A spacing value is not finite or not strictly positive.
    #[error("invalid spacing {spacing:?} mm: every spacing must be finite and > 0")]
    InvalidSpacing {
        /// The spacing that was given, `(x, y, z)` in mm.
        spacing: [f64; 3],
    },
    /// The origin contains NaN or infinity.
    #[error("invalid origin {origin:?} mm: every coordinate must be finite")]
    InvalidOrigin {
        /// The origin that was given, in mm.
        origin: [f64; 3],
    },
    /// The direction matrix is not orthonormal within the tolerance.
    #[error(
        "direction matrix {direction:?} is not orthonormal (max |D^T D - I| = {deviation:.3e}); \
         the file's orientation is sheared or scaled, fix the header or resample the image"
    )]
    NonOrthonormalDirection {
        /// The nine direction values, row-major.
        direction: [f64; 9],
        /// The largest absolute entry of `D^T D - I`.
        deviation: f64,
    },
    /// The voxel array shape does not match what a caller required.
    #[error("shape mismatch: expected {expected:?} voxels ([z, y, x]), found {found:?}")]
    ShapeMismatch {
        /// Expected shape `[z, y, x]`.
        expected: [usize; 3],
        /// Shape found `[z, y, x]`.
        found: [usize; 3],
    },
    /// Two images do not share the same voxel grid.
    #[error(
        "{what}: the grids differ ({detail}); resample one image onto the other's grid first \
         (for a mask, nearest-neighbour)"
    )]
    GeometryMismatch {
        /// Description of the compared pair, e.g. "image and mask".
        what: String,
        /// The first differing property and the size of the difference.
        detail: String,
    },
    /// A crop or index lies outside the image.
    #[error("region {region} lies outside the image of size {size:?} ([x, y, z])")]
    OutOfBounds {
        /// The requested region, formatted.
        region: String,
        /// The image size `[x, y, z]`.
        size: [usize; 3],
    },
    /// A mask or label map selects no voxel.
    #[error("{what} contains no voxel; check the label values and that the mask matches this image")]
    EmptyMask {
        /// Name of the mask, e.g. "label 4 of seg.nii.gz".
        what: String,
    },
    /// The file does not exist or could not be opened.
    #[error("cannot open {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Reading or writing failed part way (for example a truncated gzip stream).
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file's format could not be recognised from its extension or magic bytes.
    #[error("{path}: unknown image format ({detail}); supported are .nii, .nii.gz and .nrrd")]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// Description of the content found.
        detail: String,
    },
    /// The header is malformed.
    #[error("{path}: invalid header: {detail}")]
    InvalidHeader {
        /// The file.
        path: PathBuf,
        /// The fault and, where possible, the fix.
        detail: String,
    },
    /// The voxel data are shorter or longer than the header announces.
    #[error(
        "{path}: the header announces {expected} bytes of voxel data but {found} were found; \
         the file is truncated or its header sizes are wrong"
    )]
    DataLength {
        /// The file.
        path: PathBuf,
        /// Bytes expected from the header.
        expected: u64,
        /// Bytes present.
        found: u64,
    },
    /// The voxel data type is not supported.
    #[error(
        "{path}: unsupported voxel data type {datatype}; supported are u8, i8, i16, u16, i32, u32, i64, f32 and f64"
    )]
    UnsupportedDatatype {
        /// The file.
        path: PathBuf,
        /// The data type found in the header.
        datatype: String,
    },
    /// The image has more than three dimensions.
    #[error(
        "{path}: the image is {ndim}-D with size {dims:?}; only 3-D volumes are read. \
         Extract one volume first (e.g. `fslroi in out 0 1` for the first time point)"
    )]
    NotThreeDimensional {
        /// The file.
        path: PathBuf,
        /// The number of dimensions.
        ndim: usize,
        /// The dimension sizes as stored.
        dims: Vec<usize>,
    },
    /// The compressed (gzip) stream is truncated or corrupt.
    #[error(
        "{path}: the gzip stream is corrupt or truncated ({detail}); the file was cut short \
         during copy or download, fetch it again"
    )]
    CorruptCompressedData {
        /// The file.
        path: PathBuf,
        /// Error message of the decompressor.
        detail: String,
    },
    /// The file uses an encoding or layout this crate does not read.
    #[error("{path}: unsupported {what}; {fix}")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// The unsupported feature, e.g. "NRRD encoding bzip2".
        what: String,
        /// How to convert the file into something readable.
        fix: String,
    },
    /// The orientation stored in a NIfTI header is not a rotation (ITK rejects it as well).
    #[error(
        "{path}: {detail}; ITK only supports orthonormal direction cosines. Fix the sform/qform \
         (e.g. `fslorient -copyqform2sform`) or resample the image"
    )]
    NonOrthonormalOrientation {
        /// The file.
        path: PathBuf,
        /// The transform examined and its distance from a rotation.
        detail: String,
    },
    /// A voxel value cannot be stored in the requested on-disk data type.
    #[error(
        "{path}: voxel value {value} does not fit data type {datatype}; write with a wider \
         type (e.g. f32) or rescale the image first"
    )]
    ValueOutOfRange {
        /// The file being written.
        path: PathBuf,
        /// The first offending value.
        value: f64,
        /// The requested data type.
        datatype: crate::io::DataType,
    },
    /// A label image contains a value that is not a non-negative integer.
    #[error(
        "{what}: label value {value} is not a non-negative integer; a label map must hold integer \
         labels (if this is an intensity image, pass it as the image, not the mask)"
    )]
    InvalidLabelValue {
        /// Name of the label map, e.g. the file name.
        what: String,
        /// The first offending value.
        value: f64,
    },
}
