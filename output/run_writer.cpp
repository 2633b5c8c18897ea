/// @file RunWriter: the caller's side and the writer thread (the file's layout: run_layout.cpp,
/// docs/OUTPUT.md).
///
/// Threads: the public calls run on the caller's (simulation) thread: they validate, copy into a
/// Batch and, at each flush point, queue the batch. One writer thread per RunWriter makes every
/// HDF5 call (creation, writes, flushes, finish, close) in queue order, through a layout::RunFile.
/// A failure there is stored and rethrown by the next public call. Flush points are chosen on the
/// caller's side from the sequence of calls alone, so the file's contents never depend on thread
/// timing.
///
/// Crash safety: append_* only copy into memory buffers; the HDF5 library is not called between
/// flushes, so nothing in the file changes between two flushes. A flush is queued and done by the
/// writer thread; flush() and finish() wait for it, a process killed earlier loses it. What one
/// flush writes, and in which order: run_layout.cpp.
#include "output/run_writer.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "output/hdf5.hpp"
#include "output/run_layout.hpp"
#include "sim/errors.hpp"

namespace biocluster::output {
namespace {

namespace fs = std::filesystem;
using layout::AgentBuffer;
using layout::Batch;
using layout::kDateLen;

constexpr std::size_t kMaxBufferedBytes = 64u << 20;  // flush early when buffers exceed this
constexpr std::size_t kMaxQueuedBytes = 512u << 20;   // append_*/flush block while the writer thread lags this much

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

// =============================================================================================
// RunWriter: validation and copying on the calling (simulation) thread; every HDF5 call on one
// writer thread that the object owns. The two meet at a queue of jobs bounded by bytes.

struct RunWriter::Impl {
  enum class Kind { create, flush, finish };
  struct Job {
    Kind kind = Kind::flush;
    std::optional<Batch> batch;  // flush: the rows to write
    RunFooter footer;            // finish
    std::size_t bytes = 0;
    std::uint64_t seq = 0;
  };

  // ----- used by the calling thread only
  fs::path final_path;
  fs::path partial;
  fs::path current;
  RunHeader header;  // copy: names, sizes, flush policy
  std::size_t n_regions = 0;
  std::size_t cells = 0;
  std::vector<std::int64_t> table_rows;  // rows of each agent table, appended so far
  std::optional<Batch> batch;            // rows appended since the last flush
  int steps_since_flush = 0;
  bool finished = false;

  // ----- used by the writer thread only (after construction)
  layout::RunFile run;

  // ----- shared, under `m`
  std::mutex m;
  std::condition_variable work_cv;  // the writer thread waits for jobs
  std::condition_variable done_cv;  // callers wait for completed jobs or queue space
  std::deque<Job> queue;
  std::size_t queued_bytes = 0;
  std::uint64_t submitted = 0, completed = 0;
  bool stop = false;                // no more jobs: close the file and end the thread
  std::exception_ptr error;         // the first failure on the writer thread
  std::atomic<bool> failed{false};  // error != nullptr, read without the lock
  std::optional<Batch> spare;       // a written batch, cleared, for reuse (keeps its capacity)
  double busy_seconds = 0;
  std::thread worker;

  Impl(fs::path final, const RunHeader& h)
      : final_path(std::move(final)),
        partial(partial_path(final_path)),
        current(partial),
        header(h),
        n_regions(h.regions.size()),
        cells(static_cast<std::size_t>(h.grid_width) * static_cast<std::size_t>(h.grid_height)),
        table_rows(h.agent_tables.size(), 0),
        batch(std::in_place, h),
        run(final_path, partial, h) {}

  void worker_main() {
    // No error printing on this thread; the guard's destructor also clears the messages that closes
    // after a failed write leave: a thread-safe HDF5 frees this thread's error stack when the
    // thread ends, but not the messages on it.
    h5::ErrorGuard quiet;
    for (;;) {
      Job job;
      {
        std::unique_lock lock(m);
        work_cv.wait(lock, [&] { return !queue.empty() || stop; });
        if (queue.empty()) break;  // stop, and every job done
        job = std::move(queue.front());
        queue.pop_front();
      }
      const auto t0 = std::chrono::steady_clock::now();
      std::exception_ptr err;
      if (!failed.load()) {  // after a failure, later jobs are dropped: the file keeps the last good flush
        try {
          switch (job.kind) {
            case Kind::create:
              run.create();
              break;
            case Kind::flush:
              run.flush(*job.batch);
              break;
            case Kind::finish:
              run.finish(job.footer);
              break;
          }
        } catch (...) {
          err = std::current_exception();
        }
      }
      if (job.batch) job.batch->clear();
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      {
        std::lock_guard lock(m);
        busy_seconds += secs;
        queued_bytes -= job.bytes;
        completed = job.seq;
        if (err && !error) {
          error = err;
          failed.store(true);
        }
        if (job.batch && !spare) spare = std::move(job.batch);
      }
      done_cv.notify_all();
    }
    // Today's guarantee for a writer destroyed without finish(): the file is closed cleanly.
    const auto t0 = std::chrono::steady_clock::now();
    run.close_all();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::lock_guard lock(m);
    busy_seconds += secs;
  }

  /// Queues a job, blocking while the queue holds more than kMaxQueuedBytes (a job larger than
  /// that waits for an empty queue). Returns the job's sequence number.
  std::uint64_t submit(Job job) {
    job.bytes = job.batch ? job.batch->bytes : 0;
    std::unique_lock lock(m);
    done_cv.wait(lock, [&] { return queued_bytes == 0 || queued_bytes + job.bytes <= kMaxQueuedBytes; });
    job.seq = ++submitted;
    queued_bytes += job.bytes;
    const std::uint64_t seq = job.seq;
    queue.push_back(std::move(job));
    lock.unlock();
    work_cv.notify_one();
    return seq;
  }

  void wait_for(std::uint64_t seq) {
    std::unique_lock lock(m);
    done_cv.wait(lock, [&] { return completed >= seq; });
  }

  /// Rethrows the writer thread's first failure, if any (same exception, same text).
  void rethrow_if_failed() {
    if (!failed.load()) return;
    std::lock_guard lock(m);
    std::rethrow_exception(error);
  }

  /// Hands the current batch to the writer thread as one flush; starts a new (or recycled) batch.
  std::uint64_t submit_flush() {
    Job job;
    job.kind = Kind::flush;
    job.batch = std::move(batch);
    {
      std::lock_guard lock(m);
      batch = std::move(spare);
      spare.reset();
    }
    if (!batch) batch.emplace(header);
    steps_since_flush = 0;
    return submit(std::move(job));
  }

  /// Ends the writer thread once it has done every queued job (it then closes the file).
  void stop_worker() noexcept {
    if (!worker.joinable()) return;
    {
      std::lock_guard lock(m);
      stop = true;
    }
    work_cv.notify_one();
    worker.join();
  }

  void check_open(const char* call) {
    if (finished) throw OutputError("HDF5 output '" + final_path.string() + "': " + call + " after finish()");
    rethrow_if_failed();
  }

  void maybe_flush() {
    if (batch->bytes > kMaxBufferedBytes) submit_flush();
  }
};

OutputLevel parse_output_level(const std::string& name) {
  for (const OutputLevel l : {OutputLevel::summary, OutputLevel::series, OutputLevel::events, OutputLevel::full})
    if (name == output_level_name(l)) return l;
  throw OutputError("output level '" + name + "' is not one of summary, series, events, full");
}

const char* output_level_name(OutputLevel level) {
  switch (level) {
    case OutputLevel::summary:
      return "summary";
    case OutputLevel::series:
      return "series";
    case OutputLevel::events:
      return "events";
    case OutputLevel::full:
      return "full";
  }
  return "full";
}

std::filesystem::path RunWriter::partial_path(const std::filesystem::path& final_path) {
  std::filesystem::path p = final_path;
  p += ".partial";
  return p;
}

RunWriter::RunWriter(std::filesystem::path final_path, const RunHeader& header) {
  layout::validate_header(partial_path(final_path), header);  // before anything is set up
  impl_ = std::make_unique<Impl>(std::move(final_path), header);
  Impl& im = *impl_;

  // The file is created on the writer thread too; the constructor waits, so that a bad path is
  // still an OutputError thrown here.
  im.worker = std::thread([&im] { im.worker_main(); });
  Impl::Job create;
  create.kind = Impl::Kind::create;
  im.wait_for(im.submit(std::move(create)));
  if (im.failed.load()) {
    im.stop_worker();
    std::rethrow_exception(im.error);
  }
}

RunWriter::~RunWriter() {
  if (!impl_) return;
  Impl& im = *impl_;
  if (!im.finished && !im.failed.load()) {
    try {
      im.submit_flush();  // every step appended so far; a failure leaves the last good flush
    } catch (...) {
      // Destructors must not throw.
    }
  }
  im.stop_worker();  // drains the queue, then closes the file
}

void RunWriter::append_step(std::int64_t step, const std::string& date, double decimal_year,
                            std::span<const double> values) {
  Impl& im = *impl_;
  im.check_open("append_step");
  const std::size_t expected = im.header.metrics.size() * im.n_regions;
  if (values.size() != expected)
    throw OutputError("HDF5 output '" + im.current.string() + "': append_step(step " + std::to_string(step) + ") got " +
                      std::to_string(values.size()) + " values, expected " + std::to_string(expected) + " (" +
                      std::to_string(im.header.metrics.size()) + " metrics x " + std::to_string(im.n_regions) +
                      " regions, metric-major)");
  if (date.size() > kDateLen)
    throw OutputError("HDF5 output '" + im.current.string() + "': append_step(step " + std::to_string(step) +
                      ") date '" + date + "' is not YYYY-MM");
  Batch& b = *im.batch;
  b.step.push_back(step);
  const std::size_t at = b.date.size();
  b.date.resize(at + kDateLen, '\0');
  std::memcpy(b.date.data() + at, date.data(), date.size());
  b.year.push_back(decimal_year);
  b.bytes += 2 * sizeof(double) + kDateLen;
  if (im.header.level >= OutputLevel::series) {
    for (std::size_t m = 0; m < b.metric.size(); ++m) {
      const auto first = values.begin() + static_cast<std::ptrdiff_t>(m * im.n_regions);
      b.metric[m].insert(b.metric[m].end(), first, first + static_cast<std::ptrdiff_t>(im.n_regions));
    }
    b.bytes += expected * sizeof(double);
  }
  if (++im.steps_since_flush >= im.header.flush_every_steps || b.bytes > kMaxBufferedBytes) im.submit_flush();
}

void RunWriter::append_events(std::span<const sim::Event> events) {
  Impl& im = *impl_;
  im.check_open("append_events");
  const auto n_kinds = static_cast<int>(im.header.event_kind_names.size());
  const auto n_types = static_cast<int>(im.header.agent_type_names.size());
  for (const auto& e : events) {
    auto bad = [&](const std::string& what) {
      throw OutputError("HDF5 output '" + im.current.string() + "': event at step " + std::to_string(e.step) + " has " +
                        what);
    };
    if (e.kind < 0 || e.kind >= n_kinds)
      bad("kind " + std::to_string(e.kind) + ", not an index into event_kind_names [" +
          join_names(im.header.event_kind_names) + "]");
    if (e.subject_type < -1 || e.subject_type >= n_types)
      bad("subject_type " + std::to_string(e.subject_type) + ", not -1 or an index into agent_type_names");
    if (e.object_type < -1 || e.object_type >= n_types)
      bad("object_type " + std::to_string(e.object_type) + ", not -1 or an index into agent_type_names");
  }
  if (im.header.level < OutputLevel::events) return;  // validated, not kept (docs/OUTPUT.md, "Output levels")
  Batch& b = *im.batch;
  b.events.insert(b.events.end(), events.begin(), events.end());
  b.bytes += events.size() * sizeof(sim::Event);
  im.maybe_flush();
}

void RunWriter::append_field_snapshot(std::int64_t step, std::span<const std::span<const float>> fields) {
  Impl& im = *impl_;
  im.check_open("append_field_snapshot");
  if (fields.size() != im.header.fields.size())
    throw OutputError("HDF5 output '" + im.current.string() + "': append_field_snapshot(step " + std::to_string(step) +
                      ") got " + std::to_string(fields.size()) + " fields, expected " +
                      std::to_string(im.header.fields.size()));
  for (std::size_t f = 0; f < fields.size(); ++f)
    if (fields[f].size() != im.cells)
      throw OutputError("HDF5 output '" + im.current.string() + "': field '" + im.header.fields[f].name + "' at step " +
                        std::to_string(step) + " has " + std::to_string(fields[f].size()) + " cells, expected " +
                        std::to_string(im.cells) + " (" + std::to_string(im.header.grid_height) + " x " +
                        std::to_string(im.header.grid_width) + ")");
  if (im.header.level < OutputLevel::full) return;
  Batch& b = *im.batch;
  b.field_step.push_back(step);
  for (std::size_t f = 0; f < fields.size(); ++f)
    b.field[f].insert(b.field[f].end(), fields[f].begin(), fields[f].end());
  b.bytes += fields.size() * im.cells * sizeof(float);
  im.maybe_flush();
}

void RunWriter::append_agent_snapshot(std::int64_t step, std::size_t table, std::span<const std::int64_t> ids,
                                      std::span<const std::span<const double>> columns) {
  Impl& im = *impl_;
  im.check_open("append_agent_snapshot");
  if (table >= im.table_rows.size())
    throw OutputError("HDF5 output '" + im.current.string() + "': agent table index " + std::to_string(table) +
                      " out of range (" + std::to_string(im.table_rows.size()) + " tables declared)");
  const AgentTableSpec& spec = im.header.agent_tables[table];
  if (columns.size() != spec.columns.size())
    throw OutputError("HDF5 output '" + im.current.string() + "': agent table '" + spec.type_name + "' at step " +
                      std::to_string(step) + " got " + std::to_string(columns.size()) + " columns, expected " +
                      std::to_string(spec.columns.size()));
  for (std::size_t c = 0; c < columns.size(); ++c)
    if (columns[c].size() != ids.size())
      throw OutputError("HDF5 output '" + im.current.string() + "': agent table '" + spec.type_name + "' column '" +
                        spec.columns[c].name + "' at step " + std::to_string(step) + " has " +
                        std::to_string(columns[c].size()) + " values for " + std::to_string(ids.size()) + " ids");
  if (im.header.level < OutputLevel::full) return;
  AgentBuffer& b = im.batch->tables[table];
  b.snap_step.push_back(step);
  b.snap_start.push_back(im.table_rows[table]);
  b.snap_count.push_back(static_cast<std::int64_t>(ids.size()));
  b.ids.insert(b.ids.end(), ids.begin(), ids.end());
  for (std::size_t c = 0; c < columns.size(); ++c)
    b.cols[c].insert(b.cols[c].end(), columns[c].begin(), columns[c].end());
  im.table_rows[table] += static_cast<std::int64_t>(ids.size());
  im.batch->bytes += ids.size() * (1 + columns.size()) * 8 + 24;
  im.maybe_flush();
}

void RunWriter::flush() {
  Impl& im = *impl_;
  if (im.finished) return;
  im.rethrow_if_failed();
  im.wait_for(im.submit_flush());
  im.rethrow_if_failed();
}

void RunWriter::finish(const RunFooter& footer) {
  Impl& im = *impl_;
  if (im.finished) throw OutputError("HDF5 output '" + im.final_path.string() + "': finish() called twice");
  im.rethrow_if_failed();
  const std::size_t cells = im.header.metrics.size() * im.n_regions;
  if (!footer.summary.empty() && footer.summary.size() != cells)
    throw OutputError("HDF5 output '" + im.current.string() + "': finish() got " +
                      std::to_string(footer.summary.size()) + " summary values, expected " + std::to_string(cells) +
                      " (metrics x regions, metric-major)");
  im.submit_flush();
  Impl::Job job;
  job.kind = Impl::Kind::finish;
  job.footer = footer;
  im.wait_for(im.submit(std::move(job)));
  im.rethrow_if_failed();
  im.stop_worker();
  im.current = im.final_path;
  im.finished = true;
}

const std::filesystem::path& RunWriter::current_path() const { return impl_->current; }

double RunWriter::worker_busy_seconds() const {
  std::lock_guard lock(impl_->m);
  return impl_->busy_seconds;
}

}  // namespace biocluster::output
