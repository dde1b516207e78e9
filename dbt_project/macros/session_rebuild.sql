{#- The temp table (dropped at commit) listing what an incremental
    int_sessions run rebuilds. -#}
{% macro session_rebuild_table() -%}
    {{ this.identifier }}__rebuild
{%- endmacro %}


{#-
    pre_hook of int_sessions. Incremental runs: one row per (workspace,
    user, session_id) with a new event in the claimed batches; for events
    without a session_id (session_id null) restart_at is the start of the
    user's last derived session starting at or before the first new event
    (that event's time when there is none). Those sessions are deleted and
    the model rebuilds them. Their start days are recorded as dirty
    (macros/dirty_days.sql) before the delete, and those of the rebuilt
    sessions after the insert (record_rebuilt_session_days).
-#}
{% macro plan_session_rebuild() -%}
    {%- if batch_incremental() -%}
    create temporary table {{ session_rebuild_table() }} on commit drop as
    with new_events as (
        select workspace_id, user_id, session_id, min(occurred_at) as first_new_at
        from {{ ref('stg_user_activity') }}
        where {{ in_claimed_batches() }}
        group by workspace_id, user_id, session_id
    )
    select
        new_events.workspace_id,
        new_events.user_id,
        new_events.session_id,
        case when new_events.session_id is null then coalesce(
            (
                select max(session.started_at)
                from {{ this }} as session
                where session.workspace_id = new_events.workspace_id
                    and session.user_id = new_events.user_id
                    and session.is_derived
                    and session.started_at <= new_events.first_new_at
            ),
            new_events.first_new_at
        ) end as restart_at
    from new_events;

    {{ record_deleted_session_days() }};

    delete from {{ this }} as session
    using {{ session_rebuild_table() }} as rebuild
    where {{ session_rebuild_match('session', 'rebuild') }}
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}


{#- Condition: session row `session` is one that rebuild row `rebuild` rebuilds. -#}
{% macro session_rebuild_match(session, rebuild) -%}
    {{ rebuild }}.workspace_id = {{ session }}.workspace_id
        and {{ rebuild }}.user_id = {{ session }}.user_id
        and (
            (not {{ session }}.is_derived and {{ rebuild }}.session_id = {{ session }}.session_id)
            or ({{ session }}.is_derived and {{ rebuild }}.session_id is null and {{ session }}.started_at >= {{ rebuild }}.restart_at)
        )
{%- endmacro %}
