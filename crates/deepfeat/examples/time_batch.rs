//! Loads an ONNX model once with one backend and times batches on request, so that
//! `benches/onnxruntime_compare.py` can interleave our runs with ONNX Runtime's Python API in
//! the same processes for the whole measurement.
//!
//! ```text
//! cargo build --release -p radiomics-deepfeat --all-features --example time_batch
//! time_batch --backend tract|ort --model CNN_S.onnx --input BATCH.f32 [--batch 12] [--threads 1]
//! ```
//!
//! `--input` is a raw little-endian float32 file of `batch x 3 x 224 x 224` values in C order.
//! When `--model` names a file that does not exist, the full-size CNN-S with seeded He-normal
//! weights (seed 0, post-ReLU fc6/fc7, 412 MB) is written there first.
//!
//! Protocol on standard input and output, one line each:
//! * after loading and one warm-up batch the example prints `ready CHECKSUMS`, the sums of each
//!   output of the warm-up batch (to check that both sides compute the same thing);
//! * each input line `N` runs N batches and prints `times T1 T2 ... TN` in seconds;
//! * `quit` or the end of the input ends the process.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::Instant;

use radiomics_deepfeat::{
    BackendKind, CnnSWidths, FeatureActivation, ModelOptions, OnnxModel, ndarray::Array4, random_cnn_s_onnx,
};

struct Args {
    backend: BackendKind,
    model: PathBuf,
    input: PathBuf,
    batch: usize,
    threads: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut backend = None;
    let mut model = None;
    let mut input = None;
    let mut batch = 12;
    let mut threads = 1;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--backend" => {
                backend = Some(match value.as_str() {
                    "tract" => BackendKind::Tract,
                    "ort" => BackendKind::Ort,
                    other => return Err(format!("--backend must be tract or ort, not {other}")),
                })
            }
            "--model" => model = Some(PathBuf::from(value)),
            "--input" => input = Some(PathBuf::from(value)),
            "--batch" => batch = value.parse().map_err(|e| format!("--batch {value}: {e}"))?,
            "--threads" => threads = value.parse().map_err(|e| format!("--threads {value}: {e}"))?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(Args {
        backend: backend.ok_or("--backend is required")?,
        model: model.ok_or("--model is required")?,
        input: input.ok_or("--input is required")?,
        batch,
        threads,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    if !args.model.exists() {
        let bytes = random_cnn_s_onnx(CnnSWidths::FULL, 0, FeatureActivation::PostRelu)?;
        std::fs::write(&args.model, bytes)?;
    }
    let raw = std::fs::read(&args.input)?;
    let expected = args.batch * 3 * 224 * 224;
    if raw.len() != expected * 4 {
        return Err(format!(
            "{} holds {} bytes, expected {} float32 values",
            args.input.display(),
            raw.len(),
            expected
        )
        .into());
    }
    let values: Vec<f32> = raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    let batch = Array4::from_shape_vec((args.batch, 3, 224, 224), values)?;

    let options = ModelOptions { backend: args.backend, intra_threads: args.threads, ..Default::default() };
    let model = OnnxModel::from_file(&args.model, &options)?;
    let warm = model.run(batch.view())?;
    let sums: Vec<String> =
        warm.iter().map(|a| format!("{:.9e}", a.iter().map(|&v| f64::from(v)).sum::<f64>())).collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "ready {}", sums.join(" "))?;
    out.flush()?;

    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let line = line.trim();
        if line == "quit" {
            break;
        }
        let n: usize = line.parse().map_err(|e| format!("expected a number of batches, got {line:?}: {e}"))?;
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let start = Instant::now();
            let outputs = model.run(batch.view())?;
            times.push(start.elapsed().as_secs_f64());
            std::hint::black_box(outputs);
        }
        let times: Vec<String> = times.iter().map(|t| format!("{t:.6}")).collect();
        writeln!(out, "times {}", times.join(" "))?;
        out.flush()?;
    }
    Ok(())
}
