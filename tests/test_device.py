"""Devices as torch's CPU build has them (Note [One device] in python/cgrad/_device.py)."""
import pickle

import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402

DEVICE_ARGS = [("cpu",), ("cpu:0",), ("cpu:3",), ("cpu", 1), ("cuda",), ("cuda:1",),
               ("meta",), ("mps", 0)]


@pytest.mark.parametrize("args", DEVICE_ARGS, ids=str)
def test_device_prints_and_compares_as_torch(args):
    ours, theirs = cgrad.device(*args), torch.device(*args)
    assert (repr(ours), str(ours), ours.type, ours.index) == (
        repr(theirs), str(theirs), theirs.type, theirs.index)
    assert ours == cgrad.device(str(ours)) and hash(ours) == hash(cgrad.device(str(ours)))
    assert (ours == cgrad.device("cpu")) == (theirs == torch.device("cpu"))
    assert pickle.loads(pickle.dumps(ours)) == ours


@pytest.mark.parametrize("fn,match", [
    error_case("unknown type", lambda L: L.device("foo")),
    error_case("unknown type with index", lambda L: L.device("foo:1")),
    error_case("bad index", lambda L: L.device("cpu:x")),
    error_case("leading zero", lambda L: L.device("cpu:01")),
    error_case("negative in string", lambda L: L.device("cpu:-1")),
    error_case("two indices", lambda L: L.device("cuda:0:1")),
    error_case("empty", lambda L: L.device("")),
    error_case("digit in type", lambda L: L.device("meta2")),
    error_case("negative index", lambda L: L.device("cpu", -1)),
    error_case("index twice", lambda L: L.device("cpu:0", 1)),
    error_case("bool index", lambda L: L.device("cpu", True)),
    error_case("int alone", lambda L: L.device(3)),
    error_case("None", lambda L: L.device(None), None),
    # No CUDA here: torch's CPU build raises AssertionError, with its own wording.
    error_case("factory on cuda", lambda L: L.ones(2, device="cuda"), "CUDA"),
    error_case("factory on cuda device", lambda L: L.zeros(2, device=L.device("cuda:0")),
               "CUDA"),
    error_case("tensor() on cuda", lambda L: L.tensor([1.0], device="cuda"), "CUDA"),
    error_case(".cuda()", lambda L: L.ones(2).cuda(), "CUDA"),
    error_case(".to('cuda')", lambda L: L.ones(2).to("cuda"), "CUDA"),
    error_case(".to(device=cuda)", lambda L: L.ones(2).to(device=L.device("cuda")), "CUDA"),
    error_case("factory on a bad name", lambda L: L.ones(2, device="meta2")),
])
def test_device_errors_match_torch(fn, match):
    check_error(fn, match)


def test_tutorial_device_idiom_runs():
    device = "cuda" if cgrad.cuda.is_available() else "cpu"
    x = cgrad.ones(2, 3, device=device, requires_grad=True)
    y = (x.to(device) * 2).sum()
    y.backward()
    assert x.grad.tolist() == [[2.0] * 3] * 2
    assert cgrad.cuda.device_count() == torch.cuda.device_count() == 0


@pytest.mark.parametrize("make", [
    lambda L, t: t.device, lambda L, t: t.to("cpu").device, lambda L, t: t.cpu().device,
    lambda L, t: L.zeros(1, device=L.device("cpu", 2)).device,
    lambda L, t: L.get_default_device(),
], ids=["device", "to", "cpu", "indexed factory", "default"])
def test_tensors_live_on_the_cpu(make):
    assert repr(make(cgrad, cgrad.ones(2))) == repr(make(torch, torch.ones(2)))


def test_to_takes_a_device_object_then_a_dtype():
    x = cgrad.ones(2, dtype=cgrad.int64)
    y = x.to(cgrad.device("cpu"), cgrad.float64)
    assert y.dtype == cgrad.float64 and y.tolist() == [1.0, 1.0]
    assert x.to(cgrad.device("cpu")) is x
    assert x.cpu() is x and (x.is_cuda, x.is_cpu) == (False, True)


def test_set_default_device_accepts_only_the_cpu():
    cgrad.set_default_device("cpu")
    cgrad.set_default_device(None)
    with pytest.raises(AssertionError):
        cgrad.set_default_device("cuda")
