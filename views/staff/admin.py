"""The admins' part of the back office: staff members and their roles,
customers' locks, the security log, each for the roles with its
permission (domain.roles): other staff get 403 (and a role_refused entry
in the log), everyone else the staff sign-in.

A new member's initial password is shown once on the page after the form
(GET .../created), made when that page is first opened, like the recovery
codes: the POST redirects (303, so a reload never adds the member twice),
and the password is kept nowhere in clear, not in the session cookie and
not in the database (domain.staff.issue_password)."""
from flask import Blueprint, flash, g, request
from flask_babel import gettext as _

from domain import admin, roles, staff as staff_accounts
from domain.ids import parse_id
from forms.auth import ButtonForm
from forms.staff.admin import AddMemberForm, CustomerSearchForm, LogFilterForm, RoleForm
from models import Customer, Staff
from views.shared.answers import form_status, redirect_to, render_page
from views.shared.guards import staff_required

bp = Blueprint("admin", __name__, url_prefix="/staff/admin")

LABELS = {name: role.label for name, role in roles.ROLES.items()}

# Each page asks for its own permission (domain.roles); admins have them all.
manages_staff = staff_required("staff")


def page(template, status=200, **context):
    return render_page(template, status=status, back_office=True, role_labels=LABELS,
                       utc=utc, **context)


def utc(moment, seconds=False):
    """A time kept in UTC, shown as such: the back office serves every
    market's time zone at once."""
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M") + " UTC"


def not_found():
    return render_page("errors/http.html", code=404, status=404, back_office=True)


# --- staff members ---------------------------------------------------------------------

@bp.route("/staff", methods=["GET", "POST"])
@manages_staff
def staff():
    form = AddMemberForm()
    if form.validate_on_submit():
        try:
            member = admin.add_member(form.email.data, form.name.data, form.role.data, by=g.staff)
        except staff_accounts.AddressTaken:
            form.email.errors.append(_("This email address has a staff account already."))
        else:
            return redirect_to("admin.created", staff_id=member.id)
    return page("staff/admin/staff.html", form=form, members=staff_accounts.members(),
                status=form_status(form))


@bp.route("/staff/<id:staff_id>/created")
@manages_staff
def created(staff_id):
    member = Staff.get_or_none(Staff.id == staff_id)
    if member is None:
        return not_found()
    # Made now, shown this once; a reload finds it issued and shows nothing.
    password = admin.issue_initial_password(member, by=g.staff)
    return page("staff/admin/created.html", member=member, password=password)


@bp.route("/staff/<id:staff_id>", methods=["GET", "POST"])
@manages_staff
def member(staff_id):
    member = Staff.get_or_none(Staff.id == staff_id)
    if member is None:
        return not_found()
    role_form = RoleForm(formdata=None, data={"role": member.role})
    if request.method == "POST":
        action = request.form.get("action")
        if action == "role":
            role_form = RoleForm()
            if role_form.validate_on_submit():
                return change_role(member, role_form)
        elif action in ACTIONS and ButtonForm().validate_on_submit():
            return ACTIONS[action](member)
        else:
            return member_page(member, role_form, _("Choose one of the actions below."))
    return member_page(member, role_form)


def member_page(member, role_form, problem=None):
    """The member's page; with a problem (or a form error), the status says so."""
    return page("staff/admin/member.html", member=member, form=role_form, problem=problem,
                pending=staff_accounts.password_pending(member),
                is_self=member.id == g.staff.id,
                status=form_status(role_form, problem))


REFUSALS = {
    "self": lambda: _("You cannot do this to your own account. Ask another admin."),
    "last_admin": lambda: _("This is the last active admin. Make another member an admin "
                            "first, so that someone can still manage the back office."),
}


def refused(member, role_form, refusal, field=None):
    message = REFUSALS[refusal.reason]()
    if field is not None:
        field.errors.append(message)
        return member_page(member, role_form)
    return member_page(member, role_form, message)


def change_role(member, role_form):
    try:
        changed = admin.change_role(member, role_form.role.data, by=g.staff)
    except admin.Refused as refusal:
        # One's own page has no role field: the summary says it alone.
        field = None if refusal.reason == "self" else role_form.role
        return refused(member, role_form, refusal, field=field)
    if changed:
        flash(_("%(name)s is now: %(role)s.", name=member.name,
                role=roles.label(role_form.role.data)), "success")
    return redirect_to("admin.member", staff_id=member.id)


def deactivate(member):
    try:
        admin.deactivate(member, by=g.staff)
    except admin.Refused as refusal:
        return refused(member, RoleForm(formdata=None, data={"role": member.role}), refusal)
    flash(_("%(name)s is deactivated and signed out everywhere.", name=member.name), "success")
    return redirect_to("admin.member", staff_id=member.id)


def reactivate(member):
    admin.reactivate(member, by=g.staff)
    flash(_("%(name)s can sign in again.", name=member.name), "success")
    return redirect_to("admin.member", staff_id=member.id)


def reset_second_factor(member):
    admin.reset_second_factor(member, by=g.staff)
    flash(_("%(name)s will set up an authenticator app at the next sign-in. Their recovery "
            "codes no longer work.", name=member.name), "success")
    return redirect_to("admin.member", staff_id=member.id)


def unlock(member):
    admin.unlock_member(member, by=g.staff)
    flash(_("%(name)s can sign in again with their password.", name=member.name), "success")
    return redirect_to("admin.member", staff_id=member.id)


def renew_password(member):
    try:
        admin.renew_password(member, by=g.staff)
    except admin.Refused as refusal:
        return refused(member, RoleForm(formdata=None, data={"role": member.role}), refusal)
    return redirect_to("admin.created", staff_id=member.id)


ACTIONS = {"deactivate": deactivate, "reactivate": reactivate,
           "second_factor": reset_second_factor, "unlock": unlock, "password": renew_password}


# --- customers -----------------------------------------------------------------------------

@bp.route("/customers", methods=["GET", "POST"])
@staff_required("customers")
def customers():
    """Find one customer by market and exact address (in a POST, so the
    address stays out of URLs and server logs), then unlock them."""
    if request.method == "POST" and request.form.get("action") == "unlock":
        return unlock_customer()
    form = CustomerSearchForm()
    found = None
    if form.validate_on_submit():
        found = admin.customer_by_address(form.market.data, form.email.data)
        if found is None:
            form.email.errors.append(_("No customer of this market has this email address. "
                                       "It must be exact."))
    return page("staff/admin/customers.html", form=form, found=found, problem=None,
                status=form_status(form))


def unlock_customer():
    """The button under a customer found: their id comes back with it."""
    customer_id = parse_id(request.form.get("customer_id"))
    customer = None
    if customer_id is not None and ButtonForm().validate_on_submit():
        customer = Customer.get_or_none(Customer.id == customer_id, Customer.status != "closed")
    if customer is None:
        return page("staff/admin/customers.html", form=CustomerSearchForm(formdata=None), found=None,
                    problem=_("Find the customer again, then unlock the account."),
                    status=form_status(problem=True))
    admin.unlock_customer(customer.id, by=g.staff)
    flash(_("Customer %(id)s is unlocked: they can sign in with their password again.",
            id=customer.id), "success")
    return redirect_to("admin.customers")


# --- the security log ----------------------------------------------------------------------

@bp.route("/security-log")
@staff_required("security_log")
def security_log():
    form = LogFilterForm(formdata=request.args)
    problem = None
    log_page = None
    if form.validate():
        before, after = request.args.get("before"), request.args.get("after")
        cursor = {name: parse_id(value) for name, value in
                  (("before", before), ("after", after)) if value is not None}
        if None in cursor.values():
            problem = _("This page of the log does not exist. Start again from the newest entries.")
        else:
            try:
                log_page = admin.log_page(form.log_filter(), **cursor)
            except admin.PageGone:
                problem = _("This page of the log does not exist. Start again from the newest "
                            "entries.")
    return page("staff/admin/security_log.html", form=form, log_page=log_page, problem=problem,
                values=form.values() if not form.errors else {},
                status=form_status(form, problem))
