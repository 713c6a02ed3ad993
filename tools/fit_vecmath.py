"""Fits the polynomial coefficients used by cpp/src/kernels/vecmath.cpp.

    python tools/fit_vecmath.py            # prints every table as float32 constants
    python tools/fit_vecmath.py --tanh-table > cpp/src/kernels/vecmath_tanh_table.h

Each function is approximated on its reduced interval by a polynomial whose leading
Taylor terms are fixed (so the approximation is exact to first order at 0) and whose
remaining coefficients minimise the maximum *relative* error, found with the Remez
exchange algorithm in mpmath at 50 digits. Coefficients are then rounded to float32; the end-to-end errors quoted in vecmath.cpp were measured on the C++ code,
not here (they include range reduction and rounding).

Needs mpmath (a dependency of sympy, which torch installs); never imported by cgrad.
"""
import argparse

import mpmath as mp

mp.mp.dps = 50


def remez(g, w, basis, a, b, grid=4000, iterations=30):
    """Minimises max |w(x) (g(x) - sum c_k basis_k(x))| over [a, b]."""
    m = len(basis)
    xs = [a + (b - a) * (1 - mp.cos(mp.pi * i / (grid - 1))) / 2 for i in range(grid)]
    xs = [x if abs(x) > mp.mpf("1e-12") else mp.mpf("1e-12") for x in xs]
    ref = [a + (b - a) * (1 - mp.cos(mp.pi * i / m)) / 2 for i in range(m + 1)]
    ref = [x if abs(x) > mp.mpf("1e-12") else mp.mpf("1e-12") for x in ref]
    gx = [g(x) for x in xs]
    wx = [w(x) for x in xs]
    bx = [[f(x) for f in basis] for x in xs]
    coeffs, err = None, None
    for _ in range(iterations):
        rows = [[f(x) for f in basis] + [(-1) ** i / w(x)] for i, x in enumerate(ref)]
        rhs = [g(x) for x in ref]
        sol = mp.lu_solve(mp.matrix(rows), mp.matrix(rhs))
        coeffs = [sol[k] for k in range(m)]
        e = [wx[i] * (gx[i] - mp.fsum(c * v for c, v in zip(coeffs, bx[i]))) for i in range(grid)]
        # One extremum per run of equal sign, then keep m + 1 alternating ones.
        peaks = []
        for i, v in enumerate(e):
            if peaks and (v >= 0) == (e[peaks[-1]] >= 0):
                if abs(v) > abs(e[peaks[-1]]):
                    peaks[-1] = i
            else:
                peaks.append(i)
        while len(peaks) > m + 1:
            drop = 0 if abs(e[peaks[0]]) < abs(e[peaks[-1]]) else -1
            peaks.pop(drop)
        if len(peaks) < m + 1:
            break
        ref = [xs[i] for i in peaks]
        err = max(abs(v) for v in e)
    return coeffs, err


def show(name, powers, coeffs, err):
    print(f"// {name}: max error of the polynomial {mp.nstr(err, 3)}")
    for p, c in zip(powers, coeffs):
        print(f"  c{p} = {float(c):.9e}f")  # 10 digits: the C++ literal rounds to float32


def _to_float32(v):
    import struct
    return struct.unpack("f", struct.pack("f", float(v)))[0]


def fit_all(degrees):
    ln2 = mp.log(2)
    sqrt2 = mp.sqrt(2)
    tables = {
        # exp(r) = 1 + r + r^2 P(r).
        "exp": (lambda r: mp.exp(r) - 1 - r, lambda r: 1 / mp.exp(r), -ln2 / 2, ln2 / 2, 2, 1),
        # expm1(r) = r + r^2/2 + r^3 P(r); exp(r) = 1 + expm1(r).
        "expm1": (lambda r: mp.expm1(r) - r - r * r / 2, lambda r: 1 / abs(mp.expm1(r)),
                  -ln2 / 2, ln2 / 2, 3, 1),
        # log1p(f) = f - f^2/2 + f^3 P(f), 1 + f in [sqrt(1/2), sqrt(2)].
        "log1p": (lambda f: mp.log1p(f) - f + f * f / 2, lambda f: 1 / abs(mp.log1p(f)),
                  1 / sqrt2 - 1, sqrt2 - 1, 3, 1),
        # tanh(x) = x + x^3 P(x^2) on [0, 0.625].
        "tanh": (lambda x: mp.tanh(x) - x, lambda x: 1 / mp.tanh(x), mp.mpf(0), mp.mpf("0.625"),
                 3, 2),
        # sin(r) = r + r^3 P(r^2), cos(r) = 1 - r^2/2 + r^4 P(r^2) on [0, pi/4].
        "sin": (lambda r: mp.sin(r) - r, lambda r: 1 / mp.sin(r), mp.mpf(0), mp.pi / 4, 3, 2),
        "cos": (lambda r: mp.cos(r) - 1 + r * r / 2, lambda r: 1 / mp.cos(r), mp.mpf(0),
                mp.pi / 4, 4, 2),
    }
    for name, (g, w, a, b, first, step) in tables.items():
        powers = [first + step * k for k in range(degrees[name])]
        basis = [(lambda p: (lambda x: x ** p))(p) for p in powers]
        coeffs, err = remez(g, w, basis, a, b)
        show(name, powers, coeffs, err)

    # erf(x) = c1 x + x^3 P(x^2) on [0, 1], relative error, with c1 = 2/sqrt(pi) fixed
    # (the code adds c1 x as an exact hi + lo pair: rounding c1 alone costs 0.8 ulp).
    c1 = 2 / mp.sqrt(mp.pi)
    c1_hi = mp.mpf(_to_float32(c1))
    print(f"// erf: c1 = 2/sqrt(pi) = {mp.nstr(c1_hi, 17)} + {mp.nstr(c1 - c1_hi, 17)}")
    powers = [2 * k + 3 for k in range(degrees["erf"] - 1)]
    basis = [(lambda p: (lambda x: x ** p))(p) for p in powers]
    coeffs, err = remez(lambda x: mp.erf(x) - c1 * x, lambda x: 1 / mp.erf(x), basis,
                        mp.mpf(0), mp.mpf(1))
    show("erf", powers, coeffs, err)
    # erf(x) = 1 - exp(-x^2) R(x) on [1, 3.92] (beyond, erf is 1 in float32), R a
    # polynomial in u = x - 2.46 (centred: the terms cancel far less than in powers of x).
    # The error that matters is erf's own, so the weight is exp(-x^2), not 1/R.
    centre = mp.mpf("2.46")
    powers = list(range(degrees["erfc"]))
    basis = [(lambda p: (lambda x: (x - centre) ** p))(p) for p in powers]
    coeffs, err = remez(lambda x: mp.erfc(x) * mp.exp(x * x), lambda x: mp.exp(-x * x), basis,
                        mp.mpf(1), mp.mpf("3.92"))
    show("erfc (R, in powers of x - 2.46; the error is erf's absolute error)", powers, coeffs,
         err)


def tanh_table_intervals():
    """Slot -> (b, w) for the AVX-512 tanh (Note [Table tanh]): t = a + 1 rounded has
    bits >> 20 = 8 * biased exponent + top 3 mantissa bits, whose low 5 bits pick the slot;
    a in [0, 15) falls in [b, b + w) with w = 1/8 on [0, 1), 1/4 on [1, 3), 1/2 on [3, 7)
    and 1 on [7, 15)."""
    out = {}
    for e in range(4):
        for m in range(8):
            slot = ((127 + e) * 8 + m) % 32
            out[slot] = (mp.mpf(2) ** e * (1 + mp.mpf(m) / 8) - 1, mp.mpf(2) ** e / 8)
    return out


def fit_tanh_table(degree=5):
    """tanh(b + u) = sum c_j u^j on each interval, relative error minimised; c_0 = 0 on
    [0, 1/8) so tanh keeps its relative accuracy at 0. The coefficients are rounded to
    float32 one at a time, from c_0 up, each time refitting the ones not yet rounded, so
    the later ones absorb the earlier roundings."""
    rows, notes = {}, []
    with mp.workdps(30):
        for slot, (b, w) in sorted(tanh_table_intervals().items()):
            # t = a + 1 may round up into this interval from just below b.
            lo = b if b == 0 else b - mp.mpf(2) ** -19
            powers = list(range(1 if b == 0 else 0, degree + 1))
            fixed = []
            for step in range(len(powers)):
                free = powers[step:]
                def g(x, fixed=tuple(fixed)):
                    return mp.tanh(x) - mp.fsum(c * (x - b) ** p for p, c in fixed)
                basis = [(lambda p: (lambda x: (x - b) ** p))(p) for p in free]
                coeffs, _ = remez(g, lambda x: 1 / mp.tanh(x), basis, lo, b + w, grid=600,
                                  iterations=12)
                fixed.append((free[0], mp.mpf(_to_float32(coeffs[0]))))
            xs = [lo + (b + w - lo) * i / 2000 for i in range(1, 2001)]
            err = max(abs(mp.fsum(c * (x - b) ** p for p, c in fixed) / mp.tanh(x) - 1)
                      for x in xs)
            rows[slot] = (b, [0.0] * (b == 0) + [float(c) for _, c in fixed])
            notes.append(f"// slot {slot:2d}: [{mp.nstr(b, 5)}, {mp.nstr(b + w, 5)}), relative "
                         f"error {mp.nstr(err, 3)}")
    print("#pragma once")
    print("// The AVX-512 tanh's table (Note [Table tanh] in vecmath_simd.inc), written by")
    print("// `python tools/fit_vecmath.py --tanh-table`: on slot s, tanh(kTanhB[s] + u) =")
    print(f"// sum_j kTanhCj[s] u^j, j <= {degree}. Errors are of the float32 coefficients, before")
    print("// the rounding of the evaluation.")
    print("\n".join(notes))
    print("namespace cgrad::vecmath::tanh_table {")

    def table(name, values):
        print(f"constexpr float {name} = {{")
        for i in range(0, 32, 4):
            print("    " + " ".join(f"{v}," for v in values[i:i + 4]))
        print("};")
    table("kTanhB[32]", [f"{float(rows[s][0])}f" for s in range(32)])
    for j in range(degree + 1):
        table(f"kTanhC{j}[32]", [f"{rows[s][1][j]:.9e}f" for s in range(32)])
    print("}  // namespace cgrad::vecmath::tanh_table")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tanh-table", action="store_true",
                        help="fit the AVX-512 tanh's interval table instead (about 30 s)")
    if parser.parse_args().tanh_table:
        fit_tanh_table()
        return
    fit_all({"erf": 7, "erfc": 9, "exp": 5, "expm1": 5, "log1p": 9, "tanh": 5, "sin": 3, "cos": 3})


if __name__ == "__main__":
    main()
