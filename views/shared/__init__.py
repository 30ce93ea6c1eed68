"""What the blueprints share: the answers (answers.py), the guards in front
of pages (guards.py), the request's site and cookies, rate limits, the
kept pages (cache.py), and what the app does around every request
(hooks.py, templating.py, errors.py). Nothing here imports a blueprint,
and no blueprint imports another: what two of them need lives here or in
domain/ (tests/test_layout.py)."""
