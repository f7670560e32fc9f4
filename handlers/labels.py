"""Names of the network's codes (roles, …) as members read them, marked for translation."""

from __future__ import annotations

from bot.i18n import N_

ROLE_LABELS = {
    "community": N_("community representative"),
    "police": N_("police contact"),
    "staff": N_("member of the network team"),
}
