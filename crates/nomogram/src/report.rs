//! Model report as one self-contained HTML file (SVG figures inline) and as Markdown with the
//! figures written next to it.

use std::fmt::Write as _;
use std::path::Path;

use radiomics_survival::{Covariates, CoxOptions, KaplanMeier, SurvivalData, concordance, fit_cox};

use crate::calibration::Calibration;
use crate::error::{NomogramError, Result, check_len};
use crate::nomogram::Nomogram;
use crate::plot::{CalibrationPlot, KaplanMeierPlot, NomogramPlot, render_svg};
use crate::risk_groups::RiskGroupSummary;

/// A patient characteristic for the cohort table.
#[derive(Debug, Clone, PartialEq)]
pub enum Characteristic {
    /// Continuous values, summarised as median [Q1, Q3] (type-7 quartiles).
    Continuous(Vec<f64>),
    /// Category per patient, summarised as n (%) per category.
    Categorical(Vec<String>),
}

/// One cohort's data for the cohort table.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortData {
    /// Cohort name, e.g. "Training".
    pub name: String,
    /// Follow-up times.
    pub time: Vec<f64>,
    /// Event indicators.
    pub event: Vec<bool>,
    /// Named characteristics, the same names in every cohort.
    pub characteristics: Vec<(String, Characteristic)>,
}

/// A rendered table: header and rows of text cells.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Table {
    /// Column titles.
    pub header: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

fn quantile7(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let i = h.floor() as usize;
    if i + 1 >= sorted.len() {
        sorted[sorted.len() - 1]
    } else {
        sorted[i] + (h - h.floor()) * (sorted[i + 1] - sorted[i])
    }
}

fn fmt_num(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn survival_error(e: radiomics_survival::SurvivalError) -> NomogramError {
    NomogramError::Survival(e.to_string())
}

/// Builds the cohort table (one column per cohort): patients, events (%), median follow-up by
/// the reverse Kaplan-Meier method, then each characteristic.
///
/// # Errors
/// No cohorts, characteristics whose names or kinds differ between cohorts, length mismatches.
pub fn cohort_table(cohorts: &[CohortData]) -> Result<Table> {
    if cohorts.is_empty() {
        return Err(NomogramError::Empty { what: "cohorts".into(), min: 1 });
    }
    let mut table = Table { header: vec!["Characteristic".into()], rows: vec![] };
    table.header.extend(cohorts.iter().map(|c| c.name.clone()));
    let mut patients = vec!["Patients, n".to_string()];
    let mut events = vec!["Events, n (%)".to_string()];
    let mut follow_up = vec!["Median follow-up (reverse KM)".to_string()];
    for c in cohorts {
        check_len(&format!("events of cohort {}", c.name), &c.event, c.time.len(), "patient")?;
        let n = c.time.len();
        let d = c.event.iter().filter(|&&e| e).count();
        patients.push(n.to_string());
        events.push(format!("{d} ({:.1}%)", 100.0 * d as f64 / n.max(1) as f64));
        let reversed: Vec<bool> = c.event.iter().map(|e| !e).collect();
        let data = SurvivalData::from_bool(&c.time, &reversed).map_err(survival_error)?;
        let km = KaplanMeier::fit(&data).map_err(survival_error)?;
        let med = km.median(radiomics_survival::ConfType::Log, 0.95).map_err(survival_error)?;
        follow_up.push(med.median.map_or("not reached".into(), fmt_num));
    }
    table.rows.extend([patients, events, follow_up]);
    let first = &cohorts[0];
    for (k, (name, kind)) in first.characteristics.iter().enumerate() {
        match kind {
            Characteristic::Continuous(_) => {
                let mut row = vec![format!("{name}, median [IQR]")];
                for c in cohorts {
                    let Some((other, Characteristic::Continuous(v))) = c.characteristics.get(k) else {
                        return Err(NomogramError::InvalidParameter {
                            name: format!("characteristic {name} of cohort {}", c.name),
                            value: "missing or not continuous".into(),
                            reason: "every cohort needs the same characteristics in the same order".into(),
                        });
                    };
                    debug_assert_eq!(other, name);
                    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
                    s.sort_by(f64::total_cmp);
                    row.push(if s.is_empty() {
                        "NA".into()
                    } else {
                        format!(
                            "{} [{}, {}]",
                            fmt_num(quantile7(&s, 0.5)),
                            fmt_num(quantile7(&s, 0.25)),
                            fmt_num(quantile7(&s, 0.75))
                        )
                    });
                }
                table.rows.push(row);
            }
            Characteristic::Categorical(first_values) => {
                let mut levels: Vec<String> = first_values.clone();
                levels.sort();
                levels.dedup();
                table.rows.push(
                    std::iter::once(format!("{name}, n (%)")).chain(cohorts.iter().map(|_| String::new())).collect(),
                );
                for level in &levels {
                    let mut row = vec![format!("  {level}")];
                    for c in cohorts {
                        let Some((_, Characteristic::Categorical(v))) = c.characteristics.get(k) else {
                            return Err(NomogramError::InvalidParameter {
                                name: format!("characteristic {name} of cohort {}", c.name),
                                value: "missing or not categorical".into(),
                                reason: "every cohort needs the same characteristics in the same order".into(),
                            });
                        };
                        let count = v.iter().filter(|x| *x == level).count();
                        row.push(format!("{count} ({:.1}%)", 100.0 * count as f64 / v.len().max(1) as f64));
                    }
                    table.rows.push(row);
                }
            }
        }
    }
    Ok(table)
}

/// Univariate Cox table: one model per covariate (Efron ties), HR with 95% Wald CI and p.
///
/// # Errors
/// Those of `radiomics-survival`'s Cox fit (no events, constant covariate, ...).
pub fn univariate_table(data: &SurvivalData, x: &Covariates) -> Result<Table> {
    let mut table = Table { header: vec!["Variable".into(), "HR".into(), "95% CI".into(), "p".into()], rows: vec![] };
    for j in 0..x.n_cols() {
        let name = x.names()[j].clone();
        let single = x.subset_columns(&[j]);
        let fit = fit_cox(data, &single, &CoxOptions::default()).map_err(survival_error)?;
        let t = &fit.terms[0];
        table.rows.push(vec![
            name,
            format!("{:.3}", t.hazard_ratio),
            format!("{:.3} to {:.3}", t.hr_lower95, t.hr_upper95),
            crate::plot::format_p_value(t.p_value).trim_start_matches("p ").trim_start_matches("= ").to_string(),
        ]);
    }
    Ok(table)
}

/// Clips a C-index confidence interval to [0, 1].
///
/// The interval of `radiomics_survival::concordance` is the normal approximation
/// `C +/- 1.96 SE` (R `survival::concordance`). It can pass 1 (or 0) when C is near the bound,
/// for example on an overfitted discovery cohort. A C-index cannot, so the bounds are truncated.
/// Non-finite bounds are returned as they are.
pub fn clip_c_index_ci(lower: f64, upper: f64) -> (f64, f64) {
    let clip = |v: f64| if v.is_finite() { v.clamp(0.0, 1.0) } else { v };
    (clip(lower), clip(upper))
}

/// Harrell's C-index with 95% CI of `score` (higher = higher risk) in each cohort. The CI is the
/// normal approximation truncated to [0, 1] ([`clip_c_index_ci`]).
pub fn c_index_table(cohorts: &[(&str, &SurvivalData, &[f64])]) -> Result<Table> {
    let mut table = Table { header: vec!["Cohort".into(), "C-index".into(), "95% CI".into()], rows: vec![] };
    for (name, data, score) in cohorts {
        let c = concordance(data, score).map_err(survival_error)?;
        let (lower, upper) = clip_c_index_ci(c.lower95, c.upper95);
        table.rows.push(vec![(*name).into(), format!("{:.3}", c.c_index), format!("{lower:.3} to {upper:.3}")]);
    }
    Ok(table)
}

/// A figure added to a report by [`ReportExtras`]: caption, file stem of its SVG file, SVG text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExtraFigure {
    /// Caption shown above the figure.
    pub caption: String,
    /// File name without `.svg` of the figure next to the Markdown report.
    pub file_stem: String,
    /// The SVG document.
    pub svg: String,
}

/// Additions to a [`ModelReport`] that its fields do not hold; [`ReportExtras::default`] gives
/// the report exactly as [`ModelReport::to_html`] writes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReportExtras {
    /// Warnings shown as a list under the description (for example a cohort too small for the
    /// number of signature features).
    pub warnings: Vec<String>,
    /// Risk-group sections that could not be computed, as (cohort, reason); each is shown where
    /// its table would be, after the risk-group tables that exist.
    pub risk_group_notes: Vec<(String, String)>,
    /// Caption of the univariate Cox table instead of "Table 2. Univariate Cox regression", to
    /// say which cohort it describes.
    pub univariate_caption: Option<String>,
    /// File stems of the Kaplan-Meier figures, in the order of `km_plots`; a missing entry gives
    /// `km_<k>` (1-based).
    pub km_file_stems: Vec<String>,
    /// Figures drawn after the calibration figure.
    pub figures: Vec<ExtraFigure>,
    /// Unit of a signature feature, named in the coefficient table's hazard-ratio
    /// header "HR per `<unit>`": for example "1 SD" when the coefficients are on z-scored
    /// features. `None` gives "HR per unit".
    pub coefficient_unit: Option<String>,
    /// Unit of the survival times (e.g. "days"), named in the risk-group header "Median
    /// survival time, `<unit>` (95% CI)". `None` leaves the unit out.
    pub time_unit: Option<String>,
    /// Cohort the calibration was computed on (e.g. "discovery"), named in its caption.
    pub calibration_cohort: Option<String>,
}

/// One section of the report's table part: a table, or a note in place of one.
enum Section {
    Table(String, Table),
    Note(String, String),
}

/// Everything a model report shows. Sections with no content are left out.
#[derive(Debug, Clone)]
pub struct ModelReport<'a> {
    /// Report title.
    pub title: String,
    /// Free text under the title (model formula, data source, date).
    pub description: String,
    /// Cohort characteristics (Table 1).
    pub cohort_table: Option<Table>,
    /// Signature terms and coefficients.
    pub coefficients: Vec<(String, f64)>,
    /// C-index per cohort.
    pub c_index: Option<Table>,
    /// Cut-off of the score and the risk groups per cohort.
    pub risk_groups: Vec<(String, RiskGroupSummary)>,
    /// Kaplan-Meier plots with captions.
    pub km_plots: Vec<(String, KaplanMeierPlot)>,
    /// Univariate Cox table (Table 2).
    pub univariate: Option<Table>,
    /// Nomogram.
    pub nomogram: Option<&'a Nomogram>,
    /// Calibration with the label of its time, e.g. "1-year".
    pub calibration: Option<(&'a Calibration, String)>,
}

/// A figure: caption and SVG text.
struct Figure {
    caption: String,
    file_stem: String,
    svg: String,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// `", <cohort> cohort"` when the calibration cohort is known, else nothing.
fn calibration_cohort(extras: &ReportExtras) -> String {
    extras.calibration_cohort.as_ref().map(|c| format!(", {c} cohort")).unwrap_or_default()
}

fn opt(v: Option<f64>) -> String {
    v.map_or("NA".into(), fmt_num)
}

impl ModelReport<'_> {
    fn sections(&self, extras: &ReportExtras) -> Vec<Section> {
        let mut out = Vec::new();
        if let Some(t) = &self.cohort_table {
            out.push(Section::Table("Table 1. Cohort characteristics".to_string(), t.clone()));
        }
        if !self.coefficients.is_empty() {
            out.push(Section::Table(
                "Signature coefficients".to_string(),
                Table {
                    header: vec![
                        "Term".into(),
                        "Coefficient".into(),
                        format!("HR per {}", extras.coefficient_unit.as_deref().unwrap_or("unit")),
                    ],
                    rows: self
                        .coefficients
                        .iter()
                        .map(|(n, b)| vec![n.clone(), format!("{b:.5}"), format!("{:.4}", b.exp())])
                        .collect(),
                },
            ));
        }
        if let Some(t) = &self.c_index {
            out.push(Section::Table("Discrimination (Harrell's C-index)".to_string(), t.clone()));
        }
        for (cohort, rg) in &self.risk_groups {
            let rows = rg
                .groups
                .iter()
                .map(|g| {
                    vec![
                        g.label.clone(),
                        g.n.to_string(),
                        g.events.to_string(),
                        format!("{} ({} to {})", opt(g.median), opt(g.median_ci.0), opt(g.median_ci.1)),
                        g.hazard_ratio.map_or("reference".into(), |(h, l, u)| format!("{h:.2} ({l:.2} to {u:.2})")),
                    ]
                })
                .collect();
            out.push(Section::Table(
                format!(
                    "Risk groups, {cohort} (cut-off {}; G-rho rho = {}: chi-square {:.2}, {})",
                    fmt_num(rg.cutoff),
                    rg.rho,
                    rg.chi_square,
                    crate::plot::format_p_value(rg.p_value)
                ),
                Table {
                    header: vec![
                        "Group".into(),
                        "n".into(),
                        "Events".into(),
                        match &extras.time_unit {
                            Some(unit) => format!("Median survival time, {unit} (95% CI)"),
                            None => "Median survival time (95% CI)".into(),
                        },
                        "HR (95% CI)".into(),
                    ],
                    rows,
                },
            ));
        }
        for (cohort, reason) in &extras.risk_group_notes {
            out.push(Section::Note(format!("Risk groups, {cohort}"), reason.clone()));
        }
        if let Some(t) = &self.univariate {
            let caption =
                extras.univariate_caption.clone().unwrap_or_else(|| "Table 2. Univariate Cox regression".to_string());
            out.push(Section::Table(caption, t.clone()));
        }
        if let Some((cal, label)) = &self.calibration {
            let rows = cal
                .groups
                .iter()
                .map(|g| {
                    vec![
                        g.n.to_string(),
                        opt(g.mean_predicted),
                        opt(g.observed),
                        g.observed_ci.map_or("NA".into(), |(l, u)| format!("{} to {}", fmt_num(l), fmt_num(u))),
                        opt(g.optimism),
                        opt(g.observed_corrected),
                    ]
                })
                .collect();
            out.push(Section::Table(
                format!("Calibration at {label}{} (bootstrap B = {})", calibration_cohort(extras), cal.resamples_drawn),
                Table {
                    header: vec![
                        "n".into(),
                        "Mean predicted".into(),
                        "Observed (KM)".into(),
                        "95% CI".into(),
                        "Optimism".into(),
                        "Corrected observed".into(),
                    ],
                    rows,
                },
            ));
        }
        out
    }

    fn figures(&self, extras: &ReportExtras) -> Result<Vec<Figure>> {
        let mut figs = Vec::new();
        for (i, (caption, plot)) in self.km_plots.iter().enumerate() {
            figs.push(Figure {
                caption: caption.clone(),
                file_stem: extras.km_file_stems.get(i).cloned().unwrap_or_else(|| format!("km_{}", i + 1)),
                svg: render_svg(plot, 800, 600)?,
            });
        }
        if let Some(nom) = self.nomogram {
            let plot = NomogramPlot { nomogram: nom, title: String::new(), show_linear_predictor: true };
            figs.push(Figure {
                caption: "Nomogram".into(),
                file_stem: "nomogram".into(),
                svg: render_svg(&plot, 1000, 640)?,
            });
        }
        if let Some((cal, label)) = &self.calibration {
            let plot = CalibrationPlot { calibration: cal, title: String::new(), time_label: label.clone() };
            figs.push(Figure {
                caption: format!("Calibration at {label}{}", calibration_cohort(extras)),
                file_stem: "calibration".into(),
                svg: render_svg(&plot, 640, 600)?,
            });
        }
        for f in &extras.figures {
            figs.push(Figure { caption: f.caption.clone(), file_stem: f.file_stem.clone(), svg: f.svg.clone() });
        }
        Ok(figs)
    }

    /// Renders the report as one self-contained HTML document with the figures as inline SVG.
    pub fn to_html(&self) -> Result<String> {
        self.to_html_with(&ReportExtras::default())
    }

    /// [`ModelReport::to_html`] with the additions of `extras`.
    pub fn to_html_with(&self, extras: &ReportExtras) -> Result<String> {
        let mut html = String::new();
        let _ = write!(
            html,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n\
             body{{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;max-width:1040px;margin:2em auto;color:#222}}\n\
             table{{border-collapse:collapse;margin:0.5em 0 1.5em}}th,td{{border-bottom:1px solid #ccc;padding:4px 10px;text-align:left}}\n\
             th{{border-bottom:2px solid #444}}figure{{margin:1em 0}}figcaption{{font-weight:bold;margin-bottom:0.3em}}\n\
             </style>\n</head>\n<body>\n<h1>{}</h1>\n",
            escape(&self.title),
            escape(&self.title)
        );
        if !self.description.is_empty() {
            let _ = writeln!(html, "<p>{}</p>", escape(&self.description));
        }
        if !extras.warnings.is_empty() {
            html.push_str("<h2>Warnings</h2>\n<ul>\n");
            for w in &extras.warnings {
                let _ = writeln!(html, "<li>{}</li>", escape(w));
            }
            html.push_str("</ul>\n");
        }
        for section in self.sections(extras) {
            let (caption, table) = match section {
                Section::Table(caption, table) => (caption, table),
                Section::Note(caption, text) => {
                    let _ = writeln!(html, "<h2>{}</h2>\n<p>{}</p>", escape(&caption), escape(&text));
                    continue;
                }
            };
            let _ = writeln!(html, "<h2>{}</h2>\n<table>\n<tr>", escape(&caption));
            for h in &table.header {
                let _ = write!(html, "<th>{}</th>", escape(h));
            }
            html.push_str("</tr>\n");
            for row in &table.rows {
                html.push_str("<tr>");
                for cell in row {
                    let _ = write!(html, "<td>{}</td>", escape(cell));
                }
                html.push_str("</tr>\n");
            }
            html.push_str("</table>\n");
        }
        for fig in self.figures(extras)? {
            let svg = fig.svg.trim_start_matches(|c| c != '<');
            let svg = svg
                .strip_prefix("<?xml")
                .map_or(svg, |rest| rest.split_once("?>").map_or(rest, |(_, r)| r.trim_start()));
            let _ = writeln!(html, "<figure>\n<figcaption>{}</figcaption>\n{}\n</figure>", escape(&fig.caption), svg);
        }
        html.push_str("</body>\n</html>\n");
        Ok(html)
    }

    /// Renders the report as Markdown. Returns the text and the figures as (file name, SVG) pairs;
    /// the text links each figure by that file name.
    pub fn to_markdown(&self) -> Result<(String, Vec<(String, String)>)> {
        self.to_markdown_with(&ReportExtras::default())
    }

    /// [`ModelReport::to_markdown`] with the additions of `extras`.
    pub fn to_markdown_with(&self, extras: &ReportExtras) -> Result<(String, Vec<(String, String)>)> {
        let mut md = format!("# {}\n\n", self.title);
        if !self.description.is_empty() {
            md.push_str(&self.description);
            md.push_str("\n\n");
        }
        if !extras.warnings.is_empty() {
            md.push_str("## Warnings\n\n");
            for w in &extras.warnings {
                let _ = writeln!(md, "- {w}");
            }
            md.push('\n');
        }
        for section in self.sections(extras) {
            let (caption, table) = match section {
                Section::Table(caption, table) => (caption, table),
                Section::Note(caption, text) => {
                    let _ = writeln!(md, "## {caption}\n\n{text}\n");
                    continue;
                }
            };
            let _ = writeln!(md, "## {caption}\n");
            let _ = writeln!(md, "| {} |", table.header.iter().map(|h| md_cell(h)).collect::<Vec<_>>().join(" | "));
            let _ = writeln!(md, "|{}|", table.header.iter().map(|_| "---").collect::<Vec<_>>().join("|"));
            for row in &table.rows {
                let _ = writeln!(md, "| {} |", row.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | "));
            }
            md.push('\n');
        }
        let mut files = Vec::new();
        for fig in self.figures(extras)? {
            let file = format!("{}.svg", fig.file_stem);
            let _ = writeln!(md, "## {}\n\n![{}]({file})\n", fig.caption, fig.caption);
            files.push((file, fig.svg));
        }
        Ok((md, files))
    }

    /// Writes `<dir>/<stem>.html` and `<dir>/<stem>.md` with its SVG figures.
    pub fn write(&self, dir: &Path, stem: &str) -> Result<()> {
        self.write_with(dir, stem, &ReportExtras::default())
    }

    /// [`ModelReport::write`] with the additions of `extras`.
    pub fn write_with(&self, dir: &Path, stem: &str, extras: &ReportExtras) -> Result<()> {
        let io = |path: &Path| {
            let p = path.display().to_string();
            move |source| NomogramError::Io { path: p, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let html_path = dir.join(format!("{stem}.html"));
        std::fs::write(&html_path, self.to_html_with(extras)?).map_err(io(&html_path))?;
        let (md, files) = self.to_markdown_with(extras)?;
        let md_path = dir.join(format!("{stem}.md"));
        std::fs::write(&md_path, md).map_err(io(&md_path))?;
        for (name, svg) in files {
            let path = dir.join(name);
            std::fs::write(&path, svg).map_err(io(&path))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_index_interval_is_clipped_to_unit_range() {
        assert_eq!(clip_c_index_ci(0.969, 1.008), (0.969, 1.0));
        assert_eq!(clip_c_index_ci(-0.02, 0.4), (0.0, 0.4));
        assert_eq!(clip_c_index_ci(0.6, 0.8), (0.6, 0.8));
        let (lower, upper) = clip_c_index_ci(f64::NAN, 0.8);
        assert!(lower.is_nan());
        assert_eq!(upper, 0.8);
    }

    #[test]
    fn extras_add_warnings_notes_and_figures() {
        let report = ModelReport {
            title: "T".into(),
            description: String::new(),
            cohort_table: None,
            coefficients: vec![("x".into(), 0.5)],
            c_index: None,
            risk_groups: vec![],
            km_plots: vec![],
            univariate: Some(Table { header: vec!["Variable".into()], rows: vec![vec!["x".into()]] }),
            nomogram: None,
            calibration: None,
        };
        let extras = ReportExtras {
            warnings: vec!["small cohort".into()],
            risk_group_notes: vec![("Discovery".into(), "Not shown: monotone likelihood.".into())],
            univariate_caption: Some("Table 2. Univariate Cox regression, discovery cohort".into()),
            km_file_stems: vec![],
            figures: vec![ExtraFigure {
                caption: "Heat map".into(),
                file_stem: "heatmap".into(),
                svg: "<svg/>".into(),
            }],
            coefficient_unit: Some("1 SD".into()),
            ..ReportExtras::default()
        };
        let (md, files) = report.to_markdown_with(&extras).unwrap();
        assert!(md.contains("## Warnings\n\n- small cohort"), "{md}");
        assert!(md.contains("## Risk groups, Discovery\n\nNot shown: monotone likelihood."), "{md}");
        assert!(md.contains("## Table 2. Univariate Cox regression, discovery cohort"), "{md}");
        assert_eq!(files, vec![("heatmap.svg".to_string(), "<svg/>".to_string())]);
        assert!(md.contains("| Term | Coefficient | HR per 1 SD |"), "{md}");
        let html = report.to_html_with(&extras).unwrap();
        assert!(html.contains("<li>small cohort</li>"), "{html}");
        assert!(html.contains("<h2>Risk groups, Discovery</h2>\n<p>Not shown: monotone likelihood.</p>"), "{html}");
        // Without extras the report is as before.
        let (plain, _) = report.to_markdown().unwrap();
        assert!(!plain.contains("Warnings"), "{plain}");
        assert!(plain.contains("## Table 2. Univariate Cox regression\n"), "{plain}");
        assert!(plain.contains("| Term | Coefficient | HR per unit |"), "{plain}");
    }
}
