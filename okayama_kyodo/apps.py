"""Japanese names for the admin's headings of apps that are not ours."""

from axes.apps import AppConfig as AxesAppConfig


class AxesConfig(AxesAppConfig):
    # The admin is a user interface here: its headings and breadcrumbs are in Japanese.
    verbose_name = "ログインの失敗と締め出し"
