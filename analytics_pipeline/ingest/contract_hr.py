"""The HR platform pack's raw sources (seed 002; docs/contract.md, "HR platform pack").

Its PostgreSQL tables arrive as JSON lines, CSV or Parquet like the core
sources; its MongoDB collections also as mongoexport files, mapped field by
field (`MongoMapping`) the way the seed's documents are shaped.
"""

from __future__ import annotations

from analytics_pipeline.ingest.contract_types import (
    Column,
    JsonKey,
    MongoField,
    MongoMapping,
    OrderRule,
    RangeWhen,
    Source,
)
from analytics_pipeline.ingest.contract_types import column as _c

PACK = "hr"

SUBSCRIPTION_STATUSES = ("ACTIVE", "TRIAL", "EXPIRED", "CANCELLED")
SUBSCRIPTION_TIERS = ("STARTER", "PROFESSIONAL", "ENTERPRISE")
EMPLOYEE_STATUSES = ("CANDIDATE", "REJECTED", "ACTIVE", "TERMINATED")
USER_ROLES = ("OWNER", "LEADER", "MANAGER")
REPORT_TYPES = (
    "PERSONALITY_ROLE",
    "BEHAVIOR_COMPANY",
    "COMPATIBILITY_JOB",
    "COMPATIBILITY_DEPARTMENT",
    "COMPATIBILITY_COMPANY",
    "COMPATIBILITY_INDUSTRY",
    "QA_QUESTIONNAIRE",
    "TRAINING_DEVELOPMENT",
)
REPORT_STATUSES = ("SUCCESS", "FAILED", "PENDING", "PROCESSING")
ACCESS_TYPES = ("VIEW", "DOWNLOAD", "SHARE", "PRINT")
ACCESS_METHODS = ("DIRECT_LINK", "DASHBOARD", "SEARCH", "NOTIFICATION")
MESSAGE_SENDERS = ("USER", "ASSISTANT", "SYSTEM")
NOTIFICATION_TYPES = ("REPORT_READY", "QUARTERLY_UPDATE", "SYSTEM_ALERT", "USER_MENTION")
CHANNELS = ("IN_APP", "EMAIL", "WEBSOCKET", "SMS")
DELIVERY_STATUSES = ("SENT", "DELIVERED", "READ", "DISMISSED", "CLICKED", "FAILED")
DASHBOARD_TYPES = ("OWNER_DASHBOARD", "LEADER_DASHBOARD", "MANAGER_DASHBOARD")
INTERACTION_TYPES = ("WIDGET_LOAD", "WIDGET_REFRESH", "WIDGET_RESIZE", "WIDGET_REORDER")
WIDGET_TYPES = ("METRICS_CARD", "CHART", "TABLE", "AI_CHAT", "NOTIFICATIONS")
EVENT_TYPES = (
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
)
EVENT_CATEGORIES = ("NAVIGATION", "INTERACTION", "DATA_ACCESS", "FEATURE_USE")
FEATURES = (
    "EMPLOYEE_MANAGEMENT",
    "REPORT_GENERATION",
    "AI_CONSULTATION",
    "DEPARTMENT_SETUP",
    "USER_MANAGEMENT",
    "ANALYTICS_VIEWING",
    "NOTIFICATION_INTERACTION",
)
DEVICE_TYPES = ("desktop", "mobile", "tablet")
SURVEY_TYPES = ("NPS", "CSAT")

_VERSION = "Version order: the newest version wins."
_DELETED = "Set when the record was deleted (soft delete)."


def _org(what: str = "Organization") -> Column:
    return _c("organization_id", "text", True, f"{what} (hr_organizations).")


MESSAGE_KEYS = (
    JsonKey("message_id", "text", required=True),
    JsonKey("sender", "text", enum=MESSAGE_SENDERS, required=True),
    JsonKey("token_count", "number", minimum=0),
    JsonKey("query_type", "text"),
    JsonKey("sent_at", "ts"),
)


def _fields(*pairs: str) -> tuple[MongoField, ...]:
    """MongoFields from "column <- path" strings (the mapping reads as the docs do)."""
    out = []
    for pair in pairs:
        column, path = (part.strip() for part in pair.split("<-"))
        out.append(MongoField(column, path))
    return tuple(out)


_ORGANIZATIONS = Source(
    "hr_organizations",
    "Customer organizations and their subscription. Mutable: every change of status, tier or "
    "price arrives as a new version, so the versions are the subscription history.",
    (
        _c("organization_id", "text", True, "Organization key."),
        _c("name", "text", False, "Organization name."),
        _c(
            "subscription_status",
            "text",
            True,
            "Subscription state.",
            SUBSCRIPTION_STATUSES,
        ),
        _c("subscription_tier", "text", False, "Plan.", SUBSCRIPTION_TIERS),
        _c(
            "monthly_price",
            "numeric",
            False,
            "Price of the current plan in USD per month (0 on trial).",
            minimum=0,
        ),
        _c("trial_ends_at", "ts", False, "End of the trial, if the organization had one."),
        _c("current_period_end", "ts", False, "End of the paid period: the renewal date."),
        _c("created_at", "ts", True, "When the organization signed up."),
        _c("updated_at", "ts", True, _VERSION),
    ),
    key=("organization_id",),
    mutable=True,
    version_column="updated_at",
    pack=PACK,
)

_DEPARTMENTS = Source(
    "hr_departments",
    "Departments of an organization. Mutable.",
    (
        _c("department_id", "text", True, "Department key."),
        _org("Organization of the department"),
        _c("name", "text", False, "Department name."),
        _c("created_at", "ts", True, "When the department was created."),
        _c("updated_at", "ts", True, _VERSION),
        _c("deleted_at", "ts", False, _DELETED),
    ),
    key=("department_id",),
    mutable=True,
    version_column="updated_at",
    pack=PACK,
)

_BRANCHES = Source(
    "hr_branches",
    "Branches (sites) of an organization. Mutable.",
    (
        _c("branch_id", "text", True, "Branch key."),
        _org("Organization of the branch"),
        _c("name", "text", False, "Branch name."),
        _c("city", "text", False, "City of the branch."),
        _c("country", "text", False, "Country of the branch."),
        _c("created_at", "ts", True, "When the branch was created."),
        _c("updated_at", "ts", True, _VERSION),
        _c("deleted_at", "ts", False, _DELETED),
    ),
    key=("branch_id",),
    mutable=True,
    version_column="updated_at",
    pack=PACK,
)

_EMPLOYEES = Source(
    "hr_employees",
    "Employees and candidates of an organization in one table. Mutable: a hire, a rejection "
    "or a termination arrives as a new version with the new status and its timestamp.",
    (
        _c("employee_id", "text", True, "Employee (or candidate) key."),
        _org("Employing organization"),
        _c("department_id", "text", False, "Department (hr_departments)."),
        _c("branch_id", "text", False, "Branch (hr_branches)."),
        _c("job_role", "text", False, "Job role applied for or held."),
        _c("status", "text", True, "Hiring state.", EMPLOYEE_STATUSES),
        _c("applied_at", "ts", False, "When the candidate applied; null for a direct hire."),
        _c("hired_at", "ts", False, "When the person was hired (>= applied_at)."),
        _c("rejected_at", "ts", False, "When the candidate was rejected (>= applied_at)."),
        _c("terminated_at", "ts", False, "When the employment ended (>= hired_at)."),
        _c("created_at", "ts", True, "When the record was created."),
        _c("updated_at", "ts", True, _VERSION),
    ),
    key=("employee_id",),
    mutable=True,
    version_column="updated_at",
    order_rules=(
        OrderRule("hired_at", "applied_at"),
        OrderRule("rejected_at", "applied_at"),
        OrderRule("terminated_at", "hired_at"),
    ),
    pack=PACK,
)

_USERS = Source(
    "hr_users",
    "Platform users of an organization (owners, leaders, managers). Mutable.",
    (
        _c("user_id", "text", True, "User key."),
        _org("Organization of the user"),
        _c("role", "text", True, "Role on the platform.", USER_ROLES),
        _c("department_id", "text", False, "Department the user leads or manages."),
        _c("created_at", "ts", True, "When the user was created."),
        _c("updated_at", "ts", True, _VERSION),
        _c("deleted_at", "ts", False, _DELETED),
    ),
    key=("user_id",),
    mutable=True,
    version_column="updated_at",
    pack=PACK,
)

_REPORT_GENERATIONS = Source(
    "hr_report_generations",
    "Report generation requests. Mutable: PENDING, then PROCESSING, then SUCCESS or FAILED, "
    "each a new version.",
    (
        _c("report_id", "text", True, "Report key."),
        _org("Organization of the report"),
        _c("report_type", "text", True, "Kind of report.", REPORT_TYPES),
        _c("employee_id", "text", False, "Employee the report is about (hr_employees)."),
        _c("requested_by_user_id", "text", False, "User who asked; null when auto-generated."),
        _c("requested_at", "ts", True, "When the report was requested; its event time."),
        _c("completed_at", "ts", False, "When generation finished (>= requested_at)."),
        _c(
            "processing_time_seconds",
            "numeric",
            False,
            "Seconds spent generating (>= 0).",
            minimum=0,
        ),
        _c("status", "text", True, "Generation state.", REPORT_STATUSES),
        _c("error_message", "text", False, "Why a FAILED generation failed."),
        _c("is_auto_generated", "bool", False, "Generated by the platform, not a user."),
        _c("is_quarterly_update", "bool", False, "A quarterly refresh of an earlier report."),
        _c("report_size_kb", "numeric", False, "Size of the report in KB (>= 0).", minimum=0),
        _c("ai_tokens_used", "int", False, "AI tokens used (>= 0).", minimum=0),
        _c("updated_at", "ts", True, _VERSION),
    ),
    key=("report_id",),
    mutable=True,
    version_column="updated_at",
    event_time_column="requested_at",
    order_rules=(OrderRule("completed_at", "requested_at"),),
    pack=PACK,
)

_REPORT_ACCESS_LOGS = Source(
    "hr_report_access_logs",
    "Views, downloads, shares and prints of reports (append-only; MongoDB collection "
    "report_access_logs).",
    (
        _c("access_id", "text", True, "Access event key (the document's _id)."),
        _c("report_id", "text", False, "Report accessed (hr_report_generations)."),
        _c("report_type", "text", False, "Kind of the report accessed."),
        _c("employee_id", "text", False, "Employee the report is about."),
        _org("Organization of the access"),
        _c("department_id", "text", False, "Department of the employee."),
        _c("user_id", "text", False, "User who accessed the report."),
        _c("user_role", "text", False, "Role of that user.", USER_ROLES),
        _c("access_type", "text", True, "Kind of access.", ACCESS_TYPES),
        _c("access_method", "text", False, "How the report was reached.", ACCESS_METHODS),
        _c(
            "access_duration_seconds",
            "numeric",
            False,
            "Seconds spent viewing (>= 0).",
            minimum=0,
        ),
        _c("page_views", "int", False, "Pages viewed (>= 0).", minimum=0),
        _c("device_type", "text", False, "Client device type."),
        _c("country", "text", False, "Client country."),
        _c("city", "text", False, "Client city."),
        _c(
            "ip_address",
            "text",
            False,
            "Client IPv4/IPv6 address; anonymized in staging (non-addresses become null).",
        ),
        _c("accessed_at", "ts", True, "When the report was accessed; the event time."),
    ),
    key=("access_id",),
    event_time_column="accessed_at",
    pack=PACK,
    mongo=MongoMapping(
        "report_access_logs",
        _fields(
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
        ),
    ),
)

_CHAT_SESSIONS = Source(
    "hr_chat_sessions",
    "AI consultation chat sessions with their messages. Mutable: a session is re-sent as it "
    "grows and when feedback arrives (MongoDB collection ai_chat_session_logs).",
    (
        _c("session_id", "text", True, "Chat session key."),
        _org("Organization of the session"),
        _c("user_id", "text", False, "User who chatted."),
        _c("user_role", "text", False, "Role of that user.", USER_ROLES),
        _c("query_type", "text", False, "Query type of the session's initial query."),
        _c("department_id", "text", False, "Department the session was about."),
        _c("started_at", "ts", True, "Session start; the event time."),
        _c("ended_at", "ts", False, "Session end (>= started_at)."),
        _c(
            "satisfaction_rating",
            "int",
            False,
            "User rating 1..5.",
            minimum=1,
            maximum=5,
        ),
        _c("was_helpful", "bool", False, "The user's answer to 'was this helpful?'."),
        _c("feedback_submitted_at", "ts", False, "When the feedback was given."),
        _c(
            "messages",
            "json",
            False,
            "JSON array of message objects; keys: message_id (text, required), sender "
            "(USER, ASSISTANT or SYSTEM, required), token_count (number >= 0), query_type "
            "(text), sent_at (ISO 8601 text).",
            json_keys=MESSAGE_KEYS,
            json_kind="array",
        ),
        _c("updated_at", "ts", True, _VERSION),
    ),
    key=("session_id",),
    mutable=True,
    version_column="updated_at",
    event_time_column="started_at",
    order_rules=(OrderRule("ended_at", "started_at"),),
    pack=PACK,
    mongo=MongoMapping(
        "ai_chat_session_logs",
        (
            *_fields(
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
            ),
            MongoField(
                "messages",
                "messages",
                (
                    ("message_id", "messageId"),
                    ("sender", "role"),
                    ("token_count", "tokenCount"),
                    ("sent_at", "timestamp"),
                    ("query_type", "metadata.queryType"),
                ),
            ),
            MongoField("updated_at", "updatedAt"),
        ),
    ),
)

_NOTIFICATION_DELIVERIES = Source(
    "hr_notification_deliveries",
    "Deliveries of notifications to users, per channel. Mutable: each status change "
    "(delivered, read, clicked, dismissed, failed, a retry) arrives as a new version.",
    (
        _c("delivery_id", "text", True, "Delivery key."),
        _c("notification_id", "text", False, "Notification delivered."),
        _org("Organization of the recipient"),
        _c("user_id", "text", False, "Recipient."),
        _c("notification_type", "text", False, "Kind of notification.", NOTIFICATION_TYPES),
        _c("channel", "text", True, "Delivery channel.", CHANNELS),
        _c("status", "text", True, "Delivery state.", DELIVERY_STATUSES),
        _c("sent_at", "ts", True, "When it was sent; the event time."),
        _c("delivered_at", "ts", False, "When it was delivered (>= sent_at)."),
        _c("read_at", "ts", False, "When it was read (>= delivered_at)."),
        _c("dismissed_at", "ts", False, "When it was dismissed (>= delivered_at)."),
        _c("clicked_at", "ts", False, "When it was clicked (>= delivered_at)."),
        _c("failed_at", "ts", False, "When delivery failed for good (>= sent_at)."),
        _c("error_message", "text", False, "Why delivery failed."),
        _c("retry_count", "int", False, "Delivery retries (>= 0).", minimum=0),
        _c("updated_at", "ts", True, _VERSION),
    ),
    key=("delivery_id",),
    mutable=True,
    version_column="updated_at",
    event_time_column="sent_at",
    order_rules=(
        OrderRule("delivered_at", "sent_at"),
        OrderRule("read_at", "delivered_at"),
        OrderRule("dismissed_at", "delivered_at"),
        OrderRule("clicked_at", "delivered_at"),
        OrderRule("failed_at", "sent_at"),
    ),
    pack=PACK,
)

_DASHBOARD_INTERACTIONS = Source(
    "hr_dashboard_interactions",
    "Widget interactions on the role dashboards (append-only; MongoDB collection "
    "dashboard_interactions).",
    (
        _c("interaction_id", "text", True, "Interaction key (the document's _id)."),
        _c("user_id", "text", False, "Acting user."),
        _org("Organization of the user"),
        _c("session_id", "text", False, "Client session."),
        _c("dashboard_type", "text", True, "Dashboard of the interaction.", DASHBOARD_TYPES),
        _c("interaction_type", "text", True, "Kind of interaction.", INTERACTION_TYPES),
        _c("widget_id", "text", False, "Widget interacted with."),
        _c("widget_type", "text", False, "Kind of widget.", WIDGET_TYPES),
        _c("duration_ms", "numeric", False, "Interaction duration in ms (>= 0).", minimum=0),
        _c("data_loaded", "bool", False, "Whether the widget's data loaded."),
        _c("error_occurred", "bool", False, "Whether the interaction hit an error."),
        _c("load_time_ms", "numeric", False, "Load time in ms (>= 0).", minimum=0),
        _c("render_time_ms", "numeric", False, "Render time in ms (>= 0).", minimum=0),
        _c("data_fetch_time_ms", "numeric", False, "Data fetch time in ms (>= 0).", minimum=0),
        _c("total_time_ms", "numeric", False, "Total time in ms (>= 0).", minimum=0),
        _c("occurred_at", "ts", True, "Event time."),
    ),
    key=("interaction_id",),
    event_time_column="occurred_at",
    pack=PACK,
    mongo=MongoMapping(
        "dashboard_interactions",
        _fields(
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
        ),
    ),
)

_ACTIVITY_LOGS = Source(
    "hr_activity_logs",
    "Platform user activity events (append-only; MongoDB collection user_activity_logs).",
    (
        _c("event_id", "text", True, "Event key (the document's _id)."),
        _c("user_id", "text", True, "Acting user (required by the seed's collection validator)."),
        _org("Organization of the user"),
        _c("session_id", "text", False, "Client session."),
        _c("event_type", "text", True, "Kind of event.", EVENT_TYPES),
        _c("event_category", "text", False, "Event category.", EVENT_CATEGORIES),
        _c("feature", "text", False, "Feature category used.", FEATURES),
        _c("page", "text", False, "Page of the event."),
        _c("duration_ms", "numeric", False, "Duration in ms (>= 0).", minimum=0),
        _c("success", "bool", False, "Whether the action succeeded."),
        _c("error_message", "text", False, "Error of a failed action."),
        _c("user_role", "text", False, "Role of the acting user.", USER_ROLES),
        _c("department_id", "text", False, "Department of the acting user."),
        _c("device_type", "text", False, "Client device type.", DEVICE_TYPES),
        _c("os", "text", False, "Client operating system."),
        _c("browser", "text", False, "Client browser."),
        _c("country", "text", False, "Client country."),
        _c("city", "text", False, "Client city."),
        _c(
            "ip_address",
            "text",
            False,
            "Client IPv4/IPv6 address; anonymized in staging (non-addresses become null).",
        ),
        _c("occurred_at", "ts", True, "Event time."),
    ),
    key=("event_id",),
    event_time_column="occurred_at",
    pack=PACK,
    mongo=MongoMapping(
        "user_activity_logs",
        _fields(
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
        ),
    ),
)

_SURVEY_RESPONSES = Source(
    "hr_survey_responses",
    "NPS and CSAT survey answers of platform users (append-only).",
    (
        _c("response_id", "text", True, "Response key."),
        _org("Organization of the respondent"),
        _c("user_id", "text", False, "Respondent."),
        _c("survey_type", "text", True, "Survey.", SURVEY_TYPES),
        _c("score", "int", True, "Score: NPS 0..10, CSAT 1..5."),
        _c("comment", "text", False, "Free-text comment."),
        _c("responded_at", "ts", True, "When the answer was given; the event time."),
    ),
    key=("response_id",),
    event_time_column="responded_at",
    range_rules=(
        RangeWhen("score", "survey_type", "NPS", 0, 10),
        RangeWhen("score", "survey_type", "CSAT", 1, 5),
    ),
    pack=PACK,
)

HR_SOURCES: tuple[Source, ...] = (
    _ORGANIZATIONS,
    _DEPARTMENTS,
    _BRANCHES,
    _EMPLOYEES,
    _USERS,
    _REPORT_GENERATIONS,
    _REPORT_ACCESS_LOGS,
    _CHAT_SESSIONS,
    _NOTIFICATION_DELIVERIES,
    _DASHBOARD_INTERACTIONS,
    _ACTIVITY_LOGS,
    _SURVEY_RESPONSES,
)
