"""Worker processes, so that a crash or a hang in cgrad costs one program, not the run.

# Note [Crash isolation]:
# Programs run in forked children (fork, not a fresh interpreter: the children inherit
# the imported torch and cgrad, so starting one costs ~30 ms instead of ~2 s). A child
# runs its share of the indices and streams one JSON line when it starts a program and
# one with the result; before running any program (a generated one or a minimizer's
# candidate) it puts it in its ProgramSlot (slot.py). When a child dies by a signal (or
# is killed after `timeout` seconds without a result), the parent knows the index it was
# on and reads the exact program that was running from the slot (or that torch died
# while generating it: the generator runs every step in torch, and torch 2.13 has
# crashes of its own), starts a new child on
# the indices left, and minimizes the crash with one forked child per candidate: each
# reports the step it is about to run in each library, so the crash is pinned to a step
# and the minimizer keeps candidates that crash at a step made by the same op.
"""
import faulthandler
import json
import os
import pickle
import resource
import select
import signal
import sys
import time
import traceback
import warnings
from collections import Counter, deque

import cgrad
import torch
# torch imports this (and sympy) on first use, in broadcast_shapes: once here rather
# than in every forked child, a second each
import torch.fx.experimental.symbolic_shapes  # noqa: F401

from .check import check
from .compare import Divergence
from .minimize import minimize
from .report import program_source, reproducer
from .runner import GENERATING, Runner, signature
from .slot import ProgramSlot

MEMORY_HEADROOM = 3 << 30   # bytes of address space a child may add to what it has
CRASH_BUDGET = 150          # forked runs to minimize one crash
CANDIDATE_TIMEOUT = 30.0


def setup_child():
    """Single-threaded kernels, no warnings, a memory cap, Ctrl-C left to the parent,
    no traceback dump or core file on a crash (the parent reports crashes)."""
    faulthandler.disable()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    torch.set_num_threads(1)
    cgrad.set_num_threads(1)
    warnings.simplefilter("ignore")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with open("/proc/self/statm") as f:
            vm = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (vm + MEMORY_HEADROOM, hard))
    except (OSError, ValueError):
        pass


def write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


def send(fd, obj):
    write_all(fd, (json.dumps(obj) + "\n").encode())


def fork_child(work, failure):
    """Forks a child that runs work(write end of a pipe) and exits, with status `failure`
    if work raised (a fuzzer bug); returns (pid, read end of the pipe)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns
        os.close(r)
        code = 0
        try:
            setup_child()
            work(w)
        except BaseException:  # noqa: BLE001 - the exit status says it, stderr says why
            traceback.print_exc()
            code = failure
        finally:
            os._exit(code)
    os.close(w)
    return pid, r


def death(status):
    if os.WIFSIGNALED(status):
        return signal.Signals(os.WTERMSIG(status)).name
    return f"exit status {os.WEXITSTATUS(status)}"


class Worker:
    """A forked child running `indices` of `seed` with a Runner."""

    def __init__(self, seed, indices, options):
        self.pending = deque(indices)
        self.current = None
        self.started = 0.0
        self.buf = b""
        self.timed_out = False
        self.slot = ProgramSlot()

        def run_all(w):
            runner = Runner(seed, slot=self.slot, **options)
            for index in indices:
                send(w, {"start": index})
                send(w, {"result": runner.run(index)})
        self.pid, self.fd = fork_child(run_all, failure=1)

    def started_program(self, index):
        while self.pending and self.pending[0] != index:
            self.pending.popleft()
        if self.pending:
            self.pending.popleft()
        self.current = index
        self.started = time.monotonic()

    def crashed_program(self):
        """The program that was running when the child died (None if unreadable)."""
        try:
            return self.slot.get()
        except (EOFError, pickle.UnpicklingError):
            return None


def forked_check(steps, timeout=CANDIDATE_TIMEOUT):
    """check(steps) in a forked child; a crash or a hang comes back as a Divergence."""
    def run_one(w):
        outcome = check(steps, lambda i, lib: write_all(w, f"@{i} {lib}\n".encode()))
        send(w, [d.to_dict() for d in outcome.divergences])
    pid, r = fork_child(run_one, failure=3)
    data, deadline, killed = b"", time.monotonic() + timeout, False
    while True:
        ready, _, _ = select.select([r], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            os.kill(pid, signal.SIGKILL)
            killed = True
            break
        chunk = os.read(r, 1 << 16)
        if not chunk:
            break
        data += chunk
    os.close(r)
    _, status = os.waitpid(pid, 0)
    lines = data.decode().splitlines()
    if lines and not lines[-1].startswith("@") and not killed:
        return [Divergence(**d) for d in json.loads(lines[-1])]
    if not killed and os.WIFEXITED(status):
        return []  # the check itself failed (exit status 3), no crash
    where = [ln for ln in lines if ln.startswith("@")]
    step, lib = where[-1][1:].split() if where else (len(steps), "end")
    step = int(step)
    how = "no result after {:.0f} s".format(timeout) if killed else f"killed by {death(status)}"
    label = steps[step].label() if step < len(steps) else "end"
    other = "ran it" if lib == "cgrad" else "not reached"
    return [Divergence("timeout" if killed else "crash", step, f"v{step}", label,
                       f"{how} while {lib} ran step {step}",
                       how if lib == "torch" else other, how if lib != "torch" else other,
                       origin=step)]


class Pool:
    def __init__(self, seed, jobs=1, minimize=True, per_signature=2, max_minimized=None,
                 timeout=60.0, on_result=None):
        self.seed = seed
        self.jobs = max(1, jobs)
        self.options = {"minimize": minimize, "per_signature": per_signature,
                        "max_minimized": max_minimized}
        self.timeout = timeout
        self.on_result = on_result or (lambda result: None)
        self.crashes_minimized = Counter()
        self.results = []

    def run(self, indices):
        indices = list(indices)
        chunks = [indices[j::self.jobs] for j in range(self.jobs)]
        workers = {}
        for chunk in chunks:
            if chunk:
                w = Worker(self.seed, chunk, self.options)
                workers[w.fd] = w
        try:
            while workers:
                self.poll(workers)
        finally:
            for w in workers.values():
                os.kill(w.pid, signal.SIGKILL)
                os.waitpid(w.pid, 0)
                w.slot.close()
        return sorted(self.results, key=lambda r: r["index"])

    def poll(self, workers):
        ready, _, _ = select.select(list(workers), [], [], 0.5)
        for fd in ready:
            w = workers[fd]
            data = os.read(fd, 1 << 16)
            if not data:
                del workers[fd]
                for new in self.finish(w):
                    workers[new.fd] = new
                continue
            w.buf += data
            while b"\n" in w.buf:
                line, w.buf = w.buf.split(b"\n", 1)
                message = json.loads(line)
                if "start" in message:
                    w.started_program(message["start"])
                else:
                    w.current = None
                    self.add(message["result"])
        now = time.monotonic()
        for w in workers.values():
            if w.current is not None and not w.timed_out and now - w.started > self.timeout:
                os.kill(w.pid, signal.SIGKILL)
                w.timed_out = True

    def add(self, result):
        self.results.append(result)
        self.on_result(result)

    def finish(self, w):
        """Reaps a child; reports the program it died on; returns the child that takes
        over the indices it had left."""
        _, status = os.waitpid(w.pid, 0)
        os.close(w.fd)
        steps = w.crashed_program()
        w.slot.close()
        rest = list(w.pending)
        if w.current is not None:
            kind = "timeout" if w.timed_out else "crash"
            self.add(self.died(w.current, steps, kind, death(status)))
        elif status != 0 and rest:
            print(f"fuzz worker failed outside a program ({death(status)})", file=sys.stderr)
            rest = []
        return [Worker(self.seed, rest, self.options)] if rest else []

    def died(self, index, steps, kind, how):
        """The result for a program whose child died: minimized if it crashes alone."""
        if steps == GENERATING:  # torch's own crash: nothing of cgrad's ran
            return {"index": index, "steps": 0, "divs": [], "repros": [],
                    "quirks": [f"torch itself crashed ({how}) while the program was generated"]}
        detail = f"{kind}: child {how} while running program {index}"
        div = Divergence(kind, 0, "program", "?", detail, "-", how, origin=0)
        result = {"index": index, "steps": len(steps or ()), "divs": [div.to_dict()],
                  "quirks": [], "repros": []}
        if steps is None:
            return result
        text = "\n".join([f"# cgrad fuzz, seed {self.seed} index {index}: {detail}",
                          "import cgrad as torch  # or: import torch",
                          "F = torch.nn.functional"] + program_source(steps))
        if kind == "timeout":
            result["repros"].append({"signature": f"timeout | {index}", "text": text})
            return result
        again = [d for d in forked_check(steps) if d.kind == "crash"]
        if not again:
            div.detail += " (no crash when run alone)"
            result["divs"] = [div.to_dict()]
            result["repros"].append({"signature": f"crash, not alone | {index}",
                                     "text": text})
            return result
        target = again[0]
        result["divs"] = [target.to_dict()]
        if not self.options["minimize"] or \
                self.crashes_minimized[target.label] >= self.options["per_signature"]:
            return result
        self.crashes_minimized[target.label] += 1
        small = minimize(steps, target, forked_check, budget=CRASH_BUDGET)
        final = next((d for d in forked_check(small) if target.same_as(d)), target)
        result["repros"].append({"signature": signature(final, small),
                                 "text": reproducer(small, final, self.seed, index)})
        return result
