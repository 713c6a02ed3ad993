"""Tensor.new_zeros/new_ones/new_empty/new_full/new_tensor (a new tensor with self's dtype
unless dtype= says otherwise) and the nbytes/itemsize properties."""
import warnings

from . import _C


def _named(name, factory, *args, **kwargs):
    """Calls the factory, its errors worded for the method `name` (torch names new_zeros
    in new_zeros's errors)."""
    try:
        return factory(*args, **kwargs)
    except (TypeError, RuntimeError) as e:
        base = factory.__name__
        if str(e).startswith(base + "("):
            raise type(e)(name + str(e)[len(base):]) from None
        raise


def _sized(name, factory):
    def method(self, *size, dtype=None, device=None, requires_grad=False, **kwargs):
        return _named(name, factory, *size, dtype=self.dtype if dtype is None else dtype,
                      device=device, requires_grad=requires_grad, **kwargs)
    method.__name__ = name
    method.__doc__ = (f"{name}(size, *, dtype=None, device=None, requires_grad=False): "
                      f"{factory.__name__}() with this tensor's dtype unless dtype is given.")
    return method


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """A tensor of fill_value with this tensor's dtype unless dtype is given."""
    return _named("new_full", _C.full, size, fill_value, dtype=self.dtype if dtype is None else dtype,
                  device=device, requires_grad=requires_grad)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    """A copy of data with this tensor's dtype unless dtype is given (no graph)."""
    if isinstance(data, _C.Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "tensor.new_tensor(sourceTensor).", UserWarning, stacklevel=2)
    return _C.tensor(data, dtype=self.dtype if dtype is None else dtype, device=device,
                     requires_grad=requires_grad)


_C.Tensor.new_zeros = _sized("new_zeros", _C.zeros)
_C.Tensor.new_ones = _sized("new_ones", _C.ones)
_C.Tensor.new_empty = _sized("new_empty", _C.empty)
_C.Tensor.new_full = new_full
_C.Tensor.new_tensor = new_tensor
_C.Tensor.nbytes = property(lambda self: self.numel() * self.element_size(),
                            doc="The bytes the elements take (numel * itemsize).")
_C.Tensor.itemsize = property(lambda self: self.element_size(), doc="Bytes per element.")
