#pragma once
// The arrays a graph node holds (edges, input metas, saved tensors): a pointer and two
// 32-bit counts over the caching allocator.
#include <cstdint>
#include <new>
#include <stdexcept>
#include <utility>

#include "cgrad/allocator.h"

namespace cgrad {

// Note [Node allocations]: recording a node is most of what an op costs under autograd
// on small tensors, and most of that was malloc. A node, its edge, meta and saved lists
// come from the caching allocator's per-thread cache (Note [Thread block cache]), and
// make_node/record take their tensors as braced lists without building a vector.
// Note [Compact node arrays]: a node holds three of these; as std::vectors (three words
// each) they made a FunctionNode 144 bytes, 160 with its control block, which took a
// 192-byte block; at 16 bytes each, and with the Python state moved out to the node's
// extras, it is 104 (120), and takes a 128-byte one (Note [Graph size]). Only what
// nodes use is here: append, reserve, index and iterate.
template <class T>
class NodeVector {
 public:
  NodeVector() = default;
  NodeVector(const NodeVector&) = delete;
  NodeVector& operator=(const NodeVector&) = delete;
  NodeVector(NodeVector&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)) {}
  NodeVector& operator=(NodeVector&& other) noexcept {
    if (this != &other) {
      destroy();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      capacity_ = std::exchange(other.capacity_, 0);
    }
    return *this;
  }
  ~NodeVector() { destroy(); }

  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  T* begin() noexcept { return data_; }
  T* end() noexcept { return data_ + size_; }
  const T* begin() const noexcept { return data_; }
  const T* end() const noexcept { return data_ + size_; }
  T& operator[](size_t i) noexcept { return data_[i]; }
  const T& operator[](size_t i) const noexcept { return data_[i]; }

  void reserve(size_t n) {
    if (n > capacity_) move_to(allocate(n), n);
  }
  void push_back(const T& value) { emplace_back(value); }
  void push_back(T&& value) { emplace_back(std::move(value)); }
  template <class... Args> T& emplace_back(Args&&... args) {
    if (size_ < capacity_) {
      ::new (static_cast<void*>(data_ + size_)) T(std::forward<Args>(args)...);
    } else {  // the new element first: the arguments may refer to an old one
      const size_t cap = capacity_ ? 2 * size_t(capacity_) : 1;
      T* fresh = allocate(cap);
      ::new (static_cast<void*>(fresh + size_)) T(std::forward<Args>(args)...);
      move_to(fresh, cap);
    }
    return data_[size_++];
  }

 private:
  static T* allocate(size_t n) {
    if (n > UINT32_MAX) throw std::length_error("NodeVector: too many entries");
    return static_cast<T*>(allocate_bytes(n * sizeof(T)));
  }
  // Moves the entries into `fresh` (room for `cap`) and frees the old block.
  void move_to(T* fresh, size_t cap) noexcept {
    for (uint32_t i = 0; i < size_; ++i) {
      ::new (static_cast<void*>(fresh + i)) T(std::move(data_[i]));
      data_[i].~T();
    }
    if (data_) free_bytes(data_, capacity_ * sizeof(T));
    data_ = fresh;
    capacity_ = static_cast<uint32_t>(cap);
  }
  void destroy() noexcept {
    for (uint32_t i = 0; i < size_; ++i) data_[i].~T();
    if (data_) free_bytes(data_, capacity_ * sizeof(T));
    data_ = nullptr;
    size_ = capacity_ = 0;
  }

  T* data_ = nullptr;
  uint32_t size_ = 0;
  uint32_t capacity_ = 0;
};

}  // namespace cgrad
