"""The digits classifier and its data, shared by examples/train_digits.py and the
benchmark's `digits_epoch` (bench/workloads.py), so both train the very same model.

Both take the library as an argument (`cgrad` imported as torch, or torch itself).
"""


def load_digits_split(torch, seed):
    """scikit-learn's 1797 8x8 digits as (N, 1, 8, 8) float tensors in [0, 1], split
    80/20 by a seeded permutation; returns (train, test) TensorDatasets."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
    labels = torch.tensor(digits.target, dtype=torch.int64)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    cut = int(0.8 * len(labels))
    train, test = order[:cut], order[cut:]
    TensorDataset = torch.utils.data.TensorDataset
    return TensorDataset(images[train], labels[train]), TensorDataset(images[test], labels[test])


def make_model(torch, kind="cnn"):
    nn = torch.nn
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 16x4x4
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 32x2x2
        nn.Flatten(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


def train_epoch(torch, model, optimizer, loader, on_batch=None):
    """One pass over `loader` with cross-entropy; `on_batch(images, labels, loss)` sees
    each batch's loss (before the step)."""
    loss_fn = torch.nn.CrossEntropyLoss()
    for images, labels in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
        if on_batch is not None:
            on_batch(images, labels, loss)


def accuracy(torch, model, loader):
    """The fraction of `loader`'s samples the model classifies right (in eval mode)."""
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (model(images).argmax(dim=1) == labels).sum().item()
            total += len(labels)
    model.train()
    return correct / total
