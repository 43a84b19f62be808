#!/usr/bin/env bash
# Stage of ci/test.sh, runnable alone: the Java binding. mvn package builds
# the native library (warnings as errors), runs the JUnit 5 suite (Surefire
# prints its summary) and makes the jar; then the jar alone, as a user gets
# it (nothing else on the class path and no native library path), must load
# its own library and work.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ci_deps java
(cd bindings/java && mvn -B -ntp -Dlsm.werror=ON -Dlsm.jobs="$jobs" package)
(cd bindings/java && java -Djava.library.path=/nonexistent -cp target/liblsm-$version.jar \
  src/smoke/JarSmoke.java)
