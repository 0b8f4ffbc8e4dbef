"""psycopg and pandas against a running `cytologia serve` (started by tests/integration/serve.rs).

Environment: PGHOST, PGPORT, CY_ANALYST, CY_ANALYST_PASSWORD, CY_ADMIN, CY_ADMIN_PASSWORD,
CY_MAX_ROWS (the server's --analyst-max-rows). Prints one line per check; exits 1 on the first
failure.
"""
import os
import sys
import threading
import time

import pandas as pd
import psycopg
from psycopg import errors

HOST, PORT = os.environ["PGHOST"], int(os.environ["PGPORT"])
ANALYST, ANALYST_PW = os.environ["CY_ANALYST"], os.environ["CY_ANALYST_PASSWORD"]
ADMIN, ADMIN_PW = os.environ["CY_ADMIN"], os.environ["CY_ADMIN_PASSWORD"]
MAX_ROWS = int(os.environ["CY_MAX_ROWS"])
# A query that runs for tens of seconds unless stopped.
LONG = "SELECT count(*) FROM generate_series(1, 50000000000) a"


def connect(user, password, **kw):
    return psycopg.connect(host=HOST, port=PORT, user=user, password=password, dbname="cytologia",
                           sslmode="require", autocommit=True, connect_timeout=10, **kw)


def check(name, cond, detail=""):
    if not cond:
        print(f"FAIL {name}: {detail}", flush=True)
        sys.exit(1)
    print(f"ok   {name}", flush=True)


def sqlstate_of(conn, sql, params=None):
    try:
        conn.execute(sql, params)
    except psycopg.Error as e:
        return e.sqlstate, str(e)
    return None, "no error"


analyst = connect(ANALYST, ANALYST_PW)
check("SCRAM-SHA-256 over TLS", analyst.pgconn.ssl_in_use, "connection is not encrypted")

try:
    connect(ANALYST, "wrong password")
    check("wrong password refused", False, "connected")
except psycopg.OperationalError as e:
    check("wrong password refused", "password authentication failed" in str(e), str(e))
try:
    connect("nobody", "x")
    check("unknown user refused", False, "connected")
except psycopg.OperationalError as e:
    check("unknown user refused like a wrong password", "password authentication failed" in str(e), str(e))

csv_file = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"cytologia-analyst-{os.getpid()}.csv")
with open(csv_file, "w") as f:
    f.write("a,b\n1,2\n")
refused = {
    "CREATE TABLE x AS SELECT 1 AS v": "25006",
    "INSERT INTO test_rows VALUES (1, 2, 'x')": "25006",
    "DROP TABLE test_rows": "25006",
    "CREATE VIEW v AS SELECT 1": "25006",
    "COPY (SELECT 1) TO '/tmp/cytologia-analyst.csv'": "25006",
    f"SELECT * FROM '{csv_file}'": "42501",
    "SELECT * FROM read_images('/')": "42501",
    "SELECT * FROM train_classifier('x')": "42501",
    "SELECT count(*) FROM (SELECT * FROM read_annotations('/etc/passwd')) t": "42501",
    "SET datafusion.execution.batch_size = 1": "42501",
    "SET cytologia.role = 'admin'": "42501",
}
for sql, state in refused.items():
    got, text = sqlstate_of(analyst, sql)
    check(f"analyst refused ({state}): {sql}", got == state, f"{got}: {text}")
check("the connection survives refusals", analyst.execute("SELECT 1").fetchone() == (1,))

row = analyst.execute("SELECT %s::bigint + 1 AS v, %s AS s", (41, "x")).fetchone()
check("extended-protocol parameters", row == (42, "x"), repr(row))
names = analyst.execute("SELECT name FROM test_rows WHERE trustii_id = %s", (2,)).fetchall()
check("a parameter in a WHERE clause", names == [("img_1.jpg",)], repr(names))

other = connect(ANALYST, ANALYST_PW)
analyst.execute("SET statement_timeout = '123s'")
analyst.execute("SET datafusion.format.null = 'nothing'")
mine = analyst.execute("SHOW statement_timeout").fetchone()[0]
theirs = other.execute("SHOW statement_timeout").fetchone()[0]
check("SET stays in its connection (statement_timeout)", mine == "123000ms" and theirs != mine, f"{mine} / {theirs}")
theirs = other.execute("SHOW datafusion.format.null").fetchall()
check("SET stays in its connection (engine setting)", "nothing" not in repr(theirs), repr(theirs))

rows = analyst.execute(
    "SELECT i.trustii_id, (SELECT count(*) FROM test_truth j WHERE j.trustii_id = i.trustii_id) AS n "
    "FROM test_rows i ORDER BY i.trustii_id").fetchall()
check("a correlated subquery in the SELECT list", rows == [(1, 1), (2, 2), (3, 0)], repr(rows))

a = analyst.execute("SELECT make_array(CAST(1.5 AS REAL), CAST(2.5 AS REAL)) AS a").fetchone()[0]
check("float4[] arrives as a list", a == [1.5, 2.5], repr(a))
b = analyst.execute("SELECT %s::bytea AS b", (b"\x00\xff\x10",)).fetchone()[0]
check("bytea round trip", bytes(b) == b"\x00\xff\x10", repr(b))
b = analyst.execute("SELECT decode('00ff10', 'hex') AS b").fetchone()[0]
check("bytea from the engine", bytes(b) == b"\x00\xff\x10", repr(b))

got, text = sqlstate_of(analyst, f"SELECT * FROM generate_series(1, {MAX_ROWS * 3})")
check("the analyst row limit", got == "54000", f"{got}: {text}")
analyst.execute("SET statement_timeout = '700ms'")
t0 = time.time()
got, text = sqlstate_of(analyst, LONG)
check("statement_timeout stops a query", got == "57014" and time.time() - t0 < 5, f"{got} after {time.time() - t0:.1f} s: {text}")
analyst.execute("RESET statement_timeout")

notices = []
analyst.add_notice_handler(lambda d: notices.append(d.message_primary))
result = {}


def run_long():
    t = time.time()
    try:
        analyst.execute(LONG)
        result["error"] = None
    except psycopg.Error as e:
        result["error"] = e.sqlstate
    result["seconds"] = time.time() - t


worker = threading.Thread(target=run_long)
worker.start()
deadline = time.time() + 15
while not notices and time.time() < deadline:
    time.sleep(0.1)
check("progress NOTICEs while a query runs", bool(notices) and "still running" in notices[0], repr(notices))
t_cancel = time.time()
analyst.cancel()
worker.join(10)
stopped_after = time.time() - t_cancel
check(f"cancel() stops the query within a second ({stopped_after:.2f} s)", result.get("error") == "57014" and stopped_after < 1.0,
      f"{result}, {stopped_after:.2f} s after cancel")
check("the connection is free after cancel", analyst.execute("SELECT 2").fetchone() == (2,))

got, text = sqlstate_of(analyst, "SELECT 1 -- " + "x" * (10 << 20))
check("a 10 MB query string is refused", got == "54000", f"{got}: {text[:200]}")
check("... and the connection goes on", analyst.execute("SELECT 3").fetchone() == (3,))

admin = connect(ADMIN, ADMIN_PW)
admin.execute("CREATE OR REPLACE TABLE admin_made AS SELECT 7 AS v")
check("an admin writes; an analyst reads it", analyst.execute("SELECT v FROM admin_made").fetchone() == (7,))
# psycopg prepares a query on the server once it has run it five times.
for _ in range(6):
    analyst.execute("SELECT count(*) FROM admin_made").fetchone()
admin.execute("INSERT INTO admin_made VALUES (8)")
n = analyst.execute("SELECT count(*) FROM admin_made").fetchone()[0]
check("a prepared statement sees later commits", n == 2, repr(n))

# psycopg's default: a transaction block around statements (BEGIN ... COMMIT).
with psycopg.connect(host=HOST, port=PORT, user=ANALYST, password=ANALYST_PW, dbname="cytologia", sslmode="require") as conn:
    n = conn.execute("SELECT count(*) FROM test_rows").fetchone()[0]
    conn.commit()
check("psycopg's implicit transaction", n == 3, repr(n))

# Every catalog table and view has column types a client can read.
names = [r[0] for r in analyst.execute(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'").fetchall()]
for name in names:
    got, text = sqlstate_of(analyst, f"SELECT * FROM {name} LIMIT 0")
    check(f"columns of {name} have PostgreSQL types", got is None, f"{got}: {text}")
check("the catalog lists the tables and views", len(names) >= 26, repr(names))
box = analyst.execute("SELECT named_struct('x1', 1, 'cls', 'LY') AS box").fetchone()[0]
check("a struct arrives as a composite value", tuple(box) == ("1", "LY"), repr(box))

# DBeaver's, SQLAlchemy's and pandas' startup and catalog queries, replayed.
fixture = os.path.join(os.path.dirname(os.path.abspath(__file__)), "client_startup.sql")
replayed = 0
for block in open(fixture).read().split("\n--\n"):
    sql = "\n".join(l for l in block.splitlines() if not l.startswith("--")).strip()
    if sql:
        got, text = sqlstate_of(analyst, sql)
        check(f"client startup query: {sql[:60]}", got is None, f"{got}: {text}")
        replayed += 1
check("the startup fixture was read", replayed >= 15, str(replayed))

df = pd.read_sql("SELECT * FROM submission_class_errors", analyst)
check("pandas read_sql of the per-class view", list(df.columns)[:3] == ["class", "support", "predicted"] and len(df) > 0, repr(df))
print("all psycopg checks passed", flush=True)
