#!/usr/bin/env python3
"""Time `radiomics features` against PyRadiomics on the same case, side by side, in one run.

Usage:
    cargo build --release -p radiomics --no-default-features --features cli,texture
    python3 benches/pyradiomics_compare.py [--python PYTHON_WITH_PYRADIOMICS] [--repeat N]

The case is PyRadiomics' brain1 (image, label, params/brain1.yaml) from RADIOMICS_REFERENCE_DATA
(default ../shared/data). Each tool runs as a separate process under /usr/bin/time -v, which
reports wall time and peak resident memory; the median of N runs is kept. PyRadiomics runs with
OMP/BLAS pinned to one thread (it is single-threaded); ours runs with --threads 1 and with all
cores. When PyRadiomics is not importable, only our timings are printed.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.environ.get("RADIOMICS_REFERENCE_DATA", os.path.join(ROOT, "..", "shared", "data"))

PYRAD_INPROCESS = r"""
import sys, time, logging, statistics
import radiomics
from radiomics import featureextractor
radiomics.setVerbosity(logging.ERROR)
ex = featureextractor.RadiomicsFeatureExtractor(sys.argv[3])
ex.execute(sys.argv[1], sys.argv[2])
times = []
for _ in range(int(sys.argv[4])):
    t = time.perf_counter()
    ex.execute(sys.argv[1], sys.argv[2])
    times.append(time.perf_counter() - t)
print(statistics.median(times))
"""

PYRAD_SNIPPET = r"""
import sys, logging
import radiomics
from radiomics import featureextractor
radiomics.setVerbosity(logging.ERROR)
ex = featureextractor.RadiomicsFeatureExtractor(sys.argv[3])
res = ex.execute(sys.argv[1], sys.argv[2])
n = sum(1 for k in res if not k.startswith('diagnostics'))
print(n)
"""


def timed(cmd, env=None):
    """Runs cmd under /usr/bin/time -v; returns (seconds, peak MiB, stdout)."""
    full = ["/usr/bin/time", "-v"] + cmd
    p = subprocess.run(full, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", p.stderr).group(1)
    parts = [float(x) for x in wall.split(":")]
    seconds = sum(v * 60 ** (len(parts) - 1 - k) for k, v in enumerate(parts))
    rss_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return seconds, rss_kib / 1024.0, p.stdout


def median_run(cmd, repeat, env=None):
    runs = [timed(cmd, env) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", default=sys.executable, help="Python interpreter with pyradiomics installed")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "radiomics"))
    ap.add_argument("--timer", default=os.path.join(ROOT, "target", "release", "examples", "time_case"),
                    help="in-process timer (cargo build --release -p radiomics-texture --example time_case)")
    args = ap.parse_args()

    base = os.path.join(DATA, "pyradiomics")
    image = os.path.join(base, "brain1_image.nrrd")
    label = os.path.join(base, "brain1_label.nrrd")
    params = os.path.join(base, "params", "brain1.yaml")
    if not os.path.exists(args.binary):
        sys.exit(f"{args.binary} not found; build it with cargo build --release -p radiomics --no-default-features --features cli,texture")

    rows = []
    out = tempfile.mktemp(suffix=".csv")
    ours1 = median_run([args.binary, "features", image, label, "--params", params, "--threads", "1", "-o", out], args.repeat)
    oursn = median_run([args.binary, "features", image, label, "--params", params, "-o", out], args.repeat)
    rows.append(("radiomics-rs, 1 thread", ours1))
    rows.append((f"radiomics-rs, {os.cpu_count()} threads", oursn))

    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    have_pyrad = subprocess.run([args.python, "-c", "import radiomics"], capture_output=True).returncode == 0
    if have_pyrad:
        ver = subprocess.run([args.python, "-c", "import radiomics; print(radiomics.__version__)"],
                             capture_output=True, text=True).stdout.strip()
        pyr = median_run([args.python, "-c", PYRAD_SNIPPET, image, label, params], args.repeat, env)
        rows.append((f"PyRadiomics {ver}, 1 thread", pyr))
    else:
        print("PyRadiomics is not importable with", args.python, "- timing radiomics-rs only", file=sys.stderr)

    inproc = []
    if os.path.exists(args.timer):
        t = subprocess.run([args.timer, image, label, params, str(args.repeat)], capture_output=True, text=True,
                           env=dict(os.environ, RAYON_NUM_THREADS="1"))
        read_and_extract, extract = (float(x) for x in t.stdout.split())
        inproc.append(("radiomics-rs read + extract, 1 thread", read_and_extract))
        inproc.append(("radiomics-rs extract only, 1 thread", extract))
        t = subprocess.run([args.timer, image, label, params, str(args.repeat)], capture_output=True, text=True)
        inproc.append((f"radiomics-rs read + extract, {os.cpu_count()} threads", float(t.stdout.split()[0])))
    if have_pyrad:
        t = subprocess.run([args.python, "-c", PYRAD_INPROCESS, image, label, params, str(args.repeat)],
                           capture_output=True, text=True, env=env)
        inproc.append(("PyRadiomics execute() (reads the files), 1 thread", float(t.stdout.strip())))

    print(f"case: brain1 ({image}), params {os.path.basename(params)}, median of {args.repeat} runs")
    print("whole process (start-up, imports, file reading, features, CSV):")
    print(f"{'tool':40s} {'wall s':>8s} {'peak MiB':>9s} {'PyRadiomics / tool':>19s}")
    ref = rows[-1][1][0] if have_pyrad else None
    for name, (sec, mib, _) in rows:
        ratio = f"{ref / sec:.1f}x" if ref else "-"
        print(f"{name:40s} {sec:8.3f} {mib:9.1f} {ratio:>19s}")
    if inproc:
        print("in-process, after one warm-up run:")
        ref = inproc[-1][1] if have_pyrad else None
        for name, sec in inproc:
            ratio = f"{ref / sec:.1f}x" if ref else "-"
            print(f"{name:52s} {sec:8.4f} s {ratio:>8s}")
    if os.path.exists(out):
        os.unlink(out)


if __name__ == "__main__":
    main()
