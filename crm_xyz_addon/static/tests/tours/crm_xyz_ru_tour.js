import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A sales manager who reads Russian goes through the agenda, a customer's
// classification and the XYZ analysis. The analysis is reached by its menu and
// checked with the views' generic selectors only, whatever model serves it.
const CUSTOMER = "XYZ Agenda Customer";

/** A step failing unless the element found reads `text` (after trimming). */
function reads(text) {
    return function () {
        const found = this.anchor.textContent.trim();
        if (found !== text) {
            throw new Error(`"${found}" shown where "${text}" was expected`);
        }
    };
}

registry.category("web_tour.tours").add("crm_xyz_ru_tour", {
    url: "/odoo/action-crm_xyz_addon.crm_xyz_agenda_action",
    steps: () => [
        // ------------------------------------------------------------ agenda
        {
            content: "The agenda opens on the calendar, titled in Russian",
            trigger: ".o_calendar_view .fc-event.o_xyz_agenda_event",
        },
        {
            trigger: ".o_breadcrumb .active:contains('Мой календарь')",
            run: reads("Мой календарь"),
        },
        {
            content: "The customer comes first, then the event, in Russian",
            trigger: `.fc-event.o_xyz_agenda_event .o_event_title:contains('${CUSTOMER} · Отгрузка')`,
        },
        {
            content: "Switch to the list",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "The overdue call of yesterday is overdue, and a contact",
            trigger: ".o_list_view .o_data_row:contains('XYZ RU call') td[name=state]",
            run: reads("Просрочено"),
        },
        {
            trigger: ".o_list_view .o_data_row:contains('XYZ RU call') td[name=event_type]",
            run: reads("Контакт"),
        },
        {
            content: "The meeting of yesterday is held, with no amount",
            trigger: ".o_list_view .o_data_row:contains('XYZ RU visit') td[name=state]",
            run: reads("Проведена"),
        },
        {
            trigger: ".o_list_view .o_data_row:contains('XYZ RU visit') td[name=amount]",
            run: reads(""),
        },
        {
            content: "The delivery is a shipment (1C's word)",
            trigger: `.o_list_view .o_data_row td[name=name]:contains('${CUSTOMER} · Отгрузка')`,
        },
        // ----------------------------------------------------------- partner
        stepUtils.showAppsMenuItem(),
        {
            content: "Open Sales",
            trigger: ".o_app[data-menu-xmlid='sale.sale_menu_root']",
            run: "click",
        },
        {
            trigger: ".o_list_renderer, .o_kanban_renderer",
        },
        {
            trigger: ".o_menu_sections [data-menu-xmlid='sale.sale_order_menu']",
            run: "click",
        },
        {
            content: "Open the customers",
            trigger: ".dropdown-item[data-menu-xmlid='sale.res_partner_menu']",
            run: "click",
        },
        {
            trigger: ".o_kanban_view",
        },
        {
            content: "Find the customer",
            trigger: ".o_searchview_input",
            run: `edit ${CUSTOMER}`,
        },
        {
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            trigger: `.o_kanban_record:contains('${CUSTOMER}')`,
            run: "click",
        },
        {
            content: "Its Classification tab, in Russian",
            trigger: ".o_form_view a[name=crm_xyz_classification]",
            run: "click",
        },
        {
            trigger: ".o_form_view a[name=crm_xyz_classification].active",
            run: reads("Классификация"),
        },
        {
            content: "A regular customer, and why, in Russian",
            trigger: ".o_form_view .o_field_widget[name=relationship_stage]",
            run: reads("Постоянный"),
        },
        {
            trigger:
                ".o_form_view .o_field_widget[name=classification_explanation]:contains('постоянный клиент')",
        },
        // ------------------------------------------------------- XYZ analysis
        {
            content: "Open the XYZ analysis by its menu",
            trigger: ".o_menu_sections [data-menu-xmlid='sale.menu_sale_report']",
            run: "click",
        },
        {
            trigger: ".dropdown-item[data-menu-xmlid='crm_xyz_addon.menu_crm_xyz_analysis_sale']",
            run: "click",
        },
        {
            content: "Its title is in Russian",
            trigger: ".o_breadcrumb .active:contains('XYZ-анализ клиентов')",
            run: reads("XYZ-анализ клиентов"),
        },
        {
            content: "The list shows the customer",
            trigger: `.o_list_view .o_data_row:contains('${CUSTOMER}')`,
        },
        {
            content: "Its stage in Russian",
            trigger: `.o_list_view .o_data_row:contains('${CUSTOMER}'):contains('Постоянный')`,
        },
        {
            content: "The column headers in Russian",
            trigger: ".o_list_view thead th:contains('Новая стадия')",
        },
        {
            content: "The pivot of the analysis",
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            trigger: ".o_pivot table",
        },
    ],
});
