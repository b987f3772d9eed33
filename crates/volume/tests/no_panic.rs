//! Property tests: mutated, truncated and spliced files never make a reader panic; they either
//! read or return a `VolumeError`.

mod common;

use common::{gz, oblique_geometry, ramp};
use proptest::prelude::*;
use radiomics_volume::io::{self, DataType, NiftiVersion, WriteOptions};

/// Valid files of every format, written once by our own writer.
fn seeds() -> &'static [(&'static str, Vec<u8>)] {
    static SEEDS: std::sync::OnceLock<Vec<(&'static str, Vec<u8>)>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let volume = ramp(|i| i as f64 - 20.0, oblique_geometry());
        let mut out = Vec::new();
        for (name, options) in [
            ("s.nii", WriteOptions::with_datatype(DataType::I16)),
            ("s.nii.gz", WriteOptions::with_datatype(DataType::F32)),
            (
                "v2.nii",
                WriteOptions { nifti_version: NiftiVersion::Nifti2, ..WriteOptions::with_datatype(DataType::I8) },
            ),
            ("g.nrrd", WriteOptions::with_datatype(DataType::I32)),
            ("r.nrrd", WriteOptions { nrrd_gzip: false, ..WriteOptions::with_datatype(DataType::F64) }),
        ] {
            let path = dir.path().join(name);
            io::write_volume_with(&volume, &path, &options).unwrap();
            out.push((name, std::fs::read(&path).unwrap()));
        }
        out
    })
}

/// Reads `bytes` under `name` from a fresh file; the result is ignored, only a panic fails.
fn read_bytes(name: &str, bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let _ = io::read_image(&path);
    let _ = io::read_header(&path);
}

/// Decompresses a gzip seed so that mutations hit the header rather than the deflate stream.
fn plain(name: &str, bytes: &[u8]) -> Vec<u8> {
    if name.ends_with(".gz") {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out).unwrap();
        out
    } else {
        bytes.to_vec()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_headers_never_panic(seed in 0usize..5, edits in prop::collection::vec((0usize..700, any::<u8>()), 1..12), regzip in any::<bool>()) {
        let seeds = seeds();
        let (name, bytes) = &seeds[seed];
        let mut bytes = plain(name, bytes);
        for (at, value) in edits {
            let at = at % bytes.len().min(600);
            bytes[at] = value;
        }
        let bytes = if regzip { gz(&bytes) } else { bytes };
        read_bytes(name, &bytes);
    }

    #[test]
    fn truncated_files_never_panic(seed in 0usize..5, keep in 0.0f64..1.0) {
        let seeds = seeds();
        let (name, bytes) = &seeds[seed];
        let cut = (bytes.len() as f64 * keep) as usize;
        read_bytes(name, &bytes[..cut]);
        let plain = plain(name, bytes);
        let cut = (plain.len() as f64 * keep) as usize;
        read_bytes(name, &plain[..cut]);
    }

    #[test]
    fn edited_nrrd_header_values_never_panic(
        line in 1usize..12,
        value in prop_oneof![
            Just(String::new()),
            Just("none".to_string()),
            Just("(1,2)".to_string()),
            Just("(nan,0,0) (0,0,0) (0,0,1)".to_string()),
            Just("-1".to_string()),
            Just("4294967296 4294967296 4294967296".to_string()),
            Just("0 0 0".to_string()),
            "[ -~]{0,40}",
        ],
    ) {
        let seeds = seeds();
        let bytes = &seeds[3].1;
        let split = bytes.windows(2).position(|w| w == b"\n\n").unwrap() + 2;
        let header = String::from_utf8(bytes[..split].to_vec()).unwrap();
        let mut lines: Vec<String> = header.lines().map(str::to_string).collect();
        let line = line % (lines.len() - 1) + 1;
        if let Some((key, _)) = lines[line].clone().split_once(": ") {
            lines[line] = format!("{key}: {value}");
        }
        let mut edited = lines.join("\n").into_bytes();
        edited.extend_from_slice(b"\n\n");
        edited.extend_from_slice(&bytes[split..]);
        read_bytes("e.nrrd", &edited);
    }
}
