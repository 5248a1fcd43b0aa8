#!/usr/bin/env python3
"""Check a file ckpt wrote with the real readers: Keras 3, h5py, NumPy and
safetensors.

    check_formats.py load-keras  --model M.json --file F.keras
    check_formats.py load-legacy --model M.json --file F.h5 [--full]
    check_formats.py safetensors --file F.safetensors|F.safetensors.index.json
                                 [--npz REF.npz]
    check_formats.py h5py        --file F [--verbose]
    check_formats.py npz         --file F.npz --npz REF.npz

Every failure prints one line `FAIL <what>: <why>`; remarks print `NOTE ...`;
the last line is `N passed, M failed`. Exit status: 0 if nothing failed, 1 if
any check failed, 2 on usage errors (missing file, wrong suffix, a model JSON
Keras cannot build) or when a module cannot be imported. Values are compared
exactly: same dtype, shape and little-endian C-order bytes (so NaN payloads
and -0.0 count), after casting to the variable dtype where Keras casts.

load-keras   The .keras archive is a zip with config.json and
             model.weights.h5. keras.models.load_model(F, compile=False)
             raises nothing, warns nothing and logs nothing suspicious (the
             capture helpers of check_keras.py); the loaded model has the
             layers (names, classes, nesting) and variables (paths, shapes,
             dtypes) of model_from_json(M); its weights, saved again by Keras,
             equal the archive's model.weights.h5 dataset by dataset (no
             dataset missing or extra). Then model_from_json(M).load_weights(F)
             the same way (check_keras.py's `load` and `roundtrip` checks).
load-legacy  F is a legacy Keras HDF5 file (weights-only, or a full model:
             model_config + model_weights). model_from_json(M).load_weights(F)
             with no warning; every variable then equals its dataset, mapped
             the way Keras maps them: the k-th layer of model.layers that has
             weights <-> the k-th name in layer_names whose weight_names is not
             empty; inside it, trainable_weights + non_trainable_weights <->
             weight_names in order. --full: also keras.models.load_model(F,
             compile=False) with no warning, the same structure as
             model_from_json(M) and the same values.
safetensors  safe_open(framework="numpy") opens the file (for an index: every
             shard it names; the index needs `metadata` and `weight_map`,
             metadata.total_size must equal the sum of the tensors' bytes,
             every weight_map entry must be in its shard and every shard tensor
             in the weight_map, mapped to that shard). Every tensor is read.
             --npz: the names equal the npz keys and every tensor equals the
             npz array of the same name (dtype, shape, bytes). The
             __metadata__ keys (and the index metadata keys) print as NOTE.
h5py         h5py opens F; every dataset is read completely and is numeric
             (bool/int/uint/float, or Keras' opaque 2-byte bfloat16 with the
             attribute dtype="bfloat16"); every attribute is readable. A
             summary (and with --verbose every dataset) prints as NOTE.
npz          numpy.load(F, allow_pickle=False) and numpy.load(REF, ...) have
             the same keys and equal arrays (dtype, shape, values; byte order
             differences are a NOTE); every member of F is a `.npy`.

Keras is imported (via check_keras.py) only by load-keras and load-legacy.
Uses KERAS_BACKEND=numpy unless the environment sets another backend.
"""

import argparse
import io
import json
import os
import struct
import sys
import tempfile

from interop_common import Report, call_strictly, dataset_values, npz_tensor_keys
import zipfile

os.environ.setdefault("KERAS_BACKEND", "numpy")
HERE = os.path.dirname(os.path.abspath(__file__))

try:
    import numpy as np
    import h5py
except Exception as e:  # pragma: no cover
    print(f"ERROR: cannot import numpy/h5py ({type(e).__name__}: {e}). "
          "Create the venv with scripts/setup-python.sh and run this script "
          "with .venv/bin/python.", file=sys.stderr)
    sys.exit(2)




def note(text):
    print("NOTE " + " ".join(str(text).split()), flush=True)


# --------------------------------------------------------------------------
# values

def le_bytes(a):
    """C-order little-endian bytes (bfloat16 as its 2-byte pattern)."""
    a = np.asarray(a)
    if a.dtype.name == "bfloat16":
        return np.ascontiguousarray(a).view(np.uint16).astype("<u2").tobytes()
    if a.dtype.kind == "V":
        return np.ascontiguousarray(a).tobytes()
    return np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()


def compare_arrays(mine, ref):
    """None if equal (dtype name, shape, bytes), else why not."""
    if mine.dtype.name != ref.dtype.name:
        return f"dtype {mine.dtype.name} != {ref.dtype.name}"
    if mine.shape != ref.shape:
        return f"shape {list(mine.shape)} != {list(ref.shape)}"
    if le_bytes(mine) == le_bytes(ref):
        return None
    a = np.asarray(mine).reshape(-1)
    b = np.asarray(ref).reshape(-1)
    if a.dtype.kind in "biuf":
        diff = int(np.count_nonzero(
            (a != b) & ~(np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f"
            else a != b))
        if diff == 0:
            return ("bytes differ though the values compare equal (-0.0 vs "
                    "0.0, or NaN payloads)")
        return f"values differ ({diff} of {b.size} elements differ)"
    return "values differ (bytes)"


def decode(s):
    return s.decode("utf-8", "replace") if isinstance(s, bytes) else str(s)


def h5_datasets(f):
    names = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            names.append(name)
    f.visititems(visit)
    return names


# --------------------------------------------------------------------------
# Keras (imported on demand)

def import_check_keras():
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    import check_keras  # exits 2 itself when keras cannot be imported
    return check_keras


def guarded(ck, fn, report, what):
    """Run fn() like check_keras.check_load runs load_weights: every warning
    is an error, output and logging are captured. Returns fn()'s value or
    None (after FAIL lines)."""
    result, problems, out = call_strictly(fn, ck.captured_output)
    text = out["text"].strip()
    if text and ck.SUSPICIOUS_OUTPUT.search(text):
        problems.append(f"Keras printed: {text}")
    elif text:
        note(f"output during {what}: {text}")
    for rec in dict.fromkeys(out["records"]):
        problems.append(f"Keras logged: {rec}")
    for i, p in enumerate(problems):
        report.fail(what, p, count=(i == 0))
    if problems:
        return None
    report.ok()
    return result


def layer_tree(model, keras):
    out = []
    for layer in model.layers:
        item = [layer.name, type(layer).__name__]
        if isinstance(layer, keras.Model):
            item.append(layer_tree(layer, keras))
        out.append(item)
    return out


def check_structure(model, reference, keras, report):
    """Layers (names, classes, nesting) and variables of two models."""
    a = [model.name, type(model).__name__, layer_tree(model, keras)]
    b = [reference.name, type(reference).__name__,
         layer_tree(reference, keras)]
    report.check(a == b, "structure",
                 f"layers {json.dumps(a)} != model JSON's {json.dumps(b)}")
    # Variable *paths* depend on how the model was built (a nested model
    # loaded from a legacy .h5 prefixes them with its name, one rebuilt from
    # JSON does not), so only names, shapes and dtypes are compared.
    va = [(v.name, list(v.shape), str(v.dtype)) for v in model.weights]
    vb = [(v.name, list(v.shape), str(v.dtype)) for v in reference.weights]
    if va == vb:
        report.ok()
    else:
        first = next((i for i, (x, y) in enumerate(zip(va, vb)) if x != y),
                     min(len(va), len(vb)))
        report.fail("variables", f"{len(va)} variables vs {len(vb)} in the "
                                 f"model JSON's model; first difference at "
                                 f"#{first}: {va[first:first + 1]} vs "
                                 f"{vb[first:first + 1]}")


def cmd_load_keras(args, report):
    ck = import_check_keras()
    import keras
    label = os.path.basename(args.file)
    try:
        z = zipfile.ZipFile(args.file)
    except Exception as e:
        report.fail(label, f"not a zip archive: {type(e).__name__}: {e}")
        return
    with z:
        infos = z.infolist()
        kinds = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED:
                 "deflated"}
        note("members: " + ", ".join(
            f"{i.filename} ({kinds.get(i.compress_type, i.compress_type)})"
            for i in infos))
        names = [i.filename for i in infos]
        config_ok = False
        if "config.json" in names:
            try:
                config = json.loads(z.read("config.json"))
                config_ok = isinstance(config, dict) and "class_name" in config
                why = "config.json has no class_name"
            except Exception as e:
                why = f"config.json is not JSON: {type(e).__name__}: {e}"
        else:
            why = "no config.json member"
        report.check(config_ok, label, why)
        weights = None
        if report.check("model.weights.h5" in names, label,
                        "no model.weights.h5 member"):
            try:
                weights = h5py.File(io.BytesIO(z.read("model.weights.h5")),
                                    "r")
            except Exception as e:
                report.fail(label, f"model.weights.h5 is not HDF5: "
                                   f"{type(e).__name__}: {e}")

    reference = ck.load_model(args.model)
    with tempfile.TemporaryDirectory(prefix="ckpt-check-") as tmpdir:
        r = report.scoped("load_model: ")
        loaded = guarded(ck, lambda: keras.models.load_model(
            args.file, compile=False), r, "load")
        if loaded is not None:
            check_structure(loaded, reference, keras, r)
            if weights is not None:
                ck.check_roundtrip(loaded, weights, h5_datasets(weights),
                                   True, tmpdir, r)
            del loaded
        r = report.scoped("load_weights: ")
        ok = ck.check_load(reference, args.file, r)
        if weights is not None:
            ck.check_roundtrip(reference, weights, h5_datasets(weights), ok,
                               tmpdir, r)
    if weights is not None:
        weights.close()


# --------------------------------------------------------------------------
# legacy HDF5

def str_list(value):
    """Attribute -> list of str (empty float arrays mean 'no weights')."""
    a = np.asarray(value)
    if a.dtype.kind == "f" and a.size == 0:
        return []
    if a.ndim != 1:
        raise ValueError(f"expected a 1-D string array, got shape "
                         f"{list(a.shape)} {a.dtype}")
    return [decode(s) for s in a]


def chunked_attr(group, name):
    """Keras splits attributes over 64 KB into name0, name1, ..."""
    if name in group.attrs:
        return str_list(group.attrs[name])
    if f"{name}0" not in group.attrs:
        return None
    out, i = [], 0
    while f"{name}{i}" in group.attrs:
        out += str_list(group.attrs[f"{name}{i}"])
        i += 1
    return out


def legacy_layout(f, full, report):
    """(weights root group, [(layer name, [weight names])] for the layers
    that have weights), or None after a FAIL."""
    if full:
        ok = report.check("model_config" in f.attrs, "model_config",
                          "root attribute model_config missing (needed by "
                          "load_model)")
        ok = report.check("model_weights" in f, "model_weights",
                          "group model_weights missing") and ok
        if ok:
            try:
                json.loads(decode(f.attrs["model_config"]))
                report.ok()
            except Exception as e:
                report.fail("model_config", f"not JSON: {e}")
    if "layer_names" in f.attrs or "layer_names0" in f.attrs:
        root = f
    elif "model_weights" in f:
        root = f["model_weights"]
    else:
        report.fail("layer_names", "no layer_names attribute at the root "
                                   "nor a model_weights group")
        return None
    try:
        names = chunked_attr(root, "layer_names")
    except ValueError as e:
        report.fail("layer_names", str(e))
        return None
    if names is None:
        report.fail("layer_names", f"attribute missing on {root.name}")
        return None
    layers = []
    for name in names:
        if name not in root:
            report.fail(name, f"listed in layer_names but no group "
                              f"{root.name.rstrip('/')}/{name}")
            return None
        try:
            wnames = chunked_attr(root[name], "weight_names") or []
        except ValueError as e:
            report.fail(name, f"weight_names: {e}")
            return None
        for w in wnames:
            if w not in root[name] or not isinstance(root[name][w],
                                                     h5py.Dataset):
                report.fail(f"{name}/{w}", "listed in weight_names but no "
                                           "such dataset")
                return None
        if wnames:
            layers.append((name, wnames))
    report.ok()
    return root, layers


def check_legacy_values(model, root, layers, report):
    """Every variable equals its dataset under Keras' legacy order mapping."""
    weighted = [layer for layer in model.layers if layer.weights]
    if not report.check(len(weighted) == len(layers), "layers",
                        f"the model has {len(weighted)} layers with weights, "
                        f"the file {len(layers)}"):
        return
    for layer, (fname, wnames) in zip(weighted, layers):
        variables = layer.trainable_weights + layer.non_trainable_weights
        if not report.check(len(variables) == len(wnames), fname,
                            f"{len(wnames)} weights in the file, layer "
                            f"{layer.name} has {len(variables)}"):
            continue
        for v, w in zip(variables, wnames):
            label = f"{fname}/{w}"
            stored = np.asarray(dataset_values(root[fname][w]))
            mine = np.asarray(keras_value(v))
            if stored.shape != mine.shape:
                report.fail(label, f"shape {list(stored.shape)} != variable "
                                   f"{v.path} {list(mine.shape)}")
                continue
            try:
                cast = stored.astype(mine.dtype)
            except (TypeError, ValueError) as e:
                report.fail(label, f"cannot cast {stored.dtype} to "
                                   f"{mine.dtype}: {e}")
                continue
            why = compare_arrays(mine, cast)
            report.check(why is None, label,
                         f"variable {v.path} after load: {why}")


def keras_value(v):
    import keras
    return keras.ops.convert_to_numpy(v)


def cmd_load_legacy(args, report):
    ck = import_check_keras()
    import keras
    label = os.path.basename(args.file)
    try:
        f = h5py.File(args.file, "r")
    except Exception as e:
        report.fail(label, f"cannot open as HDF5: {type(e).__name__}: {e}")
        return
    with f:
        layout = legacy_layout(f, args.full, report)
        model = ck.load_model(args.model)
        r = report.scoped("load_weights: ")
        if ck.check_load(model, args.file, r) and layout is not None:
            check_legacy_values(model, *layout, r)
        if args.full:
            r = report.scoped("load_model: ")
            loaded = guarded(ck, lambda: keras.models.load_model(
                args.file, compile=False), r, "load")
            if loaded is not None:
                check_structure(loaded, model, keras, r)
                if layout is not None:
                    check_legacy_values(loaded, *layout, r)


# --------------------------------------------------------------------------
# safetensors

def import_safe_open():
    try:
        from safetensors import safe_open
        import ml_dtypes  # noqa: F401  (bfloat16 tensors)
    except Exception as e:
        print(f"ERROR: cannot import safetensors/ml_dtypes ({type(e).__name__}"
              f": {e}). Create the venv with scripts/setup-python.sh.",
              file=sys.stderr)
        sys.exit(2)
    return safe_open


def raw_header(path):
    with open(path, "rb") as fh:
        (n,) = struct.unpack("<Q", fh.read(8))
        return json.loads(fh.read(n))


def read_safetensors(path, safe_open, report, label):
    """{name: array} of one file (every tensor read), or None after FAIL."""
    try:
        with safe_open(path, framework="numpy") as f:
            meta = f.metadata() or {}
            tensors = {}
            for name in f.keys():
                try:
                    tensors[name] = f.get_tensor(name)
                    report.ok()
                except Exception as e:
                    report.fail(name, f"cannot read from {label}: "
                                      f"{type(e).__name__}: {e}")
    except Exception as e:
        report.fail(label, f"safe_open failed: {type(e).__name__}: {e}")
        return None
    report.ok()
    note(f"{label} __metadata__ keys: "
         f"{', '.join(sorted(meta)) if meta else '(none)'}")
    for k in sorted(meta):
        note(f"{label} __metadata__ {k} = {json.dumps(meta[k])}")
    return tensors


def cmd_safetensors(args, report):
    safe_open = import_safe_open()
    tensors = {}
    label = os.path.basename(args.file)
    if args.file.endswith(".index.json"):
        try:
            with open(args.file, encoding="utf-8") as fh:
                index = json.load(fh)
        except Exception as e:
            report.fail(label, f"not JSON: {type(e).__name__}: {e}")
            return
        meta = index.get("metadata") if isinstance(index, dict) else None
        wmap = index.get("weight_map") if isinstance(index, dict) else None
        ok = report.check(isinstance(meta, dict), label,
                          "no 'metadata' object")
        ok = report.check(isinstance(wmap, dict) and all(
            isinstance(k, str) and isinstance(v, str)
            for k, v in wmap.items()), label,
            "no 'weight_map' object of name -> shard file") and ok
        if not ok:
            return
        note(f"{label} metadata keys: {', '.join(sorted(meta)) or '(none)'}")
        base = os.path.dirname(os.path.abspath(args.file))
        shards = list(dict.fromkeys(wmap.values()))
        total = 0
        for shard in shards:
            path = os.path.join(base, shard)
            if not report.check(os.path.isfile(path), shard,
                                "shard named by the index does not exist"):
                continue
            got = read_safetensors(path, safe_open, report, shard)
            if got is None:
                continue
            header = raw_header(path)
            header.pop("__metadata__", None)
            total += sum(int(h["data_offsets"][1]) - int(h["data_offsets"][0])
                         for h in header.values())
            wanted = [n for n, s in wmap.items() if s == shard]
            missing = [n for n in wanted if n not in got]
            report.check(not missing, shard,
                         f"{len(missing)} weight_map entries not in the "
                         f"shard, e.g. {missing[:5]}")
            stray = [n for n in got if wmap.get(n) != shard]
            report.check(not stray, shard,
                         f"{len(stray)} tensors not mapped to this shard by "
                         f"the index, e.g. {stray[:5]}")
            for n in got:
                if wmap.get(n) == shard:
                    tensors[n] = got[n]
        if "total_size" in meta:
            ts = meta["total_size"]
            report.check(isinstance(ts, int) and not isinstance(ts, bool)
                         and ts == total, "metadata.total_size",
                         f"{json.dumps(ts)} != {total} (sum of the tensors' "
                         "bytes)")
        else:
            report.fail("metadata.total_size", "missing")
    else:
        got = read_safetensors(args.file, safe_open, report, label)
        if got is None:
            return
        tensors = got
    if args.npz:
        compare_with_npz(tensors, args.npz, report)


def compare_with_npz(tensors, npz_path, report):
    try:
        ref = np.load(npz_path, allow_pickle=False)
    except Exception as e:
        report.fail(os.path.basename(npz_path),
                    f"cannot load npz: {type(e).__name__}: {e}")
        return
    with ref:
        keys = npz_tensor_keys(ref, report)
        missing = [k for k in keys if k not in tensors]
        extra = [k for k in tensors if k not in set(keys)]
        report.check(not missing and not extra, "names",
                     f"{len(missing)} npz keys missing, e.g. {missing[:5]}; "
                     f"{len(extra)} tensors not in the npz, e.g. {extra[:5]}")
        for k in keys:
            if k not in tensors:
                continue
            a = tensors[k]
            b = ref[k]
            if a.dtype.name == "bfloat16" and b.dtype.kind == "V" and \
                    b.dtype.itemsize == 2:
                note(f"{k}: npz stores bfloat16 as {b.dtype.str}; compared "
                     "as raw 2-byte patterns")
                b = b.view(a.dtype)
            why = compare_arrays(a, b)
            report.check(why is None, k, f"vs npz: {why}")


# --------------------------------------------------------------------------
# h5py

def is_numeric(ds):
    dt = ds.dtype
    if dt.kind in "biuf":
        return True
    return (dt.kind == "V" and dt.itemsize == 2 and dt.fields is None and
            decode(ds.attrs.get("dtype", "")) == "bfloat16")


def cmd_h5py(args, report):
    label = os.path.basename(args.file)
    try:
        f = h5py.File(args.file, "r")
    except Exception as e:
        report.fail(label, f"cannot open as HDF5: {type(e).__name__}: {e}")
        return
    report.ok()
    with f:
        groups, datasets, links = [], [], []

        def visit(name, obj):
            (datasets if isinstance(obj, h5py.Dataset) else groups).append(
                name)
        f.visititems(visit)
        if hasattr(f, "visititems_links"):
            def visit_links(name, link):
                if isinstance(link, (h5py.SoftLink, h5py.ExternalLink)):
                    links.append(f"{name} ({type(link).__name__})")
            f.visititems_links(visit_links)
        dtypes = {}
        elements = 0
        nbytes = 0
        for name in datasets:
            ds = f[name]
            try:
                a = dataset_values(ds)
            except Exception as e:
                report.fail(name, f"cannot read: {type(e).__name__}: {e}")
                continue
            a = np.asarray(a)
            if not report.check(is_numeric(ds), name,
                                f"not numeric: {ds.dtype}"):
                continue
            key = ("bfloat16" if ds.dtype.kind == "V" else ds.dtype.name) + \
                (" big-endian" if ds.dtype.byteorder == ">" else "")
            dtypes[key] = dtypes.get(key, 0) + 1
            elements += a.size
            nbytes += a.nbytes
            if args.verbose:
                extra = []
                if ds.chunks:
                    extra.append(f"chunks {list(ds.chunks)}")
                if ds.compression:
                    extra.append(ds.compression)
                note(f"{name} {key} {list(ds.shape)}"
                     + (f" ({', '.join(extra)})" if extra else ""))
        bad_attrs = []
        n_attrs = 0
        for name in ["/"] + groups + datasets:
            obj = f[name]
            for k in obj.attrs.keys():
                n_attrs += 1
                try:
                    obj.attrs[k]
                except Exception as e:
                    bad_attrs.append(f"{name}@{k}: {type(e).__name__}: {e}")
        report.check(not bad_attrs, "attributes",
                     f"unreadable: {'; '.join(bad_attrs[:5])}")
        note(f"{label}: {len(datasets)} datasets ({elements} elements, "
             f"{nbytes} bytes) in {len(groups)} groups, {n_attrs} "
             "attributes; dtypes: " + ", ".join(
                 f"{k} x{v}" for k, v in sorted(dtypes.items())))
        if links:
            note(f"links (Keras rejects them): {', '.join(links[:10])}")


# --------------------------------------------------------------------------
# npz

def cmd_npz(args, report):
    label = os.path.basename(args.file)
    try:
        with zipfile.ZipFile(args.file) as z:
            names = z.namelist()
    except Exception as e:
        report.fail(label, f"not a zip archive: {type(e).__name__}: {e}")
        return
    odd = [n for n in names if not n.endswith(".npy")]
    report.check(not odd, label, f"members that are not .npy: {odd[:5]}")
    try:
        mine = np.load(args.file, allow_pickle=False)
        ref = np.load(args.npz, allow_pickle=False)
    except Exception as e:
        report.fail(label, f"numpy.load failed: {type(e).__name__}: {e}")
        return
    with mine, ref:
        ours, theirs = npz_tensor_keys(mine, report), npz_tensor_keys(ref)
        missing = [k for k in theirs if k not in set(ours)]
        extra = [k for k in ours if k not in set(theirs)]
        report.check(not missing and not extra, "keys",
                     f"{len(missing)} reference keys missing, e.g. "
                     f"{missing[:5]}; {len(extra)} extra, e.g. {extra[:5]}")
        if not missing and not extra and ours != theirs:
            note("same keys in a different member order")
        for k in extra:  # still must be loadable without pickle
            try:
                mine[k]
            except Exception as e:
                report.fail(k, f"cannot read: {type(e).__name__}: {e}")
        for k in theirs:
            if k not in set(ours):
                continue
            try:
                a = mine[k]
            except Exception as e:
                report.fail(k, f"cannot read: {type(e).__name__}: {e}")
                continue
            b = ref[k]
            if a.dtype.name == b.dtype.name and \
                    a.dtype.byteorder != b.dtype.byteorder and \
                    a.dtype.itemsize > 1:
                note(f"{k}: byte order {a.dtype.str} vs reference "
                     f"{b.dtype.str}")
            why = compare_arrays(a, b)
            report.check(why is None, k, f"vs reference: {why}")


# --------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Check a ckpt-written file with Keras 3, h5py, NumPy "
                    "and safetensors.")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("load-keras", help="a .keras archive")
    p.add_argument("--model", required=True, help="model JSON (to_json text)")
    p.add_argument("--file", required=True, help="F.keras")
    p = sub.add_parser("load-legacy", help="a legacy Keras .h5 file")
    p.add_argument("--model", required=True, help="model JSON (to_json text)")
    p.add_argument("--file", required=True, help="F.h5")
    p.add_argument("--full", action="store_true",
                   help="a full model: also keras.models.load_model")
    p = sub.add_parser("safetensors", help="a .safetensors file or index")
    p.add_argument("--file", required=True,
                   help="F.safetensors or F.safetensors.index.json")
    p.add_argument("--npz", help="reference .npz with the same names")
    p = sub.add_parser("h5py", help="any HDF5 file")
    p.add_argument("--file", required=True)
    p.add_argument("--verbose", action="store_true",
                   help="one NOTE line per dataset")
    p = sub.add_parser("npz", help="an .npz file against a reference")
    p.add_argument("--file", required=True, help="F.npz")
    p.add_argument("--npz", required=True, help="reference .npz")
    args = ap.parse_args(argv)

    for name in ("model", "file", "npz"):
        path = getattr(args, name, None)
        if path and not os.path.isfile(path):
            ap.error(f"no such file: {path}")
    if args.command == "load-keras" and not args.file.endswith(".keras"):
        ap.error("--file must end in .keras (Keras dispatches on it)")
    if args.command == "load-legacy" and (
            not args.file.endswith((".h5", ".hdf5")) or
            args.file.endswith(".weights.h5")):
        ap.error("--file must end in .h5 or .hdf5 but not .weights.h5 "
                 "(Keras dispatches on it)")

    report = Report()
    {
        "load-keras": cmd_load_keras,
        "load-legacy": cmd_load_legacy,
        "safetensors": cmd_safetensors,
        "h5py": cmd_h5py,
        "npz": cmd_npz,
    }[args.command](args, report)
    print(f"{report.passed} passed, {report.failed} failed", flush=True)
    return 0 if report.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
