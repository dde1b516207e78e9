"""Raw contract files -> one valid, deduplicated DataFrame per source.

An independent reading of shared/CONTRACT.md (and docs/contract.md for the HR
pack) with plain json / csv / pyarrow: every line (or mongoexport document, mapped
to the contract's columns by `mongo_files`) is parsed, checked against the contract
rules (a row that breaks one is dropped, as the loader quarantines it), and the
contract's dedupe keeps one row per key: the newest `updated_at` for mutable
sources, then the latest ingest (the later file in the ingest order given by the
caller), then the highest line number. Timestamps come out as UTC pandas
timestamps, `metadata` / `properties` as dicts, `hr_chat_sessions.messages` as a
list of dicts.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from .mongo_files import Malformed, map_document, read_documents

MAX_TEXT = 10_000
MIN_YEAR, MAX_YEAR = 1970, 2100
MIN_DATE_YEAR = 1850  # `date` columns: 1850-01-01 up to, not including, 2101-01-01


# -- the contract, restated --------------------------------------------------------


@dataclass(frozen=True)
class Col:
    name: str
    type: str  # text, int, numeric, bool, ts, date, json (an object), jsonarray (of objects)
    required: bool = False
    enum: tuple[str, ...] | None = None
    lo: float | None = None
    hi: float | None = None


@dataclass(frozen=True)
class Spec:
    columns: tuple[Col, ...]
    key: tuple[str, ...]
    version: str | None = None  # mutable sources: the newest version wins
    order: tuple[tuple[str, str], ...] = ()  # (later, earlier): later >= earlier
    # (column, other column, its value, lo, hi): column in lo..hi when other = value
    range_when: tuple[tuple[str, str, str, float, float], ...] = ()
    # mongoexport files: (column, dotted path); an array column's element keys
    mongo: tuple[tuple[str, str], ...] = ()
    mongo_elements: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _cols(*specs: tuple) -> tuple[Col, ...]:
    return tuple(Col(*s) for s in specs)


ACTIVITY_EVENT_TYPES = (
    "page_view", "agent_run", "login", "logout", "workspace_switch", "feature_use", "error",
    "api_call", "export", "report_view",
)  # fmt: skip
STUDY_EVENT_TYPES = (
    "session_start", "session_end", "session_pause", "session_resume", "material_open",
    "question_view", "ai_coach_ask", "search", "xp_earned",
)  # fmt: skip
# Keys of user_activity.metadata read downstream: checked when present and not null.
METADATA_KEYS = {
    "feature": "text",
    "duration_ms": "number>=0",
    "success": "bool",
    "error_type": "text",
    "report_id": "text",
}

SPECS: dict[str, Spec] = {
    "workspaces": Spec(
        _cols(
            ("workspace_id", "text", True),
            ("name", "text", True),
            ("subscription_tier", "text", False, ("free", "pro", "enterprise")),
            ("subscription_status", "text", True, ("ACTIVE", "TRIAL", "EXPIRED", "CANCELLED")),
            ("created_at", "ts", True),
            ("updated_at", "ts", True),
        ),
        key=("workspace_id",),
        version="updated_at",
    ),
    "users": Spec(
        _cols(
            ("user_id", "text", True),
            ("workspace_id", "text", True),
            ("role", "text", True, ("OWNER", "LEADER", "MANAGER", "MEMBER", "STUDENT")),
            ("created_at", "ts", True),
            ("updated_at", "ts", True),
            ("deleted_at", "ts"),
        ),
        key=("user_id",),
        version="updated_at",
    ),
    "user_activity": Spec(
        _cols(
            ("event_id", "text", True),
            ("user_id", "text", True),
            ("workspace_id", "text", True),
            ("session_id", "text"),
            ("event_type", "text", True, ACTIVITY_EVENT_TYPES),
            ("event_name", "text"),
            ("page_path", "text"),
            ("ip_address", "text"),
            ("user_agent", "text"),
            ("referrer", "text"),
            ("metadata", "json"),
            ("occurred_at", "ts", True),
        ),
        key=("event_id",),
    ),
    "agents": Spec(
        _cols(
            ("agent_id", "text", True),
            ("workspace_id", "text", True),
            ("name", "text", True),
            ("created_at", "ts", True),
            ("updated_at", "ts", True),
        ),
        key=("agent_id",),
        version="updated_at",
    ),
    "agent_runs": Spec(
        _cols(
            ("run_id", "text", True),
            ("agent_id", "text", True),
            ("workspace_id", "text", True),
            ("user_id", "text", True),
            ("status", "text", True, ("running", "completed", "failed", "cancelled")),
            ("started_at", "ts", True),
            ("ended_at", "ts"),
            ("runtime_seconds", "numeric", False, None, 0),
            ("credits_consumed", "numeric", False, None, 0),
            ("model", "text"),
            ("tokens_used", "int", False, None, 0),
            ("error_type", "text"),
            ("user_rating", "int", False, None, 1, 5),
            ("updated_at", "ts", True),
        ),
        key=("run_id",),
        version="updated_at",
        order=(("ended_at", "started_at"),),
    ),
    "topics": Spec(
        _cols(
            ("topic_id", "text", True),
            ("parent_topic_id", "text"),
            ("name", "text", True),
            ("level", "text", True, ("system", "subject", "subtopic")),
            ("board_exam_weight", "numeric", False, None, 0, 1),
            ("updated_at", "ts", True),
        ),
        key=("topic_id",),
        version="updated_at",
    ),
    "topic_relationships": Spec(
        _cols(
            ("topic_id", "text", True),
            ("related_topic_id", "text", True),
            ("relationship_type", "text", True, ("prerequisite", "related")),
        ),
        key=("topic_id", "related_topic_id", "relationship_type"),
    ),
    "study_events": Spec(
        _cols(
            ("event_id", "text", True),
            ("user_id", "text", True),
            ("workspace_id", "text", True),
            ("session_id", "text", True),
            ("event_type", "text", True, STUDY_EVENT_TYPES),
            ("properties", "json"),
            ("occurred_at", "ts", True),
        ),
        key=("event_id",),
    ),
    "question_attempts": Spec(
        _cols(
            ("attempt_id", "text", True),
            ("user_id", "text", True),
            ("workspace_id", "text", True),
            ("session_id", "text"),
            ("question_id", "text", True),
            ("topic_id", "text", True),
            ("selected_answer", "text"),
            ("correct_answer", "text"),
            ("is_correct", "bool", True),
            ("time_to_answer_seconds", "numeric", False, None, 0, 3600),
            ("confidence_level", "int", False, None, 1, 5),
            ("hint_used", "bool"),
            ("answered_at", "ts", True),
        ),
        key=("attempt_id",),
    ),
    "material_interactions": Spec(
        _cols(
            ("interaction_id", "text", True),
            ("user_id", "text", True),
            ("workspace_id", "text", True),
            ("session_id", "text"),
            ("material_id", "text", True),
            ("topic_id", "text", True),
            ("interaction_type", "text", True, ("open", "read", "complete", "highlight", "note")),
            ("duration_seconds", "numeric", False, None, 0, 86400),
            ("progress_pct", "numeric", False, None, 0, 100),
            ("occurred_at", "ts", True),
        ),
        key=("interaction_id",),
    ),
    "materials": Spec(
        _cols(
            ("material_id", "text", True),
            ("topic_id", "text", True),
            ("title", "text", True),
            ("material_type", "text", True, ("reading", "video", "flashcards", "case")),
            ("updated_at", "ts", True),
        ),
        key=("material_id",),
        version="updated_at",
    ),
}


# The HR platform pack (docs/contract.md, "HR platform pack").
HR_ROLES = ("OWNER", "LEADER", "MANAGER")
HR_MESSAGE_KEYS = {  # key of each hr_chat_sessions.messages element: (rule, required)
    "message_id": ("text", True),
    "sender": ("sender", True),
    "token_count": ("number>=0", False),
    "query_type": ("text", False),
    "sent_at": ("ts", False),
}
HR_SENDERS = ("USER", "ASSISTANT", "SYSTEM")


def _pairs(*mappings: str) -> tuple[tuple[str, str], ...]:
    """("column <- path", ...) as (column, path) pairs."""
    return tuple(tuple(m.split(" <- ")) for m in mappings)  # type: ignore[misc]


SPECS.update(
    {
        "hr_organizations": Spec(
            _cols(
                ("organization_id", "text", True),
                ("name", "text"),
                ("subscription_status", "text", True, ("ACTIVE", "TRIAL", "EXPIRED", "CANCELLED")),
                ("subscription_tier", "text", False, ("STARTER", "PROFESSIONAL", "ENTERPRISE")),
                ("monthly_price", "numeric", False, None, 0),
                ("trial_ends_at", "ts"),
                ("current_period_end", "ts"),
                ("created_at", "ts", True),
                ("updated_at", "ts", True),
            ),
            key=("organization_id",),
            version="updated_at",
        ),
        "hr_departments": Spec(
            _cols(
                ("department_id", "text", True),
                ("organization_id", "text", True),
                ("name", "text"),
                ("created_at", "ts", True),
                ("updated_at", "ts", True),
                ("deleted_at", "ts"),
            ),
            key=("department_id",),
            version="updated_at",
        ),
        "hr_branches": Spec(
            _cols(
                ("branch_id", "text", True),
                ("organization_id", "text", True),
                ("name", "text"),
                ("city", "text"),
                ("country", "text"),
                ("created_at", "ts", True),
                ("updated_at", "ts", True),
                ("deleted_at", "ts"),
            ),
            key=("branch_id",),
            version="updated_at",
        ),
        "hr_employees": Spec(
            _cols(
                ("employee_id", "text", True),
                ("organization_id", "text", True),
                ("department_id", "text"),
                ("branch_id", "text"),
                ("job_role", "text"),
                ("status", "text", True, ("CANDIDATE", "REJECTED", "ACTIVE", "TERMINATED")),
                ("applied_at", "ts"),
                ("hired_at", "ts"),
                ("rejected_at", "ts"),
                ("terminated_at", "ts"),
                ("created_at", "ts", True),
                ("updated_at", "ts", True),
            ),
            key=("employee_id",),
            version="updated_at",
            order=(
                ("hired_at", "applied_at"),
                ("rejected_at", "applied_at"),
                ("terminated_at", "hired_at"),
            ),
        ),
        "hr_users": Spec(
            _cols(
                ("user_id", "text", True),
                ("organization_id", "text", True),
                ("role", "text", True, HR_ROLES),
                ("department_id", "text"),
                ("created_at", "ts", True),
                ("updated_at", "ts", True),
                ("deleted_at", "ts"),
            ),
            key=("user_id",),
            version="updated_at",
        ),
        "hr_report_generations": Spec(
            _cols(
                ("report_id", "text", True),
                ("organization_id", "text", True),
                (
                    "report_type",
                    "text",
                    True,
                    (
                        "PERSONALITY_ROLE",
                        "BEHAVIOR_COMPANY",
                        "COMPATIBILITY_JOB",
                        "COMPATIBILITY_DEPARTMENT",
                        "COMPATIBILITY_COMPANY",
                        "COMPATIBILITY_INDUSTRY",
                        "QA_QUESTIONNAIRE",
                        "TRAINING_DEVELOPMENT",
                    ),
                ),  # fmt: skip
                ("employee_id", "text"),
                ("requested_by_user_id", "text"),
                ("requested_at", "ts", True),
                ("completed_at", "ts"),
                ("processing_time_seconds", "numeric", False, None, 0),
                ("status", "text", True, ("SUCCESS", "FAILED", "PENDING", "PROCESSING")),
                ("error_message", "text"),
                ("is_auto_generated", "bool"),
                ("is_quarterly_update", "bool"),
                ("report_size_kb", "numeric", False, None, 0),
                ("ai_tokens_used", "int", False, None, 0),
                ("updated_at", "ts", True),
            ),
            key=("report_id",),
            version="updated_at",
            order=(("completed_at", "requested_at"),),
        ),
        "hr_report_access_logs": Spec(
            _cols(
                ("access_id", "text", True),
                ("report_id", "text"),
                ("report_type", "text"),
                ("employee_id", "text"),
                ("organization_id", "text", True),
                ("department_id", "text"),
                ("user_id", "text"),
                ("user_role", "text", False, HR_ROLES),
                ("access_type", "text", True, ("VIEW", "DOWNLOAD", "SHARE", "PRINT")),
                (
                    "access_method",
                    "text",
                    False,
                    (
                        "DIRECT_LINK",
                        "DASHBOARD",
                        "SEARCH",
                        "NOTIFICATION",
                    ),
                ),  # fmt: skip
                ("access_duration_seconds", "numeric", False, None, 0),
                ("page_views", "int", False, None, 0),
                ("device_type", "text"),
                ("country", "text"),
                ("city", "text"),
                ("ip_address", "text"),
                ("accessed_at", "ts", True),
            ),
            key=("access_id",),
            mongo=_pairs(
                "access_id <- _id",
                "report_id <- reportId",
                "report_type <- reportType",
                "employee_id <- employeeId",
                "organization_id <- organizationId",
                "department_id <- departmentId",
                "user_id <- accessedBy.userId",
                "user_role <- accessedBy.userRole",
                "access_type <- accessType",
                "access_method <- accessMethod",
                "access_duration_seconds <- accessDuration",
                "page_views <- pageViews",
                "device_type <- deviceInfo.type",
                "country <- geolocation.country",
                "city <- geolocation.city",
                "ip_address <- geolocation.ipAddress",
                "accessed_at <- timestamp",
            ),  # fmt: skip
        ),
        "hr_chat_sessions": Spec(
            _cols(
                ("session_id", "text", True),
                ("organization_id", "text", True),
                ("user_id", "text"),
                ("user_role", "text", False, HR_ROLES),
                ("query_type", "text"),
                ("department_id", "text"),
                ("started_at", "ts", True),
                ("ended_at", "ts"),
                ("satisfaction_rating", "int", False, None, 1, 5),
                ("was_helpful", "bool"),
                ("feedback_submitted_at", "ts"),
                ("messages", "jsonarray"),
                ("updated_at", "ts", True),
            ),
            key=("session_id",),
            version="updated_at",
            order=(("ended_at", "started_at"),),
            mongo=_pairs(
                "session_id <- sessionId",
                "organization_id <- organizationId",
                "user_id <- userId",
                "user_role <- userRole",
                "query_type <- sessionContext.queryType",
                "department_id <- sessionContext.departmentId",
                "started_at <- sessionStarted",
                "ended_at <- sessionEnded",
                "satisfaction_rating <- satisfactionFeedback.rating",
                "was_helpful <- satisfactionFeedback.wasHelpful",
                "feedback_submitted_at <- satisfactionFeedback.submittedAt",
                "messages <- messages",
                "updated_at <- updatedAt",
            ),  # fmt: skip
            mongo_elements=(
                (
                    "messages",
                    _pairs(
                        "message_id <- messageId",
                        "sender <- role",
                        "token_count <- tokenCount",
                        "sent_at <- timestamp",
                        "query_type <- metadata.queryType",
                    ),  # fmt: skip
                ),
            ),
        ),
        "hr_notification_deliveries": Spec(
            _cols(
                ("delivery_id", "text", True),
                ("notification_id", "text"),
                ("organization_id", "text", True),
                ("user_id", "text"),
                (
                    "notification_type",
                    "text",
                    False,
                    (
                        "REPORT_READY",
                        "QUARTERLY_UPDATE",
                        "SYSTEM_ALERT",
                        "USER_MENTION",
                    ),
                ),  # fmt: skip
                ("channel", "text", True, ("IN_APP", "EMAIL", "WEBSOCKET", "SMS")),
                (
                    "status",
                    "text",
                    True,
                    (
                        "SENT",
                        "DELIVERED",
                        "READ",
                        "DISMISSED",
                        "CLICKED",
                        "FAILED",
                    ),
                ),  # fmt: skip
                ("sent_at", "ts", True),
                ("delivered_at", "ts"),
                ("read_at", "ts"),
                ("dismissed_at", "ts"),
                ("clicked_at", "ts"),
                ("failed_at", "ts"),
                ("error_message", "text"),
                ("retry_count", "int", False, None, 0),
                ("updated_at", "ts", True),
            ),
            key=("delivery_id",),
            version="updated_at",
            order=(
                ("delivered_at", "sent_at"),
                ("read_at", "delivered_at"),
                ("dismissed_at", "delivered_at"),
                ("clicked_at", "delivered_at"),
                ("failed_at", "sent_at"),
            ),
        ),
        "hr_dashboard_interactions": Spec(
            _cols(
                ("interaction_id", "text", True),
                ("user_id", "text"),
                ("organization_id", "text", True),
                ("session_id", "text"),
                (
                    "dashboard_type",
                    "text",
                    True,
                    (
                        "OWNER_DASHBOARD",
                        "LEADER_DASHBOARD",
                        "MANAGER_DASHBOARD",
                    ),
                ),  # fmt: skip
                (
                    "interaction_type",
                    "text",
                    True,
                    (
                        "WIDGET_LOAD",
                        "WIDGET_REFRESH",
                        "WIDGET_RESIZE",
                        "WIDGET_REORDER",
                    ),
                ),  # fmt: skip
                ("widget_id", "text"),
                (
                    "widget_type",
                    "text",
                    False,
                    (
                        "METRICS_CARD",
                        "CHART",
                        "TABLE",
                        "AI_CHAT",
                        "NOTIFICATIONS",
                    ),
                ),  # fmt: skip
                ("duration_ms", "numeric", False, None, 0),
                ("data_loaded", "bool"),
                ("error_occurred", "bool"),
                ("load_time_ms", "numeric", False, None, 0),
                ("render_time_ms", "numeric", False, None, 0),
                ("data_fetch_time_ms", "numeric", False, None, 0),
                ("total_time_ms", "numeric", False, None, 0),
                ("occurred_at", "ts", True),
            ),
            key=("interaction_id",),
            mongo=_pairs(
                "interaction_id <- _id",
                "user_id <- userId",
                "organization_id <- organizationId",
                "session_id <- sessionId",
                "dashboard_type <- dashboardType",
                "interaction_type <- interactionType",
                "widget_id <- widgetId",
                "widget_type <- widgetType",
                "duration_ms <- interactionData.duration",
                "data_loaded <- interactionData.dataLoaded",
                "error_occurred <- interactionData.errorOccurred",
                "load_time_ms <- performanceMetrics.loadTime",
                "render_time_ms <- performanceMetrics.renderTime",
                "data_fetch_time_ms <- performanceMetrics.dataFetchTime",
                "total_time_ms <- performanceMetrics.totalTime",
                "occurred_at <- timestamp",
            ),  # fmt: skip
        ),
        "hr_activity_logs": Spec(
            _cols(
                ("event_id", "text", True),
                ("user_id", "text", True),
                ("organization_id", "text", True),
                ("session_id", "text"),
                (
                    "event_type",
                    "text",
                    True,
                    (
                        "PAGE_VIEW",
                        "BUTTON_CLICK",
                        "REPORT_VIEW",
                        "REPORT_DOWNLOAD",
                        "SEARCH_PERFORMED",
                        "FILTER_APPLIED",
                        "AI_CHAT_MESSAGE",
                        "EMPLOYEE_ADDED",
                        "EMPLOYEE_UPDATED",
                        "DASHBOARD_LOAD",
                        "NOTIFICATION_CLICKED",
                        "LOGIN",
                        "LOGOUT",
                    ),
                ),  # fmt: skip
                (
                    "event_category",
                    "text",
                    False,
                    (
                        "NAVIGATION",
                        "INTERACTION",
                        "DATA_ACCESS",
                        "FEATURE_USE",
                    ),
                ),  # fmt: skip
                (
                    "feature",
                    "text",
                    False,
                    (
                        "EMPLOYEE_MANAGEMENT",
                        "REPORT_GENERATION",
                        "AI_CONSULTATION",
                        "DEPARTMENT_SETUP",
                        "USER_MANAGEMENT",
                        "ANALYTICS_VIEWING",
                        "NOTIFICATION_INTERACTION",
                    ),
                ),  # fmt: skip
                ("page", "text"),
                ("duration_ms", "numeric", False, None, 0),
                ("success", "bool"),
                ("error_message", "text"),
                ("user_role", "text", False, HR_ROLES),
                ("department_id", "text"),
                ("device_type", "text", False, ("desktop", "mobile", "tablet")),
                ("os", "text"),
                ("browser", "text"),
                ("country", "text"),
                ("city", "text"),
                ("ip_address", "text"),
                ("occurred_at", "ts", True),
            ),
            key=("event_id",),
            mongo=_pairs(
                "event_id <- _id",
                "user_id <- userId",
                "organization_id <- organizationId",
                "session_id <- sessionId",
                "event_type <- eventType",
                "event_category <- eventCategory",
                "feature <- eventMetadata.feature",
                "page <- eventMetadata.page",
                "duration_ms <- eventMetadata.duration",
                "success <- eventMetadata.success",
                "error_message <- eventMetadata.errorMessage",
                "user_role <- userRole",
                "department_id <- eventMetadata.customData.departmentId",
                "device_type <- deviceInfo.type",
                "os <- deviceInfo.os",
                "browser <- deviceInfo.browser",
                "country <- geolocation.country",
                "city <- geolocation.city",
                "ip_address <- geolocation.ipAddress",
                "occurred_at <- timestamp",
            ),  # fmt: skip
        ),
        "hr_survey_responses": Spec(
            _cols(
                ("response_id", "text", True),
                ("organization_id", "text", True),
                ("user_id", "text"),
                ("survey_type", "text", True, ("NPS", "CSAT")),
                ("score", "int", True),
                ("comment", "text"),
                ("responded_at", "ts", True),
            ),
            key=("response_id",),
            range_when=(
                ("score", "survey_type", "NPS", 0, 10),
                ("score", "survey_type", "CSAT", 1, 5),
            ),
        ),
    }
)


# The quality management pack (docs/contract.md, "Quality management pack").
QMS_MODULES = ("edms", "lims", "tms", "qrm", "organization")


def _mutable(key: str, *columns: tuple, order: tuple[tuple[str, str], ...] = ()) -> Spec:
    """A mutable QMS source: key first, `updated_at` (required) last, newest version wins."""
    return Spec(
        _cols((key, "text", True), *columns, ("updated_at", "ts", True)),
        key=(key,),
        version="updated_at",
        order=order,
    )


SPECS.update(
    {
        "qms_departments": _mutable(
            "department_id",
            ("name", "text"),
            ("created_at", "ts", True),
            ("deleted_at", "ts"),
        ),
        "qms_users": _mutable(
            "user_id",
            ("department_id", "text", True),
            (
                "role",
                "text",
                True,
                ("QA_MANAGER", "QA_SPECIALIST", "DOCUMENT_OWNER", "LAB_ANALYST", "OPERATOR"),
            ),
            ("created_at", "ts", True),
            ("deleted_at", "ts"),
        ),  # fmt: skip
        "qms_quality_events": _mutable(
            "event_id",
            (
                "event_type",
                "text",
                True,
                ("DEVIATION", "CAPA", "COMPLAINT", "AUDIT_FINDING", "CHANGE_CONTROL"),
            ),
            ("severity", "text", True, ("CRITICAL", "MAJOR", "MINOR")),
            ("module", "text", True, QMS_MODULES),
            ("department_id", "text", True),
            ("root_cause", "text"),
            ("related_event_id", "text"),
            ("owner_user_id", "text"),
            (
                "status",
                "text",
                True,
                ("OPEN", "INVESTIGATION", "PENDING_APPROVAL", "CLOSED", "CANCELLED"),
            ),
            ("opened_at", "ts", True),
            ("due_date", "date"),
            ("closed_at", "ts"),
            order=(("closed_at", "opened_at"),),
        ),  # fmt: skip
        "qms_documents": _mutable(
            "document_id",
            ("document_number", "text"),
            (
                "document_type",
                "text",
                True,
                ("SOP", "WORK_INSTRUCTION", "POLICY", "FORM", "SPECIFICATION"),
            ),
            ("department_id", "text", True),
            ("owner_user_id", "text"),
            ("created_at", "ts", True),
        ),  # fmt: skip
        "qms_document_versions": _mutable(
            "version_id",
            ("document_id", "text", True),
            ("version_number", "int", True, None, 1),
            ("status", "text", True, ("DRAFT", "IN_REVIEW", "APPROVED", "EFFECTIVE", "OBSOLETE")),
            ("effective_date", "date"),
            ("periodic_review_due", "date"),
            ("created_at", "ts", True),
        ),
        "qms_document_review_steps": _mutable(
            "step_id",
            ("version_id", "text", True),
            ("step_type", "text", True, ("REVIEW", "APPROVAL")),
            ("assignee_user_id", "text"),
            ("assigned_at", "ts", True),
            ("completed_at", "ts"),
            ("decision", "text", False, ("APPROVED", "REJECTED")),
            order=(("completed_at", "assigned_at"),),
        ),
        "qms_training_assignments": _mutable(
            "assignment_id",
            ("user_id", "text", True),
            ("course_id", "text", True),
            ("document_version_id", "text"),
            ("status", "text", True, ("ASSIGNED", "IN_PROGRESS", "COMPLETED", "CANCELLED")),
            ("assigned_at", "ts", True),
            ("due_date", "date", True),
            ("completed_at", "ts"),
            ("score", "numeric", False, None, 0, 100),
            order=(("completed_at", "assigned_at"),),
        ),
        "qms_lab_samples": _mutable(
            "sample_id",
            ("department_id", "text"),
            ("sample_type", "text"),
            ("received_at", "ts", True),
        ),
        "qms_lab_results": _mutable(
            "result_id",
            ("sample_id", "text", True),
            ("test_code", "text", True),
            ("result_value", "numeric"),
            ("spec_lower", "numeric"),
            ("spec_upper", "numeric"),
            ("unit", "text"),
            ("oos_flag", "bool"),
            ("resulted_at", "ts", True),
        ),
        "qms_risk_assessments": _mutable(
            "risk_id",
            ("module", "text", True, QMS_MODULES),
            ("department_id", "text"),
            ("severity", "int", True, None, 1, 10),
            ("probability", "int", True, None, 1, 10),
            ("detectability", "int", True, None, 1, 10),
            ("mitigation_status", "text", True, ("OPEN", "IN_PROGRESS", "MITIGATED", "ACCEPTED")),
            ("assessed_at", "ts", True),
        ),
    }
)


# -- reading files ------------------------------------------------------------------


class BadRow(Exception):
    """A row that breaks a contract rule (the loader quarantines it)."""


@dataclass
class Loaded:
    """A source's valid rows after dedupe, plus what was dropped on the way."""

    frame: pd.DataFrame
    rows_read: int = 0
    valid_rows: int = 0  # before dedupe
    rejected: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line, reason)
    skipped_files: list[str] = field(default_factory=list)  # same content already read
    versions: pd.DataFrame | None = None  # every valid row, before dedupe


def _open_text(path: Path) -> io.StringIO:
    data = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        data = gzip.decompress(data)
    return io.StringIO(data.decode("utf-8-sig"), newline="")  # a leading BOM is no data


def _kind(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    pairs = ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".csv", "csv"), (".json", "mongo"))
    for suffix, kind in pairs:
        if name.endswith(suffix):
            return kind
    if path.name.lower().endswith(".parquet"):
        return "parquet"
    raise ValueError(f"{path}: not a contract file")


def read_rows(path: Path) -> Iterator[tuple[int, dict | None, str | None]]:
    """(1-based line or row number, record, reason it is unreadable) for every row."""
    kind = _kind(path)
    if kind == "parquet":
        for n, record in enumerate(pq.read_table(path).to_pylist(), start=1):
            yield n, record, None
        return
    with _open_text(path) as handle:
        if kind == "mongo":
            for n, document, problem in read_documents(handle.read()):
                if problem is None and not isinstance(document, dict):
                    document, problem = None, "json but not an object"
                yield n, document, problem
            return
        if kind == "jsonl":
            for n, line in enumerate(handle, start=1):
                text = line.rstrip("\r\n")
                if not text.strip():
                    continue
                try:
                    value = json.loads(text)
                except ValueError:
                    yield n, None, "invalid json"
                    continue
                if isinstance(value, dict):
                    yield n, value, None
                else:
                    yield n, None, "json but not an object"
            return
        reader = csv.reader(handle, strict=True)
        header: list[str] | None = None
        consumed = 0
        while True:
            first = consumed + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error:
                consumed = reader.line_num
                yield first, None, "unparseable csv"
                continue
            consumed = reader.line_num
            if header is None:
                header = [h.strip() for h in fields]
                continue
            if not fields:
                continue  # blank line
            if len(fields) != len(header):
                yield first, None, "wrong csv field count"
                continue
            record = {h: (v if v != "" else None) for h, v in zip(header, fields, strict=True)}
            yield first, record, None


# -- checking values ------------------------------------------------------------------

_INT_RE = re.compile(r"\s*[+-]?\d+\s*")
_NUM_RE = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def parse_ts(value: Any) -> datetime:
    """An ISO 8601 text (no offset = UTC) or a datetime, as an aware UTC datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise BadRow("timestamp does not parse") from None
    else:
        raise BadRow("timestamp is not text")
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise BadRow("timestamp outside 1970..2100")
    return moment


def parse_date(value: Any) -> date:
    """An ISO 8601 calendar date (text, no time part) or a Parquet date, 1850..2100."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value  # a Parquet date is taken as it is
    if not isinstance(value, str):
        raise BadRow("date is not text")
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise BadRow("not an ISO 8601 date") from None
    if not MIN_DATE_YEAR <= day.year <= MAX_YEAR:
        raise BadRow("date outside 1850..2100")
    return day


def _number(value: Any, integer: bool) -> float | int:
    if isinstance(value, bool):
        raise BadRow("boolean is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value) or (integer and not value.is_integer()):
            raise BadRow("not a valid number")
        return int(value) if integer else value
    if isinstance(value, str) and (_INT_RE if integer else _NUM_RE).fullmatch(value):
        return int(value) if integer else float(value)
    raise BadRow("does not parse as a number")


def _convert(col: Col, value: Any, json_as_text: bool) -> Any:
    """The typed value of one present, non-null field (raises BadRow)."""
    if col.type == "text":
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # numeric ids exported as JSON numbers
        if not isinstance(value, str):
            raise BadRow("not text")
        if len(value) > MAX_TEXT:
            raise BadRow("text too long")
        if "\x00" in value:
            raise BadRow("NUL in text")
        if col.enum is not None and value not in col.enum:
            raise BadRow("not in enum")
        return value
    if col.type in ("int", "numeric"):
        number = _number(value, col.type == "int")
        if (col.lo is not None and number < col.lo) or (col.hi is not None and number > col.hi):
            raise BadRow("out of bounds")
        return number
    if col.type == "bool":
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower() if isinstance(value, str | int) else None
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise BadRow("not a boolean")
    if col.type == "ts":
        return parse_ts(value)
    if col.type == "date":
        return parse_date(value)
    if col.type == "jsonarray":
        if isinstance(value, str) and not json_as_text:
            raise BadRow("json lines hold the array, not json text")
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise BadRow("json text does not parse") from None
        if isinstance(value, tuple):
            value = list(value)
        if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
            raise BadRow("json is not an array of objects")
        for element in value:
            _check_message(element)
        return value
    if col.type == "json":
        if isinstance(value, str) and not json_as_text:
            raise BadRow("json lines hold the object, not json text")
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise BadRow("json text does not parse") from None
        if not isinstance(value, dict):
            raise BadRow("json is not an object")
        if col.name == "metadata":
            _check_metadata(value)
        return value
    raise AssertionError(col.type)


def _check_metadata(meta: dict) -> None:
    for key, rule in METADATA_KEYS.items():
        value = meta.get(key)
        if value is None:
            continue
        if rule == "text" and not isinstance(value, str):
            raise BadRow(f"metadata.{key} is not text")
        if rule == "bool" and not isinstance(value, bool):
            raise BadRow(f"metadata.{key} is not a boolean")
        if rule == "number>=0" and (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value < 0
        ):
            raise BadRow(f"metadata.{key} is not a number >= 0")


def _check_message(element: dict) -> None:
    for key, (rule, required) in HR_MESSAGE_KEYS.items():
        value = element.get(key)
        if value is None:
            if required:
                raise BadRow(f"element key {key} missing")
            continue
        if rule == "text" and not isinstance(value, str):
            raise BadRow(f"element key {key} is not text")
        if rule == "sender" and value not in HR_SENDERS:
            raise BadRow(f"element key {key} not in enum")
        if rule == "number>=0" and (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value < 0
        ):
            raise BadRow(f"element key {key} is not a number >= 0")
        if rule == "ts":
            parse_ts(value)


def check_row(spec: Spec, record: Mapping[str, Any], json_as_text: bool) -> dict[str, Any]:
    """The typed row, or BadRow naming the first broken rule. `json_as_text`:
    json columns hold JSON text (CSV, Parquet), not the object (JSON lines)."""
    out: dict[str, Any] = {}
    for col in spec.columns:
        value = record.get(col.name)
        if isinstance(value, str) and col.type != "json" and not value.strip():
            value = None  # blank text is null
        if value is None:
            if col.required:
                raise BadRow(f"{col.name}: required value missing")
            out[col.name] = {"json": {}, "jsonarray": []}.get(col.type)
            continue
        try:
            out[col.name] = _convert(col, value, json_as_text)
        except BadRow as exc:
            raise BadRow(f"{col.name}: {exc}") from None
    for later, earlier in spec.order:
        if out[later] is not None and out[earlier] is not None and out[later] < out[earlier]:
            raise BadRow(f"{later} before {earlier}")
    for column, other, value, lo, hi in spec.range_when:
        if out[other] == value and out[column] is not None and not lo <= out[column] <= hi:
            raise BadRow(f"{column} outside {lo}..{hi} when {other} = {value}")
    return out


# -- loading a source --------------------------------------------------------------------


def _typed(spec: Spec, rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[*spec.names, "_source_file", "_source_line", "_file_rank"])
    for col in spec.columns:
        values = frame[col.name]
        if col.type == "ts":
            frame[col.name] = pd.to_datetime(values, utc=True).astype("datetime64[us, UTC]")
        elif col.type == "numeric":
            frame[col.name] = pd.to_numeric(values).astype("float64")
        elif col.type == "int":
            frame[col.name] = values.astype("Int64")
        elif col.type == "bool":
            frame[col.name] = values.astype("boolean")
        else:
            frame[col.name] = values.astype(object)
    frame["_source_line"] = frame["_source_line"].astype("int64")
    frame["_file_rank"] = frame["_file_rank"].astype("int64")
    return frame


def dedupe(frame: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """One row per key: newest version (mutable sources), then the later file in the
    ingest order, then the higher line."""
    order = ([spec.version] if spec.version else []) + ["_file_rank", "_source_line"]
    ranked = frame.sort_values(order, ascending=False, kind="stable")
    kept = ranked.drop_duplicates(list(spec.key), keep="first")
    return kept.sort_values(list(spec.key), kind="stable").reset_index(drop=True)


def load_source(source: str, files: Sequence[Path | str]) -> Loaded:
    """Read `files` of `source` in ingest order (the caller's order: a later file was
    ingested later), drop invalid rows, dedupe."""
    spec = SPECS[source]
    loaded = Loaded(frame=pd.DataFrame())
    mongo_elements = dict(spec.mongo_elements)
    seen: set[str] = set()
    rows: list[dict] = []
    for rank, name in enumerate(files):
        path = Path(name)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in seen:  # re-ingesting the same content is a no-op
            loaded.skipped_files.append(str(path))
            continue
        seen.add(digest)
        kind = _kind(path)
        if kind == "mongo" and not spec.mongo:
            raise ValueError(f"{path}: {source} does not accept mongoexport files")
        for line, record, problem in read_rows(path):
            loaded.rows_read += 1
            if problem is None and kind == "mongo":
                try:
                    record = map_document(record, spec.mongo, mongo_elements)
                except Malformed as exc:
                    problem = f"malformed Extended JSON: {exc}"
            if problem is None:
                try:
                    row = check_row(spec, record, kind not in ("jsonl", "mongo"))
                except BadRow as exc:
                    problem = str(exc)
            if problem is not None:
                loaded.rejected.append((str(path), line, problem))
                continue
            row["_source_file"] = str(path.resolve())
            row["_source_line"] = line
            row["_file_rank"] = rank
            rows.append(row)
    loaded.valid_rows = len(rows)
    typed = _typed(spec, rows)
    loaded.versions = typed.sort_values(
        [*spec.key, *([spec.version] if spec.version else []), "_file_rank", "_source_line"],
        kind="stable",
    ).reset_index(drop=True)
    loaded.frame = dedupe(typed, spec)
    return loaded


def contract_files(root: Path, source: str) -> list[Path]:
    """A source's files under `root/<source>/` in name order (the landing folder order)."""
    folder = Path(root) / source
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        try:
            _kind(path)
        except ValueError:
            continue
        out.append(path)
    return out


def load_dataset(
    files: Mapping[str, Sequence[Path | str]] | Path | str,
    sources: Iterable[str] = ("workspaces", "users", "user_activity", "agents", "agent_runs"),
    versions: Iterable[str] = (),
) -> dict[str, pd.DataFrame]:
    """Deduplicated frames of `sources`: from {source: [files in ingest order]} (e.g. a
    GenerationSummary's .files) or from a folder of `<source>/` subfolders. For each
    source of `versions`, also `<source>__versions`: every valid row (in key, version,
    ingest, line order)."""
    versions = set(versions)
    result = {}
    for source in sources:
        paths = (
            files.get(source, [])
            if isinstance(files, Mapping)
            else contract_files(Path(files), source)
        )
        loaded = load_source(source, paths)
        result[source] = loaded.frame
        if source in versions:
            result[f"{source}__versions"] = loaded.versions
    return result
