import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

function openMenu(appXmlid, sectionXmlid, itemXmlid) {
    return [
        stepUtils.showAppsMenuItem(),
        { trigger: `.o_app[data-menu-xmlid='${appXmlid}']`, run: "click" },
        // let the app's default view finish loading before leaving it
        { trigger: ".o_list_renderer, .o_kanban_renderer" },
        { trigger: `.o_menu_sections [data-menu-xmlid='${sectionXmlid}']`, run: "click" },
        { trigger: `.dropdown-item[data-menu-xmlid='${itemXmlid}']`, run: "click" },
    ];
}

registry.category("web_tour.tours").add("crm_xyz_salesman_menus", {
    url: "/odoo",
    steps: () => [
        ...openMenu("crm.crm_menu_root", "crm.crm_menu_report", "crm_xyz_addon.menu_crm_xyz_analysis_crm"),
        { trigger: ".o_list_view .o_data_row:contains('Smoke Customer')" },
        { trigger: ".o_list_view .o_data_row:contains('Regular')" },
        // the salesman cannot run the analysis
        { trigger: ".o_list_view:not(:has(button[name='action_run_xyz_analysis']))" },
        { trigger: ".o_switch_view.o_pivot", run: "click" },
        { trigger: ".o_pivot .o_pivot_header_cell_closed, .o_pivot th" },
        { trigger: ".o_switch_view.o_list", run: "click" },
        { trigger: ".o_data_row:contains('Smoke Customer') td[name='partner_id']", run: "click" },
        // the row of the analysis, then its customer
        { trigger: ".o_form_view button[name='action_open_partner']", run: "click" },
        { trigger: ".o_notebook .nav-link:contains('Classification')", run: "click" },
        { trigger: ".o_crm_xyz_box .badge:contains('Regular')" },
        { trigger: "div[name='classification_explanation']:contains('regular')" },
    ],
});

registry.category("web_tour.tours").add("crm_xyz_manager_menus", {
    url: "/odoo",
    steps: () => [
        ...openMenu("sale.sale_menu_root", "sale.menu_sale_report", "crm_xyz_addon.menu_crm_xyz_analysis_sale"),
        { trigger: ".o_list_view .o_data_row:contains('Smoke Customer')" },
        { trigger: "button[name='action_run_xyz_analysis']", run: "click" },
        { trigger: ".o_notification:contains('Analysis done')" },
        { trigger: ".o_menu_sections [data-menu-xmlid='sale.menu_sale_report']", run: "click" },
        { trigger: ".dropdown-item[data-menu-xmlid='crm_xyz_addon.menu_crm_xyz_history_sale']", run: "click" },
        { trigger: ".o_breadcrumb:contains('Classification History')" },
        { trigger: ".o_list_view .o_data_row:contains('Smoke Customer')" },
        { trigger: ".o_menu_sections [data-menu-xmlid='sale.menu_sale_config']", run: "click" },
        { trigger: ".dropdown-item[data-menu-xmlid='crm_xyz_addon.menu_crm_xyz_run']", run: "click" },
        { trigger: ".o_breadcrumb:contains('Classification Runs')" },
        { trigger: ".o_list_view .o_data_row td[name='customer_count']", run: "click" },
        { trigger: ".o_form_view .o_field_widget[name='customer_count']" },
    ],
});
