//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// Probe voxels `[x, y, z]` from the fixed linear congruential sequence of the reference scripts.
pub fn probes(size: [usize; 3], count: usize) -> Vec<[usize; 3]> {
    let mut state: u64 = 12345;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let mut idx = [0usize; 3];
        for (a, slot) in idx.iter_mut().enumerate() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            *slot = ((state >> 33) % size[a] as u64) as usize;
        }
        out.push(idx);
    }
    out
}

/// Reference data directory: `RADIOMICS_REFERENCE_DATA`, else `<workspace>/../shared/data`.
pub fn reference_data() -> PathBuf {
    let dir = std::env::var_os("RADIOMICS_REFERENCE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")));
    assert!(
        dir.join("brats_case/raw/t1.nii.gz").is_file(),
        "reference data not found in {}; set RADIOMICS_REFERENCE_DATA",
        dir.display()
    );
    dir
}

/// One resampling case of `reference/resample_expected.rs` (SimpleITK's output summarised).
pub struct ResampleExpected {
    pub case: &'static str,
    pub spacing: [f64; 3],
    pub interpolation: &'static str,
    pub size: [usize; 3],
    pub sum: f64,
    pub abs_sum: f64,
    pub probes: &'static [f64],
}

/// One histogram-matching case of `reference/histogram_expected.rs`.
pub struct HistogramExpected {
    pub case: &'static str,
    pub levels: usize,
    pub match_points: usize,
    pub threshold_at_mean: bool,
    pub sum: f64,
    pub abs_sum: f64,
    pub probes: &'static [f64],
}

/// The SimpleITK resampling cases.
pub mod resample_expected {
    use super::ResampleExpected as Expected;
    include!("../reference/resample_expected.rs");
}

/// The SimpleITK histogram-matching cases.
pub mod histogram_expected {
    use super::HistogramExpected as Expected;
    include!("../reference/histogram_expected.rs");
}
