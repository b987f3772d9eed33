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
/// GLRLM features (16, IBSI-1 family TP0I), with their IBSI identifiers and tags. The formulas
/// are those of [`crate::texture::zone_features`] over the run-length matrix `p(i,j)` of one
/// direction, with `j` the run length, `N` the number of runs and `N_p = sum p(i,j) j` the number
/// of voxels:
/// * `GrayLevelNonUniformity` (R5YN, `rlm_glnu`) `sum_i (sum_j p)^2 / N`
/// * `GrayLevelNonUniformityNormalized` (OVBL, `rlm_glnu_norm`) `sum_i (sum_j p)^2 / N^2`
/// * `GrayLevelVariance` (8CE5, `rlm_gl_var`) `sum p (i - mu_i)^2 / N`
/// * `HighGrayLevelRunEmphasis` (G3QZ, `rlm_hgre`) `sum p i^2 / N`
/// * `LongRunEmphasis` (W4KF, `rlm_lre`) `sum p j^2 / N`
/// * `LongRunHighGrayLevelEmphasis` (3KUM, `rlm_lrhge`) `sum p i^2 j^2 / N`
/// * `LongRunLowGrayLevelEmphasis` (IVPO, `rlm_lrlge`) `sum p j^2 / i^2 / N`
/// * `LowGrayLevelRunEmphasis` (V3SW, `rlm_lgre`) `sum p / i^2 / N`
/// * `RunEntropy` (HJ9O, `rlm_rl_entr`) `-sum p/N log2(p/N + eps)`
/// * `RunLengthNonUniformity` (W92Y, `rlm_rlnu`) `sum_j (sum_i p)^2 / N`
/// * `RunLengthNonUniformityNormalized` (IC23, `rlm_rlnu_norm`) `sum_j (sum_i p)^2 / N^2`
/// * `RunPercentage` (9ZK5, `rlm_r_perc`) `N / N_p`
/// * `RunVariance` (SXLW, `rlm_rl_var`) `sum p (j - mu_j)^2 / N`
/// * `ShortRunEmphasis` (22OV, `rlm_sre`) `sum p / j^2 / N`
/// * `ShortRunHighGrayLevelEmphasis` (GD3A, `rlm_srhge`) `sum p i^2 / j^2 / N`
/// * `ShortRunLowGrayLevelEmphasis` (HTZT, `rlm_srlge`) `sum p / (i^2 j^2) / N`
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
/// GLSZM features (16, IBSI-1 family 9SAK), with their IBSI identifiers and tags. The formulas are
/// those of [`crate::texture::zone_features`] over the size-zone matrix `p(i,j)`, with `j` the
/// zone size, `N` the number of zones and `N_p` the number of ROI voxels:
/// * `GrayLevelNonUniformity` (JNSA, `szm_glnu`) `sum_i (sum_j p)^2 / N`
/// * `GrayLevelNonUniformityNormalized` (Y1RO, `szm_glnu_norm`) `sum_i (sum_j p)^2 / N^2`
/// * `GrayLevelVariance` (BYLV, `szm_gl_var`) `sum p (i - mu_i)^2 / N`
/// * `HighGrayLevelZoneEmphasis` (5GN9, `szm_hgze`) `sum p i^2 / N`
/// * `LargeAreaEmphasis` (48P8, `szm_lze`) `sum p j^2 / N`
/// * `LargeAreaHighGrayLevelEmphasis` (J17V, `szm_lzhge`) `sum p i^2 j^2 / N`
/// * `LargeAreaLowGrayLevelEmphasis` (YH51, `szm_lzlge`) `sum p j^2 / i^2 / N`
/// * `LowGrayLevelZoneEmphasis` (XMSY, `szm_lgze`) `sum p / i^2 / N`
/// * `SizeZoneNonUniformity` (4JP3, `szm_zsnu`) `sum_j (sum_i p)^2 / N`
/// * `SizeZoneNonUniformityNormalized` (VB3A, `szm_zsnu_norm`) `sum_j (sum_i p)^2 / N^2`
/// * `SmallAreaEmphasis` (5QRC, `szm_sze`) `sum p / j^2 / N`
/// * `SmallAreaHighGrayLevelEmphasis` (HW1V, `szm_szhge`) `sum p i^2 / j^2 / N`
/// * `SmallAreaLowGrayLevelEmphasis` (5RAI, `szm_szlge`) `sum p / (i^2 j^2) / N`
/// * `ZoneEntropy` (GU8N, `szm_zs_entr`) `-sum p/N log2(p/N + eps)`
/// * `ZonePercentage` (P30P, `szm_z_perc`) `N / N_p`
/// * `ZoneVariance` (3NSA, `szm_zs_var`) `sum p (j - mu_j)^2 / N`
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
/// GLDM features (14), with their IBSI identifiers and tags. PyRadiomics' GLDM is IBSI's
/// neighbouring grey level dependence matrix (NGLDM, IBSI-1 family REK0) with coarseness
/// `alpha = gldm_a` (default 0) and Chebyshev distance 1, so each feature carries the identifier
/// of its NGLDM counterpart. The formulas are those of [`crate::texture::zone_features`] with `j`
/// the dependence count plus one and `N` the number of ROI voxels:
/// * `DependenceEntropy` (FCBV, `ngl_dc_entr`) `-sum p/N log2(p/N + eps)`
/// * `DependenceNonUniformity` (Z87G, `ngl_dcnu`) `sum_j (sum_i p)^2 / N`
/// * `DependenceNonUniformityNormalized` (OKJI, `ngl_dcnu_norm`) `sum_j (sum_i p)^2 / N^2`
/// * `DependenceVariance` (DNX2, `ngl_dc_var`) `sum p (j - mu_j)^2 / N`
/// * `GrayLevelNonUniformity` (FP8K, `ngl_glnu`) `sum_i (sum_j p)^2 / N`
/// * `GrayLevelVariance` (1PFV, `ngl_gl_var`) `sum p (i - mu_i)^2 / N`
/// * `HighGrayLevelEmphasis` (OAE7, `ngl_hgce`) `sum p i^2 / N`
/// * `LargeDependenceEmphasis` (IMOQ, `ngl_hde`) `sum p j^2 / N`
/// * `LargeDependenceHighGrayLevelEmphasis` (9QMG, `ngl_hdhge`) `sum p i^2 j^2 / N`
/// * `LargeDependenceLowGrayLevelEmphasis` (NBZI, `ngl_hdlge`) `sum p j^2 / i^2 / N`
/// * `LowGrayLevelEmphasis` (TL9H, `ngl_lgce`) `sum p / i^2 / N`
/// * `SmallDependenceEmphasis` (SODN, `ngl_lde`) `sum p / j^2 / N`
/// * `SmallDependenceHighGrayLevelEmphasis` (JA6D, `ngl_ldhge`) `sum p i^2 / j^2 / N`
/// * `SmallDependenceLowGrayLevelEmphasis` (EQ3F, `ngl_ldlge`) `sum p / (i^2 j^2) / N`
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

/// The IBSI tag (without aggregation suffix, see [`crate::ibsi::TAG_CODES`]) of the IBSI-1 feature
/// that each PyRadiomics-convention feature computes, or `None` where IBSI defines no such
/// feature (total energy, standard deviation, the per-plane maximum 2-D diameters, MCC and the
/// 2-D shape set). The definitions can differ in convention, e.g. PyRadiomics' kurtosis is IBSI's
/// excess kurtosis plus 3 (see [`crate::settings::Convention`]).
pub const IBSI_EQUIVALENTS: &[(FeatureClass, &str, Option<&str>)] = &[
    (FeatureClass::Shape, "Elongation", Some("morph_pca_elongation")),
    (FeatureClass::Shape, "Flatness", Some("morph_pca_flatness")),
    (FeatureClass::Shape, "LeastAxisLength", Some("morph_pca_least_axis")),
    (FeatureClass::Shape, "MajorAxisLength", Some("morph_pca_maj_axis")),
    (FeatureClass::Shape, "Maximum2DDiameterColumn", None),
    (FeatureClass::Shape, "Maximum2DDiameterRow", None),
    (FeatureClass::Shape, "Maximum2DDiameterSlice", None),
    (FeatureClass::Shape, "Maximum3DDiameter", Some("morph_diam")),
    (FeatureClass::Shape, "MeshVolume", Some("morph_volume")),
    (FeatureClass::Shape, "MinorAxisLength", Some("morph_pca_min_axis")),
    (FeatureClass::Shape, "Sphericity", Some("morph_sphericity")),
    (FeatureClass::Shape, "SurfaceArea", Some("morph_area_mesh")),
    (FeatureClass::Shape, "SurfaceVolumeRatio", Some("morph_av")),
    (FeatureClass::Shape, "VoxelVolume", Some("morph_vol_approx")),
    (FeatureClass::Shape, "Compactness1", Some("morph_comp_1")),
    (FeatureClass::Shape, "Compactness2", Some("morph_comp_2")),
    (FeatureClass::Shape, "SphericalDisproportion", Some("morph_sph_dispr")),
    (FeatureClass::Shape2D, "Elongation", None),
    (FeatureClass::Shape2D, "MajorAxisLength", None),
    (FeatureClass::Shape2D, "MaximumDiameter", None),
    (FeatureClass::Shape2D, "MeshSurface", None),
    (FeatureClass::Shape2D, "MinorAxisLength", None),
    (FeatureClass::Shape2D, "Perimeter", None),
    (FeatureClass::Shape2D, "PerimeterSurfaceRatio", None),
    (FeatureClass::Shape2D, "PixelSurface", None),
    (FeatureClass::Shape2D, "Sphericity", None),
    (FeatureClass::Shape2D, "SphericalDisproportion", None),
    (FeatureClass::FirstOrder, "10Percentile", Some("stat_p10")),
    (FeatureClass::FirstOrder, "90Percentile", Some("stat_p90")),
    (FeatureClass::FirstOrder, "Energy", Some("stat_energy")),
    (FeatureClass::FirstOrder, "Entropy", Some("ih_entropy")),
    (FeatureClass::FirstOrder, "InterquartileRange", Some("stat_iqr")),
    (FeatureClass::FirstOrder, "Kurtosis", Some("stat_kurt")),
    (FeatureClass::FirstOrder, "Maximum", Some("stat_max")),
    (FeatureClass::FirstOrder, "MeanAbsoluteDeviation", Some("stat_mad")),
    (FeatureClass::FirstOrder, "Mean", Some("stat_mean")),
    (FeatureClass::FirstOrder, "Median", Some("stat_median")),
    (FeatureClass::FirstOrder, "Minimum", Some("stat_min")),
    (FeatureClass::FirstOrder, "Range", Some("stat_range")),
    (FeatureClass::FirstOrder, "RobustMeanAbsoluteDeviation", Some("stat_rmad")),
    (FeatureClass::FirstOrder, "RootMeanSquared", Some("stat_rms")),
    (FeatureClass::FirstOrder, "Skewness", Some("stat_skew")),
    (FeatureClass::FirstOrder, "TotalEnergy", None),
    (FeatureClass::FirstOrder, "Uniformity", Some("ih_uniformity")),
    (FeatureClass::FirstOrder, "Variance", Some("stat_var")),
    (FeatureClass::FirstOrder, "StandardDeviation", None),
    (FeatureClass::Glcm, "Autocorrelation", Some("cm_auto_corr")),
    (FeatureClass::Glcm, "ClusterProminence", Some("cm_clust_prom")),
    (FeatureClass::Glcm, "ClusterShade", Some("cm_clust_shade")),
    (FeatureClass::Glcm, "ClusterTendency", Some("cm_clust_tend")),
    (FeatureClass::Glcm, "Contrast", Some("cm_contrast")),
    (FeatureClass::Glcm, "Correlation", Some("cm_corr")),
    (FeatureClass::Glcm, "DifferenceAverage", Some("cm_diff_avg")),
    (FeatureClass::Glcm, "DifferenceEntropy", Some("cm_diff_entr")),
    (FeatureClass::Glcm, "DifferenceVariance", Some("cm_diff_var")),
    (FeatureClass::Glcm, "Id", Some("cm_inv_diff")),
    (FeatureClass::Glcm, "Idm", Some("cm_inv_diff_mom")),
    (FeatureClass::Glcm, "Idmn", Some("cm_inv_diff_mom_norm")),
    (FeatureClass::Glcm, "Idn", Some("cm_inv_diff_norm")),
    (FeatureClass::Glcm, "Imc1", Some("cm_info_corr1")),
    (FeatureClass::Glcm, "Imc2", Some("cm_info_corr2")),
    (FeatureClass::Glcm, "InverseVariance", Some("cm_inv_var")),
    (FeatureClass::Glcm, "JointAverage", Some("cm_joint_avg")),
    (FeatureClass::Glcm, "JointEnergy", Some("cm_energy")),
    (FeatureClass::Glcm, "JointEntropy", Some("cm_joint_entr")),
    (FeatureClass::Glcm, "MCC", None),
    (FeatureClass::Glcm, "MaximumProbability", Some("cm_joint_max")),
    (FeatureClass::Glcm, "SumAverage", Some("cm_sum_avg")),
    (FeatureClass::Glcm, "SumEntropy", Some("cm_sum_entr")),
    (FeatureClass::Glcm, "SumSquares", Some("cm_joint_var")),
    (FeatureClass::Glrlm, "GrayLevelNonUniformity", Some("rlm_glnu")),
    (FeatureClass::Glrlm, "GrayLevelNonUniformityNormalized", Some("rlm_glnu_norm")),
    (FeatureClass::Glrlm, "GrayLevelVariance", Some("rlm_gl_var")),
    (FeatureClass::Glrlm, "HighGrayLevelRunEmphasis", Some("rlm_hgre")),
    (FeatureClass::Glrlm, "LongRunEmphasis", Some("rlm_lre")),
    (FeatureClass::Glrlm, "LongRunHighGrayLevelEmphasis", Some("rlm_lrhge")),
    (FeatureClass::Glrlm, "LongRunLowGrayLevelEmphasis", Some("rlm_lrlge")),
    (FeatureClass::Glrlm, "LowGrayLevelRunEmphasis", Some("rlm_lgre")),
    (FeatureClass::Glrlm, "RunEntropy", Some("rlm_rl_entr")),
    (FeatureClass::Glrlm, "RunLengthNonUniformity", Some("rlm_rlnu")),
    (FeatureClass::Glrlm, "RunLengthNonUniformityNormalized", Some("rlm_rlnu_norm")),
    (FeatureClass::Glrlm, "RunPercentage", Some("rlm_r_perc")),
    (FeatureClass::Glrlm, "RunVariance", Some("rlm_rl_var")),
    (FeatureClass::Glrlm, "ShortRunEmphasis", Some("rlm_sre")),
    (FeatureClass::Glrlm, "ShortRunHighGrayLevelEmphasis", Some("rlm_srhge")),
    (FeatureClass::Glrlm, "ShortRunLowGrayLevelEmphasis", Some("rlm_srlge")),
    (FeatureClass::Glszm, "GrayLevelNonUniformity", Some("szm_glnu")),
    (FeatureClass::Glszm, "GrayLevelNonUniformityNormalized", Some("szm_glnu_norm")),
    (FeatureClass::Glszm, "GrayLevelVariance", Some("szm_gl_var")),
    (FeatureClass::Glszm, "HighGrayLevelZoneEmphasis", Some("szm_hgze")),
    (FeatureClass::Glszm, "LargeAreaEmphasis", Some("szm_lze")),
    (FeatureClass::Glszm, "LargeAreaHighGrayLevelEmphasis", Some("szm_lzhge")),
    (FeatureClass::Glszm, "LargeAreaLowGrayLevelEmphasis", Some("szm_lzlge")),
    (FeatureClass::Glszm, "LowGrayLevelZoneEmphasis", Some("szm_lgze")),
    (FeatureClass::Glszm, "SizeZoneNonUniformity", Some("szm_zsnu")),
    (FeatureClass::Glszm, "SizeZoneNonUniformityNormalized", Some("szm_zsnu_norm")),
    (FeatureClass::Glszm, "SmallAreaEmphasis", Some("szm_sze")),
    (FeatureClass::Glszm, "SmallAreaHighGrayLevelEmphasis", Some("szm_szhge")),
    (FeatureClass::Glszm, "SmallAreaLowGrayLevelEmphasis", Some("szm_szlge")),
    (FeatureClass::Glszm, "ZoneEntropy", Some("szm_zs_entr")),
    (FeatureClass::Glszm, "ZonePercentage", Some("szm_z_perc")),
    (FeatureClass::Glszm, "ZoneVariance", Some("szm_zs_var")),
    (FeatureClass::Gldm, "DependenceEntropy", Some("ngl_dc_entr")),
    (FeatureClass::Gldm, "DependenceNonUniformity", Some("ngl_dcnu")),
    (FeatureClass::Gldm, "DependenceNonUniformityNormalized", Some("ngl_dcnu_norm")),
    (FeatureClass::Gldm, "DependenceVariance", Some("ngl_dc_var")),
    (FeatureClass::Gldm, "GrayLevelNonUniformity", Some("ngl_glnu")),
    (FeatureClass::Gldm, "GrayLevelVariance", Some("ngl_gl_var")),
    (FeatureClass::Gldm, "HighGrayLevelEmphasis", Some("ngl_hgce")),
    (FeatureClass::Gldm, "LargeDependenceEmphasis", Some("ngl_hde")),
    (FeatureClass::Gldm, "LargeDependenceHighGrayLevelEmphasis", Some("ngl_hdhge")),
    (FeatureClass::Gldm, "LargeDependenceLowGrayLevelEmphasis", Some("ngl_hdlge")),
    (FeatureClass::Gldm, "LowGrayLevelEmphasis", Some("ngl_lgce")),
    (FeatureClass::Gldm, "SmallDependenceEmphasis", Some("ngl_lde")),
    (FeatureClass::Gldm, "SmallDependenceHighGrayLevelEmphasis", Some("ngl_ldhge")),
    (FeatureClass::Gldm, "SmallDependenceLowGrayLevelEmphasis", Some("ngl_ldlge")),
    (FeatureClass::Ngtdm, "Busyness", Some("ngt_busyness")),
    (FeatureClass::Ngtdm, "Coarseness", Some("ngt_coarseness")),
    (FeatureClass::Ngtdm, "Complexity", Some("ngt_complexity")),
    (FeatureClass::Ngtdm, "Contrast", Some("ngt_contrast")),
    (FeatureClass::Ngtdm, "Strength", Some("ngt_strength")),
];

/// Returns the IBSI tag stem (`rlm_sre`, ...) of the feature `name` of `class`, for the
/// PyRadiomics classes; IBSI-only classes already name their features by tag.
pub fn ibsi_tag(class: FeatureClass, name: &str) -> Option<&'static str> {
    match class {
        FeatureClass::IntensityHistogram
        | FeatureClass::IntensityVolumeHistogram
        | FeatureClass::LocalIntensity
        | FeatureClass::Gldzm
        | FeatureClass::Ngldm => feature_names(class).into_iter().find(|n| *n == name),
        _ => IBSI_EQUIVALENTS.iter().find(|(c, n, _)| *c == class && *n == name).and_then(|(_, _, tag)| *tag),
    }
}

/// Returns the 4-character IBSI-1 identifier of the feature `name` of `class` (`ShortRunEmphasis`
/// of [`FeatureClass::Glrlm`] gives `22OV`), or `None` where IBSI defines no such feature.
pub fn ibsi_code(class: FeatureClass, name: &str) -> Option<&'static str> {
    ibsi_tag(class, name).and_then(crate::ibsi::tag_code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ibsi::{TAG_CODES, tag_code};

    const PYRADIOMICS_CLASSES: [FeatureClass; 8] = [
        FeatureClass::Shape,
        FeatureClass::Shape2D,
        FeatureClass::FirstOrder,
        FeatureClass::Glcm,
        FeatureClass::Glrlm,
        FeatureClass::Glszm,
        FeatureClass::Gldm,
        FeatureClass::Ngtdm,
    ];

    const IBSI_CLASSES: [FeatureClass; 5] = [
        FeatureClass::IntensityHistogram,
        FeatureClass::IntensityVolumeHistogram,
        FeatureClass::LocalIntensity,
        FeatureClass::Gldzm,
        FeatureClass::Ngldm,
    ];

    /// Doc-comment lines of a source file.
    fn doc_lines(source: &'static str) -> Vec<&'static str> {
        source.lines().map(str::trim_start).filter(|l| l.starts_with("///") || l.starts_with("//!")).collect()
    }

    /// Returns the source file whose doc comments list the IBSI identifiers of a PyRadiomics class.
    fn documenting_source(class: FeatureClass) -> &'static str {
        match class {
            FeatureClass::Shape | FeatureClass::Shape2D => include_str!("shape.rs"),
            FeatureClass::FirstOrder => include_str!("firstorder.rs"),
            FeatureClass::Glcm | FeatureClass::Ngtdm => include_str!("texture.rs"),
            _ => include_str!("names.rs"),
        }
    }

    #[test]
    fn pyradiomics_features_have_one_ibsi_entry() {
        for class in PYRADIOMICS_CLASSES {
            let names = feature_names(class);
            for name in &names {
                let entries = IBSI_EQUIVALENTS.iter().filter(|(c, n, _)| *c == class && n == name).count();
                assert_eq!(entries, 1, "{class:?} {name}: IBSI_EQUIVALENTS entries");
            }
            let rows = IBSI_EQUIVALENTS.iter().filter(|(c, _, _)| *c == class).count();
            assert_eq!(rows, names.len(), "{class:?}: IBSI_EQUIVALENTS rows for features that do not exist");
        }
    }

    #[test]
    fn features_without_ibsi_code_are_known() {
        let mut missing: Vec<String> = Vec::new();
        for class in PYRADIOMICS_CLASSES {
            for name in feature_names(class) {
                if ibsi_code(class, name).is_none() {
                    missing.push(format!("{}_{name}", class.name()));
                }
            }
        }
        let expected = [
            "shape_Maximum2DDiameterColumn",
            "shape_Maximum2DDiameterRow",
            "shape_Maximum2DDiameterSlice",
            "shape2D_Elongation",
            "shape2D_MajorAxisLength",
            "shape2D_MaximumDiameter",
            "shape2D_MeshSurface",
            "shape2D_MinorAxisLength",
            "shape2D_Perimeter",
            "shape2D_PerimeterSurfaceRatio",
            "shape2D_PixelSurface",
            "shape2D_Sphericity",
            "shape2D_SphericalDisproportion",
            "firstorder_TotalEnergy",
            "firstorder_StandardDeviation",
            "glcm_MCC",
        ];
        assert_eq!(missing, expected);
    }

    #[test]
    fn ibsi_class_features_have_codes() {
        for class in IBSI_CLASSES {
            for name in feature_names(class) {
                assert!(ibsi_code(class, name).is_some(), "{class:?} {name}: no IBSI identifier");
            }
        }
    }

    #[test]
    fn tag_codes_are_well_formed() {
        for (k, (tag, name, code)) in TAG_CODES.iter().enumerate() {
            assert_eq!(code.len(), 4, "{tag}: {code}");
            assert!(code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()), "{tag}: {code}");
            assert!(!name.is_empty(), "{tag}: IBSI name");
            assert!(TAG_CODES[..k].iter().all(|(t, _, _)| t != tag), "{tag} listed twice");
        }
        assert_eq!(tag_code("rlm_sre_3D_avg"), Some("22OV"));
        assert_eq!(tag_code("cm_info_corr2_2_5D_comb"), Some("JN9H"));
        assert_eq!(tag_code("morph_comp_2"), Some("BQWJ"));
        assert_eq!(tag_code("ngl_dc_energy_2_5D"), Some("CAS9"));
        assert_eq!(tag_code("rlm_unknown"), None);
        assert_eq!(ibsi_code(FeatureClass::Glrlm, "ShortRunEmphasis"), Some("22OV"));
        assert_eq!(ibsi_code(FeatureClass::Gldm, "SmallDependenceEmphasis"), Some("SODN"));
        assert_eq!(ibsi_code(FeatureClass::FirstOrder, "Kurtosis"), Some("IPH6"));
    }

    #[test]
    fn doc_comments_carry_ibsi_codes() {
        let mut undocumented = Vec::new();
        for (class, name, _) in IBSI_EQUIVALENTS {
            let Some(code) = ibsi_code(*class, name) else {
                continue;
            };
            if !doc_lines(documenting_source(*class)).iter().any(|l| l.contains(name) && l.contains(code)) {
                undocumented.push(format!("{class:?} {name} ({code})"));
            }
        }
        let ibsi_docs: Vec<&str> =
            doc_lines(include_str!("ibsi.rs")).into_iter().chain(doc_lines(include_str!("firstorder.rs"))).collect();
        for (tag, _, code) in TAG_CODES {
            let quoted = format!("`{tag}`");
            if !ibsi_docs.iter().any(|l| l.contains(&quoted) && l.contains(code)) {
                undocumented.push(format!("{tag} ({code})"));
            }
        }
        assert!(
            undocumented.is_empty(),
            "no doc line names these features with their IBSI identifier: {undocumented:?}"
        );
    }

    #[test]
    fn ibsi_output_tags_have_codes() {
        use radiomics_volume::{Geometry, LabelMap, Volume};
        let geometry = Geometry::with_spacing([1.0, 1.0, 2.0]);
        let image = ndarray::Array3::from_shape_fn((6, 7, 8), |(z, y, x)| ((x * 7 + y * 3 + z * 5) % 6) as f64);
        let labels = ndarray::Array3::from_shape_fn((6, 7, 8), |(z, y, x)| {
            u32::from((1..5).contains(&z) && (1..6).contains(&y) && (1..7).contains(&x))
        });
        let image = Volume::new(image, geometry).unwrap();
        let labels = LabelMap(Volume::new(labels, geometry).unwrap());
        let settings = crate::Settings {
            convention: crate::Convention::Ibsi,
            bin_width: 1.0,
            minimum_roi_dimensions: 1,
            ..crate::Settings::default()
        };
        let features = crate::Extractor::new(settings).unwrap().execute(&image, &labels).unwrap();
        assert!(features.len() > 400, "{} IBSI features", features.len());
        for (tag, _) in features.iter() {
            assert!(tag_code(tag).is_some(), "{tag}: no IBSI identifier in TAG_CODES");
        }
    }
}
