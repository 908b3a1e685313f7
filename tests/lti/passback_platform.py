"""The test platform with its services (token, AGS, NRPS) for end-to-end passback tests:
the services blueprint is registered on the lti tests' platform before it serves a request,
signs access tokens with the platform's key and verifies the tool's client assertions
against the tool's real ``/lti/jwks``."""
from __future__ import annotations

import pytest

from tests.lti.platform.services import (AGS_CLAIM, NRPS_CLAIM, PlatformServices,
                                         services_blueprint)


@pytest.fixture
def services(platform, tool) -> PlatformServices:
    running = PlatformServices(base_url=platform.base_url, issuer=platform.issuer,
                               client_id=platform.client_id,
                               tool_jwks_url=f"{tool}/lti/jwks",
                               private_key_pem=platform.signing_key.private,
                               public_key_pem=platform.signing_key.public)
    platform.register_blueprint(services_blueprint(running))
    return running


def service_claims(services: PlatformServices, context_id: str, lineitem_id: str | None,
                   scopes: list[str] | None = None) -> dict:
    """The AGS and NRPS claims a Moodle launch from ``context_id`` carries."""
    return {AGS_CLAIM: services.ags_claim(context_id, lineitem_id, scopes),
            NRPS_CLAIM: services.nrps_claim(context_id)}
