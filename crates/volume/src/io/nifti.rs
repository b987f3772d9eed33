//! NIfTI-1 and NIfTI-2 single-file images (`.nii`, `.nii.gz`).
//!
//! NIfTI-1 headers are parsed by the `nifti` crate; it has no NIfTI-2 support, so the 540-byte
//! NIfTI-2 header is parsed here. Both end up in [`Header`], from which the orientation is chosen
//! with ITK's rules (see the [module documentation](super)). Headers are written here for both
//! versions because the `nifti` crate does not expose its header writer.

use std::path::Path;

use nalgebra::{Matrix3, Matrix4, Vector3};

use super::datatype::{ByteOrder, DataType, decode_to_f64};
use super::{ImageHeaderInfo, LoadedFile, NiftiVersion, OrientationSource, byte_count, volume_from_values};
use crate::{Geometry, Result, Volume, VolumeError};

/// `NIFTI_XFORM_UNKNOWN`.
const XFORM_UNKNOWN: i32 = 0;
/// Iteration cap of the singular value decompositions (a 3×3 or 4×4 converges in a few dozen).
const SVD_MAX_ITERATIONS: usize = 1000;
/// `NIFTI_XFORM_SCANNER_ANAT`.
const XFORM_SCANNER_ANAT: i32 = 1;

/// NIfTI header fields needed to read a volume, widened to the NIfTI-2 types.
#[derive(Debug, Clone)]
struct Header {
    version: u8,
    byte_order: ByteOrder,
    dim: [i64; 8],
    datatype: i16,
    pixdim: [f64; 8],
    vox_offset: f64,
    scl_slope: f64,
    scl_inter: f64,
    xyzt_units: i32,
    qform_code: i32,
    sform_code: i32,
    quatern: [f64; 3],
    qoffset: [f64; 3],
    srow: [[f64; 4]; 3],
    descrip: String,
}

impl Header {
    fn header_len(&self) -> u64 {
        if self.version == 1 { 348 } else { 540 }
    }

    /// Rounds a value as the NIfTI-1 library stores it (`float`); NIfTI-2 keeps `double`.
    fn stored(&self, value: f64) -> f64 {
        if self.version == 1 { value as f32 as f64 } else { value }
    }
}

fn invalid(path: &Path, detail: impl Into<String>) -> VolumeError {
    VolumeError::InvalidHeader { path: path.to_path_buf(), detail: detail.into() }
}

fn c_string(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).trim().to_string()
}

/// Parses a NIfTI-1 header with the `nifti` crate.
fn parse_nifti1(path: &Path, head: &[u8]) -> Result<Header> {
    if head.len() < 348 {
        return Err(VolumeError::DataLength { path: path.to_path_buf(), expected: 348, found: head.len() as u64 });
    }
    let h = nifti::NiftiHeader::from_reader(&head[..348])
        .map_err(|e| invalid(path, format!("the NIfTI-1 header cannot be parsed: {e}")))?;
    if h.sizeof_hdr != 348 {
        return Err(invalid(path, format!("sizeof_hdr is {} in both byte orders, expected 348", h.sizeof_hdr)));
    }
    let byte_order = match h.endianness {
        nifti::Endianness::Little => ByteOrder::Little,
        nifti::Endianness::Big => ByteOrder::Big,
    };
    Ok(Header {
        version: 1,
        byte_order,
        // The nifti crate reads dim as u16; NIfTI-1 declares it as a signed short.
        dim: h.dim.map(|d| d as i16 as i64),
        datatype: h.datatype,
        pixdim: h.pixdim.map(f64::from),
        vox_offset: h.vox_offset as f64,
        scl_slope: h.scl_slope as f64,
        scl_inter: h.scl_inter as f64,
        xyzt_units: h.xyzt_units as i32,
        qform_code: h.qform_code as i32,
        sform_code: h.sform_code as i32,
        quatern: [h.quatern_b, h.quatern_c, h.quatern_d].map(f64::from),
        qoffset: [h.quatern_x, h.quatern_y, h.quatern_z].map(f64::from),
        srow: [h.srow_x.map(f64::from), h.srow_y.map(f64::from), h.srow_z.map(f64::from)],
        descrip: c_string(&h.descrip),
    })
}

/// Little helper reading fixed-offset fields of a byte slice in one byte order.
struct Fields<'a> {
    bytes: &'a [u8],
    order: ByteOrder,
}

impl Fields<'_> {
    fn array<const N: usize>(&self, at: usize) -> [u8; N] {
        self.bytes[at..at + N].try_into().expect("header slice checked to be 540 bytes")
    }
    fn i16(&self, at: usize) -> i16 {
        match self.order {
            ByteOrder::Little => i16::from_le_bytes(self.array(at)),
            ByteOrder::Big => i16::from_be_bytes(self.array(at)),
        }
    }
    fn i32(&self, at: usize) -> i32 {
        match self.order {
            ByteOrder::Little => i32::from_le_bytes(self.array(at)),
            ByteOrder::Big => i32::from_be_bytes(self.array(at)),
        }
    }
    fn i64(&self, at: usize) -> i64 {
        match self.order {
            ByteOrder::Little => i64::from_le_bytes(self.array(at)),
            ByteOrder::Big => i64::from_be_bytes(self.array(at)),
        }
    }
    fn f64(&self, at: usize) -> f64 {
        match self.order {
            ByteOrder::Little => f64::from_le_bytes(self.array(at)),
            ByteOrder::Big => f64::from_be_bytes(self.array(at)),
        }
    }
}

/// Parses a NIfTI-2 header (nifti2.h layout, 540 bytes).
fn parse_nifti2(path: &Path, head: &[u8]) -> Result<Header> {
    if head.len() < 540 {
        return Err(VolumeError::DataLength { path: path.to_path_buf(), expected: 540, found: head.len() as u64 });
    }
    let order =
        if i32::from_le_bytes(head[..4].try_into().unwrap()) == 540 { ByteOrder::Little } else { ByteOrder::Big };
    let f = Fields { bytes: &head[..540], order };
    if f.i32(0) != 540 {
        return Err(invalid(path, "sizeof_hdr is not 540 in either byte order"));
    }
    if &head[4..12] != b"n+2\0\r\n\x1a\n" {
        return Err(invalid(path, "the NIfTI-2 magic is damaged (expected \"n+2\\0\\r\\n\\x1a\\n\")"));
    }
    let row = |at: usize| [f.f64(at), f.f64(at + 8), f.f64(at + 16), f.f64(at + 24)];
    Ok(Header {
        version: 2,
        byte_order: order,
        dim: std::array::from_fn(|i| f.i64(16 + 8 * i)),
        datatype: f.i16(12),
        pixdim: std::array::from_fn(|i| f.f64(104 + 8 * i)),
        vox_offset: f.i64(168) as f64,
        scl_slope: f.f64(176),
        scl_inter: f.f64(184),
        xyzt_units: f.i32(500),
        qform_code: f.i32(344),
        sform_code: f.i32(348),
        quatern: [f.f64(352), f.f64(360), f.f64(368)],
        qoffset: [f.f64(376), f.f64(384), f.f64(392)],
        srow: [row(400), row(432), row(464)],
        descrip: c_string(&head[240..320]),
    })
}

/// Names of NIfTI datatype codes this crate does not read.
fn datatype_name(code: i16) -> String {
    let name = match code {
        0 => "unknown (0)",
        1 => "binary (1)",
        32 => "complex64 (32)",
        128 => "rgb24 (128)",
        1280 => "uint64 (1280)",
        1536 => "float128 (1536)",
        1792 => "complex128 (1792)",
        2048 => "complex256 (2048)",
        2304 => "rgba32 (2304)",
        _ => return format!("code {code}"),
    };
    name.to_string()
}

/// Reads a NIfTI-1 or NIfTI-2 file; the voxels only when `with_voxels`.
pub(super) fn read(
    path: &Path,
    file: &LoadedFile,
    with_voxels: bool,
) -> Result<(Option<Volume<f64>>, ImageHeaderInfo)> {
    let header = match file.format {
        super::Format::Nifti1 => parse_nifti1(path, file.head())?,
        _ => parse_nifti2(path, file.head())?,
    };
    let size = sizes(path, &header)?;
    let datatype = DataType::from_nifti_code(header.datatype).ok_or_else(|| VolumeError::UnsupportedDatatype {
        path: path.to_path_buf(),
        datatype: datatype_name(header.datatype),
    })?;
    let (geometry, source) = geometry(path, &header, size)?;
    let (slope, inter) = scaling(&header);
    let info = ImageHeaderInfo {
        path: path.to_path_buf(),
        format: file.format,
        compressed: file.is_gzip(),
        datatype,
        byte_order: header.byte_order,
        size,
        geometry,
        orientation_source: source,
        qform_code: Some(header.qform_code),
        sform_code: Some(header.sform_code),
        scl_slope: slope,
        scl_inter: inter,
        space: None,
        description: header.descrip.clone(),
    };
    if !with_voxels {
        return Ok((None, info));
    }

    // Data start: vox_offset, but never inside the header and its 4-byte extension flag
    // (nifti1_io does the same for the many files written with vox_offset 0).
    if !header.vox_offset.is_finite() || header.vox_offset < 0.0 || header.vox_offset > 1e15 {
        return Err(invalid(path, format!("vox_offset {} is not a valid byte offset", header.vox_offset)));
    }
    let offset = (header.vox_offset as u64).max(header.header_len() + 4);
    let nbytes = byte_count(path, size, datatype)?;
    let total = offset.checked_add(nbytes).ok_or_else(|| invalid(path, "vox_offset + data size overflows"))?;
    let content = file.content(path, total.saturating_add(1))?;
    let available = content.len() as u64;
    if available < total {
        return Err(VolumeError::DataLength {
            path: path.to_path_buf(),
            expected: nbytes,
            found: available.saturating_sub(offset),
        });
    }
    if available > total {
        tracing::warn!(
            path = %path.display(),
            "{}: data continue past the {nbytes} bytes that dim {size:?} of {datatype} announce; the rest is ignored (as ITK and nibabel do)",
            path.display()
        );
    }
    let mut values = decode_to_f64(&content[offset as usize..total as usize], datatype, header.byte_order);
    if (slope - 1.0).abs() > 0.0 || inter.abs() > 0.0 {
        values.iter_mut().for_each(|v| *v = *v * slope + inter);
    }
    let volume = volume_from_values(path, size, values, geometry)?;
    Ok((Some(volume), info))
}

/// Size `[x, y, z]` from `dim`, rejecting 4-D and larger images.
fn sizes(path: &Path, header: &Header) -> Result<[usize; 3]> {
    let ndim = header.dim[0];
    if !(1..=7).contains(&ndim) {
        return Err(invalid(
            path,
            format!("dim[0] = {ndim} must be 1..7; the header is corrupt (or not a NIfTI file)"),
        ));
    }
    let ndim = ndim as usize;
    let dims = &header.dim[1..=ndim];
    if let Some((axis, d)) = dims.iter().enumerate().find(|(_, d)| **d < 1) {
        return Err(invalid(path, format!("dim[{}] = {d}: every axis needs at least one voxel", axis + 1)));
    }
    let dims: Vec<usize> = dims.iter().map(|&d| d as usize).collect();
    if dims.iter().skip(3).any(|&d| d > 1) {
        return Err(VolumeError::NotThreeDimensional { path: path.to_path_buf(), ndim, dims });
    }
    Ok([0, 1, 2].map(|a| dims.get(a).copied().unwrap_or(1)))
}

/// `scl_slope` and `scl_inter` as ITK applies them.
fn scaling(header: &Header) -> (f64, f64) {
    let slope = if header.scl_slope.is_finite() { header.scl_slope } else { 0.0 };
    let slope = if slope.abs() < f64::EPSILON { 1.0 } else { slope };
    let inter = if header.scl_inter.is_finite() { header.scl_inter } else { 0.0 };
    (slope, inter)
}

/// The qform matrix exactly as nifti1_io's `nifti_quatern_to_mat44` builds it.
fn qform_matrix(header: &Header) -> Matrix4<f64> {
    let [mut b, mut c, mut d] = header.quatern;
    let mut a = 1.0 - (b * b + c * c + d * d);
    if a < 1e-7 {
        // 180° rotation: renormalise (b, c, d).
        let norm = 1.0 / (b * b + c * c + d * d).sqrt();
        b *= norm;
        c *= norm;
        d *= norm;
        a = 0.0;
    } else {
        a = a.sqrt();
    }
    let positive = |v: f64| if v > 0.0 { v } else { 1.0 };
    let xd = positive(header.pixdim[1]);
    let yd = positive(header.pixdim[2]);
    let mut zd = positive(header.pixdim[3]);
    if header.pixdim[0] < 0.0 {
        zd = -zd;
    }
    let r = Matrix3::new(
        (a * a + b * b - c * c - d * d) * xd,
        2.0 * (b * c - a * d) * yd,
        2.0 * (b * d + a * c) * zd,
        2.0 * (b * c + a * d) * xd,
        (a * a + c * c - b * b - d * d) * yd,
        2.0 * (c * d - a * b) * zd,
        2.0 * (b * d - a * c) * xd,
        2.0 * (c * d + a * b) * yd,
        (a * a + d * d - c * c - b * b) * zd,
    );
    let mut m = Matrix4::identity();
    m.fixed_view_mut::<3, 3>(0, 0).copy_from(&r);
    for i in 0..3 {
        m[(i, 3)] = header.qoffset[i];
    }
    m.map(|v| header.stored(v))
}

fn sform_matrix(header: &Header) -> Matrix4<f64> {
    let mut m = Matrix4::identity();
    for (i, row) in header.srow.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            m[(i, j)] = *v;
        }
    }
    m
}

/// `true` when every entry of `m` is within `tolerance` of the identity's.
fn is_identity(m: &Matrix3<f64>, tolerance: f64) -> bool {
    (m - Matrix3::identity()).iter().all(|v| v.abs() <= tolerance)
}

/// Columns scaled to unit length; a zero column stays zero (as ITK's `Normalize`).
fn normalise_columns(r: &Matrix3<f64>) -> Matrix3<f64> {
    let mut out = *r;
    for mut column in out.column_iter_mut() {
        let norm = column.norm();
        if norm > 0.0 {
            column /= norm;
        }
    }
    out
}

/// Largest deviation of the column-normalised 3×3 part from a rotation (`max |R·Rᵀ − I|`), or
/// `None` when the matrix is singular (ITK's `IsAffine` fails).
fn sform_skew(sform: &Matrix4<f64>) -> Option<f64> {
    if sform.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let singular_values = sform.try_svd(false, false, f64::EPSILON, SVD_MAX_ITERATIONS)?.singular_values;
    let max = singular_values.max();
    let min = singular_values.min();
    if !(max.is_finite() && max > 0.0 && min / max > f64::EPSILON) {
        return None;
    }
    let r = normalise_columns(&sform.fixed_view::<3, 3>(0, 0).into_owned());
    Some((r * r.transpose() - Matrix3::identity()).abs().max())
}

/// Left singular vectors (columns, signs fixed so each column's largest entry is positive) and
/// singular values, in decreasing order.
fn sorted_svd(m: &Matrix3<f64>) -> Option<(Matrix3<f64>, Vector3<f64>)> {
    if m.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let svd = m.try_svd(true, false, f64::EPSILON, SVD_MAX_ITERATIONS)?;
    let u = svd.u?;
    let mut order = [0usize, 1, 2];
    order.sort_by(|&i, &j| svd.singular_values[j].total_cmp(&svd.singular_values[i]));
    let mut sorted_u = Matrix3::zeros();
    let mut sorted_w = Vector3::zeros();
    for (k, &i) in order.iter().enumerate() {
        let mut column = u.column(i).into_owned();
        let largest = column.iter().copied().max_by(|a, b| a.abs().total_cmp(&b.abs())).unwrap_or(0.0);
        if largest < 0.0 {
            column = -column;
        }
        sorted_u.set_column(k, &column);
        sorted_w[k] = svd.singular_values[i];
    }
    Some((sorted_u, sorted_w))
}

/// ITK's "sform and qform are very similar" test (rotation, scales and offsets within 1e-4).
fn very_similar(sform: &Matrix4<f64>, qform: &Matrix4<f64>) -> bool {
    let (Some((us, ws)), Some((uq, wq))) = (
        sorted_svd(&sform.fixed_view::<3, 3>(0, 0).into_owned()),
        sorted_svd(&qform.fixed_view::<3, 3>(0, 0).into_owned()),
    ) else {
        return false;
    };
    let rotation = us * uq.transpose();
    let spacing_similar = (ws - wq).iter().all(|d| d.abs() <= 1e-4);
    let offsets_similar = (0..3).all(|i| (sform[(i, 3)] - qform[(i, 3)]).abs() <= 1e-4);
    is_identity(&rotation, 1e-4) && spacing_similar && offsets_similar
}

/// Chooses the sform or the qform as ITK 5.4's `NiftiImageIO::SetImageIOOrientationFromNIfTI`.
fn choose_transform(path: &Path, header: &Header, spacing_raw: [f64; 3]) -> Result<(Matrix4<f64>, OrientationSource)> {
    // nifti1_io: a code <= 0 means "absent"; the absent qform is diag(dx, dy, dz), the absent
    // sform all zeros.
    let qform_code = header.qform_code.max(XFORM_UNKNOWN);
    let sform_code = header.sform_code.max(XFORM_UNKNOWN);
    let qform = if qform_code == XFORM_UNKNOWN {
        let mut m = Matrix4::identity();
        for i in 0..3 {
            m[(i, i)] = spacing_raw[i];
        }
        m
    } else {
        qform_matrix(header)
    };
    let sform = if sform_code == XFORM_UNKNOWN { Matrix4::zeros() } else { sform_matrix(header) };

    let similar = (sform.fixed_view::<3, 3>(0, 0) - qform.fixed_view::<3, 3>(0, 0)).iter().all(|d| d.abs() <= 1e-5)
        && (0..4).map(|i| (sform[(i, 3)] - qform[(i, 3)]).abs()).sum::<f64>() <= 1e-7
        && (0..4).map(|j| (sform[(3, j)] - qform[(3, j)]).abs()).sum::<f64>() <= 1e-7;
    let mut prefer_sform = similar;
    let skew = sform_skew(&sform);
    if (!prefer_sform || sform_code != XFORM_UNKNOWN) && skew.is_some_and(|s| s <= 1e-4) {
        // The sform wins when there is no qform, or when it is labelled scanner-anatomical;
        // otherwise only when both describe the same grid.
        if (qform_code == XFORM_UNKNOWN && sform_code != XFORM_UNKNOWN) || sform_code == XFORM_SCANNER_ANAT {
            prefer_sform = true;
        } else if qform_code != XFORM_UNKNOWN && sform_code != XFORM_UNKNOWN {
            prefer_sform = very_similar(&sform, &qform);
        }
    }
    if prefer_sform {
        let columns = sform.fixed_view::<3, 3>(0, 0).into_owned();
        for (axis, column) in columns.column_iter().enumerate() {
            if (column.norm() - spacing_raw[axis]).abs() > 1e-3 {
                tracing::warn!(
                    path = %path.display(),
                    "sform column {axis} has length {} but pixdim[{}] is {}; the spacing is taken from pixdim, as ITK does",
                    column.norm(),
                    axis + 1,
                    spacing_raw[axis]
                );
                break;
            }
        }
        Ok((sform, OrientationSource::Sform))
    } else if qform_code != XFORM_UNKNOWN {
        Ok((qform, OrientationSource::Qform))
    } else {
        let detail = match skew {
            Some(s) => format!(
                "the sform (sform_code {sform_code}) is not a rotation once its columns are normalised \
                 (max |R·Rᵀ − I| = {s:.3e} > 1e-4) and there is no qform (qform_code 0)"
            ),
            None => format!("the sform (sform_code {sform_code}) is singular and there is no qform (qform_code 0)"),
        };
        Err(VolumeError::NonOrthonormalOrientation { path: path.to_path_buf(), detail })
    }
}

/// Spacing, origin and direction in LPS, and where they came from.
fn geometry(path: &Path, header: &Header, size: [usize; 3]) -> Result<(Geometry, OrientationSource)> {
    let unit_scale = match header.xyzt_units & 0x07 {
        1 => 1e3,  // metre
        3 => 1e-3, // micron
        _ => 1.0,  // mm or unknown
    };
    let mut spacing = [0.0; 3];
    for axis in 0..3 {
        let raw = header.pixdim[axis + 1];
        spacing[axis] = if raw.is_finite() && raw.abs() > 0.0 {
            if raw < 0.0 {
                tracing::warn!(
                    path = %path.display(),
                    "pixdim[{}] = {raw} is negative; its absolute value is used as the spacing",
                    axis + 1
                );
            }
            raw.abs() * unit_scale
        } else if size[axis] == 1 {
            1.0
        } else {
            return Err(invalid(
                path,
                format!("pixdim[{}] = {raw} is not a usable spacing for an axis of {} voxels", axis + 1, size[axis]),
            ));
        };
    }
    let spacing_raw = [1, 2, 3].map(|i| header.pixdim[i]);
    if header.qform_code <= XFORM_UNKNOWN && header.sform_code <= XFORM_UNKNOWN {
        let geometry = Geometry::new(spacing, [0.0; 3], [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0])
            .map_err(|e| invalid(path, e.to_string()))?;
        return Ok((geometry, OrientationSource::NiftiNone));
    }
    let (m, source) = choose_transform(path, header, spacing_raw)?;
    // RAS -> LPS: negate the first two rows.
    let origin = [-m[(0, 3)], -m[(1, 3)], m[(2, 3)]];
    let mut direction = Matrix3::from_fn(|i, j| if i < 2 { -m[(i, j)] } else { m[(i, j)] });
    direction = normalise_columns(&direction);
    let d = direction;
    let row_major = [d[(0, 0)], d[(0, 1)], d[(0, 2)], d[(1, 0)], d[(1, 1)], d[(1, 2)], d[(2, 0)], d[(2, 1)], d[(2, 2)]];
    let geometry = Geometry::new(spacing, origin, row_major).map_err(|e| match e {
        VolumeError::NonOrthonormalDirection { direction, deviation } => VolumeError::NonOrthonormalOrientation {
            path: path.to_path_buf(),
            detail: format!(
                "the {} gives direction {direction:?}, which is not orthonormal (max |DᵀD − I| = {deviation:.3e})",
                if source == OrientationSource::Sform { "sform" } else { "qform" }
            ),
        },
        other => invalid(path, other.to_string()),
    })?;
    Ok((geometry, source))
}

/// Quaternion `(b, c, d)` and qfac of a rotation-or-reflection matrix (RAS), as nifti1_io's
/// `nifti_mat44_to_quatern` for an orthonormal input.
fn quaternion(r: &Matrix3<f64>) -> ([f64; 3], f64) {
    let mut r = *r;
    let qfac = if r.determinant() > 0.0 { 1.0 } else { -1.0 };
    if qfac < 0.0 {
        r.set_column(2, &(-r.column(2)));
    }
    let (r11, r12, r13) = (r[(0, 0)], r[(0, 1)], r[(0, 2)]);
    let (r21, r22, r23) = (r[(1, 0)], r[(1, 1)], r[(1, 2)]);
    let (r31, r32, r33) = (r[(2, 0)], r[(2, 1)], r[(2, 2)]);
    let trace = r11 + r22 + r33 + 1.0;
    let (mut a, mut b, mut c, mut d);
    if trace > 0.5 {
        a = 0.5 * trace.sqrt();
        b = 0.25 * (r32 - r23) / a;
        c = 0.25 * (r13 - r31) / a;
        d = 0.25 * (r21 - r12) / a;
    } else {
        let xd = 1.0 + r11 - (r22 + r33);
        let yd = 1.0 + r22 - (r11 + r33);
        let zd = 1.0 + r33 - (r11 + r22);
        if xd > 1.0 {
            b = 0.5 * xd.sqrt();
            c = 0.25 * (r12 + r21) / b;
            d = 0.25 * (r13 + r31) / b;
            a = 0.25 * (r32 - r23) / b;
        } else if yd > 1.0 {
            c = 0.5 * yd.sqrt();
            b = 0.25 * (r12 + r21) / c;
            d = 0.25 * (r23 + r32) / c;
            a = 0.25 * (r13 - r31) / c;
        } else {
            d = 0.5 * zd.sqrt();
            b = 0.25 * (r13 + r31) / d;
            c = 0.25 * (r23 + r32) / d;
            a = 0.25 * (r21 - r12) / d;
        }
        if a < 0.0 {
            b = -b;
            c = -c;
            d = -d;
            a = -a;
        }
    }
    let _ = a;
    ([b, c, d], qfac)
}

/// Serialises the header and the empty extension flag; the voxel bytes (in `datatype`,
/// little-endian) follow them in the file.
pub(super) fn encode_header(
    path: &Path,
    size: [usize; 3],
    geometry: &Geometry,
    datatype: DataType,
    version: NiftiVersion,
) -> Result<Vec<u8>> {
    let too_big_for_v1 = size.iter().any(|&n| n > i16::MAX as usize);
    let v2 = match version {
        NiftiVersion::Nifti2 => true,
        NiftiVersion::Auto => too_big_for_v1,
        NiftiVersion::Nifti1 if too_big_for_v1 => {
            return Err(VolumeError::Unsupported {
                path: path.to_path_buf(),
                what: format!("size {size:?} in NIfTI-1 (at most 32767 voxels per axis)"),
                fix: "write NIfTI-2 (NiftiVersion::Nifti2 or Auto)".into(),
            });
        }
        NiftiVersion::Nifti1 => false,
    };
    let spacing = geometry.spacing();
    let o = geometry.origin();
    let d = geometry.direction_matrix();
    // LPS -> RAS: negate the first two rows.
    let ras = Matrix3::from_fn(|i, j| if i < 2 { -d[(i, j)] } else { d[(i, j)] });
    let offset = [-o[0], -o[1], o[2]];
    let srow: [[f64; 4]; 3] = std::array::from_fn(|i| {
        [ras[(i, 0)] * spacing[0], ras[(i, 1)] * spacing[1], ras[(i, 2)] * spacing[2], offset[i]]
    });
    let (quatern, qfac) = quaternion(&ras);
    let mut out = Vec::with_capacity(544);
    if v2 {
        out.extend_from_slice(&540i32.to_le_bytes());
        out.extend_from_slice(b"n+2\0\r\n\x1a\n");
        out.extend_from_slice(&datatype.nifti_code().to_le_bytes());
        out.extend_from_slice(&((datatype.size() * 8) as i16).to_le_bytes());
        let dim = [3, size[0] as i64, size[1] as i64, size[2] as i64, 1, 1, 1, 1];
        dim.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        [0.0f64; 3].iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())); // intent_p1..3
        let pixdim = [qfac, spacing[0], spacing[1], spacing[2], 1.0, 1.0, 1.0, 1.0];
        pixdim.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        out.extend_from_slice(&544i64.to_le_bytes()); // vox_offset
        [1.0f64, 0.0, 0.0, 0.0, 0.0, 0.0].iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        [0i64, 0].iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())); // slice_start/end
        out.extend_from_slice(&description());
        out.extend_from_slice(&[0u8; 24]); // aux_file
        out.extend_from_slice(&XFORM_SCANNER_ANAT.to_le_bytes());
        out.extend_from_slice(&XFORM_SCANNER_ANAT.to_le_bytes());
        quatern.iter().chain(offset.iter()).for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        srow.iter().flatten().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        out.extend_from_slice(&0i32.to_le_bytes()); // slice_code
        out.extend_from_slice(&10i32.to_le_bytes()); // xyzt_units: mm + s
        out.extend_from_slice(&0i32.to_le_bytes()); // intent_code
        out.extend_from_slice(&[0u8; 16]); // intent_name
        out.push(0); // dim_info
        out.extend_from_slice(&[0u8; 15]); // unused_str
        debug_assert_eq!(out.len(), 540);
    } else {
        out.extend_from_slice(&348i32.to_le_bytes());
        out.extend_from_slice(&[0u8; 28]); // data_type, db_name
        out.extend_from_slice(&0i32.to_le_bytes()); // extents
        out.extend_from_slice(&0i16.to_le_bytes()); // session_error
        out.push(b'r'); // regular
        out.push(0); // dim_info
        let dim = [3, size[0] as i16, size[1] as i16, size[2] as i16, 1, 1, 1, 1];
        dim.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        [0.0f32; 3].iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())); // intent_p1..3
        out.extend_from_slice(&0i16.to_le_bytes()); // intent_code
        out.extend_from_slice(&datatype.nifti_code().to_le_bytes());
        out.extend_from_slice(&((datatype.size() * 8) as i16).to_le_bytes());
        out.extend_from_slice(&0i16.to_le_bytes()); // slice_start
        let pixdim = [qfac, spacing[0], spacing[1], spacing[2], 1.0, 1.0, 1.0, 1.0];
        pixdim.iter().for_each(|v| out.extend_from_slice(&(*v as f32).to_le_bytes()));
        out.extend_from_slice(&352.0f32.to_le_bytes()); // vox_offset
        out.extend_from_slice(&1.0f32.to_le_bytes()); // scl_slope
        out.extend_from_slice(&0.0f32.to_le_bytes()); // scl_inter
        out.extend_from_slice(&0i16.to_le_bytes()); // slice_end
        out.push(0); // slice_code
        out.push(10); // xyzt_units: mm + s
        [0.0f32; 4].iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())); // cal, slice_duration, toffset
        [0i32; 2].iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes())); // glmax, glmin
        out.extend_from_slice(&description());
        out.extend_from_slice(&[0u8; 24]); // aux_file
        out.extend_from_slice(&(XFORM_SCANNER_ANAT as i16).to_le_bytes());
        out.extend_from_slice(&(XFORM_SCANNER_ANAT as i16).to_le_bytes());
        quatern.iter().chain(offset.iter()).for_each(|v| out.extend_from_slice(&(*v as f32).to_le_bytes()));
        srow.iter().flatten().for_each(|v| out.extend_from_slice(&(*v as f32).to_le_bytes()));
        out.extend_from_slice(&[0u8; 16]); // intent_name
        out.extend_from_slice(b"n+1\0");
        debug_assert_eq!(out.len(), 348);
    }
    out.extend_from_slice(&[0u8; 4]); // no extensions
    Ok(out)
}

/// The 80-byte `descrip` field.
fn description() -> [u8; 80] {
    let mut field = [0u8; 80];
    let text = concat!("radiomics-rs ", env!("CARGO_PKG_VERSION"));
    field[..text.len()].copy_from_slice(text.as_bytes());
    field
}

#[cfg(test)]
// The expected values are exact (integers, powers of two, sign flips).
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    fn header_with(qform_code: i32, sform_code: i32) -> Header {
        Header {
            version: 2,
            byte_order: ByteOrder::Little,
            dim: [3, 4, 4, 4, 1, 1, 1, 1],
            datatype: 4,
            pixdim: [1.0, 2.0, 2.0, 3.0, 1.0, 1.0, 1.0, 1.0],
            vox_offset: 544.0,
            scl_slope: 1.0,
            scl_inter: 0.0,
            xyzt_units: 2,
            qform_code,
            sform_code,
            quatern: [0.0, 0.0, 0.0],
            qoffset: [10.0, 20.0, 30.0],
            srow: [[2.0, 0.0, 0.0, 1.0], [0.0, 2.0, 0.0, 2.0], [0.0, 0.0, 3.0, 3.0]],
            descrip: String::new(),
        }
    }

    #[test]
    fn quaternion_round_trips_through_qform() {
        // An oblique rotation with a reflection (qfac = -1).
        let c = 17f64.to_radians().cos();
        let s = 17f64.to_radians().sin();
        let r =
            Matrix3::new(c, 0.0, -s, 0.0, 1.0, 0.0, s, 0.0, c) * Matrix3::from_diagonal(&Vector3::new(1.0, 1.0, -1.0));
        let (q, qfac) = quaternion(&r);
        assert_eq!(qfac, -1.0);
        let mut h = header_with(1, 0);
        h.quatern = q;
        h.pixdim = [qfac, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
        let m = qform_matrix(&h);
        let back = m.fixed_view::<3, 3>(0, 0).into_owned();
        assert!((back - r).abs().max() < 1e-12, "{back} vs {r}");
    }

    #[test]
    fn sform_preferred_when_scanner_anat() {
        let h = header_with(1, 1);
        let (_, source) = choose_transform(Path::new("x.nii"), &h, [2.0, 2.0, 3.0]).unwrap();
        assert_eq!(source, OrientationSource::Sform);
    }

    #[test]
    fn qform_used_when_sform_differs_and_not_scanner() {
        // sform_code 2 (aligned) with a translation different from the qform's: ITK keeps the qform.
        let h = header_with(1, 2);
        let (m, source) = choose_transform(Path::new("x.nii"), &h, [2.0, 2.0, 3.0]).unwrap();
        assert_eq!(source, OrientationSource::Qform);
        assert_eq!(m[(0, 3)], 10.0);
        // Same grid in both: the sform wins.
        let mut h = header_with(1, 2);
        h.srow = [[2.0, 0.0, 0.0, 10.0], [0.0, 2.0, 0.0, 20.0], [0.0, 0.0, 3.0, 30.0]];
        let (_, source) = choose_transform(Path::new("x.nii"), &h, [2.0, 2.0, 3.0]).unwrap();
        assert_eq!(source, OrientationSource::Sform);
    }

    #[test]
    fn sheared_sform_without_qform_is_an_error() {
        let mut h = header_with(0, 2);
        h.srow = [[2.0, 1.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 3.0, 0.0]];
        let err = choose_transform(Path::new("x.nii"), &h, [2.0, 2.0, 3.0]).unwrap_err();
        assert!(matches!(err, VolumeError::NonOrthonormalOrientation { .. }), "{err}");
        // With a qform present, ITK falls back to it.
        h.qform_code = 1;
        let (_, source) = choose_transform(Path::new("x.nii"), &h, [2.0, 2.0, 3.0]).unwrap();
        assert_eq!(source, OrientationSource::Qform);
    }

    #[test]
    fn scaling_follows_itk() {
        let mut h = header_with(0, 0);
        h.scl_slope = 0.0;
        h.scl_inter = 5.0;
        assert_eq!(scaling(&h), (1.0, 5.0));
        h.scl_slope = f64::NAN;
        h.scl_inter = f64::NAN;
        assert_eq!(scaling(&h), (1.0, 0.0));
        h.scl_slope = 2.5;
        assert_eq!(scaling(&h), (2.5, 0.0));
    }
}
