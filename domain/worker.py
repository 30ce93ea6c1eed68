"""One round of the outbox worker: `flask outbox send [--loop]` in
production, right after each POST in development. First the requests a
page only recorded, so that it answers in the same time whatever they
lead to (a password reset: domain.accounts.answer_reset_requests), and the
data exports too big to build during a request (domain.data_export), then
the email and text messages that are due (domain.outbox), theirs with them."""
from domain import accounts, data_export, outbox


def run_once():
    """Returns (sent, failed) of the outbox."""
    accounts.answer_reset_requests()
    data_export.build_queued()
    return outbox.send_pending()
