"""cgrad.random, as torch.random: the default CPU generator's seed and state, and
fork_rng. The streams are torch's (Note [Torch's CPU random streams])."""
import contextlib

from ._C import (  # noqa: F401
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)

__all__ = ["fork_rng", "get_rng_state", "initial_seed", "manual_seed", "seed", "set_rng_state"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type=None):
    """Restores the CPU generator's state on exit (cgrad has only the CPU device, so
    `devices` and `device_type` select nothing more)."""
    if device_type == "meta" or not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
