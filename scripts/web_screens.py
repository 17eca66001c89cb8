"""The calls the web client makes to show each screen of crm_xyz_addon, as plain data.

The replica check (scripts/replica_check.py, over HTTP) and the benchmark
(scripts/bench.py, in its own process) run the same calls: each screen has a
`prepare` step (what the web client loads once and keeps: the views, a record
to open) and a `load` step (the reads that show its data, which are measured
and which a replica must serve). Both take a client with

    client.call(model, method, args, kwargs) -> the method's result
    client.context                            -> the user's context (a dict)
    client.uid                                -> the user's id

This module imports nothing of Odoo: it runs with any Python.
"""

from dataclasses import dataclass
from datetime import timedelta
from xml.etree import ElementTree

AGENDA = "crm.xyz.agenda"
PARTNER = "res.partner"
PORTFOLIO = "crm.xyz.portfolio"
CLASSIFICATION = "crm.xyz.classification"
REPORT = "crm.xyz.manager.report"
SETTINGS = "crm.xyz.classification.settings"

# the classification and early-warning fields of the partner form (views/res_partner_views.xml)
PARTNER_FORM_FIELDS = (
    "classification_history_count",
    "relationship_stage",
    "abc_class",
    "xyz_class",
    "classification_trend_arrow",
    "classification_explanation",
    "classification_risk_explanation",
    "classification_amount",
    "classification_purchase_count",
    "classification_cv",
    "classification_last_sale_date",
    "classification_days_since_sale",
    "classification_typical_interval",
    "classification_expected_date",
    "classification_date",
    "relationship_trend",
    "classification_at_risk",
    "relationship_stage_auto",
    "abc_class_auto",
    "xyz_class_auto",
    "relationship_stage_prev",
    "relationship_stage_manual",
    "abc_class_manual",
    "xyz_class_manual",
)
# the manager report's one statement (tools/manager_report_query.py) and the
# preview's (tools/classification_query.py, with the first rates of tools/company_sales.py)
REPORT_STATEMENT = r"\bsalesperson_ranges AS MATERIALIZED\b"
PREVIEW_STATEMENT = r"\bfirst_rates AS\b"
# the columns of a class group of the Contacts list once unfolded
CONTACT_LIST_SPEC = {
    "display_name": {},
    "email": {},
    "user_id": {"fields": {"display_name": {}}},
    "relationship_stage": {},
    "abc_class": {},
    "xyz_class": {},
    "classification_days_since_sale": {},
    "classification_at_risk": {},
}


@dataclass
class Screen:
    """A screen: its name, who opens it, what its reads are, and what one of its
    statements says (regular expressions: the tables or the query that hold its data,
    which tell where it ran)."""

    key: str
    label: str
    prepare: object
    load: object
    marks: tuple
    managers_only: bool = False
    # what the benchmark times (default: load), after `bench_prepare` (default: nothing);
    # heavy screens are timed once after a warm-up, the others as the median of a few calls
    bench_load: object = None
    bench_prepare: object = None
    heavy: bool = False


def call(client, model, method, *args, context=None, **kwargs):
    return client.call(model, method, list(args), {**kwargs, "context": context or client.context})


# ------------------------------------------------------------------ views
def form_spec(client, model, context=None):
    """The fields specification of a form view (the one `context` names with
    form_view_ref, as an action does) as the web client sends it to onchange and
    web_read: its fields, and the fields of its x2many lists."""
    views = call(client, model, "get_views", [[False, "form"]], context=context)
    arch = ElementTree.fromstring(views["views"]["form"]["arch"])
    fields_info = views["models"][model]["fields"]
    return _spec(arch, fields_info, views["models"])


def _spec(node, fields_info, models):
    spec = {}
    for child in node:
        if child.tag == "field":
            name = child.get("name")
            info = fields_info.get(name, {})
            if info.get("type") in ("one2many", "many2many"):
                sub = child.find(".//list")
                comodel = info.get("relation")
                sub_fields = models.get(comodel, {}).get("fields", {})
                spec[name] = {
                    "fields": _spec(sub, sub_fields, models) if sub is not None else {},
                    "limit": 40,
                }
            elif info.get("type") == "many2one":
                spec[name] = {"fields": {"display_name": {}}}
            else:
                spec[name] = {}
        else:
            spec.update(_spec(child, fields_info, models))
    spec.setdefault("display_name", {})
    return spec


def onchange_values(value, drop=()):
    """The values of an onchange's answer as the client sends them back: records as ids."""
    values = {}
    for name, item in value.items():
        if name in drop:
            continue
        values[name] = item["id"] if isinstance(item, dict) and "id" in item else item
    return values


# ------------------------------------------------------------------ agenda
def agenda_prepare(client, state, today):
    views = call(client, AGENDA, "get_views", [[False, "calendar"]])
    arch = ElementTree.fromstring(views["views"]["calendar"]["arch"])
    fields = ["display_name"]
    for name in (arch.get(attribute) for attribute in ("date_start", "date_stop", "all_day")):
        if name and name not in fields:
            fields.append(name)
    fields += [node.get("name") for node in arch.iter("field") if node.get("name") not in fields]
    # the month view: six weeks from the Sunday before the first of the month
    first = today.replace(day=1)
    start = first - timedelta(days=(first.weekday() + 1) % 7)
    end = start + timedelta(days=41)
    state["fields"] = fields
    state["domain"] = [
        ["user_id", "=", client.uid],
        ["date", "<=", f"{end} 23:59:59"],
        ["date_stop", ">=", f"{start} 00:00:00"],
    ]


def agenda_load(client, state):
    events = call(client, AGENDA, "search_read", domain=state["domain"], fields=state["fields"])
    return f"{len(events):,} events"


# ------------------------------------------------------------------ partner form
def partner_prepare(client, state, today):
    domain = [["relationship_stage", "=", "regular"]]
    found = call(client, PARTNER, "web_search_read", domain, {"display_name": {}}, limit=1)[
        "records"
    ]
    if not found:
        found = call(client, PARTNER, "web_search_read", [], {"display_name": {}}, limit=1)[
            "records"
        ]
    state["id"] = found[0]["id"]
    state["spec"] = {name: {} for name in PARTNER_FORM_FIELDS} | {"display_name": {}}


def partner_load(client, state):
    record = call(client, PARTNER, "web_read", [state["id"]], state["spec"])[0]
    return f"{record['display_name']}: {record['relationship_stage']} {record['abc_class']}"


# ------------------------------------------------------------------ contacts grouped
def contacts_prepare(client, state, today):
    state["domain"] = []


def contacts_load(client, state):
    stages = call(
        client, PARTNER, "web_read_group", state["domain"], [], ["relationship_stage"], limit=80
    )["groups"]
    # the largest stage (contacts without one, which are not customers, aside)
    staged = [group for group in stages if group["relationship_stage"]] or stages
    largest = max(staged, key=lambda group: group["relationship_stage_count"])
    classes = call(
        client, PARTNER, "web_read_group", largest["__domain"], [], ["abc_class"], limit=80
    )["groups"]
    first = max(classes, key=lambda group: group["abc_class_count"])
    rows = call(client, PARTNER, "web_search_read", first["__domain"], CONTACT_LIST_SPEC, limit=80)
    return (
        f"{len(stages)} stages, {len(classes)} classes of "
        f"{largest['relationship_stage_count']:,} {largest['relationship_stage']}, "
        f"{len(rows['records'])} rows shown"
    )


# ------------------------------------------------------------------ pivots
def pivot_load(client, model, rows, cols, measures):
    """The read_group calls of a pivot view with one row and one column group-by."""
    cells = 0
    for groupby in ([], [rows], [cols], [rows, cols]):
        groups = call(client, model, "read_group", [], [*measures, "__count"], groupby, lazy=False)
        cells += len(groups)
    return f"{cells} cells"


def portfolio_load(client, state):
    return pivot_load(
        client,
        PORTFOLIO,
        "portfolio_row",
        "xyz_class",
        ["amount_share:sum", "at_risk_count:sum"],
    )


def xyz_pivot_load(client, state):
    return pivot_load(
        client, CLASSIFICATION, "abc_class", "xyz_class", ["classification_amount:sum"]
    )


def no_prepare(client, state, today):
    pass


# ------------------------------------------------------------------ reports
def report_prepare(kind):
    view = {
        "performance": "crm_xyz_addon.crm_xyz_manager_report_view_form",
        "executive": "crm_xyz_addon.crm_xyz_executive_report_view_form",
    }[kind]

    def prepare(client, state, today):
        # the context of the menu's action
        state["context"] = {**client.context, "default_report_kind": kind}
        state["spec"] = form_spec(client, REPORT, {**state["context"], "form_view_ref": view})

    return prepare


def report_open(client, state):
    """The report as it opens (last month), then its options changed to last year."""
    # onchange is called on records: the first argument is their ids (none: a new one)
    opened = call(client, REPORT, "onchange", [], {}, [], state["spec"], context=state["context"])
    values = onchange_values(opened["value"], drop=("line_ids",))
    state["values"] = values
    return opened


def report_load(client, state):
    opened = report_open(client, state)
    year = change_to_last_year(client, state)
    return (
        f"{lines(count_lines(opened))} of last month, then {count_lines(year)} of "
        f"{year['value'].get('date_from')} - {year['value'].get('date_to')}"
    )


def report_year_load(client, state):
    """Only the change to last year (the figure the benchmark times), after report_open."""
    return f"set to last year: {lines(count_lines(change_to_last_year(client, state)))}"


def change_to_last_year(client, state):
    return call(
        client,
        REPORT,
        "onchange",
        [],
        {**state["values"], "period": "last_year"},
        ["period"],
        state["spec"],
        context=state["context"],
    )


def lines(count):
    return f"{count} line{'' if count == 1 else 's'}"


def count_lines(answer):
    return sum(1 for command in answer["value"].get("line_ids", []) if command[0] == 0)


# ------------------------------------------------------------------ settings preview
def settings_prepare(client, state, today):
    state["spec"] = form_spec(client, SETTINGS)


def settings_open(client, state):
    opened = call(client, SETTINGS, "onchange", [], {}, [], state["spec"])
    state["values"] = onchange_values(opened["value"], drop=("preview_html", "period_hint"))
    return opened


def settings_opened(client, state):
    """The settings as they open: one preview (the figure the benchmark times)."""
    opened = settings_open(client, state)
    shown = "o_crm_xyz_preview_table" in (opened["value"].get("preview_html") or "")
    return "opened, with its preview" if shown else "opened, without a preview"


def settings_load(client, state):
    opened = settings_open(client, state)
    values = state["values"]
    changed = call(
        client,
        SETTINGS,
        "onchange",
        [],
        {**values, "xyz_period_count": values["xyz_period_count"] + 1},
        ["xyz_period_count"],
        state["spec"],
    )
    limits = call(
        client,
        SETTINGS,
        "get_suggested_limits",
        values.get("company_id") or False,
        {
            name: values[name]
            for name in (
                "xyz_period_unit",
                "xyz_period_count",
                "xyz_source",
                "xyz_parameter",
                "xyz_one_off_max_purchases",
                "abc_a_percent",
                "abc_b_percent",
            )
        },
    )
    previews = sum(
        "o_crm_xyz_preview_table" in (answer["value"].get("preview_html") or "")
        for answer in (opened, changed)
    )
    return (
        f"{previews} previews, suggested limits X {limits['xyz_x_max_cv']:g}, "
        f"Y {limits['xyz_y_max_cv']:g}"
    )


def screens():
    """The screens, in the order of the README."""
    return [
        Screen("agenda", "agenda month", agenda_prepare, agenda_load, (r"\bcrm_xyz_agenda\b",)),
        Screen(
            "partner_form",
            "partner form: classification and early warning",
            partner_prepare,
            partner_load,
            (r"\bcrm_xyz_classification\b",),
        ),
        Screen(
            "contacts",
            "Contacts grouped by stage > class",
            contacts_prepare,
            contacts_load,
            (r"\bcrm_xyz_classification\b",),
        ),
        Screen(
            "portfolio",
            "customer portfolio",
            no_prepare,
            portfolio_load,
            (r"\bcrm_xyz_portfolio\b",),
        ),
        Screen(
            "xyz_pivot",
            "XYZ analysis pivot",
            no_prepare,
            xyz_pivot_load,
            (r"\bcrm_xyz_classification\b",),
        ),
        Screen(
            "manager_report",
            "manager report of a year",
            report_prepare("performance"),
            report_load,
            (REPORT_STATEMENT,),
            bench_prepare=report_open,
            bench_load=report_year_load,
            heavy=True,
        ),
        Screen(
            "executive_report",
            "executive report of a year",
            report_prepare("executive"),
            report_load,
            (REPORT_STATEMENT,),
            bench_prepare=report_open,
            bench_load=report_year_load,
            heavy=True,
        ),
        Screen(
            "settings_preview",
            "classification settings: preview and suggested limits",
            settings_prepare,
            settings_load,
            (PREVIEW_STATEMENT,),
            managers_only=True,
            bench_load=settings_opened,
            heavy=True,
        ),
    ]
