import { registry } from "@web/core/registry";

// overdue red, today black, planned grey (held grey italic):
// static/src/views/agenda_calendar/agenda_calendar_view.scss
const AGENDA_COLORS = {
    overdue: "rgb(220, 53, 69)",
    today: "rgb(0, 0, 0)",
    planned: "rgb(108, 117, 125)",
};

/** A step action checking the colour (and the title marker) of the element found. */
function checkAgendaColor(state, textSelector, marker = "") {
    return function () {
        const element = textSelector ? this.anchor.querySelector(textSelector) : this.anchor;
        const color = getComputedStyle(element).color;
        if (color !== AGENDA_COLORS[state]) {
            throw new Error(`${state} event drawn in ${color}, expected ${AGENDA_COLORS[state]}`);
        }
        const title = element.textContent.trim();
        if (marker && !title.startsWith(marker)) {
            throw new Error(`title "${title}" should start with "${marker}"`);
        }
    };
}

registry.category("web_tour.tours").add("crm_xyz_agenda_tour", {
    url: "/odoo/action-crm_xyz_addon.crm_xyz_agenda_action",
    steps: () => [
        {
            content: "The agenda opens on the calendar",
            trigger: ".o_calendar_view .o_calendar_renderer .fc-event.o_xyz_agenda_event",
        },
        {
            content: "Show the day",
            trigger: ".o_view_scale_selector .scale_button_selection",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu .o_scale_button_day",
            run: "click",
        },
        {
            content: "Today's day view also shows yesterday's overdue contact, in the all-day band",
            trigger:
                ".fc-timeGridDay-view .fc-daygrid-body .fc-event.o_xyz_agenda_overdue:contains('XYZ overdue call')",
            run: "click",
        },
        {
            content: "Its popover keeps its own day",
            trigger: ".o_cw_popover:contains('Overdue')",
            run() {
                // the tour user writes dates in English (en_US)
                const yesterday = luxon.DateTime.local().minus({ days: 1 }).toFormat("MM/dd/yyyy");
                const text = this.anchor.textContent;
                if (!text.includes(yesterday)) {
                    throw new Error(`the popover should show yesterday's day: ${text}`);
                }
            },
        },
        {
            content: "The held meeting of yesterday is not carried to today",
            trigger: ".fc-timeGridDay-view:not(:has(.fc-event:contains('XYZ held visit')))",
        },
        {
            content: "Show the month",
            trigger: ".o_view_scale_selector .scale_button_selection",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu .o_scale_button_month",
            run: "click",
        },
        {
            content: "Yesterday is off the grid when today opens the month: go back one month",
            trigger: ".o_calendar_renderer .fc-dayGridMonth-view .fc-event.o_xyz_agenda_today",
            run() {
                if (!document.querySelector(".fc-event.o_xyz_agenda_overdue")) {
                    document.querySelector(".o_calendar_button_prev").click();
                }
            },
        },
        {
            content: "An overdue important contact is red and marked with '!'",
            trigger: ".fc-event.o_xyz_agenda_overdue:contains('XYZ overdue call')",
            run: checkAgendaColor("overdue", ".o_event_title", "! XYZ Agenda Customer · "),
        },
        {
            content: "Yesterday's meeting is held: muted, in italics, not overdue",
            trigger: ".fc-event.o_xyz_agenda_held:contains('XYZ held visit')",
            run() {
                const title = this.anchor.querySelector(".o_event_title");
                const style = getComputedStyle(title);
                if (style.fontStyle !== "italic" || style.color === AGENDA_COLORS.overdue) {
                    throw new Error(`held meeting drawn ${style.fontStyle} in ${style.color}`);
                }
                if (!title.textContent.includes("XYZ Agenda Customer · XYZ held visit")) {
                    throw new Error(`title "${title.textContent}" should start with the customer`);
                }
            },
        },
        {
            content: "Today's contact is black",
            trigger: ".fc-event.o_xyz_agenda_today:contains('XYZ today call')",
            run: checkAgendaColor("today", ".o_event_title"),
        },
        {
            content: "A planned unimportant contact is grey and marked with '↓'",
            trigger: ".fc-event.o_xyz_agenda_planned:contains('XYZ planned call')",
            run: checkAgendaColor("planned", ".o_event_title", "↓"),
        },
        {
            content: "Click the overdue delivery",
            trigger: ".fc-event.o_xyz_agenda_overdue:contains('Delivery')",
            run: "click",
        },
        {
            content: "Its popover offers the documents of the order",
            trigger: ".o_cw_popover .o_xyz_agenda_documents",
            run: "click",
        },
        {
            trigger: ".modal .modal-title:contains('Documents')",
        },
        {
            trigger: ".modal .modal-footer button:contains('Close')",
            run: "click",
        },
        {
            content: "Switch to the list",
            trigger: "body:not(:has(.modal)) .o_switch_view.o_list",
            run: "click",
        },
        {
            content: "The list has the same colours",
            trigger: ".o_list_view .o_data_row:contains('XYZ overdue call') td[name=name]",
            run: checkAgendaColor("overdue", null, "!"),
        },
        {
            trigger: ".o_list_view .o_data_row:contains('XYZ today call') td[name=name]",
            run: checkAgendaColor("today"),
        },
        {
            trigger: ".o_list_view .o_data_row:contains('XYZ planned call') td[name=name]",
            run: checkAgendaColor("planned", null, "↓"),
        },
        {
            content: "The held meeting is muted and in italics in the list, with no amount",
            trigger: ".o_list_view .o_data_row.fst-italic.text-muted:contains('XYZ held visit')",
            run() {
                const amount = this.anchor.querySelector("td[name=amount]");
                if (amount && amount.textContent.trim()) {
                    throw new Error(`a meeting shows an amount: ${amount.textContent}`);
                }
            },
        },
        {
            content: "Filter the overdue events",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            trigger: ".o_filter_menu .o_menu_item:contains('Overdue')",
            run: "click",
        },
        {
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Only overdue events are left, not the held meeting",
            trigger:
                ".o_list_view:not(:has(.o_data_row:contains('XYZ today call'))):not(:has(.o_data_row:contains('XYZ planned call'))):not(:has(.o_data_row:contains('XYZ held visit'))) .o_data_row:contains('XYZ overdue call')",
        },
        {
            content: "Open the analysis of the order of the overdue delivery",
            trigger:
                ".o_list_view .o_data_row:contains('Delivery') button[name=action_order_analysis]",
            run: "click",
        },
        {
            content: "The order analysis shows the order line",
            trigger:
                ".modal .o_form_view .o_field_widget[name=line_ids] .o_data_row:contains('XYZ Goods')",
        },
        {
            trigger: ".modal .modal-footer button:contains('Close')",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});
