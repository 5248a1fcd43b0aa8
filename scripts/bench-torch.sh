#!/usr/bin/env bash
# Benchmark of the PyTorch reader (docs/formats/pytorch.md): a 1.3-billion-parameter
# pytorch_model.bin (float32, 5.2 GB, GPT-style shapes: a 50257 x 2048 embedding and 24 blocks of
# d = 2048, written by the real torch.save) converted to safetensors by ckpt and by safetensors'
# own way (torch.load(weights_only=True) + safetensors.torch.save_file), in the same run, each
# timed with /usr/bin/time -v (wall time, peak RSS). The outputs are compared, then removed.
#
#   scripts/bench-torch.sh [DIR]        default /tmp/ckpt-bench-torch (the source is made once)
#
# Environment: CKPT (default .build/release/ckpt: swift build -c release --product ckpt),
# CKPT_VENV_TORCH (default ~/.cache/ckpt/venv-torch: scripts/setup-python-torch.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-/tmp/ckpt-bench-torch}"
ckpt="${CKPT:-$root/.build/release/ckpt}"
python="${CKPT_VENV_TORCH:-$HOME/.cache/ckpt/venv-torch}/bin/python"
[ -x "$ckpt" ] || { echo "no ckpt at $ckpt: swift build -c release --product ckpt" >&2; exit 2; }
[ -x "$python" ] || { echo "no torch venv at $python: scripts/setup-python-torch.sh" >&2; exit 2; }
mkdir -p "$dir"
source="$dir/pytorch_model.bin"
if [ ! -f "$source" ]; then
  echo "== making $source with torch.save" >&2
  "$python" - "$source" <<'PY'
import collections, sys, torch
torch.manual_seed(0)
d, layers, vocab = 2048, 24, 50257
sd = collections.OrderedDict()
def add(name, *shape):
    sd[name] = torch.empty(*shape).normal_(0, 0.02)
add("transformer.wte.weight", vocab, d)
add("transformer.wpe.weight", 2048, d)
for i in range(layers):
    p = f"transformer.h.{i}."
    add(p + "ln_1.weight", d); add(p + "ln_1.bias", d)
    add(p + "attn.c_attn.weight", d, 3 * d); add(p + "attn.c_attn.bias", 3 * d)
    add(p + "attn.c_proj.weight", d, d); add(p + "attn.c_proj.bias", d)
    add(p + "ln_2.weight", d); add(p + "ln_2.bias", d)
    add(p + "mlp.c_fc.weight", d, 4 * d); add(p + "mlp.c_fc.bias", 4 * d)
    add(p + "mlp.c_proj.weight", 4 * d, d); add(p + "mlp.c_proj.bias", d)
add("transformer.ln_f.weight", d); add("transformer.ln_f.bias", d)
print(f"{sum(t.numel() for t in sd.values()) / 1e9:.3f} B parameters", file=sys.stderr)
torch.save(sd, sys.argv[1])
PY
fi
bytes=$(stat -c %s "$source")
# Warm the page cache so both sides read from memory.
cat "$source" > /dev/null

# Runs a command under /usr/bin/time -v; prints "<seconds> <peak RSS in MiB>".
measure() {
  local log="$dir/time.log"
  /usr/bin/time -v "$@" > /dev/null 2> "$log" || { cat "$log" >&2; exit 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print int($2 / 1024)}' "$log")
  echo "$wall $rss"
}

read -r ckpt_s ckpt_mb < <(measure "$ckpt" convert "$source" "$dir/ckpt.safetensors" --force --quiet)
read -r peer_s peer_mb < <(measure "$python" -c '
import sys, torch
from safetensors.torch import save_file
save_file(torch.load(sys.argv[1], weights_only=True), sys.argv[2], metadata={"format": "pt"})
' "$source" "$dir/peer.safetensors")
"$ckpt" diff "$dir/ckpt.safetensors" "$dir/peer.safetensors" --quiet > /dev/null \
  || { echo "ckpt's and the peer's safetensors differ" >&2; exit 1; }
rm -f "$dir/ckpt.safetensors" "$dir/peer.safetensors" "$dir/time.log"
echo "source: $source ($bytes bytes)"
printf '%-46s %8s s %8s MiB peak RSS\n' "ckpt convert" "$ckpt_s" "$ckpt_mb"
printf '%-46s %8s s %8s MiB peak RSS\n' "torch.load + safetensors.torch.save_file" "$peer_s" "$peer_mb"
awk -v a="$peer_s" -v b="$ckpt_s" 'BEGIN { printf "ckpt is %.1fx faster\n", a / b }'
