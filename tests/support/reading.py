"""What a page says, read from a response: its field errors, heading and
text, and the texts of the catalogues as a page in a given language shows
them."""
import html as html_module
import re

from flask_babel import force_locale, gettext, ngettext

from views.shared.sites import current_locale


def errors(response):
    """The field errors shown on a page, as text."""
    html = response.get_data(as_text=True)
    # Without the hidden "Error:" prefix (in the page's language) and markup.
    return [html_module.unescape(re.sub(r'<span class="vh">.*?</span>|<[^>]+>', "", e)).strip()
            for e in re.findall(r'<p class="error"[^>]*>(.*?)</p>', html)]


def error_at(response, field_id):
    """The error shown at one field, as text."""
    page = response.get_data(as_text=True)
    match = re.search(rf'<p class="error" id="{field_id}-error">(.*?)</p>', page, re.S)
    assert match, f"no error at {field_id}"
    return html_module.unescape(re.sub(r'<span class="vh">.*?</span>|<[^>]+>', "", match.group(1))).strip()


def heading(response):
    match = re.search(r"<h1[^>]*>(.*?)</h1>", response.get_data(as_text=True), re.S)
    return match.group(1).strip() if match else None


def text_of(response):
    """The page's text without markup, its white space collapsed."""
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def page_without_csrf(response_or_html):
    """A page's HTML without its CSRF token values: a token is signed with
    the second it was made, so two answers compared as pages must leave
    them out (a busy machine puts two requests in different seconds)."""
    html = response_or_html if isinstance(response_or_html, str) else response_or_html.get_data(as_text=True)
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', html)


def tr(client, locale, message, **values):
    """`message` as the page shows it in `locale`."""
    with client.application.test_request_context(), force_locale(locale):
        return gettext(message, **values)


def ntr(client, locale, singular, plural, num):
    with client.application.test_request_context(), force_locale(locale):
        return ngettext(singular, plural, num)


def shown(client, message, **values):
    """`message` as the back office shows it to this client (staff pages
    are in the language of the site cookie or the browser); a (singular,
    plural) pair takes its number from values["num"]."""
    with client.application.test_request_context(), force_locale(page_locale(client)):
        if isinstance(message, tuple):
            return ngettext(*message, values.pop("num"), **values)
        return gettext(message, **values)


def page_locale(client):
    with client.application.test_request_context():
        return current_locale()
