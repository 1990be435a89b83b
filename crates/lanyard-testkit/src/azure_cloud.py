"""A custom Azure cloud (as an Azure Stack Hub serves one) for the Azure CLI's login, over
HTTPS with a self-signed certificate. It answers what `az cloud register`, `az login
--service-principal` and `az account set` ask, as the documentation describes:
- GET /metadata/endpoints (learn.microsoft.com/azure-stack/user/azure-stack-version-profiles-azurecli2),
- the tenant's OpenID configuration and its v2.0 token endpoint, which grants a token only to
  the one client id and secret it knows, or a federated token equal to that secret as client
  assertion (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow),
  answering anything else with AADSTS7000215 (or AADSTS700213 for an assertion),
- GET /subscriptions and /tenants with that token (learn.microsoft.com/rest/api/resources).
Every request is logged, one line each, to the log file.

Usage: azure_cloud.py PORT CERT KEY TENANT SUBSCRIPTION CLIENT_ID CLIENT_SECRET LOG
"""
import http.server
import json
import ssl
import sys
import urllib.parse

PORT, CERT, KEY, TENANT, SUBSCRIPTION, CLIENT_ID, SECRET, LOG = sys.argv[1:9]
PORT = int(PORT)
BASE = f"https://127.0.0.1:{PORT}"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.eyJ0aWQiOiJsYW55YXJkIn0."


JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def metadata():
    return {
        "name": "AzureStackLike",
        "portal": f"{BASE}/portal",
        "resourceManager": f"{BASE}/",
        "authentication": {
            "loginEndpoint": f"{BASE}/",
            "audiences": ["https://management.core.windows.net/"],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "graph": f"{BASE}/graph/",
        "graphAudience": f"{BASE}/graph/",
        "gallery": f"{BASE}/gallery/",
        "sqlManagement": f"{BASE}/sql/",
        "batch": f"{BASE}/batch/",
        "media": f"{BASE}/media/",
        "activeDirectoryDataLake": f"{BASE}/adl/",
        "vmImageAliasDoc": f"{BASE}/alias",
        "suffixes": {
            "storage": "local.azurestack.external",
            "keyVaultDns": "vault.local.azurestack.external",
            "acrLoginServer": "azurecr.io",
        },
    }


def subscription():
    return {
        "id": f"/subscriptions/{SUBSCRIPTION}",
        "subscriptionId": SUBSCRIPTION,
        "displayName": "acme-stack",
        "state": "Enabled",
        "tenantId": TENANT,
    }


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def record(self, line):
        with open(LOG, "a") as log:
            log.write(line + "\n")

    def send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?")[0]
        bearer = self.headers.get("authorization", "") == f"Bearer {TOKEN}"
        self.record(f"GET {path}{' bearer' if bearer else ''}")
        if path == "/metadata/endpoints":
            return self.send(200, metadata())
        if path == f"/{TENANT}/v2.0/.well-known/openid-configuration":
            return self.send(200, {
                "issuer": f"{BASE}/{TENANT}/v2.0",
                "token_endpoint": f"{BASE}/{TENANT}/oauth2/v2.0/token",
                "authorization_endpoint": f"{BASE}/{TENANT}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{BASE}/{TENANT}/oauth2/v2.0/devicecode",
            })
        if not bearer:
            return self.send(401, {"error": {"code": "AuthenticationFailed", "message": "no token"}})
        if path == "/subscriptions":
            return self.send(200, {"value": [subscription()]})
        if path == f"/subscriptions/{SUBSCRIPTION}":
            return self.send(200, subscription())
        if path == "/tenants":
            return self.send(200, {"value": [{"id": f"/tenants/{TENANT}", "tenantId": TENANT}]})
        return self.send(404, {"error": {"code": "NotFound", "message": path}})

    def do_POST(self):
        path = self.path.split("?")[0]
        length = int(self.headers.get("content-length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        # A secret, or a federated token (workload identity) as client assertion: this tenant's
        # one federated credential trusts the token equal to the secret it was started with.
        assertion = form.get("client_assertion_type") == [JWT_BEARER]
        proof = form.get("client_assertion" if assertion else "client_secret")
        granted = form.get("client_id") == [CLIENT_ID] and proof == [SECRET]
        self.record(f"POST {path} client_id={form.get('client_id', [''])[0]} "
                    f"{'assertion ' if assertion else ''}{'granted' if granted else 'refused'}")
        if path == f"/{TENANT}/oauth2/v2.0/token" and granted:
            return self.send(200, {"token_type": "Bearer", "expires_in": 3599,
                                   "ext_expires_in": 3599, "access_token": TOKEN})
        if assertion:
            return self.send(401, {
                "error": "invalid_client",
                "error_description": "AADSTS700213: No matching federated identity record found "
                                     "for presented assertion subject.",
                "error_codes": [700213],
            })
        return self.send(401, {
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided.",
            "error_codes": [7000215],
        })


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(CERT, KEY)
server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
server.socket = context.wrap_socket(server.socket, server_side=True)
print("listening", flush=True)
server.serve_forever()
