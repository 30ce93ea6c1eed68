"""The payoff date of a quote, as three boxes like the date of birth."""
import re
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import StopValidation

from domain.i18n import format_day
from forms.fields import date_example, strip


class PayoffDateForm(FlaskForm):
    # Its one error is shown on payoff_day (the summary links there).
    payoff_day = StringField(_l("Day"), filters=[strip])
    payoff_month = StringField(_l("Month"), filters=[strip])
    payoff_year = StringField(_l("Year"), filters=[strip])

    def __init__(self, first, last, date_fields=("day", "month", "year"), *args, **kwargs):
        """`first` and `last`: the range of dates allowed (today where the
        market is, and 30 days later); `date_fields`: the market's order of
        the boxes."""
        super().__init__(*args, **kwargs)
        self.first, self.last, self.date_fields = first, last, date_fields
        self.payoff_date = None

    def example(self):
        """A date in the range, written the way the boxes are filled."""
        sample = min(self.first + timedelta(days=7), self.last)
        return date_example(sample.day, sample.month, sample.year, self.date_fields)

    def validate_payoff_day(self, field):
        parts = (self.payoff_day.data, self.payoff_month.data, self.payoff_year.data)
        if not any(parts):
            raise StopValidation(_l("Enter the date on which you want to end the agreement."))
        try:
            if not all(re.fullmatch(r"[0-9]{1,2}", p or "") for p in parts[:2]) \
                    or not re.fullmatch(r"[0-9]{4}", parts[2] or ""):
                raise ValueError
            day, month, year = (int(p) for p in parts)
            chosen = date(year, month, day)
        except ValueError:
            raise StopValidation(_l("Enter a real date, for example %(example)s.",
                                    example=self.example())) from None
        if chosen < self.first:
            raise StopValidation(_l("The date cannot be in the past. Enter today's date or a later one."))
        if chosen > self.last:
            raise StopValidation(_l("Choose a date within 30 days, by %(date)s at the latest.",
                                    date=format_day(self.last, "long")))
        self.payoff_date = chosen
