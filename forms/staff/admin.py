"""Forms of the admins' pages: adding a member, a member's role, finding a
customer, and the security log's filter (a GET form: it has no CSRF
token, and its values stay in the address, which holds only ids, a kind
and dates)."""
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import StopValidation

from domain import admin
from domain.ids import parse_id
from domain.markets import MARKETS
from domain.roles import ROLES
from domain.staff import NAME_MAX
from forms.fields import EmailAddress, PlainText, Required, strip

ROLE_CHOICES = [(name, role.label) for name, role in ROLES.items()]


def role_field(label):
    return RadioField(label, choices=ROLE_CHOICES, validate_choice=False)


def check_role(form, field):
    if field.data not in ROLES:
        raise StopValidation(_l("Choose a role."))


class AddMemberForm(FlaskForm):
    email = StringField(_l("Email address"), filters=[strip], validators=[
        Required(_l("Enter the member's email address.")), EmailAddress()])
    name = StringField(_l("Name"), filters=[strip], validators=[
        Required(_l("Enter the member's name.")),
        PlainText(_l("The name must be %(max)s characters or fewer.", max=NAME_MAX), NAME_MAX)])
    role = role_field(_l("Role"))

    def validate_role(self, field):
        check_role(self, field)


class RoleForm(FlaskForm):
    role = role_field(_l("Role"))

    def validate_role(self, field):
        check_role(self, field)


def market_choices():
    """The markets by their country's name in the page's language."""
    territories = get_locale().territories
    return sorted(((key, territories.get(market.country, market.country))
                   for key, market in MARKETS.items()), key=lambda choice: choice[1])


class CustomerSearchForm(FlaskForm):
    market = RadioField(_l("Market of the account"), choices=[], validate_choice=False)
    email = StringField(_l("The customer's email address"), filters=[strip], validators=[
        Required(_l("Enter the customer's email address.")), EmailAddress()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.market.choices = market_choices()

    def validate_market(self, field):
        if field.data not in MARKETS:
            raise StopValidation(_l("Choose the market of the customer's account."))


class LogFilterForm(FlaskForm):
    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), choices=[("", _l("All kinds"))] + [(k, k) for k in admin.KINDS],
                       validate_choice=False)
    customer = StringField(_l("Customer id"), filters=[strip])
    staff = StringField(_l("Staff id"), filters=[strip])
    date_from = StringField(_l("From (UTC)"), filters=[strip])
    date_to = StringField(_l("To (UTC)"), filters=[strip])

    def validate_kind(self, field):
        if field.data and field.data not in admin.KINDS:
            raise StopValidation(_l("Choose a kind from the list."))

    def validate_customer(self, field):
        if field.data and parse_id(field.data) is None:
            raise StopValidation(_l("Enter a customer id of digits only, like 42."))

    def validate_staff(self, field):
        if field.data and parse_id(field.data) is None:
            raise StopValidation(_l("Enter a staff id of digits only, like 7."))

    def validate_date_from(self, field):
        if field.data and admin.parse_day(field.data) is None:
            raise StopValidation(_l("Enter a real date, like 2026-11-02."))

    def validate_date_to(self, field):
        if field.data and admin.parse_day(field.data) is None:
            raise StopValidation(_l("Enter a real date, like 2026-11-02."))
        start = admin.parse_day(self.date_from.data)
        if start and field.data and admin.parse_day(field.data) < start:
            raise StopValidation(_l("The end date must be the same as the start date or after it."))

    def log_filter(self):
        """The filter these (valid) values ask for."""
        return admin.LogFilter(kind=self.kind.data or "",
                               customer_id=parse_id(self.customer.data),
                               staff_id=parse_id(self.staff.data),
                               date_from=admin.parse_day(self.date_from.data),
                               date_to=admin.parse_day(self.date_to.data))

    def values(self):
        """The filter's values to carry in the page links."""
        return {name: self[name].data for name in ("kind", "customer", "staff", "date_from",
                                                     "date_to") if self[name].data}
