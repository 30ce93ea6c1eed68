"""Pages of a list shown a number of rows at a time (payments, threads,
texts): which page a link may show and where its rows start."""


def page_within(count, per_page, asked):
    """(the page to show: the one asked, between the first and the last;
    the number of pages, at least one, so that an empty list has its page;
    the offset of that page's first row)."""
    pages = max(1, -(-count // per_page))
    page = min(max(asked, 1), pages)
    return page, pages, (page - 1) * per_page
