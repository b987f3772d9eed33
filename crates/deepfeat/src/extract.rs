//! The end-to-end feature extractor: prepared crops through the network, named features out.

use std::sync::Arc;

use radiomics_volume::{LabelMap, Volume};

use crate::backend::OnnxModel;
use crate::onnx::ModelInfo;
use crate::prepare::{Modality, PrepareSettings, PreparedBatch, Region, prepare_patient};
use crate::{DeepFeatError, Result};

/// One patient's deep features: names and values in the same order.
#[derive(Debug, Clone, PartialEq)]
pub struct DeepFeatures {
    /// `{MODALITY}_{REGION}_{LAYER}_{unit}`, e.g. `T1C_SNE_F7_1508` (units count from 1).
    pub names: Vec<String>,
    /// The activations (NaN for an empty region under
    /// [`crate::EmptyRegionPolicy::NanFeatures`]).
    pub values: Vec<f32>,
    /// The axial slice used (0-based `z`).
    pub slice: usize,
}

/// Returns the layer code of a feature output in feature names: `fc6_out` and `fc6` give `F6`; any
/// other name is upper-cased with `_out` removed.
pub fn layer_code(output: &str) -> String {
    let base = output.strip_suffix("_out").unwrap_or(output);
    match base.strip_prefix("fc") {
        Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => format!("F{digits}"),
        _ => base.to_ascii_uppercase(),
    }
}

/// Feature name `{MODALITY}_{REGION}_{LAYER}_{unit}` with `unit` counted from 1.
pub fn feature_name(modality: Modality, region: Region, layer: &str, unit: usize) -> String {
    format!("{}_{}_{}_{}", modality.code(), region.code(), layer, unit)
}

impl PrepareSettings {
    /// Default settings adjusted to a model's metadata: its colour order and mean when it
    /// stores them ([`crate::onnx::META_COLOUR_ORDER`], [`crate::onnx::META_MEAN`]), and
    /// `input_size`.
    pub fn for_model(info: &ModelInfo, input_size: usize) -> Self {
        let mut settings = Self { input_size, ..Self::default() };
        if let Some(order) = info.colour_order() {
            settings.colour_order = order;
        }
        if let Some(mean) = info.mean() {
            settings.mean = mean;
        }
        settings
    }
}

/// Runs patients' crops through a shared model.
///
/// `FeatureExtractor` is `Send + Sync` and cheap to clone: the model is behind an `Arc`, so
/// one load serves every thread.
#[derive(Debug, Clone)]
pub struct FeatureExtractor {
    model: Arc<OnnxModel>,
    settings: PrepareSettings,
}

impl FeatureExtractor {
    /// Creates an extractor for `model` with the given preparation settings. `settings.input_size`
    /// must equal the model's input size.
    pub fn new(model: Arc<OnnxModel>, settings: PrepareSettings) -> Result<Self> {
        let size = model.options().input_size;
        if settings.input_size != size {
            return Err(DeepFeatError::InvalidSetting {
                name: "input_size",
                value: settings.input_size.to_string(),
                reason: format!("the model takes {size} x {size} images"),
            });
        }
        Ok(Self { model, settings })
    }

    /// Returns the shared model.
    pub fn model(&self) -> &Arc<OnnxModel> {
        &self.model
    }

    /// Returns the preparation settings.
    pub fn settings(&self) -> &PrepareSettings {
        &self.settings
    }

    /// Prepares one patient's crops ([`prepare_patient`]) and runs them through the network
    /// in one batch (12 crops for four modalities and three regions).
    pub fn extract<T: Copy + Into<f64>>(
        &self,
        images: &[(Modality, &Volume<T>)],
        segmentation: &LabelMap,
        what: &str,
    ) -> Result<DeepFeatures> {
        let prepared = prepare_patient(images, segmentation, &self.settings, what)?;
        let modalities: Vec<Modality> = images.iter().map(|(m, _)| *m).collect();
        self.run_prepared(&prepared, &modalities)
    }

    /// Runs an already prepared batch; `modalities` lists the images in preparation order.
    pub fn run_prepared(&self, prepared: &PreparedBatch, modalities: &[Modality]) -> Result<DeepFeatures> {
        let outputs = self.model.run(prepared.batch.view())?;
        let codes: Vec<String> = self.model.info().outputs.iter().map(|(name, _)| layer_code(name)).collect();
        let mut names = Vec::new();
        let mut values = Vec::new();
        for &modality in modalities {
            for region in Region::ALL {
                let row = prepared.crops.iter().position(|&(m, r, _)| m == modality && r == region);
                for (output, code) in outputs.iter().zip(&codes) {
                    let units = output.ncols();
                    names.extend((1..=units).map(|u| feature_name(modality, region, code, u)));
                    match row {
                        Some(k) => values.extend(output.row(k).iter().copied()),
                        None => values.extend(std::iter::repeat_n(f32::NAN, units)),
                    }
                }
            }
        }
        Ok(DeepFeatures { names, values, slice: prepared.slice })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_codes() {
        assert_eq!(layer_code("fc6_out"), "F6");
        assert_eq!(layer_code("fc7"), "F7");
        assert_eq!(layer_code("fc_out"), "FC");
        assert_eq!(layer_code("pool5_out"), "POOL5");
    }

    #[test]
    fn names_count_from_one() {
        assert_eq!(feature_name(Modality::T1c, Region::Necrosis, "F7", 1508), "T1C_SNE_F7_1508");
        assert_eq!(feature_name(Modality::Flair, Region::Whole, "F6", 1), "FLAIR_SWT_F6_1");
    }
}
