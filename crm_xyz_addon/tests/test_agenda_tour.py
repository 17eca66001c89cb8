from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo.tests import HttpCase, tagged

from .test_agenda import AgendaCommon


@tagged("post_install", "-at_install")
class TestAgendaTour(AgendaCommon, HttpCase):
    def test_agenda_tour(self):
        """Colours of an overdue, a today and a planned event and of a held meeting in
        the calendar and the list, the overdue events on today's day view, the
        overdue filter and the order analysis of an overdue delivery."""
        self.salesman.tour_enabled = False
        self.create_activity(
            self.customer,
            self.today - timedelta(days=1),
            importance="high",
            summary="XYZ overdue call",
        )
        self.create_activity(self.customer, self.today, summary="XYZ today call")
        self.create_activity(
            self.customer,
            self.today + timedelta(days=1),
            importance="low",
            summary="XYZ planned call",
        )
        yesterday = datetime.combine(self.today - timedelta(days=1), time(10, 0))
        self.create_meeting("XYZ held visit", yesterday, self.contact)
        order = self.create_goods_order(self.customer, 2, 60.0, commitment_date=yesterday)
        if "picking_ids" in order._fields:  # with Inventory, the transfer is the delivery
            order.picking_ids.scheduled_date = yesterday
        self.start_tour(
            "/odoo/action-crm_xyz_addon.crm_xyz_agenda_action",
            "crm_xyz_agenda_tour",
            login=self.salesman.login,
        )


@tagged("post_install", "-at_install")
class TestRussianTour(AgendaCommon, HttpCase):
    """A sales manager who reads Russian goes through the agenda, a customer's
    Classification tab and the XYZ analysis (static/tests/tours/crm_xyz_ru_tour.js)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ru_RU")
        cls.env["ir.module.module"].search(
            [("name", "in", ("crm_xyz_addon", "crm_xyz_addon_stock")), ("state", "=", "installed")]
        )._update_translations("ru_RU")
        cls.manager.write({"lang": "ru_RU", "tour_enabled": False})

    def test_agenda_partner_and_analysis_in_russian(self):
        yesterday = datetime.combine(self.today - timedelta(days=1), time(10, 0))
        self.create_activity(
            self.customer, self.today - timedelta(days=1), user=self.manager, summary="XYZ RU call"
        )
        self.create_meeting("XYZ RU visit", yesterday, self.contact, user=self.manager)
        # a delivery of today: in the calendar's first week whatever the weekday
        self.create_goods_order(
            self.customer,
            1,
            80.0,
            commitment_date=datetime.combine(self.today, time(12, 0)),
            user=self.manager,
        )
        # an order a month for four months: a regular customer
        for months in range(4):
            self.create_order(self.customer, 100.0, self.today - relativedelta(months=months))
        self.run_analysis(self.today)
        # invoiced before: listed under Sales' Customers (customer_rank > 0)
        self.customer.customer_rank = 1
        self.start_tour(
            "/odoo/action-crm_xyz_addon.crm_xyz_agenda_action",
            "crm_xyz_ru_tour",
            login=self.manager.login,
        )
