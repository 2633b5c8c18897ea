// The runner, locally: the pending runs of a plan on a TBB arena. MPI: batch/mpi.cpp.
#include "batch/runner.hpp"

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <optional>

namespace biocluster::batch {

Pending pending_runs(const Sink& sink, const RunnerOptions& o) {
  Pending out;
  const Plan& plan = sink.plan();
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(plan.size()); ++i) {
    if (i % o.shards != o.shard) continue;
    const Run r = plan.run(i);
    if (const auto prev = sink.finished_before(r)) {
      (*prev == Outcome::skipped_done ? out.skipped_done : out.skipped_failed)++;
      continue;
    }
    out.todo.push_back(r);
  }
  return out;
}

void run_local(Sink& sink, const std::vector<Run>& todo, const RunnerOptions& o, Progress& pr) {
  const int cores = tbb::info::default_concurrency();
  const int threads = o.threads > 0 ? o.threads : cores;
  std::optional<tbb::global_control> allow;
  if (threads > cores) allow.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, todo.size(), 1),
        [&](const tbb::blocked_range<std::size_t>& range) {
          for (std::size_t i = range.begin(); i != range.end(); ++i) {
            if (o.stop && o.stop->load()) {
              pr.tick(Outcome::interrupted);
              continue;
            }
            std::string message;
            Outcome out = Outcome::error;
            if (o.single_threaded_runs) {
              tbb::task_arena one(1);  // each run single-threaded, in its own arena
              one.execute([&] { out = sink.execute(todo[i], 1, false, o.stop, message); });
            } else {
              out = sink.execute(todo[i], threads, false, o.stop, message);
            }
            if (out == Outcome::error) pr.note_error(message);
            pr.tick(out);
          }
        },
        tbb::simple_partitioner{});
  });
}

int run_plan(const std::function<Sink&(bool first)>& setup, const RunnerOptions& o, const Report& report) {
  if (mpi_world()) return run_plan_mpi(setup, o, report);
  Sink& sink = setup(true);
  const Pending pending = pending_runs(sink, o);
  Progress pr(o.style, o.progress, pending.todo.size(), pending.skipped_done + pending.skipped_failed);
  run_local(sink, pending.todo, o, pr);
  pr.finish();
  return report(pending, pr);
}

}  // namespace biocluster::batch
