"""cgrad.autograd: grad-mode switches and the legacy Variable."""
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .variable import Variable

__all__ = ["Variable", "enable_grad", "is_grad_enabled", "no_grad", "set_grad_enabled"]
