import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { formatFloat, formatInteger, formatMonetary } from "@web/views/fields/formatters";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * The lines of a manager report: one row per salesperson, one column per chosen
 * indicator. The columns are the report's `indicator_columns` (made on the server
 * from the list of indicators): what each shows, its unit, whether less is better,
 * whether it is compared and summed. A cell reads its figure from the line's
 * `figures` ({value, prev, change}, null when it cannot be known: shown blank);
 * a compared one shows its change under the value (an arrow, green when better,
 * red when worse) with the previous value in the tooltip.
 */
export class XyzIndicatorLines extends Component {
    static template = "crm_xyz_addon.XyzIndicatorLines";
    static props = { ...standardFieldProps };

    get report() {
        return this.props.record.data;
    }

    get columns() {
        return this.report.indicator_columns || [];
    }

    get lines() {
        return this.report[this.props.name].records;
    }

    isNumeric(column) {
        return column.digits !== null && column.digits !== undefined;
    }

    figure(line, column) {
        return (line.data.figures || {})[column.figure] || {};
    }

    format(value, column, { absolute = false, symbol = true } = {}) {
        if (value === null || value === undefined) {
            return "";
        }
        const number = absolute ? Math.abs(value) : value;
        if (column.unit === "money") {
            return symbol
                ? formatMonetary(number, { currencyId: column.currency_id })
                : formatFloat(number, { digits: [16, column.digits] });
        }
        if (column.digits === 0) {
            return formatInteger(number);
        }
        return formatFloat(number, { digits: [16, column.digits] });
    }

    cell(line, column) {
        if (column.field) {
            const value = line.data[column.field];
            if (Array.isArray(value)) {
                const [id, name] = value;
                const avatar = column.avatar_model
                    ? `/web/image/${column.avatar_model}/${id}/avatar_128`
                    : null;
                return { text: name, avatar };
            }
            return { text: value || "" };
        }
        const figure = this.figure(line, column);
        const cell = {
            text: this.format(figure.value, column),
            title: column.title_field ? line.data[column.title_field] || "" : "",
        };
        const known = figure.value !== null && figure.value !== undefined;
        const changeKnown = figure.change !== null && figure.change !== undefined;
        if (column.compare && known && changeKnown) {
            const delta = figure.change;
            const better = column.lower_is_better ? delta < 0 : delta > 0;
            const previous = this.format(figure.prev, column) || "-";
            cell.change = {
                arrow: delta > 0 ? "▲" : delta < 0 ? "▼" : "=",
                text: delta ? this.format(delta, column, { absolute: true, symbol: false }) : "",
                className: !delta ? "text-muted" : better ? "text-success" : "text-danger",
                title: _t("Previous period: %(previous)s", { previous }),
            };
        }
        return cell;
    }

    total(column) {
        if (column.total_label) {
            return column.total_label;
        }
        if (!column.sum) {
            return "";
        }
        const known = this.lines
            .map((line) => this.figure(line, column).value)
            .filter((value) => value !== null && value !== undefined);
        if (!known.length) {
            return "";
        }
        return this.format(
            known.reduce((sum, value) => sum + value, 0),
            column
        );
    }
}

export const xyzIndicatorLines = {
    component: XyzIndicatorLines,
    displayName: _t("Indicators of the salespeople"),
    supportedTypes: ["one2many"],
};

registry.category("fields").add("xyz_indicator_lines", xyzIndicatorLines);
