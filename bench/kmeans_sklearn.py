#!/usr/bin/python3
"""scikit-learn side of bench/kmeans.js (Debian python3-sklearn; run with /usr/bin/python3).

Reads JSON requests, one per line, on stdin and answers one JSON line each on stdout, so the
Node bench can interleave its own runs with sklearn's under the same machine load:
  {"op": "fit", "file": m.f64, "d": 3, "k": 4, "seed": 0, "algorithm": "lloyd"}
      -> KMeans(n_clusters=k, n_init=1, random_state=seed, algorithm=...) on the n x d float64
         little-endian matrix: {"time": s, "cpu": s (all threads), "iterations": n, "inertia": x}
      with "init": [k*d numbers] the run starts from those centres instead of k-means++
  {"op": "auto", "file": ..., "d": 3, "kMin": 2, "kMax": 8, "sampleSize": 10000, "seed": 0}
      -> the same auto-k as Cluster Customers: KMeans(n_init=1) for every k, silhouette_score on a
         sample of sampleSize points; {"time": s, "best": k, "scores": [...]}
  {"op": "info"} -> versions and thread count
Files are loaded once and kept. Timings cover the fit (and scoring) only, not loading.
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_info

_cache = {}


def matrix(path, d):
    if path not in _cache:
        _cache[path] = np.ascontiguousarray(np.fromfile(path, dtype="<f8").reshape(-1, d))
    return _cache[path]


def handle(req):
    op = req["op"]
    if op == "info":
        threads = max((p.get("num_threads", 1) for p in threadpool_info()), default=1)
        return {"sklearn": sklearn.__version__, "numpy": np.__version__, "threads": threads}
    X = matrix(req["file"], req["d"])
    if op == "fit":
        init = np.array(req["init"], dtype=float).reshape(req["k"], req["d"]) if "init" in req else "k-means++"
        t, c = time.perf_counter(), time.process_time()
        km = KMeans(n_clusters=req["k"], n_init=1, random_state=req["seed"], init=init,
                    algorithm=req.get("algorithm", "lloyd")).fit(X)
        return {"time": time.perf_counter() - t, "cpu": time.process_time() - c,
                "iterations": int(km.n_iter_), "inertia": float(km.inertia_)}
    if op == "auto":
        t, c = time.perf_counter(), time.process_time()
        scores = []
        for k in range(req["kMin"], req["kMax"] + 1):
            km = KMeans(n_clusters=k, n_init=1, random_state=req["seed"]).fit(X)
            s = silhouette_score(X, km.labels_, sample_size=min(req["sampleSize"], X.shape[0]),
                                 random_state=req["seed"])
            scores.append({"k": k, "silhouette": float(s), "inertia": float(km.inertia_)})
        best = max(scores, key=lambda r: r["silhouette"])["k"]
        return {"time": time.perf_counter() - t, "cpu": time.process_time() - c, "best": best, "scores": scores}
    raise ValueError("unknown op " + op)


def main():
    # warm-up (imports, thread pool)
    KMeans(n_clusters=2, n_init=1, random_state=0).fit(np.random.RandomState(0).rand(500, 3))
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            out = handle(json.loads(line))
        except Exception as e:  # reported to the bench, which stops
            out = {"error": repr(e)}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
