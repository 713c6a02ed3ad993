"""nn.Parameter: a Tensor that a Module registers as one of its parameters."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Dict, Optional

from .. import _C

Tensor = _C.Tensor


class Parameter(Tensor):
    """A leaf tensor, requiring grad by default, that Module.__setattr__ registers.

    It shares `data`'s memory (Note [Tensor subclasses] in cpp/bindings/tensor.cpp), so
    `Parameter(t)` is not a copy, as in torch.
    """

    def __new__(cls, data: Optional[Tensor] = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            data = _C.empty(0)
        return Tensor._make_subclass(cls, data, requires_grad)  # type: ignore[attr-defined]

    # The object is complete after __new__; the bound Tensor.__init__ must not run again.
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __deepcopy__(self, memo: Dict[int, Any]) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__  # as torch, where Tensor's str is its repr

    def __reduce_ex__(self, protocol):
        state = dict(self.__dict__)
        if not state:
            return _rebuild_parameter, (self.data, self.requires_grad, OrderedDict())
        return _rebuild_parameter_with_state, (self.data, self.requires_grad, OrderedDict(), state)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    param = Parameter(data, requires_grad)
    param.__dict__.update(state)
    return param

