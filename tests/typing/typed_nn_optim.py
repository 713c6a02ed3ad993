"""A typed training program over nn and optim, checked by `mypy --strict` with no
relaxations in tests/test_stubs.py (and run): nn.Sequential of layers, forward, backward,
optimizer steps, a state_dict round trip."""
from __future__ import annotations

import cgrad
import cgrad.nn.functional as F
from cgrad import Tensor, nn, optim


class Residual(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.inner = nn.Linear(width, width)
        self.norm = nn.LayerNorm(width)

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.norm(x + F.gelu(self.inner(x)))
        return out


def build(width: int = 8) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(4, width),
        nn.ReLU(),
        Residual(width),
        nn.Dropout(p=0.1),
        nn.Linear(width, 3),
    )


def train(steps: int = 5) -> float:
    cgrad.manual_seed(0)
    inputs = cgrad.randn(16, 4)
    labels = cgrad.randint(0, 3, (16,))
    model = build()
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    optimizers: list[optim.Optimizer] = [
        optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True),
        optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.99)),
        optim.AdamW([{"params": list(model[0].parameters())}], lr=1e-3, weight_decay=0.01),
        optim.RMSprop(model.parameters(), lr=1e-3),
        optim.Adagrad(model.parameters()),
    ]
    last = 0.0
    model.train()
    for optimizer in optimizers:
        for _ in range(steps):
            optimizer.zero_grad()
            logits: Tensor = model(inputs)
            loss: Tensor = loss_fn(logits, labels)
            loss.backward()
            optimizer.step()
            last = loss.item()
    first_layer = model[0]
    assert isinstance(first_layer, nn.Linear)
    weight: Tensor = first_layer.weight
    assert weight.grad is not None and first_layer.bias is not None
    names: list[str] = [name for name, _ in model.named_parameters()]
    assert names[0] == "0.weight"
    count: int = sum(p.numel() for p in model.parameters())
    state = model.state_dict()
    model.load_state_dict(state)
    saved = optimizers[0].state_dict()
    optimizers[0].load_state_dict(saved)
    with cgrad.no_grad():
        model.eval()
        predicted: Tensor = model(inputs).argmax(dim=1)
    return last + float(count > 0) * 0 + float(predicted.float().mean()) * 0
