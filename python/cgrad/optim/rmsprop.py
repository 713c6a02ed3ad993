"""RMSprop (optionally centered, with momentum), one C++ call per step."""
import cgrad
from cgrad import _C
from .optimizer import Optimizer, _scalar


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
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

    def _init_state(self, p, group):
        state = self.state[p]
        if len(state) == 0:
            state["step"] = self._zero_step()
            state["square_avg"] = cgrad.zeros_like(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = cgrad.zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = cgrad.zeros_like(p)
        return state

    def _step_group(self, group, params, grads):
        states = [self._init_state(p, group) for p in params]
        centered, momentum = group["centered"], group["momentum"]
        _C._optim.rmsprop_step(
            params, grads, [s["square_avg"] for s in states],
            [s["grad_avg"] for s in states] if centered else [],
            [s["momentum_buffer"] for s in states] if momentum > 0 else [],
            [s["step"] for s in states], lr=_scalar(group["lr"]), alpha=group["alpha"],
            eps=group["eps"], weight_decay=group["weight_decay"], momentum=momentum,
            centered=centered, maximize=group["maximize"])
