"""Every text message of every variant fits one GSM-7 segment, rendered
with the longest values it can carry (issue 17 item 8)."""
import glob
import os
import re

import pytest
from flask import render_template
from flask_babel import force_locale

from domain import sms
from domain.markets import SITES, load_markets

load_markets("config/markets.toml")      # the variants, from the one table of markets

# The code template's branches (domain.codes purposes); a new SMS template
# must be added here, which test_every_sms_template_is_checked enforces.
SMS_CASES = {"code": [dict(purpose=purpose) for purpose in ("link", "phone", "device")]}


def test_every_sms_template_is_checked():
    names = {os.path.basename(path)[:-4] for path in glob.glob("templates/sms/*.txt")}
    assert names == set(SMS_CASES)


@pytest.mark.parametrize("code", sorted(SITES))
def test_every_sms_fits_one_gsm7_segment(app, code):
    site = SITES[code]
    # The brand as the variant names it, a code, and minutes of two digits.
    longest = dict(brand=site.market.brand, code="999999", minutes=99)
    for template, cases in SMS_CASES.items():
        for case in cases:
            with app.test_request_context(f"/{code}/"), force_locale(site.locale):
                text = sms.for_gsm(render_template(f"sms/{template}.txt", **longest, **case).strip())
            assert sms.septets(text) is not None, (code, case, [c for c in text if sms.septets(c) is None])
            assert sms.fits_one_segment(text), (code, case, sms.septets(text), text)
            assert re.search(r"\b999999\b", text)


def test_the_check_can_fail():
    assert sms.septets("même") is None
    assert not sms.fits_one_segment("a" * 161)
    assert sms.fits_one_segment("a" * 160)
    assert sms.septets("€") == 2
    assert sms.for_gsm("code\u00a0: 1") == "code : 1"
