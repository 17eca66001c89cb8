from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import Command, fields
from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tests.common import freeze_time
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval
from odoo.tools.sql import index_exists

from odoo.addons.crm_xyz_addon.models.crm_xyz_agenda import CrmXyzAgenda
from odoo.addons.crm_xyz_addon.tools import agenda_query

from .common import XyzCommon


class AgendaCommon(XyzCommon):
    """A customer with a child contact, goods, and helpers reading the agenda as a user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.today()  # the test users live in UTC
        cls.customer = cls.create_customer("XYZ Agenda Customer", user_id=cls.salesman.id)
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Carla Contact",
                "parent_id": cls.customer.id,
                "type": "contact",
            }
        )
        cls.other_customer = cls.create_customer("XYZ Other Customer")
        cls.goods = cls.create_goods_product()
        cls.call = cls.env.ref("mail.mail_activity_data_call")

    def agenda_model(self, user):
        """The agenda as `user` reads it from the web client."""
        return (
            self.env["crm.xyz.agenda"]
            .with_user(user)
            .with_context(tz=user.tz, allowed_company_ids=user.company_ids.ids)
        )

    def agenda(self, user=None, domain=None):
        """The agenda events of the test customers as `user` (the salesman) sees them."""
        customers = (self.customer | self.other_customer).ids
        # the events are computed from other models: forget those read earlier in the test
        # (each request of the web client starts with an empty cache)
        self.env["crm.xyz.agenda"].invalidate_model()
        return self.agenda_model(user or self.salesman).search(
            [("partner_id", "in", customers)] + (domain or [])
        )

    def event_of(self, record, user=None, event_type=None):
        """The single agenda event whose document is `record`."""
        domain = [("res_model", "=", record._name), ("res_id", "=", record.id)]
        if event_type:
            domain.append(("event_type", "=", event_type))
        events = self.agenda(user or self.manager, domain)
        self.assertEqual(len(events), 1, f"one agenda event expected for {record.display_name}")
        return events

    @classmethod
    def create_goods_order(
        cls,
        partner,
        qty,
        price,
        commitment_date=False,
        user=None,
        pricelist=None,
        confirm=True,
        product=None,
    ):
        """An order of `qty` goods (or of `product`) at `price`, confirmed by default."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "user_id": (user or cls.salesman).id,
                "pricelist_id": pricelist.id if pricelist else False,
                "commitment_date": commitment_date,
                "order_line": [
                    Command.create(
                        {
                            "product_id": (product or cls.goods).id,
                            "product_uom_qty": qty,
                            "price_unit": price,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
            }
        )
        if confirm:
            order.action_confirm()
        return order

    @classmethod
    def create_meeting(cls, name, start, attendees, user=None, **values):
        user = user or cls.salesman
        # organised by the salesperson, who may then make it private
        return (
            cls.env["calendar.event"]
            .with_user(user)
            .with_context(no_mail_to_attendees=True)
            .create(
                {
                    "name": name,
                    "start": start,
                    "stop": start + timedelta(hours=1),
                    "user_id": user.id,
                    "partner_ids": [Command.set((attendees | user.partner_id).ids)],
                    **values,
                }
            )
        )

    def pay(self, invoice, amount, currency=None):
        """Register a payment of `amount` (invoice currency by default) on `invoice`."""
        register = (
            self.env["account.payment.register"]
            .with_context(
                active_model="account.move",
                active_ids=invoice.ids,
            )
            .create(
                {
                    "amount": amount,
                    "currency_id": (currency or invoice.currency_id).id,
                    "payment_date": invoice.invoice_date,
                }
            )
        )
        return register._create_payments()


@tagged("post_install", "-at_install")
class TestAgendaSources(AgendaCommon):
    def test_contacts_are_open_activities_on_customers_opportunities_and_orders(self):
        on_contact = self.create_activity(self.contact, self.today, summary="Call Carla")
        lead = self.env["crm.lead"].create(
            {
                "name": "XYZ Desk Project",
                "type": "opportunity",
                "partner_id": self.contact.id,
                "expected_revenue": 1000.0,
                "user_id": self.salesman.id,
            }
        )
        on_lead = self.create_activity(lead, self.today + timedelta(days=2))
        quotation = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "pricelist_id": self.eur_pricelist.id,
                "user_id": self.salesman.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.sold_product.id,
                            "product_uom_qty": 2,
                            "price_unit": 200.0,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
            }
        )
        on_order = self.create_activity(
            quotation, self.today + timedelta(days=5), user=self.salesman_2
        )

        event = self.event_of(self.contact)
        self.assertRecordValues(
            event,
            [
                {
                    "event_type": "contact",
                    "partner_id": self.customer.id,
                    "user_id": self.salesman.id,
                    "day": self.today,
                    "all_day": True,
                    "activity_id": on_contact.id,
                    "company_id": self.env.company.id,
                    "state": "today",
                    "order_id": False,
                }
            ],
        )
        self.assertEqual(
            event.name, f"{self.customer.name} · Call Carla: {self.contact.display_name}"
        )
        self.assertEqual(event.date, datetime.combine(self.today, time(8, 0)))

        event = self.event_of(lead)
        self.assertRecordValues(
            event,
            [
                {
                    "event_type": "contact",
                    "partner_id": self.customer.id,
                    "amount": 1000.0,
                    "activity_id": on_lead.id,
                    "state": "planned",
                }
            ],
        )
        self.assertEqual(event.name, f"{self.customer.name} · Call: {lead.display_name}")

        event = self.event_of(quotation)
        # 400 EUR at 2 EUR per unit of company currency
        self.assertRecordValues(
            event,
            [
                {
                    "event_type": "contact",
                    "partner_id": self.customer.id,
                    "amount": 200.0,
                    "user_id": self.salesman_2.id,
                    "order_id": quotation.id,
                    "activity_id": on_order.id,
                }
            ],
        )

        # done, lost or cancelled: off the agenda
        on_contact.action_done()
        lead.action_set_lost()
        quotation._action_cancel()
        self.assertFalse(self.agenda(self.manager, [("event_type", "=", "contact")]))

    def test_meetings_with_customers(self):
        start = datetime.combine(self.today + timedelta(days=1), time(9, 30))
        meeting = self.create_meeting("XYZ Demo", start, self.contact)
        internal = self.create_meeting("XYZ Team Sync", start, self.salesman_2.partner_id)
        opportunity = self.env["crm.lead"].create(
            {
                "name": "XYZ Chairs",
                "type": "opportunity",
                "partner_id": self.customer.id,
                "user_id": self.salesman.id,
            }
        )
        about_deal = self.create_meeting(
            "XYZ Chairs Review", start, self.env["res.partner"], opportunity_id=opportunity.id
        )
        private = self.create_meeting("XYZ Private Lunch", start, self.contact, privacy="private")

        event = self.event_of(meeting)
        self.assertRecordValues(
            event,
            [
                {
                    "event_type": "meeting",
                    "partner_id": self.customer.id,
                    "user_id": self.salesman.id,
                    "date": start,
                    "date_stop": start + timedelta(hours=1),
                    "all_day": False,
                    "day": start.date(),
                    "state": "planned",
                    "importance": "normal",
                }
            ],
        )
        self.assertEqual(event.name, f"{self.customer.name} · XYZ Demo")
        self.assertFalse(
            self.agenda(
                self.manager, [("res_model", "=", "calendar.event"), ("res_id", "=", internal.id)]
            )
        )
        self.assertEqual(self.event_of(about_deal).partner_id, self.customer)
        # a private meeting keeps its subject and customer from everyone but its
        # organizer and attendees (tests/test_visibility.py goes further)
        self.assertEqual(
            self.event_of(private, user=self.salesman).name,
            f"{self.customer.name} · XYZ Private Lunch",
        )
        self.env["crm.xyz.agenda"].invalidate_model()  # as a new request of the manager
        hidden = self.agenda_model(self.manager).search([("id", "=", private.id * 10 + 2)])
        self.assertRecordValues(
            hidden,
            [{"name": "Busy", "source_name": False, "partner_id": False, "res_id": False}],
        )
        self.assertFalse(self.agenda(self.manager, [("source_name", "ilike", "Lunch")]))

    def test_payments_are_open_instalments_of_posted_invoices(self):
        half_now_half_later = self.env["account.payment.term"].create(
            {
                "name": "XYZ 50/50",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 30}),
                ],
            }
        )
        invoice = self.create_invoice(self.contact, 300.0, self.today, post=False)
        invoice.write(
            {"invoice_user_id": self.salesman.id, "invoice_payment_term_id": half_now_half_later.id}
        )
        invoice.action_post()
        events = self.agenda(
            domain=[("res_model", "=", "account.move"), ("res_id", "=", invoice.id)]
        )
        self.assertRecordValues(
            events,
            [
                {
                    "event_type": "payment",
                    "day": self.today,
                    "amount": 150.0,
                    "state": "today",
                    "partner_id": self.customer.id,
                    "user_id": self.salesman.id,
                    "all_day": True,
                },
                {
                    "event_type": "payment",
                    "day": self.today + timedelta(days=30),
                    "amount": 150.0,
                    "state": "planned",
                    "partner_id": self.customer.id,
                    "user_id": self.salesman.id,
                    "all_day": True,
                },
            ],
        )
        self.assertEqual(events[0].name, f"{self.customer.name} · Payment {invoice.name}")

        self.pay(invoice, 150.0)
        events = self.agenda(
            domain=[("res_model", "=", "account.move"), ("res_id", "=", invoice.id)]
        )
        self.assertRecordValues(events, [{"day": self.today + timedelta(days=30), "amount": 150.0}])
        self.pay(invoice, 150.0)
        self.assertFalse(
            self.agenda(domain=[("res_model", "=", "account.move"), ("res_id", "=", invoice.id)])
        )

        # foreign currency: the residual in company currency
        eur_invoice = self.create_invoice(self.customer, 400.0, self.today, currency=self.eur)
        self.assertEqual(self.event_of(eur_invoice).amount, 200.0)
        # drafts and credit notes are not expected payments
        draft = self.create_invoice(self.customer, 100.0, self.today, post=False)
        refund = self.create_invoice(self.customer, 100.0, self.today, refund=True)
        self.assertFalse(
            self.agenda(
                self.manager,
                [("res_id", "in", (draft | refund).ids), ("res_model", "=", "account.move")],
            )
        )

    def test_payment_of_an_order_invoice_links_the_order(self):
        order = self.create_order(self.customer, 120.0, self.today)
        invoice = order._create_invoices()
        invoice.action_post()
        event = self.event_of(invoice)
        self.assertRecordValues(event, [{"order_id": order.id, "user_id": self.salesman.id}])

    def test_deliveries_without_inventory_use_the_commitment_date(self):
        """The base hook, used when crm_xyz_addon_stock is not installed."""
        promised = datetime.combine(self.today + timedelta(days=3), time(14, 0))
        order = self.create_goods_order(
            self.contact, 3, 100.0, commitment_date=promised, pricelist=self.eur_pricelist
        )
        no_promise = self.create_goods_order(self.customer, 1, 40.0)
        quotation = self.create_goods_order(self.customer, 1, 40.0, confirm=False)
        services = self.create_order(self.customer, 500.0, self.today)
        orders = order | no_promise | quotation | services

        rows = self.base_delivery_rows(orders)
        self.assertEqual([row["order_id"] for row in rows], [order.id, no_promise.id])
        self.assertEqual(rows[0]["event_type"], "delivery")
        self.assertEqual(rows[0]["res_model"], "sale.order")
        self.assertEqual(rows[0]["partner_id"], self.customer.id)
        self.assertEqual(rows[0]["date"], promised)
        self.assertEqual(rows[0]["state"], "planned")
        # 3 x 100 EUR at 2 EUR per unit of company currency
        self.assertAlmostEqual(float(rows[0]["amount"]), 150.0)
        self.assertEqual(rows[1]["date"], no_promise.date_order)

        order.order_line.qty_delivered = 1
        self.assertAlmostEqual(float(self.base_delivery_rows(order)[0]["amount"]), 100.0)
        order.order_line.qty_delivered = 3
        self.assertFalse(self.base_delivery_rows(order))

    def base_delivery_rows(self, orders):
        agenda = self.env["crm.xyz.agenda"].with_context(tz="UTC")
        query = agenda_query.agenda_query(
            [CrmXyzAgenda._delivery_events_query(agenda)],
            "UTC",
            self.today,
            fields.Datetime.now(),
            self.env.uid,
            self.env.user.partner_id.id,
        )
        self.env.flush_all()
        return self.env.execute_query_dict(
            SQL(
                "SELECT * FROM (%s) agenda WHERE order_id IN %s ORDER BY order_id",
                query,
                tuple(orders.ids),
            )
        )


@tagged("post_install", "-at_install")
class TestAgendaStateAndImportance(AgendaCommon):
    def test_state_at_midnight_far_east_of_utc(self):
        """At 10:30 UTC it is already tomorrow 00:30 on Kiritimati (UTC+14)."""
        self.salesman.tz = "Pacific/Kiritimati"
        self.check_states_around_midnight(
            utc_now=datetime(2026, 3, 10, 10, 30),
            local_today=datetime(2026, 3, 11),
            local_midnight_utc=datetime(2026, 3, 10, 10, 0),
        )

    def test_state_at_midnight_far_west_of_utc(self):
        """At 10:30 UTC it is still yesterday 23:30 in Pago Pago (UTC-11)."""
        self.salesman.tz = "Pacific/Pago_Pago"
        self.check_states_around_midnight(
            utc_now=datetime(2026, 3, 10, 10, 30),
            local_today=datetime(2026, 3, 9),
            local_midnight_utc=datetime(2026, 3, 9, 11, 0),
        )

    def check_states_around_midnight(self, utc_now, local_today, local_midnight_utc):
        today = local_today.date()
        activities = {
            state: self.create_activity(
                self.customer, today + timedelta(days=shift), summary=f"XYZ {state}"
            )
            for state, shift in (("overdue", -1), ("today", 0), ("planned", 1))
        }
        # meetings are never overdue: one going on since a minute before the user's
        # midnight is today's, as is one starting right at it; the next one is
        # planned, one that has ended is held
        until_later = {"stop": utc_now + timedelta(hours=1)}
        meetings = {
            "overdue": self.env["calendar.event"],
            "today": self.create_meeting(
                "XYZ late", local_midnight_utc - timedelta(minutes=1), self.contact, **until_later
            )
            | self.create_meeting("XYZ first", local_midnight_utc, self.contact, **until_later),
            "planned": self.create_meeting(
                "XYZ next", local_midnight_utc + timedelta(days=1), self.contact
            ),
            "held": self.create_meeting(
                "XYZ done",
                utc_now - timedelta(hours=1, minutes=1),
                self.contact,
                stop=utc_now - timedelta(minutes=1),
            ),
        }
        with freeze_time(utc_now):
            for state in ("overdue", "today", "planned", "held"):
                by_state = self.agenda(domain=[("state", "=", state)])
                self.assertEqual(
                    by_state.activity_id,
                    activities.get(state, self.env["mail.activity"]),
                    f"{state} contacts in {self.salesman.tz}",
                )
                self.assertEqual(
                    by_state.filtered(lambda event: event.event_type == "meeting").mapped("res_id"),
                    meetings[state].ids,
                    f"{state} meetings in {self.salesman.tz}",
                )
            self.assertEqual(self.event_of(meetings["today"][1], self.salesman).day, today)
            groups = self.agenda_model(self.salesman)._read_group(
                [("partner_id", "=", self.customer.id)], ["state"], ["__count"]
            )
            self.assertEqual(dict(groups), {"overdue": 1, "today": 3, "planned": 2, "held": 1})

    def test_importance_markers(self):
        important = self.create_activity(
            self.customer, self.today, importance="high", summary="Sign the contract"
        )
        unimportant = self.create_activity(
            self.customer, self.today, importance="low", summary="Send the brochure"
        )
        usual = self.create_activity(self.customer, self.today, summary="Ask for feedback")
        self.assertEqual(
            self.env["mail.activity"]
            .create(
                {
                    "res_model_id": self.env["ir.model"]._get("res.partner").id,
                    "res_id": self.customer.id,
                    "user_id": self.salesman.id,
                }
            )
            .importance,
            "normal",
        )
        names = {
            event.activity_id: event.name
            for event in self.agenda(domain=[("event_type", "=", "contact")])
        }
        self.assertEqual(names[important], f"! {self.customer.name} · Sign the contract")
        self.assertEqual(names[unimportant], f"↓ {self.customer.name} · Send the brochure")
        self.assertEqual(names[usual], f"{self.customer.name} · Ask for feedback")

    def test_importance_is_set_when_scheduling(self):
        scheduler = (
            self.env["mail.activity.schedule"]
            .with_user(self.salesman)
            .with_context(
                active_model="res.partner",
                active_ids=self.customer.ids,
            )
            .create(
                {
                    "activity_type_id": self.call.id,
                    "summary": "Call about the renewal",
                    "date_deadline": self.today,
                    "activity_user_id": self.salesman.id,
                    "importance": "high",
                }
            )
        )
        scheduler.action_schedule_activities()
        activity = self.customer.activity_ids.filtered(
            lambda act: act.summary == "Call about the renewal"
        )
        self.assertEqual(activity.importance, "high")
        self.assertTrue(self.event_of(self.customer).name.startswith("! "))
        # ... and changed in the activity form
        activity.with_user(self.salesman).importance = "low"
        self.assertTrue(self.event_of(self.customer).name.startswith("↓ "))


@tagged("post_install", "-at_install")
class TestAgendaViewsAndFilters(AgendaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.overdue_call = cls.create_activity(
            cls.customer, cls.today - timedelta(days=1), importance="high", summary="Overdue call"
        )
        cls.today_call = cls.create_activity(cls.contact, cls.today, summary="Today call")
        cls.planned_call = cls.create_activity(
            cls.other_customer,
            cls.today + timedelta(days=1),
            importance="low",
            summary="Planned call",
        )
        cls.invoice = cls.create_invoice(cls.customer, 80.0, cls.today)
        cls.invoice.invoice_user_id = cls.salesman

    def search_filter(self, name, user=None):
        """The agenda filtered by the search view's filter `name`."""
        user = user or self.salesman
        arch = etree.fromstring(self.env.ref("crm_xyz_addon.crm_xyz_agenda_view_search").arch)
        [node] = arch.xpath(f"//filter[@name='{name}']")
        domain = safe_eval(
            node.get("domain"),
            {
                "uid": user.id,
                "context_today": lambda: self.today,
                "relativedelta": relativedelta,
            },
        )
        return self.agenda(user, domain)

    def test_period_type_and_importance_filters(self):
        self.assertEqual(self.search_filter("overdue").activity_id, self.overdue_call)
        self.assertEqual(self.search_filter("today").activity_id, self.today_call)
        self.assertEqual(
            self.search_filter("today").filtered(lambda e: e.event_type == "payment").res_id,
            self.invoice.id,
        )
        self.assertEqual(self.search_filter("planned").activity_id, self.planned_call)
        self.assertEqual(self.search_filter("important").activity_id, self.overdue_call)
        self.assertEqual(self.search_filter("unimportant").activity_id, self.planned_call)
        self.assertEqual(self.search_filter("type_payment").res_id, self.invoice.id)
        self.assertEqual(
            self.search_filter("type_contact").activity_id,
            self.overdue_call | self.today_call | self.planned_call,
        )
        monday = self.today - timedelta(days=self.today.weekday())
        self.assertEqual(
            set(self.search_filter("this_week").mapped("day")),
            {
                day
                for day in (
                    self.today - timedelta(days=1),
                    self.today,
                    self.today + timedelta(days=1),
                )
                if monday <= day < monday + timedelta(days=7)
            },
        )
        # a custom range
        self.assertEqual(
            self.agenda(
                domain=[
                    ("day", ">=", self.today),
                    ("day", "<=", self.today + timedelta(days=7)),
                    ("event_type", "=", "contact"),
                ]
            ).activity_id,
            self.today_call | self.planned_call,
        )
        # "my events" is the default filter of the menu
        action = self.env.ref("crm_xyz_addon.crm_xyz_agenda_action")
        self.assertEqual(safe_eval(action.context)["search_default_my_events"], 1)
        self.assertFalse(self.search_filter("my_events", self.manager))

    def test_examples_of_the_original(self):
        # all orders to ship today
        shipping_today = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "user_id": self.salesman.id,
                "commitment_date": datetime.combine(self.today, time(11, 0)),
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.goods.id,
                            "product_uom_qty": 1,
                            "price_unit": 10.0,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
            }
        )
        shipping_today.action_confirm()
        shipping_today.picking_ids.scheduled_date = datetime.combine(self.today, time(11, 0))
        to_ship = self.agenda(domain=[("event_type", "=", "delivery"), ("state", "=", "today")])
        self.assertEqual(to_ship.order_id, shipping_today)
        # only the important contacts
        important = self.agenda(
            domain=[("event_type", "=", "contact"), ("importance", "=", "high")]
        )
        self.assertEqual(important.activity_id, self.overdue_call)

    def test_group_by_type_partner_and_state(self):
        events = self.agenda_model(self.salesman)
        domain = [("partner_id", "in", (self.customer | self.other_customer).ids)]
        self.assertEqual(
            dict(events._read_group(domain, ["event_type"], ["__count"])),
            {"contact": 3, "payment": 1},
        )
        self.assertEqual(
            dict(events._read_group(domain, ["state"], ["__count"])),
            {"overdue": 1, "today": 2, "planned": 1},
        )
        by_partner = dict(events._read_group(domain, ["partner_id"], ["__count"]))
        self.assertEqual(by_partner, {self.customer: 3, self.other_customer: 1})
        # the search by name finds the events of a customer
        found = events.name_search("XYZ Other Customer")
        self.assertEqual(
            [event_id for event_id, _name in found],
            self.agenda(domain=[("partner_id", "=", self.other_customer.id)]).ids,
        )

    def test_events_sorted_by_time(self):
        days = self.agenda().mapped("date")
        self.assertEqual(days, sorted(days))

    def test_views_colour_by_state(self):
        """Overdue red, today black, planned grey: the list decorations and the
        calendar extension that colours events by state (checked in the tour)."""
        views = self.env["crm.xyz.agenda"].get_views([(False, "calendar"), (False, "list")])
        calendar = etree.fromstring(views["views"]["calendar"]["arch"])
        self.assertEqual(calendar.get("js_class"), "crm_xyz_agenda_calendar")
        self.assertTrue(calendar.xpath("//field[@name='state']"))
        listing = etree.fromstring(views["views"]["list"]["arch"])
        self.assertEqual(listing.get("decoration-danger"), "state == 'overdue'")
        self.assertEqual(listing.get("decoration-muted"), "state in ('planned', 'held')")
        self.assertEqual(listing.get("decoration-it"), "state == 'held'")
        # no "0.00" for contacts and meetings without an amount
        [amount] = listing.xpath("//field[@name='amount']")
        self.assertEqual(amount.get("invisible"), "not amount")
        self.assertIn("o_xyz_agenda_list", listing.get("class"))
        states = dict(self.env["crm.xyz.agenda"]._fields["state"].selection)
        self.assertEqual(set(states), {"overdue", "today", "planned", "held"})


@tagged("post_install", "-at_install")
class TestAgendaAccess(AgendaCommon):
    def test_salesman_sees_own_events_manager_all(self):
        own = self.create_activity(self.customer, self.today)
        colleague = self.create_activity(self.customer, self.today, user=self.salesman_2)
        self.assertEqual(self.agenda(self.salesman).activity_id, own)
        self.assertEqual(self.agenda(self.salesman_2).activity_id, colleague)
        self.assertEqual(self.agenda(self.manager).activity_id, own | colleague)
        # read over RPC, read-only
        event = self.agenda(self.salesman)
        self.assertEqual(event.read(["event_type", "state"])[0]["event_type"], "contact")
        with self.assertRaises(AccessError):
            event.write({"importance": "low"})
        with self.assertRaises(AccessError):
            event.unlink()

    def test_company_rules(self):
        own_company = self.create_activity(self.customer, self.today, user=self.manager)
        order_2 = self.create_order(
            self.customer, 90.0, self.today, company=self.company_2, user=self.manager_2
        )
        other_company = self.create_activity(order_2, self.today, user=self.manager_2)
        self.assertEqual(self.agenda(self.manager).activity_id, own_company)
        self.assertEqual(self.agenda(self.manager_2).activity_id, other_company)
        self.assertEqual(self.agenda(self.manager_2).company_id, self.company_2)

    def test_portal_user_has_no_agenda(self):
        self.create_activity(self.customer, self.today)
        with self.assertRaises(AccessError):
            self.env["crm.xyz.agenda"].with_user(self.portal_user).search([])
        with self.assertRaises(AccessError):
            self.env["crm.xyz.order.analysis"].with_user(self.portal_user).search([])


@tagged("post_install", "-at_install")
class TestAgendaActions(AgendaCommon):
    def test_open_mark_done_and_reschedule_a_contact(self):
        activity = self.create_activity(self.contact, self.today)
        event = self.agenda()
        action = event.action_open_source()
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", self.contact.id))

        action = event.action_reschedule()
        self.assertEqual(
            (action["res_model"], action["res_id"], action["target"]),
            ("mail.activity", activity.id, "new"),
        )
        self.assertEqual(
            action["views"][0][0], self.env.ref("mail.mail_activity_view_form_popup").id
        )

        event.action_mark_done()
        self.assertFalse(activity.exists() and activity.active)
        self.assertFalse(self.agenda())
        with self.assertRaises(UserError):
            event.action_mark_done()

    def test_actions_that_do_not_apply(self):
        self.create_activity(self.customer, self.today)
        invoice = self.create_invoice(self.customer, 50.0, self.today, post=False)
        invoice.invoice_user_id = self.salesman
        invoice.action_post()
        contact, payment = self.agenda().sorted("event_type")
        with self.assertRaises(UserError):
            payment.action_mark_done()
        with self.assertRaises(UserError):
            payment.action_reschedule()
        with self.assertRaises(UserError):
            contact.action_order_analysis()
        with self.assertRaises(UserError):
            contact.action_order_documents()

    def test_order_analysis_documents_and_balance(self):
        """400 EUR ordered (rate 2: 200), 3 of 4 delivered, all invoiced, half paid,
        one unit credited."""
        order = self.create_goods_order(
            self.customer, 4, 100.0, pricelist=self.eur_pricelist, product=self.sold_product
        )
        order.order_line.qty_delivered = 3
        invoice = order._create_invoices()
        due = self.today - timedelta(days=40)
        invoice.write(
            {
                "invoice_date": due,
                "invoice_payment_term_id": False,
                "invoice_date_due": due,
                "invoice_user_id": self.salesman.id,
            }
        )
        invoice.action_post()
        self.assertEqual(invoice.line_ids.filtered("date_maturity").date_maturity, due)
        self.pay(invoice, 200.0)
        credit_note = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": self.today,
                "currency_id": self.eur.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.sold_product.id,
                            "quantity": 1,
                            "price_unit": 100.0,
                            "tax_ids": [Command.clear()],
                            "sale_line_ids": [Command.set(order.order_line.ids)],
                        }
                    )
                ],
            }
        )
        credit_note.action_post()

        event = self.event_of(invoice, user=self.salesman)
        self.assertEqual(event.order_id, order)
        action = event.action_order_analysis()
        analysis = self.env[action["res_model"]].browse(action["res_id"])
        self.assertRecordValues(
            analysis.line_ids,
            [
                {
                    "product_id": self.sold_product.id,
                    "qty_ordered": 4,
                    "qty_delivered": 3,
                    "qty_invoiced": 3,
                    "amount_ordered": 200.0,
                    "amount_delivered": 150.0,
                    "amount_invoiced": 150.0,
                    "amount_paid": 100.0,
                    "date_invoiced": self.today,
                    "date_paid": self.today - timedelta(days=40),
                }
            ],
        )
        self.assertEqual(analysis.amount_paid, 100.0)

        action = event.action_order_documents()
        documents = self.env[action["res_model"]].browse(action["res_id"]).line_ids
        by_type = {line.document_type: line for line in documents}
        self.assertEqual(set(by_type), {"invoice", "credit_note", "payment"})
        self.assertEqual(by_type["invoice"].amount, 200.0)
        self.assertEqual(by_type["credit_note"].amount, -50.0)
        self.assertEqual(by_type["payment"].amount, 100.0)
        # a salesperson may see that a payment exists without reading payments
        self.assertTrue(by_type["invoice"].can_open)
        self.assertFalse(by_type["payment"].can_open)
        with self.assertRaises(AccessError):
            by_type["payment"].with_user(self.salesman).action_open_document()

        action = event.action_customer_balance()
        balance = self.env[action["res_model"]].browse(action["res_id"])
        self.assertRecordValues(
            balance,
            [
                {
                    "partner_id": self.customer.id,
                    "amount_invoiced": 150.0,
                    "amount_paid": 100.0,
                    "amount_due": 50.0,
                    "amount_overdue": 100.0,
                }
            ],
        )
        self.assertEqual(set(balance.line_ids.mapped("document_type")), {"invoice", "credit_note"})

    def test_order_analysis_needs_access_to_the_order(self):
        order = self.create_order(self.customer, 100.0, self.today, user=self.salesman_2)
        self.create_activity(order, self.today)
        event = self.agenda()
        self.assertEqual(event.order_id, order)
        with self.assertRaises(AccessError):
            event.action_order_analysis()


@tagged("post_install", "-at_install")
class TestAgendaHeldMeetingsAndQuickReads(AgendaCommon):
    """Held meetings, blank amounts, and the one-query reads of the calendar and
    the list against the ORM's."""

    # the fields the calendar view reads (its arch, its dates and the title)
    CALENDAR_FIELDS = [
        "display_name",
        "date",
        "date_stop",
        "all_day",
        "event_type",
        "partner_id",
        "source_name",
        "order_id",
        "amount",
        "user_id",
        "importance",
        "state",
        "day",
        "currency_id",
        "activity_id",
    ]
    LIST_SPECIFICATION = {
        "day": {},
        "date": {},
        "event_type": {},
        "name": {},
        "partner_id": {"fields": {"display_name": {}}},
        "order_id": {"fields": {"display_name": {}}},
        "user_id": {"fields": {"display_name": {}}},
        "importance": {},
        "state": {},
        "amount": {},
        "currency_id": {"fields": {}},
        "activity_id": {"fields": {}},
        "company_id": {"fields": {"display_name": {}}},
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        now = fields.Datetime.now().replace(microsecond=0)
        cls.held = cls.create_meeting("XYZ Held Visit", now - timedelta(days=1), cls.contact)
        cls.ongoing = cls.create_meeting(
            "XYZ Long Visit", now - timedelta(days=1), cls.contact, stop=now + timedelta(hours=1)
        )
        cls.overdue_call = cls.create_activity(
            cls.customer, cls.today - timedelta(days=2), importance="high", summary="Call back"
        )
        cls.colleague_call = cls.create_activity(
            cls.customer, cls.today - timedelta(days=2), user=cls.salesman_2
        )
        cls.order = cls.create_goods_order(
            cls.customer, 2, 60.0, commitment_date=now - timedelta(days=3)
        )
        # with Inventory (crm_xyz_addon_stock) the delivery is the transfer
        cls.delivery_document = (
            cls.order.picking_ids if "picking_ids" in cls.order else cls.order
        ).name

    def test_held_meetings_are_not_overdue(self):
        held = self.event_of(self.held)
        self.assertEqual(held.state, "held")
        self.assertEqual(held.day, self.held.start.date())
        self.assertEqual(self.event_of(self.ongoing).state, "today")
        overdue = self.agenda(self.salesman, [("state", "=", "overdue")])
        self.assertNotIn("meeting", overdue.mapped("event_type"))
        self.assertIn(self.overdue_call, overdue.activity_id)
        self.assertEqual(self.agenda(self.salesman, [("state", "=", "held")]), held)
        labels = dict(self.env["crm.xyz.agenda"]._fields["state"]._description_selection(self.env))
        self.assertEqual(labels["held"], "Held")

    def test_contacts_and_meetings_have_no_amount(self):
        """NULL rather than 0, so that the list shows nothing (invisible="not amount")."""
        self.env.flush_all()
        rows = self.env.execute_query_dict(
            SQL(
                "SELECT event_type, amount FROM (%s) agenda WHERE partner_id = %s",
                self.env["crm.xyz.agenda"]._table_query,
                self.customer.id,
            )
        )
        amounts = {(row["event_type"], row["amount"]) for row in rows}
        self.assertIn(("contact", None), amounts)
        self.assertIn(("meeting", None), amounts)
        self.assertEqual({amount for kind, amount in amounts if kind == "delivery"}, {120})

    def calendar_domain(self, first, last, user):
        """The domain of the calendar over days `first` to `last` ("My Events")."""
        return [
            ("user_id", "=", user.id),
            ("date", "<=", f"{last} 23:59:59"),
            ("date_stop", ">=", f"{first} 00:00:00"),
        ]

    def test_calendar_reads_as_the_orm_does(self):
        first, last = self.today - timedelta(days=7), self.today + timedelta(days=7)
        for user in (self.salesman, self.salesman_2, self.manager, self.admin, self.manager_2):
            with self.subTest(user=user.login):
                domain = self.calendar_domain(first, last, user)
                self.env["crm.xyz.agenda"].invalidate_model()
                quick = call_kw(
                    self.agenda_model(user),
                    "search_read",
                    [],
                    {"domain": domain, "fields": self.CALENDAR_FIELDS},
                )
                self.env["crm.xyz.agenda"].invalidate_model()
                orm = self.agenda_model(user).search(domain).read(self.CALENDAR_FIELDS)
                self.assertEqual(quick, orm)
        # the salesman's own events of the fortnight, nobody else's, titled customer first
        domain = self.calendar_domain(first, last, self.salesman)
        events = self.agenda_model(self.salesman).search_read(domain, self.CALENDAR_FIELDS)
        self.assertEqual(
            {event["display_name"] for event in events},
            {
                f"{self.customer.name} · XYZ Held Visit",
                f"{self.customer.name} · XYZ Long Visit",
                f"! {self.customer.name} · Call back",
                f"{self.customer.name} · Delivery {self.delivery_document}",
            },
        )
        # the colleague's event of the same customer stays his
        self.assertFalse(
            self.agenda_model(self.salesman).search_read(
                [("activity_id", "=", self.colleague_call.id)], ["display_name"]
            )
        )
        with self.assertRaises(AccessError):
            call_kw(
                self.env["crm.xyz.agenda"].with_user(self.portal_user),
                "search_read",
                [],
                {"domain": domain, "fields": self.CALENDAR_FIELDS},
            )

    def test_list_reads_as_the_orm_does(self):
        for user in (self.salesman, self.manager, self.admin, self.manager_2):
            with self.subTest(user=user.login):
                agenda = self.agenda_model(user)
                self.env["crm.xyz.agenda"].invalidate_model()
                quick = call_kw(
                    agenda,
                    "web_search_read",
                    [],
                    {
                        "domain": [("partner_id", "=", self.customer.id)],
                        "specification": self.LIST_SPECIFICATION,
                        "limit": 80,
                        "order": "day desc, id",
                    },
                )
                self.env["crm.xyz.agenda"].invalidate_model()
                records = agenda.search(
                    [("partner_id", "=", self.customer.id)], order="day desc, id"
                )
                self.assertEqual(quick["records"], records.web_read(self.LIST_SPECIFICATION))
                self.assertEqual(quick["length"], len(records))
        [held] = self.agenda_model(self.salesman).web_search_read(
            [("res_model", "=", "calendar.event"), ("res_id", "=", self.held.id)],
            {"name": {}, "partner_id": {"fields": {"display_name": {}}}, "amount": {}},
        )["records"]
        self.assertEqual(
            held,
            {
                "id": self.held.id * 10 + 2,
                "name": f"{self.customer.name} · XYZ Held Visit",
                "partner_id": {"id": self.customer.id, "display_name": self.customer.name},
                "amount": 0.0,
            },
        )

    def test_calendar_period_reaches_each_source(self):
        """The sources filter the period on their own columns, a day wider than asked."""
        window = agenda_query.window_of_domain(
            self.calendar_domain(self.today, self.today, self.salesman), self.today
        )
        self.assertEqual(
            window,
            agenda_query.EventWindow(
                self.today - timedelta(days=1), self.today + timedelta(days=1)
            ),
        )
        self.assertIn("activity.date_deadline >=", agenda_query.contact_events(window).code)
        self.assertIn("meeting.stop >=", agenda_query.meeting_events(window).code)
        # nothing under an OR, and the overdue state bounds the end
        self.assertEqual(
            agenda_query.window_of_domain(
                ["|", ("day", "=", self.today), ("state", "=", "overdue")], self.today
            ),
            agenda_query.UNBOUNDED,
        )
        self.assertEqual(
            agenda_query.window_of_domain([("state", "=", "overdue")], self.today),
            agenda_query.EventWindow(None, self.today + timedelta(days=1)),
        )
        # an event a day outside the period is left out, one on each side of it kept
        for shift, found in ((-2, False), (0, True), (2, False)):
            activity = self.create_activity(self.other_customer, self.today + timedelta(days=shift))
            self.env["crm.xyz.agenda"].invalidate_model()
            events = self.agenda_model(self.salesman).search_read(
                [
                    *self.calendar_domain(self.today, self.today, self.salesman),
                    ("activity_id", "=", activity.id),
                ],
                ["id"],
            )
            self.assertEqual(bool(events), found, shift)

    def test_calendar_and_list_read_in_one_query(self):
        """The calendar's month and a page of the list, its count included, are one query
        each, on indexes that give each source the period of a salesperson."""
        first, last = self.today - timedelta(days=7), self.today + timedelta(days=7)
        domain = self.calendar_domain(first, last, self.salesman)
        agenda = self.agenda_model(self.salesman)
        list_domain = [("user_id", "=", self.salesman.id)]
        # the first reads fill the caches of access rights and rules
        agenda.search_read(domain, self.CALENDAR_FIELDS)
        agenda.web_search_read(list_domain, self.LIST_SPECIFICATION, limit=2)
        self.env.flush_all()
        with self.assertQueryCount(1):
            events = call_kw(
                agenda, "search_read", [], {"domain": domain, "fields": self.CALENDAR_FIELDS}
            )
        self.assertEqual(len(events), 4)
        with self.assertQueryCount(1):
            page = call_kw(
                agenda,
                "web_search_read",
                [],
                {
                    "domain": list_domain,
                    "specification": self.LIST_SPECIFICATION,
                    "limit": 2,
                    "count_limit": 10001,
                },
            )
        self.assertEqual(len(page["records"]), 2)
        self.assertEqual(page["length"], agenda.search_count(list_domain))
        self.assertGreater(page["length"], 2)
        # past the end, and a count limit reached, as the ORM's web_search_read answers
        self.assertEqual(
            agenda.web_search_read(list_domain, {"name": {}}, offset=50, limit=2)["length"], 0
        )
        self.assertEqual(
            agenda.web_search_read(list_domain, {"name": {}}, limit=1, count_limit=2)["length"],
            2,
        )
        for name, table, _columns, _predicate in agenda_query.AGENDA_INDEXES:
            with self.subTest(index=name):
                self.assertTrue(index_exists(self.env.cr, name), table)

    def test_titles_in_russian_start_with_the_customer(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        agenda = self.agenda_model(self.salesman).with_context(lang="ru_RU")
        first, last = self.today - timedelta(days=7), self.today + timedelta(days=7)
        titles = {
            event["display_name"]
            for event in agenda.search_read(
                self.calendar_domain(first, last, self.salesman), ["display_name"]
            )
        }
        self.assertIn(f"{self.customer.name} · Отгрузка {self.delivery_document}", titles)
        self.assertIn(f"! {self.customer.name} · Call back", titles)
        # the list's titles are the same
        records = agenda.web_search_read(
            [("event_type", "=", "delivery"), ("partner_id", "=", self.customer.id)], {"name": {}}
        )["records"]
        self.assertEqual(
            [record["name"] for record in records],
            [f"{self.customer.name} · Отгрузка {self.delivery_document}"],
        )
