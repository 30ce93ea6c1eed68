"""Where a page's time goes, in process (no HTTP): the bench's data, each
page requested N times through Flask's test client, the mean time per
request (CPU time of the process) next to a bare Flask app's, and with --profile PAGE the functions
that cost the most (cProfile).

    .venv/bin/python bench/in_process.py                 # the table
    .venv/bin/python bench/in_process.py --profile login # and a profile
    .venv/bin/python bench/in_process.py --build         # pages built, none kept

The numbers are for finding causes; bench/run.py measures the real thing
(gunicorn, HTTP, wrk)."""
import argparse
import cProfile
import pstats
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/run.py: the data and the pages)

from flask import Flask  # noqa: E402


def pages(ids):
    lang = run.LANG
    return {
        "login": (f"/{lang}/login", False),
        "help": (f"/{lang}/help", False),
        "article": (f"/{lang}/help/articles/{run.ARTICLE}", False),
        "search": (f"/{lang}/help/search?" + urllib.parse.urlencode({"q": run.SEARCH}), False),
        "dashboard": (f"/{lang}/account", True),
        "agreement": (f"/{lang}/agreements/{ids['agreement']}", True),
        "inbox": (f"/{lang}/messages", True),
        "thread": (f"/{lang}/messages/{ids['thread']}", True),
    }


def mean_seconds(client, url, count):
    client.get(url)
    # CPU time of this process: other work on the machine does not count.
    start = time.process_time()
    for _ in range(count):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return (time.process_time() - start) / count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--profile", default=None)
    parser.add_argument("--build", action="store_true",
                        help="no kept pages (domain.page_cache): time building each page")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="keyfob-profile-"))
    ids = run.build_data(folder)
    from app import create_app
    app = create_app({"DATABASE_URL": ids["database_url"], "SECRET_KEY": "profile",
                      "OUTBOX_SEND_AFTER_REQUEST": False,
                      "PAGE_CACHE_ENTRIES": 0 if args.build else 2000},
                     instance_path=str(folder / "instance"))
    anonymous, signed_in = app.test_client(), app.test_client()
    page = signed_in.get(f"/{run.LANG}/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = signed_in.post(f"/{run.LANG}/login", data={"csrf_token": token, "email": run.EMAIL,
                                                        "password": run.PASSWORD})
    assert answer.status_code == 303, answer.status_code

    bare = Flask("bare")
    bare.add_url_rule("/", "hello", lambda: "Hello, World!")
    bare_time = mean_seconds(bare.test_client(), "/", args.count)
    print(f"{'bare Flask':<12} {bare_time * 1e6:8.0f} µs")
    for name, (url, needs_login) in pages(ids).items():
        client = signed_in if needs_login else anonymous
        seconds = mean_seconds(client, url, args.count)
        print(f"{name:<12} {seconds * 1e6:8.0f} µs  {seconds / bare_time:5.1f}× bare")
        if name == args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            mean_seconds(client, url, args.count)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
