#!/usr/bin/env bash
# Orthogonal initializer speed: ckpt (release, OpenBLAS pinned to one thread) against NumPy's
# QR (np.linalg.qr of an n×n float32 Gaussian, which LAPACK factors in float64, plus the
# sign(diag R) fix) with NumPy's OpenBLAS on all cores and on one, in the same run.
# torch.nn.init.orthogonal_ is timed too when the venv has torch. ckpt runs twice: with
# OpenBLAS's own CPU detection and with OPENBLAS_CORETYPE=Haswell.
# Usage: scripts/bench/orthogonal.sh [n]   (default 2048)
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-2048}"
python=".venv/bin/python"
[[ -x "$python" ]] || { echo "missing $python: run scripts/install-deps.sh first" >&2; exit 1; }

# `swift test -c release` builds with testable imports (a plain release build does not).
log="$(CKPT_BENCH_ORTHOGONAL="$n" swift test -c release --filter StructuredOrthogonalBenchmark 2>&1)" \
    || { echo "$log" >&2; exit 1; }
grep -o 'BENCH ckpt[^"]*' <<<"$log" || { echo "$log" >&2; echo "no BENCH line from the Swift benchmark" >&2; exit 1; }
# The same build with OpenBLAS's kernels forced to Haswell (AVX2); see docs/random-streams.md §10.
OPENBLAS_CORETYPE=Haswell CKPT_BENCH_ORTHOGONAL="$n" swift test -c release --skip-build \
    --filter StructuredOrthogonalBenchmark 2>&1 | grep -o 'BENCH ckpt[^"]*'

peer='
import sys, time
import numpy as np
n, label = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(0)
def numpy_orthogonal(a):
    q, r = np.linalg.qr(a)
    return q * np.sign(np.diag(r))
times = []
for run in range(6):
    a = rng.standard_normal((n, n), dtype=np.float32)
    start = time.perf_counter()
    q = numpy_orthogonal(a)
    if run > 0: times.append(time.perf_counter() - start)
times.sort()
print(f"BENCH numpy qr {n}x{n} float32 ({label}): best {times[0]:.3f} s, median {times[len(times)//2]:.3f} s (q dtype {q.dtype})")
try:
    import torch
except ImportError:
    print("BENCH torch: not installed, skipped")
    sys.exit(0)
w = torch.empty(n, n)
times = []
for run in range(6):
    start = time.perf_counter()
    torch.nn.init.orthogonal_(w)
    if run > 0: times.append(time.perf_counter() - start)
times.sort()
print(f"BENCH torch orthogonal_ {n}x{n} float32 ({label}, {torch.get_num_threads()} threads): best {times[0]:.3f} s, median {times[len(times)//2]:.3f} s")
'
"$python" -c "$peer" "$n" "default threads"
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$python" -c "$peer" "$n" "1 thread"
