#!/usr/bin/env python3
"""Fits the rational normal CDF that VectorLanes.cdf evaluates: Phi(x) = 0.5 + x*P(x^2)/Q(x^2), P of degree 6 and
Q of degree 4 in x^2, Q(0) = 1, for x clamped to +-CLAMP. Needs numpy and scipy (a dev tool, not part of the build).
With --derivative, GELU's derivative for VectorLanes.geluErfDerivative instead: Phi(x) + x*phi(x) = 0.5 +
x*P(x^2)/Q(x^2) (both terms past 0.5 are odd), P of degree 6 and Q of degree 5, fitted directly in x.

The fit is to erf(z)/z in u = z^2 on (0, Z], z = x/sqrt(2): weighted linear least squares on the linearised
problem P(u) - f(u)*Q(u) = 0, reweighted by 1/Q (Sanathanan-Koerner) and by the error (Lawson) toward minimax; the
best iterate is kept. Then the scale 1/sqrt(2) and the 0.5 of Phi are folded into the coefficients, and the result
is checked the way Java evaluates it: float32, Horner with one rounding per fused multiply-add.
"""
import numpy as np
from scipy.special import erf

Z = 3.925                                   # erf(Z) rounds to 1 in float32
CLAMP = np.float32(Z * np.sqrt(2))


def grid(limit, n):
    """(0, limit], denser toward the end (where the fitted functions bend), plus an even spread."""
    t = np.unique(np.concatenate([limit * (1 - np.cos(np.linspace(0, np.pi / 2, n))), np.linspace(1e-6, limit, n)]))
    return t[t > 0]


def fit_rational(t, g, deg_p, deg_q, iterations):
    """An odd g(t) as t*P(u)/Q(u), u = t^2, Q(0) = 1: weighted linear least squares on the linearised problem
    P(u) - f(u)*Q(u) = 0, f = g/t, reweighted by 1/Q (Sanathanan-Koerner) and by the error in g (Lawson) toward
    minimax; the best iterate is kept."""
    u, f = t * t, g / t
    weight, q = np.ones_like(t), np.ones_like(t)
    best = None
    for _ in range(iterations):
        powers_p = np.vstack([u ** i for i in range(deg_p + 1)]).T
        powers_q = np.vstack([u ** i for i in range(1, deg_q + 1)]).T
        a = np.hstack([powers_p, -f[:, None] * powers_q])
        w = weight / q
        coef, *_ = np.linalg.lstsq(a * w[:, None], f * w, rcond=None)
        p, qc = coef[:deg_p + 1], np.concatenate([[1.0], coef[deg_p + 1:]])
        q = np.polyval(qc[::-1], u)
        err = np.abs(t * np.polyval(p[::-1], u) / q - g)
        if best is None or err.max() < best[0]:
            best = (err.max(), p.copy(), qc.copy())
        weight = weight * np.sqrt(err / err.mean())
        weight /= weight.mean()
    return best


def fit(deg_p, deg_q, iterations=60):
    """erf(z)/z, z = x/sqrt(2), on (0, Z]."""
    z = grid(Z, 6000)
    return fit_rational(z, erf(z), deg_p, deg_q, iterations)


def fit_derivative(deg_p, deg_q, iterations=80):
    """GELU'(x) - 0.5 = Phi(x) - 0.5 + x*phi(x) on (0, CLAMP]."""
    x = grid(CLAMP, 8000)
    return fit_rational(x, 0.5 * erf(x / np.sqrt(2)) + x * np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi), deg_p, deg_q,
                        iterations)


def rational_in_float(cp, cq, x):
    """0.5 + xc*P(u)/Q(u), u = xc^2, xc = x clamped, as Java evaluates it (float32, one rounding per fma)."""
    xc = np.minimum(np.maximum(x, -CLAMP), CLAMP)
    u = (xc * xc).astype(np.float32)
    num = np.full_like(u, cp[-1])
    for c in cp[-2::-1]:
        num = fma(num, u, c)
    den = np.full_like(u, cq[-1])
    for c in cq[-2::-1]:
        den = fma(den, u, c)
    return ((xc * num).astype(np.float32) / den).astype(np.float32) + np.float32(0.5)


def main_derivative():
    err, p, q = fit_derivative(6, 5)
    cp, cq = p.astype(np.float32), q.astype(np.float32)
    print("GELU' fit, max |error| in double:", err)
    print("DERIV_P =", [repr(float(c)) for c in cp])
    print("DERIV_Q =", [repr(float(c)) for c in cq])
    x = np.linspace(-9, 9, 400001).astype(np.float32)
    xd = x.astype(np.float64)
    exact = 0.5 * (1 + erf(xd / np.sqrt(2))) + xd * np.exp(-0.5 * xd * xd) / np.sqrt(2 * np.pi)
    print("float32 evaluation, max |GELU' error|:", np.abs(rational_in_float(cp, cq, x) - exact).max())


def fma(a, b, c):
    return np.float32(np.float64(a) * np.float64(b) + np.float64(c))


def main():
    err, p, q = fit(6, 4)
    s = 1 / np.sqrt(2)
    cp = np.array([0.5 * s * p[i] * s ** (2 * i) for i in range(len(p))], dtype=np.float32)
    cq = np.array([q[i] * s ** (2 * i) for i in range(len(q))], dtype=np.float32)
    print("erf fit, max |error| in double:", err)
    print("CDF_CLAMP =", repr(float(CLAMP)))
    print("CDF_P =", [repr(float(c)) for c in cp])
    print("CDF_Q =", [repr(float(c)) for c in cq])
    x = np.linspace(-8, 8, 400001).astype(np.float32)
    phi = np.maximum(rational_in_float(cp, cq, x), np.float32(0))
    exact = 0.5 * (1 + erf(x.astype(np.float64) * s))
    print("float32 evaluation, max |Phi error|:", np.abs(phi - exact).max())


if __name__ == "__main__":
    import sys
    main_derivative() if "--derivative" in sys.argv[1:] else main()
