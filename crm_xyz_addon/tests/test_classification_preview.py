from collections import Counter
from datetime import datetime, time
from decimal import Decimal
from fractions import Fraction

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from ..tools import thresholds
from .common import XyzCommon

# ten sub-periods (months): 5 at 1 + d and 5 at 1 - d give a CV of exactly d; 2 at
# 1 + 4d and 8 at 1 - d give exactly 2d (population CV)
TEN_MONTHS = {"xyz_period_unit": "month", "xyz_period_count": 10}


def monthly_amounts(cv):
    """Ten monthly amounts (most recent first) with a CV of exactly `cv` percent (up to 200)."""
    share = Decimal(cv) / 100
    if share <= 1:
        return [100 * (1 + share)] * 5 + [100 * (1 - share)] * 5
    half = share / 2
    return [100 * (1 + 4 * half)] * 2 + [100 * (1 - half)] * 8


class PreviewCommon(XyzCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the settings screen previews as of today
        cls.as_of = cls.env["crm.xyz.run"]._company_today(cls.company)

    @classmethod
    def create_customer_with_cv(cls, cv, name=None, company=None):
        """A regular customer whose monthly amounts over TEN_MONTHS have a CV of `cv` %."""
        customer = cls.create_customer(name or f"XYZ CV {cv}", user_id=cls.salesman.id)
        amounts = [amount for amount in monthly_amounts(cv)]
        # two orders a month when only two months are bought: regular, not one-off
        orders = 2 if sum(1 for amount in amounts if amount > 0) < 3 else 1
        for months, amount in enumerate(amounts):
            for _order in range(orders if amount > 0 else 0):
                cls.create_order(
                    customer,
                    float(amount / orders),
                    cls.as_of - relativedelta(months=months),
                    company=company,
                )
        return customer

    def table_counts(self):
        self.env.flush_all()
        counts = {}
        for table in ("crm_xyz_run", "crm_xyz_history", "crm_xyz_classification"):
            self.env.cr.execute(f"SELECT COUNT(*) FROM {table}")  # pylint: disable=sql-injection
            counts[table] = self.env.cr.fetchone()[0]
        return counts

    def stored_rows(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT * FROM crm_xyz_classification WHERE company_id = %s ORDER BY id",
            [self.company.id],
        )
        return self.env.cr.fetchall()

    def rpc(self, user, method, *args, **kwargs):
        self.env.invalidate_all()
        kwargs["context"] = {"allowed_company_ids": self.company.ids, "tz": "UTC"}
        return call_kw(self.env["crm.xyz.run"].with_user(user), method, list(args), kwargs)


@tagged("post_install", "-at_install")
class TestThresholdArithmetic(PreviewCommon):
    def test_monthly_amounts_have_the_cv(self):
        for cv in range(20, 201, 20):
            values = [float(amount) for amount in monthly_amounts(cv)]
            mean = sum(values) / 10
            variance = sum((value - mean) ** 2 for value in values) / 10
            self.assertAlmostEqual(100 * variance**0.5 / mean, cv, places=9)

    def test_order_statistics_are_exact(self):
        nine = {20: 1, 40: 1, 60: 1, 80: 1, 100: 1, 120: 1, 140: 1, 160: 1, 180: 1}
        third = thresholds.exact_share(1 / 3)
        two_thirds = thresholds.exact_share(2 / 3)
        self.assertEqual((third, two_thirds), (Fraction(1, 3), Fraction(2, 3)))
        # exactly 3 and 6 of 9
        self.assertEqual(thresholds.whole_percent_limit(nine, third), 60)
        self.assertEqual(thresholds.whole_percent_limit(nine, two_thirds), 120)
        # 10/3 rounds up to 4 customers
        ten = {**nine, 200: 1}
        self.assertEqual(thresholds.whole_percent_limit(ten, third), 80)
        # customers that can never be X count in the population, not in the limits
        self.assertIsNone(thresholds.whole_percent_limit({10: 1, None: 2}, two_thirds))

    def test_median_and_period_hint_rule(self):
        self.assertEqual(thresholds.median(Counter({3: 2, 10: 1})), 3)
        self.assertEqual(thresholds.median(Counter({3: 1, 4: 1})), Fraction(7, 2))
        self.assertIsNone(thresholds.median(Counter()))
        # fewer than a third of 12 sub-periods: 3.5, not 4
        self.assertTrue(thresholds.needs_longer_period(Counter({3: 1, 4: 1}), 12))
        self.assertFalse(thresholds.needs_longer_period(Counter({4: 2}), 12))
        self.assertFalse(thresholds.needs_longer_period(Counter(), 12))


@tagged("post_install", "-at_install")
class TestClassificationPreview(PreviewCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.regulars = [cls.create_customer_with_cv(cv) for cv in range(20, 201, 20)]
        cls.one_off = cls.create_customer("XYZ One-off", user_id=cls.salesman.id)
        cls.create_order(cls.one_off, 700, cls.as_of - relativedelta(months=1))
        cls.lost = cls.create_customer("XYZ Lost", user_id=cls.salesman.id)
        cls.create_order(cls.lost, 300, cls.as_of - relativedelta(months=30))
        cls.potential = cls.create_customer("XYZ Potential", user_id=cls.salesman.id)
        cls.create_order(cls.potential, 100, cls.as_of, confirm=False)
        cls.Run = cls.env["crm.xyz.run"].with_user(cls.manager)

    def assert_preview_matches_run(self, settings):
        preview = self.Run.preview_analysis(as_of=self.as_of, **settings)
        self.company.write(settings)
        run = self.run_analysis(self.as_of)
        self.assertEqual(
            preview,
            {
                "stage": {key: run[f"{key}_count"] for key in thresholds.STAGES},
                "abc": {key: run[f"{key.lower()}_count"] for key in "ABC"},
                "xyz": {key: run[f"{key.lower()}_count"] for key in "XYZ"},
                "abc_amount_share": preview["abc_amount_share"],
                # 10 customers bought on more than one day: too few for a purchase model
                "at_risk": {"rule": run.at_risk_count, "model": False},
                "at_risk_method": "rule",
                "purchase_model": False,
            },
            settings,
        )
        # the shares of sales, from the amounts the run stored
        rows = self.env["crm.xyz.classification"].search(
            [("company_id", "=", self.company.id), ("abc_class_auto", "!=", False)]
        )
        total = sum(rows.mapped("classification_amount"))
        for key in "ABC":
            amount = sum(
                rows.filtered(lambda row, key=key: row.abc_class_auto == key).mapped(
                    "classification_amount"
                )
            )
            self.assertAlmostEqual(preview["abc_amount_share"][key], 100 * amount / total, 2)
        # today's figures are now the run's (the customers at risk by its method only)
        self.assertEqual(
            self.Run._current_figures(self.company),
            {
                **{key: preview[key] for key in ("stage", "abc", "xyz", "abc_amount_share")},
                "at_risk": {"rule": run.at_risk_count, "model": None},
                "at_risk_method": "rule",
            },
        )
        return preview

    def test_preview_equals_the_run(self):
        for settings in (
            {},
            {**TEN_MONTHS, "xyz_x_max_cv": 50.0, "xyz_y_max_cv": 120.0},
            {**TEN_MONTHS, "xyz_x_max_cv": 40.0, "xyz_y_max_cv": 100.0, "abc_a_percent": 60.0},
            {
                "xyz_period_unit": "quarter",
                "xyz_period_count": 4,
                "abc_a_percent": 60.0,
                "abc_b_percent": 30.0,
            },
            {**TEN_MONTHS, "xyz_one_off_max_purchases": 12, "xyz_source": "order"},
            {**TEN_MONTHS, "xyz_parameter": "count", "xyz_x_max_cv": 30.0},
        ):
            with self.subTest(settings=settings):
                self.assert_preview_matches_run(settings)

    def test_preview_figures_by_hand(self):
        preview = self.Run.preview_analysis(
            as_of=self.as_of, xyz_x_max_cv=40, xyz_y_max_cv=100, **TEN_MONTHS
        )
        self.assertEqual(preview["stage"], {"potential": 1, "one_off": 1, "regular": 10, "lost": 1})
        # exactly on the limits: 40 % is X, 100 % is Y
        self.assertEqual(preview["xyz"], {"X": 2, "Y": 3, "Z": 5})
        self.assertEqual(sum(preview["abc"].values()), 11)
        self.assertAlmostEqual(sum(preview["abc_amount_share"].values()), 100, 1)

    def test_preview_writes_nothing(self):
        self.run_analysis(self.as_of)
        before_counts, before_rows = self.table_counts(), self.stored_rows()
        for settings in ({}, {**TEN_MONTHS, "xyz_x_max_cv": 50.0, "xyz_y_max_cv": 120.0}):
            self.Run.preview_analysis(as_of=self.as_of, **settings)
            self.Run.suggest_thresholds(as_of=self.as_of, **settings)
        self.assertEqual(self.table_counts(), before_counts)
        self.assertEqual(self.stored_rows(), before_rows)
        # and the statement ran read-only, then went back to a writable transaction
        self.env.cr.execute("SHOW transaction_read_only")
        self.assertEqual(self.env.cr.fetchone()[0], "off")

    def test_bad_settings_get_the_validation_error_of_saving(self):
        for settings, message in (
            ({"xyz_x_max_cv": 30.0, "xyz_y_max_cv": 20.0}, "Y: CV up to"),
            ({"xyz_period_count": 1}, "Number of Sub-periods"),
            ({"xyz_period_unit": "year"}, "Analysis Sub-period"),
            ({"xyz_source": "invoice", "xyz_parameter": "margin"}, "margin"),
            ({"xyz_risk_factor": 1.0}, "At Risk After"),
            ({"no_such_setting": 1}, "no_such_setting"),
        ):
            with self.subTest(settings=settings):
                with self.assertRaisesRegex(ValidationError, message):
                    self.Run.preview_analysis(as_of=self.as_of, **settings)
                known = {key: value for key, value in settings.items() if key in self.company}
                if known and "xyz_period_unit" not in known:
                    with self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
                        self.company.write(known)

    def test_suggested_limits(self):
        # 10 customers with CVs 20, 40, ..., 200: 4 (10/3 rounded up) and 7 (20/3) customers
        self.assertEqual(
            self.Run.suggest_thresholds(as_of=self.as_of, **TEN_MONTHS),
            {"xyz_x_max_cv": 80.0, "xyz_y_max_cv": 140.0},
        )
        # exactly a third and two thirds of 9 customers: 3 and 6
        self.regulars[-1].active = False
        self.assertEqual(
            self.Run.suggest_thresholds(as_of=self.as_of, **TEN_MONTHS),
            {"xyz_x_max_cv": 60.0, "xyz_y_max_cv": 120.0},
        )
        # the limits make those shares of customers X and X or Y in the preview
        preview = self.Run.preview_analysis(
            as_of=self.as_of, xyz_x_max_cv=60.0, xyz_y_max_cv=120.0, **TEN_MONTHS
        )
        self.assertEqual(preview["xyz"], {"X": 3, "Y": 3, "Z": 3})
        # other shares, given as the web client or a script would
        self.assertEqual(
            self.Run.suggest_thresholds(
                as_of=self.as_of, x_share=0.5, xy_share="8/9", **TEN_MONTHS
            ),
            {"xyz_x_max_cv": 100.0, "xyz_y_max_cv": 160.0},
        )
        with self.assertRaises(UserError):
            self.Run.suggest_thresholds(as_of=self.as_of, x_share=0.8, xy_share=0.5, **TEN_MONTHS)

    def test_suggested_limits_round_up_to_a_whole_percent(self):
        for customer in self.regulars:
            customer.active = False
        for cv in ("20.5", "40", "60.01"):
            self.create_customer_with_cv(cv)
        self.assertEqual(
            self.Run.suggest_thresholds(as_of=self.as_of, **TEN_MONTHS),
            {"xyz_x_max_cv": 21.0, "xyz_y_max_cv": 40.0},
        )
        self.assertEqual(
            self.Run.suggest_thresholds(as_of=self.as_of, x_share=1, xy_share=1, **TEN_MONTHS),
            {"xyz_x_max_cv": 61.0, "xyz_y_max_cv": 62.0},
        )

    def test_fewer_than_three_regular_customers(self):
        for customer in self.regulars[2:]:
            customer.active = False
        with self.assertRaisesRegex(UserError, "3 regular customers or more"):
            self.Run.suggest_thresholds(as_of=self.as_of, **TEN_MONTHS)

    def test_warning_when_one_class_holds_more_than_90_percent(self):
        # X up to 10, Y up to 25: 1 Y (CV 20) and 9 Z, exactly 90 %: no warning
        self.company.write({**TEN_MONTHS, "xyz_x_max_cv": 10.0, "xyz_y_max_cv": 25.0})
        run = self.run_analysis(self.as_of)
        self.assertEqual((run.x_count, run.y_count, run.z_count), (0, 1, 9))
        self.assertFalse(run.xyz_not_separating)
        self.assertFalse(self.Run.get_xyz_separation_warning())
        # Y up to 15: 10 Z of 10
        self.company.write({"xyz_y_max_cv": 15.0})
        run = self.run_analysis(self.as_of)
        self.assertTrue(run.xyz_not_separating)
        self.assertIn(
            "(10 of 10) are in class Z", run.with_context(lang="en_US").xyz_separation_warning
        )
        warning = self.Run.get_xyz_separation_warning()
        self.assertEqual(warning["run_id"], run.id)
        self.assertTrue(warning["can_configure"])
        salesman_warning = self.rpc(self.salesman, "get_xyz_separation_warning")
        self.assertEqual(salesman_warning["message"], warning["message"])
        self.assertFalse(salesman_warning["can_configure"])
        # the link of the run form
        action = self.Run.action_open_classification_settings()
        self.assertEqual(action["res_model"], "crm.xyz.classification.settings")
        with self.assertRaises(AccessError):
            self.rpc(self.salesman, "action_open_classification_settings")

    def test_period_hint(self):
        Settings = self.env["crm.xyz.classification.settings"].with_user(self.manager)
        # monthly, the median customer buys in 5 of 10 months: no hint
        wizard = Settings.create({})
        wizard.write(TEN_MONTHS)
        self.assertFalse(wizard.period_hint)
        # weekly, in about 3 of 26 weeks: try months
        wizard.write({"xyz_period_unit": "week", "xyz_period_count": 26})
        self.assertIn("(Week → Month)", wizard.with_context(lang="en_US").period_hint)
        # quarterly: no longer sub-period to suggest
        wizard.write({"xyz_period_unit": "quarter", "xyz_period_count": 2})
        self.assertFalse(wizard.period_hint)

    def test_settings_wizard_preview_and_suggestion(self):
        self.run_analysis(self.as_of)
        Settings = self.env["crm.xyz.classification.settings"].with_user(self.manager)
        wizard = Settings.create({**TEN_MONTHS, "xyz_x_max_cv": 40.0, "xyz_y_max_cv": 100.0})
        html = str(wizard.with_context(lang="en_US").preview_html)
        self.assertIn("With these settings", html)
        self.assertIn("Today", html)
        # an invalid limit explains itself in the preview instead of interrupting the typing
        wizard.xyz_y_max_cv = 30.0
        self.assertIn("must be above", str(wizard.preview_html))
        wizard.action_suggest_limits()
        self.assertEqual((wizard.xyz_x_max_cv, wizard.xyz_y_max_cv), (80.0, 140.0))
        wizard.action_save()
        self.assertEqual((self.company.xyz_x_max_cv, self.company.xyz_y_max_cv), (80.0, 140.0))

    def test_access_through_rpc(self):
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= self.company
        for method in ("preview_analysis", "suggest_thresholds"):
            with self.subTest(method=method):
                with self.assertRaises(AccessError):
                    self.rpc(self.salesman, method, as_of=self.as_of.isoformat(), **TEN_MONTHS)
                by_manager = self.rpc(
                    self.manager, method, as_of=self.as_of.isoformat(), **TEN_MONTHS
                )
                by_admin = self.rpc(admin, method, as_of=self.as_of.isoformat(), **TEN_MONTHS)
                self.assertEqual(by_manager, by_admin)
        self.assertEqual(
            self.rpc(self.manager, "preview_analysis", as_of=self.as_of.isoformat())["stage"][
                "regular"
            ],
            10,
        )


@tagged("post_install", "-at_install")
class TestEarlyWarningSettings(XyzCommon):
    def test_defaults(self):
        company = self.env["res.company"].create({"name": "XYZ Fresh Company"})
        self.assertEqual(company.xyz_risk_factor, 2.0)
        self.assertEqual(company.xyz_risk_min_days, 14)
        self.assertTrue(company.xyz_followup_enabled)
        call = self.env.ref("mail.mail_activity_data_call")
        self.assertEqual(company.xyz_followup_activity_type_id, call)
        # empty reads as the default, where empty is not a valid value
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_company SET xyz_risk_factor = NULL, xyz_followup_activity_type_id = NULL"
            " WHERE id = %s",
            [company.id],
        )
        company.invalidate_recordset()
        settings = company._xyz_risk_settings()
        self.assertEqual(settings["xyz_risk_factor"], 2.0)
        self.assertEqual(settings["xyz_followup_activity_type_id"], call)
        # the columns of a core table are not NOT NULL
        self.env.cr.execute(
            """SELECT column_name, is_nullable FROM information_schema.columns
                WHERE table_name = 'res_company' AND column_name IN %s""",
            [
                (
                    "xyz_risk_factor",
                    "xyz_risk_min_days",
                    "xyz_followup_enabled",
                    "xyz_followup_activity_type_id",
                )
            ],
        )
        self.assertEqual(
            dict(self.env.cr.fetchall()),
            dict.fromkeys(
                (
                    "xyz_risk_factor",
                    "xyz_risk_min_days",
                    "xyz_followup_enabled",
                    "xyz_followup_activity_type_id",
                ),
                "YES",
            ),
        )

    def test_validation_names_the_setting(self):
        for values, message in (
            ({"xyz_risk_factor": 1.0}, "At Risk After"),
            ({"xyz_risk_factor": 0.0}, "At Risk After"),
            ({"xyz_risk_min_days": -1}, "At Risk: at least"),
        ):
            with (
                self.subTest(values=values),
                self.assertRaisesRegex(ValidationError, message),
                self.env.cr.savepoint(),
            ):
                self.company.write(values)
        self.company.write({"xyz_risk_factor": 1.01, "xyz_risk_min_days": 0})

    def test_settings_wizard_saves_them(self):
        Settings = self.env["crm.xyz.classification.settings"].with_user(self.manager)
        wizard = Settings.create({})
        self.assertEqual(wizard.xyz_risk_factor, 2.0)
        self.assertEqual(
            wizard.xyz_followup_activity_type_id, self.env.ref("mail.mail_activity_data_call")
        )
        email = self.env.ref("mail.mail_activity_data_email")
        wizard.write(
            {
                "xyz_risk_factor": 3.0,
                "xyz_risk_min_days": 0,
                "xyz_followup_enabled": False,
                "xyz_followup_activity_type_id": email.id,
            }
        )
        wizard.action_save()
        self.assertEqual(
            self.company._xyz_risk_settings(),
            {
                "xyz_risk_factor": 3.0,
                "xyz_risk_min_days": 0,
                "xyz_followup_enabled": False,
                "xyz_followup_activity_type_id": email,
            },
        )
        wizard = Settings.create({"xyz_risk_factor": 0.5})
        with self.assertRaisesRegex(ValidationError, "At Risk After"):
            wizard.action_save()


@tagged("post_install", "-at_install")
class TestClassificationPreviewTour(HttpCase):
    """The settings show the preview, follow a changed limit, and suggest limits."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.ref("base.main_company")
        cls.manager = new_test_user(
            cls.env,
            login="xyz_preview_manager",
            name="Preview Manager",
            groups="sales_team.group_sale_manager",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        # regular customers whose amounts vary from month to month, to be sure of some
        today = cls.env["crm.xyz.run"]._company_today(company)
        product = cls.env["product.product"].create({"name": "Preview Service", "type": "service"})
        for index in range(4):
            customer = cls.env["res.partner"].create(
                {"name": f"Preview Customer {index}", "is_company": True}
            )
            for months in range(6):
                order = cls.env["sale.order"].create(
                    {
                        "partner_id": customer.id,
                        "company_id": company.id,
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "price_unit": 100 + 10 * months * (index + 1),
                                    "tax_id": [Command.clear()],
                                }
                            )
                        ],
                    }
                )
                order.action_confirm()
                order.date_order = datetime.combine(today - relativedelta(months=months), time(12))

    def test_preview_tour(self):
        self.start_tour(
            "/odoo/action-crm_xyz_addon.crm_xyz_classification_settings_action",
            "crm_xyz_classification_preview",
            login="xyz_preview_manager",
        )
        # Suggest limits saved nothing; Save stored the suggested limits
        company = self.env.ref("base.main_company")
        suggested = self.env["crm.xyz.run"].with_company(company).suggest_thresholds()
        self.assertEqual(
            (company.xyz_x_max_cv, company.xyz_y_max_cv),
            (suggested["xyz_x_max_cv"], suggested["xyz_y_max_cv"]),
        )
