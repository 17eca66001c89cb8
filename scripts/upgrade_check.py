"""Upgrade from the previous release: nothing a user entered or the analysis wrote is lost.

The previous release is the addons as they were in the parent of the commit that
set the current manifest version (from git history). The check installs that
release with its demo data into a database, adds manual overrides in every
company, takes a snapshot through the ORM (so that it does not depend on how
either release stores the values), upgrades the database to the working tree,
takes the snapshot again and compares: every override, automatic value, history
row, run and follow-up of the early warning of the snapshot before must be found
unchanged after, and the manager report of the last year must give the same figures.
"""

import json
import subprocess
import tarfile
from io import BytesIO
from pathlib import Path

ADDON = "crm_xyz_addon"

# What a user or the analysis stored: read with the ORM of either release.
PARTNER_FIELDS = (
    "relationship_stage",
    "relationship_stage_auto",
    "relationship_stage_manual",
    "abc_class",
    "abc_class_auto",
    "abc_class_manual",
    "xyz_class",
    "xyz_class_auto",
    "xyz_class_manual",
    "relationship_stage_prev",
    "abc_class_prev",
    "xyz_class_prev",
    "relationship_trend",
    "classification_amount",
    "classification_purchase_count",
    "classification_cv",
    "classification_last_sale_date",
    "classification_date",
)
HISTORY_FIELDS = (
    "date",
    "run_id",
    "company_id",
    "partner_id",
    "user_id",
    "old_stage",
    "new_stage",
    "old_abc_class",
    "new_abc_class",
    "old_xyz_class",
    "new_xyz_class",
    "stage_trend",
)
RUN_FIELDS = (
    "date",
    "company_id",
    "user_id",
    "customer_count",
    "potential_count",
    "one_off_count",
    "regular_count",
    "lost_count",
    "a_count",
    "b_count",
    "c_count",
    "x_count",
    "y_count",
    "z_count",
    "changed_count",
)

# Run in an Odoo shell of the previous release: overrides in every company.
OVERRIDE_SCRIPT = """
companies = env["res.company"].search([])
for company in companies:
    partners = env["res.partner"].with_company(company).search(
        [("relationship_stage_auto", "!=", False), ("is_company", "=", True)], order="id", limit=3
    )
    for partner, values in zip(partners, [
        {"relationship_stage_manual": "regular"},
        {"abc_class_manual": "A", "xyz_class_manual": "X"},
        {"relationship_stage_manual": "lost", "abc_class_manual": "C"},
    ]):
        partner.write(values)
env.cr.commit()
print("CRM_XYZ_OVERRIDES", sum(
    env["res.partner"].with_company(c).search_count([("relationship_stage_manual", "!=", False)])
    for c in companies
))
"""

SNAPSHOT_SCRIPT = """
import json
snapshot = {"partners": {}, "history": [], "runs": []}
fields_of = {
    "res.partner": %(partner_fields)r,
    "crm.xyz.history": %(history_fields)r,
    "crm.xyz.run": %(run_fields)r,
}

def plain(records, names):
    rows = []
    for record in records:
        row = {"id": record.id}
        for name in names:
            value = record[name]
            if hasattr(value, "_name"):
                value = value.id
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            elif isinstance(value, float):
                value = round(value, 2)
            row[name] = value
        rows.append(row)
    return rows

for company in env["res.company"].search([]):
    partners = env["res.partner"].with_company(company).with_context(active_test=False).search(
        ["|", ("relationship_stage_auto", "!=", False), ("relationship_stage_manual", "!=", False)]
    )
    snapshot["partners"][str(company.id)] = plain(partners, fields_of["res.partner"])
history = env["crm.xyz.history"].search([], order="id")
snapshot["history"] = plain(history, fields_of["crm.xyz.history"])
snapshot["runs"] = plain(env["crm.xyz.run"].search([], order="id"), fields_of["crm.xyz.run"])
# the follow-ups of the early warning: each still there, for its salesperson and customer
snapshot["followups"] = [
    {"id": episode.activity_id.id, "episode": episode.id, "customer": episode.partner_id.id,
     "user_id": episode.activity_id.user_id.id, "summary": episode.activity_id.summary,
     "date_deadline": episode.activity_id.date_deadline.isoformat()}
    for episode in env["crm.xyz.warning"].with_context(active_test=False).search(
        [("activity_id", "!=", False)], order="id")
    if episode.activity_id.exists()
] if "crm.xyz.warning" in env else []
# the manager report of a year in each company, as the administrator sees it
snapshot["report"] = {}
if "crm.xyz.manager.report.service" in env:
    import datetime
    # up to yesterday: nothing of the period happens between the two snapshots
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    admin = env.ref("base.user_admin")
    for company in admin.company_ids:
        service = env["crm.xyz.manager.report.service"].with_user(admin).with_company(company)
        snapshot["report"][str(company.id)] = [
            {key: round(value, 2) if isinstance(value, float) else value
             for key, value in row.items()}
            for row in service.get_indicators(yesterday - datetime.timedelta(days=364), yesterday)
        ]
open(%(path)r, "w").write(json.dumps(snapshot, sort_keys=True))
print("CRM_XYZ_SNAPSHOT", sum(map(len, snapshot["partners"].values())),
      len(snapshot["history"]), len(snapshot["runs"]), len(snapshot["followups"]))
"""


def previous_release(root):
    """(commit, version) of the release before the current manifest version, or None."""
    manifest = f"{ADDON}/__manifest__.py"

    def git(*args):
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
        ).stdout.strip()

    bump = git("log", "-1", "--format=%H", "-G", '"version"', "--", manifest)
    if not bump or not git("rev-parse", "--verify", "--quiet", f"{bump}^"):
        return None
    text = git("show", f"{bump}^:{manifest}")
    if not text:
        return None
    version = eval(text, {})["version"]
    return f"{bump}^", version


def release_commit(root, version):
    """The last commit of the addon at manifest ``version``, or None (not in the history)."""
    manifest = f"{ADDON}/__manifest__.py"

    def git(*args):
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
        ).stdout.strip()

    for bump in git("log", "--format=%H", "-G", '"version"', "--", manifest).split():
        text = git("show", f"{bump}^:{manifest}")
        if text and eval(text, {})["version"] == version:
            return f"{bump}^"
    return None


def extract(root, ref, target):
    """The addons of `ref`, extracted into `target`."""
    archive = subprocess.run(
        ["git", "-C", str(root), "archive", "--format=tar", ref, ADDON, f"{ADDON}_stock"],
        capture_output=True,
        check=True,
    ).stdout
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def snapshot_script(path):
    return SNAPSHOT_SCRIPT % {
        "partner_fields": PARTNER_FIELDS,
        "history_fields": HISTORY_FIELDS,
        "run_fields": RUN_FIELDS,
        "path": str(path),
    }


def compare(before_file, after_file):
    """Lines describing what the upgrade lost or changed (empty when nothing)."""
    before = json.loads(Path(before_file).read_text())
    after = json.loads(Path(after_file).read_text())
    problems = []
    for company, rows in before["partners"].items():
        after_rows = {row["id"]: row for row in after["partners"].get(company, [])}
        for row in rows:
            new = after_rows.get(row["id"])
            if new is None:
                problems.append(f"company {company}: partner {row['id']} lost its classification")
                continue
            for name, value in row.items():
                if new.get(name) != value:
                    problems.append(
                        f"company {company}: partner {row['id']} {name}: "
                        f"{value!r} before, {new.get(name)!r} after"
                    )
    for kind in ("history", "runs"):
        after_rows = {row["id"]: row for row in after[kind]}
        for row in before[kind]:
            new = after_rows.get(row["id"])
            if new is None:
                problems.append(f"{kind}: row {row['id']} lost")
            elif any(new.get(name) != value for name, value in row.items()):
                problems.append(f"{kind}: row {row['id']} changed: {row} -> {new}")
    problems += _followup_changes(before, after)
    # the figures of the manager report stay the same (an indicator added since has none
    # before: only those of the previous release are compared)
    for company, rows in before.get("report", {}).items():
        new_rows = after.get("report", {}).get(company) or []
        kept = [
            {name: row.get(name) for name in old} for old, row in zip(rows, new_rows, strict=False)
        ]
        if len(new_rows) != len(rows) or kept != rows:
            problems.append(
                f"company {company}: the manager report's figures changed: {rows} before, "
                f"{after.get('report', {}).get(company)} after"
            )
    overrides = sum(
        1
        for rows in before["partners"].values()
        for row in rows
        if any(row[name] for name in row if name.endswith("_manual"))
    )
    if not overrides or not before["history"] or not before["runs"]:
        problems.append(
            "the snapshot before the upgrade holds no override, history or run: nothing was proven"
        )
    return problems


# nothing of the addon may run when Odoo writes its documents: no trigger, no function
# (18.0.2.2.0 kept its summaries with both), nor a table of a former release
# the functions the addon itself creates now (the purchase model's expected purchases)
CURRENT_FUNCTIONS = ("crm_xyz_bgnbd_purchases_while_alive",)
LEFTOVERS_QUERY = f"""
    SELECT 'trigger ' || tgname FROM pg_trigger WHERE tgname LIKE 'crm\\_xyz%'
     UNION ALL
    SELECT 'function ' || proname FROM pg_proc
     WHERE proname LIKE 'crm\\_xyz%'
       AND proname NOT IN ({', '.join(f"'{name}'" for name in CURRENT_FUNCTIONS)})
     UNION ALL
    SELECT 'table ' || tablename FROM pg_tables
     WHERE tablename IN ('crm_xyz_customer_sale_days', 'crm_xyz_report_customer',
                         'crm_xyz_salesperson_daily_sales', 'crm_xyz_salesperson_daily_payments')
"""


def leftovers(dev, db):
    """What the upgrade left of a former release that it should have dropped."""
    result = dev.psql(LEFTOVERS_QUERY, db)
    if result.returncode:
        return [f"could not look for leftovers: {result.stderr.strip()}"]
    return [f"left after the upgrade: {line}" for line in result.stdout.split("\n") if line]


def _followup_changes(before, after):
    """Lines for each follow-up of the early warning that the upgrade lost or changed."""
    after_rows = {row["id"]: row for row in after.get("followups", [])}
    return [
        f"follow-up {row['id']}: {row} before, {after_rows.get(row['id'])} after"
        for row in before.get("followups", [])
        if after_rows.get(row["id"]) != row
    ]


def run(dev, conf, logs, db="crm_xyz_upgrade"):
    """The life-cycle step; `dev` is scripts/dev.py. Returns the problems found."""
    release = previous_release(dev.ROOT)
    if release is None:
        return ["no previous release of the addon in the git history (a shallow clone?)"]
    ref, version = release
    dev.say(f"upgrade from the previous release {version}: install it with demo data")
    source = extract(dev.ROOT, ref, dev.LOCAL / "previous" / version)
    previous_conf = dev.LOCAL / "odoo-previous.conf"
    previous_conf.write_text(
        "\n".join(
            f"addons_path = {source}," + line.split("=", 1)[1].split(",", 1)[1]
            if line.startswith("addons_path")
            else line
            for line in Path(conf).read_text().splitlines()
        )
        + "\n"
    )
    dev.drop_db(db)
    dev.create_from_template(conf, db, logs)
    if not dev._lifecycle_step(
        previous_conf, db, "install previous release", ["-i", ",".join(dev.PRODUCT_ADDONS)], logs
    ):
        return [f"installing release {version} failed, see {logs}"]
    before, after = logs / "upgrade_before.json", logs / "upgrade_after.json"
    for config, script, marker in (
        (previous_conf, OVERRIDE_SCRIPT, "CRM_XYZ_OVERRIDES"),
        (previous_conf, snapshot_script(before), "CRM_XYZ_SNAPSHOT"),
    ):
        output = dev.odoo_shell(config, db, script)
        if marker not in output:
            return [f"the shell of release {version} failed: {output[-2000:]}"]
    dev.say("upgrade to the working tree")
    if not dev._lifecycle_step(conf, db, "upgrade from previous release", ["-u", ADDON], logs):
        return [f"upgrading from release {version} logged warnings or failed, see {logs}"]
    output = dev.odoo_shell(conf, db, snapshot_script(after))
    if "CRM_XYZ_SNAPSHOT" not in output:
        return [f"the snapshot after the upgrade failed: {output[-2000:]}"]
    problems = compare(before, after) + leftovers(dev, db)
    snapshot = json.loads(before.read_text())
    dev.say(
        f"upgrade from {version}: {sum(map(len, snapshot['partners'].values()))} classified "
        f"partners, {len(snapshot['history'])} history rows, {len(snapshot['runs'])} runs, "
        f"{len(snapshot['followups'])} follow-ups compared, {len(problems)} differences"
    )
    dev.drop_db(db)
    return problems
