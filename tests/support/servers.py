"""The app served over HTTP in processes of its own (gunicorn), as in
production, and a visitor that keeps its cookies and sees redirects."""
import http.cookiejar
import re
import socket
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def stop_process(process, timeout):
    """End a server the tests started: SIGTERM, and SIGKILL if it has not
    exited within `timeout` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A visitor with its own cookies, speaking HTTP to the server."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base_url + path, body, timeout=30) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as answer:     # 3xx and errors, not followed
            return answer.code, answer.headers, answer.read().decode()

    def token(self, path):
        _status, _headers, page = self.request(path)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
