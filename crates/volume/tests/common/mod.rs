//! Fixtures shared by the integration tests: volumes and hand-built NIfTI-1 headers.
#![allow(dead_code)]

use ndarray::Array3;
use radiomics_volume::{Geometry, Volume};

/// An oblique geometry (rotation of 20° about z then 10° about x) with a non-trivial origin.
pub fn oblique_geometry() -> Geometry {
    let (c1, s1) = (20f64.to_radians().cos(), 20f64.to_radians().sin());
    let (c2, s2) = (10f64.to_radians().cos(), 10f64.to_radians().sin());
    let rz = nalgebra::Matrix3::new(c1, -s1, 0.0, s1, c1, 0.0, 0.0, 0.0, 1.0);
    let rx = nalgebra::Matrix3::new(1.0, 0.0, 0.0, 0.0, c2, -s2, 0.0, s2, c2);
    let d = rz * rx;
    let row_major = [d[(0, 0)], d[(0, 1)], d[(0, 2)], d[(1, 0)], d[(1, 1)], d[(1, 2)], d[(2, 0)], d[(2, 1)], d[(2, 2)]];
    Geometry::new([0.8984375, 0.75, 5.5], [-113.65644836425781, 74.6162, -46.8588], row_major).unwrap()
}

/// A 7 x 5 x 3 ([x, y, z]) ramp with values `f(i)` for voxel number `i` in file order.
pub fn ramp(f: impl Fn(usize) -> f64, geometry: Geometry) -> Volume<f64> {
    let data = Array3::from_shape_fn((3, 5, 7), |(z, y, x)| f(x + 7 * (y + 5 * z)));
    Volume::new(data, geometry).unwrap()
}

/// Fields of a hand-built NIfTI-1 header.
#[derive(Clone)]
pub struct Nifti1 {
    pub big_endian: bool,
    pub dim: [i16; 8],
    pub datatype: i16,
    pub bitpix: i16,
    pub pixdim: [f32; 8],
    pub vox_offset: f32,
    pub scl_slope: f32,
    pub scl_inter: f32,
    pub xyzt_units: u8,
    pub qform_code: i16,
    pub sform_code: i16,
    pub quatern: [f32; 6],
    pub srow: [[f32; 4]; 3],
    pub magic: [u8; 4],
}

impl Default for Nifti1 {
    fn default() -> Self {
        Self {
            big_endian: false,
            dim: [3, 2, 3, 4, 1, 1, 1, 1],
            datatype: 4,
            bitpix: 16,
            pixdim: [1.0, 1.5, 2.0, 2.5, 1.0, 1.0, 1.0, 1.0],
            vox_offset: 352.0,
            scl_slope: 1.0,
            scl_inter: 0.0,
            xyzt_units: 2,
            qform_code: 0,
            sform_code: 0,
            quatern: [0.0; 6],
            srow: [[0.0; 4]; 3],
            magic: *b"n+1\0",
        }
    }
}

impl Nifti1 {
    /// The 352 header bytes (header plus the empty extension flag).
    pub fn bytes(&self) -> Vec<u8> {
        let mut h = vec![0u8; 352];
        let be = self.big_endian;
        let mut put = |at: usize, bytes: &[u8]| h[at..at + bytes.len()].copy_from_slice(bytes);
        macro_rules! num {
            ($v:expr) => {
                if be { $v.to_be_bytes() } else { $v.to_le_bytes() }
            };
        }
        put(0, &num!(348i32));
        for (i, d) in self.dim.iter().enumerate() {
            put(40 + 2 * i, &num!(*d));
        }
        put(70, &num!(self.datatype));
        put(72, &num!(self.bitpix));
        for (i, p) in self.pixdim.iter().enumerate() {
            put(76 + 4 * i, &num!(*p));
        }
        put(108, &num!(self.vox_offset));
        put(112, &num!(self.scl_slope));
        put(116, &num!(self.scl_inter));
        put(123, &[self.xyzt_units]);
        put(252, &num!(self.qform_code));
        put(254, &num!(self.sform_code));
        for (i, q) in self.quatern.iter().enumerate() {
            put(256 + 4 * i, &num!(*q));
        }
        for (r, row) in self.srow.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                put(280 + 16 * r + 4 * c, &num!(*v));
            }
        }
        put(344, &self.magic);
        h
    }

    /// Header plus `i16` voxels `0, 1, 2, ...` in this header's byte order.
    pub fn file_with_i16_ramp(&self, count: usize) -> Vec<u8> {
        let mut out = self.bytes();
        for i in 0..count {
            let v = i as i16;
            out.extend_from_slice(&if self.big_endian { v.to_be_bytes() } else { v.to_le_bytes() });
        }
        out
    }
}

/// gzip-compresses bytes.
pub fn gz(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}
