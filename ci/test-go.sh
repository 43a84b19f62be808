#!/usr/bin/env bash
# Stage of ci/test.sh, runnable alone: the Go binding, against the liblsm of
# build/test (its lsm-uninstalled.pc; its rpath finds liblsm.so there),
# which ci/build.sh brings up to date first (nothing to do after
# ci/test-core.sh). The committed cgo layer must be what SWIG makes of
# bindings/lsm.i now, the C of that layer must compile without warnings, go
# vet must be clean, and the tests (with cgo's pointer checks on) must pass,
# then again under the race detector; go test prints each package's "ok"
# line. Then a Go program outside the repository that depends on the
# module, as the README shows, is built against the build tree and against
# an installed liblsm, and run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ci_deps go
export PATH="$PATH:/usr/local/go/bin"
ci/build.sh build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLSM_BUILD_TESTS=ON >/dev/null

ci_mktemp gen
bindings/go/gen.sh "$gen"
diff -u bindings/go/internal/capi/lsm.go "$gen/lsm.go"
diff -u bindings/go/internal/capi/lsm_wrap.c "$gen/lsm_wrap.c"
gcc -fsyntax-only -Wall -Wextra -Werror -Icapi/include bindings/go/internal/capi/lsm_wrap.c \
  bindings/go/internal/capi/glue.c
(cd bindings/go && export PKG_CONFIG_PATH="$root/build/test" GODEBUG=cgocheck=1 &&
  go vet ./... && go test -count=1 ./... && go test -race -count=1 ./...)

# The README's example in a module of its own with a replace directive.
ci_mktemp app
cmake --install build/test --prefix "$app/prefix" >/dev/null
mkdir "$app/src"
cp bindings/go/examples/hello/main.go "$app/src/"
printf '%s\n' "liblsm $version: lime is green" apple=red fig=purple kiwi=brown lime=green >"$app/want"
(cd "$app/src" && go mod init example.com/hello 2>/dev/null &&
  go mod edit -require=liblsm.io/lsm@v0.0.0 -replace=liblsm.io/lsm="$root/bindings/go" &&
  PKG_CONFIG_PATH="$root/build/test" go build -o "$app/hello-build-tree" . &&
  pc=$(find "$app/prefix" -name lsm.pc) &&
  PKG_CONFIG_PATH=$(dirname "$pc") go build -o "$app/hello-installed" .)
"$app/hello-build-tree" "$app/db1" | diff -u "$app/want" -
LD_LIBRARY_PATH=$(dirname "$(find "$app/prefix" -name liblsm.so)") "$app/hello-installed" "$app/db2" |
  diff -u "$app/want" -
echo "go: a program outside the repository built against the build tree and an installed liblsm"
