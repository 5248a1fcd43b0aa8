#!/usr/bin/env bash
# Benchmarks for Hugging Face folders (docs/benchmarks.md, "Hugging Face folders"). Each mode
# runs ckpt and its peer one after the other in the same run, each under /usr/bin/time -v, and
# prints wall time, CPU time, peak RSS and the ratios.
#
#   scripts/bench-hf.sh [CONFIG]             ckpt init vs transformers' from_config + save_pretrained
#                                            (the venv of scripts/setup-python-torch.sh), bf16, to tmpfs
#   scripts/bench-hf.sh --dd [CONFIG]        ckpt init (which fsyncs) vs dd conv=fdatasync of the same
#                                            bytes, through the page cache and with oflag=direct, bf16,
#                                            to a disk folder (default Mistral-7B, 14.5 GB)
#   scripts/bench-hf.sh --parts N [CONFIG]   one ckpt init vs N --only-shards K/N parts one after the
#                                            other: their CPU time together, and diff -r of the folders
#
# Default CONFIG: Fixtures/huggingface/hub/Llama-3.2-1B.json (--dd: Mistral-7B-v0.1.json).
# CKPT (default .build/release/ckpt), CKPT_VENV_TORCH (default ~/.cache/ckpt/venv-torch),
# BENCH_DIR (default /dev/shm; --dd: /var/tmp) and MAX_SHARD (--parts: default 300MB)
# override the tools, the folder written to and the shard size.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ckpt="${CKPT:-$root/.build/release/ckpt}"
python="${CKPT_VENV_TORCH:-$HOME/.cache/ckpt/venv-torch}/bin/python"
mode=transformers parts=0
case "${1:-}" in
    --dd) mode=dd; shift ;;
    --parts) mode=parts; parts="${2:?--parts needs a count}"; shift 2 ;;
esac
[[ "$mode" != parts || "$parts" =~ ^[1-9][0-9]*$ ]] || { echo "bench-hf: --parts takes a positive count" >&2; exit 2; }
default_config=Llama-3.2-1B.json
[ "$mode" = dd ] && default_config=Mistral-7B-v0.1.json
config="${1:-$root/Fixtures/huggingface/hub/$default_config}"
default_dir=/dev/shm
[ "$mode" = dd ] && default_dir=/var/tmp
out="$(mktemp -d "${BENCH_DIR:-$default_dir}/ckpt-bench-hf.XXXXXX")"
trap 'rm -rf "$out"' EXIT
[ -x "$ckpt" ] || { echo "bench-hf: no ckpt binary at $ckpt (swift build -c release --product ckpt)" >&2; exit 1; }
[ "$mode" != transformers ] || [ -x "$python" ] || { echo "bench-hf: no torch venv at $python (scripts/setup-python-torch.sh)" >&2; exit 1; }

# measure LABEL COMMAND...: runs it under /usr/bin/time -v; sets seconds, cpu, user, sys, rss_kib.
measure() {
    local label="$1"; shift
    /usr/bin/time -v "$@" 2> "$out/time.txt" >/dev/null || { cat "$out/time.txt" >&2; exit 1; }
    seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$out/time.txt")
    user=$(awk -F': ' '/User time/ { print $2 }' "$out/time.txt")
    sys=$(awk -F': ' '/System time/ { print $2 }' "$out/time.txt")
    cpu=$(echo "$user + $sys" | bc -l)
    rss_kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$out/time.txt")
    local bytes=-
    [ -e "$out/$label" ] && bytes="$(du -sb "$out/$label" | cut -f1) bytes"
    printf '%-13s %8.2f s wall  %8.2f s CPU (%.2f user + %.2f sys)  %8.1f MiB peak RSS  %s\n' \
        "$label" "$seconds" "$cpu" "$user" "$sys" "$(echo "$rss_kib / 1024" | bc -l)" "$bytes"
}

echo "config: $config ($(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg), $(df -hT "$out" | awk 'NR == 2 { print $2 " at " $7 }'))"
case "$mode" in
transformers)
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
    ;;
dd)
    measure ckpt "$ckpt" init "$config" -o "$out/ckpt" --dtype bfloat16 --quiet
    ckpt_seconds=$seconds
    bytes=$(du -sb "$out/ckpt" | cut -f1)
    rm -rf "$out/ckpt"
    sync
    # The same number of bytes (count_bytes: count is in bytes), in 16 MiB blocks, flushed to
    # the disk before dd exits.
    mkdir "$out/dd"
    measure dd dd if=/dev/zero of="$out/dd/model.bin" bs=16M count="$bytes" iflag=count_bytes conv=fdatasync status=none
    rm -rf "$out/dd"
    dd_seconds=$seconds
    # And around the page cache (O_DIRECT, as ckpt writes large files on disk file systems).
    mkdir "$out/dd"
    measure dd dd if=/dev/zero of="$out/dd/model.bin" bs=16M count="$bytes" iflag=count_bytes oflag=direct conv=fdatasync status=none
    rm -rf "$out/dd"
    printf 'ckpt takes %.2f× the time of dd conv=fdatasync and %.2f× that of dd oflag=direct conv=fdatasync, of %s bytes\n' \
        "$(echo "$ckpt_seconds / $dd_seconds" | bc -l)" "$(echo "$ckpt_seconds / $seconds" | bc -l)" "$bytes"
    ;;
parts)
    shard="${MAX_SHARD:-300MB}"
    measure ckpt "$ckpt" init "$config" -o "$out/ckpt" --dtype bfloat16 --max-shard-size "$shard" --quiet
    one_cpu=$cpu one_user=$user
    total_cpu=0 total_user=0
    for k in $(seq 1 "$parts"); do
        measure "part$k" "$ckpt" init "$config" -o "$out/parts" --dtype bfloat16 --max-shard-size "$shard" --only-shards "$k/$parts" --quiet
        total_cpu=$(echo "$total_cpu + $cpu" | bc -l) total_user=$(echo "$total_user + $user" | bc -l)
    done
    diff -r "$out/ckpt" "$out/parts" > /dev/null && same=identical || same=DIFFERENT
    printf '%d parts together: %.2f s CPU (%.2f user), %.3f× one run'"'"'s %.2f s CPU (%.3f× its user time); folders %s\n' \
        "$parts" "$total_cpu" "$total_user" "$(echo "$total_cpu / $one_cpu" | bc -l)" "$one_cpu" "$(echo "$total_user / $one_user" | bc -l)" "$same"
    [ "$same" = identical ]
    ;;
esac
