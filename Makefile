# Thin wrapper over CMake presets so the usual commands work from the top level.
#   make          Release build into build/ (library, CLI, tests)
#   make test     build, then run every test
#   make lib      the libraries alone (liblingrad.a, liblingrad.so) into build-lib/:
#                 no benchmarks, tests, MPI or CLI, so only cmake, make, a C compiler
#                 and pkg-config are needed (hwloc used where pkg-config finds it)
#   make install PREFIX=DIR  make lib, then install the libraries, headers, CMake
#                 package and lingrad.pc under DIR (default /usr/local)
#   make bench    build, then run the benchmark suite into results/<host>-<date>/
#   make bench-quick  a subset of it, in about 20 s (README.md)
#   make bench-mpi    lingrad over MPI ranks: strong and weak scaling, 1 rank x 2
#                 threads against 2 ranks x 1 thread, the exchange's cost, and the
#                 PyTorch gloo peer, into results/<host>-<date>/mpi_scaling.*
#                 (MPI_SIZE=quick for a shorter run; docs/mpi.md)
#   make bench-check     the CI performance gate against results/baseline/
#   make bench-baseline  re-measure that baseline (see docs/performance-gate.md: when and why)
#   make bench-compare BASE=rev [PAIRS=10]  paired runs of BASE and HEAD on this machine,
#                 judged against HEAD's own A/A noise (docs/perf-tracking-compare.md)
#   make bench-history REVS=A..B [RATIOS=1] [REPS=3]  the gate's metrics per commit into
#                 results/history/<class>.jsonl, and its report (docs/perf-tracking-history.md)
#   make bench-bisect GOOD=rev BAD=rev GATE=metric  the first commit that moved a gate metric
#   make asan     build and test under AddressSanitizer + UBSan (build-asan/)
#   make clang    build and test with clang, warnings as errors (build-clang/)
#   make tsan     build and test under ThreadSanitizer: clang, libomp and LLVM's
#                 Archer tool, which tells TSan what OpenMP synchronises (build-tsan/)
#   make fuzz     libFuzzer on the CSV reader, the argument parser, the NPY
#                 header parser and the public API (random call sequences, eager
#                 against graph mode), FUZZ_SECONDS each (default 60), from the
#                 seed corpus in tests/fuzz/corpus
#   make cpus     the per-ISA and CLI tests again under qemu-x86_64 as other CPU
#                 models: qemu64 (no AVX) and max (AVX2+FMA, no AVX-512)
#   make neon     cross-build for AArch64 and run the kernel and training tests
#                 under qemu-aarch64 (build-neon/)
# Also ctest's parallelism: no test asserts a time, and those that start MPI
# ranks take turns (RESOURCE_LOCK mpi_ranks in tests/CMakeLists.txt).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: lib install cpus tsan fuzz all deps bench-deps check-deps test bench bench-quick bench-mpi bench-check bench-baseline bench-compare bench-history bench-bisect asan clang neon clean
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)

all: deps build/CMakeCache.txt
	cmake --build --preset release -j $(JOBS)

deps:
	@scripts/install-deps.sh test

build/CMakeCache.txt:
	cmake --preset release

test: all
	ctest --preset release -j $(JOBS)

# hwloc is used where pkg-config finds it (after install-deps.sh has run);
# LIB_HWLOC=ON/OFF overrides the guess, LIB_CMAKE_ARGS adds to the configure line
# (e.g. -DLINGRAD_SHARED=OFF), LIB_BUILD moves the build (tests/test_lib_only.sh).
# Configured again each time, so that what the line says holds.
PREFIX ?= /usr/local
LIB_BUILD ?= build-lib
LIB_HWLOC ?=
LIB_CMAKE_ARGS ?=
lib:
	@scripts/install-deps.sh lib
	cmake -S . -B "$(LIB_BUILD)" -DCMAKE_BUILD_TYPE=Release -DLINGRAD_BENCH=OFF -DLINGRAD_TESTS=OFF \
	  -DLINGRAD_MPI=OFF -DLINGRAD_CLI=OFF \
	  -DLINGRAD_HWLOC=$(if $(LIB_HWLOC),$(LIB_HWLOC),$$(pkg-config --exists hwloc 2>/dev/null && echo ON || echo OFF)) \
	  $(LIB_CMAKE_ARGS)
	cmake --build "$(LIB_BUILD)" -j $(JOBS)

install: lib
	cmake --install "$(LIB_BUILD)" --prefix "$(PREFIX)"

bench-deps:
	@scripts/install-deps.sh bench

bench: bench-deps all
	bench/run.sh build

bench-quick: bench-deps all
	bench/run.sh build quick

# The results directory as bench/run.sh names it: LINGRAD_RESULTS, or the host and date.
MPI_SIZE ?=
bench-mpi: bench-deps all
	bench/mpi_scaling.sh build "$${LINGRAD_RESULTS:-results/$$(hostname -s)-$$(date -u +%Y-%m-%d)$(if $(MPI_SIZE),-$(MPI_SIZE))}" $(MPI_SIZE)

check-deps:
	@scripts/install-deps.sh check

bench-check: check-deps all
	$(PYTHON) tools/bench_check.py check build

bench-baseline: check-deps all
	$(PYTHON) tools/bench_check.py baseline build

# Builds BASE and HEAD itself (tools/rev_build.py, under build-revs/): no 'all'.
PAIRS ?= 10
bench-compare: check-deps
	@test -n "$(BASE)" || { echo "make bench-compare: give the commit to compare with: BASE=rev (e.g. BASE=origin/main)"; exit 2; }
	$(PYTHON) tools/bench_compare.py "$(BASE)" --pairs $(PAIRS) $(if $(OUT),--out "$(OUT)") $(if $(FLOOR),--floor $(FLOOR))

# Instruction counts only by default (~20 s a commit, load does not move them);
# RATIOS=1 adds the same-run ratios (~10 s more a commit at REPS=3, a quiet machine only).
RATIOS ?= 0
REPS ?= 3
bench-history: check-deps
	@test -n "$(REVS)" || { echo "make bench-history: name the commits, e.g. REVS=HEAD~10..HEAD"; exit 2; }
	$(PYTHON) tools/bench_history.py $(REVS) --reps $(REPS) $(if $(filter 1,$(RATIOS)),--ratios)

bench-bisect: check-deps
	@test -n "$(GOOD)" -a -n "$(BAD)" -a -n "$(GATE)" || \
	  { echo "make bench-bisect: GOOD=rev BAD=rev GATE=metric (e.g. instructions_per_element_avx2_f32)"; exit 2; }
	$(PYTHON) tools/bench_bisect.py $(GOOD) $(BAD) $(GATE)

asan: deps
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

clang: deps
	@scripts/install-deps.sh ci
	cmake --preset clang
	cmake --build --preset clang -j $(JOBS)
	ctest --preset clang -j $(JOBS)

tsan:
	@scripts/install-deps.sh fuzz
	cmake --preset tsan
	cmake --build --preset tsan -j $(JOBS)
	ctest --preset tsan -j $(JOBS)

FUZZ_SECONDS ?= 60
fuzz:
	@scripts/install-deps.sh fuzz
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS)
	@for t in csv args npy api; do \
	  mkdir -p build-fuzz/corpus-$$t && cp -n tests/fuzz/corpus/$$t/* build-fuzz/corpus-$$t/ ; \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS) s (log: build-fuzz/fuzz-$$t.log)"; \
	  build-fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -close_fd_mask=2 -max_len=4096 \
	    -artifact_prefix=build-fuzz/crash-$$t- build-fuzz/corpus-$$t >build-fuzz/fuzz-$$t.log 2>&1; \
	  rc=$$?; grep -E '^(Done|==[0-9]+==ERROR|SUMMARY)' build-fuzz/fuzz-$$t.log; \
	  [ $$rc -eq 0 ] || { echo "fuzz_$$t failed: see build-fuzz/fuzz-$$t.log and build-fuzz/crash-$$t-*"; exit 1; }; \
	done

# Reconfigures so that CMake finds qemu-x86_64 once install-deps has installed it.
cpus: all
	@scripts/install-deps.sh cpus
	cmake --preset release >/dev/null
	ctest --preset cpus -j $(JOBS)
	@build/lingrad info | grep -q 'avx512 (not on this CPU)' && \
	  echo "make cpus: the AVX-512 table was not run on this machine: its CPU lacks AVX-512 and qemu cannot emulate it" || true

neon:
	@scripts/install-deps.sh neon
	cmake --preset neon
	cmake --build --preset neon -j $(JOBS)
	ctest --preset neon -j $(JOBS)

clean:
	rm -rf build build-asan build-clang build-neon build-fuzz build-tsan build-lib
