"""Payoff quotes as given to a customer: computed by domain.payoff from the
agreement's terms, numbered, kept (PayoffQuote), and printed to PDF.

A quote is a promise valid until its payoff date, so it is stored with its
lines as shown and never recomputed: a later payment or a new fee does not
change a quote already given."""
import json
import os
import re
import secrets
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape

import reportlab
from flask_babel import force_locale, format_currency
from flask_babel import gettext as _
from flask_babel import ngettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from domain import agreements
from domain.clock import today_in
from domain.db import database
from domain.i18n import format_day
from domain.payoff import lease_quote, loan_quote
from models import Agreement, PayoffQuote

QUOTE_DAYS = 30      # how far ahead a payoff date may be


def payoff_window(market):
    """(first, last) payoff date a customer may pick: today where the
    market is, up to QUOTE_DAYS later."""
    today = today_in(market.timezone)
    return today, today + timedelta(days=QUOTE_DAYS)


def last_payment_date(agreement):
    """Interest runs from the latest payment, or from the start when none
    has been made yet."""
    return agreements.last_paid_on([agreement.id]).get(agreement.id) or agreement.start_date


def compute(agreement, payoff_date, market):
    """The domain.payoff Quote for this agreement on that date."""
    if agreement.kind == "lease":
        return lease_quote(agreement.start_date, agreement.term_months,
                           agreement.monthly_payment, agreement.residual_value or Decimal("0.00"),
                           payoff_date, market.payoff)
    # A payment booked after the payoff date (a data error) must not make
    # the interest negative.
    since = min(last_payment_date(agreement), payoff_date)
    return loan_quote(agreement.balance, agreement.rate, since, payoff_date, market.payoff)


def make_quote(agreement, payoff_date, market):
    """Compute and keep a quote; returns the PayoffQuote row. Asking again
    for the same date, with nothing changed, gives back the same quote (a
    double click or a reload makes no second number)."""
    quote = compute(agreement, payoff_date, market)
    lines = json.dumps([[what, str(amount)] for what, amount in quote.lines])
    with database.atomic():
        same = PayoffQuote.get_or_none(PayoffQuote.agreement == agreement.id,
                                       PayoffQuote.customer == agreement.customer_id,
                                       PayoffQuote.payoff_date == payoff_date,
                                       PayoffQuote.lines == lines)
        if same is not None:
            return same
        # The number is made from the row id, known only after the insert:
        # a random placeholder keeps the unique column unique meanwhile.
        row = PayoffQuote.create(number="new-" + secrets.token_hex(8), agreement=agreement.id,
                                 customer=agreement.customer_id, payoff_date=payoff_date,
                                 currency=market.currency, lines=lines, total=quote.total,
                                 remaining_payments=quote.remaining_payments,
                                 interest_days=quote.interest_days)
        row.number = f"Q-{today_in(market.timezone).year}-{row.id:06d}"
        row.save(only=[PayoffQuote.number])
    return row


NUMBER = re.compile(r"Q-[0-9]{4}-[0-9]{6,}")


def find_quote(number, customer_id):
    """The customer's quote of that number, or None: also None when the
    agreement has since left the customer's account (the quote names it)."""
    number = number.strip().upper()
    # Whatever a URL holds never reaches the database (PostgreSQL refuses NUL).
    if not NUMBER.fullmatch(number):
        return None
    return (PayoffQuote.select().join(Agreement)
            .where(PayoffQuote.number == number,
                   PayoffQuote.customer == customer_id,
                   Agreement.customer == customer_id)
            .first())


def quote_lines(quote):
    """[(label, amount)] in the current locale, in the order of the quote."""
    labels = {
        "principal": lambda: _("Outstanding principal"),
        "interest": lambda: ngettext("Interest for %(num)s day", "Interest for %(num)s days",
                                     quote.interest_days),
        "remaining_payments": lambda: _("Remaining payments (%(num)s)",
                                        num=quote.remaining_payments),
        "residual": lambda: _("Residual value"),
        "fee": lambda: _("Payoff fee"),
        "credit": lambda: _("Early termination credit"),
    }
    return [(labels[what](), Decimal(amount)) for what, amount in json.loads(quote.lines)]


def quote_basis(quote):
    """What the amount counts on, in the current locale, said the same way on
    the page and in the PDF. One rule per kind (domain.payoff): a loan's
    amount is the balance after the last payment with interest on all of it
    up to the payoff date, so it counts on no payment in between; a lease's
    counts the payments falling due after the payoff date, those before it
    being owed as planned."""
    if any(what == "interest" for what, _amount in json.loads(quote.lines)):
        last_payment = quote.payoff_date - timedelta(days=quote.interest_days)
        return _("This amount is the balance after your last payment, on %(date)s, with "
                 "interest on all of it up to the payoff date: it counts on no other payment "
                 "before then. A payment made in between lowers what you owe; ask for a new "
                 "quote after it.", date=format_day(last_payment, "long"))
    return _("This amount counts the payments falling due after the early termination date. "
             "Those falling due until then are still owed as planned and are not in it.")


# --- PDF ----------------------------------------------------------------------

# Bitstream Vera, shipped inside the reportlab package: the PDF never
# depends on the fonts of the machine. It covers Latin-1 and €.
FONT_DIR = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
FONT, FONT_BOLD = "KeyfobVera", "KeyfobVeraBold"

# Babel writes "1 234,56 $" with narrow (U+202F) or thin (U+2009) no-break
# spaces, which Vera lacks; a plain no-break space looks the same.
SPACES = str.maketrans({"\u202f": "\u00a0", "\u2009": "\u00a0"})


def _register_fonts():
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, os.path.join(FONT_DIR, "Vera.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, os.path.join(FONT_DIR, "VeraBd.ttf")))


def _text(value):
    """Safe for reportlab's Paragraph markup, in the font's characters."""
    return escape(str(value).translate(SPACES))


def render_pdf(quote, agreement, market, locale):
    """The quote as a one-page PDF (bytes), in `locale`, with the same
    wording as the page."""
    _register_fonts()
    normal = ParagraphStyle("normal", fontName=FONT, fontSize=10, leading=14)
    small = ParagraphStyle("small", parent=normal, fontSize=9, leading=12)
    brand = ParagraphStyle("brand", parent=normal, fontName=FONT_BOLD, fontSize=12,
                           textColor=colors.HexColor(market.brand_color))
    bold = ParagraphStyle("bold", parent=normal, fontName=FONT_BOLD)
    amount_style = ParagraphStyle("amount", parent=normal, alignment=2)       # right-aligned
    total_style = ParagraphStyle("total", parent=amount_style, fontName=FONT_BOLD)
    title = ParagraphStyle("title", parent=normal, fontName=FONT_BOLD, fontSize=18, leading=24,
                           spaceBefore=6, spaceAfter=10)

    def money(amount):
        return _text(format_currency(amount, quote.currency))

    with force_locale(locale):
        lease = agreement.kind == "lease"      # ended early, not paid off (as on the page)
        heading = (_("Early termination quote %(number)s", number=quote.number) if lease
                   else _("Payoff quote %(number)s", number=quote.number))
        details = [
            (_("Contract"), agreement.contract_number),
            (_("Vehicle"), agreement.vehicle_model),
            (_("Early termination date") if lease else _("Payoff date"),
             format_day(quote.payoff_date, "long")),
        ]
        rows = [[Paragraph(_text(label), normal), Paragraph(money(amount), amount_style)]
                for label, amount in quote_lines(quote)]
        rows.append([Paragraph(_text(_("Total to pay")), bold),
                     Paragraph(money(quote.total), total_style)])
        valid = _("Valid until %(date)s.", date=format_day(quote.payoff_date, "long"))
        note = quote_basis(quote)
        support = _("Questions? Call us at %(phone)s.", phone=market.format_support_phone())

    buffer = BytesIO()
    # North America prints on Letter, everyone else on A4.
    pagesize = LETTER if market.country in ("US", "CA") else A4
    document = SimpleDocTemplate(buffer, pagesize=pagesize, title=heading.translate(SPACES),
                                 author=market.brand, leftMargin=25 * mm, rightMargin=25 * mm,
                                 topMargin=20 * mm, bottomMargin=20 * mm,
                                 initialFontName=FONT)     # else Helvetica, not embedded
    width = document.width - 12      # the frame's padding: 6 points each side

    table = Table(rows, colWidths=[width * 0.7, width * 0.3], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("LINEBELOW", (0, 0), (-1, -2), 0.5, colors.HexColor("#b1b4b6")),
        ("LINEABOVE", (0, -1), (-1, -1), 1.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]))
    detail_table = Table([[Paragraph(_text(label), bold), Paragraph(_text(value), normal)]
                          for label, value in details], colWidths=[width * 0.3, width * 0.7],
                         hAlign="LEFT")
    detail_table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT),
                                      ("LEFTPADDING", (0, 0), (-1, -1), 0)]))

    document.build([
        Paragraph(_text(market.brand), brand),
        Paragraph(_text(heading), title),
        detail_table,
        Spacer(1, 8 * mm),
        table,
        Spacer(1, 8 * mm),
        Paragraph(_text(valid), bold),
        Spacer(1, 2 * mm),
        Paragraph(_text(note), normal),
        Spacer(1, 4 * mm),
        Paragraph(_text(support), small),
    ])
    return buffer.getvalue()
