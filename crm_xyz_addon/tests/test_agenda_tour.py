from datetime import datetime, time, timedelta

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
