"""Every write on meetings: checks invariants, records an audit entry in the same transaction,
keeps minutes as revisions, never deletes a meeting, an item, a decision or an action item."""

from agreements.meetings.services.agenda import add_agenda_item, propose_agenda, update_agenda_item
from agreements.meetings.services.meetings import NEXT_STATUS, change_status, create_meeting, update_meeting
from agreements.meetings.services.minutes import (approve_minutes, link_effect, save_minutes, set_action_status,
                                                  set_decision_status)
from agreements.meetings.services.participants import add_participant, create_contact, update_participant

__all__ = ["NEXT_STATUS", "add_agenda_item", "add_participant", "approve_minutes", "change_status", "create_contact",
           "create_meeting", "link_effect", "propose_agenda", "save_minutes", "set_action_status",
           "set_decision_status", "update_agenda_item", "update_meeting", "update_participant"]
