"""Live OpenLineage emission from a kernel (policy ``openlineage.enabled``).

After a cell that loaded data, wrote files or trained models, the notebook's events are rebuilt from
its processing log (the single source of truth) and the runs not sent yet are emitted: the notebook's
parent START once, then each cell's START and COMPLETE, through the openlineage-python client (see
:mod:`..records.openlineage_client`; ``transport: client`` uses openlineage.yml / OPENLINEAGE_URL). Emission problems are reported once and never
break the user's cell; ``jupyter-privacy lineage`` can always rebuild the events from the log.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from ..records.openlineage import notebook_events
from ..records.openlineage_client import emit, secret_variables, transport_config

if TYPE_CHECKING:
    from .session import PrivacySession


class LiveLineage:
    def __init__(self, session: PrivacySession) -> None:
        self.session = session
        self.settings = session.policy.openlineage
        self.sent: set[tuple[str, str]] = set()
        self.last_seq = 0
        self.warned = False

    def emit(self) -> int:
        """Send the events of runs that appeared since the last call; returns how many were sent."""
        session = self.session
        head = session.store.head(session.notebook)
        if head is None or head.seq == self.last_seq:
            return 0
        self.last_seq = head.seq
        events = notebook_events(
            session.store,
            session.notebook,
            namespace=self.settings.namespace,
            user=session.store.identity.user,
        )
        fresh = [e for e in events[:-1] if (e["run"]["runId"], e["eventType"]) not in self.sent]
        if not fresh:
            return 0
        try:
            target = self.settings.resolved_file()
            if self.settings.transport == "file":
                target.parent.mkdir(parents=True, exist_ok=True)
            config = transport_config(self.settings.transport, file=str(target), url=self.settings.url)
            emit(fresh, config, secret_variables(session.policy))
        except Exception as exc:
            if not self.warned:
                print(
                    f"jupyter-privacy: OpenLineage events could not be sent ({exc}); "
                    "`jupyter-privacy lineage` can rebuild them from the log",
                    file=sys.stderr,
                )
                self.warned = True
            return 0
        self.sent.update((e["run"]["runId"], e["eventType"]) for e in fresh)
        return len(fresh)
