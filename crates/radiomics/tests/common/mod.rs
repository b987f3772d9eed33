//! Helpers shared by the pipeline tests: running the binary and reading what it wrote.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `radiomics` binary with `args` and logs the command and its output (shown when a
/// test fails).
pub fn radiomics(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_radiomics")).args(args).output().expect("the radiomics binary runs");
    eprintln!(
        "radiomics {}\nstdout:\n{}\nstderr:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Standard output and standard error as text.
pub fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Parses a JSON file, naming the file when it cannot.
pub fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Rows of a CSV file as header + records.
pub fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    (header, rows)
}

/// Returns a path as a command-line argument.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}
