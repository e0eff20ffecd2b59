#!/usr/bin/python3
"""pandas reference for bench/rfm.js: the same RFM rules on the same CSV, timed in-process.
Prints JSON {load_s, runs_s: [...], customers, peak_rss_mb}."""
import json
import resource
import sys
import time

import numpy as np
import pandas as pd

path, runs = sys.argv[1], int(sys.argv[2])
t0 = time.perf_counter()
df = pd.read_csv(path, dtype={'customer_id': str, 'order_id': str, 'currency': str, 'status': str})
load = time.perf_counter() - t0
DAY = 86400000
RF = np.empty((6, 6), dtype=object)
for r in range(1, 6):
    for f in range(1, 6):
        RF[r, f] = ('Hibernating' if r <= 2 and f <= 2 else 'At Risk' if r <= 2 and f <= 4 else "Can't Lose Them" if r <= 2
                    else 'About To Sleep' if r == 3 and f <= 2 else 'Need Attention' if r == 3 and f == 3
                    else 'Loyal Customers' if r <= 4 and f >= 4 else 'Promising' if r == 4 and f == 1
                    else 'New Customers' if f == 1 else 'Potential Loyalists' if f <= 3 else 'Champions')


def rfm(df):
    d = df[~df['status'].isin(['cancelled'])]
    d = d[~((d['status'] == 'refunded') & (d['total'] >= 0))]
    orders = d[d['total'] >= 0]
    ref = orders['created_at_ms'].max() + DAY
    g = orders.groupby('customer_id', sort=False)
    cust = pd.DataFrame({'last': g['created_at_ms'].max(), 'frequency': g['order_id'].nunique()})
    cust['monetary'] = d.groupby('customer_id', sort=False)['total'].sum()
    cust['recency'] = np.floor((ref - cust['last']) / DAY)
    qs = [0.2, 0.4, 0.6, 0.8]
    pos = cust['monetary'] > 0
    e_r = np.quantile(cust['recency'], qs)
    e_f = np.quantile(cust['frequency'], qs)
    e_m = np.quantile(cust.loc[pos, 'monetary'], qs)
    cust['r'] = 5 - np.searchsorted(e_r, cust['recency'].to_numpy(), side='left')
    cust['f'] = 1 + np.searchsorted(e_f, cust['frequency'].to_numpy(), side='left')
    cust['m'] = np.where(pos, 1 + np.searchsorted(e_m, cust['monetary'].to_numpy(), side='left'), 1)
    cust['segment'] = RF[cust['r'].to_numpy(), cust['f'].to_numpy()]
    return cust


times = []
cpu = []
for _ in range(runs):
    t = time.perf_counter()
    c = time.process_time()
    cust = rfm(df)
    times.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)
seg = cust['segment'].value_counts().to_dict()
print(json.dumps({'load_s': load, 'runs_s': times, 'cpu_s': cpu, 'customers': int(len(cust)), 'segments': seg,
                  'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
