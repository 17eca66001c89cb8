"""Searches and ids from RPC clients: every condition is applied or clearly refused (never
dropped), the calendar's first and last days are valid bounds, and an id beyond what a
record can have gets the same AccessError as any other forged id."""

from datetime import date, timedelta

from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import AS_OF, XyzCommon

OPERATORS = ("=", "!=", "<", "<=", ">", ">=")
NOT_FOUND = "does not exist or you are not allowed"


class SearchTrustCommon(XyzCommon):
    def call(self, user, model, method, args=(), **kwargs):
        self.env.invalidate_all()
        records = self.env[model].with_user(user).with_context(allowed_company_ids=self.company.ids)
        return call_kw(records, method, list(args), kwargs)


@tagged("post_install", "-at_install")
class TestPartnerFiguresComputedWhenRead(SearchTrustCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"]
        for name, days in (
            ("Recent", [5, 40, 75]),
            ("Quiet", [60, 90, 120]),
            ("Gone", [300, 330]),
            ("Once", [20]),
        ):
            customer = cls.create_customer(f"Figures {name}", user_id=cls.salesman.id)
            for days_before in days:
                cls.create_order(customer, 100, AS_OF - timedelta(days=days_before))
            cls.customers |= customer
        cls.run_analysis(AS_OF - timedelta(days=10))
        # archived after that run: it keeps the date of its own last change
        cls.archived = cls.customers[3]
        cls.archived.action_archive()
        cls.run_analysis(AS_OF)
        cls.never = cls.create_customer("Figures Never Classified", user_id=cls.salesman.id)
        cls.customers |= cls.never

    def figures(self):
        """{partner id: (classified on, days since the last sale)} as read."""
        rows = self.call(
            self.salesman,
            "res.partner",
            "read",
            [self.customers.ids, ["classification_date", "classification_days_since_sale"]],
            context={"active_test": False},
        )
        return {
            row["id"]: (row["classification_date"], row["classification_days_since_sale"])
            for row in rows
        }

    def search(self, *condition, order=None):
        return self.call(
            self.salesman,
            "res.partner",
            "search",
            [[("id", "in", self.customers.ids), condition]],
            order=order,
            context={"active_test": False},
        )

    def test_read_values_are_those_expected(self):
        figures = self.figures()
        self.assertEqual(figures[self.customers[0].id], (AS_OF, 5))
        self.assertEqual(figures[self.customers[1].id], (AS_OF, 60))
        self.assertEqual(figures[self.archived.id], (AS_OF - timedelta(days=10), 10))
        self.assertEqual(figures[self.never.id], (False, 0))

    def test_searches_give_what_is_read(self):
        figures = self.figures()
        compare = {
            "=": lambda a, b: a == b,
            "!=": lambda a, b: a != b,
            "<": lambda a, b: a is not False and a < b,
            "<=": lambda a, b: a is not False and a <= b,
            ">": lambda a, b: a is not False and a > b,
            ">=": lambda a, b: a is not False and a >= b,
        }
        for index, (name, values) in enumerate(
            (
                ("classification_date", (AS_OF, AS_OF - timedelta(days=10))),
                ("classification_days_since_sale", (5, 10, 60, 0)),
            )
        ):
            for value in values:
                for operator in OPERATORS:
                    with self.subTest(name=name, operator=operator, value=value):
                        expected = sorted(
                            partner_id
                            for partner_id, read in figures.items()
                            if compare[operator](read[index], value)
                            # a partner without a row has no figures to compare but "="
                            # and "!=" to empty, as for every classification field
                            and (read[0] or operator in ("=", "!="))
                        )
                        found = sorted(self.search(name, operator, value))
                        self.assertEqual(found, expected)
        self.assertEqual(self.search("classification_date", "=", False), self.never.ids)

    def test_sorted_and_grouped_by_them(self):
        figures = self.figures()
        classified = [partner_id for partner_id in figures if figures[partner_id][0]]
        by_days = self.search("id", "in", classified, order="classification_days_since_sale desc")
        self.assertEqual(by_days, sorted(classified, key=lambda pid: -figures[pid][1]))
        by_date = self.search("id", "in", classified, order="classification_date asc, id")
        self.assertEqual(
            by_date, sorted(classified, key=lambda pid: (figures[pid][0], pid)), by_date
        )
        groups = self.call(
            self.salesman,
            "res.partner",
            "read_group",
            [[("id", "in", self.customers.ids)], ["id:count"], ["classification_date:day"]],
            lazy=False,
            context={"active_test": False},
        )
        counts = {group["classification_date:day"]: group["__count"] for group in groups}
        self.assertEqual(sorted(counts.values()), [1, 1, 3])
        groups = self.call(
            self.salesman,
            "res.partner",
            "read_group",
            [
                [("id", "in", self.customers.ids)],
                ["id:count"],
                ["classification_days_since_sale"],
            ],
            lazy=False,
            context={"active_test": False},
        )
        self.assertEqual(
            {group["classification_days_since_sale"]: group["__count"] for group in groups},
            {5: 1, 60: 1, 300: 1, 10: 1, 0: 1},
        )
        # the list and the kanban offer them
        described = self.call(
            self.salesman,
            "res.partner",
            "fields_get",
            [["classification_date", "classification_days_since_sale"]],
            attributes=["searchable", "sortable", "groupable"],
        )
        for name, description in described.items():
            self.assertEqual(set(description.values()), {True}, name)

    def test_bad_values_are_refused_clearly(self):
        for name, value in (
            ("classification_date", "garbage"),
            ("classification_date", "2024-13-01"),
            ("classification_days_since_sale", "many"),
        ):
            with self.subTest(name=name, value=value), self.assertRaises(UserError):
                self.search(name, "=", value)

    def test_the_xyz_analysis_rows_too(self):
        rows = self.call(
            self.salesman,
            "crm.xyz.classification",
            "search_read",
            [[("classification_days_since_sale", ">=", 60)]],
            fields=["partner_id", "classification_days_since_sale"],
            order="classification_days_since_sale desc",
        )
        self.assertEqual(
            [(row["partner_id"][0], row["classification_days_since_sale"]) for row in rows],
            [(self.customers[2].id, 300), (self.customers[1].id, 60)],
        )


@tagged("post_install", "-at_install")
class TestAgendaSearches(SearchTrustCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = date.today()
        cls.customer = cls.create_customer("Agenda Amberly", user_id=cls.salesman.id)
        cls.other = cls.create_customer("Agenda Brookfield", user_id=cls.salesman.id)
        cls.call_customer = cls.create_activity(cls.customer, cls.today, summary="Follow up")
        cls.email_other = cls.create_activity(
            cls.other,
            cls.today + timedelta(days=3),
            summary=False,
            activity_type=cls.env.ref("mail.mail_activity_data_email"),
        )
        cls.order = cls.create_order(cls.customer, 300, AS_OF, confirm=False)
        cls.on_order = cls.create_activity(cls.order, cls.today, summary="Send the quote")

    def events(self, domain, user=None):
        rows = self.call(
            user or self.salesman,
            "crm.xyz.agenda",
            "search_read",
            [domain],
            fields=["name", "activity_id"],
        )
        return {row["activity_id"][0]: row["name"] for row in rows if row["activity_id"]}

    def test_the_first_and_last_days_of_the_calendar(self):
        everything = self.events([])
        self.assertEqual(
            set(everything), {*self.call_customer.ids, *self.email_other.ids, *self.on_order.ids}
        )
        for domain in (
            [("day", ">=", "0001-01-01")],
            [("day", "<=", "9999-12-31")],
            [("date", "<=", "9999-12-31 23:00:00")],
            [("date", ">=", "0001-01-01 00:00:00")],
            [("date_stop", ">=", "0001-01-01 00:00:00"), ("date", "<", "9999-12-31 23:59:59")],
            [("day", "=", "0001-01-01")],
        ):
            with self.subTest(domain=domain):
                expected = {} if domain == [("day", "=", "0001-01-01")] else everything
                self.assertEqual(self.events(domain), expected)
        # and through the calendar's and the list's own reads
        result = self.call(
            self.salesman,
            "crm.xyz.agenda",
            "web_search_read",
            [[("day", ">=", "0001-01-01"), ("day", "<=", "9999-12-31")]],
            specification={"name": {}, "partner_id": {"fields": {"display_name": {}}}},
        )
        self.assertEqual(result["length"], 3)

    def test_searched_by_name_through_its_parts(self):
        everything = self.events([])
        for value in ("amberly", "Follow", "quote", "Email", "brookfield", "S00", "nothing"):
            for operator in ("ilike", "not ilike"):
                with self.subTest(value=value, operator=operator):
                    found = self.events([("name", operator, value)])
                    expected = {
                        activity_id: name
                        for activity_id, name in everything.items()
                        if (value.lower() in name.lower()) == (operator == "ilike")
                    }
                    self.assertEqual(found, expected)
        self.assertEqual(self.events([("name", "!=", False)]), everything)
        for operator, value in (("=", "Agenda Amberly · Follow up"), ("in", ["x"]), ("ilike", 5)):
            with self.subTest(operator=operator), self.assertRaises(UserError):
                self.events([("name", operator, value)])

    def test_ids_beyond_the_integer_range(self):
        actions = (
            "action_open_source",
            "action_mark_done",
            "action_reschedule",
            "action_order_analysis",
            "action_order_documents",
            "action_customer_balance",
        )
        for event_id in (10**19, 2**63, 2**63 - 1, 2**31, -1, 0):
            for action in actions:
                with (
                    self.subTest(event_id=event_id, action=action),
                    self.assertRaisesRegex(AccessError, NOT_FOUND),
                ):
                    self.call(self.salesman, "crm.xyz.agenda", action, [[event_id]])
        for model, action in (
            ("crm.xyz.order.analysis", "action_open_order"),
            ("crm.xyz.order.documents", "action_open_order"),
            ("crm.xyz.document.line", "action_open_document"),
        ):
            for record_id in (10**19, 2**31, 2**63 - 1):
                with (
                    self.subTest(model=model, record_id=record_id),
                    self.assertRaisesRegex(AccessError, NOT_FOUND),
                ):
                    self.call(self.salesman, model, action, [[record_id]])
        # a real event still opens
        [event] = self.call(
            self.salesman,
            "crm.xyz.agenda",
            "search_read",
            [[("activity_id", "=", self.call_customer.id)]],
            fields=["id"],
        )
        action = self.call(self.salesman, "crm.xyz.agenda", "action_open_source", [[event["id"]]])
        self.assertEqual(action["res_id"], self.customer.id)
