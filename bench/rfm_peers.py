#!/usr/bin/env python3
"""Peers of bench/rfm.js: the same RFM job with pandas, polars or DuckDB, timed in-process.

  rfm_peers.py memory <engine> <orders-ms.csv> <runs> <threads>
      RFM Score's rules on orders already in memory (the CSV with created_at_ms is loaded first,
      untimed): cancelled rows dropped, positive rows of fully refunded orders dropped, refund lines
      netted, frequency = distinct order ids, recency from the day after the latest order.
  rfm_peers.py csv <engine> <export.csv> <runs> <threads>
      From the orders export on disk to scored customers, as Fetch Customers (CSV) + RFM Score
      (customers) do it: rows grouped into orders (first row's customer and status, earliest date,
      refund rows netted, clamped at 0, "paid" with refunds becomes (partially_)refunded), paid and
      partially refunded orders counted per customer, then quantile scores and the R+F segment map.

Quantile edges are numpy's linear quantiles (as RFM Score), rounded to 6 decimals; a score is
1 + the number of edges strictly below. Prints JSON: runs_s, cpu_s, customers, segments, totals
(customers, orders, monetary, recency days summed over the scored customers), peak_rss_mb."""
import json
import os
import resource
import sys
import time

mode, engine, path, runs, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
os.environ['POLARS_MAX_THREADS'] = str(threads)
import numpy as np  # noqa: E402

DAY = 86400000
QS = [0.2, 0.4, 0.6, 0.8]
RF = np.empty((6, 6), dtype=object)
for r in range(1, 6):
    for f in range(1, 6):
        RF[r, f] = ('Hibernating' if r <= 2 and f <= 2 else 'At Risk' if r <= 2 and f <= 4 else "Can't Lose Them" if r <= 2
                    else 'About To Sleep' if r == 3 and f <= 2 else 'Need Attention' if r == 3 and f == 3
                    else 'Loyal Customers' if r <= 4 and f >= 4 else 'Promising' if r == 4 and f == 1
                    else 'New Customers' if f == 1 else 'Potential Loyalists' if f <= 3 else 'Champions')


def score(recency, frequency, monetary):
    """Segments of the customers from their recency (days), frequency and monetary (numpy arrays),
    and totals over the customers (a check finer than the segment counts)."""
    pos = monetary > 0
    e_r = np.round(np.quantile(recency, QS), 6)
    e_f = np.round(np.quantile(frequency, QS), 6)
    r = 5 - np.searchsorted(e_r, recency, side='left')
    f = 1 + np.searchsorted(e_f, frequency, side='left')
    if pos.any():
        e_m = np.round(np.quantile(monetary[pos], QS), 6)
        m = np.where(pos, 1 + np.searchsorted(e_m, monetary, side='left'), 1)
    else:
        m = np.ones(len(monetary), dtype=np.int64)
    seg = RF[r, f]
    names, counts = np.unique(seg, return_counts=True)
    totals = {'customers': int(len(recency)), 'orders': int(np.sum(frequency)), 'monetary': round(float(np.sum(monetary)), 2),
              'recency_days': int(np.sum(recency))}
    return {str(n): int(c) for n, c in zip(names, counts)}, totals


# ---------------------------------------------------------------------------------------------
# in memory: RFM Score's rules on orders

def memory_pandas(df):
    d = df[df['status'] != 'cancelled']
    d = d[~((d['status'] == 'refunded') & (d['total'] >= 0))]
    orders = d[d['total'] >= 0]
    ref = orders['created_at_ms'].max() + DAY
    g = orders.groupby('customer_id', sort=False)
    last = g['created_at_ms'].max()
    freq = g['order_id'].nunique()
    mon = d.groupby('customer_id', sort=False)['total'].sum().reindex(last.index)
    rec = np.floor((ref - last.to_numpy()) / DAY)
    return score(rec, freq.to_numpy().astype(float), mon.to_numpy())


def memory_polars(df):
    import polars as pl
    d = df.filter((pl.col('status') != 'cancelled') & ~((pl.col('status') == 'refunded') & (pl.col('total') >= 0)))
    ref = d.filter(pl.col('total') >= 0)['created_at_ms'].max() + DAY
    c = d.group_by('customer_id').agg(
        last=pl.col('created_at_ms').filter(pl.col('total') >= 0).max(),
        frequency=pl.col('order_id').filter(pl.col('total') >= 0).n_unique(),
        monetary=pl.col('total').sum(),
    ).filter(pl.col('frequency') > 0)
    rec = np.floor((ref - c['last'].to_numpy()) / DAY)
    return score(rec, c['frequency'].to_numpy().astype(float), c['monetary'].to_numpy())


def memory_duckdb(con):
    rows = con.execute("""
        WITH d AS (SELECT * FROM orders WHERE status <> 'cancelled' AND NOT (status = 'refunded' AND total >= 0)),
        c AS (SELECT customer_id, max(created_at_ms) FILTER (WHERE total >= 0) AS last,
                     count(DISTINCT order_id) FILTER (WHERE total >= 0) AS frequency, sum(total) AS monetary
              FROM d GROUP BY customer_id)
        SELECT floor(((SELECT max(created_at_ms) FROM d WHERE total >= 0) + 86400000 - last) / 86400000) AS recency,
               frequency, monetary FROM c WHERE frequency > 0""").fetchnumpy()
    return score(rows['recency'], rows['frequency'].astype(float), rows['monetary'])


# ---------------------------------------------------------------------------------------------
# from the file: Fetch Customers' order rules, then customers scored

def csv_pandas():
    import pandas as pd
    df = pd.read_csv(path, dtype={'customer_id': str, 'order_id': str, 'currency': str, 'status': str, 'email': str})
    # milliseconds since 1970 whatever the datetime resolution pandas picks
    df['created_at'] = (pd.to_datetime(df['created_at'], utc=True, format='ISO8601') - pd.Timestamp(0, tz='UTC')) // pd.Timedelta(milliseconds=1)
    df['gross'] = df['total'].clip(lower=0)
    df['refund'] = (-df['total']).clip(lower=0)
    g = df.groupby('order_id', sort=False)
    o = pd.DataFrame({'customer_id': g['customer_id'].first(), 't': g['created_at'].min(), 'status': g['status'].first(),
                      'gross': g['gross'].sum(), 'refund': g['refund'].sum()})
    o['net'] = (o['gross'] - o['refund']).clip(lower=0)
    refunded = (o['refund'] > 0) & (o['status'] == 'paid')
    o.loc[refunded, 'status'] = np.where(o.loc[refunded, 'net'] <= 0, 'refunded', 'partially_refunded')
    o = o[o['status'].isin(['paid', 'partially_refunded'])]
    c = o.groupby('customer_id', sort=False).agg(n=('net', 'size'), m=('net', 'sum'), last=('t', 'max'))
    ref = c['last'].max() + DAY
    return score(np.floor((ref - c['last'].to_numpy()) / DAY), c['n'].to_numpy().astype(float), c['m'].round(2).to_numpy())


def csv_polars():
    import polars as pl
    df = pl.read_csv(path, schema_overrides={'customer_id': pl.Utf8, 'order_id': pl.Utf8, 'currency': pl.Utf8, 'status': pl.Utf8, 'email': pl.Utf8})
    df = df.with_columns(t=pl.col('created_at').str.to_datetime(time_zone='UTC').dt.epoch('ms'))
    o = df.group_by('order_id', maintain_order=True).agg(
        pl.col('customer_id').first(), pl.col('t').min(), pl.col('status').first(),
        gross=pl.col('total').clip(lower_bound=0).sum(), refund=(-pl.col('total')).clip(lower_bound=0).sum())
    o = o.with_columns(net=(pl.col('gross') - pl.col('refund')).clip(lower_bound=0))
    o = o.with_columns(status=pl.when((pl.col('refund') > 0) & (pl.col('status') == 'paid'))
                       .then(pl.when(pl.col('net') <= 0).then(pl.lit('refunded')).otherwise(pl.lit('partially_refunded')))
                       .otherwise(pl.col('status')))
    c = o.filter(pl.col('status').is_in(['paid', 'partially_refunded'])).group_by('customer_id').agg(
        n=pl.len(), m=pl.col('net').sum().round(2), last=pl.col('t').max())
    ref = c['last'].max() + DAY
    return score(np.floor((ref - c['last'].to_numpy()) / DAY), c['n'].to_numpy().astype(float), c['m'].to_numpy())


def csv_duckdb(con):
    rows = con.execute(f"""
        WITH rows AS (SELECT *, row_number() OVER () AS rn,
                      epoch_ms(CAST(created_at AS TIMESTAMPTZ)) AS t
                      FROM read_csv('{path}', header = true, types = {{'customer_id': 'VARCHAR', 'order_id': 'VARCHAR', 'status': 'VARCHAR', 'created_at': 'VARCHAR'}})),
        o AS (SELECT order_id, arg_min(customer_id, rn) AS customer_id, arg_min(status, rn) AS status, min(t) AS t,
                     sum(greatest(total, 0)) AS gross, sum(greatest(-total, 0)) AS refund FROM rows GROUP BY order_id),
        o2 AS (SELECT customer_id, t, greatest(gross - refund, 0) AS net,
                      CASE WHEN refund > 0 AND status = 'paid' THEN (CASE WHEN gross - refund <= 0 THEN 'refunded' ELSE 'partially_refunded' END) ELSE status END AS st FROM o),
        c AS (SELECT customer_id, count(*) AS n, round(sum(net), 2) AS m, max(t) AS last FROM o2
              WHERE st IN ('paid', 'partially_refunded') GROUP BY customer_id)
        SELECT floor(((SELECT max(last) FROM c) + 86400000 - last) / 86400000) AS recency, n, m FROM c""").fetchnumpy()
    return score(rows['recency'], rows['n'].astype(float), rows['m'])


def main():
    times, cpu = [], []
    segments, totals = {}, {}
    if mode == 'memory':
        if engine == 'pandas':
            import pandas as pd
            df = pd.read_csv(path, dtype={'customer_id': str, 'order_id': str, 'currency': str, 'status': str})
            job = lambda: memory_pandas(df)  # noqa: E731
        elif engine == 'polars':
            import polars as pl
            df = pl.read_csv(path, schema_overrides={'customer_id': pl.Utf8, 'order_id': pl.Utf8, 'currency': pl.Utf8, 'status': pl.Utf8})
            job = lambda: memory_polars(df)  # noqa: E731
        else:
            import duckdb
            con = duckdb.connect()
            con.execute(f'SET threads = {threads}')
            con.execute(f"CREATE TABLE orders AS SELECT * FROM read_csv('{path}', header = true, types = {{'customer_id': 'VARCHAR', 'order_id': 'VARCHAR', 'status': 'VARCHAR'}})")
            job = lambda: memory_duckdb(con)  # noqa: E731
    else:
        if engine == 'duckdb':
            import duckdb
            con = duckdb.connect()
            con.execute(f'SET threads = {threads}')
            job = lambda: csv_duckdb(con)  # noqa: E731
        else:
            if engine == 'polars':
                import polars  # noqa: F401 (imported before timing)
            else:
                import pandas  # noqa: F401
            job = csv_polars if engine == 'polars' else csv_pandas
    for _ in range(runs):
        t = time.perf_counter()
        c = time.process_time()
        segments, totals = job()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    print(json.dumps({'runs_s': times, 'cpu_s': cpu, 'customers': sum(segments.values()), 'segments': segments, 'totals': totals,
                      'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


main()
