// The runner across MPI ranks (plain MPI C API): rank 0 hands out runs on request (dynamic load
// balancing) and reports (a sweep: writes the index); ranks 1..N-1 run them. Built without MPI this
// file only detects mpirun and refuses, so that N copies never write one directory unaware of each other.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "batch/runner.hpp"
#include "sim/errors.hpp"

#ifdef BIOCLUSTER_HAVE_MPI
#define OMPI_SKIP_MPICXX 1  // the C API only: no deprecated C++ bindings to link
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace biocluster::batch {

namespace {

/// Number of ranks announced by the launcher's environment (OpenMPI, MPICH/PMI, Slurm+PMIx), or 0.
int launcher_world_size() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"}) {
    if (const char* v = std::getenv(var)) return std::atoi(v);
  }
  if (std::getenv("PMIX_RANK") || std::getenv("PMI_RANK")) return 2;  // some launcher; let MPI tell
  return 0;
}

}  // namespace

#ifdef BIOCLUSTER_HAVE_MPI

namespace {
constexpr int kTagReady = 1;   // worker -> 0: {finished plan or -1, outcome, number of result values}
constexpr int kTagWork = 2;    // 0 -> worker: plan index, or -1 to stop
constexpr int kTagResult = 3;  // worker -> 0: the result values of an in-memory sink (Sink::result_of)

int mpi_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int mpi_size() {
  int n = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}
}  // namespace

bool mpi_world() {
  if (launcher_world_size() <= 1 && !std::getenv("PMIX_RANK") && !std::getenv("PMI_RANK")) return false;
  int init = 0;
  MPI_Initialized(&init);
  if (!init) MPI_Init(nullptr, nullptr);
  if (mpi_size() > 1) return true;
  MPI_Finalize();
  return false;
}

int run_plan_mpi(const std::function<Sink&(bool first)>& setup, const RunnerOptions& o, const Report& report) {
  const int rank = mpi_rank(), size = mpi_size();
  Sink* sink = nullptr;
  // Rank 0 validates and initialises (a sweep: DIR); the others only load once it is ready.
  int code = 0;
  std::string error;
  if (rank == 0) {
    try {
      sink = &setup(true);
    } catch (const ConfigError& e) {
      code = 2, error = e.what();
    } catch (const OutputError& e) {
      code = 3, error = e.what();
    } catch (const std::exception& e) {
      code = 1, error = e.what();
    }
  }
  MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (code != 0) {
    MPI_Finalize();
    if (rank != 0) return code;
    if (code == 2) throw ConfigError(error);
    if (code == 3) throw OutputError(error);
    throw std::runtime_error(error);
  }
  if (rank != 0) {
    try {
      sink = &setup(false);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "biocluster: rank %d: %s\n", rank, e.what());
      MPI_Abort(MPI_COMM_WORLD, 2);
    }
  }

  int rc = 0;
  if (rank == 0) {
    const Pending pending = pending_runs(*sink, o);
    std::vector<std::int64_t> todo;
    for (const auto& r : pending.todo) todo.push_back(r.index);
    Progress pr(o.style, o.progress, todo.size(), pending.skipped_done + pending.skipped_failed);
    std::size_t next = 0;
    int active = size - 1;
    bool halt = false;
    while (active > 0) {
      long long msg[3] = {-1, 0, 0};
      MPI_Request req;
      MPI_Irecv(msg, 3, MPI_LONG_LONG, MPI_ANY_SOURCE, kTagReady, MPI_COMM_WORLD, &req);
      MPI_Status st;
      for (int flag = 0;;) {  // poll gently: a blocking receive would spin a core
        MPI_Test(&req, &flag, &st);
        if (flag) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      if (msg[0] >= 0 && msg[2] > 0) {
        std::vector<double> values(static_cast<std::size_t>(msg[2]));
        MPI_Recv(values.data(), static_cast<int>(msg[2]), MPI_DOUBLE, st.MPI_SOURCE, kTagResult, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        sink->take_result(sink->plan().run(msg[0]), values);
      }
      if (msg[0] >= 0) {
        const auto out = static_cast<Outcome>(msg[1]);
        if (out == Outcome::error) pr.note_error("see the rank's message above");
        if (out == Outcome::interrupted) halt = true;
        pr.tick(out);
      }
      if (o.stop && o.stop->load()) halt = true;
      long long job = -1;
      if (!halt && next < todo.size()) job = todo[next++];
      MPI_Send(&job, 1, MPI_LONG_LONG, st.MPI_SOURCE, kTagWork, MPI_COMM_WORLD);
      if (job < 0) --active;
    }
    for (; next < todo.size() && halt; ++next) pr.tick(Outcome::interrupted);
    pr.finish();
    rc = report(pending, pr);
  } else {
    const int threads = o.threads > 0 ? o.threads : 1;
    long long msg[3] = {-1, 0, 0};
    std::vector<double> values;
    for (;;) {
      MPI_Send(msg, 3, MPI_LONG_LONG, 0, kTagReady, MPI_COMM_WORLD);
      if (msg[2] > 0) MPI_Send(values.data(), static_cast<int>(msg[2]), MPI_DOUBLE, 0, kTagResult, MPI_COMM_WORLD);
      long long job = -1;
      MPI_Recv(&job, 1, MPI_LONG_LONG, 0, kTagWork, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      if (job < 0) break;
      const Run p = sink->plan().run(job);
      std::string message;
      const Outcome out = sink->execute(p, threads, true, o.stop, message);
      if (out == Outcome::error)
        std::fprintf(stderr, "biocluster: rank %d: run p%lld_r%lld: %s\n", rank, static_cast<long long>(p.point),
                     static_cast<long long>(p.replicate), message.c_str());
      values = out == Outcome::done ? sink->result_of(p) : std::vector<double>{};
      msg[0] = job;
      msg[1] = static_cast<long long>(out);
      msg[2] = static_cast<long long>(values.size());
    }
  }
  MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
  MPI_Finalize();
  return rank == 0 ? rc : (rc == 130 ? 130 : 0);
}

#else  // built without MPI

bool mpi_world() {
  if (launcher_world_size() > 1)
    throw ConfigError("this biocluster was built without MPI (BIOCLUSTER_MPI=OFF), but it was started by mpirun with " +
                      std::to_string(launcher_world_size()) +
                      " ranks; every rank would run the whole sweep. Run it without mpirun (it uses all local cores), "
                      "use --shard i/N, or rebuild with -DBIOCLUSTER_MPI=ON");
  return false;
}

int run_plan_mpi(const std::function<Sink&(bool)>&, const RunnerOptions&, const Report&) { return 1; }

#endif

}  // namespace biocluster::batch
