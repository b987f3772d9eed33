//! Helpers shared by the conformance tests: reference-data location, image and mask reading
//! through `radiomics_volume::io` (the readers users call), a `.npy` reader and CSV readers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use radiomics_volume::{LabelMap, Mask, Volume};

/// `RADIOMICS_REFERENCE_DATA` or `<workspace>/../shared/data`.
pub fn data_dir() -> PathBuf {
    let dir = std::env::var_os("RADIOMICS_REFERENCE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")));
    assert!(dir.is_dir(), "reference data not found at {} (set RADIOMICS_REFERENCE_DATA)", dir.display());
    dir
}

/// Reads an image with the library's reader (the code path of `radiomics features`).
pub fn read_image(path: &Path) -> Volume<f64> {
    radiomics_volume::io::read_volume(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Reads a label map with the library's reader.
pub fn read_labels(path: &Path) -> LabelMap {
    radiomics_volume::io::read_label_map(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Reads the union mask of `labels` with the library's reader, which fails when none of them is
/// present.
pub fn read_mask(path: &Path, labels: &[u32]) -> Mask {
    radiomics_volume::io::read_mask(path, labels).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Minimal `.npy` reader for little-endian float64 C-order arrays: returns (shape, values).
pub fn read_npy(path: &Path) -> (Vec<usize>, Vec<f64>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    assert_eq!(&bytes[..6], b"\x93NUMPY", "{} is not a .npy file", path.display());
    let major = bytes[6];
    let (len, start) = if major == 1 {
        (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10)
    } else {
        (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12)
    };
    let header = std::str::from_utf8(&bytes[start..start + len]).unwrap();
    assert!(header.contains("'<f8'"), "only float64 supported: {header}");
    let fortran = header.contains("'fortran_order': True");
    let shape_text = header.split("'shape': (").nth(1).unwrap().split(')').next().unwrap();
    let shape: Vec<usize> =
        shape_text.split(',').filter(|s| !s.trim().is_empty()).map(|s| s.trim().parse().unwrap()).collect();
    let data = &bytes[start + len..];
    let values: Vec<f64> = data.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect();
    assert_eq!(values.len(), shape.iter().product::<usize>());
    if !fortran {
        return (shape, values);
    }
    // Reorder column-major data to row-major.
    let mut strides = vec![1usize; shape.len()];
    for k in 1..shape.len() {
        strides[k] = strides[k - 1] * shape[k - 1];
    }
    let mut out = vec![0.0; values.len()];
    for (c, slot) in out.iter_mut().enumerate() {
        let mut rest = c;
        let mut f = 0;
        for k in (0..shape.len()).rev() {
            f += (rest % shape[k]) * strides[k];
            rest /= shape[k];
        }
        *slot = values[f];
    }
    (shape, out)
}

/// Reads a two-column `feature,value` CSV (PyRadiomics 3.0.1 expected output).
pub fn read_expected(path: &Path) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (k, v) = l.split_once(',').unwrap();
            (k.to_string(), v.trim().parse::<f64>().unwrap_or(f64::NAN))
        })
        .collect()
}

/// Relative difference with an absolute floor for values near 0.
pub fn close(a: f64, b: f64, rel: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    (a - b).abs() <= rel * a.abs().max(b.abs()) + 1e-12
}
