"""cgrad.nn: neural-network building blocks. `functional` holds the stateless ops."""
from . import functional, init, parallel, utils
from .parameter import Parameter
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _module_names

__all__ = ["functional", "init", "parallel", "utils", "Parameter"] + _module_names
