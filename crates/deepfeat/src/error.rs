use std::path::PathBuf;

/// Errors of the deep-feature crate: invalid models, unusable input images, backend failures.
///
/// Every variant names the offending file, tensor, region or setting, so that the message alone
/// says what to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeepFeatError {
    /// A model or weights file could not be read or written.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was attempted ("read", "write").
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The bytes are not a valid protobuf message of the expected type (truncated or not a
    /// model file at all).
    #[error("{what} is not a valid {format} file ({detail}); check that the file is complete and of the right type")]
    CorruptModel {
        /// The file or buffer, e.g. `cnn_s.onnx`.
        what: String,
        /// "ONNX" or "Caffe .caffemodel".
        format: &'static str,
        /// The decoder's message.
        detail: String,
    },
    /// The ONNX model's graph input does not have the shape the feature extractor feeds.
    #[error(
        "model {what}: input `{input}` has shape {found}, but the extractor feeds [N, 3, {size}, {size}] \
         float32 images; use an ImageNet network with a 3 x {size} x {size} input"
    )]
    ModelInput {
        /// The model file.
        what: String,
        /// The input tensor name.
        input: String,
        /// The shape found, formatted (symbolic dimensions by name).
        found: String,
        /// The expected spatial size.
        size: usize,
    },
    /// A requested feature output does not exist in the model.
    #[error(
        "model {what} has no tensor named `{output}` (graph outputs: {available:?}); name the feature \
         outputs of your network, e.g. --outputs fc6_out,fc7_out"
    )]
    MissingOutput {
        /// The model file.
        what: String,
        /// The requested name.
        output: String,
        /// The graph outputs present.
        available: Vec<String>,
    },
    /// The network description is inconsistent (a layer has no weights, a size collapses to
    /// zero, a Caffe layer type is unsupported, ...).
    #[error("network {network}, layer `{layer}`: {detail}")]
    InvalidNetwork {
        /// The network name.
        network: String,
        /// The layer name.
        layer: String,
        /// What is wrong.
        detail: String,
    },
    /// A tensor handed to a backend has the wrong shape.
    #[error("input batch has shape {found:?}; expected [N, 3, {size}, {size}] with N >= 1")]
    BatchShape {
        /// The shape found.
        found: Vec<usize>,
        /// The expected spatial size.
        size: usize,
    },
    /// The segmentation has no tumour voxel at all.
    #[error(
        "segmentation {what} has no voxel with labels {labels:?} (labels present: {present:?}); \
         check --labels and that the segmentation belongs to this patient"
    )]
    EmptySegmentation {
        /// The segmentation file or patient.
        what: String,
        /// The labels that define the tumour.
        labels: Vec<u32>,
        /// The non-zero labels present.
        present: Vec<u32>,
    },
    /// A sub-region has no pixel on the chosen slice.
    #[error(
        "{what}: region {region} (labels {labels:?}) has no pixel on axial slice z = {slice}; \
         choose another label set for it, or set the empty-region policy to NaN features"
    )]
    EmptyRegion {
        /// The segmentation file or patient.
        what: String,
        /// The region code, e.g. `SNE`.
        region: String,
        /// The region's labels.
        labels: Vec<u32>,
        /// The axial slice index (0-based).
        slice: usize,
    },
    /// Two images of a patient are not on the same voxel grid.
    #[error("{what}: {detail}")]
    Volume {
        /// The files involved.
        what: String,
        /// The volume crate's message.
        detail: String,
    },
    /// A setting is out of range.
    #[error("invalid setting {name} = {value}: {reason}")]
    InvalidSetting {
        /// The setting.
        name: &'static str,
        /// The value given.
        value: String,
        /// The valid range.
        reason: String,
    },
    /// The ONNX Runtime library could not be loaded.
    #[error(
        "cannot load the ONNX Runtime library {path}: {detail}. Set ORT_DYLIB_PATH to the full path of \
         libonnxruntime.so.1.31.1 (for example from `pip install onnxruntime==1.31.1`: \
         site-packages/onnxruntime/capi/libonnxruntime.so.1.31.1), or use --backend tract"
    )]
    OrtLibrary {
        /// The path tried, or "<ORT_DYLIB_PATH not set>".
        path: String,
        /// The loader's message.
        detail: String,
    },
    /// The selected backend was not compiled in.
    #[error("backend {backend} is not compiled in; rebuild with `--features {backend}`")]
    BackendUnavailable {
        /// "tract" or "ort".
        backend: &'static str,
    },
    /// The inference backend failed while loading or running the model.
    #[error("{backend} failed on model {what}: {detail}")]
    Backend {
        /// "tract" or "ort".
        backend: &'static str,
        /// The model file.
        what: String,
        /// The backend's message.
        detail: String,
    },
}

/// Result type of this crate.
pub type Result<T, E = DeepFeatError> = std::result::Result<T, E>;
