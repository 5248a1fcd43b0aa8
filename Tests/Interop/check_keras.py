#!/usr/bin/env python3
"""Check a ckpt-written checkpoint against real Keras 3.

    check_keras.py --model M.json --weights W.weights.h5 [--npz W.npz]
                   [--plan P.json] [--reference R.json] [--tolerance 0.05]

Checks (each counts as one check; every failure prints one line
`FAIL <keras_path or name>: <why>`; the last line is `N passed, M failed`):

  load        keras.models.model_from_json(M) + model.load_weights(W) raises
              nothing; every Python warning is an error; anything Keras logs or
              prints during the load that mentions warn/skip/error/mismatch
              fails (other output is echoed to stderr as NOTE).
  roundtrip   model.save_weights(tmp.weights.h5): each Keras dataset exists in
              W with the same shape and the same values (W cast to the
              variable dtype, np.array_equal); W has no dataset Keras lacks.
              (If the load failed, values are not compared, only presence and
              shape.)
  --plan      plan (ckpt plan --json) and W list the same tensors; per tensor:
              shape (and dtype) equal the plan's; deterministic initializers
              (expected_std == 0 or zeros/ones/constant) -> every value equals
              expected_mean exactly; random ones -> values within `bounds`
              (when given) and, for >= 256 elements,
                |std/expected_std - 1| <= max(tol, 4*sqrt(1/(2n)))
                |mean - expected_mean| <= max(4*expected_std/sqrt(n), 1e-7)
              (the sqrt terms keep the false-alarm rate of the statistical
              checks below ~1e-4 per tensor; for n >= 3200 the std bound is
              exactly `tol`).
  --reference statistics of Keras's own initialization (Fixtures/keras/
              *.reference.json): shape equal for every tensor; constant
              reference -> every value equals the constant exactly; count >= 256
              and random -> |std/ref_std - 1| <= max(tol, 4*sqrt(1/n)) (both
              sides are samples).
  --npz       (needs --plan) keys == plan names; each array equals the W
              dataset at the plan's keras_path exactly (shape, dtype, values).

Exit status: 0 if nothing failed, 1 if any check failed, 2 on usage errors or
when keras/h5py/numpy cannot be imported. Uses KERAS_BACKEND=numpy unless the
environment sets another backend.
"""

import argparse
import contextlib
import io
import json
import logging
import math
import os
import re
import sys
import tempfile
import time
import warnings

from interop_common import Report, call_strictly, dataset_values, npz_tensor_keys

os.environ.setdefault("KERAS_BACKEND", "numpy")

try:
    import numpy as np
    import h5py
    import keras
except Exception as e:  # ImportError, or a backend that fails to import
    print(f"ERROR: cannot import numpy/h5py/keras ({type(e).__name__}: {e}). "
          "Create the venv with scripts/setup-python.sh and run this script "
          "with .venv/bin/python.", file=sys.stderr)
    sys.exit(2)

DETERMINISTIC_NAMES = {"zeros", "zero", "ones", "one", "constant"}
SUSPICIOUS_OUTPUT = re.compile(r"warn|skip|error|mismatch|could not",
                               re.IGNORECASE)
MIN_STAT_COUNT = 256




# --------------------------------------------------------------------------
# helpers

def read_datasets(path):
    """(open h5py.File, [dataset paths without leading slash]).

    Arrays are read one at a time by the callers, so huge files are never
    held in memory twice."""
    f = h5py.File(path, "r")
    names = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            names.append(name)
    f.visititems(visit)
    return f, names


def dtype_name(dt):
    try:
        return np.dtype(dt).name
    except TypeError:
        return str(dt)


def float_stats(a, chunk=1 << 20):
    """(mean, std, min, max) in float64 without a full float64 copy."""
    flat = np.asarray(a).reshape(-1)
    n = flat.size
    total = 0.0
    for i in range(0, n, chunk):
        total += float(np.sum(flat[i:i + chunk], dtype=np.float64))
    mean = total / n
    sq = 0.0
    for i in range(0, n, chunk):
        d = flat[i:i + chunk].astype(np.float64) - mean
        sq += float(np.dot(d, d))
    return mean, math.sqrt(sq / n), float(flat.min()), float(flat.max())


def norm_init_name(init):
    if not init:
        return ""
    name = init.get("name") if isinstance(init, dict) else str(init)
    return re.sub(r"[^a-z]", "", str(name or "").lower())


def fmt(x):
    return f"{x:.6g}"


@contextlib.contextmanager
def captured_output():
    """Capture Python- and fd-level stdout/stderr plus logging records."""
    buf = io.StringIO()
    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            try:
                records.append(f"{record.levelname}: {record.getMessage()}")
            except Exception:  # pragma: no cover
                records.append(f"{record.levelname}: {record.msg}")

    handler = Collect(level=logging.WARNING)
    loggers = [logging.getLogger(), logging.getLogger("absl")]
    for lg in loggers:
        lg.addHandler(handler)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    tmp = tempfile.TemporaryFile(mode="w+b")
    os.dup2(tmp.fileno(), 1)
    os.dup2(tmp.fileno(), 2)
    result = {"text": "", "records": records}
    try:
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
            yield result
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:
            pass
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
        tmp.seek(0)
        fd_text = tmp.read().decode("utf-8", "replace")
        tmp.close()
        for lg in loggers:
            lg.removeHandler(handler)
        result["text"] = buf.getvalue() + fd_text


# --------------------------------------------------------------------------
# checks

def load_model(model_path):
    try:
        with open(model_path, encoding="utf-8") as fh:
            text = fh.read()
        with captured_output() as out, \
                warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = keras.models.model_from_json(text)
    except Exception as e:
        print(f"ERROR: cannot build the model from {model_path}: "
              f"{type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(2)
    notes = [out["text"].strip()] + out["records"] + [
        f"warning: {w.message}" for w in caught]
    notes = [n for n in notes if n]
    if notes:  # the model JSON is ours to trust; only the load is judged
        print("NOTE while building the model: " + " | ".join(notes),
              file=sys.stderr)
    return model


def check_load(model, weights_path, report):
    """model.load_weights with warnings as errors and output captured."""
    _, problems, out = call_strictly(
        lambda: model.load_weights(weights_path), captured_output)
    text = out["text"].strip()
    if text and SUSPICIOUS_OUTPUT.search(text):
        problems.append(f"Keras printed during load: {text}")
    elif text:
        print(f"NOTE output during load: {text}", file=sys.stderr)
    for rec in dict.fromkeys(out["records"]):
        problems.append(f"Keras logged during load: {rec}")
    # One check; every problem gets its own FAIL line.
    for i, p in enumerate(problems):
        report.fail("load", p, count=(i == 0))
    if not problems:
        report.ok()
    return not problems


def check_roundtrip(model, ours, our_names, loaded, tmpdir, report):
    path = os.path.join(tmpdir, "keras_resaved.weights.h5")
    with captured_output(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save_weights(path)
    theirs, their_names = read_datasets(path)
    our_set = set(our_names)
    try:
        for name in their_names:
            ref = theirs[name]
            if name not in our_set:
                report.fail(name, f"dataset missing (Keras has shape "
                                  f"{list(ref.shape)} {ref.dtype})")
                continue
            mine = ours[name]
            if mine.shape != ref.shape:
                report.fail(name, f"shape {list(mine.shape)} != Keras "
                                  f"{list(ref.shape)}")
                continue
            if not loaded:
                report.ok()  # presence + shape only
                continue
            a = np.asarray(dataset_values(mine))
            b = np.asarray(dataset_values(ref))
            try:
                a_cast = a.astype(b.dtype, copy=False)
            except (TypeError, ValueError) as e:
                report.fail(name, f"cannot cast {a.dtype} to {b.dtype}: {e}")
                continue
            if np.array_equal(a_cast, b):
                report.ok()
            else:
                diff = int(np.count_nonzero(a_cast != b))
                report.fail(name, f"values differ after load+save "
                                  f"({diff} of {b.size} elements)")
        their_set = set(their_names)
        extra = [n for n in our_names if n not in their_set]
        for name in extra:
            report.fail(name, "dataset not in Keras's own file (extra)")
        if not extra:
            report.ok()
    finally:
        theirs.close()


def _plan_tensors(plan):
    tensors = plan.get("tensors")
    if not isinstance(tensors, list):
        raise ValueError("plan has no 'tensors' list")
    return tensors


def check_plan(plan, ours, our_names, tol, report):
    tensors = _plan_tensors(plan)
    plan_paths = [t.get("keras_path") for t in tensors]
    dupes = sorted({p for p in plan_paths if plan_paths.count(p) > 1})
    missing_in_plan = sorted(set(our_names) - set(plan_paths))
    problems = []
    if dupes:
        problems.append(f"duplicate keras_path(s) {dupes[:5]}")
    if missing_in_plan:
        problems.append(f"{len(missing_in_plan)} dataset(s) of the file not "
                        f"in the plan, e.g. {missing_in_plan[:5]}")
    report.check(not problems, "plan", "; ".join(problems))
    totals = plan.get("totals")
    if isinstance(totals, dict) and "tensors" in totals:
        report.check(totals["tensors"] == len(tensors), "plan",
                     f"totals.tensors {totals['tensors']} != "
                     f"{len(tensors)} listed")
    if isinstance(totals, dict) and "parameters" in totals:
        n = sum(int(np.prod(t.get("shape", []), dtype=np.int64))
                for t in tensors)
        report.check(totals["parameters"] == n, "plan",
                     f"totals.parameters {totals['parameters']} != {n} "
                     "(sum of shapes)")

    our_set = set(our_names)
    for t in tensors:
        path = t.get("keras_path")
        label = path or t.get("name") or "?"
        if path not in our_set:
            report.fail(label, "in the plan but not in the weights file")
            continue
        ds = ours[path]
        want_shape = list(t.get("shape", []))
        if list(ds.shape) != want_shape:
            report.fail(label, f"shape {list(ds.shape)} != plan {want_shape}")
            continue
        want_dtype = t.get("dtype")
        got_dtype = dtype_name(ds.dtype)
        if want_dtype and want_dtype != got_dtype and not (
                want_dtype == "bfloat16" and got_dtype in ("float32", "void16")):
            report.fail(label, f"dtype {got_dtype} != plan {want_dtype}")
            continue
        report.ok()
        check_plan_values(t, label, ds, tol, report)


def check_plan_values(t, label, ds, tol, report):
    init_name = norm_init_name(t.get("initializer"))
    exp_mean = float(t.get("expected_mean", 0.0) or 0.0)
    exp_std = t.get("expected_std")
    exp_std = float(exp_std) if exp_std is not None else None
    a = np.asarray(dataset_values(ds))
    n = a.size
    forget = re.search(r"forget gate \[(\d+), (\d+)\) = 1", str(t.get("distribution") or ""))
    if forget:
        # LSTM/ConvLSTM unit_forget_bias: ones on the forget gate's slice, the base elsewhere.
        lo, hi = int(forget.group(1)), int(forget.group(2))
        gate, rest = a[..., lo:hi], np.concatenate([a[..., :lo], a[..., hi:]], axis=-1)
        report.check(bool(np.all(gate == 1)), label, f"forget gate [{lo}, {hi}) is not all ones")
        if init_name in DETERMINISTIC_NAMES:
            params = (t.get("initializer") or {}).get("parameters") or {}
            base = {"zeros": 0.0, "ones": 1.0}.get(init_name, params.get("value", 0.0))
            bad = int(np.count_nonzero(rest != np.asarray(base).astype(a.dtype)))
            report.check(bad == 0, label, f"{bad} of {rest.size} values outside the forget gate != {fmt(base)}")
        return
    if exp_std == 0.0 or init_name in DETERMINISTIC_NAMES:
        target = np.asarray(exp_mean).astype(a.dtype)
        bad = int(np.count_nonzero(a != target))
        report.check(bad == 0, label,
                     f"{init_name or 'deterministic'} initializer: {bad} of "
                     f"{n} values != expected {fmt(exp_mean)} "
                     f"(min {fmt(float(a.min()))}, max {fmt(float(a.max()))})")
        return
    problems = []
    mean, std, mn, mx = float_stats(a)
    bounds = t.get("bounds")
    if bounds is not None:
        lo, hi = float(bounds[0]), float(bounds[1])
        slack = 1e-6 * max(abs(lo), abs(hi), 1e-30)  # float32 rounding
        if mn < lo - slack or mx > hi + slack:
            problems.append(f"values [{fmt(mn)}, {fmt(mx)}] outside bounds "
                            f"[{fmt(lo)}, {fmt(hi)}]")
    if not (math.isfinite(mean) and math.isfinite(std)):
        problems.append("non-finite values")
    elif n >= MIN_STAT_COUNT and exp_std is not None:
        std_tol = max(tol, 4.0 * math.sqrt(1.0 / (2.0 * n)))
        ratio = std / exp_std
        if abs(ratio - 1.0) > std_tol:
            problems.append(f"std {fmt(std)} vs expected {fmt(exp_std)} "
                            f"(ratio {ratio:.4f}, allowed ±{std_tol:.3f})")
        mean_tol = max(4.0 * exp_std / math.sqrt(n), 1e-7)
        if abs(mean - exp_mean) > mean_tol:
            problems.append(f"mean {fmt(mean)} vs expected {fmt(exp_mean)} "
                            f"(allowed ±{fmt(mean_tol)})")
    report.check(not problems, label, "; ".join(problems))


def check_reference(ref, ours, our_names, tol, report):
    our_set = set(our_names)
    for t in ref.get("tensors", []):
        path = t["keras_path"]
        if path not in our_set:
            report.fail(path, "in the reference but not in the weights file")
            continue
        ds = ours[path]
        if list(ds.shape) != list(t["shape"]):
            report.fail(path, f"shape {list(ds.shape)} != reference "
                              f"{list(t['shape'])}")
            continue
        report.ok()
        const = t.get("constant")
        if const is not None:
            a = np.asarray(dataset_values(ds))
            dt = np.dtype(t.get("dtype") or a.dtype)
            target = np.asarray(const).astype(dt)
            bad = int(np.count_nonzero(a.astype(dt) != target))
            report.check(bad == 0, path,
                         f"Keras initializes to the constant {const!r}; "
                         f"{bad} of {a.size} values differ")
        elif t["count"] >= MIN_STAT_COUNT and t.get("std"):
            _, std, _, _ = float_stats(dataset_values(ds))
            ratio = std / float(t["std"])
            std_tol = max(tol, 4.0 * math.sqrt(1.0 / t["count"]))
            report.check(abs(ratio - 1.0) <= std_tol, path,
                         f"std {fmt(std)} vs Keras {fmt(float(t['std']))} "
                         f"(ratio {ratio:.4f}, allowed ±{std_tol:.3f})")


def check_npz(npz_path, plan, ours, our_names, report):
    try:
        npz = np.load(npz_path, allow_pickle=False)
    except Exception as e:
        report.fail(os.path.basename(npz_path),
                    f"cannot load npz: {type(e).__name__}: {e}")
        return
    with npz:
        keys = set(npz_tensor_keys(npz, report))
        tensors = _plan_tensors(plan)
        names = [t.get("name") for t in tensors]
        problems = []
        if set(names) != keys:
            missing = sorted(set(names) - keys)
            extra = sorted(keys - set(names))
            if missing:
                problems.append(f"{len(missing)} plan name(s) missing, e.g. "
                                f"{missing[:5]}")
            if extra:
                problems.append(f"{len(extra)} unexpected key(s), e.g. "
                                f"{extra[:5]}")
        report.check(not problems, "npz", "; ".join(problems))
        our_set = set(our_names)
        for t in tensors:
            name = t.get("name")
            path = t.get("keras_path")
            if name not in keys:
                continue  # already reported above
            try:
                arr = npz[name]
            except Exception as e:
                report.fail(name, f"cannot read npz array: {e}")
                continue
            if path not in our_set:
                report.fail(name, f"keras_path {path} not in the weights file")
                continue
            h = ours[path]
            if arr.shape != h.shape:
                report.fail(name, f"npz shape {list(arr.shape)} != h5 "
                                  f"{list(h.shape)} at {path}")
            elif arr.dtype != h.dtype:
                report.fail(name, f"npz dtype {arr.dtype} != h5 {h.dtype} "
                                  f"at {path}")
            else:
                b = dataset_values(h)
                if np.array_equal(arr, b):
                    report.ok()
                else:
                    diff = int(np.count_nonzero(arr != b))
                    report.fail(name, f"npz values differ from h5 {path} "
                                      f"({diff} of {b.size} elements)")


# --------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Check a ckpt checkpoint against Keras 3.")
    ap.add_argument("--model", required=True, help="model JSON (to_json text)")
    ap.add_argument("--weights", required=True, help="X.weights.h5")
    ap.add_argument("--npz", help="X.npz (requires --plan)")
    ap.add_argument("--plan", help="output of `ckpt plan --json`")
    ap.add_argument("--reference", help="Fixtures/keras/<m>.reference.json")
    ap.add_argument("--tolerance", type=float, default=0.05,
                    help="relative std tolerance (default 0.05)")
    ap.add_argument("--time", action="store_true",
                    help="print elapsed seconds to stderr")
    args = ap.parse_args(argv)
    if args.npz and not args.plan:
        ap.error("--npz requires --plan")
    if not args.weights.endswith(".weights.h5"):
        ap.error("--weights must end in .weights.h5 (Keras dispatches on it)")
    for p in (args.model, args.weights, args.npz, args.plan, args.reference):
        if p and not os.path.isfile(p):
            ap.error(f"no such file: {p}")
    t0 = time.time()

    def load_json(p):
        try:
            with open(p, encoding="utf-8") as fh:
                return json.load(fh)
        except Exception as e:
            ap.error(f"cannot read JSON {p}: {e}")

    plan = load_json(args.plan) if args.plan else None
    ref = load_json(args.reference) if args.reference else None

    report = Report()
    try:
        ours, our_names = read_datasets(args.weights)
    except Exception as e:
        report.fail(os.path.basename(args.weights),
                    f"cannot open as HDF5: {type(e).__name__}: {e}")
        print(f"{report.passed} passed, {report.failed} failed")
        return 1

    with ours, tempfile.TemporaryDirectory(prefix="ckpt-check-") as tmpdir:
        model = load_model(args.model)
        loaded = check_load(model, args.weights, report)
        check_roundtrip(model, ours, our_names, loaded, tmpdir, report)
        del model
        if plan is not None:
            try:
                check_plan(plan, ours, our_names, args.tolerance, report)
            except (ValueError, TypeError, KeyError) as e:
                report.fail("plan", f"malformed plan: {type(e).__name__}: {e}")
        if ref is not None:
            check_reference(ref, ours, our_names, args.tolerance, report)
        if args.npz:
            try:
                check_npz(args.npz, plan, ours, our_names, report)
            except (ValueError, TypeError, KeyError) as e:
                report.fail("npz", f"malformed plan: {type(e).__name__}: {e}")

    if args.time:
        print(f"elapsed {time.time() - t0:.2f}s", file=sys.stderr)
    print(f"{report.passed} passed, {report.failed} failed", flush=True)
    return 0 if report.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
