import { registry } from "@web/core/registry";
import { calendarView } from "@web/views/calendar/calendar_view";
import { CalendarRenderer } from "@web/views/calendar/calendar_renderer";
import { CalendarCommonRenderer } from "@web/views/calendar/calendar_common/calendar_common_renderer";
import { CalendarCommonPopover } from "@web/views/calendar/calendar_common/calendar_common_popover";

const AGENDA_MODEL = "crm.xyz.agenda";

/**
 * Call an action method of an agenda event, run the action it returns and
 * reload the calendar afterwards (the event may be done or moved).
 *
 * Takes the services from the environment rather than from the popover, which
 * is closed (destroyed) before the call returns.
 */
async function runEventAction(env, model, eventId, methodName) {
    const { orm, action } = env.services;
    const result = await orm.call(AGENDA_MODEL, methodName, [[eventId]]);
    if (result && typeof result === "object" && result.type) {
        await action.doAction(result, { onClose: () => model.load() });
    } else {
        await model.load();
    }
}

export class AgendaCalendarCommonPopover extends CalendarCommonPopover {
    static subTemplates = {
        ...CalendarCommonPopover.subTemplates,
        footer: "crm_xyz_addon.AgendaCalendarCommonPopover.footer",
    };

    get agendaEvent() {
        return this.props.record.rawRecord;
    }
    get isEventEditable() {
        return false;
    }
    get isEventDeletable() {
        return false;
    }
    get hasFooter() {
        return true;
    }

    async onEventAction(methodName) {
        const { model, record } = this.props;
        this.props.close();
        await runEventAction(this.env, model, record.id, methodName);
    }
}

export class AgendaCalendarCommonRenderer extends CalendarCommonRenderer {
    static components = {
        ...CalendarCommonRenderer.components,
        Popover: AgendaCalendarCommonPopover,
    };

    /** Colour the events by state (overdue red, today black, planned grey), not by palette. */
    eventClassNames(info) {
        const record = this.props.model.records[info.event.id];
        const classes = super
            .eventClassNames(info)
            // past events are veiled by default: overdue ones must stay plainly red
            .filter((name) => name !== "o_past_event" && !name.startsWith("o_calendar_color_"));
        if (record) {
            const { state, importance } = record.rawRecord;
            classes.push("o_xyz_agenda_event", `o_xyz_agenda_${state}`);
            if (importance === "high") {
                classes.push("o_xyz_agenda_important");
            }
        }
        return classes;
    }

    onDblClick(info) {
        const record = this.props.model.records[info.event.id];
        runEventAction(this.env, this.props.model, record.id, "action_open_source");
    }
}

export class AgendaCalendarRenderer extends CalendarRenderer {
    static components = {
        ...CalendarRenderer.components,
        day: AgendaCalendarCommonRenderer,
        week: AgendaCalendarCommonRenderer,
        month: AgendaCalendarCommonRenderer,
    };
}

export const agendaCalendarView = {
    ...calendarView,
    Renderer: AgendaCalendarRenderer,
};

registry.category("views").add("crm_xyz_agenda_calendar", agendaCalendarView);
