"""new_group on 3 MPI ranks: group ranks, collectives and point-to-point traffic with
group=, DDP on a subgroup, the ranks left out, and torch's errors; results against numpy."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "workers"))
from mpi_launch import launch_ok  # noqa: E402
from worker_common import rank_input  # noqa: E402

PAIR = [0, 2]  # new_group([2, 0]): sorted, rank 1 left out


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return launch_ok("subgroups.py", tmp_path_factory.mktemp("subgroups"), ranks=3)


def inputs(ranks, shape, dtype="float32"):
    return np.stack([rank_input(r, shape, dtype) for r in ranks])


def test_group_ranks_and_backend(results):
    for rank, out in enumerate(results):
        member = rank in PAIR
        assert out["pair_is_member"] is member
        assert out["rank", "pair"] == (PAIR.index(rank) if member else -1)
        assert out["size", "pair"] == (2 if member else -1)
        assert out["rank", "backwards"] == 2 - rank  # new_group([2, 1, 0], sort_ranks=False)
        assert out["ranks", "backwards"] == [2, 1, 0]
        assert out["backend"] == (("returned", "mpi") if member else
                                  ("ValueError", "Invalid process group specified"))
        assert out["world_backend"] == "mpi"
        if member:
            assert out["group_rank_of_2"] == 1 and out["global_rank_of_1"] == 2
            assert out["not_in_pair"][0] == "ValueError"
            assert out["not_in_pair"][1].startswith("Global rank 1 is not part of group <")


def test_collectives_on_a_subgroup(results):
    for rank in PAIR:
        out = results[rank]
        assert out["all_reduce_returned"] is None and out["warnings"] == []
        np.testing.assert_array_equal(out["all_reduce", "pair"], inputs(PAIR, (3, 4)).sum(0))
        np.testing.assert_array_equal(out["all_reduce", "pair", "max_async"],
                                      inputs(PAIR, (5,), "int64").max(0))
        np.testing.assert_array_equal(out["broadcast", "src"], rank_input(2, (2, 3), "float64"))
        np.testing.assert_array_equal(out["broadcast", "group_src"],
                                      rank_input(0, (2, 3), "float64"))
        np.testing.assert_array_equal(out["scatter", "default_src"],
                                      rank_input(10 + PAIR.index(rank), (3,), "float32"))
    np.testing.assert_array_equal(results[2]["reduce", "dst2"], inputs(PAIR, (4,)).sum(0))
    np.testing.assert_array_equal(results[0]["reduce", "dst2"], rank_input(0, (4,), "float32"))
    np.testing.assert_array_equal(results[2]["gather", "dst2"], inputs(PAIR, (3,)))
    assert results[0]["gather", "dst2"] is None
    for out in results:  # the group of all ranks in reverse order, then the default group
        np.testing.assert_array_equal(out["all_gather", "backwards"], inputs([2, 1, 0], (2,)))
        np.testing.assert_array_equal(out["all_reduce", "world"], inputs(range(3), (3,)).sum(0))


def test_point_to_point_on_a_subgroup(results):
    out = results[2]
    assert out["recv_source"] == 0 and out["recv_group_source"] == 0  # global ranks
    np.testing.assert_array_equal(out["recv"], rank_input(0, (3,), "float32") + 1)
    np.testing.assert_array_equal(out["recv_2"], rank_input(0, (3,), "float32") + 2)
    for rank in PAIR:
        assert results[rank]["send_outside"][1].startswith("Global rank 1 is not part of group")
        assert results[rank]["both_roots"] == ("ValueError",
                                               "Can't specify both group_rank and global_rank")


def test_a_rank_left_out(results):
    out = results[1]
    assert out["all_reduce_returned"] is None
    assert out["warnings"] == ["Running all_reduce on global rank 1 which does not belong to "
                               "the given group."]
    np.testing.assert_array_equal(out["all_reduce", "pair"], rank_input(1, (3, 4), "float32"))
    assert out["recv_outside"] == -1
    assert out["broadcast_outside"] == ("ValueError", "Group -100 is not registered, please "
                                        "create group with torch.distributed.new_group API")


def test_ddp_on_a_subgroup(results):
    pair = [results[r] for r in PAIR]
    np.testing.assert_array_equal(pair[0]["ddp_initial"], pair[1]["ddp_initial"])
    average = (pair[0]["ddp_local_grad"] + pair[1]["ddp_local_grad"]) / 2
    for out in pair:
        np.testing.assert_allclose(out["ddp_grad"], average, rtol=1e-6, atol=1e-6)
        assert out["after_destroy"] == ("ValueError", "Invalid process group specified")


def test_new_group_errors_as_torch(results):
    for out in results:
        errors = {name[1]: value for name, value in out.items()
                  if isinstance(name, tuple) and name[0] == "error"}
        assert errors == {
            "duplicates": ("ValueError", "ranks list must not contain duplicate entries, got [0, 0]"),
            "out_of_range": ("ValueError", "Rank 3 is out of range. Valid ranks are 0 to 2 "
                                           "(world_size=3)"),
            "too_many": ("ValueError", "the new group's world size should be less or equal to "
                                       "the world size set by init_process_group"),
            "local_sync": ("ValueError", "MPI backend doesn't support "
                                         "use_local_synchronization=True"),
            "timeout_type": ("TypeError", "Expected timeout argument to be of type "
                                          "datetime.timedelta, got 5"),
            "foreign_group": ("ValueError", "Invalid process group specified")}
