#!/usr/bin/env bash
# Model-scale benchmarks of ckpt (issue 6): ckpt init / convert against NumPy, h5py, safetensors,
# Keras and dd/cp writing the same number of bytes to the same folder, in one run.
#
#   scripts/bench/models.sh [--scenario S[,S…]] [--model SPEC|NAME] [--dir DIR] [--dtype D]
#                           [--direct-io auto|both] [--no-peers] [--no-keras] [--no-ckpt] [--out FILE.jsonl]
#                           [--ckpt BINARY]
#
# Scenarios (default: init,convert):
#   init     ckpt init MODEL to .weights.h5, .safetensors, .npz; NumPy+h5py (streaming, tensor by
#            tensor), NumPy+safetensors (save_file of the whole dict), Keras model_from_json +
#            save_weights (when the model fits in memory); dd of the same bytes (and dd
#            conv=fdatasync, dd oflag=direct on a disk folder).
#   convert  ckpt convert of MODEL's safetensors to .npz and .weights.h5 and of the .npz back to
#            safetensors, against cp of the same file.
#   pairs    ckpt convert between every pair of safetensors, npz, deflated npz, .weights.h5, .h5
#            and .keras (sources made once, hot in the page cache), against cp and cp + sync;
#            needs room for 7 x the model. Deflated npz is a target of the safetensors only.
#   large    llama_7b (or --model, e.g. llama_mlp_7b) in bfloat16 (≈ 13.5 GB) to one safetensors
#            file: must finish; peak RSS.
#   small    per-tensor overhead: resnet50, small_tensors_10k (10 000 tensors) and
#            single_tensor_10k (the same bytes in one tensor), every format, against dd and the
#            same peers as init (--no-peers, --no-keras leave them out).
#
# MODEL is a path or a name in Fixtures/bench/ (default gpt_1_3b, the GPT-style 1.3 B model;
# mlp_1_3b is the same bytes with Dense attention).
# DIR (default /tmp/ckpt-bench) is where every file goes; each output is removed after its step.
# --direct-io both runs ckpt's safetensors and npz writes twice, CKPT_DIRECT_IO=1 and =0.
# --no-ckpt (scenario init) runs only the peers, to complete an earlier run (report.py --merge).
# KERAS_TIMEOUT (seconds, default 300) bounds each Keras run: Keras 3 needs more than 10 minutes to
# build small_tensors_10k's 5 000-layer Sequential from JSON, and that row is then marked skipped.
# Every step is timed by /usr/bin/time (wall, user, sys, peak RSS) and appended as a JSON line to
# --out (default DIR/results.jsonl); the table with ratios is printed at the end by report.py.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="$ROOT/.venv/bin/python"
CKPT="$ROOT/.build/release/ckpt"
SCENARIOS="init,convert"
MODEL="gpt_1_3b"
DIR="/tmp/ckpt-bench"
DTYPE="float32"
DIRECT="auto"
PEERS=1
CKPT_ROWS=1
MODEL_GIVEN=0
KERAS=1
KERAS_TIMEOUT="${KERAS_TIMEOUT:-300}"
OUT=""

while [[ $# -gt 0 ]]; do
    case "$1" in
        --scenario) SCENARIOS="$2"; shift 2 ;;
        --model) MODEL="$2"; MODEL_GIVEN=1; shift 2 ;;
        --dir) DIR="$2"; shift 2 ;;
        --dtype) DTYPE="$2"; shift 2 ;;
        --direct-io) DIRECT="$2"; shift 2 ;;
        --no-peers) PEERS=0; shift ;;
        --no-keras) KERAS=0; shift ;;
        --no-ckpt) CKPT_ROWS=0; shift ;;
        --out) OUT="$2"; shift 2 ;;
        --ckpt) CKPT="$2"; shift 2 ;;
        -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "models.sh: unknown argument $1" >&2; exit 64 ;;
    esac
done

[[ -x /usr/bin/time ]] || { echo "models.sh: /usr/bin/time is missing: apt-get install -y time" >&2; exit 1; }
[[ -x "$CKPT" ]] || { echo "models.sh: $CKPT is missing: swift build -c release --product ckpt" >&2; exit 1; }
[[ -x "$PY" ]] || { echo "models.sh: $PY is missing: scripts/setup-python.sh" >&2; exit 1; }
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
OUT="${OUT:-$DIR/results.jsonl}"
FSTYPE="$(stat -f -c %T "$DIR")"
RUN_ID="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
export KERAS_BACKEND=numpy

spec_path() {
    if [[ -f "$1" ]]; then echo "$1"
    elif [[ -f "$ROOT/Fixtures/bench/$1.json" ]]; then echo "$ROOT/Fixtures/bench/$1.json"
    elif [[ -f "$ROOT/Fixtures/keras/$1.json" ]]; then echo "$ROOT/Fixtures/keras/$1.json"
    else echo "models.sh: no spec $1 (a path, or a name in Fixtures/bench or Fixtures/keras)" >&2; exit 1
    fi
}

# bytes of a model's tensors in DTYPE, and tensor count: "BYTES TENSORS"
model_size() {
    "$PY" - "$1" "$2" "$ROOT/scripts/bench" <<'EOF'
import math, sys
sys.path.insert(0, sys.argv[3])
from shapes import tensors
t = tensors(sys.argv[1])
width = {"float32": 4, "bfloat16": 2, "float16": 2, "float64": 8}[sys.argv[2]]
print(sum(math.prod(s) for _, s in t) * width, len(t))
EOF
}

avail_bytes() { df --output=avail -B1 "$DIR" | tail -1 | tr -d ' '; }
mem_available() { awk '/MemAvailable/ {printf "%.0f\n", $2 * 1024}' /proc/meminfo; }

# Is there room for NEED bytes in DIR (and, on tmpfs, in memory)?
room_for() {
    local need=$1
    (( $(avail_bytes) > need + need / 10 + (256 << 20) )) || return 1
    if [[ "$FSTYPE" == tmpfs ]]; then (( $(mem_available) > need + (2 << 30) )) || return 1; fi
    return 0
}

# record MODEL STEP TOOL FORMAT FILE_OR_BYTES TIMEFILE [note]: one JSON line to OUT and a line on stdout
record() {
    local model=$1 step=$2 tool=$3 format=$4 bytes=$5 timefile=$6 note=${7:-}
    local wall user sys rss
    read -r wall user sys rss < <(tail -1 "$timefile")
    printf '{"run": "%s", "model": "%s", "dir": "%s", "fs": "%s", "step": "%s", "tool": "%s", "format": "%s", "dtype": "%s", "bytes": %s, "wall_s": %s, "user_s": %s, "sys_s": %s, "max_rss_kb": %s, "note": "%s"}\n' \
        "$RUN_ID" "$model" "$DIR" "$FSTYPE" "$step" "$tool" "$format" "$DTYPE" "$bytes" "$wall" "$user" "$sys" "$rss" "$note" >> "$OUT"
    printf '  %-8s %-34s %-12s %8.2f s wall  %7.2f s cpu  %8.0f MB rss  %8.1f MB/s %s\n' "$step" "$tool" "$format" \
        "$wall" "$(echo "$user + $sys" | bc)" "$(echo "$rss / 1024" | bc)" \
        "$(echo "if ($wall > 0) $bytes / $wall / 1000000 else 0" | bc -l)" "$note"
}

skip() {  # MODEL STEP TOOL FORMAT REASON
    printf '{"run": "%s", "model": "%s", "dir": "%s", "fs": "%s", "step": "%s", "tool": "%s", "format": "%s", "dtype": "%s", "skipped": "%s"}\n' \
        "$RUN_ID" "$1" "$DIR" "$FSTYPE" "$2" "$3" "$4" "$DTYPE" "$5" >> "$OUT"
    printf '  %-8s %-34s %-12s skipped: %s\n' "$2" "$3" "$4" "$5"
}

TIMEFILE="$DIR/.time.$$"
trap 'rm -f "$TIMEFILE" "$DIR"/bench.* "$DIR"/src.* "$DIR"/dd.bin' EXIT

# timed OUTPUT_FILE -- command…: runs it under /usr/bin/time; prints the output's size (0 when
# the command failed, whose stderr is shown).
timed() {
    local output=$1; shift; shift
    if /usr/bin/time -f '%e %U %S %M' -o "$TIMEFILE" "$@" > "$DIR/.log.$$" 2>&1; then
        local size=0
        [[ -e "$output" ]] && size=$(stat -c %s "$output")
        echo "$size"
    else
        sed 's/^/    | /' "$DIR/.log.$$" | tail -5 >&2
        echo 0
    fi
    rm -f "$DIR/.log.$$"
}

dd_rows() {  # MODEL BYTES: exactly BYTES (iflag=count_bytes), in 16 MiB blocks
    local model=$1 bytes=$2
    local variants=("")
    [[ "$FSTYPE" != tmpfs ]] && variants+=("conv=fdatasync" "oflag=direct")
    for v in "${variants[@]}"; do
        # shellcheck disable=SC2086
        timed "$DIR/dd.bin" -- dd if=/dev/zero of="$DIR/dd.bin" bs=16M count="$bytes" iflag=count_bytes $v status=none > /dev/null
        record "$model" floor "dd${v:+ $v}" raw "$bytes" "$TIMEFILE"
        rm -f "$DIR/dd.bin"
    done
}

ckpt_init() {  # MODEL SPEC FORMAT EXT [direct]
    local model=$1 spec=$2 format=$3 ext=$4 direct=${5:-auto} out="$DIR/bench.$4" tool="ckpt init"
    local env=()
    [[ "$direct" != auto ]] && { env=(env "CKPT_DIRECT_IO=$direct"); tool="ckpt init (direct io $direct)"; }
    local size
    size=$(timed "$out" -- "${env[@]}" "$CKPT" init "$spec" -o "$out" --format "$format" --dtype "$DTYPE" --seed 0 --force --quiet)
    if [[ $size == 0 ]]; then skip "$model" init "$tool" "$format" "ckpt failed"; else record "$model" init "$tool" "$format" "$size" "$TIMEFILE"; fi
    rm -f "$out"
}

init_formats() {  # MODEL SPEC
    local model=$1 spec=$2 f
    for f in weights.h5 safetensors npz; do
        if [[ $f != weights.h5 && $DIRECT == both ]]; then
            ckpt_init "$model" "$spec" "$f" "$f" 1
            ckpt_init "$model" "$spec" "$f" "$f" 0
        else
            ckpt_init "$model" "$spec" "$f" "$f"
        fi
    done
}

scenario_init() {
    local spec; spec=$(spec_path "$MODEL")
    local name; name=$(basename "$spec" .json)
    local bytes tensors; read -r bytes tensors < <(model_size "$spec" "$DTYPE")
    echo "== init: $name ($tensors tensors, $bytes bytes $DTYPE) in $DIR ($FSTYPE)"
    if ! room_for "$bytes"; then skip "$name" init all all "no room for $bytes bytes in $DIR"; return; fi
    if (( CKPT_ROWS )); then
        dd_rows "$name" "$bytes"
        init_formats "$name" "$spec"
    fi
    peer_rows "$name" "$spec" "$bytes" init
}

# The peers of one model: NumPy + h5py streaming, NumPy + safetensors save_file, Keras save_weights.
peer_rows() {  # MODEL SPEC BYTES STEP
    local name=$1 spec=$2 bytes=$3 step=$4
    if (( PEERS )); then
        local size
        size=$(timed "$DIR/bench.h5" -- "$PY" "$ROOT/scripts/bench/peer_numpy.py" "$spec" "$DIR/bench.h5" h5 --dtype "$DTYPE")
        record "$name" "$step" "numpy+h5py (streaming)" h5 "$size" "$TIMEFILE"; rm -f "$DIR/bench.h5"
        # save_file needs the whole dict in memory (plus the file's bytes while serializing).
        if (( $(mem_available) > 2 * bytes + (2 << 30) )); then
            size=$(timed "$DIR/bench.st" -- "$PY" "$ROOT/scripts/bench/peer_numpy.py" "$spec" "$DIR/bench.st" safetensors --dtype "$DTYPE")
            record "$name" "$step" "numpy+safetensors (save_file)" safetensors "$size" "$TIMEFILE"; rm -f "$DIR/bench.st"
        else
            skip "$name" "$step" "numpy+safetensors (save_file)" safetensors "needs 2x the model in memory"
        fi
    fi
    if (( KERAS )) && [[ $DTYPE == float32 ]]; then
        if (( $(mem_available) > 2 * bytes + (2 << 30) )); then
            local size
            size=$(timed "$DIR/bench.weights.h5" -- timeout "$KERAS_TIMEOUT" "$PY" "$ROOT/scripts/bench/peer_keras.py" "$spec" "$DIR/bench.weights.h5")
            if [[ $size == 0 ]]; then skip "$name" "$step" "keras save_weights" weights.h5 "keras failed or did not finish in ${KERAS_TIMEOUT} s"
            else record "$name" "$step" "keras save_weights" weights.h5 "$size" "$TIMEFILE"; fi
            rm -f "$DIR/bench.weights.h5"
        else
            skip "$name" "$step" "keras save_weights" weights.h5 "the model ($bytes bytes) does not fit in memory twice"
        fi
    fi
}

scenario_convert() {
    local spec; spec=$(spec_path "$MODEL")
    local name; name=$(basename "$spec" .json)
    local bytes tensors; read -r bytes tensors < <(model_size "$spec" "$DTYPE")
    echo "== convert: $name ($bytes bytes $DTYPE) in $DIR ($FSTYPE)"
    if ! room_for $(( 2 * bytes )); then skip "$name" convert all all "no room for 2 x $bytes bytes in $DIR"; return; fi
    "$CKPT" init "$spec" -o "$DIR/src.safetensors" --dtype "$DTYPE" --seed 0 --force --quiet
    local size
    size=$(timed "$DIR/bench.copy" -- cp "$DIR/src.safetensors" "$DIR/bench.copy")
    record "$name" convert "cp" safetensors "$size" "$TIMEFILE"; rm -f "$DIR/bench.copy"
    size=$(timed "$DIR/bench.copy" -- sh -c "cp '$DIR/src.safetensors' '$DIR/bench.copy' && sync '$DIR/bench.copy'")
    record "$name" convert "cp + sync" safetensors "$size" "$TIMEFILE"; rm -f "$DIR/bench.copy"
    for target in npz weights.h5; do
        size=$(timed "$DIR/bench.$target" -- "$CKPT" convert "$DIR/src.safetensors" "$DIR/bench.$target" --force --quiet)
        record "$name" convert "ckpt convert safetensors→$target" "$target" "$size" "$TIMEFILE"
        if [[ $target == npz ]]; then mv "$DIR/bench.npz" "$DIR/src.npz"; else rm -f "$DIR/bench.$target"; fi
    done
    rm -f "$DIR/src.safetensors"
    size=$(timed "$DIR/bench.safetensors" -- "$CKPT" convert "$DIR/src.npz" "$DIR/bench.safetensors" --spec "$spec" --force --quiet)
    record "$name" convert "ckpt convert npz→safetensors" safetensors "$size" "$TIMEFILE"
    rm -f "$DIR/bench.safetensors" "$DIR/src.npz"
}

scenario_pairs() {
    local spec; spec=$(spec_path "$MODEL")
    local name; name=$(basename "$spec" .json)
    local bytes tensors; read -r bytes tensors < <(model_size "$spec" "$DTYPE")
    echo "== pairs: $name ($bytes bytes $DTYPE) in $DIR ($FSTYPE)"
    if ! room_for $(( 7 * bytes )); then skip "$name" pairs all all "no room for 7 x $bytes bytes in $DIR"; return; fi
    "$CKPT" init "$spec" -o "$DIR/src.safetensors" --dtype "$DTYPE" --seed 0 --force --quiet
    local size i source target
    for i in 1 2 3; do
        size=$(timed "$DIR/bench.copy" -- cp "$DIR/src.safetensors" "$DIR/bench.copy")
        record "$name" pairs "cp" safetensors "$size" "$TIMEFILE"; rm -f "$DIR/bench.copy"
        size=$(timed "$DIR/bench.copy" -- sh -c "cp '$DIR/src.safetensors' '$DIR/bench.copy' && sync '$DIR/bench.copy'")
        record "$name" pairs "cp + sync" safetensors "$size" "$TIMEFILE"; rm -f "$DIR/bench.copy"
    done
    "$CKPT" convert "$DIR/src.safetensors" "$DIR/src.npz" --quiet
    "$CKPT" convert "$DIR/src.safetensors" "$DIR/src.deflated.npz" --compress --quiet
    for target in weights.h5 h5 keras; do "$CKPT" convert "$DIR/src.safetensors" "$DIR/src.$target" --quiet; done
    for source in safetensors npz deflated.npz weights.h5 h5 keras; do
        for target in safetensors npz weights.h5 h5 keras; do
            # Every file is read once before it is timed: sources written with O_DIRECT are not cached.
            cat "$DIR/src.$source" > /dev/null
            size=$(timed "$DIR/bench.$target" -- "$CKPT" convert "$DIR/src.$source" "$DIR/bench.$target" --spec "$spec" --force --quiet)
            record "$name" pairs "ckpt convert ${source}→$target" "$target" "$size" "$TIMEFILE"; rm -f "$DIR/bench.$target"
        done
    done
    cat "$DIR/src.safetensors" > /dev/null
    size=$(timed "$DIR/bench.npz" -- "$CKPT" convert "$DIR/src.safetensors" "$DIR/bench.npz" --compress --force --quiet)
    record "$name" pairs "ckpt convert safetensors→deflated npz" npz "$size" "$TIMEFILE"
    rm -f "$DIR"/bench.* "$DIR"/src.*
}

scenario_large() {
    local spec; spec=$(spec_path "$( (( MODEL_GIVEN )) && echo "$MODEL" || echo llama_7b)")
    local llama_7b; llama_7b=$(basename "$spec" .json)
    local saved=$DTYPE; DTYPE=bfloat16
    local bytes tensors; read -r bytes tensors < <(model_size "$spec" "$DTYPE")
    echo "== large: $llama_7b ($tensors tensors, $bytes bytes bfloat16) in $DIR ($FSTYPE)"
    if ! room_for "$bytes"; then skip "$llama_7b" large "ckpt init" safetensors "no room for $bytes bytes in $DIR"; DTYPE=$saved; return; fi
    local size
    size=$(timed "$DIR/bench.safetensors" -- "$CKPT" init "$spec" -o "$DIR/bench.safetensors" --dtype bfloat16 --seed 0 --force --quiet)
    if [[ $size == 0 ]]; then skip "$llama_7b" large "ckpt init" safetensors "ckpt failed"
    else record "$llama_7b" large "ckpt init" safetensors "$size" "$TIMEFILE"
        echo "  peak RSS of ckpt init (7 B bfloat16 safetensors): $(awk '{printf "%.0f MB", $4 / 1024}' "$TIMEFILE")"
        rm -f "$DIR/bench.safetensors"
        dd_rows "$llama_7b" "$bytes"
    fi
    rm -f "$DIR/bench.safetensors"
    skip "$llama_7b" large "keras save_weights" weights.h5 "a 7 B Keras model (27 GB float32) does not fit in 24 GiB"
    DTYPE=$saved
}

scenario_small() {
    local m spec bytes tensors
    for m in resnet50 small_tensors_10k single_tensor_10k; do
        spec=$(spec_path "$m")
        read -r bytes tensors < <(model_size "$spec" "$DTYPE")
        echo "== small: $m ($tensors tensors, $bytes bytes $DTYPE) in $DIR ($FSTYPE)"
        dd_rows "$m" "$bytes"
        init_formats "$m" "$spec"
        local size
        size=$(timed "$DIR/bench.plan" -- sh -c "'$CKPT' plan '$spec' --json > '$DIR/bench.plan'")
        record "$m" init "ckpt plan --json" plan "$size" "$TIMEFILE"; rm -f "$DIR/bench.plan"
        peer_rows "$m" "$spec" "$bytes" init
    done
}

echo "ckpt benchmarks: $(uname -srm), $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg); run $RUN_ID; results → $OUT"
IFS=',' read -r -a list <<< "$SCENARIOS"
for s in "${list[@]}"; do
    case "$s" in
        init) scenario_init ;;
        convert) scenario_convert ;;
        pairs) scenario_pairs ;;
        large) scenario_large ;;
        small) scenario_small ;;
        *) echo "models.sh: unknown scenario $s" >&2; exit 64 ;;
    esac
done
"$PY" "$ROOT/scripts/bench/report.py" "$OUT" --run "$RUN_ID"
