"""DataFrames through COPY: every column type the Python assets use survives a
round trip exactly, nulls and empty strings stay apart."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics_pipeline import warehouse
from analytics_pipeline.warehouse.frames import read_frame, write_frame


def test_round_trip_keeps_types_nulls_and_empty_strings(empty_database):
    frame = pd.DataFrame(
        {
            "name": ["a,b", "", None, 'say "hi"\nthere'],
            "n": [1, 2, 3, 4],
            "x": [0.1, None, 2.5, 1e-12],
            "flag": [True, False, None, True],
            "day": pd.to_datetime(["2026-01-01", "2026-02-28", None, "2024-02-29"]),
            "at": pd.to_datetime(
                ["2026-01-01 10:00:00.123456", None, "2026-03-29 01:30:00", "2026-01-01"],
                utc=True,
                format="ISO8601",
            ),
            "doc": [{"k": [1, 2]}, None, [{"a": "é"}], {}],
        }
    )
    with warehouse.connect(warehouse.Role.ADMIN) as conn:
        with conn.cursor() as cur:
            cur.execute(
                "create table public.frames (name text, n integer, x double precision,"
                " flag boolean, day date, at timestamptz, doc jsonb)"
            )
        assert write_frame(conn, "public.frames", frame) == 4
        conn.commit()
        back = read_frame(conn, "select * from public.frames order by n")
        doc = read_frame(conn, "select n, doc->'k'->>1 as second from public.frames order by n")
    assert back["name"][[0, 1, 3]].tolist() == ["a,b", "", 'say "hi"\nthere']
    assert pd.isna(back["name"][2])
    assert back["n"].tolist() == [1, 2, 3, 4]
    assert back["x"].tolist()[0] == 0.1 and pd.isna(back["x"][1]) and back["x"][3] == 1e-12
    assert back["flag"].tolist()[:2] == [True, False] and pd.isna(back["flag"][2])
    assert back["day"][0] == pd.Timestamp("2026-01-01") and pd.isna(back["day"][2])
    assert back["day"][3] == pd.Timestamp(dt.date(2024, 2, 29))
    assert back["at"][0] == pd.Timestamp("2026-01-01 10:00:00.123456", tz="UTC")
    assert pd.isna(back["at"][1])
    assert doc["second"].tolist()[0] == "2"
    assert back["doc"][2] == '[{"a": "é"}]' and back["doc"][3] == "{}" and pd.isna(back["doc"][1])
