"""Interface labels of instrument kinds, statuses and links (translated at render time)."""

from registry.labels import mark

KIND_LABELS = {
    "agreement": mark("Agreement"),
    "administrative_arrangement": mark("Administrative arrangement"),
    "amendment": mark("Amendment"),
    "protocol": mark("Protocol"),
    "exchange_of_letters": mark("Exchange of letters"),
}

STATUS_LABELS = {
    "not_yet_signed": mark("Not yet signed"),
    "signed": mark("Signed, not in force"),
    "in_force": mark("In force"),
    "terminated": mark("Terminated"),
    "superseded": mark("Superseded"),
    "date_unknown": mark("Date unknown"),
}

# how a breadcrumb names an instrument: "Agreement of 6 November 2014" ("Accord du 6 novembre 2014")
DATED_KIND_LABELS = {
    "agreement": mark("Agreement of %(date)s"),
    "administrative_arrangement": mark("Administrative arrangement of %(date)s"),
    "amendment": mark("Amendment of %(date)s"),
    "protocol": mark("Protocol of %(date)s"),
    "exchange_of_letters": mark("Exchange of letters of %(date)s"),
}

LINK_LABELS = {
    "implements": mark("implements"),
    "amends": mark("amends"),
    "supersedes": mark("supersedes"),
}

# read from the target's side: "the 2018 arrangement implements this agreement"
INVERSE_LINK_LABELS = {
    "implements": mark("implemented by"),
    "amends": mark("amended by"),
    "supersedes": mark("superseded by"),
}
