"""cgrad.autograd: grad-mode switches, gradcheck and the legacy Variable."""
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck
from .variable import Variable

__all__ = [
    "GradcheckError", "Variable", "enable_grad", "gradcheck", "is_grad_enabled", "no_grad",
    "set_grad_enabled",
]
