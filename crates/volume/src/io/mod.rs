//! Reading and writing NIfTI-1/2 (`.nii`, `.nii.gz`) and NRRD (`.nrrd`) images.
//!
//! Every reader returns voxels as `f64` with the geometry in ITK's LPS space, so an image read
//! here has the size, spacing, origin and direction that SimpleITK's `ReadImage` reports for the
//! same file. The format is recognised from the file's magic bytes (gzip is detected the same
//! way); the extension is only used to warn when it disagrees with the content. Writers pick the
//! format from the extension.
//!
//! | function | what it does |
//! |---|---|
//! | [`read_volume`] | voxels as `f64` (NIfTI `scl_slope`/`scl_inter` applied) |
//! | [`read_image`] | the same plus an [`ImageHeaderInfo`] (data type, format, orientation source, ...) |
//! | [`read_header`] | the [`ImageHeaderInfo`] alone, without decoding the voxels |
//! | [`read_label_map`] | integer labels (e.g. a BraTS `seg.nii.gz`) |
//! | [`read_mask`] | the union of some labels as a boolean [`Mask`] |
//! | [`write_volume`] | writes any [`VoxelValue`] volume in its own data type |
//! | [`write_volume_as`] | writes in a chosen [`DataType`] (e.g. `f64` voxels as `i16`) |
//! | [`write_volume_with`] | full control through [`WriteOptions`] |
//! | [`write_label_map`], [`write_mask`] | labels in the smallest unsigned type, masks as `u8` 0/1 |
//!
//! # NIfTI orientation (as ITK 5.4's `NiftiImageIO`)
//!
//! * Spacing is `pixdim[1..=3]`, scaled to mm by `xyzt_units` (metres ×1000, microns ×0.001).
//!   The origin is not scaled, as in ITK.
//! * With `qform_code` and `sform_code` both 0 the origin is 0 and the direction the identity.
//! * Otherwise the sform is used when its 3×3 part, once each column is normalised, is orthonormal
//!   within 1e-4 and either the qform is absent, or `sform_code` is 1 (scanner anatomical), or the
//!   qform and sform describe the same grid (element-wise within 1e-5, or by singular value
//!   decomposition within 1e-4). In every other case the qform is used (its `pixdim[0]` = qfac
//!   of −1 flips the third axis); with no usable qform the read fails with
//!   [`VolumeError::NonOrthonormalOrientation`].
//! * Images with fewer than three axes (`dim[0]` < 3) are read as 3-D with one voxel along the
//!   missing axes and spacing `pixdim[3]`, or 1 mm when that is 0; SimpleITK returns them as 2-D.
//!   Axes 4 to 7 must have one voxel each; otherwise the read fails with
//!   [`VolumeError::NotThreeDimensional`].
//! * The chosen RAS matrix becomes LPS by negating its first two rows; the direction is its
//!   columns normalised, the origin its translation.
//! * `scl_slope`/`scl_inter`: a slope that is 0 or not finite is taken as 1 and a non-finite
//!   intercept as 0 (nifti1_io and ITK); values are `stored * slope + intercept`. ITK then holds
//!   rescaled integer images as `f32`, while we keep `f64`.
//!
//! # NRRD
//!
//! Attached headers (`.nrrd`) and detached headers with one `data file`; `raw`, `gzip` and
//! `text` encodings; every `type` alias of the NRRD 5 specification; `space` (LPS, RAS, LAS and
//! their time variants, `scanner-xyz`, `3D-right-handed`) or `space dimension`;
//! `space directions` (spacing = vector norms) or, without them, `spacings`; `space origin`;
//! `endian`; `byte skip`. RAS and LAS are converted to LPS by negating the flipped axes.
//!
//! # Writing
//!
//! NIfTI files are written as NIfTI-1 (NIfTI-2 when an axis exceeds 32767 voxels or when asked
//! for) with `qform_code = sform_code = 1`, the sform holding `direction * diag(spacing)` and the
//! qform the same rotation as a quaternion, `xyzt_units` = mm and s, and `scl_slope` 1. NIfTI-1
//! stores geometry in single precision, so spacing, origin and direction re-read within f32
//! rounding (about 6e-8 relative); NIfTI-2 and NRRD keep every `f64` bit. Voxels re-read
//! identically when the data type can hold them.

mod datatype;
mod nifti;
mod nrrd;

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

pub use datatype::{ByteOrder, DataType, ParseDataTypeError, VoxelValue};

use crate::{Geometry, LabelMap, Mask, Result, Volume, VolumeError};

/// File format of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// NIfTI-1 single file (`n+1` magic, 348-byte header).
    Nifti1,
    /// NIfTI-2 single file (`n+2` magic, 540-byte header, 64-bit sizes and `f64` geometry).
    Nifti2,
    /// NRRD (`NRRD000x` magic).
    Nrrd,
}

impl Format {
    /// Name as printed by `radiomics info`: `nifti1`, `nifti2` or `nrrd`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Nifti1 => "nifti1",
            Format::Nifti2 => "nifti2",
            Format::Nrrd => "nrrd",
        }
    }

    /// The format and gzip flag implied by a file name: `.nii` (NIfTI-1), `.nii.gz` (NIfTI-1,
    /// gzip), `.nrrd` and `.nhdr` (NRRD). Case-insensitive; `None` for anything else.
    pub fn from_path(path: &Path) -> Option<(Format, bool)> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".nii.gz") {
            Some((Format::Nifti1, true))
        } else if name.ends_with(".nii") {
            Some((Format::Nifti1, false))
        } else if name.ends_with(".nrrd") || name.ends_with(".nhdr") {
            Some((Format::Nrrd, false))
        } else {
            None
        }
    }

    fn same_family(self, other: Format) -> bool {
        matches!(
            (self, other),
            (Format::Nrrd, Format::Nrrd) | (Format::Nifti1 | Format::Nifti2, Format::Nifti1 | Format::Nifti2)
        )
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Source of an image's geometry in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrientationSource {
    /// NIfTI sform (`srow_x/y/z`).
    Sform,
    /// NIfTI qform (quaternion, offsets and `pixdim[0]` qfac).
    Qform,
    /// NIfTI with both codes 0: identity direction and zero origin, spacing from `pixdim`.
    NiftiNone,
    /// NRRD `space directions` and `space origin`.
    NrrdSpaceDirections,
    /// NRRD without space information: `spacings` (or 1 mm), identity direction, zero origin.
    NrrdSpacings,
}

/// Header fields of an image file beyond the geometry stored in the [`Volume`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ImageHeaderInfo {
    /// The file that was read.
    pub path: PathBuf,
    /// Its format, found from the magic bytes.
    pub format: Format,
    /// Whether the file (NIfTI) or its voxel data (NRRD `encoding: gzip`) was gzip-compressed.
    pub compressed: bool,
    /// The on-disk voxel data type.
    pub datatype: DataType,
    /// The on-disk byte order.
    pub byte_order: ByteOrder,
    /// Size `[x, y, z]` in voxels.
    pub size: [usize; 3],
    /// Spacing, origin and direction (LPS).
    pub geometry: Geometry,
    /// Header fields that gave the geometry.
    pub orientation_source: OrientationSource,
    /// NIfTI `qform_code` (`None` for NRRD).
    pub qform_code: Option<i32>,
    /// NIfTI `sform_code` (`None` for NRRD).
    pub sform_code: Option<i32>,
    /// Slope applied to the stored values (1 when there is none).
    pub scl_slope: f64,
    /// Intercept added after the slope (0 when there is none).
    pub scl_inter: f64,
    /// NRRD `space` as written in the file (`None` for NIfTI or when absent).
    pub space: Option<String>,
    /// NIfTI `descrip` or the NRRD `content` field.
    pub description: String,
}

/// NIfTI version for [`WriteOptions::nifti_version`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NiftiVersion {
    /// NIfTI-1 unless an axis exceeds 32767 voxels, then NIfTI-2 (default).
    #[default]
    Auto,
    /// Always NIfTI-1 (an error when an axis exceeds 32767 voxels).
    Nifti1,
    /// Always NIfTI-2 (64-bit sizes, `f64` geometry).
    Nifti2,
}

/// Options of [`write_volume_with`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WriteOptions {
    /// On-disk data type; `None` keeps the voxel type's own ([`VoxelValue::DATATYPE`]).
    ///
    /// Converting to an integer type rounds half away from zero and fails with
    /// [`VolumeError::ValueOutOfRange`] on values it cannot hold (NaN included).
    pub datatype: Option<DataType>,
    /// gzip level 0–9 for `.nii.gz` and gzip-encoded NRRD (default 1, as nibabel: fast, and
    /// within about 10 % of level 9's size on MRI).
    pub compression_level: u32,
    /// Whether `.nrrd` files get `encoding: gzip` (default `true`) or `raw`.
    pub nrrd_gzip: bool,
    /// NIfTI version to write.
    pub nifti_version: NiftiVersion,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self { datatype: None, compression_level: 1, nrrd_gzip: true, nifti_version: NiftiVersion::Auto }
    }
}

impl WriteOptions {
    /// Default options with the on-disk data type set.
    pub fn with_datatype(datatype: DataType) -> Self {
        Self { datatype: Some(datatype), ..Self::default() }
    }
}

/// Reads a 3-D image as `f64` voxels (`scl_slope`/`scl_inter` applied) with its LPS geometry.
///
/// NaN and infinite voxels are kept; their counts are reported by a `tracing` warning (and by
/// [`Volume::statistics`]). See the [module documentation](self) for the orientation rules.
///
/// # Errors
/// [`VolumeError::Open`] (missing file), [`VolumeError::UnknownFormat`] (wrong magic),
/// [`VolumeError::CorruptCompressedData`] (truncated gzip), [`VolumeError::DataLength`] (voxel data
/// shorter than the header announces), [`VolumeError::InvalidHeader`],
/// [`VolumeError::UnsupportedDatatype`], [`VolumeError::NotThreeDimensional`] (4-D and vector
/// images), [`VolumeError::NonOrthonormalOrientation`], [`VolumeError::Unsupported`].
pub fn read_volume(path: impl AsRef<Path>) -> Result<Volume<f64>> {
    read_image(path).map(|(volume, _)| volume)
}

/// As [`read_volume`], also returning the header fields ([`ImageHeaderInfo`]).
pub fn read_image(path: impl AsRef<Path>) -> Result<(Volume<f64>, ImageHeaderInfo)> {
    let path = path.as_ref();
    let file = load(path)?;
    let (volume, info) = match file.format {
        Format::Nifti1 | Format::Nifti2 => nifti::read(path, &file, true)?,
        Format::Nrrd => nrrd::read(path, &file, true)?,
    };
    let volume = volume.expect("voxels were requested");
    if !info.datatype.is_integer() {
        // Integer voxels stay finite: scl_slope and scl_inter are finite by construction.
        warn_non_finite(path, &volume);
    }
    Ok((volume, info))
}

/// Reads only the header of an image: format, data type, size and geometry, without decoding
/// the voxels (a gzip file is decompressed only as far as its header).
pub fn read_header(path: impl AsRef<Path>) -> Result<ImageHeaderInfo> {
    let path = path.as_ref();
    let file = load(path)?;
    let (_, info) = match file.format {
        Format::Nifti1 | Format::Nifti2 => nifti::read(path, &file, false)?,
        Format::Nrrd => nrrd::read(path, &file, false)?,
    };
    Ok(info)
}

/// Reads an integer label image (e.g. a BraTS segmentation).
///
/// # Errors
/// As [`read_volume`], plus [`VolumeError::InvalidLabelValue`] when a voxel is negative or has a
/// fractional part (after `scl_slope`/`scl_inter`).
pub fn read_label_map(path: impl AsRef<Path>) -> Result<LabelMap> {
    let path = path.as_ref();
    let volume = read_volume(path)?;
    LabelMap::from_volume_named(&volume, &path.display().to_string())
}

/// Reads a label image and returns the mask of the voxels carrying any of `labels` (their union:
/// BraTS tumour core is `&[1, 4]`). An empty `labels` selects every non-zero voxel.
///
/// # Errors
/// As [`read_label_map`], plus [`VolumeError::EmptyMask`] when no voxel carries the labels (the
/// message lists the labels present).
pub fn read_mask(path: impl AsRef<Path>, labels: &[u32]) -> Result<Mask> {
    let path = path.as_ref();
    let label_map = read_label_map(path)?;
    let what = path.display().to_string();
    if labels.is_empty() {
        let mask = Mask::from_nonzero(&label_map.0);
        if mask.count() == 0 {
            return Err(VolumeError::EmptyMask { what: format!("{what} (every voxel is 0)") });
        }
        return Ok(mask);
    }
    label_map.nonempty_mask(labels, &what)
}

/// Writes a volume in its own data type ([`VoxelValue::DATATYPE`]; `bool` as `u8`), choosing the
/// format from the extension: `.nii`, `.nii.gz` or `.nrrd` (gzip-encoded).
///
/// The file is written to a temporary name beside `path` and renamed, so a failed write never
/// leaves a partial image behind.
pub fn write_volume<T: VoxelValue>(volume: &Volume<T>, path: impl AsRef<Path>) -> Result<()> {
    write_volume_with(volume, path, &WriteOptions::default())
}

/// Writes a volume converted to `datatype`, e.g. `f64` voxels as `i16` (rounded half away from
/// zero; values that do not fit give [`VolumeError::ValueOutOfRange`]).
pub fn write_volume_as<T: VoxelValue>(volume: &Volume<T>, path: impl AsRef<Path>, datatype: DataType) -> Result<()> {
    write_volume_with(volume, path, &WriteOptions::with_datatype(datatype))
}

/// Writes a volume with explicit [`WriteOptions`].
pub fn write_volume_with<T: VoxelValue>(
    volume: &Volume<T>,
    path: impl AsRef<Path>,
    options: &WriteOptions,
) -> Result<()> {
    let path = path.as_ref();
    let Some((format, gz)) = Format::from_path(path) else {
        return Err(VolumeError::UnknownFormat {
            path: path.to_path_buf(),
            detail: "cannot tell the output format from the file name".into(),
        });
    };
    if path.to_string_lossy().to_ascii_lowercase().ends_with(".nhdr") {
        return Err(VolumeError::Unsupported {
            path: path.to_path_buf(),
            what: "writing a detached NRRD header (.nhdr)".into(),
            fix: "write an attached NRRD with the .nrrd extension".into(),
        });
    }
    let datatype = options.datatype.unwrap_or(T::DATATYPE);
    let (data, report) = datatype::encode(volume.array().iter(), volume.len(), datatype, ByteOrder::Little, path)?;
    if report.rounded > 0 {
        tracing::warn!(
            path = %path.display(),
            rounded = report.rounded,
            datatype = %datatype,
            "{} voxel values had a fractional part and were rounded to write them as {datatype}",
            report.rounded
        );
    }
    let level = options.compression_level.min(9);
    let level = flate2::Compression::new(level);
    match format {
        Format::Nrrd => {
            let header = nrrd::encode_header(volume.size(), volume.geometry(), datatype, options.nrrd_gzip);
            write_atomically(path, |file| {
                file.write_all(&header)?;
                if options.nrrd_gzip {
                    let mut encoder = flate2::write::GzEncoder::new(file, level);
                    encoder.write_all(&data)?;
                    encoder.finish()?;
                } else {
                    file.write_all(&data)?;
                }
                Ok(())
            })
        }
        Format::Nifti1 | Format::Nifti2 => {
            let header = nifti::encode_header(path, volume.size(), volume.geometry(), datatype, options.nifti_version)?;
            write_atomically(path, |file| {
                if gz {
                    let mut encoder = flate2::write::GzEncoder::new(file, level);
                    encoder.write_all(&header)?;
                    encoder.write_all(&data)?;
                    encoder.finish()?;
                } else {
                    file.write_all(&header)?;
                    file.write_all(&data)?;
                }
                Ok(())
            })
        }
    }
}

/// Writes a label map in the smallest unsigned type that can store its largest label (`u8`, `u16` or
/// `u32`), so that a BraTS segmentation stays `u8` as on input.
pub fn write_label_map(labels: &LabelMap, path: impl AsRef<Path>) -> Result<()> {
    let max = labels.0.array().iter().copied().max().unwrap_or(0);
    write_volume_as(&labels.0, path, DataType::smallest_unsigned_for(max as u64))
}

/// Writes a mask as `u8` 0/1.
pub fn write_mask(mask: &Mask, path: impl AsRef<Path>) -> Result<()> {
    write_volume(&mask.0, path)
}

/// A file read into memory, with its format recognised.
pub(crate) struct LoadedFile {
    /// The bytes as stored (possibly gzip-compressed).
    raw: Vec<u8>,
    /// Whether `raw` is a gzip stream.
    gzip: bool,
    /// The format found from the (decompressed) magic bytes.
    format: Format,
    /// The first bytes after decompression (at least the NIfTI-2 header when the file has them).
    head: Vec<u8>,
}

impl LoadedFile {
    /// The decompressed content, at most `limit` bytes (or the whole file when it is not gzip).
    pub(crate) fn content(&self, path: &Path, limit: u64) -> Result<std::borrow::Cow<'_, [u8]>> {
        if self.gzip {
            gunzip(path, &self.raw, limit).map(std::borrow::Cow::Owned)
        } else {
            Ok(std::borrow::Cow::Borrowed(&self.raw))
        }
    }

    /// Whether the file is gzip-compressed as a whole.
    pub(crate) fn is_gzip(&self) -> bool {
        self.gzip
    }

    /// The first decompressed bytes.
    pub(crate) fn head(&self) -> &[u8] {
        &self.head
    }
}

/// Bytes of decompressed content examined to recognise the format.
const HEAD_LEN: u64 = 1024;

/// Reads the file and recognises gzip and the format from magic bytes.
fn load(path: &Path) -> Result<LoadedFile> {
    let raw = std::fs::read(path).map_err(|source| VolumeError::Open { path: path.to_path_buf(), source })?;
    let gzip = raw.starts_with(&[0x1f, 0x8b]);
    let head = if gzip { gunzip(path, &raw, HEAD_LEN)? } else { raw[..raw.len().min(HEAD_LEN as usize)].to_vec() };
    let format = detect_format(path, &head)?;
    if let Some((expected, _)) = Format::from_path(path)
        && !expected.same_family(format)
    {
        tracing::warn!(
            path = %path.display(),
            "the file name suggests {expected} but the content is {format}; reading it as {format}"
        );
    }
    Ok(LoadedFile { raw, gzip, format, head })
}

/// Recognises NIfTI-1, NIfTI-2 and NRRD from their magic bytes.
fn detect_format(path: &Path, head: &[u8]) -> Result<Format> {
    let unknown = |detail: String| VolumeError::UnknownFormat { path: path.to_path_buf(), detail };
    if head.is_empty() {
        return Err(unknown("the file is empty".into()));
    }
    if head.starts_with(b"NRRD000") {
        return Ok(Format::Nrrd);
    }
    if head.len() >= 4 {
        let size_le = i32::from_le_bytes(head[..4].try_into().unwrap());
        let size_be = i32::from_be_bytes(head[..4].try_into().unwrap());
        let sizeof_hdr = if size_le == 348 || size_le == 540 { size_le } else { size_be };
        if sizeof_hdr == 540 && head.len() >= 8 && (&head[4..8] == b"n+2\0" || &head[4..8] == b"ni2\0") {
            if &head[4..8] == b"ni2\0" {
                return Err(header_pair(path));
            }
            return Ok(Format::Nifti2);
        }
        if sizeof_hdr == 348 {
            if head.len() < 348 {
                return Err(VolumeError::DataLength {
                    path: path.to_path_buf(),
                    expected: 348,
                    found: head.len() as u64,
                });
            }
            return match &head[344..348] {
                b"n+1\0" => Ok(Format::Nifti1),
                b"ni1\0" => Err(header_pair(path)),
                _ => Err(VolumeError::Unsupported {
                    path: path.to_path_buf(),
                    what: "Analyze 7.5 header (348-byte header without the NIfTI magic)".into(),
                    fix: "convert it to NIfTI first (e.g. SimpleITK ReadImage/WriteImage to .nii.gz)".into(),
                }),
            };
        }
    }
    let shown: String = head.iter().take(8).map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ");
    Err(unknown(format!("no NIfTI-1, NIfTI-2 or NRRD magic; the file starts with bytes {shown}")))
}

fn header_pair(path: &Path) -> VolumeError {
    VolumeError::Unsupported {
        path: path.to_path_buf(),
        what: "NIfTI header/image pair (.hdr + .img)".into(),
        fix: "convert it to a single .nii or .nii.gz file (e.g. `fslchfiletype NIFTI_GZ`)".into(),
    }
}

/// Decompresses at most `limit` bytes of a (possibly multi-member) gzip stream.
fn gunzip(path: &Path, raw: &[u8], limit: u64) -> Result<Vec<u8>> {
    // The gzip trailer's last four bytes hold the uncompressed size modulo 2^32.
    let hint = raw.len().checked_sub(4).map(|i| u32::from_le_bytes(raw[i..].try_into().unwrap()) as u64);
    // Deflate expands at most about 1032:1, which bounds a corrupt hint.
    let bound = (raw.len() as u64).saturating_mul(1032);
    let capacity = hint.unwrap_or(0).min(limit).min(bound).min(1 << 32) as usize;
    let mut out = Vec::with_capacity(capacity);
    MultiGzDecoder::new(raw)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| VolumeError::CorruptCompressedData { path: path.to_path_buf(), detail: e.to_string() })?;
    Ok(out)
}

/// Writes a file through `write` into a temporary file beside `path`, then renames it over
/// `path`, so that a failed write never leaves a partial image.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<File>) -> std::io::Result<()>,
) -> Result<()> {
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.{}.partial", std::process::id()));
    let result = (|| {
        let mut file = std::io::BufWriter::with_capacity(1 << 20, File::create(&temporary)?);
        write(&mut file)?;
        file.into_inner().map_err(|e| e.into_error())?;
        std::fs::rename(&temporary, path)
    })();
    if let Err(source) = result {
        let _ = std::fs::remove_file(&temporary);
        return Err(VolumeError::Io { path: path.to_path_buf(), source });
    }
    Ok(())
}

/// Emits a `tracing` warning with the number of NaN and infinite voxels, if any.
fn warn_non_finite(path: &Path, volume: &Volume<f64>) {
    let (nan, infinite) = volume
        .array()
        .iter()
        .fold((0usize, 0usize), |(n, i), v| (n + usize::from(v.is_nan()), i + usize::from(v.is_infinite())));
    if nan + infinite > 0 {
        tracing::warn!(
            path = %path.display(),
            nan_count = nan,
            infinite_count = infinite,
            "{}: {nan} NaN and {infinite} infinite voxels (kept as they are; statistics skip them)",
            path.display()
        );
    }
}

/// Checked product of axis lengths and bytes per voxel.
pub(crate) fn byte_count(path: &Path, size: [usize; 3], datatype: DataType) -> Result<u64> {
    size.iter()
        .try_fold(datatype.size() as u64, |acc, &n| acc.checked_mul(n as u64))
        .filter(|&n| n <= isize::MAX as u64)
        .ok_or_else(|| VolumeError::InvalidHeader {
            path: path.to_path_buf(),
            detail: format!("sizes {size:?} of {datatype} overflow the addressable memory"),
        })
}

/// Builds the `[z, y, x]` volume from `f64` voxels in file order (x fastest).
pub(crate) fn volume_from_values(
    path: &Path,
    size: [usize; 3],
    values: Vec<f64>,
    geometry: Geometry,
) -> Result<Volume<f64>> {
    let data = ndarray::Array3::from_shape_vec((size[2], size[1], size[0]), values).map_err(|e| {
        VolumeError::InvalidHeader {
            path: path.to_path_buf(),
            detail: format!("voxel count does not match sizes {size:?}: {e}"),
        }
    })?;
    Volume::new(data, geometry)
}
