"""The topic tree (system > subject > subtopic) and prerequisite graph as DataFrames.

Inputs have the staging columns: topics (topic_id, parent_topic_id, level,
board_exam_weight), topic_relationships (topic_id, related_topic_id,
relationship_type), materials (material_id, topic_id).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

PREREQUISITE = "prerequisite"


def topic_lineage(topics: pd.DataFrame) -> pd.DataFrame:
    """Each topic paired with itself and every ancestor.

    Columns: topic_id, ancestor_id, distance (0 = the topic itself, 1 = parent,
    ...), ancestor_level (the ancestor's level). A parent id missing from
    `topics` ends the chain; a cycle in the parent links (bad data) stops when it
    comes back to a topic already on the path.
    """
    topics = topics.drop_duplicates("topic_id", keep="last")
    ids = topics["topic_id"].astype(object).to_numpy()
    parent_of = pd.Series(topics["parent_topic_id"].astype(object).to_numpy(), index=ids)
    parent_of = parent_of[parent_of.notna() & parent_of.isin(ids)]
    pieces = [pd.DataFrame({"topic_id": ids, "ancestor_id": ids, "distance": 0})]
    current = pd.DataFrame({"topic_id": ids, "ancestor_id": ids})
    for distance in range(1, len(ids) + 1):
        parents = current["ancestor_id"].map(parent_of)
        current = pd.DataFrame(
            {"topic_id": current["topic_id"].to_numpy(), "ancestor_id": parents.to_numpy()}
        )
        current = current[current["ancestor_id"].notna()]
        current = current[current["ancestor_id"] != current["topic_id"]]
        if current.empty:
            break
        pieces.append(current.assign(distance=distance))
    lineage = pd.concat(pieces, ignore_index=True)
    # A cycle repeats ancestors at larger distances: keep the nearest occurrence.
    lineage = lineage.drop_duplicates(["topic_id", "ancestor_id"], keep="first")
    lineage["distance"] = lineage["distance"].astype("int64")
    level = pd.Series(topics["level"].to_numpy(), index=ids)
    lineage["ancestor_level"] = level.reindex(lineage["ancestor_id"]).to_numpy()
    return lineage.sort_values(["topic_id", "distance"], ignore_index=True)


def topic_systems(topics: pd.DataFrame) -> pd.DataFrame:
    """The level, system (root ancestor) and the system's board exam weight of each topic.

    Columns: topic_id, topic_level, system_id, system_exam_weight (float, NaN when
    the system is not examined).
    """
    lineage = topic_lineage(topics)
    roots = lineage.drop_duplicates("topic_id", keep="last")
    topics = topics.drop_duplicates("topic_id", keep="last")
    info = topics.assign(topic_id=topics["topic_id"].astype(object)).set_index("topic_id")
    weight = pd.to_numeric(info["board_exam_weight"], errors="coerce").astype("float64")
    system_ids = roots["ancestor_id"].to_numpy()
    return pd.DataFrame(
        {
            "topic_id": roots["topic_id"].to_numpy(),
            "topic_level": info["level"].astype(object).reindex(roots["topic_id"]).to_numpy(),
            "system_id": system_ids,
            "system_exam_weight": weight.reindex(system_ids).to_numpy(),
        }
    )


def expand_to_ancestors(
    frame: pd.DataFrame,
    lineage: pd.DataFrame,
    topic_column: str = "topic_id",
    carry: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Repeat each row of `frame` for its topic and each ancestor of it.

    `topic_column` then holds the rolled-up topic; `origin_topic_id` keeps the
    row's own topic; `carry` maps lineage columns (distance, ancestor_level) to
    output columns. Rows whose topic is not in the lineage (not in the
    curriculum) stay once, under their own topic, with distance 0 and other
    carried values null.
    """
    lineage = lineage.sort_values(["topic_id", "distance"], ignore_index=True)
    known = pd.Index(lineage["topic_id"].unique())
    per_topic = lineage.groupby("topic_id", sort=False).size().reindex(known).to_numpy()
    starts = np.concatenate([[0], np.cumsum(per_topic)[:-1]]).astype("int64")
    own = frame[topic_column].reset_index(drop=True)
    codes = known.get_indexer(own)
    counts = np.where(codes >= 0, per_topic[np.maximum(codes, 0)], 1).astype("int64")
    rows = np.repeat(np.arange(len(frame)), counts)
    offset = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
    first = np.where(codes >= 0, starts[np.maximum(codes, 0)], -1)
    position = np.repeat(first, counts) + offset
    origin = own.take(rows).reset_index(drop=True)
    rolled = lineage["ancestor_id"].take(np.maximum(position, 0)).reset_index(drop=True)
    out = frame.iloc[rows].reset_index(drop=True)
    out["origin_topic_id"] = origin
    out[topic_column] = rolled.where(position >= 0, origin)
    unknown = position < 0
    for source, target in (carry or {}).items():
        values = lineage[source].take(np.maximum(position, 0)).reset_index(drop=True)
        out[target] = values.mask(unknown, 0 if source == "distance" else None)
    return out


def subtree_materials(topics: pd.DataFrame, materials: pd.DataFrame) -> pd.DataFrame:
    """Catalog materials of each topic's whole subtree.

    Columns: topic_id (the topic), material_id, material_topic_id (the topic the
    material belongs to), distance (0 = the topic's own material).
    """
    own = materials[["material_id", "topic_id"]].drop_duplicates("material_id")
    expanded = expand_to_ancestors(own, topic_lineage(topics), carry={"distance": "distance"})
    return pd.DataFrame(
        {
            "topic_id": expanded["topic_id"].to_numpy(),
            "material_id": expanded["material_id"].astype(object).to_numpy(),
            "material_topic_id": expanded["origin_topic_id"].to_numpy(),
            "distance": expanded["distance"].astype("int64").to_numpy(),
        }
    )


def prerequisites(relationships: pd.DataFrame) -> pd.DataFrame:
    """Direct prerequisite edges: `prerequisite_id` must be learned before `topic_id`.

    CONTRACT: relationship_type 'prerequisite' means related_topic_id must be
    learned before topic_id; 'related' edges are ignored, as are self-loops.
    Columns: topic_id, prerequisite_id (one row per edge).
    """
    edges = relationships[relationships["relationship_type"] == PREREQUISITE]
    out = pd.DataFrame(
        {
            "topic_id": edges["topic_id"].astype(object).to_numpy(),
            "prerequisite_id": edges["related_topic_id"].astype(object).to_numpy(),
        }
    )
    out = out[out["topic_id"] != out["prerequisite_id"]]
    return out.drop_duplicates(ignore_index=True)
