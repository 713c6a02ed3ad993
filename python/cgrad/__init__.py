"""cgrad: a small, fast autograd library with PyTorch's Python API.

    import cgrad as torch
"""
from . import _C
# Every public op, factory and dtype is bound in C++; this re-exports them all.
from ._C import *  # noqa: F401,F403
from . import _tensor_repr  # noqa: F401  (installs Tensor.__repr__, __format__)
from . import _tensor_copy  # noqa: F401  (installs copy, deepcopy and pickle support)
from ._size import Size
from ._tensor_str import get_printoptions, set_printoptions
from . import autograd, cuda, linalg, memory, nn, random
from ._device import device, get_default_device, set_default_device
from .autograd import (  # noqa: F401
    enable_grad, inference_mode, is_inference_mode_enabled, no_grad, set_grad_enabled,
)

_C._set_size_class(Size)

# torch's dtype aliases
float = float32
double = float64
long = int64
int = int32
half = float16
short = int16

from . import optim, utils  # noqa: E402  (after the dtypes they use)
from . import distributed  # noqa: E402  (imports mpi4py only when a group starts)
from .serialization import load, save  # noqa: E402
from .utils.dlpack import from_dlpack  # noqa: E402

from . import version  # noqa: E402
from .version import __version__  # noqa: E402
from ._dtype_info import finfo, iinfo  # noqa: E402
from . import testing  # noqa: E402
from . import _tensor_new  # noqa: E402,F401  (installs Tensor.new_zeros ... nbytes, itemsize)
from .storage import TypedStorage, UntypedStorage  # noqa: E402  (installs Tensor.storage ...)
from ._legacy_tensor_types import (  # noqa: E402  (also installs Tensor.type)
    BFloat16Tensor, BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor,
    IntTensor, LongTensor, ShortTensor,
)
from ._creation_extra import (  # noqa: E402
    as_tensor, asarray, cartesian_prod, empty_strided, meshgrid, tril_indices, triu_indices,
)

from . import _docs  # noqa: E402  (last: documents everything bound above)
_docs.apply()
