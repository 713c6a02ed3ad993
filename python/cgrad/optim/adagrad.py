"""Adagrad, one C++ call per step."""
from __future__ import annotations

from typing import Any, Dict, List

import cgrad
from cgrad import Tensor, _C
from .optimizer import Optimizer, ParamsT, _scalar


class Adagrad(Optimizer):
    def __init__(self, params: ParamsT, lr: float | Tensor = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError("Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        # torch makes Adagrad's state up front, not at the first step.
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p: Tensor, group: Dict[str, Any]) -> Dict[str, Any]:
        state = self.state[p]
        if len(state) == 0:
            state["step"] = self._zero_step()
            state["sum"] = cgrad.full_like(p, group["initial_accumulator_value"])
        return state

    def _step_group(self, group: Dict[str, Any], params: List[Tensor],
                    grads: List[Tensor]) -> None:
        states = [self._init_state(p, group) for p in params]
        _C._optim.adagrad_step(
            params, grads, [s["sum"] for s in states], [s["step"] for s in states],
            lr=_scalar(group["lr"]), lr_decay=group["lr_decay"],
            weight_decay=group["weight_decay"], eps=group["eps"],
            maximize=group["maximize"])
