"""The pages are served by the API function itself: HTML, CSS and JavaScript with no build step, a strict
content security policy, and /config.json telling them where to sign in."""

from __future__ import annotations

import json
import re

import pytest

from intake_api.routes.pages import WEB
from tests.integration.lambdas import api_response, reset_handler_caches

PAGES = {"/": "applicant", "/staff": "staff"}


@pytest.fixture(autouse=True)
def _fresh(aws):
    reset_handler_caches()


def headers(response):
    sent = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    sent |= {k.lower(): v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()}
    return sent


@pytest.mark.parametrize("path", PAGES)
def test_each_page_and_everything_it_loads_is_served_without_signing_in(path):
    response = api_response("GET", path, caller=None)
    assert response["statusCode"] == 200
    sent = headers(response)
    assert sent["content-type"].startswith("text/html")
    assert "script-src 'self'" in sent["content-security-policy"]  # no inline script can run
    html = response["body"]
    assert f"assets/{PAGES[path]}.js" in html
    assets = re.findall(r'(?:src|href)="assets/([^"]+)"', html)
    assert assets
    for name in [*assets, "common.js"]:
        served = api_response("GET", f"/assets/{name}", caller=None)
        assert served["statusCode"] == 200, name
        assert served["body"] == (WEB / name).read_text(encoding="utf-8")
    # relative links only: the same page works under the stage path (/v1/) and at the local root
    assert not re.search(r'(?:src|href)="/', html)


@pytest.mark.parametrize("name", ["handler.py", "..%2Fhandler.py", "missing.js", "Common.js"])
def test_only_the_page_files_are_served(name):
    response = api_response("GET", f"/assets/{name}", caller=None)
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["error"]["code"] == "asset.not_found"


def test_config_names_the_pool_the_client_and_the_regional_endpoint(monkeypatch):
    monkeypatch.setenv("USER_POOL_ID", "cn-north-1_abc")
    monkeypatch.setenv("USER_POOL_CLIENT_ID", "client123")
    monkeypatch.setenv("AWS_REGION", "cn-north-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    config = json.loads(api_response("GET", "/config.json", caller=None)["body"])
    assert config == {"region": "cn-north-1", "user_pool_id": "cn-north-1_abc", "client_id": "client123",
                      "cognito_endpoint": "https://cognito-idp.cn-north-1.amazonaws.com.cn/", "local": False}
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    config = json.loads(api_response("GET", "/config.json", caller=None)["body"])
    assert config["cognito_endpoint"] == "http://127.0.0.1:5000" and config["local"] is True
