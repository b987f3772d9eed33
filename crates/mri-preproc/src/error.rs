use radiomics_volume::VolumeError;

/// Errors of the preprocessing crate.
///
/// Every variant carries the offending numbers and names the image, so that the message alone
/// says what to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PreprocError {
    /// An error of the volume crate (invalid geometry, mismatched grids, I/O).
    #[error(transparent)]
    Volume(#[from] VolumeError),
    /// A parameter lies outside its valid range.
    #[error("invalid parameter {name} = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name as in the API, e.g. `"spacing"`.
        name: &'static str,
        /// The value that was given, formatted.
        value: String,
        /// The valid range and what to do instead.
        reason: String,
    },
    /// The image contains NaN or infinite voxels.
    #[error(
        "{what}: {count} voxels are NaN or infinite (first at index [x, y, z] = {first:?}); \
         replace them (e.g. with 0) before preprocessing"
    )]
    NonFiniteVoxels {
        /// Which image.
        what: String,
        /// Number of NaN or infinite voxels.
        count: usize,
        /// Index `[x, y, z]` of the first one.
        first: [usize; 3],
    },
    /// Every voxel considered has the same value, so there is no intensity information to use.
    #[error("{what}: all {count} voxels considered have the same value {value}; {hint}")]
    ConstantImage {
        /// Which image (and region).
        what: String,
        /// The common value.
        value: f64,
        /// Number of voxels considered.
        count: usize,
        /// What to check.
        hint: &'static str,
    },
    /// A mask selects no voxel that the step can use.
    #[error("{what} contains no usable voxel ({detail})")]
    EmptyMask {
        /// Which mask.
        what: String,
        /// Why no voxel is usable.
        detail: String,
    },
    /// Two images do not overlap in physical space, or cover very different extents.
    #[error("{what}: {detail}")]
    ExtentMismatch {
        /// The two images.
        what: String,
        /// The extents and overlap, with numbers.
        detail: String,
    },
    /// Registration ended with a metric worse than at the start.
    #[error(
        "registration diverged: Mattes mutual information went from {initial:.6} to {last:.6} \
         (lower is better) after {iterations} iterations; check that both images show the same \
         anatomy, or lower the learning rate"
    )]
    RegistrationDiverged {
        /// Metric value at the initial transform.
        initial: f64,
        /// Metric value at the end.
        last: f64,
        /// Total number of iterations over all levels.
        iterations: usize,
    },
    /// Too few fixed-image samples map inside the moving image.
    #[error(
        "registration: only {inside} of {total} sampled fixed-image points map inside the moving \
         image ({percent:.1} %) with the transform {transform}; the transform left the field of view"
    )]
    OutsideFieldOfView {
        /// Samples inside the moving image.
        inside: usize,
        /// Samples taken.
        total: usize,
        /// Percentage inside.
        percent: f64,
        /// The transform parameters, formatted.
        transform: String,
    },
    /// A transform file could not be parsed.
    #[error("{path}: invalid ITK transform file: {detail}")]
    TransformFile {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
}

impl PreprocError {
    /// Builds [`PreprocError::InvalidParameter`] for `name = value`; `reason` gives the valid
    /// range and what to do instead.
    pub fn invalid_parameter(name: &'static str, value: impl ToString, reason: impl Into<String>) -> Self {
        PreprocError::InvalidParameter { name, value: value.to_string(), reason: reason.into() }
    }
}

/// Result type of this crate.
pub type Result<T, E = PreprocError> = std::result::Result<T, E>;
