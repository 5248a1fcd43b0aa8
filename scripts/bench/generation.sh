#!/usr/bin/env bash
# Generation throughput (docs/benchmarks.md): ckpt's float32 samplers on 1 thread and on every
# core, NumPy's default_rng() in the same run, then `ckpt init` of VGG16 at --threads 1 and all.
# ckpt-bench also measures the CRC-32 kernels against zlib (`--cases crc` for that alone).
# Usage: scripts/bench/generation.sh [ckpt-bench options, e.g. --rounds 7 --seconds 1]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
swift build -c release --product ckpt-bench >&2
swift build -c release --product ckpt >&2
python="$root/.venv/bin/python"
[ -x "$python" ] || python=none
.build/release/ckpt-bench --python "$python" "$@"
echo
echo "ckpt init Fixtures/keras/vgg16.json -o /dev/shm/ckpt-bench-vgg16.safetensors (3 runs each, alternating):"
cores="$(nproc)"
for run in 1 2 3; do
    for threads in 1 "$cores"; do
        rm -f /dev/shm/ckpt-bench-vgg16.safetensors
        /usr/bin/time -f "  --threads $threads: wall %e s, user %U s, sys %S s, max RSS %M KiB" \
            .build/release/ckpt init Fixtures/keras/vgg16.json -o /dev/shm/ckpt-bench-vgg16.safetensors \
            --threads "$threads" -q
    done
done
rm -f /dev/shm/ckpt-bench-vgg16.safetensors
