"""A seeded differential fuzzer: random short autograd programs run in cgrad and in
torch, compared step by step and at the end (values, dtypes, shapes, requires_grad,
is_leaf, grad_fn names, every leaf's gradient, exception types).

    python -m tests.fuzz --count 20000 --seed 1 --jobs 2     # a summary, exit 1 if any
    python -m tests.fuzz --seed 1 --index 417                # one program, printed
    CGRAD_FUZZ_COUNT=2000 python -m pytest tests/test_fuzz.py

Program (seed, index) is generated from random.Random(f"{seed}:{index}") against torch
alone, so it is the same program on every machine and for every cgrad build (as long as
cgrad's set of optional methods, generate.OPTIONAL_METHODS, is the same).

Where things are, and the notes that explain them:
- program.py   programs as data: steps, the interpreter, the renderer (Note [Programs
               are data])
- gen.py       the generator's context: picking values, shapes, data, scalars, layouts
               (Note [Generate against torch])
- ops_*.py     the ops table, one row per op family: math (pointwise, reductions,
               softmax, activations), linalg, shape (views, joins), index, inplace (Note
               [Aim writes at view families]), loss, autograd (Note [The closing
               backward])
- generate.py  the table and the generation loop (Note [Invalid steps on purpose])
- check.py     lockstep replay (Note [Lockstep replay]); compare.py: what "the same"
               means (Note [Tolerances])
- quirks.py    torch's quirks: the one list of filtered behaviours, each with its reason
- minimize.py  delta debugging (Note [Minimizing]); report.py: reproducers, summary
- runner.py, pool.py, slot.py  forked workers that survive crashes (Note [Crash
               isolation])

To cover a new op: add it to a row's generator (or a new row to a module's ROWS) so that
it mostly gets valid arguments, sometimes invalid ones; run `python -m tests.fuzz
--count 2000` and read what comes back before calling anything a quirk.
"""
