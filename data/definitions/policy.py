"""Policy numbers, each in one place: the catalog, the services and every text that states one are
formatted from these constants (a test renders the texts and checks them)."""
from __future__ import annotations

WARNING_CUT = 50  # an early-warning score at or above this is a warning (0–100)
IDENTIFICATION_TARGET_DAYS = 15  # from the first signal to identification (认定)
MEASURE_TARGET_DAYS = 30  # from identification to the first assistance measure
STABLE_MONTHS = 6  # at least six months of stability before a risk is eliminated
STABLE_DAYS = 180  # the same six months, as counted in days
INDUSTRY_SHARE_LINE = 60  # % of connection funds (衔接资金) to be used for industry
MAX_FAILED_LOGINS = 5  # failed sign-ins in a row that lock an account
LOCK_MINUTES = 15  # how long a locked account stays locked
SAMPLE_RATE = 0.10  # share of households in the evaluators' fixed sample (a keyed hash of each household's id)
SAMPLE_SEED = 20260101  # names the fixed sample: a new seed (a new assessment round) draws another one
FIELD_SAMPLE_CAP = 100  # households at most in an evaluator's field sample, drawn from the fixed sample
MEDIAN_GROUP_MIN = 5  # prefectures or counties at least in a group whose median is read without its members' figures
