"""finfo/iinfo, promote_types/result_type/can_cast, is_floating_point/numel and the version
objects against torch, one line per case, errors included."""
import itertools
import operator
import tomllib
from pathlib import Path

import numpy as np
import pytest

from error_parity import check_error, error_case

torch = pytest.importorskip("torch")
from torch.torch_version import TorchVersion  # noqa: E402

import cgrad  # noqa: E402
from cgrad.torch_version import TorchVersion as CgradVersion  # noqa: E402

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
          "float64"]
FLOATS = ["float16", "bfloat16", "float32", "float64"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]


def name(dtype):
    return str(dtype).split(".")[-1]


# ---- finfo / iinfo ----

@pytest.mark.parametrize("dtype", FLOATS + ["py_float", "default"])
def test_finfo(dtype):
    arg = {"py_float": lambda L: (float,), "default": lambda L: ()}.get(dtype, lambda L: (getattr(L, dtype),))
    c, t = cgrad.finfo(*arg(cgrad)), torch.finfo(*arg(torch))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(c, attr) == getattr(t, attr), attr
        assert type(getattr(c, attr)) is type(getattr(t, attr)), attr
    assert repr(c) == repr(t) and str(c) == str(t)


def test_finfo_follows_the_default_dtype():
    cgrad.set_default_dtype(cgrad.float64)
    try:
        assert cgrad.finfo().dtype == "float64"
    finally:
        cgrad.set_default_dtype(cgrad.float32)


@pytest.mark.parametrize("dtype", INTS + ["py_int"])
def test_iinfo(dtype):
    arg = (lambda L: int) if dtype == "py_int" else (lambda L: getattr(L, dtype))
    c, t = cgrad.iinfo(arg(cgrad)), torch.iinfo(arg(torch))
    for attr in ("bits", "max", "min", "dtype"):
        assert getattr(c, attr) == getattr(t, attr) and type(getattr(c, attr)) is type(getattr(t, attr)), attr
    assert repr(c) == repr(t)


def test_info_equality_and_hashing_as_torch():
    assert (cgrad.finfo(cgrad.float32) == cgrad.finfo(cgrad.float32)) == (torch.finfo(torch.float32) == torch.finfo(torch.float32))
    assert (cgrad.finfo(cgrad.float32) == cgrad.finfo(cgrad.float64)) == (torch.finfo(torch.float32) == torch.finfo(torch.float64))
    assert (cgrad.iinfo(cgrad.int32) != cgrad.iinfo(cgrad.int64)) == (torch.iinfo(torch.int32) != torch.iinfo(torch.int64))
    assert (cgrad.finfo(cgrad.float32) == 1) == (torch.finfo(torch.float32) == 1)
    for lib in (torch, cgrad):
        with pytest.raises(TypeError):
            hash(lib.finfo(lib.float32))
        with pytest.raises(AttributeError):
            lib.finfo(lib.float32).eps = 1.0


INFO_ERRORS = [
    error_case("finfo_int", lambda L: L.finfo(L.int32), r"finfo\(\) requires a floating point input type"),
    error_case("finfo_bool", lambda L: L.finfo(L.bool), r"finfo\(\) requires a floating point input type"),
    error_case("finfo_py_bool", lambda L: L.finfo(bool), r"finfo\(\) requires a floating point input type"),
    error_case("finfo_str", lambda L: L.finfo("float32"), r"finfo\(\): argument 'type' \(position 1\) must be \w+\.dtype, not str"),
    error_case("finfo_two_args", lambda L: L.finfo(L.float32, 2), r"finfo\(\) received an invalid combination of arguments"),
    error_case("iinfo_float", lambda L: L.iinfo(L.float32), r"iinfo\(\) requires an integer input type"),
    error_case("iinfo_py_float", lambda L: L.iinfo(float), r"iinfo\(\) requires an integer input type"),
    error_case("iinfo_bool", lambda L: L.iinfo(L.bool), r"\w+\.bool is not supported by \w+\.iinfo"),
    error_case("iinfo_none", lambda L: L.iinfo(None), r"iinfo\(\): argument 'type' \(position 1\) must be \w+\.dtype, not NoneType"),
    error_case("iinfo_missing", lambda L: L.iinfo(), r"missing 1 required positional argument"),
]


@pytest.mark.parametrize("fn, match", INFO_ERRORS)
def test_info_errors(fn, match):
    check_error(fn, match)


# ---- promote_types / can_cast / result_type ----

@pytest.mark.parametrize("a, b", list(itertools.product(DTYPES, DTYPES)))
def test_promote_types_and_can_cast(a, b):
    assert name(cgrad.promote_types(getattr(cgrad, a), getattr(cgrad, b))) == name(torch.promote_types(getattr(torch, a), getattr(torch, b)))
    assert cgrad.can_cast(getattr(cgrad, a), getattr(cgrad, b)) == torch.can_cast(getattr(torch, a), getattr(torch, b))


def test_python_types_stand_for_dtypes():
    assert name(cgrad.promote_types(float, cgrad.int32)) == name(torch.promote_types(float, torch.int32))
    assert name(cgrad.promote_types(type1=int, type2=bool)) == name(torch.promote_types(type1=int, type2=bool))
    assert cgrad.can_cast(float, cgrad.int32) == torch.can_cast(float, torch.int32)
    assert cgrad.can_cast(from_=cgrad.int32, to=cgrad.int64) == torch.can_cast(from_=torch.int32, to=torch.int64)
    assert cgrad.promote_types(cgrad.float32, cgrad.float32) is cgrad.float32


def operand(lib, spec):
    """'i32[2]' a tensor with dims, 'f64[]' a 0-d tensor; anything else a Python number."""
    if not isinstance(spec, str):
        return spec
    kind, dims = spec.split("[")
    dtype = {"b": "bool", "u8": "uint8", "i8": "int8", "i16": "int16", "i32": "int32",
             "i64": "int64", "f16": "float16", "bf16": "bfloat16", "f32": "float32",
             "f64": "float64"}[kind]
    shape = (2,) if dims == "2]" else ()
    return lib.zeros(shape, dtype=getattr(lib, dtype))


OPERANDS = ["b[2]", "u8[2]", "i8[2]", "i16[2]", "i32[2]", "i64[2]", "f16[2]", "bf16[2]", "f32[2]",
            "f64[2]", "b[]", "u8[]", "i8[]", "i32[]", "i64[]", "f16[]", "bf16[]", "f32[]", "f64[]",
            True, 3, 2.5]


@pytest.mark.parametrize("a, b", list(itertools.product(OPERANDS, OPERANDS)), ids=str)
def test_result_type(a, b):
    assert name(cgrad.result_type(operand(cgrad, a), operand(cgrad, b))) == \
        name(torch.result_type(operand(torch, a), operand(torch, b)))


def test_result_type_uses_the_default_dtype_and_numpy_scalars():
    assert name(cgrad.result_type(cgrad.ones(2, dtype=cgrad.int32), np.float64(1.0))) == name(torch.result_type(torch.ones(2, dtype=torch.int32), np.float64(1.0)))
    assert name(cgrad.result_type(tensor=cgrad.ones(1), other=2)) == name(torch.result_type(tensor=torch.ones(1), other=2))
    cgrad.set_default_dtype(cgrad.float64)
    torch.set_default_dtype(torch.float64)
    try:
        assert name(cgrad.result_type(1, 2.0)) == name(torch.result_type(1, 2.0)) == "float64"
    finally:
        cgrad.set_default_dtype(cgrad.float32)
        torch.set_default_dtype(torch.float32)


PROMOTION_ERRORS = [
    error_case("promote_int", lambda L: L.promote_types(1, L.float32), r"promote_types\(\): argument 'type1' \(position 1\) must be \w+\.dtype, not int"),
    error_case("promote_missing", lambda L: L.promote_types(L.float32)),
    error_case("can_cast_str", lambda L: L.can_cast(L.int32, "a"), r"can_cast\(\): argument 'to' \(position 2\) must be \w+\.dtype, not str"),
    error_case("can_cast_missing", lambda L: L.can_cast(L.int32)),
    error_case("result_type_str", lambda L: L.result_type("a", 1), r"^result_type\(\) received an invalid combination of arguments - got \(str, int\)"),
    error_case("result_type_list", lambda L: L.result_type(L.ones(1), [1]), r"^result_type\(\) received an invalid combination of arguments - got \(Tensor, list\)"),
    error_case("result_type_array", lambda L: L.result_type(L.ones(1), np.ones(2)), r"^result_type\(\) received an invalid combination of arguments"),
    error_case("result_type_none", lambda L: L.result_type(None, 1), r"^result_type\(\) received an invalid combination of arguments - got \(NoneType, int\)"),
    error_case("result_type_three", lambda L: L.result_type(L.ones(1), L.ones(1), L.ones(1)), None),
]


@pytest.mark.parametrize("fn, match", PROMOTION_ERRORS)
def test_promotion_errors(fn, match):
    check_error(fn, match)


# ---- is_floating_point / numel / is_tensor ----

@pytest.mark.parametrize("dtype", DTYPES)
def test_tensor_queries(dtype):
    c, t = cgrad.zeros(2, 3, dtype=getattr(cgrad, dtype)), torch.zeros(2, 3, dtype=getattr(torch, dtype))
    assert cgrad.is_floating_point(c) == torch.is_floating_point(t)
    assert cgrad.numel(c) == torch.numel(t)
    assert cgrad.numel(input=c[:, :0]) == torch.numel(input=t[:, :0])
    assert cgrad.is_tensor(c) == torch.is_tensor(t)
    assert cgrad.is_tensor([1]) == torch.is_tensor([1])
    assert cgrad.is_tensor(cgrad.nn.Parameter(cgrad.ones(1))) == torch.is_tensor(torch.nn.Parameter(torch.ones(1)))


QUERY_ERRORS = [
    error_case("is_floating_point_float", lambda L: L.is_floating_point(1.0)),
    error_case("numel_list", lambda L: L.numel([1])),
    error_case("is_tensor_keyword", lambda L: L.is_tensor(obj=L.ones(1)), r"^is_tensor\(\)"),
    error_case("is_tensor_missing", lambda L: L.is_tensor(), r"missing 1 required positional argument"),
]


@pytest.mark.parametrize("fn, match", QUERY_ERRORS)
def test_query_errors(fn, match):
    check_error(fn, match)


# ---- __version__ and cgrad.version ----

def test_version_objects():
    assert type(cgrad.__version__).__mro__[1:] == type(torch.__version__).__mro__[1:]
    assert cgrad.__version__ is cgrad.version.__version__
    assert sorted(cgrad.version.__all__) == sorted(torch.version.__all__)
    assert (cgrad.version.cuda, cgrad.version.hip, cgrad.version.debug) == (None, None, False)
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert cgrad.__version__ == pyproject["project"]["version"]


VERSIONS = ["2.13.0+cpu", "2.13.0", "2.13", "2.13.1", "2.0.0rc1", "2.0.0.dev1", "2.0.0a1", "2.0.0b2",
            "2.0.0.post1", "2.0", "1!0.1", "0.1.0", "1.10", "1.9.1", "2.0.0+cu118", "2.0.0+cpu.1",
            "abc", "2.0.0-1", "1.0rc1.dev2"]
OTHERS = VERSIONS + [(2, 13), (2, 13, 0), (1, 9)]


def outcome(op, a, b):
    try:
        return op(a, b)
    except TypeError:
        return TypeError


@pytest.mark.parametrize("a", VERSIONS)
def test_version_ordering(a):
    for b in OTHERS:
        mine, theirs = CgradVersion(a), TorchVersion(a)
        for op in (operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne):
            assert outcome(op, mine, b) == outcome(op, theirs, b), (a, op, b)
    assert (CgradVersion(a) == {"a": 1}) == (TorchVersion(a) == {"a": 1})
    with pytest.raises(TypeError):
        CgradVersion(a) < 5
    assert hash(CgradVersion(a)) == hash(a)
