"""The raw source contract (docs/contract.md) as data.

Everything that needs the shape of a source reads it from here: the landing
table DDL, the validator, the sample generator and the check that keeps the dbt
`sources:` YAML identical to the contract.
"""

from __future__ import annotations

from analytics_pipeline.ingest.contract_hospital import HOSPITAL_SOURCES
from analytics_pipeline.ingest.contract_hr import HR_SOURCES
from analytics_pipeline.ingest.contract_qms import QMS_SOURCES
from analytics_pipeline.ingest.contract_types import (
    JSON_KEY_TYPES,
    JSON_KINDS,
    LINEAGE_COLUMNS,
    MAX_TEXT_LENGTH,
    MAX_YEAR,
    MIN_DATE_YEAR,
    MIN_YEAR,
    TYPES,
    Column,
    JsonKey,
    MongoField,
    MongoMapping,
    OrderRule,
    RangeWhen,
    Source,
)
from analytics_pipeline.ingest.contract_types import column as _c

__all__ = [
    "JSON_KEY_TYPES",
    "JSON_KINDS",
    "LINEAGE_COLUMNS",
    "MAX_TEXT_LENGTH",
    "MAX_YEAR",
    "MIN_DATE_YEAR",
    "MIN_YEAR",
    "PACKS",
    "SOURCES",
    "TYPES",
    "Column",
    "JsonKey",
    "MongoField",
    "MongoMapping",
    "OrderRule",
    "RangeWhen",
    "Source",
    "get_source",
    "pack_sources",
]


# Keys of user_activity.metadata that the marts read (docs/contract.md).
ACTIVITY_METADATA_KEYS = (
    JsonKey("feature", "text"),
    JsonKey("duration_ms", "number", minimum=0),
    JsonKey("success", "bool"),
    JsonKey("error_type", "text"),
    JsonKey("report_id", "text"),
)


_CORE_SOURCES = (
    Source(
        "workspaces",
        "Tenants of the platform. Mutable: changes arrive as new rows with a newer updated_at.",
        (
            _c("workspace_id", "text", True, "Workspace key."),
            _c("name", "text", True, "Display name."),
            _c("subscription_tier", "text", False, "Plan.", ["free", "pro", "enterprise"]),
            _c(
                "subscription_status",
                "text",
                True,
                "Billing state.",
                ["ACTIVE", "TRIAL", "EXPIRED", "CANCELLED"],
            ),
            _c("created_at", "ts", True, "When the workspace was created."),
            _c("updated_at", "ts", True, "Version order: the newest version wins."),
        ),
        key=("workspace_id",),
        mutable=True,
        version_column="updated_at",
    ),
    Source(
        "users",
        "Users of a workspace. Mutable: a change arrives as a new row with a newer updated_at.",
        (
            _c("user_id", "text", True, "User key."),
            _c("workspace_id", "text", True, "Workspace the user belongs to."),
            _c(
                "role",
                "text",
                True,
                "Role in the workspace.",
                ["OWNER", "LEADER", "MANAGER", "MEMBER", "STUDENT"],
            ),
            _c("created_at", "ts", True, "Sign-up time."),
            _c("updated_at", "ts", True, "Version order: the newest version wins."),
            _c("deleted_at", "ts", False, "Set when the user asked for deletion."),
        ),
        key=("user_id",),
        mutable=True,
        version_column="updated_at",
    ),
    Source(
        "user_activity",
        "Product activity events (append-only).",
        (
            _c("event_id", "text", True, "Event key."),
            _c("user_id", "text", True, "Acting user."),
            _c("workspace_id", "text", True, "Workspace of the event."),
            _c(
                "session_id",
                "text",
                False,
                "Client session; when null, sessions are derived by the 30-minute rule.",
            ),
            _c(
                "event_type",
                "text",
                True,
                "Kind of event.",
                [
                    "page_view",
                    "agent_run",
                    "login",
                    "logout",
                    "workspace_switch",
                    "feature_use",
                    "error",
                    "api_call",
                    "export",
                    "report_view",
                ],
            ),
            _c("event_name", "text", False, "Free-form event name."),
            _c("page_path", "text", False, "Page the event happened on."),
            _c(
                "ip_address",
                "text",
                False,
                "Client IPv4/IPv6 address; anonymized in staging (non-addresses become null).",
            ),
            _c("user_agent", "text", False, "Client user agent."),
            _c("referrer", "text", False, "HTTP referrer."),
            _c(
                "metadata",
                "json",
                False,
                "JSON object; keys used downstream: feature, duration_ms (>= 0), success, "
                "error_type, report_id.",
                json_keys=ACTIVITY_METADATA_KEYS,
            ),
            _c("occurred_at", "ts", True, "Event time."),
        ),
        key=("event_id",),
        event_time_column="occurred_at",
    ),
    Source(
        "agents",
        "AI agents configured in a workspace. Mutable.",
        (
            _c("agent_id", "text", True, "Agent key."),
            _c("workspace_id", "text", True, "Owning workspace."),
            _c("name", "text", True, "Agent name."),
            _c("created_at", "ts", True, "When the agent was created."),
            _c("updated_at", "ts", True, "Version order: the newest version wins."),
        ),
        key=("agent_id",),
        mutable=True,
        version_column="updated_at",
    ),
    Source(
        "agent_runs",
        "Agent executions. Mutable: a run is re-sent when it finishes.",
        (
            _c("run_id", "text", True, "Run key."),
            _c("agent_id", "text", True, "Agent that ran."),
            _c("workspace_id", "text", True, "Workspace of the run."),
            _c("user_id", "text", True, "User who started the run."),
            _c(
                "status",
                "text",
                True,
                "Run state.",
                ["running", "completed", "failed", "cancelled"],
            ),
            _c("started_at", "ts", True, "Start time; the run belongs to its day and hour."),
            _c("ended_at", "ts", False, "End time (>= started_at)."),
            _c("runtime_seconds", "numeric", False, "Runtime in seconds (>= 0).", minimum=0),
            _c("credits_consumed", "numeric", False, "Credits charged (>= 0).", minimum=0),
            _c("model", "text", False, "Model used by the run."),
            _c("tokens_used", "int", False, "Tokens used (>= 0).", minimum=0),
            _c("error_type", "text", False, "Error class of a failed run."),
            _c("user_rating", "int", False, "User rating 1..5.", minimum=1, maximum=5),
            _c("updated_at", "ts", True, "Version order: the newest version wins."),
        ),
        key=("run_id",),
        mutable=True,
        version_column="updated_at",
        event_time_column="started_at",
        order_rules=(OrderRule("ended_at", "started_at"),),
    ),
    Source(
        "topics",
        "Curriculum hierarchy: system > subject > subtopic. Mutable.",
        (
            _c("topic_id", "text", True, "Topic key."),
            _c("parent_topic_id", "text", False, "Parent topic; null for a root (system)."),
            _c("name", "text", True, "Topic name."),
            _c(
                "level",
                "text",
                True,
                "Level in the hierarchy.",
                ["system", "subject", "subtopic"],
            ),
            _c(
                "board_exam_weight",
                "numeric",
                False,
                "Share of the board exam (0..1); null = not examined.",
                minimum=0,
                maximum=1,
            ),
            _c("updated_at", "ts", True, "Version order: the newest version wins."),
        ),
        key=("topic_id",),
        mutable=True,
        version_column="updated_at",
    ),
    Source(
        "topic_relationships",
        "Edges between topics.",
        (
            _c("topic_id", "text", True, "Topic."),
            _c("related_topic_id", "text", True, "Related topic."),
            _c(
                "relationship_type",
                "text",
                True,
                "prerequisite (related_topic_id must be learned before topic_id) or related.",
                ["prerequisite", "related"],
            ),
        ),
        key=("topic_id", "related_topic_id", "relationship_type"),
    ),
    Source(
        "study_events",
        "Study-session events (append-only).",
        (
            _c("event_id", "text", True, "Event key."),
            _c("user_id", "text", True, "Learner."),
            _c("workspace_id", "text", True, "Workspace of the event."),
            _c("session_id", "text", True, "Study session."),
            _c(
                "event_type",
                "text",
                True,
                "Kind of event.",
                [
                    "session_start",
                    "session_end",
                    "session_pause",
                    "session_resume",
                    "material_open",
                    "question_view",
                    "ai_coach_ask",
                    "search",
                    "xp_earned",
                ],
            ),
            _c("properties", "json", False, "JSON object with event details."),
            _c("occurred_at", "ts", True, "Event time."),
        ),
        key=("event_id",),
        event_time_column="occurred_at",
    ),
    Source(
        "question_attempts",
        "Answers to practice questions (append-only).",
        (
            _c("attempt_id", "text", True, "Attempt key."),
            _c("user_id", "text", True, "Learner."),
            _c("workspace_id", "text", True, "Workspace of the attempt."),
            _c("session_id", "text", False, "Study session, if any."),
            _c("question_id", "text", True, "Question."),
            _c("topic_id", "text", True, "Topic of the question (a subtopic or subject)."),
            _c("selected_answer", "text", False, "Answer chosen."),
            _c("correct_answer", "text", False, "Correct answer."),
            _c("is_correct", "bool", True, "Whether the answer was correct."),
            _c(
                "time_to_answer_seconds",
                "numeric",
                False,
                "Seconds to answer (0..3600).",
                minimum=0,
                maximum=3600,
            ),
            _c(
                "confidence_level",
                "int",
                False,
                "Self-rated confidence 1..5.",
                minimum=1,
                maximum=5,
            ),
            _c("hint_used", "bool", False, "Whether a hint was used (default false)."),
            _c("answered_at", "ts", True, "Answer time."),
        ),
        key=("attempt_id",),
        event_time_column="answered_at",
    ),
    Source(
        "material_interactions",
        "Interactions with study materials (append-only).",
        (
            _c("interaction_id", "text", True, "Interaction key."),
            _c("user_id", "text", True, "Learner."),
            _c("workspace_id", "text", True, "Workspace of the interaction."),
            _c("session_id", "text", False, "Study session, if any."),
            _c("material_id", "text", True, "Material."),
            _c("topic_id", "text", True, "Topic of the material."),
            _c(
                "interaction_type",
                "text",
                True,
                "Kind of interaction.",
                ["open", "read", "complete", "highlight", "note"],
            ),
            _c(
                "duration_seconds",
                "numeric",
                False,
                "Seconds spent (0..86400).",
                minimum=0,
                maximum=86400,
            ),
            _c(
                "progress_pct",
                "numeric",
                False,
                "Progress through the material (0..100).",
                minimum=0,
                maximum=100,
            ),
            _c("occurred_at", "ts", True, "Interaction time."),
        ),
        key=("interaction_id",),
        event_time_column="occurred_at",
    ),
    Source(
        "materials",
        "Study material catalog. Mutable.",
        (
            _c("material_id", "text", True, "Material key."),
            _c("topic_id", "text", True, "Topic the material teaches."),
            _c("title", "text", True, "Title."),
            _c(
                "material_type",
                "text",
                True,
                "Kind of material.",
                ["reading", "video", "flashcards", "case"],
            ),
            _c("updated_at", "ts", True, "Version order: the newest version wins."),
        ),
        key=("material_id",),
        mutable=True,
        version_column="updated_at",
    ),
)

SOURCES: dict[str, Source] = {
    s.name: s for s in (*_CORE_SOURCES, *HR_SOURCES, *HOSPITAL_SOURCES, *QMS_SOURCES)
}
# Domain packs in contract order; the core sources have pack None.
PACKS: tuple[str, ...] = tuple(dict.fromkeys(s.pack for s in SOURCES.values() if s.pack))


def pack_sources(pack: str | None) -> tuple[str, ...]:
    """Names of the sources of `pack` (None: the core sources), in contract order."""
    return tuple(name for name, s in SOURCES.items() if s.pack == pack)


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; sources are: {', '.join(SOURCES)}") from None
