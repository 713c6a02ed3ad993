"""The communication thread: every MPI call of a process group runs here, in order.

Note [One communication thread]: collectives are queued to a single thread that starts
them as MPI non-blocking operations in submission order (every rank must start its
collectives in the same order, and one thread keeps it so) and completes them as MPI
reports them done. Several operations may be in flight at once, so DDP's bucket
all-reduces overlap each other and the backward pass that goes on in the caller's thread,
and a symmetric isend/irecv exchange cannot deadlock on the order the thread starts them.

Note [Polling with backoff]: Open MPI progresses non-blocking collectives only inside
MPI calls, so in-flight work must be polled with MPI_Test. Spinning on Test took a whole
core from the backward pass it was meant to overlap (2 ranks on 2 cores ran at half
speed), so the thread spins briefly after any progress, then sleeps in growing steps up
to a cap, woken at once by newly queued work. Latency stays in the tens of microseconds
while busy; an idle group costs nothing (the thread blocks on its queue).
"""
import queue
import threading
import time

_SPIN_POLLS = 50           # Tests in a row before the thread starts sleeping
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
    """One queued MPI operation: `start()` returns its MPI requests, `finish(statuses)`
    does the host-side rest (copies back, AVG's division) once they completed."""

    def __init__(self, work, start, finish=None):
        self.work, self.start, self.finish = work, start, finish


class CommThread:
    def __init__(self, mpi, rank, timeout_s):
        self._mpi = mpi
        self._rank = rank
        self._timeout_s = timeout_s
        self._queue = queue.SimpleQueue()
        self._broken = None  # the error that broke the group; later work fails with it
        self._thread = threading.Thread(target=self._run, name="cgrad-distributed", daemon=True)
        self._thread.start()

    def submit(self, operation):
        if self._broken is not None:
            raise self._broken
        self._queue.put(operation)
        return operation.work

    def stop(self):
        self._queue.put(_STOP)
        self._thread.join()

    def _run(self):
        in_flight = []  # [operation, requests, statuses, deadline]
        polls_without_progress = 0
        while True:
            if not in_flight:
                item = self._queue.get()
            else:
                try:
                    item = self._queue.get(timeout=self._sleep(polls_without_progress)) \
                        if polls_without_progress >= _SPIN_POLLS else self._queue.get_nowait()
                except queue.Empty:
                    item = None
            if item is _STOP:
                for entry in in_flight:
                    entry[0].work._finish(RuntimeError(
                        f"{entry[0].work._name}: the process group was destroyed first"))
                return
            if item is not None:
                self._start(item, in_flight)
                polls_without_progress = 0
                continue
            progressed = self._poll(in_flight)
            polls_without_progress = 0 if progressed else polls_without_progress + 1

    @staticmethod
    def _sleep(polls_without_progress):
        return min(_MAX_SLEEP_S, _FIRST_SLEEP_S * 2 ** min(polls_without_progress - _SPIN_POLLS, 10))

    def _start(self, operation, in_flight):
        if self._broken is not None:
            operation.work._finish(self._broken)
            return
        try:
            requests = operation.start()
        except Exception as error:  # noqa: BLE001 (handed to the waiting caller)
            operation.work._finish(_as_runtime_error(operation.work._name, error))
            return
        statuses = [self._mpi.Status() for _ in requests]
        in_flight.append([operation, requests, statuses, time.monotonic() + self._timeout_s])

    def _poll(self, in_flight):
        progressed = False
        for entry in list(in_flight):
            operation, requests, statuses, deadline = entry
            if self._mpi.Request.Testall(requests, statuses):
                in_flight.remove(entry)
                progressed = True
                error = None
                try:
                    if operation.finish is not None:
                        operation.finish(statuses)
                except Exception as failure:  # noqa: BLE001
                    error = _as_runtime_error(operation.work._name, failure)
                operation.work._finish(error)
            elif time.monotonic() > deadline:
                self._broken = RuntimeError(
                    f"cgrad.distributed: {operation.work._name} on rank {self._rank} timed out "
                    f"after {self._timeout_s:g} s waiting for the other ranks (one may have "
                    f"failed, or the ranks did not call collectives in the same order)")
                for other in in_flight:
                    other[0].work._finish(self._broken)
                in_flight.clear()
                return True
        return progressed


def _as_runtime_error(name, error):
    if isinstance(error, RuntimeError):
        return error
    return RuntimeError(f"{name}: {type(error).__name__}: {error}")
