#pragma once
/// @file Command-line wiring of the sweep subcommands: sweep, sweep-merge, sweep-design.
#include <atomic>
#include <memory>

namespace CLI {
class App;
}

namespace biocluster::app {

/// Adds the subcommands to `cli` (keep the object alive until dispatch).
class SweepCommands {
 public:
  explicit SweepCommands(CLI::App& cli);
  ~SweepCommands();
  SweepCommands(const SweepCommands&) = delete;
  SweepCommands& operator=(const SweepCommands&) = delete;
  /// True if the parsed command line chose one of these subcommands.
  bool selected() const;
  /// Runs the chosen subcommand; returns the exit code. @throws ConfigError, OutputError.
  int dispatch(const std::atomic<bool>* stop);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace biocluster::app
