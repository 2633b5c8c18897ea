#pragma once
/// @file Best item of a prefix: a max-tree over items sorted by some cost, answering "the item with
/// the largest score among the first n" in O(log N), with items removable. Ties go to the smallest
/// key, so a query returns exactly what a scan in key order keeping the first strictly larger score
/// would return. Items with score <= 0 never win (left out).
#include <cstdint>
#include <span>
#include <vector>

namespace biocluster::sim {

class PrefixArgmax {
 public:
  /// Builds over items 0..N-1 with these scores and tie-break keys; the spans must outlive queries.
  void build(std::span<const double> score, std::span<const std::uint32_t> key) {
    score_ = score, key_ = key;
    const std::size_t n = score.size();
    size_ = 1;
    while (size_ < n) size_ *= 2;
    node_.assign(2 * size_, -1);
    for (std::size_t i = 0; i < n; ++i)
      if (score[i] > 0) node_[size_ + i] = static_cast<std::int32_t>(i);
    for (std::size_t k = size_ - 1; k >= 1; --k) node_[k] = best_of(node_[2 * k], node_[2 * k + 1]);
  }
  /// Removes item i from later queries.
  void remove(std::size_t i) {
    std::size_t k = size_ + i;
    node_[k] = -1;
    for (k /= 2; k >= 1; k /= 2) node_[k] = best_of(node_[2 * k], node_[2 * k + 1]);
  }
  /// The item with the largest score (> 0) among items [0, n), ties to the smallest key; -1 if none.
  std::int32_t best_below(std::size_t n) const {
    std::int32_t best = -1;
    for (std::size_t lo = size_, hi = size_ + n; lo < hi; lo /= 2, hi /= 2) {
      if (lo & 1) best = best_of(best, node_[lo++]);
      if (hi & 1) best = best_of(best, node_[--hi]);
    }
    return best;
  }

 private:
  std::int32_t best_of(std::int32_t a, std::int32_t b) const {
    if (a < 0) return b;
    if (b < 0) return a;
    const double sa = score_[static_cast<std::size_t>(a)], sb = score_[static_cast<std::size_t>(b)];
    if (sa != sb) return sa > sb ? a : b;
    return key_[static_cast<std::size_t>(a)] < key_[static_cast<std::size_t>(b)] ? a : b;
  }
  std::span<const double> score_;
  std::span<const std::uint32_t> key_;
  std::size_t size_ = 1;
  std::vector<std::int32_t> node_;
};

}  // namespace biocluster::sim
