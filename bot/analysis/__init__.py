"""The analysis room: what clinicians' answers say, taken together.

Owns coding (which codebook themes an answer speaks of, each a barrier or an enabler,
with a confidence), each organisation's codebook and coder (codebook.py: the shipped
themes plus the ones it accepted, asked by every coding path), the emerging themes no
code covers, the question x theme matrix (matrix.py, with disclosure.py deciding what
may be shown) and the chat summary built on it. The default coder is offline and
driven by the codebook's words; a stronger one (learned.py, scikit-learn trained on
labelled answers) is chosen with THRIVE_CODER=learned, behind the same `Coder` protocol.

May import: the neutral model, storage, prompts and bot.privacy.
"""

from bot.analysis.codebook import (
    OrganisationCodebook,
    choose_coder,
    codebook_of,
    coder_for,
    organisation_coder,
)
from bot.analysis.coder import Code, CodebookCoder, Coder
from bot.analysis.coding import code_answer, code_idea, recode_all
from bot.analysis.summary import summary
from prompts import Polarity

__all__ = [
    "Code",
    "CodebookCoder",
    "Coder",
    "OrganisationCodebook",
    "Polarity",
    "choose_coder",
    "code_answer",
    "code_idea",
    "codebook_of",
    "coder_for",
    "organisation_coder",
    "recode_all",
    "summary",
]
