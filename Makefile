# rlhf.c — build, test, bench.
#   make            release build of ./rlhf
#   make test       the default suite (what .ci/run runs)
#   make debug      -O0 -g build in build/debug
#   make asan       AddressSanitizer + UBSan build in build/asan, runs the suite
#   make bench      speed benchmark beside PyTorch (writes docs/BENCHMARKS.md)
#   make test-long  slow tests (real-data, long training)
#   make cuda       the CUDA backend (needs nvcc; no GPU needed to build)
#   make judge-report / tax-report   long experiments that rewrite docs/
#   make fuzz       libFuzzer+ASan+UBSan: bench HTTP handlers, import parsers, JSON (FUZZ_SECONDS=60 each)
# Sources are discovered: every src/*/*.c except src/cli/ goes into librlhf.a;
# every tests/test_*.c is one test program linked against it.

CC      ?= cc
MODE    ?= release
BUILD   ?= build/$(MODE)
PKGS    := libpcre2-8 zlib sqlite3 libmicrohttpd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
BLAS_CFLAGS := -I/usr/include/x86_64-linux-gnu/openblas-openmp
BLAS_LIBS   := -lopenblas
PQ_CFLAGS := -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
PQ_LIBS   := -lpq
# OpenMPI for data-parallel training (src/dist); without it a build still runs 1 rank
MPI_CFLAGS := $(shell pkg-config --cflags ompi-c 2>/dev/null)
MPI_LIBS   := $(shell pkg-config --libs ompi-c 2>/dev/null)
ifneq ($(MPI_LIBS),)
  MPI_CFLAGS += -DRLHF_MPI
endif

WARN    := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes
BASE    := -std=c11 -D_GNU_SOURCE -fopenmp -Isrc $(BLAS_CFLAGS) $(PKG_CFLAGS) $(PQ_CFLAGS) $(MPI_CFLAGS) $(WARN) -MMD -MP
ifeq ($(MODE),release)
  OPT := -O3 -march=native -fno-math-errno -DNDEBUG -g
else ifeq ($(MODE),debug)
  OPT := -O0 -g
else ifeq ($(MODE),asan)
  OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer
endif
CFLAGS  += $(BASE) $(OPT) $(EXTRA_CFLAGS)
SAN     := -fsanitize=address,undefined
LDLIBS  := $(BLAS_LIBS) $(PKG_LIBS) $(PQ_LIBS) $(MPI_LIBS) -lm -fopenmp $(if $(filter asan,$(MODE)),$(SAN))

LIB_SRC := $(filter-out src/cli/%,$(wildcard src/*/*.c))
CLI_SRC := $(wildcard src/cli/*.c)
TEST_SRC:= $(wildcard tests/test_*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
TESTS   := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

.PHONY: all test debug asan bench test-long clean cuda judge-report tax-report fuzz
all: rlhf
rlhf: $(BUILD)/rlhf
	@if [ "$(MODE)" = release ]; then cp $(BUILD)/rlhf ./rlhf.tmp && mv -f ./rlhf.tmp ./rlhf; fi

$(BUILD)/rlhf: $(CLI_OBJ) $(BUILD)/librlhf.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/librlhf.a: $(LIB_OBJ)
	@rm -f $@; ar rcs $@ $^
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<
$(BUILD)/tests/%: tests/%.c $(BUILD)/librlhf.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -o $@ $< $(BUILD)/librlhf.a $(LDLIBS)

test: rlhf $(TESTS)
	@RLHF_BIN=$(abspath $(BUILD)/rlhf) tests/run.sh $(TESTS)
test-long: rlhf $(TESTS)
	@RLHF_LONG=1 RLHF_BIN=$(abspath $(BUILD)/rlhf) tests/run.sh $(TESTS)
debug:
	$(MAKE) MODE=debug all
asan:
	$(MAKE) MODE=asan test
bench: rlhf
	bench/run.sh
# CUDA backend (compiled only when nvcc exists; see docs/CUDA.md)
cuda: $(BUILD)/librlhf.a
	MODE=$(MODE) scripts/build-cuda.sh
# Long targets: real HH-RLHF judges (docs/JUDGE.md), alignment tax by model size
judge-report: rlhf
	scripts/judge-report.sh
tax-report: rlhf
	scripts/tax-report.sh
# libFuzzer + ASan + UBSan on the bench's HTTP handlers, the import parsers and JSON
fuzz:
	scripts/fuzz.sh
clean:
	rm -rf build rlhf

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TESTS:=.d)
