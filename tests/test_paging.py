"""domain.paging.page_within: which page a link may show."""
from domain.paging import page_within


def test_a_page_asked_is_kept_between_the_first_and_the_last():
    assert page_within(25, 12, 2) == (2, 3, 12)
    assert page_within(25, 12, 99) == (3, 3, 24)
    assert page_within(25, 12, 0) == (1, 3, 0)
    assert page_within(24, 12, 3) == (2, 2, 12)


def test_an_empty_list_has_its_one_page():
    assert page_within(0, 20, 5) == (1, 1, 0)
