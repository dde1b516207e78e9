{#- The source's "now": the newest updated_at over the staged hospital
    tables (deleted rows included), one row, nulls without data. The hospital
    models' as-of date without max_date is its UTC day
    (hospital_as_of_date). -#}

with

versions as (

    select max(updated_at) as updated_at from {{ ref('stg_hospital_departments') }}
    union all
    select max(updated_at) from {{ ref('stg_hospital_staff') }}
    union all
    select max(updated_at) from {{ ref('stg_hospital_patients') }}
    union all
    select max(updated_at) from {{ ref('stg_hospital_appointments') }}
    union all
    select max(updated_at) from {{ ref('stg_hospital_medical_records') }}
    union all
    select max(updated_at) from {{ ref('stg_hospital_lab_tests') }}
    union all
    select max(updated_at) from {{ ref('stg_hospital_invoices') }}
    union all
    select max(updated_at) from {{ ref('stg_hospital_payments') }}
    union all
    select max(updated_at) from {{ ref('stg_hospital_deleted_rows') }}

),

final as (

    select
        max(updated_at) as newest_updated_at,
        {{ hospital_day('max(updated_at)') }} as newest_update_day
    from versions

)

select * from final
