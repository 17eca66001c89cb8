"""The classification settings screen and the preview: only the user's own companies, and
every bad value refused with the error that saving it gives, before any arithmetic."""

from dateutil.relativedelta import relativedelta
from lxml import html

from odoo import Command
from odoo.api import call_kw
from odoo.exceptions import AccessError
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
