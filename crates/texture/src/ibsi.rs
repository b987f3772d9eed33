//! IBSI-1 convention: the IBSI feature families and aggregation methods.

use crate::error::{Result, TextureError};
use crate::extract::Prepared;
use crate::features::FeatureSet;
use crate::settings::Settings;

/// IBSI intensity-histogram feature tags.
pub const IH_NAMES: &[&str] = &[];
/// IBSI intensity-volume histogram feature tags.
pub const IVH_NAMES: &[&str] = &[];
/// IBSI local intensity feature tags.
pub const LOC_NAMES: &[&str] = &[];
/// IBSI GLDZM feature tags.
pub const GLDZM_NAMES: &[&str] = &[];
/// IBSI NGLDM feature tags.
pub const NGLDM_NAMES: &[&str] = &[];

/// All IBSI features of a prepared case.
pub fn ibsi_features(_p: &Prepared, _s: &Settings) -> Result<FeatureSet> {
    Err(TextureError::NotApplicable {
        family: "IBSI convention".into(),
        reason: "not implemented yet".into(),
    })
}
