"""The person-facing side: prompters (questions), displays (what was done and proven), the drill."""
