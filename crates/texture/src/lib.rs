//! Handcrafted radiomics features: shape, first order, GLCM, GLRLM, GLSZM, GLDM and NGTDM, with
//! the PyRadiomics 3.0.1 / 3.1 feature names and numbers and the IBSI-1 definitions as a second
//! convention.
//!
//! ```no_run
//! # use radiomics_texture::{Extractor, Settings};
//! # fn demo(image: radiomics_volume::Volume<f64>, labels: radiomics_volume::LabelMap) -> radiomics_texture::Result<()> {
//! let settings = Settings::from_yaml_file(std::path::Path::new("params.yaml"))?;
//! let features = Extractor::new(settings)?.execute(&image, &labels)?;
//! for (name, value) in features.iter() {
//!     println!("{name},{value}");
//! }
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod error;
pub mod extract;
pub mod features;
pub mod firstorder;
pub mod ibsi;
pub mod matrices;
pub mod names;
pub mod reference;
pub mod resample;
pub mod roi;
pub mod settings;
pub mod shape;
pub mod texture;

pub use error::{Result, TextureError};
pub use extract::{Extractor, Prepared};
pub use features::{CaseFeatures, FeatureSet, write_long, write_wide};
pub use roi::{Discretised, Roi};
pub use settings::{Aggregation, Convention, FeatureClass, Interpolator, ResegmentMode, Settings, WeightingNorm};
