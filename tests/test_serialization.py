"""cgrad.save / cgrad.load in torch's checkpoint format, round trips both ways against
torch live (torch.load(..., weights_only=True) reads what cgrad wrote, and back)."""
import collections
import io
import pickle

import numpy as np
import pytest

import cgrad

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "int64", "int32", "bool"]


def sample(lib):
    base = lib.arange(12, dtype=lib.float64).reshape(3, 4)
    return collections.OrderedDict(
        weight=lib.tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)),
        base=base,
        row=base[1],                     # a view: shares base's storage
        column=base[:, 2],               # a strided view
        transposed=base.t(),
        longs=lib.tensor([1, -2, 3]),
        ints=lib.tensor([4, 5], dtype=lib.int32),
        mask=lib.tensor([True, False]),
        scalar=lib.tensor(2.5),
        grad_leaf=lib.ones(2, requires_grad=True),
        meta={"epoch": 3, "name": "run", "lrs": [0.1, 0.01], "pair": (1, 2.0), "none": None},
    )


def describe(obj):
    """A library-independent picture: values, dtypes, shapes, strides, offsets, flags."""
    if hasattr(obj, "stride") and hasattr(obj, "dtype"):
        return ("tensor", str(obj.dtype).split(".")[-1], tuple(obj.shape), tuple(obj.stride()),
                obj.storage_offset(), obj.requires_grad, obj.detach().numpy().tolist())
    if isinstance(obj, dict):
        return (type(obj).__name__, [(k, describe(v)) for k, v in obj.items()])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [describe(v) for v in obj])
    return obj


def test_cgrad_save_loads_in_torch(tmp_path):
    path = tmp_path / "ckpt.pt"
    cgrad.save(sample(cgrad), path)
    loaded = torch.load(path, weights_only=True)
    assert describe(loaded) == describe(sample(torch))
    # Views still share the storage of their base.
    loaded["base"][1, 2] = 100.0
    assert loaded["row"][2].item() == 100.0 and loaded["transposed"][2, 1].item() == 100.0


def test_torch_save_loads_in_cgrad(tmp_path):
    path = tmp_path / "ckpt.pt"
    torch.save(sample(torch), path)
    loaded = cgrad.load(path)
    assert describe(loaded) == describe(sample(cgrad))
    loaded["base"][1, 2] = 100.0
    assert loaded["row"][2].item() == 100.0 and loaded["column"][1].item() == 100.0


@pytest.mark.parametrize("dtype", DTYPES)
def test_each_dtype_round_trips_through_file_objects(dtype):
    values = np.array([[0, 1, 2], [3, 4, 5]]).astype(dtype)
    for saver, loader in [(cgrad, torch), (torch, cgrad)]:
        buffer = io.BytesIO()
        saver.save(saver.tensor(values), buffer)
        buffer.seek(0)
        kwargs = {"weights_only": True} if loader is torch else {}
        out = loader.load(buffer, **kwargs)
        assert str(out.dtype).split(".")[-1] == dtype
        np.testing.assert_array_equal(out.numpy(), values)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "uint8", "int8", "int16"])
def test_small_dtypes_round_trip_bit_for_bit(dtype):
    # bfloat16 has no numpy dtype: its bits are read as the upper half of its exact float32
    # value. Both ways, the loaded bits are the saved ones and a view shares its base.
    values = [1.5, -2.25, 3e38, float("inf"), 1e-40, -0.0, float("nan"), 7.0]
    if dtype in ("uint8", "int8", "int16"):
        values = [0, 1, 2, 3, 4, 5, 6, 7]

    def bits(t):
        t = t.detach()
        if str(t.dtype).endswith("bfloat16"):
            return (t.float().numpy().view(np.uint32) >> 16).tolist()
        return t.numpy().tobytes()

    for saver, loader in [(cgrad, torch), (torch, cgrad)]:
        buffer = io.BytesIO()
        x = saver.tensor(values).to(getattr(saver, dtype))
        saver.save({"x": x, "tail": x[2:]}, buffer)
        buffer.seek(0)
        out = loader.load(buffer, **({"weights_only": True} if loader is torch else {}))
        assert str(out["x"].dtype).split(".")[-1] == dtype
        assert bits(out["x"]) == bits(x)
        out["x"][3] = 1
        assert out["tail"][1].item() == 1


def test_optimizer_state_dict_round_trip(tmp_path):
    # A torch optimizer's checkpoint resumes in cgrad, as training scripts do.
    p = torch.randn(3, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.01)
    p.grad = torch.ones(3)
    opt.step()
    torch.save({"model": {"p": p.detach()}, "optim": opt.state_dict()}, tmp_path / "c.pt")
    loaded = cgrad.load(tmp_path / "c.pt")
    q = loaded["model"]["p"].clone().requires_grad_()
    copt = cgrad.optim.Adam([q], lr=0.01)
    copt.load_state_dict(loaded["optim"])
    assert copt.state_dict()["param_groups"] == opt.state_dict()["param_groups"]
    assert copt.state[q]["step"].item() == 1.0


def test_plain_pickles_and_foreign_globals_are_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "evil.pt"
    torch.save({"x": Evil()}, path)
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global: GLOBAL builtins.print"):
        cgrad.load(path)
    legacy = tmp_path / "legacy.pt"
    with open(legacy, "wb") as f:
        pickle.dump({"a": 1}, f)
    with pytest.raises(RuntimeError, match="not a zip checkpoint"):
        cgrad.load(legacy)


def test_size_and_dtype_objects_round_trip(tmp_path):
    cgrad.save({"shape": cgrad.Size([2, 3]), "dtype": cgrad.float64}, tmp_path / "s.pt")
    loaded = torch.load(tmp_path / "s.pt", weights_only=True)
    assert loaded == {"shape": torch.Size([2, 3]), "dtype": torch.float64}
    torch.save(loaded, tmp_path / "t.pt")
    back = cgrad.load(tmp_path / "t.pt")
    assert back == {"shape": cgrad.Size([2, 3]), "dtype": cgrad.float64}
    assert type(back["shape"]) is cgrad.Size


def test_parameters_round_trip_as_parameters():
    for saver, loader in [(cgrad, torch), (torch, cgrad)]:
        p = saver.nn.Parameter(saver.ones(2, 3))
        buffer = io.BytesIO()
        saver.save({"p": p, "again": [p]}, buffer)
        buffer.seek(0)
        out = loader.load(buffer, weights_only=True)
        assert type(out["p"]) is loader.nn.Parameter and out["p"].requires_grad
        assert out["again"][0] is out["p"]
