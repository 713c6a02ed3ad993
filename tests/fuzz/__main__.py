"""python -m tests.fuzz --count N --seed S [--index I] [--jobs J] [--verbose]"""
import argparse
import sys
import time
from collections import Counter

from .generate import generate
from .pool import Pool
from .report import program_source, summarize
from .runner import LACKS


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    p.add_argument("--count", type=int, default=200, help="programs to run")
    p.add_argument("--seed", default="0", help="seed (any string)")
    p.add_argument("--start", type=int, default=0, help="first index")
    p.add_argument("--index", type=int, help="run and print this one program")
    p.add_argument("--jobs", type=int, default=1, help="worker processes")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per program")
    p.add_argument("--no-minimize", action="store_true", help="report unminimized")
    p.add_argument("--per-signature", type=int, default=2,
                   help="examples minimized per kind+op (per worker)")
    p.add_argument("--verbose", action="store_true", help="a line per divergent program")
    return p.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    if args.index is not None:
        indices = [args.index]
        print(f"# seed {args.seed} index {args.index}")
        print("import cgrad as torch  # or: import torch\nF = torch.nn.functional")
        print("\n".join(program_source(generate(args.seed, args.index, LACKS))))
        print()
    else:
        indices = range(args.start, args.start + args.count)
    verbose = args.verbose or args.index is not None
    done = Counter()

    def on_result(result):
        done["programs"] += 1
        if verbose and result["divs"]:
            for d in result["divs"]:
                print(f"[{result['index']}] {d['kind']} {d['what']} ({d['label']}): "
                      f"{d['detail']}", flush=True)
        elif not verbose and done["programs"] % 1000 == 0:
            print(f"... {done['programs']} programs", file=sys.stderr, flush=True)

    pool = Pool(args.seed, jobs=args.jobs, minimize=not args.no_minimize,
                per_signature=args.per_signature, timeout=args.timeout, on_result=on_result)
    start = time.monotonic()
    results = pool.run(indices)
    elapsed = time.monotonic() - start
    quirks = Counter(q for r in results for q in r["quirks"])
    print(summarize(results, elapsed, quirks, sorted(LACKS)))
    return 1 if any(r["divs"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
