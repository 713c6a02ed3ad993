"""default_collate / default_convert: samples to batches, as torch's rules."""
import collections.abc
import re

import numpy as np

import cgrad

_NUMPY_STRING_KINDS = re.compile(r"[SaUO]")
_COLLATE_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, "
                  "dicts or lists; found {}")


def _as_tensor(array):
    # torch.as_tensor of a numpy array or scalar: arrays share memory, as from_numpy.
    array = np.asarray(array)
    if array.ndim and array.flags.writeable:
        return cgrad.from_numpy(array)
    return cgrad.tensor(array)


def _is_namedtuple(obj):
    return isinstance(obj, tuple) and hasattr(obj, "_fields")


def default_convert(data):
    """Numpy arrays to tensors, through containers; everything else unchanged."""
    if isinstance(data, cgrad.Tensor):
        return data
    if isinstance(data, np.ndarray):
        if _NUMPY_STRING_KINDS.search(data.dtype.str) is not None:
            return data
        return _as_tensor(data)
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_)):
        return _as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            return type(data)({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def default_collate(batch):
    """Stacks tensors and arrays along a new first dim; numbers become 1-d tensors
    (float64 for floats, int64 for ints); dicts, namedtuples and sequences are collated
    field by field (tuples come back as lists, as in torch)."""
    elem = batch[0]
    if isinstance(elem, cgrad.Tensor):
        return cgrad.stack(list(batch), 0)
    if isinstance(elem, np.ndarray) and type(elem).__module__ == "numpy":
        if _NUMPY_STRING_KINDS.search(elem.dtype.str) is not None:
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return default_collate([_as_tensor(b) for b in batch])
    if isinstance(elem, np.generic) and not isinstance(elem, (np.str_, np.bytes_)):
        return _as_tensor(np.array(batch))
    if isinstance(elem, float):
        return cgrad.tensor(batch, dtype=cgrad.float64)
    if isinstance(elem, int):
        return cgrad.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(collated) if type(elem) is not dict else collated
        except TypeError:
            return collated
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(samples) for samples in transposed]
        try:
            return type(elem)([default_collate(samples) for samples in transposed])
        except TypeError:
            return [default_collate(samples) for samples in transposed]
    raise TypeError(_COLLATE_ERROR.format(type(elem)))
