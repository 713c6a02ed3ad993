"""The Optimizer base class: parameter groups, per-parameter state, state_dict in torch's
layout. Subclasses gather their tensors and run the whole step in one C++ call
(cgrad._C._optim)."""
from __future__ import annotations

from collections import defaultdict
from copy import deepcopy
from itertools import chain
import functools
import warnings
from typing import Any, Callable, Dict, Iterable, List, Tuple, TypeVar, Union, cast

import cgrad
from cgrad import Tensor

# What an optimizer takes as `params` (torch.optim.optimizer.ParamsT): tensors, parameter
# groups (dicts with a "params" entry and per-group options), or named tensors.
ParamsT = Union[Iterable[Tensor], Iterable[Dict[str, Any]], Iterable[Tuple[str, Tensor]]]
_Step = TypeVar("_Step", bound=Callable[..., Any])


class _RequiredParameter:
    """Singleton marking a hyperparameter with no default (torch.optim.optimizer.required)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj: object) -> str:
    if isinstance(obj, cgrad.Tensor):
        return "torch." + {cgrad.float32: "FloatTensor", cgrad.float64: "DoubleTensor",
                           cgrad.int64: "LongTensor", cgrad.int32: "IntTensor",
                           cgrad.bool: "BoolTensor", cgrad.float16: "HalfTensor",
                           cgrad.bfloat16: "BFloat16Tensor"}.get(obj.dtype, "Tensor")
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module in ("builtins", "__builtin__") else f"{module}.{name}"


def _no_grad_step(step: _Step) -> _Step:
    """Runs an optimizer's step with grad mode off, as torch's steps do."""

    @functools.wraps(step)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        with cgrad.no_grad():
            return step(self, *args, **kwargs)

    return cast(_Step, wrapper)


def _closure_loss(closure: Callable[[], Any] | None) -> Any:
    # The closure re-evaluates the model, so it runs with grad mode on.
    if closure is None:
        return None
    with cgrad.enable_grad():
        return closure()


def _scalar(value: Tensor | float) -> float:
    return float(value.item()) if isinstance(value, cgrad.Tensor) else float(value)


class Optimizer:
    defaults: Dict[str, Any]
    state: defaultdict[Any, Dict[str, Any]]
    param_groups: List[Dict[str, Any]]

    def __init__(self, params: ParamsT, defaults: Dict[str, Any]) -> None:
        self.defaults = defaults
        if isinstance(params, cgrad.Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable "
                            "of Tensors or dicts, but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups: List[Any] = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __getstate__(self) -> Dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            if i:
                lines.append("")
            lines.append(f"Parameter Group {i}")
            for key in sorted(group.keys()):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    def add_param_group(self, param_group: Dict[str, Any]) -> None:
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, cgrad.Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            param_group["params"] = list(params)
        for param in param_group["params"]:
            if not isinstance(param, cgrad.Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not self.defaults.get("differentiable", None) and not (
                    param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        params = param_group["params"]
        if len(params) != len(set(map(id, params))):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "in future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen: set[int] = set()
        for group in self.param_groups:
            seen.update(map(id, group["params"]))
        if not seen.isdisjoint(map(id, param_group["params"])):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad.zero_()

    def state_dict(self) -> Dict[str, Any]:
        index_of: Dict[int, int] = {}
        next_index = 0
        packed_groups: List[Dict[str, Any]] = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                if id(p) not in index_of:
                    index_of[id(p)] = next_index
                    next_index += 1
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            packed_groups.append(packed)
        packed_state = {(index_of[id(k)] if isinstance(k, cgrad.Tensor) else k): v
                        for k, v in self.state.items()}
        return {"state": packed_state, "param_groups": packed_groups}

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        state_dict = state_dict.copy()
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast_like(param: Tensor, value: Any, key: str | None = None) -> Any:
            # The step counter keeps its dtype; other state takes the parameter's dtype.
            if isinstance(value, cgrad.Tensor):
                if key != "step" and param.is_floating_point():
                    return value.to(dtype=param.dtype)
                return value
            if isinstance(value, dict):
                return {k: cast_like(param, v, key=k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast_like(param, v) for v in value)
            return value

        state: defaultdict[Any, Dict[str, Any]] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = cast_like(id_map[k], v)
            else:
                state[k] = v
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
        self.__setstate__({"state": state, "param_groups": saved_groups})

    @_no_grad_step
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Runs the closure (if any) with grad on, then updates every group's parameters
        that have a gradient, one fused C++ call per group (_step_group)."""
        if type(self)._step_group is Optimizer._step_group:
            raise NotImplementedError
        loss = _closure_loss(closure)
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if params:
                self._step_group(group, params, [p.grad for p in params])
        return loss

    def _step_group(self, group: Dict[str, Any], params: List[Tensor],
                    grads: List[Tensor]) -> None:
        raise NotImplementedError

    @staticmethod
    def _zero_step() -> Tensor:
        return cgrad.tensor(0.0, dtype=cgrad.get_default_dtype())  # torch's _get_scalar_dtype
