"""The codes the database accepts (its CHECK constraints say the same); labels live with the
handlers that show them, translated."""

from __future__ import annotations

ROLES = ("community", "police", "staff")
STATUSES = ("pending", "active", "suspended", "lapsed")
ORGANISATION_TYPES = (
    "mosque_association",
    "umbrella_organisation",
    "muslim_ngo",
    "police",
    "public_body",
)
# The 16 Bundesländer by ISO 3166-2 code, and "DE" for nationwide.
REGIONS = (
    "DE-BW", "DE-BY", "DE-BE", "DE-BB", "DE-HB", "DE-HH", "DE-HE", "DE-MV",
    "DE-NI", "DE-NW", "DE-RP", "DE-SL", "DE-SN", "DE-ST", "DE-SH", "DE-TH",
    "DE",
)  # fmt: skip
TOPICS = (
    "mosque_security",
    "anti_muslim_incident",
    "prevention",
    "dialogue_planning",
    "network_team",
    "other",
)
