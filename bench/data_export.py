"""How long "Download my data" takes to build (domain.data_export.build_archive)
for a customer with many rows, in process, on a throwaway SQLite database:
what DATA_EXPORT_QUEUE_ABOVE (app.py) is chosen from. Each size is a customer
with one agreement and that many rows, split between messages (a third of
them with a file), payments and security events.

    .venv/bin/python bench/data_export.py                 # 1,000, 5,000 and 20,000 rows
    .venv/bin/python bench/data_export.py --rows 500,5000
"""
import argparse
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from domain import data_export  # noqa: E402
from domain.clock import utcnow  # noqa: E402
from domain.db import upgrade  # noqa: E402
from domain.markets import SITES  # noqa: E402
from models import (Agreement, Attachment, Customer, Message, Payment, SecurityEvent,  # noqa: E402
                    Thread)


def make_customer(rows):
    """A Canadian customer with `rows` rows of messages, payments and events."""
    now = utcnow()
    customer = Customer.create(market="ca", locale="en_CA", email=f"bench-{rows}@example.com",
                               email_key=f"bench-{rows}@example.com", first_name="Ana",
                               last_name="Silva", password_hash="x", status="active")
    agreement = Agreement.create(
        market="ca", contract_number=f"B{rows}", kind="loan", vehicle_model="MINI Cooper",
        vin="WMWXU1C50K2F00000", holder_first_name="Ana", holder_last_name="Silva",
        holder_birth_date=now.date(), customer_number="C1", start_date=now.date(), term_months=60,
        rate=4, monthly_payment=500, balance=20000, customer=customer, linked_at=now)
    thread = Thread.create(customer=customer, market="ca", agreement=agreement, topic="payments")
    third = rows // 3
    for index in range(third):
        message = Message.create(thread=thread, author="customer" if index % 2 else "staff",
                                 body=f"Message {index}: when is my next payment taken?")
        if index % 3 == 0:
            Attachment.create(message=message, stored_name=f"{rows}-{index}.pdf",
                              original_name="statement.pdf", content_type="application/pdf",
                              size=1000)
    Payment.insert_many([dict(agreement=agreement.id, reference=f"R{index}",
                              paid_on=now.date() - timedelta(days=index), amount=500)
                         for index in range(third)]).execute()
    SecurityEvent.insert_many([dict(kind="login", customer=customer.id, created_at=now)
                               for _ in range(rows - 2 * third)]).execute()
    return customer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="1000,5000,20000")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="keyfob-export-"))
    try:
        app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'bench.db'}", "SECRET_KEY": "bench",
                          "OUTBOX_SEND_AFTER_REQUEST": False},
                         instance_path=str(folder / "instance"))
        with app.app_context():
            upgrade()
        print(f"{'rows':>7} {'counted':>8} {'seconds':>8} {'zip bytes':>10}")
        for rows in (int(value) for value in args.rows.split(",")):
            with app.test_request_context("/en-ca/"):
                customer = make_customer(rows)
                counted = data_export.size_of(customer.id)
                start = time.perf_counter()
                archive = data_export.build_archive(customer.id, SITES["en-ca"])
                seconds = time.perf_counter() - start
            print(f"{rows:>7,} {counted:>8,} {seconds:>8.2f} {len(archive):>10,}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
