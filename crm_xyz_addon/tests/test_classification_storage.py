"""The classification's own table: what users see of it through res.partner, per company,
and runs that do not make users wait."""

import time

from dateutil.relativedelta import relativedelta
from psycopg2 import errors

from odoo import SUPERUSER_ID, api
from odoo.api import call_kw
from odoo.tests import tagged

from .common import AS_OF, XyzCommon


@tagged("post_install", "-at_install")
class TestClassificationStorage(XyzCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.tz = "UTC"
        cls.steady = cls.create_customer("Storage Steady")
        cls.single = cls.create_customer("Storage Single")
        cls.unclassified = cls.create_customer("Storage Unclassified")
        # regular here, one-off in the second company; the other way round for `single`
        for months in range(4):
            cls.create_order(cls.steady, 100, AS_OF - relativedelta(months=months))
            cls.create_order(
                cls.single,
                100,
                AS_OF - relativedelta(months=months),
                company=cls.company_2,
                user=cls.manager_2,
            )
        cls.create_order(cls.single, 50, AS_OF)
        cls.create_order(cls.steady, 50, AS_OF, company=cls.company_2, user=cls.manager_2)
        cls.run_analysis(AS_OF)
        cls.run_analysis(AS_OF, company=cls.company_2)
        cls.partners = cls.steady | cls.single | cls.unclassified

    def rpc(self, user, companies, model, method, *args, **kwargs):
        self.env.invalidate_all()
        kwargs["context"] = {"allowed_company_ids": companies.ids, "tz": "UTC"}
        return call_kw(self.env[model].with_user(user), method, list(args), kwargs)

    def test_contacts_filter_and_group_by_stage_and_class_in_each_company(self):
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= self.company | self.company_2
        expected = {
            self.company: {self.steady: "regular", self.single: "one_off"},
            self.company_2: {self.steady: "one_off", self.single: "regular"},
        }
        for company, stages in expected.items():
            # the current company is the first of the allowed ones
            companies = company | (self.company | self.company_2)
            mine = [("id", "in", self.partners.ids)]
            regular = self.rpc(
                admin,
                companies,
                "res.partner",
                "search",
                [*mine, ("relationship_stage", "=", "regular")],
            )
            self.assertEqual(regular, [p.id for p, s in stages.items() if s == "regular"])
            # a partner without a row in the company has no stage: "not regular" includes it
            not_regular = self.rpc(
                admin,
                companies,
                "res.partner",
                "search",
                [*mine, ("relationship_stage", "!=", "regular")],
                order="id",
            )
            self.assertEqual(
                not_regular,
                sorted(
                    [p.id for p, s in stages.items() if s != "regular"] + [self.unclassified.id]
                ),
            )
            groups = self.rpc(
                admin,
                companies,
                "res.partner",
                "read_group",
                mine,
                ["relationship_stage"],
                ["relationship_stage"],
            )
            counts = {
                group["relationship_stage"]: group["relationship_stage_count"] for group in groups
            }
            self.assertEqual(counts, {"regular": 1, "one_off": 1, False: 1})
            by_class = self.rpc(
                admin,
                companies,
                "res.partner",
                "read_group",
                [*mine, ("relationship_stage", "!=", False)],
                ["abc_class"],
                ["abc_class"],
            )
            self.assertEqual(sum(group["abc_class_count"] for group in by_class), 2)
            ordered = self.rpc(
                admin,
                companies,
                "res.partner",
                "search",
                [*mine, ("relationship_stage", "!=", False)],
                order="relationship_stage desc, id",
            )
            # the selection values sort as text: regular after one_off
            self.assertEqual(
                ordered, [p.id for p in sorted(stages, key=lambda p: stages[p], reverse=True)]
            )

    def test_groupable_and_sortable_for_the_web_client(self):
        description = self.rpc(
            self.salesman,
            self.company,
            "res.partner",
            "fields_get",
            ["relationship_stage", "abc_class", "xyz_class", "classification_amount"],
            ["groupable", "sortable", "searchable"],
        )
        for name, attributes in description.items():
            self.assertTrue(all(attributes.values()), (name, attributes))

    def test_analysis_rows_per_company_for_salesmen(self):
        # the salesman works in the first company only: its rows, never the second's
        rows = self.rpc(
            self.salesman,
            self.company,
            "crm.xyz.classification",
            "search_read",
            [("partner_id", "in", self.partners.ids)],
            ["partner_id", "relationship_stage", "company_id"],
        )
        self.assertEqual(
            {(row["partner_id"][0], row["relationship_stage"]) for row in rows},
            {(self.steady.id, "regular"), (self.single.id, "one_off")},
        )
        self.assertEqual({row["company_id"][0] for row in rows}, {self.company.id})
        pivot = self.rpc(
            self.salesman,
            self.company,
            "crm.xyz.classification",
            "read_group",
            [("partner_id", "in", self.partners.ids)],
            ["classification_amount:sum"],
            ["abc_class", "xyz_class"],
            lazy=False,
        )
        self.assertEqual(sum(group["__count"] for group in pivot), 2)

    def test_manual_override_lives_in_the_company_row_and_survives_runs(self):
        self.rpc(
            self.manager,
            self.company,
            "res.partner",
            "write",
            self.steady.ids,
            {"relationship_stage_manual": "lost", "xyz_class_manual": "Z"},
        )
        for as_of in (AS_OF, AS_OF + relativedelta(days=1)):
            self.run_analysis(as_of)
            here = self.steady.with_company(self.company)
            self.assertEqual(
                (here.relationship_stage, here.relationship_stage_auto, here.xyz_class),
                ("lost", "regular", "Z"),
            )
            there = self.steady.with_company(self.company_2)
            self.assertEqual(
                (there.relationship_stage, there.relationship_stage_manual), ("one_off", False)
            )

    def test_a_user_saving_a_customer_does_not_wait_for_a_run(self):
        # a customer that other transactions can see; this test's transaction is never committed
        customer = self.env.ref("base.res_partner_2")
        self.create_order(customer, 100, AS_OF)
        self.run_analysis(AS_OF)  # in progress: its transaction is still open
        self.assertTrue(customer.with_company(self.company).relationship_stage_auto)
        with self.registry.cursor() as other:
            other.execute("SET LOCAL lock_timeout = '2s'")
            env = api.Environment(other, SUPERUSER_ID, {})
            started = time.monotonic()
            try:
                env["res.partner"].browse(customer.id).write({"comment": "Saved during a run"})
                env.flush_all()
            except errors.LockNotAvailable:
                self.fail("saving the customer waited for the run's end")
            finally:
                other.rollback()
            self.assertLess(time.monotonic() - started, 2)
