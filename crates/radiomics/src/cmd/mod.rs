//! Subcommands of the `radiomics` binary, one module each.

#[cfg(feature = "deepfeat")]
pub mod convert_caffe;
#[cfg(feature = "deepfeat")]
pub mod deep_features;
pub mod demo;
pub mod extract;
#[cfg(feature = "texture")]
pub mod features;
pub mod fit;
pub mod info;
#[cfg(feature = "preproc")]
pub mod match_histogram;
#[cfg(feature = "preproc")]
pub mod n4;
#[cfg(feature = "preproc")]
pub mod preprocess;
#[cfg(feature = "preproc")]
pub mod register;
pub mod report;
#[cfg(feature = "preproc")]
pub mod resample;
pub mod run;
pub mod select;
#[cfg(feature = "preproc")]
pub mod skull_strip;
pub mod validate;
