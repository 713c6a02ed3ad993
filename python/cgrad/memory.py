"""`cgrad.memory`: what the caching allocator holds, and handing its cache back.

cgrad keeps freed buffers for reuse, so a loop that makes tensors of the same shapes
never waits on the system for memory (Note [Caching allocator] in cpp/src/storage.cpp).
The cache is bounded: blocks over 1 MiB are kept up to the most the program once had
live (or 256 MiB, whichever is more), blocks of 8 KiB .. 1 MiB up to 64 per size.
Set CGRAD_CACHE_LIMIT_MB before the first tensor is made to cap what is cached in blocks
over 4 KiB; CGRAD_CACHE_LIMIT_MB=0 caches none. Blocks of 4 KiB and less (small tensors,
tensor objects and graph nodes) live in 2 MiB slabs that stay with the process.
"""
import warnings

from . import _C

__all__ = ["stats", "empty_cache", "reset_peak"]


def stats():
    """stats() -> dict

    What the caching allocator holds now, in bytes:

    - ``live_bytes``: in buffers that tensors, autograd nodes and shapes use.
    - ``cached_bytes``: in freed buffers kept for reuse (what :func:`empty_cache`
      releases, apart from small blocks in slabs).
    - ``reserved_bytes``: held from the system, ``live_bytes + cached_bytes``.
    - ``peak_reserved_bytes``: the most held at once since the start or the last
      :func:`reset_peak`.
    - ``cache_limit_bytes``: the cap CGRAD_CACHE_LIMIT_MB set, or None.
    """
    return _C._memory_stats()


def empty_cache():
    """empty_cache() -> None

    Gives every cached buffer over 4 KiB back to the system, as
    ``torch.cuda.empty_cache()`` does for CUDA memory. Tensors alive keep their memory.
    """
    _C._empty_cache()


def reset_peak():
    """reset_peak() -> None

    Starts ``stats()['peak_reserved_bytes']`` again from what is held now.
    """
    _C._reset_peak_memory()


if _C._cache_limit_error():
    warnings.warn(f"CGRAD_CACHE_LIMIT_MB={_C._cache_limit_error()!r} is not a number of "
                  "MiB (0 or more); the cache is not capped", RuntimeWarning, stacklevel=2)
