"""BINANCE_FUTURES_BASE_URL: read once into Settings; the session's client takes its futures host from it."""

from __future__ import annotations

import io

from responder.clock import ManualClock
from responder.commands.session import open_session
from responder.commands.settings import Settings
from responder.credentials import Credentials
from responder.exchange.futures import futures_for
from responder.exchange.signing import HmacSigner
from responder.leak.registry import build_registry
from responder.secrets import Secret, SecretRegistry
from responder.wizard.prompter import RecordingDisplay, ScriptedPrompter


def _settings(env: dict[str, str]) -> Settings:
    class _Tty(io.StringIO):
        def isatty(self) -> bool:
            return False

    return Settings.from_environment(env, stdin=_Tty(), stdout=io.StringIO(), stderr=io.StringIO())


def test_the_futures_base_url_comes_from_the_environment_once() -> None:
    assert _settings({}).futures_base_url is None
    assert (
        _settings({"BINANCE_FUTURES_BASE_URL": "https://fapi.example"}).futures_base_url
        == "https://fapi.example"
    )


def test_the_session_client_reaches_futures_at_the_configured_host() -> None:
    env_settings = _settings({"BINANCE_FUTURES_BASE_URL": "https://fapi1.example"})
    settings = Settings(
        env_settings.environ,
        False,
        env_settings.out,
        env_settings.err,
        clock=ManualClock(),
        futures_base_url=env_settings.futures_base_url,
    )
    creds = Credentials("k" * 64, HmacSigner(Secret("s" * 64)), "HMAC")
    clock = ManualClock()
    with open_session(
        settings,
        base_url="https://api.binance.com",
        credentials=creds,
        secrets=SecretRegistry(),
        prompter=ScriptedPrompter({}, clock),
        display=RecordingDisplay(),
        registry=build_registry(),
    ) as env:
        assert env.exchange is not None
        assert futures_for(env.exchange).base_url == "https://fapi1.example"  # type: ignore[arg-type]  # Exchange protocol; the client is a BinanceClient
