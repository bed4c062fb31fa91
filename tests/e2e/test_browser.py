"""The pages in a real browser: Debian's Chromium driven by Playwright against `intake local`.

One journey through both pages, as the people who use them would go: an applicant signs up on a phone, fills
the profile, uploads a photo the browser refuses, one the server refuses and one that passes, and submits; a
reviewer asks for a new photo; the applicant reads the note and uploads again; the reviewer approves; the
applicant sees 审核通过. Each page is photographed at phone and desktop widths into test-artifacts/screens/
(or $INTAKE_ARTIFACTS/screens), and a page that throws a JavaScript error fails the test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.stack import REPO, Stack, running_stack
from tests.photos import good_photo_jpeg
from tests.unit.imagegen import ID_BLUE, portrait
from tests.unit.test_rules_cg_ed_sc import APPLICANT as ED_PROFILE

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("INTAKE_ARTIFACTS") or REPO / "test-artifacts") / "screens"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
PROGRAM = "equiv-degree-2023"
# The degree photo: exactly 390x567 px, blue background, at most 200 KB (ED-MAT-1).
TOO_BIG_PHOTO = portrait(400, 600, background=ID_BLUE, quality=85)        # the browser refuses it
WHITE_BACKGROUND_PHOTO = portrait(390, 567, quality=85)                      # the server refuses it
GOOD_PHOTO = good_photo_jpeg("ed")
STEP = 15_000  # ms: the longest a page may take to show what a step is waiting for


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("browser-stack")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Debian's chromium is missing: ./dev test installs it (apt-get install chromium)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            # No sandbox as root; no background traffic to hosts this machine cannot reach.
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield chromium
        chromium.close()


class Person:
    """One browser context (own storage), its page, and the JavaScript errors it raised."""

    def __init__(self, browser: Any, url: str, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
        self.context.set_default_timeout(STEP)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(url)

    def shoot(self, name: str) -> None:
        """Screenshots at phone and desktop widths; at phone width nothing may stick out sideways."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page, before = self.page, self.page.viewport_size
        for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            page.wait_for_timeout(150)
            page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)
            if label == "phone":
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 1, f"{name}: the page is {overflow} px wider than a 360-px phone"
        page.set_viewport_size(before)
        assert not self.errors, f"JavaScript errors on {name}: {self.errors}"

    def sign_in(self, email: str, password: str) -> None:
        page = self.page
        page.fill("#signin-email", email)
        page.fill("#signin-password", password)
        page.click("#signin-submit")


def material(page: Any, material_id: str) -> Any:
    return page.locator(f'[data-material="{material_id}"]')


def upload(page: Any, material_id: str, name: str, data: bytes) -> None:
    material(page, material_id).locator('input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": "image/jpeg", "buffer": data}])


def wait_for_state(page: Any, material_id: str, state: str) -> None:
    material(page, material_id).locator(f'[data-state="{state}"]').wait_for(timeout=60_000)


def fill_profile(page: Any, profile: dict[str, str]) -> None:
    form = page.locator("#profile-form")
    for name, value in profile.items():
        field = form.locator(f'[name="{name}"]')
        if field.count() == 0:
            continue  # a field the form hides for this applicant
        tag = field.first.evaluate("el => el.tagName")
        if tag == "SELECT":
            field.first.select_option(value)
        else:
            field.first.fill(value)


def test_an_application_goes_from_sign_up_to_approval_in_the_browser(stack, browser):
    site = stack.api + "/"
    reviewer = stack.account("reviewer")
    email = "wang.fang@example.com"
    profile = {**ED_PROFILE, "email": email, "username": email, "real_name": "王芳"}

    # --- the applicant, on a phone: sign up, confirm, sign in -------------------------------------------
    applicant = Person(browser, site, PHONE)
    page = applicant.page
    page.wait_for_selector("#signin-email")
    applicant.shoot("01-sign-in")
    page.click('a[href="#/signup"]')
    page.fill("#signup-email", email)
    page.fill("#signup-password", "secret123")
    page.fill("#signup-name", "王芳")
    page.fill("#signup-phone", "13912345678")
    applicant.shoot("02-sign-up")
    page.click("#signup-submit")
    page.wait_for_selector("#confirm-code")
    page.fill("#confirm-code", "123456")  # the local pool does not send e-mail; any code confirms
    page.click("#confirm-submit")
    page.wait_for_selector("#signin-email")
    applicant.sign_in(email, "secret123")

    # --- create the application and fill the profile ----------------------------------------------------
    page.wait_for_selector("#new-program")
    page.select_option("#new-program", PROGRAM)
    page.fill("#new-name", "王芳")
    page.fill("#new-phone", "13912345678")
    applicant.shoot("03-my-applications")
    page.click("#new-submit")
    page.wait_for_selector("#profile-form")
    fill_profile(page, {**profile, "postcode": "1000"})  # one wrong answer first
    page.click("#profile-save")
    page.wait_for_selector('#profile-form [name="postcode"][aria-invalid="true"]')  # the form is drawn again
    applicant.shoot("04-profile-with-a-field-message")
    page.fill('#profile-form [name="postcode"]', profile["postcode"])
    page.click("#profile-save")
    page.wait_for_selector('#profile-form [name="postcode"]:not([aria-invalid="true"])')

    # --- uploads: the browser refuses a wrong size, the server a white background, then a good one ------
    upload(page, "id_photo", "big.jpg", TOO_BIG_PHOTO)
    expect_text(page, '[data-material="id_photo"]', "390")  # names the required pixel size before uploading
    upload(page, "id_photo", "white.jpg", WHITE_BACKGROUND_PHOTO)
    wait_for_state(page, "id_photo", "failed")
    codes = material(page, "id_photo").locator("[data-code]").evaluate_all("els => els.map(e => e.dataset.code)")
    assert "photo.background_colour" in codes, codes
    applicant.shoot("05-a-finding-from-the-server")
    upload(page, "id_photo", "photo.jpg", GOOD_PHOTO)
    wait_for_state(page, "id_photo", "passed")
    page.click("#submit-application")
    page.wait_for_selector('#status[data-status="pending_review"]')
    expect_text(page, "#status", "待审核")
    application_id = page.url.rsplit("/", 1)[-1]
    applicant.shoot("06-submitted")

    # --- the reviewer, at a desk: asks for a new photo ----------------------------------------------------
    staff = Person(browser, stack.api + "/staff", DESKTOP)
    desk = staff.page
    desk.wait_for_selector("#signin-email")
    staff.shoot("07-console-sign-in")
    staff.sign_in(reviewer["email"], reviewer["password"])
    desk.select_option("#program", PROGRAM)
    row = desk.locator(f'[data-application="{application_id}"]')
    row.wait_for()
    staff.shoot("08-queue")
    row.click()
    desk.locator('[data-material="id_photo"] img').wait_for()
    desk.locator('[data-material="id_photo"] svg.overlay').wait_for(state="attached")
    staff.shoot("09-application")
    desk.click("#decision-supplement")
    note = "请上传近期正面免冠照片 / upload a recent frontal photo"
    desk.fill('[name="note-id_photo"]', note)
    desk.click("#decision-confirm")
    expect_text(desk, "body", "需补充材料")

    # --- the applicant reads the note and uploads again ---------------------------------------------------
    page.reload()
    page.wait_for_selector('#status[data-status="supplement_required"]')
    expect_text(page, '[data-material="id_photo"] .supplement-note', "正面免冠")
    applicant.shoot("10-supplement-requested")
    upload(page, "id_photo", "photo-again.jpg", GOOD_PHOTO)
    wait_for_state(page, "id_photo", "passed")
    page.click("#submit-application")
    page.wait_for_selector('#status[data-status="pending_review"]')

    # --- the reviewer approves from the keyboard alone; the applicant sees 审核通过 ---------------------------
    desk.reload()
    desk.select_option("#program", PROGRAM)
    desk.locator(f'[data-application="{application_id}"]').wait_for()
    desk.evaluate("document.activeElement.blur()")
    desk.keyboard.press("j")          # the first application in the queue
    desk.keyboard.press("Enter")      # open it
    desk.wait_for_selector("#decision-approve")
    desk.evaluate("document.activeElement.blur()")
    desk.keyboard.press("a")          # approve…
    desk.wait_for_selector("#decision-confirm")
    assert desk.evaluate("document.activeElement.id") == "decision-confirm"
    desk.keyboard.press("Enter")      # …and confirm
    expect_text(desk, "body", "审核通过")
    page.reload()
    page.wait_for_selector('#status[data-status="approved"]')
    expect_text(page, "#status", "审核通过")
    applicant.shoot("11-approved")

    # --- the applicant's texts reach the local SMS outbox --------------------------------------------------
    desk.click("#admin")
    desk.locator("#sms-outbox").wait_for()
    desk.wait_for_function("document.querySelector('#sms-outbox').textContent.includes('审核通过')",
                           timeout=30_000)
    staff.shoot("12-admin")
    assert not applicant.errors and not staff.errors


def expect_text(page: Any, selector: str, text: str) -> None:
    page.wait_for_function(
        "([selector, text]) => [...document.querySelectorAll(selector)].some(el => el.textContent.includes(text))",
        arg=[selector, text])


def test_the_site_speaks_english_on_request_and_keeps_what_was_typed_when_the_network_fails(stack, browser):
    person = Person(browser, stack.api + "/", PHONE)
    page = person.page
    page.wait_for_selector("#signin-email")
    page.click("#lang-toggle")
    assert re.search(r"Sign in", page.inner_text("body"))
    page.fill("#signin-email", "someone@example.com")
    page.fill("#signin-password", "secret123")
    page.context.set_offline(True)
    page.click("#signin-submit")
    page.locator("#messages [role=alert]").wait_for()
    assert page.input_value("#signin-email") == "someone@example.com"
    page.context.set_offline(False)
    person.shoot("13-offline-message-in-english")
