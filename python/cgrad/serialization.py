"""cgrad.save / cgrad.load in torch's own checkpoint format, without importing torch.

The format (torch >= 1.6): a zip archive of one top-level folder holding `data.pkl`, a
protocol-2 pickle of the object, and `data/<key>`, the raw little-endian bytes of each
storage. A tensor pickles as `torch._utils._rebuild_tensor_v2(storage, offset, size,
stride, requires_grad, OrderedDict())`, its storage as the persistent id
`('storage', torch.FloatStorage, '<key>', 'cpu', numel)`.

Note [Restricted unpickling]: load never runs code named by the file. Its unpickler
resolves only an allow-list of globals (containers, the tensor rebuild functions, the
storage types, dtypes and torch.Size) and refuses everything else with
pickle.UnpicklingError, whatever weights_only says; cgrad has no use for arbitrary
objects in a checkpoint, and this is what torch's weights_only=True guarantees.

Note [Writing torch's globals]: the pickle must name `torch._utils._rebuild_tensor_v2`
and `torch.FloatStorage`, which cgrad cannot import. The standard picklers check that a
global resolves before writing it, so save uses the pure-Python pickler with a dispatch
entry that writes such names (_TorchGlobal) as GLOBAL opcodes directly.
"""
import collections
import io
import os
import pickle
import struct
import zipfile

import numpy as np

import cgrad
from . import _C

_STORAGE_DTYPES = {
    "FloatStorage": "float32",
    "DoubleStorage": "float64",
    "LongStorage": "int64",
    "IntStorage": "int32",
    "BoolStorage": "bool",
    "HalfStorage": "float16",
    "ByteStorage": "uint8",
    "CharStorage": "int8",
    "ShortStorage": "int16",
    "BFloat16Storage": "bfloat16",
}
_DTYPE_STORAGES = {dtype: name for name, dtype in _STORAGE_DTYPES.items()}
# numpy, which writes and reads the bytes, has no bfloat16: its bytes go through float32,
# whose upper half a bfloat16 is exactly (_storage_bytes, _storage_from_bytes).
_DTYPE_NAMES = ("float32", "float64", "int64", "int32", "bool", "float16", "bfloat16", "uint8",
                "int8", "int16")
_ALIGNMENT = 64


class _TorchGlobal:
    """A torch name to write as a GLOBAL opcode (Note [Writing torch's globals])."""

    __slots__ = ("module", "name")

    def __init__(self, module, name):
        self.module = module
        self.name = name

    def __call__(self, *args):  # the pickler wants a callable; never called
        raise RuntimeError(f"{self.module}.{self.name} is only a name in a checkpoint")


_REBUILD_TENSOR = _TorchGlobal("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _TorchGlobal("torch._utils", "_rebuild_parameter")
_TORCH_SIZE = _TorchGlobal("torch", "Size")
_STORAGE_GLOBALS = {dtype: _TorchGlobal("torch", name) for dtype, name in _DTYPE_STORAGES.items()}
_DTYPE_GLOBALS = {name: _TorchGlobal("torch", name) for name in _DTYPE_NAMES}


def _dtype_name(t):
    return repr(t.dtype).split(".")[-1]


def _storage_bytes(flat):
    if _dtype_name(flat) == "bfloat16":
        return (flat.float().numpy().view(np.uint32) >> 16).astype("<u2").tobytes()
    return flat.numpy().tobytes()


def _storage_from_bytes(data, dtype, numel):
    if dtype == "bfloat16":
        bits = np.frombuffer(data, dtype="<u2")[:numel].astype(np.uint32) << 16
        return _C.from_numpy(bits.view(np.float32)).to(cgrad.bfloat16)
    return _C.from_numpy(np.frombuffer(data, dtype=np.dtype(dtype))[:numel].copy())


class _StorageRef:
    __slots__ = ("key", "flat")

    def __init__(self, key, flat):
        self.key = key
        self.flat = flat


def _parameter_class():
    nn = getattr(cgrad, "nn", None)
    return getattr(nn, "Parameter", None)


class _TorchPickler(pickle._Pickler):
    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file):
        super().__init__(file, protocol=2)
        self.storages = {}  # storage key in cgrad -> _StorageRef, in first-seen order

    def _save_torch_global(self, ref):
        self.write(pickle.GLOBAL + f"{ref.module}\n{ref.name}\n".encode("utf-8"))
        self.memoize(ref)

    dispatch[_TorchGlobal] = _save_torch_global

    def persistent_id(self, obj):
        if isinstance(obj, _StorageRef):
            return ("storage", _STORAGE_GLOBALS[_dtype_name(obj.flat)], obj.key, "cpu",
                    obj.flat.numel())
        return None

    def _storage_of(self, t):
        identity = _C._storage_key(t)
        ref = self.storages.get(identity)
        if ref is None:
            ref = _StorageRef(str(len(self.storages)), _C._storage_flat(t))
            self.storages[identity] = ref
        return ref

    def reducer_override(self, obj):
        if isinstance(obj, cgrad.Tensor):
            if _dtype_name(obj) not in _DTYPE_STORAGES:
                raise RuntimeError(f"cgrad.save: unsupported dtype {obj.dtype}")
            layout = (self._storage_of(obj), obj.storage_offset(), tuple(obj.shape),
                      tuple(obj.stride()))
            parameter = _parameter_class()
            if parameter is not None and isinstance(obj, parameter):
                data = (_REBUILD_TENSOR, (*layout, False, collections.OrderedDict()))
                return _REBUILD_PARAMETER, (_Reduced(data), obj.requires_grad,
                                            collections.OrderedDict())
            return _REBUILD_TENSOR, (*layout, obj.requires_grad, collections.OrderedDict())
        if isinstance(obj, _Reduced):
            return obj.reduced
        if isinstance(obj, cgrad.Size):
            return _TORCH_SIZE, (tuple(obj),)
        return NotImplemented

    def _save_dtype(self, obj):
        self.save(_DTYPE_GLOBALS[repr(obj).split(".")[-1]])

    dispatch[type(cgrad.float32)] = _save_dtype


class _Reduced:
    """An already-reduced value (a rebuild call) nested inside another reduction."""

    __slots__ = ("reduced",)

    def __init__(self, reduced):
        self.reduced = reduced


def _archive_name(f):
    if isinstance(f, (str, os.PathLike)):
        return os.path.splitext(os.path.basename(os.fspath(f)))[0] or "archive"
    return "archive"


def _write_record(zf, name, data):
    # Pad the local header's extra field so each record's bytes start 64-byte aligned,
    # as torch's writer does (it lets readers map storages in place).
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    offset = zf.fp.tell() + 30 + len(name.encode("utf-8")) + 4
    pad = (-offset) % _ALIGNMENT
    info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
    zf.writestr(info, data)


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Saves obj (tensors, numbers, strings, dicts, lists, tuples, OrderedDicts) in torch's
    zip format; tensors sharing a storage stay shared when loaded."""
    buffer = io.BytesIO()
    pickler = _TorchPickler(buffer)
    pickler.dump(obj)
    prefix = _archive_name(f)
    own_file = isinstance(f, (str, os.PathLike))
    stream = open(f, "wb") if own_file else f
    try:
        with zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED) as zf:
            _write_record(zf, f"{prefix}/data.pkl", buffer.getvalue())
            _write_record(zf, f"{prefix}/.format_version", b"1")
            _write_record(zf, f"{prefix}/.storage_alignment", str(_ALIGNMENT).encode())
            _write_record(zf, f"{prefix}/byteorder", b"little")
            for ref in pickler.storages.values():
                _write_record(zf, f"{prefix}/data/{ref.key}", _storage_bytes(ref.flat))
            _write_record(zf, f"{prefix}/version", b"3\n")
            _write_record(zf, f"{prefix}/.data/serialization_id",
                          str(int.from_bytes(os.urandom(16), "little")).zfill(40).encode())
    finally:
        if own_file:
            stream.close()


# ------------------------------------------------------------------------------- load

def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    t = _C._tensor_over(storage, list(size), list(stride), storage_offset)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks=None):
    parameter = _parameter_class()
    if parameter is not None:
        return parameter(data, requires_grad)
    return data.requires_grad_(requires_grad)


def _allowed_globals():
    allowed = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("torch", "Size"): cgrad.Size,
    }
    for name in _DTYPE_NAMES:
        allowed[("torch", name)] = getattr(cgrad, name)
    for name, dtype in _STORAGE_DTYPES.items():
        allowed[("torch", name)] = dtype
    return allowed


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file, read_record):
        super().__init__(file)
        self._read_record = read_record
        self._storages = {}
        self._allowed = _allowed_globals()

    def find_class(self, module, name):
        found = self._allowed.get((module, name))
        if found is None:
            module = "builtins" if module == "__builtin__" else module  # protocol 2 spelling
            raise pickle.UnpicklingError(
                "Weights only load failed. cgrad.load only loads tensors, numbers, strings "
                "and containers of them (it never runs code from a checkpoint).\n"
                f"Unsupported global: GLOBAL {module}.{name}")
        return found

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or len(pid) != 5 or pid[0] != "storage":
            raise pickle.UnpicklingError(f"Unsupported persistent id: {pid!r}")
        _, dtype, key, _location, numel = pid
        if dtype not in _DTYPE_NAMES:
            raise RuntimeError(f"cgrad.load: unsupported storage type {dtype!r}")
        flat = self._storages.get(key)
        if flat is None:
            flat = _storage_from_bytes(self._read_record(f"data/{key}"), dtype, numel)
            self._storages[key] = flat
        return flat


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None,
         **pickle_load_args):
    """Loads what cgrad.save or torch.save wrote (Note [Restricted unpickling])."""
    own_file = isinstance(f, (str, os.PathLike))
    stream = open(f, "rb") if own_file else f
    try:
        if not zipfile.is_zipfile(stream):
            raise RuntimeError("cgrad.load: not a zip checkpoint (files saved with "
                               "_use_new_zipfile_serialization=False are not supported)")
        stream.seek(0)
        with zipfile.ZipFile(stream) as zf:
            names = zf.namelist()
            pickles = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
            if not pickles:
                raise RuntimeError("cgrad.load: the archive has no data.pkl")
            prefix = pickles[0][: -len("data.pkl")]
            unpickler = _RestrictedUnpickler(io.BytesIO(zf.read(pickles[0])),
                                             lambda name: zf.read(prefix + name))
            return unpickler.load()
    finally:
        if own_file:
            stream.close()
