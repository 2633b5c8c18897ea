#pragma once
/// @file Order-sensitive 64-bit hash for determinism checks (splitmix64 finaliser per value).
#include <bit>
#include <cstdint>
#include <span>
#include <type_traits>

namespace biocluster::bench {

/// Folds one value into a running hash.
inline std::uint64_t hash_combine(std::uint64_t h, std::uint64_t v) {
  std::uint64_t z = h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// Folds every element of a span (integers, or doubles by their bits) into a running hash.
template <class T>
std::uint64_t hash_span(std::uint64_t h, std::span<const T> values) {
  for (const T& v : values) {
    if constexpr (sizeof(T) == 8 && !std::is_integral_v<T>) {
      h = hash_combine(h, std::bit_cast<std::uint64_t>(v));
    } else {
      h = hash_combine(h, static_cast<std::uint64_t>(v));
    }
  }
  return hash_combine(h, values.size());
}

}  // namespace biocluster::bench
