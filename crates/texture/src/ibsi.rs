//! IBSI-1 convention: every IBSI feature family under every aggregation method, named by the
//! IBSI reference tags (`cm_joint_max_3D_avg`, `szm_sze_2D`, `stat_kurt`, ...).
//!
//! Differences from the PyRadiomics convention (see also [`crate::settings::Convention`]):
//! * fixed bin width counts bins from the ROI minimum or the lower resegmentation bound, not from
//!   0 ([`crate::roi::discretise`]);
//! * kurtosis is excess kurtosis (`stat_kurt`, `ih_kurt`);
//! * energy and RMS have no voxel shift;
//! * texture matrices are built per slice (2-D), per in-plane direction merged over slices
//!   (2.5-D) or in 3-D, and features are averaged over slices/directions or computed from merged
//!   matrices, as the tag suffix names (`_2D_avg`, `_2D_comb`, `_2_5D_avg`, `_2_5D_comb`,
//!   `_3D_avg`, `_3D_comb`; `_2D`, `_2_5D`, `_3D` for matrices without direction);
//! * GLDZM, NGLDM (full set), intensity histogram, intensity-volume histogram, local intensity
//!   and the extra morphology features exist only here.
//!
//! Formulas shared with PyRadiomics are documented in [`crate::texture`]; the others below.

use rayon::prelude::*;

use crate::error::Result;
use crate::extract::{Prepared, glcm_matrices};
use crate::features::FeatureSet;
use crate::firstorder::ibsi_statistics;
use crate::matrices::{self, directions, neighbourhood};
use crate::roi::Discretised;
use crate::settings::{Aggregation, Settings};
use crate::texture;

/// IBSI intensity-histogram feature tags (IBSI-1 family ZVCW) and their IBSI identifiers:
/// * `ih_mean`: mean (X6K6)
/// * `ih_var`: variance (CH89)
/// * `ih_skew`: skewness (88K1)
/// * `ih_kurt`: excess kurtosis (C3I7)
/// * `ih_median`: median (WIFQ)
/// * `ih_min`: minimum (1PR8)
/// * `ih_p10`: 10th percentile (GPMT)
/// * `ih_p90`: 90th percentile (OZ0C)
/// * `ih_max`: maximum (3NCY)
/// * `ih_mode`: mode (AMMC)
/// * `ih_iqr`: interquartile range (WR0O)
/// * `ih_range`: range (5Z3W)
/// * `ih_mad`: mean absolute deviation (D2ZX)
/// * `ih_rmad`: robust mean absolute deviation (WRZB)
/// * `ih_medad`: median absolute deviation (4RNL)
/// * `ih_cov`: coefficient of variation (CWYJ)
/// * `ih_qcod`: quartile coefficient of dispersion (SLWD)
/// * `ih_entropy`: entropy (TLU2)
/// * `ih_uniformity`: uniformity (BJ5W)
/// * `ih_max_grad`: maximum histogram gradient (12CE)
/// * `ih_max_grad_g`: maximum histogram gradient intensity (8E6O)
/// * `ih_min_grad`: minimum histogram gradient (VQB3)
/// * `ih_min_grad_g`: minimum histogram gradient intensity (RHQZ)
pub const IH_NAMES: &[&str] = &[
    "ih_mean",
    "ih_var",
    "ih_skew",
    "ih_kurt",
    "ih_median",
    "ih_min",
    "ih_p10",
    "ih_p90",
    "ih_max",
    "ih_mode",
    "ih_iqr",
    "ih_range",
    "ih_mad",
    "ih_rmad",
    "ih_medad",
    "ih_cov",
    "ih_qcod",
    "ih_entropy",
    "ih_uniformity",
    "ih_max_grad",
    "ih_max_grad_g",
    "ih_min_grad",
    "ih_min_grad_g",
];
/// IBSI intensity-volume histogram feature tags (IBSI-1 family P88C) and their IBSI identifiers.
/// IBSI defines one feature for both fractions of a pair, so `V10`/`V90` share one identifier,
/// as do `I10`/`I90`:
/// * `ivh_v10`: volume fraction at 10% intensity (BC2M)
/// * `ivh_v90`: volume fraction at 90% intensity (BC2M)
/// * `ivh_i10`: intensity at 10% volume (GBPN)
/// * `ivh_i90`: intensity at 90% volume (GBPN)
/// * `ivh_diff_v10_v90`: volume fraction difference between 10% and 90% intensity (DDTU)
/// * `ivh_diff_i10_i90`: intensity difference between 10% and 90% volume (CNV2)
/// * `ivh_auc`: area under the IVH curve (9CMM)
pub const IVH_NAMES: &[&str] =
    &["ivh_v10", "ivh_v90", "ivh_i10", "ivh_i90", "ivh_diff_v10_v90", "ivh_diff_i10_i90", "ivh_auc"];
/// IBSI local intensity feature tags (IBSI-1 family 9ST6) and their IBSI identifiers:
/// * `loc_peak_loc`: local intensity peak (VJGA)
/// * `loc_peak_glob`: global intensity peak (0F91)
pub const LOC_NAMES: &[&str] = &["loc_peak_loc", "loc_peak_glob"];
/// IBSI GLDZM feature tags without the aggregation suffix (IBSI-1 family VMDZ), in
/// [`texture::zone_features`] order with `j` the zone distance, and their IBSI identifiers:
/// * `dzm_sde`: small distance emphasis (0GBI)
/// * `dzm_lde`: large distance emphasis (MB4I)
/// * `dzm_lgze`: low grey level emphasis (S1RA)
/// * `dzm_hgze`: high grey level emphasis (K26C)
/// * `dzm_sdlge`: small distance low grey level emphasis (RUVG)
/// * `dzm_sdhge`: small distance high grey level emphasis (DKNJ)
/// * `dzm_ldlge`: large distance low grey level emphasis (A7WM)
/// * `dzm_ldhge`: large distance high grey level emphasis (KLTH)
/// * `dzm_glnu`: grey level non-uniformity (VFT7)
/// * `dzm_glnu_norm`: normalised grey level non-uniformity (7HP3)
/// * `dzm_zdnu`: zone distance non-uniformity (V294)
/// * `dzm_zdnu_norm`: normalised zone distance non-uniformity (IATH)
/// * `dzm_z_perc`: zone percentage (VIWW)
/// * `dzm_gl_var`: grey level variance (QK93)
/// * `dzm_zd_var`: zone distance variance (7WT1)
/// * `dzm_zd_entr`: zone distance entropy (GBDU)
pub const GLDZM_NAMES: &[&str] = &[
    "dzm_sde",
    "dzm_lde",
    "dzm_lgze",
    "dzm_hgze",
    "dzm_sdlge",
    "dzm_sdhge",
    "dzm_ldlge",
    "dzm_ldhge",
    "dzm_glnu",
    "dzm_glnu_norm",
    "dzm_zdnu",
    "dzm_zdnu_norm",
    "dzm_z_perc",
    "dzm_gl_var",
    "dzm_zd_var",
    "dzm_zd_entr",
];
/// IBSI NGLDM feature tags without the aggregation suffix (IBSI-1 family REK0), in
/// [`texture::zone_features`] order with `j` the dependence count plus one, and their IBSI
/// identifiers. PyRadiomics' GLDM is this matrix with coarseness `alpha = gldm_a` (default 0) and
/// Chebyshev distance 1, so its 14 features carry these identifiers (see [`crate::names::GLDM`]):
/// * `ngl_lde`: low dependence emphasis (SODN)
/// * `ngl_hde`: high dependence emphasis (IMOQ)
/// * `ngl_lgce`: low grey level count emphasis (TL9H)
/// * `ngl_hgce`: high grey level count emphasis (OAE7)
/// * `ngl_ldlge`: low dependence low grey level emphasis (EQ3F)
/// * `ngl_ldhge`: low dependence high grey level emphasis (JA6D)
/// * `ngl_hdlge`: high dependence low grey level emphasis (NBZI)
/// * `ngl_hdhge`: high dependence high grey level emphasis (9QMG)
/// * `ngl_glnu`: grey level non-uniformity (FP8K)
/// * `ngl_glnu_norm`: normalised grey level non-uniformity (5SPA)
/// * `ngl_dcnu`: dependence count non-uniformity (Z87G)
/// * `ngl_dcnu_norm`: normalised dependence count non-uniformity (OKJI)
/// * `ngl_dc_perc`: dependence count percentage (6XV8)
/// * `ngl_gl_var`: grey level variance (1PFV)
/// * `ngl_dc_var`: dependence count variance (DNX2)
/// * `ngl_dc_entr`: dependence count entropy (FCBV)
/// * `ngl_dc_energy`: dependence count energy (CAS9)
pub const NGLDM_NAMES: &[&str] = &[
    "ngl_lde",
    "ngl_hde",
    "ngl_lgce",
    "ngl_hgce",
    "ngl_ldlge",
    "ngl_ldhge",
    "ngl_hdlge",
    "ngl_hdhge",
    "ngl_glnu",
    "ngl_glnu_norm",
    "ngl_dcnu",
    "ngl_dcnu_norm",
    "ngl_dc_perc",
    "ngl_gl_var",
    "ngl_dc_var",
    "ngl_dc_entr",
    "ngl_dc_energy",
];
/// IBSI GLRLM tags (IBSI-1 family TP0I), in [`texture::zone_features`] order, and their IBSI
/// identifiers:
/// * `rlm_sre`: short runs emphasis (22OV)
/// * `rlm_lre`: long runs emphasis (W4KF)
/// * `rlm_lgre`: low grey level run emphasis (V3SW)
/// * `rlm_hgre`: high grey level run emphasis (G3QZ)
/// * `rlm_srlge`: short run low grey level emphasis (HTZT)
/// * `rlm_srhge`: short run high grey level emphasis (GD3A)
/// * `rlm_lrlge`: long run low grey level emphasis (IVPO)
/// * `rlm_lrhge`: long run high grey level emphasis (3KUM)
/// * `rlm_glnu`: grey level non-uniformity (R5YN)
/// * `rlm_glnu_norm`: normalised grey level non-uniformity (OVBL)
/// * `rlm_rlnu`: run length non-uniformity (W92Y)
/// * `rlm_rlnu_norm`: normalised run length non-uniformity (IC23)
/// * `rlm_r_perc`: run percentage (9ZK5)
/// * `rlm_gl_var`: grey level variance (8CE5)
/// * `rlm_rl_var`: run length variance (SXLW)
/// * `rlm_rl_entr`: run entropy (HJ9O)
pub const GLRLM_TAGS: &[&str] = &[
    "rlm_sre",
    "rlm_lre",
    "rlm_lgre",
    "rlm_hgre",
    "rlm_srlge",
    "rlm_srhge",
    "rlm_lrlge",
    "rlm_lrhge",
    "rlm_glnu",
    "rlm_glnu_norm",
    "rlm_rlnu",
    "rlm_rlnu_norm",
    "rlm_r_perc",
    "rlm_gl_var",
    "rlm_rl_var",
    "rlm_rl_entr",
];
/// IBSI GLSZM tags (IBSI-1 family 9SAK), in [`texture::zone_features`] order, and their IBSI
/// identifiers:
/// * `szm_sze`: small zone emphasis (5QRC)
/// * `szm_lze`: large zone emphasis (48P8)
/// * `szm_lgze`: low grey level emphasis (XMSY)
/// * `szm_hgze`: high grey level emphasis (5GN9)
/// * `szm_szlge`: small zone low grey level emphasis (5RAI)
/// * `szm_szhge`: small zone high grey level emphasis (HW1V)
/// * `szm_lzlge`: large zone low grey level emphasis (YH51)
/// * `szm_lzhge`: large zone high grey level emphasis (J17V)
/// * `szm_glnu`: grey level non-uniformity (JNSA)
/// * `szm_glnu_norm`: normalised grey level non-uniformity (Y1RO)
/// * `szm_zsnu`: zone size non-uniformity (4JP3)
/// * `szm_zsnu_norm`: normalised zone size non-uniformity (VB3A)
/// * `szm_z_perc`: zone percentage (P30P)
/// * `szm_gl_var`: grey level variance (BYLV)
/// * `szm_zs_var`: zone size variance (3NSA)
/// * `szm_zs_entr`: zone size entropy (GU8N)
pub const GLSZM_TAGS: &[&str] = &[
    "szm_sze",
    "szm_lze",
    "szm_lgze",
    "szm_hgze",
    "szm_szlge",
    "szm_szhge",
    "szm_lzlge",
    "szm_lzhge",
    "szm_glnu",
    "szm_glnu_norm",
    "szm_zsnu",
    "szm_zsnu_norm",
    "szm_z_perc",
    "szm_gl_var",
    "szm_zs_var",
    "szm_zs_entr",
];
/// IBSI GLCM tags (IBSI-1 family LFYI) with the index of the value in [`texture::glcm_features`],
/// and their IBSI identifiers. Joint variance is PyRadiomics SumSquares. Sum variance equals
/// cluster tendency for a symmetric matrix, and dissimilarity equals the difference average:
/// * `cm_joint_max`: joint maximum (GYBY)
/// * `cm_joint_avg`: joint average (60VM)
/// * `cm_joint_var`: joint variance (UR99)
/// * `cm_joint_entr`: joint entropy (TU9B)
/// * `cm_diff_avg`: difference average (TF7R)
/// * `cm_diff_var`: difference variance (D3YU)
/// * `cm_diff_entr`: difference entropy (NTRS)
/// * `cm_sum_avg`: sum average (ZGXS)
/// * `cm_sum_var`: sum variance (OEEB)
/// * `cm_sum_entr`: sum entropy (P6QZ)
/// * `cm_energy`: angular second moment (8ZQL)
/// * `cm_contrast`: contrast (ACUI)
/// * `cm_dissimilarity`: dissimilarity (8S9J)
/// * `cm_inv_diff`: inverse difference (IB1Z)
/// * `cm_inv_diff_norm`: normalised inverse difference (NDRX)
/// * `cm_inv_diff_mom`: inverse difference moment (WF0Z)
/// * `cm_inv_diff_mom_norm`: normalised inverse difference moment (1QCO)
/// * `cm_inv_var`: inverse variance (E8JP)
/// * `cm_corr`: correlation (NI2N)
/// * `cm_auto_corr`: autocorrelation (QWUS)
/// * `cm_clust_tend`: cluster tendency (DG8W)
/// * `cm_clust_shade`: cluster shade (7NFM)
/// * `cm_clust_prom`: cluster prominence (AE86)
/// * `cm_info_corr1`: information correlation 1 (R8DG)
/// * `cm_info_corr2`: information correlation 2 (JN9H)
pub const GLCM_TAGS: &[(&str, usize)] = &[
    ("cm_joint_max", 20),
    ("cm_joint_avg", 16),
    ("cm_joint_var", 23),
    ("cm_joint_entr", 18),
    ("cm_diff_avg", 6),
    ("cm_diff_var", 8),
    ("cm_diff_entr", 7),
    ("cm_sum_avg", 21),
    ("cm_sum_var", 3),
    ("cm_sum_entr", 22),
    ("cm_energy", 17),
    ("cm_contrast", 4),
    ("cm_dissimilarity", 6),
    ("cm_inv_diff", 9),
    ("cm_inv_diff_norm", 12),
    ("cm_inv_diff_mom", 10),
    ("cm_inv_diff_mom_norm", 11),
    ("cm_inv_var", 15),
    ("cm_corr", 5),
    ("cm_auto_corr", 0),
    ("cm_clust_tend", 3),
    ("cm_clust_shade", 2),
    ("cm_clust_prom", 1),
    ("cm_info_corr1", 13),
    ("cm_info_corr2", 14),
];
/// IBSI NGTDM tags (IBSI-1 family IPET), in [`texture::ngtdm_features`] order, and their IBSI
/// identifiers:
/// * `ngt_busyness`: busyness (NQ30)
/// * `ngt_coarseness`: coarseness (QCDE)
/// * `ngt_complexity`: complexity (HDEZ)
/// * `ngt_contrast`: contrast (65HE)
/// * `ngt_strength`: strength (1X9X)
pub const NGTDM_TAGS: &[&str] = &["ngt_busyness", "ngt_coarseness", "ngt_complexity", "ngt_contrast", "ngt_strength"];

/// Every IBSI tag stem (a tag without its aggregation suffix) with the IBSI-1 feature name, as in
/// the IBSI reference table, and the feature's 4-character IBSI identifier. The list includes the
/// four OMBB and MVEE densities, which this crate does not compute.
pub const TAG_CODES: &[(&str, &str, &str)] = &[
    ("morph_volume", "Volume (mesh)", "RNU0"),
    ("morph_vol_approx", "Volume (voxel counting)", "YEKZ"),
    ("morph_area_mesh", "Surface area (mesh)", "C0JK"),
    ("morph_av", "Surface to volume ratio", "2PR5"),
    ("morph_comp_1", "Compactness 1", "SKGS"),
    ("morph_comp_2", "Compactness 2", "BQWJ"),
    ("morph_sph_dispr", "Spherical disproportion", "KRCK"),
    ("morph_sphericity", "Sphericity", "QCFX"),
    ("morph_asphericity", "Asphericity", "25C7"),
    ("morph_com", "Centre of mass shift", "KLMA"),
    ("morph_diam", "Maximum 3D diameter", "L0JK"),
    ("morph_pca_maj_axis", "Major axis length", "TDIC"),
    ("morph_pca_min_axis", "Minor axis length", "P9VJ"),
    ("morph_pca_least_axis", "Least axis length", "7J51"),
    ("morph_pca_elongation", "Elongation", "Q3CK"),
    ("morph_pca_flatness", "Flatness", "N17B"),
    ("morph_vol_dens_aabb", "Volume density (AABB)", "PBX1"),
    ("morph_area_dens_aabb", "Area density (AABB)", "R59B"),
    ("morph_vol_dens_ombb", "Volume density (OMBB)", "ZH1A"),
    ("morph_area_dens_ombb", "Area density (OMBB)", "IQYR"),
    ("morph_vol_dens_aee", "Volume density (AEE)", "6BDE"),
    ("morph_area_dens_aee", "Area density (AEE)", "RDD2"),
    ("morph_vol_dens_mvee", "Volume density (MVEE)", "SWZ1"),
    ("morph_area_dens_mvee", "Area density (MVEE)", "BRI8"),
    ("morph_vol_dens_conv_hull", "Volume density (convex hull)", "R3ER"),
    ("morph_area_dens_conv_hull", "Area density (convex hull)", "7T7F"),
    ("morph_integ_int", "Integrated intensity", "99N0"),
    ("morph_moran_i", "Moran's I index", "N365"),
    ("morph_geary_c", "Geary's C measure", "NPT7"),
    ("loc_peak_loc", "Local intensity peak", "VJGA"),
    ("loc_peak_glob", "Global intensity peak", "0F91"),
    ("stat_mean", "Mean", "Q4LE"),
    ("stat_var", "Variance", "ECT3"),
    ("stat_skew", "Skewness", "KE2A"),
    ("stat_kurt", "(Excess) kurtosis", "IPH6"),
    ("stat_median", "Median", "Y12H"),
    ("stat_min", "Minimum", "1GSF"),
    ("stat_p10", "10th percentile", "QG58"),
    ("stat_p90", "90th percentile", "8DWT"),
    ("stat_max", "Maximum", "84IY"),
    ("stat_iqr", "Interquartile range", "SALO"),
    ("stat_range", "Range", "2OJQ"),
    ("stat_mad", "Mean absolute deviation", "4FUA"),
    ("stat_rmad", "Robust mean absolute deviation", "1128"),
    ("stat_medad", "Median absolute deviation", "N72L"),
    ("stat_cov", "Coefficient of variation", "7TET"),
    ("stat_qcod", "Quartile coefficient of dispersion", "9S40"),
    ("stat_energy", "Energy", "N8CA"),
    ("stat_rms", "Root mean square", "5ZWQ"),
    ("ih_mean", "Mean", "X6K6"),
    ("ih_var", "Variance", "CH89"),
    ("ih_skew", "Skewness", "88K1"),
    ("ih_kurt", "(Excess) kurtosis", "C3I7"),
    ("ih_median", "Median", "WIFQ"),
    ("ih_min", "Minimum", "1PR8"),
    ("ih_p10", "10th percentile", "GPMT"),
    ("ih_p90", "90th percentile", "OZ0C"),
    ("ih_max", "Maximum", "3NCY"),
    ("ih_mode", "Mode", "AMMC"),
    ("ih_iqr", "Interquartile range", "WR0O"),
    ("ih_range", "Range", "5Z3W"),
    ("ih_mad", "Mean absolute deviation", "D2ZX"),
    ("ih_rmad", "Robust mean absolute deviation", "WRZB"),
    ("ih_medad", "Median absolute deviation", "4RNL"),
    ("ih_cov", "Coefficient of variation", "CWYJ"),
    ("ih_qcod", "Quartile coefficient of dispersion", "SLWD"),
    ("ih_entropy", "Entropy", "TLU2"),
    ("ih_uniformity", "Uniformity", "BJ5W"),
    ("ih_max_grad", "Maximum histogram gradient", "12CE"),
    ("ih_max_grad_g", "Maximum histogram gradient intensity", "8E6O"),
    ("ih_min_grad", "Minimum histogram gradient", "VQB3"),
    ("ih_min_grad_g", "Minimum histogram gradient intensity", "RHQZ"),
    ("ivh_v10", "Volume fraction at 10% intensity", "BC2M"),
    ("ivh_v90", "Volume fraction at 90% intensity", "BC2M"),
    ("ivh_i10", "Intensity at 10% volume", "GBPN"),
    ("ivh_i90", "Intensity at 90% volume", "GBPN"),
    ("ivh_diff_v10_v90", "Volume fraction difference between 10% and 90% intensity", "DDTU"),
    ("ivh_diff_i10_i90", "Intensity difference between 10% and 90% volume", "CNV2"),
    ("ivh_auc", "Area under the IVH curve", "9CMM"),
    ("cm_joint_max", "Joint maximum", "GYBY"),
    ("cm_joint_avg", "Joint average", "60VM"),
    ("cm_joint_var", "Joint variance", "UR99"),
    ("cm_joint_entr", "Joint entropy", "TU9B"),
    ("cm_diff_avg", "Difference average", "TF7R"),
    ("cm_diff_var", "Difference variance", "D3YU"),
    ("cm_diff_entr", "Difference entropy", "NTRS"),
    ("cm_sum_avg", "Sum average", "ZGXS"),
    ("cm_sum_var", "Sum variance", "OEEB"),
    ("cm_sum_entr", "Sum entropy", "P6QZ"),
    ("cm_energy", "Angular second moment", "8ZQL"),
    ("cm_contrast", "Contrast", "ACUI"),
    ("cm_dissimilarity", "Dissimilarity", "8S9J"),
    ("cm_inv_diff", "Inverse difference", "IB1Z"),
    ("cm_inv_diff_norm", "Normalised inverse difference", "NDRX"),
    ("cm_inv_diff_mom", "Inverse difference moment", "WF0Z"),
    ("cm_inv_diff_mom_norm", "Normalised inverse difference moment", "1QCO"),
    ("cm_inv_var", "Inverse variance", "E8JP"),
    ("cm_corr", "Correlation", "NI2N"),
    ("cm_auto_corr", "Autocorrelation", "QWUS"),
    ("cm_clust_tend", "Cluster tendency", "DG8W"),
    ("cm_clust_shade", "Cluster shade", "7NFM"),
    ("cm_clust_prom", "Cluster prominence", "AE86"),
    ("cm_info_corr1", "Information correlation 1", "R8DG"),
    ("cm_info_corr2", "Information correlation 2", "JN9H"),
    ("rlm_sre", "Short runs emphasis", "22OV"),
    ("rlm_lre", "Long runs emphasis", "W4KF"),
    ("rlm_lgre", "Low grey level run emphasis", "V3SW"),
    ("rlm_hgre", "High grey level run emphasis", "G3QZ"),
    ("rlm_srlge", "Short run low grey level emphasis", "HTZT"),
    ("rlm_srhge", "Short run high grey level emphasis", "GD3A"),
    ("rlm_lrlge", "Long run low grey level emphasis", "IVPO"),
    ("rlm_lrhge", "Long run high grey level emphasis", "3KUM"),
    ("rlm_glnu", "Grey level non-uniformity", "R5YN"),
    ("rlm_glnu_norm", "Normalised grey level non-uniformity", "OVBL"),
    ("rlm_rlnu", "Run length non-uniformity", "W92Y"),
    ("rlm_rlnu_norm", "Normalised run length non-uniformity", "IC23"),
    ("rlm_r_perc", "Run percentage", "9ZK5"),
    ("rlm_gl_var", "Grey level variance", "8CE5"),
    ("rlm_rl_var", "Run length variance", "SXLW"),
    ("rlm_rl_entr", "Run entropy", "HJ9O"),
    ("szm_sze", "Small zone emphasis", "5QRC"),
    ("szm_lze", "Large zone emphasis", "48P8"),
    ("szm_lgze", "Low grey level emphasis", "XMSY"),
    ("szm_hgze", "High grey level emphasis", "5GN9"),
    ("szm_szlge", "Small zone low grey level emphasis", "5RAI"),
    ("szm_szhge", "Small zone high grey level emphasis", "HW1V"),
    ("szm_lzlge", "Large zone low grey level emphasis", "YH51"),
    ("szm_lzhge", "Large zone high grey level emphasis", "J17V"),
    ("szm_glnu", "Grey level non-uniformity", "JNSA"),
    ("szm_glnu_norm", "Normalised grey level non-uniformity", "Y1RO"),
    ("szm_zsnu", "Zone size non-uniformity", "4JP3"),
    ("szm_zsnu_norm", "Normalised zone size non-uniformity", "VB3A"),
    ("szm_z_perc", "Zone percentage", "P30P"),
    ("szm_gl_var", "Grey level variance", "BYLV"),
    ("szm_zs_var", "Zone size variance", "3NSA"),
    ("szm_zs_entr", "Zone size entropy", "GU8N"),
    ("dzm_sde", "Small distance emphasis", "0GBI"),
    ("dzm_lde", "Large distance emphasis", "MB4I"),
    ("dzm_lgze", "Low grey level emphasis", "S1RA"),
    ("dzm_hgze", "High grey level emphasis", "K26C"),
    ("dzm_sdlge", "Small distance low grey level emphasis", "RUVG"),
    ("dzm_sdhge", "Small distance high grey level emphasis", "DKNJ"),
    ("dzm_ldlge", "Large distance low grey level emphasis", "A7WM"),
    ("dzm_ldhge", "Large distance high grey level emphasis", "KLTH"),
    ("dzm_glnu", "Grey level non-uniformity", "VFT7"),
    ("dzm_glnu_norm", "Normalised grey level non-uniformity", "7HP3"),
    ("dzm_zdnu", "Zone distance non-uniformity", "V294"),
    ("dzm_zdnu_norm", "Normalised zone distance non-uniformity", "IATH"),
    ("dzm_z_perc", "Zone percentage", "VIWW"),
    ("dzm_gl_var", "Grey level variance", "QK93"),
    ("dzm_zd_var", "Zone distance variance", "7WT1"),
    ("dzm_zd_entr", "Zone distance entropy", "GBDU"),
    ("ngt_coarseness", "Coarseness", "QCDE"),
    ("ngt_contrast", "Contrast", "65HE"),
    ("ngt_busyness", "Busyness", "NQ30"),
    ("ngt_complexity", "Complexity", "HDEZ"),
    ("ngt_strength", "Strength", "1X9X"),
    ("ngl_lde", "Low dependence emphasis", "SODN"),
    ("ngl_hde", "High dependence emphasis", "IMOQ"),
    ("ngl_lgce", "Low grey level count emphasis", "TL9H"),
    ("ngl_hgce", "High grey level count emphasis", "OAE7"),
    ("ngl_ldlge", "Low dependence low grey level emphasis", "EQ3F"),
    ("ngl_ldhge", "Low dependence high grey level emphasis", "JA6D"),
    ("ngl_hdlge", "High dependence low grey level emphasis", "NBZI"),
    ("ngl_hdhge", "High dependence high grey level emphasis", "9QMG"),
    ("ngl_glnu", "Grey level non-uniformity", "FP8K"),
    ("ngl_glnu_norm", "Normalised grey level non-uniformity", "5SPA"),
    ("ngl_dcnu", "Dependence count non-uniformity", "Z87G"),
    ("ngl_dcnu_norm", "Normalised dependence count non-uniformity", "OKJI"),
    ("ngl_dc_perc", "Dependence count percentage", "6XV8"),
    ("ngl_gl_var", "Grey level variance", "1PFV"),
    ("ngl_dc_var", "Dependence count variance", "DNX2"),
    ("ngl_dc_entr", "Dependence count entropy", "FCBV"),
    ("ngl_dc_energy", "Dependence count energy", "CAS9"),
];

/// Aggregation suffixes of the IBSI texture tags.
const AGGREGATION_SUFFIXES: &[&str] =
    &["_2_5D_avg", "_2_5D_comb", "_2D_avg", "_2D_comb", "_3D_avg", "_3D_comb", "_2_5D", "_2D", "_3D"];

/// Returns the IBSI-1 identifier of an IBSI tag, with or without its aggregation suffix
/// (`rlm_sre_3D_avg` and `rlm_sre` give `22OV`), or `None` for an unknown tag.
pub fn tag_code(tag: &str) -> Option<&'static str> {
    let stem = AGGREGATION_SUFFIXES.iter().find_map(|s| tag.strip_suffix(s)).unwrap_or(tag);
    TAG_CODES.iter().find(|(t, _, _)| *t == stem).map(|(_, _, code)| *code)
}

/// Computes all IBSI features of a prepared case, named by IBSI tags, every aggregation at once.
pub fn ibsi_features(p: &Prepared, s: &Settings) -> Result<FeatureSet> {
    let d = &p.levels;
    let mut out = FeatureSet::default();
    for (k, v) in morphology(p) {
        out.push(k, v);
    }
    for (k, v) in local_intensity(p) {
        out.push(k, v);
    }
    for (k, v) in ibsi_statistics(&p.roi.values()) {
        out.push(k, v);
    }
    let levels: Vec<u32> = d.levels.iter().copied().filter(|&l| l > 0).collect();
    for (k, v) in intensity_histogram(&levels) {
        out.push(k, v);
    }
    for (k, v) in intensity_volume_histogram(&levels) {
        out.push(k, v);
    }
    let families: Vec<Vec<(String, f64)>> = (0..6)
        .into_par_iter()
        .map(|f| match f {
            0 => glcm_all(d, &s.distances),
            1 => glrlm_all(d),
            2 => zone_all(d, false),
            3 => zone_all(d, true),
            4 => ngtdm_all(d, &s.distances),
            _ => ngldm_all(d, &s.distances, s.gldm_a),
        })
        .collect();
    let keep = s.aggregation.map(aggregation_suffixes);
    for fam in families {
        for (k, v) in fam {
            if keep.is_none_or(|suffixes| suffixes.iter().any(|x| k.ends_with(x))) {
                out.push(k, v);
            }
        }
    }
    Ok(out)
}

/// Tag suffixes kept for one aggregation: the directional one (GLCM, GLRLM) and the one of the
/// matrices without direction (GLSZM, GLDZM, NGTDM, NGLDM).
fn aggregation_suffixes(a: Aggregation) -> [&'static str; 2] {
    match a {
        Aggregation::Averaged3d => ["_3D_avg", "_3D"],
        Aggregation::Merged3d => ["_3D_comb", "_3D"],
        Aggregation::Averaged2d => ["_2D_avg", "_2D"],
        Aggregation::SliceMerged2d => ["_2D_comb", "_2D"],
        Aggregation::DirectionMerged25d => ["_2_5D_avg", "_2_5D"],
        Aggregation::Merged25d => ["_2_5D_comb", "_2_5D"],
    }
}

/// Slabs for the 2-D aggregation: one `z..z+1` per slice that holds ROI voxels.
fn slices(d: &Discretised) -> Vec<std::ops::Range<usize>> {
    let plane = d.dims[1] * d.dims[2];
    (0..d.dims[0]).filter(|&z| d.levels[z * plane..(z + 1) * plane].iter().any(|&l| l > 0)).map(|z| z..z + 1).collect()
}

fn values(d: &Discretised) -> Vec<f64> {
    d.gray_levels.iter().map(|&g| f64::from(g)).collect()
}

fn glcm_feats(m: &[f64], d: &Discretised) -> Option<Vec<f64>> {
    let total: f64 = m.iter().sum();
    if total == 0.0 {
        return None;
    }
    let p: Vec<f64> = m.iter().map(|v| v / total).collect();
    Some(texture::glcm_features(&p, &values(d), d.ng, 0.0))
}

fn sum_into(acc: &mut Vec<f64>, m: &[f64]) {
    if acc.is_empty() {
        acc.resize(m.len(), 0.0);
    }
    for (a, b) in acc.iter_mut().zip(m) {
        *a += b;
    }
}

fn emit(out: &mut Vec<(String, f64)>, tags: &[&str], values: &[f64], suffix: &str) {
    for (t, v) in tags.iter().zip(values) {
        out.push((format!("{t}_{suffix}"), *v));
    }
}

/// GLCM under the six IBSI aggregations (symmetric, Chebyshev distance `distances`).
fn glcm_all(d: &Discretised, distances: &[usize]) -> Vec<(String, f64)> {
    let n = d.gray_levels.len();
    let rank = d.rank_of_level();
    let in_plane = directions(distances, true);
    let mut rows: Vec<(String, Vec<f64>)> = Vec::new();
    // 3-D.
    let mats3: Vec<Vec<f64>> =
        glcm_matrices(d, &directions(distances, false), true).into_iter().map(|(_, m)| m).collect();
    let per: Vec<Vec<f64>> = mats3.iter().filter_map(|m| glcm_feats(m, d)).collect();
    rows.push(("3D_avg".into(), texture::average(&per, texture::GLCM_COUNT)));
    let mut merged = Vec::new();
    mats3.iter().for_each(|m| sum_into(&mut merged, m));
    rows.push(("3D_comb".into(), glcm_feats(&merged, d).unwrap_or(vec![f64::NAN; texture::GLCM_COUNT])));
    // 2-D and 2.5-D.
    let mut per_slice_dir = Vec::new();
    let mut per_slice_merged = Vec::new();
    let mut per_dir: Vec<Vec<f64>> = vec![Vec::new(); in_plane.len()];
    let mut all = Vec::new();
    for z in slices(d) {
        let mut slice_sum = Vec::new();
        for (k, &o) in in_plane.iter().enumerate() {
            let mut m = matrices::glcm_counts(d, &rank, o, z.clone());
            matrices::symmetrise(&mut m, n);
            if let Some(f) = glcm_feats(&m, d) {
                per_slice_dir.push(f);
            }
            sum_into(&mut slice_sum, &m);
            sum_into(&mut per_dir[k], &m);
            sum_into(&mut all, &m);
        }
        if let Some(f) = glcm_feats(&slice_sum, d) {
            per_slice_merged.push(f);
        }
    }
    rows.push(("2D_avg".into(), texture::average(&per_slice_dir, texture::GLCM_COUNT)));
    rows.push(("2D_comb".into(), texture::average(&per_slice_merged, texture::GLCM_COUNT)));
    let per: Vec<Vec<f64>> = per_dir.iter().filter_map(|m| glcm_feats(m, d)).collect();
    rows.push(("2_5D_avg".into(), texture::average(&per, texture::GLCM_COUNT)));
    rows.push(("2_5D_comb".into(), glcm_feats(&all, d).unwrap_or(vec![f64::NAN; texture::GLCM_COUNT])));
    let mut out = Vec::new();
    for (suffix, f) in rows {
        for (tag, k) in GLCM_TAGS {
            out.push((format!("{tag}_{suffix}"), f[*k]));
        }
    }
    out
}

fn rlm_feats(m: &[f64], d: &Discretised, cols: &[f64]) -> Option<Vec<f64>> {
    if m.iter().all(|&v| v == 0.0) {
        return None;
    }
    Some(texture::zone_features(m, &values(d), cols, None, 0.0))
}

/// GLRLM under the six IBSI aggregations.
fn glrlm_all(d: &Discretised) -> Vec<(String, f64)> {
    let rank = d.rank_of_level();
    let max_run = d.dims.iter().copied().max().unwrap_or(1);
    let cols: Vec<f64> = (1..=max_run).map(|j| j as f64).collect();
    let mut out = Vec::new();
    let mats3: Vec<Vec<f64>> =
        directions(&[1], false).iter().map(|&o| matrices::glrlm_counts(d, &rank, o, 0..d.dims[0]).0).collect();
    let per: Vec<Vec<f64>> = mats3.iter().filter_map(|m| rlm_feats(m, d, &cols)).collect();
    emit(&mut out, GLRLM_TAGS, &texture::average(&per, 16), "3D_avg");
    let mut merged = Vec::new();
    mats3.iter().for_each(|m| sum_into(&mut merged, m));
    emit(&mut out, GLRLM_TAGS, &rlm_feats(&merged, d, &cols).unwrap_or(vec![f64::NAN; 17]), "3D_comb");
    let in_plane = directions(&[1], true);
    let (mut per_slice_dir, mut per_slice_merged) = (Vec::new(), Vec::new());
    let mut per_dir: Vec<Vec<f64>> = vec![Vec::new(); in_plane.len()];
    let mut all = Vec::new();
    for z in slices(d) {
        let mut slice_sum = Vec::new();
        for (k, &o) in in_plane.iter().enumerate() {
            let m = matrices::glrlm_counts(d, &rank, o, z.clone()).0;
            if let Some(f) = rlm_feats(&m, d, &cols) {
                per_slice_dir.push(f);
            }
            sum_into(&mut slice_sum, &m);
            sum_into(&mut per_dir[k], &m);
            sum_into(&mut all, &m);
        }
        if let Some(f) = rlm_feats(&slice_sum, d, &cols) {
            per_slice_merged.push(f);
        }
    }
    emit(&mut out, GLRLM_TAGS, &texture::average(&per_slice_dir, 16), "2D_avg");
    emit(&mut out, GLRLM_TAGS, &texture::average(&per_slice_merged, 16), "2D_comb");
    let per: Vec<Vec<f64>> = per_dir.iter().filter_map(|m| rlm_feats(m, d, &cols)).collect();
    emit(&mut out, GLRLM_TAGS, &texture::average(&per, 16), "2_5D_avg");
    emit(&mut out, GLRLM_TAGS, &rlm_feats(&all, d, &cols).unwrap_or(vec![f64::NAN; 17]), "2_5D_comb");
    out
}

/// GLSZM (`distance = false`) or GLDZM (`distance = true`) in 2-D (per slice, averaged), 2.5-D
/// (slices merged) and 3-D.
///
/// GLDZM (IBSI 3.9): rows = grey levels, columns = the zone's smallest distance to the ROI edge,
/// the edge distance of a voxel being the fewest face-connected steps to leave the ROI (1 for a
/// border voxel; 4-connected in 2-D). Features: the zone formulas with `j` = distance.
fn zone_all(d: &Discretised, distance: bool) -> Vec<(String, f64)> {
    let rank = d.rank_of_level();
    let n = d.gray_levels.len();
    let tags: &[&str] = if distance { GLDZM_NAMES } else { GLSZM_TAGS };
    let matrix = |zones: &[(u32, usize, u32)], width: usize| -> Vec<f64> {
        let mut m = vec![0.0; n * width];
        for &(r, size, dist) in zones {
            let j = if distance { dist as usize } else { size };
            m[r as usize * width + j - 1] += 1.0;
        }
        m
    };
    let width = if distance { d.dims.iter().copied().max().unwrap_or(1) } else { d.levels.len() };
    let cols: Vec<f64> = (1..=width).map(|j| j as f64).collect();
    let feats = |m: &[f64], nv: usize| texture::zone_features(m, &values(d), &cols, Some(nv as f64), 0.0);
    let mut out = Vec::new();
    let zones3 = matrices::zones(d, &rank, 0..d.dims[0], false, distance);
    emit(&mut out, tags, &feats(&matrix(&zones3, width), d.count()), "3D");
    let mut per_slice = Vec::new();
    let mut merged = vec![0.0; n * width];
    let plane = d.dims[1] * d.dims[2];
    for z in slices(d) {
        let zones = matrices::zones(d, &rank, z.clone(), true, distance);
        let m = matrix(&zones, width);
        let nv = d.levels[z.start * plane..z.end * plane].iter().filter(|&&l| l > 0).count();
        per_slice.push(feats(&m, nv));
        sum_into(&mut merged, &m);
    }
    emit(&mut out, tags, &texture::average(&per_slice, 16), "2D");
    emit(&mut out, tags, &feats(&merged, d.count()), "2_5D");
    out
}

/// NGTDM in 2-D (per slice, 8 in-plane neighbours, averaged), 2.5-D (`n_i`, `s_i` summed over
/// slices) and 3-D (26 neighbours).
fn ngtdm_all(d: &Discretised, distances: &[usize]) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let (n, s, v) = crate::extract::ngtdm_vectors(d, distances, false, 0..d.dims[0]);
    emit(&mut out, NGTDM_TAGS, &texture::ngtdm_features(&n, &s, &v), "3D");
    let levels = values(d);
    let mut per_slice = Vec::new();
    let (mut n_all, mut s_all) = (vec![0.0; levels.len()], vec![0.0; levels.len()]);
    for z in slices(d) {
        let (n, s, v) = crate::extract::ngtdm_vectors(d, distances, true, z);
        per_slice.push(texture::ngtdm_features(&n, &s, &v));
        for k in 0..v.len() {
            let idx = levels.iter().position(|&l| l == v[k]).unwrap_or(0);
            n_all[idx] += n[k];
            s_all[idx] += s[k];
        }
    }
    emit(&mut out, NGTDM_TAGS, &texture::average(&per_slice, 5), "2D");
    let keep: Vec<usize> = (0..levels.len()).filter(|&k| n_all[k] > 0.0).collect();
    let f = texture::ngtdm_features(
        &keep.iter().map(|&k| n_all[k]).collect::<Vec<_>>(),
        &keep.iter().map(|&k| s_all[k]).collect::<Vec<_>>(),
        &keep.iter().map(|&k| levels[k]).collect::<Vec<_>>(),
    );
    emit(&mut out, NGTDM_TAGS, &f, "2_5D");
    out
}

/// NGLDM (IBSI 3.11): rows = grey levels, column `k + 1` with `k` the number of neighbours
/// (Chebyshev distance `distances`, in the ROI) whose level differs by at most `alpha`. 2-D per
/// slice (averaged), 2.5-D merged over slices, 3-D.
fn ngldm_all(d: &Discretised, distances: &[usize], alpha: f64) -> Vec<(String, f64)> {
    let rank = d.rank_of_level();
    let n = d.gray_levels.len();
    let build = |in_plane: bool, z: std::ops::Range<usize>| -> (Vec<f64>, usize, usize) {
        let offsets = neighbourhood(distances, in_plane);
        let width = offsets.len() + 1;
        let stats = matrices::neighbour_stats(d, &rank, &offsets, z, alpha);
        let mut m = vec![0.0; n * width];
        for (r, _, dep, _) in &stats {
            m[*r as usize * width + *dep as usize] += 1.0;
        }
        (m, width, stats.len())
    };
    let feats = |m: &[f64], width: usize, nv: usize| {
        let cols: Vec<f64> = (1..=width).map(|j| j as f64).collect();
        texture::zone_features(m, &values(d), &cols, Some(nv as f64), 0.0)
    };
    let mut out = Vec::new();
    let (m, w, nv) = build(false, 0..d.dims[0]);
    emit(&mut out, NGLDM_NAMES, &feats(&m, w, nv), "3D");
    let mut per_slice = Vec::new();
    let mut merged = Vec::new();
    let (mut total, mut width) = (0, 1);
    for z in slices(d) {
        let (m, w, nv) = build(true, z);
        per_slice.push(feats(&m, w, nv));
        sum_into(&mut merged, &m);
        total += nv;
        width = w;
    }
    emit(&mut out, NGLDM_NAMES, &texture::average(&per_slice, 17), "2D");
    emit(&mut out, NGLDM_NAMES, &feats(&merged, width, total), "2_5D");
    out
}

/// IBSI intensity histogram (3.4) of the discretised levels `levels` (ROI voxels).
///
/// Statistics as [`ibsi_statistics`] on the levels; mode = most frequent level (the lowest on
/// ties); entropy `-sum p_i log2 p_i`; uniformity `sum p_i^2`; histogram gradient `H'(i)` by
/// central differences (one-sided at the first and last level) over levels `1..=N_g`, with its
/// maximum, minimum and the levels where they occur.
pub fn intensity_histogram(levels: &[u32]) -> Vec<(String, f64)> {
    let x: Vec<f64> = levels.iter().map(|&l| f64::from(l)).collect();
    let mut out: Vec<(String, f64)> = Vec::new();
    let stats = ibsi_statistics(&x);
    let get = |k: &str| stats.iter().find(|(n, _)| n == k).map(|(_, v)| *v).unwrap_or(f64::NAN);
    for (tag, stat) in [
        ("ih_mean", "stat_mean"),
        ("ih_var", "stat_var"),
        ("ih_skew", "stat_skew"),
        ("ih_kurt", "stat_kurt"),
        ("ih_median", "stat_median"),
        ("ih_min", "stat_min"),
        ("ih_p10", "stat_p10"),
        ("ih_p90", "stat_p90"),
        ("ih_max", "stat_max"),
    ] {
        out.push((tag.into(), get(stat)));
    }
    let ng = levels.iter().copied().max().unwrap_or(0) as usize;
    let mut hist = vec![0.0; ng + 1];
    for &l in levels {
        hist[l as usize] += 1.0;
    }
    let mode = (1..=ng).fold(1, |best, i| if hist[i] > hist[best] { i } else { best });
    out.push(("ih_mode".into(), mode as f64));
    for (tag, stat) in [
        ("ih_iqr", "stat_iqr"),
        ("ih_range", "stat_range"),
        ("ih_mad", "stat_mad"),
        ("ih_rmad", "stat_rmad"),
        ("ih_medad", "stat_medad"),
        ("ih_cov", "stat_cov"),
        ("ih_qcod", "stat_qcod"),
    ] {
        out.push((tag.into(), get(stat)));
    }
    let n = levels.len() as f64;
    let (mut entropy, mut uniformity) = (0.0, 0.0);
    for &h in &hist[1..] {
        let p = h / n;
        if p > 0.0 {
            entropy -= p * p.log2();
        }
        uniformity += p * p;
    }
    out.push(("ih_entropy".into(), entropy));
    out.push(("ih_uniformity".into(), uniformity));
    let grad: Vec<f64> = (1..=ng)
        .map(|i| {
            if ng == 1 {
                0.0
            } else if i == 1 {
                hist[2] - hist[1]
            } else if i == ng {
                hist[ng] - hist[ng - 1]
            } else {
                (hist[i + 1] - hist[i - 1]) / 2.0
            }
        })
        .collect();
    let (imax, gmax) =
        grad.iter().enumerate().fold((0, f64::NEG_INFINITY), |b, (i, &g)| if g > b.1 { (i, g) } else { b });
    let (imin, gmin) = grad.iter().enumerate().fold((0, f64::INFINITY), |b, (i, &g)| if g < b.1 { (i, g) } else { b });
    out.push(("ih_max_grad".into(), gmax));
    out.push(("ih_max_grad_g".into(), (imax + 1) as f64));
    out.push(("ih_min_grad".into(), gmin));
    out.push(("ih_min_grad_g".into(), (imin + 1) as f64));
    out
}

/// IBSI intensity-volume histogram (3.5) of discretised levels: `nu(i)` = fraction of ROI voxels
/// with level `>= i`; `V_x` = fraction with intensity fraction `(i - i_min)/(i_max - i_min) >= x`;
/// `I_x` = lowest level `i` in `i_min..=i_max` with `nu(i) <= x`; AUC by the trapezoid rule of
/// `nu` over the intensity fraction.
pub fn intensity_volume_histogram(levels: &[u32]) -> Vec<(String, f64)> {
    let n = levels.len() as f64;
    let lo = levels.iter().copied().min().unwrap_or(1);
    let hi = levels.iter().copied().max().unwrap_or(1);
    let nu = |i: f64| levels.iter().filter(|&&l| f64::from(l) >= i).count() as f64 / n;
    let range = f64::from(hi - lo);
    let v_at = |x: f64| nu(f64::from(lo) + x * range);
    let i_at = |x: f64| (lo..=hi).find(|&i| nu(f64::from(i)) <= x).map(f64::from).unwrap_or(f64::from(hi) + 1.0);
    let (v10, v90, i10, i90) = (v_at(0.1), v_at(0.9), i_at(0.1), i_at(0.9));
    let mut auc = 0.0;
    if hi > lo {
        for i in lo..hi {
            let (a, b) = (nu(f64::from(i)), nu(f64::from(i + 1)));
            auc += 0.5 * (a + b) / range;
        }
    }
    vec![
        ("ivh_v10".into(), v10),
        ("ivh_v90".into(), v90),
        ("ivh_i10".into(), i10),
        ("ivh_i90".into(), i90),
        ("ivh_diff_v10_v90".into(), v10 - v90),
        ("ivh_diff_i10_i90".into(), i10 - i90),
        ("ivh_auc".into(), auc),
    ]
}

/// IBSI local intensity (3.2): mean intensity in a 1 cm^3 sphere (radius 6.2 mm) around a voxel,
/// over the image voxels whose centres lie in the sphere; `loc_peak_loc` around the ROI voxel(s)
/// of highest intensity (the largest mean if several), `loc_peak_glob` the largest over all ROI
/// voxels.
pub fn local_intensity(p: &Prepared) -> Vec<(String, f64)> {
    let roi = &p.roi;
    let r = (3.0 / (4.0 * std::f64::consts::PI) * 1000.0f64).cbrt();
    let [nz, ny, nx] = roi.dims;
    let s = roi.spacing;
    let ext = [0, 1, 2].map(|k| (r / s[k]).floor() as isize);
    let mut offsets = Vec::new();
    for dz in -ext[0]..=ext[0] {
        for dy in -ext[1]..=ext[1] {
            for dx in -ext[2]..=ext[2] {
                let d2 = (dz as f64 * s[0]).powi(2) + (dy as f64 * s[1]).powi(2) + (dx as f64 * s[2]).powi(2);
                if d2 <= r * r {
                    offsets.push([dz, dy, dx]);
                }
            }
        }
    }
    let mean_at = |z: usize, y: usize, x: usize| {
        let (mut sum, mut n) = (0.0, 0.0);
        for o in &offsets {
            let (qz, qy, qx) = (z as isize + o[0], y as isize + o[1], x as isize + o[2]);
            if qz >= 0 && qy >= 0 && qx >= 0 && (qz as usize) < nz && (qy as usize) < ny && (qx as usize) < nx {
                sum += roi.image[roi.index(qz as usize, qy as usize, qx as usize)];
                n += 1.0;
            }
        }
        sum / n
    };
    let voxels: Vec<(usize, usize, usize)> = (0..nz)
        .flat_map(|z| (0..ny).flat_map(move |y| (0..nx).map(move |x| (z, y, x))))
        .filter(|&(z, y, x)| roi.mask[roi.index(z, y, x)])
        .collect();
    let max = voxels.iter().map(|&(z, y, x)| roi.image[roi.index(z, y, x)]).fold(f64::NEG_INFINITY, f64::max);
    let local = voxels
        .iter()
        .filter(|&&(z, y, x)| roi.image[roi.index(z, y, x)] == max)
        .map(|&(z, y, x)| mean_at(z, y, x))
        .fold(f64::NEG_INFINITY, f64::max);
    let global = voxels.par_iter().map(|&(z, y, x)| mean_at(z, y, x)).reduce(|| f64::NEG_INFINITY, f64::max);
    vec![("loc_peak_loc".into(), local), ("loc_peak_glob".into(), global)]
}

/// IBSI morphology (IBSI-1 family HCUG) of the shape mask, with the intensities of the texture
/// ROI for the intensity-weighted features. The mesh, volume, area, diameters and PCA axes are
/// those of [`crate::shape`]. Tags with their IBSI identifiers, where `V` is the mesh volume, `A`
/// the mesh area and `l_1 >= l_2 >= l_3` the eigenvalues of the voxel-centre covariance (N - 1):
/// * `morph_volume` (RNU0) `V`; `morph_vol_approx` (YEKZ) voxel count times voxel volume;
/// * `morph_area_mesh` (C0JK) `A`; `morph_av` (2PR5) `A/V`;
/// * `morph_comp_1` (SKGS) `V/(pi^0.5 A^1.5)`; `morph_comp_2` (BQWJ) `36 pi V^2/A^3`;
/// * `morph_sph_dispr` (KRCK) `A/(36 pi V^2)^(1/3)`; `morph_sphericity` (QCFX) its inverse;
/// * `morph_asphericity` (25C7) `(A^3/(36 pi V^2))^(1/3) - 1`;
/// * `morph_com` (KLMA) distance between the voxel-centre centroid of the shape mask and the
///   intensity-weighted centroid of the ROI;
/// * `morph_diam` (L0JK) largest distance between mesh vertices;
/// * `morph_pca_maj_axis` (TDIC) `4 sqrt(l_1)`, `morph_pca_min_axis` (P9VJ) `4 sqrt(l_2)`,
///   `morph_pca_least_axis` (7J51) `4 sqrt(l_3)`;
/// * `morph_pca_elongation` (Q3CK) `sqrt(l_2/l_1)`; `morph_pca_flatness` (N17B) `sqrt(l_3/l_1)`;
/// * `morph_vol_dens_aabb` (PBX1), `morph_area_dens_aabb` (R59B): `V` and `A` over those of the
///   axis-aligned bounding box of the mesh vertices;
/// * `morph_vol_dens_aee` (6BDE), `morph_area_dens_aee` (RDD2): over the ellipsoid with semi-axes
///   `2 sqrt(l_k)`, its area by the Legendre series of IBSI (20 terms);
/// * `morph_vol_dens_conv_hull` (R3ER), `morph_area_dens_conv_hull` (7T7F): over the convex hull
///   of the mesh vertices;
/// * `morph_integ_int` (99N0) `V * mean intensity`;
/// * `morph_moran_i` (N365), `morph_geary_c` (NPT7) with weights `1/distance` over all ROI voxel
///   pairs (computed up to 50 000 voxels, NaN above).
///
/// Not computed, because the IBSI-1 reference table gives no value for them (the participating
/// teams reached no consensus), so no result could be checked:
/// * `morph_vol_dens_ombb` (ZH1A), `morph_area_dens_ombb` (IQYR): over the oriented minimum
///   bounding box;
/// * `morph_vol_dens_mvee` (SWZ1), `morph_area_dens_mvee` (BRI8): over the minimum-volume
///   enclosing ellipsoid.
pub fn morphology(p: &Prepared) -> Vec<(String, f64)> {
    let spacing = p.roi.spacing;
    let dims = p.shape_dims;
    let mask = &p.shape_mask;
    let f = crate::shape::shape_features(mask, dims, spacing);
    let get = |k: &str| f.iter().find(|(n, _)| *n == k).map(|(_, v)| *v).unwrap_or(f64::NAN);
    let (v, a) = (get("MeshVolume"), get("SurfaceArea"));
    let pi = std::f64::consts::PI;
    let values = p.roi.values();
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    // Centroids in the cropped texture grid (the shape mask is the texture ROI's bounding box,
    // which starts `pad` voxels into the texture grid).
    let roi = &p.roi;
    let pad = p.pad;
    let centres = crate::shape::voxel_centres(mask, dims, spacing);
    let mut gc = [0.0f64; 3];
    for c in &centres {
        for k in 0..3 {
            gc[k] += c[k];
        }
    }
    let n = centres.len() as f64;
    let gc = [0, 1, 2].map(|k| gc[k] / n + pad[k] as f64 * spacing[k]);
    let (mut ic, mut w) = ([0.0f64; 3], 0.0);
    let mut pts = Vec::new();
    for z in 0..roi.dims[0] {
        for y in 0..roi.dims[1] {
            for x in 0..roi.dims[2] {
                let i = roi.index(z, y, x);
                if roi.mask[i] {
                    let c = [z as f64 * spacing[0], y as f64 * spacing[1], x as f64 * spacing[2]];
                    for k in 0..3 {
                        ic[k] += c[k] * roi.image[i];
                    }
                    w += roi.image[i];
                    pts.push((c, roi.image[i]));
                }
            }
        }
    }
    let ic = ic.map(|c| c / w);
    let com = ((gc[0] - ic[0]).powi(2) + (gc[1] - ic[1]).powi(2) + (gc[2] - ic[2]).powi(2)).sqrt();
    // Axis-aligned bounding box of the mesh vertices (edge midpoints).
    let (padded, pd) = crate::shape::pad_mask(mask, dims);
    let verts = crate::shape::boundary_vertices(&padded, pd);
    let mut lo = [i64::MAX; 3];
    let mut hi = [i64::MIN; 3];
    for vtx in &verts {
        for k in 0..3 {
            lo[k] = lo[k].min(vtx[k]);
            hi[k] = hi[k].max(vtx[k]);
        }
    }
    let ext = [0, 1, 2].map(|k| (hi[k] - lo[k]) as f64 * 0.5 * spacing[k]);
    let v_aabb = ext[0] * ext[1] * ext[2];
    let a_aabb = 2.0 * (ext[0] * ext[1] + ext[1] * ext[2] + ext[0] * ext[2]);
    // IBSI's reference values use the N - 1 covariance (PyRadiomics uses N, which puts its
    // minor and least axes of the phantom 0.7 % lower).
    let l = crate::shape::pca_eigenvalues(mask, dims, spacing, 1.0);
    let (ea, eb, ec) = (2.0 * l[2].sqrt(), 2.0 * l[1].sqrt(), 2.0 * l[0].sqrt());
    let v_aee = 4.0 * pi / 3.0 * ea * eb * ec;
    let a_aee = ellipsoid_area(ea, eb, ec);
    let (v_hull, a_hull) = crate::shape::convex_hull(&verts, spacing).unwrap_or((f64::NAN, f64::NAN));
    let (moran, geary) = if pts.len() <= 50_000 { moran_geary(&pts, mean) } else { (f64::NAN, f64::NAN) };
    vec![
        ("morph_volume".into(), v),
        ("morph_vol_approx".into(), get("VoxelVolume")),
        ("morph_area_mesh".into(), a),
        ("morph_av".into(), a / v),
        ("morph_comp_1".into(), v / (pi.sqrt() * a.powf(1.5))),
        ("morph_comp_2".into(), 36.0 * pi * v * v / (a * a * a)),
        ("morph_sph_dispr".into(), a / (36.0 * pi * v * v).cbrt()),
        ("morph_sphericity".into(), (36.0 * pi * v * v).cbrt() / a),
        ("morph_asphericity".into(), (a * a * a / (36.0 * pi * v * v)).cbrt() - 1.0),
        ("morph_com".into(), com),
        ("morph_diam".into(), get("Maximum3DDiameter")),
        ("morph_pca_maj_axis".into(), 4.0 * l[2].sqrt()),
        ("morph_pca_min_axis".into(), 4.0 * l[1].sqrt()),
        ("morph_pca_least_axis".into(), 4.0 * l[0].sqrt()),
        ("morph_pca_elongation".into(), (l[1] / l[2]).sqrt()),
        ("morph_pca_flatness".into(), (l[0] / l[2]).sqrt()),
        ("morph_vol_dens_aabb".into(), v / v_aabb),
        ("morph_area_dens_aabb".into(), a / a_aabb),
        ("morph_vol_dens_aee".into(), v / v_aee),
        ("morph_area_dens_aee".into(), a / a_aee),
        ("morph_vol_dens_conv_hull".into(), v / v_hull),
        ("morph_area_dens_conv_hull".into(), a / a_hull),
        ("morph_integ_int".into(), v * mean),
        ("morph_moran_i".into(), moran),
        ("morph_geary_c".into(), geary),
    ]
}

/// Surface area of an ellipsoid with semi-axes `a >= b >= c` by IBSI's Legendre series.
fn ellipsoid_area(a: f64, b: f64, c: f64) -> f64 {
    let alpha = (1.0 - b * b / (a * a)).sqrt();
    let beta = (1.0 - c * c / (a * a)).sqrt();
    let ab = alpha * beta;
    if ab == 0.0 {
        return 4.0 * std::f64::consts::PI * a * b;
    }
    let x = (alpha * alpha + beta * beta) / (2.0 * ab);
    // Legendre polynomials by recurrence.
    let (mut p0, mut p1) = (1.0, x);
    let mut sum = 0.0;
    for nu in 0..=20 {
        let p = if nu == 0 { p0 } else { p1 };
        sum += ab.powi(nu) / (1.0 - 4.0 * f64::from(nu * nu)) * p;
        if nu >= 1 {
            let next = ((2 * nu + 1) as f64 * x * p1 - nu as f64 * p0) / (nu + 1) as f64;
            p0 = p1;
            p1 = next;
        }
    }
    4.0 * std::f64::consts::PI * a * b * sum
}

/// Moran's I and Geary's C with inverse-distance weights over all voxel pairs (IBSI 3.1.18-19).
fn moran_geary(pts: &[([f64; 3], f64)], mean: f64) -> (f64, f64) {
    let n = pts.len() as f64;
    let (num_i, num_c, wsum) = pts
        .par_iter()
        .enumerate()
        .map(|(i, (a, xa))| {
            let (mut ni, mut nc, mut ws) = (0.0, 0.0, 0.0);
            for (j, (b, xb)) in pts.iter().enumerate() {
                if i == j {
                    continue;
                }
                let d = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
                let w = 1.0 / d;
                ni += w * (xa - mean) * (xb - mean);
                nc += w * (xa - xb).powi(2);
                ws += w;
            }
            (ni, nc, ws)
        })
        .reduce(|| (0.0, 0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    let var: f64 = pts.iter().map(|(_, x)| (x - mean).powi(2)).sum();
    let moran = n / wsum * num_i / var;
    let geary = (n - 1.0) / (2.0 * wsum) * num_c / var;
    (moran, geary)
}
