"""Regenerates the polynomial pieces of actcli.core._stable._ERFCX_PIECES.

erfcx(t) = exp(t^2) erfc(t) is fitted on intervals of t in [0, 28] by Chebyshev interpolation in
u = t - centre at 60 digits (mpmath.chebyfit); the degree is raised until the fit error is below
2^-60 relative. Run: python3 scripts/fit_erfcx.py
"""

import mpmath as mp

mp.mp.dps = 60
EDGES = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 22.0, 28.0]


def erfcx(t):
    return mp.erfc(t) * mp.exp(t * t)


for lo, hi in zip(EDGES, EDGES[1:], strict=False):
    centre = mp.mpf(lo + hi) / 2
    half = mp.mpf(hi - lo) / 2
    for n in range(6, 40):
        coeffs, err = mp.chebyfit(lambda u, c=centre: erfcx(u + c), [-half, half], n, error=True)
        if err / erfcx(mp.mpf(hi)) < mp.mpf(2) ** -60:
            break
    print(f"    ({lo!r}, {hi!r}, {float(centre)!r}, (  # {n} terms, max error {mp.nstr(err, 3)}")
    for c in coeffs:
        print(f"        {mp.nstr(c, 20, strip_zeros=False, min_fixed=-1, max_fixed=-1)},")
    print("    )),")
