"""The default process group over MPI: init_process_group, its rank and size, teardown.

mpi4py is imported by init_process_group only, so `import cgrad` never loads MPI.

Note [A failing rank aborts the job]: MPI collectives wait for every rank, so one rank
that dies of an exception would leave the others blocked in their next collective. While
a group of more than one rank exists, an uncaught exception (in any thread) prints its
traceback and then calls MPI_Abort, which makes the launcher stop every rank with
"MPI_ABORT was invoked on rank N"; a rank killed by a signal is reported by the launcher,
which stops the others. A rank that stops without an exception (an exit mid-training, a
hang) is caught by the group's timeout (init_process_group's `timeout`) instead: its
peers' collectives, sends and receives fail with an error naming the operation, which
aborts them in turn unless caught; after it the group refuses further work.
"""
import datetime
import enum
import os
import sys
import threading

from ._comm_thread import CommThread

_NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to "
                    "call init_process_group.")
# torch's default for its CPU backend.
default_pg_timeout = datetime.timedelta(minutes=30)


class Backend(str):
    """Backend names; MPI is the one cgrad runs on. 'gloo' is accepted as a name for it,
    so torch scripts written for CPU training run unchanged."""
    MPI = "mpi"
    GLOO = "gloo"
    UNDEFINED = "undefined"

    def __new__(cls, name):
        lowered = name.lower()
        if lowered not in ("mpi", "gloo", "cpu:gloo", "cpu:mpi"):
            raise ValueError(f"Invalid backend: '{name}': cgrad.distributed runs on MPI "
                             f"('mpi', or 'gloo' which maps to it)")
        return str.__new__(cls, "mpi")


class ProcessGroup:
    """A group of ranks on its own MPI communicator: the default group of all ranks
    (`group.WORLD`), or one made by new_group. `ranks` are the members' global ranks in
    group-rank order. All of a process's groups share its communication thread."""

    def __init__(self, mpi, comm, timeout, ranks, comm_thread):
        self.mpi, self.comm = mpi, comm
        self._rank, self._size = comm.Get_rank(), comm.Get_size()
        self.timeout = timeout
        self.ranks = list(ranks)
        self.group_rank_of = {global_rank: i for i, global_rank in enumerate(self.ranks)}
        self.comm_thread = comm_thread

    def rank(self):
        return self._rank

    def size(self):
        return self._size

    def name(self):
        return "mpi"

    def __repr__(self):
        return (f"<cgrad.distributed.ProcessGroup mpi ranks {self.ranks}, rank {self._rank} of "
                f"{self._size}>")


class _WorldMeta(type):
    @property
    def WORLD(cls):
        return _default_group


class group(metaclass=_WorldMeta):
    """group.WORLD: the default process group."""


class GroupMember(metaclass=_WorldMeta):
    """GroupMember.WORLD, the default group; NON_GROUP_MEMBER, what new_group returns on
    the ranks it leaves out."""
    NON_GROUP_MEMBER = -100


_default_group = None
_subgroups = []  # made by new_group and not destroyed yet
_previous_hooks = None


def is_available():
    return True


def is_mpi_available():
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def is_gloo_available():
    return False


def is_nccl_available():
    return False


def is_initialized():
    return _default_group is not None


def _group_of(group_arg):
    """The group `group_arg` names (None: the default group); GroupMember.NON_GROUP_MEMBER
    is returned as is, for the caller to handle."""
    if _default_group is None:
        raise ValueError(_NOT_INITIALIZED)
    if group_arg is None or group_arg is _default_group:
        return _default_group
    if isinstance(group_arg, int) and group_arg == GroupMember.NON_GROUP_MEMBER:
        return group_arg
    if not any(group_arg is g for g in _subgroups):
        raise ValueError("Invalid process group specified")
    return group_arg


def _is_member(pg):
    return isinstance(pg, ProcessGroup)


def get_rank(group=None):
    """This process's rank in `group`; -1 where it is not a member."""
    pg = _group_of(group)
    return pg.rank() if _is_member(pg) else -1


def get_world_size(group=None):
    """The number of ranks in `group`; -1 where this process is not a member."""
    pg = _group_of(group)
    return pg.size() if _is_member(pg) else -1


def get_backend(group=None):
    if not _is_member(_group_of(group)):
        raise ValueError("Invalid process group specified")
    return Backend("mpi")


def _import_mpi():
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise RuntimeError("cgrad.distributed needs mpi4py and an MPI library: pip install "
                           "'cgrad[distributed]' (and Open MPI or MPICH, e.g. apt-get "
                           "install openmpi-bin libopenmpi-dev)") from error
    if MPI.Query_thread() < MPI.THREAD_SERIALIZED:
        raise RuntimeError("cgrad.distributed needs an MPI initialized with at least "
                           "MPI_THREAD_SERIALIZED (its collectives run on their own thread)")
    return MPI


def _check_launch(name, given, env_var, actual):
    if given is not None and given != -1 and given != actual:
        raise ValueError(f"init_process_group: {name}={given} but the MPI launcher started "
                         f"this process with {name} {actual}")
    from_env = os.environ.get(env_var)
    if from_env is not None and int(from_env) != actual:
        raise ValueError(f"init_process_group: {env_var}={from_env} but the MPI launcher "
                         f"started this process with {name} {actual}")


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Joins the ranks the MPI launcher started (`mpirun -n N python script.py`; a plain
    `python script.py` is one rank). `env://` variables RANK and WORLD_SIZE, and the
    rank/world_size arguments, are accepted when they agree with the launcher."""
    global _default_group
    if _default_group is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if backend is not None:
        Backend(backend)
    if init_method is not None and init_method != "env://":
        raise ValueError(f"init_process_group: init_method {init_method!r} is not supported: "
                         f"the MPI launcher connects the ranks (use 'env://' or None)")
    if timeout is None:
        timeout = default_pg_timeout
    _check_valid_timeout(timeout)
    mpi = _import_mpi()
    comm = mpi.COMM_WORLD.Dup()  # our own context: user MPI traffic cannot match ours
    if init_method == "env://" or world_size != -1 or rank != -1:
        _check_launch("world_size", world_size, "WORLD_SIZE", comm.Get_size())
        _check_launch("rank", rank, "RANK", comm.Get_rank())
    _default_group = ProcessGroup(mpi, comm, timeout, range(comm.Get_size()),
                                  CommThread(mpi, comm.Get_rank()))
    if comm.Get_size() > 1:
        _install_abort_hooks(mpi, comm.Get_rank(), comm.Get_size())


def _check_valid_timeout(timeout):
    if not isinstance(timeout, datetime.timedelta):
        raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, got "
                        f"{timeout}")


def destroy_process_group(group=None):
    """Destroys `group`, or with None or group.WORLD every group and the default one."""
    global _default_group
    pg = _group_of(group)
    if not _is_member(pg):
        return
    if pg is not _default_group:
        _subgroups.remove(pg)
        pg.comm_thread.call(pg, "destroy_process_group", pg.comm.Free)
        return
    _remove_abort_hooks()
    pg.comm_thread.stop()  # from here on this thread alone calls MPI
    for subgroup in _subgroups:
        subgroup.comm.Free()
    _subgroups.clear()
    pg.comm.Free()
    _default_group = None


def _install_abort_hooks(mpi, rank, size):
    global _previous_hooks
    previous_sys, previous_threading = sys.excepthook, threading.excepthook

    def abort():
        sys.stderr.write(f"cgrad.distributed: rank {rank} failed with the exception above; "
                         f"aborting all {size} ranks\n")
        sys.stderr.flush()
        mpi.COMM_WORLD.Abort(1)

    def sys_hook(kind, value, traceback):
        previous_sys(kind, value, traceback)
        abort()

    def threading_hook(args):
        previous_threading(args)
        if args.exc_type is not SystemExit:
            abort()

    sys.excepthook, threading.excepthook = sys_hook, threading_hook
    _previous_hooks = (previous_sys, previous_threading)


def _remove_abort_hooks():
    global _previous_hooks
    if _previous_hooks is not None:
        sys.excepthook, threading.excepthook = _previous_hooks
        _previous_hooks = None


class _RedOpType(enum.Enum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7


_RedOpType.__name__ = _RedOpType.__qualname__ = "RedOpType"


class ReduceOp:
    """Reduction operations for all_reduce, reduce and reduce_scatter, as torch's."""
    RedOpType = _RedOpType
    SUM = _RedOpType.SUM
    AVG = _RedOpType.AVG
    PRODUCT = _RedOpType.PRODUCT
    MIN = _RedOpType.MIN
    MAX = _RedOpType.MAX
    BAND = _RedOpType.BAND
    BOR = _RedOpType.BOR
    BXOR = _RedOpType.BXOR
