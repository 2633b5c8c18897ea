#pragma once
/// @file Per-type agent storage with stable integer ids, deferred births and deaths.
///
/// Agents live in one vector per type, always sorted by id (ids only grow and compaction keeps
/// order), so iteration order is deterministic and lookup by id is a binary search. Births are
/// queued and become visible at commit(); deaths are marked and removed at commit(), in a fixed
/// order: remove the dead (stable), then append the born in the order they were queued.
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace biocluster::sim {

using AgentId = std::int64_t;

/// T must have public members `AgentId id` and `bool alive`.
template <class T>
class AgentStore {
 public:
  /// Live (and, between mark_dead and commit, dying) agents in id order.
  std::span<T> items() { return items_; }
  std::span<const T> items() const { return items_; }
  std::size_t size() const { return items_.size(); }
  T& operator[](std::size_t i) { return items_[i]; }
  const T& operator[](std::size_t i) const { return items_[i]; }

  /// Queues a birth; assigns and returns the new agent's id. Visible after commit().
  AgentId queue_birth(T agent) {
    agent.id = next_id_++;
    agent.alive = true;
    born_.push_back(std::move(agent));
    return born_.back().id;
  }
  /// Agents queued for birth this step (not yet committed).
  std::span<T> queued_births() { return born_; }

  /// Marks the agent at position i dead; it is removed at commit().
  void mark_dead(std::size_t i) {
    if (items_[i].alive) {
      items_[i].alive = false;
      ++dead_pending_;
    }
  }
  std::size_t pending_deaths() const { return dead_pending_; }

  /// Removes the dead and appends the born. Returns the number removed.
  std::size_t commit() {
    std::size_t removed = 0;
    if (dead_pending_ > 0) {
      removed = std::erase_if(items_, [](const T& a) { return !a.alive; });
      dead_pending_ = 0;
    }
    items_.insert(items_.end(), std::make_move_iterator(born_.begin()), std::make_move_iterator(born_.end()));
    born_.clear();
    return removed;
  }

  /// Position of the live agent with this id, or -1.
  std::ptrdiff_t index_of(AgentId id) const {
    auto it = std::lower_bound(items_.begin(), items_.end(), id, [](const T& a, AgentId v) { return a.id < v; });
    if (it == items_.end() || it->id != id) return -1;
    return it - items_.begin();
  }
  T* find(AgentId id) {
    const auto i = index_of(id);
    return i < 0 ? nullptr : &items_[static_cast<std::size_t>(i)];
  }
  const T* find(AgentId id) const {
    const auto i = index_of(id);
    return i < 0 ? nullptr : &items_[static_cast<std::size_t>(i)];
  }
  /// Next id to be assigned (= count of agents ever born).
  AgentId next_id() const { return next_id_; }

 private:
  std::vector<T> items_;
  std::vector<T> born_;
  AgentId next_id_ = 0;
  std::size_t dead_pending_ = 0;
};

}  // namespace biocluster::sim
