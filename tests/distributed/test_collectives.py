"""cgrad.distributed's collectives on 2 MPI ranks, each result against numpy."""
import os
import subprocess
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "workers"))
from mpi_launch import launch, launch_ok  # noqa: E402
from worker_common import rank_input  # noqa: E402

import cgrad  # noqa: E402
import cgrad.distributed as dist  # noqa: E402

SIZE = 2
REDUCE = {"SUM": np.add.reduce, "PRODUCT": np.multiply.reduce, "MIN": np.minimum.reduce,
          "MAX": np.maximum.reduce, "BAND": np.bitwise_and.reduce, "BOR": np.bitwise_or.reduce,
          "BXOR": np.bitwise_xor.reduce}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return launch_ok("collectives.py", tmp_path_factory.mktemp("collectives"))


def inputs(shape, dtype, ranks=range(SIZE)):
    return np.stack([rank_input(r, shape, dtype) for r in ranks])


def expect_all(results, key, expected):
    for rank, out in enumerate(results):
        got = out[key]
        assert np.asarray(got).dtype == np.asarray(expected).dtype, (key, rank)
        np.testing.assert_array_equal(got, expected, err_msg=f"{key} on rank {rank}")


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool"])
@pytest.mark.parametrize("op", ["SUM", "PRODUCT", "MIN", "MAX"])
def test_all_reduce(results, dtype, op):
    data = inputs((3, 4), dtype)
    if dtype == "bool":  # bools reduce logically: SUM/MAX are `or`, PRODUCT/MIN `and`
        expected = data.any(0) if op in ("SUM", "MAX") else data.all(0)
    else:
        expected = REDUCE[op](data, axis=0).astype(dtype)
    expect_all(results, ("all_reduce", dtype, op), expected)


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
@pytest.mark.parametrize("op", ["BAND", "BOR", "BXOR"])
def test_all_reduce_bitwise(results, dtype, op):
    expect_all(results, ("all_reduce", dtype, op), REDUCE[op](inputs((5,), dtype), axis=0))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_all_reduce_avg(results, dtype):
    expect_all(results, ("all_reduce", dtype, "AVG"), inputs((3, 4), dtype).mean(0).astype(dtype))


def test_all_reduce_non_contiguous_and_async(results):
    expect_all(results, ("all_reduce", "transposed"), inputs((4, 3), "float32").sum(0).T)
    for rank_out in results:
        assert rank_out["async_completed_kind"] == "Work"
        for i, got in enumerate(rank_out["async"]):
            np.testing.assert_array_equal(got, inputs((1000 * (i + 1),), "float32").sum(0))


def test_broadcast_and_gathers(results):
    for src in range(SIZE):
        expect_all(results, ("broadcast", src), rank_input(src, (2, 3), "float64"))
    expect_all(results, "all_gather", list(inputs((2, 3), "int64")))
    expect_all(results, "all_gather_into_tensor", inputs((2, 3), "float32").reshape(SIZE * 2, 3))
    np.testing.assert_array_equal(results[0]["gather"], list(inputs((3,), "float32")))
    assert results[1]["gather"] is None


def test_reductions_to_one_or_scattered(results):
    for rank in range(SIZE):
        sent = inputs((2, 3), "float32", [r * SIZE + rank for r in range(SIZE)])
        np.testing.assert_array_equal(results[rank]["reduce_scatter"], sent.sum(0))
        chunks = inputs((SIZE * 3,), "float32").reshape(SIZE, SIZE, 3)[:, rank]
        np.testing.assert_array_equal(results[rank]["reduce_scatter_tensor_max"], chunks.max(0))
        np.testing.assert_array_equal(results[rank]["scatter"], rank_input(10 + rank, (3,), "float32"))
    np.testing.assert_array_equal(results[1]["reduce"], inputs((4,), "float32").sum(0))
    np.testing.assert_array_equal(results[0]["reduce"], rank_input(0, (4,), "float32"))


def test_point_to_point_and_barrier(results):
    assert results[0]["exchange"] == float(1 << 20)  # rank 1 sent ones
    assert results[1]["exchange"] == 0.0
    assert results[1]["recv_source"] == 0
    np.testing.assert_array_equal(results[1]["recv"], rank_input(0, (3,), "float32") + 1)
    assert all(out["barrier_async"] is True for out in results)


def test_collectives_polled_where_one_machine_is_busy(results):
    expect_all(results, ("busy", "all_reduce"), inputs((3, 4), "float32").sum(0))
    expect_all(results, ("busy", "all_reduce_avg"), inputs((3, 4), "float64").mean(0))
    expect_all(results, ("busy", "broadcast"), rank_input(1, (2, 3), "float64"))
    for out in results:  # on both ranks: MPI matches no blocking with non-blocking calls
        assert out["busy", "polled"] == ["all_reduce", "all_reduce", "broadcast"]


def test_argument_errors(results):
    errors = {name[1]: value for name, value in results[0].items()
              if isinstance(name, tuple) and name[0] == "error"}
    assert errors["broadcast_root"] == ("ValueError", "broadcast: invalid root rank: 2 (world size 2)")
    assert errors["all_gather_length"][0] == "ValueError"
    assert "AVG needs a floating-point tensor" in errors["avg_int"][1]
    assert errors["not_tensor"][0] == "TypeError"
    assert errors["send_self"] == ("ValueError", "Invalid destination rank: destination rank "
                                   "should not be the same as the rank of the current process.")
    assert errors["twice"] == ("ValueError", "trying to initialize the default process group twice!")


ABORTED = "rank 1 failed with the exception above; aborting all 2 ranks"
RAISED = "ValueError: rank 1 cannot go on"
TIMED_OUT = "all_reduce on rank 0 timed out after 2 s waiting for the other ranks"


# (case of workers/failing_rank.py, group timeout in s, what the job's output must hold).
# A raise must end the job at once (its timeout is 600 s, the launch's 60 s).
@pytest.mark.parametrize("case, timeout_s, expected", [
    ("raise_before_init", 600, [RAISED, "exited with non-zero status"]),
    ("raise", 600, [RAISED, ABORTED]),
    ("raise_after_barrier", 600, [RAISED, ABORTED]),
    ("raise_in_backward", 600, [RAISED, "in backward", ABORTED]),
    ("killed", 600, ["rank 1 with PID", "exited on signal 9 (Killed)"]),
    ("exit", 2, [TIMED_OUT]),
    ("exit_after_barrier", 2, [TIMED_OUT]),
    ("exit_in_subgroup", 600, [TIMED_OUT]),
    ("exit_before_recv", 2, ["recv on rank 0 timed out after 2 s waiting for rank 1"]),
    ("hang_in_backward", 2, [
        "rank 0 caught: cgrad.distributed: " + TIMED_OUT,
        "rank 0 then barrier: barrier on rank 0: the process group can no longer be used after "
        "an earlier error: cgrad.distributed: " + TIMED_OUT,
        "rank 0 failed with the exception above; aborting all 2 ranks"]),
    ("mismatch", 600, ["of 3 float32 elements on rank", "does not match the collective another "
                       "rank called at the same point"]),
])
def test_a_failing_rank_ends_the_job_with_a_clear_error(tmp_path, case, timeout_s, expected):
    done = launch("failing_rank.py", tmp_path, case, timeout_s, timeout=60)
    assert done.returncode != 0, done.stdout[-4000:]
    for text in expected:
        assert text in done.stdout, (text, done.stdout[-4000:])


def test_timeout_must_be_a_timedelta_as_torch():
    tdist = pytest.importorskip("torch.distributed")
    with pytest.raises(TypeError) as ours:
        dist.init_process_group("mpi", timeout=5)
    with pytest.raises(TypeError) as theirs:
        tdist.init_process_group("gloo", timeout=5, rank=0, world_size=1,
                                 init_method="tcp://127.0.0.1:29511")
    assert str(ours.value) == str(theirs.value)
    assert not dist.is_initialized()


# ---- in this process, without MPI ----

def test_without_a_group_as_torch():
    torch = pytest.importorskip("torch")
    import torch.distributed as tdist
    for name in ["get_rank", "get_world_size", "barrier", "new_group"]:
        with pytest.raises(ValueError) as ours:
            getattr(dist, name)()
        with pytest.raises(ValueError) as theirs:
            getattr(tdist, name)()
        assert str(ours.value) == str(theirs.value)
    assert dist.is_initialized() is tdist.is_initialized() is False
    assert dist.group.WORLD is tdist.group.WORLD is dist.GroupMember.WORLD is None
    assert dist.GroupMember.NON_GROUP_MEMBER == tdist.GroupMember.NON_GROUP_MEMBER
    assert dist.is_available() is True
    for op in ["SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"]:
        assert repr(getattr(dist.ReduceOp, op)) == repr(getattr(tdist.ReduceOp, op))
    with pytest.raises(ValueError, match="Invalid backend: 'nccl'"):
        dist.init_process_group("nccl")
    del torch


def test_import_does_not_load_mpi():
    code = "import sys, cgrad, cgrad.distributed; assert 'mpi4py' not in sys.modules"
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(cgrad.__file__)))
    subprocess.run([sys.executable, "-c", code], check=True,
                   env=dict(os.environ, PYTHONPATH=package_root))
