//! PyRadiomics mode against PyRadiomics 3.0.1 on its brain1 test case.
//!
//! Data: `<RADIOMICS_REFERENCE_DATA>/pyradiomics/` (see its README): for every params file with
//! an `expected_3.0.1/<config>.csv`, every feature must agree within 1e-6 relative; the committed
//! baseline columns (older PyRadiomics) within PyRadiomics' own 3 % rule; the saved matrices
//! `brain1_*.npy` exactly (to rounding).

mod common;

use common::{close, data_dir, read_expected, read_image, read_labels, read_mask, read_npy};
use radiomics_texture::{Extractor, Settings};

fn configs() -> Vec<String> {
    let dir = data_dir().join("pyradiomics/expected_3.0.1");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().trim_end_matches(".csv").to_string())
        .collect();
    names.sort();
    assert!(names.len() >= 8, "expected 8 configurations, found {names:?}");
    names
}

fn run(config: &str, label_file: &str) -> Result<radiomics_texture::FeatureSet, String> {
    let base = data_dir().join("pyradiomics");
    let settings = Settings::from_yaml_file(&base.join(format!("params/{config}.yaml"))).unwrap();
    let image = read_image(&base.join("brain1_image.nrrd"));
    let labels = read_labels(&base.join(label_file));
    // The library's mask reader and the extractor's label union select the same voxels.
    let mask = read_mask(&base.join(label_file), &settings.labels);
    let union = radiomics_texture::roi::label_mask(&labels, &settings.labels).unwrap();
    assert_eq!(mask.count(), union.array().iter().filter(|&&b| b).count(), "{config}: ROI voxel count");
    Extractor::new(settings).unwrap().execute(&image, &labels).map_err(|e| format!("{config}: {e}"))
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn matches_pyradiomics_3_0_1_expected() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for config in configs() {
        let expected = read_expected(&data_dir().join(format!("pyradiomics/expected_3.0.1/{config}.csv")));
        let got = match run(&config, "brain1_label.nrrd") {
            Ok(g) => g,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        for (name, want) in &expected {
            checked += 1;
            match got.get(name) {
                None => failures.push(format!("{config}: {name} missing (expected {want})")),
                Some(v) if !close(v, *want, 1e-6) => failures
                    .push(format!("{config}: {name} = {v}, expected {want} (rel {:.2e})", ((v - want) / want).abs())),
                Some(_) => {}
            }
        }
        assert_eq!(got.len(), expected.len(), "{config}: feature count");
    }
    assert!(failures.is_empty(), "{} of {checked} values differ:\n{}", failures.len(), failures.join("\n"));
}

/// Reads a baseline CSV (rows = features, columns = configurations) into (feature, column, value).
fn baseline(class: &str) -> Vec<(String, String, f64)> {
    let path = data_dir().join(format!("pyradiomics/baseline/baseline_{class}.csv"));
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.unwrap();
        if rec[0].starts_with("diagnostics") {
            continue;
        }
        for (k, col) in header.iter().enumerate().skip(1) {
            if let Ok(v) = rec[k].parse::<f64>() {
                out.push((rec[0].to_string(), col.clone(), v));
            }
        }
    }
    out
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn within_three_percent_of_committed_baseline() {
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut cache: std::collections::HashMap<String, Result<radiomics_texture::FeatureSet, String>> =
        Default::default();
    for class in ["firstorder", "glcm", "gldm", "glrlm", "glszm", "ngtdm", "shape", "shape2D"] {
        for (name, column, want) in baseline(class) {
            let label = if column == "brain1_shape2D" { "brain1_label_2D.nrrd" } else { "brain1_label.nrrd" };
            let got = cache.entry(column.clone()).or_insert_with(|| run(&column, label));
            checked += 1;
            let got = match got {
                Ok(g) => g,
                Err(e) => {
                    failures.push(format!("{name}: {e}"));
                    continue;
                }
            };
            match got.get(&name) {
                None => failures.push(format!("{column}: {name} missing")),
                Some(v) if (1.0 - v / want).abs() >= 0.03 && !(v == 0.0 && want == 0.0) => {
                    failures.push(format!("{column}: {name} = {v}, baseline {want}"))
                }
                Some(_) => {}
            }
        }
    }
    assert!(checked > 600, "only {checked} baseline values found");
    assert!(
        failures.is_empty(),
        "{} of {checked} baseline values off by >= 3 %:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
#[ignore = "conformance: reads RADIOMICS_REFERENCE_DATA"]
fn matrices_match_saved_npy() {
    use radiomics_texture::extract::glcm_matrices;
    let base = data_dir().join("pyradiomics");
    let settings = Settings::from_yaml_file(&base.join("params/brain1.yaml")).unwrap();
    let image = read_image(&base.join("brain1_image.nrrd"));
    let labels = read_labels(&base.join("brain1_label.nrrd"));
    let ex = Extractor::new(settings.clone()).unwrap();
    let p = ex.prepare(&image, &labels).unwrap();
    let d = &p.levels;
    let n = d.gray_levels.len();

    // GLCM: (Ng, Ng, 13), each direction normalised, PyRadiomics direction order.
    let (shape, want) = read_npy(&base.join("baseline/brain1_glcm.npy"));
    assert_eq!(shape, vec![n, n, 13]);
    let dirs = radiomics_texture::matrices::directions(&[1], false);
    let mats = glcm_matrices(d, &dirs, true);
    assert_eq!(mats.len(), 13);
    for (a, m) in &mats {
        let total: f64 = m.iter().sum();
        for i in 0..n {
            for j in 0..n {
                let w = want[(i * n + j) * 13 + a];
                assert!(close(m[i * n + j] / total, w, 1e-9), "glcm[{i},{j},{a}] = {} vs {w}", m[i * n + j] / total);
            }
        }
    }

    // GLRLM: (Ng, run lengths present, 13), counts.
    let (shape, want) = read_npy(&base.join("baseline/brain1_glrlm.npy"));
    let rank = d.rank_of_level();
    let runs: Vec<(Vec<f64>, usize)> =
        dirs.iter().map(|&o| radiomics_texture::matrices::glrlm_counts(d, &rank, o, 0..d.dims[0])).collect();
    let max_run = runs[0].1;
    let present: Vec<usize> =
        (0..max_run).filter(|&j| runs.iter().any(|(m, _)| (0..n).any(|i| m[i * max_run + j] > 0.0))).collect();
    assert_eq!(shape, vec![n, present.len(), 13]);
    for (a, (m, _)) in runs.iter().enumerate() {
        for i in 0..n {
            for (jj, &j) in present.iter().enumerate() {
                let w = want[(i * present.len() + jj) * 13 + a];
                assert_eq!(m[i * max_run + j], w, "glrlm[{i},{jj},{a}]");
            }
        }
    }

    // GLSZM: (Ng, zone sizes present).
    let (shape, want) = read_npy(&base.join("baseline/brain1_glszm.npy"));
    let zones = radiomics_texture::matrices::zones(d, &rank, 0..d.dims[0], false, false);
    let mut sizes: Vec<usize> = zones.iter().map(|z| z.1).collect();
    sizes.sort_unstable();
    sizes.dedup();
    assert_eq!(shape, vec![n, sizes.len()]);
    for (i, row) in want.chunks(sizes.len()).enumerate() {
        for (jj, &w) in row.iter().enumerate() {
            let got = zones.iter().filter(|z| z.0 as usize == i && z.1 == sizes[jj]).count() as f64;
            assert_eq!(got, w, "glszm[{i},{jj}]");
        }
    }

    // GLDM: (Ng, dependences present).
    let (shape, want) = read_npy(&base.join("baseline/brain1_gldm.npy"));
    let offsets = radiomics_texture::matrices::neighbourhood(&[1], false);
    let stats = radiomics_texture::matrices::neighbour_stats(d, &rank, &offsets, 0..d.dims[0], 0.0);
    let mut deps: Vec<u32> = stats.iter().map(|s| s.2).collect();
    deps.sort_unstable();
    deps.dedup();
    assert_eq!(shape, vec![n, deps.len()]);
    for (i, row) in want.chunks(deps.len()).enumerate() {
        for (jj, &w) in row.iter().enumerate() {
            let got = stats.iter().filter(|s| s.0 as usize == i && s.2 == deps[jj]).count() as f64;
            assert_eq!(got, w, "gldm[{i},{jj}]");
        }
    }

    // NGTDM: (Ng, 3) = n_i, s_i, i.
    let (shape, want) = read_npy(&base.join("baseline/brain1_ngtdm.npy"));
    let (n_i, s_i, v) = radiomics_texture::extract::ngtdm_vectors(d, &[1], false, 0..d.dims[0]);
    assert_eq!(shape, vec![n_i.len(), 3]);
    for k in 0..n_i.len() {
        assert_eq!(n_i[k], want[k * 3]);
        assert!(close(s_i[k], want[k * 3 + 1], 1e-9), "ngtdm s[{k}] = {} vs {}", s_i[k], want[k * 3 + 1]);
        assert_eq!(v[k], want[k * 3 + 2]);
    }
}
