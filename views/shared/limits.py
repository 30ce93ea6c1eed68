"""Rate limits as views count them (domain.ratelimit holds the counters):
each limit's size comes from the configuration."""
from flask import current_app, request
from flask_login import current_user

from domain import ratelimit
from domain.accounts import email_key


def client_address():
    """Who per-client limits count: the client's IPv4 address or IPv6 /64
    (domain.ratelimit.client_key). Behind a proxy, TRUSTED_PROXIES makes
    remote_addr the client's address (app.py)."""
    return ratelimit.client_key(request.remote_addr)


def rate_limited(name, subject, config_key):
    """Count one hit; returns the Verdict. The limit comes from config."""
    count, seconds = current_app.config[config_key]
    return ratelimit.hit(ratelimit.Limit(name, count, seconds), subject)


def email_rate_limits(address):
    """Count a request that sends an email, per address and per client;
    every limit is counted, even when the first already refuses."""
    return [rate_limited("email-address", email_key(address), "RATE_LIMIT_EMAIL_PER_ADDRESS"),
            rate_limited("email-client", client_address(), "RATE_LIMIT_EMAIL_PER_CLIENT")]


def message_limit():
    """Count one message the signed-in customer sends to customer care (a
    new message, an answer, a service request: MESSAGES_PER_CUSTOMER counts
    them together); the Verdict."""
    return rate_limited("customer-messages", current_user.id, "MESSAGES_PER_CUSTOMER")
