#include "app/replay.hpp"

#include "batch/run.hpp"
#include "biocluster/version.hpp"
#include "output/run_reader.hpp"
#include "sim/config.hpp"

namespace biocluster::app {

int replay(const std::filesystem::path& file, int threads, bool keep, std::ostream& out) {
  const output::RunProvenance prov = output::read_provenance(file);
  if (prov.git_revision != kGitRevision || prov.program_version != kVersion)
    out << "note: " << file.string() << " was written by biocluster " << prov.program_version << " (git "
        << prov.git_revision << "); this is " << kVersion << " (git " << kGitRevision
        << "): differences may come from the program, not the run\n";
  const bool partial = prov.status != "complete";
  if (partial)
    out << "note: " << file.string() << " is an incomplete run (" << prov.steps_written
        << " steps written); the replay runs all planned steps and checks that the file is their beginning\n";
  const sim::ScenarioDoc doc =
      sim::parse_scenario_text(prov.resolved_parameters, file.string() + " [resolved_parameters]");
  batch::RunOptions o;
  o.scenario = prov.scenario_file.empty() ? file : std::filesystem::path(prov.scenario_file);
  std::filesystem::path replay_path = file;
  replay_path.replace_extension(".replay.h5");
  o.output = replay_path;
  o.threads = threads;
  o.summary = false;
  batch::run_document(doc, o);
  const auto diffs = output::compare_runs(file, replay_path, partial);
  if (diffs.empty()) {
    if (partial)
      out << "replay: " << file.string() << " reproduced exactly as far as it goes (seed " << prov.seed
          << ", every dataset identical to the first rows of the full replay)\n";
    else
      out << "replay: " << file.string() << " reproduced exactly (seed " << prov.seed << ", every dataset identical)\n";
    if (!keep) std::filesystem::remove(replay_path);
    return 0;
  }
  out << "replay: " << file.string() << " NOT reproduced; " << diffs.size() << " difference(s) against "
      << replay_path.string() << ":\n";
  for (const auto& d : diffs) out << "  " << d << "\n";
  return 5;
}

}  // namespace biocluster::app
