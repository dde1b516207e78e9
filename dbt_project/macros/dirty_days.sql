{#-
    Dirty days: the event days whose published rows new data has changed,
    so that a daily run recomputes them however old they are (the lookback
    alone only reaches lookback_days before the partition).

    Two ledgers in schema intermediate (created by on-run-start):

      _dirty_days(dirty_id, day, recorded_by, cause, recorded_at)
          written by the intermediate models in the transaction that
          processes the data (so a failed run records nothing):
          - int_user_activity_days: the event / run days of every batch it
            has not processed yet, and the old first activity day of a user
            whose first activity moves earlier (new_users, cohorts);
          - int_sessions: the start days of the sessions it deletes and of
            the sessions it rebuilds (a late event after midnight changes the
            session's start day);
          - int_user_learning_days: the days of new learning batches (and
            the start day of each study session they touch);
          - int_deleted_user_activity_days / int_deleted_user_learning_days:
            the days a user was active on, once, when the deletion arrives
            (cause 'deleted:<user_id>').
      _dirty_days_consumed(model, dirty_id, is_current)
          which dirty days each daily model has recomputed; a run claims
          (is_current) the ones it has not, up to its as-of date, in the
          pre_hook that deletes the rows it rebuilds (delete_recomputed), so
          claim, delete and insert commit together.

    recompute_days() adds the claimed days (each followed by the model's
    reach, like deleted users' days) to the partition window and lookback;
    weekly, monthly and as-of models expand them to their periods as they do
    the window's days. A full build claims every dirty day.
-#}


{% macro dirty_days_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema='intermediate', identifier='_dirty_days')) }}
{%- endmacro %}


{% macro dirty_days_consumed_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema='intermediate', identifier='_dirty_days_consumed')) }}
{%- endmacro %}


{#- on-run-start: both ledgers, once per run. -#}
{% macro create_dirty_days_ledgers() -%}
    create schema if not exists intermediate;
    create table if not exists {{ dirty_days_relation() }} (
        dirty_id    bigserial primary key,
        day         date not null,
        recorded_by text not null,
        cause       text,
        recorded_at timestamptz not null default clock_timestamp()
    );
    create index if not exists _dirty_days_cause on {{ dirty_days_relation() }} (cause, day);
    create table if not exists {{ dirty_days_consumed_relation() }} (
        model       text not null,
        dirty_id    bigint not null,
        is_current  boolean not null,
        primary key (model, dirty_id)
    );
{%- endmacro %}


{#- Insert the days of `days_sql` (a select of one date column) as dirty,
    recorded by this model. With `cause`, a (cause, day) already recorded is
    not recorded again. -#}
{% macro record_dirty_days(days_sql, cause=none) -%}
    insert into {{ dirty_days_relation() }} (day, recorded_by, cause)
    select distinct dirty.day, '{{ this.identifier }}', {{ cause if cause is not none else 'null::text' }}
    from ({{ days_sql }}) as dirty (day)
    where dirty.day is not null
    {%- if cause is not none %}
        and not exists (
            select 1 from {{ dirty_days_relation() }} as recorded
            where recorded.cause = {{ cause }} and recorded.day = dirty.day
        )
    {%- endif %}
{%- endmacro %}


{#- Claim for this model the dirty days it has not consumed, up to `end`
    (a python date; none = all): incremental runs mark them is_current, a full
    build forgets the model's old claims and takes every dirty day. -#}
{% macro claim_dirty_days(end, full=false) -%}
    {%- set consumed = dirty_days_consumed_relation() -%}
    {%- set model = "'" ~ this.identifier ~ "'" -%}
    {% if full -%}
    delete from {{ consumed }} where model = {{ model }};
    {%- else -%}
    update {{ consumed }} set is_current = false where model = {{ model }} and is_current;
    {%- endif %}
    insert into {{ consumed }} (model, dirty_id, is_current)
    select {{ model }}, dirty.dirty_id, true
    from {{ dirty_days_relation() }} as dirty
    where not exists (
        select 1 from {{ consumed }} as taken
        where taken.model = {{ model }} and taken.dirty_id = dirty.dirty_id
    )
    {%- if end is not none %}
        and dirty.day <= '{{ end.isoformat() }}'::date
    {%- endif %}
    on conflict (model, dirty_id) do nothing
{%- endmacro %}


{#- A select of one column `day`: the dirty days this run claimed, each
    followed by `reach_days` more days (none: up to `end`), none after `end`. -#}
{% macro claimed_dirty_days(reach_days, end) -%}
    select reached.day::date as day
    from {{ dirty_days_relation() }} as dirty
    inner join {{ dirty_days_consumed_relation() }} as consumed
        on consumed.dirty_id = dirty.dirty_id
        and consumed.model = '{{ this.identifier }}'
        and consumed.is_current
    cross join lateral generate_series(
        dirty.day::timestamp,
        {% if reach_days is none %}{{ end }}{% else %}least(dirty.day + {{ reach_days | int }}, {{ end }}){% endif %}::timestamp,
        interval '1 day'
    ) as reached (day)
{%- endmacro %}


{#- pre_hook part of int_user_activity_days, before it claims its batches:
    the days of the activity events and agent runs of the batches it has not
    processed yet, and the old first activity day (per workspace and
    anywhere) of each user whose first activity moves before it. -#}
{% macro record_activity_dirty_days() -%}
    {%- if this is none -%}{{ return('select 1') }}{%- endif -%}
    {%- set ledger = processed_batches_relation() -%}
    {%- set staged = api.Relation.create(database=this.database, schema='staging', identifier='_processed_batches') -%}
    {%- set days_sql -%}
        with new_rows as (
            select user_id, workspace_id, (occurred_at at time zone 'UTC')::date as day
            from {{ ref('stg_user_activity') }}
            where _batch_id in (select batch_id from {{ staged }} where model = 'stg_user_activity')
                and _batch_id not in (select batch_id from {{ ledger }} where model = '{{ this.identifier }}')
            union
            select user_id, workspace_id, (started_at at time zone 'UTC')::date as day
            from {{ ref('stg_agent_runs') }}
            where _batch_id in (select batch_id from {{ staged }} where model = 'stg_agent_runs')
                and _batch_id not in (select batch_id from {{ ledger }} where model = '{{ this.identifier }}')
        )
        select day from new_rows
        {%- if batch_incremental() %}
        union
        select first_days.first_day
        from (
            select user_id, workspace_id, min(activity_date) as first_day
            from {{ this }}
            where user_id in (select user_id from new_rows)
            group by grouping sets ((user_id, workspace_id), (user_id))
        ) as first_days
        where exists (
            select 1 from new_rows
            where new_rows.user_id = first_days.user_id
                and (first_days.workspace_id is null or new_rows.workspace_id = first_days.workspace_id)
                and new_rows.day < first_days.first_day
        )
        {%- endif %}
    {%- endset -%}
    {{ record_dirty_days(days_sql) }}
{%- endmacro %}


{#- pre_hook of int_user_learning_days (a table rebuilt whole): the days of
    the learning rows of batches it has not recorded yet (and the start day
    of each study session they touch), then claim those batches. -#}
{% macro record_learning_dirty_days() -%}
    {%- if this is none -%}{{ return('select 1') }}{%- endif -%}
    {%- set ledger = processed_batches_relation() -%}
    {%- set staged = api.Relation.create(database=this.database, schema='staging', identifier='_processed_batches') -%}
    {%- set models = {
        'stg_study_events': 'occurred_at',
        'stg_question_attempts': 'answered_at',
        'stg_material_interactions': 'occurred_at',
    } -%}
    {%- set new_batches -%}
        select batch_id from {{ staged }}
        where model in ('stg_study_events', 'stg_question_attempts', 'stg_material_interactions')
            and batch_id not in (select batch_id from {{ ledger }} where model = '{{ this.identifier }}')
    {%- endset -%}
    {%- set days_sql -%}
        {%- for model, time_column in models.items() %}
        select ({{ time_column }} at time zone 'UTC')::date as day
        from {{ ref(model) }}
        where _batch_id in ({{ new_batches }})
        union
        {%- endfor %}
        select (min(session_event.occurred_at) at time zone 'UTC')::date
        from {{ ref('stg_study_events') }} as session_event
        where session_event.session_id in (
            select session_id from {{ ref('stg_study_events') }} where _batch_id in ({{ new_batches }})
        )
        group by session_event.user_id, session_event.session_id
    {%- endset -%}
    {{ record_dirty_days(days_sql) }};
    insert into {{ ledger }} (model, batch_id, is_current)
    select distinct '{{ this.identifier }}', batch_id, true
    from ({{ new_batches }}) as new_batch
    on conflict (model, batch_id) do nothing
{%- endmacro %}


{#- post_hook of the deleted-user day models: each (deleted user, day) once. -#}
{% macro record_deleted_user_dirty_days() -%}
    insert into {{ dirty_days_relation() }} (day, recorded_by, cause)
    select distinct deleted.activity_date, '{{ this.identifier }}', 'deleted:' || deleted.user_id
    from {{ this }} as deleted
    where not exists (
        select 1 from {{ dirty_days_relation() }} as recorded
        where recorded.cause = 'deleted:' || deleted.user_id and recorded.day = deleted.activity_date
    )
{%- endmacro %}


{#- pre_hook part of int_sessions (incremental runs, after the rebuild plan,
    before its delete): the start days of the sessions it deletes. -#}
{% macro record_deleted_session_days() -%}
    {{ record_dirty_days(
        "select session.session_date from " ~ this ~ " as session"
        ~ " inner join " ~ session_rebuild_table() ~ " as rebuild"
        ~ " on " ~ session_rebuild_match('session', 'rebuild')
    ) }}
{%- endmacro %}


{#- post_hook of int_sessions (incremental runs): the start days of the
    sessions it rebuilt. A full build records nothing: its event days are
    recorded by int_user_activity_days, and a full rebuild of the sessions
    comes with a full refresh of the daily models. -#}
{% macro record_rebuilt_session_days() -%}
    {%- if batch_incremental() -%}
    {{ record_dirty_days(
        "select session.session_date from " ~ this ~ " as session"
        ~ " inner join " ~ session_rebuild_table() ~ " as rebuild"
        ~ " on " ~ session_rebuild_match('session', 'rebuild')
    ) }}
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}


{#- After recording a pre_hook's dirty days: the batches of `batches_sql` (a
    select of batch ids) are the model's (its ledger, processed_batches_relation),
    so the next run records only newer ones. -#}
{% macro take_batches_into_ledger(batches_sql) -%}
    insert into {{ processed_batches_relation() }} (model, batch_id, is_current)
    select distinct '{{ this.identifier }}', new_batch.batch_id, true
    from ({{ batches_sql }}) as new_batch (batch_id)
    on conflict (model, batch_id) do nothing
{%- endmacro %}
