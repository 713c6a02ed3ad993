"""Instructions per op of cgrad's small-tensor paths, counted by callgrind: a count that
the noise of a shared machine does not move, for before/after comparisons of per-op
overhead (bench/compare.py gives the times and the ratios to torch).

    python bench/op_instructions.py [--python-path DIR]

runs each loop at two lengths under `valgrind --tool=callgrind` and prints the
difference per op, so import and setup cancel out."""
import argparse
import os
import subprocess
import sys
import tempfile

# one scalar neuron, as micrograd_mlp_scalar's: 4 mul, 3 add, tanh (8 ops)
NEURON = ("w = [torch.tensor([0.3], requires_grad=True) for _ in range(4)]\n"
          "x = [torch.tensor([0.7]) for _ in range(4)]\n"
          "for _ in range(n // 8):\n"
          "    s = w[0] * x[0]\n"
          "    for wi, xi in zip(w[1:], x[1:]): s = s + wi * xi\n"
          "    s = s.tanh()\n")
LOOPS = {
    # a + b on 4 elements, as bench/workloads.py's op_overhead_add_small
    "add_small": "a = torch.ones(4); b = torch.ones(4)\nfor _ in range(n): r = a + b",
    "neuron_forward": NEURON,
    "neuron_forward_backward": NEURON + "    s.backward()\n",
}
SHORT, LONG = 2000, 42000
# Idle worker threads (numpy's OpenBLAS pool, OpenMP's) spin for a while and callgrind
# counts their instructions too, ~300 per op of noise from run to run; one thread each and
# a fixed hash seed make the count repeat exactly.
DETERMINISTIC_ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                         PYTHONHASHSEED="0")


def instructions(code, n, python_path):
    script = f"import sys; sys.path.insert(0, {python_path!r})\nimport cgrad as torch\nn = {n}\n{code}"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                        sys.executable, "-c", script], check=True, capture_output=True,
                       env=DETERMINISTIC_ENV)
        for line in open(out):
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError("callgrind wrote no total")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python")
    parser.add_argument("--python-path", default=os.path.normpath(here),
                        help="the directory holding the cgrad package to count")
    args = parser.parse_args()
    for name, code in LOOPS.items():
        per_op = (instructions(code, LONG, args.python_path)
                  - instructions(code, SHORT, args.python_path)) / (LONG - SHORT)
        print(f"{name:26s} {per_op:8.0f} instructions/op")


if __name__ == "__main__":
    main()
