"""Fixtures shared by every module's tests."""

pytest_plugins = ["liaison.core.tests.browser"]
