//! radiomics-rs: multi-modality brain-tumour MRI to a validated survival model.
//!
//! This facade re-exports the workspace crates behind features and holds no algorithm code:
//!
//! | feature | crate | contents |
//! |---|---|---|
//! | `volume` | [`volume`] | image type, masks, NIfTI/NRRD I/O |
//! | `preproc` | [`preproc`] | N4, skull stripping, resampling, registration, histogram matching |
//! | `texture` | [`texture`] | handcrafted features (PyRadiomics and IBSI conventions) |
//! | `deepfeat` | [`deepfeat`] | CNN-S fc6/fc7 features through ONNX (`tract` or `ort` backend) |
//! | `survival` | [`survival`] | Cox, LASSO Cox, C-index, Kaplan-Meier, log-rank, selection |
//! | `nomogram` | [`nomogram`] | nomograms, calibration, plots and reports |
//! | `cli` | - | the `radiomics` command-line program |
#![warn(missing_docs)]

#[cfg(feature = "volume")]
pub use radiomics_volume as volume;

#[cfg(feature = "preproc")]
pub use radiomics_preproc as preproc;

#[cfg(feature = "texture")]
pub use radiomics_texture as texture;

#[cfg(feature = "deepfeat")]
pub use radiomics_deepfeat as deepfeat;

#[cfg(feature = "survival")]
pub use radiomics_survival as survival;

#[cfg(feature = "nomogram")]
pub use radiomics_nomogram as nomogram;
