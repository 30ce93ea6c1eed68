"""`flask agreements import`: good rows load, bad rows are reported with
their line and not loaded, a second run changes nothing."""
from datetime import date
from decimal import Decimal

import pytest

from domain.vin import with_check_digit
from models import Agreement, Payment

HEADER = ("market,contract_number,kind,business,vehicle_model,vin,title,first_name,last_name,"
          "birth_date,customer_number,phone,email,start_date,term_months,rate,monthly_payment,"
          "residual_value,balance")
CA_VIN = with_check_digit("WMWXR3100RT000001")


def row(**changes):
    values = dict(market="ca", contract_number="50000001", kind="loan", business="no",
                  vehicle_model="MINI Cooper SE", vin=CA_VIN, title="ms", first_name="Hélène",
                  last_name="Tremblay", birth_date="1985-03-27", customer_number="C0000001",
                  phone="613 555 0142", email="helene@example.com", start_date="2024-01-15",
                  term_months="48", rate="4.99", monthly_payment="412.35", residual_value="",
                  balance="12000.00")
    values.update(changes)
    return ",".join(values[c] for c in HEADER.split(","))


def write(tmp_path, name, *lines, header=HEADER):
    path = tmp_path / name
    path.write_text("\n".join((header,) + lines) + "\n", encoding="utf-8")
    return str(path)


def run(runner, *args):
    return runner.invoke(args=["agreements", "import", *args])


def test_good_rows_load_with_their_values(runner, db, tmp_path):
    path = write(tmp_path, "a.csv",
                 row(),
                 row(market="fr", contract_number="S0123456789", kind="lease", vin="WBA11AA0X0C000001",
                     title="", first_name="Lucas", last_name="Martin", phone="06 12 34 56 42",
                     customer_number="c-77", residual_value="9800.00", business="yes"))
    result = run(runner, path)
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 unchanged" in result.output
    loan = Agreement.get(Agreement.contract_number == "50000001")
    assert (loan.phone, loan.rate, loan.monthly_payment, loan.holder_birth_date) == (
        "+16135550142", Decimal("4.9900"), Decimal("412.35"), date(1985, 3, 27))
    assert loan.residual_value is None and loan.business is False
    lease = Agreement.get(Agreement.contract_number == "S0123456789")
    assert (lease.phone, lease.customer_number, lease.business, lease.residual_value) == (
        "+33612345642", "C-77", True, Decimal("9800.00"))


@pytest.mark.parametrize("changes, problem", [
    (dict(market="xx"), "market must be one of"),
    (dict(kind="rental"), "kind must be lease or loan"),
    (dict(business="maybe"), "business must be yes or no"),
    (dict(vin="WMWXR3100RT00000"), "vin is not a valid VIN"),
    (dict(vin="WMWXR3I00RT000001"), "vin is not a valid VIN"),
    (dict(vin=CA_VIN[:8] + ("1" if CA_VIN[8] != "1" else "2") + CA_VIN[9:]),
     "vin is not a valid VIN (17 characters, no I, O or Q, right check digit)"),
    (dict(title="dr"), "title must be empty or one of"),
    (dict(first_name=" "), "first_name is empty"),
    (dict(last_name="x" * 101), "last_name is longer than 100"),
    (dict(birth_date="27/03/1985"), "birth_date must be a date like"),
    (dict(birth_date="2999-01-01"), "birth_date is not a plausible"),
    (dict(phone="12"), "phone is not"),
    (dict(email="not an address"), "email is not an email address"),
    (dict(start_date="2024-02-30"), "start_date must be a date"),
    (dict(term_months="forty"), "term_months must be a whole number"),
    (dict(term_months="0"), "term_months must be between 1 and 120"),
    (dict(rate="abc"), "rate must be an amount"),
    (dict(rate="101"), "rate is a yearly percentage"),
    (dict(monthly_payment="412.355"), "monthly_payment has more than 2 decimal places"),
    (dict(monthly_payment="-1"), "monthly_payment must be an amount"),
    (dict(monthly_payment="NaN"), "monthly_payment must be an amount"),
    (dict(residual_value="100.00"), "residual_value is for leases only"),
    (dict(kind="lease"), "residual_value is empty"),
    (dict(market="fr", contract_number="123", vin="WBA11AA0X0C000001", title="",
          phone="0612345642"), "contract_number '123' is not a contract number of market fr"),
])
def test_each_bad_row_is_reported_with_its_line_and_not_loaded(runner, db, tmp_path, changes, problem):
    path = write(tmp_path, "a.csv", row(contract_number="50000009"), row(**changes))
    result = run(runner, path)
    assert result.exit_code == 1
    assert f"a.csv:3: {problem}" in result.output
    assert "1 created" in result.output and "1 bad rows" in result.output
    assert [a.contract_number for a in Agreement.select()] == ["50000009"]


def test_a_contract_number_twice_in_one_file_loads_neither(runner, db, tmp_path):
    path = write(tmp_path, "a.csv", row(), row(balance="1.00"))
    result = run(runner, path)
    assert "a.csv:2: the same contract number is on lines 2, 3" in result.output
    assert "a.csv:3: the same contract number is on lines 2, 3" in result.output
    assert Agreement.select().count() == 0


def test_missing_columns_and_ragged_rows(runner, db, tmp_path):
    result = run(runner, write(tmp_path, "a.csv", "ca,1", header="market,contract_number"))
    assert result.exit_code == 1
    assert "a.csv:1: missing columns: kind, business" in result.output
    result = run(runner, write(tmp_path, "b.csv", row() + ",extra", row(contract_number="50000002")[:20]))
    assert "b.csv:2: the row has a different number of columns" in result.output
    assert "b.csv:3: the row has a different number of columns" in result.output
    assert Agreement.select().count() == 0


def test_a_file_that_is_not_text_is_refused_plainly(runner, db, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"\xff\xfe\x00binary")
    result = run(runner, str(path))
    assert result.exit_code == 1
    assert "the files must be UTF-8 text" in result.output
    assert "Traceback" not in result.output


def test_second_run_changes_nothing_and_a_changed_row_updates(runner, db, tmp_path):
    agreements = write(tmp_path, "a.csv", row(), row(contract_number="50000002", vin=with_check_digit(
        "WMWXR3100RT000002")), row(kind="bad", contract_number="50000003"))
    payments = write(tmp_path, "p.csv", "ca,50000001,P-1,2026-09-01,412.35",
                     "ca,50000001,P-2,2026-10-01,412.35", "ca,59999999,P-3,2026-10-01,1.00",
                     header="market,contract_number,reference,paid_on,amount")
    first = run(runner, agreements, "--payments", payments)
    assert "2 created, 0 updated, 0 unchanged; payments: 2 created, 0 unchanged; 2 bad rows" \
        in first.output
    assert "p.csv:4: no agreement 59999999 in market ca" in first.output
    before = [(a.id, a.updated_at) for a in Agreement.select().order_by(Agreement.id)]

    second = run(runner, agreements, "--payments", payments)
    assert "0 created, 0 updated, 2 unchanged; payments: 0 created, 2 unchanged" in second.output
    assert [(a.id, a.updated_at) for a in Agreement.select().order_by(Agreement.id)] == before
    assert Payment.select().count() == 2

    changed = write(tmp_path, "c.csv", row(balance="11587.65"))
    third = run(runner, changed)
    assert third.exit_code == 0
    assert "0 created, 1 updated, 0 unchanged" in third.output
    assert Agreement.get(Agreement.contract_number == "50000001").balance == Decimal("11587.65")


def test_a_payment_imported_again_with_another_amount_is_reported(runner, db, tmp_path):
    agreements = write(tmp_path, "a.csv", row())
    header = "market,contract_number,reference,paid_on,amount"
    run(runner, agreements, "--payments", write(tmp_path, "p.csv", "ca,50000001,P-1,2026-09-01,412.35",
                                                 header=header))
    result = run(runner, agreements, "--payments",
                 write(tmp_path, "q.csv", "ca,50000001,P-1,2026-09-01,400.00", header=header))
    assert "q.csv:2: payment P-1 was imported before with another date or amount" in result.output
    assert Payment.get().amount == Decimal("412.35")
