"""pandas and polars peers of bench/warehouse.js: RFM with the same rules on the same Parquet file.

Rules (as Warehouse RFM with one row per order): rows with status cancelled are dropped, rows with
status refunded and amount >= 0 are dropped, negative amounts are refund lines (netted into monetary,
not orders, no recency), reference = day after the latest order, quintile edges = numpy quantiles
(linear interpolation) of recency / frequency / positive monetary, score = 1 + edges strictly below
(right-closed bins), R reversed, net spend <= 0 -> M = 1, R+F segment map.
Usage: python warehouse_peers.py pandas|polars FILE.parquet
Prints one JSON line: load_s, compute_s, customers, segments, peak_rss_mb.
"""
import json
import resource
import sys
import time

import numpy as np

DAY = 86400000
QS = [0.2, 0.4, 0.6, 0.8]


def rf_table():
    t = np.empty((6, 6), dtype=object)
    for r in range(1, 6):
        for f in range(1, 6):
            t[r, f] = ('Hibernating' if r <= 2 and f <= 2 else 'At Risk' if r <= 2 and f <= 4 else "Can't Lose Them" if r <= 2
                       else 'About To Sleep' if r == 3 and f <= 2 else 'Need Attention' if r == 3 and f == 3
                       else 'Loyal Customers' if r <= 4 and f >= 4 else 'Promising' if r == 4 and f == 1
                       else 'New Customers' if f == 1 else 'Potential Loyalists' if f <= 3 else 'Champions')
    return t


def edges(values):
    return np.round(np.quantile(values, QS), 6)


def scores(rec, freq, mon):
    pos = mon > 0
    e_r, e_f = edges(rec), edges(freq)
    e_m = edges(mon[pos]) if pos.any() else np.array([np.inf] * 4)
    r = 5 - np.searchsorted(e_r, rec, side='left')
    f = 1 + np.searchsorted(e_f, freq, side='left')
    m = np.where(pos, 1 + np.searchsorted(e_m, mon, side='left'), 1)
    seg = rf_table()[r, f]
    return r, f, m, seg


def with_pandas(path):
    import pandas as pd
    t0 = time.perf_counter()
    # Arrow-backed columns: strings stay compact (object strings would take ~10 GB at 50M rows)
    df = pd.read_parquet(path, columns=['customer_id', 'created_at', 'total', 'status'], dtype_backend='pyarrow')
    load = time.perf_counter() - t0
    t1 = time.perf_counter()
    st = df['status'].str.strip().str.lower()
    keep = ~st.isin(['cancelled']) & ~(st.isin(['refunded']) & (df['total'] >= 0))
    d = df[keep]
    t = d['created_at'].astype('datetime64[us]').astype('int64') // 1000  # microseconds -> ms
    orders = d['total'] >= 0
    g = d.assign(t=t.where(orders), o=orders.astype('int64')).groupby('customer_id', sort=False)
    cust = g.agg(last=('t', 'max'), frequency=('o', 'sum'), monetary=('total', 'sum'))
    cust = cust[cust['frequency'] > 0]
    ref = cust['last'].max() + DAY
    rec = np.floor((ref - cust['last'].to_numpy()) / DAY)
    r, f, m, seg = scores(rec, cust['frequency'].to_numpy(), cust['monetary'].to_numpy())
    cust = cust.assign(r=r, f=f, m=m, segment=seg)
    compute = time.perf_counter() - t1
    return load, compute, len(cust), cust['segment'].value_counts().to_dict()


def with_polars(path):
    import polars as pl
    t0 = time.perf_counter()
    df = pl.read_parquet(path, columns=['customer_id', 'created_at', 'total', 'status'])
    load = time.perf_counter() - t0
    t1 = time.perf_counter()
    st = pl.col('status').str.strip_chars().str.to_lowercase()
    d = df.filter(~st.is_in(['cancelled']) & ~(st.is_in(['refunded']) & (pl.col('total') >= 0)))
    order = pl.col('total') >= 0
    cust = (d.group_by('customer_id')
            .agg(pl.col('created_at').filter(order).max().dt.epoch('ms').alias('last'),
                 order.sum().alias('frequency'),
                 pl.col('total').sum().alias('monetary'))
            .filter(pl.col('frequency') > 0))
    ref = cust['last'].max() + DAY
    rec = np.floor((ref - cust['last'].to_numpy()) / DAY)
    r, f, m, seg = scores(rec, cust['frequency'].to_numpy(), cust['monetary'].to_numpy())
    cust = cust.with_columns(pl.Series('r', r), pl.Series('f', f), pl.Series('m', m), pl.Series('segment', seg.astype(str)))
    compute = time.perf_counter() - t1
    counts = dict(cust.group_by('segment').len().iter_rows())
    return load, compute, cust.height, counts


if __name__ == '__main__':
    engine, path = sys.argv[1], sys.argv[2]
    cpu0 = time.process_time()
    load, compute, n, segments = (with_pandas if engine == 'pandas' else with_polars)(path)
    print(json.dumps({'engine': engine, 'load_s': load, 'compute_s': compute, 'cpu_s': time.process_time() - cpu0,
                      'load_avg': __import__('os').getloadavg()[0], 'customers': int(n),
                      'segments': {k: int(v) for k, v in segments.items()},
                      'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
