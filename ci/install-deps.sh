#!/usr/bin/env bash
# Installs the Debian 12 packages liblsm needs to build and test, if any are
# missing. Idempotent and quick when everything is present. Run as root.
#   ci/install-deps.sh            build + test dependencies
#   ci/install-deps.sh bench      build dependencies and the benchmark's peers
#   ci/install-deps.sh fuzz       build dependencies and clang (ci/fuzz.sh)
#   ci/install-deps.sh java       build dependencies and the Java binding's
#                                 (SWIG, a JDK, Maven; bindings/java)
#   ci/install-deps.sh go         build dependencies, and checks for the Go
#                                 toolchain the Go binding needs (bindings/go)
set -euo pipefail

packages=(g++ make cmake pkg-config liblz4-dev libxxhash-dev)
# clang with libFuzzer (libclang-rt-14-dev, only recommended by clang) and
# llvm-symbolizer (llvm) build and report the sanitizer and fuzzing trees.
fuzz_packages=(clang libclang-rt-14-dev llvm)
# tools/lsm_bench runs LevelDB and RocksDB beside liblsm; bench_chart.py
# draws its results with gnuplot. The tests run it as a smoke test.
bench_packages=(libleveldb-dev librocksdb-dev python3 gnuplot-nox)
# bindings/java: SWIG generates the JNI glue, Maven builds and tests the jar
# (fetching its plugins and JUnit from Maven Central).
java_packages=(swig default-jdk-headless maven)
# The WAL's file-system tests mount btrfs and xfs images
# (tests/core/posix_file_system_mount_test.cc).
mount_packages=(btrfs-progs xfsprogs)
# ci/abi-check.sh compares liblsm.so with the committed ABI baseline using
# libabigail's abidw and abidiff.
abi_packages=(abigail-tools)
case "${1:-test}" in
  bench) packages+=("${bench_packages[@]}") ;;
  fuzz) packages+=("${fuzz_packages[@]}") ;;
  java) packages+=("${java_packages[@]}") ;;
  go) ;;
  *) packages+=(libgtest-dev libcmocka-dev "${fuzz_packages[@]}" "${bench_packages[@]}"
                "${java_packages[@]}" "${mount_packages[@]}" "${abi_packages[@]}") ;;
esac

# bindings/go needs Go 1.23 or later (its iterators are range-over-func
# sequences). Debian 12 packages only Go 1.19, so it is not installed here:
# this project's machines come with Go in /usr/local/go. The module has no
# dependencies to fetch.
if [ "${1:-test}" = go ] || [ "${1:-test}" = test ]; then
  go=$(command -v go || echo /usr/local/go/bin/go)
  goversion=$("$go" env GOVERSION 2>/dev/null || true)
  minor=$(echo "$goversion" | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
  if [ -z "$minor" ] || [ "$minor" -lt 23 ]; then
    echo "install-deps: the Go binding needs Go 1.23 or later on PATH or in /usr/local/go;" \
      "found ${goversion:-none}" >&2
    exit 1
  fi
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: must run as root to install packages" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
