import math
from datetime import datetime

import pytz

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.report_indicators import INDICATORS

# The addon's fields of the company are fetched together, and only when one is asked for:
# Odoo reads the company in nearly every transaction (confirming an order, editing a
# partner...), and would otherwise fetch these thirty columns with it each time.
COMPANY_SETTINGS_PREFETCH = "crm_xyz_settings"
# weight of each indicator of the executive ranking (manager performance report)
WEIGHT_FIELDS = {indicator.key: indicator.weight_field for indicator in INDICATORS}


def weight_field(indicator, default=None):
    """The setting of an indicator's weight in the executive ranking."""
    return fields.Float(
        string=f"Weight of {indicator.option_label._source}",
        default=default,
        digits=(16, 2),
        prefetch=COMPANY_SETTINGS_PREFETCH,
        help="Lower is better: the salesperson with the lowest value gets the full weight."
        if not indicator.higher_is_better
        else None,
    )


# Every setting of the classification and of the early warning is declared once, here:
# res.company stores it (with its default) and the settings screen for sales managers
# (crm.xyz.classification.settings) shows a field made from the same declaration
# (setting_fields()). A setting is (field class, attributes); "on_screen" holds what the
# screen adds (its required fields), "default" what only the company has.
SETTINGS = {
    # the classification
    "xyz_period_unit": (
        fields.Selection,
        {
            "selection": [("month", "Month"), ("quarter", "Quarter"), ("week", "Week")],
            "string": "Analysis Sub-period",
            "default": "month",
            "on_screen": {"required": True},
        },
    ),
    "xyz_period_count": (
        fields.Integer,
        {
            "string": "Number of Sub-periods",
            "default": 12,
            "help": "The analysis window is this many sub-periods up to the analysis date "
            "(2 to 120).",
            "on_screen": {"required": True},
        },
    ),
    "xyz_source": (
        fields.Selection,
        {
            "selection": [
                ("order", "Confirmed sale orders"),
                ("invoice", "Posted customer invoices"),
            ],
            "string": "Sales Source",
            "default": "order",
            "on_screen": {"required": True},
        },
    ),
    "xyz_parameter": (
        fields.Selection,
        {
            "selection": [
                ("revenue", "Revenue"),
                ("margin", "Margin"),
                ("count", "Number of sales"),
            ],
            "string": "Analysed Parameter",
            "default": "revenue",
            "on_screen": {"required": True},
        },
    ),
    "xyz_one_off_max_purchases": (
        fields.Integer,
        {
            "string": "One-off Customer: at most",
            "default": 2,
            "help": "Customers with this many sales or fewer in the window are one-off, more "
            "are regular.",
            "on_screen": {"required": True},
        },
    ),
    "xyz_x_max_cv": (
        fields.Float,
        {
            "string": "X: CV up to (%)",
            "default": 10.0,
            "digits": (16, 2),
            "on_screen": {"required": True},
        },
    ),
    "xyz_y_max_cv": (
        fields.Float,
        {
            "string": "Y: CV up to (%)",
            "default": 25.0,
            "digits": (16, 2),
            "on_screen": {"required": True},
        },
    ),
    "abc_a_percent": (
        fields.Float,
        {
            "string": "A: share of sales (%)",
            "default": 80.0,
            "digits": (16, 2),
            "on_screen": {"required": True},
        },
    ),
    "abc_b_percent": (
        fields.Float,
        {
            "string": "B: share of sales (%)",
            "default": 15.0,
            "digits": (16, 2),
            "help": "C gets the rest of the sales.",
            "on_screen": {"required": True},
        },
    ),
    # the early warning of customers at risk
    "xyz_risk_factor": (
        fields.Float,
        {
            "string": "At Risk After (x typical interval)",
            "default": 2.0,
            "digits": (16, 2),
            "help": "A customer is at risk when the days since its last sale exceed this many "
            "times its typical interval between sales (more than 1).",
            "on_screen": {"required": True},
        },
    ),
    "xyz_risk_min_days": (
        fields.Integer,
        {
            "string": "At Risk: at least (days)",
            "default": 14,
            "help": "Never at risk before this many days without a sale (0 or more).",
        },
    ),
    # its purchase model (BG/NBD): who it flags at risk, and its horizon
    "xyz_risk_method": (
        fields.Selection,
        {
            "selection": [("rule", "Typical interval"), ("model", "Purchase model")],
            "string": "At Risk By",
            "default": "rule",
            "help": "Typical interval: no sale for longer than the risk factor times the "
            "customer's usual interval (3 sale days at least). Purchase model: P(alive) below "
            "the threshold (2 sale days at least); the nightly analysis fits the model on all "
            "the company's customers, and flags by the typical interval while it has too few "
            "repeat buyers.",
            "on_screen": {"required": True},
        },
    ),
    "xyz_risk_p_alive": (
        fields.Float,
        {
            "string": "At Risk Below P(alive)",
            "default": 0.5,
            "digits": (16, 2),
            "help": "With the purchase model, a regular or one-off customer with 2 sale days "
            "or more is at risk when its probability of still buying from you is below this "
            "(between 0 and 1).",
        },
    ),
    "xyz_expected_purchases_days": (
        fields.Integer,
        {
            "string": "Expected Purchases Over (days)",
            "default": 90,
            "help": "The horizon of the expected purchases that the purchase model gives each "
            "customer (1 to 3650 days).",
        },
    ),
    # its follow-ups
    "xyz_followup_enabled": (
        fields.Boolean,
        {
            "string": "Schedule Follow-ups",
            "default": True,
            "help": "Put a follow-up activity on the salesperson's agenda when a customer "
            "becomes at risk or its stage goes down. The first analysis of a company warns "
            "about every customer at risk then: a company that does not want follow-ups on "
            "its first run turns them off before it.",
        },
    ),
    "xyz_followup_cap": (
        fields.Integer,
        {
            "string": "New Follow-ups per Salesperson per Night",
            "default": 20,
            "help": "At most this many new follow-ups per salesperson each night, the most "
            "valuable customers first (ABC class, then the amount in the window, then the "
            "purchases the purchase model expects); the others wait for the next nights as "
            "long as they stay at risk. 0 means no limit.",
        },
    ),
    "xyz_followup_activity_type_id": (
        fields.Many2one,
        {
            "comodel_name": "mail.activity.type",
            "string": "Follow-up Activity",
            "default": lambda self: self.env.ref(
                "mail.mail_activity_data_call", raise_if_not_found=False
            ),
            "help": "Empty means a call.",
        },
    ),
}

# the groups of settings, each checked by one method of res.company (_validate_xyz_*)
# the classification: what every run copies
SETTING_FIELDS = (
    "xyz_period_unit",
    "xyz_period_count",
    "xyz_source",
    "xyz_parameter",
    "xyz_one_off_max_purchases",
    "xyz_x_max_cv",
    "xyz_y_max_cv",
    "abc_a_percent",
    "abc_b_percent",
)
# the early warning of customers at risk (_validate_xyz_early_warning)
RISK_SETTING_FIELDS = ("xyz_risk_factor", "xyz_risk_min_days")
# its purchase model: who it flags at risk, and its horizon (_validate_xyz_purchase_model)
MODEL_SETTING_FIELDS = ("xyz_risk_method", "xyz_risk_p_alive", "xyz_expected_purchases_days")
# its follow-ups (_validate_xyz_followups)
FOLLOWUP_SETTING_FIELDS = (
    "xyz_followup_enabled",
    "xyz_followup_cap",
    "xyz_followup_activity_type_id",
)
SETTING_GROUPS = (
    SETTING_FIELDS,
    RISK_SETTING_FIELDS,
    MODEL_SETTING_FIELDS,
    FOLLOWUP_SETTING_FIELDS,
)
# those of the purchase model that change who is at risk
MODEL_RISK_FIELDS = ("xyz_risk_method", "xyz_risk_p_alive")
# the early warning's settings that change who is at risk: those the settings preview tries
PREVIEW_RISK_FIELDS = (*RISK_SETTING_FIELDS, *MODEL_RISK_FIELDS)


def setting_default(name):
    """The declared default of the setting `name` (for SQL that reads an empty one)."""
    return SETTINGS[name][1]["default"]


def setting_fields(on_screen=False):
    """A new field for each setting of SETTINGS: the company's (with its default), or
    with `on_screen` the settings screen's (no default: it opens with the company's
    values)."""
    made = {}
    for name, (field_class, declared) in SETTINGS.items():
        attributes = {key: value for key, value in declared.items() if key != "on_screen"}
        if on_screen:
            attributes.pop("default", None)
            attributes.update(declared.get("on_screen", {}))
        else:
            attributes["prefetch"] = COMPANY_SETTINGS_PREFETCH
        made[name] = field_class(**attributes)
    return made


MAX_FOLLOWUP_CAP = 10_000
# the longest horizon of the expected purchases: ten years
MAX_EXPECTED_PURCHASES_DAYS = 3650
# The numbers the settings accept, checked before any arithmetic: a one-off customer
# buys at most so often in a window, and the early warning's factor and days stay within
# what a user can mean. A coefficient of variation is at most 100 x the square root of
# 119 with 120 sub-periods: a limit far above ("99999", every regular customer not X is
# Y) is meaningful, a limit of 1e300 is not.
MAX_ONE_OFF_PURCHASES = 100_000
MAX_CV_LIMIT = 1_000_000
MAX_RISK_FACTOR = 1_000
MAX_RISK_MIN_DAYS = 36_500
MAX_WEIGHT = 1_000_000
# the whole-number settings and their ranges: checked before they are written too (the
# database column would refuse a number beyond 2**31 with an error of its own)
WHOLE_NUMBER_RANGES = {
    "xyz_period_count": (2, 120),
    "xyz_one_off_max_purchases": (1, MAX_ONE_OFF_PURCHASES),
    "xyz_risk_min_days": (0, MAX_RISK_MIN_DAYS),
    "xyz_expected_purchases_days": (1, MAX_EXPECTED_PURCHASES_DAYS),
    "xyz_followup_cap": (0, MAX_FOLLOWUP_CAP),
}


class ResCompany(models.Model):
    _inherit = "res.company"

    # The settings (SETTINGS) are optional in the database: NOT NULL on a core table breaks
    # the inserts made while this addon is not loaded (a module it depends on being
    # updated). The settings screen requires them, and _xyz_settings() reads an empty one
    # as its default.
    vars().update(setting_fields())
    xyz_last_run_id = fields.Many2one(
        "crm.xyz.run",
        string="Last Analysis",
        readonly=True,
        prefetch=COMPANY_SETTINGS_PREFETCH,
    )

    # the values as written: a 0 typed in is refused, not read as the default
    @api.constrains(*SETTING_FIELDS)
    def _check_xyz_settings(self):
        for company in self:
            company._validate_xyz_classification(company._xyz_values(SETTING_FIELDS))

    @api.constrains(*RISK_SETTING_FIELDS)
    def _check_xyz_risk_settings(self):
        for company in self:
            company._validate_xyz_early_warning(company._xyz_values(RISK_SETTING_FIELDS))

    @api.constrains(*MODEL_SETTING_FIELDS)
    def _check_xyz_model_settings(self):
        for company in self:
            company._validate_xyz_purchase_model(company._xyz_values(MODEL_SETTING_FIELDS))

    @api.constrains(*FOLLOWUP_SETTING_FIELDS)
    def _check_xyz_followup_settings(self):
        for company in self:
            company._validate_xyz_followups(company._xyz_values(FOLLOWUP_SETTING_FIELDS))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_xyz_numbers(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_xyz_numbers(vals)
        return super().write(vals)

    def _xyz_values(self, names):
        """The settings `names` as stored (empty ones as the ORM reads them)."""
        self.ensure_one()
        return {name: self[name] for name in names}

    # ------------------------------------------------ validation, one method per group
    # Each is called by the constraints (create and write of the company), by the
    # settings screen before it saves, and by the preview before it computes.
    def _validate_xyz_settings(self, settings=None):
        """Raise a ValidationError that names the first invalid setting; write nothing.

        :param settings: a dict of the values to check: every name of SETTING_FIELDS
            (plain values as _xyz_settings gives them) and optionally those of the
            other groups; by default those a run uses
        """
        self.ensure_one()
        settings = self._xyz_settings() if settings is None else settings
        self._validate_xyz_classification(settings)
        self._validate_xyz_early_warning(settings)
        self._validate_xyz_purchase_model(settings)
        self._validate_xyz_followups(settings)

    def _validate_xyz_classification(self, settings):
        """The classification: `settings` holds every name of SETTING_FIELDS."""
        _ = self.env._
        # the choices and the numbers, each whole number in its range
        self._validate_xyz_choices(settings)
        if not 0 < settings["xyz_x_max_cv"] <= MAX_CV_LIMIT:
            raise ValidationError(
                _("X: CV up to (%%) must be above 0 and at most %(most)s.", most=MAX_CV_LIMIT)
            )
        if settings["xyz_y_max_cv"] <= settings["xyz_x_max_cv"]:
            raise ValidationError(_("Y: CV up to (%) must be above X: CV up to (%)."))
        if settings["xyz_y_max_cv"] > MAX_CV_LIMIT:
            raise ValidationError(
                _("Y: CV up to (%%) must be at most %(most)s.", most=MAX_CV_LIMIT)
            )
        if settings["abc_a_percent"] <= 0:
            raise ValidationError(_("A: share of sales (%) must be above 0."))
        if settings["abc_b_percent"] <= 0:
            raise ValidationError(_("B: share of sales (%) must be above 0."))
        if settings["abc_a_percent"] + settings["abc_b_percent"] >= 100:
            raise ValidationError(
                _("A: share of sales (%) and B: share of sales (%) must add up to less than 100.")
            )
        if settings["xyz_source"] == "invoice" and settings["xyz_parameter"] == "margin":
            raise ValidationError(
                _(
                    "Analysed Parameter: the margin is the gross profit of sale orders; "
                    "choose the confirmed sale orders as Sales Source to analyse it."
                )
            )

    def _validate_xyz_choices(self, settings):
        """The choices are among the options of their field, the numbers are numbers."""
        _ = self.env._
        for name in SETTING_FIELDS:
            field = self._fields[name]
            value = settings[name]
            if field.type == "selection":
                options = [key for key, _label in field._description_selection(self.env)]
                if value not in options:
                    raise ValidationError(
                        _(
                            "%(setting)s must be one of: %(options)s.",
                            setting=field._description_string(self.env),
                            options=", ".join(options),
                        )
                    )
            else:
                self._check_xyz_number(name, value)

    def _validate_xyz_early_warning(self, settings):
        """The factor and the days of the early warning, those of `settings` that are
        given (None: not given)."""
        risk_factor = settings.get("xyz_risk_factor")
        if risk_factor is not None:
            self._check_xyz_number("xyz_risk_factor", risk_factor)
            if not 1 < risk_factor <= MAX_RISK_FACTOR:
                raise ValidationError(
                    self.env._(
                        "At Risk After (x typical interval) must be more than 1 and at most "
                        "%(most)s.",
                        most=MAX_RISK_FACTOR,
                    )
                )
        risk_min_days = settings.get("xyz_risk_min_days")
        if risk_min_days is not None:
            self._check_xyz_number("xyz_risk_min_days", risk_min_days)

    def _validate_xyz_purchase_model(self, settings):
        """The purchase model's settings among `settings` (None or False: not given)."""
        _ = self.env._
        method = settings.get("xyz_risk_method")
        options = [
            key for key, _label in self._fields["xyz_risk_method"]._description_selection(self.env)
        ]
        if method is not None and method is not False and method not in options:
            raise ValidationError(
                _(
                    "%(setting)s must be one of: %(options)s.",
                    setting=self._fields["xyz_risk_method"]._description_string(self.env),
                    options=", ".join(options),
                )
            )
        threshold = settings.get("xyz_risk_p_alive")
        # identity, not equality: a 0 typed in is refused, not read as empty
        if threshold is not None and threshold is not False:
            self._check_xyz_number("xyz_risk_p_alive", threshold)
            if not 0 < threshold < 1:
                raise ValidationError(_("At Risk Below P(alive) must be a number between 0 and 1."))
        horizon = settings.get("xyz_expected_purchases_days")
        if horizon is not None and horizon is not False:
            self._check_xyz_number("xyz_expected_purchases_days", horizon)

    def _validate_xyz_followups(self, settings):
        """The cap of new follow-ups among `settings` (None or False: not given) is a whole
        number from 0 to MAX_FOLLOWUP_CAP."""
        cap = settings.get("xyz_followup_cap")
        if cap is not None and cap is not False:
            self._check_xyz_number("xyz_followup_cap", cap)

    @api.model
    def _xyz_number_fields(self):
        """The numeric settings of the addon: classification, early warning, weights."""
        names = (*SETTINGS, *WEIGHT_FIELDS.values())
        return [name for name in names if self._fields[name].type in ("integer", "float")]

    @api.model
    def _check_xyz_numbers(self, vals):
        """The numeric settings among `vals` are numbers (empty is allowed: it reads as the
        default), so that NaN, infinity or text get the error that names the setting, not
        the one of the float rounding or of the database."""
        for name in self._xyz_number_fields():
            value = vals.get(name)
            if value is not None and value is not False:
                self._check_xyz_number(name, value)

    @api.model
    def _check_xyz_number(self, name, value):
        """Raise the ValidationError naming the setting `name` unless `value` is a finite
        number (a whole one in its range for a whole-number setting). Nothing else is
        computed first."""
        field = self._fields[name]
        setting = field._description_string(self.env)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (isinstance(value, float) and not math.isfinite(value))
        ):
            raise ValidationError(self.env._("%(setting)s must be a number.", setting=setting))
        if field.type != "integer":
            return
        if isinstance(value, float) and not value.is_integer():
            raise ValidationError(
                self.env._("%(setting)s must be a whole number.", setting=setting)
            )
        least, most = WHOLE_NUMBER_RANGES[name]
        if not least <= value <= most:
            raise ValidationError(
                self.env._(
                    "%(setting)s must be between %(least)s and %(most)s.",
                    setting=setting,
                    least=least,
                    most=most,
                )
            )

    # ------------------------------------------------ the settings as runs read them
    def _xyz_default(self, name):
        return self._fields[name].default(self)

    def _xyz_settings(self):
        """The settings a run uses, as stored on the run record.

        An empty setting (NULL in the database, or 0: no setting accepts 0) is its default.
        """
        self.ensure_one()
        return {name: self[name] or self._xyz_default(name) for name in SETTING_FIELDS}

    def _xyz_risk_settings(self):
        """The settings of the early warning (customers at risk, follow-ups).

        An empty factor or activity type (NULL in the database) is its default; 0 is a
        valid number of days, and an empty switch reads as off.
        """
        self.ensure_one()
        return {
            "xyz_risk_factor": self.xyz_risk_factor or self._xyz_default("xyz_risk_factor"),
            "xyz_risk_min_days": self.xyz_risk_min_days,
            "xyz_followup_enabled": self.xyz_followup_enabled,
            "xyz_followup_activity_type_id": self.xyz_followup_activity_type_id
            or self._xyz_default("xyz_followup_activity_type_id"),
        }

    def _xyz_model_settings(self):
        """The settings of the purchase model; an empty one (NULL in the database, or 0,
        which none accepts) is its default."""
        self.ensure_one()
        return {name: self[name] or self._xyz_default(name) for name in MODEL_SETTING_FIELDS}

    def _xyz_followup_cap(self):
        """New follow-ups per salesperson per night at most; 0 (or empty) for no limit."""
        self.ensure_one()
        return int(self.xyz_followup_cap or 0)

    def _xyz_screen_settings(self):
        """Every setting of SETTINGS as the settings screen opens with it: the stored
        value, or the default of an empty one (as the runs read it)."""
        self.ensure_one()
        values = {
            **self._xyz_settings(),
            **self._xyz_risk_settings(),
            **self._xyz_model_settings(),
            "xyz_followup_cap": self._xyz_followup_cap(),
        }
        return {name: values[name] for name in SETTINGS}

    # ------------------------------------------------ manager performance report
    # one weight per indicator (tools/report_indicators.py)
    for _indicator in INDICATORS:
        locals()[_indicator.weight_field] = weight_field(_indicator, _indicator.default_weight)
    del _indicator

    @api.constrains(*WEIGHT_FIELDS.values())
    def _check_xyz_weights(self):
        # "not all zero" is checked by the settings, once all the weights are written
        for company in self:
            company._validate_xyz_weights(company._xyz_weights_by_field())

    @api.model
    def _validate_xyz_weights(self, weights):
        """The weights ({field name: weight}) are numbers from 0 to MAX_WEIGHT."""
        for name, weight in weights.items():
            self._check_xyz_number(name, weight)
        if any(weight < 0 for weight in weights.values()):
            raise ValidationError(
                self.env._("The weights of the executive ranking cannot be negative.")
            )
        if any(weight > MAX_WEIGHT for weight in weights.values()):
            raise ValidationError(
                self.env._(
                    "The weights of the executive ranking must be at most %(most)s.",
                    most=MAX_WEIGHT,
                )
            )

    def _xyz_weights_by_field(self):
        """Weight of each indicator in the executive ranking, by field name."""
        self.ensure_one()
        return {name: self[name] for name in WEIGHT_FIELDS.values()}

    def _xyz_weights(self):
        """Weight of each indicator in the executive ranking, by indicator key."""
        self.ensure_one()
        return {key: self[name] for key, name in WEIGHT_FIELDS.items()}

    def _xyz_today(self):
        """Today in the company's time zone: the day its analysis and its report end on."""
        self.ensure_one()
        return datetime.now(pytz.timezone(self.partner_id.tz or "UTC")).date()
