#!/usr/bin/env python3
"""Time one patient's batch (12 crops, 224 x 224) through the full-size CNN-S side by side:
ONNX Runtime's own Python API against radiomics-deepfeat's `ort` and `tract` backends.

All three load the same ONNX file once and run the same input batch with the same number of
intra-op threads and graph optimisation level ORT_ENABLE_ALL (the level our `ort` backend
sets). Our two backends run in long-lived processes of the `time_batch` example, so the
timed runs of the three are interleaved round by round (the order rotates each round) and
share whatever load the machine carries.

Usage:
  pip install onnxruntime==1.31.1 numpy
  CARGO_TARGET_DIR=target cargo build --release -p radiomics-deepfeat --all-features --example time_batch
  ORT_DYLIB_PATH=.../onnxruntime/capi/libonnxruntime.so.1.31.1 \\
      python3 benches/onnxruntime_compare.py [--model CNN_S.onnx] [--bin target/release/examples/time_batch]
      [--threads 1] [--batch 12] [--rounds 6] [--per-round 2]

MODEL defaults to $TMPDIR/radiomics-deepfeat-bench/cnn_s_seed0.onnx (the file the criterion
bench `cargo bench -p radiomics-deepfeat --bench patient` writes); when it does not exist the
example writes it (seeded He-normal weights, seed 0). ORT_DYLIB_PATH defaults to the library
inside the installed onnxruntime package. The script prints the load average before and
after and the median of each side. For ort/Python and tract/ort it prints three ratios: the
median of the per-round ratios (robust to load that changes between rounds), the ratio of the
medians and the ratio of the minima.
"""
import argparse
import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort


class RustSide:
    """One `time_batch` process holding one loaded model."""

    def __init__(self, binary, backend, model, input_path, batch, threads, env):
        cmd = [binary, "--backend", backend, "--model", model, "--input", input_path,
               "--batch", str(batch), "--threads", str(threads)]
        self.name = backend
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        line = self.proc.stdout.readline().split()
        if not line or line[0] != "ready":
            raise SystemExit(f"{backend}: time_batch did not start (got {line!r})")
        self.checksums = [float(v) for v in line[1:]]

    def run(self, n):
        self.proc.stdin.write(f"{n}\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().split()
        if not line or line[0] != "times":
            raise SystemExit(f"{self.name}: unexpected reply {line!r}, expected "times ..."")
        return [float(v) for v in line[1:]]

    def close(self):
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(timeout=60)


class PythonSide:
    def __init__(self, model, x, threads, outputs):
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.name = "python"
        self.sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
        self.x = x
        self.outputs = outputs
        self.input_name = self.sess.get_inputs()[0].name
        warm = self.sess.run(self.outputs, {self.input_name: self.x})
        self.checksums = [float(np.sum(a, dtype=np.float64)) for a in warm]
        self.result = warm

    def run(self, n):
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            self.sess.run(self.outputs, {self.input_name: self.x})
            times.append(time.perf_counter() - t0)
        return times


def default_library():
    d = os.path.join(os.path.dirname(ort.__file__), "capi")
    found = sorted(glob.glob(os.path.join(d, "libonnxruntime.so*")))
    return found[-1] if found else None


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target"))
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(tempfile.gettempdir(), "radiomics-deepfeat-bench",
                                                   "cnn_s_seed0.onnx"))
    ap.add_argument("--bin", default=os.path.join(target, "release", "examples", "time_batch"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--per-round", type=int, default=2)
    ap.add_argument("--backends", default="ort,tract", help="our backends to time, comma-separated")
    a = ap.parse_args()

    env = dict(os.environ)
    if "ORT_DYLIB_PATH" not in env:
        lib = default_library()
        if lib is None:
            raise SystemExit("set ORT_DYLIB_PATH to libonnxruntime.so")
        env["ORT_DYLIB_PATH"] = lib
    os.makedirs(os.path.dirname(a.model), exist_ok=True)

    # The batch: seeded values in the range of mean-subtracted crops, shared through a raw file.
    x = np.random.default_rng(0).uniform(-130.0, 130.0, (a.batch, 3, 224, 224)).astype(np.float32)
    fd, input_path = tempfile.mkstemp(suffix=".f32")
    with os.fdopen(fd, "wb") as f:
        f.write(x.astype("<f4").tobytes())

    load_before = open("/proc/loadavg").read().split()[:3]
    sides = []
    try:
        for backend in a.backends.split(","):
            sides.append(RustSide(a.bin, backend, a.model, input_path, a.batch, a.threads, env))
        sides.insert(0, PythonSide(a.model, x, a.threads, ["fc6_out", "fc7_out"]))
        ref = sides[0].checksums
        for side in sides[1:]:
            rel = max(abs(c - r) / max(1.0, abs(r)) for c, r in zip(side.checksums, ref))
            print(f"{side.name}: output sums {side.checksums} vs python {ref} (relative difference {rel:.1e})")
            if rel > 1e-4:
                raise SystemExit(f"{side.name} computes something else than ONNX Runtime's Python API")

        times = {s.name: [] for s in sides}
        rounds = []  # per round: side name -> mean time of its runs in that round
        for r in range(a.rounds):
            order = sides[r % len(sides):] + sides[:r % len(sides)]
            this_round = {}
            for side in order:
                t = side.run(a.per_round)
                times[side.name].extend(t)
                this_round[side.name] = statistics.fmean(t)
            rounds.append(this_round)
    finally:
        for side in sides:
            if isinstance(side, RustSide):
                side.close()
        os.unlink(input_path)
    load_after = open("/proc/loadavg").read().split()[:3]

    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"onnxruntime {ort.__version__}, batch {a.batch}, {a.threads} intra-op thread(s), "
          f"{a.rounds} rounds x {a.per_round} runs, interleaved")
    print(f"load average before: {' '.join(load_before)}; after: {' '.join(load_after)}")
    for k, v in times.items():
        print(f"{k:>7}: median {med[k] * 1e3:8.1f} ms  min {min(v) * 1e3:8.1f} ms  max {max(v) * 1e3:8.1f} ms")

    def ratio(num, den):
        # Median of the per-round ratios (each round's runs of the two sides are neighbours in
        # time, so a change of load between rounds cancels), then the ratio of the medians and
        # of the minima.
        paired = statistics.median(r[num] / r[den] for r in rounds)
        print(f"ratio {num} / {den}: {paired:.3f} (median of per-round ratios), "
              f"{med[num] / med[den]:.3f} (ratio of medians), {min(times[num]) / min(times[den]):.3f} (ratio of minima)")

    if "ort" in med:
        ratio("ort", "python")
    if "ort" in med and "tract" in med:
        ratio("tract", "ort")
    if "tract" in med:
        ratio("tract", "python")
    return 0


if __name__ == "__main__":
    sys.exit(main())
