"""What a run reports, from the worker to the database and every watcher (docs/api.md, Stream).

Events stay these typed models all the way: the worker's pipe carries their JSON and the executor
validates it back; only the database row and the websocket message hold `to_json(event)`. The
front end's RunEvent type is generated from `event_schemas()`, which the OpenAPI document carries
(frontend/src/api/schema.d.ts, `npm run gen:api`).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from ..run_states import RunStatus

# Metric values on the wire: a number, or None for one that is not finite (JSON has no NaN).
Metrics = dict[str, float | None]


class _Event(BaseModel):
    # Every field is always sent, so the schema (and the generated TypeScript) marks them required.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class StatusEvent(_Event):
    type: Literal["status"] = "status"
    status: RunStatus
    device: str | None = None
    error: str | None = None


class BatchEvent(_Event):
    type: Literal["batch"] = "batch"
    epoch: int
    step: int  # 1-based within the epoch
    steps: int  # steps per epoch
    seen: int  # samples seen in this epoch
    metrics: Metrics
    t: float = 0.0  # seconds since the run started training (wall time)


class EpochEvent(_Event):
    type: Literal["epoch"] = "epoch"
    epoch: int
    epochs: int
    metrics: Metrics  # Keras history keys + lr, samples_per_s, seconds
    eta_s: float | None = None
    t: float = 0.0  # seconds since the run started training (wall time)


class LogEvent(_Event):
    type: Literal["log"] = "log"
    level: Literal["info", "warning", "error"] = "info"
    message: str


class ResultEvent(_Event):
    """The worker's last word before its final status: test metrics and stored artifacts."""

    type: Literal["result"] = "result"
    test_metrics: Metrics = Field(default_factory=dict)
    artifacts: list[str] = Field(default_factory=list)
    # Classifiers: rows are true classes, columns predicted ones, on the test split.
    confusion_matrix: list[list[int]] | None = None
    class_names: list[str] | None = None
    # A run stopped by the user: the completed epoch whose weights model.pt holds.
    kept_epoch: int | None = None


Event = Annotated[StatusEvent | BatchEvent | EpochEvent | LogEvent | ResultEvent, Field(discriminator="type")]
EVENT: TypeAdapter[Event] = TypeAdapter(Event)


def to_json(event: Event) -> dict[str, Any]:
    """The event as JSON data, for the database and the websocket. Numbers that are not finite
    (a diverging loss) become null: JSON has no NaN."""
    data: dict[str, Any] = json.loads(event.model_dump_json())
    return data


def event_schemas(ref_template: str = "#/components/schemas/{model}") -> dict[str, dict[str, Any]]:
    """JSON Schemas by name: every event model and "RunEvent", their discriminated union (as the
    OpenAPI document's components, from which the front end's types are generated)."""
    schema = EVENT.json_schema(mode="serialization", ref_template=ref_template)
    defs: dict[str, dict[str, Any]] = schema.pop("$defs")
    return {**defs, "RunEvent": {**schema, "title": "RunEvent",
                                 "description": "One message of WS /api/runs/{id}/stream."}}
