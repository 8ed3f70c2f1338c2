"""Escaping of attacker-controlled strings, and the block-explorer table."""

from __future__ import annotations

import pytest

from responder.report.explorer import tx_url
from responder.report.text import clean, is_safe_url, md_escape

ETH_TX = "0x" + "ab" * 32


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a|b", r"a\|b"),
        ("<script>", r"\<script\>"),
        ("[x](https://evil.example)", r"\[x\](https\://evil.example)"),
        ("`code`", r"\`code\`"),
        ("web_abc*x*", r"web\_abc\*x\*"),
        ("www.evil.example", r"www\.evil.example"),
        ("# heading", r"\# heading"),
        ("1. item", r"1\. item"),
        ("0.0123", "0.0123"),
        ("-5", "-5"),
        ("14:07:31 UTC", "14:07:31 UTC"),
        ("back\\slash", r"back\\slash"),
        ("line\nbreak", "line break"),
        ("\x1b[31mred\x1b[0m", r"\\x1b\[31mred\\x1b\[0m"),
    ],
)
def test_md_escape_neutralises_markup(raw: str, expected: str) -> None:
    assert md_escape(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\x1b[31mred\x1b[0m", r"\x1b[31mred\x1b[0m"),
        ("\x1b]0;title\x07after", r"\x1b]0;title\x07after"),
        ("a\x00b\x07c\x7fd\x9be", r"a\x00b\x07c\x7fd\x9be"),
        ("evil\u202egnp.exe", r"evil\u202egnp.exe"),
        ("tab\there", "tab here"),
        ("crlf\r\nnext", "crlf next"),
        ("plain ✓ text", "plain ✓ text"),
    ],
)
def test_clean_shows_control_characters_and_escape_sequences_visibly(raw: str, expected: str) -> None:
    assert clean(raw) == expected


@pytest.mark.parametrize(
    ("network", "tx", "url"),
    [
        ("ETH", ETH_TX, f"https://etherscan.io/tx/{ETH_TX}"),
        ("bsc", ETH_TX, f"https://bscscan.com/tx/{ETH_TX}"),
        ("TRX", "ab" * 32, f"https://tronscan.org/#/transaction/{'ab' * 32}"),
        ("BTC", "cd" * 32, f"https://mempool.space/tx/{'cd' * 32}"),
        ("SOL", "5" * 88, f"https://solscan.io/tx/{'5' * 88}"),
        ("UNKNOWNNET", ETH_TX, None),
        ("ETH", "Internal transfer 123", None),
        ("ETH", '0xab"><script>', None),
        ("ETH", "", None),
    ],
)
def test_tx_url_links_only_known_networks_and_plain_hashes(network: str, tx: str, url: str | None) -> None:
    assert tx_url(network, tx) == url
    if url is not None:
        assert is_safe_url(url)


def test_is_safe_url_refuses_anything_not_built_from_the_table() -> None:
    assert not is_safe_url("http://etherscan.io/tx/1")
    assert not is_safe_url("https://evil.example/x)[y](z")
    assert not is_safe_url("javascript:alert(1)")


def test_markdown_keeps_a_plain_ampersand_and_escapes_an_entity() -> None:
    from responder.report.text import md_escape

    assert md_escape("spot & margin trading") == "spot & margin trading"
    assert md_escape("&lt;script&gt; &#60;") == "\\&lt;script\\&gt; \\&#60;"
