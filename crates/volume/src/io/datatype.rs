//! Voxel data types on disk, byte order, and the conversions between raw bytes and `f64`.

use std::fmt;
use std::str::FromStr;

use crate::{Result, VolumeError};

/// Data type of the voxels as stored in a file.
///
/// These are the nine scalar types that both NIfTI and NRRD can hold and that ITK reads as a
/// scalar image. Complex, RGB, `u64`, 128-bit and NRRD `block` data are rejected with
/// [`VolumeError::UnsupportedDatatype`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataType {
    /// Unsigned 8-bit integer (NIfTI code 2, NRRD `uchar`).
    U8,
    /// Signed 8-bit integer (NIfTI code 256, NRRD `signed char`).
    I8,
    /// Signed 16-bit integer (NIfTI code 4, NRRD `short`).
    I16,
    /// Unsigned 16-bit integer (NIfTI code 512, NRRD `ushort`).
    U16,
    /// Signed 32-bit integer (NIfTI code 8, NRRD `int`).
    I32,
    /// Unsigned 32-bit integer (NIfTI code 768, NRRD `uint`).
    U32,
    /// Signed 64-bit integer (NIfTI code 1024, NRRD `longlong`).
    I64,
    /// IEEE-754 single precision (NIfTI code 16, NRRD `float`).
    F32,
    /// IEEE-754 double precision (NIfTI code 64, NRRD `double`).
    F64,
}

impl DataType {
    /// All supported data types, smallest first.
    pub const ALL: [DataType; 9] = [
        DataType::U8,
        DataType::I8,
        DataType::I16,
        DataType::U16,
        DataType::I32,
        DataType::U32,
        DataType::I64,
        DataType::F32,
        DataType::F64,
    ];

    /// Bytes per voxel.
    pub fn size(self) -> usize {
        match self {
            DataType::U8 | DataType::I8 => 1,
            DataType::I16 | DataType::U16 => 2,
            DataType::I32 | DataType::U32 | DataType::F32 => 4,
            DataType::I64 | DataType::F64 => 8,
        }
    }

    /// Short name as printed by `radiomics info`: `u8`, `i8`, `i16`, `u16`, `i32`, `u32`, `i64`,
    /// `f32` or `f64`.
    pub fn name(self) -> &'static str {
        match self {
            DataType::U8 => "u8",
            DataType::I8 => "i8",
            DataType::I16 => "i16",
            DataType::U16 => "u16",
            DataType::I32 => "i32",
            DataType::U32 => "u32",
            DataType::I64 => "i64",
            DataType::F32 => "f32",
            DataType::F64 => "f64",
        }
    }

    /// Returns whether the type stores integers only.
    pub fn is_integer(self) -> bool {
        !matches!(self, DataType::F32 | DataType::F64)
    }

    /// Smallest and largest finite value the type can hold, as `f64`.
    pub fn range(self) -> (f64, f64) {
        match self {
            DataType::U8 => (0.0, u8::MAX as f64),
            DataType::I8 => (i8::MIN as f64, i8::MAX as f64),
            DataType::I16 => (i16::MIN as f64, i16::MAX as f64),
            DataType::U16 => (0.0, u16::MAX as f64),
            DataType::I32 => (i32::MIN as f64, i32::MAX as f64),
            DataType::U32 => (0.0, u32::MAX as f64),
            DataType::I64 => (i64::MIN as f64, i64::MAX as f64),
            DataType::F32 => (f32::MIN as f64, f32::MAX as f64),
            DataType::F64 => (f64::MIN, f64::MAX),
        }
    }

    /// The NIfTI `datatype` code (nifti1.h `DT_*`).
    pub fn nifti_code(self) -> i16 {
        match self {
            DataType::U8 => 2,
            DataType::I16 => 4,
            DataType::I32 => 8,
            DataType::F32 => 16,
            DataType::F64 => 64,
            DataType::I8 => 256,
            DataType::U16 => 512,
            DataType::U32 => 768,
            DataType::I64 => 1024,
        }
    }

    /// The data type of a NIfTI `datatype` code, `None` for unsupported codes.
    pub fn from_nifti_code(code: i16) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.nifti_code() == code)
    }

    /// The canonical NRRD `type` name written by this crate.
    pub fn nrrd_name(self) -> &'static str {
        match self {
            DataType::U8 => "uint8",
            DataType::I8 => "int8",
            DataType::I16 => "int16",
            DataType::U16 => "uint16",
            DataType::I32 => "int32",
            DataType::U32 => "uint32",
            DataType::I64 => "int64",
            DataType::F32 => "float",
            DataType::F64 => "double",
        }
    }

    /// The data type of an NRRD `type` value, accepting every alias of the NRRD 5 specification
    /// (e.g. `short`, `short int`, `signed short`, `int16`, `int16_t` for [`DataType::I16`]).
    ///
    /// Returns `None` for `uint64`, `block` and unknown names.
    pub fn from_nrrd_name(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        let t = match name.as_str() {
            "signed char" | "int8" | "int8_t" => DataType::I8,
            "uchar" | "unsigned char" | "uint8" | "uint8_t" => DataType::U8,
            "short" | "short int" | "signed short" | "signed short int" | "int16" | "int16_t" => DataType::I16,
            "ushort" | "unsigned short" | "unsigned short int" | "uint16" | "uint16_t" => DataType::U16,
            "int" | "signed int" | "int32" | "int32_t" => DataType::I32,
            "uint" | "unsigned int" | "uint32" | "uint32_t" => DataType::U32,
            "longlong"
            | "long long"
            | "long long int"
            | "signed long long"
            | "signed long long int"
            | "int64"
            | "int64_t" => DataType::I64,
            "float" => DataType::F32,
            "double" => DataType::F64,
            _ => return None,
        };
        Some(t)
    }

    /// Returns the smallest unsigned integer type that can store `max` (used for label maps).
    pub fn smallest_unsigned_for(max: u64) -> Self {
        if max <= u8::MAX as u64 {
            DataType::U8
        } else if max <= u16::MAX as u64 {
            DataType::U16
        } else {
            DataType::U32
        }
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error of [`DataType::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown data type {0:?}; use one of u8, i8, i16, u16, i32, u32, i64, f32, f64")]
pub struct ParseDataTypeError(pub String);

impl FromStr for DataType {
    type Err = ParseDataTypeError;

    /// Parses the short names (`u8` … `f64`), Rust-like names (`uint8`, `float32`, `float64`) and
    /// every NRRD alias (`short`, `float`, `double`, …), case-insensitively.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        if let Some(t) = Self::ALL.into_iter().find(|t| t.name() == lower) {
            return Ok(t);
        }
        match lower.as_str() {
            "float32" => return Ok(DataType::F32),
            "float64" => return Ok(DataType::F64),
            _ => {}
        }
        Self::from_nrrd_name(&lower).ok_or_else(|| ParseDataTypeError(s.to_string()))
    }
}

/// Byte order of multi-byte voxels in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// Least significant byte first (x86, ARM; what this crate writes).
    Little,
    /// Most significant byte first.
    Big,
}

impl ByteOrder {
    /// The byte order of this machine.
    pub fn native() -> Self {
        if cfg!(target_endian = "big") { ByteOrder::Big } else { ByteOrder::Little }
    }
}

impl fmt::Display for ByteOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ByteOrder::Little => "little",
            ByteOrder::Big => "big",
        })
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A voxel type that can be written to NIfTI and NRRD: the nine [`DataType`]s and `bool`
/// (written as `u8` 0/1).
///
/// The trait is sealed; it is implemented for `u8`, `i8`, `i16`, `u16`, `i32`, `u32`, `i64`,
/// `f32`, `f64` and `bool`.
pub trait VoxelValue: Copy + Send + Sync + 'static + sealed::Sealed {
    /// The on-disk type [`crate::io::write_volume`] uses for this voxel type.
    const DATATYPE: DataType;

    /// The value as `f64` (exact for every type except `i64` beyond ±2⁵³).
    fn to_f64(self) -> f64;

    /// Appends the value's bytes, in [`VoxelValue::DATATYPE`], in the given byte order.
    #[doc(hidden)]
    fn push_bytes(self, order: ByteOrder, out: &mut Vec<u8>);
}

macro_rules! voxel_value {
    ($t:ty, $dt:expr) => {
        impl sealed::Sealed for $t {}
        impl VoxelValue for $t {
            const DATATYPE: DataType = $dt;
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn push_bytes(self, order: ByteOrder, out: &mut Vec<u8>) {
                match order {
                    ByteOrder::Little => out.extend_from_slice(&self.to_le_bytes()),
                    ByteOrder::Big => out.extend_from_slice(&self.to_be_bytes()),
                }
            }
        }
    };
}

voxel_value!(u8, DataType::U8);
voxel_value!(i8, DataType::I8);
voxel_value!(i16, DataType::I16);
voxel_value!(u16, DataType::U16);
voxel_value!(i32, DataType::I32);
voxel_value!(u32, DataType::U32);
voxel_value!(i64, DataType::I64);
voxel_value!(f32, DataType::F32);
voxel_value!(f64, DataType::F64);

impl sealed::Sealed for bool {}
impl VoxelValue for bool {
    const DATATYPE: DataType = DataType::U8;
    #[inline]
    fn to_f64(self) -> f64 {
        if self { 1.0 } else { 0.0 }
    }
    #[inline]
    fn push_bytes(self, _order: ByteOrder, out: &mut Vec<u8>) {
        out.push(u8::from(self));
    }
}

/// Decodes `bytes` (a whole number of voxels of `datatype` in `order`) into `f64` values.
pub(crate) fn decode_to_f64(bytes: &[u8], datatype: DataType, order: ByteOrder) -> Vec<f64> {
    macro_rules! decode {
        ($t:ty, $n:expr) => {{
            let chunks = bytes.chunks_exact($n);
            match order {
                ByteOrder::Little => chunks.map(|c| <$t>::from_le_bytes(c.try_into().unwrap()) as f64).collect(),
                ByteOrder::Big => chunks.map(|c| <$t>::from_be_bytes(c.try_into().unwrap()) as f64).collect(),
            }
        }};
    }
    match datatype {
        DataType::U8 => bytes.iter().map(|&b| b as f64).collect(),
        DataType::I8 => bytes.iter().map(|&b| b as i8 as f64).collect(),
        DataType::I16 => decode!(i16, 2),
        DataType::U16 => decode!(u16, 2),
        DataType::I32 => decode!(i32, 4),
        DataType::U32 => decode!(u32, 4),
        DataType::I64 => decode!(i64, 8),
        DataType::F32 => decode!(f32, 4),
        DataType::F64 => decode!(f64, 8),
    }
}

/// Summary of a value conversion to an integer data type.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct EncodeReport {
    /// Values with a fractional part that were rounded.
    pub rounded: usize,
}

/// Encodes voxels into `datatype` bytes in `order`.
///
/// When `datatype` is the voxel type's own type the bytes are copied exactly. Otherwise each
/// value goes through `f64`: integer targets round half away from zero and reject NaN, infinite
/// and out-of-range values; `f32` rejects finite values beyond its range (NaN and infinities are
/// kept).
pub(crate) fn encode<'a, T: VoxelValue>(
    values: impl Iterator<Item = &'a T> + Clone,
    len: usize,
    datatype: DataType,
    order: ByteOrder,
    path: &std::path::Path,
) -> Result<(Vec<u8>, EncodeReport)> {
    let mut out = Vec::with_capacity(len * datatype.size());
    let mut report = EncodeReport::default();
    if datatype == T::DATATYPE {
        for v in values {
            v.push_bytes(order, &mut out);
        }
        return Ok((out, report));
    }
    let (lo, hi) = datatype.range();
    let out_of_range = |value: f64| VolumeError::ValueOutOfRange { path: path.to_path_buf(), value, datatype };
    // One loop per target type, so that the per-voxel work is a conversion and a copy.
    macro_rules! encode_int {
        ($t:ty) => {{
            for v in values {
                let x = v.to_f64();
                let r = x.round();
                if !(r >= lo && r <= hi) {
                    return Err(out_of_range(x));
                }
                report.rounded += usize::from((r - x).abs() > 0.0);
                let bytes = match order {
                    ByteOrder::Little => (r as $t).to_le_bytes(),
                    ByteOrder::Big => (r as $t).to_be_bytes(),
                };
                out.extend_from_slice(&bytes);
            }
        }};
    }
    match datatype {
        DataType::U8 => encode_int!(u8),
        DataType::I8 => encode_int!(i8),
        DataType::I16 => encode_int!(i16),
        DataType::U16 => encode_int!(u16),
        DataType::I32 => encode_int!(i32),
        DataType::U32 => encode_int!(u32),
        DataType::I64 => encode_int!(i64),
        DataType::F32 => {
            for v in values {
                let x = v.to_f64();
                if x.is_finite() && (x < lo || x > hi) {
                    return Err(out_of_range(x));
                }
                out.extend_from_slice(&match order {
                    ByteOrder::Little => (x as f32).to_le_bytes(),
                    ByteOrder::Big => (x as f32).to_be_bytes(),
                });
            }
        }
        DataType::F64 => {
            for v in values {
                out.extend_from_slice(&match order {
                    ByteOrder::Little => v.to_f64().to_le_bytes(),
                    ByteOrder::Big => v.to_f64().to_be_bytes(),
                });
            }
        }
    }
    Ok((out, report))
}

#[cfg(test)]
// The expected values are exact (integers, powers of two, sign flips).
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn nrrd_aliases_resolve() {
        for (name, t) in [
            ("short", DataType::I16),
            ("signed short int", DataType::I16),
            ("int16_t", DataType::I16),
            ("unsigned char", DataType::U8),
            ("uchar", DataType::U8),
            ("signed char", DataType::I8),
            ("unsigned short", DataType::U16),
            ("int", DataType::I32),
            ("uint", DataType::U32),
            ("long long int", DataType::I64),
            ("float", DataType::F32),
            ("double", DataType::F64),
        ] {
            assert_eq!(DataType::from_nrrd_name(name), Some(t), "{name}");
        }
        assert_eq!(DataType::from_nrrd_name("uint64"), None);
        assert_eq!(DataType::from_nrrd_name("block"), None);
    }

    #[test]
    fn nifti_codes_round_trip() {
        for t in DataType::ALL {
            assert_eq!(DataType::from_nifti_code(t.nifti_code()), Some(t));
            assert_eq!(t.name().parse::<DataType>().unwrap(), t);
            assert_eq!(t.nrrd_name().parse::<DataType>().unwrap(), t);
        }
        assert_eq!(DataType::from_nifti_code(128), None); // RGB24
    }

    #[test]
    fn encode_rounds_and_checks_range() {
        let p = std::path::Path::new("x.nii");
        let values = [1.4f64, -2.5, 300.0];
        let (bytes, report) = encode(values[..2].iter(), 2, DataType::I16, ByteOrder::Little, p).unwrap();
        assert_eq!(bytes, [1, 0, 0xFD, 0xFF]); // 1, -3
        assert_eq!(report.rounded, 2);
        let err = encode(values[2..].iter(), 1, DataType::U8, ByteOrder::Little, p).unwrap_err();
        assert!(matches!(err, VolumeError::ValueOutOfRange { value, .. } if value.to_bits() == 300f64.to_bits()));
        let nan = [f64::NAN];
        assert!(encode(nan.iter(), 1, DataType::I32, ByteOrder::Big, p).is_err());
        let (bytes, _) = encode(nan.iter(), 1, DataType::F32, ByteOrder::Little, p).unwrap();
        assert!(f32::from_le_bytes(bytes[..4].try_into().unwrap()).is_nan());
    }

    #[test]
    fn decode_big_endian() {
        let v = decode_to_f64(&[0x01, 0x02, 0xFF, 0xFE], DataType::I16, ByteOrder::Big);
        assert_eq!(v, vec![258.0, -2.0]);
        let v = decode_to_f64(&[0x01, 0x02, 0xFF, 0xFE], DataType::U16, ByteOrder::Little);
        assert_eq!(v, vec![513.0, 65279.0]);
    }
}
