#!/usr/bin/env python3
"""Checks ckpt's PyTorch files with the real torch (the venv of scripts/setup-python-torch.sh).

  check_torch.py same --file OURS.bin --reference FIXTURE.pt
      OURS loads with torch.load(weights_only=True) and every tensor of FIXTURE (loaded by torch,
      named by dotted path as ckpt names them) is in it, equal in dtype, shape and value.
  check_torch.py npz --file OURS.bin --npz REF.npz
      OURS loads with weights_only=True and equals the arrays of REF.npz (ckpt's own npz).
Prints "N passed, M failed" and exits non-zero on any failure.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Fixtures", "torch"))
from make_torch_fixtures import flat  # noqa: E402  (the same naming rules the fixtures use)


def report(passed, failures):
    for line in failures:
        print("FAIL", line)
    print(f"{passed} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["same", "npz"])
    parser.add_argument("--file", required=True)
    parser.add_argument("--reference")
    parser.add_argument("--npz")
    args = parser.parse_args()
    ours = torch.load(args.file, weights_only=True)
    failures, passed = [], 0
    if type(ours).__name__ != "OrderedDict":
        failures.append(f"loaded a {type(ours).__name__}, not an OrderedDict")
    if args.mode == "same":
        protocol4 = "protocol4" in args.reference  # torch's weights_only has no FRAME opcode
        want = flat(torch.load(args.reference, weights_only=not protocol4))
        for name, tensor in want.items():
            got = ours.get(name)
            if got is None:
                failures.append(f"{name}: missing")
            elif got.dtype != tensor.dtype or got.shape != tensor.shape or not torch.equal(got, tensor.detach()):
                failures.append(f"{name}: {got.dtype} {tuple(got.shape)} differs from {tensor.dtype} {tuple(tensor.shape)}")
            else:
                passed += 1
        if set(ours) != set(want):
            failures.append(f"names differ: {sorted(set(ours) ^ set(want))}")
    else:
        ref = np.load(args.npz)
        for name in ref.files:
            got = ours.get(name)
            if got is None:
                failures.append(f"{name}: missing")
                continue
            array = ref[name]
            mine = got.numpy() if got.dtype != torch.bfloat16 else got.view(torch.int16).numpy()
            if mine.dtype != array.dtype or mine.shape != array.shape or not np.array_equal(mine, array):
                failures.append(f"{name}: {mine.dtype} {mine.shape} differs from {array.dtype} {array.shape}")
            else:
                passed += 1
        if set(ours) != set(ref.files):
            failures.append(f"names differ: {sorted(set(ours) ^ set(ref.files))}")
    report(passed, failures)


if __name__ == "__main__":
    main()
