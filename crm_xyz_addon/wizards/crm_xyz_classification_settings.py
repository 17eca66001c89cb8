from lxml import etree

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.misc import formatLang

from ..models.res_company import (
    PREVIEW_RISK_FIELDS,
    SETTING_FIELDS,
    SETTINGS,
    WEIGHT_FIELDS,
    setting_fields,
    weight_field,
)
from ..tools.report_indicators import INDICATORS
from ..tools.vocabulary import ABC_CLASSES, STAGES, XYZ_CLASSES

MANAGER_GROUP = "sales_team.group_sale_manager"
COMPANY_FIELDS = (*SETTINGS, *WEIGHT_FIELDS.values())
# the XYZ limits that "Suggest limits" fills in, from the other settings on the screen
SUGGESTED_FIELDS = ("xyz_x_max_cv", "xyz_y_max_cv")


class CrmXyzClassificationSettings(models.TransientModel):
    """The classification settings and ranking weights of the current company, for sales managers.

    Sales managers own these settings but may not write the company (nor open
    the general settings): the form saves them with sudo, after checking the
    group and the values.
    """

    _name = "crm.xyz.classification.settings"
    _description = "Customer Classification Settings"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    # each setting of the company (res_company.SETTINGS), as the screen shows it
    vars().update(setting_fields(on_screen=True))
    preview_html = fields.Html(
        string="Preview", compute="_compute_preview", sanitize=False, readonly=True
    )
    period_hint = fields.Char(compute="_compute_preview", readonly=True)
    # one weight per indicator (tools/report_indicators.py), laid out by _get_view()
    for _indicator in INDICATORS:
        locals()[_indicator.weight_field] = weight_field(_indicator)
    del _indicator

    # The form shows the settings and their preview through onchange() on a record
    # that is saved only by Save: read-only, so that Odoo serves it from a replica
    # (db_replica_host) when it has one. The preview writes nothing (see
    # crm.xyz.run._read_only_rows).
    @api.model
    @api.readonly
    def default_get(self, fields_list):
        self._check_manager()
        defaults = super().default_get(fields_list)
        company = self.env.company
        current = {**company._xyz_screen_settings(), **company._xyz_weights_by_field()}
        defaults.update(
            {
                name: self._fields[name].convert_to_write(current[name], self)
                for name in COMPANY_FIELDS
                if name in fields_list
            }
        )
        return defaults

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """The form lists one weight per indicator of the report, in two columns."""
        arch, view = super()._get_view(view_id, view_type, **options)
        for weights in arch.iterfind(".//group[@name='weights']") if view_type == "form" else ():
            names = [indicator.weight_field for indicator in INDICATORS]
            half = (len(names) + 1) // 2
            for column in (names[:half], names[half:]):
                group = etree.SubElement(weights, "group")
                for name in column:
                    etree.SubElement(group, "field", name=name)
        return arch, view

    @api.depends("company_id", *SETTING_FIELDS, *PREVIEW_RISK_FIELDS)
    def _compute_preview(self):
        """What the settings on the screen would give, beside the stored classification."""
        runs = self.env["crm.xyz.run"]
        for wizard in self:
            company = wizard.company_id
            if not company:
                wizard.preview_html = wizard.period_hint = False
                continue
            # before any figure of the company is read
            wizard._check_company(company.id)
            values = {"error": False, "stages": [], "abc": [], "xyz": [], "risks": []}
            wizard.period_hint = False
            try:
                settings = runs._preview_settings(
                    company,
                    {name: wizard[name] for name in (*SETTING_FIELDS, *PREVIEW_RISK_FIELDS)},
                )
                as_of = runs._analysis_date(None, company, settings)
                preview, periods = runs._preview(company, as_of, settings)
            except UserError as error:
                # a setting being typed: say why there is no preview rather than interrupt
                values["error"] = str(error)
            else:
                values.update(wizard._preview_rows(preview, runs._current_figures(company)))
                wizard.period_hint = runs._period_hint(settings, periods)
            wizard.preview_html = self.env["ir.qweb"]._render(
                "crm_xyz_addon.crm_xyz_classification_preview", values
            )

    def _preview_rows(self, preview, today):
        """The lines of the preview table: each figure beside today's."""
        return {
            **self._preview_class_rows(preview, today),
            **self._preview_risk_rows(preview, today),
        }

    def _preview_risk_rows(self, preview, today):
        """The customers at risk by each method with the settings on the screen, beside
        today's (known for the method of the last run only), and the purchase model."""
        _ = self.env._
        labels = dict(self._fields["xyz_risk_method"]._description_selection(self.env))
        model = preview["purchase_model"]
        if model:
            model_note = _(
                "Purchase model fitted on %(count)s customers (%(repeat)s bought on more than "
                "one day): r %(r)s, α %(alpha)s weeks, a %(a)s, b %(b)s.",
                count=model["customer_count"],
                repeat=model["repeat_customer_count"],
                r=formatLang(self.env, model["r"], digits=3),
                alpha=formatLang(self.env, model["alpha"], digits=3),
                a=formatLang(self.env, model["a"], digits=3),
                b=formatLang(self.env, model["b"], digits=3),
            )
        else:
            model_note = _(
                "No purchase model: too few customers bought on more than one day (50 are "
                "needed). The typical interval flags the customers at risk."
            )
        return {
            "risks": [
                {
                    "key": method,
                    "label": labels[method],
                    "chosen": method == preview["at_risk_method"],
                    "new": "—"
                    if preview["at_risk"][method] is False
                    else preview["at_risk"][method],
                    "today": "—" if today["at_risk"][method] is None else today["at_risk"][method],
                }
                for method in ("rule", "model")
            ],
            "model_note": model_note,
        }

    def _preview_class_rows(self, preview, today):
        """The lines of the stages and classes."""
        stage_labels = dict(
            self.env["crm.xyz.classification"]
            ._fields["relationship_stage_auto"]
            ._description_selection(self.env)
        )
        return {
            "stages": [
                {
                    "key": key,
                    "label": stage_labels.get(key, key),
                    "new": preview["stage"][key],
                    "today": today["stage"][key],
                }
                for key in STAGES
            ],
            "abc": [
                {
                    "key": key,
                    "label": key,
                    "new": preview["abc"][key],
                    "today": today["abc"][key],
                    "new_share": formatLang(self.env, preview["abc_amount_share"][key]),
                    "today_share": formatLang(self.env, today["abc_amount_share"][key]),
                }
                for key in ABC_CLASSES
            ],
            "xyz": [
                {
                    "key": key,
                    "label": key,
                    "new": preview["xyz"][key],
                    "today": today["xyz"][key],
                }
                for key in XYZ_CLASSES
            ],
        }

    @api.readonly
    def onchange(self, values, field_names, fields_spec):
        self._check_manager()
        return super().onchange(values, field_names, fields_spec)

    @api.model_create_multi
    def create(self, vals_list):
        self._check_manager()
        for vals in vals_list:
            self._check_company(vals.get("company_id", self.env.company.id))
            # NaN, infinity, text: the error naming the setting, not the float rounding's
            self.env["res.company"]._check_xyz_numbers(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_manager()
        if "company_id" in vals:
            self._check_company(vals["company_id"])
        self.env["res.company"]._check_xyz_numbers(vals)
        return super().write(vals)

    def action_suggest_limits(self):
        """Fill in the XYZ limits that fit the company's data, with the other settings shown.

        The form's button asks get_suggested_limits() instead and puts the limits on the
        screen (read-only, nothing saved); this is for RPC clients of a saved wizard."""
        self._check_manager()
        self.ensure_one()
        self._check_company(self.company_id.id)
        settings = {name: self[name] for name in SETTING_FIELDS if name not in SUGGESTED_FIELDS}
        self.write(self.get_suggested_limits(self.company_id.id, settings))
        return True

    @api.model
    @api.readonly
    def get_suggested_limits(self, company_id, settings):
        """The XYZ limits that fit the data of company `company_id` (False: the current
        one) with `settings` (the other classification settings on the screen), as
        {"xyz_x_max_cv", "xyz_y_max_cv"}; writes nothing. Sales managers, for a company
        they work in."""
        self._check_manager()
        if company_id is False or company_id is None:
            company_id = self.env.company.id
        self._check_company(company_id)
        if not isinstance(settings, dict):
            raise UserError(self.env._("Give the settings of the classification as a mapping."))
        company = self.env["res.company"].browse(company_id)
        overrides = {
            name: value for name, value in settings.items() if name not in SUGGESTED_FIELDS
        }
        return self.env["crm.xyz.run"].with_company(company).suggest_thresholds(**overrides)

    def action_save(self):
        """Write the settings to the company, once the caller and the values are checked."""
        self._check_manager()
        self.ensure_one()
        self._check_company(self.company_id.id)
        values = {
            name: self._fields[name].convert_to_write(self[name], self) for name in COMPANY_FIELDS
        }
        # each group of settings by its method of the company, as saving there checks it
        self.company_id._validate_xyz_settings({name: values[name] for name in SETTINGS})
        weights = {name: values[name] for name in WEIGHT_FIELDS.values()}
        self.company_id._validate_xyz_weights(weights)
        if not any(weight > 0 for weight in weights.values()):
            raise ValidationError(
                self.env._("At least one weight of the executive ranking must be above zero.")
            )
        # sales managers may not write res.company: the group and the values are checked above
        self.company_id.sudo().write(values)
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    @api.model
    def _check_company(self, company_id):
        """The settings are those of one of the companies the user works in (selected in
        the company switcher), as a sales manager; any other value is refused alike,
        without telling whether such a company exists."""
        if self.env.su:
            return
        allowed = (
            isinstance(company_id, int)
            and not isinstance(company_id, bool)
            and company_id in self.env.companies.ids
            and self.env.user.has_group(MANAGER_GROUP)
        )
        if not allowed:
            raise AccessError(
                self.env._(
                    "You may only see and change the classification settings of a company "
                    "you work in as a sales manager."
                )
            )

    @api.model
    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._(
                    "Only sales managers may change the settings of customer classification."
                )
            )
