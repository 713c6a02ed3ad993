"""normal(mean, std, out=...) in each of torch's overloads: the same draws as torch after
the same seed, in out's dtype, with torch's resizing warning and errors."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402

# (call, out's shape): normal(Tensor, float) samples over out's shape broadcast with
# mean's, as torch (an empty out is refused there, below)
CALLS = {
    "tensor_mean_float_std": (lambda L, out: L.normal(L.arange(6.0).reshape(2, 3), 2.0, out=out), (2, 3)),
    "tensor_mean_float_std_wider_out": (lambda L, out: L.normal(L.arange(3.0), 2.0, out=out), (2, 3)),
    "tensor_mean_float_std_one": (lambda L, out: L.normal(L.arange(3.0), 2.0, out=out), (1,)),
    "float_mean_tensor_std": (lambda L, out: L.normal(1.5, L.arange(1.0, 7.0), out=out), (0,)),
    "tensor_mean_tensor_std": (lambda L, out: L.normal(L.arange(4.0), L.full((3, 1), 0.5), out=out), (0,)),
    "keywords": (lambda L, out: L.normal(mean=L.zeros(5), std=L.ones(5), out=out), (0,)),
    "generator": (lambda L, out: L.normal(L.zeros(5), 1.0, generator=L.Generator().manual_seed(7),
                                          out=out), (5,)),
    "float_mean_float_std_size": (lambda L, out: L.normal(0.5, 2.0, (2, 4), out=out), (0,)),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_normal_out_draws_as_torch(name, dtype):
    fn, shape = CALLS[name]
    got = []
    for lib in (torch, cgrad):
        lib.manual_seed(0)
        out = lib.empty(*shape, dtype=getattr(lib, dtype))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fn(lib, out)
        assert result is out
        got.append(out.numpy())
    assert got[1].dtype == got[0].dtype and got[1].shape == got[0].shape
    # float32 draws are torch's bit for bit; float64 ones to float64 rounding (torch draws
    # through a float64 normal either way, cgrad through the out dtype's)
    tol = 0 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(got[1], got[0], rtol=tol, atol=tol)


def test_normal_out_resizes_a_nonempty_out_with_torchs_warning():
    messages = []
    for lib in (torch, cgrad):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.normal(lib.zeros(3), lib.ones(3), out=lib.empty(2))
        messages.append([str(w.message).split(" (Triggered")[0] for w in caught])
    assert messages[1] == messages[0] and len(messages[0]) == 1


ERRORS = [
    error_case("empty_out_tensor_mean", lambda L: L.normal(L.zeros(3), 1.0, out=L.empty(0))),
    error_case("longer_out_tensor_mean", lambda L: L.normal(L.zeros(3), 1.0, out=L.empty(5))),
    error_case("integer_out", lambda L: L.normal(L.zeros(3), 1.0, out=L.empty(3, dtype=L.int64))),
    error_case("requires_grad", lambda L: L.normal(L.zeros(3, requires_grad=True), 1.0, out=L.empty(3))),
    error_case("dtype_with_out", lambda L: L.normal(L.zeros(3), 1.0, dtype=L.float32, out=L.empty(3)),
               None),
]


@pytest.mark.parametrize("fn, match", ERRORS)
def test_normal_out_errors_match_torch(fn, match):
    check_error(fn, match)
