"""Where a page's time goes, in process (no HTTP): each page requested
through Flask's test client, the CPU time per request next to a bare Flask
app's, with --profile PAGE the functions that cost the most (cProfile).

Two ways, as in bench/run.py:
- first views (the default): each request a different customer out of
  bench.arrivals.CUSTOMERS, or a new visitor without cookies;
- --repeat: one customer (or one visitor's cookie) asking the same page
  again and again.

    .venv/bin/python bench/in_process.py                       # first views
    .venv/bin/python bench/in_process.py --profile dashboard   # and a profile
    .venv/bin/python bench/in_process.py --repeat

The numbers are for finding causes; bench/run.py measures the real thing
(gunicorn, HTTP, wrk)."""
import argparse
import cProfile
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import arrivals  # noqa: E402  (bench/arrivals.py: many customers signed in)
import run  # noqa: E402  (bench/run.py: the data and the pages)

from flask import Flask  # noqa: E402

PUBLIC = ("login", "register", "help", "article", "search")
SIGNED_IN = ("dashboard", "agreement", "payoff", "inbox", "thread", "profile")
# Also "queue": the agents' queue, each request another of bench/arrivals.AGENTS.


def public_pages():
    lang = run.LANG
    return {
        "login": f"/{lang}/login",
        "register": f"/{lang}/register",
        "help": f"/{lang}/help",
        "article": f"/{lang}/help/articles/{run.ARTICLE}",
        "search": f"/{lang}/help/search?" + urllib.parse.urlencode({"q": run.SEARCH}),
    }


def seconds_per_request(client, requests):
    """CPU time of this process per request (other work on the machine does
    not count); `requests` a list of (url, headers)."""
    start = time.process_time()
    for url, headers in requests:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
    return (time.process_time() - start) / len(requests)


def first_view_requests(name, customers, count):
    if name in PUBLIC:
        return [(public_pages()[name], {})] * count
    if name == "queue":                 # the agents', each request another agent
        agents = [c for c in customers if c.get("queue")]
        return [(a["queue"], {"Cookie": a["cookie"]}) for a in agents] * (count // len(agents) + 1)
    chosen = [c for c in customers if c.get(name)][:count]
    return [(c[name], {"Cookie": c["cookie"]}) for c in chosen]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", default=None)
    parser.add_argument("--repeat", action="store_true")
    parser.add_argument("--pages", default=",".join(PUBLIC + SIGNED_IN))
    parser.add_argument("--no-cache", action="store_true", help="PAGE_CACHE_ENTRIES 0")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="keyfob-profile-"))
    try:
        measure(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def measure(args, folder):
    ids = run.build_data(folder)
    from app import create_app
    app = create_app({"DATABASE_URL": ids["database_url"], "SECRET_KEY": "profile",
                      "OUTBOX_SEND_AFTER_REQUEST": False,
                      **({"PAGE_CACHE_ENTRIES": 0} if args.no_cache else {})},
                     instance_path=str(folder / "instance"))
    customers = arrivals.make_customers(app, max(args.count, arrivals.CUSTOMERS))
    if "queue" in args.pages:
        customers += [{"cookie": cookie, "queue": "/staff/queue"}
                      for cookie in arrivals.make_agents(app)]
    # A test client keeps cookies: each request sends its own instead.
    client = app.test_client(use_cookies=False)

    bare = Flask("bare")
    bare.add_url_rule("/", "hello", lambda: "Hello, World!")
    bare_client = bare.test_client()
    seconds_per_request(bare_client, [("/", {})] * 100)
    # In rounds, each page next to a measure of bare Flask: the machine's
    # speed drifts from one minute to the next, the ratio much less.
    print(f"{'page':<12} {'µs':>7} {'bare µs':>8} {'× bare':>7}   (medians of {args.rounds} rounds)")
    for name in args.pages.split(","):
        requests = first_view_requests(name, customers, args.count)
        if args.repeat:
            requests = [requests[0]] * len(requests)
        # Warm (templates compiled) with customers the measure does not ask.
        seconds_per_request(client, first_view_requests(name, customers[::-1], 20))
        if name == args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
        figures = []
        size = -(-len(requests) // args.rounds)
        for start in range(0, len(requests), size):
            bare_time = seconds_per_request(bare_client, [("/", {})] * 300)
            seconds = seconds_per_request(client, requests[start:start + size])
            figures.append((seconds, bare_time, seconds / bare_time))
        if name == args.profile:
            profiler.disable()
        seconds, bare_time, ratio = (statistics.median(f[i] for f in figures) for i in range(3))
        print(f"{name:<12} {seconds * 1e6:7.0f} {bare_time * 1e6:8.0f} {ratio:7.1f}")
        if name == args.profile:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(50)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    main()
