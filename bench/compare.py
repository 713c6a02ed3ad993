"""cgrad vs torch (and numpy where it applies), same workloads, one table of ratios.

    python bench/compare.py                 # 1 thread, all workloads
    python bench/compare.py --threads 1,2 --json results.json
    python bench/compare.py --only matmul_512,tanh_4M --rounds 4
    python bench/compare.py --plot ratios.png   # also a bar chart of the ratios (matplotlib)

Each library runs in its own worker process. Workloads alternate between libraries in an
A B B A order, each sample is timed after a warm-up, medians are reported, and every
result is first checked against a float64 numpy reference: a wrong result is reported as
WRONG and never timed. Beside each ratio, cgrad's speed as a fraction of this machine's
limit, both measured here: the sgemm peak (numpy's BLAS on a 2048 float32 matmul at the
same thread count, near the FMA peak) for GFLOP/s workloads, the copy bandwidth for
GB/s ones. A second table gives each training workload's peak resident memory, each
library in a fresh worker per workload.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
LIBRARIES = ["cgrad", "torch", "numpy"]
TARGET_SAMPLE_SECONDS = 0.05


# ---------------------------------------------------------------- worker side

def import_library(name, threads):
    if name == "numpy":
        return np
    lib = __import__(name)
    if hasattr(lib, "set_num_threads"):
        lib.set_num_threads(threads)
    return lib


def serve(name, threads):
    """Worker loop: one JSON request per stdin line, one JSON answer per stdout line."""
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parent / "examples"))  # digits_model, shared with the example
    import workloads

    lib = import_library(name, threads)
    cases = {}
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("ping"):
            print(json.dumps({"status": "ready"}), flush=True)
            continue
        if request.get("flops_peak"):
            print(json.dumps({"gflops": measure_flops_peak()}), flush=True)
            continue
        if request.get("peak_memory"):
            print(json.dumps(peak_memory(lib, workloads, request["peak_memory"],
                                         request["steps"])), flush=True)
            continue
        workload = request["workload"]
        try:
            if workload not in cases:
                case = workloads.ALL[workload](lib, np.random.default_rng(0))
                case.run()  # warm-up, and the run whose result is checked
                got = np.asarray(case.result(), dtype=np.float64)
                want = np.asarray(case.reference(), dtype=np.float64)
                if got.shape != want.shape or not np.allclose(got, want, rtol=case.rtol,
                                                              atol=case.rtol):
                    err = np.max(np.abs(got - want)) if got.shape == want.shape else "shape"
                    cases[workload] = ("WRONG", f"max error {err}")
                else:
                    repeat = calibrate(case.run)
                    cases[workload] = (case, repeat)
            entry = cases[workload]
            if entry[0] in ("WRONG", "n/a"):
                answer = {"status": entry[0], "detail": entry[1]}
            else:
                case, repeat = entry
                times = []
                for _ in range(request["samples"]):
                    start = time.perf_counter()
                    for _ in range(repeat):
                        case.run()
                    times.append((time.perf_counter() - start) / repeat)
                answer = {"status": "ok", "times": times, "unit": case.unit,
                          "amount": case.amount}
        except Exception as e:  # noqa: BLE001 - an unsupported op is reported, not fatal
            cases[workload] = ("n/a", f"{type(e).__name__}: {e}"[:120])
            answer = {"status": "n/a", "detail": cases[workload][1]}
        print(json.dumps(answer), flush=True)


def calibrate(run):
    start = time.perf_counter()
    run()
    once = max(time.perf_counter() - start, 1e-9)
    return max(1, int(TARGET_SAMPLE_SECONDS / once))


def peak_memory(lib, workloads, workload, steps):
    """Peak resident memory (MiB) of `steps` runs of a training workload in this fresh
    worker, and that peak less the process's peak before the workload was built (the
    interpreter, numpy and the library's import), which is the workload's own share."""
    before = peak_rss_kib()
    try:
        case = workloads.ALL[workload](lib, np.random.default_rng(0))
        for _ in range(steps):
            case.run()
    except Exception as e:  # noqa: BLE001
        return {"status": "n/a", "detail": f"{type(e).__name__}: {e}"[:120]}
    peak = peak_rss_kib()
    return {"status": "ok", "peak_mib": peak / 1024, "workload_mib": (peak - before) / 1024}


def peak_rss_kib():
    # VmHWM, not ru_maxrss: the latter survives exec, so a worker would inherit the
    # parent's peak.
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))


# ---------------------------------------------------------------- parent side

class Worker:
    def __init__(self, name, threads):
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
                   MKL_NUM_THREADS=str(threads), OMP_PROC_BIND="true")
        self.name = name
        self.proc = subprocess.Popen([sys.executable, __file__, "--worker", name,
                                      "--threads", str(threads)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=env)

    def ask(self, request):
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def available(name):
    probe = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True)
    return probe.returncode == 0


def value_in_unit(seconds, unit, amount):
    if unit == "us/op":
        return seconds / amount * 1e6
    if unit in ("ms/step", "ms/epoch"):
        return seconds * 1e3
    if unit == "GB/s":
        return amount / seconds / 1e9
    return amount / seconds / 1e9  # GFLOP/s


def measure_bandwidth():
    """The machine's copy bandwidth (GB/s, read + write) as numpy sees it, 1 thread."""
    a = np.ones(1 << 25, dtype=np.float32)
    b = np.empty_like(a)
    best = []
    for _ in range(7):
        start = time.perf_counter()
        np.copyto(b, a)
        best.append(time.perf_counter() - start)
    return 2 * a.nbytes / statistics.median(best) / 1e9


def measure_flops_peak():
    """GFLOP/s of a 2048 float32 matmul by numpy's BLAS in this worker (its thread count)."""
    a = np.ones((2048, 2048), dtype=np.float32)
    np.dot(a, a)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        np.dot(a, a)
        times.append(time.perf_counter() - start)
    return 2 * 2048 ** 3 / min(times) / 1e9


def run_threads(threads, names, rounds, samples):
    libs = [lib for lib in LIBRARIES if available(lib)]
    workers = {lib: Worker(lib, threads) for lib in libs}
    for w in workers.values():  # no timing while another worker is still importing
        w.ask({"ping": True})
    results = {}
    try:
        if "numpy" in workers:
            results["flops_peak_gflops"] = workers["numpy"].ask({"flops_peak": True})["gflops"]
        for workload in names:
            per_lib = {lib: {"times": []} for lib in libs}
            order = [lib for lib in ["cgrad", "torch"] if lib in libs]
            for r in range(rounds):  # A B, B A, A B, ...
                for lib in (order if r % 2 == 0 else order[::-1]):
                    answer = workers[lib].ask({"workload": workload, "samples": samples})
                    merge(per_lib[lib], answer)
            if "numpy" in libs and workload in FORWARD_ONLY:
                for _ in range(rounds):
                    merge(per_lib["numpy"], workers["numpy"].ask({"workload": workload,
                                                                  "samples": samples}))
            results[workload] = per_lib
    finally:
        for w in workers.values():
            w.close()
    # A fresh worker per library and workload: the peak is a lifetime figure, so the
    # workloads above (or another training workload) would otherwise count.
    results["peak_memory"] = {}
    for workload in names:
        steps = MEMORY_STEPS.get(workload)
        if steps is None:
            continue
        per_lib = results["peak_memory"][workload] = {"steps": steps}
        for lib in order:
            fresh = Worker(lib, threads)
            try:
                per_lib[lib] = fresh.ask({"peak_memory": workload, "steps": steps})
            finally:
                fresh.close()
    return results


def merge(acc, answer):
    if answer["status"] != "ok":
        acc["status"] = answer["status"]
        acc["detail"] = answer.get("detail", "")
        return
    acc["times"].extend(answer["times"])
    acc["unit"], acc["amount"] = answer["unit"], answer["amount"]


def cell(entry):
    if entry is None:
        return "-"
    if entry.get("status") in ("WRONG", "n/a"):
        return entry["status"]
    if not entry["times"]:
        return "-"
    return f"{value_in_unit(statistics.median(entry['times']), entry['unit'], entry['amount']):.3g}"


def fraction_of_limit(entry, peak, bandwidth):
    """cgrad's speed over the machine's limit for its unit, as a percentage cell."""
    if not entry or "status" in entry or not entry["times"]:
        return "-"
    limit = {"GFLOP/s": peak, "GB/s": bandwidth}.get(entry["unit"])
    if not limit:
        return "-"
    value = value_in_unit(statistics.median(entry["times"]), entry["unit"], entry["amount"])
    return f"{100 * value / limit:.0f}%"


NOT_WORKLOADS = {"peak_memory", "flops_peak_gflops"}


def print_table(threads, results, bandwidth):
    peak = results.get("flops_peak_gflops")
    peak_text = f", sgemm peak {peak:.0f} GFLOP/s" if peak else ""
    print(f"\n## {threads} thread(s)   (measured here: copy bandwidth {bandwidth:.1f} GB/s"
          f"{peak_text})\n")
    print(f"| workload | unit | cgrad | torch | numpy | cgrad/torch time | cgrad of limit |")
    print("|---|---|---|---|---|---|---|")
    by_workload = ratios_of(results)
    ratios = list(by_workload.values())
    for workload, per_lib in results.items():
        if workload in NOT_WORKLOADS:
            continue
        ours, theirs = per_lib.get("cgrad"), per_lib.get("torch")
        unit = next((e.get("unit") for e in per_lib.values() if e.get("unit")), "")
        r = by_workload.get(workload)
        ratio = "-" if r is None else f"{r:.2f}"
        print(f"| {workload} | {unit} | {cell(ours)} | {cell(theirs)} | "
              f"{cell(per_lib.get('numpy'))} | {ratio} | "
              f"{fraction_of_limit(ours, peak, bandwidth)} |")
    if ratios:
        geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        print(f"\ngeometric mean of cgrad/torch time ratios over {len(ratios)} workloads: {geo:.2f}")
    print_peak_memory(results.get("peak_memory", {}))


def print_peak_memory(by_workload):
    """Peak RSS of each training workload, each library in a fresh worker; "own" is the
    peak less the worker's peak before the workload (interpreter and library import)."""
    if not by_workload:
        return
    print("\n| training workload | steps | cgrad peak MiB | torch peak MiB | cgrad/torch peak "
          "| cgrad own MiB | torch own MiB |")
    print("|---|---|---|---|---|---|---|")
    for workload, per_lib in by_workload.items():
        ours, theirs = per_lib.get("cgrad", {}), per_lib.get("torch", {})

        def mib(entry, key):
            return f"{entry[key]:.0f}" if entry.get("status") == "ok" else entry.get("status", "-")

        both = ours.get("status") == "ok" and theirs.get("status") == "ok"
        ratio = f"{ours['peak_mib'] / theirs['peak_mib']:.2f}" if both else "-"
        print(f"| {workload} | {per_lib['steps']} | {mib(ours, 'peak_mib')} | "
              f"{mib(theirs, 'peak_mib')} | {ratio} | {mib(ours, 'workload_mib')} | "
              f"{mib(theirs, 'workload_mib')} |")


def ratios_of(results):
    """{workload: cgrad/torch median time} for the workloads both libraries ran."""
    out = {}
    for workload, per_lib in results.items():
        if workload in NOT_WORKLOADS:
            continue
        ours, theirs = per_lib.get("cgrad"), per_lib.get("torch")
        if ours and theirs and ours["times"] and theirs["times"] and "status" not in ours \
                and "status" not in theirs:
            out[workload] = statistics.median(ours["times"]) / statistics.median(theirs["times"])
    return out


def plot_ratios(runs, path):
    """One horizontal bar per workload and thread count: cgrad/torch time, 1.0 marked."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("--plot needs matplotlib (pip install matplotlib); the table above is complete")
    per_threads = {threads: ratios_of(results) for threads, results in runs.items()}
    names = list(dict.fromkeys(w for r in per_threads.values() for w in r))
    height = 0.8 / max(1, len(per_threads))
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(names) * len(per_threads) + 1.5))
    for i, (threads, ratios) in enumerate(per_threads.items()):
        ys = [k + i * height for k in range(len(names))]
        ax.barh(ys, [ratios.get(n, 0) for n in names], height, label=f"{threads} thread(s)")
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_yticks([k + height * (len(per_threads) - 1) / 2 for k in range(len(names))])
    ax.set_yticklabels(names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("cgrad time / torch time (lower is faster)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"\nratios plotted to {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--threads", default="1", help="comma-separated thread counts")
    parser.add_argument("--only", help="comma-separated workload names")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--samples", type=int, default=5, help="samples per round")
    parser.add_argument("--json", help="write every sample to this file")
    parser.add_argument("--plot", help="draw the ratios per workload to this image (matplotlib)")
    args = parser.parse_args()
    if args.worker:
        serve(args.worker, int(args.threads))
        return
    sys.path.insert(0, str(HERE))
    import workloads
    global FORWARD_ONLY, MEMORY_STEPS
    FORWARD_ONLY = workloads.FORWARD_ONLY
    MEMORY_STEPS = workloads.MEMORY_STEPS
    names = args.only.split(",") if args.only else list(workloads.ALL)
    bandwidth = measure_bandwidth()
    everything = {"bandwidth_gbs": bandwidth, "machine": os.uname().machine,
                  "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d"), "runs": {}}
    for threads in [int(t) for t in args.threads.split(",")]:
        results = run_threads(threads, names, args.rounds, args.samples)
        print_table(threads, results, bandwidth)
        everything["runs"][str(threads)] = results
    if args.json:
        Path(args.json).write_text(json.dumps(everything, indent=1))
    if args.plot:
        plot_ratios(everything["runs"], args.plot)


if __name__ == "__main__":
    main()
