"""cgrad.utils: data loading (cgrad.utils.data) and DLPack exchange (cgrad.utils.dlpack)."""
from . import data, dlpack  # noqa: F401
