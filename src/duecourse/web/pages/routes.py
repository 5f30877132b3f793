"""Server-rendered pages (Jinja2; HTMX where it helps, everything works without JavaScript)."""

from __future__ import annotations

import secrets
from datetime import datetime
from importlib import resources
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ...app.access import (
    IDENTITY_ROLES,
    PLACEMENT_ROLES,
    TRANSPORT_ROLES,
    AccessDenied,
    purposes_of,
)
from ...app.accounts import (
    SignInRefused,
    TooManyAttempts,
    do_create_account,
    do_end_session,
    do_set_session_purpose,
    do_sign_in,
    do_start_session,
    do_update_account,
    list_accounts,
)
from ...app.client_cases import split_case_numbers
from ...app.clients import get_client_list
from ...app.pickers import get_form_choices
from ...app.queries import probe_commands
from ...app.reads import find_cases, get_oversight_report, get_person_view, get_work_queue
from ...app.restricted import may_read_1367
from ...app.work_queues import (
    VIEWS,
    default_view,
    get_awaiting_signature,
    get_case_lines,
    queue_views,
)
from ...domain.case import CaseState
from ...domain.commands import COMMAND_TYPES, ROLES, OpenCase, parse_command
from ...domain.errors import ConcurrencyConflict, InvalidInput, NotFound
from ...law.guards.authority import AUTHORITY
from ...reference import country_name, language_name
from .. import records
from ..flash import Flash, clear_flash, has_flash, set_flash, take_flash
from ..security import (
    PRE_CSRF_COOKIE,
    SESSION_COOKIE,
    FormUser,
    NotSignedIn,
    PageUser,
    SignedIn,
    page_user,
    remote_address,
    the_app,
    web_settings,
)
from ..standing import case_story
from .charts import bar_chart
from .form_errors import FormErrors, form_errors
from .forms import datalists_for, form_fields, form_to_data, typed_values, with_choices

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(resources.files("duecourse.web") / "templates"))
templates.env.globals["quote"] = quote
templates.env.globals["picker_lists"] = datalists_for
templates.env.globals["country_name"] = country_name
templates.env.globals["language_name"] = language_name

HOME = {"admin": "/admin/accounts", "oversight": "/oversight", "attorney": "/clients"}
NAV = [("/clients", "My clients", "attorney"), ("/queue", "Work queue", "queue"),
       ("/cases", "Find a case", "read"),
       ("/cases/new", "Open a case", "officer"), ("/placement", "Placement", "placement"),
       ("/transport", "Removal transport", "transport"),
       ("/identity/review", "Identity review", "identity"), ("/oversight", "Oversight", "ledger"),
       ("/ledger", "Ledger", "ledger"),
       ("/notices", "Notices", "officer"),
       ("/admin/accounts", "Accounts", "admin")]
NAV_ROLES = {"read": {"officer", "supervisor", "counsel", "detention", "transport", "oversight",
                      "attorney"},
             "officer": {"officer", "supervisor"}, "ledger": {"oversight", "supervisor"},
             "attorney": {"attorney"},
             "queue": {"officer", "supervisor", "counsel", "detention", "transport", "oversight"},
             "admin": {"admin"}, "placement": set(PLACEMENT_ROLES),
             "transport": set(TRANSPORT_ROLES), "identity": set(IDENTITY_ROLES)}


def render(request: Request, name: str, user: PageUser | None, status: int = 200,
           **context: Any) -> HTMLResponse:
    nav = [(h, t) for h, t, who in NAV if user and user.account.actor.role in NAV_ROLES[who]]
    # a whole page (not an HTMX fragment) shows the session's flash once (web/flash.py)
    whole_page = has_flash(request) and request.headers.get("HX-Request") != "true"
    response = templates.TemplateResponse(request, name, {
        "user": user, "nav": nav,
        "purposes": purposes_of(user.account.actor.role, web_settings(request).purposes)
        if user else (),
        "flash": take_flash(request, user) if whole_page else None,
        "csrf": user.session.csrf_token if user else "", "path": request.url.path, **context},
        status_code=status)
    if whole_page:
        clear_flash(response)
    return response


def message(request: Request, status: int, title: str, text: str,
            **context: Any) -> HTMLResponse:
    """A page that says one thing (not allowed, not found, expired), still with the signed-in
    user's header when there is one."""
    try:
        user: PageUser | None = page_user(request)
    except NotSignedIn:
        user = None
    return render(request, "message.html", user, status, title=title,
                  text=text[:1].upper() + text[1:], **context)


def install_page_errors(web: FastAPI) -> None:
    @web.exception_handler(AccessDenied)
    async def denied(request: Request, exc: AccessDenied) -> Response:
        return message(request, 403, "Not allowed", f"{exc}. The attempt is recorded.")

    @web.exception_handler(NotFound)
    async def missing(request: Request, exc: NotFound) -> Response:
        # Nothing of the address asked for (the header's purpose link returns home): the page
        # for a case one may not read is the page for one that does not exist, byte for byte.
        return message(request, 404, "Not found", str(exc), path="/")


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _needs_purpose(request: Request, user: PageUser) -> Response | None:
    if user.session.purpose in purposes_of(user.account.actor.role, web_settings(request).purposes):
        return None
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/purpose?next={quote(target)}", status_code=303)


# ---------------------------------------------------------------------------------- sign-in

@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/") -> Response:
    token = secrets.token_urlsafe(24)
    oidc = web_settings(request).oidc
    response = render(request, "sign_in.html", None, next=_safe_next(next), pre_csrf=token,
                      oidc_label=oidc.label if oidc else "")
    response.set_cookie(PRE_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=web_settings(request).secure_cookies, max_age=3600)
    return response


@router.post("/sign-in")
def sign_in(request: Request, username: Annotated[str, Form(max_length=64)],
            password: Annotated[str, Form(max_length=1000)],
            pre_csrf: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
    cookie = request.cookies.get(PRE_CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie, pre_csrf):
        return message(request, 403, "This form has expired",
                       "Reload the sign-in page and try again.")
    app = the_app(request)
    try:
        account = do_sign_in(app.ctx, username, password, remote_address(request),
                             limits=web_settings(request).sign_in_limits)
    except (SignInRefused, TooManyAttempts) as e:
        token = secrets.token_urlsafe(24)
        response = render(request, "sign_in.html", None, 429 if isinstance(
            e, TooManyAttempts) else 401, next=_safe_next(next), pre_csrf=token, error=str(e),
            username=username, oidc_label="")
        if isinstance(e, TooManyAttempts):
            response.headers["Retry-After"] = str(e.retry_after_seconds)
        response.set_cookie(PRE_CSRF_COOKIE, token, httponly=True, samesite="strict",
                            secure=web_settings(request).secure_cookies, max_age=3600)
        return response
    return start_session_response(request, account, next)


def start_session_response(request: Request, account: Any, next: str) -> Response:
    token = do_start_session(the_app(request).ctx, account)
    target = _safe_next(next)
    if target == "/":
        target = HOME.get(account.actor.role, "/queue")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=web_settings(request).secure_cookies, max_age=8 * 3600)
    response.delete_cookie(PRE_CSRF_COOKIE)
    return response


@router.post("/sign-out")
def sign_out(request: Request, user: FormUser) -> Response:
    do_end_session(the_app(request).ctx, user.token)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(user: SignedIn) -> Response:
    return RedirectResponse(HOME.get(user.account.actor.role, "/queue"), status_code=303)


@router.get("/purpose")
def purpose_page(request: Request, user: SignedIn, next: str = "/") -> Response:
    return render(request, "purpose.html", user, next=_safe_next(next))


@router.post("/purpose")
def set_purpose(request: Request, user: FormUser, purpose: Annotated[str, Form()],
                next: Annotated[str, Form()] = "/") -> Response:
    if purpose not in purposes_of(user.account.actor.role, web_settings(request).purposes):
        return render(request, "purpose.html", user, 422, next=_safe_next(next),
                      error="Choose one of the purposes listed.")
    do_set_session_purpose(the_app(request).ctx, user.token, purpose)
    return RedirectResponse(_safe_next(next), status_code=303)


# ---------------------------------------------------------------------------- work and cases

@router.get("/queue")
def queue(request: Request, user: SignedIn, view: str = "", office: str = "",
          facility: str = "", offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    if (r := _needs_purpose(request, user)) is not None:
        return r
    actor, ctx, purpose = user.account.actor, the_app(request).ctx, user.session.purpose
    if actor.role == "attorney":  # their work is their clients' own windows, not the agency's
        return RedirectResponse("/clients", status_code=303)
    views = queue_views(actor.role)
    view = view if view in views else default_view(actor.role)
    page: Any
    if view == "duties":
        page = get_work_queue(ctx, actor, purpose, office=office, facility=facility,
                              offset=offset)
    elif view == "signature":
        page = get_awaiting_signature(ctx, actor, purpose, offset=offset)
    else:
        page = get_case_lines(ctx, actor, purpose, view, offset=offset)
    fragment = request.headers.get("HX-Request") == "true"
    return render(request, "queue_table.html" if fragment else "queue.html", user, page=page,
                  office=office, facility=facility, view=view,
                  views=[(v, VIEWS[v]) for v in views],
                  by_office=may_read_1367(user.account.actor))


@router.get("/clients")
def clients(request: Request, user: SignedIn) -> Response:
    if (r := _needs_purpose(request, user)) is not None:
        return r
    items = get_client_list(the_app(request).ctx, user.account.actor, user.session.purpose)
    return render(request, "clients.html", user, clients=items)


@router.get("/cases")
def search(request: Request, user: SignedIn, q: str = "",
           offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    if (r := _needs_purpose(request, user)) is not None:
        return r
    page = find_cases(the_app(request).ctx, user.account.actor, user.session.purpose, q,
                      offset=offset) if q else None
    return render(request, "search.html", user, page=page, q=q)


@router.get("/cases/new")
def new_case(request: Request, user: SignedIn) -> Response:
    return render(request, "new_case.html", user, fields=form_fields(OpenCase), values={},
                  errors=FormErrors())


@router.post("/cases/new")
async def open_case(request: Request, user: FormUser) -> Response:
    form = await request.form()
    values = typed_values(OpenCase, form)  # what was entered, to show again
    fields = form_fields(OpenCase)
    try:
        cmd = parse_command(OpenCase.name, form_to_data(OpenCase, form))
    except InvalidInput as e:
        return render(request, "new_case.html", user, 422, fields=fields, values=values,
                      errors=form_errors(e, fields, the_app(request).ctx.clock().date()))
    outcome = the_app(request).do(cmd, user.account.actor)
    if not outcome.accepted:
        return render(request, "new_case.html", user, 409, fields=fields, values=values,
                      errors=FormErrors(), refusals=outcome.refusals)
    return _recorded(request, user, f"/cases/{outcome.case_id}", OpenCase.name)


def _case_page(request: Request, user: PageUser, case_id: str, status: int = 200,
               **extra: Any) -> Response:
    app = the_app(request)
    view = app.get_case(case_id, user.account.actor, user.session.purpose)
    now = app.ctx.clock()
    role = user.account.actor.role
    # The commands of the role that the law cannot be asked about beforehand (their details
    # cannot be guessed: an order, a motion, the confirmation of an entry): offered, and checked
    # when submitted.
    probed = probe_commands(view.state, now, role)
    others = [] if view.state.status == "closed" or view.state.custody == "removed" else [
        n for n in COMMAND_TYPES if n != OpenCase.name and n in AUTHORITY.get(role, ())
        and n not in probed and n not in view.allowed and n not in view.blocked]
    forms = {name: form_fields(COMMAND_TYPES[name])
             for name in [*view.allowed, *view.blocked, *others]}
    choices = get_form_choices(app.ctx, user.account.actor, view.state,
                               str(view.person.get("sex") or ""),
                               {f.name for fields in forms.values() for f in fields})
    options = {**choices.options, "stay": _liftable_stays(view.state, now)}
    forms = {name: with_choices(fields, options) for name, fields in forms.items()}
    extra.setdefault("errors", FormErrors())
    return render(request, "case.html", user, status, view=view, forms=forms, others=others,
                  may_confirm="confirm_entry" in AUTHORITY.get(role, ()),
                  identity=view.identity,
                  now=now,
                  stays=records.stays(view.state, now),
                  protections=records.protections(view.state),
                  pending=records.pending(view.state),
                  **case_story(view, now), **extra)


def _liftable_stays(state: CaseState, now: datetime) -> list[tuple[str, str]]:
    """The stays a ``lift_stay`` may name: those recorded on the case and not lifted (a pending
    motion's stay ends with the motion's decision)."""
    return [(s.id, f"{s.id}: {s.kind.replace('_', ' ')} stay of {s.issuer or s.issued_by}")
            for s in records.stays(state, now) if s.kind != "motion" and s.lifted_at is None]


@router.get("/cases/{case_id}")
def case_page(request: Request, user: SignedIn, case_id: str) -> Response:
    if (r := _needs_purpose(request, user)) is not None:
        return r
    return _case_page(request, user, case_id)


@router.post("/cases/{case_id}/commands/{name}")
async def case_command(request: Request, user: FormUser, case_id: str, name: str) -> Response:
    if name not in COMMAND_TYPES or name == OpenCase.name:
        return message(request, 404, "Not found", f"there is no command '{name}'")
    form = await request.form()
    version = form.get("expected_version")
    cls = COMMAND_TYPES[name]
    # The form that failed comes back open, holding what was typed.
    kept = {"failed": name, "values": typed_values(cls, form)}
    try:
        cmd = parse_command(name, form_to_data(cls, form))
        outcome = the_app(request).do(
            cmd, user.account.actor, case_id=case_id,
            expected_version=int(version) if isinstance(version, str) and version.isdigit()
            else None).for_caller()  # refused to one who may not read the case: 404
    except InvalidInput as e:
        errors = form_errors(e, form_fields(cls), the_app(request).ctx.clock().date())
        return _case_page(request, user, case_id, 422, errors=errors, **kept)
    except ConcurrencyConflict as e:
        return _case_page(request, user, case_id, 412, errors=FormErrors(general=[str(e)]),
                          **kept)
    if not outcome.accepted:
        return _case_page(request, user, case_id, 409, refusals=outcome.refusals, **kept)
    return _recorded(request, user, f"/cases/{case_id}", name)


def _recorded(request: Request, user: PageUser, target: str, command: str) -> Response:
    """The redirect after an accepted command, saying so on the next page (a flash)."""
    return set_flash(request, RedirectResponse(target, status_code=303), user,
                     Flash(f"Recorded: {command.replace('_', ' ')}."))


@router.get("/persons/{person_id}")
def person_page(request: Request, user: SignedIn, person_id: str) -> Response:
    if (r := _needs_purpose(request, user)) is not None:
        return r
    view = get_person_view(the_app(request).ctx, person_id, user.account.actor,
                           user.session.purpose)
    return render(request, "person.html", user, view=view)


# ------------------------------------------------------------------------ oversight, admin

@router.get("/oversight")
def oversight(request: Request, user: SignedIn) -> Response:
    report = get_oversight_report(the_app(request).ctx, user.account.actor)
    deadline_rows = [(k, v.get("met", 0), v.get("missed", 0), v.get("due", 0) + v.get(
        "overdue", 0)) for k, v in report.deadlines.items()]
    return render(request, "oversight.html", user, report=report,
                  refusal_chart=bar_chart(report.refusals_by_rule, "Refusals by rule"),
                  missed_chart=bar_chart({k: m for k, _, m, _ in deadline_rows if m},
                                         "Deadlines missed (met late) by clock"),
                  deadline_rows=deadline_rows)


@router.get("/admin/accounts")
def accounts_page(request: Request, user: SignedIn,
                  offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    page = list_accounts(the_app(request).ctx, user.account.actor, 100, offset)
    return render(request, "accounts.html", user, page=page, roles=ROLES)


@router.post("/admin/accounts")
def create_account(request: Request, user: FormUser, username: Annotated[str, Form()],
                   role: Annotated[str, Form()], password: Annotated[str, Form()],
                   name: Annotated[str, Form()] = "", office: Annotated[str, Form()] = "",
                   clients: Annotated[str, Form()] = "",
                   email: Annotated[str, Form()] = "") -> Response:
    ctx = the_app(request).ctx
    try:
        do_create_account(ctx, user.account.actor, username.strip(), role, password, name=name,
                          office=office, client_case_numbers=split_case_numbers(clients),
                          email=email)
    except InvalidInput as e:
        return _accounts_refused(request, user, e, {"username": username, "name": name,
                                                    "role": role, "office": office,
                                                    "clients": clients, "email": email})
    return set_flash(request, RedirectResponse("/admin/accounts", status_code=303), user,
                     Flash(f"Account {username.strip()} created."))


_ACCOUNT_FIELDS = {"username": "User name", "name": "Full name", "role": "Role",
                   "office": "Office", "clients": "Clients", "password": "Password",
                   "active": "Active", "email": "E-mail for reminders"}


def _accounts_refused(request: Request, user: PageUser, e: InvalidInput, typed: dict[str, Any],
                      failed: str = "") -> Response:
    """The accounts page again, nothing saved: the error in words beside its field, and what
    was typed (never a password)."""
    field = e.field.split("[")[0]
    page = list_accounts(the_app(request).ctx, user.account.actor, 100, 0)
    return render(request, "accounts.html", user, 422, page=page, roles=ROLES,
                  error=f"{_ACCOUNT_FIELDS.get(field, field)}: {e.message}.", error_field=field,
                  failed=failed, typed=typed)


@router.post("/admin/accounts/{username}")
def update_account(request: Request, user: FormUser, username: str,
                   role: Annotated[str, Form()], active: Annotated[str, Form()] = "",
                   password: Annotated[str, Form()] = "",
                   clients: Annotated[str | None, Form()] = None,
                   clients_shown: Annotated[str, Form()] = "",
                   email: Annotated[str | None, Form()] = None) -> Response:
    # An emptied box arrives as None, as an absent one does: the row's form says whether it
    # showed the clients (an attorney's row), and an emptied box then clears them. The row
    # always shows the address, so an emptied one removes it.
    if clients_shown and clients is None:
        clients = ""
    ctx = the_app(request).ctx
    try:
        do_update_account(ctx, user.account.actor, username, role=role, active=active == "on",
                          password=password or None,
                          client_case_numbers=None if clients is None
                          else split_case_numbers(clients), email=email or "")
    except InvalidInput as e:
        return _accounts_refused(request, user, e, {"clients": clients, "email": email},
                                 failed=username)
    return set_flash(request, RedirectResponse("/admin/accounts", status_code=303), user,
                     Flash(f"Account {username} saved."))
