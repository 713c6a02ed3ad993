"""The digits classifier (examples/digits_model.py) trained data-parallel on N ranks with
DistributedDataParallel, as torch code.

    pip install ".[examples,distributed]"
    mpirun -n 2 python examples/train_digits_ddp.py      # 2 ranks (add --oversubscribe
                                                          # where cores are fewer than ranks)
    python examples/train_digits_ddp.py                  # 1 rank, for comparison

Each rank trains on its DistributedSampler share of every epoch with a per-rank batch of
batch_size / N, so the global batch, and hence the training, is the one-rank run's.
`--torch` runs the same code on torch's gloo backend, its ranks found from the MPI
launcher's environment.
"""
import argparse
import os
import time

from digits_model import accuracy, load_digits_split, make_model


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64, help="global batch, all ranks")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", choices=["cnn", "mlp"], default="cnn")
    parser.add_argument("--torch", action="store_true", help="run on torch (gloo) instead")
    return parser.parse_args()


args = parse_args()
if args.torch:
    import torch
    # torch's env:// rendezvous, from what the MPI launcher tells each rank.
    os.environ.setdefault("RANK", os.environ.get("OMPI_COMM_WORLD_RANK", "0"))
    os.environ.setdefault("WORLD_SIZE", os.environ.get("OMPI_COMM_WORLD_SIZE", "1"))
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29511")
    backend = "gloo"
else:
    import cgrad as torch
    backend = "mpi"
dist = torch.distributed
DDP = torch.nn.parallel.DistributedDataParallel
DataLoader, DistributedSampler = torch.utils.data.DataLoader, torch.utils.data.DistributedSampler


def main():
    dist.init_process_group(backend)
    rank, world = dist.get_rank(), dist.get_world_size()
    if args.batch_size % world:
        raise SystemExit(f"--batch-size {args.batch_size} must divide among {world} ranks")
    torch.manual_seed(args.seed)
    train_set, test_set = load_digits_split(torch, args.seed)
    sampler = DistributedSampler(train_set, shuffle=True, seed=args.seed)
    train_loader = DataLoader(train_set, batch_size=args.batch_size // world, sampler=sampler)
    test_loader = DataLoader(test_set, batch_size=256)
    model = DDP(make_model(torch, args.model))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = torch.nn.CrossEntropyLoss()

    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        sampler.set_epoch(epoch)
        running = torch.zeros(2)  # this rank's summed loss and sample count
        for images, labels in train_loader:
            optimizer.zero_grad()
            loss = loss_fn(model(images), labels)
            loss.backward()
            optimizer.step()
            running += torch.tensor([loss.item() * len(labels), len(labels)])
        dist.all_reduce(running)
        if rank == 0 and (epoch % 5 == 0 or epoch == args.epochs):
            print(f"epoch {epoch:3d}  loss {running[0].item() / running[1].item():.4f}  "
                  f"test acc {accuracy(torch, model.module, test_loader):.4f}", flush=True)
    elapsed = time.perf_counter() - start
    if rank == 0:
        print(f"{world} rank(s), {'torch ' + backend if args.torch else 'cgrad'}: "
              f"{args.epochs} epochs in {elapsed:.1f} s; test accuracy "
              f"{accuracy(torch, model.module, test_loader):.4f}")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
