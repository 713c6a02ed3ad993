"""cgrad.utils.dlpack: zero-copy exchange with other array libraries through DLPack.

`cgrad.from_dlpack(x)` takes anything with `__dlpack__` (numpy arrays, torch tensors,
JAX/CuPy arrays in CPU memory) or a DLPack capsule; `Tensor.__dlpack__` lets
`np.from_dlpack(t)` and `torch.from_dlpack(t)` read a cgrad tensor in place. The
imported tensor shares memory with its producer but has its own version counter, as
torch's does (Note [DLPack imports] in cpp/src/dlpack.cpp).
"""
import enum

from .. import _C
from .._device import check_device

__all__ = ["DLDeviceType", "from_dlpack", "to_dlpack"]


class DLDeviceType(enum.IntEnum):
    """DLPack's device types, with the values of its specification."""

    kDLCPU = 1
    kDLCUDA = 2
    kDLCUDAHost = 3
    kDLOpenCL = 4
    kDLVulkan = 7
    kDLMetal = 8
    kDLVPI = 9
    kDLROCM = 10
    kDLROCMHost = 11
    kDLExtDev = 12
    kDLCUDAManaged = 13
    kDLOneAPI = 14
    kDLWebGPU = 15
    kDLHexagon = 16
    kDLMAIA = 17


def to_dlpack(tensor):
    """to_dlpack(tensor) -> PyCapsule

    A legacy ("dltensor") DLPack capsule sharing `tensor`'s memory, for consumers that
    take capsules rather than objects with `__dlpack__`.
    """
    return _C._to_dlpack(tensor)


def from_dlpack(ext_tensor, *, device=None, copy=None):
    """from_dlpack(ext_tensor, *, device=None, copy=None) -> Tensor

    A tensor sharing memory with `ext_tensor`: an object with `__dlpack__` (a numpy
    array, a torch tensor, ...) or a DLPack capsule, which can be consumed once.
    `copy=True` asks for a copy, `copy=False` forbids one; `device` may only name the CPU.
    """
    if not hasattr(ext_tensor, "__dlpack__"):
        if device is not None or copy is not None:
            raise AssertionError("device and copy kwargs not supported when ext_tensor is "
                                 "already a DLPack capsule.")
        return _C._from_dlpack(ext_tensor)
    if device is not None:
        check_device(device)
    kwargs = {"max_version": (1, 0)}
    if copy is not None:
        kwargs["copy"] = copy
    if device is not None:
        kwargs["dl_device"] = (DLDeviceType.kDLCPU, 0)
    # Producers written for older versions of the protocol refuse the newer keywords:
    # drop them one at a time, newest first, as torch does; the last try raises.
    capsule = None
    for keyword in ("max_version", "copy", "dl_device"):
        try:
            capsule = ext_tensor.__dlpack__(**kwargs)
            break
        except TypeError:
            kwargs.pop(keyword, None)
    if capsule is None:
        capsule = ext_tensor.__dlpack__(**kwargs)
    producer_copied = "copy" in kwargs
    tensor = _C._from_dlpack(capsule)
    if copy and not producer_copied:
        tensor = tensor.clone()
    return tensor
