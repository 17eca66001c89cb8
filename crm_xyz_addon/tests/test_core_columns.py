from odoo.tests import tagged
from odoo.tools import SQL

from .common import AS_OF
from .test_agenda import AgendaCommon

ADDONS = ("crm_xyz_addon", "crm_xyz_addon_stock")
OWN_TABLE_PREFIX = "crm_xyz_"


@tagged("post_install", "-at_install")
class TestCoreColumns(AgendaCommon):
    """The columns the addons add to Odoo's tables accept NULL, and NULL reads as the default.

    Odoo's own code and tests insert rows into its tables without our columns (in SQL,
    or from a context that leaves defaults out): a NOT NULL there breaks them.
    """

    def added_core_columns(self):
        """(table, column) of every stored field the addons define on a model they inherit."""
        fields = (
            self.env["ir.model.data"]
            .sudo()
            .search([("model", "=", "ir.model.fields"), ("module", "in", ADDONS)])
        )
        columns = set()
        for field in self.env["ir.model.fields"].sudo().browse(fields.mapped("res_id")).exists():
            model = self.env[field.model]
            if not model._auto or model._table.startswith(OWN_TABLE_PREFIX):
                continue
            if model._fields[field.name].column_type:
                columns.add((model._table, field.name))
        return columns

    def test_no_not_null_column_on_core_tables(self):
        columns = self.added_core_columns()
        # the check covers the columns that once were NOT NULL
        self.assertLessEqual(
            {
                ("mail_activity", "importance"),
                ("mail_activity_schedule", "importance"),
                ("res_company", "xyz_period_unit"),
                ("res_company", "abc_a_percent"),
                ("sale_order", "confirmed_abc_class"),
            },
            columns,
        )
        self.env.cr.execute(
            SQL(
                """SELECT table_name, column_name
                     FROM information_schema.columns
                    WHERE table_schema = current_schema()
                      AND is_nullable = 'NO'
                      AND (table_name, column_name) IN %s""",
                tuple(columns),
            )
        )
        self.assertEqual(self.env.cr.fetchall(), [])

    def test_own_columns_not_fetched_with_odoos_records(self):
        """Odoo reads the company and the orders in nearly every transaction: the addon's
        columns there (all its settings, the classes at confirmation) are fetched only
        when one of them is asked for, then all together."""
        order = self.create_order(self.customer, 100, AS_OF)
        settings = self.own_columns(self.company)
        self.assertEqual(
            {self.company._fields[name].prefetch for name in settings}, {"crm_xyz_settings"}
        )
        for record, own in (
            (self.company, settings),
            (order, [name for name in self.own_columns(order) if name.startswith("confirmed_")]),
        ):
            self.assertGreaterEqual(len(own), 3, record._name)
            self.env.invalidate_all()
            record.mapped("name")
            self.assertEqual([name for name in own if name in record._cache], [], record._name)
            record.mapped(own[0])
            self.assertEqual([name for name in own if name not in record._cache], [], record._name)

    def own_columns(self, record):
        """The addons' stored fields of the record's model."""
        return [
            name
            for name, field in record._fields.items()
            if field._module in ADDONS and field.column_type
        ]

    def test_activity_without_importance_is_normal(self):
        # as Odoo's own code may create it: no importance at all
        activity = self.create_activity(self.customer, self.today, summary="Plain call")
        self.env.flush_all()
        self.env.cr.execute(
            SQL("UPDATE mail_activity SET importance = NULL WHERE id = %s", activity.id)
        )
        activity.invalidate_recordset()
        self.assertFalse(activity.importance)
        # ... or from a client that sends an empty one
        emptied = self.create_activity(self.customer, self.today, importance=False)
        self.assertFalse(emptied.importance)
        events = self.agenda(domain=[("event_type", "=", "contact")])
        plain = events.filtered(lambda event: event.activity_id in activity | emptied)
        self.assertEqual(len(plain), 2)
        self.assertEqual(set(plain.mapped("importance")), {"normal"})
        self.assertEqual(
            plain.filtered(lambda event: event.activity_id == activity).name,
            f"{self.customer.name} · Plain call",
        )
        self.assertEqual(
            self.agenda(domain=[("importance", "=", "normal"), ("event_type", "=", "contact")]),
            plain,
        )

    def test_scheduling_without_importance_gives_normal(self):
        scheduler = (
            self.env["mail.activity.schedule"]
            .with_user(self.salesman)
            .with_context(active_model="res.partner", active_ids=self.customer.ids)
            .create(
                {
                    "activity_type_id": self.call.id,
                    "summary": "Call without importance",
                    "date_deadline": self.today,
                    "activity_user_id": self.salesman.id,
                    "importance": False,
                }
            )
        )
        scheduler.action_schedule_activities()
        activity = self.customer.activity_ids.filtered(
            lambda act: act.summary == "Call without importance"
        )
        self.assertEqual(activity.importance, "normal")

    def test_empty_company_settings_read_as_defaults(self):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """UPDATE res_company
                      SET xyz_period_unit = NULL, xyz_period_count = NULL, xyz_source = NULL,
                          xyz_parameter = NULL, xyz_one_off_max_purchases = NULL,
                          xyz_x_max_cv = NULL, xyz_y_max_cv = NULL,
                          abc_a_percent = NULL, abc_b_percent = NULL
                    WHERE id = %s""",
                self.company.id,
            )
        )
        self.company.invalidate_recordset()
        defaults = {
            "xyz_period_unit": "month",
            "xyz_period_count": 12,
            "xyz_source": "order",
            "xyz_parameter": "revenue",
            "xyz_one_off_max_purchases": 2,
            "xyz_x_max_cv": 10.0,
            "xyz_y_max_cv": 25.0,
            "abc_a_percent": 80.0,
            "abc_b_percent": 15.0,
        }
        self.assertEqual(self.company._xyz_settings(), defaults)
        # a run works with them and records them
        for day in (1, 2, 3):
            self.create_order(self.customer, 100, AS_OF.replace(day=day))
        self.run_analysis(AS_OF)
        run = self.company.xyz_last_run_id
        self.assertEqual({name: run[name] for name in defaults}, defaults)
        customer = self.customer.with_company(self.company)
        self.assertEqual(customer.relationship_stage, "regular")
        self.assertIn("12 months", customer.with_context(lang="en_US").classification_explanation)
