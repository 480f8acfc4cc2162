"""Demo data for `make run`: console users with printed credentials, cases in every status."""
from sqlalchemy import select

from .cases import CaseService
from .cases import Citizen
from .cases import NewCase
from .models import Administration
from .models import Case
from .models import User
from .types import CaseKind
from .types import Channel
from .types import CloseReason
from .types import Role

DEMO_PASSWORD = "demo3737"
DEMO_USERS = [
    ("agent", "Salma (agent)", Role.AGENT, None, ["ary", "ar", "fr"]),
    ("agent2", "Youssef (agent)", Role.AGENT, None, ["ary", "fr"]),
    ("supervisor", "Nadia (superviseure)", Role.SUPERVISOR, None, ["ary", "ar", "fr"]),
    ("cnss", "Officier CNSS", Role.OFFICER, "CNSS", ["ar", "fr"]),
    ("admin", "Administrateur", Role.ADMIN, None, ["fr"]),
]

# (kind, administration acronym or keypad code, language, description, moves)
DEMO_CASES = [
    (CaseKind.COMPLAINT, "CNSS", "ary", "ما توصلتش بالتعويضات ديال المرض هادي ثلاثة شهور.", []),
    (CaseKind.COMPLAINT, "ONEE", "fr", "Coupures d'électricité répétées depuis une semaine.",
     ["transmit"]),
    (CaseKind.OBSERVATION, "ANCFCC", "ar", "طول مدة انتظار الحصول على شهادة الملكية.",
     ["transmit", "start"]),
    (CaseKind.COMPLAINT, "CNSS", "fr", "Dossier de retraite sans réponse depuis deux mois.",
     ["transmit", "start", "answer"]),
    (CaseKind.SUGGESTION, "ONCF", "ary", "خاص يكون التران ديال الصباح بكري شوية.",
     ["transmit", "answer", "close"]),
    (CaseKind.COMPLAINT, "CNOPS", "ar", "رفض ملف التعويض دون تعليل.",
     ["transmit", "answer", "reopen"]),
    (CaseKind.COMPLAINT, "DGI", "fr", "Litige sur une taxe d'habitation déjà réglée au tribunal.",
     ["close_not_competent"]),
    (CaseKind.COMPLAINT, "225", "ary", "الطلب ماعندو حتى معلومة.", ["close_inadmissible"]),
    (CaseKind.COMPLAINT, "CNSS", "fr", "Même demande que la précédente.", ["close_duplicate"]),
]


def _find(session, acronym_or_code):
    admin = session.scalar(select(Administration).where(
        (Administration.acronym == acronym_or_code) | (Administration.code == acronym_or_code)))
    if admin is None:
        raise LookupError(f"demo data names an unknown administration: {acronym_or_code}")
    return admin


def _apply(service: CaseService, case, move: str) -> None:
    if move == "answer":
        service.answer(case, "Votre dossier a été traité : le paiement sera effectué ce mois."
                       if case.language == "fr" else "تمت معالجة ملفكم وسيتم الأداء هذا الشهر.",
                       "fr" if case.language == "fr" else "ar")
    elif move == "close":
        service.close(case, CloseReason.ANSWERED)
    elif move == "close_not_competent":
        service.close(case, CloseReason.NOT_COMPETENT, note="affaire pendante devant un tribunal",
                      redirect_to="Le tribunal administratif compétent")
    elif move == "close_inadmissible":
        service.close(case, CloseReason.INADMISSIBLE, note="demande sans objet")
    elif move == "close_duplicate":
        service.close(case, CloseReason.DUPLICATE, note="doublon")
    else:
        getattr(service, move)(case)


def load(session) -> list[str]:
    """Add the demo users and cases unless they exist; returns lines to print."""
    lines = []
    if session.scalar(select(User).where(User.username == "agent")) is None:
        for username, name, role, acronym, languages in DEMO_USERS:
            user = User(username=username, display_name=name, role=role, languages=languages,
                        administration=_find(session, acronym) if acronym else None)
            user.set_password(DEMO_PASSWORD)
            session.add(user)
    lines.append("demo console users (password %s): %s" % (
        DEMO_PASSWORD, ", ".join(u[0] for u in DEMO_USERS)))
    if session.scalar(select(Case).limit(1)) is None:
        service = CaseService(session, actor="demo")
        for index, (kind, acronym, language, text, moves) in enumerate(DEMO_CASES):
            case = service.file(NewCase(
                kind=kind, administration=_find(session, acronym), channel=Channel.PHONE_IVR,
                language=language, description=text,
                citizen=Citizen(name="Citoyen démo %d" % (index + 1), cin="AB%06d" % index,
                                phone="+2126000000%02d" % index)))
            for move in moves:
                _apply(service, case, move)
            lines.append(f"demo case {case.reference}: {case.status.value}")
    return lines
