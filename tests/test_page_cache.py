"""Rendered public pages kept per process (domain.page_cache, views.shared.cache):
a page asked again by a visitor not signed in, with nothing changed, costs one
query and no rendering; every table a kept page reads is declared
(domain.page_reads), and any change to one, made anywhere (a view, the back
office, an import, a shell), shows on the next request; a signed-in
customer's pages are never kept, and show every change at once; no one gets
another's CSRF token, nor a message flashed for another request."""
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from peewee import SqliteDatabase

from domain import messages, page_cache, page_reads, passwords, texts
from domain.clock import utcnow
from domain.db import database, sync_triggers, upgrade
from models import (Agreement, Customer, Document, HelpArticle, HelpArticleVersion, PageVersion,
                    Payment, Thread)
from support.customers import PASSWORD, login, registered, signed_in_with
from support.help_articles import make_help_article
from support.queries import counted_queries
from support.reading import page_without_csrf, text_of
from support.staff import staff_member, staff_signed_in


def kept_pages(app):
    return len(app.extensions["page_cache"])


def thread_of(customer, body="Where is my statement?"):
    return messages.open_thread(customer, None, "statement", body)


def owner_of(agreement):
    return Customer.get_by_id(agreement.customer_id)


# --- served from the cache --------------------------------------------------------------

# (URL, the queries of a kept answer: the versions, and the article's read counted)
KEPT = [("/de-at/login", 1), ("/de-at/register", 1), ("/de-at/help", 1),
        ("/de-at/help/articles/kept", 2), ("/de-at/help/search?q=Konto", 1)]


@pytest.mark.parametrize("url, queries_kept", KEPT, ids=[url for url, _ in KEPT])
def test_a_public_page_asked_again_is_the_same_page_from_its_versions(
        app, client, db, url, queries_kept, tokens_a_second_apart):
    make_help_article("at", key="kept", versions={"de": ("Ihr Konto", "Konto und Zugang.")})
    first = client.get(url)
    assert first.status_code == 200
    with counted_queries() as queries:
        again = client.get(url)
    assert again.status_code == 200
    assert page_without_csrf(again).replace("2-mal", "1-mal") == page_without_csrf(first)
    assert len(queries) == queries_kept, queries
    assert kept_pages(app) >= 1


@pytest.mark.parametrize("url", ["/de-at/account", "/de-at/messages", "/de-at/agreements/{id}",
                                 "/de-at/help", "/de-at/login?next=x"])
def test_a_signed_in_customers_pages_are_never_kept(app, client, outbox, db, url):
    (agreement,) = signed_in_with(client, outbox)
    kept = kept_pages(app)
    for _ in range(2):
        assert client.get(url.format(id=agreement.id)).status_code in (200, 303)
    assert kept_pages(app) == kept


def test_a_visitors_started_registration_is_never_kept_nor_shown_to_another(app, db):
    ana, lou = app.test_client(), app.test_client()
    ana.get("/de-at/register")                                 # kept: the empty form
    ana.post("/de-at/register", data={"title": "ms", "first_name": "Anabel",
                                      "last_name": "Silva"})
    for _ in range(2):
        assert 'value="Anabel"' in ana.get("/de-at/register").get_data(as_text=True)
        assert "Anabel" not in lou.get("/de-at/register").get_data(as_text=True)


# --- every kept page declares what it reads -----------------------------------------------

def tables_read(queries):
    return {table for sql in queries if sql.lstrip().upper().startswith("SELECT")
            for table in re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', sql)}


def kept_views(app):
    return {endpoint for endpoint, view in app.view_functions.items()
            if getattr(view, "kept_page", False)}


def test_every_kept_page_is_declared_and_every_table_it_reads_is_followed(app):
    assert kept_views(app) == set(page_reads.PAGE_READS)
    for endpoint, tables in page_reads.PAGE_READS.items():
        for table in tables:
            assert table in page_reads.FOLLOWED or table in page_reads.FOLLOWED_THROUGH, table


# Each kept page in the states it has: each state a different page to keep.
STATES = [
    ("auth.login", "/de-at/login", {}),
    ("auth.login", "/en-ca/login", {"HX-Request": "true"}),
    ("register.name", "/fr-ca/register", {}),
    ("help.home", "/de-at/help", {}),
    ("help.home", "/fr-ca/help", {"HX-Request": "true"}),
    ("help.article", "/de-at/help/articles/kept", {}),
    ("help.article", "/fr-ca/help/articles/kept", {}),       # read in another language
    ("help.search", "/de-at/help/search?q=Konto", {}),
    ("help.search", "/de-at/help/search?q=Konto&page=2", {}),
    ("help.search", "/de-at/help/search?q=nichts", {}),      # nothing found: suggestions
    ("help.search", "/de-at/help/search?q=", {}),             # refused: suggestions
]


@pytest.mark.parametrize("endpoint, url, headers", STATES, ids=[s[1] for s in STATES])
def test_a_kept_page_reads_only_the_tables_declared_for_it(app, client, db, endpoint, url,
                                                          headers):
    make_help_article("at", key="kept", versions={"de": ("Ihr Konto", "Konto und Zugang.")})
    make_help_article("ca", key="kept", versions={"en": ("Your account", "Account access.")})
    with counted_queries() as queries:
        answer = client.get(url, headers=headers)
    assert answer.status_code == 200 and kept_pages(app) == 1
    declared = set(page_reads.PAGE_READS[endpoint])
    assert tables_read(queries) - declared - {"page_version", "text_revision", "text_entry"} == set()


def test_every_followed_table_has_its_triggers_after_the_migrations(app, db):
    """A migration that rebuilds a table (SQLite's way of adding a NOT NULL
    column) drops its triggers: upgrade() makes them again from the list."""
    sqlite = isinstance(database.obj, SqliteDatabase)
    wanted = page_reads.wanted_triggers(sqlite)
    assert set(database_triggers()) == set(wanted)
    name = next(iter(wanted))
    table = wanted[name][0]
    database.execute_sql(f"DROP TRIGGER {name}" if sqlite else f"DROP TRIGGER {name} ON {table}")
    assert name not in database_triggers()
    upgrade()
    assert set(database_triggers()) == set(wanted)
    assert sync_triggers() == ([], [])


def database_triggers():
    from domain.db import existing_triggers
    return existing_triggers(isinstance(database.obj, SqliteDatabase))


def test_an_articles_kept_page_still_counts_each_read(client, db):
    article = make_help_article("ca", key="counted")
    for expected in (1, 2, 3):
        page = text_of(client.get("/en-ca/help/articles/counted"))
        assert f"Read {expected} time" in page
    assert HelpArticle.get_by_id(article.id).views == 3


# --- every change shows at once ---------------------------------------------------------
# A customer's pages are not kept; these guard that they never show stale data
# should a cache come back.

def agent_answers(agreement):
    thread = thread_of(owner_of(agreement))
    messages.staff_reply(staff_member("agent")[0], thread, "Your statement is attached.")


def payment_booked(agreement):
    Payment.create(agreement=agreement, reference="P-booked", paid_on=date(2026, 11, 2),
                   amount=Decimal("777.77"))


def name_changed(agreement):
    # Austria greets by title and last name (domain.greeting).
    Customer.update(last_name="Zelda").where(Customer.id == agreement.customer_id).execute()


def agreement_unlinked(agreement):
    Agreement.update(customer=None).where(Agreement.id == agreement.id).execute()


def document_opened(agreement):
    Document.update(opened_at=utcnow()).where(Document.agreement == agreement.id).execute()


def answer_in_the_thread(agreement):
    """An answer in the customer's (only) thread, read as the page opens."""
    thread = Thread.get(Thread.customer == agreement.customer_id)
    messages.staff_reply(staff_member("agent")[0], thread, "Your statement is attached.")


def thread_deleted(agreement):
    Thread.delete().where(Thread.customer == agreement.customer_id).execute()


# (what happens, the page, what it shows before, what after, set-up before the first view)
CHANGES = [
    (agent_answers, "/de-at/messages", None, "Your statement is attached.", None),
    (payment_booked, "/de-at/agreements/{id}", None, "777,77", None),
    (name_changed, "/de-at/account", None, "Zelda", None),
    (agreement_unlinked, "/de-at/account", "Vertrag {number}", None, None),
    (document_opened, "/de-at/account", "1 neues Dokument", None, "document"),
    (thread_deleted, "/de-at/messages", "Where is my statement?", None, "thread"),
    (answer_in_the_thread, "/de-at/messages/{thread}", None, "Your statement is attached.",
     "thread"),
]


@pytest.mark.parametrize("change, url, before, after, setup", CHANGES,
                         ids=[change[0].__name__ for change in CHANGES])
def test_a_change_to_what_a_kept_page_shows_shows_at_once(app, client, outbox, db, change, url,
                                                          before, after, setup):
    (agreement,) = signed_in_with(client, outbox)
    thread = None
    if setup == "document":
        Document.create(agreement=agreement, kind="statement", title="Statement",
                        issued_on=date(2026, 11, 1), stored_name="kept-statement.pdf",
                        original_name="statement.pdf", size=10)
    if setup in ("thread", "answered"):
        thread = thread_of(owner_of(agreement))
    if setup == "answered":
        with app.test_request_context():
            messages.staff_reply(staff_member("agent")[0], thread, "Read me.")
    url = url.format(id=agreement.id, thread=thread.id if thread else 0)
    before = before and before.format(number=agreement.contract_number)
    for _ in range(2):                                  # the second from the cache
        page = text_of(client.get(url))
        assert before is None or before in page
        assert after is None or after not in page
    with app.test_request_context():        # an agent's answer emails the customer
        change(agreement)
    page = text_of(client.get(url))
    assert before is None or before not in page
    assert after is None or after in page


def test_a_help_article_published_shows_on_the_kept_help_pages(client, db):
    article = make_help_article("ca", key="fresh", versions={"en": ("First title", "Text.")})
    for _ in range(2):
        assert "First title" in text_of(client.get("/en-ca/help"))
        assert "First title" in text_of(client.get("/en-ca/help/articles/fresh"))
    HelpArticleVersion.update(title="Second title").where(
        HelpArticleVersion.article == article.id).execute()
    assert "Second title" in text_of(client.get("/en-ca/help"))
    assert "Second title" in text_of(client.get("/en-ca/help/articles/fresh"))


def help_versions():
    return {v.scope: v.number for v in PageVersion.select()}


def test_reads_and_votes_do_not_throw_the_help_pages_away(client, db):
    make_help_article("ca", key="busy")
    client.get("/en-ca/help")
    before = help_versions()
    assert set(before) == {"help_category", "help_article", "help_article_version"}
    client.get("/en-ca/help/articles/busy")
    client.post("/en-ca/help/articles/busy/vote", data={"helpful": "yes"})
    assert help_versions() == before


def test_a_published_text_shows_on_a_kept_page(client, db):
    for _ in range(2):
        assert "Forgot your password?" in text_of(client.get("/en-ca/login"))
    texts.publish_value("en_CA", texts.row("en_CA", texts.message_key("Forgot your password?")).text,
                        ["Lost your password?"], None, "test")
    page = text_of(client.get("/en-ca/login"))
    assert "Lost your password?" in page and "Forgot your password?" not in page


def test_another_day_renders_the_dashboard_again(client, outbox, db, clock):
    # Vienna is an hour ahead of UTC in winter: 22:50 UTC is 23:50 on 30 November there.
    # Paid up to the installment of 30 October: the next is due on 30 November.
    clock.set_now(datetime(2026, 11, 30, 22, 50))
    (agreement,) = signed_in_with(client, outbox, start_date=date(2024, 1, 30))
    Payment.create(agreement=agreement, reference="P-oct", paid_on=date(2026, 10, 30),
                   amount=Decimal("412.35"))
    for _ in range(2):
        page = text_of(client.get("/de-at/account"))
        assert "30. November 2026" in page and "seit" not in page
    clock.set_now(datetime(2026, 11, 30, 23, 5))          # 00:05 on 1 December
    page = text_of(client.get("/de-at/account"))
    assert "seit 30. November 2026" in page


# --- never someone else's -------------------------------------------------------------

def test_one_customer_never_gets_another_customers_kept_page(app, outbox, db):
    ana, lou = app.test_client(), app.test_client()
    # Austria greets by last name: each has their own.
    registered(ana, outbox, lang="de-at", email="ana@example.at", first_name="Ana", last_name="Anders")
    registered(lou, outbox, lang="de-at", email="lou@example.at", first_name="Lou", last_name="Lorenz")
    login(ana, lang="de-at", email="ana@example.at")
    login(lou, lang="de-at", email="lou@example.at")
    for _ in range(2):
        assert "Anders" in text_of(ana.get("/de-at/account"))
        page = text_of(lou.get("/de-at/account"))
        assert "Lorenz" in page and "Anders" not in page
    # Signed out, the same URL is the sign-in page, not Ana's kept one.
    ana.post("/de-at/logout")
    answer = ana.get("/de-at/account")
    assert answer.status_code in (302, 303) and "/login" in answer.headers["Location"]




def csrf_token(response):
    return re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_each_visitor_gets_their_own_csrf_token_on_a_kept_page(custom_app, outbox):
    app = custom_app(WTF_CSRF_ENABLED=True)
    Customer.create(market="at", locale="de_AT", email="ana@example.at", email_key="ana@example.at",
                    first_name="Ana", last_name="Silva", password_hash=passwords.hash_password(PASSWORD),
                    status="active", activated_at=utcnow())
    first, second = app.test_client(), app.test_client()
    token_1 = csrf_token(first.get("/de-at/login"))
    token_2 = csrf_token(second.get("/de-at/login"))      # the kept page
    assert token_1 != token_2 and kept_pages(app) >= 1
    # Another visitor's token is refused; one's own is taken.
    refused = second.post("/de-at/login", data={"csrf_token": token_1, "email": "ana@example.at",
                                                "password": PASSWORD})
    assert refused.status_code == 400
    taken = second.post("/de-at/login", data={"csrf_token": token_2, "email": "ana@example.at",
                                              "password": PASSWORD})
    assert taken.status_code == 303 and taken.headers["Location"].endswith("/de-at/account")


def test_a_flashed_message_shows_once_and_is_never_kept(client, outbox, db):
    (agreement,) = signed_in_with(client, outbox)
    thread = thread_of(owner_of(agreement))
    url = f"/de-at/messages/{thread.id}"
    client.get(url)
    answer = client.post(f"{url}/reply", data={"body": "Thank you."}, follow_redirects=True)
    flashed = "Ihre Antwort wurde gesendet."
    assert flashed in text_of(answer)
    for _ in range(2):
        page = text_of(client.get(url))
        assert "Thank you." in page and flashed not in page


def test_a_marketers_preview_is_never_kept_nor_served_to_customers(app, db):
    marketer = app.test_client()
    staff_signed_in(marketer, "marketer")
    visitor = app.test_client()
    assert "Forgot your password?" in text_of(visitor.get("/en-ca/login"))
    key = texts.message_key("Forgot your password?")
    marketer.post(f"/staff/texts/en_CA/{key}", data={"action": "save", "form_0": "Draft words"})
    marketer.post("/staff/texts/preview", data={"preview": "on", "variant": "en_CA"})
    assert "Draft words" in text_of(marketer.get("/en-ca/login"))
    for _ in range(2):
        page = text_of(visitor.get("/en-ca/login"))
        assert "Forgot your password?" in page and "Draft words" not in page


def test_no_page_is_kept_when_the_cache_is_off(custom_app, outbox):
    app = custom_app(PAGE_CACHE_ENTRIES=0)
    client = app.test_client()
    for _ in range(2):
        assert client.get("/de-at/login").status_code == 200
    assert kept_pages(app) == 0


# --- the cache itself -----------------------------------------------------------------

def test_the_cache_keeps_the_most_recently_used_pages_for_a_while(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: now[0])
    cache = page_cache.PageCache(entries=2, seconds=60)
    for key in ("a", "b"):
        cache.put(key, f"page {key}", {})
    cache.get("a")
    cache.put("c", "page c", {})              # b, the least recently used, goes
    assert cache.get("b") is None and cache.get("a").body == "page a"
    now[0] += 61
    assert cache.get("a") is None and cache.get("c") is None


def test_holes_are_cut_out_and_filled_per_use():
    page = page_cache.PageCache(1, 60).put("k", "<p>token T1, token T1</p><p>R5</p>",
                                           {"csrf_token": "T1", "reads": "R5", "gone": "absent"})
    assert "T1" not in page.body and "R5" not in page.body
    made = []
    filled = page.filled({"csrf_token": lambda: "T2", "reads": lambda: "R6",
                          "gone": lambda: made.append("called") or "x"})
    assert filled == "<p>token T2, token T2</p><p>R6</p>" and made == ["called"]
