"""Train a small classifier on scikit-learn's bundled 8x8 digits with cgrad, as torch code.

    pip install ".[examples]"          # scikit-learn (the data) and matplotlib (the plot)
    python examples/train_digits.py    # trains, prints a progress bar and test accuracy,
                                       # writes digits_checkpoint.pt and digits_training.png

The script is ordinary PyTorch code: only the import differs. `--torch` runs the very same
code on torch (if installed) for comparison, and `--model mlp` swaps the CNN for an MLP.
"""
import argparse
import sys
import time

from digits_model import accuracy, load_digits_split, make_model, train_epoch


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", choices=["cnn", "mlp"], default="cnn")
    parser.add_argument("--out", default="digits", help="prefix of the checkpoint and plot")
    parser.add_argument("--torch", action="store_true", help="run on torch instead of cgrad")
    parser.add_argument("--no-plot", action="store_true")
    return parser.parse_args()


args = parse_args()
if args.torch:
    import torch
else:
    import cgrad as torch
DataLoader = torch.utils.data.DataLoader


def progress(epoch, epochs, done, total, loss, width=30):
    filled = width * done // total
    bar = "#" * filled + "-" * (width - filled)
    sys.stdout.write(f"\repoch {epoch:3d}/{epochs} [{bar}] {done:4d}/{total} loss {loss:.4f}")
    sys.stdout.flush()


def main():
    torch.manual_seed(args.seed)
    train_set, test_set = load_digits_split(torch, args.seed)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=256)
    model = make_model(torch, args.model)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    print(model)

    history = {"loss": [], "train_acc": [], "test_acc": []}
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        running, seen = 0.0, 0

        def report(images, labels, loss):
            nonlocal running, seen
            running += loss.item() * len(labels)
            seen += len(labels)
            progress(epoch, args.epochs, seen, len(train_set), running / seen)
        train_epoch(torch, model, optimizer, train_loader, report)
        history["loss"].append(running / seen)
        history["train_acc"].append(accuracy(torch, model, train_loader))
        history["test_acc"].append(accuracy(torch, model, test_loader))
        print(f"  train acc {history['train_acc'][-1]:.3f}  test acc {history['test_acc'][-1]:.3f}")
    elapsed = time.perf_counter() - start
    print(f"trained {args.epochs} epochs in {elapsed:.1f} s "
          f"({elapsed / args.epochs * 1e3:.0f} ms/epoch); test accuracy {history['test_acc'][-1]:.4f}")

    checkpoint = f"{args.out}_checkpoint.pt"
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "epoch": args.epochs}, checkpoint)
    restored = make_model(torch, args.model)
    restored.load_state_dict(torch.load(checkpoint)["model"])
    restored_accuracy = accuracy(torch, restored, test_loader)
    print(f"saved {checkpoint}; reloaded model's test accuracy {restored_accuracy:.4f}")
    if not args.no_plot:
        plot(history, f"{args.out}_training.png")


def plot(history, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    epochs = range(1, len(history["loss"]) + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(epochs, history["loss"], color="tab:red")
    left.set(title="training loss (cross entropy)", xlabel="epoch", ylabel="loss")
    right.plot(epochs, history["train_acc"], label="train")
    right.plot(epochs, history["test_acc"], label="test")
    right.set(title="accuracy", xlabel="epoch", ylabel="accuracy", ylim=(0.5, 1.0))
    right.legend()
    backend = "torch" if args.torch else "cgrad"
    fig.suptitle(f"{args.model.upper()} on scikit-learn digits, trained with {backend}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
