"""What runs when: the jobs and schedules that span layers (the daily run of
aggregates, marts, learning and mastery history; the periodic data snapshots),
the automation sensor, and the data gate every time-based schedule passes."""
