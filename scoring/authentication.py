"""API keys in the Authorization header: `Token <key>` as the README shows, or `Bearer <key>`,
which many HTTP clients send by default (DRF alone would answer that "no credentials were
provided", sending the user looking for a missing key instead of the wrong word)."""

from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed


class ApiKeyAuthentication(TokenAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return super().authenticate(request)
        if len(parts) != 2:
            raise AuthenticationFailed("Invalid key header: send 'Authorization: Token <key>' or 'Bearer <key>'.")
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise AuthenticationFailed("Invalid key: it has characters no key has.") from None
        return self.authenticate_credentials(key)
