"""Refresh the translation templates from the code and merge them into ru.po.

Exports each addon's .pot from a database where the working tree is installed,
then rewrites ru.po with the template's entries in the template's order, keeping
every existing Russian translation, adding the new strings untranslated and
dropping the strings the code no longer has. Prints what is left to translate.
"""

import polib

LANGUAGES = ("ru",)


def merge(template_file, po_file):
    """Merge the template into po_file; return the msgids left untranslated."""
    template = polib.pofile(str(template_file))
    old = polib.pofile(str(po_file)) if po_file.exists() else polib.POFile()
    translated = {(entry.msgctxt, entry.msgid): entry for entry in old if entry.msgstr}
    merged = polib.POFile(wrapwidth=78)
    merged.metadata = old.metadata or template.metadata
    merged.header = old.header or template.header
    untranslated = []
    for entry in template:
        known = translated.get((entry.msgctxt, entry.msgid))
        entry.msgstr = known.msgstr if known else ""
        entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
        if not known:
            untranslated.append(entry.msgid)
        merged.append(entry)
    merged.save(str(po_file))
    return untranslated


def run(dev, conf, logs, db="crm_xyz_i18n"):
    """Export the templates of dev.ADDONS and merge them; return the untranslated strings."""
    dev.drop_db(db)
    dev.create_from_template(conf, db, logs)
    if not dev._lifecycle_step(
        conf, db, "install for i18n", ["-i", ",".join(dev.ADDONS), "--without-demo=all"], logs
    ):
        raise dev.Failure(f"installing the addons failed, see {logs}")
    left = {}
    for addon in dev.ADDONS:
        template = dev.ROOT / addon / "i18n" / f"{addon}.pot"
        template.parent.mkdir(exist_ok=True)
        rc, _lines = dev.run_odoo_logged(
            dev.odoo_cmd(
                conf,
                "-d",
                db,
                f"--i18n-export={template}",
                f"--modules={addon}",
                "--stop-after-init",
                "--no-http",
                "--log-level=warn",
            ),
            logs / f"i18n_{addon}.log",
        )
        if rc:
            raise dev.Failure(f"exporting {addon}'s template failed, see {logs}")
        for language in LANGUAGES:
            left[f"{addon}/{language}"] = merge(template, template.parent / f"{language}.po")
    dev.drop_db(db)
    return left
