/** @odoo-module **/

import { download } from "@web/core/network/download";
import { registry } from "@web/core/registry";

const lines = ".o_field_widget[name=line_ids]";
const controlPanel = ".o_action .o_control_panel";
const REPORT_NAME = "crm_xyz_addon.report_manager_performance";

/**
 * Fails unless every header label and every figure of the lines is shown whole:
 * no label cut short, no amount clipped, no column beyond the list's right edge.
 */
function assertNothingCut(list) {
    const cut = [];
    for (const label of list.querySelectorAll("thead th .text-truncate")) {
        if (label.scrollWidth > label.clientWidth + 1) {
            cut.push(`header "${label.textContent.trim()}"`);
        }
    }
    for (const cell of list.querySelectorAll("tbody td.o_list_number, tfoot td")) {
        if (cell.scrollWidth > cell.clientWidth + 1) {
            cut.push(`cell ${cell.getAttribute("name") || ""} "${cell.textContent.trim()}"`);
        }
    }
    const renderer = list.querySelector(".o_list_renderer");
    const rightEdge = renderer.getBoundingClientRect().right;
    for (const header of list.querySelectorAll("thead th")) {
        if (header.getBoundingClientRect().right > rightEdge + 1) {
            cut.push(`column ${header.dataset.name} beyond the edge`);
        }
    }
    if (cut.length) {
        const widths = [...list.querySelectorAll("thead th")].map(
            (header) => `${header.dataset.name}=${Math.round(header.offsetWidth)}`
        );
        throw new Error(
            `Cut short at ${window.innerWidth}px (list ${renderer.clientWidth}px: ${widths.join(
                " "
            )}): ${cut.join(", ")}`
        );
    }
}

/** Keeps the downloads asked for (and makes them), to check what Print asked for. */
function watchDownloads() {
    const original = download._download;
    window.xyzDownloads = [];
    download._download = (options) => {
        window.xyzDownloads.push(options);
        return original(options);
    };
}

registry.category("web_tour.tours").add("crm_xyz_manager_report_ru_tour", {
    steps: () => [
        {
            content: "The report opens in Russian",
            trigger: `${controlPanel} .o_breadcrumb:contains('Показатели работы менеджеров')`,
        },
        {
            content: "Choose a custom range",
            trigger: ".o_field_widget[name=period] select",
            run: "selectByLabel Произвольный период",
        },
        {
            content: "First day of the second quarter, in the Russian date format",
            trigger: ".o_field_widget[name=date_from] input:not([readonly])",
            run: "edit 01.04.2026 && press Enter",
        },
        {
            content: "Last day of the second quarter",
            trigger: ".o_field_widget[name=date_to] input",
            run: "edit 30.06.2026 && press Enter",
        },
        {
            content: "The title follows the period",
            trigger: `${controlPanel} .o_breadcrumb:contains('01.04.2026 - 30.06.2026')`,
        },
        {
            content: "Russian headers, shown whole, and every figure too",
            trigger: `${lines}:has(th[data-name=stage_ups]:contains('Повышения стадии')):has(th[data-name=payments]:contains('Оплаты')) .o_data_row:contains('Sam Salesman')`,
            run() {
                assertNothingCut(this.anchor.closest(lines));
            },
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
            content: "Leave the stage changes out too",
            trigger: ".o_field_widget[name=show_stage_downs] input",
            run: "click",
        },
        {
            content: "The stages down are gone, the stages up stay",
            trigger: `${lines}:not(:has(th[data-name=stage_downs])):has(th[data-name=stage_ups]) .o_data_row:contains('Sam Salesman')`,
            run() {
                assertNothingCut(this.anchor.closest(lines));
                watchDownloads();
            },
        },
        {
            content: "Print",
            trigger: "button[name=action_print_pdf]:contains('Печать')",
            run: "click",
        },
        {
            content: "The report is saved and its PDF downloaded",
            trigger: `${controlPanel}:has(.o_pager) .o_breadcrumb:contains('01.04.2026')`,
        },
        {
            content: "The download of the report's PDF is done, without an error",
            trigger: "body:not(:has(.o_error_dialog)) button[name=action_print_pdf]:enabled",
            run() {
                const printed = (window.xyzDownloads || []).filter(
                    (options) =>
                        options.url === "/report/download" &&
                        options.data.data.includes(`/report/pdf/${REPORT_NAME}/`)
                );
                if (printed.length !== 1) {
                    throw new Error(`Expected one PDF download, got ${printed.length}`);
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("crm_xyz_executive_report_ru_tour", {
    steps: () => [
        {
            content: "The executive report opens in Russian",
            trigger: `${controlPanel} .o_breadcrumb:contains('Отчёт для руководителя')`,
        },
        {
            content: "Choose a custom range",
            trigger: ".o_field_widget[name=period] select",
            run: "selectByLabel Произвольный период",
        },
        {
            content: "First day of the second quarter",
            trigger: ".o_field_widget[name=date_from] input:not([readonly])",
            run: "edit 01.04.2026 && press Enter",
        },
        {
            content: "Last day of the second quarter",
            trigger: ".o_field_widget[name=date_to] input",
            run: "edit 30.06.2026 && press Enter",
        },
        {
            content: "Every indicator, the payments included, shown whole with its Russian header",
            trigger: `${controlPanel} .o_breadcrumb:contains('01.04.2026 - 30.06.2026')`,
        },
        {
            content: "Nothing is cut short",
            trigger: `${lines}:has(th[data-name=stage_ups]:contains('Повышения')):has(th[data-name=payments]) .o_data_row:contains('Sam Salesman')`,
            run() {
                assertNothingCut(this.anchor.closest(lines));
            },
        },
        {
            content: "Mark the lines shown before the refresh",
            trigger: `${lines} .o_data_row:contains('Sam Salesman')`,
            run() {
                for (const row of this.anchor.closest(lines).querySelectorAll(".o_data_row")) {
                    row.dataset.xyzBeforeRefresh = "1";
                }
            },
        },
        {
            content: "Refresh the figures (computed again on the screen, nothing saved)",
            trigger: "button[name=action_refresh]",
            run: "click",
        },
        {
            content: "New lines replace the marked ones",
            trigger: `${lines}:not(:has(.o_data_row[data-xyz-before-refresh])) .o_data_row:contains('Sam Salesman')`,
        },
        {
            content: "The report is still not saved",
            trigger: `${controlPanel}:not(:has(.o_pager)) .o_breadcrumb:contains('01.04.2026')`,
        },
        {
            content: "Print after the refresh",
            trigger: "button[name=action_print_pdf]",
            run: "click",
        },
        {
            content: "Printing saves the report, without an error",
            trigger: `body:not(:has(.o_error_dialog)) ${controlPanel}:has(.o_pager) .o_breadcrumb:contains('01.04.2026')`,
        },
        {
            content: "The PDF is done",
            trigger: "body:not(:has(.o_error_dialog)) button[name=action_print_pdf]:enabled",
        },
    ],
});
