//! Per-family timings on PyRadiomics' brain1 case (when the reference data are present) and on a
//! synthetic 256 x 256 x 160 case with a 0.5-million-voxel ellipsoid ROI.
//!
//! `cargo bench -p radiomics-texture --bench families`

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array3;
use radiomics_texture::{Extractor, FeatureClass, Settings};
use radiomics_volume::{Geometry, LabelMap, Volume};

fn brain1() -> Option<(Volume<f64>, LabelMap, Settings)> {
    let dir = std::env::var_os("RADIOMICS_REFERENCE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")))
        .join("pyradiomics");
    let image = radiomics_volume::io::read_volume(dir.join("brain1_image.nrrd")).ok()?;
    let labels = radiomics_volume::io::read_label_map(dir.join("brain1_label.nrrd")).ok()?;
    let settings = Settings::from_yaml_file(&dir.join("params/brain1.yaml")).ok()?;
    Some((image, labels, settings))
}

fn synthetic() -> (Volume<f64>, LabelMap, Settings) {
    let (nz, ny, nx) = (160, 256, 256);
    let geometry = Geometry::with_spacing([0.9, 0.9, 1.0]);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let image = Array3::from_shape_fn((nz, ny, nx), |(z, y, x)| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let smooth = 400.0 + 150.0 * ((x as f64 / 9.0).sin() + (y as f64 / 13.0).cos() + (z as f64 / 7.0).sin());
        smooth + (state % 200) as f64
    });
    let labels = Array3::from_shape_fn((nz, ny, nx), |(z, y, x)| {
        let r = ((x as f64 - 128.0) / 60.0).powi(2)
            + ((y as f64 - 128.0) / 50.0).powi(2)
            + ((z as f64 - 80.0) / 40.0).powi(2);
        u32::from(r <= 1.0)
    });
    (Volume::new(image, geometry).unwrap(), LabelMap(Volume::new(labels, geometry).unwrap()), Settings::default())
}

fn bench_case(c: &mut Criterion, name: &str, image: &Volume<f64>, labels: &LabelMap, settings: &Settings) {
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    let prepared = Extractor::new(settings.clone()).unwrap().prepare(image, labels).unwrap();
    for class in [
        FeatureClass::Shape,
        FeatureClass::FirstOrder,
        FeatureClass::Glcm,
        FeatureClass::Glrlm,
        FeatureClass::Glszm,
        FeatureClass::Gldm,
        FeatureClass::Ngtdm,
    ] {
        let mut s = settings.clone();
        s.enabled = [(class, None)].into_iter().collect();
        let ex = Extractor::new(s).unwrap();
        group.bench_function(class.name(), |b| b.iter(|| ex.features(&prepared).unwrap()));
    }
    let ex = Extractor::new(settings.clone()).unwrap();
    group.bench_function("prepare", |b| b.iter(|| ex.prepare(image, labels).unwrap()));
    group.bench_function("all (prepare + every class)", |b| b.iter(|| ex.execute(image, labels).unwrap()));
    group.finish();
}

fn benches(c: &mut Criterion) {
    if let Some((image, labels, settings)) = brain1() {
        bench_case(c, "brain1", &image, &labels, &settings);
    } else {
        eprintln!("brain1 not found under RADIOMICS_REFERENCE_DATA; skipping its group");
    }
    let (image, labels, settings) = synthetic();
    bench_case(c, "synthetic_256x256x160", &image, &labels, &settings);
}

criterion_group!(group, benches);
criterion_main!(group);
