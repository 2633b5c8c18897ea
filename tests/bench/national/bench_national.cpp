// bench_national: runs a scenario (by default scenarios/bench/national.toml) with full HDF5 output
// and prints wall time, time per phase, output (HDF5) time and share, peak memory per agent, a
// STREAM-like copy bandwidth measured in the same process, and each phase's bytes moved per second
// as a fraction of it. Method and counting model: tests/bench/national/README.md.
//
// Usage: bench_national [--scenario FILE] [--threads N] [--steps N] [--output FILE] [--stream-mib M]
//                       [--set key=value ...] [--tsv]
#include <sys/resource.h>
#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <string>
#include <vector>

#include "agents/model.hpp"
#include "batch/run.hpp"
#include "sim/errors.hpp"

namespace {

using namespace biocluster;
using clock_type = std::chrono::steady_clock;

double peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) * 1024.0;  // Linux: kilobytes
}

/// STREAM "copy" (a[i] = b[i]) over two arrays of `mib` MiB each, best of `reps`; bytes counted as
/// STREAM does: one read and one write per element (write-allocate traffic not counted).
double stream_copy_gbs(std::size_t mib, int threads, int reps) {
  const std::size_t n = mib * (1u << 20) / sizeof(double);
  std::vector<double> a(n), b(n);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  // First touch in parallel with the same partition as the copy (pages land where they are used).
  auto for_blocks = [&](auto&& body) {
    const std::size_t block = 1u << 16;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, (n + block - 1) / block),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        for (std::size_t k = r.begin(); k != r.end(); ++k)
                          body(k * block, std::min(n, (k + 1) * block));
                      });
  };
  for_blocks([&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) a[i] = 0.0, b[i] = static_cast<double>(i);
  });
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = clock_type::now();
    for_blocks([&](std::size_t lo, std::size_t hi) { std::memcpy(&a[lo], &b[lo], (hi - lo) * sizeof(double)); });
    best = std::min(best, std::chrono::duration<double>(clock_type::now() - t0).count());
  }
  if (a[n / 2] != b[n / 2]) std::fprintf(stderr, "stream copy check failed\n");
  return 2.0 * static_cast<double>(n) * sizeof(double) / best / 1e9;
}

/// Running statistics of the world, sampled after every step.
struct Census {
  double steps = 0, startups_sum = 0, agents_sum = 0;
  double startups_min = 1e300, startups_max = 0, agents_max = 0;
  double region_cells = 0;
  void add(const agents::World& w) {
    const double s = static_cast<double>(w.startups.size());
    const double a =
        s + static_cast<double>(w.universities.size() + w.hospitals.size() + w.vcs.size() + w.pharmas.size());
    steps += 1, startups_sum += s, agents_sum += a;
    startups_min = std::min(startups_min, s), startups_max = std::max(startups_max, s),
    agents_max = std::max(agents_max, a);
    if (region_cells == 0)
      for (const auto& rc : w.region_cells) region_cells += static_cast<double>(rc.size());
  }
  double startups_mean() const { return steps > 0 ? startups_sum / steps : 0; }
  double agents_mean() const { return steps > 0 ? agents_sum / steps : 0; }
};

/// Compulsory traffic of one step of each phase, in bytes (README.md, "Counting model"): every array
/// a phase must stream, times its size. Agent arrays count as one read and one write of the agent
/// struct per pass that updates agents, one read per pass that only reads them.
struct TrafficModel {
  double cells = 0, region_cells = 0, startups = 0;
  double decide() const { return startups * (2.0 * sizeof(agents::Startup) + 8.0); }
  double match() const {
    return startups * (2.0 * sizeof(agents::Startup));
  }  // rounds, trials, IPOs: one pass each, read-mostly
  double apply() const {
    return startups * (3.0 * sizeof(agents::Startup) + 8.0 * 5);
  }  // parallel update + booking pass + ledger
  double births_deaths_hiring() const {
    return startups * (4.0 * sizeof(agents::Startup));
  }                                                                               // deaths pass, commit, hiring pass
  double account() const { return startups * (8.0 + sizeof(sim::AccountInfo)); }  // internal balances
  double fields_labour_record() const {
    // 3 diffused fields (decay fused): read + write 4 B/cell each; rent: base 8 + firms 4 + write 4;
    // firms_per_cell cleared 4; region-cell gathers (metrics, labour market, migration) ~80 B/cell;
    // one read pass over the startups to count firms per cell.
    return cells * (3 * 8.0 + 16.0 + 4.0) + region_cells * 80.0 + startups * sizeof(agents::Startup);
  }
  double of(std::size_t phase) const {
    switch (phase) {
      case 0:
        return decide();
      case 1:
        return match();
      case 2:
        return apply();
      case 3:
        return births_deaths_hiring();
      case 4:
        return account();
      default:
        return fields_labour_record();
    }
  }
};

int usage(const char* msg) {
  std::fprintf(stderr,
               "bench_national: %s\nusage: bench_national [--scenario FILE] [--threads N] [--steps N] [--output FILE] "
               "[--stream-mib M] [--set key=value ...] [--tsv]\n",
               msg);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  batch::RunOptions o;
  o.scenario = std::filesystem::path(BIOCLUSTER_SOURCE_DIR) / "scenarios/bench/national.toml";
  o.output = "bench_national.h5";
  o.threads = 1;
  o.summary = false;
  std::size_t stream_mib = 256;
  bool tsv = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value after " + a);
      return argv[++i];
    };
    try {
      if (a == "--scenario")
        o.scenario = next();
      else if (a == "--threads")
        o.threads = std::stoi(next());
      else if (a == "--steps")
        o.steps = std::stoll(next());
      else if (a == "--output")
        o.output = next();
      else if (a == "--stream-mib")
        stream_mib = static_cast<std::size_t>(std::stoul(next()));
      else if (a == "--set")
        o.overrides.push_back(next());
      else if (a == "--tsv")
        tsv = true;
      else
        return usage(("unknown argument '" + a + "'").c_str());
    } catch (const std::exception& e) {
      return usage(e.what());
    }
  }
  if (o.threads < 1) return usage("--threads must be >= 1");

  Census census;
  std::size_t cells = 0;
  o.on_step = [&](const agents::World& w, std::int64_t) {
    census.add(w);
    cells = w.grid.cell_count();
  };
  batch::RunSummary sum;
  try {
    sum = batch::run_scenario(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_national: %s\n", e.what());
    return 1;
  }
  const double rss = peak_rss_bytes();
  const double stream1 = stream_copy_gbs(stream_mib, 1, 5);
  const double streamN = o.threads > 1 ? stream_copy_gbs(stream_mib, o.threads, 5) : stream1;

  const double steps = static_cast<double>(sum.steps);
  TrafficModel tm{static_cast<double>(cells), census.region_cells, census.startups_mean()};
  const double phases_total = std::accumulate(sum.phase_seconds.begin(), sum.phase_seconds.end(), 0.0,
                                              [](double s, const auto& p) { return s + p.second; });
  const double stream_ref = streamN;

  if (tsv) {
    std::printf(
        "threads\t%d\nsteps\t%.0f\nwall_s\t%.3f\nsetup_s\t%.3f\noutput_s\t%.3f\noutput_share\t%.4f\noutput_worker_s\t%."
        "3f\n",
        o.threads, steps, sum.wall_seconds, sum.setup_seconds, sum.output_seconds,
        sum.output_seconds / sum.wall_seconds, sum.output_worker_seconds);
    for (std::size_t i = 0; i < sum.phase_seconds.size(); ++i) {
      const double gbs = tm.of(i) * steps / std::max(1e-12, sum.phase_seconds[i].second) / 1e9;
      std::printf("phase_%s_s\t%.3f\nphase_%s_gbs\t%.3f\nphase_%s_stream_fraction\t%.4f\n",
                  sum.phase_seconds[i].first.data(), sum.phase_seconds[i].second, sum.phase_seconds[i].first.data(),
                  gbs, sum.phase_seconds[i].first.data(), gbs / stream_ref);
    }
    std::printf("peak_rss_mib\t%.1f\nagents_mean\t%.0f\nstartups_min\t%.0f\nstartups_mean\t%.0f\nstartups_max\t%.0f\n",
                rss / 1048576.0, census.agents_mean(), census.startups_min, census.startups_mean(),
                census.startups_max);
    std::printf("bytes_per_agent\t%.0f\nstream_copy_1t_gbs\t%.2f\nstream_copy_nt_gbs\t%.2f\n", rss / census.agents_max,
                stream1, streamN);
    return 0;
  }
  std::printf("bench_national: %s, %.0f steps, %d thread(s), grid %zu cells\n", o.scenario.string().c_str(), steps,
              o.threads, cells);
  std::printf("  wall time            %8.2f s  (setup %.2f s, phases %.2f s, output %.2f s)\n", sum.wall_seconds,
              sum.setup_seconds, phases_total, sum.output_seconds);
  std::printf("  HDF5 output share    %8.1f %%  (time the simulation thread spends in output calls)\n",
              100.0 * sum.output_seconds / sum.wall_seconds);
  std::printf("  HDF5 on the critical path %.2f s (%.1f%%), writer thread busy %.2f s\n", sum.output_seconds,
              100.0 * sum.output_seconds / sum.wall_seconds, sum.output_worker_seconds);
  std::printf("  agents               mean %.0f, max %.0f; startups min %.0f mean %.0f max %.0f\n",
              census.agents_mean(), census.agents_max, census.startups_min, census.startups_mean(),
              census.startups_max);
  std::printf("  peak RSS             %8.1f MiB = %.0f bytes per agent (at the largest population, grid included)\n",
              rss / 1048576.0, rss / census.agents_max);
  std::printf("  STREAM copy          %8.2f GB/s 1 thread, %.2f GB/s %d threads (%zu MiB arrays, best of 5)\n", stream1,
              streamN, o.threads, stream_mib);
  std::printf("  %-14s %9s %7s %12s %9s %9s\n", "phase", "seconds", "share", "MB/step", "GB/s", "of STREAM");
  for (std::size_t i = 0; i < sum.phase_seconds.size(); ++i) {
    const double secs = sum.phase_seconds[i].second;
    const double gbs = tm.of(i) * steps / std::max(1e-12, secs) / 1e9;
    std::printf("  %-14s %9.3f %6.1f%% %12.1f %9.2f %8.1f%%\n", sum.phase_seconds[i].first.data(), secs,
                100.0 * secs / sum.wall_seconds, tm.of(i) / 1e6, gbs, 100.0 * gbs / stream_ref);
  }
  return 0;
}
