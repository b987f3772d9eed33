//! Per-family timings on PyRadiomics' brain1 case (when the reference data are present) and on a
//! synthetic 256 x 256 x 160 case with a 0.5-million-voxel ellipsoid ROI.
//!
//! `cargo bench -p radiomics-texture --bench families`

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "support/synthetic.rs"]
mod support;
use radiomics_texture::{Extractor, FeatureClass, Settings};
use radiomics_volume::{LabelMap, Volume};

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
    let (image, labels) = support::synthetic_case();
    (image, labels, Settings::default())
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
