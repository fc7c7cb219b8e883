"""Sign in to the Patchbay sandbox with Microsoft's own MSAL Python, as a desktop app does.

Driven by crates/patchbay-sandbox/tests/msal.rs, over standard input and output, one JSON line each way:

1. reads the plan: {"authority", "client_id", "scopes", "redirect_uri"};
2. starts the auth code flow (PKCE; MSAL adds client_info=1) and writes {"auth_uri": ...};
3. reads {"redirect": URL}, the browser's last redirect (the test plays the browser), and redeems it with
   acquire_token_by_auth_code_flow;
4. refreshes with acquire_token_silent(force_refresh=True);
5. writes its report: what each step returned (never a token) and the accounts and refresh tokens in MSAL's cache.

MSAL speaks only https, and the sandbox serves http on 127.0.0.1: the session MSAL is given (its documented
http_client hook) stands in for the TLS terminator in front of a real identity platform. https://127.0.0.1:PORT
is sent to http://127.0.0.1:PORT, and the sandbox's http:// URLs in its answers (the discovery document's
endpoints) come back as https://. Nothing else MSAL sends or receives is touched.
"""

import base64
import json
import sys
from urllib.parse import parse_qs, urlsplit

import msal
import requests


class LoopbackTls(requests.Session):
    """A requests session that maps https://HOST:PORT to the sandbox's http://HOST:PORT and back."""

    def __init__(self, https_origin):
        super().__init__()
        self.secure = https_origin
        self.plain = "http://" + https_origin[len("https://"):]

    def request(self, method, url, *args, **kwargs):
        if url.startswith(self.secure):
            url = self.plain + url[len(self.secure):]
        response = super().request(method, url, *args, **kwargs)
        plain = self.plain.encode()
        if plain in response.content:
            response._content = response.content.replace(plain, self.secure.encode())
        return response


def step(result):
    """What a token call returned, without its tokens."""
    if "error" in result:
        return {"ok": False, "error": result.get("error"), "error_description": result.get("error_description")}
    client_info = result.get("client_info")
    decoded = None
    if client_info:
        decoded = json.loads(base64.urlsafe_b64decode(client_info + "=" * (-len(client_info) % 4)))
    claims = result.get("id_token_claims") or {}
    return {
        "ok": "access_token" in result,
        "token_type": result.get("token_type"),
        "scope": result.get("scope"),
        "has_refresh_token": "refresh_token" in result,
        "client_info": decoded,
        "id_token_oid": claims.get("oid"),
        "id_token_tid": claims.get("tid"),
        "token_source": result.get("token_source"),
    }


def read_line():
    line = sys.stdin.readline()
    if not line:
        raise SystemExit("standard input closed before the plan's next step")
    return json.loads(line)


def say(value):
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


def main():
    plan = read_line()
    authority = plan["authority"]
    origin = "/".join(authority.split("/")[:3])
    app = msal.PublicClientApplication(
        plan["client_id"],
        authority=authority,
        http_client=LoopbackTls(origin),
        # MSAL would ask login.microsoftonline.com whether 127.0.0.1 is a known authority.
        instance_discovery=False,
    )
    scopes = plan["scopes"]
    flow = app.initiate_auth_code_flow(scopes, redirect_uri=plan["redirect_uri"])
    if "auth_uri" not in flow:
        raise SystemExit("MSAL did not start the flow: %r" % flow)
    say({"auth_uri": flow["auth_uri"]})

    redirect = read_line()["redirect"]
    auth_response = {k: v[0] for k, v in parse_qs(urlsplit(redirect).query).items()}
    first = app.acquire_token_by_auth_code_flow(flow, auth_response)

    accounts = app.get_accounts()
    silent = {}
    if accounts:
        silent = app.acquire_token_silent(scopes, account=accounts[0], force_refresh=True) or {
            "error": "no_result",
            "error_description": "acquire_token_silent found nothing to refresh with",
        }
    cache = app.token_cache
    say({
        "first": step(first),
        "client_info_in_redirect": "client_info" in auth_response,
        "silent": step(silent) if accounts else None,
        "accounts": [
            {k: a.get(k) for k in ("home_account_id", "environment", "username", "local_account_id", "realm")}
            for a in accounts
        ],
        "refresh_tokens": [
            rt.get("home_account_id") for rt in cache.search(msal.TokenCache.CredentialType.REFRESH_TOKEN)
        ],
        "cached_accounts": [
            a.get("home_account_id") for a in cache.search(msal.TokenCache.CredentialType.ACCOUNT)
        ],
        "msal_version": msal.__version__,
    })


if __name__ == "__main__":
    main()
