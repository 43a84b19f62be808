#!/usr/bin/env bash
# Checks that includes under core/ only run downward: a folder may include
# its own headers and those of folders below it, never one above or beside
# it. The layers, lowest first (docs: the README's layout table):
#   0 util      arena, coding, hashing, status, signals
#   1 env       the file-system interface and its POSIX implementation
#   2 base      internal keys, sequence numbers, the iterator interface
#   3 cache     the LRU cache          3 log       the write-ahead log
#   4 memtable  skiplist and memtable  4 table     SSTables and iterators
#   5 db        the database
# Folders on one rank do not include each other. Nothing under core/
# includes capi/, tools/ or tests/. Prints every offending line; exits 1 if
# there is one. Usage: ci/check-layering.sh [ROOT]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"
declare -A rank=([util]=0 [env]=1 [base]=2 [cache]=3 [log]=3 [memtable]=4 [table]=4 [db]=5)
bad=0
while IFS= read -r file; do
  layer=${file#core/}
  layer=${layer%%/*}
  if [[ -z ${rank[$layer]+x} ]]; then
    echo "$file: folder core/$layer has no rank in ci/check-layering.sh"
    bad=1
    continue
  fi
  while IFS= read -r line; do
    target=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' <<<"$line")
    [[ -n $target ]] || continue
    case $target in
      core/*)
        to=${target#core/}
        to=${to%%/*}
        if [[ -z ${rank[$to]+x} ]]; then
          echo "$file: includes $target (unknown folder)"
          bad=1
        elif [[ $to != "$layer" && ${rank[$to]} -ge ${rank[$layer]} ]]; then
          echo "$file: core/$layer (rank ${rank[$layer]}) includes $target (core/$to, rank ${rank[$to]})"
          bad=1
        fi
        ;;
      capi/* | tools/* | tests/* | bindings/* | lsm.h)
        echo "$file: includes $target from outside the core"
        bad=1
        ;;
    esac
  done < <(grep -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" || true)
done < <(find core -type f \( -name '*.h' -o -name '*.cc' \) | sort)
if [[ $bad -ne 0 ]]; then
  echo "check-layering: includes under core/ must run downward (see the top of ci/check-layering.sh)"
  exit 1
fi
echo "check-layering: $(find core -type f \( -name '*.h' -o -name '*.cc' \) | wc -l) files under core/, every include runs downward"
