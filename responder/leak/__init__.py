"""Everything specific to the leaked-key playbook: its containment and aftercare actions, the drill
(the simulated exchange, acting out manual steps, the scripted answers, the self-check)."""
