#!/usr/bin/env bash
# ci/abi-check.sh [--update] [BUILD_DIR]
#
# Compares the ABI of BUILD_DIR's liblsm.so (default build/test, the tree
# ci/test.sh builds) with the baseline committed in capi/abi/:
#   liblsm.so.abi   the library's public ABI as libabigail's abidw writes it
#                   (functions, their symbol versions, the types they take and
#                   return), limited to what capi/include declares: the C++
#                   core's types are not part of it;
#   lsm.h.macros    lsm.h's constants (status codes, limits, option values),
#                   which a compiled program carries as numbers and which no
#                   debug information records.
# It also runs ci/abi-exports.sh (lsm.h, lsm.map and the exports agree).
#
# If BUILD_DIR has no liblsm.so it is configured and the lsm target built
# (RelWithDebInfo: abidw needs the debug information); otherwise nothing is
# built, so build the lsm target first if the sources changed.
#
# Any difference fails, so that the ABI changes only in a commit that says
# so (docs/abi.md):
#   - an incompatible change (a function removed, a parameter or return type
#     changed, a constant's value changed or removed) must not be made to a
#     released ABI at all;
#   - a compatible one (a function or constant added) is made deliberately:
#     run `ci/abi-check.sh --update BUILD_DIR`, which rewrites the baseline
#     from the library, and commit capi/abi/ together with the change (and
#     the new functions in a new node of capi/lsm.map).
# Needs abidiff and abidw (Debian: abigail-tools; ci/install-deps.sh test).
#
# Exit status: 0 same ABI; 1 a difference or a failed check; 2 bad usage or a
# missing tool.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
update=0
if [ "${1:-}" = --update ]; then
  update=1
  shift
fi
if [ $# -gt 1 ] || [[ "${1:-}" == -* ]]; then
  echo "usage: $0 [--update] [BUILD_DIR]" >&2
  exit 2
fi
build=${1:-$root/build/test}
headers=$root/capi/include
baseline=$root/capi/abi/liblsm.so.abi
macros=$root/capi/abi/lsm.h.macros
for tool in abidw abidiff; do
  if ! command -v "$tool" >/dev/null; then
    echo "abi-check: $tool not found (Debian: apt-get install abigail-tools)" >&2
    exit 2
  fi
done

if [ ! -e "$build/liblsm.so" ]; then
  echo "abi-check: no $build/liblsm.so; building it"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLSM_WERROR=ON >/dev/null
  cmake --build "$build" --target lsm -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
fi
lib=$(readlink -f "$build/liblsm.so")
if ! readelf -S "$lib" | grep -q '\.debug_info'; then
  echo "abi-check: $lib has no debug information; build it with -g (RelWithDebInfo or Debug)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The public ABI only: types that capi/include does not define (lsm_c.cc's
# handle structs, the core) are dropped, and only what the exported
# functions reach is kept. No locations, compile directories, DT_NEEDED
# list or absolute paths, so the file depends on the interface alone.
abidump() {
  abidw --headers-dir "$headers" --drop-private-types --exported-interfaces-only \
    --no-show-locs --no-comp-dir-path --no-corpus-path --no-elf-needed --type-id-style hash \
    --out-file "$work/abi.tmp" "$lib"
  sed "s|path='$root/|path='|" "$work/abi.tmp"
}
# lsm.h's object-like macros as the preprocessor sees them, minus the
# version (it changes every release by design) and the include guard.
macrodump() {
  ${CC:-cc} -std=c99 -dM -E -x c "$headers/lsm.h" |
    grep -E '^#define LSM_[A-Z0-9_]+ ' |
    grep -vE '^#define (LSM_H|LSM_VERSION_[A-Z_]+|LSM_EXPORT) ' | LC_ALL=C sort
}

if [ "$update" = 1 ]; then
  "$root/ci/abi-exports.sh" "$lib" "$headers/lsm.h" "$root/capi/lsm.map"
  mkdir -p "$(dirname "$baseline")"
  abidump >"$baseline"
  macrodump >"$macros"
  echo "abi-check: wrote $baseline and $macros from $lib; review 'git diff capi/abi' and commit it"
  exit 0
fi

failures=0
"$root/ci/abi-exports.sh" "$lib" "$headers/lsm.h" "$root/capi/lsm.map" || failures=$((failures + 1))

# abidiff's exit status is a bit set: 1 error, 2 usage error, 4 the ABI
# changed, 8 the change is incompatible.
set +e
abidiff --headers-dir2 "$headers" --drop-private-types --exported-interfaces-only \
  "$baseline" "$lib" >"$work/abidiff.txt" 2>&1
status=$?
set -e
if [ $((status & 3)) -ne 0 ]; then
  cat "$work/abidiff.txt" >&2
  echo "abi-check: abidiff failed (status $status)" >&2
  exit 1
fi
# Bit 8 is not enough to tell a break: abidiff reports a parameter added
# to a C function as a mere change. So only additions count as compatible:
# every summary line ("Functions changes summary: 0 Removed, 1 Changed,
# 0 Added function", the same for variables and symbols) must show nothing
# removed or changed, and nothing else (soname, architecture) may differ.
kind=
if [ $((status & 4)) -ne 0 ]; then
  kind=compatible
  if [ $((status & 8)) -ne 0 ] ||
    grep -qE '(^|[^0-9])([1-9][0-9]*) (Removed|Changed)' "$work/abidiff.txt" ||
    grep -qiE 'soname changed|architecture changed' "$work/abidiff.txt" ||
    ! grep -q 'changes summary' "$work/abidiff.txt"; then
    kind=incompatible
  fi
fi
if [ -n "$kind" ]; then
  cat "$work/abidiff.txt"
  failures=$((failures + 1))
fi

# Constants: a removed or changed one breaks compiled callers; an added
# one is compatible.
macrodump >"$work/macros.txt"
removed=$(LC_ALL=C comm -23 "$macros" "$work/macros.txt")
added=$(LC_ALL=C comm -13 "$macros" "$work/macros.txt")
if [ -n "$removed" ] || [ -n "$added" ]; then
  echo "lsm.h's constants differ from $macros:"
  diff -u "$macros" "$work/macros.txt" | tail -n +3 || true
  failures=$((failures + 1))
  if [ -n "$removed" ]; then
    kind=incompatible
  elif [ -z "$kind" ]; then
    kind=compatible
  fi
fi

case "$kind" in
  incompatible)
    cat >&2 <<EOF
abi-check: FAIL: an incompatible ABI change (above). Programs built against
the baseline would break: keep the old function or constant as it was and
add a new one instead. (Only a new major version, with a new soname, may
break the ABI; docs/abi.md says how.)
EOF
    ;;
  compatible)
    cat >&2 <<EOF
abi-check: FAIL: the ABI grew (above); that is allowed, but deliberately.
If the addition is intended: list new functions in a new node of
capi/lsm.map (see its rules), then run
  ci/abi-check.sh --update ${1:-}
and commit capi/abi/ with the change.
EOF
    ;;
esac
if [ "$failures" -gt 0 ]; then
  exit 1
fi
echo "abi-check: $(basename "$lib") has the ABI of capi/abi/ ($(grep -c '<elf-symbol ' "$baseline")" \
  "functions, $(wc -l <"$macros") constants)"
