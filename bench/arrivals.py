"""Visitors as they arrive: many customers each opening their own pages
once, and agents each opening their queue. Used by bench/run.py (wrk
rotates through them, bench/arrivals.lua) and bench/in_process.py.

The customers come from demo.scale.generate (every market, its languages);
each gets a signed-in session made the way a sign-in makes one (a
login_session row, the key in a signed Flask session cookie), with the
device already authorized, so that every customer's dashboard answers 200.
No page is asked twice for one customer: more customers than any cache
keeps (views.shared.cache keeps PAGE_CACHE_ENTRIES pages per process)."""
import secrets
from datetime import timedelta

CUSTOMERS = 5000
AGENTS = 50
SESSION_COOKIE = "keyfob"


def signed_cookie(app, data):
    """The value of the session cookie holding `data`, signed as Flask
    signs it."""
    return app.session_interface.get_signing_serializer(app).dumps(dict(data))


def session_data(key):
    return {"_user_id": key, "_fresh": True, "csrf_token": secrets.token_hex(20)}


def make_customers(app, count=CUSTOMERS):
    """`count` generated customers with a session each: a list of dicts
    with the cookie and the paths of their pages (each customer's own
    agreement and thread)."""
    from demo import scale
    from domain.clock import utcnow
    from domain.db import database
    from domain.markets import customer_site
    from domain.tokens import digest, new_secret
    from models import Agreement, Customer, LoginSession, Thread

    with app.app_context():
        scale.generate(count, messages_per_customer=4, articles_per_market=0)
        now = utcnow()
        customers = list(Customer.select().where(Customer.email.startswith("scale."))
                         .order_by(Customer.id).limit(count))
        agreements, threads = {}, {}
        for agreement in Agreement.select(Agreement.id, Agreement.customer).where(
                Agreement.customer.in_([c.id for c in customers])):
            agreements.setdefault(agreement.customer_id, agreement.id)
        for thread in Thread.select(Thread.id, Thread.customer).where(
                Thread.customer.in_([c.id for c in customers])):
            threads.setdefault(thread.customer_id, thread.id)
        arrivals, rows = [], []
        for customer in customers:
            key = new_secret()
            rows.append(dict(customer=customer.id, key_hash=digest(key), device_ok=True,
                             created_at=now - timedelta(minutes=5), last_seen_at=now,
                             authenticated_at=now))
            site = customer_site(customer).code
            agreement, thread = agreements.get(customer.id), threads.get(customer.id)
            arrivals.append(dict(
                # As a sign-in leaves it: the session key, and the CSRF secret
                # of the sign-in form.
                cookie=f"{SESSION_COOKIE}={signed_cookie(app, session_data(key))}; site={site}",
                dashboard=f"/{site}/account",
                agreement=agreement and f"/{site}/agreements/{agreement}",
                payoff=agreement and f"/{site}/agreements/{agreement}/payoff",
                inbox=f"/{site}/messages",
                thread=thread and f"/{site}/messages/{thread}",
                profile=f"/{site}/profile"))
        with database.atomic():
            for start in range(0, len(rows), 500):
                LoginSession.insert_many(rows[start:start + 500]).execute()
    return arrivals


def make_agents(app, count=AGENTS):
    """`count` agents of every market, signed in with both factors: a list
    of cookies."""
    from domain.clock import utcnow
    from domain.db import database
    from domain import passwords
    from domain.tokens import digest, new_secret
    from models import Staff, StaffSession

    cookies = []
    with app.app_context():
        now = utcnow()
        password_hash = passwords.hash_password("Bench agents' password 2026")
        with database.atomic():
            for n in range(count):
                staff = Staff.create(email=f"agent.{n}@bench.example", name=f"Agent {n}",
                                     role="agent", password_hash=password_hash)
                key = new_secret()
                StaffSession.create(staff=staff, key_hash=digest(key), second_factor_at=now)
                cookies.append(f"{SESSION_COOKIE}={signed_cookie(app, {'staff': key, 'csrf_token': secrets.token_hex(20)})}")
    return cookies


def write_lua_table(path, entries):
    """One "cookie<TAB>path" per line, for bench/arrivals.lua."""
    with open(path, "w") as f:
        for cookie, url in entries:
            f.write(f"{cookie}\t{url}\n")
