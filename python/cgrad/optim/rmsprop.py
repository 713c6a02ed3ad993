"""RMSprop (optionally centered, with momentum), one C++ call per step."""
from __future__ import annotations

from typing import Any, Dict, List

import cgrad
from cgrad import Tensor, _C
from .optimizer import Optimizer, ParamsT, _scalar


class RMSprop(Optimizer):
    def __init__(self, params: ParamsT, lr: float | Tensor = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, group: Dict[str, Any]) -> Dict[str, Any]:
        state = self.state[p]
        if len(state) == 0:
            state["step"] = self._zero_step()
            state["square_avg"] = cgrad.zeros_like(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = cgrad.zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = cgrad.zeros_like(p)
        return state

    def _step_group(self, group: Dict[str, Any], params: List[Tensor],
                    grads: List[Tensor]) -> None:
        states = [self._init_state(p, group) for p in params]
        centered, momentum = group["centered"], group["momentum"]
        _C._optim.rmsprop_step(
            params, grads, [s["square_avg"] for s in states],
            [s["grad_avg"] for s in states] if centered else [],
            [s["momentum_buffer"] for s in states] if momentum > 0 else [],
            [s["step"] for s in states], lr=_scalar(group["lr"]), alpha=group["alpha"],
            eps=group["eps"], weight_decay=group["weight_decay"], momentum=momentum,
            centered=centered, maximize=group["maximize"])
