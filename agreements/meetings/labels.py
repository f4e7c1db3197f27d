"""Interface labels of meeting kinds, statuses and sides (translated at render time)."""

from registry.labels import LABEL_COLON, mark

KIND_LABELS = {
    "joint_commission": mark("Joint commission"),
    "technical_meeting": mark("Technical meeting"),
    "bilateral_meeting": mark("Bilateral meeting"),
    "videoconference": mark("Videoconference"),
}

STATUS_LABELS = {
    "planned": mark("Planned"),
    "agenda_sent": mark("Agenda sent"),
    "held": mark("Held"),
    "minutes_draft": mark("Minutes being drafted"),
    "minutes_approved": mark("Minutes approved"),
    "published": mark("Minutes published"),
}

SIDE_LABELS = {"france": mark("French side"), "partner": mark("Partner side")}

ACTION_STATUS_LABELS = {"open": mark("open"), "done": mark("done"), "dropped": mark("dropped")}

# a decision's status: French agrees with "la décision" (convenue, mise en œuvre, abandonnée)
DECISION_STATUS_LABELS = {"agreed": mark("agreed"), "implemented": mark("implemented"),
                          "abandoned": mark("abandoned")}

AUDIENCE_LABELS = {"public": mark("Public"), "staff": mark("Restricted to staff")}

LAYOUT_LABELS = {"side_by_side": mark("Both languages side by side"),
                 "sequential": mark("One language after the other")}

TARGET_LABELS = {"instrument": mark("instrument"), "form": mark("form"), "form_version": mark("form version")}
TARGET_PLURAL_LABELS = {"instrument": mark("instruments"), "form": mark("forms"),
                        "form_version": mark("form versions")}

LABELS = dict(kinds=KIND_LABELS, statuses=STATUS_LABELS, sides=SIDE_LABELS, action_statuses=ACTION_STATUS_LABELS,
              decision_statuses=DECISION_STATUS_LABELS, audiences=AUDIENCE_LABELS, layouts=LAYOUT_LABELS,
              targets=TARGET_LABELS, target_plurals=TARGET_PLURAL_LABELS, label_colon=LABEL_COLON)
