"""The agents' forms: the queue's filters (a GET form: a wrong value
shows the default instead, there is nothing to correct), an answer with
files (the same checks as the customers'), and assigning a thread."""
from flask_babel import get_locale, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, SelectField
from wtforms.validators import StopValidation

from domain.markets import MARKETS, MESSAGE_TOPICS, SERVICE_REQUESTS
from domain.queue import ANYONE, ME, UNASSIGNED, Filters
from forms.messages import TOPIC_LABELS, WithFiles, body_field, files_field
from forms.service import REQUEST_LABELS

EVERY = ""      # the value of "all markets", "all topics"


def market_label(market):
    """The market as an agent reads it: its country in the agent's
    language, and its brand (a country may have several)."""
    country = get_locale().territories.get(market.country, market.country)
    return _l("%(country)s (%(brand)s)", country=country, brand=market.brand)


def topic_choices():
    return ([(topic, TOPIC_LABELS[topic]) for topic in MESSAGE_TOPICS]
            + [(request, REQUEST_LABELS[request]) for request in SERVICE_REQUESTS])


class QueueFilterForm(Form):
    market = SelectField(_l("Market"), validate_choice=False, default=EVERY)
    topic = SelectField(_l("Topic"), validate_choice=False, default=EVERY)
    status = SelectField(_l("Status"), validate_choice=False, default="open")
    assignee = SelectField(_l("Assigned to"), validate_choice=False, default=ANYONE)

    def __init__(self, formdata, team):
        super().__init__(formdata)
        self.market.choices = ([(EVERY, _l("All markets"))]
                               + [(key, market_label(market)) for key, market in MARKETS.items()])
        self.topic.choices = [(EVERY, _l("All topics"))] + topic_choices()
        self.status.choices = [("open", _l("Open")), ("closed", _l("Closed"))]
        self.assignee.choices = ([(ANYONE, _l("Anyone")), (ME, _l("Me")),
                                  (UNASSIGNED, _l("Nobody yet"))]
                                 + [(str(member.id), member.name) for member in team])
        for field in self:
            if field.data not in dict(field.choices):
                field.data = field.default

    def filters(self):
        return Filters(market=self.market.data or None, topic=self.topic.data or None,
                       status=self.status.data, assignee=self.assignee.data)

    def args(self):
        """The filters as query arguments, for the pager's links."""
        return {field.name: field.data for field in self if field.data != field.default}


class AgentReplyForm(WithFiles, FlaskForm):
    body = body_field(_l("Your answer"))
    attachments = files_field()


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assign to someone else"), validate_choice=False)

    def __init__(self, team, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignee.choices = [(str(member.id), member.name) for member in team]

    def validate_assignee(self, field):
        if field.data not in dict(field.choices):
            raise StopValidation(_l("Choose who takes this conversation."))
