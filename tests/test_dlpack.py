"""DLPack both ways, zero-copy: numpy's and torch's from_dlpack read a cgrad tensor in
place, cgrad.from_dlpack reads theirs; sharing is checked by writing through one side
and reading the other. Error types and messages are torch's where torch has them."""
import gc

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from cgrad.utils import dlpack as cgrad_dlpack  # noqa: E402

DTYPES = ["float32", "float64", "int32", "int64", "bool"]


def cg(values):
    return cgrad.tensor(np.asarray(values))


# Geometries with offsets, transposes, zero strides and empty dims.
GEOMETRIES = [
    lambda lib: lib.arange(12.).reshape(3, 4),
    lambda lib: lib.arange(12.).reshape(3, 4).t(),
    lambda lib: lib.arange(12.).reshape(3, 4)[1:, ::2],
    lambda lib: lib.arange(4.).expand(3, 4),
    lambda lib: lib.arange(4.)[2],
    lambda lib: lib.zeros(0, 3),
]


@pytest.mark.parametrize("make", GEOMETRIES)
def test_numpy_reads_cgrad_geometry_as_it_reads_torch(make):
    ours, theirs = np.from_dlpack(make(cgrad)), np.from_dlpack(make(torch))
    assert (ours.shape, ours.strides, ours.dtype) == (theirs.shape, theirs.strides, theirs.dtype)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("make", GEOMETRIES)
def test_torch_reads_cgrad_geometry(make):
    ours, expected = torch.from_dlpack(make(cgrad)), make(torch)
    assert (ours.shape, ours.stride(), ours.dtype) == (expected.shape, expected.stride(), expected.dtype)
    assert torch.equal(ours, expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtypes_round_trip_through_numpy_and_torch(dtype):
    values = np.array([0, 1, 0, 1, 1]).astype(dtype)
    t = cgrad.tensor(values)
    assert np.from_dlpack(t).dtype == values.dtype
    assert torch.from_dlpack(t).dtype == getattr(torch, dtype)
    assert cgrad.from_dlpack(np.asarray(values)).dtype == getattr(cgrad, dtype)
    assert cgrad.from_dlpack(torch.tensor(values)).dtype == getattr(cgrad, dtype)
    np.testing.assert_array_equal(cgrad.from_dlpack(torch.tensor(values)).numpy(), values)


def test_numpy_and_cgrad_share_memory_both_ways():
    t = cgrad.arange(6.).reshape(2, 3)
    a = np.from_dlpack(t)
    a[0, 1] = 40.0
    t[1, 2] = 50.0
    assert t[0, 1].item() == 40.0 and a[1, 2] == 50.0
    array = np.arange(4.0)
    imported = cgrad.from_dlpack(array)
    imported.mul_(2)
    array[3] = -1.0
    assert array.tolist() == [0.0, 2.0, 4.0, -1.0]
    assert imported.tolist() == [0.0, 2.0, 4.0, -1.0]


def test_torch_and_cgrad_share_memory_both_ways():
    t = cgrad.zeros(3)
    tt = torch.from_dlpack(t)
    tt[0] = 1.0
    t[2] = 3.0
    assert t.tolist() == [1.0, 0.0, 3.0] and tt.tolist() == [1.0, 0.0, 3.0]
    x = torch.arange(5.0)[1:]
    y = cgrad.from_dlpack(x)
    y.add_(1)
    x[0] = -7.0
    assert x.tolist() == [-7.0, 3.0, 4.0, 5.0] and y.tolist() == x.tolist()


def test_imported_tensor_has_its_own_version_counter_as_torch():
    for lib in (torch, cgrad):
        x = lib.zeros(3)
        y = lib.from_dlpack(x)
        x.add_(1)
        y.mul_(2)
        y.mul_(2)
        assert (x._version, y._version) == (1, 2), lib.__name__


def test_memory_outlives_the_producer_and_is_released_with_the_consumer():
    t = cgrad.arange(5.)
    a = np.from_dlpack(t)
    live = cgrad._C._live_objects()
    del t
    gc.collect()
    assert a.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]  # still owned through the capsule
    del a
    gc.collect()
    assert cgrad._C._live_objects() < live


def test_unused_capsules_release_their_tensor():
    live = cgrad._C._live_objects()
    for _ in range(100):
        cgrad.arange(3.).__dlpack__()
        cgrad.arange(3.).__dlpack__(max_version=(1, 0))
    gc.collect()
    assert cgrad._C._live_objects() <= live


def test_capsules_are_legacy_unless_version_one_is_asked_for():
    for lib in (torch, cgrad):
        t = lib.arange(3.)
        assert "dltensor\"" in repr(t.__dlpack__()), lib.__name__
        assert "dltensor_versioned" in repr(t.__dlpack__(max_version=(1, 0))), lib.__name__
        assert "dltensor\"" in repr(lib.utils.dlpack.to_dlpack(t)), lib.__name__


def test_a_capsule_is_consumed_once():
    for lib in (torch, cgrad):
        capsule = lib.utils.dlpack.to_dlpack(lib.arange(3.))
        assert lib.from_dlpack(capsule).tolist() == [0.0, 1.0, 2.0]
        with pytest.raises(RuntimeError, match="can be consumed only once"):
            lib.from_dlpack(capsule)


def test_cgrad_reads_torch_capsules_and_torch_reads_ours():
    t = cgrad.from_dlpack(torch.utils.dlpack.to_dlpack(torch.arange(3.)))
    assert t.tolist() == [0.0, 1.0, 2.0]
    assert torch.from_dlpack(cgrad_dlpack.to_dlpack(t)).tolist() == [0.0, 1.0, 2.0]


def test_copy_true_copies_and_copy_false_shares():
    for lib, source in ((cgrad, np.arange(3.0)), (torch, np.arange(3.0))):
        copied = lib.from_dlpack(source, copy=True)
        copied.zero_()
        shared = lib.from_dlpack(source, copy=False)
        shared[0] = 5.0
        assert source.tolist() == [5.0, 1.0, 2.0], lib.__name__
    t = cgrad.ones(2)
    np.from_dlpack(t, copy=True)[0] = 0.0
    assert t.tolist() == [1.0, 1.0]


def test_device_argument_takes_the_cpu_only():
    assert cgrad.from_dlpack(np.arange(2.0), device="cpu").tolist() == [0.0, 1.0]
    with pytest.raises(AssertionError):
        cgrad.from_dlpack(np.arange(2.0), device="cuda")
    with pytest.raises(BufferError, match="CPU"):
        cgrad.arange(2.).__dlpack__(dl_device=(2, 0))


def test_dlpack_device_is_torchs():
    ours, theirs = cgrad.arange(2.).__dlpack_device__(), torch.arange(2.).__dlpack_device__()
    assert ours == theirs and type(ours[0]).__name__ == type(theirs[0]).__name__ == "DLDeviceType"


@pytest.mark.parametrize("call", [
    lambda lib: lib.zeros(2, requires_grad=True).__dlpack__(),
    lambda lib: lib.zeros(2).__dlpack__(stream="0"),
    lambda lib: lib.zeros(2).__dlpack__(stream=5),
    lambda lib: lib.from_dlpack(3),
    lambda lib: lib.from_dlpack(lib.utils.dlpack.to_dlpack(lib.zeros(1)), copy=True),
])
def test_errors_as_torch(call):
    errors = []
    for lib in (torch, cgrad):
        with pytest.raises(Exception) as info:
            call(lib)
        errors.append((type(info.value), str(info.value)))
    assert errors[0] == errors[1]


def test_unsupported_foreign_tensors_raise_clear_errors():
    with pytest.raises(TypeError, match="no dtype for DLPack's uint16"):
        cgrad.from_dlpack(np.arange(3, dtype=np.uint16))
    with pytest.raises(ValueError, match="negative strides"):
        cgrad.from_dlpack(np.arange(5.0)[::-1])
    # The refused capsule still owns its memory: a second consumer may take it.
    capsule = np.arange(3, dtype=np.uint16).__dlpack__()
    with pytest.raises(TypeError):
        cgrad.from_dlpack(capsule)
    assert torch.from_dlpack(capsule).tolist() == [0, 1, 2]


def test_exported_tensors_keep_autograd_out():
    x = cgrad.ones(2, requires_grad=True)
    a = np.from_dlpack(x.detach())
    a[0] = 3.0
    assert x.tolist() == [3.0, 1.0]
