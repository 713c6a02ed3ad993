"""A seeded differential fuzzer: random short autograd programs run in cgrad and in
torch, compared step by step and at the end (values, dtypes, shapes, autograd flags,
grad_fn names, every leaf's gradient, exception types).

    python -m tests.fuzz --count 20000 --seed 1 --jobs 2

Files: program.py (programs as data: interpreter and renderer), gen.py (the generator's
context), ops_*.py (the ops table rows), generate.py (the table and the generation loop),
check.py + compare.py (lockstep replay and comparison), quirks.py (torch's quirks),
minimize.py (delta debugging), runner.py + pool.py (workers, crash isolation),
report.py (reproducers, summary), __main__.py (the command line).
"""
