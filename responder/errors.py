"""One error tree for the whole tool, and the exit codes it maps to.

Every failure a user can meet is one of these, raised with an operator-grade message that names
the thing (file and step, endpoint and Binance code) and says what to do next. `cli.py` is the one
place that turns them into a one-line message and an exit code; nothing else prints them.

    ResponderError                       exit 1
    ├── UsageError                       exit 2   bad option, bad value, unreadable file
    │   ├── CredentialError              exit 2   missing/malformed key, secret or PEM
    │   ├── PlaybookError                exit 2   a playbook that does not load (all problems listed)
    │   └── AnswersError                 exit 2   an answers file that does not fit the playbook
    ├── JournalError                     exit 1   journal unreadable, secret in payload, chain broken
    ├── SelfCheckFailed                  exit 1   a drill that did not reach its expected outcome
    ├── Aborted                          exit 130 Ctrl-C; state is saved
    └── ExchangeError                    exit 1   anything the exchange said or did not say
        ├── Unreachable                  exit 3   DNS, connect, TLS, read failure on a read
        ├── Rejected(code, msg, status)  exit 1   a JSON error body from Binance
        │   ├── BadKeyFormat   -2014
        │   ├── KeyRejected    -2015  invalid key, IP not whitelisted, or permission missing
        │   ├── Unauthorized   -1002  (SAPI) permission missing or unauthorised
        │   ├── BadSignature   -1022  the secret/private key does not match the key
        │   ├── TimestampRejected -1021
        │   └── NothingToCancel   -2011 "Unknown order sent." on cancel-all
        ├── RateLimited        429 (Retry-After): not executed
        │   └── RateLimitStall 429 again after waiting a minute: ends the run at once
        ├── IpBanned           418 (until): not executed; ends the run at once
        ├── ServerFault        an answer Binance never sends (too big, too deep, NaN, absurd waits):
        │                      the server at the base URL is faulty or hostile; ends the run at once
        ├── WafBlocked         403 (HTML page)
        ├── GeoBlocked         451
        ├── ServerError        5XX on a read, after bounded retries
        └── OutcomeUnknown     5XX or timeout on a mutating call: may have happened
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_ABORTED = 130


class ResponderError(Exception):
    """Base of every error responder raises on purpose."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """The message and hint on one line, control characters made visible (a server may have written
        part of it: a Binance `msg`, an endpoint's echo), so printing it can never drive the terminal."""
        from responder.untrusted import shown_line

        text = self.message
        if self.hint:
            text += f" — {self.hint}"
        return shown_line(" ".join(text.split()))


class UsageError(ResponderError):
    exit_code = EXIT_USAGE


class CredentialError(UsageError):
    pass


class PlaybookError(UsageError):
    """A playbook that does not load. `problems` holds every `file:line: step-id: what` line."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class AnswersError(UsageError):
    pass


class JournalError(ResponderError):
    pass


class SelfCheckFailed(ResponderError):
    pass


class Aborted(ResponderError):
    exit_code = EXIT_ABORTED


class ExchangeError(ResponderError):
    """Anything that went wrong talking to the exchange. `endpoint` is `METHOD /path`.

    `executed` is what the error proves about the request: False when Binance refused it (a rejection,
    429, 418, WAF, geo block), None when unknown. `fatal` errors end a run at once (a ban, a hostile
    server): carrying on would only repeat them.
    """

    executed: bool | None = None
    fatal = False

    def __init__(self, message: str, *, endpoint: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.endpoint = endpoint


class Unreachable(ExchangeError):
    exit_code = EXIT_UNREACHABLE


class Rejected(ExchangeError):
    """Binance answered with a JSON error body `{code, msg}`: the request was not executed."""

    executed = False

    def __init__(
        self, code: int, msg: str, *, status: int, endpoint: str = "", hint: str | None = None
    ) -> None:
        text = f"{endpoint} rejected by Binance: {code} {msg}".strip()
        super().__init__(text, endpoint=endpoint, hint=hint)
        self.code = code
        self.msg = msg
        self.status = status


class BadKeyFormat(Rejected):
    pass


class KeyRejected(Rejected):
    pass


class Unauthorized(Rejected):
    pass


class BadSignature(Rejected):
    pass


class TimestampRejected(Rejected):
    pass


class NothingToCancel(Rejected):
    pass


class RateLimited(ExchangeError):
    executed = False

    def __init__(self, message: str, *, retry_after: float, endpoint: str = "") -> None:
        super().__init__(message, endpoint=endpoint, hint=f"wait {retry_after:.0f} s before calling again")
        self.retry_after = retry_after


class RateLimitStall(RateLimited):
    """429 after 429: the server keeps refusing after responder already waited; stop, do not hang."""

    fatal = True


class IpBanned(ExchangeError):
    executed = False
    fatal = True

    def __init__(self, message: str, *, until: datetime | None, endpoint: str = "") -> None:
        when = until.strftime("%Y-%m-%d %H:%M:%S UTC") if until else "an unknown time"
        super().__init__(
            message,
            endpoint=endpoint,
            hint=f"this IP is banned by Binance until {when}; wait, or continue from another network",
        )
        self.until = until


class WafBlocked(ExchangeError):
    executed = False


class GeoBlocked(ExchangeError):
    executed = False


class ServerFault(ExchangeError):
    """The server answered with something Binance never sends: a body too large or too deeply nested,
    a non-finite or absurdly precise number, an absurd wait. Treated as hostile: nothing in it is used."""

    fatal = True


class ServerError(ExchangeError):
    def __init__(self, message: str, *, status: int, endpoint: str = "") -> None:
        super().__init__(message, endpoint=endpoint, hint="Binance had a problem; try again in a minute")
        self.status = status


class OutcomeUnknown(ExchangeError):
    """A mutating call got a 5XX or timed out: it may or may not have happened. Query, then decide."""


@dataclass(frozen=True)
class ExitStatus:
    """What a command ended with, for the CLI to render."""

    code: int
    message: str = ""
