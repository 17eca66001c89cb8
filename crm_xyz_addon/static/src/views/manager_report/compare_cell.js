import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { formatFloat, formatInteger, formatMonetary } from "@web/views/fields/formatters";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * One cell of a manager report line: the value of an indicator and, when the
 * report compares periods, its change from the previous period (an arrow, green
 * when better, red when worse) with the previous value in the tooltip. It reads
 * the line's `<name>_prev` and `<name>_change` fields, which stay the raw figures
 * of the files and of get_indicators(). With `value_only` it shows the value alone
 * (the executive ranking, which compares ranks and scores only).
 */
export class XyzCompareCell extends Component {
    static template = "crm_xyz_addon.XyzCompareCell";
    static props = {
        ...standardFieldProps,
        lowerIsBetter: { type: Boolean, optional: true },
        valueOnly: { type: Boolean, optional: true },
    };

    get data() {
        return this.props.record.data;
    }

    get comparing() {
        const report = this.props.record._parentRecord;
        return Boolean(!this.props.valueOnly && report && report.data.compare);
    }

    isBlank(name) {
        return (this.data.blank_fields || "").includes(` ${name} `);
    }

    format(name, { absolute = false, symbol = true } = {}) {
        const field = this.props.record.fields[name];
        const value = absolute ? Math.abs(this.data[name]) : this.data[name];
        if (field.type === "integer") {
            return formatInteger(value);
        }
        if (field.type === "monetary" && symbol) {
            return formatMonetary(value, { data: this.data, field });
        }
        return formatFloat(value, { digits: field.digits || [16, 2] });
    }

    get value() {
        return this.isBlank(this.props.name) ? "" : this.format(this.props.name);
    }

    /** The change, or null when it is not shown (no comparison, or unknown). */
    get comparison() {
        const name = `${this.props.name}_change`;
        if (!this.comparing || this.isBlank(name) || this.isBlank(this.props.name)) {
            return null;
        }
        const delta = this.data[name] || 0;
        const better = this.props.lowerIsBetter ? delta < 0 : delta > 0;
        const previous = this.isBlank(`${this.props.name}_prev`)
            ? "-"
            : this.format(`${this.props.name}_prev`);
        return {
            arrow: delta > 0 ? "▲" : delta < 0 ? "▼" : "=",
            text: delta ? this.format(name, { absolute: true, symbol: false }) : "",
            className: !delta ? "text-muted" : better ? "text-success" : "text-danger",
            title: _t("Previous period: %(previous)s", { previous }),
        };
    }
}

export const xyzCompareCell = {
    component: XyzCompareCell,
    displayName: _t("Value and change"),
    supportedTypes: ["integer", "float", "monetary"],
    extractProps: ({ options }) => ({
        lowerIsBetter: Boolean(options.lower_is_better),
        valueOnly: Boolean(options.value_only),
    }),
    // a minimum and no maximum: a column grows to its amounts and totals (the fixed
    // widths of Odoo's number columns cut large amounts with their currency); counts
    // are short, so that every indicator of the ranking fits a 1440 px screen
    listViewWidth: ({ type }) => [{ monetary: 105, integer: 64 }[type] || 80],
    // the previous value and the change come along with the value
    fieldDependencies: ({ name, type }) => [
        { name: `${name}_prev`, type },
        { name: `${name}_change`, type },
    ],
};

registry.category("fields").add("xyz_compare", xyzCompareCell);
