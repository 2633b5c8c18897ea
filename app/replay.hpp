#pragma once
/// @file `biocluster replay FILE.h5`: re-runs a run from the provenance stored in its file and
/// verifies that every dataset comes out identical.
#include <filesystem>
#include <ostream>

namespace biocluster::app {

/// Re-runs `file` from its resolved parameters and seed into FILE.replay.h5 beside it and compares.
/// Returns 0 when identical (the replay file is removed unless `keep`), 5 when they differ.
/// @throws OutputError, ConfigError, InvariantError.
int replay(const std::filesystem::path& file, int threads, bool keep, std::ostream& out);

}  // namespace biocluster::app
