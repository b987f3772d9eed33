//! Helpers shared by the conformance tests: reference-data location, a minimal NRRD reader for
//! the PyRadiomics test case, a `.npy` reader and CSV readers.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};

use ndarray::Array3;
use radiomics_volume::{Geometry, LabelMap, Volume};

/// `RADIOMICS_REFERENCE_DATA` or `<workspace>/../shared/data`.
pub fn data_dir() -> PathBuf {
    let dir = std::env::var_os("RADIOMICS_REFERENCE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")));
    assert!(dir.is_dir(), "reference data not found at {} (set RADIOMICS_REFERENCE_DATA)", dir.display());
    dir
}

/// Reads a 3-D NRRD (raw or gzip, little endian, short/int/float/double/uchar) into f64 values.
pub fn read_nrrd(path: &Path) -> Volume<f64> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let split = bytes.windows(2).position(|w| w == b"\n\n").expect("NRRD header end") + 2;
    let header = std::str::from_utf8(&bytes[..split]).expect("NRRD header is text");
    let mut sizes = [0usize; 3];
    let mut kind = String::new();
    let mut encoding = String::new();
    let mut dirs = [[0.0f64; 3]; 3];
    let mut origin = [0.0f64; 3];
    let vec3 = |s: &str| -> Vec<[f64; 3]> {
        s.split(')')
            .filter(|p| p.contains('('))
            .map(|p| {
                let v: Vec<f64> =
                    p.trim().trim_start_matches('(').split(',').map(|x| x.trim().parse().unwrap()).collect();
                [v[0], v[1], v[2]]
            })
            .collect()
    };
    for line in header.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        match k.trim() {
            "sizes" => {
                let s: Vec<usize> = v.split_whitespace().map(|x| x.parse().unwrap()).collect();
                sizes = [s[0], s[1], s[2]];
            }
            "type" => kind = v.to_string(),
            "encoding" => encoding = v.to_string(),
            "space directions" => {
                let d = vec3(v);
                dirs = [d[0], d[1], d[2]];
            }
            "space origin" => origin = vec3(v)[0],
            _ => {}
        }
    }
    let mut raw = Vec::new();
    if encoding == "gzip" || encoding == "gz" {
        flate2::read::GzDecoder::new(&bytes[split..]).read_to_end(&mut raw).unwrap();
    } else {
        raw = bytes[split..].to_vec();
    }
    let n = sizes.iter().product::<usize>();
    let values: Vec<f64> = match kind.as_str() {
        "short" | "int16" | "signed short" => {
            raw.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]]) as f64).collect()
        }
        "int" | "int32" | "signed int" => {
            raw.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64).collect()
        }
        "uchar" | "unsigned char" | "uint8" => raw.iter().map(|&b| b as f64).collect(),
        "float" => raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64).collect(),
        "double" => raw.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect(),
        other => panic!("unsupported NRRD type {other}"),
    };
    assert_eq!(values.len(), n, "{}: data length", path.display());
    let spacing = dirs.map(|d| (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt());
    // NRRD space is LPS here; the direction matrix has the unit axis vectors as columns.
    let mut direction = [0.0; 9];
    for (axis, d) in dirs.iter().enumerate() {
        for row in 0..3 {
            direction[row * 3 + axis] = d[row] / spacing[axis];
        }
    }
    let geometry = Geometry::new(spacing, origin, direction).unwrap();
    let data = Array3::from_shape_vec((sizes[2], sizes[1], sizes[0]), values).unwrap();
    Volume::new(data, geometry).unwrap()
}

/// Reads a label map from NRRD.
pub fn read_labels(path: &Path) -> LabelMap {
    LabelMap::from_volume(&read_nrrd(path)).unwrap()
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
