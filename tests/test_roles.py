"""The table of roles and permissions (domain.roles) is what the back
office obeys: a permission given to a role opens its pages, its section on
/staff and, for the queue, the team; staff_required() refuses a
permission the table does not know. Who reaches which URL with today's
table: tests/test_role_matrix.py."""
import pytest

from domain import queue, roles
from support.staff import staff_member, staff_signed_in
from views.shared.guards import staff_required


@pytest.fixture
def marketer_works_the_queue(monkeypatch):
    marketer = roles.ROLES["marketer"]
    monkeypatch.setitem(roles.ROLES, "marketer",
                        roles.Role(marketer.label, marketer.may | {"queue"}))


def test_a_permission_given_in_the_table_opens_the_pages_and_the_team(client, db,
                                                                      marketer_works_the_queue):
    staff_signed_in(client, role="marketer")
    assert client.get("/staff/queue").status_code == 200
    assert 'href="/staff/queue"' in client.get("/staff").get_data(as_text=True)
    member, _password, _totp = staff_member("marketer", name="Quinn Queue")
    assert member.id in [m.id for m in queue.team()]


def test_without_the_permission_the_same_pages_are_refused(client, db):
    staff_signed_in(client, role="marketer")
    assert client.get("/staff/queue").status_code == 403
    assert 'href="/staff/queue"' not in client.get("/staff").get_data(as_text=True)


def test_every_role_has_known_permissions_and_a_label():
    for name, role in roles.ROLES.items():
        assert role.may and role.may <= roles.PERMISSIONS.keys(), name
        assert str(role.label)
    assert roles.that_may("queue") == ("agent", "admin")


def test_an_unknown_permission_is_refused_where_the_page_is_declared():
    with pytest.raises(ValueError, match="unknown permission 'queeu'"):
        staff_required("queeu")
    with pytest.raises(ValueError):
        roles.may("agent", "queeu")
