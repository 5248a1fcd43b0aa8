"""tf.keras (Keras 2) and Keras 3 load the legacy .h5 files ckpt writes from Keras 2 model JSON.

Usage:
    check_tfkeras.py load-full    --file F.h5 [--keras 2|3]
    check_tfkeras.py load-weights --model M.json --file W.h5

load-full     F is a full-model legacy .h5. With --keras 2 (the default; run with the
              .venv-tf Python of scripts/setup-python-tf.sh): tf_keras.models.load_model(F,
              compile=False). With --keras 3 (the .venv Python): keras.models.load_model(F,
              compile=False), Keras 3's legacy loader. Either must raise nothing, warn nothing
              and log no warning, and every variable must then equal its dataset in F.
load-weights  tf_keras.models.model_from_json(M).load_weights(W) for a weights-only (or full)
              .h5, under the same rules, and every variable equals its dataset.

Variables are mapped to datasets as Keras' legacy loader maps them: the k-th layer of
model.layers that has weights <-> the k-th name of layer_names whose weight_names is not empty;
inside a layer, trainable_weights + non_trainable_weights <-> weight_names in order. Values are
compared exactly. Prints `FAIL what: why` per failure and ends with `N passed, M failed`;
exit 0 if nothing failed, 1 otherwise, 2 on usage errors.
"""

import argparse
import io
import logging
import os
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import numpy as np  # noqa: E402


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what, why=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {what}: {why}")

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 0 if self.failed == 0 else 1


def strictly(fn):
    """fn() with every warning an error and every log record at WARNING or above captured.
    Returns (result, problems)."""
    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.WARNING:
                records.append(record.getMessage())

    handler = Collect()
    loggers = [logging.getLogger(), logging.getLogger("tensorflow"), logging.getLogger("absl")]
    for logger in loggers:
        logger.addHandler(handler)
    stderr, sys.stderr = sys.stderr, io.StringIO()
    problems = []
    result = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = fn()
    except Exception as e:  # noqa: BLE001 - every failure is reported
        problems.append(f"{type(e).__name__}: {e}")
    finally:
        printed = sys.stderr.getvalue()
        sys.stderr = stderr
        for logger in loggers:
            logger.removeHandler(handler)
    problems += [f"logged: {m}" for m in records]
    problems += [f"printed: {line}" for line in printed.splitlines()
                 if "warning" in line.lower() or "error" in line.lower()]
    return result, problems


def check_values(report, model, path):
    with h5py.File(path, "r") as f:
        group = f["model_weights"] if "model_weights" in f else f
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["layer_names"]]
        weighted = []
        for name in names:
            weight_names = [w.decode() if isinstance(w, bytes) else w for w in group[name].attrs["weight_names"]]
            if weight_names:
                weighted.append((name, weight_names))
        layers = [layer for layer in model.layers if layer.weights]
        report.check(len(layers) == len(weighted), "layers",
                     f"{len(layers)} weighted layers in the model, {len(weighted)} in the file")
        count = 0
        for layer, (name, weight_names) in zip(layers, weighted):
            variables = layer.trainable_weights + layer.non_trainable_weights
            report.check(len(variables) == len(weight_names), f"layer {layer.name}",
                         f"{len(variables)} variables, {len(weight_names)} weight_names in {name}")
            for variable, weight_name in zip(variables, weight_names):
                stored = group[name][weight_name][()]
                value = np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable)
                same = value.shape == stored.shape and np.array_equal(value.astype(stored.dtype), stored)
                report.check(same, f"{layer.name}/{weight_name}",
                             f"model {value.shape} differs from the file's {stored.shape}")
                count += 1
        report.check(count > 0, "variables", "no variable was compared")
        print(f"NOTE {count} variables compared in {len(layers)} layers")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["load-full", "load-weights"])
    parser.add_argument("--file", required=True)
    parser.add_argument("--model")
    parser.add_argument("--keras", choices=["2", "3"], default="2")
    args = parser.parse_args()
    if not os.path.exists(args.file) or (args.command == "load-weights" and not args.model):
        print("usage: see the module docstring", file=sys.stderr)
        return 2
    report = Report()
    if args.command == "load-full" and args.keras == "3":
        import keras
        model, problems = strictly(lambda: keras.models.load_model(args.file, compile=False))
    else:
        import tf_keras
        if args.command == "load-full":
            model, problems = strictly(lambda: tf_keras.models.load_model(args.file, compile=False))
        else:
            with open(args.model) as f:
                text = f.read()

            def load():
                built = tf_keras.models.model_from_json(text)
                built.load_weights(args.file)
                return built
            model, problems = strictly(load)
    report.check(not problems, f"{args.command} (Keras {args.keras})", "; ".join(problems))
    if model is not None:
        check_values(report, model, args.file)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
