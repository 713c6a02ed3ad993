"""Adam (and, with decoupled_weight_decay, AdamW), one C++ call per step."""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

import cgrad
from cgrad import Tensor, _C
from .optimizer import Optimizer, ParamsT, _scalar


class Adam(Optimizer):
    def __init__(self, params: ParamsT, lr: float | Tensor = 1e-3,
                 betas: Tuple[float | Tensor, float | Tensor] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, amsgrad: bool) -> Dict[str, Any]:
        state = self.state[p]
        if len(state) == 0:
            state["step"] = self._zero_step()
            state["exp_avg"] = cgrad.zeros_like(p)
            state["exp_avg_sq"] = cgrad.zeros_like(p)
            if amsgrad:
                state["max_exp_avg_sq"] = cgrad.zeros_like(p)
        return state

    def _step_group(self, group: Dict[str, Any], params: List[Tensor],
                    grads: List[Tensor]) -> None:
        amsgrad = group["amsgrad"]
        states = [self._init_state(p, amsgrad) for p in params]
        beta1, beta2 = group["betas"]
        _C._optim.adam_step(
            params, grads, [s["exp_avg"] for s in states],
            [s["exp_avg_sq"] for s in states],
            [s["max_exp_avg_sq"] for s in states] if amsgrad else [],
            [s["step"] for s in states], lr=_scalar(group["lr"]), beta1=_scalar(beta1),
            beta2=_scalar(beta2), eps=group["eps"], weight_decay=group["weight_decay"],
            amsgrad=amsgrad, maximize=group["maximize"],
            decoupled_weight_decay=group["decoupled_weight_decay"])
