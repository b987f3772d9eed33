//! PyRadiomics mode on a generated case that the conformance data do not contain.
//!
//! Expected values: PyRadiomics 3.0.1 (SimpleITK 2.5.7, numpy 1.26) on this machine, made with
//!
//! ```text
//! z, y, x = np.mgrid[0:20, 0:40, 0:44]
//! img = ((x*37 + y*11 + z*53) % 61)*7 + 100 + ((x*y + z) % 13)*3            # int16
//! lab = (((x-22)/12)**2 + ((y-20)/9)**2 + ((z-10)/6)**2 <= 1).astype(int32)  # 2675 voxels
//! spacing (0.8, 0.9, 2.5) for both; RadiomicsFeatureExtractor(binWidth=10).execute(img, lab)
//! ```

use ndarray::Array3;
use radiomics_texture::{Extractor, Settings};
use radiomics_volume::{Geometry, LabelMap, Volume};

const EXPECTED: &[(&str, f64)] = &[
    ("original_shape_Elongation", 0.6491092117951018),
    ("original_shape_Flatness", 0.5455380517981432),
    ("original_shape_LeastAxisLength", 14.449373300771441),
    ("original_shape_MajorAxisLength", 26.486462774035633),
    ("original_shape_Maximum2DDiameterColumn", 32.5),
    ("original_shape_Maximum2DDiameterRow", 32.5),
    ("original_shape_Maximum2DDiameterSlice", 20.000000000000004),
    ("original_shape_Maximum3DDiameter", 32.5),
    ("original_shape_MeshVolume", 4777.500000000013),
    ("original_shape_MinorAxisLength", 17.192606974494577),
    ("original_shape_Sphericity", 0.8556106745851987),
    ("original_shape_SurfaceArea", 1603.2763788009513),
    ("original_shape_SurfaceVolumeRatio", 0.33558898562029243),
    ("original_shape_VoxelVolume", 4815.0),
    ("original_firstorder_10Percentile", 158.0),
    ("original_firstorder_90Percentile", 500.5999999999999),
    ("original_firstorder_Energy", 330209493.0),
    ("original_firstorder_Entropy", 5.471668763965716),
    ("original_firstorder_InterquartileRange", 215.0),
    ("original_firstorder_Kurtosis", 1.8170677756919962),
    ("original_firstorder_Maximum", 556.0),
    ("original_firstorder_MeanAbsoluteDeviation", 107.04243500742422),
    ("original_firstorder_Mean", 328.82878504672897),
    ("original_firstorder_Median", 329.0),
    ("original_firstorder_Minimum", 100.0),
    ("original_firstorder_Range", 456.0),
    ("original_firstorder_RobustMeanAbsoluteDeviation", 85.50980392156863),
    ("original_firstorder_RootMeanSquared", 351.3442772004339),
    ("original_firstorder_Skewness", -2.755041643172934e-05),
    ("original_firstorder_TotalEnergy", 594377087.4000001),
    ("original_firstorder_Uniformity", 0.022975351559088128),
    ("original_firstorder_Variance", 15314.431246187443),
    ("original_glcm_Autocorrelation", 535.4563902392082),
    ("original_glcm_ClusterProminence", 187656.15418753267),
    ("original_glcm_ClusterShade", -5.838918265972956),
    ("original_glcm_ClusterTendency", 277.6916112971063),
    ("original_glcm_Contrast", 335.5660188809494),
    ("original_glcm_Correlation", -0.09443259476796044),
    ("original_glcm_DifferenceAverage", 15.602023239337095),
    ("original_glcm_DifferenceEntropy", 3.320035772124256),
    ("original_glcm_DifferenceVariance", 61.3308464135597),
    ("original_glcm_Id", 0.10739853698343385),
    ("original_glcm_Idm", 0.04025629944562376),
    ("original_glcm_Idmn", 0.8786959926190813),
    ("original_glcm_Idn", 0.7645872044680939),
    ("original_glcm_Imc1", -0.36688595088392467),
    ("original_glcm_Imc2", 0.9890991741194011),
    ("original_glcm_InverseVariance", 0.04285156474603188),
    ("original_glcm_JointAverage", 23.450469657033935),
    ("original_glcm_JointEnergy", 0.002437041432345224),
    ("original_glcm_JointEntropy", 8.936979291397748),
    ("original_glcm_MCC", 0.8337168927359985),
    ("original_glcm_MaximumProbability", 0.00479359477707784),
    ("original_glcm_SumAverage", 46.900939314067855),
    ("original_glcm_SumEntropy", 5.8973400142235795),
    ("original_glcm_SumSquares", 153.31440754451387),
    ("original_gldm_DependenceEntropy", 6.256692865083631),
    ("original_gldm_DependenceNonUniformity", 1709.8471028037384),
    ("original_gldm_DependenceNonUniformityNormalized", 0.63919517861822),
    ("original_gldm_DependenceVariance", 0.2071237662677963),
    ("original_gldm_GrayLevelNonUniformity", 61.45906542056075),
    ("original_gldm_GrayLevelVariance", 153.10224697353476),
    ("original_gldm_HighGrayLevelEmphasis", 702.4482242990654),
    ("original_gldm_LargeDependenceEmphasis", 1.7521495327102803),
    ("original_gldm_LargeDependenceHighGrayLevelEmphasis", 1213.3080373831776),
    ("original_gldm_LargeDependenceLowGrayLevelEmphasis", 0.024400160000776643),
    ("original_gldm_LowGrayLevelEmphasis", 0.01866747012823585),
    ("original_gldm_SmallDependenceEmphasis", 0.8248390446521288),
    ("original_gldm_SmallDependenceHighGrayLevelEmphasis", 581.9972377985462),
    ("original_gldm_SmallDependenceLowGrayLevelEmphasis", 0.01736392782024872),
    ("original_glrlm_GrayLevelNonUniformity", 60.856212150921685),
    ("original_glrlm_GrayLevelNonUniformityNormalized", 0.022963771663811305),
    ("original_glrlm_GrayLevelVariance", 153.24617686532417),
    ("original_glrlm_HighGrayLevelRunEmphasis", 702.6511745445138),
    ("original_glrlm_LongRunEmphasis", 1.0310549513958518),
    ("original_glrlm_LongRunHighGrayLevelEmphasis", 723.8397950937663),
    ("original_glrlm_LongRunLowGrayLevelEmphasis", 0.019013801796775073),
    ("original_glrlm_LowGrayLevelRunEmphasis", 0.018781641407151276),
    ("original_glrlm_RunEntropy", 5.519551341606705),
    ("original_glrlm_RunLengthNonUniformity", 2605.327191830392),
    ("original_glrlm_RunLengthNonUniformityNormalized", 0.9817177424156831),
    ("original_glrlm_RunPercentage", 0.9906542056074767),
    ("original_glrlm_RunVariance", 0.00956807791656589),
    ("original_glrlm_ShortRunEmphasis", 0.992413880782521),
    ("original_glrlm_ShortRunHighGrayLevelEmphasis", 697.46932942276),
    ("original_glrlm_ShortRunLowGrayLevelEmphasis", 0.01872411524960621),
    ("original_glszm_GrayLevelNonUniformity", 53.66382978723404),
    ("original_glszm_GrayLevelNonUniformityNormalized", 0.022835672249886828),
    ("original_glszm_GrayLevelVariance", 155.00545043005886),
    ("original_glszm_HighGrayLevelZoneEmphasis", 705.1574468085106),
    ("original_glszm_LargeAreaEmphasis", 1.4514893617021276),
    ("original_glszm_LargeAreaHighGrayLevelEmphasis", 1010.3808510638298),
    ("original_glszm_LargeAreaLowGrayLevelEmphasis", 0.023692254673307475),
    ("original_glszm_LowGrayLevelZoneEmphasis", 0.020205824068812182),
    ("original_glszm_SizeZoneNonUniformity", 1830.584680851064),
    ("original_glszm_SizeZoneNonUniformityNormalized", 0.778972204617474),
    ("original_glszm_SmallAreaEmphasis", 0.9047444444444444),
    ("original_glszm_SmallAreaHighGrayLevelEmphasis", 639.1303192671395),
    ("original_glszm_SmallAreaLowGrayLevelEmphasis", 0.019508540172194836),
    ("original_glszm_ZoneEntropy", 6.031154617946665),
    ("original_glszm_ZonePercentage", 0.8785046728971962),
    ("original_glszm_ZoneVariance", 0.15576731552738796),
    ("original_ngtdm_Busyness", 0.9947565533887618),
    ("original_ngtdm_Coarseness", 0.001396968526564777),
    ("original_ngtdm_Complexity", 9239.818040712174),
    ("original_ngtdm_Contrast", 1.7688883954674834),
    ("original_ngtdm_Strength", 0.9472628406880027),
];

#[test]
fn generated_case_matches_pyradiomics() {
    let geometry = Geometry::with_spacing([0.8, 0.9, 2.5]);
    let image = Array3::from_shape_fn((20, 40, 44), |(z, y, x)| {
        (((x * 37 + y * 11 + z * 53) % 61) * 7 + 100 + ((x * y + z) % 13) * 3) as f64
    });
    let labels = Array3::from_shape_fn((20, 40, 44), |(z, y, x)| {
        let r =
            ((x as f64 - 22.0) / 12.0).powi(2) + ((y as f64 - 20.0) / 9.0).powi(2) + ((z as f64 - 10.0) / 6.0).powi(2);
        u32::from(r <= 1.0)
    });
    let image = Volume::new(image, geometry).unwrap();
    let labels = LabelMap(Volume::new(labels, geometry).unwrap());
    assert_eq!(labels.count(1), 2675);
    let settings = Settings { bin_width: 10.0, ..Settings::default() };
    let got = Extractor::new(settings).unwrap().execute(&image, &labels).unwrap();
    assert_eq!(got.len(), EXPECTED.len());
    let mut failures = Vec::new();
    for (name, want) in EXPECTED {
        let v = got.get(name).unwrap_or(f64::NAN);
        let close = (v - want).abs() <= 1e-6 * want.abs().max(v.abs()) + 1e-12;
        if !close {
            failures.push(format!("{name}: {v} vs {want}"));
        }
    }
    assert!(failures.is_empty(), "{} values differ:\n{}", failures.len(), failures.join("\n"));
}
