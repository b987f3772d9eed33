"""Side-by-side timing of the preprocessing steps: radiomics-rs against SimpleITK.

Usage (from the workspace root, after `cargo build --release -p radiomics --no-default-features
--features cli,preproc`; set `RADIOMICS_BIN` to use another binary):

    python3 benches/simpleitk_compare.py [DATA_DIR] [--repeats N]

DATA_DIR defaults to ../shared/data. Needs SimpleITK and numpy (`pip install SimpleITK`); when
SimpleITK is missing only the radiomics-rs times are printed. Each step is run as a whole command
on the same files (read, compute, write), `--repeats` times (default 3), alternating radiomics-rs
and SimpleITK so that both see the same machine load, and the median wall time of each is
reported with the ratio SimpleITK / radiomics-rs (> 1 means radiomics-rs is faster). Both use
all cores of the machine. The load average is printed first. Settings are the same on both sides:

* resample: raw T1 to 1 x 1 x 1 mm, linear, origin kept;
* n4: raw T1, mask = voxels above the mean, shrink 4, iterations [50, 50, 50, 50], full-resolution
  field from the lattice;
* register: raw T2 onto raw T1C, Euler 3-D centred on the geometry, Mattes MI 50 bins, linear
  interpolation, REGULAR sampling of the same fraction of each level's voxels (1e5 / voxels of
  the fixed image, i.e. about 100 000 samples at full resolution), shrink [4, 2, 1], sigmas
  [2, 1, 0] mm. Two differences remain, both imposed by the tools: the optimiser (SimpleITK:
  regular-step gradient descent, up to 200 iterations per level; radiomics-rs: argmin's L-BFGS,
  up to 100 iterations per level) and the pyramid of the 5.5 mm slices (SimpleITK shrinks every
  axis by the factor; radiomics-rs does not merge thick slices, so its coarse levels contain up to
  4 times more voxels and samples);
* match-histogram: raw T2 to raw T1, 256 levels, 1 match point, threshold at mean.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("RADIOMICS_BIN", os.path.join(ROOT, "target", "release", "radiomics"))


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def run_rs(args):
    subprocess.run([BIN, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    repeats = 3
    if "--repeats" in sys.argv:
        repeats = int(sys.argv[sys.argv.index("--repeats") + 1])
    data = args[0] if args else os.path.join(ROOT, "..", "shared", "data")
    raw = os.path.join(data, "brats_case", "raw")
    t1, t1c, t2 = (os.path.join(raw, f"{m}.nii.gz") for m in ("t1", "t1c", "t2"))
    try:
        import numpy as np
        import SimpleITK as sitk
    except ImportError:
        sitk = None
    tmp = tempfile.mkdtemp()
    out = lambda name: os.path.join(tmp, name)

    # The N4 mask (voxels above the mean of raw T1) is written once and used by both tools.
    if sitk is not None:
        img = sitk.ReadImage(t1)
        arr = sitk.GetArrayFromImage(img).astype(np.float64)
        mask = sitk.GetImageFromArray((arr > arr.mean()).astype(np.uint8))
        mask.CopyInformation(img)
        sitk.WriteImage(mask, out("mask.nii.gz"))

    steps = {
        "resample": ["resample", t1, "-o", out("rs_resample.nii.gz"), "--spacing", "1,1,1"],
        "n4": ["n4", t1, "-o", out("rs_n4.nii.gz"), "--mask", out("mask.nii.gz"), "--shrink", "4"],
        "register": ["register", t1c, t2, "-o", out("rs_reg.nii.gz"), "--transform-out", out("rs.tfm")],
        "match-histogram": ["match-histogram", t2, t1, "-o", out("rs_hm.nii.gz")],
    }

    def sitk_resample():
        im = sitk.Cast(sitk.ReadImage(t1), sitk.sitkFloat32)
        size = [int(round(n * s)) for n, s in zip(im.GetSize(), im.GetSpacing())]
        r = sitk.Resample(im, size, sitk.Transform(), sitk.sitkLinear, im.GetOrigin(), (1.0, 1.0, 1.0), im.GetDirection(), 0.0, sitk.sitkFloat32)
        sitk.WriteImage(r, out("sitk_resample.nii.gz"))

    def sitk_n4():
        im = sitk.Cast(sitk.ReadImage(t1), sitk.sitkFloat32)
        m = sitk.ReadImage(out("mask.nii.gz"), sitk.sitkUInt8)
        n4 = sitk.N4BiasFieldCorrectionImageFilter()
        n4.SetMaximumNumberOfIterations([50, 50, 50, 50])
        n4.Execute(sitk.Shrink(im, [4] * 3), sitk.Shrink(m, [4] * 3))
        log_bias = n4.GetLogBiasFieldAsImage(im)
        sitk.WriteImage(im / sitk.Exp(log_bias), out("sitk_n4.nii.gz"))

    def sitk_register():
        fixed = sitk.Cast(sitk.ReadImage(t1c), sitk.sitkFloat32)
        moving = sitk.Cast(sitk.ReadImage(t2), sitk.sitkFloat32)
        init = sitk.CenteredTransformInitializer(fixed, moving, sitk.Euler3DTransform(), sitk.CenteredTransformInitializerFilter.GEOMETRY)
        reg = sitk.ImageRegistrationMethod()
        reg.SetMetricAsMattesMutualInformation(50)
        reg.SetMetricSamplingStrategy(reg.REGULAR)
        reg.SetMetricSamplingPercentage(min(1.0, 1e5 / fixed.GetNumberOfPixels()))
        reg.SetInterpolator(sitk.sitkLinear)
        reg.SetOptimizerAsRegularStepGradientDescent(1.0, 1e-4, 200)
        reg.SetOptimizerScalesFromPhysicalShift()
        reg.SetShrinkFactorsPerLevel([4, 2, 1])
        reg.SetSmoothingSigmasPerLevel([2, 1, 0])
        reg.SmoothingSigmasAreSpecifiedInPhysicalUnitsOn()
        reg.SetInitialTransform(init, inPlace=False)
        t = reg.Execute(fixed, moving)
        sitk.WriteImage(sitk.Resample(moving, fixed, t, sitk.sitkLinear, 0.0), out("sitk_reg.nii.gz"))
        sitk.WriteTransform(t, out("sitk.tfm"))

    def sitk_match():
        src = sitk.Cast(sitk.ReadImage(t2), sitk.sitkFloat32)
        ref = sitk.Cast(sitk.ReadImage(t1), sitk.sitkFloat32)
        sitk.WriteImage(sitk.HistogramMatching(src, ref, 256, 1, True), out("sitk_hm.nii.gz"))

    sitk_steps = {"resample": sitk_resample, "n4": sitk_n4, "register": sitk_register, "match-histogram": sitk_match}
    print("load average (1, 5, 15 min):", " ".join(f"{v:.2f}" for v in os.getloadavg()))
    print(f"| step | radiomics-rs (s) | SimpleITK {sitk.Version.VersionString() if sitk else '-'} (s) | ratio SimpleITK / radiomics-rs |")
    print("|---|---|---|---|")
    for name, cli in steps.items():
        rs_times, st_times = [], []
        for _ in range(repeats):
            rs_times.append(timed(lambda: run_rs(cli)))
            if sitk is not None:
                st_times.append(timed(sitk_steps[name]))
        rs = statistics.median(rs_times)
        if sitk is not None:
            st = statistics.median(st_times)
            print(f"| {name} | {rs:.3f} | {st:.3f} | {st / rs:.2f} |")
        else:
            print(f"| {name} | {rs:.3f} | - | - |")
    print("load average (1, 5, 15 min):", " ".join(f"{v:.2f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
