//! Deep features of the radiomics method: the fc6 and fc7 activations of the ImageNet CNN-S on
//! crops of each tumour sub-region of the largest tumour slice, run through ONNX with `tract`
//! (pure Rust, default) or ONNX Runtime (`ort` feature).
//!
//! From each patient, four modalities x three sub-regions x two layers x 4096 units gives
//! 98,304 features.
//!
//! # Pipeline
//!
//! 1. [`prepare_patient`]: the axial slice with the largest whole-tumour area; each modality
//!    normalised linearly to [0, 255]; the bounding box of each sub-region (necrosis `SNE`,
//!    tumour core `STC`, whole tumour `SWT`; label sets in [`RegionLabels`]) cropped from each
//!    modality; MATLAB-style bicubic resizing to 224 x 224 ([`resize`], Keys kernel with
//!    `a = -0.5`); mean subtraction; the grey image in the red channel only, or in all three
//!    ([`GreyscaleInput`]).
//! 2. [`OnnxModel`]: the network, loaded once per process and validated on load (one float32
//!    `[N, 3, 224, 224]` input, the named feature outputs present).
//! 3. [`FeatureExtractor`]: one batch per patient (12 crops), features named
//!    `{MODALITY}_{REGION}_F{6|7}_{unit}` with units counted from 1, e.g. `T1C_SNE_F7_1508`.
//!
//! # Weights
//!
//! The published CNN-S weights (`VGG_CNN_S.caffemodel`, Chatfield et al. 2014) are licensed
//! for **non-commercial use only**. This crate never bundles or downloads them: users convert
//! their own copy with [`caffe::caffe_to_onnx`] (`radiomics convert-caffe`), or bring any
//! ONNX ImageNet network that exposes the named outputs. For tests and demonstrations,
//! [`Weights::he_normal`] gives seeded random weights and [`random_cnn_s_onnx`] writes them
//! as an ONNX model.
//!
//! # Backends
//!
//! * `tract` (cargo feature, default): pure Rust, CPU, one thread per batch. The plan is
//!   optimised once per batch size. The model's `LRN` layers run through this crate's
//!   plane-by-plane code, because tract's own operator evaluates them one value at a time
//!   and took more than half of CNN-S's time.
//! * `ort` (cargo feature): ONNX Runtime loaded at run time from the file named by
//!   `ORT_DYLIB_PATH` (for example `site-packages/onnxruntime/capi/libonnxruntime.so.1.31.1`
//!   from `pip install onnxruntime==1.31.1`); CPU, or CUDA with the `onnxruntime-gpu` library.
//!
//! The two backends agree on the same model and input to
//! `|tract - ort| <= 1e-4 * max(1, m)` for every unit, where `m` is the largest `|ort|` of that
//! crop in that layer (the crate's `backend_agreement` test, run in CI). The bound scales with
//! `m` because each engine adds the thousands of float32 products of a unit in its own order,
//! so the results differ by a fraction of the size of the terms. On the full-size CNN-S with
//! seeded weights the activations reach about 200, and the backends differ by up to 1.0e-3
//! (6.3e-6 of `m`) and by up to 5.1e-4 on values below 1.
//!
//! # References
//!
//! * K. Chatfield, K. Simonyan, A. Vedaldi, A. Zisserman. Return of the Devil in the Details:
//!   Delving Deep into Convolutional Nets. BMVC 2014, arXiv:1405.3531.
//! * R. Keys. Cubic convolution interpolation for digital image processing. IEEE Trans.
//!   Acoustics, Speech and Signal Processing 29(6), 1981.
#![warn(missing_docs)]

/// The `ndarray` version this crate's API uses.
pub use ndarray;

mod backend;
pub mod caffe;
mod error;
mod extract;
pub mod network;
pub mod onnx;
mod prepare;
pub mod resize;

pub use backend::{BackendKind, Device, ModelOptions, OnnxModel};
pub use error::{DeepFeatError, Result};
pub use extract::{DeepFeatures, FeatureExtractor, feature_name, layer_code};
pub use network::{CnnSWidths, Network, Weights};
pub use onnx::{FeatureActivation, ModelInfo, OnnxExportOptions};
pub use prepare::{
    ColourOrder, EmptyRegionPolicy, GreyscaleInput, IMAGENET_MEAN_BGR, Modality, NormalisationScope, PrepareSettings,
    PreparedBatch, Region, RegionLabels, SliceBox, largest_slice, normalise_0_255, prepare_patient, region_box,
};

/// Writes a CNN-S-shaped network ([`CnnSWidths::FULL`] or a down-scaled one) with seeded
/// He-normal weights ([`Weights::he_normal`]) as an ONNX model, with `fc6_out` and `fc7_out`
/// outputs of the given activation and the ImageNet BGR mean in its metadata.
///
/// The full-size model is 412 MB; keep it in memory or in a temporary file, never in a
/// repository.
pub fn random_cnn_s_onnx(widths: CnnSWidths, seed: u64, activation: FeatureActivation) -> Result<Vec<u8>> {
    let network = Network::cnn_s_with_widths(widths);
    let weights = Weights::he_normal(&network, seed)?;
    let options = OnnxExportOptions {
        activation,
        metadata: vec![
            (onnx::META_COLOUR_ORDER.into(), "BGR".into()),
            (onnx::META_MEAN.into(), IMAGENET_MEAN_BGR.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(",")),
            ("radiomics.weights".into(), format!("he-normal seed {seed}")),
        ],
        ..Default::default()
    };
    onnx::write_onnx(&network, &weights, &options)
}
