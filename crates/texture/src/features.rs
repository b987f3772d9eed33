//! Feature output: an ordered list of `(name, value)` per case, and CSV writers.

use std::io::Write;

use crate::error::{Result, TextureError};

/// The features of one case, in computation order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureSet {
    /// `(name, value)` pairs, e.g. `("original_glcm_Contrast", 47.49)`.
    pub features: Vec<(String, f64)>,
}

impl FeatureSet {
    /// Value of a feature by name.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.features.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// True when no feature was computed.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// Appends a feature.
    pub fn push(&mut self, name: impl Into<String>, value: f64) {
        self.features.push((name.into(), value));
    }

    /// Iterates over `(name, value)`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.features.iter().map(|(n, v)| (n.as_str(), *v))
    }
}

/// One row of a batch: case identifiers and its features.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFeatures {
    /// Image path or case identifier.
    pub image: String,
    /// Mask path.
    pub mask: String,
    /// The features.
    pub features: FeatureSet,
}

/// Formats a value with the shortest representation that reads back exactly (`NaN` for NaN).
pub fn format_value(v: f64) -> String {
    if v.is_nan() { "NaN".to_string() } else { format!("{v}") }
}

/// Writes PyRadiomics' batch layout: one header row `Image,Mask,<feature names>` and one row
/// per case. The feature columns are the union of all cases' names in first-seen order; a case
/// missing a feature gets an empty cell.
pub fn write_wide<W: Write>(out: W, cases: &[CaseFeatures]) -> Result<()> {
    let mut names: Vec<&str> = Vec::new();
    for c in cases {
        for (n, _) in c.features.iter() {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    let mut w = csv::Writer::from_writer(out);
    let io = |e: csv::Error| TextureError::Write { path: "CSV output".into(), source: std::io::Error::other(e) };
    let mut header = vec!["Image", "Mask"];
    header.extend(names.iter());
    w.write_record(&header).map_err(io)?;
    for c in cases {
        let mut row = vec![c.image.clone(), c.mask.clone()];
        row.extend(names.iter().map(|n| c.features.get(n).map(format_value).unwrap_or_default()));
        w.write_record(&row).map_err(io)?;
    }
    w.flush().map_err(|e| TextureError::Write { path: "CSV output".into(), source: e })?;
    Ok(())
}

/// Writes the long layout: header `Image,Mask,feature,value`, one row per feature and case.
pub fn write_long<W: Write>(out: W, cases: &[CaseFeatures]) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let io = |e: csv::Error| TextureError::Write { path: "CSV output".into(), source: std::io::Error::other(e) };
    w.write_record(["Image", "Mask", "feature", "value"]).map_err(io)?;
    for c in cases {
        for (n, v) in c.features.iter() {
            w.write_record([c.image.as_str(), c.mask.as_str(), n, &format_value(v)]).map_err(io)?;
        }
    }
    w.flush().map_err(|e| TextureError::Write { path: "CSV output".into(), source: e })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_and_long_layouts() {
        let mut f = FeatureSet::default();
        f.push("original_glcm_Contrast", 1.5);
        f.push("original_ngtdm_Busyness", f64::NAN);
        let cases = vec![CaseFeatures { image: "a.nrrd".into(), mask: "m.nrrd".into(), features: f }];
        let mut buf = Vec::new();
        write_wide(&mut buf, &cases).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert_eq!(text, "Image,Mask,original_glcm_Contrast,original_ngtdm_Busyness\na.nrrd,m.nrrd,1.5,NaN\n");
        let mut buf = Vec::new();
        write_long(&mut buf, &cases).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(text.starts_with("Image,Mask,feature,value\na.nrrd,m.nrrd,original_glcm_Contrast,1.5\n"), "{text}");
    }
}
