"""A git repository in a temporary directory holding Binance credentials in every shape `scan` knows,
plus the traps it must not report. Times are fixed so `first_exposed` can be asserted exactly."""

from __future__ import annotations

import base64
import os
import random
import string
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

EXAMPLE_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
EXAMPLE_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"

T1 = "2026-11-01T10:00:00Z"
T2 = "2026-11-05T12:30:00Z"
T3 = "2026-11-08T08:15:00Z"
T_BRANCH = "2026-11-10T21:45:07Z"


def token(rng: random.Random) -> str:
    """A random 64-character Binance-shaped token (mixed case and digits)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        t = "".join(rng.choice(alphabet) for _ in range(64))
        if any(c.isupper() for c in t) and any(c.islower() for c in t) and any(c.isdigit() for c in t):
            return t


def mask(key: str) -> str:
    return f"{key[:4]}…{key[-4:]}"


def git(repo: Path, *args: str, when: str | None = None) -> str:
    env = {
        **os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull,
    }  # fmt: skip
    if when:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when
    out = subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def commit(repo: Path, message: str, when: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, when=when)
    return git(repo, "rev-parse", "HEAD")


@dataclass
class Planted:
    repo: Path
    keys: dict[str, str] = field(default_factory=dict)  # shape → api key
    secrets: dict[str, str] = field(default_factory=dict)  # shape → secret (or PEM body line)
    commits: dict[str, str] = field(default_factory=dict)
    trap_tokens: list[str] = field(default_factory=list)
    private_fps: dict[str, str] = field(default_factory=dict)

    def all_secret_needles(self) -> list[str]:
        return [*self.secrets.values(), *self.trap_tokens]


def _write(repo: Path, rel: str, text: str) -> None:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _integrity_with_alnum_run(rng: random.Random) -> str:
    """A sha512 integrity value whose base64 holds a 64-character alphanumeric run (the hard trap)."""
    while True:
        value = base64.b64encode(rng.randbytes(64)).decode()
        runs = [
            r for r in value.replace("+", " ").replace("/", " ").replace("=", " ").split() if len(r) >= 64
        ]
        if runs and any(c.isdigit() for c in runs[0]):
            return value


def build(root: Path, seed: int = 7) -> Planted:
    rng = random.Random(seed)
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    p = Planted(repo)
    for shape in ("history", "deleted", "freqtrade", "branch", "keyonly", "worktree", "rsa"):
        p.keys[shape] = token(rng)
        if shape != "keyonly":
            p.secrets[shape] = token(rng)
    ed = ed25519.Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))
    ed_pem = ed.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    p.secrets["pem"] = ed_pem.splitlines()[1]
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_b64 = base64.b64encode(
        rsa_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    ).decode()
    p.secrets["rsa-private"] = rsa_b64[-80:]

    # commit 1: a python-binance script with the pair inline, a freqtrade config, a YAML secret file
    _write(repo, "bot/trade.py", (
        "from binance.client import Client\n\n"
        f'client = Client("{p.keys["history"]}", "{p.secrets["history"]}")\n'
    ))  # fmt: skip
    _write(repo, "user_data/config.json", (
        '{\n  "max_open_trades": 3,\n  "exchange": {\n    "name": "binance",\n'
        f'    "key": "{p.keys["freqtrade"]}",\n    "secret": "{p.secrets["freqtrade"]}",\n'
        '    "ccxt_config": {}\n  }\n}\n'
    ))  # fmt: skip
    _write(repo, "deploy/secrets.yaml", (
        "exchange: binance\n"
        f"api_key: {p.keys['deleted']}\napi_secret: {p.secrets['deleted']}\n"
    ))  # fmt: skip
    # traps with Binance context: digests and lockfile integrity hashes
    _write(repo, "downloads/binance-cli.sha256", (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  binance-cli.tar.gz\n"
        "sha256: 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\n"
    ))  # fmt: skip
    integrity = _integrity_with_alnum_run(rng)
    _write(repo, "package-lock.json", (
        '{\n  "packages": {\n    "node_modules/binance-api-node": {\n      "version": "0.12.0",\n'
        f'      "integrity": "sha512-{integrity}"\n    }}\n  }}\n}}\n'
    ).replace("}}", "}"))  # fmt: skip
    _write(repo, "docs/signing.md", (
        "# Signing Binance requests\n\nThe example from Binance's documentation:\n\n"
        f"    apiKey    {EXAMPLE_KEY}\n    secretKey {EXAMPLE_SECRET}\n"
    ))  # fmt: skip
    # traps without Binance context
    p.trap_tokens = [token(rng), token(rng)]
    _write(repo, "weather/settings.ini", f"[service]\napi_key = {p.trap_tokens[0]}\n")
    _write(repo, "misc/notes.txt", f"session token = {p.trap_tokens[1]}\n")
    tls = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write(repo, "tls/server.key", tls.decode())
    p.commits["c1"] = commit(repo, "bot", T1)

    # commit 2: the inline pair moves to the environment (only history has it now);
    # a PEM next to a note about Binance; an RSA key as bare PKCS#8 with its API key
    _write(repo, "bot/trade.py", (
        "import os\nfrom binance.client import Client\n\n"
        'client = Client(os.environ["BINANCE_API_KEY"], os.environ["BINANCE_API_SECRET"])\n'
    ))  # fmt: skip
    _write(repo, "keys/trading.pem", ed_pem)
    _write(repo, "keys/NOTE.md", "The Ed25519 key registered for the Binance bot.\n")
    _write(repo, "ops/rsa.env", (
        f"BINANCE_API_KEY={p.keys['rsa']}\nBINANCE_PRIVATE_KEY={rsa_b64}\n"
    ))  # fmt: skip
    _write(repo, "ops/deploy.sh", f"#!/bin/sh\n# binance bot\nexport BINANCE_API_KEY={p.keys['keyonly']}\n")
    p.commits["c2"] = commit(repo, "use the environment", T2)

    # commit 3: the YAML file is deleted
    (repo / "deploy/secrets.yaml").unlink()
    p.commits["c3"] = commit(repo, "remove secrets", T3)

    # another branch: an MCP server config, never merged
    git(repo, "checkout", "-q", "-b", "mcp")
    _write(repo, ".cursor/mcp.json", (
        '{\n  "mcpServers": {\n    "binance": {\n      "command": "npx",\n'
        '      "args": ["-y", "binance-mcp-server"],\n      "env": {\n'
        f'        "BINANCE_API_KEY": "{p.keys["branch"]}",\n'
        f'        "BINANCE_API_SECRET": "{p.secrets["branch"]}"\n'
        "      }\n    }\n  }\n}\n"
    ))  # fmt: skip
    p.commits["branch"] = commit(repo, "mcp", T_BRANCH)
    git(repo, "checkout", "-q", "main")

    # the work tree only: an untracked .env
    _write(repo, ".env", (
        f"# binance\nBINANCE_API_KEY={p.keys['worktree']}\nBINANCE_API_SECRET={p.secrets['worktree']}\n"
    ))  # fmt: skip
    return p
