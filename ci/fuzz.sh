#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang, AddressSanitizer and
# UndefinedBehaviorSanitizer) and runs each for a fixed time over a copy of
# its committed seed corpus. Exits non-zero if any target finds a crash, a
# leak, a time-out or an out-of-memory input; the input is saved under the
# build directory and named in the output.
#   ci/fuzz.sh                  30 seconds per target (what CI runs)
#   ci/fuzz.sh 3600             an hour per target
#   ci/fuzz.sh 600 wal_fuzz     one target
# Environment: FUZZ_SECONDS (default seconds), FUZZ_BUILD_DIR (default
# build/fuzz), FUZZ_BUILD_TESTS (ON: the tree also builds every test suite,
# so that ci/test.sh runs them under the same sanitizers; default OFF),
# FUZZ_BUILD_JOBS (default: all cores), LSM_FUZZ_TMPDIR (where
# the targets put their scratch databases; default a new directory in
# /dev/shm, else $TMPDIR or /tmp, removed at the end).
# The working corpus (seeds plus what the runs found) lives in
# $FUZZ_BUILD_DIR/corpus/<target> and grows from run to run; the committed
# seeds in tests/fuzz/corpus are never modified.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

seconds=${1:-${FUZZ_SECONDS:-30}}
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: ci/fuzz.sh [SECONDS] [TARGET...]" >&2
  exit 2
fi
shift $(($# > 0 ? 1 : 0))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(sstable_fuzz wal_fuzz manifest_fuzz capi_ops_fuzz)
build=${FUZZ_BUILD_DIR:-build/fuzz}
jobs=${FUZZ_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}

ci/install-deps.sh fuzz
if ! command -v clang++ >/dev/null || ! echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' |
    clang++ -x c++ -fsanitize=fuzzer - -o /dev/null 2>/dev/null; then
  echo "fuzz: clang++ with libFuzzer is needed (Debian: clang libclang-rt-14-dev)" >&2
  exit 1
fi

# -O1 without -DNDEBUG: the engine's assert()s stay on.
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g" "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" \
  -DLSM_FUZZ=ON -DLSM_SANITIZE=address,undefined -DLSM_BUILD_TESTS="${FUZZ_BUILD_TESTS:-OFF}" \
  -DLSM_BUILD_TOOLS=OFF >/dev/null
if [ "${FUZZ_BUILD_TESTS:-OFF}" = ON ]; then cmake --build "$build" -j "$jobs"; fi
cmake --build "$build" --target lsm_fuzz -j "$jobs"

# Per target: the longest input (a table of a few blocks, a log of a few
# dozen records, a MANIFEST of a few dozen edits, a program of a few hundred
# operations; each keeps one input well under a second), and for the C ABI
# programs no slow ramp-up of the length (long programs reach the states
# worth testing: full write buffers, several levels).
flags() {
  case "$1" in
    sstable_fuzz | wal_fuzz) echo -max_len=8192 ;;
    manifest_fuzz) echo -max_len=4096 ;;
    capi_ops_fuzz) echo -max_len=2048 -len_control=0 ;;
    *) echo -max_len=4096 ;;
  esac
}

# Scratch databases of the targets: one directory for this run, removed at
# the end (a crashing target cannot clean up after itself).
if [ -z "${LSM_FUZZ_TMPDIR:-}" ]; then
  base=/dev/shm
  [ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
  LSM_FUZZ_TMPDIR=$(mktemp -d -p "$base")
  trap 'rm -rf "$LSM_FUZZ_TMPDIR"' EXIT
  export LSM_FUZZ_TMPDIR
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=()
for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/$t"
  if [ ! -x "$bin" ]; then
    echo "fuzz: no target $t" >&2
    exit 2
  fi
  corpus="$build/corpus/$t"
  artifacts="$build/artifacts/$t"
  log="$build/logs/$t.log"
  rm -rf "$artifacts"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  cp -n tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  echo "fuzz: $t for ${seconds}s (log: $log)"
  rc=0
  # shellcheck disable=SC2046  # flags() gives separate words
  "$bin" -max_total_time="$seconds" $(flags "$t") -timeout=25 \
    -rss_limit_mb=2048 -malloc_limit_mb=512 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" </dev/null >"$log" 2>&1 || rc=$?
  # The final stats: libFuzzer's last status line and its execution count.
  grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1 | sed 's/^/  /' || true
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" | sed 's/^/  /' || true
  if [ "$rc" -ne 0 ]; then
    echo "fuzz: $t FAILED (exit $rc); the end of its log:" >&2
    tail -n 60 "$log" >&2
    ls -1 "$artifacts" | sed "s|^|  saved input: $artifacts/|" >&2
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s each without a failure"
