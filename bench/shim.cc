// The C shim over Google Benchmark (the only C++ in lingrad): thin wrappers,
// no policy. See shim.h for the API.
#include "shim.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>

struct lg_bench_state {
    benchmark::State &s;
};

// lg_bench is the registered benchmark itself: the handle costs no allocation.
static benchmark::internal::Benchmark *of(lg_bench *b)
{
    return reinterpret_cast<benchmark::internal::Benchmark *>(b);
}

extern "C" lg_bench *lg_bench_register(const char *name, lg_bench_fn *fn, void *arg)
{
    auto *bench = benchmark::RegisterBenchmark(name, [fn, arg](benchmark::State &s) {
        lg_bench_state st{s};
        fn(&st, arg);
    });
    return reinterpret_cast<lg_bench *>(bench);
}

extern "C" void lg_bench_use_real_time(lg_bench *b) { of(b)->UseRealTime(); }
extern "C" void lg_bench_min_time(lg_bench *b, double seconds) { of(b)->MinTime(seconds); }

extern "C" size_t lg_bench_batch(lg_bench_state *st)
{
    // Google Benchmark decides the total; we take it in batches of up to 1/8 of
    // it (at least 1), so a fast loop crosses into C++ about 8 times per run.
    benchmark::IterationCount total = st->s.max_iterations;
    size_t batch = static_cast<size_t>(std::max<benchmark::IterationCount>(1, total / 8));
    return st->s.KeepRunningBatch(static_cast<benchmark::IterationCount>(batch)) ? batch : 0;
}

extern "C" int64_t lg_bench_iterations(const lg_bench_state *st) { return st->s.iterations(); }
extern "C" void lg_bench_pause(lg_bench_state *st) { st->s.PauseTiming(); }
extern "C" void lg_bench_resume(lg_bench_state *st) { st->s.ResumeTiming(); }
extern "C" void lg_bench_set_bytes(lg_bench_state *st, int64_t b) { st->s.SetBytesProcessed(b); }
extern "C" void lg_bench_set_items(lg_bench_state *st, int64_t n) { st->s.SetItemsProcessed(n); }

extern "C" void lg_bench_counter(lg_bench_state *st, const char *name, double value, int is_rate)
{
    st->s.counters[name] =
        benchmark::Counter(value, is_rate ? benchmark::Counter::kIsRate : benchmark::Counter::kDefaults);
}

extern "C" void lg_bench_skip(lg_bench_state *st, const char *why) { st->s.SkipWithError(why); }

extern "C" void lg_bench_do_not_optimize(const void *p)
{
    benchmark::DoNotOptimize(p);
    benchmark::ClobberMemory(); // and whatever p points to counts as read
}

extern "C" void lg_bench_clobber_memory(void) { benchmark::ClobberMemory(); }

extern "C" void lg_bench_context(const char *key, const char *value)
{
    benchmark::AddCustomContext(key, value);
}

extern "C" int lg_bench_main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 2;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
