"""Devices, torch's way, for a library that runs on the CPU.

Note [One device]: code written for torch names devices everywhere (`device = 'cuda' if
torch.cuda.is_available() else 'cpu'`, `x.to(device)`, `device=` on factories). cgrad
parses device names exactly as torch does, so any name torch accepts builds a
`cgrad.device`, and every place that takes a device passes 'cpu' (any index, as torch's
CPU does) and raises torch's error for the rest: AssertionError for CUDA ("not compiled
with CUDA enabled"), RuntimeError for other accelerators. Tensors always report
`device(type='cpu')`.
"""
import re

from . import _C

# The device types torch's parser knows, in the order its error message lists them.
_KNOWN_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip",
                "ve", "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                "privateuseone")


# A name, then optionally ':' and an index without leading zeros.
_DEVICE_STRING = re.compile(r"([a-zA-Z_]+)(?::([1-9][0-9]*|0))?")


class device:
    """A device name: `device('cpu')`, `device('cuda:1')`, `device('cpu', 0)`."""

    __slots__ = ("_type", "_index")

    def __init__(self, type, index=None):  # noqa: A002 - torch's parameter name
        if isinstance(type, device):
            if index is not None:
                raise RuntimeError("device(): a device object takes no index")
            self._type, self._index = type._type, type._index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError("Cannot access accelerator device when none is available.")
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got "
                            f"({_type_name(type)})")
        if not type:
            raise RuntimeError("Device string must not be empty")
        match = _DEVICE_STRING.fullmatch(type)
        if match is None:
            raise RuntimeError(f"Invalid device string: '{type}'")
        name, ordinal = match.groups()
        if name not in _KNOWN_TYPES:
            raise RuntimeError("Expected one of " + ", ".join(_KNOWN_TYPES)
                               + f" device type at start of device string: {name}")
        parsed = None if ordinal is None else int(ordinal)
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int):
                raise TypeError(f"device(): argument 'index' (position 2) must be int, not "
                                f"{_type_name(index)}")
            if ordinal is not None:
                raise RuntimeError(f"type (string) must not include an index because index "
                                   f"was passed explicitly: {type}")
            if index < 0:
                raise RuntimeError("Device index must not be negative")
            parsed = index
        self._type, self._index = name, parsed

    @property
    def type(self):
        return self._type

    @property
    def index(self):
        return self._index

    def __str__(self):
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self):
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __eq__(self, other):
        return (isinstance(other, device) and self._type == other._type
                and self._index == other._index)

    def __hash__(self):
        return hash((self._type, self._index))

    def __reduce__(self):
        return (device, (self._type, self._index))


def _type_name(value):
    return type(value).__name__


def check_device(value):
    """Raises torch's error unless `value` names the CPU (called from C++'s check_device)."""
    where = value if isinstance(value, device) else device(value)
    if where.type == "cpu":
        return
    if where.type == "cuda":
        raise AssertionError("cgrad not compiled with CUDA enabled (it runs on the CPU only)")
    raise RuntimeError(f"cgrad runs on the CPU only; device '{where}' is not available")


def check_generator_device(value):
    """Generator(device): torch's CPU build has no CUDA generator to give (RuntimeError)."""
    if device(value).type == "cuda":
        raise RuntimeError("Cannot get CUDA generator: cgrad runs on the CPU only")
    check_device(value)


_CPU = device("cpu")
_default_device = _CPU


def get_default_device():
    """The device factories use when given none: always the CPU in cgrad."""
    return _default_device


def set_default_device(value):
    """Accepts the CPU (or None, which means the CPU); raises as `check_device` otherwise."""
    if value is not None:
        check_device(value)


def _tensor_cuda(self, device=None, non_blocking=False, memory_format=None):
    """cuda(device=None, non_blocking=False, memory_format=preserve_format) -> Tensor

    Always raises: cgrad has no CUDA tensors (torch's error for a build without CUDA)."""
    raise AssertionError("cgrad not compiled with CUDA enabled (it runs on the CPU only)")


def _tensor_cpu(self, memory_format=None):
    """cpu(memory_format=preserve_format) -> Tensor

    self: every cgrad tensor is on the CPU."""
    return self


_C.Tensor.device = property(lambda self: _CPU, doc="The tensor's device: always the CPU.")
_C.Tensor.is_cuda = property(lambda self: False, doc="False: cgrad has no CUDA tensors.")
_C.Tensor.is_cpu = property(lambda self: True, doc="True: every cgrad tensor is on the CPU.")
_C.Tensor.is_meta = property(lambda self: False, doc="False: cgrad has no meta tensors.")
_C.Tensor.cpu = _tensor_cpu
_C.Tensor.cuda = _tensor_cuda
