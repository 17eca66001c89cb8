from unittest.mock import patch

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, tagged

from ..wizards.crm_xyz_manager_report import CrmXyzManagerReport
from .manager_report_common import PERIOD, ManagerReportCommon

REPORT = "crm.xyz.manager.report"
SETTINGS = "crm.xyz.classification.settings"
PARTNER_FORM_FIELDS = (
    "relationship_stage",
    "abc_class",
    "xyz_class",
    "classification_explanation",
    "classification_risk_explanation",
    "classification_amount",
    "classification_days_since_sale",
    "classification_typical_interval",
    "classification_expected_date",
    "classification_at_risk",
    "classification_history_count",
)
REPORT_SPEC = {
    "report_kind": {},
    "period": {},
    "date_from": {},
    "date_to": {},
    "show_profit": {},
    "problem": {},
    "line_ids": {"fields": {"user_id": {"fields": {"display_name": {}}}, "figures": {}}},
}
SETTINGS_SPEC = {
    "company_id": {"fields": {"display_name": {}}},
    "xyz_period_unit": {},
    "xyz_period_count": {},
    "xyz_source": {},
    "xyz_parameter": {},
    "xyz_one_off_max_purchases": {},
    "xyz_x_max_cv": {},
    "xyz_y_max_cv": {},
    "abc_a_percent": {},
    "abc_b_percent": {},
    "preview_html": {},
    "period_hint": {},
}
SUGGESTION_INPUTS = (
    "xyz_period_unit",
    "xyz_period_count",
    "xyz_source",
    "xyz_parameter",
    "xyz_one_off_max_purchases",
    "abc_a_percent",
    "abc_b_percent",
)


def routed_read_only(model, method):
    """Whether Odoo serves the web client's call of `method` on a read-only cursor (from the
    replica when it has one), as web's DataSet._call_kw_readonly decides it."""
    for cls in type(model).mro():
        found = getattr(cls, method, None)
        if found is not None and hasattr(found, "_readonly"):
            return found._readonly
    return False


def created_lines(answer):
    """The lines of the report in an onchange's answer (their creation commands)."""
    return sum(1 for command in answer["value"]["line_ids"] if command[0] == 0)


@tagged("post_install", "-at_install")
class TestReadOnlyScreens(ManagerReportCommon, HttpCase):
    """Every screen of the addon reads through calls that Odoo serves read-only, from a replica
    when db_replica_host is set, and none of them writes: the test server runs them on a
    read-only transaction, where a write would make Odoo retry on a read/write cursor and log
    a warning (which fails the test). The life cycle checks the same against a real standby
    (scripts/replica_check.py)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_analysis(PERIOD[1])
        cls.env.flush_all()

    def screen_calls(self, user):
        """The web client's calls of every screen, as (model, method, args, kwargs)."""
        context = {"allowed_company_ids": [self.company.id], "tz": "UTC", "lang": "en_US"}
        report_context = {
            **context,
            "default_period": "custom",
            "default_date_from": "2026-04-01",
            "default_date_to": "2026-06-30",
        }
        regular = [("relationship_stage", "=", "regular")]
        calls = [
            (
                "crm.xyz.agenda",
                "search_read",
                [],
                {
                    "domain": [
                        ("user_id", "=", user.id),
                        ("date", "<=", "2026-07-11 23:59:59"),
                        ("date_stop", ">=", "2026-05-31 00:00:00"),
                    ],
                    "fields": ["display_name", "date", "date_stop", "all_day", "state"],
                },
            ),
            (
                "crm.xyz.agenda",
                "web_search_read",
                [[("user_id", "=", user.id)], {"display_name": {}, "state": {}, "amount": {}}],
                {"limit": 80},
            ),
            (
                "res.partner",
                "web_read",
                [[self.alpha.id], {name: {} for name in PARTNER_FORM_FIELDS}],
                {},
            ),
            ("res.partner", "web_read_group", [[], [], ["relationship_stage"]], {"limit": 80}),
            ("res.partner", "web_read_group", [regular, [], ["abc_class"]], {"limit": 80}),
            (
                "res.partner",
                "web_search_read",
                [regular, {"display_name": {}, "abc_class": {}, "xyz_class": {}}],
                {"limit": 80},
            ),
            (
                "crm.xyz.portfolio",
                "read_group",
                [[], ["amount_share:sum", "at_risk_count:sum", "__count"]],
                {"groupby": ["portfolio_row", "xyz_class"], "lazy": False},
            ),
            (
                "crm.xyz.classification",
                "read_group",
                [[], ["classification_amount:sum", "__count"]],
                {"groupby": ["abc_class", "xyz_class"], "lazy": False},
            ),
            (
                "crm.xyz.classification",
                "web_read_group",
                [[], ["classification_amount:sum"], ["abc_class", "xyz_class"]],
                {"lazy": False},
            ),
            ("crm.xyz.run", "get_xyz_separation_warning", [], {}),
            (REPORT, "get_indicators", ["2026-04-01", "2026-06-30"], {}),
            ("crm.xyz.manager.report.service", "get_indicators", ["2026-04-01", "2026-06-30"], {}),
        ]
        for kind in ("performance", "executive"):
            kind_context = {**report_context, "default_report_kind": kind}
            calls.append((REPORT, "onchange", [[], {}, [], REPORT_SPEC], {"context": kind_context}))
        if user == self.mia:
            calls += [
                (SETTINGS, "onchange", [[], {}, [], SETTINGS_SPEC], {}),
                ("crm.xyz.run", "preview_analysis", [PERIOD[1].isoformat()], {}),
                # Alpha, Delta and Epsilon buy twice in the year: regular when one-off is once
                (
                    "crm.xyz.run",
                    "suggest_thresholds",
                    [PERIOD[1].isoformat()],
                    {"xyz_one_off_max_purchases": 1},
                ),
            ]
        return [
            (model, method, args, {**kwargs, "context": kwargs.get("context", context)})
            for model, method, args, kwargs in calls
        ]

    def test_screens_are_routed_read_only(self):
        for model, method, _args, _kwargs in self.screen_calls(self.mia):
            with self.subTest(model=model, method=method):
                self.assertTrue(routed_read_only(self.env[model], method))
        # what saves stays on the primary
        for model, method in (
            (REPORT, "action_print_pdf"),
            (REPORT, "action_export_xlsx"),
            (REPORT, "web_save"),
            (SETTINGS, "action_save"),
            ("crm.xyz.run", "run_analysis"),
        ):
            with self.subTest(model=model, method=method):
                self.assertFalse(routed_read_only(self.env[model], method))

    def test_screens_over_http_without_fallback(self):
        # a write in a read-only call: "..., retrying with a read/write cursor" (odoo.http)
        for user in (self.sam, self.mia):
            self.authenticate(user.login, user.login)
            with self.assertNoLogs("odoo.http", "WARNING"):
                answers = [
                    (
                        (model, method),
                        self.make_jsonrpc_request(
                            f"/web/dataset/call_kw/{model}/{method}",
                            {"model": model, "method": method, "args": args, "kwargs": kwargs},
                        ),
                    )
                    for model, method, args, kwargs in self.screen_calls(user)
                ]
            reports = [answer for key, answer in answers if key == (REPORT, "onchange")]
            expected = 1 if user == self.sam else 5  # a salesman sees his own line
            self.assertEqual([created_lines(report) for report in reports], [expected, expected])
            partner = next(answer for key, answer in answers if key == ("res.partner", "web_read"))
            self.assertEqual(
                partner[0]["relationship_stage"], self.alpha.with_user(user).relationship_stage
            )
            if user == self.mia:
                settings = next(answer for key, answer in answers if key[0] == SETTINGS)
                self.assertIn("o_crm_xyz_preview_table", settings["value"]["preview_html"])
        self.assertFalse(self.env[REPORT].sudo().search([]), "no report was saved")

    def test_report_lines_computed_once_per_onchange(self):
        """Odoo calls the onchange of the lines once per option shown when the screen opens,
        and once per option changed: the lines of one set of options are computed once."""
        report = (
            self.env[REPORT]
            .with_user(self.mia)
            .with_context(
                default_period="custom",
                default_date_from="2026-04-01",
                default_date_to="2026-06-30",
            )
        )
        original = CrmXyzManagerReport._refresh_lines
        with patch.object(
            CrmXyzManagerReport, "_refresh_lines", autospec=True, side_effect=original
        ) as refresh:
            opened = report.onchange({}, [], REPORT_SPEC)
            self.assertEqual(refresh.call_count, 1)
            values = {name: value for name, value in opened["value"].items() if name != "line_ids"}
            changed = report.onchange(
                {**values, "show_profit": False}, ["show_profit"], REPORT_SPEC
            )
            self.assertEqual(refresh.call_count, 2)
            period = report.onchange({**values, "period": "last_month"}, ["period"], REPORT_SPEC)
            self.assertEqual(refresh.call_count, 3)
        self.assertEqual(created_lines(opened), 5)
        self.assertEqual(created_lines(changed), 5)
        self.assertNotEqual(period["value"]["date_from"], "2026-04-01")

    def test_suggested_limits_read_only(self):
        settings = self.env[SETTINGS].with_user(self.mia)
        values = {
            name: value
            for name, value in self.company._xyz_settings().items()
            if name in SUGGESTION_INPUTS
        }
        # two years up to today: Alpha, Delta and Epsilon buy twice, regular when one-off is
        # once
        values.update(xyz_period_unit="month", xyz_period_count=24, xyz_one_off_max_purchases=1)
        expected = (
            self.env["crm.xyz.run"]
            .with_user(self.mia)
            .with_company(self.company)
            .suggest_thresholds(**values)
        )
        self.assertEqual(settings.get_suggested_limits(self.company.id, values), expected)
        # the current company when the form has no company field (single company users)
        self.assertEqual(settings.get_suggested_limits(False, values), expected)
        with self.assertRaises(AccessError):
            settings.get_suggested_limits(self.company_2.id, values)
        with self.assertRaises(AccessError):
            settings.get_suggested_limits("1", values)
        with self.assertRaises(AccessError):
            self.env[SETTINGS].with_user(self.sam).get_suggested_limits(self.company.id, values)
        with self.assertRaises(ValidationError):
            settings.get_suggested_limits(self.company.id, {**values, "xyz_period_count": 1})
        with self.assertRaises(ValidationError):
            settings.get_suggested_limits(self.company.id, {**values, "unknown": 1})
        self.assertFalse(self.env[SETTINGS].sudo().search([]), "no settings were saved")
