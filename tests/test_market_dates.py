"""Dates typed and shown as each market writes them (issue 17 item 3): the
US asks month, day, year; the others day, month, year; French writes the
first of the month «1er»."""
import re
from datetime import date

import pytest
from flask_babel import force_locale

from domain.clock import utcnow
from domain.i18n import format_day
from models import Customer
from support.agreements import make_agreement
from support.apps import markets_file
from support.customers import login, registered


def box_order(html, prefix):
    return re.findall(rf'<input id="{prefix}_(day|month|year)"', html)


@pytest.mark.parametrize("lang, order, example", [
    ("en-us", ["month", "day", "year"], "For example 3 27 1985"),
    ("en-ca", ["day", "month", "year"], "For example 27 3 1985"),
])
def test_the_date_of_birth_is_asked_in_the_markets_order(client, outbox, db, lang, order, example):
    registered(client, outbox, lang=lang)
    login(client, lang=lang)
    page = client.get(f"/{lang}/agreements/link").get_data(as_text=True)
    assert box_order(page, "birth") == order
    assert example in page
    answer = client.post(f"/{lang}/agreements/link", data={
        "first_name": "Ana", "last_name": "Silva", "birth_day": "31", "birth_month": "2",
        "birth_year": "1985", "vin": "WMWXU9C03R2T10001", "last_payment": "1.00"})
    assert f"Enter a real date of birth, for example {example.split(' ', 2)[2]}." in answer.get_data(as_text=True)


def test_a_us_date_typed_month_first_is_read_month_first(client, outbox, db):
    registered(client, outbox, lang="en-us")
    login(client, lang="en-us")
    answer = client.post("/en-us/agreements/link", data={
        "first_name": "Ana", "last_name": "Silva", "birth_month": "12", "birth_day": "31",
        "birth_year": "1985", "vin": "WMWXU9C03R2T10001", "last_payment": "1.00"})
    assert "Enter a real date of birth" not in answer.get_data(as_text=True)


def test_the_payoff_date_boxes_follow_the_market(client, outbox, sms, db):
    registered(client, outbox, lang="en-us")
    customer_agreement = make_agreement("us", customer=Customer.get(), linked_at=utcnow())
    login(client, lang="en-us")
    client.post("/en-us/device", data={"destination": f"sms-{customer_agreement.id}"})
    client.post("/en-us/device/code", data={"code": sms.last_code(), "remember": "no"})
    page = client.get(f"/en-us/agreements/{customer_agreement.id}/payoff").get_data(as_text=True)
    assert box_order(page, "payoff") == ["month", "day", "year"]


@pytest.mark.parametrize("locale, expected", [
    ("fr_FR", "1er janvier 2027"), ("fr_CA", "1er janvier 2027"),
    ("de_AT", "1. Jänner 2027"), ("en_US", "January 1, 2027"),
])
def test_the_first_of_the_month(app, locale, expected):
    with app.test_request_context(), force_locale(locale):
        assert format_day(date(2027, 1, 1), "long") == expected
        assert "1er" not in format_day(date(2027, 1, 11), "long")
        assert "1er" not in format_day(date(2027, 1, 21), "long")


def test_a_market_whose_date_fields_are_not_the_three_stops_the_start(custom_app, tmp_path):
    path = markets_file(tmp_path, 'date_fields = ["month", "day", "year"]', 'date_fields = ["month", "year"]')
    with pytest.raises(ValueError, match="date_fields"):
        custom_app(MARKETS_FILE=path)


def test_opening_hours_read_mid_sentence(app):
    """The footer writes the hours inside a sentence ("Appelez-nous au …
    (du lundi au vendredi, …)"): they begin in lower case, unless with a
    weekday of a language that capitalizes those (Monday, Montag)."""
    from babel import Locale
    from domain.markets import MARKETS
    for market in MARKETS.values():
        for locale, hours in market.support_hours.items():
            weekdays = Locale.parse(locale).days["format"]["wide"].values()
            first_word = hours.split()[0].strip(",")
            assert first_word[0].islower() or first_word in weekdays, (market.key, hours)
