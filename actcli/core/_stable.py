"""Careful primitives NumPy lacks: error-free transforms, sign-split sigmoid, scaled exp, Phi.

Every function takes and returns float64 arrays and is exact to a few ULP on its whole domain;
tests/test_core_oracle.py checks the public functions built from them against mpmath.
"""

from __future__ import annotations

import numpy as np

# Dekker's splitter 2^27 + 1: splits a double into two 26-bit halves whose products are exact.
_SPLITTER = 134217729.0
# Inputs beyond this are scaled before splitting so that _SPLITTER * a cannot overflow.
_SPLIT_MAX = 2.0**996


def two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Returns (s, e) with s = fl(a + b) and s + e = a + b exactly (Knuth)."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = _SPLITTER * a
    hi = t - a
    np.subtract(t, hi, out=hi)  # t - (t - a)
    return hi, a - hi


def two_prod(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Returns (p, e) with p = fl(a * b) and p + e = a * b exactly (Dekker; |a|, |b| < 2^996)."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def two_square(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """two_prod(a, a) with one split: the same operations, so the same bits."""
    p = a * a
    ah, al = _split(a)
    cross = ah * al
    e = ah * ah
    e -= p
    e += cross
    e += cross
    al *= al
    e += al  # ((ah ah - p) + cross + cross) + al al, in place
    return p, e


def exp_dd(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """exp(hi + lo) for |lo| <= ulp(hi): exp(hi) * (1 + lo), so the rounding of hi is undone."""
    return np.exp(hi) * (1.0 + lo)


def mul_exp(a: np.ndarray, z: np.ndarray, zlo: np.ndarray | float = 0.0) -> np.ndarray:
    """a * exp(z + zlo) for |zlo| <= ulp(z), without a subnormal intermediate.

    exp(z) for z < -708 is subnormal and has lost bits before the product; there exp(z/2) is
    normal, so (a * exp(z/2)) * exp(z/2) rounds once into the subnormal range (z/2 is exact).
    """
    # a * (1 + zlo); with zlo = 0 that multiplies by 1.0, which is exact, so it is skipped.
    scaled = a * (1.0 + zlo) if np.ndim(zlo) or zlo != 0.0 else a
    out = np.exp(z)
    if out.shape == np.shape(scaled):
        out *= scaled  # in place: the same product as scaled * exp(z)
    else:
        out = scaled * out
    deep = z < -700.0
    if deep.any():
        half = np.exp(0.5 * z[deep])
        ad = a[deep] if np.ndim(a) else a
        zd = zlo[deep] if np.ndim(zlo) else zlo
        out[deep] = (ad * (1.0 + zd) * half) * half
    return out


def _bits(v: np.ndarray | float) -> np.ndarray | np.int64:
    if isinstance(v, np.ndarray):
        return v.view(np.int64)
    return np.float64(v).view(np.int64)


def select(mask: np.ndarray, a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    """np.where(mask, a, b) for float64 arrays (or scalars) by bits, in a new array:
    b ^ ((a ^ b) & -mask). The same values; np.where branches per lane, which on a random
    mask costs 1.4 ns a lane against 0.8 here (128K float64 lanes in cache)."""
    m = np.empty(mask.shape, np.int64)
    np.copyto(m, mask)
    np.negative(m, out=m)  # 0 or all ones
    bi = _bits(b)
    out = np.bitwise_xor(_bits(a), bi)
    if out.shape != m.shape:  # a and b both scalars
        out = np.broadcast_to(out, m.shape).copy()
    out &= m
    out ^= bi
    return out.view(np.float64)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) as written, down to x = -708: each step is monotone, so the result is
    too (r * exp(x) from e = exp(-|x|) let neighbours swap by an ULP below 0, where the two
    roundings pull opposite ways); within 2 ULP. Below -708 exp(-x) overflows, and there the
    result is exp(x) itself (1 + exp(x) rounds to 1)."""
    y = np.negative(x)
    np.exp(y, out=y)
    y += 1.0
    np.divide(1.0, y, out=y)
    if x.size and not x.min() >= -708.0:  # one quick pass finds no deep lane (NaN: look)
        deep = x < -708.0
        y[deep] = np.exp(x[deep])
    return y


def sigmoid_prime(x: np.ndarray) -> np.ndarray:
    """sigmoid(x) * sigmoid(-x) = e / (1 + e)^2 with e = exp(-|x|) (no 1 - s cancellation)."""
    e = np.abs(x)
    np.negative(e, out=e)
    np.exp(e, out=e)
    d = e + 1.0
    np.multiply(d, d, out=d)
    return np.divide(e, d, out=e)


def log1pexp(x: np.ndarray) -> np.ndarray:
    """softplus log(1 + exp(x)) = max(log1p(exp(min(x, 40))), x): below 40 the formula itself
    (exp cannot overflow, log1p keeps a tiny exp(x) exact); above, log(1 + e^x) = x + e^-x
    rounds to x (e^-40 is 1e-19 of 40), and the max picks x (the clamped value is about 40).
    Three passes where max(x, 0) + log1p(exp(-|x|)) takes six."""
    t = np.minimum(x, 40.0)
    np.exp(t, out=t)
    np.log1p(t, out=t)
    return np.maximum(t, x, out=t)  # a NaN x stays NaN


# 1 / sqrt(2), 1 / sqrt(2 pi) and 1 / sqrt(pi), each to the nearest double.
_SQRT1_2 = 0.70710678118654752440
_INV_SQRT_2PI = 0.39894228040143267794
_INV_SQRT_PI = 0.56418958354775628695

# erfcx(t) = exp(t^2) erfc(t) on [0, 28]: Chebyshev fits by scripts/fit_erfcx.py, one per interval
# (t_lo, t_hi, centre, coefficients highest degree first), each within 2^-60 relative.
_ERFCX_PIECES = (
    (
        0.0,
        0.5,
        0.25,
        (  # 16 terms, max error 4.81e-20
            -1.8750294485487711344e-5,
            5.4733947515649593608e-5,
            -1.5012960567104661749e-4,
            4.0972488542630944878e-4,
            -1.0786468723894413563e-3,
            2.7289635943040185590e-3,
            -6.6147816783752603691e-3,
            1.5298471424028117455e-2,
            -3.3591135827652896939e-2,
            6.9591670636272544466e-2,
            -1.3496689305045423088e-1,
            2.4251673515970437411e-1,
            -3.9804641641609396507e-1,
            5.8454507442349328417e-1,
            -7.4320589323001420192e-1,
            7.7034654773099674387e-1,
        ),
    ),
    (
        0.5,
        1.0,
        0.75,
        (  # 15 terms, max error 8.93e-20
            4.6468063021709153704e-6,
            -1.4426531927022255857e-5,
            4.2362778728390121238e-5,
            -1.2332254905491935177e-4,
            3.4675112699586237770e-4,
            -9.3851358401318426744e-4,
            2.4376373488792929577e-3,
            -6.0515322582361624317e-3,
            1.4289198666091784804e-2,
            -3.1897262040193675595e-2,
            6.6790542527567824407e-2,
            -1.2983606199487813932e-1,
            2.3095813155129828340e-1,
            -3.6797269165579537017e-1,
            5.0693765029314480579e-1,
        ),
    ),
    (
        1.0,
        1.5,
        1.25,
        (  # 14 terms, max error 2.39e-19
            -1.6610767030625111436e-6,
            5.5017018398283870568e-6,
            -1.7341459254977562684e-5,
            5.4044915085144030024e-5,
            -1.6296012111131221236e-4,
            4.7397070061534542511e-4,
            -1.3257829272368543292e-3,
            3.5531098946832969528e-3,
            -9.0816276329599585454e-3,
            2.2011364250946236600e-2,
            -5.0218274395907468908e-2,
            1.0679557149659844292e-1,
            -2.0882187596460984164e-1,
            3.6782291645236109315e-1,
        ),
    ),
    (
        1.5,
        2.0,
        1.75,
        (  # 14 terms, max error 3.02e-20
            -2.3131132443809951886e-7,
            8.4064496085618528403e-7,
            -2.9276322492780200978e-6,
            1.0085518680104132432e-5,
            -3.3755368305528780064e-5,
            1.0950533816840060057e-4,
            -3.4353335318474801836e-4,
            1.0392045213569138975e-3,
            -3.0209746514281145331e-3,
            8.4043192073401865378e-3,
            -2.2259995241388315881e-2,
            5.5763630087087224495e-2,
            -1.3097634551448521167e-1,
            2.8497223473743638924e-1,
        ),
    ),
    (
        2.0,
        3.0,
        2.5,
        (  # 16 terms, max error 1.1e-19
            -9.2990686905831552412e-10,
            4.0234993518744629624e-9,
            -1.6150630522493300901e-8,
            6.7055333708661543509e-8,
            -2.7295663256796010473e-7,
            1.0852406768030674118e-6,
            -4.2142954940648963827e-6,
            1.5961851018812491471e-5,
            -5.8868964723831837717e-5,
            2.1101982441952371653e-4,
            -7.3359093713825767487e-4,
            2.4670368156972190320e-3,
            -8.0015693821016183347e-3,
            2.4937997086656954307e-2,
            -7.4347346789794670639e-2,
            2.1080636406114358055e-1,
        ),
    ),
    (
        3.0,
        4.0,
        3.5,
        (  # 15 terms, max error 6.5e-20
            1.5981815899094852470e-10,
            -7.9718489389593258212e-10,
            3.7648432442626517335e-9,
            -1.8165493026731739814e-8,
            8.6220123062016823444e-8,
            -4.0174190776983213405e-7,
            1.8371878077863912591e-6,
            -8.2379863442575603262e-6,
            3.6181704363668681498e-5,
            -1.5546891823837532766e-4,
            6.5268632687884402136e-4,
            -2.6730744396433894402e-3,
            1.0661133192510575476e-2,
            -4.1323577833252493841e-2,
            1.5529365560889429740e-1,
        ),
    ),
    (
        4.0,
        6.0,
        5.0,
        (  # 18 terms, max error 1.73e-20
            -1.2459867609778513609e-14,
            7.9835315838853609713e-14,
            -4.5036575463095848100e-13,
            2.8204188396422473426e-12,
            -1.7579908040383890455e-11,
            1.0775737192811558133e-10,
            -6.5295763379192165135e-10,
            3.9112329152598416010e-9,
            -2.3147488178706504932e-8,
            1.3529365427065687291e-7,
            -7.8063194907915256853e-7,
            4.4443343489815948368e-6,
            -2.4953883570293806129e-5,
            1.3810242090037912411e-4,
            -7.5289681342728843164e-4,
            4.0406889089370730203e-3,
            -2.1332789764826310196e-2,
            1.1070463773306862638e-1,
        ),
    ),
    (
        6.0,
        8.0,
        7.0,
        (  # 16 terms, max error 2.36e-20
            -5.4661708632967831082e-15,
            4.3733127895642594379e-14,
            -3.2560196872873625415e-13,
            2.5662113174594860239e-12,
            -2.0114322402009967441e-11,
            1.5622415943852491018e-10,
            -1.2041692206790028762e-9,
            9.2102865747896657269e-9,
            -6.9890780737315589147e-8,
            5.2607661849196865387e-7,
            -3.9271540587144497769e-6,
            2.9068308265136049955e-5,
            -2.1329604300314530930e-4,
            1.5512089175524008738e-3,
            -1.1178406487371505036e-2,
            7.9800054329152933469e-2,
        ),
    ),
    (
        8.0,
        12.0,
        10.0,
        (  # 19 terms, max error 6.22e-21
            2.7853796255008293817e-20,
            -3.0316690868739215597e-19,
            2.7576590565213406172e-18,
            -2.9735231804751982331e-17,
            3.2357495843191322761e-16,
            -3.4617130808269983663e-15,
            3.6864107646542885788e-14,
            -3.9113104300427206529e-13,
            4.1325415899143493482e-12,
            -4.3476661170892945501e-11,
            4.5542924720890572410e-10,
            -4.7499374158652831193e-9,
            4.9321091213772095046e-8,
            -5.0983569311581576165e-7,
            5.2463202047666276550e-6,
            -5.3737791280447775037e-5,
            5.4787055321401840382e-4,
            -5.5593122190608567942e-3,
            5.6140992743822585858e-2,
        ),
    ),
    (
        12.0,
        16.0,
        14.0,
        (  # 17 terms, max error 2.18e-21
            1.3799919291166728718e-20,
            -2.0129787927607812133e-19,
            2.6950816428529812909e-18,
            -3.9119467932829523634e-17,
            5.6816476964859252413e-16,
            -8.2093193391419722736e-15,
            1.1833344636666140267e-13,
            -1.7018171941924626652e-12,
            2.4417120609403851060e-11,
            -3.4949786990200933756e-10,
            4.9906386459481154240e-9,
            -7.1092183584204831772e-8,
            1.0102624861262859127e-6,
            -1.4321405264730206100e-5,
            2.0252019867847273505e-4,
            -2.8567648893957133104e-3,
            4.0197228650218459306e-2,
        ),
    ),
    (
        16.0,
        22.0,
        19.0,
        (  # 17 terms, max error 1.11e-20
            9.2688392138147589444e-23,
            -1.8020379935483293080e-21,
            3.1444410029450739963e-20,
            -6.0957782775422771235e-19,
            1.1857629060078624835e-17,
            -2.2927604486071407899e-16,
            4.4269277251302979677e-15,
            -8.5372511960992987760e-14,
            1.6442145631780127080e-12,
            -3.1624253521749625002e-11,
            6.0743766924927376535e-10,
            -1.1652000601977061200e-8,
            2.2321032445376072018e-7,
            -4.2701261661275043346e-6,
            8.1578817805324687131e-5,
            -1.5564027275503598855e-3,
            2.9653230641262163525e-2,
        ),
    ),
    (
        22.0,
        28.0,
        25.0,
        (  # 16 terms, max error 1.35e-21
            -2.3027419041647691418e-23,
            5.8300749816356160057e-22,
            -1.3920209980189191472e-20,
            3.5185577431594754220e-19,
            -8.8989615281233225899e-18,
            2.2458806100081564032e-16,
            -5.6635539204217778896e-15,
            1.4271176999930267925e-13,
            -3.5932806296866571157e-12,
            9.0402862883931507498e-11,
            -2.2726480534168658246e-9,
            5.7087409923967413591e-8,
            -1.4328668682337219235e-6,
            3.5935846525691062340e-5,
            -9.0054546344462671588e-4,
            2.2549572432641358942e-2,
        ),
    ),
)
_ERFCX_EDGES = np.array([p[0] for p in _ERFCX_PIECES[1:]])
# The piece of each half-unit [k/2, (k+1)/2) of [0, 28] (every edge is a multiple of 1/2).
_ERFCX_HALVES = np.searchsorted(_ERFCX_EDGES, np.arange(57) / 2.0, side="right").astype(np.uint8)


def erfcx(t: np.ndarray) -> np.ndarray:
    """exp(t^2) erfc(t) for t >= 0 to about 1 ULP (SciPy's erfcx is off by up to 3.4 ULP and its
    erfc by hundreds in the tail). Beyond t = 28 the asymptotic series, 8 terms (error < 1e-19)."""
    tc = np.minimum(t, 28.0)
    # Each lane's piece (searchsorted over the edges, by a table over half-units; out-of-range
    # and NaN casts are clipped, such lanes have t < 0 or u = NaN). Lanes are sorted by piece
    # so that each piece's Horner loop runs on one contiguous run with scalar coefficients.
    half = (2.0 * tc).astype(np.intp)
    np.clip(half, 0, _ERFCX_HALVES.size - 1, out=half)
    piece = _ERFCX_HALVES.take(half)
    order = np.argsort(piece, kind="stable")  # a radix sort for uint8
    bounds = np.searchsorted(piece.take(order), np.arange(len(_ERFCX_PIECES) + 1))
    u = tc.take(order)
    acc = np.zeros_like(u)
    for (_, _, centre, coeffs), start, stop in zip(
        _ERFCX_PIECES, bounds[:-1], bounds[1:], strict=True
    ):
        if start < stop:
            us, run = u[start:stop], acc[start:stop]
            us -= centre
            for c in coeffs:
                run *= us
                run += c
    out = np.empty_like(acc)
    out[order] = acc  # back to the lanes' own order
    far = t > 28.0
    if far.any():
        tf = t[far]
        w = 1.0 / (2.0 * tf * tf)
        series = np.zeros_like(tf)
        for k in range(7, 0, -1):  # 1 - w + 3 w^2 - 15 w^3 + ... ((2k-1)!! (-w)^k)
            series = 1.0 - (2 * k - 1) * w * series
        out[far] = _INV_SQRT_PI / tf * series
    return out


def gauss_exp(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Returns (hi, lo) with hi + lo = -x^2 / 2 exactly (x^2 split by two_prod; /2 is exact)."""
    xc = np.clip(x, -1e150, 1e150)  # beyond, exp(-x^2/2) is 0 anyway; keeps the split finite
    p, e = two_square(xc)
    p *= -0.5
    e *= -0.5
    return p, e


def normal_tail(x: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """scale * Phi(-|x|) = scale * erfcx(|x| / sqrt(2)) / 2 * exp(-x^2 / 2), exp(-x^2/2) from an
    exact split of x^2 (erfc(-x / sqrt(2)) would amplify the rounding of x / sqrt(2) by x^2:
    hundreds of ULP at x = -10); erfcx varies slowly, so that rounding does not matter there."""
    hi, lo = gauss_exp(x)
    t = np.abs(x)
    t *= _SQRT1_2
    a = erfcx(t)
    a *= 0.5 * scale
    return mul_exp(a, hi, lo)
