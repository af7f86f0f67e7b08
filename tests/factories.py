"""Made-up plan data for tests. The real plan comes from the fixture file, never from here."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from indicators.models import Indicator, IndicatorResult
from plans.models import BasicPolicy, Department, Measure, Plan
from projects.models import MeasureProject, Project, ProjectProgress

PASSWORD = "test-password-123"  # every test user's


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"テスト課{n}")


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    code = factory.Sequence(lambda n: f"test-plan-{n}")
    title = factory.Sequence(lambda n: f"テスト計画{n}")
    municipality = "テスト市"
    first_fiscal_year = 2021
    last_fiscal_year = 2025
    baseline_fiscal_year = 2020


class BasicPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BasicPolicy

    plan = factory.SubFactory(PlanFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"基本方針のテスト{n}")


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    policy = factory.SubFactory(BasicPolicyFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"基本施策のテスト{n}")


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    policy = factory.SubFactory(BasicPolicyFactory)
    position = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"テスト指標{n}")
    unit = "%"
    baseline_value = Decimal("40.0")
    baseline_year = 2020
    target_value = Decimal("50.0")
    target_year = 2025
    decimal_places = 1


class IndicatorResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorResult

    indicator = factory.SubFactory(IndicatorFactory)
    fiscal_year = 2021
    value = Decimal("42.0")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    plan = factory.SubFactory(PlanFactory)
    name = factory.Sequence(lambda n: f"テスト事業{n}")
    summary = "テスト用の事業です。"


class MeasureProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeasureProject

    measure = factory.SubFactory(MeasureFactory)
    project = factory.SubFactory(
        ProjectFactory, plan=factory.SelfAttribute("..measure.policy.plan")
    )
    position = factory.Sequence(lambda n: n + 1)


class ProjectProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectProgress

    project = factory.SubFactory(ProjectFactory)
    fiscal_year = 2021
    activities = "講座を3回開催した。"
