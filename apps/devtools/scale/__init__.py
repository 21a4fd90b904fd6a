"""``manage.py seed_scale`` and ``manage.py bench_scale`` (issue #18): a large, realistic dataset and page timings.

Not part of the product; nothing imports it. ``seed`` writes businesses as the product would leave them
(rows made by the product's own planning and sealing code, written in bulk); ``bench`` times every page.
"""
