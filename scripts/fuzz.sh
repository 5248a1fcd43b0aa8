#!/usr/bin/env bash
# Fuzzes ckpt's readers with libFuzzer (see docs/fuzzing.md).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]        default 30
#
# 1. Builds the Fuzz package (release, libFuzzer + AddressSanitizer, every module instrumented)
#    into Fuzz/.build-fuzz.
# 2. Replays Fuzz/Regressions/<target>/* once each: inputs that once crashed ckpt must not again.
# 3. Runs each target for SECONDS_PER_TARGET on a copy of Fuzz/Corpus/<target> (the committed
#    corpus never grows).
# Exits non-zero when the build fails, a regression input fails, or a target finds a crash,
# timeout, out-of-memory or leak in ckpt's code, printing each reproducer's path.
#
# Environment:
#   FUZZ_TARGETS="FuzzNPZ FuzzJSON"   run only these targets (default: all)
#   FUZZ_OUT=dir                      where corpora copies, logs and reproducers go
#                                     (default Fuzz/.build-fuzz/fuzz-out, emptied per target)
#   FUZZ_RUNS=N                       stop each target after N inputs (SECONDS_PER_TARGET stays
#                                     the cap): the campaign in docs/fuzzing.md uses 1000000
#   CKPT_FUZZ_STRICT=1                also fail on findings inside libhdf5 itself
#   CKPT_FUZZ_STRICT_ERRORS=1         also fail when a reader's error does not name the file
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
fuzz="$root/Fuzz"
seconds="${1:-30}"
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET]" >&2; exit 2; }
scratch="$fuzz/.build-fuzz"
out="${FUZZ_OUT:-$scratch/fuzz-out}"
all_targets=(FuzzNPZ FuzzSafetensors FuzzJSON FuzzHDF5 FuzzKeras FuzzTorch FuzzHFConfig FuzzGGUF)
read -r -a targets <<< "${FUZZ_TARGETS:-${all_targets[*]}}"
# Swift's own crash handler would catch a trap before libFuzzer does (and trips ASan while
# reading the crashed process's memory); let libFuzzer report and save the input.
export SWIFT_BACKTRACE=enable=no

# Largest input per target: above its largest seed, small enough to keep runs fast.
max_len() {
  case "$1" in
    FuzzNPZ | FuzzTorch) echo 16384 ;;
    FuzzSafetensors | FuzzJSON | FuzzHFConfig | FuzzGGUF) echo 32768 ;;
    FuzzHDF5 | FuzzKeras) echo 65536 ;;
  esac
}
# Targets that reach libhdf5, which is not instrumented and crashes, hangs and leaks on hostile
# files by itself (docs/fuzzing.md): its global caches leak on error paths, so leak detection
# is off, and these run in fork mode so a libhdf5 crash does not end the run.
uses_hdf5() { [[ "$1" == FuzzHDF5 || "$1" == FuzzKeras ]]; }
asan_options() {
  if uses_hdf5 "$1"; then
    echo "detect_leaks=0:allocator_may_return_null=1"
  else
    echo "detect_leaks=1"
  fi
}

# --- build -------------------------------------------------------------------------------
# Each -sanitize= flag replaces the previous one in the Swift driver, and SwiftPM passes its
# --sanitize values in no fixed order, so `--sanitize=fuzzer --sanitize=address` yields either
# coverage or ASan, never both. `--sanitize=fuzzer` is there for SwiftPM's sake (it then lets
# libFuzzer provide main()); the single -Xswiftc flag after it is what every module, CkptKit
# included, is compiled and linked with. -enable-testing allows `@testable import CkptKit`.
echo "== building fuzz targets (release, -sanitize=fuzzer,address)" >&2
build_start=$SECONDS
swift build --package-path "$fuzz" -c release --scratch-path "$scratch" \
  --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing
bin="$(swift build --package-path "$fuzz" -c release --scratch-path "$scratch" \
  --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing --show-bin-path)"
echo "== built in $((SECONDS - build_start)) s" >&2

# Inputs are written to files (in RAM when /dev/shm exists), and KerasArchiveReader extracts
# the weights to $TMPDIR; a crashed process leaves both behind, so keep them in one place.
scratch_files="$(mktemp -d "$( [ -w /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")/ckpt-fuzz-run.XXXXXX")"
trap 'rm -rf "$scratch_files"' EXIT
export CKPT_FUZZ_INPUT_DIR="$scratch_files"
export TMPDIR="$scratch_files"

# --- classifying a finding ---------------------------------------------------------------
# Prints "libhdf5" when the report's faulting frame is inside libhdf5 (and, for a memory
# error, the memory was not allocated by ckpt), otherwise "ckpt".
runtime_frames='compiler-rt/lib|/libc\.so|sysdeps/|libc_start|__sanitizer|libswiftCore\.so|in _start|in abort|in raise|in gsignal|LLVMFuzzerTestOneInput'
classify() {
  local log="$1" frame alloc
  frame="$(grep -E '^ +#[0-9]+ 0x' "$log" | grep -vE "$runtime_frames" | head -1 || true)"
  alloc="$(sed -n '/allocated by thread/,$p' "$log" | grep -E '^ +#[0-9]+ 0x' | grep -vE "$runtime_frames" | head -1 || true)"
  if [[ "$frame" == *libhdf5* && "$alloc" != *CkptKit* && "$alloc" != *Fuzz* ]]; then
    echo libhdf5
  else
    echo ckpt
  fi
}

failed=0
hdf5_findings=0
value_findings=0
report() {  # target, reproducer, replay log, replay exit status
  local t="$1" file="$2" log="$3" status="$4" owner summary frame
  owner="$(classify "$log")"
  summary="$(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|Fatal error|invariant broken' "$log" || true)"
  if [ "$status" -eq 0 ]; then
    # Fork mode can save an input whose crash depended on an earlier input's state.
    echo "   did not reproduce on replay: $file" >&2
    uses_hdf5 "$t" || failed=1
  elif [[ "$owner" == libhdf5 && "${CKPT_FUZZ_STRICT:-0}" != 1 ]]; then
    # One line each: the frame that faulted, and the file (its full report is in $log).
    frame="$(grep -E '^ +#[0-9]+ 0x' "$log" | grep -vE "$runtime_frames" | head -1 | sed -E 's/^ *#[0-9]+ 0x[0-9a-f]+ (in )?//; s/ \(BuildId.*//' || true)"
    # Where ckpt was: opening (the structure walk, which the HDF5 probe contains) or reading
    # values (DatasetRows / HDF5ChunkedRows, after the probe): the second kind would escape it.
    local stage="opening"
    if grep -qE 'DatasetRows|HDF5ChunkedRows|readRawChunk|H5Dread' "$log"; then stage="reading values"; value_findings=$((value_findings + 1)); fi
    hdf5_findings=$((hdf5_findings + 1))
    echo "   libhdf5 (not failing, while $stage): $(basename "$file"): ${summary#*ERROR: } at ${frame}" >&2
    return
  else
    echo "!! $t: finding in ckpt: $file" >&2
    failed=1
  fi
  echo "      ${summary:-(no sanitizer summary; see $log)}" >&2
  grep -E '^ +#[0-9]+ 0x' "$log" | grep -vE "$runtime_frames" | head -4 | sed 's/^ */        /' >&2 || true
  echo "      replay: SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=$(asan_options "$t") $bin/$t $file" >&2
}

# --- regressions -------------------------------------------------------------------------
for t in "${targets[@]}"; do
  shopt -s nullglob
  inputs=("$fuzz/Regressions/$t"/*)
  shopt -u nullglob
  [ ${#inputs[@]} -eq 0 ] && continue
  echo "== $t: replaying ${#inputs[@]} regression input(s)" >&2
  for input in "${inputs[@]}"; do
    log="$(mktemp)"
    if ! ASAN_OPTIONS="$(asan_options "$t")" "$bin/$t" -timeout=10 -rss_limit_mb=2048 "$input" > "$log" 2>&1; then
      echo "!! $t: regression input fails again: $input" >&2
      grep -m1 -E 'ERROR: |Fatal error|invariant broken' "$log" | sed 's/^/      /' >&2 || true
      echo "      replay: SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=$(asan_options "$t") $bin/$t $input" >&2
      failed=1
    fi
    rm -f "$log"
  done
done

# --- fuzzing -----------------------------------------------------------------------------
for t in "${targets[@]}"; do
  work="$out/$t"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/reproducers"
  cp "$fuzz/Corpus/$t"/* "$work/corpus/"
  flags=(
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len="$(max_len "$t")"
    -dict="$fuzz/Dictionaries/$t.dict" -artifact_prefix="$work/reproducers/" -print_final_stats=1
  )
  [ -n "${FUZZ_RUNS:-}" ] && flags+=(-runs="$FUZZ_RUNS")
  uses_hdf5 "$t" && flags+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  echo "== $t: fuzzing for $seconds s (log: $work/fuzz.log)" >&2
  status=0
  target_start=$SECONDS
  (cd "$work" && ASAN_OPTIONS="$(asan_options "$t")" "$bin/$t" "${flags[@]}" "$work/corpus" > "$work/fuzz.log" 2>&1) || status=$?
  # Fork mode prints no final stats; its last status line has the run count.
  runs="$(grep -E '^stat::number_of_executed_units' "$work/fuzz.log" | awk '{print $2}' || true)"
  [ -n "$runs" ] || runs="$(grep -E '^#[0-9]+: cov:' "$work/fuzz.log" | tail -1 | sed -E 's/^#([0-9]+):.*/\1/' || true)"
  took=$(( SECONDS - target_start ))
  cov="$(grep -E '^#[0-9]+: cov:|^#[0-9]+\s.*cov:' "$work/fuzz.log" | tail -1 | sed -E 's/.*cov: ([0-9]+).*ft: ([0-9]+).*/\1 edges, \2 features/' || true)"
  echo "   ${runs:-0} inputs in $took s ($(( ${runs:-0} / (took > 0 ? took : 1) )) exec/s); coverage: ${cov:-?}" >&2
  shopt -s nullglob
  found=("$work/reproducers"/*)
  shopt -u nullglob
  if [ ${#found[@]} -eq 0 ] && [ "$status" -ne 0 ]; then
    echo "!! $t: libFuzzer exited with $status and left no reproducer; see $work/fuzz.log" >&2
    failed=1
  fi
  for file in "${found[@]}"; do
    [[ "$file" == *.log ]] && continue
    # Replay to get this input's own report (fork mode interleaves its children's logs).
    replayed=0
    ASAN_OPTIONS="$(asan_options "$t")" timeout 60 "$bin/$t" -timeout=10 -rss_limit_mb=2048 "$file" > "$file.log" 2>&1 || replayed=$?
    report "$t" "$file" "$file.log" "$replayed"
  done
done

[ "$hdf5_findings" -gt 0 ] && echo "fuzz: $hdf5_findings libhdf5 finding(s), $value_findings of them while reading values" >&2
if [ "$failed" -ne 0 ]; then
  echo "fuzz: FAILED (minimize a reproducer with: <target> -minimize_crash=1 -runs=10000 <file>)" >&2
  exit 1
fi
echo "fuzz: no findings in ckpt (${targets[*]}, $seconds s each)" >&2
