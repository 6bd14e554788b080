"""Fits the polynomials of actcli.core._compiled._math (the compiled kernels' exp and log).

    python3 scripts/fit_compiled.py

exp: (exp(r) - 1 - r) / r^2 on |r| <= ln(2) / 2 (after the reduction x = k ln 2 + r).
log: (log((1 + z) / (1 - z)) - 2 z) / z^3 as a polynomial in w = z^2, |z| <= 3 - 2 sqrt(2)
(the mantissa f in [sqrt(2)/2, sqrt(2)) written as (1 + z) / (1 - z), z = (f - 1) / (f + 1)).
erfcx: erfcx(t) (L + t) as a polynomial in u = (L - t) / (L + t), L = 4, for t in [0, inf) (u in
(-1, 1]; a change of variable after Weideman, SIAM J. Numer. Anal. 31 (1994), that makes one
polynomial cover the whole half-line, so a vector loop needs no table and no branch).
Chebyshev interpolation at 60 digits (mpmath.chebyfit), degree raised until the fit is within
2^-57 relative; coefficients printed highest degree first, as the Horner loops take them.

float32 first pass (the *_f32 loops: a float32 result needs about 2^-38, see _kernels.py): the
same functions with as many terms as given, and the error printed: exp with 9 terms (2^-39.6)
and, for the softmax rows, 10 terms (2^-45.5); the log polynomial with 5 terms (2^-36.4 of it,
2^-43 of the logarithm); erfcx (L = 4) with 16 terms on t in [0, 14.5 / sqrt(2)] (u from
(4 - 10.25) / (4 + 10.25) to 1), the only range gelu's first pass uses (2^-42.9).
"""

import mpmath as mp

mp.mp.dps = 60


def _print_tuple(coeffs):
    """The coefficients as a Python tuple to paste into _kernels.py, 20 digits each."""
    print("(")
    for c in coeffs:
        print(f"    {mp.nstr(c, 20, strip_zeros=False, min_fixed=-1, max_fixed=-1)},")
    print(")")


def fit(name, f, lo, hi, scale):
    for n in range(4, 30):
        coeffs, err = mp.chebyfit(f, [lo, hi], n, error=True)
        if err / scale < mp.mpf(2) ** -57:
            break
    span = f"[{mp.nstr(lo, 6)}, {mp.nstr(hi, 6)}]"
    print(f"# {name}: {n} terms, max error {mp.nstr(err, 3)} on {span}")
    _print_tuple(coeffs)


def fit_n(name, f, lo, hi, n, scale):
    coeffs, err = mp.chebyfit(f, [lo, hi], n, error=True)
    span = f"[{mp.nstr(lo, 6)}, {mp.nstr(hi, 6)}]"
    print(f"# {name}: {n} terms, max error 2^{mp.nstr(mp.log(err / scale, 2), 4)} on {span}")
    _print_tuple(coeffs)


def exp_q(r):
    if abs(r) < mp.mpf(10) ** -20:
        return mp.mpf(1) / 2 + r / 6
    return (mp.exp(r) - 1 - r) / (r * r)


def log_p(w):
    if w < mp.mpf(10) ** -30:
        return mp.mpf(2) / 3 + 2 * w / 5
    z = mp.sqrt(w)
    return (mp.log((1 + z) / (1 - z)) - 2 * z) / (z**3)


ERFCX_L = 4


def erfcx_g(u):
    big_l = mp.mpf(ERFCX_L)
    if u <= -1:
        return 1 / mp.sqrt(mp.pi)
    t = big_l * (1 - u) / (1 + u)
    return mp.erfc(t) * mp.exp(t * t) * (big_l + t)


half_ln2 = mp.log(2) / 2
fit("exp", exp_q, -half_ln2, half_ln2, mp.mpf(1) / 2)
zmax = 3 - 2 * mp.sqrt(2)
fit("log", log_p, mp.mpf(0), zmax**2, mp.mpf(2) / 3)
fit("erfcx", erfcx_g, mp.mpf(-1), mp.mpf(1), 1 / mp.sqrt(mp.pi))

# float32 first pass
fit_n("exp, first pass", mp.exp, -half_ln2, half_ln2, 9, mp.exp(-half_ln2))
fit_n("exp, softmax rows", mp.exp, -half_ln2, half_ln2, 10, mp.exp(-half_ln2))
fit_n("log, first pass", log_p, mp.mpf(0), zmax**2, 5, mp.mpf(2) / 3)
t_max = mp.mpf(14.5) / mp.sqrt(2)
u_lo = (ERFCX_L - t_max) / (ERFCX_L + t_max)
fit_n("erfcx, first pass", erfcx_g, u_lo, mp.mpf(1), 16, min(erfcx_g(u_lo), erfcx_g(mp.mpf(1))))
