"""The private ORM API the addon relies on, as it assumes it.

Odoo may change a private method from one version to the next without notice. These
tests fail, with the name of the method, as soon as one the addon overrides or calls
changes its parameters, or as soon as the length logic the agenda copies from
web_search_read answers differently from Odoo's own.
"""

import inspect

from odoo import fields
from odoo.models import BaseModel
from odoo.tests import tagged
from odoo.tools import sql as sqltools
from odoo.tools.query import Query

from odoo.addons.web.models.models import Base

from .test_agenda import AgendaCommon

OWN_MODULES = ("odoo.addons.crm_xyz_addon", "odoo.addons.crm_xyz_addon_stock")

# (model, method) of Odoo's private methods the addon overrides: each override takes the
# parameters of the method it overrides
OVERRIDDEN = (
    ("res.partner", "_field_to_sql"),
    ("crm.xyz.classification", "_field_to_sql"),
    ("crm.xyz.agenda", "_search"),
    ("crm.xyz.agenda", "web_search_read"),
    ("res.partner", "_track_prepare"),
    ("sale.order", "_prepare_confirmation_values"),
    ("sale.report", "_select_additional_fields"),
    ("sale.report", "_group_by_sale"),
    ("mail.activity.schedule", "_action_schedule_activities"),
    ("base.partner.merge.automatic.wizard", "_merge"),
    ("base.partner.merge.automatic.wizard", "_update_foreign_keys"),
    ("base.partner.merge.automatic.wizard", "_update_values"),
)

# Odoo's private functions the addon calls, with the parameters it passes them
CALLED = (
    (BaseModel._field_to_sql, ["self", "alias", "fname", "query", "flush"]),
    (BaseModel._condition_to_sql, ["self", "alias", "fname", "operator", "value", "query"]),
    (BaseModel._where_calc, ["self", "domain", "active_test"]),
    (BaseModel._search, ["self", "domain", "offset", "limit", "order"]),
    (Query.__init__, ["self", "env", "alias", "table"]),
    (Query.make_alias, ["alias", "link"]),
    (Query.add_join, ["self", "kind", "alias", "table", "condition"]),
    (Query.left_join, ["self", "lhs_alias", "lhs_column", "rhs_table", "rhs_column", "link"]),
    (
        Base._format_web_search_read_results,
        ["self", "domain", "records", "offset", "limit", "count_limit"],
    ),
    # the labels of settings and selections in the messages
    (fields.Field._description_string, ["self", "env"]),
    (fields.Selection._description_selection, ["self", "env"]),
    # the tables made by hand (classification_tables) and the indexes on Odoo's tables
    (sqltools.create_model_table, ["cr", "tablename", "comment", "columns"]),
    (sqltools.create_column, ["cr", "tablename", "columnname", "columntype", "comment"]),
    (sqltools.table_columns, ["cr", "tablename"]),
    (sqltools.set_not_null, ["cr", "tablename", "columnname"]),
    (
        sqltools.get_foreign_keys,
        ["cr", "tablename1", "columnname1", "tablename2", "columnname2", "ondelete"],
    ),
    (
        sqltools.add_foreign_key,
        ["cr", "tablename1", "columnname1", "tablename2", "columnname2", "ondelete"],
    ),
    (sqltools.create_unique_index, ["cr", "indexname", "tablename", "expressions"]),
    (sqltools.create_index, ["cr", "indexname", "tablename", "expressions", "method", "where"]),
)


def parameters(function):
    """The names of the parameters of `function`, *args and **kwargs left out."""
    return [
        name
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    ]


def defaults(function):
    return {
        name: parameter.default
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.default is not parameter.empty
    }


@tagged("post_install", "-at_install")
class TestOdooApiGuard(AgendaCommon):
    def odoo_definition(self, model, method):
        """(own, odoo's): the addon's override of `method` on `model` and the definition
        it overrides, the nearest one of Odoo in the model's classes."""
        own = odoo = None
        for cls in type(self.env[model]).__mro__:
            function = cls.__dict__.get(method)
            if function is None:
                continue
            if cls.__module__.startswith(OWN_MODULES):
                own = own or function
            elif own is not None:
                odoo = function
                break
        return own, odoo

    def test_overrides_take_the_parameters_of_odoos_methods(self):
        for model, method in OVERRIDDEN:
            with self.subTest(model=model, method=method):
                own, odoo = self.odoo_definition(model, method)
                self.assertIsNotNone(own, f"{model}.{method} is no longer overridden")
                self.assertIsNotNone(odoo, f"Odoo no longer defines {model}.{method}")
                self.assertEqual(
                    parameters(own),
                    parameters(odoo),
                    f"Odoo changed the parameters of {model}.{method}: adapt the override",
                )
                self.assertEqual(defaults(own), defaults(odoo), f"{model}.{method}")

    def test_private_functions_take_the_parameters_the_addon_passes(self):
        for function, expected in CALLED:
            with self.subTest(function=function.__qualname__):
                self.assertEqual(parameters(function), expected)
        self.assertEqual(defaults(BaseModel._field_to_sql), {"query": None, "flush": True})
        self.assertIsInstance(Query.__dict__["make_alias"], staticmethod)

    def test_field_descriptions(self):
        # the labels of settings and selections in the addon's messages
        company_fields = self.env["res.company"]._fields
        self.assertEqual(
            company_fields["xyz_period_unit"]._description_selection(self.env),
            [("month", "Month"), ("quarter", "Quarter"), ("week", "Week")],
        )
        self.assertEqual(
            company_fields["xyz_period_count"]._description_string(self.env),
            "Number of Sub-periods",
        )

    def test_agenda_length_is_odoos(self):
        """The length of a page of the agenda's list, which the agenda computes from the
        count of its one query, is the one Odoo's web_search_read gives."""
        for day in range(5):
            self.create_activity(self.customer, self.today, summary=f"Guard call {day}")
        agenda = self.agenda_model(self.salesman)
        domain = [("partner_id", "=", self.customer.id)]
        total = agenda.search_count(domain)
        self.assertGreaterEqual(total, 5)
        cases = [
            {"offset": 0, "limit": None, "count_limit": None},
            {"offset": 0, "limit": 2, "count_limit": None},
            {"offset": 0, "limit": 2, "count_limit": 3},
            {"offset": 0, "limit": 1, "count_limit": 1},
            {"offset": 2, "limit": 2, "count_limit": None},
            {"offset": 0, "limit": total, "count_limit": None},
            {"offset": 0, "limit": total + 5, "count_limit": None},
            {"offset": total - 1, "limit": 2, "count_limit": None},
            {"offset": total + 3, "limit": 2, "count_limit": None},
            {"offset": 1, "limit": 2, "count_limit": total + 10},
        ]
        for force_search_count in (False, True):
            model = agenda.with_context(force_search_count=force_search_count)
            for case in cases:
                with self.subTest(force_search_count=force_search_count, **case):
                    ours = model.web_search_read(domain, {"name": {}}, order="id", **case)
                    odoos = model._format_web_search_read_results(
                        domain, ours["records"], case["offset"], case["limit"], case["count_limit"]
                    )
                    self.assertEqual(ours["length"], odoos["length"])
                    # the same records as the ORM's search
                    expected = model.search(
                        domain, offset=case["offset"], limit=case["limit"], order="id"
                    )
                    self.assertEqual([row["id"] for row in ours["records"]], expected.ids)
