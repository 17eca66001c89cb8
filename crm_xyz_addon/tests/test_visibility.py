from datetime import date, datetime, time, timedelta

from odoo import Command
from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import XyzCommon
from .test_agenda import AgendaCommon

AGENDA = "crm.xyz.agenda"
HIDDEN_FIELDS = ["source_name", "summary", "partner_id", "amount", "res_model", "res_id"]


class VisibilityCommon(AgendaCommon):
    """The common users, plus the administrator and an invoicing salesman, all
    reaching the models as the RPC layer does (odoo.api.call_kw)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.write(
            {"company_ids": [Command.link(cls.company.id)], "company_id": cls.company.id}
        )
        cls.admin.tz = "UTC"
        cls.invoicing_salesman = new_test_user(
            cls.env,
            login="xyz_invoicing_salesman",
            name="Ivan Invoicing",
            groups="sales_team.group_sale_salesman,account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
            tz="UTC",
        )

    def rpc(self, user, model, method, *args, **kwargs):
        records = (
            self.env[model]
            .with_user(user)
            .with_context(tz=user.tz or "UTC", allowed_company_ids=user.company_ids.ids)
        )
        # each request of the web client starts with an empty cache
        self.env.invalidate_all()
        return call_kw(records, method, list(args), kwargs)

    def assert_same_error(self, missing, forbidden, exception=AccessError):
        """Calling `missing()` and `forbidden()` fails alike: no way to tell them apart."""
        with self.assertRaises(exception) as missing_error:
            missing()
        with self.assertRaises(exception) as forbidden_error:
            forbidden()
        self.assertIs(type(missing_error.exception), type(forbidden_error.exception))
        self.assertEqual(str(missing_error.exception), str(forbidden_error.exception))


@tagged("post_install", "-at_install")
class TestPrivateMeetingsOnTheAgenda(VisibilityCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start = datetime.combine(cls.today + timedelta(days=1), time(9, 30))
        cls.private = cls.create_meeting(
            "XYZ Private Lunch", cls.start, cls.contact, privacy="private"
        )
        cls.private_event_id = cls.private.id * 10 + 2

    def test_others_see_busy_with_nothing_else(self):
        for user in (self.manager, self.admin):
            with self.subTest(user=user.login):
                [event] = self.rpc(
                    user,
                    AGENDA,
                    "read",
                    [self.private_event_id],
                    ["name", "display_name", "user_id", "date", "order_id", *HIDDEN_FIELDS],
                )
                self.assertEqual((event["name"], event["display_name"]), ("Busy", "Busy"))
                self.assertEqual(event["user_id"][0], self.salesman.id)
                self.assertEqual(event["date"], self.start)
                for field in ("order_id", *HIDDEN_FIELDS):
                    self.assertFalse(event[field], field)
                # the list and the calendar read with web_search_read
                result = self.rpc(
                    user,
                    AGENDA,
                    "web_search_read",
                    domain=[("id", "=", self.private_event_id)],
                    specification={
                        "name": {},
                        "display_name": {},
                        "partner_id": {"fields": {"display_name": {}}},
                        "source_name": {},
                    },
                )
                self.assertEqual(
                    result["records"],
                    [
                        {
                            "id": self.private_event_id,
                            "name": "Busy",
                            "display_name": "Busy",
                            "partner_id": False,
                            "source_name": False,
                        }
                    ],
                )

    def test_no_search_or_group_reaches_the_customer(self):
        customer_domains = [
            [("partner_id", "=", self.customer.id)],
            [("partner_id.name", "ilike", "XYZ Agenda Customer")],
            [("partner_id", "ilike", "XYZ Agenda Customer")],
            [("source_name", "ilike", "Lunch")],
            [("res_model", "=", "calendar.event"), ("res_id", "=", self.private.id)],
        ]
        for domain in customer_domains:
            with self.subTest(domain=domain):
                self.assertFalse(self.rpc(self.manager, AGENDA, "search_read", domain, ["id"]))
                # the organizer finds it
                self.assertEqual(
                    self.rpc(self.salesman, AGENDA, "search_read", domain, ["id"]),
                    [{"id": self.private_event_id}],
                )
        found = self.rpc(self.manager, AGENDA, "name_search", "XYZ Agenda Customer")
        self.assertNotIn(self.private_event_id, [event_id for event_id, _name in found])
        groups = self.rpc(
            self.manager,
            AGENDA,
            "read_group",
            [("event_type", "=", "meeting"), ("user_id", "=", self.salesman.id)],
            ["partner_id"],
            ["partner_id"],
            lazy=False,
        )
        self.assertEqual([(g["partner_id"], g["__count"]) for g in groups], [(False, 1)])
        groups = self.rpc(
            self.salesman,
            AGENDA,
            "read_group",
            [("event_type", "=", "meeting")],
            ["partner_id"],
            ["partner_id"],
            lazy=False,
        )
        self.assertEqual([g["partner_id"][0] for g in groups], [self.customer.id])

    def test_organizer_and_attendees_see_everything(self):
        [event] = self.rpc(
            self.salesman, AGENDA, "read", [self.private_event_id], ["name", "partner_id"]
        )
        self.assertEqual(event["name"], f"{self.customer.name} · XYZ Private Lunch")
        self.assertEqual(event["partner_id"][0], self.customer.id)
        with_manager = self.create_meeting(
            "XYZ Private Review",
            self.start,
            self.contact | self.manager.partner_id,
            privacy="private",
        )
        [event] = self.rpc(
            self.manager, AGENDA, "read", [with_manager.id * 10 + 2], ["name", "partner_id"]
        )
        self.assertEqual(event["name"], f"{self.customer.name} · XYZ Private Review")
        self.assertEqual(event["partner_id"][0], self.customer.id)
        action = self.rpc(self.manager, AGENDA, "action_open_source", [with_manager.id * 10 + 2])
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("calendar.event", with_manager.id)
        )

    def test_private_calendar_by_default(self):
        """A meeting without a privacy of its own takes its organizer's default."""
        self.salesman_2.with_user(self.salesman_2).calendar_default_privacy = "private"
        meeting = self.create_meeting(
            "XYZ Quiet Visit", self.start, self.contact, user=self.salesman_2
        )
        self.assertFalse(meeting.privacy)
        [event] = self.rpc(
            self.manager,
            AGENDA,
            "read",
            [meeting.id * 10 + 2],
            ["name", "partner_id", "is_private"],
        )
        self.assertEqual(
            (event["name"], event["partner_id"], event["is_private"]), ("Busy", False, True)
        )
        # a public meeting of the same organizer shows
        public = self.create_meeting(
            "XYZ Open Visit", self.start, self.contact, user=self.salesman_2, privacy="public"
        )
        [event] = self.rpc(self.manager, AGENDA, "read", [public.id * 10 + 2], ["name"])
        self.assertEqual(event["name"], f"{self.customer.name} · XYZ Open Visit")

    def test_drill_downs_of_a_hidden_meeting_lead_nowhere(self):
        with self.assertRaisesRegex(UserError, "no document to open"):
            self.rpc(self.manager, AGENDA, "action_open_source", [self.private_event_id])
        with self.assertRaisesRegex(UserError, "no customer"):
            self.rpc(self.manager, AGENDA, "action_customer_balance", [self.private_event_id])

    def test_outsiders_do_not_see_the_meeting(self):
        with self.assertRaises(AccessError):
            self.rpc(self.portal_user, AGENDA, "search_read", [], ["name"])
        self.assertFalse(
            self.rpc(self.manager_2, AGENDA, "search_read", [("id", "=", self.private_event_id)])
        )
        # a colleague does not see another salesman's events at all
        self.assertFalse(
            self.rpc(self.salesman_2, AGENDA, "search_read", [("id", "=", self.private_event_id)])
        )


@tagged("post_install", "-at_install")
class TestClassificationHistoryVisibility(XyzCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.all_documents = new_test_user(
            cls.env,
            login="xyz_all_documents",
            name="Alda All-Documents",
            groups="sales_team.group_sale_salesman_all_leads",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.company_ids = [Command.link(cls.company.id)]
        # mine now, someone else's at the time of the change
        cls.mine_now = cls.create_customer("XYZ Mine Now", user_id=cls.salesman.id)
        # someone else's now, mine at the time of the change
        cls.mine_then = cls.create_customer("XYZ Mine Then", user_id=cls.salesman_2.id)
        cls.never_mine = cls.create_customer("XYZ Never Mine", user_id=cls.salesman_2.id)
        History = cls.env["crm.xyz.history"].sudo()
        row = {"date": date(2026, 3, 31), "company_id": cls.company.id, "stage_trend": "up"}
        cls.row_mine_now = History.create(
            {**row, "partner_id": cls.mine_now.id, "user_id": cls.salesman_2.id}
        )
        cls.row_mine_then = History.create(
            {**row, "partner_id": cls.mine_then.id, "user_id": cls.salesman.id}
        )
        cls.row_never_mine = History.create(
            {**row, "partner_id": cls.never_mine.id, "user_id": cls.salesman_2.id}
        )
        cls.row_other_company = History.create(
            {
                **row,
                "company_id": cls.company_2.id,
                "partner_id": cls.mine_now.id,
                "user_id": cls.manager_2.id,
            }
        )
        cls.company_rows = cls.row_mine_now | cls.row_mine_then | cls.row_never_mine

    def visible_rows(self, user):
        rows = self.rpc(user, "search_read", [], ["id"])
        return self.env["crm.xyz.history"].browse([row["id"] for row in rows])

    def rpc(self, user, method, *args, **kwargs):
        records = self.env["crm.xyz.history"].with_user(user)
        records = records.with_context(allowed_company_ids=user.company_ids.ids)
        self.env.invalidate_all()
        return call_kw(records, method, list(args), kwargs)

    def test_salesman_sees_his_customers_now_and_then(self):
        self.assertEqual(self.visible_rows(self.salesman), self.row_mine_now | self.row_mine_then)
        self.assertEqual(
            self.visible_rows(self.salesman_2),
            self.row_mine_now | self.row_mine_then | self.row_never_mine,
        )
        with self.assertRaises(AccessError):
            self.rpc(self.salesman, "read", self.row_never_mine.ids, ["new_stage"])
        # grouping does not give the others' changes away either
        groups = self.rpc(self.salesman, "read_group", [], ["user_id"], ["user_id"])
        self.assertEqual(sum(group["user_id_count"] for group in groups), 2)

    def test_all_documents_managers_and_admin_see_the_company(self):
        for user in (self.all_documents, self.manager, self.admin):
            with self.subTest(user=user.login):
                self.assertEqual(self.visible_rows(user) & self.company_rows, self.company_rows)
        self.assertEqual(
            self.visible_rows(self.manager_2) & (self.company_rows | self.row_other_company),
            self.row_other_company,
        )
        with self.assertRaises(AccessError):
            self.rpc(self.portal_user, "search_read", [], ["id"])

    def test_partner_form_button_and_count(self):
        action = call_kw(
            self.never_mine.with_user(self.salesman),
            "action_open_classification_history",
            [self.never_mine.ids],
            {},
        )
        self.assertFalse(self.rpc(self.salesman, "search", action["domain"]))
        action = call_kw(
            self.mine_then.with_user(self.salesman),
            "action_open_classification_history",
            [self.mine_then.ids],
            {},
        )
        self.assertEqual(
            self.rpc(self.salesman, "search", action["domain"]), self.row_mine_then.ids
        )

        def history_count(user, partner):
            self.env.invalidate_all()
            partner = partner.with_user(user).with_company(self.company)
            return partner.classification_history_count

        self.assertEqual(history_count(self.salesman, self.never_mine), 0)
        self.assertEqual(history_count(self.manager, self.never_mine), 1)


@tagged("post_install", "-at_install")
class TestCustomerBalanceAccess(VisibilityCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_invoice(cls.customer, 80.0, cls.today)
        cls.create_invoice(cls.other_customer, 30.0, cls.today)
        # the salesman's call on his own customer, and on a customer that is not his
        cls.own_call = cls.create_activity(cls.customer, cls.today)
        cls.other_call = cls.create_activity(cls.other_customer, cls.today)
        # his order for a customer that is not his
        cls.order = cls.create_order(cls.other_customer, 30.0, cls.today)
        cls.order_call = cls.create_activity(cls.order, cls.today)

    def event_id(self, activity):
        return activity.id * 10 + 1

    def balance(self, user, activity):
        action = self.rpc(user, AGENDA, "action_customer_balance", [self.event_id(activity)])
        return self.env[action["res_model"]].sudo().browse(action["res_id"])

    def test_salesman_sees_his_customers_and_the_customers_of_his_orders(self):
        balance = self.balance(self.salesman, self.own_call)
        self.assertRecordValues(balance, [{"partner_id": self.customer.id, "amount_due": 80.0}])
        # the balance dialog is his to read
        [values] = self.rpc(
            self.salesman, "crm.xyz.customer.balance", "read", balance.ids, ["amount_due"]
        )
        self.assertEqual(values["amount_due"], 80.0)
        self.assertEqual(
            self.balance(self.salesman, self.order_call).partner_id, self.other_customer
        )
        # and from the analysis of his order
        action = self.rpc(
            self.salesman, AGENDA, "action_order_analysis", [self.event_id(self.order_call)]
        )
        action = self.rpc(
            self.salesman, action["res_model"], "action_customer_balance", [action["res_id"]]
        )
        balance = self.env[action["res_model"]].sudo().browse(action["res_id"])
        self.assertRecordValues(
            balance, [{"partner_id": self.other_customer.id, "amount_due": 30.0}]
        )

    def test_others_are_refused_with_a_clear_message(self):
        with self.assertRaisesRegex(AccessError, "XYZ Other Customer"):
            self.balance(self.salesman, self.other_call)
        # a sales manager without invoicing rights sees only his own customers' balance
        manager_call = self.create_activity(self.other_customer, self.today, user=self.manager)
        with self.assertRaisesRegex(AccessError, "XYZ Other Customer"):
            self.balance(self.manager, manager_call)
        with self.assertRaises(AccessError):
            self.rpc(
                self.portal_user,
                AGENDA,
                "action_customer_balance",
                [self.event_id(self.own_call)],
            )
        # another company's user: the event is not his to find
        self.assert_same_error(
            lambda: self.rpc(self.manager_2, AGENDA, "action_customer_balance", [999999991]),
            lambda: self.rpc(
                self.manager_2, AGENDA, "action_customer_balance", [self.event_id(self.own_call)]
            ),
        )

    def test_invoicing_users_see_any_customer(self):
        for user in (self.invoicing_salesman, self.admin):
            with self.subTest(user=user.login):
                activity = self.create_activity(self.other_customer, self.today, user=user)
                balance = self.balance(user, activity)
                self.assertRecordValues(
                    balance, [{"partner_id": self.other_customer.id, "amount_due": 30.0}]
                )

    def test_balances_cannot_be_forged_or_read_by_others(self):
        with self.assertRaises(AccessError):
            self.rpc(
                self.salesman,
                "crm.xyz.customer.balance",
                "create",
                {"partner_id": self.other_customer.id, "company_id": self.company.id},
            )
        balance = self.balance(self.salesman, self.own_call)
        with self.assertRaises(AccessError):
            self.rpc(
                self.salesman, "crm.xyz.customer.balance", "write", balance.ids, {"amount_due": 0}
            )
        with self.assertRaises(AccessError):
            self.rpc(
                self.salesman_2, "crm.xyz.customer.balance", "read", balance.ids, ["amount_due"]
            )


@tagged("post_install", "-at_install")
class TestDrillDownProbing(VisibilityCommon):
    """Forged ids: a missing record and another user's get the same answer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.own_order = cls.create_order(cls.customer, 100.0, cls.today)
        cls.own_call = cls.create_activity(cls.own_order, cls.today)
        cls.colleague_order = cls.create_order(cls.customer, 100.0, cls.today, user=cls.salesman_2)
        cls.colleague_call = cls.create_activity(
            cls.colleague_order, cls.today, user=cls.salesman_2
        )
        invoice = cls.own_order._create_invoices()
        invoice.action_post()

    def drill_down(self, user, activity, method):
        action = self.rpc(user, AGENDA, method, [activity.id * 10 + 1])
        return self.env[action["res_model"]].sudo().browse(action["res_id"])

    def test_agenda_actions(self):
        missing_id = 999999991
        colleague_event_id = self.colleague_call.id * 10 + 1
        for method in (
            "action_open_source",
            "action_mark_done",
            "action_reschedule",
            "action_order_analysis",
            "action_order_documents",
            "action_customer_balance",
        ):
            with self.subTest(method=method):
                self.assert_same_error(
                    lambda method=method: self.rpc(self.salesman, AGENDA, method, [missing_id]),
                    lambda method=method: self.rpc(
                        self.salesman, AGENDA, method, [colleague_event_id]
                    ),
                )
                with self.assertRaises(UserError):
                    self.rpc(self.salesman, AGENDA, method, [])
        self.assertTrue(self.colleague_call.active)

    def test_wizard_actions(self):
        analysis = self.drill_down(self.salesman, self.own_call, "action_order_analysis")
        documents = self.drill_down(self.salesman, self.own_call, "action_order_documents")
        balance = self.drill_down(self.salesman, self.own_call, "action_customer_balance")
        self.assertTrue(documents.line_ids and balance.line_ids)
        calls = [
            ("crm.xyz.order.analysis", analysis, "action_order_documents"),
            ("crm.xyz.order.analysis", analysis, "action_customer_balance"),
            ("crm.xyz.order.analysis", analysis, "action_open_order"),
            ("crm.xyz.order.documents", documents, "action_open_order"),
            ("crm.xyz.document.line", documents.line_ids[:1], "action_open_document"),
            ("crm.xyz.document.line", balance.line_ids[:1], "action_open_document"),
        ]
        for model, record, method in calls:
            with self.subTest(model=model, method=method):
                # the owner may
                action = self.rpc(self.salesman, model, method, record.ids)
                self.assertEqual(action["type"], "ir.actions.act_window")
                # a colleague, or anyone with a missing id, gets one answer
                self.assert_same_error(
                    lambda model=model, method=method, record=record: self.rpc(
                        self.salesman_2, model, method, [record.id + 100000]
                    ),
                    lambda model=model, method=method, record=record: self.rpc(
                        self.salesman_2, model, method, record.ids
                    ),
                )

    def test_order_of_another_salesman(self):
        """Drilling down from an order the user may not read: as if it did not exist."""
        analysis = self.drill_down(self.salesman, self.own_call, "action_order_analysis")
        analysis.order_id = self.colleague_order
        for method in ("action_open_order", "action_order_documents"):
            with self.subTest(method=method):
                self.assert_same_error(
                    lambda method=method: self.rpc(
                        self.salesman, "crm.xyz.order.analysis", method, [analysis.id + 100000]
                    ),
                    lambda method=method: self.rpc(
                        self.salesman, "crm.xyz.order.analysis", method, analysis.ids
                    ),
                )

    def test_document_lines_cannot_be_forged(self):
        Line = "crm.xyz.document.line"
        secret = self.env["ir.config_parameter"].search([], limit=1)
        forged = {
            "company_id": self.company.id,
            "name": "Forged",
            "res_model": "ir.config_parameter",
            "res_id": secret.id,
            "can_open": True,
        }
        with self.assertRaises(AccessError):
            self.rpc(self.salesman, Line, "create", forged)
        documents = self.drill_down(self.salesman, self.own_call, "action_order_documents")
        with self.assertRaises(AccessError):
            self.rpc(
                self.salesman,
                Line,
                "write",
                documents.line_ids[:1].ids,
                {"res_model": "ir.config_parameter"},
            )
        for model in ("crm.xyz.order.analysis", "crm.xyz.order.documents"):
            with self.assertRaises(AccessError):
                self.rpc(
                    self.salesman,
                    model,
                    "create",
                    {"order_id": self.colleague_order.id, "company_id": self.company.id},
                )
        # even a line pointing at an unknown model, a forbidden or a missing
        # record (made here as superuser, in the salesman's name) answers alike
        Lines = self.env[Line].with_user(self.salesman).sudo()
        payment = self.env["account.payment"].create(
            {"partner_id": self.customer.id, "amount": 5.0, "payment_type": "inbound"}
        )
        unknown = Lines.create({**forged, "res_model": "no.such.model", "res_id": 1})
        forbidden = Lines.create({**forged, "res_model": "account.payment", "res_id": payment.id})
        missing = Lines.create(
            {**forged, "res_model": "account.payment", "res_id": payment.id + 1000}
        )
        setting = Lines.create(forged)
        errors = set()
        for line in (unknown, forbidden, missing, setting):
            with self.assertRaises(AccessError) as error:
                self.rpc(self.salesman, Line, "action_open_document", line.ids)
            errors.add(str(error.exception))
        self.assertEqual(len(errors), 1)
