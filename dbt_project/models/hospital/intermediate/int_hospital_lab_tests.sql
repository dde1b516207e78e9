{#- Live lab tests (not deleted, nor their patient), newest version, with
    their UTC days. -#}

with

tests as (

    select
        id,
        patient_key,
        test_type,
        status,
        ordered_at,
        resulted_at,
        is_abnormal
    from {{ ref('stg_hospital_lab_tests') }}
    where not is_deleted

),

final as (

    select
        id as test_id,
        patient_key,
        test_type,
        status,
        ordered_at,
        {{ hospital_day('ordered_at') }} as ordered_day,
        resulted_at,
        {{ hospital_day('resulted_at') }} as resulted_day,
        is_abnormal
    from tests

)

select * from final
