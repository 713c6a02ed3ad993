"""A 100 000-op chain runs forward, backward and is freed without recursion. Each case
runs in a subprocess so a stack overflow fails one test rather than the whole run."""
import subprocess
import sys
import textwrap


def run(source):
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(source)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr[-2000:]}"
    return done.stdout.strip()


def test_long_chain_backward_and_release():
    out = run("""
        import gc, weakref, cgrad
        x = cgrad.tensor([1.0, 2.0], dtype=cgrad.float64, requires_grad=True)
        y = x
        for _ in range(100_000):
            y = y * 1.0000001 + 0.0
        probe = weakref.ref(y.grad_fn)
        y.sum().backward()
        del y
        gc.collect()
        print(probe() is None, round(x.grad.tolist()[0], 6))
    """)
    assert out == "True 1.01005"  # (1 + 1e-7) ** 100 000


def test_long_chain_dropped_without_backward():
    out = run("""
        import cgrad
        x = cgrad.ones(2, requires_grad=True)
        y = x
        for _ in range(100_000):
            y = y.sin()
        node = y.grad_fn
        del y
        del node
        print("freed")
    """)
    assert out == "freed"


def test_long_chain_with_saved_intermediates_is_freed():
    # Each node saves the previous output, so the chain is also linked through saved
    # tensors, not only through edges.
    out = run("""
        import cgrad
        x = cgrad.ones(2, requires_grad=True)
        y = x
        for _ in range(100_000):
            y = y.exp() * 0.5
        del y
        print("freed")
    """)
    assert out == "freed"
