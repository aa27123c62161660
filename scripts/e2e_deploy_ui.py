"""The browser half of ``make e2e-deploy``: the Sinch connection forms in Airflow's real UI.

Debian's Chromium, headless, driven by Playwright for Python (``executable_path`` points at the
system browser: Playwright never downloads one here). Logged in as the deployment's admin, it
opens *Admin > Connections*, adds one connection of each Sinch type through the *Add Connection*
form, saves it, presses the row's *Test Connection* button and waits for Airflow's success
message, which quotes what the hook did (a token obtained, carriers or registrations listed).
Each filled form (its *Standard Fields* and *Extra Fields* panels), the list after the test and
the test's message are saved as PNGs in ``screenshots``.

A missing Chromium or Playwright fails the run: this test never skips.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airflow_provider_sinch.emulator.core import (
    DEFAULT_CAMPAIGN_SECRET_KEY,
    DEFAULT_KEY_ID,
    DEFAULT_KEY_SECRET,
    DEFAULT_PROJECT_ID,
)

CHROMIUM = "/usr/bin/chromium"
#: Chromium's flags for a headless run as root in a container with no network but loopback.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_OAUTH_URL = "https://auth.sinch.com/oauth2/token"


@dataclass
class Form:
    """One connection as a user fills the *Add Connection* form."""

    conn_id: str
    type_label: str
    #: Standard fields: label (as relabelled by the provider) -> value typed.
    standard: dict[str, str]
    #: Extra fields: extra key -> value typed; the others keep the form's defaults.
    extra: dict[str, str] = field(default_factory=dict)
    #: A part of the *Test* success message that proves the hook reached the emulator.
    tested: str = ""


def forms(emulator_url: str) -> list[Form]:
    port = emulator_url.rsplit(":", 1)[1]
    key_pair = {
        "API base URL": emulator_url,
        "Access key id": DEFAULT_KEY_ID,
        "Key secret": DEFAULT_KEY_SECRET,
        "API port": port,
    }
    oauth = {"project_id": DEFAULT_PROJECT_ID, "oauth_url": f"{emulator_url}/oauth2/token"}
    return [
        Form(
            "ui_sinch_campaign",
            "Sinch Campaign API",
            {"API base URL": emulator_url, "Secret key": DEFAULT_CAMPAIGN_SECRET_KEY, "API port": port},
            {"login_url": f"{emulator_url}/api/login"},
            tested="Obtained an access token",
        ),
        Form(
            "ui_sinch_short_code",
            "Sinch US Short Code Campaigns",
            key_pair,
            oauth,
            tested=f"carriers for project {DEFAULT_PROJECT_ID}",
        ),
        Form(
            "ui_sinch_10dlc",
            "Sinch 10DLC Campaign Registration",
            key_pair,
            oauth,
            tested=f"campaign registrations of project {DEFAULT_PROJECT_ID}",
        ),
    ]


def _fail(message: str) -> None:
    raise AssertionError(f"UI: {message}")


def run(
    api_url: str,
    username: str,
    password: str,
    emulator_url: str,
    screenshots: Path,
    log: Callable[[str], None] = print,
) -> None:
    """Add, save and test one connection of each Sinch type in the UI; AssertionError on failure."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        _fail(f"Chromium is not installed ({CHROMIUM}): `apt-get install chromium`")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError as err:  # pragma: no cover - the test extra installs it
        raise AssertionError(f"UI: Playwright is not installed ({err}): pip install -e '.[test]'") from err

    screenshots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            page.set_default_timeout(30_000)
            _log_in(page, api_url, username, password)
            log("ok: UI: logged in through the SimpleAuthManager login page")
            page.get_by_role("button", name="Admin").click()
            page.get_by_role("menuitem", name="Connections").click()
            page.wait_for_url("**/connections")
            for form in forms(emulator_url):
                try:
                    _add_and_test(page, form, screenshots, expect, log)
                except Exception:
                    page.screenshot(path=str(screenshots / f"{form.conn_id}-error.png"))
                    log(f"UI: {form.conn_id} failed; the page is in {screenshots}/{form.conn_id}-error.png")
                    raise
        finally:
            browser.close()


def _log_in(page: Any, api_url: str, username: str, password: str) -> None:
    page.goto(f"{api_url}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{api_url}/")


def _extra_field(dialog: Any, key: str) -> Any:
    # Airflow 3.3 renders each extra field as an input named element_<extra key>; its <label>
    # points at another id, so the label cannot find it.
    return dialog.locator(f'[name="element_{key}"]')


def _add_and_test(page: Any, form: Form, screenshots: Path, expect: Any, log: Callable[[str], None]) -> None:
    page.get_by_role("button", name="Add Connection").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Connection ID").fill(form.conn_id)
    connection_type = dialog.get_by_role("combobox")
    connection_type.click()
    connection_type.fill(form.type_label)
    page.get_by_role("option", name=form.type_label, exact=True).click()
    for label, value in form.standard.items():
        dialog.get_by_label(label).fill(value)
    dialog.screenshot(path=str(screenshots / f"{form.conn_id}-form-standard.png"))
    # One panel open at a time: opening "Extra Fields" folds "Standard Fields" (kept as typed).
    dialog.get_by_role("button", name="Extra Fields", exact=True).click()
    if "oauth_url" in form.extra:
        # The masking bug: Airflow showed the old key's default as *** and saved "***".
        shown = _extra_field(dialog, "oauth_url").input_value()
        if shown != DEFAULT_OAUTH_URL:
            _fail(f"{form.conn_id}: the OAuth2 token URL field shows {shown!r}, not the default")
        log(f"ok: UI: {form.conn_id}: the OAuth2 token URL field shows its default, unmasked")
    for key, value in form.extra.items():
        _extra_field(dialog, key).fill(value)
    dialog.screenshot(path=str(screenshots / f"{form.conn_id}-form-extra.png"))
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    row = page.get_by_role("row").filter(has=page.get_by_text(form.conn_id, exact=True))
    expect(row).to_have_count(1)
    log(f"ok: UI: {form.conn_id} ({form.type_label}) saved from the form")

    # Earlier messages may still show: wait for this test's own, whose text names what the hook did
    # (a failure stops the run, so a "Failed" message can only be this one's).
    toasts = page.locator("[data-scope=toast][data-part=root]")
    row.get_by_role("button", name="Test Connection").click()
    outcome = toasts.filter(has_text=form.tested).or_(toasts.filter(has_text="Test Connection Failed"))
    expect(outcome.first).to_be_visible()
    message = " ".join(outcome.all_inner_texts())
    page.screenshot(path=str(screenshots / f"{form.conn_id}-tested.png"))
    outcome.first.screenshot(path=str(screenshots / f"{form.conn_id}-test-message.png"))
    if "Test Connection Successful" not in message:
        _fail(f"{form.conn_id}: Test did not succeed: {message!r}")
    log(f"ok: UI: {form.conn_id}: Test says {message!r}")
