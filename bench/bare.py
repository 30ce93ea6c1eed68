"""The reference for bench/run.py: a bare Flask app that returns a short
string, run under the same gunicorn settings as the portal."""
from flask import Flask


def create_app():
    app = Flask(__name__)

    @app.route("/")
    def index():
        return "Hello, World!"

    return app
