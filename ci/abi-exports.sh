#!/usr/bin/env bash
# ci/abi-exports.sh LIBRARY [HEADER [MAP]]  (the ctest test abi.exports)
#
# Checks that three lists of liblsm's public functions agree, so that a
# function added to one and forgotten in another fails here rather than in a
# user's link:
#   - the functions lsm.h declares with LSM_EXPORT (HEADER, default
#     capi/include/lsm.h);
#   - the names the linker version script lists (MAP, default capi/lsm.map),
#     which must be plain names (no wildcards), each in one node, sorted
#     within its node;
#   - the functions LIBRARY (a built liblsm.so) exports, each with the
#     version node the map gives it as its default version.
# Needs nm (binutils) and perl.
#
# Exit status: 0 all agree; 1 they do not (each difference is printed);
# 2 bad usage or unreadable input.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 1 ] || [ $# -gt 3 ]; then
  echo "usage: $0 LIBRARY [HEADER [MAP]]" >&2
  exit 2
fi
lib=$1
header=${2:-$root/capi/include/lsm.h}
map=${3:-$root/capi/lsm.map}
for f in "$lib" "$header" "$map"; do
  [ -r "$f" ] || { echo "abi-exports: cannot read $f" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# ------------------------------------------------------------- lsm.h
# lsm.h's style puts each declaration's name on its LSM_EXPORT line; a
# declaration that did not would be missed, so the count of LSM_EXPORT
# lines must match the count of names found.
grep -E '^LSM_EXPORT\b' "$header" >"$work/decl-lines.txt" || true
grep -oE '\blsm_[a-z0-9_]+[[:space:]]*\(' "$work/decl-lines.txt" | sed -E 's/[[:space:]]*\($//' \
  >"$work/declared-all.txt" || true
sort -u "$work/declared-all.txt" >"$work/declared.txt"
[ -s "$work/declared.txt" ] || fail "found no LSM_EXPORT declarations in $header"
if [ "$(wc -l <"$work/decl-lines.txt")" -ne "$(wc -l <"$work/declared-all.txt")" ]; then
  fail "$header: some LSM_EXPORT line does not name exactly one lsm_ function on the same line:
$(grep -vE '\blsm_[a-z0-9_]+[[:space:]]*\(' "$work/decl-lines.txt" || true)"
fi
dups=$(uniq -d <(sort "$work/declared-all.txt"))
[ -z "$dups" ] || fail "$header declares more than once: $dups"

# ------------------------------------------------------------ lsm.map
# Prints "NODE SCOPE ENTRY" for every entry of every node, comments removed.
perl -0777 -ne '
  s{/\*.*?\*/}{}gs;
  while (/([A-Za-z0-9_.]+)\s*\{(.*?)\}\s*([A-Za-z0-9_.]*)\s*;/gs) {
    my ($node, $body) = ($1, $2);
    my $scope = "none";
    for my $entry (split /;/, $body) {
      $scope = $1 if $entry =~ s/^\s*(global|local)\s*:\s*//;
      $entry =~ s/^\s+|\s+$//g;
      print "$node $scope $entry\n" if $entry ne "";
    }
  }' "$map" >"$work/map-entries.txt"
awk '$2 == "global"' "$work/map-entries.txt" >"$work/map-global.txt"
[ -s "$work/map-global.txt" ] || fail "$map lists no global symbols (is it a version script?)"
orphans=$(awk '$2 == "none" { print $1 ": " $3 }' "$work/map-entries.txt")
[ -z "$orphans" ] || fail "$map: entries before any global: or local: $orphans"
bad=$(awk '$2 == "global" && $3 !~ /^lsm_[a-z0-9_]+$/ { print $1 ": " $3 }' "$work/map-entries.txt")
[ -z "$bad" ] || fail "$map: global entries must be plain lsm_ function names, not patterns:
$bad"
awk '{ print $3 }' "$work/map-global.txt" | sort >"$work/mapped-all.txt"
sort -u "$work/mapped-all.txt" >"$work/mapped.txt"
dups=$(uniq -d "$work/mapped-all.txt")
[ -z "$dups" ] || fail "$map lists in more than one place: $dups"
for node in $(awk '{ print $1 }' "$work/map-global.txt" | uniq); do
  awk -v n="$node" '$1 == n { print $3 }' "$work/map-global.txt" >"$work/node.txt"
  if ! disorder=$(sort -c "$work/node.txt" 2>&1); then
    fail "$map: node $node is not sorted (LC_ALL=C sort), at its entry ${disorder#*node.txt:}"
  fi
done

# ------------------------------------------------------------ library
# nm -D prints "ADDRESS TYPE NAME@@NODE" for a default-versioned symbol;
# each version node also appears as an absolute (A) symbol.
nm -D --defined-only "$lib" >"$work/nm.txt"
awk '$2 != "A" { print $3 }' "$work/nm.txt" | sort >"$work/exported-versioned.txt"
sed 's/@.*//' "$work/exported-versioned.txt" | sort -u >"$work/exported.txt"
[ -s "$work/exported.txt" ] || fail "$lib exports nothing"
notfunc=$(awk '$2 != "A" && $2 != "T" { print $3 " (" $2 ")" }' "$work/nm.txt")
[ -z "$notfunc" ] || fail "$lib exports symbols that are not functions: $notfunc"
# Each export's default version must be the node the map lists it in (a
# mismatch means the library was linked with another map: rebuild it).
awk '{ print $3 "@@" $1 }' "$work/map-global.txt" | sort >"$work/mapped-versioned.txt"
comm -13 "$work/mapped-versioned.txt" "$work/exported-versioned.txt" | grep -F '@' |
  while read -r sym; do
    name=${sym%%@*}
    grep -qx "$name" "$work/mapped.txt" && echo "$sym"
  done >"$work/wrong-version.txt" || true
[ ! -s "$work/wrong-version.txt" ] || fail "$lib exports with another version than $map gives:
$(cat "$work/wrong-version.txt") (stale build? rebuild the lsm target)"

# ------------------------------------------------------------ compare
compare() { # compare NAME_A FILE_A NAME_B FILE_B
  local only_a only_b
  only_a=$(comm -23 "$2" "$4")
  only_b=$(comm -13 "$2" "$4")
  [ -z "$only_a" ] || fail "in $1 but not in $3: $(echo $only_a)"
  [ -z "$only_b" ] || fail "in $3 but not in $1: $(echo $only_b)"
}
compare "lsm.h (LSM_EXPORT)" "$work/declared.txt" "lsm.map" "$work/mapped.txt"
compare "lsm.h (LSM_EXPORT)" "$work/declared.txt" "$(basename "$lib")'s exports" "$work/exported.txt"

if [ "$failures" -gt 0 ]; then
  echo "abi-exports: $failures failure(s). A new public function belongs in lsm.h (LSM_EXPORT)" \
    "and in a new node of capi/lsm.map (see the rules at its top)." >&2
  exit 1
fi
echo "abi-exports: $(wc -l <"$work/declared.txt") functions, declared in lsm.h, listed in lsm.map" \
  "($(awk '{ print $1 }' "$work/map-global.txt" | uniq | tr '\n' ' ' | sed 's/ $//')) and exported" \
  "by $(basename "$lib")"
