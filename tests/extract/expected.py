"""What the sample hospital's planted rule breaks leave in quarantine: the
rows the contract catches in a row of its own (a payment before its invoice is
a cross-table fact, for the metrics)."""

from analytics_pipeline.sample_data.hospital import BROKEN_PER_RULE

HOSPITAL_QUARANTINED = {
    "hospital_appointments": BROKEN_PER_RULE,
    "hospital_medical_records": BROKEN_PER_RULE,
    "hospital_lab_tests": BROKEN_PER_RULE,
}
