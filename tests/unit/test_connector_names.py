"""What ``socialleads connector new`` accepts as a connector's name and package, and the names it derives."""

from __future__ import annotations

import pytest

from socialleads.scaffold import ConnectorSpec, name_problem, validate_name
from socialleads.scaffold.names import MAX_LENGTH, package_problem


@pytest.mark.parametrize("name", ["acme", "acme_crm", "x2", "a", "linkedin_lead_sync", "a" * MAX_LENGTH])
def test_lowercase_identifiers_are_accepted(name: str) -> None:
    assert name_problem(name) is None
    assert validate_name(name) == name


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("", "needs a name"),
        ("Acme", "lowercase (try 'acme')"),
        ("ACME_CRM", "lowercase (try 'acme_crm')"),
        ("acme-crm", "not a lowercase Python identifier: use a-z, 0-9 and _, starting with a letter"),
        ("acme-crm", "(try 'acme_crm')"),
        ("2acme", "starting with a letter"),
        ("_acme", "starting with a letter"),
        ("acme crm", "(try 'acme_crm')"),
        ("café", "not a lowercase Python identifier"),
        ("acme.crm", "not a lowercase Python identifier"),
        ("class", "is a Python keyword"),
        ("a" * (MAX_LENGTH + 1), f"longer than {MAX_LENGTH} characters"),
    ],
)
def test_other_names_are_refused_with_the_reason_and_a_fix(name: str, says: str) -> None:
    problem = name_problem(name)
    assert problem is not None and says in problem
    with pytest.raises(ValueError) as raised:
        validate_name(name)
    assert str(raised.value) == problem


def test_a_name_in_use_is_refused() -> None:
    problem = name_problem("csv", taken={"csv", "slack"})
    assert problem == "there is already a connector named 'csv'; choose another name"
    assert name_problem("csv_crm", taken={"csv", "slack"}) is None


@pytest.mark.parametrize("package", ["connectors.acme", "socialleads_acme", "acme_plugins.sources.acme"])
def test_dotted_packages_outside_the_core_are_accepted(package: str) -> None:
    assert package_problem(package) is None


@pytest.mark.parametrize(
    ("package", "says"),
    [
        ("socialleads.acme", "a connector lives in its own package"),
        ("tests.acme", "a connector lives in its own package"),
        ("connectors..acme", "not a dotted Python package name"),
        ("connectors.acme-crm", "not a dotted Python package name"),
        ("connectors.class", "not a dotted Python package name"),
    ],
)
def test_packages_in_the_core_or_not_importable_are_refused(package: str, says: str) -> None:
    problem = package_problem(package)
    assert problem is not None and says in problem
    with pytest.raises(ValueError, match=says):
        ConnectorSpec.of("acme", "source", package)


def test_the_spec_derives_class_entry_point_and_package_from_the_name() -> None:
    source = ConnectorSpec.of("acme", "source")
    sink = ConnectorSpec.of("acme_crm", "sink")
    assert (source.package, source.class_name) == ("connectors.acme", "AcmeSource")
    assert source.group == "socialleads.sources"
    assert source.entry_point_line == 'acme = "connectors.acme.source:AcmeSource"'
    assert (sink.class_name, sink.group) == ("AcmeCrmSink", "socialleads.sinks")
    assert sink.entry_point_line == 'acme_crm = "connectors.acme_crm.sink:AcmeCrmSink"'
    outside = ConnectorSpec.of("acme", "source", "socialleads_acme")
    assert outside.target == "socialleads_acme.source:AcmeSource"


def test_the_spec_refuses_a_bad_name_too() -> None:
    with pytest.raises(ValueError, match="lowercase"):
        ConnectorSpec.of("Acme", "source")
