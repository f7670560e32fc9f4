"""Names of the network's codes (roles, regions, topics, …) as members read them, marked for
translation; the codes themselves live in storage/vocabulary.py."""

from __future__ import annotations

from bot.i18n import N_

ROLE_LABELS = {
    "community": N_("community representative"),
    "police": N_("police contact"),
    "staff": N_("member of the network team"),
}

STATUS_LABELS = {
    "pending": N_("pending"),
    "active": N_("active"),
    "suspended": N_("suspended"),
    "lapsed": N_("lapsed"),
}

REGION_LABELS = {
    "DE-BW": N_("Baden-Württemberg"),
    "DE-BY": N_("Bavaria"),
    "DE-BE": N_("Berlin"),
    "DE-BB": N_("Brandenburg"),
    "DE-HB": N_("Bremen"),
    "DE-HH": N_("Hamburg"),
    "DE-HE": N_("Hesse"),
    "DE-MV": N_("Mecklenburg-Western Pomerania"),
    "DE-NI": N_("Lower Saxony"),
    "DE-NW": N_("North Rhine-Westphalia"),
    "DE-RP": N_("Rhineland-Palatinate"),
    "DE-SL": N_("Saarland"),
    "DE-SN": N_("Saxony"),
    "DE-ST": N_("Saxony-Anhalt"),
    "DE-SH": N_("Schleswig-Holstein"),
    "DE-TH": N_("Thuringia"),
    "DE": N_("nationwide"),
}

TOPIC_LABELS = {
    "mosque_security": N_("security of a mosque or event"),
    "anti_muslim_incident": N_("an anti-Muslim incident"),
    "prevention": N_("prevention and radicalisation concerns"),
    "dialogue_planning": N_("planning a dialogue event or cooperation"),
    "network_team": N_("contact the network team"),
    "other": N_("other"),
}

ORGANISATION_TYPE_LABELS = {
    "mosque_association": N_("mosque association"),
    "umbrella_organisation": N_("Muslim umbrella organisation"),
    "muslim_ngo": N_("Muslim NGO"),
    "police": N_("police authority or unit"),
    "public_body": N_("other public body"),
}

EVENT_KIND_LABELS = {
    "colloquium": N_("Colloquium"),
    "dialogue_platform": N_("Dialogue platform"),
    "workshop": N_("Workshop"),
    "other": N_("Other event"),
}

# Who may attend an event, by role.
AUDIENCE_LABELS = {
    "community": N_("community representatives"),
    "police": N_("police contacts"),
    "staff": N_("network team"),
}

# Language names in the reader's language (the language picker shows each in itself instead).
LANGUAGE_LABELS = {
    "de": N_("German"),
    "en": N_("English"),
    "fr": N_("French"),
    "tr": N_("Turkish"),
    "ar": N_("Arabic"),
}
