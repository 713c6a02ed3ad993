"""Data-parallel training step: cgrad's DistributedDataParallel over MPI vs torch's over
gloo, on the same MLP, on 1 and 2 ranks (one thread each).

    python bench/ddp.py                       # launches `mpirun -n R` itself
    python bench/ddp.py --ranks 1,2 --steps 40 --hidden 1024

A step is zero_grad, forward, cross-entropy, backward (gradients averaged across ranks
in buckets while backward runs) and an SGD step, on a per-rank batch of --batch rows.
Each launch reports the median over rounds of --steps steps after a warm-up, read on
rank 0; the table shows the best launch of each library (launched A B B A, --repeats
times), the least disturbed by other load on the machine.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def worker(lib_name, args):
    rank = int(os.environ.get("OMPI_COMM_WORLD_RANK", "0"))
    world = int(os.environ.get("OMPI_COMM_WORLD_SIZE", "1"))
    if lib_name == "torch":
        import torch
        os.environ.update(RANK=str(rank), WORLD_SIZE=str(world), MASTER_ADDR="127.0.0.1",
                          MASTER_PORT=str(args.port))
        torch.distributed.init_process_group("gloo")
    else:
        import cgrad as torch
        torch.distributed.init_process_group("mpi")
    torch.set_num_threads(1)
    nn = torch.nn
    torch.manual_seed(0)
    layers = [nn.Linear(args.features, args.hidden), nn.ReLU()]
    for _ in range(args.layers - 1):
        layers += [nn.Linear(args.hidden, args.hidden), nn.ReLU()]
    model = nn.parallel.DistributedDataParallel(nn.Sequential(*layers, nn.Linear(args.hidden, 10)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    generator = torch.Generator().manual_seed(rank)
    x = torch.randn(args.batch, args.features, generator=generator)
    y = torch.randint(0, 10, (args.batch,), generator=generator)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()

    for _ in range(5):
        step()
    rounds = []
    for _ in range(args.rounds):
        torch.distributed.barrier()
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        rounds.append((time.perf_counter() - start) / args.steps * 1e3)
    if rank == 0:
        params = sum(p.numel() for p in model.parameters())
        print("RESULT " + json.dumps({"ms": statistics.median(rounds), "params": params}))
    torch.distributed.destroy_process_group()


def launch(lib_name, ranks, args):
    env = dict(os.environ, OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    command = ["mpirun", "-n", str(ranks), "--oversubscribe", sys.executable, __file__,
               "--worker", lib_name] + [f"--{k}={v}" for k, v in vars(args).items()
                                        if k not in ("worker", "ranks", "repeats")]
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=600)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"{lib_name} on {ranks} ranks failed:\n{done.stdout[-3000:]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", default="1,2")
    parser.add_argument("--features", type=int, default=256)
    parser.add_argument("--hidden", type=int, default=1024)
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--batch", type=int, default=64, help="rows per rank")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=1, help="launches: 2 per library each")
    parser.add_argument("--port", type=int, default=29517)
    parser.add_argument("--worker", choices=["cgrad", "torch"])
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args)
    print(f"MLP {args.features}-{'-'.join([str(args.hidden)] * args.layers)}-10, "
          f"{args.batch} rows per rank, 1 thread per rank, ms/step (median)")
    print(f"{'ranks':>5} {'cgrad':>9} {'torch':>9} {'torch/cgrad':>12}")
    for ranks in map(int, args.ranks.split(",")):
        times = {"cgrad": [], "torch": []}
        for _ in range(args.repeats):  # A B B A: drifting machine load hits both alike
            for lib in ("cgrad", "torch", "torch", "cgrad"):
                times[lib].append(launch(lib, ranks, args)["ms"])
        ours, theirs = min(times["cgrad"]), min(times["torch"])
        print(f"{ranks:>5} {ours:>9.2f} {theirs:>9.2f} {theirs / ours:>12.2f}", flush=True)


if __name__ == "__main__":
    main()
