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
# -- East–West collaboration (issue 18: data/read/collaboration.py) ------------------------------------------
# The agreements, and the policy on the national key assistance counties (《关于支持国家乡村振兴重点帮扶县的实施
# 意见》, 国乡振发〔2021〕5号, reference/thresholds.md §5 [K8]), require East–West and central-unit assistance to tilt
# (倾斜) toward those counties; no published percentage was found. The ledger reads the tilt as "not below their
# share": the key counties' share of each quantity at least KEY_COUNTY_TILT × their share of the pair's regions.
KEY_COUNTY_TILT = 1.0
# -- assessment (issue 19: data/compute/assessment.py, data/compute/verification.py) -------------------------
ASSESSMENT_MIN_COVERAGE = 0.75  # a county score resting on less than this share of the scheme's weight is neither graded nor ranked
ROBUSTNESS_SAMPLES = 1000  # weight vectors drawn by the robustness view
ROBUSTNESS_SEED = 20260119  # its seed: the same seed draws the same vectors
ROBUSTNESS_CONCENTRATION = 100  # Dirichlet concentration κ around the chosen weights w: Var(wᵢ) = wᵢ(1 − wᵢ)/(κ + 1)
ROBUSTNESS_SOLID = 0.9  # a grade is "solid" when at least this share of the drawn weight vectors gives it
FIELD_VILLAGES = 10  # villages drawn per county for the field check (stratified by village type)
FIELD_HOUSEHOLDS = 300  # households drawn per county, spread over the villages drawn (inside and outside the register)
FIELD_WRONG_EXIT_MAX = 2.0  # %: 错退率 (households wrongly exited) must stay below this
FIELD_MISSED_MAX = 2.0  # %: 漏评率 (households that should be monitored and are not) must stay below this
FIELD_APPROVAL_MIN = 90.0  # %: 群众认可度 (public approval) must be above this
FIELD_CONFIDENCE_Z = 1.96  # the normal quantile of the field estimates' 95 % confidence intervals
