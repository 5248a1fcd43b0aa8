#!/usr/bin/env python3
"""Check that ckpt plans every keras.applications model exactly as Keras saves it.

    check_applications.py --ckpt PATH [--only ResNet50,ConvNeXtTiny] [--exclude ...]

For every model in keras.applications (built with weights=None, default input
shape, include_top): model.to_json() goes to `ckpt plan --json`, and the plan's
(keras_path, shape, dtype) set must equal the datasets Keras' saving_lib
writes for `save_weights(...weights.h5)`. The Keras side is recorded by
running saving_lib._save_state with an in-memory store (same walk, same
paths, no multi-GB files). With --load, it also writes each model's checkpoint
with `ckpt init` (.weights.h5, in --dir) and loads it into the Keras model with
every warning an error. Prints one line per model and `N passed, M failed`;
exit status 1 if any model failed.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

os.environ.setdefault("KERAS_BACKEND", "numpy")

import keras  # noqa: E402
from keras.src.saving import saving_lib  # noqa: E402

MODELS = [
    "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtSmall", "ConvNeXtTiny", "ConvNeXtXLarge",
    "DenseNet121", "DenseNet169", "DenseNet201",
    "EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3",
    "EfficientNetB4", "EfficientNetB5", "EfficientNetB6", "EfficientNetB7",
    "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3",
    "EfficientNetV2L", "EfficientNetV2M", "EfficientNetV2S",
    "InceptionResNetV2", "InceptionV3",
    "MobileNet", "MobileNetV2", "MobileNetV3Large", "MobileNetV3Small",
    "NASNetLarge", "NASNetMobile",
    "ResNet101", "ResNet101V2", "ResNet152", "ResNet152V2", "ResNet50", "ResNet50V2",
    "VGG16", "VGG19", "Xception",
]


class RecordingStore(saving_lib.NpzIOStore):
    """saving_lib's store interface, keeping (path, shape, dtype) instead of writing."""

    def __init__(self):  # no file
        self.records = {}

    def make(self, path, metadata=None):
        store = self

        class Group(dict):
            def __setitem__(self, key, value):
                full = f"{path}/vars/{key}" if path else f"vars/{key}"
                store.records[full] = (list(value.shape), str(value.dtype))

        return Group()

    def get(self, path):
        return {}

    def close(self):
        pass


def keras_datasets(model):
    store = RecordingStore()
    saving_lib._save_state(model, weights_store=store, assets_store=None,
                           inner_path="", visited_saveables=set())
    return store.records


def plan_datasets(ckpt, json_text, tmpdir):
    spec = os.path.join(tmpdir, "model.json")
    with open(spec, "w", encoding="utf-8") as f:
        f.write(json_text)
    run = subprocess.run([ckpt, "plan", spec, "--json"], capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(run.stderr.strip())
    plan = json.loads(run.stdout)
    entries = plan.get("tensors") or plan.get("entries") or []
    names = [e["name"] for e in entries]
    if len(set(names)) != len(names):
        raise RuntimeError("canonical names are not unique")
    return {e["keras_path"]: (list(e["shape"]), e["dtype"]) for e in entries}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("--exclude", default="")
    ap.add_argument("--load", action="store_true",
                    help="also ckpt init each model and load it with Keras")
    ap.add_argument("--dir", default=None, help="where --load writes (default: a temporary folder)")
    args = ap.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or MODELS
    excluded = {n for n in args.exclude.split(",") if n}
    available = {n for n in dir(keras.applications) if n[0].isupper()}
    missing = set(MODELS) - available
    extra = available - set(MODELS)
    if missing or extra:
        print(f"NOTE keras.applications differs from the list: missing {sorted(missing)}, new {sorted(extra)}")
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmpdir:
        for name in names:
            if name in excluded:
                continue
            start = time.time()
            keras.backend.clear_session()
            try:
                model = getattr(keras.applications, name)(weights=None)
                expected = keras_datasets(model)
                text = model.to_json()
                ours = plan_datasets(args.ckpt, text, tmpdir)
                if args.load:
                    out = os.path.join(args.dir or tmpdir, name + ".weights.h5")
                    spec = os.path.join(tmpdir, "model.json")
                    run = subprocess.run([args.ckpt, "init", spec, "-o", out, "--force", "-q"],
                                         capture_output=True, text=True)
                    if run.returncode != 0:
                        raise RuntimeError("ckpt init: " + run.stderr.strip())
                    with warnings.catch_warnings():
                        warnings.simplefilter("error")
                        model.load_weights(out)
                    os.remove(out)
                del model
            except Exception as error:  # noqa: BLE001 - report and go on
                failed += 1
                print(f"FAIL {name}: {error}", flush=True)
                continue
            wrong = [(k, ours.get(k), v) for k, v in expected.items() if ours.get(k) != v]
            wrong += [(k, v, None) for k, v in ours.items() if k not in expected]
            if wrong:
                failed += 1
                print(f"FAIL {name}: {len(wrong)} differences, e.g. {wrong[:3]}", flush=True)
            else:
                passed += 1
                loaded = ", loaded by Keras" if args.load else ""
                print(f"ok   {name}: {len(expected)} tensors, "
                      f"{sum(1 for _ in expected)} paths equal{loaded} ({time.time() - start:.0f}s)", flush=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
