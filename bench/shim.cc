// The C shim over Google Benchmark (the only C++ in lingrad): thin wrappers; the
// one policy is lg_bench_main's exit status. See shim.h for the API.
#include "shim.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <streambuf>
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
extern "C" void lg_bench_use_manual_time(lg_bench *b) { of(b)->UseManualTime(); }
// SetIterationTime adds to the run's manual total (Timer::manual_time_used_), so
// a batch may report its time in as many parts as it likes.
extern "C" void lg_bench_add_time(lg_bench_state *st, double seconds) { st->s.SetIterationTime(seconds); }

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

namespace {

// Google Benchmark says on std::cerr why a filter selects nothing, then returns 0
// and leaves the exit status to us. This holds back those lines (and only those)
// while it runs, so the program can fail with one line of its own; every other
// line goes through as soon as it is complete.
class held_lines : public std::streambuf {
public:
    // Their wording in Google Benchmark 1.7.1 (src/benchmark.cc, benchmark_register.cc).
    static constexpr const char *no_match = "Failed to match any benchmarks against regex: ";
    static constexpr const char *bad_regex = "Could not compile benchmark re: ";

    explicit held_lines(std::ostream &os) : os_(os), out_(os.rdbuf(this)) {}
    ~held_lines() override
    {
        pass_line();
        os_.rdbuf(out_);
    }
    held_lines(const held_lines &) = delete;
    held_lines &operator=(const held_lines &) = delete;
    const std::string &held() const { return held_; }

protected:
    int overflow(int c) override
    {
        if (traits_type::eq_int_type(c, traits_type::eof()))
            return traits_type::not_eof(c);
        line_ += traits_type::to_char_type(c);
        if (c == '\n')
            pass_line();
        return c;
    }
    int sync() override { return out_->pubsync(); }

private:
    void pass_line()
    {
        if (line_.rfind(no_match, 0) == 0 || line_.rfind(bad_regex, 0) == 0)
            held_ += line_;
        else
            out_->sputn(line_.data(), static_cast<std::streamsize>(line_.size()));
        line_.clear();
    }

    std::ostream &os_;
    std::streambuf *out_;
    std::string line_, held_;
};

std::string program_name(const char *argv0)
{
    std::string name = argv0 && *argv0 ? argv0 : "lingrad-bench";
    return name.substr(name.find_last_of('/') + 1);
}

// One line for a filter that selected nothing: a typo must not pass as a run.
void report_no_match(const std::string &program, const std::string &held)
{
    std::string filter = benchmark::GetBenchmarkFilter();
    std::size_t at = held.find(held_lines::bad_regex);
    if (at != std::string::npos) {
        std::string why = held.substr(at + std::strlen(held_lines::bad_regex));
        why = why.substr(0, why.find('\n'));
        std::fprintf(stderr, "%s: error: --benchmark_filter='%s' is not a valid regular "
                     "expression: %s\n", program.c_str(), filter.c_str(), why.c_str());
    } else {
        std::fprintf(stderr, "%s: error: --benchmark_filter='%s' matches no benchmark "
                     "(--benchmark_list_tests without a filter lists them)\n", program.c_str(),
                     filter.c_str());
    }
}

} // namespace

extern "C" int lg_bench_main(int argc, char **argv)
{
    std::string program = program_name(argv[0]);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 2;
    std::size_t matched;
    std::string held;
    {
        held_lines filter(std::cerr);
        matched = benchmark::RunSpecifiedBenchmarks();
        held = filter.held();
    }
    benchmark::Shutdown();
    if (matched == 0) {
        report_no_match(program, held);
        return 2;
    }
    return 0;
}
