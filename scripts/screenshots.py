#!/usr/bin/env python3
"""The README's pictures of the main screens, taken from a running Odoo in headless Chromium.

Called by `./scripts/dev.py screenshots`, which makes sure the demo database exists and
serves it; on its own:

    python3 scripts/screenshots.py --url http://localhost:8069 --db crm_xyz_demo \
        --out docs/images [--lang ru_RU --suffix _ru]

Each screen is opened as a demo user (session cookie from /web/session/authenticate),
driven through Chromium's DevTools protocol (websocket-client), and saved once the page
shows its data: a login page or a screen without data is an error, not a picture.
"""

import argparse
import base64
import contextlib
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import websocket

WIDTH, HEIGHT = 1440, 900
# the web client is done when its loading indicator and blocked UI are gone and the
# screen's own element is there
READY_JS = """(() => {
    if (document.querySelector('.oe_login_form')) return 'login page';
    if (document.querySelector('.o_loading_indicator, .o_blockUI, .o_view_nocontent')) return '';
    return document.querySelector(%s) ? 'ready' : '';
})()"""
# the report's lines at the bottom of the screen, its settings above them
SCROLL_TO_LINES_JS = (
    "document.querySelector('.o_form_view .o_list_renderer').scrollIntoView({block: 'end'})"
)
# "The page is out of date": the server compiled a lazy asset bundle after the page
# loaded (a fresh server does for its first visitors); not part of the screen
CLOSE_NOTIFICATIONS_JS = (
    "document.querySelectorAll('.o_notification_manager .o_notification')"
    ".forEach((notification) => notification.remove())"
)
AGENDA_ACTION = "crm_xyz_addon.crm_xyz_agenda_action"
ANALYSIS_ACTION = "crm_xyz_addon.crm_xyz_analysis_action"


class ScreenshotError(Exception):
    pass


def screens():
    """(file name, login, path, element showing the data, steps before) per screen; a step
    is a selector to wait for or JavaScript to run; {partner} is a classified customer,
    {partner_at_risk} one the early warning flags, {partner_model} one the purchase model
    gives up on."""
    return (
        (
            "agenda_month",
            "boris",
            f"/odoo/action-{AGENDA_ACTION}",
            ".fc-dayGridMonth-view .fc-event",
            [
                ".o_calendar_container",
                "document.querySelector('.o_view_scale_selector .scale_button_selection').click()",
                ".o_scale_button_month",
                "document.querySelector('.o_scale_button_month').click()",
            ],
        ),
        (
            "partner_classification",
            "anna.manager",
            "/odoo/res.partner/{partner}",
            ".o_notebook .tab-pane.active [name=classification_explanation]",
            [
                ".o_form_view .o_notebook",
                "document.querySelector('.o_notebook a[name=crm_xyz_classification]').click()",
                ".o_notebook .tab-pane.active [name=classification_explanation]",
                "document.querySelector('.o_notebook').scrollIntoView({block: 'start'})",
            ],
        ),
        (
            "partner_at_risk",
            "anna.manager",
            "/odoo/res.partner/{partner_at_risk}",
            ".o_notebook .tab-pane.active [name=classification_risk_explanation]",
            [
                ".o_form_view .o_notebook",
                "document.querySelector('.o_notebook a[name=crm_xyz_classification]').click()",
                ".o_notebook .tab-pane.active [name=classification_risk_explanation]",
                "document.querySelector('.o_notebook').scrollIntoView({block: 'start'})",
            ],
        ),
        (
            "partner_purchase_model",
            "anna.manager",
            "/odoo/res.partner/{partner_model}",
            ".o_notebook .tab-pane.active [name=classification_model_explanation]",
            [
                ".o_form_view .o_notebook",
                "document.querySelector('.o_notebook a[name=crm_xyz_classification]').click()",
                ".o_notebook .tab-pane.active [name=classification_model_explanation]",
                "document.querySelector('.o_notebook').scrollIntoView({block: 'start'})",
            ],
        ),
        (
            "classification_settings",
            "anna.manager",
            "/odoo/action-crm_xyz_addon.crm_xyz_classification_settings_action",
            ".o_crm_xyz_preview_table",
            [".o_form_view .o_crm_xyz_preview_table"],
        ),
        (
            "portfolio",
            "anna.manager",
            "/odoo/action-crm_xyz_addon.crm_xyz_portfolio_action",
            ".o_pivot table tbody td.o_pivot_cell_value",
            [],
        ),
        (
            "xyz_pivot",
            "anna.manager",
            f"/odoo/action-{ANALYSIS_ACTION}?view_type=pivot",
            ".o_pivot table tbody td.o_pivot_cell_value",
            [],
        ),
        (
            "manager_report",
            "anna.manager",
            "/odoo/action-crm_xyz_addon.crm_xyz_manager_report_action",
            ".o_form_view .o_data_row",
            [".o_form_view .o_data_row", SCROLL_TO_LINES_JS],
        ),
        (
            "executive_ranking",
            "anna.manager",
            "/odoo/action-crm_xyz_addon.crm_xyz_executive_report_action",
            ".o_form_view .o_data_row",
            [".o_form_view .o_data_row", SCROLL_TO_LINES_JS],
        ),
    )


# ------------------------------------------------------------------ Odoo side
class OdooSession:
    """A logged-in demo user: its session cookie and a JSON-RPC helper."""

    def __init__(self, url, db, login):
        self.url = url
        self.http = requests.Session()
        info = self.call("/web/session/authenticate", db=db, login=login, password=login)
        if not info or not info.get("uid"):
            raise ScreenshotError(f"{login} / {login} cannot log in to {db} at {url}")
        self.uid = info["uid"]
        self.lang = info["user_context"].get("lang")
        self.cookie = self.http.cookies["session_id"]

    def call(self, path, **params):
        response = self.http.post(
            f"{self.url}{path}",
            json={"jsonrpc": "2.0", "method": "call", "params": params},
            timeout=120,
        )
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            raise ScreenshotError(f"{path}: {body['error']['data']['message']}")
        return body["result"]

    def call_kw(self, model, method, args, **kwargs):
        return self.call(
            f"/web/dataset/call_kw/{model}/{method}",
            model=model,
            method=method,
            args=args,
            kwargs=kwargs,
        )

    def set_lang(self, lang):
        self.call_kw("res.users", "write", [[self.uid], {"lang": lang}])


# the PDF reports, printed as Anna (sales manager) prints them: (file name, report kind)
PDF_REPORTS = (("manager_report_pdf", "performance"), ("executive_ranking_pdf", "executive"))
PDF_REPORT = "crm_xyz_addon.report_manager_performance"
PDF_DPI = 110


def take_pdfs(session, out, suffix=""):
    """Print each report to PDF as the user of `session` and save its first page as
    out/<name><suffix>.png (pdftoppm, of poppler-utils)."""
    written = []
    for name, kind in PDF_REPORTS:
        report_id = session.call_kw(
            "crm.xyz.manager.report",
            "create",
            [{}],
            context={"default_report_kind": kind, "lang": session.lang},
        )
        response = session.http.get(
            f"{session.url}/report/pdf/{PDF_REPORT}/{report_id}", timeout=300
        )
        response.raise_for_status()
        if not response.content.startswith(b"%PDF"):
            raise ScreenshotError(f"{name}: the report did not print a PDF")
        with tempfile.TemporaryDirectory() as folder:
            pdf = Path(folder) / f"{name}.pdf"
            pdf.write_bytes(response.content)
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    str(PDF_DPI),
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    str(pdf),
                    str(Path(folder) / name),
                ],
                check=True,
            )
            target = out / f"{name}{suffix}.png"
            shutil.move(Path(folder) / f"{name}.png", target)
        written.append(target)
        print(f"[screenshots] {target} (PDF, page 1)", flush=True)
    return written


def classified_partner(session):
    """A regular customer of class A with its figures: the richest classification box."""
    for domain in (
        [("relationship_stage", "=", "regular"), ("abc_class", "=", "A"), ("xyz_class", "=", "Y")],
        [("relationship_stage", "=", "regular")],
        [("relationship_stage", "!=", False)],
    ):
        found = session.call_kw(
            "res.partner", "search", [[*domain, ("is_company", "=", True)]], limit=1, order="id"
        )
        if found:
            return found[0]
    raise ScreenshotError("no classified customer in the database: is it the demo database?")


def partner_at_risk(session):
    """A customer the early warning flags: its form explains why."""
    found = session.call_kw(
        "res.partner",
        "search",
        [[("classification_at_risk", "=", True), ("is_company", "=", True)]],
        limit=1,
        order="id",
    )
    if not found:
        raise ScreenshotError("no customer at risk in the database: is it the demo database?")
    return found[0]


def partner_model(session):
    """A customer that bought on several days and that the purchase model thinks has
    likely left: its form shows P(alive) and the expected purchases."""
    for domain in (
        [("classification_p_alive", "<", 0.5), ("classification_sale_days", ">=", 3)],
        [("classification_p_alive", "<", 1), ("classification_sale_days", ">=", 2)],
    ):
        found = session.call_kw(
            "res.partner",
            "search",
            [[*domain, ("is_company", "=", True)]],
            limit=1,
            order="classification_sale_days desc, id",
        )
        if found:
            return found[0]
    raise ScreenshotError("no customer with a P(alive) in the database: has it a purchase model?")


# --------------------------------------------------------------- Chromium side
class Browser:
    """Headless Chromium driven through its DevTools protocol."""

    def __init__(self):
        binary = next(
            filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))),
            None,
        )
        if not binary:
            raise ScreenshotError("no Chromium: install the chromium package.")
        self.profile = tempfile.TemporaryDirectory(prefix="xyz-screenshots-")
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                f"--user-data-dir={self.profile.name}",
                f"--window-size={WIDTH},{HEIGHT}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = Path(self.profile.name) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise ScreenshotError("Chromium did not open its DevTools port.")
            time.sleep(0.2)
        port = port_file.read_text().split()[0]
        pages = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        target = next(page for page in pages if page["type"] == "page")
        self.socket = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=60)
        self.ids = itertools.count(1)
        self.send("Page.enable")
        self.send("Network.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )

    def send(self, method, **params):
        message_id = next(self.ids)
        self.socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == message_id:
                if "error" in message:
                    raise ScreenshotError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise ScreenshotError(f"{expression}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def wait_for(self, selector, what, timeout=90):
        """Wait until the web client has settled on a page that shows selector."""
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            state = self.evaluate(READY_JS % json.dumps(selector))
            if state == "login page":
                raise ScreenshotError(f"{what}: Odoo shows its login page")
            if state == "ready":
                return
            time.sleep(0.5)
        raise ScreenshotError(f"{what}: {selector} did not show within {timeout} s")

    def open(self, url, cookie):
        self.send("Network.clearBrowserCookies")
        self.send("Network.setCookie", name="session_id", value=cookie, url=url)
        self.send("Page.navigate", url=url)

    def capture(self, path):
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self):
        with contextlib.suppress(Exception):
            self.socket.close()
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self.profile.cleanup()


def take(url, db, out, lang=None, suffix=""):
    """Save every screen as out/<name><suffix>.png; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    sessions, original_langs, written = {}, {}, []
    browser = Browser()
    try:
        for name, login, screen_path, selector, steps in screens():
            if login not in sessions:
                sessions[login] = OdooSession(url, db, login)
                if lang and sessions[login].lang != lang:
                    original_langs[login] = sessions[login].lang
                    sessions[login].set_lang(lang)
                    # a new session carries the new language in its context
                    sessions[login] = OdooSession(url, db, login)
            session = sessions[login]
            path = screen_path
            if "{partner}" in path:
                path = path.format(partner=classified_partner(session))
            if "{partner_at_risk}" in path:
                path = path.format(partner_at_risk=partner_at_risk(session))
            if "{partner_model}" in path:
                path = path.format(partner_model=partner_model(session))
            browser.open(f"{url}{path}", session.cookie)
            for step in steps:
                if step.startswith("document."):
                    browser.evaluate(step)
                else:
                    browser.wait_for(step, name)
            browser.wait_for(selector, name)
            time.sleep(1.5)  # fonts, avatars and the last renders
            browser.wait_for(selector, name)
            browser.evaluate(CLOSE_NOTIFICATIONS_JS)
            target = out / f"{name}{suffix}.png"
            browser.capture(target)
            written.append(target)
            print(f"[screenshots] {target} ({login})", flush=True)
        written += take_pdfs(sessions["anna.manager"], out, suffix)
    finally:
        browser.close()
        for login, original in original_langs.items():
            with contextlib.suppress(ScreenshotError, requests.RequestException):
                sessions[login].set_lang(original)
    return written


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="Odoo's address, e.g. http://localhost:8069")
    parser.add_argument("--db", required=True, help="the demo database")
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    parser.add_argument("--lang", help="language of the screens, e.g. ru_RU (set for the time)")
    parser.add_argument("--suffix", default="", help="added to the file names, e.g. _ru")
    args = parser.parse_args()
    try:
        take(args.url.rstrip("/"), args.db, args.out, args.lang, args.suffix)
    except ScreenshotError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
