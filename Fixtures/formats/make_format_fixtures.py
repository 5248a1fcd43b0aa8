#!/usr/bin/env python3
"""Regenerate ckpt's format fixtures (Fixtures/formats/): files written by the
real tools (Keras 3, tf.keras 2, NumPy, safetensors, huggingface_hub, h5py)
plus manifest.json, which lists every tensor of every file with its name as a
reader should expose it, dtype, shape and SHA-256 (see README.md there).

Run from the repository root:

    .venv/bin/python Fixtures/formats/make_format_fixtures.py \
        [--only keras3,numpy,safetensors,h5py] [--tf-python PY] [--out DIR]

Everything but the tf.keras files is made in ckpt's venv (numpy backend,
KERAS_BACKEND=numpy unless already set). The tf.keras files need TensorFlow,
which CI never installs: pass --tf-python with the python of a throwaway venv
that has `tensorflow-cpu` and `tf_keras` (e.g. /tmp/tfk/bin/python); this
script then reruns itself there (`--tfkeras-worker`, TF_USE_LEGACY_KERAS=1) to
write them. Without --tf-python the committed tf.keras files are kept and only
their manifest entries are recomputed. manifest.json is always rebuilt from
the files present, so it describes exactly what is committed.
"""

import argparse
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SEED = 1234

KERAS3_FILES = ["keras3_nested.weights.h5", "keras3_nested.keras",
                "keras3_nested.h5", "keras3_nested_weights_only.h5"]
TFKERAS_FILES = ["tfkeras_small_weights.h5", "tfkeras_small_full.h5",
                 "tfkeras_small.json"]
NUMPY_FILES = ["numpy_savez.npz", "numpy_savez_compressed.npz"]
SHARD_PATTERN = "st_sharded{suffix}.safetensors"
SHARD_MAX_BYTES = 4000  # the split below gives exactly 3 shards
SAFETENSORS_FILES = ["st_single.safetensors"] + [
    SHARD_PATTERN.format(suffix=f"-{i:05d}-of-00003") for i in (1, 2, 3)] + [
    SHARD_PATTERN.format(suffix="") + ".index.json"]
H5PY_FILES = ["h5py_plain.h5", "h5py_layouts.h5"]
GROUPS = {
    "keras3": KERAS3_FILES,
    "tfkeras": TFKERAS_FILES,
    "numpy": NUMPY_FILES,
    "safetensors": SAFETENSORS_FILES,
    "h5py": H5PY_FILES,
}

NAMING = {
    "hash": "sha256 = SHA-256 of the tensor's elements in C order, "
            "little-endian: np.ascontiguousarray(a).astype("
            "a.dtype.newbyteorder('<')).tobytes(); bfloat16 as its 2-byte "
            "pattern (little-endian uint16), bool as 1 byte 0/1. dtype is the "
            "numpy name (byte order in byte_order when big-endian).",
    "npz": "name = the key numpy.load exposes (member name minus .npy); "
           "listed in zip member order. descr/fortran_order are the .npy "
           "header fields as stored.",
    "safetensors": "name = the header key; listed in data (offset) order; "
                   "st_dtype is the header dtype, data_offsets as stored "
                   "(relative to the end of the header).",
    "safetensors-index": "name = weight_map key; shard = the file holding "
                         "it; listed in weight_map order.",
    "keras3-weights-h5": "name = HDF5 dataset path without leading '/' "
                         "(layers/<key>/vars/<i>); layer_name = the vars "
                         "group's name attribute; ckpt_name = chain of layer "
                         "names + variable name (ckpt's npz key).",
    "keras-archive": "the model.weights.h5 member of the zip, named as "
                     "keras3-weights-h5.",
    "keras-legacy-h5": "name = '<layer group>/<weight name>' relative to "
                       "the weights root (the file root for weights-only "
                       "files, model_weights/ for full models); h5_path = "
                       "the raw dataset path without leading '/'; "
                       "legacy_order = [k, j]: j-th entry of weight_names "
                       "of the k-th layer in layer_names that has weights "
                       "(Keras matches files to models by this order, not by "
                       "name); keras_path/ckpt_name (Keras 3 files only) = "
                       "where the same variable lives in a .weights.h5 / "
                       "ckpt's npz key.",
    "model-json": "no tensors.",
    "h5": "name = HDF5 dataset path without leading '/', listed in h5py "
          "visit order; storage details in byte_order/chunks/compression.",
}


# --------------------------------------------------------------------------
# hashing and small helpers (numpy only, usable in every venv)

def np_mod():
    import numpy as np
    return np


def is_bfloat16(dt):
    return getattr(dt, "name", "") == "bfloat16"


def le_bytes(a):
    """C-order little-endian bytes of an array (the manifest hash input)."""
    np = np_mod()
    a = np.asarray(a)
    if is_bfloat16(a.dtype):
        return np.ascontiguousarray(a).view(np.uint16).astype("<u2").tobytes()
    if a.dtype.kind == "V":  # opaque (an h5 bfloat16 read as raw bytes)
        return np.ascontiguousarray(a).tobytes()
    return np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()


def tensor_entry(name, a, **extra):
    a_dtype = a.dtype
    entry = {"name": name, "dtype": a_dtype.name, "shape": list(a.shape),
             "sha256": hashlib.sha256(le_bytes(a)).hexdigest()}
    if a_dtype.byteorder == ">":
        entry["byte_order"] = "big"
    entry.update(extra)
    return entry


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def decode(s):
    return s.decode("utf-8") if isinstance(s, bytes) else str(s)


# --------------------------------------------------------------------------
# Keras 3

def keras3_fixtures(out):
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    import h5py
    import keras
    from keras.src.legacy.saving import legacy_h5_format

    with open(os.path.join(ROOT, "Fixtures", "keras", "nested.json"),
              encoding="utf-8") as fh:
        text = fh.read()
    keras.backend.clear_session()
    keras.utils.set_random_seed(SEED)
    model = keras.models.model_from_json(text)
    model.save_weights(os.path.join(out, "keras3_nested.weights.h5"))
    model.save(os.path.join(out, "keras3_nested.keras"))
    model.save(os.path.join(out, "keras3_nested.h5"))  # legacy, full model
    with h5py.File(os.path.join(out, "keras3_nested_weights_only.h5"),
                   "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    return keras_variable_map(model)


def keras_variable_map(model):
    """For the manifest: legacy [k, j] -> (keras_path, ckpt_name), and
    keras_path -> ckpt_name. Found by tagging: every variable is set to its
    index, saved with save_weights, and each dataset's value names it."""
    import h5py
    import keras
    np = np_mod()
    ckpt_names = {}

    def walk(m, prefix):
        for layer in m.layers:
            if isinstance(layer, keras.Model):
                walk(layer, prefix + layer.name + "/")
            else:
                for v in layer.weights:
                    ckpt_names.setdefault(id(v), prefix + layer.name + "/" +
                                          v.name)
    walk(model, "")
    variables = list(model.weights)
    for i, v in enumerate(variables):
        v.assign(np.full(v.shape, i, dtype=v.dtype))
    by_index = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "tags.weights.h5")
        model.save_weights(path)
        with h5py.File(path, "r") as f:
            def visit(name, obj):
                if isinstance(obj, h5py.Dataset):
                    by_index[int(np.asarray(obj[()]).reshape(-1)[0])] = name
            f.visititems(visit)
    keras_path = {id(v): by_index[i] for i, v in enumerate(variables)}
    legacy = {}
    weighted = [layer for layer in model.layers if layer.weights]
    for k, layer in enumerate(weighted):
        for j, v in enumerate(layer.trainable_weights +
                              layer.non_trainable_weights):
            legacy[(k, j)] = (keras_path[id(v)], ckpt_names[id(v)])
    return {"legacy": legacy,
            "ckpt_name": {keras_path[id(v)]: ckpt_names[id(v)]
                          for v in variables}}


# --------------------------------------------------------------------------
# tf.keras 2 (runs in the TensorFlow venv: --tfkeras-worker)

def tfkeras_worker(out):
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    import tf_keras as k2

    k2.backend.clear_session()
    k2.utils.set_random_seed(SEED)
    inp = k2.Input(shape=(6,), name="features")
    x = k2.layers.Dense(8, activation="relu", name="dense_in")(inp)
    x = k2.layers.BatchNormalization(name="bn")(x)
    head = k2.Sequential(
        [
            k2.Input(shape=(8,)),
            k2.layers.Dense(8, activation="relu"),   # auto-named
            k2.layers.BatchNormalization(),           # auto-named
            k2.layers.Dense(3, name="head_out"),
        ],
        name="head",
    )
    out_t = k2.layers.Dense(2, activation="softmax", name="probs")(head(x))
    model = k2.Model(inp, out_t, name="tfkeras_small")
    model.save_weights(os.path.join(out, "tfkeras_small_weights.h5"))
    model.save(os.path.join(out, "tfkeras_small_full.h5"))
    with open(os.path.join(out, "tfkeras_small.json"), "w",
              encoding="utf-8") as fh:
        fh.write(model.to_json())  # exact tf.keras text
    print(json.dumps({"tensorflow": tf.__version__,
                      "tf_keras": k2.__version__,
                      "h5py": __import__("h5py").__version__,
                      "numpy": np_mod().__version__}))


def tfkeras_fixtures(out, tf_python):
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("KERAS_BACKEND", None)
    res = subprocess.run([tf_python, os.path.abspath(__file__),
                          "--tfkeras-worker", "--out", out], env=env,
                         stdout=subprocess.PIPE, text=True, check=True)
    versions = json.loads(res.stdout.strip().splitlines()[-1])
    return (f"tf_keras {versions['tf_keras']} (TensorFlow "
            f"{versions['tensorflow']}, h5py {versions['h5py']}, numpy "
            f"{versions['numpy']}, TF_USE_LEGACY_KERAS=1)")


# --------------------------------------------------------------------------
# NumPy

def numpy_arrays():
    """The arrays of both npz fixtures, in key order."""
    np = np_mod()
    rng = np.random.default_rng(SEED)
    arrays = {}
    arrays["float16"] = rng.standard_normal((3, 4)).astype(np.float16)
    arrays["float32"] = rng.standard_normal((2, 3, 4)).astype(np.float32)
    arrays["float64"] = rng.standard_normal(5)
    for t in (np.int8, np.int16, np.int32, np.int64,
              np.uint8, np.uint16, np.uint32, np.uint64):
        info = np.iinfo(t)
        mid = rng.integers(info.min, info.max, size=5, dtype=t,
                           endpoint=True)
        arrays[np.dtype(t).name] = np.concatenate(
            [np.array([info.min, info.max, 0, 1], dtype=t), mid]).reshape(3, 3)
    arrays["bool"] = rng.integers(0, 2, size=(2, 5)).astype(np.bool_)
    arrays["scalar"] = np.array(3.25, dtype=np.float32)
    arrays["empty"] = np.zeros((0, 3), dtype=np.float32)
    arrays["fortran"] = np.asfortranarray(
        np.arange(20, dtype=np.float32).reshape(4, 5))
    arrays["big_endian_f4"] = (rng.standard_normal((3, 2))
                               .astype(">f4"))
    arrays["big_endian_i8"] = np.array([1, -2, 2**40 + 3, -(2**62)],
                                       dtype=">i8")
    arrays["specials_f32"] = np.array(
        [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, 3.4028235e38,
         1.1754944e-38], dtype=np.float32)
    arrays["conv1/kernel"] = rng.standard_normal((3, 3, 2, 4)).astype(
        np.float32)
    arrays["conv1/bias"] = np.zeros(4, dtype=np.float32)
    arrays["head/dense_1/kernel"] = rng.standard_normal((4, 2)).astype(
        np.float32)
    return arrays


def numpy_fixtures(out):
    np = np_mod()
    arrays = numpy_arrays()
    np.savez(os.path.join(out, "numpy_savez.npz"), **arrays)
    np.savez_compressed(os.path.join(out, "numpy_savez_compressed.npz"),
                        **arrays)


# --------------------------------------------------------------------------
# safetensors

def safetensors_single_arrays():
    import ml_dtypes
    np = np_mod()
    rng = np.random.default_rng(SEED + 1)
    f32 = rng.standard_normal((4, 3)).astype(np.float32)
    arrays = {
        "model.embed.weight": f32,
        "model.embed.weight_bf16": f32.astype(ml_dtypes.bfloat16),
        "float16": rng.standard_normal(6).astype(np.float16),
        "float64": rng.standard_normal((2, 2)),
        "int8": np.array([-128, -1, 0, 1, 127], dtype=np.int8),
        "int16": np.array([-32768, 7, 32767], dtype=np.int16),
        "int32": np.arange(-3, 3, dtype=np.int32).reshape(2, 3),
        "int64": np.array([-(2**63), 2**63 - 1], dtype=np.int64),
        "uint8": np.array([0, 255, 17], dtype=np.uint8),
        "uint16": np.array([0, 65535], dtype=np.uint16),
        "uint32": np.array([0, 2**32 - 1], dtype=np.uint32),
        "uint64": np.array([0, 2**64 - 1], dtype=np.uint64),
        "bool": np.array([[True, False, True]]),
        "scalar": np.array(-1.5, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "conv1/kernel": rng.standard_normal((3, 3, 1, 2)).astype(np.float32),
    }
    return arrays


def safetensors_sharded_arrays():
    """Ordered so that the split gives 3 shards and exercises the tensor
    larger than the limit (which huggingface_hub puts in a shard of its own,
    *before* the shard that was being filled)."""
    import ml_dtypes
    np = np_mod()
    rng = np.random.default_rng(SEED + 2)

    def f32(*shape):
        return rng.standard_normal(shape).astype(np.float32)
    return {
        "embed.weight": f32(32, 16),                    # 2048 B
        "layers.0.weight": f32(16, 16),                 # 1024 B
        "layers.0.bias": f32(16),                       # 64 B
        "big.weight": f32(40, 32),                      # 5120 B > limit
        "layers.1.weight": f32(16, 16),                 # 1024 B
        "layers.1.bias": f32(16),                       # 64 B
        "norm.weight": np.ones(16, dtype=ml_dtypes.bfloat16),  # 32 B
        "head.weight": f32(16, 8).astype(np.float16),   # 256 B
        "head.bias": np.zeros(8, dtype=np.float16),     # 16 B
    }


def split_numpy(state_dict, max_shard_size, filename_pattern):
    """huggingface_hub's numpy splitter: split_numpy_state_dict_into_shards
    up to 0.x; 1.x/2.x removed it but keep the generic factory it wrapped
    (with get_storage_size = ndarray.nbytes, exactly what it passed)."""
    import huggingface_hub
    fn = getattr(huggingface_hub, "split_numpy_state_dict_into_shards", None)
    if fn is not None:
        return fn(state_dict, max_shard_size=max_shard_size,
                  filename_pattern=filename_pattern)
    return huggingface_hub.split_state_dict_into_shards_factory(
        state_dict, get_storage_size=lambda a: a.nbytes,
        filename_pattern=filename_pattern, max_shard_size=max_shard_size)


def safetensors_fixtures(out):
    from safetensors.numpy import save_file
    save_file(safetensors_single_arrays(),
              os.path.join(out, "st_single.safetensors"),
              metadata={"format": "np"})

    # The way huggingface_hub.save_torch_state_dict saves (its numpy twin):
    # every shard with metadata {"format": <framework>}, then the index with
    # json.dump(index, f, indent=2) -- no key sorting, no final newline.
    state = safetensors_sharded_arrays()
    split = split_numpy(state, SHARD_MAX_BYTES, SHARD_PATTERN)
    assert split.is_sharded and len(split.filename_to_tensors) == 3, \
        split.filename_to_tensors
    for filename, names in split.filename_to_tensors.items():
        save_file({n: state[n] for n in names}, os.path.join(out, filename),
                  metadata={"format": "np"})
    index = {"metadata": {**split.metadata},
             "weight_map": split.tensor_to_filename}
    with open(os.path.join(out, SHARD_PATTERN.format(suffix="") +
                           ".index.json"), "w") as f:
        json.dump(index, f, indent=2)


# --------------------------------------------------------------------------
# h5py

def h5py_fixtures(out):
    import h5py
    np = np_mod()
    rng = np.random.default_rng(SEED + 3)
    with h5py.File(os.path.join(out, "h5py_plain.h5"), "w") as f:
        f.attrs["description"] = "ckpt format fixture"
        f.attrs["version"] = np.int32(3)
        f.create_dataset("top", data=rng.standard_normal((3, 4))
                         .astype(np.float32))
        f.create_dataset("scalar", data=np.float64(2.5))
        f.create_dataset("half", data=rng.standard_normal(5)
                         .astype(np.float16))
        f.create_dataset("big_endian", data=rng.standard_normal((4, 3))
                         .astype(">f4"))
        f.create_dataset("big_endian_i4", data=np.arange(-3, 3, dtype=">i4"))
        g = f.create_group("group1")
        g.attrs["note"] = "a group attribute"
        g.create_dataset("values", data=np.arange(10, dtype=np.int32))
        d = g.create_dataset("sub/deep/matrix", data=rng.standard_normal(
            (2, 3)))
        d.attrs["units"] = "m/s"
        g.create_dataset("uint8", data=np.arange(250, 256, dtype=np.uint8))
        f.create_dataset("chunked_gzip",
                         data=rng.standard_normal((64, 16)).astype(np.float32),
                         chunks=(16, 16), compression="gzip",
                         compression_opts=4)
        f.create_dataset("group1/chunked_shuffle_gzip",
                         data=np.arange(300, dtype=np.int64).reshape(30, 10),
                         chunks=(8, 10), shuffle=True, compression="gzip")


    # Every storage layout whose values ckpt reads itself (HDF5ContiguousRows, HDF5ChunkedRows,
    # compact through H5Dread): behind a 512-byte user block, so every address is shifted.
    with h5py.File(os.path.join(out, "h5py_layouts.h5"), "w",
                   userblock_size=512) as f:
        f.create_dataset("contiguous_f8_be", data=rng.standard_normal((7, 5))
                         .astype(">f8"))
        f.create_dataset("contiguous_f2", data=rng.standard_normal((9, 3))
                         .astype(np.float16))
        f.create_dataset("unwritten_fill", shape=(4, 3), dtype=np.float32,
                         fillvalue=1.5)
        f.create_dataset("chunked_plain_edges",
                         data=rng.standard_normal((10, 7)).astype(np.float32),
                         chunks=(4, 3))
        part = f.create_dataset("chunked_partly_written", shape=(12, 4),
                                dtype="<i4", chunks=(4, 4), fillvalue=-7)
        part[0:4] = np.arange(16, dtype=np.int32).reshape(4, 4)
        f.create_dataset("chunked_be_i2", data=np.arange(-20, 20, dtype=">i2")
                         .reshape(8, 5), chunks=(3, 5))
        f.create_dataset("chunked_3d", data=rng.standard_normal((5, 4, 3))
                         .astype(np.float32), chunks=(2, 3, 2))
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        values = rng.standard_normal((6, 2)).astype(np.float32)
        space = h5py.h5s.create_simple(values.shape)
        ds = h5py.h5d.create(f.id, b"compact_f4", h5py.h5t.IEEE_F32LE, space,
                             dcpl=dcpl)
        ds.write(h5py.h5s.ALL, h5py.h5s.ALL, values)
        f.create_dataset("scalar_i8", data=np.int64(-42))
        f.create_dataset("empty", shape=(0, 4), dtype=np.float32)


# --------------------------------------------------------------------------
# manifest

def h5_describe(path_or_file, entry_for):
    """[entry_for(name, dataset)] for every dataset, in h5py visit order."""
    import h5py
    out = []
    with h5py.File(path_or_file, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out.append(entry_for(name, obj))
        f.visititems(visit)
    return out


def read_h5_dataset(ds):
    np = np_mod()
    a = np.asarray(ds[()])
    if decode(ds.attrs.get("dtype", "")) == "bfloat16" and a.dtype.kind == "V":
        import ml_dtypes
        a = a.view(ml_dtypes.bfloat16)
    return a


def keras3_h5_entries(source, ckpt_names):
    def entry(name, ds):
        extra = {"layer_name": decode(ds.parent.attrs.get("name", ""))}
        if name in ckpt_names:
            extra["ckpt_name"] = ckpt_names[name]
        return tensor_entry(name, read_h5_dataset(ds), **extra)
    return h5_describe(source, entry)


def str_list(value):
    np = np_mod()
    return [decode(s) for s in np.asarray(value).reshape(-1)
            if not isinstance(s, (float, np.floating))]


def chunked_attr(group, name):
    if name in group.attrs:
        return str_list(group.attrs[name])
    out, i = [], 0
    while f"{name}{i}" in group.attrs:
        out += str_list(group.attrs[f"{name}{i}"])
        i += 1
    return out


def legacy_entries(path, legacy_map):
    import h5py
    entries = []
    with h5py.File(path, "r") as f:
        root = f["model_weights"] if ("layer_names" not in f.attrs and
                                      "model_weights" in f) else f
        prefix = "" if root.name == "/" else root.name.lstrip("/") + "/"
        k = 0
        for layer in chunked_attr(root, "layer_names"):
            names = chunked_attr(root[layer], "weight_names")
            if not names:
                continue
            for j, wname in enumerate(names):
                ds = root[layer][wname]
                extra = {"h5_path": prefix + layer + "/" + wname,
                         "layer": layer, "weight_name": wname,
                         "legacy_order": [k, j]}
                if legacy_map is not None:
                    extra["keras_path"], extra["ckpt_name"] = \
                        legacy_map[(k, j)]
                entries.append(tensor_entry(layer + "/" + wname,
                                            read_h5_dataset(ds), **extra))
            k += 1
    return entries


def npz_entries(path):
    np = np_mod()
    entries = []
    with zipfile.ZipFile(path) as z, np.load(path, allow_pickle=False) as npz:
        for info in z.infolist():
            key = info.filename[:-4] if info.filename.endswith(".npy") \
                else info.filename
            with z.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                read_header = (np.lib.format.read_array_header_1_0
                               if version == (1, 0) else
                               np.lib.format.read_array_header_2_0)
                shape, fortran, dtype = read_header(fh)
            entries.append(tensor_entry(
                key, npz[key], member=info.filename, descr=dtype.str,
                fortran_order=bool(fortran),
                compressed=info.compress_type != zipfile.ZIP_STORED))
    return entries


def safetensors_header(path):
    with open(path, "rb") as fh:
        (n,) = struct.unpack("<Q", fh.read(8))
        return json.loads(fh.read(n))


def safetensors_entries(path):
    from safetensors import safe_open
    header = safetensors_header(path)
    header.pop("__metadata__", None)
    order = sorted(header, key=lambda k: tuple(header[k]["data_offsets"]))
    entries = []
    with safe_open(path, framework="numpy") as f:
        for name in order:
            entries.append(tensor_entry(
                name, f.get_tensor(name), st_dtype=header[name]["dtype"],
                data_offsets=header[name]["data_offsets"]))
    return entries


def safetensors_index_entries(path):
    from safetensors import safe_open
    with open(path, encoding="utf-8") as fh:
        index = json.load(fh)
    base = os.path.dirname(path)
    entries = []
    for name, shard in index["weight_map"].items():
        with safe_open(os.path.join(base, shard), framework="numpy") as f:
            entries.append(tensor_entry(name, f.get_tensor(name),
                                        shard=shard))
    return entries


def plain_h5_entries(path):
    def entry(name, ds):
        extra = {}
        if ds.chunks:
            extra["chunks"] = list(ds.chunks)
        if ds.compression:
            extra["compression"] = ds.compression
        if ds.shuffle:
            extra["shuffle"] = True
        if ds.attrs:
            extra["attrs"] = {k: decode(v) if isinstance(v, (str, bytes))
                              else v.item() for k, v in ds.attrs.items()}
        return tensor_entry(name, read_h5_dataset(ds), **extra)
    return h5_describe(path, entry)


def describe_file(out, name, keras_maps):
    import io
    path = os.path.join(out, name)
    legacy_map = keras_maps["legacy"] if keras_maps else None
    ckpt_names = keras_maps["ckpt_name"] if keras_maps else {}
    if name.endswith(".weights.h5"):
        return "keras3-weights-h5", keras3_h5_entries(path, ckpt_names), {}
    if name.endswith(".keras"):
        with zipfile.ZipFile(path) as z:
            members = [i.filename for i in z.infolist()]
            data = io.BytesIO(z.read("model.weights.h5"))
        tensors = keras3_h5_entries(data, ckpt_names)
        for t in tensors:
            t["member"] = "model.weights.h5"
        return "keras-archive", tensors, {"members": members}
    if name.startswith("keras3_") and name.endswith(".h5"):
        return "keras-legacy-h5", legacy_entries(path, legacy_map), {}
    if name.startswith("tfkeras_") and name.endswith(".h5"):
        return "keras-legacy-h5", legacy_entries(path, None), {}
    if name.endswith(".json") and not name.endswith(".index.json"):
        return "model-json", [], {}
    if name.endswith(".npz"):
        return "npz", npz_entries(path), {}
    if name.endswith(".index.json"):
        with open(path, encoding="utf-8") as fh:
            index = json.load(fh)
        return ("safetensors-index", safetensors_index_entries(path),
                {"index_metadata": index["metadata"]})
    if name.endswith(".safetensors"):
        meta = safetensors_header(path).get("__metadata__")
        return ("safetensors", safetensors_entries(path),
                {"metadata": meta} if meta is not None else {})
    if name.endswith(".h5"):
        import h5py
        with h5py.File(path, "r") as f:
            attrs = {k: decode(v) if isinstance(v, (str, bytes)) else v.item()
                     for k, v in f.attrs.items()}
        return "h5", plain_h5_entries(path), {"attrs": attrs}
    raise ValueError(f"no manifest rule for {name}")


def producers(keras_ver, versions, tf_producer, old):
    k3 = (f"keras {keras_ver} (numpy backend), seed {SEED}, "
          "Fixtures/keras/nested.json")
    p = {
        "keras3_nested.weights.h5": k3 + ": model.save_weights",
        "keras3_nested.keras": k3 + ": model.save",
        "keras3_nested.h5": k3 + ": model.save (legacy HDF5, full model)",
        "keras3_nested_weights_only.h5": k3 + ": legacy_h5_format."
        "save_weights_to_hdf5_group",
        "numpy_savez.npz": f"numpy {versions['numpy']} np.savez",
        "numpy_savez_compressed.npz":
            f"numpy {versions['numpy']} np.savez_compressed",
        "st_single.safetensors":
            f"safetensors {versions['safetensors']} safetensors.numpy."
            "save_file, metadata {\"format\": \"np\"}",
        "h5py_plain.h5": f"h5py {versions['h5py']} (HDF5 "
                         f"{versions['hdf5']})",
        "h5py_layouts.h5": f"h5py {versions['h5py']} (HDF5 "
                           f"{versions['hdf5']}): every storage layout, "
                           "a 512-byte user block",
    }
    shard = (f"huggingface_hub {versions['huggingface_hub']} split "
             f"(max_shard_size {SHARD_MAX_BYTES}) + safetensors "
             f"{versions['safetensors']} save_file, metadata "
             "{\"format\": \"np\"}")
    for name in SAFETENSORS_FILES[1:]:
        p[name] = shard
    tf_calls = {"tfkeras_small_weights.h5": "model.save_weights",
                "tfkeras_small_full.h5": "model.save",
                "tfkeras_small.json": "model.to_json"}
    for name, call in tf_calls.items():
        if tf_producer:
            p[name] = f"{tf_producer}, seed {SEED}: {call}"
        elif name in old:
            p[name] = old[name]
    return p


def dump_manifest(manifest):
    """JSON with one tensor per line (diff-friendly)."""
    lines = ["{"]
    for k, v in manifest.items():
        if k != "files":
            text = json.dumps(v, indent=2).replace("\n", "\n  ")
            lines.append(f"  {json.dumps(k)}: {text},")
    lines.append('  "files": [')
    blocks = []
    for entry in manifest["files"]:
        head = [f"      {json.dumps(k)}: {json.dumps(v)}"
                for k, v in entry.items() if k != "tensors"]
        tensors = ["        " + json.dumps(t) for t in entry["tensors"]]
        body = ",\n".join(head)
        if tensors:
            body += ',\n      "tensors": [\n' + ",\n".join(tensors) + \
                "\n      ]"
        else:
            body += ',\n      "tensors": []'
        blocks.append("    {\n" + body + "\n    }")
    lines.append(",\n".join(blocks))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_manifest(out, keras_maps, tf_producer):
    import h5py
    import huggingface_hub
    import keras
    import safetensors
    np = np_mod()
    path = os.path.join(out, "manifest.json")
    old = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            old = {e["file"]: e.get("producer")
                   for e in json.load(fh).get("files", [])}
    versions = {"numpy": np.__version__, "h5py": h5py.__version__,
                "hdf5": h5py.version.hdf5_version,
                "safetensors": safetensors.__version__,
                "huggingface_hub": huggingface_hub.__version__,
                "keras": keras.__version__}
    prod = producers(keras.__version__, versions, tf_producer, old)
    files = []
    for group in GROUPS.values():
        for name in group:
            fpath = os.path.join(out, name)
            if not os.path.exists(fpath):
                print(f"note: {name} missing, not in the manifest",
                      file=sys.stderr)
                continue
            fmt, tensors, extra = describe_file(out, name, keras_maps)
            entry = {"file": name, "format": fmt,
                     "bytes": os.path.getsize(fpath),
                     "sha256": file_sha256(fpath),
                     "producer": prod.get(name, "")}
            entry.update(extra)
            entry["tensors"] = tensors
            files.append(entry)
    manifest = {
        "generator": "Fixtures/formats/make_format_fixtures.py",
        "seed": SEED,
        "naming": NAMING,
        "files": files,
    }
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(dump_manifest(manifest))
    return files


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--only", default="",
                    help="comma-separated groups: " + ",".join(GROUPS) +
                    " (default: all but tfkeras unless --tf-python)")
    ap.add_argument("--tf-python",
                    help="python of a venv with tensorflow + tf_keras")
    ap.add_argument("--tfkeras-worker", action="store_true",
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    if args.tfkeras_worker:
        tfkeras_worker(out)
        return
    wanted = [g for g in args.only.split(",") if g] or list(GROUPS)
    unknown = set(wanted) - set(GROUPS)
    if unknown:
        sys.exit(f"unknown group(s): {sorted(unknown)}")
    if "tfkeras" in wanted and not args.tf_python:
        if args.only:
            sys.exit("the tfkeras group needs --tf-python")
        wanted.remove("tfkeras")
    os.makedirs(out, exist_ok=True)
    os.environ.setdefault("KERAS_BACKEND", "numpy")

    if "keras3" in wanted:
        keras_maps = keras3_fixtures(out)
    else:  # recompute the name maps only (no file is written)
        import keras
        keras.backend.clear_session()
        with open(os.path.join(ROOT, "Fixtures", "keras", "nested.json"),
                  encoding="utf-8") as fh:
            keras_maps = keras_variable_map(
                keras.models.model_from_json(fh.read()))
    tf_producer = None
    if "tfkeras" in wanted:
        tf_producer = tfkeras_fixtures(out, args.tf_python)
    if "numpy" in wanted:
        numpy_fixtures(out)
    if "safetensors" in wanted:
        safetensors_fixtures(out)
    if "h5py" in wanted:
        h5py_fixtures(out)

    files = write_manifest(out, keras_maps, tf_producer)
    total = 0
    for e in files:
        total += e["bytes"]
        print(f"{e['file']:44s} {e['bytes']:7d} B  {len(e['tensors']):3d} "
              "tensors")
    print(f"{len(files)} files, {total} bytes; manifest.json")


if __name__ == "__main__":
    main()
