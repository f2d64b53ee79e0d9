"""The kinds of catalog object a user's data points at: one registry for the follows, the
votes, the marks, the tags, `?embed=` and the messages that name them.

A kind's column (`show_id`), embed name (`show`) and messages ("This show does not exist")
are derived from its noun here, once, so a route's documented answers and its service's
errors cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openmaze.catalog.objects import CatalogTable


@dataclass(frozen=True, slots=True)
class CatalogKind:
    table: CatalogTable  # the catalog table its objects live in: "shows"
    noun: str  # "show": in messages
    plural: str  # "shows": in paths and user-data table names
    title: str  # "Show": in OpenAPI summaries
    plural_title: str  # "Shows"
    # Derived once (they are read on every request that names the kind):
    column: str = field(init=False)  # the wire field and the user-data tables' column: "show_id"
    embed: str = field(init=False)  # the `?embed=` value and the `_embedded` key: "show"
    missing: str = field(init=False)  # the 404 for an id the catalog does not hold

    def __post_init__(self) -> None:
        object.__setattr__(self, "column", f"{self.noun}_id")
        object.__setattr__(self, "embed", self.noun)
        object.__setattr__(self, "missing", f"This {self.noun} does not exist")

    def is_not(self, state: str) -> str:
        """The 404 for checking what the user has not done: `is_not("followed")`."""
        return f"This {self.noun} is not {state}"

    def was_not(self, state: str) -> str:
        """The 404 for undoing what the user had not done: `was_not("voted for")`."""
        return f"This {self.noun} was not {state}"

    @property
    def a_title(self) -> str:
        """ "a Show", "an Episode": for summaries."""
        return f"{'an' if self.title[0] in 'AEIOU' else 'a'} {self.title}"


SHOW = CatalogKind("shows", "show", "shows", "Show", "Shows")
EPISODE = CatalogKind("episodes", "episode", "episodes", "Episode", "Episodes")
PERSON = CatalogKind("people", "person", "people", "Person", "People")
NETWORK = CatalogKind("networks", "network", "networks", "Network", "Networks")
WEBCHANNEL = CatalogKind("webchannels", "webchannel", "webchannels", "Webchannel", "Webchannels")
