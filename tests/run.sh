#!/usr/bin/env bash
# The project's test command: pytest against the installed cgrad, then the C++ unit
# tests under ctest. Outside CI a machine without GoogleTest skips the C++ part with a
# note; in CI (CI=true) that is an error.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pytest tests -q "$@"

mkdir -p build
if ! cmake -S . -B build/ctest -DCGRAD_BUILD_TESTS=ON >build/ctest-configure.log 2>&1; then
  tail -n 20 build/ctest-configure.log
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "C++ tests skipped: configuring them failed (is GoogleTest installed? apt-get install libgtest-dev)"
  exit 0
fi
cmake --build build/ctest -j 2
ctest --test-dir build/ctest --output-on-failure
