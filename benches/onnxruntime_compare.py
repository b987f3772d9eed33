#!/usr/bin/env python3
"""Time ONNX Runtime's Python API on the model the radiomics-deepfeat bench writes, with the
same batch size (12) and one intra-op thread, so that the Rust `ort` and `tract` timings of
`cargo bench -p radiomics-deepfeat --bench patient` can be stated as ratios.

Usage:
  pip install onnxruntime==1.31.1 numpy
  python3 benches/onnxruntime_compare.py [MODEL] [--threads 1] [--batch 12] [--repeats 10]

MODEL defaults to $TMPDIR/radiomics-deepfeat-bench/cnn_s_seed0.onnx.
Prints the median, minimum and maximum of the timed runs after two warm-up runs.
"""
import argparse
import os
import statistics
import tempfile
import time

import numpy as np
import onnxruntime as ort


def main():
    default = os.path.join(tempfile.gettempdir(), "radiomics-deepfeat-bench", "cnn_s_seed0.onnx")
    ap = argparse.ArgumentParser()
    ap.add_argument("model", nargs="?", default=default)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=12)
    ap.add_argument("--repeats", type=int, default=10)
    a = ap.parse_args()

    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    sess = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).uniform(-100, 100, (a.batch, 3, 224, 224)).astype(np.float32)
    outputs = ["fc6_out", "fc7_out"]
    for _ in range(2):
        sess.run(outputs, {"data": x})
    times = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        sess.run(outputs, {"data": x})
        times.append(time.perf_counter() - t0)
    print(f"onnxruntime {ort.__version__} python, batch {a.batch}, {a.threads} thread(s): "
          f"median {statistics.median(times) * 1e3:.1f} ms, min {min(times) * 1e3:.1f} ms, "
          f"max {max(times) * 1e3:.1f} ms over {a.repeats} runs")


if __name__ == "__main__":
    main()
