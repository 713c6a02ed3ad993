"""cgrad.memory: the caching allocator's figures, empty_cache() handing the cache back
and CGRAD_CACHE_LIMIT_MB capping it (Note [Cache limit] in cpp/src/storage.cpp)."""
import os
import subprocess
import sys
import textwrap

import pytest

import cgrad

MiB = 1 << 20
# small blocks other code makes meanwhile: in a fresh process, a 2 MiB slab for each of
# the two block alignments (Note [Slabs])
SLACK = 4 * MiB


def fresh_process(script, **env):
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], text=True,
                          capture_output=True, timeout=120, env={**os.environ, **env})
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_stats_add_up():
    s = cgrad.memory.stats()
    assert set(s) == {"live_bytes", "cached_bytes", "reserved_bytes",
                      "peak_reserved_bytes", "cache_limit_bytes"}
    assert s["live_bytes"] + s["cached_bytes"] == s["reserved_bytes"]
    assert s["peak_reserved_bytes"] >= s["reserved_bytes"]


def test_a_live_tensor_counts_as_live_and_a_freed_one_as_cached_until_empty_cache():
    cgrad.memory.empty_cache()
    before = cgrad.memory.stats()
    x = cgrad.ones(64 * MiB // 4)
    live = cgrad.memory.stats()
    assert live["live_bytes"] - before["live_bytes"] >= 64 * MiB
    del x
    freed = cgrad.memory.stats()
    assert freed["cached_bytes"] - before["cached_bytes"] >= 64 * MiB
    assert abs(freed["live_bytes"] - before["live_bytes"]) < SLACK
    cgrad.memory.empty_cache()
    emptied = cgrad.memory.stats()
    assert freed["cached_bytes"] - emptied["cached_bytes"] >= 64 * MiB
    assert freed["reserved_bytes"] - emptied["reserved_bytes"] >= 64 * MiB
    assert emptied["cached_bytes"] <= before["cached_bytes"] + SLACK


def test_a_cached_block_is_reused_without_asking_the_system_again():
    x = cgrad.ones(32 * MiB // 4)
    del x
    reserved = cgrad.memory.stats()["reserved_bytes"]
    y = cgrad.ones(32 * MiB // 4)
    assert cgrad.memory.stats()["reserved_bytes"] - reserved < SLACK
    del y


def test_peak_counts_the_most_held_and_resets_to_what_is_held():
    cgrad.memory.empty_cache()
    cgrad.memory.reset_peak()
    start = cgrad.memory.stats()
    assert start["peak_reserved_bytes"] == start["reserved_bytes"]
    x = cgrad.ones(48 * MiB // 4)
    del x
    cgrad.memory.empty_cache()
    after = cgrad.memory.stats()
    assert after["peak_reserved_bytes"] - start["reserved_bytes"] >= 48 * MiB
    assert after["reserved_bytes"] < start["reserved_bytes"] + SLACK
    cgrad.memory.reset_peak()
    assert cgrad.memory.stats()["peak_reserved_bytes"] < after["peak_reserved_bytes"]


# AddressSanitizer's allocator keeps freed memory in quarantine, so RSS cannot show it.
@pytest.mark.skipif(os.environ.get("CGRAD_SANITIZED") == "1",
                    reason="resident memory is not ours to measure under AddressSanitizer")
def test_empty_cache_gives_the_memory_back_to_the_system():
    done = fresh_process("""
        import cgrad
        def rss_mib():
            with open("/proc/self/status") as f:
                return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) // 1024
        xs = [cgrad.ones(25 * 2**20) for _ in range(4)]  # 400 MiB, written
        del xs
        held = rss_mib()
        cgrad.memory.empty_cache()
        print(held - rss_mib())
    """)
    assert int(done.stdout) >= 350, f"empty_cache released {done.stdout.strip()} MiB of 400"


def test_the_cache_limit_caps_what_stays_cached():
    done = fresh_process("""
        import cgrad
        MiB = 2**20
        before = cgrad.memory.stats()
        xs = [cgrad.ones(8 * MiB // 4) for _ in range(6)]  # 48 MiB in six blocks
        del xs
        after = cgrad.memory.stats()
        print(after["cache_limit_bytes"], after["cached_bytes"] - before["cached_bytes"])
    """, CGRAD_CACHE_LIMIT_MB="16")
    limit, cached = map(int, done.stdout.split())
    assert limit == 16 * MiB
    assert 8 * MiB <= cached <= 16 * MiB + SLACK  # one 8 MiB block at least fits


def test_a_zero_cache_limit_caches_nothing_over_4_kib():
    done = fresh_process("""
        import cgrad
        small = cgrad.ones(1)  # the first slab, which stays (Note [Slabs])
        before = cgrad.memory.stats()
        xs = [cgrad.ones(n) for n in (3000, 100_000, 10_000_000)]  # 12 KB, 400 KB, 40 MB
        del xs
        after = cgrad.memory.stats()
        print(after["cached_bytes"] - before["cached_bytes"],
              after["reserved_bytes"] - before["reserved_bytes"])
    """, CGRAD_CACHE_LIMIT_MB="0")
    cached, reserved = map(int, done.stdout.split())
    assert cached < 64 * 1024 and reserved < 64 * 1024, (cached, reserved)


def test_a_cache_limit_that_is_not_a_number_warns_and_leaves_the_cache_uncapped():
    done = fresh_process("""
        import warnings
        warnings.simplefilter("always")
        import cgrad
        print(cgrad.memory.stats()["cache_limit_bytes"])
    """, CGRAD_CACHE_LIMIT_MB="lots")
    assert done.stdout.strip() == "None"
    assert "CGRAD_CACHE_LIMIT_MB='lots' is not a number of MiB" in done.stderr
