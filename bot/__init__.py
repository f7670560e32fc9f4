import os

# PTB 22 reports time periods (e.g. RetryAfter.retry_after) as ints with a deprecation warning
# unless this opt-in is set; with it they are timedeltas, the behaviour of future releases.
os.environ.setdefault("PTB_TIMEDELTA", "true")
