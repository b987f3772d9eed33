//! Model presentation on top of `radiomics-survival`: rms-style nomograms, calibration curves,
//! risk-group summaries, Kaplan-Meier and other survival plots as SVG and PNG, and HTML/Markdown
//! model reports.
#![warn(missing_docs)]
