"""The words of the customer classification, each defined once.

The relationship stages, the ABC and XYZ classes, the trends and the rows of the
customer portfolio, with their labels: every selection field, Python list and SQL
CASE of the addon is derived from here. Selection labels are translated by Odoo
with the fields that use them, and the partner's fields translate them from the
code (``translated_selection``).
"""


def _lt(label):
    """Marks `label` as a code string of the translation template, and gives it back
    as it is: the lists below stay plain for Odoo's stored selection fields, and
    translated_selection() finds the translations among the addon's code strings."""
    return label


STAGE_POTENTIAL = "potential"
STAGE_ONE_OFF = "one_off"
STAGE_REGULAR = "regular"
STAGE_LOST = "lost"

# in the order the screens list them
STAGE_SELECTION = [
    (STAGE_POTENTIAL, _lt("Potential")),
    (STAGE_ONE_OFF, _lt("One-off")),
    (STAGE_REGULAR, _lt("Regular")),
    (STAGE_LOST, _lt("Lost")),
]
STAGES = tuple(key for key, _label in STAGE_SELECTION)
# lost < potential < one_off < regular: the order that gives a trend its direction
STAGES_BY_RANK = (STAGE_LOST, STAGE_POTENTIAL, STAGE_ONE_OFF, STAGE_REGULAR)
# the stages of customers that buy: the early warning watches them
BUYING_STAGES = (STAGE_REGULAR, STAGE_ONE_OFF)

ABC_CLASSES = ("A", "B", "C")
XYZ_CLASSES = ("X", "Y", "Z")
ABC_SELECTION = [(key, key) for key in ABC_CLASSES]
XYZ_SELECTION = [(key, key) for key in XYZ_CLASSES]
# the ABC class of a regular customer without a positive total, in the portfolio
ABC_LOWEST = ABC_CLASSES[-1]

TREND_UP = "up"
TREND_DOWN = "down"
TREND_SAME = "same"
TREND_NEW = "new"
TREND_SELECTION = [
    (TREND_UP, _lt("Up")),
    (TREND_DOWN, _lt("Down")),
    (TREND_SAME, _lt("Same")),
    (TREND_NEW, _lt("New")),
]
TREND_ARROWS = {TREND_UP: "↑", TREND_DOWN: "↓"}

# the rows of the customer portfolio: regular customers by ABC class, the others by stage
PORTFOLIO_STAGES = (STAGE_ONE_OFF, STAGE_LOST, STAGE_POTENTIAL)
PORTFOLIO_SELECTION = ABC_SELECTION + [
    (key, dict(STAGE_SELECTION)[key]) for key in PORTFOLIO_STAGES
]

# a customer's effective values are the manual ones where a sales manager set them,
# else the automatic ones: manual field -> (effective field, automatic field)
MANUAL_FIELDS = {
    "relationship_stage_manual": ("relationship_stage", "relationship_stage_auto"),
    "abc_class_manual": ("abc_class", "abc_class_auto"),
    "xyz_class_manual": ("xyz_class", "xyz_class_auto"),
}


def quoted(keys):
    """The SQL list of the literal keys: 'regular', 'one_off'."""
    return ", ".join(f"'{key}'" for key in keys)


def effective(manual, automatic):
    """The effective value: the manual one where set, else the automatic one."""
    return manual or automatic


def effective_sql(manual, automatic):
    """``effective`` in SQL, of two SQL expressions."""
    return f"COALESCE({manual}, {automatic})"


def portfolio_row(stage, abc):
    """The portfolio row of a customer: a regular one by ABC class, the others by stage."""
    return (abc or ABC_LOWEST) if stage == STAGE_REGULAR else stage


def portfolio_row_sql(stage, abc):
    """``portfolio_row`` in SQL, of two SQL expressions."""
    return (
        f"CASE WHEN {stage} = '{STAGE_REGULAR}' THEN COALESCE({abc}, '{ABC_LOWEST}')"
        f" ELSE {stage} END"
    )


def stage_rank_sql(stage):
    """The rank of a stage (SQL expression) in STAGES_BY_RANK, from 1."""
    return f"array_position(ARRAY[{quoted(STAGES_BY_RANK)}], {stage})"


def trend_sql(previous, new):
    """The direction of a change of automatic stage from ``previous`` to ``new`` (SQL
    expressions): new at a first classification, same without a new stage."""
    return f"""CASE WHEN {previous} IS NULL THEN '{TREND_NEW}'
                        WHEN {new} IS NULL OR {new} = {previous} THEN '{TREND_SAME}'
                        WHEN {stage_rank_sql(new)} > {stage_rank_sql(previous)} THEN '{TREND_UP}'
                        ELSE '{TREND_DOWN}' END"""


def count_field(key):
    """The field of a run that counts the customers of a stage or class: 'a_count'."""
    return f"{key.lower()}_count"


def translated_selection(selection):
    """A selection method giving `selection` with its labels in the user's language.

    The translations come from the addon's code strings, which Odoo keeps for the life
    of the process: a field with a selection list reads its labels from the database
    again after each reset of Odoo's caches (merging contacts resets them, and then
    describes every field of the contact)."""

    def labels(records):
        return [(key, records.env._(label)) for key, label in selection]

    return labels
