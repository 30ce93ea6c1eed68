"""The table of language variants (domain.languages) is derived from the
markets: a market that adds a locale adds its variant, and its language,
everywhere the variants are listed (the sites, the text editor, the
translate commands). `flask translate init VARIANT` starts a new variant's
catalogue in layers."""
import os
import shutil

from babel.messages.pofile import read_po

from domain import languages
from domain.markets import SITES
from support.staff import staff_signed_in

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SWITZERLAND = """
[markets.ch]
country = "CH"
brand = "MINI Finance"
locales = ["de_CH", "it_CH"]
currency = "CHF"
timezone = "Europe/Zurich"
titles = ["mr", "ms"]
link_method = "contract_code"
message_retention_years = 10
contract_number_pattern = "[0-9]{8}"
contract_number_example = "40012345"
business_customers_can_link = true
support_phone = "+41445550142"
support_email = "service@minifinance.example.ch"
brand_color = "#1a1a1a"
"""


def markets_with_switzerland(tmp_path):
    with open(os.path.join(ROOT, "config", "markets.toml"), encoding="utf-8") as f:
        path = tmp_path / "markets.toml"
        path.write_text(f.read() + SWITZERLAND, encoding="utf-8")
    return str(path)


def test_the_variants_are_the_markets_locales_and_their_languages(app):
    served = {site.locale for site in SITES.values()}
    assert served | {languages.language_of(locale) for locale in served} == set(languages.VARIANTS)
    assert languages.VARIANTS["fr_CA"].parent == "fr" and languages.VARIANTS["fr"].parent is None
    assert "fr-ca" in languages.VARIANTS["fr"].sites
    # A language comes before its regional variants (the editor's order).
    order = list(languages.VARIANTS)
    assert all(order.index(v.language) <= order.index(code) for code, v in languages.VARIANTS.items())


def test_a_market_with_a_new_language_adds_its_variants_everywhere(tmp_path, custom_app):
    app = custom_app(MARKETS_FILE=markets_with_switzerland(tmp_path))
    assert {"de_CH", "it", "it_CH"} <= set(languages.VARIANTS)
    assert languages.VARIANTS["it_CH"].parent == "it"
    assert "de-ch" in languages.VARIANTS["de"].sites
    client = app.test_client()
    assert client.get("/it-ch/login").status_code == 200
    staff_signed_in(client, role="marketer")
    editor = client.get("/staff/texts?variant=it_CH")
    assert editor.status_code == 200 and '<option value="it_CH" selected>' in editor.get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["translate", "export", "--variant", "it_CH",
                                                "--directory", str(tmp_path / "nowhere")])
    assert "no messages.pot" in result.output      # the variant itself was accepted


def pot_in(tmp_path):
    directory = tmp_path / "catalogues"
    directory.mkdir()
    shutil.copy(os.path.join(ROOT, "translations", "messages.pot"), directory / "messages.pot")
    return str(directory)


def catalogue(directory, layer):
    with open(os.path.join(directory, layer, "LC_MESSAGES", "messages.po"), "rb") as f:
        return read_po(f)


def test_translate_init_starts_a_language_and_its_regional_variant(runner, tmp_path):
    directory = pot_in(tmp_path)
    result = runner.invoke(args=["translate", "init", "it_CH", "--directory", directory])
    assert result.exit_code == 0, result.output
    assert "it/LC_MESSAGES/messages.po: translate every text" in result.output
    assert "it_CH/LC_MESSAGES/messages.po: translate only what it_CH says differently from it" \
        in result.output
    assert "add it_CH to a market's locales" in result.output
    with open(os.path.join(directory, "messages.pot"), "rb") as f:
        source = {message.id for message in read_po(f) if message.id}
    for layer in ("it", "it_CH"):
        po = catalogue(directory, layer)
        assert str(po.locale) == layer
        assert {message.id for message in po if message.id} == source
        assert not any(form for message in po if message.id
                       for form in (message.string if isinstance(message.string, tuple)
                                    else [message.string]))

    again = runner.invoke(args=["translate", "init", "it_CH", "--directory", directory])
    assert again.exit_code == 1 and "it_CH has a catalogue already" in again.output
    # The language is there now: a second regional variant adds only itself.
    result = runner.invoke(args=["translate", "init", "it_IT", "--directory", directory])
    assert result.exit_code == 0 and "it/LC_MESSAGES" not in result.output


def test_translate_init_of_english_lies_over_the_source(runner, tmp_path):
    directory = pot_in(tmp_path)
    result = runner.invoke(args=["translate", "init", "en_GB", "--directory", directory])
    assert result.exit_code == 0, result.output
    assert "differently from the English source" in result.output
    assert sorted(os.listdir(directory)) == ["en_GB", "messages.pot"]
    source = runner.invoke(args=["translate", "init", "en", "--directory", directory])
    assert source.exit_code == 1 and "English is the source language" in source.output


def test_translate_init_refuses_what_is_no_locale(runner, tmp_path):
    directory = pot_in(tmp_path)
    result = runner.invoke(args=["translate", "init", "klingon", "--directory", directory])
    assert result.exit_code == 1 and "not a locale Babel knows" in result.output
    assert os.listdir(directory) == ["messages.pot"]
