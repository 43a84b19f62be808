#!/bin/sh
# install_test.sh BUILD_DIR SOURCE_DIR (the ctest test install.pkgconfig)
#
# Installs BUILD_DIR into a fresh prefix with `cmake --install --prefix`,
# checks the files a user needs are there (liblsm.so.0 SONAME link, liblsm.a,
# include/lsm.h, lib*/pkgconfig/lsm.pc), then builds install_smoke.c from
# SOURCE_DIR against the prefix through pkg-config, shared and static, and
# runs both. Also checks liblsm.so exports exactly the lsm_* functions of
# lsm.h, and that lsm.h compiles as strict C99 and as C++.
#
# Exit status: 0 all good; 1 a failure.
set -u

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2
  exit 2
fi
build=$1
src=$2
CC=${CC:-cc}
CXX=${CXX:-c++}

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
fatal() {
  echo "FAIL: $*" >&2
  exit 1
}

base=${LSM_TEST_TMPDIR:-${TMPDIR:-/tmp}}
mkdir -p "$base" || fatal "cannot create $base"
work=$(mktemp -d "$base/install_test.XXXXXX") || fatal "mktemp failed"
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

# ------------------------------------------------------------ install
if ! cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1; then
  cat "$work/install.log" >&2
  fatal "cmake --install $build --prefix $prefix failed"
fi

# The library directory is wherever lsm.pc went (CMAKE_INSTALL_LIBDIR may be
# lib, lib64 or lib/<multiarch>).
pc=$(find "$prefix" -type f -path '*/pkgconfig/lsm.pc' | head -n 1)
[ -n "$pc" ] || fatal "no */pkgconfig/lsm.pc under $prefix: $(find "$prefix" -type f)"
pcdir=$(dirname "$pc")
libdir=$(dirname "$pcdir")
case "$libdir" in
  "$prefix"/lib*) ;;
  *) fail "lsm.pc is in $pcdir, not under $prefix/lib*" ;;
esac
echo "libdir: $libdir"

# liblsm.so.0: the SONAME link, to the real file; liblsm.so: the dev link.
if [ ! -L "$libdir/liblsm.so.0" ]; then
  fail "$libdir/liblsm.so.0 is missing or not a symlink: $(ls -l "$libdir" 2>&1)"
elif [ ! -f "$libdir/liblsm.so.0" ]; then
  fail "$libdir/liblsm.so.0 is a dangling symlink"
fi
[ -e "$libdir/liblsm.so" ] || fail "$libdir/liblsm.so (the link-time name) is missing"
soname=$(readelf -d "$libdir/liblsm.so.0" 2>/dev/null | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
[ "$soname" = "liblsm.so.0" ] || fail "SONAME of liblsm.so.0 is \"$soname\", expected liblsm.so.0"
[ -f "$libdir/liblsm.a" ] || fail "$libdir/liblsm.a is missing"
[ -f "$prefix/include/lsm.h" ] || fatal "$prefix/include/lsm.h is missing"
header=$src/../../capi/include/lsm.h
if [ -f "$header" ] && ! cmp -s "$header" "$prefix/include/lsm.h"; then
  fail "installed lsm.h differs from capi/include/lsm.h"
fi
version=$(sed -n 's/^#define LSM_VERSION_STRING "\(.*\)"$/\1/p' "$prefix/include/lsm.h")
[ -n "$version" ] || fail "no LSM_VERSION_STRING in the installed lsm.h"

# ------------------------------------------------------------ exports
# Exactly the lsm_* functions: every function lsm.h declares, nothing else
# (the version script's node name, an absolute symbol, aside).
nm -D --defined-only "$libdir/liblsm.so.0" >"$work/nm.txt" 2>&1 || fail "nm -D failed: $(cat "$work/nm.txt")"
awk '$2 != "A" { sub(/@.*/, "", $NF); print $NF }' "$work/nm.txt" | sort -u >"$work/exported.txt"
others=$(grep -v '^lsm_' "$work/exported.txt")
[ -z "$others" ] || fail "liblsm.so exports symbols other than lsm_*: $(echo $others | head -c 2000)"
grep '^LSM_EXPORT' "$prefix/include/lsm.h" | grep -o 'lsm_[a-z0-9_]*(' | tr -d '(' | sort -u >"$work/declared.txt"
[ -s "$work/declared.txt" ] || fail "found no LSM_EXPORT declarations in lsm.h"
missing=$(comm -23 "$work/declared.txt" "$work/exported.txt")
[ -z "$missing" ] || fail "declared in lsm.h but not exported: $(echo $missing)"
extra=$(comm -13 "$work/declared.txt" "$work/exported.txt")
[ -z "$extra" ] || fail "exported but not declared in lsm.h: $(echo $extra)"
echo "exports: $(wc -l <"$work/exported.txt") lsm_* functions, lsm.h declares $(wc -l <"$work/declared.txt")"

# ------------------------------------------------------------ header
printf '#include <lsm.h>\nint main(void) { return lsm_version() == 0; }\n' >"$work/h.c"
"$CC" -std=c99 -pedantic-errors -Wall -Wextra -Werror -fsyntax-only -I"$prefix/include" "$work/h.c" \
  >"$work/h.log" 2>&1 || fail "lsm.h does not compile as strict C99: $(cat "$work/h.log")"
if command -v "$CXX" >/dev/null 2>&1; then
  "$CXX" -std=c++11 -pedantic-errors -Wall -Wextra -Werror -fsyntax-only -x c++ -I"$prefix/include" \
    "$work/h.c" >"$work/hxx.log" 2>&1 || fail "lsm.h does not compile as C++: $(cat "$work/hxx.log")"
fi

# ------------------------------------------------------------ pkg-config
PKG_CONFIG_PATH=$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export PKG_CONFIG_PATH
pkg-config --exists lsm || fatal "pkg-config does not find lsm with PKG_CONFIG_PATH=$PKG_CONFIG_PATH"
pcversion=$(pkg-config --modversion lsm)
[ "$pcversion" = "$version" ] || fail "pkg-config --modversion lsm is $pcversion, lsm.h says $version"

# lsm.pc must describe the prefix it was installed to (it locates the
# prefix relative to itself, so compare resolved paths).
cflags=$(pkg-config --cflags lsm)
libs=$(pkg-config --libs lsm)
resolve() { (cd "$1" 2>/dev/null && pwd -P); }
incdir=$(printf '%s\n' $cflags | sed -n 's/^-I//p' | head -n 1)
ldir=$(printf '%s\n' $libs | sed -n 's/^-L//p' | head -n 1)
[ "$(resolve "$incdir")" = "$(resolve "$prefix/include")" ] ||
  fail "lsm.pc's include directory ($incdir) is not $prefix/include"
[ "$(resolve "$ldir")" = "$(resolve "$libdir")" ] ||
  fail "lsm.pc's library directory ($ldir) is not $libdir"
echo "cflags: $cflags"
echo "libs: $libs"

# ------------------------------------------------------------ shared
# shellcheck disable=SC2086 # word splitting of pkg-config output is intended
if "$CC" -std=c99 -Wall -Wextra -Werror -o "$work/smoke_shared" "$src/install_smoke.c" \
  $cflags $libs >"$work/cc_shared.log" 2>&1; then
  if readelf -d "$work/smoke_shared" | grep -q 'NEEDED.*\[liblsm\.so\.0\]'; then :; else
    fail "smoke_shared does not need liblsm.so.0: $(readelf -d "$work/smoke_shared" | grep NEEDED)"
  fi
  resolved=$(LD_LIBRARY_PATH=$libdir ldd "$work/smoke_shared" | awk '/liblsm/ { print $3 }')
  case "$resolved" in
    "$libdir"/*) ;;
    *) fail "smoke_shared resolves liblsm to \"$resolved\", not $libdir" ;;
  esac
  out=$(LD_LIBRARY_PATH=$libdir "$work/smoke_shared" "$work/db_shared" 2>&1)
  [ "$out" = "ok" ] || fail "smoke_shared printed \"$out\""
else
  fail "compiling install_smoke.c against the shared library failed:
$(cat "$work/cc_shared.log")"
fi

# ------------------------------------------------------------ static
# pkg-config --static adds Libs.private and the Requires.private libraries;
# -llsm is forced to liblsm.a, everything else stays as the system has it.
static_libs=
for tok in $(pkg-config --static --libs lsm); do
  if [ "$tok" = "-llsm" ]; then
    static_libs="$static_libs -Wl,-Bstatic -llsm -Wl,-Bdynamic"
  else
    static_libs="$static_libs $tok"
  fi
done
echo "static libs: $static_libs"
# shellcheck disable=SC2086
if "$CC" -std=c99 -Wall -Wextra -Werror -o "$work/smoke_static" "$src/install_smoke.c" \
  $cflags $static_libs >"$work/cc_static.log" 2>&1; then
  if readelf -d "$work/smoke_static" | grep -q 'NEEDED.*liblsm'; then
    fail "smoke_static still needs liblsm.so: $(readelf -d "$work/smoke_static" | grep NEEDED)"
  fi
  out=$(env -u LD_LIBRARY_PATH "$work/smoke_static" "$work/db_static" 2>&1)
  [ "$out" = "ok" ] || fail "smoke_static printed \"$out\""
else
  fail "linking install_smoke.c statically against liblsm.a with 'pkg-config --static --libs lsm' failed:
$(cat "$work/cc_static.log")"
fi

# ------------------------------------------------------------ verdict
if [ "$failures" -gt 0 ]; then
  echo "install test: $failures failure(s)" >&2
  exit 1
fi
echo "install test: ok"
exit 0
