"""Who may do what on a request, now: the one place that decides (see docs/requests.md, "Who may do what").

Every action on a request or on one of its tasks (dispatches) has one ``Rule``: who may take it (a
relationship of the user to the request: enterprise member, A角/B角, the responsible commissioner, the
lead or a co-handling department, a supervisor in scope), from which states, and any further condition
(no live lead task, taken on by the commissioner, no extension already waiting). ``allowed`` answers
with a ``Verdict`` and the reason in the user's words; the services guard with ``check``; the request
page and the queue rows list what to offer with ``actions_for`` and ``task_actions_for``.

Facts about the request (its relationship to the user, whether a lead task is live) are looked up the
first time a rule needs them, once per ``Case``; a page or a row that already holds one (the page has
loaded the dispatches, a queue row has its pairing annotation) passes it in and saves the query.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.orgs.models import DepartmentMembership, Enterprise, EnterpriseMembership, Pairing
from portal.orgs.selectors import region_in_scope, region_scope_for

from .deadlines import co_opinions_wait
from .errors import TransitionError
from .models import OPEN_DISPATCH_STATUSES, OPEN_STATUSES, Dispatch, DispatchStatus, ExtensionStatus, Request, Status


class Action(StrEnum):
    # on the request
    WITHDRAW = "withdraw"
    SUPPLY_INFO = "supply_info"
    EVALUATE = "evaluate"
    TAKE_ON = "take_on"
    DISPATCH = "dispatch"
    ASK_INFO = "ask_info"
    REASSIGN = "reassign"
    ANSWER = "answer"  # the commissioner who took the request on answers it
    DECIDE_EXTENSION = "decide_extension"
    # on one task (dispatch) of the request
    TASK_ACCEPT = "task_accept"
    TASK_RETURN = "task_return"
    TASK_ANSWER = "task_answer"  # the lead answers the enterprise, a co-handler gives its opinion
    TASK_EXTENSION = "task_extension"


REQUEST_ACTIONS = (
    Action.EVALUATE,
    Action.SUPPLY_INFO,
    Action.DISPATCH,
    Action.ANSWER,
    Action.TAKE_ON,
    Action.ASK_INFO,
    Action.REASSIGN,
    Action.WITHDRAW,
)
TASK_ACTIONS = (Action.TASK_ACCEPT, Action.TASK_ANSWER, Action.TASK_RETURN, Action.TASK_EXTENSION)

WHO, STATE = "who", "state"


@dataclass(frozen=True)
class ClientScope:
    """Another government system (the 12345 hotline) acting through the API with its service account: the
    regions (with everything inside them) and the actions its administrators granted. The API puts it on the
    account as ``api_scope`` for one call; the rules below and ``request_visible_to`` read it from there."""

    region_ids: frozenset[int]
    actions: frozenset[str]  # "file", "read", "evaluate"
    personal_data: bool = False  # sees callers' mobiles in full

    def may(self, action: str) -> bool:
        return action in self.actions


def client_scope(user) -> ClientScope | None:
    return getattr(user, "api_scope", None)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""
    refusal: str = ""  # WHO (the user has no standing for it: 403) or STATE (not now: a message)

    def __bool__(self) -> bool:
        return self.ok

    @classmethod
    def yes(cls) -> "Verdict":
        return cls(True)

    @classmethod
    def no(cls, reason: str, refusal: str = STATE) -> "Verdict":
        return cls(False, reason, refusal)


def enforce(verdict: Verdict) -> None:
    """Raise what a refused verdict means: PermissionDenied for the wrong person, TransitionError otherwise."""
    if verdict.ok:
        return
    if verdict.refusal == WHO:
        raise PermissionDenied(verdict.reason)
    raise TransitionError(verdict.reason)


# ---------------------------------------------------------------------------------------------
# who the user is for one request


class Relation:
    """The user's relationships to one request; each is looked up once, when first asked.

    A caller that already knows one passes it as a keyword (``pairing="A"``, ``departments={3}``).
    """

    def __init__(self, user, req: Request, **known):
        self.user, self.req = user, req
        self.__dict__.update(known)

    @cached_property
    def member(self) -> bool:
        user = self.user
        return (
            user.is_enterprise_user
            and EnterpriseMembership.objects.filter(user=user, enterprise_id=self.req.enterprise_id).exists()
        )

    @cached_property
    def pairing(self) -> str | None:
        """The user's active pairing role with the enterprise (A or B), None if not paired."""
        if not self.user.is_commissioner:
            return None
        pairing = (
            Pairing.objects.active()
            .filter(enterprise_id=self.req.enterprise_id, commissioner=self.user)
            .order_by("role")
            .values_list("role", flat=True)
            .first()
        )
        return pairing

    @cached_property
    def responsible(self) -> bool:
        return self.user.is_commissioner and self.req.commissioner_id == self.user.pk

    @property
    def commissioner(self) -> bool:
        """A角 or B角 of the enterprise, or the request's responsible commissioner."""
        return self.user.is_commissioner and (self.responsible or self.pairing is not None)

    @cached_property
    def departments(self) -> frozenset[int]:
        """The departments the user handles tasks for."""
        if not self.user.is_handler:
            return frozenset()
        return frozenset(
            DepartmentMembership.objects.filter(user=self.user, kind=DepartmentMembership.Kind.HANDLER).values_list(
                "department_id", flat=True
            )
        )

    def handles(self, task: Dispatch) -> bool:
        return task.department_id in self.departments

    @property
    def lead_handler(self) -> bool:
        return bool(self.req.lead_department_id) and self.req.lead_department_id in self.departments

    @cached_property
    def supervisor(self) -> bool:
        if not self.user.is_supervisor:
            return False
        if Request.region.is_cached(self.req):  # the request page has its region: compare the paths
            return region_in_scope(self.user, self.req.region)
        return region_scope_for(self.user).filter(pk=self.req.region_id).exists()


class Case:
    """One user facing one request (and perhaps one of its tasks), with the facts the rules read."""

    def __init__(
        self,
        user,
        req: Request,
        *,
        task: Dispatch | None = None,
        relation: Relation | None = None,
        open_lead: bool | None = None,
        pending_extension: bool | None = None,
    ):
        self.user, self.req, self.task = user, req, task
        self.relation = relation or Relation(user, req)
        if open_lead is not None:
            self.__dict__["open_lead"] = open_lead
        if pending_extension is not None:
            self.__dict__["pending_extension"] = pending_extension

    @cached_property
    def open_lead(self) -> bool:
        """A lead task is live (pending or accepted)."""
        return self.req.dispatches.filter(role=Dispatch.Role.LEAD, status__in=OPEN_DISPATCH_STATUSES).exists()

    @cached_property
    def pending_extension(self) -> bool:
        """The task has an extension request waiting for a supervisor."""
        return self.task is not None and self.task.extensions.filter(status=ExtensionStatus.PENDING).exists()


# ---------------------------------------------------------------------------------------------
# the rules


def _not_now(req: Request) -> str:
    return _(
        "This request is now “%(status)s”, so this action is no longer possible; it may already have been handled."
    ) % {"status": req.get_status_display()}


def _task_not_now(task: Dispatch) -> str:
    return _(
        "This task is now “%(status)s”, so this action is no longer possible; it may already have been handled."
    ) % {"status": task.get_status_display()}


def _no_live_lead_to_take_on(c: Case) -> str:
    return _("This request has already been dispatched to a department.") if c.open_lead else ""


def _no_live_lead_to_dispatch(c: Case) -> str:
    if c.open_lead:
        return _(
            "This request has already been dispatched; it can be dispatched again only after "
            "the lead department returns it."
        )
    return ""


def _taken_on(c: Case) -> str:
    if not c.req.handled_directly:
        return _("This request is being handled by a department; the lead department answers it.")
    return ""


def _lead_task(c: Case) -> str:
    return "" if c.task.role == Dispatch.Role.LEAD else _("Only the lead department may ask for an extension.")


def _no_waiting_extension(c: Case) -> str:
    if c.pending_extension:
        return _("An extension request for this task is already waiting for a decision.")
    return ""


def _lead_answers_while_in_progress(c: Case) -> str:
    # a co-handler may give its opinion in 待补充 too; the lead's answer needs the request in progress
    if c.task.role == Dispatch.Role.LEAD and c.req.status != Status.IN_PROGRESS:
        return _not_now(c.req)
    return ""


def _co_opinions_in(c: Case) -> str:
    # the lead answers once every co-handler gave its opinion or its co-handling deadline passed
    if c.task.role == Dispatch.Role.LEAD and co_opinions_wait(c.req, timezone.now()):
        return _(
            "The co-handling departments have not all given their opinion yet; you can answer once they have "
            "or after %(due)s."
        ) % {"due": timezone.localtime(c.req.co_opinion_due_at).strftime("%Y-%m-%d %H:%M")}
    return ""


def _task_still_open(c: Case) -> str:
    if not c.task.is_open:
        return _("The task has already been answered or closed; the extension is no longer needed.")
    return ""


@dataclass(frozen=True)
class Rule:
    who: Callable[[Case], bool]
    states: tuple[str, ...]  # the request states it may be taken from
    task_states: tuple[str, ...] = ()  # for task actions: the task states
    checks: tuple[Callable[[Case], str], ...] = ()  # further conditions: each gives why it fails, or ""
    before_states: tuple[Callable[[Case], str], ...] = ()  # conditions checked before the states
    state_message: Callable[[Case], str] | None = None


def _member(c: Case) -> bool:
    return c.relation.member


def _member_or_filing_client(c: Case) -> bool:
    """The enterprise, or the system that filed this work order for it (the hotline's 回访 result)."""
    if c.relation.member:
        return True
    scope = client_scope(c.user)
    return (
        scope is not None
        and scope.may("evaluate")
        and c.req.created_by_id == c.user.pk
        and c.req.region_id in scope.region_ids
    )


def _commissioner(c: Case) -> bool:
    return c.relation.commissioner


def _handler(c: Case) -> bool:
    return c.task is not None and c.relation.handles(c.task)


WORKING = (Status.IN_PROGRESS, Status.INFO_NEEDED)
ANY_STATE = tuple(Status)

RULES: dict[Action, Rule] = {
    Action.WITHDRAW: Rule(_member, OPEN_STATUSES),
    # the enterprise, or its commissioner recording what the enterprise said by phone (on its behalf)
    Action.SUPPLY_INFO: Rule(lambda c: c.relation.member or c.relation.commissioner, (Status.INFO_NEEDED,)),
    Action.EVALUATE: Rule(_member_or_filing_client, (Status.ANSWERED,)),
    Action.TAKE_ON: Rule(_commissioner, (Status.SUBMITTED,), checks=(_no_live_lead_to_take_on,)),
    # Also after the commissioner took it on: handing it to a department ends the direct handling
    # (recorded on the dispatch event); the assign clock stays stopped where the take-on stopped it.
    Action.DISPATCH: Rule(_commissioner, (Status.SUBMITTED, Status.IN_PROGRESS), checks=(_no_live_lead_to_dispatch,)),
    Action.ASK_INFO: Rule(
        lambda c: c.relation.commissioner or c.relation.lead_handler, (Status.SUBMITTED, Status.IN_PROGRESS)
    ),
    Action.REASSIGN: Rule(lambda c: c.relation.commissioner or c.relation.supervisor, OPEN_STATUSES),
    Action.ANSWER: Rule(_commissioner, (Status.IN_PROGRESS,), checks=(_taken_on,)),
    Action.DECIDE_EXTENSION: Rule(
        lambda c: c.relation.supervisor,
        WORKING,
        checks=(_task_still_open,),
        state_message=lambda c: _("The task has already been answered or closed; the extension is no longer needed."),
    ),
    Action.TASK_ACCEPT: Rule(_handler, WORKING, task_states=(DispatchStatus.PENDING,)),
    Action.TASK_RETURN: Rule(_handler, ANY_STATE, task_states=OPEN_DISPATCH_STATUSES),
    Action.TASK_ANSWER: Rule(
        _handler,
        ANY_STATE,  # an open task is of an open or answered request (closing cancels the tasks)
        task_states=OPEN_DISPATCH_STATUSES,
        checks=(_lead_answers_while_in_progress, _co_opinions_in),
    ),
    Action.TASK_EXTENSION: Rule(
        _handler,
        WORKING,
        task_states=OPEN_DISPATCH_STATUSES,
        before_states=(_lead_task,),
        checks=(_no_waiting_extension,),
    ),
}


_REFUSED = Verdict(False)  # a refusal whose reason nobody reads (``explain=False``)


def judge(case: Case, action: Action, *, explain: bool = True) -> Verdict:
    """The verdict on ``action``; with ``explain=False`` (listing what to offer, 50 rows a page) a refusal for
    the wrong person or state carries no reason, which saves formatting one per action and row."""
    rule = RULES[action]
    if not rule.who(case):
        return Verdict.no(_("You may not do this on this request."), WHO) if explain else _REFUSED
    for check in rule.before_states:
        if reason := check(case):
            return Verdict.no(reason)
    if rule.task_states and case.task.status not in rule.task_states:
        return Verdict.no(_task_not_now(case.task)) if explain else _REFUSED
    if case.req.status not in rule.states:
        if not explain:
            return _REFUSED
        return Verdict.no(rule.state_message(case) if rule.state_message else _not_now(case.req))
    for check in rule.checks:
        if reason := check(case):
            return Verdict.no(reason)
    return Verdict.yes()


def allowed(user, action: Action, req: Request, *, task: Dispatch | None = None, **facts) -> Verdict:
    """May ``user`` take ``action`` on ``req`` (or its task ``task``) now, and if not, why."""
    return judge(Case(user, req, task=task, **facts), action)


def check(user, action: Action, req: Request, *, task: Dispatch | None = None, **facts) -> None:
    """``allowed``, raising PermissionDenied or TransitionError when refused (for the services)."""
    enforce(allowed(user, action, req, task=task, **facts))


def actions_for(user, req: Request, *, case: Case | None = None, among=REQUEST_ACTIONS) -> list[Action]:
    """The request actions ``user`` may take on ``req`` now, in the order the page offers them."""
    case = case or Case(user, req)
    return [action for action in among if judge(case, action, explain=False).ok]


def task_actions_for(user, task: Dispatch, *, case: Case | None = None, among=TASK_ACTIONS) -> list[Action]:
    """The actions ``user`` may take on one task of a request now."""
    case = case or Case(user, task.request, task=task)
    return [action for action in among if judge(case, action, explain=False).ok]


# ---------------------------------------------------------------------------------------------
# outside one request: filing, visits and the contact card of an enterprise


def acts_for(user, enterprise_id: int) -> bool:
    """An enterprise user of this enterprise."""
    return (
        user.is_enterprise_user and EnterpriseMembership.objects.filter(user=user, enterprise_id=enterprise_id).exists()
    )


def is_paired(user, enterprise_id: int) -> bool:
    """A or B commissioner of this enterprise (an active pairing)."""
    return (
        user.is_commissioner
        and Pairing.objects.active().filter(commissioner=user, enterprise_id=enterprise_id).exists()
    )


def supervises_region(user, region_id: int) -> bool:
    return user.is_authenticated and user.is_supervisor and region_scope_for(user).filter(pk=region_id).exists()


def check_may_file(user, enterprise_id: int, *, on_behalf: bool, project=None) -> None:
    """An enterprise files its own request; a paired commissioner files one on its behalf, and so does a
    commissioner of the enterprise's key project for a problem of that project; a system granted filing
    through the API files work orders for enterprises of its regions."""
    scope = client_scope(user)
    if scope is not None:
        region_id = Enterprise.objects.filter(pk=enterprise_id).values_list("region_id", flat=True).first()
        if not (on_behalf and scope.may("file") and region_id in scope.region_ids):
            raise PermissionDenied(_("This client may not file requests for this enterprise."))
        return
    if not on_behalf:
        if not acts_for(user, enterprise_id):
            raise PermissionDenied(_("You do not act for this enterprise."))
    elif not is_paired(user, enterprise_id) and not (
        project is not None and project.enterprise_id == enterprise_id and is_project_commissioner(user, project)
    ):
        raise PermissionDenied(_("Only a commissioner paired with this enterprise may file on its behalf."))


def is_project_commissioner(user, project) -> bool:
    return project.pairings.active().filter(commissioner=user).exists()


@dataclass(frozen=True)
class CardStanding:
    """What the user may see of an enterprise's contact card: phones in full for its members, the visit
    record for its commissioners and the supervisors in scope."""

    member: bool
    paired: bool
    supervises: bool

    @property
    def may_see(self) -> bool:
        return self.member or self.paired or self.supervises

    @property
    def sees_visits(self) -> bool:
        return self.paired or self.supervises


def contact_card_standing(user, enterprise) -> CardStanding:
    return CardStanding(
        member=acts_for(user, enterprise.pk),
        paired=is_paired(user, enterprise.pk),
        supervises=supervises_region(user, enterprise.region_id),
    )


def may_see_contact_card(relation: Relation) -> bool:
    """From a request page: the enterprise's members, its commissioners and the supervisors in scope."""
    return relation.member or relation.commissioner or relation.supervisor
