"""The learning catalog: topic tree (system > subject > subtopic), prerequisite DAG,
study materials and the question bank."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .delivery import RowBatch
from .layout import INITIAL, updates_label
from .period import DAY_MS, HOUR_MS, Period, day_label
from .timestamps import format_ts, pick_styles

# system (id code, name) -> subject -> "subtopic; subtopic; ...". Some names carry commas
# and quotes on purpose so CSV quoting is exercised.
SYSTEMS: dict[tuple[str, str], dict[str, str]] = {
    ("cv", "Cardiovascular"): {
        "Cardiac Physiology": "Cardiac Cycle; Action Potentials; Cardiac Output; BP Regulation",
        "Cardiac Pathology": "Heart Failure; Ischemic Heart Disease; Cardiomyopathies; "
        "Murmurs, Gallops and Rubs",
        "Cardiovascular Pharmacology": "Antihypertensives; Antiarrhythmics; Lipid Agents; "
        "Anticoagulants",
        "Vascular Disease": "Atherosclerosis; Aortic Dissection; Vasculitides; "
        "Peripheral Artery Disease",
    },
    ("resp", "Respiratory"): {
        "Pulmonary Physiology": "Ventilation and Perfusion; Gas Exchange; Lung Volumes; "
        "Oxygen-Hemoglobin Curve",
        "Obstructive and Restrictive Disease": "Asthma; COPD; Interstitial Lung Disease; "
        "Sleep Apnea",
        "Respiratory Infections": "Pneumonia; Tuberculosis; Influenza; Fungal Infections",
        "Acid-Base": 'Reading an "ABG"; Metabolic Acidosis; Respiratory Alkalosis; Mixed Disorders',
    },
    ("renal", "Renal"): {
        "Renal Physiology": "Glomerular Filtration; Tubular Transport; Renal Clearance; "
        "Renin-Angiotensin System",
        "Electrolytes": "Sodium, Water and Osmolality; Potassium; Calcium and Phosphate; Magnesium",
        "Kidney Disease": "Acute Kidney Injury; Chronic Kidney Disease; Nephrotic Syndrome; "
        "Nephritic Syndrome",
        "Renal Pharmacology": "Diuretics; ACE Inhibitors; Nephrotoxic Drugs; Drug Dosing in CKD",
    },
    ("neuro", "Neurology"): {
        "Neuroanatomy": "Brainstem; Cranial Nerves; Spinal Cord Tracts; Blood Supply of the Brain",
        "Neurophysiology": "Synaptic Transmission; Motor Control; Sensory Pathways; Sleep",
        "Neurologic Disease": "Stroke; Seizures; Multiple Sclerosis; Parkinson's Disease",
        "Neuropharmacology": "Antiepileptics; Anesthetics; Opioids; Neurotransmitter Drugs",
    },
    # Not examined on the board exam: its weight is null.
    ("ethics", "Professionalism & Ethics"): {
        "Medical Ethics": "Informed Consent; Confidentiality; End-of-Life Care; Capacity",
        "Communication": "Breaking Bad News; Shared Decision Making; Interpreters; "
        "Difficult Conversations",
        "Patient Safety": "Medical Errors; Handoffs; Root Cause Analysis; Quality Improvement",
    },
}
MATERIAL_TYPES = ("reading", "video", "flashcards", "case")
MATERIAL_TITLES = {
    "reading": "Core Notes",
    "video": "Lecture",
    "flashcards": "Flashcards",
    "case": 'Clinical Case, "Bedside" Edition',
}
ANSWERS = ("A", "B", "C", "D", "E")


@dataclass
class Curriculum:
    """Topics (index = position), their tree, materials and questions."""

    topic_ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    level: list[str] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)  # -1 for a system
    system: list[int] = field(default_factory=list)  # topic index of the system
    weight: dict[int, float | None] = field(default_factory=dict)  # system -> exam share
    prerequisites: list[tuple[int, int]] = field(default_factory=list)  # (topic, required)
    related: list[tuple[int, int]] = field(default_factory=list)
    material_ids: list[str] = field(default_factory=list)
    material_topic: list[int] = field(default_factory=list)
    material_type: list[str] = field(default_factory=list)
    material_title: list[str] = field(default_factory=list)
    material_seconds: list[float] = field(default_factory=list)  # reading time to finish
    topic_materials: dict[int, list[int]] = field(default_factory=dict)
    question_ids: list[str] = field(default_factory=list)
    question_topic: list[int] = field(default_factory=list)
    question_difficulty: list[float] = field(default_factory=list)
    question_answer: list[str] = field(default_factory=list)
    topic_questions: dict[int, list[int]] = field(default_factory=dict)

    def of_level(self, level: str) -> list[int]:
        return [i for i, lv in enumerate(self.level) if lv == level]


def _add_topic(cur: Curriculum, topic_id: str, name: str, level: str, parent: int) -> int:
    cur.topic_ids.append(topic_id)
    cur.names.append(name)
    cur.level.append(level)
    cur.parent.append(parent)
    idx = len(cur.topic_ids) - 1
    cur.system.append(idx if parent < 0 else cur.system[parent])
    return idx


def _system_weights(rng: np.random.Generator, n: int) -> list[float]:
    """`n` two-decimal weights summing to exactly 1.00."""
    cents = np.floor(rng.dirichlet(np.full(n, 6.0)) * 100).astype(int) + 1
    cents[np.argmax(cents)] += 100 - cents.sum()
    return [round(c / 100, 2) for c in cents.tolist()]


def build_curriculum(rng: np.random.Generator) -> Curriculum:
    """Topic tree, relationships, materials and questions (independent of users)."""
    cur = Curriculum()
    subjects_by_system: list[list[int]] = []
    subtopics_by_subject: dict[int, list[int]] = {}
    for (code, name), subjects in SYSTEMS.items():
        sys_idx = _add_topic(cur, f"top-{code}", name, "system", -1)
        chosen = list(subjects.items())[: int(rng.integers(3, len(subjects) + 1))]
        subject_idx: list[int] = []
        for j, (subject, subtopic_text) in enumerate(chosen, start=1):
            subj = _add_topic(cur, f"top-{code}-{j:02d}", subject, "subject", sys_idx)
            subject_idx.append(subj)
            subtopics = subtopic_text.split("; ")
            picks = subtopics[: int(rng.integers(3, len(subtopics) + 1))]
            subtopics_by_subject[subj] = [
                _add_topic(cur, f"top-{code}-{j:02d}-{k:02d}", sub, "subtopic", subj)
                for k, sub in enumerate(picks, start=1)
            ]
        subjects_by_system.append(subject_idx)

    systems = cur.of_level("system")
    weights = _system_weights(rng, len(systems) - 1)
    cur.weight = dict(zip(systems, [*weights, None], strict=True))  # the last is not examined

    # Prerequisites always point to a topic created earlier, so the graph is a DAG.
    for subjects in subjects_by_system:
        for a, b in zip(subjects[1:], subjects[:-1], strict=True):
            if rng.random() < 0.7:
                cur.prerequisites.append((a, b))
        for subj in subjects:
            subs = subtopics_by_subject[subj]
            for a, b in zip(subs[1:], subs[:-1], strict=True):
                if rng.random() < 0.65:
                    cur.prerequisites.append((a, b))
    basics = subjects_by_system[0][0]
    for subjects in subjects_by_system[1:-1]:
        if rng.random() < 0.6:
            cur.prerequisites.append((subjects[0], basics))
    subtopics = cur.of_level("subtopic")
    while len(cur.related) < 8:
        a, b = (int(x) for x in rng.choice(subtopics, 2, replace=False))
        if cur.parent[a] != cur.parent[b] and (a, b) not in cur.related:
            cur.related.append((a, b))

    # Materials: 2-4 per subject and subtopic; one subtopic has none (materials_score null).
    without = int(rng.choice(subtopics))
    for t in cur.of_level("subject") + subtopics:
        cur.topic_materials[t] = []
        if t == without:
            continue
        for kind in rng.choice(MATERIAL_TYPES, size=int(rng.integers(2, 5))).tolist():
            m = len(cur.material_ids)
            cur.material_ids.append(f"mat-{m + 1:04d}")
            cur.material_topic.append(t)
            cur.material_type.append(kind)
            cur.material_title.append(f"{cur.names[t]}: {MATERIAL_TITLES[kind]}")
            cur.material_seconds.append(float(rng.uniform(600, 3600)))
            cur.topic_materials[t].append(m)
    cur.topic_materials = dict(sorted(cur.topic_materials.items()))

    # Question bank: subtopics carry most questions, subjects some integrative ones.
    for t in sorted(cur.of_level("subject") + subtopics):
        count = int(rng.integers(12, 25) if cur.level[t] == "subtopic" else rng.integers(6, 11))
        cur.topic_questions[t] = []
        for k in range(count):
            q = len(cur.question_ids)
            cur.question_ids.append(f"q-{cur.topic_ids[t][4:]}-{k + 1:03d}")
            cur.question_topic.append(t)
            cur.question_difficulty.append(float(rng.normal(0.0, 0.8)))
            cur.question_answer.append(str(rng.choice(ANSWERS)))
            cur.topic_questions[t].append(q)
    return cur


def topic_versions(rng: np.random.Generator, cur: Curriculum, period: Period) -> RowBatch:
    """All topics before the period; a couple renamed during it."""
    base_ms = period.start_ms - 30 * DAY_MS + 9 * HOUR_MS
    versions = [(t, base_ms + t * 1000, cur.names[t]) for t in range(len(cur.topic_ids))]
    rename_at = int(period.day_ms(period.days // 2)) + 11 * HOUR_MS
    for t in sorted(rng.choice(cur.of_level("subtopic"), 2, replace=False).tolist()):
        versions.append((t, rename_at + t * 1000, f"{cur.names[t]} (revised)"))
    styles = pick_styles(rng, len(versions))
    updated = format_ts(np.array([v[1] for v in versions]), styles)
    batch = RowBatch()
    for k, (t, at, name) in enumerate(versions):
        row = {
            "topic_id": cur.topic_ids[t],
            "parent_topic_id": cur.topic_ids[cur.parent[t]] if cur.parent[t] >= 0 else None,
            "name": name,
            "level": cur.level[t],
            "board_exam_weight": cur.weight.get(t),
            "updated_at": updated[k],
        }
        label = INITIAL if at < period.start_ms else updates_label(day_label(at // DAY_MS))
        batch.add(label, at, row)
    return batch


def relationship_rows(rng: np.random.Generator, cur: Curriculum, period: Period) -> RowBatch:
    """Prerequisite and related edges; a few related edges arrive in a later file."""
    edges = [(a, b, "prerequisite") for a, b in cur.prerequisites]
    edges += [(a, b, "related") for a, b in cur.related]
    late = set(range(len(edges) - 3, len(edges)))
    late_label = updates_label(day_label(period.start_day + period.days * 2 // 3))
    batch = RowBatch()
    for k, (a, b, kind) in enumerate(edges):
        row = {
            "topic_id": cur.topic_ids[a],
            "related_topic_id": cur.topic_ids[b],
            "relationship_type": kind,
        }
        batch.add(late_label if k in late else INITIAL, k, row)
    return batch


def material_versions(rng: np.random.Generator, cur: Curriculum, period: Period) -> RowBatch:
    """All materials before the period; a few retitled during it."""
    base_ms = period.start_ms - 20 * DAY_MS + 10 * HOUR_MS
    n = len(cur.material_ids)
    versions = [(m, base_ms + m * 1000, cur.material_title[m]) for m in range(n)]
    at = int(period.day_ms(period.days * 3 // 4)) + 15 * HOUR_MS
    for m in sorted(rng.choice(n, 3, replace=False).tolist()):
        versions.append((m, at + m * 1000, f"{cur.material_title[m]} (2nd ed.)"))
    styles = pick_styles(rng, len(versions))
    updated = format_ts(np.array([v[1] for v in versions]), styles)
    batch = RowBatch()
    for k, (m, at_ms, title) in enumerate(versions):
        row = {
            "material_id": cur.material_ids[m],
            "topic_id": cur.topic_ids[cur.material_topic[m]],
            "title": title,
            "material_type": cur.material_type[m],
            "updated_at": updated[k],
        }
        label = INITIAL if at_ms < period.start_ms else updates_label(day_label(at_ms // DAY_MS))
        batch.add(label, at_ms, row)
    return batch
