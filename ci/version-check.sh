#!/usr/bin/env bash
# ci/version-check.sh  (the ctest test abi.version)
#
# liblsm's version is defined once, by LSM_VERSION_MAJOR, _MINOR and _PATCH
# in capi/include/lsm.h. CMake reads it from there (CMakeLists.txt), SWIG
# copies it into the bindings' constants, and ci/test.sh computes the jar
# name from it. The copies that cannot read a C header are checked here:
#   - LSM_VERSION_STRING in lsm.h spells MAJOR.MINOR.PATCH;
#   - bindings/java/pom.xml's project <version>;
#   - every "liblsm-X.Y.Z.jar" and every documentation example
#     'e.g. "X.Y.Z"' in the tracked files (README, comments).
# docs/bench/ is left out: its results record the version they measured.
#
# To release a new version, change the three macros in lsm.h, then run this
# script: it lists every copy still to update.
#
# Exit status: 0 all agree; 1 a copy differs; 2 lsm.h unreadable.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
header=capi/include/lsm.h
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

macro() { sed -n "s/^#define LSM_VERSION_$1 \\([0-9][0-9]*\\)\$/\\1/p" "$header"; }
major=$(macro MAJOR)
minor=$(macro MINOR)
patch=$(macro PATCH)
if [ -z "$major" ] || [ -z "$minor" ] || [ -z "$patch" ]; then
  echo "version-check: $header lacks '#define LSM_VERSION_MAJOR/MINOR/PATCH <number>'" >&2
  exit 2
fi
version=$major.$minor.$patch
[ "$minor" -lt 100 ] && [ "$patch" -lt 100 ] ||
  fail "LSM_VERSION_MINOR and _PATCH must stay below 100 (LSM_VERSION_NUMBER's encoding)"

string=$(sed -n 's/^#define LSM_VERSION_STRING "\(.*\)"$/\1/p' "$header")
[ "$string" = "$version" ] || fail "$header: LSM_VERSION_STRING is \"$string\", the macros say $version"

# The project's own <version>: the first one left once the elements that
# hold other artifacts' versions (parent, dependencies, build plugins,
# profiles) and comments are cut out.
pom=bindings/java/pom.xml
if [ -f "$pom" ]; then
  pomversion=$(perl -0777 -ne '
    s{<!--.*?-->}{}gs;
    s{<(parent|dependencies|dependencyManagement|build|profiles|reporting)>.*?</\1>}{}gs;
    print $1 if m{<version>\s*([^<\s]+)\s*</version>};' "$pom")
  [ "$pomversion" = "$version" ] || fail "$pom: project version is \"$pomversion\", lsm.h says $version"
fi

# Jar names and documented examples, wherever they are.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  files() { git ls-files -z | grep -zv '^docs/bench/'; }
else
  # Outside git: everything but build outputs (build/, Maven's target/).
  files() { find . \( -name build -o -name target -o -name .git -o -path ./docs/bench \) -prune -o \
    -type f -print0; }
fi
hits=$(files | xargs -0 grep -IHnoE \
  'liblsm-[0-9]+\.[0-9]+\.[0-9]+\.jar|e\.g\. "[0-9]+\.[0-9]+\.[0-9]+"' || true)
copies=0
while IFS= read -r hit; do
  [ -n "$hit" ] || continue
  copies=$((copies + 1))
  found=$(printf '%s\n' "${hit#*:*:}" | grep -oE '[0-9]+\.[0-9]+\.[0-9]+')
  [ "$found" = "$version" ] || fail "${hit%:*}: says $found, lsm.h says $version"
done <<<"$hits"

if [ "$failures" -gt 0 ]; then
  echo "version-check: $failures copies of the version differ from lsm.h's $version" >&2
  exit 1
fi
echo "version-check: $version in lsm.h; LSM_VERSION_STRING, pom.xml and $copies jar names and" \
  "examples agree"
