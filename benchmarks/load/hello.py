"""The baseline: a bare Flask hello, served by the same gunicorn as the app, in the same run."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
