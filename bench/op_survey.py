"""cgrad/torch time of single ops and small forward+backward chunks that training code is
made of (reductions over dims, normalization, copies, resampling, activations' backward
under sum()), to find the ops that lag torch; bench/compare.py times whole workloads.

    python bench/op_survey.py [--threads 1] [--rounds 3] [--only name,name]

Each library runs in its own worker process, the two alternating for `rounds` rounds;
each case is timed as the median of 5 batches after a warm-up, and the table gives the
median over rounds. Ratios below 1 mean cgrad is faster.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np


def cases(lib):
    F = lib.nn.functional
    rng = np.random.default_rng(0)

    def t(*shape, grad=False):
        return lib.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=grad)

    a, b, v = t(256, 256), t(256, 256), t(256)
    ag, x = t(256, 256, grad=True), t(128, 512, grad=True)
    w, bias = t(256, 512, grad=True), t(256, grad=True)
    images, images_g = t(32, 64, 8, 8), t(32, 64, 16, 16, grad=True)
    channel_w, channel_b = t(64, grad=True), t(64, grad=True)
    big = t(1024, 1024)
    labels = lib.tensor(rng.integers(0, 256, 4096))
    return {
        # reductions over dims (Note [Sums over outer and inner dims])
        "sum_dims_0_2_3": lambda: images.sum((0, 2, 3)),
        "sum_dim0": lambda: a.sum(0),
        "sum_of_transposed": lambda: a.t().sum(0),
        "var_dims_0_2_3": lambda: images.var((0, 2, 3)),
        "amax_dim0": lambda: a.amax(0),
        "norm_dim1": lambda: a.norm(dim=1),
        "prod_dim1": lambda: a.prod(1),
        # elementwise, copies and joins
        "clamp": lambda: a.clamp(-0.5, 0.5),
        "maximum": lambda: lib.maximum(a, b),
        "cat_dim1": lambda: lib.cat([a, b], 1),
        "roll": lambda: a.roll(3, 1),
        "transpose_contiguous_1024": lambda: big.t().contiguous(),
        "one_hot": lambda: F.one_hot(labels, 256),
        # training pieces, forward and backward (sum() hands down an expanded gradient)
        "linear_fwd_bwd": lambda: F.linear(x, w, bias).sum().backward(),
        "relu_fwd_bwd": lambda: F.relu(x).sum().backward(),
        "gelu_fwd_bwd": lambda: F.gelu(x).sum().backward(),
        "softmax_dim0_fwd_bwd": lambda: ag.softmax(0).sum().backward(),
        "layer_norm_fwd_bwd": lambda: F.layer_norm(x, (512,)).sum().backward(),
        "batch_norm_fwd_bwd": lambda: F.batch_norm(images_g, None, None, channel_w, channel_b,
                                                   training=True).sum().backward(),
        "upsample_nearest_fwd_bwd": lambda: F.interpolate(images_g, scale_factor=2).sum()
                                                .backward(),
        "max_pool_fwd_bwd": lambda: F.max_pool2d(images_g, 2).sum().backward(),
        "normalize_fwd_bwd": lambda: F.normalize(x, dim=1).sum().backward(),
        "mse_fwd_bwd": lambda: F.mse_loss(x, x.detach() * 0.5).backward(),
    }, (ag, x, w, bias, images_g, channel_w, channel_b)


def measure(lib_name, threads, only):
    """{case: microseconds per call} for one library, in this process."""
    lib = __import__(lib_name)
    lib.set_num_threads(threads)
    table, leaves = cases(lib)
    out = {}
    for name, fn in table.items():
        if only and name not in only:
            continue
        for _ in range(5):
            fn()
        calls, samples = 20, []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            samples.append((time.perf_counter() - start) / calls * 1e6)
        for leaf in leaves:
            leaf.grad = None
        out[name] = statistics.median(samples)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", help="comma-separated case names")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    if args.worker:
        for name, us in measure(args.worker, args.threads, only).items():
            print(name, us)
        return
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS="1")
    times = {"cgrad": {}, "torch": {}}
    for round_ in range(args.rounds):
        order = ("cgrad", "torch") if round_ % 2 == 0 else ("torch", "cgrad")
        for lib in order:
            run = subprocess.run([sys.executable, __file__, "--worker", lib, "--threads",
                                  str(args.threads)] + (["--only", args.only] if args.only else []),
                                 capture_output=True, text=True, check=True, env=env)
            for line in run.stdout.splitlines():
                name, us = line.split()
                times[lib].setdefault(name, []).append(float(us))
    print(f"| case ({args.threads} thread(s)) | cgrad us | torch us | cgrad/torch |")
    print("|---|---|---|---|")
    for name, ours in times["cgrad"].items():
        mine, theirs = statistics.median(ours), statistics.median(times["torch"][name])
        print(f"| {name} | {mine:.1f} | {theirs:.1f} | {mine / theirs:.2f} |")


if __name__ == "__main__":
    main()
