//! The `radiomics run` configuration file (TOML): every key, its default and its checks.
//!
//! Unknown keys are errors that name the key, so a misspelt setting never falls back to a
//! default silently. Relative paths are resolved against the folder of the config file.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

/// The whole configuration of one run. Every section and key is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `[input]`: where the cohort is described.
    pub input: InputSection,
    /// `[output]`: where the results go.
    pub output: OutputSection,
    /// `[labels]`: label values of the sub-regions in the segmentations.
    pub labels: LabelSection,
    /// `[preprocess]`: the MRI preprocessing stage.
    pub preprocess: PreprocessSection,
    /// `[features]`: handcrafted and deep feature settings.
    pub features: FeatureSection,
    /// `[selection]`: the four-step feature selection.
    pub selection: SelectionSection,
    /// `[model]`: the LASSO Cox signature and the combined model.
    pub model: ModelSection,
    /// `[validation]`: validation, cut point, Kaplan-Meier, nomogram and calibration.
    pub validation: ValidationSection,
}

/// `[input]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InputSection {
    /// Manifest CSV, relative to the config file. Default `manifest.csv`.
    pub manifest: PathBuf,
}

impl Default for InputSection {
    fn default() -> Self {
        Self { manifest: PathBuf::from("manifest.csv") }
    }
}

/// `[output]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputSection {
    /// Output folder, relative to the config file. Default `out`.
    pub dir: PathBuf,
}

impl Default for OutputSection {
    fn default() -> Self {
        Self { dir: PathBuf::from("out") }
    }
}

/// `[labels]` section: the label values of each sub-region (BraTS scheme by default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LabelSection {
    /// Necrotic / non-enhancing core. Default `[1]`.
    pub necrosis: Vec<u32>,
    /// Enhancing tumour. Default `[4]`.
    pub enhancing: Vec<u32>,
    /// Peritumoral oedema. Default `[2]`.
    pub oedema: Vec<u32>,
}

impl Default for LabelSection {
    fn default() -> Self {
        Self { necrosis: vec![1], enhancing: vec![4], oedema: vec![2] }
    }
}

/// `[preprocess]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PreprocessSection {
    /// Run N4, skull stripping, resampling, registration and normalisation before extraction.
    /// Default `false` (the images are already preprocessed, as BraTS data are).
    pub enabled: bool,
}

/// ONNX backend of the deep features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Pure-Rust `tract` (default).
    #[default]
    Tract,
    /// ONNX Runtime, loaded at run time from `ORT_DYLIB_PATH`.
    Ort,
}

/// Size of the seeded random network used when no model file is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DeepWidths {
    /// The full CNN-S: 4096 units in fc6 and fc7, 98,304 features per patient (default).
    #[default]
    Full,
    /// A down-scaled CNN-S with the same layers and 64 fc units (2 layers x 64 units x 12 = 1,536
    /// per patient), for quick demonstrations and tests.
    Small,
}

/// `[features]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeatureSection {
    /// Optional PyRadiomics YAML parameter file; empty = PyRadiomics defaults. Default `""`.
    pub params: PathBuf,
    /// Compute handcrafted features. Default `true`.
    pub handcrafted: bool,
    /// Compute deep features. Default `true`.
    pub deep: bool,
    /// ONNX model with `fc6`/`fc7` outputs; empty = seeded random CNN-S weights. Default `""`.
    pub deep_model: PathBuf,
    /// Seed of the random weights when `deep_model` is empty. Default `7`.
    pub deep_seed: u64,
    /// Network size of the random weights when `deep_model` is empty. Default `"full"`.
    pub deep_widths: DeepWidths,
    /// ONNX backend. Default `"tract"`.
    pub backend: Backend,
}

impl Default for FeatureSection {
    fn default() -> Self {
        Self {
            params: PathBuf::new(),
            handcrafted: true,
            deep: true,
            deep_model: PathBuf::new(),
            deep_seed: 7,
            deep_widths: DeepWidths::Full,
            backend: Backend::Tract,
        }
    }
}

/// `[selection]` section: thresholds of the four-step selection and the missing-value rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SelectionSection {
    /// Keep features whose ICC over repeat segmentations is at least this. Default `0.85`.
    pub icc_min: f64,
    /// Keep features whose median absolute deviation is greater than this. Default `0.0`.
    pub mad_min: f64,
    /// Keep features whose univariate C-index (or 1 - C) is at least this. Default `0.58`.
    pub cindex_min: f64,
    /// Drop one of each pair with |Pearson r| above this. Default `0.90`.
    pub correlation_max: f64,
    /// Drop features missing in more than this share of discovery patients; impute the rest
    /// with the discovery median. Default `0.2`.
    pub max_missing_share: f64,
    /// ICC form: `"absolute"` = ICC(2,1), two-way random effects, absolute agreement;
    /// `"consistency"` = ICC(3,1), two-way mixed effects, consistency. Default `"absolute"`.
    pub icc_form: IccFormSetting,
}

/// The ICC form of the robustness step (Shrout and Fleiss 1979; McGraw and Wong 1996).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum IccFormSetting {
    /// ICC(2,1): two-way random effects, absolute agreement, single measurement (default).
    #[default]
    Absolute,
    /// ICC(3,1): two-way mixed effects, consistency, single measurement.
    Consistency,
}

impl Default for SelectionSection {
    fn default() -> Self {
        Self {
            icc_min: 0.85,
            mad_min: 0.0,
            cindex_min: 0.58,
            correlation_max: 0.90,
            max_missing_share: 0.2,
            icc_form: IccFormSetting::Absolute,
        }
    }
}

/// Which lambda of the cross-validated LASSO path the signature uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LambdaChoice {
    /// The lambda with the lowest cross-validated partial-likelihood deviance (default).
    #[default]
    Min,
    /// The largest lambda within one standard error of the minimum.
    #[serde(rename = "1se")]
    OneSe,
}

/// `[model]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelSection {
    /// Cross-validation folds of the LASSO Cox fit. Default `10`.
    pub folds: usize,
    /// Seed of the fold assignment. Default `42`.
    pub seed: u64,
    /// `"min"` or `"1se"`. Default `"min"`.
    pub lambda: LambdaChoice,
    /// Clinical manifest columns that enter the combined Cox model and the nomogram with the
    /// signature score. Default `["age", "kps"]`.
    pub clinical: Vec<String>,
}

impl Default for ModelSection {
    fn default() -> Self {
        Self { folds: 10, seed: 42, lambda: LambdaChoice::Min, clinical: vec!["age".into(), "kps".into()] }
    }
}

/// How the high/low risk cut point is chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CutSetting {
    /// A fixed score threshold.
    Value(f64),
    /// `"discovery-optimal"` (maximally selected log-rank statistic on discovery, applied to
    /// validation) or `"median"` (discovery median).
    Named(String),
}

/// The resolved cut-point rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CutRule {
    /// Maximally selected log-rank statistic on the discovery cohort.
    DiscoveryOptimal,
    /// The discovery median score.
    Median,
    /// A fixed threshold.
    Fixed(f64),
}

/// `[validation]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ValidationSection {
    /// Cut point of the risk groups. Default `"discovery-optimal"`.
    pub cut: CutSetting,
    /// rho of the G-rho (Harrington-Fleming) log-rank test; 0 is the plain log-rank test.
    /// Default `1.0` (Peto-Peto weighting, as `survdiff(rho = 1)`).
    pub rho: f64,
    /// Times (in the unit of the manifest's `time`, days by default) of the nomogram's survival
    /// axes and of the calibration curves. Default `[365, 730, 1095]`.
    pub times: Vec<f64>,
    /// Unit of the manifest's `time` column, written in the report (median follow-up, time
    /// axes, nomogram and calibration times): `"days"`, `"months"`, `"weeks"` or `"years"`.
    /// Default `"days"`.
    pub time_unit: String,
    /// Name of the signature's score in the report's tables, plots and text, e.g.
    /// `"Gene expression score"` for a non-imaging table. Default `"Radiomics score"`.
    pub score_name: String,
}

impl Default for ValidationSection {
    fn default() -> Self {
        Self {
            cut: CutSetting::Named("discovery-optimal".into()),
            rho: 1.0,
            times: vec![365.0, 730.0, 1095.0],
            time_unit: "days".into(),
            score_name: "Radiomics score".into(),
        }
    }
}

/// Accepted values of `validation.time_unit`.
pub const TIME_UNITS: [&str; 4] = ["days", "weeks", "months", "years"];

impl ValidationSection {
    /// The cut-point rule, or an error naming the accepted values.
    pub fn cut_rule(&self) -> anyhow::Result<CutRule> {
        match &self.cut {
            CutSetting::Value(v) if v.is_finite() => Ok(CutRule::Fixed(*v)),
            CutSetting::Value(v) => bail!("validation.cut = {v} is not a finite number"),
            CutSetting::Named(name) => match name.as_str() {
                "discovery-optimal" => Ok(CutRule::DiscoveryOptimal),
                "median" => Ok(CutRule::Median),
                other => bail!(
                    "validation.cut = \"{other}\" is not recognised: use \"discovery-optimal\", \"median\" or a number"
                ),
            },
        }
    }
}

impl Config {
    /// Parses a config from TOML text; `origin` names the file in error messages.
    pub fn from_toml_str(text: &str, origin: &str) -> anyhow::Result<Self> {
        let config: Config = toml::from_str(text).with_context(|| format!("invalid config file {origin}"))?;
        config.validate().with_context(|| format!("invalid config file {origin}"))?;
        Ok(config)
    }

    /// Reads a config file and resolves its relative paths against the file's folder.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read config file {}", path.display()))?;
        let mut config = Self::from_toml_str(&text, &path.display().to_string())?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        config.resolve_paths(&base);
        Ok(config)
    }

    /// Makes the manifest, output, params and model paths absolute against `base` (relative
    /// paths stay relative to the current folder when `base` is empty).
    pub fn resolve_paths(&mut self, base: &Path) {
        let resolve = |p: &mut PathBuf| {
            if !p.as_os_str().is_empty() && p.is_relative() {
                *p = base.join(&*p);
            }
        };
        resolve(&mut self.input.manifest);
        resolve(&mut self.output.dir);
        resolve(&mut self.features.params);
        resolve(&mut self.features.deep_model);
    }

    /// Checks every value range; the error names the key and the accepted range.
    pub fn validate(&self) -> anyhow::Result<()> {
        let l = &self.labels;
        for (key, values) in [("necrosis", &l.necrosis), ("enhancing", &l.enhancing), ("oedema", &l.oedema)] {
            if values.is_empty() {
                bail!("labels.{key} is empty: give at least one label value, e.g. {key} = [1]");
            }
            if values.contains(&0) {
                bail!("labels.{key} contains 0, which is the background label");
            }
        }
        let all: Vec<u32> = l.necrosis.iter().chain(&l.enhancing).chain(&l.oedema).copied().collect();
        for (i, v) in all.iter().enumerate() {
            if all[..i].contains(v) {
                bail!("label {v} appears in more than one of labels.necrosis, labels.enhancing and labels.oedema");
            }
        }
        let s = &self.selection;
        let unit = |key: &str, v: f64, lo: f64, hi: f64| -> anyhow::Result<()> {
            if !(v.is_finite() && v >= lo && v <= hi) {
                bail!("{key} = {v} is outside [{lo}, {hi}]");
            }
            Ok(())
        };
        unit("selection.icc_min", s.icc_min, -1.0, 1.0)?;
        unit("selection.cindex_min", s.cindex_min, 0.5, 1.0)?;
        unit("selection.correlation_max", s.correlation_max, 0.0, 1.0)?;
        unit("selection.max_missing_share", s.max_missing_share, 0.0, 1.0)?;
        if !(s.mad_min.is_finite() && s.mad_min >= 0.0) {
            bail!("selection.mad_min = {} must be a finite number >= 0", s.mad_min);
        }
        if self.model.folds < 3 {
            bail!("model.folds = {} must be at least 3", self.model.folds);
        }
        unit("validation.rho", self.validation.rho, 0.0, 10.0)?;
        self.validation.cut_rule()?;
        if self.validation.times.is_empty() {
            bail!("validation.times is empty: give at least one time, e.g. times = [365, 730]");
        }
        if let Some(t) = self.validation.times.iter().find(|t| !(t.is_finite() && **t > 0.0)) {
            bail!("validation.times contains {t}: every time must be finite and > 0");
        }
        if self.validation.score_name.trim().is_empty() {
            bail!("validation.score_name is empty: give the score a name, e.g. \"Radiomics score\"");
        }
        if !TIME_UNITS.contains(&self.validation.time_unit.as_str()) {
            bail!(
                "validation.time_unit = {:?} is not one of {}",
                self.validation.time_unit,
                TIME_UNITS.map(|u| format!("\"{u}\"")).join(", ")
            );
        }
        if let Some(name) = self.model.clinical.iter().find(|c| c.trim().is_empty()) {
            bail!("model.clinical contains an empty column name {name:?}");
        }
        Ok(())
    }

    /// The config as TOML text (every key, with the values in use).
    pub fn to_toml(&self) -> anyhow::Result<String> {
        toml::to_string_pretty(self).context("cannot write the config as TOML")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_documented_defaults() {
        let c = Config::from_toml_str("", "test").unwrap();
        assert_eq!(c.selection.icc_min, 0.85);
        assert_eq!(c.selection.cindex_min, 0.58);
        assert_eq!(c.selection.correlation_max, 0.90);
        assert_eq!(c.model.folds, 10);
        assert_eq!(c.validation.cut_rule().unwrap(), CutRule::DiscoveryOptimal);
        assert_eq!(c.labels.enhancing, vec![4]);
        assert_eq!(c.features.backend, Backend::Tract);
    }

    #[test]
    fn unknown_key_is_an_error_naming_it() {
        let err = Config::from_toml_str("[selection]\nicc_minn = 0.9\n", "c.toml").unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("icc_minn"), "{text}");
        let err = Config::from_toml_str("[selektion]\n", "c.toml").unwrap_err();
        assert!(format!("{err:#}").contains("selektion"));
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        for text in [
            "[selection]\ncindex_min = 0.3",
            "[model]\nfolds = 2",
            "[labels]\nnecrosis = [1, 4]",
            "[labels]\noedema = []",
            "[validation]\ncut = \"best\"",
            "[validation]\ntimes = [-1]",
        ] {
            assert!(Config::from_toml_str(text, "c.toml").is_err(), "{text}");
        }
    }

    #[test]
    fn cut_accepts_a_number_and_round_trips() {
        let c = Config::from_toml_str("[validation]\ncut = 0.25\n[model]\nlambda = \"1se\"", "c").unwrap();
        assert_eq!(c.validation.cut_rule().unwrap(), CutRule::Fixed(0.25));
        assert_eq!(c.model.lambda, LambdaChoice::OneSe);
        let again = Config::from_toml_str(&c.to_toml().unwrap(), "again").unwrap();
        assert_eq!(again, c);
    }

    #[test]
    fn relative_paths_follow_the_config_file() {
        let mut c = Config::default();
        c.resolve_paths(Path::new("/data/study"));
        assert_eq!(c.input.manifest, Path::new("/data/study/manifest.csv"));
        assert_eq!(c.output.dir, Path::new("/data/study/out"));
        assert!(c.features.params.as_os_str().is_empty());
    }
}
