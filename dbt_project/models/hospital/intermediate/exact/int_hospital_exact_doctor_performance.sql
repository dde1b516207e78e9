{#- doctor_performance's exact figures: each (doctor_id, month_start) with an
    appointment of the doctor scheduled in the month, or a medical record of
    the doctor created or finalized in it, up to the as-of date. No
    all-doctors row. -#}

with

appointments as (

    select
        doctor_id,
        date_trunc('month', scheduled_day)::date as month_start,
        patient_key,
        status,
        case when status = 'completed' then
                {{ hospital_duration('ended_at', 'started_at', 60) }}
        end as duration_minutes
    from {{ ref('int_hospital_appointments') }}
    where scheduled_day <= {{ hospital_as_of_date() }}

),

records as (

    select
        doctor_id,
        created_at,
        created_day,
        finalized_at,
        finalized_day
    from {{ ref('int_hospital_medical_records') }}

),

staff as (

    select
        staff_id,
        department_id,
        specialty
    from {{ ref('int_hospital_staff') }}

),

appointment_months as (

    select
        doctor_id,
        month_start,
        count(*) as total_appointments,
        count(*) filter (where status = 'completed') as completed_appointments,
        count(*) filter (where status = 'cancelled') as cancelled_appointments,
        count(*) filter (where status = 'no_show') as no_show_appointments,
        count(*) filter (where status = 'scheduled') as unresolved_appointments,
        {{ hospital_mean('duration_minutes') }} as avg_duration_minutes,
        count(distinct patient_key) filter (where status = 'completed') as unique_patients,
        count(duration_minutes) as duration_rows
    from appointments
    group by doctor_id, month_start

),

created_months as (

    select
        doctor_id,
        date_trunc('month', created_day)::date as month_start,
        count(*) as records_created
    from records
    where created_day <= {{ hospital_as_of_date() }}
    group by doctor_id, month_start

),

finalized_months as (

    select
        doctor_id,
        date_trunc('month', finalized_day)::date as month_start,
        count(*) as records_finalized,
        {{ hospital_percentile(0.5, hospital_duration('finalized_at', 'created_at', 3600)) }}
            as finalize_time_p50_hours,
        {{ hospital_percentile(0.9, hospital_duration('finalized_at', 'created_at', 3600)) }}
            as finalize_time_p90_hours
    from records
    where finalized_day <= {{ hospital_as_of_date() }}
    group by doctor_id, month_start

),

grain as (

    select
        doctor_id,
        month_start
    from appointment_months
    union
    select
        doctor_id,
        month_start
    from created_months
    union
    select
        doctor_id,
        month_start
    from finalized_months

),

final as (

    select
        grain.doctor_id,
        grain.month_start,
        doctor.department_id,
        doctor.specialty,
        coalesce(visit.total_appointments, 0) as total_appointments,
        coalesce(visit.completed_appointments, 0) as completed_appointments,
        coalesce(visit.cancelled_appointments, 0) as cancelled_appointments,
        coalesce(visit.no_show_appointments, 0) as no_show_appointments,
        coalesce(visit.unresolved_appointments, 0) as unresolved_appointments,
        {{ safe_ratio('visit.completed_appointments', 'visit.total_appointments') }}
            as completion_rate,
        {{ hospital_no_show_rate('visit.no_show_appointments', 'visit.completed_appointments') }}
            as no_show_rate,
        visit.avg_duration_minutes,
        coalesce(visit.unique_patients, 0) as unique_patients,
        coalesce(created.records_created, 0) as records_created,
        coalesce(finalized.records_finalized, 0) as records_finalized,
        finalized.finalize_time_p50_hours,
        finalized.finalize_time_p90_hours,
        coalesce(visit.duration_rows, 0) as duration_rows
    from grain
    left join staff as doctor on grain.doctor_id = doctor.staff_id
    left join appointment_months as visit
        on grain.doctor_id = visit.doctor_id and grain.month_start = visit.month_start
    left join created_months as created
        on grain.doctor_id = created.doctor_id and grain.month_start = created.month_start
    left join finalized_months as finalized
        on grain.doctor_id = finalized.doctor_id and grain.month_start = finalized.month_start

)

select * from final
