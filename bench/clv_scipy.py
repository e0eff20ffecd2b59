#!/usr/bin/env python3
"""scipy side of bench/clv.js: BG/NBD + Gamma-Gamma fitted and scored on the same customers.

A straightforward, efficient scipy/numpy implementation, as a data scientist would write it:
customers collapsed with np.unique, likelihoods vectorized with scipy.special.gammaln, BFGS
(scipy.optimize.minimize) with analytic gradients on log-parameters from the same start as ours
(r = a = b = 1, alpha = mean T; p = 1, q = 2, v = mean spend), the conditional expectation with
scipy.special.hyp2f1 per distinct (x, T) and monthly step, tiers with np.partition.

Reads JSON requests, one per line, on stdin; answers one JSON line each:
  {"op": "info"}                      -> versions
  {"op": "load", "file": f, "n": n}   -> reads int32 x, t_x, T (days) then float64 spend (NaN: none)
  {"op": "fit"}                       -> {"time": s, "bgnbd": {...}, "gammaGamma": {...}, "ll": x}
  {"op": "score", "bgnbd": {...}, "gammaGamma": {...}, "horizonDays": 365, "monthlyRate": 0.01}
                                      -> {"time": s, "sumValue": x, "sumOrders": x, "sample": [...]}
Times (wall and process CPU) cover the computation only (data already loaded).
"""
import json
import sys
import time

import numpy as np
import scipy
from scipy import optimize, special

MONTH_DAYS = 365.25 / 12
data = {}


def load(req):
    n = req['n']
    raw = open(req['file'], 'rb').read()
    ints = np.frombuffer(raw, dtype='<i4', count=3 * n)
    data['x'] = ints[:n].astype(np.float64)
    data['tx'] = ints[n:2 * n].astype(np.float64)
    data['T'] = ints[2 * n:3 * n].astype(np.float64)
    data['m'] = np.frombuffer(raw, dtype='<f8', count=n, offset=12 * n)
    return {'n': n}


def bgnbd_negll(lp, x, tx, T, w, N):
    r, alpha, a, b = np.exp(lp)
    base = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
    e3 = -(r + x) * np.log(alpha + T)
    rep = x > 0
    e4 = np.full_like(x, -np.inf)
    e4[rep] = np.log(a) - np.log(b + x[rep] - 1) - (r + x[rep]) * np.log(alpha + tx[rep])
    ll = base + np.logaddexp(e3, e4)
    wt = np.zeros_like(x)
    wt[rep] = special.expit(e4[rep] - e3[rep])
    gr = special.digamma(r + x) - special.digamma(r) + np.log(alpha) - (1 - wt) * np.log(alpha + T) - wt * np.log(alpha + np.where(rep, tx, 0))
    ga = r / alpha - (r + x) * ((1 - wt) / (alpha + T) + wt / (alpha + np.where(rep, tx, 0)))
    gaa = special.digamma(a + b) - special.digamma(a + b + x) + wt / a
    gb = special.digamma(a + b) + special.digamma(b + x) - special.digamma(b) - special.digamma(a + b + x) - np.where(rep, wt / np.maximum(b + x - 1, 1e-300), 0)
    grad = np.array([np.dot(w, gr) * r, np.dot(w, ga) * alpha, np.dot(w, gaa) * a, np.dot(w, gb) * b])
    return -np.dot(w, ll) / N, -grad / N


def gg_negll(lp, x, m, N):
    p, q, v = np.exp(lp)
    s = v + x * m
    ll = special.gammaln(p * x + q) - special.gammaln(p * x) - special.gammaln(q) + q * np.log(v) + (p * x - 1) * np.log(m) + p * x * np.log(x) - (p * x + q) * np.log(s)
    gp = x * (special.digamma(p * x + q) - special.digamma(p * x) + np.log(m) + np.log(x) - np.log(s))
    gq = special.digamma(p * x + q) - special.digamma(q) + np.log(v) - np.log(s)
    gv = q / v - (p * x + q) / s
    return -ll.sum() / N, -np.array([gp.sum() * p, gq.sum() * q, gv.sum() * v]) / N


def fit(_req):
    t0 = time.perf_counter()
    c0 = time.process_time()
    x, tx, T, m = data['x'], data['tx'], data['T'], data['m']
    keys = np.stack([x, T, tx], axis=1)
    uniq, counts = np.unique(keys, axis=0, return_counts=True)
    ux, uT, utx = uniq[:, 0], uniq[:, 1], uniq[:, 2]
    w = counts.astype(np.float64)
    N = w.sum()
    start = [0.0, np.log(max(np.dot(w, uT) / N, 1.0)), 0.0, 0.0]
    res = optimize.minimize(bgnbd_negll, start, args=(ux, utx, uT, w, N), jac=True, method='BFGS', options={'gtol': 1e-9})
    sel = (x > 0) & (m > 0)
    xs, ms = x[sel], m[sel]
    gres = optimize.minimize(gg_negll, [0.0, np.log(2.0), np.log(ms.mean())], args=(xs, ms, len(xs)), jac=True, method='BFGS', options={'gtol': 1e-9})
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - c0
    r, alpha, a, b = np.exp(res.x)
    p, q, v = np.exp(gres.x)
    return {'time': elapsed, 'cpu': cpu, 'patterns': int(len(uniq)), 'bgnbd': {'r': r, 'alpha': alpha, 'a': a, 'b': b}, 'll': -res.fun * N,
            'iterations': int(res.nit), 'gammaGamma': {'p': p, 'q': q, 'v': v}, 'ggIterations': int(gres.nit)}


def score(req):
    t0 = time.perf_counter()
    c0 = time.process_time()
    bg, gg = req['bgnbd'], req['gammaGamma']
    r, alpha, a, b = bg['r'], bg['alpha'], bg['a'], bg['b']
    p, q, v = gg['p'], gg['q'], gg['v']
    H, d = req['horizonDays'], req['monthlyRate']
    x, tx, T, m = data['x'], data['tx'], data['T'], data['m']
    # P(alive) per customer
    rep = x > 0
    ratio = np.zeros_like(x)
    ratio[rep] = a / (b + x[rep] - 1) * np.exp((r + x[rep]) * (np.log(alpha + T[rep]) - np.log(alpha + tx[rep])))
    alive = 1 / (1 + ratio)
    # expected purchases of a customer alive at T, per distinct (x, T) and monthly step
    pairs, inv = np.unique(np.stack([x, T], axis=1), axis=0, return_inverse=True)
    inv = inv.ravel()
    px, pT = pairs[:, 0], pairs[:, 1]
    steps = []
    k = 1
    while True:
        t = min(k * MONTH_DAYS, H)
        steps.append(t)
        if t >= H:
            break
        k += 1
    disc = np.zeros(len(pairs))
    prev = np.zeros(len(pairs))
    for t in steps:
        z = t / (alpha + pT + t)
        g = (a + b + px - 1) / (a - 1) * (1 - ((alpha + pT) / (alpha + pT + t)) ** (r + px) * special.hyp2f1(r + px, b + px, a + b + px - 1, z))
        disc += (g - prev) / (1 + d) ** (t / MONTH_DAYS)
        prev = g
    orders = alive * prev[inv]
    pop = p * v / (q - 1)
    spend = np.where(rep, p * (v + x * np.where(rep, np.maximum(m, 0), 0)) / (p * x + q - 1), pop)
    value = spend * alive * disc[inv]
    n = len(value)
    cut_high = np.partition(value, n - int(np.ceil(0.1 * n)))[n - int(np.ceil(0.1 * n))]
    cut_med = np.partition(value, n - int(np.ceil(0.4 * n)))[n - int(np.ceil(0.4 * n))]
    tier = np.where(value >= cut_high, 0, np.where(value >= cut_med, 1, 2))
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - c0
    idx = [0, 1, 2, 3, 4, 1000, n // 2, n - 1]
    return {'time': elapsed, 'cpu': cpu, 'sumValue': float(value.sum()), 'sumOrders': float(orders.sum()), 'high': int((tier == 0).sum()),
            'sample': [[float(alive[i]), float(orders[i]), float(value[i])] for i in idx], 'nonFinite': int((~np.isfinite(value)).sum())}


def main():
    for line in sys.stdin:
        req = json.loads(line)
        try:
            op = req['op']
            if op == 'info':
                out = {'python': sys.version.split()[0], 'numpy': np.__version__, 'scipy': scipy.__version__}
            elif op == 'load':
                out = load(req)
            elif op == 'fit':
                out = fit(req)
            else:
                out = score(req)
        except Exception as e:  # reported to the bench
            out = {'error': repr(e)}
        sys.stdout.write(json.dumps(out) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
