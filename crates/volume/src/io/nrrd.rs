//! NRRD images (`.nrrd` with attached header, `.nhdr` with one detached data file).
//!
//! No maintained Rust crate reads NRRD, so this is a reader and writer of our own, following the
//! NRRD 5 format definition (teem) and ITK's `NrrdImageIO` for the mapping to LPS space.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use nalgebra::{Matrix3, Vector3};

use super::datatype::{ByteOrder, DataType, decode_to_f64};
use super::{ImageHeaderInfo, LoadedFile, OrientationSource, byte_count, volume_from_values};
use crate::{Geometry, Result, Volume, VolumeError};

fn invalid(path: &Path, detail: impl Into<String>) -> VolumeError {
    VolumeError::InvalidHeader { path: path.to_path_buf(), detail: detail.into() }
}

/// Voxel encodings this reader handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Raw,
    Gzip,
    Text,
}

/// The parsed header fields (keys lower-cased) and where the data start.
struct ParsedHeader {
    fields: HashMap<String, String>,
    /// Byte offset of the first data byte after the blank line (attached data).
    data_start: Option<usize>,
}

/// Splits the header text into fields. Data start after the first empty line.
fn parse_fields(path: &Path, content: &[u8]) -> Result<ParsedHeader> {
    let mut fields = HashMap::new();
    let mut position = 0usize;
    let mut data_start = None;
    let mut first = true;
    while position < content.len() {
        let end = content[position..].iter().position(|&b| b == b'\n').map(|i| position + i);
        let line_end = end.unwrap_or(content.len());
        let next = end.map_or(content.len(), |e| e + 1);
        let raw_line = &content[position..line_end];
        let raw_line = raw_line.strip_suffix(b"\r").unwrap_or(raw_line);
        let line = std::str::from_utf8(raw_line).map_err(|_| {
            invalid(
                path,
                format!("header line {} is not text; the header must end with an empty line", fields.len() + 1),
            )
        })?;
        position = next;
        if first {
            first = false;
            let version =
                line.strip_prefix("NRRD000").ok_or_else(|| invalid(path, "the first line is not NRRD000x"))?;
            if !matches!(version, "1" | "2" | "3" | "4" | "5") {
                tracing::warn!(path = %path.display(), "unknown NRRD version NRRD000{version}; reading it as NRRD0005");
            }
            continue;
        }
        if line.is_empty() {
            data_start = Some(position);
            break;
        }
        if line.starts_with('#') {
            continue;
        }
        if line.contains(":=") && !line.contains(": ") {
            continue; // key/value pair: metadata we do not use
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(invalid(
                path,
                format!("header line {line:?} is neither a field, a key/value pair nor a comment"),
            ));
        };
        if let Some(stripped) = value.strip_prefix('=') {
            let _ = stripped; // key/value pair such as "key:=value"
            continue;
        }
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim().to_string();
        if fields.insert(key.clone(), value).is_some() {
            return Err(invalid(path, format!("field {key:?} appears twice")));
        }
    }
    Ok(ParsedHeader { fields, data_start })
}

fn parse_int(path: &Path, field: &str, value: &str) -> Result<i64> {
    value.trim().parse::<i64>().map_err(|_| invalid(path, format!("{field}: {value:?} is not an integer")))
}

fn parse_float(path: &Path, field: &str, value: &str) -> Result<f64> {
    value.trim().parse::<f64>().map_err(|_| invalid(path, format!("{field}: {value:?} is not a number")))
}

/// Parses `(a,b,c)` vectors and `none` entries of `space directions` / `space origin`.
fn parse_vectors(path: &Path, field: &str, value: &str) -> Result<Vec<Option<Vec<f64>>>> {
    let mut out = Vec::new();
    let mut rest = value.trim();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("none") {
            out.push(None);
            rest = after.trim_start();
        } else if let Some(after) = rest.strip_prefix('(') {
            let close = after.find(')').ok_or_else(|| invalid(path, format!("{field}: missing ')' in {value:?}")))?;
            let numbers =
                after[..close].split(',').map(|v| parse_float(path, field, v)).collect::<Result<Vec<f64>>>()?;
            out.push(Some(numbers));
            rest = after[close + 1..].trim_start();
        } else {
            return Err(invalid(path, format!("{field}: expected '(' or 'none' in {value:?}")));
        }
    }
    Ok(out)
}

/// Sign flips that take a NRRD `space` to LPS, and the space's dimension.
fn space_to_lps(path: &Path, space: &str) -> Result<([f64; 3], usize)> {
    let s = space.trim().to_ascii_lowercase();
    let flips = match s.as_str() {
        "right-anterior-superior" | "ras" => ([-1.0, -1.0, 1.0], 3),
        "left-anterior-superior" | "las" => ([1.0, -1.0, 1.0], 3),
        "left-posterior-superior" | "lps" => ([1.0, 1.0, 1.0], 3),
        "right-anterior-superior-time" | "rast" => ([-1.0, -1.0, 1.0], 4),
        "left-anterior-superior-time" | "last" => ([1.0, -1.0, 1.0], 4),
        "left-posterior-superior-time" | "lpst" => ([1.0, 1.0, 1.0], 4),
        "scanner-xyz" | "3d-right-handed" | "3d-left-handed" => ([1.0, 1.0, 1.0], 3),
        "scanner-xyz-time" | "3d-right-handed-time" | "3d-left-handed-time" => ([1.0, 1.0, 1.0], 4),
        _ => {
            return Err(invalid(
                path,
                format!("space {space:?} is not a known NRRD space (e.g. left-posterior-superior)"),
            ));
        }
    };
    Ok(flips)
}

/// Kinds of axes that hold positions in space or time (anything else is a per-voxel component).
fn is_domain_kind(kind: &str) -> bool {
    matches!(kind.to_ascii_lowercase().as_str(), "domain" | "space" | "time" | "???" | "none")
}

/// Reads a NRRD file; the voxels only when `with_voxels`.
pub(super) fn read(
    path: &Path,
    file: &LoadedFile,
    with_voxels: bool,
) -> Result<(Option<Volume<f64>>, ImageHeaderInfo)> {
    let content = file.content(path, u64::MAX)?;
    let header = parse_fields(path, &content)?;
    let f = &header.fields;
    let get = |key: &str| f.get(key).map(String::as_str);
    let require = |key: &str| get(key).ok_or_else(|| invalid(path, format!("the required field `{key}` is missing")));

    // Dimension, sizes and type.
    let dimension = parse_int(path, "dimension", require("dimension")?)?;
    if !(1..=16).contains(&dimension) {
        return Err(invalid(path, format!("dimension {dimension} must be 1..16")));
    }
    let dimension = dimension as usize;
    let sizes =
        require("sizes")?.split_whitespace().map(|v| parse_int(path, "sizes", v)).collect::<Result<Vec<i64>>>()?;
    if sizes.len() != dimension || sizes.iter().any(|&s| s < 1) {
        return Err(invalid(path, format!("sizes {sizes:?} must give {dimension} axis lengths of at least 1")));
    }
    let sizes: Vec<usize> = sizes.into_iter().map(|s| s as usize).collect();
    let type_name = require("type")?;
    let datatype = DataType::from_nrrd_name(type_name).ok_or_else(|| VolumeError::UnsupportedDatatype {
        path: path.to_path_buf(),
        datatype: type_name.to_string(),
    })?;
    let encoding = match require("encoding")?.to_ascii_lowercase().as_str() {
        "raw" => Encoding::Raw,
        "gzip" | "gz" => Encoding::Gzip,
        "text" | "txt" | "ascii" => Encoding::Text,
        other => {
            return Err(VolumeError::Unsupported {
                path: path.to_path_buf(),
                what: format!("NRRD encoding {other:?}"),
                fix: "re-save the image with raw or gzip encoding (e.g. `unu save -e gzip`)".into(),
            });
        }
    };
    let byte_order = match get("endian").map(|e| e.to_ascii_lowercase()) {
        Some(e) if e == "little" => ByteOrder::Little,
        Some(e) if e == "big" => ByteOrder::Big,
        Some(e) => return Err(invalid(path, format!("endian {e:?} must be little or big"))),
        None if datatype.size() == 1 || encoding == Encoding::Text => ByteOrder::native(),
        None => {
            return Err(invalid(
                path,
                format!("the `endian` field is required for {type_name} data; add `endian: little`"),
            ));
        }
    };

    // Space: which axes are spatial, and their directions.
    let (flips, space_dimension, space_name) = match (get("space"), get("space dimension")) {
        (Some(space), _) => {
            let (flips, dim) = space_to_lps(path, space)?;
            (flips, Some(dim), Some(space.to_string()))
        }
        (None, Some(d)) => {
            let dim = parse_int(path, "space dimension", d)?;
            if dim != 3 {
                return Err(invalid(path, format!("space dimension {dim}: only 3-D space is supported")));
            }
            ([1.0, 1.0, 1.0], Some(3), None)
        }
        (None, None) => ([1.0, 1.0, 1.0], None, None),
    };
    let kinds: Option<Vec<String>> = get("kinds").map(|k| k.split_whitespace().map(str::to_string).collect());
    if let Some(kinds) = &kinds
        && kinds.len() != dimension
    {
        return Err(invalid(path, format!("kinds lists {} axes but dimension is {dimension}", kinds.len())));
    }
    let directions = match (get("space directions"), space_dimension) {
        (Some(value), Some(space_dim)) => {
            let vectors = parse_vectors(path, "space directions", value)?;
            if vectors.len() != dimension {
                return Err(invalid(
                    path,
                    format!("space directions lists {} axes but dimension is {dimension}", vectors.len()),
                ));
            }
            if vectors.iter().flatten().any(|v| v.len() != space_dim) {
                return Err(invalid(path, format!("every space direction needs {space_dim} components: {value:?}")));
            }
            Some(vectors)
        }
        (Some(_), None) => {
            return Err(invalid(path, "`space directions` without `space` or `space dimension`"));
        }
        (None, _) => None,
    };
    let spatial: Vec<usize> = (0..dimension)
        .filter(|&axis| match (&directions, &kinds) {
            (Some(d), _) => d[axis].is_some(),
            (None, Some(k)) => is_domain_kind(&k[axis]),
            (None, None) => true,
        })
        .collect();
    let component_axes_with_data = (0..dimension).filter(|a| !spatial.contains(a) && sizes[*a] > 1).count();
    let spatial_with_data = spatial.iter().filter(|&&a| sizes[a] > 1).count();
    if component_axes_with_data > 0 || spatial.len() > 3 && spatial_with_data > 3 {
        return Err(VolumeError::NotThreeDimensional {
            path: path.to_path_buf(),
            ndim: dimension,
            dims: sizes.clone(),
        });
    }
    // Keep at most three spatial axes: the ones with data first, in file order.
    let mut axes: Vec<usize> = spatial.clone();
    if axes.len() > 3 {
        axes.retain(|&a| sizes[a] > 1);
        axes.truncate(3);
        axes.sort_unstable();
    }
    let mut size = [1usize; 3];
    for (k, &axis) in axes.iter().enumerate() {
        size[k] = sizes[axis];
    }

    let (geometry, source) = match &directions {
        Some(vectors) => {
            let mut spacing = [1.0; 3];
            let mut columns = Matrix3::identity();
            for (k, &axis) in axes.iter().enumerate() {
                let v = vectors[axis].as_ref().expect("spatial axes have a direction");
                let v = Vector3::new(v[0] * flips[0], v[1] * flips[1], v[2] * flips[2]);
                let norm = v.norm();
                if !(norm.is_finite() && norm > 0.0) {
                    return Err(invalid(path, format!("space direction of axis {axis} is {v:?}, not a usable vector")));
                }
                spacing[k] = norm;
                columns.set_column(k, &(v / norm));
            }
            if axes.len() == 2 {
                let z = columns.column(0).cross(&columns.column(1));
                columns.set_column(2, &z);
            } else if axes.len() == 1 {
                columns = Matrix3::identity();
                let v = Vector3::from(
                    vectors[axes[0]].as_ref().expect("spatial")[..3].try_into().unwrap_or([1.0, 0.0, 0.0]),
                );
                let v = Vector3::new(v[0] * flips[0], v[1] * flips[1], v[2] * flips[2]);
                columns.set_column(0, &(v / v.norm()));
            }
            let origin = match get("space origin") {
                Some(value) => {
                    let parsed = parse_vectors(path, "space origin", value)?;
                    match parsed.as_slice() {
                        [Some(o)] if o.len() >= 3 => [o[0] * flips[0], o[1] * flips[1], o[2] * flips[2]],
                        _ => {
                            return Err(invalid(path, format!("space origin {value:?} must be one vector (x,y,z)")));
                        }
                    }
                }
                None => [0.0; 3],
            };
            let d = columns;
            let row_major =
                [d[(0, 0)], d[(0, 1)], d[(0, 2)], d[(1, 0)], d[(1, 1)], d[(1, 2)], d[(2, 0)], d[(2, 1)], d[(2, 2)]];
            let geometry = Geometry::new(spacing, origin, row_major).map_err(|e| in_file(path, e))?;
            (geometry, OrientationSource::NrrdSpaceDirections)
        }
        None => {
            let mut spacing = [1.0; 3];
            if let Some(value) = get("spacings") {
                let values: Vec<&str> = value.split_whitespace().collect();
                if values.len() != dimension {
                    return Err(invalid(
                        path,
                        format!("spacings lists {} axes but dimension is {dimension}", values.len()),
                    ));
                }
                for (k, &axis) in axes.iter().enumerate() {
                    let s = parse_float(path, "spacings", values[axis]).unwrap_or(f64::NAN);
                    spacing[k] = if s.is_finite() && s > 0.0 { s } else { 1.0 };
                }
            }
            let geometry = Geometry::new(spacing, [0.0; 3], [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0])
                .map_err(|e| in_file(path, e))?;
            (geometry, OrientationSource::NrrdSpacings)
        }
    };

    let info = ImageHeaderInfo {
        path: path.to_path_buf(),
        format: super::Format::Nrrd,
        compressed: file.is_gzip() || encoding == Encoding::Gzip,
        datatype,
        byte_order,
        size,
        geometry,
        orientation_source: source,
        qform_code: None,
        sform_code: None,
        scl_slope: 1.0,
        scl_inter: 0.0,
        space: space_name,
        description: get("content").unwrap_or("").to_string(),
    };
    if !with_voxels {
        return Ok((None, info));
    }

    // Locate the data: attached after the blank line, or in a detached `data file`.
    let detached: Option<PathBuf> = match get("data file").or(get("datafile")) {
        None => None,
        Some(name) if name.starts_with("LIST") || name.split_whitespace().count() > 1 => {
            return Err(VolumeError::Unsupported {
                path: path.to_path_buf(),
                what: format!("NRRD data file list {name:?}"),
                fix: "combine the data into one file, or re-save as an attached .nrrd".into(),
            });
        }
        Some(name) => {
            let candidate = Path::new(name);
            Some(if candidate.is_absolute() {
                candidate.to_path_buf()
            } else {
                path.parent().unwrap_or(Path::new(".")).join(candidate)
            })
        }
    };
    let detached_bytes;
    let data: &[u8] = match &detached {
        Some(data_path) => {
            detached_bytes =
                std::fs::read(data_path).map_err(|source| VolumeError::Open { path: data_path.clone(), source })?;
            &detached_bytes
        }
        None => {
            let start = header.data_start.ok_or_else(|| {
                invalid(path, "the header does not end with an empty line, so there are no voxel data")
            })?;
            &content[start..]
        }
    };
    let line_skip =
        get("line skip").or(get("lineskip")).map(|v| parse_int(path, "line skip", v)).transpose()?.unwrap_or(0);
    let byte_skip =
        get("byte skip").or(get("byteskip")).map(|v| parse_int(path, "byte skip", v)).transpose()?.unwrap_or(0);
    if line_skip < 0 || byte_skip < -1 {
        return Err(invalid(path, format!("line skip {line_skip} / byte skip {byte_skip} out of range")));
    }
    let mut data = data;
    for _ in 0..line_skip {
        let newline = data
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| invalid(path, "line skip passes the end of the data"))?;
        data = &data[newline + 1..];
    }

    let nbytes = byte_count(path, size, datatype)?;
    let voxel_count = (nbytes / datatype.size() as u64) as usize;
    let values = match encoding {
        Encoding::Text => parse_text(path, data, voxel_count)?,
        Encoding::Raw | Encoding::Gzip => {
            let decompressed;
            let bytes: &[u8] = if encoding == Encoding::Gzip {
                let skip = byte_skip.max(0) as u64;
                let bound = (data.len() as u64).saturating_mul(1032);
                let mut out = Vec::with_capacity(nbytes.min(bound).min(1 << 32) as usize);
                MultiGzDecoder::new(data).take(nbytes + skip + 1).read_to_end(&mut out).map_err(|e| {
                    VolumeError::CorruptCompressedData { path: path.to_path_buf(), detail: e.to_string() }
                })?;
                decompressed = out;
                &decompressed[(skip as usize).min(decompressed.len())..]
            } else if byte_skip == -1 {
                &data[data.len().saturating_sub(nbytes as usize)..]
            } else {
                &data[(byte_skip as usize).min(data.len())..]
            };
            if bytes.len() as u64 != nbytes {
                return Err(VolumeError::DataLength {
                    path: path.to_path_buf(),
                    expected: nbytes,
                    found: bytes.len() as u64,
                });
            }
            decode_to_f64(bytes, datatype, byte_order)
        }
    };
    let volume = volume_from_values(path, size, values, geometry)?;
    Ok((Some(volume), info))
}

fn in_file(path: &Path, error: VolumeError) -> VolumeError {
    invalid(path, error.to_string())
}

/// Parses `text` encoded voxels: numbers separated by white space or commas.
fn parse_text(path: &Path, data: &[u8], count: usize) -> Result<Vec<f64>> {
    let text = std::str::from_utf8(data).map_err(|_| invalid(path, "text-encoded data are not text"))?;
    let values = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .map(|t| parse_float(path, "data", t))
        .collect::<Result<Vec<f64>>>()?;
    if values.len() != count {
        return Err(VolumeError::DataLength {
            path: path.to_path_buf(),
            expected: count as u64,
            found: values.len() as u64,
        });
    }
    Ok(values)
}

/// Serialises an attached NRRD header (LPS space, little-endian); the voxel bytes follow it,
/// gzip-compressed when `gzip`.
pub(super) fn encode_header(size: [usize; 3], geometry: &Geometry, datatype: DataType, gzip: bool) -> Vec<u8> {
    let spacing = geometry.spacing();
    let d = geometry.direction_matrix();
    let o = geometry.origin();
    let vector = |v: [f64; 3]| format!("({},{},{})", v[0], v[1], v[2]);
    let directions: Vec<String> =
        (0..3).map(|a| vector([d[(0, a)] * spacing[a], d[(1, a)] * spacing[a], d[(2, a)] * spacing[a]])).collect();
    let mut header = String::new();
    header.push_str("NRRD0004\n");
    header.push_str(concat!("# written by radiomics-rs ", env!("CARGO_PKG_VERSION"), "\n"));
    header.push_str(&format!("type: {}\n", datatype.nrrd_name()));
    header.push_str("dimension: 3\n");
    header.push_str("space: left-posterior-superior\n");
    header.push_str(&format!("sizes: {} {} {}\n", size[0], size[1], size[2]));
    header.push_str(&format!("space directions: {}\n", directions.join(" ")));
    header.push_str("kinds: domain domain domain\n");
    if datatype.size() > 1 {
        header.push_str("endian: little\n");
    }
    header.push_str(if gzip { "encoding: gzip\n" } else { "encoding: raw\n" });
    header.push_str(&format!("space origin: {}\n\n", vector(o)));
    header.into_bytes()
}

#[cfg(test)]
// The expected values are exact (integers, powers of two, sign flips).
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn vectors_parse_with_spaces_and_none() {
        let v = parse_vectors(Path::new("a.nrrd"), "space directions", "none ( 1, 0,0) (0,-0.5,0)(0,0,2.5)").unwrap();
        assert_eq!(v.len(), 4);
        assert!(v[0].is_none());
        assert_eq!(v[2].as_deref(), Some(&[0.0, -0.5, 0.0][..]));
        assert!(parse_vectors(Path::new("a.nrrd"), "space directions", "(1,0,0").is_err());
        assert!(parse_vectors(Path::new("a.nrrd"), "space directions", "[1,0,0]").is_err());
    }

    #[test]
    fn spaces_map_to_lps() {
        let p = Path::new("a.nrrd");
        assert_eq!(space_to_lps(p, "RAS").unwrap().0, [-1.0, -1.0, 1.0]);
        assert_eq!(space_to_lps(p, "left-anterior-superior").unwrap().0, [1.0, -1.0, 1.0]);
        assert_eq!(space_to_lps(p, "Left-Posterior-Superior").unwrap().0, [1.0, 1.0, 1.0]);
        assert!(space_to_lps(p, "upside-down").is_err());
    }
}
