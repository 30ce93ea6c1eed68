"""Each market's address rules (config/markets.toml [markets.<key>.address],
domain.addresses): a mistake in the file stops the start with its reason."""
import pytest

from domain.addresses import address_rules
from domain.markets import MARKETS

REGIONS = {"en_CA": {"ON": "Ontario", "QC": "Quebec"}, "fr_CA": {"ON": "Ontario", "QC": "Québec"}}
CANADA = {"fields": ["street", "city", "region", "postal_code"], "written": "{city} {region}  {postal_code}",
          "postal_code": "[A-Z][0-9][A-Z] ?[0-9][A-Z][0-9]", "postal_code_example": "K1A 0B1",
          "region_name": "province", "regions": REGIONS}


@pytest.mark.parametrize("change, reason", [
    ({"fields": ["street", "city"]}, "must name street, city, postal_code"),
    ({"fields": ["street", "city", "city", "postal_code"]}, "each once"),
    ({"fields": ["street", "city", "county", "postal_code"]}, "must name street"),
    ({"regions": {}}, "lists its regions"),
    ({"region_name": "county"}, "lists its regions"),
    ({"postal_code_name": "postcode"}, "postal_code_name"),
    ({"postal_code_example": "12345"}, "example does not match"),
    ({"regions": {**REGIONS, "fr_CA": {"ON": "Ontario"}}}, "same regions"),
])
def test_a_wrong_address_table_names_its_mistake(change, reason):
    with pytest.raises(ValueError, match=reason):
        address_rules("ca", {**CANADA, **change})


def test_the_postal_code_is_written_as_the_post_writes_it(app):
    canada, us, austria = MARKETS["ca"].address, MARKETS["us"].address, MARKETS["at"].address
    assert canada.normalize_postal_code(" h2x  1y4 ") == "H2X 1Y4"
    assert canada.normalize_postal_code("h2x1y4") == "H2X 1Y4"
    assert canada.normalize_postal_code("W2X 1Y4") is None       # no W first
    assert us.normalize_postal_code("62701-1234") == "62701-1234"
    assert us.normalize_postal_code("627011234") is None
    assert austria.normalize_postal_code("0100") is None
    assert us.second_line("Springfield", "IL", "62701") == "Springfield, IL 62701"
    assert austria.second_line("Wien", "", "1010") == "1010 Wien"


def test_every_market_lists_its_regions_in_each_language_it_serves(app):
    for market in MARKETS.values():
        rules = market.address
        if rules.has_regions:
            assert set(rules.regions) == set(market.locales), market.key
        else:
            assert rules.regions == {}, market.key
