from pathlib import Path

import polib
from lxml import etree

from odoo import fields
from odoo.api import call_kw
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from ..tools.manager_report_query import stage_changes_query
from .common import AS_OF, XyzCommon

ADDONS = Path(__file__).resolve().parent.parent.parent


@tagged("post_install", "-at_install")
class TestClassificationScreens(XyzCommon):
    """What the partner form, the XYZ analysis list, the history, the sale order and the
    drill-down dialogs show, read as the web client reads it (through call_kw)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # regular, A (the larger customer), Z (three orders in the last month of twelve)
        cls.regular = cls.create_customer("XYZ Bursty", user_id=cls.salesman.id)
        for _i in range(3):
            cls.create_order(cls.regular, 400, AS_OF)
        cls.one_off = cls.create_customer("XYZ Once", user_id=cls.salesman.id)
        cls.create_order(cls.one_off, 50, AS_OF)
        cls.run_analysis(AS_OF)

    # ------------------------------------------------------------------ helpers
    def rpc(self, user, model, method, *args, **kwargs):
        records = self.env[model].with_user(user)
        kwargs.setdefault("context", {"allowed_company_ids": user.company_ids.ids})
        self.env.invalidate_all()
        return call_kw(records, method, list(args), kwargs)

    def arch(self, user, model, view_type, xmlid=False):
        view_id = self.env.ref(xmlid).id if xmlid else False
        views = self.rpc(user, model, "get_views", views=[[view_id, view_type]])
        return etree.fromstring(views["views"][view_type]["arch"])

    def shown(self, arch, xpath, values, up_to=None):
        """Whether the node at `xpath` shows for a record of `values`: neither it nor an
        ancestor (up to the one named `up_to`) has an `invisible` that holds."""
        [node] = arch.xpath(xpath)
        for element in (node, *node.iterancestors()):
            expression = element.get("invisible")
            if expression and safe_eval(expression, dict(values)):
                return False
            if element.get("name") == up_to:
                break
        return True

    def today(self):
        """The manager's today (his time zone, as an RPC call without context has it)."""
        return fields.Date.context_today(self.env["res.partner"].with_user(self.manager))

    def read_values(self, user, record, names):
        [values] = self.rpc(user, record._name, "read", record.ids, names)
        return values

    def history(self, partner, kind=None):
        domain = [("partner_id", "in", partner.ids)] + ([("kind", "=", kind)] if kind else [])
        return self.env["crm.xyz.history"].search(domain)

    def override(self, partner, values, user=None):
        self.rpc(user or self.manager, "res.partner", "write", partner.ids, values)

    # ------------------------------------------------- 1. the override on the form
    def test_override_reads_manual_then_what_the_analysis_says(self):
        names = ["classification_explanation", "relationship_stage", "xyz_class"]
        before = self.read_values(self.manager, self.regular, names)
        self.assertTrue(before["classification_explanation"].startswith("3 sales in the last"))
        self.override(self.regular, {"relationship_stage_manual": "one_off"})
        after = self.read_values(self.manager, self.regular, names)
        why = after["classification_explanation"]
        self.assertTrue(
            why.startswith("Manual: one-off (the analysis says: regular, A·Z, because 3 sales "),
            why,
        )
        self.assertIn("XYZ Z: CV", why)
        self.assertTrue(why.endswith(")."), why)
        # a manual class is named too, and a salesman reads the same sentence
        self.override(self.regular, {"abc_class_manual": "C"})
        why = self.read_values(self.salesman, self.regular, names)["classification_explanation"]
        self.assertTrue(why.startswith("Manual: one-off, ABC C (the analysis says: regular, A·Z"))
        # a customer without an override keeps the plain explanation
        plain = self.read_values(self.manager, self.one_off, names)["classification_explanation"]
        self.assertTrue(plain.startswith("1 sale(s) in the last"), plain)

    def test_badge_shows_xyz_for_regular_customers_only(self):
        arch = self.arch(self.manager, "res.partner", "form")
        xyz = "//span[@name='crm_xyz_classes']/field[@name='xyz_class']"
        names = ["relationship_stage", "abc_class", "xyz_class", "relationship_stage_auto"]
        names += ["parent_id", "is_company"]
        values = self.read_values(self.manager, self.regular, names)
        self.assertEqual((values["abc_class"], values["xyz_class"]), ("A", "Z"))
        self.assertTrue(self.shown(arch, xyz, values, up_to="crm_xyz_classes"))
        self.override(self.regular, {"relationship_stage_manual": "one_off"})
        values = self.read_values(self.manager, self.regular, names)
        # the effective XYZ class is still Z, but a one-off customer shows none
        self.assertEqual((values["relationship_stage"], values["xyz_class"]), ("one_off", "Z"))
        self.assertFalse(self.shown(arch, xyz, values, up_to="crm_xyz_classes"))
        self.assertTrue(
            self.shown(arch, "//span[@name='crm_xyz_classes']/field[@name='abc_class']", values)
        )
        # the CV of the figures follows the analysis: shown, it measured a regular customer
        self.assertTrue(self.shown(arch, "//field[@name='classification_cv']", values, "x"))
        one_off = self.read_values(self.manager, self.one_off, names)
        self.assertFalse(self.shown(arch, "//field[@name='classification_cv']", one_off, "x"))
        # the customers list and kanban hide it as well
        for view_type in ("list", "kanban"):
            other = self.arch(self.manager, "res.partner", view_type)
            self.assertFalse(self.shown(other, "//field[@name='xyz_class']", values, "x"))

    # ---------------------------------------------------- 2. manual changes history
    def test_manual_changes_in_the_history_apart_from_the_analysis(self):
        analysis = self.history(self.regular)
        self.assertEqual(analysis.mapped("kind"), ["analysis"])
        self.override(self.regular, {"relationship_stage_manual": "lost"})
        manual = self.history(self.regular, "manual")
        self.assertEqual(len(manual), 1)
        self.assertRecordValues(
            manual,
            [
                {
                    "kind": "manual",
                    "date": self.today(),
                    "company_id": self.company.id,
                    "user_id": self.salesman.id,
                    "create_uid": self.manager.id,
                    "old_stage": "regular",
                    "new_stage": "lost",
                    "old_abc_class": "A",
                    "new_abc_class": "A",
                    "run_id": False,
                    "stage_trend": False,
                }
            ],
        )
        # the same value again changes nothing; clearing it is a change back
        self.override(self.regular, {"relationship_stage_manual": "lost"})
        self.assertEqual(len(self.history(self.regular, "manual")), 1)
        self.override(self.regular, {"relationship_stage_manual": False})
        cleared = self.history(self.regular, "manual") - manual
        self.assertEqual((cleared.old_stage, cleared.new_stage), ("lost", "regular"))
        # superuser writes (the merge carrying an override over) are nobody's decision
        self.regular.sudo().with_company(self.company).xyz_class_manual = "X"
        self.assertEqual(len(self.history(self.regular, "manual")), 2)
        # the search view's filters keep them apart
        search = self.arch(self.manager, "crm.xyz.history", "search")
        for name, kind in (("kind_manual", "manual"), ("kind_analysis", "analysis")):
            [node] = search.xpath(f"//filter[@name='{name}']")
            domain = [*safe_eval(node.get("domain")), ("partner_id", "=", self.regular.id)]
            found = self.rpc(self.manager, "crm.xyz.history", "search_read", domain, ["kind"])
            self.assertEqual({row["kind"] for row in found}, {kind})
        # the list says who made a manual change, and nothing for the analysis's rows
        listing = self.arch(self.manager, "crm.xyz.history", "list")
        self.assertTrue(self.shown(listing, "//field[@name='create_uid']", {"kind": "manual"}))
        self.assertFalse(self.shown(listing, "//field[@name='create_uid']", {"kind": "analysis"}))

    def test_manual_changes_are_seen_like_the_analysis_changes(self):
        self.override(self.regular, {"abc_class_manual": "B"})
        manual = self.history(self.regular, "manual")
        self.assertEqual((manual.old_abc_class, manual.new_abc_class), ("A", "B"))

        def visible(user):
            rows = self.rpc(user, "crm.xyz.history", "search_read", [("kind", "=", "manual")], [])
            return {row["id"] for row in rows}

        # the customer's salesman and the sales managers of the company, nobody else
        self.assertIn(manual.id, visible(self.salesman))
        self.assertIn(manual.id, visible(self.manager))
        self.assertNotIn(manual.id, visible(self.salesman_2))
        self.assertNotIn(manual.id, visible(self.manager_2))
        # the partner's "Class Changes" counts both kinds
        count = self.read_values(self.manager, self.regular, ["classification_history_count"])
        self.assertEqual(count["classification_history_count"], 2)

    def test_the_report_counts_only_the_analysis_changes(self):
        today = self.today()
        params = {
            "company_id": self.company.id,
            "date_from": today,
            "date_to": today,
            "user_ids": [self.salesman.id],
        }

        def stage_changes():
            self.env.flush_all()
            self.env.cr.execute(stage_changes_query(params))
            return {user_id: rest for user_id, *rest in self.env.cr.fetchall()}

        self.override(self.regular, {"relationship_stage_manual": "lost"})
        self.override(self.one_off, {"relationship_stage_manual": "regular"})
        self.assertEqual(len(self.history(self.regular | self.one_off, "manual")), 2)
        self.assertEqual(stage_changes(), {})
        # an analysis change of the same day counts
        self.env["crm.xyz.history"].sudo().create(
            {
                "date": today,
                "company_id": self.company.id,
                "partner_id": self.one_off.id,
                "user_id": self.salesman.id,
                "old_stage": "one_off",
                "new_stage": "lost",
                "stage_trend": "down",
            }
        )
        self.assertEqual(stage_changes(), {self.salesman.id: [0, 1, 1]})

    # ------------------------------------------------------- 3. XYZ analysis list
    def test_analysis_list_columns_have_room_and_cv_is_blank_unless_regular(self):
        arch = self.arch(
            self.manager,
            "crm.xyz.classification",
            "list",
            "crm_xyz_addon.crm_xyz_classification_view_list",
        )
        columns = arch.xpath("/list/field[not(@column_invisible)]")
        self.assertGreater(len(columns), 10)
        for column in columns:
            if column.get("name") != "partner_id":  # the customer takes the rest
                self.assertTrue(column.get("width", "").endswith("px"), column.get("name"))
        names = ["relationship_stage", "relationship_stage_auto"]
        cv = "//field[@name='classification_cv']"
        rows = self.env["crm.xyz.classification"].search([("company_id", "=", self.company.id)])
        regular = rows.filtered(lambda row: row.partner_id == self.regular)
        one_off = rows.filtered(lambda row: row.partner_id == self.one_off)
        self.assertTrue(self.shown(arch, cv, self.read_values(self.manager, regular, names)))
        self.assertFalse(self.shown(arch, cv, self.read_values(self.manager, one_off, names)))

    # ---------------------------------------------------------------- 4. sale order
    def test_sale_order_shows_compact_badges_or_not_classified(self):
        classified = self.create_order(self.regular, 10, AS_OF)
        older = self.create_order(self.one_off, 10, AS_OF)
        # confirmed before the addon: no class stored
        older.sudo().write(
            {
                "confirmed_relationship_stage": False,
                "confirmed_abc_class": False,
                "confirmed_xyz_class": False,
            }
        )
        arch = self.arch(self.salesman, "sale.order", "form")
        confirmed = "//div[@name='crm_xyz_confirmed_class']"
        for node in arch.xpath(f"{confirmed}/field | //div[@name='crm_xyz_customer_class']/field"):
            self.assertEqual(node.get("widget"), "badge", node.get("name"))
        names = [
            "state",
            "partner_id",
            "confirmed_relationship_stage",
            "confirmed_abc_class",
            "confirmed_xyz_class",
            "customer_relationship_stage",
        ]
        values = self.read_values(self.salesman, classified, names)
        self.assertEqual(values["confirmed_relationship_stage"], "regular")
        stage = f"{confirmed}/field[@name='confirmed_relationship_stage']"
        xyz = f"{confirmed}/field[@name='confirmed_xyz_class']"
        not_classified = f"{confirmed}/span"
        self.assertTrue(self.shown(arch, stage, values, "crm_xyz_confirmed_class"))
        self.assertTrue(self.shown(arch, xyz, values, "crm_xyz_confirmed_class"))
        self.assertFalse(self.shown(arch, not_classified, values, "crm_xyz_confirmed_class"))
        values = self.read_values(self.salesman, older, names)
        self.assertEqual(values["customer_relationship_stage"], "one_off")
        self.assertFalse(self.shown(arch, stage, values, "crm_xyz_confirmed_class"))
        self.assertTrue(self.shown(arch, not_classified, values, "crm_xyz_confirmed_class"))
        [label] = arch.xpath(not_classified)
        self.assertEqual(label.text.strip(), "not classified")

    # ------------------------------------------------------------- 5. drill-downs
    def test_drill_downs_show_the_order_as_read_only_text(self):
        for model in ("crm.xyz.order.analysis", "crm.xyz.order.documents"):
            with self.subTest(model=model):
                arch = self.arch(self.salesman, model, "form")
                [order] = arch.xpath("//field[@name='order_id']")
                self.assertIn(order.get("readonly"), ("1", "True"))
                self.assertTrue(safe_eval(order.get("options"))["no_open"])
                self.assertFalse(arch.xpath("//*[@default_focus]"))
        arch = self.arch(self.salesman, "crm.xyz.order.analysis", "form")
        columns = arch.xpath("//field[@name='line_ids']/list/field[not(@column_invisible)]")
        for column in columns:
            name = column.get("name")
            if name in ("product_id", "description"):
                self.assertFalse(column.get("width"), name)
            else:
                self.assertTrue(column.get("width"), name)

    # --------------------------------------------------------------- 6. Russian
    def test_russian_uses_the_words_of_1c(self):
        translations = {}
        for path in (
            ADDONS / "crm_xyz_addon" / "i18n" / "ru.po",
            ADDONS / "crm_xyz_addon_stock" / "i18n" / "ru.po",
        ):
            translations.update({entry.msgid: entry.msgstr for entry in polib.pofile(str(path))})
        expected = {
            "Delivery": "Отгрузка",
            "Deliveries": "Отгрузки",
            "Delivered": "Отгружено",
            "Payment": "Оплата",
            "Contact": "Контакт",
            "Salesperson": "Менеджер",
            "Salespeople": "Менеджеры",
            "Customer": "Клиент",
            "Sales Order": "Заказ клиента",
            "Relationship Stage": "Стадия взаимоотношений",
        }
        self.assertEqual({msgid: translations[msgid] for msgid in expected}, expected)
        for word in ("доставк", "продав", "организаци", "отчет", "взаиморасчет"):
            wrong = [msgid for msgid, text in translations.items() if word in text.lower()]
            self.assertFalse(wrong, f"{word}: {wrong}")
