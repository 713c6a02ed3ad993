"""Indexing ops against PyTorch, one line per case: index_select, index_add, index_copy,
index_fill, gather, scatter, scatter_add, masked_fill, nonzero, argwhere and the
advanced-indexing primitives behind x[...] (cgrad._C._index / _index_put, compared with
torch's aten.index / index_put), and the public index_put / index_put_.

Each case is `fn(lib, *inputs)` run with torch and with cgrad on the same numpy data;
`check` compares values, dtypes, grad_fn names and gradients. Error cases compare the
exception type (and where given, the message).
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import SAME, check_error  # noqa: E402
from parity import B, H, I, R, T, case, check  # noqa: E402

aten = torch.ops.aten

# torch deprecates index_fill_ on an expanded tensor (cgrad writes it alike, silently)
pytestmark = pytest.mark.filterwarnings("ignore:Use of index_fill_ on expanded:UserWarning")


def ix(*v, dtype=np.int64):
    """An index array; `ix()` is empty."""
    return np.array(v, dtype)


def IX(L, x, *idx):
    """x[idx] with None meaning "the whole dim" (not numpy's newaxis)."""
    idx = [None if i is None else i for i in idx]
    return aten.index.Tensor(x, idx) if L is torch else cgrad._C._index(x, idx)


def IP(L, x, idx, v, acc=False):
    return aten.index_put(x, idx, v, acc) if L is torch else cgrad._C._index_put(x, idx, v, acc)


def IP_(L, x, idx, v, acc=False):
    return aten.index_put_(x, idx, v, acc) if L is torch else cgrad._C._index_put_(x, idx, v, acc)


def MASK(L, x, m):
    """x[m] for a 0-d bool m (aten.index has no such case; torch's x[m] adds a dim)."""
    return x[m] if L is torch else cgrad._C._index(x, [m])


def written_through_view(L, x, m):
    """In-place writes into a view of a non-leaf; the base's history is what counts."""
    y = x * 1
    y.t().masked_fill_(m, 0.5)
    return y


CASES = [
    # ---- index_select ----
    case("index_select_dim0", lambda L, x, i: x.index_select(0, i), R(3, 4), ix(2, 0, 2)),
    case("index_select_dim1_fn", lambda L, x, i: L.index_select(x, 1, i), R(3, 4), ix(3, 1)),
    case("index_select_kw", lambda L, x, i: L.index_select(x, dim=0, index=i), R(3, 2), ix(1)),
    case("index_select_neg_dim", lambda L, x, i: x.index_select(-1, i), R(2, 3, 4), ix(0, 0, 3)),
    case("index_select_0d_index", lambda L, x, i: x.index_select(1, i), R(3, 4), np.array(2)),
    case("index_select_int32", lambda L, x, i: x.index_select(0, i), R(3, 4),
         ix(1, 2, dtype=np.int32)),
    case("index_select_0d_self", lambda L, x, i: x.index_select(0, i), R(), ix(0)),
    case("index_select_transposed", lambda L, x, i: x.index_select(1, i), T(R(4, 3)), ix(3, 0)),
    case("index_select_strided", lambda L, x, i: x.index_select(0, i), R(6, 4)[::2, 1:], ix(2, 1)),
    case("index_select_empty", lambda L, x, i: x.index_select(0, i), R(3, 4), ix()),
    case("index_select_int", lambda L, x, i: x.index_select(1, i), I(3, 4), ix(2, 2)),
    case("index_select_bool", lambda L, x, i: x.index_select(0, i), B(4), ix(3, 0)),
    case("index_select_float64", lambda L, x, i: x.index_select(0, i), R(3, 4, dtype=np.float64),
         ix(1)),
    # ---- index_add ----
    case("index_add_dup", lambda L, x, i, s: x.index_add(0, i, s), R(3, 4), ix(0, 2, 0), R(3, 4)),
    case("index_add_alpha", lambda L, x, i, s: x.index_add(1, i, s, alpha=2.5), R(3, 4), ix(3, 3),
         R(3, 2)),
    case("index_add_fn", lambda L, x, i, s: L.index_add(x, 1, i, s), R(2, 3), ix(2), R(2, 1)),
    case("index_add_0d_index", lambda L, x, i, s: x.index_add(1, i, s), R(2, 3), np.array(1),
         R(2, 1)),
    case("index_add_0d", lambda L, x, i, s: x.index_add(0, i, s), R(), ix(0), R()),
    case("index_add_transposed", lambda L, x, i, s: x.index_add(0, i, s), T(R(4, 3)), ix(2, 0),
         T(R(4, 2))),
    case("index_add_source_only", lambda L, i, s: L.zeros(3, 2).index_add(0, i, s), ix(1, 1),
         R(2, 2)),
    case("index_add_int_alpha", lambda L, x, i, s: x.index_add(0, i, s, alpha=2), I(3, 2),
         ix(1, 1), I(2, 2)),
    case("index_add_", lambda L, x, i, s: (x * 1).index_add_(0, i, s, alpha=-1.0), R(3, 2),
         ix(1, 1), R(2, 2)),
    case("index_add_no_grad_", lambda L, x, i, s: x.clone().t().index_add_(1, i, s), R(4, 3),
         ix(2, 2), R(3, 2), grad=False),
    # ---- index_copy ----
    case("index_copy", lambda L, x, i, s: x.index_copy(0, i, s), R(3, 4), ix(2, 0), R(2, 4)),
    case("index_copy_fn_dim1", lambda L, x, i, s: L.index_copy(x, -1, i, s), R(2, 4), ix(3, 1),
         R(2, 2)),
    case("index_copy_0d_index", lambda L, x, i, s: x.index_copy(1, i, s), R(2, 3), np.array(1),
         R(2, 1)),
    case("index_copy_0d_source", lambda L, x, i, s: x.index_copy(0, i, s), R(3), ix(1), R()),
    case("index_copy_0d", lambda L, x, i, s: x.index_copy(0, i, s), R(), ix(0), R()),
    case("index_copy_transposed", lambda L, x, i, s: x.index_copy(0, i, s), T(R(4, 3)), ix(2, 0),
         T(R(4, 2))),
    case("index_copy_source_only", lambda L, i, s: L.zeros(3, 2).index_copy(0, i, s), ix(2, 0),
         R(2, 2)),
    case("index_copy_int", lambda L, x, i, s: x.index_copy(0, i, s), I(3, 2), ix(1), I(1, 2)),
    case("index_copy_empty", lambda L, x, i, s: x.index_copy(1, i, s), R(3, 4), ix(),
         np.zeros((3, 0), np.float32)),
    case("index_copy_", lambda L, x, i, s: (x * 1).index_copy_(1, i, s), R(3, 4), ix(0, 3),
         R(3, 2)),
    case("index_copy_no_grad_", lambda L, x, i, s: x.clone().t().index_copy_(1, i, s), R(4, 3),
         ix(2, 0), R(3, 2), grad=False),
    # ---- index_fill ----
    case("index_fill", lambda L, x, i: x.index_fill(0, i, -1.5), R(3, 4), ix(2, 0)),
    case("index_fill_fn_negative", lambda L, x, i: L.index_fill(x, 1, i, 2), R(2, 4), ix(-1, 1)),
    case("index_fill_dup", lambda L, x, i: x.index_fill(1, i, 2), R(2, 4), ix(1, 1, 3)),
    case("index_fill_0d_index", lambda L, x, i: x.index_fill(1, i, 2), R(2, 3), np.array(1)),
    case("index_fill_0d", lambda L, x, i: x.index_fill(0, i, 2), R(), ix(0)),
    case("index_fill_tensor_value", lambda L, x, i, v: x.index_fill(1, i, v), R(2, 4),
         ix(3, 0, 3), R()),
    case("index_fill_value_only", lambda L, i, v: L.zeros(3, 2).index_fill(0, i, v), ix(2, 0), R()),
    case("index_fill_int_truncates", lambda L, x, i: x.index_fill(1, i, 2.7), I(2, 3), ix(0)),
    case("index_fill_int_tensor_value", lambda L, x, i, v: x.index_fill(1, i, v), I(2, 3), ix(0),
         R(), grad=False),
    case("index_fill_bool", lambda L, x, i: x.index_fill(0, i, 2), B(3, 2), ix(1)),
    case("index_fill_transposed", lambda L, x, i: x.index_fill(1, i, 0.5), T(R(4, 3)), ix(2, 0)),
    case("index_fill_", lambda L, x, i: (x * 1).index_fill_(1, i, 3), R(3, 4), ix(0, 3)),
    case("index_fill_tensor_value_", lambda L, x, i, v: (x * 1).index_fill_(0, i, v), R(3, 4),
         ix(0, 0), R()),
    case("index_fill_expanded_", lambda L, x, i: x.detach().expand(3, 2).index_fill_(0, i, 3),
         R(1, 2), ix(1), grad=False),
    # ---- gather ----
    case("gather_dim1", lambda L, x, i: x.gather(1, i), R(3, 4),
         np.array([[0, 3], [1, 1], [2, 0]])),
    case("gather_dim0_narrower", lambda L, x, i: x.gather(0, i), R(3, 4), np.array([[2, 0, 1]])),
    case("gather_fn_kw", lambda L, x, i: L.gather(x, dim=-1, index=i), R(2, 3),
         np.array([[2, 2, 2, 0], [1, 0, 1, 0]])),
    case("gather_3d", lambda L, x, i: x.gather(1, i), R(2, 3, 2), I(2, 4, 2, low=0, high=3)),
    case("gather_transposed", lambda L, x, i: x.gather(0, i), T(R(4, 3)), I(2, 4, low=0, high=3)),
    case("gather_index_transposed", lambda L, x, i: x.gather(1, i), R(3, 4),
         T(I(3, 3, low=0, high=4))),
    case("gather_0d", lambda L, x, i: x.gather(0, i), R(), np.array(0)),
    case("gather_0d_self_1d_index", lambda L, x, i: x.gather(0, i), R(), ix(0, 0)),
    case("gather_int32_index", lambda L, x, i: x.gather(1, i), R(2, 3),
         np.array([[1], [0]], np.int32)),
    case("gather_empty", lambda L, x, i: x.gather(1, i), R(3, 4), np.zeros((3, 0), np.int64)),
    case("gather_int", lambda L, x, i: x.gather(0, i), I(3, 2), np.array([[2, 0]])),
    # ---- scatter / scatter_add ----
    case("scatter_src", lambda L, x, i, s: x.scatter(1, i, s), R(3, 4), np.array([[0, 3], [2, 1]]),
         R(2, 2)),
    case("scatter_value", lambda L, x, i: x.scatter(0, i, 1.5), R(3, 4), np.array([[2, 0, 1, 1]])),
    case("scatter_value_int", lambda L, x, i: x.scatter(0, i, 2), R(3, 4), np.array([[2, 0]])),
    case("scatter_value_kw", lambda L, x, i: L.scatter(x, 1, i, value=-1.0), R(2, 3),
         np.array([[1], [0]])),
    case("scatter_src_kw", lambda L, x, i, s: L.scatter(x, dim=1, index=i, src=s), R(2, 3),
         np.array([[1], [0]]), R(2, 1)),
    case("scatter_src_larger", lambda L, x, i, s: x.scatter(1, i, s), R(3, 4), np.array([[0, 1]]),
         R(2, 5), grad=False),  # torch's backward rejects a src larger than index
    case("scatter_src_only", lambda L, i, s: L.zeros(2, 3).scatter(1, i, s), np.array([[2, 0]]),
         R(1, 2)),
    case("scatter_0d", lambda L, x, i, s: x.scatter(0, i, s), R(), np.array(0), R()),
    case("scatter_transposed", lambda L, x, i, s: x.scatter(1, i, s), T(R(4, 3)),
         np.array([[3, 1], [0, 2]]), T(R(2, 2))),
    case("scatter_int", lambda L, x, i, s: x.scatter(0, i, s), I(3), ix(2, 0), I(2)),
    case("scatter_int_float_value", lambda L, x, i: x.scatter(0, i, 2.7), I(3), ix(1)),
    case("scatter_", lambda L, x, i, s: (x * 1).scatter_(1, i, s), R(2, 3), np.array([[2, 0]]),
         R(1, 2)),
    case("scatter_value_", lambda L, x, i: (x * 1).scatter_(0, i, 0.5), R(2, 3),
         np.array([[1, 0, 1]])),
    case("scatter_no_grad_", lambda L, x, i, s: x.clone().t().scatter_(0, i, s), R(3, 2),
         np.array([[1, 0]]),
         R(1, 2), grad=False),
    case("scatter_add_dup", lambda L, x, i, s: x.scatter_add(1, i, s), R(3, 4),
         np.array([[0, 0, 3], [1, 1, 1]]), R(2, 3)),
    case("scatter_add_fn", lambda L, x, i, s: L.scatter_add(x, 0, i, s), R(3, 2),
         np.array([[2, 2], [2, 0]]),
         R(2, 2)),
    case("scatter_add_src_larger", lambda L, x, i, s: x.scatter_add(0, i, s), R(3), ix(1, 1), R(4),
         grad=False),
    case("scatter_add_int", lambda L, x, i, s: x.scatter_add(0, i, s), I(3), ix(1, 1), I(2)),
    case("scatter_add_", lambda L, x, i, s: (x * 1).scatter_add_(0, i, s), R(3), ix(0, 0, 2), R(3)),
    case("scatter_add_no_grad_", lambda L, x, i, s: x.clone().t().scatter_add_(1, i, s), R(3, 2),
         np.array([[0, 0, 2]]), R(1, 3), grad=False),
    # ---- masked_fill ----
    case("masked_fill_scalar", lambda L, x, m: x.masked_fill(m, 2.5), R(3, 4), B(3, 4)),
    case("masked_fill_bcast_mask", lambda L, x, m: x.masked_fill(m, -1), R(3, 4), B(4)),
    case("masked_fill_mask_larger", lambda L, x, m: x.masked_fill(m, 0.0), R(3, 1), B(2, 3, 4)),
    case("masked_fill_tensor_value", lambda L, x, m, v: x.masked_fill(m, v), R(3, 4), B(3, 4), R()),
    case("masked_fill_value_f64", lambda L, x, m, v: x.masked_fill(m, v), R(2, 3), B(3),
         R(dtype=np.float64)),
    case("masked_fill_value_only", lambda L, m, v: L.zeros(2, 3).masked_fill(m, v), B(2, 3), R()),
    case("masked_fill_fn", lambda L, x, m: L.masked_fill(x, m, 1), R(2, 2), B(2, 2)),
    case("masked_fill_kw", lambda L, x, m: x.masked_fill(mask=m, value=3.0), R(2, 2), B(2)),
    case("masked_fill_int", lambda L, x, m: x.masked_fill(m, 1.5), I(2, 3), B(2, 3)),
    case("masked_fill_int_tensor_value", lambda L, x, m, v: x.masked_fill(m, v), I(4), B(4),
         np.array(7)),
    case("masked_fill_bool", lambda L, x, m: x.masked_fill(m, 0.5), B(4), B(4)),
    case("masked_fill_0d", lambda L, x, m: x.masked_fill(m, 1.0), R(), np.array(True)),
    case("masked_fill_nan", lambda L, x, m: x.masked_fill(m, float("nan")), R(2, 2), B(2)),
    case("masked_fill_transposed", lambda L, x, m: x.masked_fill(m, 1.0), T(R(4, 3)), T(B(4, 3))),
    case("masked_fill_", lambda L, x, m: (x * 1).masked_fill_(m, -2.0), R(3, 4), B(3, 4)),
    case("masked_fill_tensor_", lambda L, x, m, v: (x * 1).masked_fill_(m, v), R(3, 4), B(4), R()),
    case("masked_fill_view_", written_through_view, R(3, 4), B(4, 3)),
    case("masked_fill_no_grad_", lambda L, x, m: x.clone().t().masked_fill_(m, 9), R(3, 4), B(3)),
    # ---- nonzero ----
    case("nonzero", lambda L, x: x.nonzero(), H(3, 4)),
    case("nonzero_fn", lambda L, x: L.nonzero(x), B(2, 3, 2)),
    case("nonzero_int", lambda L, x: x.nonzero(), I(6, low=-1, high=2)),
    case("nonzero_0d", lambda L, x: x.nonzero(), np.array(3.0, np.float32)),
    case("nonzero_0d_zero", lambda L, x: x.nonzero(), np.array(0.0, np.float32)),
    case("nonzero_nan_negzero", lambda L, x: x.nonzero(),
         np.array([np.nan, -0.0, 0.0, 1.0], np.float32)),
    case("nonzero_transposed", lambda L, x: x.nonzero(), T(I(4, 3, low=-1, high=2))),
    case("nonzero_empty", lambda L, x: x.nonzero(), np.zeros((2, 0), np.float32)),
    case("nonzero_as_tuple", lambda L, x: x.nonzero(as_tuple=True), I(3, 4, low=0, high=2)),
    case("nonzero_as_tuple_0d", lambda L, x: L.nonzero(x, as_tuple=True), np.array(True)),
    case("argwhere", lambda L, x: L.argwhere(x), H(3, 4)),
    case("argwhere_method_transposed", lambda L, x: x.argwhere(), T(I(4, 3, low=-1, high=2))),
    case("argwhere_0d", lambda L, x: L.argwhere(x), np.array(3.0, np.float32)),
    case("argwhere_0d_zero", lambda L, x: x.argwhere(), np.array(0.0, np.float32)),
    # ---- index: x[i, j, ...] ----
    case("index_1d_negative", lambda L, x, i: IX(L, x, i), R(5), ix(4, 0, -1, -5)),
    case("index_dup_rows", lambda L, x, i: IX(L, x, i), R(3, 4), ix(1, 1, 0, 1)),
    case("index_2d_index", lambda L, x, i: IX(L, x, i), R(3, 4), np.array([[0, 2], [-1, 1]])),
    case("index_middle_dim", lambda L, x, i: IX(L, x, None, i), R(2, 3, 4), ix(2, 0)),
    case("index_last_dim", lambda L, x, i: IX(L, x, None, None, i), R(2, 3, 4), ix(3, -4)),
    case("index_adjacent_pair", lambda L, x, i, j: IX(L, x, None, i, j), R(2, 3, 4), ix(0, 2, 1),
         ix(3, 0, 1)),
    case("index_broadcast_pair", lambda L, x, i, j: IX(L, x, i, j), R(3, 4), np.array([[0], [2]]),
         ix(1, 3, 0)),
    case("index_separated_to_front", lambda L, x, i, j: IX(L, x, i, None, j), R(3, 2, 4), ix(0, 2),
         ix(-1, 1)),
    case("index_separated_bcast", lambda L, x, i, j: IX(L, x, i, None, j), R(3, 2, 4),
         np.array([[0], [2]]),
         ix(1, 3)),
    case("index_every_dim", lambda L, x, i, j, k: IX(L, x, i, j, k), R(2, 3, 4), ix(1, 0),
         ix(2, 2), ix(3, 0)),
    case("index_0d_index", lambda L, x, i: IX(L, x, None, i), R(3, 4), np.array(-1)),
    case("index_0d_indices", lambda L, x, i, j: IX(L, x, i, j), R(3, 4), np.array(2), np.array(1)),
    case("index_int32", lambda L, x, i: IX(L, x, i), R(3, 4), ix(2, 0, dtype=np.int32)),
    case("index_mask", lambda L, x, m: IX(L, x, m), R(4, 3), np.array([True, False, True, True])),
    case("index_mask_2d", lambda L, x, m: IX(L, x, m), R(3, 4), B(3, 4)),
    case("index_mask_middle", lambda L, x, m: IX(L, x, None, m), R(2, 3, 4), B(3, 4)),
    case("index_mask_and_int", lambda L, x, i, m: IX(L, x, i, m), R(2, 3), ix(1, 0),
         np.array([True, False, True])),
    case("index_mask_separated", lambda L, x, m, i: IX(L, x, m, None, i), R(2, 3, 4),
         np.array([False, True]),
         ix(3)),
    case("index_empty", lambda L, x, i: IX(L, x, i), R(3, 4), ix()),
    case("index_empty_mask", lambda L, x, m: IX(L, x, m), R(3, 4), np.zeros(3, np.bool_)),
    case("index_transposed", lambda L, x, i, j: IX(L, x, i, None, j), T(R(4, 2, 3)), ix(0, 2),
         ix(1, 3)),
    case("index_strided", lambda L, x, i: IX(L, x, None, i), R(4, 6)[::2, 1::2], ix(2, 0, 1)),
    case("index_int_tensor", lambda L, x, i: IX(L, x, i), I(5), ix(1, 3)),
    case("index_bool_tensor", lambda L, x, i: IX(L, x, i), B(5), ix(4, 0)),
    case("index_float64", lambda L, x, i: IX(L, x, i), R(3, dtype=np.float64), ix(2, 2)),
    case("index_then_ops", lambda L, x, i: (IX(L, x, i) * 2).sum(0), R(3, 4), ix(0, 0, 2)),
    case("index_true", lambda L, x, m: MASK(L, x, m), R(2, 3), np.array(True)),
    case("index_false", lambda L, x, m: MASK(L, x, m), R(2, 3), np.array(False)),
    case("index_true_0d_self", lambda L, x, m: MASK(L, x, m), R(), np.array(True)),
    # ---- index_put ----
    case("index_put_rows", lambda L, x, i, v: IP(L, x, [i], v), R(4, 3), ix(0, 2), R(2, 3)),
    case("index_put_0d_values", lambda L, x, i, v: IP(L, x, [i], v), R(4, 3), ix(-1, 1), R()),
    case("index_put_row_values", lambda L, x, i, v: IP(L, x, [i], v), R(4, 3), ix(3, 1), R(3)),
    case("index_put_acc_dup", lambda L, x, i, v: IP(L, x, [i], v, True), R(4, 3), ix(0, 2, 0, 0),
         R(4, 3)),
    case("index_put_acc_bcast", lambda L, x, i, v: IP(L, x, [i], v, True), R(5), ix(1, 1, 4), R(1)),
    case("index_put_mask", lambda L, x, m, v: IP(L, x, [m], v), R(3, 4), B(3, 4), R()),
    case("index_put_mask_rows", lambda L, x, m, v: IP(L, x, [m], v), R(4, 3),
         np.array([True, False, False, True]), R(2, 3)),
    case("index_put_two_indices", lambda L, x, i, j, v: IP(L, x, [i, j], v), R(3, 4), ix(0, 2),
         ix(3, -1), R(2)),
    case("index_put_separated", lambda L, x, i, j, v: IP(L, x, [i, None, j], v), R(3, 2, 4),
         ix(0, 2), ix(1, 3),
         R(2, 2)),
    case("index_put_middle", lambda L, x, i, v: IP(L, x, [None, i], v), R(2, 3, 4), ix(2, 0),
         R(2, 2, 4)),
    case("index_put_transposed", lambda L, x, i, v: IP(L, x, [i], v), T(R(3, 4)), ix(1, 3),
         R(2, 3)),
    case("index_put_int", lambda L, x, i, v: IP(L, x, [i], v), I(5), ix(0, 4), I(2)),
    case("index_put_int_acc_dup", lambda L, x, i, v: IP(L, x, [i], v, True), I(5), ix(0, 0), I(2)),
    case("index_put_self_only", lambda L, x, i: IP(L, x, [i], L.zeros(2, 4)), R(3, 4), ix(0, 1)),
    case("index_put_values_only", lambda L, i, v: IP(L, L.zeros(3, 4), [i], v), ix(2, 1), R(2, 4)),
    case("index_put_", lambda L, x, i, v: IP_(L, x * 1, [i], v), R(4, 3), ix(0, 2), R(2, 3)),
    case("index_put_acc_", lambda L, x, i, v: IP_(L, x * 1, [i], v, True), R(4), ix(1, 1), R(2)),
    case("index_put_no_grad_", lambda L, x, i, v: IP_(L, x.clone().t(), [None, i], v), R(4, 3),
         ix(2, 0), R(2)),
    # ---- the public index_put / index_put_ (a tuple or list of tensors, no None) ----
    case("public_index_put", lambda L, x, i, v: L.index_put(x, (i,), v), R(4, 3), ix(0, 2),
         R(2, 3)),
    case("public_index_put_method_acc", lambda L, x, i, j, v: x.index_put([i, j], v, True),
         R(3, 4), ix(0, 2, 0), ix(1, 1, 1), R(3)),
    case("public_index_put_keywords", lambda L, x, m, v: x.index_put(
        values=v, indices=(m,), accumulate=False), R(3, 4), B(3, 4), R()),
    case("public_index_put_", lambda L, x, i, v: (x * 1).index_put_((i,), v, accumulate=True),
         R(5), ix(4, 4, 0), R(1)),
    case("public_index_put_fn_", lambda L, x, i, v: L.index_put_(x * 1, [i], v), R(4, 3),
         ix(-1), R(3)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_op(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


def err(id, fn, match=None):
    return pytest.param(fn, match, id=id)


OOB = r"index {} is out of bounds for dimension {} with size {}"

ERRORS = [
    err("index_select_out_of_range", lambda L: L.ones(3, 4).index_select(0, L.tensor([3])),
        r"index_select\(\): " + OOB.format(3, 0, 3)),
    err("index_select_negative", lambda L: L.ones(3, 4).index_select(0, L.tensor([-1]))),
    err("index_select_float_index", lambda L: L.ones(3).index_select(0, L.tensor([0.0])),
        "int32 or int64"),
    err("index_select_2d_index", lambda L: L.ones(3).index_select(0, L.tensor([[0]])), "vector"),
    err("index_select_0d_two_values", lambda L: L.tensor(1.0).index_select(0, L.tensor([0, 0])),
        "only 1 value"),
    err("index_select_bad_dim", lambda L: L.ones(3).index_select(1, L.tensor([0]))),
    err("index_add_out_of_range", lambda L: L.ones(3).index_add(0, L.tensor([5]), L.ones(1)),
        OOB.format(5, 0, 3)),
    err("index_add_out_of_range_3d",
        lambda L: L.ones(3, 4, 2).index_add(1, L.tensor([4]), L.ones(3, 1, 2))),
    err("index_add_negative", lambda L: L.ones(3).index_add(0, L.tensor([-1]), L.ones(1))),
    err("index_add_dtype",
        lambda L: L.ones(3).index_add(0, L.tensor([0]), L.ones(1, dtype=L.float64)),
        r"self \(Float\) and source \(Double\)"),
    err("index_add_count", lambda L: L.ones(3, 4).index_add(0, L.tensor([0]), L.ones(2, 4)),
        r"Number of indices \(1\)"),
    err("index_add_shape", lambda L: L.ones(3, 4).index_add(0, L.tensor([0]), L.ones(1, 3))),
    err("index_add_2d_index", lambda L: L.ones(3).index_add(0, L.tensor([[0]]), L.ones(1)),
        "vector"),
    err("gather_out_of_range", lambda L: L.ones(3, 4).gather(1, L.tensor([[0, 4]])),
        OOB.format(4, 1, 4)),
    err("gather_negative", lambda L: L.ones(3, 4).gather(1, L.tensor([[-1]])),
        OOB.format(-1, 1, 4)),
    err("gather_rank", lambda L: L.ones(3, 4).gather(1, L.tensor([0])),
        "same number of dimensions"),
    err("gather_too_wide", lambda L: L.ones(3, 4).gather(1, L.zeros(4, 1, dtype=L.int64)),
        r"index \[4, 1\] to be no larger than self \[3, 4\] apart from dimension 1"),
    err("gather_float_index", lambda L: L.ones(3).gather(0, L.tensor([0.0])), "int32/int64"),
    err("scatter_out_of_range", lambda L: L.ones(3, 4).scatter(1, L.tensor([[4]]), 1.0),
        OOB.format(4, 1, 4)),
    err("scatter_negative", lambda L: L.ones(3, 4).scatter(1, L.tensor([[-1]]), L.ones(1, 1))),
    err("scatter_dtype", lambda L: L.ones(3).scatter(0, L.tensor([0]), L.ones(1, dtype=L.float64)),
        "self.dtype to be equal to src.dtype"),
    err("scatter_src_too_small",
        lambda L: L.ones(3, 4).scatter(1, L.tensor([[0, 1, 2]]), L.ones(1, 2)),
        r"no larger size than src \[1, 2\]"),
    err("scatter_src_rank", lambda L: L.ones(3, 4).scatter(1, L.tensor([[0]]), L.ones(1, 1, 1)),
        "same number of dimensions as src tensor"),
    err("scatter_index_rank", lambda L: L.ones(3).scatter(0, L.tensor([[0]]), 1.0)),
    err("scatter_float_index", lambda L: L.ones(3).scatter(0, L.tensor([0.0]), 1.0), "int32/int64"),
    err("scatter_add_out_of_range", lambda L: L.ones(3).scatter_add(0, L.tensor([3]), L.ones(1))),
    err("scatter_add_number", lambda L: L.ones(3).scatter_add(0, L.tensor([0]), 1.0)),
    err("masked_fill_int_mask", lambda L: L.ones(3).masked_fill(L.tensor([1, 0, 1]), 0.0),
        "boolean masks"),
    err("masked_fill_1d_value",
        lambda L: L.ones(3).masked_fill(L.tensor([True, False, True]), L.ones(1)),
        "0-dimensional value tensor"),
    err("masked_fill_shape", lambda L: L.ones(3, 4).masked_fill(L.ones(5, dtype=L.bool), 0.0),
        r"size of tensor a \(4\) must match the size of tensor b \(5\)"),
    err("masked_fill_inplace_broadcast",
        lambda L: L.ones(3, 4).masked_fill_(L.ones(2, 3, 4, dtype=L.bool), 0.0),
        r"output with shape \[3, 4\] doesn't match the broadcast shape \[2, 3, 4\]"),
    err("masked_fill_str_value", lambda L: L.ones(3).masked_fill(L.ones(3, dtype=L.bool), "a")),
    err("masked_fill_leaf_inplace", lambda L: L.ones(3, requires_grad=True).masked_fill_(
        L.ones(3, dtype=L.bool), 0.0), "leaf Variable that requires grad"),
    err("index_out_of_range", lambda L: IX(L, L.ones(3, 2), L.tensor([0, 5])), OOB.format(5, 0, 3)),
    err("index_negative_out_of_range", lambda L: IX(L, L.ones(3, 2), None, L.tensor([-3])),
        r"index -3 is out of bounds"),
    err("index_float_index", lambda L: IX(L, L.ones(3), L.tensor([0.0])),
        "tensors used as indices must be long, int, byte or bool tensors"),
    err("index_too_many", lambda L: IX(L, L.ones(3, 2), None, None, L.tensor([0])),
        r"too many indices for tensor of dimension 2 \(got 3\)"),
    err("index_mask_too_many_dims", lambda L: IX(L, L.ones(3), L.ones(3, 1, dtype=L.bool)),
        "too many indices"),
    err("index_mask_shape", lambda L: IX(L, L.ones(2, 3, 4), None, L.ones(2, 4, dtype=L.bool)),
        r"The shape of the mask \[2, 4\] at index 0 does not match the shape of the indexed tensor "
        r"\[2, 3, 4\] at index 1"),
    err("index_shapes_mismatch",
        lambda L: IX(L, L.ones(3, 4), L.tensor([0, 1]), L.tensor([0, 1, 2])),
        r"shape mismatch: indexing tensors could not be broadcast together with shapes "
        r"\[2\], \[3\]"),
    err("index_put_dtype", lambda L: IP(L, L.ones(3), [L.tensor([0])], L.ones(1, dtype=L.float64)),
        "Index put requires the source and destination dtypes match, got Float for the destination "
        "and Double for the source."),
    err("index_put_values_shape", lambda L: IP(L, L.ones(2, 3, 4), [L.tensor([0])], L.ones(2, 4)),
        r"shape mismatch: value tensor of shape \[2, 4\] cannot be broadcast to indexing result of "
        r"shape \[1, 3, 4\]"),
    err("index_put_values_extra_dim",
        lambda L: IP(L, L.ones(2, 3), [L.tensor([0])], L.ones(1, 1, 3))),
    err("index_put_out_of_range", lambda L: IP(L, L.ones(2, 3), [L.tensor([2])], L.ones(3)),
        OOB.format(2, 0, 2)),
    err("index_put_mask_shape", lambda L: IP(L, L.ones(4), [L.ones(3, dtype=L.bool)], L.ones(1))),
    # Assigning through advanced indices needs the target's dtype (torch's index_put).
    err("setitem_advanced_float64_value",
        lambda L: L.zeros(2, 3).__setitem__(L.tensor([1]), L.ones(1, 3, dtype=L.float64)),
        "Index put requires the source and destination dtypes match"),
    err("setitem_advanced_float_into_int",
        lambda L: L.zeros(3, dtype=L.int64).__setitem__(L.tensor([0, 2]), L.tensor([1.5, -2.7])),
        "Index put requires the source and destination dtypes match"),
    # Only leading size-1 dims are dropped from an assigned value.
    err("setitem_value_too_big", lambda L: L.zeros(2, 3).__setitem__(0, L.ones(2, 3))),
    err("setitem_value_trailing_one", lambda L: L.zeros(3).__setitem__(0, L.ones(2))),
    err("index_copy_out_of_range", lambda L: L.ones(3, 4).index_copy(
        0, L.tensor([5]), L.ones(1, 4)), SAME),
    err("index_copy_negative", lambda L: L.ones(3, 4).index_copy(0, L.tensor([-1]), L.ones(1, 4)),
        SAME),
    err("index_copy_float_index", lambda L: L.ones(3, 4).index_copy(
        0, L.tensor([1.0]), L.ones(1, 4)), SAME),
    err("index_copy_int32_index", lambda L: L.ones(3, 4).index_copy(
        0, L.tensor([1], dtype=L.int32), L.ones(1, 4)), SAME),
    err("index_copy_2d_index", lambda L: L.ones(3, 4).index_copy(
        0, L.tensor([[1.0]]), L.ones(1, 4)), SAME),
    err("index_copy_count", lambda L: L.ones(3, 4).index_copy(0, L.tensor([1, 2]), L.ones(1, 4)),
        SAME),
    err("index_copy_slice", lambda L: L.ones(3, 4, 5).index_copy(
        1, L.tensor([0, 1]), L.ones(3, 2, 4)), SAME),
    err("index_copy_slice_before_count", lambda L: L.ones(3, 4).index_copy(
        0, L.tensor([1, 2]), L.ones(1, 3)), SAME),
    err("index_copy_scalar_source_slice", lambda L: L.ones(3, 4).index_copy(
        0, L.tensor([1]), L.tensor(1.0)), SAME),
    err("index_copy_rank", lambda L: L.ones(3, 4).index_copy(0, L.tensor([1]), L.ones(4)), SAME),
    err("index_copy_dtype", lambda L: L.ones(3, 4).index_copy(
        0, L.tensor([1, 2]), L.ones(1, 4, dtype=L.float64)), SAME),
    err("index_copy_dim", lambda L: L.ones(3, 4).index_copy(2, L.tensor([1]), L.ones(1, 4)), SAME),
    err("index_copy_leaf_", lambda L: L.ones(3, requires_grad=True).index_copy_(
        0, L.tensor([1]), L.ones(1)), SAME),
    err("index_copy_expanded_", lambda L: L.ones(1, 4).expand(3, 4).index_copy_(
        0, L.tensor([1]), L.ones(1, 4)), SAME),
    err("index_fill_out_of_range", lambda L: L.ones(3, 4).index_fill(1, L.tensor([4]), 2), SAME),
    err("index_fill_negative_out_of_range", lambda L: L.ones(3, 4).index_fill(
        1, L.tensor([-5]), 2), SAME),
    err("index_fill_float_index", lambda L: L.ones(3, 4).index_fill(5, L.tensor([1.0]), 2), SAME),
    err("index_fill_2d_index", lambda L: L.ones(3, 4).index_fill(1, L.tensor([[1]]), 2), SAME),
    err("index_fill_value_1d", lambda L: L.ones(3, 4).index_fill(
        0, L.tensor([1.0]), L.tensor([2.0])), SAME),
    err("index_fill_dim", lambda L: L.ones(3, 4).index_fill(3, L.tensor([1]), 2), SAME),
    err("index_fill_overflow", lambda L: L.ones(3, 4, dtype=L.int64).index_fill(
        0, L.tensor([0]), float("inf")), SAME),
    err("index_fill_int_value_requires_grad", lambda L: L.ones(3, dtype=L.int64).index_fill(
        0, L.tensor([0]), L.tensor(2.0, requires_grad=True)), SAME),
    err("index_fill_leaf_", lambda L: L.ones(3, requires_grad=True).index_fill_(
        0, L.tensor([1]), 2), SAME),
    # the public names take indices as a tuple or list of tensors, values as a tensor and
    # accumulate as a bool, each refused with torch's words (and position, if positional)
    err("index_put_indices_tensor", lambda L: L.ones(3).index_put(L.tensor([0]), L.ones(1)),
        r"index_put\(\): argument 'indices' \(position 1\) must be tuple of Tensors, not Tensor"),
    err("index_put_fn_indices_tensor",
        lambda L: L.index_put_(L.ones(3), L.tensor([0]), L.ones(1)),
        r"index_put_\(\): argument 'indices' \(position 2\) must be tuple of Tensors, not Tensor"),
    err("index_put_none_index",
        lambda L: L.index_put(L.ones(3, 2), [None, L.tensor([0])], L.ones(1)),
        "expected Tensor as element 0 in argument 1, but got NoneType"),
    err("index_put_method_int_index", lambda L: L.ones(3).index_put_((1,), L.ones(1)),
        "expected Tensor as element 0 in argument 0, but got int"),
    err("index_put_number_values", lambda L: L.ones(3).index_put((L.tensor([0]),), 1.0),
        r"index_put\(\): argument 'values' \(position 2\) must be Tensor, not float"),
    err("index_put_int_accumulate",
        lambda L: L.ones(3).index_put_((L.tensor([0]),), L.ones(1), 1),
        r"index_put_\(\): argument 'accumulate' \(position 3\) must be bool, not int"),
    err("index_put_none_accumulate_keyword",
        lambda L: L.index_put(L.ones(3), (L.tensor([0]),), L.ones(1), accumulate=None),
        r"index_put\(\): argument 'accumulate' must be bool, not NoneType"),
    err("index_put_float_index", lambda L: L.ones(3).index_put_((L.tensor([0.5]),), L.ones(1)),
        "tensors used as indices must be long, int, byte or bool tensors"),
    err("index_put_too_many_indices",
        lambda L: L.index_put(L.ones(2, 3), (L.tensor([0]),) * 3, L.ones(1)),
        r"too many indices for tensor of dimension 2 \(got 3\)"),
    err("index_put_public_dtype",
        lambda L: L.ones(3).index_put_((L.tensor([0]),), L.ones(1, dtype=L.float64)),
        "Index put requires the source and destination dtypes match"),
    err("index_put_leaf_inplace",
        lambda L: IP_(L, L.ones(3, requires_grad=True), [L.tensor([0])], L.ones(1)),
        "leaf Variable that requires grad"),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_error_matches_torch(fn, match):
    check_error(fn, match)


@pytest.mark.parametrize("op", [
    lambda L, x, i: x.index_select(0, i),
    lambda L, x, i: x.gather(0, i),
    lambda L, x, i: IX(L, x, i),
    lambda L, x, i: x.scatter(0, i, x.detach() * 1),
    lambda L, x, i: IP(L, x, [i], L.ones(2)),
], ids=["index_select", "gather", "index", "scatter", "index_put"])
def test_saved_index_modified_in_place(op):
    # The index is saved for backward; writing to it afterwards must be caught, as in torch.
    for L in (torch, cgrad):
        x = L.ones(3, requires_grad=True)
        i = L.tensor([0, 2])
        y = op(L, x, i)
        i.add_(0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_in_place_writes_through_a_view_reach_the_base():
    # With no graph to record, the kernels write straight into the strided view.
    x = cgrad.zeros(3, 4)
    v = x.t()
    v.masked_fill_(cgrad.tensor([True, False, True]), 1.0)
    cgrad._C._index_put_(v, [cgrad.tensor([1])], cgrad.tensor(2.0))
    v.scatter_(1, cgrad.tensor([[1]]), 3.0)
    v.index_add_(0, cgrad.tensor([3]), cgrad.ones(1, 3))
    v.scatter_add_(0, cgrad.tensor([[0, 0, 0]]), cgrad.ones(1, 3))
    expected = np.zeros((3, 4), np.float32)
    expected.T[:, [0, 2]] = 1.0
    expected.T[1] = 2.0
    expected.T[0, 1] = 3.0
    expected.T[3] += 1.0
    expected.T[0] += 1.0
    np.testing.assert_array_equal(x.numpy(), expected)
    assert x._version == 5


def test_index_fill_into_an_integer_self_records_a_tensor_value():
    # torch records the in-place write (its backward then fails), not the out-of-place one
    for L in (torch, cgrad):
        y = L.zeros(3, 2, dtype=L.int64).index_fill_(0, L.tensor([1]),
                                                      L.tensor(2.5, requires_grad=True))
        assert y.grad_fn.name() == "IndexFillBackward1"
        assert y.requires_grad and y.tolist() == [[0, 0], [2, 2], [0, 0]]


@pytest.mark.parametrize("lib", [torch, cgrad])
def test_argwhere_has_the_layout_of_nonzero(lib):
    x = lib.tensor([[0, 1], [2, 0]])
    assert lib.argwhere(x).stride() == lib.nonzero(x).stride()


def test_in_place_returns_self():
    x = cgrad.zeros(3)
    m = cgrad.tensor([True, False, True])
    assert x.masked_fill_(m, 1.0) is x
    assert x.scatter_(0, cgrad.tensor([1]), 2.0) is x
    assert x.scatter_add_(0, cgrad.tensor([1]), cgrad.ones(1)) is x
    assert x.index_add_(0, cgrad.tensor([1]), cgrad.ones(1)) is x
    assert x.index_copy_(0, cgrad.tensor([2]), cgrad.ones(1)) is x
    assert x.index_fill_(0, cgrad.tensor([2]), 1.0) is x
    assert cgrad._C._index_put_(x, [cgrad.tensor([0])], cgrad.tensor(5.0)) is x
    np.testing.assert_array_equal(x.numpy(), [5.0, 4.0, 1.0])
    assert x.index_put_((cgrad.tensor([1]),), cgrad.tensor(1.0), True) is x
    assert cgrad.index_put_(x, [cgrad.tensor([2])], cgrad.tensor(0.0)) is x
    np.testing.assert_array_equal(x.numpy(), [5.0, 5.0, 0.0])


@pytest.mark.parametrize("fn,shapes", [
    pytest.param(lambda L, x: x.index_select(0, L.tensor([2, 0, 2])), [(3, 4)], id="index_select"),
    pytest.param(lambda L, x: x.gather(1, L.tensor([[1], [0], [1]])), [(3, 2)], id="gather"),
    pytest.param(lambda L, x, s: x.scatter(1, L.tensor([[1, 0]]), s), [(2, 3), (1, 2)],
                 id="scatter"),
    pytest.param(lambda L, x: x.scatter(1, L.tensor([[1]]), 2.0), [(2, 3)], id="scatter_value"),
    pytest.param(lambda L, x, s: x.scatter_add(0, L.tensor([0, 0]), s), [(3,), (2,)],
                 id="scatter_add"),
    pytest.param(lambda L, x: x.masked_fill(L.tensor([True, False]), 1.0), [(3, 2)],
                 id="masked_fill"),
    pytest.param(lambda L, x, v: x.masked_fill(L.tensor([True, False]), v), [(3, 2), ()],
                 id="masked_fill_value"),
    pytest.param(lambda L, x, s: x.index_copy(0, L.tensor([2, 0]), s), [(3, 2), (2, 2)],
                 id="index_copy"),
    pytest.param(lambda L, x, v: x.index_fill(0, L.tensor([2, 0, 2]), v), [(3, 2), ()],
                 id="index_fill_value"),
    pytest.param(lambda L, x: IX(L, x, L.tensor([1, 1])), [(3, 2)], id="index"),
    pytest.param(lambda L, x, v: IP(L, x, [L.tensor([2, 0])], v), [(3, 2), (2, 2)], id="index_put"),
    pytest.param(lambda L, x, v: IP(L, x, [L.tensor([2, 0])], v, True), [(3, 2), (2, 2)],
                 id="index_put_acc"),
])
def test_backward_graph_node_names(fn, shapes):
    # With create_graph=True the gradients carry the nodes of the backward formulas.
    # torch's are read from autograd.grad: its .grad under create_graph is a copy
    # (CopyBackwards), an AccumulateGrad detail that is not the formulas' business.
    names = {}
    for L in (torch, cgrad):
        xs = [L.ones(s, dtype=L.float64, requires_grad=True) for s in shapes]
        y = fn(L, *xs)
        upstream = L.ones(tuple(y.shape), dtype=L.float64, requires_grad=True)
        if L is torch:
            grads = torch.autograd.grad(y, xs, upstream, create_graph=True)
        else:
            y.backward(upstream, create_graph=True)
            grads = [x.grad for x in xs]
        names[L] = [g.grad_fn.name() if g.grad_fn else None for g in grads]
    assert names[cgrad] == names[torch]


class _Index:
    """An object that is an integer only through __index__ (as numpy's integers are)."""

    def __init__(self, value):
        self.value = value

    def __index__(self):
        return self.value


def test_objects_with_index_are_integers_in_subscripts():
    results = []
    for L in (torch, cgrad):
        x = L.arange(12).reshape(3, 4)
        results.append([x[_Index(1)].tolist(), x[_Index(1):_Index(3), np.int64(2)].tolist(),
                        x[:, _Index(-1)].tolist(), x[_Index(0)::_Index(2)].tolist()])
    assert results[0] == results[1]
