//! Subcommands of the `radiomics` binary, one module each.

pub mod demo;
pub mod extract;
#[cfg(feature = "texture")]
pub mod features;
pub mod fit;
pub mod info;
pub mod report;
pub mod run;
pub mod select;
pub mod validate;
#[cfg(feature = "deepfeat")]
pub mod convert_caffe;
#[cfg(feature = "deepfeat")]
pub mod deep_features;
#[cfg(feature = "preproc")]
pub mod match_histogram;
#[cfg(feature = "preproc")]
pub mod n4;
#[cfg(feature = "preproc")]
pub mod preprocess;
#[cfg(feature = "preproc")]
pub mod register;
#[cfg(feature = "preproc")]
pub mod resample;
#[cfg(feature = "preproc")]
pub mod skull_strip;
