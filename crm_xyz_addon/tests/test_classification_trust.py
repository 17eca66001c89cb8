"""Who may run the classification, what it accepts and returns, and who it classifies."""

import json
import xmlrpc.client
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL

from ..tools import classification_query as queries
from .common import AS_OF, XyzCommon

RUN_LOGGER = "odoo.addons.crm_xyz_addon.models.crm_xyz_run"
# every column the analysis writes for a customer, automatic and effective, in all companies
STORED_COLUMNS = [*queries.STORED_COLUMNS, "relationship_stage", "abc_class", "xyz_class"]
RESULT_KEYS = {
    "id",
    "date",
    "company_id",
    "state",
    "duration",
    "customer_count",
    "changed_count",
    "potential_count",
    "one_off_count",
    "regular_count",
    "lost_count",
    "a_count",
    "b_count",
    "c_count",
    "x_count",
    "y_count",
    "z_count",
    "missing_rate_count",
}


class TrustCommon(XyzCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.company_ids = [Command.link(cls.company.id)]
        cls.public_user = cls.env.ref("base.public_user")
        cls.today = cls.env["crm.xyz.run"]._company_today(cls.company)
        cls.customer = cls.create_customer("Trusted", user_id=cls.salesman.id)
        for months in range(1, 5):
            cls.create_order(cls.customer, 100 + months, cls.today - relativedelta(months=months))
        # stored values from an earlier run, which a refused call must leave alone
        cls.run_analysis(cls.today - relativedelta(months=1))

    def stored(self, partners):
        """What the analysis stored on the partners, for every company, read from the table."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT company_id, partner_id, %s FROM crm_xyz_classification"
                " WHERE partner_id = ANY(%s) ORDER BY company_id, partner_id",
                SQL(", ").join(SQL.identifier(name) for name in STORED_COLUMNS),
                list(partners.ids),
            )
        )
        return self.env.cr.fetchall()

    def snapshot(self):
        return (
            self.env["crm.xyz.run"].sudo().search_count([]),
            self.env["crm.xyz.history"].sudo().search_count([]),
            self.stored(self.customer),
            self.company.xyz_last_run_id,
        )

    def call(self, user, model, method, args=(), company=None, **kwargs):
        """`method` called the way RPC calls it, by `user` working in `company`."""
        company = company or self.company
        records = self.env[model].with_user(user).with_context(allowed_company_ids=company.ids)
        return call_kw(records, method, list(args), kwargs)


@tagged("post_install", "-at_install")
class TestClassificationTrustAccess(TrustCommon):
    def entry_points(self):
        """Every way in: (model, method, args)."""
        return [
            ("crm.xyz.run", "run_analysis", []),
            ("crm.xyz.run", "action_run_now", []),
            ("res.partner", "action_run_xyz_analysis", [self.customer.ids]),
        ]

    def test_only_sales_managers_may_run_it(self):
        before = self.snapshot()
        for user in (self.salesman, self.portal_user, self.public_user):
            for model, method, args in self.entry_points():
                with self.subTest(user=user.sudo().login, method=method):
                    # the explicit check refuses them all alike, whatever their access rights
                    with self.assertRaisesRegex(AccessError, "Only sales managers"):
                        self.call(user, model, method, args)
                    self.assertEqual(self.snapshot(), before)

    def test_refused_before_the_date_is_even_read(self):
        before = self.snapshot()
        with self.assertRaisesRegex(AccessError, "Only sales managers"):
            self.call(self.portal_user, "crm.xyz.run", "run_analysis", as_of="garbage")
        self.assertEqual(self.snapshot(), before)

    def test_manager_of_another_company_cannot_run_it_for_this_one(self):
        before = self.snapshot()
        with self.assertRaises(AccessError):
            self.call(self.manager_2, "crm.xyz.run", "run_analysis")
        self.assertEqual(self.snapshot(), before)
        # in his own company he runs it there, and only there
        result = self.call(self.manager_2, "crm.xyz.run", "run_analysis", company=self.company_2)
        self.assertEqual(result["company_id"], self.company_2.id)
        self.assertEqual(self.stored(self.customer), before[2])
        self.assertEqual(self.company.xyz_last_run_id, before[3])

    def test_manager_and_administrator_run_it(self):
        runs = self.env["crm.xyz.run"].sudo()
        for user in (self.manager, self.admin):
            with self.subTest(user=user.sudo().login):
                result = self.call(user, "crm.xyz.run", "run_analysis")
                run = runs.browse(result["id"])
                self.assertEqual(run.company_id, self.company)
                self.assertEqual(run.user_id, user)
                self.assertEqual(run.date, self.today)
                self.assertEqual(self.company.xyz_last_run_id, run)
        self.assertEqual(self.customer.with_company(self.company).classification_date, self.today)

    def test_action_run_now_notifies_the_counts(self):
        for model, method, args in self.entry_points()[1:]:
            with self.subTest(method=method):
                action = self.call(self.manager, model, method, args)
                run = self.company.xyz_last_run_id
                self.assertEqual(run.user_id, self.manager)
                self.assertEqual(action["params"]["type"], "success")
                self.assertIn(
                    f"{run.customer_count} customers classified", action["params"]["message"]
                )

    def test_scheduled_action_still_runs_without_a_user_in_the_group(self):
        runs = self.env["crm.xyz.run"].sudo()
        before = runs.search([])
        # the scheduled action runs as OdooBot in sudo, whatever its groups
        self.env["crm.xyz.run"].with_user(self.salesman).sudo()._cron_run_analysis()
        new_runs = runs.search([]) - before
        self.assertEqual(new_runs.filtered(lambda r: r.company_id == self.company).state, "done")


@tagged("post_install", "-at_install")
class TestClassificationTrustInput(TrustCommon):
    def test_run_analysis_returns_plain_data(self):
        as_of = fields.Date.to_string(self.today - relativedelta(days=1))
        result = self.call(self.manager, "crm.xyz.run", "run_analysis", as_of=as_of)
        self.assertEqual(set(result), RESULT_KEYS)
        run = self.env["crm.xyz.run"].sudo().browse(result["id"])
        self.assertEqual(result["date"], as_of)
        self.assertEqual(run.date, fields.Date.to_date(as_of))
        self.assertEqual(result["state"], "done")
        self.assertEqual(
            (result["customer_count"], result["regular_count"], result["missing_rate_count"]),
            (run.customer_count, 1, 0),
        )
        self.assertTrue(all(value is not None for value in result.values()))
        # what XML-RPC and JSON-RPC would send back
        self.assertIn("<name>customer_count</name>", xmlrpc.client.dumps((result,)))
        self.assertEqual(json.loads(json.dumps(result)), result)

    def test_invalid_dates_are_refused_naming_them(self):
        next_year = fields.Date.to_string(self.today + relativedelta(years=1))
        tomorrow = fields.Date.to_string(self.today + relativedelta(days=1))
        before = self.snapshot()
        for value in ("9999-12-31", "0001-01-01", "2024-13-01", "garbage", next_year, tomorrow, 42):
            with self.subTest(value=value):
                with self.assertRaises(UserError) as caught:
                    self.call(self.manager, "crm.xyz.run", "run_analysis", as_of=value)
                self.assertNotIsInstance(caught.exception, AccessError)
                self.assertIn(f'"{value}"', caught.exception.args[0])
                self.assertEqual(self.snapshot(), before)

    def test_earliest_date_is_the_first_with_a_whole_window(self):
        self.company.write({"xyz_period_unit": "week", "xyz_period_count": 2})
        with self.assertRaisesRegex(UserError, "0001-01-14"):
            self.call(self.manager, "crm.xyz.run", "run_analysis", as_of="0001-01-14")
        result = self.call(self.manager, "crm.xyz.run", "run_analysis", as_of="0001-01-15")
        self.assertEqual((result["date"], result["customer_count"]), ("0001-01-15", 0))


@tagged("post_install", "-at_install")
class TestClassificationPopulation(XyzCommon):
    def classified(self, partner, company=None):
        # sudo: the test user sees no partner restricted to another company
        return partner.sudo().with_company(company or self.company)

    def stored_values(self, partner):
        partner = self.classified(partner)
        return [partner[name] for name in queries.STORED_COLUMNS if name in partner._fields]

    def test_archived_customers_are_skipped_until_unarchived(self):
        small = self.create_customer("Small")
        archived = self.create_customer("Archived")
        self.create_order(small, 100, AS_OF)
        self.create_order(archived, 900, AS_OF)
        first = self.run_analysis(AS_OF)
        self.assertEqual((self.classified(small).abc_class_auto, first.customer_count), ("B", 2))
        kept = self.stored_values(archived)
        self.assertEqual(kept[0], "one_off")
        archived.action_archive()
        for months in (1, 2):
            self.create_order(archived, 900, AS_OF - relativedelta(months=months))
        run = self.run_analysis(AS_OF + relativedelta(days=1))
        # neither classified nor cleared, no history; its sales weigh in nobody's shares
        self.assertEqual(self.stored_values(archived), kept)
        self.assertFalse(run.history_ids.filtered(lambda h: h.partner_id == archived))
        self.assertEqual(run.customer_count, 1)
        self.assertEqual(self.classified(small).abc_class_auto, "A")
        archived.action_unarchive()
        back = self.run_analysis(AS_OF + relativedelta(days=2))
        self.assertEqual(back.customer_count, 2)
        self.assertEqual(self.classified(archived).relationship_stage_auto, "regular")
        self.assertEqual(
            back.history_ids.filtered(lambda h: h.partner_id == archived).new_stage, "regular"
        )

    def test_customers_of_another_company_are_not_classified_here(self):
        shared = self.create_customer("Shared")
        ours = self.create_customer("Ours", company_id=self.company.id)
        moved = self.create_customer("Moved")
        for partner in shared | ours | moved:
            self.create_order(partner, 100, AS_OF)
        moved.company_id = self.company_2
        run = self.run_analysis(AS_OF)
        self.assertEqual(run.customer_count, 2)
        self.assertEqual(
            [self.classified(p).relationship_stage_auto for p in (shared, ours, moved)],
            ["one_off", "one_off", False],
        )

    def test_documents_without_rate_are_converted_as_odoo_does_and_counted(self):
        # no rate before April 2026: Odoo takes the first one (4.0); without any rate, 1.0
        gbp = self.setup_other_currency("GBP", rates=[("2026-04-01", 4.0)])
        chf = self.setup_other_currency("CHF", rates=[])
        customer = self.create_customer("Foreign")
        orders = self.env["sale.order"]
        for currency, when in ((gbp, "2026-03-15"), (gbp, "2026-05-15"), (chf, "2026-05-20")):
            pricelist = self.env["product.pricelist"].create(
                {"name": currency.name, "currency_id": currency.id, "company_id": self.company.id}
            )
            orders |= self.create_order(
                customer, 400, fields.Date.to_date(when), pricelist=pricelist
            )
        self.assertEqual(orders.mapped("currency_rate"), [4.0, 4.0, 1.0])
        with self.assertLogs(RUN_LOGGER, level="WARNING") as logs:
            run = self.run_analysis(AS_OF)
        self.assertEqual(run.missing_rate_count, 2)
        self.assertEqual(len(logs.output), 1)
        self.assertIn(f"2 documents of {self.company.name}", logs.output[0])
        self.assertEqual(self.classified(customer).classification_amount, 100 + 100 + 400)
        # a run without such documents says nothing
        self.env["res.currency.rate"].create(
            {"name": "2026-01-01", "rate": 4.0, "currency_id": gbp.id, "company_id": False}
        )
        self.env["res.currency.rate"].create(
            {"name": "2026-01-01", "rate": 1.0, "currency_id": chf.id, "company_id": False}
        )
        with self.assertNoLogs(RUN_LOGGER, level="WARNING"):
            self.assertEqual(self.run_analysis(AS_OF).missing_rate_count, 0)

    def test_the_run_form_warns_of_documents_without_rate(self):
        arch = self.env["crm.xyz.run"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('invisible="not missing_rate_count"', arch)
        self.assertIn("invisible=\"state != 'failed'\"", arch)


@tagged("post_install", "-at_install")
class TestClassificationCronFailures(XyzCommon):
    def test_a_failing_company_is_recorded_and_the_others_go_on(self):
        customer = self.create_customer("Cron")
        self.create_order(customer, 100, self.env["crm.xyz.run"]._company_today(self.company))
        run_class = type(self.env["crm.xyz.run"])
        classify = run_class._classify
        failing = self.company_2

        def classify_but_fail_for_one_company(run, company, as_of):
            if company == failing:
                raise ZeroDivisionError("no sales to divide")
            return classify(run, company, as_of)

        last_run_2 = self.company_2.xyz_last_run_id
        runs = self.env["crm.xyz.run"].sudo()
        before = runs.search([])
        with (
            patch.object(run_class, "_classify", classify_but_fail_for_one_company),
            self.assertLogs(RUN_LOGGER, level="WARNING") as logs,
        ):
            self.env["crm.xyz.run"]._cron_run_analysis()
        new_runs = runs.search([]) - before
        self.assertEqual(new_runs.company_id, self.env["res.company"].sudo().search([]))
        # its running run went with the savepoint; the failed one was recorded after it
        failed = new_runs.filtered(lambda r: r.company_id == failing)
        self.assertEqual(failed.state, "failed")
        self.assertEqual(failed.message, "ZeroDivisionError: no sales to divide")
        self.assertEqual(self.company_2.xyz_last_run_id, last_run_2)
        self.assertEqual(
            [r.state for r in new_runs if r.company_id != failing], ["done"] * (len(new_runs) - 1)
        )
        self.assertEqual(customer.with_company(self.company).relationship_stage_auto, "one_off")
        self.assertTrue(any(f"analysis of {failing.name} failed" in line for line in logs.output))

    def test_a_refused_company_is_recorded_too(self):
        with self.registry.cursor() as other:
            other.execute("SELECT pg_advisory_xact_lock(73001, %s)", [self.company_2.id])
            with self.assertLogs(RUN_LOGGER, level="WARNING") as logs:
                self.env["crm.xyz.run"]._cron_run_analysis()
            other.rollback()
        failed = (
            self.env["crm.xyz.run"].sudo().search([("company_id", "=", self.company_2.id)], limit=1)
        )
        self.assertEqual(failed.state, "failed")
        self.assertIn("already in progress", failed.message)
        self.assertIn("already in progress", logs.output[0])
        self.assertEqual(self.company.xyz_last_run_id.state, "done")
