"""Stochastic gradient descent (optionally with momentum), one C++ call per step."""
from __future__ import annotations

from typing import Any, Dict, List

from cgrad import Tensor, _C
from .optimizer import Optimizer, ParamsT, _scalar


class SGD(Optimizer):
    def __init__(self, params: ParamsT, lr: float | Tensor = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _step_group(self, group: Dict[str, Any], params: List[Tensor],
                    grads: List[Tensor]) -> None:
        momentum = group["momentum"]
        buffers = [self.state.get(p, {}).get("momentum_buffer") for p in params]
        buffers = _C._optim.sgd_step(
            params, grads, buffers, lr=_scalar(group["lr"]), momentum=momentum,
            dampening=group["dampening"], weight_decay=group["weight_decay"],
            nesterov=group["nesterov"], maximize=group["maximize"])
        if momentum != 0:
            for p, buffer in zip(params, buffers):
                self.state[p]["momentum_buffer"] = buffer
