"""What the tests share besides fixtures (those are in tests/conftest.py):

    apps          make_app(): an app of its own settings on a fresh database
    customers     accounts through the real pages: register, activate, login,
                  signed_in_with (a customer with linked agreements), authorize
                  (a Canadian device), and make_customer (a row, no pages)
    staff         staff members and their sign-in with a TOTP code
    agreements    agreements and their payments, made in the database
    threads       a customer's message thread, as customer care's queue shows it
    help_articles help-center articles in three languages
    outboxes      the emails and text messages the app wrote (Outbox, SmsOutbox)
    reading       what a page says: errors, heading, text_of, tr, shown,
                  page_without_csrf
    queries       counted_queries(): the SQL run meanwhile
    parallel      the same request several times at once
    uploads       small real files (PDF, PNG, JPEG), clean or carrying EICAR
    servers       the app in gunicorn processes, and a cookie-keeping HTTP visitor

Test modules import from here, never from conftest or from each other."""
