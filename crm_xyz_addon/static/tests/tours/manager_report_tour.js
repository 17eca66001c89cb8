/** @odoo-module **/

import { registry } from "@web/core/registry";

const lines = ".o_field_widget[name=line_ids]";
const controlPanel = ".o_action .o_control_panel";

registry.category("web_tour.tours").add("crm_xyz_manager_report_tour", {
    steps: () => [
        {
            content: "The report opens on a preset period",
            trigger: ".o_form_view .o_field_widget[name=period] select",
        },
        {
            content: "It is a report, not a record: titled by its period, no New button",
            trigger: `${controlPanel}:not(:has(.o_form_button_create)) .o_breadcrumb:contains('Manager Performance'):not(:contains('New'))`,
        },
        {
            content: "Choose a custom range",
            trigger: ".o_field_widget[name=period] select",
            run: "selectByLabel Custom Range",
        },
        {
            content: "First day of the second quarter",
            trigger: ".o_field_widget[name=date_from] input:not([readonly])",
            run: "edit 04/01/2026 && press Enter",
        },
        {
            content: "Last day of the second quarter",
            trigger: ".o_field_widget[name=date_to] input",
            run: "edit 06/30/2026 && press Enter",
        },
        {
            content: "The title follows the period",
            trigger: `${controlPanel} .o_breadcrumb:contains('04/01/2026 - 06/30/2026')`,
        },
        {
            content: "Sam's revenue of the quarter is shown",
            trigger: `${lines} .o_data_row:contains('Sam Salesman'):contains('1,500.00')`,
        },
        {
            content: "One cell per indicator: the change from the previous period beside the value",
            trigger: `${lines}:not(:has(th[data-name=revenue_prev])):not(:has(th[data-name=revenue_change])) .o_data_row:contains('Sam Salesman') td[name=revenue] .o_xyz_compare_change[class*=text-]`,
        },
        {
            content: "Changed options leave no save or discard button",
            trigger: `${controlPanel}:not(:has(.o_form_button_save)):not(:has(.o_form_button_cancel))`,
        },
        {
            content: "Leave the revenue out",
            trigger: ".o_field_widget[name=show_revenue] input",
            run: "click",
        },
        {
            content: "The revenue column is gone",
            trigger: `${lines}:not(:has(th[data-name=revenue])):has(th[data-name=payments])`,
        },
        {
            content: "Show shares of the team total",
            trigger: ".o_field_widget[name=value_mode] input[data-value=share]",
            run: "click",
        },
        {
            content: "Sam made two thirds of the contacts of the team",
            trigger: `${lines}:has(th[data-name=contacts_count_share]) .o_data_row:contains('Sam Salesman'):contains('66.67')`,
        },
        {
            content: "Print the report",
            trigger: "button[name=action_print_pdf]",
            run: "click",
        },
        {
            content: "The report is saved (it has a pager now) and printed",
            trigger: `${controlPanel}:has(.o_pager) .o_breadcrumb:contains('04/01/2026')`,
        },
        {
            content: "The report is printed",
            trigger: "button[name=action_print_pdf]:enabled",
        },
        {
            content: "Still no New button nor save icon",
            trigger: `${controlPanel}:not(:has(.o_form_button_create)):not(:has(.o_form_button_save))`,
        },
    ],
});
