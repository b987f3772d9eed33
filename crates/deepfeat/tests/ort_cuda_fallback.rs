//! `Device::Cuda` with an ONNX Runtime library that cannot run CUDA (the CPU-only
//! `onnxruntime` wheel CI installs, or no GPU) loads the model on the CPU, logs one warning
//! line saying so, and gives the same features as a CPU session.
//!
//! Runs when `ORT_DYLIB_PATH` is set (CI sets it), skipped otherwise.
#![cfg(feature = "ort")]

mod common;

use std::sync::{Arc, Mutex};

use common::{small_model, wave_batch};
use radiomics_deepfeat::{BackendKind, Device, FeatureActivation, ModelOptions, OnnxModel};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// Records every event as `LEVEL message key=value ...`.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<(Level, String)>>>);

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0.insert_str(0, &format!("{value:?} "));
        } else {
            self.0.push_str(&format!("{}={value:?} ", field.name()));
        }
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut line = Line(String::new());
        event.record(&mut line);
        self.0.lock().unwrap().push((*event.metadata().level(), line.0));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn cuda_request_falls_back_to_cpu() {
    if std::env::var_os("ORT_DYLIB_PATH").is_none() {
        eprintln!("skipped: ORT_DYLIB_PATH is not set");
        return;
    }
    let bytes = small_model(FeatureActivation::PostRelu);
    let cuda_options = ModelOptions { backend: BackendKind::Ort, device: Device::Cuda, ..Default::default() };
    let recorder = Recorder::default();
    let cuda = tracing::subscriber::with_default(recorder.clone(), || {
        OnnxModel::from_bytes(bytes.clone(), "small", &cuda_options)
    })
    .expect("a CUDA request must fall back to the CPU, not fail");
    let events = recorder.0.lock().unwrap().clone();
    let cuda_lines: Vec<_> = events.iter().filter(|(_, line)| line.contains("CUDA")).collect();
    assert_eq!(cuda_lines.len(), 1, "expected one line about CUDA, got {events:?}");
    let (level, line) = cuda_lines[0];
    if line.contains("runs on CUDA") {
        // A GPU build of ONNX Runtime with a working GPU: nothing to fall back from.
        eprintln!("CUDA is available here; the fallback path is not exercised: {line}");
        return;
    }
    assert_eq!(*level, Level::WARN, "{line}");
    assert!(line.contains("running on the CPU"), "the line must say the CPU is used: {line}");
    assert!(line.contains("small"), "the line must name the model: {line}");

    // The fallback session computes what a CPU session computes.
    let cpu_options = ModelOptions { backend: BackendKind::Ort, ..Default::default() };
    let cpu = OnnxModel::from_bytes(bytes, "small", &cpu_options).unwrap();
    let input = wave_batch(2);
    let a = cuda.run(input.view()).unwrap();
    let b = cpu.run(input.view()).unwrap();
    assert_eq!(a, b);
}
