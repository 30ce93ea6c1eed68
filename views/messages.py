"""The customer's message center (domain.messages): inbox, compose with
attachments, a thread and its answer."""
from flask import Blueprint

bp = Blueprint("messages", __name__, url_prefix="/<lang>/messages")
