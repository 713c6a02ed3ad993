"""cgrad.version: the build's version facts, with the fields torch.version has."""
from .torch_version import TorchVersion

__all__ = ["__version__", "debug", "cuda", "git_version", "hip", "rocm", "xpu"]

__version__ = TorchVersion("0.1.0")  # kept equal to pyproject.toml's (a test checks)
debug = False          # the extension is a Release build
git_version = "Unknown"  # as torch reports for builds made outside a git checkout
cuda = None            # cgrad runs on the CPU only
hip = None
rocm = None
xpu = None
