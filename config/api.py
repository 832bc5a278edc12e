"""The OpenAPI root: every module's router mounts here, under /api/."""

from ninja import NinjaAPI

from liaison.activities.api import router as activities_router
from liaison.coordination.api import router as coordination_router
from liaison.core.api_support import install_error_handlers
from liaison.directory.api import router as directory_router
from liaison.implementation.api import router as implementation_router
from liaison.membership.api import router as membership_router

api = NinjaAPI(
    title="Liaison API",
    version="1",
    description=(
        "Records of party external relations, state diplomacy and people's diplomacy. "
        "Authenticate with a session cookie (and CSRF token) or `Authorization: Bearer <token>` "
        "(create one with `liaison token USERNAME`). Records you may not see answer 404."
    ),
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/directory", directory_router)
api.add_router("/activities", activities_router)
api.add_router("/coordination", coordination_router)
api.add_router("/implementation", implementation_router)
api.add_router("/membership", membership_router)
