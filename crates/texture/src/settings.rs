//! Extraction settings with PyRadiomics' defaults, and a reader for PyRadiomics YAML parameter
//! files.
//!
//! The names of the fields follow PyRadiomics' `setting` keys (`binWidth` is
//! [`Settings::bin_width`], and so on); the defaults are PyRadiomics 3.x's
//! (`docs/customization.rst`).

use std::collections::BTreeMap;
use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

use crate::error::{Result, TextureError};

/// Which definitions the features follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Convention {
    /// PyRadiomics 3.0.1 / 3.1, quirks included: fixed-bin-width edges counted from 0, kurtosis
    /// not in excess form, features averaged over directions, grey levels absent from the ROI
    /// dropped from the matrices, `log2(p + eps)` with eps = 2.2e-16.
    #[default]
    PyRadiomics,
    /// IBSI-1 reference definitions: fixed-bin-width edges counted from the ROI minimum (or the
    /// lower resegmentation bound), excess kurtosis, the IBSI aggregation methods.
    Ibsi,
}

/// How `resegmentRange` is interpreted (PyRadiomics `resegmentMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResegmentMode {
    /// The range is in image units.
    #[default]
    Absolute,
    /// The range is a fraction of the ROI maximum.
    Relative,
    /// The range is in standard deviations around the ROI mean (1/N standard deviation).
    Sigma,
}

/// How directional matrices are weighted and merged (PyRadiomics `weightingNorm`). With any
/// weighting the per-direction matrices are summed into one matrix before the features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightingNorm {
    /// weight exp(-max_k |a_k s_k|^2).
    Infinity,
    /// weight exp(-sum_k (a_k s_k)^2).
    Euclidean,
    /// weight exp(-(sum_k |a_k s_k|)^2).
    Manhattan,
    /// weight 1: the matrices are merged without weights (IBSI "merged").
    NoWeighting,
}

/// How the grey levels of directional texture matrices are aggregated (IBSI 3.1.2 / 3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aggregation {
    /// 3-D, one matrix per direction, features averaged over the 13 directions (PyRadiomics
    /// default; IBSI `3D_avg`).
    #[default]
    Averaged3d,
    /// 3-D, matrices of all directions merged before the features (IBSI `3D_comb`).
    Merged3d,
    /// Per slice and direction, features averaged over slices and directions (IBSI `2D_avg`).
    Averaged2d,
    /// Per slice, directions merged, features averaged over slices (IBSI `2D_comb`).
    SliceMerged2d,
    /// In-plane directions, each merged over slices, features averaged over directions (IBSI
    /// `2_5D_avg`).
    DirectionMerged25d,
    /// In-plane directions and slices all merged (IBSI `2_5D_comb`).
    Merged25d,
}

/// Image interpolator for resampling (PyRadiomics `interpolator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Interpolator {
    /// Nearest neighbour.
    NearestNeighbor,
    /// Trilinear.
    Linear,
    /// Cubic B-spline (SimpleITK `sitkBSpline`, the PyRadiomics default).
    #[default]
    BSpline,
}

/// A feature family ("feature class" in PyRadiomics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FeatureClass {
    /// 3-D shape (IBSI morphology).
    Shape,
    /// 2-D shape of a single-slice ROI.
    Shape2D,
    /// First order (IBSI intensity statistics).
    FirstOrder,
    /// Grey-level co-occurrence matrix.
    Glcm,
    /// Grey-level run-length matrix.
    Glrlm,
    /// Grey-level size-zone matrix.
    Glszm,
    /// Grey-level dependence matrix (IBSI NGLDM with the PyRadiomics subset).
    Gldm,
    /// Neighbouring grey-tone difference matrix.
    Ngtdm,
    /// IBSI intensity histogram (not in PyRadiomics).
    IntensityHistogram,
    /// IBSI intensity-volume histogram (not in PyRadiomics).
    IntensityVolumeHistogram,
    /// IBSI local intensity (not in PyRadiomics).
    LocalIntensity,
    /// IBSI grey-level distance-zone matrix (not in PyRadiomics).
    Gldzm,
    /// IBSI neighbouring grey-level dependence matrix, full IBSI set (not in PyRadiomics).
    Ngldm,
}

impl FeatureClass {
    /// The PyRadiomics class name (`glcm`, `firstorder`, ...) used in feature names.
    pub fn name(self) -> &'static str {
        match self {
            FeatureClass::Shape => "shape",
            FeatureClass::Shape2D => "shape2D",
            FeatureClass::FirstOrder => "firstorder",
            FeatureClass::Glcm => "glcm",
            FeatureClass::Glrlm => "glrlm",
            FeatureClass::Glszm => "glszm",
            FeatureClass::Gldm => "gldm",
            FeatureClass::Ngtdm => "ngtdm",
            FeatureClass::IntensityHistogram => "ih",
            FeatureClass::IntensityVolumeHistogram => "ivh",
            FeatureClass::LocalIntensity => "loc",
            FeatureClass::Gldzm => "gldzm",
            FeatureClass::Ngldm => "ngldm",
        }
    }

    /// Parses a class name as written in a params file.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Every class, in output order.
    pub const ALL: [FeatureClass; 13] = [
        FeatureClass::Shape,
        FeatureClass::Shape2D,
        FeatureClass::FirstOrder,
        FeatureClass::Glcm,
        FeatureClass::Glrlm,
        FeatureClass::Glszm,
        FeatureClass::Gldm,
        FeatureClass::Ngtdm,
        FeatureClass::IntensityHistogram,
        FeatureClass::IntensityVolumeHistogram,
        FeatureClass::LocalIntensity,
        FeatureClass::Gldzm,
        FeatureClass::Ngldm,
    ];

    /// The classes PyRadiomics computes by default.
    pub const PYRADIOMICS: [FeatureClass; 8] = [
        FeatureClass::Shape,
        FeatureClass::Shape2D,
        FeatureClass::FirstOrder,
        FeatureClass::Glcm,
        FeatureClass::Glrlm,
        FeatureClass::Glszm,
        FeatureClass::Gldm,
        FeatureClass::Ngtdm,
    ];
}

/// All extraction settings. `Settings::default()` is PyRadiomics' default configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Definitions to follow.
    pub convention: Convention,
    /// Fixed bin width (`binWidth`, default 25), used unless `bin_count` is set.
    pub bin_width: f64,
    /// Fixed bin count (`binCount`, default none).
    pub bin_count: Option<usize>,
    /// Labels whose union is the ROI (`label`, default 1).
    pub labels: Vec<u32>,
    /// Resampled voxel spacing [x, y, z] in mm (`resampledPixelSpacing`); a 0 keeps that axis.
    pub resampled_pixel_spacing: Option<[f64; 3]>,
    /// Interpolator for the image when resampling (`interpolator`); masks always use nearest.
    pub interpolator: Interpolator,
    /// Voxels of padding around the ROI bounding box when cropping (`padDistance`, default 5).
    pub pad_distance: usize,
    /// Normalise the whole image to zero mean, unit standard deviation (`normalize`).
    pub normalize: bool,
    /// Scale applied after normalisation (`normalizeScale`, default 1).
    pub normalize_scale: f64,
    /// Clamp normalised values to ± this many standard deviations (`removeOutliers`).
    pub remove_outliers: Option<f64>,
    /// Resegmentation range (`resegmentRange`): one value = lower bound only, two = [lower, upper].
    pub resegment_range: Option<Vec<f64>>,
    /// How the range is read (`resegmentMode`).
    pub resegment_mode: ResegmentMode,
    /// Apply the resegmentation to the shape features too (`resegmentShape`, default false).
    pub resegment_shape: bool,
    /// Minimum number of dimensions with more than one voxel (`minimumROIDimensions`, default 2).
    pub minimum_roi_dimensions: usize,
    /// Minimum number of ROI voxels (`minimumROISize`).
    pub minimum_roi_size: Option<usize>,
    /// Tolerance on origin, spacing and direction when comparing image and mask grids
    /// (`geometryTolerance`, SimpleITK default 1e-6).
    pub geometry_tolerance: f64,
    /// Resample the mask onto the image grid (nearest neighbour) when the grids differ
    /// (`correctMask`, default false); otherwise a grid mismatch is an error.
    pub correct_mask: bool,
    /// Compute texture per slice (`force2D`).
    pub force_2d: bool,
    /// Axis of the slices for `force2D` (`force2Ddimension`): 0 = z (axial), 1 = y, 2 = x.
    pub force_2d_dimension: usize,
    /// Neighbour distances (Chebyshev) for GLCM, GLDM and NGTDM (`distances`, default `[1]`).
    pub distances: Vec<usize>,
    /// Symmetric GLCM (`symmetricalGLCM`, default true).
    pub symmetrical_glcm: bool,
    /// Direction weighting (`weightingNorm`, default none = features averaged over directions).
    pub weighting_norm: Option<WeightingNorm>,
    /// GLDM dependence tolerance alpha (`gldm_a`, default 0).
    pub gldm_a: f64,
    /// Shift added to intensities for Energy, TotalEnergy and RMS (`voxelArrayShift`, default 0).
    pub voxel_array_shift: f64,
    /// IBSI convention only: keep the texture features of one aggregation method (`None`, the
    /// default, reports all of them). The PyRadiomics convention follows `force2D` and
    /// `weightingNorm` instead.
    pub aggregation: Option<Aggregation>,
    /// Upper bound on the cells of one texture matrix; a bin width that would exceed it is an
    /// error ([`TextureError::MatrixTooLarge`]). Default 2^26.
    pub max_matrix_cells: u64,
    /// Enabled feature classes; `None` enables every feature of the class, `Some(names)` only
    /// those names.
    pub enabled: BTreeMap<FeatureClass, Option<Vec<String>>>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            convention: Convention::PyRadiomics,
            bin_width: 25.0,
            bin_count: None,
            labels: vec![1],
            resampled_pixel_spacing: None,
            interpolator: Interpolator::BSpline,
            pad_distance: 5,
            normalize: false,
            normalize_scale: 1.0,
            remove_outliers: None,
            resegment_range: None,
            resegment_mode: ResegmentMode::Absolute,
            resegment_shape: false,
            minimum_roi_dimensions: 2,
            minimum_roi_size: None,
            geometry_tolerance: 1e-6,
            correct_mask: false,
            force_2d: false,
            force_2d_dimension: 0,
            distances: vec![1],
            symmetrical_glcm: true,
            weighting_norm: None,
            gldm_a: 0.0,
            voxel_array_shift: 0.0,
            aggregation: None,
            max_matrix_cells: 1 << 26,
            enabled: FeatureClass::PYRADIOMICS.into_iter().map(|c| (c, None)).collect(),
        }
    }
}

/// PyRadiomics `setting` keys this reader accepts.
pub const KNOWN_SETTINGS: &[&str] = &[
    "binWidth",
    "binCount",
    "label",
    "resampledPixelSpacing",
    "interpolator",
    "padDistance",
    "normalize",
    "normalizeScale",
    "removeOutliers",
    "resegmentRange",
    "resegmentMode",
    "resegmentShape",
    "minimumROIDimensions",
    "minimumROISize",
    "geometryTolerance",
    "correctMask",
    "additionalInfo",
    "preCrop",
    "force2D",
    "force2Ddimension",
    "distances",
    "symmetricalGLCM",
    "weightingNorm",
    "gldm_a",
    "voxelArrayShift",
    "label_channel",
    "convention",
    "aggregation",
    "maxMatrixCells",
];

/// PyRadiomics settings that only matter for filters or voxel-based extraction, which this crate
/// does not implement; they are accepted and ignored with a log message.
const IGNORED_SETTINGS: &[&str] = &[
    "sigma",
    "start_level",
    "level",
    "wavelet",
    "gradientUseSpacing",
    "lbp2DRadius",
    "lbp2DSamples",
    "lbp2DMethod",
    "lbp3DLevels",
    "lbp3DIcosphereRadius",
    "lbp3DIcosphereSubdivision",
    "kernelRadius",
    "maskedKernel",
    "initValue",
    "voxelBatch",
];

impl Settings {
    /// Settings for the IBSI convention: IBSI definitions, otherwise PyRadiomics' defaults.
    pub fn ibsi() -> Self {
        Self { convention: Convention::Ibsi, ..Self::default() }
    }

    /// Checks every value for its allowed range.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &str, value: String, reason: &str| {
            Err(TextureError::InvalidSetting { name: name.into(), value, reason: reason.into() })
        };
        if self.bin_count.is_none() && !(self.bin_width.is_finite() && self.bin_width > 0.0) {
            return bad("binWidth", self.bin_width.to_string(), "must be a finite number > 0");
        }
        if self.bin_count == Some(0) {
            return bad("binCount", "0".into(), "must be >= 1");
        }
        if self.labels.is_empty() || self.labels.contains(&0) {
            return bad("label", format!("{:?}", self.labels), "give one or more labels >= 1");
        }
        if self.distances.is_empty() || self.distances.contains(&0) {
            return bad("distances", format!("{:?}", self.distances), "give one or more distances >= 1");
        }
        if self.force_2d_dimension > 2 {
            return bad("force2Ddimension", self.force_2d_dimension.to_string(), "must be 0, 1 or 2");
        }
        if !(1..=3).contains(&self.minimum_roi_dimensions) {
            return bad("minimumROIDimensions", self.minimum_roi_dimensions.to_string(), "must be 1, 2 or 3");
        }
        if let Some(r) = &self.resegment_range
            && (r.is_empty() || r.len() > 2 || r.iter().any(|v| !v.is_finite()))
        {
            return bad("resegmentRange", format!("{r:?}"), "give one or two finite numbers");
        }
        if let Some(s) = self.resampled_pixel_spacing
            && s.iter().any(|v| !v.is_finite() || *v < 0.0)
        {
            return bad("resampledPixelSpacing", format!("{s:?}"), "spacings must be >= 0 (0 keeps the axis)");
        }
        if !(self.normalize_scale.is_finite() && self.normalize_scale > 0.0) {
            return bad("normalizeScale", self.normalize_scale.to_string(), "must be > 0");
        }
        if !self.gldm_a.is_finite() || self.gldm_a < 0.0 {
            return bad("gldm_a", self.gldm_a.to_string(), "must be >= 0");
        }
        Ok(())
    }

    /// Reads a PyRadiomics YAML parameter file (`imageType`, `featureClass`, `setting`).
    ///
    /// Only the `Original` image type is supported; filters give
    /// [`TextureError::InvalidSetting`]. Keys not known to PyRadiomics give
    /// [`TextureError::UnknownParameter`] naming the key.
    pub fn from_yaml_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TextureError::Params { file: path.display().to_string(), detail: e.to_string() })?;
        Self::from_yaml_str(&text, &path.display().to_string())
    }

    /// Same as [`Settings::from_yaml_file`], on text; `file` names the source in errors.
    pub fn from_yaml_str(text: &str, file: &str) -> Result<Self> {
        let docs = YamlLoader::load_from_str(text)
            .map_err(|e| TextureError::Params { file: file.into(), detail: e.to_string() })?;
        let mut settings = Settings::default();
        let Some(doc) = docs.into_iter().next() else {
            return Ok(settings);
        };
        let Yaml::Hash(top) = doc else {
            if doc.is_null() {
                return Ok(settings);
            }
            return Err(TextureError::Params { file: file.into(), detail: "the top level must be a mapping".into() });
        };
        for (key, value) in top {
            let key = key_name(&key, file)?;
            match key.as_str() {
                "imageType" => read_image_types(&value, file)?,
                "featureClass" => settings.enabled = read_feature_classes(&value, file)?,
                "setting" => read_settings(&mut settings, &value, file)?,
                "voxelSetting" => {}
                other => {
                    return Err(TextureError::UnknownParameter {
                        key: other.into(),
                        section: "the top level".into(),
                        file: file.into(),
                        known: "imageType, featureClass, setting, voxelSetting".into(),
                    });
                }
            }
        }
        settings.validate()?;
        Ok(settings)
    }
}

fn key_name(key: &Yaml, file: &str) -> Result<String> {
    match key {
        Yaml::String(s) => Ok(s.clone()),
        Yaml::Integer(i) => Ok(i.to_string()),
        other => Err(TextureError::Params { file: file.into(), detail: format!("key {other:?} is not a string") }),
    }
}

fn read_image_types(value: &Yaml, file: &str) -> Result<()> {
    let Yaml::Hash(types) = value else {
        return if value.is_null() {
            Ok(())
        } else {
            Err(TextureError::Params { file: file.into(), detail: "`imageType` must be a mapping".into() })
        };
    };
    for (key, _) in types {
        let name = key_name(key, file)?;
        if name != "Original" {
            return Err(TextureError::InvalidSetting {
                name: "imageType".into(),
                value: name,
                reason: "only the `Original` image type is implemented; compute filtered images separately".into(),
            });
        }
    }
    Ok(())
}

fn read_feature_classes(value: &Yaml, file: &str) -> Result<BTreeMap<FeatureClass, Option<Vec<String>>>> {
    let mut enabled = BTreeMap::new();
    let Yaml::Hash(classes) = value else {
        return if value.is_null() {
            Ok(FeatureClass::PYRADIOMICS.into_iter().map(|c| (c, None)).collect())
        } else {
            Err(TextureError::Params { file: file.into(), detail: "`featureClass` must be a mapping".into() })
        };
    };
    for (key, features) in classes {
        let name = key_name(key, file)?;
        let class = FeatureClass::from_name(&name).ok_or_else(|| TextureError::UnknownParameter {
            key: name.clone(),
            section: "`featureClass`".into(),
            file: file.into(),
            known: FeatureClass::ALL.map(|c| c.name()).join(", "),
        })?;
        let list = match features {
            Yaml::Null => None,
            Yaml::Array(items) => {
                let mut names = Vec::new();
                for item in items {
                    let feature = key_name(item, file)?;
                    if !crate::names::feature_names(class).contains(&feature.as_str()) {
                        return Err(TextureError::UnknownParameter {
                            key: feature,
                            section: format!("`featureClass: {name}`"),
                            file: file.into(),
                            known: crate::names::feature_names(class).join(", "),
                        });
                    }
                    names.push(feature);
                }
                if names.is_empty() { None } else { Some(names) }
            }
            other => {
                return Err(TextureError::Params {
                    file: file.into(),
                    detail: format!("features of `{name}` must be a list or empty, got {other:?}"),
                });
            }
        };
        enabled.insert(class, list);
    }
    Ok(enabled)
}

fn number(value: &Yaml, name: &str) -> Result<Option<f64>> {
    match value {
        Yaml::Null => Ok(None),
        Yaml::Integer(i) => Ok(Some(*i as f64)),
        Yaml::Real(s) => s.parse::<f64>().map(Some).map_err(|_| invalid(name, s, "not a number")),
        other => Err(invalid(name, &format!("{other:?}"), "expected a number")),
    }
}

fn number_list(value: &Yaml, name: &str) -> Result<Option<Vec<f64>>> {
    match value {
        Yaml::Null => Ok(None),
        Yaml::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(number(item, name)?.ok_or_else(|| invalid(name, "null", "list items must be numbers"))?);
            }
            Ok(Some(out))
        }
        other => number(other, name).map(|v| v.map(|x| vec![x])),
    }
}

fn boolean(value: &Yaml, name: &str) -> Result<Option<bool>> {
    match value {
        Yaml::Null => Ok(None),
        Yaml::Boolean(b) => Ok(Some(*b)),
        other => Err(invalid(name, &format!("{other:?}"), "expected true or false")),
    }
}

fn string(value: &Yaml, name: &str) -> Result<Option<String>> {
    match value {
        Yaml::Null => Ok(None),
        Yaml::String(s) => Ok(Some(s.clone())),
        other => Err(invalid(name, &format!("{other:?}"), "expected a string")),
    }
}

fn invalid(name: &str, value: &str, reason: &str) -> TextureError {
    TextureError::InvalidSetting { name: name.into(), value: value.into(), reason: reason.into() }
}

fn non_negative_integer(x: f64, name: &str) -> Result<usize> {
    if x < 0.0 || x.fract() != 0.0 || !x.is_finite() {
        return Err(invalid(name, &x.to_string(), "must be a non-negative integer"));
    }
    Ok(x as usize)
}

fn read_settings(settings: &mut Settings, value: &Yaml, file: &str) -> Result<()> {
    let Yaml::Hash(entries) = value else {
        return if value.is_null() {
            Ok(())
        } else {
            Err(TextureError::Params { file: file.into(), detail: "`setting` must be a mapping".into() })
        };
    };
    for (key, v) in entries {
        let name = key_name(key, file)?;
        let n = name.as_str();
        match n {
            "binWidth" => {
                if let Some(x) = number(v, n)? {
                    settings.bin_width = x;
                }
            }
            "binCount" => {
                settings.bin_count = match number(v, n)? {
                    Some(x) => Some(non_negative_integer(x, n)?),
                    None => None,
                }
            }
            "label" => {
                if let Some(list) = number_list(v, n)? {
                    settings.labels = list
                        .into_iter()
                        .map(|x| non_negative_integer(x, n).map(|l| l as u32))
                        .collect::<Result<_>>()?;
                }
            }
            "resampledPixelSpacing" => {
                settings.resampled_pixel_spacing = match number_list(v, n)? {
                    None => None,
                    Some(s) if s.len() == 3 => Some([s[0], s[1], s[2]]),
                    Some(s) => {
                        return Err(invalid(n, &format!("{s:?}"), "give three spacings [x, y, z]"));
                    }
                }
            }
            "interpolator" => {
                if let Some(s) = match v {
                    Yaml::Integer(i) => Some(i.to_string()),
                    other => string(other, n)?,
                } {
                    settings.interpolator = match s.as_str() {
                        "sitkNearestNeighbor" | "1" => Interpolator::NearestNeighbor,
                        "sitkLinear" | "2" => Interpolator::Linear,
                        "sitkBSpline" | "3" => Interpolator::BSpline,
                        _ => {
                            return Err(invalid(n, &s, "supported: sitkNearestNeighbor, sitkLinear, sitkBSpline"));
                        }
                    }
                }
            }
            "padDistance" => {
                if let Some(x) = number(v, n)? {
                    settings.pad_distance = non_negative_integer(x, n)?;
                }
            }
            "normalize" => {
                if let Some(b) = boolean(v, n)? {
                    settings.normalize = b;
                }
            }
            "normalizeScale" => {
                if let Some(x) = number(v, n)? {
                    settings.normalize_scale = x;
                }
            }
            "removeOutliers" => settings.remove_outliers = number(v, n)?,
            "resegmentRange" => settings.resegment_range = number_list(v, n)?,
            "resegmentMode" => {
                if let Some(s) = string(v, n)? {
                    settings.resegment_mode = match s.as_str() {
                        "absolute" => ResegmentMode::Absolute,
                        "relative" => ResegmentMode::Relative,
                        "sigma" => ResegmentMode::Sigma,
                        _ => return Err(invalid(n, &s, "use absolute, relative or sigma")),
                    }
                }
            }
            "resegmentShape" => {
                if let Some(b) = boolean(v, n)? {
                    settings.resegment_shape = b;
                }
            }
            "minimumROIDimensions" => {
                if let Some(x) = number(v, n)? {
                    settings.minimum_roi_dimensions = non_negative_integer(x, n)?;
                }
            }
            "minimumROISize" => {
                settings.minimum_roi_size = match number(v, n)? {
                    Some(x) => Some(non_negative_integer(x, n)?),
                    None => None,
                }
            }
            "geometryTolerance" => {
                if let Some(x) = number(v, n)? {
                    settings.geometry_tolerance = x;
                }
            }
            "force2D" => {
                if let Some(b) = boolean(v, n)? {
                    settings.force_2d = b;
                }
            }
            "force2Ddimension" => {
                if let Some(x) = number(v, n)? {
                    settings.force_2d_dimension = non_negative_integer(x, n)?;
                }
            }
            "distances" => {
                if let Some(list) = number_list(v, n)? {
                    settings.distances = list.into_iter().map(|x| non_negative_integer(x, n)).collect::<Result<_>>()?;
                }
            }
            "symmetricalGLCM" => {
                if let Some(b) = boolean(v, n)? {
                    settings.symmetrical_glcm = b;
                }
            }
            "weightingNorm" => {
                settings.weighting_norm = match string(v, n)?.as_deref() {
                    None => None,
                    Some("infinity") => Some(WeightingNorm::Infinity),
                    Some("euclidean") => Some(WeightingNorm::Euclidean),
                    Some("manhattan") => Some(WeightingNorm::Manhattan),
                    Some("no_weighting") => Some(WeightingNorm::NoWeighting),
                    Some(s) => {
                        return Err(invalid(n, s, "use infinity, euclidean, manhattan or no_weighting"));
                    }
                }
            }
            "gldm_a" => {
                if let Some(x) = number(v, n)? {
                    settings.gldm_a = x;
                }
            }
            "voxelArrayShift" => {
                if let Some(x) = number(v, n)? {
                    settings.voxel_array_shift = x;
                }
            }
            "convention" => {
                if let Some(s) = string(v, n)? {
                    settings.convention = match s.to_ascii_lowercase().as_str() {
                        "pyradiomics" => Convention::PyRadiomics,
                        "ibsi" => Convention::Ibsi,
                        _ => return Err(invalid(n, &s, "use pyradiomics or ibsi")),
                    }
                }
            }
            "aggregation" => {
                if let Some(s) = string(v, n)? {
                    settings.aggregation = Some(parse_aggregation(&s).ok_or_else(|| {
                        invalid(n, &s, "use 3D_avg, 3D_comb, 2D_avg, 2D_comb, 2_5D_avg or 2_5D_comb")
                    })?);
                }
            }
            "maxMatrixCells" => {
                if let Some(x) = number(v, n)? {
                    settings.max_matrix_cells = non_negative_integer(x, n)? as u64;
                }
            }
            "correctMask" => {
                if let Some(b) = boolean(v, n)? {
                    settings.correct_mask = b;
                }
            }
            "additionalInfo" | "preCrop" | "label_channel" => {
                tracing::debug!("setting `{n}` does not change feature values here; accepted");
            }
            other if IGNORED_SETTINGS.contains(&other) => {
                tracing::warn!(
                    "setting `{other}` applies to filters or voxel-based extraction, which are not implemented; ignored"
                );
            }
            other => {
                return Err(TextureError::UnknownParameter {
                    key: other.into(),
                    section: "`setting`".into(),
                    file: file.into(),
                    known: KNOWN_SETTINGS.join(", "),
                });
            }
        }
    }
    Ok(())
}

/// Parses an IBSI aggregation tag suffix (`3D_avg`, `3D_comb`, `2D_avg`, `2D_comb`, `2_5D_avg`,
/// `2_5D_comb`).
pub fn parse_aggregation(s: &str) -> Option<Aggregation> {
    Some(match s {
        "3D_avg" => Aggregation::Averaged3d,
        "3D_comb" => Aggregation::Merged3d,
        "2D_avg" => Aggregation::Averaged2d,
        "2D_comb" => Aggregation::SliceMerged2d,
        "2_5D_avg" => Aggregation::DirectionMerged25d,
        "2_5D_comb" => Aggregation::Merged25d,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_pyradiomics() {
        let s = Settings::default();
        assert_eq!(s.bin_width, 25.0);
        assert_eq!(s.distances, vec![1]);
        assert!(s.symmetrical_glcm);
        assert_eq!(s.pad_distance, 5);
        assert_eq!(s.minimum_roi_dimensions, 2);
        assert!(s.validate().is_ok());
    }

    #[test]
    fn reads_params_file() {
        let text = "imageType:\n  Original: {}\nfeatureClass:\n  glcm: [Contrast]\n  firstorder:\nsetting:\n  binWidth: 5\n  resegmentRange: [-3, 3]\n  resegmentMode: 'sigma'\n  label: 2\n  interpolator: 'sitkBSpline'\n  resampledPixelSpacing:\n";
        let s = Settings::from_yaml_str(text, "t.yaml").unwrap();
        assert_eq!(s.bin_width, 5.0);
        assert_eq!(s.resegment_range, Some(vec![-3.0, 3.0]));
        assert_eq!(s.resegment_mode, ResegmentMode::Sigma);
        assert_eq!(s.labels, vec![2]);
        assert_eq!(s.enabled.len(), 2);
        assert_eq!(s.enabled[&FeatureClass::Glcm], Some(vec!["Contrast".to_string()]));
    }

    #[test]
    fn unknown_setting_is_named() {
        let err = Settings::from_yaml_str("setting:\n  binWidht: 5\n", "p.yaml").unwrap_err().to_string();
        assert!(err.contains("binWidht") && err.contains("p.yaml"), "{err}");
        let err = Settings::from_yaml_str("featureClass:\n  glcmm:\n", "p.yaml").unwrap_err().to_string();
        assert!(err.contains("glcmm"), "{err}");
        let err = Settings::from_yaml_str("featureClass:\n  glcm: [Contrastt]\n", "p.yaml").unwrap_err().to_string();
        assert!(err.contains("Contrastt"), "{err}");
        let err = Settings::from_yaml_str("imageType:\n  LoG: {}\n", "p.yaml").unwrap_err().to_string();
        assert!(err.contains("LoG"), "{err}");
    }

    #[test]
    fn bad_bin_width_rejected() {
        for w in ["0", "-5"] {
            let err = Settings::from_yaml_str(&format!("setting:\n  binWidth: {w}\n"), "p.yaml").unwrap_err();
            assert!(matches!(err, TextureError::InvalidSetting { ref name, .. } if name == "binWidth"), "{err}");
        }
    }
}
