"""The agents' queue (views/agents.py, domain.queue): the longest waiting
first, filters and pages in a fixed number of queries; a thread beside its
customer and their agreements; answering with files (checked like the
customers'), assigning, closing, reopening; and nobody but agents and
admins gets in."""
import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from domain import staff as staff_accounts
from domain.clock import utcnow
from models import Attachment, Customer, Message, SecurityEvent, Thread
from support.agreements import make_agreement
from support.customers import login, make_customer, registered
from support.queries import counted_queries
from support.reading import error_at, errors, heading, shown, text_of
from support.staff import QUEUE, staff_member, staff_signed_in
from support.threads import make_thread
from support.uploads import EXECUTABLE, PDF, files

SMALL_LIMIT = 100 * 1024        # shown as "100 kB"
TYPED = "Guten Tag,\nIhre Rate wird am 15. abgebucht."
HOSTILE = "<script>alert(1)</script><b hx-get=/x>"


# --- helpers -------------------------------------------------------------------------------

def listed(response):
    """The ids of the threads a queue page lists, in order."""
    return [int(i) for i in re.findall(r'<a href="/staff/queue/(\d+)">', response.get_data(as_text=True))]


def selected(response, name):
    select = re.search(rf'<select id="{name}" name="{name}".*?</select>', response.get_data(as_text=True), re.S)
    return re.findall(r'<option value="([^"]*)" selected>', select.group(0))


def reply(client, thread, body=TYPED, attach=(), headers=None):
    return client.post(f"{QUEUE}/{thread.id}/reply",
                       data={"body": body, "attachments": files(*attach)},
                       content_type="multipart/form-data", headers=headers or {})


def field_value(response, field_id):
    match = re.search(rf'<textarea id="{field_id}"[^>]*>(.*?)</textarea>',
                      response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)) if match else None


def flashed(client, response):
    assert response.status_code == 303, response.status_code
    return text_of(client.get(response.location))


@pytest.fixture
def agent(client, db):
    """The client, signed in as an agent; the agent."""
    return staff_signed_in(client, role="agent", name="Alex Agent")




# --- the queue ----------------------------------------------------------------------------

def test_the_longest_waiting_come_first_then_the_latest_answered(app, client, agent):
    hour = timedelta(hours=1)
    one_hour = make_thread(app, waited=hour)
    three_hours = make_thread(app, waited=3 * hour)
    answered_lately = make_thread(app, updated=timedelta(minutes=10))
    answered_long_ago = make_thread(app, updated=timedelta(days=2))
    two_days = make_thread(app, waited=timedelta(days=2))
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert heading(response) == shown(client, "Queue")
    assert listed(response) == [two_days.id, three_hours.id, one_hour.id, answered_lately.id,
                                answered_long_ago.id]


def test_each_row_says_who_what_where_and_how_long(app, client, agent):
    ana = make_customer("at", "Ana", "Silva")
    lease = make_agreement("at", customer=ana)
    make_thread(app, ana, lease, topic="documents", waited=timedelta(hours=3, minutes=5))
    bob = make_customer("ca", "Bob", "Martin")
    request = make_thread(app, bob, make_agreement("ca", customer=bob), topic="payment_date",
                          kind="service", updated=timedelta(hours=1), customer_unread=True,
                          assignee=agent.id)
    rows = re.findall(r"<li[^>]*>\s*<a href=\"/staff/queue/\d+\">.*?</li>",
                      client.get(QUEUE).get_data(as_text=True), re.S)
    first, second = (" ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in rows)
    assert "Ana Silva" in first and shown(client, "Documents") in first
    assert "Austria (MINI Finance)" in first
    assert shown(client, "Contract %(number)s", number=lease.contract_number) in first
    assert shown(client, "Waiting for %(time)s", time="3 hours") in first
    assert shown(client, "Not assigned") in first
    assert "Bob Martin" in second and shown(client, "Change of payment date") in second
    assert "Canada (MINI Financial Services)" in second
    assert shown(client, "Answered, not read by the customer yet") in second
    assert shown(client, "Assigned to %(name)s", name="Alex Agent") in second
    assert f"/staff/queue/{request.id}" in rows[1]
    # Read by the customer: nothing more is due.
    Thread.update(customer_unread=False).where(Thread.id == request.id).execute()
    assert shown(client, "No answer due") in text_of(client.get(QUEUE))


def test_open_threads_by_default_closed_ones_on_request(app, client, agent):
    open_one = make_thread(app, waited=timedelta(hours=1))
    closed = make_thread(app, updated=timedelta(hours=2), status="closed")
    assert listed(client.get(QUEUE)) == [open_one.id]
    assert selected(client.get(QUEUE), "status") == ["open"]
    response = client.get(QUEUE + "?status=closed")
    assert listed(response) == [closed.id]
    assert selected(response, "status") == ["closed"]


def test_filter_by_market(app, client, agent):
    austrian = make_thread(app, make_customer("at"), waited=timedelta(hours=1))
    french = make_thread(app, make_customer("fr"), waited=timedelta(hours=2))
    assert listed(client.get(QUEUE + "?market=at")) == [austrian.id]
    assert listed(client.get(QUEUE + "?market=fr")) == [french.id]
    assert listed(client.get(QUEUE + "?market=")) == [french.id, austrian.id]
    assert re.findall(r'<option value="(\w*)"', re.search(
        r'<select id="market".*?</select>', client.get(QUEUE).get_data(as_text=True), re.S).group(0)) \
        == ["", "ca", "at", "fr", "us"]


def test_filter_by_topic_of_messages_and_of_service_requests(app, client, agent):
    payments = make_thread(app, topic="payments", waited=timedelta(hours=1))
    customer = make_customer()
    request = make_thread(app, customer, make_agreement("at", customer=customer),
                          topic="balance_confirmation", kind="service", waited=timedelta(hours=2))
    assert listed(client.get(QUEUE + "?topic=payments")) == [payments.id]
    assert listed(client.get(QUEUE + "?topic=balance_confirmation")) == [request.id]
    assert listed(client.get(QUEUE + "?topic=vehicle")) == []
    assert shown(client, "No conversation matches these filters.") in text_of(
        client.get(QUEUE + "?topic=vehicle"))


def test_filter_by_assignee(app, client, agent):
    other, _password, _totp = staff_member("agent", name="Kim Kollegin")
    mine = make_thread(app, waited=timedelta(hours=1), assignee=agent.id)
    theirs = make_thread(app, waited=timedelta(hours=2), assignee=other.id)
    nobodys = make_thread(app, waited=timedelta(hours=3))
    assert listed(client.get(QUEUE + "?assignee=anyone")) == [nobodys.id, theirs.id, mine.id]
    assert listed(client.get(QUEUE + "?assignee=me")) == [mine.id]
    assert listed(client.get(QUEUE + "?assignee=unassigned")) == [nobodys.id]
    assert listed(client.get(QUEUE + f"?assignee={other.id}")) == [theirs.id]
    # The choices: anyone, me, nobody, then every active agent and admin.
    marketer, _password, _totp = staff_member("marketer", name="Mo Marketer")
    gone, _password, _totp = staff_member("admin", name="Gone Admin")
    staff_accounts.deactivate(gone)
    source = client.get(QUEUE).get_data(as_text=True)
    select = re.search(r'<select id="assignee".*?</select>', source, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"', select) == [
        "anyone", "me", "unassigned", str(agent.id), str(other.id)]


def test_filters_combine(app, client, agent):
    wanted = make_thread(app, make_customer("fr"), topic="vehicle", waited=timedelta(hours=1),
                         assignee=agent.id)
    make_thread(app, make_customer("fr"), topic="vehicle", waited=timedelta(hours=1))
    make_thread(app, make_customer("at"), topic="vehicle", waited=timedelta(hours=1),
                assignee=agent.id)
    make_thread(app, make_customer("fr"), topic="payments", waited=timedelta(hours=1),
                assignee=agent.id)
    response = client.get(QUEUE + "?market=fr&topic=vehicle&status=open&assignee=me")
    assert listed(response) == [wanted.id]
    assert (selected(response, "market"), selected(response, "topic"),
            selected(response, "assignee")) == (["fr"], ["vehicle"], ["me"])


@pytest.mark.parametrize("query", [
    "market=xx", "topic=lottery", "status=deleted", "assignee=999999", "assignee=-1",
    "market=%00", "topic=" + "x" * 5000, "after=-3", "after=w.x.1", "after=a.2026-13-45T99:00:00.9",
    "status=open&status=closed&bogus=1",
])
def test_unknown_filter_values_show_the_default(app, client, agent, query):
    thread = make_thread(app, waited=timedelta(hours=1))
    response = client.get(QUEUE + "?" + query)
    assert response.status_code == 200
    assert listed(response) == [thread.id]
    for name, default in (("market", ""), ("topic", ""), ("status", "open"), ("assignee", "anyone")):
        assert selected(response, name) == [default]


def test_fifty_a_page_and_the_pages_keep_the_filters(app, client, agent):
    customer = make_customer("fr")
    now = utcnow()
    # Inserted directly: 120 threads through open_thread would only be slower.
    Thread.insert_many([dict(customer=customer.id, market="fr", topic="payments", kind="message",
                             created_at=now, updated_at=now - timedelta(minutes=n),
                             waiting_since=now - timedelta(minutes=n)) for n in range(120)]).execute()
    make_thread(app, make_customer("at"), waited=timedelta(days=9))     # filtered out below
    oldest_first = [t.id for t in Thread.select().where(Thread.market == "fr")
                    .order_by(Thread.waiting_since)]

    first = client.get(QUEUE + "?market=fr")
    assert listed(first) == oldest_first[:50]
    source = first.get_data(as_text=True)
    # Keyset pages: the next page starts after the last thread shown.
    after = re.search(r'href="/staff/queue\?after=([^&"]+)&amp;market=fr">', source).group(1)
    second = client.get(QUEUE + f"?market=fr&after={after}")
    assert listed(second) == oldest_first[50:100]
    after = re.search(r'href="/staff/queue\?after=([^&"]+)&amp;market=fr">',
                      second.get_data(as_text=True)).group(1)
    last = client.get(QUEUE + f"?market=fr&after={after}")
    assert listed(last) == oldest_first[100:]
    source = last.get_data(as_text=True)
    assert "after=" not in source and 'href="/staff/queue?market=fr"' in source
    # A position that means nothing is the first page.
    assert listed(client.get(QUEUE + "?market=fr&after=nonsense")) == oldest_first[:50]
    # Without the filter, the Austrian thread waited longest.
    assert len(listed(client.get(QUEUE))) == 50


def test_the_queue_costs_the_same_queries_for_3_threads_as_for_60(app, client, agent):
    others = [staff_member("agent", name=f"Agent {n}")[0] for n in range(3)]

    def add(count):
        for n in range(count):
            customer = make_customer(["at", "fr", "ca", "us"][n % 4])
            agreement = make_agreement(customer.market, customer=customer) if n % 2 else None
            make_thread(app, customer, agreement, topic="payments",
                        waited=timedelta(minutes=n + 1) if n % 3 else None,
                        updated=timedelta(minutes=n + 1),
                        assignee=others[n % 3].id if n % 4 else None)

    def count_queries():
        client.get(QUEUE)       # the session touch and the like, once
        with counted_queries() as queries:
            response = client.get(QUEUE)
        assert response.status_code == 200
        return len(queries), len(listed(response))

    add(3)
    few, shown_few = count_queries()
    add(57)
    many, shown_many = count_queries()
    assert (shown_few, shown_many) == (3, 50)
    assert many == few, (few, many)


def test_the_staff_home_leads_agents_to_the_queue(client, agent):
    assert 'href="/staff/queue"' in client.get("/staff").get_data(as_text=True)


# --- a thread -----------------------------------------------------------------------------

def test_the_thread_shows_the_conversation_the_customer_and_their_agreements(app, client, agent):
    customer = make_customer("at", "Ana", "Silva", email="ana.silva@example.com")
    lease = make_agreement("at", customer=customer, kind="lease", vehicle_model="MINI Countryman",
                           balance=Decimal("12345.67"), residual_value=Decimal("9000.00"))
    loan = make_agreement("at", customer=customer, vehicle_model="MINI Cooper SE")
    make_agreement("at")        # someone else's
    thread = make_thread(app, customer, lease, body="Guten Tag,\nwann endet mein Leasing?",
                         waited=timedelta(days=2))
    response = client.get(f"{QUEUE}/{thread.id}")
    assert response.status_code == 200
    assert heading(response) == shown(client, "Payments")
    source = response.get_data(as_text=True)
    # The text as typed; CSS keeps the line breaks (white-space: pre-line).
    assert '<p class="text">Guten Tag,\nwann endet mein Leasing?</p>' in source
    page = text_of(response)
    for text in ("Ana Silva", "ana.silva@example.com", "Austria (MINI Finance)",
                 "German (Austria)", "MINI Countryman", "MINI Cooper SE",
                 shown(client, "Contract %(number)s", number=lease.contract_number),
                 shown(client, "Contract %(number)s", number=loan.contract_number),
                 shown(client, "Lease"), shown(client, "Loan"),
                 shown(client, "Balance: %(amount)s", amount="€12,345.67"),
                 shown(client, "Waiting for %(time)s", time="2 days")):
        assert text in page, text
    assert source.count(shown(client, "This conversation")) == 1
    # Their two agreements, not someone else's.
    assert page.count(shown(client, "Balance: %(amount)s", amount="")) == 2


def test_a_missing_thread_or_file_is_404_in_the_back_office(app, client, agent):
    thread = make_thread(app, waited=timedelta(hours=1))
    other = make_thread(app, waited=timedelta(hours=1))
    reply(client, other, attach=[("a.pdf", PDF)])
    file = Attachment.get()
    for url in (f"{QUEUE}/999999", f"{QUEUE}/{thread.id}/attachments/{file.id}",
                f"{QUEUE}/{other.id}/attachments/999999"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert heading(response) == shown(client, "Page not found")
        assert 'href="/staff"' in response.get_data(as_text=True)      # the back office's header
    for action in ("reply", "assign", "release", "close", "reopen"):
        assert client.post(f"{QUEUE}/999999/{action}", data={"body": "x"}).status_code == 404


# --- answering ------------------------------------------------------------------------------

def test_an_answer_is_stored_leaves_the_wait_and_is_told_by_email_without_its_text(
        app, client, agent, outbox):
    customer = make_customer("at", email="ana.silva@example.com")
    thread = make_thread(app, customer, waited=timedelta(hours=5))
    answer = "Ihre Rate wird am 15. abgebucht.\nKontostand: 12.345,67 EUR"
    response = reply(client, thread, answer)
    assert response.status_code == 303 and response.location == f"{QUEUE}/{thread.id}"

    message = Message.select().order_by(Message.id.desc()).get()
    assert (message.author, message.staff_id, message.body) == ("staff", agent.id, answer)
    thread = Thread.get_by_id(thread.id)
    assert thread.waiting_since is None and thread.customer_unread and thread.status == "open"

    mail = outbox.last("ana.silva@example.com")
    assert outbox.link(mail, "/messages/") == f"/de-at/messages/{thread.id}"
    for part in (outbox.text(mail), outbox.html(mail)):
        assert "12.345,67" not in part and "abgebucht" not in part

    page = client.get(response.location)
    assert shown(client, "Your answer is sent. The customer gets an email that there is a new "
                         "message.") in text_of(page)
    assert '<p class="text">Ihre Rate wird am 15. abgebucht.\nKontostand: 12.345,67 EUR</p>' \
        in page.get_data(as_text=True)
    assert shown(client, "%(name)s, customer care", name="Alex Agent") in text_of(page)
    # Answered: it goes to the end of the queue, after those still waiting.
    waiting = make_thread(app, waited=timedelta(minutes=1))
    assert listed(client.get(QUEUE)) == [waiting.id, thread.id]


def test_an_answer_to_a_closed_thread_opens_it_again(app, client, agent):
    thread = make_thread(app, updated=timedelta(days=1), status="closed")
    assert reply(client, thread).status_code == 303
    assert Thread.get_by_id(thread.id).status == "open"


def test_an_answer_with_a_pdf_which_staff_and_customer_download(app, client, agent, outbox):
    customer_client = app.test_client()
    registered(customer_client, outbox, lang="de-at", email="ana.silva@example.com")
    login(customer_client, lang="de-at", email="ana.silva@example.com")
    customer = Customer.get(Customer.email_key == "ana.silva@example.com")
    thread = make_thread(app, customer, waited=timedelta(hours=1))

    response = reply(client, thread, "Anbei die Bestätigung.", attach=[("Bestätigung März.pdf", PDF)])
    assert response.status_code == 303
    row = Attachment.get()
    assert (row.original_name, row.content_type, row.size) == ("Bestatigung-Marz.pdf",
                                                               "application/pdf", len(PDF))
    assert row.message.author == "staff"
    page = client.get(f"{QUEUE}/{thread.id}").get_data(as_text=True)
    url = f"{QUEUE}/{thread.id}/attachments/{row.id}"
    assert f'href="{url}"' in page
    download = client.get(url)
    assert download.status_code == 200 and download.get_data() == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == "attachment; filename=Bestatigung-Marz.pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    # The customer gets the same file from their message center.
    theirs = customer_client.get(f"/de-at/messages/{thread.id}/attachments/{row.id}")
    assert theirs.status_code == 200 and theirs.get_data() == PDF


TOO_MANY = ("Choose at most %(num)s file.", "Choose at most %(num)s files.")
NOT_A_FILE_WE_TAKE = "The file %(name)s is not a PDF, JPEG or PNG file. Choose another file."


@pytest.mark.parametrize("body, attach, status, field, message, values", [
    ("", (), 422, "body", "Write your message.", {}),
    ("x" * 2001, (), 422, "body", "Write at most %(max)s characters.", {"max": 2000}),
    ("a\x07b", (), 422, "body", "Remove the special characters from this field.", {}),
    (TYPED, [("invoice.pdf", EXECUTABLE)], 422, "attachments", NOT_A_FILE_WE_TAKE,
     {"name": "invoice.pdf"}),
    (TYPED, [("big.pdf", PDF + b"0" * SMALL_LIMIT)], 413, "attachments",
     "The file %(name)s is larger than %(size)s. Choose a smaller file.",
     {"name": "big.pdf", "size": "100 kB"}),
    (TYPED, [("a.pdf", PDF)] * 4, 422, "attachments", TOO_MANY, {"num": 3}),
    (TYPED, [("empty.pdf", b"")], 422, "attachments",
     "The file %(name)s is empty. Choose another file.", {"name": "empty.pdf"}),
], ids=["empty", "too-long", "control", "renamed-executable", "too-large", "too-many", "empty-file"])
def test_answer_errors_keep_the_text(custom_app, body, attach, status, field, message, values):
    app = custom_app(ATTACHMENT_MAX_BYTES=SMALL_LIMIT)
    client = app.test_client()
    staff_signed_in(client, role="agent")
    thread = make_thread(app, waited=timedelta(hours=1))
    for headers in ({}, {"HX-Request": "true"}):
        response = reply(client, thread, body, attach=attach, headers=headers)
        assert response.status_code == status
        assert error_at(response, field) == shown(client, message, **values)
        assert errors(response) == [error_at(response, field)]
        assert field_value(response, "body") == body
        source = response.get_data(as_text=True)
        assert 'class="error-summary"' in source and 'class="conversation"' in source
        if headers:
            assert not source.startswith("<!doctype") and '<main id="main"' in source
        else:
            assert "<title>" + shown(client, "Error:") in source
    assert Message.select().count() == 1
    assert Thread.get_by_id(thread.id).waiting_since is not None
    assert Attachment.select().count() == 0


def test_good_files_with_an_empty_text_must_be_chosen_again(app, client, agent):
    thread = make_thread(app, waited=timedelta(hours=1))
    response = reply(client, thread, "", attach=[("a.pdf", PDF)])
    assert response.status_code == 422
    assert shown(client, "Add your files again before you send.") in text_of(response)


def test_the_limit_is_raised_for_answers_before_the_csrf_check_reads_them(app, client, agent):
    thread = make_thread(app, waited=timedelta(hours=1))
    app.config["WTF_CSRF_ENABLED"] = True
    token = re.search(r'name="csrf_token" value="([^"]*)"',
                      client.get(f"{QUEUE}/{thread.id}").get_data(as_text=True)).group(1)
    big = PDF + b"0" * (2 * 1024 * 1024)
    response = client.post(f"{QUEUE}/{thread.id}/reply", content_type="multipart/form-data",
                           data={"body": "Anbei.", "csrf_token": token,
                                 "attachments": files(("gross.pdf", big))})
    assert response.status_code == 303
    assert Attachment.get().size == len(big)


def test_a_request_too_large_for_any_answer_gets_the_413_page(custom_app):
    app = custom_app(ATTACHMENT_MAX_BYTES=2000)
    client = app.test_client()
    staff_signed_in(client, role="agent")
    thread = make_thread(app, waited=timedelta(hours=1))
    response = reply(client, thread, attach=[("huge.pdf", PDF + b"0" * (1024 * 1024 + 7000))])
    assert response.status_code == 413
    assert heading(response) == shown(client, "What you sent is too large")
    assert "2 kB" in text_of(response)
    assert Message.select().count() == 1


# --- markup stays text ------------------------------------------------------------------------

def test_markup_from_customers_and_from_answers_is_shown_as_text(app, client, agent):
    customer = make_customer("fr", first_name="<i>Eve</i>", last_name="<img src=x onerror=alert(3)>")
    thread = make_thread(app, customer, body=HOSTILE, waited=timedelta(hours=1))
    reply(client, thread, HOSTILE + "\n<img src=x onerror=alert(2)>")
    for url in (QUEUE, f"{QUEUE}/{thread.id}"):
        source = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in source and "<b hx-get" not in source
        assert "<img" not in source and "<i>Eve" not in source
        assert html.escape("<i>Eve</i>", quote=False) in source
    source = client.get(f"{QUEUE}/{thread.id}").get_data(as_text=True)
    assert source.count(html.escape(HOSTILE, quote=False)) == 2
    assert source.count("<script") == 1         # htmx, nothing else


# --- assigning, closing, reopening --------------------------------------------------------------

def test_assign_to_me_then_to_a_colleague(app, client, agent):
    colleague, _password, _totp = staff_member("admin", name="Ada Admin")
    thread = make_thread(app, waited=timedelta(hours=1))
    page = client.get(f"{QUEUE}/{thread.id}").get_data(as_text=True)
    assert shown(client, "Not assigned") in html.unescape(page)
    assert f'<input type="hidden" name="assignee" value="{agent.id}">' in page

    response = client.post(f"{QUEUE}/{thread.id}/assign", data={"assignee": str(agent.id)})
    assert response.location == f"{QUEUE}/{thread.id}"
    assert shown(client, "This conversation is now yours.") in flashed(client, response)
    assert Thread.get_by_id(thread.id).assignee_id == agent.id
    # Mine now: instead of "assign to me", "assign to nobody".
    page = client.get(f"{QUEUE}/{thread.id}").get_data(as_text=True)
    assert 'type="hidden" name="assignee"' not in page
    assert f'action="{QUEUE}/{thread.id}/release"' in page
    assert shown(client, "Assigned to %(name)s", name="Alex Agent") in html.unescape(page)

    response = client.post(f"{QUEUE}/{thread.id}/assign", data={"assignee": str(colleague.id)})
    assert shown(client, "This conversation is now assigned to %(name)s.", name="Ada Admin") \
        in flashed(client, response)
    assert Thread.get_by_id(thread.id).assignee_id == colleague.id
    assert listed(client.get(QUEUE + f"?assignee={colleague.id}")) == [thread.id]


def test_assign_to_nobody(app, client, agent):
    thread = make_thread(app, waited=timedelta(hours=1), assignee=agent.id)
    response = client.post(f"{QUEUE}/{thread.id}/release")
    assert response.location == f"{QUEUE}/{thread.id}"
    assert shown(client, "This conversation is assigned to nobody now.") in flashed(client, response)
    assert Thread.get_by_id(thread.id).assignee_id is None
    assert listed(client.get(QUEUE + "?assignee=unassigned")) == [thread.id]
    page = client.get(f"{QUEUE}/{thread.id}").get_data(as_text=True)
    assert f'<input type="hidden" name="assignee" value="{agent.id}">' in page


@pytest.mark.parametrize("who", ["marketer", "deactivated", "missing", "text", "empty"])
def test_only_active_agents_and_admins_can_take_a_thread(app, client, agent, who):
    thread = make_thread(app, waited=timedelta(hours=1))
    if who in ("marketer", "deactivated"):
        member, _password, _totp = staff_member("marketer" if who == "marketer" else "agent")
        if who == "deactivated":
            staff_accounts.deactivate(member)
        value = str(member.id)
    else:
        value = {"missing": "999999", "text": "<script>", "empty": ""}[who]
    response = client.post(f"{QUEUE}/{thread.id}/assign", data={"assignee": value})
    assert response.status_code == 422
    assert error_at(response, "assignee") == shown(client, "Choose who takes this conversation.")
    assert heading(response) == shown(client, "Payments")
    assert Thread.get_by_id(thread.id).assignee_id is None


def test_a_member_deactivated_after_the_page_was_shown_is_refused(app, client, agent, monkeypatch):
    """The choice is checked again when the thread is assigned."""
    thread = make_thread(app, waited=timedelta(hours=1))
    colleague, _password, _totp = staff_member("agent")
    from domain import queue
    team = queue.team()
    monkeypatch.setattr(queue, "team", lambda: team)   # the list as the page showed it
    staff_accounts.deactivate(colleague)
    response = client.post(f"{QUEUE}/{thread.id}/assign", data={"assignee": str(colleague.id)})
    assert response.status_code == 422
    assert Thread.get_by_id(thread.id).assignee_id is None


def test_close_and_reopen(app, client, agent):
    thread = make_thread(app, waited=timedelta(hours=1))
    response = client.post(f"{QUEUE}/{thread.id}/close")
    assert response.location == f"{QUEUE}/{thread.id}"
    page = flashed(client, response)
    assert shown(client, "This conversation is closed.") in page
    thread = Thread.get_by_id(thread.id)
    # Closed: nothing more is owed, so it leaves the wait too.
    assert thread.status == "closed" and thread.waiting_since is None
    assert listed(client.get(QUEUE)) == []
    assert listed(client.get(QUEUE + "?status=closed")) == [thread.id]
    assert f'action="{QUEUE}/{thread.id}/reopen"' in client.get(f"{QUEUE}/{thread.id}").get_data(as_text=True)
    # Closing twice changes nothing.
    assert client.post(f"{QUEUE}/{thread.id}/close").status_code == 303

    response = client.post(f"{QUEUE}/{thread.id}/reopen")
    assert shown(client, "This conversation is open again.") in flashed(client, response)
    assert Thread.get_by_id(thread.id).status == "open"
    assert listed(client.get(QUEUE)) == [thread.id]
    assert f'action="{QUEUE}/{thread.id}/close"' in client.get(f"{QUEUE}/{thread.id}").get_data(as_text=True)


def test_the_action_forms_keep_the_address_of_the_thread(app, client, agent):
    """Their URLs take only POSTs: with htmx the address bar must not go there."""
    thread = make_thread(app, waited=timedelta(hours=1))
    page = client.get(f"{QUEUE}/{thread.id}").get_data(as_text=True)
    for action in ("reply", "assign", "close"):     # (release: when it is mine)
        forms = re.findall(rf'<form [^>]*action="{QUEUE}/{thread.id}/{action}"[^>]*>', page)
        assert forms, action
        for form in forms:
            assert 'hx-push-url="false"' in form
        assert client.get(f"{QUEUE}/{thread.id}/{action}").status_code == 405


def test_with_htmx_an_action_comes_back_as_the_fragment(app, client, agent):
    thread = make_thread(app, waited=timedelta(hours=1))
    response = client.post(f"{QUEUE}/{thread.id}/assign", data={"assignee": "x"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    source = response.get_data(as_text=True)
    assert not source.startswith("<!doctype") and '<main id="main"' in source


# --- who gets in --------------------------------------------------------------------------------

def agent_urls(thread, attachment):
    base = f"{QUEUE}/{thread.id}"
    return [("GET", QUEUE), ("GET", base), ("GET", f"{base}/attachments/{attachment.id}"),
            ("POST", f"{base}/reply"), ("POST", f"{base}/assign"), ("POST", f"{base}/release"),
            ("POST", f"{base}/close"), ("POST", f"{base}/reopen")]


@pytest.fixture
def thread_with_file(app, db):
    """A thread whose first answer carries a file; (thread, attachment)."""
    thread = make_thread(app, waited=timedelta(hours=1))
    agent_client = app.test_client()
    staff_signed_in(agent_client, role="agent", name="Care Agent")
    assert reply(agent_client, thread, attach=[("a.pdf", PDF)]).status_code == 303
    return Thread.get_by_id(thread.id), Attachment.get()


def post_everything(client, url):
    return client.post(url, data={"body": "Hallo", "assignee": "1",
                                  "attachments": files(("c.pdf", PDF))},
                       content_type="multipart/form-data")


def test_customers_and_visitors_are_sent_to_the_staff_sign_in(app, client, outbox, thread_with_file):
    customer_client = app.test_client()
    registered(customer_client, outbox, lang="de-at")
    assert login(customer_client, lang="de-at").status_code == 303
    for who in (customer_client, client):
        for method, url in agent_urls(*thread_with_file):
            response = who.get(url) if method == "GET" else post_everything(who, url)
            assert response.status_code == 303, (method, url)
            assert response.location == "/staff/login"
    thread = Thread.get_by_id(thread_with_file[0].id)
    assert Message.select().count() == 2 and thread.status == "open" and thread.assignee_id is None


def test_a_marketer_gets_403_and_the_log_says_who_tried(app, client, thread_with_file):
    marketer = staff_signed_in(client, role="marketer")
    urls = agent_urls(*thread_with_file)
    for method, url in urls:
        response = client.get(url) if method == "GET" else post_everything(client, url)
        assert response.status_code == 403, (method, url)
        assert heading(response) == shown(client, "You cannot open this page")
    refused = list(SecurityEvent.select().where(SecurityEvent.kind == "role_refused")
                   .order_by(SecurityEvent.id))
    assert [event.staff_id for event in refused] == [marketer.id] * len(urls)
    assert [event.detail for event in refused] == [
        "agents.queue", "agents.thread", "agents.attachment", "agents.reply", "agents.assign",
        "agents.release", "agents.close", "agents.reopen"]
    thread = Thread.get_by_id(thread_with_file[0].id)
    assert Message.select().count() == 2 and thread.status == "open" and thread.assignee_id is None
    # Nor does the staff home offer the queue.
    assert 'href="/staff/queue"' not in client.get("/staff").get_data(as_text=True)


def test_an_admin_works_the_queue_too(app, client, thread_with_file):
    admin = staff_signed_in(client, role="admin", name="Ada Admin")
    thread, attachment = thread_with_file
    assert client.get(QUEUE).status_code == 200
    assert client.get(f"{QUEUE}/{thread.id}/attachments/{attachment.id}").status_code == 200
    client.post(f"{QUEUE}/{thread.id}/assign", data={"assignee": str(admin.id)})
    assert Thread.get_by_id(thread.id).assignee_id == admin.id
