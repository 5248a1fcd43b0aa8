#!/usr/bin/env python3
"""Pins the bytes ckpt writes: for every model spec in Fixtures/ (the benchmark specs of
billions of parameters excepted), every output format and float32/bfloat16, at seed 20261207,
the SHA-256 of each file `ckpt init` writes (or the error it gives), in manifest.json.

Made before a refactoring that must not change output (issue "Seams for what comes next"); the
test `OutputBytesManifestTests` replays every command and compares. Regenerate only when the
output is meant to change, and say why in the commit:

    swift build -c release --product ckpt
    python3 Fixtures/output-bytes/make_manifest.py --ckpt .build/release/ckpt

Needs only Python's standard library.
"""
import argparse
import glob
import hashlib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SEED = "20261207"

# (label, output file name, extra arguments)
FORMATS = [
    ("weights.h5", "m.weights.h5", []),
    ("keras", "m.keras", []),
    ("h5", "m.h5", []),
    ("h5 weights-only", "m.h5", ["--weights-only"]),
    ("npz", "m.npz", []),
    ("safetensors", "m.safetensors", []),
    ("safetensors sharded", "m.safetensors", ["--max-shard-size", "32MB"]),
    ("npz compressed", "m.npz", ["--compress"]),
    ("weights.h5 compressed", "m.weights.h5", ["--compress"]),
    ("pytorch", "m.bin", []),
]
DTYPES = ["float32", "bfloat16"]


def specs():
    found = []
    for pattern in ["keras/*.json", "keras2/*.json", "spec/*.json", "formats/*.json",
                    "bench/*_tiny.json", "bench/small_tensors_tiny.json"]:
        for path in sorted(glob.glob(os.path.join(ROOT, "Fixtures", pattern))):
            name = os.path.basename(path)
            if name.endswith((".reference.json", ".index.json")) or name == "manifest.json":
                continue
            rel = os.path.relpath(path, ROOT)
            if rel not in found:
                found.append(rel)
    return found


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ckpt", default=os.path.join(ROOT, ".build/release/ckpt"))
    args = ap.parse_args()
    entries = []
    for spec in specs():
        for label, output, extra in FORMATS:
            for dtype in DTYPES:
                with tempfile.TemporaryDirectory() as tmp:
                    argv = ["init", spec, "-o", output, "--seed", SEED, "--dtype", dtype, "-q"] + extra
                    run = subprocess.run([args.ckpt] + [os.path.join(tmp, a) if a == output else a for a in argv],
                                         cwd=ROOT, capture_output=True, text=True)
                    entry = {"spec": spec, "format": label, "dtype": dtype, "arguments": argv}
                    if run.returncode == 0:
                        entry["files"] = {name: sha256(os.path.join(tmp, name)) for name in sorted(os.listdir(tmp))}
                    else:
                        entry["exit"] = run.returncode
                        entry["error"] = run.stderr.strip().replace(tmp + "/", "")
                    entries.append(entry)
        print(spec, file=sys.stderr)
    with open(os.path.join(HERE, "manifest.json"), "w", encoding="utf-8") as f:
        f.write('{\n  "seed": %s,\n  "entries": [\n' % SEED)
        f.write(",\n".join("    " + json.dumps(e, separators=(", ", ": ")) for e in entries))
        f.write("\n  ]\n}\n")
    print(f"{len(entries)} entries, {sum('files' in e for e in entries)} written, "
          f"{sum('error' in e for e in entries)} refused", file=sys.stderr)


if __name__ == "__main__":
    main()
