"""How a customer is addressed, as their market does (config/markets.toml
`formal_address`): Austria and France greet with title and last name
(«Sehr geehrte Frau Gruber,», «Bonjour Madame Martin,»), never a first name
beside Sie or vous; North America greets by first name. A whole salutation
is one translatable string per title, since words agree with it
(«Sehr geehrter Herr» / «Sehr geehrte Frau»), and French writes Monsieur
and Madame in full when it addresses someone."""
from flask_babel import gettext as _

# Evaluated when called (inside the recipient's locale), not at import.
SALUTATIONS = {
    "mr": lambda last_name: _("Dear Mr. %(last_name)s,", last_name=last_name),
    "ms": lambda last_name: _("Dear Ms. %(last_name)s,", last_name=last_name),
}
ADDRESSES = {
    "mr": lambda last_name: _("Mr. %(last_name)s", last_name=last_name),
    "ms": lambda last_name: _("Ms. %(last_name)s", last_name=last_name),
}


def salutation(customer, market):
    """The first line of an email: "Hello Ana," or "Dear Ms. Silva,"."""
    if not market.formal_address:
        return _("Hello %(name)s,", name=customer.first_name)
    if customer.title in SALUTATIONS:
        return SALUTATIONS[customer.title](customer.last_name)
    return _("Dear %(first_name)s %(last_name)s,", first_name=customer.first_name,
             last_name=customer.last_name)


def addressee(customer, market):
    """The customer as a page names them: "Ms. Silva" where the market is
    formal, else "Ana Silva"."""
    if market.formal_address and customer.title in ADDRESSES:
        return ADDRESSES[customer.title](customer.last_name)
    return f"{customer.first_name} {customer.last_name}"
