#pragma once
// A vector of trivially copyable values that keeps its first N in the object itself.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <stdexcept>
#include <type_traits>

#include "cgrad/allocator.h"

namespace cgrad {

// Note [Inline shapes]: every tensor holds two shapes and every graph node one per input.
// As std::vectors each was a heap block of its own, so reading a shape was a dependent
// load, and on a scalar graph walked backward those loads were among the cache misses
// that bound the step (Note [Graph size]). Here up to N values live in the object itself
// (40 bytes for Shape's N = 4, against a vector's 24 plus a 16-byte block at least);
// more spill to the caching allocator. The interface is std::vector's, so code reads
// the same; unlike a vector's, moving an inline one copies its values, so a pointer
// into a moved-from SmallVector does not follow them.
template <class T, uint32_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T>, "values are copied bytewise");
  static_assert(N > 0);

 public:
  using value_type = T;
  using size_type = size_t;
  using difference_type = std::ptrdiff_t;
  using reference = T&;
  using const_reference = const T&;
  using pointer = T*;
  using const_pointer = const T*;
  using iterator = T*;
  using const_iterator = const T*;
  using reverse_iterator = std::reverse_iterator<iterator>;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;

  SmallVector() noexcept {}
  explicit SmallVector(size_t n) { resize(n); }
  SmallVector(size_t n, const T& value) { assign(n, value); }
  template <class It, class = std::enable_if_t<!std::is_integral_v<It>>>
  SmallVector(It first, It last) { assign(first, last); }
  SmallVector(std::initializer_list<T> values) { assign(values.begin(), values.end()); }
  SmallVector(const SmallVector& other) { assign(other.begin(), other.end()); }
  // From one with another inline capacity (a node's input shapes keep fewer inline).
  template <uint32_t M>
  SmallVector(const SmallVector<T, M>& other) { assign(other.begin(), other.end()); }
  SmallVector(SmallVector&& other) noexcept { steal(other); }
  ~SmallVector() { release(); }

  SmallVector& operator=(const SmallVector& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }
  SmallVector& operator=(SmallVector&& other) noexcept {
    if (this != &other) {
      release();
      steal(other);
    }
    return *this;
  }
  SmallVector& operator=(std::initializer_list<T> values) {
    assign(values.begin(), values.end());
    return *this;
  }

  void assign(size_t n, const T& value) {
    const T v = value;  // may live in this vector
    size_ = 0;
    reserve(n);
    fill(data(), 0, n, v);
    size_ = static_cast<uint32_t>(n);
  }
  template <class It, class = std::enable_if_t<!std::is_integral_v<It>>>
  void assign(It first, It last) {
    if constexpr (std::is_base_of_v<std::forward_iterator_tag,
                                    typename std::iterator_traits<It>::iterator_category>) {
      const size_t n = static_cast<size_t>(std::distance(first, last));
      if (n > capacity_) {
        SmallVector fresh;  // `first` may point into this vector
        fresh.reserve(n);
        std::copy(first, last, fresh.data());  // a long range: memmove pays off
        fresh.size_ = static_cast<uint32_t>(n);
        *this = std::move(fresh);
        return;
      }
      T* const d = data();  // within capacity: a forward copy is safe for aliases
      if constexpr (std::is_pointer_v<It>) {
        copy_forward(first, n, d);
      } else {
        for (size_t i = 0; i < n; ++i, ++first) d[i] = *first;
      }
      size_ = static_cast<uint32_t>(n);
    } else {
      clear();
      for (; first != last; ++first) push_back(*first);
    }
  }
  void assign(std::initializer_list<T> values) { assign(values.begin(), values.end()); }

  T* data() noexcept { return is_inline() ? inline_ : heap_; }
  const T* data() const noexcept { return is_inline() ? inline_ : heap_; }
  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  size_t capacity() const noexcept { return capacity_; }

  iterator begin() noexcept { return data(); }
  iterator end() noexcept { return data() + size_; }
  const_iterator begin() const noexcept { return data(); }
  const_iterator end() const noexcept { return data() + size_; }
  const_iterator cbegin() const noexcept { return begin(); }
  const_iterator cend() const noexcept { return end(); }
  reverse_iterator rbegin() noexcept { return reverse_iterator(end()); }
  reverse_iterator rend() noexcept { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const noexcept { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const noexcept { return const_reverse_iterator(begin()); }

  T& operator[](size_t i) noexcept { return data()[i]; }
  const T& operator[](size_t i) const noexcept { return data()[i]; }
  T& at(size_t i) {
    if (i >= size_) throw std::out_of_range("SmallVector::at");
    return data()[i];
  }
  const T& at(size_t i) const {
    if (i >= size_) throw std::out_of_range("SmallVector::at");
    return data()[i];
  }
  T& front() noexcept { return data()[0]; }
  const T& front() const noexcept { return data()[0]; }
  T& back() noexcept { return data()[size_ - 1]; }
  const T& back() const noexcept { return data()[size_ - 1]; }

  void reserve(size_t n) {
    if (n > capacity_) grow_to(n);
  }
  void clear() noexcept { size_ = 0; }
  void resize(size_t n) { resize(n, T()); }
  void resize(size_t n, const T& value) {
    const T v = value;
    if (n > size_) {
      reserve(n);
      fill(data(), size_, n, v);
    }
    size_ = static_cast<uint32_t>(n);
  }
  void push_back(const T& value) {
    const T v = value;  // may live in this vector, which growing frees
    if (size_ == capacity_) grow_to(size_t(size_) + 1);
    data()[size_++] = v;
  }
  template <class... Args> T& emplace_back(Args&&... args) {
    push_back(T(std::forward<Args>(args)...));
    return back();
  }
  void pop_back() noexcept { --size_; }

  iterator insert(const_iterator pos, const T& value) { return insert(pos, size_t(1), value); }
  iterator insert(const_iterator pos, size_t n, const T& value) {
    const T v = value;
    const size_t at = static_cast<size_t>(pos - begin());
    open_gap(at, n);
    fill(data(), at, at + n, v);
    return data() + at;
  }
  template <class It, class = std::enable_if_t<!std::is_integral_v<It>>>
  iterator insert(const_iterator pos, It first, It last) {
    const size_t at = static_cast<size_t>(pos - begin());
    const SmallVector values(first, last);  // the range may lie in this vector
    open_gap(at, values.size());
    copy_forward(values.data(), values.size(), data() + at);
    return data() + at;
  }
  iterator insert(const_iterator pos, std::initializer_list<T> values) {
    return insert(pos, values.begin(), values.end());
  }
  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
  iterator erase(const_iterator first, const_iterator last) {
    T* const d = data();
    const size_t from = static_cast<size_t>(first - d), to = static_cast<size_t>(last - d);
    copy_forward(d + to, size_ - to, d + from);
    size_ -= static_cast<uint32_t>(to - from);
    return d + from;
  }
  void swap(SmallVector& other) noexcept {
    SmallVector tmp(std::move(other));
    other = std::move(*this);
    *this = std::move(tmp);
  }

  friend bool operator==(const SmallVector& a, const SmallVector& b) {
    return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator!=(const SmallVector& a, const SmallVector& b) { return !(a == b); }
  friend bool operator<(const SmallVector& a, const SmallVector& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  bool is_inline() const noexcept { return capacity_ == N; }
  // Copies n values to a destination at or below the source. Up to N of them go one by
  // one in a loop the compiler unrolls: libc's memmove, which std::copy calls, cost more
  // instructions than a shape's copy itself (84 per op of the 4-element add).
  static void copy_forward(const T* from, size_t n, T* to) noexcept {
    if (n <= N) {
      for (uint32_t i = 0; i < N; ++i)
        if (i < n) to[i] = from[i];
    } else {
      std::memmove(static_cast<void*>(to), from, n * sizeof(T));
    }
  }
  // d[from, to) = v, unrolled as copy_forward up to N (a loop becomes a memset call).
  static void fill(T* d, size_t from, size_t to, T v) noexcept {
    if (to <= N) {
      for (uint32_t i = 0; i < N; ++i)
        if (i >= from && i < to) d[i] = v;
    } else {
      std::fill(d + from, d + to, v);
    }
  }
  void grow_to(size_t n) {
    if (n > UINT32_MAX) throw std::length_error("SmallVector: too many values");
    const size_t cap = std::min<size_t>(UINT32_MAX, std::max<size_t>(n, 2 * size_t(capacity_)));
    T* fresh = static_cast<T*>(allocate_bytes(cap * sizeof(T)));
    std::memcpy(static_cast<void*>(fresh), data(), size_ * sizeof(T));
    release();
    heap_ = fresh;
    capacity_ = static_cast<uint32_t>(cap);
  }
  void open_gap(size_t at, size_t n) {
    reserve(size_t(size_) + n);
    T* const d = data();
    for (size_t i = size_; i-- > at;) d[i + n] = d[i];
    size_ += static_cast<uint32_t>(n);
  }
  // Frees the heap block, if any; the caller resets size and capacity.
  void release() noexcept {
    if (!is_inline()) free_bytes(heap_, capacity_ * sizeof(T));
    capacity_ = N;
  }
  void steal(SmallVector& other) noexcept {
    if (other.is_inline()) {
      copy_forward(other.inline_, other.size_, inline_);
    } else {
      heap_ = other.heap_;
      capacity_ = other.capacity_;
      other.capacity_ = N;
    }
    size_ = other.size_;
    other.size_ = 0;
  }

  union {
    T inline_[N];
    T* heap_;
  };
  uint32_t size_ = 0;
  uint32_t capacity_ = N;  // N: the values are inline; more: on the heap
};

}  // namespace cgrad
