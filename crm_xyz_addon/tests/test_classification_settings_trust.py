"""The classification settings screen and the preview: only the user's own companies, and
every bad value refused with the error that saving it gives, before any arithmetic."""

import re
import time

from dateutil.relativedelta import relativedelta
from lxml import html

from odoo import Command
from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import XyzCommon

SETTINGS = "crm.xyz.classification.settings"


class SettingsTrustCommon(XyzCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.env["crm.xyz.run"]._company_today(cls.company)
        # company 2 has customers of its own: what must never reach company 1's managers
        for index in range(3):
            customer = cls.create_customer(f"Second Company Customer {index}")
            for months in range(4):
                cls.create_order(
                    customer,
                    100 + 50 * index * months,
                    cls.today - relativedelta(months=months),
                    company=cls.company_2,
                    user=cls.manager_2,
                )
        cls.manager_of_both = new_test_user(
            cls.env,
            login="xyz_manager_both",
            name="Bo Both",
            groups="sales_team.group_sale_manager",
            company_id=cls.company.id,
            company_ids=[Command.set((cls.company | cls.company_2).ids)],
            tz="UTC",
        )
        cls.internal_user = new_test_user(
            cls.env,
            login="xyz_internal",
            name="Ivo Internal",
            groups="base.group_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def call(self, user, model, method, args=(), companies=None, **kwargs):
        """`method` called as RPC calls it, by `user` working in `companies`."""
        self.env.invalidate_all()
        companies = companies or self.company
        records = self.env[model].with_user(user).with_context(allowed_company_ids=companies.ids)
        return call_kw(records, method, list(args), kwargs)


@tagged("post_install", "-at_install")
class TestSettingsOfOwnCompanies(SettingsTrustCommon):
    def test_create_for_another_company_is_refused(self):
        # a manager of the first company, and one of both working in the first one only
        for user in (self.manager, self.manager_of_both):
            with (
                self.subTest(user=user.login),
                self.assertRaisesRegex(AccessError, "a company you work in"),
            ):
                self.call(user, SETTINGS, "create", [{"company_id": self.company_2.id}])
        for forged in (0, -1, 10**19, "1", [self.company_2.id], True, False):
            with self.subTest(forged=forged), self.assertRaises(AccessError):
                self.call(self.manager, SETTINGS, "create", [{"company_id": forged}])
        self.assertFalse(self.env[SETTINGS].search([("company_id", "=", self.company_2.id)]))

    def test_write_to_another_company_is_refused(self):
        wizard_id = self.call(self.manager, SETTINGS, "create", [{}])
        for company_id in (self.company_2.id, 10**19, None):
            with self.subTest(company_id=company_id), self.assertRaises(AccessError):
                self.call(
                    self.manager, SETTINGS, "write", [[wizard_id], {"company_id": company_id}]
                )
        self.assertEqual(self.env[SETTINGS].browse(wizard_id).company_id, self.company)

    def test_no_figure_of_another_company_is_read(self):
        # a wizard of company 2 (made by its own manager) read by company 1's manager
        theirs = self.call(
            self.manager_2, SETTINGS, "create", [{"xyz_x_max_cv": 30.0}], companies=self.company_2
        )
        for fields in (["preview_html"], ["period_hint"], ["xyz_x_max_cv"]):
            with self.subTest(fields=fields), self.assertRaises(AccessError):
                self.call(self.manager, SETTINGS, "read", [[theirs], fields])
        # the form's onchange, and the computation itself, on a record not saved
        with self.assertRaises(AccessError):
            self.call(
                self.manager,
                SETTINGS,
                "onchange",
                [[], {"company_id": self.company_2.id}, [], {"preview_html": {}, "company_id": {}}],
            )
        draft = (
            self.env[SETTINGS]
            .with_user(self.manager)
            .with_context(allowed_company_ids=self.company.ids)
            .new({"company_id": self.company_2.id, "xyz_period_unit": "month"})
        )
        with self.assertRaisesRegex(AccessError, "a company you work in"):
            draft.preview_html  # noqa: B018

    def test_own_companies_are_previewed(self):
        [created] = self.call(
            self.manager_of_both,
            SETTINGS,
            "web_save",
            [[], {"company_id": self.company_2.id}],
            companies=self.company | self.company_2,
            specification={"preview_html": {}, "company_id": {}},
        )
        self.assertEqual(created["company_id"], self.company_2.id)
        # company 2's three regular customers, where company 1 has none
        self.assertEqual(self.regular_in_preview(created["preview_html"]), "3")
        [mine] = self.call(
            self.manager,
            SETTINGS,
            "web_save",
            [[], {}],
            specification={"preview_html": {}, "company_id": {}},
        )
        self.assertEqual(mine["company_id"], self.company.id)
        self.assertEqual(self.regular_in_preview(mine["preview_html"]), "0")

    def regular_in_preview(self, preview_html):
        [value] = html.fromstring(str(preview_html)).xpath(
            "//tr[@data-key='regular']/td[contains(@class, 'o_crm_xyz_preview_new')]/@data-value"
        )
        return value

    def test_other_users_are_refused(self):
        for user in (self.salesman, self.internal_user, self.portal_user):
            for method, args in (
                ("create", [{}]),
                ("default_get", [["company_id", "xyz_x_max_cv"]]),
            ):
                with self.subTest(user=user.login, method=method), self.assertRaises(AccessError):
                    self.call(user, SETTINGS, method, args)


NAN, INFINITY = float("nan"), float("inf")


@tagged("post_install", "-at_install")
class TestSettingsInput(SettingsTrustCommon):
    """Every value the preview and the suggestion accept is one saving accepts; the others
    get the ValidationError of saving them, which names the setting."""

    def saving_error(self, name, value):
        """The message of the error that saving `value` for setting `name` gives."""
        with self.assertRaises(ValidationError) as caught:
            [saved] = self.call(
                self.manager, SETTINGS, "web_save", [[], {name: value}], specification={}
            )
            self.call(self.manager, SETTINGS, "action_save", [[saved["id"]]])
        return caught.exception.args[0]

    def test_non_finite_and_ill_typed_settings(self):
        company_before = self.company.read(self.env["res.company"]._xyz_number_fields())
        for name, values in (
            ("xyz_period_count", (NAN, INFINITY, -INFINITY, "12", [12], 12.5, 2**31, 1)),
            ("xyz_one_off_max_purchases", (NAN, INFINITY, 2**31, 10**30, "2", {"a": 1})),
            ("xyz_x_max_cv", (NAN, INFINITY, -INFINITY, "10", [10], 10**30)),
            ("xyz_y_max_cv", (NAN, INFINITY, "25")),
            ("abc_a_percent", (NAN, INFINITY, "80")),
            ("abc_b_percent", (NAN, -INFINITY, [15])),
        ):
            label = self.env["res.company"]._fields[name]._description_string(self.env)
            for value in values:
                with self.subTest(name=name, value=value):
                    saving = self.saving_error(name, value)
                    self.assertIn(label, saving)
                    for method in ("preview_analysis", "suggest_thresholds"):
                        with self.assertRaises(ValidationError) as caught:
                            self.call(self.manager, "crm.xyz.run", method, **{name: value})
                        self.assertEqual(caught.exception.args[0], saving, method)
        self.assertEqual(
            self.company.read(self.env["res.company"]._xyz_number_fields()), company_before
        )

    def test_early_warning_settings_of_the_preview(self):
        # a bad value gets the error that saving it gives
        for name, value in (
            ("xyz_risk_factor", "2"),
            ("xyz_risk_factor", [2]),
            ("xyz_risk_factor", NAN),
            ("xyz_risk_factor", INFINITY),
            ("xyz_risk_min_days", "14"),
            ("xyz_risk_min_days", [14]),
            ("xyz_risk_min_days", 2**31),
        ):
            with self.subTest(name=name, value=value):
                saving = self.saving_error(name, value)
                with self.assertRaises(ValidationError) as caught:
                    self.call(self.manager, "crm.xyz.run", "preview_analysis", **{name: value})
                self.assertEqual(caught.exception.args[0], saving)
        # the preview does not use the follow-ups' settings: a good one is refused too, not
        # ignored
        for name, value in (
            ("xyz_followup_enabled", "maybe"),
            ("xyz_followup_enabled", True),
            ("xyz_followup_cap", 5),
            ("xyz_expected_purchases_days", 30),
        ):
            with (
                self.subTest(name=name, value=value),
                self.assertRaisesRegex(ValidationError, f"do not use .*\\({name}\\)"),
            ):
                self.call(self.manager, "crm.xyz.run", "preview_analysis", **{name: value})
        with self.assertRaisesRegex(ValidationError, "not settings of the classification"):
            self.call(self.manager, "crm.xyz.run", "preview_analysis", colour="red")

    def test_company_and_general_settings_refuse_them_alike(self):
        for name, value in (("xyz_x_max_cv", NAN), ("xyz_weight_revenue", INFINITY)):
            label = self.env["res.company"]._fields[name]._description_string(self.env)
            message = re.escape(f"{label} must be a number.")
            with self.subTest(name=name), self.assertRaisesRegex(ValidationError, message):
                self.env["crm.xyz.classification.settings"].create({name: value})
            with self.subTest(name=name), self.assertRaisesRegex(ValidationError, message):
                self.company.write({name: value})
        # the weights are in the Settings app too
        label = self.env["res.company"]._fields["xyz_weight_revenue"]._description_string(self.env)
        with self.assertRaisesRegex(ValidationError, re.escape(f"{label} must be a number.")):
            self.env["res.config.settings"].create({"xyz_weight_revenue": INFINITY})

    def test_shares_are_checked_before_any_arithmetic(self):
        for x_share in ("1e6000000", "1" * 100_000, INFINITY, NAN, -INFINITY, "1/0", [1], "⅓"):
            with self.subTest(x_share=str(x_share)[:20]):
                started = time.process_time()
                with self.assertRaisesRegex(UserError, "share of X customers"):
                    self.call(
                        self.manager_2,
                        "crm.xyz.run",
                        "suggest_thresholds",
                        companies=self.company_2,
                        x_share=x_share,
                    )
                # as cheap as any other refusal (it took seconds, growing with the exponent)
                self.assertLess(time.process_time() - started, 0.5)
        # the usual ones still work
        limits = self.call(
            self.manager_2,
            "crm.xyz.run",
            "suggest_thresholds",
            companies=self.company_2,
            x_share="1/3",
            xy_share=0.75,
        )
        self.assertEqual(set(limits), {"xyz_x_max_cv", "xyz_y_max_cv"})

    def test_long_values_are_shortened_in_messages(self):
        with self.assertRaises(UserError) as caught:
            self.call(self.manager, "crm.xyz.run", "preview_analysis", as_of="9" * 100_000)
        self.assertLess(len(caught.exception.args[0]), 200)
        with self.assertRaises(ValidationError) as caught:
            self.call(self.manager, "crm.xyz.run", "preview_analysis", **{"x" * 100_000: 1})
        self.assertLess(len(caught.exception.args[0]), 200)
