//! Criterion benchmarks of each preprocessing step on the raw BraTS case
//! (`RADIOMICS_REFERENCE_DATA`, default `<workspace>/../shared/data`).
//!
//! Run: `cargo bench -p radiomics-preproc --bench preproc`. Side-by-side ratios against SimpleITK
//! come from `benches/simpleitk_compare.py` at the workspace root.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use radiomics_preproc::histogram::{HistogramMatching, match_histogram};
use radiomics_preproc::n4::{N4Params, n4_bias_correction};
use radiomics_preproc::registration::{RegistrationParams, register_rigid};
use radiomics_preproc::resample::{Alignment, Interpolator, resample_to_spacing};
use radiomics_preproc::skull_strip::{SkullStripParams, skull_strip};
use radiomics_volume::io::read_volume;
use radiomics_volume::{Mask, Volume};

fn read(name: &str) -> Volume<f32> {
    let dir = std::env::var_os("RADIOMICS_REFERENCE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")));
    let path = dir.join("brats_case/raw").join(name);
    read_volume(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; set RADIOMICS_REFERENCE_DATA", path.display()))
        .map(|&v| v as f32)
}

fn benches(c: &mut Criterion) {
    let t1 = read("t1.nii.gz");
    let t1c = read("t1c.nii.gz");
    let t2 = read("t2.nii.gz");
    let mut group = c.benchmark_group("raw case");
    group.sample_size(10);
    for (name, interpolator) in
        [("resample linear 1 mm", Interpolator::Linear), ("resample bspline 1 mm", Interpolator::BSpline)]
    {
        group.bench_function(name, |b| {
            b.iter(|| resample_to_spacing(black_box(&t1), [1.0; 3], interpolator, Alignment::Origin).unwrap())
        });
    }
    group.bench_function("match histogram t2 to t1", |b| {
        b.iter(|| match_histogram(black_box(&t2), &t1, &HistogramMatching::default()).unwrap())
    });
    let mean = t1.array().iter().map(|&v| v as f64).sum::<f64>() / t1.len() as f64;
    let mask = Mask(t1.map(|&v| v as f64 > mean));
    group.bench_function("n4 t1 shrink 4", |b| {
        b.iter(|| n4_bias_correction(black_box(&t1), Some(&mask), &N4Params::default()).unwrap())
    });
    group.bench_function("skull strip t1c", |b| {
        b.iter(|| skull_strip(black_box(&t1c), &SkullStripParams::default()).unwrap())
    });
    group.bench_function("register t2 to t1c", |b| {
        b.iter(|| register_rigid(black_box(&t1c), &t2, &RegistrationParams::default()).unwrap())
    });
    group.finish();
}

criterion_group!(preproc, benches);
criterion_main!(preproc);
