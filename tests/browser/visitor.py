"""A browser context as a visitor of tests/pages.py: the steps that lead to
a page (signing in, sending a code, a form) go through the context's own
request API, which shares the browser's cookies; the states behind them
(a customer, an agreement, a staff member) are written into the server's
database (conftest.Server)."""
import re


class BrowserVisitor:
    """A browser context as a visitor of tests/pages.py."""

    def __init__(self, context, server):
        self.request = context.request
        self.server = server
        self.outbox_dir = str(server.outbox_dir)
        self.sms_dir = str(server.sms_dir)

    def get(self, url):
        return self.request.get(url)

    def page_text(self, url):
        return self.request.get(url).text()

    def agreement(self, market):
        # Kept: pages of an agreement need its id in their URL.
        self.last_agreement = self.server.make_agreement(market)
        return self.last_agreement

    def customer(self, lang, linked=False):
        """A new active customer in the server's database (pages.make_customer);
        their address. Kept: the customer, and with `linked` their agreement."""
        self.last_customer, agreement = self.server.make_customer(lang, linked=linked)
        if agreement is not None:
            self.last_agreement = agreement
        return self.last_customer.email

    def device_authorized(self):
        self.server.authorize_device(self.last_customer.id)

    def ready_export(self):
        """A data export ready for the last customer; its link's token."""
        return self.server.make_ready_export(self.last_customer.id)

    def staff(self, role, enrolled=True):
        """A new staff member in the server's database: (email, password,
        TOTP secret, "" when their app is not set up yet)."""
        return self.server.make_staff(role, enrolled=enrolled)

    def staff_reply(self, thread_id, text):
        self.server.staff_reply(thread_id, text)

    def form(self, url, data):
        page = self.request.get(url).text()
        token = re.search(r'name="csrf_token" value="([^"]*)"', page)
        return self.request.post(url, form=dict(data, csrf_token=token.group(1) if token else ""))
