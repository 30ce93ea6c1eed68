"""Every uploaded file is shown to ClamAV's daemon (clamd) before anything
is stored: customers' attachments, agents' answers and documents, the
operator's document import.

Settings: VIRUS_SCAN "required" (the default: a file that could not be
checked is refused, with "try again later") or "off" (files are taken
unchecked: development without a daemon; `make run` sets it);
CLAMD_SOCKET, a unix socket path ("/run/clamav/clamd.ctl") or "host:port";
CLAMD_TIMEOUT, seconds for each step of the exchange (below gunicorn's
worker timeout, so a hung daemon costs a refusal, not a killed worker).

The exchange is clamd's INSTREAM command, written here rather than taken
from a client library (README, "Dependencies"): "zINSTREAM\\0", then the
file in chunks each after its length as 4 bytes big-endian, then a zero
length; clamd answers "stream: OK\\0" or "stream: <signature> FOUND\\0"
(anything else, e.g. "INSTREAM size limit exceeded. ERROR", means the file
was not checked)."""
import re
import socket
import struct

from flask import current_app

from domain.security_log import log_event

MODES = ("required", "off")
CHUNK = 64 * 1024
ANSWER_MAX = 4096


class Unavailable(Exception):
    """clamd gave no verdict (down, too slow, an error): nothing is known
    about the file."""


class Infected(Exception):
    def __init__(self, signature):
        super().__init__(signature)
        self.signature = signature


def check_config(config):
    """At start-up: a mistyped mode must not quietly turn scanning off."""
    if config["VIRUS_SCAN"] not in MODES:
        raise ValueError(f"VIRUS_SCAN must be one of {', '.join(MODES)}, "
                         f"not {config['VIRUS_SCAN']!r}")


def connect(address, timeout):
    if address.startswith("/"):
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(timeout)
        try:
            conn.connect(address)
        except BaseException:
            conn.close()
            raise
        return conn
    host, _, port = address.rpartition(":")
    return socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)


def instream(data, address, timeout):
    """The name of the signature clamd finds in `data`, or None when it
    finds none; raises Unavailable when there is no verdict."""
    try:
        with connect(address, timeout) as conn:
            conn.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start:start + CHUNK]
                conn.sendall(struct.pack("!L", len(chunk)) + chunk)
            conn.sendall(struct.pack("!L", 0))
            answer = b""
            while not answer.endswith(b"\0") and len(answer) < ANSWER_MAX:
                part = conn.recv(ANSWER_MAX)
                if not part:
                    break
                answer += part
    except (OSError, ValueError) as error:
        raise Unavailable(f"clamd at {address}: {error.__class__.__name__}: {error}") from None
    text = answer.rstrip(b"\0").decode("utf-8", "replace").strip()
    if text == "stream: OK":
        return None
    found = re.fullmatch(r"stream: (.+) FOUND", text)
    if found:
        return found.group(1)
    raise Unavailable(f"clamd at {address} answered {text[:200]!r}")


def check(data, what, customer=None, staff=None):
    """Raise Infected (written to the security log as "upload_infected",
    with the signature and what the file was for: no name, no content) or
    Unavailable; return when the file is clean or scanning is off.
    `customer`, `staff`: who sent it."""
    config = current_app.config
    if config["VIRUS_SCAN"] == "off":
        return
    try:
        signature = instream(data, config["CLAMD_SOCKET"], config["CLAMD_TIMEOUT"])
    except Unavailable as error:
        current_app.logger.warning("virus scan unavailable, upload refused: %s", error)
        raise
    if signature is not None:
        # Signature names are ClamAV's ("Win.Test.EICAR_HDB-1"): printable, short.
        shown = "".join(ch for ch in signature if ch.isprintable())[:150]
        log_event("upload_infected", customer, f"{what}: {shown}", staff=staff)
        raise Infected(shown)
