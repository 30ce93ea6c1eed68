"""Each variant names the brand as its market does (issue 17 item 1): the
Canadian French pages, e-mails and texts say «Services financiers MINI»,
never "MINI Financial Services", and emails come from the brand."""
import email.utils

from domain.clock import utcnow
from domain.markets import MARKETS, SITES
from models import Customer
from support.agreements import make_agreement
from support.apps import markets_file
from support.customers import login, register, registered

FRENCH_BRAND = "Services financiers MINI"
ENGLISH_BRAND = "MINI Financial Services"


def test_each_canadian_variant_has_its_brand(app):
    assert SITES["fr-ca"].market.brand == FRENCH_BRAND
    assert SITES["en-ca"].market.brand == ENGLISH_BRAND
    assert MARKETS["ca"].brand == ENGLISH_BRAND
    assert SITES["fr-ca"].market.key == SITES["en-ca"].market.key == "ca"


def test_canadian_french_pages_never_show_the_english_brand(client, outbox, db):
    for url in ("/fr-ca/", "/fr-ca/login", "/fr-ca/register", "/fr-ca/forgot-password", "/fr-ca/help"):
        page = client.get(url).get_data(as_text=True)
        assert ENGLISH_BRAND not in page, url
        assert FRENCH_BRAND in page, url
    assert ENGLISH_BRAND in client.get("/en-ca/login").get_data(as_text=True)


def test_canadian_french_e_mails_and_texts_come_from_the_french_brand(client, outbox, sms, db):
    registered(client, outbox, lang="fr-ca", email="chloe@example.ca")
    customer = Customer.get()
    agreement = make_agreement("ca", customer=customer, linked_at=utcnow())
    login(client, lang="fr-ca", email="chloe@example.ca")
    client.post("/fr-ca/device", data={"destination": f"sms-{agreement.id}"})
    client.post("/fr-ca/forgot-password", data={"email": "chloe@example.ca"})
    mails = outbox.messages("chloe@example.ca")
    assert len(mails) >= 2
    for mail in mails:
        name, address = email.utils.parseaddr(mail["From"])
        assert name == FRENCH_BRAND, mail["From"]
        assert address == "no-reply@keyfob.example"
        text = mail["Subject"] + outbox.text(mail) + outbox.html(mail)
        assert ENGLISH_BRAND not in text and FRENCH_BRAND in text
    (_number, text), = sms.messages()
    assert text.startswith(FRENCH_BRAND) and ENGLISH_BRAND not in text


def test_english_e_mails_come_from_the_english_brand(client, outbox, db):
    register(client, lang="en-ca")
    assert email.utils.parseaddr(outbox.last()["From"])[0] == ENGLISH_BRAND


def test_a_brand_for_a_locale_the_market_does_not_serve_stops_the_start(custom_app, tmp_path):
    import pytest
    path = markets_file(tmp_path, 'fr_CA = "Services financiers MINI"',
                        'fr_CA = "Services financiers MINI"\nde_AT = "MINI Finanz"')
    with pytest.raises(ValueError, match="brand_by_locale"):
        custom_app(MARKETS_FILE=path)


def test_every_brand_colour_reads_on_the_pages_backgrounds(app):
    """The crawl runs axe once per page and language, not per market colour:
    the colour's contrast is this rule's, checked when the markets load."""
    from domain.markets import BRAND_BACKGROUNDS, contrast_ratio
    assert round(contrast_ratio("#000000", "#ffffff"), 2) == 21.0
    assert round(contrast_ratio("#767676", "#ffffff"), 2) == 4.54      # WCAG's lightest grey on white
    for market in MARKETS.values():
        for background in BRAND_BACKGROUNDS:
            assert contrast_ratio(market.brand_color, background) >= 4.5, market.key


def test_a_brand_colour_too_light_to_read_stops_the_start(custom_app, tmp_path):
    import pytest
    path = markets_file(tmp_path, 'brand_color = "#0653b6"', 'brand_color = "#6fa8ff"')
    with pytest.raises(ValueError, match="contrast"):
        custom_app(MARKETS_FILE=path)
