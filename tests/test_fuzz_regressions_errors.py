"""Programs the differential fuzzer (tests/fuzz) once found raising where torch does not,
not raising where torch does, or raising another exception type; and programs whose
results took another memory layout than torch's (which shows as a view that one library
refuses). The format of tests/test_fuzz_regressions_views.py: each case is source run
once with `torch` bound to torch and once to cgrad, setting `out` (and maybe `leaves`);
an error must be raised by both, with the same type.
"""
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from test_fuzz_regressions_views import assert_matches_torch  # noqa: E402

CASES = {
    # ---- index_select: which positions are checked, and with which exception ----
    "index_select_empty_1d_position_out_of_range": "out = torch.zeros(0).index_select(-1, torch.tensor([1]))",
    "index_select_empty_1d_negative_position": "out = torch.zeros(0).index_select(0, torch.tensor([-1]))",
    "index_select_empty_1d_no_positions": "out = torch.zeros(0).index_select(0, torch.zeros(0, dtype=torch.int64))",
    "index_select_0d_position_out_of_range": "out = torch.tensor(2.0).index_select(-1, torch.tensor(2))",
    "index_select_0d_taken_from_an_empty_mask": "out = torch.zeros(0)[torch.zeros(0, dtype=torch.bool)].index_select(0, torch.tensor(2))",
    "index_select_empty_2d_along_a_nonempty_dim": "out = torch.ones(0, 4).index_select(1, torch.tensor([5]))",
    "index_select_empty_3d_along_the_last_dim": "out = torch.ones(2, 0, 4).index_select(2, torch.tensor([5]))",
    "index_select_empty_dim_of_a_2d_tensor": "out = torch.ones(2, 0).index_select(1, torch.tensor([0]))",
    "index_select_2d_along_dim_1": "out = torch.ones(2, 3).index_select(1, torch.tensor([5]))",
    "index_select_2d_along_dim_0": "out = torch.ones(2, 3).index_select(0, torch.tensor([5]))",
    # ---- subscripts into a dim of size 0 ----
    "getitem_index_into_an_empty_dim": "out = torch.zeros(0, 0)[:, torch.tensor([0])]",
    "getitem_index_into_an_empty_leading_dim": "out = torch.zeros(0, 0)[torch.tensor([0])]",
    "getitem_indices_into_an_empty_dim": "out = torch.zeros(3, 0)[torch.tensor([1]), torch.tensor([5])]",
    "getitem_no_positions_into_an_empty_dim": "out = torch.zeros(0, 2)[torch.zeros(0, dtype=torch.int64), torch.tensor([1])]",
    "getitem_empty_result_of_a_nonempty_dim": "out = torch.zeros(4, 0)[torch.tensor([4])]",
    "setitem_index_into_an_empty_dim": "out = torch.zeros(0, 0); out[:, torch.tensor([0])] = 1.0",
    "setitem_indices_into_an_empty_dim": "out = torch.zeros(0, 2); out[torch.tensor([0]), torch.tensor([5])] = torch.tensor(1.0)",
    # ---- flatten / unflatten of a 0-d tensor check their dims ----
    "flatten_0d_end_dim_out_of_range": "out = torch.tensor(2.2).flatten(0, 5)",
    "flatten_0d_start_dim_out_of_range": "out = torch.tensor(2.2).flatten(-2, 0)",
    "flatten_0d_in_range": "out = torch.tensor(2.2).flatten(-1, 0)",
    "torch_flatten_0d_out_of_range": "out = torch.flatten(torch.tensor(1.26), -1, 5)",
    "unflatten_0d_dim_out_of_range": "out = torch.unflatten(torch.tensor(1.5), 5, (1, -1))",
    "unflatten_0d_dim_in_range": "out = torch.tensor(1.5).unflatten(-1, (1, -1))",
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    assert_matches_torch(CASES[name])

