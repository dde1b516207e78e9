"""The hospital's words: departments with their prices and diagnoses, names
and streets of people, lab test types with their reference ranges, note
phrases. Invented but plausible; no real person or place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    visit_price: float  # of a 30-minute consultation
    diagnoses: tuple[str, ...]  # ICD-10 codes seen there


DEPARTMENTS = (
    Department("CARD", "Cardiology", 240.0, ("I10", "I25.10", "I48.91", "I50.9", "R07.9")),
    Department("GMED", "General Medicine", 120.0, ("J06.9", "E78.5", "R51.9", "K21.9", "Z00.00")),
    Department("PEDS", "Pediatrics", 110.0, ("J02.9", "H66.90", "R50.9", "Z00.129", "L20.9")),
    Department("ORTH", "Orthopedics", 210.0, ("M54.5", "M17.11", "S93.401A", "M25.511")),
    Department("NEUR", "Neurology", 260.0, ("G43.909", "G40.909", "R42", "G47.00")),
    Department("ENDO", "Endocrinology", 190.0, ("E11.9", "E03.9", "E66.9", "E55.9")),
    Department("DERM", "Dermatology", 150.0, ("L70.0", "L40.0", "L30.9", "D22.9")),
    Department("GAST", "Gastroenterology", 230.0, ("K58.9", "K29.70", "K59.00", "K76.0")),
    Department("PULM", "Pulmonology", 220.0, ("J45.909", "J44.9", "R05.9", "G47.33")),
    Department("OBGY", "Obstetrics and Gynecology", 180.0, ("Z34.90", "N92.0", "N94.6")),
    Department("ONCO", "Oncology", 320.0, ("C50.919", "C61", "D64.9", "Z51.11")),
    Department("ENTO", "Otolaryngology", 170.0, ("J32.9", "H61.23", "J35.01", "R04.0")),
)

FEMALE_NAMES = (
    "Olivia", "Emma", "Ava", "Sophia", "Isabella", "Mia", "Amelia", "Harper", "Evelyn",
    "Abigail", "Emily", "Ella", "Grace", "Chloe", "Maria", "Aisha", "Priya", "Mei", "Sofia",
    "Lucia", "Hannah", "Zoe", "Nora", "Leah", "Fatima", "Yuki", "Ingrid", "Camila", "Rosa",
    "Helen", "Margaret", "Dorothy", "Ruth", "Alice", "Irene", "Joan", "Linda", "Susan",
)  # fmt: skip
MALE_NAMES = (
    "Liam", "Noah", "Oliver", "James", "Elijah", "William", "Henry", "Lucas", "Benjamin",
    "Theodore", "Jack", "Samuel", "Daniel", "Mateo", "Omar", "Ravi", "Wei", "Kenji", "Diego",
    "Luca", "Ahmed", "Ivan", "Tomas", "Kwame", "David", "Joseph", "Robert", "George",
    "Frank", "Arthur", "Walter", "Harold", "Peter", "Michael", "Carlos", "Andre", "Paul",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
    "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
    "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen",
    "King", "Wright", "Scott", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson",
    "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Patel", "Chen",
    "Kim", "Okafor", "Kowalski", "Novak", "Schmidt", "Rossi", "Haddad", "Tanaka", "Silva",
)  # fmt: skip
STREETS = (
    "Maple", "Oak", "Cedar", "Pine", "Elm", "Willow", "Birch", "Lakeview", "Hillcrest",
    "Sunset", "Park", "River", "Meadow", "Highland", "Church", "Mill", "Spring", "Forest",
)  # fmt: skip
STREET_KINDS = ("St", "Ave", "Rd", "Dr", "Ln", "Ct", "Blvd", "Way")
CITIES = (
    ("Springfield", "IL", "627"), ("Riverton", "WY", "825"), ("Fairview", "OR", "970"),
    ("Franklin", "TN", "370"), ("Greenville", "SC", "296"), ("Madison", "WI", "537"),
    ("Clinton", "IA", "527"), ("Georgetown", "TX", "786"), ("Salem", "MA", "019"),
)  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example")


@dataclass(frozen=True)
class LabTest:
    code: str
    low: float  # reference range of the reported value
    high: float
    unit: str
    decimals: int


LAB_TESTS = (
    LabTest("CBC", 4.0, 11.0, "10^9/L WBC", 1),
    LabTest("BMP", 136.0, 145.0, "mmol/L sodium", 0),
    LabTest("CMP", 3.5, 5.0, "g/dL albumin", 1),
    LabTest("LIPID_PANEL", 100.0, 199.0, "mg/dL total cholesterol", 0),
    LabTest("HBA1C", 4.0, 5.6, "%", 1),
    LabTest("TSH", 0.4, 4.0, "mIU/L", 2),
    LabTest("CRP", 0.0, 10.0, "mg/L", 1),
    LabTest("URINALYSIS", 1.005, 1.030, "specific gravity", 3),
    LabTest("TROPONIN", 0.0, 0.04, "ng/mL", 3),
    LabTest("PT_INR", 0.8, 1.1, "INR", 2),
    LabTest("VITAMIN_D", 30.0, 100.0, "ng/mL", 0),
    LabTest("FERRITIN", 24.0, 336.0, "ng/mL", 0),
)
LAB_TEST_WEIGHTS = (18, 12, 10, 12, 9, 8, 7, 8, 3, 4, 5, 4)

COMPLAINTS = (
    "chest pain", "shortness of breath", "headache", "lower back pain", "fatigue",
    "cough", "abdominal pain", "rash", "dizziness", "knee pain", "fever", "palpitations",
    "joint stiffness", "sore throat", "insomnia", "weight gain",
)  # fmt: skip
APPOINTMENT_NOTES = (
    "Follow-up for {c}.",
    "Patient reports {c} for {n} days.",
    "New patient, referred for {c}.",
    "Annual check-up; mentions {c}.",
    "Review of test results; {c} improving.",
    "Requested interpreter. Complains of {c}.",
)
RECORD_NOTES = (
    "Assessment: {c}. Plan: conservative management, review in {n} weeks.",
    "Examined for {c}. Labs ordered. Advised rest and fluids.",
    "History of {c}. Medication adjusted; follow-up in {n} weeks.",
    "{c} resolved. No further action needed.",
    "Referred to specialist for {c}. Imaging requested.",
)
RECORD_TYPES = ("consultation", "follow_up", "procedure_note", "discharge_summary")
RECORD_TYPE_WEIGHTS = (0.62, 0.28, 0.07, 0.03)
