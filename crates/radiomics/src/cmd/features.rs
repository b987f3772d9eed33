//! `radiomics features IMAGE MASK`: handcrafted radiomics features of one case as CSV.
//!
//! The ROI is the union of the labels given with `--label` (default: the params file's `label`,
//! else 1). Requested labels absent from the mask are left out with a warning, and the command
//! fails only when none of them is present. `--params` reads a PyRadiomics YAML parameter file; unknown keys are errors.
//! `--convention pyradiomics` (default) reproduces PyRadiomics 3.0.1; `--convention ibsi` uses the
//! IBSI-1 definitions. `--format wide` writes PyRadiomics' batch layout (`Image,Mask,<features>`,
//! one row); `--format long` writes `Image,Mask,feature,value` rows.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use radiomics_texture::{CaseFeatures, Convention, Extractor, Settings};

/// Output layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Layout {
    /// One row per case, one column per feature (PyRadiomics batch output).
    Wide,
    /// One `feature,value` row per feature.
    Long,
}

/// Feature definitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ConventionArg {
    /// PyRadiomics 3.0.1 / 3.1 names and numbers.
    Pyradiomics,
    /// IBSI-1 reference definitions.
    Ibsi,
}

/// Arguments of `radiomics features`.
#[derive(Debug, clap::Args)]
pub struct FeaturesArgs {
    /// Image file (.nii, .nii.gz or .nrrd).
    pub image: PathBuf,
    /// Label map on the image grid (.nii, .nii.gz or .nrrd).
    pub mask: PathBuf,
    /// Label(s) of the ROI; a comma list takes their union (BraTS tumour core: 1,4). Default:
    /// the params file's `label`, else 1.
    #[arg(long, value_delimiter = ',')]
    pub label: Vec<u32>,
    /// PyRadiomics YAML parameter file (`setting`, `featureClass`, `imageType: Original`).
    #[arg(long)]
    pub params: Option<PathBuf>,
    /// Feature definitions: pyradiomics or ibsi (overrides the params file).
    #[arg(long, value_enum)]
    pub convention: Option<ConventionArg>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output layout.
    #[arg(long, value_enum, default_value = "wide")]
    pub format: Layout,
    /// Output CSV file (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// Runs `radiomics features`.
pub fn run(args: FeaturesArgs) -> anyhow::Result<ExitCode> {
    let mut settings = match &args.params {
        Some(path) => Settings::from_yaml_file(path)?,
        None => Settings::default(),
    };
    if !args.label.is_empty() {
        settings.labels = args.label.clone();
    }
    if let Some(c) = args.convention {
        settings.convention = match c {
            ConventionArg::Pyradiomics => Convention::PyRadiomics,
            ConventionArg::Ibsi => Convention::Ibsi,
        };
    }
    if args.threads == Some(0) {
        anyhow::bail!("--threads must be at least 1");
    }
    // Reject invalid settings before reading the images.
    settings.validate()?;
    let image = radiomics_volume::io::read_volume(&args.image)
        .with_context(|| format!("reading image {}", args.image.display()))?;
    let labels = radiomics_volume::io::read_label_map(&args.mask)
        .with_context(|| format!("reading mask {}", args.mask.display()))?;
    settings.labels = present_labels(&settings.labels, &labels.labels(), &args.mask)?;
    let extractor = Extractor::new(settings)?;
    let compute = || extractor.execute(&image, &labels);
    let features = match args.threads {
        Some(n) => rayon::ThreadPoolBuilder::new().num_threads(n).build()?.install(compute),
        None => compute(),
    }
    .with_context(|| format!("features of {} with mask {}", args.image.display(), args.mask.display()))?;
    let cases =
        [CaseFeatures { image: args.image.display().to_string(), mask: args.mask.display().to_string(), features }];
    let write = |w: &mut dyn std::io::Write| -> anyhow::Result<()> {
        match args.format {
            Layout::Wide => radiomics_texture::write_wide(w, &cases)?,
            Layout::Long => radiomics_texture::write_long(w, &cases)?,
        }
        Ok(())
    };
    match &args.output {
        Some(path) => {
            let mut file = std::io::BufWriter::new(
                std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
            );
            write(&mut file)?;
        }
        None => write(&mut std::io::stdout().lock())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Returns the requested labels that occur in the mask, whose union is the ROI. Logs a warning
/// naming the absent ones, the mask file and the labels it contains, and fails when no requested
/// label occurs. `present` lists the non-zero labels of the mask.
fn present_labels(requested: &[u32], present: &[u32], mask: &Path) -> anyhow::Result<Vec<u32>> {
    let (found, absent): (Vec<u32>, Vec<u32>) = requested.iter().partition(|l| present.contains(l));
    if found.is_empty() {
        anyhow::bail!(
            "none of the requested labels {requested:?} occurs in mask {} (labels present: {present:?}). \
             Pass one of the present labels with --label or `label` in the params file",
            mask.display()
        );
    }
    if !absent.is_empty() {
        tracing::warn!(
            "label(s) {absent:?} not found in mask {} (labels present: {present:?}), so the ROI is the union of \
             label(s) {found:?}",
            mask.display()
        );
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::present_labels;
    use std::path::Path;

    #[test]
    fn present_labels_drops_absent_ones() {
        let kept = present_labels(&[1, 2, 4], &[1, 4], Path::new("seg.nii.gz")).unwrap();
        assert_eq!(kept, vec![1, 4]);
    }

    #[test]
    fn present_labels_keeps_all_present() {
        let kept = present_labels(&[4, 1], &[1, 2, 4], Path::new("seg.nii.gz")).unwrap();
        assert_eq!(kept, vec![4, 1]);
    }

    #[test]
    fn present_labels_fails_when_none_present() {
        let err = present_labels(&[2, 3], &[1, 4], Path::new("seg.nii.gz")).unwrap_err().to_string();
        assert!(err.contains("[2, 3]"), "{err}");
        assert!(err.contains("seg.nii.gz"), "{err}");
        assert!(err.contains("[1, 4]"), "{err}");
    }
}
