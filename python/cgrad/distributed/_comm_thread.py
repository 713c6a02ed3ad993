"""The communication thread: every MPI call of a process's groups runs here, in order.

Note [One communication thread]: collectives are queued to a single thread that runs
them in submission order (every rank must issue its collectives in the same order, and
one thread keeps it so; MPI then needs only MPI_THREAD_SERIALIZED). The groups made by
new_group share it, so a rank's collectives on several groups also run in its submission
order: ranks must not order two groups' collectives differently, as with NCCL. The
caller's thread goes on meanwhile: DDP's bucket all-reduces run
while backward computes the next buckets' gradients. Point-to-point sends and receives
are started as MPI non-blocking operations at once and completed whenever MPI reports
them done, so a symmetric isend/irecv exchange cannot deadlock on the thread's order.

Note [Rendezvous, then a blocking collective]: a collective first waits, polling with
backoff, on a small non-blocking all-reduce that tells when every rank has reached it, and
only then runs the blocking MPI collective. Open MPI's blocking collectives are about three
times faster than its non-blocking ones on large buffers (1.6 vs 4.5 ms for a 13 MB
all-reduce on 2 ranks: they use its tuned algorithms and single-copy shared memory), but
they spin while waiting for late ranks, which took a whole core from the backward pass
they were meant to overlap. Waiting at the rendezvous costs no CPU; once all ranks are
there the blocking call only moves data. The group's timeout bounds the rendezvous: a rank
that died or stopped issuing collectives is reported there.

Note [Busy machines]: the blocking collective's spinning needs every rank on a core at
once; on a machine running more threads than it has cores, ranks spin through their time
slices waiting for descheduled peers (a 2-rank DDP step took twice torch's gloo time at a
load average of 20 on 2 cores). So each rank tells at the rendezvous whether its load
average exceeds its cores, and where any does, all ranks run the non-blocking form of the
collective (all_reduce, broadcast), polled with sleeps in between: slower on an idle
machine, but it leaves the cores to whoever can use them. MPI does not match blocking and
non-blocking calls of one collective, hence the choice is made jointly.

Note [Matching collectives]: the rendezvous all-reduces each rank's description of its
collective (which one, element count, dtype, root or reduce op) as a maximum and a minimum.
Where they differ, the ranks called different collectives (a rank that caught an error
and went on, ranks in another order): every rank raises, naming its own call, rather than
entering mismatched blocking collectives that would hang or corrupt memory.

Note [Polling with backoff]: Open MPI progresses non-blocking operations only inside MPI
calls, so they must be polled with MPI_Test. Between polls the thread sleeps, in steps
that grow from 10 us to a cap and restart after any progress, and is woken at once by
newly queued work; an idle group costs nothing (the thread blocks on its queue). It does
not spin: a spinning Python thread holds the GIL most of the time, and under load is
often descheduled holding it, stalling the training thread's gradient hooks.
"""
import collections
import queue
import threading
import os
import time
import zlib

import numpy as np

_FIRST_SLEEP_S = 10e-6
_MAX_SLEEP_S = 500e-6
_STOP = object()


class Work:
    """A handle on an operation queued with async_op=True, as torch.distributed's Work."""

    def __init__(self, name, outputs=()):
        self._name = name
        self._outputs = list(outputs)
        self._done = threading.Event()
        self._error = None
        self._source_rank = -1

    def wait(self, timeout=None):
        """Blocks until the operation finished; raises its error if it failed. The group's
        own timeout bounds the wait; `timeout` (a timedelta or seconds) may bound it more."""
        seconds = timeout.total_seconds() if hasattr(timeout, "total_seconds") else timeout
        if not self._done.wait(seconds):
            raise RuntimeError(f"{self._name}: wait timed out after {seconds} s")
        if self._error is not None:
            raise self._error
        return True

    def is_completed(self):
        return self._done.is_set()

    def is_success(self):
        if not self._done.is_set():
            raise RuntimeError("Work.is_success: the operation has not completed yet")
        return self._error is None

    def exception(self):
        return self._error

    def result(self):
        """The tensors the operation wrote, once it completed."""
        self.wait()
        return list(self._outputs)

    def source_rank(self):
        """The rank a completed recv received from."""
        if not self._done.is_set():
            raise RuntimeError("source_rank: the receive has not completed yet")
        return self._source_rank

    def _finish(self, error=None):
        self._error = error
        self._done.set()

    def __repr__(self):
        state = "completed" if self._done.is_set() else "pending"
        return f"<cgrad.distributed.Work {self._name} ({state})>"


class Operation:
    """One queued MPI operation of a group (`pg`: its communicator and timeout).

    A collective has `run()`, the blocking MPI call made once all ranks reached it (None
    for a barrier), maybe `run_nonblocking()`, which starts the same collective and returns
    its request (Note [Busy machines]), and `signature`: (element count, numpy dtype, root
    or reduce op as an int), or () for a barrier, that every rank's call must share (Note
    [Matching collectives]). A point-to-point operation has `start()`, which returns its
    non-blocking MPI requests, and `peer`, the rank it waits for (None: any). `finish(statuses)` does the host-side rest (copies back, AVG's
    division) once the MPI part completed."""

    def __init__(self, work, pg, run=None, finish=None, start=None, signature=(),
                 peer=None, run_nonblocking=None):
        self.work, self.pg, self.run, self.finish, self.start = work, pg, run, finish, start
        self.signature, self.peer, self.run_nonblocking = signature, peer, run_nonblocking
        self.collective = start is None

    def describe(self):
        count, dtype, _ = self.signature or (None, None, None)
        if dtype is None:
            return self.work._name
        return f"{self.work._name} of {count} {dtype.name} elements"


class _Rendezvous:
    """The head collective's rendezvous: an all-reduce of every rank's signature as a
    maximum and a minimum (Note [Matching collectives]), and of whether its machine is busy
    (Note [Busy machines])."""

    def __init__(self, mpi, operation):
        count, dtype, extra = operation.signature or (None, None, None)
        mine = [zlib.crc32(operation.work._name.encode()), -1 if count is None else count,
                -1 if dtype is None else dtype.num, -1 if extra is None else extra]
        self.mine = np.array(mine, dtype=np.int64)
        busy = operation.run_nonblocking is not None and _machine_busy()
        self.extremes = np.concatenate([self.mine, -self.mine, [int(busy)]])
        self.operation = operation
        self.request = operation.pg.comm.Iallreduce(mpi.IN_PLACE, self.extremes, op=mpi.MAX)
        self.deadline = time.monotonic() + operation.pg.timeout.total_seconds()

    def all_match(self):
        n = len(self.mine)
        return ((self.extremes[:n] == self.mine).all()
                and (-self.extremes[n:2 * n] == self.mine).all())

    def collective_part(self):
        """How to run the collective: polled where some rank's machine is busy."""
        return _run_polled if self.extremes[-1] > 0 else _run_blocking


class CommThread:
    """The thread that runs every MPI operation of this process's groups, in submission
    order (Note [One communication thread])."""

    def __init__(self, mpi, rank):
        self._mpi = mpi
        self._rank = rank  # in the world group, for messages
        self._queue = queue.SimpleQueue()
        self._broken = None  # the error that broke the groups; later work fails with it
        self._thread = threading.Thread(target=self._run, name="cgrad-distributed", daemon=True)
        self._thread.start()

    def submit(self, operation):
        if self._broken is not None:
            raise self._unusable(operation)
        self._queue.put(operation)
        return operation.work

    def call(self, pg, name, fn):
        """Runs fn(), an MPI call local to this process (freeing a communicator), on this
        thread in order with the queued work, and waits for it."""
        def start():
            fn()
            return []
        self.submit(Operation(Work(name), pg, start=start)).wait()

    def stop(self):
        self._queue.put(_STOP)
        self._thread.join()

    def _run(self):
        point_to_point = []  # [operation, requests, statuses, deadline]
        collectives = collections.deque()  # the head's rendezvous is in flight
        rendezvous = None
        polls_without_progress = 0
        while True:
            if not point_to_point and not collectives:
                item = self._queue.get()
            else:
                try:
                    item = self._queue.get(timeout=_sleep_s(polls_without_progress))
                except queue.Empty:
                    item = None
            if item is _STOP:
                for operation in [entry[0] for entry in point_to_point] + list(collectives):
                    operation.work._finish(RuntimeError(
                        f"{operation.work._name}: the process group was destroyed first"))
                return
            if item is not None:
                polls_without_progress = 0
                if self._broken is not None:
                    item.work._finish(self._unusable(item))
                elif item.collective:
                    collectives.append(item)
                else:
                    self._start(item, point_to_point)
                continue
            progressed, late = self._poll(point_to_point)
            if collectives and rendezvous is None and late is None:
                rendezvous = _Rendezvous(self._mpi, collectives[0])
            error = late
            if rendezvous is not None and error is None:
                if rendezvous.request.Test():
                    head = collectives.popleft()
                    if rendezvous.all_match():
                        self._complete(head, rendezvous.collective_part(), None)
                    else:
                        collectives.appendleft(head)
                        error = RuntimeError(
                            f"cgrad.distributed: {head.describe()} on rank {self._rank} does "
                            f"not match the collective another rank called at the same point: "
                            f"every rank must call the same collectives, with the same sizes, "
                            f"dtypes, roots and reduce ops, in the same order")
                    rendezvous = None
                    progressed = True
                elif time.monotonic() > rendezvous.deadline:
                    head = collectives[0]
                    error = RuntimeError(
                        f"cgrad.distributed: {head.work._name} on rank {self._rank} timed out "
                        f"after {head.pg.timeout.total_seconds():g} s waiting for the other "
                        f"ranks (one may have failed or stopped, or the ranks did not call "
                        f"collectives in the same order)")
            if error is not None:
                self._break(error, [e[0] for e in point_to_point] + list(collectives))
                point_to_point.clear()
                collectives.clear()
                rendezvous = None
            polls_without_progress = 0 if progressed else polls_without_progress + 1

    def _start(self, operation, point_to_point):
        try:
            requests = operation.start()
        except Exception as error:  # noqa: BLE001 (handed to the waiting caller)
            operation.work._finish(_as_runtime_error(operation.work._name, error))
            return
        deadline = time.monotonic() + operation.pg.timeout.total_seconds()
        point_to_point.append([operation, requests, [self._mpi.Status() for _ in requests],
                               deadline])

    def _complete(self, operation, mpi_part, statuses):
        """Runs the rest of `operation` and hands its outcome to its Work."""
        error = None
        try:
            mpi_part(operation)
            if operation.finish is not None:
                operation.finish(statuses)
        except Exception as failure:  # noqa: BLE001
            error = _as_runtime_error(operation.work._name, failure)
        operation.work._finish(error)

    def _poll(self, point_to_point):
        """Completes the finished sends and receives; returns (whether any finished, the
        timeout error of one that waited too long)."""
        progressed, late = False, None
        now = time.monotonic()
        for entry in list(point_to_point):
            operation, requests, statuses, deadline = entry
            if self._mpi.Request.Testall(requests, statuses):
                point_to_point.remove(entry)
                progressed = True
                self._complete(operation, lambda _: None, statuses)
            elif now > deadline and late is None:
                for request in requests:  # MPI must not write into the buffer later
                    request.Cancel()
                peer = "any rank" if operation.peer is None else f"rank {operation.peer}"
                late = RuntimeError(
                    f"cgrad.distributed: {operation.work._name} on rank {self._rank} timed out "
                    f"after {operation.pg.timeout.total_seconds():g} s waiting for {peer}")
        return progressed, late

    def _break(self, error, pending):
        """A rank failed or the ranks disagree: `pending` and all later work fail."""
        self._broken = error
        for operation in pending:
            operation.work._finish(error)

    def _unusable(self, operation):
        return RuntimeError(f"{operation.work._name} on rank {self._rank}: the process group "
                            f"can no longer be used after an earlier error: {self._broken}")


def _sleep_s(polls_without_progress):
    return min(_MAX_SLEEP_S, _FIRST_SLEEP_S * 2 ** min(polls_without_progress, 10))


def _machine_busy():
    """Whether this machine has more runnable threads than cores (over the last minute)."""
    try:
        return os.getloadavg()[0] > len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return False


def _run_blocking(operation):
    if operation.run is not None:
        operation.run()


def _run_polled(operation):
    """The non-blocking form of the collective, polled with sleeps in between."""
    request = operation.run_nonblocking()
    polls = 0
    while not request.Test():
        time.sleep(_sleep_s(polls))
        polls += 1


def _as_runtime_error(name, error):
    if isinstance(error, RuntimeError):
        return error
    return RuntimeError(f"{name}: {type(error).__name__}: {error}")
