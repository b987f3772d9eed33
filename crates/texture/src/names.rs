//! Feature names per class, in PyRadiomics' output order (alphabetical, as `dir()` lists them).

use crate::settings::FeatureClass;

/// 3-D shape features computed by default (PyRadiomics 3.x).
pub const SHAPE: &[&str] = &[
    "Elongation",
    "Flatness",
    "LeastAxisLength",
    "MajorAxisLength",
    "Maximum2DDiameterColumn",
    "Maximum2DDiameterRow",
    "Maximum2DDiameterSlice",
    "Maximum3DDiameter",
    "MeshVolume",
    "MinorAxisLength",
    "Sphericity",
    "SurfaceArea",
    "SurfaceVolumeRatio",
    "VoxelVolume",
];
/// Shape features PyRadiomics marks deprecated (computed only when listed explicitly).
pub const SHAPE_DEPRECATED: &[&str] = &["Compactness1", "Compactness2", "SphericalDisproportion"];
/// 2-D shape features.
pub const SHAPE2D: &[&str] = &[
    "Elongation",
    "MajorAxisLength",
    "MaximumDiameter",
    "MeshSurface",
    "MinorAxisLength",
    "Perimeter",
    "PerimeterSurfaceRatio",
    "PixelSurface",
    "Sphericity",
];
/// 2-D shape features PyRadiomics marks deprecated.
pub const SHAPE2D_DEPRECATED: &[&str] = &["SphericalDisproportion"];
/// First-order features.
pub const FIRSTORDER: &[&str] = &[
    "10Percentile",
    "90Percentile",
    "Energy",
    "Entropy",
    "InterquartileRange",
    "Kurtosis",
    "Maximum",
    "MeanAbsoluteDeviation",
    "Mean",
    "Median",
    "Minimum",
    "Range",
    "RobustMeanAbsoluteDeviation",
    "RootMeanSquared",
    "Skewness",
    "TotalEnergy",
    "Uniformity",
    "Variance",
];
/// First-order features PyRadiomics marks deprecated.
pub const FIRSTORDER_DEPRECATED: &[&str] = &["StandardDeviation"];
/// GLCM features (24).
pub const GLCM: &[&str] = &[
    "Autocorrelation",
    "ClusterProminence",
    "ClusterShade",
    "ClusterTendency",
    "Contrast",
    "Correlation",
    "DifferenceAverage",
    "DifferenceEntropy",
    "DifferenceVariance",
    "Id",
    "Idm",
    "Idmn",
    "Idn",
    "Imc1",
    "Imc2",
    "InverseVariance",
    "JointAverage",
    "JointEnergy",
    "JointEntropy",
    "MCC",
    "MaximumProbability",
    "SumAverage",
    "SumEntropy",
    "SumSquares",
];
/// GLRLM features (16).
pub const GLRLM: &[&str] = &[
    "GrayLevelNonUniformity",
    "GrayLevelNonUniformityNormalized",
    "GrayLevelVariance",
    "HighGrayLevelRunEmphasis",
    "LongRunEmphasis",
    "LongRunHighGrayLevelEmphasis",
    "LongRunLowGrayLevelEmphasis",
    "LowGrayLevelRunEmphasis",
    "RunEntropy",
    "RunLengthNonUniformity",
    "RunLengthNonUniformityNormalized",
    "RunPercentage",
    "RunVariance",
    "ShortRunEmphasis",
    "ShortRunHighGrayLevelEmphasis",
    "ShortRunLowGrayLevelEmphasis",
];
/// GLSZM features (16).
pub const GLSZM: &[&str] = &[
    "GrayLevelNonUniformity",
    "GrayLevelNonUniformityNormalized",
    "GrayLevelVariance",
    "HighGrayLevelZoneEmphasis",
    "LargeAreaEmphasis",
    "LargeAreaHighGrayLevelEmphasis",
    "LargeAreaLowGrayLevelEmphasis",
    "LowGrayLevelZoneEmphasis",
    "SizeZoneNonUniformity",
    "SizeZoneNonUniformityNormalized",
    "SmallAreaEmphasis",
    "SmallAreaHighGrayLevelEmphasis",
    "SmallAreaLowGrayLevelEmphasis",
    "ZoneEntropy",
    "ZonePercentage",
    "ZoneVariance",
];
/// GLDM features (14).
pub const GLDM: &[&str] = &[
    "DependenceEntropy",
    "DependenceNonUniformity",
    "DependenceNonUniformityNormalized",
    "DependenceVariance",
    "GrayLevelNonUniformity",
    "GrayLevelVariance",
    "HighGrayLevelEmphasis",
    "LargeDependenceEmphasis",
    "LargeDependenceHighGrayLevelEmphasis",
    "LargeDependenceLowGrayLevelEmphasis",
    "LowGrayLevelEmphasis",
    "SmallDependenceEmphasis",
    "SmallDependenceHighGrayLevelEmphasis",
    "SmallDependenceLowGrayLevelEmphasis",
];
/// NGTDM features (5).
pub const NGTDM: &[&str] = &["Busyness", "Coarseness", "Complexity", "Contrast", "Strength"];

/// All names a class accepts in a params file (default ones first, then deprecated ones).
pub fn feature_names(class: FeatureClass) -> Vec<&'static str> {
    let (main, extra): (&[&str], &[&str]) = match class {
        FeatureClass::Shape => (SHAPE, SHAPE_DEPRECATED),
        FeatureClass::Shape2D => (SHAPE2D, SHAPE2D_DEPRECATED),
        FeatureClass::FirstOrder => (FIRSTORDER, FIRSTORDER_DEPRECATED),
        FeatureClass::Glcm => (GLCM, &[]),
        FeatureClass::Glrlm => (GLRLM, &[]),
        FeatureClass::Glszm => (GLSZM, &[]),
        FeatureClass::Gldm => (GLDM, &[]),
        FeatureClass::Ngtdm => (NGTDM, &[]),
        FeatureClass::IntensityHistogram => (crate::ibsi::IH_NAMES, &[]),
        FeatureClass::IntensityVolumeHistogram => (crate::ibsi::IVH_NAMES, &[]),
        FeatureClass::LocalIntensity => (crate::ibsi::LOC_NAMES, &[]),
        FeatureClass::Gldzm => (crate::ibsi::GLDZM_NAMES, &[]),
        FeatureClass::Ngldm => (crate::ibsi::NGLDM_NAMES, &[]),
    };
    main.iter().chain(extra.iter()).copied().collect()
}

/// Names computed when a class is enabled without a feature list (deprecated ones left out, as
/// PyRadiomics does).
pub fn default_feature_names(class: FeatureClass) -> Vec<&'static str> {
    let all = feature_names(class);
    let deprecated: &[&str] = match class {
        FeatureClass::Shape => SHAPE_DEPRECATED,
        FeatureClass::Shape2D => SHAPE2D_DEPRECATED,
        FeatureClass::FirstOrder => FIRSTORDER_DEPRECATED,
        _ => &[],
    };
    all.into_iter().filter(|n| !deprecated.contains(n)).collect()
}
