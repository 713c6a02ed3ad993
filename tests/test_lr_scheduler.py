"""cgrad.optim.lr_scheduler against torch's: the lr sequence (get_last_lr and the group's
lr) over many epochs, one line per schedule."""
import warnings

import pytest

import cgrad

torch = pytest.importorskip("torch")
from error_parity import check_error  # noqa: E402

EPOCHS = 40

SCHEDULES = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[3, 10, 10, 25], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("CosineAnnealingLR", dict(T_max=9, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=40)),
    ("LambdaLR", dict(lr_lambda=lambda epoch: 0.95 ** epoch + 0.01 * epoch)),
    ("LinearLR", dict(start_factor=0.25, total_iters=8)),
    ("ConstantLR", dict(factor=0.5, total_iters=6)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=EPOCHS + 1)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], epochs=7, steps_per_epoch=6, anneal_strategy="linear",
                        three_phase=True)),
    ("PolynomialLR", dict(total_iters=25, power=0.9)),
    ("PolynomialLR", dict()),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4)),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=0.3, step_size_up=3, step_size_down=7,
                      mode="triangular2")),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.2, step_size_up=5, mode="exp_range", gamma=0.97)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.2, step_size_up=5, scale_fn=lambda x: 0.9 ** x,
                      scale_mode="iterations", base_momentum=0.7, max_momentum=0.95)),
    ("CosineAnnealingWarmRestarts", dict(T_0=6, eta_min=0.001)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2)),
]


def make_optimizer(lib, name="SGD"):
    a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if name == "Adam":
        return lib.optim.Adam(groups, lr=0.1)
    return lib.optim.SGD(groups, lr=0.1, momentum=0.9)


def trajectory(lib, name, kwargs, optimizer="SGD"):
    opt = make_optimizer(lib, optimizer)
    sched = getattr(lib.optim.lr_scheduler, name)(opt, **kwargs)
    seen = [(sched.get_last_lr(), [g.get("momentum", g.get("betas")) for g in opt.param_groups])]
    for _ in range(EPOCHS):
        opt.step()
        sched.step()
        seen.append((sched.get_last_lr(), [g.get("momentum", g.get("betas"))
                                           for g in opt.param_groups]))
    return seen, sched


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
@pytest.mark.parametrize("name,kwargs", SCHEDULES, ids=[s[0] + str(i) for i, s in enumerate(SCHEDULES)])
def test_lr_sequence_matches_torch(name, kwargs, optimizer):
    assert trajectory(cgrad, name, kwargs, optimizer)[0] == trajectory(torch, name, kwargs,
                                                                       optimizer)[0]


def test_reduce_on_plateau_matches_torch():
    metrics = [1.0, 0.9, 0.91, 0.92, 0.95, 0.89, 0.9, 0.9, 0.9, 0.9, 0.7, 0.8, 0.8, 0.8, 0.8]
    for mode, threshold_mode in [("min", "rel"), ("min", "abs"), ("max", "rel"), ("max", "abs")]:
        runs = []
        for lib in (cgrad, torch):
            opt = make_optimizer(lib)
            sched = lib.optim.lr_scheduler.ReduceLROnPlateau(
                opt, mode=mode, factor=0.5, patience=2, threshold_mode=threshold_mode,
                cooldown=1, min_lr=[0.01, 0.02])
            lrs = []
            for m in metrics * 3:
                opt.step()
                sched.step(m if mode == "min" else -m)
                lrs.append(sched.get_last_lr())
            runs.append(lrs)
        assert runs[0] == runs[1], (mode, threshold_mode)


def test_closed_form_with_epoch_argument():
    for lib in (cgrad, torch):
        opt = make_optimizer(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opt.step()
            sched.step(7)
        if lib is torch:
            want = sched.get_last_lr()
        else:
            got = sched.get_last_lr()
    assert got == want


def test_state_dict_resumes_the_schedule():
    seen = []
    for lib in (cgrad, torch):
        _, sched = trajectory(lib, "CosineAnnealingLR", dict(T_max=9, eta_min=0.001))
        opt2 = make_optimizer(lib)
        for g, h in zip(opt2.param_groups, sched.optimizer.param_groups):
            g["lr"], g["initial_lr"] = h["lr"], h["initial_lr"]
        resumed = lib.optim.lr_scheduler.CosineAnnealingLR(opt2, T_max=9, eta_min=0.001,
                                                           last_epoch=EPOCHS)
        resumed.load_state_dict(sched.state_dict())
        lrs = []
        for _ in range(5):
            opt2.step()
            resumed.step()
            lrs.append(resumed.get_last_lr())
        seen.append(lrs)
    assert seen[0] == seen[1]


def test_warning_when_scheduler_steps_first():
    for lib in (cgrad, torch):
        sched = lib.optim.lr_scheduler.StepLR(make_optimizer(lib), step_size=2)
        with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before"):
            sched.step()


BAD = [
    lambda lib: lib.optim.lr_scheduler.StepLR(object(), step_size=2),
    lambda lib: lib.optim.lr_scheduler.LinearLR(make_optimizer(lib), start_factor=0),
    lambda lib: lib.optim.lr_scheduler.ConstantLR(make_optimizer(lib), factor=2),
    lambda lib: lib.optim.lr_scheduler.OneCycleLR(make_optimizer(lib), max_lr=1.0),
    lambda lib: lib.optim.lr_scheduler.OneCycleLR(make_optimizer(lib), max_lr=[1.0],
                                                  total_steps=5),
    lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(make_optimizer(lib), factor=1.5),
    lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(make_optimizer(lib), mode="avg"),
    lambda lib: lib.optim.lr_scheduler.LambdaLR(make_optimizer(lib), [lambda e: 1.0]),
    lambda lib: lib.optim.lr_scheduler.StepLR(make_optimizer(lib), step_size=2, last_epoch=3),
    lambda lib: lib.optim.lr_scheduler.CyclicLR(make_optimizer(lib), 0.1, 1.0, mode="saw"),
    lambda lib: lib.optim.lr_scheduler.CyclicLR(make_optimizer(lib), [0.1], 1.0),
    lambda lib: lib.optim.lr_scheduler.CyclicLR(
        lib.optim.Adagrad([lib.zeros(1, requires_grad=True)]), 0.1, 1.0),
    lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(make_optimizer(lib), T_0=0),
    lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(make_optimizer(lib), 2,
                                                                   T_mult=1.5),
    lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(make_optimizer(lib), 2).step(-1),
    lambda lib: lib.optim.lr_scheduler.SequentialLR(make_optimizer(lib), [], []),
    lambda lib: _sequential(lib, milestones=[]),
    lambda lib: lib.optim.lr_scheduler.ChainedScheduler([]),
    lambda lib: _chained(lib, plateau=True),
]


@pytest.mark.parametrize("index", range(len(BAD)))
def test_errors_match_torch(index):
    check_error(BAD[index])


def _sequential(lib, milestones=(6,)):
    opt = make_optimizer(lib)
    s = lib.optim.lr_scheduler
    inner = [s.ConstantLR(opt, factor=0.1, total_iters=6), s.ExponentialLR(opt, gamma=0.9)]
    return s.SequentialLR(opt, inner, milestones=list(milestones))


def _chained(lib, plateau=False):
    opt = make_optimizer(lib)
    s = lib.optim.lr_scheduler
    inner = [s.ConstantLR(opt, factor=0.1, total_iters=6), s.ExponentialLR(opt, gamma=0.9)]
    if plateau:
        inner.append(s.ReduceLROnPlateau(opt))
    return s.ChainedScheduler(inner)


def _three_phase(lib):
    opt = make_optimizer(lib)
    s = lib.optim.lr_scheduler
    warm = s.LinearLR(opt, start_factor=0.2, total_iters=4)
    hold = s.StepLR(opt, step_size=2, gamma=0.8)
    decay = s.CosineAnnealingLR(opt, T_max=12)
    return s.SequentialLR(opt, [warm, hold, decay], milestones=[5, 11])


@pytest.mark.parametrize("build", [_sequential, _chained, _three_phase])
def test_composite_schedules_match_torch(build):
    def run(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sched = build(lib)
            lrs = [sched.get_last_lr()]
            for _ in range(EPOCHS):
                sched.optimizer.step()
                sched.step()
                lrs.append(sched.get_last_lr())
        return lrs, sched
    (ours, ours_sched), (theirs, _) = run(cgrad), run(torch)
    assert ours == theirs
    state = ours_sched.state_dict()
    assert len(state["_schedulers"]) == len(ours_sched._schedulers)
    assert "optimizer" not in state


def test_warm_restarts_closed_form_matches_torch():
    def run(lib):
        opt = make_optimizer(lib)
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)
        out = []
        for epoch in (0.5, 2, 3, 7.25, 20, 4, 45):
            sched.step(epoch)
            out.append((sched.get_last_lr(), sched.T_i, sched.last_epoch))
        return out
    assert run(cgrad) == run(torch)
