from datetime import datetime, time, timedelta

from odoo.tests import Form, tagged

from odoo.addons.crm_xyz_addon.models.crm_xyz_agenda import CrmXyzAgenda
from odoo.addons.crm_xyz_addon.tests.test_agenda import AgendaCommon
from odoo.addons.crm_xyz_addon.tools import agenda_query

from ..models.crm_xyz_agenda import picking_delivery_events


@tagged("post_install", "-at_install")
class TestAgendaWithInventory(AgendaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.scheduled = datetime.combine(cls.today + timedelta(days=2), time(9, 0))
        cls.order = cls.create_goods_order(cls.contact, 5, 100.0, pricelist=cls.eur_pricelist)
        cls.picking = cls.order.picking_ids
        cls.picking.scheduled_date = cls.scheduled

    def test_companion_installs_itself_with_inventory_only(self):
        base, companion = self.env["ir.module.module"].search(
            [("name", "in", ("crm_xyz_addon", "crm_xyz_addon_stock"))], order="name"
        )
        self.assertTrue(companion.auto_install)
        self.assertEqual(
            set(companion.dependencies_id.mapped("name")), {"crm_xyz_addon", "sale_stock"}
        )
        # the main addon does not need Inventory, even indirectly
        needed, todo = set(), base.dependencies_id.depend_id
        while todo:
            needed |= set(todo.mapped("name"))
            todo = todo.dependencies_id.depend_id.filtered(
                lambda module, seen=frozenset(needed): module.name not in seen
            )
        self.assertNotIn("stock", needed)
        # with Inventory the transfers replace the commitment dates of the main addon
        agenda = self.env["crm.xyz.agenda"]
        self.assertEqual(agenda._delivery_events_query(), picking_delivery_events())
        self.assertEqual(
            CrmXyzAgenda._delivery_events_query(agenda), agenda_query.order_delivery_events()
        )

    def test_deliveries_are_open_outgoing_transfers(self):
        event = self.event_of(self.picking)
        # 5 x 100 EUR at 2 EUR per unit of company currency
        self.assertRecordValues(
            event,
            [
                {
                    "event_type": "delivery",
                    "date": self.scheduled,
                    "all_day": False,
                    "day": self.scheduled.date(),
                    "state": "planned",
                    "partner_id": self.customer.id,
                    "user_id": self.salesman.id,
                    "order_id": self.order.id,
                    "amount": 250.0,
                    "importance": "normal",
                }
            ],
        )
        self.assertEqual(event.name, f"{self.customer.name} · Delivery {self.picking.name}")
        self.assertFalse(
            self.agenda(
                self.manager, [("res_model", "=", "sale.order"), ("event_type", "=", "delivery")]
            )
        )
        self.assertEqual(event.action_open_source()["res_model"], "stock.picking")

        self.picking.priority = "1"
        self.assertTrue(self.event_of(self.picking).name.startswith("! "))

    def test_partial_delivery_leaves_the_backorder(self):
        self.picking.move_ids.quantity = 2
        self.picking.move_ids.picked = True
        action = self.picking.button_validate()
        Form.from_action(self.env, action).save().process()
        backorder = self.order.picking_ids - self.picking
        self.assertEqual(self.picking.state, "done")
        self.assertFalse(
            self.agenda(
                self.manager,
                [("res_model", "=", "stock.picking"), ("res_id", "=", self.picking.id)],
            )
        )
        # 3 left x 100 EUR at 2
        self.assertEqual(self.event_of(backorder).amount, 150.0)

        event = self.event_of(backorder, user=self.salesman)
        action = event.action_order_analysis()
        analysis = self.env[action["res_model"]].browse(action["res_id"])
        self.assertRecordValues(
            analysis.line_ids,
            [
                {
                    "qty_ordered": 5,
                    "qty_delivered": 2,
                    "amount_ordered": 250.0,
                    "amount_delivered": 100.0,
                    "date_delivered": self.today,
                }
            ],
        )
        action = event.action_order_documents()
        documents = self.env[action["res_model"]].browse(action["res_id"]).line_ids
        self.assertEqual(
            sorted((line.document_type, line.res_id) for line in documents),
            sorted([("delivery", self.picking.id), ("delivery", backorder.id)]),
        )

        backorder.move_ids.quantity = 3
        backorder.move_ids.picked = True
        backorder.button_validate()
        self.assertFalse(self.agenda(self.manager, [("event_type", "=", "delivery")]))

    def test_calendar_period_reaches_the_transfers(self):
        """The calendar's period is pushed into the transfers' own scheduled date,
        and its quick read gives the transfer on its day only."""
        agenda = self.agenda_model(self.salesman)
        fields = ["display_name", "date", "partner_id", "amount", "state"]
        day = self.scheduled.date()

        def calendar_read(first, last):
            return agenda.search_read(
                [
                    ("date", "<=", f"{last} 23:59:59"),
                    ("date_stop", ">=", f"{first} 00:00:00"),
                    ("res_model", "=", "stock.picking"),
                ],
                fields,
            )

        [event] = calendar_read(day, day)
        self.assertEqual(
            event,
            {
                "id": self.picking.id * 10 + 4,
                "display_name": f"{self.customer.name} · Delivery {self.picking.name}",
                "date": self.scheduled,
                "partner_id": (self.customer.id, self.customer.display_name),
                "amount": 250.0,
                "state": "planned",
            },
        )
        self.assertFalse(calendar_read(day + timedelta(days=1), day + timedelta(days=7)))
        self.assertFalse(calendar_read(day - timedelta(days=7), day - timedelta(days=1)))
        window = agenda_query.EventWindow(day, day)
        self.assertIn("picking.scheduled_date", picking_delivery_events(window).code)
