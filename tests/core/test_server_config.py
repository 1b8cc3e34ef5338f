"""The app's server defaults stay safe: localhost only, XSRF on, small uploads, no tracebacks in the browser."""

import tomllib
from pathlib import Path

CONFIG = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())


def test_listens_on_localhost_only():
    assert CONFIG["server"]["address"] in ("localhost", "127.0.0.1")


def test_xsrf_protection_on_and_uploads_small():
    assert CONFIG["server"]["enableXsrfProtection"] is True
    assert CONFIG["server"]["maxUploadSize"] <= 50


def test_error_details_hidden_from_the_browser():
    assert CONFIG["client"]["showErrorDetails"] == "none"
