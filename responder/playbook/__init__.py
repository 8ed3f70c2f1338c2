"""Playbooks: incident procedures as data (TOML in `playbooks/`), loaded, validated and run step by step."""
