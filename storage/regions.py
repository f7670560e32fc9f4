"""Which Bundesländer border each other: the second tier of matching a contact request.

A request nobody in its own Bundesland can take goes next to members who cover a land with a
common land border (the city states included: Berlin lies inside Brandenburg, Bremen inside
Lower Saxony, Hamburg between Schleswig-Holstein and Lower Saxony) or the whole country.
Borders only over water (Bremen and Hamburg by the sea, say) do not count: the point is that
the two can meet.
"""

from __future__ import annotations

from storage.vocabulary import REGIONS

NATIONWIDE = "DE"

NEIGHBOURS: dict[str, frozenset[str]] = {
    "DE-BW": frozenset({"DE-BY", "DE-HE", "DE-RP"}),
    "DE-BY": frozenset({"DE-BW", "DE-HE", "DE-TH", "DE-SN"}),
    "DE-BE": frozenset({"DE-BB"}),
    "DE-BB": frozenset({"DE-BE", "DE-MV", "DE-NI", "DE-SN", "DE-ST"}),
    "DE-HB": frozenset({"DE-NI"}),
    "DE-HH": frozenset({"DE-NI", "DE-SH"}),
    "DE-HE": frozenset({"DE-BW", "DE-BY", "DE-NI", "DE-NW", "DE-RP", "DE-TH"}),
    "DE-MV": frozenset({"DE-BB", "DE-NI", "DE-SH"}),
    "DE-NI": frozenset(
        {"DE-BB", "DE-HB", "DE-HE", "DE-HH", "DE-MV", "DE-NW", "DE-SH", "DE-ST", "DE-TH"}
    ),
    "DE-NW": frozenset({"DE-HE", "DE-NI", "DE-RP"}),
    "DE-RP": frozenset({"DE-BW", "DE-HE", "DE-NW", "DE-SL"}),
    "DE-SL": frozenset({"DE-RP"}),
    "DE-SN": frozenset({"DE-BB", "DE-BY", "DE-ST", "DE-TH"}),
    "DE-ST": frozenset({"DE-BB", "DE-NI", "DE-SN", "DE-TH"}),
    "DE-SH": frozenset({"DE-HH", "DE-MV", "DE-NI"}),
    "DE-TH": frozenset({"DE-BY", "DE-HE", "DE-NI", "DE-SN", "DE-ST"}),
    NATIONWIDE: frozenset(),
}


def neighbours(region: str) -> frozenset[str]:
    """The Bundesländer bordering ``region``; none for 'DE' (it covers everything)."""
    if region not in NEIGHBOURS:
        raise ValueError(f"unknown region {region!r}")
    return NEIGHBOURS[region]


assert set(NEIGHBOURS) == set(REGIONS)
assert all(region in NEIGHBOURS[other] for region in REGIONS for other in NEIGHBOURS[region])
