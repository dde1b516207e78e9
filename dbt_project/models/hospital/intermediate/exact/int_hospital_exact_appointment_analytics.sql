{#- appointment_analytics' exact figures: each (department, d) with an
    appointment scheduled or booked on d, d up to the as-of date, and the
    all-departments row (department_id null) of each such daily. -#}

with

appointments as (

    select
        appointment_id,
        patient_key,
        doctor_id,
        department_id,
        booked_at,
        booked_day,
        scheduled_start,
        scheduled_day,
        checked_in_at,
        started_at,
        ended_at,
        status,
        {{ hospital_duration('scheduled_start', 'booked_at', 86400) }} as lead_time_days,
        {{ hospital_waiting_minutes() }} as waiting_time_minutes,
        case when status = 'completed' then
                {{ hospital_duration('ended_at', 'started_at', 60) }}
        end as duration_minutes
    from {{ ref('int_hospital_appointments') }}

),

bookings as (

    select
        department_id,
        booked_day as metric_date,
        count(*) as bookings_made
    from appointments
    where booked_day <= {{ hospital_as_of_date() }}
    group by grouping sets ((department_id, booked_day), (booked_day))

),

scheduled as (

    select
        department_id,
        scheduled_day as metric_date,
        count(*) as total_appointments,
        count(*) filter (where status = 'completed') as completed_appointments,
        count(*) filter (where status = 'cancelled') as cancelled_appointments,
        count(*) filter (where status = 'no_show') as no_show_appointments,
        count(*) filter (where status = 'scheduled') as unresolved_appointments,
        {{ hospital_percentile(0.5, 'greatest(lead_time_days, 0)') }} as lead_time_p50_days,
        {{ hospital_percentile(0.9, 'greatest(lead_time_days, 0)') }} as lead_time_p90_days,
        {{ hospital_percentile(0.5, 'waiting_time_minutes') }} as waiting_time_p50_minutes,
        {{ hospital_percentile(0.9, 'waiting_time_minutes') }} as waiting_time_p90_minutes,
        {{ hospital_mean('duration_minutes') }} as avg_duration_minutes,
        count(distinct patient_key) filter (where status = 'completed') as unique_patients,
        count(distinct doctor_id) filter (where status = 'completed') as active_doctors,
        count(waiting_time_minutes) as waiting_time_rows,
        count(duration_minutes) as duration_rows
    from appointments
    where scheduled_day <= {{ hospital_as_of_date() }}
    group by grouping sets ((department_id, scheduled_day), (scheduled_day))

),

grain as (

    select
        department_id,
        metric_date
    from bookings
    union
    select
        department_id,
        metric_date
    from scheduled

),

final as (

    select
        grain.department_id,
        grain.metric_date,
        coalesce(booking.bookings_made, 0) as bookings_made,
        coalesce(slot.total_appointments, 0) as total_appointments,
        coalesce(slot.completed_appointments, 0) as completed_appointments,
        coalesce(slot.cancelled_appointments, 0) as cancelled_appointments,
        coalesce(slot.no_show_appointments, 0) as no_show_appointments,
        coalesce(slot.unresolved_appointments, 0) as unresolved_appointments,
        {{ safe_ratio('slot.completed_appointments', 'slot.total_appointments') }}
            as completion_rate,
        {{ safe_ratio('slot.cancelled_appointments', 'slot.total_appointments') }}
            as cancellation_rate,
        {{ hospital_no_show_rate('slot.no_show_appointments', 'slot.completed_appointments') }}
            as no_show_rate,
        slot.lead_time_p50_days,
        slot.lead_time_p90_days,
        slot.waiting_time_p50_minutes,
        slot.waiting_time_p90_minutes,
        slot.avg_duration_minutes,
        coalesce(slot.unique_patients, 0) as unique_patients,
        coalesce(slot.active_doctors, 0) as active_doctors,
        coalesce(slot.waiting_time_rows, 0) as waiting_time_rows,
        coalesce(slot.duration_rows, 0) as duration_rows
    from grain
    left join bookings as booking
        on grain.metric_date = booking.metric_date
        and grain.department_id is not distinct from booking.department_id
    left join scheduled as slot
        on grain.metric_date = slot.metric_date
        and grain.department_id is not distinct from slot.department_id

)

select * from final
