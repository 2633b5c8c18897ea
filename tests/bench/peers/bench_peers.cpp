// bench_peers: Schelling (ABMFrameworksComparison rules) and Boltzmann wealth (Mesa benchmark rules)
// on biocluster's engine pieces, timed against the peer frameworks' figures. See README.md here.
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sim/errors.hpp"
#include "tests/bench/peers/boltzmann.hpp"
#include "tests/bench/peers/schelling.hpp"

#ifndef BENCH_BUILD_TYPE
#define BENCH_BUILD_TYPE "unknown"
#endif
#ifndef BENCH_CXX_FLAGS
#define BENCH_CXX_FLAGS "unknown"
#endif
#ifndef BENCH_COMPILER
#define BENCH_COMPILER "unknown"
#endif

namespace {

using namespace biocluster::bench;
using Clock = std::chrono::steady_clock;

/// Figures quoted by the issue for the peer frameworks on this kind of machine (not measured here).
struct PeerFigure {
  const char* framework;
  double low_ms;
  double high_ms;  ///< == low_ms for a single figure
};

enum class Model { schelling, boltzmann, boltzmann_sync };

/// One benchmark case: a model, its parameters, how many seeded runs, the peers' figures.
struct Case {
  std::string name;
  Model model;
  SchellingParams schelling{};
  BoltzmannParams boltzmann{};
  int runs = 100;
  std::string rules;
  std::optional<PeerFigure> mason;
  std::optional<PeerFigure> mesa;
};

/// Wall times of one seeded run (setup + steps, and steps alone) and its result's hash.
struct RunResult {
  double total_ms = 0;
  double steps_ms = 0;
  std::uint64_t checksum = 0;
};

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

/// Setup + all steps of one run, timed; the checksum is computed after the clock stops.
RunResult run_once(const Case& c, std::uint64_t seed) {
  RunResult r;
  const auto t0 = Clock::now();
  if (c.model == Model::schelling) {
    Schelling m = make_schelling(c.schelling, seed);
    const auto t1 = Clock::now();
    for (int s = 0; s < c.schelling.steps; ++s) step_schelling(m);
    const auto t2 = Clock::now();
    r = {ms_between(t0, t2), ms_between(t1, t2), checksum(m)};
  } else {
    Boltzmann m = make_boltzmann(c.boltzmann, seed);
    const auto t1 = Clock::now();
    if (c.model == Model::boltzmann) {
      for (int s = 0; s < c.boltzmann.steps; ++s) step_boltzmann(m);
    } else {
      for (int s = 0; s < c.boltzmann.steps; ++s) step_boltzmann_sync_parallel(m);
    }
    const auto t2 = Clock::now();
    r = {ms_between(t0, t2), ms_between(t1, t2), checksum(m)};
  }
  return r;
}

/// Quantile of sorted values (linear interpolation).
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0.0;
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

/// One row of the table: a case at one thread count.
struct Row {
  std::string case_name;
  int threads = 1;
  int runs = 0;
  double median = 0, p25 = 0, p75 = 0, min = 0, max = 0, steps_median = 0;
  double runs_per_s = 0;
  bool identical = true;  ///< every run's checksum equals the 1-thread pass
  std::string mode;       ///< "replicates in parallel" or "threads inside one run"
  const Case* c = nullptr;
};

/// Runs all of a case's seeded runs with `threads` TBB threads. Serial rules: replicates run in
/// parallel (each run itself serial). The synchronous variant: runs one after another, each using
/// the threads inside its steps.
Row measure(const Case& c, int threads, std::uint64_t base_seed, std::vector<std::uint64_t>& reference) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  std::vector<RunResult> results(static_cast<std::size_t>(c.runs));
  const auto t0 = Clock::now();
  if (c.model == Model::boltzmann_sync || threads == 1) {
    for (int r = 0; r < c.runs; ++r) results[r] = run_once(c, base_seed + static_cast<std::uint64_t>(r));
  } else {
    tbb::parallel_for(0, c.runs, 1,
                      [&](int r) { results[r] = run_once(c, base_seed + static_cast<std::uint64_t>(r)); });
  }
  const double wall_s = ms_between(t0, Clock::now()) / 1000.0;

  Row row;
  row.case_name = c.name;
  row.threads = threads;
  row.runs = c.runs;
  row.c = &c;
  row.mode = c.model == Model::boltzmann_sync ? "threads inside each run" : "replicates in parallel";
  std::vector<double> total, steps;
  for (const auto& r : results) {
    total.push_back(r.total_ms);
    steps.push_back(r.steps_ms);
  }
  std::sort(total.begin(), total.end());
  std::sort(steps.begin(), steps.end());
  row.median = quantile(total, 0.5);
  row.p25 = quantile(total, 0.25);
  row.p75 = quantile(total, 0.75);
  row.min = total.front();
  row.max = total.back();
  row.steps_median = quantile(steps, 0.5);
  row.runs_per_s = static_cast<double>(c.runs) / wall_s;
  if (reference.empty()) {
    for (const auto& r : results) reference.push_back(r.checksum);
  } else {
    for (std::size_t i = 0; i < results.size(); ++i)
      row.identical = row.identical && results[i].checksum == reference[i];
  }
  return row;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

/// "12.3x" or "756x-993x" for a peer's figure against our median; empty when not applicable.
std::string ratio(const std::optional<PeerFigure>& peer, double median_ms) {
  if (!peer || median_ms <= 0) return "-";
  if (peer->high_ms == peer->low_ms) return fmt("%.0fx", peer->low_ms / median_ms);
  return fmt("%.0f", peer->low_ms / median_ms) + "-" + fmt("%.0fx", peer->high_ms / median_ms);
}

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  if (!(f >> a >> b >> c)) return "n/a";
  return a + " " + b + " " + c;
}

std::vector<Case> standard_cases(bool quick) {
  std::vector<Case> cases;
  auto schelling_rules = [](const SchellingParams& p) {
    std::ostringstream s;
    s << p.side << "x" << p.side << " non-periodic, K=" << p.agents << " (2 groups of " << p.agents / 2
      << "), Chebyshev r=" << p.radius << ", min same-group " << p.min_happy << ", " << p.steps
      << " steps, random order each step, every agent evaluated every step, unhappy -> random empty cell";
    return s.str();
  };
  auto boltzmann_rules = [](const BoltzmannParams& p, bool sync) {
    std::ostringstream s;
    s << "n=" << p.agents << " on " << p.width << "x" << p.height
      << " grid, not periodic (Mesa OrthogonalMooreGrid torus=False), " << p.steps << " steps, ";
    if (sync)
      s << "DIFFERENT RULE (synchronous): all move at once, then each cell's agents give in keyed order; "
           "Gini + all wealths recorded every step";
    else
      s << "random order each step, move to random Moore neighbour, give 1 to random other cellmate if wealth>0; "
           "Gini + all wealths recorded every step";
    return s.str();
  };
  if (quick) {
    const SchellingParams s{12, 80, 1, 3, 5};
    const BoltzmannParams b{200, 12, 12, 6};
    cases.push_back({"schelling-tiny", Model::schelling, s, {}, 8, schelling_rules(s), {}, {}});
    cases.push_back({"boltzmann-tiny", Model::boltzmann, {}, b, 8, boltzmann_rules(b, false), {}, {}});
    cases.push_back({"boltzmann-tiny-sync", Model::boltzmann_sync, {}, b, 3, boltzmann_rules(b, true), {}, {}});
    return cases;
  }
  cases.push_back(
      {"schelling-small", Model::schelling, schelling_small, {}, 100, schelling_rules(schelling_small), {}, {}});
  cases.push_back({"schelling-large",
                   Model::schelling,
                   schelling_large,
                   {},
                   100,
                   schelling_rules(schelling_large),
                   PeerFigure{"MASON", 81, 81},
                   PeerFigure{"Mesa 3.2", 1842, 1842}});
  cases.push_back(
      {"boltzmann-small", Model::boltzmann, {}, boltzmann_small, 100, boltzmann_rules(boltzmann_small, false), {}, {}});
  cases.push_back({"boltzmann-large",
                   Model::boltzmann,
                   {},
                   boltzmann_large,
                   100,
                   boltzmann_rules(boltzmann_large, false),
                   {},
                   PeerFigure{"Mesa 3.3", 650, 860}});
  cases.push_back(
      {"boltzmann-1m", Model::boltzmann, {}, boltzmann_huge, 10, boltzmann_rules(boltzmann_huge, false), {}, {}});
  cases.push_back({"boltzmann-1m-sync",
                   Model::boltzmann_sync,
                   {},
                   boltzmann_huge,
                   10,
                   boltzmann_rules(boltzmann_huge, true),
                   {},
                   {}});
  return cases;
}

bool selected(const Case& c, const std::string& model, const std::string& size, bool with_sync) {
  if (c.model == Model::boltzmann_sync && !with_sync) return false;
  const bool is_schelling = c.model == Model::schelling;
  if (model == "schelling" && !is_schelling) return false;
  if (model == "boltzmann" && is_schelling) return false;
  if (size == "all") return true;
  const std::string tag = size == "huge" ? "-1m" : "-" + size;
  return c.name.find(tag) != std::string::npos;
}

std::vector<int> parse_threads(const std::string& list) {
  std::vector<int> out;
  std::stringstream s(list);
  std::string item;
  while (std::getline(s, item, ',')) {
    int t = 0;
    try {
      t = std::stoi(item);
    } catch (const std::exception&) {
      t = 0;
    }
    if (t < 1 || t > 1024)
      throw biocluster::ConfigError("--threads: '" + item +
                                    "' is not a thread count in 1..1024; give a comma list such as 1,2");
    out.push_back(t);
  }
  if (out.empty()) throw biocluster::ConfigError("--threads: empty list; give e.g. 1,2");
  if (out.front() != 1) out.insert(out.begin(), 1);  // the 1-thread pass is the reference
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{
      "bench_peers: Schelling (ABMFrameworksComparison rules) and Boltzmann wealth (Mesa benchmark rules)\n"
      "timed on biocluster's engine pieces against the peer frameworks' quoted figures."};
  std::string model = "all", size = "all", threads_list;
  int runs = 0;
  std::uint64_t seed = 42;
  bool quick = false, no_sync = false;
  cli.add_option("--model", model, "schelling, boltzmann or all")
      ->check(CLI::IsMember({"schelling", "boltzmann", "all"}));
  cli.add_option("--size", size, "small, large, huge (Boltzmann 1M) or all")
      ->check(CLI::IsMember({"small", "large", "huge", "all"}));
  cli.add_option("--runs", runs, "seeded runs per case (default 100; 10 for the 1M cases)")
      ->check(CLI::Range(1, 100000));
  cli.add_option("--threads", threads_list, "comma list of TBB thread counts (default: 1,nproc); 1 is always first");
  cli.add_option("--seed", seed, "base seed; run i uses seed + i");
  cli.add_flag("--quick", quick, "tiny sizes and few runs (smoke test); exits 1 if results differ across threads");
  cli.add_flag("--no-sync-variant", no_sync, "skip the synchronous (different-rule) parallel Boltzmann variant");
  CLI11_PARSE(cli, argc, argv);

  try {
    const int nproc = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const std::vector<int> threads =
        parse_threads(threads_list.empty() ? (nproc > 1 ? "1," + std::to_string(nproc) : "1") : threads_list);
    std::vector<Case> cases;
    for (auto& c : standard_cases(quick))
      if (selected(c, quick ? "all" : model, quick ? "all" : size, !no_sync)) cases.push_back(c);
    if (runs > 0)
      for (auto& c : cases) c.runs = runs;

    const std::string load_before = load_average();
    std::vector<Row> rows;
    for (const auto& c : cases) {
      std::vector<std::uint64_t> reference;
      for (const int t : threads) {
        rows.push_back(measure(c, t, seed, reference));
        std::fprintf(stderr, "  done %s at %d thread(s)\n", c.name.c_str(), t);
      }
    }

    std::printf("\n%-19s %3s %5s %10s %10s %10s %9s %9s %10s %9s %9s %10s %5s\n", "case", "thr", "runs", "median_ms",
                "p25_ms", "p75_ms", "min_ms", "max_ms", "steps_ms", "runs/s", "vs_MASON", "vs_Mesa", "same");
    bool all_identical = true;
    for (const auto& r : rows) {
      all_identical = all_identical && r.identical;
      const bool single = r.threads == 1;
      std::printf("%-19s %3d %5d %10.3f %10.3f %10.3f %9.3f %9.3f %10.3f %9.1f %9s %10s %5s\n", r.case_name.c_str(),
                  r.threads, r.runs, r.median, r.p25, r.p75, r.min, r.max, r.steps_median, r.runs_per_s,
                  single ? ratio(r.c->mason, r.median).c_str() : "-", single ? ratio(r.c->mesa, r.median).c_str() : "-",
                  single ? "ref" : (r.identical ? "yes" : "NO"));
    }
    std::printf("\nRules:\n");
    for (const auto& c : cases) std::printf("  %-19s %s\n", c.name.c_str(), c.rules.c_str());
    std::printf(
        "\nPeer figures (quoted by the issue, not measured here): Schelling-large MASON 81 ms, Mesa 3.2 1842 ms;"
        " Boltzmann-large Mesa 3.3 650-860 ms. vs_X = X's time / our 1-thread median (setup + steps).\n");
    std::printf(
        "Method: std::chrono::steady_clock around setup (allocation, placement, initial data collection) + all "
        "steps of each seeded run (run i: seed %llu + i); median_ms..max_ms over runs, steps_ms = median of "
        "steps alone; checksums computed outside the clock. thr=1 rows: runs one after another on one thread. "
        "thr>1 rows: serial-rule cases run the replicates in parallel (tbb::parallel_for, each run serial; "
        "per-run times then include contention, runs/s is the throughput); the -sync case runs one run at a "
        "time with the threads inside its steps. same = every run's checksum equals the 1-thread pass.\n",
        static_cast<unsigned long long>(seed));
    std::printf(
        "Build: %s, CMAKE_BUILD_TYPE=%s, flags '%s'; TBB via tbb::global_control; nproc=%d; load average "
        "before %s, after %s.\n",
        BENCH_COMPILER, BENCH_BUILD_TYPE, BENCH_CXX_FLAGS, nproc, load_before.c_str(), load_average().c_str());

    for (const auto& r : rows) {
      if (r.threads != 1) continue;
      if (r.c->mason)
        std::printf("Goal %s: >= 5x faster than MASON single-threaded: %s (%.1fx)\n", r.case_name.c_str(),
                    r.c->mason->low_ms / r.median >= 5 ? "MET" : "NOT MET", r.c->mason->low_ms / r.median);
      if (r.c->mesa)
        std::printf(
            "Goal %s: >= 100x faster than Mesa single-threaded: %s (%.0fx against the fastest quoted %.0f ms)\n",
            r.case_name.c_str(), r.c->mesa->low_ms / r.median >= 100 ? "MET" : "NOT MET", r.c->mesa->low_ms / r.median,
            r.c->mesa->low_ms);
    }
    if (!all_identical) {
      std::fprintf(stderr, "bench_peers: results differ between thread counts (see 'same'); determinism is broken\n");
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_peers: %s\n", e.what());
    return 2;
  }
  return 0;
}
