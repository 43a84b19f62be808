#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every
# test suite (GoogleTest for the core, cmocka for the C ABI, the crash test,
# the install test, lsm_bench's smoke run against every engine) through
# ctest, then the Java binding's JUnit suite through Maven, then the Go
# binding's tests (go test, also with -race), then the C/C++
# suites again under the sanitizers, then the fuzz targets. Exits non-zero
# if anything fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)

ci/install-deps.sh test
ci/build.sh build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLSM_BUILD_TESTS=ON
ctest --test-dir build/test --output-on-failure -j "$jobs"

# The Java binding: mvn package builds the native library (warnings as
# errors), runs the JUnit 5 suite (Surefire prints its summary) and makes
# the jar.
(cd bindings/java && mvn -B -ntp -Dlsm.werror=ON -Dlsm.jobs="$jobs" package)
# The jar alone, as a user gets it: nothing else on the class path and no
# native library path; it must load its own library and work.
(cd bindings/java && java -Djava.library.path=/nonexistent -cp target/liblsm-0.1.0.jar \
  src/smoke/JarSmoke.java)

# The Go binding, against the liblsm just built (build/test's
# lsm-uninstalled.pc; its rpath finds liblsm.so there): the committed cgo
# layer must be what SWIG makes of bindings/lsm.i now, the C of that layer
# must compile without warnings, go vet must be clean, and the tests (with
# cgo's pointer checks on) must pass, then again under the race detector.
# go test prints each package's "ok" line.
export PATH="$PATH:/usr/local/go/bin"
gen=$(mktemp -d)
bindings/go/gen.sh "$gen"
diff -u bindings/go/internal/capi/lsm.go "$gen/lsm.go"
diff -u bindings/go/internal/capi/lsm_wrap.c "$gen/lsm_wrap.c"
rm -rf "$gen"
gcc -fsyntax-only -Wall -Wextra -Werror -Icapi/include bindings/go/internal/capi/lsm_wrap.c
(cd bindings/go && export PKG_CONFIG_PATH="$root/build/test" GODEBUG=cgocheck=1 &&
  go vet ./... && go test -count=1 ./... && go test -race -count=1 ./...)
# A Go program outside the repository that depends on the module, as the
# README shows: a copy of bindings/go/examples/hello in a module of its own
# with a replace directive, built against the build tree, then against an
# installed liblsm (lsm.pc), and run.
app=$(mktemp -d)
cmake --install build/test --prefix "$app/prefix" >/dev/null
mkdir "$app/src"
cp bindings/go/examples/hello/main.go "$app/src/"
printf '%s\n' "liblsm 0.1.0: lime is green" apple=red fig=purple kiwi=brown lime=green >"$app/want"
(cd "$app/src" && go mod init example.com/hello 2>/dev/null &&
  go mod edit -require=liblsm.io/lsm@v0.0.0 -replace=liblsm.io/lsm="$root/bindings/go" &&
  PKG_CONFIG_PATH="$root/build/test" go build -o "$app/hello-build-tree" . &&
  pc=$(find "$app/prefix" -name lsm.pc) &&
  PKG_CONFIG_PATH=$(dirname "$pc") go build -o "$app/hello-installed" .)
"$app/hello-build-tree" "$app/db1" | diff -u "$app/want" -
LD_LIBRARY_PATH=$(dirname "$(find "$app/prefix" -name liblsm.so)") "$app/hello-installed" "$app/db2" |
  diff -u "$app/want" -
rm -rf "$app"
echo "go: a program outside the repository built against the build tree and an installed liblsm"

# AddressSanitizer + UndefinedBehaviorSanitizer over every suite, in a clang
# tree (-O1, asserts on) that also builds the libFuzzer targets, which then
# run 30 seconds each over the committed seeds (ci/fuzz.sh). Any report
# fails the run. The install test is left out: it links a plain C program
# against the installed library, which here needs the sanitizer runtime.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
FUZZ_BUILD_DIR=build/asan FUZZ_BUILD_TESTS=ON ci/fuzz.sh 30
ctest --test-dir build/asan --output-on-failure -j "$jobs" -E '^install\.'

# ThreadSanitizer pass over the multi-threaded suites, in a third tree that
# builds only them. Any race report fails the run (halt_on_error). Under
# TSan the suites scale themselves down (db_compaction_test's space test
# writes 10,000 keys unless LSM_SPACE_KEYS says otherwise; LSM_STRESS_SCALE
# scales db_concurrency_test).
tsan_tests=(db_concurrency_test skiplist_test signal_test lru_cache_test block_buffer_test db_test db_compaction_test)
cmake -S . -B build/tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLSM_WERROR=ON -DLSM_SANITIZE=thread \
  -DLSM_BUILD_TOOLS=OFF >/dev/null
cmake --build build/tsan -j "$jobs" --target "${tsan_tests[@]}"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
ctest --test-dir build/tsan --output-on-failure -j "$jobs" \
  -R "^core\.($(IFS='|'; echo "${tsan_tests[*]}"))\$"
