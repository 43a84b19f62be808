# Sourced by ci/test.sh and the stage scripts ci/test-*.sh: strict mode, the
# repository root as the working directory, $jobs (parallel build and test
# jobs: every core), and temporary directories that go away when the script
# exits, however it exits (a failed diff, a failed test, Ctrl-C).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)
# The version, defined once: lsm.h's LSM_VERSION_STRING (ci/version-check.sh
# checks every copy that cannot derive from it).
version=$(sed -n 's/^#define LSM_VERSION_STRING "\(.*\)"$/\1/p' capi/include/lsm.h)

ci_tmpdirs=()
ci_cleanup() {
  local d
  for d in "${ci_tmpdirs[@]}"; do rm -rf "$d"; done
}
trap ci_cleanup EXIT

# ci_mktemp VAR: makes a temporary directory, stores its path in VAR, and
# removes it at exit. (Not $(...): the list of directories to remove lives
# in this shell, not a subshell.)
ci_mktemp() {
  local d
  d=$(mktemp -d)
  ci_tmpdirs+=("$d")
  printf -v "$1" '%s' "$d"
}

# ci_deps KIND: ci/install-deps.sh KIND, unless ci/test.sh already ran it
# for everything (a stage run alone installs what it needs).
ci_deps() {
  if [ -z "${LSM_CI_DEPS_DONE:-}" ]; then ci/install-deps.sh "$1"; fi
}
