import io
from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import trans_export

I18N = Path(__file__).resolve().parent.parent / "i18n"


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    """The shipped template is up to date and Russian translates every string of it."""

    def exported_msgids(self):
        buffer = io.BytesIO()
        trans_export(False, ["crm_xyz_addon"], buffer, "po", self.env.cr)
        return {entry.msgid for entry in polib.pofile(buffer.getvalue().decode())}

    def test_template_matches_the_code(self):
        shipped = {entry.msgid for entry in polib.pofile(str(I18N / "crm_xyz_addon.pot"))}
        missing = self.exported_msgids() - shipped
        self.assertFalse(missing, f"strings missing from crm_xyz_addon.pot: {sorted(missing)[:20]}")

    def test_russian_is_complete(self):
        template = polib.pofile(str(I18N / "crm_xyz_addon.pot"))
        russian = {entry.msgid: entry for entry in polib.pofile(str(I18N / "ru.po"))}
        untranslated = [
            entry.msgid
            for entry in template
            if entry.msgid not in russian
            or not russian[entry.msgid].msgstr
            or "fuzzy" in russian[entry.msgid].flags
        ]
        self.assertFalse(untranslated, f"untranslated in ru.po: {untranslated[:20]}")

    def test_russian_keeps_the_placeholders(self):
        for entry in polib.pofile(str(I18N / "ru.po")):
            for placeholder in ("%(", "%s"):
                with self.subTest(msgid=entry.msgid):
                    self.assertEqual(
                        entry.msgid.count(placeholder), entry.msgstr.count(placeholder)
                    )

    def test_russian_loads_and_translates(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"].search([("name", "=", "crm_xyz_addon")])._update_translations(
            "ru_RU"
        )
        field = self.env["ir.model.fields"]._get("res.partner", "relationship_stage")
        self.assertNotEqual(
            field.with_context(lang="ru_RU").field_description,
            field.with_context(lang="en_US").field_description,
        )

    def test_partner_labels_translate_like_the_stored_ones(self):
        # the partner's classification fields take their labels from the code strings,
        # the classification's stored fields from the database: both say the same
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"].search([("name", "=", "crm_xyz_addon")])._update_translations(
            "ru_RU"
        )
        russian = self.env(context={"lang": "ru_RU"})
        for name, label in (
            ("relationship_stage", ("regular", "Постоянный")),
            ("relationship_trend", ("up", "Повышение")),
        ):
            with self.subTest(field=name):
                labels = russian["res.partner"].fields_get([name], ["selection"])[name]
                stored = russian["crm.xyz.classification"].fields_get([name], ["selection"])[name]
                self.assertEqual(labels["selection"], stored["selection"])
                self.assertIn(label, labels["selection"])
