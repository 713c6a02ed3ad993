"""Ordinary PyTorch training code, run on both libraries from the same weights: losses,
parameters and state after several SGD steps must agree."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from nn_helpers import assert_same, copy_weights  # noqa: E402


def train(L, model, x, y, steps=5, lr=0.1, clip=None):
    """A training loop as a tutorial writes it (SGD by hand: optim is another area)."""
    loss_fn = L.nn.CrossEntropyLoss()
    losses = []
    model.train()
    for _ in range(steps):
        model.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        if clip is not None:
            L.nn.utils.clip_grad_norm_(model.parameters(), clip)
        with L.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
        losses.append(loss.item())
    model.eval()
    with L.no_grad():
        accuracy = (model(x).argmax(1) == y).float().mean().item()
    return losses, accuracy


class Classifier:
    """The same small network written against either library."""

    @staticmethod
    def build(L):
        class Net(L.nn.Module):
            def __init__(self):
                super().__init__()
                self.features = L.nn.Sequential(L.nn.Flatten(), L.nn.Linear(12, 16), L.nn.GELU())
                self.blocks = L.nn.ModuleList([L.nn.Linear(16, 16) for _ in range(2)])
                self.head = L.nn.Linear(16, 3)
                self.act = L.nn.Tanh()

            def forward(self, x):
                h = self.features(x)
                for block in self.blocks:
                    h = h + self.act(block(h))
                return self.head(h)
        return Net()


@pytest.mark.parametrize("clip", [None, 0.5])
def test_training_loop_matches_torch(clip):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((32, 3, 4)).astype(np.float32)
    y = rng.integers(0, 3, 32)
    t, c = Classifier.build(torch), Classifier.build(cgrad)
    copy_weights(t, c)
    lt, at = train(torch, t, torch.tensor(x), torch.tensor(y), clip=clip)
    lc, ac = train(cgrad, c, cgrad.tensor(x), cgrad.tensor(y), clip=clip)
    np.testing.assert_allclose(lc, lt, rtol=1e-4)
    assert lc[-1] < lc[0] and ac == at
    for (kc, vc), (kt, vt) in zip(c.state_dict().items(), t.state_dict().items()):
        assert kc == kt
        assert_same(vc, vt, rtol=1e-4, atol=1e-5)
