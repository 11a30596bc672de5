"""Designer variant: BB84 citing a wrong sift probability (1/3) and a wrong Shor–Preskill threshold (0.12)
(issue 10, item 13): published-values and threshold-where-rate-vanishes are refuted with the quantity,
both values and a numeric replay."""

from qproto.spec.bb84 import BB84
from qproto.spec.qkd import SHOR_PRESKILL_2000, PublishedValue

SPEC = BB84.variant(
    "bb84-wrong-published",
    key_rates=("shor-preskill",),
    published=(
        PublishedValue(quantity="threshold:shor-preskill", value="0.12", tolerance="0.0005", reference=SHOR_PRESKILL_2000),
        PublishedValue(quantity="sift", value="1/3", reference=SHOR_PRESKILL_2000),
    ),
)
