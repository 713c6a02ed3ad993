"""Compare cgrad's tensor formatting with what PyTorch's repr prints."""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

# Loaded from its file so the test needs neither the C++ extension nor the package.
_spec = importlib.util.spec_from_file_location(
    "cgrad_tensor_str", Path(__file__).parents[1] / "python/cgrad/_tensor_str.py")
tensor_str = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tensor_str)

DTYPES = {
    "float32": torch.float32,
    "float64": torch.float64,
    "int64": torch.int64,
    "int32": torch.int32,
    "bool": torch.bool,
}
NAN, INF = math.nan, math.inf


@pytest.fixture(autouse=True)
def default_print_options():
    torch.set_printoptions(profile="default")
    tensor_str.set_printoptions(profile="default")
    yield
    torch.set_printoptions(profile="default")
    tensor_str.set_printoptions(profile="default")


def set_both(**options):
    torch.set_printoptions(**options)
    tensor_str.set_printoptions(**options)


def expected(t):
    return repr(t).replace("torch.", "cgrad.")


def formatted(t):
    grad_fn = t.grad_fn
    return tensor_str.format_tensor(
        t.detach().numpy(),
        str(t.dtype).removeprefix("torch."),
        requires_grad=t.requires_grad and grad_fn is None,
        grad_fn_name=None if grad_fn is None else type(grad_fn).__name__,
    )


def tensor(values, dtype="float32"):
    return torch.tensor(values, dtype=DTYPES[dtype])


def leaf(values, dtype="float32"):
    return tensor(values, dtype).requires_grad_()


def _hand_written_cases():
    """Tensors chosen to hit one formatting rule each."""
    cases = {
        # 0-d
        "scalar-whole": tensor(3.0),
        "scalar-fraction": tensor(3.5),
        "scalar-neg-zero": tensor(-0.0),
        "scalar-huge": tensor(1e20),
        "scalar-tiny": tensor(-1e-20),
        "scalar-nan": tensor(NAN),
        "scalar-float64": tensor(2.0, "float64"),
        "scalar-int64": tensor(5, "int64"),
        "scalar-int32": tensor(5, "int32"),
        "scalar-bool": tensor(True, "bool"),
        "scalar-requires-grad": leaf(1.5),
        "scalar-grad-fn": leaf(1.5) * 2,
        # notation boundaries
        "fixed": tensor([1.5, 2.0, -3.0]),
        "sci-small": tensor([1e-5, 1.0]),
        "sci-large": tensor([1e5, 1.0]),
        "min-1e-4-float32": tensor([1e-4]),
        "min-1e-4-float64": tensor([1e-4], "float64"),
        "max-1e8-whole": tensor([1e8, 1.0]),
        "max-exactly-1e8": tensor([1e8]),
        "max-just-above-1e8": tensor([100000008.0]),
        "max-above-1e8": tensor([123456789.0]),
        "ratio-1000-whole": tensor([1.0, 1000.0]),
        "ratio-1001-whole": tensor([1.0, 1001.0]),
        "ratio-1000-fraction": tensor([1.5, 1500.0]),
        "ratio-above-1000-fraction": tensor([1.5, 1501.0]),
        "ratio-rounds-to-1000-in-float32": tensor([1000.0038452148438, 1.0000038146972656]),
        "whole-floats": tensor([1.0, 2.0, 3.0]),
        "zeros": tensor([0.0, 0.0]),
        "signed-zeros": tensor([-0.0, 0.0]),
        "neg-zero-widest": tensor([-0.0, 1.5]),
        "nan-whole": tensor([NAN, 10.0, 1.0]),
        "inf-fixed": tensor([INF, 1.5]),
        "neg-inf-fixed": tensor([-INF, 1.5]),
        "nan-sci": tensor([NAN, 1e-5, 1.0]),
        "only-nonfinite": tensor([INF, -INF, NAN]),
        "nan-and-zero-column": tensor([[NAN], [0.0]]),
        "float32-rounding": tensor([0.1, 0.2, 0.3]) * 3,
        "float64-digits": tensor([0.1, 0.123456789, 123456.789], "float64"),
        "float64-extremes": tensor([1.7976931348623157e308, 5e-324], "float64"),
        "float32-extremes": tensor([3.4028234663852886e38, 1e-45]),
        # integers and booleans
        "int-large": tensor([10**12, -5], "int64"),
        "int64-limits": tensor([2**63 - 1, -2**63], "int64"),
        "int32-limits": tensor([2**31 - 1, -2**31], "int32"),
        "int32-matrix": tensor([[1, 2], [3, 4]], "int32"),
        "bool-vector": tensor([True, False], "bool"),
        "bool-matrix": tensor([[True], [False]], "bool"),
        # summarisation
        "numel-1000": torch.arange(1000.0),
        "numel-1001": torch.arange(1001.0),
        "summarised-hides-wide-value": torch.ones(2000).index_fill(0, torch.tensor([1000]), 1e9),
        "summarised-40x40": torch.arange(1600.0).reshape(40, 40),
        "summarised-2x3x400": torch.ones(2, 3, 400),
        "summarised-int-2000x1": torch.arange(2000).reshape(2000, 1),
        "summarised-1x2000": torch.zeros(1, 2000),
        "summarised-4d": torch.arange(4 * 5 * 7 * 11, dtype=torch.float64).reshape(4, 5, 7, 11) / 7,
        "summarised-wrapping-sci": torch.arange(2000.0) + 0.5,
        "huge": torch.zeros(10**7),
        # wrapping
        "wrap-1d-float64": torch.arange(20, dtype=torch.float64) + 0.5,
        "wrap-1d-int32": torch.arange(11, dtype=torch.int32) * 1000,
        "wrap-zeros": torch.zeros(40),
        "wrap-nonfinite": tensor([NAN, INF, -INF, 0.0] * 10),
        "wrap-2d": torch.arange(90.0).reshape(3, 30) / 7,
        "wrap-3d": torch.arange(12, dtype=torch.float64).reshape(2, 1, 6) * 1000 + 0.5,
        "row-exactly-fits": torch.arange(12.0).reshape(2, 6) * 1000 + 0.5,
        # suffixes: the dtype and grad suffixes move to a new line on long lines
        "suffix-fits-exactly": torch.full((1, 10), 100, dtype=torch.int32),
        "suffix-one-char-over": torch.full((1, 1, 10), 100, dtype=torch.int32),
        "suffix-wraps": torch.full((11,), 1000, dtype=torch.int32),
        "suffixes-wrap-together": leaf(torch.arange(11.0).tolist(), "float64") * 2,
        "second-suffix-wraps": leaf([10.0**7] * 3, "float64") * 2,
        "requires-grad-float64": leaf([1.5, 2.5], "float64"),
        "grad-fn-add": leaf([1.0, 2.0]) + 1,
        "grad-fn-sum": leaf([1.0, 2.0]).sum(),
        # non-contiguous data
        "transposed": torch.arange(12.0).reshape(3, 4).t(),
        "strided": torch.arange(24).reshape(4, 6)[::2, 1::2],
        "flipped": torch.arange(6.0).flip(0),
    }
    for name, dtype in DTYPES.items():
        for shape in [(0,), (2, 0), (0, 3), (0, 0, 3), (5, 0, 1000)]:
            label = "x".join(map(str, shape))
            cases[f"empty-{name}-{label}"] = torch.zeros(shape, dtype=dtype)
    cases["empty-requires-grad"] = torch.zeros(2, 0, dtype=torch.float64, requires_grad=True)
    return cases


VALUE_KINDS = {
    "normal": lambda rng, shape: rng.standard_normal(shape),
    "whole": lambda rng, shape: np.round(rng.standard_normal(shape) * 10.0 ** rng.integers(0, 13)),
    "scaled": lambda rng, shape: rng.standard_normal(shape) * 10.0 ** rng.integers(-12, 12),
    "log-uniform": lambda rng, shape: np.exp(rng.uniform(-30, 30, shape)) * rng.choice([-1, 1], shape),
    "special": lambda rng, shape: rng.choice(
        [0.0, -0.0, 1.0, NAN, INF, -INF, 2.5, 1e-5, 1e9, 1000.0, 1e-4, 1e8], shape),
    "small-ints": lambda rng, shape: rng.integers(-5, 5, shape).astype(float),
    "near-1000": lambda rng, shape: rng.uniform(-1, 1, shape) * rng.choice([1.0, 999.9, 1e3, 1e-4]),
}
SHAPES = [(), (1,), (3,), (7,), (25,), (1001,), (2, 3), (1, 12), (12, 1), (5, 17), (40, 40),
          (2, 3, 4), (2, 3, 400), (2, 1, 3, 2), (3, 4, 5, 6), (2, 0, 3)]


def _random_values(rng, shape, dtype):
    if dtype == "bool":
        return rng.random(shape) < 0.5, "random"
    if dtype in ("int64", "int32"):
        magnitude = 10 ** int(rng.integers(0, 19 if dtype == "int64" else 10))
        return rng.integers(-magnitude, magnitude, size=shape), f"1e{len(str(magnitude)) - 1}"
    kind = str(rng.choice(list(VALUE_KINDS)))
    return VALUE_KINDS[kind](rng, shape), kind


def _random_cases(count=280, seed=1234):
    rng = np.random.default_rng(seed)
    cases = {}
    for index in range(count):
        shape = SHAPES[rng.integers(len(SHAPES))]
        dtype = str(rng.choice(list(DTYPES)))
        values, kind = _random_values(rng, shape, dtype)
        t = torch.tensor(values, dtype=DTYPES[dtype])
        grad = ""
        if dtype.startswith("float") and rng.random() < 0.3:
            t.requires_grad_()
            grad = "-leaf"
            if rng.random() < 0.5:
                t, grad = t * 2, "-mul"
        label = "x".join(map(str, shape)) or "scalar"
        cases[f"random{index:03d}-{dtype}-{kind}-{label}{grad}"] = t
    return cases


CASES = {**_hand_written_cases(), **_random_cases()}


@pytest.mark.parametrize("t", CASES.values(), ids=CASES.keys())
def test_matches_torch(t):
    assert formatted(t) == expected(t)


# A small set of tensors that exercises every option.
OPTION_SAMPLES = [
    tensor(3.25), tensor([1.0, 2.0]), tensor([1.5, 2e10]), tensor([NAN, -INF, 1e-7]),
    tensor([-0.0, 1.5]), torch.arange(30.0) / 3, torch.arange(24.0).reshape(2, 3, 4) * 11,
    torch.arange(2000, dtype=torch.int32), torch.arange(1200.0).reshape(30, 40) / 9,
    tensor([[True, False, True]], "bool"), torch.zeros(2, 0), tensor([], "int64"),
    leaf([1.0, 2.0, 3.0], "float64") * 2, leaf(torch.arange(40.0).tolist()),
    torch.zeros(2, 0, 3, 4, 5, 6, 7, dtype=torch.float64, requires_grad=True),
]
OPTIONS = {
    "precision-0": {"precision": 0},
    "precision-2": {"precision": 2},
    "precision-10": {"precision": 10},
    "threshold-0": {"threshold": 0},
    "threshold-5": {"threshold": 5},
    "threshold-inf": {"threshold": math.inf},
    "edgeitems-0": {"edgeitems": 0},
    "edgeitems-0-threshold-0": {"edgeitems": 0, "threshold": 0},
    "edgeitems-0-threshold-5": {"edgeitems": 0, "threshold": 5},
    "edgeitems-1": {"edgeitems": 1},
    "edgeitems-5": {"edgeitems": 5},
    "linewidth-1": {"linewidth": 1},
    "linewidth-30": {"linewidth": 30},
    "linewidth-45": {"linewidth": 45},
    "linewidth-46": {"linewidth": 46},
    "linewidth-150": {"linewidth": 150},
    "sci-mode-true": {"sci_mode": True},
    "sci-mode-false": {"sci_mode": False},
    "sci-mode-true-precision-0": {"sci_mode": True, "precision": 0},
    "profile-short": {"profile": "short"},
    "profile-full": {"profile": "full"},
    "profile-default": {"profile": "default"},
    "profile-with-override": {"profile": "short", "precision": 6, "linewidth": 50},
}


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
def test_print_options_match_torch(options):
    set_both(**options)
    mismatches = [(expected(t), formatted(t)) for t in OPTION_SAMPLES if formatted(t) != expected(t)]
    assert not mismatches


def test_printoptions_defaults_and_profiles():
    defaults = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
    assert tensor_str.get_printoptions() == defaults
    tensor_str.set_printoptions(profile="short")
    assert tensor_str.get_printoptions() == {**defaults, "precision": 2, "edgeitems": 2}
    tensor_str.set_printoptions(profile="full")
    assert tensor_str.get_printoptions() == {**defaults, "threshold": math.inf}
    tensor_str.set_printoptions(profile="default")
    assert tensor_str.get_printoptions() == defaults


def test_printoptions_follow_torch_call_by_call():
    calls = [
        {"sci_mode": True},
        {"precision": 2},  # an omitted sci_mode goes back to auto
        {"profile": "short", "precision": 6, "linewidth": 50},
        {"precision": 3, "edgeitems": 1},  # other options are kept
        {"profile": "full"},
        {"profile": "no-such-profile"},  # ignored
    ]
    for options in calls:
        set_both(**options)
        assert tensor_str.get_printoptions() == torch._tensor_str.get_printoptions()


def test_get_printoptions_returns_a_copy():
    tensor_str.get_printoptions()["precision"] = 9
    assert tensor_str.get_printoptions()["precision"] == 4
