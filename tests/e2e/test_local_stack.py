"""End to end: `intake local` as a separate process, driven over HTTP with a real presigned POST.

No AWS account, no Docker, no ~/.aws: the stack runs with a scrubbed environment and an empty HOME. The
applicant signs in as one of the demo accounts the state file lists and sends the ID token on every call.
"""

from __future__ import annotations

import re
import signal
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from intake_tools.local.auth import sign_in
from tests.e2e.stack import Stack, port_is_open, process_exists, running_stack
from tests.photos import good_photo_jpeg
from tests.support import wait_for
from tests.unit.imagegen import ID_BLUE, portrait

pytestmark = pytest.mark.e2e

APPLICANT = {"name": "测试用户", "phone": "13800138000"}
PROGRAM = "equiv-degree-2023"
MATERIAL = "id_photo"
# The ED degree photo must be exactly 390x567 px, at most 200 KB, on a blue background.
WRONG_SIZE_PHOTO = portrait(400, 600, background=ID_BLUE, quality=85)
GOOD_PHOTO = good_photo_jpeg("ed")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("local-stack")) as running:
        cognito = running.state["cognito"]
        applicant = next(account for account in cognito["demo_accounts"] if account["role"] == "applicant")
        running.token = sign_in(running.state["aws_endpoint"], cognito["region"], cognito["client_id"],
                                applicant["email"], applicant["password"])
        yield running


def create_application(stack: Stack) -> str:
    response = requests.post(
        f"{stack.api}/applications",
        json={"program_id": PROGRAM, "applicant": APPLICANT},
        headers=stack.auth,
        timeout=30,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "draft"
    return body["id"]


def upload(stack: Stack, application_id: str, photo: bytes) -> str:
    response = requests.post(
        f"{stack.api}/applications/{application_id}/materials/{MATERIAL}/upload-url",
        json={},
        headers=stack.auth,
        timeout=30,
    )
    assert response.status_code in (200, 201), response.text
    ticket = response.json()
    assert ticket["url"] and ticket["fields"] and ticket["upload_id"]
    # The browser's part: a multipart POST of the signed fields and the file, straight to S3.
    stored = requests.post(
        ticket["url"],
        data=ticket["fields"],
        files={"file": ("photo.jpg", photo, ticket.get("content_type", "image/jpeg"))},
        timeout=30,
    )
    assert stored.status_code in (200, 201, 204), stored.text
    return ticket["upload_id"]


def checked_material(stack: Stack, application_id: str, upload_id: str) -> dict[str, Any]:
    def settled() -> dict[str, Any] | None:
        response = requests.get(f"{stack.api}/applications/{application_id}", headers=stack.auth, timeout=30)
        assert response.status_code == 200, response.text
        material = next(m for m in response.json()["materials"] if m["id"] == MATERIAL)
        latest = material.get("latest") or {}
        if latest.get("upload_id") == upload_id and material["state"] not in ("checking", "missing"):
            return material
        return None

    return wait_for(settled, 30, f"the check of upload {upload_id}")


def test_a_protected_route_without_a_token_answers_401(stack):
    response = requests.post(
        f"{stack.api}/applications", json={"program_id": PROGRAM, "applicant": APPLICANT}, timeout=30
    )
    assert response.status_code == 401, response.text
    assert response.json() == {"message": "Unauthorized"}
    # The demo accounts are on the console too, for a person to sign in with.
    first = stack.state["cognito"]["demo_accounts"][0]
    wait_for(lambda: first["password"] in stack.log.read_text(encoding="utf-8"), 10, "the demo accounts banner")


def test_an_upload_is_checked_and_its_findings_reach_the_applicant(stack):
    application_id = create_application(stack)

    # Given a photo of the wrong size, when it is uploaded through the presigned POST,
    first = upload(stack, application_id, WRONG_SIZE_PHOTO)
    material = checked_material(stack, application_id, first)
    # then the material fails with a reason the applicant can read in Chinese and in English.
    assert material["state"] == "failed", stack.output()
    finding = next((f for f in material["latest"]["findings"] if f["code"] == "image.dimensions_mismatch"), None)
    assert finding is not None, material["latest"]["findings"]
    assert re.search(r"[\u4e00-\u9fff]", finding["message"]) and re.search(r"[A-Za-z]{3,}", finding["message"])

    # When a photo that meets the spec replaces it, the material passes.
    assert len(GOOD_PHOTO) <= 200 * 1024
    second = upload(stack, application_id, GOOD_PHOTO)
    material = checked_material(stack, application_id, second)
    assert material["state"] == "passed", (material, stack.output())


def test_ctrl_c_stops_every_part_of_the_stack(stack):
    workers = [function["pid"] for function in stack.state["functions"].values() if function["pid"]]
    assert workers and port_is_open(stack.state["aws_endpoint"]) and port_is_open(stack.api)

    stack.process.send_signal(signal.SIGINT)
    try:
        code = stack.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`intake local` did not stop within 10 s of SIGINT:\n{stack.output()}")
    assert code == 0, stack.output()
    assert not port_is_open(stack.state["aws_endpoint"]), "moto still listens"
    assert not port_is_open(stack.api), "the API still listens"
    assert not stack.state_file.exists(), "the state file outlived the stack"
    for pid in workers:
        wait_for(lambda pid=pid: not process_exists(pid), 5, f"worker {pid} to end with the stack")
