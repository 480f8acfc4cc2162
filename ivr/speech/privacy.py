"""What a transcript may show: CIN-like and phone-like runs of digits masked before a
transcript segment is emitted, stored or attached (law 09-08). A recogniser writes digits
spaced or grouped ("06 12 34 56 78", "AB 123 456"), so runs are joined across spaces first."""
import re

from shared.logs import mask_personal_data

# Six or more digits, possibly spoken in groups: a phone number, CIN digits, a bank account.
# A CIN's one or two letters may stand before the digits.
_DIGIT_RUN = re.compile(r"(?<![\w*])(?:[A-Za-z]{1,2}[ .-]?)?\d(?:[ .-]?\d){5,}(?!\d)")


def _mask_run(match: re.Match) -> str:
    """Every letter and digit but the last two digits becomes a star; the spacing stays."""
    run = match.group(0)
    hidden = sum(char.isalnum() for char in run) - 2
    return re.sub(r"[A-Za-z0-9]", "*", run, count=hidden)


def mask_transcript(text: str) -> str:
    """`text` with CINs, phone numbers and any run of six digits or more masked (the last
    two digits kept, as in logs). Reference numbers are masked too: a transcript is read
    by people who can look the case up otherwise."""
    return mask_personal_data(_DIGIT_RUN.sub(_mask_run, text))
