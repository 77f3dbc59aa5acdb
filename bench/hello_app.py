"""The hello-world Flask app of DESIGN.md's throughput bar (same gunicorn settings)."""

from flask import Flask

app = Flask(__name__)


@app.get("/healthz")
def healthz() -> str:
    return "ok"


@app.get("/")
def hello() -> str:
    return "Hello, World!"
