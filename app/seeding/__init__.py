"""Generated data at scale: realistic people, follows, posts and activity, written in bulk."""

from app.seeding.checks import counter_mismatches
from app.seeding.world import BENCH_READER, BENCH_READER_FOLLOWS, SeedReport, seed_world

__all__ = ["BENCH_READER", "BENCH_READER_FOLLOWS", "SeedReport", "counter_mismatches", "seed_world"]
