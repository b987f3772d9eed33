//! The error type of the texture crate.

use radiomics_volume::VolumeError;

/// Everything that can go wrong while computing features. Each variant names the value at fault
/// and the way to fix it.
#[derive(Debug, thiserror::Error)]
pub enum TextureError {
    /// An error from the volume crate (grid mismatch, empty mask, I/O).
    #[error(transparent)]
    Volume(#[from] VolumeError),

    /// The requested label(s) do not occur in the label map.
    #[error(
        "label(s) {requested:?} not found in the mask (labels present: {present:?}); pass one of the present labels with --label or `label` in the params file"
    )]
    LabelAbsent {
        /// Requested labels.
        requested: Vec<u32>,
        /// Non-zero labels present in the mask.
        present: Vec<u32>,
    },

    /// The ROI contains no voxel (after resegmentation, if any).
    #[error("the region of interest is empty {stage}; check the label and the resegmentation range")]
    EmptyRoi {
        /// Stage at which the ROI became empty, e.g. "after resegmentation to [0, 100]".
        stage: String,
    },

    /// The ROI spans fewer dimensions or voxels than the settings demand.
    #[error("the ROI is too small: {detail}; lower minimumROIDimensions / minimumROISize or check the mask")]
    RoiTooSmall {
        /// What is too small.
        detail: String,
    },

    /// Voxel values inside the ROI are NaN or infinite.
    #[error(
        "{count} voxel(s) inside the ROI are NaN or infinite (first at [x, y, z] = {first:?}); mask them out or fix the image"
    )]
    NonFiniteInRoi {
        /// Number of non-finite voxels inside the ROI.
        count: usize,
        /// Index [x, y, z] of the first one.
        first: [usize; 3],
    },

    /// A setting has a value outside its allowed range.
    #[error("invalid setting `{name}` = {value}: {reason}")]
    InvalidSetting {
        /// The setting's PyRadiomics name.
        name: String,
        /// The value given.
        value: String,
        /// What is allowed.
        reason: String,
    },

    /// A key of a params file that we do not know.
    #[error("unknown key `{key}` in {section} of {file}; known keys: {known}")]
    UnknownParameter {
        /// The key as written.
        key: String,
        /// The section, e.g. "`setting`".
        section: String,
        /// The params file.
        file: String,
        /// The accepted keys.
        known: String,
    },

    /// The params file cannot be read or parsed.
    #[error("cannot read params file {file}: {detail}")]
    Params {
        /// The params file.
        file: String,
        /// The parser's message.
        detail: String,
    },

    /// The discretised matrix would be larger than the configured limit.
    #[error(
        "{what} would need {elements} cells ({levels} grey levels), above the limit of {limit}; increase binWidth (now {bin_width}) or use binCount, or raise `max_matrix_cells`"
    )]
    MatrixTooLarge {
        /// Which matrix.
        what: String,
        /// Number of cells it would need.
        elements: u64,
        /// Number of grey levels after discretisation.
        levels: u64,
        /// The configured limit.
        limit: u64,
        /// The bin width in use (NaN for a bin count).
        bin_width: f64,
    },

    /// A feature family cannot be computed on this ROI (e.g. 2-D shape on a 3-D ROI).
    #[error("{family} cannot be computed: {reason}")]
    NotApplicable {
        /// The feature family.
        family: String,
        /// Why.
        reason: String,
    },

    /// Writing the output failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// Output path.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Result type of this crate.
pub type Result<T, E = TextureError> = std::result::Result<T, E>;
