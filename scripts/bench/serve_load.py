"""A bounded load on `cytologia serve`: N psycopg clients query the analyst views for S seconds
while an optional writer command runs again and again in another process. Every read of the
submission must see one whole version (as many rows as before, no trustii_id twice).

  serve_load.py --port P --user U [--clients 32] [--seconds 60] [--writer 'CMD ...']

The password comes from PGPASSWORD, TLS from PGSSLMODE (libpq's variables). Prints one line
of figures; exits 1 on any error or inconsistent read.
"""
import argparse
import shlex
import subprocess
import threading
import time

import psycopg

VIEWS = [
    "SELECT * FROM submission_class_errors",
    "SELECT * FROM submission_confusion",
    "SELECT * FROM dataset_summary",
    "SELECT * FROM fold_balance",
    "SELECT * FROM model_lineage",
]
SUBMISSION = "SELECT count(*), count(DISTINCT trustii_id) FROM submission"

p = argparse.ArgumentParser()
p.add_argument("--host", default="127.0.0.1")
p.add_argument("--port", type=int, required=True)
p.add_argument("--user", required=True)
p.add_argument("--clients", type=int, default=32)
p.add_argument("--seconds", type=float, default=60)
p.add_argument("--writer", default=None)
args = p.parse_args()


def connect():
    return psycopg.connect(host=args.host, port=args.port, user=args.user, dbname="cytologia", autocommit=True, connect_timeout=30)


with connect() as c:
    expected = c.execute(SUBMISSION).fetchone()
stop = threading.Event()
lock = threading.Lock()
latencies, errors, inconsistent, writes, write_failures = [], [], [], [0], []


def reader(i):
    try:
        conn = connect()
    except psycopg.Error as e:
        with lock:
            errors.append(f"connect: {e}")
        return
    k = i
    mine = []
    while not stop.is_set():
        sql = SUBMISSION if k % 3 == 0 else VIEWS[k % len(VIEWS)]
        k += 1
        t = time.perf_counter()
        try:
            rows = conn.execute(sql).fetchall()
        except psycopg.Error as e:
            with lock:
                errors.append(f"{sql}: {e}")
            continue
        mine.append(time.perf_counter() - t)
        if sql == SUBMISSION and rows[0] != expected:
            with lock:
                inconsistent.append(f"{rows[0]} (expected {expected})")
    conn.close()
    with lock:
        latencies.extend(mine)


def writer():
    cmd = shlex.split(args.writer)
    while not stop.is_set():
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            write_failures.append(r.stderr.strip()[-300:])
        else:
            writes[0] += 1


threads = [threading.Thread(target=reader, args=(i,)) for i in range(args.clients)]
if args.writer:
    threads.append(threading.Thread(target=writer))
start = time.time()
for t in threads:
    t.start()
time.sleep(args.seconds)
stop.set()
for t in threads:
    t.join()
elapsed = time.time() - start

latencies.sort()
q = lambda f: latencies[min(len(latencies) - 1, int(f * len(latencies)))] * 1e3 if latencies else float("nan")
print(f"clients={args.clients} seconds={elapsed:.0f} queries={len(latencies)} errors={len(errors)} "
      f"p50_ms={q(0.5):.1f} p99_ms={q(0.99):.1f} qps={len(latencies) / elapsed:.1f} "
      f"writes={writes[0]} write_failures={len(write_failures)} inconsistent_reads={len(inconsistent)}")
for e in (errors + inconsistent + write_failures)[:10]:
    print("  ", e)
failed = errors or inconsistent or write_failures or not latencies or (args.writer and writes[0] == 0)
raise SystemExit(1 if failed else 0)
