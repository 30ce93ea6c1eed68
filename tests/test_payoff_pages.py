"""Payoff quotes through the pages (views/payoff.py, domain/quotes.py): a
date within 30 days where the market is, a numbered quote kept in the
database with its lines, its page and its PDF; another customer's agreement
or quote is the same 404 as a missing one. Totals are worked out by hand in
the comments."""
import io
import re
from datetime import date, datetime
from decimal import Decimal as D
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from domain import quotes
from domain.markets import MARKETS
from models import Customer, Payment, PayoffQuote
from support.agreements import make_agreement
from support.customers import login, registered
from support.reading import errors, heading, page_without_csrf

CA_PHONE = "+16135550142"

# 20 October 2026 at 8 a.m. in Toronto, 2 p.m. in Paris.
NOW = datetime(2026, 10, 20, 12, 0)


def spaces(text):
    """Babel separates with no-break and narrow no-break spaces."""
    return re.sub(r"[\u00a0\u202f\u2009]", " ", text)


def page_text(response):
    return spaces(response.get_data(as_text=True))


def customer(client, outbox, lang, email="ana.silva@example.com"):
    registered(client, outbox, lang=lang, email=email)
    return Customer.get(Customer.email_key == email)


def signed_in_with(client, outbox, sms, lang="en-ca", email="ana.silva@example.com", **agreement):
    """A customer with an agreement in their account, signed in on an
    authorized device (Canada asks for a code by text; France does not)."""
    owner = customer(client, outbox, lang, email)
    market = {"en-ca": "ca", "fr-ca": "ca", "fr-fr": "fr", "de-at": "at"}[lang]
    row = make_agreement(market, customer=owner, linked_at=NOW, **agreement)
    response = login(client, lang=lang, email=email)
    if market == "ca":
        assert response.location.endswith(f"/{lang}/device")
        client.post(f"/{lang}/device", data={"destination": f"sms-{row.id}"})
        response = client.post(f"/{lang}/device/code",
                               data={"code": sms.last_code(CA_PHONE), "remember": "no"})
    assert response.status_code == 303 and "/device" not in response.location
    return row


def ask(client, lang, agreement, day):
    return client.post(f"/{lang}/agreements/{agreement.id}/payoff",
                       data={"payoff_day": str(day.day), "payoff_month": str(day.month),
                             "payoff_year": str(day.year)})


def quote_page(client, response):
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    page = client.get(response.location)
    assert page.status_code == 200
    return page


@pytest.fixture
def now(clock):
    clock.set_now(NOW)
    return clock


# --- quotes ------------------------------------------------------------------------

def test_a_loan_quote_in_canadian_dollars(client, outbox, sms, db, now):
    # Balance 12,000.00 at 4.99 %, last paid 1 October 2026 (make_agreement),
    # paid off on 31 October: 30 days.
    # 12,000.00 × 4.99 % × 30 / 365 = 17,964 / 365 = 49.2164...  -> 49.22
    # 12,000.00 + 49.22 + 75.00 (Canada's fee) = 12,124.22
    agreement = signed_in_with(client, outbox, sms)
    form = client.get(f"/en-ca/agreements/{agreement.id}/payoff")
    assert form.status_code == 200 and heading(form) == "Get a payoff quote"
    assert agreement.contract_number in form.get_data(as_text=True)

    response = ask(client, "en-ca", agreement, date(2026, 10, 31))
    stored = PayoffQuote.get()
    assert re.fullmatch(r"Q-2026-\d{6}", stored.number)
    assert response.location.endswith(f"/en-ca/payoff-quotes/{stored.number}")
    assert stored.customer_id == agreement.customer_id and stored.agreement_id == agreement.id
    assert (stored.payoff_date, stored.currency, stored.total) == (date(2026, 10, 31), "CAD", D("12124.22"))
    assert stored.interest_days == 30
    assert stored.lines == '[["principal", "12000.00"], ["interest", "49.22"], ["fee", "75.00"]]'

    html = page_text(quote_page(client, response))
    assert f"Payoff quote {stored.number}" in html
    for text in (agreement.contract_number, "MINI Cooper S", "October 31, 2026",
                 "Outstanding principal", "$12,000.00", "Interest for 30 days", "$49.22",
                 "Payoff fee", "$75.00", "Total to pay", "$12,124.22",
                 "Valid until October 31, 2026."):
        assert text in html, text
    # The rule the amount follows, stated with the worked example's own
    # date: 30 days of interest on all 12,000.00 since the payment of 1 October.
    assert ("This amount is the balance after your last payment, on October 1, 2026, with "
            "interest on all of it up to the payoff date: it counts on no other payment "
            "before then.") in html
    assert f'href="/en-ca/payoff-quotes/{stored.number}.pdf"' in html


def test_a_lease_quote_in_euros(client, outbox, sms, db, now):
    # Started 15 January 2024 for 48 months: payments fall due on the 15th,
    # the last on 15 January 2028. After 31 October 2026 come those of
    # 15 November 2026 to 15 January 2028: 15 payments.
    # 15 × 412.35 = 6,185.25; + residual 15,000.00 + fee 150.00 - credit 100.00
    # = 21,235.25
    agreement = signed_in_with(client, outbox, sms, lang="fr-fr", kind="lease",
                               residual_value=D("15000.00"))
    response = ask(client, "fr-fr", agreement, date(2026, 10, 31))
    stored = PayoffQuote.get()
    assert (stored.currency, stored.total, stored.remaining_payments) == ("EUR", D("21235.25"), 15)
    html = page_text(quote_page(client, response))
    for amount in ("6 185,25 €", "15 000,00 €", "150,00 €", "-100,00 €", "21 235,25 €"):
        assert amount in html, amount
    assert "31 octobre 2026" in html
    # A lease's rule: the payments due until the payoff date are not in it.
    assert ("Ce montant compte les loyers qui arrivent à échéance après la date de "
            "résiliation anticipée.") in html and "restent à payer comme prévu" in html


def test_a_loan_to_a_leap_day_in_austria_counts_360_days_a_year(client, outbox, sms, db, clock):
    # Paid on 1 February 2028, paid off on 29 February: 28 days.
    # 12,000.00 × 4.99 % × 28 / 360 = 16,766.40 / 360 = 46.5733... -> 46.57
    # 12,000.00 + 46.57 + 120.00 = 12,166.57
    clock.set_now(datetime(2028, 2, 10, 9, 0))
    agreement = signed_in_with(client, outbox, sms, lang="de-at")
    Payment.create(agreement=agreement, reference="P-leap", paid_on=date(2028, 2, 1),
                   amount=D("412.35"))
    response = ask(client, "de-at", agreement, date(2028, 2, 29))
    stored = PayoffQuote.get()
    assert (stored.payoff_date, stored.interest_days, stored.total) == (date(2028, 2, 29), 28, D("12166.57"))
    assert stored.number.startswith("Q-2028-")
    html = page_text(quote_page(client, response))
    assert "€ 12.166,57" in html and "€ 46,57" in html and "29. Februar 2028" in html


def test_a_lease_paid_off_at_a_month_end(client, outbox, sms, db, clock):
    # Started 31 January 2024: payments fall due on each month's last day
    # (28 February 2026). Ending on that day leaves the 23 payments of March
    # 2026 to January 2028; a day earlier, 24.
    # 23 × 412.35 = 9,484.05 + 20,000.00 + 75.00 = 29,559.05
    # 24 × 412.35 = 9,896.40 + 20,000.00 + 75.00 = 29,971.40
    clock.set_now(datetime(2026, 2, 10, 15, 0))
    agreement = signed_in_with(client, outbox, sms, kind="lease", start_date=date(2024, 1, 31),
                               residual_value=D("20000.00"))
    on_the_day = quote_page(client, ask(client, "en-ca", agreement, date(2026, 2, 28)))
    day_before = quote_page(client, ask(client, "en-ca", agreement, date(2026, 2, 27)))
    assert "Remaining payments (23)" in page_text(on_the_day)
    assert "$29,559.05" in page_text(on_the_day)
    assert "Remaining payments (24)" in page_text(day_before)
    assert "$29,971.40" in page_text(day_before)
    first, second = PayoffQuote.select().order_by(PayoffQuote.id)
    assert first.number != second.number


def test_a_lease_is_ended_early_in_each_markets_words(client, outbox, sms, db, now):
    """A lease is not paid off but ended early: Quebec says «montant de
    rachat» and «fin anticipée de contrat» (seed 001), English "early
    termination", on the agreement's link, the form, the quote and its PDF."""
    for lang, link, title, date_label in (
            ("fr-ca", "Obtenir le montant de rachat", "Montant de rachat",
             "Date de fin anticipée de contrat"),
            ("en-ca", "Get an early termination quote", "Early termination quote",
             "Early termination date")):
        client = client.application.test_client()       # a customer of their own
        agreement = signed_in_with(client, outbox, sms, lang=lang, kind="lease",
                                   residual_value=D("15000.00"), email=f"lease.{lang}@example.com")
        detail = page_text(client.get(f"/{lang}/agreements/{agreement.id}"))
        assert link in detail and "Payoff" not in detail and "remboursement" not in detail
        form = client.get(f"/{lang}/agreements/{agreement.id}/payoff")
        assert heading(form) == link and date_label in page_text(form)
        url = ask(client, lang, agreement, date(2026, 10, 31)).location
        quote = page_text(client.get(url))
        assert f"{title} Q-" in quote and date_label in quote
        pdf = pdf_text(client.get(url + ".pdf").data)
        assert f"{title} Q-" in pdf and date_label.split()[0] in pdf


def test_the_same_date_twice_gives_the_same_quote(client, outbox, sms, db, now):
    agreement = signed_in_with(client, outbox, sms)
    first = ask(client, "en-ca", agreement, date(2026, 11, 2))
    second = ask(client, "en-ca", agreement, date(2026, 11, 2))
    assert first.location == second.location
    assert PayoffQuote.select().count() == 1


def test_htmx_gets_the_quote_page_after_the_redirect(client, outbox, sms, db, now):
    agreement = signed_in_with(client, outbox, sms)
    response = client.post(f"/en-ca/agreements/{agreement.id}/payoff", headers={"HX-Request": "true"},
                           data={"payoff_day": "5", "payoff_month": "11", "payoff_year": "2026"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and '<main id="main"' in html
    assert PayoffQuote.get().number in html


# --- the date ------------------------------------------------------------------------

@pytest.mark.parametrize("day, month, year, message", [
    ("", "", "", "Enter the date on which you want to end the agreement."),
    ("31", "11", "2026", "Enter a real date, for example 27 10 2026."),
    ("29", "2", "2027", "Enter a real date, for example 27 10 2026."),
    ("x", "11", "2026", "Enter a real date, for example 27 10 2026."),
    ("1", "", "2026", "Enter a real date, for example 27 10 2026."),
    ("1", "11", "26", "Enter a real date, for example 27 10 2026."),
    ("1" * 5000, "11", "2026", "Enter a real date, for example 27 10 2026."),
    ("1\x00", "11", "2026", "Enter a real date, for example 27 10 2026."),
    ("19", "10", "2026", "The date cannot be in the past. Enter today's date or a later one."),
    ("20", "11", "2026", "Choose a date within 30 days, by November 19, 2026 at the latest."),
])
def test_each_wrong_date_has_its_message(client, outbox, sms, db, now, day, month, year, message):
    agreement = signed_in_with(client, outbox, sms)
    response = client.post(f"/en-ca/agreements/{agreement.id}/payoff",
                           data={"payoff_day": day, "payoff_month": month, "payoff_year": year})
    assert response.status_code == 422
    assert errors(response) == [message]
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html and 'href="#payoff_day"' in html
    if len(day) < 10:
        assert f'value="{month}"' in html or not month     # the input is kept
    assert PayoffQuote.select().count() == 0


def test_any_input_is_an_answer_never_an_error(client, outbox, sms, db, now):
    agreement = signed_in_with(client, outbox, sms)

    @settings(max_examples=60, deadline=None)
    @given(day=st.text(max_size=12), month=st.text(max_size=12), year=st.text(max_size=12),
           number=st.text(min_size=1, max_size=40).filter(lambda s: "/" not in s and s not in (".", "..")))
    def check(day, month, year, number):
        response = client.post(f"/en-ca/agreements/{agreement.id}/payoff",
                               data={"payoff_day": day, "payoff_month": month, "payoff_year": year})
        assert response.status_code in (303, 422)
        for suffix in ("", ".pdf"):
            response = client.get(f"/en-ca/payoff-quotes/{quote(number)}{suffix}")
            assert response.status_code in (200, 404)

    check()


def test_today_and_thirty_days_ahead_are_allowed(client, outbox, sms, db, now):
    agreement = signed_in_with(client, outbox, sms)
    assert ask(client, "en-ca", agreement, date(2026, 10, 20)).status_code == 303
    assert ask(client, "en-ca", agreement, date(2026, 11, 19)).status_code == 303
    today = PayoffQuote.get(PayoffQuote.payoff_date == date(2026, 10, 20))
    assert today.interest_days == 19 and today.total == D("12106.17")
    # 12,000.00 × 4.99 % × 19 / 365 = 11,377.20 / 365 = 31.1704... -> 31.17; + 75.00


def test_today_is_the_market_s_today(client, outbox, sms, db, clock):
    """At 3 a.m. UTC on 21 October it is still the 20th in Toronto, and
    already the 21st in Paris."""
    clock.set_now(datetime(2026, 10, 21, 3, 0))
    agreement = signed_in_with(client, outbox, sms)
    assert ask(client, "en-ca", agreement, date(2026, 10, 20)).status_code == 303
    client.post("/en-ca/logout")
    french = signed_in_with(client, outbox, sms, lang="fr-fr", email="lea.martin@example.com")
    assert ask(client, "fr-fr", french, date(2026, 10, 20)).status_code == 422
    assert ask(client, "fr-fr", french, date(2026, 10, 21)).status_code == 303


# --- whose quote --------------------------------------------------------------------

def test_another_customers_agreement_and_quote_are_not_found(client, outbox, sms, db, now,
                                                             tokens_a_second_apart):
    other = customer(client, outbox, "en-ca", email="someone.else@example.com")
    theirs = make_agreement("ca", customer=other, linked_at=NOW)
    their_quote = quotes.make_quote(theirs, date(2026, 11, 1), MARKETS["ca"])
    signed_in_with(client, outbox, sms)

    def same_404(template, theirs, missing, method="get"):
        """The page links to itself in the other language: only that differs."""
        found = getattr(client, method)("/en-ca" + template.format(theirs))
        absent = getattr(client, method)("/en-ca" + template.format(missing))
        assert found.status_code == absent.status_code == 404
        assert page_without_csrf(found).replace(template.format(theirs), "X") == \
            page_without_csrf(absent).replace(template.format(missing), "X")

    same_404("/agreements/{}/payoff", theirs.id, 999999)
    same_404("/agreements/{}/payoff", theirs.id, 999999, "post")
    same_404("/payoff-quotes/{}", their_quote.number, "Q-2026-999999")
    same_404("/payoff-quotes/{}.pdf", their_quote.number, "Q-2026-999999")
    assert PayoffQuote.select().count() == 1


def test_a_quote_needs_a_signed_in_customer_on_an_authorized_device(client, outbox, sms, db, now):
    owner = customer(client, outbox, "en-ca")
    agreement = make_agreement("ca", customer=owner, linked_at=NOW)
    number = quotes.make_quote(agreement, date(2026, 11, 1), MARKETS["ca"]).number
    for url in (f"/en-ca/agreements/{agreement.id}/payoff", f"/en-ca/payoff-quotes/{number}",
                f"/en-ca/payoff-quotes/{number}.pdf"):
        assert "/en-ca/login" in client.get(url).location
    login(client)
    for url in (f"/en-ca/agreements/{agreement.id}/payoff", f"/en-ca/payoff-quotes/{number}",
                f"/en-ca/payoff-quotes/{number}.pdf"):
        assert client.get(url).location.endswith("/en-ca/device")


def test_a_quote_expires_after_its_day_where_the_market_is(client, outbox, sms, db, clock):
    clock.set_now(datetime(2026, 10, 21, 3, 45))        # 11.45 p.m. in Toronto
    agreement = signed_in_with(client, outbox, sms)
    url = ask(client, "en-ca", agreement, date(2026, 10, 20)).location
    assert "expired" not in page_text(client.get(url))
    clock.set_now(datetime(2026, 10, 21, 4, 10))        # 10 past midnight
    html = page_text(client.get(url))
    assert "This quote expired on October 20, 2026." in html
    assert f'href="/en-ca/agreements/{agreement.id}/payoff"' in html


# --- the PDF --------------------------------------------------------------------------

def pdf_text(body):
    return spaces("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages))


def test_the_pdf_is_a_download_with_the_quote(client, outbox, sms, db, now):
    agreement = signed_in_with(client, outbox, sms)
    url = ask(client, "en-ca", agreement, date(2026, 10, 31)).location
    number = url.rsplit("/", 1)[1]
    response = client.get(url + ".pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{number}.pdf"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    for expected in (f"Payoff quote {number}", "MINI Financial Services", agreement.contract_number,
                     "Interest for 30 days", "$49.22", "$12,124.22", "Valid until October 31, 2026.",
                     "1-800-555-0142"):
        assert expected in text, (expected, text)


@pytest.mark.parametrize("lang, amounts", [
    ("fr-fr", ["21 235,25 €", "-100,00 €"]),
    ("de-at", ["€ 21.305,25"]),
])
def test_the_pdf_writes_every_language_in_its_own_font(client, outbox, sms, db, now, lang, amounts):
    """Accents, ß, € and Babel's narrow no-break spaces all come out, from
    the font inside the reportlab package."""
    # The lease of test_a_lease_quote_in_euros; in Austria the fee is 120.00
    # and there is no credit: 6,185.25 + 15,000.00 + 120.00 = 21,305.25.
    agreement = signed_in_with(client, outbox, sms, lang=lang, kind="lease",
                               residual_value=D("15000.00"),
                               vehicle_model="Coupé Größe « spéciale » à l'été")
    url = ask(client, lang, agreement, date(2026, 10, 31)).location
    text = pdf_text(client.get(url + ".pdf").data)
    assert "Coupé Größe « spéciale » à l'été" in text
    for amount in amounts:
        assert amount in text, (amount, text)
