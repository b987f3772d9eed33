//! The cohort manifest: one CSV row per patient with outcome, clinical values and image paths.
//!
//! Columns: `id,cohort,time,event,t1,t1c,t2,flair,seg` are required, `seg_repeat1`,
//! `seg_repeat2`, ... are optional repeat segmentations (for the ICC step), and every other
//! column (e.g. `age`, `kps`) is kept as a clinical value. Paths are relative to the manifest.
//! Empty `time`/`event` cells are allowed (the patient's features are still extracted, but the
//! model stages leave the patient out); malformed values are errors naming the line and column.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// Discovery (training) or validation cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cohort {
    /// Patients the selection and the model are fitted on.
    Discovery,
    /// Patients the model is tested on.
    Validation,
}

impl Cohort {
    /// The manifest spelling: `discovery` or `validation`.
    pub fn as_str(self) -> &'static str {
        match self {
            Cohort::Discovery => "discovery",
            Cohort::Validation => "validation",
        }
    }

    /// Parses `discovery`/`validation` (case-insensitive; `training`/`train` and `test` are
    /// accepted as synonyms).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "discovery" | "training" | "train" => Some(Cohort::Discovery),
            "validation" | "test" => Some(Cohort::Validation),
            _ => None,
        }
    }
}

/// The four modalities, in the order of the feature names and of the manifest columns.
pub const MODALITIES: [(&str, &str); 4] = [("t1", "T1"), ("t1c", "T1C"), ("t2", "T2"), ("flair", "FLAIR")];

/// Image files of one patient.
#[derive(Debug, Clone, PartialEq)]
pub struct ImagePaths {
    /// T1, T1C, T2 and FLAIR, in the order of [`MODALITIES`].
    pub modalities: [PathBuf; 4],
    /// Segmentation with the sub-region labels.
    pub seg: PathBuf,
    /// Repeat segmentations of the same tumour, for the ICC robustness step.
    pub seg_repeats: Vec<PathBuf>,
}

impl ImagePaths {
    /// Every file with its manifest column name.
    pub fn all(&self) -> Vec<(String, &Path)> {
        let mut out: Vec<(String, &Path)> =
            MODALITIES.iter().zip(&self.modalities).map(|((c, _), p)| ((*c).to_string(), p.as_path())).collect();
        out.push(("seg".into(), &self.seg));
        for (k, p) in self.seg_repeats.iter().enumerate() {
            out.push((format!("seg_repeat{}", k + 1), p));
        }
        out
    }

    /// Checks that every file exists and is a regular file; the error names the column and path.
    pub fn check_exist(&self) -> Result<(), String> {
        for (column, path) in self.all() {
            match std::fs::metadata(path) {
                Ok(m) if m.is_file() => {}
                Ok(_) => return Err(format!("{column} {} is not a regular file", path.display())),
                Err(e) => {
                    return Err(format!("{column} file {} cannot be opened: {e}", path.display()));
                }
            }
        }
        Ok(())
    }
}

/// One manifest row.
#[derive(Debug, Clone, PartialEq)]
pub struct Patient {
    /// Patient identifier; also the file name of its outputs.
    pub id: String,
    /// Discovery or validation.
    pub cohort: Cohort,
    /// Follow-up time (death or censoring), in the unit the user chose; `None` when empty.
    pub time: Option<f64>,
    /// `true` for an observed event; `None` when empty.
    pub event: Option<bool>,
    /// Other columns in manifest order, as written (e.g. `("age", "61")`).
    pub clinical: Vec<(String, String)>,
    /// Image files.
    pub images: ImagePaths,
}

#[cfg(test)]
impl Patient {
    /// The clinical value of `column` as a number: `Ok(None)` when the cell is empty or `NA`,
    /// an error when the column is absent or the text is not a number.
    pub fn clinical_value(&self, column: &str) -> anyhow::Result<Option<f64>> {
        let (_, text) = self
            .clinical
            .iter()
            .find(|(c, _)| c == column)
            .with_context(|| format!("the manifest has no clinical column {column:?}"))?;
        parse_optional_number(text)
            .with_context(|| format!("patient {}: clinical column {column} = {text:?} is not a number", self.id))
    }
}

/// Parses a numeric cell: empty, `NA`, `NaN` and `.` are missing (`None`).
pub fn parse_optional_number(text: &str) -> anyhow::Result<Option<f64>> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("na") || t.eq_ignore_ascii_case("nan") || t == "." {
        return Ok(None);
    }
    let v: f64 = t.parse().with_context(|| format!("{t:?} is not a number"))?;
    if !v.is_finite() {
        bail!("{t:?} is not a finite number");
    }
    Ok(Some(v))
}

/// A parsed manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The manifest file.
    pub path: PathBuf,
    /// Names of the clinical columns, in file order.
    pub clinical_columns: Vec<String>,
    /// Patients in file order.
    pub patients: Vec<Patient>,
}

/// Checks that an id can name files: non-empty, no path separators, no leading dot, and no
/// `__rep` (reserved for repeat-segmentation outputs).
pub fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("the id is empty".into());
    }
    if id.starts_with('.') || id.contains(['/', '\\', ':', '\0']) || id.contains("__rep") {
        return Err(format!(
            "id {id:?} cannot name an output file: it must not start with '.', contain '/', '\\', ':' or \"__rep\""
        ));
    }
    Ok(())
}

impl Manifest {
    /// Reads and checks a manifest file. File-level problems (missing columns, duplicate ids,
    /// malformed numbers) are errors; missing image files are not checked here (they fail only
    /// that patient, see [`ImagePaths::check_exist`]).
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read manifest {}", path.display()))?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::from_csv_str(&text, &base, path)
    }

    /// Parses manifest text; relative image paths are resolved against `base`.
    pub fn from_csv_str(text: &str, base: &Path, path: &Path) -> anyhow::Result<Self> {
        let name = path.display();
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .with_context(|| format!("manifest {name}: cannot read the header"))?
            .iter()
            .map(str::to_string)
            .collect();
        let find = |col: &str| header.iter().position(|h| h.eq_ignore_ascii_case(col));
        let required = ["id", "cohort", "time", "event", "t1", "t1c", "t2", "flair", "seg"];
        let missing: Vec<&str> = required.iter().copied().filter(|c| find(c).is_none()).collect();
        if !missing.is_empty() {
            bail!(
                "manifest {name} lacks the column(s) {}; the header must contain {} (and optional seg_repeat1, seg_repeat2, ... and clinical columns)",
                missing.join(", "),
                required.join(",")
            );
        }
        let mut seen = HashSet::new();
        for h in &header {
            if !seen.insert(h.to_ascii_lowercase()) {
                bail!("manifest {name}: column {h:?} appears twice");
            }
        }
        let col = |c: &str| find(c).expect("checked above");
        let mut repeats: Vec<(usize, usize)> = header
            .iter()
            .enumerate()
            .filter_map(|(i, h)| {
                h.to_ascii_lowercase().strip_prefix("seg_repeat").and_then(|k| k.parse::<usize>().ok()).map(|k| (k, i))
            })
            .collect();
        repeats.sort();
        let known: HashSet<usize> = required.iter().map(|c| col(c)).chain(repeats.iter().map(|&(_, i)| i)).collect();
        let clinical_idx: Vec<usize> = (0..header.len()).filter(|i| !known.contains(i)).collect();
        let clinical_columns: Vec<String> = clinical_idx.iter().map(|&i| header[i].clone()).collect();

        let mut patients = Vec::new();
        let mut ids = HashSet::new();
        for (row, record) in reader.records().enumerate() {
            let line = row + 2;
            let record = record.with_context(|| format!("manifest {name}, line {line}: malformed CSV row"))?;
            let cell = |i: usize| record.get(i).unwrap_or("").to_string();
            let id = cell(col("id"));
            if let Err(why) = check_id(&id) {
                bail!("manifest {name}, line {line}: {why}");
            }
            if !ids.insert(id.clone()) {
                bail!("manifest {name}, line {line}: patient id {id:?} appears twice");
            }
            let cohort_text = cell(col("cohort"));
            let Some(cohort) = Cohort::parse(&cohort_text) else {
                bail!(
                    "manifest {name}, line {line} ({id}): cohort {cohort_text:?} must be \"discovery\" or \"validation\""
                );
            };
            let time = parse_optional_number(&cell(col("time")))
                .with_context(|| format!("manifest {name}, line {line} ({id}): column time"))?;
            if let Some(t) = time
                && t < 0.0
            {
                bail!("manifest {name}, line {line} ({id}): time {t} is negative");
            }
            let event_text = cell(col("event"));
            let event = match parse_optional_number(&event_text)
                .with_context(|| format!("manifest {name}, line {line} ({id}): column event"))?
            {
                None => None,
                Some(0.0) => Some(false),
                Some(1.0) => Some(true),
                Some(_) => {
                    bail!("manifest {name}, line {line} ({id}): event {event_text:?} must be 0 (censored) or 1 (event)")
                }
            };
            let path_of = |column: &str, i: usize| -> anyhow::Result<PathBuf> {
                let text = cell(i);
                if text.is_empty() {
                    bail!("manifest {name}, line {line} ({id}): column {column} is empty");
                }
                let p = PathBuf::from(text);
                Ok(if p.is_relative() { base.join(p) } else { p })
            };
            let modalities = [
                path_of("t1", col("t1"))?,
                path_of("t1c", col("t1c"))?,
                path_of("t2", col("t2"))?,
                path_of("flair", col("flair"))?,
            ];
            let seg = path_of("seg", col("seg"))?;
            let mut seg_repeats = Vec::new();
            for &(k, i) in &repeats {
                // An empty repeat cell means this patient has fewer repeats.
                if !cell(i).is_empty() {
                    seg_repeats.push(path_of(&format!("seg_repeat{k}"), i)?);
                }
            }
            let clinical = clinical_idx.iter().map(|&i| (header[i].clone(), cell(i))).collect();
            patients.push(Patient {
                id,
                cohort,
                time,
                event,
                clinical,
                images: ImagePaths { modalities, seg, seg_repeats },
            });
        }
        if patients.is_empty() {
            bail!("manifest {name} has a header but no patient rows");
        }
        Ok(Self { path: path.to_path_buf(), clinical_columns, patients })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "id,cohort,time,event,age,kps,t1,t1c,t2,flair,seg,seg_repeat1\n\
        P1,discovery,100,1,61,80,p1/t1.nii.gz,p1/t1c.nii.gz,p1/t2.nii.gz,p1/flair.nii.gz,p1/seg.nii.gz,p1/r1.nii.gz\n\
        P2,Validation,,,55,NA,/abs/t1.nii,p2/t1c.nii,p2/t2.nii,p2/flair.nii,p2/seg.nii,\n";

    #[test]
    fn parses_columns_paths_and_clinical_values() {
        let m = Manifest::from_csv_str(TEXT, Path::new("/study"), Path::new("/study/m.csv")).unwrap();
        assert_eq!(m.clinical_columns, vec!["age", "kps"]);
        let p1 = &m.patients[0];
        assert_eq!(p1.cohort, Cohort::Discovery);
        assert_eq!(p1.time, Some(100.0));
        assert_eq!(p1.event, Some(true));
        assert_eq!(p1.images.modalities[1], Path::new("/study/p1/t1c.nii.gz"));
        assert_eq!(p1.images.seg_repeats, vec![PathBuf::from("/study/p1/r1.nii.gz")]);
        assert_eq!(p1.clinical_value("age").unwrap(), Some(61.0));
        let p2 = &m.patients[1];
        assert_eq!(p2.cohort, Cohort::Validation);
        assert_eq!((p2.time, p2.event), (None, None));
        assert_eq!(p2.images.modalities[0], Path::new("/abs/t1.nii"));
        assert!(p2.images.seg_repeats.is_empty());
        assert_eq!(p2.clinical_value("kps").unwrap(), None);
        assert!(p2.clinical_value("grade").is_err());
    }

    #[test]
    fn file_level_errors_name_the_problem() {
        let cases = [
            ("id,cohort,time,event,t1,t1c,t2,seg\n", "flair"),
            (
                "id,cohort,time,event,t1,t1c,t2,flair,seg\nA,discovery,1,1,a,b,c,d,e\nA,discovery,1,1,a,b,c,d,e\n",
                "twice",
            ),
            ("id,cohort,time,event,t1,t1c,t2,flair,seg\nA,train2,1,1,a,b,c,d,e\n", "train2"),
            ("id,cohort,time,event,t1,t1c,t2,flair,seg\nA,discovery,1,2,a,b,c,d,e\n", "event"),
            ("id,cohort,time,event,t1,t1c,t2,flair,seg\nA,discovery,-3,1,a,b,c,d,e\n", "negative"),
            ("id,cohort,time,event,t1,t1c,t2,flair,seg\nA/B,discovery,3,1,a,b,c,d,e\n", "cannot name"),
            ("id,cohort,time,event,t1,t1c,t2,flair,seg\nA,discovery,3,1,a,b,c,d,\n", "seg is empty"),
        ];
        for (text, expected) in cases {
            let err = Manifest::from_csv_str(text, Path::new(""), Path::new("m.csv")).unwrap_err();
            let msg = format!("{err:#}");
            assert!(msg.contains(expected), "{msg} should mention {expected}");
        }
    }

    #[test]
    fn missing_files_are_reported_per_column() {
        let m = Manifest::from_csv_str(TEXT, Path::new("/nonexistent"), Path::new("m.csv")).unwrap();
        let why = m.patients[0].images.check_exist().unwrap_err();
        assert!(why.starts_with("t1 file /nonexistent/p1/t1.nii.gz"), "{why}");
    }
}
