"""Regenerates the polynomial coefficients of actcli.core.smooth._TANH_SHRINK_PIECES.

x - tanh(x) = x^3 * g(x^2) with g(t) = (sqrt(t) - tanh(sqrt(t))) / t^1.5; g is fitted on three
intervals of t by Chebyshev interpolation in u = t - centre at 60 digits (mpmath.chebyfit).
Run: python3 scripts/fit_tanh_shrink.py
"""

import mpmath as mp

mp.mp.dps = 60
PIECES = [(0.0, 0.25, 12), (0.25, 1.0, 16), (1.0, 2.25, 18)]


def g(t):
    if t == 0:
        return mp.mpf(1) / 3
    x = mp.sqrt(t)
    return (x - mp.tanh(x)) / x**3


for lo, hi, n in PIECES:
    centre = mp.mpf(lo + hi) / 2
    half = mp.mpf(hi - lo) / 2
    coeffs, err = mp.chebyfit(lambda u, c=centre: g(u + c), [-half, half], n, error=True)
    print(f"    ({lo!r}, {hi!r}, {float(centre)!r}, (  # max error {mp.nstr(err, 3)}")
    for c in coeffs:
        print(f"        {mp.nstr(c, 20, strip_zeros=False, min_fixed=-1, max_fixed=-1)},")
    print("    )),")
