"""How a view answers: render_page() chooses the whole page or only its
#main fragment, redirect_to() the 303 after a POST, form_status() the
status of a page that shows a form, too_many_requests() a rate limit's
refusal."""
from flask import redirect, render_template, request, url_for

# A file refused for a reason that is no mistake to correct in the form.
FILE_PROBLEM_STATUS = {"too_large": 413, "scan_unavailable": 503}


def wants_fragment():
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-Boosted") != "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def is_prefetch():
    """A request the browser made ahead of the visitor (a prefetch or a
    prerender, told by Sec-Purpose or the older Purpose header): the
    visitor has not opened the page yet."""
    return "prefetch" in (request.headers.get("Sec-Purpose", "")
                          + request.headers.get("Purpose", "")).lower()


def in_back_office():
    """Whether this request is for the back office (/staff and below):
    its answers, errors included, are in the staff's layout, whether or
    not a route matched."""
    return request.path == "/staff" or request.path.startswith("/staff/")


def render_page(template, status=200, back_office=False, **context):
    """The page, or only its #main fragment when htmx asked for it. Every
    page template extends `layout`, which is the whole document or the
    fragment layout: the customers' site's, or with back_office=True the
    staff's (templates/staff/). The template knows which (`back_office`)."""
    fragment = wants_fragment()
    layout = "_fragment.html" if fragment else "base.html"
    if back_office:
        layout = "staff/" + layout
    return render_template(template, layout=layout, fragment=fragment,
                           back_office=bool(back_office), **context), status


def redirect_to(endpoint, **values):
    """After a successful POST: 303, so that reload never posts again."""
    return redirect(url_for(endpoint, **values), code=303)


def form_status(form=None, problem=None):
    """The status of a page that shows a form: 200, or 422 when the form
    comes back with errors or the page with a problem (htmx is configured
    to swap a 422). A form with a file refused for a reason the person
    cannot correct in the form says so in `file_problem`: 413 for a file
    too large, 503 when the virus scan could not be done."""
    file_problem = getattr(form, "file_problem", None)
    if file_problem in FILE_PROBLEM_STATUS:
        return FILE_PROBLEM_STATUS[file_problem]
    return 422 if (problem or (form is not None and form.errors)) else 200


def retry_after(answer, verdict):
    """A page (render_page's answer) refused by a rate limit: 429, and when
    to try again."""
    body, _status = answer
    return body, 429, {"Retry-After": str(verdict.retry_after)}


def too_many_requests(verdict):
    minutes = max(1, -(-verdict.retry_after // 60))
    return retry_after(render_page("errors/too_many.html", minutes=minutes,
                                   back_office=in_back_office()), verdict)
