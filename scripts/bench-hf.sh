#!/usr/bin/env bash
# Writes a Hugging Face config's model folder in bfloat16 to tmpfs twice in one run: with ckpt,
# and with transformers' from_config + save_pretrained (the venv of scripts/setup-python-torch.sh),
# and prints each one's wall time, CPU time and peak RSS (/usr/bin/time -v), and the ratios.
#
#   scripts/bench-hf.sh [CONFIG]    (default: Fixtures/huggingface/hub/Llama-3.2-1B.json)
#
# CKPT (default .build/release/ckpt), CKPT_VENV_TORCH (default ~/.cache/ckpt/venv-torch) and
# BENCH_DIR (default /dev/shm) override the tools and the folder written to.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ckpt="${CKPT:-$root/.build/release/ckpt}"
python="${CKPT_VENV_TORCH:-$HOME/.cache/ckpt/venv-torch}/bin/python"
config="${1:-$root/Fixtures/huggingface/hub/Llama-3.2-1B.json}"
out="$(mktemp -d "${BENCH_DIR:-/dev/shm}/ckpt-bench-hf.XXXXXX")"
trap 'rm -rf "$out"' EXIT
[ -x "$ckpt" ] || { echo "bench-hf: no ckpt binary at $ckpt (swift build -c release --product ckpt)" >&2; exit 1; }
[ -x "$python" ] || { echo "bench-hf: no torch venv at $python (scripts/setup-python-torch.sh)" >&2; exit 1; }

# measure LABEL COMMAND...: runs it under /usr/bin/time -v; sets seconds, cpu, rss_kib.
measure() {
    local label="$1"; shift
    /usr/bin/time -v "$@" 2> "$out/time.txt" >/dev/null || { cat "$out/time.txt" >&2; exit 1; }
    seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$out/time.txt")
    cpu=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$out/time.txt")
    rss_kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$out/time.txt")
    local bytes
    bytes=$(du -sb "$out/$label" | cut -f1)
    printf '%-13s %8.2f s wall  %8.2f s CPU  %8.1f MiB peak RSS  %s bytes\n' "$label" "$seconds" "$cpu" "$(echo "$rss_kib / 1024" | bc -l)" "$bytes"
}

echo "config: $config ($(nproc) cores, $(uname -r))"
measure ckpt "$ckpt" init "$config" -o "$out/ckpt" --dtype bfloat16 --quiet
ckpt_seconds=$seconds ckpt_rss=$rss_kib
rm -rf "$out/ckpt"
measure transformers "$python" -c '
import sys, torch, transformers
config = transformers.AutoConfig.from_pretrained(sys.argv[1])
model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
model.save_pretrained(sys.argv[2])
' "$config" "$out/transformers"
printf 'ckpt is %.1f× faster, with %.1f× less peak memory\n' \
    "$(echo "$seconds / $ckpt_seconds" | bc -l)" "$(echo "$rss_kib / $ckpt_rss" | bc -l)"
