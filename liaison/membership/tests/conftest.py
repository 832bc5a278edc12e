import pytest

from liaison.membership.testing import Register, make_register


@pytest.fixture
def register(db) -> Register:
    return make_register()
