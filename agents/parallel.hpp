#pragma once
/// @file The one parallel loop of the agent phases (decide, apply). docs/MODEL.md §4 (scheduling).
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <cstddef>

namespace biocluster::agents {

/// Runs fn(i) for every i in [0, n) in parallel; fn must write only agent i's own state.
template <class Fn>
void parallel_each(std::size_t n, Fn&& fn) {
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) fn(i);
  });
}

}  // namespace biocluster::agents
