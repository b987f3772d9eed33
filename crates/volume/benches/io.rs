//! Reading and writing a BraTS-sized volume (240 x 240 x 155, i16) as .nii.gz, .nii and .nrrd.
//!
//! The volume is synthetic (a smooth "head" with noise, about as compressible as MRI), so the
//! bench needs no data. When the reference data are present (`RADIOMICS_REFERENCE_DATA`, default
//! `../shared/data`), the real BraTS `t1.nii.gz` is read as well; docs/benchmarks-volume.md
//! compares these times with nibabel and SimpleITK on the same file.
//!
//! Run with `cargo bench -p radiomics-volume --bench io`.

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use radiomics_volume::io::{self, DataType, WriteOptions};
use radiomics_volume::ndarray::Array3;
use radiomics_volume::{Geometry, Volume};

/// A 240 x 240 x 155 head-like phantom: an ellipsoid of intensity ~400-700 with a small
/// pseudo-random texture, zero outside (as a skull-stripped BraTS volume).
fn phantom() -> Volume<f64> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let data = Array3::from_shape_fn((155, 240, 240), |(z, y, x)| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let (dx, dy, dz) = ((x as f64 - 120.0) / 80.0, (y as f64 - 120.0) / 100.0, (z as f64 - 77.0) / 70.0);
        let r2 = dx * dx + dy * dy + dz * dz;
        if r2 > 1.0 { 0.0 } else { (400.0 + 300.0 * (1.0 - r2) + (state % 40) as f64).round() }
    });
    Volume::new(data, Geometry::with_spacing([1.0, 1.0, 1.0])).expect("non-empty")
}

fn reference_t1() -> Option<PathBuf> {
    let root = std::env::var_os("RADIOMICS_REFERENCE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")));
    let path = root.join("brats_case/t1.nii.gz");
    path.is_file().then_some(path)
}

fn bench_io(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let volume = phantom();
    let mut group = c.benchmark_group("volume_io_240x240x155_i16");
    group.sample_size(10);
    for name in ["phantom.nii.gz", "phantom.nii", "phantom.nrrd"] {
        let path = dir.path().join(name);
        group.bench_function(format!("write {name}"), |b| {
            b.iter(|| io::write_volume_as(&volume, &path, DataType::I16).expect("write"))
        });
        group.bench_function(format!("read {name}"), |b| b.iter(|| io::read_volume(&path).expect("read")));
    }
    let level6 = dir.path().join("level6.nii.gz");
    let options = WriteOptions { compression_level: 6, ..WriteOptions::with_datatype(DataType::I16) };
    group.bench_function("write phantom.nii.gz (gzip level 6)", |b| {
        b.iter(|| io::write_volume_with(&volume, &level6, &options).expect("write"))
    });
    if let Some(t1) = reference_t1() {
        group.bench_function("read brats t1.nii.gz", |b| b.iter(|| io::read_volume(&t1).expect("read")));
        let t1_volume = io::read_volume(&t1).expect("read");
        for name in ["t1.nii.gz", "t1.nii", "t1.nrrd"] {
            let out = dir.path().join(name);
            group.bench_function(format!("write brats {name}"), |b| {
                b.iter(|| io::write_volume_as(&t1_volume, &out, DataType::I16).expect("write"))
            });
            if name != "t1.nii.gz" {
                group.bench_function(format!("read brats {name}"), |b| b.iter(|| io::read_volume(&out).expect("read")));
            }
        }
    }
    group.finish();
}

criterion_group!(benches, bench_io);
criterion_main!(benches);
