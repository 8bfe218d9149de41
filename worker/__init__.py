"""The RQ worker side: job functions (`worker.jobs`), the worker and scheduler processes (`python -m worker`)."""
