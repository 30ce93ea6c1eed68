"""One round of the outbox worker: `flask outbox send [--loop]` in
production, right after each POST in development. First the requests a
page only recorded, so that it answers in the same time whatever they
lead to (a password reset: domain.accounts.answer_reset_requests), then
the email and text messages that are due (domain.outbox)."""
from domain import accounts, outbox


def run_once():
    """Returns (sent, failed) of the outbox."""
    accounts.answer_reset_requests()
    return outbox.send_pending()
