{#- patient_analytics' exact figures: one row per day from the first live
    patient's registration day to the as-of date. -#}

with

patients as (

    select
        patient_key,
        sex,
        registration_day,
        age_band
    from {{ ref('int_hospital_patients') }}

),

encounters as (

    select
        patient_key,
        encounter_day
    from {{ ref('int_hospital_encounters') }}

),

days as (

    select
        generate_series(
            min(registration_day)::timestamp,
            {{ hospital_as_of_date() }}::timestamp,
            interval '1 day'
        )::date as metric_date
    from patients

),

registrations as (

    select
        registration_day as metric_date,
        count(*) as new_patients,
        count(*) filter (where sex = 'male') as new_patients_male,
        count(*) filter (where sex = 'female') as new_patients_female,
        count(*) filter (where sex = 'other') as new_patients_other,
        count(*) filter (where sex not in ('male', 'female', 'other')) as new_patients_sex_unknown,
        count(*) filter (where age_band = '0-17') as new_patients_age_0_17,
        count(*) filter (where age_band = '18-34') as new_patients_age_18_34,
        count(*) filter (where age_band = '35-49') as new_patients_age_35_49,
        count(*) filter (where age_band = '50-64') as new_patients_age_50_64,
        count(*) filter (where age_band = '65-79') as new_patients_age_65_79,
        count(*) filter (where age_band = '80+') as new_patients_age_80_plus,
        count(*) filter (where age_band = 'unknown') as new_patients_age_unknown
    from patients
    group by registration_day

),

active as (

    select
        daily.metric_date,
        count(distinct encounter.patient_key) as active_patients
    from days as daily
    inner join encounters as encounter
        on encounter.encounter_day between daily.metric_date - 89 and daily.metric_date
    group by daily.metric_date

),

final as (

    select
        daily.metric_date,
        coalesce(registration.new_patients, 0) as new_patients,
        coalesce(registration.new_patients_male, 0) as new_patients_male,
        coalesce(registration.new_patients_female, 0) as new_patients_female,
        coalesce(registration.new_patients_other, 0) as new_patients_other,
        coalesce(registration.new_patients_sex_unknown, 0) as new_patients_sex_unknown,
        coalesce(registration.new_patients_age_0_17, 0) as new_patients_age_0_17,
        coalesce(registration.new_patients_age_18_34, 0) as new_patients_age_18_34,
        coalesce(registration.new_patients_age_35_49, 0) as new_patients_age_35_49,
        coalesce(registration.new_patients_age_50_64, 0) as new_patients_age_50_64,
        coalesce(registration.new_patients_age_65_79, 0) as new_patients_age_65_79,
        coalesce(registration.new_patients_age_80_plus, 0) as new_patients_age_80_plus,
        coalesce(registration.new_patients_age_unknown, 0) as new_patients_age_unknown,
        coalesce(active.active_patients, 0) as active_patients
    from days as daily
    left join registrations as registration on daily.metric_date = registration.metric_date
    left join active on daily.metric_date = active.metric_date

)

select * from final
