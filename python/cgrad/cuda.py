"""`cgrad.cuda`: what torch's CPU build answers (Note [One device] in _device.py)."""


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """No CUDA generator to seed; torch's CPU build also accepts this silently."""


def manual_seed_all(seed):
    """As manual_seed."""


def synchronize(device=None):
    raise AssertionError("cgrad not compiled with CUDA enabled (it runs on the CPU only)")
