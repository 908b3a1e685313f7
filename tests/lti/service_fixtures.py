"""A stand-alone platform services app on loopback (no elearn app), with a tool key whose
public half is served as a JWKS by the same server, for testing the tool's service clients
against the real token, AGS and NRPS endpoints."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

from tests.lti.platform.services import PlatformServices, services_blueprint

ISSUER = "https://platform.test"
CLIENT_ID = "elearn-client"


def platform_key_pems() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo
                                           ).decode()
    return private, public


@dataclass
class RunningServices:
    base_url: str
    services: PlatformServices
    tool_keys: list[RSAKey]
    app: Flask
    server: object
    thread: threading.Thread

    @property
    def token_url(self) -> str:
        return self.base_url + "/token"

    def url(self, endpoint: str, **values) -> str:
        return getattr(self.services, f"{endpoint}_url")(**values)

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


def start_services(host: str = "localhost", jwks=None) -> RunningServices:
    """Serve the services; ``jwks`` returns the tool's JWKS document (by default one of a
    key made here, in ``tool_keys``)."""
    tool_key = RSAKey.generate_key(2048, parameters={"kid": "tool-1", "alg": "RS256",
                                                     "use": "sig"}, private=True)
    keys = [tool_key]
    app = Flask("test-platform-services")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://{host}:{server.server_port}"
    private, public = platform_key_pems()
    services = PlatformServices(base_url=base_url, issuer=ISSUER, client_id=CLIENT_ID,
                                tool_jwks_url=base_url + "/tool-jwks",
                                private_key_pem=private, public_key_pem=public)
    app.register_blueprint(services_blueprint(services))

    @app.get("/tool-jwks")
    def tool_jwks():
        return jsonify(jwks() if jwks is not None else KeySet(keys).as_dict(private=False))

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return RunningServices(base_url, services, keys, app, server, thread)
