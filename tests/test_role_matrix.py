"""Who reaches what in the back office: every URL of the staff blueprints
(from the app's URL map: every rule under /staff except the sign-in pages,
which are reachable before it), with each method, for each role, a
signed-in customer and an anonymous visitor, against the table below.

A new staff route without a row in the table fails
test_every_staff_route_is_in_the_table: whoever adds it decides who may
use it.

Objects named in URLs exist (a thread with a file, a staff member), and a
POST sends what the form asks for where that is simple (an answer, an
assignee) and nothing otherwise (422: in, and refused as input). A second
table asks for objects that do not exist: the role is checked first, so a
marketer learns nothing of which threads exist."""
import io
from datetime import timedelta

import pytest

from domain import roles, texts
from models import Attachment, TextChange, Thread
from support.customers import login, registered
from support.help_articles import make_help_article
from support.staff import staff_member, staff_signed_in
from support.threads import make_thread
from support.uploads import PDF

# Reachable before the sign-in is complete: tests/test_staff_auth.py.
BEFORE_SIGN_IN = {"staff.login", "staff.logout", "staff.setup", "staff.qr",
                  "staff.second_factor", "staff.recovery"}

# Every role of domain.roles, then the others: a new role fails the table
# (parse) until whoever adds it gives it a column.
WHO = tuple(roles.ROLES) + ("customer", "anonymous")

EXPECTED = """
endpoint              method  agent  marketer  admin  customer  anonymous
staff.home            GET     200    200       200    303       303
staff.home            POST    405    405       405    405       405
staff.recovery_codes  GET     200    200       200    303       303
staff.recovery_codes  POST    303    303       303    303       303
agents.queue          GET     200    403       200    303       303
agents.queue          POST    405    405       405    405       405
agents.thread         GET     200    403       200    303       303
agents.thread         POST    405    405       405    405       405
agents.attachment     GET     200    403       200    303       303
agents.attachment     POST    405    405       405    405       405
agents.reply          GET     405    405       405    405       405
agents.reply          POST    303    403       303    303       303
agents.assign         GET     405    405       405    405       405
agents.assign         POST    303    403       303    303       303
agents.release        GET     405    405       405    405       405
agents.release        POST    303    403       303    303       303
agents.close          GET     405    405       405    405       405
agents.close          POST    303    403       303    303       303
agents.reopen         GET     405    405       405    405       405
agents.reopen         POST    303    403       303    303       303
agents.upload_document GET    405    405       405    405       405
agents.upload_document POST   422    403       422    303       303
admin.staff           GET     403    403       200    303       303
admin.staff           POST    403    403       422    303       303
admin.created         GET     403    403       200    303       303
admin.created         POST    405    405       405    405       405
admin.member          GET     403    403       200    303       303
admin.member          POST    403    403       422    303       303
admin.customers       GET     403    403       200    303       303
admin.customers       POST    403    403       422    303       303
admin.security_log    GET     403    403       200    303       303
admin.security_log    POST    405    405       405    405       405
content.home          GET     403    200       403    303       303
content.home          POST    405    405       405    405       405
content.articles      GET     403    200       403    303       303
content.articles      POST    405    405       405    405       405
content.report        GET     403    200       403    303       303
content.report        POST    405    405       405    405       405
content.new_article   GET     403    200       403    303       303
content.new_article   POST    403    422       403    303       303
content.version       GET     403    200       403    303       303
content.version       POST    403    422       403    303       303
texts.index           GET     403    200       403    303       303
texts.index           POST    405    405       405    405       405
texts.edit            GET     403    200       403    303       303
texts.edit            POST    403    400       403    303       303
texts.publish         GET     405    405       405    405       405
texts.publish         POST    403    303       403    303       303
texts.preview         GET     405    405       405    405       405
texts.preview         POST    403    303       403    303       303
texts.history         GET     403    200       403    303       303
texts.history         POST    405    405       405    405       405
texts.revert          GET     405    405       405    405       405
texts.revert          POST    403    303       403    303       303
texts.emails          GET     403    200       403    303       303
texts.emails          POST    405    405       405    405       405
texts.email_html      GET     403    200       403    303       303
texts.email_html      POST    405    405       405    405       405
"""

# The same URLs with every id one of nothing.
EXPECTED_MISSING = """
endpoint              method  agent  marketer  admin  customer  anonymous
agents.thread         GET     404    403       404    303       303
agents.attachment     GET     404    403       404    303       303
agents.reply          POST    404    403       404    303       303
agents.assign         POST    404    403       404    303       303
agents.release        POST    404    403       404    303       303
agents.close          POST    404    403       404    303       303
agents.reopen         POST    404    403       404    303       303
agents.upload_document POST   404    403       404    303       303
admin.created         GET     403    403       404    303       303
admin.member          GET     403    403       404    303       303
admin.member          POST    403    403       404    303       303
content.version       GET     403    404       403    303       303
content.version       POST    403    404       403    303       303
texts.edit            GET     403    404       403    303       303
texts.edit            POST    403    404       403    303       303
texts.revert          POST    403    404       403    303       303
texts.email_html      GET     403    404       403    303       303
"""

MISSING_ID = 999999


def parse(table):
    """{(endpoint, method): {who: status}}"""
    rows = [line.split() for line in table.strip().splitlines()]
    header, rows = rows[0], rows[1:]
    assert tuple(header[2:]) == WHO
    return {(endpoint, method): dict(zip(WHO, map(int, statuses)))
            for endpoint, method, *statuses in rows}


def staff_rules(app):
    """{endpoint: rule} of every back-office URL behind the sign-in."""
    return {rule.endpoint: rule for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/staff") and rule.endpoint not in BEFORE_SIGN_IN}


def test_every_staff_route_is_in_the_table(app):
    rules = staff_rules(app)
    table = parse(EXPECTED)
    assert {endpoint for endpoint, _method in table} == set(rules)
    for endpoint in rules:
        assert {method for e, method in table if e == endpoint} == {"GET", "POST"}, endpoint
    with_ids = {endpoint for endpoint, rule in rules.items() if rule.arguments}
    assert {endpoint for endpoint, _method in parse(EXPECTED_MISSING)} == with_ids
    for endpoint, method in parse(EXPECTED_MISSING):
        assert method in rules[endpoint].methods, (endpoint, method)


@pytest.fixture
def world(app, client, outbox, db):
    """A client for each of WHO, and the ids the URLs name."""
    clients = {"anonymous": app.test_client()}
    for role in roles.ROLES:
        clients[role] = app.test_client()
        staff_signed_in(clients[role], role=role, name=f"The {role}")
    clients["customer"] = app.test_client()
    registered(clients["customer"], outbox, lang="de-at")
    assert login(clients["customer"], lang="de-at").status_code == 303

    thread = make_thread(app, waited=timedelta(hours=1))
    answered = clients["agent"].post(f"/staff/queue/{thread.id}/reply",
                                     data={"body": "Anbei.", "attachments": [(io.BytesIO(PDF), "a.pdf")]},
                                     content_type="multipart/form-data")
    assert answered.status_code == 303
    target, _password, _totp = staff_member("agent", name="Target Agent")
    article = make_help_article("at", key="role-matrix")
    ids = {"thread_id": thread.id, "attachment_id": Attachment.get().id, "staff_id": target.id,
           "article_id": article.id, "locale": "de", "variant": "de_AT",
           "key": texts.message_key("Sign in"), "name": "activation",
           "change_id": text_change(clients["marketer"])}
    return clients, ids, target


def text_change(marketer):
    """A change published by the marketer: its id, for the revert URL."""
    answer = marketer.post(f"/staff/texts/de_AT/{texts.message_key('Sign in')}",
                           data={"action": "publish", "form_0": "Einloggen"})
    assert answer.status_code == 303
    return TextChange.get().id


def ask(client, method, url, target):
    if method == "GET":
        return client.get(url)
    # What the agents' forms ask for; the other forms find nothing they need.
    return client.post(url, data={"body": "Hallo", "assignee": str(target.id)})


def check(app, clients, table, values, target):
    rules = staff_rules(app)
    wrong = []
    for (endpoint, method), expected in table.items():
        url = rules[endpoint].build(values, append_unknown=False)[1]
        for who in WHO:
            response = ask(clients[who], method, url, target)
            if response.status_code != expected[who]:
                wrong.append((endpoint, method, who, expected[who], response.status_code))
            elif who in ("customer", "anonymous") and response.status_code == 303:
                assert response.location == "/staff/login", (endpoint, method, who)
    assert wrong == [], "(endpoint, method, who, expected, got): " + repr(wrong)


def test_each_role_reaches_what_the_table_says(app, world):
    clients, ids, target = world
    check(app, clients, parse(EXPECTED), ids, target)


def test_missing_objects_are_404_only_to_whom_may_see_them(app, world):
    clients, ids, target = world
    check(app, clients, parse(EXPECTED_MISSING), {name: MISSING_ID for name in ids}, target)
    assert Thread.select().count() == 1
