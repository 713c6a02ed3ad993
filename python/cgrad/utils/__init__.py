"""cgrad.utils: data loading (cgrad.utils.data)."""
from . import data  # noqa: F401
