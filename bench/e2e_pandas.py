#!/usr/bin/env python3
"""The job of bench/e2e.js's workflow done with pandas + scikit-learn, for its wall time and memory:
orders CSV -> customers (Fetch Customers' order rules) -> RFM scores and the R+F segment map (RFM
Score, customers input) -> k-means k = 4 on recency, log1p frequency / monetary / average order value,
z-scored (Cluster Customers, fixed k) -> segment playbooks with a 10 % holdout by SHA-256 of
campaign + customer id (Segment Router) -> one JSON line per message in an outbox file (Campaign
Send, Local Outbox).

Usage: e2e_pandas.py <orders.csv> <outbox dir> <playbook json>
Prints JSON: wall_s (after imports), peak_rss_mb, customers, scored, segments, sent, holdout."""
import hashlib
import json
import os
import resource
import sys
import time

t_start = time.perf_counter()
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402

t0 = time.perf_counter()
path, outbox_dir, playbook_json = sys.argv[1], sys.argv[2], sys.argv[3]
playbooks = json.loads(playbook_json)  # segment -> campaign
DAY = np.timedelta64(1, 'D')

df = pd.read_csv(path, dtype={'customer_id': str, 'order_id': str, 'currency': str, 'status': str, 'email': str})
df['created_at'] = pd.to_datetime(df['created_at'], utc=True, format='ISO8601')

# orders: rows sharing an order id are one order; the first row gives customer, status, email
df['gross'] = df['total'].clip(lower=0)
df['refund'] = (-df['total']).clip(lower=0)
g = df.groupby('order_id', sort=False)
orders = pd.DataFrame({
    'customer_id': g['customer_id'].first(),
    'created_at': g['created_at'].min(),
    'status': g['status'].first(),
    'email': g['email'].first(),
    'gross': g['gross'].sum(),
    'refund': g['refund'].sum(),
})
orders['net'] = (orders['gross'] - orders['refund']).clip(lower=0)
refunded = (orders['refund'] > 0) & (orders['status'] == 'paid')
orders.loc[refunded, 'status'] = np.where(orders.loc[refunded, 'net'] <= 0, 'refunded', 'partially_refunded')
counted = orders[orders['status'].isin(['paid', 'partially_refunded'])]

# customers (those with a counted order are scored)
c = counted.groupby('customer_id', sort=False).agg(
    ordersCount=('net', 'size'), totalSpent=('net', 'sum'), last=('created_at', 'max'), email=('email', 'first'))
customers_all = orders['customer_id'].nunique()

# RFM Score, customers input, reference = day after the latest order
ref = c['last'].max() + DAY
c['recency'] = np.floor((ref - c['last']) / DAY)
c['frequency'] = c['ordersCount'].astype(float)
c['monetary'] = c['totalSpent'].round(4)
c['aov'] = (c['totalSpent'] / c['frequency']).round(4)
qs = [0.2, 0.4, 0.6, 0.8]
pos = c['monetary'] > 0
e_r = np.round(np.quantile(c['recency'], qs), 6)
e_f = np.round(np.quantile(c['frequency'], qs), 6)
e_m = np.round(np.quantile(c.loc[pos, 'monetary'], qs), 6)
r = 5 - np.searchsorted(e_r, c['recency'].to_numpy(), side='left')
f = 1 + np.searchsorted(e_f, c['frequency'].to_numpy(), side='left')
RF = np.empty((6, 6), dtype=object)
for rr in range(1, 6):
    for ff in range(1, 6):
        RF[rr, ff] = ('Hibernating' if rr <= 2 and ff <= 2 else 'At Risk' if rr <= 2 and ff <= 4 else "Can't Lose Them" if rr <= 2
                      else 'About To Sleep' if rr == 3 and ff <= 2 else 'Need Attention' if rr == 3 and ff == 3
                      else 'Loyal Customers' if rr <= 4 and ff >= 4 else 'Promising' if rr == 4 and ff == 1
                      else 'New Customers' if ff == 1 else 'Potential Loyalists' if ff <= 3 else 'Champions')
c['segment'] = RF[r, f]

# Cluster Customers, fixed k = 4: recency as is, log1p of the others, z-scores
X = np.column_stack([c['recency'], np.log1p(c['frequency']), np.log1p(c['monetary'].clip(lower=0)), np.log1p(c['aov'].clip(lower=0))])
X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1)
km = KMeans(n_clusters=4, n_init=3, random_state=42).fit(X)
c['cluster'] = km.labels_

# Segment Router: playbook segments, 10 % holdout by SHA-256(campaign \x1f customer id)
send = c[c['segment'].isin(list(playbooks))].copy()
send['campaign'] = send['segment'].map(playbooks)
keys = (send['campaign'] + '\x1f' + send.index.to_series()).to_numpy()
buckets = np.fromiter((int.from_bytes(hashlib.sha256(k.encode()).digest()[:6], 'big') % 10000 for k in keys), dtype=np.int64, count=len(keys))
held = buckets < 1000
recipients = send[~held]

# Campaign Send, Local Outbox: one JSON line per message
os.makedirs(outbox_dir, exist_ok=True)
at = pd.Timestamp.now(tz='UTC').isoformat()
with open(os.path.join(outbox_dir, 'outbox-pandas.jsonl'), 'w') as fh:
    for cid, email, seg, camp in zip(recipients.index, recipients['email'], recipients['segment'], recipients['campaign']):
        fh.write(json.dumps({'at': at, 'campaignKey': camp, 'customerId': cid, 'to': email,
                             'data': {'rfm.segment': seg, 'route.campaignKey': camp}}) + '\n')

wall = time.perf_counter() - t0
print(json.dumps({
    'wall_s': wall, 'with_imports_s': time.perf_counter() - t_start,
    'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    'customers': int(customers_all), 'scored': int(len(c)),
    'segments': {k: int(v) for k, v in c['segment'].value_counts().items()},
    'sent': int(len(recipients)), 'holdout': int(held.sum()),
    'clusters': sorted(int(v) for v in np.bincount(km.labels_)),
}))
