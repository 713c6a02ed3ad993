#!/usr/bin/env bash
# The test suite and a fuzz batch against an extension built with AddressSanitizer and
# UndefinedBehaviorSanitizer (Note [Sanitizer build] in CMakeLists.txt). Any sanitizer
# report stops the process with an error, so the run fails.
#   bash tests/run_sanitized.sh [pytest args...]   (CGRAD_SANITIZED_FUZZ_COUNT: fuzz batch size)
# CGRAD_SANITIZED_STEP=build stops after the build, =test skips it (CI builds it while the
# plain suite runs).
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/sanitize
step="${CGRAD_SANITIZED_STEP:-all}"

# -O1 keeps the suite's run short; no link-time optimization (pybind11 turns it on for
# Release builds), whose single-threaded link took 100 s of this build.
if [ "$step" != test ]; then
  cmake -S . -B "$build" -G Ninja -DSKBUILD=ON -DCGRAD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=OFF \
    -Dpybind11_DIR="$(python3 -c 'import pybind11; print(pybind11.get_cmake_dir())')" \
    >"$build.configure.log" 2>&1 || { tail -n 20 "$build.configure.log"; exit 1; }
  cmake --build "$build" --target _C -j 2
fi
if [ "$step" = build ]; then exit 0; fi

# A package tree that imports the sanitized extension ahead of any installed cgrad.
rm -rf "$build/pkg" && mkdir -p "$build/pkg"
cp -r python/cgrad "$build/pkg/"
rm -f "$build/pkg/cgrad/"_C*.so
cp "$build"/_C*.so "$build/pkg/cgrad/"

# The interpreter is not instrumented, so the runtimes are preloaded; Python's own
# allocations are not ours to report, so leak checking is off. A huge allocation must
# fail as malloc fails (cgrad then raises), not abort.
export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export PYTHONPATH="$PWD/$build/pkg" CGRAD_SANITIZED=1
python3 -c "import cgrad, sys; assert cgrad.__file__.startswith('$PWD/$build/pkg'), cgrad.__file__"
python3 -m pytest tests -q -p no:cacheprovider "$@"
# A fuzz batch beyond the suite's own (tests/fuzz): any crash or divergence fails.
python3 -m tests.fuzz --count "${CGRAD_SANITIZED_FUZZ_COUNT:-1000}" --seed sanitized --jobs 2
