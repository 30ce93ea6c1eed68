"""Cost at scale: the pages a customer and an agent use most cost the same
time with 1,000 customers and with 100,000 (within 1.5×), on SQLite and on
PostgreSQL. In process, through Flask's test client (no HTTP, no gunicorn):
what is measured is the app and its queries.

    .venv/bin/python bench/scale_costs.py                       # SQLite (the default)
    .venv/bin/python bench/scale_costs.py --sqlite --postgres-start
    .venv/bin/python bench/scale_costs.py --postgres postgresql://user@host/empty_db
    .venv/bin/python bench/scale_costs.py --big 20000 --no-doc   # a quicker try

For each database: a fresh schema (the migrations), one agent (staff,
with an authenticator), demo.scale.generate(1000, messages_per_customer=10);
one generated Austrian customer (de-at: no device authorization step) with
a linked agreement and threads; each page the median of COUNT GETs after a
few warm-ups, in ROUNDS rounds over all pages, signed in through the real
forms (CSRF on, as in production: the token is read from each form). Then
generate() again up to --big customers in all (the help center as it was:
its size does not grow with the customers), and the same customer's pages
measured again, at the same URLs; the queue's next page is the one its
first page links to, and a page halfway down the queue (the page after the
waiting thread in the middle) shows whether keyset pages cost the same deep
down.

The machine is shared: its speed drifts by up to half between two measures
of the same data. A page whose cost the data cannot change (the sign-in
page, anonymous) is measured among the others as the reference, and each
ratio is also given divided by the reference's. "SQL ms" is each page's
SELECTs run again (10 times each, the sum of the medians): the part of the
time the data could change, and much steadier than the page's time.

On PostgreSQL the tables are ANALYZEd after each generation (what
autovacuum does shortly after a bulk load); SQLite gets no ANALYZE, as the
app runs none. A page above 1.5× gets its queries listed with their plans
(EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL) and the time
of each, so the query that grows is named; --explain does it for every page.

The results go to stdout and, unless --no-doc, to docs/BENCHMARKS.md as the
section `## Cost at scale` (a run replaces the subsection of each database
it measured and keeps the others; bench/run.py keeps the section when it
rewrites the file)."""
import argparse
import html
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))      # support.staff: an agent with an authenticator
sys.path.insert(0, str(ROOT / "bench"))
os.chdir(ROOT)

# Environment that would change the app under test: the caller's is dropped.
for _name in [n for n in os.environ if n.startswith(("KEYFOB_", "FLASK_"))
              or n in ("DATABASE_URL", "TEST_DATABASE_URL")]:
    del os.environ[_name]

import run  # noqa: E402  (bench/run.py: machine(), commit(), DOC)

DOC = run.DOC
SECTION = "Cost at scale"
SMALL = 1000
MESSAGES_PER_CUSTOMER = 10
COUNT = 50              # measured GETs per page
WARMUPS = 5
ROUNDS = 10             # the measured GETs in rounds over all pages
# A page whose cost the data does not change, measured among the others:
# how fast the machine was at each measure (a shared machine's speed drifts
# by half from one minute to the next).
REFERENCE = "reference: sign-in page, anonymous"
LIMIT = 1.5             # the issue: at most 1.5 times the time at SMALL
MARKET = "at"           # no device authorization step before the pages
SEARCH = {"de": "Kundenkonto"}      # in the body of every German article scale makes
PG_SCRIPT = ROOT / ".ci" / "postgres"
DB_ORDER = ("SQLite", "PostgreSQL")


def log(text=""):
    print(text, flush=True)


# --- databases ------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def started_postgres(keep=False):
    """A throwaway PostgreSQL (.ci/postgres) on a free port; its URL. Stopped
    at the end unless `keep`."""
    parent = Path(tempfile.mkdtemp(prefix="keyfob-scale-pg-"))
    parent.chmod(0o755)              # the postgres user must reach the data folder
    folder = parent / "pg"
    env = dict(os.environ, PGPORT_TEST=str(free_port()))
    done = subprocess.run([str(PG_SCRIPT), "start", str(folder)], env=env, capture_output=True,
                          text=True)
    if done.returncode != 0:
        subprocess.run([str(PG_SCRIPT), "stop", str(folder)], capture_output=True)
        shutil.rmtree(parent, ignore_errors=True)
        sys.exit(f"scale_costs: .ci/postgres start failed:\n{done.stdout}{done.stderr}")
    url = done.stdout.strip().splitlines()[-1]
    log(f"PostgreSQL started: {url} (data in {folder})")
    try:
        yield url
    finally:
        from domain.db import database
        if database.obj is not None and hasattr(database.obj, "close_all"):
            database.obj.close_all()
        if keep:
            log(f"PostgreSQL kept running: {url}; stop it with: {PG_SCRIPT.relative_to(ROOT)} "
                f"stop {folder} && rm -r {parent}")
        else:
            subprocess.run([str(PG_SCRIPT), "stop", str(folder)], capture_output=True)
            shutil.rmtree(parent, ignore_errors=True)
            log("PostgreSQL stopped")


def make_app(url, folder):
    from app import create_app
    from domain.db import upgrade
    # Pages built every time (no kept pages, domain.page_cache): what the
    # amount of data can change is the building; a kept page costs two
    # lookups by primary key at any size.
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "scale costs",
                      "OUTBOX_SEND_AFTER_REQUEST": False, "PAGE_CACHE_ENTRIES": 0,
                      "MAIL_OUTBOX_DIR": str(folder / "mail"),
                      "SMS_OUTBOX_DIR": str(folder / "sms"),
                      "DOCUMENTS_DIR": str(folder / "documents"),
                      "ATTACHMENTS_DIR": str(folder / "attachments")},
                     instance_path=str(folder / "instance"))
    with app.app_context():
        upgrade()
    return app


def is_postgres():
    from peewee import PostgresqlDatabase
    from domain.db import database
    return isinstance(database.obj, PostgresqlDatabase)


def server_version():
    from domain.db import database
    if is_postgres():
        return "PostgreSQL " + database.execute_sql("SHOW server_version").fetchone()[0]
    return "SQLite " + database.execute_sql("SELECT sqlite_version()").fetchone()[0]


@contextmanager
def recorded_queries():
    """Every (sql, params) the app runs meanwhile. peewee's logger has the
    values hidden (domain.db.HideQueryValues): EXPLAIN needs them, so the
    database object's execute_sql is wrapped instead."""
    from domain.db import database
    db = database.obj
    queries = []
    original = db.execute_sql

    def execute_sql(sql, params=None, *args, **kwargs):
        queries.append((sql, tuple(params or ())))
        return original(sql, params, *args, **kwargs)

    db.execute_sql = execute_sql
    try:
        yield queries
    finally:
        del db.execute_sql


def sizes():
    from models import Customer, Message, Payment, Thread
    return {"customers": Customer.select().count(), "threads": Thread.select().count(),
            "open threads": Thread.select().where(Thread.status == "open").count(),
            "waiting threads": Thread.select().where(Thread.status == "open",
                                                     Thread.waiting_since.is_null(False)).count(),
            "messages": Message.select().count(), "payments": Payment.select().count()}


def generate(count, seed, articles):
    from demo import scale
    from domain.db import database
    step = max(count // 10, scale.CHUNK)
    marks = {}

    def progress(stage, done, total):
        if stage == "customers" and (done == total or done // step != marks.get("last", 0)):
            marks["last"] = done // step
            log(f"  generated {done:,} of {total:,} customers")
    wall = time.perf_counter()
    if articles is None:
        articles = scale.ARTICLES_PER_MARKET
    summary = scale.generate(count, messages_per_customer=MESSAGES_PER_CUSTOMER, seed=seed,
                             progress=progress, articles_per_market=articles)
    analyze = None
    if is_postgres():
        started = time.perf_counter()
        database.execute_sql("ANALYZE")
        analyze = time.perf_counter() - started
    summary["wall"] = time.perf_counter() - wall
    summary["analyze"] = analyze
    log(f"  {count:,} customers in {summary['seconds']:.1f} s"
        + (f" (+ ANALYZE {analyze:.1f} s)" if analyze is not None else ""))
    return summary


# --- the customer, the agent, the pages ---------------------------------------------------

def pick_customer(first_id):
    """The first generated customer of MARKET with a linked agreement and a
    thread; its agreement with the most payments, its longest thread."""
    from peewee import fn
    from models import Agreement, Customer, Message, Payment, Thread
    for customer in (Customer.select().where(Customer.market == MARKET, Customer.id >= first_id)
                     .order_by(Customer.id)):
        agreement = (Agreement.select(Agreement, fn.COUNT(Payment.id).alias("paid"))
                     .join(Payment, on=(Payment.agreement == Agreement.id))
                     .where(Agreement.customer == customer.id)
                     .group_by(Agreement.id).order_by(fn.COUNT(Payment.id).desc(), Agreement.id)
                     .first())
        thread = (Thread.select(Thread, fn.COUNT(Message.id).alias("said"))
                  .join(Message, on=(Message.thread == Thread.id))
                  .where(Thread.customer == customer.id)
                  .group_by(Thread.id).order_by(fn.COUNT(Message.id).desc(), Thread.id).first())
        if agreement is not None and thread is not None:
            return dict(customer=customer, agreement=agreement, thread=thread,
                        agreements=Agreement.select().where(
                            Agreement.customer == customer.id).count(),
                        threads=Thread.select().where(Thread.customer == customer.id).count(),
                        payments=agreement.paid, messages=thread.said)
    sys.exit(f"scale_costs: no generated customer of {MARKET!r} with an agreement and a thread")


def form_token(client, url):
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]*)"', page)
    return {"csrf_token": match.group(1)} if match else {}


def signed_in_customer(app, customer, lang):
    from demo import scale
    client = app.test_client()
    url = f"/{lang}/login"
    answer = client.post(url, data=dict(form_token(client, url), email=customer.email,
                                        password=scale.PASSWORD))
    if answer.status_code != 303 or not answer.location.endswith(f"/{lang}/account"):
        sys.exit(f"scale_costs: the customer's sign-in answered {answer.status_code} "
                 f"{answer.location}")
    return client


def signed_in_agent(app, agent):
    from support.staff import sign_in
    client = app.test_client()
    staff, password, totp = agent
    # Outside any app context: inside one, every request would share its `g`,
    # and with it the CSRF token of before the sign-in.
    answer = sign_in(client, staff, password, totp)
    if answer.status_code != 303 or not answer.location.endswith("/staff"):
        sys.exit(f"scale_costs: the agent's sign-in answered {answer.status_code} {answer.location}")
    return client


def next_page_link(body):
    match = re.search(r'<a href="([^"]*[?&](?:amp;)?after=[^"]*)"', body)
    return html.unescape(match.group(1)) if match else None


def halfway_thread():
    """(the waiting thread halfway down the queue of every market, its place
    from 1, how many wait) in the queue's order."""
    from models import Thread
    waiting = (Thread.select().where(Thread.status == "open", Thread.waiting_since.is_null(False))
               .order_by(Thread.waiting_since, Thread.id))
    count = waiting.count()
    return waiting.offset(count // 2).first(), count // 2 + 1, count


def queue_position(thread):
    from domain import queue
    return queue.position(thread)


def customer_pages(chosen, lang):
    word = SEARCH[lang.split("-")[0]]
    return [
        ("dashboard", "customer", f"/{lang}/account"),
        ("agreement", "customer", f"/{lang}/agreements/{chosen['agreement'].id}"),
        ("inbox", "customer", f"/{lang}/messages"),
        ("thread", "customer", f"/{lang}/messages/{chosen['thread'].id}"),
        ("help search", "customer", f"/{lang}/help/search?" + urllib.parse.urlencode({"q": word})),
    ]


def timed_get(client, url):
    started = time.perf_counter()
    response = client.get(url)
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        sys.exit(f"scale_costs: GET {url} answered {response.status_code}")
    return seconds, response


def median_seconds(sql, params, repeat):
    """The median time of running one SELECT `repeat` times."""
    from domain.db import database
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        database.execute_sql(sql, params).fetchall()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def sql_ms(queries, repeat=10):
    """The page's SELECTs run again, each `repeat` times: the sum of their
    medians, in ms (the part of the page's time the data could change)."""
    return 1000 * sum(median_seconds(sql, params, repeat) for sql, params in queries
                      if sql.lstrip().upper().startswith("SELECT"))


def measure(app, chosen, agent, lang, count):
    """{page name: result} for the customer's pages and the agent's queue.
    The GETs go in ROUNDS rounds over every page, so that a busy moment of
    the machine falls on all pages alike, not on one."""
    clients = {"customer": signed_in_customer(app, chosen["customer"], lang),
               "agent": signed_in_agent(app, agent), "anonymous": app.test_client()}
    pages = [(REFERENCE, "anonymous", f"/{lang}/login")] + customer_pages(chosen, lang)
    bodies = {}

    def warm(name, who, url):
        for _ in range(WARMUPS):
            _, response = timed_get(clients[who], url)
        bodies[name] = response.get_data(as_text=True)

    for name, who, url in list(pages):
        warm(name, who, url)
    if "/help/articles/" not in bodies["help search"]:
        sys.exit("scale_costs: the help search found no article")
    for name, url in (("agent queue", "/staff/queue"),
                      (f"agent queue, market {MARKET}", f"/staff/queue?market={MARKET}")):
        pages.append((name, "agent", url))
        warm(name, "agent", url)
        following = next_page_link(bodies[name])
        if following is None:
            sys.exit(f"scale_costs: {url} has no next page link")
        pages.append((name + ", next page", "agent", following))
        warm(name + ", next page", "agent", following)
    # Deep in the queue: the page after the waiting thread halfway down
    # (row 434 of 867 at 1,000 customers, 44,068 of 88,135 at 100,000).
    # A keyset page should cost what the second page costs.
    middle, place, waiting = halfway_thread()
    deep = "/staff/queue?" + urllib.parse.urlencode({"after": queue_position(middle)})
    pages.append(("agent queue, page halfway down", "agent", deep))
    warm("agent queue, page halfway down", "agent", deep)

    times = {name: [] for name, _who, _url in pages}
    per_round = -(-count // ROUNDS)
    for _ in range(ROUNDS):
        for name, who, url in pages:
            for _ in range(per_round):
                if len(times[name]) < count:
                    times[name].append(timed_get(clients[who], url)[0])
    results = {}
    for name, who, url in pages:
        with recorded_queries() as queries:
            timed_get(clients[who], url)
        results[name] = dict(url=url, who=who, ms=statistics.median(times[name]) * 1000,
                             queries=queries, sql_ms=sql_ms(queries))
    results["agent queue, page halfway down"]["note"] = (
        f"after waiting thread {place:,} of {waiting:,}")
    for name, result in results.items():
        log(f"  {name:<34} {result['ms']:8.2f} ms  {len(result['queries']):3d} queries "
            f"({result['sql_ms']:6.2f} ms)  {result['url']}")
    return results


# --- finding the query that grows ------------------------------------------------------------

def explain(queries, repeat=10):
    """Each SELECT of a page with its time (median of `repeat`) and plan."""
    from domain.db import database
    postgres = is_postgres()
    found = []
    for sql, params in queries:
        if not sql.lstrip().upper().startswith("SELECT"):
            found.append(dict(sql=sql, ms=None, plan=["(not a SELECT: not explained)"]))
            continue
        ms = median_seconds(sql, params, repeat) * 1000
        if postgres:
            rows = database.execute_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()
            plan = [row[0] for row in rows]
        else:
            rows = database.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
            plan = [row[-1] for row in rows]
        found.append(dict(sql=sql, ms=ms, plan=plan))
    return found


def print_explained(name, explained):
    log(f"\n  {name}: its queries at the big size, slowest first")
    for item in sorted(explained, key=lambda q: -(q["ms"] or 0)):
        took = "–" if item["ms"] is None else f"{item['ms']:.2f} ms"
        log(f"    [{took}] {item['sql']}")
        for line in item["plan"]:
            log(f"        {line}")


# --- one database ------------------------------------------------------------------------------

def run_database(kind, url, args):
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix=f"keyfob-scale-{kind.lower()}-"))
    from domain.db import database
    from models import Customer
    log(f"\n== {kind} ==")
    try:
        app = make_app(url or f"sqlite:///{folder}/keyfob.sqlite3", folder)
        with app.app_context():
            if Customer.select().count():
                sys.exit(f"scale_costs: {url} already holds customers: give an empty database")
            version = server_version()
            log(f"{version}; working folder {folder}")
            from support.staff import staff_member
            # Before the data, so that generate() assigns threads to this agent too.
            agent = staff_member("agent", name="Scale Agent")
            log(f"generating {SMALL:,} customers")
            small_summary = generate(SMALL, seed=1, articles=None)
            chosen = pick_customer(small_summary["first_customer_id"])
            lang = chosen["customer"].locale.lower().replace("_", "-")
            small_sizes = sizes()
        log(f"the customer: #{chosen['customer'].id} ({lang}), linked agreements: "
            f"{chosen['agreements']}, threads: {chosen['threads']}; agreement #{chosen['agreement'].id} "
            f"({chosen['payments']} payments), thread #{chosen['thread'].id} "
            f"({chosen['messages']} messages)")
        log(f"measuring at {small_sizes['customers']:,} customers")
        small = measure(app, chosen, agent, lang, args.count)

        with app.app_context():
            more = args.big - small_sizes["customers"]
            log(f"generating {more:,} more customers (the help center as it is)")
            big_summary = generate(more, seed=2, articles=0)
            big_sizes = sizes()
        log(f"measuring at {big_sizes['customers']:,} customers")
        big = measure(app, chosen, agent, lang, args.count)

        rows = []
        machine = big[REFERENCE]["ms"] / small[REFERENCE]["ms"]
        for name in small:
            ratio = big[name]["ms"] / small[name]["ms"]
            rows.append(dict(name=name, small=small[name], big=big[name], ratio=ratio,
                             adjusted=ratio / machine,
                             within=None if name == REFERENCE else ratio <= LIMIT,
                             adjusted_within=None if name == REFERENCE else ratio / machine <= LIMIT))
        log("")
        log(text_table(rows, small_sizes, big_sizes))
        explained = {}
        with app.app_context():
            for row in rows:
                if (row["within"] is False or row["adjusted_within"] is False
                        or (args.explain and row["within"] is not None)):
                    explained[row["name"]] = explain(row["big"]["queries"])
                    print_explained(row["name"], explained[row["name"]])
        database.close()
        return dict(kind=kind, version=version, rows=rows, chosen=chosen, lang=lang,
                    small_sizes=small_sizes, big_sizes=big_sizes, small_summary=small_summary,
                    big_summary=big_summary, explained=explained,
                    elapsed=time.monotonic() - started, folder=folder)
    finally:
        if database.obj is not None and hasattr(database.obj, "close_all"):
            database.obj.close_all()
        if args.keep:
            log(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


# --- the report ------------------------------------------------------------------------------

def verdict(row, bold=False, key="within"):
    if row[key] is None:
        return "(reference)"
    return "yes" if row[key] else ("**no**" if bold else "NO")


def text_table(rows, small_sizes, big_sizes):
    small_k = f"{small_sizes['customers'] // 1000:,}k"
    big_k = f"{big_sizes['customers'] // 1000:,}k"
    lines = [f"{'page':<36} {'ms at ' + small_k:>10} {'ms at ' + big_k:>11} {'ratio':>6}  "
             f"{'within ' + str(LIMIT) + '×':<12} {'÷ ref':>6}  {'within':<12}"
             f"{'SQL ms ' + small_k:>10} {'SQL ms ' + big_k:>11}"]
    for row in rows:
        lines.append(f"{row['name']:<36} {row['small']['ms']:10.2f} {row['big']['ms']:11.2f} "
                     f"{row['ratio']:6.2f}  {verdict(row):<12} {row['adjusted']:6.2f}  "
                     f"{verdict(row, key='adjusted_within'):<12}{row['small']['sql_ms']:10.2f} "
                     f"{row['big']['sql_ms']:11.2f}")
    return "\n".join(lines)


def md_rows(result):
    small_k = result["small_sizes"]["customers"] // 1000
    big_k = result["big_sizes"]["customers"] // 1000
    lines = [f"| page | URL | ms at {small_k:,}k | ms at {big_k:,}k | ratio | within {LIMIT}× "
             f"| ratio ÷ the reference's | within {LIMIT}× so "
             f"| queries at {small_k:,}k / {big_k:,}k | SQL ms at {small_k:,}k / {big_k:,}k |",
             "|---|---|---:|---:|---:|---|---:|---|---:|---:|"]
    for row in result["rows"]:
        small_url, big_url = row["small"]["url"], row["big"]["url"]
        url = f"`{small_url}`" if small_url == big_url else f"`{small_url}`, then `{big_url}`"
        if row["small"].get("note"):
            url += f" ({row['small']['note']}; then {row['big']['note']})"
        lines.append(f"| {row['name']} | {url} | {row['small']['ms']:.2f} | {row['big']['ms']:.2f} "
                     f"| {row['ratio']:.2f} | {verdict(row, bold=True)} "
                     f"| {row['adjusted']:.2f} | {verdict(row, bold=True, key='adjusted_within')} "
                     f"| {len(row['small']['queries'])} / {len(row['big']['queries'])} "
                     f"| {row['small']['sql_ms']:.2f} / {row['big']['sql_ms']:.2f} |")
    return "\n".join(lines)


def md_sizes(result):
    a, b = result["small_sizes"], result["big_sizes"]
    lines = ["| rows | first measure | second measure |", "|---|---:|---:|"]
    for name in a:
        lines.append(f"| {name} | {a[name]:,} | {b[name]:,} |")
    return "\n".join(lines)


def md_explained(result):
    """For each page above the limit: its slowest query at the big size with
    its plan (the others' time in one figure)."""
    above = [row["name"] for row in result["rows"]
             if row["within"] is False or row["adjusted_within"] is False]
    explained = {name: result["explained"][name] for name in above if name in result["explained"]}
    if not explained:
        return ""
    word = "EXPLAIN (ANALYZE, BUFFERS)" if result["kind"] == "PostgreSQL" else "EXPLAIN QUERY PLAN"
    parts = []
    for name, queries in explained.items():
        ranked = sorted(queries, key=lambda q: -(q["ms"] or 0))
        slowest, others = ranked[0], ranked[1:]
        rest = sum(q["ms"] or 0 for q in others)
        parts.append(f"**{name}**: its slowest query at the big size, {slowest['ms']:.2f} ms "
                     f"(median of 10; its {len(others)} other queries {rest:.2f} ms together), "
                     f"and its plan ({word}):\n\n```sql\n{slowest['sql']}\n```\n\n```\n"
                     + "\n".join(slowest["plan"]) + "\n```\n")
    return "\n".join(parts) + "\n"


def subsection(result, command, when, commit):
    chosen, small_s, big_s = result["chosen"], result["small_summary"], result["big_summary"]
    grows = [row["name"] for row in result["rows"] if row["within"] is False]
    grows_adjusted = [row["name"] for row in result["rows"] if row["adjusted_within"] is False]
    analyze = ""
    if small_s["analyze"] is not None:
        analyze = (f" ANALYZE after each generation: {small_s['analyze']:.1f} s and "
                   f"{big_s['analyze']:.1f} s.")
    return f"""### {result['kind']}

{when}, commit {commit}, {result['version']}: {result['elapsed']:.0f} s in all.

```
{command}
```

Generation (demo.scale.generate, {MESSAGES_PER_CUSTOMER} messages per customer): {SMALL:,}
customers in {small_s['seconds']:.1f} s (with {small_s['help_articles']} help articles), then
{big_s['customers']:,} more in {big_s['seconds']:.1f} s.{analyze}

{md_sizes(result)}

The customer: #{chosen['customer'].id} ({result['lang']}), linked agreements: {chosen['agreements']},
threads: {chosen['threads']}; the agreement shown has {chosen['payments']} payments, the
thread {chosen['messages']} messages. The agent: one member with role
`agent` (some generated threads are assigned to them).

{md_rows(result)}

Above {LIMIT}×: {', '.join(grows) if grows else 'none'}; with the machine's drift taken out:
{', '.join(grows_adjusted) if grows_adjusted else 'none'}.

{md_explained(result)}"""


def section_text(subsections, common):
    ordered = [subsections[k] for k in DB_ORDER if k in subsections]
    ordered += [v for k, v in subsections.items() if k not in DB_ORDER]
    return f"## {SECTION}\n\n{common}\n\n" + "\n".join(s.rstrip() + "\n" for s in ordered)


SECTION_RE = re.compile(rf"^## {re.escape(SECTION)}[ \t]*$.*?(?=^## |\Z)", re.M | re.S)


def write_doc(results, command, when, commit):
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n\n"
    match = SECTION_RE.search(text)
    subsections = {}
    if match:
        for part in re.split(r"^(?=### )", match.group(0), flags=re.M)[1:]:
            subsections[part.split("\n", 1)[0][4:].strip()] = part
    for result in results:
        subsections[result["kind"]] = subsection(result, command, when, commit)
    m = run.machine()
    common = f"""Written by `bench/scale_costs.py` (`make bench-scale`; each run replaces the
subsection of each database it measured). Whether the pages a customer and an agent use most
cost the same with {SMALL:,} customers and with 100 times as many, within {LIMIT}×.

- In process, through Flask's test client: no HTTP, no server; each figure the median of
  {COUNT} GETs after {WARMUPS} warm-ups, taken in {ROUNDS} rounds over all the pages (so that a
  busy moment falls on every page alike), on a {m['nproc']}-core {m['cpu']} shared with other
  work. The first row, the sign-in page for an anonymous visitor (its cost does not depend on
  the data), measured among the pages, shows how fast the machine was at each measure (its
  speed drifts by up to half from one minute to the next: three measures of the same data in
  a row differed by 1.6×); "ratio ÷ the reference's" takes that drift out.
- "SQL ms": the page's SELECTs (recorded from one more GET) run again, 10 times each, the sum
  of their medians: the part of the page's time the amount of data could change.
- The data: `demo.scale.generate({SMALL:,}, messages_per_customer={MESSAGES_PER_CUSTOMER})`
  on the migrated schema, measured; then `generate()` again up to the big count (the help
  center left as it was: it does not grow with the customers), measured again. The same
  customer (Austrian: no device authorization step) at the same URLs both times, so their own
  data is the same size; the queue's next page is the one its first page links to (`after=`,
  keyset), so it differs between the two, and so does the page halfway down the queue (the
  page after the waiting thread in the middle of the queue of all markets).
- Signed in through the real forms with CSRF protection on (the token read from each form);
  the agent with password and TOTP code (pyotp).
- PostgreSQL is ANALYZEd after each generation (what autovacuum does after a bulk load);
  SQLite gets no ANALYZE, as the app runs none."""
    new = section_text(subsections, common)
    if match:
        text = text[:match.start()] + new.rstrip() + "\n\n" + text[match.end():].lstrip("\n")
    elif re.search(r"^## History[ \t]*$", text, re.M):
        spot = re.search(r"^## History[ \t]*$", text, re.M).start()
        text = text[:spot] + new.rstrip() + "\n\n" + text[spot:]
    else:
        text = text.rstrip() + "\n\n" + new
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text.rstrip() + "\n", encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="measure on SQLite (the default)")
    parser.add_argument("--postgres", metavar="URL", help="measure on this empty PostgreSQL database")
    parser.add_argument("--postgres-start", action="store_true",
                        help="start a throwaway PostgreSQL (.ci/postgres) and measure on it")
    parser.add_argument("--big", type=int, default=100_000, help="customers in all at the second measure")
    parser.add_argument("--count", type=int, default=COUNT, help="measured GETs per page")
    parser.add_argument("--explain", action="store_true", help="plans of every page's queries")
    parser.add_argument("--keep", action="store_true",
                        help="keep the SQLite folder (and the started PostgreSQL running)")
    parser.add_argument("--no-doc", action="store_true", help="leave docs/BENCHMARKS.md alone")
    args = parser.parse_args()
    if args.big <= SMALL:
        parser.error(f"--big must be more than {SMALL}")
    if args.postgres and args.postgres_start:
        parser.error("--postgres or --postgres-start, not both")
    if not (args.sqlite or args.postgres or args.postgres_start):
        args.sqlite = True

    started = time.monotonic()
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    commit = run.commit()
    # As documented: a URL given shows as URL; --keep changes nothing measured.
    command = ".venv/bin/python bench/scale_costs.py " + " ".join(
        "URL" if "://" in a else a for a in sys.argv[1:] if a != "--keep")
    results = []

    def done(result):
        results.append(result)
        if not args.no_doc:       # after each database: a later failure loses nothing
            write_doc([result], command, when, commit)
            log(f"written: {DOC.relative_to(ROOT)} (## {SECTION}, {result['kind']})")
    if args.sqlite:
        done(run_database("SQLite", None, args))
    if args.postgres:
        done(run_database("PostgreSQL", args.postgres, args))
    if args.postgres_start:
        with started_postgres(keep=args.keep) as url:
            done(run_database("PostgreSQL", url, args))

    log("\n== results ==")
    log("CSRF protection on: the sign-ins read each form's token.")
    for result in results:
        log(f"\n{result['kind']} ({result['version']}), {result['elapsed']:.0f} s; generation "
            f"{result['small_summary']['seconds']:.1f} s for {SMALL:,}, "
            f"{result['big_summary']['seconds']:.1f} s for {result['big_summary']['customers']:,} more")
        log(text_table(result["rows"], result["small_sizes"], result["big_sizes"]))
        grows = [row["name"] for row in result["rows"] if row["within"] is False]
        adjusted = [row["name"] for row in result["rows"] if row["adjusted_within"] is False]
        log(f"above {LIMIT}×: {', '.join(grows) if grows else 'none'}; with the machine's drift "
            f"taken out (÷ ref): {', '.join(adjusted) if adjusted else 'none'}")
    log(f"\n{time.monotonic() - started:.0f} s in all")


if __name__ == "__main__":
    main()
