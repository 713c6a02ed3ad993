"""A small typed program using cgrad, checked by mypy in tests/test_stubs.py (and run)."""
from __future__ import annotations

import cgrad
import cgrad.nn.functional as F
from cgrad import Tensor, nn, optim


class TwoLayer(nn.Module):
    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.first = nn.Linear(4, hidden)
        self.second = nn.Linear(hidden, 3)

    def forward(self, x: Tensor) -> Tensor:
        return self.second(F.relu(self.first(x)))


def accuracy(logits: Tensor, labels: Tensor) -> float:
    predicted: Tensor = logits.argmax(dim=1)
    return (predicted == labels).float().mean().item()


def train(steps: int = 5) -> float:
    cgrad.manual_seed(0)
    inputs = cgrad.randn(32, 4)
    labels = cgrad.randint(0, 3, (32,))
    model = TwoLayer(8)
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss = cgrad.zeros(())
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs), labels)
        loss.backward()
        optimizer.step()
    with cgrad.no_grad():
        logits: Tensor = model(inputs)
        best = logits.max(dim=1)
        values: Tensor = best.values
        indices: Tensor = best.indices
        assert indices.dtype == cgrad.int64
        shape: cgrad.Size = values.shape
        assert shape[0] == 32
    weights = model.first.weight
    grad = weights.grad
    if grad is not None:
        norm: Tensor = grad.norm()
        assert norm.item() >= 0
    x = cgrad.arange(6, dtype=cgrad.float32).reshape(2, 3)
    y = (x * 2 + 1) @ x.T
    total: float = float(y.sum())
    rows: list[Tensor] = [row * 2 for row in x]
    assert len(rows) == x.size(0)
    parts = cgrad.split(x, 1, dim=0)
    stacked = cgrad.stack(list(parts), dim=0)
    assert stacked.dim() == 3 and total > 0
    return accuracy(model(inputs), labels) + loss.item() * 0
