"""A PyTorch training script run with cgrad in torch's place: nn.Module parameters,
optimizer, scheduler, DataLoader, checkpoint save and load. Same losses as torch, and
the checkpoint cgrad writes resumes training in torch."""
import numpy as np
import pytest

import cgrad

torch = pytest.importorskip("torch")


def train(lib, weights, epochs=3):
    nn = lib.nn
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    model.load_state_dict({k: lib.tensor(v) for k, v in weights.items()})
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = lib.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((32, 4)).astype(np.float32))
    y = lib.tensor(rng.standard_normal((32, 1)).astype(np.float32))
    generator = lib.Generator()
    generator.manual_seed(0)
    loader = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(x, y), batch_size=8,
                                       shuffle=True, generator=generator)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
    return model, optimizer, losses


def initial_weights():
    reference = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    return {k: v.detach().numpy().copy() for k, v in reference.state_dict().items()}


def test_training_script_matches_torch():
    weights = initial_weights()
    _, _, got = train(cgrad, weights)
    _, _, want = train(torch, weights)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_checkpoint_written_by_cgrad_resumes_in_torch(tmp_path):
    weights = initial_weights()
    model, optimizer, _ = train(cgrad, weights, epochs=1)
    cgrad.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()},
               tmp_path / "ckpt.pt")
    checkpoint = torch.load(tmp_path / "ckpt.pt", weights_only=True)
    resumed = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    resumed.load_state_dict(checkpoint["model"])
    torch_optimizer = torch.optim.SGD(resumed.parameters(), lr=0.1, momentum=0.9)
    torch_optimizer.load_state_dict(checkpoint["optimizer"])
    for (name, p), (_, q) in zip(model.named_parameters(), resumed.named_parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
        buffer = torch_optimizer.state[q]["momentum_buffer"]
        np.testing.assert_array_equal(optimizer.state[p]["momentum_buffer"].numpy(),
                                      buffer.numpy())
