"""The emails and text messages the app wrote to its outbox directories
(the `outbox` and `sms` fixtures give them for the test's app)."""
import email
import email.policy
import glob
import os
import re


class Outbox:
    """The emails the app wrote to MAIL_OUTBOX_DIR, oldest first."""

    def __init__(self, directory):
        self.directory = directory

    def messages(self, to=None):
        found = []
        for path in sorted(glob.glob(os.path.join(self.directory, "*.eml"))):
            with open(path, "rb") as f:
                message = email.message_from_bytes(f.read(), policy=email.policy.default)
            if to is None or message["To"].lower() == to.lower():
                found.append(message)
        return found

    def last(self, to=None):
        messages = self.messages(to)
        assert messages, f"no email to {to}"
        return messages[-1]

    @staticmethod
    def text(message):
        return message.get_body(("plain",)).get_content()

    @staticmethod
    def html(message):
        return message.get_body(("html",)).get_content()

    def link(self, message, path_part):
        match = re.search(r"https?://[^/\s]+(/\S*" + re.escape(path_part) + r"\S*)", self.text(message))
        assert match, f"no link with {path_part} in:\n{self.text(message)}"
        return match.group(1)


class SmsOutbox:
    """The text messages the app wrote to SMS_OUTBOX_DIR, oldest first:
    (number, text) pairs."""

    def __init__(self, directory):
        self.directory = directory

    def messages(self, to=None):
        found = []
        for path in sorted(glob.glob(os.path.join(self.directory, "*.txt"))):
            with open(path, encoding="utf-8") as f:
                number, _, text = f.read().partition("\n")
            if to is None or number == to:
                found.append((number, text.strip()))
        return found

    def last_code(self, to=None):
        messages = self.messages(to)
        assert messages, f"no SMS to {to}"
        return re.search(r"\b(\d{6})\b", messages[-1][1]).group(1)
