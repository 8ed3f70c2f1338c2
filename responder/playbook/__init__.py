"""The generic playbook engine: procedures as data (TOML in `playbooks/`), loaded, validated and run step
by step against the protocols in `protocols.py`. It knows no product: the leak playbook's actions live in
`responder/leak/`."""
