import pytest

from plans.fiscal_years import era_fiscal_year, format_fiscal_year


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2021, "令和3年度"),
        (2019, "令和元年度"),
        (2018, "平成30年度"),
        (2016, "平成28年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
        (2025, "令和7年度"),
    ],
)
def test_era_fiscal_year(year, expected):
    assert era_fiscal_year(year) == expected


def test_default_style_is_the_western_year(settings):
    settings.FISCAL_YEAR_STYLE = "western"
    assert format_fiscal_year(2025) == "2025年度"


def test_era_style_shows_both(settings):
    settings.FISCAL_YEAR_STYLE = "era"
    assert format_fiscal_year(2025) == "令和7年度(2025年度)"
    assert format_fiscal_year(2025, style="western") == "2025年度"
